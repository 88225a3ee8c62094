//! Key-slot hashing: which of the 16384 cluster slots a key belongs to.
//!
//! Redis Cluster hashes a key with CRC16/XMODEM modulo 16384. If the key holds a `{hash tag}`
//! (the bytes between the first `{` and the first `}` after it, when not empty), only the tag
//! is hashed, so related keys can be forced into one slot.

/// Number of hash slots in a Redis cluster.
pub const SLOT_COUNT: u16 = 16384;

/// The slot of `key`, as `CLUSTER KEYSLOT` reports it.
pub fn key_hash_slot(key: &[u8]) -> u16 {
    crc16::State::<crc16::XMODEM>::calculate(hash_tag(key)) & (SLOT_COUNT - 1)
}

/// The part of `key` that is hashed: the non-empty tag between the first `{` and the first `}`
/// after it, else the whole key (so `foo{}{bar}` hashes whole, as Redis does).
fn hash_tag(key: &[u8]) -> &[u8] {
    let Some(open) = key.iter().position(|&b| b == b'{') else {
        return key;
    };
    let after = &key[open + 1..];
    match after.iter().position(|&b| b == b'}') {
        Some(close) if close > 0 => &after[..close],
        _ => key,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Expected slots from `redis-cli cluster keyslot` against redis-server 7.0.15 with
    /// `--cluster-enabled yes`.
    #[test]
    fn matches_redis_cluster_keyslot() {
        let table: &[(&[u8], u16)] = &[
            (b"foo", 12182),
            (b"bar", 5061),
            (b"{user1000}.following", 3443),
            (b"{user1000}.followers", 3443),
            (b"foo{}{bar}", 8363),
            (b"foo{{bar}}zap", 4015),
            (b"foo{bar}{zap}", 5061),
            (b"", 0),
            (b"{}", 15257),
            (b"{", 4092),
            (b"}", 12090),
            (b"a{b", 13340),
            (b"a}b{c}", 7365),
            (b"{a}", 15495),
            (b"123456789", 12739),
            (b"hello world", 15332),
            (b"{}{a}", 13650),
            (b"x{}", 2608),
            (b"{{}}", 4092),
            (b"user:1000", 1649),
            (b"\x00\xff\r", 4690),
            (b"{\x00}", 0),
            (b"\xff\xfe\xfd\xfc", 14590),
            (b"\r\n{}\n", 15975),
        ];
        for &(key, slot) in table {
            assert_eq!(key_hash_slot(key), slot, "key {:?}", key);
        }
    }

    #[test]
    fn tag_rules() {
        assert_eq!(hash_tag(b"foo{bar}zap"), b"bar");
        assert_eq!(hash_tag(b"foo{}{bar}"), b"foo{}{bar}");
        assert_eq!(hash_tag(b"foo{{bar}}"), b"{bar");
        assert_eq!(hash_tag(b"foo{bar"), b"foo{bar");
    }
}
