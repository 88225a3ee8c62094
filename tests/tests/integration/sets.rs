//! Set commands: exact replies and error texts, intset → hashtable conversions, and a seeded
//! random differential run of the whole family against redis-server (RESP2 and RESP3), with
//! the driver of [`crate::hashes::diff`].

use rand::rngs::StdRng;
use rand::seq::SliceRandom;
use rand::{Rng, SeedableRng};
use redraft_tests::{sorted_bulks, Server};

use crate::hashes::diff::{self, Check, Step};
use crate::{array, assert_raw, bulk, bulks, err, int, NIL, OK};

const WRONGTYPE: &str = "WRONGTYPE Operation against a key holding the wrong kind of value";
const NOT_INT: &str = "ERR value is not an integer or out of range";

fn members(c: &mut redraft_tests::RawClient, args: &[&str]) -> Vec<String> {
    sorted_bulks(&c.cmd_frame(args))
        .into_iter()
        .map(|b| String::from_utf8(b).expect("utf8 member"))
        .collect()
}

#[test]
fn sadd_srem_membership() {
    let s = Server::start();
    let mut c = s.raw();
    assert_raw(c.cmd_str(&["SADD", "s", "3", "1", "2", "1"]), int(3));
    assert_raw(c.cmd_str(&["SADD", "s", "2", "4"]), int(1));
    // An intset replies in ascending order.
    assert_raw(c.cmd_str(&["SMEMBERS", "s"]), bulks(&["1", "2", "3", "4"]));
    assert_raw(c.cmd_str(&["SCARD", "s"]), int(4));
    assert_raw(c.cmd_str(&["SCARD", "nokey"]), int(0));
    assert_raw(c.cmd_str(&["SISMEMBER", "s", "2"]), int(1));
    assert_raw(c.cmd_str(&["SISMEMBER", "s", "02"]), int(0));
    assert_raw(c.cmd_str(&["SISMEMBER", "nokey", "2"]), int(0));
    assert_raw(
        c.cmd_str(&["SMISMEMBER", "s", "1", "x", "4"]),
        array(&[int(1), int(0), int(1)]),
    );
    assert_raw(
        c.cmd_str(&["SMISMEMBER", "nokey", "1", "x"]),
        array(&[int(0), int(0)]),
    );
    assert_raw(c.cmd_str(&["SREM", "s", "1", "1", "9"]), int(1));
    assert_raw(c.cmd_str(&["SREM", "nokey", "1"]), int(0));
    assert_raw(c.cmd_str(&["SREM", "s", "2", "3", "4"]), int(3));
    assert_raw(c.cmd_str(&["EXISTS", "s"]), int(0));
    assert_raw(c.cmd_str(&["SMEMBERS", "s"]), array(&[]));
    assert_raw(c.cmd_str(&["SADD", "t", "", "a b", "-0"]), int(3));
    assert_eq!(members(&mut c, &["SMEMBERS", "t"]), ["", "-0", "a b"]);
    assert_raw(c.cmd(&[b"SADD", b"t", b"\x00\xff"]), int(1));
    assert_raw(c.cmd(&[b"SISMEMBER", b"t", b"\x00\xff"]), int(1));
}

#[test]
fn set_errors() {
    let s = Server::start();
    let mut c = s.raw();
    for (args, name) in [
        (&["SADD", "s"][..], "sadd"),
        (&["SREM", "s"], "srem"),
        (&["SMEMBERS"], "smembers"),
        (&["SISMEMBER", "s"], "sismember"),
        (&["SMISMEMBER", "s"], "smismember"),
        (&["SCARD", "s", "x"], "scard"),
        (&["SPOP"], "spop"),
        (&["SMOVE", "a", "b"], "smove"),
        (&["SINTER"], "sinter"),
        (&["SINTERSTORE", "d"], "sinterstore"),
        (&["SINTERCARD", "1"], "sintercard"),
        (&["SSCAN", "s"], "sscan"),
    ] {
        assert_raw(
            c.cmd_str(args),
            err(&format!(
                "ERR wrong number of arguments for '{name}' command"
            )),
        );
    }
    assert_raw(c.cmd_str(&["SET", "str", "v"]), OK);
    assert_raw(c.cmd_str(&["SADD", "s", "a"]), int(1));
    for args in [
        &["SADD", "str", "a"][..],
        &["SREM", "str", "a"],
        &["SMEMBERS", "str"],
        &["SISMEMBER", "str", "a"],
        &["SMISMEMBER", "str", "a"],
        &["SCARD", "str"],
        &["SPOP", "str"],
        &["SPOP", "str", "2"],
        &["SRANDMEMBER", "str"],
        &["SRANDMEMBER", "str", "2"],
        &["SMOVE", "str", "s", "a"],
        &["SMOVE", "s", "str", "a"],
        &["SINTER", "s", "str"],
        &["SINTER", "nokey", "str"],
        &["SUNION", "s", "str"],
        &["SDIFF", "s", "str"],
        &["SDIFF", "nokey", "str"],
        &["SINTERSTORE", "d", "s", "str"],
        &["SUNIONSTORE", "d", "s", "str"],
        &["SDIFFSTORE", "d", "s", "str"],
        &["SINTERCARD", "2", "s", "str"],
        &["SSCAN", "str", "0"],
    ] {
        assert_raw(c.cmd_str(args), err(WRONGTYPE));
    }
    // An absent source answers 0 before the destination's type is looked at.
    assert_raw(c.cmd_str(&["SMOVE", "nokey", "str", "a"]), int(0));
    assert_raw(c.cmd_str(&["SPOP", "s", "1", "2"]), err("ERR syntax error"));
    assert_raw(
        c.cmd_str(&["SRANDMEMBER", "s", "1", "2"]),
        err("ERR syntax error"),
    );
    for bad in ["-1", "abc", "-0"] {
        assert_raw(
            c.cmd_str(&["SPOP", "s", bad]),
            err("ERR value is out of range, must be positive"),
        );
    }
    assert_raw(c.cmd_str(&["SRANDMEMBER", "s", "abc"]), err(NOT_INT));
    assert_raw(
        c.cmd_str(&["SRANDMEMBER", "s", "-9223372036854775808"]),
        err("ERR value is out of range, value must between -9223372036854775807 and 9223372036854775807"),
    );
    // SINTERCARD's argument errors.
    for (args, e) in [
        (
            &["SINTERCARD", "0", "s"][..],
            "ERR numkeys should be greater than 0",
        ),
        (
            &["SINTERCARD", "abc", "s"],
            "ERR numkeys should be greater than 0",
        ),
        (
            &["SINTERCARD", "-1", "s"],
            "ERR numkeys should be greater than 0",
        ),
        (
            &["SINTERCARD", "3", "s", "t"],
            "ERR Number of keys can't be greater than number of args",
        ),
        (
            &["SINTERCARD", "1", "s", "LIMIT", "-1"],
            "ERR LIMIT can't be negative",
        ),
        (
            &["SINTERCARD", "1", "s", "LIMIT", "x"],
            "ERR LIMIT can't be negative",
        ),
        (&["SINTERCARD", "1", "s", "LIMIT"], "ERR syntax error"),
        (&["SINTERCARD", "1", "s", "FOO", "1"], "ERR syntax error"),
        (&["SINTERCARD", "2", "s", "str"], WRONGTYPE),
    ] {
        assert_raw(c.cmd_str(args), err(e));
    }
}

#[test]
fn spop_and_srandmember() {
    let s = Server::start();
    let mut c = s.raw();
    assert_raw(c.cmd_str(&["SPOP", "nokey"]), NIL);
    assert_raw(c.cmd_str(&["SPOP", "nokey", "3"]), array(&[]));
    assert_raw(c.cmd_str(&["SRANDMEMBER", "nokey"]), NIL);
    assert_raw(c.cmd_str(&["SRANDMEMBER", "nokey", "3"]), array(&[]));
    assert_raw(c.cmd_str(&["SRANDMEMBER", "nokey", "-3"]), array(&[]));
    assert_raw(c.cmd_str(&["SADD", "s", "a", "b", "c", "d", "e"]), int(5));
    assert_raw(c.cmd_str(&["SPOP", "s", "0"]), array(&[]));
    assert_raw(c.cmd_str(&["SRANDMEMBER", "s", "0"]), array(&[]));
    let all = ["a", "b", "c", "d", "e"];
    let one = members(&mut c, &["SRANDMEMBER", "s", "1"]);
    assert!(all.contains(&one[0].as_str()));
    let three = members(&mut c, &["SRANDMEMBER", "s", "3"]);
    assert_eq!(three.len(), 3);
    assert!(
        three.windows(2).all(|w| w[0] != w[1]),
        "distinct: {three:?}"
    );
    assert_eq!(members(&mut c, &["SRANDMEMBER", "s", "100"]), all);
    let rep = members(&mut c, &["SRANDMEMBER", "s", "-20"]);
    assert_eq!(rep.len(), 20);
    assert!(rep.iter().all(|m| all.contains(&m.as_str())));
    let popped = members(&mut c, &["SPOP", "s", "2"]);
    assert_eq!(popped.len(), 2);
    assert_raw(c.cmd_str(&["SCARD", "s"]), int(3));
    for p in &popped {
        assert_raw(c.cmd_str(&["SISMEMBER", "s", p]), int(0));
    }
    let last = members(&mut c, &["SPOP", "s", "10"]);
    assert_eq!(last.len(), 3);
    assert_raw(c.cmd_str(&["EXISTS", "s"]), int(0));
    assert_raw(c.cmd_str(&["SADD", "s", "x"]), int(1));
    assert_raw(c.cmd_str(&["SPOP", "s"]), bulk("x"));
    assert_raw(c.cmd_str(&["EXISTS", "s"]), int(0));
    // RESP3: SPOP with a count and SMEMBERS are sets; SRANDMEMBER with a count an array.
    assert!(!c.cmd_str(&["HELLO", "3"]).starts_with(b"-"));
    assert_raw(c.cmd_str(&["SADD", "s", "x"]), int(1));
    assert_raw(c.cmd_str(&["SMEMBERS", "s"]), b"~1\r\n$1\r\nx\r\n");
    assert_raw(c.cmd_str(&["SRANDMEMBER", "s", "-2"]), bulks(&["x", "x"]));
    assert_raw(c.cmd_str(&["SPOP", "s", "1"]), b"~1\r\n$1\r\nx\r\n");
    assert_raw(c.cmd_str(&["SPOP", "s", "1"]), b"~0\r\n");
    assert_raw(c.cmd_str(&["SPOP", "s"]), b"_\r\n");
    assert_raw(c.cmd_str(&["SMEMBERS", "s"]), b"~0\r\n");
}

#[test]
fn smove_cases() {
    let s = Server::start();
    let mut c = s.raw();
    assert_raw(c.cmd_str(&["SADD", "a", "1", "2"]), int(2));
    assert_raw(c.cmd_str(&["SMOVE", "a", "b", "1"]), int(1));
    assert_raw(c.cmd_str(&["SMOVE", "a", "b", "1"]), int(0));
    assert_raw(c.cmd_str(&["SMOVE", "a", "a", "2"]), int(1));
    assert_raw(c.cmd_str(&["SMOVE", "a", "a", "9"]), int(0));
    assert_raw(c.cmd_str(&["SMOVE", "a", "b", "2"]), int(1));
    assert_raw(c.cmd_str(&["EXISTS", "a"]), int(0));
    assert_raw(c.cmd_str(&["SMEMBERS", "b"]), bulks(&["1", "2"]));
    // Moving a non-integer into an intset converts it.
    assert_raw(c.cmd_str(&["SADD", "c", "x"]), int(1));
    assert_raw(c.cmd_str(&["SMOVE", "c", "b", "x"]), int(1));
    assert_raw(c.cmd_str(&["OBJECT", "ENCODING", "b"]), bulk("hashtable"));
}

#[test]
fn set_algebra() {
    let s = Server::start();
    let mut c = s.raw();
    assert_raw(c.cmd_str(&["SADD", "a", "1", "2", "3", "x"]), int(4));
    assert_raw(c.cmd_str(&["SADD", "b", "2", "3", "4"]), int(3));
    assert_raw(c.cmd_str(&["SADD", "c", "3", "x"]), int(2));
    assert_eq!(members(&mut c, &["SINTER", "a", "b"]), ["2", "3"]);
    assert_eq!(members(&mut c, &["SINTER", "a", "b", "c"]), ["3"]);
    assert_eq!(
        members(&mut c, &["SINTER", "a", "nokey"]),
        Vec::<String>::new()
    );
    assert_eq!(members(&mut c, &["SINTER", "a"]), ["1", "2", "3", "x"]);
    assert_eq!(
        members(&mut c, &["SUNION", "b", "c", "nokey"]),
        ["2", "3", "4", "x"]
    );
    assert_eq!(members(&mut c, &["SDIFF", "a", "b"]), ["1", "x"]);
    assert_eq!(members(&mut c, &["SDIFF", "a", "b", "c"]), ["1"]);
    assert_eq!(
        members(&mut c, &["SDIFF", "nokey", "a"]),
        Vec::<String>::new()
    );
    assert_eq!(members(&mut c, &["SDIFF", "a", "a"]), Vec::<String>::new());
    assert_raw(c.cmd_str(&["SINTERCARD", "2", "a", "b"]), int(2));
    assert_raw(
        c.cmd_str(&["SINTERCARD", "2", "a", "b", "LIMIT", "1"]),
        int(1),
    );
    assert_raw(
        c.cmd_str(&["SINTERCARD", "2", "a", "b", "LIMIT", "0"]),
        int(2),
    );
    assert_raw(c.cmd_str(&["SINTERCARD", "2", "a", "nokey"]), int(0));
    // The stores replace the destination whatever it held, and delete it when empty.
    assert_raw(c.cmd_str(&["SET", "d", "string"]), OK);
    assert_raw(c.cmd_str(&["SINTERSTORE", "d", "a", "b"]), int(2));
    assert_raw(c.cmd_str(&["TYPE", "d"]), b"+set\r\n");
    assert_raw(c.cmd_str(&["OBJECT", "ENCODING", "d"]), bulk("intset"));
    assert_raw(c.cmd_str(&["SUNIONSTORE", "d", "a", "b"]), int(5));
    assert_raw(c.cmd_str(&["OBJECT", "ENCODING", "d"]), bulk("hashtable"));
    assert_raw(c.cmd_str(&["SDIFFSTORE", "d", "a", "b"]), int(2));
    assert_eq!(members(&mut c, &["SMEMBERS", "d"]), ["1", "x"]);
    assert_raw(c.cmd_str(&["EXPIRE", "d", "100"]), int(1));
    assert_raw(c.cmd_str(&["SDIFFSTORE", "d", "a", "a"]), int(0));
    assert_raw(c.cmd_str(&["EXISTS", "d"]), int(0));
    assert_raw(c.cmd_str(&["SUNIONSTORE", "d", "c"]), int(2));
    assert_raw(c.cmd_str(&["TTL", "d"]), int(-1));
    // The destination may be a source.
    assert_raw(c.cmd_str(&["SINTERSTORE", "a", "a", "b"]), int(2));
    assert_raw(c.cmd_str(&["SMEMBERS", "a"]), bulks(&["2", "3"]));
    assert_raw(c.cmd_str(&["SINTERSTORE", "a", "nokey"]), int(0));
    assert_raw(c.cmd_str(&["EXISTS", "a"]), int(0));
}

#[test]
fn sscan_small_and_large() {
    let s = Server::start();
    let mut c = s.raw();
    assert_raw(
        c.cmd_str(&["SSCAN", "nokey", "0"]),
        array(&[bulk("0"), array(&[])]),
    );
    assert_raw(c.cmd_str(&["SADD", "s", "10", "2", "30"]), int(3));
    assert_raw(
        c.cmd_str(&["SSCAN", "s", "0", "COUNT", "1"]),
        array(&[bulk("0"), bulks(&["2", "10", "30"])]),
    );
    assert_raw(
        c.cmd_str(&["SSCAN", "s", "0", "MATCH", "*0"]),
        array(&[bulk("0"), bulks(&["10", "30"])]),
    );
    assert_raw(c.cmd_str(&["SSCAN", "s", "x"]), err("ERR invalid cursor"));
    assert_raw(
        c.cmd_str(&["SSCAN", "nokey", "0", "MATCH"]),
        array(&[bulk("0"), array(&[])]),
    );
    assert_raw(
        c.cmd_str(&["SSCAN", "nokey", "x"]),
        err("ERR invalid cursor"),
    );
    assert_raw(
        c.cmd_str(&["SSCAN", "s", "0", "COUNT", "0"]),
        err("ERR syntax error"),
    );
    assert_raw(
        c.cmd_str(&["SSCAN", "s", "0", "COUNT", "-1"]),
        err("ERR syntax error"),
    );
    let mut args = vec!["SADD".to_string(), "big".to_string()];
    args.extend((0..1000).map(|i| format!("m{i}")));
    let args_ref: Vec<&str> = args.iter().map(String::as_str).collect();
    assert_raw(c.cmd_str(&args_ref), int(1000));
    let mut cursor = "0".to_string();
    let mut seen = std::collections::BTreeSet::new();
    for _ in 0..1000 {
        let reply = diff::parse(&c.cmd_str(&["SSCAN", "big", &cursor, "COUNT", "20"]));
        let diff::Node::Agg { children, .. } = reply else {
            panic!("not an array");
        };
        cursor = String::from_utf8(children[0].bulks().remove(0)).expect("utf8 cursor");
        seen.extend(children[1].bulks());
        if cursor == "0" {
            break;
        }
    }
    assert_eq!(cursor, "0", "scan ended");
    assert_eq!(seen.len(), 1000);
}

#[test]
fn set_encoding_conversions() {
    let s = Server::start();
    let mut c = s.raw();
    assert_raw(
        c.cmd_str(&["CONFIG", "SET", "set-max-intset-entries", "3"]),
        OK,
    );
    assert_raw(c.cmd_str(&["SADD", "s", "1", "2", "3"]), int(3));
    assert_raw(c.cmd_str(&["OBJECT", "ENCODING", "s"]), bulk("intset"));
    assert_raw(c.cmd_str(&["SADD", "s", "4"]), int(1));
    assert_raw(c.cmd_str(&["OBJECT", "ENCODING", "s"]), bulk("hashtable"));
    assert_raw(c.cmd_str(&["SREM", "s", "1", "2", "3"]), int(3));
    assert_raw(c.cmd_str(&["OBJECT", "ENCODING", "s"]), bulk("hashtable"));
    // Not integers: leading zeros, "-0", spaces, floats, beyond i64.
    for m in ["007", "-0", " 1", "1.0", "9223372036854775808", "a"] {
        assert_raw(c.cmd_str(&["DEL", "t"]), int(i64::from(m != "007")));
        assert_raw(c.cmd_str(&["SADD", "t", m]), int(1));
        assert_raw(c.cmd_str(&["OBJECT", "ENCODING", "t"]), bulk("hashtable"));
    }
    for m in ["-9223372036854775808", "9223372036854775807", "0", "-1"] {
        assert_raw(
            c.cmd_str(&["DEL", "u"]),
            int(i64::from(m != "-9223372036854775808")),
        );
        assert_raw(c.cmd_str(&["SADD", "u", m]), int(1));
        assert_raw(c.cmd_str(&["OBJECT", "ENCODING", "u"]), bulk("intset"));
    }
    // Raising the limit does not convert back.
    assert_raw(
        c.cmd_str(&["CONFIG", "SET", "set-max-intset-entries", "512"]),
        OK,
    );
    assert_raw(c.cmd_str(&["OBJECT", "ENCODING", "s"]), bulk("hashtable"));
}

// ---------------------------------------------------------------------------------------------
// Differential.
// ---------------------------------------------------------------------------------------------

const SET_KEYS: &[&[u8]] = &[b"s1", b"s2", b"s3", b"s4", b"str", b"lst"];

const MEMBERS: &[&[u8]] = &[
    b"1",
    b"2",
    b"3",
    b"10",
    b"-5",
    b"0",
    b"100",
    b"9223372036854775807",
    b"-9223372036854775808",
    b"007",
    b"1.5",
    b"a",
    b"b",
    b"c",
    b"",
    b"x y",
    b"18446744073709551616",
    b"-0",
    b"\x00",
];

const SET_WEIGHTS: &[(&str, u32)] = &[
    ("SADD", 14),
    ("SREM", 5),
    ("SMEMBERS", 4),
    ("SISMEMBER", 3),
    ("SMISMEMBER", 2),
    ("SCARD", 3),
    ("SPOP", 4),
    ("SRANDMEMBER", 4),
    ("SMOVE", 4),
    ("SINTER", 3),
    ("SUNION", 3),
    ("SDIFF", 3),
    ("SINTERCARD", 3),
    ("SINTERSTORE", 2),
    ("SUNIONSTORE", 2),
    ("SDIFFSTORE", 2),
    ("SSCAN", 3),
    ("DEL", 1),
    ("EXISTS", 1),
    ("TYPE", 1),
    ("OBJECT", 3),
    ("CONFIG", 1),
    ("HELLO", 1),
];

struct SetGen {
    rng: StdRng,
}

impl SetGen {
    fn pick(&mut self, from: &[&[u8]]) -> Vec<u8> {
        from.choose(&mut self.rng).expect("non-empty").to_vec()
    }

    fn key(&mut self) -> Vec<u8> {
        if self.rng.gen_ratio(1, 12) {
            self.pick(&SET_KEYS[4..])
        } else {
            self.pick(&SET_KEYS[..4])
        }
    }

    fn keys(&mut self, min: usize, max: usize) -> Vec<Vec<u8>> {
        let n = self.rng.gen_range(min..=max);
        (0..n).map(|_| self.key()).collect()
    }

    fn member(&mut self) -> Vec<u8> {
        match self.rng.gen_range(0..20) {
            0 => self.rng.gen_range(-1000i64..1000).to_string().into_bytes(),
            1 => {
                let n = self.rng.gen_range(1..40);
                (0..n).map(|_| self.rng.gen_range(b'a'..=b'd')).collect()
            }
            _ => self.pick(MEMBERS),
        }
    }

    fn word(&mut self, w: &str) -> Vec<u8> {
        diff::word(&mut self.rng, w)
    }

    fn step(&mut self) -> Step {
        let name = diff::pick_weighted(&mut self.rng, SET_WEIGHTS);
        let mut args = vec![self.word(name)];
        let mut check = Check::Exact;
        match name {
            "SADD" | "SREM" | "SMISMEMBER" => {
                args.push(self.key());
                let n = self.rng.gen_range(1..=6);
                for _ in 0..n {
                    args.push(self.member());
                }
            }
            "SISMEMBER" => {
                args.push(self.key());
                args.push(self.member());
            }
            "SMEMBERS" => {
                let key = self.key();
                args.push(key.clone());
                check = Check::OrderedIfCompact(key);
            }
            "SCARD" | "DEL" | "EXISTS" | "TYPE" => args.push(self.key()),
            "SPOP" => {
                let key = self.key();
                args.push(key.clone());
                match self.rng.gen_range(0..10) {
                    0..=2 => {}
                    3..=7 => {
                        let n = self.rng.gen_range(0..=8i64);
                        args.push(n.to_string().into_bytes());
                    }
                    8 => args.push(self.pick(&[b"-1", b"abc", b"-0", b"", b"1.5"])),
                    _ => {
                        args.push(b"1".to_vec());
                        args.push(b"2".to_vec());
                    }
                }
                check = Check::Pop { key };
            }
            "SRANDMEMBER" => {
                let key = self.key();
                args.push(key.clone());
                let mut distinct = true;
                match self.rng.gen_range(0..10) {
                    0..=1 => {}
                    2..=7 => {
                        let n = self.rng.gen_range(-10i64..=10);
                        distinct = n >= 0;
                        args.push(n.to_string().into_bytes());
                    }
                    8 => args.push(self.pick(&[b"abc", b"-9223372036854775808", b"", b"1.5"])),
                    _ => {
                        args.push(b"1".to_vec());
                        args.push(b"x".to_vec());
                    }
                }
                check = Check::Random {
                    key,
                    hash: false,
                    pairs: false,
                    distinct,
                };
            }
            "SMOVE" => {
                args.push(self.key());
                args.push(self.key());
                args.push(self.member());
            }
            "SINTER" | "SUNION" | "SDIFF" => {
                args.extend(self.keys(1, 4));
                check = Check::Unordered;
            }
            "SINTERSTORE" | "SUNIONSTORE" | "SDIFFSTORE" => {
                args.push(self.key());
                args.extend(self.keys(1, 3));
            }
            "SINTERCARD" => {
                let keys = self.keys(1, 3);
                let numkeys: Vec<u8> = match self.rng.gen_range(0..12) {
                    0 => b"0".to_vec(),
                    1 => b"abc".to_vec(),
                    2 => b"-1".to_vec(),
                    3 => (keys.len() + 1).to_string().into_bytes(),
                    _ => keys.len().to_string().into_bytes(),
                };
                args.push(numkeys);
                args.extend(keys);
                match self.rng.gen_range(0..6) {
                    0 | 1 => {
                        args.push(self.word("LIMIT"));
                        args.push(self.pick(&[b"0", b"1", b"2", b"5", b"-1", b"x"]));
                    }
                    2 if self.rng.gen_ratio(1, 3) => args.push(self.word("LIMIT")),
                    2 => args.push(b"FOO".to_vec()),
                    _ => {}
                }
            }
            "SSCAN" => {
                args.push(self.key());
                args.push(self.pick(&[b"0", b"0", b"0", b"0", b"x", b"-1"]));
                if self.rng.gen_bool(0.4) {
                    args.push(self.word("MATCH"));
                    args.push(self.pick(&[b"*", b"1*", b"?", b"[a-c]", b"*0*", b"-*"]));
                }
                if self.rng.gen_bool(0.4) {
                    args.push(self.word("COUNT"));
                    args.push(self.pick(&[b"1", b"3", b"10", b"0", b"-2", b"x"]));
                }
                check = Check::Scan { pairs: false };
            }
            "OBJECT" => {
                args.push(self.word("ENCODING"));
                args.push(self.key());
            }
            "CONFIG" => {
                args.push(self.word("SET"));
                args.push(b"set-max-intset-entries".to_vec());
                args.push(self.pick(&[b"0", b"1", b"2", b"4", b"8", b"16", b"512"]));
            }
            "HELLO" => {
                args.push(self.pick(&[b"2", b"3"]));
                check = Check::NotError;
            }
            other => unreachable!("no generator for {other}"),
        }
        Step { args, check }
    }
}

/// `n` set steps from `seed`: a pure function.
fn set_steps(seed: u64, n: usize) -> Vec<Step> {
    let mut g = SetGen {
        rng: StdRng::seed_from_u64(seed),
    };
    (0..n).map(|_| g.step()).collect()
}

fn set_setup(seed: u64) -> Vec<Vec<Vec<u8>>> {
    let mut rng = StdRng::seed_from_u64(seed ^ 0x5e7);
    let entries = ["2", "4", "8", "512"].choose(&mut rng).expect("entries");
    let cmd = |a: &[&str]| a.iter().map(|s| s.as_bytes().to_vec()).collect::<Vec<_>>();
    vec![
        cmd(&["CONFIG", "SET", "set-max-intset-entries", entries]),
        cmd(&["SET", "str", "v"]),
        cmd(&["RPUSH", "lst", "a", "b"]),
    ]
}

#[test]
fn set_generator_is_deterministic_and_covers_the_family() {
    assert_eq!(set_steps(5, 300), set_steps(5, 300));
    let names = diff::names(&set_steps(9, 3000));
    for (name, _) in SET_WEIGHTS {
        assert!(names.contains(*name), "{name} never generated");
    }
}

#[test]
fn set_differential() {
    let seed = redraft_tests::diff_seed("set_differential");
    diff::run(
        "set_differential",
        seed,
        &set_setup(seed),
        &set_steps(seed, 3000),
    );
}
