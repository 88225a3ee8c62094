//! Incremental, zero-copy decoding of client requests, as redis-server 7.0 accepts them.
//!
//! A request starting with `*` is a multibulk (`*N\r\n` then N `$len\r\n<bytes>\r\n`); anything
//! else is an inline command line split like `sdssplitargs`. The decoder keeps its progress
//! between calls, so bytes already parsed are never scanned again: arguments are split off the
//! front of the connection's buffer as soon as they are complete.
//!
//! Deliberate matches of Redis quirks, each checked against redis-server 7.0.15:
//! - a header line ends at the first CR and the byte after it is skipped unchecked, and the two
//!   bytes after a bulk payload are skipped unchecked too (Redis never verifies the LF);
//! - integers are parsed like `string2ll`: no sign `+`, no leading zeros, no `-0`, no spaces;
//! - `*0` and negative counts are empty requests that are skipped silently;
//! - the "too big" checks fire only when more than the inline limit is buffered without a
//!   terminator.
//!
//! One deliberate difference: Redis looks for terminators with `strchr`, so a NUL byte in a
//! header or inline line makes it wait forever; here NUL is an ordinary byte (a bad header
//! fails at once, and an inline line is cut at its first NUL as `sdssplitargs` would see it).

use bytes::{Buf, Bytes, BytesMut};

pub use crate::error::{ProtocolError, ProtocolErrorKind};

/// Redis's `proto-max-bulk-len` default: 512 MiB.
pub const DEFAULT_MAX_BULK_LEN: usize = 512 * 1024 * 1024;
/// Redis's `PROTO_INLINE_MAX_SIZE`: 64 KiB.
pub const DEFAULT_MAX_INLINE_LEN: usize = 64 * 1024;
/// Largest multibulk count Redis accepts (`INT_MAX`).
const MAX_MULTIBULK_LEN: i64 = i32::MAX as i64;
/// Before AUTH, Redis refuses multibulk counts above this.
const UNAUTH_MAX_MULTIBULK_LEN: i64 = 10;
/// Before AUTH, Redis refuses bulk lengths above this.
const UNAUTH_MAX_BULK_LEN: i64 = 16384;
/// Never reserve more argv slots than this up front, whatever count the peer declares.
const ARGV_PREALLOC_CAP: usize = 1024;

/// Size limits applied while decoding requests.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RequestLimits {
    /// Largest bulk argument accepted (`proto-max-bulk-len`); default 512 MiB.
    pub max_bulk_len: usize,
    /// Most bytes buffered for an inline request or a `*N` / `$N` header line before it must
    /// have ended (`PROTO_INLINE_MAX_SIZE`); default 64 KiB.
    pub max_inline_len: usize,
}

impl Default for RequestLimits {
    fn default() -> Self {
        RequestLimits {
            max_bulk_len: DEFAULT_MAX_BULK_LEN,
            max_inline_len: DEFAULT_MAX_INLINE_LEN,
        }
    }
}

/// Where the decoder is inside the current request.
#[derive(Debug)]
enum State {
    /// Between requests.
    Idle,
    /// Inside a multibulk: `argv` holds the arguments read so far.
    Multibulk {
        /// Arguments still to read.
        remaining: usize,
        /// Arguments already split off the buffer.
        argv: Vec<Bytes>,
        /// Length of the bulk whose `$len` line was consumed but whose payload was not.
        bulk_len: Option<usize>,
    },
}

/// Decodes the request stream of one connection; keeps partial state between calls.
#[derive(Debug)]
pub struct RequestDecoder {
    limits: RequestLimits,
    authenticated: bool,
    state: State,
    /// How many bytes at the front of the buffer were already searched for the current line's
    /// terminator without finding it, so a line arriving byte by byte is scanned once.
    scanned: usize,
}

impl Default for RequestDecoder {
    fn default() -> Self {
        RequestDecoder::new(RequestLimits::default())
    }
}

/// What a header-line search found.
enum Line {
    /// The line's CR (or LF for inline) is at this index and the bytes needed after it are
    /// buffered.
    At(usize),
    /// Need more bytes.
    Incomplete,
}

impl RequestDecoder {
    /// A decoder for a new connection, which counts as authenticated until told otherwise.
    pub fn new(limits: RequestLimits) -> Self {
        RequestDecoder {
            limits,
            authenticated: true,
            state: State::Idle,
            scanned: 0,
        }
    }

    /// Changes the limits (`CONFIG SET proto-max-bulk-len`); applies from the next header
    /// parsed.
    pub fn set_limits(&mut self, limits: RequestLimits) {
        self.limits = limits;
    }

    /// Whether the connection is authenticated; while false, Redis refuses multibulk counts
    /// above 10 ("Protocol error: unauthenticated multibulk length") and bulk lengths above
    /// 16384 ("Protocol error: unauthenticated bulk length"), so an unauthenticated peer cannot
    /// make the server buffer much.
    pub fn set_authenticated(&mut self, yes: bool) {
        self.authenticated = yes;
    }

    /// Decodes the next request from the front of `buf`.
    ///
    /// `Ok(Some(argv))`: one complete request, its arguments split off `buf` zero-copy, CRLFs
    /// consumed. `Ok(None)`: need more bytes; everything consumable has been consumed and the
    /// state is kept, so re-calling after more bytes arrive never rescans already-parsed
    /// arguments. Empty requests (`*0`, blank inline lines) are skipped, never returned.
    ///
    /// The same `buf` must be passed on every call, with new bytes appended at its end.
    ///
    /// # Errors
    ///
    /// A [`ProtocolError`] with Redis's wording when the peer breaks the protocol; the server
    /// replies `-ERR <message>` and closes the connection. The decoder must not be used after.
    pub fn decode(&mut self, buf: &mut BytesMut) -> Result<Option<Vec<Bytes>>, ProtocolError> {
        loop {
            match &mut self.state {
                State::Idle => {
                    let Some(&first) = buf.first() else {
                        return Ok(None);
                    };
                    if first == b'*' {
                        if !self.multibulk_header(buf)? {
                            return Ok(None);
                        }
                    } else {
                        match self.inline(buf)? {
                            Some(argv) if !argv.is_empty() => return Ok(Some(argv)),
                            // A blank line: Redis skips it (replicas send them as keepalives).
                            Some(_) => {}
                            None => return Ok(None),
                        }
                    }
                }
                State::Multibulk { .. } => return self.multibulk_args(buf),
            }
        }
    }

    /// Parses `*N\r\n`; returns false when the line is not complete yet. On success the state
    /// is a multibulk, or still idle for an empty request.
    fn multibulk_header(&mut self, buf: &mut BytesMut) -> Result<bool, ProtocolError> {
        let cr = match self.find_line(buf, b'\r', ProtocolErrorKind::TooBigMultibulkCount)? {
            Line::At(cr) => cr,
            Line::Incomplete => return Ok(false),
        };
        let count = parse_redis_int(&buf[1..cr])
            .filter(|&n| n <= MAX_MULTIBULK_LEN)
            .ok_or(ProtocolErrorKind::InvalidMultibulkLength)?;
        if !self.authenticated && count > UNAUTH_MAX_MULTIBULK_LEN {
            return Err(ProtocolErrorKind::UnauthenticatedMultibulkLength.into());
        }
        // Redis skips the byte after CR without checking that it is LF.
        buf.advance(cr + 2);
        self.scanned = 0;
        if count > 0 {
            let remaining = usize::try_from(count)
                .map_err(|_| ProtocolError::new(ProtocolErrorKind::InvalidMultibulkLength))?;
            self.state = State::Multibulk {
                remaining,
                argv: Vec::with_capacity(remaining.min(ARGV_PREALLOC_CAP)),
                bulk_len: None,
            };
        }
        Ok(true)
    }

    /// Reads the arguments of the current multibulk as far as `buf` allows.
    fn multibulk_args(&mut self, buf: &mut BytesMut) -> Result<Option<Vec<Bytes>>, ProtocolError> {
        loop {
            let State::Multibulk {
                remaining,
                bulk_len,
                ..
            } = &self.state
            else {
                return Ok(None);
            };
            let (remaining, bulk_len) = (*remaining, *bulk_len);
            if remaining == 0 {
                let State::Multibulk { argv, .. } = std::mem::replace(&mut self.state, State::Idle)
                else {
                    return Ok(None);
                };
                return Ok(Some(argv));
            }
            match bulk_len {
                None => {
                    if buf.is_empty() {
                        return Ok(None);
                    }
                    let cr = match self.find_line(buf, b'\r', ProtocolErrorKind::TooBigBulkCount)? {
                        Line::At(cr) => cr,
                        Line::Incomplete => return Ok(None),
                    };
                    // Redis looks at the type byte only once the whole line is there.
                    if buf[0] != b'$' {
                        return Err(ProtocolErrorKind::ExpectedDollar(buf[0]).into());
                    }
                    let len = parse_redis_int(&buf[1..cr])
                        .and_then(|n| usize::try_from(n).ok())
                        .filter(|&n| n <= self.limits.max_bulk_len)
                        .ok_or(ProtocolErrorKind::InvalidBulkLength)?;
                    if !self.authenticated && len as u64 > UNAUTH_MAX_BULK_LEN as u64 {
                        return Err(ProtocolErrorKind::UnauthenticatedBulkLength.into());
                    }
                    buf.advance(cr + 2);
                    self.scanned = 0;
                    if let State::Multibulk { bulk_len, .. } = &mut self.state {
                        *bulk_len = Some(len);
                    }
                }
                Some(len) => {
                    // The payload stays in `buf` until all of it (and its CRLF) is there, so it
                    // can be split off as one zero-copy `Bytes`. Nothing is reserved for it here:
                    // the declared length is not trusted with memory.
                    if buf.len() < len.saturating_add(2) {
                        return Ok(None);
                    }
                    let arg = buf.split_to(len).freeze();
                    // Redis skips the two bytes after the payload without checking them.
                    buf.advance(2);
                    if let State::Multibulk {
                        remaining,
                        argv,
                        bulk_len,
                    } = &mut self.state
                    {
                        argv.push(arg);
                        *remaining -= 1;
                        *bulk_len = None;
                    }
                }
            }
        }
    }

    /// Looks for the terminator of the line at the front of `buf`, resuming where the last
    /// search stopped. For CR-terminated header lines one more byte (the LF) must be buffered.
    fn find_line(
        &mut self,
        buf: &BytesMut,
        terminator: u8,
        too_big: ProtocolErrorKind,
    ) -> Result<Line, ProtocolError> {
        let from = self.scanned.min(buf.len());
        match buf[from..].iter().position(|&b| b == terminator) {
            Some(i) => {
                let at = from + i;
                let needed_after = usize::from(terminator == b'\r');
                if at + needed_after < buf.len() {
                    Ok(Line::At(at))
                } else {
                    // Keep the CR unscanned so the next call finds it again.
                    self.scanned = at;
                    Ok(Line::Incomplete)
                }
            }
            None => {
                if buf.len() > self.limits.max_inline_len {
                    return Err(too_big.into());
                }
                self.scanned = buf.len();
                Ok(Line::Incomplete)
            }
        }
    }

    /// Parses one inline line; `Ok(None)` when its newline has not arrived, `Ok(Some(empty))`
    /// for a blank line.
    fn inline(&mut self, buf: &mut BytesMut) -> Result<Option<Vec<Bytes>>, ProtocolError> {
        let lf = match self.find_line(buf, b'\n', ProtocolErrorKind::TooBigInlineRequest)? {
            Line::At(lf) => lf,
            Line::Incomplete => return Ok(None),
        };
        let mut line = buf.split_to(lf + 1).freeze();
        self.scanned = 0;
        let mut end = lf;
        if end > 0 && line[end - 1] == b'\r' {
            end -= 1;
        }
        // `sdssplitargs` sees a C string: nothing after a NUL exists for it.
        if let Some(nul) = line[..end].iter().position(|&b| b == 0) {
            end = nul;
        }
        line.truncate(end);
        split_args(&line).map(Some)
    }
}

/// Parses an integer the way Redis's `string2ll` does: optional `-`, then digits without
/// leading zeros (except a lone `0`), no `+`, no `-0`, no whitespace, no overflow.
pub(crate) fn parse_redis_int(s: &[u8]) -> Option<i64> {
    let (negative, digits) = match s {
        [b'0'] => return Some(0),
        [b'-', rest @ ..] => (true, rest),
        _ => (false, s),
    };
    match digits.first() {
        Some(b'1'..=b'9') => {}
        _ => return None,
    }
    // Accumulate negatively so i64::MIN parses without overflow.
    let mut value: i64 = 0;
    for &b in digits {
        if !b.is_ascii_digit() {
            return None;
        }
        value = value.checked_mul(10)?.checked_sub(i64::from(b - b'0'))?;
    }
    if negative {
        Some(value)
    } else {
        value.checked_neg()
    }
}

/// `isspace` in the C locale: what `sdssplitargs` skips between arguments.
fn is_c_space(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\n' | b'\r' | 0x0b | 0x0c)
}

/// Splits an inline line the way Redis's `sdssplitargs` does.
///
/// Unquoted words end at space, tab, CR or LF (but not at VT or FF, which only count as blanks
/// between words). `"..."` understands `\n \r \t \b \a \\ \" \xHH` and keeps any other escaped
/// byte; `'...'` understands only `\'`. A closing quote must be followed by a blank or the end.
/// Unquoted words are returned zero-copy as slices of `line`.
fn split_args(line: &Bytes) -> Result<Vec<Bytes>, ProtocolError> {
    let unbalanced = || ProtocolError::new(ProtocolErrorKind::UnbalancedQuotes);
    let s: &[u8] = line;
    let mut argv = Vec::new();
    let mut p = 0;
    loop {
        while p < s.len() && is_c_space(s[p]) {
            p += 1;
        }
        if p == s.len() {
            return Ok(argv);
        }
        let start = p;
        // Bytes of the word once quoting forced a copy; `None` while it is a plain slice.
        let mut owned: Option<Vec<u8>> = None;
        let mut in_double = false;
        let mut in_single = false;
        let mut word_end = p;
        loop {
            if in_double {
                let c = *s.get(p).ok_or_else(unbalanced)?;
                let word = owned.get_or_insert_with(Vec::new);
                if c == b'\\' {
                    if let (Some(b'x'), Some(&h), Some(&l)) =
                        (s.get(p + 1), s.get(p + 2), s.get(p + 3))
                    {
                        if let (Some(h), Some(l)) = (hex_value(h), hex_value(l)) {
                            word.push(h * 16 + l);
                            p += 4;
                            continue;
                        }
                    }
                    if let Some(&escaped) = s.get(p + 1) {
                        word.push(match escaped {
                            b'n' => b'\n',
                            b'r' => b'\r',
                            b't' => b'\t',
                            b'b' => 0x08,
                            b'a' => 0x07,
                            other => other,
                        });
                        p += 2;
                        continue;
                    }
                    // A backslash at the very end: kept, then the missing quote fails below.
                    word.push(c);
                    p += 1;
                } else if c == b'"' {
                    if s.get(p + 1).is_some_and(|&n| !is_c_space(n)) {
                        return Err(unbalanced());
                    }
                    p += 1;
                    break;
                } else {
                    word.push(c);
                    p += 1;
                }
            } else if in_single {
                let c = *s.get(p).ok_or_else(unbalanced)?;
                let word = owned.get_or_insert_with(Vec::new);
                if c == b'\\' && s.get(p + 1) == Some(&b'\'') {
                    word.push(b'\'');
                    p += 2;
                } else if c == b'\'' {
                    if s.get(p + 1).is_some_and(|&n| !is_c_space(n)) {
                        return Err(unbalanced());
                    }
                    p += 1;
                    break;
                } else {
                    word.push(c);
                    p += 1;
                }
            } else {
                let Some(&c) = s.get(p) else {
                    word_end = p;
                    break;
                };
                match c {
                    b' ' | b'\n' | b'\r' | b'\t' => {
                        word_end = p;
                        p += 1;
                        break;
                    }
                    b'"' | b'\'' => {
                        // Quoting starts mid-word: copy what we have so far.
                        owned.get_or_insert_with(|| s[start..p].to_vec());
                        in_double = c == b'"';
                        in_single = c == b'\'';
                        p += 1;
                    }
                    _ => {
                        if let Some(word) = owned.as_mut() {
                            word.push(c);
                        }
                        p += 1;
                    }
                }
            }
        }
        argv.push(match owned {
            Some(word) => Bytes::from(word),
            None => line.slice(start..word_end),
        });
    }
}

fn hex_value(b: u8) -> Option<u8> {
    match b {
        b'0'..=b'9' => Some(b - b'0'),
        b'a'..=b'f' => Some(b - b'a' + 10),
        b'A'..=b'F' => Some(b - b'A' + 10),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// What feeding some input produced: the requests, then an error or `None` for "waiting".
    #[derive(Debug, PartialEq)]
    struct Outcome {
        requests: Vec<Vec<Vec<u8>>>,
        error: Option<String>,
    }

    fn run(decoder: &mut RequestDecoder, buf: &mut BytesMut, out: &mut Outcome) -> bool {
        loop {
            match decoder.decode(buf) {
                Ok(Some(argv)) => out.requests.push(argv.iter().map(|a| a.to_vec()).collect()),
                Ok(None) => return true,
                Err(e) => {
                    out.error = Some(e.message().to_owned());
                    return false;
                }
            }
        }
    }

    /// Decodes `input` delivered whole and delivered one byte at a time, checks both agree.
    fn feed_with(input: &[u8], authenticated: bool) -> Outcome {
        let mut whole = Outcome {
            requests: vec![],
            error: None,
        };
        let mut decoder = RequestDecoder::default();
        decoder.set_authenticated(authenticated);
        run(&mut decoder, &mut BytesMut::from(input), &mut whole);

        let mut bytewise = Outcome {
            requests: vec![],
            error: None,
        };
        let mut decoder = RequestDecoder::default();
        decoder.set_authenticated(authenticated);
        let mut buf = BytesMut::new();
        for &b in input {
            buf.extend_from_slice(&[b]);
            if !run(&mut decoder, &mut buf, &mut bytewise) {
                break;
            }
        }
        assert_eq!(
            whole,
            bytewise,
            "input {:?}",
            String::from_utf8_lossy(input)
        );
        whole
    }

    fn feed(input: &[u8]) -> Outcome {
        feed_with(input, true)
    }

    fn ok(requests: &[&[&[u8]]]) -> Outcome {
        Outcome {
            requests: requests
                .iter()
                .map(|r| r.iter().map(|a| a.to_vec()).collect())
                .collect(),
            error: None,
        }
    }

    fn err(requests: &[&[&[u8]]], message: &str) -> Outcome {
        Outcome {
            error: Some(message.to_owned()),
            ..ok(requests)
        }
    }

    const MB_LEN: &str = "Protocol error: invalid multibulk length";
    const BULK_LEN: &str = "Protocol error: invalid bulk length";
    const QUOTES: &str = "Protocol error: unbalanced quotes in request";

    /// Each expectation below was observed from redis-server 7.0.15.
    #[test]
    fn multibulk_matches_redis() {
        assert_eq!(feed(b"*1\r\n$4\r\nPING\r\n"), ok(&[&[b"PING"]]));
        assert_eq!(feed(b"*abc\r\n"), err(&[], MB_LEN));
        assert_eq!(feed(b"*2147483648\r\n"), err(&[], MB_LEN));
        assert_eq!(feed(b"*99999999999999999999\r\n"), err(&[], MB_LEN));
        assert_eq!(feed(b"*2147483647\r\n"), ok(&[]));
        for bad in [
            "*\r\n",
            "*+1\r\n",
            "* 1\r\n",
            "*1 \r\n",
            "*01\r\n",
            "*-0\r\n",
            "*1\n$4\r\n",
        ] {
            assert_eq!(feed(bad.as_bytes()), err(&[], MB_LEN), "{bad:?}");
        }
        assert_eq!(feed(b"*-5\r\nPING\r\n"), ok(&[&[b"PING"]]));
        assert_eq!(feed(b"*0\r\n*1\r\n$4\r\nPING\r\n"), ok(&[&[b"PING"]]));
        assert_eq!(feed(b"*-2147483649\r\n*0\r\n"), ok(&[]));
        assert_eq!(
            feed(b"*1\r\n:4\r\nPING\r\n"),
            err(&[], "Protocol error: expected '$', got ':'")
        );
        assert_eq!(
            feed(b"*1\r\n\r\n"),
            err(&[], "Protocol error: expected '$', got ' '")
        );
        assert_eq!(
            feed(b"*1\r\n\n\r\n"),
            err(&[], "Protocol error: expected '$', got ' '")
        );
        for bad in [
            "$abc",
            "$-1",
            "$536870913",
            "$",
            "$04",
            "$-0",
            "$+4",
            "$4\n",
        ] {
            let input = format!("*1\r\n{bad}\r\nPING\r\n");
            assert_eq!(feed(input.as_bytes()), err(&[], BULK_LEN), "{bad:?}");
        }
        assert_eq!(feed(b"*1\r\n$536870912\r\n"), ok(&[]));
        assert_eq!(feed(b"*1\r\n$0\r\n\r\n"), ok(&[&[b""]]));
        assert_eq!(
            feed(b"*2\r\n$4\r\nECHO\r\n$0\r\n\r\n"),
            ok(&[&[b"ECHO", b""]])
        );
        // Redis skips the bytes after a payload and after a header's CR without looking.
        assert_eq!(
            feed(b"*1\r\n$4\r\nPINGxx*1\r\n$4\r\nPING\r\n"),
            ok(&[&[b"PING"], &[b"PING"]])
        );
        assert_eq!(feed(b"*1\rX$4\rXPING\r\n"), ok(&[&[b"PING"]]));
        // Incomplete input is just waiting.
        assert_eq!(feed(b"*1\r\n$4\r"), ok(&[]));
        assert_eq!(feed(b"*1\r\n$4\r\nPING"), ok(&[]));
        assert_eq!(feed(b"*1\r"), ok(&[]));
    }

    #[test]
    fn expected_dollar_keeps_the_raw_byte_on_the_wire() {
        let mut decoder = RequestDecoder::default();
        let e = decoder
            .decode(&mut BytesMut::from(&b"*1\r\n\xff\r\n"[..]))
            .expect_err("not a bulk");
        assert_eq!(e.kind(), ProtocolErrorKind::ExpectedDollar(0xff));
        assert_eq!(
            e.to_wire_bytes(),
            b"Protocol error: expected '$', got '\xff'"
        );
    }

    #[test]
    fn unauthenticated_limits_match_redis() {
        let feed = |input: &[u8]| feed_with(input, false);
        assert_eq!(
            feed(b"*11\r\n"),
            err(&[], "Protocol error: unauthenticated multibulk length")
        );
        assert_eq!(feed(b"*10\r\n"), ok(&[]));
        assert_eq!(feed(b"*2147483648\r\n"), err(&[], MB_LEN));
        assert_eq!(
            feed(b"*1\r\n$16385\r\n"),
            err(&[], "Protocol error: unauthenticated bulk length")
        );
        assert_eq!(feed(b"*1\r\n$16384\r\n"), ok(&[]));
        assert_eq!(feed(b"*1\r\n$536870913\r\n"), err(&[], BULK_LEN));
        assert_eq!(feed(b"*1\r\n$-1\r\n"), err(&[], BULK_LEN));
    }

    #[test]
    fn too_big_lines_match_redis() {
        let mbulk = "Protocol error: too big mbulk count string";
        let bulk = "Protocol error: too big bulk count string";
        let inline = "Protocol error: too big inline request";
        let ones = |n: usize| vec![b'1'; n];
        assert_eq!(
            feed(&[b"*".to_vec(), ones(65536)].concat()),
            err(&[], mbulk)
        );
        assert_eq!(feed(&[b"*".to_vec(), ones(65535)].concat()), ok(&[]));
        assert_eq!(feed(&[b"*1\r\n$".to_vec(), ones(65535)].concat()), ok(&[]));
        assert_eq!(
            feed(&[b"*1\r\n$".to_vec(), ones(65536)].concat()),
            err(&[], bulk)
        );
        assert_eq!(
            feed(&[b"*1\r\n".to_vec(), vec![b'x'; 65536]].concat()),
            ok(&[])
        );
        assert_eq!(
            feed(&[b"*1\r\n".to_vec(), vec![b'x'; 65537]].concat()),
            err(&[], bulk)
        );
        assert_eq!(feed(&vec![b'P'; 65536]), ok(&[]));
        assert_eq!(feed(&vec![b'P'; 65537]), err(&[], inline));
        assert_eq!(
            feed(&[b"*1\r\n$4\r\nPING\r\n".to_vec(), vec![b'P'; 65537]].concat()),
            err(&[&[b"PING"]], inline)
        );
        // A long line whose newline is already buffered is fine, as in Redis.
        let mut long = b"ECHO ".to_vec();
        long.extend(vec![b'P'; 70000]);
        let mut decoder = RequestDecoder::default();
        let mut buf = BytesMut::from(&[&long[..], b"\r\n"].concat()[..]);
        let argv = decoder.decode(&mut buf).expect("valid").expect("complete");
        assert_eq!(argv.len(), 2);
        assert_eq!(argv[1].len(), 70000);
    }

    #[test]
    fn inline_matches_redis() {
        assert_eq!(feed(b"PING\r\n"), ok(&[&[b"PING"]]));
        assert_eq!(feed(b"PING\n"), ok(&[&[b"PING"]]));
        assert_eq!(feed(b"PING"), ok(&[]));
        assert_eq!(
            feed(b"ECHO \"a\\x41\\x4g\\n\" x\n"),
            ok(&[&[b"ECHO", b"aAx4g\n", b"x"]])
        );
        assert_eq!(feed(b"ECHO \"abc\"def\r\n"), err(&[], QUOTES));
        assert_eq!(feed(b"ECHO 'abc'def\r\n"), err(&[], QUOTES));
        assert_eq!(feed(b"ECHO 'a\\'b\\n'\r\n"), ok(&[&[b"ECHO", b"a'b\\n"]]));
        assert_eq!(feed(b"ECHO \"abc\r\n"), err(&[], QUOTES));
        assert_eq!(feed(b"ECHO 'abc\r\n"), err(&[], QUOTES));
        assert_eq!(
            feed(b"ECHO foo\"bar baz\"\r\n"),
            ok(&[&[b"ECHO", b"foobar baz"]])
        );
        assert_eq!(feed(b"\r\n\n   \r\nPING\r\n"), ok(&[&[b"PING"]]));
        assert_eq!(feed(b"ECHO a\x0bb\r\n"), ok(&[&[b"ECHO", b"a\x0bb"]]));
        assert_eq!(feed(b"ECHO \x0bb\r\n"), ok(&[&[b"ECHO", b"b"]]));
        assert_eq!(feed(b"ECHO \"a\\\"\r\n"), err(&[], QUOTES));
        assert_eq!(feed(b"ECHO \"a\"\tb\r\n"), ok(&[&[b"ECHO", b"a", b"b"]]));
        assert_eq!(feed(b"ECHO a\rb\r\n"), ok(&[&[b"ECHO", b"a", b"b"]]));
        assert_eq!(feed(b"ECHO \"a\\\\\"\r\n"), ok(&[&[b"ECHO", b"a\\"]]));
        assert_eq!(
            feed(b"ECHO \"\\q\\b\\a\"\r\n"),
            ok(&[&[b"ECHO", b"q\x08\x07"]])
        );
        assert_eq!(feed(b"ECHO \"\"\r\n"), ok(&[&[b"ECHO", b""]]));
        assert_eq!(feed(b"ECHO '' \r\n"), ok(&[&[b"ECHO", b""]]));
        assert_eq!(feed(b"ECHO \"\\xfF\"\r\n"), ok(&[&[b"ECHO", b"\xff"]]));
        // sdssplitargs sees a C string: a NUL ends the line.
        assert_eq!(feed(b"GET a\0b c\r\n"), ok(&[&[b"GET", b"a"]]));
        // Inline and multibulk interleave.
        assert_eq!(
            feed(b"PING\r\n*1\r\n$4\r\nPING\r\nPING\n"),
            ok(&[&[b"PING"], &[b"PING"], &[b"PING"]])
        );
    }

    #[test]
    fn redis_integers() {
        assert_eq!(parse_redis_int(b"0"), Some(0));
        assert_eq!(parse_redis_int(b"-1"), Some(-1));
        assert_eq!(parse_redis_int(b"9223372036854775807"), Some(i64::MAX));
        assert_eq!(parse_redis_int(b"-9223372036854775808"), Some(i64::MIN));
        for bad in [
            "",
            "-",
            "+1",
            "01",
            "-0",
            " 1",
            "1 ",
            "9223372036854775808",
            "1a",
        ] {
            assert_eq!(parse_redis_int(bad.as_bytes()), None, "{bad:?}");
        }
    }

    #[test]
    fn arguments_are_zero_copy() {
        let mut buf = BytesMut::from(&b"*2\r\n$3\r\nGET\r\n$3\r\nkey\r\nSET k v\r\n"[..]);
        let base = buf.as_ptr() as usize;
        let mut decoder = RequestDecoder::default();
        let argv = decoder.decode(&mut buf).expect("valid").expect("complete");
        assert_eq!(argv[0].as_ptr() as usize, base + 8);
        assert_eq!(argv[1].as_ptr() as usize, base + 17);
        let argv = decoder.decode(&mut buf).expect("valid").expect("complete");
        assert_eq!(argv[2], &b"v"[..]);
        assert_eq!(argv[2].as_ptr() as usize, base + 28);
        assert!(buf.is_empty());
    }

    #[test]
    fn hostile_headers_do_not_allocate() {
        let mut decoder = RequestDecoder::default();
        let mut buf = BytesMut::from(&b"*2147483647\r\n$536870912\r\nab"[..]);
        let capacity = buf.capacity();
        assert_eq!(decoder.decode(&mut buf), Ok(None));
        match &decoder.state {
            State::Multibulk { argv, .. } => assert!(argv.capacity() <= ARGV_PREALLOC_CAP),
            State::Idle => panic!("should be inside the multibulk"),
        }
        assert!(buf.capacity() <= capacity);
        assert_eq!(&buf[..], b"ab");
    }

    #[test]
    fn byte_by_byte_is_linear() {
        // 200k arguments fed one byte per call: a decoder that rescanned parsed arguments
        // would do ~10^11 steps here and never finish.
        let n = 200_000;
        let mut input = format!("*{n}\r\n").into_bytes();
        for _ in 0..n {
            input.extend_from_slice(b"$1\r\nx\r\n");
        }
        let mut decoder = RequestDecoder::default();
        let mut buf = BytesMut::new();
        let mut got = None;
        for &b in &input {
            buf.extend_from_slice(&[b]);
            if let Some(argv) = decoder.decode(&mut buf).expect("valid") {
                got = Some(argv.len());
            }
        }
        assert_eq!(got, Some(n));
        // Same for one long header line and one long inline line.
        let mut decoder = RequestDecoder::default();
        let mut buf = BytesMut::new();
        let mut line = vec![b'a'; 60_000];
        line.extend_from_slice(b"\r\n");
        let mut got = None;
        for &b in &line {
            buf.extend_from_slice(&[b]);
            if let Some(argv) = decoder.decode(&mut buf).expect("valid") {
                got = Some(argv[0].len());
            }
        }
        assert_eq!(got, Some(60_000));
    }

    #[test]
    fn limits_are_configurable() {
        let mut decoder = RequestDecoder::new(RequestLimits {
            max_bulk_len: 3,
            max_inline_len: 8,
        });
        let e = decoder
            .decode(&mut BytesMut::from(&b"*1\r\n$4\r\n"[..]))
            .expect_err("too long");
        assert_eq!(e.message(), BULK_LEN);
        decoder.set_limits(RequestLimits::default());
        let mut decoder = RequestDecoder::new(RequestLimits {
            max_bulk_len: 3,
            max_inline_len: 8,
        });
        let e = decoder
            .decode(&mut BytesMut::from(&b"123456789"[..]))
            .expect_err("too long");
        assert_eq!(e.kind(), ProtocolErrorKind::TooBigInlineRequest);
    }
}
