//! Durable, checksummed, segmented Raft log store. Entries are opaque bytes to it.
//!
//! # On-disk format
//!
//! A log directory holds segment files named by their first index, zero-padded to 20 digits
//! (`00000000000000000001.log`). Each segment is a sequence of records, little-endian:
//!
//! ```text
//! [u32 len][u32 crc32c(index ‖ term ‖ data)][u64 index][u64 term][data: len bytes]
//! ```
//!
//! Indices are consecutive within a segment and across segments (a segment's name is the
//! previous segment's last index + 1). `len` is at most [`MAX_DATA_LEN`]; a larger value is
//! corruption. The format is append-only and pinned by a golden-bytes test in `record.rs`.
//! Other files in the directory (e.g. the hard state written by [`write_atomically`]) are
//! ignored by the log.
//!
//! # Recovery
//!
//! [`LogStore::open`] scans every segment in order. At the first torn or bad record (short
//! read, oversized length, checksum mismatch, index discontinuity, misnamed segment) it
//! truncates that file at the record's offset, deletes every later segment, makes that
//! durable, and says so with `tracing::warn!` and in [`Recovery`]. A corrupt record is never
//! returned.
//!
//! # Memory
//!
//! The store keeps only an index in memory: one `(offset, term)` pair (16 bytes) per entry.
//! [`LogStore::entries`] reads records back with positioned reads and re-checks checksums.
//!
//! # Durability
//!
//! [`LogStore::append`] only writes (page cache); [`LogStore::sync`] makes everything appended
//! so far durable, once per batch, when the caller decides. The exception is the overwrite
//! path (a conflicting suffix, rare: only after a leader change): the truncation is made
//! durable before the new entries are written, because a crash that resurrected the old
//! suffix behind the new entries would produce a log that never existed and break Raft's
//! Log Matching property.

mod hard_state;
mod record;
mod segment;

use std::fs::{self, File, OpenOptions};
use std::os::unix::fs::FileExt;
use std::path::{Path, PathBuf};

use bytes::Bytes;

pub use hard_state::{
    read_checked, read_checked_max, write_atomically, write_atomically_max, MAX_STATE_LEN,
};
pub use record::MAX_DATA_LEN;
use segment::Segment;

/// One Raft log entry. `data` is opaque to the store.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    pub index: u64,
    pub term: u64,
    pub data: Bytes,
}

/// Errors of the log store and the hard-state helpers.
#[derive(Debug, thiserror::Error)]
pub enum LogError {
    #[error("I/O error on {path}: {source}")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    /// Content on disk failed validation where it cannot be repaired by truncation (a read of
    /// an already-recovered record, or a hard-state file).
    #[error("corrupt data in {path} at offset {offset}: {reason}")]
    Corrupt {
        path: PathBuf,
        offset: u64,
        reason: String,
    },
    /// Appended entries are not consecutive, or would leave a gap after the last index.
    #[error("non-consecutive index: expected {expected}, got {got}")]
    NonContiguous { expected: u64, got: u64 },
    /// The index is before the first index (compacted away).
    #[error("index {index} is compacted (first index is {first})")]
    Compacted { index: u64, first: u64 },
    /// The index is after the last index.
    #[error("index {index} is unavailable (last index is {last})")]
    Unavailable { index: u64, last: u64 },
    /// Index 0 and `u64::MAX` are not valid Raft indices.
    #[error("invalid index {0}")]
    InvalidIndex(u64),
    /// An entry's data exceeds [`MAX_DATA_LEN`] (or a hard state exceeds [`MAX_STATE_LEN`]).
    #[error("entry of {len} bytes exceeds the limit of {max}")]
    TooLarge { len: usize, max: usize },
}

/// Tunables of a [`LogStore`].
#[derive(Debug, Clone)]
pub struct LogConfig {
    /// A segment is closed and a new one started once appending would take it past this size
    /// (a segment always holds at least one record, so a huge record may exceed it).
    pub segment_size: u64,
}

impl Default for LogConfig {
    fn default() -> Self {
        LogConfig {
            segment_size: 64 << 20,
        }
    }
}

/// What [`LogStore::open`] found.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Recovery {
    /// Entries in the log after recovery.
    pub entries: u64,
    /// Bytes cut off the damaged segment plus the sizes of the segments deleted after it.
    pub bytes_truncated: u64,
    /// The first damage found, if any.
    pub truncation: Option<Truncation>,
}

/// Where recovery cut the log, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Truncation {
    pub path: PathBuf,
    pub offset: u64,
    pub reason: String,
}

/// A segmented, checksummed Raft log in one directory. Single owner (`&mut self` for writes);
/// the Raft node task that owns it needs no lock.
#[derive(Debug)]
pub struct LogStore {
    dir: PathBuf,
    config: LogConfig,
    /// In index order; the last one is the active (appended-to) segment. Only the last may be
    /// empty.
    segments: Vec<Segment>,
    /// A segment file was created or deleted since the last directory fsync.
    dir_dirty: bool,
}

fn io_err(path: &Path) -> impl FnOnce(std::io::Error) -> LogError + '_ {
    move |source| LogError::Io {
        path: path.to_path_buf(),
        source,
    }
}

/// fsync of a directory, so created, renamed and deleted names are durable.
pub(crate) fn sync_dir(dir: &Path) -> Result<(), LogError> {
    File::open(dir)
        .and_then(|d| d.sync_all())
        .map_err(io_err(dir))
}

fn remove(path: &Path) -> Result<(), LogError> {
    fs::remove_file(path).map_err(io_err(path))
}

fn open_rw(path: &Path, create: bool) -> Result<File, LogError> {
    OpenOptions::new()
        .read(true)
        .write(true)
        .create(create)
        .truncate(create)
        .open(path)
        .map_err(io_err(path))
}

impl LogStore {
    /// [`LogStore::open_with`] with the default [`LogConfig`].
    ///
    /// # Errors
    /// See [`LogStore::open_with`].
    pub fn open(dir: impl AsRef<Path>) -> Result<(LogStore, Recovery), LogError> {
        LogStore::open_with(dir, LogConfig::default())
    }

    /// Opens (creating if needed) the log in `dir`, recovering as described in the module doc.
    ///
    /// # Errors
    /// I/O errors only; damaged content is truncated and reported in [`Recovery`].
    pub fn open_with(
        dir: impl AsRef<Path>,
        config: LogConfig,
    ) -> Result<(LogStore, Recovery), LogError> {
        let dir = dir.as_ref().to_path_buf();
        fs::create_dir_all(&dir).map_err(io_err(&dir))?;
        let mut listed = Vec::new();
        for item in fs::read_dir(&dir).map_err(io_err(&dir))? {
            let item = item.map_err(io_err(&dir))?;
            if let Some(first) = item.file_name().to_str().and_then(segment::parse_file_name) {
                listed.push((first, item.path()));
            }
        }
        listed.sort();

        let mut recovery = Recovery::default();
        let mut segments: Vec<Segment> = Vec::new();
        for (first_index, path) in listed {
            if recovery.truncation.is_some() {
                // Everything after the first damage goes.
                recovery.bytes_truncated += fs::metadata(&path).map_err(io_err(&path))?.len();
                remove(&path)?;
                continue;
            }
            if let Some(prev) = segments.last() {
                if prev.next_index() != first_index {
                    let reason = format!(
                        "segment starts at index {first_index}, expected {}",
                        prev.next_index()
                    );
                    tracing::warn!(file = %path.display(), offset = 0, %reason, "log truncated");
                    recovery.bytes_truncated += fs::metadata(&path).map_err(io_err(&path))?.len();
                    remove(&path)?;
                    recovery.truncation = Some(Truncation {
                        path,
                        offset: 0,
                        reason,
                    });
                    continue;
                }
            }
            let file = open_rw(&path, false)?;
            let scan = segment::scan(&path, &file, first_index)?;
            if let Some(damage) = scan.damage {
                tracing::warn!(
                    file = %path.display(),
                    offset = damage.offset,
                    reason = %damage.reason,
                    "log truncated"
                );
                file.set_len(scan.valid_len).map_err(io_err(&path))?;
                file.sync_data().map_err(io_err(&path))?;
                recovery.bytes_truncated += scan.file_len - scan.valid_len;
                recovery.truncation = Some(Truncation {
                    path: path.clone(),
                    offset: damage.offset,
                    reason: damage.reason,
                });
            }
            recovery.entries += scan.records.len() as u64;
            segments.push(Segment {
                path,
                file,
                first_index,
                records: scan.records,
                size: scan.valid_len,
                dirty: false,
            });
        }
        if recovery.truncation.is_some() {
            sync_dir(&dir)?;
        }
        let store = LogStore {
            dir,
            config,
            segments,
            dir_dirty: false,
        };
        Ok((store, recovery))
    }

    /// The directory this log lives in.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// Index of the first entry. For an empty log, `last_index() + 1`; a log that never held an
    /// entry reports 1.
    pub fn first_index(&self) -> u64 {
        self.segments.first().map_or(1, |s| s.first_index)
    }

    /// Index of the last entry (`first_index() - 1` when empty).
    pub fn last_index(&self) -> u64 {
        self.next_index() - 1
    }

    fn next_index(&self) -> u64 {
        self.segments.last().map_or(1, Segment::next_index)
    }

    /// True when the log holds no entry.
    pub fn is_empty(&self) -> bool {
        self.segments.iter().all(|s| s.records.is_empty())
    }

    /// Number of segment files.
    pub fn segment_count(&self) -> usize {
        self.segments.len()
    }

    fn check_range(&self, index: u64) -> Result<(), LogError> {
        if index < self.first_index() {
            return Err(LogError::Compacted {
                index,
                first: self.first_index(),
            });
        }
        if index > self.last_index() {
            return Err(LogError::Unavailable {
                index,
                last: self.last_index(),
            });
        }
        Ok(())
    }

    /// Position of the segment holding `index`, which must be in range.
    fn segment_of(&self, index: u64) -> usize {
        self.segments
            .partition_point(|s| s.first_index <= index)
            .saturating_sub(1)
    }

    /// Term of the entry at `index`, from memory.
    ///
    /// # Errors
    /// [`LogError::Compacted`] / [`LogError::Unavailable`] outside the log.
    pub fn term(&self, index: u64) -> Result<u64, LogError> {
        self.check_range(index)?;
        let s = &self.segments[self.segment_of(index)];
        Ok(s.records[(index - s.first_index) as usize].1)
    }

    /// Entries with indices in `lo..hi`, read from disk (checksums re-checked).
    ///
    /// # Errors
    /// [`LogError::Compacted`] / [`LogError::Unavailable`] if the range leaves the log; I/O
    /// errors; [`LogError::Corrupt`] if a record changed on disk since it was validated.
    pub fn entries(&self, lo: u64, hi: u64) -> Result<Vec<Entry>, LogError> {
        if lo >= hi {
            return Ok(Vec::new());
        }
        self.check_range(lo)?;
        self.check_range(hi - 1)?;
        let mut out = Vec::with_capacity((hi - lo) as usize);
        let mut seg = self.segment_of(lo);
        let mut next = lo;
        while next < hi {
            let s = &self.segments[seg];
            let a = (next - s.first_index) as usize;
            let b = (hi.min(s.next_index()) - s.first_index) as usize; // exclusive
            let start = s.records[a].0;
            let end = s.end_of(b - 1);
            let mut buf = vec![0u8; (end - start) as usize];
            s.file
                .read_exact_at(&mut buf, start)
                .map_err(io_err(&s.path))?;
            let mut buf = Bytes::from(buf);
            let mut offset = start;
            for _ in a..b {
                let corrupt = |reason: String| LogError::Corrupt {
                    path: s.path.clone(),
                    offset,
                    reason,
                };
                let (entry, used) = match record::decode(&buf) {
                    Ok(Some(r)) => r,
                    Ok(None) => return Err(corrupt("record shorter than indexed".into())),
                    Err(e) => return Err(corrupt(e.to_string())),
                };
                if entry.index != next {
                    return Err(corrupt(format!(
                        "expected index {next}, found {}",
                        entry.index
                    )));
                }
                out.push(entry);
                buf = buf.slice(used..);
                offset += used as u64;
                next += 1;
            }
            seg += 1;
        }
        Ok(out)
    }

    /// Appends `entries` (consecutive indices). If the first index is at or below
    /// `last_index()`, the conflicting suffix from that index on is removed first (Raft's
    /// overwrite rule), across segments if needed. An empty log accepts any start index
    /// (e.g. right after a snapshot). Does not fsync except on the overwrite path (see the
    /// module doc); call [`LogStore::sync`].
    ///
    /// # Errors
    /// [`LogError::NonContiguous`], [`LogError::Compacted`], [`LogError::InvalidIndex`],
    /// [`LogError::TooLarge`] before anything is written; I/O errors, after which a prefix of
    /// `entries` may have been appended (`last_index()` tells how much).
    pub fn append(&mut self, entries: &[Entry]) -> Result<(), LogError> {
        let Some(first) = entries.first() else {
            return Ok(());
        };
        for e in entries {
            if e.index == 0 || e.index == u64::MAX {
                return Err(LogError::InvalidIndex(e.index));
            }
            if e.data.len() > MAX_DATA_LEN {
                return Err(LogError::TooLarge {
                    len: e.data.len(),
                    max: MAX_DATA_LEN,
                });
            }
        }
        for w in entries.windows(2) {
            if w[1].index != w[0].index + 1 {
                return Err(LogError::NonContiguous {
                    expected: w[0].index + 1,
                    got: w[1].index,
                });
            }
        }
        let start = first.index;
        if self.is_empty() {
            if start != self.next_index() {
                self.reset()?;
            }
        } else if start < self.first_index() {
            return Err(LogError::Compacted {
                index: start,
                first: self.first_index(),
            });
        } else if start > self.next_index() {
            return Err(LogError::NonContiguous {
                expected: self.next_index(),
                got: start,
            });
        } else if start < self.next_index() {
            self.truncate_suffix(start)?;
        }

        let mut buf = Vec::new();
        let mut pending = Vec::new();
        for e in entries {
            let rec_len = record::encoded_len(e.data.len()) as u64;
            let roll = match self.segments.last() {
                None => true,
                Some(s) => {
                    !(s.records.is_empty() && pending.is_empty())
                        && s.size + buf.len() as u64 + rec_len > self.config.segment_size
                }
            };
            if roll {
                self.write_pending(&mut buf, &mut pending)?;
                self.create_segment(e.index)?;
            }
            let s = self.segments.last().map_or(0, |s| s.size);
            pending.push((s + buf.len() as u64, e.term));
            record::encode(e, &mut buf);
        }
        self.write_pending(&mut buf, &mut pending)
    }

    /// Writes `buf` at the end of the active segment and indexes `pending`; on failure cuts the
    /// file back so it never holds a record the index does not know about.
    fn write_pending(
        &mut self,
        buf: &mut Vec<u8>,
        pending: &mut Vec<(u64, u64)>,
    ) -> Result<(), LogError> {
        if buf.is_empty() {
            return Ok(());
        }
        let Some(s) = self.segments.last_mut() else {
            return Ok(());
        };
        s.dirty = true;
        if let Err(e) = s.file.write_all_at(buf, s.size) {
            // Best effort; recovery would truncate a torn tail anyway.
            let _ = s.file.set_len(s.size);
            return Err(io_err(&s.path)(e));
        }
        s.size += buf.len() as u64;
        s.records.append(pending);
        buf.clear();
        Ok(())
    }

    fn create_segment(&mut self, first_index: u64) -> Result<(), LogError> {
        let path = self.dir.join(segment::file_name(first_index));
        let file = open_rw(&path, true)?;
        self.dir_dirty = true;
        self.segments.push(Segment {
            path,
            file,
            first_index,
            records: Vec::new(),
            size: 0,
            dirty: true,
        });
        Ok(())
    }

    /// Removes every entry, durably, so the next append may start at any index: a follower
    /// that installs a snapshot beyond its log's end discards the whole log.
    ///
    /// # Errors
    /// I/O errors deleting files or syncing the directory.
    pub fn clear(&mut self) -> Result<(), LogError> {
        self.reset()?;
        sync_dir(&self.dir)?;
        self.dir_dirty = false;
        Ok(())
    }

    /// Drops every segment of an empty log so the next one can start at another index.
    fn reset(&mut self) -> Result<(), LogError> {
        for s in self.segments.drain(..) {
            remove(&s.path)?;
            self.dir_dirty = true;
        }
        Ok(())
    }

    /// Removes entries `index..`, durably (see the module doc). `index` is within the log.
    fn truncate_suffix(&mut self, index: u64) -> Result<(), LogError> {
        let keep = self.segment_of(index);
        if self.segments.len() > keep + 1 {
            for s in self.segments.drain(keep + 1..) {
                remove(&s.path)?;
            }
            sync_dir(&self.dir)?;
        }
        let s = &mut self.segments[keep];
        let pos = (index - s.first_index) as usize;
        let cut = s.records[pos].0;
        s.file.set_len(cut).map_err(io_err(&s.path))?;
        s.file.sync_data().map_err(io_err(&s.path))?;
        s.records.truncate(pos);
        s.size = cut;
        Ok(())
    }

    /// Makes everything appended so far durable: `fdatasync` of every segment written since the
    /// last sync (normally just the active one), then of the directory if a segment file was
    /// created or deleted.
    ///
    /// # Errors
    /// I/O errors. After a failed fsync the durability of unsynced data is unknown; the caller
    /// should treat the store as failed and reopen it.
    pub fn sync(&mut self) -> Result<(), LogError> {
        for s in self.segments.iter_mut().filter(|s| s.dirty) {
            s.file.sync_data().map_err(io_err(&s.path))?;
            s.dirty = false;
        }
        if self.dir_dirty {
            sync_dir(&self.dir)?;
            self.dir_dirty = false;
        }
        Ok(())
    }

    /// Drops whole segments whose entries are all `<= up_to_index` (after a snapshot covering
    /// them). The active segment is always kept, so `first_index()` moves in segment steps
    /// and may stay below `up_to_index + 1`. Returns the number of segments removed. The
    /// deletions become durable at the next [`LogStore::sync`] (a resurrected old segment is
    /// harmless: it still continues into the next one).
    ///
    /// # Errors
    /// I/O errors deleting files.
    pub fn compact(&mut self, up_to_index: u64) -> Result<usize, LogError> {
        let mut n = 0;
        while n + 1 < self.segments.len()
            && self.segments[n].next_index() <= up_to_index.saturating_add(1)
        {
            n += 1;
        }
        for s in self.segments.drain(..n) {
            remove(&s.path)?;
            self.dir_dirty = true;
        }
        Ok(n)
    }
}

#[cfg(test)]
pub(crate) mod testdir {
    //! A self-deleting temporary directory (no tempfile dependency).
    use std::path::{Path, PathBuf};
    use std::sync::atomic::{AtomicU64, Ordering};

    pub struct TempDir(PathBuf);

    impl TempDir {
        pub fn new() -> TempDir {
            static N: AtomicU64 = AtomicU64::new(0);
            let p = std::env::temp_dir().join(format!(
                "redraft-log-unit-{}-{}",
                std::process::id(),
                N.fetch_add(1, Ordering::Relaxed)
            ));
            let _ = std::fs::remove_dir_all(&p);
            std::fs::create_dir_all(&p).unwrap();
            TempDir(p)
        }
        pub fn path(&self) -> &Path {
            &self.0
        }
    }

    impl Drop for TempDir {
        fn drop(&mut self) {
            let _ = std::fs::remove_dir_all(&self.0);
        }
    }
}

#[cfg(test)]
mod tests;
