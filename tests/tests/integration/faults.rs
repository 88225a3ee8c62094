//! Fault-injection tests of replicated groups: concurrent clients append to a list and
//! read/write a register on whichever node leads, while a nemesis kills, freezes, restarts and
//! partitions nodes; afterwards the recorded history is checked (`redraft_tests::history`) for
//! lost acknowledged writes and linearizability anomalies.
//!
//! - `faults_3_nodes` / `faults_5_nodes`: the short fixed fault sequence (CI, well under 60 s
//!   each): kill -9 the leader and restart it, kill -9 a follower and restart it, SIGSTOP and
//!   SIGCONT the leader, partition the leader (with a minority) from the majority and heal.
//! - `faults_soak` (`#[ignore]`): random faults for `REDRAFT_SOAK_SECS` seconds (default 300)
//!   on `REDRAFT_SOAK_NODES` nodes (default 5), seeded by `REDRAFT_SOAK_SEED`.
//! - `harness_*`: the harness itself against one standalone node, which any server binary
//!   supports (so they pass before cluster mode exists, and with `REDRAFT_BIN=redis-server`).
//!
//! Clients append to one list key per 5 s epoch (`{faults}:list:N`), each key checked on its
//! own against its final read, and share one register key.
//!
//! Client outcomes follow the server's contract: a normal reply means committed; an error
//! reply (ERR, MOVED, TRYAGAIN, CLUSTERDOWN), a timeout or a dropped connection after the
//! request was sent means Unknown; only a request that was never sent is a Fail. MOVED too is
//! Unknown: a leader that lost leadership after proposing a write may answer it, and the client
//! cannot tell that from a follower's plain redirect. A value is
//! never retried: the next attempt uses a fresh unique value, so an Unknown write that did
//! apply cannot show up twice.

use std::collections::BTreeMap;
use std::io;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use redraft_protocol::Frame;
use redraft_tests::cluster::{LocalCluster, NodeConn, Options};
use redraft_tests::history::{
    check_list, check_register, Call, Clock, History, Op, Outcome, Summary,
};

/// How long clients append to one list before moving on to a fresh key. Rotation bounds what
/// a run keeps in memory (every list read is recorded whole) and what each read transfers, and
/// gives every key its own history to check.
const LIST_EPOCH: Duration = Duration::from_secs(5);
/// Key of the register workload.
const REGISTER_KEY: &str = "{faults}:register";
/// Timeout of every client request: a frozen or partitioned node costs at most this.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(1);
/// Timeout of every client connection attempt.
const CONNECT_TIMEOUT: Duration = Duration::from_millis(500);
/// Pause between a client's operations in the CI tests: they share two cores with the rest of
/// the suite, so they leave it some (the soak runs flat out).
const SHORT_THINK_TIME: Duration = Duration::from_millis(2);
/// How long to wait for a leader after a fault (a killed leader is replaced within ~2 s).
const LEADER_TIMEOUT: Duration = Duration::from_secs(10);

// ----- the list workload's commands: one small swappable piece -----

/// How the list workload talks to the server: RPUSH/LRANGE (the default), or APPEND of `,v`
/// to a string and GET of the whole string (`REDRAFT_FAULTS_LIST=append`, same semantics).
trait ListCommands: Sync {
    /// The command appending `value` to the list at `key`.
    fn append(&self, key: &str, value: u64) -> Vec<Vec<u8>>;
    /// Whether `reply` is the normal reply of an append.
    fn append_acked(&self, reply: &Frame) -> bool;
    /// The command reading the whole list at `key`.
    fn read(&self, key: &str) -> Vec<Vec<u8>>;
    /// The list in a read's reply.
    fn parse_read(&self, reply: &Frame) -> Result<Vec<u64>, String>;
}

/// `APPEND key ",v"` / `GET key`.
struct StringAppend;

impl ListCommands for StringAppend {
    fn append(&self, key: &str, value: u64) -> Vec<Vec<u8>> {
        args(&["APPEND", key, &format!(",{value}")])
    }
    fn append_acked(&self, reply: &Frame) -> bool {
        matches!(reply, Frame::Integer(_))
    }
    fn read(&self, key: &str) -> Vec<Vec<u8>> {
        args(&["GET", key])
    }
    fn parse_read(&self, reply: &Frame) -> Result<Vec<u64>, String> {
        let text = match reply {
            Frame::Null => return Ok(Vec::new()),
            Frame::Bulk(b) => std::str::from_utf8(b).map_err(|e| format!("{e}: {b:?}"))?,
            other => return Err(format!("GET replied {other:?}")),
        };
        let Some(items) = text.strip_prefix(',') else {
            return if text.is_empty() {
                Ok(Vec::new())
            } else {
                Err(format!("list string {text:?} does not start with ','"))
            };
        };
        items
            .split(',')
            .map(|v| {
                v.parse()
                    .map_err(|_| format!("bad element {v:?} in {text:?}"))
            })
            .collect()
    }
}

/// `RPUSH key v` / `LRANGE key 0 -1`.
struct ListPush;

impl ListCommands for ListPush {
    fn append(&self, key: &str, value: u64) -> Vec<Vec<u8>> {
        args(&["RPUSH", key, &value.to_string()])
    }
    fn append_acked(&self, reply: &Frame) -> bool {
        matches!(reply, Frame::Integer(_))
    }
    fn read(&self, key: &str) -> Vec<Vec<u8>> {
        args(&["LRANGE", key, "0", "-1"])
    }
    fn parse_read(&self, reply: &Frame) -> Result<Vec<u64>, String> {
        let Frame::Array(items) = reply else {
            return Err(format!("LRANGE replied {reply:?}"));
        };
        items
            .iter()
            .map(|f| match f {
                Frame::Bulk(b) => std::str::from_utf8(b)
                    .ok()
                    .and_then(|s| s.parse().ok())
                    .ok_or_else(|| format!("bad element {b:?}")),
                other => Err(format!("element {other:?}")),
            })
            .collect()
    }
}

/// The list commands chosen by `REDRAFT_FAULTS_LIST` (`rpush`, the default, or `append`).
fn list_commands() -> &'static dyn ListCommands {
    match std::env::var("REDRAFT_FAULTS_LIST").as_deref() {
        Ok("append") => &StringAppend,
        _ => &ListPush,
    }
}

/// The list key of rotation `epoch` (hash-tagged so every key of the workload shares one slot
/// once there are several shard groups).
fn list_key(epoch: u64) -> String {
    format!("{{faults}}:list:{epoch}")
}

fn args(parts: &[&str]) -> Vec<Vec<u8>> {
    parts.iter().map(|p| p.as_bytes().to_vec()).collect()
}

// ----- clients -----

/// What became of one request, before it is judged as an outcome.
enum Attempt {
    /// Never sent (no connection): definitely not applied.
    NotSent,
    /// A normal (non-error) reply.
    Reply(Frame),
    /// An error reply (MOVED, CLUSTERDOWN, TRYAGAIN, ERR...).
    Error,
    /// Sent, but no reply (timeout, EOF, garbage): the connection is dropped.
    NoReply,
}

/// One client thread: a connection to its guess of the leader, following MOVED, and the
/// operations it recorded.
struct Client<'a> {
    id: usize,
    ports: &'a [u16],
    target: usize,
    conn: Option<NodeConn>,
    clock: Clock,
    rng: StdRng,
    /// Register operations.
    ops: Vec<Op>,
    /// List operations, by list-key epoch.
    list_ops: BTreeMap<u64, Vec<Op>>,
    /// Replies of the wrong shape (a server bug, reported at the end).
    malformed: Vec<String>,
    /// Error replies and failed attempts by kind (first word), for the run's report.
    errors: BTreeMap<String, usize>,
}

impl<'a> Client<'a> {
    fn new(id: usize, ports: &'a [u16], clock: Clock, seed: u64) -> Client<'a> {
        let mut rng = StdRng::seed_from_u64(seed ^ (id as u64).wrapping_mul(0x9e37_79b9));
        let target = rng.gen_range(0..ports.len());
        Client {
            id,
            ports,
            target,
            conn: None,
            clock,
            rng,
            ops: Vec::new(),
            list_ops: BTreeMap::new(),
            malformed: Vec::new(),
            errors: BTreeMap::new(),
        }
    }

    /// Runs the mixed workload until `stop` is set, pausing `think` between operations.
    fn run(
        &mut self,
        stop: &AtomicBool,
        values: &AtomicU64,
        list: &dyn ListCommands,
        think: Duration,
    ) {
        while !stop.load(Ordering::Relaxed) {
            if !think.is_zero() {
                std::thread::sleep(think);
            }
            let value = values.fetch_add(1, Ordering::Relaxed);
            let epoch = self.epoch();
            match self.rng.gen_range(0..100) {
                0..=44 => self.append(list, epoch, value),
                45..=69 => self.write(value),
                70..=89 => {
                    let _ = self.read();
                }
                _ => {
                    let _ = self.read_list(list, epoch);
                }
            }
        }
    }

    /// The list key in use now.
    fn epoch(&self) -> u64 {
        self.clock.now() / LIST_EPOCH.as_nanos() as u64
    }

    fn append(&mut self, list: &dyn ListCommands, epoch: u64, value: u64) {
        let invoke = self.clock.now();
        let outcome = match self.execute(&list.append(&list_key(epoch), value)) {
            Attempt::Reply(f) if list.append_acked(&f) => Outcome::Ok(()),
            Attempt::Reply(f) => {
                self.malformed.push(format!("append {value}: {f:?}"));
                Outcome::Unknown
            }
            Attempt::NotSent => Outcome::Fail,
            Attempt::Error | Attempt::NoReply => Outcome::Unknown,
        };
        let op = self.op(invoke, Call::Append { value, outcome });
        self.list_ops.entry(epoch).or_default().push(op);
    }

    fn write(&mut self, value: u64) {
        let invoke = self.clock.now();
        let cmd = args(&["SET", REGISTER_KEY, &value.to_string()]);
        let outcome = match self.execute(&cmd) {
            Attempt::Reply(Frame::Simple(s)) if &s[..] == b"OK" => Outcome::Ok(()),
            Attempt::Reply(f) => {
                self.malformed.push(format!("write {value}: {f:?}"));
                Outcome::Unknown
            }
            Attempt::NotSent => Outcome::Fail,
            Attempt::Error | Attempt::NoReply => Outcome::Unknown,
        };
        self.record(invoke, Call::Write { value, outcome });
    }

    fn read(&mut self) -> Outcome<Option<u64>> {
        let invoke = self.clock.now();
        let outcome = match self.execute(&args(&["GET", REGISTER_KEY])) {
            Attempt::Reply(Frame::Null) => Outcome::Ok(None),
            Attempt::Reply(Frame::Bulk(b)) => {
                match std::str::from_utf8(&b).ok().and_then(|s| s.parse().ok()) {
                    Some(v) => Outcome::Ok(Some(v)),
                    None => {
                        self.malformed.push(format!("register read: {b:?}"));
                        Outcome::Fail
                    }
                }
            }
            Attempt::Reply(f) => {
                self.malformed.push(format!("register read: {f:?}"));
                Outcome::Fail
            }
            // A failed read changed nothing.
            _ => Outcome::Fail,
        };
        self.record(
            invoke,
            Call::Read {
                outcome: outcome.clone(),
            },
        );
        outcome
    }

    fn read_list(&mut self, list: &dyn ListCommands, epoch: u64) -> Outcome<Vec<u64>> {
        let invoke = self.clock.now();
        let outcome = match self.execute(&list.read(&list_key(epoch))) {
            Attempt::Reply(f) => match list.parse_read(&f) {
                Ok(l) => Outcome::Ok(l),
                Err(e) => {
                    self.malformed.push(format!("list read: {e}"));
                    Outcome::Fail
                }
            },
            _ => Outcome::Fail,
        };
        let op = self.op(
            invoke,
            Call::ReadList {
                outcome: outcome.clone(),
            },
        );
        self.list_ops.entry(epoch).or_default().push(op);
        outcome
    }

    fn record(&mut self, invoke: u64, call: Call) {
        let op = self.op(invoke, call);
        self.ops.push(op);
    }

    /// An operation of this client invoked at `invoke` and completing now.
    fn op(&self, invoke: u64, call: Call) -> Op {
        Op {
            client: self.id,
            invoke,
            complete: self.clock.now(),
            call,
        }
    }

    /// Sends one request to the current target and classifies what came back, updating the
    /// target: MOVED redirects to the named node; CLUSTERDOWN, TRYAGAIN, a dead connection or
    /// a timeout move on to the next node after a short pause (the target may be down, frozen
    /// or partitioned away).
    fn execute(&mut self, cmd: &[Vec<u8>]) -> Attempt {
        let conn = match self.conn.take() {
            Some(c) => c,
            None => match NodeConn::connect(self.ports[self.target], CONNECT_TIMEOUT) {
                Ok(c) => {
                    let _ = c.set_timeout(REQUEST_TIMEOUT);
                    c
                }
                Err(_) => {
                    self.count_error("not sent (connect failed)");
                    self.next_node();
                    self.pause();
                    return Attempt::NotSent;
                }
            },
        };
        let mut conn = conn;
        let argv: Vec<&[u8]> = cmd.iter().map(Vec::as_slice).collect();
        // A write error may come after part of the request reached the server.
        let reply: io::Result<Frame> = conn.call(&argv);
        match reply {
            Ok(Frame::Error(e)) => {
                let text = String::from_utf8_lossy(&e).into_owned();
                self.count_error(text.split_whitespace().next().unwrap_or("-"));
                if let Some(port) = moved_port(&text) {
                    match self.ports.iter().position(|&p| p == port) {
                        Some(i) => self.target = i,
                        None => self.next_node(),
                    }
                } else {
                    // CLUSTERDOWN, TRYAGAIN, ERR (e.g. leadership lost mid-proposal): ask
                    // elsewhere after a pause, on a fresh connection.
                    self.next_node();
                }
                if !text.starts_with("MOVED") {
                    self.pause();
                }
                Attempt::Error
            }
            Ok(frame) => {
                self.conn = Some(conn);
                Attempt::Reply(frame)
            }
            Err(e) => {
                self.count_error(&format!("no reply ({:?})", e.kind()));
                self.next_node();
                self.pause();
                Attempt::NoReply
            }
        }
    }

    fn count_error(&mut self, kind: &str) {
        *self.errors.entry(kind.to_string()).or_default() += 1;
    }

    fn next_node(&mut self) {
        self.target = (self.target + 1) % self.ports.len();
    }

    fn pause(&mut self) {
        std::thread::sleep(Duration::from_millis(self.rng.gen_range(20..80)));
    }
}

/// The port of a `MOVED <slot> <ip>:<port>` error.
fn moved_port(error: &str) -> Option<u16> {
    let rest = error.strip_prefix("MOVED ")?;
    let addr = rest.split_whitespace().nth(1)?;
    addr.rsplit_once(':')?.1.parse().ok()
}

// ----- a run: clients + nemesis + final check -----

/// What one run found.
struct Verdict {
    list: Summary,
    register: Summary,
    malformed: Vec<String>,
    /// Failed attempts by kind, over all clients.
    errors: BTreeMap<String, usize>,
    /// Nodes that exited on their own, and panics in any node's log.
    crashes: Vec<String>,
    timeline: Vec<String>,
}

impl Verdict {
    /// Prints the summary and fails on any loss, anomaly or malformed reply, or if too little
    /// was acknowledged for the check to mean anything.
    fn assert_ok(&self, name: &str) {
        println!(
            "{name}: list: {}\n{name}: register: {}\n{name}: client errors: {:?}\n\
             {name}: timeline:\n  {}",
            self.list,
            self.register,
            self.errors,
            self.timeline.join("\n  ")
        );
        assert!(
            self.list.is_valid()
                && self.register.is_valid()
                && self.malformed.is_empty()
                && self.crashes.is_empty(),
            "{name} found anomalies\nlist: {}\nregister: {}\nmalformed replies: {:?}\n\
             crashes and panics: {:#?}\ntimeline:\n  {}",
            self.list,
            self.register,
            &self.malformed[..self.malformed.len().min(20)],
            self.crashes,
            self.timeline.join("\n  ")
        );
        assert!(
            self.list.acknowledged >= 10 && self.register.acknowledged >= 10,
            "{name}: too few acknowledged operations to judge anything: list {}, register {}",
            self.list,
            self.register
        );
    }
}

/// Sets the flag when dropped, so client threads stop even if the nemesis panics.
struct StopOnDrop<'a>(&'a AtomicBool);

impl Drop for StopOnDrop<'_> {
    fn drop(&mut self) {
        self.0.store(true, Ordering::Relaxed);
    }
}

/// The fault injector: runs on the test's own thread (it owns the cluster, and processes it
/// restarts die with the thread that spawned them), logging each step with its time.
struct Nemesis<'a> {
    cluster: &'a mut LocalCluster,
    clock: Clock,
    timeline: Vec<String>,
    /// Nodes that exited without being killed or logged a panic: a server bug, reported at
    /// the end.
    crashes: Vec<String>,
}

impl Nemesis<'_> {
    fn note(&mut self, what: String) {
        for i in 0..self.cluster.len() {
            if let Some(crash) = self.cluster.crashed(i) {
                let line = format!("{:7.3}s CRASH: {crash}", self.clock.now() as f64 / 1e9);
                eprintln!("nemesis: {line}");
                self.timeline.push(line);
                self.crashes.push(crash);
            }
        }
        let line = format!("{:7.3}s {what}", self.clock.now() as f64 / 1e9);
        eprintln!("nemesis: {line}");
        self.timeline.push(line);
    }

    fn leader(&mut self) -> usize {
        let l = self.cluster.leader(LEADER_TIMEOUT);
        self.note(format!("leader is node {l}"));
        l
    }

    fn sleep(&self, d: Duration) {
        std::thread::sleep(d);
    }

    /// Notes who leads now, if anyone (for the timeline: did the fault cause a failover?).
    fn note_leader_during_fault(&mut self) {
        let now = self.cluster.current_leader();
        self.note(match now {
            Some(l) => format!("  leader during the fault: node {l}"),
            None => "  no leader during the fault".to_string(),
        });
    }

    fn kill_and_restart(&mut self, node: usize, down: Duration) {
        self.note(format!("kill -9 node {node}"));
        self.cluster.kill9(node);
        self.sleep(down);
        self.note_leader_during_fault();
        self.note(format!("restart node {node}"));
        self.cluster.restart(node);
    }

    fn freeze(&mut self, node: usize, frozen: Duration) {
        self.note(format!("SIGSTOP node {node}"));
        self.cluster.stop(node);
        self.sleep(frozen);
        self.note_leader_during_fault();
        self.note(format!("SIGCONT node {node}"));
        self.cluster.cont(node);
    }

    /// Cuts `minority` (which should hold the leader) off from every other node.
    fn isolate(&mut self, minority: &[usize], cut: Duration) {
        let majority: Vec<usize> = (0..self.cluster.len())
            .filter(|i| !minority.contains(i))
            .collect();
        self.note(format!("partition {minority:?} | {majority:?}"));
        self.cluster.partition(&[minority, &majority]);
        self.sleep(cut);
        self.note_leader_during_fault();
        self.note("heal".into());
        self.cluster.heal();
    }

    /// `k` nodes: the leader and the next ones after it.
    fn leader_and_followers(&self, leader: usize, k: usize) -> Vec<usize> {
        (0..k).map(|d| (leader + d) % self.cluster.len()).collect()
    }

    /// The fixed CI sequence.
    fn short_sequence(&mut self) {
        let settle = Duration::from_millis(1500);
        self.sleep(Duration::from_secs(1));

        let l = self.leader();
        self.kill_and_restart(l, Duration::from_secs(2));
        self.sleep(settle);

        let l = self.leader();
        let follower = (l + 1) % self.cluster.len();
        self.kill_and_restart(follower, Duration::from_secs(2));
        self.sleep(settle);

        let l = self.leader();
        self.freeze(l, Duration::from_secs(3));
        self.sleep(settle);

        let l = self.leader();
        let minority = self.leader_and_followers(l, (self.cluster.len() - 1) / 2);
        self.isolate(&minority, Duration::from_secs(4));
        self.sleep(settle);
    }

    /// Random faults until `duration` has passed.
    fn soak(&mut self, duration: Duration, rng: &mut StdRng) {
        let end = Instant::now() + duration;
        let n = self.cluster.len();
        while Instant::now() < end {
            let l = self.leader();
            let hold = Duration::from_millis(rng.gen_range(500..4000));
            match rng.gen_range(0..7) {
                0 => self.kill_and_restart(l, hold),
                1 => {
                    let f = (l + rng.gen_range(1..n)) % n;
                    self.kill_and_restart(f, hold);
                }
                2 => self.freeze(l, hold),
                3 => {
                    let k = rng.gen_range(1..=(n - 1) / 2);
                    let minority = self.leader_and_followers(l, k);
                    self.isolate(&minority, hold);
                }
                4 => {
                    // A minority without the leader.
                    let f = (l + 1) % n;
                    self.isolate(&[f], hold);
                }
                5 => {
                    // Silence the leader's links without resetting them.
                    self.note(format!("blackhole node {l}'s links"));
                    for other in (0..n).filter(|&o| o != l) {
                        for (a, b) in [(l, other), (other, l)] {
                            if let Some(p) = self.cluster.proxy(a, b) {
                                p.blackhole();
                            }
                        }
                    }
                    self.sleep(hold);
                    self.note("heal".into());
                    self.cluster.heal();
                }
                _ => {
                    let delay = Duration::from_millis(rng.gen_range(5..60));
                    self.note(format!("delay every link by {delay:?}"));
                    for a in 0..n {
                        for b in (0..n).filter(|&b| b != a) {
                            if let Some(p) = self.cluster.proxy(a, b) {
                                p.set_delay(delay);
                            }
                        }
                    }
                    self.sleep(hold);
                    self.note("no delay".into());
                    for a in 0..n {
                        for b in (0..n).filter(|&b| b != a) {
                            if let Some(p) = self.cluster.proxy(a, b) {
                                p.set_delay(Duration::ZERO);
                            }
                        }
                    }
                }
            }
            self.sleep(Duration::from_millis(rng.gen_range(500..2000)));
        }
    }

    /// Undoes every fault: heal links, resume frozen nodes, restart dead ones.
    fn repair(&mut self) {
        self.note("repair: heal, SIGCONT and restart everything".into());
        self.cluster.heal();
        for i in 0..self.cluster.len() {
            if self.cluster.is_stopped(i) {
                self.cluster.cont(i);
            } else if self.cluster.pid(i).is_none() {
                self.cluster.restart(i);
            }
        }
    }
}

/// Runs `clients` client threads against `cluster` while `nemesis` injects faults on this
/// thread, then repairs the cluster, takes final reads on the leader and checks the history.
fn run_workload(
    cluster: &mut LocalCluster,
    clients: usize,
    think: Duration,
    seed: u64,
    nemesis: impl FnOnce(&mut Nemesis<'_>),
) -> Verdict {
    let clock = Clock::new();
    let ports = cluster.ports();
    let stop = AtomicBool::new(false);
    let values = AtomicU64::new(1);
    let list = list_commands();
    let results: Mutex<Vec<Client<'_>>> = Mutex::new(Vec::new());
    let mut nemesis_state = Nemesis {
        cluster,
        clock,
        timeline: Vec::new(),
        crashes: Vec::new(),
    };
    std::thread::scope(|s| {
        let _stop = StopOnDrop(&stop);
        for id in 0..clients {
            let (ports, stop, values, results) = (&ports, &stop, &values, &results);
            s.spawn(move || {
                let mut client = Client::new(id, ports, clock, seed);
                client.run(stop, values, list, think);
                results
                    .lock()
                    .expect("no client panics holding it")
                    .push(client);
            });
        }
        nemesis(&mut nemesis_state);
    });
    nemesis_state.repair();
    // A panic in a server task need not kill the process: look in the logs too.
    for i in 0..nemesis_state.cluster.len() {
        for panic in nemesis_state.cluster.panics(i) {
            nemesis_state
                .crashes
                .push(format!("node {i} panicked: {panic}"));
        }
    }

    let mut register = History::new();
    let mut lists: BTreeMap<u64, History> = BTreeMap::new();
    let mut malformed = Vec::new();
    let mut errors = BTreeMap::new();
    for client in results.into_inner().expect("clients done") {
        register.extend(client.ops);
        for (epoch, ops) in client.list_ops {
            lists.entry(epoch).or_default().extend(ops);
        }
        malformed.extend(client.malformed);
        for (kind, n) in client.errors {
            *errors.entry(kind).or_default() += n;
        }
    }

    // Final reads on the leader, recorded like any other read, each retried until it succeeds.
    let cluster = &mut *nemesis_state.cluster;
    let leader = cluster.leader(LEADER_TIMEOUT);
    nemesis_state.timeline.push(format!(
        "final reads of {} list keys and the register on node {leader}",
        lists.len()
    ));
    let mut reader = Client::new(clients, &ports, clock, seed);
    reader.target = leader;
    let deadline = Instant::now() + LEADER_TIMEOUT;
    let mut list_summary = Summary::default();
    for (&epoch, history) in &mut lists {
        let final_list = loop {
            if let Outcome::Ok(l) = reader.read_list(list, epoch) {
                break l;
            }
            assert!(
                Instant::now() < deadline,
                "no successful final read of {} within {LEADER_TIMEOUT:?}:\n{}",
                list_key(epoch),
                cluster.describe()
            );
        };
        history.extend(reader.list_ops.remove(&epoch).unwrap_or_default());
        list_summary.merge(check_list(history.ops(), &final_list));
    }
    while !matches!(reader.read(), Outcome::Ok(_)) {
        assert!(
            Instant::now() < deadline,
            "no successful final read of the register within {LEADER_TIMEOUT:?}"
        );
    }
    register.extend(reader.ops);
    malformed.extend(reader.malformed);

    Verdict {
        list: list_summary,
        register: check_register(register.ops()),
        malformed,
        errors,
        crashes: nemesis_state.crashes,
        timeline: nemesis_state.timeline,
    }
}

fn env_u64(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// The short fault test on `n` nodes, with the Raft log on disk or in memory.
fn short_fault_test(n: usize, appendonly: bool) {
    let options = Options {
        appendonly,
        ..Options::default()
    };
    let mut cluster = LocalCluster::start(n, options);
    let seed = env_u64("REDRAFT_FAULTS_SEED", rand::random());
    println!("faults_{n}_nodes: seed {seed} (REDRAFT_FAULTS_SEED)");
    // The first leader must exist before the clock starts mattering.
    cluster.leader(LEADER_TIMEOUT);
    let verdict = run_workload(&mut cluster, 4, SHORT_THINK_TIME, seed, |nemesis| {
        nemesis.short_sequence()
    });
    verdict.assert_ok(&format!("faults_{n}_nodes"));
}

/// Three nodes, default persistence (`appendonly no`: the Raft log lives in memory and a
/// restarted node catches up from its peers).
#[test]
fn faults_3_nodes() {
    short_fault_test(3, false);
}

/// Five nodes with `appendonly yes`: the Raft log, hard state and snapshots on disk.
#[test]
fn faults_5_nodes() {
    short_fault_test(5, true);
}

#[test]
#[ignore = "soak: minutes of random faults (REDRAFT_SOAK_SECS, REDRAFT_SOAK_NODES)"]
fn faults_soak() {
    let secs = env_u64("REDRAFT_SOAK_SECS", 300);
    let n = env_u64("REDRAFT_SOAK_NODES", 5) as usize;
    let seed = env_u64("REDRAFT_SOAK_SEED", rand::random());
    println!("faults_soak: {n} nodes, {secs} s, seed {seed} (REDRAFT_SOAK_SEED)");
    let options = Options {
        appendonly: std::env::var("REDRAFT_SOAK_APPENDONLY").as_deref() != Ok("no"),
        ..Options::default()
    };
    let mut cluster = LocalCluster::start(n, options);
    cluster.leader(LEADER_TIMEOUT);
    let mut rng = StdRng::seed_from_u64(seed);
    let verdict = run_workload(&mut cluster, 6, Duration::ZERO, seed, |nemesis| {
        nemesis.soak(Duration::from_secs(secs), &mut rng)
    });
    verdict.assert_ok("faults_soak");
}

// ----- the harness itself, on one standalone node -----

#[test]
fn harness_standalone_node_kill_stop_restart() {
    let mut cluster = LocalCluster::start(1, Options::standalone());
    assert_eq!(cluster.leader(Duration::from_secs(5)), 0);
    let mut conn = cluster.conn(0, Duration::from_secs(2)).unwrap();
    assert_eq!(
        conn.call_str(&["SET", "k", "v"]).unwrap(),
        Frame::Simple("OK".into())
    );

    // Frozen: requests time out, and the node is not up; thawed: the reply arrives.
    cluster.stop(0);
    assert!(!cluster.is_up(0));
    conn.set_timeout(Duration::from_millis(300)).unwrap();
    let err = conn.call_str(&["GET", "k"]).unwrap_err();
    assert!(
        matches!(
            err.kind(),
            io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut
        ),
        "{err:?}"
    );
    assert_eq!(cluster.current_leader(), None, "a frozen node cannot lead");
    cluster.cont(0);
    conn.set_timeout(Duration::from_secs(2)).unwrap();
    // The GET sent while frozen is answered first.
    assert_eq!(conn.recv().unwrap(), Frame::Bulk("v".into()));

    // Killed: connections drop and new ones are refused; restarted: same port, same dir.
    let dir = cluster.dir(0).to_path_buf();
    cluster.kill9(0);
    assert!(cluster.pid(0).is_none());
    assert!(conn.call_str(&["PING"]).is_err());
    assert!(cluster.conn(0, Duration::from_millis(300)).is_err());
    cluster.restart(0);
    assert!(cluster.is_up(0));
    assert_eq!(cluster.dir(0), dir);
    let mut client = cluster.client(0);
    let pong: String = redis::cmd("PING").query(&mut client).unwrap();
    assert_eq!(pong, "PONG");
    let log = cluster.log_text(0);
    assert_eq!(log.matches("===== harness: starting").count(), 2, "{log}");
}

#[test]
fn harness_workload_and_checkers_on_a_standalone_node() {
    // A single node frozen and thawed loses nothing: the whole pipeline (clients, outcome
    // classification, final reads, both checkers) must find a valid history. Frozen for over
    // two request timeouts, so that some write surely times out (outcome Unknown).
    let mut cluster = LocalCluster::start(1, Options::standalone());
    let verdict = run_workload(&mut cluster, 3, SHORT_THINK_TIME, 7, |nemesis| {
        nemesis.sleep(Duration::from_millis(700));
        nemesis.freeze(0, Duration::from_millis(2500));
        nemesis.sleep(Duration::from_millis(700));
    });
    verdict.assert_ok("harness_workload");
    assert!(
        verdict.list.unknown + verdict.register.unknown > 0,
        "freezing the node must leave some outcomes unknown: {} / {}",
        verdict.list,
        verdict.register
    );
}

#[test]
fn harness_checkers_catch_a_lossy_standalone_node() {
    // kill -9 without persistence loses every acknowledged write: the checkers must say so.
    let mut cluster = LocalCluster::start(1, Options::standalone());
    let verdict = run_workload(&mut cluster, 2, SHORT_THINK_TIME, 11, |nemesis| {
        nemesis.sleep(Duration::from_millis(800));
        nemesis.kill_and_restart(0, Duration::from_millis(200));
        nemesis.sleep(Duration::from_millis(300));
    });
    // (The register's loss is invisible once a new write lands after the restart.)
    assert!(
        verdict.list.lost > 0,
        "the list checker must report the lost appends: {}",
        verdict.list
    );
}

#[test]
fn moved_port_parses_redirects() {
    assert_eq!(moved_port("MOVED 3999 127.0.0.1:7002"), Some(7002));
    assert_eq!(moved_port("CLUSTERDOWN The cluster is down"), None);
    assert_eq!(moved_port("MOVED 1 nonsense"), None);
}

#[test]
fn list_commands_parse_reads() {
    let a = StringAppend;
    assert_eq!(a.parse_read(&Frame::Null), Ok(vec![]));
    assert_eq!(
        a.parse_read(&Frame::Bulk(",1,22,3".into())),
        Ok(vec![1, 22, 3])
    );
    assert!(a.parse_read(&Frame::Bulk(",1,x".into())).is_err());
    assert!(a.parse_read(&Frame::Bulk("1,2".into())).is_err());
    assert!(a.parse_read(&Frame::Integer(1)).is_err());
    let p = ListPush;
    assert_eq!(
        p.parse_read(&Frame::Array(vec![
            Frame::Bulk("4".into()),
            Frame::Bulk("5".into())
        ])),
        Ok(vec![4, 5])
    );
    assert!(p.parse_read(&Frame::Null).is_err());
}
