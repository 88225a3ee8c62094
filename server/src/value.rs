//! The value stored under a key. Only strings exist so far; each new Redis type adds a variant
//! (boxed, so the enum stays 24 bytes and `Entry` stays 56).

use crate::compact::CompactBytes;

/// A value in the keyspace.
#[derive(Clone, Debug, PartialEq)]
pub enum Value {
    /// A string written whole (SET, INCR…): inline when ≤ 22 bytes. Redis's `int`/`embstr`/`raw`.
    Str(CompactBytes),
    /// A string grown in place (APPEND, SETRANGE): spare capacity makes repeated appends linear,
    /// like Redis's `raw` sds strings.
    StrBuf(Box<Vec<u8>>),
}

impl Value {
    /// A string value copied from `bytes`.
    pub fn string(bytes: &[u8]) -> Value {
        Value::Str(CompactBytes::new(bytes))
    }

    /// The bytes of a string value, `None` for other types.
    pub fn as_string(&self) -> Option<&[u8]> {
        match self {
            Value::Str(s) => Some(s.as_slice()),
            Value::StrBuf(b) => Some(b.as_slice()),
        }
    }

    /// The name TYPE reports.
    pub fn type_name(&self) -> &'static str {
        match self {
            Value::Str(_) | Value::StrBuf(_) => "string",
        }
    }

    /// The name OBJECT ENCODING reports, following Redis's rules for strings.
    pub fn encoding(&self) -> &'static str {
        match self {
            Value::Str(s) => {
                let b = s.as_slice();
                if b.len() <= 20 && crate::cmd::parse::parse_i64(b).is_some() {
                    "int"
                } else if b.len() <= 44 {
                    "embstr"
                } else {
                    "raw"
                }
            }
            Value::StrBuf(_) => "raw",
        }
    }

    /// Approximate bytes this value owns on the heap (MEMORY USAGE).
    pub fn heap_size(&self) -> usize {
        match self {
            Value::Str(s) => s.heap_size(),
            Value::StrBuf(b) => b.capacity() + std::mem::size_of::<Vec<u8>>(),
        }
    }
}
