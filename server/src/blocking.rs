//! Blocked clients (BLPOP, BZPOPMIN, XREAD BLOCK…): who waits on which keys, in arrival order.
//!
//! The protocol between a connection and the write path:
//!
//! 1. Before proposing a blocking command the connection [`Waiters::register`]s: it joins the
//!    FIFO queue of each of its keys. Registering before the first attempt means a push applied
//!    while that attempt is in flight is not missed.
//! 2. The command runs (inside apply for writes). If every key is empty it returns
//!    `Ctx::block`, naming the keys it waits on; the waiter [`Waiter::narrow`]s its queues to
//!    those (BLMOVE waits on its source, not its destination) and the connection sleeps on it.
//! 3. After applying a write, the shard's state machine [`Waiters::signal`]s each key the
//!    command named that now exists. A signal goes to the FIRST waiter of that key's queue
//!    that has not been signalled yet: first blocked, first served.
//! 4. A signalled waiter runs its command again (a new proposal). Served, it leaves the queue;
//!    still blocked (someone else took the element), it keeps its place and sleeps again.
//!    A waiter that leaves while holding a signal (served, timed out, disconnected) passes the
//!    signal on to the next waiter of its keys, so no wake-up is lost.
//!
//! Pops happen only through the log, so every replica pops the same elements; which client
//! gets them is the leader's business alone.
//!
//! Locking: one sync mutex, held for O(keys) work and never across an await. The state machine
//! signals while holding the shard lock, so the order is always shard lock → this lock;
//! nothing here takes the shard lock.

use bytes::Bytes;
use hashbrown::HashMap;
use parking_lot::Mutex;
use std::collections::VecDeque;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use tokio::sync::Notify;

/// How CLIENT UNBLOCK ends a wait.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Unblock {
    /// As if the timeout passed.
    Timeout,
    /// With `-UNBLOCKED client unblocked via CLIENT UNBLOCK`.
    Error,
}

struct State {
    client: u64,
    keys: Vec<(usize, Bytes)>,
    notify: Arc<Notify>,
    /// Signalled since the last attempt began.
    signaled: bool,
    /// Asleep (as opposed to running an attempt): what CLIENT UNBLOCK and INFO count.
    sleeping: bool,
    unblock: Option<Unblock>,
}

#[derive(Default)]
struct Inner {
    by_key: HashMap<(usize, Bytes), VecDeque<u64>>,
    waiters: HashMap<u64, State>,
    next: u64,
}

impl Inner {
    /// Signals the first unsignalled waiter of `key`.
    fn signal(&mut self, key: &(usize, Bytes)) {
        let Some(queue) = self.by_key.get(key) else {
            return;
        };
        for id in queue {
            if let Some(w) = self.waiters.get_mut(id) {
                if !w.signaled {
                    w.signaled = true;
                    w.notify.notify_one();
                    return;
                }
            }
        }
    }
}

/// The blocked clients of one shard.
#[derive(Default)]
pub struct Waiters {
    inner: Mutex<Inner>,
    /// Registered waiters: lets the state machine skip all work when nobody waits.
    count: AtomicUsize,
}

impl Waiters {
    /// Joins the queues of `keys` in database `db` for client `client`.
    pub fn register(&self, client: u64, db: usize, keys: &[Bytes]) -> Waiter<'_> {
        let notify = Arc::new(Notify::new());
        let mut inner = self.inner.lock();
        inner.next += 1;
        let id = inner.next;
        let keys: Vec<(usize, Bytes)> = keys.iter().map(|k| (db, k.clone())).collect();
        for key in &keys {
            let queue = inner.by_key.entry(key.clone()).or_default();
            // The same key twice (BLPOP k k 0) queues once.
            if queue.back() != Some(&id) {
                queue.push_back(id);
            }
        }
        inner.waiters.insert(
            id,
            State {
                client,
                keys,
                notify: notify.clone(),
                signaled: false,
                sleeping: false,
                unblock: None,
            },
        );
        self.count.fetch_add(1, Ordering::Relaxed);
        Waiter {
            waiters: self,
            id,
            notify,
        }
    }

    /// True when nobody waits (the state machine's fast path).
    pub fn is_empty(&self) -> bool {
        self.count.load(Ordering::Relaxed) == 0
    }

    /// A write left `key` of database `db` non-empty: wakes its first unsignalled waiter.
    pub fn signal(&self, db: usize, key: &[u8]) {
        if self.is_empty() {
            return;
        }
        self.inner.lock().signal(&(db, Bytes::copy_from_slice(key)));
    }

    /// CLIENT UNBLOCK: ends `client`'s wait if it is asleep in one. True if it was.
    pub fn unblock(&self, client: u64, how: Unblock) -> bool {
        let mut inner = self.inner.lock();
        for w in inner.waiters.values_mut() {
            if w.client == client && w.sleeping && w.unblock.is_none() {
                w.unblock = Some(how);
                w.notify.notify_one();
                return true;
            }
        }
        false
    }

    /// Clients asleep in a blocking command (INFO blocked_clients).
    pub fn blocked_clients(&self) -> usize {
        self.inner
            .lock()
            .waiters
            .values()
            .filter(|w| w.sleeping)
            .count()
    }

    /// True if `client` is asleep in a blocking command (CLIENT LIST flag `b`).
    pub fn is_blocked(&self, client: u64) -> bool {
        if self.is_empty() {
            return false;
        }
        self.inner
            .lock()
            .waiters
            .values()
            .any(|w| w.client == client && w.sleeping)
    }
}

/// One blocked command's place in the queues; leaving them on drop.
pub struct Waiter<'a> {
    waiters: &'a Waiters,
    id: u64,
    notify: Arc<Notify>,
}

impl Waiter<'_> {
    fn with<R>(&self, f: impl FnOnce(&mut State) -> R) -> Option<R> {
        self.waiters.inner.lock().waiters.get_mut(&self.id).map(f)
    }

    /// Leaves the queues of every key but `keys` (of its database). The connection registers
    /// on all the keys a command names before it runs, so that no push is missed; once the
    /// command says which it waits on (BLMOVE: the source, not the destination), the others
    /// must not wake it: its own retries write them, which would wake it again and again.
    pub fn narrow(&self, keys: &[Bytes]) {
        let mut inner = self.waiters.inner.lock();
        let Some(state) = inner.waiters.get_mut(&self.id) else {
            return;
        };
        let mut dropped = Vec::new();
        state.keys.retain(|(db, k)| {
            let keep = keys.contains(k);
            if !keep {
                dropped.push((*db, k.clone()));
            }
            keep
        });
        for key in dropped {
            if let Some(queue) = inner.by_key.get_mut(&key) {
                queue.retain(|&id| id != self.id);
                if queue.is_empty() {
                    inner.by_key.remove(&key);
                }
            }
        }
    }

    /// An attempt begins: signals from now on are for the next one.
    pub fn begin_attempt(&self) {
        self.with(|w| {
            w.signaled = false;
            w.sleeping = false;
        });
    }

    /// True if a key was signalled since the attempt began.
    pub fn signaled(&self) -> bool {
        self.with(|w| w.signaled).unwrap_or(false)
    }

    /// Marks the waiter asleep (or awake).
    pub fn set_sleeping(&self, sleeping: bool) {
        self.with(|w| w.sleeping = sleeping);
    }

    /// How CLIENT UNBLOCK ended the wait, if it did.
    pub fn take_unblock(&self) -> Option<Unblock> {
        self.with(|w| w.unblock.take()).flatten()
    }

    /// Resolves when signalled or unblocked (a signal sent before the call is not lost).
    ///
    /// # Cancel safety
    /// Cancel safe: a cancelled wait consumes no signal.
    pub async fn notified(&self) {
        self.notify.notified().await;
    }
}

impl Drop for Waiter<'_> {
    fn drop(&mut self) {
        let mut inner = self.waiters.inner.lock();
        let Some(state) = inner.waiters.remove(&self.id) else {
            return;
        };
        for key in &state.keys {
            if let Some(queue) = inner.by_key.get_mut(key) {
                queue.retain(|&id| id != self.id);
                if queue.is_empty() {
                    inner.by_key.remove(key);
                }
            }
        }
        if state.signaled {
            // The signal was meant for someone who can use it: pass it on.
            for key in &state.keys {
                inner.signal(key);
            }
        }
        self.waiters.count.fetch_sub(1, Ordering::Relaxed);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn k(s: &str) -> Bytes {
        Bytes::copy_from_slice(s.as_bytes())
    }

    #[test]
    fn signals_go_first_come_first_served_and_are_passed_on() {
        let ws = Waiters::default();
        let a = ws.register(1, 0, &[k("q")]);
        let b = ws.register(2, 0, &[k("q"), k("other")]);
        ws.signal(0, b"q");
        assert!(a.signaled() && !b.signaled());
        ws.signal(0, b"q");
        assert!(b.signaled(), "a second signal goes to the next waiter");
        b.begin_attempt();
        // `a` is served and leaves while holding its signal: it goes to `b`.
        drop(a);
        assert!(b.signaled());
        ws.signal(1, b"q");
        drop(b);
        assert!(ws.is_empty());
    }

    #[test]
    fn a_narrowed_waiter_hears_only_its_keys() {
        let ws = Waiters::default();
        let a = ws.register(1, 0, &[k("src"), k("dst")]);
        let b = ws.register(2, 0, &[k("dst")]);
        a.narrow(&[k("src")]);
        ws.signal(0, b"dst");
        assert!(!a.signaled() && b.signaled());
        ws.signal(0, b"src");
        assert!(a.signaled());
        drop(a);
        drop(b);
        assert!(ws.is_empty());
        assert!(ws.inner.lock().by_key.is_empty());
    }

    #[test]
    fn unblock_only_reaches_sleeping_waiters() {
        let ws = Waiters::default();
        let a = ws.register(7, 0, &[k("q")]);
        assert!(!ws.unblock(7, Unblock::Error), "not asleep yet");
        a.set_sleeping(true);
        assert_eq!(ws.blocked_clients(), 1);
        assert!(ws.is_blocked(7));
        assert!(ws.unblock(7, Unblock::Timeout));
        assert_eq!(a.take_unblock(), Some(Unblock::Timeout));
        assert!(!ws.unblock(8, Unblock::Error));
    }
}
