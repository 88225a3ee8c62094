//! List commands: LPUSH RPUSH LPUSHX RPUSHX LPOP RPOP LLEN LRANGE LINDEX LSET LINSERT LREM
//! LTRIM LPOS LMOVE RPOPLPUSH LMPOP, and the blocking BLPOP BRPOP BLMOVE BRPOPLPUSH BLMPOP.
//!
//! A blocking command runs like its non-blocking twin when it can; when every key is empty it
//! returns [`Ctx::block`] and the connection waits for a push (`crate::blocking`). Inside apply
//! this is deterministic: every replica sees the same empty keys and pops the same elements.

use bytes::Bytes;
use redraft_protocol::Frame;

use super::ctx::Block;
use super::flags::*;
use super::parse::{is, parse_f64, parse_i64};
use super::{spec, CommandSpec, Ctx, Handler, KeySpec};
use crate::error;
use crate::types::list::{End, List};
use crate::value::Value;

const READ_FAST: &[&str] = &["read", "list", "fast"];
const READ_SLOW: &[&str] = &["read", "list", "slow"];
const WRITE_FAST: &[&str] = &["write", "list", "fast"];
const WRITE_SLOW: &[&str] = &["write", "list", "slow"];
const BLOCKING_SLOW: &[&str] = &["write", "list", "slow", "blocking"];

#[allow(clippy::too_many_arguments)]
const fn list_spec(
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
    s.group = "list";
    s
}

/// The keys of BLPOP/BRPOP/BZPOPMIN…: every argument but the last (the timeout).
const ALL_BUT_LAST: KeySpec = KeySpec {
    first: 1,
    last: -2,
    step: 1,
};

/// Key positions of LMPOP/ZMPOP (`numkeys` at 1) and BLMPOP/BZMPOP (`numkeys` at 2).
pub(crate) fn numkeys_at(argv: &[Bytes], at: usize) -> Vec<usize> {
    match argv.get(at).and_then(|n| parse_i64(n)) {
        Some(n) if n > 0 && (n as usize) < argv.len() - at => (at + 1..=at + n as usize).collect(),
        _ => Vec::new(),
    }
}

fn lmpop_keys(argv: &[Bytes]) -> Vec<usize> {
    numkeys_at(argv, 1)
}

fn blmpop_keys(argv: &[Bytes]) -> Vec<usize> {
    numkeys_at(argv, 2)
}

const fn movable(mut s: CommandSpec, f: super::KeysFn) -> CommandSpec {
    s.keys_fn = Some(f);
    s.flags |= MOVABLEKEYS;
    s
}

/// List commands.
pub const COMMANDS: &[CommandSpec] = &[
    list_spec(
        "lpush",
        -3,
        WRITE | DENYOOM | FAST,
        KeySpec::ONE,
        WRITE_FAST,
        Handler::Write(lpush),
        "1.0.0",
    ),
    list_spec(
        "rpush",
        -3,
        WRITE | DENYOOM | FAST,
        KeySpec::ONE,
        WRITE_FAST,
        Handler::Write(rpush),
        "1.0.0",
    ),
    list_spec(
        "lpushx",
        -3,
        WRITE | DENYOOM | FAST,
        KeySpec::ONE,
        WRITE_FAST,
        Handler::Write(lpushx),
        "2.2.0",
    ),
    list_spec(
        "rpushx",
        -3,
        WRITE | DENYOOM | FAST,
        KeySpec::ONE,
        WRITE_FAST,
        Handler::Write(rpushx),
        "2.2.0",
    ),
    list_spec(
        "lpop",
        -2,
        WRITE | FAST,
        KeySpec::ONE,
        WRITE_FAST,
        Handler::Write(lpop),
        "1.0.0",
    ),
    list_spec(
        "rpop",
        -2,
        WRITE | FAST,
        KeySpec::ONE,
        WRITE_FAST,
        Handler::Write(rpop),
        "1.0.0",
    ),
    list_spec(
        "llen",
        2,
        READONLY | FAST,
        KeySpec::ONE,
        READ_FAST,
        Handler::Read(llen),
        "1.0.0",
    ),
    list_spec(
        "lrange",
        4,
        READONLY,
        KeySpec::ONE,
        READ_SLOW,
        Handler::Read(lrange),
        "1.0.0",
    ),
    list_spec(
        "lindex",
        3,
        READONLY,
        KeySpec::ONE,
        READ_SLOW,
        Handler::Read(lindex),
        "1.0.0",
    ),
    list_spec(
        "lset",
        4,
        WRITE | DENYOOM,
        KeySpec::ONE,
        WRITE_SLOW,
        Handler::Write(lset),
        "1.0.0",
    ),
    list_spec(
        "linsert",
        5,
        WRITE | DENYOOM,
        KeySpec::ONE,
        WRITE_SLOW,
        Handler::Write(linsert),
        "2.2.0",
    ),
    list_spec(
        "lrem",
        4,
        WRITE,
        KeySpec::ONE,
        WRITE_SLOW,
        Handler::Write(lrem),
        "1.0.0",
    ),
    list_spec(
        "ltrim",
        4,
        WRITE,
        KeySpec::ONE,
        WRITE_SLOW,
        Handler::Write(ltrim),
        "1.0.0",
    ),
    list_spec(
        "lpos",
        -3,
        READONLY,
        KeySpec::ONE,
        READ_SLOW,
        Handler::Read(lpos),
        "6.0.6",
    ),
    list_spec(
        "lmove",
        5,
        WRITE | DENYOOM,
        KeySpec::TWO,
        WRITE_SLOW,
        Handler::Write(lmove),
        "6.2.0",
    ),
    list_spec(
        "rpoplpush",
        3,
        WRITE | DENYOOM,
        KeySpec::TWO,
        WRITE_SLOW,
        Handler::Write(rpoplpush),
        "1.2.0",
    ),
    movable(
        list_spec(
            "lmpop",
            -4,
            WRITE,
            KeySpec::NONE,
            WRITE_SLOW,
            Handler::Write(lmpop),
            "7.0.0",
        ),
        lmpop_keys,
    ),
    list_spec(
        "blpop",
        -3,
        WRITE | BLOCKING,
        ALL_BUT_LAST,
        BLOCKING_SLOW,
        Handler::Write(blpop),
        "2.0.0",
    ),
    list_spec(
        "brpop",
        -3,
        WRITE | BLOCKING,
        ALL_BUT_LAST,
        BLOCKING_SLOW,
        Handler::Write(brpop),
        "2.0.0",
    ),
    list_spec(
        "blmove",
        6,
        WRITE | DENYOOM | BLOCKING,
        KeySpec::TWO,
        BLOCKING_SLOW,
        Handler::Write(blmove),
        "6.2.0",
    ),
    list_spec(
        "brpoplpush",
        4,
        WRITE | DENYOOM | BLOCKING,
        KeySpec::TWO,
        BLOCKING_SLOW,
        Handler::Write(brpoplpush),
        "2.2.0",
    ),
    movable(
        list_spec(
            "blmpop",
            -5,
            WRITE | BLOCKING,
            KeySpec::NONE,
            BLOCKING_SLOW,
            Handler::Write(blmpop),
            "7.0.0",
        ),
        blmpop_keys,
    ),
];

fn list<'c>(ctx: &'c mut Ctx<'_>, key: &[u8]) -> Result<Option<&'c mut List>, Frame> {
    ctx.get_as(key, Value::as_list_mut)
}

fn push(ctx: &mut Ctx<'_>, argv: &[Bytes], end: End, only_existing: bool) -> Frame {
    let key = &argv[1];
    if only_existing {
        match list(ctx, key) {
            Ok(Some(_)) => {}
            Ok(None) => return Frame::Integer(0),
            Err(e) => return e,
        }
    }
    match ctx.get_or_create(key, || Value::List(Box::default()), Value::as_list_mut) {
        Ok(l) => {
            for item in &argv[2..] {
                l.push(end, item);
            }
            Frame::Integer(l.len() as i64)
        }
        Err(e) => e,
    }
}

fn lpush(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> Frame {
    push(ctx, argv, End::Left, false)
}

fn rpush(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> Frame {
    push(ctx, argv, End::Right, false)
}

fn lpushx(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> Frame {
    push(ctx, argv, End::Left, true)
}

fn rpushx(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> Frame {
    push(ctx, argv, End::Right, true)
}

/// Pops up to `count` elements from `end` of the list under `key`, deleting it when emptied.
/// `None` if the key is absent.
fn pop_n(
    ctx: &mut Ctx<'_>,
    key: &[u8],
    end: End,
    count: usize,
) -> Result<Option<Vec<Frame>>, Frame> {
    let popped = match list(ctx, key)? {
        None => return Ok(None),
        Some(l) => (0..count)
            .map_while(|_| l.pop(end))
            .map(|item| Frame::bulk_from(&item))
            .collect(),
    };
    ctx.remove_if_empty(key);
    Ok(Some(popped))
}

fn pop(ctx: &mut Ctx<'_>, argv: &[Bytes], end: End) -> Frame {
    if argv.len() > 3 {
        // Redis's table says "at least 2"; the command itself refuses more than 3.
        return Frame::error(error::wrong_arity(
            &String::from_utf8_lossy(&argv[0]).to_ascii_lowercase(),
        ));
    }
    let count = match argv.get(2).map(|c| parse_i64(c)) {
        None => None,
        Some(Some(n)) if n >= 0 => Some(n as usize),
        Some(Some(_)) => return Frame::error(error::MUST_BE_POSITIVE),
        Some(None) => return Frame::error(error::MUST_BE_POSITIVE),
    };
    match (pop_n(ctx, &argv[1], end, count.unwrap_or(1)), count) {
        (Err(e), _) => e,
        (Ok(None), None) => Frame::Null,
        (Ok(None), Some(_)) => Frame::NullArray,
        (Ok(Some(mut items)), None) => items.pop().unwrap_or(Frame::Null),
        (Ok(Some(items)), Some(_)) => Frame::Array(items),
    }
}

fn lpop(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> Frame {
    pop(ctx, argv, End::Left)
}

fn rpop(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> Frame {
    pop(ctx, argv, End::Right)
}

fn llen(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> Frame {
    match list(ctx, &argv[1]) {
        Ok(l) => Frame::Integer(l.map_or(0, |l| l.len()) as i64),
        Err(e) => e,
    }
}

/// Redis's range normalization: negative indexes count from the end; the result is a
/// half-open range inside `0..len`, empty when the range misses the list.
pub(crate) fn normalize_range(start: i64, stop: i64, len: usize) -> std::ops::Range<usize> {
    let len = len as i64;
    let start = if start < 0 {
        (len + start).max(0)
    } else {
        start
    };
    let stop = if stop < 0 {
        len + stop
    } else {
        stop.min(len - 1)
    };
    if start > stop || start >= len {
        return 0..0;
    }
    start as usize..stop as usize + 1
}

fn parse_ints(args: &[Bytes]) -> Result<Vec<i64>, Frame> {
    args.iter()
        .map(|a| parse_i64(a).ok_or_else(|| Frame::error(error::NOT_INTEGER)))
        .collect()
}

fn lrange(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> Frame {
    let (start, stop) = match parse_ints(&argv[2..4]) {
        Ok(v) => (v[0], v[1]),
        Err(e) => return e,
    };
    match list(ctx, &argv[1]) {
        Ok(Some(l)) => {
            let r = normalize_range(start, stop, l.len());
            Frame::Array(l.range(r.start, r.end).map(Frame::bulk_from).collect())
        }
        Ok(None) => Frame::Array(Vec::new()),
        Err(e) => e,
    }
}

/// A list index (negative from the end) as a position, if inside the list.
fn position(index: i64, len: usize) -> Option<usize> {
    let i = if index < 0 { len as i64 + index } else { index };
    (0..len as i64).contains(&i).then_some(i as usize)
}

// LINDEX and LSET look the key up before reading the index (a bad index on an absent key
// is nil / "no such key", on another type WRONGTYPE).
fn lindex(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> Frame {
    match list(ctx, &argv[1]) {
        Ok(Some(l)) => {
            let Some(index) = parse_i64(&argv[2]) else {
                return Frame::error(error::NOT_INTEGER);
            };
            match position(index, l.len()).and_then(|i| l.get(i)) {
                Some(item) => Frame::bulk_from(item),
                None => Frame::Null,
            }
        }
        Ok(None) => Frame::Null,
        Err(e) => e,
    }
}

fn lset(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> Frame {
    match list(ctx, &argv[1]) {
        Ok(Some(l)) => {
            let Some(index) = parse_i64(&argv[2]) else {
                return Frame::error(error::NOT_INTEGER);
            };
            match position(index, l.len()) {
                Some(i) => {
                    l.set(i, &argv[3]);
                    Frame::ok()
                }
                None => Frame::error(error::INDEX_OUT_OF_RANGE),
            }
        }
        Ok(None) => Frame::error(error::NO_SUCH_KEY),
        Err(e) => e,
    }
}

fn linsert(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> Frame {
    let after = if is(&argv[2], "after") {
        true
    } else if is(&argv[2], "before") {
        false
    } else {
        return Frame::error(error::SYNTAX);
    };
    match list(ctx, &argv[1]) {
        Ok(Some(l)) => {
            let pivot = l.iter().position(|item| item == &argv[3][..]);
            match pivot {
                Some(i) => {
                    l.insert(i + after as usize, &argv[4]);
                    Frame::Integer(l.len() as i64)
                }
                None => Frame::Integer(-1),
            }
        }
        Ok(None) => Frame::Integer(0),
        Err(e) => e,
    }
}

fn lrem(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> Frame {
    let Some(count) = parse_i64(&argv[2]) else {
        return Frame::error(error::NOT_INTEGER);
    };
    let target = &argv[3][..];
    let removed = match list(ctx, &argv[1]) {
        Ok(Some(l)) => {
            let limit = if count == 0 {
                u64::MAX
            } else {
                count.unsigned_abs()
            };
            // Mark the positions to drop, scanning from the end `count` names.
            let n = l.len();
            let mut drop = vec![false; n];
            let mut removed = 0u64;
            let order: Box<dyn Iterator<Item = usize>> = if count < 0 {
                Box::new((0..n).rev())
            } else {
                Box::new(0..n)
            };
            for i in order {
                if removed == limit {
                    break;
                }
                if l.get(i) == Some(target) {
                    drop[i] = true;
                    removed += 1;
                }
            }
            let mut i = 0;
            l.retain(|_| {
                let keep = !drop[i];
                i += 1;
                keep
            });
            removed
        }
        Ok(None) => 0,
        Err(e) => return e,
    };
    ctx.remove_if_empty(&argv[1]);
    Frame::Integer(removed as i64)
}

fn ltrim(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> Frame {
    let (start, stop) = match parse_ints(&argv[2..4]) {
        Ok(v) => (v[0], v[1]),
        Err(e) => return e,
    };
    match list(ctx, &argv[1]) {
        Ok(Some(l)) => {
            let r = normalize_range(start, stop, l.len());
            l.retain_range(r.start, r.end);
        }
        Ok(None) => {}
        Err(e) => return e,
    }
    ctx.remove_if_empty(&argv[1]);
    Frame::ok()
}

fn lpos(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> Frame {
    let (mut rank, mut count, mut maxlen) = (1i64, None, 0i64);
    let mut i = 3;
    while i < argv.len() {
        let Some(arg) = argv.get(i + 1) else {
            return Frame::error(error::SYNTAX);
        };
        // RANK refuses a non-number as such; COUNT and MAXLEN as "can't be negative".
        let n = parse_i64(arg);
        if is(&argv[i], "rank") {
            let Some(n) = n else {
                return Frame::error(error::NOT_INTEGER);
            };
            if n == 0 {
                return Frame::error(error::LPOS_RANK_ZERO);
            }
            rank = n;
        } else if is(&argv[i], "count") {
            match n {
                Some(n) if n >= 0 => count = Some(n),
                _ => return Frame::error(error::LPOS_COUNT_NEGATIVE),
            }
        } else if is(&argv[i], "maxlen") {
            match n {
                Some(n) if n >= 0 => maxlen = n,
                _ => return Frame::error(error::LPOS_MAXLEN_NEGATIVE),
            }
        } else {
            return Frame::error(error::SYNTAX);
        }
        i += 2;
    }
    // Redis 7.0 negates the rank in a signed long: i64::MIN stays negative, so it counts
    // every match from the tail and its COUNT test overflows (never reached).
    let rank_min = rank == i64::MIN;
    if rank_min {
        rank = -1;
    }
    let l = match list(ctx, &argv[1]) {
        Ok(Some(l)) => l,
        Ok(None) if count.is_some() => return Frame::Array(Vec::new()),
        Ok(None) => return Frame::Null,
        Err(e) => return e,
    };
    let n = l.len();
    let scan = if maxlen == 0 {
        n
    } else {
        (maxlen as usize).min(n)
    };
    let positions: Box<dyn Iterator<Item = usize>> = if rank > 0 {
        Box::new(0..scan)
    } else {
        Box::new((n - scan..n).rev())
    };
    let target = &argv[2][..];
    let mut skip = rank.unsigned_abs() - 1;
    let want = match count {
        Some(_) if rank_min => usize::MAX,
        Some(0) => usize::MAX,
        Some(c) => c as usize,
        None => 1,
    };
    let mut found = Vec::new();
    for p in positions {
        if l.get(p) == Some(target) {
            if skip > 0 {
                skip -= 1;
                continue;
            }
            found.push(Frame::Integer(p as i64));
            if found.len() >= want {
                break;
            }
        }
    }
    match count {
        Some(_) => Frame::Array(found),
        None => found.pop().unwrap_or(Frame::Null),
    }
}

fn parse_end(arg: &[u8]) -> Result<End, Frame> {
    if is(arg, "left") {
        Ok(End::Left)
    } else if is(arg, "right") {
        Ok(End::Right)
    } else {
        Err(Frame::error(error::SYNTAX))
    }
}

/// LMOVE's work: `Ok(None)` when the source is empty.
fn move_one(
    ctx: &mut Ctx<'_>,
    src: &[u8],
    dst: &[u8],
    from: End,
    to: End,
) -> Result<Option<Bytes>, Frame> {
    if list(ctx, src)?.is_none() {
        return Ok(None);
    }
    // The destination's type is checked before anything is popped.
    list(ctx, dst)?;
    let item = match list(ctx, src)?.and_then(|l| l.pop(from)) {
        Some(item) => item,
        None => return Ok(None),
    };
    let dest = ctx.get_or_create(dst, || Value::List(Box::default()), Value::as_list_mut)?;
    dest.push(to, &item);
    ctx.remove_if_empty(src);
    Ok(Some(Bytes::copy_from_slice(&item)))
}

fn lmove_generic(ctx: &mut Ctx<'_>, argv: &[Bytes], from: End, to: End) -> Frame {
    match move_one(ctx, &argv[1], &argv[2], from, to) {
        Ok(Some(item)) => Frame::Bulk(item),
        Ok(None) => Frame::Null,
        Err(e) => e,
    }
}

fn lmove(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> Frame {
    match (parse_end(&argv[3]), parse_end(&argv[4])) {
        (Ok(from), Ok(to)) => lmove_generic(ctx, argv, from, to),
        (Err(e), _) | (_, Err(e)) => e,
    }
}

fn rpoplpush(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> Frame {
    lmove_generic(ctx, argv, End::Right, End::Left)
}

/// LMPOP/BLMPOP's arguments after `numkeys`'s position.
struct Mpop {
    keys: Vec<Bytes>,
    end: End,
    count: usize,
}

/// Parses `numkeys key… LEFT|RIGHT [COUNT n]` from `args` (LMPOP's argv[1..], BLMPOP's
/// argv[2..]); ZMPOP/BZMPOP pass `min`/`max` as the two words. Returns the keys, whether the
/// first word was given, and the count.
pub(crate) fn parse_mpop(
    args: &[Bytes],
    left: &str,
    right: &str,
) -> Result<(Vec<Bytes>, bool, usize), Frame> {
    // Redis reads numkeys and COUNT with one message for "not a number" and "not positive".
    let numkeys = match parse_i64(&args[0]) {
        Some(n) if n > 0 => n as usize,
        _ => return Err(Frame::error(error::NUMKEYS_NOT_POSITIVE)),
    };
    if numkeys > args.len() - 1 {
        return Err(Frame::error(error::SYNTAX));
    }
    let keys = args[1..=numkeys].to_vec();
    let rest = &args[numkeys + 1..];
    let Some(which) = rest.first() else {
        return Err(Frame::error(error::SYNTAX));
    };
    let first = if is(which, left) {
        true
    } else if is(which, right) {
        false
    } else {
        return Err(Frame::error(error::SYNTAX));
    };
    // Options are read in order, as Redis does: a bad COUNT is reported before what follows
    // it, and COUNT may be given once.
    let mut count = None;
    let mut opts = &rest[1..];
    while let Some(word) = opts.first() {
        match opts.get(1) {
            Some(n) if count.is_none() && is(word, "count") => {
                match parse_i64(n) {
                    Some(n) if n > 0 => count = Some(n as usize),
                    _ => return Err(Frame::error(error::COUNT_NOT_POSITIVE)),
                }
                opts = &opts[2..];
            }
            _ => return Err(Frame::error(error::SYNTAX)),
        }
    }
    let count = count.unwrap_or(1);
    Ok((keys, first, count))
}

fn parse_list_mpop(args: &[Bytes]) -> Result<Mpop, Frame> {
    let (keys, left, count) = parse_mpop(args, "left", "right")?;
    Ok(Mpop {
        keys,
        end: if left { End::Left } else { End::Right },
        count,
    })
}

/// Pops from the first non-empty list of `m.keys`: `[key, [elements]]`, or `None`.
fn mpop_first(ctx: &mut Ctx<'_>, m: &Mpop) -> Result<Option<Frame>, Frame> {
    for key in &m.keys {
        if let Some(items) = pop_n(ctx, key, m.end, m.count)? {
            return Ok(Some(Frame::Array(vec![
                Frame::Bulk(key.clone()),
                Frame::Array(items),
            ])));
        }
    }
    Ok(None)
}

fn lmpop(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> Frame {
    let m = match parse_list_mpop(&argv[1..]) {
        Ok(m) => m,
        Err(e) => return e,
    };
    match mpop_first(ctx, &m) {
        Ok(Some(reply)) => reply,
        Ok(None) => Frame::NullArray,
        Err(e) => e,
    }
}

/// A blocking command's timeout in seconds (fractions allowed) as ms, Redis's way: 0 = forever.
/// Read like Redis's `strtold`: hex floats (`0x1p-3`) and `inf` are numbers.
pub(crate) fn parse_timeout(arg: &[u8]) -> Result<u64, Frame> {
    let secs = parse_f64(arg).ok_or_else(|| Frame::error(error::TIMEOUT_NOT_FLOAT))?;
    let ms = (secs * 1000.0).ceil();
    // Redis converts to a C long long: infinities and overflows come out negative.
    if !(0.0..9.2e18).contains(&ms) {
        return Err(Frame::error(error::TIMEOUT_NEGATIVE));
    }
    Ok(ms as u64)
}

/// Returns the blocked placeholder for a blocking pop with nothing to pop.
pub(crate) fn block_on(ctx: &mut Ctx<'_>, keys: Vec<Bytes>, timeout_ms: u64) -> Frame {
    ctx.block(Block {
        keys,
        timeout_ms,
        retry: None,
    })
}

fn bpop(ctx: &mut Ctx<'_>, argv: &[Bytes], end: End) -> Frame {
    let timeout = match parse_timeout(&argv[argv.len() - 1]) {
        Ok(t) => t,
        Err(e) => return e,
    };
    let keys = &argv[1..argv.len() - 1];
    for key in keys {
        match pop_n(ctx, key, end, 1) {
            Ok(Some(mut items)) => {
                if let Some(item) = items.pop() {
                    return Frame::Array(vec![Frame::Bulk(key.clone()), item]);
                }
            }
            Ok(None) => {}
            Err(e) => return e,
        }
    }
    block_on(ctx, keys.to_vec(), timeout)
}

fn blpop(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> Frame {
    bpop(ctx, argv, End::Left)
}

fn brpop(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> Frame {
    bpop(ctx, argv, End::Right)
}

fn blmove_generic(
    ctx: &mut Ctx<'_>,
    argv: &[Bytes],
    from: End,
    to: End,
    timeout_at: usize,
) -> Frame {
    let timeout = match parse_timeout(&argv[timeout_at]) {
        Ok(t) => t,
        Err(e) => return e,
    };
    match move_one(ctx, &argv[1], &argv[2], from, to) {
        Ok(Some(item)) => Frame::Bulk(item),
        Ok(None) => block_on(ctx, vec![argv[1].clone()], timeout),
        Err(e) => e,
    }
}

fn blmove(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> Frame {
    match (parse_end(&argv[3]), parse_end(&argv[4])) {
        (Ok(from), Ok(to)) => blmove_generic(ctx, argv, from, to, 5),
        (Err(e), _) | (_, Err(e)) => e,
    }
}

fn brpoplpush(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> Frame {
    blmove_generic(ctx, argv, End::Right, End::Left, 3)
}

fn blmpop(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> Frame {
    // Redis checks the rest of the arguments before the timeout.
    let m = match parse_list_mpop(&argv[2..]) {
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranges_normalize_like_redis() {
        assert_eq!(normalize_range(0, -1, 3), 0..3);
        assert_eq!(normalize_range(-100, 100, 3), 0..3);
        assert_eq!(normalize_range(2, 1, 3), 0..0);
        assert_eq!(normalize_range(3, 5, 3), 0..0);
        assert_eq!(normalize_range(-2, -1, 3), 1..3);
        assert_eq!(normalize_range(0, -4, 3), 0..0);
        assert_eq!(normalize_range(0, 0, 0), 0..0);
    }

    #[test]
    fn mpop_options_are_read_in_order_like_redis() {
        use crate::cmd::test_argv as argv;
        let err = |args: &[&str]| parse_mpop(&argv(args), "left", "right").unwrap_err();
        assert_eq!(
            err(&["1", "k", "left", "count", "0", "x"]),
            Frame::error(error::COUNT_NOT_POSITIVE)
        );
        assert_eq!(
            err(&["1", "k", "left", "count", "1", "count", "2"]),
            Frame::error(error::SYNTAX)
        );
        assert_eq!(
            err(&["1", "k", "left", "count"]),
            Frame::error(error::SYNTAX)
        );
        let (keys, left, count) = parse_mpop(
            &argv(&["2", "a", "b", "RIGHT", "COUNT", "3"]),
            "left",
            "right",
        )
        .unwrap();
        assert_eq!((keys, left, count), (argv(&["a", "b"]), false, 3));
    }

    #[test]
    fn timeouts_parse_like_redis() {
        assert_eq!(parse_timeout(b"0"), Ok(0));
        assert_eq!(parse_timeout(b"0.01"), Ok(10));
        assert_eq!(parse_timeout(b"1.0001"), Ok(1001));
        assert!(parse_timeout(b"abc").is_err());
        assert!(parse_timeout(b"-1").is_err());
        assert!(parse_timeout(b"1e100").is_err());
        assert!(parse_timeout(b"inf").is_err());
        assert_eq!(parse_timeout(b"0x1p-3"), Ok(125));
        assert_eq!(parse_timeout(b"-0.0001"), Ok(0));
        assert!(parse_timeout(b" 1").is_err());
        assert!(parse_timeout(b"nan").is_err());
    }
}
