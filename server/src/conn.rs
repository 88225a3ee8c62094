//! One client connection: read what the socket has, decode every complete request, dispatch each,
//! and write all replies with one write.
//!
//! # Cancel safety
//! The loop `select!`s between reading and the client's cancellation token (CLIENT KILL,
//! shutdown). `read_buf` is cancel safe: a cancelled read loses no bytes.

use bytes::{Bytes, BytesMut};
use redraft_protocol::encode::encode;
use redraft_protocol::request::{ProtocolError, RequestDecoder, RequestLimits};
use redraft_protocol::{Frame, Version};
use std::collections::VecDeque;
use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

use crate::dispatch::{dispatch, Batch};
use crate::error;
use crate::session::{Action, ReplyMode, Session};
use crate::state::{ClientHandle, ServerState};

/// Read buffer sizes: a connection starts small (an idle client costs little, which matters at
/// 10k connections) and doubles its reads up to `READ_CHUNK` while reads fill the buffer.
const READ_CHUNK: usize = 16 * 1024;
const FIRST_READ: usize = 1024;

/// Why a connection ended (for logs).
#[derive(Debug)]
enum End {
    Eof,
    Io,
    Killed,
    Protocol,
    Quit,
    Timeout,
    OutputLimit,
    QueryLimit,
}

/// Serves one accepted connection until it closes.
pub async fn serve(mut stream: TcpStream, server: Arc<ServerState>, client: Arc<ClientHandle>) {
    let end = run(&mut stream, &server, &client).await;
    tracing::debug!(id = client.id, addr = %client.addr, reason = ?end, "client closed");
    let _ = stream.shutdown().await;
    server.clients.unregister(client.id);
}

fn limits(server: &ServerState) -> RequestLimits {
    RequestLimits {
        max_bulk_len: server.hot.max_bulk_len.load(Ordering::Relaxed),
        ..RequestLimits::default()
    }
}

fn queue_reply(session: &mut Session, reply: &Frame, out: &mut BytesMut) {
    if let Frame::Error(msg) = reply {
        session.server.count_error(msg);
    }
    match session.reply_mode {
        ReplyMode::On => encode(reply, session.resp, out),
        ReplyMode::Off => {}
        ReplyMode::Skip => session.reply_mode = ReplyMode::On,
        ReplyMode::SkipNext => session.reply_mode = ReplyMode::Skip,
    }
}

/// What the connection must do after a batch has been processed.
enum Step {
    /// Everything decodable was served: read more.
    Read,
    /// CLIENT PAUSE holds the request at the front of the queue: wait, then go on.
    Paused,
    /// DEBUG SLEEP: wait this long, then go on.
    Sleep(Duration),
    /// Close the connection (after flushing).
    End(End),
}

/// A request taken off the read buffer, or the protocol error that ends the stream.
type Decoded = Result<Vec<Bytes>, ProtocolError>;

/// Most requests decoded ahead of execution, so their keys can be looked up together.
const AHEAD: usize = 64;

/// Serves every complete request: first those already in `pending` (decoded ahead, or held
/// by a pause), then what `inbuf` holds, queueing replies in `out`. Requests decoded but not
/// served (a pause or sleep stopped the batch) stay in `pending` for the next call.
/// Synchronous: the shard lock never crosses an await.
fn process(
    server: &ServerState,
    session: &mut Session,
    decoder: &mut RequestDecoder,
    inbuf: &mut BytesMut,
    out: &mut BytesMut,
    pending: &mut VecDeque<Decoded>,
) -> Step {
    let mut batch = Batch::new(&server.shard);
    let mut commands = 0u64;
    decode_ahead(session, decoder, inbuf, pending);
    if pending.len() > 1 {
        batch.warm(session.db, pending.iter().filter_map(|a| a.as_ref().ok()));
    }
    let step = loop {
        let decoded = match pending.pop_front() {
            Some(item) => item.map(Some),
            None => decoder.decode(inbuf),
        };
        let argv = match decoded {
            Ok(Some(argv)) => {
                if paused_for(server, &argv) {
                    pending.push_front(Ok(argv));
                    break Step::Paused;
                }
                argv
            }
            Ok(None) => break Step::Read,
            Err(e) => {
                let mut message = b"ERR ".to_vec();
                message.extend_from_slice(&e.to_wire_bytes());
                queue_reply(session, &Frame::error(message), out);
                break Step::End(End::Protocol);
            }
        };
        commands += 1;
        let reply = dispatch(session, &mut batch, argv);
        let before = out.len();
        queue_reply(session, &reply, out);
        decoder.set_authenticated(session.authenticated);
        match session.action.take() {
            None => {}
            Some(Action::Close) => break Step::End(End::Quit),
            Some(Action::Shutdown) => {
                // Redis closes without replying to SHUTDOWN.
                out.truncate(before);
                server.shutdown.cancel();
                break Step::End(End::Quit);
            }
            Some(Action::Sleep(d)) => break Step::Sleep(d),
        }
    };
    drop(batch);
    server
        .stats
        .commands_processed
        .fetch_add(commands, Ordering::Relaxed);
    if let Some(c) = session.last_command {
        *session.client.last_cmd.lock() = &c.fullname;
    }
    step
}

/// Decodes up to [`AHEAD`] requests before any executes, so the batch's hash lookups can be
/// issued back to back (their cache misses overlap). Only for authenticated sessions: AUTH and
/// RESET change the decoder's limits, which must apply from the next request on.
fn decode_ahead(
    session: &Session,
    decoder: &mut RequestDecoder,
    inbuf: &mut BytesMut,
    pending: &mut VecDeque<Decoded>,
) {
    if !session.authenticated {
        return;
    }
    while pending.len() < AHEAD && !matches!(pending.back(), Some(Err(_))) {
        match decoder.decode(inbuf) {
            Ok(Some(argv)) => pending.push_back(Ok(argv)),
            Ok(None) => break,
            Err(e) => pending.push_back(Err(e)),
        }
    }
}

async fn run(stream: &mut TcpStream, server: &Arc<ServerState>, client: &Arc<ClientHandle>) -> End {
    let mut session = Session::new(server.clone(), client.clone());
    let mut decoder = RequestDecoder::new(limits(server));
    decoder.set_authenticated(session.authenticated);
    let mut inbuf = BytesMut::new();
    let mut out = BytesMut::new();
    let mut pending = VecDeque::new();
    let mut chunk = FIRST_READ;
    let mut skip_read = false;
    loop {
        if !std::mem::take(&mut skip_read) {
            if let Err(end) = read(stream, server, client, &mut inbuf, &mut chunk).await {
                return end;
            }
        }
        let step = process(
            server,
            &mut session,
            &mut decoder,
            &mut inbuf,
            &mut out,
            &mut pending,
        );
        if let Step::Sleep(d) = step {
            // DEBUG SLEEP replies after sleeping, as Redis does.
            tokio::time::sleep(d).await;
        }
        client.qbuf.store(inbuf.len(), Ordering::Relaxed);
        if inbuf.len() > server.hot.query_buffer_limit.load(Ordering::Relaxed) {
            return End::QueryLimit;
        }
        let hard = server.hot.output_hard_limit.load(Ordering::Relaxed);
        if hard > 0 && out.len() > hard {
            server
                .stats
                .output_limit_disconnections
                .fetch_add(1, Ordering::Relaxed);
            return End::OutputLimit;
        }
        if !out.is_empty() {
            if stream.write_all(&out).await.is_err() {
                return End::Io;
            }
            server
                .stats
                .net_output_bytes
                .fetch_add(out.len() as u64, Ordering::Relaxed);
            out.clear();
        }
        match step {
            Step::Read => {}
            Step::End(end) => return end,
            Step::Sleep(_) => {
                // Requests that arrived before the sleep are still queued: serve them first.
                skip_read = !inbuf.is_empty() || !pending.is_empty();
            }
            Step::Paused => {
                if let Some(Ok(argv)) = pending.front() {
                    wait_while_paused(server, argv).await;
                }
                skip_read = true;
            }
        }
    }
}

/// Reads what the socket has into `inbuf`.
async fn read(
    stream: &mut TcpStream,
    server: &ServerState,
    client: &ClientHandle,
    inbuf: &mut BytesMut,
    chunk: &mut usize,
) -> Result<(), End> {
    if inbuf.capacity() - inbuf.len() < *chunk / 4 {
        inbuf.reserve(*chunk);
    }
    let spare = inbuf.capacity() - inbuf.len();
    let timeout = server.hot.timeout_secs.load(Ordering::Relaxed);
    let read = async {
        if timeout == 0 {
            Some(stream.read_buf(inbuf).await)
        } else {
            tokio::time::timeout(Duration::from_secs(timeout), stream.read_buf(inbuf))
                .await
                .ok()
        }
    };
    let n = tokio::select! {
        biased;
        _ = client.cancel.cancelled() => return Err(End::Killed),
        r = read => match r {
            None => return Err(End::Timeout),
            Some(Ok(0)) => return Err(End::Eof),
            Some(Ok(n)) => n,
            Some(Err(_)) => return Err(End::Io),
        },
    };
    if n == spare && *chunk < READ_CHUNK {
        *chunk *= 2;
    }
    server
        .stats
        .net_input_bytes
        .fetch_add(n as u64, Ordering::Relaxed);
    client.last_active_ms.store(
        client.created.elapsed().as_millis() as u64,
        Ordering::Relaxed,
    );
    Ok(())
}

/// True when CLIENT PAUSE applies to this request now.
fn paused_for(server: &ServerState, argv: &[Bytes]) -> bool {
    let until = server.pause.until_ms.load(Ordering::Relaxed);
    if until == 0 || until <= crate::state::unix_ms() {
        return false;
    }
    !server.pause.writes_only.load(Ordering::Relaxed)
        || crate::cmd::table()
            .get(&argv[0])
            .is_some_and(|c| c.spec.is_write())
}

/// Holds a request while CLIENT PAUSE applies to it.
async fn wait_while_paused(server: &ServerState, argv: &[Bytes]) {
    while paused_for(server, argv) {
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}

/// Refuses a connection over `maxclients`, as Redis does: an error line, then close.
pub async fn refuse(mut stream: TcpStream) {
    let mut out = BytesMut::new();
    encode(&Frame::error(error::MAX_CLIENTS), Version::Resp2, &mut out);
    let _ = tokio::time::timeout(Duration::from_secs(1), stream.write_all(&out)).await;
}
