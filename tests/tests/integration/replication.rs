//! Replicated shard groups through Redis's replication and cluster commands: a 3-node group
//! forms; ROLE, HELLO, INFO (replication, raft, cluster) and CLUSTER (INFO MYID NODES SLOTS
//! SHARDS KEYSLOT COUNTKEYSINSLOT GETKEYSINSLOT) describe it; followers redirect keyed
//! commands with MOVED, refuse keyless writes with READONLY and serve reads after READONLY;
//! WAIT counts followers; CLUSTER FAILOVER moves leadership; `redis-cli -c` follows MOVED.
//!
//! The groups are [`LocalCluster`]s of three `redraft` processes without fault proxies, each
//! test waiting for a leader that both followers follow with their link up. Every wait is
//! bounded. `standalone_*` tests need no cluster mode and also pass against redis-server
//! (`REDRAFT_BIN=$(which redis-server)`).

use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use redraft_protocol::Frame;
use redraft_tests::cluster::{LocalCluster, Options};
use redraft_tests::{escape, which, Server};

use super::{assert_raw, bulk, err, int, OK};

/// How long a group gets to elect a leader that every follower follows.
const LEADER_TIMEOUT: Duration = Duration::from_secs(20);
/// How long anything else that happens "eventually" may take.
const EVENTUALLY: Duration = Duration::from_secs(10);
/// Election timeout of the test groups: generous, so that a loaded test machine does not
/// cause spontaneous elections in the middle of a test.
const NODE_TIMEOUT_MS: u64 = 2000;

/// Starts three redraft nodes forming one group, without snapshots on a save schedule.
fn group() -> LocalCluster {
    LocalCluster::start(
        3,
        Options {
            proxies: false,
            node_timeout_ms: NODE_TIMEOUT_MS,
            extra_args: vec!["--save".into(), String::new()],
            ..Options::default()
        },
    )
}

/// Polls `f` until it returns `Some`, for at most [`EVENTUALLY`].
fn eventually<T>(what: &str, mut f: impl FnMut() -> Option<T>) -> T {
    let deadline = Instant::now() + EVENTUALLY;
    loop {
        if let Some(v) = f() {
            return v;
        }
        assert!(
            Instant::now() < deadline,
            "not within {EVENTUALLY:?}: {what}"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// The text of a bulk, simple, verbatim or error frame.
fn text(f: &Frame) -> String {
    match f {
        Frame::Bulk(b) | Frame::Simple(b) | Frame::Error(b) => {
            String::from_utf8_lossy(b).into_owned()
        }
        Frame::Verbatim { text, .. } => String::from_utf8_lossy(text).into_owned(),
        other => panic!("not text: {other:?}"),
    }
}

fn items(f: &Frame) -> &[Frame] {
    match f {
        Frame::Array(items) => items,
        other => panic!("not an array: {other:?}"),
    }
}

/// `master` or `slave` (or `""` for anything else).
fn role_kind(role: &Frame) -> String {
    match role {
        Frame::Array(items) if !items.is_empty() => match &items[0] {
            Frame::Bulk(b) => String::from_utf8_lossy(b).into_owned(),
            _ => String::new(),
        },
        _ => String::new(),
    }
}

/// A follower's ROLE: (leader port, link state).
fn follows(role: &Frame) -> Option<(i64, String)> {
    match role {
        Frame::Array(items) if items.len() == 5 && role_kind(role) == "slave" => {
            match (&items[2], &items[3]) {
                (Frame::Integer(port), Frame::Bulk(state)) => {
                    Some((*port, String::from_utf8_lossy(state).into_owned()))
                }
                _ => None,
            }
        }
        _ => None,
    }
}

/// The value of `name` in an INFO text.
fn field(info: &str, name: &str) -> Option<String> {
    info.split("\r\n")
        .find_map(|l| l.strip_prefix(name)?.strip_prefix(':'))
        .map(str::to_string)
}

/// Node `i`'s INFO `section`.
fn info(g: &LocalCluster, i: usize, section: &str) -> String {
    text(&g.cmd(i, &["INFO", section]))
}

#[test]
fn group_forms_and_role_has_redis_shapes() {
    let g = group();
    let l = g.full_leader(LEADER_TIMEOUT);
    let follower_ports: Vec<String> = g.followers(l).map(|f| g.port(f).to_string()).collect();
    // The leader lists its followers once they are online: host, port and offset as bulks.
    let role = eventually("the leader's ROLE lists both replicas", || {
        let role = g.cmd(l, &["ROLE"]);
        (items(&role).len() == 3 && items(&items(&role)[2]).len() == 2).then_some(role)
    });
    let parts = items(&role);
    assert_eq!(parts[0], Frame::Bulk("master".into()));
    let Frame::Integer(offset) = parts[1] else {
        panic!("offset is not an integer: {role:?}");
    };
    assert!(offset > 0, "{role:?}");
    for replica in items(&parts[2]) {
        let fields = items(replica);
        assert_eq!(fields.len(), 3, "{role:?}");
        assert_eq!(text(&fields[0]), "127.0.0.1");
        assert!(matches!(fields[1], Frame::Bulk(_)), "{role:?}");
        assert!(follower_ports.contains(&text(&fields[1])), "{role:?}");
        let replica_offset: i64 = text(&fields[2]).parse().expect("offset");
        assert!(replica_offset <= offset, "{role:?}");
    }
    for f in g.followers(l) {
        let role = g.cmd(f, &["ROLE"]);
        let parts = items(&role);
        assert_eq!(parts.len(), 5, "{role:?}");
        assert_eq!(parts[0], Frame::Bulk("slave".into()));
        assert_eq!(text(&parts[1]), "127.0.0.1");
        assert_eq!(parts[2], Frame::Integer(g.port(l).into()));
        assert_eq!(text(&parts[3]), "connected");
        assert!(matches!(parts[4], Frame::Integer(n) if n > 0), "{role:?}");
        // HELLO reports the replica role and cluster mode.
        let hello = g.raw(f).cmd_str(&["HELLO", "3"]);
        let needle = [bulk("mode"), bulk("cluster"), bulk("role"), bulk("replica")].concat();
        assert!(
            hello.windows(needle.len()).any(|w| w == needle),
            "{}",
            escape(&hello)
        );
    }
    let hello = g.raw(l).cmd_str(&["HELLO", "3"]);
    let needle = [bulk("mode"), bulk("cluster"), bulk("role"), bulk("master")].concat();
    assert!(
        hello.windows(needle.len()).any(|w| w == needle),
        "{}",
        escape(&hello)
    );
}

#[test]
fn followers_redirect_keyed_commands_and_refuse_keyless_writes() {
    let g = group();
    let l = g.full_leader(LEADER_TIMEOUT);
    let leader_port = g.port(l);
    let Frame::Integer(slot) = g.cmd(l, &["CLUSTER", "KEYSLOT", "somekey"]) else {
        panic!("CLUSTER KEYSLOT is not an integer");
    };
    let moved = err(&format!("MOVED {slot} 127.0.0.1:{leader_port}"));
    for f in g.followers(l) {
        let mut c = g.raw(f);
        assert_raw(c.cmd_str(&["GET", "somekey"]), &moved);
        assert_raw(c.cmd_str(&["SET", "somekey", "v"]), &moved);
        assert_raw(
            c.cmd_str(&["FLUSHDB"]),
            err("READONLY You can't write against a read only replica."),
        );
        // Keyless reads and connection commands are served.
        assert_raw(c.cmd_str(&["PING"]), b"+PONG\r\n");
    }
    assert_raw(g.raw(l).cmd_str(&["SET", "somekey", "v"]), OK);
}

#[test]
fn readonly_serves_reads_on_a_follower_until_readwrite_or_reset() {
    let g = group();
    let l = g.full_leader(LEADER_TIMEOUT);
    assert_raw(g.raw(l).cmd_str(&["SET", "k", "v1"]), OK);
    let f = g.followers(l).next().expect("a follower");
    let mut c = g.raw(f);
    assert_raw(c.cmd_str(&["READONLY"]), OK);
    eventually("the follower serves the value after READONLY", || {
        (c.cmd_str(&["GET", "k"]) == bulk("v1")).then_some(())
    });
    let moved_prefix = b"-MOVED ";
    assert_raw(c.cmd_str(&["READWRITE"]), OK);
    assert!(c.cmd_str(&["GET", "k"]).starts_with(moved_prefix));
    assert_raw(c.cmd_str(&["READONLY"]), OK);
    assert_raw(c.cmd_str(&["GET", "k"]), bulk("v1"));
    assert_raw(c.cmd_str(&["RESET"]), b"+RESET\r\n");
    assert!(c.cmd_str(&["GET", "k"]).starts_with(moved_prefix));
    // Writes stay redirected whatever READONLY says.
    assert_raw(c.cmd_str(&["READONLY"]), OK);
    assert!(c.cmd_str(&["SET", "k", "x"]).starts_with(moved_prefix));
}

#[test]
fn wait_counts_the_followers_that_have_the_writes() {
    let g = group();
    let l = g.full_leader(LEADER_TIMEOUT);
    let mut c = g.raw(l);
    assert_raw(c.cmd_str(&["SET", "k", "v"]), OK);
    assert_raw(c.cmd_str(&["WAIT", "2", "1000"]), int(2));
    // More replicas than exist: the timeout decides, and the reply is how many have it.
    let started = Instant::now();
    assert_raw(c.cmd_str(&["WAIT", "3", "300"]), int(2));
    assert!(started.elapsed() >= Duration::from_millis(290));
    assert_raw(c.cmd_str(&["WAIT", "0", "0"]), int(2));
    // Pipelined after writes, WAIT runs once they are applied; what follows it runs after.
    c.send(
        &[
            redraft_tests::encode_cmd(&[b"SET", b"k2", b"v2"]),
            redraft_tests::encode_cmd(&[b"WAIT", b"2", b"1000"]),
            redraft_tests::encode_cmd(&[b"GET", b"k2"]),
        ]
        .concat(),
    );
    assert_raw(c.read_reply(), OK);
    assert_raw(c.read_reply(), int(2));
    assert_raw(c.read_reply(), bulk("v2"));
    // Argument errors, in Redis's order and words.
    assert_raw(
        c.cmd_str(&["WAIT", "x", "x"]),
        err("ERR value is not an integer or out of range"),
    );
    assert_raw(
        c.cmd_str(&["WAIT", "1", "x"]),
        err("ERR timeout is not an integer or out of range"),
    );
    assert_raw(
        c.cmd_str(&["WAIT", "1", "-1"]),
        err("ERR timeout is negative"),
    );
    for f in g.followers(l) {
        assert_raw(
            g.raw(f).cmd_str(&["WAIT", "1", "0"]),
            err("ERR WAIT cannot be used with replica instances. Please also note that since Redis 4.0 if a replica is configured to be writable (which is not the default) writes to replicas are just local and are not propagated."),
        );
    }
    // A WAIT that can never be satisfied blocks until the client is killed.
    let mut blocked = g.raw(l);
    let Frame::Integer(id) = blocked.cmd_frame(&["CLIENT", "ID"]) else {
        panic!("CLIENT ID is not an integer");
    };
    blocked.send_cmd(&[b"WAIT", b"5", b"0"]);
    std::thread::sleep(Duration::from_millis(200));
    assert_raw(
        c.cmd_str(&["CLIENT", "KILL", "ID", &id.to_string()]),
        int(1),
    );
    assert_eq!(blocked.read_until_closed(), b"");
}

#[test]
fn cluster_failover_on_a_follower_makes_it_the_leader() {
    let g = group();
    let l = g.full_leader(LEADER_TIMEOUT);
    assert_raw(
        g.raw(l).cmd_str(&["CLUSTER", "FAILOVER"]),
        err("ERR You should send CLUSTER FAILOVER to a replica"),
    );
    let f = g.followers(l).next().expect("a follower");
    let mut c = g.raw(f);
    assert_raw(
        c.cmd_str(&["CLUSTER", "FAILOVER", "sideways"]),
        err("ERR syntax error"),
    );
    assert_raw(c.cmd_str(&["CLUSTER", "FAILOVER"]), OK);
    eventually("the follower becomes the leader", || {
        (role_kind(&g.cmd(f, &["ROLE"])) == "master").then_some(())
    });
    let new_port = i64::from(g.port(f));
    eventually("the old leader follows the new one", || {
        (follows(&g.cmd(l, &["ROLE"])) == Some((new_port, "connected".into()))).then_some(())
    });
    assert_eq!(g.full_leader(LEADER_TIMEOUT), f);
    assert_raw(g.raw(f).cmd_str(&["SET", "after", "failover"]), OK);
}

#[test]
fn info_replication_raft_and_cluster_sections() {
    let g = group();
    let l = g.full_leader(LEADER_TIMEOUT);
    assert_raw(g.raw(l).cmd_str(&["SET", "k", "v"]), OK);
    let repl = eventually("INFO replication lists both replicas online", || {
        let repl = info(&g, l, "replication");
        (field(&repl, "connected_slaves").as_deref() == Some("2")
            && repl.matches("state=online").count() == 2)
            .then_some(repl)
    });
    assert_eq!(field(&repl, "role").as_deref(), Some("master"));
    let slave0 = field(&repl, "slave0").expect("slave0");
    assert!(slave0.starts_with("ip=127.0.0.1,port="), "{slave0}");
    assert!(
        slave0.contains(",offset=") && slave0.contains(",lag="),
        "{slave0}"
    );
    let offset: u64 = field(&repl, "master_repl_offset")
        .and_then(|v| v.parse().ok())
        .expect("master_repl_offset");
    assert!(offset > 0, "{repl}");

    let raft = info(&g, l, "raft");
    assert!(raft.starts_with("# Raft\r\n"), "{raft}");
    assert_eq!(field(&raft, "raft_role").as_deref(), Some("leader"));
    assert_eq!(field(&raft, "raft_voters").as_deref(), Some("1,2,3"));
    let node_id = field(&raft, "raft_node_id").expect("raft_node_id");
    assert_eq!(field(&raft, "raft_leader_id"), Some(node_id));
    let applied: u64 = field(&raft, "raft_applied_index")
        .and_then(|v| v.parse().ok())
        .expect("raft_applied_index");
    assert!(applied >= offset, "{raft}");
    for i in 0..2 {
        let peer = field(&raft, &format!("raft_peer{i}")).expect("raft_peerN");
        assert!(peer.starts_with("id="), "{peer}");
        assert!(peer.contains(",addr=127.0.0.1:"), "{peer}");
        assert!(peer.ends_with(",active=1,link=up"), "{peer}");
    }
    assert_eq!(
        field(&info(&g, l, "server"), "redis_mode").as_deref(),
        Some("cluster")
    );
    assert_eq!(
        field(&info(&g, l, "cluster"), "cluster_enabled").as_deref(),
        Some("1")
    );
    // The raft section is ours: not in the default set, in `everything`.
    assert!(!info(&g, l, "default").contains("# Raft"));
    assert!(info(&g, l, "everything").contains("# Raft\r\n"));

    for f in g.followers(l) {
        let repl = info(&g, f, "replication");
        assert_eq!(field(&repl, "role").as_deref(), Some("slave"));
        assert_eq!(field(&repl, "master_host").as_deref(), Some("127.0.0.1"));
        assert_eq!(field(&repl, "master_port"), Some(g.port(l).to_string()));
        assert_eq!(field(&repl, "master_link_status").as_deref(), Some("up"));
        assert_eq!(field(&repl, "slave_read_only").as_deref(), Some("1"));
        assert_eq!(field(&repl, "connected_slaves").as_deref(), Some("0"));
        assert!(field(&repl, "slave_repl_offset").is_some(), "{repl}");
        let raft = info(&g, f, "raft");
        assert_eq!(field(&raft, "raft_role").as_deref(), Some("follower"));
    }
}

#[test]
fn cluster_commands_describe_one_shard() {
    let g = group();
    let l = g.full_leader(LEADER_TIMEOUT);
    let f = g.followers(l).next().expect("a follower");

    let info = text(&g.cmd(f, &["CLUSTER", "INFO"]));
    for line in [
        "cluster_state:ok",
        "cluster_slots_assigned:16384",
        "cluster_slots_ok:16384",
        "cluster_known_nodes:3",
        "cluster_size:1",
    ] {
        assert!(info.split("\r\n").any(|l| l == line), "{line}: {info}");
    }

    let myid = text(&g.cmd(f, &["CLUSTER", "MYID"]));
    assert_eq!(myid.len(), 40);
    assert!(myid.bytes().all(|b| b.is_ascii_hexdigit()), "{myid}");
    let leader_id = text(&g.cmd(l, &["CLUSTER", "MYID"]));
    assert_ne!(myid, leader_id);

    let nodes = eventually("CLUSTER NODES shows every link up", || {
        let nodes = text(&g.cmd(f, &["CLUSTER", "NODES"]));
        (!nodes.contains("disconnected")).then_some(nodes)
    });
    let lines: Vec<&str> = nodes.lines().collect();
    assert_eq!(lines.len(), 3, "{nodes}");
    assert_eq!(lines.iter().filter(|l| l.contains("myself")).count(), 1);
    let master_line = format!(
        "{leader_id} 127.0.0.1:{}@{} master - ",
        g.port(l),
        g.port(l) + 10000
    );
    let master = lines
        .iter()
        .find(|l| l.starts_with(&master_line))
        .unwrap_or_else(|| panic!("no {master_line:?} in {nodes}"));
    assert!(master.ends_with(" connected 0-16383"), "{master}");
    let slaves: Vec<&&str> = lines
        .iter()
        .filter(|l| l.contains(&format!("slave {leader_id} 0 ")))
        .collect();
    assert_eq!(slaves.len(), 2, "{nodes}");
    assert!(lines
        .iter()
        .any(|l| l.starts_with(&format!("{myid} ")) && l.contains(" myself,slave ")));
    for l in &lines {
        // id, addr, flags, master, ping, pong, epoch, link state (then slots on the master).
        assert!(l.split(' ').count() >= 8, "{l}");
    }

    // CLUSTER SLOTS: one range, the leader first, then the replicas.
    let slots = g.cmd(f, &["CLUSTER", "SLOTS"]);
    let ranges = items(&slots);
    assert_eq!(ranges.len(), 1, "{slots:?}");
    let range = items(&ranges[0]);
    assert_eq!(range[0], Frame::Integer(0));
    assert_eq!(range[1], Frame::Integer(16383));
    assert_eq!(range.len(), 5, "{slots:?}");
    let first = items(&range[2]);
    assert_eq!(text(&first[0]), "127.0.0.1");
    assert_eq!(first[1], Frame::Integer(g.port(l).into()));
    assert_eq!(text(&first[2]), leader_id);

    let shards = g.cmd(f, &["CLUSTER", "SHARDS"]);
    assert_eq!(items(&shards).len(), 1, "{shards:?}");
    let shard = items(&items(&shards)[0]);
    assert_eq!(text(&shard[0]), "slots");
    assert_eq!(
        shard[1],
        Frame::Array(vec![Frame::Integer(0), Frame::Integer(16383)])
    );
    assert_eq!(items(&shard[3]).len(), 3, "{shards:?}");

    // Keys and slots.
    assert_eq!(
        g.cmd(f, &["CLUSTER", "KEYSLOT", "foo"]),
        Frame::Integer(12182)
    );
    let mut c = g.raw(l);
    assert_raw(c.cmd_str(&["SET", "{t}a", "1"]), OK);
    assert_raw(c.cmd_str(&["SET", "{t}b", "2"]), OK);
    let Frame::Integer(slot) = c.cmd_frame(&["CLUSTER", "KEYSLOT", "{t}"]) else {
        panic!("KEYSLOT");
    };
    let slot = slot.to_string();
    eventually("the follower counts both keys in their slot", || {
        (g.cmd(f, &["CLUSTER", "COUNTKEYSINSLOT", &slot]) == Frame::Integer(2)).then_some(())
    });
    let keys = g.cmd(f, &["CLUSTER", "GETKEYSINSLOT", &slot, "10"]);
    assert_eq!(
        redraft_tests::sorted_bulks(&keys),
        vec![b"{t}a".to_vec(), b"{t}b".to_vec()]
    );
    assert_eq!(
        items(&g.cmd(f, &["CLUSTER", "GETKEYSINSLOT", &slot, "1"])).len(),
        1
    );
    assert_raw(
        c.cmd_str(&["CLUSTER", "COUNTKEYSINSLOT", "16384"]),
        err("ERR Invalid slot"),
    );
    assert_raw(
        c.cmd_str(&["CLUSTER", "GETKEYSINSLOT", "1", "-1"]),
        err("ERR Invalid slot or number of keys"),
    );
    assert_raw(
        c.cmd_str(&["CLUSTER", "NOSUCH"]),
        err("ERR unknown subcommand 'NOSUCH'. Try CLUSTER HELP."),
    );
}

#[test]
fn redis_cli_in_cluster_mode_follows_moved_from_a_follower() {
    let g = group();
    let l = g.full_leader(LEADER_TIMEOUT);
    let f = g.followers(l).next().expect("a follower");
    let cli = which("redis-cli").expect("redis-cli on PATH");
    let run = |args: &[&str]| {
        let out = Command::new(&cli)
            .args(["-c", "-h", "127.0.0.1", "-p", &g.port(f).to_string()])
            .args(args)
            .stdin(Stdio::null())
            .output()
            .expect("run redis-cli");
        String::from_utf8_lossy(&out.stdout).trim().to_string()
    };
    assert_eq!(run(&["SET", "clikey", "clivalue"]), "OK");
    assert_eq!(run(&["GET", "clikey"]), "clivalue");
    assert_eq!(g.raw(l).cmd_str(&["GET", "clikey"]), bulk("clivalue"));
}

#[test]
fn standalone_role_wait_and_cluster_commands() {
    let s = Server::start();
    let mut c = s.raw();
    let role = c.cmd_frame(&["ROLE"]);
    let parts = items(&role);
    assert_eq!(parts.len(), 3, "{role:?}");
    assert_eq!(parts[0], Frame::Bulk("master".into()));
    assert!(matches!(parts[1], Frame::Integer(_)), "{role:?}");
    assert_eq!(parts[2], Frame::Array(Vec::new()));
    let disabled = err("ERR This instance has cluster support disabled");
    for cmd in [
        &["READONLY"][..],
        &["READWRITE"],
        &["CLUSTER", "INFO"],
        &["CLUSTER", "SLOTS"],
        &["CLUSTER", "NODES"],
        &["CLUSTER", "MYID"],
        &["CLUSTER", "KEYSLOT", "foo"],
        &["CLUSTER", "FAILOVER"],
        &["CLUSTER", "HELP"],
    ] {
        assert_raw(c.cmd_str(cmd), &disabled);
    }
    assert_raw(c.cmd_str(&["WAIT", "0", "0"]), int(0));
    let started = Instant::now();
    assert_raw(c.cmd_str(&["WAIT", "1", "100"]), int(0));
    assert!(started.elapsed() >= Duration::from_millis(95));
    assert_raw(
        c.cmd_str(&["WAIT", "1"]),
        err("ERR wrong number of arguments for 'wait' command"),
    );
    let repl = text(&c.cmd_frame(&["INFO", "replication"]));
    assert_eq!(field(&repl, "role").as_deref(), Some("master"));
    assert_eq!(field(&repl, "connected_slaves").as_deref(), Some("0"));
    let cluster = text(&c.cmd_frame(&["INFO", "cluster"]));
    assert_eq!(field(&cluster, "cluster_enabled").as_deref(), Some("0"));
}

/// SIGTERM on the leader hands leadership to a follower before the process exits, so the
/// group has a new leader long before an election timeout could have produced one (the node
/// timeout here is 5 s; the hand-over takes a few heartbeats).
#[test]
fn sigterm_hands_leadership_over_before_exit() {
    let mut g = LocalCluster::start(
        3,
        Options {
            proxies: false,
            node_timeout_ms: 5000,
            ..Options::default()
        },
    );
    let old = g.full_leader(LEADER_TIMEOUT);
    assert_raw(g.raw(old).cmd_str(&["SET", "k", "v"]), OK);
    let pid = g.pid(old).expect("leader runs") as libc::pid_t;
    let sent = Instant::now();
    // SAFETY: kill(2) with a pid this test spawned and still owns.
    assert_eq!(unsafe { libc::kill(pid, libc::SIGTERM) }, 0);
    let new = eventually("a new leader", || {
        (0..3)
            .filter(|&i| i != old)
            .find(|&i| matches!(g.cmd(i, &["ROLE"]), Frame::Array(a) if matches!(a.first(), Some(Frame::Bulk(b)) if &b[..] == b"master")))
    });
    let took = sent.elapsed();
    assert!(
        took < Duration::from_millis(2500),
        "leadership moved after {took:?}, later than a hand-over takes (timeout 5 s)"
    );
    assert_raw(g.raw(new).cmd_str(&["GET", "k"]), bulk("v"));
    // The old leader exits on its own after handing over.
    eventually("the old leader to exit", || g.crashed(old).map(|_| ()));
}
