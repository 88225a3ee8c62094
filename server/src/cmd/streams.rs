//! Stream commands: XADD XRANGE XREVRANGE XLEN XDEL XTRIM XREAD XREADGROUP XACK XPENDING XCLAIM
//! XAUTOCLAIM XSETID, and the XGROUP (CREATE SETID DESTROY CREATECONSUMER DELCONSUMER HELP) and
//! XINFO (STREAM GROUPS CONSUMERS HELP) containers.
//!
//! Each command parses its arguments in Redis's order (so the same bad command gets the same
//! error), executes on [`crate::types::stream::Stream`], and renders a [`Frame`]. Writes
//! (XADD, XREADGROUP, XCLAIM, XAUTOCLAIM, XACK…) run inside apply, so `ctx.now_ms` is the log
//! entry's clock: `*` IDs, delivery times and seen times come from it. Reads that report idle
//! times (XPENDING, XINFO) use the read's clock.
//!
//! XREAD BLOCK and XREADGROUP BLOCK hand a [`Block`] to the connection when nothing can be
//! served; XREAD's `$` is pinned to the stream's last ID in the retried command.

use bytes::Bytes;
use redraft_protocol::Frame;

use super::ctx::Block;
use super::flags::*;
use super::parse::{is, parse_i64};
use super::{spec, CommandSpec, Ctx, Handler, KeySpec};
use crate::error;
use crate::types::stream::{
    idle, parse_id, AddError, Claim, Entry, IdSyntax, NewId, SetIdError, Stream, StreamId, Trim,
    TrimStrategy,
};
use crate::types::Limits;
use crate::value::Value;

const READ_FAST: &[&str] = &["read", "stream", "fast"];
const READ_SLOW: &[&str] = &["read", "stream", "slow"];
const WRITE_FAST: &[&str] = &["write", "stream", "fast"];
const WRITE_SLOW: &[&str] = &["write", "stream", "slow"];

/// XGROUP and XINFO subcommands take their key at argv[2].
const SUB_KEY: KeySpec = KeySpec {
    first: 2,
    last: 2,
    step: 1,
};

/// Fills in COMMAND DOCS data the compact `spec` row leaves at its defaults.
const fn doc(s: CommandSpec, since: &'static str) -> CommandSpec {
    CommandSpec {
        since,
        group: "stream",
        ..s
    }
}

/// A row whose keys are found by [`read_keys`] (XREAD, XREADGROUP).
const fn movable(s: CommandSpec) -> CommandSpec {
    CommandSpec {
        keys_fn: Some(read_keys),
        ..s
    }
}

const XGROUP_SUBCOMMANDS: &[CommandSpec] = &[
    doc(
        spec(
            "create",
            -5,
            WRITE | DENYOOM,
            SUB_KEY,
            WRITE_SLOW,
            Handler::Write(xgroup_create),
        ),
        "5.0.0",
    ),
    doc(
        spec(
            "setid",
            -5,
            WRITE,
            SUB_KEY,
            WRITE_SLOW,
            Handler::Write(xgroup_setid),
        ),
        "5.0.0",
    ),
    doc(
        spec(
            "destroy",
            4,
            WRITE,
            SUB_KEY,
            WRITE_SLOW,
            Handler::Write(xgroup_destroy),
        ),
        "5.0.0",
    ),
    doc(
        spec(
            "createconsumer",
            5,
            WRITE | DENYOOM,
            SUB_KEY,
            WRITE_SLOW,
            Handler::Write(xgroup_createconsumer),
        ),
        "6.2.0",
    ),
    doc(
        spec(
            "delconsumer",
            5,
            WRITE,
            SUB_KEY,
            WRITE_SLOW,
            Handler::Write(xgroup_delconsumer),
        ),
        "5.0.0",
    ),
    doc(
        spec(
            "help",
            2,
            LOADING | STALE,
            KeySpec::NONE,
            &["stream", "slow"],
            Handler::Read(xgroup_help),
        ),
        "5.0.0",
    ),
];

const XINFO_SUBCOMMANDS: &[CommandSpec] = &[
    doc(
        spec(
            "stream",
            -3,
            READONLY,
            SUB_KEY,
            READ_SLOW,
            Handler::Read(xinfo_stream),
        ),
        "5.0.0",
    ),
    doc(
        spec(
            "groups",
            3,
            READONLY,
            SUB_KEY,
            READ_SLOW,
            Handler::Read(xinfo_groups),
        ),
        "5.0.0",
    ),
    doc(
        spec(
            "consumers",
            4,
            READONLY,
            SUB_KEY,
            READ_SLOW,
            Handler::Read(xinfo_consumers),
        ),
        "5.0.0",
    ),
    doc(
        spec(
            "help",
            2,
            LOADING | STALE,
            KeySpec::NONE,
            &["stream", "slow"],
            Handler::Read(xinfo_help),
        ),
        "5.0.0",
    ),
];

/// Stream commands.
pub const COMMANDS: &[CommandSpec] = &[
    doc(
        spec(
            "xadd",
            -5,
            WRITE | DENYOOM | FAST,
            KeySpec::ONE,
            WRITE_FAST,
            Handler::Write(xadd),
        ),
        "5.0.0",
    ),
    doc(
        spec(
            "xrange",
            -4,
            READONLY,
            KeySpec::ONE,
            READ_SLOW,
            Handler::Read(xrange),
        ),
        "5.0.0",
    ),
    doc(
        spec(
            "xrevrange",
            -4,
            READONLY,
            KeySpec::ONE,
            READ_SLOW,
            Handler::Read(xrevrange),
        ),
        "5.0.0",
    ),
    doc(
        spec(
            "xlen",
            2,
            READONLY | FAST,
            KeySpec::ONE,
            READ_FAST,
            Handler::Read(xlen),
        ),
        "5.0.0",
    ),
    doc(
        spec(
            "xdel",
            -3,
            WRITE | FAST,
            KeySpec::ONE,
            WRITE_FAST,
            Handler::Write(xdel),
        ),
        "5.0.0",
    ),
    doc(
        spec(
            "xtrim",
            -4,
            WRITE,
            KeySpec::ONE,
            WRITE_SLOW,
            Handler::Write(xtrim),
        ),
        "5.0.0",
    ),
    doc(
        movable(spec(
            "xread",
            -4,
            READONLY | BLOCKING | MOVABLEKEYS,
            KeySpec::NONE,
            &["read", "stream", "slow", "blocking"],
            Handler::Read(xread),
        )),
        "5.0.0",
    ),
    doc(
        movable(spec(
            "xreadgroup",
            -7,
            WRITE | BLOCKING | MOVABLEKEYS,
            KeySpec::NONE,
            &["write", "stream", "slow", "blocking"],
            Handler::Write(xreadgroup),
        )),
        "5.0.0",
    ),
    doc(
        spec(
            "xack",
            -4,
            WRITE | FAST,
            KeySpec::ONE,
            WRITE_FAST,
            Handler::Write(xack),
        ),
        "5.0.0",
    ),
    doc(
        spec(
            "xpending",
            -3,
            READONLY,
            KeySpec::ONE,
            READ_SLOW,
            Handler::Read(xpending),
        ),
        "5.0.0",
    ),
    doc(
        spec(
            "xclaim",
            -6,
            WRITE | FAST,
            KeySpec::ONE,
            WRITE_FAST,
            Handler::Write(xclaim),
        ),
        "5.0.0",
    ),
    doc(
        spec(
            "xautoclaim",
            -6,
            WRITE | FAST,
            KeySpec::ONE,
            WRITE_FAST,
            Handler::Write(xautoclaim),
        ),
        "6.2.0",
    ),
    doc(
        spec(
            "xsetid",
            -3,
            WRITE | DENYOOM | FAST,
            KeySpec::ONE,
            WRITE_FAST,
            Handler::Write(xsetid),
        ),
        "5.0.0",
    ),
    CommandSpec {
        subcommands: XGROUP_SUBCOMMANDS,
        ..doc(
            spec(
                "xgroup",
                -2,
                0,
                KeySpec::NONE,
                &["slow"],
                Handler::Container,
            ),
            "5.0.0",
        )
    },
    CommandSpec {
        subcommands: XINFO_SUBCOMMANDS,
        ..doc(
            spec("xinfo", -2, 0, KeySpec::NONE, &["slow"], Handler::Container),
            "5.0.0",
        )
    },
];

// ---------------------------------------------------------------------------------------------
// Shared parsing and rendering
// ---------------------------------------------------------------------------------------------

fn err(msg: &'static str) -> Frame {
    Frame::error(msg)
}

/// A strict ID (`ms[-seq]`, no `-`/`+`).
fn strict_id(arg: &[u8]) -> Result<StreamId, Frame> {
    parse_id(arg, IdSyntax::STRICT)
        .map(|p| p.id)
        .ok_or_else(|| err(error::INVALID_STREAM_ID))
}

/// An integer argument (Redis's `getLongLongFromObjectOrReply`).
fn int_arg(arg: &[u8], msg: &'static str) -> Result<i64, Frame> {
    parse_i64(arg).ok_or_else(|| err(msg))
}

/// A range bound: `-`, `+`, `ms[-seq]`, or `(ms[-seq]` (exclusive). Returns the inclusive ID.
fn interval_bound(arg: &[u8], start: bool) -> Result<StreamId, Frame> {
    let missing_seq = if start { 0 } else { u64::MAX };
    if arg.len() > 1 && arg[0] == b'(' {
        let syntax = IdSyntax {
            missing_seq,
            strict: true,
            auto_seq: false,
        };
        let id = parse_id(&arg[1..], syntax)
            .ok_or_else(|| err(error::INVALID_STREAM_ID))?
            .id;
        if start {
            id.incr().ok_or_else(|| err(error::INVALID_START_ID))
        } else {
            id.decr().ok_or_else(|| err(error::INVALID_END_ID))
        }
    } else {
        let syntax = IdSyntax {
            missing_seq,
            strict: false,
            auto_seq: false,
        };
        parse_id(arg, syntax)
            .map(|p| p.id)
            .ok_or_else(|| err(error::INVALID_STREAM_ID))
    }
}

fn id_frame(id: StreamId) -> Frame {
    Frame::Bulk(id.to_bytes())
}

/// `[id, [field, value, …]]`.
fn entry_frame(e: &Entry<'_>) -> Frame {
    let mut pairs = Vec::with_capacity(e.len() * 2);
    for (f, v) in e.fields() {
        pairs.push(Frame::bulk_from(f));
        pairs.push(Frame::bulk_from(v));
    }
    Frame::Array(vec![id_frame(e.id), Frame::Array(pairs)])
}

fn int(n: impl TryInto<i64>) -> Frame {
    Frame::Integer(n.try_into().unwrap_or(i64::MAX))
}

fn map(pairs: Vec<(&'static str, Frame)>) -> Frame {
    Frame::Map(
        pairs
            .into_iter()
            .map(|(k, v)| (Frame::Bulk(Bytes::from_static(k.as_bytes())), v))
            .collect(),
    )
}

/// XREAD's reply: one `[key, entries]` per stream served.
///
/// Redis replies a map in RESP3 and an array of pairs in RESP2; `Frame` has no variant for
/// that pair of shapes (`Map` flattens in RESP2), so both protocols get the RESP2 shape.
fn keyed_reply(items: Vec<(Bytes, Frame)>) -> Frame {
    Frame::Array(
        items
            .into_iter()
            .map(|(k, v)| Frame::Array(vec![Frame::Bulk(k), v]))
            .collect(),
    )
}

/// The stream under `key`: `Ok(None)` if absent.
fn stream_of<'c>(ctx: &'c mut Ctx<'_>, key: &[u8]) -> Result<Option<&'c mut Stream>, Frame> {
    ctx.get_as(key, Value::as_stream_mut)
}

// ---------------------------------------------------------------------------------------------
// XADD XTRIM
// ---------------------------------------------------------------------------------------------

/// What XADD and XTRIM parsed.
#[derive(Debug, PartialEq)]
struct AddTrim {
    trim: Option<Trim>,
    nomkstream: bool,
    id: NewId,
    /// True when XADD was given an explicit ID (not `*`).
    id_given: bool,
    /// Index of the ID argument (XADD); the fields follow it.
    id_pos: usize,
}

/// Parses XADD's options and ID, or XTRIM's options, in Redis's order.
fn parse_add_trim(argv: &[Bytes], xadd: bool, limits: &Limits) -> Result<AddTrim, Frame> {
    let mut strategy: Option<TrimStrategy> = None;
    let mut approx = false;
    let mut limit: i64 = 0;
    let mut limit_given = false;
    let mut nomkstream = false;
    let mut id = NewId::Auto;
    let mut id_given = false;
    let mut i = 2;
    while i < argv.len() {
        let more = argv.len() - 1 - i;
        let opt = &argv[i][..];
        if xadd && opt == b"*" {
            break;
        } else if (is(opt, "maxlen") || is(opt, "minid")) && more > 0 {
            if strategy.is_some() {
                return Err(err(error::TRIM_STRATEGY_TWICE));
            }
            approx = false;
            let next = &argv[i + 1][..];
            if more >= 2 && next == b"~" {
                approx = true;
                i += 1;
            } else if more >= 2 && next == b"=" {
                i += 1;
            }
            let value = &argv[i + 1];
            strategy = Some(if is(opt, "maxlen") {
                let n = int_arg(value, error::NOT_INTEGER)?;
                if n < 0 {
                    return Err(err(error::MAXLEN_NEGATIVE));
                }
                TrimStrategy::MaxLen(n as u64)
            } else {
                TrimStrategy::MinId(strict_id(value)?)
            });
            i += 1;
        } else if is(opt, "limit") && more > 0 {
            limit = int_arg(&argv[i + 1], error::NOT_INTEGER)?;
            if limit < 0 {
                return Err(err(error::LIMIT_NEGATIVE));
            }
            limit_given = true;
            i += 1;
        } else if xadd && is(opt, "nomkstream") {
            nomkstream = true;
        } else if xadd {
            let syntax = IdSyntax {
                auto_seq: true,
                ..IdSyntax::STRICT
            };
            let parsed = parse_id(opt, syntax).ok_or_else(|| err(error::INVALID_STREAM_ID))?;
            id = if parsed.seq_given {
                NewId::Explicit(parsed.id)
            } else {
                NewId::AutoSeq(parsed.id.ms)
            };
            id_given = true;
            break;
        } else {
            return Err(err(error::SYNTAX));
        }
        i += 1;
    }
    if limit != 0 && strategy.is_none() {
        return Err(err(error::LIMIT_WITHOUT_STRATEGY));
    }
    if !xadd && strategy.is_none() {
        return Err(err(error::XTRIM_NO_STRATEGY));
    }
    let limit = if limit_given {
        if !approx {
            return Err(err(error::LIMIT_WITHOUT_APPROX));
        }
        limit as u64
    } else if approx {
        match 100 * u64::from(limits.stream_node_max_entries) {
            0 => 10_000,
            n => n.min(1_000_000),
        }
    } else {
        0
    };
    Ok(AddTrim {
        trim: strategy.map(|strategy| Trim {
            strategy,
            approx,
            limit,
        }),
        nomkstream,
        id,
        id_given,
        id_pos: i,
    })
}

fn xadd(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> Frame {
    let args = match parse_add_trim(argv, true, &ctx.limits) {
        Ok(a) => a,
        Err(e) => return e,
    };
    let fields = &argv[(args.id_pos + 1).min(argv.len())..];
    if fields.len() < 2 || !fields.len().is_multiple_of(2) {
        return Frame::error(error::wrong_arity("xadd"));
    }
    if args.id_given && args.id == NewId::Explicit(StreamId::MIN) {
        return err(error::XADD_ID_ZERO);
    }
    let (now, limits) = (ctx.now_ms, ctx.limits);
    let stream = if args.nomkstream {
        match stream_of(ctx, &argv[1]) {
            Ok(Some(s)) => s,
            Ok(None) => return Frame::Null,
            Err(e) => return e,
        }
    } else {
        match ctx.get_or_create(
            &argv[1],
            || Value::Stream(Box::default()),
            Value::as_stream_mut,
        ) {
            Ok(s) => s,
            Err(e) => return e,
        }
    };
    let id = match stream.add(args.id, fields, now, &limits) {
        Ok(id) => id,
        Err(AddError::Exhausted) => return err(error::STREAM_EXHAUSTED),
        Err(AddError::NotGreater) => return err(error::XADD_ID_TOO_SMALL),
        Err(AddError::SeqOverflow) => return err(error::XADD_TOO_LARGE),
    };
    if let Some(trim) = &args.trim {
        stream.trim(trim);
    }
    id_frame(id)
}

fn xtrim(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> Frame {
    let args = match parse_add_trim(argv, false, &ctx.limits) {
        Ok(a) => a,
        Err(e) => return e,
    };
    match stream_of(ctx, &argv[1]) {
        Ok(Some(s)) => int(args.trim.map_or(0, |t| s.trim(&t))),
        Ok(None) => Frame::Integer(0),
        Err(e) => e,
    }
}

// ---------------------------------------------------------------------------------------------
// XRANGE XREVRANGE XLEN XDEL
// ---------------------------------------------------------------------------------------------

fn xrange(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> Frame {
    range_generic(ctx, argv, false)
}

fn xrevrange(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> Frame {
    range_generic(ctx, argv, true)
}

fn range_generic(ctx: &mut Ctx<'_>, argv: &[Bytes], rev: bool) -> Frame {
    let (start_arg, end_arg) = if rev {
        (&argv[3], &argv[2])
    } else {
        (&argv[2], &argv[3])
    };
    let start = match interval_bound(start_arg, true) {
        Ok(id) => id,
        Err(e) => return e,
    };
    let end = match interval_bound(end_arg, false) {
        Ok(id) => id,
        Err(e) => return e,
    };
    let mut count: i64 = -1;
    let mut j = 4;
    while j < argv.len() {
        if is(&argv[j], "count") && j + 1 < argv.len() {
            count = match int_arg(&argv[j + 1], error::NOT_INTEGER) {
                Ok(n) => n.max(0),
                Err(e) => return e,
            };
            j += 2;
        } else {
            return err(error::SYNTAX);
        }
    }
    let s = match stream_of(ctx, &argv[1]) {
        Ok(Some(s)) => s,
        Ok(None) => return Frame::Array(Vec::new()),
        Err(e) => return e,
    };
    if count == 0 {
        return Frame::NullArray;
    }
    let limit = if count < 0 {
        usize::MAX
    } else {
        count as usize
    };
    let items = if rev {
        s.rev_range(start, end)
            .take(limit)
            .map(|e| entry_frame(&e))
            .collect()
    } else {
        s.range(start, end)
            .take(limit)
            .map(|e| entry_frame(&e))
            .collect()
    };
    Frame::Array(items)
}

fn xlen(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> Frame {
    match stream_of(ctx, &argv[1]) {
        Ok(s) => int(s.map_or(0, |s| s.len())),
        Err(e) => e,
    }
}

fn xdel(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> Frame {
    let s = match stream_of(ctx, &argv[1]) {
        Ok(Some(s)) => s,
        Ok(None) => return Frame::Integer(0),
        Err(e) => return e,
    };
    let ids = match argv[2..]
        .iter()
        .map(|a| strict_id(a))
        .collect::<Result<Vec<_>, _>>()
    {
        Ok(ids) => ids,
        Err(e) => return e,
    };
    int(ids.into_iter().filter(|&id| s.delete(id)).count())
}

// ---------------------------------------------------------------------------------------------
// XREAD XREADGROUP
// ---------------------------------------------------------------------------------------------

/// Key positions of XREAD and XREADGROUP: the first half of what follows STREAMS.
fn read_keys(argv: &[Bytes]) -> Vec<usize> {
    let mut i = 1;
    let mut streams = None;
    while i < argv.len() {
        let a = &argv[i];
        if is(a, "block") || is(a, "count") {
            i += 2;
        } else if is(a, "group") {
            i += 3;
        } else if is(a, "noack") {
            i += 1;
        } else if is(a, "streams") {
            streams = Some(i);
            break;
        } else {
            break;
        }
    }
    let Some(p) = streams else {
        return Vec::new();
    };
    let num = argv.len() - p - 1;
    if num == 0 || !num.is_multiple_of(2) {
        return Vec::new();
    }
    (p + 1..p + 1 + num / 2).collect()
}

/// What XREAD and XREADGROUP parsed (before looking at the streams).
#[derive(Debug, PartialEq)]
struct ReadArgs {
    /// Entries per stream; 0 for no limit.
    count: usize,
    /// BLOCK's timeout in ms (0: forever).
    block: Option<u64>,
    /// GROUP's group and consumer.
    group: Option<(Bytes, Bytes)>,
    noack: bool,
    /// Index of the first key.
    streams_at: usize,
    /// Number of keys.
    streams: usize,
}

fn parse_read(argv: &[Bytes], xreadgroup: bool) -> Result<ReadArgs, Frame> {
    let mut args = ReadArgs {
        count: 0,
        block: None,
        group: None,
        noack: false,
        streams_at: 0,
        streams: 0,
    };
    let mut i = 1;
    while i < argv.len() {
        let more = argv.len() - 1 - i;
        let o = &argv[i];
        if is(o, "block") && more > 0 {
            i += 1;
            let t = int_arg(&argv[i], error::TIMEOUT_NOT_INTEGER)?;
            if t < 0 {
                return Err(err(error::TIMEOUT_NEGATIVE));
            }
            args.block = Some(t as u64);
        } else if is(o, "count") && more > 0 {
            i += 1;
            args.count = int_arg(&argv[i], error::NOT_INTEGER)?.max(0) as usize;
        } else if is(o, "streams") && more > 0 {
            let n = argv.len() - (i + 1);
            if !n.is_multiple_of(2) {
                return Err(err(error::XREAD_UNBALANCED));
            }
            args.streams_at = i + 1;
            args.streams = n / 2;
            break;
        } else if is(o, "group") && more >= 2 {
            if !xreadgroup {
                return Err(err(error::XREAD_GROUP_OPTION));
            }
            args.group = Some((argv[i + 1].clone(), argv[i + 2].clone()));
            i += 2;
        } else if is(o, "noack") {
            if !xreadgroup {
                return Err(err(error::XREAD_NOACK_OPTION));
            }
            args.noack = true;
        } else {
            return Err(err(error::SYNTAX));
        }
        i += 1;
    }
    if args.streams_at == 0 {
        return Err(err(error::SYNTAX));
    }
    if xreadgroup && args.group.is_none() {
        return Err(err(error::XREADGROUP_NO_GROUP));
    }
    Ok(args)
}

/// The ID each stream is read after; `StreamId::MAX` stands for XREADGROUP's `>` (as in
/// Redis, an explicit `MAX-MAX` means the same). Checks types and groups in Redis's order.
fn resolve_read_ids(
    ctx: &mut Ctx<'_>,
    argv: &[Bytes],
    args: &ReadArgs,
) -> Result<Vec<StreamId>, Frame> {
    let mut ids = Vec::with_capacity(args.streams);
    for k in 0..args.streams {
        let key = &argv[args.streams_at + k];
        let arg = &argv[args.streams_at + args.streams + k][..];
        let s = stream_of(ctx, key)?;
        if let Some((group, _)) = &args.group {
            if s.as_ref().is_none_or(|s| s.group(group).is_none()) {
                return Err(Frame::error(error::nogroup_xreadgroup(key, group)));
            }
        }
        let id = if arg == b"$" {
            if args.group.is_some() {
                return Err(err(error::XREADGROUP_DOLLAR));
            }
            s.map_or(StreamId::MIN, |s| s.last_id())
        } else if arg == b">" {
            if args.group.is_none() {
                return Err(err(error::XREAD_GT_ID));
            }
            StreamId::MAX
        } else {
            strict_id(arg)?
        };
        ids.push(id);
    }
    Ok(ids)
}

fn xread(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> Frame {
    let args = match parse_read(argv, false) {
        Ok(a) => a,
        Err(e) => return e,
    };
    let ids = match resolve_read_ids(ctx, argv, &args) {
        Ok(ids) => ids,
        Err(e) => return e,
    };
    let keys = &argv[args.streams_at..args.streams_at + args.streams];
    let mut served = Vec::new();
    for (key, &after) in keys.iter().zip(&ids) {
        let Ok(Some(s)) = stream_of(ctx, key) else {
            continue;
        };
        let Some(last) = s.last_entry().map(|e| e.id) else {
            continue;
        };
        if last <= after {
            continue;
        }
        let Some(start) = after.incr() else {
            continue;
        };
        let limit = if args.count == 0 {
            usize::MAX
        } else {
            args.count
        };
        let entries = s
            .range(start, StreamId::MAX)
            .take(limit)
            .map(|e| entry_frame(&e))
            .collect();
        served.push((key.clone(), Frame::Array(entries)));
    }
    if !served.is_empty() {
        return keyed_reply(served);
    }
    match args.block {
        Some(timeout_ms) => {
            let ids_at = args.streams_at + args.streams;
            let retry = argv[ids_at..].iter().any(|a| &a[..] == b"$").then(|| {
                let mut pinned = argv.to_vec();
                for (k, id) in ids.iter().enumerate() {
                    if &pinned[ids_at + k][..] == b"$" {
                        pinned[ids_at + k] = id.to_bytes();
                    }
                }
                pinned
            });
            ctx.block(Block {
                keys: keys.to_vec(),
                timeout_ms,
                retry,
            })
        }
        None => Frame::NullArray,
    }
}

fn xreadgroup(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> Frame {
    let args = match parse_read(argv, true) {
        Ok(a) => a,
        Err(e) => return e,
    };
    let ids = match resolve_read_ids(ctx, argv, &args) {
        Ok(ids) => ids,
        Err(e) => return e,
    };
    let Some((group, consumer)) = args.group.clone() else {
        return err(error::XREADGROUP_NO_GROUP);
    };
    let now = ctx.now_ms;
    let keys = &argv[args.streams_at..args.streams_at + args.streams];
    let mut served = Vec::new();
    for (key, &after) in keys.iter().zip(&ids) {
        let Ok(Some(s)) = stream_of(ctx, key) else {
            continue;
        };
        let mut entries = Vec::new();
        if after != StreamId::MAX {
            s.read_group_history(&group, &consumer, after, args.count, now, |id, e| {
                entries.push(match e {
                    Some(e) => entry_frame(&e),
                    None => Frame::Array(vec![id_frame(id), Frame::NullArray]),
                });
            });
        } else {
            let n = s.read_group_new(&group, &consumer, args.count, args.noack, now, |e| {
                entries.push(entry_frame(&e));
            });
            if n == 0 {
                continue;
            }
        }
        served.push((key.clone(), Frame::Array(entries)));
    }
    if !served.is_empty() {
        return keyed_reply(served);
    }
    match args.block {
        Some(timeout_ms) => ctx.block(Block {
            keys: keys.to_vec(),
            timeout_ms,
            retry: None,
        }),
        None => Frame::NullArray,
    }
}

// ---------------------------------------------------------------------------------------------
// XACK XPENDING XCLAIM XAUTOCLAIM
// ---------------------------------------------------------------------------------------------

fn xack(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> Frame {
    let s = match stream_of(ctx, &argv[1]) {
        Ok(Some(s)) => s,
        Ok(None) => return Frame::Integer(0),
        Err(e) => return e,
    };
    let Some(group) = s.group_mut(&argv[2]) else {
        return Frame::Integer(0);
    };
    let ids = match argv[3..]
        .iter()
        .map(|a| strict_id(a))
        .collect::<Result<Vec<_>, _>>()
    {
        Ok(ids) => ids,
        Err(e) => return e,
    };
    int(ids.into_iter().filter(|&id| group.ack(id)).count())
}

/// XPENDING's extended form.
struct PendingRange {
    min_idle: i64,
    start: StreamId,
    end: StreamId,
    count: usize,
    consumer: Option<Bytes>,
}

fn parse_pending(argv: &[Bytes]) -> Result<Option<PendingRange>, Frame> {
    let argc = argv.len();
    if argc == 3 {
        return Ok(None);
    }
    if !(6..=9).contains(&argc) {
        return Err(err(error::SYNTAX));
    }
    let mut at = 3;
    let mut min_idle = 0;
    if is(&argv[3], "idle") {
        min_idle = int_arg(&argv[4], error::NOT_INTEGER)?;
        if argc < 8 {
            return Err(err(error::SYNTAX));
        }
        at += 2;
    }
    let count = int_arg(&argv[at + 2], error::NOT_INTEGER)?.max(0) as usize;
    let start = interval_bound(&argv[at], true)?;
    let end = interval_bound(&argv[at + 1], false)?;
    Ok(Some(PendingRange {
        min_idle,
        start,
        end,
        count,
        consumer: argv.get(at + 3).cloned(),
    }))
}

fn xpending(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> Frame {
    let range = match parse_pending(argv) {
        Ok(r) => r,
        Err(e) => return e,
    };
    let now = ctx.now_ms;
    let (key, group_name) = (&argv[1], &argv[2]);
    let s = match stream_of(ctx, key) {
        Ok(s) => s,
        Err(e) => return e,
    };
    let Some(group) = s.and_then(|s| s.group(group_name)) else {
        return Frame::error(error::nogroup(key, group_name));
    };
    let Some(r) = range else {
        let mut pel = group.pending();
        let (Some((first, _)), Some((last, _))) = (pel.next(), group.pending().next_back()) else {
            return Frame::Array(vec![
                Frame::Integer(0),
                Frame::Null,
                Frame::Null,
                Frame::NullArray,
            ]);
        };
        let consumers = group
            .consumers()
            .filter(|(_, c)| c.pending_count() > 0)
            .map(|(name, c)| {
                Frame::Array(vec![
                    Frame::Bulk(name.clone()),
                    Frame::Bulk(Bytes::from(c.pending_count().to_string())),
                ])
            })
            .collect();
        return Frame::Array(vec![
            int(group.pending_count()),
            id_frame(first),
            id_frame(last),
            Frame::Array(consumers),
        ]);
    };
    let ids: Box<dyn Iterator<Item = StreamId> + '_> = match &r.consumer {
        Some(name) => match group.consumer(name) {
            Some(c) if r.start <= r.end => {
                Box::new(c.pending_from(r.start).take_while(move |&id| id <= r.end))
            }
            Some(_) => Box::new(std::iter::empty()),
            None => return Frame::Array(Vec::new()),
        },
        None => Box::new(group.pending_range(r.start, r.end).map(|(id, _)| id)),
    };
    let mut out = Vec::new();
    for id in ids {
        if out.len() >= r.count {
            break;
        }
        let Some(nack) = group.nack(id) else {
            continue;
        };
        let elapsed = idle(now, nack.delivery_time);
        if r.min_idle != 0 && elapsed < r.min_idle {
            continue;
        }
        out.push(Frame::Array(vec![
            id_frame(id),
            Frame::Bulk(nack.consumer.clone()),
            Frame::Integer(elapsed.max(0)),
            int(nack.delivery_count),
        ]));
    }
    Frame::Array(out)
}

/// Renders claimed IDs: the IDs alone (JUSTID) or their entries.
fn claimed_frames(s: &Stream, ids: &[StreamId], justid: bool) -> Vec<Frame> {
    ids.iter()
        .map(|&id| {
            if justid {
                id_frame(id)
            } else {
                s.get(id).map_or(Frame::Null, |e| entry_frame(&e))
            }
        })
        .collect()
}

fn xclaim(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> Frame {
    let now = ctx.now_ms;
    let (key, group_name, consumer) = (&argv[1], &argv[2], &argv[3]);
    let s = match stream_of(ctx, key) {
        Ok(Some(s)) if s.group(group_name).is_some() => s,
        Ok(_) => return Frame::error(error::nogroup(key, group_name)),
        Err(e) => return e,
    };
    let min_idle = match int_arg(&argv[4], error::XCLAIM_MIN_IDLE) {
        Ok(n) => n.max(0) as u64,
        Err(e) => return e,
    };
    let mut ids = Vec::new();
    let mut j = 5;
    while j < argv.len() {
        match parse_id(&argv[j], IdSyntax::STRICT) {
            Some(p) => ids.push(p.id),
            None => break,
        }
        j += 1;
    }
    let mut opts = Claim {
        min_idle,
        ..Claim::default()
    };
    let mut delivery_time: Option<i64> = None;
    let mut last_id = StreamId::MIN;
    while j < argv.len() {
        let more = argv.len() - 1 - j;
        let opt = &argv[j];
        if is(opt, "force") {
            opts.force = true;
        } else if is(opt, "justid") {
            opts.justid = true;
        } else if is(opt, "idle") && more > 0 {
            j += 1;
            match int_arg(&argv[j], error::XCLAIM_IDLE) {
                Ok(ms) => delivery_time = Some((now as i64).wrapping_sub(ms)),
                Err(e) => return e,
            }
        } else if is(opt, "time") && more > 0 {
            j += 1;
            match int_arg(&argv[j], error::XCLAIM_TIME) {
                Ok(t) => delivery_time = Some(t),
                Err(e) => return e,
            }
        } else if is(opt, "retrycount") && more > 0 {
            j += 1;
            match int_arg(&argv[j], error::XCLAIM_RETRYCOUNT) {
                Ok(n) => opts.retry_count = u64::try_from(n).ok(),
                Err(e) => return e,
            }
        } else if is(opt, "lastid") && more > 0 {
            j += 1;
            match strict_id(&argv[j]) {
                Ok(id) => last_id = id,
                Err(e) => return e,
            }
        } else {
            return Frame::error(error::xclaim_unknown_option(opt));
        }
        j += 1;
    }
    if let Some(g) = s.group_mut(group_name) {
        if last_id > g.last_id {
            g.last_id = last_id;
        }
    }
    // A delivery time in the future or before the epoch is taken as now.
    opts.delivery_time = Some(match delivery_time {
        Some(t) if t >= 0 && t as u64 <= now => t as u64,
        _ => now,
    });
    let claimed = s.claim(group_name, consumer, &ids, &opts, now);
    Frame::Array(claimed_frames(s, &claimed, opts.justid))
}

/// XAUTOCLAIM's COUNT ceiling (Redis keeps `count × attempts` within a C long).
const AUTOCLAIM_MAX_COUNT: i64 = i64::MAX / 16;

fn xautoclaim(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> Frame {
    let now = ctx.now_ms;
    let min_idle = match int_arg(&argv[4], error::XAUTOCLAIM_MIN_IDLE) {
        Ok(n) => n.max(0) as u64,
        Err(e) => return e,
    };
    let start = match interval_bound(&argv[5], true) {
        Ok(id) => id,
        Err(e) => return e,
    };
    let mut count: u64 = 100;
    let mut justid = false;
    let mut j = 6;
    while j < argv.len() {
        let more = argv.len() - 1 - j;
        if is(&argv[j], "count") && more > 0 {
            match parse_i64(&argv[j + 1]) {
                Some(n) if (1..=AUTOCLAIM_MAX_COUNT).contains(&n) => count = n as u64,
                _ => return err(error::XAUTOCLAIM_COUNT),
            }
            j += 1;
        } else if is(&argv[j], "justid") {
            justid = true;
        } else {
            return err(error::SYNTAX);
        }
        j += 1;
    }
    let (key, group_name, consumer) = (&argv[1], &argv[2], &argv[3]);
    let s = match stream_of(ctx, key) {
        Ok(Some(s)) if s.group(group_name).is_some() => s,
        Ok(_) => return Frame::error(error::nogroup(key, group_name)),
        Err(e) => return e,
    };
    let r = s.auto_claim(group_name, consumer, start, count, min_idle, justid, now);
    Frame::Array(vec![
        id_frame(r.next),
        Frame::Array(claimed_frames(s, &r.claimed, justid)),
        Frame::Array(r.deleted.into_iter().map(id_frame).collect()),
    ])
}

// ---------------------------------------------------------------------------------------------
// XSETID
// ---------------------------------------------------------------------------------------------

fn xsetid(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> Frame {
    let id = match strict_id(&argv[2]) {
        Ok(id) => id,
        Err(e) => return e,
    };
    let mut entries_added = None;
    let mut max_deleted = None;
    let mut i = 3;
    while i < argv.len() {
        let more = argv.len() - 1 - i;
        if is(&argv[i], "entriesadded") && more > 0 {
            match int_arg(&argv[i + 1], error::NOT_INTEGER) {
                Ok(n) if n < 0 => return err(error::XSETID_ENTRIES_ADDED_NEGATIVE),
                Ok(n) => entries_added = Some(n as u64),
                Err(e) => return e,
            }
        } else if is(&argv[i], "maxdeletedid") && more > 0 {
            match strict_id(&argv[i + 1]) {
                Ok(m) if id < m => return err(error::XSETID_BELOW_MAX_DELETED),
                Ok(m) => max_deleted = Some(m),
                Err(e) => return e,
            }
        } else {
            return err(error::SYNTAX);
        }
        i += 2;
    }
    let s = match stream_of(ctx, &argv[1]) {
        Ok(Some(s)) => s,
        Ok(None) => return err(error::NO_SUCH_KEY),
        Err(e) => return e,
    };
    match s.set_id(id, entries_added, max_deleted) {
        Ok(()) => Frame::ok(),
        Err(SetIdError::BelowTop) => err(error::XSETID_BELOW_TOP),
        Err(SetIdError::EntriesAddedBelowLength) => err(error::XSETID_ENTRIES_ADDED_SMALL),
    }
}

// ---------------------------------------------------------------------------------------------
// XGROUP
// ---------------------------------------------------------------------------------------------

/// The checks every XGROUP subcommand but HELP makes first: the key must hold a stream (unless
/// `mkstream`), and, when `needs_group`, the group must exist.
fn xgroup_stream<'c>(
    ctx: &'c mut Ctx<'_>,
    argv: &[Bytes],
    mkstream: bool,
    needs_group: bool,
) -> Result<Option<&'c mut Stream>, Frame> {
    let (key, group) = (&argv[2], &argv[3]);
    let s = stream_of(ctx, key)?;
    if mkstream {
        return Ok(s);
    }
    let Some(s) = s else {
        return Err(err(error::XGROUP_NO_KEY));
    };
    if needs_group && s.group(group).is_none() {
        return Err(Frame::error(error::nogroup_for_key(group, key)));
    }
    Ok(Some(s))
}

/// ENTRIESREAD's value: `None` for -1.
fn entries_read_arg(arg: &[u8]) -> Result<Option<u64>, Frame> {
    match int_arg(arg, error::NOT_INTEGER)? {
        -1 => Ok(None),
        n if n < 0 => Err(err(error::ENTRIESREAD_INVALID)),
        n => Ok(Some(n as u64)),
    }
}

/// The options after XGROUP CREATE's and SETID's ID: MKSTREAM (CREATE only) and ENTRIESREAD,
/// parsed before the key is looked at, as Redis does.
fn xgroup_options(argv: &[Bytes], create: bool) -> Result<(bool, Option<u64>), Frame> {
    let mut mkstream = false;
    let mut entries_read = None;
    let mut i = 5;
    while i < argv.len() {
        if create && is(&argv[i], "mkstream") {
            mkstream = true;
            i += 1;
        } else if is(&argv[i], "entriesread") && i + 1 < argv.len() {
            entries_read = entries_read_arg(&argv[i + 1])?;
            i += 2;
        } else {
            return Err(Frame::error(error::subcommand_syntax("XGROUP", &argv[1])));
        }
    }
    Ok((mkstream, entries_read))
}

fn xgroup_create(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> Frame {
    let (mkstream, entries_read) = match xgroup_options(argv, true) {
        Ok(o) => o,
        Err(e) => return e,
    };
    let s = match xgroup_stream(ctx, argv, mkstream, false) {
        Ok(s) => s,
        Err(e) => return e,
    };
    if argv.len() > 8 {
        return Frame::error(error::subcommand_syntax("XGROUP", &argv[1]));
    }
    let id = if &argv[4][..] == b"$" {
        s.map_or(StreamId::MIN, |s| s.last_id())
    } else {
        match strict_id(&argv[4]) {
            Ok(id) => id,
            Err(e) => return e,
        }
    };
    let created = match ctx.get_or_create(
        &argv[2],
        || Value::Stream(Box::default()),
        Value::as_stream_mut,
    ) {
        Ok(s) => s.create_group(&argv[3], id, entries_read),
        Err(e) => return e,
    };
    if created {
        Frame::ok()
    } else {
        err(error::BUSYGROUP)
    }
}

fn xgroup_setid(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> Frame {
    let entries_read = match xgroup_options(argv, false) {
        Ok((_, n)) => n,
        Err(e) => return e,
    };
    let s = match xgroup_stream(ctx, argv, false, true) {
        Ok(Some(s)) => s,
        Ok(None) => return err(error::XGROUP_NO_KEY),
        Err(e) => return e,
    };
    if argv.len() != 5 && argv.len() != 7 {
        return Frame::error(error::subcommand_syntax("XGROUP", &argv[1]));
    }
    let id = if &argv[4][..] == b"$" {
        s.last_id()
    } else {
        let syntax = IdSyntax {
            strict: false,
            ..IdSyntax::STRICT
        };
        match parse_id(&argv[4], syntax) {
            Some(p) => p.id,
            None => return err(error::INVALID_STREAM_ID),
        }
    };
    if let Some(g) = s.group_mut(&argv[3]) {
        g.set_id(id, entries_read);
    }
    Frame::ok()
}

fn xgroup_destroy(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> Frame {
    match xgroup_stream(ctx, argv, false, false) {
        Ok(Some(s)) => Frame::Integer(i64::from(s.destroy_group(&argv[3]))),
        Ok(None) => err(error::XGROUP_NO_KEY),
        Err(e) => e,
    }
}

fn xgroup_createconsumer(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> Frame {
    let now = ctx.now_ms;
    match xgroup_stream(ctx, argv, false, true) {
        Ok(Some(s)) => {
            let created = s
                .group_mut(&argv[3])
                .is_some_and(|g| g.create_consumer(&argv[4], now));
            Frame::Integer(i64::from(created))
        }
        Ok(None) => err(error::XGROUP_NO_KEY),
        Err(e) => e,
    }
}

fn xgroup_delconsumer(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> Frame {
    match xgroup_stream(ctx, argv, false, true) {
        Ok(Some(s)) => {
            let pending = s
                .group_mut(&argv[3])
                .and_then(|g| g.delete_consumer(&argv[4]))
                .unwrap_or(0);
            int(pending)
        }
        Ok(None) => err(error::XGROUP_NO_KEY),
        Err(e) => e,
    }
}

const XGROUP_HELP: &[&str] = &[
    "CREATE <key> <groupname> <id|$> [option]",
    "    Create a new consumer group. Options are:",
    "    * MKSTREAM",
    "      Create the empty stream if it does not exist.",
    "    * ENTRIESREAD entries_read",
    "      Set the group's entries_read counter (internal use).",
    "CREATECONSUMER <key> <groupname> <consumer>",
    "    Create a new consumer in the specified group.",
    "DELCONSUMER <key> <groupname> <consumer>",
    "    Remove the specified consumer.",
    "DESTROY <key> <groupname>",
    "    Remove the specified group.",
    "SETID <key> <groupname> <id|$> [ENTRIESREAD entries_read]",
    "    Set the current group ID and entries_read counter.",
];

fn xgroup_help(_ctx: &mut Ctx<'_>, _argv: &[Bytes]) -> Frame {
    super::server::help_reply("XGROUP", XGROUP_HELP)
}

// ---------------------------------------------------------------------------------------------
// XINFO
// ---------------------------------------------------------------------------------------------

/// The stream under argv[2], or XINFO's error.
fn xinfo_stream_of<'c>(ctx: &'c mut Ctx<'_>, argv: &[Bytes]) -> Result<&'c mut Stream, Frame> {
    stream_of(ctx, &argv[2])?.ok_or_else(|| err(error::NO_SUCH_KEY))
}

fn null_or_int(v: Option<i64>) -> Frame {
    v.map_or(Frame::Null, Frame::Integer)
}

fn entries_read_frame(v: Option<u64>) -> Frame {
    null_or_int(v.map(|n| n as i64))
}

fn xinfo_stream(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> Frame {
    let s = match xinfo_stream_of(ctx, argv) {
        Ok(s) => s,
        Err(e) => return e,
    };
    let opts = &argv[3..];
    let mut count: i64 = 10;
    let full = !opts.is_empty();
    if full {
        if !is(&opts[0], "full") {
            return Frame::error(error::subcommand_syntax("XINFO", &argv[1]));
        }
        if opts.len() > 1 {
            if opts.len() != 3 || !is(&opts[1], "count") {
                return Frame::error(error::subcommand_syntax("XINFO", &argv[1]));
            }
            count = match int_arg(&opts[2], error::NOT_INTEGER) {
                Ok(n) if n < 0 => 10,
                Ok(n) => n,
                Err(e) => return e,
            };
        }
    }
    let mut fields = vec![
        ("length", int(s.len())),
        ("radix-tree-keys", int(s.node_count())),
        ("radix-tree-nodes", int(s.rax_node_count())),
        ("last-generated-id", id_frame(s.last_id())),
        ("max-deleted-entry-id", id_frame(s.max_deleted_id())),
        ("entries-added", int(s.entries_added())),
        ("recorded-first-entry-id", id_frame(s.first_id())),
    ];
    if !full {
        fields.push(("groups", int(s.group_count())));
        let edge = |e: Option<Entry<'_>>| e.map_or(Frame::Null, |e| entry_frame(&e));
        fields.push(("first-entry", edge(s.first_entry())));
        fields.push(("last-entry", edge(s.last_entry())));
        return map(fields);
    }
    let limit = if count == 0 {
        usize::MAX
    } else {
        count as usize
    };
    let entries = s
        .range(StreamId::MIN, StreamId::MAX)
        .take(limit)
        .map(|e| entry_frame(&e))
        .collect();
    fields.push(("entries", Frame::Array(entries)));
    let groups = s
        .groups()
        .map(|(name, g)| {
            let pending = g
                .pending()
                .take(limit)
                .map(|(id, n)| {
                    Frame::Array(vec![
                        id_frame(id),
                        Frame::Bulk(n.consumer.clone()),
                        int(n.delivery_time),
                        int(n.delivery_count),
                    ])
                })
                .collect();
            let consumers = g
                .consumers()
                .map(|(cname, c)| {
                    let pending = c
                        .pending()
                        .take(limit)
                        .map(|id| {
                            let (time, count) = g
                                .nack(id)
                                .map_or((0, 0), |n| (n.delivery_time, n.delivery_count));
                            Frame::Array(vec![id_frame(id), int(time), int(count)])
                        })
                        .collect();
                    map(vec![
                        ("name", Frame::Bulk(cname.clone())),
                        ("seen-time", int(c.seen_time)),
                        ("pel-count", int(c.pending_count())),
                        ("pending", Frame::Array(pending)),
                    ])
                })
                .collect();
            map(vec![
                ("name", Frame::Bulk(name.clone())),
                ("last-delivered-id", id_frame(g.last_id)),
                ("entries-read", entries_read_frame(g.entries_read)),
                ("lag", null_or_int(s.group_lag(g))),
                ("pel-count", int(g.pending_count())),
                ("pending", Frame::Array(pending)),
                ("consumers", Frame::Array(consumers)),
            ])
        })
        .collect();
    fields.push(("groups", Frame::Array(groups)));
    map(fields)
}

fn xinfo_groups(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> Frame {
    let s = match xinfo_stream_of(ctx, argv) {
        Ok(s) => s,
        Err(e) => return e,
    };
    let groups = s
        .groups()
        .map(|(name, g)| {
            map(vec![
                ("name", Frame::Bulk(name.clone())),
                ("consumers", int(g.consumer_count())),
                ("pending", int(g.pending_count())),
                ("last-delivered-id", id_frame(g.last_id)),
                ("entries-read", entries_read_frame(g.entries_read)),
                ("lag", null_or_int(s.group_lag(g))),
            ])
        })
        .collect();
    Frame::Array(groups)
}

fn xinfo_consumers(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> Frame {
    let now = ctx.now_ms;
    let s = match xinfo_stream_of(ctx, argv) {
        Ok(s) => s,
        Err(e) => return e,
    };
    let Some(g) = s.group(&argv[3]) else {
        return Frame::error(error::nogroup_for_key(&argv[3], &argv[2]));
    };
    let consumers = g
        .consumers()
        .map(|(name, c)| {
            map(vec![
                ("name", Frame::Bulk(name.clone())),
                ("pending", int(c.pending_count())),
                ("idle", Frame::Integer(idle(now, c.seen_time).max(0))),
            ])
        })
        .collect();
    Frame::Array(consumers)
}

const XINFO_HELP: &[&str] = &[
    "CONSUMERS <key> <groupname>",
    "    Show consumers of <groupname>.",
    "GROUPS <key>",
    "    Show the stream consumer groups.",
    "STREAM <key> [FULL [COUNT <count>]",
    "    Show information about the stream.",
];

fn xinfo_help(_ctx: &mut Ctx<'_>, _argv: &[Bytes]) -> Frame {
    super::server::help_reply("XINFO", XINFO_HELP)
}
