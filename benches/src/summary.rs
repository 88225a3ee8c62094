//! The report as Markdown tables: every figure as the medians of a case's two configurations
//! with their min–max, and their ratio (redraft ÷ redis, or W8's group ÷ standalone, as each
//! table's header says); W9's failover times; and whether the cases met their targets. Pure;
//! `summary.md` and the runner's output are this text.

use std::fmt::Write;

use crate::report::{metric, Bound, Case, Compares, Report, Spread, TargetOf};

/// The whole report as Markdown.
pub fn markdown(report: &Report) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "Command: `{}`  ", report.command);
    let _ = writeln!(
        out,
        "Started: {} · redraft `{}` · redis-server {}  ",
        report.started, report.git, report.redis_version
    );
    let facts: Vec<String> = report
        .machine
        .iter()
        .map(|(k, v)| format!("{k}: {v}"))
        .collect();
    let _ = writeln!(out, "Machine: {}\n", facts.join(" · "));
    let _ = writeln!(
        out,
        "Each cell: median (min–max) over the runs; ratio = redraft ÷ redis of the medians, or \
         the second configuration ÷ the first where a table names others.\n"
    );
    if !report.configurations.is_empty() {
        let _ = writeln!(out, "Configurations:\n");
        for (kind, how) in &report.configurations {
            let _ = writeln!(out, "- {}: {how}", kind.name());
        }
        out.push('\n');
    }

    table(
        &mut out,
        "Throughput (requests/s, higher is better)",
        report,
        &[metric::THROUGHPUT],
        fmt_count,
    );
    table(
        &mut out,
        "Latency (µs, lower is better)",
        report,
        &[metric::P50, metric::P99, metric::P999],
        fmt_micros,
    );
    table(
        &mut out,
        "Server CPU per request (µs of user+system time, lower is better)",
        report,
        &[metric::CPU_PER_REQUEST],
        fmt_micros,
    );
    table(
        &mut out,
        "Memory (bytes, lower is better)",
        report,
        &[
            metric::USED_MEMORY_PER_KEY,
            metric::RSS_PER_KEY,
            metric::USED_MEMORY_PER_ELEMENT,
            metric::RSS_PER_ELEMENT,
            metric::RSS_PER_CONNECTION,
        ],
        fmt_bytes,
    );
    failover_table(&mut out, report);
    targets_table(&mut out, report);

    if !report.validation.is_empty() {
        let _ = writeln!(
            out,
            "### Load generator check: redis-benchmark vs redraft-load on redis-server\n"
        );
        let _ = writeln!(
            out,
            "| workload | redis-benchmark req/s | redraft-load req/s | ratio |"
        );
        let _ = writeln!(out, "|---|---:|---:|---:|");
        for row in &report.validation {
            let (Some(a), Some(b)) = (
                Spread::of(&row.redis_benchmark),
                Spread::of(&row.redraft_load),
            ) else {
                continue;
            };
            let cpu = |values: &[f64]| {
                Spread::of(values).map_or("-".into(), |s| format!("{:.0}%", s.median * 100.0))
            };
            let _ = writeln!(
                out,
                "| {} | {} | {} | {:.2} | {} | {} |",
                row.name,
                spread_cell(a, fmt_count),
                spread_cell(b, fmt_count),
                b.median / a.median,
                cpu(&row.redis_benchmark_cpu),
                cpu(&row.redraft_load_cpu)
            );
        }
        out.push('\n');
    }
    if !report.skipped.is_empty() {
        let _ = writeln!(out, "### Not run\n");
        for skip in &report.skipped {
            let _ = writeln!(out, "- {}: {}", skip.workload, skip.reason);
        }
        out.push('\n');
    }
    out
}

/// One table with a row per (case, metric) that has figures for both servers.
fn table(out: &mut String, title: &str, report: &Report, metrics: &[&str], fmt: fn(f64) -> String) {
    let rows: Vec<(&Case, &str)> = report
        .cases
        .iter()
        .flat_map(|case| metrics.iter().map(move |&m| (case, m)))
        .filter(|(case, m)| case.ratio(m).is_some())
        .collect();
    if rows.is_empty() {
        return;
    }
    let _ = writeln!(out, "### {title}\n");
    // One table per pair of configurations compared, in the order the cases name them.
    let mut pairs: Vec<Compares> = Vec::new();
    for (case, _) in &rows {
        if !pairs.contains(&case.compares) {
            pairs.push(case.compares);
        }
    }
    let multi = metrics.len() > 1;
    for pair in pairs {
        let Some(baseline) = pair.baseline else {
            continue;
        };
        let _ = writeln!(
            out,
            "| case |{} {} | {} | ratio |",
            if multi { " figure |" } else { "" },
            baseline.name(),
            pair.subject.name()
        );
        let _ = writeln!(
            out,
            "|---|{}---:|---:|---:|",
            if multi { "---|" } else { "" }
        );
        for (case, m) in rows.iter().filter(|(c, _)| c.compares == pair) {
            let cell = |kind| {
                case.runs(kind)
                    .and_then(|r| r.spread(m))
                    .map_or("-".into(), |s| spread_cell(s, fmt))
            };
            let ratio = case.ratio(m).unwrap_or(f64::NAN);
            let figure = if multi {
                format!(" {} |", metric_label(m))
            } else {
                String::new()
            };
            let _ = writeln!(
                out,
                "| {} |{figure} {} | {} | {:.2} |",
                case.name,
                cell(baseline),
                cell(pair.subject),
                ratio
            );
        }
        out.push('\n');
    }
}

/// W9: each failover case's times, medians (min–max) over its runs.
fn failover_table(out: &mut String, report: &Report) {
    let cases: Vec<&Case> = report
        .cases
        .iter()
        .filter(|c| {
            c.runs(c.compares.subject)
                .is_some_and(|r| r.spread(metric::KILL_AT).is_some())
        })
        .collect();
    if cases.is_empty() {
        return;
    }
    let _ = writeln!(
        out,
        "### Failover (from kill -9 of the leader, lower is better)\n"
    );
    let _ = writeln!(
        out,
        "| case | configuration | first write (ms) | full throughput (ms) | writes/s before the kill | failed attempts | runs recovered |"
    );
    let _ = writeln!(out, "|---|---|---:|---:|---:|---:|---:|");
    for case in cases {
        let Some(runs) = case.runs(case.compares.subject) else {
            continue;
        };
        let cell = |m: &str, fmt: fn(f64) -> String| {
            runs.spread(m).map_or("-".into(), |s| spread_cell(s, fmt))
        };
        let recovered = runs
            .spread(metric::FAILOVER_FIRST_WRITE)
            .map_or(0, |s| s.count);
        let _ = writeln!(
            out,
            "| {} | {} | {} | {} | {} | {} | {recovered}/{} |",
            case.name,
            case.compares.subject.name(),
            cell(metric::FAILOVER_FIRST_WRITE, fmt_millis),
            cell(metric::FAILOVER_FULL_THROUGHPUT, fmt_millis),
            cell(metric::PREKILL_THROUGHPUT, fmt_count),
            cell(metric::FAILOVER_ERRORS, fmt_count),
            runs.samples.len(),
        );
    }
    out.push('\n');
}

/// Every case's targets, and whether its medians met them.
fn targets_table(out: &mut String, report: &Report) {
    let rows: Vec<_> = report
        .cases
        .iter()
        .flat_map(|c| c.targets.iter().map(move |t| (c, t)))
        .collect();
    if rows.is_empty() {
        return;
    }
    let _ = writeln!(out, "### Targets\n");
    let _ = writeln!(out, "| case | figure | target | measured | met |");
    let _ = writeln!(out, "|---|---|---:|---:|---|");
    for (case, target) in rows {
        let figure = match target.of {
            TargetOf::Ratio => format!(
                "{} ratio ({})",
                metric_label(&target.metric),
                case.compares.label()
            ),
            TargetOf::Median => format!("{} median", metric_label(&target.metric)),
        };
        let bound = match target.bound {
            Bound::AtLeast(v) => format!("≥ {}", fmt_figure(v)),
            Bound::AtMost(v) => format!("≤ {}", fmt_figure(v)),
        };
        let (measured, met) = match target.measured(case) {
            Some(v) => (
                fmt_figure(v),
                if target.met_by(v) { "yes" } else { "**no**" },
            ),
            None => ("-".to_string(), "not measured"),
        };
        let _ = writeln!(
            out,
            "| {} | {figure} | {bound} | {measured} | {met} |",
            case.name
        );
    }
    out.push('\n');
}

fn metric_label(name: &str) -> &str {
    match name {
        metric::THROUGHPUT => "throughput",
        metric::FAILOVER_FIRST_WRITE => "first write after the kill (ms)",
        metric::FAILOVER_FULL_THROUGHPUT => "full throughput after the kill (ms)",
        metric::P50 => "p50",
        metric::P99 => "p99",
        metric::P999 => "p99.9",
        metric::USED_MEMORY_PER_KEY => "used_memory / key",
        metric::RSS_PER_KEY => "RSS / key",
        metric::USED_MEMORY_PER_ELEMENT => "used_memory / element",
        metric::RSS_PER_ELEMENT => "RSS / element",
        metric::RSS_PER_CONNECTION => "RSS / idle connection",
        other => other,
    }
}

fn spread_cell(s: Spread, fmt: fn(f64) -> String) -> String {
    if s.count == 1 {
        return fmt(s.median);
    }
    format!("{} ({}–{})", fmt(s.median), fmt(s.min), fmt(s.max))
}

/// 1234567 → "1.23M", 45678 → "45.7k".
pub fn fmt_count(v: f64) -> String {
    if v >= 1e6 {
        format!("{:.2}M", v / 1e6)
    } else if v >= 1e3 {
        format!("{:.1}k", v / 1e3)
    } else {
        format!("{v:.0}")
    }
}

fn fmt_micros(v: f64) -> String {
    if v >= 10.0 {
        format!("{v:.1}")
    } else {
        format!("{v:.2}")
    }
}

fn fmt_millis(v: f64) -> String {
    format!("{v:.0}")
}

/// A ratio or a time: two decimals below 10, none above.
fn fmt_figure(v: f64) -> String {
    if v.abs() >= 10.0 {
        format!("{v:.0}")
    } else {
        format!("{v:.2}")
    }
}

fn fmt_bytes(v: f64) -> String {
    if v >= 10_000.0 {
        format!("{:.1} KiB", v / 1024.0)
    } else {
        format!("{v:.1}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::{Sample, ServerKind, ServerRuns, Skipped, Target, Validation};
    use std::collections::BTreeMap;

    fn runs(server: ServerKind, values: &[f64]) -> ServerRuns {
        ServerRuns {
            server,
            samples: values
                .iter()
                .map(|&v| {
                    let mut metrics = BTreeMap::new();
                    metrics.insert(metric::THROUGHPUT.to_string(), v);
                    metrics.insert(metric::P50.to_string(), v / 1000.0);
                    Sample { metrics, run: None }
                })
                .collect(),
        }
    }

    #[test]
    fn tables_show_medians_spreads_and_ratios() {
        let report = Report {
            command: "benches/run".into(),
            started: "t".into(),
            git: "g".into(),
            redis_version: "7.0.15".into(),
            machine: BTreeMap::new(),
            configurations: BTreeMap::new(),
            cases: vec![Case {
                workload: "W1".into(),
                name: "W1 GET 16B P1 c50".into(),
                description: String::new(),
                compares: Compares::REDIS,
                servers: vec![
                    runs(ServerKind::Redis, &[80_000.0, 100_000.0, 90_000.0]),
                    runs(ServerKind::Redraft, &[99_000.0, 108_000.0, 120_000.0]),
                ],
                targets: vec![],
            }],
            skipped: vec![Skipped {
                workload: "W7".into(),
                reason: "no cluster".into(),
            }],
            validation: vec![Validation {
                name: "SET".into(),
                redis_benchmark: vec![100.0, 110.0],
                redraft_load: vec![100.0, 100.0],
                redis_benchmark_cpu: vec![0.97],
                redraft_load_cpu: vec![],
            }],
        };
        let text = markdown(&report);
        assert!(
            text.contains(
                "| W1 GET 16B P1 c50 | 90.0k (80.0k–100.0k) | 108.0k (99.0k–120.0k) | 1.20 |"
            ),
            "{text}"
        );
        assert!(
            text.contains("| W1 GET 16B P1 c50 | p50 | 90.0 (80.0–100.0) |"),
            "{text}"
        );
        assert!(text.contains("- W7: no cluster"));
        assert!(
            text.contains("| SET | 105 (100–110) | 100 (100–100) | 0.95 | 97% | - |"),
            "{text}"
        );
        assert!(
            !text.contains("CPU per request"),
            "no CPU figures, no CPU table"
        );
        assert!(!text.contains("Targets") && !text.contains("Failover"));
    }

    /// W8 gets a table of its own, headed by its two configurations, next to W1's; W9 its
    /// failover times; both their targets.
    #[test]
    fn other_configurations_get_their_own_tables() {
        let w1 = Case {
            workload: "W1".into(),
            name: "W1 SET".into(),
            description: String::new(),
            compares: Compares::REDIS,
            servers: vec![
                runs(ServerKind::Redis, &[100_000.0]),
                runs(ServerKind::Redraft, &[110_000.0]),
            ],
            targets: vec![],
        };
        let w8 = Case {
            workload: "W8".into(),
            name: "W8 SET P16".into(),
            description: String::new(),
            compares: Compares {
                baseline: Some(ServerKind::RedraftFsync),
                subject: ServerKind::RedraftGroup,
            },
            servers: vec![
                runs(ServerKind::RedraftFsync, &[40_000.0, 50_000.0, 60_000.0]),
                runs(ServerKind::RedraftGroup, &[30_000.0]),
            ],
            targets: vec![
                Target::new(metric::THROUGHPUT, TargetOf::Ratio, Bound::AtLeast(0.5)),
                Target::new(metric::P50, TargetOf::Ratio, Bound::AtMost(0.5)),
            ],
        };
        let failover = |first: Option<f64>| {
            let mut metrics = BTreeMap::new();
            metrics.insert(metric::KILL_AT.to_string(), 3.0);
            metrics.insert(metric::PREKILL_THROUGHPUT.to_string(), 40_000.0);
            metrics.insert(metric::FAILOVER_ERRORS.to_string(), 120.0);
            if let Some(ms) = first {
                metrics.insert(metric::FAILOVER_FIRST_WRITE.to_string(), ms);
                metrics.insert(metric::FAILOVER_FULL_THROUGHPUT.to_string(), ms + 100.0);
            }
            Sample { metrics, run: None }
        };
        let w9 = Case {
            workload: "W9".into(),
            name: "W9 kill".into(),
            description: String::new(),
            compares: Compares::alone(ServerKind::RedraftGroup),
            servers: vec![ServerRuns {
                server: ServerKind::RedraftGroup,
                samples: vec![
                    failover(Some(1200.0)),
                    failover(Some(1400.0)),
                    failover(None),
                ],
            }],
            targets: vec![Target::new(
                metric::FAILOVER_FIRST_WRITE,
                TargetOf::Median,
                Bound::AtMost(2000.0),
            )],
        };
        let report = Report {
            command: "c".into(),
            started: "t".into(),
            git: "g".into(),
            redis_version: "7".into(),
            machine: BTreeMap::new(),
            configurations: BTreeMap::from([(
                ServerKind::RedraftGroup,
                "3 nodes on core 0".to_string(),
            )]),
            cases: vec![w1, w8, w9],
            skipped: vec![],
            validation: vec![],
        };
        let text = markdown(&report);
        assert!(
            text.contains("- redraft-group: 3 nodes on core 0"),
            "{text}"
        );
        assert!(
            text.contains("| case | redis | redraft | ratio |"),
            "{text}"
        );
        assert!(
            text.contains("| W1 SET | 100.0k | 110.0k | 1.10 |"),
            "{text}"
        );
        assert!(
            text.contains("| case | redraft-fsync | redraft-group | ratio |"),
            "{text}"
        );
        assert!(
            text.contains("| W8 SET P16 | 50.0k (40.0k–60.0k) | 30.0k | 0.60 |"),
            "{text}"
        );
        assert!(
            text.contains("| W9 kill | redraft-group | 1300 (1200–1400) | 1400 (1300–1500) | 40.0k (40.0k–40.0k) | 120 (120–120) | 2/3 |"),
            "{text}"
        );
        assert!(
            text.contains(
                "| W8 SET P16 | throughput ratio (redraft-group ÷ redraft-fsync) | ≥ 0.50 | 0.60 | yes |"
            ),
            "{text}"
        );
        assert!(
            text.contains("| W8 SET P16 | p50 ratio (redraft-group ÷ redraft-fsync) | ≤ 0.50 | 0.60 | **no** |"),
            "{text}"
        );
        assert!(
            text.contains(
                "| W9 kill | first write after the kill (ms) median | ≤ 2000 | 1300 | yes |"
            ),
            "{text}"
        );
    }

    #[test]
    fn counts_are_compact() {
        assert_eq!(fmt_count(1_234_567.0), "1.23M");
        assert_eq!(fmt_count(45_678.0), "45.7k");
        assert_eq!(fmt_count(12.0), "12");
    }
}
