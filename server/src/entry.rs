//! The bytes of a proposal: one client's pipelined writes (or a batch of expiry deletions), as
//! they travel through the Raft log to every replica's [`crate::shard::apply`].
//!
//! Format (little-endian; append-only, pinned by the golden-bytes test):
//!
//! ```text
//! proposal := [u8 version = 2][u64 max_string][limits][u32 count] entry*count
//! limits   := [u32 hash-max-listpack-entries][u32 hash-max-listpack-value]
//!             [u32 set-max-intset-entries][u32 zset-max-listpack-entries]
//!             [u32 zset-max-listpack-value][u32 stream-node-max-entries]
//!             [u32 stream-node-max-bytes]
//! entry    := [u32 db][u64 now_ms][u8 op: 0 command, 1 expire][u32 argc] ([u32 len][bytes])*argc
//! ```
//!
//! Version 1 (still read, never written) has no `limits`: its entries apply with Redis's
//! default thresholds.
//!
//! `max_string` is the proposer's `proto-max-bulk-len` and `limits` its encoding thresholds, so
//! every replica enforces the same limit and converts encodings at the same moment.
//! Decoding is zero-copy (arguments are slices of the entry's `Bytes`) and total: bytes from a
//! peer or the disk that this module did not produce give `None`, never a panic.

use bytes::{Buf, BufMut, Bytes, BytesMut};

use crate::shard::{LogEntry, Op};
use crate::types::Limits;

const VERSION: u8 = 2;
const LIMITS_LEN: usize = 7 * 4;

/// A decoded proposal.
#[derive(Debug, Clone, PartialEq)]
pub struct Proposal {
    /// The proposer's `proto-max-bulk-len`.
    pub max_string: usize,
    /// The proposer's encoding thresholds.
    pub limits: Limits,
    /// The writes, in the client's order.
    pub entries: Vec<LogEntry>,
}

/// Encodes a proposal. Entries' `index` is not encoded: the Raft log assigns it.
pub fn encode(max_string: usize, limits: &Limits, entries: &[LogEntry]) -> Bytes {
    let mut out = BytesMut::with_capacity(16 + LIMITS_LEN + entries.len() * 32);
    out.put_u8(VERSION);
    out.put_u64_le(max_string as u64);
    for v in [
        limits.hash_max_listpack_entries,
        limits.hash_max_listpack_value,
        limits.set_max_intset_entries,
        limits.zset_max_listpack_entries,
        limits.zset_max_listpack_value,
        limits.stream_node_max_entries,
        limits.stream_node_max_bytes,
    ] {
        out.put_u32_le(v);
    }
    out.put_u32_le(entries.len() as u32);
    for e in entries {
        out.put_u32_le(e.db as u32);
        out.put_u64_le(e.now_ms);
        let (op, args) = match &e.op {
            Op::Command(argv) => (0, argv),
            Op::Expire(keys) => (1, keys),
        };
        out.put_u8(op);
        out.put_u32_le(args.len() as u32);
        for a in args {
            out.put_u32_le(a.len() as u32);
            out.put_slice(a);
        }
    }
    out.freeze()
}

/// Decodes a proposal; every entry gets `index`.
pub fn decode(index: u64, mut data: Bytes) -> Option<Proposal> {
    if data.len() < 13 {
        return None;
    }
    let version = data.get_u8();
    let max_string = usize::try_from(data.get_u64_le()).ok()?;
    let limits = match version {
        1 => Limits::default(),
        2 if data.len() >= LIMITS_LEN + 4 => Limits {
            hash_max_listpack_entries: data.get_u32_le(),
            hash_max_listpack_value: data.get_u32_le(),
            set_max_intset_entries: data.get_u32_le(),
            zset_max_listpack_entries: data.get_u32_le(),
            zset_max_listpack_value: data.get_u32_le(),
            stream_node_max_entries: data.get_u32_le(),
            stream_node_max_bytes: data.get_u32_le(),
        },
        _ => return None,
    };
    let count = data.get_u32_le() as usize;
    // An entry takes at least 17 bytes: bounds the allocation by the input's size.
    let mut entries = Vec::with_capacity(count.min(data.len() / 17));
    for _ in 0..count {
        if data.len() < 17 {
            return None;
        }
        let db = data.get_u32_le() as usize;
        let now_ms = data.get_u64_le();
        let op = data.get_u8();
        let argc = data.get_u32_le() as usize;
        let mut args = Vec::with_capacity(argc.min(data.len() / 4));
        for _ in 0..argc {
            if data.len() < 4 {
                return None;
            }
            let len = data.get_u32_le() as usize;
            if len > data.len() {
                return None;
            }
            args.push(data.split_to(len));
        }
        let op = match op {
            0 if !args.is_empty() => Op::Command(args),
            1 => Op::Expire(args),
            _ => return None,
        };
        entries.push(LogEntry {
            index,
            db,
            now_ms,
            op,
        });
    }
    data.is_empty().then_some(Proposal {
        max_string,
        limits,
        entries,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn b(s: &str) -> Bytes {
        Bytes::copy_from_slice(s.as_bytes())
    }

    #[test]
    fn golden_bytes() {
        let entries = vec![
            LogEntry {
                index: 0,
                db: 1,
                now_ms: 2,
                op: Op::Command(vec![b("SET"), b("k")]),
            },
            LogEntry {
                index: 0,
                db: 0,
                now_ms: 3,
                op: Op::Expire(vec![]),
            },
        ];
        let limits = Limits {
            hash_max_listpack_entries: 1,
            hash_max_listpack_value: 2,
            set_max_intset_entries: 3,
            zset_max_listpack_entries: 4,
            zset_max_listpack_value: 5,
            stream_node_max_entries: 6,
            stream_node_max_bytes: 7,
        };
        let data = encode(5, &limits, &entries);
        let mut want = vec![2u8];
        want.extend_from_slice(&5u64.to_le_bytes());
        for v in 1..=7u32 {
            want.extend_from_slice(&v.to_le_bytes());
        }
        let body_start = want.len();
        want.extend_from_slice(&2u32.to_le_bytes());
        want.extend_from_slice(&1u32.to_le_bytes());
        want.extend_from_slice(&2u64.to_le_bytes());
        want.push(0);
        want.extend_from_slice(&2u32.to_le_bytes());
        want.extend_from_slice(b"\x03\x00\x00\x00SET\x01\x00\x00\x00k");
        want.extend_from_slice(&0u32.to_le_bytes());
        want.extend_from_slice(&3u64.to_le_bytes());
        want.push(1);
        want.extend_from_slice(&0u32.to_le_bytes());
        assert_eq!(&data[..], &want[..]);
        let back = decode(9, data).unwrap();
        assert_eq!(back.max_string, 5);
        assert_eq!(back.limits, limits);
        assert_eq!(back.entries.len(), 2);
        assert_eq!(back.entries[0].index, 9);
        assert_eq!(back.entries[0].op, Op::Command(vec![b("SET"), b("k")]));
        // Version 1, as earlier builds wrote it (no limits), still reads, with the defaults.
        let mut v1 = vec![1u8];
        v1.extend_from_slice(&5u64.to_le_bytes());
        v1.extend_from_slice(&want[body_start..]);
        let back = decode(9, Bytes::from(v1)).unwrap();
        assert_eq!(back.limits, Limits::default());
        assert_eq!(back.entries, decode(9, Bytes::from(want)).unwrap().entries);
    }

    #[test]
    fn rejects_foreign_bytes() {
        assert!(decode(1, Bytes::new()).is_none());
        assert!(decode(1, Bytes::from_static(&[3; 13])).is_none());
        assert!(
            decode(1, Bytes::from_static(&[2; 13])).is_none(),
            "v2 without its limits"
        );
        let mut ok = encode(1, &Limits::default(), &[]).to_vec();
        ok.push(0);
        assert!(decode(1, Bytes::from(ok)).is_none(), "trailing bytes");
    }

    proptest! {
        #[test]
        fn round_trips(
            cmds in proptest::collection::vec(
                (0usize..16, any::<u64>(), any::<bool>(),
                 proptest::collection::vec(proptest::collection::vec(any::<u8>(), 0..20), 1..5)),
                0..6),
            max in any::<u32>(),
        ) {
            let entries: Vec<LogEntry> = cmds
                .into_iter()
                .map(|(db, now_ms, expire, args)| {
                    let args: Vec<Bytes> = args.into_iter().map(Bytes::from).collect();
                    LogEntry {
                        index: 4,
                        db,
                        now_ms,
                        op: if expire { Op::Expire(args) } else { Op::Command(args) },
                    }
                })
                .collect();
            let back = decode(4, encode(max as usize, &Limits::default(), &entries)).unwrap();
            prop_assert_eq!(back.entries, entries);
            prop_assert_eq!(back.max_string, max as usize);
        }

        #[test]
        fn never_panics(data in proptest::collection::vec(any::<u8>(), 0..80)) {
            let _ = decode(1, Bytes::from(data));
        }
    }
}
