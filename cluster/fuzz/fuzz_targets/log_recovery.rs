//! Fuzzes `log::LogStore::open`'s crash recovery: arbitrary bytes are written as one or two
//! segment files in an empty directory and the log is opened through the public API only.
//!
//! Input layout: `[flags][base][delta][split: u16 LE][segment bytes]`.
//! - flags bit 0: rewrite every record's checksum so it is valid (reaches the checks behind
//!   the CRC); bit 1: also renumber records consecutively from the segment's first index;
//!   bit 2: first index near `u64::MAX` (overflow paths) instead of `1 + base`; bit 3: cut the
//!   bytes at `split` into two segments, the second named `first + delta` (`delta` 0: right
//!   after the first segment's last record); bit 4: add files that are not segments, which the
//!   log must ignore and leave alone.
//!
//! Checks, against a model written from the on-disk format in `cluster/src/log/mod.rs`:
//! - `open` never panics and, on a healthy directory, never fails;
//! - it returns exactly the records before the first damage (valid length, checksum, index
//!   continuity from the file name, segments continuing each other), every one
//!   checksum-consistent, with consecutive indices from `first_index()` to `last_index()` and
//!   terms that `term()` agrees with; `Recovery` reports what was cut and where;
//! - the damaged segment is truncated to its valid prefix, later segments are deleted, other
//!   files are untouched;
//! - a second open finds nothing to repair and the same entries; an entry appended after
//!   recovery is there after a third open.

#![no_main]

use std::fs;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

use bytes::Bytes;
use libfuzzer_sys::fuzz_target;
use redraft_cluster::log::{Entry, LogStore, Recovery, MAX_DATA_LEN};

const HEADER_LEN: usize = 24;

/// `00000000000000000001.log`, as the module doc names segments.
fn segment_name(first_index: u64) -> String {
    format!("{first_index:020}.log")
}

/// crc32c(index ‖ term ‖ data), as the module doc specifies.
fn checksum(index: u64, term: u64, data: &[u8]) -> u32 {
    let crc = crc32c::crc32c(&index.to_le_bytes());
    let crc = crc32c::crc32c_append(crc, &term.to_le_bytes());
    crc32c::crc32c_append(crc, data)
}

fn u32_at(b: &[u8], at: usize) -> u32 {
    let mut a = [0u8; 4];
    a.copy_from_slice(&b[at..at + 4]);
    u32::from_le_bytes(a)
}

fn u64_at(b: &[u8], at: usize) -> u64 {
    let mut a = [0u8; 8];
    a.copy_from_slice(&b[at..at + 8]);
    u64::from_le_bytes(a)
}

/// Walks the records that fit in `seg` and optionally renumbers them from `first` and makes
/// their checksums valid, so the fuzzer reaches past the CRC.
fn shape(seg: &mut [u8], first: u64, renumber: bool, fix_crc: bool) {
    let mut off = 0;
    let mut index = first;
    while seg.len() - off >= HEADER_LEN {
        let len = u32_at(seg, off) as usize;
        if len > MAX_DATA_LEN || len > seg.len() - off - HEADER_LEN {
            return;
        }
        if renumber {
            seg[off + 8..off + 16].copy_from_slice(&index.to_le_bytes());
            index = index.wrapping_add(1);
        }
        if fix_crc || renumber {
            let crc = checksum(
                u64_at(seg, off + 8),
                u64_at(seg, off + 16),
                &seg[off + HEADER_LEN..off + HEADER_LEN + len],
            );
            seg[off + 4..off + 8].copy_from_slice(&crc.to_le_bytes());
        }
        off += HEADER_LEN + len;
    }
}

/// The model's scan of one segment: its valid records, the valid length, and whether it
/// stopped at damage.
fn scan(seg: &[u8], first: u64) -> (Vec<Entry>, usize, bool) {
    let mut entries = Vec::new();
    let mut off = 0;
    let mut expected = first;
    loop {
        let rest = &seg[off..];
        if rest.is_empty() {
            return (entries, off, false);
        }
        if rest.len() < HEADER_LEN {
            return (entries, off, true);
        }
        let len = u32_at(rest, 0) as usize;
        if len > MAX_DATA_LEN || len > rest.len() - HEADER_LEN {
            return (entries, off, true);
        }
        let (crc, index, term) = (u32_at(rest, 4), u64_at(rest, 8), u64_at(rest, 16));
        let data = &rest[HEADER_LEN..HEADER_LEN + len];
        if crc != checksum(index, term, data) || index != expected || index == u64::MAX {
            return (entries, off, true);
        }
        entries.push(Entry {
            index,
            term,
            data: Bytes::copy_from_slice(data),
        });
        off += HEADER_LEN + len;
        expected += 1;
    }
}

/// What recovery must find and leave on disk.
struct Expected {
    entries: Vec<Entry>,
    recovery: Recovery,
    /// File name → contents, for every file in the directory after recovery.
    files: Vec<(String, Vec<u8>)>,
}

/// The recovery rules of the module doc, applied to `segments` (sorted by first index) and
/// `others` (files that are not segments).
fn model(dir: &Path, segments: &[(u64, Vec<u8>)], others: &[(String, Vec<u8>)]) -> Expected {
    let mut entries = Vec::new();
    let mut recovery = Recovery::default();
    let mut files = others.to_vec();
    let mut next: Option<u64> = None;
    for (first, bytes) in segments {
        let name = segment_name(*first);
        if recovery.truncation.is_some() {
            recovery.bytes_truncated += bytes.len() as u64;
            continue;
        }
        if next.is_some_and(|next| next != *first) {
            recovery.bytes_truncated += bytes.len() as u64;
            recovery.truncation = Some(truncation(dir, &name, 0));
            continue;
        }
        let (found, valid, damaged) = scan(bytes, *first);
        next = Some(first + found.len() as u64);
        entries.extend(found);
        if damaged {
            recovery.bytes_truncated += (bytes.len() - valid) as u64;
            recovery.truncation = Some(truncation(dir, &name, valid as u64));
        }
        files.push((name, bytes[..valid].to_vec()));
    }
    recovery.entries = entries.len() as u64;
    files.sort();
    Expected {
        entries,
        recovery,
        files,
    }
}

fn truncation(dir: &Path, name: &str, offset: u64) -> redraft_cluster::log::Truncation {
    redraft_cluster::log::Truncation {
        path: dir.join(name),
        offset,
        // Not compared: the wording is the library's.
        reason: String::new(),
    }
}

fn listing(dir: &Path) -> Vec<(String, Vec<u8>)> {
    let mut files: Vec<(String, Vec<u8>)> = fs::read_dir(dir)
        .expect("list the log directory")
        .map(|item| {
            let item = item.expect("list the log directory");
            let name = item.file_name().into_string().expect("our names are UTF-8");
            let bytes = fs::read(item.path()).expect("read a file of the log directory");
            (name, bytes)
        })
        .collect();
    files.sort();
    files
}

/// Opens the log and checks it against `want` through the public API.
fn open_and_check(dir: &Path, first: u64, want: &[Entry], recovery: &Recovery) -> LogStore {
    let (store, got) = LogStore::open(dir).unwrap_or_else(|e| panic!("open failed: {e}"));
    let strip = |r: &Recovery| {
        let t = r.truncation.as_ref().map(|t| (t.path.clone(), t.offset));
        (r.entries, r.bytes_truncated, t)
    };
    assert_eq!(strip(&got), strip(recovery), "recovery report: {got:?}");
    let n = want.len() as u64;
    assert_eq!(store.is_empty(), n == 0);
    assert_eq!(store.first_index(), first);
    assert_eq!(store.last_index(), first + n - 1);
    let entries = store
        .entries(first, first + n)
        .unwrap_or_else(|e| panic!("reading recovered entries: {e}"));
    for (i, e) in entries.iter().enumerate() {
        assert_eq!(e.index, first + i as u64, "indices are consecutive");
        assert_eq!(store.term(e.index).ok(), Some(e.term));
    }
    assert_eq!(entries, want);
    assert!(store.term(first - 1).is_err());
    assert!(store.term(first + n).is_err());
    if let Some(past) = (first + n).checked_add(1) {
        assert!(store.entries(first, past).is_err());
    }
    store
}

/// A directory of our own per process, emptied for every input. Prefers tmpfs: recovery
/// fsyncs.
fn fresh_dir() -> PathBuf {
    static RUN: AtomicU64 = AtomicU64::new(0);
    let shm = Path::new("/dev/shm");
    let base = if shm.is_dir() {
        shm.to_path_buf()
    } else {
        std::env::temp_dir()
    };
    let dir = base.join(format!(
        "redraft-fuzz-log-{}-{}",
        std::process::id(),
        RUN.fetch_add(1, Ordering::Relaxed)
    ));
    let _ = fs::remove_dir_all(&dir);
    fs::create_dir_all(&dir).expect("create the log directory");
    dir
}

fuzz_target!(|data: &[u8]| {
    let Some((header, body)) = data.split_first_chunk::<5>() else {
        return;
    };
    let [flags, base, delta, s0, s1] = *header;
    let (fix_crc, renumber) = (flags & 1 != 0, flags & 2 != 0);
    let first = if flags & 4 != 0 {
        u64::MAX - 1 - u64::from(base % 8)
    } else {
        1 + u64::from(base)
    };

    let mut seg1 = body.to_vec();
    let mut seg2 = None;
    if flags & 8 != 0 {
        let split = usize::from(u16::from_le_bytes([s0, s1])) % (body.len() + 1);
        seg2 = Some(seg1.split_off(split));
    }
    shape(&mut seg1, first, renumber, fix_crc);
    let mut segments = vec![(first, seg1)];
    let mut others = Vec::new();
    if let Some(mut bytes) = seg2 {
        let delta = match delta {
            0 => scan(&segments[0].1, first).0.len() as u64,
            d => u64::from(d),
        };
        match first.checked_add(delta) {
            // The same name as the first segment: there is only one file.
            Some(second) if second == first => {}
            // `u64::MAX` is not a valid first index: the file is not a segment.
            Some(u64::MAX) => others.push((segment_name(u64::MAX), bytes)),
            Some(second) => {
                shape(&mut bytes, second, renumber, fix_crc);
                segments.push((second, bytes));
            }
            None => {}
        }
    }
    if flags & 16 != 0 {
        others.push(("hardstate".to_string(), body.to_vec()));
        others.push((segment_name(0), body.to_vec()));
        others.push(("0000000000000000001.log".to_string(), body.to_vec()));
    }

    let dir = fresh_dir();
    for (name, bytes) in segments
        .iter()
        .map(|(first, bytes)| (segment_name(*first), bytes))
        .chain(others.iter().map(|(name, bytes)| (name.clone(), bytes)))
    {
        fs::write(dir.join(name), bytes).expect("write a file");
    }
    let want = model(&dir, &segments, &others);

    // Recovery.
    let store = open_and_check(&dir, first, &want.entries, &want.recovery);
    drop(store);
    assert_eq!(listing(&dir), want.files, "files after recovery");

    // Recovery is idempotent.
    let clean = Recovery {
        entries: want.entries.len() as u64,
        ..Recovery::default()
    };
    let mut store = open_and_check(&dir, first, &want.entries, &clean);

    // The recovered log takes appends where it ends.
    let next = store.last_index() + 1;
    if next < u64::MAX {
        let term = want.entries.last().map_or(1, |e| e.term);
        let entry = Entry {
            index: next,
            term,
            data: Bytes::from_static(b"appended after recovery"),
        };
        store.append(std::slice::from_ref(&entry)).expect("append");
        store.sync().expect("sync");
        drop(store);
        let mut all = want.entries;
        all.push(entry);
        let clean = Recovery {
            entries: all.len() as u64,
            ..Recovery::default()
        };
        drop(open_and_check(&dir, first, &all, &clean));
    }
    let _ = fs::remove_dir_all(&dir);
});
