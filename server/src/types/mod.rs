//! The representations of Redis's collection types, as plain data structures: no commands, no
//! clock, no I/O. Command families (`crate::cmd::*`) drive them; the snapshot and DUMP code
//! serialize them.
//!
//! Map:
//! - [`listpack`]: a packed sequence of small byte strings (Redis's listpack), the compact
//!   encoding of small hashes and sorted sets.
//! - [`dense`]: an insertion-ordered table (items in a `Vec`, indexed by a `HashTable<u32>`),
//!   the `hashtable` encoding of big hashes and sets. Its item order depends only on the
//!   operations applied, never on a hash seed, so a seeded random pick (SPOP) chooses the same
//!   member on every replica.
//! - [`hash`], [`list`], [`set`], [`zset`], [`stream`]: one file per Redis type, each switching
//!   between its compact and its big encoding at the thresholds in [`Limits`].
//! - [`ostree`]: the order-statistic B-tree behind big sorted sets (O(log n) rank and range).
//! - [`geohash`]: the geo math (52-bit geohashes, search cells, distances) behind GEO*.
//! - [`hll`]: HyperLogLog in Redis's own string format (dense and sparse registers, Redis's
//!   hash and estimator), so PFCOUNT and the bytes GET returns match Redis's.
//!
//! Every conversion happens inside apply with the [`Limits`] the proposal carries, so all
//! replicas convert at the same moment and keep the same element order.

pub mod dense;
pub mod geohash;
pub mod hash;
pub mod hll;
pub mod list;
pub mod listpack;
pub mod ostree;
pub mod set;
pub mod stream;
pub mod zset;

/// The encoding thresholds (`hash-max-listpack-entries` …), carried by every proposal so all
/// replicas convert encodings at the same moment.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Limits {
    /// `hash-max-listpack-entries`.
    pub hash_max_listpack_entries: u32,
    /// `hash-max-listpack-value`.
    pub hash_max_listpack_value: u32,
    /// `set-max-intset-entries`.
    pub set_max_intset_entries: u32,
    /// `zset-max-listpack-entries`.
    pub zset_max_listpack_entries: u32,
    /// `zset-max-listpack-value`.
    pub zset_max_listpack_value: u32,
    /// `stream-node-max-entries`.
    pub stream_node_max_entries: u32,
    /// `stream-node-max-bytes`.
    pub stream_node_max_bytes: u32,
}

impl Default for Limits {
    /// Redis 7.0's defaults.
    fn default() -> Self {
        Limits {
            hash_max_listpack_entries: 128,
            hash_max_listpack_value: 64,
            set_max_intset_entries: 512,
            zset_max_listpack_entries: 128,
            zset_max_listpack_value: 64,
            stream_node_max_entries: 100,
            stream_node_max_bytes: 4096,
        }
    }
}

/// How a collection is written into snapshot records and DUMP payloads.
///
/// The bytes include the encoding and the element order, so a replica that loads them holds
/// exactly what the writer held (same OBJECT ENCODING, same order for seeded random picks).
/// `decode` is total and canonical: it returns `None` for any bytes `encode` cannot produce,
/// never panics, and checks every length against the bytes left before allocating.
pub trait Codec: Sized {
    /// The exact number of bytes [`Codec::encode`] appends.
    fn encoded_len(&self) -> usize;
    /// Appends the encoding to `out`.
    fn encode(&self, out: &mut Vec<u8>);
    /// Decodes what `encode` produced; `None` for anything else.
    fn decode(bytes: &[u8]) -> Option<Self>;
}

/// How a collection feeds the keyspace digest (DEBUG DIGEST, replica-consistency tests): its
/// logical content, independent of its encoding.
pub trait Digest {
    /// Calls `feed` with the content. Ordered types (lists, sorted sets, streams) feed their
    /// elements in order; unordered ones (hashes, sets) feed each element as its own call,
    /// and the caller combines those order-independently.
    fn digest(&self, feed: &mut dyn FnMut(&[u8]));
    /// True when element order is not part of the content (hashes, sets).
    const UNORDERED: bool;
}

/// Appends `v` as unsigned LEB128.
pub fn put_varint(out: &mut Vec<u8>, mut v: u64) {
    while v >= 0x80 {
        out.push(v as u8 | 0x80);
        v >>= 7;
    }
    out.push(v as u8);
}

/// The bytes [`put_varint`] writes for `v`.
pub fn varint_len(v: u64) -> usize {
    (64 - (v | 1).leading_zeros() as usize).div_ceil(7)
}

/// Reads a minimal LEB128 varint from the front of `bytes`; `None` if truncated, too long or
/// not minimal.
pub fn get_varint(bytes: &mut &[u8]) -> Option<u64> {
    let mut v: u64 = 0;
    for i in 0..10 {
        let (&b, rest) = bytes.split_first()?;
        *bytes = rest;
        let part = u64::from(b & 0x7f);
        if i == 9 && b > 1 {
            return None;
        }
        v |= part << (7 * i);
        if b & 0x80 == 0 {
            // Minimal: a last byte of 0 is only allowed for the value 0 itself.
            return (b != 0 || i == 0).then_some(v);
        }
    }
    None
}

/// Reads a varint length and that many bytes from the front of `bytes`.
pub fn get_field<'a>(bytes: &mut &'a [u8]) -> Option<&'a [u8]> {
    let len = get_varint(bytes)?;
    if len > bytes.len() as u64 {
        return None;
    }
    let (field, rest) = bytes.split_at(len as usize);
    *bytes = rest;
    Some(field)
}
