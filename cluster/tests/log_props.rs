//! Property tests of the Raft log store: damage-and-recover, and a model-based op sequence.
//!
//! The crash test damages the active segment file in place (truncation at a random byte, or
//! one flipped byte) and reopens. It does not model lost page cache (the process does not
//! die), so every write before the damage point is on "disk"; what it checks is that recovery
//! keeps exactly the records before the damage, never a damaged one, and that the log works
//! afterwards.

use std::fs::{self, OpenOptions};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

use bytes::Bytes;
use proptest::prelude::*;
use redraft_cluster::log::{Entry, LogConfig, LogStore};

struct TempDir(PathBuf);

impl TempDir {
    fn new() -> TempDir {
        static N: AtomicU64 = AtomicU64::new(0);
        let p = std::env::temp_dir().join(format!(
            "redraft-log-prop-{}-{}",
            std::process::id(),
            N.fetch_add(1, Ordering::Relaxed)
        ));
        let _ = fs::remove_dir_all(&p);
        fs::create_dir_all(&p).unwrap();
        TempDir(p)
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = fs::remove_dir_all(&self.0);
    }
}

const HEADER: u64 = 24;

fn entry(index: u64, term: u64, len: usize, salt: u8) -> Entry {
    let data: Vec<u8> = (0..len)
        .map(|k| (index as u8).wrapping_mul(31).wrapping_add(k as u8) ^ salt)
        .collect();
    Entry {
        index,
        term,
        data: Bytes::from(data),
    }
}

/// One appended batch: how far back it starts (overwrite), the data sizes, whether to sync.
#[derive(Debug, Clone)]
struct Batch {
    back: usize,
    sizes: Vec<usize>,
    sync: bool,
}

fn batch() -> impl Strategy<Value = Batch> {
    (
        prop_oneof![4 => Just(0usize), 1 => 1usize..6],
        prop::collection::vec(prop_oneof![1 => Just(0usize), 3 => 0usize..48], 0..6),
        any::<bool>(),
    )
        .prop_map(|(back, sizes, sync)| Batch { back, sizes, sync })
}

/// Applies `b` to both the store and the model (a plain Vec of the entries, first index 1).
fn apply(log: &mut LogStore, model: &mut Vec<Entry>, b: &Batch, term: u64) {
    let back = b.back.min(model.len());
    let start = model.len() - back;
    let entries: Vec<Entry> = b
        .sizes
        .iter()
        .enumerate()
        .map(|(k, &len)| entry((start + k + 1) as u64, term, len, term as u8))
        .collect();
    log.append(&entries).unwrap();
    if !entries.is_empty() {
        model.truncate(start);
        model.extend(entries);
    }
    if b.sync {
        log.sync().unwrap();
    }
}

fn all(log: &LogStore) -> Vec<Entry> {
    log.entries(log.first_index(), log.last_index() + 1)
        .unwrap()
}

fn active_segment(dir: &Path) -> Option<(u64, PathBuf)> {
    fs::read_dir(dir)
        .unwrap()
        .filter_map(|d| {
            let d = d.unwrap();
            let name = d.file_name().into_string().unwrap();
            let first = name.strip_suffix(".log")?.parse::<u64>().ok()?;
            Some((first, d.path()))
        })
        .max()
}

#[derive(Debug, Clone)]
enum Damage {
    /// Truncate at `frac` (per mille) of the file length.
    Truncate(u32),
    /// XOR `mask` into the byte at `frac` (per mille) of the file length.
    Flip(u32, u8),
}

fn damage() -> impl Strategy<Value = Damage> {
    prop_oneof![
        (0u32..=1000).prop_map(Damage::Truncate),
        (0u32..1000, 1u8..=255).prop_map(|(f, m)| Damage::Flip(f, m)),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 96, ..ProptestConfig::default() })]

    #[test]
    fn recovery_keeps_exactly_the_undamaged_prefix(
        segment_size in prop_oneof![Just(64u64), Just(200), Just(1000)],
        batches in prop::collection::vec(batch(), 1..10),
        damage in damage(),
        tail in prop::collection::vec(0usize..40, 1..5),
    ) {
        let dir = TempDir::new();
        let config = LogConfig { segment_size };
        let mut model = Vec::new();
        {
            let (mut log, _) = LogStore::open_with(&dir.0, config.clone()).unwrap();
            for (t, b) in batches.iter().enumerate() {
                apply(&mut log, &mut model, b, t as u64 + 1);
            }
            log.sync().unwrap();
            prop_assert_eq!(all(&log), model.clone());
        }

        // Damage the active segment and work out how many records must survive.
        let mut expected = model.len();
        if let Some((first, path)) = active_segment(&dir.0) {
            let len = fs::metadata(&path).unwrap().len();
            let at = |frac: u32| len * u64::from(frac) / 1000;
            let point = match damage {
                Damage::Truncate(frac) => {
                    let f = OpenOptions::new().write(true).open(&path).unwrap();
                    f.set_len(at(frac)).unwrap();
                    Some(at(frac))
                }
                Damage::Flip(frac, mask) if len > 0 => {
                    let mut bytes = fs::read(&path).unwrap();
                    let p = at(frac);
                    bytes[p as usize] ^= mask;
                    fs::write(&path, &bytes).unwrap();
                    // A flipped byte damages the record containing it: that record's end must
                    // be past `p`, so "end <= p + 0" keeps exactly the records before it.
                    Some(p)
                }
                Damage::Flip(..) => None,
            };
            if let Some(point) = point {
                let before = (first - 1) as usize;
                let mut end = 0;
                let mut kept = 0;
                for e in &model[before..] {
                    end += HEADER + e.data.len() as u64;
                    if end > point {
                        break;
                    }
                    kept += 1;
                }
                // Truncating exactly at a record end keeps that record; a flip at `point`
                // is inside the record whose end is > point.
                expected = before + kept;
            }
        }

        let (mut log, rec) = LogStore::open_with(&dir.0, config.clone()).unwrap();
        prop_assert_eq!(rec.entries as usize, expected);
        prop_assert_eq!(log.last_index() as usize, expected);
        let recovered = all(&log);
        prop_assert_eq!(&recovered[..], &model[..expected]);

        // The log keeps working after recovery, and survives another reopen.
        let term = 10_000;
        let next = log.last_index() + 1;
        let more: Vec<Entry> = tail
            .iter()
            .enumerate()
            .map(|(k, &len)| entry(next + k as u64, term, len, 0x5a))
            .collect();
        log.append(&more).unwrap();
        log.sync().unwrap();
        drop(log);
        let (log, rec) = LogStore::open_with(&dir.0, config).unwrap();
        prop_assert!(rec.truncation.is_none(), "{:?}", rec);
        let mut want = model[..expected].to_vec();
        want.extend(more);
        prop_assert_eq!(all(&log), want);
    }
}

#[derive(Debug, Clone)]
enum Op {
    Append(Batch),
    Compact(usize),
    Reopen,
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        6 => batch().prop_map(Op::Append),
        1 => (0usize..60).prop_map(Op::Compact),
        1 => Just(Op::Reopen),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

    /// Appends (with overwrites), compactions and reopens against a Vec model.
    #[test]
    fn matches_model(ops in prop::collection::vec(op(), 1..30)) {
        let dir = TempDir::new();
        let config = LogConfig { segment_size: 150 };
        let (mut log, _) = LogStore::open_with(&dir.0, config.clone()).unwrap();
        // Model: full history from index 1; entries below `first` are compacted.
        let mut model: Vec<Entry> = Vec::new();
        let mut first = 1u64;
        for (t, op) in ops.into_iter().enumerate() {
            match op {
                Op::Append(mut b) => {
                    // Never reach back into the compacted prefix.
                    b.back = b.back.min(model.len() - (first - 1) as usize);
                    apply(&mut log, &mut model, &b, t as u64 + 1);
                }
                Op::Compact(up_to) => {
                    let before = log.first_index();
                    log.compact(up_to as u64).unwrap();
                    let now = log.first_index();
                    prop_assert!(now >= before);
                    prop_assert!(now <= before.max(up_to as u64 + 1), "{} {}", now, up_to);
                    first = now;
                }
                Op::Reopen => {
                    log.sync().unwrap();
                    drop(log);
                    let (l, rec) = LogStore::open_with(&dir.0, config.clone()).unwrap();
                    prop_assert!(rec.truncation.is_none(), "{:?}", rec);
                    log = l;
                }
            }
            prop_assert_eq!(log.first_index(), first);
            prop_assert_eq!(log.last_index() as usize, model.len());
            prop_assert_eq!(all(&log), model[(first - 1) as usize..].to_vec());
            if log.last_index() >= first {
                prop_assert_eq!(log.term(log.last_index()).unwrap(), model.last().unwrap().term);
            }
        }
    }
}

/// Rough append throughput; run with
/// `cargo test --release -p redraft-cluster --test log_props -- --ignored --nocapture`.
#[test]
#[ignore]
fn append_throughput() {
    for (size, batch, sync) in [
        (100usize, 64usize, false),
        (100, 64, true),
        (100, 1, true),
        (4096, 64, true),
    ] {
        let dir = TempDir::new();
        let (mut log, _) = LogStore::open(&dir.0).unwrap();
        let n = if batch == 1 { 2_000 } else { 200_000 };
        let n = if size > 1000 { 20_000 } else { n };
        let data = Bytes::from(vec![7u8; size]);
        let start = std::time::Instant::now();
        let mut i = 1u64;
        while i <= n as u64 {
            let b: Vec<Entry> = (i..i + batch as u64)
                .map(|index| Entry {
                    index,
                    term: 1,
                    data: data.clone(),
                })
                .collect();
            log.append(&b).unwrap();
            if sync {
                log.sync().unwrap();
            }
            i += batch as u64;
        }
        log.sync().unwrap();
        let s = start.elapsed().as_secs_f64();
        let count = (i - 1) as f64;
        println!(
            "data {size} B, batch {batch}, sync per batch {sync}: {:.0} entries/s, {:.1} MB/s, {:.1} us/batch",
            count / s,
            count * (size + 24) as f64 / s / 1e6,
            s * 1e6 / (count / batch as f64)
        );
    }
}
