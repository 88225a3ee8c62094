//! redraft-tests: the harness that starts real server processes for the integration tests.
//!
//! Map of the crate (where new code goes):
//! - [`Server`]: one server process (redraft, or redis-server for the oracle) on a free loopback
//!   port, logging to a temp dir, killed on drop. Start it, then talk to it with [`Server::client`],
//!   [`Server::async_client`], [`Server::raw`] or [`Server::redis_cli`].
//! - [`RedisOracle`]: a real `redis-server` started the same way, for differential tests.
//! - [`RawClient`]: a TCP client that sends arbitrary bytes and returns replies as raw bytes, cut
//!   at frame boundaries by `redraft_protocol::decode::decode_frame`.
//! - [`escape`]: render bytes readably in assertion messages.
//! - [`cluster`]: `LocalCluster` — N real nodes of one Raft group, with a fault-injecting proxy
//!   on every bus link; kill -9, SIGSTOP/SIGCONT, restart, partition; `NodeConn`, `Role`.
//! - [`history`]: operation histories of concurrent clients and their checkers (append lists,
//!   linearizable registers).
//! - [`netfault`]: `Proxy`, a TCP proxy that partitions, blackholes, delays and resets.
//!
//! The tests themselves live in the single integration binary `tests/integration/` (one module per
//! command family or concern). Every test must pass against real redis-server first:
//! `REDRAFT_BIN=$(which redis-server) cargo test -p redraft-tests`.

pub mod cluster;
pub mod history;
pub mod netfault;

use std::fs;
use std::io::{ErrorKind, Read, Write};
use std::net::{Shutdown, TcpListener, TcpStream};
use std::ops::Deref;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use bytes::BytesMut;
use redraft_protocol::Frame;

/// How long a server gets to answer its first PING.
const STARTUP_TIMEOUT: Duration = Duration::from_secs(10);
/// Read timeout of [`RawClient`]: no test can hang on a missing reply longer than this.
pub const RAW_READ_TIMEOUT: Duration = Duration::from_secs(10);
/// Attempts at finding a free port (another process may grab the port between probe and bind).
const PORT_ATTEMPTS: usize = 5;

static NEXT_DIR: AtomicU64 = AtomicU64::new(0);

/// The server binary under test: `$REDRAFT_BIN`, else `$CARGO_TARGET_DIR/debug/redraft`, else
/// `<workspace>/target/debug/redraft`.
///
/// # Panics
/// If the binary does not exist, with a message telling how to build it.
pub fn redraft_bin() -> PathBuf {
    if let Some(bin) = std::env::var_os("REDRAFT_BIN") {
        let bin = PathBuf::from(bin);
        assert!(
            bin.exists(),
            "REDRAFT_BIN={} does not exist (point it at a redraft or redis-server binary)",
            bin.display()
        );
        return bin;
    }
    let workspace = Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("tests/ has a parent")
        .to_path_buf();
    let mut candidates = Vec::new();
    if let Some(target) = std::env::var_os("CARGO_TARGET_DIR") {
        let target = PathBuf::from(target);
        let target = if target.is_relative() {
            workspace.join(target)
        } else {
            target
        };
        candidates.push(target.join("debug").join("redraft"));
    }
    candidates.push(workspace.join("target").join("debug").join("redraft"));
    for c in &candidates {
        if c.exists() {
            return c.clone();
        }
    }
    panic!(
        "redraft binary not found at {}: run `cargo build` (or `cargo build -p redraft-server`) \
         first, or set REDRAFT_BIN to a server binary (e.g. REDRAFT_BIN=$(which redis-server))",
        candidates
            .iter()
            .map(|c| c.display().to_string())
            .collect::<Vec<_>>()
            .join(" or ")
    );
}

/// Path of a program found on `$PATH`, if any.
pub fn which(program: &str) -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .map(|dir| dir.join(program))
        .find(|p| p.is_file())
}

/// Path of the real `redis-server`.
///
/// # Panics
/// If it is not installed: differential tests never skip silently.
pub fn redis_server_bin() -> PathBuf {
    which("redis-server").expect(
        "redis-server not found on PATH: the differential tests need a real Redis \
         (`apt-get install redis-server redis-tools`, or run ./scripts/test which installs it)",
    )
}

/// A fresh private temp dir for one server.
fn make_temp_dir(name: &str) -> PathBuf {
    let n = NEXT_DIR.fetch_add(1, Ordering::Relaxed);
    let dir = std::env::temp_dir().join(format!(
        "redraft-tests-{}-{}-{}",
        std::process::id(),
        name,
        n
    ));
    let _ = fs::remove_dir_all(&dir);
    fs::create_dir_all(&dir).expect("create temp dir");
    dir
}

/// A port that was free a moment ago (bind `127.0.0.1:0`, read it, drop the listener).
pub fn probe_free_port() -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind 127.0.0.1:0");
    listener.local_addr().expect("local_addr").port()
}

/// Spawns `bin args` in `dir` with stdout and stderr going to `log`. The child is killed by the
/// kernel if the thread that spawned it dies (the test binary was killed), so no server
/// outlives its test.
///
/// # Panics
/// If the process cannot be spawned.
pub fn spawn_server(bin: &Path, args: &[String], dir: &Path, log: fs::File) -> Child {
    let mut cmd = Command::new(bin);
    cmd.args(args)
        .current_dir(dir)
        .stdin(Stdio::null())
        .stdout(log.try_clone().expect("clone log handle"))
        .stderr(log);
    // SAFETY: prctl is async-signal-safe and touches no memory of the parent.
    unsafe {
        cmd.pre_exec(|| {
            libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGKILL);
            Ok(())
        });
    }
    cmd.spawn()
        .unwrap_or_else(|e| panic!("cannot spawn {}: {e}", bin.display()))
}

/// One running server process on `127.0.0.1:port`; killed (SIGKILL) and reaped on drop.
///
/// On drop during a panic the server's log is printed to stderr so a failing test shows what the
/// server said.
pub struct Server {
    child: Child,
    port: u16,
    dir: PathBuf,
    log: PathBuf,
    bin: PathBuf,
    args: Vec<String>,
}

impl Server {
    /// Starts the server under test ([`redraft_bin`]) with the standard flags.
    pub fn start() -> Server {
        Server::start_with(&[])
    }

    /// Starts the server under test with extra redis-server style flags
    /// (`&["--requirepass", "secret"]`).
    pub fn start_with(extra: &[&str]) -> Server {
        Server::start_binary(&redraft_bin(), extra)
    }

    /// Starts `bin` with `--port P --bind 127.0.0.1 --save "" --appendonly no` plus `extra`, and
    /// waits until it answers PING.
    ///
    /// # Panics
    /// If the process exits early or does not answer within 10 s (with its log in the message).
    pub fn start_binary(bin: &Path, extra: &[&str]) -> Server {
        Server::start_inner(bin, None, extra)
    }

    /// Starts the server under test as `redraft CONFIG_FILE --port P ... extra`: the file first,
    /// then flags that override it, as redis-server takes them.
    pub fn start_with_config(config_file: &str, extra: &[&str]) -> Server {
        Server::start_inner(&redraft_bin(), Some(config_file), extra)
    }

    fn start_inner(bin: &Path, config_file: Option<&str>, extra: &[&str]) -> Server {
        let name = bin
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_else(|| "server".into());
        let mut last_log = String::new();
        for _ in 0..PORT_ATTEMPTS {
            let port = probe_free_port();
            let dir = make_temp_dir(&name);
            let log = dir.join("server.log");
            let log_file = fs::File::create(&log).expect("create log file");
            let mut args: Vec<String> = config_file.map(str::to_string).into_iter().collect();
            args.extend::<Vec<String>>(vec![
                "--port".into(),
                port.to_string(),
                "--bind".into(),
                "127.0.0.1".into(),
                "--save".into(),
                "".into(),
                "--appendonly".into(),
                "no".into(),
            ]);
            args.extend(extra.iter().map(|s| s.to_string()));
            let child = spawn_server(bin, &args, &dir, log_file);
            let mut server = Server {
                child,
                port,
                dir,
                log,
                bin: bin.to_path_buf(),
                args,
            };
            match server.wait_ready() {
                Ok(()) => return server,
                Err(ReadyError::Exited(log)) if log.contains("in use") => {
                    // Lost the race for the port: try another one.
                    last_log = log;
                    continue;
                }
                Err(ReadyError::Exited(log)) => {
                    panic!(
                        "{} {:?} exited during startup; its log:\n{log}",
                        bin.display(),
                        server.args
                    )
                }
                Err(ReadyError::Timeout(log)) => {
                    panic!(
                        "{} {:?} did not answer PING within {STARTUP_TIMEOUT:?}; its log:\n{log}",
                        bin.display(),
                        server.args
                    )
                }
            }
        }
        panic!(
            "could not start {} on a free port; last log:\n{last_log}",
            bin.display()
        );
    }

    fn wait_ready(&mut self) -> Result<(), ReadyError> {
        let deadline = Instant::now() + STARTUP_TIMEOUT;
        loop {
            if let Ok(Some(_status)) = self.child.try_wait() {
                return Err(ReadyError::Exited(self.log_text()));
            }
            if Instant::now() > deadline {
                return Err(ReadyError::Timeout(self.log_text()));
            }
            if let Ok(mut s) = TcpStream::connect(("127.0.0.1", self.port)) {
                let _ = s.set_read_timeout(Some(Duration::from_secs(1)));
                let mut buf = [0u8; 64];
                // +PONG, or -NOAUTH when started with --requirepass: either way it is serving.
                // Multibulk, not inline, so that a server without inline support still starts.
                if s.write_all(b"*1\r\n$4\r\nPING\r\n").is_ok() {
                    if let Ok(n) = s.read(&mut buf) {
                        if buf[..n].starts_with(b"+PONG") || buf[..n].starts_with(b"-NOAUTH") {
                            return Ok(());
                        }
                    }
                }
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// Kills the process with SIGKILL (no chance to flush anything) and starts it again with the
    /// same arguments in the same directory, on the same port: a crash and a restart.
    ///
    /// # Panics
    /// If the restarted process does not answer PING within 10 s.
    pub fn crash_and_restart(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let log_file = fs::OpenOptions::new()
            .append(true)
            .open(&self.log)
            .expect("open log file");
        self.child = spawn_server(&self.bin, &self.args, &self.dir, log_file);
        if let Err(e) = self.wait_ready() {
            let log = match e {
                ReadyError::Exited(log) | ReadyError::Timeout(log) => log,
            };
            panic!("restarted server did not come back; its log:\n{log}");
        }
    }

    /// The server's working directory (its `dir`).
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// The TCP port the server listens on.
    pub fn port(&self) -> u16 {
        self.port
    }

    /// `127.0.0.1:port`.
    pub fn addr(&self) -> String {
        format!("127.0.0.1:{}", self.port)
    }

    /// The server's process id (for `/proc/PID/status`).
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// The binary this server runs.
    pub fn bin(&self) -> &Path {
        &self.bin
    }

    /// Everything the server wrote to stdout/stderr so far.
    pub fn log_text(&self) -> String {
        fs::read(&self.log)
            .map(|b| String::from_utf8_lossy(&b).into_owned())
            .unwrap_or_default()
    }

    /// True if the process is still running.
    pub fn is_alive(&mut self) -> bool {
        matches!(self.child.try_wait(), Ok(None))
    }

    /// Resident set size of the server in KiB, from `/proc/PID/status` (`VmRSS`).
    pub fn rss_kib(&self) -> u64 {
        let status = fs::read_to_string(format!("/proc/{}/status", self.pid()))
            .expect("read /proc/PID/status");
        status
            .lines()
            .find_map(|l| l.strip_prefix("VmRSS:"))
            .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
            .expect("VmRSS in /proc/PID/status")
    }

    /// `redis://127.0.0.1:port/`.
    pub fn url(&self) -> String {
        format!("redis://127.0.0.1:{}/", self.port)
    }

    /// A synchronous redis-rs connection (RESP2, db 0).
    pub fn client(&self) -> redis::Connection {
        let client = redis::Client::open(self.url()).expect("client url");
        let conn = client
            .get_connection_with_timeout(Duration::from_secs(10))
            .expect("connect");
        conn.set_read_timeout(Some(RAW_READ_TIMEOUT))
            .expect("set read timeout");
        conn
    }

    /// A redis-rs multiplexed async connection (needs a tokio runtime).
    pub async fn async_client(&self) -> redis::aio::MultiplexedConnection {
        let client = redis::Client::open(self.url()).expect("client url");
        client
            .get_multiplexed_async_connection()
            .await
            .expect("async connect")
    }

    /// A raw TCP client for exact-bytes tests.
    pub fn raw(&self) -> RawClient {
        RawClient::connect(self.port)
    }

    /// Runs the real `redis-cli -h 127.0.0.1 -p PORT ARGS...` and returns its output.
    ///
    /// # Panics
    /// If `redis-cli` is not installed.
    pub fn redis_cli(&self, args: &[&str]) -> Output {
        self.redis_cli_stdin(args, b"")
    }

    /// Like [`Server::redis_cli`], feeding `stdin` to it (for `--pipe`).
    pub fn redis_cli_stdin(&self, args: &[&str], stdin: &[u8]) -> Output {
        let cli = which("redis-cli").expect(
            "redis-cli not found on PATH (`apt-get install redis-tools`, or run ./scripts/test)",
        );
        let mut child = Command::new(cli)
            .args(["-h", "127.0.0.1", "-p", &self.port.to_string()])
            .args(args)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("spawn redis-cli");
        let mut input = child.stdin.take().expect("stdin");
        let data = stdin.to_vec();
        let writer = std::thread::spawn(move || {
            let _ = input.write_all(&data);
        });
        let out = child.wait_with_output().expect("redis-cli output");
        let _ = writer.join();
        out
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        if std::thread::panicking() {
            eprintln!(
                "----- log of {} {:?} (port {}) -----\n{}\n----- end of log -----",
                self.bin.display(),
                self.args,
                self.port,
                self.log_text()
            );
        }
        let _ = fs::remove_dir_all(&self.dir);
    }
}

enum ReadyError {
    Exited(String),
    Timeout(String),
}

/// A real `redis-server` started like [`Server`]: the oracle of the differential tests.
pub struct RedisOracle(Server);

impl RedisOracle {
    /// Starts `redis-server` from `$PATH` with the standard flags.
    ///
    /// # Panics
    /// If `redis-server` is missing (never skips silently) or does not start.
    pub fn start() -> RedisOracle {
        RedisOracle::start_with(&[])
    }

    /// Starts `redis-server` with extra flags.
    pub fn start_with(extra: &[&str]) -> RedisOracle {
        RedisOracle(Server::start_binary(&redis_server_bin(), extra))
    }
}

impl Deref for RedisOracle {
    type Target = Server;
    fn deref(&self) -> &Server {
        &self.0
    }
}

/// A TCP client that writes arbitrary bytes and reads replies as raw bytes.
///
/// Reply boundaries are found with `redraft_protocol::decode::decode_frame`; every read times out
/// after [`RAW_READ_TIMEOUT`] so a missing reply fails the test instead of hanging it.
pub struct RawClient {
    stream: TcpStream,
    buf: BytesMut,
}

impl RawClient {
    /// Connects to `127.0.0.1:port`.
    pub fn connect(port: u16) -> RawClient {
        let stream = TcpStream::connect(("127.0.0.1", port)).expect("raw connect");
        stream
            .set_read_timeout(Some(RAW_READ_TIMEOUT))
            .expect("set read timeout");
        stream.set_nodelay(true).expect("nodelay");
        RawClient {
            stream,
            buf: BytesMut::with_capacity(16 * 1024),
        }
    }

    /// Sends `bytes` as they are.
    pub fn send(&mut self, bytes: &[u8]) {
        self.stream.write_all(bytes).expect("raw send");
    }

    /// Sends `bytes`, reporting failure (the peer may have closed) instead of panicking.
    pub fn try_send(&mut self, bytes: &[u8]) -> std::io::Result<()> {
        self.stream.write_all(bytes)
    }

    /// Sends one command as a RESP multibulk request.
    pub fn send_cmd(&mut self, args: &[&[u8]]) {
        let mut out = BytesMut::new();
        redraft_protocol::encode::encode_request(args, &mut out);
        self.send(&out);
    }

    /// Sends one command and returns its reply's raw bytes.
    pub fn cmd(&mut self, args: &[&[u8]]) -> Vec<u8> {
        self.send_cmd(args);
        self.read_reply()
    }

    /// Sends one command given as strings and returns its reply's raw bytes.
    pub fn cmd_str(&mut self, args: &[&str]) -> Vec<u8> {
        let args: Vec<&[u8]> = args.iter().map(|a| a.as_bytes()).collect();
        self.cmd(&args)
    }

    /// Sends one command given as strings and returns its decoded reply.
    pub fn cmd_frame(&mut self, args: &[&str]) -> Frame {
        let args: Vec<&[u8]> = args.iter().map(|a| a.as_bytes()).collect();
        self.send_cmd(&args);
        self.read_reply_frame().1
    }

    /// Reads exactly one reply and returns its raw bytes.
    ///
    /// # Panics
    /// On timeout, EOF before a whole reply, or bytes that are not valid RESP.
    pub fn read_reply(&mut self) -> Vec<u8> {
        self.read_reply_frame().0
    }

    /// Reads exactly one reply, returning its raw bytes and the decoded frame.
    pub fn read_reply_frame(&mut self) -> (Vec<u8>, Frame) {
        loop {
            let mut probe = self.buf.clone();
            match redraft_protocol::decode::decode_frame(&mut probe) {
                Ok(Some(frame)) => {
                    let used = self.buf.len() - probe.len();
                    let raw = self.buf.split_to(used).to_vec();
                    return (raw, frame);
                }
                Ok(None) => {}
                Err(e) => panic!(
                    "server sent invalid RESP ({e:?}): {}",
                    escape(&self.buf[..self.buf.len().min(512)])
                ),
            }
            let mut chunk = [0u8; 64 * 1024];
            match self.stream.read(&mut chunk) {
                Ok(0) => panic!(
                    "connection closed before a whole reply; buffered: {}",
                    escape(&self.buf)
                ),
                Ok(n) => self.buf.extend_from_slice(&chunk[..n]),
                Err(e) if e.kind() == ErrorKind::Interrupted => {}
                Err(e) => panic!(
                    "no complete reply within {RAW_READ_TIMEOUT:?} ({e}); buffered: {}",
                    escape(&self.buf)
                ),
            }
        }
    }

    /// Reads exactly `n` replies.
    pub fn read_replies(&mut self, n: usize) -> Vec<Vec<u8>> {
        (0..n).map(|_| self.read_reply()).collect()
    }

    /// Waits until the server closes the connection, returning any bytes that came before EOF.
    ///
    /// # Panics
    /// If the connection is still open after [`RAW_READ_TIMEOUT`].
    pub fn read_until_closed(&mut self) -> Vec<u8> {
        let mut rest = self.buf.split().to_vec();
        let mut chunk = [0u8; 64 * 1024];
        loop {
            match self.stream.read(&mut chunk) {
                Ok(0) => return rest,
                Ok(n) => rest.extend_from_slice(&chunk[..n]),
                Err(e) if e.kind() == ErrorKind::Interrupted => {}
                // A reset after the server closed with unread input counts as closed.
                Err(e) if e.kind() == ErrorKind::ConnectionReset => return rest,
                Err(e) => panic!(
                    "connection still open after {RAW_READ_TIMEOUT:?} ({e}); got: {}",
                    escape(&rest)
                ),
            }
        }
    }

    /// Asserts that nothing arrives within `wait` (no stray reply).
    pub fn assert_silent(&mut self, wait: Duration) {
        assert!(
            self.buf.is_empty(),
            "unexpected buffered bytes: {}",
            escape(&self.buf)
        );
        self.stream
            .set_read_timeout(Some(wait))
            .expect("set read timeout");
        let mut chunk = [0u8; 1024];
        let res = self.stream.read(&mut chunk);
        self.stream
            .set_read_timeout(Some(RAW_READ_TIMEOUT))
            .expect("set read timeout");
        match res {
            Ok(0) => panic!("connection closed, expected it to stay open and silent"),
            Ok(n) => panic!("unexpected bytes: {}", escape(&chunk[..n])),
            Err(e) if matches!(e.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut) => {}
            Err(e) => panic!("read error: {e}"),
        }
    }

    /// Closes the write half (the server sees EOF).
    pub fn shutdown_write(&mut self) {
        let _ = self.stream.shutdown(Shutdown::Write);
    }

    /// The underlying stream, for tests that need socket options.
    pub fn stream(&self) -> &TcpStream {
        &self.stream
    }
}

/// Renders bytes readably: printable ASCII as is, `\r` `\n` `\t` `\\` `\"` escaped, the rest `\xNN`.
pub fn escape(bytes: &[u8]) -> String {
    let mut s = String::with_capacity(bytes.len());
    for &b in bytes {
        match b {
            b'\r' => s.push_str("\\r"),
            b'\n' => s.push_str("\\n"),
            b'\t' => s.push_str("\\t"),
            b'\\' => s.push_str("\\\\"),
            b'"' => s.push_str("\\\""),
            0x20..=0x7e => s.push(b as char),
            _ => s.push_str(&format!("\\x{b:02x}")),
        }
    }
    s
}

/// Encodes one command as a RESP multibulk request.
pub fn encode_cmd(args: &[&[u8]]) -> Vec<u8> {
    let mut out = BytesMut::new();
    redraft_protocol::encode::encode_request(args, &mut out);
    out.to_vec()
}

/// Current unix time in seconds.
pub fn unix_secs() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .expect("clock after epoch")
        .as_secs()
}

/// Current unix time in milliseconds.
pub fn unix_millis() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .expect("clock after epoch")
        .as_millis() as u64
}

/// The bulk strings of an array reply, sorted (for replies whose order is unspecified, like KEYS).
///
/// # Panics
/// If `frame` is not an array of bulk strings.
pub fn sorted_bulks(frame: &Frame) -> Vec<Vec<u8>> {
    let Frame::Array(items) = frame else {
        panic!("expected an array, got {frame:?}");
    };
    let mut out: Vec<Vec<u8>> = items
        .iter()
        .map(|f| match f {
            Frame::Bulk(b) => b.to_vec(),
            other => panic!("expected bulk strings, got {other:?}"),
        })
        .collect();
    out.sort();
    out
}

/// The seed of a seeded random (differential) test: `$REDRAFT_DIFF_SEED` if set (a replay),
/// else a random one; printed either way so a failure can be replayed.
///
/// # Panics
/// If `REDRAFT_DIFF_SEED` is set but not a u64.
pub fn diff_seed(test: &str) -> u64 {
    let seed = match std::env::var("REDRAFT_DIFF_SEED") {
        Ok(s) => s
            .trim()
            .parse()
            .unwrap_or_else(|_| panic!("REDRAFT_DIFF_SEED={s:?} is not a u64")),
        Err(_) => rand::random::<u64>() >> 12,
    };
    eprintln!("{test}: seed {seed} (replay with REDRAFT_DIFF_SEED={seed})");
    seed
}
