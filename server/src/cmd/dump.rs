//! DUMP and RESTORE: a value as an opaque, versioned, checksummed payload
//! ([`crate::snapshot::dump_payload`]) and back. Our own format, not Redis's RDB: a payload
//! moves values between redraft servers; Redis's payloads are refused with Redis's error.

use bytes::Bytes;
use redraft_protocol::Frame;

use super::ctx::Ttl;
use super::flags::*;
use super::parse::{is, parse_i64};
use super::{spec, CommandSpec, Ctx, Handler, KeySpec};
use crate::error;
use crate::snapshot::{dump_payload, restore_payload, DumpError};

/// DUMP and RESTORE.
pub const COMMANDS: &[CommandSpec] = &[
    {
        let mut s = spec(
            "dump",
            2,
            READONLY,
            KeySpec::ONE,
            &["keyspace", "read", "slow"],
            Handler::Read(dump),
        );
        s.since = "2.6.0";
        s
    },
    {
        let mut s = spec(
            "restore",
            -4,
            WRITE | DENYOOM,
            KeySpec::ONE,
            &["keyspace", "write", "slow", "dangerous"],
            Handler::Write(restore),
        );
        s.since = "2.6.0";
        s
    },
];

fn dump(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> Frame {
    match ctx.lookup(&argv[1]) {
        Some(v) => Frame::Bulk(Bytes::from(dump_payload(v))),
        None => Frame::Null,
    }
}

/// RESTORE's options.
#[derive(Debug, PartialEq)]
struct RestoreOptions {
    replace: bool,
    absttl: bool,
    idle_secs: Option<i64>,
}

fn parse_restore(args: &[Bytes]) -> Result<RestoreOptions, Frame> {
    let mut o = RestoreOptions {
        replace: false,
        absttl: false,
        idle_secs: None,
    };
    let mut i = 0;
    while i < args.len() {
        let more = i + 1 < args.len();
        if is(&args[i], "replace") {
            o.replace = true;
        } else if is(&args[i], "absttl") {
            o.absttl = true;
        } else if is(&args[i], "idletime") && more {
            match parse_i64(&args[i + 1]) {
                Some(n) if n >= 0 => o.idle_secs = Some(n),
                Some(_) => return Err(Frame::error(error::INVALID_IDLETIME)),
                None => return Err(Frame::error(error::NOT_INTEGER)),
            }
            i += 1;
        } else if is(&args[i], "freq") && more {
            match parse_i64(&args[i + 1]) {
                // LFU counters are not kept: a valid FREQ is accepted and has no effect.
                Some(n) if (0..=255).contains(&n) => {}
                Some(_) => return Err(Frame::error(error::INVALID_FREQ)),
                None => return Err(Frame::error(error::NOT_INTEGER)),
            }
            i += 1;
        } else {
            return Err(Frame::error(error::SYNTAX));
        }
        i += 1;
    }
    Ok(o)
}

fn restore(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> Frame {
    let key = &argv[1];
    let o = match parse_restore(&argv[4..]) {
        Ok(o) => o,
        Err(e) => return e,
    };
    // Redis's order: options, then an existing key, then the TTL, then the payload.
    if !o.replace && ctx.find(key).is_some() {
        return Frame::error(error::BUSYKEY);
    }
    let ttl = match parse_i64(&argv[2]) {
        Some(t) if t >= 0 => t,
        Some(_) => return Frame::error(error::INVALID_TTL),
        None => return Frame::error(error::NOT_INTEGER),
    };
    let value = match restore_payload(&argv[3]) {
        Ok(v) => v,
        Err(DumpError::VersionOrChecksum) => return Frame::error(error::DUMP_PAYLOAD),
        Err(DumpError::BadData) => return Frame::error(error::BAD_DATA_FORMAT),
    };
    let deadline = match (ttl, o.absttl) {
        (0, _) => None,
        (t, true) => Some(t as u64),
        (t, false) => Some(ctx.now_ms.saturating_add(t as u64)),
    };
    ctx.delete(key);
    // A deadline already past: Redis replies OK and keeps nothing.
    if deadline.is_some_and(|at| at <= ctx.now_ms) {
        return Frame::ok();
    }
    ctx.set(key, value, deadline.map_or(Ttl::Clear, Ttl::At));
    if let Some(idle) = o.idle_secs {
        if let Some(slot) = ctx.find(key) {
            let clock = ctx.lru_clock.wrapping_sub(idle.min(u32::MAX as i64) as u32);
            ctx.db().entry_mut(slot).lru = clock;
        }
    }
    Frame::ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cmd::ctx::Mode;
    use crate::cmd::test_argv as argv;
    use crate::keyspace::Keyspace;

    #[test]
    fn dump_then_restore_round_trips_and_corruption_is_refused() {
        let mut ks = Keyspace::new(1);
        let mut ctx = Ctx::new(&mut ks, 0, 1_000, Mode::Apply);
        ctx.set(b"s", crate::value::Value::string(b"hello"), Ttl::Clear);
        let Frame::Bulk(payload) = dump(&mut ctx, &argv(&["dump", "s"])) else {
            panic!("DUMP of a string is a bulk");
        };
        let mut args = argv(&["restore", "t", "0"]);
        args.push(payload.clone());
        assert_eq!(restore(&mut ctx, &args), Frame::ok());
        assert_eq!(ctx.get_string(b"t").unwrap(), Some(&b"hello"[..]));
        assert_eq!(
            restore(&mut ctx, &args),
            Frame::error(error::BUSYKEY),
            "no REPLACE"
        );
        let mut bad = payload.to_vec();
        bad[1] ^= 1;
        let mut args = argv(&["restore", "u", "0"]);
        args.push(Bytes::from(bad));
        assert_eq!(restore(&mut ctx, &args), Frame::error(error::DUMP_PAYLOAD));
    }
}
