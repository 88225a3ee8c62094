//! The load generator's I/O shell: connections, pacing and measurement.
//!
//! Thread per core: each thread runs a current-thread tokio runtime that owns a share of the
//! connections, so no request crosses threads. Two ways to drive them:
//! - **Closed loop** (default): each connection sends a batch of `pipeline` requests, waits for
//!   every reply, and sends the next. Latency is measured from the batch's write.
//! - **Open loop** (`--rate`): requests are scheduled at fixed intervals whether or not earlier
//!   ones have been answered, spread round-robin over the connections, and latency is measured
//!   from the time each request was *scheduled*. A stalled server therefore shows up in the
//!   percentiles instead of silently slowing the load down (coordinated-omission correction).
//!
//! A third mode, `--load`, sets every key of the keyspace exactly once, as fast as possible, to
//! fill a server before a run.
//!
//! Routing (closed loop): one server (`--addr`); a Redis Cluster by slot (`--cluster`); or one
//! Raft group's leader (`--seeds`), found with `ROLE` and followed through `-MOVED`. In the
//! routed modes a client survives failures: a refused or lost connection, or `-CLUSTERDOWN`,
//! makes it retry the request after a backoff (against the next seed, in `--seeds` mode), so a
//! run can measure a failover (W9) instead of ending in it.

use std::cell::{Cell, RefCell};
use std::collections::VecDeque;
use std::rc::Rc;
use std::sync::{Arc, Barrier};
use std::time::{Duration, Instant};

use bytes::BytesMut;
use clap::Args;
use hdrhistogram::Histogram;
use rand::rngs::SmallRng;
use rand::SeedableRng;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio::sync::Notify;

use crate::cluster::{backoff, parse_role, LeaderRoute, Redirect, RoleView, Route, SlotMap};
use crate::reply::{scan, ReplyError};
use crate::report::{CdfPoint, Latency, RunResult, TimelinePoint, CDF_PERCENTILES};
use crate::workload::{key_name, Encoder, KeyDist, Mix, Op};

/// Everything that defines a run (the `redraft-load` command line).
#[derive(Args, Clone, Debug)]
pub struct LoadArgs {
    /// Server address; in cluster mode, any node.
    #[arg(long, default_value = "127.0.0.1:6379")]
    pub addr: String,
    /// Concurrent connections (in cluster mode: per node).
    #[arg(short = 'c', long, default_value_t = 50)]
    pub connections: usize,
    /// Requests in flight per connection.
    #[arg(short = 'P', long, default_value_t = 1)]
    pub pipeline: usize,
    /// `set`, `get`, or a SETS:GETS ratio such as `1:10`.
    #[arg(long, default_value = "set")]
    pub mix: String,
    /// Value size of SETs, in bytes.
    #[arg(short = 'd', long, default_value_t = 16)]
    pub value_size: usize,
    /// Keys `key:000000000000` … `key:<keyspace - 1>`.
    #[arg(short = 'r', long, default_value_t = 1_000_000)]
    pub keyspace: u64,
    /// Zipf exponent of the key distribution (0 = uniform), e.g. 0.99.
    #[arg(long, default_value_t = 0.0)]
    pub zipf: f64,
    /// Send SETs with `EX <ttl>`.
    #[arg(long)]
    pub ttl: Option<u64>,
    /// Seconds measured (after the warm-up).
    #[arg(long, default_value_t = 5.0)]
    pub duration: f64,
    /// Seconds of load before measuring.
    #[arg(long, default_value_t = 1.0)]
    pub warmup: f64,
    /// Open loop: total requests per second, scheduled at fixed intervals.
    #[arg(long)]
    pub rate: Option<f64>,
    /// Fill mode: SET every key of the keyspace once, then stop (ignores duration and mix).
    #[arg(long)]
    pub load: bool,
    /// Route by slot with `CLUSTER SLOTS`, following `-MOVED` and `-ASK`.
    #[arg(long)]
    pub cluster: bool,
    /// The nodes of one Raft group (`host:port,...`; replaces `--addr`): send everything to its
    /// leader, found with `ROLE`, followed through `-MOVED`, and searched for again (with
    /// backoff) when it fails.
    #[arg(long, value_delimiter = ',', conflicts_with = "cluster")]
    pub seeds: Option<Vec<String>>,
    /// Width of the timeline's windows, in milliseconds.
    #[arg(long, default_value_t = 100)]
    pub timeline_ms: u64,
    /// Load-generator threads (default: the cores this process may run on).
    #[arg(long)]
    pub threads: Option<usize>,
    /// Seed of the key and mix draws.
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
}

/// Why a run could not start.
#[derive(Debug, thiserror::Error)]
pub enum LoadError {
    #[error("invalid arguments: {0}")]
    Args(String),
    #[error("cannot connect to {addr}: {source}")]
    Connect {
        addr: String,
        source: std::io::Error,
    },
    #[error("connection to {addr} does not answer: {reason}")]
    Handshake { addr: String, reason: String },
    #[error("CLUSTER SLOTS from {addr}: {reason}")]
    Topology { addr: String, reason: String },
    #[error("no leader among the seeds {seeds} within {secs} s: {reason}")]
    NoLeader {
        seeds: String,
        secs: u64,
        reason: String,
    },
    #[error("runtime: {0}")]
    Runtime(std::io::Error),
}

/// What one thread measured; merged into the run's result.
struct Tally {
    hist: Histogram<u64>,
    ok: u64,
    errors: u64,
    first_error: Option<String>,
    moved: u64,
    ask: u64,
    /// Replies (ok, errors) per `step` since the start of the warm-up.
    timeline: Vec<(u64, u64)>,
    step: Duration,
}

impl Tally {
    fn new(step: Duration) -> Tally {
        Tally {
            // 1 ns to 100 s at 3 significant digits.
            hist: Histogram::new_with_bounds(1, 100_000_000_000, 3).expect("static bounds"),
            ok: 0,
            errors: 0,
            first_error: None,
            moved: 0,
            ask: 0,
            timeline: Vec::new(),
            step,
        }
    }

    fn bucket(&mut self, at: Instant, start: Instant) -> &mut (u64, u64) {
        let index =
            (at.saturating_duration_since(start).as_nanos() / self.step.as_nanos()) as usize;
        if self.timeline.len() <= index {
            self.timeline.resize(index + 1, (0, 0));
        }
        &mut self.timeline[index]
    }

    fn error(&mut self, text: String, at: Instant, window: &Window) {
        self.bucket(at, window.start).1 += 1;
        if window.measures(at) {
            self.errors += 1;
        }
        self.first_error.get_or_insert(text);
    }

    fn merge(&mut self, other: Tally) {
        self.hist.add(&other.hist).expect("same bounds");
        self.ok += other.ok;
        self.errors += other.errors;
        self.moved += other.moved;
        self.ask += other.ask;
        if self.first_error.is_none() {
            self.first_error = other.first_error;
        }
        if self.timeline.len() < other.timeline.len() {
            self.timeline.resize(other.timeline.len(), (0, 0));
        }
        for (mine, theirs) in self.timeline.iter_mut().zip(other.timeline) {
            mine.0 += theirs.0;
            mine.1 += theirs.1;
        }
    }
}

/// The measured interval of a run.
#[derive(Clone, Copy)]
struct Window {
    start: Instant,
    /// [`monotonic_ns`] at `start`.
    start_ns: u64,
    measure_from: Instant,
    end: Instant,
}

impl Window {
    fn measures(&self, at: Instant) -> bool {
        at >= self.measure_from && at < self.end
    }
}

/// The run's shared, read-only setup.
struct Plan {
    args: LoadArgs,
    mix: Mix,
    keys: KeyDist,
    encoder: Encoder,
    route: Route,
}

impl Plan {
    /// One server addressed directly (`--addr` alone): nothing to route around, so a failure
    /// is only counted.
    fn single_server(&self) -> bool {
        !self.args.cluster && self.args.seeds.is_none()
    }
}

/// What `redraft-load` prints on stderr when every connection is open and the load starts
/// (the runner waits for it before it kills a leader in W9).
pub const STARTED_LINE: &str = "redraft-load: load started";

/// `CLOCK_MONOTONIC` in nanoseconds: a clock every process of the machine shares, unlike
/// [`Instant`], so the runner can place its own events on a run's timeline.
pub fn monotonic_ns() -> u64 {
    let mut now = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: clock_gettime only writes the timespec we pass, which lives on our stack.
    unsafe {
        libc::clock_gettime(libc::CLOCK_MONOTONIC, &mut now);
    }
    now.tv_sec as u64 * 1_000_000_000 + now.tv_nsec as u64
}

/// Runs the load described by `args` and returns what it measured; `on_start` is called once,
/// when every connection is open and the load begins.
///
/// # Errors
/// Bad arguments, or a server that cannot be reached when the run starts. Errors during the
/// run (refused requests, dropped connections) are counted in the result instead.
pub fn run(
    args: &LoadArgs,
    command: String,
    on_start: &(dyn Fn() + Sync),
) -> Result<RunResult, LoadError> {
    let mix = Mix::parse(&args.mix).map_err(LoadError::Args)?;
    let keys = KeyDist::new(args.keyspace, args.zipf).map_err(LoadError::Args)?;
    if args.connections == 0 || args.pipeline == 0 {
        return Err(LoadError::Args(
            "connections and pipeline must be at least 1".into(),
        ));
    }
    if args.rate.is_some() && (args.cluster || args.load || args.seeds.is_some()) {
        return Err(LoadError::Args(
            "--rate works with none of --cluster, --seeds and --load".into(),
        ));
    }
    if args.timeline_ms == 0 {
        return Err(LoadError::Args("--timeline-ms must be at least 1".into()));
    }
    if let Some(rate) = args.rate {
        if !(rate > 0.0 && rate.is_finite()) {
            return Err(LoadError::Args(format!("bad rate {rate}")));
        }
    }
    let route = match (&args.seeds, args.cluster) {
        (Some(seeds), _) => Route::Leader(find_leader(seeds, LEADER_SEARCH)?),
        (None, true) => Route::Slots(fetch_slot_map(&args.addr)?),
        (None, false) => Route::Slots(SlotMap::single(&args.addr)),
    };
    let threads = args
        .threads
        .unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get()))
        .clamp(1, args.connections);
    let plan = Arc::new(Plan {
        args: args.clone(),
        mix,
        keys,
        encoder: Encoder::new(args.value_size, args.ttl),
        route,
    });

    let ready = Barrier::new(threads);
    let outcomes: Vec<_> = std::thread::scope(|scope| {
        let handles: Vec<_> = (0..threads)
            .map(|thread| {
                let (plan, ready) = (&plan, &ready);
                scope.spawn(move || run_thread(plan, thread, threads, ready, on_start))
            })
            .collect();
        handles
            .into_iter()
            .map(|h| h.join().expect("load thread panicked"))
            .collect()
    });
    let mut total = Tally::new(Duration::from_millis(args.timeline_ms));
    let mut window = None;
    let mut failure = None;
    for outcome in outcomes {
        match outcome {
            Ok((tally, w)) => {
                total.merge(tally);
                // In --load mode each thread ends when its keys are done: the run ends with the
                // last one.
                let merged = window.get_or_insert(w);
                merged.end = merged.end.max(w.end);
            }
            Err(e) => failure = Some(e),
        }
    }
    if let Some(e) = failure {
        return Err(e);
    }
    let window = window.expect("at least one thread");
    Ok(summarise(args, command, total, window))
}

fn summarise(args: &LoadArgs, command: String, total: Tally, window: Window) -> RunResult {
    let elapsed = window.end.duration_since(window.measure_from).as_secs_f64();
    let us = |ns: u64| ns as f64 / 1000.0;
    let hist = &total.hist;
    let latency = if hist.is_empty() {
        Latency::default()
    } else {
        Latency {
            p50: us(hist.value_at_percentile(50.0)),
            p90: us(hist.value_at_percentile(90.0)),
            p99: us(hist.value_at_percentile(99.0)),
            p999: us(hist.value_at_percentile(99.9)),
            max: us(hist.max()),
            mean: hist.mean() / 1000.0,
        }
    };
    let cdf = if hist.is_empty() {
        Vec::new()
    } else {
        CDF_PERCENTILES
            .iter()
            .map(|&p| CdfPoint {
                percentile: p,
                micros: us(if p == 0.0 {
                    hist.min()
                } else {
                    hist.value_at_percentile(p)
                }),
            })
            .collect()
    };
    let step = total.step.as_secs_f64();
    let timeline = total
        .timeline
        .iter()
        .enumerate()
        .map(|(i, &(ok, errors))| TimelinePoint {
            t_secs: i as f64 * step,
            ok,
            errors,
        })
        .collect();
    RunResult {
        command,
        requests: total.ok,
        errors: total.errors,
        first_error: total.first_error,
        moved: total.moved,
        ask: total.ask,
        elapsed_secs: elapsed,
        throughput: if elapsed > 0.0 {
            total.ok as f64 / elapsed
        } else {
            0.0
        },
        target_rate: args.rate,
        latency,
        cdf,
        timeline,
        timeline_step_secs: step,
        timeline_origin_ns: window.start_ns,
    }
}

/// One load thread: connect its share of the connections, wait for every thread, then run.
fn run_thread(
    plan: &Arc<Plan>,
    thread: usize,
    threads: usize,
    ready: &Barrier,
    on_start: &(dyn Fn() + Sync),
) -> Result<(Tally, Window), LoadError> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(LoadError::Runtime)?;
    let args = &plan.args;
    // Connection i belongs to thread i % threads.
    let mine: Vec<usize> = (thread..args.connections).step_by(threads).collect();
    let connected = runtime.block_on(async {
        let mut conns = Vec::with_capacity(mine.len());
        for _ in &mine {
            conns.push(NodeConns::connect_all(&plan.route).await?);
        }
        Ok::<_, LoadError>(conns)
    });
    // Every thread reaches the barrier, even one that failed, so none waits forever.
    if ready.wait().is_leader() && connected.is_ok() {
        on_start();
    }
    let conns = connected?;
    let start = Instant::now();
    let start_ns = monotonic_ns();
    let window = if args.load {
        Window {
            start,
            start_ns,
            measure_from: start,
            end: start + Duration::from_secs(365 * 24 * 3600),
        }
    } else {
        let measure_from = start + Duration::from_secs_f64(args.warmup.max(0.0));
        Window {
            start,
            start_ns,
            measure_from,
            end: measure_from + Duration::from_secs_f64(args.duration.max(0.0)),
        }
    };
    let local = tokio::task::LocalSet::new();
    // One tally per thread, shared by its connections: a histogram is a few hundred KiB, too
    // much to give each of 10k connections its own.
    let tally = Rc::new(RefCell::new(Tally::new(Duration::from_millis(
        args.timeline_ms,
    ))));
    local.block_on(&runtime, async {
        match args.rate {
            Some(rate) => {
                open_loop(plan, conns, thread, rate / threads as f64, window, &tally).await
            }
            None => {
                let tasks: Vec<_> = conns
                    .into_iter()
                    .zip(&mine)
                    .map(|(conns, &index)| {
                        let plan = plan.clone();
                        let tally = tally.clone();
                        tokio::task::spawn_local(async move {
                            closed_loop(&plan, conns, index, window, &tally).await
                        })
                    })
                    .collect();
                for task in tasks {
                    task.await.expect("connection task panicked");
                }
            }
        }
    });
    let tally = Rc::try_unwrap(tally)
        .ok()
        .expect("every task has finished")
        .into_inner();
    let end = if args.load {
        Instant::now()
    } else {
        window.end
    };
    Ok((tally, Window { end, ..window }))
}

/// A connection to one node, with its buffers.
struct NodeConn {
    stream: TcpStream,
    read: BytesMut,
    write: Vec<u8>,
    /// Requests written and not yet answered, in order; `true` when preceded by `ASKING`.
    inflight: VecDeque<(Op, bool)>,
}

impl NodeConn {
    async fn connect(addr: &str) -> Result<NodeConn, LoadError> {
        let stream = TcpStream::connect(addr)
            .await
            .map_err(|source| LoadError::Connect {
                addr: addr.to_string(),
                source,
            })?;
        stream.set_nodelay(true).ok();
        let mut conn = NodeConn {
            stream,
            read: BytesMut::with_capacity(16 * 1024),
            write: Vec::with_capacity(16 * 1024),
            inflight: VecDeque::new(),
        };
        // A connection counts as open once the server has answered on it. Without this, a server
        // still working through a connection storm (10k connects) would be measured as slow
        // requests, and a full accept queue as seconds of SYN retransmits.
        let handshake = tokio::time::timeout(Duration::from_secs(30), conn.ping()).await;
        match handshake {
            Ok(Ok(())) => Ok(conn),
            Ok(Err(reason)) => Err(LoadError::Handshake {
                addr: addr.to_string(),
                reason,
            }),
            Err(_) => Err(LoadError::Handshake {
                addr: addr.to_string(),
                reason: "no reply to PING within 30 s".into(),
            }),
        }
    }

    async fn ping(&mut self) -> Result<(), String> {
        self.stream
            .write_all(b"*1\r\n$4\r\nPING\r\n")
            .await
            .map_err(|e| e.to_string())?;
        loop {
            if let Some(reply) = scan(&self.read).map_err(|e| e.to_string())? {
                let text = String::from_utf8_lossy(&self.read[..reply.len])
                    .trim()
                    .to_string();
                let _ = self.read.split_to(reply.len);
                return match reply.error {
                    None => Ok(()),
                    Some(_) => Err(format!("PING replied {text}")),
                };
            }
            if self
                .stream
                .read_buf(&mut self.read)
                .await
                .map_err(|e| e.to_string())?
                == 0
            {
                return Err("closed by the server".into());
            }
        }
    }
}

/// One logical client: a connection per node it has talked to (one node when not in cluster
/// mode), its own copy of the route, and its run of failures.
struct NodeConns {
    route: Route,
    nodes: Vec<Option<NodeConn>>,
    /// Consecutive failed attempts (no connection, `-CLUSTERDOWN`); the client waits
    /// [`backoff`] of it before its next batch. A successful reply resets it.
    failures: u32,
}

impl NodeConns {
    /// Connects to every node of a slot map, or to a group's leader.
    async fn connect_all(route: &Route) -> Result<NodeConns, LoadError> {
        let mut nodes: Vec<Option<NodeConn>> = Vec::new();
        nodes.resize_with(route.nodes().len(), || None);
        match route {
            Route::Slots(map) => {
                for (i, addr) in map.nodes().iter().enumerate() {
                    nodes[i] = Some(NodeConn::connect(addr).await?);
                }
            }
            Route::Leader(group) => {
                let leader = group.leader() as usize;
                nodes[leader] = Some(NodeConn::connect(&group.nodes()[leader]).await?);
            }
        }
        Ok(NodeConns {
            route: route.clone(),
            nodes,
            failures: 0,
        })
    }

    /// The connection to node `index`, connecting if there is none.
    ///
    /// # Errors
    /// Why the node cannot be reached right now.
    async fn node(&mut self, index: u16) -> Result<&mut NodeConn, String> {
        let index = index as usize;
        if self.nodes.len() <= index {
            self.nodes.resize_with(index + 1, || None);
        }
        if self.nodes[index].is_none() {
            let addr = self.route.nodes()[index].clone();
            self.nodes[index] = Some(NodeConn::connect(&addr).await.map_err(|e| e.to_string())?);
        }
        Ok(self.nodes[index].as_mut().expect("connected above"))
    }
}

/// Where the next operations of a closed-loop connection come from.
enum OpSource {
    /// Random draws from the plan's key distribution and mix.
    Random(SmallRng),
    /// `--load`: each key of `next..end` once.
    Range { next: u64, end: u64 },
}

impl OpSource {
    fn next(&mut self, plan: &Plan) -> Option<Op> {
        match self {
            OpSource::Random(rng) => {
                let set = plan.mix.draw_set(rng);
                Some(Op {
                    set,
                    key: plan.keys.sample(rng),
                })
            }
            OpSource::Range { next, end } => {
                if *next >= *end {
                    return None;
                }
                *next += 1;
                Some(Op {
                    set: true,
                    key: *next - 1,
                })
            }
        }
    }
}

/// The seed of random stream `index` (a connection, or an open-loop thread): distinct streams
/// must not draw the same keys in lockstep.
fn stream_seed(seed: u64, index: usize) -> u64 {
    seed.wrapping_mul(0x9e37_79b9_7f4a_7c15) ^ (index as u64).wrapping_mul(0xbf58_476d_1ce4_e5b9)
}

/// A closed-loop connection: batch, write, read every reply, repeat until the window ends.
///
/// Requests that must be sent again — redirected (`-MOVED`, `-ASK`), refused for an election
/// (`-CLUSTERDOWN`), or unanswered on a connection that failed — go first into the next batch;
/// after a failure the next batch waits [`backoff`].
async fn closed_loop(
    plan: &Plan,
    mut conns: NodeConns,
    index: usize,
    window: Window,
    tally: &RefCell<Tally>,
) {
    let args = &plan.args;
    let mut source = if args.load {
        let per = args.keyspace.div_ceil(args.connections as u64);
        let next = (index as u64 * per).min(args.keyspace);
        OpSource::Range {
            next,
            end: (next + per).min(args.keyspace),
        }
    } else {
        OpSource::Random(SmallRng::seed_from_u64(stream_seed(args.seed, index)))
    };
    // Requests to send again, with the node an ASK sent them to.
    let mut retry: Vec<(Op, Option<u16>)> = Vec::new();
    let single = conns.route.nodes().len() == 1 && !args.cluster && args.seeds.is_none();
    let mut used: Vec<u16> = Vec::new();
    // A server that stops answering cannot hold the run past its end for long. One timer for
    // the whole connection: polling it costs nothing per read.
    let deadline = tokio::time::sleep_until((window.end + REPLY_GRACE).into());
    tokio::pin!(deadline);
    loop {
        if conns.failures > 0 {
            let wait = backoff(conns.failures);
            let until = (Instant::now() + wait).min(window.end);
            tokio::time::sleep_until(until.into()).await;
        }
        let sent_at = Instant::now();
        if sent_at >= window.end {
            break;
        }
        // Build the batch: retries first, then fresh operations. A request that cannot be
        // routed or connected goes back into `retry` and ends the batch.
        used.clear();
        let mut batch = 0;
        let mut fresh_done = false;
        while batch < args.pipeline {
            let (op, ask) = match retry.pop() {
                Some(r) => r,
                None => match source.next(plan) {
                    Some(op) => (op, None),
                    None => {
                        fresh_done = true;
                        break;
                    }
                },
            };
            let node = match (ask, single) {
                (Some(node), _) => Some(node),
                (None, true) => Some(0),
                (None, false) => conns.route.node_for_key(&key_name(op.key)),
            };
            let Some(node) = node else {
                tally.borrow_mut().error(
                    "CLUSTERDOWN no node serves the slot".into(),
                    sent_at,
                    &window,
                );
                retry.push((op, None));
                conns.failures += 1;
                break;
            };
            let conn = match conns.node(node).await {
                Ok(conn) => conn,
                Err(e) => {
                    tally.borrow_mut().error(e, Instant::now(), &window);
                    retry.push((op, ask));
                    conns.route.unreachable(node);
                    conns.failures += 1;
                    break;
                }
            };
            plan.encoder.encode(op, ask.is_some(), &mut conn.write);
            conn.inflight.push_back((op, ask.is_some()));
            if !used.contains(&node) {
                used.push(node);
            }
            batch += 1;
        }
        if batch == 0 {
            if fresh_done && retry.is_empty() {
                break;
            }
            continue;
        }
        let sent_at = Instant::now();
        for &node in &used {
            let Some(conn) = conns.nodes[node as usize].as_mut() else {
                continue;
            };
            let written = conn.stream.write_all(&conn.write).await;
            conn.write.clear();
            if let Err(e) = written {
                let why = e.to_string();
                drop_node(&mut conns, node, tally, &window, &why, &mut retry);
            }
        }
        for &node in &used {
            let replies = read_replies(
                plan,
                &mut conns,
                node,
                sent_at,
                &window,
                tally,
                &mut retry,
                deadline.as_mut(),
            )
            .await;
            if let Err(e) = replies {
                drop_node(&mut conns, node, tally, &window, &e, &mut retry);
            }
        }
    }
}

/// How long after the end of a closed-loop run a connection waits for its last replies.
const REPLY_GRACE: Duration = Duration::from_secs(5);

/// Forgets a broken connection: its unanswered requests count as errors and are sent again,
/// and the route hears that the node failed.
fn drop_node(
    conns: &mut NodeConns,
    node: u16,
    tally: &RefCell<Tally>,
    window: &Window,
    why: &str,
    retry: &mut Vec<(Op, Option<u16>)>,
) {
    if let Some(conn) = conns.nodes[node as usize].take() {
        let now = Instant::now();
        let mut tally = tally.borrow_mut();
        for (op, _) in conn.inflight {
            tally.error(format!("connection lost: {why}"), now, window);
            retry.push((op, None));
        }
    }
    conns.route.unreachable(node);
    conns.failures += 1;
}

/// Reads until every in-flight request on `node` is answered.
///
/// # Errors
/// The connection failed or closed, the server sent bytes that are not RESP, or `deadline`
/// passed.
#[allow(clippy::too_many_arguments)]
async fn read_replies(
    plan: &Plan,
    conns: &mut NodeConns,
    node: u16,
    sent_at: Instant,
    window: &Window,
    tally: &RefCell<Tally>,
    retry: &mut Vec<(Op, Option<u16>)>,
    mut deadline: std::pin::Pin<&mut tokio::time::Sleep>,
) -> Result<(), String> {
    let Some(conn) = conns.nodes[node as usize].as_mut() else {
        return Ok(());
    };
    let mut redirects = Vec::new();
    let (mut answered, mut cluster_down) = (false, false);
    // `ASKING` gets its own `+OK` before the redirected request's reply.
    let mut asking_ok_pending = conn.inflight.front().is_some_and(|&(_, ask)| ask);
    while !conn.inflight.is_empty() {
        // `read_buf` is cancel-safe: if the deadline wins, no byte is lost (nor needed).
        let n = tokio::select! {
            biased;
            read = conn.stream.read_buf(&mut conn.read) => read.map_err(|e| e.to_string())?,
            () = deadline.as_mut() => {
                return Err(format!("no reply within {REPLY_GRACE:?} of the end of the run"));
            }
        };
        if n == 0 {
            return Err("closed by the server".into());
        }
        let now = Instant::now();
        let mut tally = tally.borrow_mut();
        let latency = now.duration_since(sent_at).as_nanos() as u64;
        let mut consumed = 0;
        while let Some(reply) =
            scan(&conn.read[consumed..]).map_err(|e: ReplyError| e.to_string())?
        {
            let error = reply
                .error
                .map(|(a, b)| conn.read[consumed + a..consumed + b].to_vec());
            consumed += reply.len;
            if asking_ok_pending {
                asking_ok_pending = false;
                continue;
            }
            let Some((op, _)) = conn.inflight.pop_front() else {
                return Err("a reply arrived for no request".into());
            };
            asking_ok_pending = conn.inflight.front().is_some_and(|&(_, ask)| ask);
            match error {
                None => {
                    answered = true;
                    tally.bucket(now, window.start).0 += 1;
                    if window.measures(now) || plan.args.load {
                        tally.ok += 1;
                        tally.hist.saturating_record(latency.max(1));
                    }
                }
                Some(text) => match Redirect::parse(&text) {
                    Some(redirect) => redirects.push((op, redirect)),
                    None => {
                        // An election is under way: the request is sent again after a backoff.
                        if text.starts_with(b"CLUSTERDOWN") && !plan.single_server() {
                            cluster_down = true;
                            retry.push((op, None));
                        }
                        tally.error(String::from_utf8_lossy(&text).into_owned(), now, window);
                    }
                },
            }
            if conn.inflight.is_empty() {
                break;
            }
        }
        let _ = conn.read.split_to(consumed);
    }
    if cluster_down {
        conns.failures += 1;
    } else if answered {
        conns.failures = 0;
    }
    let mut tally = tally.borrow_mut();
    for (op, redirect) in redirects {
        match redirect {
            Redirect::Moved { slot, addr } => {
                tally.moved += 1;
                conns.route.moved(slot, &addr);
                retry.push((op, None));
            }
            Redirect::Ask { addr, .. } => {
                tally.ask += 1;
                let target = conns.route.node(&addr);
                retry.push((op, Some(target)));
            }
        }
    }
    Ok(())
}

/// The open loop of one thread: a pacer schedules requests at fixed intervals onto the
/// connections round-robin; each connection writes what it was given and matches replies, in
/// order, to their scheduled times.
async fn open_loop(
    plan: &Arc<Plan>,
    conns: Vec<NodeConns>,
    thread: usize,
    rate: f64,
    window: Window,
    tally: &Rc<RefCell<Tally>>,
) {
    let interval = Duration::from_secs_f64(1.0 / rate);
    let mut shared = Vec::with_capacity(conns.len());
    let mut readers = Vec::with_capacity(conns.len());
    for mut node_conns in conns {
        let conn = node_conns.nodes[0]
            .take()
            .expect("one node outside cluster mode");
        let (read, write) = conn.stream.into_split();
        let open = Rc::new(OpenConn {
            pending: RefCell::new(Vec::new()),
            scheduled: RefCell::new(VecDeque::new()),
            wake: Notify::new(),
            done: Cell::new(false),
            finished: Notify::new(),
        });
        tokio::task::spawn_local(open_writer(open.clone(), write));
        readers.push(tokio::task::spawn_local(open_reader(
            open.clone(),
            read,
            window,
            tally.clone(),
        )));
        shared.push(open);
    }
    let mut rng = SmallRng::seed_from_u64(stream_seed(plan.args.seed, thread));
    let mut next = window.start;
    let mut k = 0usize;
    // Pacing: sleep on the timer while the next request is more than 2 ms away (the timer is
    // only millisecond-precise), then yield in a loop so it goes out on time.
    loop {
        let now = Instant::now();
        while next <= now && next < window.end {
            let conn = &shared[k % shared.len()];
            let op = Op {
                set: plan.mix.draw_set(&mut rng),
                key: plan.keys.sample(&mut rng),
            };
            plan.encoder
                .encode(op, false, &mut conn.pending.borrow_mut());
            conn.scheduled.borrow_mut().push_back(next);
            conn.wake.notify_one();
            k += 1;
            next += interval;
        }
        if next >= window.end {
            break;
        }
        let wait = next - now;
        if wait > Duration::from_millis(2) {
            tokio::time::sleep(wait - Duration::from_millis(1)).await;
        } else {
            tokio::task::yield_now().await;
        }
    }
    for conn in &shared {
        conn.done.set(true);
        conn.wake.notify_one();
        conn.finished.notify_one();
    }
    for reader in readers {
        reader.await.expect("reader task panicked");
    }
}

/// One open-loop connection's shared state (the pacer, its writer and its reader share it on
/// one thread, hence `Rc`/`RefCell`).
struct OpenConn {
    /// Encoded requests not yet written.
    pending: RefCell<Vec<u8>>,
    /// When each written-or-pending request was scheduled, oldest first.
    scheduled: RefCell<VecDeque<Instant>>,
    /// The pacer has queued requests for the writer.
    wake: Notify,
    /// The pacer has scheduled its last request.
    done: Cell<bool>,
    /// Wakes the reader at the end so it stops once every reply is in, not at the grace deadline.
    finished: Notify,
}

async fn open_writer(conn: Rc<OpenConn>, mut write: tokio::net::tcp::OwnedWriteHalf) {
    let mut out = Vec::with_capacity(64 * 1024);
    loop {
        conn.wake.notified().await;
        std::mem::swap(&mut out, &mut conn.pending.borrow_mut());
        if !out.is_empty() && write.write_all(&out).await.is_err() {
            return;
        }
        out.clear();
        if conn.done.get() {
            // Dropping the write half would send FIN and the server would close the connection
            // under the reader's feet; leave the socket open until the reader is done with it.
            write.forget();
            return;
        }
    }
}

/// How long after the end of the window an open-loop reader waits for late replies; requests
/// still unanswered then count as errors.
const OPEN_GRACE: Duration = Duration::from_secs(5);

async fn open_reader(
    conn: Rc<OpenConn>,
    mut read: tokio::net::tcp::OwnedReadHalf,
    window: Window,
    tally: Rc<RefCell<Tally>>,
) {
    let mut buf = BytesMut::with_capacity(16 * 1024);
    let deadline = window.end + OPEN_GRACE;
    loop {
        if conn.done.get() && conn.scheduled.borrow().is_empty() {
            break;
        }
        // `read_buf` is cancel-safe: when the pacer's end-of-run signal wins, nothing is lost.
        let outcome = tokio::select! {
            outcome = tokio::time::timeout_at(deadline.into(), read.read_buf(&mut buf)) => outcome,
            () = conn.finished.notified() => continue,
        };
        match outcome {
            Ok(Ok(n)) if n > 0 => {}
            Ok(Ok(_)) => {
                tally.borrow_mut().error(
                    "connection closed by the server".into(),
                    Instant::now(),
                    &window,
                );
                break;
            }
            Ok(Err(e)) => {
                tally
                    .borrow_mut()
                    .error(format!("connection lost: {e}"), Instant::now(), &window);
                break;
            }
            // Only reached after the window: the deadline is past it.
            Err(_) => break,
        };
        let now = Instant::now();
        let mut tally = tally.borrow_mut();
        let mut consumed = 0;
        loop {
            let reply = match scan(&buf[consumed..]) {
                Ok(Some(reply)) => reply,
                Ok(None) => break,
                Err(e) => {
                    tally.error(e.to_string(), now, &window);
                    return;
                }
            };
            let error = reply.error.map(|(a, b)| {
                String::from_utf8_lossy(&buf[consumed + a..consumed + b]).into_owned()
            });
            consumed += reply.len;
            let Some(scheduled) = conn.scheduled.borrow_mut().pop_front() else {
                tally.error("a reply arrived for no request".into(), now, &window);
                break;
            };
            match error {
                Some(text) => tally.error(text, scheduled, &window),
                None => {
                    tally.bucket(now, window.start).0 += 1;
                    if window.measures(scheduled) {
                        tally.ok += 1;
                        let latency = now.duration_since(scheduled).as_nanos() as u64;
                        tally.hist.saturating_record(latency.max(1));
                    }
                }
            }
        }
        let _ = buf.split_to(consumed);
    }
    let unanswered = conn
        .scheduled
        .borrow()
        .iter()
        .filter(|&&at| window.measures(at))
        .count();
    for _ in 0..unanswered {
        tally
            .borrow_mut()
            .error("no reply within 5 s of the end".into(), window.end, &window);
    }
}

/// Asks `addr` for `CLUSTER SLOTS` (blocking: done once before the run starts).
fn fetch_slot_map(addr: &str) -> Result<SlotMap, LoadError> {
    let topology = |reason: String| LoadError::Topology {
        addr: addr.to_string(),
        reason,
    };
    let frame = crate::client::command(addr, &[b"CLUSTER", b"SLOTS"]).map_err(topology)?;
    if let redraft_protocol::Frame::Error(text) = &frame {
        return Err(topology(String::from_utf8_lossy(text).into_owned()));
    }
    let host = addr.rsplit_once(':').map_or(addr, |(h, _)| h);
    SlotMap::from_cluster_slots(&frame, host).map_err(topology)
}

/// How long [`find_leader`] looks for a leader before the run gives up.
const LEADER_SEARCH: Duration = Duration::from_secs(10);

/// Asks each seed for its `ROLE` until one says it leads (blocking: done once before the run
/// starts). A follower that names its leader is believed if that address answers `master`.
///
/// # Errors
/// No seed, or no leader within `limit` (an election that does not end, or no node up).
fn find_leader(seeds: &[String], limit: Duration) -> Result<LeaderRoute, LoadError> {
    let seeds: Vec<String> = seeds.iter().map(|s| s.trim().to_string()).collect();
    if seeds.is_empty() || seeds.iter().any(String::is_empty) {
        return Err(LoadError::Args("--seeds needs host:port,...".into()));
    }
    let deadline = Instant::now() + limit;
    let mut last = String::from("no seed answered");
    loop {
        let mut named = Vec::new();
        for (i, seed) in seeds.iter().enumerate() {
            match crate::client::command(seed, &[b"ROLE"]).map(|f| parse_role(&f)) {
                Ok(Some(RoleView::Leader)) => return Ok(LeaderRoute::new(seeds, i)),
                Ok(Some(RoleView::Follower(Some(leader)))) => named.push(leader),
                Ok(Some(RoleView::Follower(None))) => last = format!("{seed}: no leader known"),
                Ok(None) => last = format!("{seed}: ROLE replied something else"),
                Err(e) => last = e,
            }
        }
        // A leader outside the seed list, named by a follower.
        for leader in named {
            if let Ok(Some(RoleView::Leader)) =
                crate::client::command(&leader, &[b"ROLE"]).map(|f| parse_role(&f))
            {
                let mut route = LeaderRoute::new(seeds, 0);
                route.moved(&leader);
                return Ok(route);
            }
        }
        if Instant::now() >= deadline {
            return Err(LoadError::NoLeader {
                seeds: seeds.join(","),
                secs: limit.as_secs(),
                reason: last,
            });
        }
        std::thread::sleep(Duration::from_millis(50));
    }
}
