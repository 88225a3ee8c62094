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
    /// Replies per [`RunResult::timeline_step_secs`] from the start of the warm-up (shows
    /// stalls and failovers).
    #[serde(default)]
    pub timeline: Vec<TimelinePoint>,
    /// Width of each timeline window, in seconds (`--timeline-ms`; 0.1 in reports that predate
    /// the option).
    #[serde(default = "default_timeline_step")]
    pub timeline_step_secs: f64,
    /// `CLOCK_MONOTONIC` in nanoseconds at the timeline's zero, so that another process on the
    /// same machine can place its own events on the timeline (W9: the kill of the leader).
    /// 0 in reports that predate it.
    #[serde(default)]
    pub timeline_origin_ns: u64,
}

fn default_timeline_step() -> f64 {
    0.1
}

/// Replies received in the timeline window starting at `t_secs` (from the start of the warm-up).
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

/// A server configuration under test: which binary, how many nodes, which persistence. The
/// exact flags of each are in [`Report::configurations`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum ServerKind {
    /// redis-server, no persistence: the reference of W1–W6.
    Redis,
    /// redraft, one node, no persistence (the same flags as `Redis`).
    Redraft,
    /// redraft, one node, every write in the fsynced log (`--appendonly yes --appendfsync
    /// always`): W8's baseline.
    RedraftFsync,
    /// Three redraft nodes in one Raft group with the flags of `RedraftFsync` (W8, W9).
    RedraftGroup,
}

impl ServerKind {
    /// Every configuration, in the order legends list them.
    pub const ALL: [ServerKind; 4] = [
        ServerKind::Redis,
        ServerKind::Redraft,
        ServerKind::RedraftFsync,
        ServerKind::RedraftGroup,
    ];

    /// The configuration's name in `results.json`, tables and logs.
    pub fn name(self) -> &'static str {
        match self {
            ServerKind::Redis => "redis",
            ServerKind::Redraft => "redraft",
            ServerKind::RedraftFsync => "redraft-fsync",
            ServerKind::RedraftGroup => "redraft-group",
        }
    }
}

/// Which configurations a case measures. Ratios are `subject ÷ baseline` of the medians; a case
/// without a baseline (W9) measures its subject alone and has no ratios.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Compares {
    pub baseline: Option<ServerKind>,
    pub subject: ServerKind,
}

impl Default for Compares {
    /// redraft against redis-server: every case of a report written before `compares` existed.
    fn default() -> Compares {
        Compares::REDIS
    }
}

impl Compares {
    /// redraft ÷ redis-server (W1–W6).
    pub const REDIS: Compares = Compares {
        baseline: Some(ServerKind::Redis),
        subject: ServerKind::Redraft,
    };

    /// `subject` alone.
    pub fn alone(subject: ServerKind) -> Compares {
        Compares {
            baseline: None,
            subject,
        }
    }

    /// The configurations measured: the baseline (if any), then the subject.
    pub fn kinds(self) -> Vec<ServerKind> {
        self.baseline.into_iter().chain([self.subject]).collect()
    }

    /// "redraft ÷ redis", "redraft-group ÷ redraft-fsync", or the subject's name alone.
    pub fn label(self) -> String {
        match self.baseline {
            Some(base) => format!("{} ÷ {}", self.subject.name(), base.name()),
            None => self.subject.name().to_string(),
        }
    }
}

/// A figure a case is meant to reach (the issue that asked for the workload sets it); the
/// summary says whether each run met it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Target {
    /// A [`metric`] name.
    pub metric: String,
    /// What is compared with the bound: the ratio of the medians, or the subject's median.
    pub of: TargetOf,
    pub bound: Bound,
}

/// What a [`Target`] bounds.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TargetOf {
    /// `subject ÷ baseline` of the medians.
    Ratio,
    /// The subject's median.
    Median,
}

/// The bound of a [`Target`].
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Bound {
    AtLeast(f64),
    AtMost(f64),
}

impl Target {
    pub fn new(metric: &str, of: TargetOf, bound: Bound) -> Target {
        Target {
            metric: metric.to_string(),
            of,
            bound,
        }
    }

    /// The figure the bound applies to, if the case has it.
    pub fn measured(&self, case: &Case) -> Option<f64> {
        match self.of {
            TargetOf::Ratio => case.ratio(&self.metric),
            TargetOf::Median => Some(
                case.runs(case.compares.subject)?
                    .spread(&self.metric)?
                    .median,
            ),
        }
    }

    /// Whether `value` is within the bound.
    pub fn met_by(&self, value: f64) -> bool {
        match self.bound {
            Bound::AtLeast(b) => value >= b,
            Bound::AtMost(b) => value <= b,
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
    /// W10's big collections: growth per element (hash field, set or sorted-set member).
    pub const USED_MEMORY_PER_ELEMENT: &str = "used_memory_bytes_per_element";
    pub const RSS_PER_ELEMENT: &str = "rss_bytes_per_element";
    /// Connection cases: RSS growth per idle connection.
    pub const RSS_PER_CONNECTION: &str = "rss_bytes_per_conn";
    /// W9: from the kill of the leader to the end of the first timeline window with a
    /// successful write after the outage, in ms (an upper bound, to the timeline's step).
    pub const FAILOVER_FIRST_WRITE: &str = "failover_first_write_ms";
    /// W9: from the kill to the end of the first 100 ms window after the outage whose write rate
    /// is at least 80% of the rate before the kill, in ms.
    pub const FAILOVER_FULL_THROUGHPUT: &str = "failover_full_throughput_ms";
    /// W9: successful writes per second before the kill.
    pub const PREKILL_THROUGHPUT: &str = "prekill_throughput_rps";
    /// W9: failed attempts (error replies, refused or lost connections) from the kill to full
    /// throughput (or the end of the run).
    pub const FAILOVER_ERRORS: &str = "failover_errors";
    /// W9: when the leader was killed, in seconds on the load run's timeline.
    pub const KILL_AT: &str = "kill_at_s";

    /// Whether a larger value of `name` is better (throughput) or worse (everything else).
    pub fn higher_is_better(name: &str) -> bool {
        name == THROUGHPUT || name == PREKILL_THROUGHPUT
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
    /// The configurations measured (redis vs redraft in reports that predate the field).
    #[serde(default)]
    pub compares: Compares,
    pub servers: Vec<ServerRuns>,
    /// Figures the case is meant to reach.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub targets: Vec<Target>,
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
    /// How each configuration the cases name was run (its flags, its nodes, their cores).
    /// Empty in reports that predate it, which ran redis and redraft with the same flags.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub configurations: BTreeMap<ServerKind, String>,
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

    /// The subject's median divided by the baseline's for `metric` (redraft ÷ redis in
    /// W1–W6); `None` without a baseline or a figure for both.
    pub fn ratio(&self, metric: &str) -> Option<f64> {
        let base = self.runs(self.compares.baseline?)?.spread(metric)?.median;
        let subject = self.runs(self.compares.subject)?.spread(metric)?.median;
        (base != 0.0).then(|| subject / base)
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
            compares: Compares::REDIS,
            targets: vec![],
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
            configurations: BTreeMap::from([(ServerKind::RedraftGroup, "3 nodes".to_string())]),
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
        assert!(
            text.contains("\"configurations\":{\"redraft-group\":\"3 nodes\"}"),
            "{text}"
        );
        assert_eq!(back.configurations[&ServerKind::RedraftGroup], "3 nodes");
    }

    /// A case and a run as written before W8 (no `compares`, `targets`, timeline step or
    /// origin) still read, as redis vs redraft with 100 ms windows.
    #[test]
    fn old_reports_read_as_redis_against_redraft() {
        let old = r#"{"workload":"W1","name":"W1 SET","description":"d","servers":[
            {"server":"redis","samples":[{"metrics":{"throughput_rps":100.0},"run":null}]},
            {"server":"redraft","samples":[{"metrics":{"throughput_rps":120.0},"run":{
                "command":"c","requests":1,"errors":0,"first_error":null,"moved":0,"ask":0,
                "elapsed_secs":1.0,"throughput":1.0,"target_rate":null,
                "latency":{"p50":1,"p90":1,"p99":1,"p999":1,"max":1,"mean":1},"cdf":[],
                "timeline":[{"t_secs":0.0,"ok":1,"errors":0}]}}]}]}"#;
        let case: Case = serde_json::from_str(old).unwrap();
        assert_eq!(case.compares, Compares::REDIS);
        assert!(case.targets.is_empty());
        assert_eq!(case.ratio(metric::THROUGHPUT), Some(1.2));
        let run = case.runs(ServerKind::Redraft).unwrap().samples[0]
            .run
            .as_ref()
            .unwrap();
        assert_eq!(run.timeline_step_secs, 0.1);
        assert_eq!(run.timeline_origin_ns, 0);
    }

    #[test]
    fn compares_names_its_configurations_and_ratios_follow_it() {
        let json = serde_json::to_string(&Compares {
            baseline: Some(ServerKind::RedraftFsync),
            subject: ServerKind::RedraftGroup,
        })
        .unwrap();
        assert_eq!(
            json,
            r#"{"baseline":"redraft-fsync","subject":"redraft-group"}"#
        );
        let runs = |server, v| ServerRuns {
            server,
            samples: vec![sample(v)],
        };
        let mut case = Case {
            workload: "W8".into(),
            name: "W8".into(),
            description: String::new(),
            compares: serde_json::from_str(&json).unwrap(),
            servers: vec![
                runs(ServerKind::RedraftFsync, 40.0),
                runs(ServerKind::RedraftGroup, 30.0),
            ],
            targets: vec![Target::new(
                metric::THROUGHPUT,
                TargetOf::Ratio,
                Bound::AtLeast(0.5),
            )],
        };
        assert_eq!(case.ratio(metric::THROUGHPUT), Some(0.75));
        assert_eq!(case.compares.label(), "redraft-group ÷ redraft-fsync");
        let target = &case.targets[0];
        assert_eq!(target.measured(&case), Some(0.75));
        assert!(target.met_by(0.75) && !target.met_by(0.4));
        let text = serde_json::to_string(target).unwrap();
        assert_eq!(
            text,
            r#"{"metric":"throughput_rps","of":"ratio","bound":{"at_least":0.5}}"#
        );
        case.compares = Compares::alone(ServerKind::RedraftGroup);
        assert_eq!(case.ratio(metric::THROUGHPUT), None);
        let median = Target::new(metric::THROUGHPUT, TargetOf::Median, Bound::AtMost(2.0));
        assert_eq!(median.measured(&case), Some(30.0));
        assert_eq!(case.compares.kinds(), [ServerKind::RedraftGroup]);
    }
}
