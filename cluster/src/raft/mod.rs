//! Raft shard groups: one task per group owns a raft-rs `RawNode` and follows the Ready protocol.
//!
//! Map:
//! - [`driver`]: the task — ticks, steps peer messages, batches proposals into entries, persists,
//!   sends, applies committed entries through the [`StateMachine`] and answers each proposer.
//! - [`storage`]: [`GroupStorage`], raft-rs's `Storage` over memory and the durable
//!   [`crate::log::LogStore`], plus hard state, conf state and snapshots.
//! - [`batch`]: how several proposals share one entry.
//! - [`logger`]: raft-rs's slog records into `tracing`.
//!
//! The group's users hold a [`Group`] handle: propose, wait for a read barrier (ReadIndex),
//! transfer leadership, read the status. The server implements [`StateMachine`]; this crate
//! never sees a keyspace.

pub mod batch;
pub mod driver;
pub mod logger;
pub mod storage;

use std::sync::atomic::{AtomicU64, AtomicU8, Ordering};
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use parking_lot::Mutex;
use raft::eraftpb::Message;
use tokio::sync::{mpsc, oneshot};

pub use storage::{Durability, Fsync, GroupStorage, StoreError};

/// What a group replicates: the server's keyspace. Called only from the group's task.
pub trait StateMachine: Send + 'static {
    /// The reply to one proposal (the server's: one frame per command of the batch).
    type Reply: Send + 'static;

    /// Applies committed entry `index`: its proposals in order, one reply pushed per proposal.
    fn apply(&mut self, index: u64, proposals: &[Bytes], replies: &mut Vec<Self::Reply>);

    /// Records that entry `index` changed nothing (a leader's no-op, a conf change, or an entry
    /// whose payload could not be decoded — logged by the driver).
    fn skip(&mut self, index: u64);

    /// Serializes the state at the last applied index: `(index, bytes)`.
    fn snapshot(&mut self) -> (u64, Bytes);

    /// Called on every member when a membership change is applied (before `skip(index)`), with
    /// the change's context (the server puts the member's addresses there) and the resulting
    /// configuration. A snapshot install does not call it: [`StateMachine::restore`] gets the
    /// configuration's members from the snapshot's conf state via [`Self::membership`].
    fn membership_changed(&mut self, _change: &MembershipChange) {}

    /// The configuration after a snapshot was installed (voters and learners), so the state
    /// machine can reconcile its address book.
    fn membership(&mut self, _voters: &[u64], _learners: &[u64]) {}

    /// Replaces the whole state with a snapshot's taken at `index`.
    ///
    /// # Errors
    /// A description of why `data` is not a valid snapshot; the state is left unchanged.
    fn restore(&mut self, index: u64, data: &Bytes) -> Result<(), String>;
}

/// A membership change as it was applied.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MembershipChange {
    /// The member.
    pub node_id: u64,
    /// What happened to it.
    pub kind: MembershipKind,
    /// What the proposer attached (the server: `host:port@bus`).
    pub context: Bytes,
    /// Voters after the change.
    pub voters: Vec<u64>,
    /// Learners after the change.
    pub learners: Vec<u64>,
}

/// The kinds of membership change.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MembershipKind {
    /// Added as a learner: receives the log, does not vote yet.
    AddedLearner,
    /// Added as (or promoted to) a voter.
    AddedVoter,
    /// Removed from the group.
    Removed,
}

/// Sends Raft messages to peers (the bus; an in-memory router in tests).
pub trait Outbox: Send + Sync + 'static {
    /// Queues `msg` for node `msg.to` in group `group`. Never blocks. `false` when it was
    /// dropped (unknown peer, full queue): Raft retransmits.
    fn send(&self, group: u64, msg: Message) -> bool;
}

/// Why a proposal or read barrier did not succeed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ProposeError {
    /// This node is not the leader; nothing was proposed (safe to retry elsewhere).
    #[error("not the leader (leader: {leader:?})")]
    NotLeader {
        /// The leader's id if known.
        leader: Option<u64>,
    },
    /// Leadership changed or the node lost contact after the entry was proposed, and its fate
    /// could not be learned: it may or may not be committed.
    #[error("leadership changed; the outcome is unknown")]
    Unknown,
    /// The group is shutting down.
    #[error("shutting down")]
    Shutdown,
}

/// A node's role in its group.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(u8)]
pub enum Role {
    /// Following a leader (or waiting for one).
    Follower = 0,
    /// Asking for votes.
    Candidate = 1,
    /// The leader: the shard's primary.
    Leader = 2,
    /// Asking whether an election could succeed (pre-vote).
    PreCandidate = 3,
}

/// One peer as the leader sees it (INFO replication, ROLE, WAIT).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PeerProgress {
    /// Node id.
    pub id: u64,
    /// Highest log index known to be on that peer.
    pub matched: u64,
    /// A voter (false: learner).
    pub voter: bool,
    /// The leader heard from it within the last election timeout.
    pub active: bool,
}

/// The slower-changing part of the status, refreshed every tick and on role changes.
#[derive(Debug, Clone, Default)]
pub struct StatusDetail {
    /// Peers' progress (leader only; empty elsewhere).
    pub peers: Vec<PeerProgress>,
    /// Voters and learners of the current configuration.
    pub voters: Vec<u64>,
    /// Learners.
    pub learners: Vec<u64>,
    /// First index in the log.
    pub first_index: u64,
    /// Last index in the log.
    pub last_index: u64,
    /// Entries held and their bytes.
    pub log_entries: usize,
    /// Bytes of entry data held.
    pub log_bytes: usize,
    /// Index of the latest snapshot.
    pub snapshot_index: u64,
    /// Snapshots this node has made and installed.
    pub snapshots_made: u64,
    /// Snapshots installed from a leader.
    pub snapshots_installed: u64,
}

/// A group's status, shared between its task (writer) and everyone else (readers). The fields
/// every request looks at are atomics; the rest sits behind a mutex refreshed once per tick.
#[derive(Debug, Default)]
pub struct GroupStatus {
    role: AtomicU8,
    leader: AtomicU64,
    term: AtomicU64,
    commit: AtomicU64,
    applied: AtomicU64,
    voter_count: AtomicU64,
    /// The leader has applied an entry of its own term, hence everything committed before it
    /// became leader: a group of one may then serve reads without a barrier.
    caught_up: std::sync::atomic::AtomicBool,
    detail: Mutex<StatusDetail>,
}

impl GroupStatus {
    /// This node's role.
    pub fn role(&self) -> Role {
        match self.role.load(Ordering::Acquire) {
            1 => Role::Candidate,
            2 => Role::Leader,
            3 => Role::PreCandidate,
            _ => Role::Follower,
        }
    }

    /// True when this node is the leader.
    pub fn is_leader(&self) -> bool {
        self.role() == Role::Leader
    }

    /// True when this node leads and has applied everything committed before its term (see
    /// the field's doc).
    pub fn leader_caught_up(&self) -> bool {
        self.is_leader() && self.caught_up.load(Ordering::Acquire)
    }

    /// The leader's id, if one is known.
    pub fn leader(&self) -> Option<u64> {
        match self.leader.load(Ordering::Acquire) {
            0 => None,
            id => Some(id),
        }
    }

    /// The current term.
    pub fn term(&self) -> u64 {
        self.term.load(Ordering::Relaxed)
    }

    /// The commit index.
    pub fn commit(&self) -> u64 {
        self.commit.load(Ordering::Relaxed)
    }

    /// The last applied index.
    pub fn applied(&self) -> u64 {
        self.applied.load(Ordering::Relaxed)
    }

    /// Number of voters in the configuration.
    pub fn voter_count(&self) -> u64 {
        self.voter_count.load(Ordering::Relaxed)
    }

    /// A copy of the detail.
    pub fn detail(&self) -> StatusDetail {
        self.detail.lock().clone()
    }
}

/// Settings of one group member.
#[derive(Debug, Clone)]
pub struct GroupConfig {
    /// This node's id (non-zero).
    pub node_id: u64,
    /// The group's id (0 for the only group until the hash-slot cluster lands).
    pub group_id: u64,
    /// The configuration a fresh group starts with (ignored when state is on disk).
    pub initial_voters: Vec<u64>,
    /// The election timeout: a follower that hears nothing from a leader for between this and
    /// 1.5 times this starts an election; a leader that hears from no quorum for this long steps
    /// down (check-quorum).
    pub election_timeout: Duration,
    /// Heartbeat interval (and tick length).
    pub heartbeat: Duration,
    /// Memory or disk.
    pub durability: Durability,
    /// A snapshot is taken and the log compacted once the log holds this many bytes of entries
    /// (Redis's `auto-aof-rewrite-min-size`).
    pub snapshot_log_bytes: usize,
}

impl GroupConfig {
    /// A config with the defaults: 1 s election timeout, 100 ms heartbeats, in memory.
    pub fn new(node_id: u64, initial_voters: Vec<u64>) -> GroupConfig {
        GroupConfig {
            node_id,
            group_id: 0,
            initial_voters,
            election_timeout: Duration::from_millis(1000),
            heartbeat: Duration::from_millis(100),
            durability: Durability::Memory,
            snapshot_log_bytes: 64 << 20,
        }
    }
}

/// A request to the group's task.
pub(crate) enum Request<R> {
    Propose(Bytes, Option<oneshot::Sender<Result<R, ProposeError>>>),
    ReadBarrier(oneshot::Sender<Result<u64, ProposeError>>),
    Step(Box<Message>),
    TransferLeader(u64),
    Campaign,
    ChangeMembership(
        MembershipKind,
        u64,
        Bytes,
        oneshot::Sender<Result<(), ProposeError>>,
    ),
}

/// A handle on a running group: cheap to clone, usable from any task.
pub struct Group<R> {
    tx: mpsc::UnboundedSender<Request<R>>,
    status: Arc<GroupStatus>,
    node_id: u64,
}

impl<R> Clone for Group<R> {
    fn clone(&self) -> Self {
        Group {
            tx: self.tx.clone(),
            status: self.status.clone(),
            node_id: self.node_id,
        }
    }
}

impl<R: Send + 'static> Group<R> {
    /// This node's id.
    pub fn node_id(&self) -> u64 {
        self.node_id
    }

    /// The group's status.
    pub fn status(&self) -> &GroupStatus {
        &self.status
    }

    /// Proposes `data` (one client's writes); the receiver yields the state machine's reply once
    /// the entry is committed and applied here. Dropping the receiver does not cancel.
    pub fn propose(&self, data: Bytes) -> oneshot::Receiver<Result<R, ProposeError>> {
        let (tx, rx) = oneshot::channel();
        // A closed channel drops `tx`, which the receiver sees as an error: shutdown.
        let _ = self.tx.send(Request::Propose(data, Some(tx)));
        rx
    }

    /// Proposes `data` without waiting for the outcome (expiry deletions).
    pub fn propose_detached(&self, data: Bytes) {
        let _ = self.tx.send(Request::Propose(data, None));
    }

    /// Resolves once this node, as leader, has applied everything committed before the call:
    /// reads made after it are linearizable (Raft's ReadIndex, one round for all waiting reads).
    pub fn read_barrier(&self) -> oneshot::Receiver<Result<u64, ProposeError>> {
        let (tx, rx) = oneshot::channel();
        let _ = self.tx.send(Request::ReadBarrier(tx));
        rx
    }

    /// Hands a message from a peer to the group.
    pub fn step(&self, msg: Message) {
        let _ = self.tx.send(Request::Step(Box::new(msg)));
    }

    /// Asks the leader to hand leadership to `to` (this node's id for CLUSTER FAILOVER on a
    /// replica; 0: the leader picks its most up-to-date voter). Returns at once; watch the
    /// status for the outcome.
    pub fn transfer_leader(&self, to: u64) {
        let _ = self.tx.send(Request::TransferLeader(to));
    }

    /// Proposes a membership change (leader only): add `node_id` as a learner — the leader
    /// promotes it to voter by itself once it has caught up with the log — or remove it.
    /// Resolves once the change is proposed (watch the status for it being applied).
    pub fn change_membership(
        &self,
        kind: MembershipKind,
        node_id: u64,
        context: Bytes,
    ) -> oneshot::Receiver<Result<(), ProposeError>> {
        let (tx, rx) = oneshot::channel();
        let _ = self
            .tx
            .send(Request::ChangeMembership(kind, node_id, context, tx));
        rx
    }

    /// Starts an election now (a fresh single-member group does this at start).
    pub fn campaign(&self) {
        let _ = self.tx.send(Request::Campaign);
    }
}
