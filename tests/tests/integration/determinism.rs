//! Replicas stay identical: after a random workload of writes that read the clock (TTLs, SET EX,
//! EXPIRE), expiry (lazy and active, only the leader deletes), counters, in-place string edits
//! and collection writes (SPOP's seeded picks, encoding conversions), every member of a 3-node group has the same keyspace, compared with DEBUG DIGEST at the
//! same applied index.

use std::time::{Duration, Instant};

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use redraft_protocol::Frame;
use redraft_tests::cluster::{LocalCluster, Options};

fn text(f: &Frame) -> String {
    match f {
        Frame::Simple(b) | Frame::Bulk(b) => String::from_utf8_lossy(b).into_owned(),
        other => panic!("not a string: {other:?}"),
    }
}

/// One random write command on a small key set, so commands collide on keys. Half are string
/// commands, half collection commands, including SPOP (a seeded random pick) and conversions
/// between compact and big encodings.
fn random_write(rng: &mut StdRng) -> Vec<String> {
    if rng.gen_bool(0.5) {
        return random_collection_write(rng);
    }
    let key = format!("k{}", rng.gen_range(0..40));
    let n = rng.gen_range(0..1000).to_string();
    let cmd: Vec<&str> = match rng.gen_range(0..12) {
        0 => vec!["SET", &key, &n],
        1 => vec!["SET", &key, &n, "PX", "150"],
        2 => vec!["SET", &key, &n, "EX", "100"],
        3 => vec!["INCRBY", &key, "7"],
        4 => vec!["INCRBYFLOAT", &key, "1.5"],
        5 => vec!["APPEND", &key, "xy"],
        6 => vec!["SETRANGE", &key, "3", "zz"],
        7 => vec!["PEXPIRE", &key, "120"],
        8 => vec!["DEL", &key],
        9 => vec!["GETDEL", &key],
        10 => vec!["GETEX", &key, "PX", "90"],
        _ => vec!["PERSIST", &key],
    };
    cmd.into_iter().map(str::to_string).collect()
}

/// A write to a hash (`h*`), list (`l*`), set (`s*`) or several of them at once.
fn random_collection_write(rng: &mut StdRng) -> Vec<String> {
    let n = rng.gen_range(0..300).to_string();
    let m = rng.gen_range(0..300).to_string();
    let (h, l, s, s2) = (
        format!("h{}", rng.gen_range(0..6)),
        format!("l{}", rng.gen_range(0..6)),
        format!("s{}", rng.gen_range(0..6)),
        format!("s{}", rng.gen_range(0..6)),
    );
    let word = format!("w{n}");
    let cmd: Vec<&str> = match rng.gen_range(0..16) {
        0 => vec!["HSET", &h, &n, &m, &word, &n],
        1 => vec!["HDEL", &h, &n, &word],
        2 => vec!["HINCRBYFLOAT", &h, &n, "0.5"],
        3 => vec!["RPUSH", &l, &n, &m],
        4 => vec!["LPOP", &l],
        5 => vec!["LMOVE", &l, "l0", "LEFT", "RIGHT"],
        6 => vec!["LTRIM", &l, "1", "-2"],
        7 => vec!["LREM", &l, "0", &n],
        8 | 9 => vec!["SADD", &s, &n, &m],
        10 => vec!["SADD", &s, &word],
        11 => vec!["SPOP", &s],
        12 => vec!["SPOP", &s, "3"],
        13 => vec!["SREM", &s, &n],
        14 => vec!["SINTERSTORE", &s, &s, &s2],
        _ => vec!["SORT", &l, "ALPHA", "STORE", "l5"],
    };
    cmd.into_iter().map(str::to_string).collect()
}

fn applied_index(cluster: &LocalCluster, i: usize) -> Option<u64> {
    let mut c = cluster.conn(i, Duration::from_secs(2)).ok()?;
    let info = text(&c.call_str(&["INFO", "raft"]).ok()?);
    info.lines()
        .find_map(|l| l.strip_prefix("raft_applied_index:"))
        .and_then(|v| v.trim().parse().ok())
}

fn digest(cluster: &LocalCluster, i: usize) -> Option<String> {
    let mut c = cluster.conn(i, Duration::from_secs(2)).ok()?;
    Some(text(&c.call_str(&["DEBUG", "DIGEST"]).ok()?))
}

#[test]
fn members_hold_identical_keyspaces_after_a_random_workload() {
    let cluster = LocalCluster::start(
        3,
        Options {
            proxies: false,
            ..Options::default()
        },
    );
    let leader = cluster.leader(Duration::from_secs(10));
    let seed: u64 = rand::random();
    eprintln!("determinism: seed {seed}");
    let mut rng = StdRng::seed_from_u64(seed);
    let mut conn = cluster
        .conn(leader, Duration::from_secs(5))
        .expect("leader");
    // Small thresholds on the leader only: the proposals carry them, so every member converts
    // encodings at the same moment (and SPOP's position-based picks agree).
    for (name, value) in [
        ("set-max-intset-entries", "16"),
        ("hash-max-listpack-entries", "16"),
    ] {
        conn.call_str(&["CONFIG", "SET", name, value])
            .expect("CONFIG SET");
    }
    for round in 0..60 {
        // Pipelines of writes interleaved with reads that meet expired keys (lazy expiry).
        let batch: Vec<Vec<String>> = (0..20).map(|_| random_write(&mut rng)).collect();
        for cmd in &batch {
            let args: Vec<&[u8]> = cmd.iter().map(|s| s.as_bytes()).collect();
            conn.send(&args).expect("send");
        }
        for cmd in &batch {
            let reply = conn.recv().expect("reply");
            if let Frame::Error(e) = &reply {
                let e = String::from_utf8_lossy(e);
                // Type and range errors are part of the workload (INCRBY on "xy…"); a
                // replication error is not.
                assert!(
                    e.starts_with("ERR value is not")
                        || e.starts_with("ERR hash value is not")
                        || e.starts_with("WRONGTYPE")
                        || e.starts_with("ERR One or more scores")
                        || e.starts_with("ERR increment")
                        || e.starts_with("ERR string exceeds"),
                    "{cmd:?} -> {e}"
                );
            }
        }
        let key = format!("k{}", rng.gen_range(0..40));
        conn.call_str(&["GET", &key]).expect("GET");
        if round % 10 == 0 {
            // Let short TTLs pass, so active expiry (the leader's proposals) has work.
            std::thread::sleep(Duration::from_millis(100));
        }
    }
    // Wait until the TTLs of the workload are over and every member has applied the same
    // index with the same digest (read twice to be sure nothing moved in between).
    std::thread::sleep(Duration::from_millis(300));
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let before: Vec<Option<u64>> = (0..3).map(|i| applied_index(&cluster, i)).collect();
        let digests: Vec<Option<String>> = (0..3).map(|i| digest(&cluster, i)).collect();
        let after: Vec<Option<u64>> = (0..3).map(|i| applied_index(&cluster, i)).collect();
        let stable = before == after && before.iter().all(|a| a.is_some() && *a == before[0]);
        if stable {
            assert!(
                digests.iter().all(|d| d.is_some() && *d == digests[0]),
                "same applied index {:?}, different keyspaces: {digests:?}",
                before[0]
            );
            let d = digests[0].clone().unwrap_or_default();
            assert_ne!(d, "0".repeat(40), "the workload left keys");
            eprintln!("determinism: index {:?}, digest {d}", before[0]);
            return;
        }
        assert!(
            Instant::now() < deadline,
            "members never settled on one applied index: {before:?} {after:?}"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
}
