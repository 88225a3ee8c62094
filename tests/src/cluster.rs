//! Multi-node groups of real redraft processes on loopback, with injectable faults.
//!
//! [`LocalCluster::start`] runs N redraft processes, each with its own data dir and log, wired
//! together by `--cluster-seeds` (seed order = node id order, node i has id i + 1). With
//! [`Options::proxies`], node i reaches node j's cluster bus through a [`Proxy`] of its own
//! (its seed list names the proxy as j's `@busport`), so every directed link can be cut:
//! [`LocalCluster::partition`] / [`LocalCluster::heal`]. Processes can be killed
//! ([`LocalCluster::kill9`]), frozen ([`LocalCluster::stop`] / [`LocalCluster::cont`]) and
//! restarted with the same dir and arguments ([`LocalCluster::restart`]).
//!
//! Clients: [`NodeConn`], a small RESP client whose every call is bounded by a timeout and
//! returns errors instead of panicking (what a fault workload needs); [`LocalCluster::raw`] and
//! [`LocalCluster::cmd`], a [`RawClient`] and a one-shot command for tests that assert on exact
//! replies; [`LocalCluster::client`], a redis-rs connection for convenience. [`parse_role`]
//! turns a `ROLE` reply into a [`Role`]; [`LocalCluster::leader`] finds the node that says it
//! leads and that a majority of nodes follow, [`LocalCluster::full_leader`] one that every
//! other node follows with its link up.
//!
//! Every wait is bounded. Processes are killed on drop (and by the kernel if the thread that
//! spawned them dies: call `start`/`restart` from the thread that owns the cluster); on a
//! panic the tail of every node's log is printed.

use std::collections::HashMap;
use std::fs;
use std::io::{self, ErrorKind, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::path::{Path, PathBuf};
use std::process::Child;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use bytes::BytesMut;
use redraft_protocol::Frame;

use crate::netfault::Proxy;
use crate::{probe_free_port, redraft_bin, RawClient};

/// How long a node gets to answer its first PING.
const STARTUP_TIMEOUT: Duration = Duration::from_secs(10);
/// Timeout of the ROLE probes behind [`LocalCluster::leader`] (a SIGSTOPped node never answers).
const PROBE_TIMEOUT: Duration = Duration::from_millis(300);
/// Attempts at starting the cluster on free ports (another process may grab a probed port).
const PORT_ATTEMPTS: usize = 5;
/// Largest reply [`NodeConn`] buffers; beyond it the reply is refused as invalid.
const MAX_REPLY: usize = 256 * 1024 * 1024;
/// The line the harness writes into a node's log before each start.
const START_MARKER: &str = "===== harness: starting";
/// How much of each node's log is printed when a test panics.
const LOG_TAIL: usize = 16 * 1024;

static NEXT_CLUSTER: AtomicU64 = AtomicU64::new(0);

/// How to start a [`LocalCluster`].
#[derive(Clone, Debug)]
pub struct Options {
    /// Start nodes in cluster mode (`--cluster-enabled yes --cluster-seeds ...`). When false,
    /// each node is a standalone server, its own master (for testing the harness itself, with
    /// any Redis-like binary).
    pub cluster: bool,
    /// Put a [`Proxy`] on every directed bus link so partitions can be injected.
    pub proxies: bool,
    /// `--cluster-node-timeout` (the Raft election timeout), in ms.
    pub node_timeout_ms: u64,
    /// `--appendonly yes --appendfsync everysec` (otherwise the server's default).
    pub appendonly: bool,
    /// Further flags for every node.
    pub extra_args: Vec<String>,
    /// The server binary; [`redraft_bin`] when `None`.
    pub bin: Option<PathBuf>,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            cluster: true,
            proxies: true,
            node_timeout_ms: 1000,
            appendonly: false,
            extra_args: Vec::new(),
            bin: None,
        }
    }
}

impl Options {
    /// Standalone nodes without proxies: exercises the harness against any Redis-like binary.
    pub fn standalone() -> Options {
        Options {
            cluster: false,
            proxies: false,
            ..Options::default()
        }
    }
}

/// One node's process and identity.
struct Node {
    port: u16,
    bus_port: u16,
    dir: PathBuf,
    log: PathBuf,
    args: Vec<String>,
    child: Option<Child>,
    stopped: bool,
}

impl Node {
    fn log_text(&self) -> String {
        fs::read(&self.log)
            .map(|b| String::from_utf8_lossy(&b).into_owned())
            .unwrap_or_default()
    }
}

/// Why a node did not come up.
enum StartError {
    /// It exited; its log says why (a lost port race says "in use").
    Exited(String),
    /// It did not answer PING in time.
    Timeout(String),
}

/// A group of real server processes on loopback, with faults on demand.
pub struct LocalCluster {
    nodes: Vec<Node>,
    /// `proxies[i][j]`: the proxy node i dials to reach node j's bus (`None` on the diagonal
    /// and without [`Options::proxies`]).
    proxies: Vec<Vec<Option<Proxy>>>,
    options: Options,
    bin: PathBuf,
    base: PathBuf,
}

impl LocalCluster {
    /// Starts `n` nodes and waits until each answers PING (not until a leader is elected: see
    /// [`LocalCluster::leader`]).
    ///
    /// # Panics
    /// If a node exits during startup or does not answer within 10 s (with its log), or no
    /// free ports can be found.
    pub fn start(n: usize, options: Options) -> LocalCluster {
        assert!(n > 0, "a cluster needs at least one node");
        let bin = options.bin.clone().unwrap_or_else(redraft_bin);
        let mut last = String::new();
        for _ in 0..PORT_ATTEMPTS {
            let mut cluster = LocalCluster::create(n, options.clone(), bin.clone());
            for i in 0..n {
                cluster.spawn(i);
            }
            match (0..n).try_for_each(|i| cluster.wait_ready(i)) {
                Ok(()) => return cluster,
                Err(StartError::Exited(log)) if log.contains("in use") => {
                    // Lost a race for a probed port: start over on fresh ports.
                    last = log;
                }
                Err(StartError::Exited(log)) => {
                    panic!("a node of {bin:?} exited during startup; its log:\n{log}")
                }
                Err(StartError::Timeout(log)) => panic!(
                    "a node of {bin:?} did not answer PING within {STARTUP_TIMEOUT:?}; its log:\n{log}"
                ),
            }
        }
        panic!("could not start a cluster on free ports; last log:\n{last}");
    }

    /// Allocates ports, proxies and directories, and computes every node's arguments.
    fn create(n: usize, options: Options, bin: PathBuf) -> LocalCluster {
        let ports: Vec<(u16, u16)> = (0..n).map(|_| probe_port_pair()).collect();
        let proxies: Vec<Vec<Option<Proxy>>> = (0..n)
            .map(|i| {
                (0..n)
                    .map(|j| {
                        (options.proxies && i != j).then(|| {
                            let bus = SocketAddr::from(([127, 0, 0, 1], ports[j].1));
                            Proxy::start(bus).expect("start a bus proxy")
                        })
                    })
                    .collect()
            })
            .collect();
        let base = std::env::temp_dir().join(format!(
            "redraft-cluster-{}-{}",
            std::process::id(),
            NEXT_CLUSTER.fetch_add(1, Ordering::Relaxed)
        ));
        let _ = fs::remove_dir_all(&base);
        let nodes = (0..n)
            .map(|i| {
                let dir = base.join(format!("node-{}", i + 1));
                fs::create_dir_all(&dir).expect("create node dir");
                // What node i sees: its own real bus port, the proxies for everyone else.
                let view: Vec<(u16, u16)> = (0..n)
                    .map(|j| {
                        let bus = proxies[i][j].as_ref().map_or(ports[j].1, Proxy::port);
                        (ports[j].0, bus)
                    })
                    .collect();
                let args = node_args(&options, ports[i].0, &dir, &seed_list(&view));
                Node {
                    port: ports[i].0,
                    bus_port: ports[i].1,
                    log: dir.join("node.log"),
                    dir,
                    args,
                    child: None,
                    stopped: false,
                }
            })
            .collect();
        LocalCluster {
            nodes,
            proxies,
            options,
            bin,
            base,
        }
    }

    /// Spawns node `i`'s process (appending to its log), without waiting for it.
    fn spawn(&mut self, i: usize) {
        let node = &mut self.nodes[i];
        let mut log = fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(&node.log)
            .expect("open node log");
        let _ = writeln!(
            log,
            "{START_MARKER} {} {:?} =====",
            self.bin.display(),
            node.args
        );
        node.child = Some(crate::spawn_server(&self.bin, &node.args, &node.dir, log));
        node.stopped = false;
    }

    /// Waits until node `i` answers PING.
    fn wait_ready(&mut self, i: usize) -> Result<(), StartError> {
        let deadline = Instant::now() + STARTUP_TIMEOUT;
        let node = &mut self.nodes[i];
        loop {
            let exited = node
                .child
                .as_mut()
                .is_none_or(|c| !matches!(c.try_wait(), Ok(None)));
            if exited {
                return Err(StartError::Exited(node.log_text()));
            }
            if Instant::now() > deadline {
                return Err(StartError::Timeout(node.log_text()));
            }
            if let Ok(mut conn) = NodeConn::connect(node.port, Duration::from_secs(1)) {
                // +PONG, or -NOAUTH when started with --requirepass: either way it is serving.
                match conn.call(&[b"PING"]) {
                    Ok(Frame::Simple(s)) if &s[..] == b"PONG" => return Ok(()),
                    Ok(Frame::Error(e)) if e.starts_with(b"NOAUTH") => return Ok(()),
                    _ => {}
                }
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// Number of nodes.
    pub fn len(&self) -> usize {
        self.nodes.len()
    }

    /// True if the cluster has no nodes (never: `start` needs one).
    pub fn is_empty(&self) -> bool {
        self.nodes.is_empty()
    }

    /// The options it was started with.
    pub fn options(&self) -> &Options {
        &self.options
    }

    /// Client ports, by node index.
    pub fn ports(&self) -> Vec<u16> {
        self.nodes.iter().map(|n| n.port).collect()
    }

    /// Node `i`'s client port.
    pub fn port(&self, i: usize) -> u16 {
        self.nodes[i].port
    }

    /// Node `i`'s real cluster-bus port (what its own seed entry names).
    pub fn bus_port(&self, i: usize) -> u16 {
        self.nodes[i].bus_port
    }

    /// Every node but `leader`, in index order.
    pub fn followers(&self, leader: usize) -> impl Iterator<Item = usize> {
        (0..self.len()).filter(move |&i| i != leader)
    }

    /// The node whose client port is `port`.
    pub fn index_of_port(&self, port: u16) -> Option<usize> {
        self.nodes.iter().position(|n| n.port == port)
    }

    /// Node `i`'s data dir (kept across restarts).
    pub fn dir(&self, i: usize) -> &Path {
        &self.nodes[i].dir
    }

    /// Node `i`'s command-line arguments.
    pub fn args(&self, i: usize) -> &[String] {
        &self.nodes[i].args
    }

    /// Everything node `i` logged, over all its restarts.
    pub fn log_text(&self, i: usize) -> String {
        self.nodes[i].log_text()
    }

    /// Node `i`'s process id, if it is running (stopped counts as running).
    pub fn pid(&self, i: usize) -> Option<u32> {
        self.nodes[i].child.as_ref().map(Child::id)
    }

    /// True if node `i`'s process exists and is not SIGSTOPped.
    pub fn is_up(&mut self, i: usize) -> bool {
        let node = &mut self.nodes[i];
        !node.stopped
            && node
                .child
                .as_mut()
                .is_some_and(|c| matches!(c.try_wait(), Ok(None)))
    }

    /// True if node `i` was frozen by [`LocalCluster::stop`] and not yet resumed.
    pub fn is_stopped(&self, i: usize) -> bool {
        self.nodes[i].stopped
    }

    /// If node `i`'s process ended without the harness killing it (a crash, or an exit on
    /// its own), a description: its exit status and the panic message from its log, if any.
    /// The process is reaped; [`LocalCluster::restart`] brings the node back.
    pub fn crashed(&mut self, i: usize) -> Option<String> {
        let node = &mut self.nodes[i];
        let status = node.child.as_mut()?.try_wait().ok()??;
        node.child = None;
        node.stopped = false;
        let log = node.log_text();
        let last_run = log.rfind(START_MARKER).map_or(&log[..], |at| &log[at..]);
        let panic = panic_messages(last_run)
            .pop()
            .unwrap_or_else(|| "no panic message in its log".to_string());
        Some(format!("node {i} exited on its own ({status}): {panic}"))
    }

    /// Every panic node `i` logged, over all its runs (`panicked at ...` and the message).
    /// A panic in a task of the server's runtime need not end the process, so a test should
    /// look here as well as at [`LocalCluster::crashed`].
    pub fn panics(&self, i: usize) -> Vec<String> {
        panic_messages(&self.log_text(i))
    }

    /// The proxy node `from` dials to reach node `to`, for finer faults (delay, blackhole).
    pub fn proxy(&self, from: usize, to: usize) -> Option<&Proxy> {
        self.proxies[from][to].as_ref()
    }

    /// Kills node `i` with SIGKILL and reaps it (no-op if it is not running).
    pub fn kill9(&mut self, i: usize) {
        let node = &mut self.nodes[i];
        if let Some(mut child) = node.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
        node.stopped = false;
    }

    /// Freezes node `i` with SIGSTOP: its sockets stay open but it answers nothing. Returns
    /// once every thread of the process is stopped (signal delivery is asynchronous: a thread
    /// running on another core could otherwise still answer a request).
    ///
    /// # Panics
    /// If the process is not running, or not stopped within 2 s.
    pub fn stop(&mut self, i: usize) {
        self.signal(i, libc::SIGSTOP);
        self.nodes[i].stopped = true;
        let pid = self.pid(i).expect("signalled, so running");
        let deadline = Instant::now() + Duration::from_secs(2);
        while !all_threads_stopped(pid) {
            assert!(
                Instant::now() < deadline,
                "node {i} (pid {pid}) not stopped 2 s after SIGSTOP"
            );
            std::thread::sleep(Duration::from_millis(1));
        }
    }

    /// Resumes node `i` with SIGCONT.
    pub fn cont(&mut self, i: usize) {
        self.signal(i, libc::SIGCONT);
        self.nodes[i].stopped = false;
    }

    fn signal(&self, i: usize, sig: libc::c_int) {
        let pid = self
            .pid(i)
            .unwrap_or_else(|| panic!("node {i} is not running"));
        // SAFETY: kill(2) with a pid we spawned and have not reaped (the child is still owned).
        let rc = unsafe { libc::kill(pid as libc::pid_t, sig) };
        assert_eq!(rc, 0, "kill({pid}, {sig}): {}", io::Error::last_os_error());
    }

    /// Restarts node `i` with the same data dir and arguments (killing it first if it runs)
    /// and waits until it answers PING.
    ///
    /// # Panics
    /// If it does not come back within 10 s.
    pub fn restart(&mut self, i: usize) {
        self.kill9(i);
        self.spawn(i);
        match self.wait_ready(i) {
            Ok(()) => {}
            Err(StartError::Exited(log)) => panic!("node {i} exited on restart; its log:\n{log}"),
            Err(StartError::Timeout(log)) => panic!(
                "node {i} did not answer PING within {STARTUP_TIMEOUT:?} of a restart; its log:\n{log}"
            ),
        }
    }

    /// Cuts every bus link between nodes of different `groups` (both directions); links within
    /// a group, and client ports, are untouched. A node in no group is isolated on its own.
    /// Replaces any previous partition.
    ///
    /// # Panics
    /// If the cluster was started without proxies.
    pub fn partition(&mut self, groups: &[&[usize]]) {
        assert!(
            self.options.proxies,
            "partition() needs Options::proxies = true"
        );
        self.heal();
        for (from, to) in cut_links(self.len(), groups) {
            if let Some(p) = &self.proxies[from][to] {
                p.partition();
            }
        }
    }

    /// Restores every bus link.
    pub fn heal(&mut self) {
        for p in self.proxies.iter().flatten().flatten() {
            p.heal();
        }
    }

    /// A bounded RESP connection to node `i`.
    ///
    /// # Errors
    /// If it cannot connect within `timeout`.
    pub fn conn(&self, i: usize, timeout: Duration) -> io::Result<NodeConn> {
        NodeConn::connect(self.port(i), timeout)
    }

    /// A [`RawClient`] on node `i`: exact reply bytes, 10 s read timeout.
    ///
    /// # Panics
    /// If it cannot connect.
    pub fn raw(&self, i: usize) -> RawClient {
        RawClient::connect(self.port(i))
    }

    /// Sends one command to node `i` on a fresh [`RawClient`] and returns the decoded reply.
    ///
    /// # Panics
    /// If it cannot connect, or no whole reply comes within the client's read timeout.
    pub fn cmd(&self, i: usize, args: &[&str]) -> Frame {
        self.raw(i).cmd_frame(args)
    }

    /// A redis-rs connection to node `i` (10 s read timeout).
    ///
    /// # Panics
    /// If it cannot connect.
    pub fn client(&self, i: usize) -> redis::Connection {
        let url = format!("redis://127.0.0.1:{}/", self.port(i));
        let client = redis::Client::open(url).expect("client url");
        let conn = client
            .get_connection_with_timeout(Duration::from_secs(5))
            .unwrap_or_else(|e| panic!("connect to node {i}: {e}"));
        conn.set_read_timeout(Some(Duration::from_secs(10)))
            .expect("set read timeout");
        conn
    }

    /// Node `i`'s `ROLE`, or why it could not be had (down, frozen, error reply).
    pub fn role(&self, i: usize) -> Result<Role, String> {
        let mut conn = self
            .conn(i, PROBE_TIMEOUT)
            .map_err(|e| format!("connect: {e}"))?;
        match conn.call(&[b"ROLE"]) {
            Ok(frame @ Frame::Array(_)) => {
                parse_role(&frame).ok_or_else(|| format!("unexpected ROLE reply {frame:?}"))
            }
            Ok(other) => Err(format!("unexpected ROLE reply {other:?}")),
            Err(e) => Err(format!("ROLE: {e}")),
        }
    }

    /// Every node's role, or why it could not be had: for diagnostics.
    pub fn describe(&self) -> String {
        (0..self.len())
            .map(|i| match self.role(i) {
                Ok(r) => format!("node {i} (port {}): {r:?}", self.port(i)),
                Err(e) => format!("node {i} (port {}): {e}", self.port(i)),
            })
            .collect::<Vec<_>>()
            .join("\n")
    }

    /// The node that says it leads and that a majority of all nodes (itself included) agree
    /// on, if there is one right now. An isolated old leader that still believes it leads has
    /// no majority behind it and is not returned.
    pub fn current_leader(&self) -> Option<usize> {
        let roles: Vec<Option<Role>> = (0..self.len()).map(|i| self.role(i).ok()).collect();
        let ports = self.ports();
        leader_of(&roles, &ports)
    }

    /// Waits up to `timeout` for [`LocalCluster::current_leader`].
    pub fn try_leader(&self, timeout: Duration) -> Option<usize> {
        poll(timeout, || self.current_leader())
    }

    /// Waits up to `timeout` for a leader and returns its index.
    ///
    /// # Panics
    /// If there is none by then, with every node's role in the message.
    pub fn leader(&self, timeout: Duration) -> usize {
        self.try_leader(timeout).unwrap_or_else(|| {
            panic!(
                "no leader with a majority within {timeout:?}:\n{}",
                self.describe()
            )
        })
    }

    /// The node that says it leads and that every other node follows with its link up, if
    /// there is one right now: the whole group has formed around it.
    pub fn current_full_leader(&self) -> Option<usize> {
        let roles: Vec<Option<Role>> = (0..self.len()).map(|i| self.role(i).ok()).collect();
        let ports = self.ports();
        full_leader_of(&roles, &ports)
    }

    /// Waits up to `timeout` for [`LocalCluster::current_full_leader`] and returns its index:
    /// for tests that look at every follower, where a majority is not enough.
    ///
    /// # Panics
    /// If there is none by then, with every node's role in the message.
    pub fn full_leader(&self, timeout: Duration) -> usize {
        poll(timeout, || self.current_full_leader()).unwrap_or_else(|| {
            panic!(
                "no leader followed by every node within {timeout:?}:\n{}",
                self.describe()
            )
        })
    }
}

/// Calls `f` every 50 ms until it returns `Some`, for at most `timeout`.
fn poll<T>(timeout: Duration, mut f: impl FnMut() -> Option<T>) -> Option<T> {
    let deadline = Instant::now() + timeout;
    loop {
        if let Some(v) = f() {
            return Some(v);
        }
        if Instant::now() >= deadline {
            return None;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
}

impl Drop for LocalCluster {
    fn drop(&mut self) {
        for i in 0..self.len() {
            self.kill9(i);
        }
        if std::thread::panicking() {
            for (i, node) in self.nodes.iter().enumerate() {
                let log = node.log_text();
                let tail = &log[log.len().saturating_sub(LOG_TAIL)..];
                let tail = tail.get(tail.find('\n').unwrap_or(0)..).unwrap_or(tail);
                eprintln!(
                    "----- tail of node {i}'s log (port {}, {}) -----\n{tail}\n----- end -----",
                    node.port,
                    node.log.display()
                );
            }
        }
        if std::env::var_os("REDRAFT_KEEP_CLUSTER").is_some() {
            eprintln!("keeping cluster dirs in {}", self.base.display());
        } else {
            let _ = fs::remove_dir_all(&self.base);
        }
    }
}

/// The panics in a log: each `panicked at` line joined with the message line after it.
fn panic_messages(log: &str) -> Vec<String> {
    let lines: Vec<&str> = log.lines().collect();
    lines
        .iter()
        .enumerate()
        .filter(|(_, l)| l.contains("panicked at"))
        .map(|(n, l)| {
            let message = lines.get(n + 1).copied().unwrap_or("");
            format!("{} {}", l.trim(), message.trim())
        })
        .collect()
}

/// Offset of the cluster bus port from the client port, Redis Cluster's default.
pub const BUS_PORT_OFFSET: u16 = 10000;

/// A client port that was free a moment ago and whose default bus port (`+10000`) was too.
///
/// The real bus port follows Redis's default even though every seed entry names it
/// explicitly, so the harness works whether a node takes its own listening port from its seed
/// entry or from the default.
fn probe_port_pair() -> (u16, u16) {
    for _ in 0..100 {
        let port = probe_free_port();
        let Some(bus) = port.checked_add(BUS_PORT_OFFSET) else {
            continue;
        };
        if std::net::TcpListener::bind(("127.0.0.1", bus)).is_ok() {
            return (port, bus);
        }
    }
    panic!("no free pair of client port and bus port (+{BUS_PORT_OFFSET}) after 100 probes");
}

/// True when every thread of `pid` is in state `T` (stopped) in `/proc/PID/task/*/stat`.
fn all_threads_stopped(pid: u32) -> bool {
    let Ok(tasks) = fs::read_dir(format!("/proc/{pid}/task")) else {
        return false;
    };
    tasks.flatten().all(|task| {
        fs::read_to_string(task.path().join("stat")).is_ok_and(|stat| {
            // `pid (comm) state ...`: comm may hold spaces and parentheses, so split at the
            // last `)`.
            stat.rsplit_once(')')
                .and_then(|(_, rest)| rest.split_whitespace().next())
                .is_some_and(|state| state == "T" || state == "t")
        })
    })
}

/// `127.0.0.1:port@bus,...` from `(client port, bus port)` pairs, in node-id order.
pub fn seed_list(nodes: &[(u16, u16)]) -> String {
    nodes
        .iter()
        .map(|(port, bus)| format!("127.0.0.1:{port}@{bus}"))
        .collect::<Vec<_>>()
        .join(",")
}

/// A node's command line.
fn node_args(options: &Options, port: u16, dir: &Path, seeds: &str) -> Vec<String> {
    let mut args: Vec<String> = vec![
        "--port".into(),
        port.to_string(),
        "--bind".into(),
        "127.0.0.1".into(),
        "--dir".into(),
        dir.display().to_string(),
    ];
    if options.appendonly {
        args.extend(["--appendonly", "yes", "--appendfsync", "everysec"].map(String::from));
    } else if !options.cluster {
        // As the standalone harness does: no persistence unless asked.
        args.extend(["--save", "", "--appendonly", "no"].map(String::from));
    }
    if options.cluster {
        args.extend([
            "--cluster-enabled".into(),
            "yes".into(),
            "--cluster-seeds".into(),
            seeds.to_string(),
            "--cluster-node-timeout".into(),
            options.node_timeout_ms.to_string(),
        ]);
    }
    args.extend(options.extra_args.iter().cloned());
    args
}

/// The directed links `(from, to)` to cut so that nodes in different `groups` cannot reach
/// each other; a node of `0..n` in no group forms a group of its own.
pub fn cut_links(n: usize, groups: &[&[usize]]) -> Vec<(usize, usize)> {
    let mut group_of: Vec<usize> = (0..n).map(|i| groups.len() + i).collect();
    for (g, members) in groups.iter().enumerate() {
        for &m in *members {
            assert!(
                m < n,
                "node {m} in a partition group, but the cluster has {n}"
            );
            group_of[m] = g;
        }
    }
    let mut out = Vec::new();
    for from in 0..n {
        for to in 0..n {
            if from != to && group_of[from] != group_of[to] {
                out.push((from, to));
            }
        }
    }
    out
}

/// A node's `ROLE`, as the cluster reports it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Role {
    /// `master`: it leads its group.
    Leader {
        /// Its replication offset (commit index).
        offset: i64,
        /// `(ip, port, offset)` of each follower it knows.
        replicas: Vec<(String, u16, i64)>,
    },
    /// `slave`: it follows.
    Follower {
        /// The leader's `(ip, client port)`, if known (`?`/0 when not).
        leader: Option<(String, u16)>,
        /// `connected`, `connecting` or `sync`.
        state: String,
        /// Its replication offset.
        offset: i64,
    },
}

/// Parses a `ROLE` reply (`None` if it has another shape). Numbers are accepted as integers
/// or as decimal bulk strings (Redis sends replica ports and offsets as strings).
pub fn parse_role(frame: &Frame) -> Option<Role> {
    fn text(f: &Frame) -> Option<String> {
        match f {
            Frame::Bulk(b) | Frame::Simple(b) => Some(String::from_utf8_lossy(b).into_owned()),
            _ => None,
        }
    }
    fn int(f: &Frame) -> Option<i64> {
        match f {
            Frame::Integer(n) => Some(*n),
            Frame::Bulk(b) | Frame::Simple(b) => std::str::from_utf8(b).ok()?.parse().ok(),
            _ => None,
        }
    }
    let Frame::Array(items) = frame else {
        return None;
    };
    match (text(items.first()?)?.as_str(), items.len()) {
        ("master", 3) => {
            let Frame::Array(replicas) = &items[2] else {
                return None;
            };
            let replicas = replicas
                .iter()
                .map(|r| match r {
                    Frame::Array(f) if f.len() == 3 => {
                        Some((text(&f[0])?, u16::try_from(int(&f[1])?).ok()?, int(&f[2])?))
                    }
                    _ => None,
                })
                .collect::<Option<Vec<_>>>()?;
            Some(Role::Leader {
                offset: int(&items[1])?,
                replicas,
            })
        }
        ("slave", 5) => {
            let ip = text(&items[1])?;
            let port = u16::try_from(int(&items[2])?).ok()?;
            let leader = (ip != "?" && port != 0).then_some((ip, port));
            Some(Role::Follower {
                leader,
                state: text(&items[3])?,
                offset: int(&items[4])?,
            })
        }
        _ => None,
    }
}

/// The leader among `roles` (indexed like `ports`, `None` for nodes that did not answer): a
/// node that says `master` and is named as leader by enough followers that, with itself,
/// they are a majority of all nodes.
pub fn leader_of(roles: &[Option<Role>], ports: &[u16]) -> Option<usize> {
    let mut votes: HashMap<u16, usize> = HashMap::new();
    for role in roles.iter().flatten() {
        if let Role::Follower {
            leader: Some((_, port)),
            ..
        } = role
        {
            *votes.entry(*port).or_default() += 1;
        }
    }
    let majority = ports.len() / 2 + 1;
    (0..roles.len()).find(|&i| {
        matches!(roles[i], Some(Role::Leader { .. }))
            && 1 + votes.get(&ports[i]).copied().unwrap_or(0) >= majority
    })
}

/// The leader among `roles` (indexed like `ports`, `None` for nodes that did not answer) that
/// every other node follows with its link up (`connected`).
pub fn full_leader_of(roles: &[Option<Role>], ports: &[u16]) -> Option<usize> {
    let follows = |role: &Option<Role>, port: u16| {
        matches!(
            role,
            Some(Role::Follower { leader: Some((_, p)), state, .. })
                if *p == port && state == "connected"
        )
    };
    (0..roles.len()).find(|&i| {
        matches!(roles[i], Some(Role::Leader { .. }))
            && (0..roles.len())
                .filter(|&j| j != i)
                .all(|j| follows(&roles[j], ports[i]))
    })
}

/// A RESP client whose every operation is bounded by a timeout and reports failure as an
/// `io::Error` (never panics): what a client under fault injection needs.
///
/// Errors: `TimedOut`/`WouldBlock` when no reply came in time, `UnexpectedEof` when the
/// server closed, `InvalidData` for bytes that are not RESP (the connection is then useless).
pub struct NodeConn {
    stream: TcpStream,
    buf: BytesMut,
    port: u16,
}

impl NodeConn {
    /// Connects to `127.0.0.1:port`; connecting, each read and each write time out after
    /// `timeout`.
    ///
    /// # Errors
    /// If the connection cannot be made in time.
    pub fn connect(port: u16, timeout: Duration) -> io::Result<NodeConn> {
        let addr = SocketAddr::from(([127, 0, 0, 1], port));
        let stream = TcpStream::connect_timeout(&addr, timeout)?;
        stream.set_read_timeout(Some(timeout))?;
        stream.set_write_timeout(Some(timeout))?;
        stream.set_nodelay(true)?;
        Ok(NodeConn {
            stream,
            buf: BytesMut::with_capacity(16 * 1024),
            port,
        })
    }

    /// The port it is connected to.
    pub fn port(&self) -> u16 {
        self.port
    }

    /// Changes the read and write timeout.
    ///
    /// # Errors
    /// If the socket refuses the option.
    pub fn set_timeout(&self, timeout: Duration) -> io::Result<()> {
        self.stream.set_read_timeout(Some(timeout))?;
        self.stream.set_write_timeout(Some(timeout))
    }

    /// Sends one command.
    ///
    /// # Errors
    /// If the write fails or times out (part of it may have reached the server).
    pub fn send(&mut self, args: &[&[u8]]) -> io::Result<()> {
        let mut out = BytesMut::new();
        redraft_protocol::encode::encode_request(args, &mut out);
        self.stream.write_all(&out)
    }

    /// Reads one reply.
    ///
    /// # Errors
    /// See the type's documentation.
    pub fn recv(&mut self) -> io::Result<Frame> {
        loop {
            match redraft_protocol::decode::decode_frame(&mut self.buf) {
                Ok(Some(frame)) => return Ok(frame),
                Ok(None) => {}
                Err(e) => return Err(io::Error::new(ErrorKind::InvalidData, format!("{e:?}"))),
            }
            if self.buf.len() > MAX_REPLY {
                return Err(io::Error::new(
                    ErrorKind::InvalidData,
                    "reply larger than the client's limit",
                ));
            }
            let mut chunk = [0u8; 64 * 1024];
            match self.stream.read(&mut chunk) {
                Ok(0) => return Err(ErrorKind::UnexpectedEof.into()),
                Ok(n) => self.buf.extend_from_slice(&chunk[..n]),
                Err(e) if e.kind() == ErrorKind::Interrupted => {}
                Err(e) => return Err(e),
            }
        }
    }

    /// Sends one command and reads its reply.
    ///
    /// # Errors
    /// See [`NodeConn::send`] and [`NodeConn::recv`].
    pub fn call(&mut self, args: &[&[u8]]) -> io::Result<Frame> {
        self.send(args)?;
        self.recv()
    }

    /// [`NodeConn::call`] with string arguments.
    ///
    /// # Errors
    /// See [`NodeConn::call`].
    pub fn call_str(&mut self, args: &[&str]) -> io::Result<Frame> {
        let args: Vec<&[u8]> = args.iter().map(|a| a.as_bytes()).collect();
        self.call(&args)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use bytes::Bytes;

    fn bulk(s: &str) -> Frame {
        Frame::Bulk(Bytes::copy_from_slice(s.as_bytes()))
    }

    #[test]
    fn panic_messages_are_found() {
        let log = "INFO up\n\nthread 'w' panicked at src/x.rs:1:2:\nboom 42\nstack backtrace:\n";
        assert_eq!(
            panic_messages(log),
            vec!["thread 'w' panicked at src/x.rs:1:2: boom 42".to_string()]
        );
        assert!(panic_messages("all fine\n").is_empty());
    }

    #[test]
    fn seed_list_is_in_node_order() {
        assert_eq!(
            seed_list(&[(7001, 17001), (7002, 40000)]),
            "127.0.0.1:7001@17001,127.0.0.1:7002@40000"
        );
    }

    #[test]
    fn node_args_by_mode() {
        let dir = Path::new("/tmp/x");
        let cluster = node_args(&Options::default(), 7001, dir, "S");
        assert_eq!(
            cluster.join(" "),
            "--port 7001 --bind 127.0.0.1 --dir /tmp/x --cluster-enabled yes --cluster-seeds S \
             --cluster-node-timeout 1000"
        );
        let aof = Options {
            appendonly: true,
            extra_args: vec!["--loglevel".into(), "debug".into()],
            ..Options::default()
        };
        let args = node_args(&aof, 1, dir, "S").join(" ");
        assert!(
            args.contains("--appendonly yes --appendfsync everysec"),
            "{args}"
        );
        assert!(args.ends_with("--loglevel debug"), "{args}");
        let standalone = node_args(&Options::standalone(), 1, dir, "S").join(" ");
        assert!(!standalone.contains("cluster"), "{standalone}");
        assert!(standalone.contains("--appendonly no"), "{standalone}");
    }

    #[test]
    fn cut_links_between_groups_only() {
        assert_eq!(
            cut_links(3, &[&[0], &[1, 2]]),
            vec![(0, 1), (0, 2), (1, 0), (2, 0)]
        );
        // Node 2 in no group: isolated from both.
        assert_eq!(
            cut_links(3, &[&[0, 1]]),
            vec![(0, 2), (1, 2), (2, 0), (2, 1)]
        );
        assert!(cut_links(3, &[&[0, 1, 2]]).is_empty());
    }

    #[test]
    fn parse_role_leader_and_follower() {
        let leader = Frame::Array(vec![
            bulk("master"),
            Frame::Integer(42),
            Frame::Array(vec![
                Frame::Array(vec![bulk("127.0.0.1"), bulk("7002"), bulk("40")]),
                Frame::Array(vec![
                    bulk("127.0.0.1"),
                    Frame::Integer(7003),
                    Frame::Integer(41),
                ]),
            ]),
        ]);
        assert_eq!(
            parse_role(&leader),
            Some(Role::Leader {
                offset: 42,
                replicas: vec![
                    ("127.0.0.1".into(), 7002, 40),
                    ("127.0.0.1".into(), 7003, 41)
                ],
            })
        );
        let follower = Frame::Array(vec![
            bulk("slave"),
            bulk("127.0.0.1"),
            Frame::Integer(7001),
            bulk("connected"),
            Frame::Integer(42),
        ]);
        assert_eq!(
            parse_role(&follower),
            Some(Role::Follower {
                leader: Some(("127.0.0.1".into(), 7001)),
                state: "connected".into(),
                offset: 42,
            })
        );
        let orphan = Frame::Array(vec![
            bulk("slave"),
            bulk("?"),
            Frame::Integer(0),
            bulk("connecting"),
            Frame::Integer(0),
        ]);
        assert!(matches!(
            parse_role(&orphan),
            Some(Role::Follower { leader: None, .. })
        ));
        assert_eq!(parse_role(&bulk("master")), None);
        assert_eq!(
            parse_role(&Frame::Array(vec![bulk("sentinel"), Frame::Array(vec![])])),
            None
        );
    }

    /// A node that says it leads, with no replicas known.
    fn leader() -> Option<Role> {
        Some(Role::Leader {
            offset: 0,
            replicas: vec![],
        })
    }

    /// A node that follows the leader on client port `port`, its link in `state`.
    fn follower(port: u16, state: &str) -> Option<Role> {
        Some(Role::Follower {
            leader: Some(("127.0.0.1".into(), port)),
            state: state.into(),
            offset: 0,
        })
    }

    #[test]
    fn leader_needs_a_majority() {
        let ports = [7001, 7002, 7003];
        let follows = |port| follower(port, "connected");
        assert_eq!(leader_of(&[leader(), follows(7001), None], &ports), Some(0));
        // An isolated old leader and a new one followed by the third node.
        assert_eq!(
            leader_of(&[leader(), leader(), follows(7002)], &ports),
            Some(1)
        );
        // Alone, it has no majority.
        assert_eq!(leader_of(&[leader(), None, None], &ports), None);
        // A single-node cluster is its own majority.
        assert_eq!(leader_of(&[leader()], &[7001]), Some(0));
    }

    #[test]
    fn full_leader_needs_every_link_up() {
        let ports = [7001, 7002, 7003];
        let all = [
            follower(7002, "connected"),
            leader(),
            follower(7002, "connected"),
        ];
        assert_eq!(full_leader_of(&all, &ports), Some(1));
        // A majority is not enough: a silent node, a link not up, another leader.
        assert_eq!(
            full_leader_of(&[leader(), follower(7001, "connected"), None], &ports),
            None
        );
        assert_eq!(
            full_leader_of(
                &[
                    leader(),
                    follower(7001, "connected"),
                    follower(7001, "connecting")
                ],
                &ports
            ),
            None
        );
        assert_eq!(
            full_leader_of(
                &[
                    leader(),
                    follower(7001, "connected"),
                    follower(7002, "connected")
                ],
                &ports
            ),
            None
        );
        assert_eq!(full_leader_of(&[leader()], &[7001]), Some(0));
    }
}
