//! Bitmap commands on string values: SETBIT GETBIT BITCOUNT BITPOS BITOP BITFIELD BITFIELD_RO.
//!
//! Bit `n` of a string is bit `7 - n % 8` of byte `n / 8` (the most significant bit comes
//! first), and a string reads as if padded with zero bytes forever. Writes grow the string
//! with zero bytes up to the highest bit they touch; offsets are bounded by
//! proto-max-bulk-len (`ctx.max_string`) as in Redis. The bit arithmetic (ranges, searches,
//! bitfield overflow) is in plain functions at the bottom, unit-tested without a keyspace.

use bytes::Bytes;
use redraft_protocol::Frame;

use super::ctx::Ttl;
use super::flags::*;
use super::parse::{is, parse_i64};
use super::{spec, CommandSpec, Ctx, Handler, KeySpec};
use crate::error;
use crate::value::Value;

const READ_FAST: &[&str] = &["read", "bitmap", "fast"];
const READ_SLOW: &[&str] = &["read", "bitmap", "slow"];
const WRITE_SLOW: &[&str] = &["write", "bitmap", "slow"];

const fn bit_spec(s: CommandSpec, since: &'static str) -> CommandSpec {
    CommandSpec {
        since,
        group: "bitmap",
        ..s
    }
}

/// Bitmap commands.
pub const COMMANDS: &[CommandSpec] = &[
    bit_spec(
        spec(
            "setbit",
            4,
            WRITE | DENYOOM,
            KeySpec::ONE,
            WRITE_SLOW,
            Handler::Write(setbit),
        ),
        "2.2.0",
    ),
    bit_spec(
        spec(
            "getbit",
            3,
            READONLY | FAST,
            KeySpec::ONE,
            READ_FAST,
            Handler::Read(getbit),
        ),
        "2.2.0",
    ),
    bit_spec(
        spec(
            "bitcount",
            -2,
            READONLY,
            KeySpec::ONE,
            READ_SLOW,
            Handler::Read(bitcount),
        ),
        "2.6.0",
    ),
    bit_spec(
        spec(
            "bitpos",
            -3,
            READONLY,
            KeySpec::ONE,
            READ_SLOW,
            Handler::Read(bitpos),
        ),
        "2.8.7",
    ),
    bit_spec(
        spec(
            "bitop",
            -4,
            WRITE | DENYOOM,
            KeySpec {
                first: 2,
                last: -1,
                step: 1,
            },
            WRITE_SLOW,
            Handler::Write(bitop),
        ),
        "2.6.0",
    ),
    bit_spec(
        spec(
            "bitfield",
            -2,
            WRITE | DENYOOM,
            KeySpec::ONE,
            WRITE_SLOW,
            Handler::Write(bitfield),
        ),
        "3.2.0",
    ),
    bit_spec(
        spec(
            "bitfield_ro",
            -2,
            READONLY | FAST,
            KeySpec::ONE,
            READ_FAST,
            Handler::Read(bitfield_ro),
        ),
        "6.0.0",
    ),
];

/// A `pick` for [`Ctx::get_as`] / [`Ctx::get_or_create`]: a string value as a growable
/// buffer to edit in place. A `Value::Str` becomes a `Value::StrBuf` first, as Redis unshares
/// a string into a raw sds before editing it; other types give `None` (WRONGTYPE).
pub(crate) fn as_string_buf(v: &mut Value) -> Option<&mut Vec<u8>> {
    if let Value::Str(s) = v {
        let owned = s.to_vec();
        *v = Value::StrBuf(Box::new(owned));
    }
    match v {
        Value::StrBuf(b) => Some(b),
        _ => None,
    }
}

/// The string under `key` for a write reaching bit `maxbit`: created as zero bytes if absent
/// (without TTL), grown with zero bytes if shorter (TTL kept).
fn string_for_bits<'c>(
    ctx: &'c mut Ctx<'_>,
    key: &[u8],
    maxbit: u64,
) -> Result<&'c mut Vec<u8>, Frame> {
    let len = (maxbit >> 3) as usize + 1;
    let buf = ctx.get_or_create(key, || Value::StrBuf(Box::default()), as_string_buf)?;
    if buf.len() < len {
        buf.resize(len, 0);
    }
    Ok(buf)
}

/// Parses a bit offset as Redis does: an integer ≥ 0 whose byte (offset / 8) is below
/// proto-max-bulk-len. For BITFIELD (`bits` > 0) `#n` means the n-th field of that width.
fn parse_bit_offset(arg: &[u8], bits: u32, max_string: usize) -> Result<u64, Frame> {
    let err = || Frame::error(error::BIT_OFFSET);
    let (fields, digits) = match arg {
        [b'#', rest @ ..] if bits > 0 && !rest.is_empty() => (true, rest),
        _ => (false, arg),
    };
    let mut offset = parse_i64(digits).ok_or_else(err)?;
    if fields {
        // Redis multiplies without an overflow check; a wrapped product is usually refused
        // below as negative, as it is there.
        offset = offset.wrapping_mul(bits as i64);
    }
    if offset < 0 || (offset >> 3) as u64 >= max_string as u64 {
        return Err(err());
    }
    Ok(offset as u64)
}

fn setbit(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> Frame {
    let offset = match parse_bit_offset(&argv[2], 0, ctx.max_string) {
        Ok(o) => o,
        Err(e) => return e,
    };
    let on = match parse_i64(&argv[3]) {
        Some(v @ (0 | 1)) => v == 1,
        _ => return Frame::error(error::BIT_VALUE),
    };
    let buf = match string_for_bits(ctx, &argv[1], offset) {
        Ok(b) => b,
        Err(e) => return e,
    };
    let (byte, mask) = ((offset >> 3) as usize, 0x80u8 >> (offset & 7));
    let old = buf[byte] & mask != 0;
    if on {
        buf[byte] |= mask;
    } else {
        buf[byte] &= !mask;
    }
    Frame::Integer(old as i64)
}

fn getbit(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> Frame {
    let offset = match parse_bit_offset(&argv[2], 0, ctx.max_string) {
        Ok(o) => o,
        Err(e) => return e,
    };
    match ctx.get_string(&argv[1]) {
        Ok(Some(s)) => Frame::Integer(get_bit(s, offset) as i64),
        Ok(None) => Frame::Integer(0),
        Err(e) => e,
    }
}

/// A parsed `start end [BYTE|BIT]` range, resolved against a string's length.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct ByteRange {
    /// First byte.
    start: i64,
    /// Last byte (inclusive); `start > end` is the empty range.
    end: i64,
    /// Bits of the first byte outside the range (BIT unit), high bits first.
    first_mask: u8,
    /// Bits of the last byte outside the range (BIT unit), low bits last.
    last_mask: u8,
}

/// The empty range.
const EMPTY_RANGE: ByteRange = ByteRange {
    start: 0,
    end: -1,
    first_mask: 0,
    last_mask: 0,
};

/// Resolves `start`/`end` (negative from the end) in bytes or bits over a string of `len`
/// bytes, clamping as Redis does.
fn resolve_range(len: usize, mut start: i64, mut end: i64, bit_unit: bool) -> ByteRange {
    let total = if bit_unit {
        (len as i64) << 3
    } else {
        len as i64
    };
    if start < 0 {
        start += total;
    }
    if end < 0 {
        end += total;
    }
    start = start.max(0);
    end = end.max(0);
    if end >= total {
        end = total - 1;
    }
    let (mut first_mask, mut last_mask) = (0, 0);
    if bit_unit && start <= end {
        first_mask = !((1u16 << (8 - (start & 7))) - 1) as u8;
        last_mask = ((1u16 << (7 - (end & 7))) - 1) as u8;
        start >>= 3;
        end >>= 3;
    }
    ByteRange {
        start,
        end,
        first_mask,
        last_mask,
    }
}

/// Parses `BYTE` or `BIT`.
fn parse_unit(arg: &[u8]) -> Result<bool, Frame> {
    if is(arg, "bit") {
        Ok(true)
    } else if is(arg, "byte") {
        Ok(false)
    } else {
        Err(Frame::error(error::SYNTAX))
    }
}

fn parse_index(arg: &[u8]) -> Result<i64, Frame> {
    parse_i64(arg).ok_or_else(|| Frame::error(error::NOT_INTEGER))
}

fn bitcount(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> Frame {
    // Redis 7.0 looks the key up first: a missing key counts 0 whatever the arguments.
    let s = match ctx.get_string(&argv[1]) {
        Ok(Some(s)) => s,
        Ok(None) => return Frame::Integer(0),
        Err(e) => return e,
    };
    let range = match argv.len() {
        2 => resolve_range(s.len(), 0, -1, false),
        4 | 5 => {
            let parsed = (|| -> Result<ByteRange, Frame> {
                let start = parse_index(&argv[2])?;
                let end = parse_index(&argv[3])?;
                // Redis 7.0 answers an inverted range of negative indexes before it reads the
                // unit (BITPOS has no such shortcut).
                if start < 0 && end < 0 && start > end {
                    return Ok(EMPTY_RANGE);
                }
                let bit_unit = match argv.get(4) {
                    Some(u) => parse_unit(u)?,
                    None => false,
                };
                Ok(resolve_range(s.len(), start, end, bit_unit))
            })();
            match parsed {
                Ok(r) => r,
                Err(e) => return e,
            }
        }
        _ => return Frame::error(error::SYNTAX),
    };
    Frame::Integer(count_range(s, range) as i64)
}

fn bitpos(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> Frame {
    let bit = match parse_i64(&argv[2]) {
        Some(b @ (0 | 1)) => b == 1,
        Some(_) => return Frame::error(error::BITPOS_BIT),
        None => return Frame::error(error::NOT_INTEGER),
    };
    // A missing key is an endless run of zeros.
    let s = match ctx.get_string(&argv[1]) {
        Ok(Some(s)) => s,
        Ok(None) => return Frame::Integer(if bit { -1 } else { 0 }),
        Err(e) => return e,
    };
    let (range, end_given) = match argv.len() {
        3 => (resolve_range(s.len(), 0, -1, false), false),
        4..=6 => {
            let parsed = (|| -> Result<ByteRange, Frame> {
                let start = parse_index(&argv[3])?;
                let bit_unit = match argv.get(5) {
                    Some(u) => parse_unit(u)?,
                    None => false,
                };
                let end = match argv.get(4) {
                    Some(e) => parse_index(e)?,
                    None if bit_unit => ((s.len() as i64) << 3) + 7,
                    None => s.len() as i64 - 1,
                };
                Ok(resolve_range(s.len(), start, end, bit_unit))
            })();
            match parsed {
                Ok(r) => (r, argv.len() >= 5),
                Err(e) => return e,
            }
        }
        _ => return Frame::error(error::SYNTAX),
    };
    Frame::Integer(bitpos_range(s, bit, range, end_given))
}

/// The operations of BITOP.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum BitOp {
    And,
    Or,
    Xor,
    Not,
}

fn bitop(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> Frame {
    let op = match &argv[1] {
        o if is(o, "and") => BitOp::And,
        o if is(o, "or") => BitOp::Or,
        o if is(o, "xor") => BitOp::Xor,
        o if is(o, "not") => BitOp::Not,
        _ => return Frame::error(error::SYNTAX),
    };
    if op == BitOp::Not && argv.len() != 4 {
        return Frame::error(error::BITOP_NOT_ONE_KEY);
    }
    let (dest, sources) = (&argv[2], &argv[3..]);
    // First pass: types and the result's length, before anything is written.
    let mut maxlen = 0;
    for key in sources {
        match ctx.get_string(key) {
            Ok(s) => maxlen = maxlen.max(s.map_or(0, <[u8]>::len)),
            Err(e) => return e,
        }
    }
    if maxlen == 0 {
        ctx.delete(dest);
        return Frame::Integer(0);
    }
    // Second pass: fold each source into the result (missing bytes are zeros).
    let mut res = vec![0u8; maxlen];
    for (i, key) in sources.iter().enumerate() {
        let src = match ctx.find(key) {
            Some(slot) => ctx.db().entry(slot).value.as_string().unwrap_or_default(),
            None => &[],
        };
        apply_bitop(&mut res, src, op, i == 0);
    }
    ctx.set(dest, Value::StrBuf(Box::new(res)), Ttl::Clear);
    Frame::Integer(maxlen as i64)
}

/// Folds `src` into `res` (`first`: `res` is still all zeros and takes `src` as is).
fn apply_bitop(res: &mut [u8], src: &[u8], op: BitOp, first: bool) {
    let n = src.len().min(res.len());
    let (head, tail) = res.split_at_mut(n);
    match op {
        BitOp::Not => {
            for (r, s) in head.iter_mut().zip(src) {
                *r = !s;
            }
            tail.fill(0xff);
        }
        _ if first => head.copy_from_slice(&src[..n]),
        BitOp::And => {
            for (r, s) in head.iter_mut().zip(src) {
                *r &= s;
            }
            tail.fill(0);
        }
        BitOp::Or => {
            for (r, s) in head.iter_mut().zip(src) {
                *r |= s;
            }
        }
        BitOp::Xor => {
            for (r, s) in head.iter_mut().zip(src) {
                *r ^= s;
            }
        }
    }
}

// ---- BITFIELD ----

/// BITFIELD's OVERFLOW modes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Overflow {
    Wrap,
    Sat,
    Fail,
}

/// What one BITFIELD operation does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum FieldAction {
    Get,
    Set(i64),
    IncrBy(i64),
}

/// One parsed BITFIELD operation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct FieldOp {
    action: FieldAction,
    signed: bool,
    bits: u32,
    offset: u64,
    overflow: Overflow,
}

/// Parses `i<bits>` (1..=64) or `u<bits>` (1..=63). Like Redis, the width ends at a NUL byte.
fn parse_field_type(arg: &[u8]) -> Result<(bool, u32), Frame> {
    let err = || Frame::error(error::BITFIELD_TYPE);
    let signed = match arg.first() {
        Some(b'i' | b'I') => true,
        Some(b'u' | b'U') => false,
        _ => return Err(err()),
    };
    let digits = arg[1..].split(|&b| b == 0).next().unwrap_or_default();
    match parse_i64(digits) {
        Some(b @ 1..=64) if signed => Ok((true, b as u32)),
        Some(b @ 1..=63) => Ok((false, b as u32)),
        _ => Err(err()),
    }
}

/// Parses BITFIELD's operations (`argv[2..]`). Returns them and, when any writes, the
/// highest bit written.
fn parse_bitfield(args: &[Bytes], max_string: usize) -> Result<(Vec<FieldOp>, Option<u64>), Frame> {
    let mut ops = Vec::new();
    let mut overflow = Overflow::Wrap;
    let mut highest: Option<u64> = None;
    let mut j = 0;
    while j < args.len() {
        let rest = args.len() - j - 1;
        let sub = &args[j];
        let takes_value = if is(sub, "get") && rest >= 2 {
            false
        } else if (is(sub, "set") || is(sub, "incrby")) && rest >= 3 {
            true
        } else if is(sub, "overflow") && rest >= 1 {
            overflow = match &args[j + 1] {
                m if is(m, "wrap") => Overflow::Wrap,
                m if is(m, "sat") => Overflow::Sat,
                m if is(m, "fail") => Overflow::Fail,
                _ => return Err(Frame::error(error::BITFIELD_OVERFLOW)),
            };
            j += 2;
            continue;
        } else {
            return Err(Frame::error(error::SYNTAX));
        };
        let (signed, bits) = parse_field_type(&args[j + 1])?;
        let offset = parse_bit_offset(&args[j + 2], bits, max_string)?;
        let action = if takes_value {
            let v = parse_i64(&args[j + 3]).ok_or_else(|| Frame::error(error::NOT_INTEGER))?;
            let top = offset + bits as u64 - 1;
            highest = Some(highest.map_or(top, |h| h.max(top)));
            if is(sub, "set") {
                FieldAction::Set(v)
            } else {
                FieldAction::IncrBy(v)
            }
        } else {
            FieldAction::Get
        };
        ops.push(FieldOp {
            action,
            signed,
            bits,
            offset,
            overflow,
        });
        j += if takes_value { 4 } else { 3 };
    }
    Ok((ops, highest))
}

fn bitfield(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> Frame {
    bitfield_generic(ctx, argv, false)
}

fn bitfield_ro(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> Frame {
    bitfield_generic(ctx, argv, true)
}

fn bitfield_generic(ctx: &mut Ctx<'_>, argv: &[Bytes], read_only: bool) -> Frame {
    let (ops, highest) = match parse_bitfield(&argv[2..], ctx.max_string) {
        Ok(parsed) => parsed,
        Err(e) => return e,
    };
    let Some(highest) = highest else {
        // Only GETs: a missing key reads as zeros, and nothing is created.
        let s = match ctx.get_string(&argv[1]) {
            Ok(s) => s.unwrap_or_default(),
            Err(e) => return e,
        };
        let replies = ops
            .iter()
            .map(|op| Frame::Integer(read_field(s, op)))
            .collect();
        return Frame::Array(replies);
    };
    if read_only {
        return Frame::error(error::BITFIELD_RO_GET_ONLY);
    }
    let buf = match string_for_bits(ctx, &argv[1], highest) {
        Ok(b) => b,
        Err(e) => return e,
    };
    Frame::Array(ops.iter().map(|op| run_field_op(buf, op)).collect())
}

/// The value a GET of `op`'s field reads (zeros past the end of `s`).
fn read_field(s: &[u8], op: &FieldOp) -> i64 {
    let raw = get_bits(s, op.offset, op.bits);
    if op.signed {
        sign_extend(raw, op.bits)
    } else {
        raw as i64
    }
}

/// Runs one operation on a buffer already grown to hold every written field; the reply.
fn run_field_op(buf: &mut [u8], op: &FieldOp) -> Frame {
    let (store, reply) = match op.action {
        FieldAction::Get => return Frame::Integer(read_field(buf, op)),
        FieldAction::Set(v) if op.signed => {
            let old = read_field(buf, op);
            let new = signed_overflow(v, 0, op.bits, op.overflow);
            (new.map_or(Some(v), |o| o), old)
        }
        FieldAction::IncrBy(incr) if op.signed => {
            let old = read_field(buf, op);
            let new = signed_overflow(old, incr, op.bits, op.overflow)
                .unwrap_or(Some(old.wrapping_add(incr)));
            (new, new.unwrap_or(0))
        }
        FieldAction::Set(v) => {
            let old = get_bits(buf, op.offset, op.bits);
            let new = unsigned_overflow(v as u64, 0, op.bits, op.overflow);
            (
                new.map_or(Some(v as u64), |o| o).map(|n| n as i64),
                old as i64,
            )
        }
        FieldAction::IncrBy(incr) => {
            let old = get_bits(buf, op.offset, op.bits);
            let new = unsigned_overflow(old, incr, op.bits, op.overflow)
                .unwrap_or(Some(old.wrapping_add(incr as u64)));
            (new.map(|n| n as i64), new.unwrap_or(0) as i64)
        }
    };
    match store {
        Some(v) => {
            set_bits(buf, op.offset, op.bits, v as u64);
            Frame::Integer(reply)
        }
        None => Frame::Null,
    }
}

/// Overflow handling of an unsigned field of `bits` (≤ 63) holding `value` when `incr` is
/// added (SET checks the new value with `incr` 0). `None`: no overflow. `Some(Some(v))`:
/// overflow, store `v` (WRAP, SAT). `Some(None)`: overflow under FAIL, store nothing.
fn unsigned_overflow(value: u64, incr: i64, bits: u32, mode: Overflow) -> Option<Option<u64>> {
    let max = low_mask(bits);
    let max_incr = max.wrapping_sub(value) as i64;
    let min_incr = value.wrapping_neg() as i64;
    let wrapped = value.wrapping_add(incr as u64) & max;
    let limit = if value > max || (incr > 0 && incr > max_incr) {
        max
    } else if incr < 0 && incr < min_incr {
        0
    } else {
        return None;
    };
    Some(match mode {
        Overflow::Wrap => Some(wrapped),
        Overflow::Sat => Some(limit),
        Overflow::Fail => None,
    })
}

/// Overflow handling of a signed field of `bits` (≤ 64); see [`unsigned_overflow`].
fn signed_overflow(value: i64, incr: i64, bits: u32, mode: Overflow) -> Option<Option<i64>> {
    let max = (low_mask(bits - 1)) as i64;
    let min = -max - 1;
    let max_incr = (max as u64).wrapping_sub(value as u64) as i64;
    let min_incr = min.wrapping_sub(value);
    let wide = bits == 64;
    let limit =
        if value > max || (!wide && incr > max_incr) || (value >= 0 && incr > 0 && incr > max_incr)
        {
            max
        } else if value < min
            || (!wide && incr < min_incr)
            || (value < 0 && incr < 0 && incr < min_incr)
        {
            min
        } else {
            return None;
        };
    let wrapped = sign_extend((value as u64).wrapping_add(incr as u64), bits);
    Some(match mode {
        Overflow::Wrap => Some(wrapped),
        Overflow::Sat => Some(limit),
        Overflow::Fail => None,
    })
}

// ---- bit arithmetic ----

/// The low `bits` bits set (`bits` ≤ 64).
fn low_mask(bits: u32) -> u64 {
    if bits >= 64 {
        u64::MAX
    } else {
        (1u64 << bits) - 1
    }
}

/// The low `bits` bits of `raw` as a two's-complement number.
fn sign_extend(raw: u64, bits: u32) -> i64 {
    if bits >= 64 {
        raw as i64
    } else {
        let shift = 64 - bits;
        ((raw << shift) as i64) >> shift
    }
}

/// Bit `offset` of `s` (0 past the end).
fn get_bit(s: &[u8], offset: u64) -> bool {
    s.get((offset >> 3) as usize)
        .is_some_and(|b| b & (0x80 >> (offset & 7)) != 0)
}

/// The `bits`-wide field at bit `offset`, most significant bit first (zeros past the end).
fn get_bits(s: &[u8], offset: u64, bits: u32) -> u64 {
    (0..bits as u64).fold(0, |v, i| (v << 1) | get_bit(s, offset + i) as u64)
}

/// Writes the low `bits` bits of `value` at bit `offset`, most significant bit first.
/// `s` must hold the field.
fn set_bits(s: &mut [u8], offset: u64, bits: u32, value: u64) {
    for i in 0..bits as u64 {
        let bit = (value >> (bits as u64 - 1 - i)) & 1;
        let pos = offset + i;
        let (byte, mask) = ((pos >> 3) as usize, 0x80u8 >> (pos & 7));
        if bit == 1 {
            s[byte] |= mask;
        } else {
            s[byte] &= !mask;
        }
    }
}

/// Number of set bits in the resolved range.
fn count_range(s: &[u8], r: ByteRange) -> u64 {
    if r.start > r.end {
        return 0;
    }
    let (start, end) = (r.start as usize, r.end as usize);
    let mut count = popcount(&s[start..=end]);
    count -= (s[start] & r.first_mask).count_ones() as u64;
    count -= (s[end] & r.last_mask).count_ones() as u64;
    count
}

/// Number of set bits in `bytes`, a machine word at a time.
fn popcount(bytes: &[u8]) -> u64 {
    #[cfg(target_arch = "x86_64")]
    {
        if std::arch::is_x86_feature_detected!("popcnt") {
            // SAFETY: the CPU supports the instructions the function was compiled with.
            return unsafe { popcount_with_popcnt(bytes) };
        }
    }
    popcount_words(bytes)
}

/// [`popcount_words`] compiled to use the POPCNT instruction.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "popcnt")]
unsafe fn popcount_with_popcnt(bytes: &[u8]) -> u64 {
    popcount_words(bytes)
}

#[inline(always)]
fn popcount_words(bytes: &[u8]) -> u64 {
    let mut chunks = bytes.chunks_exact(32);
    let mut acc = [0u64; 4];
    for c in &mut chunks {
        for (k, a) in acc.iter_mut().enumerate() {
            let w = u64::from_ne_bytes(c[k * 8..k * 8 + 8].try_into().unwrap_or([0; 8]));
            *a += w.count_ones() as u64;
        }
    }
    let tail: u64 = chunks
        .remainder()
        .iter()
        .map(|b| b.count_ones() as u64)
        .sum();
    acc.iter().sum::<u64>() + tail
}

/// Position of the first bit equal to `bit` in `bytes`; if none, -1 when looking for a 1 and
/// `8 × len` when looking for a 0 (the string continues with zeros).
fn first_bit(bytes: &[u8], bit: bool) -> i64 {
    let skip = if bit { 0u8 } else { 0xff };
    let skip_word = u64::from_ne_bytes([skip; 8]);
    // Skip 32-byte blocks holding only the value not looked for, four words at a time.
    let mut base = 0;
    for block in bytes.chunks_exact(32) {
        let differs = block.chunks_exact(8).fold(0, |acc, w| {
            acc | (u64::from_ne_bytes(w.try_into().unwrap_or([0; 8])) ^ skip_word)
        });
        if differs != 0 {
            break;
        }
        base += 32;
    }
    match bytes[base..].iter().position(|&b| b != skip) {
        Some(i) => {
            let b = if bit {
                bytes[base + i]
            } else {
                !bytes[base + i]
            };
            ((base + i) * 8) as i64 + b.leading_zeros() as i64
        }
        None if bit => -1,
        None => (bytes.len() * 8) as i64,
    }
}

/// BITPOS over a resolved range. With an explicit end, looking for a 0 in a range of ones
/// finds nothing (-1) instead of the bit after the range.
fn bitpos_range(s: &[u8], bit: bool, r: ByteRange, end_given: bool) -> i64 {
    if r.start > r.end {
        return -1;
    }
    let (mut start, end) = (r.start as usize, r.end as usize);
    let mut bytes = end - start + 1;
    // Bits outside the range are forced to the value not looked for.
    let edge = |b: u8, mask: u8| if bit { b & !mask } else { b | mask };
    let pos = 'found: {
        if r.first_mask != 0 {
            let mut b = edge(s[start], r.first_mask);
            if r.last_mask != 0 && bytes == 1 {
                b = edge(b, r.last_mask);
            }
            let pos = first_bit(&[b], bit);
            if bytes == 1 || (pos != -1 && pos != 8) {
                break 'found pos;
            }
            start += 1;
            bytes -= 1;
        }
        let middle = bytes - usize::from(r.last_mask != 0);
        if middle > 0 {
            let pos = first_bit(&s[start..start + middle], bit);
            if bytes == middle || (pos != -1 && pos != (middle * 8) as i64) {
                break 'found pos;
            }
            start += middle;
            bytes -= middle;
        }
        first_bit(&[edge(s[end], r.last_mask)], bit)
    };
    if end_given && !bit && pos == (bytes * 8) as i64 {
        return -1;
    }
    if pos == -1 {
        -1
    } else {
        pos + (start as i64) * 8
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn range(len: usize, start: i64, end: i64, bit_unit: bool) -> ByteRange {
        resolve_range(len, start, end, bit_unit)
    }

    #[test]
    fn offsets_follow_redis_limits() {
        let max = 512 * 1024 * 1024;
        assert_eq!(parse_bit_offset(b"0", 0, max), Ok(0));
        assert_eq!(parse_bit_offset(b"4294967295", 0, max), Ok(4294967295));
        assert!(parse_bit_offset(b"4294967296", 0, max).is_err());
        assert!(parse_bit_offset(b"-1", 0, max).is_err());
        assert!(
            parse_bit_offset(b"#1", 0, max).is_err(),
            "# only for BITFIELD"
        );
        assert_eq!(parse_bit_offset(b"#3", 8, max), Ok(24));
        assert!(parse_bit_offset(b"#", 8, max).is_err());
        assert!(parse_bit_offset(b"#-1", 8, max).is_err());
        assert!(
            parse_bit_offset(b"8", 0, 1).is_err(),
            "byte 1 of a 1-byte limit"
        );
        assert_eq!(parse_bit_offset(b"7", 0, 1), Ok(7));
    }

    #[test]
    fn field_types() {
        assert_eq!(parse_field_type(b"i64"), Ok((true, 64)));
        assert_eq!(parse_field_type(b"U63"), Ok((false, 63)));
        assert_eq!(parse_field_type(b"u1"), Ok((false, 1)));
        assert_eq!(parse_field_type(b"i8\0junk"), Ok((true, 8)));
        for bad in [&b"u64"[..], b"i65", b"i0", b"u", b"x8", b"", b"i08", b"i-1"] {
            assert!(parse_field_type(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn bit_fields_read_and_write_msb_first() {
        let mut s = vec![0u8; 3];
        set_bits(&mut s, 4, 8, 0xab);
        assert_eq!(s, [0x0a, 0xb0, 0]);
        assert_eq!(get_bits(&s, 4, 8), 0xab);
        assert_eq!(get_bits(&s, 0, 4), 0);
        assert_eq!(sign_extend(get_bits(&s, 4, 4), 4), -6);
        assert_eq!(get_bits(&s, 20, 64), 0, "zeros past the end");
        set_bits(&mut s, 0, 1, 1);
        assert!(get_bit(&s, 0));
        assert!(!get_bit(&s, 1000));
        let mut w = vec![0u8; 9];
        set_bits(&mut w, 3, 64, u64::MAX - 1);
        assert_eq!(get_bits(&w, 3, 64), u64::MAX - 1);
        assert_eq!(sign_extend(u64::MAX, 64), -1);
    }

    #[test]
    fn unsigned_overflow_modes() {
        use Overflow::*;
        // u8: 250 + 10 wraps to 4, saturates at 255, fails.
        assert_eq!(unsigned_overflow(250, 10, 8, Wrap), Some(Some(4)));
        assert_eq!(unsigned_overflow(250, 10, 8, Sat), Some(Some(255)));
        assert_eq!(unsigned_overflow(250, 10, 8, Fail), Some(None));
        assert_eq!(unsigned_overflow(250, 5, 8, Wrap), None);
        assert_eq!(unsigned_overflow(5, -10, 8, Wrap), Some(Some(251)));
        assert_eq!(unsigned_overflow(5, -10, 8, Sat), Some(Some(0)));
        assert_eq!(unsigned_overflow(5, -5, 8, Sat), None);
        // SET u8 -1: the value seen as unsigned is huge.
        assert_eq!(unsigned_overflow(u64::MAX, 0, 8, Wrap), Some(Some(255)));
        assert_eq!(unsigned_overflow(u64::MAX, 0, 8, Sat), Some(Some(255)));
        assert_eq!(unsigned_overflow(256, 0, 8, Wrap), Some(Some(0)));
        assert_eq!(unsigned_overflow(0, i64::MAX, 63, Wrap), None);
        assert_eq!(unsigned_overflow(1, i64::MAX, 63, Wrap), Some(Some(0)));
    }

    #[test]
    fn signed_overflow_modes() {
        use Overflow::*;
        assert_eq!(signed_overflow(120, 10, 8, Wrap), Some(Some(-126)));
        assert_eq!(signed_overflow(120, 10, 8, Sat), Some(Some(127)));
        assert_eq!(signed_overflow(120, 10, 8, Fail), Some(None));
        assert_eq!(signed_overflow(-120, -10, 8, Wrap), Some(Some(126)));
        assert_eq!(signed_overflow(-120, -10, 8, Sat), Some(Some(-128)));
        assert_eq!(signed_overflow(100, -200, 8, Sat), None);
        assert_eq!(signed_overflow(200, 0, 8, Wrap), Some(Some(-56)));
        assert_eq!(signed_overflow(-1, 0, 1, Wrap), None);
        assert_eq!(signed_overflow(1, 0, 1, Sat), Some(Some(0)));
        assert_eq!(signed_overflow(i64::MAX, 1, 64, Wrap), Some(Some(i64::MIN)));
        assert_eq!(signed_overflow(i64::MAX, 1, 64, Sat), Some(Some(i64::MAX)));
        assert_eq!(signed_overflow(i64::MIN, -1, 64, Sat), Some(Some(i64::MIN)));
        assert_eq!(signed_overflow(-1, i64::MAX, 64, Sat), None);
    }

    #[test]
    fn ranges_resolve_like_redis() {
        assert_eq!(
            range(4, 0, -1, false),
            ByteRange {
                start: 0,
                end: 3,
                first_mask: 0,
                last_mask: 0
            }
        );
        assert_eq!(range(4, -100, 100, false).start, 0);
        assert_eq!(range(4, -100, 100, false).end, 3);
        let r = range(4, 5, 13, true);
        assert_eq!((r.start, r.end), (0, 1));
        assert_eq!((r.first_mask, r.last_mask), (0b1111_1000, 0b0000_0011));
        assert!(range(0, 0, -1, false).start > range(0, 0, -1, false).end);
    }

    #[test]
    fn counting_in_byte_and_bit_ranges() {
        let s = b"foobar";
        assert_eq!(count_range(s, range(6, 0, -1, false)), 26);
        assert_eq!(count_range(s, range(6, 0, 0, false)), 4);
        assert_eq!(count_range(s, range(6, 1, 1, false)), 6);
        assert_eq!(count_range(s, range(6, 5, 30, true)), 17);
        assert_eq!(count_range(s, range(6, 3, 2, false)), 0);
        let big: Vec<u8> = (0..1000u32).map(|i| (i * 7) as u8).collect();
        let naive: u64 = big.iter().map(|b| b.count_ones() as u64).sum();
        assert_eq!(popcount(&big), naive);
        assert_eq!(popcount_words(&big[3..]), popcount(&big[3..]));
    }

    #[test]
    fn bit_positions() {
        assert_eq!(first_bit(&[0, 0, 0x10], true), 19);
        assert_eq!(first_bit(&[0; 20], true), -1);
        assert_eq!(first_bit(&[0xff; 20], false), 160);
        // Every position around the 32-byte blocks agrees with a bit-by-bit scan.
        for i in 0..100 {
            let mut ones = vec![0u8; 100];
            ones[i] = 0x20;
            assert_eq!(first_bit(&ones, true), (i * 8 + 2) as i64);
            let mut zeros = vec![0xffu8; 100];
            zeros[i] = 0xdf;
            assert_eq!(first_bit(&zeros, false), (i * 8 + 2) as i64);
        }
        let mut v = vec![0xffu8; 20];
        v[17] = 0xfe;
        assert_eq!(first_bit(&v, false), 17 * 8 + 7);
        let s = [0xff, 0xf0, 0x00];
        assert_eq!(bitpos_range(&s, false, range(3, 0, -1, false), false), 12);
        assert_eq!(bitpos_range(&s, true, range(3, 2, -1, false), false), -1);
        // BIT unit: the search starts inside the first byte.
        assert_eq!(bitpos_range(&s, true, range(3, 5, -1, true), true), 5);
        assert_eq!(bitpos_range(&s, false, range(3, 0, 11, true), true), -1);
        assert_eq!(
            bitpos_range(&[0xff], false, range(1, 0, -1, false), false),
            8
        );
        assert_eq!(
            bitpos_range(&[0xff], false, range(1, 0, -1, false), true),
            -1
        );
    }

    #[test]
    fn bitop_folds_with_zero_padding() {
        let mut res = vec![0u8; 3];
        apply_bitop(&mut res, &[0xf0, 0x0f], BitOp::And, true);
        apply_bitop(&mut res, &[0xff, 0xff, 0xff], BitOp::And, false);
        assert_eq!(res, [0xf0, 0x0f, 0]);
        apply_bitop(&mut res, &[0x0f], BitOp::Or, false);
        assert_eq!(res, [0xff, 0x0f, 0]);
        apply_bitop(&mut res, &[0xff, 0xff, 0xff], BitOp::Xor, false);
        assert_eq!(res, [0x00, 0xf0, 0xff]);
        let mut res = vec![0u8; 2];
        apply_bitop(&mut res, &[0x0f, 0x00], BitOp::Not, true);
        assert_eq!(res, [0xf0, 0xff]);
        let mut res = vec![0u8; 2];
        apply_bitop(&mut res, &[0x0f], BitOp::And, true);
        apply_bitop(&mut res, &[0x0f, 0x0f], BitOp::And, false);
        assert_eq!(res, [0x0f, 0]);
    }
}
