//! [`Listpack`]: a packed sequence of small byte strings in one allocation, the compact
//! encoding of small hashes (field, value, field, value…) and sorted sets (member, score…).
//!
//! Each element is `[LEB128 length][bytes]`, so a 10-byte field costs 11 bytes instead of a
//! 24-byte handle plus an allocation. Elements are addressed by byte offset; every operation is
//! a linear scan, which is the point: the encoding is only used below a few hundred elements
//! (`hash-max-listpack-entries`…), where a scan over one cache-friendly buffer beats hashing.

/// A packed sequence of byte strings.
#[derive(Clone, Default, PartialEq, Eq)]
pub struct Listpack {
    buf: Vec<u8>,
    len: u32,
}

fn varint_len(mut v: usize) -> usize {
    let mut n = 1;
    while v >= 0x80 {
        v >>= 7;
        n += 1;
    }
    n
}

fn put_varint(out: &mut Vec<u8>, mut v: usize) {
    while v >= 0x80 {
        out.push((v as u8) | 0x80);
        v >>= 7;
    }
    out.push(v as u8);
}

impl Listpack {
    /// An empty listpack.
    pub fn new() -> Listpack {
        Listpack::default()
    }

    /// Number of elements.
    pub fn len(&self) -> usize {
        self.len as usize
    }

    /// True when there are no elements.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Bytes used by the packed elements.
    pub fn bytes(&self) -> usize {
        self.buf.len()
    }

    /// Heap bytes owned.
    pub fn heap_size(&self) -> usize {
        self.buf.capacity()
    }

    /// The element at byte offset `off` and the offset of the next one.
    ///
    /// # Panics
    /// If `off` is not the offset of an element (callers only pass offsets this listpack gave).
    pub fn get(&self, off: usize) -> (&[u8], usize) {
        let mut len = 0usize;
        let mut shift = 0;
        let mut pos = off;
        loop {
            let b = self.buf[pos];
            pos += 1;
            len |= ((b & 0x7f) as usize) << shift;
            if b & 0x80 == 0 {
                break;
            }
            shift += 7;
        }
        (&self.buf[pos..pos + len], pos + len)
    }

    /// The offset one past the last element (where [`Listpack::insert`] appends).
    pub fn end(&self) -> usize {
        self.buf.len()
    }

    /// Elements with their offsets, front to back.
    pub fn iter(&self) -> Iter<'_> {
        Iter { lp: self, off: 0 }
    }

    /// Appends one element.
    pub fn push(&mut self, item: &[u8]) {
        put_varint(&mut self.buf, item.len());
        self.buf.extend_from_slice(item);
        self.len += 1;
    }

    /// Inserts `items` before the element at `off` (or at the end when `off == end()`).
    pub fn insert(&mut self, off: usize, items: &[&[u8]]) {
        let mut packed = Vec::with_capacity(items.iter().map(|i| i.len() + 2).sum());
        for item in items {
            put_varint(&mut packed, item.len());
            packed.extend_from_slice(item);
        }
        self.buf.splice(off..off, packed);
        self.len += items.len() as u32;
    }

    /// Replaces the element at `off` with `item`.
    pub fn replace(&mut self, off: usize, item: &[u8]) {
        let (_, next) = self.get(off);
        let mut packed = Vec::with_capacity(varint_len(item.len()) + item.len());
        put_varint(&mut packed, item.len());
        packed.extend_from_slice(item);
        self.buf.splice(off..next, packed);
    }

    /// Removes `count` consecutive elements starting at `off`.
    pub fn remove(&mut self, off: usize, count: usize) {
        let mut end = off;
        for _ in 0..count {
            end = self.get(end).1;
        }
        self.buf.drain(off..end);
        self.len -= count as u32;
    }

    /// Removes every element.
    pub fn clear(&mut self) {
        self.buf.clear();
        self.len = 0;
    }
}

impl std::fmt::Debug for Listpack {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_list()
            .entries(self.iter().map(|(_, b)| bytes::Bytes::copy_from_slice(b)))
            .finish()
    }
}

/// Iterator over `(offset, element)`.
pub struct Iter<'a> {
    lp: &'a Listpack,
    off: usize,
}

impl<'a> Iterator for Iter<'a> {
    type Item = (usize, &'a [u8]);

    fn next(&mut self) -> Option<Self::Item> {
        if self.off >= self.lp.buf.len() {
            return None;
        }
        let at = self.off;
        let (item, next) = self.lp.get(at);
        self.off = next;
        Some((at, item))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn items(lp: &Listpack) -> Vec<Vec<u8>> {
        lp.iter().map(|(_, b)| b.to_vec()).collect()
    }

    #[test]
    fn push_insert_replace_remove() {
        let mut lp = Listpack::new();
        lp.push(b"a");
        lp.push(&[7u8; 200]);
        lp.push(b"");
        assert_eq!(lp.len(), 3);
        let offs: Vec<usize> = lp.iter().map(|(o, _)| o).collect();
        assert_eq!(offs, vec![0, 2, 204]);
        lp.insert(offs[1], &[b"x", b"yz"]);
        assert_eq!(
            items(&lp),
            vec![
                b"a".to_vec(),
                b"x".to_vec(),
                b"yz".to_vec(),
                vec![7; 200],
                vec![]
            ]
        );
        lp.replace(2, b"long replacement");
        assert_eq!(items(&lp)[1], b"long replacement".to_vec());
        lp.remove(0, 2);
        assert_eq!(items(&lp), vec![b"yz".to_vec(), vec![7; 200], vec![]]);
        assert_eq!(lp.len(), 3);
        lp.insert(lp.end(), &[b"tail"]);
        assert_eq!(items(&lp).last().unwrap(), b"tail");
        lp.clear();
        assert!(lp.is_empty() && lp.bytes() == 0);
    }

    proptest::proptest! {
        #[test]
        fn matches_a_vec_model(ops in proptest::collection::vec(
            (0u8..4, proptest::collection::vec(proptest::num::u8::ANY, 0..300), 0usize..50), 0..60)) {
            let mut lp = Listpack::new();
            let mut model: Vec<Vec<u8>> = Vec::new();
            for (op, bytes, at) in ops {
                let offs: Vec<usize> = lp.iter().map(|(o, _)| o).collect();
                match op {
                    0 => { lp.push(&bytes); model.push(bytes); }
                    1 => {
                        let i = at.min(model.len());
                        let off = offs.get(i).copied().unwrap_or(lp.end());
                        lp.insert(off, &[&bytes]);
                        model.insert(i, bytes);
                    }
                    2 if !model.is_empty() => {
                        let i = at % model.len();
                        lp.replace(offs[i], &bytes);
                        model[i] = bytes;
                    }
                    3 if !model.is_empty() => {
                        let i = at % model.len();
                        let n = 1 + at % (model.len() - i);
                        lp.remove(offs[i], n);
                        model.drain(i..i + n);
                    }
                    _ => {}
                }
                proptest::prop_assert_eq!(items(&lp), model.clone());
                proptest::prop_assert_eq!(lp.len(), model.len());
            }
        }
    }
}
