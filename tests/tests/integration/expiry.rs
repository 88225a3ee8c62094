//! Expiry: TTL/PTTL ranges after SET EX/PX, lazy expiry on access, active expiry of untouched keys.

use std::time::{Duration, Instant};

use redraft_protocol::Frame;
use redraft_tests::{escape, RawClient, Server};

use crate::{assert_raw, bulk, int, NIL, OK};

fn integer(c: &mut RawClient, args: &[&str]) -> i64 {
    match c.cmd_frame(args) {
        Frame::Integer(n) => n,
        other => panic!("{args:?}: expected an integer, got {other:?}"),
    }
}

#[test]
fn ttl_and_pttl_ranges() {
    let s = Server::start();
    let mut c = s.raw();
    assert_raw(c.cmd_str(&["TTL", "missing"]), int(-2));
    assert_raw(c.cmd_str(&["PTTL", "missing"]), int(-2));
    assert_raw(c.cmd_str(&["SET", "p", "v"]), OK);
    assert_raw(c.cmd_str(&["TTL", "p"]), int(-1));
    assert_raw(c.cmd_str(&["PTTL", "p"]), int(-1));

    assert_raw(c.cmd_str(&["SET", "a", "v", "EX", "100"]), OK);
    let ttl = integer(&mut c, &["TTL", "a"]);
    assert!((99..=100).contains(&ttl), "TTL {ttl}");
    let pttl = integer(&mut c, &["PTTL", "a"]);
    assert!((99_000..=100_000).contains(&pttl), "PTTL {pttl}");

    assert_raw(c.cmd_str(&["SET", "b", "v", "PX", "5500"]), OK);
    let ttl = integer(&mut c, &["TTL", "b"]);
    // TTL rounds to the nearest second: 5.5 s left reads as 5 or 6.
    assert!((5..=6).contains(&ttl), "TTL {ttl}");
    let pttl = integer(&mut c, &["PTTL", "b"]);
    assert!((4_500..=5_500).contains(&pttl), "PTTL {pttl}");

    assert_raw(c.cmd_str(&["PEXPIRE", "p", "2000"]), int(1));
    let pttl = integer(&mut c, &["PTTL", "p"]);
    assert!((1_000..=2_000).contains(&pttl), "PTTL {pttl}");
    let now_ms = redraft_tests::unix_millis() as i64;
    let at = integer(&mut c, &["PEXPIRETIME", "p"]);
    assert!(
        (now_ms..=now_ms + 2_100).contains(&at),
        "PEXPIRETIME {at} vs now {now_ms}"
    );
}

#[test]
fn lazy_expiry_on_access() {
    let s = Server::start();
    let mut c = s.raw();
    assert_raw(c.cmd_str(&["SET", "a", "v", "PX", "50"]), OK);
    assert_raw(c.cmd_str(&["SET", "b", "v", "PX", "50"]), OK);
    assert_raw(c.cmd_str(&["SET", "c", "v", "PX", "50"]), OK);
    assert_raw(c.cmd_str(&["SET", "d", "v", "PX", "50"]), OK);
    assert_raw(c.cmd_str(&["SET", "keep", "v", "PX", "100000"]), OK);
    assert_raw(c.cmd_str(&["GET", "a"]), bulk("v"));
    std::thread::sleep(Duration::from_millis(150));
    // Every kind of access sees an expired key as absent.
    assert_raw(c.cmd_str(&["GET", "a"]), NIL);
    assert_raw(c.cmd_str(&["EXISTS", "b"]), int(0));
    assert_raw(c.cmd_str(&["TTL", "c"]), int(-2));
    assert_raw(c.cmd_str(&["APPEND", "d", "x"]), int(1));
    assert_raw(c.cmd_str(&["TTL", "d"]), int(-1));
    assert_raw(c.cmd_str(&["GET", "keep"]), bulk("v"));
}

#[test]
fn expired_keys_are_not_visible_to_keys_or_mget() {
    let s = Server::start();
    let mut c = s.raw();
    assert_raw(c.cmd_str(&["SET", "gone", "v", "PX", "30"]), OK);
    assert_raw(c.cmd_str(&["SET", "here", "v"]), OK);
    std::thread::sleep(Duration::from_millis(100));
    assert_raw(
        c.cmd_str(&["MGET", "gone", "here"]),
        crate::array(&[NIL.to_vec(), bulk("v")]),
    );
    assert_raw(c.cmd_str(&["KEYS", "*"]), crate::bulks(&["here"]));
    assert_raw(c.cmd_str(&["SETNX", "gone", "new"]), int(1));
    assert_raw(c.cmd_str(&["GET", "gone"]), bulk("new"));
    assert_raw(c.cmd_str(&["TTL", "gone"]), int(-1));
}

#[test]
fn active_expiry_removes_untouched_keys() {
    let s = Server::start();
    let mut c = s.raw();
    // 1000 short-lived keys plus 10 persistent ones, pipelined in one write.
    let mut batch = Vec::new();
    for i in 0..1000 {
        batch.extend(redraft_tests::encode_cmd(&[
            b"SET",
            format!("tmp:{i}").as_bytes(),
            b"v",
            b"PX",
            b"100",
        ]));
    }
    for i in 0..10 {
        batch.extend(redraft_tests::encode_cmd(&[
            b"SET",
            format!("keep:{i}").as_bytes(),
            b"v",
        ]));
    }
    c.send(&batch);
    for r in c.read_replies(1010) {
        assert_raw(r, OK);
    }
    // Never touch the tmp keys: only active expiry can remove them.
    let deadline = Instant::now() + Duration::from_millis(1500);
    std::thread::sleep(Duration::from_millis(1500));
    let mut dbsize = integer(&mut c, &["DBSIZE"]);
    // Allow a slow machine one more second before failing.
    while dbsize != 10 && Instant::now() < deadline + Duration::from_secs(1) {
        std::thread::sleep(Duration::from_millis(100));
        dbsize = integer(&mut c, &["DBSIZE"]);
    }
    assert_eq!(dbsize, 10, "DBSIZE after active expiry");
    let raw = c.cmd_str(&["INFO", "keyspace"]);
    let text = String::from_utf8_lossy(&raw);
    assert!(
        text.contains("\r\ndb0:keys=10,expires=0,"),
        "INFO keyspace: {}",
        escape(&raw)
    );
}

#[test]
fn expire_then_overwrite_and_rename_keep_semantics() {
    let s = Server::start();
    let mut c = s.raw();
    assert_raw(c.cmd_str(&["SET", "a", "v", "EX", "100"]), OK);
    assert_raw(c.cmd_str(&["INCR", "n"]), int(1));
    assert_raw(c.cmd_str(&["EXPIRE", "n", "100"]), int(1));
    // INCR and APPEND keep the TTL; SET and GETSET clear it.
    assert_raw(c.cmd_str(&["INCR", "n"]), int(2));
    assert!(integer(&mut c, &["TTL", "n"]) > 0);
    assert_raw(c.cmd_str(&["APPEND", "a", "w"]), int(2));
    assert!(integer(&mut c, &["TTL", "a"]) > 0);
    assert_raw(c.cmd_str(&["GETSET", "a", "z"]), bulk("vw"));
    assert_raw(c.cmd_str(&["TTL", "a"]), int(-1));
    assert_raw(c.cmd_str(&["SET", "n", "5"]), OK);
    assert_raw(c.cmd_str(&["TTL", "n"]), int(-1));
}
