//! The dispatcher: one request in, one outcome out. Its checks run in this documented order,
//! each tested (unit tests here, integration tests in `tests/integration/replication.rs`):
//!
//! 1. lookup and arity (unknown command / subcommand, wrong number of arguments);
//! 2. authentication (NOAUTH);
//! 3. keys (the first key's slot, from the command's key spec);
//! 4. routing and leadership: on a follower in cluster mode, keyed commands get `-MOVED` to the
//!    leader (reads are served after READONLY), keyless writes `-READONLY`; on a leader of a
//!    group with peers, reads wait for a read barrier (ReadIndex) once per socket read (a group
//!    of one skips it once it has applied its log after a restart);
//! 5. execute: writes are queued for the connection's next proposal (their replies come back
//!    from the group after apply), reads run on the keyspace, session commands on the
//!    connection.
//!
//! Order across a pipeline is kept by deferral: while writes are queued, any other request is
//! handed back ([`Dispatched::Deferred`]) until their proposal has been answered. A blocking
//! write (BLPOP…) ends the batch: what follows it waits until it returns, as in Redis.

use bytes::Bytes;
use redraft_protocol::slot::key_hash_slot;
use redraft_protocol::Frame;
use std::sync::atomic::Ordering;
use std::time::Instant;

use crate::cmd::ctx::Block;
use crate::cmd::{self, flags, Command, Handler};
use crate::error;
use crate::replica::Replica;
use crate::session::Session;
use crate::shard::{self, LogEntry, Op, Shard, ShardState};
use crate::state::unix_ms;
use parking_lot::MutexGuard;

/// Resolves argv to a command, checking existence and arity.
///
/// # Errors
/// The error reply Redis sends for an unknown command, unknown subcommand or wrong arity.
pub fn resolve(argv: &[Bytes]) -> Result<&'static Command, Frame> {
    let table = cmd::table();
    let Some(c) = table.get(&argv[0]) else {
        return Err(Frame::error(error::unknown_command(&argv[0], &argv[1..])));
    };
    if matches!(c.spec.handler, Handler::Container) {
        if argv.len() < 2 {
            return Err(Frame::error(error::wrong_arity(&c.fullname)));
        }
        let Some(sub) = c.sub(&argv[1]) else {
            return Err(Frame::error(error::unknown_subcommand(
                c.spec.name,
                &argv[1],
            )));
        };
        if !sub.spec.arity_ok(argv.len()) {
            return Err(Frame::error(error::wrong_arity(&sub.fullname)));
        }
        return Ok(sub);
    }
    if !c.spec.arity_ok(argv.len()) {
        return Err(Frame::error(error::wrong_arity(&c.fullname)));
    }
    Ok(c)
}

/// What one request came to.
pub enum Dispatched {
    /// The reply, ready now.
    Reply(Frame),
    /// A write, queued in the [`WriteQueue`]; its reply comes when the proposal is applied.
    Queued,
    /// Not executed yet: the connection must first do what [`Wait`] says, then dispatch it again.
    Deferred(Vec<Bytes>, Wait),
    /// A blocking read (XREAD BLOCK) found nothing: the connection waits as the block says,
    /// then runs the command again.
    Blocked(Vec<Bytes>, Block),
}

/// What a deferred request waits for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Wait {
    /// The queued writes' replies (a request after them must not overtake them).
    Writes,
    /// A read barrier: this leader must confirm it still leads before serving reads.
    Barrier,
}

/// Writes queued by one connection for its next proposal, and expired keys its reads met.
#[derive(Default)]
pub struct WriteQueue {
    /// The writes, in order.
    pub entries: Vec<LogEntry>,
    /// Each write's command and when it was dispatched (commandstats).
    pub commands: Vec<(&'static Command, Instant)>,
    /// Slot of the first keyed write (for a MOVED reply if the proposal is refused).
    pub slot: u16,
    /// Keys reads found expired, by database; the leader proposes their deletion.
    pub expired: Vec<(usize, Bytes)>,
    /// The last queued write is a blocking command (BLPOP…): nothing may join it, because
    /// a client blocked in it runs nothing else until it returns.
    pub blocking: bool,
}

impl WriteQueue {
    /// True when writes wait to be proposed.
    pub fn has_writes(&self) -> bool {
        !self.entries.is_empty()
    }
}

/// The shard lock and clock shared by the requests of one pipelined batch: the lock is taken
/// once for consecutive reads and released before any session command (which may lock the
/// shard itself) and before the connection awaits.
pub struct Batch<'a> {
    shard: &'a Shard,
    guard: Option<MutexGuard<'a, ShardState>>,
    replica: &'a Replica,
    queue: &'a mut WriteQueue,
    /// A read barrier passed since the connection last read its socket.
    reads_ok: bool,
    /// Unix ms at the start of the batch: the clock for its reads and proposals.
    pub now_ms: u64,
}

impl<'a> Batch<'a> {
    /// A batch on `shard`, not yet locked. `reads_ok`: a read barrier has passed since the
    /// requests were read (or none is needed).
    pub fn new(
        shard: &'a Shard,
        replica: &'a Replica,
        queue: &'a mut WriteQueue,
        reads_ok: bool,
    ) -> Batch<'a> {
        Batch {
            shard,
            guard: None,
            replica,
            queue,
            reads_ok,
            now_ms: unix_ms(),
        }
    }

    /// Looks up the first key of each request so the lookups' cache misses overlap; the
    /// execution that follows then finds the lines in cache. Changes nothing.
    pub fn warm<'b>(&mut self, db: usize, requests: impl Iterator<Item = &'b Vec<Bytes>>) {
        let st = self.guard.get_or_insert_with(|| self.shard.lock());
        if db >= st.keyspace.db_count() {
            return;
        }
        let db = st.keyspace.db(db);
        for argv in requests {
            // Writes are applied later by the group's task, which warms their keys itself.
            if let (Some(key), false) = (argv.get(1), is_queueable_write(argv)) {
                std::hint::black_box(db.find(key));
            }
        }
    }

    /// Runs a read handler under the shard lock; expired keys it met join the queue.
    fn read(
        &mut self,
        db: usize,
        opts: shard::RunOptions,
        f: cmd::ReadFn,
        argv: &[Bytes],
    ) -> (Frame, Option<Block>) {
        let st = self.guard.get_or_insert_with(|| self.shard.lock());
        shard::read_locked(st, db, self.now_ms, opts, f, argv, &mut self.queue.expired)
    }

    /// True when writes wait to be proposed.
    pub fn has_writes(&self) -> bool {
        self.queue.has_writes()
    }

    /// Releases the shard lock (before awaiting or running a session command).
    pub fn release(&mut self) {
        self.guard = None;
    }
}

/// True when `argv` is a write command with a valid arity (it may join queued writes).
fn is_queueable_write(argv: &[Bytes]) -> bool {
    cmd::table()
        .get(&argv[0])
        .is_some_and(|c| matches!(c.spec.handler, Handler::Write(_)) && c.spec.arity_ok(argv.len()))
}

/// Executes, queues or defers one request.
pub fn dispatch(session: &mut Session, batch: &mut Batch<'_>, argv: Vec<Bytes>) -> Dispatched {
    // 1. Lookup and arity. While writes are queued, anything but another write (an error
    // reply included) waits for their replies, so replies keep the requests' order.
    let resolved = resolve(&argv);
    if batch.queue.has_writes()
        && (batch.queue.blocking
            || !matches!(&resolved, Ok(c) if matches!(c.spec.handler, Handler::Write(_))))
    {
        return Dispatched::Deferred(argv, Wait::Writes);
    }
    let c = match resolved {
        Ok(c) => c,
        Err(e) => return Dispatched::Reply(e),
    };
    session.last_command = Some(c);
    // 2. Authentication.
    if !session.authenticated && c.spec.flags & flags::NO_AUTH == 0 {
        c.stats.rejected.fetch_add(1, Ordering::Relaxed);
        return Dispatched::Reply(Frame::error(error::NOAUTH));
    }
    // 3. Keys: the first key decides the slot (one group owns every slot for now).
    let first_key = c.spec.first_key(&argv);
    let keyed = first_key.is_some();
    let slot = first_key.map_or(0, |k| key_hash_slot(k));
    // 4. Routing and leadership.
    let is_write = matches!(c.spec.handler, Handler::Write(_));
    let is_read = matches!(c.spec.handler, Handler::Read(_));
    let status = batch.replica.group.status();
    if is_write || is_read {
        if !status.is_leader() && batch.queue.has_writes() {
            // Lost leadership with writes queued: their replies (redirects) go first.
            return Dispatched::Deferred(argv, Wait::Writes);
        }
        if !status.is_leader() {
            if batch.replica.cluster {
                if keyed && (is_write || !session.readonly) {
                    return Dispatched::Reply(batch.replica.redirect(slot));
                }
                if is_write {
                    return Dispatched::Reply(Frame::error(error::READONLY_REPLICA));
                }
            }
        } else if is_read
            && !batch.reads_ok
            && (status.voter_count() > 1 || !status.leader_caught_up())
        {
            batch.release();
            return Dispatched::Deferred(argv, Wait::Barrier);
        }
    }
    // 5. Execute.
    let started = Instant::now();
    let reply = match c.spec.handler {
        Handler::Write(_) => {
            if !batch.queue.has_writes() {
                batch.queue.slot = slot;
            }
            batch.queue.entries.push(LogEntry {
                index: 0,
                db: session.db,
                now_ms: batch.now_ms,
                op: Op::Command(argv),
            });
            batch.queue.commands.push((c, started));
            batch.queue.blocking = c.spec.flags & flags::BLOCKING != 0;
            return Dispatched::Queued;
        }
        Handler::Read(f) => match batch.read(session.db, session.run_options(), f, &argv) {
            (_, Some(block)) => {
                batch.release();
                return Dispatched::Blocked(argv, block);
            }
            (reply, None) => reply,
        },
        Handler::Session(f) => {
            batch.release();
            // CLIENT LIST/INFO show the command being run; keyspace commands publish per batch.
            *session.client.last_cmd.lock() = &c.fullname;
            f(session, &argv)
        }
        Handler::Container => unreachable!("resolve returns leaf commands"),
    };
    c.record(started.elapsed().as_micros() as u64, reply.is_error());
    Dispatched::Reply(reply)
}

#[cfg(test)]
mod tests {
    use super::*;

    use crate::cmd::test_argv as argv;

    fn err(f: Frame) -> String {
        match f {
            Frame::Error(e) => String::from_utf8_lossy(&e).into_owned(),
            other => panic!("not an error: {other:?}"),
        }
    }

    #[test]
    fn lookup_and_arity_errors_match_redis() {
        assert_eq!(
            err(resolve(&argv(&["nosuch", "a", "b"])).unwrap_err()),
            "ERR unknown command 'nosuch', with args beginning with: 'a' 'b' "
        );
        assert_eq!(
            err(resolve(&argv(&["GET"])).unwrap_err()),
            "ERR wrong number of arguments for 'get' command"
        );
        assert_eq!(
            err(resolve(&argv(&["client", "nosuch"])).unwrap_err()),
            "ERR unknown subcommand 'nosuch'. Try CLIENT HELP."
        );
        assert_eq!(
            err(resolve(&argv(&["client", "setname"])).unwrap_err()),
            "ERR wrong number of arguments for 'client|setname' command"
        );
        assert_eq!(resolve(&argv(&["get", "k"])).unwrap().fullname, "get");
    }
}
