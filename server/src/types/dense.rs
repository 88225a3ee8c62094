//! [`Dense`]: the `hashtable` encoding of big hashes, sets and sorted sets' member index.
//!
//! Items live in a `Vec` in insertion order; a `HashTable<u32>` maps a key's hash to the item's
//! position (4 bytes per bucket, not a copy of the item). Removal swaps the last item into the
//! hole. So the item order is a function of the operations applied alone — no hash seed, no
//! table layout — and a replica that replayed the log, one that loaded a snapshot (written in
//! item order) and the leader all hold the same order: a seeded random pick by position
//! (SPOP) chooses the same member everywhere.
//!
//! Growth is by half the current size rather than doubling, to keep the slack of a big
//! collection near Redis's.

use hashbrown::{DefaultHashBuilder, HashTable};
use std::hash::BuildHasher;

use crate::compact::CompactBytes;

/// An item with a byte-string key.
pub trait Keyed {
    /// The key the table indexes.
    fn key(&self) -> &[u8];
}

impl Keyed for CompactBytes {
    fn key(&self) -> &[u8] {
        self.as_slice()
    }
}

impl<V> Keyed for (CompactBytes, V) {
    fn key(&self) -> &[u8] {
        self.0.as_slice()
    }
}

/// An insertion-ordered table of keyed items.
#[derive(Clone, Default)]
pub struct Dense<T> {
    items: Vec<T>,
    index: HashTable<u32>,
    hasher: DefaultHashBuilder,
}

impl<T: Keyed> Dense<T> {
    /// An empty table with room for `n` items.
    pub fn with_capacity(n: usize) -> Dense<T> {
        Dense {
            items: Vec::with_capacity(n),
            index: HashTable::with_capacity(n),
            hasher: DefaultHashBuilder::default(),
        }
    }

    /// Number of items.
    pub fn len(&self) -> usize {
        self.items.len()
    }

    /// True when empty.
    pub fn is_empty(&self) -> bool {
        self.items.is_empty()
    }

    /// The items, in table order.
    pub fn items(&self) -> &[T] {
        &self.items
    }

    /// The item at position `i`.
    pub fn at(&self, i: usize) -> Option<&T> {
        self.items.get(i)
    }

    /// The item at position `i`, mutably. Its key must not change.
    pub fn at_mut(&mut self, i: usize) -> Option<&mut T> {
        self.items.get_mut(i)
    }

    /// Heap bytes owned by the table itself (items' own heap data is the caller's to add).
    pub fn heap_size(&self) -> usize {
        self.items.capacity() * std::mem::size_of::<T>() + self.index.capacity() * 5
    }

    /// Position of the item with `key`.
    pub fn position(&self, key: &[u8]) -> Option<usize> {
        let hash = self.hasher.hash_one(key);
        let items = &self.items;
        self.index
            .find(hash, |&i| items[i as usize].key() == key)
            .map(|&i| i as usize)
    }

    /// The item with `key`.
    pub fn get(&self, key: &[u8]) -> Option<&T> {
        self.position(key).map(|i| &self.items[i])
    }

    /// The item with `key`, mutably. Its key must not change.
    pub fn get_mut(&mut self, key: &[u8]) -> Option<&mut T> {
        self.position(key).map(|i| &mut self.items[i])
    }

    /// Adds `item`, whose key must be absent; returns its position.
    pub fn push_new(&mut self, item: T) -> usize {
        if self.items.len() == self.items.capacity() {
            let grow = (self.items.len() / 2).max(4);
            self.items.reserve_exact(grow);
        }
        let hash = self.hasher.hash_one(item.key());
        let pos = self.items.len() as u32;
        self.items.push(item);
        let (items, hasher) = (&self.items, &self.hasher);
        self.index
            .insert_unique(hash, pos, |&i| hasher.hash_one(items[i as usize].key()));
        pos as usize
    }

    /// Adds `item` or replaces the item with the same key; returns the replaced one.
    pub fn insert(&mut self, item: T) -> Option<T> {
        match self.position(item.key()) {
            Some(i) => Some(std::mem::replace(&mut self.items[i], item)),
            None => {
                self.push_new(item);
                None
            }
        }
    }

    /// Removes the item at position `i`: the last item takes its place.
    ///
    /// # Panics
    /// If `i` is out of range.
    pub fn swap_remove_at(&mut self, i: usize) -> T {
        let hash = self.hasher.hash_one(self.items[i].key());
        if let Ok(found) = self.index.find_entry(hash, |&p| p as usize == i) {
            found.remove();
        }
        let last = self.items.len() - 1;
        if i != last {
            let moved_hash = self.hasher.hash_one(self.items[last].key());
            if let Some(p) = self.index.find_mut(moved_hash, |&p| p as usize == last) {
                *p = i as u32;
            }
        }
        self.items.swap_remove(i)
    }

    /// Removes the item with `key`.
    pub fn remove(&mut self, key: &[u8]) -> Option<T> {
        let i = self.position(key)?;
        Some(self.swap_remove_at(i))
    }
}

/// One step of HSCAN/SSCAN/ZSCAN over a [`Dense`] of `len` items: the positions to return and
/// the next cursor (0 when done).
///
/// Positions are walked from the top down: cursor 0 starts at `len`, cursor `c` means
/// "positions below `c` are left". A removal swaps the last item into the hole, so an item only
/// ever moves down from the top (already visited) or within the unvisited range — never from
/// the unvisited range into the visited one. Every item present for the whole scan is returned
/// (some perhaps twice), which is SCAN's guarantee.
pub fn scan_step(len: usize, cursor: u64, count: usize) -> (u64, std::ops::Range<usize>) {
    let top = if cursor == 0 {
        len
    } else {
        usize::try_from(cursor).unwrap_or(usize::MAX).min(len)
    };
    let bottom = top.saturating_sub(count.max(1));
    (bottom as u64, bottom..top)
}

impl<T: PartialEq> PartialEq for Dense<T> {
    fn eq(&self, other: &Self) -> bool {
        self.items == other.items
    }
}

impl<T: std::fmt::Debug> std::fmt::Debug for Dense<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_list().entries(self.items.iter()).finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn cb(s: &str) -> CompactBytes {
        CompactBytes::new(s.as_bytes())
    }

    #[test]
    fn removal_swaps_the_last_item_in() {
        let mut d: Dense<CompactBytes> = Dense::with_capacity(0);
        for k in ["a", "b", "c", "d"] {
            d.push_new(cb(k));
        }
        assert_eq!(d.remove(b"b"), Some(cb("b")));
        let order: Vec<&[u8]> = d.items().iter().map(|i| i.as_slice()).collect();
        assert_eq!(order, vec![&b"a"[..], b"d", b"c"]);
        assert_eq!(d.position(b"d"), Some(1));
        assert_eq!(d.position(b"b"), None);
    }

    #[test]
    fn scan_returns_every_item_present_throughout() {
        let mut d: Dense<CompactBytes> = Dense::with_capacity(0);
        for i in 0..100 {
            d.push_new(cb(&format!("m{i}")));
        }
        let (mut cursor, mut seen) = (0u64, std::collections::HashSet::new());
        let mut round = 0;
        loop {
            let (next, range) = scan_step(d.len(), cursor, 7);
            for i in range {
                seen.insert(d.at(i).unwrap().clone());
            }
            // Churn between calls: remove low items (swaps the top in), add new ones.
            d.remove(format!("m{}", round * 3).as_bytes());
            d.push_new(cb(&format!("new{round}")));
            round += 1;
            if next == 0 {
                break;
            }
            cursor = next;
        }
        for i in 0..100 {
            let removed = i % 3 == 0 && i / 3 < round;
            if !removed {
                assert!(seen.contains(&cb(&format!("m{i}"))), "m{i} missed");
            }
        }
    }

    proptest::proptest! {
        #[test]
        fn matches_a_map_model(ops in proptest::collection::vec((0u8..3, 0u8..40, 0u32..1000), 0..400)) {
            let mut d: Dense<(CompactBytes, u32)> = Dense::with_capacity(0);
            let mut model: HashMap<Vec<u8>, u32> = HashMap::new();
            for (op, k, v) in ops {
                let key = format!("key:{k}").into_bytes();
                match op {
                    0 => {
                        let old = d.insert((CompactBytes::new(&key), v)).map(|(_, v)| v);
                        proptest::prop_assert_eq!(old, model.insert(key, v));
                    }
                    1 => {
                        let old = d.remove(&key).map(|(_, v)| v);
                        proptest::prop_assert_eq!(old, model.remove(&key));
                    }
                    _ => {
                        proptest::prop_assert_eq!(d.get(&key).map(|(_, v)| *v), model.get(&key).copied());
                    }
                }
                proptest::prop_assert_eq!(d.len(), model.len());
            }
            for (i, (k, v)) in d.items().iter().enumerate() {
                proptest::prop_assert_eq!(d.position(k), Some(i));
                proptest::prop_assert_eq!(model.get(k.as_slice()), Some(v));
            }
        }
    }
}
