//! HyperLogLog commands: PFADD PFCOUNT PFMERGE PFDEBUG, over string values in Redis's HLL
//! format (the format and the algorithm live in [`hll_core`], `types/hll.rs`).
//!
//! PFCOUNT and the cached cardinality: Redis stores the count it computes in the value's
//! header, so a GET after PFCOUNT shows the cache filled in. Here PFCOUNT is a read, and reads
//! are not replicated, so it must not change the keyspace: it returns a valid cached count as
//! Redis does, and otherwise computes the count without storing it. What this changes, all
//! after a PFCOUNT that Redis would have cached:
//! - GET differs in the 8 cache bytes (8..16 of the value): ours still say "stale", and a
//!   later write leaves the stale flag over a different old count. Registers, encoding and
//!   every other reply are the same.
//! - If the value is then edited as a plain string (SETRANGE, SETBIT, APPEND), Redis keeps
//!   answering PFCOUNT from its now wrong cache; we count the registers.
//! - OBJECT ENCODING: Redis's PFCOUNT turns an `embstr` value `raw`; ours leaves it.

use bytes::Bytes;
use redraft_protocol::Frame;

use super::bitmaps::as_string_buf;
use super::ctx::Ttl;
use super::flags::*;
use super::parse::is;
use super::{spec, CommandSpec, Ctx, Handler, KeySpec};
use crate::error;
use crate::value::Value;

use crate::types::hll as hll_core;

use hll_core::{Encoding, REGISTERS, SPARSE_MAX_BYTES};

const fn hll_spec(s: CommandSpec) -> CommandSpec {
    CommandSpec {
        since: "2.8.9",
        group: "hyperloglog",
        ..s
    }
}

/// HyperLogLog commands.
pub const COMMANDS: &[CommandSpec] = &[
    hll_spec(spec(
        "pfadd",
        -2,
        WRITE | DENYOOM | FAST,
        KeySpec::ONE,
        &["write", "hyperloglog", "fast"],
        Handler::Write(pfadd),
    )),
    hll_spec(spec(
        "pfcount",
        -2,
        READONLY,
        KeySpec::ALL,
        &["read", "hyperloglog", "slow"],
        Handler::Read(pfcount),
    )),
    hll_spec(spec(
        "pfmerge",
        -2,
        WRITE | DENYOOM,
        KeySpec::ALL,
        &["write", "hyperloglog", "slow"],
        Handler::Write(pfmerge),
    )),
    hll_spec(spec(
        "pfdebug",
        3,
        WRITE | DENYOOM | ADMIN,
        KeySpec {
            first: 2,
            last: 2,
            step: 1,
        },
        &["write", "hyperloglog", "admin", "slow", "dangerous"],
        Handler::Write(pfdebug),
    )),
];

/// The HyperLogLog under `key` for reading: `Ok(None)` if absent, WRONGTYPE for another type
/// or a string that is not an HLL.
fn hll_bytes<'c>(ctx: &'c mut Ctx<'_>, key: &[u8]) -> Result<Option<&'c [u8]>, Frame> {
    match ctx.get_string(key)? {
        Some(s) if hll_core::encoding(s).is_none() => Err(Frame::error(error::HLL_WRONGTYPE)),
        other => Ok(other),
    }
}

/// The HyperLogLog under `key` for editing in place (checked before it is unshared, so a
/// string that is not an HLL keeps its encoding).
fn hll_mut<'c>(ctx: &'c mut Ctx<'_>, key: &[u8]) -> Result<Option<&'c mut Vec<u8>>, Frame> {
    if hll_bytes(ctx, key)?.is_none() {
        return Ok(None);
    }
    ctx.get_as(key, as_string_buf)
}

fn corrupt() -> Frame {
    Frame::error(error::HLL_CORRUPT)
}

fn pfadd(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> Frame {
    let (key, elements) = (&argv[1], &argv[2..]);
    let hll = match hll_mut(ctx, key) {
        Ok(Some(hll)) => hll,
        Ok(None) => {
            // A new sketch: adding cannot fail, and creating the key counts as a change.
            let mut hll = hll_core::new_sparse();
            for e in elements {
                let _ = hll_core::add(&mut hll, e, SPARSE_MAX_BYTES);
            }
            hll_core::invalidate_cache(&mut hll);
            ctx.set(key, Value::StrBuf(Box::new(hll)), Ttl::Clear);
            return Frame::Integer(1);
        }
        Err(e) => return e,
    };
    let mut updated = false;
    for e in elements {
        match hll_core::add(hll, e, SPARSE_MAX_BYTES) {
            Ok(changed) => updated |= changed,
            // As in Redis: registers changed so far stay (sparse changes have already
            // marked the cache stale).
            Err(_) => return corrupt(),
        }
    }
    if updated {
        hll_core::invalidate_cache(hll);
    }
    Frame::Integer(updated as i64)
}

/// Merges the registers of `keys` (missing keys are empty sketches). Returns the maxima and
/// whether any input was dense.
fn merge_keys(ctx: &mut Ctx<'_>, keys: &[Bytes]) -> Result<(Box<[u8; REGISTERS]>, bool), Frame> {
    let mut max = Box::new([0u8; REGISTERS]);
    let mut any_dense = false;
    for key in keys {
        let Some(hll) = hll_bytes(ctx, key)? else {
            continue;
        };
        any_dense |= hll_core::encoding(hll) == Some(Encoding::Dense);
        hll_core::merge_into(&mut max, hll).map_err(|_| corrupt())?;
    }
    Ok((max, any_dense))
}

fn pfcount(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> Frame {
    if argv.len() > 2 {
        return match merge_keys(ctx, &argv[1..]) {
            Ok((max, _)) => Frame::Integer(hll_core::count_registers(&max) as i64),
            Err(e) => e,
        };
    }
    match hll_bytes(ctx, &argv[1]) {
        Ok(None) => Frame::Integer(0),
        // A valid cache is trusted, as Redis does; a stale one is recomputed, not stored
        // (see the module documentation).
        Ok(Some(hll)) => match hll_core::cached_count(hll).map_or_else(|| hll_core::count(hll), Ok)
        {
            Ok(n) => Frame::Integer(n as i64),
            Err(_) => corrupt(),
        },
        Err(e) => e,
    }
}

fn pfmerge(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> Frame {
    // Every source, the destination (argv[1]) included, is checked before anything changes.
    let (max, any_dense) = match merge_keys(ctx, &argv[1..]) {
        Ok(m) => m,
        Err(e) => return e,
    };
    let dest = &argv[1];
    let hll = match hll_mut(ctx, dest) {
        Ok(Some(hll)) => hll,
        Ok(None) => {
            let mut hll = hll_core::new_sparse();
            if write_registers(&mut hll, &max, any_dense).is_err() {
                return corrupt();
            }
            ctx.set(dest, Value::StrBuf(Box::new(hll)), Ttl::Clear);
            return Frame::ok();
        }
        Err(e) => return e,
    };
    match write_registers(hll, &max, any_dense) {
        Ok(()) => Frame::ok(),
        Err(_) => corrupt(),
    }
}

/// Raises `hll`'s registers to `max` (dense first if any input was dense, as Redis does to
/// skip the sparse steps), then marks the cache stale.
fn write_registers(
    hll: &mut Vec<u8>,
    max: &[u8; REGISTERS],
    dense: bool,
) -> Result<(), hll_core::Corrupt> {
    if dense {
        hll_core::to_dense(hll)?;
    }
    for (i, &v) in max.iter().enumerate() {
        if v != 0 {
            // The destination was validated by the merge, so a sparse walk cannot fail.
            let _ = hll_core::set_register(hll, i, v, SPARSE_MAX_BYTES);
        }
    }
    hll_core::invalidate_cache(hll);
    Ok(())
}

fn pfdebug(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> Frame {
    let sub = &argv[1];
    let hll = match hll_mut(ctx, &argv[2]) {
        Ok(Some(hll)) => hll,
        Ok(None) => return Frame::error(error::PFDEBUG_NO_KEY),
        Err(e) => return e,
    };
    if is(sub, "getreg") {
        if hll_core::to_dense(hll).is_err() {
            return corrupt();
        }
        let regs = hll_core::dense_registers(hll);
        Frame::Array(regs.into_iter().map(|r| Frame::Integer(r as i64)).collect())
    } else if is(sub, "decode") {
        if hll_core::encoding(hll) != Some(Encoding::Sparse) {
            return Frame::error(error::HLL_NOT_SPARSE);
        }
        Frame::Bulk(Bytes::from(hll_core::decode_sparse(hll)))
    } else if is(sub, "encoding") {
        match hll_core::encoding(hll) {
            Some(enc) => Frame::simple(enc.name()),
            None => Frame::error(error::HLL_WRONGTYPE),
        }
    } else if is(sub, "todense") {
        match hll_core::to_dense(hll) {
            Ok(converted) => Frame::Integer(converted as i64),
            Err(_) => corrupt(),
        }
    } else {
        Frame::error(error::sanitize(format!(
            "ERR Unknown PFDEBUG subcommand '{}'",
            String::from_utf8_lossy(sub)
        )))
    }
}
