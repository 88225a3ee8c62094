//! Malformed and hostile input: protocol errors (exact text, then the connection closes), inline
//! commands, size limits, memory bounds, slow clients, binary safety.

use std::collections::BTreeSet;
use std::sync::mpsc;
use std::time::{Duration, Instant};

use redraft_tests::{escape, RawClient, Server};

use crate::{assert_raw, bulk, err, int, NIL, OK};

/// Sends `input` on a fresh connection and expects exactly `reply` followed by the server closing.
#[track_caller]
fn expect_error_and_close(s: &Server, input: &[u8], reply: &str) {
    let mut c = s.raw();
    c.send(input);
    let got = c.read_until_closed();
    assert!(
        got == err(reply),
        "input {}\n  expected: {} then close\n  actual:   {}",
        escape(input),
        escape(&err(reply)),
        escape(&got)
    );
}

/// The server still serves a fresh client.
#[track_caller]
fn assert_serving(s: &Server) {
    let mut c = s.raw();
    assert_raw(c.cmd_str(&["PING"]), b"+PONG\r\n");
}

#[test]
fn protocol_errors_close_the_connection() {
    let s = Server::start();
    let cases: &[(&[u8], &str)] = &[
        (b"*abc\r\n", "ERR Protocol error: invalid multibulk length"),
        (
            b"*2147483648\r\n",
            "ERR Protocol error: invalid multibulk length",
        ),
        (
            b"*1\r\n+foo\r\n",
            "ERR Protocol error: expected '$', got '+'",
        ),
        (
            b"*2\r\n$4\r\nECHO\r\n:12\r\n",
            "ERR Protocol error: expected '$', got ':'",
        ),
        (b"*1\r\n$-5\r\n", "ERR Protocol error: invalid bulk length"),
        (b"*1\r\n$abc\r\n", "ERR Protocol error: invalid bulk length"),
        (b"*1\r\n$\r\n", "ERR Protocol error: invalid bulk length"),
        (
            b"*1\r\n$536870913\r\n",
            "ERR Protocol error: invalid bulk length",
        ),
        (
            b"SET a \"b\r\n",
            "ERR Protocol error: unbalanced quotes in request",
        ),
        (
            b"SET a 'b\r\n",
            "ERR Protocol error: unbalanced quotes in request",
        ),
        (
            b"SET a \"b\"c\r\n",
            "ERR Protocol error: unbalanced quotes in request",
        ),
    ];
    for (input, reply) in cases {
        expect_error_and_close(&s, input, reply);
    }
    // Replies to earlier pipelined commands still arrive before the error.
    let mut c = s.raw();
    c.send(b"PING\r\n*1\r\n$4\r\nPING\r\n*x\r\n");
    assert_raw(
        c.read_until_closed(),
        b"+PONG\r\n+PONG\r\n-ERR Protocol error: invalid multibulk length\r\n",
    );
    assert_serving(&s);
}

#[test]
fn inline_dollar_is_an_unknown_command_not_a_protocol_error() {
    let s = Server::start();
    let mut c = s.raw();
    c.send(b"$-5\r\n");
    assert_raw(
        c.read_reply(),
        err("ERR unknown command '$-5', with args beginning with: "),
    );
    assert_raw(c.cmd_str(&["PING"]), b"+PONG\r\n");
}

#[test]
fn inline_commands() {
    let s = Server::start();
    let mut c = s.raw();
    c.send(b"PING\r\n");
    assert_raw(c.read_reply(), b"+PONG\r\n");
    c.send(b"PING\n");
    assert_raw(c.read_reply(), b"+PONG\r\n");
    c.send(b"ping   hello  \r\n");
    assert_raw(c.read_reply(), bulk("hello"));
    // Empty lines and empty multibulks are ignored without a reply.
    c.send(b"\r\n\n   \r\n*0\r\n*-1\r\nPING\r\n");
    assert_raw(c.read_reply(), b"+PONG\r\n");
    c.send(b"SET a \"b c\"\r\nGET a\r\n");
    assert_raw(c.read_reply(), OK);
    assert_raw(c.read_reply(), bulk("b c"));
    c.send(b"SET e \"\\x41\\n\\t\\\\\" \r\nGET e\r\n");
    assert_raw(c.read_reply(), OK);
    assert_raw(c.read_reply(), bulk("A\n\t\\"));
    c.send(b"SET s 'it\\'s'\r\nGET s\r\n");
    assert_raw(c.read_reply(), OK);
    assert_raw(c.read_reply(), bulk("it's"));
    c.send(b"SET empty \"\"\r\nSTRLEN empty\r\n");
    assert_raw(c.read_reply(), OK);
    assert_raw(c.read_reply(), int(0));
    c.send(b"nosuch a b\r\n");
    assert_raw(
        c.read_reply(),
        err("ERR unknown command 'nosuch', with args beginning with: 'a' 'b' "),
    );
    // Inline and multibulk mixed in one write.
    c.send(b"GET a\r\n*2\r\n$3\r\nGET\r\n$1\r\na\r\nGET a\n");
    for _ in 0..3 {
        assert_raw(c.read_reply(), bulk("b c"));
    }
}

#[test]
fn too_big_inline_request() {
    let s = Server::start();
    let mut c = s.raw();
    let stream = c.stream().try_clone().expect("clone stream");
    // Write from another thread: the server may close while we are still sending.
    let writer = std::thread::spawn(move || {
        use std::io::Write;
        let mut stream = stream;
        let chunk = vec![b'x'; 16 * 1024];
        for _ in 0..(600 * 1024 / chunk.len()) {
            if stream.write_all(&chunk).is_err() {
                break;
            }
        }
    });
    let got = c.read_until_closed();
    writer.join().expect("writer");
    assert_raw(got, err("ERR Protocol error: too big inline request"));
    assert_serving(&s);
}

#[test]
fn unauthenticated_limits_with_requirepass() {
    let s = Server::start_with(&["--requirepass", "pw"]);
    expect_error_and_close(
        &s,
        b"*11\r\n",
        "ERR Protocol error: unauthenticated multibulk length",
    );
    expect_error_and_close(
        &s,
        b"*1\r\n$16385\r\n",
        "ERR Protocol error: unauthenticated bulk length",
    );
    // At the limits it is fine: NOAUTH, connection open.
    let mut c = s.raw();
    let mut big = vec![b"ECHO".to_vec()];
    big.push(vec![b'a'; 16384]);
    let args: Vec<&[u8]> = big.iter().map(Vec::as_slice).collect();
    assert_raw(c.cmd(&args), err("NOAUTH Authentication required."));
    let ten: Vec<&str> = ["MSET", "a", "1", "b", "2", "c", "3", "d", "4", "e"].to_vec();
    assert_raw(c.cmd_str(&ten), err("NOAUTH Authentication required."));
    // Once authenticated the limits are gone.
    assert_raw(c.cmd_str(&["AUTH", "pw"]), OK);
    let eleven = ["MSET", "a", "1", "b", "2", "c", "3", "d", "4", "e", "5"];
    assert_raw(c.cmd_str(&eleven), OK);
    let mut big = vec![b"SET".to_vec(), b"big".to_vec()];
    big.push(vec![b'a'; 100_000]);
    let args: Vec<&[u8]> = big.iter().map(Vec::as_slice).collect();
    assert_raw(c.cmd(&args), OK);
    assert_raw(c.cmd_str(&["STRLEN", "big"]), int(100_000));
}

#[test]
fn huge_declared_counts_do_not_allocate() {
    let s = Server::start();
    let rss_before = s.rss_kib();
    // A client declares a million arguments and then trickles small valid ones.
    let mut c = s.raw();
    c.send(b"*1048576\r\n");
    let arg = b"$1\r\na\r\n".repeat(2000);
    for _ in 0..25 {
        c.send(&arg);
        std::thread::sleep(Duration::from_millis(20));
    }
    // Another declares a 512 MB bulk (the maximum) and sends a few bytes of it.
    let mut d = s.raw();
    d.send(b"*2\r\n$4\r\nECHO\r\n$536870912\r\nabc");
    let mut e = s.raw();
    e.send(b"*2147483647\r\n$3\r\nGET\r\n");
    std::thread::sleep(Duration::from_millis(200));
    assert_serving(&s);
    let rss_after = s.rss_kib();
    let growth_mb = rss_after.saturating_sub(rss_before) / 1024;
    assert!(
        growth_mb < 200,
        "RSS grew by {growth_mb} MB ({rss_before} KiB -> {rss_after} KiB)"
    );
    c.assert_silent(Duration::from_millis(50));
    d.assert_silent(Duration::from_millis(50));
}

#[test]
fn slowloris_does_not_block_other_clients() {
    let s = Server::start();
    let port = s.port();
    let (done_tx, done_rx) = mpsc::channel();
    let slow = std::thread::spawn(move || {
        let mut c = RawClient::connect(port);
        let req = b"*3\r\n$3\r\nSET\r\n$4\r\nslow\r\n$5\r\nvalue\r\n";
        for byte in req.iter() {
            c.send(&[*byte]);
            std::thread::sleep(Duration::from_millis(60));
        }
        let reply = c.read_reply();
        done_tx.send(()).expect("signal");
        reply
    });
    let mut fast = s.raw();
    // The half-sent SET is not applied before its last byte arrives.
    std::thread::sleep(Duration::from_millis(300));
    assert_raw(fast.cmd_str(&["GET", "slow"]), NIL);
    let mut rounds = 0;
    let mut worst = Duration::ZERO;
    loop {
        let t = Instant::now();
        let k = format!("fast:{rounds}");
        assert_raw(fast.cmd_str(&["SET", &k, "1"]), OK);
        assert_raw(fast.cmd_str(&["GET", &k]), bulk("1"));
        // A fresh connection is accepted and served too.
        let mut fresh = s.raw();
        assert_raw(fresh.cmd_str(&["PING"]), b"+PONG\r\n");
        worst = worst.max(t.elapsed());
        rounds += 1;
        if done_rx.try_recv().is_ok() {
            break;
        }
        std::thread::sleep(Duration::from_millis(50));
        assert!(rounds < 1000, "slow client never finished");
    }
    assert_raw(slow.join().expect("slow client"), OK);
    assert!(
        rounds >= 10,
        "only {rounds} rounds while the slow client was sending"
    );
    assert!(
        worst < Duration::from_millis(500),
        "a round took {worst:?} while a slow client was sending"
    );
    assert_raw(fast.cmd_str(&["GET", "slow"]), bulk("value"));
}

#[test]
fn binary_keys_and_values_round_trip() {
    let s = Server::start();
    let mut c = s.raw();
    let keys: &[&[u8]] = &[
        b"nul\x00key",
        b"crlf\r\nkey",
        b"\xff\xfe\x80",
        b"",
        b" spaced key ",
        b"*1\r\n$4\r\nPING\r\n",
        "ünïcødé".as_bytes(),
    ];
    for (i, k) in keys.iter().enumerate() {
        let v = [*k, b"\x00\r\n".as_slice(), i.to_string().as_bytes()].concat();
        assert_raw(c.cmd(&[b"SET", k, &v]), OK);
    }
    for (i, k) in keys.iter().enumerate() {
        let v = [*k, b"\x00\r\n".as_slice(), i.to_string().as_bytes()].concat();
        assert_raw(c.cmd(&[b"GET", k]), bulk(&v));
        assert_raw(c.cmd(&[b"EXISTS", k]), int(1));
        assert_raw(c.cmd(&[b"STRLEN", k]), int(v.len() as i64));
    }
    assert_raw(c.cmd_str(&["DBSIZE"]), int(keys.len() as i64));
    let listed: BTreeSet<Vec<u8>> = redraft_tests::sorted_bulks(&c.cmd_frame(&["KEYS", "*"]))
        .into_iter()
        .collect();
    let want: BTreeSet<Vec<u8>> = keys.iter().map(|k| k.to_vec()).collect();
    assert_eq!(listed, want);
    assert_raw(c.cmd(&[b"GET", b"nul"]), NIL);
    assert_raw(c.cmd(&[b"APPEND", b"nul\x00key", b"\x00"]), int(12));

    // The same through redis-rs.
    let mut conn = s.client();
    let v: Vec<u8> = redis::cmd("GET")
        .arg(b"\xff\xfe\x80")
        .query(&mut conn)
        .expect("GET");
    assert_eq!(v, b"\xff\xfe\x80\x00\r\n2");
}

#[test]
fn big_pipeline_in_one_write() {
    let s = Server::start();
    let mut c = s.raw();
    let n = 10_000;
    let mut batch = Vec::new();
    for i in 0..n {
        batch.extend(redraft_tests::encode_cmd(&[
            b"INCR",
            format!("c{}", i % 7).as_bytes(),
        ]));
    }
    c.send(&batch);
    let replies = c.read_replies(n);
    for (i, r) in replies.iter().enumerate() {
        assert_raw(r, int((i / 7 + 1) as i64));
    }
    c.send(&b"PING\r\n".repeat(5000));
    for r in c.read_replies(5000) {
        assert_raw(r, b"+PONG\r\n");
    }
}
