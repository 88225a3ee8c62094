//! Keyspace snapshots — the shard's "RDB" — and the keyspace digest.
//!
//! A snapshot is the whole [`Keyspace`] (every database) as one checksummed byte string: what a
//! Raft snapshot carries to a lagging replica and what a restarting node loads. [`write()`] encodes
//! into a `Vec` (it runs under the shard lock, so it allocates once, not per key), [`SnapshotWriter`]
//! streams the same bytes into any [`std::io::Write`] in one pass, and [`read`] decodes, trusting
//! nothing: every length is checked against the bytes left before anything is allocated or
//! sliced, and every violation is a [`SnapshotError`] naming the byte offset.
//!
//! # Format (version 1)
//!
//! Integers marked *varint* are unsigned LEB128 (7 bits per byte, least significant group first,
//! high bit = more follows), at most 10 bytes, and must be minimal (no trailing `0x00` groups).
//! Fixed-width integers are little-endian.
//!
//! ```text
//! magic      11 bytes   "REDRAFTSNAP"
//! version    u32        1
//! sections   varint     number of database sections that follow (one per non-empty database)
//! section, repeated `sections` times, in strictly increasing database order:
//!   db       varint     database index (SELECT n); must be < the reader's database count
//!   keys     varint     number of key records that follow; ≥ 1
//!   record, repeated `keys` times:
//!     type   u8         0 = string (`Value::Str`), 1 = string grown in place (`Value::StrBuf`),
//!                       2 = hash, 3 = list, 4 = set, 5 = sorted set, 6 = stream;
//!                       new value types take the next free number, never reuse one
//!     flags  u8         bit 0: a deadline follows; bits 1–7 reserved, must be 0
//!     expire u64        absolute deadline, unix ms (only when flags bit 0 is set)
//!     key    varint length, then the key bytes (may be empty; no duplicates within a section)
//!     value  varint length, then the payload: the string bytes for types 0 and 1, the
//!            collection's `types::Codec` encoding for the others (it records the encoding and
//!            the element order, so a loaded collection is identical to the written one)
//! crc        u32        CRC-32C (Castagnoli) of every byte before it
//! ```
//!
//! The format is append-only: a new value type adds a tag (an older reader rejects it by name
//! instead of misreading it); anything that changes how an existing field reads bumps the version.
//! The golden-bytes test pins version 1. The encoding is canonical: the reader accepts exactly the
//! byte strings the writer can produce, so `write(read(b)) == b` whenever `read(b)` succeeds.
//!
//! Every key is written, including keys whose deadline has passed: expiry deletes keys through
//! the log, so a replica must hold exactly what the leader held at the snapshot's index. The LRU
//! clock is not persisted; [`read`] stamps every key with the caller's `lru`.
//!
//! # Digest
//!
//! [`digest`] is an order-independent fingerprint of a keyspace for replica-consistency tests,
//! shaped like Redis's `DEBUG DIGEST`: each key's (database, key, type, value, deadline) is hashed
//! with SHA-1 and the 20-byte hashes are XORed, so slot layout and insertion order do not matter
//! and an empty keyspace digests to all zeros. It hashes what `TYPE` and `GET` see, not the
//! encoding: `Str` and `StrBuf` holding the same bytes digest alike.

use std::convert::Infallible;
use std::io::{self, Write};

use crate::compact::CompactBytes;
use crate::keyspace::{Entry, Keyspace};
use crate::types::{Codec, Digest};
use crate::value::Value;

/// The first bytes of every snapshot.
pub const MAGIC: &[u8; 11] = b"REDRAFTSNAP";

/// The format version this build writes and the only one it reads.
pub const VERSION: u32 = 1;

/// Value type tag: a string written whole (`Value::Str`).
const TAG_STRING: u8 = 0;
/// Value type tag: a string grown in place (`Value::StrBuf`). Kept apart from [`TAG_STRING`] so a
/// replica installing a snapshot reports the same OBJECT ENCODING as the leader.
const TAG_STRING_BUF: u8 = 1;

/// Value type tags of the collections (see [`crate::types::Codec`]).
const TAG_HASH: u8 = 2;
const TAG_LIST: u8 = 3;
const TAG_SET: u8 = 4;
const TAG_ZSET: u8 = 5;
const TAG_STREAM: u8 = 6;

/// Record flag: an 8-byte deadline follows the flags byte.
const FLAG_DEADLINE: u8 = 1;

/// Magic plus version.
const HEADER_LEN: usize = MAGIC.len() + 4;
/// The CRC-32C trailer.
const TRAILER_LEN: usize = 4;
/// Smallest record: type, flags, a one-byte key length, a one-byte value length.
const MIN_RECORD_LEN: usize = 4;
/// Smallest section: one-byte index, one-byte count, one record.
const MIN_SECTION_LEN: usize = 2 + MIN_RECORD_LEN;

/// [`SnapshotWriter`] hands bytes to its writer in chunks of about this size; keys and values
/// this large or larger go straight through instead of being copied into the chunk.
const CHUNK: usize = 64 * 1024;

/// Why a snapshot could not be read, and where.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid snapshot at byte {offset}: {kind}")]
pub struct SnapshotError {
    /// Byte offset (from the start of the snapshot) of the field that is wrong.
    pub offset: usize,
    /// What is wrong with it.
    pub kind: SnapshotErrorKind,
}

/// What was wrong with a snapshot.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SnapshotErrorKind {
    /// A collection payload its type's codec rejects.
    #[error("malformed collection payload of type {0}")]
    BadCollection(u8),
    /// The bytes do not start with [`MAGIC`].
    #[error("not a redraft snapshot (bad magic)")]
    BadMagic,
    /// A field runs past the end of the data.
    #[error("truncated: the {what} runs past the end of the data")]
    Truncated {
        /// The field.
        what: &'static str,
    },
    /// The trailer does not match the CRC-32C of the bytes before it.
    #[error("checksum mismatch: stored {stored:#010x}, computed {computed:#010x}")]
    ChecksumMismatch {
        /// The trailer's value.
        stored: u32,
        /// The CRC-32C of the bytes before the trailer.
        computed: u32,
    },
    /// A format version this build cannot read.
    #[error("unsupported format version {0} (this build reads version {VERSION})")]
    UnsupportedVersion(u32),
    /// A varint longer than 10 bytes, above `u64::MAX`, or not minimal.
    #[error("malformed varint for the {what}")]
    BadVarint {
        /// The field.
        what: &'static str,
    },
    /// A length larger than the bytes left.
    #[error("the {what} length {len} exceeds the {available} bytes left")]
    LengthOutOfBounds {
        /// The field.
        what: &'static str,
        /// The declared length.
        len: u64,
        /// Bytes left before the trailer.
        available: usize,
    },
    /// A count of sections or records that cannot fit in the bytes left.
    #[error("{count} {what} cannot fit in the {available} bytes left")]
    CountOutOfBounds {
        /// What is counted.
        what: &'static str,
        /// The declared count.
        count: u64,
        /// Bytes left before the trailer.
        available: usize,
    },
    /// A database index at or above the reader's database count.
    #[error("database {index} is out of range (this server has {databases} databases)")]
    DbOutOfRange {
        /// The index in the snapshot.
        index: u64,
        /// The reader's database count.
        databases: usize,
    },
    /// Database sections not in strictly increasing order (includes a repeated database).
    #[error("database {index} follows database {previous}: sections must strictly increase")]
    DbOutOfOrder {
        /// The index in the snapshot.
        index: u64,
        /// The index of the section before it.
        previous: u64,
    },
    /// A section declaring zero keys (the writer omits empty databases).
    #[error("database {index} has an empty section")]
    EmptyDb {
        /// The index in the snapshot.
        index: u64,
    },
    /// A value type tag this build does not know (perhaps written by a newer redraft).
    #[error("unknown value type tag {0}")]
    UnknownType(u8),
    /// A flags byte with reserved bits set.
    #[error("unknown key flags {0:#04x}")]
    BadFlags(u8),
    /// The same key twice in one database.
    #[error("duplicate key in database {db}")]
    DuplicateKey {
        /// The database.
        db: usize,
    },
    /// Bytes between the last section and the trailer.
    #[error("{len} unexpected bytes after the last database section")]
    TrailingBytes {
        /// How many.
        len: usize,
    },
}

// ---------------------------------------------------------------------------------------------
// Writing
// ---------------------------------------------------------------------------------------------

/// Where the encoder puts bytes: straight into the caller's `Vec`, or into a chunk that is
/// checksummed and handed to an `io::Write` when full. One encoder serves both, so [`write()`] and
/// [`SnapshotWriter`] cannot drift apart.
trait Sink {
    type Error;
    /// The buffer small fields are appended to.
    fn buf(&mut self) -> &mut Vec<u8>;
    /// Appends key or value bytes (which may be large).
    fn payload(&mut self, bytes: &[u8]) -> Result<(), Self::Error>;
    /// Called after each record: the chance to hand a full chunk on.
    fn record_done(&mut self) -> Result<(), Self::Error>;
}

struct VecSink<'a>(&'a mut Vec<u8>);

impl Sink for VecSink<'_> {
    type Error = Infallible;

    #[inline]
    fn buf(&mut self) -> &mut Vec<u8> {
        self.0
    }

    #[inline]
    fn payload(&mut self, bytes: &[u8]) -> Result<(), Infallible> {
        self.0.extend_from_slice(bytes);
        Ok(())
    }

    #[inline]
    fn record_done(&mut self) -> Result<(), Infallible> {
        Ok(())
    }
}

fn varint_len(v: u64) -> usize {
    // 1 byte per started group of 7 bits; 0 still takes one byte.
    (64 - (v | 1).leading_zeros() as usize).div_ceil(7)
}

/// The exact length of the snapshot [`write()`] produces, trailer included.
pub fn encoded_len(keyspace: &Keyspace) -> usize {
    let mut len = HEADER_LEN + TRAILER_LEN;
    let mut sections = 0;
    for (index, db) in keyspace.dbs().enumerate().filter(|(_, db)| !db.is_empty()) {
        sections += 1;
        len += varint_len(index as u64) + varint_len(db.len() as u64);
        len += db.volatile_len() * 8;
        for (_, entry) in db.iter() {
            let payload = payload_len(&entry.value);
            len += 2
                + varint_len(entry.key.len() as u64)
                + entry.key.len()
                + varint_len(payload as u64)
                + payload;
        }
    }
    len + varint_len(sections)
}

/// The length of a value's payload in a record.
fn payload_len(value: &Value) -> usize {
    match value {
        Value::Str(s) => s.len(),
        Value::StrBuf(b) => b.len(),
        Value::Hash(c) => c.encoded_len(),
        Value::List(c) => c.encoded_len(),
        Value::Set(c) => c.encoded_len(),
        Value::ZSet(c) => c.encoded_len(),
        Value::Stream(c) => c.encoded_len(),
    }
}

/// The tag of a value, and its bytes when it is a string.
fn tag_of(value: &Value) -> (u8, Option<&[u8]>) {
    match value {
        Value::Str(s) => (TAG_STRING, Some(s.as_slice())),
        Value::StrBuf(b) => (TAG_STRING_BUF, Some(b.as_slice())),
        Value::Hash(_) => (TAG_HASH, None),
        Value::List(_) => (TAG_LIST, None),
        Value::Set(_) => (TAG_SET, None),
        Value::ZSet(_) => (TAG_ZSET, None),
        Value::Stream(_) => (TAG_STREAM, None),
    }
}

/// Appends a collection's codec bytes.
fn encode_collection(value: &Value, out: &mut Vec<u8>) {
    match value {
        Value::Str(_) | Value::StrBuf(_) => {}
        Value::Hash(c) => c.encode(out),
        Value::List(c) => c.encode(out),
        Value::Set(c) => c.encode(out),
        Value::ZSet(c) => c.encode(out),
        Value::Stream(c) => c.encode(out),
    }
}

/// Decodes a collection payload of type `tag` (2..=6).
fn decode_collection(tag: u8, payload: &[u8]) -> Option<Value> {
    Some(match tag {
        TAG_HASH => Value::Hash(Box::new(Codec::decode(payload)?)),
        TAG_LIST => Value::List(Box::new(Codec::decode(payload)?)),
        TAG_SET => Value::Set(Box::new(Codec::decode(payload)?)),
        TAG_ZSET => Value::ZSet(Box::new(Codec::decode(payload)?)),
        TAG_STREAM => Value::Stream(Box::new(Codec::decode(payload)?)),
        _ => return None,
    })
}

/// The DUMP payload format version this build writes and reads.
pub const DUMP_VERSION: u16 = 1;

/// A value as a DUMP payload: `[u8 type tag][payload][u16 LE DUMP_VERSION][u32 LE CRC-32C of
/// everything before]`, where tag and payload are those of a snapshot record (so a payload
/// restores to exactly the value dumped, encoding and element order included).
pub fn dump_payload(value: &Value) -> Vec<u8> {
    let (tag, string) = tag_of(value);
    let mut out = Vec::with_capacity(1 + payload_len(value) + 6);
    out.push(tag);
    match string {
        Some(bytes) => out.extend_from_slice(bytes),
        None => encode_collection(value, &mut out),
    }
    out.extend_from_slice(&DUMP_VERSION.to_le_bytes());
    let crc = crc32c::crc32c(&out);
    out.extend_from_slice(&crc.to_le_bytes());
    out
}

/// Why a DUMP payload cannot be restored.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DumpError {
    /// Wrong version or checksum (Redis: "DUMP payload version or checksum are wrong").
    VersionOrChecksum,
    /// The checksum holds but the value does not decode (Redis: "Bad data format").
    BadData,
}

/// Decodes a payload [`dump_payload`] produced. Trusts nothing: a payload from a client is
/// checked (version, checksum, then the value's own codec) before anything is built.
///
/// # Errors
/// [`DumpError`] for anything but an intact payload of this version.
pub fn restore_payload(bytes: &[u8]) -> Result<Value, DumpError> {
    if bytes.len() < 7 {
        return Err(DumpError::VersionOrChecksum);
    }
    let (body, crc) = bytes.split_at(bytes.len() - 4);
    let (data, version) = body.split_at(body.len() - 2);
    if u16::from_le_bytes([version[0], version[1]]) != DUMP_VERSION
        || crc32c::crc32c(body).to_le_bytes() != crc
    {
        return Err(DumpError::VersionOrChecksum);
    }
    let (&tag, payload) = data.split_first().ok_or(DumpError::BadData)?;
    match tag {
        TAG_STRING => Ok(Value::Str(CompactBytes::new(payload))),
        TAG_STRING_BUF => Ok(Value::StrBuf(Box::new(payload.to_vec()))),
        _ => decode_collection(tag, payload).ok_or(DumpError::BadData),
    }
}

#[inline]
fn put_varint(buf: &mut Vec<u8>, mut v: u64) {
    while v >= 0x80 {
        buf.push(v as u8 | 0x80);
        v >>= 7;
    }
    buf.push(v as u8);
}

/// Encodes everything but the trailer.
fn encode<S: Sink>(keyspace: &Keyspace, sink: &mut S) -> Result<(), S::Error> {
    let buf = sink.buf();
    buf.extend_from_slice(MAGIC);
    buf.extend_from_slice(&VERSION.to_le_bytes());
    let sections = keyspace.dbs().filter(|db| !db.is_empty()).count();
    put_varint(buf, sections as u64);
    for (index, db) in keyspace.dbs().enumerate().filter(|(_, db)| !db.is_empty()) {
        let buf = sink.buf();
        put_varint(buf, index as u64);
        put_varint(buf, db.len() as u64);
        // Most databases have few or no TTLs; skip the second slot lookup `expire_at` costs.
        let volatile = db.volatile_len() > 0;
        let mut written = 0usize;
        for (slot, entry) in db.iter() {
            let deadline = if volatile { db.expire_at(slot) } else { None };
            put_record(sink, entry, deadline)?;
            written += 1;
        }
        // The count was written before the records; the keyspace guarantees they agree.
        debug_assert_eq!(written, db.len(), "Db::len and Db::iter disagree");
    }
    Ok(())
}

#[inline]
fn put_record<S: Sink>(sink: &mut S, entry: &Entry, deadline: Option<u64>) -> Result<(), S::Error> {
    let (tag, string) = tag_of(&entry.value);
    let buf = sink.buf();
    buf.push(tag);
    match deadline {
        Some(at) => {
            buf.push(FLAG_DEADLINE);
            buf.extend_from_slice(&at.to_le_bytes());
        }
        None => buf.push(0),
    }
    put_varint(buf, entry.key.len() as u64);
    sink.payload(entry.key.as_slice())?;
    match string {
        Some(payload) => {
            put_varint(sink.buf(), payload.len() as u64);
            sink.payload(payload)?;
        }
        None => {
            let buf = sink.buf();
            put_varint(buf, payload_len(&entry.value) as u64);
            encode_collection(&entry.value, buf);
        }
    }
    sink.record_done()
}

/// Appends a snapshot of every database of `keyspace` to `out`.
///
/// Runs under the shard lock, so it does no per-key allocation: a counting pass
/// ([`encoded_len`]) sizes `out` once, the encoding pass only copies, and the checksum is one
/// CRC-32C pass over the finished bytes. Counting first costs less than the reallocations and
/// copies of growing `out` by doubling.
pub fn write(keyspace: &Keyspace, out: &mut Vec<u8>) {
    let start = out.len();
    out.reserve(encoded_len(keyspace));
    match encode(keyspace, &mut VecSink(out)) {
        Ok(()) => {}
        Err(never) => match never {},
    }
    let crc = crc32c::crc32c(&out[start..]);
    out.extend_from_slice(&crc.to_le_bytes());
}

/// Writes snapshots into any [`std::io::Write`] in one pass, checksumming as it goes, without
/// holding the whole snapshot in memory: bytes are handed on in chunks of about 64 KiB (so `out`
/// needs no buffering of its own) and large keys or values go straight through. Reusable: the
/// chunk buffer is kept between snapshots.
pub struct SnapshotWriter<W> {
    out: W,
    chunk: Vec<u8>,
    crc: u32,
    written: u64,
}

impl<W: Write> SnapshotWriter<W> {
    /// A writer into `out`.
    pub fn new(out: W) -> Self {
        SnapshotWriter {
            out,
            chunk: Vec::new(),
            crc: 0,
            written: 0,
        }
    }

    /// Writes a whole snapshot of `keyspace` (the same bytes [`write()`] produces), then flushes
    /// `out`. Returns the number of bytes written.
    ///
    /// # Errors
    /// The first error `out` returns; what was written by then is not a valid snapshot.
    pub fn write(&mut self, keyspace: &Keyspace) -> io::Result<u64> {
        self.crc = 0;
        self.written = 0;
        self.chunk.clear();
        self.chunk.reserve(CHUNK + 64);
        encode(keyspace, self)?;
        self.flush_chunk()?;
        let crc = self.crc.to_le_bytes();
        self.out.write_all(&crc)?;
        self.out.flush()?;
        Ok(self.written + crc.len() as u64)
    }

    /// Gives back the underlying writer.
    pub fn into_inner(self) -> W {
        self.out
    }

    fn flush_chunk(&mut self) -> io::Result<()> {
        if !self.chunk.is_empty() {
            self.crc = crc32c::crc32c_append(self.crc, &self.chunk);
            self.out.write_all(&self.chunk)?;
            self.written += self.chunk.len() as u64;
            self.chunk.clear();
        }
        Ok(())
    }
}

impl<W: Write> Sink for SnapshotWriter<W> {
    type Error = io::Error;

    #[inline]
    fn buf(&mut self) -> &mut Vec<u8> {
        &mut self.chunk
    }

    #[inline]
    fn payload(&mut self, bytes: &[u8]) -> io::Result<()> {
        if bytes.len() < CHUNK {
            self.chunk.extend_from_slice(bytes);
            return Ok(());
        }
        // Copying a huge value into the chunk would double its memory for nothing.
        self.flush_chunk()?;
        self.crc = crc32c::crc32c_append(self.crc, bytes);
        self.out.write_all(bytes)?;
        self.written += bytes.len() as u64;
        Ok(())
    }

    #[inline]
    fn record_done(&mut self) -> io::Result<()> {
        if self.chunk.len() >= CHUNK {
            self.flush_chunk()?;
        }
        Ok(())
    }
}

// ---------------------------------------------------------------------------------------------
// Reading
// ---------------------------------------------------------------------------------------------

/// Reads a snapshot into a keyspace of `databases` databases, every key's LRU clock set to `lru`.
///
/// Checks, in order: the magic, the CRC-32C trailer, the version, then every field of the body
/// (see the module docs); the data must end exactly at the trailer.
///
/// # Errors
/// A [`SnapshotError`] for the first thing found wrong, with its byte offset. Never panics,
/// whatever `bytes` holds, and allocates no more than `bytes` justifies.
pub fn read(bytes: &[u8], databases: usize, lru: u32) -> Result<Keyspace, SnapshotError> {
    let body_end = framing(bytes)?;
    let stored = u32::from_le_bytes(trailer(bytes, body_end));
    let computed = crc32c::crc32c(&bytes[..body_end]);
    if stored != computed {
        return Err(SnapshotError {
            offset: body_end,
            kind: SnapshotErrorKind::ChecksumMismatch { stored, computed },
        });
    }
    parse(bytes, databases, lru)
}

/// Checks the magic and that header and trailer fit; returns where the trailer starts.
fn framing(bytes: &[u8]) -> Result<usize, SnapshotError> {
    let n = bytes.len().min(MAGIC.len());
    if bytes[..n] != MAGIC[..n] {
        return Err(SnapshotError {
            offset: 0,
            kind: SnapshotErrorKind::BadMagic,
        });
    }
    if bytes.len() < HEADER_LEN + TRAILER_LEN {
        let (offset, what) = if bytes.len() < MAGIC.len() {
            (0, "magic")
        } else if bytes.len() < HEADER_LEN {
            (MAGIC.len(), "version")
        } else {
            (HEADER_LEN, "checksum trailer")
        };
        return Err(SnapshotError {
            offset,
            kind: SnapshotErrorKind::Truncated { what },
        });
    }
    Ok(bytes.len() - TRAILER_LEN)
}

fn trailer(bytes: &[u8], body_end: usize) -> [u8; 4] {
    let mut t = [0u8; 4];
    // `framing` guaranteed exactly TRAILER_LEN bytes from body_end; copy defensively anyway.
    for (dst, src) in t.iter_mut().zip(&bytes[body_end..]) {
        *dst = *src;
    }
    t
}

/// Decodes a snapshot without verifying its checksum. [`read`] calls it after the CRC check;
/// tests call it directly (or recompute the CRC) to prove it is total on its own, since a
/// checksum only makes accidental damage unlikely, not impossible, and says nothing about bytes
/// crafted with a valid CRC.
fn parse(bytes: &[u8], databases: usize, lru: u32) -> Result<Keyspace, SnapshotError> {
    let body_end = framing(bytes)?;
    let mut cur = Cursor {
        bytes: &bytes[..body_end],
        pos: MAGIC.len(),
    };
    let version_at = cur.pos;
    let version = u32::from_le_bytes(cur.array("version")?);
    if version != VERSION {
        return Err(cur.err(version_at, SnapshotErrorKind::UnsupportedVersion(version)));
    }
    let mut keyspace = Keyspace::new(databases);
    let db_count = keyspace.db_count();

    let sections = cur.count("database sections", MIN_SECTION_LEN)?;
    let mut previous: Option<u64> = None;
    for _ in 0..sections {
        let index_at = cur.pos;
        let index = cur.varint("database index")?;
        if let Some(previous) = previous.filter(|&p| index <= p) {
            return Err(cur.err(
                index_at,
                SnapshotErrorKind::DbOutOfOrder { index, previous },
            ));
        }
        previous = Some(index);
        let db_index = match usize::try_from(index) {
            Ok(i) if i < db_count => i,
            _ => {
                return Err(cur.err(
                    index_at,
                    SnapshotErrorKind::DbOutOfRange {
                        index,
                        databases: db_count,
                    },
                ))
            }
        };
        let keys_at = cur.pos;
        let keys = cur.count("keys", MIN_RECORD_LEN)?;
        if keys == 0 {
            return Err(cur.err(keys_at, SnapshotErrorKind::EmptyDb { index }));
        }
        let db = keyspace.db_mut(db_index);
        // `keys` is bounded by the bytes left (`count` checked it), so this cannot be abused.
        db.reserve(keys);
        for _ in 0..keys {
            let tag_at = cur.pos;
            let tag = cur.byte("value type tag")?;
            if tag > TAG_STREAM {
                return Err(cur.err(tag_at, SnapshotErrorKind::UnknownType(tag)));
            }
            let flags_at = cur.pos;
            let flags = cur.byte("key flags")?;
            if flags & !FLAG_DEADLINE != 0 {
                return Err(cur.err(flags_at, SnapshotErrorKind::BadFlags(flags)));
            }
            let deadline = if flags & FLAG_DEADLINE != 0 {
                Some(u64::from_le_bytes(cur.array("deadline")?))
            } else {
                None
            };
            let key_at = cur.pos;
            let key = cur.field("key")?;
            if db.find(key).is_some() {
                return Err(cur.err(key_at, SnapshotErrorKind::DuplicateKey { db: db_index }));
            }
            let payload_at = cur.pos;
            let payload = cur.field("value")?;
            let value = match tag {
                TAG_STRING => Value::Str(CompactBytes::new(payload)),
                TAG_STRING_BUF => Value::StrBuf(Box::new(payload.to_vec())),
                _ => decode_collection(tag, payload)
                    .ok_or_else(|| cur.err(payload_at, SnapshotErrorKind::BadCollection(tag)))?,
            };
            let slot = db.insert_new(CompactBytes::new(key), value, lru);
            if deadline.is_some() {
                db.set_expire(slot, deadline);
            }
        }
    }
    if cur.pos != body_end {
        return Err(cur.err(
            cur.pos,
            SnapshotErrorKind::TrailingBytes {
                len: body_end - cur.pos,
            },
        ));
    }
    Ok(keyspace)
}

/// A read position in the body. `bytes` ends where the trailer starts, so no field can reach
/// into it; offsets stay relative to the snapshot's first byte.
struct Cursor<'a> {
    bytes: &'a [u8],
    pos: usize,
}

impl<'a> Cursor<'a> {
    fn err(&self, offset: usize, kind: SnapshotErrorKind) -> SnapshotError {
        SnapshotError { offset, kind }
    }

    fn remaining(&self) -> usize {
        self.bytes.len() - self.pos
    }

    fn truncated(&self, what: &'static str) -> SnapshotError {
        self.err(self.pos, SnapshotErrorKind::Truncated { what })
    }

    #[inline]
    fn byte(&mut self, what: &'static str) -> Result<u8, SnapshotError> {
        let b = *self
            .bytes
            .get(self.pos)
            .ok_or_else(|| self.truncated(what))?;
        self.pos += 1;
        Ok(b)
    }

    #[inline]
    fn array<const N: usize>(&mut self, what: &'static str) -> Result<[u8; N], SnapshotError> {
        let src = self
            .bytes
            .get(self.pos..self.pos + N)
            .ok_or_else(|| self.truncated(what))?;
        let mut out = [0u8; N];
        out.copy_from_slice(src);
        self.pos += N;
        Ok(out)
    }

    /// A LEB128 varint: at most 10 bytes, no bits above 64, minimal.
    #[inline]
    fn varint(&mut self, what: &'static str) -> Result<u64, SnapshotError> {
        let start = self.pos;
        let first = self.byte(what)?;
        if first < 0x80 {
            return Ok(u64::from(first));
        }
        let mut value = u64::from(first & 0x7f);
        for i in 1..10 {
            let b = match self.bytes.get(self.pos) {
                Some(&b) => b,
                None => return Err(self.err(start, SnapshotErrorKind::Truncated { what })),
            };
            self.pos += 1;
            // The 10th group holds only bit 63; anything more overflows u64.
            if i == 9 && b > 1 {
                break;
            }
            value |= u64::from(b & 0x7f) << (7 * i);
            if b & 0x80 == 0 {
                // A final group of zero means a shorter encoding existed.
                if b == 0 {
                    break;
                }
                return Ok(value);
            }
        }
        Err(self.err(start, SnapshotErrorKind::BadVarint { what }))
    }

    /// A count of items each at least `min_len` bytes long, checked against the bytes left so a
    /// forged count cannot make the reader loop (or allocate) beyond what the data holds.
    fn count(&mut self, what: &'static str, min_len: usize) -> Result<usize, SnapshotError> {
        let at = self.pos;
        let count = self.varint(what)?;
        let available = self.remaining();
        match usize::try_from(count) {
            Ok(n) if n <= available / min_len => Ok(n),
            _ => Err(self.err(
                at,
                SnapshotErrorKind::CountOutOfBounds {
                    what,
                    count,
                    available,
                },
            )),
        }
    }

    /// A varint length and that many bytes, borrowed from the input.
    #[inline]
    fn field(&mut self, what: &'static str) -> Result<&'a [u8], SnapshotError> {
        let at = self.pos;
        let len = self.varint(what)?;
        let available = self.remaining();
        match usize::try_from(len) {
            Ok(n) if n <= available => {
                let bytes: &'a [u8] = self.bytes;
                let out = &bytes[self.pos..self.pos + n];
                self.pos += n;
                Ok(out)
            }
            _ => Err(self.err(
                at,
                SnapshotErrorKind::LengthOutOfBounds {
                    what,
                    len,
                    available,
                },
            )),
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Digest
// ---------------------------------------------------------------------------------------------

/// Digest type code for strings (both encodings): the digest hashes the type `TYPE` reports.
const DIGEST_TYPE_STRING: u8 = 0;

/// An order-independent 160-bit fingerprint of every key of every database: the XOR of one SHA-1
/// per key over its database index, key, type, value and deadline. Two keyspaces holding the same
/// data digest alike whatever their slot layout or insertion order; an empty keyspace digests to
/// all zeros. Keys past their deadline but not yet deleted are included, as in a snapshot.
///
/// Each key hashes `db (u64 LE) ‖ key length (u64 LE) ‖ key ‖ type (u8) ‖ payload ‖ has-deadline
/// (u8) ‖ deadline (u64 LE, when present)`, where a string's payload is its length (u64 LE) and
/// bytes. Not Redis's DEBUG DIGEST value (that depends on Redis's internals), only its shape.
pub fn digest(keyspace: &Keyspace) -> [u8; 20] {
    let mut acc = [0u8; 20];
    for (index, db) in keyspace.dbs().enumerate() {
        let volatile = db.volatile_len() > 0;
        for (slot, entry) in db.iter() {
            let deadline = if volatile { db.expire_at(slot) } else { None };
            let h = key_digest(index, entry, deadline);
            for (a, b) in acc.iter_mut().zip(h) {
                *a ^= b;
            }
        }
    }
    acc
}

/// [`digest`] as 40 lowercase hex digits, like `DEBUG DIGEST` replies.
pub fn digest_hex(keyspace: &Keyspace) -> String {
    hex(&digest(keyspace))
}

fn hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut s = String::with_capacity(bytes.len() * 2);
    for &b in bytes {
        s.push(DIGITS[usize::from(b >> 4)] as char);
        s.push(DIGITS[usize::from(b & 0xf)] as char);
    }
    s
}

fn key_digest(db: usize, entry: &Entry, deadline: Option<u64>) -> [u8; 20] {
    let mut h = Sha1::new();
    h.update(&(db as u64).to_le_bytes());
    h.update(&(entry.key.len() as u64).to_le_bytes());
    h.update(entry.key.as_slice());
    // A new Value variant fails to compile here until its digest is defined; unordered types
    // (sets, hashes) combine their elements order-independently.
    match &entry.value {
        Value::Str(_) | Value::StrBuf(_) => {
            let bytes = match &entry.value {
                Value::Str(s) => s.as_slice(),
                Value::StrBuf(b) => b.as_slice(),
                _ => unreachable!("matched strings above"),
            };
            h.update(&[DIGEST_TYPE_STRING]);
            h.update(&(bytes.len() as u64).to_le_bytes());
            h.update(bytes);
        }
        Value::Hash(c) => collection_digest(&mut h, TAG_HASH, c.as_ref()),
        Value::List(c) => collection_digest(&mut h, TAG_LIST, c.as_ref()),
        Value::Set(c) => collection_digest(&mut h, TAG_SET, c.as_ref()),
        Value::ZSet(c) => collection_digest(&mut h, TAG_ZSET, c.as_ref()),
        Value::Stream(c) => collection_digest(&mut h, TAG_STREAM, c.as_ref()),
    }
    match deadline {
        Some(at) => {
            h.update(&[1]);
            h.update(&at.to_le_bytes());
        }
        None => h.update(&[0]),
    }
    h.finish()
}

/// Feeds a collection into a key's hash: ordered content as one length-prefixed sequence,
/// unordered content as the XOR of each element's own SHA-1.
fn collection_digest<C: Digest>(h: &mut Sha1, tag: u8, c: &C) {
    h.update(&[tag]);
    if C::UNORDERED {
        let mut acc = [0u8; 20];
        c.digest(&mut |bytes| {
            let mut e = Sha1::new();
            e.update(bytes);
            for (a, b) in acc.iter_mut().zip(e.finish()) {
                *a ^= b;
            }
        });
        h.update(&acc);
    } else {
        c.digest(&mut |bytes| {
            h.update(&(bytes.len() as u64).to_le_bytes());
            h.update(bytes);
        });
    }
}

/// SHA-1 (FIPS 180-4), streaming. Used only as a well-mixed 160-bit hash for [`digest`]; nothing
/// here relies on its (broken) collision resistance. Written out because the workspace has no
/// SHA-1 crate and a digest compared across processes needs a hash that is the same everywhere.
struct Sha1 {
    state: [u32; 5],
    block: [u8; 64],
    filled: usize,
    total: u64,
}

impl Sha1 {
    fn new() -> Sha1 {
        Sha1 {
            state: [
                0x6745_2301,
                0xEFCD_AB89,
                0x98BA_DCFE,
                0x1032_5476,
                0xC3D2_E1F0,
            ],
            block: [0; 64],
            filled: 0,
            total: 0,
        }
    }

    fn update(&mut self, mut data: &[u8]) {
        self.total = self.total.wrapping_add(data.len() as u64);
        if self.filled > 0 {
            let take = (64 - self.filled).min(data.len());
            self.block[self.filled..self.filled + take].copy_from_slice(&data[..take]);
            self.filled += take;
            data = &data[take..];
            if self.filled < 64 {
                return;
            }
            sha1_compress(&mut self.state, &self.block);
            self.filled = 0;
        }
        let mut blocks = data.chunks_exact(64);
        for block in &mut blocks {
            sha1_compress(&mut self.state, block);
        }
        let rest = blocks.remainder();
        self.block[..rest.len()].copy_from_slice(rest);
        self.filled = rest.len();
    }

    fn finish(mut self) -> [u8; 20] {
        let bits = self.total.wrapping_mul(8);
        self.block[self.filled] = 0x80;
        self.filled += 1;
        if self.filled > 56 {
            self.block[self.filled..].fill(0);
            sha1_compress(&mut self.state, &self.block);
            self.filled = 0;
        }
        self.block[self.filled..56].fill(0);
        self.block[56..].copy_from_slice(&bits.to_be_bytes());
        sha1_compress(&mut self.state, &self.block);
        let mut out = [0u8; 20];
        for (dst, word) in out.chunks_exact_mut(4).zip(self.state) {
            dst.copy_from_slice(&word.to_be_bytes());
        }
        out
    }
}

/// One SHA-1 compression over a 64-byte block (callers pass exactly 64 bytes).
fn sha1_compress(state: &mut [u32; 5], block: &[u8]) {
    let mut w = [0u32; 80];
    for (wi, word) in w.iter_mut().zip(block.chunks_exact(4)) {
        *wi = u32::from_be_bytes([word[0], word[1], word[2], word[3]]);
    }
    for i in 16..80 {
        w[i] = (w[i - 3] ^ w[i - 8] ^ w[i - 14] ^ w[i - 16]).rotate_left(1);
    }
    let [mut a, mut b, mut c, mut d, mut e] = *state;
    // Four loops of 20 rounds rather than one `match` per round: each loop body is branch-free,
    // which roughly halves the cost per block.
    macro_rules! rounds {
        ($range:expr, $k:expr, $f:expr) => {
            for &wi in &w[$range] {
                let t = a
                    .rotate_left(5)
                    .wrapping_add($f)
                    .wrapping_add(e)
                    .wrapping_add($k)
                    .wrapping_add(wi);
                e = d;
                d = c;
                c = b.rotate_left(30);
                b = a;
                a = t;
            }
        };
    }
    rounds!(0..20, 0x5A82_7999, (b & c) | (!b & d));
    rounds!(20..40, 0x6ED9_EBA1, b ^ c ^ d);
    rounds!(40..60, 0x8F1B_BCDC, (b & c) | (b & d) | (c & d));
    rounds!(60..80, 0xCA62_C1D6, b ^ c ^ d);
    for (s, v) in state.iter_mut().zip([a, b, c, d, e]) {
        *s = s.wrapping_add(v);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::collection::vec;
    use proptest::prelude::*;
    use std::collections::BTreeMap;

    /// One key to put in a test keyspace; later items overwrite earlier ones with the same key.
    #[derive(Clone, Debug)]
    struct Item {
        db: usize,
        key: Vec<u8>,
        value: Vec<u8>,
        buf: bool,
        deadline: Option<u64>,
    }

    fn build(databases: usize, items: &[Item], lru: u32) -> Keyspace {
        let mut ks = Keyspace::new(databases);
        for it in items {
            let db = ks.db_mut(it.db % databases.max(1));
            // Remove-then-insert reuses freed slots, so layouts differ from insertion order.
            db.remove(&it.key);
            let value = if it.buf {
                Value::StrBuf(Box::new(it.value.clone()))
            } else {
                Value::string(&it.value)
            };
            let slot = db.insert_new(CompactBytes::new(&it.key), value, lru);
            db.set_expire(slot, it.deadline);
        }
        ks
    }

    type Model = Vec<BTreeMap<Vec<u8>, (Value, Option<u64>, u32)>>;

    /// Everything observable per database: key → (value, deadline, lru).
    fn model(ks: &Keyspace) -> Model {
        ks.dbs()
            .map(|db| {
                db.iter()
                    .map(|(slot, e)| (e.key.to_vec(), (e.value.clone(), db.expire_at(slot), e.lru)))
                    .collect()
            })
            .collect()
    }

    fn snapshot(ks: &Keyspace) -> Vec<u8> {
        let mut out = Vec::new();
        write(ks, &mut out);
        out
    }

    fn with_crc(body: &[u8]) -> Vec<u8> {
        let mut out = body.to_vec();
        out.extend_from_slice(&crc32c::crc32c(body).to_le_bytes());
        out
    }

    fn item(db: usize, key: &[u8], value: &[u8], buf: bool, deadline: Option<u64>) -> Item {
        Item {
            db,
            key: key.to_vec(),
            value: value.to_vec(),
            buf,
            deadline,
        }
    }

    fn golden_keyspace() -> Keyspace {
        build(
            4,
            &[
                item(0, b"k", b"v", false, Some(1_700_000_000_000)),
                item(2, b"buf", b"hello", true, None),
            ],
            0,
        )
    }

    #[rustfmt::skip]
    const GOLDEN: &[u8] = &[
        b'R', b'E', b'D', b'R', b'A', b'F', b'T', b'S', b'N', b'A', b'P', // magic
        0x01, 0x00, 0x00, 0x00, // version 1
        0x02, // two database sections
        0x00, 0x01, // db 0, one key
        0x00, 0x01, // type string, flags: deadline follows
        0x00, 0x68, 0xe5, 0xcf, 0x8b, 0x01, 0x00, 0x00, // deadline 1_700_000_000_000 ms
        0x01, b'k', // key
        0x01, b'v', // value
        0x02, 0x01, // db 2, one key
        0x01, 0x00, // type string grown in place, no deadline
        0x03, b'b', b'u', b'f', // key
        0x05, b'h', b'e', b'l', b'l', b'o', // value
        0xe6, 0x2f, 0x92, 0x7f, // crc32c
    ];

    #[test]
    fn golden_bytes_pin_format_version_1() {
        assert_eq!(snapshot(&golden_keyspace()), GOLDEN);
    }

    #[test]
    fn golden_bytes_read_back() {
        let ks = read(GOLDEN, 4, 0).expect("golden snapshot reads");
        assert_eq!(model(&ks), model(&golden_keyspace()));
        let db2 = ks.db(2);
        let slot = db2.find(b"buf").expect("key present");
        assert!(matches!(db2.entry(slot).value, Value::StrBuf(_)));
    }

    #[test]
    fn empty_keyspace() {
        let bytes = snapshot(&Keyspace::new(16));
        assert_eq!(bytes, with_crc(b"REDRAFTSNAP\x01\x00\x00\x00\x00"));
        assert_eq!(read(&bytes, 1, 0).map(|ks| ks.db_count()), Ok(1));
    }

    #[test]
    fn write_appends_to_existing_bytes() {
        let mut out = b"prefix".to_vec();
        write(&golden_keyspace(), &mut out);
        assert_eq!(&out[..6], b"prefix");
        assert_eq!(&out[6..], GOLDEN);
    }

    #[test]
    fn lru_is_set_on_load_and_databases_may_grow() {
        let ks = read(GOLDEN, 16, 1234).expect("reads");
        assert_eq!(ks.db_count(), 16);
        for db in ks.dbs() {
            for (_, e) in db.iter() {
                assert_eq!(e.lru, 1234);
            }
        }
    }

    #[test]
    fn streaming_writer_produces_the_same_bytes() {
        // Enough keys to cross many chunks, plus values larger than a chunk that bypass it.
        let mut items: Vec<Item> = (0..20_000u32)
            .map(|i| {
                let key = format!("key:{i}").into_bytes();
                let deadline = (i % 3 == 0).then_some(u64::from(i));
                item(
                    (i % 3) as usize,
                    &key,
                    &i.to_le_bytes(),
                    i % 5 == 0,
                    deadline,
                )
            })
            .collect();
        items.push(item(1, b"big", &vec![7u8; CHUNK * 3 + 5], false, None));
        items.push(item(2, &vec![9u8; CHUNK], b"big key", true, Some(1)));
        let ks = build(3, &items, 0);
        let expected = snapshot(&ks);
        let mut writer = SnapshotWriter::new(Vec::new());
        assert_eq!(writer.write(&ks).ok(), Some(expected.len() as u64));
        // A second snapshot through the same writer is independent of the first.
        assert_eq!(
            writer.write(&golden_keyspace()).ok(),
            Some(GOLDEN.len() as u64)
        );
        let out = writer.into_inner();
        assert_eq!(&out[..expected.len()], &expected[..]);
        assert_eq!(&out[expected.len()..], GOLDEN);
        let back = read(&expected, 3, 0).expect("reads");
        assert_eq!(model(&back), model(&ks));
    }

    #[test]
    fn streaming_writer_reports_io_errors() {
        struct Full;
        impl Write for Full {
            fn write(&mut self, _: &[u8]) -> io::Result<usize> {
                Err(io::Error::other("disk full"))
            }
            fn flush(&mut self) -> io::Result<()> {
                Ok(())
            }
        }
        assert!(SnapshotWriter::new(Full).write(&golden_keyspace()).is_err());
    }

    /// Header plus `rest`, with a valid checksum: exercises the parser behind the CRC check.
    fn forged(rest: &[u8]) -> Vec<u8> {
        let mut body = b"REDRAFTSNAP\x01\x00\x00\x00".to_vec();
        body.extend_from_slice(rest);
        with_crc(&body)
    }

    fn err_of(bytes: &[u8], databases: usize) -> SnapshotError {
        match read(bytes, databases, 0) {
            Ok(_) => panic!("expected an error for {bytes:?}"),
            Err(e) => e,
        }
    }

    #[test]
    fn every_error_names_its_offset() {
        use SnapshotErrorKind as K;
        let cases: Vec<(Vec<u8>, usize, K)> = vec![
            (b"REDIS0011".to_vec(), 0, K::BadMagic),
            (b"REDRAFT".to_vec(), 0, K::Truncated { what: "magic" }),
            (
                b"REDRAFTSNAP\x01".to_vec(),
                11,
                K::Truncated { what: "version" },
            ),
            (
                b"REDRAFTSNAP\x01\x00\x00\x00\x00".to_vec(),
                15,
                K::Truncated {
                    what: "checksum trailer",
                },
            ),
            (
                with_crc(b"REDRAFTSNAP\x02\x00\x00\x00\x00"),
                11,
                K::UnsupportedVersion(2),
            ),
            (
                forged(&[]),
                15,
                K::Truncated {
                    what: "database sections",
                },
            ),
            (
                forged(&[0x80, 0x00]),
                15,
                K::BadVarint {
                    what: "database sections",
                },
            ),
            (
                forged(&[0xff; 10]),
                15,
                K::BadVarint {
                    what: "database sections",
                },
            ),
            (
                forged(&[1]),
                15,
                K::CountOutOfBounds {
                    what: "database sections",
                    count: 1,
                    available: 0,
                },
            ),
            (
                forged(&[1, 16, 1, 0, 0, 0, 0]),
                16,
                K::DbOutOfRange {
                    index: 16,
                    databases: 16,
                },
            ),
            (
                forged(&[2, 3, 1, 0, 0, 0, 0, 3, 1, 0, 0, 0, 0]),
                22,
                K::DbOutOfOrder {
                    index: 3,
                    previous: 3,
                },
            ),
            (forged(&[1, 0, 0, 0, 0, 0, 0]), 17, K::EmptyDb { index: 0 }),
            (
                forged(&[1, 0, 2, 0, 0, 0, 0]),
                17,
                K::CountOutOfBounds {
                    what: "keys",
                    count: 2,
                    available: 4,
                },
            ),
            (forged(&[1, 0, 1, 9, 0, 0, 0]), 18, K::UnknownType(9)),
            (forged(&[1, 0, 1, 0, 2, 0, 0]), 19, K::BadFlags(2)),
            (
                forged(&[1, 0, 1, 0, 1, 0, 0, 0, 0]),
                20,
                K::Truncated { what: "deadline" },
            ),
            (
                forged(&[1, 0, 1, 0, 0, 5, 0, 0]),
                20,
                K::LengthOutOfBounds {
                    what: "key",
                    len: 5,
                    available: 2,
                },
            ),
            (
                forged(&[1, 0, 1, 0, 0, 0, 3]),
                21,
                K::LengthOutOfBounds {
                    what: "value",
                    len: 3,
                    available: 0,
                },
            ),
            (
                forged(&[1, 0, 2, 0, 0, 1, b'a', 0, 0, 0, 1, b'a', 0]),
                25,
                K::DuplicateKey { db: 0 },
            ),
            (
                forged(&[1, 0, 1, 0, 0, 0, 0, 0xaa, 0xbb]),
                22,
                K::TrailingBytes { len: 2 },
            ),
        ];
        for (bytes, offset, kind) in cases {
            assert_eq!(
                err_of(&bytes, 16),
                SnapshotError { offset, kind },
                "{bytes:?}"
            );
        }
        // A flipped byte is caught by the checksum, at the trailer's offset.
        let mut bad = GOLDEN.to_vec();
        bad[30] ^= 0x20;
        let e = err_of(&bad, 16);
        assert_eq!(e.offset, GOLDEN.len() - 4);
        assert!(matches!(e.kind, K::ChecksumMismatch { .. }));
        assert!(e.to_string().starts_with(&format!(
            "invalid snapshot at byte {}: checksum mismatch",
            GOLDEN.len() - 4
        )));
    }

    #[test]
    fn db_index_is_checked_against_the_readers_database_count() {
        let e = err_of(GOLDEN, 2);
        assert_eq!(e.offset, 32);
        assert_eq!(
            e.kind,
            SnapshotErrorKind::DbOutOfRange {
                index: 2,
                databases: 2
            }
        );
    }

    #[test]
    fn varints_round_trip_at_every_width() {
        for v in [
            0,
            1,
            127,
            128,
            16_383,
            16_384,
            u64::from(u32::MAX),
            u64::MAX - 1,
            u64::MAX,
        ] {
            let mut buf = Vec::new();
            put_varint(&mut buf, v);
            let mut cur = Cursor {
                bytes: &buf,
                pos: 0,
            };
            assert_eq!(cur.varint("test"), Ok(v));
            assert_eq!(cur.pos, buf.len());
            assert_eq!(varint_len(v), buf.len());
        }
        // u64::MAX + 1 does not fit.
        let mut over = vec![0x80u8; 9];
        over.push(0x02);
        let mut cur = Cursor {
            bytes: &over,
            pos: 0,
        };
        assert!(cur.varint("test").is_err());
    }

    fn item_strategy() -> impl Strategy<Value = Item> {
        let key = prop_oneof![vec(any::<u8>(), 0..30), vec(0u8..2, 0..3)];
        (
            0usize..6,
            key,
            vec(any::<u8>(), 0..100),
            any::<bool>(),
            proptest::option::of(any::<u64>()),
        )
            .prop_map(|(db, key, value, buf, deadline)| Item {
                db,
                key,
                value,
                buf,
                deadline,
            })
    }

    /// Asserts what `read` promises for damaged or forged input: no panic, and success only for
    /// bytes the writer would have produced from the result (the encoding is canonical).
    fn check_total(bytes: &[u8], databases: usize) {
        if let Ok(ks) = read(bytes, databases, 0) {
            assert_eq!(snapshot(&ks), bytes);
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(256))]

        #[test]
        fn round_trip(
            databases in 1usize..6,
            items in vec(item_strategy(), 0..40),
            lru in any::<u32>(),
        ) {
            let ks = build(databases, &items, lru);
            let bytes = snapshot(&ks);
            prop_assert_eq!(encoded_len(&ks), bytes.len());
            let back = read(&bytes, databases, lru).expect("own snapshot reads");
            prop_assert_eq!(model(&back), model(&ks));
            for (a, b) in back.dbs().zip(ks.dbs()) {
                prop_assert_eq!(a.volatile_len(), b.volatile_len());
            }
            // Canonical: re-writing what was read gives the same bytes.
            prop_assert_eq!(snapshot(&back), bytes);
            prop_assert_eq!(digest(&back), digest(&ks));
        }

    }

    proptest! {
        // Each case tries every truncation and every byte flip, and most flipped snapshots still
        // load (a flipped value byte is a valid value), so few cases cover plenty.
        #![proptest_config(ProptestConfig::with_cases(32))]

        #[test]
        fn damage_is_always_an_error(
            databases in 1usize..6,
            items in vec(item_strategy(), 0..8),
            mask in 1u8..=255,
        ) {
            let bytes = snapshot(&build(databases, &items, 0));
            for n in 0..bytes.len() {
                prop_assert!(read(&bytes[..n], databases, 0).is_err(), "truncated to {}", n);
            }
            let mut flipped = bytes.clone();
            for i in 0..bytes.len() {
                flipped[i] ^= mask;
                prop_assert!(read(&flipped, databases, 0).is_err(), "flip at {}", i);
                flipped[i] ^= mask;
            }
        }

        #[test]
        fn parser_is_total_behind_a_valid_checksum(
            databases in 1usize..6,
            items in vec(item_strategy(), 0..8),
            mask in 1u8..=255,
        ) {
            let bytes = snapshot(&build(databases, &items, 0));
            let body = &bytes[..bytes.len() - TRAILER_LEN];
            for n in 0..body.len() {
                let truncated = with_crc(&body[..n]);
                prop_assert!(read(&truncated, databases, 0).is_err(), "truncated to {}", n);
                prop_assert!(parse(&truncated, databases, 0).is_err());
            }
            let mut flipped = body.to_vec();
            for i in 0..body.len() {
                flipped[i] ^= mask;
                check_total(&with_crc(&flipped), databases);
                flipped[i] ^= mask;
            }
        }

    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(1024))]

        #[test]
        fn random_bytes_are_rejected(bytes in vec(any::<u8>(), 0..300)) {
            prop_assert!(read(&bytes, 16, 0).is_err());
            // Behind the magic the checksum still rejects them.
            let mut tagged = MAGIC.to_vec();
            tagged.extend_from_slice(&bytes);
            prop_assert!(read(&tagged, 16, 0).is_err());
        }

        #[test]
        fn forged_bodies_never_panic(
            databases in 1usize..6,
            rest in vec(prop_oneof![0u8..4, any::<u8>()], 0..64),
        ) {
            let bytes = forged(&rest);
            check_total(&bytes, databases);
            // `parse` skips the CRC check entirely: it must be total on its own.
            let _ = parse(&rest, databases, 0);
            let mut junk = MAGIC.to_vec();
            junk.extend_from_slice(&rest);
            let _ = parse(&junk, databases, 0);
        }
    }

    // ---- digest ----

    fn sha1_hex(data: &[u8]) -> String {
        let mut h = Sha1::new();
        h.update(data);
        hex(&h.finish())
    }

    #[test]
    fn sha1_known_answers() {
        assert_eq!(sha1_hex(b""), "da39a3ee5e6b4b0d3255bfef95601890afd80709");
        assert_eq!(sha1_hex(b"abc"), "a9993e364706816aba3e25717850c26c9cd0d89d");
        assert_eq!(
            sha1_hex(b"abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq"),
            "84983e441c3bd26ebaae4aa1f95129e5e54670f1"
        );
        assert_eq!(
            sha1_hex(&vec![b'a'; 1_000_000]),
            "34aa973cd4c4daa4f61eeb2bdbad27316534016f"
        );
        // Streaming in odd pieces gives the same answer as one update.
        let data: Vec<u8> = (0..1000u32).map(|i| i as u8).collect();
        let mut h = Sha1::new();
        for piece in data.chunks(37) {
            h.update(piece);
        }
        assert_eq!(hex(&h.finish()), sha1_hex(&data));
    }

    fn base_items() -> Vec<Item> {
        vec![
            item(0, b"a", b"1", false, None),
            item(
                0,
                b"b",
                b"a longer value that lives on the heap",
                false,
                Some(99),
            ),
            item(1, b"a", b"1", false, None),
            item(3, b"", b"", true, None),
        ]
    }

    /// A keyspace with one of each collection type, in both encodings where there are two.
    fn collections_keyspace() -> Keyspace {
        use crate::types::list::End;
        use crate::types::Limits;
        let mut ks = Keyspace::new(2);
        let limits = Limits::default();
        let db = ks.db_mut(0);
        let mut small = crate::types::hash::Hash::default();
        small.insert(b"f", b"v", &limits);
        db.insert_new(CompactBytes::new(b"h"), Value::Hash(Box::new(small)), 0);
        let mut big = crate::types::hash::Hash::default();
        for i in 0..200 {
            big.insert(format!("f{i}").as_bytes(), b"v", &limits);
        }
        big.remove(b"f3");
        db.insert_new(CompactBytes::new(b"H"), Value::Hash(Box::new(big)), 0);
        let mut list = crate::types::list::List::default();
        list.push(End::Right, b"a");
        list.push(End::Left, &[b'x'; 40]);
        db.insert_new(CompactBytes::new(b"l"), Value::List(Box::new(list)), 0);
        let mut ints = crate::types::set::Set::default();
        ints.insert(b"7", &limits);
        ints.insert(b"-1", &limits);
        let slot = db.insert_new(CompactBytes::new(b"i"), Value::Set(Box::new(ints)), 0);
        db.set_expire(slot, Some(99));
        let mut words = crate::types::set::Set::default();
        words.insert(b"a", &limits);
        words.insert(b"b", &limits);
        ks.db_mut(1)
            .insert_new(CompactBytes::new(b"s"), Value::Set(Box::new(words)), 0);
        ks
    }

    #[test]
    fn collections_round_trip_with_encoding_and_order() {
        let ks = collections_keyspace();
        let bytes = snapshot(&ks);
        let back = read(&bytes, 2, 0).unwrap();
        assert_eq!(model(&back), model(&ks));
        assert_eq!(snapshot(&back), bytes, "canonical");
        let db = back.db(0);
        let h = &db.entry(db.find(b"H").unwrap()).value;
        assert_eq!(h.encoding(), "hashtable");
        assert_eq!(h, &ks.db(0).entry(ks.db(0).find(b"H").unwrap()).value);
        assert_eq!(digest(&back), digest(&ks));
        // Every cut and every flipped byte is an error, never a panic.
        for cut in 0..bytes.len() {
            assert!(read(&bytes[..cut], 2, 0).is_err());
        }
    }

    #[test]
    fn a_malformed_collection_payload_is_named() {
        // db 0, one key "k" of type 4 (set) whose 1-byte payload is an unknown encoding.
        let bytes = forged(&[1, 0, 1, 4, 0, 1, b'k', 1, 9]);
        assert_eq!(err_of(&bytes, 16).kind, SnapshotErrorKind::BadCollection(4));
    }

    #[test]
    fn set_and_hash_digests_ignore_element_order() {
        let limits = crate::types::Limits::default();
        let one = |members: &[&str]| {
            let mut ks = Keyspace::new(1);
            let mut s = crate::types::set::Set::default();
            for m in members {
                s.insert(m.as_bytes(), &limits);
            }
            ks.db_mut(0)
                .insert_new(CompactBytes::new(b"s"), Value::Set(Box::new(s)), 0);
            digest(&ks)
        };
        assert_eq!(one(&["a", "b", "c"]), one(&["c", "a", "b"]));
        assert_ne!(one(&["a", "b", "c"]), one(&["a", "b", "d"]));
        // An intset and a hashtable with the same members digest alike.
        assert_eq!(one(&["1", "2"]), {
            let mut ks = Keyspace::new(1);
            let mut s = crate::types::set::Set::default();
            s.insert(b"x", &limits);
            s.remove(b"x");
            s.insert(b"2", &limits);
            s.insert(b"1", &limits);
            assert_eq!(s.encoding(), "hashtable");
            ks.db_mut(0)
                .insert_new(CompactBytes::new(b"s"), Value::Set(Box::new(s)), 0);
            digest(&ks)
        });
    }

    #[test]
    fn dump_payloads_round_trip_and_refuse_damage() {
        let ks = collections_keyspace();
        for (_, e) in ks.db(0).iter() {
            let payload = dump_payload(&e.value);
            assert_eq!(restore_payload(&payload).as_ref(), Ok(&e.value));
            for cut in 0..payload.len() {
                assert!(restore_payload(&payload[..cut]).is_err());
            }
            let mut bad = payload.clone();
            bad[0] ^= 0x40;
            assert_eq!(restore_payload(&bad), Err(DumpError::VersionOrChecksum));
        }
        // An intact checksum over a payload the codec rejects: Bad data format.
        let mut forged = vec![TAG_SET, 9];
        forged.extend_from_slice(&DUMP_VERSION.to_le_bytes());
        let crc = crc32c::crc32c(&forged);
        forged.extend_from_slice(&crc.to_le_bytes());
        assert_eq!(restore_payload(&forged), Err(DumpError::BadData));
    }

    #[test]
    fn digest_of_empty_keyspace_is_zeros() {
        assert_eq!(digest_hex(&Keyspace::new(16)), "0".repeat(40));
    }

    #[test]
    fn digest_ignores_order_layout_and_encoding() {
        let base = build(4, &base_items(), 0);
        let hex = digest_hex(&base);
        assert_eq!(hex.len(), 40);
        assert_ne!(hex, "0".repeat(40));

        let mut reversed = base_items();
        reversed.reverse();
        // Extra keys inserted then deleted leave holes, so slots differ from `base`.
        let mut holes: Vec<Item> = (0..50)
            .map(|i| item(i % 4, format!("tmp{i}").as_bytes(), b"x", false, None))
            .collect();
        holes.extend(reversed);
        let mut other = build(16, &holes, 5);
        for i in 0..50 {
            other.db_mut(i % 4).remove(format!("tmp{i}").as_bytes());
        }
        assert_eq!(digest_hex(&other), hex);

        // Str and StrBuf with the same bytes are the same string to a client.
        let mut re_encoded = base_items();
        for it in &mut re_encoded {
            it.buf = !it.buf;
        }
        assert_eq!(digest_hex(&build(4, &re_encoded, 0)), hex);
    }

    #[test]
    fn digest_changes_with_any_change() {
        let base = digest(&build(4, &base_items(), 0));
        let variants: Vec<(&str, Vec<Item>)> = vec![
            ("value", {
                let mut v = base_items();
                v[0].value = b"2".to_vec();
                v
            }),
            ("add deadline", {
                let mut v = base_items();
                v[0].deadline = Some(99);
                v
            }),
            ("change deadline", {
                let mut v = base_items();
                v[1].deadline = Some(100);
                v
            }),
            ("drop deadline", {
                let mut v = base_items();
                v[1].deadline = None;
                v
            }),
            ("db", {
                let mut v = base_items();
                v[3].db = 2;
                v
            }),
            ("key", {
                let mut v = base_items();
                v[0].key = b"c".to_vec();
                v
            }),
            ("extra key", {
                let mut v = base_items();
                v.push(item(2, b"new", b"", false, None));
                v
            }),
            ("missing key", base_items()[1..].to_vec()),
            ("key/value boundary", {
                let mut v = base_items();
                v[0].key = b"a1".to_vec();
                v[0].value = Vec::new();
                v
            }),
        ];
        for (what, items) in variants {
            assert_ne!(digest(&build(4, &items, 0)), base, "{what}");
        }
    }

    /// Not a test: measures snapshot speed. Run with
    /// `cargo test --release -p redraft-server snapshot::tests::bench -- --ignored --nocapture`.
    #[test]
    #[ignore = "benchmark"]
    fn bench_one_million_small_strings() {
        use std::time::{Duration, Instant};
        const KEYS: u64 = 1_000_000;
        let mut ks = Keyspace::new(16);
        let db = ks.db_mut(0);
        for i in 0..KEYS {
            let key = CompactBytes::new(format!("key:{i:09}").as_bytes());
            let slot = db.insert_new(key, Value::string(format!("value:{i}").as_bytes()), 0);
            if i % 10 == 0 {
                db.set_expire(slot, Some(1_700_000_000_000 + i));
            }
        }
        let best = |f: &mut dyn FnMut()| {
            (0..5)
                .map(|_| {
                    let t = Instant::now();
                    f();
                    t.elapsed()
                })
                .min()
                .unwrap_or(Duration::ZERO)
        };
        let report = |what: &str, d: Duration, bytes: usize| {
            let secs = d.as_secs_f64();
            eprintln!(
                "{what:>24}: {:>7.1} ms  {:>7.0} MB/s  {:>5.1} M keys/s",
                secs * 1e3,
                bytes as f64 / secs / 1e6,
                KEYS as f64 / secs / 1e6
            );
        };
        let bytes = snapshot(&ks);
        eprintln!("snapshot of {KEYS} keys: {} bytes", bytes.len());
        let mut out = Vec::new();
        let d = best(&mut || {
            out = Vec::new();
            write(&ks, &mut out);
        });
        report("write (fresh Vec)", d, bytes.len());
        let d = best(&mut || {
            out.clear();
            write(&ks, &mut out);
        });
        report("write (reused Vec)", d, bytes.len());
        let mut writer = SnapshotWriter::new(io::sink());
        let d = best(&mut || {
            writer.write(&ks).expect("sink never fails");
        });
        report("SnapshotWriter -> sink", d, bytes.len());
        let d = best(&mut || {
            let back = read(&bytes, 16, 0).expect("reads");
            assert_eq!(back.db(0).len() as u64, KEYS);
        });
        report("read", d, bytes.len());
        let d = best(&mut || {
            std::hint::black_box(digest(&ks));
        });
        report("digest", d, bytes.len());
    }
}
