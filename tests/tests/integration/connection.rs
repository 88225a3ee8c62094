//! Connection-level commands: PING ECHO HELLO AUTH CLIENT SELECT QUIT RESET COMMAND INFO CONFIG
//! DBSIZE FLUSHALL, with exact reply bytes wherever Redis's reply is deterministic.

use redraft_tests::{escape, RawClient, Server};

use crate::{array, assert_raw, bulk, bulks, err, int, NIL, OK};

/// `redis_version` from INFO server (the version HELLO must report).
fn server_version(c: &mut RawClient) -> String {
    let info = info_text(c, "server");
    field(&info, "redis_version").unwrap_or_else(|| panic!("no redis_version in INFO: {info}"))
}

/// The text of `INFO section` (RESP2 bulk).
fn info_text(c: &mut RawClient, section: &str) -> String {
    let raw = if section.is_empty() {
        c.cmd_str(&["INFO"])
    } else {
        c.cmd_str(&["INFO", section])
    };
    assert!(
        raw.starts_with(b"$"),
        "INFO reply not a bulk: {}",
        escape(&raw)
    );
    let header_end = raw.iter().position(|&b| b == b'\n').expect("header") + 1;
    let body = &raw[header_end..raw.len() - 2];
    String::from_utf8(body.to_vec()).expect("INFO is UTF-8")
}

/// The value of `name:value` in an INFO text.
fn field(info: &str, name: &str) -> Option<String> {
    info.split("\r\n")
        .find_map(|l| l.strip_prefix(&format!("{name}:")))
        .map(str::to_owned)
}

fn client_id(c: &mut RawClient) -> i64 {
    let raw = c.cmd_str(&["CLIENT", "ID"]);
    let s = std::str::from_utf8(&raw).expect("utf8");
    assert!(
        s.starts_with(':') && s.ends_with("\r\n"),
        "CLIENT ID: {}",
        escape(&raw)
    );
    s[1..s.len() - 2].parse().expect("integer id")
}

/// The body of a bulk-string reply as text.
fn bulk_text(raw: &[u8]) -> String {
    assert!(raw.starts_with(b"$"), "not a bulk: {}", escape(raw));
    let header_end = raw.iter().position(|&b| b == b'\n').expect("header") + 1;
    String::from_utf8(raw[header_end..raw.len() - 2].to_vec()).expect("utf8")
}

#[test]
fn ping_and_echo() {
    let s = Server::start();
    let mut c = s.raw();
    assert_raw(c.cmd_str(&["PING"]), b"+PONG\r\n");
    assert_raw(c.cmd_str(&["ping", "hello world"]), bulk("hello world"));
    assert_raw(c.cmd_str(&["PING", ""]), bulk(""));
    assert_raw(
        c.cmd_str(&["PING", "a", "b"]),
        err("ERR wrong number of arguments for 'ping' command"),
    );
    assert_raw(c.cmd_str(&["ECHO", "hi"]), bulk("hi"));
    assert_raw(c.cmd_str(&["echo", ""]), bulk(""));
    assert_raw(c.cmd(&[b"ECHO", b"\x00\r\n\xff"]), bulk(b"\x00\r\n\xff"));
    assert_raw(
        c.cmd_str(&["ECHO"]),
        err("ERR wrong number of arguments for 'echo' command"),
    );
    assert_raw(
        c.cmd_str(&["ECHO", "a", "b"]),
        err("ERR wrong number of arguments for 'echo' command"),
    );
    // Pipelined: three requests in one write, three replies in order.
    c.send(b"*1\r\n$4\r\nPING\r\n*2\r\n$4\r\nECHO\r\n$1\r\nx\r\nPING\r\n");
    assert_raw(c.read_reply(), b"+PONG\r\n");
    assert_raw(c.read_reply(), bulk("x"));
    assert_raw(c.read_reply(), b"+PONG\r\n");
}

fn hello_expected(proto: u8, version: &str, id: i64) -> Vec<u8> {
    let fields = vec![
        bulk("server"),
        bulk("redis"),
        bulk("version"),
        bulk(version),
        bulk("proto"),
        int(proto.into()),
        bulk("id"),
        int(id),
        bulk("mode"),
        bulk("standalone"),
        bulk("role"),
        bulk("master"),
        bulk("modules"),
        b"*0\r\n".to_vec(),
    ];
    if proto == 2 {
        array(&fields)
    } else {
        let mut out = b"%7\r\n".to_vec();
        for f in fields {
            out.extend_from_slice(&f);
        }
        out
    }
}

#[test]
fn hello_2_and_3_shapes() {
    let s = Server::start();
    let mut c = s.raw();
    let version = server_version(&mut c);
    let id = client_id(&mut c);
    assert_raw(c.cmd_str(&["HELLO"]), hello_expected(2, &version, id));
    assert_raw(c.cmd_str(&["HELLO", "2"]), hello_expected(2, &version, id));
    assert_raw(c.cmd_str(&["GET", "missing"]), NIL);
    assert_raw(c.cmd_str(&["HELLO", "3"]), hello_expected(3, &version, id));
    // RESP3 now: null is `_`, CONFIG GET is a map.
    assert_raw(c.cmd_str(&["GET", "missing"]), b"_\r\n");
    let port = s.port().to_string();
    let mut map = b"%1\r\n".to_vec();
    map.extend(bulk("port"));
    map.extend(bulk(&port));
    assert_raw(c.cmd_str(&["CONFIG", "GET", "port"]), map);
    assert_raw(
        c.cmd_str(&["HELLO", "4"]),
        err("NOPROTO unsupported protocol version"),
    );
    assert_raw(
        c.cmd_str(&["HELLO", "abc"]),
        err("ERR Protocol version is not an integer or out of range"),
    );
    // A failed HELLO leaves the protocol unchanged.
    assert_raw(c.cmd_str(&["GET", "missing"]), b"_\r\n");
    assert_raw(c.cmd_str(&["HELLO", "2"]), hello_expected(2, &version, id));
    assert_raw(c.cmd_str(&["GET", "missing"]), NIL);
}

#[test]
fn auth_with_requirepass() {
    let s = Server::start_with(&["--requirepass", "s3cret"]);
    let mut c = s.raw();
    assert_raw(
        c.cmd_str(&["GET", "a"]),
        err("NOAUTH Authentication required."),
    );
    assert_raw(c.cmd_str(&["PING"]), err("NOAUTH Authentication required."));
    assert_raw(
        c.cmd_str(&["AUTH", "wrong"]),
        err("WRONGPASS invalid username-password pair or user is disabled."),
    );
    assert_raw(
        c.cmd_str(&["AUTH", "default", "wrong"]),
        err("WRONGPASS invalid username-password pair or user is disabled."),
    );
    assert_raw(
        c.cmd_str(&["HELLO", "3"]),
        err(
            "NOAUTH HELLO must be called with the client already authenticated, otherwise the \
             HELLO AUTH <user> <pass> option can be used to authenticate the client and select \
             the RESP protocol version at the same time",
        ),
    );
    assert_raw(c.cmd_str(&["AUTH", "s3cret"]), OK);
    assert_raw(c.cmd_str(&["SET", "a", "1"]), OK);
    assert_raw(c.cmd_str(&["GET", "a"]), bulk("1"));
    assert_raw(c.cmd_str(&["AUTH", "default", "s3cret"]), OK);

    // HELLO AUTH authenticates and switches protocol at once.
    let mut c2 = s.raw();
    let raw = c2.cmd_str(&["HELLO", "3", "AUTH", "default", "s3cret"]);
    assert!(raw.starts_with(b"%7\r\n"), "HELLO 3 AUTH: {}", escape(&raw));
    assert_raw(c2.cmd_str(&["GET", "a"]), bulk("1"));
    assert_raw(c2.cmd_str(&["GET", "nope"]), b"_\r\n");

    // RESET drops authentication.
    assert_raw(c2.cmd_str(&["RESET"]), b"+RESET\r\n");
    assert_raw(
        c2.cmd_str(&["GET", "a"]),
        err("NOAUTH Authentication required."),
    );

    // redis-rs with a password in the URL.
    let client =
        redis::Client::open(format!("redis://:s3cret@127.0.0.1:{}/", s.port())).expect("url");
    let mut conn = client.get_connection().expect("connect with password");
    let v: String = redis::cmd("GET").arg("a").query(&mut conn).expect("GET");
    assert_eq!(v, "1");
}

#[test]
fn auth_without_password_configured() {
    let s = Server::start();
    let mut c = s.raw();
    assert_raw(
        c.cmd_str(&["AUTH", "x"]),
        err(
            "ERR AUTH <password> called without any password configured for the default user. \
             Are you sure your configuration is correct?",
        ),
    );
    assert_raw(
        c.cmd_str(&["AUTH", "a", "b"]),
        err("WRONGPASS invalid username-password pair or user is disabled."),
    );
    assert_raw(
        c.cmd_str(&["AUTH"]),
        err("ERR wrong number of arguments for 'auth' command"),
    );
}

#[test]
fn client_name_id_list_info() {
    let s = Server::start();
    let mut c = s.raw();
    let mut other = s.raw();
    let id = client_id(&mut c);
    let other_id = client_id(&mut other);
    assert_ne!(id, other_id, "client ids must be unique");
    assert_eq!(client_id(&mut c), id, "CLIENT ID is stable");
    let later = client_id(&mut s.raw());
    assert!(
        later > other_id && later > id,
        "ids increase: {id} {other_id} {later}"
    );

    assert_raw(c.cmd_str(&["CLIENT", "GETNAME"]), NIL);
    assert_raw(
        c.cmd_str(&["CLIENT", "SETNAME", "a b"]),
        err("ERR Client names cannot contain spaces, newlines or special characters."),
    );
    assert_raw(
        c.cmd_str(&["CLIENT", "SETNAME", "a\nb"]),
        err("ERR Client names cannot contain spaces, newlines or special characters."),
    );
    assert_raw(
        c.cmd_str(&["CLIENT", "SETNAME"]),
        err("ERR wrong number of arguments for 'client|setname' command"),
    );
    assert_raw(c.cmd_str(&["CLIENT", "SETNAME", "worker-1"]), OK);
    assert_raw(c.cmd_str(&["CLIENT", "GETNAME"]), bulk("worker-1"));
    assert_raw(
        c.cmd_str(&["CLIENT", "NOSUCH"]),
        err("ERR unknown subcommand 'NOSUCH'. Try CLIENT HELP."),
    );

    let local_port = c.stream().local_addr().expect("local addr").port();
    let info = bulk_text(&c.cmd_str(&["CLIENT", "INFO"]));
    let prefix = format!(
        "id={id} addr=127.0.0.1:{local_port} laddr=127.0.0.1:{} ",
        s.port()
    );
    assert!(
        info.starts_with(&prefix),
        "CLIENT INFO: {info:?}, want prefix {prefix:?}"
    );
    assert!(
        info.ends_with('\n'),
        "CLIENT INFO ends with newline: {info:?}"
    );
    assert_eq!(info.matches('\n').count(), 1, "one line: {info:?}");
    for f in [" name=worker-1 ", " db=0 ", " cmd=client|info ", " resp=2"] {
        assert!(info.contains(f), "CLIENT INFO lacks {f:?}: {info:?}");
    }

    let list = bulk_text(&c.cmd_str(&["CLIENT", "LIST"]));
    let lines: Vec<&str> = list.lines().collect();
    assert_eq!(lines.len(), 2, "two clients connected: {list:?}");
    let mine = lines
        .iter()
        .find(|l| l.starts_with(&format!("id={id} ")))
        .unwrap_or_else(|| panic!("own id in CLIENT LIST: {list:?}"));
    assert!(mine.contains(" name=worker-1 "), "{mine}");
    assert!(mine.contains(" cmd=client|list "), "{mine}");
    assert!(
        lines
            .iter()
            .any(|l| l.starts_with(&format!("id={other_id} "))),
        "{list:?}"
    );
}

#[test]
fn select_databases() {
    let s = Server::start();
    let mut c = s.raw();
    let mut other = s.raw();
    assert_raw(
        c.cmd_str(&["SELECT", "16"]),
        err("ERR DB index is out of range"),
    );
    assert_raw(
        c.cmd_str(&["SELECT", "-1"]),
        err("ERR DB index is out of range"),
    );
    assert_raw(
        c.cmd_str(&["SELECT", "abc"]),
        err("ERR value is not an integer or out of range"),
    );
    assert_raw(
        c.cmd_str(&["SELECT"]),
        err("ERR wrong number of arguments for 'select' command"),
    );
    assert_raw(c.cmd_str(&["SELECT", "3"]), OK);
    assert_raw(c.cmd_str(&["SET", "k", "in3"]), OK);
    assert_raw(other.cmd_str(&["GET", "k"]), NIL);
    assert_raw(other.cmd_str(&["SELECT", "3"]), OK);
    assert_raw(other.cmd_str(&["GET", "k"]), bulk("in3"));
    assert_raw(c.cmd_str(&["SELECT", "15"]), OK);
    assert_raw(c.cmd_str(&["GET", "k"]), NIL);
    assert_raw(c.cmd_str(&["SELECT", "0"]), OK);
    assert_raw(c.cmd_str(&["DBSIZE"]), int(0));
}

#[test]
fn quit_closes_after_ok() {
    let s = Server::start();
    let mut c = s.raw();
    c.send(b"QUIT\r\nPING\r\n");
    assert_raw(c.read_until_closed(), OK);
    let mut c = s.raw();
    assert_raw(c.cmd_str(&["PING"]), b"+PONG\r\n");
}

#[test]
fn reset_restores_connection_state() {
    let s = Server::start();
    let mut c = s.raw();
    assert_raw(c.cmd_str(&["SELECT", "2"]), OK);
    assert_raw(c.cmd_str(&["SET", "k", "v"]), OK);
    assert_raw(c.cmd_str(&["CLIENT", "SETNAME", "x"]), OK);
    let raw = c.cmd_str(&["HELLO", "3"]);
    assert!(raw.starts_with(b"%7\r\n"), "{}", escape(&raw));
    assert_raw(c.cmd_str(&["RESET"]), b"+RESET\r\n");
    assert_raw(c.cmd_str(&["CLIENT", "GETNAME"]), NIL);
    // Back to RESP2 and db 0.
    assert_raw(c.cmd_str(&["GET", "k"]), NIL);
    assert_raw(c.cmd_str(&["SELECT", "2"]), OK);
    assert_raw(c.cmd_str(&["GET", "k"]), bulk("v"));
}

#[test]
fn command_count_info_getkeys() {
    let s = Server::start();
    let mut c = s.raw();
    let count = c.cmd_str(&["COMMAND", "COUNT"]);
    let n: i64 = std::str::from_utf8(&count[1..count.len() - 2])
        .ok()
        .and_then(|t| t.parse().ok())
        .unwrap_or_else(|| panic!("COMMAND COUNT: {}", escape(&count)));
    assert!(
        count[0] == b':' && n >= 20,
        "COMMAND COUNT: {}",
        escape(&count)
    );

    // The first seven fields of an entry: name, arity, flags, first/last key, step, categories.
    let get_head = [
        b"*10\r\n$3\r\nget\r\n:2\r\n*2\r\n+readonly\r\n+fast\r\n:1\r\n:1\r\n:1\r\n".to_vec(),
        b"*3\r\n+@read\r\n+@string\r\n+@fast\r\n".to_vec(),
    ]
    .concat();
    let set_head = [
        b"*10\r\n$3\r\nset\r\n:-3\r\n*2\r\n+write\r\n+denyoom\r\n:1\r\n:1\r\n:1\r\n".to_vec(),
        b"*3\r\n+@write\r\n+@string\r\n+@slow\r\n".to_vec(),
    ]
    .concat();
    let raw = c.cmd_str(&["COMMAND", "INFO", "get"]);
    assert!(
        raw.starts_with(b"*1\r\n") && raw[4..].starts_with(&get_head),
        "COMMAND INFO get: {}",
        escape(&raw)
    );
    let raw = c.cmd_str(&["COMMAND", "INFO", "SET", "nosuch"]);
    assert!(
        raw.starts_with(b"*2\r\n") && raw[4..].starts_with(&set_head),
        "COMMAND INFO SET nosuch: {}",
        escape(&raw)
    );
    assert!(
        raw.ends_with(b"$-1\r\n"),
        "unknown command is nil: {}",
        escape(&raw)
    );
    assert_raw(c.cmd_str(&["COMMAND", "INFO", "nosuch"]), b"*1\r\n$-1\r\n");

    assert_raw(
        c.cmd_str(&["COMMAND", "GETKEYS", "SET", "a", "b"]),
        bulks(&["a"]),
    );
    assert_raw(
        c.cmd_str(&["COMMAND", "GETKEYS", "MSET", "a", "1", "b", "2"]),
        bulks(&["a", "b"]),
    );
    assert_raw(
        c.cmd_str(&["COMMAND", "GETKEYS", "RENAME", "x", "y"]),
        bulks(&["x", "y"]),
    );
    assert_raw(
        c.cmd_str(&["COMMAND", "GETKEYS", "PING", "x"]),
        err("ERR The command has no key arguments"),
    );
    assert_raw(
        c.cmd_str(&["COMMAND", "GETKEYS", "nosuch", "a"]),
        err("ERR Invalid command specified"),
    );
    assert_raw(
        c.cmd_str(&["COMMAND", "GETKEYS", "SET", "a"]),
        err("ERR Invalid number of arguments specified for command"),
    );
    assert_raw(
        c.cmd_str(&["COMMAND", "GETKEYS", "GET"]),
        err("ERR wrong number of arguments for 'command|getkeys' command"),
    );
    assert_raw(
        c.cmd_str(&["COMMAND", "NOSUCH"]),
        err("ERR unknown subcommand 'NOSUCH'. Try COMMAND HELP."),
    );
}

#[test]
fn info_sections_and_fields() {
    let s = Server::start();
    let mut c = s.raw();
    let all = info_text(&mut c, "");
    for section in [
        "# Server",
        "# Clients",
        "# Memory",
        "# Persistence",
        "# Stats",
        "# Replication",
        "# CPU",
        "# Keyspace",
    ] {
        assert!(
            all.split("\r\n").any(|l| l == section),
            "INFO lacks {section}: {all}"
        );
    }
    for line in all.split("\r\n") {
        assert!(
            line.is_empty() || line.starts_with("# ") || line.contains(':'),
            "malformed INFO line {line:?}"
        );
    }
    assert_eq!(field(&all, "tcp_port"), Some(s.port().to_string()));
    assert_eq!(field(&all, "role").as_deref(), Some("master"));
    // The harness's readiness probe disconnects just before; its close is asynchronous.
    let mut clients = field(&all, "connected_clients");
    for _ in 0..100 {
        if clients.as_deref() == Some("1") {
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(10));
        clients = field(&info_text(&mut c, "clients"), "connected_clients");
    }
    assert_eq!(clients.as_deref(), Some("1"));
    let used: u64 = field(&all, "used_memory")
        .and_then(|v| v.parse().ok())
        .unwrap_or_else(|| panic!("used_memory: {all}"));
    assert!(used > 0);
    assert_eq!(
        field(&all, "process_id"),
        Some(s.pid().to_string()),
        "process_id"
    );

    let server = info_text(&mut c, "server");
    assert!(server.starts_with("# Server\r\n"), "{server}");
    assert!(
        !server.contains("# Clients"),
        "INFO server is one section: {server}"
    );
    assert!(field(&server, "redis_version").is_some(), "{server}");
    let mut other = s.raw();
    // A served command proves the server has accepted (and registered) the connection.
    assert_raw(other.cmd_str(&["PING"]), "+PONG\r\n");
    let clients = info_text(&mut c, "clients");
    assert_eq!(field(&clients, "connected_clients").as_deref(), Some("2"));

    assert_raw(c.cmd_str(&["INFO", "keyspace"]), bulk("# Keyspace\r\n"));
    assert_raw(c.cmd_str(&["SET", "a", "1"]), OK);
    assert_raw(c.cmd_str(&["SET", "b", "2", "EX", "100"]), OK);
    assert_raw(c.cmd_str(&["SELECT", "5"]), OK);
    assert_raw(c.cmd_str(&["SET", "c", "3"]), OK);
    let ks = info_text(&mut c, "keyspace");
    let lines: Vec<&str> = ks.split("\r\n").collect();
    assert_eq!(lines.len(), 4, "{ks:?}");
    assert_eq!(lines[0], "# Keyspace");
    assert!(
        lines[1].starts_with("db0:keys=2,expires=1,avg_ttl="),
        "{ks:?}"
    );
    assert_eq!(lines[2], "db5:keys=1,expires=0,avg_ttl=0", "{ks:?}");
    assert_eq!(lines[3], "", "{ks:?}");
    assert_raw(c.cmd_str(&["INFO", "nosuchsection"]), bulk(""));
}

#[test]
fn config_get_set() {
    let s = Server::start();
    let mut c = s.raw();
    assert_raw(
        c.cmd_str(&["CONFIG", "GET", "port"]),
        bulks(&["port", &s.port().to_string()]),
    );
    assert_raw(
        c.cmd_str(&["CONFIG", "GET", "bind"]),
        bulks(&["bind", "127.0.0.1"]),
    );
    assert_raw(
        c.cmd_str(&["CONFIG", "GET", "appendonly"]),
        bulks(&["appendonly", "no"]),
    );
    assert_raw(c.cmd_str(&["CONFIG", "GET", "save"]), bulks(&["save", ""]));
    assert_raw(c.cmd_str(&["CONFIG", "SET", "maxmemory", "100mb"]), OK);
    assert_raw(
        c.cmd_str(&["CONFIG", "GET", "maxmemory"]),
        bulks(&["maxmemory", "104857600"]),
    );
    assert_raw(
        c.cmd_str(&["CONFIG", "SET", "maxmemory", "abc"]),
        err(
            "ERR CONFIG SET failed (possibly related to argument 'maxmemory') - argument must \
             be a memory value",
        ),
    );
    assert_raw(
        c.cmd_str(&["CONFIG", "SET", "maxmemory-policy", "allkeys-lru"]),
        OK,
    );
    assert_raw(
        c.cmd_str(&["CONFIG", "GET", "maxmemory-policy"]),
        bulks(&["maxmemory-policy", "allkeys-lru"]),
    );
    assert_raw(c.cmd_str(&["CONFIG", "GET", "nosuch"]), b"*0\r\n");
    assert_raw(
        c.cmd_str(&["CONFIG", "SET", "nosuch", "1"]),
        err("ERR Unknown option or number of arguments for CONFIG SET - 'nosuch'"),
    );
    assert_raw(
        c.cmd_str(&["CONFIG", "GET"]),
        err("ERR wrong number of arguments for 'config|get' command"),
    );
    assert_raw(
        c.cmd_str(&["CONFIG"]),
        err("ERR wrong number of arguments for 'config' command"),
    );
}

#[test]
fn dbsize_flushdb_flushall() {
    let s = Server::start();
    let mut c = s.raw();
    assert_raw(c.cmd_str(&["DBSIZE"]), int(0));
    assert_raw(c.cmd_str(&["MSET", "a", "1", "b", "2", "c", "3"]), OK);
    assert_raw(c.cmd_str(&["DBSIZE"]), int(3));
    assert_raw(
        c.cmd_str(&["DBSIZE", "x"]),
        err("ERR wrong number of arguments for 'dbsize' command"),
    );
    assert_raw(c.cmd_str(&["SELECT", "1"]), OK);
    assert_raw(c.cmd_str(&["MSET", "a", "1", "b", "2"]), OK);
    assert_raw(c.cmd_str(&["DBSIZE"]), int(2));
    assert_raw(c.cmd_str(&["FLUSHDB"]), OK);
    assert_raw(c.cmd_str(&["DBSIZE"]), int(0));
    assert_raw(c.cmd_str(&["SET", "z", "1"]), OK);
    assert_raw(c.cmd_str(&["SELECT", "0"]), OK);
    assert_raw(c.cmd_str(&["DBSIZE"]), int(3));
    assert_raw(c.cmd_str(&["FLUSHALL", "x"]), err("ERR syntax error"));
    assert_raw(c.cmd_str(&["FLUSHALL"]), OK);
    assert_raw(c.cmd_str(&["DBSIZE"]), int(0));
    assert_raw(c.cmd_str(&["SELECT", "1"]), OK);
    assert_raw(c.cmd_str(&["DBSIZE"]), int(0));
    assert_raw(c.cmd_str(&["SET", "z", "1"]), OK);
    assert_raw(c.cmd_str(&["FLUSHALL", "ASYNC"]), OK);
    assert_raw(c.cmd_str(&["DBSIZE"]), int(0));
    assert_raw(c.cmd_str(&["SET", "z", "1"]), OK);
    assert_raw(c.cmd_str(&["FLUSHALL", "SYNC"]), OK);
    assert_raw(c.cmd_str(&["EXISTS", "z"]), int(0));
}

/// Writes are answered by the Raft group after apply while reads, errors and session commands
/// are answered on the spot: a pipeline mixing them must still get its replies in order.
#[test]
fn pipelined_replies_keep_request_order_across_writes_reads_and_errors() {
    let s = Server::start();
    let mut c = s.raw();
    let mut pipeline = Vec::new();
    for args in [
        &["SET", "a", "1"][..],
        &["GET", "a"],
        &["INCR", "a"],
        &["NOSUCH"],
        &["INCR", "a"],
        &["SET", "b"],
        &["PING"],
        &["APPEND", "a", "x"],
        &["GET", "a"],
        &["DEL", "a"],
        &["EXISTS", "a"],
    ] {
        pipeline.extend_from_slice(&array(&args.iter().map(bulk).collect::<Vec<_>>()));
    }
    c.send(&pipeline);
    let replies = c.read_replies(11);
    let expected: Vec<Vec<u8>> = vec![
        OK.to_vec(),
        bulk("1"),
        int(2),
        err("ERR unknown command 'NOSUCH', with args beginning with: "),
        int(3),
        err("ERR wrong number of arguments for 'set' command"),
        b"+PONG\r\n".to_vec(),
        int(2),
        bulk("3x"),
        int(1),
        int(0),
    ];
    for (got, want) in replies.iter().zip(&expected) {
        assert_raw(got, want);
    }
}
