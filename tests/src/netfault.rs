//! A fault-injecting TCP proxy for loopback links between cluster nodes.
//!
//! A [`Proxy`] listens on a free loopback port and forwards every connection to a fixed target,
//! both ways. A test puts one proxy on each directed link of a cluster (node i reaches node j's
//! bus through the proxy in i's seed list) and then breaks links on demand:
//! - [`Proxy::partition`]: every current connection is shut down (both ends see EOF), and new
//!   connections are accepted but held without forwarding, so the dialer sees its handshake
//!   time out, as across a real partition where SYNs vanish.
//! - [`Proxy::blackhole`]: like a partition, but current connections stay open and silently
//!   stop forwarding; [`Proxy::heal`] resumes them with whatever was in flight (TCP delivering
//!   late after the network comes back).
//! - [`Proxy::heal`]: forwarding resumes; held connections are closed so their dialers redial.
//! - [`Proxy::set_delay`]: every chunk waits this long before it is forwarded.
//!
//! Plain threads and blocking sockets (two pump threads per connection, one acceptor): the
//! proxy must keep working while the test's own threads block, and needs no runtime. Memory is
//! bounded: one fixed buffer per direction, at most [`MAX_LINKS`] connections and
//! [`MAX_HELD`] held ones (more are closed at once). The state lock is a std `Mutex`: it is
//! held only for bookkeeping, never across socket I/O.

use std::io::{self, Read, Write};
use std::net::{Shutdown, SocketAddr, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Condvar, Mutex, MutexGuard};
use std::thread::JoinHandle;
use std::time::Duration;

/// Bytes a pump moves per read: the most one connection holds in the proxy per direction.
const CHUNK: usize = 64 * 1024;
/// Most connections forwarded at once; further ones are closed on accept.
pub const MAX_LINKS: usize = 256;
/// Most connections held during a partition; further ones are closed on accept (the dialer
/// sees EOF, as if reset).
pub const MAX_HELD: usize = 64;
/// How long the proxy waits for its target to accept a connection.
const UPSTREAM_CONNECT_TIMEOUT: Duration = Duration::from_secs(1);

/// What the proxy does with traffic right now.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mode {
    /// Forwarding both ways (with the configured delay).
    Forwarding,
    /// Current connections were shut down; new ones are held, never forwarded.
    Partitioned,
    /// Current connections stay open but forward nothing; new ones are held.
    Blackholed,
}

/// Counters for tests and logs.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Stats {
    /// Connections accepted from dialers.
    pub accepted: u64,
    /// Connections forwarded to the target.
    pub forwarded: u64,
    /// Connections held (or closed) because the link was down or full.
    pub refused: u64,
    /// Bytes forwarded, both directions.
    pub bytes: u64,
}

/// One forwarded connection: the dialer's socket and the proxy's socket to the target.
struct Link {
    client: TcpStream,
    upstream: TcpStream,
    dead: AtomicBool,
}

impl Link {
    /// Shuts both sockets down: both pumps' reads return, both peers see EOF.
    fn kill(&self) {
        self.dead.store(true, Ordering::SeqCst);
        let _ = self.client.shutdown(Shutdown::Both);
        let _ = self.upstream.shutdown(Shutdown::Both);
    }
}

struct State {
    mode: Mode,
    delay: Duration,
    closing: bool,
    links: Vec<Arc<Link>>,
    held: Vec<TcpStream>,
}

struct Shared {
    state: Mutex<State>,
    /// Signalled when the mode changes or a link dies, to wake pumps waiting in a blackhole.
    changed: Condvar,
    accepted: AtomicU64,
    forwarded: AtomicU64,
    refused: AtomicU64,
    bytes: AtomicU64,
}

impl Shared {
    fn lock(&self) -> MutexGuard<'_, State> {
        // A pump that panicked cannot leave the bookkeeping inconsistent: keep going.
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Blocks while the proxy is blackholed; returns the delay to apply before forwarding, or
    /// `None` when the link is dead or the proxy is closing.
    fn wait_open(&self, link: &Link) -> Option<Duration> {
        let mut st = self.lock();
        loop {
            if link.dead.load(Ordering::SeqCst) || st.closing {
                return None;
            }
            if st.mode != Mode::Blackholed {
                return Some(st.delay);
            }
            st = self.changed.wait(st).unwrap_or_else(|e| e.into_inner());
        }
    }
}

/// A TCP proxy on `127.0.0.1:port()` forwarding to a target, with injectable faults.
///
/// Dropping it stops the acceptor and shuts every connection down.
pub struct Proxy {
    port: u16,
    target: SocketAddr,
    shared: Arc<Shared>,
    acceptor: Option<JoinHandle<()>>,
}

impl Proxy {
    /// Starts a proxy on a free loopback port, forwarding to `target`.
    ///
    /// # Errors
    /// If no loopback port can be bound.
    pub fn start(target: SocketAddr) -> io::Result<Proxy> {
        Proxy::start_on(0, target)
    }

    /// Starts a proxy on `127.0.0.1:port` (0: any free port), forwarding to `target`.
    ///
    /// # Errors
    /// If the port cannot be bound.
    pub fn start_on(port: u16, target: SocketAddr) -> io::Result<Proxy> {
        let listener = TcpListener::bind(("127.0.0.1", port))?;
        let port = listener.local_addr()?.port();
        let shared = Arc::new(Shared {
            state: Mutex::new(State {
                mode: Mode::Forwarding,
                delay: Duration::ZERO,
                closing: false,
                links: Vec::new(),
                held: Vec::new(),
            }),
            changed: Condvar::new(),
            accepted: AtomicU64::new(0),
            forwarded: AtomicU64::new(0),
            refused: AtomicU64::new(0),
            bytes: AtomicU64::new(0),
        });
        let acceptor = {
            let shared = Arc::clone(&shared);
            std::thread::Builder::new()
                .name(format!("proxy-{port}"))
                .spawn(move || accept_loop(listener, target, shared))?
        };
        Ok(Proxy {
            port,
            target,
            shared,
            acceptor: Some(acceptor),
        })
    }

    /// The port dialers connect to.
    pub fn port(&self) -> u16 {
        self.port
    }

    /// `127.0.0.1:port()`.
    pub fn addr(&self) -> SocketAddr {
        SocketAddr::from(([127, 0, 0, 1], self.port))
    }

    /// Where traffic goes.
    pub fn target(&self) -> SocketAddr {
        self.target
    }

    /// The current mode.
    pub fn mode(&self) -> Mode {
        self.shared.lock().mode
    }

    /// Counters so far.
    pub fn stats(&self) -> Stats {
        Stats {
            accepted: self.shared.accepted.load(Ordering::Relaxed),
            forwarded: self.shared.forwarded.load(Ordering::Relaxed),
            refused: self.shared.refused.load(Ordering::Relaxed),
            bytes: self.shared.bytes.load(Ordering::Relaxed),
        }
    }

    /// Cuts the link: shuts every current connection down and holds new ones unforwarded until
    /// [`Proxy::heal`].
    pub fn partition(&self) {
        let mut st = self.shared.lock();
        st.mode = Mode::Partitioned;
        for link in st.links.drain(..) {
            link.kill();
        }
        self.shared.changed.notify_all();
    }

    /// Silences the link: current connections stay open but forward nothing, new ones are
    /// held, until [`Proxy::heal`].
    pub fn blackhole(&self) {
        let mut st = self.shared.lock();
        st.mode = Mode::Blackholed;
        self.shared.changed.notify_all();
    }

    /// Restores forwarding. Connections held during the fault are closed (their dialers see
    /// EOF and redial); blackholed connections resume.
    pub fn heal(&self) {
        let mut st = self.shared.lock();
        st.mode = Mode::Forwarding;
        for held in st.held.drain(..) {
            let _ = held.shutdown(Shutdown::Both);
        }
        self.shared.changed.notify_all();
    }

    /// Delays every forwarded chunk by `delay` (zero: no delay).
    pub fn set_delay(&self, delay: Duration) {
        self.shared.lock().delay = delay;
    }

    /// Shuts every current connection down without changing the mode (a one-off reset).
    pub fn reset_connections(&self) {
        let mut st = self.shared.lock();
        for link in st.links.drain(..) {
            link.kill();
        }
        self.shared.changed.notify_all();
    }
}

impl Drop for Proxy {
    fn drop(&mut self) {
        {
            let mut st = self.shared.lock();
            st.closing = true;
            for link in st.links.drain(..) {
                link.kill();
            }
            for held in st.held.drain(..) {
                let _ = held.shutdown(Shutdown::Both);
            }
            self.shared.changed.notify_all();
        }
        // Wake the acceptor blocked in accept(); it sees `closing` and returns.
        let _ = TcpStream::connect_timeout(&self.addr(), Duration::from_secs(1));
        if let Some(acceptor) = self.acceptor.take() {
            let _ = acceptor.join();
        }
    }
}

/// Accepts dialers until the proxy closes, forwarding or holding each by the current mode.
fn accept_loop(listener: TcpListener, target: SocketAddr, shared: Arc<Shared>) {
    for client in listener.incoming() {
        let Ok(client) = client else {
            // EMFILE and friends: back off rather than spin.
            std::thread::sleep(Duration::from_millis(10));
            continue;
        };
        if shared.lock().closing {
            return;
        }
        shared.accepted.fetch_add(1, Ordering::Relaxed);
        let _ = client.set_nodelay(true);
        if shared.lock().mode != Mode::Forwarding {
            hold(&shared, client);
            continue;
        }
        // Connect outside the lock: it may take up to the timeout.
        let upstream = match TcpStream::connect_timeout(&target, UPSTREAM_CONNECT_TIMEOUT) {
            Ok(s) => s,
            Err(_) => {
                // The target is down: the dialer sees EOF, as it would see a refusal.
                shared.refused.fetch_add(1, Ordering::Relaxed);
                let _ = client.shutdown(Shutdown::Both);
                continue;
            }
        };
        let _ = upstream.set_nodelay(true);
        let (Ok(client_r), Ok(upstream_r)) = (client.try_clone(), upstream.try_clone()) else {
            continue;
        };
        let link = Arc::new(Link {
            client,
            upstream,
            dead: AtomicBool::new(false),
        });
        {
            let mut st = shared.lock();
            // The mode may have changed while connecting: re-check under the lock, so a
            // partition never misses a link.
            if st.closing {
                link.kill();
                return;
            }
            if st.mode != Mode::Forwarding || st.links.len() >= MAX_LINKS {
                drop(st);
                shared.refused.fetch_add(1, Ordering::Relaxed);
                link.kill();
                continue;
            }
            st.links.push(Arc::clone(&link));
        }
        shared.forwarded.fetch_add(1, Ordering::Relaxed);
        for (src, dir) in [(client_r, "up"), (upstream_r, "down")] {
            let (pump_shared, pump_link) = (Arc::clone(&shared), Arc::clone(&link));
            let spawned = std::thread::Builder::new()
                .name(format!("proxy-pump-{dir}"))
                .spawn(move || pump(src, dir == "up", pump_link, pump_shared));
            if spawned.is_err() {
                link.kill();
                shared.lock().links.retain(|l| !Arc::ptr_eq(l, &link));
            }
        }
    }
}

/// Keeps a dialer's connection open without forwarding (it times out), up to [`MAX_HELD`].
fn hold(shared: &Shared, client: TcpStream) {
    shared.refused.fetch_add(1, Ordering::Relaxed);
    let mut st = shared.lock();
    if st.held.len() < MAX_HELD {
        st.held.push(client);
    } else {
        let _ = client.shutdown(Shutdown::Both);
    }
}

/// Copies one direction of `link` (`up`: dialer to target) until either side closes or the
/// link is killed, then kills the link so the other direction stops too.
fn pump(mut src: TcpStream, up: bool, link: Arc<Link>, shared: Arc<Shared>) {
    let mut dst = if up { &link.upstream } else { &link.client };
    let mut buf = vec![0u8; CHUNK];
    loop {
        let n = match src.read(&mut buf) {
            Ok(0) | Err(_) => break,
            Ok(n) => n,
        };
        let Some(delay) = shared.wait_open(&link) else {
            break;
        };
        if !delay.is_zero() {
            std::thread::sleep(delay);
        }
        if dst.write_all(&buf[..n]).is_err() {
            break;
        }
        shared.bytes.fetch_add(n as u64, Ordering::Relaxed);
    }
    link.kill();
    let mut st = shared.lock();
    st.links.retain(|l| !Arc::ptr_eq(l, &link));
    shared.changed.notify_all();
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::ErrorKind;
    use std::time::Instant;

    /// An echo server on a free port; runs until the test process ends.
    fn echo_server() -> SocketAddr {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = listener.local_addr().unwrap();
        std::thread::spawn(move || {
            for conn in listener.incoming() {
                let Ok(mut conn) = conn else { continue };
                std::thread::spawn(move || {
                    let mut buf = [0u8; 4096];
                    while let Ok(n) = conn.read(&mut buf) {
                        if n == 0 || conn.write_all(&buf[..n]).is_err() {
                            break;
                        }
                    }
                });
            }
        });
        addr
    }

    fn dial(proxy: &Proxy) -> TcpStream {
        let s = TcpStream::connect(proxy.addr()).unwrap();
        s.set_read_timeout(Some(Duration::from_millis(500)))
            .unwrap();
        s
    }

    /// Writes `msg` and reads the echo; `Err` on timeout or EOF.
    fn roundtrip(s: &mut TcpStream, msg: &[u8]) -> io::Result<Vec<u8>> {
        s.write_all(msg)?;
        read_exact_len(s, msg.len())
    }

    fn read_exact_len(s: &mut TcpStream, len: usize) -> io::Result<Vec<u8>> {
        let mut out = vec![0u8; len];
        s.read_exact(&mut out)?;
        Ok(out)
    }

    /// True when the peer closed (EOF or reset), false when the read timed out.
    fn closed(s: &mut TcpStream) -> bool {
        let mut b = [0u8; 16];
        match s.read(&mut b) {
            Ok(0) => true,
            Ok(_) => false,
            Err(e) => !matches!(e.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut),
        }
    }

    #[test]
    fn forwards_both_ways() {
        let proxy = Proxy::start(echo_server()).unwrap();
        let mut a = dial(&proxy);
        let mut b = dial(&proxy);
        assert_eq!(roundtrip(&mut a, b"hello").unwrap(), b"hello");
        assert_eq!(roundtrip(&mut b, b"world").unwrap(), b"world");
        // Larger than one chunk, to cross several reads.
        let big: Vec<u8> = (0..300_000u32).map(|i| (i % 251) as u8).collect();
        let writer = {
            let mut a2 = a.try_clone().unwrap();
            let big = big.clone();
            std::thread::spawn(move || a2.write_all(&big).unwrap())
        };
        a.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
        assert_eq!(read_exact_len(&mut a, big.len()).unwrap(), big);
        writer.join().unwrap();
        // A pump counts its bytes just after writing them: allow it a moment.
        let expected = 2 * (10 + big.len() as u64);
        let deadline = Instant::now() + Duration::from_secs(5);
        while proxy.stats().bytes < expected && Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(5));
        }
        let stats = proxy.stats();
        assert_eq!((stats.accepted, stats.forwarded), (2, 2));
        assert_eq!(stats.bytes, expected);
    }

    #[test]
    fn partition_drops_current_and_holds_new_connections_until_heal() {
        let proxy = Proxy::start(echo_server()).unwrap();
        let mut before = dial(&proxy);
        assert_eq!(roundtrip(&mut before, b"x").unwrap(), b"x");

        proxy.partition();
        assert_eq!(proxy.mode(), Mode::Partitioned);
        assert!(closed(&mut before), "current connection must be shut down");
        let mut during = dial(&proxy);
        let err = roundtrip(&mut during, b"y").unwrap_err();
        assert!(
            matches!(err.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut),
            "a held connection times out: {err:?}"
        );

        proxy.heal();
        assert!(closed(&mut during), "held connections are closed at heal");
        let mut after = dial(&proxy);
        assert_eq!(roundtrip(&mut after, b"z").unwrap(), b"z");
        assert_eq!(proxy.stats().refused, 1);
    }

    #[test]
    fn blackhole_silences_then_resumes_current_connections() {
        let proxy = Proxy::start(echo_server()).unwrap();
        let mut conn = dial(&proxy);
        assert_eq!(roundtrip(&mut conn, b"a").unwrap(), b"a");
        proxy.blackhole();
        conn.write_all(b"b").unwrap();
        assert!(
            !closed(&mut conn),
            "a blackholed connection stays open and silent"
        );
        proxy.heal();
        conn.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
        assert_eq!(read_exact_len(&mut conn, 1).unwrap(), b"b");
    }

    #[test]
    fn delay_is_added_per_hop() {
        let proxy = Proxy::start(echo_server()).unwrap();
        let mut conn = dial(&proxy);
        conn.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
        proxy.set_delay(Duration::from_millis(100));
        let started = Instant::now();
        assert_eq!(roundtrip(&mut conn, b"slow").unwrap(), b"slow");
        // Delayed on the way up and on the way down.
        assert!(started.elapsed() >= Duration::from_millis(200));
        proxy.set_delay(Duration::ZERO);
        let started = Instant::now();
        assert_eq!(roundtrip(&mut conn, b"fast").unwrap(), b"fast");
        assert!(started.elapsed() < Duration::from_millis(100));
    }

    #[test]
    fn target_down_closes_the_dialer() {
        // A port nobody listens on (bound then released).
        let dead = TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap();
        let proxy = Proxy::start(dead).unwrap();
        let mut conn = dial(&proxy);
        assert!(closed(&mut conn));
    }

    #[test]
    fn reset_connections_keeps_forwarding_new_ones() {
        let proxy = Proxy::start(echo_server()).unwrap();
        let mut conn = dial(&proxy);
        assert_eq!(roundtrip(&mut conn, b"1").unwrap(), b"1");
        proxy.reset_connections();
        assert!(closed(&mut conn));
        let mut again = dial(&proxy);
        assert_eq!(roundtrip(&mut again, b"2").unwrap(), b"2");
    }

    #[test]
    fn drop_closes_connections_and_the_listener() {
        let proxy = Proxy::start(echo_server()).unwrap();
        let addr = proxy.addr();
        let mut conn = dial(&proxy);
        assert_eq!(roundtrip(&mut conn, b"q").unwrap(), b"q");
        drop(proxy);
        assert!(closed(&mut conn));
        assert!(TcpStream::connect(addr).is_err(), "listener closed on drop");
    }

    #[test]
    fn held_connections_are_bounded() {
        let proxy = Proxy::start(echo_server()).unwrap();
        proxy.partition();
        let conns: Vec<TcpStream> = (0..MAX_HELD + 5).map(|_| dial(&proxy)).collect();
        // Give the acceptor time to see them all.
        let deadline = Instant::now() + Duration::from_secs(5);
        while proxy.stats().accepted < conns.len() as u64 && Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(10));
        }
        assert_eq!(proxy.shared.lock().held.len(), MAX_HELD);
        let mut closed_count = 0;
        for mut c in conns {
            c.set_read_timeout(Some(Duration::from_millis(50))).unwrap();
            if closed(&mut c) {
                closed_count += 1;
            }
        }
        assert_eq!(closed_count, 5);
    }
}
