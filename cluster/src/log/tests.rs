//! Unit tests of `LogStore`: round trip, overwrite, compaction, recovery.

use super::testdir::TempDir;
use super::*;

fn e(index: u64, term: u64, data: &str) -> Entry {
    Entry {
        index,
        term,
        data: Bytes::copy_from_slice(data.as_bytes()),
    }
}

fn batch(lo: u64, hi: u64, term: u64) -> Vec<Entry> {
    (lo..hi)
        .map(|i| e(i, term, &format!("entry-{i}-t{term}")))
        .collect()
}

fn small() -> LogConfig {
    // ~3 records of batch() per segment.
    LogConfig { segment_size: 120 }
}

fn segment_files(dir: &Path) -> Vec<String> {
    let mut v: Vec<String> = fs::read_dir(dir)
        .unwrap()
        .map(|d| d.unwrap().file_name().into_string().unwrap())
        .filter(|n| n.ends_with(".log"))
        .collect();
    v.sort();
    v
}

#[test]
fn empty_log() {
    let d = TempDir::new();
    let (log, rec) = LogStore::open(d.path()).unwrap();
    assert_eq!(rec, Recovery::default());
    assert_eq!((log.first_index(), log.last_index()), (1, 0));
    assert!(log.entries(1, 1).unwrap().is_empty());
    assert!(matches!(log.term(1), Err(LogError::Unavailable { .. })));
}

#[test]
fn append_read_reopen() {
    let d = TempDir::new();
    let (mut log, _) = LogStore::open_with(d.path(), small()).unwrap();
    let all = batch(1, 21, 1);
    log.append(&all[..7]).unwrap();
    log.append(&all[7..]).unwrap();
    log.sync().unwrap();
    assert!(log.segment_count() > 3, "{}", log.segment_count());
    assert_eq!((log.first_index(), log.last_index()), (1, 20));
    assert_eq!(log.entries(1, 21).unwrap(), all);
    assert_eq!(log.entries(5, 9).unwrap(), all[4..8]);
    assert_eq!(log.term(20).unwrap(), 1);
    assert!(matches!(
        log.entries(1, 22),
        Err(LogError::Unavailable { .. })
    ));
    drop(log);
    let (log, rec) = LogStore::open_with(d.path(), small()).unwrap();
    assert_eq!(rec.entries, 20);
    assert_eq!(rec.truncation, None);
    assert_eq!(log.entries(1, 21).unwrap(), all);
    assert_eq!(segment_files(d.path())[0], "00000000000000000001.log");
}

#[test]
fn append_validates() {
    let d = TempDir::new();
    let (mut log, _) = LogStore::open_with(d.path(), small()).unwrap();
    log.append(&batch(1, 4, 1)).unwrap();
    assert!(matches!(
        log.append(&batch(5, 6, 1)),
        Err(LogError::NonContiguous {
            expected: 4,
            got: 5
        })
    ));
    assert!(matches!(
        log.append(&[e(4, 1, "a"), e(6, 1, "b")]),
        Err(LogError::NonContiguous { .. })
    ));
    assert!(matches!(
        log.append(&[e(0, 1, "a")]),
        Err(LogError::InvalidIndex(0))
    ));
    assert_eq!(log.last_index(), 3);
    log.append(&[]).unwrap();
}

#[test]
fn empty_log_starts_anywhere() {
    let d = TempDir::new();
    let (mut log, _) = LogStore::open_with(d.path(), small()).unwrap();
    log.append(&batch(100, 105, 3)).unwrap();
    log.sync().unwrap();
    assert_eq!((log.first_index(), log.last_index()), (100, 104));
    drop(log);
    let (log, _) = LogStore::open_with(d.path(), small()).unwrap();
    assert_eq!(log.entries(100, 105).unwrap(), batch(100, 105, 3));
}

#[test]
fn overwrite_across_segment_boundary() {
    let d = TempDir::new();
    let (mut log, _) = LogStore::open_with(d.path(), small()).unwrap();
    log.append(&batch(1, 21, 1)).unwrap();
    log.sync().unwrap();
    let before = log.segment_count();
    // Index 5 is in the second segment; everything from it on is replaced.
    log.append(&batch(5, 8, 2)).unwrap();
    log.sync().unwrap();
    assert!(log.segment_count() < before);
    let mut want = batch(1, 5, 1);
    want.extend(batch(5, 8, 2));
    assert_eq!(log.last_index(), 7);
    assert_eq!(log.entries(1, 8).unwrap(), want);
    assert_eq!(log.term(4).unwrap(), 1);
    assert_eq!(log.term(5).unwrap(), 2);
    // Overwrite exactly at a segment's first index, then keep appending.
    let seg2 = segment_files(d.path())[1].clone();
    let at = segment::parse_file_name(&seg2).unwrap();
    log.append(&batch(at, at + 6, 3)).unwrap();
    log.sync().unwrap();
    want.truncate((at - 1) as usize);
    want.extend(batch(at, at + 6, 3));
    assert_eq!(log.entries(1, log.last_index() + 1).unwrap(), want);
    drop(log);
    let (log, rec) = LogStore::open_with(d.path(), small()).unwrap();
    assert_eq!(rec.truncation, None);
    assert_eq!(log.entries(1, log.last_index() + 1).unwrap(), want);
}

#[test]
fn overwrite_whole_log() {
    let d = TempDir::new();
    let (mut log, _) = LogStore::open_with(d.path(), small()).unwrap();
    log.append(&batch(1, 10, 1)).unwrap();
    log.append(&batch(1, 3, 2)).unwrap();
    assert_eq!(log.entries(1, 3).unwrap(), batch(1, 3, 2));
    assert_eq!(log.last_index(), 2);
}

#[test]
fn compaction_and_reopen() {
    let d = TempDir::new();
    let (mut log, _) = LogStore::open_with(d.path(), small()).unwrap();
    log.append(&batch(1, 21, 1)).unwrap();
    log.sync().unwrap();
    let n = log.segment_count();
    assert_eq!(log.compact(0).unwrap(), 0);
    let removed = log.compact(10).unwrap();
    assert!(removed > 0);
    assert_eq!(log.segment_count(), n - removed);
    let first = log.first_index();
    assert!(first > 1 && first <= 11, "first {first}");
    assert!(matches!(
        log.term(first - 1),
        Err(LogError::Compacted { .. })
    ));
    assert_eq!(log.entries(first, 21).unwrap(), batch(first, 21, 1));
    // Compacting everything keeps the active segment.
    log.compact(u64::MAX).unwrap();
    assert_eq!(log.segment_count(), 1);
    assert_eq!(log.last_index(), 20);
    let first = log.first_index();
    assert!(matches!(
        log.append(&batch(first - 1, first, 2)),
        Err(LogError::Compacted { .. })
    ));
    log.append(&batch(21, 25, 1)).unwrap();
    log.sync().unwrap();
    drop(log);
    let (log, rec) = LogStore::open_with(d.path(), small()).unwrap();
    assert_eq!(rec.truncation, None);
    assert_eq!(log.first_index(), first);
    assert_eq!(log.entries(first, 25).unwrap(), batch(first, 25, 1));
}

#[test]
fn torn_tail_is_truncated() {
    let d = TempDir::new();
    let (mut log, _) = LogStore::open_with(d.path(), LogConfig::default()).unwrap();
    log.append(&batch(1, 4, 1)).unwrap();
    log.sync().unwrap();
    drop(log);
    let path = d.path().join(segment::file_name(1));
    let len = fs::metadata(&path).unwrap().len();
    let f = OpenOptions::new().write(true).open(&path).unwrap();
    f.set_len(len - 3).unwrap();
    drop(f);
    let (mut log, rec) = LogStore::open(d.path()).unwrap();
    assert_eq!(rec.entries, 2);
    let t = rec.truncation.unwrap();
    assert_eq!(t.path, path);
    assert!(t.reason.contains("torn"), "{}", t.reason);
    assert_eq!(rec.bytes_truncated, len - 3 - t.offset);
    assert_eq!(fs::metadata(&path).unwrap().len(), t.offset);
    log.append(&batch(3, 5, 2)).unwrap();
    log.sync().unwrap();
    drop(log);
    let (log, rec) = LogStore::open(d.path()).unwrap();
    assert_eq!(rec.truncation, None);
    assert_eq!(log.term(4).unwrap(), 2);
}

#[test]
fn damage_in_middle_segment_drops_later_segments() {
    let d = TempDir::new();
    let (mut log, _) = LogStore::open_with(d.path(), small()).unwrap();
    log.append(&batch(1, 21, 1)).unwrap();
    log.sync().unwrap();
    drop(log);
    let files = segment_files(d.path());
    let second = d.path().join(&files[1]);
    let mut bytes = fs::read(&second).unwrap();
    bytes[30] ^= 0xff; // inside the first record's data
    fs::write(&second, &bytes).unwrap();
    let (log, rec) = LogStore::open_with(d.path(), small()).unwrap();
    let first_of_second = segment::parse_file_name(&files[1]).unwrap();
    assert_eq!(log.last_index(), first_of_second - 1);
    let t = rec.truncation.unwrap();
    assert_eq!((t.path, t.offset), (second, 0));
    assert!(t.reason.contains("checksum"), "{}", t.reason);
    assert_eq!(segment_files(d.path()).len(), 2);
}

#[test]
fn misnamed_segment_is_dropped() {
    let d = TempDir::new();
    let (mut log, _) = LogStore::open_with(d.path(), small()).unwrap();
    log.append(&batch(1, 4, 1)).unwrap();
    log.sync().unwrap();
    drop(log);
    fs::write(d.path().join(segment::file_name(50)), b"").unwrap();
    fs::write(d.path().join("hardstate"), b"not a segment").unwrap();
    let (log, rec) = LogStore::open_with(d.path(), small()).unwrap();
    assert_eq!(log.last_index(), 3);
    assert!(rec.truncation.unwrap().reason.contains("expected"));
    assert!(d.path().join("hardstate").exists());
}

#[test]
fn corruption_after_open_is_an_error_on_read() {
    let d = TempDir::new();
    let (mut log, _) = LogStore::open(d.path()).unwrap();
    log.append(&batch(1, 4, 1)).unwrap();
    let path = d.path().join(segment::file_name(1));
    let mut bytes = fs::read(&path).unwrap();
    let last = bytes.len() - 1;
    bytes[last] ^= 1;
    fs::write(&path, &bytes).unwrap();
    assert_eq!(log.entries(1, 3).unwrap(), batch(1, 3, 1));
    assert!(matches!(log.entries(1, 4), Err(LogError::Corrupt { .. })));
}
