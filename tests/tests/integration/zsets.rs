//! Sorted-set commands: scripted replies compared byte for byte with redis-server (RESP2 and
//! RESP3, error texts included), listpack → skiplist conversions, ZSCAN, ZRANDMEMBER, the
//! blocking pops, and a seeded random differential run of the whole family with the driver of
//! [`crate::hashes::diff`].

use std::time::{Duration, Instant};

use rand::rngs::StdRng;
use rand::seq::SliceRandom;
use rand::{Rng, SeedableRng};
use redraft_tests::{encode_cmd, escape, RawClient, RedisOracle, Server};

use crate::hashes::diff::{self, Check, Step};
use crate::{assert_raw, bulk, int};

/// Sends each command of `script` to both servers and compares the raw replies.
fn same(redis: &mut RawClient, ours: &mut RawClient, script: &[&[&str]]) {
    for args in script {
        let args: Vec<&[u8]> = args.iter().map(|a| a.as_bytes()).collect();
        let (e, a) = (redis.cmd(&args), ours.cmd(&args));
        assert!(
            e == a,
            "reply mismatch for {}\n  redis:   {}\n  redraft: {}",
            diff::show_cmd(&args.iter().map(|a| a.to_vec()).collect::<Vec<_>>()),
            escape(&e),
            escape(&a)
        );
    }
}

/// Commands whose replies are deterministic, covering every command's shapes and errors.
#[rustfmt::skip]
const SCRIPT: &[&[&str]] = &[
    &["ZADD", "z", "1", "a", "2", "b", "0.1", "c", "-0", "d", "1e20", "e", "inf", "f"],
    &["ZRANGE", "z", "0", "-1", "WITHSCORES"],
    &["ZSCORE", "z", "c"],
    &["ZSCORE", "z", "nosuch"],
    &["ZSCORE", "nokey", "a"],
    &["ZMSCORE", "z", "a", "nosuch", "f"],
    &["ZMSCORE", "nokey", "a"],
    &["ZADD", "z", "nan", "x"],
    &["ZADD", "z", "1e400", "x"],
    &["ZADD", "z", " 1", "x"],
    &["ZADD", "z", "1", "a", "2"],
    &["ZADD", "z", "foo", "1", "a"],
    &["ZADD", "z", "XX", "NX", "1", "a"],
    &["ZADD", "z", "GT", "LT", "1", "a"],
    &["ZADD", "z", "NX", "GT", "1", "a"],
    &["ZADD", "z", "INCR", "1", "a", "2", "b"],
    &["ZADD", "z", "INCR", "1", "a"],
    &["ZADD", "z", "XX", "INCR", "1", "zz"],
    &["ZADD", "z", "CH", "5", "a", "2", "b", "9", "newm"],
    &["ZADD", "z", "GT", "CH", "1", "a", "100", "b"],
    &["ZADD", "z", "LT", "INCR", "-1", "a"],
    &["ZADD", "z", "GT", "INCR", "-1", "a"],
    &["ZINCRBY", "z", "abc", "a"],
    &["ZINCRBY", "z", "-inf", "f"],
    &["ZINCRBY", "z", "2.5", "a"],
    &["ZINCRBY", "fresh", "-0", "m"],
    &["ZADD", "nokey2", "XX", "1", "a"],
    &["EXISTS", "nokey2"],
    &["ZCARD", "z"],
    &["ZCARD", "nokey"],
    &["ZRANK", "z", "a"],
    &["ZREVRANK", "z", "a"],
    &["ZRANK", "z", "nosuch"],
    &["ZCOUNT", "z", "(1", "+inf"],
    &["ZCOUNT", "z", "", "2"],
    &["ZCOUNT", "z", " 1", "2"],
    &["ZCOUNT", "z", "x", "1"],
    &["ZCOUNT", "z", "-inf", "(nan"],
    &["ZRANGEBYSCORE", "z", "(1", "3"],
    &["ZRANGEBYSCORE", "z", "-inf", "+inf", "LIMIT", "1", "2", "WITHSCORES"],
    &["ZRANGEBYSCORE", "z", "-inf", "+inf", "LIMIT", "1", "-1"],
    &["ZRANGEBYSCORE", "z", "-inf", "+inf", "LIMIT", "-1", "2"],
    &["ZRANGEBYSCORE", "z", "-inf", "+inf", "LIMIT", "1"],
    &["ZRANGEBYSCORE", "z", "-inf", "+inf", "REV"],
    &["ZREVRANGEBYSCORE", "z", "3", "1"],
    &["ZREVRANGEBYSCORE", "z", "+inf", "-inf", "WITHSCORES", "LIMIT", "0", "2"],
    &["ZRANGE", "z", "0", "-1", "REV"],
    &["ZRANGE", "z", "(3", "1", "BYSCORE", "REV", "WITHSCORES"],
    &["ZRANGE", "z", "0", "-1", "LIMIT", "0", "1"],
    &["ZRANGE", "z", "0", "-1", "LIMIT", "5", "-1"],
    &["ZRANGE", "z", "0", "-1", "REV", "REV"],
    &["ZRANGE", "z", "[a", "[c", "BYSCORE", "BYLEX"],
    &["ZRANGE", "z", "-", "+", "BYLEX", "WITHSCORES"],
    &["ZRANGE", "z", "a", "b"],
    &["ZRANGE", "z", "-2", "-1", "WITHSCORES"],
    &["ZRANGE", "z", "5", "1"],
    &["ZREVRANGE", "z", "0", "1", "WITHSCORES"],
    &["ZREVRANGE", "z", "0", "1", "LIMIT", "0", "1"],
    &["ZADD", "lex", "0", "a", "0", "b", "0", "c", "0", "d", "0", "e", "0", "f"],
    &["ZRANGEBYLEX", "lex", "[b", "[d", "LIMIT", "1", "1"],
    &["ZRANGEBYLEX", "lex", "(a", "(f"],
    &["ZRANGEBYLEX", "lex", "-", "+", "WITHSCORES"],
    &["ZRANGEBYLEX", "lex", "a", "+"],
    &["ZREVRANGEBYLEX", "lex", "[d", "[b"],
    &["ZREVRANGEBYLEX", "lex", "+", "-", "LIMIT", "1", "2"],
    &["ZRANGE", "lex", "[d", "[b", "BYLEX", "REV", "LIMIT", "1", "5"],
    &["ZLEXCOUNT", "lex", "(a", "[c"],
    &["ZLEXCOUNT", "lex", "-", "+"],
    &["ZLEXCOUNT", "lex", "+", "-"],
    &["ZREMRANGEBYLEX", "lex", "[e", "+"],
    &["ZREMRANGEBYLEX", "lex", "x", "y"],
    &["ZRANGE", "lex", "0", "-1"],
    &["ZREMRANGEBYRANK", "z", "0", "0"],
    &["ZREMRANGEBYRANK", "z", "5", "3"],
    &["ZREMRANGEBYRANK", "z", "x", "1"],
    &["ZREMRANGEBYSCORE", "z", "(4", "5"],
    &["ZREMRANGEBYSCORE", "z", "a", "b"],
    &["ZRANGE", "z", "0", "-1", "WITHSCORES"],
    &["ZPOPMIN", "z"],
    &["ZPOPMIN", "z", "2"],
    &["ZPOPMAX", "z", "0"],
    &["ZPOPMAX", "z", "-1"],
    &["ZPOPMAX", "z", "1", "2"],
    &["ZPOPMIN", "nokey"],
    &["ZPOPMIN", "nokey", "2"],
    &["ZADD", "m1", "1", "a", "2", "b", "3", "c"],
    &["ZMPOP", "2", "nokey", "m1", "MIN", "COUNT", "2"],
    &["ZMPOP", "1", "m1", "MAX"],
    &["ZMPOP", "1", "m1", "MAX"],
    &["ZMPOP", "0", "m1", "MIN"],
    &["ZMPOP", "x", "m1", "MIN"],
    &["ZMPOP", "2", "m1", "MIN"],
    &["ZMPOP", "1", "m1", "MIN", "COUNT", "0"],
    &["ZMPOP", "1", "m1", "MIN", "COUNT", "1", "COUNT", "2"],
    &["ZMPOP", "1", "m1", "FOO"],
    &["ZADD", "u1", "1", "a", "2", "b", "3", "c"],
    &["ZADD", "u2", "10", "b", "20", "c", "30", "d"],
    &["SADD", "s1", "a", "d", "x"],
    &["ZUNION", "3", "u1", "u2", "s1", "WITHSCORES"],
    &["ZUNION", "2", "u1", "u2", "WEIGHTS", "2", "0.5", "AGGREGATE", "MAX", "WITHSCORES"],
    &["ZINTER", "2", "u1", "u2", "AGGREGATE", "MIN", "WITHSCORES"],
    &["ZINTER", "2", "u1", "nokey"],
    &["ZDIFF", "2", "u1", "u2", "WITHSCORES"],
    &["ZDIFF", "2", "s1", "u1", "WITHSCORES"],
    &["ZDIFF", "1", "u1", "WEIGHTS", "1"],
    &["ZUNION", "0", "u1"],
    &["ZUNION", "-1", "u1"],
    &["ZUNION", "x", "u1"],
    &["ZUNION", "3", "u1"],
    &["ZUNION", "1", "u1", "WEIGHTS", "x"],
    &["ZUNION", "1", "u1", "WEIGHTS", "1", "2"],
    &["ZUNION", "1", "u1", "AGGREGATE", "foo"],
    &["ZUNIONSTORE", "dst", "2", "u1", "u2", "WEIGHTS", "1", "-1"],
    &["ZRANGE", "dst", "0", "-1", "WITHSCORES"],
    &["ZUNIONSTORE", "dst", "1", "u1", "WITHSCORES"],
    &["ZINTERSTORE", "dst", "2", "u1", "u2"],
    &["ZRANGE", "dst", "0", "-1", "WITHSCORES"],
    &["ZDIFFSTORE", "dst", "2", "u1", "u2"],
    &["ZRANGE", "dst", "0", "-1", "WITHSCORES"],
    &["ZINTERSTORE", "dst", "2", "u1", "nokey"],
    &["EXISTS", "dst"],
    &["ZUNIONSTORE", "dst", "0", "u1"],
    &["ZINTERCARD", "2", "u1", "u2"],
    &["ZINTERCARD", "2", "u1", "u2", "LIMIT", "1"],
    &["ZINTERCARD", "2", "u1", "nokey"],
    &["ZINTERCARD", "1", "u1", "LIMIT", "-1"],
    &["ZINTERCARD", "0", "u1"],
    &["ZINTERCARD", "2", "u1"],
    &["ZINTERCARD", "1", "u1", "WITHSCORES"],
    &["ZRANGESTORE", "dst", "u2", "1", "-1"],
    &["ZRANGE", "dst", "0", "-1", "WITHSCORES"],
    &["ZRANGESTORE", "dst", "u2", "(10", "+inf", "BYSCORE", "REV", "LIMIT", "0", "1"],
    &["ZRANGE", "dst", "0", "-1", "WITHSCORES"],
    &["ZRANGESTORE", "dst", "u2", "0", "-1", "WITHSCORES"],
    &["ZRANGESTORE", "dst", "u2", "5", "1"],
    &["EXISTS", "dst"],
    &["SET", "str", "v"],
    &["ZADD", "str", "1", "a"],
    &["ZADD", "str", "x", "a"],
    &["ZRANGE", "str", "0", "1", "bad"],
    &["ZRANGE", "str", "0", "1"],
    &["ZUNION", "1", "str", "WEIGHTS", "x"],
    &["ZUNIONSTORE", "str2", "1", "str"],
    &["ZRANDMEMBER", "str", "x"],
    &["ZRANDMEMBER", "str", "1", "foo"],
    &["ZRANDMEMBER", "str"],
    &["ZRANDMEMBER", "u1", "-9223372036854775808"],
    &["ZRANDMEMBER", "u1", "4611686018427387904", "WITHSCORES"],
    &["ZRANDMEMBER", "nokey"],
    &["ZRANDMEMBER", "nokey", "5"],
    &["ZRANDMEMBER", "u1", "0", "WITHSCORES"],
    &["ZPOPMIN", "str", "x"],
    &["ZPOPMIN", "str"],
    &["ZSCAN", "str", "x"],
    &["ZSCAN", "str", "0", "foo"],
    &["ZSCAN", "nokey", "0", "foo"],
    &["ZSCAN", "u1", "0", "COUNT", "0"],
    &["ZSCAN", "u1", "0", "MATCH"],
    &["ZSCAN", "u1", "7"],
    &["ZSCAN", "u1", "0", "MATCH", "*b*", "COUNT", "100"],
    &["ZMSCORE", "str", "a"],
    &["BZPOPMIN", "str", "x"],
    &["BZPOPMIN", "str", "-1"],
    &["BZPOPMIN", "str", "0"],
    &["BZPOPMAX", "u1", "nokey", "0"],
    &["BZPOPMIN", "nokey", "u1", "0"],
    &["BZMPOP", "x", "0", "u1", "MIN"],
    &["BZMPOP", "x", "1", "u1", "MIN"],
    &["BZMPOP", "0", "1", "u1", "MAX", "COUNT", "5"],
    &["EXISTS", "u1"],
    &["ZADD", "big", "123456789012345678", "h", "4611686018427387904", "p", "0.1", "t"],
    &["ZSCAN", "big", "0"],
    &["ZRANDMEMBER", "big", "3", "WITHSCORES"],
    &["COMMAND", "GETKEYS", "ZUNIONSTORE", "d", "2", "a", "b", "WEIGHTS", "1", "2"],
    &["COMMAND", "GETKEYS", "ZUNIONSTORE", "d", "3", "a", "b"],
    &["COMMAND", "GETKEYS", "ZINTER", "2", "a", "b"],
    &["COMMAND", "GETKEYS", "ZMPOP", "3", "a", "b", "MIN"],
    &["COMMAND", "GETKEYS", "BZMPOP", "0", "2", "a", "b", "MIN"],
    &["COMMAND", "GETKEYS", "BZPOPMIN", "a", "b", "0"],
    &["COMMAND", "GETKEYS", "ZRANGESTORE", "d", "s", "0", "1"],
    &["COMMAND", "GETKEYS", "ZINTERCARD", "x", "a"],
    &["ZADD"],
    &["ZINCRBY", "z", "1"],
    &["ZRANGE", "z", "0"],
    &["ZRANGESTORE", "d", "z", "0"],
    &["ZMPOP", "1", "z"],
    &["BZMPOP", "0", "1", "z"],
    &["ZRANK", "z", "a", "WITHSCORE"],
];

#[test]
fn scripted_replies_match_redis_in_resp2_and_resp3() {
    for resp3 in [false, true] {
        let redis = RedisOracle::start();
        let server = Server::start();
        let (mut r, mut s) = (redis.raw(), server.raw());
        if resp3 {
            for c in [&mut r, &mut s] {
                assert!(!c.cmd_str(&["HELLO", "3"]).starts_with(b"-"));
            }
        }
        same(&mut r, &mut s, SCRIPT);
    }
}

#[test]
fn encodings_convert_like_redis() {
    let redis = RedisOracle::start();
    let server = Server::start();
    let (mut r, mut s) = (redis.raw(), server.raw());
    let long = "m".repeat(65);
    let mut script: Vec<Vec<String>> = Vec::new();
    let mut add = |words: &[&str]| script.push(words.iter().map(|w| w.to_string()).collect());
    // Defaults: 128 entries, 64-byte members.
    let mut fill = vec!["ZADD".to_string(), "big".to_string()];
    for i in 0..128 {
        fill.push(i.to_string());
        fill.push(format!("m{i}"));
    }
    add(&["OBJECT", "ENCODING", "big"]);
    add(&fill.iter().map(String::as_str).collect::<Vec<_>>());
    add(&["OBJECT", "ENCODING", "big"]);
    add(&["ZADD", "big", "0", "m0"]);
    add(&["OBJECT", "ENCODING", "big"]);
    add(&["ZADD", "big", "1000", "one-more"]);
    add(&["OBJECT", "ENCODING", "big"]);
    add(&["ZREMRANGEBYRANK", "big", "0", "-3"]);
    add(&["OBJECT", "ENCODING", "big"]);
    add(&["ZRANGE", "big", "0", "-1", "WITHSCORES"]);
    add(&["ZADD", "long", "1", "short"]);
    add(&["OBJECT", "ENCODING", "long"]);
    add(&["ZADD", "long", "2", &long]);
    add(&["OBJECT", "ENCODING", "long"]);
    add(&["ZADD", "long2", "1", &long, "2", "a"]);
    add(&["OBJECT", "ENCODING", "long2"]);
    // Small limits, and the stores' encodings.
    add(&["CONFIG", "SET", "zset-max-listpack-entries", "3"]);
    add(&["CONFIG", "SET", "zset-max-listpack-value", "5"]);
    add(&["ZADD", "a", "1", "x", "2", "y", "3", "z"]);
    add(&["OBJECT", "ENCODING", "a"]);
    add(&["ZINCRBY", "a", "1", "x"]);
    add(&["OBJECT", "ENCODING", "a"]);
    add(&["ZADD", "a", "4", "w"]);
    add(&["OBJECT", "ENCODING", "a"]);
    add(&["ZADD", "c", "1", "12345", "2", "1234567"]);
    add(&["OBJECT", "ENCODING", "c"]);
    add(&["ZRANGESTORE", "dst", "a", "0", "1"]);
    add(&["OBJECT", "ENCODING", "dst"]);
    add(&["ZRANGESTORE", "dst", "a", "0", "-1"]);
    add(&["OBJECT", "ENCODING", "dst"]);
    add(&["ZRANGESTORE", "dst", "c", "0", "-1"]);
    add(&["OBJECT", "ENCODING", "dst"]);
    add(&["ZREM", "c", "1234567"]);
    add(&["OBJECT", "ENCODING", "c"]);
    add(&["ZUNIONSTORE", "dst", "1", "c"]);
    add(&["OBJECT", "ENCODING", "dst"]);
    add(&["ZUNIONSTORE", "dst", "2", "a", "c"]);
    add(&["OBJECT", "ENCODING", "dst"]);
    add(&["ZINTERSTORE", "dst", "2", "a", "a"]);
    add(&["OBJECT", "ENCODING", "dst"]);
    add(&["ZDIFFSTORE", "dst", "2", "a", "c"]);
    add(&["OBJECT", "ENCODING", "dst"]);
    add(&["ZADD", "neg", "-0", "x"]);
    add(&["ZSCORE", "neg", "x"]);
    add(&["ZADD", "neg", "INCR", "-0", "y"]);
    add(&["ZSCORE", "neg", "y"]);
    add(&["ZADD", "negbig", "-0", "x", "1", "y", "2", "z", "3", "w"]);
    add(&["OBJECT", "ENCODING", "negbig"]);
    add(&["ZSCORE", "negbig", "x"]);
    add(&["ZINCRBY", "negbig", "-0", "x"]);
    add(&["ZRANGE", "negbig", "0", "-1", "WITHSCORES"]);
    // RESP2 only: redraft's COMMAND INFO answers arrays where RESP3 Redis answers sets.
    add(&[
        "COMMAND",
        "INFO",
        "ZADD",
        "ZUNIONSTORE",
        "BZMPOP",
        "ZRANGESTORE",
        "ZINTERCARD",
    ]);
    // -0 survives only where no listpack held it on the way.
    let long = "L".repeat(70);
    add(&["CONFIG", "SET", "zset-max-listpack-value", "64"]);
    add(&["ZADD", "y", "5", &long, "-0", "a", "7", "b", "-0", "c"]);
    add(&["ZADD", "y2", "-0", "a", "5", &long]);
    add(&["ZSCORE", "y", "a"]);
    add(&["ZSCORE", "y2", "a"]);
    for entries in ["1", "2", "128"] {
        add(&["CONFIG", "SET", "zset-max-listpack-entries", entries]);
        for (i, range) in [
            &["0", "-1"][..],
            &["0", "1"],
            &["-1", "0", "REV"],
            &["-inf", "+inf", "BYSCORE"],
            &["+inf", "-inf", "BYSCORE", "REV"],
            &["-", "+", "BYLEX"],
        ]
        .iter()
        .enumerate()
        {
            let dst = format!("r{i}");
            let mut cmd = vec!["ZRANGESTORE", &dst, "y"];
            cmd.extend_from_slice(range);
            add(&cmd);
            add(&["OBJECT", "ENCODING", &dst]);
            add(&["ZSCORE", &dst, "a"]);
            add(&["ZSCORE", &dst, "c"]);
        }
        add(&["ZUNIONSTORE", "u", "1", "y"]);
        add(&["ZSCORE", "u", "a"]);
        add(&["ZINTERSTORE", "u", "2", "y", "y", "WEIGHTS", "1", "0"]);
        add(&["OBJECT", "ENCODING", "u"]);
        add(&["ZSCORE", "u", "a"]);
    }
    add(&["CONFIG", "SET", "zset-max-listpack-entries", "0"]);
    add(&["ZADD", "zero", "1", "a"]);
    add(&["OBJECT", "ENCODING", "zero"]);
    add(&["ZUNIONSTORE", "zero2", "1", "zero"]);
    add(&["OBJECT", "ENCODING", "zero2"]);
    for words in &script {
        let words: Vec<&str> = words.iter().map(String::as_str).collect();
        same(&mut r, &mut s, &[&words]);
    }
}

#[test]
fn zscan_of_a_big_set_returns_everything() {
    let server = Server::start();
    let mut c = server.raw();
    let mut args = vec!["ZADD".to_string(), "big".to_string()];
    for i in 0..1000 {
        args.push((i % 17).to_string());
        args.push(format!("m{i}"));
    }
    let refs: Vec<&str> = args.iter().map(String::as_str).collect();
    assert_raw(c.cmd_str(&refs), int(1000));
    assert_raw(c.cmd_str(&["OBJECT", "ENCODING", "big"]), bulk("skiplist"));
    let mut cursor = "0".to_string();
    let mut seen = std::collections::BTreeMap::new();
    for _ in 0..1000 {
        let reply = diff::parse(&c.cmd_str(&["ZSCAN", "big", &cursor, "COUNT", "30"]));
        let diff::Node::Agg { children, .. } = reply else {
            panic!("not an array");
        };
        cursor = String::from_utf8(children[0].bulks().remove(0)).expect("utf8 cursor");
        for pair in children[1].bulks().chunks(2) {
            seen.insert(pair[0].clone(), pair[1].clone());
        }
        if cursor == "0" {
            break;
        }
    }
    assert_eq!(cursor, "0", "scan ended");
    assert_eq!(seen.len(), 1000);
    for (m, s) in &seen {
        let i: usize = std::str::from_utf8(&m[1..]).unwrap().parse().unwrap();
        assert_eq!(s, (i % 17).to_string().as_bytes());
    }
}

#[test]
fn zrandmember_picks_members() {
    let server = Server::start();
    let mut c = server.raw();
    for big in [false, true] {
        let key = if big { "big" } else { "small" };
        let n = if big { 300 } else { 5 };
        let mut args = vec!["ZADD".to_string(), key.to_string()];
        for i in 0..n {
            args.push(i.to_string());
            args.push(format!("m{i}"));
        }
        let refs: Vec<&str> = args.iter().map(String::as_str).collect();
        assert_raw(c.cmd_str(&refs), int(n));
        let check = |bulks: &[Vec<u8>], pairs: bool| {
            let step = if pairs { 2 } else { 1 };
            for p in bulks.chunks(step) {
                let i: i64 = std::str::from_utf8(&p[0][1..]).unwrap().parse().unwrap();
                assert!((0..n).contains(&i), "{}", escape(&p[0]));
                if pairs {
                    assert_eq!(p[1], i.to_string().into_bytes());
                }
            }
        };
        let one = diff::parse(&c.cmd_str(&["ZRANDMEMBER", key])).bulks();
        assert_eq!(one.len(), 1);
        check(&one, false);
        let picks = diff::parse(&c.cmd_str(&["ZRANDMEMBER", key, "4", "WITHSCORES"])).bulks();
        assert_eq!(picks.len(), 8);
        check(&picks, true);
        let mut names: Vec<&Vec<u8>> = picks.iter().step_by(2).collect();
        names.sort();
        names.dedup();
        assert_eq!(names.len(), 4, "distinct picks");
        let all = diff::parse(&c.cmd_str(&["ZRANDMEMBER", key, "1000"])).bulks();
        assert_eq!(all.len(), n as usize);
        let rep = diff::parse(&c.cmd_str(&["ZRANDMEMBER", key, "-20", "WITHSCORES"])).bulks();
        assert_eq!(rep.len(), 40);
        check(&rep, true);
    }
    // RESP3: pairs nested.
    assert!(!c.cmd_str(&["HELLO", "3"]).starts_with(b"-"));
    let reply = c.cmd_str(&["ZRANDMEMBER", "small", "-1", "WITHSCORES"]);
    assert!(
        reply.starts_with(b"*1\r\n*2\r\n$2\r\nm"),
        "{}",
        escape(&reply)
    );
}

/// Reads one reply within `wait`, or `None`.
fn reply_within(c: &mut RawClient, wait: Duration) -> Option<Vec<u8>> {
    c.stream()
        .set_read_timeout(Some(wait))
        .expect("read timeout");
    let mut probe = [0u8; 1];
    let got = c.stream().peek(&mut probe).map(|n| n > 0).unwrap_or(false);
    c.stream()
        .set_read_timeout(Some(Duration::from_secs(10)))
        .expect("read timeout");
    got.then(|| c.read_reply())
}

#[test]
fn blocking_pops_wait_for_a_write_or_time_out() {
    let server = Server::start();
    let mut waiter = server.raw();
    let mut writer = server.raw();
    // Served at once when a key has members.
    assert_raw(writer.cmd_str(&["ZADD", "z", "1", "a", "2", "b"]), int(2));
    assert_raw(
        waiter.cmd_str(&["BZPOPMAX", "nokey", "z", "0"]),
        b"*3\r\n$1\r\nz\r\n$1\r\nb\r\n$1\r\n2\r\n",
    );
    // Blocks until another client adds a member.
    waiter.send(&encode_cmd(&[b"BZPOPMIN", b"q1", b"q2", b"5"]));
    assert!(reply_within(&mut waiter, Duration::from_millis(200)).is_none());
    assert_raw(writer.cmd_str(&["ZADD", "q2", "7", "x", "8", "y"]), int(2));
    assert_raw(
        reply_within(&mut waiter, Duration::from_secs(5)).expect("served"),
        b"*3\r\n$2\r\nq2\r\n$1\r\nx\r\n$1\r\n7\r\n",
    );
    assert_raw(writer.cmd_str(&["ZCARD", "q2"]), int(1));
    // BZMPOP, woken by a ZUNIONSTORE into its key.
    waiter.send(&encode_cmd(&[
        b"BZMPOP", b"5", b"1", b"m", b"MAX", b"COUNT", b"2",
    ]));
    assert!(reply_within(&mut waiter, Duration::from_millis(200)).is_none());
    assert_raw(writer.cmd_str(&["ZUNIONSTORE", "m", "1", "q2"]), int(1));
    assert_raw(
        reply_within(&mut waiter, Duration::from_secs(5)).expect("served"),
        b"*2\r\n$1\r\nm\r\n*1\r\n*2\r\n$1\r\ny\r\n$1\r\n8\r\n",
    );
    assert_raw(writer.cmd_str(&["EXISTS", "m"]), int(0));
    // Timeouts: a null array after about the time given.
    let start = Instant::now();
    assert_raw(waiter.cmd_str(&["BZPOPMIN", "empty", "0.2"]), b"*-1\r\n");
    assert_raw(
        waiter.cmd_str(&["BZMPOP", "0.1", "1", "empty", "MIN"]),
        b"*-1\r\n",
    );
    assert!(start.elapsed() >= Duration::from_millis(250));
    assert!(!waiter.cmd_str(&["HELLO", "3"]).starts_with(b"-"));
    assert_raw(waiter.cmd_str(&["BZPOPMAX", "empty", "0.05"]), b"_\r\n");
}

// ---------------------------------------------------------------------------------------------
// Differential
// ---------------------------------------------------------------------------------------------

/// Keys with arbitrary scores.
const KEYS: &[&[u8]] = &[b"z1", b"z2", b"z3", b"z4"];
/// A key whose members all have score 0 (lexicographic commands are only defined then).
const LEX: &[u8] = b"lex";
/// Keys of other kinds, or absent.
const OTHER: &[&[u8]] = &[b"s1", b"str", b"nokey"];

const MEMBERS: &[&[u8]] = &[
    b"a",
    b"b",
    b"c",
    b"d",
    b"e",
    b"f",
    b"g",
    b"x y",
    b"",
    b"\x00",
    b"1",
    b"10",
    b"m:1",
    b"\xff\xfe",
    b"a member longer than sixty-four bytes, which no listpack may hold!!",
];

const SCORES: &[&[u8]] = &[
    b"0",
    b"1",
    b"2",
    b"3",
    b"-1",
    b"1.5",
    b"-2.5",
    b"10",
    b"100",
    b"0.1",
    b"inf",
    b"-inf",
    b"+inf",
    b"-0",
    b"0x10",
    b"1e3",
    b"123456789012345678",
];

const BAD_SCORES: &[&[u8]] = &[b"nan", b"abc", b"", b" 1", b"1e400", b"(1"];

const SCORE_BOUNDS: &[&[u8]] = &[
    b"-inf", b"+inf", b"inf", b"(1", b"0", b"1", b"1.5", b"(2", b"10", b"(-inf", b"(0.1", b"3",
    b"-1", b"(100",
];

const BAD_SCORE_BOUNDS: &[&[u8]] = &[b"x", b"", b"(", b"[1", b"nan", b" 2"];

const LEX_BOUNDS: &[&[u8]] = &[
    b"-", b"+", b"[a", b"(a", b"[c", b"(d", b"[", b"(", b"[x y", b"(g",
];

const BAD_LEX_BOUNDS: &[&[u8]] = &[b"a", b"", b"-a", b"+x"];

const WEIGHTS: &[(&str, u32)] = &[
    ("ZADD", 14),
    ("ZADDLEX", 4),
    ("ZINCRBY", 5),
    ("ZREM", 4),
    ("ZCARD", 2),
    ("ZSCORE", 3),
    ("ZMSCORE", 2),
    ("ZRANK", 2),
    ("ZREVRANK", 2),
    ("ZCOUNT", 3),
    ("ZLEXCOUNT", 2),
    ("ZRANGE", 8),
    ("ZRANGEBYSCORE", 3),
    ("ZREVRANGEBYSCORE", 2),
    ("ZREVRANGE", 2),
    ("ZRANGEBYLEX", 2),
    ("ZREVRANGEBYLEX", 2),
    ("ZREMRANGEBYRANK", 2),
    ("ZREMRANGEBYSCORE", 2),
    ("ZREMRANGEBYLEX", 1),
    ("ZPOPMIN", 2),
    ("ZPOPMAX", 2),
    ("ZMPOP", 2),
    ("BZPOPMIN", 1),
    ("BZPOPMAX", 1),
    ("BZMPOP", 1),
    ("ZUNION", 2),
    ("ZINTER", 2),
    ("ZDIFF", 2),
    ("ZUNIONSTORE", 2),
    ("ZINTERSTORE", 2),
    ("ZDIFFSTORE", 2),
    ("ZINTERCARD", 2),
    ("ZRANGESTORE", 2),
    ("ZSCAN", 2),
    ("OBJECT", 3),
    ("CONFIG", 1),
    ("HELLO", 1),
    ("SADD", 1),
    ("DEL", 1),
    ("TYPE", 1),
];

struct ZsetGen {
    rng: StdRng,
}

impl ZsetGen {
    fn pick(&mut self, from: &[&[u8]]) -> Vec<u8> {
        from.choose(&mut self.rng).expect("non-empty").to_vec()
    }

    fn word(&mut self, w: &str) -> Vec<u8> {
        diff::word(&mut self.rng, w)
    }

    /// A key to read: mostly the scored keys, sometimes the lex key or another kind.
    fn key(&mut self) -> Vec<u8> {
        match self.rng.gen_range(0..14) {
            0 => LEX.to_vec(),
            1 => self.pick(OTHER),
            _ => self.pick(KEYS),
        }
    }

    /// A key to write arbitrary scores to: never the lex key.
    fn wkey(&mut self) -> Vec<u8> {
        if self.rng.gen_ratio(1, 15) {
            self.pick(&OTHER[..2])
        } else {
            self.pick(KEYS)
        }
    }

    fn keys(&mut self, min: usize, max: usize) -> Vec<Vec<u8>> {
        let n = self.rng.gen_range(min..=max);
        (0..n).map(|_| self.key()).collect()
    }

    fn member(&mut self) -> Vec<u8> {
        if self.rng.gen_ratio(1, 8) {
            let n = self.rng.gen_range(1..12);
            return (0..n).map(|_| self.rng.gen_range(b'a'..=b'e')).collect();
        }
        self.pick(MEMBERS)
    }

    fn score(&mut self) -> Vec<u8> {
        if self.rng.gen_ratio(1, 30) {
            self.pick(BAD_SCORES)
        } else {
            self.pick(SCORES)
        }
    }

    fn score_bound(&mut self) -> Vec<u8> {
        if self.rng.gen_ratio(1, 25) {
            self.pick(BAD_SCORE_BOUNDS)
        } else {
            self.pick(SCORE_BOUNDS)
        }
    }

    fn lex_bound(&mut self) -> Vec<u8> {
        if self.rng.gen_ratio(1, 25) {
            self.pick(BAD_LEX_BOUNDS)
        } else {
            self.pick(LEX_BOUNDS)
        }
    }

    fn rank(&mut self) -> Vec<u8> {
        if self.rng.gen_ratio(1, 30) {
            return self.pick(&[b"x", b"1.5", b""]);
        }
        self.rng.gen_range(-12i64..12).to_string().into_bytes()
    }

    fn limit(&mut self, args: &mut Vec<Vec<u8>>) {
        if self.rng.gen_ratio(1, 3) {
            args.push(self.word("LIMIT"));
            let offset = self.rng.gen_range(-1i64..5);
            args.push(offset.to_string().into_bytes());
            let count = self.rng.gen_range(-1i64..5);
            args.push(count.to_string().into_bytes());
        }
    }

    fn maybe(&mut self, args: &mut Vec<Vec<u8>>, w: &str, p: f64) {
        if self.rng.gen_bool(p) {
            args.push(self.word(w));
        }
    }

    /// `numkeys key…` with occasional bad counts.
    fn numkeys(&mut self, args: &mut Vec<Vec<u8>>, keys: Vec<Vec<u8>>) {
        let n: Vec<u8> = match self.rng.gen_range(0..20) {
            0 => b"0".to_vec(),
            1 => b"x".to_vec(),
            2 => (keys.len() + 1).to_string().into_bytes(),
            _ => keys.len().to_string().into_bytes(),
        };
        args.push(n);
        args.extend(keys);
    }

    fn setop_options(&mut self, args: &mut Vec<Vec<u8>>, n: usize, store: bool, diff: bool) {
        if !diff && self.rng.gen_ratio(1, 3) {
            args.push(self.word("WEIGHTS"));
            for _ in 0..n {
                let w = self.pick(&[b"1", b"2", b"0.5", b"-1", b"0", b"3", b"inf"]);
                args.push(w);
            }
        }
        if !diff && self.rng.gen_ratio(1, 3) {
            args.push(self.word("AGGREGATE"));
            let a = *["SUM", "MIN", "MAX", "sum"]
                .choose(&mut self.rng)
                .expect("agg");
            args.push(self.word(a));
        }
        if !store && self.rng.gen_ratio(1, 2) {
            args.push(self.word("WITHSCORES"));
        }
        if self.rng.gen_ratio(1, 40) {
            args.push(b"FOO".to_vec());
        }
    }

    fn step(&mut self) -> Step {
        let name = diff::pick_weighted(&mut self.rng, WEIGHTS);
        let mut args = vec![self.word(if name == "ZADDLEX" { "ZADD" } else { name })];
        let mut check = Check::Exact;
        match name {
            "ZADD" => {
                args.push(self.wkey());
                let flags = ["NX", "XX", "GT", "LT", "CH", "INCR"];
                for f in flags {
                    if self.rng.gen_ratio(1, 7) {
                        args.push(self.word(f));
                    }
                }
                let pairs = if self.rng.gen_ratio(2, 3) {
                    1
                } else {
                    self.rng.gen_range(2..=5)
                };
                for _ in 0..pairs {
                    args.push(self.score());
                    args.push(self.member());
                }
                if self.rng.gen_ratio(1, 40) {
                    args.pop();
                }
            }
            "ZADDLEX" => {
                args.push(LEX.to_vec());
                for _ in 0..self.rng.gen_range(1..=4) {
                    args.push(b"0".to_vec());
                    args.push(self.member());
                }
            }
            "ZINCRBY" => {
                args.push(self.wkey());
                args.push(self.score());
                args.push(self.member());
            }
            "ZREM" | "ZMSCORE" => {
                args.push(self.key());
                for _ in 0..self.rng.gen_range(1..=4) {
                    args.push(self.member());
                }
            }
            "ZSCORE" | "ZRANK" | "ZREVRANK" => {
                args.push(self.key());
                args.push(self.member());
            }
            "ZCARD" | "TYPE" => args.push(self.key()),
            // Never the string or the set: once gone, ZADD could make them sorted sets with
            // mixed scores, which lexicographic commands (that may read them) do not define.
            "DEL" => {
                let key = if self.rng.gen_ratio(1, 5) {
                    LEX.to_vec()
                } else {
                    self.pick(KEYS)
                };
                args.push(key);
            }
            "ZCOUNT" | "ZREMRANGEBYSCORE" => {
                args.push(self.key());
                args.push(self.score_bound());
                args.push(self.score_bound());
            }
            "ZLEXCOUNT" | "ZREMRANGEBYLEX" => {
                args.push(if self.rng.gen_ratio(1, 10) {
                    self.pick(OTHER)
                } else {
                    LEX.to_vec()
                });
                args.push(self.lex_bound());
                args.push(self.lex_bound());
            }
            "ZRANGEBYLEX" | "ZREVRANGEBYLEX" => {
                args.push(LEX.to_vec());
                args.push(self.lex_bound());
                args.push(self.lex_bound());
                self.limit(&mut args);
                self.maybe(&mut args, "WITHSCORES", 0.05);
            }
            "ZRANGE" => {
                let by = self.rng.gen_range(0..3);
                args.push(if by == 2 { LEX.to_vec() } else { self.key() });
                // Options in any order: each group is a word with its arguments.
                let mut groups: Vec<Vec<Vec<u8>>> = Vec::new();
                match by {
                    0 => {
                        args.push(self.rank());
                        args.push(self.rank());
                    }
                    1 => {
                        args.push(self.score_bound());
                        args.push(self.score_bound());
                        groups.push(vec![self.word("BYSCORE")]);
                    }
                    _ => {
                        args.push(self.lex_bound());
                        args.push(self.lex_bound());
                        groups.push(vec![self.word("BYLEX")]);
                    }
                }
                if self.rng.gen_bool(0.4) {
                    groups.push(vec![self.word("REV")]);
                }
                if by > 0 || self.rng.gen_ratio(1, 10) {
                    let mut limit = Vec::new();
                    self.limit(&mut limit);
                    if !limit.is_empty() {
                        groups.push(limit);
                    }
                }
                if self.rng.gen_bool(if by == 2 { 0.05 } else { 0.5 }) {
                    groups.push(vec![self.word("WITHSCORES")]);
                }
                groups.shuffle(&mut self.rng);
                args.extend(groups.into_iter().flatten());
            }
            "ZRANGEBYSCORE" | "ZREVRANGEBYSCORE" => {
                args.push(self.key());
                args.push(self.score_bound());
                args.push(self.score_bound());
                self.maybe(&mut args, "WITHSCORES", 0.5);
                self.limit(&mut args);
            }
            "ZREVRANGE" | "ZREMRANGEBYRANK" => {
                args.push(self.key());
                args.push(self.rank());
                args.push(self.rank());
                if name == "ZREVRANGE" {
                    self.maybe(&mut args, "WITHSCORES", 0.5);
                }
            }
            "ZPOPMIN" | "ZPOPMAX" => {
                args.push(self.key());
                match self.rng.gen_range(0..8) {
                    0..=2 => {}
                    3..=6 => args.push(self.rng.gen_range(0..5).to_string().into_bytes()),
                    _ => args.push(self.pick(&[b"-1", b"x", b""])),
                }
            }
            "ZMPOP" | "BZMPOP" => {
                if name == "BZMPOP" {
                    args.push(b"0.01".to_vec());
                }
                let keys = self.keys(1, 3);
                self.numkeys(&mut args, keys);
                let side = *["MIN", "MAX", "MIN", "MAX", "MID"]
                    .choose(&mut self.rng)
                    .expect("side");
                args.push(self.word(side));
                if self.rng.gen_ratio(1, 2) {
                    args.push(self.word("COUNT"));
                    let c = self.pick(&[b"1", b"2", b"5", b"0", b"x"]);
                    args.push(c);
                }
            }
            "BZPOPMIN" | "BZPOPMAX" => {
                args.extend(self.keys(1, 3));
                let t = self.pick(&[b"0.01", b"0.01", b"0.01", b"-1", b"x"]);
                args.push(t);
            }
            "ZUNION" | "ZINTER" | "ZDIFF" | "ZINTERCARD" => {
                let keys = self.keys(1, 3);
                let n = keys.len();
                self.numkeys(&mut args, keys);
                if name == "ZINTERCARD" {
                    if self.rng.gen_ratio(1, 2) {
                        args.push(self.word("LIMIT"));
                        let l = self.pick(&[b"0", b"1", b"2", b"-1"]);
                        args.push(l);
                    }
                } else {
                    self.setop_options(&mut args, n, false, name == "ZDIFF");
                }
            }
            "ZUNIONSTORE" | "ZINTERSTORE" | "ZDIFFSTORE" => {
                args.push(self.pick(KEYS));
                let keys = self.keys(1, 3);
                let n = keys.len();
                self.numkeys(&mut args, keys);
                self.setop_options(&mut args, n, true, name == "ZDIFFSTORE");
            }
            "ZRANGESTORE" => {
                args.push(self.pick(KEYS));
                args.push(self.key());
                if self.rng.gen_ratio(1, 2) {
                    args.push(self.rank());
                    args.push(self.rank());
                } else {
                    args.push(self.score_bound());
                    args.push(self.score_bound());
                    args.push(self.word("BYSCORE"));
                    self.limit(&mut args);
                }
                self.maybe(&mut args, "REV", 0.3);
            }
            "ZSCAN" => {
                args.push(self.key());
                args.push(self.pick(&[b"0", b"0", b"0", b"0", b"x"]));
                if self.rng.gen_bool(0.3) {
                    args.push(self.word("MATCH"));
                    let p = self.pick(&[b"*", b"a*", b"?", b"[a-c]*", b"*1*"]);
                    args.push(p);
                }
                if self.rng.gen_bool(0.3) {
                    args.push(self.word("COUNT"));
                    let c = self.pick(&[b"1", b"3", b"10", b"0"]);
                    args.push(c);
                }
                check = Check::Scan { pairs: true };
            }
            "OBJECT" => {
                args.push(self.word("ENCODING"));
                args.push(self.key());
            }
            "CONFIG" => {
                args.push(self.word("SET"));
                if self.rng.gen_ratio(1, 2) {
                    args.push(b"zset-max-listpack-entries".to_vec());
                    args.push(self.pick(&[b"0", b"1", b"3", b"8", b"128"]));
                } else {
                    args.push(b"zset-max-listpack-value".to_vec());
                    args.push(self.pick(&[b"0", b"2", b"8", b"64"]));
                }
            }
            "HELLO" => {
                args.push(self.pick(&[b"2", b"3"]));
                check = Check::NotError;
            }
            "SADD" => {
                args.push(b"s1".to_vec());
                args.push(self.member());
            }
            other => unreachable!("no generator for {other}"),
        }
        Step { args, check }
    }
}

/// `n` sorted-set steps from `seed`: a pure function.
fn zset_steps(seed: u64, n: usize) -> Vec<Step> {
    let mut g = ZsetGen {
        rng: StdRng::seed_from_u64(seed),
    };
    (0..n).map(|_| g.step()).collect()
}

fn zset_setup(seed: u64) -> Vec<Vec<Vec<u8>>> {
    let mut rng = StdRng::seed_from_u64(seed ^ 0x25e7);
    let entries = ["2", "4", "16", "128"].choose(&mut rng).expect("entries");
    let value = ["8", "64"].choose(&mut rng).expect("value");
    let cmd = |a: &[&str]| a.iter().map(|s| s.as_bytes().to_vec()).collect::<Vec<_>>();
    vec![
        cmd(&["CONFIG", "SET", "zset-max-listpack-entries", entries]),
        cmd(&["CONFIG", "SET", "zset-max-listpack-value", value]),
        cmd(&["SET", "str", "v"]),
        cmd(&["SADD", "s1", "a", "b", "1"]),
        cmd(&[
            "ZADD", "z1", "1", "a", "2", "b", "3", "c", "4", "d", "5", "e",
        ]),
        cmd(&["ZADD", LEX_STR, "0", "a", "0", "b", "0", "c", "0", "d"]),
    ]
}

const LEX_STR: &str = "lex";

#[test]
fn zset_generator_is_deterministic_and_covers_the_family() {
    assert_eq!(zset_steps(9, 400), zset_steps(9, 400));
    let steps = zset_steps(9, 4000);
    for (name, _) in WEIGHTS {
        let name = if *name == "ZADDLEX" { "ZADD" } else { name };
        assert!(
            steps
                .iter()
                .any(|s| s.args[0].eq_ignore_ascii_case(name.as_bytes())),
            "{name} never generated"
        );
    }
}

#[test]
fn zset_differential() {
    let seed = redraft_tests::diff_seed("zset_differential");
    diff::run(
        "zset_differential",
        seed,
        &zset_setup(seed),
        &zset_steps(seed, 3000),
    );
}
