//! Server-wide state shared by every connection: configuration, the shard, the client registry
//! and the counters INFO reports.
//!
//! Locks: `config` is a `parking_lot::RwLock` (read on rare paths: AUTH, CONFIG, INFO, accept);
//! the hot values connections need per batch are mirrored into atomics in [`Hot`]. The client
//! registry is a sync `Mutex` held only to insert, remove or snapshot.

use parking_lot::{Mutex, RwLock};
use std::collections::{BTreeMap, HashMap};
use std::net::SocketAddr;
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicU8, AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Instant, SystemTime, UNIX_EPOCH};
use tokio_util::sync::CancellationToken;

use crate::config::Config;
use crate::shard::Shard;

/// Current unix time in milliseconds.
pub fn unix_ms() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as u64)
}

/// Current unix time in microseconds.
pub fn unix_us() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_micros() as u64)
}

/// Configuration values read on every batch, mirrored from [`Config`] on change.
#[derive(Default)]
pub struct Hot {
    /// `timeout` in seconds (0 = never).
    pub timeout_secs: AtomicU64,
    /// `proto-max-bulk-len`.
    pub max_bulk_len: AtomicUsize,
    /// `client-query-buffer-limit`.
    pub query_buffer_limit: AtomicUsize,
    /// `client-output-buffer-limit` for normal clients: hard bytes (0 = none). The soft limit
    /// is not enforced yet (docs/compatibility.md).
    pub output_hard_limit: AtomicUsize,
    /// `maxclients`.
    pub maxclients: AtomicUsize,
    /// True when `requirepass` is set.
    pub auth_required: AtomicBool,
    /// Encoding thresholds (`hash-max-listpack-entries`…), copied into every proposal.
    pub limits: parking_lot::Mutex<crate::types::Limits>,
}

impl Hot {
    /// Refreshes the mirror from `config`.
    pub fn load(&self, config: &Config) {
        self.timeout_secs
            .store(config.int("timeout") as u64, Ordering::Relaxed);
        self.max_bulk_len
            .store(config.int("proto-max-bulk-len") as usize, Ordering::Relaxed);
        self.query_buffer_limit.store(
            config.int("client-query-buffer-limit") as usize,
            Ordering::Relaxed,
        );
        self.maxclients
            .store(config.int("maxclients") as usize, Ordering::Relaxed);
        self.auth_required
            .store(!config.get("requirepass").is_empty(), Ordering::Relaxed);
        let limit = |name: &str| config.int(name).clamp(0, u32::MAX as i64) as u32;
        *self.limits.lock() = crate::types::Limits {
            hash_max_listpack_entries: limit("hash-max-listpack-entries"),
            hash_max_listpack_value: limit("hash-max-listpack-value"),
            set_max_intset_entries: limit("set-max-intset-entries"),
            zset_max_listpack_entries: limit("zset-max-listpack-entries"),
            zset_max_listpack_value: limit("zset-max-listpack-value"),
            stream_node_max_entries: limit("stream-node-max-entries"),
            stream_node_max_bytes: limit("stream-node-max-bytes"),
        };
        let limits: Vec<&str> = config
            .get("client-output-buffer-limit")
            .split_whitespace()
            .collect();
        for class in limits.chunks(4) {
            if let ["normal", hard, _soft, _secs] = class {
                let hard = crate::config::parse_memory(hard).unwrap_or(0) as usize;
                self.output_hard_limit.store(hard, Ordering::Relaxed);
            }
        }
    }
}

/// Counters for INFO stats.
#[derive(Default)]
pub struct Stats {
    /// Accepted connections.
    pub connections_received: AtomicU64,
    /// Connections refused by maxclients.
    pub rejected_connections: AtomicU64,
    /// Commands executed.
    pub commands_processed: AtomicU64,
    /// Bytes read from clients.
    pub net_input_bytes: AtomicU64,
    /// Bytes written to clients.
    pub net_output_bytes: AtomicU64,
    /// Error replies sent.
    pub error_replies: AtomicU64,
    /// Error replies by their first word (`ERR`, `WRONGTYPE`…).
    pub errors_by_prefix: Mutex<HashMap<String, u64>>,
    /// Clients closed by the output buffer limit.
    pub output_limit_disconnections: AtomicU64,
    /// Active expiry cycles run.
    pub expire_cycles: AtomicU64,
}

/// One connected client, as CLIENT LIST sees it. Owned by its connection task; others read it.
pub struct ClientHandle {
    /// CLIENT ID.
    pub id: u64,
    /// Peer address.
    pub addr: SocketAddr,
    /// Local address.
    pub laddr: SocketAddr,
    /// Socket descriptor.
    pub fd: i32,
    /// When it connected.
    pub created: Instant,
    /// CLIENT SETNAME.
    pub name: Mutex<Option<String>>,
    /// CLIENT SETINFO LIB-NAME / LIB-VER.
    pub lib: Mutex<(String, String)>,
    /// Selected database.
    pub db: AtomicUsize,
    /// Protocol version (2 or 3).
    pub resp: AtomicU8,
    /// Last command's full name.
    pub last_cmd: Mutex<&'static str>,
    /// Milliseconds since `created` of the last interaction.
    pub last_active_ms: AtomicU64,
    /// Bytes waiting in the query buffer.
    pub qbuf: AtomicUsize,
    /// Bytes waiting in the output buffer.
    pub omem: AtomicUsize,
    /// Authenticated.
    pub authenticated: AtomicBool,
    /// Flags string pieces: no-evict, no-touch.
    pub no_evict: AtomicBool,
    /// See `no_evict`.
    pub no_touch: AtomicBool,
    /// Asleep in a blocking command (CLIENT LIST flag `b`).
    pub blocked: AtomicBool,
    /// Cancelled by CLIENT KILL or shutdown.
    pub cancel: CancellationToken,
}

impl ClientHandle {
    /// Seconds since the last interaction.
    pub fn idle_secs(&self) -> u64 {
        let now = self.created.elapsed().as_millis() as u64;
        now.saturating_sub(self.last_active_ms.load(Ordering::Relaxed)) / 1000
    }

    /// The CLIENT LIST / CLIENT INFO line for this client.
    pub fn info_line(&self) -> String {
        let name = self.name.lock().clone().unwrap_or_default();
        let (lib_name, lib_ver) = self.lib.lock().clone();
        let mut flags = String::new();
        if self.blocked.load(Ordering::Relaxed) {
            flags.push('b');
        }
        if self.no_evict.load(Ordering::Relaxed) {
            flags.push('e');
        }
        if self.no_touch.load(Ordering::Relaxed) {
            flags.push('T');
        }
        if flags.is_empty() {
            flags.push('N');
        }
        let cmd = *self.last_cmd.lock();
        format!(
            "id={} addr={} laddr={} fd={} name={} age={} idle={} flags={} db={} sub=0 psub=0 ssub=0 multi=-1 qbuf={} qbuf-free=0 argv-mem=0 multi-mem=0 rbs=16384 rbp=0 obl=0 oll=0 omem={} tot-mem={} events=r cmd={} user=default redir=-1 resp={} lib-name={} lib-ver={}",
            self.id,
            self.addr,
            self.laddr,
            self.fd,
            name,
            self.created.elapsed().as_secs(),
            self.idle_secs(),
            flags,
            self.db.load(Ordering::Relaxed),
            self.qbuf.load(Ordering::Relaxed),
            self.omem.load(Ordering::Relaxed),
            16384 + self.qbuf.load(Ordering::Relaxed) + self.omem.load(Ordering::Relaxed),
            if cmd.is_empty() { "NULL" } else { cmd },
            self.resp.load(Ordering::Relaxed),
            lib_name,
            lib_ver,
        )
    }
}

/// The registry of connected clients.
#[derive(Default)]
pub struct Clients {
    next_id: AtomicU64,
    map: Mutex<BTreeMap<u64, Arc<ClientHandle>>>,
    count: AtomicUsize,
}

impl Clients {
    /// Registers a new client and returns its handle.
    pub fn register(
        &self,
        addr: SocketAddr,
        laddr: SocketAddr,
        fd: i32,
        parent: &CancellationToken,
    ) -> Arc<ClientHandle> {
        let id = self.next_id.fetch_add(1, Ordering::Relaxed) + 1;
        let handle = Arc::new(ClientHandle {
            id,
            addr,
            laddr,
            fd,
            created: Instant::now(),
            name: Mutex::new(None),
            lib: Mutex::new((String::new(), String::new())),
            db: AtomicUsize::new(0),
            resp: AtomicU8::new(2),
            last_cmd: Mutex::new(""),
            last_active_ms: AtomicU64::new(0),
            qbuf: AtomicUsize::new(0),
            omem: AtomicUsize::new(0),
            authenticated: AtomicBool::new(false),
            no_evict: AtomicBool::new(false),
            no_touch: AtomicBool::new(false),
            blocked: AtomicBool::new(false),
            cancel: parent.child_token(),
        });
        self.map.lock().insert(id, handle.clone());
        self.count.fetch_add(1, Ordering::Relaxed);
        handle
    }

    /// Removes a client.
    pub fn unregister(&self, id: u64) {
        if self.map.lock().remove(&id).is_some() {
            self.count.fetch_sub(1, Ordering::Relaxed);
        }
    }

    /// Number of connected clients.
    pub fn count(&self) -> usize {
        self.count.load(Ordering::Relaxed)
    }

    /// A snapshot of all clients, by id.
    pub fn snapshot(&self) -> Vec<Arc<ClientHandle>> {
        self.map.lock().values().cloned().collect()
    }
}

/// CLIENT PAUSE state.
#[derive(Default)]
pub struct Pause {
    /// Unix ms until which clients are paused (0 = not paused).
    pub until_ms: AtomicU64,
    /// True when only writes are paused.
    pub writes_only: AtomicBool,
}

/// Everything connections share.
pub struct ServerState {
    /// Configuration.
    pub config: RwLock<Config>,
    /// Hot configuration mirror.
    pub hot: Hot,
    /// The (single, for now) shard; shared with its Raft group's state machine.
    pub shard: Arc<Shard>,
    /// The shard's Raft group, set once at startup ([`ServerState::replica`]).
    pub replica: std::sync::OnceLock<crate::replica::Replica>,
    /// Connected clients.
    pub clients: Clients,
    /// Counters.
    pub stats: Stats,
    /// CLIENT PAUSE.
    pub pause: Pause,
    /// When the server started.
    pub started: Instant,
    /// Random 40-hex-char run id.
    pub run_id: String,
    /// The TCP port actually bound.
    pub port: AtomicU64,
    /// Cancelled on shutdown.
    pub shutdown: CancellationToken,
    /// Config file path, for CONFIG REWRITE.
    pub config_file: Option<std::path::PathBuf>,
    /// Executable path, for INFO.
    pub executable: String,
}

impl ServerState {
    /// The options every proposal and read of this node runs with (the session adds its own).
    pub fn run_options(&self) -> crate::shard::RunOptions {
        crate::shard::RunOptions {
            no_touch: false,
            max_string: self.hot.max_bulk_len.load(Ordering::Relaxed),
            limits: *self.hot.limits.lock(),
        }
    }

    /// Builds the state from a configuration.
    pub fn new(config: Config, config_file: Option<std::path::PathBuf>) -> Arc<ServerState> {
        let hot = Hot::default();
        hot.load(&config);
        let databases = config.int("databases") as usize;
        let run_id: String = (0..40)
            .map(|_| format!("{:x}", rand::random::<u8>() % 16))
            .collect();
        Arc::new(ServerState {
            shard: Arc::new(Shard::new(databases)),
            replica: std::sync::OnceLock::new(),
            config: RwLock::new(config),
            hot,
            clients: Clients::default(),
            stats: Stats::default(),
            pause: Pause::default(),
            started: Instant::now(),
            run_id,
            port: AtomicU64::new(0),
            shutdown: CancellationToken::new(),
            config_file,
            executable: std::env::current_exe()
                .map(|p| p.display().to_string())
                .unwrap_or_default(),
        })
    }

    /// The shard's group.
    ///
    /// # Panics
    /// Before [`crate::replica::start`] has run (the binary starts it before accepting clients).
    pub fn replica(&self) -> &crate::replica::Replica {
        self.replica
            .get()
            .expect("the shard's group starts before clients are served")
    }

    /// Records an error reply for INFO errorstats.
    pub fn count_error(&self, message: &[u8]) {
        self.stats.error_replies.fetch_add(1, Ordering::Relaxed);
        let prefix = message.split(|&b| b == b' ').next().unwrap_or(b"ERR");
        let prefix = String::from_utf8_lossy(&prefix[..prefix.len().min(32)]).into_owned();
        *self
            .stats
            .errors_by_prefix
            .lock()
            .entry(prefix)
            .or_insert(0) += 1;
    }
}

impl Stats {
    /// CONFIG RESETSTAT: zeroes every counter and the error table.
    pub fn reset(&self) {
        for counter in [
            &self.connections_received,
            &self.rejected_connections,
            &self.commands_processed,
            &self.net_input_bytes,
            &self.net_output_bytes,
            &self.error_replies,
            &self.output_limit_disconnections,
            &self.expire_cycles,
        ] {
            counter.store(0, Ordering::Relaxed);
        }
        self.errors_by_prefix.lock().clear();
    }
}
