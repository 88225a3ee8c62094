//! Placeholder
#[derive(Clone, Debug, PartialEq, Default)]
pub struct Set {}
impl Set { pub fn encoding(&self) -> &'static str { "intset" } pub fn len(&self) -> usize { 0 } pub fn heap_size(&self) -> usize { 0 } }

impl super::Codec for Set {
    fn encoded_len(&self) -> usize {
        0
    }
    fn encode(&self, _out: &mut Vec<u8>) {}
    fn decode(bytes: &[u8]) -> Option<Self> {
        bytes.is_empty().then(Self::default)
    }
}

impl super::Digest for Set {
    fn digest(&self, _feed: &mut dyn FnMut(&[u8])) {}
    const UNORDERED: bool = false;
}
