//! Routing for the load generator. Pure: the I/O shell asks where a key goes and reports the
//! errors and failures it got.
//!
//! - [`SlotMap`]: as a Redis Cluster client does it (`--cluster`): a slot → node map filled from
//!   `CLUSTER SLOTS`, updated by `-MOVED`, and `-ASK` redirections followed once with `ASKING`.
//! - [`LeaderRoute`]: one Raft group's leader (`--seeds`), found with `ROLE`, followed through
//!   `-MOVED`, and searched for again among the seeds when it fails.
//! - [`backoff`]: how long a client waits after consecutive failures.

use std::time::Duration;

use redraft_protocol::{key_hash_slot, Frame, SLOT_COUNT};

const SLOTS: usize = SLOT_COUNT as usize;

/// Where each slot is served: an index into `nodes`, or `None` when no node claims it.
#[derive(Clone, Debug)]
pub struct SlotMap {
    nodes: Vec<String>,
    slots: Vec<Option<u16>>,
}

/// What an error reply asks the client to do.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Redirect {
    /// The slot lives at `addr` from now on.
    Moved { slot: u16, addr: String },
    /// Send this one request to `addr`, preceded by `ASKING`.
    Ask { slot: u16, addr: String },
}

impl SlotMap {
    /// A map that sends every slot to `addr` (a standalone server, or the seed before the map is
    /// known).
    pub fn single(addr: &str) -> SlotMap {
        SlotMap {
            nodes: vec![addr.to_string()],
            slots: vec![Some(0); SLOTS],
        }
    }

    /// Builds the map from a `CLUSTER SLOTS` reply. `seed_host` replaces an empty host, which
    /// Redis sends when a node does not know its own address.
    ///
    /// # Errors
    /// When the reply is not the array of `[start, end, [host, port, ...], ...]` Redis sends.
    pub fn from_cluster_slots(reply: &Frame, seed_host: &str) -> Result<SlotMap, String> {
        let Frame::Array(ranges) = reply else {
            return Err(format!("CLUSTER SLOTS replied {reply:?}"));
        };
        let mut map = SlotMap {
            nodes: Vec::new(),
            slots: vec![None; SLOTS],
        };
        for range in ranges {
            let Frame::Array(items) = range else {
                return Err(format!("CLUSTER SLOTS range {range:?}"));
            };
            let (
                Some(Frame::Integer(start)),
                Some(Frame::Integer(end)),
                Some(Frame::Array(primary)),
            ) = (items.first(), items.get(1), items.get(2))
            else {
                return Err(format!("CLUSTER SLOTS range {items:?}"));
            };
            let host = match primary.first() {
                Some(Frame::Bulk(h)) if !h.is_empty() => String::from_utf8_lossy(h).into_owned(),
                _ => seed_host.to_string(),
            };
            let Some(Frame::Integer(port)) = primary.get(1) else {
                return Err(format!("CLUSTER SLOTS node {primary:?}"));
            };
            let node = map.node_index(&format!("{host}:{port}"));
            let (start, end) = (*start as usize, *end as usize);
            if start > end || end >= SLOTS {
                return Err(format!("CLUSTER SLOTS range {start}-{end}"));
            }
            for slot in &mut map.slots[start..=end] {
                *slot = Some(node);
            }
        }
        Ok(map)
    }

    fn node_index(&mut self, addr: &str) -> u16 {
        if let Some(i) = self.nodes.iter().position(|n| n == addr) {
            return i as u16;
        }
        self.nodes.push(addr.to_string());
        (self.nodes.len() - 1) as u16
    }

    /// Every node address the map knows, by index.
    pub fn nodes(&self) -> &[String] {
        &self.nodes
    }

    /// The node serving `key`, or `None` when its slot is not served.
    pub fn node_for_key(&self, key: &[u8]) -> Option<u16> {
        self.slots[key_hash_slot(key) as usize]
    }

    /// Records a `MOVED`: the slot belongs to `addr` now. Returns the node's index.
    pub fn moved(&mut self, slot: u16, addr: &str) -> u16 {
        let node = self.node_index(addr);
        self.slots[slot as usize % SLOTS] = Some(node);
        node
    }

    /// The index of `addr`, adding it if new (for `ASK`, which does not change the map).
    pub fn node(&mut self, addr: &str) -> u16 {
        self.node_index(addr)
    }
}

impl Redirect {
    /// Reads `MOVED <slot> <host>:<port>` or `ASK <slot> <host>:<port>`; `None` for any other error.
    pub fn parse(error: &[u8]) -> Option<Redirect> {
        let text = std::str::from_utf8(error).ok()?;
        let mut words = text.split(' ');
        let kind = words.next()?;
        let slot: u16 = words.next()?.parse().ok()?;
        let addr = words.next()?.to_string();
        if words.next().is_some() || (slot as usize) >= SLOTS || !addr.contains(':') {
            return None;
        }
        match kind {
            "MOVED" => Some(Redirect::Moved { slot, addr }),
            "ASK" => Some(Redirect::Ask { slot, addr }),
            _ => None,
        }
    }
}

/// Where a client of one Raft group sends every request: to the node it believes leads. It
/// learns the leader from `ROLE` at the start and from `-MOVED` since (redraft runs one group
/// for all 16384 slots today, so a `-MOVED` for any slot means the group's leader changed);
/// when that node cannot be reached, it tries the next seed, whose `-MOVED` (or `-CLUSTERDOWN`
/// during an election) tells it what to do next.
#[derive(Clone, Debug)]
pub struct LeaderRoute {
    /// The seeds, then any address learnt from `-MOVED`.
    nodes: Vec<String>,
    seeds: usize,
    leader: u16,
}

impl LeaderRoute {
    /// A route over `seeds` (at least one) that starts at `seeds[leader]`.
    ///
    /// # Panics
    /// When `seeds` is empty or `leader` is not one of its indices.
    pub fn new(seeds: Vec<String>, leader: usize) -> LeaderRoute {
        assert!(leader < seeds.len(), "leader {leader} of {seeds:?}");
        LeaderRoute {
            seeds: seeds.len(),
            nodes: seeds,
            leader: leader as u16,
        }
    }

    /// Every node address known, by index: the seeds first.
    pub fn nodes(&self) -> &[String] {
        &self.nodes
    }

    /// The node believed to lead.
    pub fn leader(&self) -> u16 {
        self.leader
    }

    /// A `-MOVED` to `addr`: that node leads now. Returns its index.
    pub fn moved(&mut self, addr: &str) -> u16 {
        self.leader = match self.nodes.iter().position(|n| n == addr) {
            Some(i) => i as u16,
            None => {
                self.nodes.push(addr.to_string());
                (self.nodes.len() - 1) as u16
            }
        };
        self.leader
    }

    /// `node` refused a connection or dropped one: if it was the leader, the next seed is
    /// asked next (the first one after a node learnt from `-MOVED`).
    pub fn unreachable(&mut self, node: u16) {
        if node == self.leader {
            let next = node as usize + 1;
            self.leader = if next < self.seeds { next as u16 } else { 0 };
        }
    }
}

/// How a client routes its requests.
#[derive(Clone, Debug)]
pub enum Route {
    /// By slot (a single server is a map with one node).
    Slots(SlotMap),
    /// Everything to one group's leader.
    Leader(LeaderRoute),
}

impl Route {
    /// Every node address known, by index.
    pub fn nodes(&self) -> &[String] {
        match self {
            Route::Slots(map) => map.nodes(),
            Route::Leader(route) => route.nodes(),
        }
    }

    /// The node `key` goes to, or `None` when no node serves its slot.
    pub fn node_for_key(&self, key: &[u8]) -> Option<u16> {
        match self {
            Route::Slots(map) => map.node_for_key(key),
            Route::Leader(route) => Some(route.leader()),
        }
    }

    /// Records a `-MOVED` of `slot` to `addr`.
    pub fn moved(&mut self, slot: u16, addr: &str) {
        match self {
            Route::Slots(map) => {
                map.moved(slot, addr);
            }
            Route::Leader(route) => {
                route.moved(addr);
            }
        }
    }

    /// The index of `addr`, for an `-ASK` (which a group never sends).
    pub fn node(&mut self, addr: &str) -> u16 {
        match self {
            Route::Slots(map) => map.node(addr),
            Route::Leader(route) => {
                let leader = route.leader;
                let node = route.moved(addr);
                route.leader = leader;
                node
            }
        }
    }

    /// `node` could not be reached (see [`LeaderRoute::unreachable`]; a slot map keeps it).
    pub fn unreachable(&mut self, node: u16) {
        if let Route::Leader(route) = self {
            route.unreachable(node);
        }
    }
}

/// First and longest wait between attempts that keep failing.
pub const BACKOFF_MIN: Duration = Duration::from_millis(2);
pub const BACKOFF_MAX: Duration = Duration::from_millis(20);

/// How long to wait before the next attempt after `failures` consecutive failed ones: nothing
/// after none, then [`BACKOFF_MIN`] doubling up to [`BACKOFF_MAX`]. The ceiling is low because
/// W9 times the first write after a failover: a client asleep for long would add its sleep to
/// the figure.
pub fn backoff(failures: u32) -> Duration {
    match failures {
        0 => Duration::ZERO,
        n => BACKOFF_MIN
            .saturating_mul(1 << (n - 1).min(16))
            .min(BACKOFF_MAX),
    }
}

/// What a node's `ROLE` says about its group's leader.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum RoleView {
    /// `master`: it leads.
    Leader,
    /// `slave`: it follows the node at this address, or knows no leader (`None`).
    Follower(Option<String>),
}

/// Reads a `ROLE` reply (`master …` or `slave <host> <port> <state> <offset>`); `None` for any
/// other shape.
pub fn parse_role(reply: &Frame) -> Option<RoleView> {
    let Frame::Array(items) = reply else {
        return None;
    };
    let word = |f: &Frame| match f {
        Frame::Bulk(b) | Frame::Simple(b) => Some(String::from_utf8_lossy(b).into_owned()),
        _ => None,
    };
    match word(items.first()?)?.as_str() {
        "master" => Some(RoleView::Leader),
        "slave" => {
            let host = word(items.get(1)?)?;
            let port = match items.get(2)? {
                Frame::Integer(n) => *n,
                other => word(other)?.parse().ok()?,
            };
            let known = host != "?" && port > 0;
            Some(RoleView::Follower(known.then(|| format!("{host}:{port}"))))
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use bytes::Bytes;

    fn node(host: &str, port: i64) -> Frame {
        Frame::Array(vec![
            Frame::Bulk(Bytes::from(host.to_string())),
            Frame::Integer(port),
            Frame::Bulk(Bytes::from_static(b"id")),
        ])
    }

    fn range(start: i64, end: i64, primary: Frame) -> Frame {
        Frame::Array(vec![Frame::Integer(start), Frame::Integer(end), primary])
    }

    #[test]
    fn builds_map_from_cluster_slots() {
        let reply = Frame::Array(vec![
            range(0, 5460, node("127.0.0.1", 7001)),
            range(5461, 10922, node("", 7002)),
            range(10923, 16383, node("127.0.0.1", 7001)),
        ]);
        let map = SlotMap::from_cluster_slots(&reply, "10.0.0.1").unwrap();
        assert_eq!(map.nodes(), ["127.0.0.1:7001", "10.0.0.1:7002"]);
        // "foo" hashes to slot 12182, "bar" to 5061, "{user1000}.x" to 3443.
        assert_eq!(map.node_for_key(b"foo"), Some(0));
        assert_eq!(map.node_for_key(b"bar"), Some(0));
        assert_eq!(key_hash_slot(b"a"), 15495);
        assert_eq!(map.node_for_key(b"key:000000000000"), {
            let slot = key_hash_slot(b"key:000000000000");
            Some(if (5461..=10922).contains(&slot) { 1 } else { 0 })
        });
    }

    #[test]
    fn partial_coverage_leaves_slots_unserved() {
        let reply = Frame::Array(vec![range(0, 100, node("h", 1))]);
        let map = SlotMap::from_cluster_slots(&reply, "h").unwrap();
        assert_eq!(map.node_for_key(b"foo"), None);
        assert!(SlotMap::from_cluster_slots(&Frame::Integer(1), "h").is_err());
        let bad = Frame::Array(vec![range(10, 5, node("h", 1))]);
        assert!(SlotMap::from_cluster_slots(&bad, "h").is_err());
    }

    #[test]
    fn moved_updates_the_map_and_ask_does_not() {
        let mut map = SlotMap::single("a:1");
        let slot = key_hash_slot(b"foo");
        let redirect = Redirect::parse(format!("MOVED {slot} b:2").as_bytes()).unwrap();
        assert_eq!(
            redirect,
            Redirect::Moved {
                slot,
                addr: "b:2".into()
            }
        );
        assert_eq!(map.moved(slot, "b:2"), 1);
        assert_eq!(map.node_for_key(b"foo"), Some(1));
        assert_eq!(map.node_for_key(b"bar"), Some(0));
        assert_eq!(
            Redirect::parse(b"ASK 1 c:3"),
            Some(Redirect::Ask {
                slot: 1,
                addr: "c:3".into()
            })
        );
        assert_eq!(map.node("c:3"), 2);
        assert_eq!(map.node_for_key(b"foo"), Some(1));
    }

    #[test]
    fn other_errors_are_not_redirects() {
        for text in [
            &b"ERR unknown command"[..],
            b"MOVED x a:1",
            b"MOVED 16384 a:1",
            b"MOVED 1 nocolon",
            b"TRYAGAIN",
            b"MOVED 1 a:1 extra",
        ] {
            assert_eq!(
                Redirect::parse(text),
                None,
                "{}",
                String::from_utf8_lossy(text)
            );
        }
    }

    fn seeds() -> Vec<String> {
        ["a:1", "b:2", "c:3"].map(String::from).to_vec()
    }

    #[test]
    fn leader_route_follows_moved_and_tries_the_next_seed() {
        let mut route = LeaderRoute::new(seeds(), 1);
        assert_eq!(route.leader(), 1);
        // The leader dies: the next seed is asked, which points at the new leader.
        route.unreachable(1);
        assert_eq!(route.leader(), 2);
        assert_eq!(route.moved("a:1"), 0);
        assert_eq!(route.leader(), 0);
        // A failure of a node that is not the leader changes nothing.
        route.unreachable(2);
        assert_eq!(route.leader(), 0);
        // The last seed wraps around to the first.
        route.unreachable(0);
        route.unreachable(1);
        route.unreachable(2);
        assert_eq!(route.leader(), 0);
        // A leader outside the seeds is learnt; when it fails, the seeds are asked from the
        // first.
        assert_eq!(route.moved("d:4"), 3);
        assert_eq!(route.nodes().len(), 4);
        route.unreachable(3);
        assert_eq!(route.leader(), 0);
    }

    #[test]
    fn a_group_route_sends_every_key_to_its_leader() {
        let mut route = Route::Leader(LeaderRoute::new(seeds(), 0));
        assert_eq!(route.node_for_key(b"foo"), Some(0));
        assert_eq!(route.node_for_key(b"bar"), Some(0));
        // A MOVED for one slot moves every slot: the group's leader changed.
        route.moved(key_hash_slot(b"foo"), "c:3");
        assert_eq!(route.node_for_key(b"bar"), Some(2));
        // ASK names a node without making it the leader.
        assert_eq!(route.node("e:5"), 3);
        assert_eq!(route.node_for_key(b"bar"), Some(2));
        route.unreachable(2);
        assert_eq!(route.node_for_key(b"foo"), Some(0));

        let mut slots = Route::Slots(SlotMap::single("a:1"));
        slots.moved(key_hash_slot(b"foo"), "b:2");
        assert_eq!(slots.node_for_key(b"foo"), Some(1));
        assert_eq!(slots.node_for_key(b"bar"), Some(0));
        slots.unreachable(1);
        assert_eq!(slots.node_for_key(b"foo"), Some(1));
    }

    #[test]
    fn backoff_doubles_to_a_ceiling() {
        let waits: Vec<u64> = (0..8).map(|n| backoff(n).as_millis() as u64).collect();
        assert_eq!(waits, [0, 2, 4, 8, 16, 20, 20, 20]);
        assert_eq!(backoff(u32::MAX), BACKOFF_MAX);
    }

    #[test]
    fn reads_role_replies() {
        let bulk = |s: &str| Frame::Bulk(Bytes::from(s.to_string()));
        let master = Frame::Array(vec![
            bulk("master"),
            Frame::Integer(3),
            Frame::Array(vec![]),
        ]);
        assert_eq!(parse_role(&master), Some(RoleView::Leader));
        let follower = Frame::Array(vec![
            bulk("slave"),
            bulk("127.0.0.1"),
            Frame::Integer(7001),
            bulk("connected"),
            Frame::Integer(40),
        ]);
        assert_eq!(
            parse_role(&follower),
            Some(RoleView::Follower(Some("127.0.0.1:7001".into())))
        );
        let orphan = Frame::Array(vec![
            bulk("slave"),
            bulk("?"),
            Frame::Integer(0),
            bulk("connect"),
            Frame::Integer(40),
        ]);
        assert_eq!(parse_role(&orphan), Some(RoleView::Follower(None)));
        assert_eq!(parse_role(&Frame::Integer(1)), None);
        assert_eq!(parse_role(&Frame::Array(vec![bulk("sentinel")])), None);
    }
}
