//! Replication and cluster commands: ROLE, WAIT, READONLY, READWRITE and CLUSTER (INFO MYID
//! NODES SLOTS SHARDS FAILOVER KEYSLOT COUNTKEYSINSLOT GETKEYSINSLOT HELP), plus the lines of
//! INFO's `replication` and `raft` sections.
//!
//! The shard is one Raft group owning all 16384 slots: its leader is the master, its followers
//! are the replicas. The code is split like INFO's: [`GroupView::gather`] reads the group
//! status, the bus and the topology once (the thin I/O part), and pure functions render a view
//! in Redis's shapes, unit-tested without a server.
//!
//! Conventions:
//! - The replication offset is the Raft log index: a node's own offset is its applied index; a
//!   follower's, as the leader sees it, is its matched index. Only the leader tracks the other
//!   members' progress; elsewhere it is reported as 0 (INFO raft's `match` and `active`).
//! - Node names (CLUSTER MYID, NODES, SLOTS, SHARDS) are the Raft node id in lower-case hex,
//!   zero-padded to Redis's 40 characters ([`node_name`]): stable across restarts, nothing to
//!   store, and the same on every member.
//! - While no leader is known no node owns the slots: CLUSTER INFO says `fail`, CLUSTER SLOTS
//!   is empty and every member is shown as a master without slots.
//! - A standalone server is a group of one and always the master: ROLE and INFO look like a
//!   Redis master without replicas; CLUSTER, READONLY and READWRITE reply that cluster support
//!   is disabled, as Redis does.
//! - WAIT counts the followers whose matched index has reached the leader's applied index when
//!   WAIT ran. That covers the client's earlier writes: the dispatcher runs WAIT only once their
//!   replies came back, i.e. once they were applied here. When too few have it, the handler asks
//!   the connection to wait ([`Action::WaitReplicas`]), which re-checks with [`poll_wait`].

use bytes::Bytes;
use redraft_cluster::raft::{PeerProgress, Role, StatusDetail};
use redraft_protocol::slot::{key_hash_slot, SLOT_COUNT};
use redraft_protocol::Frame;
use std::time::{Duration, Instant};

use super::flags::*;
use super::parse::{is, parse_i64};
use super::server::help_reply;
use super::{session_spec, spec, CommandSpec, Handler, KeySpec};
use crate::error;
use crate::replica::Replica;
use crate::session::{Action, ReplicaWait, Session};
use crate::state::unix_ms;

const fn doc(
    mut s: CommandSpec,
    group: &'static str,
    summary: &'static str,
    since: &'static str,
) -> CommandSpec {
    s.group = group;
    s.summary = summary;
    s.since = since;
    s
}

const CLUSTER_SLOW: &[&str] = &["slow"];
const CLUSTER_ADMIN: &[&str] = &["admin", "slow", "dangerous"];

const fn sub(
    name: &'static str,
    arity: i32,
    flags: u32,
    acl: &'static [&'static str],
    f: super::SessionFn,
    summary: &'static str,
    since: &'static str,
) -> CommandSpec {
    doc(
        session_spec(name, arity, flags, acl, f),
        "cluster",
        summary,
        since,
    )
}

const CLUSTER_SUBS: &[CommandSpec] = &[
    sub(
        "info",
        2,
        STALE,
        CLUSTER_SLOW,
        cluster_info,
        "Provides info about Redis Cluster node state",
        "3.0.0",
    ),
    sub(
        "myid",
        2,
        STALE,
        CLUSTER_SLOW,
        cluster_myid,
        "Return the node id",
        "3.0.0",
    ),
    sub(
        "nodes",
        2,
        STALE,
        CLUSTER_SLOW,
        cluster_nodes,
        "Get Cluster config for the node",
        "3.0.0",
    ),
    sub(
        "slots",
        2,
        STALE,
        CLUSTER_SLOW,
        cluster_slots,
        "Get array of Cluster slot to node mappings",
        "3.0.0",
    ),
    sub(
        "shards",
        2,
        STALE,
        CLUSTER_SLOW,
        cluster_shards,
        "Get array of cluster slots to node mappings",
        "7.0.0",
    ),
    sub(
        "failover",
        -2,
        ADMIN | STALE,
        CLUSTER_ADMIN,
        cluster_failover,
        "Forces a replica to perform a manual failover of its master.",
        "3.0.0",
    ),
    sub(
        "forget",
        3,
        ADMIN | STALE,
        CLUSTER_ADMIN,
        cluster_forget,
        "Remove a node from the nodes table",
        "3.0.0",
    ),
    sub(
        "keyslot",
        3,
        STALE,
        CLUSTER_SLOW,
        cluster_keyslot,
        "Returns the hash slot of the specified key",
        "3.0.0",
    ),
    sub(
        "countkeysinslot",
        3,
        STALE,
        CLUSTER_SLOW,
        cluster_countkeysinslot,
        "Return the number of local keys in the specified hash slot",
        "3.0.0",
    ),
    sub(
        "getkeysinslot",
        4,
        STALE,
        CLUSTER_SLOW,
        cluster_getkeysinslot,
        "Return local key names in the specified hash slot",
        "3.0.0",
    ),
    sub(
        "help",
        2,
        LOADING | STALE,
        CLUSTER_SLOW,
        cluster_help,
        "Show helpful text about the different subcommands",
        "5.0.0",
    ),
];

/// Replication and cluster commands.
pub const COMMANDS: &[CommandSpec] = &[
    doc(
        session_spec(
            "role",
            1,
            NOSCRIPT | LOADING | STALE | FAST,
            &["admin", "fast", "dangerous"],
            role,
        ),
        "server",
        "Return the role of the instance in the context of replication",
        "2.8.12",
    ),
    doc(
        session_spec("wait", 3, NOSCRIPT, &["slow", "connection"], wait),
        "generic",
        "Wait for the synchronous replication of all the write commands sent in the context of the current connection",
        "3.0.0",
    ),
    doc(
        session_spec(
            "readonly",
            1,
            LOADING | STALE | FAST,
            &["fast", "connection"],
            readonly,
        ),
        "cluster",
        "Enables read queries for a connection to a cluster replica node",
        "3.0.0",
    ),
    doc(
        session_spec(
            "readwrite",
            1,
            LOADING | STALE | FAST,
            &["fast", "connection"],
            readwrite,
        ),
        "cluster",
        "Disables read queries for a connection to a cluster replica node",
        "3.0.0",
    ),
    {
        let mut s = doc(
            spec(
                "cluster",
                -2,
                0,
                KeySpec::NONE,
                CLUSTER_SLOW,
                Handler::Container,
            ),
            "cluster",
            "A container for cluster commands",
            "3.0.0",
        );
        s.subcommands = CLUSTER_SUBS;
        s
    },
];

// ---------------------------------------------------------------------------------------------
// The view
// ---------------------------------------------------------------------------------------------

/// One member of the group as this node sees it.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct MemberView {
    /// Raft node id.
    pub id: u64,
    /// Client host.
    pub host: String,
    /// Client port.
    pub port: u16,
    /// Bus port.
    pub bus_port: u16,
    /// This node, or a peer whose bus link is up.
    pub link_up: bool,
    /// Milliseconds since the last frame from it over the bus (`None`: never, or this node).
    pub heard_ms_ago: Option<u64>,
    /// Its replication progress as the leader tracks it (on the leader only).
    pub progress: Option<PeerProgress>,
}

impl MemberView {
    /// Seconds since it was last heard from (Redis's `lag`, `master_last_io_seconds_ago`),
    /// -1 when never.
    fn heard_secs_ago(&self) -> i64 {
        self.heard_ms_ago.map_or(-1, |ms| (ms / 1000) as i64)
    }
}

/// Everything the commands of this module render, read from the group in one pass.
#[derive(Clone, Debug, Default)]
pub struct GroupView {
    /// `cluster-enabled yes`.
    pub cluster: bool,
    /// This node's id.
    pub me: u64,
    /// This node is the group's leader.
    pub leading: bool,
    /// `leader`, `follower`, `candidate` or `precandidate`.
    pub raft_role: &'static str,
    /// The leader's id, if one is known.
    pub leader: Option<u64>,
    /// Current term (CLUSTER INFO's epochs).
    pub term: u64,
    /// Commit index.
    pub commit: u64,
    /// Applied index: this node's replication offset.
    pub applied: u64,
    /// Log, snapshot and (on the leader) peer progress.
    pub detail: StatusDetail,
    /// Every member, this node included, by id.
    pub members: Vec<MemberView>,
    /// Envelopes sent and received over the bus (CLUSTER INFO's message counters).
    pub bus_sent: u64,
    /// See `bus_sent`.
    pub bus_received: u64,
    /// Unix ms when the view was taken (CLUSTER NODES' pong times).
    pub now_ms: u64,
}

/// The 40-hex-character Redis node name of Raft node `id`: the id in hex, zero-padded.
pub fn node_name(id: u64) -> String {
    format!("{id:040x}")
}

fn role_name(role: Role) -> &'static str {
    match role {
        Role::Leader => "leader",
        Role::Follower => "follower",
        Role::Candidate => "candidate",
        Role::PreCandidate => "precandidate",
    }
}

impl GroupView {
    /// Reads the group's status, the bus links and the topology.
    pub fn gather(replica: &Replica) -> GroupView {
        let status = replica.group.status();
        let detail = status.detail();
        let links = replica
            .transport
            .as_ref()
            .map(|t| t.peers())
            .unwrap_or_default();
        let now = Instant::now();
        let members = replica
            .topology()
            .members
            .iter()
            .map(|m| {
                let link = links.iter().find(|l| l.id == m.id);
                MemberView {
                    id: m.id,
                    host: m.host.clone(),
                    port: m.port,
                    bus_port: m.bus_port,
                    link_up: m.id == replica.me || link.is_some_and(|l| l.connected),
                    heard_ms_ago: link
                        .and_then(|l| l.last_received)
                        .map(|t| now.saturating_duration_since(t).as_millis() as u64),
                    progress: detail.peers.iter().find(|p| p.id == m.id).cloned(),
                }
            })
            .collect();
        GroupView {
            cluster: replica.cluster,
            me: replica.me,
            leading: status.is_leader(),
            raft_role: role_name(status.role()),
            leader: status.leader(),
            term: status.term(),
            commit: status.commit(),
            applied: status.applied(),
            detail,
            members,
            bus_sent: links.iter().map(|l| l.sent).sum(),
            bus_received: links.iter().map(|l| l.received).sum(),
            now_ms: unix_ms(),
        }
    }

    /// True when this node is the shard's master: the leader, or a standalone server (a group
    /// of one is its own master even in the instant before its first election completes).
    pub fn is_master(&self) -> bool {
        !self.cluster || self.leading
    }

    fn member(&self, id: u64) -> Option<&MemberView> {
        self.members.iter().find(|m| m.id == id)
    }

    /// The leader's entry, when this node follows a known leader.
    fn master(&self) -> Option<&MemberView> {
        self.leader
            .filter(|&id| id != self.me && !self.is_master())
            .and_then(|id| self.member(id))
    }

    /// True when this node follows a known leader and its bus link to it is up.
    fn master_link_up(&self) -> bool {
        self.master().is_some_and(|m| m.link_up)
    }

    /// The followers a master counts as connected replicas (heard from within an election
    /// timeout, or with a bus link up), in id order, with their progress.
    fn replicas(&self) -> impl Iterator<Item = (&MemberView, &PeerProgress)> {
        let master = self.is_master();
        self.members
            .iter()
            .filter(move |m| master && m.id != self.me)
            .filter_map(|m| {
                m.progress
                    .as_ref()
                    .filter(|p| p.active || m.link_up)
                    .map(|p| (m, p))
            })
    }

    /// The member that owns the slots: the known leader.
    fn slot_owner(&self) -> Option<&MemberView> {
        self.leader.and_then(|id| self.member(id))
    }

    /// A member's replication offset as far as this node knows it.
    fn offset_of(&self, m: &MemberView) -> u64 {
        if m.id == self.me {
            self.applied
        } else if let Some(p) = &m.progress {
            p.matched
        } else if Some(m.id) == self.leader {
            // What the leader has told us is committed: at most its own applied index.
            self.commit
        } else {
            0
        }
    }
}

fn bulk(s: &str) -> Frame {
    Frame::bulk_from(s.as_bytes())
}

/// Text replies (CLUSTER INFO, NODES): verbatim `txt` in RESP3, a bulk string in RESP2.
fn text(s: String) -> Frame {
    Frame::Verbatim {
        format: *b"txt",
        text: Bytes::from(s),
    }
}

// ---------------------------------------------------------------------------------------------
// ROLE and INFO
// ---------------------------------------------------------------------------------------------

/// ROLE: `master <offset> [[host, port, offset]...]` listing the replicas that are online, or
/// `slave <host> <port> connect|connected <offset>` (`?` and 0 while no leader is known).
pub fn role_reply(v: &GroupView) -> Frame {
    if v.is_master() {
        let replicas = v
            .replicas()
            .filter(|(_, p)| p.active)
            .map(|(m, p)| {
                Frame::Array(vec![
                    bulk(&m.host),
                    bulk(&m.port.to_string()),
                    bulk(&p.matched.to_string()),
                ])
            })
            .collect();
        return Frame::Array(vec![
            bulk("master"),
            Frame::Integer(v.applied as i64),
            Frame::Array(replicas),
        ]);
    }
    let (host, port) = v.master().map_or(("?", 0), |m| (m.host.as_str(), m.port));
    Frame::Array(vec![
        bulk("slave"),
        bulk(host),
        Frame::Integer(port.into()),
        bulk(if v.master_link_up() {
            "connected"
        } else {
            "connect"
        }),
        Frame::Integer(v.applied as i64),
    ])
}

/// INFO replication, in Redis 7.0's field order. `replid` is `master_replid`.
pub fn replication_lines(v: &GroupView, replid: &str) -> Vec<String> {
    let mut out = Vec::new();
    if v.is_master() {
        out.push("role:master".to_string());
    } else {
        let master = v.master();
        let up = v.master_link_up();
        let heard = master.map_or(-1, MemberView::heard_secs_ago);
        out.push("role:slave".to_string());
        out.push(format!(
            "master_host:{}",
            master.map_or("?", |m| m.host.as_str())
        ));
        out.push(format!("master_port:{}", master.map_or(0, |m| m.port)));
        out.push(format!(
            "master_link_status:{}",
            if up { "up" } else { "down" }
        ));
        // Redis reports -1 while the link is down, and how long it has been down separately.
        out.push(format!(
            "master_last_io_seconds_ago:{}",
            if up { heard.max(0) } else { -1 }
        ));
        out.push("master_sync_in_progress:0".to_string());
        // Entries received (read) versus applied (processed).
        out.push(format!(
            "slave_read_repl_offset:{}",
            v.detail.last_index.max(v.applied)
        ));
        out.push(format!("slave_repl_offset:{}", v.applied));
        if !up {
            out.push(format!("master_link_down_since_seconds:{heard}"));
        }
        out.push("slave_priority:100".to_string());
        out.push("slave_read_only:1".to_string());
        out.push("replica_announced:1".to_string());
    }
    let replicas: Vec<_> = v.replicas().collect();
    out.push(format!("connected_slaves:{}", replicas.len()));
    for (i, (m, p)) in replicas.iter().enumerate() {
        out.push(format!(
            "slave{i}:ip={},port={},state={},offset={},lag={}",
            m.host,
            m.port,
            if p.active { "online" } else { "wait_bgsave" },
            p.matched,
            m.heard_secs_ago()
        ));
    }
    // The Raft log plays the backlog's part once there are members to replicate to.
    let (backlog, first, histlen) = if v.cluster {
        let d = &v.detail;
        (
            1,
            d.first_index,
            (d.last_index + 1).saturating_sub(d.first_index),
        )
    } else {
        (0, 0, 0)
    };
    out.extend([
        "master_failover_state:no-failover".to_string(),
        format!("master_replid:{replid}"),
        format!("master_replid2:{}", "0".repeat(40)),
        format!("master_repl_offset:{}", v.applied),
        "second_repl_offset:-1".to_string(),
        format!("repl_backlog_active:{backlog}"),
        "repl_backlog_size:1048576".to_string(),
        format!("repl_backlog_first_byte_offset:{first}"),
        format!("repl_backlog_histlen:{histlen}"),
    ]);
    out
}

fn join_ids(ids: &[u64]) -> String {
    ids.iter().map(u64::to_string).collect::<Vec<_>>().join(",")
}

/// INFO raft: this node's Raft state and one `raft_peerN` line per other member.
pub fn raft_lines(v: &GroupView) -> Vec<String> {
    let d = &v.detail;
    let mut out = vec![
        format!("raft_node_id:{}", v.me),
        format!("raft_role:{}", v.raft_role),
        format!("raft_term:{}", v.term),
        format!("raft_leader_id:{}", v.leader.unwrap_or(0)),
        format!("raft_commit_index:{}", v.commit),
        format!("raft_applied_index:{}", v.applied),
        format!("raft_first_index:{}", d.first_index),
        format!("raft_last_index:{}", d.last_index),
        format!("raft_log_entries:{}", d.log_entries),
        format!("raft_log_bytes:{}", d.log_bytes),
        format!("raft_snapshot_index:{}", d.snapshot_index),
        format!("raft_snapshots_made:{}", d.snapshots_made),
        format!("raft_snapshots_installed:{}", d.snapshots_installed),
        format!("raft_voters:{}", join_ids(&d.voters)),
        format!("raft_learners:{}", join_ids(&d.learners)),
    ];
    for (i, m) in v.members.iter().filter(|m| m.id != v.me).enumerate() {
        let (matched, active) = m
            .progress
            .as_ref()
            .map_or((0, false), |p| (p.matched, p.active));
        out.push(format!(
            "raft_peer{i}:id={},addr={}:{},match={matched},active={},link={}",
            m.id,
            m.host,
            m.port,
            u8::from(active),
            if m.link_up { "up" } else { "down" }
        ));
    }
    out
}

fn role(session: &mut Session, _argv: &[Bytes]) -> Frame {
    role_reply(&GroupView::gather(session.server.replica()))
}

/// True when this node is the shard's master (HELLO's `role`): see [`GroupView::is_master`].
pub fn is_master(replica: &Replica) -> bool {
    !replica.cluster || replica.group.status().is_leader()
}

// ---------------------------------------------------------------------------------------------
// WAIT
// ---------------------------------------------------------------------------------------------

/// WAIT's arguments, checked in Redis's order: a replica refuses WAIT first, then
/// `numreplicas` must be an integer, then `timeout` a non-negative integer (0 = forever).
///
/// # Errors
/// The error reply.
pub fn parse_wait(master: bool, argv: &[Bytes]) -> Result<(i64, Option<Duration>), Frame> {
    if !master {
        return Err(Frame::error(error::WAIT_ON_REPLICA));
    }
    let replicas = parse_i64(&argv[1]).ok_or_else(|| Frame::error(error::NOT_INTEGER))?;
    let ms = parse_i64(&argv[2]).ok_or_else(|| Frame::error(error::TIMEOUT_NOT_INTEGER))?;
    if ms < 0 {
        return Err(Frame::error(error::TIMEOUT_NEGATIVE));
    }
    Ok((replicas, (ms > 0).then(|| Duration::from_millis(ms as u64))))
}

/// How many followers have the log up to `target`.
pub fn acked(peers: &[PeerProgress], target: u64) -> i64 {
    peers.iter().filter(|p| p.matched >= target).count() as i64
}

/// One check of a blocked WAIT: its reply once decided (enough followers have the entries, the
/// timeout passed, or this node stopped leading — Redis releases blocked clients with
/// `-UNBLOCKED` when a master becomes a replica), else `None`.
pub fn wait_outcome(
    master: bool,
    peers: &[PeerProgress],
    w: &ReplicaWait,
    timed_out: bool,
) -> Option<Frame> {
    if !master {
        return Some(Frame::error(error::UNBLOCKED_ROLE_CHANGED));
    }
    let n = acked(peers, w.target);
    (n >= w.replicas || timed_out).then_some(Frame::Integer(n))
}

/// [`wait_outcome`] on the group's current status (the connection calls it every few ms while
/// a WAIT blocks; the peer progress it reads is refreshed every heartbeat).
pub fn poll_wait(replica: &Replica, w: &ReplicaWait, timed_out: bool) -> Option<Frame> {
    let peers = replica.group.status().detail().peers;
    wait_outcome(is_master(replica), &peers, w, timed_out)
}

fn wait(session: &mut Session, argv: &[Bytes]) -> Frame {
    let replica = session.server.replica();
    let (replicas, timeout) = match parse_wait(is_master(replica), argv) {
        Ok(args) => args,
        Err(e) => return e,
    };
    let status = replica.group.status();
    let target = status.applied();
    let n = acked(&status.detail().peers, target);
    if n >= replicas {
        return Frame::Integer(n);
    }
    session.action = Some(Action::WaitReplicas(ReplicaWait {
        target,
        replicas,
        timeout,
    }));
    // Discarded: the connection replies once the wait is over.
    Frame::Null
}

// ---------------------------------------------------------------------------------------------
// READONLY, READWRITE
// ---------------------------------------------------------------------------------------------

fn cluster_enabled(session: &Session) -> bool {
    session.server.replica().cluster
}

fn readonly(session: &mut Session, _argv: &[Bytes]) -> Frame {
    if !cluster_enabled(session) {
        return Frame::error(error::CLUSTER_SUPPORT_DISABLED);
    }
    session.readonly = true;
    Frame::ok()
}

fn readwrite(session: &mut Session, _argv: &[Bytes]) -> Frame {
    if !cluster_enabled(session) {
        return Frame::error(error::CLUSTER_SUPPORT_DISABLED);
    }
    session.readonly = false;
    Frame::ok()
}

// ---------------------------------------------------------------------------------------------
// CLUSTER
// ---------------------------------------------------------------------------------------------

/// The group's view, or the reply every CLUSTER subcommand gets without cluster mode.
fn cluster_view(session: &Session) -> Result<GroupView, Frame> {
    if !cluster_enabled(session) {
        return Err(Frame::error(error::CLUSTER_SUPPORT_DISABLED));
    }
    Ok(GroupView::gather(session.server.replica()))
}

/// CLUSTER INFO, with Redis 7.0's fields (the per-message-type counters Redis adds are left
/// out: the bus has one kind of envelope, counted in the totals).
pub fn cluster_info_text(v: &GroupView) -> String {
    let all = u32::from(SLOT_COUNT);
    let (state, ok, fail) = match v.slot_owner() {
        Some(_) => ("ok", all, 0),
        None => ("fail", 0, all),
    };
    let lines = [
        format!("cluster_state:{state}"),
        format!("cluster_slots_assigned:{all}"),
        format!("cluster_slots_ok:{ok}"),
        "cluster_slots_pfail:0".to_string(),
        format!("cluster_slots_fail:{fail}"),
        format!("cluster_known_nodes:{}", v.members.len()),
        "cluster_size:1".to_string(),
        format!("cluster_current_epoch:{}", v.term),
        format!("cluster_my_epoch:{}", v.term),
        format!("cluster_stats_messages_sent:{}", v.bus_sent),
        format!("cluster_stats_messages_received:{}", v.bus_received),
        "total_cluster_links_buffer_limit_exceeded:0".to_string(),
    ];
    let mut out = lines.join("\r\n");
    out.push_str("\r\n");
    out
}

/// CLUSTER NODES: one line per member, in id order, in Redis 7's format
/// `<id> <ip>:<port>@<cport> <flags> <master> <ping-sent> <pong-recv> <epoch> <link> [<slots>]`.
/// A peer whose bus link is down is flagged `fail?` (Redis's PFAIL: unreachable from here).
pub fn nodes_text(v: &GroupView) -> String {
    let owner = v.slot_owner().map(|m| m.id);
    let mut out = String::new();
    for m in &v.members {
        let mut flags = String::new();
        if m.id == v.me {
            flags.push_str("myself,");
        }
        let master = owner.filter(|&o| o != m.id);
        flags.push_str(if master.is_some() { "slave" } else { "master" });
        if !m.link_up {
            flags.push_str(",fail?");
        }
        let pong = if m.id == v.me {
            v.now_ms
        } else {
            m.heard_ms_ago.map_or(0, |ago| v.now_ms.saturating_sub(ago))
        };
        out.push_str(&format!(
            "{} {}:{}@{} {flags} {} 0 {pong} {} {}",
            node_name(m.id),
            m.host,
            m.port,
            m.bus_port,
            master.map_or_else(|| "-".to_string(), node_name),
            v.term,
            if m.link_up {
                "connected"
            } else {
                "disconnected"
            },
        ));
        if owner == Some(m.id) {
            out.push_str(&format!(" 0-{}", SLOT_COUNT - 1));
        }
        out.push('\n');
    }
    out
}

/// One node of a CLUSTER SLOTS range: host, port, name, and (Redis 7) a map of extra
/// networking metadata, empty here.
fn slot_node(m: &MemberView) -> Frame {
    Frame::Array(vec![
        bulk(&m.host),
        Frame::Integer(m.port.into()),
        bulk(&node_name(m.id)),
        Frame::Map(Vec::new()),
    ])
}

/// CLUSTER SLOTS: one range, 0-16383, served by the leader, then the replicas reachable from
/// here; empty while no leader is known.
pub fn slots_reply(v: &GroupView) -> Frame {
    let Some(owner) = v.slot_owner() else {
        return Frame::Array(Vec::new());
    };
    let mut range = vec![
        Frame::Integer(0),
        Frame::Integer(i64::from(SLOT_COUNT) - 1),
        slot_node(owner),
    ];
    range.extend(
        v.members
            .iter()
            .filter(|m| m.id != owner.id && m.link_up)
            .map(slot_node),
    );
    Frame::Array(vec![Frame::Array(range)])
}

fn shard_node(v: &GroupView, m: &MemberView, master: bool) -> Frame {
    Frame::Map(vec![
        (bulk("id"), bulk(&node_name(m.id))),
        (bulk("port"), Frame::Integer(m.port.into())),
        (bulk("ip"), bulk(&m.host)),
        (bulk("endpoint"), bulk(&m.host)),
        (
            bulk("role"),
            bulk(if master { "master" } else { "replica" }),
        ),
        (
            bulk("replication-offset"),
            Frame::Integer(v.offset_of(m) as i64),
        ),
        (
            bulk("health"),
            bulk(if m.link_up { "online" } else { "failed" }),
        ),
    ])
}

fn shard(slots: Vec<Frame>, nodes: Vec<Frame>) -> Frame {
    Frame::Map(vec![
        (bulk("slots"), Frame::Array(slots)),
        (bulk("nodes"), Frame::Array(nodes)),
    ])
}

/// CLUSTER SHARDS: one shard owning 0-16383, its master (the leader) first; while no leader is
/// known, every member is its own master of a shard without slots.
pub fn shards_reply(v: &GroupView) -> Frame {
    let Some(owner) = v.slot_owner() else {
        return Frame::Array(
            v.members
                .iter()
                .map(|m| shard(Vec::new(), vec![shard_node(v, m, true)]))
                .collect(),
        );
    };
    let mut nodes = vec![shard_node(v, owner, true)];
    nodes.extend(
        v.members
            .iter()
            .filter(|m| m.id != owner.id)
            .map(|m| shard_node(v, m, false)),
    );
    let slots = vec![Frame::Integer(0), Frame::Integer(i64::from(SLOT_COUNT) - 1)];
    Frame::Array(vec![shard(slots, nodes)])
}

fn cluster_info(session: &mut Session, _argv: &[Bytes]) -> Frame {
    match cluster_view(session) {
        Ok(v) => text(cluster_info_text(&v)),
        Err(e) => e,
    }
}

fn cluster_myid(session: &mut Session, _argv: &[Bytes]) -> Frame {
    if !cluster_enabled(session) {
        return Frame::error(error::CLUSTER_SUPPORT_DISABLED);
    }
    bulk(&node_name(session.server.replica().me))
}

fn cluster_nodes(session: &mut Session, _argv: &[Bytes]) -> Frame {
    match cluster_view(session) {
        Ok(v) => text(nodes_text(&v)),
        Err(e) => e,
    }
}

fn cluster_slots(session: &mut Session, _argv: &[Bytes]) -> Frame {
    match cluster_view(session) {
        Ok(v) => slots_reply(&v),
        Err(e) => e,
    }
}

fn cluster_shards(session: &mut Session, _argv: &[Bytes]) -> Frame {
    match cluster_view(session) {
        Ok(v) => shards_reply(&v),
        Err(e) => e,
    }
}

/// CLUSTER FAILOVER's option.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FailoverMode {
    /// Only with the master's cooperation.
    Default,
    /// Even when the master is unreachable.
    Force,
    /// Without the master's agreement.
    Takeover,
}

/// What CLUSTER FAILOVER does on this node.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FailoverStep {
    /// Ask the leader to hand leadership over to this node (Raft leadership transfer: the
    /// leader brings this node up to date, then lets it campaign at once).
    Transfer,
    /// Start an election now: the leader is unknown or unreachable. It wins only with a
    /// majority's votes, so it cannot split the group.
    Campaign,
}

/// Parses `CLUSTER FAILOVER [FORCE|TAKEOVER]`.
///
/// # Errors
/// Redis's replies: a syntax error for an unknown option, the generic subcommand error for
/// more than one argument.
pub fn parse_failover(argv: &[Bytes]) -> Result<FailoverMode, Frame> {
    match argv.get(2) {
        _ if argv.len() > 3 => Err(Frame::error(error::subcommand_syntax("CLUSTER", &argv[1]))),
        None => Ok(FailoverMode::Default),
        Some(a) if is(a, "force") => Ok(FailoverMode::Force),
        Some(a) if is(a, "takeover") => Ok(FailoverMode::Takeover),
        Some(_) => Err(Frame::error(error::SYNTAX)),
    }
}

/// CLUSTER FAILOVER's decision, with Redis's preconditions: the master refuses; without
/// FORCE or TAKEOVER the replica needs a known master it can reach (the handover is then
/// cooperative); with them, an unknown or unreachable leader is replaced by an election.
///
/// # Errors
/// The error text Redis replies with.
pub fn failover_step(v: &GroupView, mode: FailoverMode) -> Result<FailoverStep, &'static str> {
    if v.is_master() {
        return Err(error::FAILOVER_ON_MASTER);
    }
    let forced = mode != FailoverMode::Default;
    match v.master() {
        Some(m) if m.link_up => Ok(FailoverStep::Transfer),
        _ if forced => Ok(FailoverStep::Campaign),
        Some(_) => Err(error::FAILOVER_MASTER_DOWN),
        None => Err(error::FAILOVER_MASTER_UNKNOWN),
    }
}

fn cluster_failover(session: &mut Session, argv: &[Bytes]) -> Frame {
    if !cluster_enabled(session) {
        return Frame::error(error::CLUSTER_SUPPORT_DISABLED);
    }
    let mode = match parse_failover(argv) {
        Ok(m) => m,
        Err(e) => return e,
    };
    let replica = session.server.replica();
    match failover_step(&GroupView::gather(replica), mode) {
        Ok(FailoverStep::Transfer) => replica.group.transfer_leader(replica.me),
        Ok(FailoverStep::Campaign) => replica.group.campaign(),
        Err(e) => return Frame::error(e),
    }
    tracing::info!(?mode, "manual failover requested (CLUSTER FAILOVER)");
    // Redis answers at once; the outcome shows in ROLE and CLUSTER NODES.
    Frame::ok()
}

/// CLUSTER FORGET <node-id>: on the leader, removes a member from the group (a Raft conf
/// change); the member stops receiving the log. Node ids are [`node_name`]s.
fn cluster_forget(session: &mut Session, argv: &[Bytes]) -> Frame {
    if !cluster_enabled(session) {
        return Frame::error(error::CLUSTER_SUPPORT_DISABLED);
    }
    let replica = session.server.replica();
    let unknown = || Frame::error(error::unknown_node(&argv[2]));
    let Some(id) = std::str::from_utf8(&argv[2])
        .ok()
        .filter(|s| s.len() == 40)
        .and_then(|s| u64::from_str_radix(s, 16).ok())
    else {
        return unknown();
    };
    if id == replica.me {
        return Frame::error(error::FORGET_MYSELF);
    }
    if replica.topology().member(id).is_none() {
        return unknown();
    }
    let status = replica.group.status();
    if status.leader() == Some(id) {
        return Frame::error(error::FORGET_MY_MASTER);
    }
    if !status.is_leader() {
        // Membership changes are Raft conf changes: only the leader can propose them.
        let leader = replica
            .leader()
            .map_or("?".to_string(), |m| m.client_addr());
        return Frame::error(format!(
            "ERR membership changes go through the leader: send CLUSTER FORGET to {leader}"
        ));
    }
    tracing::info!(id, "removing a member (CLUSTER FORGET)");
    drop(replica.group.change_membership(
        redraft_cluster::raft::MembershipKind::Removed,
        id,
        Bytes::new(),
    ));
    Frame::ok()
}

fn cluster_keyslot(session: &mut Session, argv: &[Bytes]) -> Frame {
    if !cluster_enabled(session) {
        return Frame::error(error::CLUSTER_SUPPORT_DISABLED);
    }
    Frame::Integer(key_hash_slot(&argv[2]).into())
}

/// A slot argument: an integer (else Redis's integer error), then in range (else `invalid`).
fn parse_slot(arg: &[u8], invalid: &'static str) -> Result<u16, Frame> {
    let slot = parse_i64(arg).ok_or_else(|| Frame::error(error::NOT_INTEGER))?;
    u16::try_from(slot)
        .ok()
        .filter(|&s| s < SLOT_COUNT)
        .ok_or_else(|| Frame::error(invalid))
}

/// Calls `f` with every live key of the selected database that hashes to `slot` until it
/// returns false. One group owns every slot and there is no per-slot index yet, so this scans
/// the database under the shard lock: O(N), like KEYS.
fn for_keys_in_slot(session: &Session, slot: u16, mut f: impl FnMut(&[u8]) -> bool) {
    let (db, now) = (session.db, unix_ms());
    session.server.shard.with(|st| {
        let d = st.keyspace.db(db);
        for (i, e) in d.iter() {
            if !d.is_expired(i, now) && key_hash_slot(&e.key) == slot && !f(&e.key) {
                break;
            }
        }
    });
}

fn cluster_countkeysinslot(session: &mut Session, argv: &[Bytes]) -> Frame {
    if !cluster_enabled(session) {
        return Frame::error(error::CLUSTER_SUPPORT_DISABLED);
    }
    let slot = match parse_slot(&argv[2], error::INVALID_SLOT) {
        Ok(s) => s,
        Err(e) => return e,
    };
    let mut n = 0;
    for_keys_in_slot(session, slot, |_| {
        n += 1;
        true
    });
    Frame::Integer(n)
}

fn cluster_getkeysinslot(session: &mut Session, argv: &[Bytes]) -> Frame {
    if !cluster_enabled(session) {
        return Frame::error(error::CLUSTER_SUPPORT_DISABLED);
    }
    // Both are parsed before either is range-checked, as Redis does.
    let (Some(slot), Some(count)) = (parse_i64(&argv[2]), parse_i64(&argv[3])) else {
        return Frame::error(error::NOT_INTEGER);
    };
    let (Ok(slot), Ok(count)) = (u16::try_from(slot), usize::try_from(count)) else {
        return Frame::error(error::INVALID_SLOT_OR_COUNT);
    };
    if slot >= SLOT_COUNT {
        return Frame::error(error::INVALID_SLOT_OR_COUNT);
    }
    let mut keys = Vec::new();
    if count > 0 {
        for_keys_in_slot(session, slot, |k| {
            keys.push(Frame::bulk_from(k));
            keys.len() < count
        });
    }
    Frame::Array(keys)
}

fn cluster_help(session: &mut Session, _argv: &[Bytes]) -> Frame {
    if !cluster_enabled(session) {
        return Frame::error(error::CLUSTER_SUPPORT_DISABLED);
    }
    help_reply(
        "CLUSTER",
        &[
            "COUNTKEYSINSLOT <slot>",
            "    Return the number of keys in <slot>.",
            "FORGET <node-id>",
            "    Remove a node from the group (on the leader: a Raft membership change).",
            "FAILOVER [FORCE|TAKEOVER]",
            "    Promote current replica node to being a master.",
            "GETKEYSINSLOT <slot> <count>",
            "    Return key names stored by current node in a slot.",
            "INFO",
            "    Return information about the cluster.",
            "KEYSLOT <key>",
            "    Return the hash slot for <key>.",
            "MYID",
            "    Return the node id.",
            "NODES",
            "    Return cluster configuration seen by node. Output format:",
            "    <id> <ip:port> <flags> <master> <pings> <pongs> <epoch> <link> <slot> ...",
            "SLOTS",
            "    Return information about slots range mappings. Each range is made of:",
            "    start, end, master and replicas IP addresses, ports and ids",
            "SHARDS",
            "    Return information about slot range mappings and the nodes associated with them.",
        ],
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cmd::test_argv as args;
    use redraft_protocol::encode::encode;
    use redraft_protocol::Version;

    fn member(id: u64, link_up: bool, progress: Option<(u64, bool)>) -> MemberView {
        MemberView {
            id,
            host: "127.0.0.1".into(),
            port: 7000 + id as u16,
            bus_port: 17000 + id as u16,
            link_up,
            heard_ms_ago: Some(1500),
            progress: progress.map(|(matched, active)| PeerProgress {
                id,
                matched,
                voter: true,
                active,
            }),
        }
    }

    /// Node 1 leads a group of three, node 3's link is down.
    fn leader_view() -> GroupView {
        GroupView {
            cluster: true,
            me: 1,
            leading: true,
            raft_role: "leader",
            leader: Some(1),
            term: 3,
            commit: 42,
            applied: 42,
            detail: StatusDetail {
                voters: vec![1, 2, 3],
                first_index: 10,
                last_index: 42,
                log_entries: 33,
                log_bytes: 999,
                ..StatusDetail::default()
            },
            members: vec![
                member(1, true, None),
                member(2, true, Some((42, true))),
                member(3, false, Some((7, false))),
            ],
            bus_sent: 5,
            bus_received: 6,
            now_ms: 1_700_000_000_000,
        }
    }

    /// Node 2 follows node 1.
    fn follower_view() -> GroupView {
        let mut v = leader_view();
        v.me = 2;
        v.leading = false;
        v.raft_role = "follower";
        v.applied = 40;
        v.members = vec![
            member(1, true, None),
            member(2, true, None),
            member(3, true, None),
        ];
        v
    }

    fn wire(f: &Frame) -> String {
        let mut out = bytes::BytesMut::new();
        encode(f, Version::Resp2, &mut out);
        String::from_utf8_lossy(&out).into_owned()
    }

    #[test]
    fn node_names_are_padded_hex_ids() {
        assert_eq!(node_name(1), format!("{}1", "0".repeat(39)));
        assert_eq!(node_name(255).len(), 40);
        assert!(node_name(255).ends_with("ff"));
    }

    #[test]
    fn role_on_leader_lists_online_replicas_as_bulk_strings() {
        assert_eq!(
            wire(&role_reply(&leader_view())),
            "*3\r\n$6\r\nmaster\r\n:42\r\n*1\r\n*3\r\n$9\r\n127.0.0.1\r\n$4\r\n7002\r\n$2\r\n42\r\n"
        );
    }

    #[test]
    fn role_on_follower_and_orphan() {
        assert_eq!(
            wire(&role_reply(&follower_view())),
            "*5\r\n$5\r\nslave\r\n$9\r\n127.0.0.1\r\n:7001\r\n$9\r\nconnected\r\n:40\r\n"
        );
        let mut v = follower_view();
        v.members[0].link_up = false;
        assert!(wire(&role_reply(&v)).contains("$7\r\nconnect\r\n"));
        v.leader = None;
        assert_eq!(
            wire(&role_reply(&v)),
            "*5\r\n$5\r\nslave\r\n$1\r\n?\r\n:0\r\n$7\r\nconnect\r\n:40\r\n"
        );
    }

    #[test]
    fn standalone_is_a_master_without_replicas() {
        let v = GroupView {
            applied: 5,
            ..GroupView::default()
        };
        assert_eq!(wire(&role_reply(&v)), "*3\r\n$6\r\nmaster\r\n:5\r\n*0\r\n");
        let lines = replication_lines(&v, "r");
        assert_eq!(
            lines,
            [
                "role:master",
                "connected_slaves:0",
                "master_failover_state:no-failover",
                "master_replid:r",
                &format!("master_replid2:{}", "0".repeat(40)),
                "master_repl_offset:5",
                "second_repl_offset:-1",
                "repl_backlog_active:0",
                "repl_backlog_size:1048576",
                "repl_backlog_first_byte_offset:0",
                "repl_backlog_histlen:0",
            ]
        );
    }

    #[test]
    fn replication_lines_on_leader() {
        let lines = replication_lines(&leader_view(), "r");
        assert_eq!(
            &lines[..4],
            [
                "role:master",
                "connected_slaves:1",
                "slave0:ip=127.0.0.1,port=7002,state=online,offset=42,lag=1",
                "master_failover_state:no-failover",
            ]
        );
        assert!(lines.contains(&"repl_backlog_first_byte_offset:10".to_string()));
        assert!(lines.contains(&"repl_backlog_histlen:33".to_string()));
        // A connected replica that lags shows as wait_bgsave.
        let mut v = leader_view();
        v.members[2].link_up = true;
        let lines = replication_lines(&v, "r");
        assert_eq!(lines[1], "connected_slaves:2");
        assert_eq!(
            lines[3],
            "slave1:ip=127.0.0.1,port=7003,state=wait_bgsave,offset=7,lag=1"
        );
    }

    #[test]
    fn replication_lines_on_follower_follow_redis_order() {
        let lines = replication_lines(&follower_view(), "r");
        assert_eq!(
            &lines[..13],
            [
                "role:slave",
                "master_host:127.0.0.1",
                "master_port:7001",
                "master_link_status:up",
                "master_last_io_seconds_ago:1",
                "master_sync_in_progress:0",
                "slave_read_repl_offset:42",
                "slave_repl_offset:40",
                "slave_priority:100",
                "slave_read_only:1",
                "replica_announced:1",
                "connected_slaves:0",
                "master_failover_state:no-failover",
            ]
        );
        let mut v = follower_view();
        v.members[0].link_up = false;
        let lines = replication_lines(&v, "r");
        assert!(lines.contains(&"master_link_status:down".to_string()));
        assert!(lines.contains(&"master_last_io_seconds_ago:-1".to_string()));
        assert!(lines.contains(&"master_link_down_since_seconds:1".to_string()));
    }

    #[test]
    fn raft_lines_list_peers() {
        let lines = raft_lines(&leader_view());
        assert_eq!(lines[0], "raft_node_id:1");
        assert!(lines.contains(&"raft_voters:1,2,3".to_string()));
        assert!(lines.contains(&"raft_learners:".to_string()));
        assert_eq!(
            &lines[lines.len() - 2..],
            [
                "raft_peer0:id=2,addr=127.0.0.1:7002,match=42,active=1,link=up",
                "raft_peer1:id=3,addr=127.0.0.1:7003,match=7,active=0,link=down",
            ]
        );
        assert!(lines
            .iter()
            .all(|l| l.starts_with("raft_") && l.contains(':')));
    }

    #[test]
    fn nodes_lines_match_redis_format() {
        let n = |id| node_name(id);
        assert_eq!(
            nodes_text(&follower_view()),
            format!(
                "{} 127.0.0.1:7001@17001 master - 0 1699999998500 3 connected 0-16383\n\
                 {} 127.0.0.1:7002@17002 myself,slave {} 0 1700000000000 3 connected\n\
                 {} 127.0.0.1:7003@17003 slave {} 0 1699999998500 3 connected\n",
                n(1),
                n(2),
                n(1),
                n(3),
                n(1)
            )
        );
        let text = nodes_text(&leader_view());
        assert!(text.contains(" myself,master - 0 1700000000000 3 connected 0-16383\n"));
        assert!(text.contains(" slave,fail? "));
        assert!(text.contains(" disconnected\n"));
    }

    #[test]
    fn cluster_info_reflects_leadership() {
        let text = cluster_info_text(&leader_view());
        assert!(text.starts_with(
            "cluster_state:ok\r\ncluster_slots_assigned:16384\r\ncluster_slots_ok:16384\r\n"
        ));
        assert!(text.contains("cluster_known_nodes:3\r\ncluster_size:1\r\ncluster_current_epoch:3\r\ncluster_my_epoch:3\r\n"));
        assert!(text.ends_with("total_cluster_links_buffer_limit_exceeded:0\r\n"));
        let mut v = follower_view();
        v.leader = None;
        let text = cluster_info_text(&v);
        assert!(text.contains("cluster_state:fail\r\n"));
        assert!(text.contains("cluster_slots_fail:16384\r\n"));
    }

    #[test]
    fn slots_list_the_leader_then_reachable_replicas() {
        let node = |id: u64| {
            format!(
                "*4\r\n$9\r\n127.0.0.1\r\n:{}\r\n$40\r\n{}\r\n*0\r\n",
                7000 + id,
                node_name(id)
            )
        };
        assert_eq!(
            wire(&slots_reply(&leader_view())),
            format!("*1\r\n*4\r\n:0\r\n:16383\r\n{}{}", node(1), node(2))
        );
        assert_eq!(
            wire(&slots_reply(&follower_view())),
            format!(
                "*1\r\n*5\r\n:0\r\n:16383\r\n{}{}{}",
                node(1),
                node(2),
                node(3)
            )
        );
        let mut v = follower_view();
        v.leader = None;
        assert_eq!(wire(&slots_reply(&v)), "*0\r\n");
    }

    #[test]
    fn shards_put_the_master_first() {
        let Frame::Array(shards) = shards_reply(&follower_view()) else {
            panic!("not an array")
        };
        assert_eq!(shards.len(), 1);
        let text = wire(&shards[0]);
        assert!(
            text.starts_with("*4\r\n$5\r\nslots\r\n*2\r\n:0\r\n:16383\r\n$5\r\nnodes\r\n*3\r\n")
        );
        let master = text.find("$6\r\nmaster").unwrap();
        assert!(text.find(&node_name(1)).unwrap() < master);
        // The leader's offset as a follower knows it: the commit index.
        assert!(text.contains("$18\r\nreplication-offset\r\n:42\r\n"));
        let mut v = follower_view();
        v.leader = None;
        let Frame::Array(shards) = shards_reply(&v) else {
            panic!("not an array")
        };
        assert_eq!(shards.len(), 3);
    }

    #[test]
    fn wait_arguments_in_redis_order() {
        let err = |master, words: &[&str]| match parse_wait(master, &args(words)) {
            Err(Frame::Error(e)) => String::from_utf8_lossy(&e).into_owned(),
            other => panic!("{other:?}"),
        };
        assert_eq!(err(false, &["wait", "x", "x"]), error::WAIT_ON_REPLICA);
        assert_eq!(err(true, &["wait", "x", "x"]), error::NOT_INTEGER);
        assert_eq!(err(true, &["wait", "1", "x"]), error::TIMEOUT_NOT_INTEGER);
        assert_eq!(err(true, &["wait", "1", "-1"]), error::TIMEOUT_NEGATIVE);
        assert_eq!(
            parse_wait(true, &args(&["wait", "-1", "0"])).unwrap(),
            (-1, None)
        );
        assert_eq!(
            parse_wait(true, &args(&["wait", "2", "250"])).unwrap(),
            (2, Some(Duration::from_millis(250)))
        );
    }

    #[test]
    fn wait_outcomes() {
        let peers = [
            PeerProgress {
                id: 2,
                matched: 10,
                voter: true,
                active: true,
            },
            PeerProgress {
                id: 3,
                matched: 9,
                voter: true,
                active: true,
            },
        ];
        let w = ReplicaWait {
            target: 10,
            replicas: 2,
            timeout: None,
        };
        assert_eq!(acked(&peers, 10), 1);
        assert_eq!(wait_outcome(true, &peers, &w, false), None);
        assert_eq!(
            wait_outcome(true, &peers, &w, true),
            Some(Frame::Integer(1))
        );
        let w1 = ReplicaWait { replicas: 1, ..w };
        assert_eq!(
            wait_outcome(true, &peers, &w1, false),
            Some(Frame::Integer(1))
        );
        assert_eq!(
            wait_outcome(false, &peers, &w, false),
            Some(Frame::error(error::UNBLOCKED_ROLE_CHANGED))
        );
    }

    #[test]
    fn failover_preconditions() {
        assert_eq!(
            parse_failover(&args(&["cluster", "failover"])).unwrap(),
            FailoverMode::Default
        );
        assert_eq!(
            parse_failover(&args(&["cluster", "failover", "TAKEOVER"])).unwrap(),
            FailoverMode::Takeover
        );
        assert_eq!(
            parse_failover(&args(&["cluster", "failover", "bad"])).unwrap_err(),
            Frame::error(error::SYNTAX)
        );
        assert_eq!(
            parse_failover(&args(&["cluster", "FAILOVER", "force", "takeover"])).unwrap_err(),
            Frame::error(
                "ERR unknown subcommand or wrong number of arguments for 'FAILOVER'. Try CLUSTER HELP."
            )
        );
        assert_eq!(
            failover_step(&leader_view(), FailoverMode::Force),
            Err(error::FAILOVER_ON_MASTER)
        );
        let mut v = follower_view();
        assert_eq!(
            failover_step(&v, FailoverMode::Default),
            Ok(FailoverStep::Transfer)
        );
        v.members[0].link_up = false;
        assert_eq!(
            failover_step(&v, FailoverMode::Default),
            Err(error::FAILOVER_MASTER_DOWN)
        );
        assert_eq!(
            failover_step(&v, FailoverMode::Force),
            Ok(FailoverStep::Campaign)
        );
        v.leader = None;
        assert_eq!(
            failover_step(&v, FailoverMode::Default),
            Err(error::FAILOVER_MASTER_UNKNOWN)
        );
        assert_eq!(
            failover_step(&v, FailoverMode::Takeover),
            Ok(FailoverStep::Campaign)
        );
    }

    #[test]
    fn slot_arguments() {
        assert_eq!(parse_slot(b"16383", error::INVALID_SLOT), Ok(16383));
        assert_eq!(
            parse_slot(b"16384", error::INVALID_SLOT),
            Err(Frame::error(error::INVALID_SLOT))
        );
        assert_eq!(
            parse_slot(b"-1", error::INVALID_SLOT),
            Err(Frame::error(error::INVALID_SLOT))
        );
        assert_eq!(
            parse_slot(b"x", error::INVALID_SLOT),
            Err(Frame::error(error::NOT_INTEGER))
        );
    }
}
