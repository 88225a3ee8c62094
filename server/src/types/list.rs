//! Placeholder
#[derive(Clone, Debug, PartialEq, Default)]
pub struct List {}
impl List { pub fn encoding(&self) -> &'static str { "quicklist" } pub fn len(&self) -> usize { 0 } pub fn heap_size(&self) -> usize { 0 } }

impl super::Codec for List {
    fn encoded_len(&self) -> usize {
        0
    }
    fn encode(&self, _out: &mut Vec<u8>) {}
    fn decode(bytes: &[u8]) -> Option<Self> {
        bytes.is_empty().then(Self::default)
    }
}

impl super::Digest for List {
    fn digest(&self, _feed: &mut dyn FnMut(&[u8])) {}
    const UNORDERED: bool = false;
}
