//! Redis's `long double` arithmetic for INCRBYFLOAT (and HINCRBYFLOAT): x87 80-bit extended
//! precision (64-bit mantissa), emulated exactly with big integers so replies match Redis digit
//! for digit: `strtold` parsing (correctly rounded), addition rounded to nearest-even, and
//! `%.17Lf` formatting with trailing zeros removed.
//!
//! A value is `mant * 2^exp` with `mant` normalised to 64 significant bits (or zero).

use num_bigint::{BigInt, BigUint, Sign};
use num_traits::{One, Zero};

/// An 80-bit extended float (finite values only).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct LongDouble {
    neg: bool,
    mant: u64,
    exp: i32,
}

/// Largest exponent with `mant` in [2^63, 2^64): values stay below 2^16384.
const MAX_EXP: i32 = 16384 - 64;
/// Smallest normal exponent: values at least 2^-16382.
const MIN_EXP: i32 = -16382 - 63;

/// Why a value is refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LdError {
    /// Not a number `strtold` would accept entirely, or NaN, or out of range.
    Invalid,
    /// The result is infinite.
    Infinite,
}

impl LongDouble {
    /// Zero.
    pub const ZERO: LongDouble = LongDouble {
        neg: false,
        mant: 0,
        exp: 0,
    };

    /// Rounds `n * 2^exp` (plus a sticky fraction below it) to 64 bits, nearest-even.
    fn round(neg: bool, n: BigUint, mut exp: i32, sticky: bool) -> Result<LongDouble, LdError> {
        if n.is_zero() {
            return Ok(LongDouble {
                neg,
                mant: 0,
                exp: 0,
            });
        }
        let bits = n.bits() as i64;
        let mant = if bits <= 64 {
            let shift = (64 - bits) as i32;
            exp -= shift;
            let m: u64 = (n << shift as usize)
                .try_into()
                .map_err(|_| LdError::Invalid)?;
            m
        } else {
            let shift = (bits - 64) as usize;
            let q: BigUint = &n >> shift;
            let rem: BigUint = &n - (&q << shift);
            let half: BigUint = BigUint::one() << (shift - 1);
            let mut q: u64 = q.try_into().map_err(|_| LdError::Invalid)?;
            let up = rem > half || (rem == half && (sticky || q & 1 == 1));
            exp += shift as i32;
            if up {
                match q.checked_add(1) {
                    Some(v) => q = v,
                    None => {
                        q = 1 << 63;
                        exp += 1;
                    }
                }
            }
            q
        };
        if exp > MAX_EXP {
            return Err(LdError::Infinite);
        }
        if exp < MIN_EXP {
            return Err(LdError::Invalid);
        }
        Ok(LongDouble { neg, mant, exp })
    }

    /// Parses like Redis's `string2ld`: the whole string, no leading space, no NaN, no overflow.
    ///
    /// # Errors
    /// [`LdError::Invalid`] for anything Redis refuses; `inf` parses as [`LdError::Infinite`].
    pub fn parse(s: &[u8]) -> Result<LongDouble, LdError> {
        if s.is_empty() || s.len() >= 5 * 1024 || s[0].is_ascii_whitespace() {
            return Err(LdError::Invalid);
        }
        let (neg, body) = match s[0] {
            b'-' => (true, &s[1..]),
            b'+' => (false, &s[1..]),
            _ => (false, s),
        };
        let lower = body.to_ascii_lowercase();
        if lower == b"inf" || lower == b"infinity" {
            return Err(LdError::Infinite);
        }
        if lower.starts_with(b"0x") {
            return parse_hex(neg, &lower[2..]);
        }
        parse_decimal(neg, &lower)
    }

    /// `self + other`, rounded to nearest-even.
    ///
    /// # Errors
    /// [`LdError::Infinite`] on overflow.
    pub fn checked_add(self, other: LongDouble) -> Result<LongDouble, LdError> {
        if self.mant == 0 {
            return Ok(if other.mant == 0 {
                LongDouble {
                    neg: self.neg && other.neg,
                    ..other
                }
            } else {
                other
            });
        }
        if other.mant == 0 {
            return Ok(self);
        }
        let e = self.exp.min(other.exp);
        let signed = |v: LongDouble| {
            let mag = BigInt::from(v.mant) << (v.exp - e) as usize;
            if v.neg {
                -mag
            } else {
                mag
            }
        };
        let sum = signed(self) + signed(other);
        let (sign, mag) = sum.into_parts();
        LongDouble::round(sign == Sign::Minus, mag, e, false)
    }

    /// Formats like Redis's `ld2string(..., LD_STR_HUMAN)`: `%.17Lf`, trailing zeros and a
    /// trailing dot removed, `-0` printed as `0`.
    pub fn to_human(self) -> String {
        const SCALE: u32 = 17;
        let digits: BigUint = if self.exp >= 0 {
            (BigUint::from(self.mant) << self.exp as usize) * BigUint::from(10u32).pow(SCALE)
        } else {
            let num = BigUint::from(self.mant) * BigUint::from(10u32).pow(SCALE);
            let shift = (-self.exp) as usize;
            let q: BigUint = &num >> shift;
            let rem: BigUint = &num - (&q << shift);
            let half: BigUint = BigUint::one() << (shift - 1);
            if rem > half || (rem == half && q.bit(0)) {
                q + 1u32
            } else {
                q
            }
        };
        let mut text = digits.to_str_radix(10);
        while text.len() <= SCALE as usize {
            text.insert(0, '0');
        }
        let point = text.len() - SCALE as usize;
        text.insert(point, '.');
        let trimmed = text.trim_end_matches('0').trim_end_matches('.');
        let mut out = String::new();
        if self.neg && trimmed != "0" {
            out.push('-');
        }
        out.push_str(trimmed);
        out
    }
}

fn parse_decimal(neg: bool, s: &[u8]) -> Result<LongDouble, LdError> {
    let mut digits = Vec::new();
    let mut frac_digits: i64 = 0;
    let mut i = 0;
    let mut seen_digit = false;
    while i < s.len() && s[i].is_ascii_digit() {
        digits.push(s[i]);
        seen_digit = true;
        i += 1;
    }
    if i < s.len() && s[i] == b'.' {
        i += 1;
        while i < s.len() && s[i].is_ascii_digit() {
            digits.push(s[i]);
            frac_digits += 1;
            seen_digit = true;
            i += 1;
        }
    }
    if !seen_digit {
        return Err(LdError::Invalid);
    }
    let mut exp10: i64 = 0;
    if i < s.len() && s[i] == b'e' {
        i += 1;
        let eneg = match s.get(i) {
            Some(b'-') => {
                i += 1;
                true
            }
            Some(b'+') => {
                i += 1;
                false
            }
            _ => false,
        };
        let start = i;
        while i < s.len() && s[i].is_ascii_digit() {
            exp10 = (exp10 * 10 + (s[i] - b'0') as i64).min(1_000_000);
            i += 1;
        }
        if i == start {
            return Err(LdError::Invalid);
        }
        if eneg {
            exp10 = -exp10;
        }
    }
    if i != s.len() {
        return Err(LdError::Invalid);
    }
    let d = BigUint::parse_bytes(&digits, 10).ok_or(LdError::Invalid)?;
    if d.is_zero() {
        return Ok(LongDouble {
            neg,
            mant: 0,
            exp: 0,
        });
    }
    let e = exp10 - frac_digits;
    // Beyond these, the value over- or underflows long double whatever the digits.
    if e + digits.len() as i64 > 4940 {
        return Err(LdError::Infinite);
    }
    if e + (digits.len() as i64) < -4960 {
        return Err(LdError::Invalid);
    }
    if e >= 0 {
        let n = d * BigUint::from(10u32).pow(e as u32);
        LongDouble::round(neg, n, 0, false)
    } else {
        let den = BigUint::from(10u32).pow((-e) as u32);
        let shift = (70 + den.bits() as i64 - d.bits() as i64).max(0) as usize;
        let num = d << shift;
        let q = &num / &den;
        let sticky = !(&num - &q * &den).is_zero();
        LongDouble::round(neg, q, -(shift as i32), sticky)
    }
}

fn parse_hex(neg: bool, s: &[u8]) -> Result<LongDouble, LdError> {
    let (mant, exp) = match s.iter().position(|&c| c == b'p') {
        Some(p) => (&s[..p], Some(&s[p + 1..])),
        None => (s, None),
    };
    let mut digits = Vec::new();
    let mut frac = 0i64;
    let mut after_point = false;
    for &c in mant {
        if c == b'.' && !after_point {
            after_point = true;
        } else if c.is_ascii_hexdigit() {
            digits.push(c);
            if after_point {
                frac += 1;
            }
        } else {
            return Err(LdError::Invalid);
        }
    }
    if digits.is_empty() {
        return Err(LdError::Invalid);
    }
    let exp2: i64 = match exp {
        None => 0,
        Some(e) => std::str::from_utf8(e)
            .ok()
            .and_then(|t| t.parse().ok())
            .ok_or(LdError::Invalid)?,
    };
    let n = BigUint::parse_bytes(&digits, 16).ok_or(LdError::Invalid)?;
    let e = exp2 - 4 * frac;
    if e.abs() > 40_000 {
        return Err(if e > 0 && !n.is_zero() {
            LdError::Infinite
        } else {
            LdError::Invalid
        });
    }
    LongDouble::round(neg, n, e as i32, false)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn add(a: &str, b: &str) -> String {
        let a = LongDouble::parse(a.as_bytes()).unwrap();
        let b = LongDouble::parse(b.as_bytes()).unwrap();
        a.checked_add(b).unwrap().to_human()
    }

    /// Expected values printed by glibc: `printf("%.17Lf", strtold(a) + strtold(b))`, trimmed.
    #[test]
    fn matches_glibc_long_double() {
        assert_eq!(add("0.1", "0.2"), "0.3");
        assert_eq!(add("10.5", "0.1"), "10.6");
        assert_eq!(add("9223372036854775807", "3"), "9223372036854775810");
        assert_eq!(add("12345678.123", "0"), "12345678.12299999999959255");
        assert_eq!(add("-0.0", "0"), "0");
        assert_eq!(add("3.0e3", "2"), "3002");
        assert_eq!(add("5", "-5"), "0");
        assert_eq!(add("1.5", "-3"), "-1.5");
        assert_eq!(add("0x10", "0.5"), "16.5");
    }

    #[test]
    fn huge_values_print_every_digit() {
        let s = add("1e308", "1e308");
        assert_eq!(s.len(), 309);
        assert!(s.starts_with("199999999999999999"), "{s}");
    }

    #[test]
    fn refuses_what_redis_refuses() {
        for bad in [
            "", " 1", "1 ", "abc", "1e", "nan", "1.2.3", "e5", ".", "--1", "0x",
        ] {
            assert!(LongDouble::parse(bad.as_bytes()).is_err(), "{bad:?}");
        }
        assert_eq!(LongDouble::parse(b"inf"), Err(LdError::Infinite));
        assert_eq!(LongDouble::parse(b"1e5000"), Err(LdError::Infinite));
        let max = LongDouble::parse(b"1e4932").unwrap();
        assert_eq!(max.checked_add(max), Err(LdError::Infinite));
        assert!(LongDouble::parse(b".5").is_ok());
        assert!(LongDouble::parse(b"5.").is_ok());
    }
}
