//! Placeholder: sorted sets land here.

/// A sorted set.
#[derive(Clone, Debug, PartialEq, Default)]
pub struct ZSet {}

impl ZSet {
    /// OBJECT ENCODING.
    pub fn encoding(&self) -> &'static str {
        "listpack"
    }
    /// Number of members.
    pub fn len(&self) -> usize {
        0
    }
    /// True when empty.
    pub fn is_empty(&self) -> bool {
        true
    }
    /// Heap bytes.
    pub fn heap_size(&self) -> usize {
        0
    }
}

impl super::Codec for ZSet {
    fn encoded_len(&self) -> usize {
        0
    }
    fn encode(&self, _out: &mut Vec<u8>) {}
    fn decode(bytes: &[u8]) -> Option<Self> {
        bytes.is_empty().then(Self::default)
    }
}

impl super::Digest for ZSet {
    fn digest(&self, _feed: &mut dyn FnMut(&[u8])) {}
    const UNORDERED: bool = false;
}
