//! The side-by-side runner: for each workload group it starts the two configurations a case
//! compares (redis-server and redraft for W1–W6 and W10; a standalone and a three-node redraft,
//! both fsyncing every write, for W8), fills them identically, then runs every case several
//! times, alternating the configurations run by run so drift on a noisy machine hits both alike.
//! Each run is one `redraft-load` process (pinned away from the servers); the runner reads the
//! servers' CPU time and memory around it. W9 runs one configuration, a group whose leader it
//! kills during each run. W10 fills fresh servers with big collections itself, over one
//! pipelined connection.
//!
//! - [`workloads`]: the case list and targets (pure).
//! - [`failover`]: W9's times from a run's timeline (pure).
//! - [`server`]: server processes and groups, and their `/proc` figures.

pub mod failover;
pub mod server;
pub mod workloads;

use std::collections::BTreeMap;
use std::io::BufRead;
use std::net::TcpStream;
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use self::server::{describe, pinned, Binaries, Group as ServerGroup, Server, LEADER_LIMIT};
use self::workloads::{
    is_unknown_command, targets, CaseSpec, CollectionSpec, FailoverSpec, Group, Prefill, Scale,
    FILL_PIPELINE,
};
use crate::client;
use crate::load::{monotonic_ns, STARTED_LINE};
use crate::report::{
    metric, Case, Compares, Report, RunResult, Sample, ServerKind, ServerRuns, Skipped, Validation,
};

/// Everything a runner invocation needs.
#[derive(Clone, Debug)]
pub struct Config {
    pub scale: Scale,
    /// Repetitions of each case on each server.
    pub runs: usize,
    /// Seconds measured per run, and of warm-up before each.
    pub duration: f64,
    pub warmup: f64,
    pub binaries: Binaries,
    /// The `redraft-load` binary.
    pub loadgen: PathBuf,
    /// `taskset -c <cores>` for the load generator (and redis-benchmark), when pinning.
    pub loadgen_cores: Option<String>,
    /// Workload ids to run (`None` = all).
    pub workloads: Option<Vec<String>>,
    /// Also compare `redraft-load` with `redis-benchmark` on redis-server.
    pub validate: bool,
    /// The command line, recorded in the report.
    pub command: String,
}

/// Runs every selected workload and returns the report (the caller writes it out).
///
/// # Errors
/// A server that does not start, or a load generator that fails: a figure the runner cannot
/// trust ends the run rather than being reported.
pub fn run(config: &Config) -> Result<Report, String> {
    let (groups, skips) = workloads::plan(config.scale, config.workloads.as_deref());
    let mut report = Report {
        command: config.command.clone(),
        started: utc_now("+%Y-%m-%dT%H:%M:%SZ"),
        git: git_describe(),
        redis_version: redis_version(&config.binaries.redis),
        machine: machine_facts(config),
        configurations: BTreeMap::new(),
        cases: Vec::new(),
        skipped: skips
            .iter()
            .map(|s| Skipped {
                workload: s.workload.to_string(),
                reason: s.reason.to_string(),
            })
            .collect(),
        validation: Vec::new(),
    };
    for skip in &skips {
        eprintln!("skip {}: {}", skip.workload, skip.reason);
    }
    for group in groups {
        let cases = match group {
            Group::Load { prefill, cases } => run_load_group(config, prefill.as_ref(), &cases)?,
            Group::IdleConnections { workload, counts } => {
                run_idle_connections(config, workload, &counts)?
            }
            Group::Memory {
                workload,
                name,
                keys,
                value_size,
                ttl,
            } => vec![run_memory(config, workload, &name, keys, value_size, ttl)?],
            Group::Replicated { cases } => run_replicated(config, &cases)?,
            Group::Failover(spec) => vec![run_failover(config, &spec)?],
            Group::Collection(spec) => match run_collection(config, &spec)? {
                Ok(case) => vec![case],
                Err(skip) => {
                    eprintln!("skip {}: {}", skip.workload, skip.reason);
                    report.skipped.push(skip);
                    Vec::new()
                }
            },
        };
        report.cases.extend(cases);
    }
    let cores = config.binaries.server_cores.as_deref();
    for case in &report.cases {
        for kind in case.compares.kinds() {
            report.configurations.insert(kind, describe(kind, cores));
        }
    }
    // Groups run in the order that keeps server restarts few; read them in workload order.
    report.cases.sort_by(|a, b| a.workload.cmp(&b.workload));
    if config.validate {
        report.validation = validate(config)?;
    }
    Ok(report)
}

/// The two configurations of a case (baseline 0, subject 1) in the order repetition `rep` runs
/// them: alternating, so neither always goes first.
fn order(rep: usize) -> [usize; 2] {
    if rep.is_multiple_of(2) {
        [0, 1]
    } else {
        [1, 0]
    }
}

/// redis-server and redraft, in [`Compares::REDIS`] order.
fn start_pair(config: &Config) -> Result<[Server; 2], String> {
    Ok([
        Server::start(ServerKind::Redis, &config.binaries)?,
        Server::start(ServerKind::Redraft, &config.binaries)?,
    ])
}

/// No samples yet, for each configuration of `compares`, in its order.
fn empty_runs(compares: Compares) -> Vec<ServerRuns> {
    compares
        .kinds()
        .into_iter()
        .map(|server| ServerRuns {
            server,
            samples: Vec::new(),
        })
        .collect()
}

/// What a load run is measured against: one server, or a whole group.
trait UnderTest {
    fn kind(&self) -> ServerKind;
    /// How `redraft-load` reaches it.
    fn target(&self) -> Vec<String>;
    /// CPU seconds used so far (every node of a group).
    fn cpu_secs(&self) -> Result<f64, String>;
    /// RSS (every node of a group, summed).
    fn rss_bytes(&self) -> Result<u64, String>;
    /// `used_memory` (a group's leader).
    fn used_memory(&self) -> Result<u64, String>;
}

impl UnderTest for Server {
    fn kind(&self) -> ServerKind {
        self.kind
    }
    fn target(&self) -> Vec<String> {
        vec!["--addr".into(), self.addr.clone()]
    }
    fn cpu_secs(&self) -> Result<f64, String> {
        Server::cpu_secs(self)
    }
    fn rss_bytes(&self) -> Result<u64, String> {
        Server::rss_bytes(self)
    }
    fn used_memory(&self) -> Result<u64, String> {
        Server::used_memory(self)
    }
}

impl UnderTest for ServerGroup {
    fn kind(&self) -> ServerKind {
        ServerKind::RedraftGroup
    }
    fn target(&self) -> Vec<String> {
        vec!["--seeds".into(), self.seeds()]
    }
    fn cpu_secs(&self) -> Result<f64, String> {
        ServerGroup::cpu_secs(self)
    }
    fn rss_bytes(&self) -> Result<u64, String> {
        ServerGroup::rss_bytes(self)
    }
    fn used_memory(&self) -> Result<u64, String> {
        ServerGroup::used_memory(self)
    }
}

fn prefill(
    config: &Config,
    server: &Server,
    fill: &Prefill,
    ttl: Option<u64>,
) -> Result<(), String> {
    let mut args = vec![
        "--load".to_string(),
        "-r".into(),
        fill.keys.to_string(),
        "-d".into(),
        fill.value_size.to_string(),
        "-c".into(),
        "50".into(),
        "-P".into(),
        "64".into(),
    ];
    if let Some(ttl) = ttl {
        args.extend(["--ttl".into(), ttl.to_string()]);
    }
    let result = loadgen(config, &server.target(), &args, false)?;
    if result.errors > 0 || result.requests != fill.keys {
        return Err(format!(
            "filling {} with {} keys: {} stored, {} errors ({})",
            server.kind.name(),
            fill.keys,
            result.requests,
            result.errors,
            result.first_error.unwrap_or_default()
        ));
    }
    Ok(())
}

fn run_load_group(
    config: &Config,
    fill: Option<&Prefill>,
    specs: &[CaseSpec],
) -> Result<Vec<Case>, String> {
    let pair = start_pair(config)?;
    if let Some(fill) = fill {
        for server in &pair {
            eprintln!(
                "fill {}: {} keys of {} B",
                server.kind.name(),
                fill.keys,
                fill.value_size
            );
            prefill(config, server, fill, None)?;
        }
    }
    let [redis, redraft] = &pair;
    run_cases(config, Compares::REDIS, [redis, redraft], specs)
}

/// Every case of `specs` against both configurations, `config.runs` times each, alternating.
fn run_cases(
    config: &Config,
    compares: Compares,
    both: [&dyn UnderTest; 2],
    specs: &[CaseSpec],
) -> Result<Vec<Case>, String> {
    let mut cases = Vec::new();
    for spec in specs {
        let mut servers = empty_runs(compares);
        for rep in 0..config.runs {
            for k in order(rep) {
                let sample = measure_run(config, both[k], &spec.args)?;
                eprintln!(
                    "{:<40} {:<13} run {}/{}: {:>10.0} req/s  p50 {:>8.1} µs  p99 {:>8.1} µs  cpu {:.2} µs/req",
                    spec.name,
                    both[k].kind().name(),
                    rep + 1,
                    config.runs,
                    sample.metrics[metric::THROUGHPUT],
                    sample.metrics.get(metric::P50).copied().unwrap_or(0.0),
                    sample.metrics.get(metric::P99).copied().unwrap_or(0.0),
                    sample.metrics.get(metric::CPU_PER_REQUEST).copied().unwrap_or(0.0),
                );
                servers[k].samples.push(sample);
            }
        }
        cases.push(Case {
            workload: spec.workload.to_string(),
            name: spec.name.clone(),
            description: format!("redraft-load {}", spec.args.join(" ")),
            compares,
            servers,
            targets: targets(spec.workload),
        });
    }
    Ok(cases)
}

/// W8: the cases against a standalone redraft and a three-node group, both fsyncing every
/// write before acknowledging it, so the difference is replication alone.
fn run_replicated(config: &Config, specs: &[CaseSpec]) -> Result<Vec<Case>, String> {
    let standalone = Server::start(ServerKind::RedraftFsync, &config.binaries)?;
    let group = ServerGroup::start(&config.binaries)?;
    let compares = Compares {
        baseline: Some(ServerKind::RedraftFsync),
        subject: ServerKind::RedraftGroup,
    };
    run_cases(config, compares, [&standalone, &group], specs)
}

/// One run of `args` against `server`, with the server's CPU time and memory around it.
fn measure_run(config: &Config, server: &dyn UnderTest, args: &[String]) -> Result<Sample, String> {
    let cpu_before = server.cpu_secs()?;
    let run = loadgen(config, &server.target(), args, true)?;
    let cpu_after = server.cpu_secs()?;
    if run.requests == 0 {
        return Err(format!(
            "{}: no request succeeded ({})",
            server.kind().name(),
            run.first_error.clone().unwrap_or_default()
        ));
    }
    // CPU covers the warm-up too, so divide by every reply of the run, not just measured ones.
    let replies: u64 = run.timeline.iter().map(|p| p.ok + p.errors).sum();
    let mut metrics = BTreeMap::new();
    metrics.insert(metric::THROUGHPUT.to_string(), run.throughput);
    metrics.insert(metric::P50.to_string(), run.latency.p50);
    metrics.insert(metric::P99.to_string(), run.latency.p99);
    metrics.insert(metric::P999.to_string(), run.latency.p999);
    metrics.insert(metric::MAX.to_string(), run.latency.max);
    if replies > 0 {
        metrics.insert(
            metric::CPU_PER_REQUEST.to_string(),
            (cpu_after - cpu_before) * 1e6 / replies as f64,
        );
    }
    metrics.insert(
        metric::USED_MEMORY.to_string(),
        server.used_memory()? as f64,
    );
    metrics.insert(metric::RSS.to_string(), server.rss_bytes()? as f64);
    Ok(Sample {
        metrics,
        run: Some(run),
    })
}

/// W5's memory side: RSS growth per idle connection (each opened and answered one PING).
fn run_idle_connections(
    config: &Config,
    workload: &str,
    counts: &[usize],
) -> Result<Vec<Case>, String> {
    let mut cases = Vec::new();
    for &count in counts {
        let mut servers = empty_runs(Compares::REDIS);
        for rep in 0..config.runs {
            let pair = start_pair(config)?;
            for k in order(rep) {
                let server = &pair[k];
                let before = server.rss_bytes()?;
                let conns = open_idle(&server.addr, count)?;
                server.settle();
                let after = server.rss_bytes()?;
                drop(conns);
                let per_conn = after.saturating_sub(before) as f64 / count as f64;
                eprintln!(
                    "W5 idle c{count:<6} {:<8} run {}/{}: {:.0} B RSS per connection",
                    server.kind.name(),
                    rep + 1,
                    config.runs,
                    per_conn
                );
                let mut metrics = BTreeMap::new();
                metrics.insert(metric::RSS_PER_CONNECTION.to_string(), per_conn);
                servers[k].samples.push(Sample { metrics, run: None });
            }
        }
        cases.push(Case {
            workload: workload.to_string(),
            name: format!("{workload} idle c{count}"),
            description: format!("{count} connections, each answered one PING, then idle"),
            compares: Compares::REDIS,
            servers,
            targets: targets(workload),
        });
    }
    Ok(cases)
}

fn open_idle(addr: &str, count: usize) -> Result<Vec<TcpStream>, String> {
    let mut conns = Vec::with_capacity(count);
    for i in 0..count {
        let mut stream = TcpStream::connect(addr).map_err(|e| format!("connection {i}: {e}"))?;
        stream
            .set_read_timeout(Some(Duration::from_secs(10)))
            .map_err(|e| e.to_string())?;
        std::io::Write::write_all(&mut stream, b"*1\r\n$4\r\nPING\r\n")
            .map_err(|e| format!("connection {i}: {e}"))?;
        conns.push(stream);
    }
    for (i, stream) in conns.iter_mut().enumerate() {
        match crate::client::read_frame(stream) {
            Ok(redraft_protocol::Frame::Simple(_)) => {}
            other => return Err(format!("connection {i}: PING got {other:?}")),
        }
    }
    Ok(conns)
}

/// W6: fresh servers, `keys` keys loaded, growth of used_memory and RSS per key.
fn run_memory(
    config: &Config,
    workload: &str,
    name: &str,
    keys: u64,
    value_size: usize,
    ttl: Option<u64>,
) -> Result<Case, String> {
    let mut servers = empty_runs(Compares::REDIS);
    let fill = Prefill { keys, value_size };
    for rep in 0..config.runs {
        let pair = start_pair(config)?;
        for k in order(rep) {
            let server = &pair[k];
            let (used0, rss0) = (server.used_memory()?, server.rss_bytes()?);
            prefill(config, server, &fill, ttl)?;
            server.settle();
            let (used1, rss1) = (server.used_memory()?, server.rss_bytes()?);
            let per_key = |a: u64, b: u64| b.saturating_sub(a) as f64 / keys as f64;
            let mut metrics = BTreeMap::new();
            metrics.insert(
                metric::USED_MEMORY_PER_KEY.to_string(),
                per_key(used0, used1),
            );
            metrics.insert(metric::RSS_PER_KEY.to_string(), per_key(rss0, rss1));
            eprintln!(
                "{name:<40} {:<8} run {}/{}: {:.1} B/key used_memory, {:.1} B/key RSS",
                server.kind.name(),
                rep + 1,
                config.runs,
                metrics[metric::USED_MEMORY_PER_KEY],
                metrics[metric::RSS_PER_KEY]
            );
            servers[k].samples.push(Sample { metrics, run: None });
        }
    }
    let ttl_text = ttl.map_or(String::new(), |t| format!(" --ttl {t}"));
    Ok(Case {
        workload: workload.to_string(),
        name: name.to_string(),
        description: format!(
            "fresh server, redraft-load --load -r {keys} -d {value_size}{ttl_text}; growth of INFO used_memory and RSS per key"
        ),
        compares: Compares::REDIS,
        servers,
        targets: targets(workload),
    })
}

/// W10: fresh servers, one collection case filled with pipelined commands, growth of
/// used_memory and RSS per element (per key for the session hashes).
///
/// Returns `Ok(Err(skip))` when a server answers the case's command with `ERR unknown command`
/// (redraft before it implements the type): a case that cannot run yet is reported as skipped,
/// with the reason, rather than ending the whole run.
fn run_collection(config: &Config, spec: &CollectionSpec) -> Result<Result<Case, Skipped>, String> {
    let [used_metric, rss_metric] = spec.metrics();
    let unit = spec.unit();
    let mut servers = empty_runs(Compares::REDIS);
    for rep in 0..config.runs {
        let pair = start_pair(config)?;
        if rep == 0 {
            // The bare command name: a known command answers with an arity error and stores
            // nothing.
            for server in &pair {
                let reply = client::command(&server.addr, &[spec.command_name().as_bytes()])?;
                if is_unknown_command(&reply) {
                    return Ok(Err(Skipped {
                        workload: spec.workload.to_string(),
                        reason: format!(
                            "{}: {} answers {} with \"{}\" (not implemented yet)",
                            spec.name,
                            server.kind.name(),
                            spec.command_name(),
                            describe_frame(&reply)
                        ),
                    }));
                }
            }
        }
        for k in order(rep) {
            let server = &pair[k];
            let (used0, rss0) = (server.used_memory()?, server.rss_bytes()?);
            let started = Instant::now();
            fill_collection(server, spec)?;
            let fill_secs = started.elapsed().as_secs_f64();
            server.settle();
            let (used1, rss1) = (server.used_memory()?, server.rss_bytes()?);
            let per = |a: u64, b: u64| b.saturating_sub(a) as f64 / spec.count as f64;
            let mut metrics = BTreeMap::new();
            metrics.insert(used_metric.to_string(), per(used0, used1));
            metrics.insert(rss_metric.to_string(), per(rss0, rss1));
            eprintln!(
                "{:<40} {:<8} run {}/{}: {:.1} B/{unit} used_memory, {:.1} B/{unit} RSS (filled in {fill_secs:.1} s)",
                spec.name,
                server.kind.name(),
                rep + 1,
                config.runs,
                metrics[used_metric],
                metrics[rss_metric],
            );
            servers[k].samples.push(Sample { metrics, run: None });
        }
    }
    Ok(Ok(Case {
        workload: spec.workload.to_string(),
        name: spec.name.clone(),
        description: spec.description(),
        compares: Compares::REDIS,
        servers,
        targets: spec.targets(),
    }))
}

/// Fills `server` with `spec`'s commands, [`FILL_PIPELINE`] at a time, checking that each
/// added every element it carried (so a growth per element is of the elements intended).
fn fill_collection(server: &Server, spec: &CollectionSpec) -> Result<(), String> {
    let mut conn = client::Connection::open(&server.addr)?;
    let total = spec.commands();
    let mut next = 0;
    while next < total {
        let end = (next + FILL_PIPELINE as u64).min(total);
        let (requests, added): (Vec<_>, Vec<_>) = (next..end).map(|n| spec.command(n)).unzip();
        conn.send(&requests)?;
        for (n, expected) in (next..end).zip(added) {
            match conn.reply()? {
                redraft_protocol::Frame::Integer(got) if got == expected => {}
                other => {
                    return Err(format!(
                        "{} on {}: {} {} of {total} replied {}, expected {expected}",
                        spec.name,
                        server.kind.name(),
                        spec.command_name(),
                        n + 1,
                        describe_frame(&other)
                    ))
                }
            }
        }
        next = end;
    }
    Ok(())
}

/// A reply as text for a message: an error's own words, anything else as debug output.
fn describe_frame(frame: &redraft_protocol::Frame) -> String {
    match frame {
        redraft_protocol::Frame::Error(text) => String::from_utf8_lossy(text).into_owned(),
        other => format!("{other:?}"),
    }
}

/// W9: a group under load; in each run its leader is killed (SIGKILL) `spec.prekill` into the
/// measured load, and the run's timeline says how long writes stopped. The killed node is
/// restarted between runs and the next run waits for the whole group.
fn run_failover(config: &Config, spec: &FailoverSpec) -> Result<Case, String> {
    let mut group = ServerGroup::start(&config.binaries)?;
    let compares = Compares::alone(ServerKind::RedraftGroup);
    let mut servers = empty_runs(compares);
    for rep in 0..config.runs {
        let leader = group.wait_whole(LEADER_LIMIT)?;
        let (run, kill_ns) = run_and_kill(config, &mut group, leader, spec)?;
        let kill_at = kill_ns.saturating_sub(run.timeline_origin_ns) as f64 / 1e9;
        let outcome = failover::analyse(
            &run.timeline,
            run.timeline_step_secs,
            spec.warmup.as_secs_f64(),
            kill_at,
        )
        .map_err(|e| format!("{}, run {}: {e}", spec.name, rep + 1))?;
        let ms = |secs: Option<f64>| secs.map(|s| s * 1000.0);
        let mut metrics = BTreeMap::new();
        metrics.insert(metric::KILL_AT.to_string(), kill_at);
        metrics.insert(metric::PREKILL_THROUGHPUT.to_string(), outcome.prekill_rate);
        metrics.insert(metric::FAILOVER_ERRORS.to_string(), outcome.errors as f64);
        let shown =
            |v: Option<f64>| v.map_or("none within the run".into(), |v| format!("{v:.0} ms"));
        eprintln!(
            "{:<40} {:<13} run {}/{}: {:>10.0} req/s before the kill, first write {}, full throughput {}, {} failed attempts",
            spec.name,
            compares.subject.name(),
            rep + 1,
            config.runs,
            outcome.prekill_rate,
            shown(ms(outcome.first_write)),
            shown(ms(outcome.full_throughput)),
            outcome.errors,
        );
        if let Some(v) = ms(outcome.first_write) {
            metrics.insert(metric::FAILOVER_FIRST_WRITE.to_string(), v);
        }
        if let Some(v) = ms(outcome.full_throughput) {
            metrics.insert(metric::FAILOVER_FULL_THROUGHPUT.to_string(), v);
        }
        servers[0].samples.push(Sample {
            metrics,
            run: Some(run),
        });
        group.nodes[leader].restart()?;
    }
    Ok(Case {
        workload: spec.workload.to_string(),
        name: spec.name.clone(),
        description: format!(
            "redraft-load --seeds <the 3 nodes> {} --warmup {} --duration {}; kill -9 of the \
             leader {} s into the measured load",
            spec.args.join(" "),
            spec.warmup.as_secs_f64(),
            (spec.prekill + spec.after).as_secs_f64(),
            spec.prekill.as_secs_f64(),
        ),
        compares,
        servers,
        targets: targets(spec.workload),
    })
}

/// How long `redraft-load` may take to open its connections before the runner gives up on it.
const LOADGEN_START_LIMIT: Duration = Duration::from_secs(30);

/// One W9 run: starts the load against the group, kills node `leader` once the load has run
/// for the warm-up and `spec.prekill`, and returns the load's result and the kill's time
/// ([`monotonic_ns`], the clock of the result's `timeline_origin_ns`).
fn run_and_kill(
    config: &Config,
    group: &mut ServerGroup,
    leader: usize,
    spec: &FailoverSpec,
) -> Result<(RunResult, u64), String> {
    let mut command = pinned(&config.loadgen, config.loadgen_cores.as_deref());
    command
        .args(["--seeds", &group.seeds(), "--json"])
        .args(&spec.args)
        .args(["--warmup", &spec.warmup.as_secs_f64().to_string()])
        .args([
            "--duration",
            &(spec.prekill + spec.after).as_secs_f64().to_string(),
        ])
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut child = command
        .spawn()
        .map_err(|e| format!("cannot run {}: {e}", config.loadgen.display()))?;
    // stderr, line by line, from a thread: the start line tells when to kill.
    let stderr = child.stderr.take().expect("piped");
    let (lines, from_reader) = mpsc::channel();
    let reader = std::thread::spawn(move || {
        for line in std::io::BufReader::new(stderr)
            .lines()
            .map_while(Result::ok)
        {
            if lines.send(line).is_err() {
                break;
            }
        }
    });
    let mut said = String::new();
    let deadline = Instant::now() + LOADGEN_START_LIMIT;
    let started = loop {
        match from_reader.recv_timeout(deadline.saturating_duration_since(Instant::now())) {
            Ok(line) if line == STARTED_LINE => break true,
            Ok(line) => said.push_str(&format!("{line}\n")),
            // It exited (its stderr closed) or took too long.
            Err(_) => break false,
        }
    };
    let kill_ns = if started {
        std::thread::sleep(spec.warmup + spec.prekill);
        let at = monotonic_ns();
        group.nodes[leader].kill9();
        Some(at)
    } else {
        let _ = child.kill();
        None
    };
    let output = child
        .wait_with_output()
        .map_err(|e| format!("redraft-load: {e}"))?;
    let _ = reader.join();
    said.extend(from_reader.try_iter().map(|l| format!("{l}\n")));
    let Some(kill_ns) = kill_ns else {
        return Err(format!(
            "redraft-load did not start its load within {LOADGEN_START_LIMIT:?}: {}",
            said.trim()
        ));
    };
    if !output.status.success() {
        return Err(format!(
            "redraft-load against the group failed ({}): {}",
            output.status,
            said.trim()
        ));
    }
    let run =
        serde_json::from_slice(&output.stdout).map_err(|e| format!("redraft-load output: {e}"))?;
    Ok((run, kill_ns))
}

/// Runs `redraft-load --json` against `target` (`--addr …` or `--seeds …`) and parses its
/// result.
fn loadgen(
    config: &Config,
    target: &[String],
    args: &[String],
    timed: bool,
) -> Result<RunResult, String> {
    let mut command = pinned(&config.loadgen, config.loadgen_cores.as_deref());
    command.args(target).arg("--json").args(args);
    if timed {
        command
            .args(["--duration", &config.duration.to_string()])
            .args(["--warmup", &config.warmup.to_string()]);
    }
    let output = command
        .output()
        .map_err(|e| format!("cannot run {}: {e}", config.loadgen.display()))?;
    if !output.status.success() {
        return Err(format!(
            "redraft-load {} failed ({}): {}",
            args.join(" "),
            output.status,
            String::from_utf8_lossy(&output.stderr).trim()
        ));
    }
    serde_json::from_slice(&output.stdout).map_err(|e| format!("redraft-load output: {e}"))
}

/// redis-benchmark and redraft-load on the same redis-server, same workloads, alternating:
/// the load generator is only trustworthy if the two agree.
fn validate(config: &Config) -> Result<Vec<Validation>, String> {
    let redis = Server::start(ServerKind::Redis, &config.binaries)?;
    let (keys, n_p1, n_p16) = match config.scale {
        Scale::Full => (1_000_000u64, 300_000u64, 2_000_000u64),
        Scale::Smoke => (10_000, 5_000, 20_000),
    };
    prefill(
        config,
        &redis,
        &Prefill {
            keys,
            value_size: 16,
        },
        None,
    )?;
    let mut rows = Vec::new();
    for (op, pipeline, requests) in [
        ("set", 1, n_p1),
        ("get", 1, n_p1),
        ("set", 16, n_p16),
        ("get", 16, n_p16),
    ] {
        let mut row = Validation {
            name: format!("{} 16B P{pipeline} c50", op.to_uppercase()),
            redis_benchmark: Vec::new(),
            redraft_load: Vec::new(),
            redis_benchmark_cpu: Vec::new(),
            redraft_load_cpu: Vec::new(),
        };
        for _ in 0..config.runs {
            let (host, port) = redis.addr.rsplit_once(':').expect("host:port");
            let mut bench = pinned(
                std::path::Path::new("redis-benchmark"),
                config.loadgen_cores.as_deref(),
            );
            bench.args([
                "-h",
                host,
                "-p",
                port,
                "-c",
                "50",
                "-P",
                &pipeline.to_string(),
            ]);
            bench.args([
                "-n",
                &requests.to_string(),
                "-r",
                &keys.to_string(),
                "-d",
                "16",
            ]);
            bench.args(["-t", op, "--csv"]);
            let cpu_before = children_cpu_secs();
            let output = bench
                .output()
                .map_err(|e| format!("cannot run redis-benchmark: {e}"))?;
            let bench_cpu = children_cpu_secs() - cpu_before;
            let rps = parse_redis_benchmark_csv(&String::from_utf8_lossy(&output.stdout))
                .ok_or_else(|| {
                    format!(
                        "redis-benchmark printed no result: {}",
                        String::from_utf8_lossy(&output.stderr)
                    )
                })?;
            row.redis_benchmark.push(rps);
            // Busy share of one core: a load generator near 1.0 is measuring itself.
            row.redis_benchmark_cpu
                .push(bench_cpu / (requests as f64 / rps.max(1.0)));
            let args = workloads::closed_loop_args(op, pipeline, 16, keys);
            let cpu_before = children_cpu_secs();
            let ours = loadgen(config, &redis.target(), &args, true)?;
            let ours_cpu = children_cpu_secs() - cpu_before;
            row.redraft_load.push(ours.throughput);
            row.redraft_load_cpu
                .push(ours_cpu / (config.duration + config.warmup));
            eprintln!(
                "validate {:<18} redis-benchmark {:>10.0} req/s (cpu {:.2})   redraft-load {:>10.0} req/s (cpu {:.2})",
                row.name,
                rps,
                row.redis_benchmark_cpu.last().unwrap_or(&0.0),
                ours.throughput,
                row.redraft_load_cpu.last().unwrap_or(&0.0),
            );
        }
        rows.push(row);
    }
    Ok(rows)
}

/// User plus system CPU seconds of every child process that has exited and been waited for.
fn children_cpu_secs() -> f64 {
    // SAFETY: getrusage with a valid pointer to a zeroed local struct.
    let usage = unsafe {
        let mut usage: libc::rusage = std::mem::zeroed();
        libc::getrusage(libc::RUSAGE_CHILDREN, &mut usage);
        usage
    };
    let secs = |t: libc::timeval| t.tv_sec as f64 + t.tv_usec as f64 / 1e6;
    secs(usage.ru_utime) + secs(usage.ru_stime)
}

/// The requests per second of the first result line of `redis-benchmark --csv`.
pub fn parse_redis_benchmark_csv(text: &str) -> Option<f64> {
    text.lines()
        .filter(|l| !l.starts_with("\"test\""))
        .find_map(|line| line.split(',').nth(1)?.trim_matches('"').parse().ok())
}

/// The current UTC time in `date` format `format` (e.g. `+%Y-%m-%dT%H:%M:%SZ`).
pub fn utc_now(format: &str) -> String {
    Command::new("date")
        .args(["-u", format])
        .output()
        .ok()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string())
        .unwrap_or_default()
}

fn git_describe() -> String {
    Command::new("git")
        .args(["describe", "--always", "--dirty"])
        .output()
        .ok()
        .filter(|o| o.status.success())
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string())
        .unwrap_or_else(|| "unknown".into())
}

/// `7.0.15` from `redis-server --version` ("Redis server v=7.0.15 sha=...").
fn redis_version(binary: &std::path::Path) -> String {
    let text = Command::new(binary)
        .arg("--version")
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).into_owned())
        .unwrap_or_default();
    text.split_whitespace()
        .find_map(|word| word.strip_prefix("v="))
        .unwrap_or("unknown")
        .to_string()
}

fn machine_facts(config: &Config) -> BTreeMap<String, String> {
    let mut facts = BTreeMap::new();
    let cores = std::thread::available_parallelism().map_or(0, |n| n.get());
    facts.insert("cores".into(), cores.to_string());
    if let Ok(meminfo) = std::fs::read_to_string("/proc/meminfo") {
        if let Some(line) = meminfo.lines().next() {
            facts.insert(
                "memory".into(),
                line.trim_start_matches("MemTotal:").trim().into(),
            );
        }
    }
    if let Ok(version) = std::fs::read_to_string("/proc/sys/kernel/osrelease") {
        facts.insert("kernel".into(), version.trim().into());
    }
    if let Ok(cpuinfo) = std::fs::read_to_string("/proc/cpuinfo") {
        if let Some(model) = cpuinfo.lines().find(|l| l.starts_with("model name")) {
            facts.insert(
                "cpu".into(),
                model.split(':').nth(1).unwrap_or("").trim().into(),
            );
        }
    }
    facts.insert(
        "server cores".into(),
        config
            .binaries
            .server_cores
            .clone()
            .unwrap_or_else(|| "unpinned".into()),
    );
    facts.insert(
        "load generator cores".into(),
        config
            .loadgen_cores
            .clone()
            .unwrap_or_else(|| "unpinned".into()),
    );
    facts.insert("runs per case".into(), config.runs.to_string());
    facts.insert(
        "seconds per run".into(),
        format!("{} (+{} warm-up)", config.duration, config.warmup),
    );
    facts
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_redis_benchmark_csv() {
        let csv = "\"test\",\"rps\",\"avg_latency_ms\"\n\"SET\",\"224215.23\",\"3.225\"\n";
        assert_eq!(parse_redis_benchmark_csv(csv), Some(224215.23));
        assert_eq!(parse_redis_benchmark_csv(""), None);
    }

    #[test]
    fn repetitions_alternate_which_server_goes_first() {
        assert_eq!(order(0), [0, 1]);
        assert_eq!(order(1), [1, 0]);
        let runs = empty_runs(Compares::REDIS);
        assert_eq!(runs[0].server, ServerKind::Redis);
        assert_eq!(runs[1].server, ServerKind::Redraft);
    }
}
