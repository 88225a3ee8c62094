//! Bitmap commands (SETBIT GETBIT BITCOUNT BITPOS BITOP BITFIELD BITFIELD_RO): exact replies,
//! error texts, RESP3 shapes, proto-max-bulk-len limits, and seeded random sequences compared
//! byte for byte with redis-server (`REDRAFT_DIFF_SEED=N` replays a run).
//!
//! The runner ([`run_against_redis`]) is shared with the `hll` module.

use rand::rngs::StdRng;
use rand::seq::SliceRandom;
use rand::{Rng, SeedableRng};
use redraft_tests::{escape, RawClient, RedisOracle, Server};

use crate::{array, assert_raw, bulk, err, int, NIL, OK};

const WRONGTYPE: &str = "WRONGTYPE Operation against a key holding the wrong kind of value";
const BAD_OFFSET: &str = "ERR bit offset is not an integer or out of range";
const BAD_TYPE: &str =
    "ERR Invalid bitfield type. Use something like i16 u8. Note that u64 is not supported but i64 is.";

/// One command as raw arguments.
pub type Cmd = Vec<Vec<u8>>;

/// Turns words into a [`Cmd`].
pub fn cmd(words: &[&str]) -> Cmd {
    words.iter().map(|w| w.as_bytes().to_vec()).collect()
}

fn show(args: &[Vec<u8>]) -> String {
    args.iter()
        .map(|a| format!("\"{}\"", escape(a)))
        .collect::<Vec<_>>()
        .join(" ")
}

/// Sends `steps` to a fresh redis-server and a fresh redraft in pipelined batches of `batch`
/// and checks every pair of replies with `same(step, redis, redraft)`; a mismatch panics with
/// the recent history. `prelude` runs first on both, replies unchecked (HELLO 3 …).
pub fn run_against_redis(
    test: &str,
    seed: u64,
    prelude: &[Cmd],
    steps: &[Cmd],
    batch: usize,
    same: impl Fn(&[Vec<u8>], &[u8], &[u8]) -> bool,
) {
    let oracle = RedisOracle::start();
    let server = Server::start();
    let mut expected_conn: RawClient = oracle.raw();
    let mut actual_conn: RawClient = server.raw();
    for p in prelude {
        let args: Vec<&[u8]> = p.iter().map(Vec::as_slice).collect();
        expected_conn.cmd(&args);
        actual_conn.cmd(&args);
    }
    let mut history: Vec<String> = Vec::new();
    for (n, chunk) in steps.chunks(batch).enumerate() {
        let mut wire = Vec::new();
        for s in chunk {
            let args: Vec<&[u8]> = s.iter().map(Vec::as_slice).collect();
            wire.extend(redraft_tests::encode_cmd(&args));
        }
        expected_conn.send(&wire);
        actual_conn.send(&wire);
        for (i, s) in chunk.iter().enumerate() {
            let expected = expected_conn.read_reply();
            let actual = actual_conn.read_reply();
            let step = n * batch + i;
            if !same(s, &expected, &actual) {
                let recent: Vec<&String> = history.iter().rev().take(40).rev().collect();
                panic!(
                    "{test}: mismatch at step {step} (seed {seed})\n  command: {}\n  redis:   {}\n  \
                     redraft: {}\nrecent history:\n{}\nreplay: REDRAFT_DIFF_SEED={seed} cargo test \
                     -p redraft-tests --test integration {test}",
                    show(s),
                    escape(&expected),
                    escape(&actual),
                    recent
                        .iter()
                        .map(|h| format!("  {h}"))
                        .collect::<Vec<_>>()
                        .join("\n")
                );
            }
            let mut reply = escape(&expected);
            reply.truncate(120);
            history.push(format!("#{step} {} -> {reply}", show(s)));
        }
    }
}

/// Sends every command to both servers one by one and compares replies byte for byte.
fn same_as_redis(test: &str, steps: &[Cmd]) {
    run_against_redis(test, 0, &[], steps, 1, |_, e, a| e == a);
}

#[test]
fn setbit_getbit_basics() {
    let s = Server::start();
    let mut c = s.raw();
    assert_raw(c.cmd_str(&["SETBIT", "k", "7", "1"]), int(0));
    assert_raw(c.cmd_str(&["GET", "k"]), bulk("\x01"));
    assert_raw(c.cmd_str(&["SETBIT", "k", "7", "1"]), int(1));
    assert_raw(c.cmd_str(&["SETBIT", "k", "7", "0"]), int(1));
    assert_raw(c.cmd_str(&["SETBIT", "k", "0", "1"]), int(0));
    assert_raw(c.cmd_str(&["GETBIT", "k", "0"]), int(1));
    assert_raw(c.cmd_str(&["GETBIT", "k", "1"]), int(0));
    assert_raw(c.cmd_str(&["GETBIT", "k", "1000000"]), int(0));
    assert_raw(c.cmd_str(&["GETBIT", "missing", "3"]), int(0));
    // Growing pads with zero bytes, even when the bit is cleared.
    assert_raw(c.cmd_str(&["SETBIT", "k", "23", "0"]), int(0));
    assert_raw(c.cmd_str(&["GET", "k"]), bulk(b"\x80\x00\x00"));
    assert_raw(
        c.cmd_str(&["SETBIT", "k", "4294967296", "1"]),
        err(BAD_OFFSET),
    );
    assert_raw(c.cmd_str(&["SETBIT", "k", "-1", "1"]), err(BAD_OFFSET));
    assert_raw(c.cmd_str(&["GETBIT", "k", "x"]), err(BAD_OFFSET));
    let bad_bit = "ERR bit is not an integer or out of range";
    assert_raw(c.cmd_str(&["SETBIT", "k", "1", "2"]), err(bad_bit));
    assert_raw(c.cmd_str(&["SETBIT", "k", "1", "-1"]), err(bad_bit));
    assert_raw(c.cmd_str(&["SETBIT", "k", "1", "01"]), err(bad_bit));
    // The offset is checked before the type.
    assert_raw(c.cmd_str(&["RPUSH", "list", "a"]), int(1));
    assert_raw(c.cmd_str(&["SETBIT", "list", "x", "1"]), err(BAD_OFFSET));
    assert_raw(c.cmd_str(&["SETBIT", "list", "1", "1"]), err(WRONGTYPE));
    assert_raw(c.cmd_str(&["GETBIT", "list", "1"]), err(WRONGTYPE));
    // SETBIT keeps a TTL; an int-looking string is edited as its text.
    assert_raw(c.cmd_str(&["SET", "n", "1", "EX", "100"]), OK);
    assert_raw(c.cmd_str(&["SETBIT", "n", "6", "1"]), int(0));
    assert_raw(c.cmd_str(&["GET", "n"]), bulk("3"));
    assert_raw(c.cmd_str(&["OBJECT", "ENCODING", "n"]), bulk("raw"));
    assert!(matches!(c.cmd_frame(&["TTL", "n"]), redraft_protocol::Frame::Integer(t) if t > 0));
}

#[test]
fn bitcount_and_bitpos_ranges() {
    let s = Server::start();
    let mut c = s.raw();
    assert_raw(c.cmd_str(&["SET", "s", "foobar"]), OK);
    assert_raw(c.cmd_str(&["BITCOUNT", "s"]), int(26));
    assert_raw(c.cmd_str(&["BITCOUNT", "s", "0", "0"]), int(4));
    assert_raw(c.cmd_str(&["BITCOUNT", "s", "1", "1"]), int(6));
    assert_raw(c.cmd_str(&["BITCOUNT", "s", "1", "1", "BYTE"]), int(6));
    assert_raw(c.cmd_str(&["BITCOUNT", "s", "5", "30", "BIT"]), int(17));
    assert_raw(c.cmd_str(&["BITCOUNT", "s", "-1", "-100"]), int(0));
    assert_raw(c.cmd_str(&["BITCOUNT", "s", "1"]), err("ERR syntax error"));
    assert_raw(
        c.cmd_str(&["BITCOUNT", "s", "1", "2", "bits"]),
        err("ERR syntax error"),
    );
    assert_raw(
        c.cmd_str(&["BITCOUNT", "s", "a", "2"]),
        err("ERR value is not an integer or out of range"),
    );
    // Redis 7.0 looks the key up before parsing the range.
    assert_raw(c.cmd_str(&["BITCOUNT", "missing", "a", "b"]), int(0));

    assert_raw(c.cmd_str(&["SET", "p", "\u{7f}"]), OK);
    assert_raw(c.cmd_str(&["BITPOS", "p", "0"]), int(0));
    assert_raw(c.cmd_str(&["BITPOS", "p", "1"]), int(1));
    assert_raw(c.cmd_str(&["SETRANGE", "p", "0", "\u{0}\u{0}"]), int(2));
    assert_raw(c.cmd_str(&["BITPOS", "p", "1"]), int(-1));
    assert_raw(c.cmd_str(&["BITPOS", "p", "0"]), int(0));
    // All ones: without an end the string continues with zeros, with one it does not.
    assert_raw(c.cmd_str(&["SET", "q", "\u{7f}"]), OK);
    assert_raw(c.cmd_str(&["SETBIT", "q", "0", "1"]), int(0));
    assert_raw(c.cmd_str(&["BITPOS", "q", "0"]), int(8));
    assert_raw(c.cmd_str(&["BITPOS", "q", "0", "0"]), int(8));
    assert_raw(c.cmd_str(&["BITPOS", "q", "0", "0", "-1"]), int(-1));
    assert_raw(c.cmd_str(&["BITPOS", "q", "1", "3", "-1", "BIT"]), int(3));
    assert_raw(c.cmd_str(&["BITPOS", "missing", "0"]), int(0));
    assert_raw(c.cmd_str(&["BITPOS", "missing", "1"]), int(-1));
    assert_raw(
        c.cmd_str(&["BITPOS", "q", "2"]),
        err("ERR The bit argument must be 1 or 0."),
    );
    assert_raw(
        c.cmd_str(&["BITPOS", "q", "1", "0", "1", "BIT", "x"]),
        err("ERR syntax error"),
    );
}

#[test]
fn bitop_forms() {
    let s = Server::start();
    let mut c = s.raw();
    assert_raw(c.cmd_str(&["SET", "a", "\u{f}\u{f}"]), OK);
    assert_raw(c.cmd_str(&["SET", "b", "\u{3}"]), OK);
    assert_raw(c.cmd_str(&["BITOP", "AND", "d", "a", "b"]), int(2));
    assert_raw(c.cmd_str(&["GET", "d"]), bulk(b"\x03\x00"));
    assert_raw(
        c.cmd_str(&["BITOP", "or", "d", "a", "b", "missing"]),
        int(2),
    );
    assert_raw(c.cmd_str(&["GET", "d"]), bulk(b"\x0f\x0f"));
    assert_raw(c.cmd_str(&["BITOP", "XOR", "d", "a", "b"]), int(2));
    assert_raw(c.cmd_str(&["GET", "d"]), bulk(b"\x0c\x0f"));
    assert_raw(c.cmd_str(&["BITOP", "NOT", "d", "b"]), int(1));
    assert_raw(c.cmd_str(&["GET", "d"]), bulk(b"\xfc"));
    assert_raw(
        c.cmd_str(&["BITOP", "NOT", "d", "a", "b"]),
        err("ERR BITOP NOT must be called with a single source key."),
    );
    assert_raw(
        c.cmd_str(&["BITOP", "NAND", "d", "a"]),
        err("ERR syntax error"),
    );
    // An empty result deletes the destination, whatever it held.
    assert_raw(c.cmd_str(&["RPUSH", "list", "x"]), int(1));
    assert_raw(c.cmd_str(&["BITOP", "AND", "list", "missing"]), int(0));
    assert_raw(c.cmd_str(&["EXISTS", "list"]), int(0));
    assert_raw(c.cmd_str(&["RPUSH", "list", "x"]), int(1));
    assert_raw(
        c.cmd_str(&["BITOP", "AND", "d", "a", "list"]),
        err(WRONGTYPE),
    );
    assert_raw(c.cmd_str(&["GET", "d"]), bulk(b"\xfc"));
    // The destination is overwritten with a plain string, TTL cleared.
    assert_raw(c.cmd_str(&["BITOP", "OR", "list", "a"]), int(2));
    assert_raw(c.cmd_str(&["TYPE", "list"]), b"+string\r\n");
    assert_raw(c.cmd_str(&["EXPIRE", "d", "100"]), int(1));
    assert_raw(c.cmd_str(&["BITOP", "OR", "d", "a"]), int(2));
    assert_raw(c.cmd_str(&["TTL", "d"]), int(-1));
}

#[test]
fn bitfield_operations_and_overflow() {
    let s = Server::start();
    let mut c = s.raw();
    assert_raw(
        c.cmd_str(&["BITFIELD", "f", "SET", "u8", "0", "255", "GET", "u8", "0"]),
        array(&[int(0), int(255)]),
    );
    assert_raw(
        c.cmd_str(&["BITFIELD", "f", "INCRBY", "u8", "0", "10"]),
        array(&[int(9)]),
    );
    assert_raw(
        c.cmd_str(&[
            "BITFIELD", "f", "OVERFLOW", "SAT", "INCRBY", "u8", "0", "300", "OVERFLOW", "FAIL",
            "INCRBY", "u8", "0", "1", "INCRBY", "i4", "#3", "-9",
        ]),
        array(&[int(255), NIL.to_vec(), NIL.to_vec()]),
    );
    assert_raw(c.cmd_str(&["STRLEN", "f"]), int(2));
    assert_raw(
        c.cmd_str(&[
            "BITFIELD", "f", "SET", "i64", "8", "-1", "GET", "i64", "8", "GET", "u63", "8",
        ]),
        array(&[int(0), int(-1), int(i64::MAX)]),
    );
    assert_raw(
        c.cmd_str(&["BITFIELD", "missing", "GET", "i8", "0"]),
        array(&[int(0)]),
    );
    assert_raw(c.cmd_str(&["EXISTS", "missing"]), int(0));
    assert_raw(c.cmd_str(&["BITFIELD", "f"]), array(&[]));
    assert_raw(
        c.cmd_str(&["BITFIELD", "f", "GET", "u64", "0"]),
        err(BAD_TYPE),
    );
    assert_raw(
        c.cmd_str(&["BITFIELD", "f", "GET", "i65", "0"]),
        err(BAD_TYPE),
    );
    assert_raw(
        c.cmd_str(&["BITFIELD", "f", "GET", "i8", "#x"]),
        err(BAD_OFFSET),
    );
    assert_raw(
        c.cmd_str(&["BITFIELD", "f", "OVERFLOW", "MAYBE"]),
        err("ERR Invalid OVERFLOW type specified"),
    );
    assert_raw(
        c.cmd_str(&["BITFIELD", "f", "GET", "i8"]),
        err("ERR syntax error"),
    );
    assert_raw(
        c.cmd_str(&["BITFIELD", "f", "SET", "i8", "0", "x"]),
        err("ERR value is not an integer or out of range"),
    );
    assert_raw(
        c.cmd_str(&["BITFIELD_RO", "f", "GET", "u8", "0", "GET", "i4", "4"]),
        array(&[int(255), int(-1)]),
    );
    assert_raw(
        c.cmd_str(&["BITFIELD_RO", "f", "SET", "u8", "0", "1"]),
        err("ERR BITFIELD_RO only supports the GET subcommand"),
    );
    assert_raw(c.cmd_str(&["RPUSH", "list", "x"]), int(1));
    assert_raw(
        c.cmd_str(&["BITFIELD", "list", "GET", "u8", "0"]),
        err(WRONGTYPE),
    );
    assert_raw(
        c.cmd_str(&["BITFIELD", "list", "SET", "u8", "0", "1"]),
        err(WRONGTYPE),
    );
}

#[test]
fn resp3_replies() {
    let s = Server::start();
    let mut c = s.raw();
    c.cmd_str(&["HELLO", "3"]);
    assert_raw(
        c.cmd_str(&[
            "BITFIELD", "f", "OVERFLOW", "FAIL", "INCRBY", "u2", "0", "9", "GET", "u2", "0",
        ]),
        b"*2\r\n_\r\n:0\r\n",
    );
    assert_raw(c.cmd_str(&["SETBIT", "f", "1", "1"]), int(0));
    assert_raw(c.cmd_str(&["BITCOUNT", "f"]), int(1));
}

#[test]
fn offsets_are_bounded_by_proto_max_bulk_len() {
    let s = Server::start_with(&["--proto-max-bulk-len", "1mb"]);
    let mut c = s.raw();
    let limit_bits: i64 = 8 * 1024 * 1024;
    let at = |bits: i64| bits.to_string();
    assert_raw(
        c.cmd_str(&["SETBIT", "k", &at(limit_bits), "1"]),
        err(BAD_OFFSET),
    );
    assert_raw(
        c.cmd_str(&["GETBIT", "k", &at(limit_bits)]),
        err(BAD_OFFSET),
    );
    assert_raw(
        c.cmd_str(&["BITFIELD", "k", "GET", "u8", &format!("#{}", 1024 * 1024)]),
        err(BAD_OFFSET),
    );
    assert_raw(
        c.cmd_str(&["SETBIT", "k", &at(limit_bits - 1), "1"]),
        int(0),
    );
    assert_raw(c.cmd_str(&["STRLEN", "k"]), int(1024 * 1024));
    assert_raw(c.cmd_str(&["BITCOUNT", "k"]), int(1));
    assert_raw(c.cmd_str(&["BITPOS", "k", "1"]), int(limit_bits - 1));
    // A field that starts below the limit may end past it, as in Redis.
    assert_raw(
        c.cmd_str(&["BITFIELD", "k", "SET", "u16", &at(limit_bits - 8), "65535"]),
        array(&[int(256)]),
    );
    assert_raw(c.cmd_str(&["STRLEN", "k"]), int(1024 * 1024 + 1));
}

#[test]
fn large_bitmaps_count_fast() {
    // 64 MB: big enough to show a per-bit loop, small enough for a shared test machine.
    let s = Server::start();
    let mut c = s.raw();
    let bytes: i64 = 64 * 1024 * 1024;
    let last = bytes * 8 - 1;
    assert_raw(
        c.cmd_str(&["SETBIT", "big", &last.to_string(), "1"]),
        int(0),
    );
    assert_raw(c.cmd_str(&["SETBIT", "big", "12345", "1"]), int(0));
    let started = std::time::Instant::now();
    assert_raw(c.cmd_str(&["BITCOUNT", "big"]), int(2));
    assert_raw(c.cmd_str(&["BITPOS", "big", "1", "2000"]), int(last));
    assert_raw(c.cmd_str(&["BITOP", "NOT", "inv", "big"]), int(bytes));
    assert_raw(c.cmd_str(&["BITPOS", "inv", "0"]), int(12345));
    let elapsed = started.elapsed();
    assert!(elapsed.as_secs() < 20, "took {elapsed:?}");
    assert_raw(c.cmd_str(&["DEL", "big", "inv"]), int(2));
}

#[test]
fn edge_cases_match_redis() {
    let mut steps = vec![
        cmd(&["SET", "s", "foobar"]),
        cmd(&["RPUSH", "list", "x"]),
        cmd(&["SET", "n", "12"]),
    ];
    for c in [
        "GETBIT s 1",
        "SETBIT n 3 1",
        "GET n",
        "BITCOUNT s -3 -1 BIT",
        "BITCOUNT s 5 30 bit",
        "BITCOUNT s 0 -1 bit",
        "BITCOUNT s 1 2 3 4",
        "BITCOUNT list",
        "BITCOUNT list x y",
        "BITPOS s 0 1 2 3 4",
        "BITPOS s 0 x",
        "BITPOS s 0 1 x",
        "BITPOS s 1 2 -1 bit",
        "BITPOS s 0 -3 -1 bit",
        "BITPOS s 1 7 15 bit",
        "BITPOS s 0 7 15 bit",
        "BITPOS s 0 0 -1 byte",
        "BITPOS s 1 -1 -2",
        "BITPOS s x",
        "BITPOS missing 1 x",
        "BITPOS list 1",
        "BITOP not d s s",
        "BITOP and d",
        "BITOP and d missing",
        "BITOP or d s list",
        "BITOP xor d s n",
        "GET d",
        "BITFIELD s get i8 #-1",
        "BITFIELD s set i8 #9223372036854775807 1",
        "BITFIELD s set u8 0 -1 overflow sat set u8 8 -1 overflow fail set u8 16 -1",
        "BITFIELD s overflow wrap set i8 0 200 overflow sat set i8 8 200 set i8 16 -200",
        "BITFIELD s incrby i64 0 9223372036854775807 incrby i64 0 9223372036854775807",
        "BITFIELD s overflow sat incrby i64 0 -9223372036854775808 incrby i64 0 -1",
        "BITFIELD s overflow sat incrby u63 0 9223372036854775807 incrby u63 0 1",
        "BITFIELD s overflow fail incrby u63 0 -9223372036854775808",
        "BITFIELD s incrby u2 0 -1 overflow fail incrby u2 100 -1",
        "BITFIELD s get u1 0 get i1 0 get i1 1",
        "BITFIELD s GET",
        "BITFIELD s get x8 0",
        "BITFIELD s set u8",
        "BITFIELD_RO s get u8 0 incrby u8 0 1",
        "BITFIELD_RO list set u8 0 1",
        "BITFIELD_RO list get u8 0",
        "BITFIELD missing overflow fail incrby u8 0 1000",
        "GET missing",
        "GET s",
    ] {
        steps.push(c.split(' ').map(|w| w.as_bytes().to_vec()).collect());
    }
    same_as_redis("edge_cases_match_redis", &steps);
}

/// Keys of the random runs: a few strings and one list (for WRONGTYPE).
const KEYS: &[&str] = &["b1", "b2", "b3", "b4", "list"];

fn key(rng: &mut StdRng) -> String {
    KEYS.choose(rng).expect("keys").to_string()
}

fn pick(rng: &mut StdRng, options: &[&str]) -> String {
    options.choose(rng).expect("options").to_string()
}

fn bit_offset(rng: &mut StdRng) -> String {
    match rng.gen_range(0..20) {
        0 => rng.gen_range(0..5000).to_string(),
        1 => pick(rng, &["-1", "x", "4294967296", "1.5", ""]),
        _ => rng.gen_range(0..160).to_string(),
    }
}

fn index(rng: &mut StdRng) -> String {
    match rng.gen_range(0..30) {
        0 => "x".into(),
        1 => "-9223372036854775808".into(),
        2 => "9223372036854775807".into(),
        _ => rng.gen_range(-40..40).to_string(),
    }
}

fn unit(rng: &mut StdRng) -> String {
    pick(rng, &["BYTE", "BIT", "bit", "byte", "bits"])
}

fn field_type(rng: &mut StdRng) -> String {
    if rng.gen_ratio(1, 30) {
        return pick(rng, &["u64", "i65", "i0", "x8", "u", ""]);
    }
    let signed = rng.gen_bool(0.5);
    let bits = match rng.gen_range(0..4) {
        0 => rng.gen_range(1..=8),
        1 => *[16, 32, 63].choose(rng).expect("width"),
        2 => 64,
        _ => rng.gen_range(1..=64),
    };
    let bits = if !signed && bits == 64 { 63 } else { bits };
    format!("{}{bits}", if signed { "i" } else { "u" })
}

fn field_value(rng: &mut StdRng) -> String {
    match rng.gen_range(0..8) {
        0 => i64::MAX.to_string(),
        1 => i64::MIN.to_string(),
        2 => rng.gen::<i64>().to_string(),
        3 => rng.gen_range(-300..300).to_string(),
        4 => (1i64 << rng.gen_range(0..63)).to_string(),
        5 => (-(1i64 << rng.gen_range(0..63))).to_string(),
        6 if rng.gen_ratio(1, 5) => "x".into(),
        _ => rng.gen_range(-3..4).to_string(),
    }
}

fn bitfield_args(rng: &mut StdRng, read_only: bool) -> Vec<String> {
    let mut out = Vec::new();
    for _ in 0..rng.gen_range(0..5) {
        let offset = if rng.gen_ratio(1, 4) {
            format!("#{}", rng.gen_range(0..20))
        } else {
            rng.gen_range(0..200).to_string()
        };
        let write = !read_only || rng.gen_ratio(1, 10);
        match rng.gen_range(0..8) {
            3 | 4 if write => out.extend(["SET".into(), field_type(rng), offset, field_value(rng)]),
            5 | 6 if write => {
                out.extend(["INCRBY".into(), field_type(rng), offset, field_value(rng)])
            }
            7 => out.extend([
                "OVERFLOW".into(),
                pick(rng, &["WRAP", "SAT", "FAIL", "fail", "sat"]),
            ]),
            _ => out.extend(["GET".into(), field_type(rng), offset]),
        }
    }
    if rng.gen_ratio(1, 40) {
        out.push("GET".into());
    }
    out
}

/// A random bitmap command (a pure function of the generator state).
fn random_step(rng: &mut StdRng) -> Cmd {
    let k = key(rng);
    let words: Vec<String> = match rng.gen_range(0..100) {
        0..=19 => {
            let bit = if rng.gen_ratio(1, 30) {
                "2".into()
            } else {
                pick(rng, &["0", "1"])
            };
            vec!["SETBIT".into(), k, bit_offset(rng), bit]
        }
        20..=29 => vec!["GETBIT".into(), k, bit_offset(rng)],
        30..=41 => {
            let mut w = vec!["BITCOUNT".into(), k];
            match rng.gen_range(0..5) {
                0 => {}
                1 => w.push(index(rng)),
                2 => w.extend([index(rng), index(rng)]),
                _ => w.extend([index(rng), index(rng), unit(rng)]),
            }
            w
        }
        42..=55 => {
            let bit = if rng.gen_ratio(1, 30) {
                "-1".into()
            } else {
                pick(rng, &["0", "1"])
            };
            let mut w = vec!["BITPOS".into(), k, bit];
            match rng.gen_range(0..4) {
                0 => {}
                1 => w.push(index(rng)),
                2 => w.extend([index(rng), index(rng)]),
                _ => w.extend([index(rng), index(rng), unit(rng)]),
            }
            w
        }
        56..=65 => {
            let op = pick(rng, &["AND", "OR", "XOR", "NOT", "and", "not"]);
            let n = if op.eq_ignore_ascii_case("not") && !rng.gen_ratio(1, 10) {
                1
            } else {
                rng.gen_range(1..4)
            };
            let mut w = vec!["BITOP".into(), op, k];
            w.extend((0..n).map(|_| key(rng)));
            w
        }
        66..=79 => {
            let mut w = vec!["BITFIELD".into(), k];
            w.extend(bitfield_args(rng, false));
            w
        }
        80..=84 => {
            let mut w = vec!["BITFIELD_RO".into(), k];
            w.extend(bitfield_args(rng, true));
            w
        }
        85..=91 => vec!["GET".into(), k],
        92..=94 => {
            let len = rng.gen_range(0..12);
            let v: String = (0..len)
                .map(|_| rng.gen_range(b'0'..=b'z') as char)
                .collect();
            vec!["SET".into(), k, v]
        }
        95..=96 => {
            // Runs of ones (BITPOS 0 over whole words) or of a single byte value.
            let byte = if rng.gen_bool(0.5) { 0xff } else { rng.gen() };
            let run = vec![byte; rng.gen_range(1..48)];
            let offset = rng.gen_range(0..40).to_string().into_bytes();
            return vec![b"SETRANGE".to_vec(), k.into_bytes(), offset, run];
        }
        97 => vec!["DEL".into(), k],
        _ => vec!["STRLEN".into(), k],
    };
    words.into_iter().map(String::into_bytes).collect()
}

/// A sequence of `n` random steps from `seed`, after creating the list key.
fn generate(seed: u64, n: usize) -> Vec<Cmd> {
    let mut rng = StdRng::seed_from_u64(seed);
    let mut steps = vec![cmd(&["RPUSH", "list", "x"])];
    steps.extend((0..n).map(|_| random_step(&mut rng)));
    steps
}

#[test]
fn random_sequences_match_redis() {
    let seed = redraft_tests::diff_seed("random_sequences_match_redis");
    let steps = generate(seed, 3000);
    run_against_redis(
        "random_sequences_match_redis",
        seed,
        &[],
        &steps,
        1,
        |_, e, a| e == a,
    );
}

#[test]
fn random_sequences_match_redis_pipelined_resp3() {
    let test = "random_sequences_match_redis_pipelined_resp3";
    let seed = redraft_tests::diff_seed(test);
    let steps = generate(seed.wrapping_add(1), 3000);
    run_against_redis(
        test,
        seed,
        &[cmd(&["HELLO", "3"])],
        &steps,
        40,
        |_, e, a| e == a,
    );
}

#[test]
fn generator_is_deterministic() {
    assert_eq!(generate(7, 300), generate(7, 300));
    assert_ne!(generate(7, 300), generate(8, 300));
}
