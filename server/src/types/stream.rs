//! Placeholder: streams land here.

/// A stream.
#[derive(Clone, Debug, PartialEq, Default)]
pub struct Stream {}

impl Stream {
    /// OBJECT ENCODING.
    pub fn encoding(&self) -> &'static str {
        "stream"
    }
    /// Number of entries.
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

impl super::Codec for Stream {
    fn encoded_len(&self) -> usize {
        0
    }
    fn encode(&self, _out: &mut Vec<u8>) {}
    fn decode(bytes: &[u8]) -> Option<Self> {
        bytes.is_empty().then(Self::default)
    }
}

impl super::Digest for Stream {
    fn digest(&self, _feed: &mut dyn FnMut(&[u8])) {}
    const UNORDERED: bool = false;
}
