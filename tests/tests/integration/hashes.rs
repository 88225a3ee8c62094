//! Hash commands: exact replies and error texts, listpack → hashtable conversions, and a seeded
//! random differential run of the whole family against redis-server (RESP2 and RESP3).
//!
//! [`diff`] is the differential driver the hash, list and set modules share: steps that say how
//! their replies compare (byte for byte, as unordered collections, as full SCAN iterations, or
//! as random picks checked against the oracle's content).

use rand::rngs::StdRng;
use rand::seq::SliceRandom;
use rand::{Rng, SeedableRng};
use redraft_tests::Server;

use crate::{array, assert_raw, bulk, bulks, err, int, NIL, OK};

use diff::{Check, Step};

const WRONGTYPE: &str = "WRONGTYPE Operation against a key holding the wrong kind of value";
const NOT_INT: &str = "ERR value is not an integer or out of range";

/// The differential driver of the collection families: seeded steps sent to the server under
/// test and to a real redis-server, each reply compared as its [`Check`] says.
pub(crate) mod diff {
    use redraft_tests::{encode_cmd, escape, RawClient, RedisOracle, Server};

    /// How the two replies to one step are compared.
    #[derive(Debug, Clone, PartialEq, Eq)]
    pub enum Check {
        /// Byte for byte.
        Exact,
        /// Neither may be an error; the content is not compared (HELLO: server name, id).
        NotError,
        /// The top-level aggregate's elements (map entries as pairs) as a multiset.
        Unordered,
        /// Byte for byte when the oracle stores `key` compactly (listpack, intset), where Redis
        /// replies in a defined order; [`Check::Unordered`] otherwise.
        OrderedIfCompact(Vec<u8>),
        /// A SCAN-family command from cursor 0: iterated to the end on both servers, the
        /// elements (field/value pairs when `pairs`) compared as sets. Errors byte for byte.
        Scan { pairs: bool },
        /// A random pick of `key`'s members or fields (SRANDMEMBER, HRANDFIELD): same shape,
        /// every pick in the oracle's content (with its value when `pairs`), distinct when
        /// `distinct`.
        Random {
            key: Vec<u8>,
            hash: bool,
            pairs: bool,
            distinct: bool,
        },
        /// SPOP: checked like [`Check::Random`] (distinct picks, really gone), then the key is
        /// rebuilt on both servers from the oracle's remaining members.
        Pop { key: Vec<u8> },
    }

    /// One generated command.
    #[derive(Debug, Clone, PartialEq, Eq)]
    pub struct Step {
        /// The command and its arguments.
        pub args: Vec<Vec<u8>>,
        /// How to compare the replies.
        pub check: Check,
    }

    /// A reply as a tree: leaves keep their raw bytes, aggregates their header line.
    #[derive(Debug, Clone)]
    pub enum Node {
        /// A non-aggregate reply (or a null aggregate), raw.
        Leaf(Vec<u8>),
        /// `*N`, `%N`, `~N`, `>N`, `|N` with its header line and children (2N for maps).
        Agg { head: Vec<u8>, children: Vec<Node> },
    }

    fn line(buf: &[u8], pos: usize) -> (usize, usize) {
        let end = buf[pos..]
            .windows(2)
            .position(|w| w == b"\r\n")
            .map(|p| pos + p)
            .unwrap_or_else(|| panic!("no CRLF in reply {}", escape(buf)));
        (end, end + 2)
    }

    fn parse_at(buf: &[u8], pos: usize) -> (Node, usize) {
        let (end, next) = line(buf, pos);
        let n: i64 = std::str::from_utf8(&buf[pos + 1..end])
            .ok()
            .and_then(|s| s.parse().ok())
            .unwrap_or(0);
        match buf[pos] {
            b'$' | b'=' | b'!' if n >= 0 => {
                let stop = next + n as usize + 2;
                (Node::Leaf(buf[pos..stop].to_vec()), stop)
            }
            b'*' | b'~' | b'>' | b'%' | b'|' if n >= 0 => {
                let count = if matches!(buf[pos], b'%' | b'|') {
                    2 * n
                } else {
                    n
                };
                let mut at = next;
                let mut children = Vec::with_capacity(count as usize);
                for _ in 0..count {
                    let (child, after) = parse_at(buf, at);
                    children.push(child);
                    at = after;
                }
                (
                    Node::Agg {
                        head: buf[pos..next].to_vec(),
                        children,
                    },
                    at,
                )
            }
            _ => (Node::Leaf(buf[pos..next].to_vec()), next),
        }
    }

    /// Parses one complete reply.
    pub fn parse(raw: &[u8]) -> Node {
        parse_at(raw, 0).0
    }

    impl Node {
        /// The raw bytes again.
        pub fn raw(&self) -> Vec<u8> {
            match self {
                Node::Leaf(b) => b.clone(),
                Node::Agg { head, children } => {
                    let mut out = head.clone();
                    for c in children {
                        out.extend(c.raw());
                    }
                    out
                }
            }
        }

        /// The reply with every bulk string's content blanked: its shape.
        pub fn skeleton(&self) -> Vec<u8> {
            match self {
                Node::Leaf(b) if b.starts_with(b"$") && !b.starts_with(b"$-1") => b"$".to_vec(),
                Node::Leaf(b) => b.clone(),
                Node::Agg { head, children } => {
                    let mut out = head.clone();
                    for c in children {
                        out.extend(c.skeleton());
                    }
                    out
                }
            }
        }

        /// Every bulk string's content, depth first.
        pub fn bulks(&self) -> Vec<Vec<u8>> {
            let mut out = Vec::new();
            self.collect_bulks(&mut out);
            out
        }

        fn collect_bulks(&self, out: &mut Vec<Vec<u8>>) {
            match self {
                Node::Leaf(b) if b.starts_with(b"$") && !b.starts_with(b"$-1") => {
                    let (_, start) = line(b, 0);
                    out.push(b[start..b.len() - 2].to_vec());
                }
                Node::Leaf(_) => {}
                Node::Agg { children, .. } => {
                    for c in children {
                        c.collect_bulks(out);
                    }
                }
            }
        }

        /// The top-level aggregate with its elements sorted (map entries kept as pairs).
        pub fn canonical_unordered(&self) -> Vec<u8> {
            match self {
                Node::Leaf(b) => b.clone(),
                Node::Agg { head, children } => {
                    let mut items: Vec<Vec<u8>> = if head.starts_with(b"%") {
                        children
                            .chunks(2)
                            .map(|p| p.iter().flat_map(Node::raw).collect())
                            .collect()
                    } else {
                        children.iter().map(Node::raw).collect()
                    };
                    items.sort();
                    let mut out = head.clone();
                    for i in items {
                        out.extend(i);
                    }
                    out
                }
            }
        }
    }

    /// Renders a command readably: `HSET "h" "f" "v"`.
    pub fn show_cmd(args: &[Vec<u8>]) -> String {
        let mut s = String::new();
        for (i, a) in args.iter().enumerate() {
            if i == 0 {
                s.push_str(&escape(a));
            } else {
                s.push_str(&format!(" \"{}\"", escape(a)));
            }
        }
        s
    }

    struct Record {
        step: usize,
        cmd: String,
        expected: Vec<u8>,
        actual: Vec<u8>,
    }

    /// The two servers and what was sent so far.
    struct Run<'a> {
        test: &'a str,
        seed: u64,
        oracle: RawClient,
        server: RawClient,
        history: Vec<Record>,
    }

    fn args_of(args: &[Vec<u8>]) -> Vec<&[u8]> {
        args.iter().map(Vec::as_slice).collect()
    }

    impl Run<'_> {
        fn fail(&self, why: &str) -> ! {
            let last = self.history.last().expect("a step was sent");
            let mut out = format!(
                "differential mismatch in {} (seed {}) at step {}: {why}\n  command: {}\n  \
                 redis:   {}\n  redraft: {}\n\nhistory (last {} steps; the state depends on \
                 all):\n",
                self.test,
                self.seed,
                last.step,
                last.cmd,
                escape(&last.expected),
                escape(&last.actual),
                self.history.len().min(60)
            );
            for r in self.history.iter().rev().take(60).rev() {
                if r.expected == r.actual {
                    out.push_str(&format!(
                        "  #{:<5} {}\n          -> {}\n",
                        r.step,
                        r.cmd,
                        escape(&r.expected)
                    ));
                } else {
                    out.push_str(&format!(
                        "  #{:<5} {}\n          -> redis:   {}\n          -> redraft: {}\n",
                        r.step,
                        r.cmd,
                        escape(&r.expected),
                        escape(&r.actual)
                    ));
                }
            }
            out.push_str(&format!(
                "\nreplay: REDRAFT_DIFF_SEED={} cargo test -p redraft-tests --test integration \
                 {}\n",
                self.seed, self.test
            ));
            panic!("{out}");
        }

        /// Sends `args` to both, returns (redis, redraft) replies, recorded in the history.
        fn both(&mut self, step: usize, args: &[Vec<u8>]) -> (Vec<u8>, Vec<u8>) {
            let wire = encode_cmd(&args_of(args));
            self.oracle.send(&wire);
            self.server.send(&wire);
            let expected = self.oracle.read_reply();
            let actual = self.server.read_reply();
            self.history.push(Record {
                step,
                cmd: show_cmd(args),
                expected: expected.clone(),
                actual: actual.clone(),
            });
            (expected, actual)
        }

        /// What the oracle holds in `key`: fields and values of a hash (flattened), members of
        /// a set; empty when absent or of another type.
        fn content(&mut self, key: &[u8], hash: bool) -> Vec<Vec<u8>> {
            let cmd: &[u8] = if hash { b"HGETALL" } else { b"SMEMBERS" };
            let reply = self.oracle.cmd(&[cmd, key]);
            if reply.starts_with(b"-") {
                return Vec::new();
            }
            parse(&reply).bulks()
        }

        fn encoding(&mut self, key: &[u8]) -> Vec<u8> {
            let reply = self.oracle.cmd(&[b"OBJECT", b"ENCODING", key]);
            parse(&reply).bulks().pop().unwrap_or_default()
        }

        /// Runs a SCAN-family command from `args` (cursor at index 2) to the end on one client.
        fn scan_all(client: &mut RawClient, args: &[Vec<u8>], pairs: bool) -> Vec<Vec<u8>> {
            let mut args = args.to_vec();
            let mut seen = Vec::new();
            for _ in 0..100_000 {
                let reply = parse(&client.cmd(&args_of(&args)));
                let Node::Agg { children, .. } = &reply else {
                    panic!("scan reply not an array: {}", escape(&reply.raw()));
                };
                let cursor = children[0].bulks().pop().expect("a cursor");
                let items = children[1].bulks();
                if pairs {
                    seen.extend(items.chunks(2).map(|p| p.concat()));
                } else {
                    seen.extend(items);
                }
                if cursor == b"0" {
                    seen.sort();
                    seen.dedup();
                    return seen;
                }
                args[2] = cursor;
            }
            panic!("scan did not end after 100000 pages: {}", show_cmd(&args));
        }

        fn step(&mut self, i: usize, s: &Step) {
            let before = match &s.check {
                Check::Random { key, hash, .. } => self.content(key, *hash),
                Check::Pop { key } => self.content(key, false),
                _ => Vec::new(),
            };
            let (expected, actual) = self.both(i, &s.args);
            let exact_ok = expected == actual;
            let either_error = expected.starts_with(b"-") || actual.starts_with(b"-");
            match &s.check {
                Check::Exact => {
                    if !exact_ok {
                        self.fail("replies differ");
                    }
                }
                Check::NotError => {
                    if either_error {
                        self.fail("an error reply");
                    }
                }
                Check::Unordered => {
                    if !exact_ok
                        && parse(&expected).canonical_unordered()
                            != parse(&actual).canonical_unordered()
                    {
                        self.fail("replies differ as unordered collections");
                    }
                }
                Check::OrderedIfCompact(key) => {
                    if exact_ok {
                        return;
                    }
                    let enc = self.encoding(key);
                    if enc == b"listpack" || enc == b"intset" {
                        self.fail(&format!(
                            "replies differ ({} encoding: order is defined)",
                            escape(&enc)
                        ));
                    }
                    if parse(&expected).canonical_unordered()
                        != parse(&actual).canonical_unordered()
                    {
                        self.fail("replies differ as unordered collections");
                    }
                }
                Check::Scan { pairs } => {
                    if either_error {
                        if !exact_ok {
                            self.fail("replies differ");
                        }
                        return;
                    }
                    // Redis reads the cursor with strtoul: "" is 0, "-1" a huge cursor whose
                    // page of a hashtable depends on the table's layout.
                    if s.args[2] != b"0" && !s.args[2].is_empty() {
                        if !exact_ok {
                            let enc = self.encoding(&s.args[1]);
                            if enc == b"listpack" || enc == b"intset" {
                                self.fail("replies differ (a compact scan returns everything)");
                            }
                        }
                        return;
                    }
                    let e = Self::scan_all(&mut self.oracle, &s.args, *pairs);
                    let a = Self::scan_all(&mut self.server, &s.args, *pairs);
                    if e != a {
                        self.fail(&format!(
                            "full scans differ: redis saw {} elements, redraft {}",
                            e.len(),
                            a.len()
                        ));
                    }
                }
                Check::Random {
                    key,
                    hash,
                    pairs,
                    distinct,
                } => {
                    if exact_ok {
                        return;
                    }
                    self.check_picks(&before, &expected, &actual, *hash, *pairs, *distinct);
                    // A count of at least the size gives the whole thing, in the encoding's
                    // order: defined for a listpack or an intset.
                    let size = if *hash {
                        before.len() / 2
                    } else {
                        before.len()
                    };
                    let picks = parse(&actual).bulks().len() / if *pairs { 2 } else { 1 };
                    if *distinct && size > 1 && picks == size {
                        let enc = self.encoding(key);
                        if enc == b"listpack" || enc == b"intset" {
                            self.fail(&format!("the whole {} in another order", escape(&enc)));
                        }
                    }
                }
                Check::Pop { key } => {
                    if exact_ok {
                        return;
                    }
                    self.check_picks(&before, &expected, &actual, false, false, true);
                    self.resync_after_pop(key, before.len(), &parse(&actual).bulks());
                }
            }
        }

        /// After SPOPs that popped different members (`popped` by the server under test, from
        /// `size` members): checks what the server under test kept, then rebuilds `key` on both
        /// servers from the oracle's members (re-adding to the old set could convert its
        /// encoding where Redis did not, if the limit was lowered since it was built).
        fn resync_after_pop(&mut self, key: &[u8], size: usize, popped: &[Vec<u8>]) {
            let card = self.server.cmd(&[b"SCARD", key]);
            if card != format!(":{}\r\n", size - popped.len()).as_bytes() {
                self.fail(&format!("SCARD after SPOP answered {}", escape(&card)));
            }
            if size > popped.len() {
                let mut c: Vec<&[u8]> = vec![b"SMISMEMBER", key];
                c.extend(popped.iter().map(Vec::as_slice));
                let still = parse(&self.server.cmd(&c)).raw();
                if still.windows(4).any(|w| w == b":1\r\n") {
                    self.fail("a popped member is still in the set");
                }
            }
            let members = self.content(key, false);
            for client in [&mut self.oracle, &mut self.server] {
                client.cmd(&[b"DEL", key]);
                if !members.is_empty() {
                    let mut c: Vec<&[u8]> = vec![b"SADD", key];
                    c.extend(members.iter().map(Vec::as_slice));
                    let reply = client.cmd(&c);
                    assert_eq!(
                        reply,
                        format!(":{}\r\n", members.len()).into_bytes(),
                        "rebuilding {} after SPOP",
                        escape(key)
                    );
                }
            }
        }

        fn check_picks(
            &self,
            content: &[Vec<u8>],
            expected: &[u8],
            actual: &[u8],
            hash: bool,
            pairs: bool,
            distinct: bool,
        ) {
            if expected.starts_with(b"-") || actual.starts_with(b"-") {
                self.fail("replies differ");
            }
            let (e, a) = (parse(expected), parse(actual));
            if e.skeleton() != a.skeleton() {
                self.fail("random replies differ in shape");
            }
            // The oracle's content as (member or field, value).
            let known: Vec<(&[u8], &[u8])> = if hash {
                content
                    .chunks(2)
                    .map(|p| (p[0].as_slice(), p[1].as_slice()))
                    .collect()
            } else {
                content.iter().map(|m| (m.as_slice(), &b""[..])).collect()
            };
            let picks = a.bulks();
            let picks: Vec<(Vec<u8>, Option<Vec<u8>>)> = if pairs {
                picks
                    .chunks(2)
                    .map(|p| (p[0].clone(), Some(p[1].clone())))
                    .collect()
            } else {
                picks.into_iter().map(|p| (p, None)).collect()
            };
            for (m, v) in &picks {
                let Some((_, val)) = known.iter().find(|(k, _)| k == m) else {
                    self.fail(&format!("redraft picked {} which is not there", escape(m)));
                };
                if v.as_deref().is_some_and(|v| v != *val) {
                    self.fail(&format!("redraft paired {} with a wrong value", escape(m)));
                }
            }
            if distinct {
                let mut names: Vec<&Vec<u8>> = picks.iter().map(|(m, _)| m).collect();
                names.sort();
                names.dedup();
                if names.len() != picks.len() {
                    self.fail("redraft picked the same element twice");
                }
            }
        }
    }

    /// Starts redis-server and the server under test, sends `setup` to both (replies compared
    /// byte for byte), then runs `steps`.
    pub fn run(test: &str, seed: u64, setup: &[Vec<Vec<u8>>], steps: &[Step]) {
        let oracle_server = RedisOracle::start();
        let server = Server::start();
        let mut run = Run {
            test,
            seed,
            oracle: oracle_server.raw(),
            server: server.raw(),
            history: Vec::with_capacity(steps.len() + setup.len()),
        };
        for args in setup {
            let (e, a) = run.both(0, args);
            if e != a {
                run.fail("setup replies differ");
            }
        }
        for (i, s) in steps.iter().enumerate() {
            run.step(i + 1, s);
        }
    }

    /// Randomly upper-, lower- or mixed-case a command or option name.
    pub fn word(rng: &mut impl rand::Rng, w: &str) -> Vec<u8> {
        match rng.gen_range(0..5) {
            0 => w.to_ascii_lowercase().into_bytes(),
            1 => w
                .chars()
                .enumerate()
                .map(|(i, c)| {
                    if i % 2 == 0 {
                        c.to_ascii_lowercase()
                    } else {
                        c.to_ascii_uppercase()
                    }
                })
                .collect::<String>()
                .into_bytes(),
            _ => w.as_bytes().to_vec(),
        }
    }

    /// Picks a command name from `(name, weight)` pairs.
    pub fn pick_weighted(
        rng: &mut impl rand::Rng,
        weights: &[(&'static str, u32)],
    ) -> &'static str {
        let total: u32 = weights.iter().map(|(_, w)| w).sum();
        let mut roll = rng.gen_range(0..total);
        for (n, w) in weights {
            if roll < *w {
                return n;
            }
            roll -= w;
        }
        weights[0].0
    }

    /// The upper-cased command names `steps` use.
    pub fn names(steps: &[Step]) -> std::collections::BTreeSet<String> {
        steps
            .iter()
            .map(|s| String::from_utf8_lossy(&s.args[0]).to_ascii_uppercase())
            .collect()
    }

    #[test]
    fn trees_parse_and_compare() {
        let raw = b"%2\r\n$1\r\nb\r\n$1\r\n2\r\n$1\r\na\r\n$1\r\n1\r\n";
        let other = b"%2\r\n$1\r\na\r\n$1\r\n1\r\n$1\r\nb\r\n$1\r\n2\r\n";
        assert_eq!(parse(raw).raw(), raw.to_vec());
        assert_eq!(
            parse(raw).canonical_unordered(),
            parse(other).canonical_unordered()
        );
        let swapped = b"%2\r\n$1\r\na\r\n$1\r\n2\r\n$1\r\nb\r\n$1\r\n1\r\n";
        assert_ne!(
            parse(raw).canonical_unordered(),
            parse(swapped).canonical_unordered()
        );
        assert_eq!(parse(raw).skeleton(), b"%2\r\n$$$$".to_vec());
        assert_eq!(parse(raw).bulks().len(), 4);
        let nested = b"*2\r\n*2\r\n$1\r\na\r\n:1\r\n$-1\r\n";
        assert_eq!(parse(nested).raw(), nested.to_vec());
        assert_eq!(parse(nested).bulks(), vec![b"a".to_vec()]);
    }
}

// ---------------------------------------------------------------------------------------------
// Exact replies.
// ---------------------------------------------------------------------------------------------

#[test]
fn hset_hget_hdel_basics() {
    let s = Server::start();
    let mut c = s.raw();
    assert_raw(c.cmd_str(&["HSET", "h", "a", "1", "b", "2"]), int(2));
    assert_raw(c.cmd_str(&["HSET", "h", "a", "10", "c", "3"]), int(1));
    assert_raw(c.cmd_str(&["HMSET", "h", "d", "4"]), OK);
    assert_raw(c.cmd_str(&["HGET", "h", "a"]), bulk("10"));
    assert_raw(c.cmd_str(&["HGET", "h", "zz"]), NIL);
    assert_raw(c.cmd_str(&["HGET", "nokey", "a"]), NIL);
    assert_raw(
        c.cmd_str(&["HMGET", "h", "a", "zz", "d"]),
        array(&[bulk("10"), NIL.to_vec(), bulk("4")]),
    );
    assert_raw(
        c.cmd_str(&["HMGET", "nokey", "a", "b"]),
        array(&[NIL.to_vec(), NIL.to_vec()]),
    );
    assert_raw(c.cmd_str(&["HLEN", "h"]), int(4));
    assert_raw(c.cmd_str(&["HLEN", "nokey"]), int(0));
    assert_raw(c.cmd_str(&["HEXISTS", "h", "a"]), int(1));
    assert_raw(c.cmd_str(&["HEXISTS", "h", "zz"]), int(0));
    assert_raw(c.cmd_str(&["HSTRLEN", "h", "a"]), int(2));
    assert_raw(c.cmd_str(&["HSTRLEN", "h", "zz"]), int(0));
    assert_raw(c.cmd_str(&["HSETNX", "h", "a", "x"]), int(0));
    assert_raw(c.cmd_str(&["HSETNX", "h", "e", "5"]), int(1));
    assert_raw(c.cmd_str(&["HSETNX", "new", "e", "5"]), int(1));
    assert_raw(c.cmd_str(&["HGET", "h", "a"]), bulk("10"));
    // Listpack order is insertion order; an update keeps the field's place.
    assert_raw(
        c.cmd_str(&["HKEYS", "h"]),
        bulks(&["a", "b", "c", "d", "e"]),
    );
    assert_raw(
        c.cmd_str(&["HVALS", "h"]),
        bulks(&["10", "2", "3", "4", "5"]),
    );
    assert_raw(c.cmd_str(&["HGETALL", "new"]), bulks(&["e", "5"]));
    assert_raw(c.cmd_str(&["HDEL", "h", "a", "a", "zz", "b"]), int(2));
    assert_raw(c.cmd_str(&["HDEL", "nokey", "a"]), int(0));
    assert_raw(c.cmd_str(&["HDEL", "h", "c", "d", "e"]), int(3));
    assert_raw(c.cmd_str(&["EXISTS", "h"]), int(0));
    assert_raw(c.cmd_str(&["HKEYS", "h"]), array(&[]));
    assert_raw(c.cmd_str(&["HGETALL", "h"]), array(&[]));
    // The same field twice in one HSET counts once; the last value wins.
    assert_raw(c.cmd_str(&["HSET", "h", "x", "1", "x", "2"]), int(1));
    assert_raw(c.cmd_str(&["HGET", "h", "x"]), bulk("2"));
    // Empty field and value, binary field.
    assert_raw(c.cmd_str(&["HSET", "h", "", ""]), int(1));
    assert_raw(c.cmd_str(&["HGET", "h", ""]), bulk(""));
    assert_raw(c.cmd(&[b"HSET", b"h", b"\x00\xff", b"\r\n"]), int(1));
    assert_raw(c.cmd(&[b"HGET", b"h", b"\x00\xff"]), bulk("\r\n"));
}

#[test]
fn hash_errors() {
    let s = Server::start();
    let mut c = s.raw();
    for (args, name) in [
        (&["HSET", "h", "a"][..], "hset"),
        (&["HSET", "h", "a", "1", "b"], "hset"),
        (&["HMSET", "h", "a", "1", "b"], "hmset"),
        (&["HSETNX", "h", "a"], "hsetnx"),
        (&["HGET", "h"], "hget"),
        (&["HMGET", "h"], "hmget"),
        (&["HDEL", "h"], "hdel"),
        (&["HLEN", "h", "x"], "hlen"),
        (&["HINCRBY", "h", "a"], "hincrby"),
        (&["HRANDFIELD"], "hrandfield"),
        (&["HSCAN", "h"], "hscan"),
    ] {
        assert_raw(
            c.cmd_str(args),
            err(&format!(
                "ERR wrong number of arguments for '{name}' command"
            )),
        );
    }
    assert_raw(c.cmd_str(&["SET", "str", "v"]), OK);
    for args in [
        &["HSET", "str", "a", "1"][..],
        &["HSETNX", "str", "a", "1"],
        &["HGET", "str", "a"],
        &["HMGET", "str", "a"],
        &["HDEL", "str", "a"],
        &["HLEN", "str"],
        &["HEXISTS", "str", "a"],
        &["HSTRLEN", "str", "a"],
        &["HKEYS", "str"],
        &["HVALS", "str"],
        &["HGETALL", "str"],
        &["HINCRBY", "str", "a", "1"],
        &["HINCRBYFLOAT", "str", "a", "1"],
        &["HRANDFIELD", "str"],
        &["HRANDFIELD", "str", "2"],
        &["HSCAN", "str", "0"],
    ] {
        assert_raw(c.cmd_str(args), err(WRONGTYPE));
    }
    // A failed HMSET (odd arguments) creates nothing.
    assert_raw(c.cmd_str(&["EXISTS", "h"]), int(0));
}

#[test]
fn hincrby_and_hincrbyfloat() {
    let s = Server::start();
    let mut c = s.raw();
    assert_raw(c.cmd_str(&["HINCRBY", "h", "n", "5"]), int(5));
    assert_raw(c.cmd_str(&["HINCRBY", "h", "n", "-7"]), int(-2));
    assert_raw(c.cmd_str(&["HINCRBY", "h", "n", "x"]), err(NOT_INT));
    assert_raw(c.cmd_str(&["HINCRBY", "h", "n", "1.5"]), err(NOT_INT));
    assert_raw(c.cmd_str(&["HSET", "h", "s", "abc", "f", "1.5"]), int(2));
    assert_raw(
        c.cmd_str(&["HINCRBY", "h", "s", "1"]),
        err("ERR hash value is not an integer"),
    );
    assert_raw(
        c.cmd_str(&["HINCRBY", "h", "f", "1"]),
        err("ERR hash value is not an integer"),
    );
    assert_raw(
        c.cmd_str(&["HSET", "h", "big", "9223372036854775807"]),
        int(1),
    );
    assert_raw(
        c.cmd_str(&["HINCRBY", "h", "big", "1"]),
        err("ERR increment or decrement would overflow"),
    );
    assert_raw(
        c.cmd_str(&["HINCRBY", "h", "n", "-9223372036854775808"]),
        err("ERR increment or decrement would overflow"),
    );
    assert_raw(c.cmd_str(&["HINCRBYFLOAT", "h", "f", "0.1"]), bulk("1.6"));
    assert_raw(c.cmd_str(&["HINCRBYFLOAT", "h", "f", "-1.6"]), bulk("0"));
    assert_raw(c.cmd_str(&["HINCRBYFLOAT", "h", "n", "1e3"]), bulk("998"));
    assert_raw(
        c.cmd_str(&["HINCRBYFLOAT", "h", "x", "10.50"]),
        bulk("10.5"),
    );
    assert_raw(c.cmd_str(&["HINCRBYFLOAT", "h", "x", "0x10"]), bulk("26.5"));
    assert_raw(
        c.cmd_str(&["HINCRBYFLOAT", "h", "s", "1"]),
        err("ERR hash value is not a float"),
    );
    assert_raw(
        c.cmd_str(&["HINCRBYFLOAT", "h", "x", "abc"]),
        err("ERR value is not a valid float"),
    );
    assert_raw(
        c.cmd_str(&["HINCRBYFLOAT", "h", "x", "inf"]),
        err("ERR value is NaN or Infinity"),
    );
    assert_raw(
        c.cmd_str(&["HINCRBYFLOAT", "h", "x", "-Infinity"]),
        err("ERR value is NaN or Infinity"),
    );
    // An overflowing literal is not a float at all.
    assert_raw(
        c.cmd_str(&["HINCRBYFLOAT", "h", "x", "1e5000"]),
        err("ERR value is not a valid float"),
    );
    assert_raw(
        c.cmd_str(&["HINCRBYFLOAT", "h", "x", "1e308"]),
        bulk(
            "99999999999999999996685879655845645660560099847415567207797047994921734868838061872100126921888539320446747225054013223152134749593960583597420814430196418767959100019603190778663109604507106667939153395788938914560543563061268364901618630217086589253444881623791300855757318142424510452728255046343928578048",
        ),
    );
    // Long double arithmetic: beyond f64's range is still finite.
    assert_raw(
        c.cmd_str(&["HINCRBYFLOAT", "h", "x", "1.7976931348623157e308"]),
        bulk(
            "279769313486231570002352240441350078789299929179619934003987695617693370918830364684014944221042050987341155710361544171686148029276505307138777262321877129888036065002204239033812550598509174132739480498569620043582760541189365866551522561741435317031294527744011878159793174665688773926186886103199182225408",
        ),
    );
    assert_raw(
        c.cmd_str(&["HSET", "h", "inf", "inf", "huge", "1e5000"]),
        int(2),
    );
    assert_raw(
        c.cmd_str(&["HINCRBYFLOAT", "h", "inf", "1"]),
        err("ERR increment would produce NaN or Infinity"),
    );
    assert_raw(
        c.cmd_str(&["HINCRBYFLOAT", "h", "huge", "1"]),
        err("ERR hash value is not a float"),
    );
    assert_raw(c.cmd_str(&["HDEL", "h", "x"]), int(1));
    assert_raw(c.cmd_str(&["HINCRBYFLOAT", "h", "x", "26.5"]), bulk("26.5"));
    assert_raw(c.cmd_str(&["HGET", "h", "x"]), bulk("26.5"));
    // A failed increment of a new key leaves no empty hash behind.
    assert_raw(
        c.cmd_str(&["HINCRBYFLOAT", "fresh", "x", "inf"]),
        err("ERR value is NaN or Infinity"),
    );
    assert_raw(c.cmd_str(&["EXISTS", "fresh"]), int(0));
    assert_raw(c.cmd_str(&["HINCRBY", "fresh", "x", "abc"]), err(NOT_INT));
    assert_raw(c.cmd_str(&["EXISTS", "fresh"]), int(0));
}

#[test]
fn hrandfield_shapes() {
    let s = Server::start();
    let mut c = s.raw();
    assert_raw(c.cmd_str(&["HRANDFIELD", "nokey"]), NIL);
    assert_raw(c.cmd_str(&["HRANDFIELD", "nokey", "3"]), array(&[]));
    assert_raw(
        c.cmd_str(&["HRANDFIELD", "nokey", "-3", "WITHVALUES"]),
        array(&[]),
    );
    assert_raw(
        c.cmd_str(&["HSET", "h", "a", "1", "b", "2", "c", "3"]),
        int(3),
    );
    assert_raw(c.cmd_str(&["HRANDFIELD", "h", "0"]), array(&[]));
    assert_raw(
        c.cmd_str(&["HRANDFIELD", "h", "1", "WITHVALUES", "x"]),
        err("ERR syntax error"),
    );
    assert_raw(
        c.cmd_str(&["HRANDFIELD", "h", "1", "FOO"]),
        err("ERR syntax error"),
    );
    assert_raw(c.cmd_str(&["HRANDFIELD", "h", "x"]), err(NOT_INT));
    assert_raw(
        c.cmd_str(&["HRANDFIELD", "h", "-9223372036854775808"]),
        err("ERR value is out of range, value must between -9223372036854775807 and 9223372036854775807"),
    );
    let f = c.cmd_frame(&["HRANDFIELD", "h"]);
    assert!(
        ["a", "b", "c"]
            .iter()
            .any(|x| f == redraft_protocol::Frame::Bulk((*x).into())),
        "{f:?}"
    );
    // A count at least the size gives every field once; negative counts repeat.
    let all = c.cmd_frame(&["HRANDFIELD", "h", "10"]);
    assert_eq!(
        redraft_tests::sorted_bulks(&all),
        vec![b"a".to_vec(), b"b".to_vec(), b"c".to_vec()]
    );
    let many = c.cmd_frame(&["HRANDFIELD", "h", "-10"]);
    assert_eq!(redraft_tests::sorted_bulks(&many).len(), 10);
    let pairs = c.cmd_frame(&["HRANDFIELD", "h", "-5", "WITHVALUES"]);
    let items = redraft_tests::sorted_bulks(&pairs);
    assert_eq!(items.len(), 10);
    // RESP3: WITHVALUES gives an array of [field, value] pairs.
    assert!(!c.cmd_str(&["HELLO", "3"]).starts_with(b"-"));
    let raw = c.cmd_str(&["HRANDFIELD", "h", "2", "WITHVALUES"]);
    let node = diff::parse(&raw);
    assert_eq!(node.skeleton(), b"*2\r\n*2\r\n$$*2\r\n$$".to_vec());
    assert_raw(c.cmd_str(&["HRANDFIELD", "nokey"]), b"_\r\n");
    assert_raw(c.cmd_str(&["HGETALL", "nokey"]), b"%0\r\n");
    assert_raw(c.cmd_str(&["HSET", "m", "f", "v"]), int(1));
    assert_raw(
        c.cmd_str(&["HGETALL", "m"]),
        b"%1\r\n$1\r\nf\r\n$1\r\nv\r\n",
    );
}

#[test]
fn hscan_small_and_large() {
    let s = Server::start();
    let mut c = s.raw();
    assert_raw(
        c.cmd_str(&["HSCAN", "nokey", "0"]),
        array(&[bulk("0"), array(&[])]),
    );
    // The cursor is read first, then the key looked up, then the options (not for an absent
    // key).
    assert_raw(
        c.cmd_str(&["HSCAN", "nokey", "0", "COUNT", "0"]),
        array(&[bulk("0"), array(&[])]),
    );
    assert_raw(
        c.cmd_str(&["HSCAN", "nokey", "x", "COUNT", "0"]),
        err("ERR invalid cursor"),
    );
    assert_raw(c.cmd_str(&["SET", "str", "v"]), OK);
    assert_raw(
        c.cmd_str(&["HSCAN", "str", "0", "COUNT", "0"]),
        err(WRONGTYPE),
    );
    assert_raw(c.cmd_str(&["HSCAN", "str", "x"]), err("ERR invalid cursor"));
    assert_raw(
        c.cmd_str(&["HSET", "h", "a", "1", "b", "2", "ab", "3"]),
        int(3),
    );
    // A listpack is returned whole, whatever COUNT says.
    assert_raw(
        c.cmd_str(&["HSCAN", "h", "0", "COUNT", "1"]),
        array(&[bulk("0"), bulks(&["a", "1", "b", "2", "ab", "3"])]),
    );
    assert_raw(
        c.cmd_str(&["HSCAN", "h", "0", "MATCH", "a*"]),
        array(&[bulk("0"), bulks(&["a", "1", "ab", "3"])]),
    );
    assert_raw(c.cmd_str(&["HSCAN", "h", "abc"]), err("ERR invalid cursor"));
    // Redis reads the cursor with strtoul: `-1` is a (huge) cursor, and a listpack ignores it.
    assert_raw(
        c.cmd_str(&["HSCAN", "h", "-1", "MATCH", "b"]),
        array(&[bulk("0"), bulks(&["b", "2"])]),
    );
    assert_raw(
        c.cmd_str(&["HSCAN", "h", "0", "COUNT", "0"]),
        err("ERR syntax error"),
    );
    assert_raw(c.cmd_str(&["HSCAN", "h", "0", "COUNT", "x"]), err(NOT_INT));
    assert_raw(
        c.cmd_str(&["HSCAN", "h", "0", "FOO", "x"]),
        err("ERR syntax error"),
    );
    assert_raw(
        c.cmd_str(&["HSCAN", "h", "0", "MATCH"]),
        err("ERR syntax error"),
    );
    // A hashtable is scanned in pages; every field comes back.
    let mut args = vec!["HSET".to_string(), "big".to_string()];
    for i in 0..1000 {
        args.push(format!("f{i}"));
        args.push(i.to_string());
    }
    let args_ref: Vec<&str> = args.iter().map(String::as_str).collect();
    assert_raw(c.cmd_str(&args_ref), int(1000));
    let mut cursor = "0".to_string();
    let mut fields = std::collections::BTreeSet::new();
    let mut pages = 0;
    loop {
        let reply = diff::parse(&c.cmd_str(&["HSCAN", "big", &cursor, "COUNT", "50"]));
        let diff::Node::Agg { children, .. } = reply else {
            panic!("not an array");
        };
        cursor = String::from_utf8(children[0].bulks().remove(0)).expect("utf8 cursor");
        for p in children[1].bulks().chunks(2) {
            assert_eq!(p[0][1..].to_vec(), p[1], "field f<n> holds n");
            fields.insert(p[0].clone());
        }
        pages += 1;
        if cursor == "0" {
            break;
        }
        assert!(pages < 1000, "scan does not end");
    }
    assert_eq!(fields.len(), 1000);
    assert!(
        pages > 5,
        "a 1000-field hash in pages of ~50, got {pages} pages"
    );
}

#[test]
fn hash_encoding_conversions() {
    let s = Server::start();
    let mut c = s.raw();
    assert_raw(
        c.cmd_str(&["CONFIG", "SET", "hash-max-listpack-entries", "3"]),
        OK,
    );
    assert_raw(
        c.cmd_str(&["CONFIG", "SET", "hash-max-listpack-value", "8"]),
        OK,
    );
    assert_raw(
        c.cmd_str(&["CONFIG", "GET", "hash-max-listpack-entries"]),
        bulks(&["hash-max-listpack-entries", "3"]),
    );
    assert_raw(
        c.cmd_str(&["HSET", "h", "a", "1", "b", "2", "c", "3"]),
        int(3),
    );
    assert_raw(c.cmd_str(&["OBJECT", "ENCODING", "h"]), bulk("listpack"));
    assert_raw(c.cmd_str(&["HSET", "h", "d", "4"]), int(1));
    assert_raw(c.cmd_str(&["OBJECT", "ENCODING", "h"]), bulk("hashtable"));
    // Never back, even when small again.
    assert_raw(c.cmd_str(&["HDEL", "h", "a", "b", "c"]), int(3));
    assert_raw(c.cmd_str(&["OBJECT", "ENCODING", "h"]), bulk("hashtable"));
    // A long value converts; so does a long field; so does one too-big HSET at creation.
    assert_raw(c.cmd_str(&["HSET", "v", "a", "12345678"]), int(1));
    assert_raw(c.cmd_str(&["OBJECT", "ENCODING", "v"]), bulk("listpack"));
    assert_raw(c.cmd_str(&["HSET", "v", "a", "123456789"]), int(0));
    assert_raw(c.cmd_str(&["OBJECT", "ENCODING", "v"]), bulk("hashtable"));
    assert_raw(c.cmd_str(&["HSET", "f", "123456789", "x"]), int(1));
    assert_raw(c.cmd_str(&["OBJECT", "ENCODING", "f"]), bulk("hashtable"));
    assert_raw(
        c.cmd_str(&["HSET", "g", "a", "1", "b", "2", "c", "3", "d", "4"]),
        int(4),
    );
    assert_raw(c.cmd_str(&["OBJECT", "ENCODING", "g"]), bulk("hashtable"));
    // HINCRBYFLOAT's result counts against the value limit too.
    assert_raw(c.cmd_str(&["HSET", "i", "x", "1"]), int(1));
    assert_raw(
        c.cmd_str(&["HINCRBYFLOAT", "i", "x", "0.0000001"]),
        bulk("1.0000001"),
    );
    assert_raw(c.cmd_str(&["OBJECT", "ENCODING", "i"]), bulk("hashtable"));
    // HSETNX and HINCRBY convert as well.
    assert_raw(c.cmd_str(&["HSETNX", "j", "x", "123456789"]), int(1));
    assert_raw(c.cmd_str(&["OBJECT", "ENCODING", "j"]), bulk("hashtable"));
    assert_raw(
        c.cmd_str(&["HINCRBY", "k", "x", "123456789"]),
        int(123_456_789),
    );
    assert_raw(c.cmd_str(&["OBJECT", "ENCODING", "k"]), bulk("hashtable"));
    // Raising the limits does not convert existing hashes back.
    assert_raw(
        c.cmd_str(&["CONFIG", "SET", "hash-max-listpack-entries", "512"]),
        OK,
    );
    assert_raw(c.cmd_str(&["OBJECT", "ENCODING", "g"]), bulk("hashtable"));
}

#[test]
fn hash_resp3_shapes() {
    let s = Server::start();
    let mut c = s.raw();
    assert!(!c.cmd_str(&["HELLO", "3"]).starts_with(b"-"));
    assert_raw(c.cmd_str(&["HGET", "h", "a"]), b"_\r\n");
    assert_raw(c.cmd_str(&["HMGET", "h", "a"]), b"*1\r\n_\r\n");
    assert_raw(c.cmd_str(&["HSET", "h", "a", "1"]), int(1));
    assert_raw(c.cmd_str(&["HKEYS", "h"]), bulks(&["a"]));
    assert_raw(c.cmd_str(&["HRANDFIELD", "h", "1"]), bulks(&["a"]));
    assert_raw(
        c.cmd_str(&["HRANDFIELD", "h", "-2", "WITHVALUES"]),
        array(&[bulks(&["a", "1"]), bulks(&["a", "1"])]),
    );
    assert_raw(
        c.cmd_str(&["HSCAN", "h", "0"]),
        array(&[bulk("0"), bulks(&["a", "1"])]),
    );
}

// ---------------------------------------------------------------------------------------------
// Differential.
// ---------------------------------------------------------------------------------------------

const HASH_KEYS: &[&[u8]] = &[b"h1", b"h2", b"h3", b"str", b"lst"];

const FIELDS: &[&[u8]] = &[
    b"f1", b"f2", b"f3", b"f4", b"f5", b"f6", b"f7", b"", b"n", b"x:1", b"\x00bin", b"1", b"-1",
    b"a b",
];

const HVALUES: &[&[u8]] = &[
    b"1",
    b"-1",
    b"0",
    b"10",
    b"1.5",
    b"abc",
    b"",
    b"9223372036854775807",
    b"-9223372036854775808",
    b"1e3",
    b"inf",
    b" 1",
    b"0x10",
    b"3.0",
    b"1.7976931348623157e308",
    b"10.50",
    b"-0",
    b"007",
];

const HINT_ARGS: &[&[u8]] = &[
    b"1",
    b"-1",
    b"0",
    b"100",
    b"-100",
    b"9223372036854775807",
    b"-9223372036854775808",
    b"abc",
    b"1.5",
    b"",
    b" 1",
    b"-0",
];

const HFLOAT_ARGS: &[&[u8]] = &[
    b"0.1",
    b"-1.5",
    b"1e3",
    b"abc",
    b"1e308",
    b"-0",
    b"3",
    b"inf",
    b"-inf",
    b"2.5e-3",
    b"",
    b"10",
    b"0x1p3",
    b"1.7976931348623157e308",
    b"nan",
    b"5.0e-1",
];

const PATTERNS: &[&[u8]] = &[b"*", b"f*", b"?", b"[a-f]*", b"*1*", b"x:*", b"f[1-3]"];

const HASH_WEIGHTS: &[(&str, u32)] = &[
    ("HSET", 12),
    ("HSETNX", 3),
    ("HMSET", 3),
    ("HGET", 6),
    ("HMGET", 3),
    ("HDEL", 5),
    ("HEXISTS", 2),
    ("HLEN", 3),
    ("HSTRLEN", 2),
    ("HKEYS", 2),
    ("HVALS", 2),
    ("HGETALL", 3),
    ("HINCRBY", 4),
    ("HINCRBYFLOAT", 4),
    ("HRANDFIELD", 5),
    ("HSCAN", 3),
    ("DEL", 1),
    ("EXISTS", 1),
    ("TYPE", 1),
    ("OBJECT", 3),
    ("CONFIG", 1),
    ("HELLO", 1),
];

struct HashGen {
    rng: StdRng,
}

impl HashGen {
    fn pick(&mut self, from: &[&[u8]]) -> Vec<u8> {
        from.choose(&mut self.rng).expect("non-empty").to_vec()
    }

    fn key(&mut self) -> Vec<u8> {
        // Mostly hashes; sometimes the string or list (WRONGTYPE).
        if self.rng.gen_ratio(1, 12) {
            self.pick(&HASH_KEYS[3..])
        } else {
            self.pick(&HASH_KEYS[..3])
        }
    }

    fn field(&mut self) -> Vec<u8> {
        if self.rng.gen_ratio(1, 25) {
            let n = self.rng.gen_range(1..80);
            return vec![b'F'; n];
        }
        self.pick(FIELDS)
    }

    fn value(&mut self) -> Vec<u8> {
        if self.rng.gen_ratio(1, 15) {
            let n = self.rng.gen_range(1..100);
            return (0..n).map(|_| self.rng.gen_range(b'a'..=b'e')).collect();
        }
        self.pick(HVALUES)
    }

    fn word(&mut self, w: &str) -> Vec<u8> {
        diff::word(&mut self.rng, w)
    }

    fn num(&mut self, lo: i64, hi: i64) -> Vec<u8> {
        self.rng.gen_range(lo..=hi).to_string().into_bytes()
    }

    fn step(&mut self) -> Step {
        let name = diff::pick_weighted(&mut self.rng, HASH_WEIGHTS);
        let mut args = vec![self.word(name)];
        let mut check = Check::Exact;
        match name {
            "HSET" | "HMSET" => {
                args.push(self.key());
                let n = self.rng.gen_range(1..=4);
                for _ in 0..n {
                    args.push(self.field());
                    args.push(self.value());
                }
                if self.rng.gen_ratio(1, 12) {
                    args.pop();
                }
            }
            "HSETNX" => {
                args.push(self.key());
                args.push(self.field());
                args.push(self.value());
            }
            "HGET" | "HEXISTS" | "HSTRLEN" => {
                args.push(self.key());
                args.push(self.field());
            }
            "HMGET" | "HDEL" => {
                args.push(self.key());
                let n = self.rng.gen_range(1..=4);
                for _ in 0..n {
                    args.push(self.field());
                }
            }
            "HLEN" | "HKEYS" | "HVALS" | "HGETALL" => {
                let key = self.key();
                args.push(key.clone());
                if name != "HLEN" {
                    check = Check::OrderedIfCompact(key);
                }
            }
            "HINCRBY" => {
                args.push(self.key());
                args.push(self.field());
                args.push(self.pick(HINT_ARGS));
            }
            "HINCRBYFLOAT" => {
                args.push(self.key());
                args.push(self.field());
                args.push(self.pick(HFLOAT_ARGS));
            }
            "HRANDFIELD" => {
                let key = self.key();
                args.push(key.clone());
                let mut distinct = true;
                match self.rng.gen_range(0..10) {
                    0 | 1 => {}
                    2..=7 => {
                        let n = self.rng.gen_range(-12i64..=12);
                        distinct = n >= 0;
                        args.push(n.to_string().into_bytes());
                        if self.rng.gen_bool(0.5) {
                            args.push(self.word("WITHVALUES"));
                        }
                    }
                    8 => {
                        let bad = self.pick(&[
                            b"abc",
                            b"-9223372036854775808",
                            b"1.5",
                            b"",
                            b"9223372036854775808",
                        ]);
                        args.push(bad);
                        if self.rng.gen_bool(0.5) {
                            args.push(self.word("WITHVALUES"));
                        }
                    }
                    _ => {
                        args.push(self.num(1, 3));
                        args.push(self.pick(&[b"WITHVALUES", b"FOO", b"withvalue"]));
                        if self.rng.gen_bool(0.5) {
                            args.push(b"x".to_vec());
                        }
                    }
                }
                let pairs = args.len() == 4 && args[3].eq_ignore_ascii_case(b"withvalues");
                check = Check::Random {
                    key,
                    hash: true,
                    pairs,
                    distinct,
                };
            }
            "HSCAN" => {
                args.push(self.key());
                args.push(self.pick(&[b"0", b"0", b"0", b"0", b"abc", b"-1", b""]));
                if self.rng.gen_bool(0.4) {
                    args.push(self.word("MATCH"));
                    args.push(self.pick(PATTERNS));
                }
                if self.rng.gen_bool(0.4) {
                    args.push(self.word("COUNT"));
                    args.push(self.pick(&[b"1", b"2", b"10", b"100", b"0", b"-1", b"abc"]));
                }
                if self.rng.gen_ratio(1, 15) {
                    args.push(self.pick(&[b"MATCH", b"FOO", b"NOVALUES"]));
                }
                check = Check::Scan { pairs: true };
            }
            "DEL" | "EXISTS" | "TYPE" => args.push(self.key()),
            "OBJECT" => {
                args.push(self.word("ENCODING"));
                args.push(self.key());
            }
            "CONFIG" => {
                args.push(self.word("SET"));
                match self.rng.gen_range(0..4) {
                    0 => {
                        args.push(b"hash-max-listpack-entries".to_vec());
                        args.push(self.pick(&[b"0", b"1", b"2", b"4", b"8", b"128", b"512"]));
                    }
                    1 => {
                        args.push(b"hash-max-ziplist-entries".to_vec());
                        args.push(self.pick(&[b"3", b"6", b"512"]));
                    }
                    2 => {
                        args.push(b"hash-max-listpack-value".to_vec());
                        args.push(self.pick(&[b"0", b"2", b"4", b"16", b"64"]));
                    }
                    _ => {
                        args.push(b"hash-max-ziplist-value".to_vec());
                        args.push(self.pick(&[b"8", b"64"]));
                    }
                }
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

/// `n` hash steps from `seed`: a pure function.
fn hash_steps(seed: u64, n: usize) -> Vec<Step> {
    let mut g = HashGen {
        rng: StdRng::seed_from_u64(seed),
    };
    (0..n).map(|_| g.step()).collect()
}

fn hash_setup(seed: u64) -> Vec<Vec<Vec<u8>>> {
    let mut rng = StdRng::seed_from_u64(seed ^ 0x5eed);
    let entries = ["2", "4", "8", "128"].choose(&mut rng).expect("entries");
    let value = ["4", "8", "64"].choose(&mut rng).expect("value");
    let cmd = |a: &[&str]| a.iter().map(|s| s.as_bytes().to_vec()).collect::<Vec<_>>();
    vec![
        cmd(&["CONFIG", "SET", "hash-max-listpack-entries", entries]),
        cmd(&["CONFIG", "SET", "hash-max-listpack-value", value]),
        cmd(&["SET", "str", "v"]),
        cmd(&["RPUSH", "lst", "a", "b"]),
    ]
}

#[test]
fn hash_generator_is_deterministic_and_covers_the_family() {
    assert_eq!(hash_steps(5, 300), hash_steps(5, 300));
    let names = diff::names(&hash_steps(9, 3000));
    for (name, _) in HASH_WEIGHTS {
        assert!(names.contains(*name), "{name} never generated");
    }
}

#[test]
fn hash_differential() {
    let seed = redraft_tests::diff_seed("hash_differential");
    diff::run(
        "hash_differential",
        seed,
        &hash_setup(seed),
        &hash_steps(seed, 3000),
    );
}
