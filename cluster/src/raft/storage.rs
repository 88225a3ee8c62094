//! [`GroupStorage`]: raft-rs's `Storage` for one group — the live log in memory, written through
//! to a [`LogStore`] when the group is durable (`appendonly yes`), plus the hard state, the
//! conf state and the latest snapshot.
//!
//! # Files (durable groups), all in the group's directory
//!
//! - `log/`: the [`LogStore`] segments. A record's data is `[u8 entry type][u32 context
//!   length][context][data]` (little-endian, pinned by a golden-bytes test).
//! - `raft-state`: term, vote, commit and the conf state, replaced atomically.
//! - `snapshot`: the latest snapshot (index, term, conf state, state-machine bytes), replaced
//!   atomically.
//!
//! Entries stay in memory from the first index on (the write-through copy on disk is for
//! restart); [`GroupStorage::compact`] bounds both after a snapshot.
//!
//! Only the group's driver task touches a `GroupStorage` (through `RawNode::mut_store`), so it
//! needs no lock.

use std::collections::VecDeque;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

use bytes::{Buf, BufMut, Bytes, BytesMut};
use protobuf::Message as _;
use raft::eraftpb::{ConfState, Entry, EntryType, HardState, Snapshot, SnapshotMetadata};
use raft::{GetEntriesContext, RaftState, StorageError};

use crate::log::{self, LogError, LogStore};

/// Largest snapshot file accepted on disk (the width of its length field).
const MAX_SNAPSHOT: usize = u32::MAX as usize;
const STATE_FILE: &str = "raft-state";
const SNAPSHOT_FILE: &str = "snapshot";

/// When the log reaches the disk: Redis's `appendfsync` values.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fsync {
    /// fsync after every batch, before anything in it is acknowledged.
    Always,
    /// fsync at most once a second (a crash of the machine may lose the last second; a crash of
    /// the process loses nothing).
    EverySec,
    /// Leave it to the kernel.
    No,
}

/// Where the group keeps its state.
#[derive(Debug, Clone)]
pub enum Durability {
    /// `appendonly no`: memory only, a pure cache; a restarted node catches up from its peers.
    Memory,
    /// `appendonly yes`: log, hard state and snapshots on disk in this directory.
    Disk {
        /// The group's directory.
        dir: PathBuf,
        /// The fsync policy.
        fsync: Fsync,
    },
}

/// Errors of the storage's own operations (raft-rs's trait methods use `raft::Error`).
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The log store failed.
    #[error(transparent)]
    Log(#[from] LogError),
    /// A state file holds bytes we cannot decode.
    #[error("{file}: {reason}")]
    Corrupt {
        /// The file.
        file: PathBuf,
        /// What is wrong.
        reason: String,
    },
}

struct Disk {
    dir: PathBuf,
    log: LogStore,
    fsync: Fsync,
    /// Appended or changed since the last fsync.
    unsynced: bool,
}

/// The storage of one Raft group.
pub struct GroupStorage {
    hard: HardState,
    conf: ConfState,
    /// The latest snapshot; its metadata's index and term are also the compaction point's when
    /// nothing newer was compacted away.
    snapshot: Snapshot,
    /// Index and term of the entry just before `entries[0]`.
    trunc_index: u64,
    trunc_term: u64,
    entries: VecDeque<Entry>,
    /// Bytes of data held in `entries` (for the compaction policy and INFO).
    entry_bytes: usize,
    disk: Option<Disk>,
    /// The highest index a peer asked a snapshot for that we could not give; the driver builds
    /// one and clears it. `Storage::snapshot` takes `&self`, hence the atomic.
    snapshot_wanted: AtomicU64,
}

/// Encodes an entry's type, context and data as one log-store record payload.
fn encode_entry(e: &Entry) -> Bytes {
    let mut b = BytesMut::with_capacity(5 + e.context.len() + e.data.len());
    b.put_u8(e.get_entry_type() as u8);
    b.put_u32_le(e.context.len() as u32);
    b.put_slice(&e.context);
    b.put_slice(&e.data);
    b.freeze()
}

/// The inverse of [`encode_entry`]; `None` for bytes it never produced.
fn decode_entry(index: u64, term: u64, mut data: Bytes) -> Option<Entry> {
    if data.len() < 5 {
        return None;
    }
    let kind = match data.get_u8() {
        0 => EntryType::EntryNormal,
        1 => EntryType::EntryConfChange,
        2 => EntryType::EntryConfChangeV2,
        _ => return None,
    };
    let ctx_len = data.get_u32_le() as usize;
    if ctx_len > data.len() {
        return None;
    }
    let mut e = Entry::default();
    e.set_entry_type(kind);
    e.index = index;
    e.term = term;
    e.context = data.split_to(ctx_len);
    e.data = data;
    Some(e)
}

fn encode_state(hard: &HardState, conf: &ConfState) -> Vec<u8> {
    let mut b = Vec::new();
    b.put_u64_le(hard.term);
    b.put_u64_le(hard.vote);
    b.put_u64_le(hard.commit);
    b.extend_from_slice(&conf.write_to_bytes().unwrap_or_default());
    b
}

fn encode_snapshot(snap: &Snapshot) -> Vec<u8> {
    let meta = snap.get_metadata();
    let conf = meta.get_conf_state().write_to_bytes().unwrap_or_default();
    let mut b = Vec::with_capacity(20 + conf.len() + snap.data.len());
    b.put_u64_le(meta.index);
    b.put_u64_le(meta.term);
    b.put_u32_le(conf.len() as u32);
    b.extend_from_slice(&conf);
    b.extend_from_slice(&snap.data);
    b
}

fn decode_snapshot(mut b: Bytes) -> Option<Snapshot> {
    if b.len() < 20 {
        return None;
    }
    let index = b.get_u64_le();
    let term = b.get_u64_le();
    let conf_len = b.get_u32_le() as usize;
    if conf_len > b.len() {
        return None;
    }
    let conf = ConfState::parse_from_bytes(&b.split_to(conf_len)).ok()?;
    let mut snap = Snapshot {
        data: b,
        ..Default::default()
    };
    let meta = snap.mut_metadata();
    meta.index = index;
    meta.term = term;
    meta.set_conf_state(conf);
    Some(snap)
}

impl GroupStorage {
    /// Opens (or creates) the storage. A fresh group starts with `initial_voters` as its
    /// configuration — every seed starts with the same list, which is how a group forms without
    /// further steps. A group with state on disk ignores `initial_voters`: its identity and
    /// membership come from disk.
    ///
    /// # Errors
    /// I/O errors and corrupt state files (a torn log tail is truncated, not an error).
    pub fn open(durability: &Durability, initial_voters: &[u64]) -> Result<Self, StoreError> {
        let mut st = GroupStorage {
            hard: HardState::default(),
            conf: ConfState::default(),
            snapshot: Snapshot::default(),
            trunc_index: 0,
            trunc_term: 0,
            entries: VecDeque::new(),
            entry_bytes: 0,
            disk: None,
            snapshot_wanted: AtomicU64::new(0),
        };
        let Durability::Disk { dir, fsync } = durability else {
            st.conf.voters = initial_voters.to_vec();
            return Ok(st);
        };
        std::fs::create_dir_all(dir).map_err(|source| LogError::Io {
            path: dir.clone(),
            source,
        })?;
        let (log, _recovery) = LogStore::open(dir.join("log"))?;
        let corrupt = |file: &str, reason: &str| StoreError::Corrupt {
            file: dir.join(file),
            reason: reason.to_string(),
        };
        let fresh;
        match log::read_checked(dir, STATE_FILE)? {
            Some(mut b) => {
                if b.len() < 24 {
                    return Err(corrupt(STATE_FILE, "shorter than its fixed fields"));
                }
                st.hard.term = b.get_u64_le();
                st.hard.vote = b.get_u64_le();
                st.hard.commit = b.get_u64_le();
                st.conf = ConfState::parse_from_bytes(&b)
                    .map_err(|e| corrupt(STATE_FILE, &e.to_string()))?;
                fresh = false;
            }
            None => {
                st.conf.voters = initial_voters.to_vec();
                fresh = true;
            }
        }
        if let Some(b) = log::read_checked_max(dir, SNAPSHOT_FILE, MAX_SNAPSHOT)? {
            let snap =
                decode_snapshot(b).ok_or_else(|| corrupt(SNAPSHOT_FILE, "undecodable header"))?;
            st.trunc_index = snap.get_metadata().index;
            st.trunc_term = snap.get_metadata().term;
            st.snapshot = snap;
        }
        // Entries after the snapshot; older ones (compaction lags by whole segments) are skipped.
        let lo = log.first_index().max(st.trunc_index + 1);
        if log.last_index() >= lo {
            for e in log.entries(lo, log.last_index() + 1)? {
                let entry = decode_entry(e.index, e.term, e.data)
                    .ok_or_else(|| corrupt("log", "undecodable entry"))?;
                st.entry_bytes += entry.data.len();
                st.entries.push_back(entry);
            }
        }
        if st
            .entries
            .front()
            .is_some_and(|e| e.index != st.trunc_index + 1)
        {
            // A gap between snapshot and log: the log is useless, catch up from peers.
            tracing::warn!(
                snapshot = st.trunc_index,
                log_first = lo,
                "raft log does not continue the snapshot; discarding it"
            );
            st.entries.clear();
            st.entry_bytes = 0;
        }
        // The commit index is persisted lazily (only with term and vote): at least the
        // snapshot's index (a snapshot is only ever of committed state), at most what we hold.
        st.hard.commit = st.hard.commit.max(st.trunc_index).min(st.last());
        st.disk = Some(Disk {
            dir: dir.clone(),
            log,
            fsync: *fsync,
            unsynced: false,
        });
        if fresh {
            st.persist_state()?;
        }
        Ok(st)
    }

    fn last(&self) -> u64 {
        self.trunc_index + self.entries.len() as u64
    }

    /// The current conf state.
    pub fn conf_state(&self) -> &ConfState {
        &self.conf
    }

    /// The hard state.
    pub fn hard_state(&self) -> &HardState {
        &self.hard
    }

    /// The latest snapshot's metadata (index 0 when there is none).
    pub fn snapshot_metadata(&self) -> &SnapshotMetadata {
        self.snapshot.get_metadata()
    }

    /// The latest snapshot.
    pub fn latest_snapshot(&self) -> &Snapshot {
        &self.snapshot
    }

    /// Number of entries held and their data bytes (INFO raft).
    pub fn log_size(&self) -> (usize, usize) {
        (self.entries.len(), self.entry_bytes)
    }

    /// The index a peer needs a snapshot at (0: none wanted).
    pub fn snapshot_wanted(&self) -> u64 {
        self.snapshot_wanted.load(Ordering::Relaxed)
    }

    /// True when the group keeps its state on disk.
    pub fn is_durable(&self) -> bool {
        self.disk.is_some()
    }

    /// Appends entries (raft-rs's Ready entries), overwriting a conflicting suffix.
    ///
    /// # Errors
    /// Log store errors; the in-memory log is left matching what reached the store.
    pub fn append(&mut self, entries: &[Entry]) -> Result<(), StoreError> {
        let Some(first) = entries.first() else {
            return Ok(());
        };
        if first.index <= self.trunc_index {
            // Entries below our compaction point are committed and already reflected; skip them.
            let skip = (self.trunc_index + 1 - first.index) as usize;
            return self.append(entries.get(skip..).unwrap_or_default());
        }
        // Drop a conflicting suffix.
        let keep = (first.index - self.trunc_index - 1) as usize;
        while self.entries.len() > keep {
            if let Some(e) = self.entries.pop_back() {
                self.entry_bytes -= e.data.len();
            }
        }
        if let Some(disk) = &mut self.disk {
            let records: Vec<log::Entry> = entries
                .iter()
                .map(|e| log::Entry {
                    index: e.index,
                    term: e.term,
                    data: encode_entry(e),
                })
                .collect();
            disk.log.append(&records)?;
            disk.unsynced = true;
        }
        for e in entries {
            self.entry_bytes += e.data.len();
            self.entries.push_back(e.clone());
        }
        Ok(())
    }

    /// Records a new hard state (term, vote, commit).
    ///
    /// # Errors
    /// I/O errors writing the state file.
    pub fn set_hard_state(&mut self, hs: HardState) -> Result<(), StoreError> {
        let changed_vote = hs.term != self.hard.term || hs.vote != self.hard.vote;
        self.hard = hs;
        // Term and vote must be durable before any message that depends on them leaves; the
        // commit index alone may lag (it is recomputed from peers after a restart).
        if changed_vote {
            self.persist_state()?;
        }
        Ok(())
    }

    /// Records the commit index from a LightReady.
    pub fn set_commit(&mut self, commit: u64) {
        self.hard.commit = commit;
    }

    /// Records a new conf state (after applying a conf change) durably.
    ///
    /// # Errors
    /// I/O errors writing the state file.
    pub fn set_conf_state(&mut self, cs: ConfState) -> Result<(), StoreError> {
        self.conf = cs;
        self.persist_state()
    }

    fn persist_state(&mut self) -> Result<(), StoreError> {
        if let Some(disk) = &self.disk {
            log::write_atomically(&disk.dir, STATE_FILE, &encode_state(&self.hard, &self.conf))?;
        }
        Ok(())
    }

    /// Makes everything appended durable if the fsync policy says so now. `tick` is true on
    /// the once-a-second timer (everysec).
    ///
    /// # Errors
    /// I/O errors from fsync.
    pub fn sync(&mut self, tick: bool) -> Result<(), StoreError> {
        let Some(disk) = &mut self.disk else {
            return Ok(());
        };
        let due = match disk.fsync {
            Fsync::Always => true,
            Fsync::EverySec => tick,
            Fsync::No => false,
        };
        if due && disk.unsynced {
            disk.log.sync()?;
            disk.unsynced = false;
        }
        Ok(())
    }

    /// Installs a snapshot received from the leader: the log is replaced by it.
    ///
    /// # Errors
    /// I/O errors writing the snapshot or clearing the log.
    pub fn apply_snapshot(&mut self, snap: Snapshot) -> Result<(), StoreError> {
        let meta = snap.get_metadata();
        let (index, term) = (meta.index, meta.term);
        self.conf = meta.get_conf_state().clone();
        if self.hard.commit < index {
            self.hard.commit = index;
        }
        self.hard.term = self.hard.term.max(term);
        // Keep the suffix if it continues the snapshot (rare); otherwise drop the whole log.
        let keeps_suffix = index < self.last() && self.term_of(index) == Some(term);
        self.set_snapshot(snap)?;
        if !keeps_suffix {
            self.entries.clear();
            self.entry_bytes = 0;
            if let Some(disk) = &mut self.disk {
                disk.log.clear()?;
            }
        } else {
            self.drop_before(index + 1);
        }
        self.trunc_index = index;
        self.trunc_term = term;
        self.persist_state()
    }

    /// Stores a snapshot this node made of its own state machine at `index` (which it has
    /// applied), so lagging peers can be sent it and the log before it can be compacted.
    ///
    /// # Errors
    /// I/O errors writing the snapshot file.
    pub fn create_snapshot(&mut self, index: u64, data: Bytes) -> Result<(), StoreError> {
        let Some(term) = self.term_of(index) else {
            return Ok(());
        };
        let mut snap = Snapshot {
            data,
            ..Default::default()
        };
        let meta = snap.mut_metadata();
        meta.index = index;
        meta.term = term;
        meta.set_conf_state(self.conf.clone());
        self.set_snapshot(snap)?;
        if self.snapshot_wanted.load(Ordering::Relaxed) <= index {
            self.snapshot_wanted.store(0, Ordering::Relaxed);
        }
        Ok(())
    }

    fn set_snapshot(&mut self, snap: Snapshot) -> Result<(), StoreError> {
        if let Some(disk) = &self.disk {
            log::write_atomically_max(
                &disk.dir,
                SNAPSHOT_FILE,
                &encode_snapshot(&snap),
                MAX_SNAPSHOT,
            )?;
        }
        self.snapshot = snap;
        Ok(())
    }

    /// Discards entries up to `index` (inclusive), which must be covered by the latest
    /// snapshot when the group is durable or has peers; a memory-only group of one may compact
    /// without a snapshot (nobody will ever ask for those entries).
    ///
    /// # Errors
    /// I/O errors deleting segments.
    pub fn compact(&mut self, index: u64) -> Result<(), StoreError> {
        let index = index.min(self.last());
        if index <= self.trunc_index {
            return Ok(());
        }
        let Some(term) = self.term_of(index) else {
            return Ok(());
        };
        self.drop_before(index + 1);
        self.trunc_index = index;
        self.trunc_term = term;
        if let Some(disk) = &mut self.disk {
            disk.log
                .compact(index.min(self.snapshot.get_metadata().index))?;
        }
        Ok(())
    }

    fn drop_before(&mut self, index: u64) {
        while self.entries.front().is_some_and(|e| e.index < index) {
            if let Some(e) = self.entries.pop_front() {
                self.entry_bytes -= e.data.len();
            }
        }
    }

    fn term_of(&self, index: u64) -> Option<u64> {
        if index == self.trunc_index {
            return Some(self.trunc_term);
        }
        if index < self.trunc_index || index > self.last() {
            return None;
        }
        Some(self.entries[(index - self.trunc_index - 1) as usize].term)
    }

    /// The directory of a durable group.
    pub fn dir(&self) -> Option<&Path> {
        self.disk.as_ref().map(|d| d.dir.as_path())
    }
}

impl raft::Storage for GroupStorage {
    fn initial_state(&self) -> raft::Result<RaftState> {
        Ok(RaftState {
            hard_state: self.hard.clone(),
            conf_state: self.conf.clone(),
        })
    }

    fn entries(
        &self,
        low: u64,
        high: u64,
        max_size: impl Into<Option<u64>>,
        _context: GetEntriesContext,
    ) -> raft::Result<Vec<Entry>> {
        if low <= self.trunc_index {
            return Err(raft::Error::Store(StorageError::Compacted));
        }
        if high > self.last() + 1 {
            return Err(raft::Error::Store(StorageError::Unavailable));
        }
        let max = max_size.into().unwrap_or(u64::MAX);
        let mut out = Vec::with_capacity((high - low) as usize);
        let mut size = 0u64;
        for i in low..high {
            let e = &self.entries[(i - self.trunc_index - 1) as usize];
            size += (e.data.len() + e.context.len() + 16) as u64;
            if !out.is_empty() && size > max {
                break;
            }
            out.push(e.clone());
        }
        Ok(out)
    }

    fn term(&self, idx: u64) -> raft::Result<u64> {
        if idx < self.trunc_index {
            return Err(raft::Error::Store(StorageError::Compacted));
        }
        self.term_of(idx)
            .ok_or(raft::Error::Store(StorageError::Unavailable))
    }

    fn first_index(&self) -> raft::Result<u64> {
        Ok(self.trunc_index + 1)
    }

    fn last_index(&self) -> raft::Result<u64> {
        Ok(self.last())
    }

    fn snapshot(&self, request_index: u64, _to: u64) -> raft::Result<Snapshot> {
        let have = self.snapshot.get_metadata().index;
        if have == 0 || have < request_index || have < self.trunc_index {
            self.snapshot_wanted.fetch_max(
                request_index.max(self.trunc_index).max(1),
                Ordering::Relaxed,
            );
            return Err(raft::Error::Store(
                StorageError::SnapshotTemporarilyUnavailable,
            ));
        }
        Ok(self.snapshot.clone())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::log::testdir::TempDir;
    use raft::Storage;

    fn entry(index: u64, term: u64, data: &[u8]) -> Entry {
        Entry {
            index,
            term,
            data: Bytes::copy_from_slice(data),
            ..Default::default()
        }
    }

    #[test]
    fn entry_record_golden_bytes() {
        let mut e = entry(7, 3, b"set");
        e.context = Bytes::from_static(b"c");
        assert_eq!(&encode_entry(&e)[..], b"\x00\x01\x00\x00\x00cset");
        let back = decode_entry(7, 3, encode_entry(&e)).unwrap();
        assert_eq!(back, e);
        assert!(decode_entry(1, 1, Bytes::from_static(b"\x00\x09\x00\x00\x00c")).is_none());
        assert!(decode_entry(1, 1, Bytes::from_static(b"\x07\x00\x00\x00\x00")).is_none());
    }

    #[test]
    fn memory_storage_appends_overwrites_and_compacts() {
        let mut s = GroupStorage::open(&Durability::Memory, &[1]).unwrap();
        assert_eq!(s.initial_state().unwrap().conf_state.voters, vec![1]);
        s.append(&[entry(1, 1, b"a"), entry(2, 1, b"b"), entry(3, 1, b"c")])
            .unwrap();
        s.append(&[entry(3, 2, b"C"), entry(4, 2, b"d")]).unwrap();
        assert_eq!(s.last_index().unwrap(), 4);
        assert_eq!(s.term(3).unwrap(), 2);
        let got = s
            .entries(2, 5, None, GetEntriesContext::empty(false))
            .unwrap();
        assert_eq!(
            got.iter().map(|e| e.index).collect::<Vec<_>>(),
            vec![2, 3, 4]
        );
        s.compact(2).unwrap();
        assert_eq!(s.first_index().unwrap(), 3);
        assert_eq!(s.term(2).unwrap(), 1);
        assert!(s
            .entries(2, 3, None, GetEntriesContext::empty(false))
            .is_err());
        // No snapshot yet: a peer asking for one is recorded for the driver.
        assert!(s.snapshot(2, 2).is_err());
        assert_eq!(s.snapshot_wanted(), 2);
        s.create_snapshot(4, Bytes::from_static(b"state")).unwrap();
        assert_eq!(s.snapshot_wanted(), 0);
        assert_eq!(s.snapshot(3, 2).unwrap().get_metadata().index, 4);
    }

    #[test]
    fn disk_storage_survives_reopen() {
        let d = TempDir::new();
        let durability = Durability::Disk {
            dir: d.path().join("g"),
            fsync: Fsync::Always,
        };
        {
            let mut s = GroupStorage::open(&durability, &[1, 2, 3]).unwrap();
            s.append(&[entry(1, 1, b"a"), entry(2, 1, b"b")]).unwrap();
            let hs = HardState {
                term: 1,
                vote: 2,
                commit: 2,
                ..Default::default()
            };
            s.set_hard_state(hs).unwrap();
            s.sync(false).unwrap();
        }
        let s = GroupStorage::open(&durability, &[9]).unwrap();
        let st = s.initial_state().unwrap();
        assert_eq!(
            st.conf_state.voters,
            vec![1, 2, 3],
            "membership comes from disk"
        );
        assert_eq!((st.hard_state.term, st.hard_state.vote), (1, 2));
        assert_eq!(s.last_index().unwrap(), 2);
        assert_eq!(
            s.entries(1, 3, None, GetEntriesContext::empty(false))
                .unwrap()[1]
                .data,
            Bytes::from_static(b"b")
        );
    }

    #[test]
    fn installed_snapshot_replaces_the_log_on_disk() {
        let d = TempDir::new();
        let durability = Durability::Disk {
            dir: d.path().join("g"),
            fsync: Fsync::Always,
        };
        {
            let mut s = GroupStorage::open(&durability, &[1, 2]).unwrap();
            s.append(&[entry(1, 1, b"a")]).unwrap();
            let mut snap = Snapshot {
                data: Bytes::from_static(b"keyspace"),
                ..Default::default()
            };
            snap.mut_metadata().index = 10;
            snap.mut_metadata().term = 3;
            snap.mut_metadata().mut_conf_state().voters = vec![1, 2, 3];
            s.apply_snapshot(snap).unwrap();
            s.append(&[entry(11, 3, b"k")]).unwrap();
            s.sync(false).unwrap();
        }
        let s = GroupStorage::open(&durability, &[]).unwrap();
        assert_eq!(s.first_index().unwrap(), 11);
        assert_eq!(s.last_index().unwrap(), 11);
        assert_eq!(s.term(10).unwrap(), 3);
        assert_eq!(&s.latest_snapshot().data[..], b"keyspace");
        assert_eq!(s.conf_state().voters, vec![1, 2, 3]);
    }
}
