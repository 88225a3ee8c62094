//! The peer bus: one TCP connection per node pair carries every message between two nodes
//! (all Raft groups share it).
//!
//! Modules: [`wire`] (messages, frame codec, chunking; pure), `policy` (who dials, which of
//! two links survives, backoff; pure), `peer` (per-peer queues, link slot and counters; sync
//! data), `link` (the I/O shell: accept loop, dialer, handshake, per-link task). This file
//! holds the public API, [`Transport`].
//!
//! # Wire format
//!
//! A connection is a sequence of frames, each `[u32 big-endian length][protobuf Frame]`, the
//! length counting the protobuf bytes only. `Frame` is a oneof (see [`wire::Frame`], pinned
//! by golden-bytes tests in `wire.rs`):
//!
//! ```text
//! Frame    { oneof body { Hello hello = 1; Envelope envelope = 2; Chunk chunk = 3; Ping ping = 4; } }
//! Hello    { fixed64 magic = 1 ("RDRFTBUS"); uint32 version = 2 (1); uint64 node_id = 3; }
//! Envelope { uint64 from = 1; uint64 to = 2; uint64 group = 3; Kind kind = 4; bytes payload = 5; }
//! Chunk    { uint64 stream = 1; uint64 total = 2; uint64 offset = 3; bytes data = 4; }
//! Ping     { }
//! ```
//!
//! - Each side first sends a `Hello` and reads the other's (a frame of at most 256 bytes, within 5 s).
//!   Wrong magic or version, node id 0, our own id, or (when we dialed) a different id than
//!   the one we dialed: the connection is closed with a `warn!`. Any other id is accepted, as
//!   a joining node is not configured yet.
//! - After the handshake a frame is at most [`wire::MAX_FRAME_LEN`] (1 MiB), checked on the
//!   length prefix before anything is allocated. An envelope whose encoding fits in
//!   [`wire::CHUNK_DATA_LEN`] travels whole in one `envelope` frame; a bigger one is cut into
//!   `chunk` frames carrying consecutive byte ranges of its encoding, reassembled on the
//!   receiving side up to [`TransportConfig::max_message`] bytes. Between two chunks of one
//!   envelope only unchunked frames may appear.
//! - An idle writer sends a `Ping` every [`TransportConfig::ping_interval`]; a reader that
//!   receives nothing for [`TransportConfig::idle_timeout`] declares the link dead.
//! - Any violation (bad frame, bad chunk sequence, an envelope whose `from` is not the peer or
//!   whose `to` is not us, a second `Hello`) closes the link with one `warn!`; it reconnects.
//!   Unknown frame kinds and unknown `Kind` values from newer peers pass through.
//!
//! # One link per pair
//!
//! The lower id dials a peer as soon as `set_peer` names it. The higher id accepts, and dials
//! itself only after [`TransportConfig::dial_grace`] without a link (a joining node dials the
//! seeds it knows, which do not know it yet). A link accepted from any id carries traffic
//! both ways. When two links to one peer meet, both ends keep the one dialed by the lower id
//! (or, if one end dialed both, the newer) and close the other (`policy::replaces`).
//! Failed dials retry with exponential backoff and jitter.
//!
//! # Flow control
//!
//! - Outbound: [`Transport::send`] never waits. Each peer has a bounded queue
//!   ([`TransportConfig::queue_len`] envelopes); a full queue, or no link, drops the envelope
//!   and counts it, and a link going down drops what was queued for it: Raft retransmits.
//!   The writer takes every queued small envelope (up to about 1 MiB) plus one chunk of the
//!   oldest large envelope per batch and writes the batch with one `write_all`, so heartbeats
//!   wait behind at most one chunk of a snapshot. No ordering is promised between a small and
//!   a large envelope; each class is FIFO.
//! - Inbound: envelopes go to the bounded channel given to [`Transport::start`]; while it is
//!   full the link stops reading (TCP backpressure to the sender), nothing is dropped.
//!
//! # Concurrency
//!
//! One task accepts, one task per configured peer dials, one task per link reads and writes
//! (reading and writing are two futures polled by one `select!`, so either ending ends the
//! link). The peer map is a `parking_lot::RwLock` and each peer's queue a
//! `parking_lot::Mutex`: sync locks, because `send` is sync and every critical section is
//! short; lock order is map, then peer; neither is held across an `.await`. Every task stops
//! when the token given to `start` (or [`Transport::shutdown`], or dropping the transport)
//! cancels it.

mod link;
mod peer;
mod policy;
pub mod wire;

use std::collections::HashMap;
use std::future::Future;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use parking_lot::RwLock;
use prost::Message;
use tokio::net::TcpListener;
use tokio::sync::{mpsc, Notify, Semaphore};
use tokio_util::sync::CancellationToken;
use tracing::Instrument;

use peer::{Counters, Peer, PushError};
pub use wire::{Envelope, Kind};

/// Most connections allowed to be in their handshake at once; more are closed on accept, so
/// a flood of idle sockets cannot pile up tasks.
const MAX_PENDING_HANDSHAKES: usize = 256;

/// Settings of a [`Transport`]. [`TransportConfig::new`] fills in the defaults.
#[derive(Debug, Clone)]
pub struct TransportConfig {
    /// This node's id; non-zero.
    pub node_id: u64,
    /// The bus address to bind (port 0 picks one; see [`Transport::local_addr`]).
    pub listen: SocketAddr,
    /// Largest encoded [`Envelope`] sent or reassembled from chunks (default 512 MiB). A
    /// larger one is refused by [`Transport::send`] and, if announced by a peer, closes the
    /// link. Envelopes that fit one frame (1 MiB) are always accepted on receipt.
    pub max_message: usize,
    /// Envelopes queued per peer before [`Transport::send`] drops (default 4096).
    pub queue_len: usize,
    /// First reconnect delay (default 50 ms).
    pub backoff_min: Duration,
    /// Longest reconnect delay (default 1 s); also how long a link must stay up for the
    /// backoff to start again from `backoff_min`.
    pub backoff_max: Duration,
    /// How long the higher id of a pair waits for the lower id to dial before dialing itself
    /// (default 250 ms).
    pub dial_grace: Duration,
    /// An idle link sends a keepalive this often (default 1 s).
    pub ping_interval: Duration,
    /// A link on which nothing arrives for this long is closed (default 10 s); must exceed
    /// `ping_interval`.
    pub idle_timeout: Duration,
}

impl TransportConfig {
    /// Defaults for node `node_id` listening on `listen`.
    pub fn new(node_id: u64, listen: SocketAddr) -> Self {
        TransportConfig {
            node_id,
            listen,
            max_message: 512 << 20,
            queue_len: 4096,
            backoff_min: Duration::from_millis(50),
            backoff_max: Duration::from_secs(1),
            dial_grace: Duration::from_millis(250),
            ping_interval: Duration::from_secs(1),
            idle_timeout: Duration::from_secs(10),
        }
    }

    fn validate(&self) -> std::io::Result<()> {
        let problem = if self.node_id == 0 {
            "node_id must be non-zero"
        } else if self.max_message == 0 || self.queue_len == 0 {
            "max_message and queue_len must be non-zero"
        } else if self.backoff_min.is_zero() || self.backoff_min > self.backoff_max {
            "backoff_min must be non-zero and at most backoff_max"
        } else if self.ping_interval.is_zero() || self.ping_interval >= self.idle_timeout {
            "ping_interval must be non-zero and below idle_timeout"
        } else {
            return Ok(());
        };
        Err(std::io::Error::new(
            std::io::ErrorKind::InvalidInput,
            problem,
        ))
    }
}

/// Why [`Transport::send`] dropped an envelope. Every case is counted; none is fatal.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum SendError {
    /// No peer with this id is configured or connected (includes our own id).
    #[error("unknown peer {0}")]
    UnknownPeer(u64),
    /// The peer is known but has no link right now.
    #[error("peer {0} is not connected")]
    NotConnected(u64),
    /// The peer's queue holds [`TransportConfig::queue_len`] envelopes already.
    #[error("send queue for peer {0} is full")]
    QueueFull(u64),
    /// The encoded envelope exceeds [`TransportConfig::max_message`].
    #[error("envelope of {len} bytes exceeds the limit of {max}")]
    TooLarge { len: usize, max: usize },
}

/// One peer as seen by [`Transport::peers`], for INFO.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PeerStatus {
    /// The peer's node id.
    pub id: u64,
    /// Where its bus listens; `None` if it is known only from an inbound link.
    pub addr: Option<SocketAddr>,
    /// Whether a link is up.
    pub connected: bool,
    /// When the last frame (of any kind, pings included) arrived from it.
    pub last_received: Option<Instant>,
    /// Envelopes written to its socket.
    pub sent: u64,
    /// Envelopes received from it.
    pub received: u64,
    /// Envelopes for it that were refused or lost with a link.
    pub dropped: u64,
    /// Links established with it so far (1 while a first link lasts).
    pub links: u64,
    /// Envelopes waiting in its queue.
    pub queued: usize,
}

/// The running bus of one node. See the module doc for the protocol.
#[derive(Debug)]
pub struct Transport {
    shared: Arc<Shared>,
}

/// State shared by the transport handle and its tasks.
#[derive(Debug)]
struct Shared {
    cfg: TransportConfig,
    local_addr: SocketAddr,
    peers: RwLock<HashMap<u64, Arc<Peer>>>,
    inbound: mpsc::Sender<Envelope>,
    /// Child of the caller's token, so that dropping the transport stops only the transport.
    cancel: CancellationToken,
    /// Tasks are spawned from sync methods (`set_peer`), so the runtime is kept here.
    runtime: tokio::runtime::Handle,
    next_conn_id: AtomicU64,
    /// Base of the `last_received` timestamps kept in atomics.
    epoch: Instant,
    /// Envelopes for ids with no peer entry.
    unroutable: AtomicU64,
    handshakes: Arc<Semaphore>,
    tasks: TaskCount,
}

impl Shared {
    /// Spawns `fut` on the transport's runtime, counted for [`Transport::shutdown`].
    fn spawn<F>(self: &Arc<Self>, fut: F)
    where
        F: Future<Output = ()> + Send + 'static,
    {
        let guard = self.tasks.enter();
        // Several nodes may share a process (tests, benches): every bus log line says whose.
        let span = tracing::info_span!("bus", node = self.cfg.node_id);
        self.runtime.spawn(
            async move {
                let _guard = guard;
                fut.await;
            }
            .instrument(span),
        );
    }
}

/// Counts live tasks so shutdown can wait for them (tokio-util's `TaskTracker` needs a
/// feature the crate does not enable).
#[derive(Debug, Default)]
struct TaskCount {
    live: Arc<AtomicUsize>,
    idle: Arc<Notify>,
}

/// Decrements the [`TaskCount`] when its task ends, however it ends.
struct TaskGuard {
    live: Arc<AtomicUsize>,
    idle: Arc<Notify>,
}

impl TaskCount {
    fn enter(&self) -> TaskGuard {
        self.live.fetch_add(1, Ordering::SeqCst);
        TaskGuard {
            live: self.live.clone(),
            idle: self.idle.clone(),
        }
    }

    async fn wait_idle(&self) {
        loop {
            let notified = self.idle.notified();
            tokio::pin!(notified);
            // Registered before the check, so a task ending in between is not missed.
            notified.as_mut().enable();
            if self.live.load(Ordering::SeqCst) == 0 {
                return;
            }
            notified.await;
        }
    }
}

impl Drop for TaskGuard {
    fn drop(&mut self) {
        if self.live.fetch_sub(1, Ordering::SeqCst) == 1 {
            self.idle.notify_waiters();
        }
    }
}

impl Transport {
    /// Binds `cfg.listen` and starts the accept loop. Inbound envelopes go to `inbound`
    /// (bounded; reading from a peer waits while it is full: backpressure, not drops).
    /// Everything stops when `cancel` fires, when [`Transport::shutdown`] is called, or when
    /// the transport is dropped.
    ///
    /// # Errors
    ///
    /// `InvalidInput` for an inconsistent `cfg`; the bind error if the address is taken.
    ///
    /// # Cancel safety
    ///
    /// Safe: nothing is spawned before the last await, so a cancelled start leaves nothing
    /// running and releases the address.
    pub async fn start(
        cfg: TransportConfig,
        inbound: mpsc::Sender<Envelope>,
        cancel: CancellationToken,
    ) -> std::io::Result<Arc<Transport>> {
        cfg.validate()?;
        let listener = TcpListener::bind(cfg.listen).await?;
        let local_addr = listener.local_addr()?;
        let shared = Arc::new(Shared {
            cfg,
            local_addr,
            peers: RwLock::new(HashMap::new()),
            inbound,
            cancel: cancel.child_token(),
            runtime: tokio::runtime::Handle::current(),
            next_conn_id: AtomicU64::new(1),
            epoch: Instant::now(),
            unroutable: AtomicU64::new(0),
            handshakes: Arc::new(Semaphore::new(MAX_PENDING_HANDSHAKES)),
            tasks: TaskCount::default(),
        });
        shared.spawn(link::accept_loop(shared.clone(), listener));
        tracing::info!(node = shared.cfg.node_id, addr = %local_addr, "bus listening");
        Ok(Arc::new(Transport { shared }))
    }

    /// The address the bus is bound to.
    pub fn local_addr(&self) -> SocketAddr {
        self.shared.local_addr
    }

    /// This node's id.
    pub fn node_id(&self) -> u64 {
        self.shared.cfg.node_id
    }

    /// Adds or updates where peer `id`'s bus listens, and keeps a link to it from now on
    /// (dialing it if we are the lower id, or if it does not dial us within the grace
    /// period). A new address is used from the next dial; an existing link is kept. Our own
    /// id and 0 are ignored with a warning.
    pub fn set_peer(&self, id: u64, addr: SocketAddr) {
        let shared = &self.shared;
        if id == 0 || id == shared.cfg.node_id {
            tracing::warn!(peer = id, %addr, "set_peer ignored: not a peer id");
            return;
        }
        let mut peers = shared.peers.write();
        let peer = peers
            .entry(id)
            .or_insert_with(|| Arc::new(Peer::new(id, shared.cancel.child_token())))
            .clone();
        drop(peers);
        let newly_configured = {
            let mut state = peer.state.lock();
            state.addr = Some(addr);
            !std::mem::replace(&mut state.configured, true)
        };
        if newly_configured {
            shared.spawn(link::dial_loop(shared.clone(), peer));
        }
    }

    /// Forgets peer `id`: stops dialing it and closes its link. If it connects again later
    /// it is accepted like any unknown node.
    pub fn remove_peer(&self, id: u64) {
        let removed = self.shared.peers.write().remove(&id);
        if let Some(peer) = removed {
            peer.token.cancel();
        }
    }

    /// Queues `env` for peer `env.to`, after setting `env.from` to this node's id. Never
    /// blocks and never awaits.
    ///
    /// # Errors
    ///
    /// The envelope is dropped, and counted, when the peer is unknown or not connected, its
    /// queue is full, or the envelope exceeds `max_message` ([`SendError`] says which). These
    /// are normal under failures: Raft retransmits.
    pub fn send(&self, mut env: Envelope) -> Result<(), SendError> {
        let shared = &self.shared;
        let to = env.to;
        let peers = shared.peers.read();
        let Some(peer) = peers.get(&to) else {
            shared.unroutable.fetch_add(1, Ordering::Relaxed);
            return Err(SendError::UnknownPeer(to));
        };
        env.from = shared.cfg.node_id;
        let len = env.encoded_len();
        let pushed = if len > shared.cfg.max_message {
            Err(SendError::TooLarge {
                len,
                max: shared.cfg.max_message,
            })
        } else {
            let mut state = peer.state.lock();
            state
                .push(env, len, shared.cfg.queue_len)
                .map_err(|e| match e {
                    PushError::NotConnected => SendError::NotConnected(to),
                    PushError::QueueFull => SendError::QueueFull(to),
                })
        };
        match pushed {
            Ok(wake) => {
                wake.notify_one();
                Ok(())
            }
            Err(e) => {
                Counters::add(&peer.counters.dropped, 1);
                Err(e)
            }
        }
    }

    /// Status of every known peer, by id.
    pub fn peers(&self) -> Vec<PeerStatus> {
        let shared = &self.shared;
        let mut out: Vec<PeerStatus> = shared
            .peers
            .read()
            .values()
            .map(|peer| {
                let (addr, connected, queued) = {
                    let state = peer.state.lock();
                    (state.addr, state.is_connected(), state.queued())
                };
                let c = &peer.counters;
                PeerStatus {
                    id: peer.id,
                    addr,
                    connected,
                    last_received: c.last_frame(shared.epoch),
                    sent: Counters::get(&c.sent),
                    received: Counters::get(&c.received),
                    dropped: Counters::get(&c.dropped),
                    links: Counters::get(&c.links),
                    queued,
                }
            })
            .collect();
        out.sort_by_key(|p| p.id);
        out
    }

    /// Envelopes dropped by [`Transport::send`] because no peer had their `to` id.
    pub fn unroutable(&self) -> u64 {
        self.shared.unroutable.load(Ordering::Relaxed)
    }

    /// Stops the transport (listener, dialers, links) and waits until all its tasks have
    /// ended, so the listen address can be bound again.
    ///
    /// # Cancel safety
    ///
    /// Safe: the stop is requested before the first await; a later call waits again.
    pub async fn shutdown(&self) {
        self.shared.cancel.cancel();
        self.shared.tasks.wait_idle().await;
    }
}

impl Drop for Transport {
    fn drop(&mut self) {
        self.shared.cancel.cancel();
    }
}
