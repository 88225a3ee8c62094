//! Fuzzes `RequestDecoder`: arbitrary bytes in arbitrary chunkings, until error or exhaustion.
//!
//! The first input byte picks the chunk size pattern and whether the connection is
//! authenticated; the rest is the wire. Beyond "never panics", it checks that chunking never
//! changes the requests decoded. Chunking may decide *whether* a "too big" error fires (as in
//! Redis, the limit applies to what is buffered without a terminator), so after an error only
//! the requests before it are compared.

#![no_main]

use bytes::{Bytes, BytesMut};
use libfuzzer_sys::fuzz_target;
use redraft_protocol::{RequestDecoder, RequestLimits};

fn run(data: &[u8], chunk: usize, authenticated: bool) -> (Vec<Vec<Bytes>>, bool) {
    // Small limits so the "too big" paths are reachable with small inputs.
    let mut decoder = RequestDecoder::new(RequestLimits {
        max_bulk_len: 1024,
        max_inline_len: 256,
    });
    decoder.set_authenticated(authenticated);
    let mut buf = BytesMut::new();
    let mut out = Vec::new();
    for piece in data.chunks(chunk.max(1)) {
        buf.extend_from_slice(piece);
        loop {
            match decoder.decode(&mut buf) {
                Ok(Some(argv)) => {
                    assert!(!argv.is_empty(), "empty requests are skipped");
                    out.push(argv);
                }
                Ok(None) => break,
                Err(_) => return (out, true),
            }
        }
    }
    (out, false)
}

fuzz_target!(|data: &[u8]| {
    let Some((&control, wire)) = data.split_first() else {
        return;
    };
    let chunk = usize::from(control & 0x3f) + 1;
    let authenticated = control & 0x40 == 0;
    let (whole, whole_failed) = run(wire, wire.len(), authenticated);
    let (chunked, chunked_failed) = run(wire, chunk, authenticated);
    // Whatever whole delivery rejects, piecemeal delivery rejects too (it sees at most as
    // many buffered bytes at each check).
    if whole_failed {
        assert!(chunked_failed);
    }
    if !chunked_failed {
        assert_eq!(whole, chunked);
    }
    let n = whole.len().min(chunked.len());
    assert_eq!(whole[..n], chunked[..n]);
});
