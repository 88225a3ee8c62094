//! The one integration-test binary: starts real server processes (redraft, or redis-server via
//! `REDRAFT_BIN`) and talks to them with real clients.
//!
//! Modules, one concern each:
//! - `strings`: string commands, exact replies.
//! - `keys`: generic keyspace commands (DEL, EXISTS, RENAME, COPY, MOVE, KEYS, SCAN, ...).
//! - `connection`: PING/ECHO/HELLO/AUTH/CLIENT/SELECT/QUIT/RESET/COMMAND/INFO/CONFIG/DBSIZE.
//! - `bad_input`: malformed RESP, inline commands, limits, slow clients, binary safety.
//! - `redis_cli`: the real `redis-cli` against the server.
//! - `expiry`: TTLs, lazy and active expiry.
//! - `determinism`: members of a group hold identical keyspaces after a random workload.
//! - `durability`: appendonly, crash recovery, torn log tails, snapshots.
//! - `membership`: joining (learner, then voter) and CLUSTER FORGET at runtime.
//! - `replication`: a 3-node group: ROLE, MOVED, READONLY, WAIT, INFO, CLUSTER, failover.
//! - `faults`: 3- and 5-node groups under kill -9, SIGSTOP, restarts and partitions, with the
//!   history checked for lost writes and linearizability anomalies.
//! - `differential`: seeded random command sequences compared byte for byte with redis-server.
//! - `hashes`, `lists`, `sets`, `zsets`, `bitmaps`, `hll`, `geo`, `streams`: one module per data
//!   type family: exact replies, and differential runs of the family against redis-server.
//! - `blocking`: blocking commands with several concurrent clients (fairness, timeouts, CLIENT
//!   UNBLOCK).
//!
//! Helpers shared by the modules (RESP reply builders, byte assertions) live here.

mod bad_input;
mod bitmaps;
mod blocking;
mod connection;
mod determinism;
mod differential;
mod durability;
mod expiry;
mod faults;
mod geo;
mod hashes;
mod hll;
mod keys;
mod limits;
mod lists;
mod membership;
mod redis_cli;
mod replication;
mod sets;
mod streams;
mod strings;
mod zsets;

use redraft_tests::escape;

/// `$len\r\nbytes\r\n`.
pub fn bulk(s: impl AsRef<[u8]>) -> Vec<u8> {
    let s = s.as_ref();
    let mut out = format!("${}\r\n", s.len()).into_bytes();
    out.extend_from_slice(s);
    out.extend_from_slice(b"\r\n");
    out
}

/// `$-1\r\n`.
pub const NIL: &[u8] = b"$-1\r\n";
/// `+OK\r\n`.
pub const OK: &[u8] = b"+OK\r\n";

/// `:n\r\n`.
pub fn int(n: i64) -> Vec<u8> {
    format!(":{n}\r\n").into_bytes()
}

/// `-msg\r\n`.
pub fn err(msg: &str) -> Vec<u8> {
    format!("-{msg}\r\n").into_bytes()
}

/// `*N\r\n` followed by the already-encoded items.
pub fn array(items: &[Vec<u8>]) -> Vec<u8> {
    let mut out = format!("*{}\r\n", items.len()).into_bytes();
    for i in items {
        out.extend_from_slice(i);
    }
    out
}

/// An array of bulk strings.
pub fn bulks(items: &[&str]) -> Vec<u8> {
    array(&items.iter().map(bulk).collect::<Vec<_>>())
}

/// Asserts two byte strings are equal, showing both escaped.
#[track_caller]
pub fn assert_raw(actual: impl AsRef<[u8]>, expected: impl AsRef<[u8]>) {
    let (a, e) = (actual.as_ref(), expected.as_ref());
    assert!(
        a == e,
        "reply mismatch\n  expected: {}\n  actual:   {}",
        escape(e),
        escape(a)
    );
}
