//! The peer bus over real loopback sockets: links form once per pair, carry traffic both
//! ways, survive restarts, interleave heartbeats with snapshots, and shrug off garbage.
//! Every test is bounded by a timeout; every port comes from the OS.

use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use bytes::{BufMut, Bytes, BytesMut};
use redraft_cluster::transport::wire::{self, Body, Frame, Hello};
use redraft_cluster::transport::{
    Envelope, Kind, PeerStatus, SendError, Transport, TransportConfig,
};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio::sync::mpsc;
use tokio::time::{sleep, timeout};
use tokio_util::sync::CancellationToken;

const TEST_LIMIT: Duration = Duration::from_secs(30);
const WAIT_LIMIT: Duration = Duration::from_secs(10);

struct Node {
    bus: Arc<Transport>,
    rx: mpsc::Receiver<Envelope>,
}

fn config(id: u64, listen: SocketAddr) -> TransportConfig {
    TransportConfig {
        backoff_min: Duration::from_millis(10),
        backoff_max: Duration::from_millis(100),
        dial_grace: Duration::from_millis(200),
        ..TransportConfig::new(id, listen)
    }
}

async fn start_with(cfg: TransportConfig, inbound: usize) -> Node {
    let (tx, rx) = mpsc::channel(inbound);
    let bus = Transport::start(cfg, tx, CancellationToken::new())
        .await
        .expect("bind");
    Node { bus, rx }
}

async fn start(id: u64) -> Node {
    start_with(config(id, "127.0.0.1:0".parse().unwrap()), 1024).await
}

/// Restarts on an address that a previous transport just released.
async fn start_at(id: u64, addr: SocketAddr) -> Node {
    for _ in 0..100 {
        let (tx, rx) = mpsc::channel(1024);
        match Transport::start(config(id, addr), tx, CancellationToken::new()).await {
            Ok(bus) => return Node { bus, rx },
            Err(e) if e.kind() == std::io::ErrorKind::AddrInUse => {
                sleep(Duration::from_millis(20)).await
            }
            Err(e) => panic!("bind {addr}: {e}"),
        }
    }
    panic!("{addr} stayed in use");
}

fn env(to: u64, group: u64, payload: impl Into<Bytes>) -> Envelope {
    Envelope {
        from: 0,
        to,
        group,
        kind: Kind::Raft as i32,
        payload: payload.into(),
    }
}

fn status(node: &Node, peer: u64) -> Option<PeerStatus> {
    node.bus.peers().into_iter().find(|p| p.id == peer)
}

fn connected(node: &Node, peer: u64) -> bool {
    status(node, peer).is_some_and(|p| p.connected)
}

async fn wait_until(what: &str, mut cond: impl FnMut() -> bool) {
    let waited = timeout(WAIT_LIMIT, async {
        while !cond() {
            sleep(Duration::from_millis(5)).await;
        }
    })
    .await;
    assert!(waited.is_ok(), "timed out waiting for {what}");
}

async fn recv(node: &mut Node) -> Envelope {
    timeout(WAIT_LIMIT, node.rx.recv())
        .await
        .expect("timed out waiting for an envelope")
        .expect("inbound channel closed")
}

/// Sends `n` numbered envelopes from `from` to `to` and checks they all arrive, in order.
async fn exchange(from: &Node, to: &mut Node, n: u64) {
    let src = from.bus.node_id();
    let dst = to.bus.node_id();
    for i in 0..n {
        from.bus
            .send(env(dst, i, format!("{src}->{dst} #{i}")))
            .unwrap();
    }
    for i in 0..n {
        let e = recv(to).await;
        assert_eq!((e.from, e.to, e.group), (src, dst, i));
        assert_eq!(e.payload, format!("{src}->{dst} #{i}"));
    }
}

async fn bounded(test: impl Future<Output = ()>) {
    timeout(TEST_LIMIT, test).await.expect("test timed out");
}

async fn mesh(nodes: &[&Node]) {
    for a in nodes {
        for b in nodes {
            if a.bus.node_id() != b.bus.node_id() {
                a.bus.set_peer(b.bus.node_id(), b.bus.local_addr());
            }
        }
    }
    for a in nodes {
        for b in nodes {
            if a.bus.node_id() != b.bus.node_id() {
                let b_id = b.bus.node_id();
                wait_until("mesh links", || connected(a, b_id)).await;
            }
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_nodes_share_one_link_both_ways() {
    bounded(async {
        let mut a = start(1).await;
        let mut b = start(2).await;
        assert_eq!(
            a.bus.send(env(2, 0, "early")),
            Err(SendError::UnknownPeer(2))
        );
        mesh(&[&a, &b]).await;
        // Let the higher id's grace period pass: it must not dial a second link.
        sleep(Duration::from_millis(400)).await;
        exchange(&a, &mut b, 100).await;
        exchange(&b, &mut a, 100).await;
        for (node, peer) in [(&a, 2), (&b, 1)] {
            // `sent` counts after the write returns, which may be after the peer read it.
            wait_until("sent counted", || status(node, peer).unwrap().sent == 100).await;
            let s = status(node, peer).unwrap();
            assert!(s.connected);
            assert_eq!(s.links, 1, "{s:?}");
            assert_eq!((s.sent, s.received, s.dropped), (100, 100, 0), "{s:?}");
            assert!(s.last_received.is_some());
        }
        assert_eq!(status(&a, 2).unwrap().addr, Some(b.bus.local_addr()));
        assert_eq!(a.bus.unroutable(), 1);
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn three_nodes_one_link_per_pair() {
    bounded(async {
        let mut n1 = start(1).await;
        let mut n2 = start(2).await;
        let mut n3 = start(3).await;
        mesh(&[&n1, &n2, &n3]).await;
        sleep(Duration::from_millis(400)).await;
        exchange(&n1, &mut n2, 20).await;
        exchange(&n1, &mut n3, 20).await;
        exchange(&n2, &mut n1, 20).await;
        exchange(&n2, &mut n3, 20).await;
        exchange(&n3, &mut n1, 20).await;
        exchange(&n3, &mut n2, 20).await;
        for node in [&n1, &n2, &n3] {
            wait_until("sent counted", || {
                node.bus.peers().iter().all(|s| s.sent == 20)
            })
            .await;
            let peers = node.bus.peers();
            assert_eq!(peers.len(), 2);
            for s in peers {
                assert!(
                    s.connected && s.links == 1,
                    "node {}: {s:?}",
                    node.bus.node_id()
                );
                assert_eq!((s.sent, s.received, s.dropped), (20, 20, 0));
            }
        }
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reconnects_after_a_peer_restarts_on_the_same_address() {
    bounded(async {
        let mut a = start(1).await;
        let b = start(2).await;
        mesh(&[&a, &b]).await;
        let b_addr = b.bus.local_addr();

        // The higher id (the acceptor) restarts: the lower id redials it.
        b.bus.shutdown().await;
        drop(b);
        wait_until("1 notices 2 is gone", || !connected(&a, 2)).await;
        assert_eq!(
            a.bus.send(env(2, 0, "lost")),
            Err(SendError::NotConnected(2))
        );
        assert!(status(&a, 2).unwrap().dropped >= 1);
        let mut b = start_at(2, b_addr).await;
        wait_until("1 redials 2", || connected(&a, 2) && connected(&b, 1)).await;
        exchange(&a, &mut b, 10).await;
        exchange(&b, &mut a, 10).await;
        assert_eq!(status(&a, 2).unwrap().links, 2);

        // The lower id (the dialer) restarts: it dials again once told about its peer.
        let a_addr = a.bus.local_addr();
        a.bus.shutdown().await;
        drop(a);
        wait_until("2 notices 1 is gone", || !connected(&b, 1)).await;
        let mut a = start_at(1, a_addr).await;
        a.bus.set_peer(2, b_addr);
        wait_until("1 dials 2 again", || connected(&a, 2) && connected(&b, 1)).await;
        exchange(&a, &mut b, 10).await;
        exchange(&b, &mut a, 10).await;
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn joining_node_dials_a_seed_that_does_not_know_it() {
    bounded(async {
        let mut seed = start(1).await;
        let mut joiner = start(5).await;
        // Only the joiner (the higher id) knows the other: it dials after its grace period.
        joiner.bus.set_peer(1, seed.bus.local_addr());
        wait_until("joiner linked", || {
            connected(&seed, 5) && connected(&joiner, 1)
        })
        .await;
        let s = status(&seed, 5).unwrap();
        assert_eq!(s.addr, None);
        exchange(&joiner, &mut seed, 5).await;
        // The seed answers over the link the joiner opened.
        exchange(&seed, &mut joiner, 5).await;
        // Once the seed learns the joiner's address, nothing changes: the link is kept.
        seed.bus.set_peer(5, joiner.bus.local_addr());
        sleep(Duration::from_millis(300)).await;
        assert_eq!(status(&seed, 5).unwrap().links, 1);
        assert_eq!(status(&joiner, 1).unwrap().links, 1);
        // An unconfigured peer is forgotten when its link goes down; a configured one is not.
        joiner.bus.shutdown().await;
        wait_until("seed notices", || !connected(&seed, 5)).await;
        assert!(status(&seed, 5).is_some());
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn simultaneous_dials_settle_on_one_link() {
    bounded(async {
        let a = start(1).await;
        let b = start_with(
            TransportConfig {
                dial_grace: Duration::from_millis(1),
                ..config(2, "127.0.0.1:0".parse().unwrap())
            },
            1024,
        )
        .await;
        let (mut a, mut b) = (a, b);
        mesh(&[&a, &b]).await;
        sleep(Duration::from_millis(500)).await;
        let links = (status(&a, 2).unwrap().links, status(&b, 1).unwrap().links);
        exchange(&a, &mut b, 50).await;
        exchange(&b, &mut a, 50).await;
        sleep(Duration::from_millis(300)).await;
        // Settled: both connected, no further link churn.
        assert!(connected(&a, 2) && connected(&b, 1));
        assert_eq!(
            links,
            (status(&a, 2).unwrap().links, status(&b, 1).unwrap().links)
        );
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn large_envelope_arrives_intact_while_heartbeats_flow() {
    bounded(async {
        let a = start(1).await;
        let mut b = start(2).await;
        mesh(&[&a, &b]).await;
        let big: Bytes = (0..20u32 << 20)
            .map(|i| (i ^ (i >> 11)) as u8)
            .collect::<Vec<u8>>()
            .into();
        a.bus.send(env(2, 777, big.clone())).unwrap();
        // Small messages queued right after the snapshot must not wait for all of it.
        for i in 0..20 {
            a.bus.send(env(2, i, "heartbeat")).unwrap();
        }
        let a_bus = a.bus.clone();
        let ticker = tokio::spawn(async move {
            for i in 20..220 {
                a_bus.send(env(2, i, "heartbeat")).unwrap();
                sleep(Duration::from_millis(1)).await;
            }
        });
        let mut small_before_big = 0;
        let mut next_small = 0;
        let mut got_big = false;
        while !got_big || next_small < 220 {
            let e = recv(&mut b).await;
            if e.group == 777 {
                assert_eq!(e.payload.len(), big.len());
                assert!(e.payload == big, "20 MiB payload corrupted");
                got_big = true;
            } else {
                assert_eq!(
                    e.group, next_small,
                    "small messages stay in order, none lost"
                );
                next_small += 1;
                if !got_big {
                    small_before_big += 1;
                }
            }
        }
        ticker.await.unwrap();
        assert!(
            small_before_big >= 20,
            "only {small_before_big} small before the big one"
        );
        wait_until("sent counted", || status(&a, 2).unwrap().sent == 221).await;
        let s = status(&a, 2).unwrap();
        assert_eq!((s.sent, s.dropped, s.links), (221, 0, 1));
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_full_inbound_channel_slows_the_sender_without_drops() {
    bounded(async {
        let a = start(1).await;
        let mut b = start_with(config(2, "127.0.0.1:0".parse().unwrap()), 1).await;
        mesh(&[&a, &b]).await;
        for i in 0..500 {
            a.bus.send(env(2, i, vec![7u8; 1000])).unwrap();
        }
        sleep(Duration::from_millis(200)).await;
        for i in 0..500 {
            assert_eq!(recv(&mut b).await.group, i);
        }
        wait_until("sent counted", || status(&a, 2).unwrap().sent == 500).await;
        let s = status(&a, 2).unwrap();
        assert_eq!((s.sent, s.dropped), (500, 0));
    })
    .await;
}

/// Connects a raw socket to `addr`, writes `bytes`, and expects the bus to close it.
async fn closed_after(addr: SocketAddr, bytes: &[u8]) {
    let mut raw = TcpStream::connect(addr).await.unwrap();
    raw.write_all(bytes).await.unwrap();
    // Half-close, so that a merely incomplete frame ends in EOF rather than a timeout.
    raw.shutdown().await.unwrap();
    let mut sink = Vec::new();
    // Whatever the bus sent (its hello) is read; then EOF or a reset must follow.
    let read = timeout(WAIT_LIMIT, raw.read_to_end(&mut sink)).await;
    assert!(read.is_ok(), "bus kept a connection open after {bytes:?}");
}

fn framed(frame: &Frame) -> BytesMut {
    let mut out = BytesMut::new();
    wire::encode_frame(frame, &mut out);
    out
}

fn hello(id: u64) -> BytesMut {
    framed(&Frame::new(Body::Hello(Hello::new(id))))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn garbage_closes_only_its_own_connection() {
    bounded(async {
        let mut a = start(1).await;
        let mut b = start(2).await;
        mesh(&[&a, &b]).await;
        let addr = a.bus.local_addr();

        closed_after(addr, b"GET / HTTP/1.1\r\nHost: x\r\n\r\n").await;
        closed_after(addr, &[0, 0, 0, 3, 0x07, 0xff, 0xff]).await;
        closed_after(addr, &[0xde, 0xad, 0xbe, 0xef]).await;
        // A hello with our own id, with a wrong magic, with id 0.
        closed_after(addr, &hello(1)).await;
        let mut bad = hello(9);
        bad[7] ^= 0xff;
        closed_after(addr, &bad).await;
        closed_after(addr, &hello(0)).await;
        // A valid hello followed by garbage, by an oversized frame, by a second hello, by
        // an envelope claiming another sender, and by a bad chunk stream.
        for tail in [
            vec![0x42; 64],
            vec![0x7f, 0xff, 0xff, 0xff],
            hello(9).to_vec(),
            framed(&Frame::new(Body::Envelope(Envelope {
                from: 2,
                ..env(1, 0, "spoof")
            })))
            .to_vec(),
            framed(&Frame::new(Body::Chunk(wire::Chunk {
                stream: 1,
                total: 10,
                offset: 5,
                data: Bytes::from_static(b"x"),
            })))
            .to_vec(),
        ] {
            let mut bytes = hello(9);
            bytes.put_slice(&tail);
            closed_after(addr, &bytes).await;
        }
        // Half a frame then EOF.
        closed_after(addr, &[0, 0]).await;

        // The real link was never touched and still works both ways.
        exchange(&a, &mut b, 10).await;
        exchange(&b, &mut a, 10).await;
        assert_eq!(status(&a, 2).unwrap().links, 1);
        assert_eq!(a.rx.try_recv().ok(), None, "no garbage was delivered");
        // The transient peer 9 is forgotten once its connections closed.
        wait_until("peer 9 forgotten", || status(&a, 9).is_none()).await;
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unknown_node_can_talk_over_the_link_it_opened() {
    bounded(async {
        let mut a = start(1).await;
        let mut raw = TcpStream::connect(a.bus.local_addr()).await.unwrap();
        let mut out = hello(9);
        wire::encode_frame(
            &Frame::new(Body::Envelope(Envelope {
                from: 9,
                kind: Kind::Join as i32,
                ..env(1, 0, "let me in")
            })),
            &mut out,
        );
        raw.write_all(&out).await.unwrap();
        let e = recv(&mut a).await;
        assert_eq!(
            (e.from, e.kind, &e.payload[..]),
            (9, Kind::Join as i32, &b"let me in"[..])
        );
        a.bus
            .send(Envelope {
                kind: Kind::JoinReply as i32,
                ..env(9, 0, "welcome")
            })
            .unwrap();
        // Read the bus's hello, then the reply (pings may come in between).
        let mut buf = BytesMut::new();
        let mut frames = Vec::new();
        while !frames
            .iter()
            .any(|f: &Frame| matches!(f.body, Some(Body::Envelope(_))))
        {
            let n = timeout(WAIT_LIMIT, raw.read_buf(&mut buf))
                .await
                .unwrap()
                .unwrap();
            assert_ne!(n, 0, "bus closed the link");
            while let Some(f) = wire::decode_frame(&mut buf, wire::MAX_FRAME_LEN).unwrap() {
                frames.push(f);
            }
        }
        assert_eq!(frames[0], Frame::new(Body::Hello(Hello::new(1))));
        let reply = frames.iter().find_map(|f| match &f.body {
            Some(Body::Envelope(e)) => Some(e.clone()),
            _ => None,
        });
        let reply = reply.unwrap();
        assert_eq!(
            (reply.from, reply.to, &reply.payload[..]),
            (1, 9, &b"welcome"[..])
        );
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn send_refuses_what_it_cannot_deliver() {
    bounded(async {
        let a = start_with(
            TransportConfig {
                max_message: 1000,
                queue_len: 2,
                ..config(1, "127.0.0.1:0".parse().unwrap())
            },
            16,
        )
        .await;
        a.bus.set_peer(2, "127.0.0.1:1".parse().unwrap());
        assert_eq!(a.bus.send(env(2, 0, "x")), Err(SendError::NotConnected(2)));
        assert!(matches!(
            a.bus.send(env(2, 0, vec![0u8; 2000])),
            Err(SendError::TooLarge { max: 1000, .. })
        ));
        assert_eq!(
            a.bus.send(env(1, 0, "self")),
            Err(SendError::UnknownPeer(1))
        );
        assert_eq!(status(&a, 2).unwrap().dropped, 2);
        a.bus.remove_peer(2);
        assert!(a.bus.peers().is_empty());
        a.bus.shutdown().await;
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_protocol_violation_closes_the_link_and_it_redials() {
    bounded(async {
        let mut a = start(1).await;
        // A fake node 2 that answers the first connection with garbage after its hello.
        let fake = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        a.bus.set_peer(2, fake.local_addr().unwrap());

        let (mut first, _) = timeout(WAIT_LIMIT, fake.accept()).await.unwrap().unwrap();
        let mut bytes = hello(2);
        bytes.put_slice(&[0, 0, 0, 3, 0x07, 0xff, 0xff]);
        first.write_all(&bytes).await.unwrap();
        let mut sink = Vec::new();
        let closed = timeout(WAIT_LIMIT, first.read_to_end(&mut sink)).await;
        assert!(closed.is_ok(), "the bad link was not closed");
        assert_eq!(
            &sink[..],
            &hello(1)[..],
            "only the hello came before the close"
        );

        // The dialer comes back (after backoff), and a well-behaved link works.
        let (mut second, _) = timeout(WAIT_LIMIT, fake.accept()).await.unwrap().unwrap();
        let mut bytes = hello(2);
        wire::encode_frame(
            &Frame::new(Body::Envelope(Envelope {
                from: 2,
                ..env(1, 4, "after redial")
            })),
            &mut bytes,
        );
        second.write_all(&bytes).await.unwrap();
        let e = recv(&mut a).await;
        assert_eq!(
            (e.from, e.group, &e.payload[..]),
            (2, 4, &b"after redial"[..])
        );
        let s = status(&a, 2).unwrap();
        assert!(s.connected);
        assert_eq!((s.links, s.received), (2, 1));
    })
    .await;
}
