//! List commands: exact replies and error texts (including the non-blocking outcomes of the
//! blocking commands), and a seeded random differential run of the whole family against
//! redis-server (RESP2 and RESP3), with the driver of [`crate::hashes::diff`]. Blocking with
//! several clients is `crate::blocking`.

use rand::rngs::StdRng;
use rand::seq::SliceRandom;
use rand::{Rng, SeedableRng};
use redraft_tests::Server;

use crate::hashes::diff::{self, Check, Step};
use crate::{array, assert_raw, bulk, bulks, err, int, NIL, OK};

const WRONGTYPE: &str = "WRONGTYPE Operation against a key holding the wrong kind of value";
const NOT_INT: &str = "ERR value is not an integer or out of range";
const MUST_BE_POSITIVE: &str = "ERR value is out of range, must be positive";
const NULL_ARRAY: &[u8] = b"*-1\r\n";

#[test]
fn push_pop_range() {
    let s = Server::start();
    let mut c = s.raw();
    assert_raw(c.cmd_str(&["RPUSH", "l", "a", "b", "c"]), int(3));
    assert_raw(c.cmd_str(&["LPUSH", "l", "x", "y"]), int(5));
    assert_raw(
        c.cmd_str(&["LRANGE", "l", "0", "-1"]),
        bulks(&["y", "x", "a", "b", "c"]),
    );
    assert_raw(c.cmd_str(&["LPUSHX", "nokey", "a"]), int(0));
    assert_raw(c.cmd_str(&["EXISTS", "nokey"]), int(0));
    assert_raw(c.cmd_str(&["RPUSHX", "l", "z"]), int(6));
    assert_raw(c.cmd_str(&["LLEN", "l"]), int(6));
    assert_raw(c.cmd_str(&["LLEN", "nokey"]), int(0));
    assert_raw(c.cmd_str(&["LPOP", "l"]), bulk("y"));
    assert_raw(c.cmd_str(&["RPOP", "l"]), bulk("z"));
    assert_raw(c.cmd_str(&["LPOP", "l", "2"]), bulks(&["x", "a"]));
    assert_raw(c.cmd_str(&["RPOP", "l", "0"]), array(&[]));
    assert_raw(c.cmd_str(&["RPOP", "l", "10"]), bulks(&["c", "b"]));
    assert_raw(c.cmd_str(&["EXISTS", "l"]), int(0));
    assert_raw(c.cmd_str(&["LPOP", "l"]), NIL);
    assert_raw(c.cmd_str(&["LPOP", "l", "1"]), NULL_ARRAY);
    assert_raw(c.cmd_str(&["LPOP", "l", "0"]), NULL_ARRAY);
    for bad in ["-1", "abc", "-0", ""] {
        assert_raw(c.cmd_str(&["LPOP", "l", bad]), err(MUST_BE_POSITIVE));
    }
    assert_raw(
        c.cmd_str(&["LPOP", "l", "1", "2"]),
        err("ERR wrong number of arguments for 'lpop' command"),
    );
    assert_raw(
        c.cmd_str(&["RPOP", "l", "1", "2"]),
        err("ERR wrong number of arguments for 'rpop' command"),
    );
    // Ranges.
    assert_raw(c.cmd_str(&["RPUSH", "r", "0", "1", "2", "3", "4"]), int(5));
    for (start, stop, want) in [
        ("0", "-1", &["0", "1", "2", "3", "4"][..]),
        ("-2", "-1", &["3", "4"]),
        ("-100", "1", &["0", "1"]),
        ("3", "100", &["3", "4"]),
        ("3", "1", &[]),
        ("5", "10", &[]),
        ("0", "-6", &[]),
        (
            "-9223372036854775808",
            "9223372036854775807",
            &["0", "1", "2", "3", "4"],
        ),
    ] {
        assert_raw(c.cmd_str(&["LRANGE", "r", start, stop]), bulks(want));
    }
    assert_raw(c.cmd_str(&["LRANGE", "r", "0", "x"]), err(NOT_INT));
    assert_raw(c.cmd_str(&["LRANGE", "nokey", "0", "-1"]), array(&[]));
    assert_raw(c.cmd_str(&["LINDEX", "r", "-1"]), bulk("4"));
    assert_raw(c.cmd_str(&["LINDEX", "r", "5"]), NIL);
    assert_raw(c.cmd_str(&["LINDEX", "r", "-6"]), NIL);
    assert_raw(c.cmd_str(&["LINDEX", "r", "x"]), err(NOT_INT));
    // The key is looked up before the index is read.
    assert_raw(c.cmd_str(&["LINDEX", "nokey", "x"]), NIL);
    assert_raw(
        c.cmd_str(&["LSET", "nokey", "x", "v"]),
        err("ERR no such key"),
    );
    assert_raw(c.cmd_str(&["LSET", "r", "x", "v"]), err(NOT_INT));
    assert_raw(
        c.cmd_str(&["LSET", "r", "5", "v"]),
        err("ERR index out of range"),
    );
    assert_raw(c.cmd_str(&["LSET", "r", "-1", "v"]), OK);
    assert_raw(c.cmd_str(&["LINDEX", "r", "4"]), bulk("v"));
    // LTRIM.
    assert_raw(c.cmd_str(&["LTRIM", "r", "1", "-2"]), OK);
    assert_raw(
        c.cmd_str(&["LRANGE", "r", "0", "-1"]),
        bulks(&["1", "2", "3"]),
    );
    assert_raw(c.cmd_str(&["LTRIM", "r", "x", "1"]), err(NOT_INT));
    assert_raw(c.cmd_str(&["LTRIM", "nokey", "0", "1"]), OK);
    assert_raw(c.cmd_str(&["LTRIM", "r", "2", "1"]), OK);
    assert_raw(c.cmd_str(&["EXISTS", "r"]), int(0));
    // Binary and empty elements.
    assert_raw(c.cmd(&[b"RPUSH", b"b", b"", b"\x00\r\n"]), int(2));
    assert_raw(
        c.cmd_str(&["LRANGE", "b", "0", "-1"]),
        bulks(&["", "\x00\r\n"]),
    );
}

#[test]
fn list_errors() {
    let s = Server::start();
    let mut c = s.raw();
    for (args, name) in [
        (&["LPUSH", "l"][..], "lpush"),
        (&["RPUSHX", "l"], "rpushx"),
        (&["LPOP"], "lpop"),
        (&["LLEN"], "llen"),
        (&["LRANGE", "l", "0"], "lrange"),
        (&["LINDEX", "l"], "lindex"),
        (&["LSET", "l", "0"], "lset"),
        (&["LINSERT", "l", "BEFORE", "a"], "linsert"),
        (&["LREM", "l", "0"], "lrem"),
        (&["LTRIM", "l", "0"], "ltrim"),
        (&["LPOS", "l"], "lpos"),
        (&["LMOVE", "a", "b", "LEFT"], "lmove"),
        (&["RPOPLPUSH", "a"], "rpoplpush"),
        (&["LMPOP", "1", "l"], "lmpop"),
        (&["BLPOP", "l"], "blpop"),
        (&["BRPOP", "l"], "brpop"),
        (&["BLMOVE", "a", "b", "LEFT", "LEFT"], "blmove"),
        (&["BRPOPLPUSH", "a", "b"], "brpoplpush"),
        (&["BLMPOP", "0", "1", "l"], "blmpop"),
    ] {
        assert_raw(
            c.cmd_str(args),
            err(&format!(
                "ERR wrong number of arguments for '{name}' command"
            )),
        );
    }
    assert_raw(c.cmd_str(&["SET", "str", "v"]), OK);
    assert_raw(c.cmd_str(&["RPUSH", "l", "a"]), int(1));
    for args in [
        &["LPUSH", "str", "a"][..],
        &["RPUSHX", "str", "a"],
        &["LPOP", "str"],
        &["RPOP", "str", "2"],
        &["LLEN", "str"],
        &["LRANGE", "str", "0", "1"],
        &["LINDEX", "str", "x"],
        &["LSET", "str", "x", "v"],
        &["LINSERT", "str", "BEFORE", "a", "b"],
        &["LREM", "str", "0", "a"],
        &["LTRIM", "str", "0", "1"],
        &["LPOS", "str", "a"],
        &["LMOVE", "str", "l", "LEFT", "LEFT"],
        &["LMOVE", "l", "str", "LEFT", "LEFT"],
        &["RPOPLPUSH", "l", "str"],
        &["LMPOP", "2", "nokey", "str", "LEFT"],
        &["BLPOP", "nokey", "str", "0"],
        &["BRPOP", "str", "0"],
        &["BLMOVE", "str", "l", "LEFT", "LEFT", "0"],
        &["BRPOPLPUSH", "l", "str", "0"],
        &["BLMPOP", "0", "1", "str", "LEFT"],
    ] {
        assert_raw(c.cmd_str(args), err(WRONGTYPE));
    }
    // Failed moves moved nothing.
    assert_raw(c.cmd_str(&["LRANGE", "l", "0", "-1"]), bulks(&["a"]));
    // An absent source is nil before the destination's type is looked at.
    assert_raw(c.cmd_str(&["LMOVE", "nokey", "str", "LEFT", "LEFT"]), NIL);
    assert_raw(c.cmd_str(&["RPOPLPUSH", "nokey", "str"]), NIL);
    for (args, e) in [
        (
            &["LINSERT", "l", "MIDDLE", "a", "x"][..],
            "ERR syntax error",
        ),
        (
            &["LINSERT", "nokey", "MIDDLE", "a", "x"],
            "ERR syntax error",
        ),
        (&["LMOVE", "l", "l", "UP", "LEFT"], "ERR syntax error"),
        (
            &["LMOVE", "nokey", "str", "LEFT", "DOWN"],
            "ERR syntax error",
        ),
        (&["LREM", "l", "x", "a"], NOT_INT),
        (
            &["LMPOP", "0", "l", "LEFT"],
            "ERR numkeys should be greater than 0",
        ),
        (
            &["LMPOP", "abc", "l", "LEFT"],
            "ERR numkeys should be greater than 0",
        ),
        (&["LMPOP", "5", "l", "LEFT"], "ERR syntax error"),
        (&["LMPOP", "1", "l", "UP"], "ERR syntax error"),
        (
            &["LMPOP", "1", "l", "LEFT", "COUNT", "0"],
            "ERR count should be greater than 0",
        ),
        (
            &["LMPOP", "1", "l", "LEFT", "COUNT", "x"],
            "ERR count should be greater than 0",
        ),
        (&["LMPOP", "1", "l", "LEFT", "COUNT"], "ERR syntax error"),
        (
            &["LMPOP", "1", "l", "LEFT", "COUNT", "1", "COUNT", "1"],
            "ERR syntax error",
        ),
        (&["LMPOP", "1", "l", "LEFT", "FOO", "1"], "ERR syntax error"),
    ] {
        assert_raw(c.cmd_str(args), err(e));
    }
}

#[test]
fn linsert_lrem_lpos() {
    let s = Server::start();
    let mut c = s.raw();
    assert_raw(c.cmd_str(&["RPUSH", "l", "a", "b", "a", "c", "a"]), int(5));
    assert_raw(c.cmd_str(&["LINSERT", "l", "BEFORE", "b", "x"]), int(6));
    assert_raw(c.cmd_str(&["LINSERT", "l", "after", "a", "y"]), int(7));
    assert_raw(c.cmd_str(&["LINSERT", "l", "AFTER", "zz", "y"]), int(-1));
    assert_raw(c.cmd_str(&["LINSERT", "nokey", "AFTER", "a", "y"]), int(0));
    assert_raw(
        c.cmd_str(&["LRANGE", "l", "0", "-1"]),
        bulks(&["a", "y", "x", "b", "a", "c", "a"]),
    );
    // LPOS: first, by rank, from the tail, all, limited scans.
    assert_raw(c.cmd_str(&["LPOS", "l", "a"]), int(0));
    assert_raw(c.cmd_str(&["LPOS", "l", "a", "RANK", "2"]), int(4));
    assert_raw(c.cmd_str(&["LPOS", "l", "a", "RANK", "-1"]), int(6));
    assert_raw(c.cmd_str(&["LPOS", "l", "a", "RANK", "-3"]), int(0));
    assert_raw(c.cmd_str(&["LPOS", "l", "a", "RANK", "4"]), NIL);
    assert_raw(
        c.cmd_str(&["LPOS", "l", "a", "COUNT", "0"]),
        array(&[int(0), int(4), int(6)]),
    );
    assert_raw(
        c.cmd_str(&["LPOS", "l", "a", "COUNT", "2"]),
        array(&[int(0), int(4)]),
    );
    assert_raw(
        c.cmd_str(&["LPOS", "l", "a", "COUNT", "0", "RANK", "-1"]),
        array(&[int(6), int(4), int(0)]),
    );
    assert_raw(
        c.cmd_str(&["LPOS", "l", "a", "COUNT", "0", "MAXLEN", "4"]),
        array(&[int(0)]),
    );
    assert_raw(
        c.cmd_str(&["LPOS", "l", "a", "RANK", "-1", "MAXLEN", "1"]),
        int(6),
    );
    assert_raw(
        c.cmd_str(&["LPOS", "l", "c", "RANK", "-1", "MAXLEN", "1"]),
        NIL,
    );
    assert_raw(c.cmd_str(&["LPOS", "l", "zz"]), NIL);
    assert_raw(c.cmd_str(&["LPOS", "l", "zz", "COUNT", "1"]), array(&[]));
    assert_raw(c.cmd_str(&["LPOS", "nokey", "a"]), NIL);
    assert_raw(c.cmd_str(&["LPOS", "nokey", "a", "COUNT", "1"]), array(&[]));
    // Redis 7.0 takes the most negative rank as "first match from the tail".
    assert_raw(
        c.cmd_str(&["LPOS", "l", "a", "RANK", "-9223372036854775808"]),
        int(6),
    );
    assert_raw(
        c.cmd_str(&[
            "LPOS",
            "l",
            "a",
            "RANK",
            "-9223372036854775808",
            "COUNT",
            "1",
        ]),
        array(&[int(6), int(4), int(0)]),
    );
    for (args, e) in [
        (&["LPOS", "l", "a", "RANK", "0"][..], "ERR RANK can't be zero: use 1 to start from the first match, 2 from the second ... or use negative to start from the end of the list"),
        (&["LPOS", "l", "a", "COUNT", "-1"], "ERR COUNT can't be negative"),
        (&["LPOS", "l", "a", "MAXLEN", "-1"], "ERR MAXLEN can't be negative"),
        (&["LPOS", "l", "a", "RANK", "x"], NOT_INT),
        (&["LPOS", "l", "a", "COUNT", "x"], "ERR COUNT can't be negative"),
        (&["LPOS", "l", "a", "MAXLEN", "x"], "ERR MAXLEN can't be negative"),
        (&["LPOS", "l", "a", "RANK"], "ERR syntax error"),
        (&["LPOS", "l", "a", "FOO", "1"], "ERR syntax error"),
        (&["LPOS", "l", "a", "COUNT", "-1", "RANK", "0"], "ERR COUNT can't be negative"),
    ] {
        assert_raw(c.cmd_str(args), err(e));
    }
    // LREM: from the head, from the tail, all.
    assert_raw(c.cmd_str(&["LREM", "l", "1", "a"]), int(1));
    assert_raw(
        c.cmd_str(&["LRANGE", "l", "0", "-1"]),
        bulks(&["y", "x", "b", "a", "c", "a"]),
    );
    assert_raw(c.cmd_str(&["LREM", "l", "-1", "a"]), int(1));
    assert_raw(
        c.cmd_str(&["LRANGE", "l", "0", "-1"]),
        bulks(&["y", "x", "b", "a", "c"]),
    );
    assert_raw(c.cmd_str(&["RPUSH", "l", "a", "a"]), int(7));
    assert_raw(c.cmd_str(&["LREM", "l", "0", "a"]), int(3));
    assert_raw(c.cmd_str(&["LREM", "l", "0", "zz"]), int(0));
    assert_raw(c.cmd_str(&["LREM", "nokey", "0", "a"]), int(0));
    assert_raw(
        c.cmd_str(&["LREM", "l", "-9223372036854775808", "x"]),
        int(1),
    );
    assert_raw(c.cmd_str(&["LREM", "l", "0", "y"]), int(1));
    assert_raw(c.cmd_str(&["LREM", "l", "0", "b"]), int(1));
    assert_raw(c.cmd_str(&["LREM", "l", "0", "c"]), int(1));
    assert_raw(c.cmd_str(&["EXISTS", "l"]), int(0));
}

#[test]
fn lmove_lmpop_and_immediate_blocking_forms() {
    let s = Server::start();
    let mut c = s.raw();
    assert_raw(c.cmd_str(&["RPUSH", "a", "1", "2", "3"]), int(3));
    assert_raw(c.cmd_str(&["LMOVE", "a", "b", "LEFT", "RIGHT"]), bulk("1"));
    assert_raw(c.cmd_str(&["LMOVE", "a", "b", "right", "left"]), bulk("3"));
    assert_raw(c.cmd_str(&["RPOPLPUSH", "a", "a"]), bulk("2"));
    assert_raw(c.cmd_str(&["LMOVE", "a", "b", "LEFT", "LEFT"]), bulk("2"));
    assert_raw(c.cmd_str(&["EXISTS", "a"]), int(0));
    assert_raw(
        c.cmd_str(&["LRANGE", "b", "0", "-1"]),
        bulks(&["2", "3", "1"]),
    );
    // Rotating a one-element list onto itself keeps it.
    assert_raw(c.cmd_str(&["RPUSH", "one", "x"]), int(1));
    assert_raw(
        c.cmd_str(&["LMOVE", "one", "one", "LEFT", "RIGHT"]),
        bulk("x"),
    );
    assert_raw(c.cmd_str(&["LRANGE", "one", "0", "-1"]), bulks(&["x"]));
    assert_raw(
        c.cmd_str(&["LMPOP", "2", "nokey", "b", "LEFT"]),
        array(&[bulk("b"), bulks(&["2"])]),
    );
    assert_raw(
        c.cmd_str(&["LMPOP", "2", "b", "one", "RIGHT", "COUNT", "5"]),
        array(&[bulk("b"), bulks(&["1", "3"])]),
    );
    assert_raw(c.cmd_str(&["LMPOP", "1", "nokey", "LEFT"]), NULL_ARRAY);
    // The blocking commands, with something to serve, answer at once.
    assert_raw(
        c.cmd_str(&["RPUSH", "q", "1", "2", "3", "4", "5", "6"]),
        int(6),
    );
    assert_raw(c.cmd_str(&["BLPOP", "nokey", "q", "0"]), bulks(&["q", "1"]));
    assert_raw(c.cmd_str(&["BRPOP", "q", "nokey", "0"]), bulks(&["q", "6"]));
    assert_raw(
        c.cmd_str(&["BLMOVE", "q", "d", "LEFT", "RIGHT", "0"]),
        bulk("2"),
    );
    assert_raw(c.cmd_str(&["BRPOPLPUSH", "q", "d", "0"]), bulk("5"));
    assert_raw(
        c.cmd_str(&["BLMPOP", "0", "2", "nokey", "q", "LEFT", "COUNT", "10"]),
        array(&[bulk("q"), bulks(&["3", "4"])]),
    );
    assert_raw(c.cmd_str(&["LRANGE", "d", "0", "-1"]), bulks(&["5", "2"]));
    // With nothing to serve, a short timeout gives the null array.
    assert_raw(c.cmd_str(&["BLPOP", "nokey", "0.01"]), NULL_ARRAY);
    assert_raw(c.cmd_str(&["BRPOP", "nokey", "0x1p-6"]), NULL_ARRAY);
    assert_raw(
        c.cmd_str(&["BLMOVE", "nokey", "d", "LEFT", "LEFT", "0.01"]),
        NULL_ARRAY,
    );
    assert_raw(c.cmd_str(&["BRPOPLPUSH", "nokey", "d", "0.01"]), NULL_ARRAY);
    assert_raw(
        c.cmd_str(&["BLMPOP", "0.01", "1", "nokey", "LEFT"]),
        NULL_ARRAY,
    );
    // Timeout and argument errors; BLMPOP checks its other arguments first.
    for (args, e) in [
        (
            &["BLPOP", "l", "abc"][..],
            "ERR timeout is not a float or out of range",
        ),
        (
            &["BLPOP", "l", " 1"],
            "ERR timeout is not a float or out of range",
        ),
        (
            &["BLPOP", "l", "nan"],
            "ERR timeout is not a float or out of range",
        ),
        (
            &["BLPOP", "l", ""],
            "ERR timeout is not a float or out of range",
        ),
        (&["BLPOP", "l", "-1"], "ERR timeout is negative"),
        (&["BLPOP", "l", "inf"], "ERR timeout is negative"),
        (&["BLPOP", "l", "1e100"], "ERR timeout is negative"),
        (&["BRPOP", "l", "-0.5"], "ERR timeout is negative"),
        (&["BLMOVE", "a", "b", "UP", "LEFT", "x"], "ERR syntax error"),
        (
            &["BLMOVE", "a", "b", "LEFT", "LEFT", "x"],
            "ERR timeout is not a float or out of range",
        ),
        (&["BRPOPLPUSH", "a", "b", "-1"], "ERR timeout is negative"),
        (
            &["BLMPOP", "x", "abc", "l", "LEFT"],
            "ERR numkeys should be greater than 0",
        ),
        (&["BLMPOP", "x", "1", "l", "UP"], "ERR syntax error"),
        (
            &["BLMPOP", "x", "1", "l", "LEFT", "COUNT", "0"],
            "ERR count should be greater than 0",
        ),
        (
            &["BLMPOP", "x", "1", "l", "LEFT"],
            "ERR timeout is not a float or out of range",
        ),
        (
            &["BLMPOP", "-1", "1", "l", "LEFT"],
            "ERR timeout is negative",
        ),
    ] {
        assert_raw(c.cmd_str(args), err(e));
    }
    // RESP3: a timed-out or empty pop is `_`; LMPOP's reply is an array.
    assert!(!c.cmd_str(&["HELLO", "3"]).starts_with(b"-"));
    assert_raw(c.cmd_str(&["BLPOP", "nokey", "0.01"]), b"_\r\n");
    assert_raw(c.cmd_str(&["LPOP", "nokey", "2"]), b"_\r\n");
    assert_raw(c.cmd_str(&["LPOP", "nokey"]), b"_\r\n");
    assert_raw(c.cmd_str(&["LMPOP", "1", "nokey", "LEFT"]), b"_\r\n");
    assert_raw(c.cmd_str(&["RPUSH", "r3", "a"]), int(1));
    assert_raw(
        c.cmd_str(&["LMPOP", "1", "r3", "LEFT"]),
        array(&[bulk("r3"), bulks(&["a"])]),
    );
}

#[test]
fn list_encoding() {
    let s = Server::start();
    let mut c = s.raw();
    assert_raw(c.cmd_str(&["RPUSH", "l", "a"]), int(1));
    assert_raw(c.cmd_str(&["OBJECT", "ENCODING", "l"]), bulk("quicklist"));
    let big = "x".repeat(10_000);
    assert_raw(c.cmd_str(&["RPUSH", "l", &big]), int(2));
    assert_raw(c.cmd_str(&["OBJECT", "ENCODING", "l"]), bulk("quicklist"));
    assert_raw(c.cmd_str(&["LINDEX", "l", "1"]), bulk(&big));
}

// ---------------------------------------------------------------------------------------------
// Differential.
// ---------------------------------------------------------------------------------------------

const LIST_KEYS: &[&[u8]] = &[b"l1", b"l2", b"l3", b"str", b"set"];

const ELEMENTS: &[&[u8]] = &[
    b"a", b"b", b"c", b"d", b"1", b"2", b"", b"x y", b"\x00", b"-1", b"a",
];

const INDEXES: &[&[u8]] = &[
    b"0",
    b"1",
    b"2",
    b"-1",
    b"-2",
    b"3",
    b"5",
    b"-6",
    b"10",
    b"-100",
    b"9223372036854775807",
    b"-9223372036854775808",
    b"abc",
    b"1.5",
    b"",
];

/// Timeouts short enough to keep the run fast, and malformed ones (never 0: it would block).
const TIMEOUTS: &[&[u8]] = &[
    b"0.01", b"0.01", b"0.01", b"0.005", b"abc", b"-1", b"", b" 1", b"nan", b"inf", b"1e100",
    b"-0.5", b"0x1p-7",
];

const LIST_WEIGHTS: &[(&str, u32)] = &[
    ("LPUSH", 8),
    ("RPUSH", 8),
    ("LPUSHX", 2),
    ("RPUSHX", 2),
    ("LPOP", 4),
    ("RPOP", 4),
    ("LLEN", 2),
    ("LRANGE", 5),
    ("LINDEX", 3),
    ("LSET", 3),
    ("LINSERT", 3),
    ("LREM", 3),
    ("LTRIM", 2),
    ("LPOS", 4),
    ("LMOVE", 3),
    ("RPOPLPUSH", 2),
    ("LMPOP", 3),
    ("BLPOP", 2),
    ("BRPOP", 2),
    ("BLMOVE", 2),
    ("BRPOPLPUSH", 1),
    ("BLMPOP", 2),
    ("DEL", 1),
    ("TYPE", 1),
    ("OBJECT", 1),
    ("HELLO", 1),
];

struct ListGen {
    rng: StdRng,
}

impl ListGen {
    fn pick(&mut self, from: &[&[u8]]) -> Vec<u8> {
        from.choose(&mut self.rng).expect("non-empty").to_vec()
    }

    fn key(&mut self) -> Vec<u8> {
        if self.rng.gen_ratio(1, 12) {
            self.pick(&LIST_KEYS[3..])
        } else {
            self.pick(&LIST_KEYS[..3])
        }
    }

    fn keys(&mut self, n: usize) -> Vec<Vec<u8>> {
        (0..n).map(|_| self.key()).collect()
    }

    fn element(&mut self) -> Vec<u8> {
        if self.rng.gen_ratio(1, 30) {
            let n = self.rng.gen_range(1..200);
            return vec![b'e'; n];
        }
        self.pick(ELEMENTS)
    }

    fn word(&mut self, w: &str) -> Vec<u8> {
        diff::word(&mut self.rng, w)
    }

    fn index(&mut self) -> Vec<u8> {
        if self.rng.gen_ratio(1, 3) {
            return self.rng.gen_range(-8i64..8).to_string().into_bytes();
        }
        self.pick(INDEXES)
    }

    fn end(&mut self) -> Vec<u8> {
        match self.rng.gen_range(0..12) {
            0 => b"UP".to_vec(),
            1..=5 => self.word("LEFT"),
            _ => self.word("RIGHT"),
        }
    }

    fn timeout(&mut self) -> Vec<u8> {
        self.pick(TIMEOUTS)
    }

    /// `numkeys key… LEFT|RIGHT [COUNT n]` of LMPOP/BLMPOP, sometimes malformed.
    fn mpop_args(&mut self) -> Vec<Vec<u8>> {
        let n = self.rng.gen_range(1..=3);
        let keys = self.keys(n);
        let mut out = vec![match self.rng.gen_range(0..14) {
            0 => b"0".to_vec(),
            1 => b"abc".to_vec(),
            2 => b"-1".to_vec(),
            3 => (n + 3).to_string().into_bytes(),
            _ => n.to_string().into_bytes(),
        }];
        out.extend(keys);
        out.push(self.end());
        match self.rng.gen_range(0..8) {
            0..=2 => {
                out.push(self.word("COUNT"));
                out.push(self.pick(&[b"1", b"2", b"3", b"10", b"0", b"-1", b"x"]));
            }
            3 if self.rng.gen_bool(0.3) => out.push(self.word("COUNT")),
            4 if self.rng.gen_bool(0.3) => {
                out.push(b"FOO".to_vec());
                out.push(b"1".to_vec());
            }
            _ => {}
        }
        out
    }

    fn step(&mut self) -> Step {
        let name = diff::pick_weighted(&mut self.rng, LIST_WEIGHTS);
        let mut args = vec![self.word(name)];
        let mut check = Check::Exact;
        match name {
            "LPUSH" | "RPUSH" | "LPUSHX" | "RPUSHX" => {
                args.push(self.key());
                let n = self.rng.gen_range(1..=5);
                for _ in 0..n {
                    args.push(self.element());
                }
            }
            "LPOP" | "RPOP" => {
                args.push(self.key());
                match self.rng.gen_range(0..10) {
                    0..=3 => {}
                    4..=7 => args.push(self.rng.gen_range(0..6).to_string().into_bytes()),
                    8 => args.push(self.pick(&[b"-1", b"abc", b"-0", b""])),
                    _ => {
                        args.push(b"1".to_vec());
                        args.push(b"1".to_vec());
                    }
                }
            }
            "LLEN" | "DEL" | "TYPE" => args.push(self.key()),
            "LRANGE" | "LTRIM" => {
                args.push(self.key());
                args.push(self.index());
                args.push(self.index());
            }
            "LINDEX" => {
                args.push(self.key());
                args.push(self.index());
            }
            "LSET" => {
                args.push(self.key());
                args.push(self.index());
                args.push(self.element());
            }
            "LINSERT" => {
                args.push(self.key());
                args.push(match self.rng.gen_range(0..10) {
                    0 => b"MIDDLE".to_vec(),
                    1..=4 => self.word("BEFORE"),
                    _ => self.word("AFTER"),
                });
                args.push(self.element());
                args.push(self.element());
            }
            "LREM" => {
                args.push(self.key());
                args.push(self.pick(&[b"0", b"1", b"2", b"-1", b"-2", b"5", b"x"]));
                args.push(self.element());
            }
            "LPOS" => {
                args.push(self.key());
                args.push(self.element());
                let opts = self.rng.gen_range(0..=3);
                for _ in 0..opts {
                    match self.rng.gen_range(0..10) {
                        0..=2 => {
                            args.push(self.word("RANK"));
                            args.push(self.pick(&[
                                b"1",
                                b"2",
                                b"-1",
                                b"-2",
                                b"3",
                                b"0",
                                b"x",
                                b"-9223372036854775808",
                            ]));
                        }
                        3..=5 => {
                            args.push(self.word("COUNT"));
                            args.push(self.pick(&[b"0", b"1", b"2", b"5", b"-1", b"x"]));
                        }
                        6..=8 => {
                            args.push(self.word("MAXLEN"));
                            args.push(self.pick(&[b"0", b"1", b"2", b"4", b"-1", b"x"]));
                        }
                        _ => args.push(self.pick(&[b"RANK", b"FOO"])),
                    }
                }
            }
            "LMOVE" | "BLMOVE" => {
                args.push(self.key());
                args.push(self.key());
                args.push(self.end());
                args.push(self.end());
                if name == "BLMOVE" {
                    args.push(self.timeout());
                }
            }
            "RPOPLPUSH" | "BRPOPLPUSH" => {
                args.push(self.key());
                args.push(self.key());
                if name == "BRPOPLPUSH" {
                    args.push(self.timeout());
                }
            }
            "LMPOP" => args.extend(self.mpop_args()),
            "BLMPOP" => {
                args.push(self.timeout());
                args.extend(self.mpop_args());
            }
            "BLPOP" | "BRPOP" => {
                let n = self.rng.gen_range(1..=3);
                args.extend(self.keys(n));
                args.push(self.timeout());
            }
            "OBJECT" => {
                args.push(self.word("ENCODING"));
                args.push(self.key());
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

/// `n` list steps from `seed`: a pure function.
fn list_steps(seed: u64, n: usize) -> Vec<Step> {
    let mut g = ListGen {
        rng: StdRng::seed_from_u64(seed),
    };
    (0..n).map(|_| g.step()).collect()
}

fn list_setup() -> Vec<Vec<Vec<u8>>> {
    let cmd = |a: &[&str]| a.iter().map(|s| s.as_bytes().to_vec()).collect::<Vec<_>>();
    vec![cmd(&["SET", "str", "v"]), cmd(&["SADD", "set", "a", "b"])]
}

#[test]
fn list_generator_is_deterministic_and_covers_the_family() {
    assert_eq!(list_steps(5, 300), list_steps(5, 300));
    let names = diff::names(&list_steps(9, 3000));
    for (name, _) in LIST_WEIGHTS {
        assert!(names.contains(*name), "{name} never generated");
    }
    // Never a timeout that blocks for long.
    for s in list_steps(11, 5000) {
        let name = String::from_utf8_lossy(&s.args[0]).to_ascii_uppercase();
        let t = match name.as_str() {
            "BLPOP" | "BRPOP" | "BLMOVE" | "BRPOPLPUSH" => s.args.last(),
            "BLMPOP" => s.args.get(1),
            _ => None,
        };
        if let Some(t) = t {
            assert!(TIMEOUTS.contains(&t.as_slice()), "unexpected timeout {t:?}");
        }
    }
}

#[test]
fn list_differential() {
    let seed = redraft_tests::diff_seed("list_differential");
    diff::run(
        "list_differential",
        seed,
        &list_setup(),
        &list_steps(seed, 3000),
    );
}
