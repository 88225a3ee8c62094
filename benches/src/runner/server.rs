//! Starting, measuring and stopping the servers under test: redis-server and redraft as child
//! processes (pinned with `taskset` when asked), their CPU time from `/proc/PID/stat`, RSS from
//! `/proc/PID/status` and `used_memory` from `INFO`.

use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use crate::client;
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

/// A running server; stopped (and waited for) on drop.
pub struct Server {
    pub kind: ServerKind,
    pub addr: String,
    child: Child,
}

impl Server {
    /// Starts `kind` on a free port and waits until it answers `PING`.
    ///
    /// # Errors
    /// The binary did not start or did not answer within 10 s.
    pub fn start(kind: ServerKind, binaries: &Binaries) -> Result<Server, String> {
        let port = free_port()?;
        let dir = binaries.work.join(format!("{}-{port}", kind.name()));
        std::fs::create_dir_all(&dir).map_err(|e| format!("{}: {e}", dir.display()))?;
        let log = std::fs::File::create(dir.join("server.log")).map_err(|e| e.to_string())?;
        let program = match kind {
            ServerKind::Redis => &binaries.redis,
            ServerKind::Redraft => &binaries.redraft,
        };
        let mut command = pinned(program, binaries.server_cores.as_deref());
        // The same settings for both: no persistence, room for W5's 10k connections.
        command
            .args(["--port", &port.to_string(), "--bind", "127.0.0.1"])
            .args(["--save", "", "--appendonly", "no", "--maxclients", "20000"])
            .args(["--dir", &dir.to_string_lossy()])
            .current_dir(&dir)
            .stdin(Stdio::null())
            .stdout(log.try_clone().map_err(|e| e.to_string())?)
            .stderr(log);
        let child = command
            .spawn()
            .map_err(|e| format!("cannot start {}: {e}", program.display()))?;
        let mut server = Server {
            kind,
            addr: format!("127.0.0.1:{port}"),
            child,
        };
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            if let Ok(redraft_protocol::Frame::Simple(pong)) =
                client::command(&server.addr, &[b"PING"])
            {
                if &pong[..] == b"PONG" {
                    return Ok(server);
                }
            }
            if let Ok(Some(status)) = server.child.try_wait() {
                return Err(format!(
                    "{} exited at start ({status}); see {}",
                    kind.name(),
                    dir.join("server.log").display()
                ));
            }
            if Instant::now() > deadline {
                return Err(format!("{} did not answer PING within 10 s", kind.name()));
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// User plus system CPU seconds the server has used so far.
    ///
    /// # Errors
    /// When `/proc/PID/stat` cannot be read or parsed.
    pub fn cpu_secs(&self) -> Result<f64, String> {
        let path = format!("/proc/{}/stat", self.pid());
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
        let path = format!("/proc/{}/status", self.pid());
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
        // SIGTERM first so both servers exit the way they do in production; then make sure.
        // SAFETY: kill with a pid we own (our child, not yet reaped).
        unsafe {
            libc::kill(self.child.id() as libc::pid_t, libc::SIGTERM);
        }
        let deadline = Instant::now() + Duration::from_secs(5);
        while Instant::now() < deadline {
            if let Ok(Some(_)) = self.child.try_wait() {
                return;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
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
    fn reads_our_own_process() {
        let me = std::fs::read_to_string("/proc/self/stat").unwrap();
        assert!(parse_stat_cpu_ticks(&me).is_some());
        let status = std::fs::read_to_string("/proc/self/status").unwrap();
        assert!(parse_status_rss(&status).unwrap() > 0);
    }
}
