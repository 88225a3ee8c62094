//! Encoding of one log record: pure functions over bytes, no I/O.
//!
//! The layout is described in the parent module's doc and pinned by the golden-bytes test
//! below; it is append-only (a new field would need a new record version, never a reshuffle).

use bytes::Bytes;

use super::Entry;

/// Bytes before a record's data: `len`, `crc`, `index`, `term`.
pub const HEADER_LEN: usize = 24;

/// Largest `data` a record may carry. A length field above this is corruption, so a flipped
/// bit in a length never makes us allocate gigabytes.
pub const MAX_DATA_LEN: usize = 512 << 20;

/// The fixed-size part of a record, as read from disk (nothing checked yet).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Header {
    pub len: u32,
    pub crc: u32,
    pub index: u64,
    pub term: u64,
}

/// Bytes a record with `data_len` bytes of data takes on disk.
pub fn encoded_len(data_len: usize) -> usize {
    HEADER_LEN + data_len
}

/// crc32c over `index`, `term` (little-endian) and `data`.
pub fn checksum(index: u64, term: u64, data: &[u8]) -> u32 {
    let crc = crc32c::crc32c(&index.to_le_bytes());
    let crc = crc32c::crc32c_append(crc, &term.to_le_bytes());
    crc32c::crc32c_append(crc, data)
}

/// Appends the record for `entry` to `out`. The caller has checked
/// `entry.data.len() <= MAX_DATA_LEN`, so the length fits in a `u32`.
pub fn encode(entry: &Entry, out: &mut Vec<u8>) {
    debug_assert!(entry.data.len() <= MAX_DATA_LEN);
    out.reserve(encoded_len(entry.data.len()));
    out.extend_from_slice(&(entry.data.len() as u32).to_le_bytes());
    out.extend_from_slice(&checksum(entry.index, entry.term, &entry.data).to_le_bytes());
    out.extend_from_slice(&entry.index.to_le_bytes());
    out.extend_from_slice(&entry.term.to_le_bytes());
    out.extend_from_slice(&entry.data);
}

fn u32_at(b: &[u8; HEADER_LEN], at: usize) -> u32 {
    u32::from_le_bytes([b[at], b[at + 1], b[at + 2], b[at + 3]])
}

fn u64_at(b: &[u8; HEADER_LEN], at: usize) -> u64 {
    let mut a = [0u8; 8];
    a.copy_from_slice(&b[at..at + 8]);
    u64::from_le_bytes(a)
}

/// Splits a header into its fields. Total: any 24 bytes parse; validation is the caller's.
pub fn parse_header(b: &[u8; HEADER_LEN]) -> Header {
    Header {
        len: u32_at(b, 0),
        crc: u32_at(b, 4),
        index: u64_at(b, 8),
        term: u64_at(b, 16),
    }
}

/// Why a record was rejected.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RecordError {
    /// The length field exceeds [`MAX_DATA_LEN`].
    TooLong(u32),
    /// The stored checksum does not match the record's contents.
    Checksum { stored: u32, computed: u32 },
}

impl std::fmt::Display for RecordError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            RecordError::TooLong(len) => {
                write!(f, "record length {len} exceeds the limit of {MAX_DATA_LEN}")
            }
            RecordError::Checksum { stored, computed } => write!(
                f,
                "checksum mismatch (stored {stored:#010x}, computed {computed:#010x})"
            ),
        }
    }
}

/// Checks a header's length field before anything is allocated from it.
pub fn check_len(h: &Header) -> Result<usize, RecordError> {
    let len = h.len as usize;
    if len > MAX_DATA_LEN {
        return Err(RecordError::TooLong(h.len));
    }
    Ok(len)
}

/// Checks `data` against the header's checksum.
pub fn check_crc(h: &Header, data: &[u8]) -> Result<(), RecordError> {
    let computed = checksum(h.index, h.term, data);
    if computed != h.crc {
        return Err(RecordError::Checksum {
            stored: h.crc,
            computed,
        });
    }
    Ok(())
}

/// Decodes the record at the start of `buf`, zero-copy (`data` is a slice of `buf`).
///
/// `Ok(None)`: `buf` holds only part of a record. `Ok(Some((entry, consumed)))`: one whole,
/// checksum-valid record. `Err`: the record is corrupt. Never panics.
pub fn decode(buf: &Bytes) -> Result<Option<(Entry, usize)>, RecordError> {
    let Some(head) = buf.get(..HEADER_LEN) else {
        return Ok(None);
    };
    let mut hb = [0u8; HEADER_LEN];
    hb.copy_from_slice(head);
    let h = parse_header(&hb);
    let len = check_len(&h)?;
    let total = encoded_len(len);
    if buf.len() < total {
        return Ok(None);
    }
    let data = buf.slice(HEADER_LEN..total);
    check_crc(&h, &data)?;
    Ok(Some((
        Entry {
            index: h.index,
            term: h.term,
            data,
        },
        total,
    )))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(index: u64, term: u64, data: &'static [u8]) -> Entry {
        Entry {
            index,
            term,
            data: Bytes::from_static(data),
        }
    }

    #[test]
    fn golden_bytes() {
        let mut out = Vec::new();
        encode(&entry(1, 2, b"abc"), &mut out);
        #[rustfmt::skip]
        let golden: &[u8] = &[
            3, 0, 0, 0,                         // len
            0x04, 0x26, 0x88, 0x71,             // crc32c, checked with an independent implementation
            1, 0, 0, 0, 0, 0, 0, 0,             // index
            2, 0, 0, 0, 0, 0, 0, 0,             // term
            b'a', b'b', b'c',                   // data
        ];
        assert_eq!(out, golden);
    }

    #[test]
    fn round_trip_and_partial() {
        let mut out = Vec::new();
        encode(&entry(7, 3, b"hello"), &mut out);
        encode(&entry(8, 3, b""), &mut out);
        let buf = Bytes::from(out);
        let (e, n) = decode(&buf).unwrap().unwrap();
        assert_eq!(e, entry(7, 3, b"hello"));
        let (e2, n2) = decode(&buf.slice(n..)).unwrap().unwrap();
        assert_eq!(e2, entry(8, 3, b""));
        assert_eq!(n + n2, buf.len());
        for cut in 0..n {
            assert_eq!(decode(&buf.slice(..cut)), Ok(None), "cut at {cut}");
        }
    }

    #[test]
    fn every_flipped_byte_is_caught() {
        let mut out = Vec::new();
        encode(&entry(7, 3, b"hello"), &mut out);
        for i in 0..out.len() {
            let mut bad = out.clone();
            bad[i] ^= 0x40;
            let r = decode(&Bytes::from(bad));
            assert!(!matches!(r, Ok(Some(_))), "flip at {i} accepted: {r:?}");
        }
    }

    #[test]
    fn huge_length_is_corruption() {
        let mut out = vec![0xff, 0xff, 0xff, 0xff];
        out.extend_from_slice(&[0; 20]);
        assert_eq!(
            decode(&Bytes::from(out)),
            Err(RecordError::TooLong(u32::MAX))
        );
    }
}
