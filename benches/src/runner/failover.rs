//! W9's arithmetic: from a load run's timeline (successful writes per window) and the moment the
//! leader was killed, the time to the first write and to full throughput. Pure.
//!
//! - **Outage**: the first run of at least [`MIN_OUTAGE`] of empty windows after the kill's
//!   window. A shorter gap is not the failover: a load generator descheduled for a few ms on a
//!   busy machine reads the old leader's last replies late, after a window or two with none.
//! - **First write**: the end of the first window with a success after the outage (so an upper
//!   bound, to one window).
//! - **Full throughput**: the end of the first [`FULL_WINDOW`] after the outage whose write rate
//!   is at least [`FULL_SHARE`] of the rate measured between the warm-up and the kill.

use crate::report::TimelinePoint;

/// The shortest run of windows without a successful write that counts as the outage.
pub const MIN_OUTAGE: f64 = 0.05;
/// The span over which the recovered rate is measured.
pub const FULL_WINDOW: f64 = 0.1;
/// The share of the pre-kill rate that counts as full throughput.
pub const FULL_SHARE: f64 = 0.8;

/// What one failover run measured. Times are seconds after the kill; `None` when the run ended
/// first.
#[derive(Clone, Debug, PartialEq)]
pub struct Failover {
    /// Successful writes per second from the end of the warm-up to the kill.
    pub prekill_rate: f64,
    pub first_write: Option<f64>,
    pub full_throughput: Option<f64>,
    /// Failed attempts from the kill's window to full throughput (or the end of the run).
    pub errors: u64,
}

/// Analyses a timeline of `step`-second windows whose measured part starts at `measure_from`,
/// for a kill at `kill_at` (both seconds on the timeline).
///
/// # Errors
/// When the timeline does not cover the kill, or no write succeeded between the warm-up and the
/// kill (the run measured nothing to recover to).
pub fn analyse(
    timeline: &[TimelinePoint],
    step: f64,
    measure_from: f64,
    kill_at: f64,
) -> Result<Failover, String> {
    if !step.is_finite() || step <= 0.0 {
        return Err(format!("timeline step {step} s"));
    }
    let eps = step * 1e-6;
    let kill = (kill_at / step).floor() as usize;
    if kill_at < measure_from || kill >= timeline.len() {
        return Err(format!(
            "the kill at {kill_at:.3} s is outside the measured timeline ({measure_from:.3} s to \
             {:.3} s)",
            timeline.len() as f64 * step
        ));
    }
    // Whole windows between the end of the warm-up and the kill.
    let first = ((measure_from - eps) / step).ceil().max(0.0) as usize;
    let before = &timeline[first.min(kill)..kill];
    let prekill_ok: u64 = before.iter().map(|p| p.ok).sum();
    if prekill_ok == 0 {
        return Err(format!(
            "no write succeeded in the {:.2} s before the kill",
            before.len() as f64 * step
        ));
    }
    let prekill_rate = prekill_ok as f64 / (before.len() as f64 * step);

    let ok = |i: usize| timeline[i].ok;
    let min_gap = ((MIN_OUTAGE - eps) / step).ceil().max(1.0) as usize;
    // The first run of `min_gap` empty windows after the kill's window, else the first empty
    // window: where the outage ends, the recovery starts.
    let outage_end = |min_gap: usize| {
        let mut empty = 0;
        (kill + 1..timeline.len()).find(|&i| {
            if ok(i) == 0 {
                empty += 1;
                false
            } else {
                let found = empty >= min_gap;
                empty = 0;
                found
            }
        })
    };
    let run_ends_empty = timeline[kill + 1..]
        .iter()
        .rev()
        .take_while(|p| p.ok == 0)
        .count();
    let recovered = if run_ends_empty >= min_gap {
        // Still down at the end, unless an earlier outage ended before it.
        outage_end(min_gap)
    } else {
        outage_end(min_gap).or_else(|| outage_end(1)).or(Some(kill))
    };
    let first_write = recovered
        .filter(|&i| i < timeline.len())
        .map(|i| (i + 1) as f64 * step - kill_at);

    let span = ((FULL_WINDOW - eps) / step).ceil().max(1.0) as usize;
    let need = FULL_SHARE * prekill_rate * span as f64 * step;
    let full_at = recovered.and_then(|from| {
        (from..timeline.len().saturating_sub(span - 1))
            .find(|&j| (j..j + span).map(ok).sum::<u64>() as f64 >= need)
            .map(|j| j + span)
    });
    let full_throughput = full_at.map(|end| end as f64 * step - kill_at);
    let errors = timeline[kill..full_at.unwrap_or(timeline.len())]
        .iter()
        .map(|p| p.errors)
        .sum();
    Ok(Failover {
        prekill_rate,
        first_write,
        full_throughput,
        errors,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A 10 ms timeline from `(ok, errors)` per window.
    fn timeline(windows: &[(u64, u64)]) -> Vec<TimelinePoint> {
        windows
            .iter()
            .enumerate()
            .map(|(i, &(ok, errors))| TimelinePoint {
                t_secs: i as f64 * 0.01,
                ok,
                errors,
            })
            .collect()
    }

    /// `n` windows of `ok` successes and `errors` errors.
    fn windows(n: usize, ok: u64, errors: u64) -> Vec<(u64, u64)> {
        vec![(ok, errors); n]
    }

    fn close(a: Option<f64>, b: f64) -> bool {
        a.is_some_and(|a| (a - b).abs() < 1e-9)
    }

    #[test]
    fn times_a_failover() {
        // 0.2 s warm-up at 50/window, 0.5 s at 100, kill at 0.705 s; 1 s of nothing but errors,
        // a slow start, then back to 100.
        let mut w = windows(20, 50, 0);
        w.extend(windows(50, 100, 0));
        w.push((60, 40)); // the kill's window: replies before it, lost requests after
        w.extend(windows(100, 0, 3));
        w.extend([(10, 1), (40, 0)]);
        w.extend(windows(30, 100, 0));
        let t = timeline(&w);
        let f = analyse(&t, 0.01, 0.2, 0.705).unwrap();
        assert!((f.prekill_rate - 10_000.0).abs() < 1e-6, "{f:?}");
        // The first success is in the window [1.71, 1.72).
        assert!(close(f.first_write, 1.72 - 0.705), "{f:?}");
        // 10 + 40 + 8 × 100 = 850 ≥ 800 in [1.71, 1.81).
        assert!(close(f.full_throughput, 1.81 - 0.705), "{f:?}");
        assert_eq!(f.errors, 40 + 300 + 1);
    }

    #[test]
    fn late_replies_after_a_short_gap_are_not_the_recovery() {
        let mut w = windows(50, 100, 0);
        w.push((100, 0)); // kill at 0.505
        w.extend(windows(2, 0, 0)); // the load generator descheduled for 20 ms
        w.push((30, 0)); // … then reads the old leader's last replies
        w.extend(windows(80, 0, 2));
        w.extend(windows(20, 100, 0));
        let f = analyse(&timeline(&w), 0.01, 0.0, 0.505).unwrap();
        assert!(close(f.first_write, 1.35 - 0.505), "{f:?}");
        assert!(close(f.full_throughput, 1.44 - 0.505), "{f:?}");
    }

    #[test]
    fn a_run_that_ends_down_has_no_recovery() {
        let mut w = windows(50, 100, 0);
        w.extend(windows(50, 0, 1));
        let f = analyse(&timeline(&w), 0.01, 0.1, 0.3).unwrap();
        assert_eq!(f.first_write, None);
        assert_eq!(f.full_throughput, None);
        // Errors from the kill's window to the end.
        assert_eq!(f.errors, 50);
        // Recovered, but never to 80%.
        let mut w = windows(50, 100, 0);
        w.extend(windows(20, 0, 0));
        w.extend(windows(30, 50, 0));
        let f = analyse(&timeline(&w), 0.01, 0.0, 0.5).unwrap();
        assert!(close(f.first_write, 0.21), "{f:?}");
        assert_eq!(f.full_throughput, None);
    }

    #[test]
    fn a_kill_without_an_outage_recovers_at_once() {
        let w = windows(100, 100, 0);
        let f = analyse(&timeline(&w), 0.01, 0.0, 0.5).unwrap();
        assert!(close(f.first_write, 0.01), "{f:?}");
        assert!(close(f.full_throughput, 0.1), "{f:?}");
    }

    #[test]
    fn refuses_runs_it_cannot_read() {
        let w = windows(100, 100, 0);
        assert!(
            analyse(&timeline(&w), 0.01, 0.0, 1.5).is_err(),
            "kill after the run"
        );
        assert!(
            analyse(&timeline(&w), 0.01, 0.5, 0.4).is_err(),
            "kill in the warm-up"
        );
        assert!(analyse(&timeline(&w), 0.0, 0.0, 0.5).is_err(), "no step");
        let mut idle = windows(50, 0, 0);
        idle.extend(windows(50, 100, 0));
        assert!(
            analyse(&timeline(&idle), 0.01, 0.0, 0.4).is_err(),
            "nothing before the kill"
        );
    }
}
