//! The keyspace: 16 (configurable) databases of key → [`Value`], with expiry times.
//!
//! Each [`Db`] stores entries in a segmented slab (stable `u32` slot numbers, no copying on growth)
//! and indexes them with a `hashbrown::HashTable<u32>`: 4 bytes per bucket instead of a full entry,
//! which is how a small string key costs ~66 bytes instead of Redis's ~104. The stable slot number
//! is also the SCAN cursor: a key present for the whole scan never moves, so it is returned.
//!
//! Keys with a TTL are also listed in `volatile` (slot, deadline) for O(1) random sampling by
//! active expiry; each entry remembers its position there.
//!
//! This module knows nothing about commands, time sources or replication: callers pass `now_ms`.

use hashbrown::{DefaultHashBuilder, HashTable};
use std::hash::BuildHasher;

use crate::compact::CompactBytes;
use crate::value::Value;

const SEGMENT: usize = 1024;
const NO_TTL: u32 = u32::MAX;

/// One key and its value.
#[derive(Debug)]
pub struct Entry {
    /// The key.
    pub key: CompactBytes,
    /// The value.
    pub value: Value,
    /// Last access, in seconds of the LRU clock (OBJECT IDLETIME).
    pub lru: u32,
    /// Position in `Db::volatile`, or `NO_TTL`.
    vpos: u32,
}

/// One numbered database (SELECT n).
pub struct Db {
    table: HashTable<u32>,
    hasher: DefaultHashBuilder,
    segments: Vec<Box<[Option<Entry>]>>,
    /// Slot numbers below this have been handed out at least once.
    high: u32,
    free: Vec<u32>,
    volatile: Vec<(u32, u64)>,
}

impl Default for Db {
    fn default() -> Self {
        Db {
            table: HashTable::new(),
            hasher: DefaultHashBuilder::default(),
            segments: Vec::new(),
            high: 0,
            free: Vec::new(),
            volatile: Vec::new(),
        }
    }
}

fn hash_key(hasher: &DefaultHashBuilder, key: &[u8]) -> u64 {
    hasher.hash_one(key)
}

fn slot_ref(segments: &[Box<[Option<Entry>]>], slot: u32) -> Option<&Entry> {
    let s = slot as usize;
    segments
        .get(s / SEGMENT)
        .and_then(|seg| seg[s % SEGMENT].as_ref())
}

impl Db {
    /// Number of keys, including expired ones not yet deleted.
    pub fn len(&self) -> usize {
        self.table.len()
    }

    /// True when there are no keys.
    pub fn is_empty(&self) -> bool {
        self.table.is_empty()
    }

    /// Number of keys with a TTL.
    pub fn volatile_len(&self) -> usize {
        self.volatile.len()
    }

    /// The slot holding `key`, expired or not.
    pub fn find(&self, key: &[u8]) -> Option<u32> {
        let hash = hash_key(&self.hasher, key);
        let segments = &self.segments;
        self.table
            .find(hash, |&slot| {
                slot_ref(segments, slot).is_some_and(|e| e.key.as_slice() == key)
            })
            .copied()
    }

    /// The entry in `slot`.
    ///
    /// # Panics
    /// If `slot` is not occupied (callers only pass slots they got from this Db).
    pub fn entry(&self, slot: u32) -> &Entry {
        slot_ref(&self.segments, slot).expect("slot is occupied")
    }

    /// The entry in `slot`, mutably.
    ///
    /// # Panics
    /// If `slot` is not occupied.
    pub fn entry_mut(&mut self, slot: u32) -> &mut Entry {
        let s = slot as usize;
        self.segments[s / SEGMENT][s % SEGMENT]
            .as_mut()
            .expect("slot is occupied")
    }

    /// The entry in `slot` if occupied (SCAN, RANDOMKEY).
    pub fn get_slot(&self, slot: u32) -> Option<&Entry> {
        slot_ref(&self.segments, slot)
    }

    /// Slot numbers handed out so far: every occupied slot is below this.
    pub fn slot_limit(&self) -> u32 {
        self.high
    }

    /// The deadline (unix ms) of the key in `slot`, if it has one.
    pub fn expire_at(&self, slot: u32) -> Option<u64> {
        let vpos = self.entry(slot).vpos;
        (vpos != NO_TTL).then(|| self.volatile[vpos as usize].1)
    }

    /// True when the key in `slot` has a deadline at or before `now_ms`.
    pub fn is_expired(&self, slot: u32, now_ms: u64) -> bool {
        self.expire_at(slot).is_some_and(|at| at <= now_ms)
    }

    /// Makes room for `additional` more keys at once (loading a snapshot): one table resize
    /// instead of a rehash at every doubling.
    pub fn reserve(&mut self, additional: usize) {
        let (segments, hasher) = (&self.segments, &self.hasher);
        self.table.reserve(additional, |&other| {
            hash_key(
                hasher,
                &slot_ref(segments, other)
                    .expect("indexed slot is occupied")
                    .key,
            )
        });
        self.segments.reserve(additional / SEGMENT + 1);
    }

    /// Inserts a key known to be absent; returns its slot.
    pub fn insert_new(&mut self, key: CompactBytes, value: Value, lru: u32) -> u32 {
        let slot = match self.free.pop() {
            Some(slot) => slot,
            None => {
                let slot = self.high;
                if slot as usize / SEGMENT == self.segments.len() {
                    self.segments.push((0..SEGMENT).map(|_| None).collect());
                }
                self.high += 1;
                slot
            }
        };
        let hash = hash_key(&self.hasher, &key);
        let s = slot as usize;
        self.segments[s / SEGMENT][s % SEGMENT] = Some(Entry {
            key,
            value,
            lru,
            vpos: NO_TTL,
        });
        let (segments, hasher) = (&self.segments, &self.hasher);
        self.table.insert_unique(hash, slot, |&other| {
            hash_key(
                hasher,
                &slot_ref(segments, other)
                    .expect("indexed slot is occupied")
                    .key,
            )
        });
        slot
    }

    /// Removes the key in `slot` and returns its entry.
    ///
    /// # Panics
    /// If `slot` is not occupied.
    pub fn remove_slot(&mut self, slot: u32) -> Entry {
        self.set_expire(slot, None);
        let s = slot as usize;
        let entry = self.segments[s / SEGMENT][s % SEGMENT]
            .take()
            .expect("slot is occupied");
        let hash = hash_key(&self.hasher, &entry.key);
        if let Ok(found) = self.table.find_entry(hash, |&other| other == slot) {
            found.remove();
        }
        self.free.push(slot);
        entry
    }

    /// Removes `key` if present.
    pub fn remove(&mut self, key: &[u8]) -> Option<Entry> {
        self.find(key).map(|slot| self.remove_slot(slot))
    }

    /// Sets or clears the deadline of the key in `slot`.
    pub fn set_expire(&mut self, slot: u32, at: Option<u64>) {
        let vpos = self.entry(slot).vpos;
        match (vpos != NO_TTL, at) {
            (true, Some(at)) => self.volatile[vpos as usize].1 = at,
            (false, Some(at)) => {
                self.entry_mut(slot).vpos = self.volatile.len() as u32;
                self.volatile.push((slot, at));
            }
            (true, None) => {
                self.volatile.swap_remove(vpos as usize);
                if let Some(&(moved, _)) = self.volatile.get(vpos as usize) {
                    self.entry_mut(moved).vpos = vpos;
                }
                self.entry_mut(slot).vpos = NO_TTL;
            }
            (false, None) => {}
        }
    }

    /// The volatile entry at `index` (for random sampling): its slot and deadline.
    pub fn volatile_at(&self, index: usize) -> Option<(u32, u64)> {
        self.volatile.get(index).copied()
    }

    /// Sum of remaining TTLs and their count, for INFO keyspace `avg_ttl`.
    pub fn ttl_sum(&self, now_ms: u64, sample: usize) -> (u64, u64) {
        let mut sum = 0;
        let mut n = 0;
        for &(_, at) in self.volatile.iter().take(sample) {
            sum += at.saturating_sub(now_ms);
            n += 1;
        }
        (sum, n)
    }

    /// Iterates over every occupied slot (KEYS, FLUSH accounting).
    pub fn iter(&self) -> impl Iterator<Item = (u32, &Entry)> {
        self.segments.iter().enumerate().flat_map(|(i, seg)| {
            seg.iter()
                .enumerate()
                .filter_map(move |(j, e)| e.as_ref().map(|e| ((i * SEGMENT + j) as u32, e)))
        })
    }
}

/// All databases of one shard.
pub struct Keyspace {
    dbs: Vec<Db>,
}

impl Keyspace {
    /// A keyspace with `databases` empty databases.
    pub fn new(databases: usize) -> Keyspace {
        Keyspace {
            dbs: (0..databases.max(1)).map(|_| Db::default()).collect(),
        }
    }

    /// Number of databases.
    pub fn db_count(&self) -> usize {
        self.dbs.len()
    }

    /// Database `index`.
    ///
    /// # Panics
    /// If `index` is out of range; SELECT validates it first.
    pub fn db(&self, index: usize) -> &Db {
        &self.dbs[index]
    }

    /// Database `index`, mutably.
    ///
    /// # Panics
    /// If `index` is out of range.
    pub fn db_mut(&mut self, index: usize) -> &mut Db {
        &mut self.dbs[index]
    }

    /// Two distinct databases at once (MOVE, COPY … DB).
    ///
    /// # Panics
    /// If `a == b` or either is out of range.
    pub fn two_dbs(&mut self, a: usize, b: usize) -> (&mut Db, &mut Db) {
        assert_ne!(a, b);
        if a < b {
            let (lo, hi) = self.dbs.split_at_mut(b);
            (&mut lo[a], &mut hi[0])
        } else {
            let (lo, hi) = self.dbs.split_at_mut(a);
            (&mut hi[0], &mut lo[b])
        }
    }

    /// Empties database `index`, returning the old contents (to drop elsewhere for FLUSHDB ASYNC).
    pub fn take_db(&mut self, index: usize) -> Db {
        std::mem::take(&mut self.dbs[index])
    }

    /// SWAPDB.
    pub fn swap(&mut self, a: usize, b: usize) {
        self.dbs.swap(a, b);
    }

    /// Iterates over all databases.
    pub fn dbs(&self) -> impl Iterator<Item = &Db> {
        self.dbs.iter()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(i: usize) -> CompactBytes {
        CompactBytes::new(format!("key:{i:09}").as_bytes())
    }

    #[test]
    fn entry_is_56_bytes() {
        assert_eq!(std::mem::size_of::<Option<Entry>>(), 56);
    }

    #[test]
    fn insert_find_remove_reuse() {
        let mut db = Db::default();
        for i in 0..3000 {
            db.insert_new(key(i), Value::string(b"v"), 0);
        }
        assert_eq!(db.len(), 3000);
        for i in (0..3000).step_by(2) {
            assert!(db.remove(&key(i)).is_some());
        }
        assert_eq!(db.len(), 1500);
        assert!(db.find(&key(2)).is_none());
        assert!(db.find(&key(3)).is_some());
        let limit = db.slot_limit();
        db.insert_new(key(5000), Value::string(b"w"), 0);
        assert_eq!(db.slot_limit(), limit, "a freed slot is reused");
        assert_eq!(db.iter().count(), 1501);
    }

    #[test]
    fn volatile_positions_survive_swap_remove() {
        let mut db = Db::default();
        let slots: Vec<u32> = (0..10)
            .map(|i| db.insert_new(key(i), Value::string(b""), 0))
            .collect();
        for (i, &s) in slots.iter().enumerate() {
            db.set_expire(s, Some(i as u64 * 10));
        }
        db.set_expire(slots[0], None);
        db.remove_slot(slots[3]);
        assert_eq!(db.volatile_len(), 8);
        for (i, &s) in slots.iter().enumerate() {
            if i == 0 {
                assert_eq!(db.expire_at(s), None);
            } else if i != 3 {
                assert_eq!(db.expire_at(s), Some(i as u64 * 10));
            }
        }
        assert!(db.is_expired(slots[1], 10));
        assert!(!db.is_expired(slots[2], 10));
    }
}
