//! The I/O shell around the server: the TCP listener and accept loop, the periodic active-expiry
//! task and signal handling. Everything here is thin; logic lives in pure modules.

use std::net::SocketAddr;
use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::Duration;
use tokio::net::{TcpListener, TcpSocket};

use crate::conn;
use crate::expiry::{sample_expired, Rng};
use crate::state::{unix_ms, ServerState};

/// Binds every address in `bind` on `port`.
///
/// # Errors
/// When no address could be bound.
pub fn bind(server: &ServerState) -> anyhow::Result<Vec<TcpListener>> {
    let config = server.config.read();
    let port = config.int("port") as u16;
    let backlog = config.int("tcp-backlog") as u32;
    let mut listeners = Vec::new();
    for host in config.get("bind").split_whitespace() {
        let host = host.trim_start_matches('-');
        let host = if host == "*" { "0.0.0.0" } else { host };
        let addr: SocketAddr = format!("{host}:{port}")
            .parse()
            .or_else(|_| format!("[{host}]:{port}").parse())
            .map_err(|e| anyhow::anyhow!("bad bind address {host}: {e}"))?;
        let socket = if addr.is_ipv4() {
            TcpSocket::new_v4()?
        } else {
            TcpSocket::new_v6()?
        };
        socket.set_reuseaddr(true)?;
        socket.bind(addr).map_err(|e| {
            anyhow::anyhow!("Could not create server TCP listening socket {addr}: {e}")
        })?;
        listeners.push(socket.listen(backlog)?);
    }
    if let Some(first) = listeners.first() {
        server
            .port
            .store(first.local_addr()?.port() as u64, Ordering::Relaxed);
    }
    Ok(listeners)
}

/// Accepts connections until shutdown.
pub async fn accept_loop(listener: TcpListener, server: Arc<ServerState>) {
    loop {
        let accepted = tokio::select! {
            _ = server.shutdown.cancelled() => return,
            a = listener.accept() => a,
        };
        let (stream, addr) = match accepted {
            Ok(a) => a,
            Err(e) => {
                tracing::warn!("accept failed: {e}");
                tokio::time::sleep(Duration::from_millis(10)).await;
                continue;
            }
        };
        server
            .stats
            .connections_received
            .fetch_add(1, Ordering::Relaxed);
        if server.clients.count() >= server.hot.maxclients.load(Ordering::Relaxed) {
            server
                .stats
                .rejected_connections
                .fetch_add(1, Ordering::Relaxed);
            tokio::spawn(conn::refuse(stream));
            continue;
        }
        let _ = stream.set_nodelay(true);
        let keepalive = server.config.read().int("tcp-keepalive");
        if keepalive > 0 {
            let ka = socket2::TcpKeepalive::new().with_time(Duration::from_secs(keepalive as u64));
            let _ = socket2::SockRef::from(&stream).set_tcp_keepalive(&ka);
        }
        let laddr = stream.local_addr().unwrap_or(addr);
        let fd = std::os::fd::AsRawFd::as_raw_fd(&stream);
        let client = server.clients.register(addr, laddr, fd, &server.shutdown);
        tokio::spawn(conn::serve(stream, server.clone(), client));
    }
}

/// Runs active expiry `hz` times a second until shutdown.
pub async fn expiry_loop(server: Arc<ServerState>) {
    let mut rng = Rng::new(rand::random());
    loop {
        let (hz, effort) = {
            let c = server.config.read();
            (
                c.int("hz").clamp(1, 500) as u64,
                c.int("active-expire-effort").max(1) as u64,
            )
        };
        let period = Duration::from_millis(1000 / hz);
        tokio::select! {
            _ = server.shutdown.cancelled() => return,
            _ = tokio::time::sleep(period) => {}
        }
        // Only the leader expires keys, by proposing their deletion: replicas stay identical.
        let Some(replica) = server.replica.get() else {
            continue;
        };
        if !replica.group.status().is_leader() {
            continue;
        }
        // Redis spends at most 25% of each period (more with higher effort).
        let budget = period * (25 + 5 * (effort as u32 - 1)) / 100;
        let now = unix_ms();
        let found = server
            .shard
            .with(|st| sample_expired(&st.keyspace, now, &mut rng, budget, 10_000));
        server.stats.expire_cycles.fetch_add(1, Ordering::Relaxed);
        replica.propose_expiry(now, &server.run_options(), found);
    }
}

/// Resolves when SIGTERM or SIGINT arrives.
pub async fn signals() {
    use tokio::signal::unix::{signal, SignalKind};
    let (Ok(mut term), Ok(mut int)) = (
        signal(SignalKind::terminate()),
        signal(SignalKind::interrupt()),
    ) else {
        std::future::pending::<()>().await;
        return;
    };
    tokio::select! {
        _ = term.recv() => tracing::info!("Received SIGTERM scheduling shutdown..."),
        _ = int.recv() => tracing::info!("Received SIGINT scheduling shutdown..."),
    }
}
