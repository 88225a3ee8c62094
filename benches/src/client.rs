//! A blocking one-request client for set-up and measurement (`CLUSTER SLOTS`, `INFO`, `PING`),
//! and a blocking pipelined [`Connection`] for filling servers (W10's collections); never on
//! the measured path.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::Duration;

use bytes::BytesMut;
use redraft_protocol::{decode_frame, encode_request, Frame};

/// Sends one command to `addr` and returns its reply (error replies are returned as frames).
///
/// # Errors
/// The connection failed, timed out after 10 s, or the reply was not RESP.
pub fn command(addr: &str, args: &[&[u8]]) -> Result<Frame, String> {
    let mut stream = TcpStream::connect(addr).map_err(|e| format!("connect {addr}: {e}"))?;
    stream
        .set_read_timeout(Some(Duration::from_secs(10)))
        .map_err(|e| e.to_string())?;
    let mut request = BytesMut::new();
    encode_request(args, &mut request);
    stream
        .write_all(&request)
        .map_err(|e| format!("write to {addr}: {e}"))?;
    read_frame(&mut stream).map_err(|e| format!("reply from {addr}: {e}"))
}

/// Reads one whole reply from `stream`.
///
/// # Errors
/// The stream closed or failed, or its bytes were not RESP.
pub fn read_frame(stream: &mut TcpStream) -> Result<Frame, String> {
    let mut buf = BytesMut::new();
    let mut chunk = [0u8; 16 * 1024];
    loop {
        if let Some(frame) = decode_frame(&mut buf).map_err(|e| e.message().to_string())? {
            return Ok(frame);
        }
        let n = stream.read(&mut chunk).map_err(|e| e.to_string())?;
        if n == 0 {
            return Err("connection closed".into());
        }
        buf.extend_from_slice(&chunk[..n]);
    }
}

/// A blocking connection that writes batches of requests and reads their replies in order,
/// keeping bytes of replies not yet asked for (which a one-reply read would drop).
pub struct Connection {
    addr: String,
    stream: TcpStream,
    buf: BytesMut,
}

impl Connection {
    /// Connects to `addr`; each read then waits at most 30 s.
    ///
    /// # Errors
    /// The connection failed.
    pub fn open(addr: &str) -> Result<Connection, String> {
        let stream = TcpStream::connect(addr).map_err(|e| format!("connect {addr}: {e}"))?;
        stream
            .set_read_timeout(Some(Duration::from_secs(30)))
            .map_err(|e| e.to_string())?;
        Ok(Connection {
            addr: addr.to_string(),
            stream,
            buf: BytesMut::new(),
        })
    }

    /// Writes `requests` (each a command's arguments) in one write.
    ///
    /// # Errors
    /// The write failed.
    pub fn send<A: AsRef<[u8]>>(&mut self, requests: &[Vec<A>]) -> Result<(), String> {
        let mut out = BytesMut::new();
        for args in requests {
            let args: Vec<&[u8]> = args.iter().map(AsRef::as_ref).collect();
            encode_request(&args, &mut out);
        }
        self.stream
            .write_all(&out)
            .map_err(|e| format!("write to {}: {e}", self.addr))
    }

    /// The next reply (error replies are returned as frames).
    ///
    /// # Errors
    /// The stream closed, failed or timed out, or its bytes were not RESP.
    pub fn reply(&mut self) -> Result<Frame, String> {
        let mut chunk = [0u8; 16 * 1024];
        loop {
            match decode_frame(&mut self.buf) {
                Ok(Some(frame)) => return Ok(frame),
                Ok(None) => {}
                Err(e) => return Err(format!("reply from {}: {}", self.addr, e.message())),
            }
            let n = self
                .stream
                .read(&mut chunk)
                .map_err(|e| format!("reply from {}: {e}", self.addr))?;
            if n == 0 {
                return Err(format!("{} closed the connection", self.addr));
            }
            self.buf.extend_from_slice(&chunk[..n]);
        }
    }
}

/// The value of `field` in an `INFO` reply's text (`field:value` lines).
pub fn info_field(info: &str, field: &str) -> Option<String> {
    info.lines().find_map(|line| {
        let (name, value) = line.split_once(':')?;
        (name == field).then(|| value.trim().to_string())
    })
}

/// `INFO <section>` as text.
///
/// # Errors
/// As [`command`], or a reply that is not a bulk string.
pub fn info(addr: &str, section: &str) -> Result<String, String> {
    match command(addr, &[b"INFO", section.as_bytes()])? {
        Frame::Bulk(text) | Frame::Verbatim { text, .. } => {
            Ok(String::from_utf8_lossy(&text).into_owned())
        }
        other => Err(format!("INFO replied {other:?}")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_info_fields() {
        let text = "# Memory\r\nused_memory:1024\r\nused_memory_human:1.00K\r\n";
        assert_eq!(info_field(text, "used_memory").as_deref(), Some("1024"));
        assert_eq!(info_field(text, "used"), None);
    }
}
