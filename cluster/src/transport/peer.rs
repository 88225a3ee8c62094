//! Per-peer state: the outbound queues, which link currently carries the peer's traffic, and
//! the counters behind [`super::PeerStatus`]. Plain data under one sync lock, no I/O.
//!
//! The queues and the link slot share one `parking_lot::Mutex` so that "is there a link" and
//! "queue this" are one atomic step for [`super::Transport::send`] (which must not await), and
//! a writer replaced by a newer link stops taking envelopes the moment it is replaced. The
//! lock is never held across an `.await`: every critical section is a few pointer moves.

use std::collections::VecDeque;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use parking_lot::Mutex;
use tokio::sync::{watch, Notify};
use tokio_util::sync::CancellationToken;

use super::policy;
use super::wire::{Envelope, CHUNK_DATA_LEN};

/// The link currently carrying a peer's traffic.
#[derive(Debug)]
pub struct LinkSlot {
    /// Unique per transport; tells a replaced link's tasks that they are stale.
    pub conn_id: u64,
    /// Node id that dialed this connection (input to [`policy::replaces`]).
    pub dialer: u64,
    /// Wakes this link's writer when something is queued.
    pub wake: Arc<Notify>,
    /// Cancels this link's task.
    pub token: CancellationToken,
}

/// Why [`PeerState::push`] refused an envelope.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PushError {
    /// No link is installed.
    NotConnected,
    /// The queue is at its bound.
    QueueFull,
}

/// Mutable state of one peer, behind [`Peer::state`].
#[derive(Debug, Default)]
pub struct PeerState {
    /// Where the peer's bus listens; `None` for a peer we only know from its inbound link.
    pub addr: Option<SocketAddr>,
    /// Set by `set_peer`: we keep (re)connecting. An unconfigured peer is forgotten when its
    /// inbound link goes down.
    pub configured: bool,
    link: Option<LinkSlot>,
    /// Envelopes that fit in one frame (heartbeats, votes, appends), first served.
    small: VecDeque<Envelope>,
    /// Envelopes sent as chunks (snapshots); one chunk per write batch, so they never hold
    /// up `small` for more than one chunk's worth of bytes.
    large: VecDeque<Envelope>,
}

impl PeerState {
    /// Queues `env` (of encoded length `len`) for the current link, keeping at most
    /// `queue_len` envelopes queued. Returns the writer to wake.
    ///
    /// # Errors
    ///
    /// [`PushError::NotConnected`] without a link (messages are not held for a link that may
    /// never come back: Raft retransmits), [`PushError::QueueFull`] at the bound.
    pub fn push(
        &mut self,
        env: Envelope,
        len: usize,
        queue_len: usize,
    ) -> Result<Arc<Notify>, PushError> {
        let Some(link) = &self.link else {
            return Err(PushError::NotConnected);
        };
        if self.small.len() + self.large.len() >= queue_len {
            return Err(PushError::QueueFull);
        }
        if len <= CHUNK_DATA_LEN {
            self.small.push_back(env);
        } else {
            self.large.push_back(env);
        }
        Ok(link.wake.clone())
    }

    /// Envelopes queued and not yet taken by a writer.
    pub fn queued(&self) -> usize {
        self.small.len() + self.large.len()
    }

    /// Whether `conn_id` is the link carrying this peer's traffic.
    pub fn is_current(&self, conn_id: u64) -> bool {
        self.link.as_ref().is_some_and(|l| l.conn_id == conn_id)
    }

    /// Whether any link is installed.
    pub fn is_connected(&self) -> bool {
        self.link.is_some()
    }

    /// Moves small envelopes into `out`, oldest first, until about `max_bytes` of encoded
    /// envelopes are taken (at least one, if any is queued).
    pub fn take_small(&mut self, out: &mut Vec<Envelope>, max_bytes: usize) {
        let mut bytes = 0;
        while bytes < max_bytes {
            let Some(env) = self.small.pop_front() else {
                break;
            };
            bytes += prost::Message::encoded_len(&env);
            out.push(env);
        }
    }

    /// The oldest large envelope.
    pub fn take_large(&mut self) -> Option<Envelope> {
        self.large.pop_front()
    }

    /// Makes `slot` the peer's link unless the existing one wins the tie-break
    /// ([`policy::replaces`]). Returns the replaced link, whose task the caller cancels; the
    /// queue carries over to the new link.
    ///
    /// # Errors
    ///
    /// Gives `slot` back when the existing link is kept; the caller closes the new one.
    pub fn install(
        &mut self,
        slot: LinkSlot,
        local: u64,
        peer: u64,
    ) -> Result<Option<LinkSlot>, LinkSlot> {
        match &self.link {
            Some(existing) if !policy::replaces(local, peer, existing.dialer, slot.dialer) => {
                Err(slot)
            }
            _ => Ok(self.link.replace(slot)),
        }
    }

    /// Removes link `conn_id` if it is still the current one, dropping everything queued
    /// for it (a stale queue is useless to Raft and must not grow while disconnected).
    /// Returns how many envelopes were dropped, or `None` if `conn_id` was already replaced.
    pub fn uninstall(&mut self, conn_id: u64) -> Option<usize> {
        if !self.is_current(conn_id) {
            return None;
        }
        self.link = None;
        let dropped = self.queued();
        self.small.clear();
        self.large.clear();
        Some(dropped)
    }
}

/// Monotonic counters of one peer; relaxed atomics, read only for reporting.
#[derive(Debug, Default)]
pub struct Counters {
    /// Envelopes written to a socket.
    pub sent: AtomicU64,
    /// Envelopes received and decoded (counted just before the hand-off to the inbound
    /// channel).
    pub received: AtomicU64,
    /// Envelopes refused by `send` or lost from a queue or a write when a link went down.
    pub dropped: AtomicU64,
    /// Links established (handshaken and installed) over the peer's lifetime.
    pub links: AtomicU64,
    /// When the last frame arrived, as nanoseconds after the transport's epoch plus one
    /// (0 = never).
    last_frame: AtomicU64,
}

impl Counters {
    /// Adds `n` to `counter`.
    pub fn add(counter: &AtomicU64, n: u64) {
        counter.fetch_add(n, Ordering::Relaxed);
    }

    /// Reads `counter`.
    pub fn get(counter: &AtomicU64) -> u64 {
        counter.load(Ordering::Relaxed)
    }

    /// Records that a frame arrived now.
    pub fn touch(&self, epoch: Instant) {
        let nanos = u64::try_from(epoch.elapsed().as_nanos()).unwrap_or(u64::MAX - 1);
        self.last_frame.store(nanos + 1, Ordering::Relaxed);
    }

    /// When the last frame arrived.
    pub fn last_frame(&self, epoch: Instant) -> Option<Instant> {
        match self.last_frame.load(Ordering::Relaxed) {
            0 => None,
            n => Some(epoch + Duration::from_nanos(n - 1)),
        }
    }
}

/// One peer the transport knows: configured with `set_peer`, or connected to us.
#[derive(Debug)]
pub struct Peer {
    /// The peer's node id.
    pub id: u64,
    /// Queues and link slot; see the module doc for why the lock is sync.
    pub state: Mutex<PeerState>,
    /// Child of the transport's token; cancelled by `remove_peer`. Links are its children.
    pub token: CancellationToken,
    /// Whether a link is installed; the dialer waits on it.
    pub connected: watch::Sender<bool>,
    /// For [`super::PeerStatus`].
    pub counters: Counters,
}

impl Peer {
    /// A peer with no address, no link and zero counters.
    pub fn new(id: u64, token: CancellationToken) -> Self {
        Peer {
            id,
            state: Mutex::new(PeerState::default()),
            token,
            connected: watch::Sender::new(false),
            counters: Counters::default(),
        }
    }
}

#[cfg(test)]
mod tests {
    use bytes::Bytes;

    use super::*;

    fn slot(conn_id: u64, dialer: u64) -> LinkSlot {
        LinkSlot {
            conn_id,
            dialer,
            wake: Arc::new(Notify::new()),
            token: CancellationToken::new(),
        }
    }

    fn env(n: usize) -> Envelope {
        Envelope {
            payload: Bytes::from(vec![0; n]),
            ..Envelope::default()
        }
    }

    #[test]
    fn push_needs_a_link_and_respects_the_bound() {
        let mut s = PeerState::default();
        assert_eq!(s.push(env(1), 3, 2).unwrap_err(), PushError::NotConnected);
        s.install(slot(1, 1), 1, 2).unwrap();
        s.push(env(1), 3, 2).unwrap();
        s.push(env(CHUNK_DATA_LEN), CHUNK_DATA_LEN + 4, 2).unwrap();
        assert_eq!(s.push(env(1), 3, 2).unwrap_err(), PushError::QueueFull);
        assert_eq!(s.queued(), 2);
        assert!(s.take_large().is_some());
        assert!(s.take_large().is_none());
        let mut out = Vec::new();
        s.take_small(&mut out, 1);
        assert_eq!(out.len(), 1);
    }

    #[test]
    fn take_small_stops_near_the_byte_budget() {
        let mut s = PeerState::default();
        s.install(slot(1, 1), 1, 2).unwrap();
        for _ in 0..10 {
            s.push(env(100), 102, 100).unwrap();
        }
        let mut out = Vec::new();
        s.take_small(&mut out, 250);
        assert_eq!(out.len(), 3);
        s.take_small(&mut out, usize::MAX);
        assert_eq!(out.len(), 10);
    }

    #[test]
    fn install_follows_the_tie_break_and_uninstall_only_the_current() {
        let mut s = PeerState::default();
        // We are 2, the peer is 1: its dialed link beats ours.
        assert!(s.install(slot(10, 2), 2, 1).unwrap().is_none());
        let old = s.install(slot(11, 1), 2, 1).unwrap().unwrap();
        assert_eq!(old.conn_id, 10);
        assert_eq!(s.install(slot(12, 2), 2, 1).unwrap_err().conn_id, 12);
        assert!(s.is_current(11));
        s.push(env(1), 3, 10).unwrap();
        // The replaced link going down must not take the current one with it.
        assert_eq!(s.uninstall(10), None);
        assert_eq!(s.uninstall(11), Some(1));
        assert!(!s.is_connected());
        assert_eq!(s.queued(), 0);
    }

    #[test]
    fn counters_record_the_last_frame() {
        let c = Counters::default();
        let epoch = Instant::now();
        assert_eq!(c.last_frame(epoch), None);
        c.touch(epoch);
        let t = c.last_frame(epoch).unwrap();
        assert!(t >= epoch && t <= Instant::now());
    }
}
