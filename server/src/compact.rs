//! `CompactBytes`: a byte string stored inline when short (keys and small values), so that a small
//! string key costs no heap allocation at all.
//!
//! Layout: 24 bytes. Up to [`INLINE_CAP`] bytes live inside the value; longer ones in a boxed slice.
//! The inline length is an enum with 23 valid values, which leaves a niche the compiler uses for the
//! discriminant of enclosing enums (`Value`, `Option<Entry>`), so neither grows.

use std::borrow::Borrow;
use std::fmt;
use std::hash::{Hash, Hasher};

/// How many bytes fit inline.
pub const INLINE_CAP: usize = 22;

/// The length of an inline string; an enum (not a `u8`) so its unused values form a niche.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
#[repr(u8)]
#[rustfmt::skip]
#[allow(missing_docs)]
pub enum InlineLen {
    L0, L1, L2, L3, L4, L5, L6, L7, L8, L9, L10, L11, L12, L13, L14, L15, L16, L17, L18, L19, L20,
    L21, L22,
}

#[rustfmt::skip]
const LENS: [InlineLen; INLINE_CAP + 1] = {
    use InlineLen::*;
    [L0, L1, L2, L3, L4, L5, L6, L7, L8, L9, L10, L11, L12, L13, L14, L15, L16, L17, L18, L19, L20,
     L21, L22]
};

/// An immutable byte string, inline up to [`INLINE_CAP`] bytes.
#[derive(Clone)]
pub enum CompactBytes {
    /// Short strings: no allocation.
    Inline {
        /// Number of used bytes of `data`.
        len: InlineLen,
        /// The bytes; only `..len` are meaningful.
        data: [u8; INLINE_CAP],
    },
    /// Longer strings.
    Heap(Box<[u8]>),
}

impl CompactBytes {
    /// The empty string.
    pub const EMPTY: CompactBytes = CompactBytes::Inline {
        len: InlineLen::L0,
        data: [0; INLINE_CAP],
    };

    /// Copies `bytes`, inline when short enough.
    pub fn new(bytes: &[u8]) -> CompactBytes {
        if bytes.len() <= INLINE_CAP {
            let mut data = [0u8; INLINE_CAP];
            data[..bytes.len()].copy_from_slice(bytes);
            CompactBytes::Inline {
                len: LENS[bytes.len()],
                data,
            }
        } else {
            CompactBytes::Heap(bytes.into())
        }
    }

    /// The bytes.
    #[inline]
    pub fn as_slice(&self) -> &[u8] {
        match self {
            CompactBytes::Inline { len, data } => &data[..*len as usize],
            CompactBytes::Heap(b) => b,
        }
    }

    /// Length in bytes.
    #[inline]
    pub fn len(&self) -> usize {
        match self {
            CompactBytes::Inline { len, .. } => *len as usize,
            CompactBytes::Heap(b) => b.len(),
        }
    }

    /// True when empty.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Heap bytes owned beyond the 24 inline bytes (for memory accounting).
    pub fn heap_size(&self) -> usize {
        match self {
            CompactBytes::Inline { .. } => 0,
            CompactBytes::Heap(b) => b.len(),
        }
    }
}

impl std::ops::Deref for CompactBytes {
    type Target = [u8];
    fn deref(&self) -> &[u8] {
        self.as_slice()
    }
}

impl Borrow<[u8]> for CompactBytes {
    fn borrow(&self) -> &[u8] {
        self.as_slice()
    }
}

impl PartialEq for CompactBytes {
    fn eq(&self, other: &Self) -> bool {
        self.as_slice() == other.as_slice()
    }
}

impl Eq for CompactBytes {}

impl Hash for CompactBytes {
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.as_slice().hash(state)
    }
}

impl fmt::Debug for CompactBytes {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:?}", bytes::Bytes::copy_from_slice(self.as_slice()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn is_24_bytes_and_leaves_a_niche() {
        assert_eq!(std::mem::size_of::<CompactBytes>(), 24);
        assert_eq!(std::mem::size_of::<Option<CompactBytes>>(), 24);
    }

    #[test]
    fn round_trips_every_length_around_the_inline_cap() {
        for n in 0..=INLINE_CAP + 3 {
            let v: Vec<u8> = (0..n as u8).collect();
            let c = CompactBytes::new(&v);
            assert_eq!(c.as_slice(), &v[..]);
            assert_eq!(c.len(), n);
            assert_eq!(matches!(c, CompactBytes::Inline { .. }), n <= INLINE_CAP);
        }
    }
}
