//! The command table and the command families.
//!
//! Every command is a static [`CommandSpec`]: name, arity, flags, key positions and ACL categories.
//! The same data drives the dispatcher (arity, auth, write path), key extraction and the `COMMAND`
//! replies. Each family file (`strings.rs`, `keys.rs`, …) exports a `COMMANDS` slice; [`table`]
//! joins them. New commands go into the file of their family; a new family gets a new file listed
//! in [`FAMILIES`].
//!
//! Handlers come in three kinds (see [`Handler`]): reads run against the keyspace directly, writes
//! run only inside the write path's apply function, and session commands see the connection.

pub mod bitmaps;
pub mod cluster;
pub mod command;
pub mod connection;
pub mod ctx;
pub mod dump;
pub mod geo;
pub mod hashes;
pub mod hll;
pub mod keys;
pub mod lists;
pub mod parse;
pub mod server;
pub mod sets;
pub mod sort;
pub mod streams;
pub mod strings;
pub mod zsets;

use bytes::Bytes;
use redraft_protocol::Frame;
// foldhash (hashbrown's default) rather than SipHash: looked up once per request, and the
// keys are our own static names, so flooding resistance buys nothing here.
use hashbrown::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::OnceLock;

pub use ctx::Ctx;

use crate::session::Session;

/// Command flags, as `COMMAND INFO` names them.
pub mod flags {
    /// May modify the keyspace: goes through the write path.
    pub const WRITE: u32 = 1 << 0;
    /// Only reads.
    pub const READONLY: u32 = 1 << 1;
    /// May grow memory (refused under maxmemory).
    pub const DENYOOM: u32 = 1 << 2;
    /// Administrative.
    pub const ADMIN: u32 = 1 << 3;
    /// Pub/Sub related.
    pub const PUBSUB: u32 = 1 << 4;
    /// Not allowed in scripts.
    pub const NOSCRIPT: u32 = 1 << 5;
    /// Allowed while loading.
    pub const LOADING: u32 = 1 << 6;
    /// Allowed on a stale replica.
    pub const STALE: u32 = 1 << 7;
    /// Not shown in MONITOR.
    pub const SKIP_MONITOR: u32 = 1 << 8;
    /// Not shown in SLOWLOG.
    pub const SKIP_SLOWLOG: u32 = 1 << 9;
    /// O(1) or O(log N).
    pub const FAST: u32 = 1 << 10;
    /// Allowed before AUTH.
    pub const NO_AUTH: u32 = 1 << 11;
    /// May replicate even when read-only.
    pub const MAY_REPLICATE: u32 = 1 << 12;
    /// Keys are not at fixed positions (COMMAND GETKEYS computes them).
    pub const MOVABLEKEYS: u32 = 1 << 13;
    /// Allowed in MULTI even when the queue is refused.
    pub const ALLOW_BUSY: u32 = 1 << 14;
    /// Not allowed in MULTI.
    pub const NO_MULTI: u32 = 1 << 15;
    /// Blocking command.
    pub const BLOCKING: u32 = 1 << 16;

    /// Flag names in the order `COMMAND INFO` lists them.
    pub const NAMES: &[(u32, &str)] = &[
        (WRITE, "write"),
        (READONLY, "readonly"),
        (DENYOOM, "denyoom"),
        (ADMIN, "admin"),
        (PUBSUB, "pubsub"),
        (NOSCRIPT, "noscript"),
        (BLOCKING, "blocking"),
        (LOADING, "loading"),
        (STALE, "stale"),
        (SKIP_MONITOR, "skip_monitor"),
        (SKIP_SLOWLOG, "skip_slowlog"),
        (FAST, "fast"),
        (NO_AUTH, "no_auth"),
        (MAY_REPLICATE, "may_replicate"),
        (NO_MULTI, "no_multi"),
        (MOVABLEKEYS, "movablekeys"),
        (ALLOW_BUSY, "allow_busy"),
    ];
}

/// A read handler: runs against the keyspace, under the shard lock.
pub type ReadFn = fn(&mut Ctx<'_>, &[Bytes]) -> Frame;
/// A write handler: runs only inside the apply function, with the entry's clock.
pub type WriteFn = fn(&mut Ctx<'_>, &[Bytes]) -> Frame;
/// A session handler: sees the connection and the server.
pub type SessionFn = fn(&mut Session, &[Bytes]) -> Frame;
/// Key extraction for commands whose keys are not a fixed range.
pub type KeysFn = fn(&[Bytes]) -> Vec<usize>;

/// How a command executes.
#[derive(Clone, Copy)]
pub enum Handler {
    /// Reads the keyspace.
    Read(ReadFn),
    /// Modifies the keyspace; becomes a log entry.
    Write(WriteFn),
    /// Works on the connection or server state.
    Session(SessionFn),
    /// Has subcommands (`CLIENT LIST`); the spec's `subcommands` list them.
    Container,
}

/// Where the keys of a command are.
#[derive(Clone, Copy)]
pub struct KeySpec {
    /// Index of the first key (0 = no keys).
    pub first: i32,
    /// Index of the last key; negative counts from the end.
    pub last: i32,
    /// Distance between keys.
    pub step: i32,
}

impl KeySpec {
    /// No keys.
    pub const NONE: KeySpec = KeySpec {
        first: 0,
        last: 0,
        step: 0,
    };
    /// One key at argv[1].
    pub const ONE: KeySpec = KeySpec {
        first: 1,
        last: 1,
        step: 1,
    };
    /// Every argument from argv[1] on is a key.
    pub const ALL: KeySpec = KeySpec {
        first: 1,
        last: -1,
        step: 1,
    };
    /// argv[1] and argv[2] are keys.
    pub const TWO: KeySpec = KeySpec {
        first: 1,
        last: 2,
        step: 1,
    };
}

/// Static description of one command (or subcommand).
pub struct CommandSpec {
    /// Lower-case name (`get`, or `setname` for a subcommand).
    pub name: &'static str,
    /// Redis arity: exact count if positive, minimum if negative (argv[0] included).
    pub arity: i32,
    /// Bits from [`flags`].
    pub flags: u32,
    /// Key positions.
    pub keys: KeySpec,
    /// Key extraction when positions move (flag MOVABLEKEYS).
    pub keys_fn: Option<KeysFn>,
    /// ACL categories without the `@` (`read`, `string`, `fast`…).
    pub acl: &'static [&'static str],
    /// What runs.
    pub handler: Handler,
    /// Subcommands of a container command.
    pub subcommands: &'static [CommandSpec],
    /// Short summary for COMMAND DOCS.
    pub summary: &'static str,
    /// Redis version that introduced it (COMMAND DOCS `since`).
    pub since: &'static str,
    /// Group for COMMAND DOCS (`string`, `generic`, `connection`, `server`).
    pub group: &'static str,
}

impl CommandSpec {
    /// True when the command modifies the keyspace.
    pub fn is_write(&self) -> bool {
        self.flags & flags::WRITE != 0
    }

    /// True when `argc` satisfies the arity.
    pub fn arity_ok(&self, argc: usize) -> bool {
        let argc = argc as i32;
        if self.arity >= 0 {
            argc == self.arity
        } else {
            argc >= -self.arity
        }
    }

    /// The first key of `argv` (routing), without allocating for fixed key specs.
    pub fn first_key<'a>(&self, argv: &'a [Bytes]) -> Option<&'a Bytes> {
        if self.keys_fn.is_some() {
            return self.key_positions(argv).first().and_then(|&i| argv.get(i));
        }
        match self.keys.first {
            first if first > 0 => argv.get(first as usize),
            _ => None,
        }
    }

    /// Positions of the keys in `argv`.
    pub fn key_positions(&self, argv: &[Bytes]) -> Vec<usize> {
        if let Some(f) = self.keys_fn {
            return f(argv);
        }
        let KeySpec { first, last, step } = self.keys;
        if first <= 0 {
            return Vec::new();
        }
        let last = if last < 0 {
            argv.len() as i32 + last
        } else {
            last
        };
        (first..=last.min(argv.len() as i32 - 1))
            .step_by(step.max(1) as usize)
            .map(|i| i as usize)
            .collect()
    }
}

/// Per-command counters for INFO commandstats.
#[derive(Default)]
pub struct CommandStats {
    /// Successful and failed executions.
    pub calls: AtomicU64,
    /// Total execution time.
    pub usec: AtomicU64,
    /// Rejected before execution (arity, auth…).
    pub rejected: AtomicU64,
    /// Executed and replied with an error.
    pub failed: AtomicU64,
}

/// A command resolved from the table, with its counters.
pub struct Command {
    /// The static spec.
    pub spec: &'static CommandSpec,
    /// `get` or `client|list`.
    pub fullname: String,
    /// Counters.
    pub stats: CommandStats,
    /// Resolved subcommands by lower-case name.
    pub subs: HashMap<&'static str, Command>,
}

/// All families. Add a new family's `COMMANDS` here.
pub const FAMILIES: &[&[CommandSpec]] = &[
    strings::COMMANDS,
    keys::COMMANDS,
    dump::COMMANDS,
    sort::COMMANDS,
    hashes::COMMANDS,
    lists::COMMANDS,
    sets::COMMANDS,
    zsets::COMMANDS,
    bitmaps::COMMANDS,
    hll::COMMANDS,
    geo::COMMANDS,
    streams::COMMANDS,
    connection::COMMANDS,
    server::COMMANDS,
    command::COMMANDS,
    cluster::COMMANDS,
];

/// The command table, built once.
pub struct Table {
    by_name: HashMap<&'static str, Command>,
}

impl Table {
    fn build() -> Table {
        let mut by_name = HashMap::new();
        for family in FAMILIES {
            for spec in family.iter() {
                by_name.insert(spec.name, resolve(spec, None));
            }
        }
        Table { by_name }
    }

    /// Looks a command up by name, case-insensitively.
    pub fn get(&self, name: &[u8]) -> Option<&Command> {
        lookup(&self.by_name, name)
    }

    /// Every command, in no particular order.
    pub fn iter(&self) -> impl Iterator<Item = &Command> {
        self.by_name.values()
    }

    /// Number of top-level commands.
    pub fn len(&self) -> usize {
        self.by_name.len()
    }

    /// True if empty (never, in practice).
    pub fn is_empty(&self) -> bool {
        self.by_name.is_empty()
    }
}

impl std::fmt::Debug for Command {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Command")
            .field("fullname", &self.fullname)
            .finish_non_exhaustive()
    }
}

impl Command {
    /// Looks a subcommand up, case-insensitively.
    pub fn sub(&self, name: &[u8]) -> Option<&Command> {
        lookup(&self.subs, name)
    }

    /// Records one execution.
    pub fn record(&self, usec: u64, failed: bool) {
        self.stats.calls.fetch_add(1, Ordering::Relaxed);
        self.stats.usec.fetch_add(usec, Ordering::Relaxed);
        if failed {
            self.stats.failed.fetch_add(1, Ordering::Relaxed);
        }
    }
}

/// Case-insensitive lookup without allocating: every name is short ASCII, lowered on the stack.
fn lookup<'t>(map: &'t HashMap<&'static str, Command>, name: &[u8]) -> Option<&'t Command> {
    let mut buf = [0u8; 32];
    let lower = buf.get_mut(..name.len())?;
    lower.copy_from_slice(name);
    lower.make_ascii_lowercase();
    std::str::from_utf8(lower).ok().and_then(|n| map.get(n))
}

fn resolve(spec: &'static CommandSpec, parent: Option<&str>) -> Command {
    let fullname = match parent {
        Some(p) => format!("{p}|{}", spec.name),
        None => spec.name.to_string(),
    };
    let subs = spec
        .subcommands
        .iter()
        .map(|s| (s.name, resolve(s, Some(spec.name))))
        .collect();
    Command {
        spec,
        fullname,
        stats: CommandStats::default(),
        subs,
    }
}

/// The process-wide command table.
pub fn table() -> &'static Table {
    static TABLE: OnceLock<Table> = OnceLock::new();
    TABLE.get_or_init(Table::build)
}

/// A compact way to write table rows: `spec(name, arity, flags, keys, acl, handler)`.
pub const fn spec(
    name: &'static str,
    arity: i32,
    flags: u32,
    keys: KeySpec,
    acl: &'static [&'static str],
    handler: Handler,
) -> CommandSpec {
    CommandSpec {
        name,
        arity,
        flags,
        keys,
        keys_fn: None,
        acl,
        handler,
        subcommands: &[],
        summary: "",
        since: "1.0.0",
        group: "generic",
    }
}

/// A session command's row: no keys, handler [`Handler::Session`].
pub const fn session_spec(
    name: &'static str,
    arity: i32,
    flags: u32,
    acl: &'static [&'static str],
    f: SessionFn,
) -> CommandSpec {
    spec(name, arity, flags, KeySpec::NONE, acl, Handler::Session(f))
}

/// Test helper: argv from words.
#[cfg(test)]
pub(crate) fn test_argv(words: &[&str]) -> Vec<Bytes> {
    words
        .iter()
        .map(|w| Bytes::copy_from_slice(w.as_bytes()))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_command_is_reachable_and_consistent() {
        let t = table();
        for c in t.iter() {
            assert!(
                c.spec.name.chars().all(|ch| !ch.is_ascii_uppercase()),
                "{}",
                c.spec.name
            );
            assert!(t.get(c.spec.name.to_ascii_uppercase().as_bytes()).is_some());
            let write = c.spec.flags & flags::WRITE != 0;
            assert_eq!(
                write,
                matches!(c.spec.handler, Handler::Write(_)),
                "{}",
                c.spec.name
            );
            if matches!(c.spec.handler, Handler::Container) {
                assert!(!c.subs.is_empty(), "{}", c.spec.name);
            }
        }
    }

    #[test]
    fn key_positions_follow_first_last_step() {
        let argv = test_argv(&["mset", "a", "1", "b", "2"]);
        let mset = table().get(b"MSET").unwrap();
        assert_eq!(mset.spec.key_positions(&argv), vec![1, 3]);
        let del = table().get(b"del").unwrap();
        assert_eq!(del.spec.key_positions(&argv), vec![1, 2, 3, 4]);
    }
}
