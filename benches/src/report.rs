//! The result files: what one load-generator run prints, and what the runner collects, summarises
//! and writes as `results.json`. Plain serde data; the summary arithmetic (median, min–max,
//! ratios) is pure and unit-tested here.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

/// Latency percentiles of one run, in microseconds.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Latency {
    pub p50: f64,
    pub p90: f64,
    pub p99: f64,
    pub p999: f64,
    pub max: f64,
    pub mean: f64,
}

/// One point of a latency CDF: `percentile` (0..=100) of requests finished within `micros`.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct CdfPoint {
    pub percentile: f64,
    pub micros: f64,
}

/// What `redraft-load` prints (with `--json`) for one run.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct RunResult {
    /// The load generator's command line, for the record.
    pub command: String,
    /// Requests that got a reply that was not an error.
    pub requests: u64,
    /// Error replies other than redirections that were followed.
    pub errors: u64,
    /// The first error reply seen, if any (so a misconfigured run is easy to diagnose).
    pub first_error: Option<String>,
    /// `-MOVED` and `-ASK` redirections followed.
    pub moved: u64,
    pub ask: u64,
    /// Seconds of measurement (after warm-up).
    pub elapsed_secs: f64,
    /// Completed requests per second over the measurement.
    pub throughput: f64,
    /// Open loop only: the rate asked for, in requests per second.
    pub target_rate: Option<f64>,
    pub latency: Latency,
    /// Latency distribution for plots, at the percentiles of [`CDF_PERCENTILES`].
    pub cdf: Vec<CdfPoint>,
    /// Replies per 100 ms from the start of the warm-up (shows stalls and failovers).
    #[serde(default)]
    pub timeline: Vec<TimelinePoint>,
}

/// Replies received in the 100 ms starting at `t_secs` (from the start of the warm-up).
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct TimelinePoint {
    pub t_secs: f64,
    pub ok: u64,
    pub errors: u64,
}

/// Percentiles at which a run's CDF is sampled: dense in the tail, where the differences are.
pub const CDF_PERCENTILES: &[f64] = &[
    0.0, 1.0, 5.0, 10.0, 20.0, 30.0, 40.0, 50.0, 60.0, 70.0, 80.0, 90.0, 95.0, 97.0, 98.0, 99.0,
    99.5, 99.7, 99.9, 99.95, 99.99, 99.999, 100.0,
];

/// The servers compared. `Redis` is the reference every ratio divides by.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ServerKind {
    Redis,
    Redraft,
}

impl ServerKind {
    pub const ALL: [ServerKind; 2] = [ServerKind::Redis, ServerKind::Redraft];

    pub fn name(self) -> &'static str {
        match self {
            ServerKind::Redis => "redis",
            ServerKind::Redraft => "redraft",
        }
    }
}

/// Metric names used in [`Sample::metrics`]; a case records the ones that apply to it.
pub mod metric {
    /// Requests per second (higher is better).
    pub const THROUGHPUT: &str = "throughput_rps";
    pub const P50: &str = "p50_us";
    pub const P99: &str = "p99_us";
    pub const P999: &str = "p999_us";
    pub const MAX: &str = "max_us";
    /// Server user+system CPU time per request, from /proc/PID/stat (lower is better).
    pub const CPU_PER_REQUEST: &str = "cpu_us_per_req";
    /// INFO used_memory and RSS at the end of the run, in bytes.
    pub const USED_MEMORY: &str = "used_memory_bytes";
    pub const RSS: &str = "rss_bytes";
    /// Memory cases: growth per key loaded (lower is better).
    pub const USED_MEMORY_PER_KEY: &str = "used_memory_bytes_per_key";
    pub const RSS_PER_KEY: &str = "rss_bytes_per_key";
    /// Connection cases: RSS growth per idle connection.
    pub const RSS_PER_CONNECTION: &str = "rss_bytes_per_conn";

    /// Whether a larger value of `name` is better (throughput) or worse (everything else).
    pub fn higher_is_better(name: &str) -> bool {
        name == THROUGHPUT
    }
}

/// One repetition of a case on one server.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct Sample {
    pub metrics: BTreeMap<String, f64>,
    /// The load generator's own result, when the case ran one.
    pub run: Option<RunResult>,
}

/// Every repetition of a case on one server.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct ServerRuns {
    pub server: ServerKind,
    pub samples: Vec<Sample>,
}

/// One measured configuration, e.g. "W1 SET 16 B, P1, 50 conns".
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Case {
    /// Workload id, "W1" … "W9".
    pub workload: String,
    /// Short unique label, used in tables, plot legends and file names.
    pub name: String,
    /// The load generator arguments (or the loading procedure) that define the case.
    pub description: String,
    pub servers: Vec<ServerRuns>,
}

/// A workload the runner did not run, and why.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Skipped {
    pub workload: String,
    pub reason: String,
}

/// Everything one runner invocation measured: the contents of `results.json`.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Report {
    /// The exact command that produced this report.
    pub command: String,
    /// UTC start time, RFC 3339.
    pub started: String,
    /// `git describe --always --dirty` of the tree the redraft binary was built from.
    pub git: String,
    pub redis_version: String,
    /// Free-form facts about the machine: cores, memory, kernel, pinning.
    pub machine: BTreeMap<String, String>,
    pub cases: Vec<Case>,
    pub skipped: Vec<Skipped>,
    /// redraft-load against redis-benchmark on redis-server (`--validate`).
    #[serde(default)]
    pub validation: Vec<Validation>,
}

/// The same workload driven by redis-benchmark and by redraft-load against redis-server:
/// throughput of each repetition, in requests per second.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Validation {
    pub name: String,
    pub redis_benchmark: Vec<f64>,
    pub redraft_load: Vec<f64>,
    /// Each tool's CPU time over its run time (1.0 = one core saturated: the tool, not the
    /// server, limited the run).
    #[serde(default)]
    pub redis_benchmark_cpu: Vec<f64>,
    #[serde(default)]
    pub redraft_load_cpu: Vec<f64>,
}

/// Median, minimum and maximum of one metric over a server's samples of a case.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Spread {
    pub median: f64,
    pub min: f64,
    pub max: f64,
    pub count: usize,
}

impl Spread {
    /// The spread of `values`; `None` when there are none.
    pub fn of(values: &[f64]) -> Option<Spread> {
        let mut sorted: Vec<f64> = values.iter().copied().filter(|v| v.is_finite()).collect();
        if sorted.is_empty() {
            return None;
        }
        sorted.sort_by(f64::total_cmp);
        let n = sorted.len();
        let median = if n % 2 == 1 {
            sorted[n / 2]
        } else {
            (sorted[n / 2 - 1] + sorted[n / 2]) / 2.0
        };
        Some(Spread {
            median,
            min: sorted[0],
            max: sorted[n - 1],
            count: n,
        })
    }
}

impl ServerRuns {
    /// The spread of `metric` over these samples, if any sample recorded it.
    pub fn spread(&self, metric: &str) -> Option<Spread> {
        let values: Vec<f64> = self
            .samples
            .iter()
            .filter_map(|s| s.metrics.get(metric).copied())
            .collect();
        Spread::of(&values)
    }

    /// The sample whose throughput (or, failing that, first metric) is the median one: its CDF
    /// is the one plotted.
    pub fn median_sample(&self) -> Option<&Sample> {
        let mut ranked: Vec<(f64, &Sample)> = self
            .samples
            .iter()
            .filter_map(|s| {
                let key = s
                    .metrics
                    .get(metric::THROUGHPUT)
                    .or_else(|| s.metrics.values().next())?;
                Some((*key, s))
            })
            .collect();
        ranked.sort_by(|a, b| a.0.total_cmp(&b.0));
        ranked
            .get(ranked.len().saturating_sub(1) / 2)
            .map(|(_, s)| *s)
    }
}

impl Case {
    pub fn runs(&self, server: ServerKind) -> Option<&ServerRuns> {
        self.servers.iter().find(|r| r.server == server)
    }

    /// Metric names recorded by any sample of this case, in a stable order.
    pub fn metric_names(&self) -> Vec<String> {
        let mut names: Vec<String> = self
            .servers
            .iter()
            .flat_map(|r| r.samples.iter().flat_map(|s| s.metrics.keys().cloned()))
            .collect();
        names.sort();
        names.dedup();
        names
    }

    /// redraft's median divided by Redis's median for `metric`.
    pub fn ratio(&self, metric: &str) -> Option<f64> {
        let redis = self.runs(ServerKind::Redis)?.spread(metric)?.median;
        let redraft = self.runs(ServerKind::Redraft)?.spread(metric)?.median;
        (redis != 0.0).then(|| redraft / redis)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample(throughput: f64) -> Sample {
        let mut metrics = BTreeMap::new();
        metrics.insert(metric::THROUGHPUT.to_string(), throughput);
        Sample { metrics, run: None }
    }

    #[test]
    fn spread_of_odd_and_even_counts() {
        let s = Spread::of(&[5.0, 1.0, 3.0]).unwrap();
        assert_eq!((s.median, s.min, s.max, s.count), (3.0, 1.0, 5.0, 3));
        let s = Spread::of(&[4.0, 1.0, 3.0, 2.0]).unwrap();
        assert_eq!((s.median, s.min, s.max), (2.5, 1.0, 4.0));
        assert_eq!(Spread::of(&[]), None);
        assert_eq!(Spread::of(&[f64::NAN]), None);
    }

    #[test]
    fn ratio_divides_medians_by_redis() {
        let case = Case {
            workload: "W1".into(),
            name: "GET".into(),
            description: String::new(),
            servers: vec![
                ServerRuns {
                    server: ServerKind::Redis,
                    samples: vec![sample(100.0), sample(90.0), sample(110.0)],
                },
                ServerRuns {
                    server: ServerKind::Redraft,
                    samples: vec![sample(150.0), sample(120.0), sample(200.0)],
                },
            ],
        };
        assert_eq!(case.ratio(metric::THROUGHPUT), Some(1.5));
        assert_eq!(case.ratio(metric::P50), None);
        let median = case
            .runs(ServerKind::Redraft)
            .unwrap()
            .median_sample()
            .unwrap();
        assert_eq!(median.metrics[metric::THROUGHPUT], 150.0);
    }

    #[test]
    fn report_round_trips_through_json() {
        let report = Report {
            command: "benches/run --smoke".into(),
            started: "2026-11-23T00:00:00Z".into(),
            git: "abc".into(),
            redis_version: "7.0.15".into(),
            machine: BTreeMap::new(),
            cases: vec![],
            validation: vec![],
            skipped: vec![Skipped {
                workload: "W7".into(),
                reason: "cluster mode has not landed".into(),
            }],
        };
        let text = serde_json::to_string(&report).unwrap();
        let back: Report = serde_json::from_str(&text).unwrap();
        assert_eq!(back.skipped[0].workload, "W7");
        assert!(text.contains("\"skipped\""));
    }
}
