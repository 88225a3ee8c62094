//! Server commands: INFO, CONFIG (GET SET RESETSTAT REWRITE HELP), TIME, LASTSAVE, SHUTDOWN,
//! DEBUG (SLEEP OBJECT PROTOCOL HELP) and MEMORY (USAGE PURGE MALLOC-STATS HELP).
//!
//! INFO is split the way the rest of the code is: [`gather`] reads the server once into an
//! [`InfoSnapshot`] (the I/O-ish part: atomics, the shard lock, getrusage), and [`render_info`]
//! turns a snapshot into Redis's exact text. Only the renderer has logic worth testing, and it is
//! tested without a server. CONFIG REWRITE likewise builds the new file text in a pure function.
//! The replication and raft sections are rendered from a [`GroupView`] by `cluster.rs`, which
//! renders the same view for ROLE and CLUSTER.
//!
//! SAVE and BGSAVE are deliberately absent: redraft has no persistence yet, and faking it would
//! lie to operators. INFO's persistence section reports what is true (nothing saved, no AOF).

use bytes::Bytes;
use redraft_protocol::{Frame, Version};
use std::fmt::Write as _;
use std::sync::atomic::Ordering;
use std::sync::OnceLock;
use std::time::Duration;

use super::cluster::{self, GroupView};
use super::flags::*;
use super::parse::{is, parse_f64, parse_i64};
use super::{spec, table, Command, CommandSpec, Ctx, Handler, KeySpec};
use crate::config::{self, Config, Kind};
use crate::error;
use crate::keyspace::Entry;
use crate::session::{Action, Session};
use crate::state::{unix_ms, unix_us, ServerState};

/// The Redis version we are compatible with, as INFO reports it.
pub const REDIS_VERSION: &str = "7.0.15";

const ADMIN_ACL: &[&str] = &["admin", "slow", "dangerous"];
const ADMIN_FLAGS: u32 = ADMIN | NOSCRIPT | LOADING | STALE;

const fn doc(mut s: CommandSpec, summary: &'static str, since: &'static str) -> CommandSpec {
    s.summary = summary;
    s.since = since;
    s.group = "server";
    s
}

use super::session_spec as session;

const fn container(name: &'static str, subs: &'static [CommandSpec]) -> CommandSpec {
    let mut s = spec(name, -2, 0, KeySpec::NONE, &["slow"], Handler::Container);
    s.subcommands = subs;
    s
}

const CONFIG_SUBS: &[CommandSpec] = &[
    doc(
        session("get", -3, ADMIN_FLAGS, ADMIN_ACL, config_get),
        "Get the values of configuration parameters",
        "2.0.0",
    ),
    doc(
        session("set", -4, ADMIN_FLAGS, ADMIN_ACL, config_set),
        "Set configuration parameters to the given values",
        "2.0.0",
    ),
    doc(
        session("resetstat", 2, ADMIN_FLAGS, ADMIN_ACL, config_resetstat),
        "Reset the stats returned by INFO",
        "2.0.0",
    ),
    doc(
        session("rewrite", 2, ADMIN_FLAGS, ADMIN_ACL, config_rewrite),
        "Rewrite the configuration file with the in memory configuration",
        "2.8.0",
    ),
    doc(
        session("help", 2, LOADING | STALE, &["slow"], config_help),
        "Show helpful text about the different subcommands",
        "5.0.0",
    ),
];

const MEMORY_SUBS: &[CommandSpec] = &[
    doc(
        spec(
            "usage",
            -3,
            READONLY,
            KeySpec {
                first: 2,
                last: 2,
                step: 1,
            },
            &["read", "slow"],
            Handler::Read(memory_usage),
        ),
        "Estimate the memory usage of a key",
        "4.0.0",
    ),
    doc(
        session("purge", 2, 0, &["slow"], memory_purge),
        "Ask the allocator to release memory",
        "4.0.0",
    ),
    doc(
        session("malloc-stats", 2, 0, &["slow"], memory_malloc_stats),
        "Show allocator internal stats",
        "4.0.0",
    ),
    doc(
        session("help", 2, LOADING | STALE, &["slow"], memory_help),
        "Show helpful text about the different subcommands",
        "4.0.0",
    ),
];

/// Server commands.
pub const COMMANDS: &[CommandSpec] = &[
    doc(
        session("info", -1, LOADING | STALE, &["slow", "dangerous"], info),
        "Get information and statistics about the server",
        "1.0.0",
    ),
    doc(
        container("config", CONFIG_SUBS),
        "A container for server configuration commands",
        "2.0.0",
    ),
    doc(
        session("time", 1, LOADING | STALE | FAST, &["fast"], time),
        "Return the current server time",
        "2.6.0",
    ),
    doc(
        session(
            "lastsave",
            1,
            LOADING | STALE | FAST,
            &["admin", "fast", "dangerous"],
            lastsave,
        ),
        "Get the UNIX time stamp of the last successful save to disk",
        "1.0.0",
    ),
    doc(
        session(
            "shutdown",
            -1,
            ADMIN_FLAGS | NO_MULTI | ALLOW_BUSY,
            ADMIN_ACL,
            shutdown,
        ),
        "Synchronously save the dataset to disk and then shut down the server",
        "1.0.0",
    ),
    doc(
        session("debug", -2, ADMIN_FLAGS, ADMIN_ACL, debug),
        "A container for debugging commands",
        "1.0.0",
    ),
    doc(
        container("memory", MEMORY_SUBS),
        "A container for memory diagnostics commands",
        "4.0.0",
    ),
];

/// A HELP reply: the usage line for `container`, then `lines`, then the HELP entry itself.
pub fn help_reply(container: &str, lines: &[&str]) -> Frame {
    let mut out = Vec::with_capacity(lines.len() + 3);
    out.push(Frame::Simple(Bytes::from(format!(
        "{container} <subcommand> [<arg> [value] [opt] ...]. Subcommands are:"
    ))));
    out.extend(
        lines
            .iter()
            .map(|l| Frame::Simple(Bytes::copy_from_slice(l.as_bytes()))),
    );
    out.push(Frame::simple("HELP"));
    out.push(Frame::simple("    Prints this help."));
    Frame::Array(out)
}

// ---------------------------------------------------------------------------------------------
// INFO
// ---------------------------------------------------------------------------------------------

/// INFO sections in output order: (request name, header, part of the default set). `raft` is
/// ours: only `INFO raft`, `all` and `everything` print it, so bare INFO keeps Redis's shape.
const SECTIONS: &[(&str, &str, bool)] = &[
    ("server", "Server", true),
    ("clients", "Clients", true),
    ("memory", "Memory", true),
    ("persistence", "Persistence", true),
    ("stats", "Stats", true),
    ("replication", "Replication", true),
    ("cpu", "CPU", true),
    ("modules", "Modules", true),
    ("commandstats", "Commandstats", false),
    ("errorstats", "Errorstats", true),
    ("cluster", "Cluster", true),
    ("keyspace", "Keyspace", true),
    ("raft", "Raft", false),
];

/// A set of INFO sections, one bit per [`SECTIONS`] row.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Sections(u32);

impl Sections {
    /// The sections bare `INFO` (or `INFO default`) prints.
    pub fn default_set() -> Sections {
        Sections(
            SECTIONS
                .iter()
                .enumerate()
                .filter(|(_, s)| s.2)
                .fold(0, |m, (i, _)| m | 1 << i),
        )
    }

    /// Every section (`all`, `everything`).
    pub fn all() -> Sections {
        Sections((1 << SECTIONS.len()) - 1)
    }

    /// Parses INFO's arguments: section names, `default`, `all`, `everything`; case-insensitive.
    /// Unknown names select nothing, as in Redis.
    pub fn parse(args: &[Bytes]) -> Sections {
        if args.is_empty() {
            return Sections::default_set();
        }
        let mut bits = 0;
        for a in args {
            if is(a, "all") || is(a, "everything") {
                bits |= Sections::all().0;
            } else if is(a, "default") {
                bits |= Sections::default_set().0;
            } else if let Some(i) = SECTIONS.iter().position(|s| is(a, s.0)) {
                bits |= 1 << i;
            }
        }
        Sections(bits)
    }

    /// True when section `name` is selected.
    pub fn has(&self, name: &str) -> bool {
        SECTIONS
            .iter()
            .position(|s| s.0 == name)
            .is_some_and(|i| self.0 & (1 << i) != 0)
    }
}

/// One row of INFO commandstats.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct CmdStat {
    /// `get` or `client|list`.
    pub name: String,
    /// Executions.
    pub calls: u64,
    /// Total microseconds.
    pub usec: u64,
    /// Rejected before execution.
    pub rejected: u64,
    /// Executed with an error reply.
    pub failed: u64,
}

/// One row of INFO keyspace.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct DbStat {
    /// Database number.
    pub index: usize,
    /// Keys (expired ones not yet deleted included, as in Redis).
    pub keys: usize,
    /// Keys with a TTL.
    pub expires: usize,
    /// Average remaining TTL in ms over a sample of volatile keys.
    pub avg_ttl: u64,
}

/// Everything INFO prints, read from the server in one pass so rendering is a pure function.
#[derive(Clone, Debug, Default)]
pub struct InfoSnapshot {
    /// `os`: uname sysname, release, machine.
    pub os: String,
    /// Our pid.
    pub process_id: u32,
    /// `run_id`.
    pub run_id: String,
    /// Bound TCP port.
    pub tcp_port: u64,
    /// Unix time in µs.
    pub server_time_usec: u64,
    /// Seconds since start.
    pub uptime_secs: u64,
    /// `hz`.
    pub hz: i64,
    /// Path of the binary.
    pub executable: String,
    /// Path of the config file, empty if none.
    pub config_file: String,
    /// Connected clients.
    pub connected_clients: usize,
    /// Clients asleep in a blocking command.
    pub blocked_clients: usize,
    /// `maxclients`.
    pub maxclients: i64,
    /// Largest query buffer among clients.
    pub max_input_buffer: usize,
    /// Largest output buffer among clients.
    pub max_output_buffer: usize,
    /// Bytes allocated (counting allocator).
    pub used_memory: u64,
    /// Resident set size.
    pub used_memory_rss: u64,
    /// Peak of `used_memory`.
    pub used_memory_peak: u64,
    /// Physical memory of the machine.
    pub total_system_memory: u64,
    /// `maxmemory`.
    pub maxmemory: u64,
    /// `maxmemory-policy`.
    pub maxmemory_policy: String,
    /// Keyspace changes since start (nothing is ever saved).
    pub dirty: u64,
    /// Unix seconds of the last save: the start time, as Redis reports before its first save.
    pub last_save_unix: u64,
    /// Accepted connections.
    pub connections_received: u64,
    /// Commands processed.
    pub commands_processed: u64,
    /// Bytes read from clients.
    pub net_input_bytes: u64,
    /// Bytes written to clients.
    pub net_output_bytes: u64,
    /// Connections refused by maxclients.
    pub rejected_connections: u64,
    /// Keys deleted by expiry.
    pub expired_keys: u64,
    /// Successful key lookups.
    pub keyspace_hits: u64,
    /// Failed key lookups.
    pub keyspace_misses: u64,
    /// Error replies.
    pub error_replies: u64,
    /// Clients closed by the output buffer limit.
    pub output_limit_disconnections: u64,
    /// `master_replid`.
    pub master_replid: String,
    /// The Raft log is on disk (`appendonly yes`, or any cluster-mode node): INFO's
    /// `aof_enabled`.
    pub aof_enabled: bool,
    /// Snapshots this node took (its log compactions): INFO's `aof_rewrites`.
    pub aof_rewrites: u64,
    /// CPU seconds: (sys, user, sys_children, user_children).
    pub cpu: (f64, f64, f64, f64),
    /// `errorstat_<PREFIX>:count=N`, sorted by prefix.
    pub errorstats: Vec<(String, u64)>,
    /// Commands that ran at least once, sorted by name.
    pub commandstats: Vec<CmdStat>,
    /// Non-empty databases.
    pub keyspace: Vec<DbStat>,
    /// The shard's group: role, offsets, members (replication, cluster and raft sections).
    pub group: GroupView,
}

/// Redis's `bytesToHuman`: `967.30K`, `6.78M`, `0B`.
pub fn bytes_to_human(n: u64) -> String {
    const UNITS: &[&str] = &["K", "M", "G", "T", "P", "E"];
    if n < 1024 {
        return format!("{n}B");
    }
    let mut d = n as f64 / 1024.0;
    for unit in UNITS {
        if d < 1024.0 {
            return format!("{d:.2}{unit}");
        }
        d /= 1024.0;
    }
    format!("{:.2}E", d * 1024.0)
}

/// Renders the selected sections exactly as Redis lays them out: `# Header` lines, `name:value`
/// lines, CRLF line ends, one blank line between sections.
pub fn render_info(s: &InfoSnapshot, sections: Sections) -> String {
    let mut out = String::new();
    for (name, header, _) in SECTIONS {
        if !sections.has(name) {
            continue;
        }
        if !out.is_empty() {
            out.push_str("\r\n");
        }
        let _ = write!(out, "# {header}\r\n");
        for line in section_lines(s, name) {
            out.push_str(&line);
            out.push_str("\r\n");
        }
    }
    out
}

fn section_lines(s: &InfoSnapshot, name: &str) -> Vec<String> {
    let kv = |pairs: &[(&str, String)]| {
        pairs
            .iter()
            .map(|(k, v)| format!("{k}:{v}"))
            .collect::<Vec<_>>()
    };
    match name {
        "server" => kv(&[
            ("redis_version", REDIS_VERSION.into()),
            ("redraft_version", env!("CARGO_PKG_VERSION").into()),
            ("redis_git_sha1", "00000000".into()),
            ("redis_git_dirty", "0".into()),
            ("redis_build_id", "0".into()),
            ("redis_mode", if s.group.cluster { "cluster" } else { "standalone" }.into()),
            ("os", s.os.clone()),
            ("arch_bits", (usize::BITS).to_string()),
            ("monotonic_clock", "POSIX clock_gettime".into()),
            ("multiplexing_api", "epoll".into()),
            ("atomicvar_api", "c11-builtin".into()),
            ("process_id", s.process_id.to_string()),
            ("process_supervised", "no".into()),
            ("run_id", s.run_id.clone()),
            ("tcp_port", s.tcp_port.to_string()),
            ("server_time_usec", s.server_time_usec.to_string()),
            ("uptime_in_seconds", s.uptime_secs.to_string()),
            ("uptime_in_days", (s.uptime_secs / 86400).to_string()),
            ("hz", s.hz.to_string()),
            ("configured_hz", s.hz.to_string()),
            ("lru_clock", ((s.server_time_usec / 1_000_000) & 0xFF_FFFF).to_string()),
            ("executable", s.executable.clone()),
            ("config_file", s.config_file.clone()),
            ("io_threads_active", "0".into()),
        ]),
        "clients" => kv(&[
            ("connected_clients", s.connected_clients.to_string()),
            ("cluster_connections", "0".into()),
            ("maxclients", s.maxclients.to_string()),
            ("client_recent_max_input_buffer", s.max_input_buffer.to_string()),
            ("client_recent_max_output_buffer", s.max_output_buffer.to_string()),
            ("blocked_clients", s.blocked_clients.to_string()),
            ("tracking_clients", "0".into()),
            ("clients_in_timeout_table", "0".into()),
        ]),
        "memory" => {
            let ratio = |a: u64, b: u64| if b == 0 { 0.0 } else { a as f64 / b as f64 };
            kv(&[
                ("used_memory", s.used_memory.to_string()),
                ("used_memory_human", bytes_to_human(s.used_memory)),
                ("used_memory_rss", s.used_memory_rss.to_string()),
                ("used_memory_rss_human", bytes_to_human(s.used_memory_rss)),
                ("used_memory_peak", s.used_memory_peak.to_string()),
                ("used_memory_peak_human", bytes_to_human(s.used_memory_peak)),
                ("used_memory_peak_perc", format!("{:.2}%", 100.0 * ratio(s.used_memory, s.used_memory_peak))),
                ("total_system_memory", s.total_system_memory.to_string()),
                ("total_system_memory_human", bytes_to_human(s.total_system_memory)),
                ("maxmemory", s.maxmemory.to_string()),
                ("maxmemory_human", bytes_to_human(s.maxmemory)),
                ("maxmemory_policy", s.maxmemory_policy.clone()),
                ("mem_fragmentation_ratio", format!("{:.2}", ratio(s.used_memory_rss, s.used_memory))),
                ("mem_fragmentation_bytes", (s.used_memory_rss as i64 - s.used_memory as i64).to_string()),
                ("mem_not_counted_for_evict", "0".into()),
                ("mem_replication_backlog", "0".into()),
                ("mem_clients_slaves", "0".into()),
                ("mem_clients_normal", "0".into()),
                ("mem_aof_buffer", "0".into()),
                ("mem_allocator", "libc".into()),
                ("active_defrag_running", "0".into()),
                (
                    "lazyfree_pending_objects",
                    crate::lazyfree::pending().to_string(),
                ),
                ("lazyfreed_objects", crate::lazyfree::freed().to_string()),
            ])
        }
        "persistence" => kv(&[
            ("loading", "0".into()),
            ("async_loading", "0".into()),
            ("rdb_changes_since_last_save", s.dirty.to_string()),
            ("rdb_bgsave_in_progress", "0".into()),
            ("rdb_last_save_time", s.last_save_unix.to_string()),
            ("rdb_last_bgsave_status", "ok".into()),
            ("rdb_last_bgsave_time_sec", "-1".into()),
            ("rdb_current_bgsave_time_sec", "-1".into()),
            ("rdb_saves", "0".into()),
            ("aof_enabled", u8::from(s.aof_enabled).to_string()),
            ("aof_rewrite_in_progress", "0".into()),
            ("aof_rewrite_scheduled", "0".into()),
            ("aof_last_rewrite_time_sec", "-1".into()),
            ("aof_current_rewrite_time_sec", "-1".into()),
            ("aof_last_bgrewrite_status", "ok".into()),
            ("aof_rewrites", s.aof_rewrites.to_string()),
            ("aof_last_write_status", "ok".into()),
        ]),
        "stats" => kv(&[
            ("total_connections_received", s.connections_received.to_string()),
            ("total_commands_processed", s.commands_processed.to_string()),
            ("instantaneous_ops_per_sec", "0".into()),
            ("total_net_input_bytes", s.net_input_bytes.to_string()),
            ("total_net_output_bytes", s.net_output_bytes.to_string()),
            ("total_net_repl_input_bytes", "0".into()),
            ("total_net_repl_output_bytes", "0".into()),
            ("instantaneous_input_kbps", "0.00".into()),
            ("instantaneous_output_kbps", "0.00".into()),
            ("rejected_connections", s.rejected_connections.to_string()),
            ("sync_full", "0".into()),
            ("sync_partial_ok", "0".into()),
            ("sync_partial_err", "0".into()),
            ("expired_keys", s.expired_keys.to_string()),
            ("expired_stale_perc", "0.00".into()),
            ("expired_time_cap_reached_count", "0".into()),
            ("evicted_keys", "0".into()),
            ("evicted_clients", "0".into()),
            ("keyspace_hits", s.keyspace_hits.to_string()),
            ("keyspace_misses", s.keyspace_misses.to_string()),
            ("pubsub_channels", "0".into()),
            ("pubsub_patterns", "0".into()),
            ("pubsubshard_channels", "0".into()),
            ("latest_fork_usec", "0".into()),
            ("total_forks", "0".into()),
            ("unexpected_error_replies", "0".into()),
            ("total_error_replies", s.error_replies.to_string()),
            ("client_output_buffer_limit_disconnections", s.output_limit_disconnections.to_string()),
        ]),
        "replication" => cluster::replication_lines(&s.group, &s.master_replid),
        "cpu" => kv(&[
            ("used_cpu_sys", format!("{:.6}", s.cpu.0)),
            ("used_cpu_user", format!("{:.6}", s.cpu.1)),
            ("used_cpu_sys_children", format!("{:.6}", s.cpu.2)),
            ("used_cpu_user_children", format!("{:.6}", s.cpu.3)),
        ]),
        "commandstats" => s
            .commandstats
            .iter()
            .map(|c| {
                let per_call = if c.calls == 0 { 0.0 } else { c.usec as f64 / c.calls as f64 };
                format!(
                    "cmdstat_{}:calls={},usec={},usec_per_call={:.2},rejected_calls={},failed_calls={}",
                    c.name, c.calls, c.usec, per_call, c.rejected, c.failed
                )
            })
            .collect(),
        "errorstats" => s.errorstats.iter().map(|(p, n)| format!("errorstat_{p}:count={n}")).collect(),
        "cluster" => vec![format!("cluster_enabled:{}", u8::from(s.group.cluster))],
        "keyspace" => s
            .keyspace
            .iter()
            .map(|d| format!("db{}:keys={},expires={},avg_ttl={}", d.index, d.keys, d.expires, d.avg_ttl))
            .collect(),
        "raft" => cluster::raft_lines(&s.group),
        _ => Vec::new(),
    }
}

/// A random 40-hex-digit replication id, fixed for the life of the process.
fn master_replid() -> &'static str {
    static ID: OnceLock<String> = OnceLock::new();
    ID.get_or_init(|| {
        (0..40)
            .map(|_| format!("{:x}", rand::random::<u8>() % 16))
            .collect()
    })
}

fn uname() -> String {
    // SAFETY: utsname is plain bytes; uname fills it and NUL-terminates each field.
    let mut u: libc::utsname = unsafe { std::mem::zeroed() };
    // SAFETY: `u` is a valid, writable utsname.
    if unsafe { libc::uname(&mut u) } != 0 {
        return String::new();
    }
    let field = |f: &[libc::c_char]| {
        let bytes: Vec<u8> = f
            .iter()
            .take_while(|&&c| c != 0)
            .map(|&c| c as u8)
            .collect();
        String::from_utf8_lossy(&bytes).into_owned()
    };
    format!(
        "{} {} {}",
        field(&u.sysname),
        field(&u.release),
        field(&u.machine)
    )
}

fn rusage(who: libc::c_int) -> (f64, f64) {
    // SAFETY: rusage is plain data; getrusage fills it.
    let mut r: libc::rusage = unsafe { std::mem::zeroed() };
    // SAFETY: `r` is a valid, writable rusage.
    if unsafe { libc::getrusage(who, &mut r) } != 0 {
        return (0.0, 0.0);
    }
    let secs = |t: libc::timeval| t.tv_sec as f64 + t.tv_usec as f64 / 1e6;
    (secs(r.ru_stime), secs(r.ru_utime))
}

fn total_system_memory() -> u64 {
    // SAFETY: sysconf has no preconditions.
    let (pages, size) = unsafe {
        (
            libc::sysconf(libc::_SC_PHYS_PAGES),
            libc::sysconf(libc::_SC_PAGESIZE),
        )
    };
    if pages <= 0 || size <= 0 {
        0
    } else {
        pages as u64 * size as u64
    }
}

/// Unix seconds at which the server started.
fn start_unix_secs(server: &ServerState) -> u64 {
    (unix_ms().saturating_sub(server.started.elapsed().as_millis() as u64)) / 1000
}

fn collect_cmdstats(c: &Command, out: &mut Vec<CmdStat>) {
    let st = &c.stats;
    let row = CmdStat {
        name: c.fullname.clone(),
        calls: st.calls.load(Ordering::Relaxed),
        usec: st.usec.load(Ordering::Relaxed),
        rejected: st.rejected.load(Ordering::Relaxed),
        failed: st.failed.load(Ordering::Relaxed),
    };
    if row.calls + row.rejected + row.failed > 0 {
        out.push(row);
    }
    for sub in c.subs.values() {
        collect_cmdstats(sub, out);
    }
}

/// Reads everything the selected `sections` need from the server.
pub fn gather(server: &ServerState, sections: Sections) -> InfoSnapshot {
    let now_ms = unix_ms();
    let (hz, maxclients, maxmemory, maxmemory_policy) = {
        let config = server.config.read();
        (
            config.int("hz"),
            config.int("maxclients"),
            config.int("maxmemory") as u64,
            config.get("maxmemory-policy").to_string(),
        )
    };
    let stats = &server.stats;
    let mut s = InfoSnapshot {
        process_id: std::process::id(),
        run_id: server.run_id.clone(),
        tcp_port: server.port.load(Ordering::Relaxed),
        server_time_usec: unix_us(),
        uptime_secs: server.started.elapsed().as_secs(),
        hz,
        executable: server.executable.clone(),
        config_file: server
            .config_file
            .as_ref()
            .map(|p| p.display().to_string())
            .unwrap_or_default(),
        connected_clients: server.clients.count(),
        blocked_clients: server.shard.waiters.blocked_clients(),
        maxclients,
        maxmemory,
        maxmemory_policy,
        last_save_unix: start_unix_secs(server),
        connections_received: stats.connections_received.load(Ordering::Relaxed),
        commands_processed: stats.commands_processed.load(Ordering::Relaxed),
        net_input_bytes: stats.net_input_bytes.load(Ordering::Relaxed),
        net_output_bytes: stats.net_output_bytes.load(Ordering::Relaxed),
        rejected_connections: stats.rejected_connections.load(Ordering::Relaxed),
        error_replies: stats.error_replies.load(Ordering::Relaxed),
        output_limit_disconnections: stats.output_limit_disconnections.load(Ordering::Relaxed),
        master_replid: master_replid().to_string(),
        aof_enabled: {
            let c = server.config.read();
            c.flag("appendonly") || c.flag("cluster-enabled")
        },
        aof_rewrites: server
            .replica
            .get()
            .map_or(0, |r| r.group.status().detail().snapshots_made),
        // Before the group starts (never, for a client) INFO shows a standalone master.
        group: server
            .replica
            .get()
            .map(GroupView::gather)
            .unwrap_or_default(),
        ..InfoSnapshot::default()
    };
    if sections.has("server") {
        s.os = uname();
    }
    if sections.has("clients") {
        for c in server.clients.snapshot() {
            s.max_input_buffer = s.max_input_buffer.max(c.qbuf.load(Ordering::Relaxed));
            s.max_output_buffer = s.max_output_buffer.max(c.omem.load(Ordering::Relaxed));
        }
    }
    if sections.has("memory") {
        s.used_memory = crate::alloc::used_memory() as u64;
        s.used_memory_peak = crate::alloc::peak_memory() as u64;
        s.used_memory_rss = crate::alloc::rss() as u64;
        s.total_system_memory = total_system_memory();
    }
    if sections.has("cpu") {
        let (sys, user) = rusage(libc::RUSAGE_SELF);
        let (csys, cuser) = rusage(libc::RUSAGE_CHILDREN);
        s.cpu = (sys, user, csys, cuser);
    }
    if sections.has("errorstats") {
        let mut errors: Vec<(String, u64)> = stats
            .errors_by_prefix
            .lock()
            .iter()
            .map(|(k, v)| (k.clone(), *v))
            .collect();
        errors.sort();
        s.errorstats = errors;
    }
    if sections.has("commandstats") {
        for c in table().iter() {
            collect_cmdstats(c, &mut s.commandstats);
        }
        s.commandstats.sort_by(|a, b| a.name.cmp(&b.name));
    }
    let want_keyspace = sections.has("keyspace");
    server.shard.with(|st| {
        s.dirty = st.stats.dirty;
        s.expired_keys = st.stats.expired_keys;
        s.keyspace_hits = st.stats.hits;
        s.keyspace_misses = st.stats.misses;
        if want_keyspace {
            for (index, db) in st.keyspace.dbs().enumerate() {
                if db.is_empty() {
                    continue;
                }
                let (sum, n) = db.ttl_sum(now_ms, AVG_TTL_SAMPLE);
                let avg_ttl = sum.checked_div(n).unwrap_or(0);
                s.keyspace.push(DbStat {
                    index,
                    keys: db.len(),
                    expires: db.volatile_len(),
                    avg_ttl,
                });
            }
        }
    });
    s
}

/// Volatile keys sampled for `avg_ttl` (Redis estimates it from active-expiry samples too).
const AVG_TTL_SAMPLE: usize = 1000;

fn info(session: &mut Session, argv: &[Bytes]) -> Frame {
    let sections = Sections::parse(&argv[1..]);
    let text = render_info(&gather(&session.server, sections), sections);
    verbatim(session, text)
}

/// A text reply: RESP3 verbatim `txt`, RESP2 bulk string.
fn verbatim(session: &Session, text: String) -> Frame {
    match session.resp {
        Version::Resp3 => Frame::Verbatim {
            format: *b"txt",
            text: Bytes::from(text),
        },
        Version::Resp2 => Frame::Bulk(Bytes::from(text)),
    }
}

// ---------------------------------------------------------------------------------------------
// CONFIG
// ---------------------------------------------------------------------------------------------

fn config_get(session: &mut Session, argv: &[Bytes]) -> Frame {
    let config = session.server.config.read();
    let mut seen: Vec<&'static str> = Vec::new();
    let mut pairs = Vec::new();
    for pattern in &argv[2..] {
        for (name, value) in config.matching(pattern) {
            if !seen.contains(&name) {
                seen.push(name);
                pairs.push((
                    Frame::bulk_from(name.as_bytes()),
                    Frame::bulk_from(value.as_bytes()),
                ));
            }
        }
    }
    Frame::Map(pairs)
}

/// Applies CONFIG SET's `name value` pairs to a copy of `config`, all or nothing, with Redis's
/// checks in Redis's order (unknown names and duplicates before any value is validated).
///
/// # Errors
/// The full error reply text.
pub fn config_set_pairs(config: &Config, args: &[Bytes]) -> Result<Config, String> {
    if args.is_empty() || !args.len().is_multiple_of(2) {
        return Err(error::SYNTAX.to_string());
    }
    let text = |b: &Bytes| String::from_utf8_lossy(b).into_owned();
    let failed = |arg: &str, why: &str| error::config_set_failed(arg, why);
    let mut names: Vec<&'static str> = Vec::new();
    for pair in args.chunks(2) {
        let arg = text(&pair[0]);
        let Some(param) = config::param(&arg) else {
            return Err(error::config_set_unknown(&arg));
        };
        if !param.mutable {
            return Err(failed(&arg, "can't set immutable config"));
        }
        if names.contains(&param.name) {
            return Err(failed(&arg, "duplicate parameter"));
        }
        names.push(param.name);
    }
    let mut next = config.clone();
    for pair in args.chunks(2) {
        let arg = text(&pair[0]);
        next.set_runtime(&arg, &text(&pair[1]))
            .map_err(|why| failed(&arg, &why))?;
    }
    Ok(next)
}

fn config_set(session: &mut Session, argv: &[Bytes]) -> Frame {
    let server = &session.server;
    let mut config = server.config.write();
    match config_set_pairs(&config, &argv[2..]) {
        Ok(next) => {
            *config = next;
            server.hot.load(&config);
            Frame::ok()
        }
        Err(e) => Frame::error(error::sanitize(e)),
    }
}

fn config_resetstat(session: &mut Session, _argv: &[Bytes]) -> Frame {
    reset_stats(&session.server);
    Frame::ok()
}

/// CONFIG RESETSTAT: the counters INFO stats, commandstats and errorstats report.
pub fn reset_stats(server: &ServerState) {
    server.stats.reset();
    server.shard.with(|st| {
        st.stats.hits = 0;
        st.stats.misses = 0;
        st.stats.expired_keys = 0;
    });
    fn reset(c: &Command) {
        for counter in [
            &c.stats.calls,
            &c.stats.usec,
            &c.stats.rejected,
            &c.stats.failed,
        ] {
            counter.store(0, Ordering::Relaxed);
        }
        c.subs.values().for_each(reset);
    }
    table().iter().for_each(reset);
}

/// Quotes a config value for redis.conf when it needs it (empty, spaces, quotes, control chars).
fn quote_config_word(v: &str) -> String {
    let plain = !v.is_empty()
        && v.chars()
            .all(|c| c.is_ascii_graphic() && c != '"' && c != '\'' && c != '\\');
    if plain {
        return v.to_string();
    }
    let mut out = String::from("\"");
    for c in v.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

fn config_line(name: &str, value: &str) -> String {
    let kind = config::param(name).map(|p| p.kind);
    let rendered = match kind {
        Some(Kind::List) if !value.is_empty() => value.to_string(),
        _ => quote_config_word(value),
    };
    format!("{name} {rendered}")
}

/// The new text of the config file for CONFIG REWRITE: lines of known parameters are rewritten in
/// place with their current value (later duplicates dropped), comments and unknown lines are
/// kept, and parameters that differ from their default but were absent are appended.
pub fn rewrite_config_text(existing: &str, config: &Config) -> String {
    const MARK: &str = "# Generated by CONFIG REWRITE";
    let mut out = Vec::new();
    let mut written: Vec<&'static str> = Vec::new();
    for line in existing.lines() {
        let name = config::split_config_line(line.trim())
            .and_then(|words| words.first().cloned())
            .filter(|w| !w.starts_with('#'))
            .and_then(|w| config::param(&w));
        match name {
            Some(p) if written.contains(&p.name) => {}
            Some(p) => {
                written.push(p.name);
                out.push(config_line(p.name, config.get(p.name)));
            }
            None => out.push(line.to_string()),
        }
    }
    let extra: Vec<String> = config::PARAMS
        .iter()
        .filter(|p| !written.contains(&p.name) && config.get(p.name) != p.default)
        .map(|p| config_line(p.name, config.get(p.name)))
        .collect();
    if !extra.is_empty() && !out.iter().any(|l| l.trim() == MARK) {
        while out.last().is_some_and(|l: &String| l.trim().is_empty()) {
            out.pop();
        }
        if !out.is_empty() {
            out.push(String::new());
        }
        out.push(MARK.to_string());
        out.extend(extra);
    }
    let mut text = out.join("\n");
    text.push('\n');
    text
}

fn config_rewrite(session: &mut Session, _argv: &[Bytes]) -> Frame {
    let Some(path) = session.server.config_file.clone() else {
        return Frame::error(error::NO_CONFIG_FILE);
    };
    let text = {
        let config = session.server.config.read();
        let existing = std::fs::read_to_string(&path).unwrap_or_default();
        rewrite_config_text(&existing, &config)
    };
    // Write a sibling temp file and rename it over the original, so a crash never leaves a
    // half-written config.
    let tmp = path.with_extension(format!("tmp-{}", std::process::id()));
    let result = std::fs::write(&tmp, text).and_then(|()| std::fs::rename(&tmp, &path));
    match result {
        Ok(()) => {
            tracing::info!("CONFIG REWRITE executed with success.");
            Frame::ok()
        }
        Err(e) => {
            let _ = std::fs::remove_file(&tmp);
            tracing::warn!("CONFIG REWRITE failed: {e}");
            Frame::error(error::sanitize(format!("ERR Rewriting config file: {e}")))
        }
    }
}

fn config_help(_session: &mut Session, _argv: &[Bytes]) -> Frame {
    help_reply(
        "CONFIG",
        &[
            "GET <pattern>",
            "    Return parameters matching the glob-like <pattern> and their values.",
            "SET <directive> <value>",
            "    Set the configuration <directive> to <value>.",
            "RESETSTAT",
            "    Reset statistics reported by the INFO command.",
            "REWRITE",
            "    Rewrite the configuration file.",
        ],
    )
}

// ---------------------------------------------------------------------------------------------
// TIME, LASTSAVE, SHUTDOWN
// ---------------------------------------------------------------------------------------------

fn time(_session: &mut Session, _argv: &[Bytes]) -> Frame {
    let us = unix_us();
    Frame::Array(vec![
        Frame::Bulk(Bytes::from((us / 1_000_000).to_string())),
        Frame::Bulk(Bytes::from((us % 1_000_000).to_string())),
    ])
}

fn lastsave(session: &mut Session, _argv: &[Bytes]) -> Frame {
    Frame::Integer(start_unix_secs(&session.server) as i64)
}

/// SHUTDOWN's options.
#[derive(Debug, Default, PartialEq, Eq)]
struct ShutdownOptions {
    nosave: bool,
    save: bool,
    now: bool,
    force: bool,
    abort: bool,
}

fn parse_shutdown(args: &[Bytes]) -> Result<ShutdownOptions, Frame> {
    let mut o = ShutdownOptions::default();
    for a in args {
        let flag = match () {
            _ if is(a, "nosave") => &mut o.nosave,
            _ if is(a, "save") => &mut o.save,
            _ if is(a, "now") => &mut o.now,
            _ if is(a, "force") => &mut o.force,
            _ if is(a, "abort") => &mut o.abort,
            _ => return Err(Frame::error(error::SYNTAX)),
        };
        *flag = true;
    }
    if (o.nosave && o.save) || (o.abort && (o.nosave || o.save || o.now || o.force)) {
        return Err(Frame::error(error::SYNTAX));
    }
    Ok(o)
}

fn shutdown(session: &mut Session, argv: &[Bytes]) -> Frame {
    let o = match parse_shutdown(&argv[1..]) {
        Ok(o) => o,
        Err(e) => return e,
    };
    if o.abort {
        return Frame::error(error::NO_SHUTDOWN_IN_PROGRESS);
    }
    if o.save {
        // There is nothing to save: redraft has no persistence yet (docs/compatibility.md).
        tracing::warn!(
            "SHUTDOWN SAVE requested, but this server has no persistence: nothing saved"
        );
    }
    tracing::warn!("User requested shutdown...");
    session.action = Some(Action::Shutdown);
    Frame::ok()
}

// ---------------------------------------------------------------------------------------------
// DEBUG
// ---------------------------------------------------------------------------------------------

fn debug(session: &mut Session, argv: &[Bytes]) -> Frame {
    let sub = &argv[1];
    match argv.len() {
        2 if is(sub, "help") => debug_help(),
        // A status reply, as Redis sends it: 40 hex digits, all zeros for an empty keyspace.
        2 if is(sub, "digest") => Frame::Simple(Bytes::from(
            session
                .server
                .shard
                .with(|st| crate::snapshot::digest_hex(&st.keyspace)),
        )),
        3 if is(sub, "sleep") => {
            // Redis reads the delay with strtod: garbage is 0 seconds.
            let secs = parse_f64(&argv[2]).unwrap_or(0.0);
            if secs > 0.0 {
                // Longer than Duration can hold: sleep "forever", as Redis would.
                let d = Duration::try_from_secs_f64(secs).unwrap_or(Duration::MAX);
                session.action = Some(Action::Sleep(d));
            }
            Frame::ok()
        }
        3 if is(sub, "object") => debug_object(session, &argv[2]),
        3 if is(sub, "protocol") => debug_protocol(&argv[2]),
        _ => Frame::error(error::debug_unknown_subcommand(sub)),
    }
}

fn debug_help() -> Frame {
    help_reply(
        "DEBUG",
        &[
            "DIGEST",
            "    Output a hex signature representing the current DB content.",
            "OBJECT <key>",
            "    Show low level info about `key` and associated value.",
            "PROTOCOL <type>",
            "    Reply with a test value of the specified type. <type> can be: string,",
            "    integer, double, bignum, null, array, set, map, attrib, verbatim,",
            "    true, false.",
            "SLEEP <seconds>",
            "    Stop the server for <seconds>. Decimals allowed.",
        ],
    )
}

/// Length of a string in Redis's RDB encoding, without LZF compression (DEBUG OBJECT's
/// `serializedlength`; Redis compresses values over 20 bytes, so it reports less for those).
pub fn rdb_string_len(bytes: &[u8]) -> usize {
    if bytes.len() <= 11 {
        if let Some(v) = parse_i64(bytes) {
            if i8::try_from(v).is_ok() {
                return 2;
            }
            if i16::try_from(v).is_ok() {
                return 3;
            }
            if i32::try_from(v).is_ok() {
                return 5;
            }
        }
    }
    let n = bytes.len();
    let prefix = match n {
        0..=63 => 1,
        64..=16383 => 2,
        _ if n <= u32::MAX as usize => 5,
        _ => 9,
    };
    prefix + n
}

fn debug_object(session: &mut Session, key: &[u8]) -> Frame {
    let (db, now) = (session.db, unix_ms());
    session.server.shard.with(|st| {
        let d = st.keyspace.db(db);
        let Some(slot) = d.find(key).filter(|&slot| !d.is_expired(slot, now)) else {
            return Frame::error(error::NO_SUCH_KEY);
        };
        let e = d.entry(slot);
        let bytes = e.value.as_string().unwrap_or_default();
        let lru = e.lru & 0xFF_FFFF;
        let idle = ((now / 1000) as u32 & 0xFF_FFFF).wrapping_sub(lru) & 0xFF_FFFF;
        Frame::Simple(Bytes::from(format!(
            "Value at:{:p} refcount:1 encoding:{} serializedlength:{} lru:{} lru_seconds_idle:{}",
            &e.value as *const _,
            e.value.encoding(),
            rdb_string_len(bytes),
            lru,
            idle
        )))
    })
}

fn debug_protocol(kind: &[u8]) -> Frame {
    let kind = String::from_utf8_lossy(kind).to_ascii_lowercase();
    let ints = || (0..3).map(Frame::Integer).collect::<Vec<_>>();
    match kind.as_str() {
        "string" => Frame::Bulk(Bytes::from_static(b"Hello World")),
        "integer" => Frame::Integer(12345),
        // The value DEBUG PROTOCOL sends, not an approximation of pi.
        #[allow(clippy::approx_constant)]
        "double" => Frame::Double(3.141),
        "bignum" => Frame::BigNumber(Bytes::from_static(b"1234567999999999999999999999999999999")),
        "null" => Frame::Null,
        "array" => Frame::Array(ints()),
        "set" => Frame::Set(ints()),
        "map" => Frame::Map(
            (0..3)
                .map(|i| (Frame::Integer(i), Frame::Boolean(i == 1)))
                .collect(),
        ),
        "attrib" => Frame::Attribute {
            attrs: vec![(
                Frame::Bulk(Bytes::from_static(b"key-popularity")),
                Frame::Array(vec![
                    Frame::Bulk(Bytes::from_static(b"key:123")),
                    Frame::Integer(90),
                ]),
            )],
            frame: Box::new(Frame::Bulk(Bytes::from_static(
                b"Some real reply following the attribute",
            ))),
        },
        "verbatim" => Frame::Verbatim {
            format: *b"txt",
            text: Bytes::from_static(b"This is a verbatim\nstring"),
        },
        "true" => Frame::Boolean(true),
        "false" => Frame::Boolean(false),
        _ => Frame::error(error::DEBUG_PROTOCOL_TYPE),
    }
}

// ---------------------------------------------------------------------------------------------
// MEMORY
// ---------------------------------------------------------------------------------------------

/// Per-key share of the index: a 4-byte slot number plus a control byte in a table kept at most
/// 7/8 full, rounded up.
const INDEX_BYTES_PER_KEY: usize = 8;

/// MEMORY USAGE's estimate for one entry: the entry itself, what its key and value own on the
/// heap, and its share of the index.
pub fn entry_memory(e: &Entry) -> usize {
    std::mem::size_of::<Entry>() + e.key.heap_size() + e.value.heap_size() + INDEX_BYTES_PER_KEY
}

fn memory_usage(ctx: &mut Ctx<'_>, argv: &[Bytes]) -> Frame {
    // `[SAMPLES count]`: parsed and checked like Redis; strings have nothing to sample.
    let mut j = 3;
    while j < argv.len() {
        if is(&argv[j], "samples") && j + 1 < argv.len() {
            match parse_i64(&argv[j + 1]) {
                Some(n) if n >= 0 => {}
                Some(_) => return Frame::error(error::SYNTAX),
                None => return Frame::error(error::NOT_INTEGER),
            }
            j += 2;
        } else {
            return Frame::error(error::SYNTAX);
        }
    }
    match ctx.find(&argv[2]) {
        Some(slot) => Frame::Integer(entry_memory(ctx.db().entry(slot)) as i64),
        None => Frame::Null,
    }
}

fn memory_purge(_session: &mut Session, _argv: &[Bytes]) -> Frame {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    {
        // SAFETY: malloc_trim has no preconditions; it only returns free memory to the OS.
        unsafe { libc::malloc_trim(0) };
    }
    Frame::ok()
}

fn memory_malloc_stats(_session: &mut Session, _argv: &[Bytes]) -> Frame {
    Frame::Bulk(Bytes::from_static(
        b"Stats not supported for the current allocator",
    ))
}

fn memory_help(_session: &mut Session, _argv: &[Bytes]) -> Frame {
    help_reply(
        "MEMORY",
        &[
            "MALLOC-STATS",
            "    Return internal statistics report from the memory allocator.",
            "PURGE",
            "    Attempt to purge dirty pages for reclamation by the allocator.",
            "USAGE <key> [SAMPLES <count>]",
            "    Return memory in bytes used by <key> and its value. Nested values are",
            "    sampled up to <count> times (default: 5, 0 means sample all).",
        ],
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    use crate::cmd::test_argv as args;

    fn snapshot() -> InfoSnapshot {
        InfoSnapshot {
            os: "Linux 6.1 x86_64".into(),
            process_id: 42,
            run_id: "a".repeat(40),
            tcp_port: 6379,
            server_time_usec: 1_700_000_000_123_456,
            uptime_secs: 2 * 86400 + 5,
            hz: 10,
            used_memory: 990_520,
            used_memory_rss: 7_110_656,
            used_memory_peak: 990_520,
            maxmemory_policy: "noeviction".into(),
            dirty: 2,
            keyspace_hits: 3,
            errorstats: vec![("ERR".into(), 1), ("WRONGTYPE".into(), 2)],
            commandstats: vec![CmdStat {
                name: "client|list".into(),
                calls: 3,
                usec: 10,
                rejected: 0,
                failed: 1,
            }],
            keyspace: vec![DbStat {
                index: 0,
                keys: 2,
                expires: 1,
                avg_ttl: 96849,
            }],
            ..InfoSnapshot::default()
        }
    }

    #[test]
    fn sections_parse_like_redis() {
        assert_eq!(Sections::parse(&[]), Sections::default_set());
        assert_eq!(
            Sections::parse(&args(&["default"])),
            Sections::default_set()
        );
        assert_eq!(Sections::parse(&args(&["ALL"])), Sections::all());
        assert_eq!(Sections::parse(&args(&["everything"])), Sections::all());
        assert!(!Sections::default_set().has("commandstats"));
        let s = Sections::parse(&args(&["Keyspace", "nosuch", "cpu"]));
        assert!(s.has("keyspace") && s.has("cpu") && !s.has("server"));
        assert_eq!(
            render_info(&snapshot(), Sections::parse(&args(&["nosuch"]))),
            ""
        );
    }

    #[test]
    fn sections_are_crlf_lines_separated_by_a_blank_line() {
        let text = render_info(
            &snapshot(),
            Sections::parse(&args(&["keyspace", "errorstats", "cluster"])),
        );
        assert_eq!(
            text,
            "# Errorstats\r\nerrorstat_ERR:count=1\r\nerrorstat_WRONGTYPE:count=2\r\n\r\n\
             # Cluster\r\ncluster_enabled:0\r\n\r\n\
             # Keyspace\r\ndb0:keys=2,expires=1,avg_ttl=96849\r\n"
        );
        assert_eq!(
            render_info(&snapshot(), Sections::parse(&args(&["modules"]))),
            "# Modules\r\n"
        );
    }

    #[test]
    fn default_sections_come_in_redis_order() {
        let text = render_info(&snapshot(), Sections::default_set());
        let headers: Vec<&str> = text.lines().filter(|l| l.starts_with('#')).collect();
        assert_eq!(
            headers,
            [
                "# Server",
                "# Clients",
                "# Memory",
                "# Persistence",
                "# Stats",
                "# Replication",
                "# CPU",
                "# Modules",
                "# Errorstats",
                "# Cluster",
                "# Keyspace"
            ]
        );
        for needle in [
            "redis_version:7.0.15\r\n",
            "redis_mode:standalone\r\n",
            "os:Linux 6.1 x86_64\r\n",
            "uptime_in_days:2\r\n",
            "used_memory_human:967.30K\r\n",
            "used_memory_rss_human:6.78M\r\n",
            "mem_fragmentation_ratio:7.18\r\n",
            "maxmemory_human:0B\r\n",
            "rdb_changes_since_last_save:2\r\n",
            "keyspace_hits:3\r\n",
            "role:master\r\n",
            "used_cpu_sys:0.000000\r\n",
        ] {
            assert!(text.contains(needle), "missing {needle:?}");
        }
        // Every non-header, non-blank line is `name:value`.
        assert!(text
            .split("\r\n")
            .all(|l| l.is_empty() || l.starts_with("# ") || l.contains(':')));
    }

    #[test]
    fn raft_section_only_on_request_and_cluster_mode_shows() {
        assert!(!Sections::default_set().has("raft"));
        assert!(Sections::all().has("raft"));
        let text = render_info(&snapshot(), Sections::parse(&args(&["RAFT"])));
        assert!(text.starts_with("# Raft\r\nraft_node_id:0\r\n"), "{text}");
        let mut s = snapshot();
        s.group.cluster = true;
        let text = render_info(&s, Sections::parse(&args(&["server", "cluster"])));
        assert!(text.contains("redis_mode:cluster\r\n"), "{text}");
        assert!(
            text.ends_with("# Cluster\r\ncluster_enabled:1\r\n"),
            "{text}"
        );
    }

    #[test]
    fn commandstats_rows_match_redis() {
        let text = render_info(&snapshot(), Sections::parse(&args(&["commandstats"])));
        assert_eq!(
            text,
            "# Commandstats\r\ncmdstat_client|list:calls=3,usec=10,usec_per_call=3.33,rejected_calls=0,failed_calls=1\r\n"
        );
    }

    #[test]
    fn human_bytes() {
        assert_eq!(bytes_to_human(0), "0B");
        assert_eq!(bytes_to_human(1023), "1023B");
        assert_eq!(bytes_to_human(1024), "1.00K");
        assert_eq!(bytes_to_human(25_276_510_208), "23.54G");
    }

    #[test]
    fn config_set_checks_in_redis_order() {
        let c = Config::default();
        let err = |words: &[&str]| config_set_pairs(&c, &args(words)).err().unwrap();
        assert_eq!(
            err(&["foo", "1"]),
            "ERR Unknown option or number of arguments for CONFIG SET - 'foo'"
        );
        assert_eq!(err(&["maxclients", "1", "timeout"]), "ERR syntax error");
        assert_eq!(
            err(&["maxclients", "abc"]),
            "ERR CONFIG SET failed (possibly related to argument 'maxclients') - argument couldn't be parsed into an integer"
        );
        assert_eq!(
            err(&["maxclients", "1", "MAXCLIENTS", "2"]),
            "ERR CONFIG SET failed (possibly related to argument 'MAXCLIENTS') - duplicate parameter"
        );
        assert_eq!(
            err(&["databases", "3"]),
            "ERR CONFIG SET failed (possibly related to argument 'databases') - can't set immutable config"
        );
        // All or nothing: a later bad value leaves the earlier one unapplied.
        assert!(config_set_pairs(&c, &args(&["timeout", "5", "maxclients", "x"])).is_err());
        let next = config_set_pairs(&c, &args(&["timeout", "5", "maxmemory", "1mb"])).unwrap();
        assert_eq!(
            (next.get("timeout"), next.get("maxmemory")),
            ("5", "1048576")
        );
    }

    #[test]
    fn rewrite_keeps_comments_and_updates_in_place() {
        let mut c = Config::default();
        c.set_runtime("timeout", "30").unwrap();
        c.set_runtime("requirepass", "a b").unwrap();
        c.set_runtime("save", "").unwrap();
        let old = "# my config\nport 7000\ntimeout 0\nunknown-thing yes\ntimeout 5\n";
        let mut c2 = c.clone();
        c2.set_args("port", &["7000".to_string()]).unwrap();
        let text = rewrite_config_text(old, &c2);
        assert_eq!(
            text,
            "# my config\nport 7000\ntimeout 30\nunknown-thing yes\n\n# Generated by CONFIG REWRITE\nrequirepass \"a b\"\nsave \"\"\n"
        );
        // The rewritten file parses back to the same values, and rewriting again is stable.
        let mut back = Config::default();
        back.apply_text(&text.replace("unknown-thing yes\n", ""))
            .unwrap();
        assert_eq!(back.get("requirepass"), "a b");
        assert_eq!(back.get("save"), "");
        assert_eq!(back.get("timeout"), "30");
        assert_eq!(rewrite_config_text(&text, &c2), text);
    }

    #[test]
    fn shutdown_options() {
        assert_eq!(
            parse_shutdown(&args(&["nosave", "now"])).unwrap(),
            ShutdownOptions {
                nosave: true,
                now: true,
                ..Default::default()
            }
        );
        assert!(parse_shutdown(&args(&["nosave", "save"])).is_err());
        assert!(parse_shutdown(&args(&["abort", "now"])).is_err());
        assert!(parse_shutdown(&args(&["foo"])).is_err());
    }

    #[test]
    fn rdb_lengths() {
        assert_eq!(rdb_string_len(b"bar"), 4);
        assert_eq!(rdb_string_len(b"123"), 2);
        assert_eq!(rdb_string_len(b"1234"), 3);
        assert_eq!(rdb_string_len(b"123456"), 5);
        assert_eq!(rdb_string_len(&[b'a'; 100]), 102);
    }

    #[test]
    fn small_string_usage_matches_redis() {
        let mut db = crate::keyspace::Db::default();
        let slot = db.insert_new(
            crate::compact::CompactBytes::new(b"foo"),
            crate::value::Value::string(b"bar"),
            0,
        );
        assert_eq!(
            entry_memory(db.entry(slot)),
            64,
            "redis-server 7.0 reports 64 for foo=bar"
        );
    }
}
