//! The report as Markdown tables: every figure as redis / redraft medians with their min–max,
//! and redraft ÷ redis. Pure; `summary.md` and the runner's output are this text.

use std::fmt::Write;

use crate::report::{metric, Case, Report, ServerKind, Spread};

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
        "Each cell: median (min–max) over the runs; ratio = redraft ÷ redis of the medians.\n"
    );

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
            metric::RSS_PER_CONNECTION,
        ],
        fmt_bytes,
    );

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
    let multi = metrics.len() > 1;
    let _ = writeln!(
        out,
        "| case |{} redis | redraft | ratio |",
        if multi { " figure |" } else { "" }
    );
    let _ = writeln!(
        out,
        "|---|{}---:|---:|---:|",
        if multi { "---|" } else { "" }
    );
    for (case, m) in rows {
        let cell = |kind: ServerKind| {
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
            cell(ServerKind::Redis),
            cell(ServerKind::Redraft),
            ratio
        );
    }
    out.push('\n');
}

fn metric_label(name: &str) -> &str {
    match name {
        metric::P50 => "p50",
        metric::P99 => "p99",
        metric::P999 => "p99.9",
        metric::USED_MEMORY_PER_KEY => "used_memory / key",
        metric::RSS_PER_KEY => "RSS / key",
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
    use crate::report::{Sample, ServerRuns, Skipped, Validation};
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
            cases: vec![Case {
                workload: "W1".into(),
                name: "W1 GET 16B P1 c50".into(),
                description: String::new(),
                servers: vec![
                    runs(ServerKind::Redis, &[80_000.0, 100_000.0, 90_000.0]),
                    runs(ServerKind::Redraft, &[99_000.0, 108_000.0, 120_000.0]),
                ],
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
    }

    #[test]
    fn counts_are_compact() {
        assert_eq!(fmt_count(1_234_567.0), "1.23M");
        assert_eq!(fmt_count(45_678.0), "45.7k");
        assert_eq!(fmt_count(12.0), "12");
    }
}
