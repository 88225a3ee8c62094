//! The RESP value model shared by the request decoder, the reply encoder and clients.

use bytes::Bytes;

/// Which RESP dialect a connection speaks (`HELLO 2` / `HELLO 3`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Version {
    /// RESP2, the default for every new connection.
    #[default]
    Resp2,
    /// RESP3, negotiated with `HELLO 3`.
    Resp3,
}

/// One RESP value, RESP2 or RESP3.
///
/// Encoding a RESP3-only type as RESP2 downgrades it the way Redis does (maps become flat arrays,
/// doubles and big numbers become bulk strings, booleans become integers).
#[derive(Debug, Clone, PartialEq)]
pub enum Frame {
    /// `+OK`
    Simple(Bytes),
    /// `-ERR message`: the whole line after `-`, error code included.
    Error(Bytes),
    /// `:42`
    Integer(i64),
    /// `$3\r\nfoo`
    Bulk(Bytes),
    /// RESP3 `_`; RESP2 `$-1` (a missing bulk string).
    Null,
    /// RESP2 `*-1` (a missing array, e.g. BLPOP timing out); RESP3 `_`.
    NullArray,
    /// `*N`
    Array(Vec<Frame>),
    /// RESP3 `%N`; RESP2 flat array of 2N.
    Map(Vec<(Frame, Frame)>),
    /// Pairs as Redis 7 replies WITHSCORES / WITHVALUES: RESP3 an array of 2-element arrays,
    /// RESP2 a flat array of 2N. Never produced by the decoder.
    Pairs(Vec<(Frame, Frame)>),
    /// RESP3 `~N`; RESP2 array.
    Set(Vec<Frame>),
    /// RESP3 `,1.5`; RESP2 bulk string.
    Double(f64),
    /// RESP3 `#t`; RESP2 integer 1/0.
    Boolean(bool),
    /// RESP3 `(123...`; RESP2 bulk string.
    BigNumber(Bytes),
    /// RESP3 `=N\r\ntxt:...`; RESP2 bulk string of the text alone.
    Verbatim {
        /// Three-byte format such as `txt` or `mkd`.
        format: [u8; 3],
        /// The text after `xxx:`.
        text: Bytes,
    },
    /// RESP3 `>N` out-of-band push; RESP2 array.
    Push(Vec<Frame>),
    /// RESP3 `|N` attribute map preceding `frame`; RESP2 drops the attributes.
    Attribute {
        /// Attribute key/value pairs.
        attrs: Vec<(Frame, Frame)>,
        /// The value the attributes describe.
        frame: Box<Frame>,
    },
}

impl Frame {
    /// `+OK`, the most common reply.
    pub fn ok() -> Frame {
        Frame::Simple(Bytes::from_static(b"OK"))
    }

    /// A simple string from static text.
    pub fn simple(s: &'static str) -> Frame {
        Frame::Simple(Bytes::from_static(s.as_bytes()))
    }

    /// An error reply; `msg` must include the code (`ERR ...`, `WRONGTYPE ...`).
    pub fn error(msg: impl Into<Bytes>) -> Frame {
        Frame::Error(msg.into())
    }

    /// A bulk string copied from a slice.
    pub fn bulk_from(bytes: &[u8]) -> Frame {
        Frame::Bulk(Bytes::copy_from_slice(bytes))
    }

    /// True for `Frame::Error`.
    pub fn is_error(&self) -> bool {
        matches!(self, Frame::Error(_))
    }
}
