//! Starting, measuring and stopping the servers under test: redis-server and redraft as child
//! processes (pinned with `taskset` when asked), alone or as a three-node Raft [`Group`]; their
//! CPU time from `/proc/PID/stat`, RSS from `/proc/PID/status` and `used_memory` from `INFO`.

use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use redraft_protocol::Frame;

use crate::client;
use crate::cluster::{parse_role, RoleView};
use crate::report::ServerKind;

/// How to start each server.
#[derive(Clone, Debug)]
pub struct Binaries {
    pub redis: PathBuf,
    pub redraft: PathBuf,
    /// `taskset -c <cores>` prefix for servers, when pinning.
    pub server_cores: Option<String>,
    /// Scratch directory for the servers' working directories and logs.
    pub work: PathBuf,
}

/// Nodes in a [`Group`].
pub const GROUP_NODES: usize = 3;

/// Redis Cluster's default: the cluster bus listens on the client port + 10000.
const BUS_OFFSET: u16 = 10000;

/// How long a node gets to answer its first PING.
const START_LIMIT: Duration = Duration::from_secs(10);

/// How long a group gets to elect a leader that accepts a write.
pub const LEADER_LIMIT: Duration = Duration::from_secs(20);

/// Settings every configuration shares: loopback, no RDB snapshots, room for W5's 10k
/// connections.
const COMMON_FLAGS: &[&str] = &["--bind", "127.0.0.1", "--save", "", "--maxclients", "20000"];

/// Flags of `kind` beyond [`COMMON_FLAGS`], `--port`, `--dir` and (for a group) the seeds.
pub fn kind_flags(kind: ServerKind) -> &'static [&'static str] {
    match kind {
        ServerKind::Redis | ServerKind::Redraft => &["--appendonly", "no"],
        ServerKind::RedraftFsync | ServerKind::RedraftGroup => {
            &["--appendonly", "yes", "--appendfsync", "always"]
        }
    }
}

/// How `kind` runs, for the report's `configurations`.
pub fn describe(kind: ServerKind, cores: Option<&str>) -> String {
    let pinned = match cores {
        Some(cores) => format!("pinned to core(s) {cores}"),
        None => "unpinned".to_string(),
    };
    let flags = COMMON_FLAGS
        .iter()
        .chain(kind_flags(kind))
        .map(|f| if f.is_empty() { "''" } else { f })
        .collect::<Vec<_>>()
        .join(" ");
    match kind {
        ServerKind::Redis => format!("redis-server {flags}, {pinned}"),
        ServerKind::Redraft | ServerKind::RedraftFsync => {
            format!("redraft, one node, {flags}, {pinned}")
        }
        ServerKind::RedraftGroup => format!(
            "redraft, {GROUP_NODES} nodes in one Raft group (--cluster-enabled yes, \
             --cluster-node-timeout 1000), {flags}; every node {pinned}, so the nodes share \
             those cores"
        ),
    }
}

/// A running server process; stopped (and waited for) on drop.
pub struct Server {
    pub kind: ServerKind,
    pub addr: String,
    program: PathBuf,
    args: Vec<String>,
    dir: PathBuf,
    cores: Option<String>,
    child: Option<Child>,
}

impl Server {
    /// Starts a one-node `kind` (not [`ServerKind::RedraftGroup`]: see [`Group`]) on a free
    /// port and waits until it answers `PING`.
    ///
    /// # Errors
    /// The binary did not start or did not answer within 10 s.
    pub fn start(kind: ServerKind, binaries: &Binaries) -> Result<Server, String> {
        let port = free_port()?;
        let mut server = Server::spawn(kind, binaries, port, &[])?;
        server.wait_ready()?;
        Ok(server)
    }

    /// Starts the process without waiting for it; `extra` goes after the configuration's flags.
    fn spawn(
        kind: ServerKind,
        binaries: &Binaries,
        port: u16,
        extra: &[String],
    ) -> Result<Server, String> {
        let dir = binaries.work.join(format!("{}-{port}", kind.name()));
        std::fs::create_dir_all(&dir).map_err(|e| format!("{}: {e}", dir.display()))?;
        // Absolute: the server runs in this directory, so a relative `--dir` would not resolve.
        let dir = dir
            .canonicalize()
            .map_err(|e| format!("{}: {e}", dir.display()))?;
        let program = match kind {
            ServerKind::Redis => binaries.redis.clone(),
            _ => binaries.redraft.clone(),
        };
        let mut args: Vec<String> = vec!["--port".into(), port.to_string()];
        args.extend(
            COMMON_FLAGS
                .iter()
                .chain(kind_flags(kind))
                .map(|f| f.to_string()),
        );
        args.extend(["--dir".to_string(), dir.to_string_lossy().into_owned()]);
        args.extend(extra.iter().cloned());
        let mut server = Server {
            kind,
            addr: format!("127.0.0.1:{port}"),
            program,
            args,
            dir,
            cores: binaries.server_cores.clone(),
            child: None,
        };
        server.respawn()?;
        Ok(server)
    }

    /// Starts the process (again) with its arguments and directory, appending to its log.
    fn respawn(&mut self) -> Result<(), String> {
        let log = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(self.log_path())
            .map_err(|e| format!("{}: {e}", self.log_path().display()))?;
        let mut command = pinned(&self.program, self.cores.as_deref());
        command
            .args(&self.args)
            .current_dir(&self.dir)
            .stdin(Stdio::null())
            .stdout(log.try_clone().map_err(|e| e.to_string())?)
            .stderr(log);
        let child = command
            .spawn()
            .map_err(|e| format!("cannot start {}: {e}", self.program.display()))?;
        self.child = Some(child);
        Ok(())
    }

    fn log_path(&self) -> PathBuf {
        self.dir.join("server.log")
    }

    /// Waits until the server answers `PING`.
    ///
    /// # Errors
    /// It exited (the message quotes the end of its log) or did not answer within 10 s.
    fn wait_ready(&mut self) -> Result<(), String> {
        let deadline = Instant::now() + START_LIMIT;
        loop {
            if let Ok(Frame::Simple(pong)) = client::command(&self.addr, &[b"PING"]) {
                if &pong[..] == b"PONG" {
                    return Ok(());
                }
            }
            if let Some(Ok(Some(status))) = self.child.as_mut().map(Child::try_wait) {
                self.child = None;
                let log = std::fs::read_to_string(self.log_path()).unwrap_or_default();
                let tail = &log[log.len().saturating_sub(600)..];
                return Err(format!(
                    "{} on {} exited at start ({status}); end of {}:\n{tail}",
                    self.kind.name(),
                    self.addr,
                    self.log_path().display()
                ));
            }
            if Instant::now() > deadline {
                return Err(format!(
                    "{} on {} did not answer PING within {START_LIMIT:?}",
                    self.kind.name(),
                    self.addr
                ));
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// The process id, while it runs.
    ///
    /// # Errors
    /// When it was killed and not restarted.
    pub fn pid(&self) -> Result<u32, String> {
        self.child
            .as_ref()
            .map(Child::id)
            .ok_or_else(|| format!("{} on {} is not running", self.kind.name(), self.addr))
    }

    /// Kills the process with SIGKILL (no shutdown of any kind) and reaps it.
    pub fn kill9(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    /// Starts the process again, same port, flags and data, and waits until it answers `PING`.
    ///
    /// # Errors
    /// As [`Server::start`].
    pub fn restart(&mut self) -> Result<(), String> {
        self.kill9();
        self.respawn()?;
        self.wait_ready()
    }

    /// User plus system CPU seconds the server has used so far.
    ///
    /// # Errors
    /// When `/proc/PID/stat` cannot be read or parsed.
    pub fn cpu_secs(&self) -> Result<f64, String> {
        let path = format!("/proc/{}/stat", self.pid()?);
        let stat = std::fs::read_to_string(&path).map_err(|e| format!("{path}: {e}"))?;
        let ticks =
            parse_stat_cpu_ticks(&stat).ok_or_else(|| format!("{path}: unexpected format"))?;
        // SAFETY: sysconf has no preconditions.
        let per_sec = unsafe { libc::sysconf(libc::_SC_CLK_TCK) };
        Ok(ticks as f64 / per_sec.max(1) as f64)
    }

    /// Resident set size in bytes.
    ///
    /// # Errors
    /// When `/proc/PID/status` cannot be read or has no VmRSS line.
    pub fn rss_bytes(&self) -> Result<u64, String> {
        let path = format!("/proc/{}/status", self.pid()?);
        let status = std::fs::read_to_string(&path).map_err(|e| format!("{path}: {e}"))?;
        parse_status_rss(&status).ok_or_else(|| format!("{path}: no VmRSS"))
    }

    /// `used_memory` from `INFO memory`.
    ///
    /// # Errors
    /// When the server does not answer or reports no such field.
    pub fn used_memory(&self) -> Result<u64, String> {
        let info = client::info(&self.addr, "memory")?;
        client::info_field(&info, "used_memory")
            .and_then(|v| v.parse().ok())
            .ok_or_else(|| format!("{}: INFO has no used_memory", self.kind.name()))
    }

    /// Waits until memory settles after a load: the allocator and the kernel release pages
    /// lazily, so RSS read right after a burst overstates what the data needs.
    pub fn settle(&self) {
        std::thread::sleep(Duration::from_millis(500));
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let Some(mut child) = self.child.take() else {
            return;
        };
        // SIGTERM first so servers exit the way they do in production; then make sure.
        // SAFETY: kill with a pid we own (our child, not yet reaped).
        unsafe {
            libc::kill(child.id() as libc::pid_t, libc::SIGTERM);
        }
        let deadline = Instant::now() + Duration::from_secs(5);
        while Instant::now() < deadline {
            if let Ok(Some(_)) = child.try_wait() {
                return;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        let _ = child.kill();
        let _ = child.wait();
    }
}

/// Three redraft nodes forming one Raft group ([`ServerKind::RedraftGroup`]), each pinned like a
/// single server (so on a small machine they share the server cores); stopped on drop.
pub struct Group {
    pub nodes: Vec<Server>,
}

/// Attempts at starting a group on free ports (another process may take a probed port).
const PORT_ATTEMPTS: usize = 3;

impl Group {
    /// Starts the nodes and waits until one of them leads and accepts a write.
    ///
    /// # Errors
    /// A node that does not start, or no leader within [`LEADER_LIMIT`].
    pub fn start(binaries: &Binaries) -> Result<Group, String> {
        let mut last = String::new();
        for _ in 0..PORT_ATTEMPTS {
            let ports = (0..GROUP_NODES)
                .map(|_| free_port_pair())
                .collect::<Result<Vec<u16>, String>>()?;
            if (1..ports.len()).any(|i| ports[..i].contains(&ports[i])) {
                continue;
            }
            let seeds = ports
                .iter()
                .map(|p| format!("127.0.0.1:{p}@{}", p + BUS_OFFSET))
                .collect::<Vec<_>>()
                .join(",");
            let extra = ["--cluster-enabled", "yes", "--cluster-seeds", &seeds]
                .map(String::from)
                .to_vec();
            let mut nodes = Vec::new();
            for &port in &ports {
                nodes.push(Server::spawn(
                    ServerKind::RedraftGroup,
                    binaries,
                    port,
                    &extra,
                )?);
            }
            let mut group = Group { nodes };
            match group.nodes.iter_mut().try_for_each(Server::wait_ready) {
                Ok(()) => {
                    group.wait_leader(LEADER_LIMIT)?;
                    return Ok(group);
                }
                // Lost a race for a probed port: start over on fresh ones.
                Err(e) if e.contains("in use") => last = e,
                Err(e) => return Err(e),
            }
        }
        Err(format!("could not start a group on free ports: {last}"))
    }

    /// Every node's client address, in seed order (`--seeds` for the load generator).
    pub fn seeds(&self) -> String {
        self.nodes
            .iter()
            .map(|n| n.addr.as_str())
            .collect::<Vec<_>>()
            .join(",")
    }

    /// Waits until a node says `master` in `ROLE` and accepts a `SET` (which proves a
    /// majority behind it), and returns its index.
    ///
    /// # Errors
    /// No such node within `limit`.
    pub fn wait_leader(&self, limit: Duration) -> Result<usize, String> {
        let deadline = Instant::now() + limit;
        loop {
            if let Some(leader) = self.writable_leader() {
                return Ok(leader);
            }
            if Instant::now() > deadline {
                return Err(format!(
                    "no node of the group led and accepted a write within {limit:?}; roles: {}",
                    self.describe()
                ));
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// Waits until a leader accepts writes and every node follows it (after a restart, so the
    /// next run starts from a whole group).
    ///
    /// # Errors
    /// Not so within `limit`.
    pub fn wait_whole(&self, limit: Duration) -> Result<usize, String> {
        let deadline = Instant::now() + limit;
        loop {
            let leader = self.writable_leader();
            if let Some(leader) = leader {
                let addr = &self.nodes[leader].addr;
                let following = self.nodes.iter().enumerate().all(|(i, node)| {
                    i == leader
                        || node_role(&node.addr) == Some(RoleView::Follower(Some(addr.clone())))
                });
                if following {
                    return Ok(leader);
                }
            }
            if Instant::now() > deadline {
                return Err(format!(
                    "the group did not come back whole within {limit:?}; roles: {}",
                    self.describe()
                ));
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    fn writable_leader(&self) -> Option<usize> {
        let leader = self
            .nodes
            .iter()
            .position(|n| n.child.is_some() && node_role(&n.addr) == Some(RoleView::Leader))?;
        let reply = client::command(
            &self.nodes[leader].addr,
            &[b"SET", b"redraft-bench:probe", b"1"],
        );
        matches!(reply, Ok(Frame::Simple(ok)) if &ok[..] == b"OK").then_some(leader)
    }

    /// Every node's role, for error messages.
    fn describe(&self) -> String {
        self.nodes
            .iter()
            .map(|n| match n.child {
                None => format!("{} killed", n.addr),
                Some(_) => format!("{} {:?}", n.addr, node_role(&n.addr)),
            })
            .collect::<Vec<_>>()
            .join(", ")
    }

    /// User plus system CPU seconds of every node.
    ///
    /// # Errors
    /// As [`Server::cpu_secs`], for any node.
    pub fn cpu_secs(&self) -> Result<f64, String> {
        self.nodes.iter().map(Server::cpu_secs).sum()
    }

    /// RSS of every node, summed.
    ///
    /// # Errors
    /// As [`Server::rss_bytes`], for any node.
    pub fn rss_bytes(&self) -> Result<u64, String> {
        self.nodes.iter().map(Server::rss_bytes).sum()
    }

    /// `used_memory` of the leader (every node holds the same keyspace).
    ///
    /// # Errors
    /// No leader, or as [`Server::used_memory`].
    pub fn used_memory(&self) -> Result<u64, String> {
        let leader = self.wait_leader(LEADER_LIMIT)?;
        self.nodes[leader].used_memory()
    }
}

/// The `ROLE` of the node at `addr`, if it answers one.
fn node_role(addr: &str) -> Option<RoleView> {
    parse_role(&client::command(addr, &[b"ROLE"]).ok()?)
}

/// `program` as a command, under `taskset -c <cores>` when pinning.
pub fn pinned(program: &Path, cores: Option<&str>) -> Command {
    match cores {
        Some(cores) => {
            let mut c = Command::new("taskset");
            c.args(["-c", cores]).arg(program);
            c
        }
        None => Command::new(program),
    }
}

/// A TCP port nothing listens on right now.
fn free_port() -> Result<u16, String> {
    let listener = TcpListener::bind("127.0.0.1:0").map_err(|e| e.to_string())?;
    let port = listener.local_addr().map_err(|e| e.to_string())?.port();
    Ok(port)
}

/// A free client port whose bus port (+10000) is free too.
fn free_port_pair() -> Result<u16, String> {
    for _ in 0..100 {
        let port = free_port()?;
        let Some(bus) = port.checked_add(BUS_OFFSET) else {
            continue;
        };
        if TcpListener::bind(("127.0.0.1", bus)).is_ok() {
            return Ok(port);
        }
    }
    Err(format!(
        "no free client port with a free bus port (+{BUS_OFFSET})"
    ))
}

/// utime + stime (fields 14 and 15) of a `/proc/PID/stat` line, in clock ticks. The command
/// name (field 2) may hold spaces and parentheses, so fields are counted after its last `)`.
pub fn parse_stat_cpu_ticks(stat: &str) -> Option<u64> {
    let after = &stat[stat.rfind(')')? + 1..];
    let mut fields = after.split_whitespace();
    // `after` starts at field 3 (state): utime is field 14, the 12th here.
    let utime: u64 = fields.nth(11)?.parse().ok()?;
    let stime: u64 = fields.next()?.parse().ok()?;
    Some(utime + stime)
}

/// `VmRSS` of a `/proc/PID/status` text, in bytes.
pub fn parse_status_rss(status: &str) -> Option<u64> {
    let line = status.lines().find(|l| l.starts_with("VmRSS:"))?;
    let kib: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kib * 1024)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_proc_stat_and_status() {
        let stat = "1234 (redis (x) server) S 1 1234 1234 0 -1 4194560 100 0 0 0 250 75 0 0 20 0 \
                    4 0 500 1000 200 18446744073709551615";
        assert_eq!(parse_stat_cpu_ticks(stat), Some(325));
        assert_eq!(parse_stat_cpu_ticks("garbage"), None);
        let status = "Name:\tredis\nVmPeak:\t 100 kB\nVmRSS:\t    2048 kB\n";
        assert_eq!(parse_status_rss(status), Some(2048 * 1024));
        assert_eq!(parse_status_rss("Name: x\n"), None);
    }

    #[test]
    fn configurations_say_how_they_run() {
        let group = describe(ServerKind::RedraftGroup, Some("0"));
        assert!(group.contains("3 nodes"), "{group}");
        assert!(
            group.contains("--appendonly yes --appendfsync always"),
            "{group}"
        );
        assert!(group.contains("core(s) 0"), "{group}");
        let redis = describe(ServerKind::Redis, None);
        assert!(
            redis.contains("--save '' --maxclients 20000 --appendonly no"),
            "{redis}"
        );
        assert_eq!(
            kind_flags(ServerKind::RedraftFsync),
            kind_flags(ServerKind::RedraftGroup)
        );
    }

    #[test]
    fn reads_our_own_process() {
        let me = std::fs::read_to_string("/proc/self/stat").unwrap();
        assert!(parse_stat_cpu_ticks(&me).is_some());
        let status = std::fs::read_to_string("/proc/self/status").unwrap();
        assert!(parse_status_rss(&status).unwrap() > 0);
    }
}
