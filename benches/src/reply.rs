//! A reply scanner for the load generator: finds where each complete RESP2/RESP3 reply ends and
//! whether it is an error, without building values. The generator only needs to count replies
//! and read the text of errors (`MOVED`, `ASK`), so it must not allocate per reply.

use thiserror::Error;

/// The server sent bytes that are not RESP.
#[derive(Debug, Error, PartialEq, Eq)]
#[error("protocol error in reply: {0}")]
pub struct ReplyError(pub String);

/// One complete reply at the start of the buffer.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Scanned {
    /// Bytes the reply takes, terminators included.
    pub len: usize,
    /// `Some(range)` of the error text (after `-` or inside `!`) when the reply is an error.
    pub error: Option<(usize, usize)>,
}

/// Scans one reply at the start of `buf`: `Ok(None)` when it is not complete yet.
///
/// # Errors
/// When a type byte or a length is not valid RESP.
pub fn scan(buf: &[u8]) -> Result<Option<Scanned>, ReplyError> {
    let mut pos = 0;
    // Values still to read: aggregates add their elements.
    let mut pending: u64 = 1;
    let mut error = None;
    let mut first = true;
    while pending > 0 {
        let Some(end) = find_crlf(buf, pos) else {
            return Ok(None);
        };
        let kind = buf[pos];
        let line = (pos + 1, end);
        pos = end + 2;
        pending -= 1;
        match kind {
            b'-' => {
                if first {
                    error = Some(line);
                }
            }
            b'+' | b':' | b'_' | b',' | b'#' | b'(' => {}
            b'$' | b'=' | b'!' => {
                let n = parse_len(&buf[line.0..line.1])?;
                if n >= 0 {
                    let n = n as usize;
                    if buf.len() < pos + n + 2 {
                        return Ok(None);
                    }
                    if kind == b'!' && first {
                        error = Some((pos, pos + n));
                    }
                    pos += n + 2;
                }
            }
            b'*' | b'~' | b'>' => pending += parse_len(&buf[line.0..line.1])?.max(0) as u64,
            b'%' => pending += 2 * parse_len(&buf[line.0..line.1])?.max(0) as u64,
            // An attribute map comes before the value it describes.
            b'|' => pending += 2 * parse_len(&buf[line.0..line.1])?.max(0) as u64 + 1,
            other => {
                return Err(ReplyError(format!(
                    "unexpected type byte 0x{other:02x} at offset {}",
                    line.0 - 1
                )))
            }
        }
        first = false;
    }
    Ok(Some(Scanned { len: pos, error }))
}

fn find_crlf(buf: &[u8], from: usize) -> Option<usize> {
    let mut at = from;
    while at < buf.len() {
        let nl = at + buf[at..].iter().position(|&b| b == b'\n')?;
        if nl > from && buf[nl - 1] == b'\r' {
            return Some(nl - 1);
        }
        at = nl + 1;
    }
    None
}

fn parse_len(text: &[u8]) -> Result<i64, ReplyError> {
    std::str::from_utf8(text)
        .ok()
        .and_then(|t| t.parse::<i64>().ok())
        .filter(|&n| (-1..=1 << 40).contains(&n))
        .ok_or_else(|| ReplyError(format!("bad length '{}'", String::from_utf8_lossy(text))))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn whole(buf: &[u8]) -> Scanned {
        let scanned = scan(buf).unwrap().unwrap();
        assert_eq!(scanned.len, buf.len(), "{:?}", String::from_utf8_lossy(buf));
        scanned
    }

    #[test]
    fn scans_simple_bulk_and_nested_replies() {
        assert_eq!(whole(b"+OK\r\n").error, None);
        whole(b"$-1\r\n");
        whole(b"$5\r\nhe\r\nl\r\n");
        whole(b":12\r\n");
        whole(b"*2\r\n$1\r\na\r\n*1\r\n:1\r\n");
        whole(b"*-1\r\n");
        whole(b"%1\r\n+k\r\n,1.5\r\n");
        whole(b"|1\r\n+a\r\n+b\r\n#t\r\n");
        whole(b"*0\r\n");
    }

    #[test]
    fn finds_error_text() {
        let buf = b"-MOVED 3999 127.0.0.1:7002\r\n";
        let s = whole(buf);
        let (a, b) = s.error.unwrap();
        assert_eq!(&buf[a..b], b"MOVED 3999 127.0.0.1:7002");
        let buf = b"!3\r\nERR\r\n";
        let (a, b) = whole(buf).error.unwrap();
        assert_eq!(&buf[a..b], b"ERR");
    }

    #[test]
    fn every_prefix_of_a_reply_is_incomplete() {
        let buf = b"*3\r\n$3\r\nfoo\r\n-ERR x\r\n%1\r\n:1\r\n$-1\r\n+OK\r\n";
        let first = scan(buf).unwrap().unwrap();
        for cut in 0..first.len {
            assert_eq!(scan(&buf[..cut]).unwrap(), None, "cut at {cut}");
        }
        assert_eq!(whole(&buf[first.len..]).len, 5);
    }

    #[test]
    fn rejects_garbage() {
        assert!(scan(b"?\r\n").is_err());
        assert!(scan(b"$x\r\n").is_err());
        assert!(scan(b"*-5\r\n").is_err());
    }
}
