//! `redraft-bench`: runs the workloads W1–W10 side by side — redraft against redis-server, and
//! (W8) a three-node redraft group against a standalone redraft — plus W9's failover runs, and
//! writes `results.json`, `summary.md` and PNG plots into one directory. `benches/run` builds the
//! binaries and calls this.

use std::path::{Path, PathBuf};

use anyhow::{bail, Context};
use clap::Parser;
use redraft_bench::report::Report;
use redraft_bench::runner::server::Binaries;
use redraft_bench::runner::workloads::Scale;
use redraft_bench::runner::{self, Config};
use redraft_bench::{plot, summary};

#[derive(Parser, Debug)]
#[command(
    name = "redraft-bench",
    version,
    about = "redraft vs redis-server, side by side"
)]
struct Cli {
    /// Seconds-long run of every step with tiny sizes (CI); its numbers mean nothing.
    #[arg(long)]
    smoke: bool,
    /// Repetitions of each case on each server (default 5; 1 with --smoke).
    #[arg(long)]
    runs: Option<usize>,
    /// Seconds measured per run (default 5; 0.3 with --smoke).
    #[arg(long)]
    duration: Option<f64>,
    /// Seconds of warm-up before each measured run (default 1; 0.1 with --smoke).
    #[arg(long)]
    warmup: Option<f64>,
    /// Only these workloads, comma-separated (e.g. W1,W2).
    #[arg(long, value_delimiter = ',')]
    workloads: Option<Vec<String>>,
    /// Also check redraft-load against redis-benchmark on redis-server.
    #[arg(long)]
    validate: bool,
    /// Do not pin servers and load generator to separate cores.
    #[arg(long)]
    no_pin: bool,
    /// Where results go (default: benches/results/<UTC time>).
    #[arg(long)]
    out: Option<PathBuf>,
    /// The redraft binary (default: redraft next to this binary).
    #[arg(long)]
    redraft: Option<PathBuf>,
    /// The redis-server binary (default: redis-server on PATH).
    #[arg(long, default_value = "redis-server")]
    redis: PathBuf,
    /// Measure nothing: redraw summary.md and the plots from DIR/results.json.
    #[arg(long, value_name = "DIR")]
    render: Option<PathBuf>,
}

fn main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    if let Some(dir) = &cli.render {
        let json = dir.join("results.json");
        let text = std::fs::read_to_string(&json).with_context(|| json.display().to_string())?;
        let report = serde_json::from_str(&text).with_context(|| json.display().to_string())?;
        return write_outputs(&report, dir);
    }
    let scale = if cli.smoke { Scale::Smoke } else { Scale::Full };
    let here = std::env::current_exe()?
        .parent()
        .context("binary has no directory")?
        .to_path_buf();
    let redraft = cli.redraft.clone().unwrap_or_else(|| here.join("redraft"));
    let loadgen = here.join("redraft-load");
    for binary in [&redraft, &loadgen] {
        if !binary.exists() {
            bail!(
                "{} not found (cargo build --release --workspace)",
                binary.display()
            );
        }
    }
    let redis = which(&cli.redis).with_context(|| {
        format!(
            "{} not found (apt-get install redis-server)",
            cli.redis.display()
        )
    })?;
    raise_fd_limit();

    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    let pin = !cli.no_pin && cores >= 2 && which(std::path::Path::new("taskset")).is_some();
    if !cli.no_pin && !pin {
        eprintln!("not pinning: needs 2 cores and taskset");
    }
    // Servers on the first core, the load generator on the others.
    let (server_cores, loadgen_cores) = if pin {
        (Some("0".to_string()), Some(format!("1-{}", cores - 1)))
    } else {
        (None, None)
    };
    let out = cli.out.clone().unwrap_or_else(|| {
        let stamp = runner::utc_now("+%Y%m%dT%H%M%SZ");
        PathBuf::from("benches/results").join(if stamp.is_empty() {
            "latest".into()
        } else {
            stamp
        })
    });
    std::fs::create_dir_all(&out).with_context(|| format!("creating {}", out.display()))?;
    let work = out.join("servers");
    let config = Config {
        scale,
        runs: cli.runs.unwrap_or(if cli.smoke { 1 } else { 5 }).max(1),
        duration: cli.duration.unwrap_or(if cli.smoke { 0.3 } else { 5.0 }),
        warmup: cli.warmup.unwrap_or(if cli.smoke { 0.1 } else { 1.0 }),
        binaries: Binaries {
            redis,
            redraft,
            server_cores,
            work: work.clone(),
        },
        loadgen,
        loadgen_cores,
        workloads: cli.workloads.clone(),
        validate: cli.validate,
        command: std::env::var("REDRAFT_BENCH_COMMAND")
            .unwrap_or_else(|_| std::env::args().collect::<Vec<_>>().join(" ")),
    };

    let report = runner::run(&config).map_err(anyhow::Error::msg)?;
    std::fs::write(
        out.join("results.json"),
        serde_json::to_string_pretty(&report)?,
    )?;
    // Server logs and data are scratch; the results are what the directory is for.
    let _ = std::fs::remove_dir_all(&work);
    write_outputs(&report, &out)
}

/// Writes `summary.md` and the plots for `report` into `dir` and prints the summary.
fn write_outputs(report: &Report, dir: &Path) -> anyhow::Result<()> {
    let text = summary::markdown(report);
    std::fs::write(dir.join("summary.md"), &text)?;
    let plots = plot::write_plots(report, dir)?;
    println!("{text}");
    println!("results: {}", dir.join("results.json").display());
    for path in plots {
        println!("plot: {}", path.display());
    }
    Ok(())
}

/// The path of `program` (as given when it has a slash, else searched on PATH).
fn which(program: &std::path::Path) -> Option<PathBuf> {
    if program.components().count() > 1 {
        return program.exists().then(|| program.to_path_buf());
    }
    std::env::var_os("PATH")?
        .to_string_lossy()
        .split(':')
        .map(|dir| PathBuf::from(dir).join(program))
        .find(|p| p.is_file())
}

/// W5 opens 10k connections: lift the soft descriptor limit to the hard one for us and the
/// servers and load generators we start.
fn raise_fd_limit() {
    let mut limit = libc::rlimit {
        rlim_cur: 0,
        rlim_max: 0,
    };
    // SAFETY: getrlimit/setrlimit with a valid pointer to a local rlimit.
    unsafe {
        if libc::getrlimit(libc::RLIMIT_NOFILE, &mut limit) == 0 && limit.rlim_cur < limit.rlim_max
        {
            limit.rlim_cur = limit.rlim_max;
            libc::setrlimit(libc::RLIMIT_NOFILE, &limit);
        }
    }
}
