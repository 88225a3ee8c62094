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
use std::time::{Duration, Instant};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

use crate::blocking::{Unblock, Waiter};
use crate::cmd::ctx::Block;
use crate::cmd::{Command, Handler};
use crate::dispatch::{dispatch, Batch, Dispatched, Wait, WriteQueue};
use crate::entry;
use crate::error;
use crate::session::{Action, ReplicaWait, ReplyMode, Session};
use crate::shard;
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
    // Unregister first: a client that sees its connection close must not still be listed.
    server.clients.unregister(client.id);
    let _ = stream.shutdown().await;
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

/// What the connection must do after a batch has been processed (besides proposing the writes
/// it queued, which always comes first).
enum Step {
    /// Everything decodable was served: read more.
    Read,
    /// A request waits (for the queued writes' replies, or a read barrier): go on without
    /// reading the socket.
    Wait(Wait),
    /// CLIENT PAUSE holds the request at the front of the queue: wait, then go on.
    Paused,
    /// DEBUG SLEEP: wait this long, then go on.
    Sleep(Duration),
    /// WAIT: wait for the followers, reply, then go on.
    Replicas(ReplicaWait),
    /// A blocking read found nothing: wait as it says, reply, then go on.
    Blocked(BlockedCall),
    /// Close the connection (after flushing).
    End(End),
}

/// A request taken off the read buffer, or the protocol error that ends the stream.
type Decoded = Result<Vec<Bytes>, ProtocolError>;

/// Most requests decoded ahead of execution, so their keys can be looked up together.
const AHEAD: usize = 64;

/// Serves every complete request: first those already in `pending` (decoded ahead, or held
/// by a pause), then what `inbuf` holds, queueing replies in `out` and writes in `queue`.
/// Requests decoded but not served (a pause, a sleep, or a wait stopped the batch) stay in
/// `pending` for the next call. Synchronous: the shard lock never crosses an await.
#[allow(clippy::too_many_arguments)]
fn process(
    server: &ServerState,
    session: &mut Session,
    decoder: &mut RequestDecoder,
    inbuf: &mut BytesMut,
    out: &mut BytesMut,
    pending: &mut VecDeque<Decoded>,
    queue: &mut WriteQueue,
    reads_ok: bool,
) -> Step {
    let replica = server.replica();
    let mut batch = Batch::new(&server.shard, replica, queue, reads_ok);
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
            Err(e) if batch.has_writes() => {
                // The error reply must follow the queued writes' replies.
                pending.push_front(Err(e));
                break Step::Wait(Wait::Writes);
            }
            Err(e) => {
                let mut message = b"ERR ".to_vec();
                message.extend_from_slice(&e.to_wire_bytes());
                queue_reply(session, &Frame::error(message), out);
                break Step::End(End::Protocol);
            }
        };
        let reply = match dispatch(session, &mut batch, argv) {
            Dispatched::Reply(reply) => reply,
            Dispatched::Queued => {
                commands += 1;
                continue;
            }
            Dispatched::Deferred(argv, wait) => {
                pending.push_front(Ok(argv));
                break Step::Wait(wait);
            }
            Dispatched::Blocked(argv, block) => {
                commands += 1;
                break Step::Blocked(BlockedCall {
                    command: session.last_command.expect("dispatch set the command"),
                    started: Instant::now(),
                    db: session.db,
                    argv,
                    block,
                    is_write: false,
                });
            }
        };
        commands += 1;
        if let Some(Action::WaitReplicas(w)) = session.action {
            // The reply is only known once the wait is over: the caller queues it then.
            session.action = None;
            break Step::Replicas(w);
        }
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
            Some(Action::WaitReplicas(_)) => unreachable!("handled before queueing the reply"),
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

/// Proposes the queued writes as one entry and queues their replies once the group has
/// applied it (or the error every one of them gets when it could not be committed). When the
/// last write is a blocking command that found nothing, returns it, with its place in the
/// waiters' queues already taken (before proposing, so no push in between is missed).
async fn propose_writes<'s>(
    server: &'s ServerState,
    session: &mut Session,
    queue: &mut WriteQueue,
    out: &mut BytesMut,
) -> Option<(BlockedCall, Waiter<'s>)> {
    let replica = server.replica();
    let entries = std::mem::take(&mut queue.entries);
    let commands = std::mem::take(&mut queue.commands);
    let waiter = if std::mem::take(&mut queue.blocking) {
        entries.last().and_then(|e| match &e.op {
            shard::Op::Command(argv) => {
                let keys = commands.last()?.0.spec.key_positions(argv);
                let keys: Vec<Bytes> = keys.into_iter().map(|i| argv[i].clone()).collect();
                Some((
                    server
                        .shard
                        .waiters
                        .register(session.client.id, e.db, &keys),
                    argv.clone(),
                    e.db,
                ))
            }
            shard::Op::Expire(_) => None,
        })
    } else {
        None
    };
    let opts = session.run_options();
    let data = entry::encode(opts.max_string, &opts.limits, &entries);
    drop(entries);
    let outcome = replica.group.propose(data).await;
    let (mut frames, blocked) = match outcome {
        Ok(Ok(replies)) => (replies.frames.into_iter(), replies.blocked),
        Ok(Err(e)) => (
            vec![replica.propose_error(&e, queue.slot); commands.len()].into_iter(),
            None,
        ),
        Err(_) => (
            vec![Frame::error(error::SHUTTING_DOWN); commands.len()].into_iter(),
            None,
        ),
    };
    let (mut blocked, mut waiter) = (blocked, waiter);
    for (i, (c, started)) in commands.into_iter().enumerate() {
        // Only the last command can block (dispatch ends the batch there).
        if blocked.as_ref().is_some_and(|(at, _)| *at == i) {
            if let (Some((_, block)), Some((waiter, argv, db))) = (blocked.take(), waiter.take()) {
                let call = BlockedCall {
                    command: c,
                    started,
                    db,
                    argv,
                    block,
                    is_write: true,
                };
                return Some((call, waiter));
            }
        }
        // An undecodable proposal (a bug, logged by the apply side) answers with fewer frames.
        let reply = frames
            .next()
            .unwrap_or_else(|| Frame::error(error::OUTCOME_UNKNOWN));
        c.record(started.elapsed().as_micros() as u64, reply.is_error());
        queue_reply(session, &reply, out);
    }
    None
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
    let mut queue = WriteQueue::default();
    let mut chunk = FIRST_READ;
    let mut skip_read = false;
    // A read barrier has passed since the last socket read (reads are linearizable).
    let mut reads_ok = false;
    loop {
        if !std::mem::take(&mut skip_read) {
            if let Err(end) = read(stream, server, client, &mut inbuf, &mut chunk).await {
                return end;
            }
            reads_ok = false;
        }
        let step = process(
            server,
            &mut session,
            &mut decoder,
            &mut inbuf,
            &mut out,
            &mut pending,
            &mut queue,
            reads_ok,
        );
        let mut blocked = None;
        if queue.has_writes() {
            blocked = propose_writes(server, &mut session, &mut queue, &mut out)
                .await
                .map(|(call, waiter)| (call, Some(waiter)));
        }
        if !queue.expired.is_empty() {
            let keys = shard::group_by_db(std::mem::take(&mut queue.expired));
            server
                .replica()
                .propose_expiry(crate::state::unix_ms(), &session.run_options(), keys);
        }
        if let Step::Wait(Wait::Barrier) = step {
            match server.replica().group.read_barrier().await {
                Ok(Ok(_)) => reads_ok = true,
                failed => {
                    // The read cannot be served here now: answer it with the reason.
                    let err = match failed {
                        Ok(Err(e)) => e,
                        _ => redraft_cluster::raft::ProposeError::Shutdown,
                    };
                    if let Some(Ok(argv)) = pending.pop_front() {
                        let slot = crate::cmd::table()
                            .get(&argv[0])
                            .and_then(|c| c.spec.first_key(&argv))
                            .map_or(0, |k| redraft_protocol::slot::key_hash_slot(k));
                        let reply = server.replica().propose_error(&err, slot);
                        queue_reply(&mut session, &reply, &mut out);
                    }
                }
            }
        }
        if let Step::Sleep(d) = step {
            // DEBUG SLEEP replies after sleeping, as Redis does.
            tokio::time::sleep(d).await;
        }
        if let Step::Replicas(w) = step {
            match wait_replicas(server, client, stream, &w).await {
                Ok(reply) => queue_reply(&mut session, &reply, &mut out),
                Err(end) => return end,
            }
        }
        let step = match step {
            Step::Blocked(call) => {
                blocked = Some((call, None));
                Step::Read
            }
            other => other,
        };
        if let Some((call, waiter)) = blocked {
            // Replies to what came before the blocked command go out before it waits.
            if !out.is_empty() {
                if stream.write_all(&out).await.is_err() {
                    return End::Io;
                }
                out.clear();
            }
            match serve_blocked(server, &mut session, stream, call, waiter).await {
                Ok(reply) => queue_reply(&mut session, &reply, &mut out),
                Err(end) => return end,
            }
            skip_read = !inbuf.is_empty() || !pending.is_empty();
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
            Step::Blocked(_) => unreachable!("served above"),
            Step::Wait(_) => skip_read = true,
            Step::End(end) => return end,
            Step::Sleep(_) | Step::Replicas(_) => {
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

/// How often a blocked WAIT re-checks the followers' progress.
const WAIT_POLL: Duration = Duration::from_millis(5);

/// Blocks a WAIT until [`crate::cmd::cluster::poll_wait`] decides its reply (enough
/// followers, the timeout, or a lost leadership), or the client goes away: CLIENT KILL, or
/// EOF, which `peek` sees without consuming pipelined requests (those wait their turn).
///
/// # Cancel safety
/// Not cancelled by the caller; the sleep and `peek` it selects between are cancel safe.
async fn wait_replicas(
    server: &ServerState,
    client: &ClientHandle,
    stream: &TcpStream,
    w: &ReplicaWait,
) -> Result<Frame, End> {
    let deadline = w.timeout.map(|t| tokio::time::Instant::now() + t);
    let mut watch_socket = true;
    let mut probe = [0u8; 1];
    loop {
        let timed_out = deadline.is_some_and(|d| tokio::time::Instant::now() >= d);
        if let Some(reply) = crate::cmd::cluster::poll_wait(server.replica(), w, timed_out) {
            return Ok(reply);
        }
        tokio::select! {
            biased;
            _ = client.cancel.cancelled() => return Err(End::Killed),
            peeked = stream.peek(&mut probe), if watch_socket => match peeked {
                Ok(0) => return Err(End::Eof),
                Err(_) => return Err(End::Io),
                // Requests are waiting behind WAIT: stop watching (peek would keep firing).
                Ok(_) => watch_socket = false,
            },
            _ = tokio::time::sleep(WAIT_POLL) => {}
        }
    }
}

/// A blocking command that found nothing to serve: what to run again, and how long to wait.
struct BlockedCall {
    command: &'static Command,
    /// When it was first dispatched (commandstats count the whole wait, as Redis does).
    started: Instant,
    db: usize,
    argv: Vec<Bytes>,
    block: Block,
    /// Runs through the write path (BLPOP…) rather than as a read (XREAD BLOCK).
    is_write: bool,
}

/// How often a blocked client checks that this node still leads its group.
const BLOCKED_LEADER_POLL: Duration = Duration::from_millis(100);

/// Waits for a blocked command's keys and runs it again until it is served, its timeout
/// passes (a null reply), CLIENT UNBLOCK ends it, this node stops leading (`-UNBLOCKED`), or
/// the client goes away (CLIENT KILL, EOF). See [`crate::blocking`] for the protocol.
///
/// # Cancel safety
/// Not cancelled by the caller; everything it selects between is cancel safe. An attempt in
/// flight is always awaited, so an element it popped is always delivered.
async fn serve_blocked<'s>(
    server: &'s ServerState,
    session: &mut Session,
    stream: &TcpStream,
    mut call: BlockedCall,
    waiter: Option<Waiter<'s>>,
) -> Result<Frame, End> {
    let deadline = (call.block.timeout_ms > 0)
        .then(|| tokio::time::Instant::now() + Duration::from_millis(call.block.timeout_ms));
    // A read registers now and looks again at once: a push may have landed in between.
    let mut attempt_now = waiter.is_none();
    let waiter = waiter.unwrap_or_else(|| {
        server
            .shard
            .waiters
            .register(session.client.id, call.db, &call.block.keys)
    });
    waiter.narrow(&call.block.keys);
    if let Some(retry) = call.block.retry.take() {
        call.argv = retry;
    }
    let mut watch_socket = true;
    let mut probe = [0u8; 1];
    let client = session.client.clone();
    let finish = |reply: Frame| {
        call.command
            .record(call.started.elapsed().as_micros() as u64, reply.is_error());
        Ok(reply)
    };
    loop {
        if !attempt_now && !waiter.signaled() {
            waiter.set_sleeping(true);
            client.blocked.store(true, Ordering::Relaxed);
            let timed_out = tokio::select! {
                biased;
                _ = client.cancel.cancelled() => return Err(End::Killed),
                peeked = stream.peek(&mut probe), if watch_socket => match peeked {
                    Ok(0) => return Err(End::Eof),
                    Err(_) => return Err(End::Io),
                    // Requests wait behind the blocked one: stop watching (peek keeps firing).
                    Ok(_) => { watch_socket = false; false }
                },
                _ = waiter.notified() => false,
                _ = sleep_until(deadline) => true,
                _ = tokio::time::sleep(BLOCKED_LEADER_POLL) => false,
            };
            waiter.set_sleeping(false);
            client.blocked.store(false, Ordering::Relaxed);
            match waiter.take_unblock() {
                Some(Unblock::Timeout) => return finish(Frame::NullArray),
                Some(Unblock::Error) => return finish(Frame::error(error::UNBLOCKED_BY_CLIENT)),
                None => {}
            }
            if timed_out {
                return finish(Frame::NullArray);
            }
            if !server.replica().group.status().is_leader() {
                return finish(Frame::error(error::UNBLOCKED_ROLE_CHANGED));
            }
            if !waiter.signaled() {
                continue;
            }
        }
        attempt_now = false;
        waiter.begin_attempt();
        match attempt(server, session, &call).await {
            Ok(reply) if wrong_type_not_ready(server, &call, &reply) => {
                // A key it waits on now holds another type (SET over the list): Redis serves
                // a blocked client only from keys of the type it waits for, so it waits on.
                // Its own attempt signalled that key again: forget the wake-ups so far, then
                // look once more, as a write may have made a key ready since.
                waiter.begin_attempt();
                attempt_now = served_type(call.command)
                    .is_some_and(|wanted| a_key_holds(server, &call, wanted));
            }
            Ok(reply) => return finish(reply),
            Err(block) => {
                if let Some(retry) = block.retry {
                    call.argv = retry;
                }
            }
        }
        if deadline.is_some_and(|d| tokio::time::Instant::now() >= d) {
            return finish(Frame::NullArray);
        }
    }
}

/// The type a blocking command serves from, by its family (BLPOP: list, BZPOPMIN: zset,
/// XREAD: stream).
fn served_type(command: &Command) -> Option<&'static str> {
    match command.spec.group {
        "list" => Some("list"),
        "sorted-set" => Some("zset"),
        "stream" => Some("stream"),
        _ => None,
    }
}

/// True if one of the keys `call` waits on holds a live value of type `wanted`.
fn a_key_holds(server: &ServerState, call: &BlockedCall, wanted: &str) -> bool {
    let now_ms = crate::state::unix_ms();
    server.shard.with(|st| {
        let Some(db) = st.keyspace.dbs().nth(call.db) else {
            return false;
        };
        call.block.keys.iter().any(|key| {
            db.find(key).is_some_and(|slot| {
                !db.is_expired(slot, now_ms) && db.entry(slot).value.type_name() == wanted
            })
        })
    })
}

/// True if a retry's `reply` is WRONGTYPE because a key the command waits on changed type
/// while it waited, rather than because of another argument (BLMOVE's destination): then
/// none of its keys holds the type it serves from.
fn wrong_type_not_ready(server: &ServerState, call: &BlockedCall, reply: &Frame) -> bool {
    let Frame::Error(e) = reply else {
        return false;
    };
    e.starts_with(b"WRONGTYPE")
        && served_type(call.command).is_some_and(|wanted| !a_key_holds(server, call, wanted))
}

/// Sleeps until `deadline`, or forever without one.
async fn sleep_until(deadline: Option<tokio::time::Instant>) {
    match deadline {
        Some(d) => tokio::time::sleep_until(d).await,
        None => std::future::pending().await,
    }
}

/// Runs a blocked command once more: its reply, or what it waits for if still blocked.
async fn attempt(
    server: &ServerState,
    session: &Session,
    call: &BlockedCall,
) -> Result<Frame, Block> {
    let opts = session.run_options();
    let now_ms = crate::state::unix_ms();
    if !call.is_write {
        let Handler::Read(f) = call.command.spec.handler else {
            return Ok(Frame::error(error::OUTCOME_UNKNOWN));
        };
        let mut expired = Vec::new();
        let (reply, blocked) = server
            .shard
            .with(|st| shard::read_locked(st, call.db, now_ms, opts, f, &call.argv, &mut expired));
        return match blocked {
            Some(block) => Err(block),
            None => Ok(reply),
        };
    }
    let replica = server.replica();
    let entry = shard::LogEntry {
        index: 0,
        db: call.db,
        now_ms,
        op: shard::Op::Command(call.argv.clone()),
    };
    let data = entry::encode(opts.max_string, &opts.limits, std::slice::from_ref(&entry));
    match replica.group.propose(data).await {
        Ok(Ok(mut replies)) => match replies.blocked.take() {
            Some((_, block)) => Err(block),
            None => Ok(replies
                .frames
                .pop()
                .unwrap_or_else(|| Frame::error(error::OUTCOME_UNKNOWN))),
        },
        Ok(Err(e)) => {
            let slot = call
                .command
                .spec
                .first_key(&call.argv)
                .map_or(0, |k| redraft_protocol::slot::key_hash_slot(k));
            Ok(replica.propose_error(&e, slot))
        }
        Err(_) => Ok(Frame::error(error::SHUTTING_DOWN)),
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
