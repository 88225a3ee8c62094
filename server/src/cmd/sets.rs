//! Set commands: SADD SREM SMEMBERS SISMEMBER SMISMEMBER SCARD SPOP SRANDMEMBER SMOVE SINTER
//! SINTERCARD SINTERSTORE SUNION SUNIONSTORE SDIFF SDIFFSTORE SSCAN.
//!
//! SPOP is a write: it draws from [`Ctx::random`], which apply seeds from the log position, and
//! picks by position in the set's deterministic order (`crate::types::dense`), so every
//! replica pops the same members.

use bytes::Bytes;
use redraft_protocol::Frame;

use super::ctx::{next_random, random_positions};
use super::flags::*;
use super::keys::parse_scan;
use super::parse::{is, parse_i64};
use super::{spec, CommandSpec, Ctx, Handler, KeySpec};
use crate::error;
use crate::types::dense::scan_step;
use crate::types::set::Set;
use crate::types::Limits;
use crate::value::Value;

const READ_FAST: &[&str] = &["read", "set", "fast"];
const READ_SLOW: &[&str] = &["read", "set", "slow"];
const WRITE_FAST: &[&str] = &["write", "set", "fast"];
const WRITE_SLOW: &[&str] = &["write", "set", "slow"];

const fn set_spec(
    name: &'static str,
    arity: i32,
    flags: u32,
    keys: KeySpec,
    acl: &'static [&'static str],
    handler: Handler,
    since: &'static str,
) -> CommandSpec {
    let mut s = spec(name, arity, flags, keys, acl, handler);
    s.since = since;
    s.group = "set";
    s
}

fn sintercard_keys(argv: &[Bytes]) -> Vec<usize> {
    super::lists::numkeys_at(argv, 1)
}

/// Set commands.
pub const COMMANDS: &[CommandSpec] = &[
    set_spec(
        "sadd",
        -3,
        WRITE | DENYOOM | FAST,
        KeySpec::ONE,
        WRITE_FAST,
        Handler::Write(sadd),
        "1.0.0",
    ),
    set_spec(
        "srem",
        -3,
        WRITE | FAST,
        KeySpec::ONE,
        WRITE_FAST,
        Handler::Write(srem),
        "1.0.0",
    ),
    set_spec(
        "smembers",
        2,
        READONLY,
        KeySpec::ONE,
        READ_SLOW,
        Handler::Read(smembers),
        "1.0.0",
    ),
    set_spec(
        "sismember",
        3,
        READONLY | FAST,
        KeySpec::ONE,
        READ_FAST,
        Handler::Read(sismember),
        "1.0.0",
    ),
    set_spec(
        "smismember",
        -3,
        READONLY | FAST,
        KeySpec::ONE,
        READ_FAST,
        Handler::Read(smismember),
        "6.2.0",
    ),
    set_spec(
        "scard",
        2,
        READONLY | FAST,
        KeySpec::ONE,
        READ_FAST,
        Handler::Read(scard),
        "1.0.0",
    ),
    set_spec(
        "spop",
        -2,
        WRITE | FAST,
        KeySpec::ONE,
        WRITE_FAST,
        Handler::Write(spop),
        "1.0.0",
    ),
    set_spec(
        "srandmember",
        -2,
        READONLY,
        KeySpec::ONE,
        READ_SLOW,
        Handler::Read(srandmember),
        "1.0.0",
    ),
    set_spec(
        "smove",
        4,
        WRITE | FAST,
        KeySpec::TWO,
        WRITE_FAST,
        Handler::Write(smove),
        "1.0.0",
    ),
    set_spec(
        "sinter",
        -2,
        READONLY,
        KeySpec::ALL,
        READ_SLOW,
        Handler::Read(sinter),
        "1.0.0",
    ),
    {
        let mut s = set_spec(
            "sintercard",
            -3,
            READONLY | MOVABLEKEYS,
            KeySpec::NONE,
            READ_SLOW,
            Handler::Read(sintercard),
            "7.0.0",
        );
        s.keys_fn = Some(sintercard_keys);
        s
    },
    set_spec(
        "sinterstore",
        -3,
        WRITE | DENYOOM,
        KeySpec::ALL,
        WRITE_SLOW,
        Handler::Write(sinterstore),
        "1.0.0",
    ),
    set_spec(
        "sunion",
        -2,
        READONLY,
        KeySpec::ALL,
        READ_SLOW,
        Handler::Read(sunion),
        "1.0.0",
    ),
    set_spec(
        "sunionstore",
        -3,
        WRITE | DENYOOM,
        KeySpec::ALL,
        WRITE_SLOW,
        Handler::Write(sunionstore),
        "1.0.0",
    ),
    set_spec(
        "sdiff",
        -2,
        READONLY,
        KeySpec::ALL,
        READ_SLOW,
        Handler::Read(sdiff),
        "1.0.0",
    ),
    set_spec(
        "sdiffstore",
        -3,
        WRITE | DENYOOM,
        KeySpec::ALL,
        WRITE_SLOW,
        Handler::Write(sdiffstore),
        "1.0.0",
    ),
    set_spec(
        "sscan",
        -3,
        READONLY,
        KeySpec::ONE,
        READ_SLOW,
        Handler::Read(sscan),
        "2.8.0",
    ),
];

fn set<'c>(ctx: &'c mut Ctx<'_>, key: &[u8]) -> Result<Option<&'c mut Set>, Frame> {
    ctx.get_as(key, Value::as_set_mut)
}

fn sadd(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> Frame {
    let limits = ctx.limits;
    match ctx.get_or_create(&argv[1], || Value::Set(Box::default()), Value::as_set_mut) {
        Ok(s) => Frame::Integer(argv[2..].iter().filter(|m| s.insert(m, &limits)).count() as i64),
        Err(e) => e,
    }
}

fn srem(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> Frame {
    let removed = match set(ctx, &argv[1]) {
        Ok(Some(s)) => argv[2..].iter().filter(|m| s.remove(m)).count(),
        Ok(None) => 0,
        Err(e) => return e,
    };
    ctx.remove_if_empty(&argv[1]);
    Frame::Integer(removed as i64)
}

fn members_frame(s: &Set) -> Frame {
    Frame::Set(s.iter().map(|m| Frame::Bulk(m.to_bytes())).collect())
}

fn smembers(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> Frame {
    match set(ctx, &argv[1]) {
        Ok(Some(s)) => members_frame(s),
        Ok(None) => Frame::Set(Vec::new()),
        Err(e) => e,
    }
}

fn sismember(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> Frame {
    match set(ctx, &argv[1]) {
        Ok(s) => Frame::Integer(s.is_some_and(|s| s.contains(&argv[2])) as i64),
        Err(e) => e,
    }
}

fn smismember(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> Frame {
    match set(ctx, &argv[1]) {
        Ok(s) => Frame::Array(
            argv[2..]
                .iter()
                .map(|m| Frame::Integer(s.as_ref().is_some_and(|s| s.contains(m)) as i64))
                .collect(),
        ),
        Err(e) => e,
    }
}

fn scard(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> Frame {
    match set(ctx, &argv[1]) {
        Ok(s) => Frame::Integer(s.map_or(0, |s| s.len()) as i64),
        Err(e) => e,
    }
}

fn spop(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> Frame {
    if argv.len() > 3 {
        return Frame::error(error::SYNTAX);
    }
    let count = match argv.get(2).map(|c| parse_i64(c)) {
        None => None,
        Some(Some(n)) if n >= 0 => Some(n as usize),
        Some(_) => return Frame::error(error::MUST_BE_POSITIVE),
    };
    // Draw from a copy of the generator while the set is borrowed; stored back below.
    let mut seed = ctx.seed;
    let s = match set(ctx, &argv[1]) {
        Ok(Some(s)) => s,
        Ok(None) if count.is_some() => return Frame::Set(Vec::new()),
        Ok(None) => return Frame::Null,
        Err(e) => return e,
    };
    let len = s.len();
    let want = count.unwrap_or(1).min(len);
    // Each draw is below the size the set has at that moment.
    let popped: Vec<Bytes> = (0..want)
        .map(|i| s.remove_at((next_random(&mut seed) % (len - i) as u64) as usize))
        .collect();
    ctx.seed = seed;
    ctx.remove_if_empty(&argv[1]);
    match count {
        None => Frame::Bulk(
            popped
                .into_iter()
                .next()
                .expect("a non-empty set gives one"),
        ),
        Some(_) => Frame::Set(popped.into_iter().map(Frame::Bulk).collect()),
    }
}

fn srandmember(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> Frame {
    if argv.len() > 3 {
        return Frame::error(error::SYNTAX);
    }
    let count = match argv.get(2).map(|c| parse_i64(c)) {
        None => None,
        Some(Some(i64::MIN)) => return Frame::error(error::COUNT_OUT_OF_RANGE),
        Some(Some(n)) => Some(n),
        Some(None) => return Frame::error(error::NOT_INTEGER),
    };
    let mut seed = ctx.seed;
    let s = match set(ctx, &argv[1]) {
        Ok(Some(s)) => s,
        Ok(None) if count.is_some() => return Frame::Array(Vec::new()),
        Ok(None) => return Frame::Null,
        Err(e) => return e,
    };
    let picks: Vec<Frame> = random_positions(&mut seed, s.len(), count.unwrap_or(1))
        .into_iter()
        .map(|i| Frame::Bulk(s.at(i).expect("position below len").to_bytes()))
        .collect();
    ctx.seed = seed;
    match count {
        None => picks.into_iter().next().unwrap_or(Frame::Null),
        Some(_) => Frame::Array(picks),
    }
}

fn smove(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> Frame {
    let (src, dst, member) = (&argv[1], &argv[2], &argv[3]);
    // An absent source answers 0 before the destination's type is looked at.
    let present = match set(ctx, src) {
        Ok(Some(s)) => s.contains(member),
        Ok(None) => return Frame::Integer(0),
        Err(e) => return e,
    };
    if let Err(e) = set(ctx, dst) {
        return e;
    }
    if !present {
        return Frame::Integer(0);
    }
    if src == dst {
        return Frame::Integer(1);
    }
    if let Ok(Some(s)) = set(ctx, src) {
        s.remove(member);
    }
    ctx.remove_if_empty(src);
    let limits = ctx.limits;
    match ctx.get_or_create(dst, || Value::Set(Box::default()), Value::as_set_mut) {
        Ok(d) => {
            d.insert(member, &limits);
            Frame::Integer(1)
        }
        Err(e) => e,
    }
}

/// The sets under `keys` (absent keys as `None`), checking every key's type first as Redis
/// does.
fn load_sets<'c>(ctx: &'c mut Ctx<'_>, keys: &[Bytes]) -> Result<Vec<Option<&'c Set>>, Frame> {
    // First every lookup as a command makes it (type check, expiry, hit counts), then shared
    // borrows of the sets themselves: nothing is copied.
    for key in keys {
        set(ctx, key)?;
    }
    let now = ctx.now_ms;
    let db = ctx.ks.db(ctx.db);
    Ok(keys
        .iter()
        .map(|key| {
            db.find(key)
                .filter(|&slot| !db.is_expired(slot, now))
                .and_then(|slot| db.entry(slot).value.as_set())
        })
        .collect())
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum SetOp {
    Inter,
    Union,
    Diff,
}

/// Computes the set operation into a new set built the way SADD builds one (so the encoding
/// matches Redis's: intset while the members allow it).
fn compute(sets: &[Option<&Set>], op: SetOp, limits: &Limits) -> Set {
    let mut out = Set::default();
    match op {
        SetOp::Inter => {
            if sets.iter().any(Option::is_none) {
                return out;
            }
            let mut refs: Vec<&Set> = sets.iter().flatten().copied().collect();
            refs.sort_by_key(|s| s.len());
            let (first, rest) = refs.split_first().expect("at least one key");
            for m in first.iter() {
                m.with_bytes(|b| {
                    if rest.iter().all(|s| s.contains(b)) {
                        out.insert(b, limits);
                    }
                });
            }
        }
        SetOp::Union => {
            for s in sets.iter().flatten() {
                for m in s.iter() {
                    m.with_bytes(|b| out.insert(b, limits));
                }
            }
        }
        SetOp::Diff => {
            if let Some(Some(first)) = sets.first() {
                for m in first.iter() {
                    m.with_bytes(|b| {
                        if !sets[1..].iter().flatten().any(|s| s.contains(b)) {
                            out.insert(b, limits);
                        }
                    });
                }
            }
        }
    }
    out
}

fn set_op(ctx: &mut Ctx<'_>, argv: &[Bytes], op: SetOp) -> Frame {
    let limits = ctx.limits;
    match load_sets(ctx, &argv[1..]) {
        Ok(sets) => members_frame(&compute(&sets, op, &limits)),
        Err(e) => e,
    }
}

fn set_op_store(ctx: &mut Ctx<'_>, argv: &[Bytes], op: SetOp) -> Frame {
    let limits = ctx.limits;
    let sets = match load_sets(ctx, &argv[2..]) {
        Ok(sets) => sets,
        Err(e) => return e,
    };
    let result = compute(&sets, op, &limits);
    let n = result.len();
    ctx.delete(&argv[1]);
    if n > 0 {
        ctx.set(
            &argv[1],
            Value::Set(Box::new(result)),
            super::ctx::Ttl::Clear,
        );
    }
    Frame::Integer(n as i64)
}

fn sinter(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> Frame {
    set_op(ctx, argv, SetOp::Inter)
}

fn sunion(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> Frame {
    set_op(ctx, argv, SetOp::Union)
}

fn sdiff(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> Frame {
    set_op(ctx, argv, SetOp::Diff)
}

fn sinterstore(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> Frame {
    set_op_store(ctx, argv, SetOp::Inter)
}

fn sunionstore(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> Frame {
    set_op_store(ctx, argv, SetOp::Union)
}

fn sdiffstore(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> Frame {
    set_op_store(ctx, argv, SetOp::Diff)
}

/// Parses `numkeys key… [LIMIT n]` (SINTERCARD, ZINTERCARD) from `args`.
pub(crate) fn parse_intercard(args: &[Bytes]) -> Result<(Vec<Bytes>, usize), Frame> {
    // One message for "not a number" and "not positive", as SINTERCARD words it.
    let numkeys = match parse_i64(&args[0]) {
        Some(n) if n > 0 => n as usize,
        _ => return Err(Frame::error(error::NUMKEYS_NOT_POSITIVE)),
    };
    if numkeys > args.len() - 1 {
        return Err(Frame::error(error::NUMKEYS_MORE_THAN_ARGS));
    }
    let keys = args[1..=numkeys].to_vec();
    let mut limit = 0usize;
    let mut rest = &args[numkeys + 1..];
    while let Some(word) = rest.first() {
        if is(word, "limit") && rest.len() >= 2 {
            limit = match parse_i64(&rest[1]) {
                Some(n) if n >= 0 => n as usize,
                _ => return Err(Frame::error(error::INTERCARD_LIMIT_NEGATIVE)),
            };
            rest = &rest[2..];
        } else {
            return Err(Frame::error(error::SYNTAX));
        }
    }
    Ok((keys, limit))
}

fn sintercard(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> Frame {
    let (keys, limit) = match parse_intercard(&argv[1..]) {
        Ok(v) => v,
        Err(e) => return e,
    };
    let sets = match load_sets(ctx, &keys) {
        Ok(sets) => sets,
        Err(e) => return e,
    };
    if sets.iter().any(Option::is_none) {
        return Frame::Integer(0);
    }
    let mut refs: Vec<&Set> = sets.iter().flatten().copied().collect();
    refs.sort_by_key(|s| s.len());
    let (first, rest) = refs.split_first().expect("numkeys > 0");
    let mut n = 0usize;
    for m in first.iter() {
        if m.with_bytes(|b| rest.iter().all(|s| s.contains(b))) {
            n += 1;
            if limit > 0 && n >= limit {
                break;
            }
        }
    }
    Frame::Integer(n as i64)
}

fn sscan(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> Frame {
    // Cursor, then key, then options, as in HSCAN.
    if let Err(e) = parse_scan(&argv[1..3], false) {
        return e;
    }
    match set(ctx, &argv[1]) {
        Ok(Some(_)) => {}
        Ok(None) => return super::hashes::empty_scan(),
        Err(e) => return e,
    }
    let o = match parse_scan(&argv[1..], false) {
        Ok(o) => o,
        Err(e) => return e,
    };
    let mut items = Vec::new();
    let mut next = 0;
    match set(ctx, &argv[1]) {
        Err(e) => return e,
        Ok(None) => {}
        Ok(Some(s @ Set::Intset(_))) => {
            for m in s.iter() {
                let b = m.to_bytes();
                if o.matches(&b) {
                    items.push(Frame::Bulk(b));
                }
            }
        }
        Ok(Some(s)) => {
            let (cursor, range) = scan_step(s.len(), o.cursor, o.count);
            next = cursor;
            for i in range.rev() {
                let b = s.at(i).expect("position below len").to_bytes();
                if o.matches(&b) {
                    items.push(Frame::Bulk(b));
                }
            }
        }
    }
    Frame::Array(vec![
        Frame::bulk_from(itoa::Buffer::new().format(next).as_bytes()),
        Frame::Array(items),
    ])
}
