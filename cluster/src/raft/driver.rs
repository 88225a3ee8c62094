//! The task that owns one group's `RawNode` (see docs/cluster.md for the life of a write).
//!
//! Each turn of the loop: take every request waiting (proposals, read barriers, peer messages),
//! or a tick; turn the waiting proposals into ONE entry (many clients' writes per round); then
//! run the Ready protocol, step by step as raft-rs documents it.
//!
//! Answering proposers: a proposal is remembered with the index and term its entry got. When
//! the entry at that index is applied, the same term means it was committed (the reply is the
//! state machine's), another term means it was overwritten and never committed (`NotLeader`:
//! safe to retry). A node that loses leadership keeps its pending proposals: as a follower it
//! still applies the new leader's log and so learns each one's fate. Only when it cannot learn
//! it (no contact for three election timeouts, or a snapshot jumped past the index) does the
//! proposer get `Unknown`.

use std::collections::VecDeque;
use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use protobuf::Message as _;
use raft::eraftpb::{
    ConfChange, ConfChangeType, ConfChangeV2, Entry, EntryType, Message, Snapshot,
};
use raft::{RawNode, ReadOnlyOption, StateRole};
use tokio::sync::{mpsc, oneshot};
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;

use super::storage::GroupStorage;
use super::{
    batch, logger, Group, GroupConfig, GroupStatus, MembershipChange, MembershipKind, Outbox,
    PeerProgress, ProposeError, Request, Role, StateMachine, StatusDetail, StoreError,
};

/// Largest payload of one entry; a round with more proposals makes several entries.
const MAX_ENTRY_BYTES: usize = 4 << 20;

/// Why a group could not start.
#[derive(Debug, thiserror::Error)]
pub enum StartError {
    /// Its storage could not be opened.
    #[error(transparent)]
    Storage(#[from] StoreError),
    /// raft-rs refused the configuration or the stored state.
    #[error("raft: {0}")]
    Raft(#[from] raft::Error),
    /// The stored snapshot could not be loaded into the state machine.
    #[error("snapshot at index {index}: {reason}")]
    Snapshot {
        /// Its index.
        index: u64,
        /// Why.
        reason: String,
    },
}

type ReplyTx<R> = oneshot::Sender<Result<R, ProposeError>>;
type ReadTx = oneshot::Sender<Result<u64, ProposeError>>;

struct Pending<R> {
    index: u64,
    term: u64,
    replies: Vec<Option<ReplyTx<R>>>,
}

struct ReadRound {
    id: u64,
    issued_tick: u64,
    waiters: Vec<ReadTx>,
}

struct Driver<S: StateMachine> {
    node: RawNode<GroupStorage>,
    sm: S,
    cfg: GroupConfig,
    outbox: Arc<dyn Outbox>,
    rx: mpsc::UnboundedReceiver<Request<S::Reply>>,
    status: Arc<GroupStatus>,
    /// Proposals of this round, not yet in an entry.
    batch: Vec<Bytes>,
    batch_replies: Vec<Option<ReplyTx<S::Reply>>>,
    batch_bytes: usize,
    /// Proposed entries awaiting their fate, in index order.
    pending: VecDeque<Pending<S::Reply>>,
    /// Tick at which this node last stopped being leader with proposals pending.
    orphaned_since: Option<u64>,
    /// Read barriers of this round, not yet sent as a ReadIndex request.
    reads_waiting: Vec<ReadTx>,
    /// ReadIndex requests in flight.
    read_rounds: Vec<ReadRound>,
    /// ReadIndex answers waiting for the apply index to reach them.
    reads_ready: Vec<(u64, Vec<ReadTx>)>,
    next_read_id: u64,
    ticks: u64,
    ticks_per_election: u64,
    applied: u64,
    replies: Vec<S::Reply>,
    detail: StatusDetail,
}

/// Opens the group's storage, loads its latest snapshot into `sm`, and spawns its task on the
/// current tokio runtime.
///
/// # Errors
/// See [`StartError`].
pub fn start<S: StateMachine>(
    cfg: GroupConfig,
    mut sm: S,
    outbox: Arc<dyn Outbox>,
    cancel: CancellationToken,
) -> Result<(Group<S::Reply>, JoinHandle<()>), StartError> {
    let storage = GroupStorage::open(&cfg.durability, &cfg.initial_voters)?;
    let snap = storage.latest_snapshot().clone();
    let snap_index = snap.get_metadata().index;
    if snap_index > 0 {
        sm.restore(snap_index, &snap.data)
            .map_err(|reason| StartError::Snapshot {
                index: snap_index,
                reason,
            })?;
    }
    let ticks_per_election =
        (cfg.election_timeout.as_millis() / cfg.heartbeat.as_millis().max(1)).max(3) as usize;
    let raft_cfg = raft::Config {
        id: cfg.node_id,
        election_tick: ticks_per_election,
        heartbeat_tick: 1,
        min_election_tick: ticks_per_election,
        max_election_tick: ticks_per_election * 3 / 2 + 1,
        applied: snap_index,
        check_quorum: true,
        pre_vote: true,
        read_only_option: ReadOnlyOption::Safe,
        max_size_per_msg: 1 << 20,
        max_inflight_msgs: 256,
        ..Default::default()
    };
    let single = storage.conf_state().voters == [cfg.node_id];
    let node = RawNode::new(&raft_cfg, storage, &logger::raft_logger())?;
    let (tx, rx) = mpsc::unbounded_channel();
    let status = Arc::new(GroupStatus::default());
    let group = Group {
        tx,
        status: status.clone(),
        node_id: cfg.node_id,
    };
    let mut driver = Driver {
        node,
        sm,
        cfg,
        outbox,
        rx,
        status,
        batch: Vec::new(),
        batch_replies: Vec::new(),
        batch_bytes: 0,
        pending: VecDeque::new(),
        orphaned_since: None,
        reads_waiting: Vec::new(),
        read_rounds: Vec::new(),
        reads_ready: Vec::new(),
        next_read_id: 1,
        ticks: 0,
        ticks_per_election: ticks_per_election as u64,
        applied: snap_index,
        replies: Vec::new(),
        detail: StatusDetail::default(),
    };
    if single {
        // A group of one needs no election timeout to find out it is alone.
        driver.node.campaign()?;
    }
    driver.publish_status();
    let handle = tokio::spawn(async move { driver.run(cancel).await });
    Ok((group, handle))
}

impl<S: StateMachine> Driver<S> {
    async fn run(&mut self, cancel: CancellationToken) {
        let mut tick = tokio::time::interval(self.cfg.heartbeat);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        let mut fsync = tokio::time::interval(Duration::from_secs(1));
        fsync.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tokio::select! {
                biased;
                _ = cancel.cancelled() => break,
                req = self.rx.recv() => {
                    let Some(req) = req else { break };
                    self.handle(req);
                    // Everything already queued joins this round: that is the batching.
                    while let Ok(req) = self.rx.try_recv() {
                        self.handle(req);
                    }
                    if !self.batch.is_empty() {
                        // Tokio runs a task just woken by a send next (its LIFO slot), which
                        // would make every round one client's: let the other runnable
                        // connections queue their proposals first. Free when nothing waits.
                        tokio::task::yield_now().await;
                        while let Ok(req) = self.rx.try_recv() {
                            self.handle(req);
                        }
                    }
                }
                _ = tick.tick() => self.on_tick(),
                _ = fsync.tick() => {
                    if let Err(e) = self.node.mut_store().sync(true) {
                        tracing::error!(error = %e, "raft log fsync failed");
                    }
                }
            }
            self.flush_proposals();
            self.flush_reads();
            // A round can produce another Ready (a single member commits what it just
            // persisted; re-issued reads): handle those now rather than at the next event.
            let mut failed = None;
            for _ in 0..4 {
                if !self.node.has_ready() {
                    break;
                }
                if let Err(e) = self.on_ready() {
                    failed = Some(e);
                    break;
                }
            }
            if let Some(e) = failed {
                // Storage failure: Raft's safety depends on what was persisted, so the group
                // must stop rather than acknowledge anything more.
                tracing::error!(error = %e, "raft storage failed; stopping the group");
                break;
            }
            self.maybe_snapshot();
        }
        self.fail_all(ProposeError::Shutdown);
    }

    fn handle(&mut self, req: Request<S::Reply>) {
        match req {
            Request::Propose(data, reply) => {
                if self.batch_bytes + data.len() > MAX_ENTRY_BYTES {
                    self.flush_proposals();
                }
                self.batch_bytes += data.len();
                self.batch.push(data);
                self.batch_replies.push(reply);
            }
            Request::ReadBarrier(tx) => self.reads_waiting.push(tx),
            Request::Step(msg) => {
                let from = msg.from;
                if let Err(e) = self.node.step(*msg) {
                    tracing::debug!(from, error = %e, "raft message ignored");
                }
            }
            Request::TransferLeader(0) => {
                // The most up-to-date other voter: the transfer completes soonest.
                let me = self.cfg.node_id;
                let voters = self.node.store().conf_state().voters.clone();
                let best = self
                    .node
                    .raft
                    .prs()
                    .iter()
                    .filter(|(id, _)| **id != me && voters.contains(id))
                    .max_by_key(|(_, pr)| (pr.recent_active, pr.matched))
                    .map(|(id, _)| *id);
                if let Some(to) = best {
                    tracing::info!(to, "handing leadership over");
                    self.node.transfer_leader(to);
                }
            }
            Request::TransferLeader(to) => self.node.transfer_leader(to),
            Request::ChangeMembership(kind, id, context, reply) => {
                let _ = reply.send(self.propose_membership(kind, id, context));
            }
            Request::Campaign => {
                if let Err(e) = self.node.campaign() {
                    tracing::warn!(error = %e, "campaign failed");
                }
            }
        }
    }

    /// Proposes one membership change as a Raft conf change (one at a time: raft-rs refuses a
    /// second while one is uncommitted).
    fn propose_membership(
        &mut self,
        kind: MembershipKind,
        id: u64,
        context: Bytes,
    ) -> Result<(), ProposeError> {
        if self.node.raft.state != StateRole::Leader {
            return Err(ProposeError::NotLeader {
                leader: self.status.leader(),
            });
        }
        let change_type = match kind {
            MembershipKind::AddedLearner => ConfChangeType::AddLearnerNode,
            MembershipKind::AddedVoter => ConfChangeType::AddNode,
            MembershipKind::Removed => ConfChangeType::RemoveNode,
        };
        let cc = ConfChange {
            change_type,
            node_id: id,
            context,
            ..Default::default()
        };
        self.node.propose_conf_change(Vec::new(), cc).map_err(|e| {
            tracing::warn!(id, ?kind, error = %e, "membership change not proposed");
            ProposeError::Unknown
        })
    }

    /// A leader promotes a learner to voter once it has every committed entry: a member that
    /// cannot yet serve the log never votes (and never counts toward a quorum).
    fn promote_caught_up_learners(&mut self) {
        let raft = &self.node.raft;
        if raft.state != StateRole::Leader || raft.has_pending_conf() {
            return;
        }
        let committed = raft.raft_log.committed;
        let ready = self
            .node
            .store()
            .conf_state()
            .learners
            .iter()
            .copied()
            .find(|id| {
                raft.prs()
                    .get(*id)
                    .is_some_and(|pr| pr.matched >= committed)
            });
        if let Some(id) = ready {
            tracing::info!(id, "learner caught up; promoting it to voter");
            let _ = self.propose_membership(MembershipKind::AddedVoter, id, Bytes::new());
        }
    }

    fn on_tick(&mut self) {
        self.node.tick();
        self.ticks += 1;
        self.promote_caught_up_learners();
        // Re-issue ReadIndex requests raft-rs dropped (a leader that has not yet committed in its
        // term drops them silently); fail those that cannot complete.
        let ticks = self.ticks;
        let limit = self.ticks_per_election;
        let mut retry = Vec::new();
        self.read_rounds.retain_mut(|r| {
            if ticks - r.issued_tick > limit {
                for w in r.waiters.drain(..) {
                    let _ = w.send(Err(ProposeError::Unknown));
                }
                false
            } else {
                if ticks - r.issued_tick >= 2 {
                    retry.push(r.id);
                }
                true
            }
        });
        for id in retry {
            self.node.read_index(id.to_le_bytes().to_vec());
        }
        if let Some(since) = self.orphaned_since {
            if ticks - since > 3 * limit {
                self.orphaned_since = None;
                for p in self.pending.drain(..) {
                    for tx in p.replies.into_iter().flatten() {
                        let _ = tx.send(Err(ProposeError::Unknown));
                    }
                }
            }
        }
        self.refresh_detail();
    }

    /// Turns this round's proposals into one entry.
    fn flush_proposals(&mut self) {
        if self.batch.is_empty() {
            return;
        }
        let data = batch::encode(&self.batch);
        self.batch.clear();
        self.batch_bytes = 0;
        let replies = std::mem::take(&mut self.batch_replies);
        if self.node.raft.state != StateRole::Leader {
            let leader = self.status.leader();
            for tx in replies.into_iter().flatten() {
                let _ = tx.send(Err(ProposeError::NotLeader { leader }));
            }
            return;
        }
        let before = self.node.raft.raft_log.last_index();
        match self.node.propose(Vec::new(), data.to_vec()) {
            Ok(()) if self.node.raft.raft_log.last_index() == before + 1 => {
                self.pending.push_back(Pending {
                    index: before + 1,
                    term: self.node.raft.term,
                    replies,
                });
            }
            Ok(()) | Err(_) => {
                // Dropped (a leadership transfer in progress, or the uncommitted limit).
                let leader = self.status.leader();
                for tx in replies.into_iter().flatten() {
                    let _ = tx.send(Err(ProposeError::NotLeader { leader }));
                }
            }
        }
    }

    /// Sends one ReadIndex request for every barrier waiting this round.
    fn flush_reads(&mut self) {
        if self.reads_waiting.is_empty() {
            return;
        }
        let waiters = std::mem::take(&mut self.reads_waiting);
        if self.node.raft.state != StateRole::Leader {
            let leader = self.status.leader();
            for w in waiters {
                let _ = w.send(Err(ProposeError::NotLeader { leader }));
            }
            return;
        }
        let id = self.next_read_id;
        self.next_read_id += 1;
        self.node.read_index(id.to_le_bytes().to_vec());
        self.read_rounds.push(ReadRound {
            id,
            issued_tick: self.ticks,
            waiters,
        });
    }

    /// The Ready protocol, step by step (raft-rs `examples/five_mem_node`, `src/lib.rs`).
    fn on_ready(&mut self) -> Result<(), StoreError> {
        if !self.node.has_ready() {
            return Ok(());
        }
        let mut ready = self.node.ready();
        // 1. Role and leader changes.
        let role_changed = ready.ss().is_some();
        if let Some(ss) = ready.ss() {
            self.on_soft_state(ss.leader_id, ss.raft_state);
        }
        // 2. Messages that need nothing persisted first (a leader's appends go out while it
        //    writes the same entries locally: Raft allows it, and it hides the fsync latency).
        self.send(ready.take_messages());
        // 3. A snapshot from the leader replaces storage and state machine.
        if *ready.snapshot() != Snapshot::default() {
            self.install_snapshot(ready.snapshot().clone())?;
        }
        // 4. Answers to ReadIndex requests.
        for rs in ready.take_read_states() {
            self.on_read_state(&rs.request_ctx, rs.index);
        }
        // 5. Committed entries (persisted by earlier rounds): apply, answer proposers.
        self.apply_committed(ready.take_committed_entries());
        // 6. Persist new entries and the hard state, then fsync per policy: once per round.
        let store = self.node.mut_store();
        store.append(ready.entries())?;
        if let Some(hs) = ready.hs() {
            store.set_hard_state(hs.clone())?;
        }
        store.sync(false)?;
        // 7. Messages that may only leave after persisting (votes, follower acks).
        self.send(ready.take_persisted_messages());
        // 8. Advance; the light ready carries what persisting made committed.
        let mut light = self.node.advance(ready);
        if let Some(commit) = light.commit_index() {
            self.node.mut_store().set_commit(commit);
        }
        self.send(light.take_messages());
        self.apply_committed(light.take_committed_entries());
        self.node.advance_apply();
        let was_caught_up = self.status.caught_up.load(Ordering::Relaxed);
        self.publish_status();
        if !was_caught_up && self.status.caught_up.load(Ordering::Relaxed) {
            // raft-rs dropped ReadIndex requests made before this leader committed in its term:
            // make them again now rather than at the next retry tick.
            for r in &self.read_rounds {
                self.node.read_index(r.id.to_le_bytes().to_vec());
            }
        }
        self.resolve_reads();
        if role_changed {
            self.refresh_detail();
        }
        Ok(())
    }

    fn on_soft_state(&mut self, leader: u64, role: StateRole) {
        let was_leader = self.status.is_leader();
        let now_leader = role == StateRole::Leader;
        tracing::info!(
            node = self.cfg.node_id,
            group = self.cfg.group_id,
            term = self.node.raft.term,
            leader,
            role = ?role,
            "raft role change"
        );
        if was_leader && !now_leader {
            // In-flight reads die with the leadership; pending writes wait for their fate.
            self.fail_reads(ProposeError::NotLeader {
                leader: (leader != 0).then_some(leader),
            });
            if !self.pending.is_empty() {
                self.orphaned_since = Some(self.ticks);
            }
        }
        if now_leader {
            self.orphaned_since = None;
        }
        self.status.leader.store(leader, Ordering::Release);
        self.status
            .role
            .store(role_code(role) as u8, Ordering::Release);
    }

    fn send(&self, msgs: Vec<Message>) {
        for m in msgs {
            self.outbox.send(self.cfg.group_id, m);
        }
    }

    fn install_snapshot(&mut self, snap: Snapshot) -> Result<(), StoreError> {
        let index = snap.get_metadata().index;
        if let Err(reason) = self.sm.restore(index, &snap.data) {
            // Refuse it: the leader will retry; the state machine is unchanged.
            tracing::error!(index, %reason, "snapshot from leader rejected");
            return Ok(());
        }
        let conf = snap.get_metadata().get_conf_state().clone();
        self.node.mut_store().apply_snapshot(snap)?;
        self.sm.membership(&conf.voters, &conf.learners);
        self.applied = index;
        self.detail.snapshots_installed += 1;
        // Proposals at or below the snapshot's index: committed or not, we cannot tell.
        while self.pending.front().is_some_and(|p| p.index <= index) {
            if let Some(p) = self.pending.pop_front() {
                for tx in p.replies.into_iter().flatten() {
                    let _ = tx.send(Err(ProposeError::Unknown));
                }
            }
        }
        tracing::info!(index, "installed snapshot from leader");
        Ok(())
    }

    fn apply_committed(&mut self, entries: Vec<Entry>) {
        for e in entries {
            if e.index <= self.applied {
                continue;
            }
            self.replies.clear();
            match e.get_entry_type() {
                EntryType::EntryNormal if e.data.is_empty() => self.sm.skip(e.index),
                EntryType::EntryNormal => match batch::decode(e.data.clone()) {
                    Some(proposals) => self.sm.apply(e.index, &proposals, &mut self.replies),
                    None => {
                        tracing::error!(index = e.index, "undecodable entry payload skipped");
                        self.sm.skip(e.index);
                    }
                },
                EntryType::EntryConfChange | EntryType::EntryConfChangeV2 => {
                    self.apply_conf_change(&e);
                    self.sm.skip(e.index);
                }
            }
            self.applied = e.index;
            self.resolve_pending(e.index, e.term);
        }
        self.status.applied.store(self.applied, Ordering::Relaxed);
    }

    fn apply_conf_change(&mut self, e: &Entry) {
        let result = if e.get_entry_type() == EntryType::EntryConfChange {
            ConfChange::parse_from_bytes(&e.data)
                .map_err(|err| err.to_string())
                .and_then(|cc| {
                    self.node
                        .apply_conf_change(&cc)
                        .map_err(|err| err.to_string())
                })
        } else {
            ConfChangeV2::parse_from_bytes(&e.data)
                .map_err(|err| err.to_string())
                .and_then(|cc| {
                    self.node
                        .apply_conf_change(&cc)
                        .map_err(|err| err.to_string())
                })
        };
        match result {
            Ok(cs) => {
                tracing::info!(index = e.index, voters = ?cs.voters, learners = ?cs.learners, "configuration changed");
                if e.get_entry_type() == EntryType::EntryConfChange {
                    if let Ok(cc) = ConfChange::parse_from_bytes(&e.data) {
                        let kind = match cc.get_change_type() {
                            ConfChangeType::AddNode => MembershipKind::AddedVoter,
                            ConfChangeType::AddLearnerNode => MembershipKind::AddedLearner,
                            ConfChangeType::RemoveNode => MembershipKind::Removed,
                        };
                        self.sm.membership_changed(&MembershipChange {
                            node_id: cc.node_id,
                            kind,
                            context: cc.context.clone(),
                            voters: cs.voters.clone(),
                            learners: cs.learners.clone(),
                        });
                    }
                }
                if let Err(err) = self.node.mut_store().set_conf_state(cs) {
                    tracing::error!(error = %err, "could not persist the configuration");
                }
            }
            Err(reason) => tracing::error!(index = e.index, %reason, "conf change rejected"),
        }
    }

    /// Answers the proposals whose entry `index` (with `term`) was just applied.
    fn resolve_pending(&mut self, index: u64, term: u64) {
        while let Some(p) = self.pending.front() {
            if p.index > index {
                break;
            }
            let Some(p) = self.pending.pop_front() else {
                break;
            };
            if p.index < index {
                // Skipped over (cannot happen without a snapshot, which resolves them first).
                for tx in p.replies.into_iter().flatten() {
                    let _ = tx.send(Err(ProposeError::Unknown));
                }
                continue;
            }
            if p.term == term {
                let replies = std::mem::take(&mut self.replies);
                for (tx, reply) in p.replies.into_iter().zip(replies) {
                    if let Some(tx) = tx {
                        let _ = tx.send(Ok(reply));
                    }
                }
            } else {
                // Another leader's entry took this index: ours was never committed.
                let leader = self.status.leader();
                for tx in p.replies.into_iter().flatten() {
                    let _ = tx.send(Err(ProposeError::NotLeader { leader }));
                }
            }
        }
        if self.pending.is_empty() {
            self.orphaned_since = None;
        }
    }

    fn on_read_state(&mut self, ctx: &[u8], index: u64) {
        let Ok(id) = <[u8; 8]>::try_from(ctx).map(u64::from_le_bytes) else {
            return;
        };
        if let Some(pos) = self.read_rounds.iter().position(|r| r.id == id) {
            let round = self.read_rounds.swap_remove(pos);
            self.reads_ready.push((index, round.waiters));
        }
    }

    fn resolve_reads(&mut self) {
        let applied = self.applied;
        self.reads_ready.retain_mut(|(index, waiters)| {
            if *index > applied {
                return true;
            }
            for w in waiters.drain(..) {
                let _ = w.send(Ok(applied));
            }
            false
        });
    }

    /// Builds a snapshot when a peer needs one or the log has grown past its budget, then
    /// compacts the log.
    fn maybe_snapshot(&mut self) {
        let store = self.node.store();
        let wanted = store.snapshot_wanted();
        let (_, log_bytes) = store.log_size();
        let alone = store.conf_state().voters.len() <= 1 && store.conf_state().learners.is_empty();
        if alone && !store.is_durable() {
            // Nobody will ever ask for these entries: drop them as soon as they are applied.
            let applied = self.applied;
            let _ = self.node.mut_store().compact(applied);
            return;
        }
        let over_budget = log_bytes > self.cfg.snapshot_log_bytes;
        if (wanted == 0 || wanted > self.applied) && !over_budget {
            return;
        }
        let (index, data) = self.sm.snapshot();
        let bytes = data.len();
        let store = self.node.mut_store();
        if let Err(e) = store.create_snapshot(index, data) {
            tracing::error!(error = %e, "could not store a snapshot");
            return;
        }
        self.detail.snapshots_made += 1;
        // Keep the entries lagging peers still need when it is cheap; laggards beyond that
        // get the snapshot.
        let mut keep_from = index;
        if self.node.raft.state == StateRole::Leader && !over_budget {
            for (id, pr) in self.node.raft.prs().iter() {
                if *id != self.cfg.node_id {
                    keep_from = keep_from.min(pr.matched);
                }
            }
        }
        if let Err(e) = self.node.mut_store().compact(keep_from) {
            tracing::error!(error = %e, "log compaction failed");
        }
        tracing::info!(index, bytes, "snapshot taken");
    }

    fn publish_status(&self) {
        let raft = &self.node.raft;
        self.status.leader.store(raft.leader_id, Ordering::Release);
        self.status
            .role
            .store(role_code(raft.state) as u8, Ordering::Release);
        self.status.term.store(raft.term, Ordering::Relaxed);
        self.status
            .commit
            .store(raft.raft_log.committed, Ordering::Relaxed);
        self.status.applied.store(self.applied, Ordering::Relaxed);
        let caught_up = raft.state == StateRole::Leader
            && raft.raft_log.term(self.applied).ok() == Some(raft.term);
        self.status.caught_up.store(caught_up, Ordering::Release);
        self.status.voter_count.store(
            self.node.store().conf_state().voters.len() as u64,
            Ordering::Relaxed,
        );
    }

    fn refresh_detail(&mut self) {
        let store = self.node.store();
        let (entries, bytes) = store.log_size();
        let d = &mut self.detail;
        d.voters = store.conf_state().voters.clone();
        d.learners = store.conf_state().learners.clone();
        d.first_index = self.node.raft.raft_log.first_index();
        d.last_index = self.node.raft.raft_log.last_index();
        d.log_entries = entries;
        d.log_bytes = bytes;
        d.snapshot_index = store.snapshot_metadata().index;
        d.peers.clear();
        if self.node.raft.state == StateRole::Leader {
            for (id, pr) in self.node.raft.prs().iter() {
                if *id == self.cfg.node_id {
                    continue;
                }
                d.peers.push(PeerProgress {
                    id: *id,
                    matched: pr.matched,
                    voter: d.voters.contains(id),
                    active: pr.recent_active,
                });
            }
            d.peers.sort_by_key(|p| p.id);
        }
        *self.status.detail.lock() = d.clone();
        self.publish_status();
    }

    fn fail_all(&mut self, err: ProposeError) {
        for tx in self.batch_replies.drain(..).flatten() {
            let _ = tx.send(Err(err.clone()));
        }
        for p in self.pending.drain(..) {
            for tx in p.replies.into_iter().flatten() {
                let _ = tx.send(Err(err.clone()));
            }
        }
        for w in self.reads_waiting.drain(..) {
            let _ = w.send(Err(err.clone()));
        }
        self.fail_reads(err);
    }

    /// Fails every read barrier already sent as a ReadIndex request or waiting for apply.
    fn fail_reads(&mut self, err: ProposeError) {
        let rounds = self.read_rounds.drain(..).map(|r| r.waiters);
        let ready = self.reads_ready.drain(..).map(|(_, w)| w);
        for w in rounds.chain(ready).flatten() {
            let _ = w.send(Err(err.clone()));
        }
    }
}

fn role_code(role: StateRole) -> Role {
    match role {
        StateRole::Follower => Role::Follower,
        StateRole::Candidate => Role::Candidate,
        StateRole::Leader => Role::Leader,
        StateRole::PreCandidate => Role::PreCandidate,
    }
}
