//! String commands: GET SET (all options) SETNX SETEX PSETEX MGET MSET MSETNX GETSET GETDEL GETEX
//! APPEND STRLEN SETRANGE GETRANGE SUBSTR INCR DECR INCRBY DECRBY INCRBYFLOAT LCS.
//!
//! Each command parses its arguments into a typed value, executes on the [`Ctx`], and renders a
//! [`Frame`]. Writes run inside apply, so `ctx.now_ms` is the log entry's clock.

use bytes::Bytes;
use redraft_protocol::Frame;

use super::ctx::Ttl;
use super::flags::*;
use super::parse::{is, parse_i64};
use super::{spec, CommandSpec, Ctx, Handler, KeySpec};
use crate::error;
use crate::ldouble::{LdError, LongDouble};
use crate::value::Value;

const STR_READ: &[&str] = &["read", "string", "fast"];
const STR_WRITE: &[&str] = &["write", "string", "fast"];
const STR_WRITE_SLOW: &[&str] = &["write", "string", "slow"];
const STR_READ_SLOW: &[&str] = &["read", "string", "slow"];

/// String commands.
pub const COMMANDS: &[CommandSpec] = &[
    spec(
        "get",
        2,
        READONLY | FAST,
        KeySpec::ONE,
        STR_READ,
        Handler::Read(get),
    ),
    spec(
        "set",
        -3,
        WRITE | DENYOOM,
        KeySpec::ONE,
        STR_WRITE_SLOW,
        Handler::Write(set),
    ),
    spec(
        "setnx",
        3,
        WRITE | DENYOOM | FAST,
        KeySpec::ONE,
        STR_WRITE,
        Handler::Write(setnx),
    ),
    spec(
        "setex",
        4,
        WRITE | DENYOOM,
        KeySpec::ONE,
        STR_WRITE_SLOW,
        Handler::Write(setex),
    ),
    spec(
        "psetex",
        4,
        WRITE | DENYOOM,
        KeySpec::ONE,
        STR_WRITE_SLOW,
        Handler::Write(psetex),
    ),
    spec(
        "mget",
        -2,
        READONLY | FAST,
        KeySpec::ALL,
        STR_READ,
        Handler::Read(mget),
    ),
    spec(
        "mset",
        -3,
        WRITE | DENYOOM,
        KeySpec {
            first: 1,
            last: -1,
            step: 2,
        },
        STR_WRITE_SLOW,
        Handler::Write(mset),
    ),
    spec(
        "msetnx",
        -3,
        WRITE | DENYOOM,
        KeySpec {
            first: 1,
            last: -1,
            step: 2,
        },
        STR_WRITE_SLOW,
        Handler::Write(msetnx),
    ),
    spec(
        "getset",
        3,
        WRITE | DENYOOM | FAST,
        KeySpec::ONE,
        STR_WRITE,
        Handler::Write(getset),
    ),
    spec(
        "getdel",
        2,
        WRITE | FAST,
        KeySpec::ONE,
        STR_WRITE,
        Handler::Write(getdel),
    ),
    spec(
        "getex",
        -2,
        WRITE | FAST,
        KeySpec::ONE,
        STR_WRITE,
        Handler::Write(getex),
    ),
    spec(
        "append",
        3,
        WRITE | DENYOOM | FAST,
        KeySpec::ONE,
        STR_WRITE,
        Handler::Write(append),
    ),
    spec(
        "strlen",
        2,
        READONLY | FAST,
        KeySpec::ONE,
        STR_READ,
        Handler::Read(strlen),
    ),
    spec(
        "setrange",
        4,
        WRITE | DENYOOM,
        KeySpec::ONE,
        STR_WRITE_SLOW,
        Handler::Write(setrange),
    ),
    spec(
        "getrange",
        4,
        READONLY,
        KeySpec::ONE,
        STR_READ_SLOW,
        Handler::Read(getrange),
    ),
    spec(
        "substr",
        4,
        READONLY,
        KeySpec::ONE,
        STR_READ_SLOW,
        Handler::Read(getrange),
    ),
    spec(
        "incr",
        2,
        WRITE | DENYOOM | FAST,
        KeySpec::ONE,
        STR_WRITE,
        Handler::Write(incr),
    ),
    spec(
        "decr",
        2,
        WRITE | DENYOOM | FAST,
        KeySpec::ONE,
        STR_WRITE,
        Handler::Write(decr),
    ),
    spec(
        "incrby",
        3,
        WRITE | DENYOOM | FAST,
        KeySpec::ONE,
        STR_WRITE,
        Handler::Write(incrby),
    ),
    spec(
        "decrby",
        3,
        WRITE | DENYOOM | FAST,
        KeySpec::ONE,
        STR_WRITE,
        Handler::Write(decrby),
    ),
    spec(
        "incrbyfloat",
        3,
        WRITE | DENYOOM | FAST,
        KeySpec::ONE,
        STR_WRITE,
        Handler::Write(incrbyfloat),
    ),
    spec(
        "lcs",
        -3,
        READONLY,
        KeySpec::TWO,
        STR_READ_SLOW,
        Handler::Read(lcs),
    ),
];

fn bulk_or_null(v: Option<&[u8]>) -> Frame {
    match v {
        Some(b) => Frame::bulk_from(b),
        None => Frame::Null,
    }
}

fn get(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> Frame {
    match ctx.get_string(&argv[1]) {
        Ok(v) => bulk_or_null(v),
        Err(e) => e,
    }
}

/// Options shared by SET and GETEX.
#[derive(Default, Debug, PartialEq)]
struct SetOptions {
    nx: bool,
    xx: bool,
    get: bool,
    keepttl: bool,
    persist: bool,
    /// (unit in ms, absolute?, argument)
    expire: Option<(u64, bool, Bytes)>,
}

#[derive(PartialEq, Clone, Copy)]
enum OptionsFor {
    Set,
    GetEx,
}

/// Parses `[NX|XX] [GET] [EX|PX|EXAT|PXAT n|KEEPTTL|PERSIST]` with Redis's conflict rules.
fn parse_set_options(args: &[Bytes], target: OptionsFor) -> Result<SetOptions, Frame> {
    let mut o = SetOptions::default();
    let mut j = 0;
    while j < args.len() {
        let opt = &args[j];
        let next = args.get(j + 1);
        let has_expire = o.expire.is_some();
        let expire_kind = |word: &str| -> Option<(u64, bool)> {
            match word {
                "ex" => Some((1000, false)),
                "px" => Some((1, false)),
                "exat" => Some((1000, true)),
                "pxat" => Some((1, true)),
                _ => None,
            }
        };
        let lower = String::from_utf8_lossy(opt).to_ascii_lowercase();
        let same_kind =
            |o: &SetOptions, k: (u64, bool)| o.expire.as_ref().is_some_and(|e| (e.0, e.1) == k);
        if lower == "nx" && !o.xx && target == OptionsFor::Set {
            o.nx = true;
        } else if lower == "xx" && !o.nx && target == OptionsFor::Set {
            o.xx = true;
        } else if lower == "get" && target == OptionsFor::Set {
            o.get = true;
        } else if lower == "keepttl" && !o.persist && !has_expire && target == OptionsFor::Set {
            o.keepttl = true;
        } else if lower == "persist" && !has_expire && !o.keepttl && target == OptionsFor::GetEx {
            o.persist = true;
        } else if let (Some(kind), Some(next)) = (expire_kind(&lower), next) {
            if o.keepttl || o.persist || (has_expire && !same_kind(&o, kind)) {
                return Err(Frame::error(error::SYNTAX));
            }
            o.expire = Some((kind.0, kind.1, next.clone()));
            j += 1;
        } else {
            return Err(Frame::error(error::SYNTAX));
        }
        j += 1;
    }
    Ok(o)
}

/// Turns an EX/PX/EXAT/PXAT argument into an absolute deadline (unix ms).
fn deadline(
    arg: &[u8],
    unit_ms: u64,
    absolute: bool,
    now_ms: u64,
    cmd: &str,
) -> Result<u64, Frame> {
    let v = parse_i64(arg).ok_or_else(|| Frame::error(error::NOT_INTEGER))?;
    let invalid = || Frame::error(error::invalid_expire(cmd));
    if v <= 0 || (unit_ms == 1000 && v > i64::MAX / 1000) {
        return Err(invalid());
    }
    let mut ms = v * unit_ms as i64;
    if !absolute {
        ms = ms.checked_add(now_ms as i64).ok_or_else(invalid)?;
    }
    Ok(ms as u64)
}

fn set(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> Frame {
    let o = match parse_set_options(&argv[3..], OptionsFor::Set) {
        Ok(o) => o,
        Err(e) => return e,
    };
    let at = match &o.expire {
        Some((unit, abs, arg)) => match deadline(arg, *unit, *abs, ctx.now_ms, "set") {
            Ok(at) => Some(at),
            Err(e) => return e,
        },
        None => None,
    };
    let ttl = match (at, o.keepttl) {
        (Some(at), _) => Ttl::At(at),
        (None, true) => Ttl::Keep,
        (None, false) => Ttl::Clear,
    };
    set_generic(
        ctx,
        &argv[1],
        &argv[2],
        ttl,
        o.nx,
        o.xx,
        o.get,
        Frame::ok(),
        Frame::Null,
    )
}

#[allow(clippy::too_many_arguments)]
fn set_generic(
    ctx: &mut Ctx<'_>,
    key: &[u8],
    value: &[u8],
    ttl: Ttl,
    nx: bool,
    xx: bool,
    get: bool,
    ok_reply: Frame,
    abort_reply: Frame,
) -> Frame {
    let old = if get {
        match ctx.get_string(key) {
            Ok(v) => Some(bulk_or_null(v)),
            Err(e) => return e,
        }
    } else {
        None
    };
    // Plain SET skips this lookup: `Ctx::set` finds the key anyway.
    if nx || xx {
        let found = ctx.find(key).is_some();
        if (nx && found) || (xx && !found) {
            return old.unwrap_or(abort_reply);
        }
    }
    ctx.set(key, Value::string(value), ttl);
    old.unwrap_or(ok_reply)
}

fn setnx(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> Frame {
    set_generic(
        ctx,
        &argv[1],
        &argv[2],
        Ttl::Clear,
        true,
        false,
        false,
        Frame::Integer(1),
        Frame::Integer(0),
    )
}

fn setex_generic(ctx: &mut Ctx<'_>, argv: &[Bytes], unit: u64, cmd: &str) -> Frame {
    match deadline(&argv[2], unit, false, ctx.now_ms, cmd) {
        Ok(at) => set_generic(
            ctx,
            &argv[1],
            &argv[3],
            Ttl::At(at),
            false,
            false,
            false,
            Frame::ok(),
            Frame::Null,
        ),
        Err(e) => e,
    }
}

fn setex(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> Frame {
    setex_generic(ctx, argv, 1000, "setex")
}

fn psetex(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> Frame {
    setex_generic(ctx, argv, 1, "psetex")
}

fn mget(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> Frame {
    let values = argv[1..]
        .iter()
        .map(|k| match ctx.lookup(k) {
            Some(v) => bulk_or_null(v.as_string()),
            None => Frame::Null,
        })
        .collect();
    Frame::Array(values)
}

fn mset(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> Frame {
    if argv.len().is_multiple_of(2) {
        return Frame::error(error::wrong_arity("mset"));
    }
    for pair in argv[1..].chunks(2) {
        ctx.set(&pair[0], Value::string(&pair[1]), Ttl::Clear);
    }
    Frame::ok()
}

fn msetnx(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> Frame {
    if argv.len().is_multiple_of(2) {
        return Frame::error(error::wrong_arity("msetnx"));
    }
    if argv[1..].chunks(2).any(|pair| ctx.find(&pair[0]).is_some()) {
        return Frame::Integer(0);
    }
    for pair in argv[1..].chunks(2) {
        ctx.set(&pair[0], Value::string(&pair[1]), Ttl::Clear);
    }
    Frame::Integer(1)
}

fn getset(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> Frame {
    set_generic(
        ctx,
        &argv[1],
        &argv[2],
        Ttl::Clear,
        false,
        false,
        true,
        Frame::ok(),
        Frame::Null,
    )
}

fn getdel(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> Frame {
    let reply = match ctx.get_string(&argv[1]) {
        Ok(Some(v)) => Frame::bulk_from(v),
        Ok(None) => return Frame::Null,
        Err(e) => return e,
    };
    ctx.delete(&argv[1]);
    reply
}

fn getex(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> Frame {
    let o = match parse_set_options(&argv[2..], OptionsFor::GetEx) {
        Ok(o) => o,
        Err(e) => return e,
    };
    // Redis 7.0 looks the key up before validating the time.
    let reply = match ctx.get_string(&argv[1]) {
        Ok(Some(v)) => Frame::bulk_from(v),
        Ok(None) => return Frame::Null,
        Err(e) => return e,
    };
    let at = match &o.expire {
        Some((unit, abs, arg)) => match deadline(arg, *unit, *abs, ctx.now_ms, "getex") {
            Ok(at) => Some(at),
            Err(e) => return e,
        },
        None => None,
    };
    let now = ctx.now_ms;
    if let Some(slot) = ctx.find(&argv[1]) {
        match at {
            Some(at) if at <= now => {
                ctx.db().remove_slot(slot);
            }
            Some(at) => ctx.db().set_expire(slot, Some(at)),
            None if o.persist => ctx.db().set_expire(slot, None),
            None => {}
        }
    }
    reply
}

/// The string under `key` as an owned buffer to modify, or a WRONGTYPE error.
fn string_buf(ctx: &mut Ctx<'_>, key: &[u8]) -> Result<Option<Vec<u8>>, Frame> {
    match ctx.lookup(key) {
        None => Ok(None),
        Some(v) if v.as_string().is_none() => Err(Frame::error(error::WRONGTYPE)),
        Some(v) => match std::mem::replace(v, Value::Str(crate::compact::CompactBytes::EMPTY)) {
            Value::StrBuf(b) => Ok(Some(*b)),
            Value::Str(s) => Ok(Some(s.to_vec())),
            _ => unreachable!("checked to be a string above"),
        },
    }
}

fn check_length(ctx: &Ctx<'_>, total: u64) -> Result<(), Frame> {
    if total > ctx.max_string as u64 {
        Err(Frame::error(error::STRING_TOO_LONG))
    } else {
        Ok(())
    }
}

fn append(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> Frame {
    let (key, extra) = (&argv[1], &argv[2]);
    let existing_len = match ctx.get_string(key) {
        Ok(v) => v.map(|v| v.len()),
        Err(e) => return e,
    };
    let Some(len) = existing_len else {
        ctx.set(key, Value::string(extra), Ttl::Clear);
        return Frame::Integer(extra.len() as i64);
    };
    if let Err(e) = check_length(ctx, (len + extra.len()) as u64) {
        return e;
    }
    let mut buf = match string_buf(ctx, key) {
        Ok(Some(b)) => b,
        _ => unreachable!("key was just found holding a string"),
    };
    buf.extend_from_slice(extra);
    let n = buf.len();
    if let Some(v) = ctx.lookup(key) {
        *v = Value::StrBuf(Box::new(buf));
    }
    Frame::Integer(n as i64)
}

fn strlen(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> Frame {
    match ctx.get_string(&argv[1]) {
        Ok(v) => Frame::Integer(v.map_or(0, |v| v.len()) as i64),
        Err(e) => e,
    }
}

fn setrange(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> Frame {
    let (key, value) = (&argv[1], &argv[3]);
    let Some(offset) = parse_i64(&argv[2]) else {
        return Frame::error(error::NOT_INTEGER);
    };
    if offset < 0 {
        return Frame::error(error::OFFSET_OUT_OF_RANGE);
    }
    let offset = offset as u64;
    let existing = match ctx.get_string(key) {
        Ok(v) => v.map(|v| v.len()),
        Err(e) => return e,
    };
    match existing {
        None if value.is_empty() => return Frame::Integer(0),
        Some(len) if value.is_empty() => return Frame::Integer(len as i64),
        _ => {}
    }
    if let Err(e) = check_length(ctx, offset + value.len() as u64) {
        return e;
    }
    let mut buf = match string_buf(ctx, key) {
        Ok(b) => b.unwrap_or_default(),
        Err(e) => return e,
    };
    let end = offset as usize + value.len();
    if buf.len() < end {
        buf.resize(end, 0);
    }
    buf[offset as usize..end].copy_from_slice(value);
    let n = buf.len();
    if existing.is_some() {
        if let Some(v) = ctx.lookup(key) {
            *v = Value::StrBuf(Box::new(buf));
        }
    } else {
        ctx.set(key, Value::StrBuf(Box::new(buf)), Ttl::Clear);
    }
    Frame::Integer(n as i64)
}

fn getrange(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> Frame {
    let (Some(mut start), Some(mut end)) = (parse_i64(&argv[2]), parse_i64(&argv[3])) else {
        return Frame::error(error::NOT_INTEGER);
    };
    let s = match ctx.get_string(&argv[1]) {
        Ok(Some(s)) => s,
        Ok(None) => return Frame::Bulk(Bytes::new()),
        Err(e) => return e,
    };
    let len = s.len() as i64;
    if start < 0 && end < 0 && start > end {
        return Frame::Bulk(Bytes::new());
    }
    if start < 0 {
        start += len;
    }
    if end < 0 {
        end += len;
    }
    start = start.max(0);
    end = end.max(0);
    if end >= len {
        end = len - 1;
    }
    if start > end || len == 0 {
        return Frame::Bulk(Bytes::new());
    }
    Frame::bulk_from(&s[start as usize..=end as usize])
}

fn incr_by(ctx: &mut Ctx<'_>, key: &[u8], delta: i64) -> Frame {
    let current = match ctx.get_string(key) {
        Ok(None) => 0,
        Ok(Some(s)) => match parse_i64(s) {
            Some(v) => v,
            None => return Frame::error(error::NOT_INTEGER),
        },
        Err(e) => return e,
    };
    let Some(new) = current.checked_add(delta) else {
        return Frame::error(error::OVERFLOW);
    };
    let mut buf = itoa::Buffer::new();
    ctx.set(key, Value::string(buf.format(new).as_bytes()), Ttl::Keep);
    Frame::Integer(new)
}

fn incr(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> Frame {
    incr_by(ctx, &argv[1], 1)
}

fn decr(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> Frame {
    incr_by(ctx, &argv[1], -1)
}

fn incrby(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> Frame {
    match parse_i64(&argv[2]) {
        Some(d) => incr_by(ctx, &argv[1], d),
        None => Frame::error(error::NOT_INTEGER),
    }
}

fn decrby(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> Frame {
    match parse_i64(&argv[2]) {
        Some(i64::MIN) => Frame::error("ERR decrement would overflow"),
        Some(d) => incr_by(ctx, &argv[1], -d),
        None => Frame::error(error::NOT_INTEGER),
    }
}

fn incrbyfloat(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> Frame {
    let key = &argv[1];
    let current = match ctx.get_string(key) {
        Ok(None) => Ok(LongDouble::ZERO),
        Ok(Some(s)) => LongDouble::parse(s),
        Err(e) => return e,
    };
    let incr = LongDouble::parse(&argv[2]);
    let new = match (current, incr) {
        (Err(LdError::Invalid), _) | (_, Err(LdError::Invalid)) => {
            return Frame::error(error::NOT_FLOAT)
        }
        (Ok(a), Ok(b)) => a.checked_add(b),
        _ => Err(LdError::Infinite),
    };
    let Ok(new) = new else {
        return Frame::error(error::NAN_OR_INF);
    };
    let text = new.to_human();
    ctx.set(key, Value::string(text.as_bytes()), Ttl::Keep);
    Frame::Bulk(Bytes::from(text))
}

fn lcs(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> Frame {
    let a = match ctx
        .lookup(&argv[1])
        .map(|v| v.as_string().map(<[u8]>::to_vec))
    {
        None => Vec::new(),
        Some(Some(a)) => a,
        Some(None) => return Frame::error("ERR The specified keys must contain string values"),
    };
    let b = match ctx
        .lookup(&argv[2])
        .map(|v| v.as_string().map(<[u8]>::to_vec))
    {
        None => Vec::new(),
        Some(Some(b)) => b,
        Some(None) => return Frame::error("ERR The specified keys must contain string values"),
    };
    let (mut getlen, mut getidx, mut withmatchlen, mut minmatchlen) = (false, false, false, 0i64);
    let mut j = 3;
    while j < argv.len() {
        let more = argv.len() - 1 - j;
        if is(&argv[j], "idx") {
            getidx = true;
        } else if is(&argv[j], "len") {
            getlen = true;
        } else if is(&argv[j], "withmatchlen") {
            withmatchlen = true;
        } else if is(&argv[j], "minmatchlen") && more > 0 {
            match parse_i64(&argv[j + 1]) {
                Some(v) => minmatchlen = v.max(0),
                None => return Frame::error(error::NOT_INTEGER),
            }
            j += 1;
        } else {
            return Frame::error(error::SYNTAX);
        }
        j += 1;
    }
    if getidx && getlen {
        return Frame::error("ERR If you want both the length and indexes, please just use IDX.");
    }
    let cells = (a.len() as u64 + 1) * (b.len() as u64 + 1);
    if cells > (ctx.max_string as u64) / 4 {
        return Frame::error(
            "ERR Insufficient memory, transient memory for LCS exceeds proto-max-bulk-len",
        );
    }
    lcs_reply(&a, &b, getlen, getidx, withmatchlen, minmatchlen as usize)
}

/// The LCS table walk, producing Redis's exact reply (including its match order: last first).
fn lcs_reply(
    a: &[u8],
    b: &[u8],
    getlen: bool,
    getidx: bool,
    withmatchlen: bool,
    minmatchlen: usize,
) -> Frame {
    let (alen, blen) = (a.len(), b.len());
    let w = blen + 1;
    let mut t = vec![0u32; (alen + 1) * w];
    for i in 1..=alen {
        for j in 1..=blen {
            t[i * w + j] = if a[i - 1] == b[j - 1] {
                t[(i - 1) * w + j - 1] + 1
            } else {
                t[(i - 1) * w + j].max(t[i * w + j - 1])
            };
        }
    }
    let total = t[alen * w + blen] as usize;
    let computelcs = getidx || !getlen;
    let mut result = vec![0u8; total];
    let mut idx = total;
    let mut matches = Vec::new();
    let (mut i, mut j) = (alen, blen);
    let (mut astart, mut aend, mut bstart, mut bend) = (alen, 0usize, 0usize, 0usize);
    while computelcs && i > 0 && j > 0 {
        let mut emit = false;
        if a[i - 1] == b[j - 1] {
            result[idx - 1] = a[i - 1];
            if astart == alen {
                astart = i - 1;
                aend = i - 1;
                bstart = j - 1;
                bend = j - 1;
            } else if astart == i && bstart == j {
                astart -= 1;
                bstart -= 1;
            } else {
                emit = true;
            }
            if astart == 0 || bstart == 0 {
                emit = true;
            }
            idx -= 1;
            i -= 1;
            j -= 1;
        } else {
            if t[(i - 1) * w + j] > t[i * w + j - 1] {
                i -= 1;
            } else {
                j -= 1;
            }
            if astart != alen {
                emit = true;
            }
        }
        if emit {
            let len = aend - astart + 1;
            if minmatchlen == 0 || len >= minmatchlen {
                let mut m = vec![
                    Frame::Array(vec![
                        Frame::Integer(astart as i64),
                        Frame::Integer(aend as i64),
                    ]),
                    Frame::Array(vec![
                        Frame::Integer(bstart as i64),
                        Frame::Integer(bend as i64),
                    ]),
                ];
                if withmatchlen {
                    m.push(Frame::Integer(len as i64));
                }
                matches.push(Frame::Array(m));
            }
            astart = alen;
        }
    }
    if getidx {
        Frame::Map(vec![
            (
                Frame::Bulk(Bytes::from_static(b"matches")),
                Frame::Array(matches),
            ),
            (
                Frame::Bulk(Bytes::from_static(b"len")),
                Frame::Integer(total as i64),
            ),
        ])
    } else if getlen {
        Frame::Integer(total as i64)
    } else {
        Frame::Bulk(Bytes::from(result))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn b(s: &str) -> Bytes {
        Bytes::copy_from_slice(s.as_bytes())
    }

    #[test]
    fn set_option_conflicts_follow_redis() {
        let p = |words: &[&str]| {
            parse_set_options(
                &words.iter().map(|w| b(w)).collect::<Vec<_>>(),
                OptionsFor::Set,
            )
        };
        assert!(p(&["nx", "xx"]).is_err());
        assert!(p(&["ex", "10", "px", "10"]).is_err());
        assert!(p(&["ex", "10", "keepttl"]).is_err());
        assert!(p(&["ex"]).is_err());
        assert!(p(&["persist"]).is_err());
        assert_eq!(
            p(&["EX", "1", "ex", "2"]).unwrap().expire.unwrap().2,
            b("2")
        );
        let o = p(&["nx", "get", "pxat", "5"]).unwrap();
        assert!(o.nx && o.get);
    }

    #[test]
    fn deadlines_reject_non_positive_and_overflow() {
        assert_eq!(deadline(b"10", 1000, false, 5, "set").unwrap(), 10_005);
        assert_eq!(deadline(b"10", 1, true, 5, "set").unwrap(), 10);
        assert!(deadline(b"0", 1000, false, 5, "set").is_err());
        assert!(deadline(b"-1", 1, false, 5, "set").is_err());
        assert!(deadline(b"9223372036854775807", 1000, false, 5, "set").is_err());
        assert!(deadline(b"9223372036854775807", 1, false, 5, "set").is_err());
        assert!(deadline(b"x", 1, false, 5, "set").is_err());
    }

    #[test]
    fn lcs_matches_redis_examples() {
        let reply = lcs_reply(b"ohmytext", b"mynewtext", false, false, false, 0);
        assert_eq!(reply, Frame::Bulk(b("mytext")));
        assert_eq!(
            lcs_reply(b"ohmytext", b"mynewtext", true, false, false, 0),
            Frame::Integer(6)
        );
        let idx = lcs_reply(b"ohmytext", b"mynewtext", false, true, true, 0);
        let expected = Frame::Map(vec![
            (
                Frame::Bulk(b("matches")),
                Frame::Array(vec![
                    Frame::Array(vec![
                        Frame::Array(vec![Frame::Integer(4), Frame::Integer(7)]),
                        Frame::Array(vec![Frame::Integer(5), Frame::Integer(8)]),
                        Frame::Integer(4),
                    ]),
                    Frame::Array(vec![
                        Frame::Array(vec![Frame::Integer(2), Frame::Integer(3)]),
                        Frame::Array(vec![Frame::Integer(0), Frame::Integer(1)]),
                        Frame::Integer(2),
                    ]),
                ]),
            ),
            (Frame::Bulk(b("len")), Frame::Integer(6)),
        ]);
        assert_eq!(idx, expected);
    }
}
