//! raft-rs logs through `slog`; this drain forwards its records to `tracing` (target `raft`;
//! raft-rs's chatty info level becomes debug — the driver logs role changes itself),
//! so one subscriber and one `loglevel` govern every log line. Debug and trace records are
//! filtered before they are formatted: raft-rs logs on hot paths.

use std::fmt::Write as _;

use slog::{Drain, Level, OwnedKVList, Record, KV};

struct TracingDrain;

/// Collects a record's key-value pairs as ` key=value`.
struct Pairs(String);

impl slog::Serializer for Pairs {
    fn emit_arguments(&mut self, key: slog::Key, val: &std::fmt::Arguments) -> slog::Result {
        let _ = write!(self.0, " {key}={val}");
        Ok(())
    }
}

impl Drain for TracingDrain {
    type Ok = ();
    type Err = slog::Never;

    fn log(&self, record: &Record, values: &OwnedKVList) -> Result<(), slog::Never> {
        let mut pairs = Pairs(String::new());
        let _ = record.kv().serialize(record, &mut pairs);
        let _ = values.serialize(record, &mut pairs);
        let (msg, kv) = (record.msg(), pairs.0);
        match record.level() {
            Level::Critical | Level::Error => tracing::error!(target: "raft", "{msg}{kv}"),
            Level::Warning => tracing::warn!(target: "raft", "{msg}{kv}"),
            Level::Info => tracing::debug!(target: "raft", "{msg}{kv}"),
            Level::Debug | Level::Trace => tracing::trace!(target: "raft", "{msg}{kv}"),
        }
        Ok(())
    }
}

/// The logger handed to raft-rs: info and above, forwarded to `tracing`.
pub fn raft_logger() -> slog::Logger {
    slog::Logger::root(
        slog::LevelFilter::new(TracingDrain, Level::Info).fuse(),
        slog::o!(),
    )
}
