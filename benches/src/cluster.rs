//! Cluster routing for the load generator, as a Redis Cluster client does it: a slot → node map
//! filled from `CLUSTER SLOTS`, updated by `-MOVED`, and `-ASK` redirections followed once with
//! `ASKING`. Pure: the I/O shell asks where a key goes and reports the errors it got.

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
}
