//! The value stored under a key: a string or one of Redis's collection types. Collections are
//! boxed so the enum stays 24 bytes and `Entry` stays 56; their representations live in
//! [`crate::types`].

use crate::compact::CompactBytes;
use crate::types::hash::Hash;
use crate::types::list::List;
use crate::types::set::Set;
use crate::types::stream::Stream;
use crate::types::zset::ZSet;

/// A value in the keyspace.
#[derive(Clone, Debug, PartialEq)]
pub enum Value {
    /// A string written whole (SET, INCR…): inline when ≤ 22 bytes. Redis's `int`/`embstr`/`raw`.
    Str(CompactBytes),
    /// A string grown in place (APPEND, SETRANGE): spare capacity makes repeated appends linear,
    /// like Redis's `raw` sds strings.
    StrBuf(Box<Vec<u8>>),
    /// A hash (HSET…).
    Hash(Box<Hash>),
    /// A list (LPUSH…).
    List(Box<List>),
    /// A set (SADD…).
    Set(Box<Set>),
    /// A sorted set (ZADD…, GEOADD).
    ZSet(Box<ZSet>),
    /// A stream (XADD…).
    Stream(Box<Stream>),
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
            _ => None,
        }
    }

    /// The name TYPE reports.
    pub fn type_name(&self) -> &'static str {
        match self {
            Value::Str(_) | Value::StrBuf(_) => "string",
            Value::Hash(_) => "hash",
            Value::List(_) => "list",
            Value::Set(_) => "set",
            Value::ZSet(_) => "zset",
            Value::Stream(_) => "stream",
        }
    }

    /// The name OBJECT ENCODING reports, following Redis 7.0's rules.
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
            Value::Hash(h) => h.encoding(),
            Value::List(l) => l.encoding(),
            Value::Set(s) => s.encoding(),
            Value::ZSet(z) => z.encoding(),
            Value::Stream(_) => "stream",
        }
    }

    /// Approximate bytes this value owns on the heap (MEMORY USAGE).
    pub fn heap_size(&self) -> usize {
        match self {
            Value::Str(s) => s.heap_size(),
            Value::StrBuf(b) => b.capacity() + std::mem::size_of::<Vec<u8>>(),
            Value::Hash(h) => h.heap_size(),
            Value::List(l) => l.heap_size(),
            Value::Set(s) => s.heap_size(),
            Value::ZSet(z) => z.heap_size(),
            Value::Stream(s) => s.heap_size(),
        }
    }

    /// True for a hash, list, set or sorted set with no elements: Redis never keeps one, so
    /// the command that emptied it deletes the key. (An empty stream is kept, as in Redis.)
    pub fn is_empty_collection(&self) -> bool {
        match self {
            Value::Str(_) | Value::StrBuf(_) | Value::Stream(_) => false,
            other => other.element_count() == 0,
        }
    }

    /// Number of elements for collections (lazy-free decisions), 1 for strings.
    pub fn element_count(&self) -> usize {
        match self {
            Value::Str(_) | Value::StrBuf(_) => 1,
            Value::Hash(h) => h.len(),
            Value::List(l) => l.len(),
            Value::Set(s) => s.len(),
            Value::ZSet(z) => z.len(),
            Value::Stream(s) => s.len(),
        }
    }
}

macro_rules! accessors {
    ($($variant:ident, $ty:ty, $get:ident, $get_mut:ident;)*) => {
        impl Value {
            $(
                #[doc = concat!("The ", stringify!($variant), " inside, `None` for other types.")]
                pub fn $get(&self) -> Option<&$ty> {
                    match self {
                        Value::$variant(v) => Some(v),
                        _ => None,
                    }
                }

                #[doc = concat!("The ", stringify!($variant), " inside, mutably.")]
                pub fn $get_mut(&mut self) -> Option<&mut $ty> {
                    match self {
                        Value::$variant(v) => Some(v),
                        _ => None,
                    }
                }
            )*
        }
    };
}

accessors! {
    Hash, Hash, as_hash, as_hash_mut;
    List, List, as_list, as_list_mut;
    Set, Set, as_set, as_set_mut;
    ZSet, ZSet, as_zset, as_zset_mut;
    Stream, Stream, as_stream, as_stream_mut;
}
