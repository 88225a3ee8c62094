//! The one error type of the wire decoders, carrying Redis's exact protocol-error wording.
//!
//! Both [`crate::request::RequestDecoder`] and [`crate::decode::decode_frame`] fail with
//! [`ProtocolError`]. A protocol error is always fatal for the connection: Redis replies
//! `-ERR <message>` and closes it, because the decoder can no longer tell where the next request
//! starts.

use std::borrow::Cow;

/// Which protocol rule the peer broke.
///
/// The texts of the request-side kinds were checked byte for byte against redis-server 7.0.15.
/// The frame-side kinds have no Redis equivalent (Redis never parses replies) and use wording in
/// the same style.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum ProtocolErrorKind {
    /// `*N` where N is not a strict integer or exceeds `i32::MAX`.
    InvalidMultibulkLength,
    /// `*N` with N > 10 before the connection authenticated.
    UnauthenticatedMultibulkLength,
    /// A `*N` line longer than the inline limit without a CR.
    TooBigMultibulkCount,
    /// A multibulk element that does not start with `$`; carries the offending byte.
    ExpectedDollar(u8),
    /// `$N` where N is not a strict integer, is negative, or exceeds `proto-max-bulk-len`.
    InvalidBulkLength,
    /// `$N` with N > 16384 before the connection authenticated.
    UnauthenticatedBulkLength,
    /// A `$N` line longer than the inline limit without a CR.
    TooBigBulkCount,
    /// An inline request longer than the inline limit without a newline.
    TooBigInlineRequest,
    /// An inline request whose quoting `sdssplitargs` rejects.
    UnbalancedQuotes,
    /// A reply frame starting with a byte that is no RESP type.
    InvalidFrameType(u8),
    /// A line that is not terminated by CRLF where the frame needs one.
    ExpectedCrlf,
    /// A reply line (simple string, error, number) longer than the bulk limit.
    LineTooLong,
    /// A `:` integer that is not a valid `i64`.
    InvalidInteger,
    /// A `,` double that is not a number, `inf`, `-inf` or `nan`.
    InvalidDouble,
    /// A `#` boolean other than `t` or `f`.
    InvalidBoolean,
    /// A `(` big number that is not an optionally negative run of digits.
    InvalidBigNumber,
    /// A `=` verbatim string shorter than 4 bytes or without `:` after its format.
    InvalidVerbatim,
    /// An aggregate count that is not an integer, is negative (other than `*-1`) or is too large.
    InvalidAggregateLength,
    /// Aggregates nested deeper than the decoder allows.
    NestingTooDeep,
}

/// A protocol violation; `Display` is Redis's text without the `ERR ` prefix.
///
/// The server replies `-ERR {message}` and closes the connection.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{text}")]
pub struct ProtocolError {
    kind: ProtocolErrorKind,
    text: Cow<'static, str>,
}

impl ProtocolError {
    /// Builds the error for `kind` with its fixed wording.
    pub fn new(kind: ProtocolErrorKind) -> Self {
        let text: Cow<'static, str> = match kind {
            ProtocolErrorKind::InvalidMultibulkLength => {
                "Protocol error: invalid multibulk length".into()
            }
            ProtocolErrorKind::UnauthenticatedMultibulkLength => {
                "Protocol error: unauthenticated multibulk length".into()
            }
            ProtocolErrorKind::TooBigMultibulkCount => {
                "Protocol error: too big mbulk count string".into()
            }
            ProtocolErrorKind::ExpectedDollar(byte) => format!(
                "Protocol error: expected '$', got '{}'",
                char::from(one_line(byte))
            )
            .into(),
            ProtocolErrorKind::InvalidBulkLength => "Protocol error: invalid bulk length".into(),
            ProtocolErrorKind::UnauthenticatedBulkLength => {
                "Protocol error: unauthenticated bulk length".into()
            }
            ProtocolErrorKind::TooBigBulkCount => {
                "Protocol error: too big bulk count string".into()
            }
            ProtocolErrorKind::TooBigInlineRequest => {
                "Protocol error: too big inline request".into()
            }
            ProtocolErrorKind::UnbalancedQuotes => {
                "Protocol error: unbalanced quotes in request".into()
            }
            ProtocolErrorKind::InvalidFrameType(byte) => {
                format!("Protocol error: invalid frame type byte 0x{byte:02x}").into()
            }
            ProtocolErrorKind::ExpectedCrlf => "Protocol error: expected CRLF".into(),
            ProtocolErrorKind::LineTooLong => "Protocol error: too big line".into(),
            ProtocolErrorKind::InvalidInteger => "Protocol error: invalid integer".into(),
            ProtocolErrorKind::InvalidDouble => "Protocol error: invalid double".into(),
            ProtocolErrorKind::InvalidBoolean => "Protocol error: invalid boolean".into(),
            ProtocolErrorKind::InvalidBigNumber => "Protocol error: invalid big number".into(),
            ProtocolErrorKind::InvalidVerbatim => "Protocol error: invalid verbatim string".into(),
            ProtocolErrorKind::InvalidAggregateLength => {
                "Protocol error: invalid aggregate length".into()
            }
            ProtocolErrorKind::NestingTooDeep => "Protocol error: nesting too deep".into(),
        };
        ProtocolError { kind, text }
    }

    /// Which rule was broken.
    pub fn kind(&self) -> ProtocolErrorKind {
        self.kind
    }

    /// The message without the `ERR ` prefix, e.g. `Protocol error: invalid multibulk length`.
    ///
    /// For [`ProtocolErrorKind::ExpectedDollar`] with a non-ASCII byte the byte is shown as the
    /// Latin-1 character; [`ProtocolError::to_wire_bytes`] gives Redis's raw byte instead.
    pub fn message(&self) -> &str {
        &self.text
    }

    /// The message exactly as redis-server puts it on the wire after `-ERR `: the offending byte
    /// of `expected '$', got 'X'` raw, with CR and LF turned into spaces (Redis sanitises error
    /// replies so they stay one line).
    pub fn to_wire_bytes(&self) -> Vec<u8> {
        match self.kind {
            ProtocolErrorKind::ExpectedDollar(byte) => {
                let mut out = b"Protocol error: expected '$', got '".to_vec();
                out.push(one_line(byte));
                out.push(b'\'');
                out
            }
            _ => self.text.as_bytes().to_vec(),
        }
    }
}

/// Redis turns CR and LF inside error replies into spaces so the reply stays one line.
fn one_line(byte: u8) -> u8 {
    if byte == b'\r' || byte == b'\n' {
        b' '
    } else {
        byte
    }
}

impl From<ProtocolErrorKind> for ProtocolError {
    fn from(kind: ProtocolErrorKind) -> Self {
        ProtocolError::new(kind)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn expected_dollar_is_sanitised_on_the_wire() {
        let e = ProtocolError::new(ProtocolErrorKind::ExpectedDollar(b'\r'));
        assert_eq!(e.to_wire_bytes(), b"Protocol error: expected '$', got ' '");
        assert_eq!(e.message(), "Protocol error: expected '$', got ' '");
        let e = ProtocolError::new(ProtocolErrorKind::ExpectedDollar(0xff));
        assert_eq!(
            e.to_wire_bytes(),
            b"Protocol error: expected '$', got '\xff'"
        );
        let e = ProtocolError::new(ProtocolErrorKind::ExpectedDollar(b':'));
        assert_eq!(e.message(), "Protocol error: expected '$', got ':'");
        assert_eq!(e.to_string(), e.message());
    }
}
