//! The real `redis-cli` against the server: plain and formatted output, db selection, --scan,
//! --pipe. Output is compared exactly.

use std::collections::BTreeSet;
use std::process::Output;

use redraft_tests::Server;

#[track_caller]
fn assert_stdout(out: &Output, expected: &str) {
    assert!(
        out.status.success(),
        "redis-cli failed: {:?}\nstdout: {}\nstderr: {}",
        out.status,
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(
        String::from_utf8_lossy(&out.stdout),
        expected,
        "redis-cli stdout (stderr: {})",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn set_get_raw_and_formatted() {
    let s = Server::start();
    assert_stdout(&s.redis_cli(&["SET", "foo", "bar"]), "OK\n");
    assert_stdout(&s.redis_cli(&["GET", "foo"]), "bar\n");
    assert_stdout(&s.redis_cli(&["--raw", "GET", "foo"]), "bar\n");
    assert_stdout(&s.redis_cli(&["--no-raw", "GET", "foo"]), "\"bar\"\n");
    assert_stdout(&s.redis_cli(&["--no-raw", "INCR", "n"]), "(integer) 1\n");
    assert_stdout(&s.redis_cli(&["INCR", "n"]), "2\n");
    assert_stdout(
        &s.redis_cli(&["--no-raw", "MGET", "foo", "nope"]),
        "1) \"bar\"\n2) (nil)\n",
    );
    assert_stdout(&s.redis_cli(&["--no-raw", "GET", "nope"]), "(nil)\n");
    assert_stdout(&s.redis_cli(&["GET", "nope"]), "\n");
    assert_stdout(&s.redis_cli(&["SET", "multi", "a\nb"]), "OK\n");
    assert_stdout(&s.redis_cli(&["--raw", "GET", "multi"]), "a\nb\n");
    assert_stdout(&s.redis_cli(&["--no-raw", "GET", "multi"]), "\"a\\nb\"\n");
    assert_stdout(
        &s.redis_cli(&["--no-raw", "nosuch", "x"]),
        "(error) ERR unknown command 'nosuch', with args beginning with: 'x' \n",
    );
    // Values set by redis-cli are visible to other clients.
    let mut c = s.raw();
    crate::assert_raw(c.cmd_str(&["GET", "multi"]), crate::bulk("a\nb"));
}

#[test]
fn db_selection_with_n() {
    let s = Server::start();
    assert_stdout(&s.redis_cli(&["-n", "3", "SET", "d3", "x"]), "OK\n");
    assert_stdout(&s.redis_cli(&["-n", "3", "DBSIZE"]), "1\n");
    assert_stdout(&s.redis_cli(&["DBSIZE"]), "0\n");
    assert_stdout(&s.redis_cli(&["-n", "3", "GET", "d3"]), "x\n");
    let mut c = s.raw();
    crate::assert_raw(c.cmd_str(&["GET", "d3"]), crate::NIL);
    crate::assert_raw(c.cmd_str(&["SELECT", "3"]), crate::OK);
    crate::assert_raw(c.cmd_str(&["GET", "d3"]), crate::bulk("x"));
}

#[test]
fn scan_with_pattern() {
    let s = Server::start();
    let mut c = s.raw();
    for i in 0..300 {
        crate::assert_raw(c.cmd_str(&["SET", &format!("user:{i}"), "v"]), crate::OK);
        crate::assert_raw(c.cmd_str(&["SET", &format!("other:{i}"), "v"]), crate::OK);
    }
    let out = s.redis_cli(&["--scan", "--pattern", "user:1*"]);
    assert!(out.status.success(), "{out:?}");
    let got: BTreeSet<String> = String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(str::to_owned)
        .collect();
    let want: BTreeSet<String> = (0..300)
        .map(|i| format!("user:{i}"))
        .filter(|k| k.starts_with("user:1"))
        .collect();
    assert_eq!(got, want);
    let out = s.redis_cli(&["--scan"]);
    assert_eq!(String::from_utf8_lossy(&out.stdout).lines().count(), 600);
}

#[test]
fn pipe_mode_mass_insert() {
    let s = Server::start();
    let mut input = Vec::new();
    for i in 0..1000 {
        input.extend(redraft_tests::encode_cmd(&[
            b"SET",
            format!("key:{i:09}").as_bytes(),
            b"0123456789abcdef",
        ]));
    }
    let out = s.redis_cli_stdin(&["--pipe"], &input);
    assert!(out.status.success(), "{out:?}");
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("errors: 0, replies: 1000"),
        "redis-cli --pipe output: {text}"
    );
    assert_stdout(&s.redis_cli(&["DBSIZE"]), "1000\n");
    assert_stdout(
        &s.redis_cli(&["GET", "key:000000999"]),
        "0123456789abcdef\n",
    );
}

#[test]
fn password_flag() {
    let s = Server::start_with(&["--requirepass", "pw"]);
    assert_stdout(
        &s.redis_cli(&["--no-auth-warning", "-a", "pw", "SET", "k", "v"]),
        "OK\n",
    );
    assert_stdout(
        &s.redis_cli(&["--no-auth-warning", "-a", "pw", "GET", "k"]),
        "v\n",
    );
    let out = s.redis_cli(&["GET", "k"]);
    assert_eq!(
        String::from_utf8_lossy(&out.stdout),
        "NOAUTH Authentication required.\n\n"
    );
}
