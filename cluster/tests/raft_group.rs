//! Raft groups driven by the real driver task, connected by an in-memory router that can cut
//! nodes off: proposals commit on every member, a partitioned leader is replaced, pending
//! proposals learn their fate, snapshots catch up a lagging member.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use parking_lot::Mutex;
use raft::eraftpb::Message;
use redraft_cluster::raft::driver::start;
use redraft_cluster::raft::{
    Group, GroupConfig, MembershipKind, Outbox, ProposeError, StateMachine,
};
use tokio_util::sync::CancellationToken;

/// A state machine that records every applied proposal; replies with its position.
#[derive(Clone, Default)]
struct Recorder(Arc<Mutex<RecorderState>>);

#[derive(Default)]
struct RecorderState {
    applied: u64,
    items: Vec<Bytes>,
}

impl StateMachine for Recorder {
    type Reply = usize;

    fn apply(&mut self, index: u64, proposals: &[Bytes], replies: &mut Vec<usize>) {
        let mut st = self.0.lock();
        st.applied = index;
        for p in proposals {
            st.items.push(p.clone());
            replies.push(st.items.len());
        }
    }

    fn skip(&mut self, index: u64) {
        self.0.lock().applied = index;
    }

    fn snapshot(&mut self) -> (u64, Bytes) {
        let st = self.0.lock();
        let mut out = Vec::new();
        for item in &st.items {
            out.extend_from_slice(&(item.len() as u32).to_le_bytes());
            out.extend_from_slice(item);
        }
        (st.applied, Bytes::from(out))
    }

    fn restore(&mut self, index: u64, data: &Bytes) -> Result<(), String> {
        let mut items = Vec::new();
        let mut rest = &data[..];
        while !rest.is_empty() {
            let len = u32::from_le_bytes(rest[..4].try_into().map_err(|_| "short")?) as usize;
            items.push(Bytes::copy_from_slice(&rest[4..4 + len]));
            rest = &rest[4 + len..];
        }
        let mut st = self.0.lock();
        st.items = items;
        st.applied = index;
        Ok(())
    }
}

/// Delivers messages between groups in this process; a node in `cut` sends and receives nothing.
#[derive(Default)]
struct Router {
    groups: Mutex<HashMap<u64, Group<usize>>>,
    cut: Mutex<Vec<u64>>,
}

impl Outbox for Router {
    fn send(&self, _group: u64, msg: Message) -> bool {
        let cut = self.cut.lock();
        if cut.contains(&msg.from) || cut.contains(&msg.to) {
            return false;
        }
        drop(cut);
        match self.groups.lock().get(&msg.to) {
            Some(g) => {
                g.step(msg);
                true
            }
            None => false,
        }
    }
}

struct Cluster {
    router: Arc<Router>,
    recorders: HashMap<u64, Recorder>,
    cancels: HashMap<u64, CancellationToken>,
}

impl Cluster {
    fn start(n: u64, snapshot_log_bytes: usize) -> Cluster {
        let mut c = Cluster {
            router: Arc::new(Router::default()),
            recorders: HashMap::new(),
            cancels: HashMap::new(),
        };
        let voters: Vec<u64> = (1..=n).collect();
        for id in 1..=n {
            c.add_node(id, voters.clone(), snapshot_log_bytes);
        }
        c
    }

    /// Starts member `id`; an empty `voters` is a node that joins an existing group.
    fn add_node(&mut self, id: u64, voters: Vec<u64>, snapshot_log_bytes: usize) {
        let mut cfg = GroupConfig::new(id, voters);
        cfg.election_timeout = Duration::from_millis(300);
        cfg.heartbeat = Duration::from_millis(30);
        cfg.snapshot_log_bytes = snapshot_log_bytes;
        let rec = Recorder::default();
        let cancel = CancellationToken::new();
        let (group, _task) = start(cfg, rec.clone(), self.router.clone(), cancel.clone()).unwrap();
        self.router.groups.lock().insert(id, group);
        self.recorders.insert(id, rec);
        self.cancels.insert(id, cancel);
    }

    fn group(&self, id: u64) -> Group<usize> {
        self.router.groups.lock()[&id].clone()
    }

    async fn leader(&self, excluding: &[u64]) -> u64 {
        for _ in 0..200 {
            for (id, g) in self.router.groups.lock().iter() {
                if g.status().is_leader() && !excluding.contains(id) {
                    return *id;
                }
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        panic!("no leader within 4 s");
    }

    async fn wait_applied(&self, id: u64, count: usize) {
        for _ in 0..250 {
            if self.recorders[&id].0.lock().items.len() >= count {
                return;
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        panic!(
            "node {id} applied {} items, wanted {count}",
            self.recorders[&id].0.lock().items.len()
        );
    }

    fn items(&self, id: u64) -> Vec<Bytes> {
        self.recorders[&id].0.lock().items.clone()
    }
}

fn item(i: usize) -> Bytes {
    Bytes::from(format!("item-{i}"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn proposals_commit_on_every_member_in_one_order() {
    let c = Cluster::start(3, 64 << 20);
    let leader = c.group(c.leader(&[]).await);
    let mut rxs = Vec::new();
    for i in 0..100 {
        rxs.push(leader.propose(item(i)));
    }
    let mut positions = Vec::new();
    for rx in rxs {
        positions.push(rx.await.unwrap().unwrap());
    }
    assert_eq!(
        positions,
        (1..=100).collect::<Vec<_>>(),
        "replies reach their own proposer"
    );
    for id in 1..=3 {
        c.wait_applied(id, 100).await;
        assert_eq!(c.items(id), (0..100).map(item).collect::<Vec<_>>());
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn followers_refuse_proposals_and_read_barriers() {
    let c = Cluster::start(3, 64 << 20);
    let leader = c.leader(&[]).await;
    let follower = (1..=3).find(|&id| id != leader).unwrap();
    // The follower learns the leader from its first heartbeat.
    tokio::time::sleep(Duration::from_millis(100)).await;
    let err = c
        .group(follower)
        .propose(item(0))
        .await
        .unwrap()
        .unwrap_err();
    assert_eq!(
        err,
        ProposeError::NotLeader {
            leader: Some(leader)
        }
    );
    let err = c.group(follower).read_barrier().await.unwrap().unwrap_err();
    assert_eq!(
        err,
        ProposeError::NotLeader {
            leader: Some(leader)
        }
    );
    let applied = c.group(leader).read_barrier().await.unwrap().unwrap();
    assert!(applied >= 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_cut_off_leader_is_replaced_and_its_pending_writes_fail_safely() {
    let c = Cluster::start(3, 64 << 20);
    let old = c.leader(&[]).await;
    c.group(old).propose(item(0)).await.unwrap().unwrap();
    c.router.cut.lock().push(old);
    // Written while cut off: can never commit.
    let doomed = c.group(old).propose(item(1));
    let new = c.leader(&[old]).await;
    assert_ne!(new, old);
    c.group(new).propose(item(2)).await.unwrap().unwrap();
    // Heal: the old leader steps down, applies the new log, and learns its entry lost.
    c.router.cut.lock().clear();
    let outcome = tokio::time::timeout(Duration::from_secs(5), doomed)
        .await
        .expect("the doomed proposal is answered")
        .unwrap();
    assert!(
        matches!(
            outcome,
            Err(ProposeError::NotLeader { .. }) | Err(ProposeError::Unknown)
        ),
        "{outcome:?}"
    );
    for id in 1..=3 {
        c.wait_applied(id, 2).await;
        assert_eq!(c.items(id), vec![item(0), item(2)], "node {id}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_lagging_member_catches_up_by_snapshot() {
    // A tiny log budget forces snapshots and compaction.
    let c = Cluster::start(3, 2048);
    let leader = c.leader(&[]).await;
    let lagger = (1..=3).find(|&id| id != leader).unwrap();
    c.router.cut.lock().push(lagger);
    for i in 0..200 {
        c.group(leader).propose(item(i)).await.unwrap().unwrap();
    }
    c.router.cut.lock().clear();
    c.wait_applied(lagger, 200).await;
    assert_eq!(c.items(lagger), (0..200).map(item).collect::<Vec<_>>());
    // The detail is refreshed every tick.
    tokio::time::sleep(Duration::from_millis(100)).await;
    let detail = c.group(lagger).status().detail();
    assert!(detail.snapshots_installed >= 1, "{detail:?}");
    c.cancels[&lagger].cancel();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_joining_member_learns_the_log_then_votes_and_can_be_removed() {
    let mut c = Cluster::start(3, 2048);
    let leader = c.leader(&[]).await;
    for i in 0..50 {
        c.group(leader).propose(item(i)).await.unwrap().unwrap();
    }
    // Node 4 starts knowing nothing; the leader adds it as a learner.
    c.add_node(4, Vec::new(), 2048);
    c.group(leader)
        .change_membership(MembershipKind::AddedLearner, 4, Bytes::from_static(b"addr"))
        .await
        .unwrap()
        .unwrap();
    c.wait_applied(4, 50).await;
    // Once caught up, the leader promotes it by itself.
    let deadline = tokio::time::Instant::now() + Duration::from_secs(5);
    while !c.group(leader).status().detail().voters.contains(&4) {
        assert!(
            tokio::time::Instant::now() < deadline,
            "node 4 never became a voter"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    // Four voters: the group survives losing one old member.
    let victim = (1..=3).find(|&id| id != leader).unwrap();
    c.router.cut.lock().push(victim);
    c.group(leader).propose(item(50)).await.unwrap().unwrap();
    c.wait_applied(4, 51).await;
    assert_eq!(c.items(4), (0..51).map(item).collect::<Vec<_>>());
    c.router.cut.lock().clear();
    // Removal.
    c.group(leader)
        .change_membership(MembershipKind::Removed, 4, Bytes::new())
        .await
        .unwrap()
        .unwrap();
    let deadline = tokio::time::Instant::now() + Duration::from_secs(5);
    while c.group(leader).status().detail().voters.contains(&4) {
        assert!(tokio::time::Instant::now() < deadline, "node 4 never left");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert_eq!(c.group(leader).status().voter_count(), 3);
}
