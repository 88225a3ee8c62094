//! Server limits and lifecycle: maxclients, idle timeout, CLIENT KILL, CLIENT PAUSE, CLIENT REPLY,
//! configuration files (valid and invalid) and clean shutdown on SIGTERM and SHUTDOWN.

use std::process::Command;
use std::time::{Duration, Instant};

use redraft_tests::{redraft_bin, Server};

use crate::{assert_raw, bulk, int, OK};

/// Connects and sends PING until the server accepts (earlier connections, such as the harness's
/// readiness probe, leave asynchronously); panics after 5 s.
fn admitted(s: &Server) -> redraft_tests::RawClient {
    let deadline = Instant::now() + Duration::from_secs(5);
    loop {
        let mut c = s.raw();
        c.send(b"*1\r\n$4\r\nPING\r\n");
        let reply = c.read_reply();
        if reply == b"+PONG\r\n" {
            return c;
        }
        assert_eq!(reply, b"-ERR max number of clients reached\r\n");
        assert!(Instant::now() < deadline, "never admitted");
        std::thread::sleep(Duration::from_millis(20));
    }
}

#[test]
fn maxclients_refuses_with_redis_error() {
    let s = Server::start_with(&["--maxclients", "2"]);
    let a = admitted(&s);
    let _b = admitted(&s);
    let mut c = s.raw();
    assert_eq!(
        c.read_until_closed(),
        b"-ERR max number of clients reached\r\n"
    );
    // Freeing a place lets a new client in.
    drop(a);
    let _d = admitted(&s);
}

#[test]
fn idle_timeout_closes_only_idle_clients() {
    let s = Server::start_with(&["--timeout", "1"]);
    let mut idle = s.raw();
    assert_raw(idle.cmd_str(&["PING"]), "+PONG\r\n");
    let mut busy = s.raw();
    let started = Instant::now();
    while started.elapsed() < Duration::from_millis(2500) {
        assert_raw(busy.cmd_str(&["PING"]), "+PONG\r\n");
        std::thread::sleep(Duration::from_millis(200));
    }
    assert_eq!(idle.read_until_closed(), b"");
    assert_raw(busy.cmd_str(&["PING"]), "+PONG\r\n");
}

fn client_id(c: &mut redraft_tests::RawClient) -> String {
    let raw = c.cmd_str(&["CLIENT", "ID"]);
    String::from_utf8(raw[1..raw.len() - 2].to_vec()).expect("id")
}

#[test]
fn client_kill_by_id_and_addr() {
    let s = Server::start();
    let mut killer = s.raw();
    let mut victim = s.raw();
    let id = client_id(&mut victim);
    assert_raw(killer.cmd_str(&["CLIENT", "KILL", "ID", &id]), int(1));
    assert_eq!(victim.read_until_closed(), b"");
    assert_raw(killer.cmd_str(&["CLIENT", "KILL", "ID", &id]), int(0));
    let mut second = s.raw();
    assert_raw(second.cmd_str(&["PING"]), "+PONG\r\n");
    let addr = second.stream().local_addr().expect("addr").to_string();
    assert_raw(killer.cmd_str(&["CLIENT", "KILL", &addr]), OK);
    assert_eq!(second.read_until_closed(), b"");
    assert_raw(
        killer.cmd_str(&["CLIENT", "KILL", &addr]),
        "-ERR No such client\r\n",
    );
    // SKIPME defaults to yes: the caller survives killing everyone.
    assert_raw(
        killer.cmd_str(&["CLIENT", "KILL", "USER", "default"]),
        int(0),
    );
    assert_raw(killer.cmd_str(&["PING"]), "+PONG\r\n");
}

#[test]
fn client_pause_write_holds_writes_until_unpause() {
    let s = Server::start();
    let mut admin = s.raw();
    let mut writer = s.raw();
    assert_raw(writer.cmd_str(&["SET", "k", "before"]), OK);
    assert_raw(admin.cmd_str(&["CLIENT", "PAUSE", "100000", "WRITE"]), OK);
    writer.send(b"*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$5\r\nafter\r\n");
    writer.assert_silent(Duration::from_millis(300));
    // Reads from other clients are still served, and see the old value.
    assert_raw(admin.cmd_str(&["GET", "k"]), bulk("before"));
    assert_raw(admin.cmd_str(&["CLIENT", "UNPAUSE"]), OK);
    assert_eq!(writer.read_reply(), OK);
    assert_raw(admin.cmd_str(&["GET", "k"]), bulk("after"));
}

#[test]
fn client_reply_off_and_skip() {
    let s = Server::start();
    let mut c = s.raw();
    c.send(b"*3\r\n$6\r\nCLIENT\r\n$5\r\nREPLY\r\n$4\r\nSKIP\r\n*3\r\n$3\r\nSET\r\n$1\r\na\r\n$1\r\n1\r\n");
    c.send(b"*2\r\n$3\r\nGET\r\n$1\r\na\r\n");
    assert_eq!(c.read_reply(), bulk("1"));
    c.send(b"*3\r\n$6\r\nCLIENT\r\n$5\r\nREPLY\r\n$3\r\nOFF\r\n*2\r\n$3\r\nGET\r\n$1\r\na\r\n");
    c.assert_silent(Duration::from_millis(200));
    assert_raw(c.cmd_str(&["CLIENT", "REPLY", "ON"]), OK);
    assert_raw(c.cmd_str(&["GET", "a"]), bulk("1"));
}

fn temp_conf(name: &str, text: &str) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("redraft-conf-{}-{name}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let path = dir.join("redis.conf");
    std::fs::write(&path, text).expect("write conf");
    path
}

#[test]
fn unknown_config_directive_fails_with_line_number() {
    let path = temp_conf("bad", "# a comment\nport 7000\nnosuchdirective yes\n");
    let out = Command::new(redraft_bin())
        .arg(&path)
        .output()
        .expect("run redraft");
    assert!(!out.status.success(), "started despite a bad directive");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("at line 3"), "{stderr}");
    assert!(stderr.contains(">>> 'nosuchdirective yes'"), "{stderr}");
    assert!(
        stderr.contains("Bad directive or wrong number of arguments"),
        "{stderr}"
    );
}

#[test]
fn config_file_values_and_flag_overrides() {
    let path = temp_conf(
        "good",
        "requirepass fromfile\ndatabases 4\n# comment\nhz 20\n",
    );
    let path = path.to_string_lossy().into_owned();
    // Flags after the file override it, as with redis-server.
    let s = Server::start_with_config(&path, &["--hz", "30"]);
    let mut c = s.raw();
    assert_raw(c.cmd_str(&["AUTH", "fromfile"]), OK);
    assert_raw(c.cmd_str(&["SELECT", "3"]), OK);
    assert_raw(
        c.cmd_str(&["SELECT", "4"]),
        "-ERR DB index is out of range\r\n",
    );
    let hz = c.cmd_str(&["CONFIG", "GET", "hz"]);
    assert_eq!(hz, b"*2\r\n$2\r\nhz\r\n$2\r\n30\r\n");
}

#[test]
fn sigterm_and_shutdown_exit_cleanly() {
    let mut s = Server::start();
    let mut c = s.raw();
    assert_raw(c.cmd_str(&["SET", "k", "v"]), OK);
    // SAFETY-free: kill(1) from the shell keeps the test free of unsafe.
    let status = Command::new("kill")
        .args(["-TERM", &s.pid().to_string()])
        .status()
        .expect("kill");
    assert!(status.success());
    let deadline = Instant::now() + Duration::from_secs(5);
    while s.is_alive() {
        assert!(Instant::now() < deadline, "still running 5 s after SIGTERM");
        std::thread::sleep(Duration::from_millis(20));
    }
    assert_eq!(c.read_until_closed(), b"");

    let mut s = Server::start();
    let mut c = s.raw();
    c.send(b"*1\r\n$8\r\nSHUTDOWN\r\n");
    assert_eq!(
        c.read_until_closed(),
        b"",
        "SHUTDOWN closes without a reply"
    );
    let deadline = Instant::now() + Duration::from_secs(5);
    while s.is_alive() {
        assert!(
            Instant::now() < deadline,
            "still running 5 s after SHUTDOWN"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
}

#[test]
fn output_buffer_limit_disconnects_a_client_that_reads_too_slowly() {
    let s = Server::start();
    let mut c = s.raw();
    let big = "x".repeat(100_000);
    assert_raw(c.cmd_str(&["SET", "big", &big]), OK);
    assert_raw(
        c.cmd_str(&[
            "CONFIG",
            "SET",
            "client-output-buffer-limit",
            "normal 1mb 0 0",
        ]),
        OK,
    );
    // 50 pipelined GETs of 100 KB each: 5 MB of replies against a 1 MB hard limit.
    let mut pipeline = Vec::new();
    for _ in 0..50 {
        pipeline.extend_from_slice(b"*2\r\n$3\r\nGET\r\n$3\r\nbig\r\n");
    }
    c.send(&pipeline);
    let got = c.read_until_closed();
    assert!(
        got.len() < 5_000_000,
        "all {} bytes arrived: the limit did not apply",
        got.len()
    );
    // The server is fine and other clients are served.
    let mut other = s.raw();
    assert_raw(other.cmd_str(&["STRLEN", "big"]), int(100_000));
}

#[test]
fn requests_pipelined_behind_a_sleep_or_a_pause_are_still_served() {
    let s = Server::start_with(&["--enable-debug-command", "yes"]);
    let mut c = s.raw();
    c.send(b"*3\r\n$5\r\nDEBUG\r\n$5\r\nSLEEP\r\n$1\r\n0\r\n*1\r\n$4\r\nPING\r\n*2\r\n$4\r\nECHO\r\n$1\r\nx\r\n");
    assert_eq!(
        c.read_replies(3),
        vec![OK.to_vec(), b"+PONG\r\n".to_vec(), bulk("x")]
    );

    let mut admin = s.raw();
    assert_raw(admin.cmd_str(&["CLIENT", "PAUSE", "100000", "WRITE"]), OK);
    c.send(b"*2\r\n$3\r\nGET\r\n$1\r\nk\r\n*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$1\r\nv\r\n*2\r\n$3\r\nGET\r\n$1\r\nk\r\n");
    assert_eq!(c.read_reply(), b"$-1\r\n");
    c.assert_silent(Duration::from_millis(300));
    assert_raw(admin.cmd_str(&["CLIENT", "UNPAUSE"]), OK);
    assert_eq!(c.read_replies(2), vec![OK.to_vec(), bulk("v")]);
}
