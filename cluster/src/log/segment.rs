//! One segment file: its name, its in-memory record index, and the recovery scan that
//! validates it record by record.

use std::fs::File;
use std::io::{BufReader, Read};
use std::path::{Path, PathBuf};

use super::record::{self, HEADER_LEN};
use super::LogError;

/// Suffix of segment files; anything else in the directory is ignored.
pub const SUFFIX: &str = ".log";

/// `00000000000000000001.log`: the zero-padded first index, so names sort like indices.
pub fn file_name(first_index: u64) -> String {
    format!("{first_index:020}{SUFFIX}")
}

/// Inverse of [`file_name`]; `None` for anything that is not a segment name (index 0 included,
/// since Raft indices start at 1).
pub fn parse_file_name(name: &str) -> Option<u64> {
    let digits = name.strip_suffix(SUFFIX)?;
    if digits.len() != 20 || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    digits.parse().ok().filter(|&i| i != 0 && i != u64::MAX)
}

/// An open segment file and where each of its records starts.
#[derive(Debug)]
pub struct Segment {
    pub path: PathBuf,
    pub file: File,
    /// Index of the first record (also encoded in the file name).
    pub first_index: u64,
    /// `(byte offset, term)` of each record, in index order.
    pub records: Vec<(u64, u64)>,
    /// Length of the valid part of the file, in bytes.
    pub size: u64,
    /// Written or truncated since the last `sync_data`.
    pub dirty: bool,
}

impl Segment {
    /// Index the next record appended to this segment gets.
    pub fn next_index(&self) -> u64 {
        self.first_index + self.records.len() as u64
    }

    /// Byte offset just past record `i` (position within `records`).
    pub fn end_of(&self, i: usize) -> u64 {
        self.records.get(i + 1).map_or(self.size, |r| r.0)
    }
}

/// Where and why a segment's scan stopped early.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Damage {
    pub offset: u64,
    pub reason: String,
}

/// Outcome of [`scan`]: the valid records, and the first bad one if any.
#[derive(Debug)]
pub struct Scan {
    pub records: Vec<(u64, u64)>,
    pub valid_len: u64,
    pub file_len: u64,
    pub damage: Option<Damage>,
}

fn io_err(path: &Path) -> impl FnOnce(std::io::Error) -> LogError + '_ {
    move |source| LogError::Io {
        path: path.to_path_buf(),
        source,
    }
}

/// Reads `file` record by record from the start, checking lengths (before allocating),
/// checksums and index continuity from `first_index`. Stops at the first bad or torn record.
/// Streams through a `BufReader`, so memory is bounded by one record, not the file.
///
/// # Errors
/// Only I/O errors; damaged content is reported in [`Scan::damage`].
pub fn scan(path: &Path, file: &File, first_index: u64) -> Result<Scan, LogError> {
    let file_len = file.metadata().map_err(io_err(path))?.len();
    let mut reader = BufReader::with_capacity(1 << 16, file);
    let mut records = Vec::new();
    let mut offset = 0u64;
    let mut expected = first_index;
    let mut data = Vec::new();
    let damage = loop {
        let remaining = file_len - offset;
        if remaining == 0 {
            break None;
        }
        let stop = |reason: String| Some(Damage { offset, reason });
        if remaining < HEADER_LEN as u64 {
            break stop(format!(
                "torn record header ({remaining} of {HEADER_LEN} bytes)"
            ));
        }
        let mut hb = [0u8; HEADER_LEN];
        reader.read_exact(&mut hb).map_err(io_err(path))?;
        let h = record::parse_header(&hb);
        let len = match record::check_len(&h) {
            Ok(len) => len,
            Err(e) => break stop(e.to_string()),
        };
        let total = record::encoded_len(len) as u64;
        if total > remaining {
            break stop(format!("torn record ({remaining} of {total} bytes)"));
        }
        data.resize(len, 0);
        reader.read_exact(&mut data).map_err(io_err(path))?;
        if let Err(e) = record::check_crc(&h, &data) {
            break stop(e.to_string());
        }
        if h.index != expected {
            break stop(format!(
                "index discontinuity (expected {expected}, found {})",
                h.index
            ));
        }
        if h.index == u64::MAX {
            break stop("index overflow".to_string());
        }
        records.push((offset, h.term));
        offset += total;
        expected += 1;
    };
    Ok(Scan {
        records,
        valid_len: offset,
        file_len,
        damage,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names() {
        assert_eq!(file_name(1), "00000000000000000001.log");
        assert_eq!(parse_file_name("00000000000000000001.log"), Some(1));
        assert_eq!(parse_file_name(&file_name(123_456)), Some(123_456));
        assert_eq!(parse_file_name("00000000000000000000.log"), None);
        assert_eq!(parse_file_name("0000000000000000001.log"), None);
        assert_eq!(parse_file_name("0000000000000000000a.log"), None);
        assert_eq!(parse_file_name("99999999999999999999.log"), None);
        assert_eq!(parse_file_name("00000000000000000001.tmp"), None);
        assert_eq!(parse_file_name("hardstate"), None);
    }
}
