//! The payload of one Raft entry: several proposals (each one client's pipelined writes), so
//! one round of the Raft driver commits many clients' writes with one entry.
//!
//! Format (little-endian, append-only, pinned by the golden-bytes test):
//! `[u32 count]` then `count` times `[u32 len][len bytes]`.

use bytes::{Buf, BufMut, Bytes, BytesMut};

/// Encodes `proposals` as one entry payload.
pub fn encode(proposals: &[Bytes]) -> Bytes {
    let len = 4 + proposals.iter().map(|p| 4 + p.len()).sum::<usize>();
    let mut out = BytesMut::with_capacity(len);
    out.put_u32_le(proposals.len() as u32);
    for p in proposals {
        out.put_u32_le(p.len() as u32);
        out.put_slice(p);
    }
    out.freeze()
}

/// Splits an entry payload into its proposals, as zero-copy slices. `None` when the bytes are
/// not a payload [`encode`] produced (never trusted: they came from a peer or the disk).
pub fn decode(mut data: Bytes) -> Option<Vec<Bytes>> {
    if data.len() < 4 {
        return None;
    }
    let count = data.get_u32_le() as usize;
    // Each proposal needs at least its 4-byte length: bounds the allocation by the input.
    if count > data.len() / 4 + 1 {
        return None;
    }
    let mut out = Vec::with_capacity(count);
    for _ in 0..count {
        if data.len() < 4 {
            return None;
        }
        let len = data.get_u32_le() as usize;
        if len > data.len() {
            return None;
        }
        out.push(data.split_to(len));
    }
    data.is_empty().then_some(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn golden_bytes() {
        let p = encode(&[Bytes::from_static(b"ab"), Bytes::new()]);
        assert_eq!(
            &p[..],
            b"\x02\x00\x00\x00\x02\x00\x00\x00ab\x00\x00\x00\x00"
        );
        assert_eq!(
            decode(p).unwrap(),
            vec![Bytes::from_static(b"ab"), Bytes::new()]
        );
    }

    #[test]
    fn rejects_what_encode_never_produces() {
        assert!(decode(Bytes::from_static(b"\x01\x00\x00")).is_none());
        assert!(decode(Bytes::from_static(b"\x01\x00\x00\x00\x05\x00\x00\x00ab")).is_none());
        assert!(decode(Bytes::from_static(b"\x00\x00\x00\x00x")).is_none());
        assert!(decode(Bytes::from_static(b"\xff\xff\xff\xff")).is_none());
    }

    proptest! {
        #[test]
        fn round_trips(ps in proptest::collection::vec(proptest::collection::vec(any::<u8>(), 0..40), 0..8)) {
            let ps: Vec<Bytes> = ps.into_iter().map(Bytes::from).collect();
            prop_assert_eq!(decode(encode(&ps)), Some(ps));
        }

        #[test]
        fn never_panics(data in proptest::collection::vec(any::<u8>(), 0..64)) {
            let _ = decode(Bytes::from(data));
        }
    }
}
