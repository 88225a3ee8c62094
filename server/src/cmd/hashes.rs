//! Hash commands: HSET HSETNX HMSET HGET HMGET HDEL HEXISTS HLEN HSTRLEN HKEYS HVALS HGETALL
//! HINCRBY HINCRBYFLOAT HRANDFIELD HSCAN.
//!
//! The representation (listpack or hashtable, converting at `hash-max-listpack-*`) is
//! [`crate::types::hash`]; here each command parses, executes on the [`Ctx`] and renders.

use bytes::Bytes;
use redraft_protocol::Frame;

use super::ctx::random_positions;
use super::flags::*;
use super::keys::parse_scan;
use super::parse::{is, parse_i64};
use super::{spec, CommandSpec, Ctx, Handler, KeySpec};
use crate::error;
use crate::ldouble::{LdError, LongDouble};
use crate::types::dense::scan_step;
use crate::types::hash::Hash;
use crate::value::Value;

/// HINCRBYFLOAT's reply to an infinite increment (an infinite result is `NAN_OR_INF`).
const INCR_NAN_OR_INF: &str = "ERR value is NaN or Infinity";

const READ_FAST: &[&str] = &["read", "hash", "fast"];
const READ_SLOW: &[&str] = &["read", "hash", "slow"];
const WRITE_FAST: &[&str] = &["write", "hash", "fast"];

const fn hash_spec(
    name: &'static str,
    arity: i32,
    flags: u32,
    acl: &'static [&'static str],
    handler: Handler,
    since: &'static str,
) -> CommandSpec {
    let mut s = spec(name, arity, flags, KeySpec::ONE, acl, handler);
    s.since = since;
    s.group = "hash";
    s
}

/// Hash commands.
pub const COMMANDS: &[CommandSpec] = &[
    hash_spec(
        "hset",
        -4,
        WRITE | DENYOOM | FAST,
        WRITE_FAST,
        Handler::Write(hset),
        "2.0.0",
    ),
    hash_spec(
        "hsetnx",
        4,
        WRITE | DENYOOM | FAST,
        WRITE_FAST,
        Handler::Write(hsetnx),
        "2.0.0",
    ),
    hash_spec(
        "hmset",
        -4,
        WRITE | DENYOOM | FAST,
        WRITE_FAST,
        Handler::Write(hmset),
        "2.0.0",
    ),
    hash_spec(
        "hget",
        3,
        READONLY | FAST,
        READ_FAST,
        Handler::Read(hget),
        "2.0.0",
    ),
    hash_spec(
        "hmget",
        -3,
        READONLY | FAST,
        READ_FAST,
        Handler::Read(hmget),
        "2.0.0",
    ),
    hash_spec(
        "hdel",
        -3,
        WRITE | FAST,
        WRITE_FAST,
        Handler::Write(hdel),
        "2.0.0",
    ),
    hash_spec(
        "hexists",
        3,
        READONLY | FAST,
        READ_FAST,
        Handler::Read(hexists),
        "2.0.0",
    ),
    hash_spec(
        "hlen",
        2,
        READONLY | FAST,
        READ_FAST,
        Handler::Read(hlen),
        "2.0.0",
    ),
    hash_spec(
        "hstrlen",
        3,
        READONLY | FAST,
        READ_FAST,
        Handler::Read(hstrlen),
        "3.2.0",
    ),
    hash_spec(
        "hkeys",
        2,
        READONLY,
        READ_SLOW,
        Handler::Read(hkeys),
        "2.0.0",
    ),
    hash_spec(
        "hvals",
        2,
        READONLY,
        READ_SLOW,
        Handler::Read(hvals),
        "2.0.0",
    ),
    hash_spec(
        "hgetall",
        2,
        READONLY,
        READ_SLOW,
        Handler::Read(hgetall),
        "2.0.0",
    ),
    hash_spec(
        "hincrby",
        4,
        WRITE | DENYOOM | FAST,
        WRITE_FAST,
        Handler::Write(hincrby),
        "2.0.0",
    ),
    hash_spec(
        "hincrbyfloat",
        4,
        WRITE | DENYOOM | FAST,
        WRITE_FAST,
        Handler::Write(hincrbyfloat),
        "2.6.0",
    ),
    hash_spec(
        "hrandfield",
        -2,
        READONLY,
        READ_SLOW,
        Handler::Read(hrandfield),
        "6.2.0",
    ),
    hash_spec(
        "hscan",
        -3,
        READONLY,
        READ_SLOW,
        Handler::Read(hscan),
        "2.8.0",
    ),
];

/// The hash under `key` for writing, created if absent.
fn hash_mut<'c>(ctx: &'c mut Ctx<'_>, key: &[u8]) -> Result<&'c mut Hash, Frame> {
    ctx.get_or_create(key, || Value::Hash(Box::default()), Value::as_hash_mut)
}

/// The hash under `key` for reading.
fn hash<'c>(ctx: &'c mut Ctx<'_>, key: &[u8]) -> Result<Option<&'c mut Hash>, Frame> {
    ctx.get_as(key, Value::as_hash_mut)
}

fn set_pairs(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> Result<i64, Frame> {
    if !argv.len().is_multiple_of(2) {
        return Err(Frame::error(error::wrong_arity(
            &String::from_utf8_lossy(&argv[0]).to_ascii_lowercase(),
        )));
    }
    let limits = ctx.limits;
    let h = hash_mut(ctx, &argv[1])?;
    Ok(argv[2..]
        .chunks(2)
        .filter(|pair| h.insert(&pair[0], &pair[1], &limits))
        .count() as i64)
}

fn hset(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> Frame {
    match set_pairs(ctx, argv) {
        Ok(n) => Frame::Integer(n),
        Err(e) => e,
    }
}

fn hmset(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> Frame {
    match set_pairs(ctx, argv) {
        Ok(_) => Frame::ok(),
        Err(e) => e,
    }
}

fn hsetnx(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> Frame {
    let limits = ctx.limits;
    match hash_mut(ctx, &argv[1]) {
        Ok(h) if h.get(&argv[2]).is_some() => Frame::Integer(0),
        Ok(h) => {
            h.insert(&argv[2], &argv[3], &limits);
            Frame::Integer(1)
        }
        Err(e) => e,
    }
}

fn hget(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> Frame {
    match hash(ctx, &argv[1]) {
        Ok(h) => match h.and_then(|h| h.get(&argv[2])) {
            Some(v) => Frame::bulk_from(v),
            None => Frame::Null,
        },
        Err(e) => e,
    }
}

fn hmget(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> Frame {
    match hash(ctx, &argv[1]) {
        Ok(h) => Frame::Array(
            argv[2..]
                .iter()
                .map(|f| match h.as_ref().and_then(|h| h.get(f)) {
                    Some(v) => Frame::bulk_from(v),
                    None => Frame::Null,
                })
                .collect(),
        ),
        Err(e) => e,
    }
}

fn hdel(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> Frame {
    let removed = match hash(ctx, &argv[1]) {
        Ok(Some(h)) => argv[2..].iter().filter(|f| h.remove(f)).count(),
        Ok(None) => 0,
        Err(e) => return e,
    };
    ctx.remove_if_empty(&argv[1]);
    Frame::Integer(removed as i64)
}

fn hexists(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> Frame {
    match hash(ctx, &argv[1]) {
        Ok(h) => Frame::Integer(h.is_some_and(|h| h.get(&argv[2]).is_some()) as i64),
        Err(e) => e,
    }
}

fn hlen(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> Frame {
    match hash(ctx, &argv[1]) {
        Ok(h) => Frame::Integer(h.map_or(0, |h| h.len()) as i64),
        Err(e) => e,
    }
}

fn hstrlen(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> Frame {
    match hash(ctx, &argv[1]) {
        Ok(h) => Frame::Integer(h.and_then(|h| h.get(&argv[2])).map_or(0, |v| v.len()) as i64),
        Err(e) => e,
    }
}

/// HKEYS, HVALS, HGETALL: the whole hash, as fields, values or a map.
fn dump(ctx: &mut Ctx<'_>, key: &[u8], fields: bool, values: bool) -> Frame {
    let h = match hash(ctx, key) {
        Ok(h) => h,
        Err(e) => return e,
    };
    let pairs = h.into_iter().flat_map(|h| h.iter());
    if fields && values {
        return Frame::Map(
            pairs
                .map(|(f, v)| (Frame::bulk_from(f), Frame::bulk_from(v)))
                .collect(),
        );
    }
    Frame::Array(
        pairs
            .map(|(f, v)| Frame::bulk_from(if fields { f } else { v }))
            .collect(),
    )
}

fn hkeys(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> Frame {
    dump(ctx, &argv[1], true, false)
}

fn hvals(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> Frame {
    dump(ctx, &argv[1], false, true)
}

fn hgetall(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> Frame {
    dump(ctx, &argv[1], true, true)
}

fn hincrby(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> Frame {
    let Some(incr) = parse_i64(&argv[3]) else {
        return Frame::error(error::NOT_INTEGER);
    };
    let limits = ctx.limits;
    let h = match hash_mut(ctx, &argv[1]) {
        Ok(h) => h,
        Err(e) => return e,
    };
    let current = match h.get(&argv[2]) {
        None => 0,
        Some(v) => match parse_i64(v) {
            Some(n) => n,
            None => return Frame::error(error::HASH_NOT_INTEGER),
        },
    };
    let Some(new) = current.checked_add(incr) else {
        return Frame::error(error::OVERFLOW);
    };
    h.insert(
        &argv[2],
        itoa::Buffer::new().format(new).as_bytes(),
        &limits,
    );
    Frame::Integer(new)
}

fn hincrbyfloat(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> Frame {
    let incr = match LongDouble::parse(&argv[3]) {
        Ok(v) => v,
        // Redis parses `inf` as a number, then refuses it with its own message.
        Err(LdError::Infinite) if is_infinity(&argv[3]) => return Frame::error(INCR_NAN_OR_INF),
        Err(_) => return Frame::error(error::NOT_FLOAT),
    };
    let limits = ctx.limits;
    let created;
    let reply = {
        let h = match hash_mut(ctx, &argv[1]) {
            Ok(h) => h,
            Err(e) => return e,
        };
        created = h.is_empty();
        let current = match h.get(&argv[2]).map(LongDouble::parse) {
            None => LongDouble::ZERO,
            Some(Ok(v)) => v,
            // A stored `inf` is a float to Redis; the sum is what it refuses.
            Some(Err(LdError::Infinite)) if h.get(&argv[2]).is_some_and(is_infinity) => {
                return Frame::error(error::NAN_OR_INF)
            }
            Some(Err(_)) => return Frame::error(error::HASH_NOT_FLOAT),
        };
        match current.checked_add(incr) {
            Ok(new) => {
                let text = new.to_human();
                h.insert(&argv[2], text.as_bytes(), &limits);
                Frame::Bulk(Bytes::from(text))
            }
            Err(LdError::Invalid | LdError::Infinite) => Frame::error(error::NAN_OR_INF),
        }
    };
    if created {
        ctx.remove_if_empty(&argv[1]);
    }
    reply
}

/// True for `inf`/`infinity` with an optional sign: Redis's `string2ld` takes these (and its
/// callers refuse them by name) but refuses an overflow like `1e5000`, which
/// [`LongDouble::parse`] also reports as infinite.
fn is_infinity(s: &[u8]) -> bool {
    let body = s
        .strip_prefix(b"-")
        .or_else(|| s.strip_prefix(b"+"))
        .unwrap_or(s);
    body.eq_ignore_ascii_case(b"inf") || body.eq_ignore_ascii_case(b"infinity")
}

/// HRANDFIELD's count: Redis refuses the one value whose negation overflows.
fn parse_count(arg: &[u8]) -> Result<i64, Frame> {
    match parse_i64(arg) {
        Some(i64::MIN) => Err(Frame::error(error::COUNT_OUT_OF_RANGE)),
        Some(n) => Ok(n),
        None => Err(Frame::error(error::NOT_INTEGER)),
    }
}

fn hrandfield(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> Frame {
    if argv.len() > 4 || (argv.len() == 4 && !is(&argv[3], "withvalues")) {
        return Frame::error(error::SYNTAX);
    }
    let count = match argv.get(2).map(|c| parse_count(c)) {
        None => None,
        Some(Ok(n)) => Some(n),
        Some(Err(e)) => return e,
    };
    let with_values = argv.len() == 4;
    // Draw from a copy of the generator while the hash is borrowed; stored back below.
    let mut seed = ctx.seed;
    let h = match hash(ctx, &argv[1]) {
        Ok(Some(h)) => h,
        Ok(None) if count.is_none() => return Frame::Null,
        Ok(None) => return Frame::Array(Vec::new()),
        Err(e) => return e,
    };
    let positions = random_positions(&mut seed, h.len(), count.unwrap_or(1));
    let picks: Vec<(Bytes, Bytes)> = match h {
        // One pass over a listpack rather than a scan per pick.
        Hash::Listpack(_) => {
            let all: Vec<(&[u8], &[u8])> = h.iter().collect();
            positions.iter().map(|&i| owned(all[i])).collect()
        }
        Hash::Table(_) => positions
            .iter()
            .map(|&i| owned(h.at(i).expect("position below len")))
            .collect(),
    };
    ctx.seed = seed;
    if count.is_none() {
        return Frame::Bulk(picks[0].0.clone());
    }
    if with_values {
        return Frame::Pairs(
            picks
                .into_iter()
                .map(|(f, v)| (Frame::Bulk(f), Frame::Bulk(v)))
                .collect(),
        );
    }
    Frame::Array(picks.into_iter().map(|(f, _)| Frame::Bulk(f)).collect())
}

fn owned((f, v): (&[u8], &[u8])) -> (Bytes, Bytes) {
    (Bytes::copy_from_slice(f), Bytes::copy_from_slice(v))
}

/// `[0, []]`: the page of a SCAN-family command over an absent key.
pub(crate) fn empty_scan() -> Frame {
    Frame::Array(vec![
        Frame::Bulk(Bytes::from_static(b"0")),
        Frame::Array(Vec::new()),
    ])
}

fn hscan(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> Frame {
    // Redis reads the cursor, then looks the key up, and only then reads the options: an
    // absent key gives an empty page whatever they say.
    if let Err(e) = parse_scan(&argv[1..3], false) {
        return e;
    }
    match hash(ctx, &argv[1]) {
        Ok(Some(_)) => {}
        Ok(None) => return empty_scan(),
        Err(e) => return e,
    }
    let o = match parse_scan(&argv[1..], false) {
        Ok(o) => o,
        Err(e) => return e,
    };
    let h = match hash(ctx, &argv[1]) {
        Ok(h) => h,
        Err(e) => return e,
    };
    let mut items = Vec::new();
    let mut next = 0;
    match h.as_deref() {
        None => {}
        Some(Hash::Listpack(_)) => {
            for (f, v) in h.iter().flat_map(|h| h.iter()) {
                if o.matches(f) {
                    items.push(Frame::bulk_from(f));
                    items.push(Frame::bulk_from(v));
                }
            }
        }
        Some(table @ Hash::Table(_)) => {
            let (cursor, range) = scan_step(table.len(), o.cursor, o.count);
            next = cursor;
            for i in range.rev() {
                let (f, v) = table.at(i).expect("position below len");
                if o.matches(f) {
                    items.push(Frame::bulk_from(f));
                    items.push(Frame::bulk_from(v));
                }
            }
        }
    }
    Frame::Array(vec![
        Frame::bulk_from(itoa::Buffer::new().format(next).as_bytes()),
        Frame::Array(items),
    ])
}
