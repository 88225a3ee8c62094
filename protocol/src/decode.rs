//! Decoding of whole RESP2/RESP3 frames, for clients, the proxy and benchmarks.
//!
//! [`decode_frame`] consumes bytes only once a complete frame is buffered. It works in two
//! passes over the same code: a checking pass over the buffered bytes that validates the frame
//! and finds where it ends without building anything, then, once the frame is known complete,
//! a building pass over the frozen bytes that slices every string out zero-copy. Lengths and
//! nesting are bounded and checked before anything is allocated, so hostile input costs memory
//! proportional to the bytes actually received, never to the sizes it declares.
//!
//! Unlike the request decoder this parser is strict: every line must end in CRLF.

use bytes::{Bytes, BytesMut};

use crate::error::{ProtocolError, ProtocolErrorKind};
use crate::frame::Frame;
use crate::request::parse_redis_int;

/// Deepest aggregate nesting accepted; deeper input is refused rather than risking the stack.
pub const MAX_DEPTH: usize = 128;
/// Largest bulk, verbatim or line payload accepted: Redis's `proto-max-bulk-len` default.
pub const MAX_BULK_LEN: usize = 512 * 1024 * 1024;
/// Largest aggregate count accepted.
pub const MAX_AGGREGATE_LEN: i64 = i32::MAX as i64;
/// Never reserve more element slots than this up front, whatever count the peer declares.
const PREALLOC_CAP: usize = 1024;

/// Decodes one frame from the front of `buf`.
///
/// `Ok(Some(frame))` consumes exactly the frame's bytes; `Ok(None)` means the frame is not
/// complete yet and consumes nothing. Strings in the frame share `buf`'s memory.
///
/// # Errors
///
/// A [`ProtocolError`] when the bytes are not valid RESP, a length exceeds its bound, or
/// nesting exceeds [`MAX_DEPTH`]. The stream cannot be resynchronised after that.
pub fn decode_frame(buf: &mut BytesMut) -> Result<Option<Frame>, ProtocolError> {
    let mut check = Parser {
        src: buf,
        pos: 0,
        owner: None,
    };
    match check.frame(0) {
        Ok(_) => {}
        Err(Stop::Incomplete) => return Ok(None),
        Err(Stop::Invalid(e)) => return Err(e),
    }
    let end = check.pos;
    let bytes = buf.split_to(end).freeze();
    let mut build = Parser {
        src: &bytes,
        pos: 0,
        owner: Some(&bytes),
    };
    match build.frame(0) {
        Ok(frame) => Ok(Some(frame)),
        // The checking pass accepted these very bytes, so this cannot happen; report it as a
        // protocol error rather than panic.
        Err(Stop::Incomplete) => Err(ProtocolErrorKind::ExpectedCrlf.into()),
        Err(Stop::Invalid(e)) => Err(e),
    }
}

/// Why parsing stopped early.
enum Stop {
    Incomplete,
    Invalid(ProtocolError),
}

impl From<ProtocolErrorKind> for Stop {
    fn from(kind: ProtocolErrorKind) -> Self {
        Stop::Invalid(ProtocolError::new(kind))
    }
}

type Parsed<T> = Result<T, Stop>;

/// A cursor over buffered bytes. Without an `owner` it only checks (aggregates stay empty and
/// strings are empty placeholders); with one it builds frames sliced from the owner.
struct Parser<'a> {
    src: &'a [u8],
    pos: usize,
    owner: Option<&'a Bytes>,
}

impl Parser<'_> {
    fn building(&self) -> bool {
        self.owner.is_some()
    }

    fn slice(&self, start: usize, end: usize) -> Bytes {
        match self.owner {
            Some(owner) => owner.slice(start..end),
            None => Bytes::new(),
        }
    }

    fn frame(&mut self, depth: usize) -> Parsed<Frame> {
        let kind = *self.src.get(self.pos).ok_or(Stop::Incomplete)?;
        self.pos += 1;
        match kind {
            b'+' => {
                let (start, end) = self.line()?;
                Ok(Frame::Simple(self.slice(start, end)))
            }
            b'-' => {
                let (start, end) = self.line()?;
                Ok(Frame::Error(self.slice(start, end)))
            }
            b':' => {
                let n = self.int_line(ProtocolErrorKind::InvalidInteger)?;
                Ok(Frame::Integer(n))
            }
            b'$' => match self.len_line(ProtocolErrorKind::InvalidBulkLength, MAX_BULK_LEN)? {
                None => Ok(Frame::Null),
                Some(len) => {
                    let (start, end) = self.payload(len)?;
                    Ok(Frame::Bulk(self.slice(start, end)))
                }
            },
            b'*' => match self.aggregate_len()? {
                None => Ok(Frame::NullArray),
                Some(n) => Ok(Frame::Array(self.items(n, depth)?)),
            },
            b'~' => {
                let n = self.count()?;
                Ok(Frame::Set(self.items(n, depth)?))
            }
            b'>' => {
                let n = self.count()?;
                Ok(Frame::Push(self.items(n, depth)?))
            }
            b'%' => {
                let n = self.count()?;
                Ok(Frame::Map(self.pairs(n, depth)?))
            }
            b'|' => {
                let n = self.count()?;
                let attrs = self.pairs(n, depth)?;
                let frame = self.nested(depth)?;
                Ok(Frame::Attribute {
                    attrs,
                    frame: Box::new(frame),
                })
            }
            b'_' => {
                let (start, end) = self.line()?;
                if start != end {
                    return Err(ProtocolErrorKind::ExpectedCrlf.into());
                }
                Ok(Frame::Null)
            }
            b'#' => {
                let (start, end) = self.line()?;
                match &self.src[start..end] {
                    b"t" => Ok(Frame::Boolean(true)),
                    b"f" => Ok(Frame::Boolean(false)),
                    _ => Err(ProtocolErrorKind::InvalidBoolean.into()),
                }
            }
            b',' => {
                let (start, end) = self.line()?;
                let d = std::str::from_utf8(&self.src[start..end])
                    .ok()
                    .and_then(|s| s.parse::<f64>().ok())
                    .ok_or(ProtocolErrorKind::InvalidDouble)?;
                Ok(Frame::Double(d))
            }
            b'(' => {
                let (start, end) = self.line()?;
                let text = &self.src[start..end];
                let digits = text.strip_prefix(b"-").unwrap_or(text);
                if digits.is_empty() || !digits.iter().all(u8::is_ascii_digit) {
                    return Err(ProtocolErrorKind::InvalidBigNumber.into());
                }
                Ok(Frame::BigNumber(self.slice(start, end)))
            }
            b'=' => {
                let len = self
                    .len_line(ProtocolErrorKind::InvalidVerbatim, MAX_BULK_LEN)?
                    .ok_or(ProtocolErrorKind::InvalidVerbatim)?;
                let (start, end) = self.payload(len)?;
                match self.src[start..end] {
                    [a, b, c, b':', ..] => Ok(Frame::Verbatim {
                        format: [a, b, c],
                        text: self.slice(start + 4, end),
                    }),
                    _ => Err(ProtocolErrorKind::InvalidVerbatim.into()),
                }
            }
            other => Err(ProtocolErrorKind::InvalidFrameType(other).into()),
        }
    }

    /// A child of an aggregate at `depth`.
    fn nested(&mut self, depth: usize) -> Parsed<Frame> {
        if depth + 1 >= MAX_DEPTH {
            return Err(ProtocolErrorKind::NestingTooDeep.into());
        }
        self.frame(depth + 1)
    }

    fn items(&mut self, n: usize, depth: usize) -> Parsed<Vec<Frame>> {
        let mut items = Vec::new();
        if self.building() {
            items.reserve(n.min(PREALLOC_CAP));
        }
        for _ in 0..n {
            let item = self.nested(depth)?;
            if self.building() {
                items.push(item);
            }
        }
        Ok(items)
    }

    fn pairs(&mut self, n: usize, depth: usize) -> Parsed<Vec<(Frame, Frame)>> {
        let mut pairs = Vec::new();
        if self.building() {
            pairs.reserve(n.min(PREALLOC_CAP));
        }
        for _ in 0..n {
            let key = self.nested(depth)?;
            let value = self.nested(depth)?;
            if self.building() {
                pairs.push((key, value));
            }
        }
        Ok(pairs)
    }

    /// The rest of the current line, CRLF consumed; returns its `(start, end)`.
    fn line(&mut self) -> Parsed<(usize, usize)> {
        let start = self.pos;
        let rest = &self.src[start..];
        let Some(cr) = rest.iter().position(|&b| b == b'\r') else {
            if rest.len() > MAX_BULK_LEN {
                return Err(ProtocolErrorKind::LineTooLong.into());
            }
            return Err(Stop::Incomplete);
        };
        match rest.get(cr + 1) {
            None => Err(Stop::Incomplete),
            Some(b'\n') => {
                self.pos = start + cr + 2;
                Ok((start, start + cr))
            }
            Some(_) => Err(ProtocolErrorKind::ExpectedCrlf.into()),
        }
    }

    /// A line holding an `i64`.
    fn int_line(&mut self, invalid: ProtocolErrorKind) -> Parsed<i64> {
        let (start, end) = self.line()?;
        parse_int(&self.src[start..end]).ok_or_else(|| invalid.into())
    }

    /// A `$`/`=` length line: `None` for `-1`, else a length in `0..=max`.
    fn len_line(&mut self, invalid: ProtocolErrorKind, max: usize) -> Parsed<Option<usize>> {
        match self.int_line(invalid)? {
            -1 => Ok(None),
            n => usize::try_from(n)
                .ok()
                .filter(|&n| n <= max)
                .map(Some)
                .ok_or_else(|| invalid.into()),
        }
    }

    /// An `*` count: `None` for `-1`.
    fn aggregate_len(&mut self) -> Parsed<Option<usize>> {
        match self.int_line(ProtocolErrorKind::InvalidAggregateLength)? {
            -1 => Ok(None),
            n => checked_count(n).map(Some),
        }
    }

    /// A `% ~ > |` count, which has no null form.
    fn count(&mut self) -> Parsed<usize> {
        let n = self.int_line(ProtocolErrorKind::InvalidAggregateLength)?;
        checked_count(n)
    }

    /// `len` payload bytes then CRLF; returns the payload's `(start, end)`.
    fn payload(&mut self, len: usize) -> Parsed<(usize, usize)> {
        let start = self.pos;
        let end = start.checked_add(len).ok_or(Stop::Incomplete)?;
        match self.src.get(end..end + 2) {
            None => Err(Stop::Incomplete),
            Some(b"\r\n") => {
                self.pos = end + 2;
                Ok((start, end))
            }
            Some(_) => Err(ProtocolErrorKind::ExpectedCrlf.into()),
        }
    }
}

fn checked_count(n: i64) -> Parsed<usize> {
    if !(0..=MAX_AGGREGATE_LEN).contains(&n) {
        return Err(ProtocolErrorKind::InvalidAggregateLength.into());
    }
    usize::try_from(n).map_err(|_| ProtocolErrorKind::InvalidAggregateLength.into())
}

/// Integers in replies: Redis's strict form, plus a leading `+` and `-0` that other RESP
/// producers emit and that are harmless to accept.
fn parse_int(s: &[u8]) -> Option<i64> {
    let s = match s.strip_prefix(b"+") {
        Some(rest) if rest.first().is_some_and(u8::is_ascii_digit) => rest,
        Some(_) => return None,
        None => s,
    };
    if s == b"-0" {
        return Some(0);
    }
    parse_redis_int(s)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn dec(input: &[u8]) -> Result<Option<Frame>, ProtocolError> {
        decode_frame(&mut BytesMut::from(input))
    }

    fn b(s: &'static str) -> Bytes {
        Bytes::from_static(s.as_bytes())
    }

    fn kind(input: &[u8]) -> ProtocolErrorKind {
        match dec(input) {
            Err(e) => e.kind(),
            other => panic!("expected an error for {input:?}, got {other:?}"),
        }
    }

    #[test]
    fn every_type() {
        let cases: Vec<(&[u8], Frame)> = vec![
            (b"+OK\r\n", Frame::ok()),
            (b"-ERR bad\r\n", Frame::error(b("ERR bad"))),
            (b":-12\r\n", Frame::Integer(-12)),
            (b":+12\r\n", Frame::Integer(12)),
            (b"$3\r\na\r\n\r\n", Frame::Bulk(b("a\r\n"))),
            (b"$0\r\n\r\n", Frame::Bulk(Bytes::new())),
            (b"$-1\r\n", Frame::Null),
            (b"*-1\r\n", Frame::NullArray),
            (b"_\r\n", Frame::Null),
            (b"*0\r\n", Frame::Array(vec![])),
            (
                b"*2\r\n:1\r\n*1\r\n+x\r\n",
                Frame::Array(vec![
                    Frame::Integer(1),
                    Frame::Array(vec![Frame::simple("x")]),
                ]),
            ),
            (
                b"%1\r\n+k\r\n#t\r\n",
                Frame::Map(vec![(Frame::simple("k"), Frame::Boolean(true))]),
            ),
            (b"~1\r\n#f\r\n", Frame::Set(vec![Frame::Boolean(false)])),
            (b">1\r\n:1\r\n", Frame::Push(vec![Frame::Integer(1)])),
            (b",1.5\r\n", Frame::Double(1.5)),
            (b",inf\r\n", Frame::Double(f64::INFINITY)),
            (b",-inf\r\n", Frame::Double(f64::NEG_INFINITY)),
            (b",1e+20\r\n", Frame::Double(1e20)),
            (
                b"(-1234567890123456789012\r\n",
                Frame::BigNumber(b("-1234567890123456789012")),
            ),
            (
                b"=8\r\nmkd:a\r\nb\r\n",
                Frame::Verbatim {
                    format: *b"mkd",
                    text: b("a\r\nb"),
                },
            ),
            (
                b"|1\r\n+ttl\r\n:3\r\n$1\r\nv\r\n",
                Frame::Attribute {
                    attrs: vec![(Frame::simple("ttl"), Frame::Integer(3))],
                    frame: Box::new(Frame::Bulk(b("v"))),
                },
            ),
        ];
        for (input, frame) in cases {
            let mut buf = BytesMut::from(input);
            buf.extend_from_slice(b"+next\r\n");
            assert_eq!(decode_frame(&mut buf), Ok(Some(frame)), "{input:?}");
            assert_eq!(&buf[..], b"+next\r\n", "consumed exactly the frame");
            // Every strict prefix is incomplete and consumes nothing.
            for cut in 0..input.len() {
                let mut buf = BytesMut::from(&input[..cut]);
                assert_eq!(decode_frame(&mut buf), Ok(None), "{input:?} cut at {cut}");
                assert_eq!(buf.len(), cut);
            }
        }
        match dec(b",nan\r\n") {
            Ok(Some(Frame::Double(d))) => assert!(d.is_nan()),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn errors() {
        use ProtocolErrorKind as K;
        assert_eq!(kind(b"!x\r\n"), K::InvalidFrameType(b'!'));
        assert_eq!(kind(b"+OK\rX"), K::ExpectedCrlf);
        assert_eq!(kind(b"$3\r\nabcX\n"), K::ExpectedCrlf);
        assert_eq!(kind(b"_x\r\n"), K::ExpectedCrlf);
        assert_eq!(kind(b":abc\r\n"), K::InvalidInteger);
        assert_eq!(kind(b":+-1\r\n"), K::InvalidInteger);
        assert_eq!(kind(b":99999999999999999999\r\n"), K::InvalidInteger);
        assert_eq!(kind(b"$-2\r\n"), K::InvalidBulkLength);
        assert_eq!(kind(b"$536870913\r\n"), K::InvalidBulkLength);
        assert_eq!(kind(b"*-2\r\n"), K::InvalidAggregateLength);
        assert_eq!(kind(b"*2147483648\r\n"), K::InvalidAggregateLength);
        assert_eq!(kind(b"%-1\r\n"), K::InvalidAggregateLength);
        assert_eq!(kind(b",abc\r\n"), K::InvalidDouble);
        assert_eq!(kind(b"#x\r\n"), K::InvalidBoolean);
        assert_eq!(kind(b"(12a\r\n"), K::InvalidBigNumber);
        assert_eq!(kind(b"(\r\n"), K::InvalidBigNumber);
        assert_eq!(kind(b"=3\r\ntxt\r\n"), K::InvalidVerbatim);
        assert_eq!(kind(b"=4\r\ntxt-\r\n"), K::InvalidVerbatim);
        assert_eq!(kind(b"=-1\r\n"), K::InvalidVerbatim);
        // The error surfaces even while later bytes are missing.
        assert_eq!(kind(b"*3\r\n:1\r\n!"), K::InvalidFrameType(b'!'));
    }

    #[test]
    fn nesting_is_bounded() {
        let deep = |n: usize| {
            let mut v = b"*1\r\n".repeat(n);
            v.extend_from_slice(b":1\r\n");
            v
        };
        assert!(matches!(dec(&deep(MAX_DEPTH - 1)), Ok(Some(_))));
        assert_eq!(
            dec(&deep(MAX_DEPTH)).map_err(|e| e.kind()),
            Err(ProtocolErrorKind::NestingTooDeep)
        );
        // A million levels is refused without blowing the stack.
        assert!(dec(&deep(1_000_000)).is_err());
    }

    #[test]
    fn hostile_lengths_are_incomplete_not_allocated() {
        assert_eq!(dec(b"*2147483647\r\n:1\r\n"), Ok(None));
        assert_eq!(dec(b"$536870912\r\nabc"), Ok(None));
        assert_eq!(dec(b"%2147483647\r\n"), Ok(None));
    }

    #[test]
    fn strings_are_zero_copy() {
        let mut buf = BytesMut::from(&b"*1\r\n$3\r\nabc\r\n"[..]);
        let base = buf.as_ptr() as usize;
        match decode_frame(&mut buf) {
            Ok(Some(Frame::Array(items))) => match &items[..] {
                [Frame::Bulk(s)] => assert_eq!(s.as_ptr() as usize, base + 8),
                other => panic!("{other:?}"),
            },
            other => panic!("{other:?}"),
        }
    }
}
