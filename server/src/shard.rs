//! The shard: its keyspace and its write path.
//!
//! Every change to the keyspace is a [`LogEntry`] — the command plus what makes it deterministic
//! (the proposer's clock) — appended to the shard's log and applied by [`apply`], the ONE function
//! through which a replica's keyspace changes. Reads go straight to the keyspace.
//!
//! Writes reach `apply` through the shard's Raft group (`crate::replica`): the connection
//! queues them ([`crate::dispatch::WriteQueue`]), proposes them as one entry payload
//! ([`crate::entry`]), and the group applies committed entries on every member. Command code
//! only ever sees a [`Ctx`] inside `apply`, so it does not know about replication.
//!
//! Locking: one `parking_lot::Mutex` guards keyspace and log together, so log order is apply
//! order. It is a sync lock because every critical section is short and never awaits.

use bytes::Bytes;
use parking_lot::{Mutex, MutexGuard};
use redraft_protocol::Frame;

use crate::cmd::ctx::{Block, Mode};
use crate::cmd::{self, Ctx, Handler};
use crate::keyspace::Keyspace;

/// What an entry does.
#[derive(Debug, Clone, PartialEq)]
pub enum Op {
    /// A write command with its arguments (argv[0] is the name).
    Command(Vec<Bytes>),
    /// Delete these keys if they are expired at the entry's clock (lazy and active expiry).
    Expire(Vec<Bytes>),
}

/// One log entry.
#[derive(Debug, Clone, PartialEq)]
pub struct LogEntry {
    /// Position in the log, from 1.
    pub index: u64,
    /// The database the command runs in.
    pub db: usize,
    /// The proposer's clock, unix ms: the only clock apply may read.
    pub now_ms: u64,
    /// The change.
    pub op: Op,
}

/// Counters that apply and reads accumulate, for INFO.
#[derive(Default, Debug, Clone, Copy)]
pub struct KeyspaceStats {
    /// Lookups that found a key.
    pub hits: u64,
    /// Lookups that found nothing.
    pub misses: u64,
    /// Keys deleted by expiry.
    pub expired_keys: u64,
    /// Changes since start (INFO rdb_changes_since_last_save).
    pub dirty: u64,
}

/// Keyspace, log position and counters, guarded together.
pub struct ShardState {
    /// The data.
    pub keyspace: Keyspace,
    /// Index of the last applied entry.
    pub applied: u64,
    /// Counters.
    pub stats: KeyspaceStats,
}

impl ShardState {
    fn absorb(&mut self, ctx_hits: u64, ctx_misses: u64, ctx_expired: u64) {
        self.stats.hits += ctx_hits;
        self.stats.misses += ctx_misses;
        self.stats.expired_keys += ctx_expired;
    }
}

/// One shard: a keyspace and its write path.
pub struct Shard {
    state: Mutex<ShardState>,
    /// Clients blocked on this shard's keys.
    pub waiters: crate::blocking::Waiters,
}

/// Options that shape how handlers run (from config and the session).
#[derive(Clone, Copy, Debug)]
pub struct RunOptions {
    /// CLIENT NO-TOUCH.
    pub no_touch: bool,
    /// proto-max-bulk-len.
    pub max_string: usize,
    /// Encoding thresholds.
    pub limits: crate::types::Limits,
}

impl Default for RunOptions {
    fn default() -> Self {
        RunOptions {
            no_touch: false,
            max_string: 512 * 1024 * 1024,
            limits: crate::types::Limits::default(),
        }
    }
}

impl Shard {
    /// A shard with `databases` empty databases.
    pub fn new(databases: usize) -> Shard {
        Shard {
            state: Mutex::new(ShardState {
                keyspace: Keyspace::new(databases),
                applied: 0,
                stats: KeyspaceStats::default(),
            }),
            waiters: crate::blocking::Waiters::default(),
        }
    }

    /// Runs `f` with the shard state locked (INFO, DBSIZE, SCAN, debugging).
    pub fn with<R>(&self, f: impl FnOnce(&mut ShardState) -> R) -> R {
        f(&mut self.state.lock())
    }

    /// Locks the shard for a batch of commands (one lock per pipelined batch, not per command).
    pub fn lock(&self) -> MutexGuard<'_, ShardState> {
        self.state.lock()
    }
}

/// Runs a read handler on database `db` of a locked shard. Expired keys it met are added to
/// `expired`: the leader proposes their deletion (only the leader deletes, so replicas agree).
/// The second value is set when the command blocked (XREAD BLOCK with nothing to read).
pub fn read_locked(
    st: &mut ShardState,
    db: usize,
    now_ms: u64,
    opts: RunOptions,
    f: cmd::ReadFn,
    argv: &[Bytes],
    expired: &mut Vec<(usize, Bytes)>,
) -> (Frame, Option<Block>) {
    let mut ctx = Ctx::with_options(&mut st.keyspace, db, now_ms, Mode::Read, opts);
    let reply = f(&mut ctx, argv);
    let (h, m) = (ctx.hits, ctx.misses);
    expired.append(&mut ctx.expired);
    let blocked = ctx.blocked.take();
    st.absorb(h, m, 0);
    (reply, blocked)
}

/// Groups `(db, key)` pairs by database, for one expiry entry per database.
pub fn group_by_db(keys: Vec<(usize, Bytes)>) -> Vec<(usize, Vec<Bytes>)> {
    let mut out: Vec<(usize, Vec<Bytes>)> = Vec::new();
    for (db, key) in keys {
        match out.iter_mut().find(|(d, _)| *d == db) {
            Some((_, v)) => v.push(key),
            None => out.push((db, vec![key])),
        }
    }
    out
}

/// THE apply function: every replica changes its keyspace only through here, in log order.
/// `resolved` is the command's write handler if the caller already has it; otherwise (replaying
/// a log) it is looked up from argv[0]. `seq` numbers the entry within its Raft entry: with the
/// index it seeds the command's random draws, the same on every replica.
///
/// Returns the reply and, when a blocking command found nothing to pop, what it waits for.
pub fn apply(
    st: &mut ShardState,
    entry: &LogEntry,
    seq: u64,
    opts: RunOptions,
    resolved: Option<cmd::WriteFn>,
) -> (Frame, Option<Block>) {
    st.applied = entry.index;
    let mut ctx = Ctx::with_options(&mut st.keyspace, entry.db, entry.now_ms, Mode::Apply, opts);
    ctx.seed = entry.index.wrapping_mul(0x0100_0000_01b3) ^ seq.wrapping_mul(0x9e37_79b9);
    let reply = match &entry.op {
        Op::Command(argv) => match resolved.or_else(|| resolve_write(argv)) {
            Some(f) => f(&mut ctx, argv),
            None => Frame::error(crate::error::unknown_command(&argv[0], &argv[1..])),
        },
        Op::Expire(keys) => {
            for key in keys {
                // `find` in apply mode deletes the key when it is expired at the entry's clock.
                let _ = ctx.find(key);
            }
            Frame::ok()
        }
    };
    let (h, m, e) = (ctx.hits, ctx.misses, ctx.expired_deleted);
    let blocked = ctx.blocked.take();
    st.absorb(h, m, e);
    if !reply.is_error() && blocked.is_none() {
        st.stats.dirty += 1;
    }
    (reply, blocked)
}

/// After applying `entry`: wakes the first waiter of each key it named that now exists (a
/// push, a store, a rename…). Keys it emptied or deleted wake nobody.
pub fn signal_waiters(shard: &Shard, st: &ShardState, entry: &LogEntry) {
    if shard.waiters.is_empty() {
        return;
    }
    let Op::Command(argv) = &entry.op else {
        return;
    };
    let Some(c) = cmd::table().get(&argv[0]) else {
        return;
    };
    let Some(db) = st.keyspace.dbs().nth(entry.db) else {
        return;
    };
    for i in c.spec.key_positions(argv) {
        let key = &argv[i];
        if db
            .find(key)
            .is_some_and(|slot| !db.is_expired(slot, entry.now_ms))
        {
            shard.waiters.signal(entry.db, key);
        }
    }
}

fn resolve_write(argv: &[Bytes]) -> Option<cmd::WriteFn> {
    let mut c = cmd::table().get(argv.first()?)?;
    // A container's write subcommands (XGROUP CREATE) are resolved through the subcommand.
    if matches!(c.spec.handler, Handler::Container) {
        c = c.sub(argv.get(1)?)?;
    }
    match c.spec.handler {
        Handler::Write(f) => Some(f),
        _ => None,
    }
}
