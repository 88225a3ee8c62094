//! Generic keyspace commands: DEL UNLINK EXISTS TYPE RENAME RENAMENX COPY MOVE EXPIRE family
//! PERSIST TOUCH KEYS SCAN RANDOMKEY SWAPDB DUMP RESTORE SORT.

use std::collections::BTreeSet;

use redraft_protocol::Frame;
use redraft_tests::{sorted_bulks, Server};

use crate::{assert_raw, bulk, err, int, NIL, OK};

fn strs(items: &[&str]) -> Vec<Vec<u8>> {
    let mut v: Vec<Vec<u8>> = items.iter().map(|s| s.as_bytes().to_vec()).collect();
    v.sort();
    v
}

#[test]
fn del_unlink_exists_type() {
    let s = Server::start();
    let mut c = s.raw();
    assert_raw(c.cmd_str(&["MSET", "a", "1", "b", "2", "c", "3"]), OK);
    assert_raw(c.cmd_str(&["DEL", "a", "a", "b", "x"]), int(2));
    assert_raw(c.cmd_str(&["EXISTS", "c", "c", "x"]), int(2));
    assert_raw(c.cmd_str(&["EXISTS", "a"]), int(0));
    assert_raw(c.cmd_str(&["TYPE", "c"]), b"+string\r\n");
    assert_raw(c.cmd_str(&["UNLINK", "c", "zz"]), int(1));
    assert_raw(c.cmd_str(&["TYPE", "c"]), b"+none\r\n");
    assert_raw(
        c.cmd_str(&["DEL"]),
        err("ERR wrong number of arguments for 'del' command"),
    );
    assert_raw(
        c.cmd_str(&["EXISTS"]),
        err("ERR wrong number of arguments for 'exists' command"),
    );
}

#[test]
fn rename_and_renamenx() {
    let s = Server::start();
    let mut c = s.raw();
    assert_raw(c.cmd_str(&["SET", "a", "1", "EX", "100"]), OK);
    assert_raw(c.cmd_str(&["RENAME", "a", "b"]), OK);
    assert_raw(c.cmd_str(&["GET", "a"]), NIL);
    assert_raw(c.cmd_str(&["GET", "b"]), bulk("1"));
    assert_raw(c.cmd_str(&["TTL", "b"]), int(100));
    assert_raw(c.cmd_str(&["RENAME", "x", "y"]), err("ERR no such key"));
    assert_raw(c.cmd_str(&["RENAMENX", "x", "y"]), err("ERR no such key"));
    assert_raw(c.cmd_str(&["RENAME", "b", "b"]), OK);
    assert_raw(c.cmd_str(&["RENAMENX", "b", "b"]), int(0));
    assert_raw(c.cmd_str(&["SET", "c", "3"]), OK);
    assert_raw(c.cmd_str(&["RENAMENX", "b", "c"]), int(0));
    assert_raw(c.cmd_str(&["RENAMENX", "b", "d"]), int(1));
    assert_raw(c.cmd_str(&["RENAME", "d", "c"]), OK);
    assert_raw(c.cmd_str(&["GET", "c"]), bulk("1"));
    assert_raw(c.cmd_str(&["TTL", "c"]), int(100));
}

#[test]
fn copy_and_move() {
    let s = Server::start();
    let mut c = s.raw();
    assert_raw(c.cmd_str(&["SET", "b", "2"]), OK);
    assert_raw(c.cmd_str(&["SET", "c", "3"]), OK);
    assert_raw(c.cmd_str(&["COPY", "b", "c"]), int(0));
    assert_raw(c.cmd_str(&["COPY", "b", "c", "REPLACE"]), int(1));
    assert_raw(c.cmd_str(&["GET", "c"]), bulk("2"));
    assert_raw(
        c.cmd_str(&["COPY", "b", "b"]),
        err("ERR source and destination objects are the same"),
    );
    assert_raw(c.cmd_str(&["COPY", "b", "d", "DB", "3"]), int(1));
    assert_raw(
        c.cmd_str(&["COPY", "b", "d", "DB", "16"]),
        err("ERR DB index is out of range"),
    );
    assert_raw(
        c.cmd_str(&["COPY", "b", "d", "DB", "x"]),
        err("ERR value is not an integer or out of range"),
    );
    assert_raw(
        c.cmd_str(&["COPY", "b", "d", "FOO"]),
        err("ERR syntax error"),
    );
    assert_raw(c.cmd_str(&["COPY", "x", "y"]), int(0));
    assert_raw(c.cmd_str(&["MOVE", "b", "3"]), int(1));
    assert_raw(c.cmd_str(&["EXISTS", "b"]), int(0));
    assert_raw(
        c.cmd_str(&["MOVE", "c", "0"]),
        err("ERR source and destination objects are the same"),
    );
    assert_raw(
        c.cmd_str(&["MOVE", "c", "16"]),
        err("ERR DB index is out of range"),
    );
    assert_raw(c.cmd_str(&["MOVE", "nope", "3"]), int(0));
    assert_raw(c.cmd_str(&["SET", "d", "mine"]), OK);
    // Target exists in db 3: MOVE does nothing.
    assert_raw(c.cmd_str(&["MOVE", "d", "3"]), int(0));
    assert_raw(c.cmd_str(&["SELECT", "3"]), OK);
    assert_eq!(
        sorted_bulks(&c.cmd_frame(&["KEYS", "*"])),
        strs(&["b", "d"])
    );
    assert_raw(c.cmd_str(&["GET", "d"]), bulk("2"));
}

#[test]
fn expire_flags_persist_touch() {
    let s = Server::start();
    let mut c = s.raw();
    assert_raw(c.cmd_str(&["SET", "a", "1"]), OK);
    assert_raw(c.cmd_str(&["EXPIRE", "a", "10", "GT"]), int(0));
    assert_raw(c.cmd_str(&["EXPIRE", "a", "100", "NX"]), int(1));
    assert_raw(c.cmd_str(&["EXPIRE", "a", "200", "NX"]), int(0));
    assert_raw(c.cmd_str(&["EXPIRE", "a", "50", "GT"]), int(0));
    assert_raw(c.cmd_str(&["EXPIRE", "a", "500", "GT"]), int(1));
    assert_raw(c.cmd_str(&["EXPIRE", "a", "600", "LT"]), int(0));
    assert_raw(c.cmd_str(&["EXPIRE", "a", "10", "LT"]), int(1));
    assert_raw(c.cmd_str(&["EXPIRE", "a", "20", "XX"]), int(1));
    assert_raw(c.cmd_str(&["TTL", "a"]), int(20));
    assert_raw(
        c.cmd_str(&["EXPIRE", "a", "10", "NX", "XX"]),
        err("ERR NX and XX, GT or LT options at the same time are not compatible"),
    );
    assert_raw(
        c.cmd_str(&["EXPIRE", "a", "10", "GT", "LT"]),
        err("ERR GT and LT options at the same time are not compatible"),
    );
    assert_raw(
        c.cmd_str(&["EXPIRE", "a", "10", "FOO"]),
        err("ERR Unsupported option FOO"),
    );
    assert_raw(
        c.cmd_str(&["EXPIRE", "a", "9223372036854775807"]),
        err("ERR invalid expire time in 'expire' command"),
    );
    assert_raw(
        c.cmd_str(&["PEXPIRE", "a", "9223372036854775807"]),
        err("ERR invalid expire time in 'pexpire' command"),
    );
    assert_raw(
        c.cmd_str(&["EXPIREAT", "a", "9223372036854775807"]),
        err("ERR invalid expire time in 'expireat' command"),
    );
    assert_raw(
        c.cmd_str(&["EXPIRE", "a", "abc"]),
        err("ERR value is not an integer or out of range"),
    );
    assert_raw(c.cmd_str(&["EXPIRE", "x", "10"]), int(0));
    assert_raw(c.cmd_str(&["PERSIST", "a"]), int(1));
    assert_raw(c.cmd_str(&["PERSIST", "a"]), int(0));
    assert_raw(c.cmd_str(&["PERSIST", "x"]), int(0));
    assert_raw(c.cmd_str(&["TTL", "a"]), int(-1));
    // A persistent key counts as infinite TTL: LT applies.
    assert_raw(c.cmd_str(&["EXPIRE", "a", "10", "LT"]), int(1));
    assert_raw(c.cmd_str(&["EXPIREAT", "a", "4000000000"]), int(1));
    assert_raw(c.cmd_str(&["EXPIRETIME", "a"]), int(4_000_000_000));
    assert_raw(c.cmd_str(&["PEXPIREAT", "a", "4000000000555"]), int(1));
    assert_raw(c.cmd_str(&["PEXPIRETIME", "a"]), int(4_000_000_000_555));
    // EXPIRETIME rounds to the nearest second.
    assert_raw(c.cmd_str(&["EXPIRETIME", "a"]), int(4_000_000_001));
    assert_raw(c.cmd_str(&["PEXPIREAT", "a", "4000000000499"]), int(1));
    assert_raw(c.cmd_str(&["EXPIRETIME", "a"]), int(4_000_000_000));
    assert_raw(c.cmd_str(&["EXPIRETIME", "zz"]), int(-2));
    // Negative or past times delete.
    assert_raw(c.cmd_str(&["EXPIRE", "a", "-1"]), int(1));
    assert_raw(c.cmd_str(&["EXISTS", "a"]), int(0));
    assert_raw(c.cmd_str(&["SET", "a", "1"]), OK);
    assert_raw(c.cmd_str(&["PEXPIREAT", "a", "1"]), int(1));
    assert_raw(c.cmd_str(&["GET", "a"]), NIL);
    assert_raw(c.cmd_str(&["SET", "b", "1"]), OK);
    assert_raw(c.cmd_str(&["EXPIRETIME", "b"]), int(-1));
    assert_raw(c.cmd_str(&["TOUCH", "b", "a", "b", "c"]), int(2));
}

#[test]
fn keys_patterns() {
    let s = Server::start();
    let mut c = s.raw();
    assert_raw(
        c.cmd_str(&[
            "MSET", "user:1", "a", "user:2", "b", "user:10", "c", "u", "1", "other", "1", "a*b",
            "x",
        ]),
        OK,
    );
    assert_eq!(
        sorted_bulks(&c.cmd_frame(&["KEYS", "user:?"])),
        strs(&["user:1", "user:2"])
    );
    assert_eq!(
        sorted_bulks(&c.cmd_frame(&["KEYS", "user:*"])),
        strs(&["user:1", "user:2", "user:10"])
    );
    assert_eq!(
        sorted_bulks(&c.cmd_frame(&["KEYS", "[uo]*"])),
        strs(&["user:1", "user:2", "user:10", "u", "other"])
    );
    assert_eq!(
        sorted_bulks(&c.cmd_frame(&["KEYS", "[^u]*"])),
        strs(&["other", "a*b"])
    );
    assert_eq!(
        sorted_bulks(&c.cmd_frame(&["KEYS", "a\\*b"])),
        strs(&["a*b"])
    );
    assert_eq!(sorted_bulks(&c.cmd_frame(&["KEYS", "nomatch*"])), strs(&[]));
    assert_eq!(sorted_bulks(&c.cmd_frame(&["KEYS", "*"])).len(), 6);
}

/// Collects every key SCAN returns for `extra` options, checking the reply shape on the way.
fn scan_all(c: &mut redraft_tests::RawClient, extra: &[&str]) -> BTreeSet<Vec<u8>> {
    let mut cursor = "0".to_string();
    let mut seen = BTreeSet::new();
    for _ in 0..10_000 {
        let mut args = vec!["SCAN", &cursor];
        args.extend_from_slice(extra);
        let frame = c.cmd_frame(&args);
        let Frame::Array(parts) = &frame else {
            panic!("SCAN reply: {frame:?}")
        };
        assert_eq!(parts.len(), 2, "SCAN reply: {frame:?}");
        let Frame::Bulk(next) = &parts[0] else {
            panic!("SCAN cursor: {frame:?}")
        };
        seen.extend(sorted_bulks(&parts[1]));
        cursor = String::from_utf8(next.to_vec()).expect("cursor");
        if cursor == "0" {
            return seen;
        }
    }
    panic!("SCAN did not terminate");
}

#[test]
fn scan_and_randomkey() {
    let s = Server::start();
    let mut c = s.raw();
    assert_raw(c.cmd_str(&["RANDOMKEY"]), NIL);
    for i in 0..500 {
        let k = format!("key:{i}");
        assert_raw(c.cmd_str(&["SET", &k, "v"]), OK);
    }
    assert_raw(c.cmd_str(&["SET", "other", "v"]), OK);
    let all = scan_all(&mut c, &["COUNT", "37"]);
    assert_eq!(all.len(), 501);
    let keys = scan_all(&mut c, &["MATCH", "key:1*"]);
    let want: BTreeSet<Vec<u8>> = (0..500)
        .map(|i| format!("key:{i}"))
        .filter(|k| k.starts_with("key:1"))
        .map(String::into_bytes)
        .collect();
    assert_eq!(keys, want);
    let typed = scan_all(&mut c, &["TYPE", "string", "MATCH", "other"]);
    assert_eq!(typed, [b"other".to_vec()].into_iter().collect());
    assert_eq!(scan_all(&mut c, &["TYPE", "list"]).len(), 0);
    assert_raw(c.cmd_str(&["SCAN", "x"]), err("ERR invalid cursor"));
    assert_raw(
        c.cmd_str(&["SCAN", "0", "COUNT", "0"]),
        err("ERR syntax error"),
    );

    let frame = c.cmd_frame(&["RANDOMKEY"]);
    let Frame::Bulk(k) = &frame else {
        panic!("RANDOMKEY: {frame:?}")
    };
    assert!(
        all.contains(&k.to_vec()),
        "RANDOMKEY returned a missing key"
    );
}

#[test]
fn swapdb() {
    let s = Server::start();
    let mut c = s.raw();
    let mut other = s.raw();
    assert_raw(c.cmd_str(&["MSET", "a", "0", "b", "0"]), OK);
    assert_raw(other.cmd_str(&["SELECT", "1"]), OK);
    assert_raw(other.cmd_str(&["SET", "z", "1"]), OK);
    assert_raw(c.cmd_str(&["SWAPDB", "0", "1"]), OK);
    // Connections stay on their db index and see the swapped data.
    assert_raw(c.cmd_str(&["DBSIZE"]), int(1));
    assert_raw(c.cmd_str(&["GET", "z"]), bulk("1"));
    assert_raw(other.cmd_str(&["DBSIZE"]), int(2));
    assert_raw(
        c.cmd_str(&["SWAPDB", "0", "16"]),
        err("ERR DB index is out of range"),
    );
    assert_raw(
        c.cmd_str(&["SWAPDB", "0", "x"]),
        err("ERR invalid second DB index"),
    );
    assert_raw(
        c.cmd_str(&["SWAPDB", "x", "0"]),
        err("ERR invalid first DB index"),
    );
    assert_raw(c.cmd_str(&["SWAPDB", "1", "1"]), OK);
    assert_raw(other.cmd_str(&["DBSIZE"]), int(2));
}

/// SORT and SORT_RO against redis-server: the same lists, sets, weights and hash fields, the
/// same option combinations, replies compared byte for byte.
#[test]
fn sort_matches_redis() {
    let ours = Server::start();
    let oracle = redraft_tests::RedisOracle::start();
    let setup: &[&[&str]] = &[
        &["RPUSH", "nums", "3", "10", "1", "2.5", "-4", "10"],
        &["RPUSH", "words", "pear", "apple", "fig", "Apple", "10"],
        &["SADD", "ints", "5", "3", "9", "1"],
        &["SADD", "tags", "b", "a", "c"],
        &[
            "MSET", "w_3", "30", "w_10", "5", "w_1", "20", "w_2.5", "1", "w_-4", "7",
        ],
        &["HSET", "h_3", "f", "z", "g", "3"],
        &["HSET", "h_1", "f", "a"],
        &["HSET", "h_10", "f", "m", "g", "10"],
        &["SET", "str", "x"],
        &["ZADD", "z", "3", "c", "1", "a", "2", "b"],
    ];
    let queries: &[&[&str]] = &[
        &["SORT", "nums"],
        &["SORT", "nums", "DESC"],
        &["SORT", "nums", "LIMIT", "1", "3"],
        &["SORT", "nums", "LIMIT", "-1", "2"],
        &["SORT", "nums", "LIMIT", "2", "-1"],
        &["SORT", "words"],
        &["SORT", "words", "ALPHA"],
        &["SORT", "words", "ALPHA", "DESC", "LIMIT", "0", "2"],
        &["SORT", "ints"],
        &["SORT", "tags", "ALPHA"],
        &["SORT", "nums", "BY", "w_*"],
        &["SORT", "nums", "BY", "w_*", "GET", "#", "GET", "w_*"],
        &["SORT", "nums", "BY", "h_*->f", "ALPHA", "GET", "h_*->g"],
        &["SORT", "nums", "BY", "nosort"],
        &[
            "SORT",
            "nums",
            "BY",
            "nosort",
            "GET",
            "h_*->f",
            "GET",
            "missing_*",
        ],
        &["SORT", "tags", "BY", "nosort", "ALPHA", "STORE", "dst"],
        &["LRANGE", "dst", "0", "-1"],
        &["SORT", "nums", "STORE", "dst"],
        &["LRANGE", "dst", "0", "-1"],
        &["SORT", "missing", "STORE", "dst"],
        &["EXISTS", "dst"],
        &["SORT_RO", "nums", "DESC"],
        &["SORT_RO", "nums", "STORE", "dst"],
        &["SORT", "str"],
        &["SORT", "nums", "LIMIT", "x", "1"],
        &["SORT", "nums", "FOO"],
        &["SORT", "nums", "ALPHA", "BY", "w_*"],
        &["SORT", "z", "ALPHA"],
        &["SORT", "z", "BY", "nosort"],
        &["SORT", "z", "BY", "nosort", "DESC", "LIMIT", "0", "2"],
    ];
    let (mut a, mut b) = (ours.raw(), oracle.raw());
    for cmd in setup.iter().chain(queries) {
        let (x, y) = (a.cmd_str(cmd), b.cmd_str(cmd));
        assert_eq!(
            redraft_tests::escape(&x),
            redraft_tests::escape(&y),
            "{cmd:?}"
        );
    }
}

#[test]
fn dump_and_restore_move_values_between_servers() {
    let from = Server::start();
    let to = Server::start();
    let (mut a, mut b) = (from.raw(), to.raw());
    assert_raw(a.cmd_str(&["RPUSH", "l", "a", "b"]), int(2));
    assert_raw(a.cmd_str(&["HSET", "h", "f", "v"]), int(1));
    assert_raw(a.cmd_str(&["SADD", "s", "1", "x"]), int(2));
    assert_raw(a.cmd_str(&["SET", "k", "value"]), OK);
    for key in ["l", "h", "s", "k"] {
        let Frame::Bulk(payload) = a.cmd_frame(&["DUMP", key]) else {
            panic!("DUMP {key} is a bulk string");
        };
        assert_raw(b.cmd(&[b"RESTORE", key.as_bytes(), b"0", &payload]), OK);
        assert_raw(
            b.cmd(&[b"RESTORE", key.as_bytes(), b"0", &payload]),
            err("BUSYKEY Target key name already exists."),
        );
        assert_raw(
            b.cmd(&[b"RESTORE", key.as_bytes(), b"0", &payload, b"REPLACE"]),
            OK,
        );
        let mut bad = payload.to_vec();
        let mid = bad.len() / 2;
        bad[mid] ^= 0x01;
        assert_raw(
            b.cmd(&[b"RESTORE", b"bad", b"0", &bad]),
            err("ERR DUMP payload version or checksum are wrong"),
        );
    }
    assert_raw(
        b.cmd_str(&["LRANGE", "l", "0", "-1"]),
        crate::bulks(&["a", "b"]),
    );
    assert_raw(b.cmd_str(&["HGET", "h", "f"]), bulk("v"));
    assert_raw(b.cmd_str(&["OBJECT", "ENCODING", "s"]), bulk("hashtable"));
    assert_raw(b.cmd_str(&["GET", "k"]), bulk("value"));
    assert_raw(a.cmd_str(&["DUMP", "missing"]), NIL);
    // A TTL in the past keeps nothing; ABSTTL takes a unix time in ms.
    let Frame::Bulk(payload) = a.cmd_frame(&["DUMP", "k"]) else {
        panic!("DUMP is a bulk string");
    };
    assert_raw(b.cmd(&[b"RESTORE", b"gone", b"1", &payload, b"ABSTTL"]), OK);
    assert_raw(b.cmd_str(&["EXISTS", "gone"]), int(0));
    assert_raw(b.cmd(&[b"RESTORE", b"ttl", b"100000", &payload]), OK);
    let Frame::Integer(ttl) = b.cmd_frame(&["PTTL", "ttl"]) else {
        panic!("PTTL is an integer");
    };
    assert!((90_000..=100_000).contains(&ttl), "{ttl}");
    // A Redis payload is not ours.
    let oracle = redraft_tests::RedisOracle::start();
    let mut r = oracle.raw();
    assert_raw(r.cmd_str(&["SET", "k", "v"]), OK);
    let Frame::Bulk(redis_payload) = r.cmd_frame(&["DUMP", "k"]) else {
        panic!("DUMP is a bulk string");
    };
    assert_raw(
        b.cmd(&[b"RESTORE", b"r", b"0", &redis_payload]),
        err("ERR DUMP payload version or checksum are wrong"),
    );
}
