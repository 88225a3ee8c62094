//! Fuzzes `raft::batch::decode`, the split of a Raft entry's payload into proposals: arbitrary
//! bytes must never panic, and what decodes must be exactly what `encode` writes for the result
//! (the format has one encoding per batch), which decodes to the same proposals again.
//!
//! The same input is also cut into proposals (at every byte equal to the first one) and pushed
//! through `encode` → `decode`, so the encoder meets empty, repeated and odd-sized proposals.

#![no_main]

use bytes::Bytes;
use libfuzzer_sys::fuzz_target;
use redraft_cluster::raft::batch::{decode, encode};

fuzz_target!(|data: &[u8]| {
    if let Some(proposals) = decode(Bytes::copy_from_slice(data)) {
        let encoded = encode(&proposals);
        assert_eq!(&encoded[..], data, "decode accepted a non-canonical batch");
        assert_eq!(decode(encoded), Some(proposals));
    }

    if let Some((&sep, rest)) = data.split_first() {
        let proposals: Vec<Bytes> = rest
            .split(|&b| b == sep)
            .map(Bytes::copy_from_slice)
            .collect();
        assert_eq!(decode(encode(&proposals)), Some(proposals));
    }
});
