//! The dispatcher: one request in, one reply out. Its checks run in this documented order, each
//! tested in `tests`:
//!
//! 1. lookup and arity (unknown command / subcommand, wrong number of arguments);
//! 2. authentication (NOAUTH);
//! 3. keys (extracted from the spec; used by cluster routing when it lands);
//! 4. cluster routing (MOVED/ASK; a single shard owns every slot for now);
//! 5. the write path: writes become log entries and are applied; reads run on the keyspace;
//!    session commands run on the connection.

use bytes::Bytes;
use redraft_protocol::Frame;
use std::sync::atomic::Ordering;
use std::time::Instant;

use crate::cmd::{self, flags, Command, Handler};
use crate::error;
use crate::session::Session;
use crate::shard::{self, Op, Shard, ShardState};
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

/// The shard lock and clock shared by the requests of one pipelined batch: the lock is taken
/// once for consecutive keyspace commands and released before any session command (which may
/// lock the shard itself) and before the connection awaits.
pub struct Batch<'a> {
    shard: &'a Shard,
    guard: Option<MutexGuard<'a, ShardState>>,
    /// Unix ms at the start of the batch: the clock for its reads and proposals.
    pub now_ms: u64,
}

impl<'a> Batch<'a> {
    /// A batch on `shard`, not yet locked.
    pub fn new(shard: &'a Shard) -> Batch<'a> {
        Batch {
            shard,
            guard: None,
            now_ms: unix_ms(),
        }
    }

    fn state(&mut self) -> &mut ShardState {
        self.guard.get_or_insert_with(|| self.shard.lock())
    }

    /// Looks up the first key of each request so the lookups' cache misses overlap; the
    /// execution that follows then finds the lines in cache. Changes nothing.
    pub fn warm<'b>(&mut self, db: usize, requests: impl Iterator<Item = &'b Vec<Bytes>>) {
        let st = self.state();
        if db >= st.keyspace.db_count() {
            return;
        }
        let db = st.keyspace.db(db);
        for argv in requests {
            if let Some(key) = argv.get(1) {
                std::hint::black_box(db.find(key));
            }
        }
    }

    /// Releases the shard lock (before awaiting or running a session command).
    pub fn release(&mut self) {
        self.guard = None;
    }
}

/// Executes one request.
pub fn dispatch(session: &mut Session, batch: &mut Batch<'_>, argv: Vec<Bytes>) -> Frame {
    // 1. Lookup and arity.
    let c = match resolve(&argv) {
        Ok(c) => c,
        Err(e) => return e,
    };
    session.last_command = Some(c);
    // 2. Authentication.
    if !session.authenticated && c.spec.flags & flags::NO_AUTH == 0 {
        c.stats.rejected.fetch_add(1, Ordering::Relaxed);
        return Frame::error(error::NOAUTH);
    }
    // 3-4. Keys and routing: every slot is local until the cluster lands.
    // 5. Execute.
    let started = Instant::now();
    let reply = match c.spec.handler {
        Handler::Write(f) => {
            let (db, opts, now) = (session.db, session.run_options(), batch.now_ms);
            shard::write_locked(batch.state(), db, now, Op::Command(argv), opts, Some(f))
        }
        Handler::Read(f) => {
            let (db, opts, now) = (session.db, session.run_options(), batch.now_ms);
            shard::read_locked(batch.state(), db, now, opts, f, &argv)
        }
        Handler::Session(f) => {
            batch.release();
            // CLIENT LIST/INFO show the command being run; keyspace commands publish per batch.
            *session.client.last_cmd.lock() = &c.fullname;
            f(session, &argv)
        }
        Handler::Container => unreachable!("resolve returns leaf commands"),
    };
    c.record(started.elapsed().as_micros() as u64, reply.is_error());
    reply
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
