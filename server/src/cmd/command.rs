//! COMMAND and its subcommands: COUNT LIST INFO DOCS GETKEYS GETKEYSANDFLAGS HELP.
//!
//! Everything here renders the static command table ([`super::table`]) in Redis 7.0's shapes, so
//! cluster clients (redis-py, go-redis, Jedis) can learn key positions and routing tips. What our
//! [`CommandSpec`] does not carry — key-spec flags (`RO access`…), keyword/keynum key specs and
//! command tips (`request_policy:…`) — comes from [`META`], a table of Redis 7.0.15's values for
//! every command; commands missing from it get key specs derived from their `KeySpec`.
//!
//! COMMAND itself is a session command rather than a container because bare `COMMAND` is valid;
//! it routes to its subcommands itself and records their statistics.

use bytes::Bytes;
use redraft_protocol::Frame;
use std::time::Instant;

use super::flags::{self, *};
use super::parse::is;
use super::{spec, table, Command, CommandSpec, Handler, KeySpec};
use crate::error;
use crate::glob;
use crate::session::Session;

const CMD_FLAGS: u32 = LOADING | STALE;
const CMD_ACL: &[&str] = &["slow", "connection"];

const fn sub(
    name: &'static str,
    arity: i32,
    f: super::SessionFn,
    summary: &'static str,
    since: &'static str,
) -> CommandSpec {
    let mut s = spec(
        name,
        arity,
        CMD_FLAGS,
        KeySpec::NONE,
        CMD_ACL,
        Handler::Session(f),
    );
    s.summary = summary;
    s.since = since;
    s.group = "server";
    s
}

const SUBCOMMANDS: &[CommandSpec] = &[
    sub(
        "count",
        2,
        count,
        "Get total number of Redis commands",
        "2.8.13",
    ),
    sub(
        "list",
        -2,
        list,
        "Get an array of Redis command names",
        "7.0.0",
    ),
    sub(
        "info",
        -2,
        info,
        "Get array of specific Redis command details, or all when no argument is given.",
        "2.8.13",
    ),
    sub(
        "docs",
        -2,
        docs,
        "Get array of specific Redis command documentation",
        "7.0.0",
    ),
    sub(
        "getkeys",
        -4,
        getkeys,
        "Extract keys given a full Redis command",
        "2.8.13",
    ),
    sub(
        "getkeysandflags",
        -4,
        getkeysandflags,
        "Extract keys and access flags given a full Redis command",
        "7.0.0",
    ),
    sub(
        "help",
        2,
        help,
        "Show helpful text about the different subcommands",
        "5.0.0",
    ),
];

/// COMMAND.
pub const COMMANDS: &[CommandSpec] = &[{
    let mut s = spec(
        "command",
        -1,
        CMD_FLAGS,
        KeySpec::NONE,
        CMD_ACL,
        Handler::Session(command),
    );
    s.subcommands = SUBCOMMANDS;
    s.summary = "Get array of Redis command details";
    s.since = "2.8.13";
    s.group = "server";
    s
}];

fn command(session: &mut Session, argv: &[Bytes]) -> Frame {
    if argv.len() == 1 {
        return Frame::Array(sorted_commands().into_iter().map(info_row).collect());
    }
    let Some(parent) = table().get(b"command") else {
        return Frame::error(error::unknown_command(&argv[0], &argv[1..]));
    };
    let Some(sub) = parent.sub(&argv[1]) else {
        return Frame::error(error::unknown_subcommand("command", &argv[1]));
    };
    if !sub.spec.arity_ok(argv.len()) {
        return Frame::error(error::wrong_arity(&sub.fullname));
    }
    let Handler::Session(f) = sub.spec.handler else {
        return Frame::error(error::unknown_subcommand("command", &argv[1]));
    };
    let started = Instant::now();
    let reply = f(session, argv);
    sub.record(started.elapsed().as_micros() as u64, reply.is_error());
    reply
}

// ---------------------------------------------------------------------------------------------
// Key specs and tips
// ---------------------------------------------------------------------------------------------

/// Where the search for a key spec's keys begins.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BeginSearch {
    /// At this argv index.
    Index(i32),
    /// After this keyword, searching from `startfrom` (negative: from the end).
    Keyword(&'static str, i32),
    /// Not describable (SORT's BY/GET patterns).
    Unknown,
}

/// How keys are found from the begin point.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FindKeys {
    /// `(lastkey, keystep, limit)`: lastkey relative to the first key, negative from the end.
    Range(i32, i32, i32),
    /// `(keynumidx, firstkey, keystep)`: a key count argument, then the keys.
    Keynum(i32, i32, i32),
    /// Not describable.
    Unknown,
}

/// One Redis 7 key specification.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct KeySpecInfo {
    /// `RO`, `RW`, `OW`, `RM` plus `access`, `update`, `insert`, `delete`…
    pub flags: &'static [&'static str],
    /// Begin search.
    pub begin: BeginSearch,
    /// Find keys.
    pub find: FindKeys,
}

/// Redis 7.0 metadata of one command or subcommand (`client|list`).
pub struct Meta {
    /// Full name.
    pub name: &'static str,
    /// Command tips.
    pub tips: &'static [&'static str],
    /// Key specifications.
    pub key_specs: &'static [KeySpecInfo],
}

const fn meta(
    name: &'static str,
    tips: &'static [&'static str],
    key_specs: &'static [KeySpecInfo],
) -> Meta {
    Meta {
        name,
        tips,
        key_specs,
    }
}

const fn ks(flags: &'static [&'static str], begin: BeginSearch, find: FindKeys) -> KeySpecInfo {
    KeySpecInfo { flags, begin, find }
}

/// The metadata of `fullname`, if Redis 7.0 has the command.
pub fn meta_of(fullname: &str) -> Option<&'static Meta> {
    META.binary_search_by(|m| m.name.cmp(fullname))
        .ok()
        .map(|i| &META[i])
}

/// The key specs of a command: Redis's when known, otherwise derived from its fixed positions.
pub fn key_specs(spec: &CommandSpec, fullname: &str) -> Vec<KeySpecInfo> {
    if let Some(m) = meta_of(fullname) {
        if !m.key_specs.is_empty() {
            return m.key_specs.to_vec();
        }
    }
    let KeySpec { first, last, step } = spec.keys;
    if first <= 0 {
        return Vec::new();
    }
    let flags: &'static [&'static str] = if spec.is_write() {
        &["RW", "update"]
    } else {
        &["RO", "access"]
    };
    let lastkey = if last < 0 { last } else { last - first };
    vec![ks(
        flags,
        BeginSearch::Index(first),
        FindKeys::Range(lastkey, step.max(1), 0),
    )]
}

/// Command tips (`nondeterministic_output`, `request_policy:all_shards`…).
pub fn tips(fullname: &str) -> &'static [&'static str] {
    meta_of(fullname).map_or(&[], |m| m.tips)
}

/// Argv positions a key spec selects in `argv` (index/range specs only; the others need parsing
/// the command's own way, which its `keys_fn` does).
fn spec_positions(spec: &KeySpecInfo, argc: usize) -> Vec<usize> {
    let (BeginSearch::Index(begin), FindKeys::Range(lastkey, step, _)) = (spec.begin, spec.find)
    else {
        return Vec::new();
    };
    let (argc, begin) = (argc as i64, begin as i64);
    if begin <= 0 || begin >= argc {
        return Vec::new();
    }
    let last = if lastkey >= 0 {
        begin + lastkey as i64
    } else {
        argc + lastkey as i64
    };
    let last = last.min(argc - 1);
    (begin..=last)
        .step_by(step.max(1) as usize)
        .map(|i| i as usize)
        .collect()
}

// ---------------------------------------------------------------------------------------------
// COMMAND INFO rows
// ---------------------------------------------------------------------------------------------

/// ACL categories in Redis's order (the order COMMAND INFO lists them).
const ACL_CATEGORIES: &[&str] = &[
    "keyspace",
    "read",
    "write",
    "set",
    "sortedset",
    "list",
    "hash",
    "string",
    "bitmap",
    "hyperloglog",
    "geo",
    "stream",
    "pubsub",
    "admin",
    "fast",
    "slow",
    "blocking",
    "dangerous",
    "connection",
    "transaction",
    "scripting",
];

/// A command's ACL categories as Redis reports them: the declared ones plus the ones its flags
/// imply (write → @write, readonly → @read, admin → @admin @dangerous, fast or else @slow…), in
/// Redis's category order.
pub fn acl_categories(spec: &CommandSpec) -> Vec<&'static str> {
    let f = spec.flags;
    let mut cats: Vec<&'static str> = spec.acl.to_vec();
    let mut imply = |yes: bool, cat: &'static str| {
        if yes && !cats.contains(&cat) {
            cats.push(cat);
        }
    };
    imply(f & WRITE != 0, "write");
    imply(
        f & READONLY != 0 && !spec.acl.contains(&"scripting"),
        "read",
    );
    imply(f & ADMIN != 0, "admin");
    imply(f & ADMIN != 0, "dangerous");
    imply(f & PUBSUB != 0, "pubsub");
    imply(f & FAST != 0, "fast");
    imply(f & BLOCKING != 0, "blocking");
    imply(f & FAST == 0, "slow");
    let rank = |c: &&str| {
        ACL_CATEGORIES
            .iter()
            .position(|k| k == c)
            .unwrap_or(usize::MAX)
    };
    cats.sort_by_key(rank);
    cats
}

fn bulk(s: &str) -> Frame {
    Frame::bulk_from(s.as_bytes())
}

fn simple(s: &str) -> Frame {
    Frame::Simple(Bytes::copy_from_slice(s.as_bytes()))
}

fn flags_frame(list: &[&str]) -> Frame {
    Frame::Array(list.iter().map(|f| simple(f)).collect())
}

fn key_spec_frame(spec: &KeySpecInfo) -> Frame {
    let (btype, bspec) = match spec.begin {
        BeginSearch::Index(i) => ("index", vec![(bulk("index"), Frame::Integer(i as i64))]),
        BeginSearch::Keyword(k, from) => (
            "keyword",
            vec![
                (bulk("keyword"), bulk(k)),
                (bulk("startfrom"), Frame::Integer(from as i64)),
            ],
        ),
        BeginSearch::Unknown => ("unknown", vec![]),
    };
    let int = |n: i32| Frame::Integer(n as i64);
    let (ftype, fspec) = match spec.find {
        FindKeys::Range(last, step, limit) => (
            "range",
            vec![
                (bulk("lastkey"), int(last)),
                (bulk("keystep"), int(step)),
                (bulk("limit"), int(limit)),
            ],
        ),
        FindKeys::Keynum(idx, first, step) => (
            "keynum",
            vec![
                (bulk("keynumidx"), int(idx)),
                (bulk("firstkey"), int(first)),
                (bulk("keystep"), int(step)),
            ],
        ),
        FindKeys::Unknown => ("unknown", vec![]),
    };
    Frame::Map(vec![
        (bulk("flags"), flags_frame(spec.flags)),
        (
            bulk("begin_search"),
            Frame::Map(vec![
                (bulk("type"), bulk(btype)),
                (bulk("spec"), Frame::Map(bspec)),
            ]),
        ),
        (
            bulk("find_keys"),
            Frame::Map(vec![
                (bulk("type"), bulk(ftype)),
                (bulk("spec"), Frame::Map(fspec)),
            ]),
        ),
    ])
}

/// Subcommands of `c` in declaration order.
fn subcommands(c: &Command) -> Vec<&Command> {
    c.spec
        .subcommands
        .iter()
        .filter_map(|s| c.subs.get(s.name))
        .collect()
}

/// The COMMAND / COMMAND INFO row of one command: name, arity, flags, first key, last key, step,
/// ACL categories, tips, key specs, subcommands (same shape).
pub fn info_row(c: &Command) -> Frame {
    let spec = c.spec;
    let flag_names: Vec<&str> = flags::NAMES
        .iter()
        .filter(|(bit, _)| spec.flags & bit != 0)
        .map(|(_, n)| *n)
        .collect();
    let acl: Vec<String> = acl_categories(spec)
        .iter()
        .map(|c| format!("@{c}"))
        .collect();
    Frame::Array(vec![
        bulk(&c.fullname),
        Frame::Integer(spec.arity as i64),
        flags_frame(&flag_names),
        Frame::Integer(spec.keys.first as i64),
        Frame::Integer(spec.keys.last as i64),
        Frame::Integer(spec.keys.step as i64),
        Frame::Array(acl.iter().map(|a| simple(a)).collect()),
        Frame::Array(tips(&c.fullname).iter().map(|t| bulk(t)).collect()),
        Frame::Array(
            key_specs(spec, &c.fullname)
                .iter()
                .map(key_spec_frame)
                .collect(),
        ),
        Frame::Array(subcommands(c).into_iter().map(info_row).collect()),
    ])
}

/// The COMMAND DOCS entry of one command: summary, since, group, subcommands.
pub fn docs_entry(c: &Command) -> (Frame, Frame) {
    let spec = c.spec;
    let mut doc = vec![
        (bulk("summary"), bulk(spec.summary)),
        (bulk("since"), bulk(spec.since)),
        (bulk("group"), bulk(spec.group)),
    ];
    let subs = subcommands(c);
    if !subs.is_empty() {
        doc.push((
            bulk("subcommands"),
            Frame::Map(subs.into_iter().map(docs_entry).collect()),
        ));
    }
    (bulk(&c.fullname), Frame::Map(doc))
}

/// Top-level commands sorted by name (Redis's order is its hash table's; any order is valid).
fn sorted_commands() -> Vec<&'static Command> {
    let mut all: Vec<&'static Command> = table().iter().collect();
    all.sort_by(|a, b| a.fullname.cmp(&b.fullname));
    all
}

/// Looks up `get` or `config|get`, case-insensitively.
pub fn lookup_fullname(name: &[u8]) -> Option<&'static Command> {
    match name.iter().position(|&b| b == b'|') {
        Some(bar) => table().get(&name[..bar])?.sub(&name[bar + 1..]),
        None => table().get(name),
    }
}

// ---------------------------------------------------------------------------------------------
// Subcommands
// ---------------------------------------------------------------------------------------------

fn count(_session: &mut Session, _argv: &[Bytes]) -> Frame {
    Frame::Integer(table().len() as i64)
}

fn info(_session: &mut Session, argv: &[Bytes]) -> Frame {
    if argv.len() == 2 {
        return Frame::Array(sorted_commands().into_iter().map(info_row).collect());
    }
    Frame::Array(
        argv[2..]
            .iter()
            .map(|name| lookup_fullname(name).map_or(Frame::Null, info_row))
            .collect(),
    )
}

fn docs(_session: &mut Session, argv: &[Bytes]) -> Frame {
    let entries = if argv.len() == 2 {
        sorted_commands().into_iter().map(docs_entry).collect()
    } else {
        argv[2..]
            .iter()
            .filter_map(|name| lookup_fullname(name))
            .map(docs_entry)
            .collect()
    };
    Frame::Map(entries)
}

/// COMMAND LIST's filter.
#[derive(Debug, PartialEq, Eq)]
enum ListFilter {
    All,
    Module,
    AclCat(String),
    Pattern(Bytes),
}

fn parse_list_filter(args: &[Bytes]) -> Result<ListFilter, Frame> {
    match args {
        [] => Ok(ListFilter::All),
        [by, kind, value] if is(by, "filterby") => {
            if is(kind, "module") {
                Ok(ListFilter::Module)
            } else if is(kind, "aclcat") {
                Ok(ListFilter::AclCat(
                    String::from_utf8_lossy(value).to_ascii_lowercase(),
                ))
            } else if is(kind, "pattern") {
                Ok(ListFilter::Pattern(value.clone()))
            } else {
                Err(Frame::error(error::SYNTAX))
            }
        }
        _ => Err(Frame::error(error::SYNTAX)),
    }
}

fn list_matches(filter: &ListFilter, c: &Command) -> bool {
    match filter {
        ListFilter::All => true,
        ListFilter::Module => false,
        ListFilter::AclCat(cat) => acl_categories(c.spec).contains(&cat.as_str()),
        ListFilter::Pattern(p) => glob::matches(p, c.fullname.as_bytes(), true),
    }
}

fn list(_session: &mut Session, argv: &[Bytes]) -> Frame {
    let filter = match parse_list_filter(&argv[2..]) {
        Ok(f) => f,
        Err(e) => return e,
    };
    let mut names = Vec::new();
    for c in sorted_commands() {
        for c in std::iter::once(c).chain(subcommands(c)) {
            if list_matches(&filter, c) {
                names.push(bulk(&c.fullname));
            }
        }
    }
    Frame::Array(names)
}

/// Resolves a full command line for GETKEYS and finds its keys with their key-spec flags.
///
/// # Errors
/// Redis's GETKEYS error texts.
pub fn keys_and_flags(
    line: &[Bytes],
) -> Result<Vec<(usize, &'static [&'static str])>, &'static str> {
    let mut c = table()
        .get(&line[0])
        .ok_or(error::GETKEYS_INVALID_COMMAND)?;
    if !c.subs.is_empty() && line.len() >= 2 {
        c = c.sub(&line[1]).ok_or(error::GETKEYS_INVALID_COMMAND)?;
    }
    if !c.spec.arity_ok(line.len()) {
        return Err(error::GETKEYS_BAD_ARITY);
    }
    let specs = key_specs(c.spec, &c.fullname);
    if specs.is_empty() && c.spec.keys_fn.is_none() {
        return Err(error::GETKEYS_NO_KEYS);
    }
    let positions = c.spec.key_positions(line);
    if positions.is_empty() {
        return Err(error::GETKEYS_INVALID_ARGS);
    }
    let default_flags: &'static [&'static str] = specs.first().map_or(&[], |s| s.flags);
    Ok(positions
        .into_iter()
        .map(|pos| {
            let flags = specs
                .iter()
                .find(|s| spec_positions(s, line.len()).contains(&pos))
                .map_or(default_flags, |s| s.flags);
            (pos, flags)
        })
        .collect())
}

fn getkeys(_session: &mut Session, argv: &[Bytes]) -> Frame {
    let line = &argv[2..];
    match keys_and_flags(line) {
        Ok(keys) => Frame::Array(
            keys.into_iter()
                .map(|(pos, _)| Frame::Bulk(line[pos].clone()))
                .collect(),
        ),
        Err(e) => Frame::error(e),
    }
}

fn getkeysandflags(_session: &mut Session, argv: &[Bytes]) -> Frame {
    let line = &argv[2..];
    match keys_and_flags(line) {
        Ok(keys) => Frame::Array(
            keys.into_iter()
                .map(|(pos, flags)| {
                    Frame::Array(vec![Frame::Bulk(line[pos].clone()), flags_frame(flags)])
                })
                .collect(),
        ),
        Err(e) => Frame::error(e),
    }
}

fn help(_session: &mut Session, _argv: &[Bytes]) -> Frame {
    super::server::help_reply(
        "COMMAND",
        &[
            "(no subcommand)",
            "    Return details about all Redis commands.",
            "COUNT",
            "    Return the total number of commands in this Redis server.",
            "LIST",
            "    Return a list of all commands in this Redis server.",
            "INFO [<command-name> ...]",
            "    Return details about multiple Redis commands.",
            "    If no command names are given, documentation details for all",
            "    commands are returned.",
            "DOCS [<command-name> ...]",
            "    Return documentation details about multiple Redis commands.",
            "    If no command names are given, documentation details for all",
            "    commands are returned.",
            "GETKEYS <full-command>",
            "    Return the keys from a full Redis command.",
            "GETKEYSANDFLAGS <full-command>",
            "    Return the keys and the access flags from a full Redis command.",
        ],
    )
}

use BeginSearch::{Index, Keyword, Unknown as BeginUnknown};
use FindKeys::{Keynum, Range, Unknown as FindUnknown};

/// Redis 7.0.15's tips and key specs, by full name (sorted: looked up by binary search).
/// Generated from `COMMAND` of redis-server 7.0.15; commands without tips or keys are omitted.
#[rustfmt::skip]
pub const META: &[Meta] = &[
    meta("append", &[], &[ks(&["RW", "insert"], Index(1), Range(0, 1, 0))]),
    meta("bitcount", &[], &[ks(&["RO", "access"], Index(1), Range(0, 1, 0))]),
    meta("bitfield", &[], &[ks(&["RW", "access", "update", "variable_flags"], Index(1), Range(0, 1, 0))]),
    meta("bitfield_ro", &[], &[ks(&["RO", "access"], Index(1), Range(0, 1, 0))]),
    meta("bitop", &[], &[ks(&["OW", "update"], Index(2), Range(0, 1, 0)), ks(&["RO", "access"], Index(3), Range(-1, 1, 0))]),
    meta("bitpos", &[], &[ks(&["RO", "access"], Index(1), Range(0, 1, 0))]),
    meta("blmove", &[], &[ks(&["RW", "access", "delete"], Index(1), Range(0, 1, 0)), ks(&["RW", "insert"], Index(2), Range(0, 1, 0))]),
    meta("blmpop", &[], &[ks(&["RW", "access", "delete"], Index(2), Keynum(0, 1, 1))]),
    meta("blpop", &[], &[ks(&["RW", "access", "delete"], Index(1), Range(-2, 1, 0))]),
    meta("brpop", &[], &[ks(&["RW", "access", "delete"], Index(1), Range(-2, 1, 0))]),
    meta("brpoplpush", &[], &[ks(&["RW", "access", "delete"], Index(1), Range(0, 1, 0)), ks(&["RW", "insert"], Index(2), Range(0, 1, 0))]),
    meta("bzmpop", &[], &[ks(&["RW", "access", "delete"], Index(2), Keynum(0, 1, 1))]),
    meta("bzpopmax", &[], &[ks(&["RW", "access", "delete"], Index(1), Range(-2, 1, 0))]),
    meta("bzpopmin", &[], &[ks(&["RW", "access", "delete"], Index(1), Range(-2, 1, 0))]),
    meta("client|info", &["nondeterministic_output"], &[]),
    meta("client|list", &["nondeterministic_output"], &[]),
    meta("cluster|bumpepoch", &["nondeterministic_output"], &[]),
    meta("cluster|count-failure-reports", &["nondeterministic_output"], &[]),
    meta("cluster|getkeysinslot", &["nondeterministic_output"], &[]),
    meta("cluster|info", &["nondeterministic_output"], &[]),
    meta("cluster|links", &["nondeterministic_output"], &[]),
    meta("cluster|nodes", &["nondeterministic_output"], &[]),
    meta("cluster|replicas", &["nondeterministic_output"], &[]),
    meta("cluster|shards", &["nondeterministic_output"], &[]),
    meta("cluster|slaves", &["nondeterministic_output"], &[]),
    meta("cluster|slots", &["nondeterministic_output"], &[]),
    meta("command", &["nondeterministic_output_order"], &[]),
    meta("command|docs", &["nondeterministic_output_order"], &[]),
    meta("command|info", &["nondeterministic_output_order"], &[]),
    meta("command|list", &["nondeterministic_output_order"], &[]),
    meta("config|set", &["request_policy:all_nodes", "response_policy:all_succeeded"], &[]),
    meta("copy", &[], &[ks(&["RO", "access"], Index(1), Range(0, 1, 0)), ks(&["OW", "update"], Index(2), Range(0, 1, 0))]),
    meta("dbsize", &["request_policy:all_shards", "response_policy:agg_sum"], &[]),
    meta("decr", &[], &[ks(&["RW", "access", "update"], Index(1), Range(0, 1, 0))]),
    meta("decrby", &[], &[ks(&["RW", "access", "update"], Index(1), Range(0, 1, 0))]),
    meta("del", &["request_policy:multi_shard", "response_policy:agg_sum"], &[ks(&["RM", "delete"], Index(1), Range(-1, 1, 0))]),
    meta("dump", &["nondeterministic_output"], &[ks(&["RO", "access"], Index(1), Range(0, 1, 0))]),
    meta("eval", &[], &[ks(&["RW", "access", "update"], Index(2), Keynum(0, 1, 1))]),
    meta("eval_ro", &[], &[ks(&["RO", "access"], Index(2), Keynum(0, 1, 1))]),
    meta("evalsha", &[], &[ks(&["RW", "access", "update"], Index(2), Keynum(0, 1, 1))]),
    meta("evalsha_ro", &[], &[ks(&["RO", "access"], Index(2), Keynum(0, 1, 1))]),
    meta("exists", &["request_policy:multi_shard", "response_policy:agg_sum"], &[ks(&["RO"], Index(1), Range(-1, 1, 0))]),
    meta("expire", &[], &[ks(&["RW", "update"], Index(1), Range(0, 1, 0))]),
    meta("expireat", &[], &[ks(&["RW", "update"], Index(1), Range(0, 1, 0))]),
    meta("expiretime", &[], &[ks(&["RO", "access"], Index(1), Range(0, 1, 0))]),
    meta("fcall", &[], &[ks(&["RW", "access", "update"], Index(2), Keynum(0, 1, 1))]),
    meta("fcall_ro", &[], &[ks(&["RO", "access"], Index(2), Keynum(0, 1, 1))]),
    meta("flushall", &["request_policy:all_shards", "response_policy:all_succeeded"], &[]),
    meta("flushdb", &["request_policy:all_shards", "response_policy:all_succeeded"], &[]),
    meta("function|delete", &["request_policy:all_shards", "response_policy:all_succeeded"], &[]),
    meta("function|flush", &["request_policy:all_shards", "response_policy:all_succeeded"], &[]),
    meta("function|kill", &["request_policy:all_shards", "response_policy:one_succeeded"], &[]),
    meta("function|list", &["nondeterministic_output_order"], &[]),
    meta("function|load", &["request_policy:all_shards", "response_policy:all_succeeded"], &[]),
    meta("function|restore", &["request_policy:all_shards", "response_policy:all_succeeded"], &[]),
    meta("function|stats", &["nondeterministic_output", "request_policy:all_shards", "response_policy:special"], &[]),
    meta("geoadd", &[], &[ks(&["RW", "update"], Index(1), Range(0, 1, 0))]),
    meta("geodist", &[], &[ks(&["RO", "access"], Index(1), Range(0, 1, 0))]),
    meta("geohash", &[], &[ks(&["RO", "access"], Index(1), Range(0, 1, 0))]),
    meta("geopos", &[], &[ks(&["RO", "access"], Index(1), Range(0, 1, 0))]),
    meta("georadius", &[], &[ks(&["RO", "access"], Index(1), Range(0, 1, 0)), ks(&["OW", "update"], Keyword("STORE", 6), Range(0, 1, 0)), ks(&["OW", "update"], Keyword("STOREDIST", 6), Range(0, 1, 0))]),
    meta("georadius_ro", &[], &[ks(&["RO", "access"], Index(1), Range(0, 1, 0))]),
    meta("georadiusbymember", &[], &[ks(&["RO", "access"], Index(1), Range(0, 1, 0)), ks(&["OW", "update"], Keyword("STORE", 5), Range(0, 1, 0)), ks(&["OW", "update"], Keyword("STOREDIST", 5), Range(0, 1, 0))]),
    meta("georadiusbymember_ro", &[], &[ks(&["RO", "access"], Index(1), Range(0, 1, 0))]),
    meta("geosearch", &[], &[ks(&["RO", "access"], Index(1), Range(0, 1, 0))]),
    meta("geosearchstore", &[], &[ks(&["OW", "update"], Index(1), Range(0, 1, 0)), ks(&["RO", "access"], Index(2), Range(0, 1, 0))]),
    meta("get", &[], &[ks(&["RO", "access"], Index(1), Range(0, 1, 0))]),
    meta("getbit", &[], &[ks(&["RO", "access"], Index(1), Range(0, 1, 0))]),
    meta("getdel", &[], &[ks(&["RW", "access", "delete"], Index(1), Range(0, 1, 0))]),
    meta("getex", &[], &[ks(&["RW", "access", "update"], Index(1), Range(0, 1, 0))]),
    meta("getrange", &[], &[ks(&["RO", "access"], Index(1), Range(0, 1, 0))]),
    meta("getset", &[], &[ks(&["RW", "access", "update"], Index(1), Range(0, 1, 0))]),
    meta("hdel", &[], &[ks(&["RW", "delete"], Index(1), Range(0, 1, 0))]),
    meta("hexists", &[], &[ks(&["RO"], Index(1), Range(0, 1, 0))]),
    meta("hget", &[], &[ks(&["RO", "access"], Index(1), Range(0, 1, 0))]),
    meta("hgetall", &["nondeterministic_output_order"], &[ks(&["RO", "access"], Index(1), Range(0, 1, 0))]),
    meta("hincrby", &[], &[ks(&["RW", "access", "update"], Index(1), Range(0, 1, 0))]),
    meta("hincrbyfloat", &[], &[ks(&["RW", "access", "update"], Index(1), Range(0, 1, 0))]),
    meta("hkeys", &["nondeterministic_output_order"], &[ks(&["RO", "access"], Index(1), Range(0, 1, 0))]),
    meta("hlen", &[], &[ks(&["RO"], Index(1), Range(0, 1, 0))]),
    meta("hmget", &[], &[ks(&["RO", "access"], Index(1), Range(0, 1, 0))]),
    meta("hmset", &[], &[ks(&["RW", "update"], Index(1), Range(0, 1, 0))]),
    meta("hrandfield", &["nondeterministic_output"], &[ks(&["RO", "access"], Index(1), Range(0, 1, 0))]),
    meta("hscan", &["nondeterministic_output"], &[ks(&["RO", "access"], Index(1), Range(0, 1, 0))]),
    meta("hset", &[], &[ks(&["RW", "update"], Index(1), Range(0, 1, 0))]),
    meta("hsetnx", &[], &[ks(&["RW", "insert"], Index(1), Range(0, 1, 0))]),
    meta("hstrlen", &[], &[ks(&["RO"], Index(1), Range(0, 1, 0))]),
    meta("hvals", &["nondeterministic_output_order"], &[ks(&["RO", "access"], Index(1), Range(0, 1, 0))]),
    meta("incr", &[], &[ks(&["RW", "access", "update"], Index(1), Range(0, 1, 0))]),
    meta("incrby", &[], &[ks(&["RW", "access", "update"], Index(1), Range(0, 1, 0))]),
    meta("incrbyfloat", &[], &[ks(&["RW", "access", "update"], Index(1), Range(0, 1, 0))]),
    meta("info", &["nondeterministic_output", "request_policy:all_shards", "response_policy:special"], &[]),
    meta("keys", &["request_policy:all_shards", "nondeterministic_output_order"], &[]),
    meta("lastsave", &["nondeterministic_output"], &[]),
    meta("latency|doctor", &["nondeterministic_output", "request_policy:all_nodes", "response_policy:special"], &[]),
    meta("latency|graph", &["nondeterministic_output", "request_policy:all_nodes", "response_policy:special"], &[]),
    meta("latency|histogram", &["nondeterministic_output", "request_policy:all_nodes", "response_policy:special"], &[]),
    meta("latency|history", &["nondeterministic_output", "request_policy:all_nodes", "response_policy:special"], &[]),
    meta("latency|latest", &["nondeterministic_output", "request_policy:all_nodes", "response_policy:special"], &[]),
    meta("latency|reset", &["request_policy:all_nodes", "response_policy:all_succeeded"], &[]),
    meta("lcs", &[], &[ks(&["RO", "access"], Index(1), Range(1, 1, 0))]),
    meta("lindex", &[], &[ks(&["RO", "access"], Index(1), Range(0, 1, 0))]),
    meta("linsert", &[], &[ks(&["RW", "insert"], Index(1), Range(0, 1, 0))]),
    meta("llen", &[], &[ks(&["RO"], Index(1), Range(0, 1, 0))]),
    meta("lmove", &[], &[ks(&["RW", "access", "delete"], Index(1), Range(0, 1, 0)), ks(&["RW", "insert"], Index(2), Range(0, 1, 0))]),
    meta("lmpop", &[], &[ks(&["RW", "access", "delete"], Index(1), Keynum(0, 1, 1))]),
    meta("lpop", &[], &[ks(&["RW", "access", "delete"], Index(1), Range(0, 1, 0))]),
    meta("lpos", &[], &[ks(&["RO", "access"], Index(1), Range(0, 1, 0))]),
    meta("lpush", &[], &[ks(&["RW", "insert"], Index(1), Range(0, 1, 0))]),
    meta("lpushx", &[], &[ks(&["RW", "insert"], Index(1), Range(0, 1, 0))]),
    meta("lrange", &[], &[ks(&["RO", "access"], Index(1), Range(0, 1, 0))]),
    meta("lrem", &[], &[ks(&["RW", "delete"], Index(1), Range(0, 1, 0))]),
    meta("lset", &[], &[ks(&["RW", "update"], Index(1), Range(0, 1, 0))]),
    meta("ltrim", &[], &[ks(&["RW", "delete"], Index(1), Range(0, 1, 0))]),
    meta("memory|doctor", &["nondeterministic_output", "request_policy:all_shards", "response_policy:special"], &[]),
    meta("memory|malloc-stats", &["nondeterministic_output", "request_policy:all_shards", "response_policy:special"], &[]),
    meta("memory|purge", &["request_policy:all_shards", "response_policy:all_succeeded"], &[]),
    meta("memory|stats", &["nondeterministic_output", "request_policy:all_shards", "response_policy:special"], &[]),
    meta("memory|usage", &[], &[ks(&["RO"], Index(2), Range(0, 1, 0))]),
    meta("mget", &["request_policy:multi_shard"], &[ks(&["RO", "access"], Index(1), Range(-1, 1, 0))]),
    meta("migrate", &["nondeterministic_output"], &[ks(&["RW", "access", "delete"], Index(3), Range(0, 1, 0)), ks(&["RW", "access", "delete", "incomplete"], Keyword("KEYS", -2), Range(-1, 1, 0))]),
    meta("module|list", &["nondeterministic_output_order"], &[]),
    meta("move", &[], &[ks(&["RW", "access", "update"], Index(1), Range(0, 1, 0))]),
    meta("mset", &["request_policy:multi_shard", "response_policy:all_succeeded"], &[ks(&["OW", "update"], Index(1), Range(-1, 2, 0))]),
    meta("msetnx", &["request_policy:multi_shard", "response_policy:agg_min"], &[ks(&["OW", "insert"], Index(1), Range(-1, 2, 0))]),
    meta("object|encoding", &["nondeterministic_output"], &[ks(&["RO"], Index(2), Range(0, 1, 0))]),
    meta("object|freq", &["nondeterministic_output"], &[ks(&["RO"], Index(2), Range(0, 1, 0))]),
    meta("object|idletime", &["nondeterministic_output"], &[ks(&["RO"], Index(2), Range(0, 1, 0))]),
    meta("object|refcount", &["nondeterministic_output"], &[ks(&["RO"], Index(2), Range(0, 1, 0))]),
    meta("persist", &[], &[ks(&["RW", "update"], Index(1), Range(0, 1, 0))]),
    meta("pexpire", &[], &[ks(&["RW", "update"], Index(1), Range(0, 1, 0))]),
    meta("pexpireat", &[], &[ks(&["RW", "update"], Index(1), Range(0, 1, 0))]),
    meta("pexpiretime", &[], &[ks(&["RO", "access"], Index(1), Range(0, 1, 0))]),
    meta("pfadd", &[], &[ks(&["RW", "insert"], Index(1), Range(0, 1, 0))]),
    meta("pfcount", &[], &[ks(&["RW", "access"], Index(1), Range(-1, 1, 0))]),
    meta("pfdebug", &[], &[ks(&["RW", "access"], Index(2), Range(0, 1, 0))]),
    meta("pfmerge", &[], &[ks(&["RW", "access", "insert"], Index(1), Range(0, 1, 0)), ks(&["RO", "access"], Index(2), Range(-1, 1, 0))]),
    meta("ping", &["request_policy:all_shards", "response_policy:all_succeeded"], &[]),
    meta("psetex", &[], &[ks(&["OW", "update"], Index(1), Range(0, 1, 0))]),
    meta("pttl", &["nondeterministic_output"], &[ks(&["RO", "access"], Index(1), Range(0, 1, 0))]),
    meta("randomkey", &["request_policy:all_shards", "nondeterministic_output"], &[]),
    meta("rename", &[], &[ks(&["RW", "access", "delete"], Index(1), Range(0, 1, 0)), ks(&["OW", "update"], Index(2), Range(0, 1, 0))]),
    meta("renamenx", &[], &[ks(&["RW", "access", "delete"], Index(1), Range(0, 1, 0)), ks(&["OW", "insert"], Index(2), Range(0, 1, 0))]),
    meta("restore", &[], &[ks(&["OW", "update"], Index(1), Range(0, 1, 0))]),
    meta("restore-asking", &[], &[ks(&["OW", "update"], Index(1), Range(0, 1, 0))]),
    meta("rpop", &[], &[ks(&["RW", "access", "delete"], Index(1), Range(0, 1, 0))]),
    meta("rpoplpush", &[], &[ks(&["RW", "access", "delete"], Index(1), Range(0, 1, 0)), ks(&["RW", "insert"], Index(2), Range(0, 1, 0))]),
    meta("rpush", &[], &[ks(&["RW", "insert"], Index(1), Range(0, 1, 0))]),
    meta("rpushx", &[], &[ks(&["RW", "insert"], Index(1), Range(0, 1, 0))]),
    meta("sadd", &[], &[ks(&["RW", "insert"], Index(1), Range(0, 1, 0))]),
    meta("scan", &["nondeterministic_output", "request_policy:special"], &[]),
    meta("scard", &[], &[ks(&["RO"], Index(1), Range(0, 1, 0))]),
    meta("script|exists", &["request_policy:all_shards", "response_policy:agg_logical_and"], &[]),
    meta("script|flush", &["request_policy:all_nodes", "response_policy:all_succeeded"], &[]),
    meta("script|kill", &["request_policy:all_shards", "response_policy:one_succeeded"], &[]),
    meta("script|load", &["request_policy:all_nodes", "response_policy:all_succeeded"], &[]),
    meta("sdiff", &["nondeterministic_output_order"], &[ks(&["RO", "access"], Index(1), Range(-1, 1, 0))]),
    meta("sdiffstore", &[], &[ks(&["OW", "update"], Index(1), Range(0, 1, 0)), ks(&["RO", "access"], Index(2), Range(-1, 1, 0))]),
    meta("set", &[], &[ks(&["RW", "access", "update", "variable_flags"], Index(1), Range(0, 1, 0))]),
    meta("setbit", &[], &[ks(&["RW", "access", "update"], Index(1), Range(0, 1, 0))]),
    meta("setex", &[], &[ks(&["OW", "update"], Index(1), Range(0, 1, 0))]),
    meta("setnx", &[], &[ks(&["OW", "insert"], Index(1), Range(0, 1, 0))]),
    meta("setrange", &[], &[ks(&["RW", "update"], Index(1), Range(0, 1, 0))]),
    meta("sinter", &["nondeterministic_output_order"], &[ks(&["RO", "access"], Index(1), Range(-1, 1, 0))]),
    meta("sintercard", &[], &[ks(&["RO", "access"], Index(1), Keynum(0, 1, 1))]),
    meta("sinterstore", &[], &[ks(&["RW", "update"], Index(1), Range(0, 1, 0)), ks(&["RO", "access"], Index(2), Range(-1, 1, 0))]),
    meta("sismember", &[], &[ks(&["RO"], Index(1), Range(0, 1, 0))]),
    meta("slowlog|get", &["request_policy:all_nodes", "nondeterministic_output"], &[]),
    meta("slowlog|len", &["request_policy:all_nodes", "response_policy:agg_sum", "nondeterministic_output"], &[]),
    meta("slowlog|reset", &["request_policy:all_nodes", "response_policy:all_succeeded"], &[]),
    meta("smembers", &["nondeterministic_output_order"], &[ks(&["RO", "access"], Index(1), Range(0, 1, 0))]),
    meta("smismember", &[], &[ks(&["RO", "access"], Index(1), Range(0, 1, 0))]),
    meta("smove", &[], &[ks(&["RW", "access", "delete"], Index(1), Range(0, 1, 0)), ks(&["RW", "insert"], Index(2), Range(0, 1, 0))]),
    meta("sort", &[], &[ks(&["RO", "access"], Index(1), Range(0, 1, 0)), ks(&["RO", "access"], BeginUnknown, FindUnknown), ks(&["OW", "update"], BeginUnknown, FindUnknown)]),
    meta("sort_ro", &[], &[ks(&["RO", "access"], Index(1), Range(0, 1, 0)), ks(&["RO", "access"], BeginUnknown, FindUnknown)]),
    meta("spop", &["nondeterministic_output"], &[ks(&["RW", "access", "delete"], Index(1), Range(0, 1, 0))]),
    meta("spublish", &[], &[ks(&["not_key"], Index(1), Range(0, 1, 0))]),
    meta("srandmember", &["nondeterministic_output"], &[ks(&["RO", "access"], Index(1), Range(0, 1, 0))]),
    meta("srem", &[], &[ks(&["RW", "delete"], Index(1), Range(0, 1, 0))]),
    meta("sscan", &["nondeterministic_output"], &[ks(&["RO", "access"], Index(1), Range(0, 1, 0))]),
    meta("ssubscribe", &[], &[ks(&["not_key"], Index(1), Range(-1, 1, 0))]),
    meta("strlen", &[], &[ks(&["RO"], Index(1), Range(0, 1, 0))]),
    meta("substr", &[], &[ks(&["RO", "access"], Index(1), Range(0, 1, 0))]),
    meta("sunion", &["nondeterministic_output_order"], &[ks(&["RO", "access"], Index(1), Range(-1, 1, 0))]),
    meta("sunionstore", &[], &[ks(&["OW", "update"], Index(1), Range(0, 1, 0)), ks(&["RO", "access"], Index(2), Range(-1, 1, 0))]),
    meta("sunsubscribe", &[], &[ks(&["not_key"], Index(1), Range(-1, 1, 0))]),
    meta("time", &["nondeterministic_output"], &[]),
    meta("touch", &["request_policy:multi_shard", "response_policy:agg_sum"], &[ks(&["RO"], Index(1), Range(-1, 1, 0))]),
    meta("ttl", &["nondeterministic_output"], &[ks(&["RO", "access"], Index(1), Range(0, 1, 0))]),
    meta("type", &[], &[ks(&["RO"], Index(1), Range(0, 1, 0))]),
    meta("unlink", &["request_policy:multi_shard", "response_policy:agg_sum"], &[ks(&["RM", "delete"], Index(1), Range(-1, 1, 0))]),
    meta("wait", &["request_policy:all_shards", "response_policy:agg_min"], &[]),
    meta("watch", &[], &[ks(&["RO"], Index(1), Range(-1, 1, 0))]),
    meta("xack", &[], &[ks(&["RW", "update"], Index(1), Range(0, 1, 0))]),
    meta("xadd", &["nondeterministic_output"], &[ks(&["RW", "update"], Index(1), Range(0, 1, 0))]),
    meta("xautoclaim", &["nondeterministic_output"], &[ks(&["RW", "delete"], Index(1), Range(0, 1, 0))]),
    meta("xclaim", &["nondeterministic_output"], &[ks(&["RW", "update"], Index(1), Range(0, 1, 0))]),
    meta("xdel", &[], &[ks(&["RW", "delete"], Index(1), Range(0, 1, 0))]),
    meta("xgroup|create", &[], &[ks(&["RW", "insert"], Index(2), Range(0, 1, 0))]),
    meta("xgroup|createconsumer", &[], &[ks(&["RW", "insert"], Index(2), Range(0, 1, 0))]),
    meta("xgroup|delconsumer", &[], &[ks(&["RW", "delete"], Index(2), Range(0, 1, 0))]),
    meta("xgroup|destroy", &[], &[ks(&["RW", "delete"], Index(2), Range(0, 1, 0))]),
    meta("xgroup|setid", &[], &[ks(&["RW", "update"], Index(2), Range(0, 1, 0))]),
    meta("xinfo|consumers", &["nondeterministic_output"], &[ks(&["RO", "access"], Index(2), Range(0, 1, 0))]),
    meta("xinfo|groups", &[], &[ks(&["RO", "access"], Index(2), Range(0, 1, 0))]),
    meta("xinfo|stream", &[], &[ks(&["RO", "access"], Index(2), Range(0, 1, 0))]),
    meta("xlen", &[], &[ks(&["RO"], Index(1), Range(0, 1, 0))]),
    meta("xpending", &["nondeterministic_output"], &[ks(&["RO", "access"], Index(1), Range(0, 1, 0))]),
    meta("xrange", &[], &[ks(&["RO", "access"], Index(1), Range(0, 1, 0))]),
    meta("xread", &[], &[ks(&["RO", "access"], Keyword("STREAMS", 1), Range(-1, 1, 2))]),
    meta("xreadgroup", &[], &[ks(&["RO", "access"], Keyword("STREAMS", 4), Range(-1, 1, 2))]),
    meta("xrevrange", &[], &[ks(&["RO", "access"], Index(1), Range(0, 1, 0))]),
    meta("xsetid", &[], &[ks(&["RW", "update"], Index(1), Range(0, 1, 0))]),
    meta("xtrim", &["nondeterministic_output"], &[ks(&["RW", "delete"], Index(1), Range(0, 1, 0))]),
    meta("zadd", &[], &[ks(&["RW", "update"], Index(1), Range(0, 1, 0))]),
    meta("zcard", &[], &[ks(&["RO"], Index(1), Range(0, 1, 0))]),
    meta("zcount", &[], &[ks(&["RO", "access"], Index(1), Range(0, 1, 0))]),
    meta("zdiff", &[], &[ks(&["RO", "access"], Index(1), Keynum(0, 1, 1))]),
    meta("zdiffstore", &[], &[ks(&["OW", "update"], Index(1), Range(0, 1, 0)), ks(&["RO", "access"], Index(2), Keynum(0, 1, 1))]),
    meta("zincrby", &[], &[ks(&["RW", "access", "update"], Index(1), Range(0, 1, 0))]),
    meta("zinter", &[], &[ks(&["RO", "access"], Index(1), Keynum(0, 1, 1))]),
    meta("zintercard", &[], &[ks(&["RO", "access"], Index(1), Keynum(0, 1, 1))]),
    meta("zinterstore", &[], &[ks(&["OW", "update"], Index(1), Range(0, 1, 0)), ks(&["RO", "access"], Index(2), Keynum(0, 1, 1))]),
    meta("zlexcount", &[], &[ks(&["RO", "access"], Index(1), Range(0, 1, 0))]),
    meta("zmpop", &[], &[ks(&["RW", "access", "delete"], Index(1), Keynum(0, 1, 1))]),
    meta("zmscore", &[], &[ks(&["RO", "access"], Index(1), Range(0, 1, 0))]),
    meta("zpopmax", &[], &[ks(&["RW", "access", "delete"], Index(1), Range(0, 1, 0))]),
    meta("zpopmin", &[], &[ks(&["RW", "access", "delete"], Index(1), Range(0, 1, 0))]),
    meta("zrandmember", &["nondeterministic_output"], &[ks(&["RO", "access"], Index(1), Range(0, 1, 0))]),
    meta("zrange", &[], &[ks(&["RO", "access"], Index(1), Range(0, 1, 0))]),
    meta("zrangebylex", &[], &[ks(&["RO", "access"], Index(1), Range(0, 1, 0))]),
    meta("zrangebyscore", &[], &[ks(&["RO", "access"], Index(1), Range(0, 1, 0))]),
    meta("zrangestore", &[], &[ks(&["OW", "update"], Index(1), Range(0, 1, 0)), ks(&["RO", "access"], Index(2), Range(0, 1, 0))]),
    meta("zrank", &[], &[ks(&["RO", "access"], Index(1), Range(0, 1, 0))]),
    meta("zrem", &[], &[ks(&["RW", "delete"], Index(1), Range(0, 1, 0))]),
    meta("zremrangebylex", &[], &[ks(&["RW", "delete"], Index(1), Range(0, 1, 0))]),
    meta("zremrangebyrank", &[], &[ks(&["RW", "delete"], Index(1), Range(0, 1, 0))]),
    meta("zremrangebyscore", &[], &[ks(&["RW", "delete"], Index(1), Range(0, 1, 0))]),
    meta("zrevrange", &[], &[ks(&["RO", "access"], Index(1), Range(0, 1, 0))]),
    meta("zrevrangebylex", &[], &[ks(&["RO", "access"], Index(1), Range(0, 1, 0))]),
    meta("zrevrangebyscore", &[], &[ks(&["RO", "access"], Index(1), Range(0, 1, 0))]),
    meta("zrevrank", &[], &[ks(&["RO", "access"], Index(1), Range(0, 1, 0))]),
    meta("zscan", &["nondeterministic_output"], &[ks(&["RO", "access"], Index(1), Range(0, 1, 0))]),
    meta("zscore", &[], &[ks(&["RO", "access"], Index(1), Range(0, 1, 0))]),
    meta("zunion", &[], &[ks(&["RO", "access"], Index(1), Keynum(0, 1, 1))]),
    meta("zunionstore", &[], &[ks(&["OW", "update"], Index(1), Range(0, 1, 0)), ks(&["RO", "access"], Index(2), Keynum(0, 1, 1))]),
];

#[cfg(test)]
mod tests {
    use super::*;
    use redraft_protocol::{encode, Version};

    use crate::cmd::test_argv as args;

    fn wire(f: &Frame, v: Version) -> String {
        let mut out = bytes::BytesMut::new();
        encode(f, v, &mut out);
        String::from_utf8_lossy(&out).into_owned()
    }

    #[test]
    fn meta_is_sorted_for_binary_search() {
        assert!(META.windows(2).all(|w| w[0].name < w[1].name));
        assert!(
            meta_of("get").is_some()
                && meta_of("client|list").is_some()
                && meta_of("nosuch").is_none()
        );
    }

    #[test]
    fn get_row_is_byte_identical_to_redis() {
        // `COMMAND INFO get` from redis-server 7.0.15, RESP2.
        let expected = "*10\r\n$3\r\nget\r\n:2\r\n*2\r\n+readonly\r\n+fast\r\n:1\r\n:1\r\n:1\r\n*3\r\n+@read\r\n+@string\r\n+@fast\r\n*0\r\n*1\r\n*6\r\n$5\r\nflags\r\n*2\r\n+RO\r\n+access\r\n$12\r\nbegin_search\r\n*4\r\n$4\r\ntype\r\n$5\r\nindex\r\n$4\r\nspec\r\n*2\r\n$5\r\nindex\r\n:1\r\n$9\r\nfind_keys\r\n*4\r\n$4\r\ntype\r\n$5\r\nrange\r\n$4\r\nspec\r\n*6\r\n$7\r\nlastkey\r\n:0\r\n$7\r\nkeystep\r\n:1\r\n$5\r\nlimit\r\n:0\r\n*0\r\n";
        let get = table().get(b"get").unwrap();
        assert_eq!(wire(&info_row(get), Version::Resp2), expected);
        // RESP3 turns the key spec into maps.
        assert!(wire(&info_row(get), Version::Resp3).contains("%3\r\n$5\r\nflags\r\n"));
    }

    #[test]
    fn derived_key_specs_follow_first_last_step() {
        let mut s = spec(
            "x",
            -3,
            WRITE,
            KeySpec {
                first: 1,
                last: -1,
                step: 2,
            },
            &[],
            Handler::Container,
        );
        assert_eq!(
            key_specs(&s, "redraft-only"),
            vec![ks(
                &["RW", "update"],
                BeginSearch::Index(1),
                FindKeys::Range(-1, 2, 0)
            )]
        );
        s.keys = KeySpec {
            first: 2,
            last: 3,
            step: 1,
        };
        s.flags = READONLY;
        assert_eq!(
            key_specs(&s, "redraft-only"),
            vec![ks(
                &["RO", "access"],
                BeginSearch::Index(2),
                FindKeys::Range(1, 1, 0)
            )]
        );
        s.keys = KeySpec::NONE;
        assert!(key_specs(&s, "redraft-only").is_empty());
    }

    #[test]
    fn fixed_key_positions_agree_with_redis_key_specs() {
        // For every command whose Redis key spec is one index+range spec, our legacy
        // first/last/step must describe the same keys.
        let mut checked = 0;
        for c in table()
            .iter()
            .flat_map(|c| std::iter::once(c).chain(c.subs.values()))
        {
            let Some(m) = meta_of(&c.fullname) else {
                continue;
            };
            let [KeySpecInfo {
                begin: BeginSearch::Index(b),
                find: FindKeys::Range(l, s, 0),
                ..
            }] = m.key_specs
            else {
                continue;
            };
            let last = if *l < 0 { *l } else { b + l };
            let k = c.spec.keys;
            assert_eq!((k.first, k.last, k.step), (*b, last, *s), "{}", c.fullname);
            checked += 1;
        }
        assert!(checked > 0);
    }

    #[test]
    fn implicit_acl_categories() {
        let s = spec(
            "x",
            1,
            ADMIN | LOADING,
            KeySpec::NONE,
            &[],
            Handler::Container,
        );
        assert_eq!(acl_categories(&s), ["admin", "slow", "dangerous"]);
        let s = spec(
            "y",
            2,
            READONLY | FAST,
            KeySpec::ONE,
            &["fast", "string", "read"],
            Handler::Container,
        );
        assert_eq!(acl_categories(&s), ["read", "string", "fast"]);
    }

    #[test]
    fn getkeys_errors_and_flags() {
        assert_eq!(
            keys_and_flags(&args(&["nosuch", "a"])),
            Err(error::GETKEYS_INVALID_COMMAND)
        );
        assert_eq!(
            keys_and_flags(&args(&["mset", "a"])),
            Err(error::GETKEYS_BAD_ARITY)
        );
        assert_eq!(
            keys_and_flags(&args(&["config", "get", "x"])),
            Err(error::GETKEYS_NO_KEYS)
        );
        let keys = keys_and_flags(&args(&["mset", "a", "1", "b", "2"])).unwrap();
        assert_eq!(
            keys,
            vec![(1, &["OW", "update"][..]), (3, &["OW", "update"][..])]
        );
        let keys = keys_and_flags(&args(&["memory", "usage", "k"])).unwrap();
        assert_eq!(keys, vec![(2, &["RO"][..])]);
    }

    #[test]
    fn list_filters() {
        assert_eq!(parse_list_filter(&[]), Ok(ListFilter::All));
        assert!(parse_list_filter(&args(&["filterby", "foo", "x"])).is_err());
        assert!(parse_list_filter(&args(&["filterby"])).is_err());
        let config = table().get(b"config").unwrap();
        let get = config.sub(b"get").unwrap();
        let Ok(filter) = parse_list_filter(&args(&["FILTERBY", "pattern", "CONF*"])) else {
            panic!()
        };
        assert!(list_matches(&filter, config) && list_matches(&filter, get));
        let Ok(filter) = parse_list_filter(&args(&["filterby", "aclcat", "ADMIN"])) else {
            panic!()
        };
        assert!(!list_matches(&filter, config) && list_matches(&filter, get));
        assert!(!list_matches(&ListFilter::Module, config));
    }

    #[test]
    fn lookup_by_full_name() {
        assert_eq!(
            lookup_fullname(b"CONFIG|GET").unwrap().fullname,
            "config|get"
        );
        assert!(lookup_fullname(b"config|nosuch").is_none());
        assert_eq!(lookup_fullname(b"Get").unwrap().fullname, "get");
    }
}
