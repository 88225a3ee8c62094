//! Fuzzes `entry::decode`, the bytes of a proposal as they come out of the Raft log (from a
//! peer or the disk): arbitrary bytes must never panic; what decodes must be exactly what
//! `encode` writes for the result (the format has one encoding per proposal), which decodes to
//! the same proposal again, every entry stamped with the log index given.
//!
//! The same input is also cut into arguments (at every byte equal to the first one) and pushed
//! through `encode` → `decode` as a command entry and an expire entry.

#![no_main]

use bytes::Bytes;
use libfuzzer_sys::fuzz_target;
use redraft_server::entry::{decode, encode};
use redraft_server::shard::{LogEntry, Op};
use redraft_server::types::Limits;

const INDEX: u64 = 42;

fuzz_target!(|data: &[u8]| {
    if let Some(proposal) = decode(INDEX, Bytes::copy_from_slice(data)) {
        assert!(proposal.entries.iter().all(|e| e.index == INDEX));
        let encoded = encode(proposal.max_string, &proposal.limits, &proposal.entries);
        // Version 1 input re-encodes as version 2; the current version must be canonical.
        if data[0] == 2 {
            assert_eq!(
                &encoded[..],
                data,
                "decode accepted a non-canonical proposal"
            );
        }
        assert_eq!(decode(INDEX, encoded), Some(proposal));
    }

    if let Some((&sep, rest)) = data.split_first() {
        let args: Vec<Bytes> = rest
            .split(|&b| b == sep)
            .map(Bytes::copy_from_slice)
            .collect();
        let entries = vec![
            LogEntry {
                index: INDEX,
                db: usize::from(sep),
                now_ms: u64::from(sep) << 40,
                op: Op::Command(args.clone()),
            },
            LogEntry {
                index: INDEX,
                db: 0,
                now_ms: u64::MAX,
                op: Op::Expire(args),
            },
        ];
        let max_string = data.len() << 20;
        let limits = Limits {
            hash_max_listpack_entries: u32::from(sep),
            ..Limits::default()
        };
        let back =
            decode(INDEX, encode(max_string, &limits, &entries)).expect("own proposal decodes");
        assert_eq!(back.limits, limits);
        assert_eq!(back.max_string, max_string);
        assert_eq!(back.entries, entries);
    }
});
