//! Fuzzes `decode_frame`: arbitrary bytes must never panic, and every decoded frame must
//! re-encode (RESP3) to bytes that decode to a frame with the same encoding. Comparing
//! encodings sidesteps NaN != NaN and RESP3 writing `*-1` as `_`.

#![no_main]

use bytes::BytesMut;
use libfuzzer_sys::fuzz_target;
use redraft_protocol::{decode_frame, encode, Version};

fuzz_target!(|data: &[u8]| {
    let mut buf = BytesMut::from(data);
    while let Ok(Some(frame)) = decode_frame(&mut buf) {
        let mut first = BytesMut::new();
        encode(&frame, Version::Resp3, &mut first);
        let encoded = first.clone();
        let again = match decode_frame(&mut first) {
            Ok(Some(again)) => again,
            other => panic!("{frame:?} encoded as {encoded:?} decoded as {other:?}"),
        };
        assert!(first.is_empty());
        let mut second = BytesMut::new();
        encode(&again, Version::Resp3, &mut second);
        assert_eq!(encoded, second);
        // RESP2 downgrades must decode too.
        let mut resp2 = BytesMut::new();
        encode(&frame, Version::Resp2, &mut resp2);
        assert!(matches!(decode_frame(&mut resp2), Ok(Some(_))));
        assert!(resp2.is_empty());
    }
});
