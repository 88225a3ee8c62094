//! Sorted-set commands: ZADD ZINCRBY ZREM ZCARD ZCOUNT ZLEXCOUNT ZSCORE ZMSCORE ZRANK ZREVRANK
//! ZRANGE ZRANGESTORE ZRANGEBYSCORE ZRANGEBYLEX ZREVRANGE ZREVRANGEBYSCORE ZREVRANGEBYLEX
//! ZREMRANGEBYRANK ZREMRANGEBYSCORE ZREMRANGEBYLEX ZPOPMIN ZPOPMAX ZMPOP ZRANDMEMBER ZUNION ZINTER
//! ZDIFF ZUNIONSTORE ZINTERSTORE ZDIFFSTORE ZINTERCARD ZSCAN, and the blocking BZPOPMIN BZPOPMAX
//! BZMPOP.
//!
//! Each command parses its arguments into a typed value (in Redis's order, so the same error
//! wins when several apply), executes on [`ZSet`], and renders. Scores reply as
//! [`Frame::Double`] (`%.17g`, RESP3 doubles); WITHSCORES replies are [`Frame::Pairs`]. A key
//! whose set becomes empty is deleted. Blocking commands return [`Ctx::block`] when every key
//! is empty.

use bytes::Bytes;
use redraft_protocol::Frame;

use super::ctx::Ttl;
use super::flags::*;
use super::keys::parse_scan;
use super::lists::{block_on, numkeys_at, parse_timeout};
use super::parse::{is, parse_f64, parse_i64};
use super::{spec, CommandSpec, Ctx, Handler, KeySpec, KeysFn};
use crate::error;
use crate::types::dense::scan_step;
use crate::types::set::Set;
use crate::types::zset::{AddFlags, AddOutcome, LexBound, LexRange, ScoreRange, ZSet};
use crate::value::Value;

const ACL: &[&str] = &["sortedset"];

const fn zspec(
    name: &'static str,
    arity: i32,
    flags: u32,
    keys: KeySpec,
    handler: Handler,
    since: &'static str,
    summary: &'static str,
) -> CommandSpec {
    let mut s = spec(name, arity, flags, keys, ACL, handler);
    s.since = since;
    s.summary = summary;
    s.group = "sorted-set";
    s
}

const fn movable(mut s: CommandSpec, f: KeysFn) -> CommandSpec {
    s.keys_fn = Some(f);
    s.flags |= MOVABLEKEYS;
    s
}

/// BZPOPMIN/BZPOPMAX: every argument but the last (the timeout).
const ALL_BUT_LAST: KeySpec = KeySpec {
    first: 1,
    last: -2,
    step: 1,
};

/// ZUNION, ZINTER, ZDIFF, ZINTERCARD, ZMPOP: `numkeys` at 1.
fn keys_numkeys_at_1(argv: &[Bytes]) -> Vec<usize> {
    numkeys_at(argv, 1)
}

/// BZMPOP: `numkeys` at 2.
fn keys_numkeys_at_2(argv: &[Bytes]) -> Vec<usize> {
    numkeys_at(argv, 2)
}

/// ZUNIONSTORE, ZINTERSTORE, ZDIFFSTORE: the destination, then `numkeys` at 2 (nothing at all
/// when `numkeys` is invalid, as Redis's GETKEYS answers).
fn keys_store(argv: &[Bytes]) -> Vec<usize> {
    let sources = numkeys_at(argv, 2);
    if sources.is_empty() {
        return sources;
    }
    std::iter::once(1).chain(sources).collect()
}

/// Sorted-set commands.
pub const COMMANDS: &[CommandSpec] = &[
    zspec("zadd", -4, WRITE | DENYOOM | FAST, KeySpec::ONE, Handler::Write(zadd), "1.2.0",
        "Add one or more members to a sorted set, or update its score if it already exists"),
    zspec("zincrby", 4, WRITE | DENYOOM | FAST, KeySpec::ONE, Handler::Write(zincrby), "1.2.0",
        "Increment the score of a member in a sorted set"),
    zspec("zrem", -3, WRITE | FAST, KeySpec::ONE, Handler::Write(zrem), "1.2.0",
        "Remove one or more members from a sorted set"),
    zspec("zcard", 2, READONLY | FAST, KeySpec::ONE, Handler::Read(zcard), "1.2.0",
        "Get the number of members in a sorted set"),
    zspec("zcount", 4, READONLY | FAST, KeySpec::ONE, Handler::Read(zcount), "2.0.0",
        "Count the members in a sorted set with scores within the given values"),
    zspec("zlexcount", 4, READONLY | FAST, KeySpec::ONE, Handler::Read(zlexcount), "2.8.9",
        "Count the number of members in a sorted set between a given lexicographical range"),
    zspec("zscore", 3, READONLY | FAST, KeySpec::ONE, Handler::Read(zscore), "1.2.0",
        "Get the score associated with the given member in a sorted set"),
    zspec("zmscore", -3, READONLY | FAST, KeySpec::ONE, Handler::Read(zmscore), "6.2.0",
        "Get the score associated with the given members in a sorted set"),
    zspec("zrank", 3, READONLY | FAST, KeySpec::ONE, Handler::Read(zrank), "2.0.0",
        "Determine the index of a member in a sorted set"),
    zspec("zrevrank", 3, READONLY | FAST, KeySpec::ONE, Handler::Read(zrevrank), "2.0.0",
        "Determine the index of a member in a sorted set, with scores ordered from high to low"),
    zspec("zrange", -4, READONLY, KeySpec::ONE, Handler::Read(zrange), "1.2.0",
        "Return a range of members in a sorted set"),
    zspec("zrangestore", -5, WRITE | DENYOOM, KeySpec::TWO, Handler::Write(zrangestore), "6.2.0",
        "Store a range of members from sorted set into another key"),
    zspec("zrangebyscore", -4, READONLY, KeySpec::ONE, Handler::Read(zrangebyscore), "1.0.5",
        "Return a range of members in a sorted set, by score"),
    zspec("zrangebylex", -4, READONLY, KeySpec::ONE, Handler::Read(zrangebylex), "2.8.9",
        "Return a range of members in a sorted set, by lexicographical range"),
    zspec("zrevrange", -4, READONLY, KeySpec::ONE, Handler::Read(zrevrange), "1.2.0",
        "Return a range of members in a sorted set, by index, with scores ordered from high to low"),
    zspec("zrevrangebyscore", -4, READONLY, KeySpec::ONE, Handler::Read(zrevrangebyscore), "2.2.0",
        "Return a range of members in a sorted set, by score, with scores ordered from high to low"),
    zspec("zrevrangebylex", -4, READONLY, KeySpec::ONE, Handler::Read(zrevrangebylex), "2.8.9",
        "Return a range of members in a sorted set, by lexicographical range, ordered from higher to lower strings."),
    zspec("zremrangebyrank", 4, WRITE, KeySpec::ONE, Handler::Write(zremrangebyrank), "2.0.0",
        "Remove all members in a sorted set within the given indexes"),
    zspec("zremrangebyscore", 4, WRITE, KeySpec::ONE, Handler::Write(zremrangebyscore), "1.2.0",
        "Remove all members in a sorted set within the given scores"),
    zspec("zremrangebylex", 4, WRITE, KeySpec::ONE, Handler::Write(zremrangebylex), "2.8.9",
        "Remove all members in a sorted set between the given lexicographical range"),
    zspec("zpopmin", -2, WRITE | FAST, KeySpec::ONE, Handler::Write(zpopmin), "5.0.0",
        "Remove and return members with the lowest scores in a sorted set"),
    zspec("zpopmax", -2, WRITE | FAST, KeySpec::ONE, Handler::Write(zpopmax), "5.0.0",
        "Remove and return members with the highest scores in a sorted set"),
    movable(zspec("zmpop", -4, WRITE, KeySpec::NONE, Handler::Write(zmpop), "7.0.0",
        "Remove and return members with scores in a sorted set"), keys_numkeys_at_1),
    zspec("zrandmember", -2, READONLY, KeySpec::ONE, Handler::Read(zrandmember), "6.2.0",
        "Get one or multiple random elements from a sorted set"),
    movable(zspec("zunion", -3, READONLY, KeySpec::NONE, Handler::Read(zunion), "6.2.0",
        "Add multiple sorted sets"), keys_numkeys_at_1),
    movable(zspec("zinter", -3, READONLY, KeySpec::NONE, Handler::Read(zinter), "6.2.0",
        "Intersect multiple sorted sets"), keys_numkeys_at_1),
    movable(zspec("zdiff", -3, READONLY, KeySpec::NONE, Handler::Read(zdiff), "6.2.0",
        "Subtract multiple sorted sets"), keys_numkeys_at_1),
    movable(zspec("zunionstore", -4, WRITE | DENYOOM, KeySpec::ONE, Handler::Write(zunionstore), "2.0.0",
        "Add multiple sorted sets and store the resulting sorted set in a new key"), keys_store),
    movable(zspec("zinterstore", -4, WRITE | DENYOOM, KeySpec::ONE, Handler::Write(zinterstore), "2.0.0",
        "Intersect multiple sorted sets and store the resulting sorted set in a new key"), keys_store),
    movable(zspec("zdiffstore", -4, WRITE | DENYOOM, KeySpec::ONE, Handler::Write(zdiffstore), "6.2.0",
        "Subtract multiple sorted sets and store the resulting sorted set in a new key"), keys_store),
    movable(zspec("zintercard", -3, READONLY, KeySpec::NONE, Handler::Read(zintercard), "7.0.0",
        "Intersect multiple sorted sets and return the cardinality of the result"), keys_numkeys_at_1),
    zspec("zscan", -3, READONLY, KeySpec::ONE, Handler::Read(zscan), "2.8.0",
        "Incrementally iterate sorted sets elements and associated scores"),
    zspec("bzpopmin", -3, WRITE | NOSCRIPT | BLOCKING | FAST, ALL_BUT_LAST, Handler::Write(bzpopmin), "5.0.0",
        "Remove and return the member with the lowest score from one or more sorted sets, or block until one is available"),
    zspec("bzpopmax", -3, WRITE | NOSCRIPT | BLOCKING | FAST, ALL_BUT_LAST, Handler::Write(bzpopmax), "5.0.0",
        "Remove and return the member with the highest score from one or more sorted sets, or block until one is available"),
    movable(zspec("bzmpop", -5, WRITE | BLOCKING, KeySpec::NONE, Handler::Write(bzmpop), "7.0.0",
        "Remove and return members with scores in a sorted set or block until one is available"), keys_numkeys_at_2),
];

// ---------------------------------------------------------------------------------------------
// Argument parsing
// ---------------------------------------------------------------------------------------------

/// C's `isspace`.
fn is_c_space(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\n' | 0x0b | 0x0c | b'\r')
}

/// True if the digits of a float's mantissa (before any exponent) include a non-zero one.
fn has_nonzero_mantissa(s: &[u8]) -> bool {
    let lower = s.to_ascii_lowercase();
    let body = lower
        .strip_prefix(b"-")
        .or_else(|| lower.strip_prefix(b"+"));
    let body = body.unwrap_or(&lower);
    let (digits, stop) = match body.strip_prefix(b"0x") {
        Some(hex) => (hex, b'p'),
        None => (body, b'e'),
    };
    digits
        .iter()
        .take_while(|&&c| c != stop)
        .any(|&c| c.is_ascii_hexdigit() && c != b'0')
}

/// A score or increment (ZADD, ZINCRBY, WEIGHTS) the way Redis's `getDoubleFromObject` takes
/// it: the whole string is a number for `strtod`, no leading space, not NaN, and no overflow to
/// infinity or underflow to zero (`1e400`, `1e-400` are refused; `inf` is fine).
fn parse_score(s: &[u8]) -> Option<f64> {
    if s.first().is_some_and(|&c| is_c_space(c)) {
        return None;
    }
    let v = parse_f64(s)?;
    let lower = s.to_ascii_lowercase();
    let body = lower
        .strip_prefix(b"-")
        .or_else(|| lower.strip_prefix(b"+"))
        .unwrap_or(&lower);
    let inf_literal = body == b"inf" || body == b"infinity";
    if (v.is_infinite() && !inf_literal) || (v == 0.0 && has_nonzero_mantissa(s)) {
        return None;
    }
    Some(v)
}

/// One end of a score range as Redis's `zslParseRange` reads it: `(` for exclusive, then
/// `strtod` over the rest as a C string (up to a NUL), which skips leading spaces, takes `""`
/// as 0 and lets overflow become infinity; NaN is refused.
fn parse_score_bound(s: &[u8]) -> Option<(f64, bool)> {
    let s = &s[..s.iter().position(|&c| c == 0).unwrap_or(s.len())];
    let (body, exclusive) = match s.strip_prefix(b"(") {
        Some(rest) => (rest, true),
        None => (s, false),
    };
    if body.is_empty() {
        return Some((0.0, exclusive));
    }
    let start = body.iter().position(|&c| !is_c_space(c))?;
    parse_f64(&body[start..]).map(|v| (v, exclusive))
}

fn parse_score_range(min: &[u8], max: &[u8]) -> Result<ScoreRange, Frame> {
    match (parse_score_bound(min), parse_score_bound(max)) {
        (Some((min, minex)), Some((max, maxex))) => Ok(ScoreRange {
            min,
            max,
            minex,
            maxex,
        }),
        _ => Err(Frame::error(error::ZRANGE_NOT_FLOAT)),
    }
}

/// One end of a lex range: `-`, `+` (a C string: what follows a NUL is ignored), `[m`, `(m`.
fn parse_lex_bound(s: &Bytes) -> Option<LexBound> {
    let alone = s.len() == 1 || s.get(1) == Some(&0);
    match s.first()? {
        b'-' if alone => Some(LexBound::Min),
        b'+' if alone => Some(LexBound::Max),
        b'[' => Some(LexBound::Incl(s.slice(1..))),
        b'(' => Some(LexBound::Excl(s.slice(1..))),
        _ => None,
    }
}

fn parse_lex_range(min: &Bytes, max: &Bytes) -> Result<LexRange, Frame> {
    match (parse_lex_bound(min), parse_lex_bound(max)) {
        (Some(min), Some(max)) => Ok(LexRange { min, max }),
        _ => Err(Frame::error(error::ZRANGE_NOT_LEX)),
    }
}

fn int_arg(s: &[u8]) -> Result<i64, Frame> {
    parse_i64(s).ok_or_else(|| Frame::error(error::NOT_INTEGER))
}

// ---------------------------------------------------------------------------------------------
// Shared helpers
// ---------------------------------------------------------------------------------------------

fn zset<'c>(ctx: &'c mut Ctx<'_>, key: &[u8]) -> Result<Option<&'c mut ZSet>, Frame> {
    ctx.get_as(key, Value::as_zset_mut)
}

fn new_zset() -> Value {
    Value::ZSet(Box::default())
}

fn bulk(b: &[u8]) -> Frame {
    Frame::bulk_from(b)
}

/// Members alone, or with their scores (WITHSCORES: pairs, nested in RESP3).
fn render(items: Vec<(Bytes, f64)>, withscores: bool) -> Frame {
    if withscores {
        Frame::Pairs(
            items
                .into_iter()
                .map(|(m, s)| (Frame::Bulk(m), Frame::Double(s)))
                .collect(),
        )
    } else {
        Frame::Array(items.into_iter().map(|(m, _)| Frame::Bulk(m)).collect())
    }
}

fn owned<'a>(it: impl Iterator<Item = (&'a [u8], f64)>) -> Vec<(Bytes, f64)> {
    it.map(|(m, s)| (Bytes::copy_from_slice(m), s)).collect()
}

/// Replaces `dst` with the sorted set of `items` (sorted, distinct), or deletes it when there
/// are none; the reply is the count (store commands).
fn store(ctx: &mut Ctx<'_>, dst: &[u8], items: &[(Bytes, f64)]) -> Frame {
    if items.is_empty() {
        ctx.delete(dst);
        return Frame::Integer(0);
    }
    let limits = ctx.limits;
    let z = ZSet::from_sorted(items, &limits);
    ctx.set(dst, Value::ZSet(Box::new(z)), Ttl::Clear);
    Frame::Integer(items.len() as i64)
}

/// Normalizes a ZRANGE/ZREMRANGEBYRANK rank pair to the ascending ranks it covers.
fn rank_range(start: i64, end: i64, len: usize) -> std::ops::Range<usize> {
    let len = len as i64;
    let (mut start, mut end) = (start, end);
    if start < 0 {
        start += len;
    }
    if end < 0 {
        end += len;
    }
    start = start.max(0);
    if start > end || start >= len {
        return 0..0;
    }
    end = end.min(len - 1);
    start as usize..end as usize + 1
}

// ---------------------------------------------------------------------------------------------
// ZADD ZINCRBY ZREM
// ---------------------------------------------------------------------------------------------

/// ZADD's parsed arguments.
#[derive(Debug, PartialEq)]
struct Zadd {
    flags: AddFlags,
    ch: bool,
    pairs: Vec<(f64, Bytes)>,
}

fn parse_zadd(argv: &[Bytes]) -> Result<Zadd, Frame> {
    let mut flags = AddFlags::default();
    let mut ch = false;
    let mut i = 2;
    while let Some(word) = argv.get(i) {
        let w = word.to_ascii_lowercase();
        match w.as_slice() {
            b"nx" => flags.nx = true,
            b"xx" => flags.xx = true,
            b"gt" => flags.gt = true,
            b"lt" => flags.lt = true,
            b"ch" => ch = true,
            b"incr" => flags.incr = true,
            _ => break,
        }
        i += 1;
    }
    let elements = argv.len() - i;
    if elements == 0 || !elements.is_multiple_of(2) {
        return Err(Frame::error(error::SYNTAX));
    }
    if flags.nx && flags.xx {
        return Err(Frame::error(error::ZADD_NX_XX));
    }
    if u8::from(flags.gt) + u8::from(flags.lt) + u8::from(flags.nx) > 1 {
        return Err(Frame::error(error::ZADD_GT_LT_NX));
    }
    if flags.incr && elements > 2 {
        return Err(Frame::error(error::ZADD_INCR_PAIRS));
    }
    let pairs = argv[i..]
        .chunks(2)
        .map(|p| {
            parse_score(&p[0])
                .map(|s| (s, p[1].clone()))
                .ok_or_else(|| Frame::error(error::NOT_FLOAT))
        })
        .collect::<Result<_, _>>()?;
    Ok(Zadd { flags, ch, pairs })
}

fn zadd_run(ctx: &mut Ctx<'_>, key: &[u8], a: Zadd) -> Frame {
    let limits = ctx.limits;
    // XX on a missing key creates nothing (a key of another type still answers WRONGTYPE).
    if a.flags.xx && ctx.find(key).is_none() {
        return if a.flags.incr {
            Frame::Null
        } else {
            Frame::Integer(0)
        };
    }
    let z = match ctx.get_or_create(key, new_zset, Value::as_zset_mut) {
        Ok(z) => z,
        Err(e) => return e,
    };
    let (mut added, mut updated) = (0, 0);
    let mut last = None;
    let mut failed = None;
    for (score, member) in &a.pairs {
        match z.add(member, *score, a.flags, &limits) {
            Ok(AddOutcome::Added(s)) => {
                added += 1;
                last = Some(s);
            }
            Ok(AddOutcome::Updated(s)) => {
                updated += 1;
                last = Some(s);
            }
            Ok(AddOutcome::Unchanged(s)) => last = Some(s),
            Ok(AddOutcome::Skipped) => last = None,
            Err(_) => {
                failed = Some(Frame::error(error::ZSCORE_NAN));
                break;
            }
        }
    }
    ctx.remove_if_empty(key);
    if let Some(e) = failed {
        return e;
    }
    if a.flags.incr {
        return last.map_or(Frame::Null, Frame::Double);
    }
    Frame::Integer(if a.ch { added + updated } else { added })
}

fn zadd(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> Frame {
    match parse_zadd(argv) {
        Ok(a) => zadd_run(ctx, &argv[1], a),
        Err(e) => e,
    }
}

fn zincrby(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> Frame {
    let Some(incr) = parse_score(&argv[2]) else {
        return Frame::error(error::NOT_FLOAT);
    };
    let a = Zadd {
        flags: AddFlags {
            incr: true,
            ..AddFlags::default()
        },
        ch: false,
        pairs: vec![(incr, argv[3].clone())],
    };
    zadd_run(ctx, &argv[1], a)
}

fn zrem(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> Frame {
    let removed = match zset(ctx, &argv[1]) {
        Ok(Some(z)) => argv[2..].iter().filter(|m| z.remove(m)).count(),
        Ok(None) => 0,
        Err(e) => return e,
    };
    ctx.remove_if_empty(&argv[1]);
    Frame::Integer(removed as i64)
}

// ---------------------------------------------------------------------------------------------
// ZCARD ZCOUNT ZLEXCOUNT ZSCORE ZMSCORE ZRANK ZREVRANK
// ---------------------------------------------------------------------------------------------

fn zcard(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> Frame {
    match zset(ctx, &argv[1]) {
        Ok(z) => Frame::Integer(z.map_or(0, |z| z.len()) as i64),
        Err(e) => e,
    }
}

fn zcount(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> Frame {
    let range = match parse_score_range(&argv[2], &argv[3]) {
        Ok(r) => r,
        Err(e) => return e,
    };
    match zset(ctx, &argv[1]) {
        Ok(z) => Frame::Integer(z.map_or(0, |z| z.score_ranks(&range).len()) as i64),
        Err(e) => e,
    }
}

fn zlexcount(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> Frame {
    let range = match parse_lex_range(&argv[2], &argv[3]) {
        Ok(r) => r,
        Err(e) => return e,
    };
    match zset(ctx, &argv[1]) {
        Ok(z) => Frame::Integer(z.map_or(0, |z| z.lex_ranks(&range).len()) as i64),
        Err(e) => e,
    }
}

fn zscore(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> Frame {
    match zset(ctx, &argv[1]) {
        Ok(z) => z
            .and_then(|z| z.score(&argv[2]))
            .map_or(Frame::Null, Frame::Double),
        Err(e) => e,
    }
}

fn zmscore(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> Frame {
    match zset(ctx, &argv[1]) {
        Ok(z) => Frame::Array(
            argv[2..]
                .iter()
                .map(|m| {
                    z.as_ref()
                        .and_then(|z| z.score(m))
                        .map_or(Frame::Null, Frame::Double)
                })
                .collect(),
        ),
        Err(e) => e,
    }
}

fn rank_generic(ctx: &mut Ctx<'_>, argv: &[Bytes], rev: bool) -> Frame {
    match zset(ctx, &argv[1]) {
        Ok(z) => z
            .and_then(|z| {
                let r = z.rank(&argv[2])?;
                Some(if rev { z.len() - 1 - r } else { r })
            })
            .map_or(Frame::Null, |r| Frame::Integer(r as i64)),
        Err(e) => e,
    }
}

fn zrank(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> Frame {
    rank_generic(ctx, argv, false)
}

fn zrevrank(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> Frame {
    rank_generic(ctx, argv, true)
}

// ---------------------------------------------------------------------------------------------
// ZRANGE and friends
// ---------------------------------------------------------------------------------------------

/// What a range selects by.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum By {
    Rank,
    Score,
    Lex,
}

/// A parsed range: the selection and the reply options.
#[derive(Debug, PartialEq)]
enum Selection {
    Ranks(i64, i64),
    Scores(ScoreRange),
    Lex(LexRange),
}

#[derive(Debug, PartialEq)]
struct RangeArgs {
    sel: Selection,
    rev: bool,
    withscores: bool,
    /// LIMIT offset count (offset 0, count -1 when absent).
    offset: i64,
    count: i64,
}

/// Parses `min max [BYSCORE|BYLEX] [REV] [LIMIT offset count] [WITHSCORES]` as Redis's
/// `zrangeGenericCommand` does: `by`/`rev` are fixed by the legacy commands (and then not
/// accepted as words), WITHSCORES is refused by ZRANGESTORE (`store`).
fn parse_range(
    min: &Bytes,
    max: &Bytes,
    opts: &[Bytes],
    by: Option<By>,
    rev: Option<bool>,
    store: bool,
) -> Result<RangeArgs, Frame> {
    let (mut by_word, mut rev_word) = (None, None);
    let (mut withscores, mut offset, mut count) = (false, 0i64, -1i64);
    let mut j = 0;
    while j < opts.len() {
        let left = opts.len() - j - 1;
        let w = &opts[j];
        if !store && is(w, "withscores") {
            withscores = true;
        } else if is(w, "limit") && left >= 2 {
            offset = int_arg(&opts[j + 1])?;
            count = int_arg(&opts[j + 2])?;
            j += 2;
        } else if rev.is_none() && rev_word.is_none() && is(w, "rev") {
            rev_word = Some(true);
        } else if by.is_none() && by_word.is_none() && is(w, "bylex") {
            by_word = Some(By::Lex);
        } else if by.is_none() && by_word.is_none() && is(w, "byscore") {
            by_word = Some(By::Score);
        } else {
            return Err(Frame::error(error::SYNTAX));
        }
        j += 1;
    }
    let by = by.or(by_word).unwrap_or(By::Rank);
    let rev = rev.or(rev_word).unwrap_or(false);
    if count != -1 && by == By::Rank {
        return Err(Frame::error(error::ZRANGE_LIMIT_BY_RANK));
    }
    if withscores && by == By::Lex {
        return Err(Frame::error(error::ZRANGE_WITHSCORES_BYLEX));
    }
    // Score and lex ranges are given high end first when reversed.
    let (lo, hi) = if rev && by != By::Rank {
        (max, min)
    } else {
        (min, max)
    };
    let sel = match by {
        By::Rank => Selection::Ranks(int_arg(lo)?, int_arg(hi)?),
        By::Score => Selection::Scores(parse_score_range(lo, hi)?),
        By::Lex => Selection::Lex(parse_lex_range(lo, hi)?),
    };
    Ok(RangeArgs {
        sel,
        rev,
        withscores,
        offset,
        count,
    })
}

/// The members a parsed range selects, in reply order.
fn select(z: &ZSet, a: &RangeArgs) -> Vec<(Bytes, f64)> {
    let ranks = match &a.sel {
        Selection::Ranks(start, end) => {
            let r = rank_range(*start, *end, z.len());
            return if a.rev {
                let len = z.len();
                owned(z.range(len - r.end..len - r.start, true))
            } else {
                owned(z.range(r, false))
            };
        }
        Selection::Scores(range) => z.score_ranks(range),
        Selection::Lex(range) => z.lex_ranks(range),
    };
    if a.offset < 0 {
        return Vec::new();
    }
    // LIMIT narrows the ranks before walking: O(log n + count), not O(offset).
    let skip = usize::try_from(a.offset)
        .unwrap_or(usize::MAX)
        .min(ranks.len());
    let take = usize::try_from(a.count)
        .unwrap_or(usize::MAX)
        .min(ranks.len() - skip);
    let ranks = if a.rev {
        ranks.end - skip - take..ranks.end - skip
    } else {
        ranks.start + skip..ranks.start + skip + take
    };
    owned(z.range(ranks, a.rev))
}

fn range_generic(ctx: &mut Ctx<'_>, argv: &[Bytes], by: Option<By>, rev: Option<bool>) -> Frame {
    let a = match parse_range(&argv[2], &argv[3], &argv[4..], by, rev, false) {
        Ok(a) => a,
        Err(e) => return e,
    };
    match zset(ctx, &argv[1]) {
        Ok(Some(z)) => render(select(z, &a), a.withscores),
        Ok(None) => Frame::Array(Vec::new()),
        Err(e) => e,
    }
}

fn zrange(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> Frame {
    range_generic(ctx, argv, None, None)
}

fn zrangebyscore(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> Frame {
    range_generic(ctx, argv, Some(By::Score), Some(false))
}

fn zrangebylex(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> Frame {
    range_generic(ctx, argv, Some(By::Lex), Some(false))
}

fn zrevrange(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> Frame {
    range_generic(ctx, argv, Some(By::Rank), Some(true))
}

fn zrevrangebyscore(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> Frame {
    range_generic(ctx, argv, Some(By::Score), Some(true))
}

fn zrevrangebylex(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> Frame {
    range_generic(ctx, argv, Some(By::Lex), Some(true))
}

fn zrangestore(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> Frame {
    let a = match parse_range(&argv[3], &argv[4], &argv[5..], None, None, true) {
        Ok(a) => a,
        Err(e) => return e,
    };
    let items = match zset(ctx, &argv[2]) {
        Ok(Some(z)) => select(z, &a),
        Ok(None) => Vec::new(),
        Err(e) => return e,
    };
    if items.is_empty() {
        ctx.delete(&argv[1]);
        return Frame::Integer(0);
    }
    // Redis sizes the result by the range's length when it knows it (a rank range), then adds
    // the members in reply order.
    let limits = ctx.limits;
    let hint = match a.sel {
        Selection::Ranks(..) => items.len(),
        _ => 0,
    };
    let mut dst = ZSet::with_size_hint(hint, &limits);
    for (m, s) in &items {
        dst.insert(m, *s, &limits);
    }
    ctx.set(&argv[1], Value::ZSet(Box::new(dst)), Ttl::Clear);
    Frame::Integer(items.len() as i64)
}

// ---------------------------------------------------------------------------------------------
// ZREMRANGEBY*
// ---------------------------------------------------------------------------------------------

fn remrange(ctx: &mut Ctx<'_>, argv: &[Bytes], sel: Selection) -> Frame {
    let removed = match zset(ctx, &argv[1]) {
        Ok(Some(z)) => {
            let ranks = match &sel {
                Selection::Ranks(start, end) => rank_range(*start, *end, z.len()),
                Selection::Scores(r) => z.score_ranks(r),
                Selection::Lex(r) => z.lex_ranks(r),
            };
            z.remove_ranks(ranks)
        }
        Ok(None) => 0,
        Err(e) => return e,
    };
    ctx.remove_if_empty(&argv[1]);
    Frame::Integer(removed as i64)
}

fn zremrangebyrank(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> Frame {
    match (int_arg(&argv[2]), int_arg(&argv[3])) {
        (Ok(start), Ok(end)) => remrange(ctx, argv, Selection::Ranks(start, end)),
        (Err(e), _) | (_, Err(e)) => e,
    }
}

fn zremrangebyscore(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> Frame {
    match parse_score_range(&argv[2], &argv[3]) {
        Ok(r) => remrange(ctx, argv, Selection::Scores(r)),
        Err(e) => e,
    }
}

fn zremrangebylex(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> Frame {
    match parse_lex_range(&argv[2], &argv[3]) {
        Ok(r) => remrange(ctx, argv, Selection::Lex(r)),
        Err(e) => e,
    }
}

// ---------------------------------------------------------------------------------------------
// Pops: ZPOPMIN ZPOPMAX ZMPOP BZPOPMIN BZPOPMAX BZMPOP
// ---------------------------------------------------------------------------------------------

/// Pops up to `count` members from the low (`max` false) or high end of the set at `key`
/// (deleting the key if emptied). `Ok(None)` if the key holds no set.
fn pop(
    ctx: &mut Ctx<'_>,
    key: &[u8],
    max: bool,
    count: usize,
) -> Result<Option<Vec<(Bytes, f64)>>, Frame> {
    let Some(z) = zset(ctx, key)? else {
        return Ok(None);
    };
    let n = count.min(z.len());
    let mut out = Vec::with_capacity(n);
    for _ in 0..n {
        let rank = if max { z.len() - 1 } else { 0 };
        if let Some(item) = z.remove_rank(rank) {
            out.push(item);
        }
    }
    ctx.remove_if_empty(key);
    Ok(Some(out))
}

fn zpop_generic(ctx: &mut Ctx<'_>, argv: &[Bytes], max: bool) -> Frame {
    if argv.len() > 3 {
        return Frame::error(error::SYNTAX);
    }
    let count = match argv.get(2).map(|c| parse_i64(c)) {
        None => None,
        Some(Some(n)) if n >= 0 => Some(n as usize),
        Some(_) => return Frame::error(error::MUST_BE_POSITIVE),
    };
    match pop(ctx, &argv[1], max, count.unwrap_or(1)) {
        Ok(Some(items)) if count.is_some() => render(items, true),
        Ok(Some(items)) => Frame::Array(
            items
                .into_iter()
                .flat_map(|(m, s)| [Frame::Bulk(m), Frame::Double(s)])
                .collect(),
        ),
        Ok(None) => Frame::Array(Vec::new()),
        Err(e) => e,
    }
}

fn zpopmin(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> Frame {
    zpop_generic(ctx, argv, false)
}

fn zpopmax(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> Frame {
    zpop_generic(ctx, argv, true)
}

/// ZMPOP/BZMPOP's `numkeys key… MIN|MAX [COUNT count]`.
#[derive(Debug, PartialEq)]
struct Mpop {
    keys: Vec<Bytes>,
    max: bool,
    count: usize,
}

fn parse_mpop(args: &[Bytes]) -> Result<Mpop, Frame> {
    let (keys, min, count) = super::lists::parse_mpop(args, "min", "max")?;
    Ok(Mpop {
        keys,
        max: !min,
        count,
    })
}

/// Pops from the first key holding a set: `[key, [[member, score]…]]`; `Ok(None)` if none.
fn mpop_first(ctx: &mut Ctx<'_>, m: &Mpop) -> Result<Option<Frame>, Frame> {
    for key in &m.keys {
        if let Some(items) = pop(ctx, key, m.max, m.count)? {
            let items = items
                .into_iter()
                .map(|(member, s)| Frame::Array(vec![Frame::Bulk(member), Frame::Double(s)]))
                .collect();
            return Ok(Some(Frame::Array(vec![
                Frame::Bulk(key.clone()),
                Frame::Array(items),
            ])));
        }
    }
    Ok(None)
}

fn zmpop(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> Frame {
    let m = match parse_mpop(&argv[1..]) {
        Ok(m) => m,
        Err(e) => return e,
    };
    match mpop_first(ctx, &m) {
        Ok(Some(reply)) => reply,
        Ok(None) => Frame::NullArray,
        Err(e) => e,
    }
}

fn bzpop_generic(ctx: &mut Ctx<'_>, argv: &[Bytes], max: bool) -> Frame {
    let timeout = match parse_timeout(&argv[argv.len() - 1]) {
        Ok(t) => t,
        Err(e) => return e,
    };
    let keys = &argv[1..argv.len() - 1];
    for key in keys {
        match pop(ctx, key, max, 1) {
            Ok(Some(mut items)) => {
                if let Some((member, score)) = items.pop() {
                    return Frame::Array(vec![
                        Frame::Bulk(key.clone()),
                        Frame::Bulk(member),
                        Frame::Double(score),
                    ]);
                }
            }
            Ok(None) => {}
            Err(e) => return e,
        }
    }
    block_on(ctx, keys.to_vec(), timeout)
}

fn bzpopmin(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> Frame {
    bzpop_generic(ctx, argv, false)
}

fn bzpopmax(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> Frame {
    bzpop_generic(ctx, argv, true)
}

fn bzmpop(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> Frame {
    // Redis checks numkeys, MIN|MAX and COUNT before the timeout.
    let m = match parse_mpop(&argv[2..]) {
        Ok(m) => m,
        Err(e) => return e,
    };
    let timeout = match parse_timeout(&argv[1]) {
        Ok(t) => t,
        Err(e) => return e,
    };
    match mpop_first(ctx, &m) {
        Ok(Some(reply)) => reply,
        Ok(None) => block_on(ctx, m.keys, timeout),
        Err(e) => e,
    }
}

// ---------------------------------------------------------------------------------------------
// ZRANDMEMBER ZSCAN
// ---------------------------------------------------------------------------------------------

/// The most picks ZRANDMEMBER makes with repetition (a negative count).
const RANDOM_PICKS_MAX: i64 = 1 << 23;

fn zrandmember(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> Frame {
    if argv.len() < 3 {
        let len = match zset(ctx, &argv[1]) {
            Ok(Some(z)) => z.len(),
            Ok(None) => return Frame::Null,
            Err(e) => return e,
        };
        let pos = ctx.random_below(len);
        return match zset(ctx, &argv[1]) {
            Ok(Some(z)) => z.at(pos).map_or(Frame::Null, |(m, _)| bulk(m)),
            _ => Frame::Null,
        };
    }
    let count = match parse_i64(&argv[2]) {
        Some(i64::MIN) => return Frame::error(error::COUNT_OUT_OF_RANGE),
        Some(n) => n,
        None => return Frame::error(error::NOT_INTEGER),
    };
    if argv.len() > 4 || (argv.len() == 4 && !is(&argv[3], "withscores")) {
        return Frame::error(error::SYNTAX);
    }
    let withscores = argv.len() == 4;
    if withscores && !(-(i64::MAX / 2)..=i64::MAX / 2).contains(&count) {
        return Frame::error(error::VALUE_OUT_OF_RANGE);
    }
    // Deliberately not Redis: it streams any number of repeated picks, we build the reply in
    // memory, so a huge negative count would take the server down.
    if count < -RANDOM_PICKS_MAX {
        return Frame::error(error::VALUE_OUT_OF_RANGE);
    }
    let len = match zset(ctx, &argv[1]) {
        Ok(Some(z)) => z.len(),
        Ok(None) => return Frame::Array(Vec::new()),
        Err(e) => return e,
    };
    if count >= len as i64 {
        // The whole set, which Redis 7.0 lists from the highest rank down.
        return match zset(ctx, &argv[1]) {
            Ok(Some(z)) => render(owned(z.range(0..len, true)), withscores),
            _ => Frame::Array(Vec::new()),
        };
    }
    let positions = ctx.random_positions(len, count);
    let Ok(Some(z)) = zset(ctx, &argv[1]) else {
        return Frame::Array(Vec::new());
    };
    // A listpack is scanned once, not once per pick.
    let listed: Option<Vec<(&[u8], f64)>> = (!z.is_skiplist()).then(|| z.iter().collect());
    let pick = |i: usize| match &listed {
        Some(all) => all.get(i).copied(),
        None => z.at(i),
    };
    let items = owned(positions.into_iter().filter_map(pick));
    render(items, withscores)
}

/// A listpack score as Redis stores it in text (ZSCAN of a listpack shows that text):
/// integers within ±2^62 without a fraction, `%.17g` otherwise.
fn listpack_score_text(v: f64, out: &mut Vec<u8>) {
    const LIMIT: f64 = 4_611_686_018_427_387_904.0; // 2^62, (double)(LLONG_MAX / 2)
    if v.fract() == 0.0 && (-LIMIT..=LIMIT).contains(&v) {
        out.extend_from_slice(itoa::Buffer::new().format(v as i64).as_bytes());
    } else {
        redraft_protocol::encode::format_double(v, out);
    }
}

fn zscan(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> Frame {
    // Redis reads the cursor, then the key, then the options (a missing key ignores them).
    let parsed = parse_scan(&argv[1..], false);
    if let Err(e) = &parsed {
        if *e == Frame::error(error::INVALID_CURSOR) {
            return e.clone();
        }
    }
    let empty = || Frame::Array(vec![bulk(b"0"), Frame::Array(Vec::new())]);
    let z = match zset(ctx, &argv[1]) {
        Ok(Some(z)) => z,
        Ok(None) => return empty(),
        Err(e) => return e,
    };
    let o = match parsed {
        Ok(o) => o,
        Err(e) => return e,
    };
    let mut items = Vec::new();
    let mut text = Vec::new();
    let mut push = |m: &[u8], s: f64, listpack: bool| {
        if o.matches(m) {
            text.clear();
            if listpack {
                listpack_score_text(s, &mut text);
            } else {
                redraft_protocol::encode::format_double(s, &mut text);
            }
            items.push(bulk(m));
            items.push(bulk(&text));
        }
    };
    let mut next = 0;
    if z.is_skiplist() {
        let (cursor, range) = scan_step(z.len(), o.cursor, o.count);
        next = cursor;
        for i in range.rev() {
            if let Some((m, s)) = z.at(i) {
                push(m, s, false);
            }
        }
    } else {
        for (m, s) in z.iter() {
            push(m, s, true);
        }
    }
    Frame::Array(vec![
        bulk(itoa::Buffer::new().format(next).as_bytes()),
        Frame::Array(items),
    ])
}

// ---------------------------------------------------------------------------------------------
// ZUNION ZINTER ZDIFF (and STORE), ZINTERCARD
// ---------------------------------------------------------------------------------------------

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum SetOp {
    Union,
    Inter,
    Diff,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Aggregate {
    Sum,
    Min,
    Max,
}

/// Options after the keys.
#[derive(Debug, PartialEq)]
struct OpOptions {
    weights: Vec<f64>,
    aggregate: Aggregate,
    withscores: bool,
    limit: usize,
}

/// An input: a sorted set, a plain set (every score 1) or nothing.
#[derive(Clone, Copy)]
enum Source<'a> {
    Missing,
    Z(&'a ZSet),
    S(&'a Set),
}

impl Source<'_> {
    fn len(&self) -> usize {
        match self {
            Source::Missing => 0,
            Source::Z(z) => z.len(),
            Source::S(s) => s.len(),
        }
    }

    fn score(&self, member: &[u8]) -> Option<f64> {
        match self {
            Source::Missing => None,
            Source::Z(z) => z.score(member),
            Source::S(s) => s.contains(member).then_some(1.0),
        }
    }

    fn for_each(&self, mut f: impl FnMut(&[u8], f64)) {
        match self {
            Source::Missing => {}
            Source::Z(z) => z.iter().for_each(|(m, s)| f(m, s)),
            Source::S(s) => s.iter().for_each(|m| m.with_bytes(|b| f(b, 1.0))),
        }
    }
}

/// Parses WEIGHTS / AGGREGATE / WITHSCORES / LIMIT as each command allows them.
fn parse_op_options(
    opts: &[Bytes],
    numkeys: usize,
    op: SetOp,
    store: bool,
    card: bool,
) -> Result<OpOptions, Frame> {
    let mut o = OpOptions {
        weights: vec![1.0; numkeys],
        aggregate: Aggregate::Sum,
        withscores: false,
        limit: 0,
    };
    let mut j = 0;
    while j < opts.len() {
        let remaining = opts.len() - j;
        let w = &opts[j];
        if op != SetOp::Diff && !card && remaining > numkeys && is(w, "weights") {
            for (i, arg) in opts[j + 1..=j + numkeys].iter().enumerate() {
                o.weights[i] =
                    parse_score(arg).ok_or_else(|| Frame::error(error::WEIGHT_NOT_FLOAT))?;
            }
            j += 1 + numkeys;
        } else if op != SetOp::Diff && !card && remaining >= 2 && is(w, "aggregate") {
            let a = &opts[j + 1];
            o.aggregate = if is(a, "sum") {
                Aggregate::Sum
            } else if is(a, "min") {
                Aggregate::Min
            } else if is(a, "max") {
                Aggregate::Max
            } else {
                return Err(Frame::error(error::SYNTAX));
            };
            j += 2;
        } else if !store && !card && is(w, "withscores") {
            o.withscores = true;
            j += 1;
        } else if card && remaining >= 2 && is(w, "limit") {
            o.limit = match parse_i64(&opts[j + 1]) {
                Some(n) if n >= 0 => n as usize,
                _ => return Err(Frame::error(error::INTERCARD_LIMIT_NEGATIVE)),
            };
            j += 2;
        } else {
            return Err(Frame::error(error::SYNTAX));
        }
    }
    Ok(o)
}

/// `weight * score`, with Redis's convention that `0 * inf` is 0.
fn weighted(weight: f64, score: f64) -> f64 {
    let v = weight * score;
    if v.is_nan() {
        0.0
    } else {
        v
    }
}

/// Folds `v` into `acc` as Redis's `zunionInterAggregate` does (C comparisons: a NaN `v`
/// leaves MIN and MAX alone, and turns a SUM into 0, like `inf + -inf`).
fn aggregate(a: Aggregate, acc: &mut f64, v: f64) {
    match a {
        Aggregate::Sum => {
            *acc += v;
            if acc.is_nan() {
                *acc = 0.0;
            }
        }
        Aggregate::Min => {
            if v < *acc {
                *acc = v;
            }
        }
        Aggregate::Max => {
            if v > *acc {
                *acc = v;
            }
        }
    }
}

/// Computes the operation over `srcs` (with weights): members sorted by (score, member).
/// Union and intersection visit the inputs smallest first, as Redis does (it decides how a
/// sum of `inf` and `-inf` comes out).
fn compute(srcs: &[(Source<'_>, f64)], op: SetOp, agg: Aggregate) -> Vec<(Bytes, f64)> {
    let mut out: Vec<(Bytes, f64)> = Vec::new();
    match op {
        SetOp::Union => {
            let mut order: Vec<&(Source<'_>, f64)> = srcs.iter().collect();
            order.sort_by_key(|(s, _)| s.len());
            let mut acc: hashbrown::HashMap<Bytes, f64> = hashbrown::HashMap::new();
            for (src, w) in order {
                src.for_each(|m, s| {
                    let v = weighted(*w, s);
                    match acc.get_mut(m) {
                        Some(cur) => aggregate(agg, cur, v),
                        None => {
                            acc.insert(Bytes::copy_from_slice(m), v);
                        }
                    }
                });
            }
            out.extend(acc);
        }
        SetOp::Inter => {
            let mut order: Vec<&(Source<'_>, f64)> = srcs.iter().collect();
            order.sort_by_key(|(s, _)| s.len());
            let Some(((first, w0), rest)) = order.split_first() else {
                return out;
            };
            if first.len() == 0 {
                return out;
            }
            first.for_each(|m, s| {
                let mut score = weighted(*w0, s);
                for (src, w) in rest {
                    match src.score(m) {
                        // Unlike the first input's, these products may stay NaN (0 * inf).
                        Some(other) => aggregate(agg, &mut score, other * *w),
                        None => return,
                    }
                }
                out.push((Bytes::copy_from_slice(m), score));
            });
        }
        SetOp::Diff => {
            if let Some(((first, _), rest)) = srcs.split_first() {
                first.for_each(|m, s| {
                    if rest.iter().all(|(src, _)| src.score(m).is_none()) {
                        out.push((Bytes::copy_from_slice(m), s));
                    }
                });
            }
        }
    }
    out.sort_by(|a, b| {
        a.1.partial_cmp(&b.1)
            .unwrap_or(std::cmp::Ordering::Equal)
            .then_with(|| a.0.cmp(&b.0))
    });
    out
}

/// ZUNION/ZINTER/ZDIFF (`dst` None), their STORE forms, and ZINTERCARD (`card`): numkeys at
/// `at`. Redis's order: numkeys, the keys' types, then the options.
fn setop_generic(
    ctx: &mut Ctx<'_>,
    argv: &[Bytes],
    at: usize,
    dst: Option<&Bytes>,
    op: SetOp,
    card: bool,
) -> Frame {
    let name = String::from_utf8_lossy(&argv[0]).to_ascii_lowercase();
    let numkeys = match parse_i64(&argv[at]) {
        Some(n) if n >= 1 => n as u64,
        Some(_) => return Frame::error(error::at_least_one_input_key(&name)),
        None => return Frame::error(error::NOT_INTEGER),
    };
    if numkeys > (argv.len() - at - 1) as u64 {
        return Frame::error(error::SYNTAX);
    }
    let numkeys = numkeys as usize;
    let keys = &argv[at + 1..at + 1 + numkeys];
    // First pass: expiry, statistics and types; second: borrow every value at once.
    let mut live = Vec::with_capacity(numkeys);
    for key in keys {
        match ctx.lookup(key) {
            None => live.push(false),
            Some(Value::ZSet(_)) | Some(Value::Set(_)) => live.push(true),
            Some(_) => return Frame::error(error::WRONGTYPE),
        }
    }
    let o = match parse_op_options(&argv[at + 1 + numkeys..], numkeys, op, dst.is_some(), card) {
        Ok(o) => o,
        Err(e) => return e,
    };
    let db = ctx.ks.db(ctx.db);
    let srcs: Vec<(Source<'_>, f64)> = keys
        .iter()
        .zip(&live)
        .zip(&o.weights)
        .map(|((key, &live), &w)| {
            let value = live
                .then(|| db.find(key))
                .flatten()
                .map(|slot| &db.entry(slot).value);
            let src = match value {
                Some(Value::ZSet(z)) => Source::Z(z),
                Some(Value::Set(s)) => Source::S(s),
                _ => Source::Missing,
            };
            (src, w)
        })
        .collect();
    if card {
        return Frame::Integer(intercard(&srcs, o.limit) as i64);
    }
    let items = compute(&srcs, op, o.aggregate);
    match dst {
        Some(dst) => store(ctx, dst, &items),
        None => render(items, o.withscores),
    }
}

/// The size of the intersection, stopping at `limit` (0: no limit).
fn intercard(srcs: &[(Source<'_>, f64)], limit: usize) -> usize {
    let mut order: Vec<&Source<'_>> = srcs.iter().map(|(s, _)| s).collect();
    order.sort_by_key(|s| s.len());
    let Some((first, rest)) = order.split_first() else {
        return 0;
    };
    let mut n = 0;
    let mut done = false;
    first.for_each(|m, _| {
        if done {
            return;
        }
        if rest.iter().all(|s| s.score(m).is_some()) {
            n += 1;
            if limit > 0 && n >= limit {
                done = true;
            }
        }
    });
    n
}

fn zunion(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> Frame {
    setop_generic(ctx, argv, 1, None, SetOp::Union, false)
}

fn zinter(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> Frame {
    setop_generic(ctx, argv, 1, None, SetOp::Inter, false)
}

fn zdiff(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> Frame {
    setop_generic(ctx, argv, 1, None, SetOp::Diff, false)
}

fn zunionstore(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> Frame {
    setop_generic(ctx, argv, 2, Some(&argv[1]), SetOp::Union, false)
}

fn zinterstore(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> Frame {
    setop_generic(ctx, argv, 2, Some(&argv[1]), SetOp::Inter, false)
}

fn zdiffstore(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> Frame {
    setop_generic(ctx, argv, 2, Some(&argv[1]), SetOp::Diff, false)
}

fn zintercard(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> Frame {
    setop_generic(ctx, argv, 1, None, SetOp::Inter, true)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cmd::ctx::{Block, Mode};
    use crate::cmd::test_argv;
    use crate::keyspace::Keyspace;

    fn b(s: &str) -> Bytes {
        Bytes::copy_from_slice(s.as_bytes())
    }

    fn err_text(f: Frame) -> String {
        match f {
            Frame::Error(e) => String::from_utf8_lossy(&e).into_owned(),
            other => panic!("not an error: {other:?}"),
        }
    }

    /// Runs one command line against `ks` inside apply.
    fn run(ks: &mut Keyspace, words: &[&str]) -> Frame {
        let spec = super::COMMANDS
            .iter()
            .find(|s| s.name.eq_ignore_ascii_case(words[0]))
            .expect("a sorted-set command");
        assert!(spec.arity_ok(words.len()), "arity of {words:?}");
        let mut ctx = Ctx::new(ks, 0, 1_000, Mode::Apply);
        match spec.handler {
            Handler::Read(f) | Handler::Write(f) => f(&mut ctx, &test_argv(words)),
            _ => unreachable!("data commands"),
        }
    }

    fn bulks(items: &[&str]) -> Frame {
        Frame::Array(items.iter().map(|s| Frame::Bulk(b(s))).collect())
    }

    #[test]
    fn scores_parse_like_get_double_from_object() {
        for (s, v) in [
            ("1", Some(1.0)),
            ("-1.5", Some(-1.5)),
            ("+inf", Some(f64::INFINITY)),
            ("-Infinity", Some(f64::NEG_INFINITY)),
            ("0x10", Some(16.0)),
            (".5", Some(0.5)),
            ("1e-310", Some(1e-310)),
            ("0e5", Some(0.0)),
            ("1e400", None),
            ("1e-400", None),
            ("nan", None),
            (" 1", None),
            ("1 ", None),
            ("", None),
            ("abc", None),
        ] {
            assert_eq!(parse_score(s.as_bytes()), v, "{s:?}");
        }
    }

    #[test]
    fn score_bounds_parse_like_zsl_parse_range() {
        assert_eq!(parse_score_bound(b"(1.5"), Some((1.5, true)));
        assert_eq!(parse_score_bound(b""), Some((0.0, false)));
        assert_eq!(parse_score_bound(b"("), Some((0.0, true)));
        assert_eq!(parse_score_bound(b" 2"), Some((2.0, false)));
        assert_eq!(parse_score_bound(b"1e400"), Some((f64::INFINITY, false)));
        assert_eq!(parse_score_bound(b" "), None);
        assert_eq!(parse_score_bound(b"(nan"), None);
        assert_eq!(parse_score_bound(b"2 "), None);
        assert_eq!(parse_score_bound(b"(3\0junk"), Some((3.0, true)));
        assert_eq!(
            err_text(parse_score_range(b"x", b"1").unwrap_err()),
            error::ZRANGE_NOT_FLOAT
        );
    }

    #[test]
    fn lex_bounds() {
        assert_eq!(parse_lex_bound(&b("-")), Some(LexBound::Min));
        assert_eq!(parse_lex_bound(&b("+")), Some(LexBound::Max));
        assert_eq!(parse_lex_bound(&b("+\0x")), Some(LexBound::Max));
        assert_eq!(parse_lex_bound(&b("[a")), Some(LexBound::Incl(b("a"))));
        assert_eq!(parse_lex_bound(&b("(")), Some(LexBound::Excl(b(""))));
        for bad in ["", "a", "-a", "+a"] {
            assert_eq!(parse_lex_bound(&b(bad)), None, "{bad:?}");
        }
    }

    #[test]
    fn zadd_options_and_their_errors() {
        let p = |w: &[&str]| parse_zadd(&test_argv(w));
        let a = p(&["zadd", "k", "NX", "ch", "1", "a", "2", "b"]).unwrap();
        assert!(a.flags.nx && a.ch && a.pairs.len() == 2);
        for (words, e) in [
            (&["zadd", "k", "1", "a", "2"][..], error::SYNTAX),
            (&["zadd", "k", "foo", "1", "a"][..], error::SYNTAX),
            (&["zadd", "k", "gt", "lt"][..], error::SYNTAX),
            (&["zadd", "k", "nx", "xx", "1", "a"][..], error::ZADD_NX_XX),
            (
                &["zadd", "k", "nx", "gt", "1", "a"][..],
                error::ZADD_GT_LT_NX,
            ),
            (
                &["zadd", "k", "incr", "1", "a", "2", "b"][..],
                error::ZADD_INCR_PAIRS,
            ),
            (&["zadd", "k", "nan", "a"][..], error::NOT_FLOAT),
        ] {
            assert_eq!(err_text(p(words).unwrap_err()), e, "{words:?}");
        }
    }

    #[test]
    fn range_options_follow_zrange_generic() {
        let p = |w: &[&str], by, rev, store| {
            let a = test_argv(w);
            parse_range(&a[0], &a[1], &a[2..], by, rev, store)
        };
        let a = p(
            &["(1", "5", "byscore", "rev", "limit", "1", "2", "withscores"],
            None,
            None,
            false,
        )
        .unwrap();
        assert!(a.rev && a.withscores && a.offset == 1 && a.count == 2);
        // Reversed score ranges are given max first.
        assert_eq!(
            a.sel,
            Selection::Scores(ScoreRange {
                min: 5.0,
                max: 1.0,
                minex: false,
                maxex: true
            })
        );
        let e = |w: &[&str], by, rev, store| err_text(p(w, by, rev, store).unwrap_err());
        assert_eq!(
            e(&["0", "1", "rev", "rev"], None, None, false),
            error::SYNTAX
        );
        assert_eq!(
            e(&["0", "1", "rev"], Some(By::Score), Some(false), false),
            error::SYNTAX
        );
        assert_eq!(
            e(&["0", "1", "withscores"], None, None, true),
            error::SYNTAX
        );
        assert_eq!(
            e(&["0", "1", "limit", "0", "1"], None, None, false),
            error::ZRANGE_LIMIT_BY_RANK
        );
        assert_eq!(
            e(&["-", "+", "bylex", "withscores"], None, None, false),
            error::ZRANGE_WITHSCORES_BYLEX
        );
        assert_eq!(e(&["a", "1"], None, None, false), error::NOT_INTEGER);
        assert_eq!(
            e(&["a", "b", "bylex"], None, None, false),
            error::ZRANGE_NOT_LEX
        );
        // LIMIT x -1 is "no limit", which a rank range accepts.
        assert!(p(&["0", "1", "limit", "5", "-1"], None, None, false).is_ok());
    }

    #[test]
    fn rank_ranges_normalize_like_redis() {
        assert_eq!(rank_range(0, -1, 3), 0..3);
        assert_eq!(rank_range(-100, 100, 3), 0..3);
        assert_eq!(rank_range(2, 1, 3), 0..0);
        assert_eq!(rank_range(3, 5, 3), 0..0);
        assert_eq!(rank_range(-2, -1, 3), 1..3);
        assert_eq!(rank_range(0, 0, 0), 0..0);
    }

    #[test]
    fn mpop_arguments() {
        let p = |w: &[&str]| parse_mpop(&test_argv(w));
        let m = p(&["2", "a", "b", "MAX", "count", "3"]).unwrap();
        assert_eq!(
            m,
            Mpop {
                keys: vec![b("a"), b("b")],
                max: true,
                count: 3
            }
        );
        for (w, e) in [
            (&["0", "a", "min"][..], error::NUMKEYS_NOT_POSITIVE),
            (&["x", "a", "min"][..], error::NUMKEYS_NOT_POSITIVE),
            (&["2", "a", "min"][..], error::SYNTAX),
            (&["99999999999", "a", "min"][..], error::SYNTAX),
            (&["1", "a", "mid"][..], error::SYNTAX),
            (
                &["1", "a", "min", "count", "0"][..],
                error::COUNT_NOT_POSITIVE,
            ),
            (
                &["1", "a", "min", "count", "1", "count", "2"][..],
                error::SYNTAX,
            ),
            (&["1", "a", "min", "count"][..], error::SYNTAX),
        ] {
            assert_eq!(err_text(p(w).unwrap_err()), e, "{w:?}");
        }
    }

    #[test]
    fn key_positions_for_numkeys_commands() {
        let pos = |f: KeysFn, w: &[&str]| f(&test_argv(w));
        assert_eq!(
            pos(
                keys_numkeys_at_1,
                &["zunion", "2", "a", "b", "weights", "1", "2"]
            ),
            vec![2, 3]
        );
        assert!(pos(keys_numkeys_at_1, &["zunion", "3", "a", "b"]).is_empty());
        assert_eq!(
            pos(keys_store, &["zunionstore", "d", "2", "a", "b"]),
            vec![1, 3, 4]
        );
        assert!(pos(keys_store, &["zunionstore", "d", "0", "a"]).is_empty());
        assert_eq!(
            pos(keys_numkeys_at_2, &["bzmpop", "0", "1", "a", "min"]),
            vec![3]
        );
    }

    #[test]
    fn listpack_scores_print_as_redis_stores_them() {
        let text = |v: f64| {
            let mut out = Vec::new();
            listpack_score_text(v, &mut out);
            String::from_utf8(out).unwrap()
        };
        assert_eq!(text(3.0), "3");
        assert_eq!(text(0.1), "0.10000000000000001");
        assert_eq!(text(123456789012345678.0), "123456789012345680");
        assert_eq!(text(4611686018427387904.0), "4611686018427387904");
        assert_eq!(text(-4611686018427387904.0), "-4611686018427387904");
        assert_eq!(text(4611686018427388928.0), "4.6116860184273889e+18");
        assert_eq!(text(1e20), "1e+20");
        assert_eq!(text(f64::NEG_INFINITY), "-inf");
    }

    #[test]
    fn sums_of_opposite_infinities_depend_on_input_size_order() {
        let mut a = ZSet::new();
        let mut bb = ZSet::new();
        let mut c = ZSet::new();
        let l = crate::types::Limits::default();
        a.insert(b"x", f64::INFINITY, &l);
        for (m, s) in [("x", f64::NEG_INFINITY), ("y", 1.0), ("z", 1.0)] {
            bb.insert(m.as_bytes(), s, &l);
        }
        c.insert(b"x", 5.0, &l);
        c.insert(b"w", 1.0, &l);
        // Visited as a, c, b (by size): inf + 5 + -inf = NaN, which Redis turns into 0.
        let srcs = [
            (Source::Z(&a), 1.0),
            (Source::Z(&bb), 1.0),
            (Source::Z(&c), 1.0),
        ];
        let out = compute(&srcs, SetOp::Union, Aggregate::Sum);
        assert_eq!(out[0], (b("x"), 0.0));
        let out = compute(&srcs, SetOp::Inter, Aggregate::Sum);
        assert_eq!(out, vec![(b("x"), 0.0)]);
        let out = compute(&[(Source::Z(&a), 0.0)], SetOp::Union, Aggregate::Sum);
        assert_eq!(out, vec![(b("x"), 0.0)]);
    }

    #[test]
    fn commands_end_to_end() {
        let mut ks = Keyspace::new(1);
        let ks = &mut ks;
        assert_eq!(
            run(ks, &["zadd", "z", "1", "a", "2", "b", "3", "c"]),
            Frame::Integer(3)
        );
        assert_eq!(
            run(ks, &["zadd", "z", "xx", "incr", "1", "nope"]),
            Frame::Null
        );
        assert_eq!(run(ks, &["zincrby", "z", "2.5", "a"]), Frame::Double(3.5));
        assert_eq!(
            run(ks, &["zrange", "z", "0", "-1"]),
            bulks(&["b", "c", "a"])
        );
        assert_eq!(run(ks, &["zrevrange", "z", "0", "0"]), bulks(&["a"]));
        assert_eq!(
            run(ks, &["zrangebyscore", "z", "(2", "+inf", "limit", "1", "5"]),
            bulks(&["a"])
        );
        assert_eq!(run(ks, &["zrank", "z", "a"]), Frame::Integer(2));
        assert_eq!(run(ks, &["zrevrank", "z", "a"]), Frame::Integer(0));
        assert_eq!(run(ks, &["zcount", "z", "2", "3"]), Frame::Integer(2));
        assert_eq!(
            run(ks, &["zpopmin", "z"]),
            Frame::Array(vec![Frame::Bulk(b("b")), Frame::Double(2.0)])
        );
        assert_eq!(
            run(ks, &["zpopmax", "z", "1"]),
            Frame::Pairs(vec![(Frame::Bulk(b("a")), Frame::Double(3.5))])
        );
        assert_eq!(
            run(ks, &["zadd", "other", "10", "c", "1", "d"]),
            Frame::Integer(2)
        );
        assert_eq!(
            run(
                ks,
                &["zunionstore", "u", "2", "z", "other", "weights", "2", "1"]
            ),
            Frame::Integer(2)
        );
        assert_eq!(
            run(ks, &["zrange", "u", "0", "-1", "withscores"]),
            Frame::Pairs(vec![
                (Frame::Bulk(b("d")), Frame::Double(1.0)),
                (Frame::Bulk(b("c")), Frame::Double(16.0)),
            ])
        );
        assert_eq!(
            run(ks, &["zinterstore", "none", "2", "z", "missing"]),
            Frame::Integer(0)
        );
        assert_eq!(run(ks, &["zrem", "z", "c"]), Frame::Integer(1));
        assert!(ks.db(0).find(b"z").is_none(), "an emptied set is deleted");
        assert_eq!(run(ks, &["zmpop", "1", "z", "min"]), Frame::NullArray);
        let mut ctx = Ctx::new(ks, 0, 1_000, Mode::Apply);
        let blocked = bzpopmin(&mut ctx, &test_argv(&["bzpopmin", "z", "z2", "1.5"]));
        assert_eq!(blocked, Frame::NullArray);
        assert_eq!(
            ctx.blocked,
            Some(Block {
                keys: vec![b("z"), b("z2")],
                timeout_ms: 1500,
                retry: None
            })
        );
        drop(ctx);
        assert_eq!(
            run(ks, &["bzmpop", "0", "2", "z", "other", "max", "count", "5"]),
            Frame::Array(vec![
                Frame::Bulk(b("other")),
                Frame::Array(vec![
                    Frame::Array(vec![Frame::Bulk(b("c")), Frame::Double(10.0)]),
                    Frame::Array(vec![Frame::Bulk(b("d")), Frame::Double(1.0)]),
                ]),
            ])
        );
        assert!(ks.db(0).find(b"other").is_none());
        assert_eq!(
            err_text(run(ks, &["zunion", "0", "z"])),
            "ERR at least 1 input key is needed for 'zunion' command"
        );
    }

    #[test]
    fn zscan_walks_a_skiplist_with_a_cursor() {
        let mut ks = Keyspace::new(1);
        let mut words = vec!["zadd", "z"];
        let members: Vec<String> = (0..300).map(|i| format!("m{i}")).collect();
        for m in &members {
            words.push("1");
            words.push(m);
        }
        run(&mut ks, &words);
        let mut seen = std::collections::HashSet::new();
        let mut cursor = "0".to_string();
        loop {
            let Frame::Array(reply) = run(&mut ks, &["zscan", "z", &cursor, "count", "50"]) else {
                panic!("array");
            };
            let [Frame::Bulk(next), Frame::Array(items)] = &reply[..] else {
                panic!("cursor and items");
            };
            for pair in items.chunks(2) {
                if let [Frame::Bulk(m), Frame::Bulk(s)] = pair {
                    assert_eq!(&s[..], b"1");
                    seen.insert(m.clone());
                }
            }
            cursor = String::from_utf8(next.to_vec()).unwrap();
            if cursor == "0" {
                break;
            }
        }
        assert_eq!(seen.len(), 300);
        assert_eq!(
            run(&mut ks, &["zscan", "nokey", "0", "bogus"]),
            Frame::Array(vec![Frame::Bulk(b("0")), Frame::Array(vec![])])
        );
        assert_eq!(
            err_text(run(&mut ks, &["zscan", "z", "x"])),
            error::INVALID_CURSOR
        );
    }
}
