//! [`Hash`]: Redis's hash type in its two encodings: `listpack` (field, value, field, value…
//! packed in one buffer) while small, `hashtable` ([`Dense`]) once it has more than
//! `hash-max-listpack-entries` fields or a field or value longer than
//! `hash-max-listpack-value` bytes. Like Redis 7.0 it never converts back.

use super::dense::Dense;
use super::listpack::Listpack;
use super::{get_varint, put_varint, Codec, Digest, Limits};
use crate::compact::CompactBytes;

/// A hash.
#[derive(Clone, Debug, PartialEq)]
pub enum Hash {
    /// Small: pairs packed in insertion order.
    Listpack(Listpack),
    /// Big: a table in insertion order (swap-remove).
    Table(Dense<(CompactBytes, CompactBytes)>),
}

impl Default for Hash {
    fn default() -> Self {
        Hash::Listpack(Listpack::new())
    }
}

/// Offset of `field`'s entry in a listpack of pairs.
fn lp_find(lp: &Listpack, field: &[u8]) -> Option<usize> {
    let mut it = lp.iter();
    while let Some((off, f)) = it.next() {
        if f == field {
            return Some(off);
        }
        it.next();
    }
    None
}

impl Hash {
    /// OBJECT ENCODING.
    pub fn encoding(&self) -> &'static str {
        match self {
            Hash::Listpack(_) => "listpack",
            Hash::Table(_) => "hashtable",
        }
    }

    /// Number of fields.
    pub fn len(&self) -> usize {
        match self {
            Hash::Listpack(lp) => lp.len() / 2,
            Hash::Table(t) => t.len(),
        }
    }

    /// True when there are no fields.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Heap bytes owned.
    pub fn heap_size(&self) -> usize {
        match self {
            Hash::Listpack(lp) => lp.heap_size(),
            Hash::Table(t) => {
                t.heap_size()
                    + t.items()
                        .iter()
                        .map(|(f, v)| f.heap_size() + v.heap_size())
                        .sum::<usize>()
            }
        }
    }

    /// The value of `field`.
    pub fn get(&self, field: &[u8]) -> Option<&[u8]> {
        match self {
            Hash::Listpack(lp) => lp_find(lp, field).map(|off| {
                let (_, next) = lp.get(off);
                lp.get(next).0
            }),
            Hash::Table(t) => t.get(field).map(|(_, v)| v.as_slice()),
        }
    }

    /// Converts to the table encoding.
    fn convert_to_table(&mut self) {
        if let Hash::Listpack(lp) = self {
            let mut t = Dense::with_capacity(lp.len() / 2 + 1);
            let mut it = lp.iter();
            while let (Some((_, f)), Some((_, v))) = (it.next(), it.next()) {
                t.push_new((CompactBytes::new(f), CompactBytes::new(v)));
            }
            // Emptied first, so dropping it is not sent to the lazyfree thread.
            lp.clear();
            *self = Hash::Table(t);
        }
    }

    /// Sets `field` to `value`; true if the field is new.
    pub fn insert(&mut self, field: &[u8], value: &[u8], limits: &Limits) -> bool {
        if let Hash::Listpack(_) = self {
            let max = limits.hash_max_listpack_value as usize;
            if field.len() > max || value.len() > max {
                self.convert_to_table();
            }
        }
        let created = match self {
            Hash::Listpack(lp) => match lp_find(lp, field) {
                Some(off) => {
                    let (_, next) = lp.get(off);
                    lp.replace(next, value);
                    false
                }
                None => {
                    lp.insert(lp.end(), &[field, value]);
                    true
                }
            },
            Hash::Table(t) => match t.get_mut(field) {
                Some((_, v)) => {
                    *v = CompactBytes::new(value);
                    false
                }
                None => {
                    t.push_new((CompactBytes::new(field), CompactBytes::new(value)));
                    true
                }
            },
        };
        if self.len() > limits.hash_max_listpack_entries as usize {
            self.convert_to_table();
        }
        created
    }

    /// Removes `field`; true if it was there.
    pub fn remove(&mut self, field: &[u8]) -> bool {
        match self {
            Hash::Listpack(lp) => match lp_find(lp, field) {
                Some(off) => {
                    lp.remove(off, 2);
                    true
                }
                None => false,
            },
            Hash::Table(t) => t.remove(field).is_some(),
        }
    }

    /// The fields and values, in the hash's order.
    pub fn iter(&self) -> Iter<'_> {
        match self {
            Hash::Listpack(lp) => Iter::Listpack(lp.iter()),
            Hash::Table(t) => Iter::Table(t.items().iter()),
        }
    }

    /// The pair at position `i` (random picks): O(1) for tables, a scan for listpacks.
    pub fn at(&self, i: usize) -> Option<(&[u8], &[u8])> {
        match self {
            Hash::Listpack(_) => self.iter().nth(i),
            Hash::Table(t) => t.at(i).map(|(f, v)| (f.as_slice(), v.as_slice())),
        }
    }
}

/// Iterator over a hash's `(field, value)` pairs.
pub enum Iter<'a> {
    /// Over a listpack.
    Listpack(super::listpack::Iter<'a>),
    /// Over a table.
    Table(std::slice::Iter<'a, (CompactBytes, CompactBytes)>),
}

impl<'a> Iterator for Iter<'a> {
    type Item = (&'a [u8], &'a [u8]);

    fn next(&mut self) -> Option<Self::Item> {
        match self {
            Iter::Listpack(it) => {
                let (_, f) = it.next()?;
                let (_, v) = it.next()?;
                Some((f, v))
            }
            Iter::Table(it) => it.next().map(|(f, v)| (f.as_slice(), v.as_slice())),
        }
    }
}

const ENC_LISTPACK: u8 = 0;
const ENC_TABLE: u8 = 1;

/// `[u8 encoding: 0 listpack, 1 hashtable][varint count] ([varint len][field][varint len][value])*`
impl Codec for Hash {
    fn encoded_len(&self) -> usize {
        1 + super::varint_len(self.len() as u64)
            + self
                .iter()
                .map(|(f, v)| {
                    super::varint_len(f.len() as u64)
                        + f.len()
                        + super::varint_len(v.len() as u64)
                        + v.len()
                })
                .sum::<usize>()
    }

    fn encode(&self, out: &mut Vec<u8>) {
        out.push(match self {
            Hash::Listpack(_) => ENC_LISTPACK,
            Hash::Table(_) => ENC_TABLE,
        });
        put_varint(out, self.len() as u64);
        for (f, v) in self.iter() {
            put_varint(out, f.len() as u64);
            out.extend_from_slice(f);
            put_varint(out, v.len() as u64);
            out.extend_from_slice(v);
        }
    }

    fn decode(bytes: &[u8]) -> Option<Hash> {
        let (&enc, mut rest) = bytes.split_first()?;
        let count = get_varint(&mut rest)?;
        // Each pair takes at least two bytes: bounds the allocation by the input.
        if count > rest.len() as u64 / 2 {
            return None;
        }
        let mut hash = match enc {
            ENC_LISTPACK => Hash::Listpack(Listpack::new()),
            ENC_TABLE => Hash::Table(Dense::with_capacity(count as usize)),
            _ => return None,
        };
        for _ in 0..count {
            let f = super::get_field(&mut rest)?;
            let v = super::get_field(&mut rest)?;
            match &mut hash {
                Hash::Listpack(lp) => {
                    if lp_find(lp, f).is_some() {
                        return None;
                    }
                    lp.push(f);
                    lp.push(v);
                }
                Hash::Table(t) => {
                    if t.position(f).is_some() {
                        return None;
                    }
                    t.push_new((CompactBytes::new(f), CompactBytes::new(v)));
                }
            }
        }
        rest.is_empty().then_some(hash)
    }
}

impl Digest for Hash {
    fn digest(&self, feed: &mut dyn FnMut(&[u8])) {
        let mut buf = Vec::new();
        for (f, v) in self.iter() {
            buf.clear();
            buf.extend_from_slice(&(f.len() as u64).to_le_bytes());
            buf.extend_from_slice(f);
            buf.extend_from_slice(v);
            feed(&buf);
        }
    }
    const UNORDERED: bool = true;
}

/// Big values are freed on the lazyfree thread (`crate::lazyfree`).
impl Drop for Hash {
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
            hash_max_listpack_entries: 4,
            hash_max_listpack_value: 8,
            ..Limits::default()
        }
    }

    #[test]
    fn converts_on_entries_and_on_value_length_and_keeps_order() {
        let mut h = Hash::default();
        for i in 0..4 {
            assert!(h.insert(format!("f{i}").as_bytes(), b"v", &small()));
        }
        assert_eq!(h.encoding(), "listpack");
        assert!(!h.insert(b"f1", b"w", &small()));
        assert_eq!(h.get(b"f1"), Some(&b"w"[..]));
        h.insert(b"f4", b"v", &small());
        assert_eq!(h.encoding(), "hashtable");
        let fields: Vec<&[u8]> = h.iter().map(|(f, _)| f).collect();
        assert_eq!(fields, vec![&b"f0"[..], b"f1", b"f2", b"f3", b"f4"]);
        let mut h = Hash::default();
        h.insert(b"f", b"a value longer than 8", &small());
        assert_eq!(h.encoding(), "hashtable");
    }

    #[test]
    fn codec_round_trips_and_rejects_corruption() {
        for n in [0, 3, 50] {
            let mut h = Hash::default();
            for i in 0..n {
                h.insert(format!("field:{i}").as_bytes(), b"x", &small());
            }
            h.remove(b"field:1");
            let mut out = Vec::new();
            h.encode(&mut out);
            assert_eq!(out.len(), h.encoded_len());
            assert_eq!(Hash::decode(&out), Some(h.clone()));
            for cut in 0..out.len() {
                assert_eq!(Hash::decode(&out[..cut]), None);
            }
        }
        // A duplicate field is not something encode produces.
        let dup = [0, 2, 1, b'a', 1, b'1', 1, b'a', 1, b'2'];
        assert_eq!(Hash::decode(&dup), None);
    }

    proptest::proptest! {
        #[test]
        fn matches_a_map_model(ops in proptest::collection::vec((proptest::bool::ANY, 0u8..12, 0usize..12), 0..200)) {
            let mut h = Hash::default();
            let mut model = std::collections::HashMap::new();
            for (set, f, vlen) in ops {
                let field = format!("f{f}").into_bytes();
                if set {
                    let value = vec![b'v'; vlen];
                    proptest::prop_assert_eq!(h.insert(&field, &value, &small()), model.insert(field, value).is_none());
                } else {
                    proptest::prop_assert_eq!(h.remove(&field), model.remove(&field).is_some());
                }
                proptest::prop_assert_eq!(h.len(), model.len());
            }
            for (f, v) in &model {
                proptest::prop_assert_eq!(h.get(f), Some(&v[..]));
            }
        }
    }
}
