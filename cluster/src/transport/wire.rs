//! The bus wire format: the protobuf messages and the length-prefixed frame codec. Pure
//! functions over bytes, no I/O.
//!
//! The layout is described in the parent module's doc and pinned by the golden-bytes tests
//! below. It is append-only: new fields and new [`Body`] variants get new tags; an existing
//! tag never changes meaning.

use bytes::{Buf, BufMut, Bytes, BytesMut};
use prost::Message;

/// First field of every [`Hello`]: "RDRFTBUS" read as a big-endian `u64`. Anything else on a
/// new connection is not a redraft bus peer.
pub const MAGIC: u64 = u64::from_be_bytes(*b"RDRFTBUS");

/// Bus protocol version sent in [`Hello`]. Bumped only for a change an older peer cannot
/// ignore; additive changes (new optional fields, new frame kinds) keep it.
pub const VERSION: u32 = 1;

/// Bytes of the big-endian length that precedes every frame.
pub const PREFIX_LEN: usize = 4;

/// Largest frame body (the protobuf [`Frame`], without its length prefix) we send or accept
/// after the handshake: 1 MiB. Bigger envelopes travel as [`Chunk`]s.
pub const MAX_FRAME_LEN: usize = 1 << 20;

/// Largest frame accepted before the handshake completes. A [`Hello`] is 15 bytes today; the
/// rest is room for fields added later, and a stranger on the port cannot make us buffer a
/// megabyte.
pub const MAX_HELLO_FRAME_LEN: usize = 256;

/// Most envelope bytes carried by one [`Chunk`], and the largest encoded [`Envelope`] sent
/// whole in one frame. The 64 bytes left below [`MAX_FRAME_LEN`] hold the frame and chunk
/// headers (at most 38 bytes; a unit test checks the worst case).
pub const CHUNK_DATA_LEN: usize = MAX_FRAME_LEN - 64;

/// One message between nodes: routing header plus opaque payload. The wire format is
/// append-only (golden-bytes test below).
#[derive(Clone, PartialEq, prost::Message)]
pub struct Envelope {
    /// Sending node id. [`super::Transport::send`] stamps it; a receiver rejects a mismatch
    /// with the id the link's handshake established.
    #[prost(uint64, tag = "1")]
    pub from: u64,
    /// Destination node id.
    #[prost(uint64, tag = "2")]
    pub to: u64,
    /// Raft group (shard) the message belongs to; 0 for node-level messages.
    #[prost(uint64, tag = "3")]
    pub group: u64,
    /// What `payload` holds, a [`Kind`] as `i32` (unknown values from newer peers pass
    /// through untouched).
    #[prost(enumeration = "Kind", tag = "4")]
    pub kind: i32,
    /// The message itself, opaque to the bus.
    #[prost(bytes = "bytes", tag = "5")]
    pub payload: Bytes,
}

/// What an [`Envelope`]'s payload holds.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, prost::Enumeration)]
#[repr(i32)]
pub enum Kind {
    /// A raft-rs `eraftpb::Message`, protobuf-encoded.
    Raft = 0,
    /// A node asking to join the cluster.
    Join = 1,
    /// The answer to a [`Kind::Join`].
    JoinReply = 2,
    /// Node-level administration.
    Admin = 3,
}

/// The first frame each side sends on a new connection.
#[derive(Clone, PartialEq, prost::Message)]
pub struct Hello {
    /// Always [`MAGIC`].
    #[prost(fixed64, tag = "1")]
    pub magic: u64,
    /// The sender's [`VERSION`].
    #[prost(uint32, tag = "2")]
    pub version: u32,
    /// The sender's node id (non-zero).
    #[prost(uint64, tag = "3")]
    pub node_id: u64,
}

impl Hello {
    /// Our own hello.
    pub fn new(node_id: u64) -> Self {
        Hello {
            magic: MAGIC,
            version: VERSION,
            node_id,
        }
    }
}

/// A piece of an encoded [`Envelope`] too big for one frame. The chunks of one envelope are
/// sent in order with nothing but unchunked frames between them, so a receiver holds at most
/// one partial envelope per link.
#[derive(Clone, PartialEq, prost::Message)]
pub struct Chunk {
    /// Identifies the envelope on this link (the sender counts from 1 per connection).
    #[prost(uint64, tag = "1")]
    pub stream: u64,
    /// Length of the whole encoded envelope; the same in every chunk of the stream.
    #[prost(uint64, tag = "2")]
    pub total: u64,
    /// Where `data` starts in the encoded envelope; equal to the bytes sent before it.
    #[prost(uint64, tag = "3")]
    pub offset: u64,
    /// Non-empty; at most [`CHUNK_DATA_LEN`] bytes.
    #[prost(bytes = "bytes", tag = "4")]
    pub data: Bytes,
}

/// Keepalive sent by an idle writer so the other side can tell a quiet link from a dead one.
#[derive(Clone, PartialEq, prost::Message)]
pub struct Ping {}

/// Everything that travels on the bus is one of these, length-prefixed.
#[derive(Clone, PartialEq, prost::Message)]
pub struct Frame {
    /// `None` when a newer peer sent a frame kind this build does not know; it is skipped.
    #[prost(oneof = "Body", tags = "1, 2, 3, 4")]
    pub body: Option<Body>,
}

/// The kinds of [`Frame`].
#[derive(Clone, PartialEq, prost::Oneof)]
pub enum Body {
    /// First frame on a connection, each way.
    #[prost(message, tag = "1")]
    Hello(Hello),
    /// An envelope whose encoding fits in [`CHUNK_DATA_LEN`].
    #[prost(message, tag = "2")]
    Envelope(Envelope),
    /// A piece of a bigger envelope.
    #[prost(message, tag = "3")]
    Chunk(Chunk),
    /// Keepalive.
    #[prost(message, tag = "4")]
    Ping(Ping),
}

impl Frame {
    /// Wraps `body`.
    pub fn new(body: Body) -> Self {
        Frame { body: Some(body) }
    }
}

/// A frame that breaks the wire format.
#[derive(Debug, thiserror::Error)]
pub enum FrameError {
    /// The length prefix is above the limit in force; nothing was allocated for it.
    #[error("frame of {len} bytes exceeds the limit of {max}")]
    TooLong { len: usize, max: usize },
    /// The frame body is not a valid protobuf `Frame`.
    #[error("undecodable frame: {0}")]
    Decode(#[from] prost::DecodeError),
}

/// Appends `frame`, length-prefixed, to `out`.
///
/// The caller only builds frames within [`MAX_FRAME_LEN`] (small envelopes, chunks, hellos,
/// pings), which a debug assertion checks.
pub fn encode_frame(frame: &Frame, out: &mut BytesMut) {
    let len = frame.encoded_len();
    debug_assert!(len <= MAX_FRAME_LEN, "frame of {len} bytes");
    out.reserve(PREFIX_LEN + len);
    // `len` is at most 1 MiB, far below u32::MAX.
    out.put_u32(len as u32);
    // Cannot fail: `BytesMut` grows on demand, so prost's capacity check always passes.
    frame
        .encode(out)
        .expect("BytesMut has unbounded remaining capacity");
}

/// Removes one complete frame from the front of `buf` and decodes it.
///
/// Returns `Ok(None)` when `buf` does not yet hold a whole frame (after reserving room for the
/// rest of it, so the next read can complete it). Decoding is zero-copy: byte fields of the
/// result are slices of `buf`'s storage.
///
/// # Errors
///
/// [`FrameError::TooLong`] when the length prefix exceeds `max_len`, checked before any
/// allocation; [`FrameError::Decode`] when the body is not a valid `Frame`. Either way the
/// stream is unusable: the caller closes the link.
pub fn decode_frame(buf: &mut BytesMut, max_len: usize) -> Result<Option<Frame>, FrameError> {
    let Some(prefix) = buf.get(..PREFIX_LEN) else {
        return Ok(None);
    };
    let len = u32::from_be_bytes([prefix[0], prefix[1], prefix[2], prefix[3]]) as usize;
    if len > max_len {
        return Err(FrameError::TooLong { len, max: max_len });
    }
    let need = PREFIX_LEN + len;
    if buf.len() < need {
        buf.reserve(need - buf.len());
        return Ok(None);
    }
    buf.advance(PREFIX_LEN);
    let body = buf.split_to(len).freeze();
    Ok(Some(Frame::decode(body)?))
}

/// An [`Envelope`] too big for one frame, cut into [`Chunk`]s lazily: the payload is never
/// copied into a second contiguous buffer on the sending side, only one chunk at a time into
/// the write buffer.
#[derive(Debug)]
pub struct ChunkedEnvelope {
    stream: u64,
    /// The envelope's encoding up to and including the payload's key and length.
    head: Bytes,
    payload: Bytes,
    /// Bytes of `head ‖ payload` already cut into chunks.
    offset: usize,
}

impl ChunkedEnvelope {
    /// Prepares `env` to be sent as chunk stream `stream`.
    pub fn new(env: &Envelope, stream: u64) -> Self {
        let header_only = Envelope {
            payload: Bytes::new(),
            ..env.clone()
        };
        let mut head = BytesMut::with_capacity(header_only.encoded_len() + 16);
        header_only
            .encode(&mut head)
            .expect("BytesMut has unbounded remaining capacity");
        // prost writes fields in tag order and the payload (tag 5) is the last field, so the
        // full encoding is this header followed by the payload's key, length and bytes (an
        // empty payload is omitted, as prost omits it).
        if !env.payload.is_empty() {
            prost::encoding::encode_key(5, prost::encoding::WireType::LengthDelimited, &mut head);
            prost::encoding::encode_varint(env.payload.len() as u64, &mut head);
        }
        ChunkedEnvelope {
            stream,
            head: head.freeze(),
            payload: env.payload.clone(),
            offset: 0,
        }
    }

    /// Length of the whole encoded envelope.
    pub fn total(&self) -> usize {
        self.head.len() + self.payload.len()
    }

    /// True once every chunk has been produced.
    pub fn is_done(&self) -> bool {
        self.offset >= self.total()
    }

    /// The next chunk (at most [`CHUNK_DATA_LEN`] bytes of data), or `None` when done.
    pub fn next_chunk(&mut self) -> Option<Chunk> {
        let total = self.total();
        if self.offset >= total {
            return None;
        }
        let start = self.offset;
        let end = total.min(start + CHUNK_DATA_LEN);
        let head_len = self.head.len();
        let data = if start >= head_len {
            // Common case: the range lies inside the payload, a zero-copy slice.
            self.payload.slice(start - head_len..end - head_len)
        } else {
            let mut data = BytesMut::with_capacity(end - start);
            data.extend_from_slice(&self.head[start..end.min(head_len)]);
            if end > head_len {
                data.extend_from_slice(&self.payload[..end - head_len]);
            }
            data.freeze()
        };
        self.offset = end;
        Some(Chunk {
            stream: self.stream,
            total: total as u64,
            offset: start as u64,
            data,
        })
    }
}

/// A chunk stream that breaks the rules in [`Chunk`]'s doc, or reassembles into garbage.
#[derive(Debug, thiserror::Error)]
pub enum ReassemblyError {
    /// The announced envelope is bigger than the receiver's `max_message`.
    #[error("chunked envelope of {total} bytes exceeds the limit of {max}")]
    TooLarge { total: u64, max: usize },
    /// A chunk with no data, which would make no progress.
    #[error("empty chunk in stream {stream}")]
    Empty { stream: u64 },
    /// A chunk that does not continue the stream in progress (wrong stream, total or offset),
    /// or overruns the announced total.
    #[error(
        "chunk out of sequence: stream {stream} total {total} offset {offset} len {len}, \
         expected stream {expected_stream} offset {expected_offset}"
    )]
    OutOfSequence {
        stream: u64,
        total: u64,
        offset: u64,
        len: usize,
        expected_stream: u64,
        expected_offset: u64,
    },
    /// The reassembled bytes are not a valid `Envelope`.
    #[error("undecodable chunked envelope: {0}")]
    Decode(#[from] prost::DecodeError),
}

/// Receiving side of chunking: holds the one partial envelope of a link.
#[derive(Debug)]
pub struct Reassembler {
    max_message: usize,
    partial: Option<Partial>,
}

#[derive(Debug)]
struct Partial {
    stream: u64,
    total: u64,
    received: u64,
    /// The envelope's bytes so far. It grows with what actually arrived, never to the
    /// announced total up front; growth is amortized doubling, which the allocator does by
    /// remapping rather than copying at these sizes. Each chunk is copied in once, so the read
    /// buffers it came from are freed (and reused) at once.
    buf: BytesMut,
}

impl Reassembler {
    /// A reassembler accepting envelopes of at most `max_message` encoded bytes.
    pub fn new(max_message: usize) -> Self {
        Reassembler {
            max_message,
            partial: None,
        }
    }

    /// Bytes of the envelope in progress received so far.
    pub fn buffered(&self) -> u64 {
        self.partial.as_ref().map_or(0, |p| p.received)
    }

    /// Adds `chunk`; returns the envelope once its last chunk arrived.
    ///
    /// # Errors
    ///
    /// Any [`ReassemblyError`]; the link is then unusable and the partial envelope is dropped.
    pub fn push(&mut self, chunk: Chunk) -> Result<Option<Envelope>, ReassemblyError> {
        let result = self.push_inner(chunk);
        if result.is_err() {
            self.partial = None;
        }
        result
    }

    fn push_inner(&mut self, chunk: Chunk) -> Result<Option<Envelope>, ReassemblyError> {
        if chunk.total > self.max_message as u64 {
            return Err(ReassemblyError::TooLarge {
                total: chunk.total,
                max: self.max_message,
            });
        }
        if chunk.data.is_empty() {
            return Err(ReassemblyError::Empty {
                stream: chunk.stream,
            });
        }
        let (expected_stream, expected_total, expected_offset) = match &self.partial {
            Some(p) => (p.stream, p.total, p.received),
            // A new stream must start at 0; any stream id and total are fine.
            None => (chunk.stream, chunk.total, 0),
        };
        let continues = chunk.stream == expected_stream
            && chunk.total == expected_total
            && chunk.offset == expected_offset;
        let end = chunk.offset.checked_add(chunk.data.len() as u64);
        let fits = matches!(end, Some(end) if end <= chunk.total);
        if !continues || !fits {
            return Err(ReassemblyError::OutOfSequence {
                stream: chunk.stream,
                total: chunk.total,
                offset: chunk.offset,
                len: chunk.data.len(),
                expected_stream,
                expected_offset,
            });
        }
        let partial = self.partial.get_or_insert_with(|| Partial {
            stream: chunk.stream,
            total: chunk.total,
            received: 0,
            buf: BytesMut::new(),
        });
        partial.received += chunk.data.len() as u64;
        partial.buf.extend_from_slice(&chunk.data);
        if partial.received < partial.total {
            return Ok(None);
        }
        let Some(done) = self.partial.take() else {
            return Ok(None);
        };
        // Zero-copy: the payload is a slice of the reassembled buffer.
        Ok(Some(Envelope::decode(done.buf.freeze())?))
    }
}

/// Why a [`Hello`] was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum HelloError {
    /// Not our magic: something other than a redraft bus connected.
    #[error("bad magic {0:#018x}: not a redraft bus peer")]
    BadMagic(u64),
    /// A bus protocol version we do not speak.
    #[error("unsupported bus protocol version {0} (we speak {VERSION})")]
    BadVersion(u32),
    /// Node ids are non-zero.
    #[error("peer claims node id 0")]
    ZeroId,
    /// A node talking to itself (or a copy of our id): a misconfiguration.
    #[error("peer claims our own node id {0}")]
    OwnId(u64),
    /// The address we have for a peer belongs to another node.
    #[error("dialed node {expected} but node {got} answered")]
    UnexpectedId { expected: u64, got: u64 },
}

/// Checks a peer's hello. `expected` is the id we dialed, `None` on an accepted connection
/// (any id may connect: a joining node is not configured yet). Returns the peer's id.
///
/// # Errors
///
/// A [`HelloError`] naming the first rule broken.
pub fn check_hello(hello: &Hello, local: u64, expected: Option<u64>) -> Result<u64, HelloError> {
    if hello.magic != MAGIC {
        return Err(HelloError::BadMagic(hello.magic));
    }
    if hello.version != VERSION {
        return Err(HelloError::BadVersion(hello.version));
    }
    match hello.node_id {
        0 => Err(HelloError::ZeroId),
        id if id == local => Err(HelloError::OwnId(id)),
        id => match expected {
            Some(expected) if expected != id => Err(HelloError::UnexpectedId { expected, got: id }),
            _ => Ok(id),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env(payload: &[u8]) -> Envelope {
        Envelope {
            from: 1,
            to: 2,
            group: 3,
            kind: Kind::Join as i32,
            payload: Bytes::copy_from_slice(payload),
        }
    }

    fn framed(frame: &Frame) -> BytesMut {
        let mut out = BytesMut::new();
        encode_frame(frame, &mut out);
        out
    }

    #[test]
    fn golden_envelope() {
        #[rustfmt::skip]
        let golden: &[u8] = &[
            0x08, 1,                // from = 1
            0x10, 2,                // to = 2
            0x18, 3,                // group = 3
            0x20, 1,                // kind = Join
            0x2a, 2, b'h', b'i',    // payload = "hi"
        ];
        assert_eq!(env(b"hi").encode_to_vec(), golden);
        // Defaults are omitted: a Raft envelope with every field zero is empty.
        assert_eq!(Envelope::default().encode_to_vec(), b"");
        assert_eq!(Kind::try_from(2), Ok(Kind::JoinReply));
        assert_eq!(Kind::Admin as i32, 3);
    }

    #[test]
    fn golden_frames() {
        #[rustfmt::skip]
        let hello: &[u8] = &[
            0, 0, 0, 15,                                    // length
            0x0a, 13,                                       // Frame.hello, 13 bytes
            0x09, b'S', b'U', b'B', b'T', b'F', b'R', b'D', b'R', // magic, fixed64 LE
            0x10, 1,                                        // version = 1
            0x18, 7,                                        // node_id = 7
        ];
        assert_eq!(&framed(&Frame::new(Body::Hello(Hello::new(7))))[..], hello);

        #[rustfmt::skip]
        let envelope: &[u8] = &[
            0, 0, 0, 14,
            0x12, 12,                                       // Frame.envelope, 12 bytes
            0x08, 1, 0x10, 2, 0x18, 3, 0x20, 1, 0x2a, 2, b'h', b'i',
        ];
        assert_eq!(
            &framed(&Frame::new(Body::Envelope(env(b"hi"))))[..],
            envelope
        );

        let chunk = Chunk {
            stream: 1,
            total: 300,
            offset: 0,
            data: Bytes::from_static(b"xy"),
        };
        #[rustfmt::skip]
        let chunk_golden: &[u8] = &[
            0, 0, 0, 11,
            0x1a, 9,                                        // Frame.chunk, 9 bytes
            0x08, 1,                                        // stream = 1
            0x10, 0xac, 0x02,                               // total = 300
            0x22, 2, b'x', b'y',                            // data (offset 0 omitted)
        ];
        assert_eq!(&framed(&Frame::new(Body::Chunk(chunk)))[..], chunk_golden);

        assert_eq!(
            &framed(&Frame::new(Body::Ping(Ping {})))[..],
            &[0, 0, 0, 2, 0x22, 0]
        );
    }

    #[test]
    fn frame_round_trip_and_partial_input() {
        let mut wire = BytesMut::new();
        let frames = [
            Frame::new(Body::Hello(Hello::new(9))),
            Frame::new(Body::Envelope(env(b"payload"))),
            Frame::new(Body::Ping(Ping {})),
        ];
        for f in &frames {
            encode_frame(f, &mut wire);
        }
        // Feed one byte at a time: every prefix decodes to Ok(None) until a frame completes.
        let mut buf = BytesMut::new();
        let mut out = Vec::new();
        for &b in wire.iter() {
            buf.put_u8(b);
            while let Some(f) = decode_frame(&mut buf, MAX_FRAME_LEN).unwrap() {
                out.push(f);
            }
        }
        assert_eq!(out, frames);
        assert!(buf.is_empty());
    }

    #[test]
    fn oversized_length_is_rejected_before_allocating() {
        let mut buf = BytesMut::from(&[0xff, 0xff, 0xff, 0xff][..]);
        let cap = buf.capacity();
        assert!(matches!(
            decode_frame(&mut buf, MAX_FRAME_LEN),
            Err(FrameError::TooLong {
                len: 0xffff_ffff,
                max: MAX_FRAME_LEN
            })
        ));
        assert_eq!(buf.capacity(), cap);
        let mut buf = BytesMut::from(&[0, 0, 1, 1][..]);
        assert!(matches!(
            decode_frame(&mut buf, MAX_HELLO_FRAME_LEN),
            Err(FrameError::TooLong { len: 257, .. })
        ));
    }

    #[test]
    fn garbage_and_truncated_bodies_are_errors() {
        // A complete frame whose body is not protobuf (field 0 / bad wire type).
        let mut buf = BytesMut::from(&[0, 0, 0, 3, 0x07, 0xff, 0xff][..]);
        assert!(matches!(
            decode_frame(&mut buf, MAX_FRAME_LEN),
            Err(FrameError::Decode(_))
        ));
        // A frame whose inner message is cut short: Frame.envelope claims 12 bytes, has 2.
        let mut buf = BytesMut::from(&[0, 0, 0, 4, 0x12, 12, 0x08, 1][..]);
        assert!(matches!(
            decode_frame(&mut buf, MAX_FRAME_LEN),
            Err(FrameError::Decode(_))
        ));
        // Truncated prefix and truncated body are just "need more".
        let mut buf = BytesMut::from(&[0, 0][..]);
        assert!(decode_frame(&mut buf, MAX_FRAME_LEN).unwrap().is_none());
        let mut buf = BytesMut::from(&[0, 0, 0, 9, 0x22][..]);
        assert!(decode_frame(&mut buf, MAX_FRAME_LEN).unwrap().is_none());
        // An unknown frame kind from a newer peer decodes with no body.
        let mut buf = BytesMut::from(&[0, 0, 0, 2, 0x7a, 0][..]);
        assert_eq!(
            decode_frame(&mut buf, MAX_FRAME_LEN).unwrap(),
            Some(Frame { body: None })
        );
    }

    #[test]
    fn largest_chunk_frame_fits() {
        let chunk = Chunk {
            stream: u64::MAX,
            total: u64::MAX,
            offset: u64::MAX,
            data: Bytes::from(vec![0xa5; CHUNK_DATA_LEN]),
        };
        assert!(Frame::new(Body::Chunk(chunk)).encoded_len() <= MAX_FRAME_LEN);
        let big = Envelope {
            from: u64::MAX,
            to: u64::MAX,
            group: u64::MAX,
            kind: -1,
            payload: Bytes::from(vec![0; CHUNK_DATA_LEN - 60]),
        };
        assert!(big.encoded_len() <= CHUNK_DATA_LEN);
        assert!(Frame::new(Body::Envelope(big)).encoded_len() <= MAX_FRAME_LEN);
    }

    fn reassemble(
        env: &Envelope,
        max: usize,
    ) -> (usize, Result<Option<Envelope>, ReassemblyError>) {
        let mut chunked = ChunkedEnvelope::new(env, 5);
        let mut r = Reassembler::new(max);
        let mut n = 0;
        while let Some(c) = chunked.next_chunk() {
            assert!(!c.data.is_empty() && c.data.len() <= CHUNK_DATA_LEN);
            n += 1;
            match r.push(c) {
                Ok(None) => {}
                other => return (n, other),
            }
        }
        (n, Ok(None))
    }

    #[test]
    fn chunking_round_trips() {
        for len in [
            0,
            1,
            100,
            CHUNK_DATA_LEN - 20,
            CHUNK_DATA_LEN,
            3 * CHUNK_DATA_LEN + 7,
        ] {
            let payload: Vec<u8> = (0..len).map(|i| (i * 7 + i / 251) as u8).collect();
            let e = Envelope {
                payload: payload.into(),
                ..env(b"")
            };
            let mut chunked = ChunkedEnvelope::new(&e, 1);
            let mut concat = Vec::new();
            while let Some(c) = chunked.next_chunk() {
                concat.extend_from_slice(&c.data);
            }
            assert_eq!(concat, e.encode_to_vec(), "len {len}");
            let (chunks, got) = reassemble(&e, 64 << 20);
            assert_eq!(got.unwrap(), Some(e.clone()), "len {len}");
            assert_eq!(chunks, concat.len().div_ceil(CHUNK_DATA_LEN), "len {len}");
        }
    }

    #[test]
    fn reassembly_enforces_the_limit_and_the_sequence() {
        let e = Envelope {
            payload: vec![1u8; 2 * CHUNK_DATA_LEN].into(),
            ..env(b"")
        };
        let (n, got) = reassemble(&e, CHUNK_DATA_LEN);
        assert_eq!(n, 1);
        assert!(matches!(got, Err(ReassemblyError::TooLarge { .. })));

        let chunk = |stream, total, offset, data: &'static [u8]| Chunk {
            stream,
            total,
            offset,
            data: Bytes::from_static(data),
        };
        let mut r = Reassembler::new(1000);
        assert!(matches!(
            r.push(chunk(1, 10, 0, b"")),
            Err(ReassemblyError::Empty { .. })
        ));
        // First chunk not at offset 0.
        assert!(matches!(
            r.push(chunk(1, 10, 3, b"abc")),
            Err(ReassemblyError::OutOfSequence { .. })
        ));
        // Overrunning the announced total.
        assert!(matches!(
            r.push(chunk(1, 2, 0, b"abc")),
            Err(ReassemblyError::OutOfSequence { .. })
        ));
        // Offset + len overflowing u64.
        assert!(matches!(
            r.push(chunk(1, 10, u64::MAX, b"abc")),
            Err(ReassemblyError::OutOfSequence { .. })
        ));
        // A different stream, total or a gap while one is in progress; each error resets.
        for bad in [
            chunk(2, 10, 3, b"abc"),
            chunk(1, 11, 3, b"abc"),
            chunk(1, 10, 4, b"abc"),
        ] {
            assert!(r.push(chunk(1, 10, 0, b"abc")).unwrap().is_none());
            assert_eq!(r.buffered(), 3);
            assert!(matches!(
                r.push(bad),
                Err(ReassemblyError::OutOfSequence { .. })
            ));
            assert_eq!(r.buffered(), 0);
        }
        // Complete but not an Envelope.
        assert!(r.push(chunk(4, 4, 0, b"\x0a\x09")).unwrap().is_none());
        assert!(matches!(
            r.push(chunk(4, 4, 2, b"\xff\xff")),
            Err(ReassemblyError::Decode(_))
        ));
    }

    #[test]
    fn hello_rules() {
        let ok = Hello::new(5);
        assert_eq!(check_hello(&ok, 1, None), Ok(5));
        assert_eq!(check_hello(&ok, 1, Some(5)), Ok(5));
        assert_eq!(
            check_hello(&ok, 1, Some(6)),
            Err(HelloError::UnexpectedId {
                expected: 6,
                got: 5
            })
        );
        assert_eq!(check_hello(&ok, 5, None), Err(HelloError::OwnId(5)));
        assert_eq!(
            check_hello(&Hello::new(0), 1, None),
            Err(HelloError::ZeroId)
        );
        let bad = Hello {
            magic: 1,
            ..ok.clone()
        };
        assert_eq!(check_hello(&bad, 1, None), Err(HelloError::BadMagic(1)));
        let bad = Hello { version: 2, ..ok };
        assert_eq!(check_hello(&bad, 1, None), Err(HelloError::BadVersion(2)));
    }

    proptest::proptest! {
        /// Any bytes, cut anywhere, give frames or errors, never a panic.
        #[test]
        fn decoder_is_total(bytes in proptest::collection::vec(proptest::num::u8::ANY, 0..512),
                            cut in 0usize..512, max in 0usize..300) {
            let mut buf = BytesMut::new();
            let cut = cut.min(bytes.len());
            for part in [&bytes[..cut], &bytes[cut..]] {
                buf.extend_from_slice(part);
                loop {
                    match decode_frame(&mut buf, max) {
                        Ok(Some(_)) => continue,
                        Ok(None) => break,
                        Err(_) => { buf.clear(); break }
                    }
                }
            }
        }

        /// Arbitrary frame bodies behind a valid prefix never panic the decoder, and chunk
        /// frames among them never panic the reassembler.
        #[test]
        fn bodies_never_panic(bodies in proptest::collection::vec(
            proptest::collection::vec(proptest::num::u8::ANY, 0..64), 0..16)) {
            let mut buf = BytesMut::new();
            for b in &bodies {
                buf.put_u32(b.len() as u32);
                buf.extend_from_slice(b);
            }
            let mut r = Reassembler::new(256);
            while let Ok(Some(frame)) = decode_frame(&mut buf, MAX_FRAME_LEN) {
                if let Some(Body::Chunk(c)) = frame.body {
                    let _ = r.push(c);
                }
            }
        }
    }

    proptest::proptest! {
        // Payloads are up to 3 MiB: fewer cases keep the debug build quick.
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(24))]

        /// Chunking then reassembling returns the envelope, for any header values.
        #[test]
        fn chunks_round_trip(from in proptest::num::u64::ANY, group in proptest::num::u64::ANY,
                             kind in proptest::num::i32::ANY, len in 0usize..(3 * CHUNK_DATA_LEN)) {
            let e = Envelope { from, to: 9, group, kind, payload: vec![0x3c; len].into() };
            let (_, got) = reassemble(&e, 4 << 20);
            proptest::prop_assert_eq!(got.unwrap(), Some(e));
        }
    }
}
