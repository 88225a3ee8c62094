//! Fuzzes the peer bus's read path (`transport::wire`): `decode_frame` over arbitrary bytes in
//! arbitrary chunkings, with chunk frames fed to a `Reassembler`, the way a link reads.
//!
//! The first input byte picks the chunk size (bits 0–4), whether the rest is the wire itself or
//! a script that builds it (bit 5, see [`script`]: well-formed hellos, envelopes and chunk
//! streams with fuzzer-chosen fields and damage, which random bytes rarely reach), whether the
//! first frame is read as a handshake (bit 6: limit `MAX_HELLO_FRAME_LEN`, must be a `Hello`)
//! and the reassembly limit (bit 7: 256 bytes, so `TooLarge` is reachable, or 1 MiB). Checks:
//! - nothing panics;
//! - chunking never changes what is read: the frames, envelopes and the error that ends the
//!   stream are the same delivered whole or piecemeal (a frame is only cut out once complete,
//!   and its length is checked as soon as the prefix is there);
//! - every decoded frame re-encodes to bytes that decode to the same frame and re-encode to
//!   the same bytes;
//! - every envelope (whole or reassembled) survives `ChunkedEnvelope` → `Reassembler`, and its
//!   chunks concatenate to its encoding.

#![no_main]

use bytes::{BufMut, Bytes, BytesMut};
use libfuzzer_sys::fuzz_target;
use prost::Message;
use redraft_cluster::transport::wire::{
    check_hello, decode_frame, encode_frame, Body, Chunk, ChunkedEnvelope, Envelope, Frame, Hello,
    Ping, Reassembler, MAX_FRAME_LEN, MAX_HELLO_FRAME_LEN, VERSION,
};

/// Our node id in the handshake.
const LOCAL: u64 = 1;

/// What the reader saw, in order.
#[derive(Debug, PartialEq)]
enum Event {
    Hello(u64),
    Envelope(Envelope),
    /// A chunk was accepted; this many bytes of its envelope are buffered.
    Chunk(u64),
    Ping,
    /// A frame kind this build does not know (skipped).
    Unknown,
}

/// How the stream ended.
#[derive(Debug, PartialEq)]
enum End {
    /// All bytes consumed, between frames.
    Clean,
    /// This many bytes of an incomplete frame left over.
    Truncated(usize),
    /// The link would close: what for.
    Violation(String),
}

struct Reader {
    handshake: bool,
    reassembler: Reassembler,
    events: Vec<Event>,
}

impl Reader {
    /// Cuts every complete frame out of `buf`; `Err` ends the stream.
    fn drain(&mut self, buf: &mut BytesMut) -> Result<(), String> {
        loop {
            let max = if self.handshake {
                MAX_HELLO_FRAME_LEN
            } else {
                MAX_FRAME_LEN
            };
            let frame = match decode_frame(buf, max) {
                Ok(Some(frame)) => frame,
                Ok(None) => return Ok(()),
                Err(e) => return Err(format!("frame: {e}")),
            };
            check_frame_round_trip(&frame);
            if self.handshake {
                self.handshake = false;
                let Some(Body::Hello(hello)) = &frame.body else {
                    return Err("first frame is not a hello".into());
                };
                let id = check_hello(hello, LOCAL, None).map_err(|e| format!("hello: {e}"))?;
                self.events.push(Event::Hello(id));
                continue;
            }
            let event = match frame.body {
                Some(Body::Envelope(env)) => Event::Envelope(env),
                Some(Body::Chunk(chunk)) => match self.reassembler.push(chunk) {
                    Ok(Some(env)) => Event::Envelope(env),
                    Ok(None) => Event::Chunk(self.reassembler.buffered()),
                    Err(e) => return Err(format!("chunk: {e}")),
                },
                Some(Body::Ping(_)) => Event::Ping,
                Some(Body::Hello(_)) => return Err("late hello".into()),
                None => Event::Unknown,
            };
            if let Event::Envelope(env) = &event {
                check_chunking_round_trip(env);
            }
            self.events.push(event);
        }
    }
}

fn read(wire: &[u8], chunk: usize, handshake: bool, max_message: usize) -> (Vec<Event>, End) {
    let mut reader = Reader {
        handshake,
        reassembler: Reassembler::new(max_message),
        events: Vec::new(),
    };
    let mut buf = BytesMut::new();
    for piece in wire.chunks(chunk.max(1)) {
        buf.extend_from_slice(piece);
        if let Err(e) = reader.drain(&mut buf) {
            return (reader.events, End::Violation(e));
        }
    }
    let end = if buf.is_empty() {
        End::Clean
    } else {
        End::Truncated(buf.len())
    };
    (reader.events, end)
}

fn check_frame_round_trip(frame: &Frame) {
    let mut first = BytesMut::new();
    encode_frame(frame, &mut first);
    let encoded = first.clone();
    let again = match decode_frame(&mut first, usize::MAX) {
        Ok(Some(again)) => again,
        other => panic!("{frame:?} encoded as {encoded:?} decoded as {other:?}"),
    };
    assert!(first.is_empty(), "re-encoded frame left {first:?}");
    assert_eq!(&again, frame);
    let mut second = BytesMut::new();
    encode_frame(&again, &mut second);
    assert_eq!(encoded, second);
}

fn check_chunking_round_trip(env: &Envelope) {
    let encoded = env.encode_to_vec();
    let mut chunked = ChunkedEnvelope::new(env, 7);
    assert_eq!(chunked.total(), encoded.len());
    let mut reassembler = Reassembler::new(encoded.len());
    let mut concat = Vec::new();
    let mut out = None;
    while let Some(chunk) = chunked.next_chunk() {
        assert!(out.is_none(), "chunk after the envelope completed");
        concat.extend_from_slice(&chunk.data);
        out = reassembler
            .push(chunk)
            .unwrap_or_else(|e| panic!("own chunks of {env:?} rejected: {e}"));
    }
    assert!(chunked.is_done());
    assert_eq!(concat, encoded);
    // An envelope whose encoding is empty (every field default) makes no chunks.
    if !encoded.is_empty() {
        assert_eq!(out.as_ref(), Some(env));
    }
}

/// Reads the script's bytes; past the end, zeros.
struct Src<'a> {
    data: &'a [u8],
}

impl Src<'_> {
    fn u8(&mut self) -> u8 {
        match self.data.split_first() {
            Some((&b, rest)) => {
                self.data = rest;
                b
            }
            None => 0,
        }
    }

    /// A small number, mostly; now and then a full 64-bit one.
    fn num(&mut self) -> u64 {
        match self.u8() {
            0xff => u64::from_le_bytes(std::array::from_fn(|_| self.u8())),
            b => u64::from(b),
        }
    }

    /// A length byte, then that many bytes (fewer at the end of the input).
    fn bytes(&mut self) -> Bytes {
        let n = usize::from(self.u8()).min(self.data.len());
        let (b, rest) = self.data.split_at(n);
        self.data = rest;
        Bytes::copy_from_slice(b)
    }

    fn envelope(&mut self) -> Envelope {
        Envelope {
            from: self.num(),
            to: self.num(),
            group: self.num(),
            kind: i32::from(self.u8() as i8),
            payload: self.bytes(),
        }
    }
}

/// Builds a wire from `src`: until the input runs out, one opcode byte, then its operands.
/// Frames are encoded by `encode_frame`, so their framing is right; their contents, and where
/// raw bytes break in, are the fuzzer's.
fn script(mut src: Src) -> Vec<u8> {
    let mut wire = BytesMut::new();
    let mut stream = 0u64;
    while !src.data.is_empty() {
        let op = src.u8();
        match op % 8 {
            0 => {
                // A hello, bits of the opcode spoiling its magic or version.
                let mut hello = Hello::new(src.num());
                if op & 0x10 != 0 {
                    hello.magic ^= src.num();
                }
                if op & 0x20 != 0 {
                    hello.version = VERSION + 1;
                }
                encode_frame(&Frame::new(Body::Hello(hello)), &mut wire);
            }
            1 => encode_frame(&Frame::new(Body::Envelope(src.envelope())), &mut wire),
            2 | 3 => {
                // An envelope cut into chunks of fuzzer-chosen sizes; bits of the opcode
                // reuse the stream id, skip a piece, or misstate the total or an offset.
                let encoded = prost::Message::encode_to_vec(&src.envelope());
                if op & 0x80 == 0 {
                    stream += 1;
                }
                let mut offset = 0;
                while offset < encoded.len() {
                    let size = usize::from(src.u8()).clamp(1, encoded.len() - offset);
                    let mut chunk = Chunk {
                        stream,
                        total: encoded.len() as u64,
                        offset: offset as u64,
                        data: Bytes::copy_from_slice(&encoded[offset..offset + size]),
                    };
                    offset += size;
                    match src.u8() {
                        0xf0 => continue,
                        0xf1 => chunk.total = src.num(),
                        0xf2 => chunk.offset = src.num(),
                        0xf3 => chunk.data = Bytes::new(),
                        _ => {}
                    }
                    encode_frame(&Frame::new(Body::Chunk(chunk)), &mut wire);
                }
            }
            4 => encode_frame(&Frame::new(Body::Ping(Ping {})), &mut wire),
            5 => {
                // A frame kind from a newer version: an unknown field of the Frame.
                let body = src.bytes();
                let tag = 5 + u64::from(op >> 3);
                let mut raw = BytesMut::new();
                prost::encoding::encode_key(
                    tag as u32,
                    prost::encoding::WireType::LengthDelimited,
                    &mut raw,
                );
                prost::encoding::encode_varint(body.len() as u64, &mut raw);
                raw.put_slice(&body);
                wire.put_u32(raw.len() as u32);
                wire.put_slice(&raw);
            }
            6 => {
                // A correct length prefix around arbitrary body bytes.
                let body = src.bytes();
                wire.put_u32(body.len() as u32);
                wire.put_slice(&body);
            }
            _ => wire.put_slice(&src.bytes()),
        }
    }
    wire.to_vec()
}

fuzz_target!(|data: &[u8]| {
    let Some((&control, rest)) = data.split_first() else {
        return;
    };
    let chunk = usize::from(control & 0x1f) + 1;
    let handshake = control & 0x40 != 0;
    let max_message = if control & 0x80 != 0 { 256 } else { 1 << 20 };
    let built;
    let wire = if control & 0x20 != 0 {
        built = script(Src { data: rest });
        &built[..]
    } else {
        rest
    };
    let whole = read(wire, wire.len(), handshake, max_message);
    let chunked = read(wire, chunk, handshake, max_message);
    assert_eq!(whole, chunked, "chunks of {chunk} bytes");
});
