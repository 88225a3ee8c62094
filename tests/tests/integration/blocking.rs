//! Blocking list commands with several concurrent clients: first blocked, first served; one
//! push serving several waiters; timeouts; several keys; CLIENT UNBLOCK; INFO blocked_clients
//! and the `b` flag; disconnecting waiters; pipelined commands behind a blocked one; errors.
//!
//! Every scenario is a function of a [`Server`] and runs against redraft and, where the
//! behaviour is Redis's to define, against redis-server too. Clients are [`RawClient`]s on one
//! thread: a blocking command is sent without reading, and every read is bounded by the
//! client's read timeout, so a bug fails the test instead of hanging it.

use std::time::{Duration, Instant};

use redraft_protocol::Frame;
use redraft_tests::{RawClient, RedisOracle, Server};

use crate::{array, assert_raw, bulk, bulks, err, int, OK};

const NULL_ARRAY: &[u8] = b"*-1\r\n";
const WRONGTYPE: &str = "WRONGTYPE Operation against a key holding the wrong kind of value";
const UNBLOCKED: &str = "UNBLOCKED client unblocked via CLIENT UNBLOCK";
/// How long to watch for a reply that must not come.
const QUIET: Duration = Duration::from_millis(300);

/// Runs `scenario` against redis-server, then against the server under test.
fn on_both(scenario: impl Fn(&Server)) {
    let oracle = RedisOracle::start();
    scenario(&oracle);
    drop(oracle);
    let server = Server::start();
    scenario(&server);
}

/// A field of `INFO` as an integer.
fn info_field(c: &mut RawClient, field: &str) -> i64 {
    let Frame::Bulk(text) = c.cmd_frame(&["INFO", "clients"]) else {
        panic!("INFO is not a bulk string");
    };
    let text = String::from_utf8_lossy(&text).into_owned();
    text.lines()
        .find_map(|l| l.strip_prefix(&format!("{field}:")))
        .and_then(|v| v.trim().parse().ok())
        .unwrap_or_else(|| panic!("no {field} in INFO:\n{text}"))
}

/// Waits until exactly `n` clients are blocked (bounded: 5 s).
fn wait_blocked(ctl: &mut RawClient, n: i64) {
    let deadline = Instant::now() + Duration::from_secs(5);
    loop {
        let now = info_field(ctl, "blocked_clients");
        if now == n {
            return;
        }
        assert!(
            Instant::now() < deadline,
            "blocked_clients stayed {now}, expected {n}"
        );
        std::thread::sleep(Duration::from_millis(5));
    }
}

/// CPU time (user + system) the server process has used so far.
fn cpu_time(s: &Server) -> Duration {
    let stat = std::fs::read_to_string(format!("/proc/{}/stat", s.pid())).expect("read stat");
    // Fields after the parenthesised command name; utime and stime are the 12th and 13th.
    let rest = &stat[stat.rfind(')').expect("comm") + 2..];
    let fields: Vec<&str> = rest.split(' ').collect();
    let ticks: u64 =
        fields[11].parse::<u64>().expect("utime") + fields[12].parse::<u64>().expect("stime");
    // SAFETY: sysconf has no preconditions.
    let hz = unsafe { libc::sysconf(libc::_SC_CLK_TCK) }.max(1) as u64;
    Duration::from_millis(ticks * 1000 / hz)
}

/// Asserts the server is nearly idle for a while (a blocked client must sleep, not spin).
fn assert_idle(s: &Server) {
    let before = cpu_time(s);
    std::thread::sleep(Duration::from_millis(600));
    let used = cpu_time(s) - before;
    assert!(
        used < Duration::from_millis(200),
        "the server used {used:?} of CPU in 600 ms with only a blocked client"
    );
}

/// CLIENT ID of `c`.
fn client_id(c: &mut RawClient) -> i64 {
    match c.cmd_frame(&["CLIENT", "ID"]) {
        Frame::Integer(id) => id,
        other => panic!("CLIENT ID answered {other:?}"),
    }
}

/// Sends `args` on `c` and waits until the server counts `blocked` blocked clients.
fn block(c: &mut RawClient, ctl: &mut RawClient, args: &[&str], blocked: i64) {
    let args: Vec<&[u8]> = args.iter().map(|a| a.as_bytes()).collect();
    c.send_cmd(&args);
    wait_blocked(ctl, blocked);
}

#[test]
fn first_blocked_first_served_one_push_at_a_time() {
    on_both(|s| {
        let mut ctl = s.raw();
        let mut c: Vec<RawClient> = (0..3).map(|_| s.raw()).collect();
        for (i, cl) in c.iter_mut().enumerate() {
            block(cl, &mut ctl, &["BLPOP", "q", "10"], i as i64 + 1);
        }
        for (i, item) in ["a", "b", "c"].iter().enumerate() {
            assert_raw(ctl.cmd_str(&["RPUSH", "q", item]), int(1));
            assert_raw(c[i].read_reply(), bulks(&["q", item]));
            // The push after this one is not served yet to anyone else.
            wait_blocked(&mut ctl, 2 - i as i64);
        }
        for cl in &mut c {
            cl.assert_silent(Duration::from_millis(50));
        }
        assert_raw(ctl.cmd_str(&["EXISTS", "q"]), int(0));
    });
}

#[test]
fn one_push_serves_several_waiters_in_order() {
    on_both(|s| {
        let mut ctl = s.raw();
        let mut c: Vec<RawClient> = (0..3).map(|_| s.raw()).collect();
        block(&mut c[0], &mut ctl, &["BLPOP", "q", "10"], 1);
        block(&mut c[1], &mut ctl, &["BRPOP", "q", "10"], 2);
        block(&mut c[2], &mut ctl, &["BLPOP", "q", "10"], 3);
        assert_raw(ctl.cmd_str(&["RPUSH", "q", "a", "b", "c", "d"]), int(4));
        assert_raw(c[0].read_reply(), bulks(&["q", "a"]));
        assert_raw(c[1].read_reply(), bulks(&["q", "d"]));
        assert_raw(c[2].read_reply(), bulks(&["q", "b"]));
        assert_raw(ctl.cmd_str(&["LRANGE", "q", "0", "-1"]), bulks(&["c"]));
        wait_blocked(&mut ctl, 0);
    });
}

#[test]
fn every_blocking_command_waits_its_turn() {
    on_both(|s| {
        let mut ctl = s.raw();
        let mut c: Vec<RawClient> = (0..4).map(|_| s.raw()).collect();
        block(
            &mut c[0],
            &mut ctl,
            &["BLMOVE", "q", "dst", "LEFT", "RIGHT", "10"],
            1,
        );
        block(&mut c[1], &mut ctl, &["BRPOPLPUSH", "q", "dst", "10"], 2);
        block(
            &mut c[2],
            &mut ctl,
            &["BLMPOP", "10", "2", "other", "q", "LEFT", "COUNT", "2"],
            3,
        );
        block(&mut c[3], &mut ctl, &["BRPOP", "q", "10"], 4);
        assert_raw(
            ctl.cmd_str(&["RPUSH", "q", "a", "b", "c", "d", "e"]),
            int(5),
        );
        assert_raw(c[0].read_reply(), bulk("a"));
        assert_raw(c[1].read_reply(), bulk("e"));
        assert_raw(c[2].read_reply(), array(&[bulk("q"), bulks(&["b", "c"])]));
        assert_raw(c[3].read_reply(), bulks(&["q", "d"]));
        assert_raw(
            ctl.cmd_str(&["LRANGE", "dst", "0", "-1"]),
            bulks(&["e", "a"]),
        );
        assert_raw(ctl.cmd_str(&["EXISTS", "q"]), int(0));
    });
}

#[test]
fn blmove_serves_a_client_blocked_on_its_destination() {
    on_both(|s| {
        let mut ctl = s.raw();
        let mut mover = s.raw();
        let mut popper = s.raw();
        block(
            &mut mover,
            &mut ctl,
            &["BLMOVE", "src", "mid", "LEFT", "LEFT", "10"],
            1,
        );
        block(&mut popper, &mut ctl, &["BLPOP", "mid", "10"], 2);
        assert_raw(ctl.cmd_str(&["RPUSH", "src", "x"]), int(1));
        assert_raw(mover.read_reply(), bulk("x"));
        assert_raw(popper.read_reply(), bulks(&["mid", "x"]));
        assert_raw(ctl.cmd_str(&["EXISTS", "src", "mid"]), int(0));
    });
}

#[test]
fn several_keys() {
    on_both(|s| {
        let mut ctl = s.raw();
        let mut multi = s.raw();
        let mut single = s.raw();
        block(&mut multi, &mut ctl, &["BLPOP", "k1", "k2", "k3", "10"], 1);
        block(&mut single, &mut ctl, &["BRPOP", "k2", "10"], 2);
        // The client blocked on several keys came first: it gets the first push to any.
        assert_raw(ctl.cmd_str(&["RPUSH", "k2", "x"]), int(1));
        assert_raw(multi.read_reply(), bulks(&["k2", "x"]));
        single.assert_silent(Duration::from_millis(50));
        assert_raw(ctl.cmd_str(&["RPUSH", "k3", "y"]), int(1));
        assert_raw(ctl.cmd_str(&["RPUSH", "k2", "z"]), int(1));
        assert_raw(single.read_reply(), bulks(&["k2", "z"]));
        assert_raw(ctl.cmd_str(&["LRANGE", "k3", "0", "-1"]), bulks(&["y"]));
        // A key given twice is served once.
        block(&mut multi, &mut ctl, &["BLPOP", "d", "d", "10"], 1);
        assert_raw(ctl.cmd_str(&["RPUSH", "d", "1", "2"]), int(2));
        assert_raw(multi.read_reply(), bulks(&["d", "1"]));
        assert_raw(ctl.cmd_str(&["LLEN", "d"]), int(1));
        // BLMPOP takes from the first listed key that has elements when woken.
        block(
            &mut multi,
            &mut ctl,
            &["BLMPOP", "10", "2", "m1", "m2", "RIGHT", "COUNT", "3"],
            1,
        );
        assert_raw(ctl.cmd_str(&["RPUSH", "m2", "a", "b"]), int(2));
        assert_raw(multi.read_reply(), array(&[bulk("m2"), bulks(&["b", "a"])]));
    });
}

#[test]
fn timeouts() {
    on_both(|s| {
        let mut ctl = s.raw();
        let mut c = s.raw();
        for (args, shape) in [
            (&["BLPOP", "q", "0.2"][..], NULL_ARRAY),
            (&["BRPOP", "q", "r", "0.2"], NULL_ARRAY),
            (&["BLMOVE", "q", "d", "LEFT", "LEFT", "0.2"], NULL_ARRAY),
            (&["BRPOPLPUSH", "q", "d", "0.2"], NULL_ARRAY),
            (&["BLMPOP", "0.2", "1", "q", "LEFT"], NULL_ARRAY),
        ] {
            let start = Instant::now();
            assert_raw(c.cmd_str(args), shape);
            let took = start.elapsed();
            assert!(
                took >= Duration::from_millis(180) && took < Duration::from_secs(3),
                "{args:?} timed out after {took:?}"
            );
        }
        // RESP3: the null.
        assert!(!c.cmd_str(&["HELLO", "3"]).starts_with(b"-"));
        assert_raw(c.cmd_str(&["BLPOP", "q", "0.05"]), b"_\r\n");
        assert_raw(
            c.cmd_str(&["BLMOVE", "q", "d", "LEFT", "LEFT", "0.05"]),
            b"_\r\n",
        );
        assert_raw(c.cmd_str(&["BLMPOP", "0.05", "1", "q", "LEFT"]), b"_\r\n");
        assert!(!c.cmd_str(&["HELLO", "2"]).starts_with(b"-"));
        // A timed-out waiter leaves its place: the next push goes to the one still waiting.
        let mut short = s.raw();
        let mut forever = s.raw();
        block(&mut short, &mut ctl, &["BLPOP", "q", "0.2"], 1);
        block(&mut forever, &mut ctl, &["BLPOP", "q", "0"], 2);
        assert_raw(short.read_reply(), NULL_ARRAY);
        wait_blocked(&mut ctl, 1);
        // 0 = forever: still blocked after a while.
        std::thread::sleep(Duration::from_millis(1200));
        forever.assert_silent(Duration::from_millis(50));
        assert_raw(ctl.cmd_str(&["RPUSH", "q", "v"]), int(1));
        assert_raw(forever.read_reply(), bulks(&["q", "v"]));
        wait_blocked(&mut ctl, 0);
    });
}

#[test]
fn client_unblock() {
    on_both(|s| {
        let mut ctl = s.raw();
        let mut c = s.raw();
        let id = client_id(&mut c).to_string();
        assert_raw(ctl.cmd_str(&["CLIENT", "UNBLOCK", &id]), int(0));
        block(&mut c, &mut ctl, &["BLPOP", "q", "0"], 1);
        assert_raw(ctl.cmd_str(&["CLIENT", "UNBLOCK", &id]), int(1));
        assert_raw(c.read_reply(), NULL_ARRAY);
        wait_blocked(&mut ctl, 0);
        block(
            &mut c,
            &mut ctl,
            &["BLMOVE", "q", "d", "RIGHT", "LEFT", "0"],
            1,
        );
        assert_raw(ctl.cmd_str(&["CLIENT", "UNBLOCK", &id, "timeout"]), int(1));
        assert_raw(c.read_reply(), NULL_ARRAY);
        block(&mut c, &mut ctl, &["BLMPOP", "0", "1", "q", "LEFT"], 1);
        assert_raw(ctl.cmd_str(&["CLIENT", "UNBLOCK", &id, "ERROR"]), int(1));
        assert_raw(c.read_reply(), err(UNBLOCKED));
        // Twice: the second finds nothing to unblock.
        block(&mut c, &mut ctl, &["BRPOP", "q", "0"], 1);
        assert_raw(ctl.cmd_str(&["CLIENT", "UNBLOCK", &id, "ERROR"]), int(1));
        assert_raw(c.read_reply(), err(UNBLOCKED));
        assert_raw(ctl.cmd_str(&["CLIENT", "UNBLOCK", &id, "ERROR"]), int(0));
        // The connection carries on.
        assert_raw(c.cmd_str(&["PING"]), b"+PONG\r\n");
        // Argument errors; unknown and non-blocked ids answer 0.
        assert_raw(
            ctl.cmd_str(&["CLIENT", "UNBLOCK", &id, "FOO"]),
            err("ERR CLIENT UNBLOCK reason should be TIMEOUT or ERROR"),
        );
        assert_raw(
            ctl.cmd_str(&["CLIENT", "UNBLOCK", "abc"]),
            err("ERR value is not an integer or out of range"),
        );
        assert_raw(ctl.cmd_str(&["CLIENT", "UNBLOCK", "999999"]), int(0));
        assert_raw(ctl.cmd_str(&["CLIENT", "UNBLOCK", "-1"]), int(0));
        // An unblocked waiter leaves the queue: the next waiter is first now.
        let mut second = s.raw();
        block(&mut c, &mut ctl, &["BLPOP", "q", "0"], 1);
        block(&mut second, &mut ctl, &["BLPOP", "q", "0"], 2);
        assert_raw(ctl.cmd_str(&["CLIENT", "UNBLOCK", &id]), int(1));
        assert_raw(c.read_reply(), NULL_ARRAY);
        assert_raw(ctl.cmd_str(&["RPUSH", "q", "x"]), int(1));
        assert_raw(second.read_reply(), bulks(&["q", "x"]));
        assert_raw(ctl.cmd_str(&["EXISTS", "q", "d"]), int(0));
    });
}

/// The `flags=` field of client `id` in CLIENT LIST.
fn client_flags(ctl: &mut RawClient, id: i64) -> String {
    let Frame::Bulk(list) = ctl.cmd_frame(&["CLIENT", "LIST"]) else {
        panic!("CLIENT LIST is not a bulk string");
    };
    let list = String::from_utf8_lossy(&list).into_owned();
    let line = list
        .lines()
        .find(|l| l.starts_with(&format!("id={id} ")))
        .unwrap_or_else(|| panic!("client {id} not in CLIENT LIST:\n{list}"));
    line.split(' ')
        .find_map(|f| f.strip_prefix("flags="))
        .expect("a flags field")
        .to_string()
}

#[test]
fn blocked_clients_in_info_and_client_list() {
    on_both(|s| {
        let mut ctl = s.raw();
        let mut a = s.raw();
        let mut b = s.raw();
        let a_id = client_id(&mut a);
        assert_eq!(info_field(&mut ctl, "blocked_clients"), 0);
        assert_eq!(client_flags(&mut ctl, a_id), "N");
        block(&mut a, &mut ctl, &["BLPOP", "q", "0"], 1);
        block(
            &mut b,
            &mut ctl,
            &["BLMOVE", "q", "x", "LEFT", "LEFT", "0"],
            2,
        );
        assert_eq!(client_flags(&mut ctl, a_id), "b");
        assert_raw(ctl.cmd_str(&["RPUSH", "q", "1"]), int(1));
        assert_raw(a.read_reply(), bulks(&["q", "1"]));
        wait_blocked(&mut ctl, 1);
        assert_eq!(client_flags(&mut ctl, a_id), "N");
        assert_raw(ctl.cmd_str(&["RPUSH", "q", "2"]), int(1));
        assert_raw(b.read_reply(), bulk("2"));
        wait_blocked(&mut ctl, 0);
    });
}

#[test]
fn a_disconnected_waiter_does_not_swallow_an_element() {
    on_both(|s| {
        let mut ctl = s.raw();
        let mut gone = s.raw();
        let mut next = s.raw();
        block(&mut gone, &mut ctl, &["BLPOP", "q", "0"], 1);
        block(&mut next, &mut ctl, &["BLPOP", "q", "0"], 2);
        drop(gone);
        wait_blocked(&mut ctl, 1);
        assert_raw(ctl.cmd_str(&["RPUSH", "q", "a"]), int(1));
        assert_raw(next.read_reply(), bulks(&["q", "a"]));
        // With nobody left, a push stays in the list.
        let mut gone = s.raw();
        block(&mut gone, &mut ctl, &["BRPOPLPUSH", "q", "d", "0"], 1);
        gone.shutdown_write();
        drop(gone);
        wait_blocked(&mut ctl, 0);
        assert_raw(ctl.cmd_str(&["RPUSH", "q", "b"]), int(1));
        assert_raw(ctl.cmd_str(&["LRANGE", "q", "0", "-1"]), bulks(&["b"]));
        assert_raw(ctl.cmd_str(&["EXISTS", "d"]), int(0));
    });
}

#[test]
fn waiters_that_leave_give_up_their_place() {
    on_both(|s| {
        // Each round: three waiters that will leave queue up ahead of two that stay; the
        // leavers disconnect; one push goes to the oldest waiter still connected.
        let mut ctl = s.raw();
        let mut waiting: std::collections::VecDeque<RawClient> = Default::default();
        for round in 0..4 {
            let mut leavers: Vec<RawClient> = (0..3).map(|_| s.raw()).collect();
            for l in &mut leavers {
                l.send_cmd(&[b"BLPOP", b"q", b"0"]);
            }
            wait_blocked(&mut ctl, waiting.len() as i64 + 3);
            for _ in 0..2 {
                let mut stay = s.raw();
                stay.send_cmd(&[b"BLPOP", b"q", b"0"]);
                waiting.push_back(stay);
                wait_blocked(&mut ctl, waiting.len() as i64 + 3);
            }
            drop(leavers);
            wait_blocked(&mut ctl, waiting.len() as i64);
            let item = format!("r{round}");
            assert_raw(ctl.cmd_str(&["RPUSH", "q", &item]), int(1));
            let mut first = waiting.pop_front().expect("a waiter");
            assert_raw(first.read_reply(), bulks(&["q", &item]));
            wait_blocked(&mut ctl, waiting.len() as i64);
        }
        assert_raw(ctl.cmd_str(&["EXISTS", "q"]), int(0));
    });
}

#[test]
fn pipelined_commands_wait_for_the_blocked_one() {
    on_both(|s| {
        let mut ctl = s.raw();
        let mut c = s.raw();
        let mut wire = redraft_tests::encode_cmd(&[b"RPUSH", b"w", b"1"]);
        wire.extend(redraft_tests::encode_cmd(&[b"BLPOP", b"q", b"0"]));
        wire.extend(redraft_tests::encode_cmd(&[b"PING"]));
        wire.extend(redraft_tests::encode_cmd(&[b"LLEN", b"q"]));
        c.send(&wire);
        // The write before the blocked command is answered at once.
        assert_raw(c.read_reply(), int(1));
        wait_blocked(&mut ctl, 1);
        c.assert_silent(QUIET);
        assert_raw(ctl.cmd_str(&["RPUSH", "q", "a", "b"]), int(2));
        assert_raw(c.read_reply(), bulks(&["q", "a"]));
        assert_raw(c.read_reply(), b"+PONG\r\n");
        assert_raw(c.read_reply(), int(1));
        // A push pipelined behind the blocked pop on the same connection waits for it too:
        // the pop times out, then the push runs.
        let mut wire = redraft_tests::encode_cmd(&[b"BLPOP", b"p", b"0.2"]);
        wire.extend(redraft_tests::encode_cmd(&[b"RPUSH", b"p", b"x"]));
        wire.extend(redraft_tests::encode_cmd(&[b"BLPOP", b"p", b"0.2"]));
        c.send(&wire);
        assert_raw(c.read_reply(), NULL_ARRAY);
        assert_raw(c.read_reply(), int(1));
        assert_raw(c.read_reply(), bulks(&["p", "x"]));
        // A push earlier in the same pipeline serves the pop at once.
        let mut wire = redraft_tests::encode_cmd(&[b"RPUSH", b"s", b"now"]);
        wire.extend(redraft_tests::encode_cmd(&[b"BLPOP", b"s", b"0"]));
        wire.extend(redraft_tests::encode_cmd(&[b"BLPOP", b"s", b"0.05"]));
        c.send(&wire);
        assert_raw(c.read_reply(), int(1));
        assert_raw(c.read_reply(), bulks(&["s", "now"]));
        assert_raw(c.read_reply(), NULL_ARRAY);
        // Two blocking commands in one pipeline, both served in order.
        let mut wire = redraft_tests::encode_cmd(&[b"BLPOP", b"r", b"5"]);
        wire.extend(redraft_tests::encode_cmd(&[b"BRPOP", b"r", b"5"]));
        wire.extend(redraft_tests::encode_cmd(&[b"ECHO", b"done"]));
        c.send(&wire);
        wait_blocked(&mut ctl, 1);
        assert_raw(ctl.cmd_str(&["RPUSH", "r", "1", "2", "3"]), int(3));
        assert_raw(c.read_reply(), bulks(&["r", "1"]));
        assert_raw(c.read_reply(), bulks(&["r", "3"]));
        assert_raw(c.read_reply(), bulk("done"));
    });
}

#[test]
fn a_blocked_move_sleeps_while_its_destination_exists() {
    on_both(|s| {
        let mut ctl = s.raw();
        let mut c = s.raw();
        let id = client_id(&mut c);
        assert_raw(ctl.cmd_str(&["RPUSH", "dst", "old"]), int(1));
        block(
            &mut c,
            &mut ctl,
            &["BLMOVE", "q", "dst", "LEFT", "LEFT", "0"],
            1,
        );
        assert_eq!(client_flags(&mut ctl, id), "b");
        assert_idle(s);
        // Writes to the destination do not wake it either.
        assert_raw(ctl.cmd_str(&["RPUSH", "dst", "more"]), int(2));
        c.assert_silent(Duration::from_millis(100));
        assert_idle(s);
        assert_raw(ctl.cmd_str(&["RPUSH", "q", "x"]), int(1));
        assert_raw(c.read_reply(), bulk("x"));
        assert_raw(
            ctl.cmd_str(&["LRANGE", "dst", "0", "-1"]),
            bulks(&["x", "old", "more"]),
        );
        block(&mut c, &mut ctl, &["BRPOPLPUSH", "q", "dst", "0"], 1);
        assert_idle(s);
        assert_raw(ctl.cmd_str(&["CLIENT", "UNBLOCK", &id.to_string()]), int(1));
        assert_raw(c.read_reply(), NULL_ARRAY);
    });
}

#[test]
fn any_write_that_creates_the_list_wakes_the_waiter() {
    on_both(|s| {
        let mut ctl = s.raw();
        let mut c = s.raw();
        for (setup, write, item) in [
            (&["RPUSH", "src", "a"][..], &["RENAME", "src", "q"][..], "a"),
            (&["RPUSH", "src", "b"], &["COPY", "src", "q"], "b"),
            (
                &["RPUSH", "src", "c"],
                &["LMOVE", "src", "q", "LEFT", "LEFT"],
                "c",
            ),
            (&["RPUSH", "src", "d"], &["RPOPLPUSH", "src", "q"], "d"),
            (&["DEL", "src"], &["LPUSH", "q", "e"], "e"),
        ] {
            ctl.cmd_str(&["DEL", "src"]);
            ctl.cmd_str(setup);
            block(&mut c, &mut ctl, &["BLPOP", "q", "5"], 1);
            assert!(!ctl.cmd_str(write).starts_with(b"-"), "{write:?}");
            assert_raw(c.read_reply(), bulks(&["q", item]));
            assert_raw(ctl.cmd_str(&["EXISTS", "q"]), int(0));
        }
    });
}

#[test]
fn a_waiter_is_woken_only_by_its_own_database() {
    on_both(|s| {
        let mut ctl = s.raw();
        let mut c = s.raw();
        assert_raw(c.cmd_str(&["SELECT", "1"]), OK);
        block(&mut c, &mut ctl, &["BLPOP", "q", "0"], 1);
        assert_raw(ctl.cmd_str(&["RPUSH", "q", "db0"]), int(1));
        c.assert_silent(Duration::from_millis(100));
        assert_raw(ctl.cmd_str(&["SELECT", "1"]), OK);
        assert_raw(ctl.cmd_str(&["RPUSH", "q", "db1"]), int(1));
        assert_raw(c.read_reply(), bulks(&["q", "db1"]));
        assert_raw(ctl.cmd_str(&["SELECT", "0"]), OK);
        assert_raw(ctl.cmd_str(&["LRANGE", "q", "0", "-1"]), bulks(&["db0"]));
        // RESP3: a served pop is an array as in RESP2.
        assert!(!c.cmd_str(&["HELLO", "3"]).starts_with(b"-"));
        block(&mut c, &mut ctl, &["BRPOP", "r", "0"], 1);
        assert_raw(ctl.cmd_str(&["SELECT", "1"]), OK);
        assert_raw(ctl.cmd_str(&["RPUSH", "r", "v"]), int(1));
        assert_raw(c.read_reply(), bulks(&["r", "v"]));
    });
}

#[test]
fn blocked_client_survives_type_changes_of_its_key() {
    on_both(|s| {
        let mut ctl = s.raw();
        let mut c = s.raw();
        block(&mut c, &mut ctl, &["BLPOP", "q", "0"], 1);
        assert_raw(ctl.cmd_str(&["SET", "q", "string"]), OK);
        // Still asleep, not retrying over and over.
        wait_blocked(&mut ctl, 1);
        assert_idle(s);
        assert_raw(ctl.cmd_str(&["DEL", "q"]), int(1));
        assert_raw(ctl.cmd_str(&["SADD", "q", "m"]), int(1));
        c.assert_silent(Duration::from_millis(100));
        assert_raw(ctl.cmd_str(&["DEL", "q"]), int(1));
        assert_raw(ctl.cmd_str(&["LPUSH", "q", "v"]), int(1));
        assert_raw(c.read_reply(), bulks(&["q", "v"]));
    });
}

#[test]
fn blocking_errors() {
    on_both(|s| {
        let mut c = s.raw();
        assert_raw(c.cmd_str(&["SET", "str", "v"]), OK);
        for (args, e) in [
            (
                &["BLPOP", "q", "abc"][..],
                "ERR timeout is not a float or out of range",
            ),
            (&["BLPOP", "q", "-1"], "ERR timeout is negative"),
            (&["BRPOP", "q", "-0.5"], "ERR timeout is negative"),
            (
                &["BLMOVE", "q", "d", "LEFT", "LEFT", "x"],
                "ERR timeout is not a float or out of range",
            ),
            (&["BRPOPLPUSH", "q", "d", "-2"], "ERR timeout is negative"),
            (
                &["BLMPOP", "nan", "1", "q", "LEFT"],
                "ERR timeout is not a float or out of range",
            ),
            (&["BLPOP", "q", "str", "0"], WRONGTYPE),
            (&["BLMOVE", "str", "d", "LEFT", "LEFT", "0"], WRONGTYPE),
            (&["BLMPOP", "0", "2", "q", "str", "LEFT"], WRONGTYPE),
        ] {
            assert_raw(c.cmd_str(args), err(e));
        }
        // A wrong-typed destination does not matter while the source is empty: it blocks.
        let start = Instant::now();
        assert_raw(
            c.cmd_str(&["BLMOVE", "q", "str", "LEFT", "LEFT", "0.1"]),
            NULL_ARRAY,
        );
        assert!(start.elapsed() >= Duration::from_millis(90));
        // ...and is refused when an element arrives, which stays where it was.
        let mut ctl = s.raw();
        block(&mut c, &mut ctl, &["BRPOPLPUSH", "q", "str", "0"], 1);
        assert_raw(ctl.cmd_str(&["RPUSH", "q", "x"]), int(1));
        assert_raw(c.read_reply(), err(WRONGTYPE));
        assert_raw(ctl.cmd_str(&["LRANGE", "q", "0", "-1"]), bulks(&["x"]));
    });
}
