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
use crate::shard::Op;
use crate::state::unix_ms;

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

/// Executes one request.
pub fn dispatch(session: &mut Session, argv: Vec<Bytes>) -> Frame {
    let server = session.server.clone();
    server
        .stats
        .commands_processed
        .fetch_add(1, Ordering::Relaxed);
    // 1. Lookup and arity.
    let c = match resolve(&argv) {
        Ok(c) => c,
        Err(e) => return e,
    };
    *session.client.last_cmd.lock() = c.fullname_static();
    // 2. Authentication.
    if !session.authenticated && c.spec.flags & flags::NO_AUTH == 0 {
        c.stats.rejected.fetch_add(1, Ordering::Relaxed);
        return Frame::error(error::NOAUTH);
    }
    // 3-4. Keys and routing: every slot is local until the cluster lands.
    // 5. Execute.
    let started = Instant::now();
    let reply = match c.spec.handler {
        Handler::Write(_) => {
            let opts = session.run_options();
            server
                .shard
                .write(session.db, unix_ms(), Op::Command(argv), opts)
        }
        Handler::Read(f) => {
            server
                .shard
                .read(session.db, unix_ms(), session.run_options(), f, &argv)
        }
        Handler::Session(f) => f(session, &argv),
        Handler::Container => unreachable!("resolve returns leaf commands"),
    };
    c.record(started.elapsed().as_micros() as u64, reply.is_error());
    reply
}

impl Command {
    /// The full name with a `'static` lifetime (the table lives for the whole process).
    pub fn fullname_static(&'static self) -> &'static str {
        &self.fullname
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn argv(words: &[&str]) -> Vec<Bytes> {
        words
            .iter()
            .map(|w| Bytes::copy_from_slice(w.as_bytes()))
            .collect()
    }

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
