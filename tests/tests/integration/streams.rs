//! Stream commands: exact replies for the main paths and error texts, blocking reads, and a
//! seeded random differential run of the whole family against redis-server (RESP2 byte for
//! byte, and a RESP3 run).
//!
//! The generator only uses explicit IDs (`ms-seq`, `ms`, `ms-*`), never `*`, so replies do not
//! depend on the clock. Idle thresholds are 0 or far from any real idle time (10^9 ms and more),
//! so which entries a claim takes never depends on timing either; the clock-valued fields that
//! remain (XPENDING's idle, XINFO's idle, seen-time and delivery times) are masked before those
//! replies are compared. `REDRAFT_DIFF_SEED=N` replays a run.

use std::time::{Duration, Instant};

use rand::rngs::StdRng;
use rand::seq::SliceRandom;
use rand::{Rng, SeedableRng};
use redraft_protocol::Frame;
use redraft_tests::{escape, RawClient, RedisOracle, Server};

use crate::{array, assert_raw, bulk, bulks, err, int, NIL, OK};

const INVALID_ID: &str = "ERR Invalid stream ID specified as stream command argument";
const WRONGTYPE: &str = "WRONGTYPE Operation against a key holding the wrong kind of value";

/// `[id, [field, value, …]]`.
fn entry(id: &str, pairs: &[&str]) -> Vec<u8> {
    array(&[bulk(id), bulks(pairs)])
}

#[test]
fn xadd_and_ranges() {
    let s = Server::start();
    let mut c = s.raw();
    assert_raw(c.cmd_str(&["XADD", "s", "1-1", "f", "v"]), bulk("1-1"));
    assert_raw(
        c.cmd_str(&["XADD", "s", "1-*", "f", "w", "g", "x"]),
        bulk("1-2"),
    );
    assert_raw(c.cmd_str(&["XADD", "s", "5", "f", "v"]), bulk("5-0"));
    assert_raw(c.cmd_str(&["XLEN", "s"]), int(3));
    assert_raw(
        c.cmd_str(&["XRANGE", "s", "-", "+"]),
        array(&[
            entry("1-1", &["f", "v"]),
            entry("1-2", &["f", "w", "g", "x"]),
            entry("5-0", &["f", "v"]),
        ]),
    );
    assert_raw(
        c.cmd_str(&["XREVRANGE", "s", "+", "(1-1", "COUNT", "1"]),
        array(&[entry("5-0", &["f", "v"])]),
    );
    assert_raw(
        c.cmd_str(&["XRANGE", "s", "(1-1", "1"]),
        array(&[entry("1-2", &["f", "w", "g", "x"])]),
    );
    assert_raw(
        c.cmd_str(&["XRANGE", "s", "-", "+", "COUNT", "0"]),
        b"*-1\r\n",
    );
    assert_raw(c.cmd_str(&["XRANGE", "nokey", "-", "+"]), b"*0\r\n");
    assert_raw(
        c.cmd_str(&["XADD", "s", "5-0", "f", "v"]),
        err("ERR The ID specified in XADD is equal or smaller than the target stream top item"),
    );
    assert_raw(
        c.cmd_str(&["XADD", "s", "0-0", "f", "v"]),
        err("ERR The ID specified in XADD must be greater than 0-0"),
    );
    assert_raw(c.cmd_str(&["XADD", "s", "1-x", "f", "v"]), err(INVALID_ID));
    assert_raw(
        c.cmd_str(&["XADD", "s", "6-0", "f"]),
        err("ERR wrong number of arguments for 'xadd' command"),
    );
    assert_raw(
        c.cmd_str(&["XADD", "nokey", "NOMKSTREAM", "1-1", "f", "v"]),
        NIL,
    );
    assert_raw(c.cmd_str(&["EXISTS", "nokey"]), int(0));
    assert_raw(
        c.cmd_str(&[
            "XRANGE",
            "s",
            "(18446744073709551615-18446744073709551615",
            "+",
        ]),
        err("ERR invalid start ID for the interval"),
    );
    // An emptied stream keeps its key.
    assert_raw(
        c.cmd_str(&["XDEL", "s", "1-1", "1-2", "5-0", "9-9"]),
        int(3),
    );
    assert_raw(c.cmd_str(&["TYPE", "s"]), b"+stream\r\n");
    assert_raw(c.cmd_str(&["XLEN", "s"]), int(0));
    assert_raw(
        c.cmd_str(&["XADD", "s", "5-0", "f", "v"]),
        err("ERR The ID specified in XADD is equal or smaller than the target stream top item"),
    );
    assert_raw(c.cmd_str(&["SET", "str", "x"]), OK);
    assert_raw(c.cmd_str(&["XADD", "str", "1-1", "f", "v"]), err(WRONGTYPE));
    assert_raw(c.cmd_str(&["XLEN", "str"]), err(WRONGTYPE));
}

#[test]
fn trimming_exact_and_approximate() {
    let s = Server::start();
    let mut c = s.raw();
    assert_raw(
        c.cmd_str(&["CONFIG", "SET", "stream-node-max-entries", "3"]),
        OK,
    );
    for i in 1..=10 {
        let id = format!("{i}-0");
        assert_raw(c.cmd_str(&["XADD", "s", &id, "f", "v"]), bulk(&id));
    }
    // Nodes hold 3 entries: `~` removes only the first node.
    assert_raw(c.cmd_str(&["XTRIM", "s", "MAXLEN", "~", "5"]), int(3));
    assert_raw(c.cmd_str(&["XTRIM", "s", "MAXLEN", "=", "5"]), int(2));
    assert_raw(c.cmd_str(&["XTRIM", "s", "MINID", "7"]), int(1));
    assert_raw(
        c.cmd_str(&["XADD", "s", "MAXLEN", "2", "11-0", "f", "v"]),
        bulk("11-0"),
    );
    assert_raw(
        c.cmd_str(&["XRANGE", "s", "-", "+"]),
        array(&[entry("10-0", &["f", "v"]), entry("11-0", &["f", "v"])]),
    );
    assert_raw(
        c.cmd_str(&["XTRIM", "s", "MAXLEN", "1", "LIMIT", "5"]),
        err("ERR syntax error, LIMIT cannot be used without the special ~ option"),
    );
    assert_raw(
        c.cmd_str(&["XTRIM", "s", "LIMIT", "5"]),
        err("ERR syntax error, LIMIT cannot be used without specifying a trimming strategy"),
    );
    assert_raw(
        c.cmd_str(&["XTRIM", "s", "MAXLEN", "1", "MINID", "1"]),
        err("ERR syntax error, MAXLEN and MINID options at the same time are not compatible"),
    );
}

#[test]
fn consumer_group_flow() {
    let s = Server::start();
    let mut c = s.raw();
    for id in ["1-0", "2-0", "3-0"] {
        c.cmd_str(&["XADD", "s", id, "f", "v"]);
    }
    assert_raw(c.cmd_str(&["XGROUP", "CREATE", "s", "g", "0"]), OK);
    assert_raw(
        c.cmd_str(&["XGROUP", "CREATE", "s", "g", "0"]),
        err("BUSYGROUP Consumer Group name already exists"),
    );
    assert_raw(
        c.cmd_str(&[
            "XREADGROUP",
            "GROUP",
            "g",
            "alice",
            "COUNT",
            "2",
            "STREAMS",
            "s",
            ">",
        ]),
        array(&[array(&[
            bulk("s"),
            array(&[entry("1-0", &["f", "v"]), entry("2-0", &["f", "v"])]),
        ])]),
    );
    assert_raw(
        c.cmd_str(&["XPENDING", "s", "g"]),
        array(&[
            int(2),
            bulk("1-0"),
            bulk("2-0"),
            array(&[array(&[bulk("alice"), bulk("2")])]),
        ]),
    );
    assert_raw(c.cmd_str(&["XACK", "s", "g", "1-0", "1-0", "9-0"]), int(1));
    assert_raw(
        c.cmd_str(&["XCLAIM", "s", "g", "bob", "0", "2-0", "JUSTID"]),
        array(&[bulk("2-0")]),
    );
    // A deleted entry shows in the owner's history as a nil.
    assert_raw(c.cmd_str(&["XDEL", "s", "2-0"]), int(1));
    assert_raw(
        c.cmd_str(&["XREADGROUP", "GROUP", "g", "bob", "STREAMS", "s", "0"]),
        array(&[array(&[
            bulk("s"),
            array(&[array(&[bulk("2-0"), b"*-1\r\n".to_vec()])]),
        ])]),
    );
    assert_raw(
        c.cmd_str(&["XAUTOCLAIM", "s", "g", "carol", "0", "0", "JUSTID"]),
        array(&[bulk("0-0"), array(&[]), bulks(&["2-0"])]),
    );
    assert_raw(
        c.cmd_str(&["XGROUP", "DELCONSUMER", "s", "g", "alice"]),
        int(0),
    );
    assert_raw(
        c.cmd_str(&["XREADGROUP", "GROUP", "nog", "c", "STREAMS", "s", ">"]),
        err("NOGROUP No such key 's' or consumer group 'nog' in XREADGROUP with GROUP option"),
    );
    assert_raw(
        c.cmd_str(&["XGROUP", "SETID", "s", "nog", "0"]),
        err("NOGROUP No such consumer group 'nog' for key name 's'"),
    );
    assert_raw(
        c.cmd_str(&["XGROUP", "CREATE", "nokey", "g", "$"]),
        err("ERR The XGROUP subcommand requires the key to exist. Note that for CREATE you may want to use the MKSTREAM option to create an empty stream automatically."),
    );
    assert_raw(
        c.cmd_str(&["XGROUP", "CREATE", "nokey", "g", "$", "MKSTREAM"]),
        OK,
    );
    assert_raw(
        c.cmd_str(&["XGROUP", "CREATE", "s"]),
        err("ERR wrong number of arguments for 'xgroup|create' command"),
    );
    assert_raw(
        c.cmd_str(&["XGROUP", "FOO"]),
        err("ERR unknown subcommand 'FOO'. Try XGROUP HELP."),
    );
}

#[test]
fn xinfo_stream_reports_the_bookkeeping() {
    let s = Server::start();
    let mut c = s.raw();
    c.cmd_str(&["XADD", "s", "1-0", "a", "1"]);
    c.cmd_str(&["XADD", "s", "2-0", "b", "2"]);
    c.cmd_str(&["XDEL", "s", "1-0"]);
    c.cmd_str(&["XGROUP", "CREATE", "s", "g", "0"]);
    assert_raw(
        c.cmd_str(&["XINFO", "STREAM", "s"]),
        array(&[
            bulk("length"),
            int(1),
            bulk("radix-tree-keys"),
            int(1),
            bulk("radix-tree-nodes"),
            int(2),
            bulk("last-generated-id"),
            bulk("2-0"),
            bulk("max-deleted-entry-id"),
            bulk("1-0"),
            bulk("entries-added"),
            int(2),
            bulk("recorded-first-entry-id"),
            bulk("2-0"),
            bulk("groups"),
            int(1),
            bulk("first-entry"),
            entry("2-0", &["b", "2"]),
            bulk("last-entry"),
            entry("2-0", &["b", "2"]),
        ]),
    );
    assert_raw(
        c.cmd_str(&["XINFO", "GROUPS", "s"]),
        array(&[array(&[
            bulk("name"),
            bulk("g"),
            bulk("consumers"),
            int(0),
            bulk("pending"),
            int(0),
            bulk("last-delivered-id"),
            bulk("0-0"),
            bulk("entries-read"),
            NIL.to_vec(),
            // Nothing deleted after the first entry: the lag can be worked out.
            bulk("lag"),
            int(1),
        ])]),
    );
    assert_raw(
        c.cmd_str(&["XINFO", "STREAM", "nokey"]),
        err("ERR no such key"),
    );
    assert_raw(
        c.cmd_str(&["XSETID", "s", "1-0"]),
        err("ERR The ID specified in XSETID is smaller than the target stream top item"),
    );
    assert_raw(
        c.cmd_str(&[
            "XSETID",
            "s",
            "9-0",
            "ENTRIESADDED",
            "5",
            "MAXDELETEDID",
            "3-0",
        ]),
        OK,
    );
}

#[test]
fn xread_block_serves_what_is_there_and_times_out() {
    let s = Server::start();
    let mut c = s.raw();
    c.cmd_str(&["XADD", "s", "1-0", "f", "v"]);
    assert_raw(
        c.cmd_str(&["XREAD", "BLOCK", "0", "STREAMS", "s", "0"]),
        array(&[array(&[bulk("s"), array(&[entry("1-0", &["f", "v"])])])]),
    );
    let start = Instant::now();
    assert_raw(
        c.cmd_str(&["XREAD", "BLOCK", "100", "STREAMS", "s", "$"]),
        b"*-1\r\n",
    );
    assert!(start.elapsed() >= Duration::from_millis(90));
    assert_raw(
        c.cmd_str(&["XREAD", "BLOCK", "-1", "STREAMS", "s", "$"]),
        err("ERR timeout is negative"),
    );
}

#[test]
fn blocked_xread_and_xreadgroup_wake_on_xadd() {
    let s = Server::start();
    let mut c = s.raw();
    let mut writer = s.raw();
    c.cmd_str(&["XADD", "s", "1-0", "f", "v"]);
    c.send_cmd(&[b"XREAD", b"BLOCK", b"5000", b"STREAMS", b"s", b"$"]);
    c.assert_silent(Duration::from_millis(100));
    assert_raw(writer.cmd_str(&["XADD", "s", "2-0", "f", "w"]), bulk("2-0"));
    // `$` was pinned to 1-0 when the command blocked: the new entry is served.
    assert_raw(
        c.read_reply(),
        array(&[array(&[bulk("s"), array(&[entry("2-0", &["f", "w"])])])]),
    );
    assert_raw(c.cmd_str(&["XGROUP", "CREATE", "s", "g", "$"]), OK);
    c.send_cmd(&[
        b"XREADGROUP",
        b"GROUP",
        b"g",
        b"c",
        b"BLOCK",
        b"5000",
        b"STREAMS",
        b"s",
        b">",
    ]);
    c.assert_silent(Duration::from_millis(100));
    assert_raw(writer.cmd_str(&["XADD", "s", "3-0", "f", "x"]), bulk("3-0"));
    assert_raw(
        c.read_reply(),
        array(&[array(&[bulk("s"), array(&[entry("3-0", &["f", "x"])])])]),
    );
    match c.cmd_frame(&["XPENDING", "s", "g", "-", "+", "10", "c"]) {
        Frame::Array(items) => assert_eq!(items.len(), 1, "{items:?}"),
        other => panic!("XPENDING: {other:?}"),
    }
}

// ---------------------------------------------------------------------------------------------
// Differential run
// ---------------------------------------------------------------------------------------------

const KEYS: &[&str] = &["s1", "s2", "{s}3", "str"];
const GROUPS: &[&str] = &["g1", "g2", "nog"];
const CONSUMERS: &[&str] = &["c1", "c2", "c3", ""];
const FIELDS: &[&str] = &["f", "g", "name", "n", "123", ""];
const VALUES: &[&str] = &[
    "v",
    "1",
    "-1",
    "",
    "12345678901",
    "hello world",
    "\u{0}\r\n",
];

/// How a step's replies are compared.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Compare {
    /// Byte for byte.
    Exact,
    /// After masking the clock-valued fields of XPENDING, XINFO CONSUMERS and XINFO STREAM
    /// FULL.
    Clock,
    /// XREAD/XREADGROUP: byte for byte, or (RESP3 only) Redis's map against our array of
    /// `[key, entries]` pairs — a known difference until `Frame` can express "map in RESP3,
    /// array of pairs in RESP2".
    Keyed,
}

struct Gen {
    rng: StdRng,
    /// A rough idea of each key's last ms, so most generated IDs are accepted.
    last_ms: [u64; 4],
    /// IDs recently given to XADD per key: likely entries (and pending entries) to name.
    recent: [Vec<String>; 4],
}

impl Gen {
    fn pick<'a>(&mut self, from: &[&'a str]) -> &'a str {
        from.choose(&mut self.rng).copied().unwrap_or("")
    }

    fn key(&mut self) -> (usize, String) {
        let i = if self.rng.gen_ratio(1, 25) {
            3
        } else {
            self.rng.gen_range(0..3)
        };
        (i, KEYS[i].to_string())
    }

    /// An ID near the stream's end (or anywhere, sometimes), in the forms Redis accepts.
    fn id(&mut self, k: usize) -> String {
        let last = self.last_ms[k];
        let ms = match self.rng.gen_range(0..10) {
            0 => self.rng.gen_range(0..last + 2),
            1..=6 => last.saturating_sub(self.rng.gen_range(0..4)),
            _ => last + self.rng.gen_range(1..4),
        };
        match self.rng.gen_range(0..6) {
            0 => ms.to_string(),
            _ => format!("{ms}-{}", self.rng.gen_range(0..4)),
        }
    }

    /// Mostly an ID XADD was given lately (likely present, likely pending), else any ID.
    fn known_id(&mut self, k: usize) -> String {
        match self.recent[k].choose(&mut self.rng) {
            Some(id) if self.rng.gen_ratio(3, 4) => id.clone(),
            _ => self.id(k),
        }
    }

    fn group(&mut self) -> String {
        let g = match self.rng.gen_range(0..10) {
            0..=5 => GROUPS[0],
            6..=8 => GROUPS[1],
            _ => GROUPS[2],
        };
        g.to_string()
    }

    fn bound(&mut self, k: usize, start: bool) -> String {
        match self.rng.gen_range(0..8) {
            0 => if start { "-" } else { "+" }.to_string(),
            1 => if start { "+" } else { "-" }.to_string(),
            2 => format!("({}", self.id(k)),
            3 => "(0-0".to_string(),
            4 => "bad".to_string(),
            _ => self.id(k),
        }
    }

    fn count(&mut self) -> String {
        self.pick(&["0", "1", "2", "3", "5", "10", "-1", "x"])
            .to_string()
    }

    fn pairs(&mut self, out: &mut Vec<String>) {
        let n = if self.rng.gen_ratio(1, 30) {
            0
        } else {
            self.rng.gen_range(1..4)
        };
        for _ in 0..n {
            out.push(self.pick(FIELDS).to_string());
            out.push(self.pick(VALUES).to_string());
        }
        if self.rng.gen_ratio(1, 40) {
            out.push("odd".to_string());
        }
    }

    fn trim(&mut self, k: usize, out: &mut Vec<String>) {
        let maxlen = self.rng.gen_bool(0.6);
        out.push(if maxlen { "MAXLEN" } else { "MINID" }.to_string());
        let approx = match self.rng.gen_range(0..3) {
            0 => {
                out.push("~".to_string());
                true
            }
            1 => {
                out.push("=".to_string());
                false
            }
            _ => false,
        };
        if maxlen {
            out.push(
                self.pick(&["0", "1", "3", "5", "8", "20", "-1"])
                    .to_string(),
            );
        } else {
            let id = self.id(k);
            out.push(id);
        }
        if self.rng.gen_ratio(1, if approx { 4 } else { 8 }) {
            out.push("LIMIT".to_string());
            out.push(self.pick(&["0", "1", "5", "100", "-1"]).to_string());
        }
    }

    fn min_idle(&mut self) -> String {
        self.pick(&["0", "0", "1000000000", "10000000000000", "-5"])
            .to_string()
    }

    fn step(&mut self) -> (Vec<String>, Compare) {
        let (k, key) = self.key();
        let mut a: Vec<String> = Vec::new();
        let mut compare = Compare::Exact;
        let roll = self.rng.gen_range(0..100);
        let s = |x: &str| x.to_string();
        match roll {
            0..=21 => {
                a.extend([s("XADD"), key]);
                if self.rng.gen_ratio(1, 10) {
                    a.push(s("NOMKSTREAM"));
                }
                if self.rng.gen_ratio(1, 5) {
                    self.trim(k, &mut a);
                }
                let id = match self.rng.gen_range(0..20) {
                    0 => s("0-0"),
                    1 => s("bad-id"),
                    2 => format!(
                        "{}-*",
                        self.last_ms[k].saturating_sub(self.rng.gen_range(0..2))
                    ),
                    _ => {
                        let ms = self.last_ms[k] + self.rng.gen_range(0..3);
                        self.last_ms[k] = ms;
                        let id = format!("{ms}-{}", self.rng.gen_range(0..3));
                        if self.recent[k].len() >= 16 {
                            self.recent[k].remove(0);
                        }
                        self.recent[k].push(id.clone());
                        id
                    }
                };
                a.push(id);
                self.pairs(&mut a);
            }
            22..=29 => {
                let rev = self.rng.gen_bool(0.4);
                a.push(s(if rev { "XREVRANGE" } else { "XRANGE" }));
                a.push(key);
                let (x, y) = (self.bound(k, !rev), self.bound(k, rev));
                a.extend([x, y]);
                if self.rng.gen_bool(0.4) {
                    a.push(s("COUNT"));
                    let n = self.count();
                    a.push(n);
                }
            }
            30..=32 => a.extend([s("XLEN"), key]),
            33..=37 => {
                a.extend([s("XDEL"), key]);
                for _ in 0..self.rng.gen_range(1..4) {
                    let id = self.known_id(k);
                    a.push(id);
                }
            }
            38..=41 => {
                a.extend([s("XTRIM"), key]);
                self.trim(k, &mut a);
            }
            42..=46 => {
                a.push(s("XREAD"));
                compare = Compare::Keyed;
                if self.rng.gen_bool(0.5) {
                    a.push(s("COUNT"));
                    let n = self.count();
                    a.push(n);
                }
                a.push(s("STREAMS"));
                let n = self.rng.gen_range(1..3);
                let keys: Vec<(usize, String)> = (0..n).map(|_| self.key()).collect();
                a.extend(keys.iter().map(|(_, k)| k.clone()));
                for (k, _) in &keys {
                    let id = match self.rng.gen_range(0..4) {
                        0 => s("$"),
                        1 => s("0"),
                        _ => self.id(*k),
                    };
                    a.push(id);
                }
            }
            47..=54 => {
                a.push(s("XGROUP"));
                let g = self.group();
                match self.rng.gen_range(0..9) {
                    0..=3 => {
                        a.extend([s("CREATE"), key, g]);
                        let id = match self.rng.gen_range(0..3) {
                            0 => s("$"),
                            1 => s("0"),
                            _ => self.id(k),
                        };
                        a.push(id);
                        if self.rng.gen_bool(0.6) {
                            a.push(s("MKSTREAM"));
                        }
                        if self.rng.gen_ratio(1, 4) {
                            a.push(s("ENTRIESREAD"));
                            a.push(self.pick(&["0", "2", "-1", "-2", "100"]).to_string());
                        }
                    }
                    4 | 5 => {
                        a.extend([s("SETID"), key, g]);
                        let id = match self.rng.gen_range(0..4) {
                            0 => s("$"),
                            1 => s("-"),
                            _ => self.id(k),
                        };
                        a.push(id);
                        if self.rng.gen_ratio(1, 3) {
                            a.push(s("ENTRIESREAD"));
                            a.push(self.pick(&["0", "3", "-1", "-2"]).to_string());
                        }
                    }
                    6 => a.extend([s("DESTROY"), key, g]),
                    7 => {
                        let c = self.pick(CONSUMERS).to_string();
                        a.extend([s("CREATECONSUMER"), key, g, c]);
                    }
                    _ => {
                        let c = self.pick(CONSUMERS).to_string();
                        a.extend([s("DELCONSUMER"), key, g, c]);
                    }
                }
            }
            55..=66 => {
                compare = Compare::Keyed;
                let g = self.group();
                let c = self.pick(CONSUMERS).to_string();
                a.extend([s("XREADGROUP"), s("GROUP"), g, c]);
                if self.rng.gen_bool(0.5) {
                    a.push(s("COUNT"));
                    let n = self.count();
                    a.push(n);
                }
                if self.rng.gen_ratio(1, 6) {
                    a.push(s("NOACK"));
                }
                a.push(s("STREAMS"));
                a.push(key);
                let id = match self.rng.gen_range(0..6) {
                    0 => s("0"),
                    1 => self.id(k),
                    _ => s(">"),
                };
                a.push(id);
            }
            67..=70 => {
                let g = self.group();
                a.extend([s("XACK"), key, g]);
                for _ in 0..self.rng.gen_range(1..4) {
                    let id = self.known_id(k);
                    a.push(id);
                }
            }
            71..=76 => {
                let g = self.group();
                a.extend([s("XPENDING"), key, g]);
                if self.rng.gen_bool(0.7) {
                    compare = Compare::Clock;
                    if self.rng.gen_ratio(1, 3) {
                        a.push(s("IDLE"));
                        let m = self.min_idle();
                        a.push(m);
                    }
                    let (x, y) = (self.bound(k, true), self.bound(k, false));
                    a.extend([x, y]);
                    let n = self.count();
                    a.push(n);
                    if self.rng.gen_bool(0.4) {
                        a.push(self.pick(CONSUMERS).to_string());
                    }
                }
            }
            77..=82 => {
                let g = self.group();
                let c = self.pick(CONSUMERS).to_string();
                let m = self.min_idle();
                a.extend([s("XCLAIM"), key, g, c, m]);
                for _ in 0..self.rng.gen_range(1..4) {
                    let id = self.known_id(k);
                    a.push(id);
                }
                for _ in 0..self.rng.gen_range(0..3) {
                    match self.rng.gen_range(0..7) {
                        0 => a.extend([s("IDLE"), self.pick(&["0", "10000000000"]).to_string()]),
                        1 => a.extend([
                            s("TIME"),
                            self.pick(&["0", "1000", "99999999999999"]).to_string(),
                        ]),
                        2 => a.extend([s("RETRYCOUNT"), self.pick(&["0", "7", "-1"]).to_string()]),
                        3 => a.push(s("FORCE")),
                        4 => a.push(s("JUSTID")),
                        5 => {
                            a.push(s("LASTID"));
                            let id = self.id(k);
                            a.push(id);
                        }
                        _ => a.push(s("BOGUS")),
                    }
                }
            }
            83..=87 => {
                let g = self.group();
                let c = self.pick(CONSUMERS).to_string();
                let m = self.min_idle();
                let start = self.bound(k, true);
                a.extend([s("XAUTOCLAIM"), key, g, c, m, start]);
                if self.rng.gen_bool(0.5) {
                    a.push(s("COUNT"));
                    a.push(self.pick(&["1", "2", "3", "100", "0"]).to_string());
                }
                if self.rng.gen_bool(0.3) {
                    a.push(s("JUSTID"));
                }
            }
            88..=93 => {
                a.push(s("XINFO"));
                match self.rng.gen_range(0..4) {
                    0 => a.extend([s("STREAM"), key]),
                    1 => {
                        compare = Compare::Clock;
                        a.extend([s("STREAM"), key, s("FULL")]);
                        if self.rng.gen_bool(0.5) {
                            a.push(s("COUNT"));
                            a.push(self.pick(&["0", "1", "2", "-1"]).to_string());
                        }
                    }
                    2 => a.extend([s("GROUPS"), key]),
                    _ => {
                        compare = Compare::Clock;
                        let g = self.group();
                        a.extend([s("CONSUMERS"), key, g]);
                    }
                }
            }
            94..=96 => {
                a.extend([s("XSETID"), key]);
                let id = match self.rng.gen_range(0..4) {
                    0 => {
                        self.last_ms[k] += 5;
                        format!("{}-0", self.last_ms[k])
                    }
                    _ => self.id(k),
                };
                a.push(id);
                if self.rng.gen_ratio(1, 3) {
                    a.push(s("ENTRIESADDED"));
                    a.push(self.pick(&["0", "5", "1000", "-1"]).to_string());
                }
                if self.rng.gen_ratio(1, 3) {
                    a.push(s("MAXDELETEDID"));
                    let id = self.id(k);
                    a.push(id);
                }
            }
            97 => {
                a.extend([s("DEL"), key]);
                self.last_ms[k] = 0;
                self.recent[k].clear();
            }
            _ => a.extend([s("TYPE"), key]),
        }
        (a, compare)
    }
}

/// A map reply's pairs, whether RESP3 (`Map`) or RESP2 (flat array).
fn map_values_mut(f: &mut Frame) -> Vec<(Vec<u8>, &mut Frame)> {
    match f {
        Frame::Map(pairs) => pairs
            .iter_mut()
            .filter_map(|(k, v)| match k {
                Frame::Bulk(k) => Some((k.to_vec(), v)),
                _ => None,
            })
            .collect(),
        Frame::Array(items) => {
            let mut out = Vec::new();
            let mut it = items.iter_mut();
            while let (Some(k), Some(v)) = (it.next(), it.next()) {
                if let Frame::Bulk(k) = k {
                    out.push((k.to_vec(), v));
                }
            }
            out
        }
        _ => Vec::new(),
    }
}

/// Sets item `i` of every array in `f` (an array of arrays) to 0.
fn zero_column(f: &mut Frame, i: usize) {
    if let Frame::Array(rows) = f {
        for row in rows {
            if let Frame::Array(cols) = row {
                if let Some(c) = cols.get_mut(i) {
                    *c = Frame::Integer(0);
                }
            }
        }
    }
}

/// Replaces the clock-valued parts of a reply with 0.
fn mask_clock(args: &[String], f: &mut Frame) {
    let cmd = args[0].to_ascii_uppercase();
    let sub = args
        .get(1)
        .map(|s| s.to_ascii_uppercase())
        .unwrap_or_default();
    if cmd == "XPENDING" {
        zero_column(f, 2);
    } else if cmd == "XINFO" && sub == "CONSUMERS" {
        if let Frame::Array(items) = f {
            for c in items {
                for (k, v) in map_values_mut(c) {
                    if k == b"idle" {
                        *v = Frame::Integer(0);
                    }
                }
            }
        }
    } else if cmd == "XINFO" {
        for (k, groups) in map_values_mut(f) {
            if k != b"groups" {
                continue;
            }
            let Frame::Array(groups) = groups else {
                continue;
            };
            for g in groups {
                for (k, v) in map_values_mut(g) {
                    if k == b"pending" {
                        zero_column(v, 2);
                    } else if k == b"consumers" {
                        if let Frame::Array(cs) = v {
                            for c in cs {
                                for (k, v) in map_values_mut(c) {
                                    if k == b"seen-time" {
                                        *v = Frame::Integer(0);
                                    } else if k == b"pending" {
                                        zero_column(v, 1);
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
    }
}

fn matches(
    args: &[String],
    compare: Compare,
    expected: &(Vec<u8>, Frame),
    actual: &(Vec<u8>, Frame),
) -> bool {
    if expected.0 == actual.0 {
        return true;
    }
    match compare {
        Compare::Exact => false,
        Compare::Clock => {
            let (mut e, mut a) = (expected.1.clone(), actual.1.clone());
            mask_clock(args, &mut e);
            mask_clock(args, &mut a);
            e == a
        }
        Compare::Keyed => match &expected.1 {
            Frame::Map(pairs) => {
                let as_pairs = Frame::Array(
                    pairs
                        .iter()
                        .map(|(k, v)| Frame::Array(vec![k.clone(), v.clone()]))
                        .collect(),
                );
                as_pairs == actual.1
            }
            _ => false,
        },
    }
}

fn show(args: &[String]) -> String {
    args.iter()
        .map(|a| format!("{:?}", a))
        .collect::<Vec<_>>()
        .join(" ")
}

/// Runs `steps` generated commands on redis-server and redraft and compares every reply.
fn differential(test: &str, seed: u64, steps: usize, resp3: bool, small_nodes: bool) {
    let oracle = RedisOracle::start();
    let server = Server::start();
    let mut conns: Vec<RawClient> = vec![oracle.raw(), server.raw()];
    for c in &mut conns {
        if resp3 {
            c.cmd_str(&["HELLO", "3"]);
        }
        if small_nodes {
            assert_raw(
                c.cmd_str(&["CONFIG", "SET", "stream-node-max-entries", "4"]),
                OK,
            );
            assert_raw(
                c.cmd_str(&["CONFIG", "SET", "stream-node-max-bytes", "256"]),
                OK,
            );
        }
        assert_raw(c.cmd_str(&["SET", "str", "x"]), OK);
    }
    let mut gen = Gen {
        rng: StdRng::seed_from_u64(seed),
        last_ms: [1; 4],
        recent: Default::default(),
    };
    let mut history: Vec<(Vec<String>, String)> = Vec::new();
    // Per command: replies that were errors, empty (nil, [] or 0), and anything else.
    let mut stats: Vec<(String, [u32; 3])> = Vec::new();
    for step in 0..steps {
        let (args, compare) = gen.step();
        let argv: Vec<&[u8]> = args.iter().map(|a| a.as_bytes()).collect();
        let expected = {
            conns[0].send_cmd(&argv);
            conns[0].read_reply_frame()
        };
        let actual = {
            conns[1].send_cmd(&argv);
            conns[1].read_reply_frame()
        };
        let kind = match &expected.1 {
            Frame::Error(_) => 0,
            Frame::Null | Frame::NullArray => 1,
            Frame::Array(a) if a.is_empty() => 1,
            Frame::Integer(0) => 1,
            _ => 2,
        };
        let name = args[0].to_ascii_uppercase();
        let tally = match stats.iter_mut().find(|(n, _)| *n == name) {
            Some((_, t)) => t,
            None => {
                stats.push((name, [0; 3]));
                &mut stats.last_mut().expect("just pushed").1
            }
        };
        tally[kind] += 1;
        history.push((args.clone(), escape(&expected.0)));
        if !matches(&args, compare, &expected, &actual) {
            // The state behind a mismatch: every earlier step that named the same key.
            let key = args.iter().find(|a| KEYS.contains(&a.as_str())).cloned();
            let related: Vec<String> = history
                .iter()
                .enumerate()
                .filter(|(_, (a, _))| key.as_ref().is_some_and(|k| a.contains(k)))
                .map(|(i, (a, r))| format!("  #{i} {} -> {r}", show(a)))
                .collect();
            panic!(
                "{test}: mismatch at step {step} (seed {seed})\n  command: {}\n  redis:   {}\n  \
                 redraft: {}\n\nsteps naming {key:?}:\n{}\n\nreplay: REDRAFT_DIFF_SEED={seed} \
                 cargo test -p redraft-tests --test integration {test}",
                show(&args),
                escape(&expected.0),
                escape(&actual.0),
                related.join("\n")
            );
        }
    }
    stats.sort();
    eprintln!("{test}: replies per command (errors, empty, data): {stats:?}");
}

#[test]
fn differential_resp2() {
    let seed = redraft_tests::diff_seed("differential_resp2");
    differential("differential_resp2", seed, 3000, false, false);
}

#[test]
fn differential_resp2_small_nodes() {
    let seed = redraft_tests::diff_seed("differential_resp2_small_nodes");
    differential(
        "differential_resp2_small_nodes",
        seed.wrapping_add(1),
        3000,
        false,
        true,
    );
}

#[test]
fn differential_resp3() {
    let seed = redraft_tests::diff_seed("differential_resp3");
    differential("differential_resp3", seed.wrapping_add(2), 1500, true, true);
}

#[test]
fn generator_is_deterministic() {
    let run = |seed| {
        let mut g = Gen {
            rng: StdRng::seed_from_u64(seed),
            last_ms: [1; 4],
            recent: Default::default(),
        };
        (0..200).map(|_| g.step().0).collect::<Vec<_>>()
    };
    assert_eq!(run(7), run(7));
    assert_ne!(run(7), run(8));
}
