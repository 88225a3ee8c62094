//! The connection rules both ends of a node pair agree on, and reconnect backoff. Pure
//! functions and data; the I/O shell in `link.rs` follows them.

use std::time::Duration;

use rand::Rng;

/// Whether `local` dials `peer` as soon as it learns the peer's address. The lower id does;
/// the higher id dials only after a grace period without a link, for the case where the lower
/// node does not know it yet (a node joining dials the seeds it was given).
pub fn dials_first(local: u64, peer: u64) -> bool {
    local < peer
}

/// Whether a newly handshaken link, dialed by `new_dialer`, replaces the existing link to the
/// same peer, dialed by `existing_dialer`. Both ends compute the same answer, so exactly one
/// link survives:
///
/// - links dialed by different ends: the one dialed by the lower id wins;
/// - links dialed by the same end: the newer wins. A node dials only when it has no link, so
///   the older one is a half-open leftover the dialer already gave up on (e.g. it restarted).
pub fn replaces(local: u64, peer: u64, existing_dialer: u64, new_dialer: u64) -> bool {
    new_dialer == existing_dialer || new_dialer == local.min(peer)
}

/// Exponential reconnect backoff with jitter: delays double from `min` up to `max`, and each
/// is drawn uniformly from its upper half so that nodes restarted together do not dial in
/// lockstep.
#[derive(Debug, Clone)]
pub struct Backoff {
    min: Duration,
    max: Duration,
    /// The ceiling of the next delay; `None` right after a reset.
    next: Option<Duration>,
}

impl Backoff {
    /// A backoff between `min` and `max` (`min <= max`, both non-zero).
    pub fn new(min: Duration, max: Duration) -> Self {
        Backoff {
            min,
            max: max.max(min),
            next: None,
        }
    }

    /// Starts again from `min` (after a link that stayed up long enough).
    pub fn reset(&mut self) {
        self.next = None;
    }

    /// The delay before the next attempt.
    pub fn next_delay(&mut self, rng: &mut impl Rng) -> Duration {
        let ceiling = self.next.unwrap_or(self.min);
        self.next = Some(ceiling.saturating_mul(2).min(self.max));
        ceiling.mul_f64(rng.gen_range(0.5..=1.0))
    }
}

#[cfg(test)]
mod tests {
    use rand::rngs::StdRng;
    use rand::SeedableRng;

    use super::*;

    #[test]
    fn lower_id_dials() {
        assert!(dials_first(1, 2));
        assert!(!dials_first(2, 1));
    }

    #[test]
    fn both_ends_keep_the_same_link() {
        // Table over (local, peer, existing dialer, new dialer): each end's view of the same
        // two links must pick the same one.
        for (a, b) in [(1u64, 2u64), (7, 3)] {
            for (first, second) in [(a, b), (b, a), (a, a), (b, b)] {
                let at_a = replaces(a, b, first, second);
                let at_b = replaces(b, a, first, second);
                assert_eq!(at_a, at_b, "{a} {b} {first} {second}");
            }
            let lower = a.min(b);
            let higher = a.max(b);
            assert!(replaces(a, b, higher, lower));
            assert!(!replaces(a, b, lower, higher));
            assert!(replaces(a, b, lower, lower));
            assert!(replaces(a, b, higher, higher));
        }
    }

    #[test]
    fn backoff_doubles_with_jitter_and_resets() {
        let mut rng = StdRng::seed_from_u64(7);
        let min = Duration::from_millis(50);
        let max = Duration::from_secs(1);
        let mut b = Backoff::new(min, max);
        let mut ceiling = min;
        for _ in 0..10 {
            let d = b.next_delay(&mut rng);
            assert!(d >= ceiling / 2 && d <= ceiling, "{d:?} vs {ceiling:?}");
            ceiling = (ceiling * 2).min(max);
        }
        assert_eq!(ceiling, max);
        b.reset();
        assert!(b.next_delay(&mut rng) <= min);
    }
}
