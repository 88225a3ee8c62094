//! Generic keyspace commands: DEL UNLINK EXISTS TYPE RENAME RENAMENX COPY MOVE KEYS SCAN RANDOMKEY
//! EXPIRE PEXPIRE EXPIREAT PEXPIREAT TTL PTTL EXPIRETIME PEXPIRETIME PERSIST TOUCH OBJECT DBSIZE
//! FLUSHDB FLUSHALL SWAPDB.
//!
//! Each command parses its arguments into a typed value, executes on the [`Ctx`], and renders a
//! [`Frame`]. Writes run inside apply, so `ctx.now_ms` is the log entry's clock. The pure parts
//! (option parsing, the EXPIRE decision, the SCAN walk, the RANDOMKEY search) are plain functions
//! tested below.
//!
//! SCAN's cursor is a slab slot number (see `keyspace.rs`): slots never move, so a key present for
//! the whole scan is returned exactly once.

use bytes::Bytes;
use rand::Rng;
use redraft_protocol::Frame;

use super::ctx::Ttl;
use super::flags::*;
use super::parse::{is, parse_i64};
use super::{spec, CommandSpec, Ctx, Handler, KeySpec};
use crate::compact::CompactBytes;
use crate::error;
use crate::glob;
use crate::keyspace::Db;
use crate::value::Value;

const KS_READ: &[&str] = &["keyspace", "read", "fast"];
const KS_READ_SLOW: &[&str] = &["keyspace", "read", "slow"];
const KS_READ_DANGEROUS: &[&str] = &["keyspace", "read", "slow", "dangerous"];
const KS_WRITE: &[&str] = &["keyspace", "write", "fast"];
const KS_WRITE_SLOW: &[&str] = &["keyspace", "write", "slow"];
const KS_WRITE_DANGEROUS: &[&str] = &["keyspace", "write", "slow", "dangerous"];
const KS_WRITE_FAST_DANGEROUS: &[&str] = &["keyspace", "write", "fast", "dangerous"];

/// OBJECT subcommands take their key at argv[2].
const SUB_KEY: KeySpec = KeySpec {
    first: 2,
    last: 2,
    step: 1,
};

/// Fills in COMMAND DOCS data the compact `spec` row leaves at its defaults.
const fn doc(s: CommandSpec, since: &'static str, group: &'static str) -> CommandSpec {
    CommandSpec { since, group, ..s }
}

const OBJECT_SUBCOMMANDS: &[CommandSpec] = &[
    doc(
        spec(
            "encoding",
            3,
            READONLY,
            SUB_KEY,
            KS_READ_SLOW,
            Handler::Read(object_encoding),
        ),
        "2.2.3",
        "generic",
    ),
    doc(
        spec(
            "freq",
            3,
            READONLY,
            SUB_KEY,
            KS_READ_SLOW,
            Handler::Read(object_freq),
        ),
        "4.0.0",
        "generic",
    ),
    doc(
        spec(
            "idletime",
            3,
            READONLY,
            SUB_KEY,
            KS_READ_SLOW,
            Handler::Read(object_idletime),
        ),
        "2.2.3",
        "generic",
    ),
    doc(
        spec(
            "refcount",
            3,
            READONLY,
            SUB_KEY,
            KS_READ_SLOW,
            Handler::Read(object_refcount),
        ),
        "2.2.3",
        "generic",
    ),
    doc(
        spec(
            "help",
            2,
            LOADING | STALE,
            KeySpec::NONE,
            &["keyspace", "slow"],
            Handler::Read(object_help),
        ),
        "6.2.0",
        "generic",
    ),
];

/// Generic keyspace commands.
pub const COMMANDS: &[CommandSpec] = &[
    spec(
        "del",
        -2,
        WRITE,
        KeySpec::ALL,
        KS_WRITE_SLOW,
        Handler::Write(del),
    ),
    doc(
        spec(
            "unlink",
            -2,
            WRITE | FAST,
            KeySpec::ALL,
            KS_WRITE,
            Handler::Write(del),
        ),
        "4.0.0",
        "generic",
    ),
    spec(
        "exists",
        -2,
        READONLY | FAST,
        KeySpec::ALL,
        KS_READ,
        Handler::Read(exists),
    ),
    spec(
        "type",
        2,
        READONLY | FAST,
        KeySpec::ONE,
        KS_READ,
        Handler::Read(type_),
    ),
    spec(
        "rename",
        3,
        WRITE,
        KeySpec::TWO,
        KS_WRITE_SLOW,
        Handler::Write(rename),
    ),
    spec(
        "renamenx",
        3,
        WRITE | FAST,
        KeySpec::TWO,
        KS_WRITE,
        Handler::Write(renamenx),
    ),
    doc(
        spec(
            "copy",
            -3,
            WRITE | DENYOOM,
            KeySpec::TWO,
            KS_WRITE_SLOW,
            Handler::Write(copy),
        ),
        "6.2.0",
        "generic",
    ),
    spec(
        "move",
        3,
        WRITE | FAST,
        KeySpec::ONE,
        KS_WRITE,
        Handler::Write(move_),
    ),
    spec(
        "keys",
        2,
        READONLY,
        KeySpec::NONE,
        KS_READ_DANGEROUS,
        Handler::Read(keys),
    ),
    doc(
        spec(
            "scan",
            -2,
            READONLY,
            KeySpec::NONE,
            KS_READ_SLOW,
            Handler::Read(scan),
        ),
        "2.8.0",
        "generic",
    ),
    spec(
        "randomkey",
        1,
        READONLY,
        KeySpec::NONE,
        KS_READ_SLOW,
        Handler::Read(randomkey),
    ),
    spec(
        "expire",
        -3,
        WRITE | FAST,
        KeySpec::ONE,
        KS_WRITE,
        Handler::Write(expire),
    ),
    doc(
        spec(
            "pexpire",
            -3,
            WRITE | FAST,
            KeySpec::ONE,
            KS_WRITE,
            Handler::Write(pexpire),
        ),
        "2.6.0",
        "generic",
    ),
    doc(
        spec(
            "expireat",
            -3,
            WRITE | FAST,
            KeySpec::ONE,
            KS_WRITE,
            Handler::Write(expireat),
        ),
        "1.2.0",
        "generic",
    ),
    doc(
        spec(
            "pexpireat",
            -3,
            WRITE | FAST,
            KeySpec::ONE,
            KS_WRITE,
            Handler::Write(pexpireat),
        ),
        "2.6.0",
        "generic",
    ),
    spec(
        "ttl",
        2,
        READONLY | FAST,
        KeySpec::ONE,
        KS_READ,
        Handler::Read(ttl),
    ),
    doc(
        spec(
            "pttl",
            2,
            READONLY | FAST,
            KeySpec::ONE,
            KS_READ,
            Handler::Read(pttl),
        ),
        "2.6.0",
        "generic",
    ),
    doc(
        spec(
            "expiretime",
            2,
            READONLY | FAST,
            KeySpec::ONE,
            KS_READ,
            Handler::Read(expiretime),
        ),
        "7.0.0",
        "generic",
    ),
    doc(
        spec(
            "pexpiretime",
            2,
            READONLY | FAST,
            KeySpec::ONE,
            KS_READ,
            Handler::Read(pexpiretime),
        ),
        "7.0.0",
        "generic",
    ),
    doc(
        spec(
            "persist",
            2,
            WRITE | FAST,
            KeySpec::ONE,
            KS_WRITE,
            Handler::Write(persist),
        ),
        "2.2.0",
        "generic",
    ),
    doc(
        spec(
            "touch",
            -2,
            READONLY | FAST,
            KeySpec::ALL,
            KS_READ,
            Handler::Read(touch),
        ),
        "3.2.1",
        "generic",
    ),
    CommandSpec {
        subcommands: OBJECT_SUBCOMMANDS,
        ..doc(
            spec(
                "object",
                -2,
                0,
                KeySpec::NONE,
                &["slow"],
                Handler::Container,
            ),
            "2.2.3",
            "generic",
        )
    },
    doc(
        spec(
            "dbsize",
            1,
            READONLY | FAST,
            KeySpec::NONE,
            KS_READ,
            Handler::Read(dbsize),
        ),
        "1.0.0",
        "server",
    ),
    doc(
        spec(
            "flushdb",
            -1,
            WRITE,
            KeySpec::NONE,
            KS_WRITE_DANGEROUS,
            Handler::Write(flushdb),
        ),
        "1.0.0",
        "server",
    ),
    doc(
        spec(
            "flushall",
            -1,
            WRITE,
            KeySpec::NONE,
            KS_WRITE_DANGEROUS,
            Handler::Write(flushall),
        ),
        "1.0.0",
        "server",
    ),
    doc(
        spec(
            "swapdb",
            3,
            WRITE | FAST,
            KeySpec::NONE,
            KS_WRITE_FAST_DANGEROUS,
            Handler::Write(swapdb),
        ),
        "4.0.0",
        "server",
    ),
];

// ---------------------------------------------------------------------------------------------
// DEL UNLINK EXISTS TYPE TOUCH

/// DEL and UNLINK: values are small enough to free inline, so both delete synchronously.
fn del(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> Frame {
    let n = argv[1..].iter().filter(|k| ctx.delete(k)).count();
    Frame::Integer(n as i64)
}

/// Counts every argument that names a live key, duplicates included.
fn exists(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> Frame {
    let n = argv[1..].iter().filter(|k| ctx.peek(k).is_some()).count();
    Frame::Integer(n as i64)
}

fn type_(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> Frame {
    match ctx.peek(&argv[1]) {
        Some(slot) => Frame::simple(ctx.db().entry(slot).value.type_name()),
        None => Frame::simple("none"),
    }
}

fn touch(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> Frame {
    let n = argv[1..].iter().filter(|k| ctx.touch(k)).count();
    Frame::Integer(n as i64)
}

// ---------------------------------------------------------------------------------------------
// RENAME RENAMENX COPY MOVE

fn rename(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> Frame {
    rename_generic(ctx, &argv[1], &argv[2], false)
}

fn renamenx(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> Frame {
    rename_generic(ctx, &argv[1], &argv[2], true)
}

/// Moves the entry (value, access time and TTL) from `src` to `dst` in the selected database.
fn rename_generic(ctx: &mut Ctx<'_>, src: &[u8], dst: &[u8], nx: bool) -> Frame {
    let done = if nx { Frame::Integer(1) } else { Frame::ok() };
    let refused = if nx { Frame::Integer(0) } else { Frame::ok() };
    let Some(slot) = ctx.find(src) else {
        return Frame::error(error::NO_SUCH_KEY);
    };
    if src == dst {
        return refused;
    }
    if ctx.find(dst).is_some() {
        if nx {
            return refused;
        }
        ctx.delete(dst);
    }
    let db = ctx.db();
    let at = db.expire_at(slot);
    let entry = db.remove_slot(slot);
    let new = db.insert_new(CompactBytes::new(dst), entry.value, entry.lru);
    db.set_expire(new, at);
    done
}

/// Parses a database number the way Redis's `getIntFromObjectOrReply` does, then checks range.
fn parse_db(arg: &[u8], db_count: usize, not_integer: &'static str) -> Result<usize, Frame> {
    let n = parse_i64(arg)
        .filter(|n| i32::try_from(*n).is_ok())
        .ok_or_else(|| Frame::error(not_integer))?;
    if n < 0 || n as usize >= db_count {
        return Err(Frame::error(error::DB_OUT_OF_RANGE));
    }
    Ok(n as usize)
}

/// COPY's `[DB destination-db] [REPLACE]`.
#[derive(Debug, Default, PartialEq)]
struct CopyOptions {
    db: Option<usize>,
    replace: bool,
}

fn parse_copy_options(args: &[Bytes], db_count: usize) -> Result<CopyOptions, Frame> {
    let mut o = CopyOptions::default();
    let mut j = 0;
    while j < args.len() {
        if is(&args[j], "replace") {
            o.replace = true;
        } else if is(&args[j], "db") && j + 1 < args.len() {
            o.db = Some(parse_db(&args[j + 1], db_count, error::NOT_INTEGER)?);
            j += 1;
        } else {
            return Err(Frame::error(error::SYNTAX));
        }
        j += 1;
    }
    Ok(o)
}

fn copy(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> Frame {
    let (src, dst) = (&argv[1], &argv[2]);
    let o = match parse_copy_options(&argv[3..], ctx.ks.db_count()) {
        Ok(o) => o,
        Err(e) => return e,
    };
    let dst_db = o.db.unwrap_or(ctx.db);
    if dst_db == ctx.db && src == dst {
        return Frame::error(error::SAME_OBJECT);
    }
    let Some(slot) = ctx.find(src) else {
        return Frame::Integer(0);
    };
    let (value, at) = {
        let db = ctx.db();
        (db.entry(slot).value.clone(), db.expire_at(slot))
    };
    if ctx.find_in(dst_db, dst).is_some() {
        if !o.replace {
            return Frame::Integer(0);
        }
        ctx.ks.db_mut(dst_db).remove(dst);
    }
    let ttl = at.map_or(Ttl::Clear, Ttl::At);
    ctx.set_in(dst_db, dst, value, ttl);
    Frame::Integer(1)
}

fn move_(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> Frame {
    let key = &argv[1];
    let dst_db = match parse_db(&argv[2], ctx.ks.db_count(), error::NOT_INTEGER) {
        Ok(db) => db,
        Err(e) => return e,
    };
    if dst_db == ctx.db {
        return Frame::error(error::SAME_OBJECT);
    }
    let Some(slot) = ctx.find(key) else {
        return Frame::Integer(0);
    };
    if ctx.find_in(dst_db, key).is_some() {
        return Frame::Integer(0);
    }
    let (src, dst) = ctx.ks.two_dbs(ctx.db, dst_db);
    let at = src.expire_at(slot);
    let entry = src.remove_slot(slot);
    let new = dst.insert_new(entry.key, entry.value, entry.lru);
    dst.set_expire(new, at);
    Frame::Integer(1)
}

// ---------------------------------------------------------------------------------------------
// KEYS SCAN RANDOMKEY

fn keys(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> Frame {
    let pattern = &argv[1][..];
    let all = pattern == b"*";
    let now = ctx.now_ms;
    let db = ctx.ks.db(ctx.db);
    let found = db
        .iter()
        .filter(|&(slot, e)| {
            !db.is_expired(slot, now) && (all || glob::matches(pattern, e.key.as_slice(), false))
        })
        .map(|(_, e)| Frame::bulk_from(e.key.as_slice()))
        .collect();
    Frame::Array(found)
}

/// SCAN's arguments.
#[derive(Debug, PartialEq)]
pub(crate) struct ScanOptions {
    pub(crate) cursor: u64,
    pub(crate) count: usize,
    pub(crate) pattern: Option<Bytes>,
    type_name: Option<Bytes>,
}

impl ScanOptions {
    /// True if `item` passes MATCH.
    pub(crate) fn matches(&self, item: &[u8]) -> bool {
        self.pattern
            .as_ref()
            .is_none_or(|p| glob::matches(p, item, false))
    }
}

/// Parses a cursor like C's `strtoul(s, &end, 10)` as Redis uses it: no leading space, optional
/// sign (a `-` wraps, as in C), at least one digit, nothing after, no overflow. An empty string
/// is cursor 0, as in Redis.
fn parse_cursor(s: &[u8]) -> Option<u64> {
    let (negative, digits) = match s.first() {
        None => return Some(0),
        Some(b'-') => (true, &s[1..]),
        Some(b'+') => (false, &s[1..]),
        Some(_) => (false, s),
    };
    if digits.is_empty() || !digits.iter().all(u8::is_ascii_digit) {
        return None;
    }
    let mut v: u64 = 0;
    for &c in digits {
        v = v.checked_mul(10)?.checked_add((c - b'0') as u64)?;
    }
    Some(if negative { v.wrapping_neg() } else { v })
}

/// Parses SCAN's arguments from `argv[1]` (the cursor) on. For HSCAN/SSCAN/ZSCAN pass the
/// arguments after the key: they take MATCH and COUNT but not TYPE.
pub(crate) fn parse_scan(argv: &[Bytes], allow_type: bool) -> Result<ScanOptions, Frame> {
    let cursor = parse_cursor(&argv[1]).ok_or_else(|| Frame::error(error::INVALID_CURSOR))?;
    let mut o = ScanOptions {
        cursor,
        count: 10,
        pattern: None,
        type_name: None,
    };
    let mut i = 2;
    while i < argv.len() {
        let has_value = i + 1 < argv.len();
        if is(&argv[i], "count") && has_value {
            let count = parse_i64(&argv[i + 1]).ok_or_else(|| Frame::error(error::NOT_INTEGER))?;
            if count < 1 {
                return Err(Frame::error(error::SYNTAX));
            }
            o.count = usize::try_from(count).unwrap_or(usize::MAX);
        } else if is(&argv[i], "match") && has_value {
            let p = &argv[i + 1];
            o.pattern = (&p[..] != b"*").then(|| p.clone());
        } else if allow_type && is(&argv[i], "type") && has_value {
            o.type_name = Some(argv[i + 1].clone());
        } else {
            return Err(Frame::error(error::SYNTAX));
        }
        i += 2;
    }
    Ok(o)
}

/// One SCAN step: the occupied slots from `cursor` on, until `count` were found or `count * 10`
/// slots were visited (like Redis's bucket budget), and the next cursor (0 when done).
fn scan_slots(db: &Db, cursor: u64, count: usize) -> (u64, Vec<u32>) {
    let limit = db.slot_limit() as u64;
    let budget = count.saturating_mul(10);
    let mut pos = cursor;
    let mut visited = 0;
    let mut found = Vec::new();
    while pos < limit && found.len() < count && visited < budget {
        if db.get_slot(pos as u32).is_some() {
            found.push(pos as u32);
        }
        pos += 1;
        visited += 1;
    }
    (if pos >= limit { 0 } else { pos }, found)
}

fn scan(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> Frame {
    let o = match parse_scan(argv, true) {
        Ok(o) => o,
        Err(e) => return e,
    };
    let (now, index) = (ctx.now_ms, ctx.db);
    let db = ctx.ks.db(index);
    let (next, slots) = scan_slots(db, o.cursor, o.count);
    let mut keys = Vec::with_capacity(slots.len());
    for slot in slots {
        let e = db.entry(slot);
        if db.is_expired(slot, now) {
            ctx.expired
                .push((index, Bytes::copy_from_slice(e.key.as_slice())));
            continue;
        }
        if o.pattern
            .as_ref()
            .is_some_and(|p| !glob::matches(p, e.key.as_slice(), false))
        {
            continue;
        }
        if o.type_name
            .as_ref()
            .is_some_and(|t| !is(t, e.value.type_name()))
        {
            continue;
        }
        keys.push(Frame::bulk_from(e.key.as_slice()));
    }
    let mut cursor = itoa::Buffer::new();
    Frame::Array(vec![
        Frame::bulk_from(cursor.format(next).as_bytes()),
        Frame::Array(keys),
    ])
}

/// Random probes tried before RANDOMKEY falls back to a linear walk.
const RANDOM_PROBES: usize = 32;
/// Expired keys RANDOMKEY reports for deletion, at most.
const RANDOM_EXPIRED_REPORT: usize = 20;

/// A live slot chosen at random: `RANDOM_PROBES` uniform probes, then a linear walk (wrapping)
/// from a random start, so a sparse slab or a db of mostly expired keys still ends promptly.
/// Also returns expired slots met on the way. `pick(n)` returns a number below `n`.
fn random_live_slot(
    db: &Db,
    now_ms: u64,
    mut pick: impl FnMut(u32) -> u32,
) -> (Option<u32>, Vec<u32>) {
    let limit = db.slot_limit();
    let mut expired = Vec::new();
    if db.is_empty() || limit == 0 {
        return (None, expired);
    }
    let consider = |slot: u32, expired: &mut Vec<u32>| {
        db.get_slot(slot)?;
        if db.is_expired(slot, now_ms) {
            if expired.len() < RANDOM_EXPIRED_REPORT {
                expired.push(slot);
            }
            return None;
        }
        Some(slot)
    };
    for _ in 0..RANDOM_PROBES {
        if let Some(slot) = consider(pick(limit), &mut expired) {
            return (Some(slot), expired);
        }
    }
    let start = pick(limit);
    let found = (0..limit)
        .map(|i| (start + i) % limit)
        .find_map(|slot| consider(slot, &mut expired));
    (found, expired)
}

fn randomkey(ctx: &mut Ctx<'_>, _argv: &[Bytes]) -> Frame {
    let (now, index) = (ctx.now_ms, ctx.db);
    let db = ctx.ks.db(index);
    let mut rng = rand::thread_rng();
    let (found, expired) = random_live_slot(db, now, |n| rng.gen_range(0..n));
    for slot in expired {
        ctx.expired
            .push((index, Bytes::copy_from_slice(db.entry(slot).key.as_slice())));
    }
    match found {
        Some(slot) => Frame::bulk_from(db.entry(slot).key.as_slice()),
        None => Frame::Null,
    }
}

// ---------------------------------------------------------------------------------------------
// EXPIRE PEXPIRE EXPIREAT PEXPIREAT PERSIST TTL PTTL EXPIRETIME PEXPIRETIME

/// EXPIRE's `NX | XX | GT | LT` conditions.
#[derive(Debug, Default, PartialEq, Clone, Copy)]
struct ExpireFlags {
    nx: bool,
    xx: bool,
    gt: bool,
    lt: bool,
}

/// Parses the conditions with Redis 7.0's rules: repeats are fine, unknown words and
/// incompatible combinations are errors (checked after the whole list is read).
fn parse_expire_flags(args: &[Bytes]) -> Result<ExpireFlags, Frame> {
    let mut f = ExpireFlags::default();
    for a in args {
        if is(a, "nx") {
            f.nx = true;
        } else if is(a, "xx") {
            f.xx = true;
        } else if is(a, "gt") {
            f.gt = true;
        } else if is(a, "lt") {
            f.lt = true;
        } else {
            return Err(Frame::error(error::unsupported_option(a)));
        }
    }
    if f.nx && (f.xx || f.gt || f.lt) {
        return Err(Frame::error(error::EXPIRE_NX_AND_OTHER));
    }
    if f.gt && f.lt {
        return Err(Frame::error(error::EXPIRE_GT_AND_LT));
    }
    Ok(f)
}

/// The absolute deadline (unix ms, possibly negative) for an EXPIRE-family argument; overflow of
/// the unit conversion or of adding `base_ms` is an error, as in Redis.
fn expire_when(arg: &[u8], unit_ms: i64, base_ms: i64, cmd: &str) -> Result<i64, Frame> {
    let v = parse_i64(arg).ok_or_else(|| Frame::error(error::NOT_INTEGER))?;
    let invalid = || Frame::error(error::invalid_expire(cmd));
    let ms = v.checked_mul(unit_ms).ok_or_else(invalid)?;
    ms.checked_add(base_ms).ok_or_else(invalid)
}

/// What an EXPIRE does to a live key.
#[derive(Debug, PartialEq)]
enum ExpireAction {
    /// A condition failed: reply 0.
    Refuse,
    /// The deadline is not in the future: delete, reply 1.
    Delete,
    /// Set the deadline, reply 1.
    Set(u64),
}

/// Decides an EXPIRE on a live key whose deadline is `current` (`None` = persistent, which
/// counts as an infinite TTL for GT and LT).
fn expire_action(f: ExpireFlags, current: Option<u64>, when: i64, now_ms: u64) -> ExpireAction {
    let current = current.map(|c| c as i128);
    let w = when as i128;
    let refused = (f.nx && current.is_some())
        || (f.xx && current.is_none())
        || (f.gt && current.is_none_or(|c| w <= c))
        || (f.lt && current.is_some_and(|c| w >= c));
    if refused {
        ExpireAction::Refuse
    } else if w <= now_ms as i128 {
        ExpireAction::Delete
    } else {
        ExpireAction::Set(when as u64)
    }
}

fn expire_generic(
    ctx: &mut Ctx<'_>,
    argv: &[Bytes],
    unit_ms: i64,
    relative: bool,
    cmd: &str,
) -> Frame {
    let flags = match parse_expire_flags(&argv[3..]) {
        Ok(f) => f,
        Err(e) => return e,
    };
    let base = if relative { ctx.now_ms as i64 } else { 0 };
    let when = match expire_when(&argv[2], unit_ms, base, cmd) {
        Ok(w) => w,
        Err(e) => return e,
    };
    let Some(slot) = ctx.find(&argv[1]) else {
        return Frame::Integer(0);
    };
    let now = ctx.now_ms;
    let db = ctx.db();
    match expire_action(flags, db.expire_at(slot), when, now) {
        ExpireAction::Refuse => return Frame::Integer(0),
        ExpireAction::Delete => {
            db.remove_slot(slot);
        }
        ExpireAction::Set(at) => db.set_expire(slot, Some(at)),
    }
    Frame::Integer(1)
}

fn expire(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> Frame {
    expire_generic(ctx, argv, 1000, true, "expire")
}

fn pexpire(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> Frame {
    expire_generic(ctx, argv, 1, true, "pexpire")
}

fn expireat(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> Frame {
    expire_generic(ctx, argv, 1000, false, "expireat")
}

fn pexpireat(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> Frame {
    expire_generic(ctx, argv, 1, false, "pexpireat")
}

fn persist(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> Frame {
    let Some(slot) = ctx.find(&argv[1]) else {
        return Frame::Integer(0);
    };
    let db = ctx.db();
    if db.expire_at(slot).is_none() {
        return Frame::Integer(0);
    }
    db.set_expire(slot, None);
    Frame::Integer(1)
}

/// TTL-family reply for a live key with deadline `at`: remaining (or absolute) time, never
/// negative, in ms or rounded to the nearest second; -1 without a deadline.
fn ttl_value(at: Option<u64>, now_ms: u64, ms: bool, absolute: bool) -> i64 {
    let Some(at) = at else { return -1 };
    let t = if absolute {
        at as i128
    } else {
        (at as i128 - now_ms as i128).max(0)
    };
    (if ms { t } else { (t + 500) / 1000 }) as i64
}

fn ttl_generic(ctx: &mut Ctx<'_>, key: &[u8], ms: bool, absolute: bool) -> Frame {
    let Some(slot) = ctx.peek(key) else {
        return Frame::Integer(-2);
    };
    let at = ctx.db().expire_at(slot);
    Frame::Integer(ttl_value(at, ctx.now_ms, ms, absolute))
}

fn ttl(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> Frame {
    ttl_generic(ctx, &argv[1], false, false)
}

fn pttl(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> Frame {
    ttl_generic(ctx, &argv[1], true, false)
}

fn expiretime(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> Frame {
    ttl_generic(ctx, &argv[1], false, true)
}

fn pexpiretime(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> Frame {
    ttl_generic(ctx, &argv[1], true, true)
}

// ---------------------------------------------------------------------------------------------
// OBJECT

/// Redis shares the integer objects 0..9999 and reports their refcount as `INT_MAX`.
const SHARED_REFCOUNT: i64 = i32::MAX as i64;
const SHARED_INTEGERS: i64 = 10_000;

fn object_encoding(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> Frame {
    match ctx.peek(&argv[2]) {
        Some(slot) => Frame::bulk_from(ctx.db().entry(slot).value.encoding().as_bytes()),
        None => Frame::Null,
    }
}

fn object_freq(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> Frame {
    match ctx.peek(&argv[2]) {
        Some(_) => Frame::error(error::LFU_NOT_SELECTED),
        None => Frame::Null,
    }
}

fn object_idletime(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> Frame {
    let Some(slot) = ctx.peek(&argv[2]) else {
        return Frame::Null;
    };
    let clock = ctx.lru_clock;
    Frame::Integer(clock.wrapping_sub(ctx.db().entry(slot).lru) as i64)
}

/// The refcount Redis would report for `v`: shared small integers, otherwise 1.
fn refcount(v: &Value) -> i64 {
    let shared = v.encoding() == "int"
        && v.as_string()
            .and_then(parse_i64)
            .is_some_and(|n| (0..SHARED_INTEGERS).contains(&n));
    if shared {
        SHARED_REFCOUNT
    } else {
        1
    }
}

fn object_refcount(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> Frame {
    match ctx.peek(&argv[2]) {
        Some(slot) => Frame::Integer(refcount(&ctx.db().entry(slot).value)),
        None => Frame::Null,
    }
}

const OBJECT_HELP: &[&str] = &[
    "OBJECT <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
    "ENCODING <key>",
    "    Return the kind of internal representation used in order to store the value",
    "    associated with a <key>.",
    "FREQ <key>",
    "    Return the access frequency index of the <key>. The returned integer is",
    "    proportional to the logarithm of the recent access frequency of the key.",
    "IDLETIME <key>",
    "    Return the idle time of the <key>, that is the approximated number of",
    "    seconds elapsed since the last access to the key.",
    "REFCOUNT <key>",
    "    Return the number of references of the value associated with the specified",
    "    <key>.",
    "HELP",
    "    Prints this help.",
];

fn object_help(_ctx: &mut Ctx<'_>, _argv: &[Bytes]) -> Frame {
    Frame::Array(
        OBJECT_HELP
            .iter()
            .map(|&line| Frame::simple(line))
            .collect(),
    )
}

// ---------------------------------------------------------------------------------------------
// DBSIZE FLUSHDB FLUSHALL SWAPDB

fn dbsize(ctx: &mut Ctx<'_>, _argv: &[Bytes]) -> Frame {
    Frame::Integer(ctx.ks.db(ctx.db).len() as i64)
}

/// `[ASYNC | SYNC]`: true for ASYNC.
fn parse_flush_async(args: &[Bytes]) -> Result<bool, Frame> {
    match args {
        [] => Ok(false),
        [a] if is(a, "async") => Ok(true),
        [a] if is(a, "sync") => Ok(false),
        _ => Err(Frame::error(error::SYNTAX)),
    }
}

/// Databases larger than this are dropped on a background thread under ASYNC.
const ASYNC_FREE_THRESHOLD: usize = 64;

/// Frees emptied databases: inline, or on a background thread for a large ASYNC flush. The
/// keyspace is already empty either way, so apply stays deterministic.
fn free_dbs(dbs: Vec<Db>, asynchronous: bool) {
    let keys: usize = dbs.iter().map(Db::len).sum();
    if asynchronous && keys > ASYNC_FREE_THRESHOLD {
        std::thread::spawn(move || drop(dbs));
    }
}

fn flushdb(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> Frame {
    let asynchronous = match parse_flush_async(&argv[1..]) {
        Ok(a) => a,
        Err(e) => return e,
    };
    let old = ctx.ks.take_db(ctx.db);
    free_dbs(vec![old], asynchronous);
    Frame::ok()
}

fn flushall(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> Frame {
    let asynchronous = match parse_flush_async(&argv[1..]) {
        Ok(a) => a,
        Err(e) => return e,
    };
    let old = (0..ctx.ks.db_count()).map(|i| ctx.ks.take_db(i)).collect();
    free_dbs(old, asynchronous);
    Frame::ok()
}

fn swapdb(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> Frame {
    // Redis parses both indexes before checking either against the range.
    let parse = |arg: &[u8], text: &'static str| {
        parse_i64(arg)
            .filter(|n| i32::try_from(*n).is_ok())
            .ok_or_else(|| Frame::error(text))
    };
    let (a, b) = match (
        parse(&argv[1], error::INVALID_FIRST_DB),
        parse(&argv[2], error::INVALID_SECOND_DB),
    ) {
        (Ok(a), Ok(b)) => (a, b),
        (Err(e), _) | (_, Err(e)) => return e,
    };
    let n = ctx.ks.db_count() as i64;
    if a < 0 || a >= n || b < 0 || b >= n {
        return Frame::error(error::DB_OUT_OF_RANGE);
    }
    ctx.ks.swap(a as usize, b as usize);
    Frame::ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cmd::ctx::Mode;
    use crate::keyspace::Keyspace;
    use std::collections::BTreeSet;

    fn b(s: &str) -> Bytes {
        Bytes::copy_from_slice(s.as_bytes())
    }

    use crate::cmd::test_argv as argv;

    fn err_text(f: Frame) -> String {
        match f {
            Frame::Error(e) => String::from_utf8_lossy(&e).into_owned(),
            other => panic!("not an error: {other:?}"),
        }
    }

    fn put(db: &mut Db, key: &str) -> u32 {
        db.insert_new(CompactBytes::new(key.as_bytes()), Value::string(b"v"), 0)
    }

    #[test]
    fn expire_flags_follow_redis_7_0() {
        let p = |w: &[&str]| parse_expire_flags(&argv(w));
        assert_eq!(
            p(&["nx", "NX"]).unwrap(),
            ExpireFlags {
                nx: true,
                ..Default::default()
            }
        );
        assert_eq!(
            p(&["xx", "gt"]).unwrap(),
            ExpireFlags {
                xx: true,
                gt: true,
                ..Default::default()
            }
        );
        assert_eq!(
            err_text(p(&["nx", "gt"]).unwrap_err()),
            error::EXPIRE_NX_AND_OTHER
        );
        assert_eq!(
            err_text(p(&["gt", "lt", "nx"]).unwrap_err()),
            error::EXPIRE_NX_AND_OTHER
        );
        assert_eq!(
            err_text(p(&["gt", "lt"]).unwrap_err()),
            error::EXPIRE_GT_AND_LT
        );
        assert_eq!(
            err_text(p(&["Foo"]).unwrap_err()),
            "ERR Unsupported option Foo"
        );
    }

    #[test]
    fn expire_times_detect_overflow() {
        assert_eq!(expire_when(b"10", 1000, 5, "expire").unwrap(), 10_005);
        assert_eq!(expire_when(b"-1", 1000, 5, "expire").unwrap(), -995);
        assert_eq!(
            expire_when(b"9223372036854775", 1000, 0, "expireat").unwrap(),
            9_223_372_036_854_775_000
        );
        assert!(expire_when(b"9223372036854776", 1000, 0, "expireat").is_err());
        assert!(expire_when(b"-9223372036854776", 1000, 0, "expire").is_err());
        assert!(expire_when(b"9223372036854775000", 1, 1_000_000, "pexpire").is_err());
        assert_eq!(
            err_text(expire_when(b"9223372036854775807", 1000, 1, "expire").unwrap_err()),
            "ERR invalid expire time in 'expire' command"
        );
        assert_eq!(
            err_text(expire_when(b"x", 1, 0, "pexpire").unwrap_err()),
            error::NOT_INTEGER
        );
    }

    #[test]
    fn expire_conditions_treat_persistent_as_infinite() {
        let f = |w: &[&str]| parse_expire_flags(&argv(w)).unwrap();
        let now = 1000;
        assert_eq!(
            expire_action(f(&[]), None, 5000, now),
            ExpireAction::Set(5000)
        );
        assert_eq!(expire_action(f(&[]), None, 1000, now), ExpireAction::Delete);
        assert_eq!(
            expire_action(f(&[]), Some(9000), -5, now),
            ExpireAction::Delete
        );
        assert_eq!(
            expire_action(f(&["nx"]), Some(9000), 5000, now),
            ExpireAction::Refuse
        );
        assert_eq!(
            expire_action(f(&["xx"]), None, 5000, now),
            ExpireAction::Refuse
        );
        assert_eq!(
            expire_action(f(&["gt"]), None, 5000, now),
            ExpireAction::Refuse
        );
        assert_eq!(
            expire_action(f(&["gt"]), Some(5000), 5000, now),
            ExpireAction::Refuse
        );
        assert_eq!(
            expire_action(f(&["gt"]), Some(4000), 5000, now),
            ExpireAction::Set(5000)
        );
        assert_eq!(
            expire_action(f(&["lt"]), None, 5000, now),
            ExpireAction::Set(5000)
        );
        assert_eq!(
            expire_action(f(&["lt"]), Some(5000), 5000, now),
            ExpireAction::Refuse
        );
        assert_eq!(
            expire_action(f(&["lt"]), Some(5000), 500, now),
            ExpireAction::Delete
        );
    }

    #[test]
    fn ttl_values_round_and_clamp() {
        assert_eq!(ttl_value(None, 0, false, false), -1);
        assert_eq!(ttl_value(Some(10_499), 0, false, false), 10);
        assert_eq!(ttl_value(Some(10_500), 0, false, false), 11);
        assert_eq!(ttl_value(Some(10_500), 0, true, false), 10_500);
        assert_eq!(ttl_value(Some(5), 10, true, false), 0);
        assert_eq!(
            ttl_value(Some(4_000_000_000_555), 9, false, true),
            4_000_000_001
        );
        assert_eq!(
            ttl_value(Some(i64::MAX as u64), 0, false, true),
            9_223_372_036_854_776
        );
    }

    #[test]
    fn cursors_parse_like_strtoul() {
        assert_eq!(parse_cursor(b"0"), Some(0));
        assert_eq!(parse_cursor(b""), Some(0));
        assert_eq!(parse_cursor(b"+7"), Some(7));
        assert_eq!(parse_cursor(b"007"), Some(7));
        assert_eq!(parse_cursor(b"-1"), Some(u64::MAX));
        assert_eq!(parse_cursor(b"18446744073709551615"), Some(u64::MAX));
        assert_eq!(parse_cursor(b"18446744073709551616"), None);
        assert_eq!(parse_cursor(b" 1"), None);
        assert_eq!(parse_cursor(b"1x"), None);
        assert_eq!(parse_cursor(b"-"), None);
    }

    #[test]
    fn scan_options_parse() {
        let o = parse_scan(
            &argv(&["scan", "5", "MATCH", "a*", "count", "3", "TYPE", "string"]),
            true,
        )
        .unwrap();
        assert_eq!(
            o,
            ScanOptions {
                cursor: 5,
                count: 3,
                pattern: Some(b("a*")),
                type_name: Some(b("string"))
            }
        );
        assert_eq!(
            parse_scan(&argv(&["scan", "0", "match", "*"]), true)
                .unwrap()
                .pattern,
            None
        );
        assert_eq!(
            err_text(parse_scan(&argv(&["scan", "x"]), true).unwrap_err()),
            error::INVALID_CURSOR
        );
        assert_eq!(
            err_text(parse_scan(&argv(&["scan", "0", "count", "0"]), true).unwrap_err()),
            error::SYNTAX
        );
        assert_eq!(
            err_text(parse_scan(&argv(&["scan", "0", "count", "x"]), true).unwrap_err()),
            error::NOT_INTEGER
        );
        assert_eq!(
            err_text(parse_scan(&argv(&["scan", "0", "match"]), true).unwrap_err()),
            error::SYNTAX
        );
    }

    #[test]
    fn copy_and_flush_options_parse() {
        let p = |w: &[&str]| parse_copy_options(&argv(w), 16);
        assert_eq!(
            p(&["REPLACE", "db", "3"]).unwrap(),
            CopyOptions {
                db: Some(3),
                replace: true
            }
        );
        assert_eq!(err_text(p(&["db"]).unwrap_err()), error::SYNTAX);
        assert_eq!(
            err_text(p(&["db", "16"]).unwrap_err()),
            error::DB_OUT_OF_RANGE
        );
        assert_eq!(
            err_text(p(&["db", "-1"]).unwrap_err()),
            error::DB_OUT_OF_RANGE
        );
        assert_eq!(
            err_text(p(&["db", "99999999999"]).unwrap_err()),
            error::NOT_INTEGER
        );
        assert_eq!(
            err_text(parse_db(b"1.5", 16, error::INVALID_FIRST_DB).unwrap_err()),
            error::INVALID_FIRST_DB
        );
        assert_eq!(parse_flush_async(&argv(&["ASYNC"])), Ok(true));
        assert_eq!(parse_flush_async(&argv(&["sync"])), Ok(false));
        assert!(parse_flush_async(&argv(&["sync", "x"])).is_err());
        assert!(parse_flush_async(&argv(&["foo"])).is_err());
    }

    /// A key present for the whole scan is returned, whatever happens to other keys meanwhile.
    #[test]
    fn scan_returns_every_key_present_throughout() {
        let mut db = Db::default();
        let stable: BTreeSet<String> = (0..500).map(|i| format!("stable:{i}")).collect();
        let mut churn = 0usize;
        let mut churn_keys: Vec<String> = Vec::new();
        // Interleave stable keys with keys that will churn.
        for (i, k) in stable.iter().enumerate() {
            put(&mut db, k);
            if i % 3 == 0 {
                let c = format!("churn:{churn}");
                churn += 1;
                put(&mut db, &c);
                churn_keys.push(c);
            }
        }
        let mut seen = BTreeSet::new();
        let mut cursor = 0;
        let mut rounds = 0;
        loop {
            let (next, slots) = scan_slots(&db, cursor, 7);
            for s in slots {
                seen.insert(String::from_utf8(db.entry(s).key.to_vec()).unwrap());
            }
            // Churn: delete two old keys, add three new ones (reusing freed slots).
            for _ in 0..2 {
                if let Some(k) = churn_keys.pop() {
                    db.remove(k.as_bytes());
                }
            }
            for _ in 0..3 {
                let c = format!("churn:{churn}");
                churn += 1;
                put(&mut db, &c);
                churn_keys.insert(0, c);
            }
            rounds += 1;
            assert!(rounds < 10_000, "scan did not terminate");
            if next == 0 {
                break;
            }
            cursor = next;
        }
        for k in &stable {
            assert!(seen.contains(k), "{k} missing");
        }
    }

    #[test]
    fn scan_of_sparse_slab_visits_bounded_slots() {
        let mut db = Db::default();
        let slots: Vec<u32> = (0..1000).map(|i| put(&mut db, &format!("k{i}"))).collect();
        for &s in &slots[..999] {
            db.remove_slot(s);
        }
        let (next, found) = scan_slots(&db, 0, 10);
        assert_eq!((next, found.len()), (100, 0));
        let (next, found) = scan_slots(&db, 900, 10);
        assert_eq!((next, found), (0, vec![slots[999]]));
        assert_eq!(scan_slots(&db, u64::MAX, 10), (0, vec![]));
    }

    #[test]
    fn randomkey_finds_the_only_live_key_in_a_sparse_slab() {
        let mut db = Db::default();
        assert_eq!(random_live_slot(&db, 0, |_| 0), (None, vec![]));
        let slots: Vec<u32> = (0..5000).map(|i| put(&mut db, &format!("k{i}"))).collect();
        for &s in &slots[..4990] {
            db.remove_slot(s);
        }
        for &s in &slots[4990..4999] {
            db.set_expire(s, Some(10));
        }
        let mut x = 0u32;
        let (found, expired) = random_live_slot(&db, 100, |n| {
            x = x.wrapping_mul(1_103_515_245).wrapping_add(12_345);
            x % n
        });
        assert_eq!(found, Some(slots[4999]));
        assert!(expired.iter().all(|s| slots[4990..4999].contains(s)));
        db.remove_slot(slots[4999]);
        assert_eq!(
            random_live_slot(&db, 100, |_| 0).0,
            None,
            "only expired keys left"
        );
    }

    #[test]
    fn refcount_reports_shared_integers() {
        assert_eq!(refcount(&Value::string(b"0")), SHARED_REFCOUNT);
        assert_eq!(refcount(&Value::string(b"9999")), SHARED_REFCOUNT);
        assert_eq!(refcount(&Value::string(b"10000")), 1);
        assert_eq!(refcount(&Value::string(b"-1")), 1);
        assert_eq!(refcount(&Value::string(b"abc")), 1);
        assert_eq!(refcount(&Value::StrBuf(Box::new(b"5".to_vec()))), 1);
    }

    fn run(
        ks: &mut Keyspace,
        db: usize,
        now: u64,
        f: fn(&mut Ctx<'_>, &[Bytes]) -> Frame,
        w: &[&str],
    ) -> Frame {
        let mut ctx = Ctx::new(ks, db, now, Mode::Apply);
        f(&mut ctx, &argv(w))
    }

    #[test]
    fn rename_move_copy_carry_the_ttl() {
        let mut ks = Keyspace::new(4);
        let mut ctx = Ctx::new(&mut ks, 0, 1000, Mode::Apply);
        ctx.set(b"a", Value::string(b"1"), Ttl::At(50_000));
        drop(ctx);
        assert_eq!(
            run(&mut ks, 0, 1000, rename, &["rename", "a", "b"]),
            Frame::ok()
        );
        assert_eq!(
            run(&mut ks, 0, 1000, copy, &["copy", "b", "c", "db", "2"]),
            Frame::Integer(1)
        );
        assert_eq!(
            run(&mut ks, 0, 1000, move_, &["move", "b", "1"]),
            Frame::Integer(1)
        );
        for (db, key) in [(1, "b"), (2, "c")] {
            let slot = ks.db(db).find(key.as_bytes()).expect("present");
            assert_eq!(ks.db(db).expire_at(slot), Some(50_000));
        }
        assert!(ks.db(0).is_empty());
        // In apply, an expired source is deleted and treated as absent.
        assert_eq!(
            run(&mut ks, 1, 60_000, rename, &["rename", "b", "z"]),
            Frame::error(error::NO_SUCH_KEY)
        );
        assert!(ks.db(1).is_empty());
    }
}
