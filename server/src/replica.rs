//! The shard as a Raft group member: who the members are, the state machine raft applies, and
//! the wiring between the group, the peer bus and the server (thin I/O shell).
//!
//! A standalone server is a group of one, started the same way (DESIGN.md: one write path).
//! With `cluster-enabled yes` and `cluster-seeds`, every seed is a member; node ids are seed
//! positions (1-based), and the first start writes them to `nodes.conf` in `dir`, so a
//! restarted node rejoins with the identity it had. See docs/cluster.md.

use std::net::{SocketAddr, ToSocketAddrs};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use parking_lot::RwLock;
use protobuf::Message as _;
use raft::eraftpb::Message;
use redraft_cluster::raft::driver::{self, StartError};
use redraft_cluster::raft::{
    Durability, Fsync, Group, GroupConfig, MembershipChange, MembershipKind, Outbox, ProposeError,
    StateMachine,
};
use redraft_cluster::transport::{Envelope, Kind, Transport, TransportConfig};
use redraft_protocol::Frame;
use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;

use crate::config::Config;
use crate::error;
use crate::shard::{self, RunOptions, Shard};
use crate::state::unix_ms;

/// The reply to one proposal: one frame per command, in order, and the blocking command that
/// found nothing to pop, if any (always the proposal's last command: see `crate::dispatch`).
#[derive(Debug, Default)]
pub struct Replies {
    /// One frame per command.
    pub frames: Vec<Frame>,
    /// The position and wait of a command that blocked.
    pub blocked: Option<(usize, crate::cmd::ctx::Block)>,
}

/// One member of the group as clients and peers reach it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Member {
    /// Node id (position in the seed list, from 1).
    pub id: u64,
    /// The host clients are redirected to.
    pub host: String,
    /// The client port.
    pub port: u16,
    /// The bus port, as this node reaches it.
    pub bus_port: u16,
}

impl Member {
    /// `host:port` for MOVED and ROLE.
    pub fn client_addr(&self) -> String {
        format!("{}:{}", self.host, self.port)
    }
}

/// Who this node is and who else is in its group.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Topology {
    /// This node's id.
    pub me: u64,
    /// Every member, this node included, by id.
    pub members: Vec<Member>,
    /// `cluster-enabled yes`: keyed commands on a follower are redirected with MOVED.
    pub cluster: bool,
}

impl Topology {
    /// The member with `id`.
    pub fn member(&self, id: u64) -> Option<&Member> {
        self.members.iter().find(|m| m.id == id)
    }

    /// The standalone server: a group of one.
    pub fn standalone(port: u16) -> Topology {
        Topology {
            me: 1,
            members: vec![Member {
                id: 1,
                host: "127.0.0.1".into(),
                port,
                bus_port: 0,
            }],
            cluster: false,
        }
    }
}

/// Why the group could not start.
#[derive(Debug, thiserror::Error)]
pub enum ReplicaError {
    /// A configuration value is wrong.
    #[error("{0}")]
    Config(String),
    /// The identity file could not be read or written.
    #[error("{path}: {reason}")]
    Identity {
        /// The file.
        path: PathBuf,
        /// Why.
        reason: String,
    },
    /// The Raft group could not start.
    #[error(transparent)]
    Group(#[from] StartError),
    /// The bus could not bind.
    #[error("cluster bus on {addr}: {source}")]
    Bus {
        /// Where.
        addr: SocketAddr,
        /// Why.
        source: std::io::Error,
    },
}

/// Parses `host:port[@busport],...` (bus port defaults to port + 10000, as in Redis Cluster).
///
/// # Errors
/// The first malformed seed.
pub fn parse_seeds(text: &str) -> Result<Vec<(String, u16, u16)>, String> {
    let mut out = Vec::new();
    for seed in text.split([',', ' ']).filter(|s| !s.is_empty()) {
        let (addr, bus) = match seed.split_once('@') {
            Some((a, b)) => (a, Some(b)),
            None => (seed, None),
        };
        let (host, port) = addr
            .rsplit_once(':')
            .ok_or_else(|| format!("cluster-seeds: '{seed}' is not host:port[@busport]"))?;
        let port: u16 = port
            .parse()
            .map_err(|_| format!("cluster-seeds: bad port in '{seed}'"))?;
        let bus: u16 = match bus {
            Some(b) => b
                .parse()
                .map_err(|_| format!("cluster-seeds: bad bus port in '{seed}'"))?,
            None => port
                .checked_add(10000)
                .ok_or_else(|| format!("cluster-seeds: port {port} has no default bus port"))?,
        };
        if host.is_empty() {
            return Err(format!("cluster-seeds: empty host in '{seed}'"));
        }
        out.push((host.to_string(), port, bus));
    }
    Ok(out)
}

/// The topology from the configuration: `nodes.conf` in `dir` when it exists (a restart),
/// else the seed list, written to `nodes.conf` for next time.
///
/// # Errors
/// Bad seeds, this node missing from them, or an unreadable identity file.
pub fn topology(config: &Config, port: u16) -> Result<Topology, ReplicaError> {
    if !config.flag("cluster-enabled") {
        return Ok(Topology::standalone(port));
    }
    let dir = PathBuf::from(config.get("dir"));
    let path = dir.join("nodes.conf");
    if let Ok(text) = std::fs::read_to_string(&path) {
        return parse_identity(&text).map_err(|reason| ReplicaError::Identity { path, reason });
    }
    let seeds = parse_seeds(config.get("cluster-seeds")).map_err(ReplicaError::Config)?;
    let announce = match config.get("cluster-announce-ip") {
        "" => "127.0.0.1",
        ip => ip,
    };
    let mut members: Vec<Member> = seeds
        .into_iter()
        .enumerate()
        .map(|(i, (host, port, bus_port))| Member {
            id: i as u64 + 1,
            host,
            port,
            bus_port,
        })
        .collect();
    if members.is_empty() {
        members.push(Member {
            id: 1,
            host: announce.to_string(),
            port,
            bus_port: port.wrapping_add(10000),
        });
    }
    let listed = members
        .iter()
        .find(|m| m.port == port && (m.host == announce || resolves_to_self(&m.host)))
        .map(|m| m.id);
    let me = match listed {
        Some(id) => id,
        // A node joining an existing group may be left out of the seeds: it takes the next id
        // (so add such nodes one at a time, or list them to fix their id).
        None if config.flag("cluster-join") => {
            let id = members.iter().map(|m| m.id).max().unwrap_or(0) + 1;
            members.push(Member {
                id,
                host: announce.to_string(),
                port,
                bus_port: match config.int("cluster-port") {
                    0 => port.checked_add(10000).ok_or_else(|| {
                        ReplicaError::Config(format!("port {port} has no default bus port"))
                    })?,
                    p => p as u16,
                },
            });
            id
        }
        None => {
            return Err(ReplicaError::Config(format!(
                "cluster-seeds does not list this node ({announce}:{port})"
            )))
        }
    };
    let topo = Topology {
        me,
        members,
        cluster: true,
    };
    write_identity(&dir, &topo).map_err(|reason| ReplicaError::Identity { path, reason })?;
    Ok(topo)
}

fn resolves_to_self(host: &str) -> bool {
    matches!(host, "localhost" | "127.0.0.1" | "::1")
}

/// `nodes.conf`: one line per member, `<id> <host>:<port>@<bus> [myself]`.
fn write_identity(dir: &Path, topo: &Topology) -> Result<(), String> {
    let mut text = String::from("# redraft cluster identity: do not edit\n");
    for m in &topo.members {
        let me = if m.id == topo.me { " myself" } else { "" };
        text.push_str(&format!(
            "{} {}:{}@{}{me}\n",
            m.id, m.host, m.port, m.bus_port
        ));
    }
    std::fs::create_dir_all(dir).map_err(|e| e.to_string())?;
    let tmp = dir.join("nodes.conf.tmp");
    std::fs::write(&tmp, text).map_err(|e| e.to_string())?;
    std::fs::rename(&tmp, dir.join("nodes.conf")).map_err(|e| e.to_string())
}

fn parse_identity(text: &str) -> Result<Topology, String> {
    let mut members = Vec::new();
    let mut me = None;
    for line in text
        .lines()
        .filter(|l| !l.starts_with('#') && !l.is_empty())
    {
        let mut parts = line.split_whitespace();
        let (Some(id), Some(addr)) = (parts.next(), parts.next()) else {
            return Err(format!("bad line '{line}'"));
        };
        let id: u64 = id.parse().map_err(|_| format!("bad id in '{line}'"))?;
        let (host, port, bus_port) = parse_seeds(addr)?
            .pop()
            .ok_or_else(|| format!("bad address in '{line}'"))?;
        if parts.next() == Some("myself") {
            me = Some(id);
        }
        members.push(Member {
            id,
            host,
            port,
            bus_port,
        });
    }
    let me = me.ok_or("no line marked myself")?;
    Ok(Topology {
        me,
        members,
        cluster: true,
    })
}

/// Entries whose first keys are looked up back to back before they are applied, so the
/// lookups' cache misses overlap (the same trick as the connection's `Batch::warm`).
const WARM_AHEAD: usize = 32;

/// Looks up the first key of each command in `entries`; changes nothing.
fn warm(st: &shard::ShardState, entries: &[crate::shard::LogEntry]) {
    if entries.len() < 2 {
        return;
    }
    for e in entries {
        if let (crate::shard::Op::Command(argv), true) = (&e.op, e.db < st.keyspace.db_count()) {
            if let Some(key) = argv.get(1) {
                std::hint::black_box(st.keyspace.db(e.db).find(key));
            }
        }
    }
}

/// The keyspace as raft's state machine; it also keeps the address book (topology, bus peers,
/// `nodes.conf`) in step with membership changes.
pub struct ShardMachine {
    shard: Arc<Shard>,
    databases: usize,
    members: Option<Members>,
}

/// What a membership change updates on this node.
struct Members {
    topology: Arc<RwLock<Topology>>,
    transport: Arc<Transport>,
    dir: PathBuf,
}

impl Members {
    fn apply(&self, change: &MembershipChange) {
        let mut topo = self.topology.write();
        match change.kind {
            MembershipKind::AddedLearner | MembershipKind::AddedVoter => {
                let addr = String::from_utf8_lossy(&change.context).into_owned();
                if let Ok(Some((host, port, bus_port))) = parse_seeds(&addr).map(|mut v| v.pop()) {
                    topo.members.retain(|m| m.id != change.node_id);
                    topo.members.push(Member {
                        id: change.node_id,
                        host,
                        port,
                        bus_port,
                    });
                    topo.members.sort_by_key(|m| m.id);
                }
                if let Some(m) = topo.member(change.node_id).filter(|m| m.id != topo.me) {
                    if let Some(addr) = resolve(&m.host, m.bus_port) {
                        self.transport.set_peer(m.id, addr);
                    }
                }
            }
            MembershipKind::Removed => {
                if change.node_id != topo.me {
                    topo.members.retain(|m| m.id != change.node_id);
                    self.transport.remove_peer(change.node_id);
                }
            }
        }
        if let Err(reason) = write_identity(&self.dir, &topo) {
            tracing::error!(%reason, "could not rewrite nodes.conf");
        }
    }
}

impl StateMachine for ShardMachine {
    type Reply = Replies;

    fn apply(&mut self, index: u64, proposals: &[Bytes], replies: &mut Vec<Replies>) {
        let mut st = self.shard.lock();
        // Numbers the commands of this Raft entry: with the index, the seed of their draws.
        let mut seq = 0u64;
        for p in proposals {
            let Some(proposal) = crate::entry::decode(index, p.clone()) else {
                tracing::error!(index, "undecodable proposal skipped");
                replies.push(Replies::default());
                continue;
            };
            let opts = RunOptions {
                no_touch: false,
                max_string: proposal.max_string,
                limits: proposal.limits,
            };
            let mut out = Replies {
                frames: Vec::with_capacity(proposal.entries.len()),
                blocked: None,
            };
            for chunk in proposal.entries.chunks(WARM_AHEAD) {
                warm(&st, chunk);
                for e in chunk {
                    let (frame, blocked) = shard::apply(&mut st, e, seq, opts, None);
                    seq += 1;
                    if let Some(b) = blocked {
                        out.blocked = Some((out.frames.len(), b));
                    }
                    out.frames.push(frame);
                    shard::signal_waiters(&self.shard, &st, e);
                }
            }
            replies.push(out);
        }
        st.applied = index;
    }

    fn skip(&mut self, index: u64) {
        self.shard.lock().applied = index;
    }

    fn membership_changed(&mut self, change: &MembershipChange) {
        tracing::info!(id = change.node_id, kind = ?change.kind, voters = ?change.voters, "membership changed");
        if let Some(members) = &self.members {
            members.apply(change);
        }
    }

    fn snapshot(&mut self) -> (u64, Bytes) {
        let st = self.shard.lock();
        let mut out = Vec::new();
        crate::snapshot::write(&st.keyspace, &mut out);
        (st.applied, Bytes::from(out))
    }

    fn restore(&mut self, index: u64, data: &Bytes) -> Result<(), String> {
        let lru = crate::cmd::ctx::lru_clock(unix_ms());
        let keyspace =
            crate::snapshot::read(data, self.databases, lru).map_err(|e| e.to_string())?;
        let mut st = self.shard.lock();
        st.keyspace = keyspace;
        st.applied = index;
        Ok(())
    }
}

/// Raft messages onto the bus.
struct BusOutbox(Arc<Transport>);

impl Outbox for BusOutbox {
    fn send(&self, group: u64, msg: Message) -> bool {
        let Ok(payload) = msg.write_to_bytes() else {
            return false;
        };
        self.0
            .send(Envelope {
                from: msg.from,
                to: msg.to,
                group,
                kind: Kind::Raft as i32,
                payload: Bytes::from(payload),
            })
            .is_ok()
    }
}

/// A group of one has nobody to talk to.
struct NoPeers;

impl Outbox for NoPeers {
    fn send(&self, _group: u64, _msg: Message) -> bool {
        false
    }
}

/// The running group and what the server needs to know about it.
pub struct Replica {
    /// The group handle.
    pub group: Group<Replies>,
    /// This node's id.
    pub me: u64,
    /// `cluster-enabled yes`.
    pub cluster: bool,
    /// Members and their addresses; changes when members join or leave.
    topology: Arc<RwLock<Topology>>,
    /// The bus (none for a group of one).
    pub transport: Option<Arc<Transport>>,
    /// The group's task, for [`Replica::stopped`] (taken once).
    task: parking_lot::Mutex<Option<tokio::task::JoinHandle<()>>>,
}

impl Replica {
    /// Resolves when the group's task ends: at shutdown, or — a fatal error — when its storage
    /// failed or it panicked. A server whose group is gone must exit rather than linger.
    pub async fn stopped(&self) -> String {
        let Some(task) = self.task.lock().take() else {
            return std::future::pending().await;
        };
        match task.await {
            Ok(()) => "the raft group stopped".to_string(),
            Err(e) => format!("the raft group failed: {e}"),
        }
    }

    /// A copy of the current topology.
    pub fn topology(&self) -> Topology {
        self.topology.read().clone()
    }

    /// The leader's member entry, if a leader is known.
    pub fn leader(&self) -> Option<Member> {
        let id = self.group.status().leader()?;
        self.topology.read().member(id).cloned()
    }

    /// The error reply for a command this node cannot serve because it is not the leader:
    /// `-MOVED slot host:port` when the leader is known, else `-CLUSTERDOWN`.
    pub fn redirect(&self, slot: u16) -> Frame {
        match self.leader() {
            Some(m) if m.id != self.me => Frame::error(format!("MOVED {slot} {}", m.client_addr())),
            _ => Frame::error(error::CLUSTER_DOWN),
        }
    }

    /// On the leader, proposes deleting expired keys, one entry per database, at `now_ms` (only
    /// the leader expires keys, so replicas stay identical). Fire and forget: a key still
    /// expired is met again by the next read or expiry cycle.
    pub fn propose_expiry(&self, now_ms: u64, opts: &RunOptions, keys: Vec<(usize, Vec<Bytes>)>) {
        if keys.is_empty() || !self.group.status().is_leader() {
            return;
        }
        let entries: Vec<shard::LogEntry> = keys
            .into_iter()
            .map(|(db, keys)| shard::LogEntry {
                index: 0,
                db,
                now_ms,
                op: shard::Op::Expire(keys),
            })
            .collect();
        self.group.propose_detached(crate::entry::encode(
            opts.max_string,
            &opts.limits,
            &entries,
        ));
    }

    /// The reply for a proposal that did not succeed.
    pub fn propose_error(&self, err: &ProposeError, slot: u16) -> Frame {
        match err {
            ProposeError::NotLeader { .. } if self.cluster => self.redirect(slot),
            ProposeError::NotLeader { .. } => Frame::error(error::NOT_LEADER),
            ProposeError::Unknown => Frame::error(error::OUTCOME_UNKNOWN),
            ProposeError::Shutdown => Frame::error(error::SHUTTING_DOWN),
        }
    }
}

/// Starts the shard's group (and the bus, when it has peers).
///
/// # Errors
/// See [`ReplicaError`].
pub async fn start(
    config: &Config,
    port: u16,
    shard: Arc<Shard>,
    cancel: CancellationToken,
) -> Result<Replica, ReplicaError> {
    let topology = topology(config, port)?;
    // A joining node starts with no configuration: the leader adds it (as a learner, then a
    // voter once caught up) when it asks, and it learns the group from the log or a snapshot.
    let joining = config.flag("cluster-join");
    let voters: Vec<u64> = match joining {
        true => Vec::new(),
        false => topology.members.iter().map(|m| m.id).collect(),
    };
    let mut cfg = GroupConfig::new(topology.me, voters);
    let timeout = config.int("cluster-node-timeout").max(100) as u64;
    cfg.election_timeout = Duration::from_millis(timeout);
    cfg.heartbeat = Duration::from_millis((timeout / 10).max(10));
    cfg.snapshot_log_bytes = config.int("auto-aof-rewrite-min-size").max(1 << 20) as usize;
    // A group member must never forget its log or its vote (Raft's safety rests on it, and
    // raft-rs stops a follower whose leader remembers more than it holds), so in cluster mode
    // the log is always on disk: `appendonly no` there only means the kernel decides when to
    // flush (`appendfsync no`). Only a standalone node may be a pure in-memory cache.
    if config.flag("appendonly") || topology.cluster {
        cfg.durability = Durability::Disk {
            dir: PathBuf::from(config.get("dir")).join("raft"),
            fsync: match config.get("appendfsync") {
                _ if !config.flag("appendonly") => Fsync::No,
                "always" => Fsync::Always,
                "no" => Fsync::No,
                _ => Fsync::EverySec,
            },
        };
    }
    let (me, cluster) = (topology.me, topology.cluster);
    let topology = Arc::new(RwLock::new(topology));
    let (outbox, transport, inbound): (Arc<dyn Outbox>, _, _) = if cluster {
        let members = topology.read().clone();
        let (transport, rx) = start_bus(config, port, &members, cancel.clone()).await?;
        (
            Arc::new(BusOutbox(transport.clone())),
            Some(transport),
            Some(rx),
        )
    } else {
        (Arc::new(NoPeers), None, None)
    };
    let machine = ShardMachine {
        shard,
        databases: config.int("databases") as usize,
        members: transport.as_ref().map(|t| Members {
            topology: topology.clone(),
            transport: t.clone(),
            dir: PathBuf::from(config.get("dir")),
        }),
    };
    let (group, task) = driver::start(cfg, machine, outbox, cancel.clone())?;
    if let Some(rx) = inbound {
        tokio::spawn(route_inbound(rx, group.clone(), topology.clone()));
    }
    if let (true, Some(t)) = (joining, &transport) {
        tokio::spawn(ask_to_join(
            group.clone(),
            t.clone(),
            topology.clone(),
            cancel,
        ));
    }
    Ok(Replica {
        group,
        me,
        cluster,
        topology,
        transport,
        task: parking_lot::Mutex::new(Some(task)),
    })
}

fn resolve(host: &str, port: u16) -> Option<SocketAddr> {
    (host, port).to_socket_addrs().ok()?.next()
}

/// Binds the bus (`cluster-port`, default port + 10000) and tells it where every peer is.
async fn start_bus(
    config: &Config,
    port: u16,
    topology: &Topology,
    cancel: CancellationToken,
) -> Result<(Arc<Transport>, mpsc::Receiver<Envelope>), ReplicaError> {
    let bind = config
        .get("bind")
        .split_whitespace()
        .next()
        .unwrap_or("127.0.0.1");
    let bus_port = match config.int("cluster-port") {
        0 => port.wrapping_add(10000),
        p => p as u16,
    };
    let listen = resolve(bind, bus_port)
        .ok_or_else(|| ReplicaError::Config(format!("bad bind address {bind}")))?;
    let (tx, rx) = mpsc::channel(1024);
    let transport = Transport::start(TransportConfig::new(topology.me, listen), tx, cancel)
        .await
        .map_err(|source| ReplicaError::Bus {
            addr: listen,
            source,
        })?;
    for m in topology.members.iter().filter(|m| m.id != topology.me) {
        match resolve(&m.host, m.bus_port) {
            Some(addr) => transport.set_peer(m.id, addr),
            None => tracing::warn!(id = m.id, host = %m.host, "cannot resolve peer"),
        }
    }
    Ok((transport, rx))
}

/// Before a graceful exit (SIGTERM, SHUTDOWN), a leader hands leadership to its most
/// up-to-date voter and waits (up to `limit`) for it to take over, so clients see a clean
/// redirect instead of an election timeout.
pub async fn hand_over_leadership(replica: &Replica, limit: Duration) {
    let status = replica.group.status();
    if !status.is_leader() || status.voter_count() < 2 {
        return;
    }
    tracing::info!("handing leadership over before exit");
    replica.group.transfer_leader(0);
    let deadline = tokio::time::Instant::now() + limit;
    while status.is_leader() && tokio::time::Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}

/// Hands Raft messages from the bus to the group; anything undecodable is dropped with a log
/// line (the link itself already checked framing and size). A leader answers a join request
/// by adding the node as a learner.
async fn route_inbound(
    mut rx: mpsc::Receiver<Envelope>,
    group: Group<Replies>,
    topology: Arc<RwLock<Topology>>,
) {
    while let Some(env) = rx.recv().await {
        match Kind::try_from(env.kind) {
            Ok(Kind::Raft) => match Message::parse_from_carllerche_bytes(&env.payload) {
                Ok(msg) => group.step(msg),
                Err(e) => {
                    tracing::warn!(from = env.from, error = %e, "undecodable raft message dropped")
                }
            },
            Ok(Kind::Join) if group.status().is_leader() => {
                let detail = group.status().detail();
                if detail.voters.contains(&env.from) || detail.learners.contains(&env.from) {
                    continue;
                }
                let known = topology.read().member(env.from).is_some();
                tracing::info!(
                    id = env.from,
                    known,
                    "node asks to join; adding it as a learner"
                );
                // Answered at once; the change shows when applied.
                drop(group.change_membership(MembershipKind::AddedLearner, env.from, env.payload));
            }
            _ => {}
        }
    }
}

/// A joining node asks every member it knows to add it, once a second, until it finds itself
/// in the configuration (it then learns the rest through Raft).
async fn ask_to_join(
    group: Group<Replies>,
    transport: Arc<Transport>,
    topology: Arc<RwLock<Topology>>,
    cancel: CancellationToken,
) {
    let me = group.node_id();
    loop {
        let detail = group.status().detail();
        if detail.voters.contains(&me) || detail.learners.contains(&me) {
            tracing::info!("joined the group");
            return;
        }
        let (addr, peers) = {
            let topo = topology.read();
            let addr = topo
                .member(me)
                .map(|m| format!("{}:{}@{}", m.host, m.port, m.bus_port))
                .unwrap_or_default();
            let peers: Vec<u64> = topo
                .members
                .iter()
                .map(|m| m.id)
                .filter(|&id| id != me)
                .collect();
            (addr, peers)
        };
        for to in peers {
            let _ = transport.send(Envelope {
                from: me,
                to,
                group: 0,
                kind: Kind::Join as i32,
                payload: Bytes::from(addr.clone()),
            });
        }
        tokio::select! {
            _ = cancel.cancelled() => return,
            _ = tokio::time::sleep(Duration::from_secs(1)) => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seeds_parse_with_default_and_explicit_bus_ports() {
        assert_eq!(
            parse_seeds("127.0.0.1:7001,10.0.0.2:7002@9000").unwrap(),
            vec![
                ("127.0.0.1".to_string(), 7001, 17001),
                ("10.0.0.2".to_string(), 7002, 9000)
            ]
        );
        assert!(parse_seeds("nohost").is_err());
        assert!(parse_seeds("h:99999").is_err());
        assert!(
            parse_seeds("h:60000").is_err(),
            "no default bus port above 55535"
        );
    }

    #[test]
    fn identity_round_trips() {
        let topo = Topology {
            me: 2,
            members: vec![
                Member {
                    id: 1,
                    host: "127.0.0.1".into(),
                    port: 7001,
                    bus_port: 17001,
                },
                Member {
                    id: 2,
                    host: "127.0.0.1".into(),
                    port: 7002,
                    bus_port: 9999,
                },
            ],
            cluster: true,
        };
        let dir = std::env::temp_dir().join(format!("redraft-identity-{}", std::process::id()));
        write_identity(&dir, &topo).unwrap();
        let text = std::fs::read_to_string(dir.join("nodes.conf")).unwrap();
        assert_eq!(parse_identity(&text).unwrap(), topo);
        let _ = std::fs::remove_dir_all(&dir);
        assert!(parse_identity("1 127.0.0.1:1\n").is_err(), "no myself line");
    }
}
