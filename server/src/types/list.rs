//! [`List`]: Redis's list type. Elements sit in a ring buffer of inline-when-short strings, so
//! pushes and pops at both ends are O(1) and LINDEX/LSET are O(1) (Redis's quicklist makes
//! them O(n)). OBJECT ENCODING reports `quicklist`, as Redis 7.0 does for every list.

use std::collections::VecDeque;

use super::{get_field, get_varint, put_varint, varint_len, Codec, Digest};
use crate::compact::CompactBytes;

/// A list.
#[derive(Clone, Debug, PartialEq, Default)]
pub struct List {
    items: VecDeque<CompactBytes>,
}

/// One end of a list.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum End {
    /// The head (LPUSH, LPOP).
    Left,
    /// The tail (RPUSH, RPOP).
    Right,
}

impl List {
    /// OBJECT ENCODING.
    pub fn encoding(&self) -> &'static str {
        "quicklist"
    }

    /// Number of elements.
    pub fn len(&self) -> usize {
        self.items.len()
    }

    /// True when empty.
    pub fn is_empty(&self) -> bool {
        self.items.is_empty()
    }

    /// Heap bytes owned.
    pub fn heap_size(&self) -> usize {
        self.items.capacity() * std::mem::size_of::<CompactBytes>()
            + self
                .items
                .iter()
                .map(CompactBytes::heap_size)
                .sum::<usize>()
    }

    /// Adds `item` at `end`.
    pub fn push(&mut self, end: End, item: &[u8]) {
        let item = CompactBytes::new(item);
        match end {
            End::Left => self.items.push_front(item),
            End::Right => self.items.push_back(item),
        }
    }

    /// Removes the element at `end`.
    pub fn pop(&mut self, end: End) -> Option<CompactBytes> {
        match end {
            End::Left => self.items.pop_front(),
            End::Right => self.items.pop_back(),
        }
    }

    /// The element at `i` (0 = head).
    pub fn get(&self, i: usize) -> Option<&[u8]> {
        self.items.get(i).map(CompactBytes::as_slice)
    }

    /// Replaces the element at `i`; false if out of range.
    pub fn set(&mut self, i: usize, item: &[u8]) -> bool {
        match self.items.get_mut(i) {
            Some(slot) => {
                *slot = CompactBytes::new(item);
                true
            }
            None => false,
        }
    }

    /// Inserts `item` before position `i` (`i == len` appends).
    pub fn insert(&mut self, i: usize, item: &[u8]) {
        self.items.insert(i, CompactBytes::new(item));
    }

    /// Removes the element at `i`.
    pub fn remove(&mut self, i: usize) -> Option<CompactBytes> {
        self.items.remove(i)
    }

    /// Keeps only the elements in `start..end` (LTRIM).
    pub fn retain_range(&mut self, start: usize, end: usize) {
        self.items.truncate(end);
        self.items.drain(..start.min(self.items.len()));
    }

    /// Keeps the elements for which `keep` is true, in order (LREM).
    pub fn retain(&mut self, keep: impl FnMut(&CompactBytes) -> bool) {
        self.items.retain(keep);
    }

    /// The elements, head to tail.
    pub fn iter(&self) -> impl DoubleEndedIterator<Item = &[u8]> + ExactSizeIterator {
        self.items.iter().map(CompactBytes::as_slice)
    }

    /// The elements in `start..end`, head to tail.
    pub fn range(&self, start: usize, end: usize) -> impl DoubleEndedIterator<Item = &[u8]> {
        self.items.range(start..end).map(CompactBytes::as_slice)
    }
}

/// `[varint count] ([varint len][bytes])*`, head to tail.
impl Codec for List {
    fn encoded_len(&self) -> usize {
        varint_len(self.len() as u64)
            + self
                .iter()
                .map(|i| varint_len(i.len() as u64) + i.len())
                .sum::<usize>()
    }

    fn encode(&self, out: &mut Vec<u8>) {
        put_varint(out, self.len() as u64);
        for item in self.iter() {
            put_varint(out, item.len() as u64);
            out.extend_from_slice(item);
        }
    }

    fn decode(bytes: &[u8]) -> Option<List> {
        let mut rest = bytes;
        let count = get_varint(&mut rest)?;
        if count > rest.len() as u64 {
            return None;
        }
        let mut items = VecDeque::with_capacity(count as usize);
        for _ in 0..count {
            items.push_back(CompactBytes::new(get_field(&mut rest)?));
        }
        rest.is_empty().then_some(List { items })
    }
}

impl Digest for List {
    fn digest(&self, feed: &mut dyn FnMut(&[u8])) {
        for item in self.iter() {
            feed(item);
        }
    }
    const UNORDERED: bool = false;
}

/// Big values are freed on the lazyfree thread (`crate::lazyfree`).
impl Drop for List {
    fn drop(&mut self) {
        if crate::lazyfree::should_defer(self.len()) {
            crate::lazyfree::defer(std::mem::take(self));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ends_ranges_and_codec() {
        let mut l = List::default();
        l.push(End::Right, b"b");
        l.push(End::Left, b"a");
        l.push(End::Right, &[b'c'; 40]);
        assert_eq!(l.get(0), Some(&b"a"[..]));
        assert_eq!(l.range(1, 2).collect::<Vec<_>>(), vec![&b"b"[..]]);
        let mut out = Vec::new();
        l.encode(&mut out);
        assert_eq!(out.len(), l.encoded_len());
        assert_eq!(List::decode(&out), Some(l.clone()));
        for cut in 0..out.len() {
            assert_eq!(List::decode(&out[..cut]), None);
        }
        l.retain_range(1, 2);
        assert_eq!(l.iter().collect::<Vec<_>>(), vec![&b"b"[..]]);
        assert_eq!(l.pop(End::Left).unwrap().as_slice(), b"b");
        assert!(l.is_empty());
    }
}
