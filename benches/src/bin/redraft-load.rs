//! `redraft-load`: a Redis load generator. Closed loop (`-c`, `-P`) or open loop at a fixed
//! rate (`--rate`), uniform or Zipf keys, SET/GET mixes, cluster-aware (`--cluster` by slot,
//! `--seeds` to a Raft group's leader, through failovers); prints a summary or, with `--json`,
//! the full result (latency percentiles and CDF, timeline). Says on stderr when the load starts.

use clap::Parser;
use std::io::Write;

use redraft_bench::load::{run, LoadArgs, STARTED_LINE};
use redraft_bench::report::RunResult;

#[derive(Parser, Debug)]
#[command(
    name = "redraft-load",
    version,
    about = "Redis load generator (closed and open loop)"
)]
struct Cli {
    #[command(flatten)]
    load: LoadArgs,
    /// Print the result as JSON.
    #[arg(long)]
    json: bool,
}

fn main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    let command = std::env::args().collect::<Vec<_>>().join(" ");
    let result = run(&cli.load, command, &|| eprintln!("{STARTED_LINE}"))?;
    // A reader that stops early (`| head -1`) is not an error worth a panic.
    let _ = print(&result, cli.json);
    Ok(())
}

fn print(result: &RunResult, json: bool) -> std::io::Result<()> {
    let mut out = std::io::stdout().lock();
    if json {
        return writeln!(out, "{}", serde_json::to_string(result)?);
    }
    let l = &result.latency;
    writeln!(
        out,
        "{} requests in {:.2} s: {:.0} requests/s",
        result.requests, result.elapsed_secs, result.throughput
    )?;
    writeln!(
        out,
        "latency µs: p50 {:.1}  p90 {:.1}  p99 {:.1}  p99.9 {:.1}  max {:.1}  mean {:.1}",
        l.p50, l.p90, l.p99, l.p999, l.max, l.mean
    )?;
    if result.errors > 0 || result.moved > 0 || result.ask > 0 {
        writeln!(
            out,
            "errors {}  moved {}  ask {}  first error: {}",
            result.errors,
            result.moved,
            result.ask,
            result.first_error.as_deref().unwrap_or("-")
        )?;
    }
    Ok(())
}
