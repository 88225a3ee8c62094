//! Membership at runtime: a node started with `--cluster-join yes` is added as a learner, catches
//! up, becomes a voter; `CLUSTER FORGET` removes it again. Both are Raft conf changes.

use std::time::{Duration, Instant};

use redraft_protocol::Frame;
use redraft_tests::cluster::{LocalCluster, Options};
use redraft_tests::{RawClient, Server};

fn text(f: &Frame) -> String {
    match f {
        Frame::Simple(b) | Frame::Bulk(b) => String::from_utf8_lossy(b).into_owned(),
        Frame::Error(e) => format!("-{}", String::from_utf8_lossy(e)),
        other => format!("{other:?}"),
    }
}

fn voters(port: u16) -> Vec<u64> {
    let info = text(&RawClient::connect(port).cmd_frame(&["INFO", "raft"]));
    info.lines()
        .find_map(|l| l.strip_prefix("raft_voters:"))
        .map(|v| {
            v.trim()
                .split(',')
                .filter_map(|id| id.parse().ok())
                .collect()
        })
        .unwrap_or_default()
}

fn wait_for(what: &str, limit: Duration, mut f: impl FnMut() -> bool) {
    let deadline = Instant::now() + limit;
    while !f() {
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(50));
    }
}

#[test]
fn a_node_joins_as_learner_becomes_voter_and_is_forgotten() {
    let cluster = LocalCluster::start(
        3,
        Options {
            proxies: false,
            ..Options::default()
        },
    );
    let leader = cluster.leader(Duration::from_secs(10));
    let leader_port = cluster.port(leader);
    let mut c = RawClient::connect(leader_port);
    for i in 0..100 {
        let reply = c.cmd_frame(&["SET", &format!("k{i}"), &format!("v{i}")]);
        assert_eq!(text(&reply), "OK");
    }
    let seeds = cluster
        .ports()
        .iter()
        .map(|p| format!("127.0.0.1:{p}"))
        .collect::<Vec<_>>()
        .join(",");
    // Not listed in the seeds: it takes the next id, 4.
    let joiner = Server::start_with(&[
        "--cluster-enabled",
        "yes",
        "--cluster-seeds",
        &seeds,
        "--cluster-join",
        "yes",
    ]);
    wait_for("node 4 to become a voter", Duration::from_secs(15), || {
        voters(leader_port).contains(&4)
    });
    // It has the log from before it joined.
    let mut j = joiner.raw();
    assert_eq!(text(&j.cmd_frame(&["READONLY"])), "OK");
    wait_for("node 4 to apply the log", Duration::from_secs(10), || {
        text(&j.cmd_frame(&["GET", "k99"])) == "v99"
    });
    // Without READONLY it redirects to the leader like any replica.
    let moved = text(&joiner.raw().cmd_frame(&["GET", "k1"]));
    assert!(
        moved.starts_with("-MOVED") && moved.ends_with(&format!(":{leader_port}")),
        "{moved}"
    );
    // The leader knows its address (CLUSTER NODES lists it).
    let nodes = text(&c.cmd_frame(&["CLUSTER", "NODES"]));
    assert!(
        nodes.contains(&format!("127.0.0.1:{}@", joiner.port())),
        "{nodes}"
    );

    // Removal: on a follower it is refused, on the leader it is a conf change.
    let name = format!("{:040x}", 4);
    let follower = (0..3).find(|&i| i != leader).unwrap_or(0);
    let refused =
        text(&RawClient::connect(cluster.port(follower)).cmd_frame(&["CLUSTER", "FORGET", &name]));
    assert!(
        refused.starts_with("-ERR membership changes go through the leader"),
        "{refused}"
    );
    assert_eq!(text(&c.cmd_frame(&["CLUSTER", "FORGET", &name])), "OK");
    wait_for("node 4 to leave", Duration::from_secs(10), || {
        !voters(leader_port).contains(&4)
    });
    assert_eq!(voters(leader_port).len(), 3);
    // The group carries on without it, and it no longer receives the log.
    assert_eq!(text(&c.cmd_frame(&["SET", "after", "1"])), "OK");
    std::thread::sleep(Duration::from_millis(500));
    assert_eq!(j.cmd_frame(&["GET", "after"]), Frame::Null);
}
