//! [`Set`]: Redis's set type in its two 7.0 encodings: `intset` (a sorted array of integers)
//! while every member is an integer in canonical form and there are at most
//! `set-max-intset-entries` of them, `hashtable` ([`Dense`]) otherwise. Never converts back.

use super::dense::Dense;
use super::{get_field, get_varint, put_varint, varint_len, Codec, Digest, Limits};
use crate::cmd::parse::parse_i64;
use crate::compact::CompactBytes;

/// A set.
#[derive(Clone, Debug, PartialEq)]
pub enum Set {
    /// Integers, sorted ascending.
    Intset(Vec<i64>),
    /// Any members, insertion order (swap-remove).
    Table(Dense<CompactBytes>),
}

impl Default for Set {
    fn default() -> Self {
        Set::Intset(Vec::new())
    }
}

/// A member of a set: borrowed bytes, or an integer of an intset rendered on demand.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Member<'a> {
    /// Bytes held by a table.
    Bytes(&'a [u8]),
    /// An intset integer.
    Int(i64),
}

impl Member<'_> {
    /// The member's bytes (integers formatted in decimal).
    pub fn to_bytes(self) -> bytes::Bytes {
        match self {
            Member::Bytes(b) => bytes::Bytes::copy_from_slice(b),
            Member::Int(i) => bytes::Bytes::from(itoa::Buffer::new().format(i).to_owned()),
        }
    }

    /// Calls `f` with the member's bytes without allocating.
    pub fn with_bytes<R>(self, f: impl FnOnce(&[u8]) -> R) -> R {
        match self {
            Member::Bytes(b) => f(b),
            Member::Int(i) => f(itoa::Buffer::new().format(i).as_bytes()),
        }
    }
}

impl Set {
    /// OBJECT ENCODING.
    pub fn encoding(&self) -> &'static str {
        match self {
            Set::Intset(_) => "intset",
            Set::Table(_) => "hashtable",
        }
    }

    /// Number of members.
    pub fn len(&self) -> usize {
        match self {
            Set::Intset(v) => v.len(),
            Set::Table(t) => t.len(),
        }
    }

    /// True when empty.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Heap bytes owned.
    pub fn heap_size(&self) -> usize {
        match self {
            Set::Intset(v) => v.capacity() * 8,
            Set::Table(t) => {
                t.heap_size() + t.items().iter().map(CompactBytes::heap_size).sum::<usize>()
            }
        }
    }

    /// True if `member` is in the set.
    pub fn contains(&self, member: &[u8]) -> bool {
        match self {
            Set::Intset(v) => parse_i64(member).is_some_and(|i| v.binary_search(&i).is_ok()),
            Set::Table(t) => t.position(member).is_some(),
        }
    }

    fn convert_to_table(&mut self) {
        if let Set::Intset(v) = self {
            let mut t = Dense::with_capacity(v.len() + 1);
            for i in v.iter() {
                t.push_new(CompactBytes::new(itoa::Buffer::new().format(*i).as_bytes()));
            }
            // Emptied first, so dropping it is not sent to the lazyfree thread.
            v.clear();
            *self = Set::Table(t);
        }
    }

    /// Adds `member`; true if it is new.
    pub fn insert(&mut self, member: &[u8], limits: &Limits) -> bool {
        if let Set::Intset(v) = self {
            match parse_i64(member) {
                Some(i) => {
                    return match v.binary_search(&i) {
                        Ok(_) => false,
                        Err(at) => {
                            v.insert(at, i);
                            if v.len() > limits.set_max_intset_entries as usize {
                                self.convert_to_table();
                            }
                            true
                        }
                    };
                }
                None => self.convert_to_table(),
            }
        }
        match self {
            Set::Table(t) => {
                if t.position(member).is_some() {
                    return false;
                }
                t.push_new(CompactBytes::new(member));
                true
            }
            Set::Intset(_) => unreachable!("converted above"),
        }
    }

    /// Removes `member`; true if it was there.
    pub fn remove(&mut self, member: &[u8]) -> bool {
        match self {
            Set::Intset(v) => match parse_i64(member).map(|i| v.binary_search(&i)) {
                Some(Ok(at)) => {
                    v.remove(at);
                    true
                }
                _ => false,
            },
            Set::Table(t) => t.remove(member).is_some(),
        }
    }

    /// The member at position `i` (random picks), O(1).
    pub fn at(&self, i: usize) -> Option<Member<'_>> {
        match self {
            Set::Intset(v) => v.get(i).map(|&x| Member::Int(x)),
            Set::Table(t) => t.at(i).map(|m| Member::Bytes(m.as_slice())),
        }
    }

    /// Removes the member at position `i` and returns its bytes.
    pub fn remove_at(&mut self, i: usize) -> bytes::Bytes {
        match self {
            Set::Intset(v) => Member::Int(v.remove(i)).to_bytes(),
            Set::Table(t) => bytes::Bytes::copy_from_slice(t.swap_remove_at(i).as_slice()),
        }
    }

    /// The members, in the set's order.
    pub fn iter(&self) -> impl Iterator<Item = Member<'_>> {
        let (ints, table) = match self {
            Set::Intset(v) => (Some(v.iter().map(|&i| Member::Int(i))), None),
            Set::Table(t) => (
                None,
                Some(t.items().iter().map(|m| Member::Bytes(m.as_slice()))),
            ),
        };
        ints.into_iter()
            .flatten()
            .chain(table.into_iter().flatten())
    }
}

const ENC_INTSET: u8 = 0;
const ENC_TABLE: u8 = 1;

/// `[u8 encoding]` then for intsets `[varint count] [i64 LE]*` (ascending, no duplicates), for
/// tables `[varint count] ([varint len][bytes])*` in table order.
impl Codec for Set {
    fn encoded_len(&self) -> usize {
        1 + varint_len(self.len() as u64)
            + match self {
                Set::Intset(v) => v.len() * 8,
                Set::Table(t) => t
                    .items()
                    .iter()
                    .map(|m| varint_len(m.len() as u64) + m.len())
                    .sum(),
            }
    }

    fn encode(&self, out: &mut Vec<u8>) {
        match self {
            Set::Intset(v) => {
                out.push(ENC_INTSET);
                put_varint(out, v.len() as u64);
                for i in v {
                    out.extend_from_slice(&i.to_le_bytes());
                }
            }
            Set::Table(t) => {
                out.push(ENC_TABLE);
                put_varint(out, t.len() as u64);
                for m in t.items() {
                    put_varint(out, m.len() as u64);
                    out.extend_from_slice(m);
                }
            }
        }
    }

    fn decode(bytes: &[u8]) -> Option<Set> {
        let (&enc, mut rest) = bytes.split_first()?;
        let count = get_varint(&mut rest)?;
        if count > rest.len() as u64 {
            return None;
        }
        match enc {
            ENC_INTSET => {
                if rest.len() as u64 != count * 8 {
                    return None;
                }
                let v: Vec<i64> = rest
                    .chunks_exact(8)
                    .map(|c| i64::from_le_bytes(c.try_into().expect("8-byte chunk")))
                    .collect();
                v.windows(2).all(|w| w[0] < w[1]).then_some(Set::Intset(v))
            }
            ENC_TABLE => {
                let mut t = Dense::with_capacity(count as usize);
                for _ in 0..count {
                    let m = get_field(&mut rest)?;
                    if t.position(m).is_some() {
                        return None;
                    }
                    t.push_new(CompactBytes::new(m));
                }
                rest.is_empty().then_some(Set::Table(t))
            }
            _ => None,
        }
    }
}

impl Digest for Set {
    fn digest(&self, feed: &mut dyn FnMut(&[u8])) {
        for m in self.iter() {
            m.with_bytes(|b| feed(b));
        }
    }
    const UNORDERED: bool = true;
}

/// Big values are freed on the lazyfree thread (`crate::lazyfree`).
impl Drop for Set {
    fn drop(&mut self) {
        if crate::lazyfree::should_defer(self.len()) {
            crate::lazyfree::defer(std::mem::take(self));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn small() -> Limits {
        Limits {
            set_max_intset_entries: 3,
            ..Limits::default()
        }
    }

    #[test]
    fn intset_until_too_many_or_not_an_integer() {
        let mut s = Set::default();
        for m in ["3", "1", "2", "1"] {
            s.insert(m.as_bytes(), &small());
        }
        assert_eq!(s, Set::Intset(vec![1, 2, 3]));
        assert!(s.contains(b"2") && !s.contains(b"02"));
        s.insert(b"4", &small());
        assert_eq!(s.encoding(), "hashtable");
        assert!(s.contains(b"1") && s.contains(b"4"));
        let mut s = Set::default();
        s.insert(b"1", &small());
        s.insert(b"01", &small());
        assert_eq!(s.encoding(), "hashtable");
        assert_eq!(s.len(), 2);
    }

    #[test]
    fn codec_round_trips_and_rejects_corruption() {
        for members in [vec!["1", "-5", "9"], vec!["a", "b", "1"]] {
            let mut s = Set::default();
            for m in members {
                s.insert(m.as_bytes(), &Limits::default());
            }
            let mut out = Vec::new();
            s.encode(&mut out);
            assert_eq!(out.len(), s.encoded_len());
            assert_eq!(Set::decode(&out), Some(s.clone()));
            for cut in 0..out.len() {
                assert_eq!(Set::decode(&out[..cut]), None);
            }
        }
        // Unsorted intset.
        let mut bad = vec![ENC_INTSET, 2];
        bad.extend_from_slice(&5i64.to_le_bytes());
        bad.extend_from_slice(&1i64.to_le_bytes());
        assert_eq!(Set::decode(&bad), None);
    }
}
