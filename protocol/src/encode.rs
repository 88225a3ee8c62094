//! Encoding of [`Frame`]s into Redis's exact reply bytes, RESP2 or RESP3.
//!
//! RESP3-only types are downgraded for RESP2 connections the way redis-server 7.0 does it (see
//! [`encode`]). Doubles use C's `%.17g`, which is what 7.0's `addReplyDouble` prints. Everything
//! writes straight into the output buffer: integers through `itoa`, doubles through a stack
//! buffer, no intermediate allocation.

use std::fmt::Write as _;

use bytes::{BufMut, BytesMut};

use crate::frame::{Frame, Version};

const CRLF: &[u8] = b"\r\n";

/// Appends `frame` to `out` as `version` puts it on the wire.
///
/// RESP2 downgrades: Map and Pairs → flat array of 2N (RESP3 writes Pairs as an array of
/// 2-element arrays), Set → array, Double → bulk string, Boolean →
/// integer 1/0, BigNumber → bulk, Verbatim → bulk of the text alone, Push → array, Attribute →
/// only the inner frame, Null → `$-1`, NullArray → `*-1`. In RESP3 both nulls are `_`.
///
/// Simple strings and errors are written as given: they must not contain CR or LF.
pub fn encode(frame: &Frame, version: Version, out: &mut BytesMut) {
    let resp3 = version == Version::Resp3;
    match frame {
        Frame::Simple(s) => line(out, b'+', s),
        Frame::Error(e) => line(out, b'-', e),
        Frame::Integer(n) => integer_line(out, b':', *n),
        Frame::Bulk(b) => bulk(out, b),
        Frame::Null if resp3 => out.put_slice(b"_\r\n"),
        Frame::Null => out.put_slice(b"$-1\r\n"),
        Frame::NullArray if resp3 => out.put_slice(b"_\r\n"),
        Frame::NullArray => out.put_slice(b"*-1\r\n"),
        Frame::Array(items) => {
            integer_line(out, b'*', len_i64(items.len()));
            for item in items {
                encode(item, version, out);
            }
        }
        Frame::Map(pairs) => {
            if resp3 {
                integer_line(out, b'%', len_i64(pairs.len()));
            } else {
                integer_line(out, b'*', len_i64(pairs.len()).saturating_mul(2));
            }
            pairs_body(pairs, version, out);
        }
        Frame::Pairs(pairs) => {
            if resp3 {
                integer_line(out, b'*', len_i64(pairs.len()));
                for (a, b) in pairs {
                    out.put_slice(b"*2\r\n");
                    encode(a, version, out);
                    encode(b, version, out);
                }
            } else {
                integer_line(out, b'*', len_i64(pairs.len()).saturating_mul(2));
                pairs_body(pairs, version, out);
            }
        }
        Frame::Set(items) => {
            integer_line(out, if resp3 { b'~' } else { b'*' }, len_i64(items.len()));
            for item in items {
                encode(item, version, out);
            }
        }
        Frame::Push(items) => {
            integer_line(out, if resp3 { b'>' } else { b'*' }, len_i64(items.len()));
            for item in items {
                encode(item, version, out);
            }
        }
        Frame::Double(d) => {
            let digits = DoubleText::new(*d);
            if resp3 {
                line(out, b',', digits.as_bytes());
            } else {
                bulk(out, digits.as_bytes());
            }
        }
        Frame::Boolean(b) => match (resp3, b) {
            (true, true) => out.put_slice(b"#t\r\n"),
            (true, false) => out.put_slice(b"#f\r\n"),
            (false, true) => out.put_slice(b":1\r\n"),
            (false, false) => out.put_slice(b":0\r\n"),
        },
        Frame::BigNumber(n) => {
            if resp3 {
                line(out, b'(', n);
            } else {
                bulk(out, n);
            }
        }
        Frame::Verbatim { format, text } => {
            if resp3 {
                integer_line(out, b'=', len_i64(text.len()).saturating_add(4));
                out.reserve(text.len() + 6);
                out.put_slice(format);
                out.put_u8(b':');
                out.put_slice(text);
                out.put_slice(CRLF);
            } else {
                bulk(out, text);
            }
        }
        Frame::Attribute { attrs, frame } => {
            if resp3 {
                integer_line(out, b'|', len_i64(attrs.len()));
                pairs_body(attrs, version, out);
            }
            encode(frame, version, out);
        }
    }
}

/// Appends a client request: a multibulk of bulk strings, e.g. `*1\r\n$4\r\nPING\r\n`.
pub fn encode_request(args: &[&[u8]], out: &mut BytesMut) {
    integer_line(out, b'*', len_i64(args.len()));
    for arg in args {
        bulk(out, arg);
    }
}

/// Appends `value` formatted like C's `printf("%.17g")`, as Redis 7.0 replies doubles:
/// 1.5 → `1.5`, 0.1 → `0.10000000000000001`, 1e20 → `1e+20`, 100 → `100`, and `inf`, `-inf`,
/// `nan` for the special values.
pub fn format_double(value: f64, out: &mut Vec<u8>) {
    let digits = DoubleText::new(value);
    out.extend_from_slice(digits.as_bytes());
}

fn pairs_body(pairs: &[(Frame, Frame)], version: Version, out: &mut BytesMut) {
    for (key, value) in pairs {
        encode(key, version, out);
        encode(value, version, out);
    }
}

/// `<kind><bytes>\r\n`.
fn line(out: &mut BytesMut, kind: u8, body: &[u8]) {
    out.reserve(body.len() + 3);
    out.put_u8(kind);
    out.put_slice(body);
    out.put_slice(CRLF);
}

/// `<kind><n>\r\n`.
fn integer_line(out: &mut BytesMut, kind: u8, n: i64) {
    let mut digits = itoa::Buffer::new();
    line(out, kind, digits.format(n).as_bytes());
}

/// `$<len>\r\n<bytes>\r\n`.
fn bulk(out: &mut BytesMut, body: &[u8]) {
    let mut digits = itoa::Buffer::new();
    let len = digits.format(body.len()).as_bytes();
    out.reserve(body.len() + len.len() + 5);
    out.put_u8(b'$');
    out.put_slice(len);
    out.put_slice(CRLF);
    out.put_slice(body);
    out.put_slice(CRLF);
}

/// Collection lengths always fit an `i64` on supported targets; saturate rather than panic.
fn len_i64(len: usize) -> i64 {
    i64::try_from(len).unwrap_or(i64::MAX)
}

/// Room for the longest `%.17g` text: sign, 17 digits, point, `e-308` — and for Rust's
/// `{:.16e}` form we derive it from (`-d.dddddddddddddddde-308`).
const DOUBLE_TEXT_CAP: usize = 32;

/// A double rendered as `%.17g` in a stack buffer.
struct DoubleText {
    buf: [u8; DOUBLE_TEXT_CAP],
    len: usize,
}

impl DoubleText {
    fn new(value: f64) -> Self {
        let mut text = DoubleText {
            buf: [0; DOUBLE_TEXT_CAP],
            len: 0,
        };
        if value.is_nan() {
            text.push_slice(b"nan");
        } else if value.is_infinite() {
            text.push_slice(if value > 0.0 { b"inf" } else { b"-inf" });
        } else {
            text.push_g17(value);
        }
        text
    }

    fn as_bytes(&self) -> &[u8] {
        &self.buf[..self.len]
    }

    fn push(&mut self, b: u8) {
        // The buffer is sized for the longest possible text; a longer one is a bug, and
        // truncating beats panicking in a reply path.
        if let Some(slot) = self.buf.get_mut(self.len) {
            *slot = b;
            self.len += 1;
        }
    }

    fn push_slice(&mut self, s: &[u8]) {
        for &b in s {
            self.push(b);
        }
    }

    /// `%.17g` for a finite value.
    ///
    /// Rust's `{:.16e}` yields the same 17 correctly rounded significant digits (ties to even,
    /// like glibc) as `d.dddddddddddddddde<exp>`; `%g` then picks fixed or exponent notation
    /// by the exponent and strips trailing zeros.
    fn push_g17(&mut self, value: f64) {
        let mut sci = Scratch::default();
        // Writing into a fixed buffer cannot fail for a finite f64 (at most 24 bytes).
        let _ = write!(sci, "{value:.16e}");
        let sci = sci.as_bytes();
        let (negative, sci) = match sci.split_first() {
            Some((b'-', rest)) => (true, rest),
            _ => (false, sci),
        };
        let e_pos = sci.iter().position(|&b| b == b'e').unwrap_or(sci.len());
        let mut digits = [0u8; 17];
        let mut n_digits = 0;
        for &b in &sci[..e_pos] {
            if b.is_ascii_digit() && n_digits < digits.len() {
                digits[n_digits] = b;
                n_digits += 1;
            }
        }
        let exp = sci
            .get(e_pos + 1..)
            .and_then(|e| std::str::from_utf8(e).ok())
            .and_then(|e| e.parse::<i32>().ok())
            .unwrap_or(0);
        // `%g` drops trailing zeros of the significand; keep at least one digit.
        while n_digits > 1 && digits[n_digits - 1] == b'0' {
            n_digits -= 1;
        }
        let digits = &digits[..n_digits];
        if negative {
            self.push(b'-');
        }
        if (-4..17).contains(&exp) {
            if exp >= 0 {
                let int_len = usize::try_from(exp).unwrap_or(0) + 1;
                for i in 0..int_len {
                    self.push(digits.get(i).copied().unwrap_or(b'0'));
                }
                if digits.len() > int_len {
                    self.push(b'.');
                    self.push_slice(&digits[int_len..]);
                }
            } else {
                self.push_slice(b"0.");
                for _ in 0..(-exp - 1) {
                    self.push(b'0');
                }
                self.push_slice(digits);
            }
        } else {
            let (first, rest) = digits.split_first().unwrap_or((&b'0', &[]));
            self.push(*first);
            if !rest.is_empty() {
                self.push(b'.');
                self.push_slice(rest);
            }
            self.push(b'e');
            self.push(if exp < 0 { b'-' } else { b'+' });
            let abs = exp.unsigned_abs();
            if abs < 10 {
                self.push(b'0');
            }
            let mut exp_digits = itoa::Buffer::new();
            self.push_slice(exp_digits.format(abs).as_bytes());
        }
    }
}

/// A fixed stack buffer implementing `fmt::Write`, for Rust's float formatting.
#[derive(Default)]
struct Scratch {
    buf: [u8; DOUBLE_TEXT_CAP],
    len: usize,
}

impl Scratch {
    fn as_bytes(&self) -> &[u8] {
        &self.buf[..self.len]
    }
}

impl std::fmt::Write for Scratch {
    fn write_str(&mut self, s: &str) -> std::fmt::Result {
        let end = self.len + s.len();
        let dst = self.buf.get_mut(self.len..end).ok_or(std::fmt::Error)?;
        dst.copy_from_slice(s.as_bytes());
        self.len = end;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use bytes::Bytes;

    fn enc(frame: &Frame, version: Version) -> Vec<u8> {
        let mut out = BytesMut::new();
        encode(frame, version, &mut out);
        out.to_vec()
    }

    fn b(s: &'static str) -> Bytes {
        Bytes::from_static(s.as_bytes())
    }

    fn g17(v: f64) -> String {
        let mut out = Vec::new();
        format_double(v, &mut out);
        String::from_utf8(out).unwrap_or_default()
    }

    #[test]
    fn format_double_matches_printf_g17() {
        // Produced by Python's '%.17g' (correctly rounded like glibc); a dozen of these were
        // also checked as RESP3 ZSCORE replies of redis-server 7.0.15.
        let table: &[(u64, &str)] = &[
            (0x3ff8000000000000, "1.5"),
            (0x3fb999999999999a, "0.10000000000000001"),
            (0x4415af1d78b58c40, "1e+20"),
            (0x4059000000000000, "100"),
            (0xbf1a36e2eb1c432d, "-0.0001"),
            (0x3ee4f8b588e368f1, "1.0000000000000001e-05"),
            (0x419d6f34547df3b6, "123456789.123"),
            (0x4341c37937e08000, "10000000000000000"),
            (0x4376345785d8a000, "1e+17"),
            (0x400921f9f01b866e, "3.1415899999999999"),
            (0x81bac9a7b3b7302f, "-2.5e-300"),
            (0x0000000000000000, "0"),
            (0x8000000000000000, "-0"),
            (0x3e60000000000000, "2.9802322387695312e-08"),
            (0x0000000000000001, "4.9406564584124654e-324"),
            (0x7fefffffffffffff, "1.7976931348623157e+308"),
            (0x0010000000000000, "2.2250738585072014e-308"),
            (0x3f1a36e2eb1c432d, "0.0001"),
            (0x3ee4f8b588e368f1, "1.0000000000000001e-05"),
            (0x4345ee2a2eb5a5c4, "12345678901234568"),
            (0x3fd5555555555555, "0.33333333333333331"),
            (0xbfd5555555555555, "-0.33333333333333331"),
            (0x4340000000000000, "9007199254740992"),
            (0x4340000000000001, "9007199254740994"),
            (0x3f1a36e2eb1c432d, "0.0001"),
            (0x3f1a36e2eb1c432c, "9.9999999999999991e-05"),
            (0x4376345785d8a000, "1e+17"),
            (0x430c6bf526340000, "1000000000000000"),
            (0x405ec00000000000, "123"),
            (0xc045000000000000, "-42"),
            (0x3fe0000000000000, "0.5"),
            (0xf2a74de452e6b438, "-1.989032661366619e+244"),
            (0x6513270e269e0d37, "7.761117632285041e+178"),
            (0x0c5c7fd0a6a3a450, "3.980498358697587e-249"),
            (0xd23f0824128b2f33, "-1.5432835417340557e+88"),
            (0x1818e811892f902b, "1.3647584518757569e-192"),
            (0x9531985d5d9dc9f8, "-1.3701135617873088e-206"),
            (0xe8e25d940ed90475, "-1.7160537630466207e+197"),
            (0x36f675cc81e74ef5, "6.2946752411953861e-44"),
            (0x1600a35a099950d8, "1.0613447212142254e-202"),
            (0x6b0d549b6f03675a, "4.7083251603875462e+207"),
            (0x3d9c172411e20b8f, "6.3870161585135632e-12"),
            (0x8d116ece1738f7d9, "-9.9731303785687331e-246"),
            (0x0f21ddb66cad4a26, "8.7797532256802712e-236"),
            (0x90c192cfd3ac94af, "-5.7955032484989932e-228"),
            (0xf28c105d1fb17c23, "-5.9881801593860111e+243"),
            (0xa170b33839263059, "-1.3060523885277959e-147"),
            (0x953f48f1a09f76b5, "-2.4361176994848409e-206"),
            (0x0fd630f1f29d0da9, "2.2333869991501741e-232"),
            (0x95e60af593bd04cf, "-3.5152797062666699e-203"),
            (0x0cb1e29c658cda14, "1.5987381841032883e-247"),
            (0x3898d190f9ebdacc, "4.6678633181812096e-36"),
            (0x8e81973e0becd7b0, "-8.4418727921054556e-239"),
            (0x2217beaddbc496cb, "1.9015657400796622e-144"),
            (0x6b4cb2424a23d596, "7.370437700706684e+208"),
            (0x8a6a63ec24ede6a4, "-1.7163996725272777e-258"),
            (0xc12753ff0c352f28, "-764415.52384326328"),
            (0xc11760f1683d3eba, "-383036.35179613123"),
            (0x41234b796fbd2958, "632252.71824006271"),
            (0xc1237ca67af53826, "-638547.24015212501"),
            (0x4103ec029e5c88c0, "163200.32732493244"),
            (0x4110f50bc05c5f08, "277826.93785236822"),
            (0xc10f272750fed2dc, "-255204.91454853758"),
            (0x40f7500ee717bb10, "95488.931419115746"),
            (0xc12aaf6c19a097da, "-874422.05005335365"),
            (0xc12ae13b51f45f35, "-880797.66006753466"),
            (0xc121f2652612b0c2, "-588082.57436134689"),
            (0x4116057fc913883c, "360799.9463635718"),
            (0xc101ad7b1bfa6674, "-144815.38866119424"),
            (0xc116afe6a3117e24, "-371705.659246417"),
            (0x4104e39dd0ed62c0, "171123.72701527737"),
        ];
        for &(bits, text) in table {
            assert_eq!(g17(f64::from_bits(bits)), text, "bits {bits:#x}");
        }
        assert_eq!(g17(f64::INFINITY), "inf");
        assert_eq!(g17(f64::NEG_INFINITY), "-inf");
        assert_eq!(g17(f64::NAN), "nan");
    }

    #[test]
    fn resp2_scalars() {
        let v = Version::Resp2;
        assert_eq!(enc(&Frame::ok(), v), b"+OK\r\n");
        assert_eq!(enc(&Frame::error(b("ERR x")), v), b"-ERR x\r\n");
        assert_eq!(enc(&Frame::Integer(-42), v), b":-42\r\n");
        assert_eq!(
            enc(&Frame::Integer(i64::MIN), v),
            b":-9223372036854775808\r\n"
        );
        assert_eq!(enc(&Frame::Bulk(b("foo")), v), b"$3\r\nfoo\r\n");
        assert_eq!(enc(&Frame::Bulk(Bytes::new()), v), b"$0\r\n\r\n");
        assert_eq!(enc(&Frame::Null, v), b"$-1\r\n");
        assert_eq!(enc(&Frame::NullArray, v), b"*-1\r\n");
        assert_eq!(enc(&Frame::Double(1.5), v), b"$3\r\n1.5\r\n");
        assert_eq!(enc(&Frame::Double(f64::NEG_INFINITY), v), b"$4\r\n-inf\r\n");
        assert_eq!(enc(&Frame::Boolean(true), v), b":1\r\n");
        assert_eq!(enc(&Frame::Boolean(false), v), b":0\r\n");
        assert_eq!(enc(&Frame::BigNumber(b("-123")), v), b"$4\r\n-123\r\n");
        let verbatim = Frame::Verbatim {
            format: *b"txt",
            text: b("hi"),
        };
        assert_eq!(enc(&verbatim, v), b"$2\r\nhi\r\n");
    }

    #[test]
    fn resp3_scalars() {
        let v = Version::Resp3;
        assert_eq!(enc(&Frame::Null, v), b"_\r\n");
        assert_eq!(enc(&Frame::NullArray, v), b"_\r\n");
        assert_eq!(enc(&Frame::Double(0.1), v), b",0.10000000000000001\r\n");
        assert_eq!(enc(&Frame::Double(f64::INFINITY), v), b",inf\r\n");
        assert_eq!(enc(&Frame::Double(f64::NAN), v), b",nan\r\n");
        assert_eq!(enc(&Frame::Boolean(true), v), b"#t\r\n");
        assert_eq!(enc(&Frame::Boolean(false), v), b"#f\r\n");
        assert_eq!(enc(&Frame::BigNumber(b("123")), v), b"(123\r\n");
        let verbatim = Frame::Verbatim {
            format: *b"txt",
            text: b("Some string"),
        };
        assert_eq!(enc(&verbatim, v), b"=15\r\ntxt:Some string\r\n");
    }

    #[test]
    fn aggregates_and_downgrades() {
        let map = Frame::Map(vec![
            (Frame::Bulk(b("a")), Frame::Integer(1)),
            (Frame::Bulk(b("b")), Frame::Null),
        ]);
        assert_eq!(
            enc(&map, Version::Resp3),
            b"%2\r\n$1\r\na\r\n:1\r\n$1\r\nb\r\n_\r\n"
        );
        assert_eq!(
            enc(&map, Version::Resp2),
            b"*4\r\n$1\r\na\r\n:1\r\n$1\r\nb\r\n$-1\r\n"
        );
        let pairs = Frame::Pairs(vec![(Frame::Bulk(b("m")), Frame::Double(1.5))]);
        assert_eq!(
            enc(&pairs, Version::Resp3),
            b"*1\r\n*2\r\n$1\r\nm\r\n,1.5\r\n"
        );
        assert_eq!(
            enc(&pairs, Version::Resp2),
            b"*2\r\n$1\r\nm\r\n$3\r\n1.5\r\n"
        );
        let set = Frame::Set(vec![Frame::Integer(1)]);
        assert_eq!(enc(&set, Version::Resp3), b"~1\r\n:1\r\n");
        assert_eq!(enc(&set, Version::Resp2), b"*1\r\n:1\r\n");
        let push = Frame::Push(vec![Frame::Bulk(b("message"))]);
        assert_eq!(enc(&push, Version::Resp3), b">1\r\n$7\r\nmessage\r\n");
        assert_eq!(enc(&push, Version::Resp2), b"*1\r\n$7\r\nmessage\r\n");
        let attr = Frame::Attribute {
            attrs: vec![(Frame::simple("ttl"), Frame::Integer(3))],
            frame: Box::new(Frame::Array(vec![])),
        };
        assert_eq!(enc(&attr, Version::Resp3), b"|1\r\n+ttl\r\n:3\r\n*0\r\n");
        assert_eq!(enc(&attr, Version::Resp2), b"*0\r\n");
    }

    #[test]
    fn request_encoding() {
        let mut out = BytesMut::new();
        encode_request(&[b"SET", b"k", b"a\r\nb"], &mut out);
        assert_eq!(&out[..], b"*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$4\r\na\r\nb\r\n");
        out.clear();
        encode_request(&[], &mut out);
        assert_eq!(&out[..], b"*0\r\n");
    }
}
