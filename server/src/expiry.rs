//! Active expiry: a sampling cycle like Redis's `activeExpireCycle`. Each round takes up to 20
//! random keys with a TTL per database; if more than a quarter were expired it samples again,
//! until the time budget is spent. The expired keys it finds are returned, and the caller
//! proposes their deletion through the write path (only the leader deletes, per DESIGN.md).
//!
//! Pure logic over a [`Keyspace`]; the periodic task lives in `listener.rs`.

use bytes::Bytes;
use std::time::{Duration, Instant};

use crate::keyspace::Keyspace;

/// Keys sampled per database per round.
pub const SAMPLE: usize = 20;

/// A tiny xorshift generator: sampling needs speed, not quality.
pub struct Rng(u64);

impl Rng {
    /// A generator from `seed` (0 is replaced).
    pub fn new(seed: u64) -> Rng {
        Rng(seed.max(1))
    }

    /// Next value below `n` (`n` > 0).
    pub fn below(&mut self, n: usize) -> usize {
        let mut x = self.0;
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        self.0 = x;
        (x % n as u64) as usize
    }
}

/// Finds expired keys by sampling, within `budget`; at most `max_keys` keys are returned.
pub fn sample_expired(
    ks: &Keyspace,
    now_ms: u64,
    rng: &mut Rng,
    budget: Duration,
    max_keys: usize,
) -> Vec<(usize, Vec<Bytes>)> {
    let started = Instant::now();
    let mut found = Vec::new();
    let mut total = 0;
    for (index, db) in ks.dbs().enumerate() {
        let mut keys: Vec<Bytes> = Vec::new();
        loop {
            let n = db.volatile_len();
            if n == 0 {
                break;
            }
            let mut expired_this_round = 0;
            for _ in 0..SAMPLE.min(n) {
                let Some((slot, at)) = db.volatile_at(rng.below(n)) else {
                    break;
                };
                if at <= now_ms {
                    let key = Bytes::copy_from_slice(&db.entry(slot).key);
                    if !keys.contains(&key) {
                        keys.push(key);
                        expired_this_round += 1;
                    }
                }
            }
            let ratio_high = expired_this_round * 4 > SAMPLE.min(n);
            if !ratio_high || started.elapsed() >= budget || total + keys.len() >= max_keys {
                break;
            }
        }
        total += keys.len();
        if !keys.is_empty() {
            found.push((index, keys));
        }
        if started.elapsed() >= budget || total >= max_keys {
            break;
        }
    }
    found
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::compact::CompactBytes;
    use crate::value::Value;

    #[test]
    fn finds_expired_keys_and_leaves_live_ones() {
        let mut ks = Keyspace::new(2);
        let db = ks.db_mut(1);
        for i in 0..100 {
            let slot = db.insert_new(
                CompactBytes::new(format!("k{i}").as_bytes()),
                Value::string(b"v"),
                0,
            );
            db.set_expire(slot, Some(if i < 50 { 10 } else { 1_000_000 }));
        }
        let mut rng = Rng::new(7);
        let mut seen = std::collections::HashSet::new();
        for _ in 0..50 {
            for (dbi, keys) in sample_expired(&ks, 100, &mut rng, Duration::from_millis(50), 10_000)
            {
                assert_eq!(dbi, 1);
                for k in keys {
                    let n: usize = std::str::from_utf8(&k[1..]).unwrap().parse().unwrap();
                    assert!(n < 50, "live key {n} reported expired");
                    seen.insert(n);
                }
            }
        }
        assert!(
            seen.len() > 40,
            "sampling found only {} of 50 expired keys",
            seen.len()
        );
    }
}
