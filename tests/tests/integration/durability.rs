//! Durability of a standalone server (a Raft group of one): with `appendonly yes` a kill -9 loses
//! no acknowledged write, a torn log tail is cut with a log line and never applied, and snapshots
//! plus log recover the keyspace; with `appendonly no` a restart starts empty.
//!
//! The crash tests also pass against redis-server with the same flags; the file-level ones
//! (torn tail, snapshots) are about redraft's on-disk layout and run only against redraft.

use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};

use redraft_protocol::Frame;
use redraft_tests::{RawClient, Server};

use crate::{assert_raw, bulk, NIL, OK};

fn is_redraft(s: &Server) -> bool {
    s.bin()
        .file_name()
        .is_some_and(|n| n.to_string_lossy().starts_with("redraft"))
}

fn info_persistence(c: &mut RawClient) -> String {
    match c.cmd_frame(&["INFO", "persistence"]) {
        Frame::Bulk(b) => String::from_utf8_lossy(&b).into_owned(),
        other => panic!("INFO: {other:?}"),
    }
}

fn dbsize(c: &mut RawClient) -> i64 {
    match c.cmd_frame(&["DBSIZE"]) {
        Frame::Integer(n) => n,
        other => panic!("DBSIZE: {other:?}"),
    }
}

#[test]
fn acknowledged_writes_survive_kill_9_with_appendonly() {
    let mut s = Server::start_with(&["--appendonly", "yes", "--appendfsync", "always"]);
    {
        let mut c = s.raw();
        for i in 0..500 {
            assert_raw(c.cmd_str(&["SET", &format!("k{i}"), &format!("v{i}")]), OK);
        }
        assert_raw(c.cmd_str(&["INCRBY", "n", "41"]), b":41\r\n");
        assert_raw(c.cmd_str(&["INCR", "n"]), b":42\r\n");
        assert_raw(c.cmd_str(&["SET", "ttl", "x", "EX", "1000"]), OK);
        assert_raw(c.cmd_str(&["DEL", "k7"]), b":1\r\n");
    }
    s.crash_and_restart();
    let mut c = s.raw();
    assert_eq!(dbsize(&mut c), 501);
    assert_raw(c.cmd_str(&["GET", "k499"]), bulk("v499"));
    assert_raw(c.cmd_str(&["GET", "k7"]), NIL);
    assert_raw(c.cmd_str(&["GET", "n"]), bulk("42"));
    match c.cmd_frame(&["TTL", "ttl"]) {
        Frame::Integer(t) => assert!((990..=1000).contains(&t), "TTL {t}"),
        other => panic!("TTL: {other:?}"),
    }
    // And it keeps accepting writes after recovery.
    assert_raw(c.cmd_str(&["SET", "after", "1"]), OK);
    let info = info_persistence(&mut c);
    assert!(info.contains("aof_enabled:1"), "{info}");
}

#[test]
fn appendonly_no_restarts_empty() {
    let mut s = Server::start();
    s.raw().cmd_str(&["SET", "k", "v"]);
    s.crash_and_restart();
    assert_eq!(dbsize(&mut s.raw()), 0);
}

fn segments(dir: &Path) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = fs::read_dir(dir.join("raft/log"))
        .map(|d| d.filter_map(|e| e.ok().map(|e| e.path())).collect())
        .unwrap_or_default();
    files.retain(|p| p.extension().is_some_and(|e| e == "log"));
    files.sort();
    files
}

#[test]
fn a_torn_log_tail_is_cut_and_never_applied() {
    let mut s = Server::start_with(&["--appendonly", "yes", "--appendfsync", "always"]);
    if !is_redraft(&s) {
        return;
    }
    for i in 0..50 {
        assert_raw(s.raw().cmd_str(&["SET", &format!("k{i}"), "v"]), OK);
    }
    let last = segments(s.dir()).pop().expect("a log segment");
    // A crash in the middle of writing a record: half a header and some junk.
    fs::OpenOptions::new()
        .append(true)
        .open(&last)
        .expect("open segment")
        .write_all(&[0x30, 0, 0, 0, 0xde, 0xad])
        .expect("append junk");
    s.crash_and_restart();
    let mut c = s.raw();
    assert_eq!(dbsize(&mut c), 50, "every acknowledged write is back");
    assert_raw(c.cmd_str(&["SET", "after", "1"]), OK);
    let log = s.log_text();
    assert!(
        log.contains("truncat"),
        "recovery says what it cut; log:\n{log}"
    );
}

#[test]
fn snapshots_compact_the_log_and_restart_from_snapshot_plus_log() {
    // A 1 MiB log budget: about 20k SETs of 32-byte values take several snapshots.
    let mut s = Server::start_with(&[
        "--appendonly",
        "yes",
        "--appendfsync",
        "everysec",
        "--auto-aof-rewrite-min-size",
        "1mb",
    ]);
    if !is_redraft(&s) {
        return;
    }
    let value = "x".repeat(32);
    let mut c = s.raw();
    for batch in 0..40 {
        let mut pipeline = bytes::BytesMut::new();
        for i in 0..500 {
            let key = format!("k{}", batch * 500 + i);
            let args: [&[u8]; 3] = [b"SET", key.as_bytes(), value.as_bytes()];
            redraft_protocol::encode::encode_request(&args, &mut pipeline);
        }
        c.send(&pipeline);
        for reply in c.read_replies(500) {
            assert_raw(reply, OK);
        }
    }
    let snapshot = s.dir().join("raft/snapshot");
    assert!(snapshot.exists(), "a snapshot was taken");
    // INFO's figure is refreshed once per heartbeat: allow it a moment.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(3);
    loop {
        let info = info_persistence(&mut c);
        if !info.contains("aof_rewrites:0") {
            break;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "INFO counts the snapshots: {info}"
        );
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    s.crash_and_restart();
    let mut c = s.raw();
    assert_eq!(dbsize(&mut c), 20_000);
    assert_raw(c.cmd_str(&["GET", "k19999"]), bulk(&value));
    assert_raw(c.cmd_str(&["GET", "k0"]), bulk(&value));
}
