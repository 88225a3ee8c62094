//! The I/O shell of the bus: the accept loop, one dialer per configured peer, the handshake,
//! and the task that runs one link (reads frames in, writes batches out). Decisions are made
//! by the pure modules (`wire`, `policy`, `peer`); this file only moves bytes and waits.

use std::io;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};

use bytes::BytesMut;
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::Notify;
use tokio_util::sync::CancellationToken;

use super::peer::{Counters, LinkSlot, Peer};
use super::policy::{self, Backoff};
use super::wire::{
    self, Body, ChunkedEnvelope, Envelope, Frame, FrameError, Hello, HelloError, Ping, Reassembler,
    ReassemblyError,
};
use super::Shared;

/// Limit for connecting and for exchanging hellos.
const HANDSHAKE_TIMEOUT: Duration = Duration::from_secs(5);

/// Spare room kept in a read buffer so each read can take a good batch of frames.
const READ_CHUNK: usize = 64 << 10;

/// Small envelopes taken per write batch, in encoded bytes (the batch may also carry one
/// chunk of a large envelope).
const SMALL_BATCH_BYTES: usize = wire::MAX_FRAME_LEN;

/// Pause after a failed `accept` (e.g. out of file descriptors) so the loop does not spin.
const ACCEPT_ERROR_PAUSE: Duration = Duration::from_millis(100);

/// Why a link or a handshake ended. Protocol violations are logged at `warn`, the rest
/// (peers going away) at `info` or `debug`.
#[derive(Debug, thiserror::Error)]
enum LinkError {
    #[error("I/O error: {0}")]
    Io(#[from] io::Error),
    #[error("nothing received for {0:?}")]
    Idle(Duration),
    #[error("handshake timed out")]
    HandshakeTimeout,
    #[error("connection closed in the middle of a frame")]
    Truncated,
    #[error("connection closed before the handshake")]
    ClosedEarly,
    #[error(transparent)]
    Frame(#[from] FrameError),
    #[error(transparent)]
    Hello(#[from] HelloError),
    #[error(transparent)]
    Reassembly(#[from] ReassemblyError),
    #[error("expected a hello as the first frame")]
    NotHello,
    #[error("unexpected hello after the handshake")]
    LateHello,
    #[error("envelope from {from} to {to} on the link between {peer} and {local}")]
    Misaddressed {
        from: u64,
        to: u64,
        peer: u64,
        local: u64,
    },
}

impl LinkError {
    /// Whether the other end broke the protocol (as opposed to going away).
    fn is_violation(&self) -> bool {
        !matches!(
            self,
            LinkError::Io(_) | LinkError::Idle(_) | LinkError::Truncated | LinkError::ClosedEarly
        )
    }
}

/// Buffers a connection's incoming bytes and cuts frames out of them.
struct FrameReader {
    buf: BytesMut,
}

impl FrameReader {
    fn new() -> Self {
        FrameReader {
            buf: BytesMut::new(),
        }
    }

    /// The next frame, or `None` at a clean end of stream (between frames). Waits at most
    /// `idle` for each read, so a slow but live stream is not cut while a dead one is.
    ///
    /// # Cancel safety
    ///
    /// Safe: bytes read so far stay in the buffer for the next call.
    async fn next<R: AsyncRead + Unpin>(
        &mut self,
        r: &mut R,
        max_len: usize,
        idle: Duration,
    ) -> Result<Option<Frame>, LinkError> {
        loop {
            if let Some(frame) = wire::decode_frame(&mut self.buf, max_len)? {
                return Ok(Some(frame));
            }
            if self.buf.capacity() - self.buf.len() < READ_CHUNK / 4 {
                self.buf.reserve(READ_CHUNK);
            }
            let n = tokio::time::timeout(idle, r.read_buf(&mut self.buf))
                .await
                .map_err(|_| LinkError::Idle(idle))??;
            if n == 0 {
                return if self.buf.is_empty() {
                    Ok(None)
                } else {
                    Err(LinkError::Truncated)
                };
            }
        }
    }
}

/// Sends our hello and checks the peer's. `expected` is the id we dialed (`None` when
/// accepting). Returns the peer's id and the reader, which may already hold frames that
/// followed the hello.
async fn handshake(
    shared: &Shared,
    stream: &mut TcpStream,
    expected: Option<u64>,
) -> Result<(u64, FrameReader), LinkError> {
    let local = shared.cfg.node_id;
    let exchange = async {
        let mut out = BytesMut::new();
        wire::encode_frame(&Frame::new(Body::Hello(Hello::new(local))), &mut out);
        stream.write_all(&out).await?;
        let mut reader = FrameReader::new();
        let frame = reader
            .next(stream, wire::MAX_HELLO_FRAME_LEN, HANDSHAKE_TIMEOUT)
            .await?;
        match frame.map(|f| f.body) {
            None => Err(LinkError::ClosedEarly),
            Some(Some(Body::Hello(hello))) => {
                Ok((wire::check_hello(&hello, local, expected)?, reader))
            }
            Some(_) => Err(LinkError::NotHello),
        }
    };
    tokio::time::timeout(HANDSHAKE_TIMEOUT, exchange)
        .await
        .map_err(|_| LinkError::HandshakeTimeout)?
}

/// Accepts connections until the transport is cancelled; each handshake runs in its own
/// task so a slow or hostile client cannot hold up the others.
pub(super) async fn accept_loop(shared: Arc<Shared>, listener: TcpListener) {
    loop {
        let accepted = tokio::select! {
            _ = shared.cancel.cancelled() => return,
            accepted = listener.accept() => accepted,
        };
        let (stream, remote) = match accepted {
            Ok(accepted) => accepted,
            Err(e) => {
                tracing::warn!(error = %e, "bus accept failed");
                tokio::select! {
                    _ = shared.cancel.cancelled() => return,
                    _ = tokio::time::sleep(ACCEPT_ERROR_PAUSE) => continue,
                }
            }
        };
        let Ok(permit) = shared.handshakes.clone().try_acquire_owned() else {
            tracing::warn!(%remote, "too many bus handshakes in progress; closing connection");
            continue;
        };
        let task_shared = shared.clone();
        shared.spawn(async move {
            let _permit = permit;
            tokio::select! {
                _ = task_shared.cancel.cancelled() => {}
                _ = accept_one(&task_shared, stream, remote) => {}
            }
        });
    }
}

async fn accept_one(shared: &Arc<Shared>, mut stream: TcpStream, remote: SocketAddr) {
    // Frames are batched by the writer, so Nagle would only add latency.
    let _ = stream.set_nodelay(true);
    match handshake(shared, &mut stream, None).await {
        Ok((id, reader)) => {
            attach(shared, id, None, id, stream, reader, remote);
        }
        Err(e) if e.is_violation() || matches!(e, LinkError::HandshakeTimeout) => {
            tracing::warn!(%remote, error = %e, "bus handshake refused");
        }
        Err(e) => tracing::debug!(%remote, error = %e, "bus handshake failed"),
    }
}

/// Keeps a link to a configured peer: dials when there is none, with backoff, until the
/// peer is removed or the transport stops.
pub(super) async fn dial_loop(shared: Arc<Shared>, peer: Arc<Peer>) {
    let local = shared.cfg.node_id;
    let first = policy::dials_first(local, peer.id);
    let mut backoff = Backoff::new(shared.cfg.backoff_min, shared.cfg.backoff_max);
    let mut connected = peer.connected.subscribe();
    let mut delay = if first {
        Duration::ZERO
    } else {
        shared.cfg.dial_grace
    };
    // When the link we last saw came up; its lifetime decides whether backoff resets.
    let mut linked_at: Option<Instant> = None;
    loop {
        tokio::select! {
            _ = peer.token.cancelled() => return,
            up = connected.wait_for(|up| !*up) => if up.is_err() { return },
        }
        if let Some(at) = linked_at.take() {
            if at.elapsed() >= shared.cfg.backoff_max {
                backoff.reset();
            }
            delay = backoff.next_delay(&mut rand::thread_rng());
            if !first {
                delay = delay.max(shared.cfg.dial_grace);
            }
        }
        tokio::select! {
            _ = peer.token.cancelled() => return,
            _ = tokio::time::sleep(delay) => {}
        }
        if *connected.borrow() {
            // The peer dialed us meanwhile.
            linked_at = Some(Instant::now());
            continue;
        }
        let Some(addr) = peer.state.lock().addr else {
            return;
        };
        let dialed = tokio::select! {
            _ = peer.token.cancelled() => return,
            dialed = dial(&shared, peer.id, addr) => dialed,
        };
        match dialed {
            Ok((stream, reader)) => {
                // Installed or not (a link dialed by the lower id may have won), a link is up.
                attach(&shared, peer.id, Some(&peer), local, stream, reader, addr);
                linked_at = Some(Instant::now());
            }
            Err(e) => {
                if e.is_violation() {
                    tracing::warn!(peer = peer.id, %addr, error = %e, "bus handshake refused");
                } else {
                    tracing::debug!(peer = peer.id, %addr, error = %e, "bus dial failed");
                }
                delay = backoff.next_delay(&mut rand::thread_rng());
            }
        }
    }
}

async fn dial(
    shared: &Shared,
    id: u64,
    addr: SocketAddr,
) -> Result<(TcpStream, FrameReader), LinkError> {
    let mut stream = tokio::time::timeout(HANDSHAKE_TIMEOUT, TcpStream::connect(addr))
        .await
        .map_err(|_| LinkError::HandshakeTimeout)??;
    let _ = stream.set_nodelay(true);
    let (_, reader) = handshake(shared, &mut stream, Some(id)).await?;
    Ok((stream, reader))
}

/// Installs a handshaken connection as the link to `id` and spawns its task, unless the
/// tie-break keeps an existing link (then the connection is closed). `dialed_for` is the
/// dialer's peer entry, `None` for an accepted connection (which creates an entry for an
/// unknown id).
fn attach(
    shared: &Arc<Shared>,
    id: u64,
    dialed_for: Option<&Arc<Peer>>,
    dialer: u64,
    stream: TcpStream,
    reader: FrameReader,
    remote: SocketAddr,
) {
    let local = shared.cfg.node_id;
    let conn_id = shared
        .next_conn_id
        .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let wake = Arc::new(Notify::new());
    // The map's write lock is held while installing so that an unconfigured peer cannot be
    // forgotten (by its previous link going down) between lookup and install.
    let (peer, token, replaced) = {
        let mut peers = shared.peers.write();
        let peer = match (peers.get(&id), dialed_for) {
            (Some(p), Some(mine)) if Arc::ptr_eq(p, mine) => p.clone(),
            // Removed (or removed and re-added) while we were dialing.
            (_, Some(_)) => return,
            (Some(p), None) => p.clone(),
            (None, None) => {
                let p = Arc::new(Peer::new(id, shared.cancel.child_token()));
                peers.insert(id, p.clone());
                p
            }
        };
        let token = peer.token.child_token();
        let slot = LinkSlot {
            conn_id,
            dialer,
            wake: wake.clone(),
            token: token.clone(),
        };
        let mut state = peer.state.lock();
        match state.install(slot, local, id) {
            Ok(replaced) => {
                peer.connected.send_replace(true);
                drop(state);
                (peer, token, replaced)
            }
            Err(_) => {
                tracing::debug!(peer = id, %remote, dialer, "duplicate bus link closed");
                return;
            }
        }
    };
    if let Some(old) = replaced {
        tracing::debug!(
            peer = id,
            old = old.conn_id,
            new = conn_id,
            "bus link replaced"
        );
        old.token.cancel();
    }
    Counters::add(&peer.counters.links, 1);
    // Anything queued for a replaced link is this writer's now.
    wake.notify_one();
    tracing::info!(peer = id, %remote, dialer, "bus link up");
    let link = Link {
        shared: shared.clone(),
        peer,
        conn_id,
        wake,
        token,
    };
    shared.spawn(async move { link.run(stream, reader).await });
}

/// One installed connection to a peer.
struct Link {
    shared: Arc<Shared>,
    peer: Arc<Peer>,
    conn_id: u64,
    wake: Arc<Notify>,
    /// Cancelled when the link is replaced, its peer removed, or the transport stopped.
    token: CancellationToken,
}

/// What the writer has taken from the queue but not yet written; counted as dropped if the
/// link ends first.
struct Writer {
    buf: BytesMut,
    batch: Vec<Envelope>,
    /// Envelopes encoded in `buf`, counted as sent once `buf` is written.
    in_buf: u64,
    large: Option<ChunkedEnvelope>,
    next_stream: u64,
}

impl Writer {
    fn new() -> Self {
        Writer {
            buf: BytesMut::new(),
            batch: Vec::new(),
            in_buf: 0,
            large: None,
            next_stream: 1,
        }
    }

    /// Envelopes taken from the queue and not written.
    fn unsent(&self) -> u64 {
        self.in_buf + self.batch.len() as u64 + u64::from(self.large.is_some())
    }
}

impl Link {
    async fn run(&self, mut stream: TcpStream, mut reader: FrameReader) {
        let mut writer = Writer::new();
        let mut reassembler = Reassembler::new(self.shared.cfg.max_message);
        let result = {
            let (mut rd, mut wr) = stream.split();
            tokio::select! {
                _ = self.token.cancelled() => Ok(()),
                r = self.read_loop(&mut rd, &mut reader, &mut reassembler) => r,
                r = self.write_loop(&mut wr, &mut writer) => r,
            }
        };
        drop(stream);
        self.finish(result, &writer);
    }

    /// Uninstalls the link, accounts for lost envelopes and logs why it ended, once.
    fn finish(&self, result: Result<(), LinkError>, writer: &Writer) {
        let peer = &self.peer;
        let mut lost = writer.unsent();
        {
            let mut peers = self.shared.peers.write();
            let mut state = peer.state.lock();
            if let Some(dropped) = state.uninstall(self.conn_id) {
                lost += dropped as u64;
                peer.connected.send_replace(false);
                let is_entry = peers.get(&peer.id).is_some_and(|p| Arc::ptr_eq(p, peer));
                if !state.configured && is_entry {
                    peers.remove(&peer.id);
                }
            }
        }
        Counters::add(&peer.counters.dropped, lost);
        match result {
            Err(e) if e.is_violation() => {
                tracing::warn!(peer = peer.id, error = %e, lost, "bus link closed: protocol violation");
            }
            Err(e) => tracing::info!(peer = peer.id, error = %e, lost, "bus link down"),
            Ok(()) => tracing::debug!(peer = peer.id, lost, "bus link closed"),
        }
    }

    async fn read_loop<R: AsyncRead + Unpin>(
        &self,
        rd: &mut R,
        reader: &mut FrameReader,
        reassembler: &mut Reassembler,
    ) -> Result<(), LinkError> {
        let shared = &self.shared;
        let local = shared.cfg.node_id;
        loop {
            let Some(frame) = reader
                .next(rd, wire::MAX_FRAME_LEN, shared.cfg.idle_timeout)
                .await?
            else {
                return Err(io::Error::from(io::ErrorKind::UnexpectedEof).into());
            };
            self.peer.counters.touch(shared.epoch);
            let env = match frame.body {
                Some(Body::Envelope(env)) => env,
                Some(Body::Chunk(chunk)) => match reassembler.push(chunk)? {
                    Some(env) => env,
                    None => continue,
                },
                Some(Body::Ping(_)) => continue,
                Some(Body::Hello(_)) => return Err(LinkError::LateHello),
                // A frame kind from a newer version: skipped, as the format promises.
                None => continue,
            };
            if env.from != self.peer.id || env.to != local {
                return Err(LinkError::Misaddressed {
                    from: env.from,
                    to: env.to,
                    peer: self.peer.id,
                    local,
                });
            }
            // Counted before the hand-off, so a consumer that has the envelope sees it counted.
            Counters::add(&self.peer.counters.received, 1);
            // Waits while the consumer is behind: backpressure through TCP.
            if shared.inbound.send(env).await.is_err() {
                // The consumer is gone; the node is shutting down.
                return Ok(());
            }
        }
    }

    async fn write_loop<W: AsyncWrite + Unpin>(
        &self,
        wr: &mut W,
        w: &mut Writer,
    ) -> Result<(), LinkError> {
        loop {
            {
                let mut state = self.peer.state.lock();
                if !state.is_current(self.conn_id) {
                    // Replaced by a newer link, which now owns the queue.
                    return Ok(());
                }
                state.take_small(&mut w.batch, SMALL_BATCH_BYTES);
                if w.large.is_none() {
                    if let Some(env) = state.take_large() {
                        w.large = Some(ChunkedEnvelope::new(&env, w.next_stream));
                        w.next_stream += 1;
                    }
                }
            }
            // Encoding happens outside the lock: `send` never waits behind a copy.
            for env in w.batch.drain(..) {
                wire::encode_frame(&Frame::new(Body::Envelope(env)), &mut w.buf);
                w.in_buf += 1;
            }
            if let Some(large) = &mut w.large {
                if let Some(chunk) = large.next_chunk() {
                    wire::encode_frame(&Frame::new(Body::Chunk(chunk)), &mut w.buf);
                }
                if large.is_done() {
                    w.large = None;
                    w.in_buf += 1;
                }
            }
            if w.buf.is_empty() {
                tokio::select! {
                    _ = self.wake.notified() => continue,
                    _ = tokio::time::sleep(self.shared.cfg.ping_interval) => {
                        wire::encode_frame(&Frame::new(Body::Ping(Ping {})), &mut w.buf);
                    }
                }
            }
            // One syscall (or a few, for a large batch) for everything gathered above.
            wr.write_all(&w.buf).await?;
            w.buf.clear();
            Counters::add(&self.peer.counters.sent, w.in_buf);
            w.in_buf = 0;
        }
    }
}
