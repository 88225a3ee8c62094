//! Connection commands: PING ECHO HELLO AUTH SELECT QUIT RESET and CLIENT's subcommands.
//!
//! These are session handlers: they read and change the connection's [`Session`] and the client
//! registry, never the keyspace.

use bytes::Bytes;
use redraft_protocol::{Frame, Version};
use std::sync::atomic::{AtomicBool, Ordering};

use super::flags::*;
use super::parse::{is, parse_i64};
use super::{spec, CommandSpec, Handler, KeySpec};
use crate::blocking::Unblock;
use crate::error;
use crate::session::{Action, ReplyMode, Session};
use crate::state::unix_ms;

const CONN: &[&str] = &["connection", "fast"];
const CONN_SLOW: &[&str] = &["connection", "slow"];
const CLIENT_ADMIN: &[&str] = &["admin", "slow", "dangerous", "connection"];
/// Flags of the commands a client may send before it has authenticated (HELLO, AUTH, QUIT,
/// RESET), as Redis flags them.
const BEFORE_AUTH: u32 = NOSCRIPT | LOADING | STALE | FAST | NO_AUTH | ALLOW_BUSY;

const fn session(
    name: &'static str,
    arity: i32,
    flags: u32,
    acl: &'static [&'static str],
    f: super::SessionFn,
) -> CommandSpec {
    CommandSpec {
        group: "connection",
        ..super::session_spec(name, arity, flags, acl, f)
    }
}

/// Connection commands.
pub const COMMANDS: &[CommandSpec] = &[
    session("ping", -1, FAST, CONN, ping),
    session("echo", 2, LOADING | STALE | FAST, CONN, echo),
    session("hello", -1, BEFORE_AUTH, CONN, hello),
    session("auth", -2, BEFORE_AUTH, CONN, auth),
    session("select", 2, LOADING | STALE | FAST, CONN, select),
    session("quit", -1, BEFORE_AUTH, CONN, quit),
    session("reset", 1, BEFORE_AUTH, CONN, reset),
    CommandSpec {
        subcommands: CLIENT_SUBCOMMANDS,
        ..spec(
            "client",
            -2,
            0,
            KeySpec::NONE,
            CONN_SLOW,
            Handler::Container,
        )
    },
];

const CLIENT_FLAGS: u32 = NOSCRIPT | LOADING | STALE;

const CLIENT_SUBCOMMANDS: &[CommandSpec] = &[
    session("id", 2, CLIENT_FLAGS, CONN_SLOW, client_id),
    session("setname", 3, CLIENT_FLAGS, CONN_SLOW, client_setname),
    session("getname", 2, CLIENT_FLAGS, CONN_SLOW, client_getname),
    session("list", -2, ADMIN | CLIENT_FLAGS, CLIENT_ADMIN, client_list),
    session("info", 2, CLIENT_FLAGS, CONN_SLOW, client_info),
    session("kill", -3, ADMIN | CLIENT_FLAGS, CLIENT_ADMIN, client_kill),
    session("setinfo", 4, CLIENT_FLAGS, CONN_SLOW, client_setinfo),
    session(
        "no-evict",
        3,
        ADMIN | CLIENT_FLAGS,
        CLIENT_ADMIN,
        client_no_evict,
    ),
    session("no-touch", 3, CLIENT_FLAGS, CONN_SLOW, client_no_touch),
    session(
        "unblock",
        -3,
        ADMIN | CLIENT_FLAGS,
        CLIENT_ADMIN,
        client_unblock,
    ),
    session("reply", 3, CLIENT_FLAGS, CONN_SLOW, client_reply),
    session(
        "pause",
        -3,
        ADMIN | CLIENT_FLAGS,
        CLIENT_ADMIN,
        client_pause,
    ),
    session(
        "unpause",
        2,
        ADMIN | CLIENT_FLAGS,
        CLIENT_ADMIN,
        client_unpause,
    ),
    session("help", 2, LOADING | STALE, CONN_SLOW, client_help),
];

fn ping(_s: &mut Session, argv: &[Bytes]) -> Frame {
    match argv.len() {
        1 => Frame::simple("PONG"),
        2 => Frame::Bulk(argv[1].clone()),
        _ => Frame::error(error::wrong_arity("ping")),
    }
}

fn echo(_s: &mut Session, argv: &[Bytes]) -> Frame {
    Frame::Bulk(argv[1].clone())
}

/// Checks a password for `user` against `requirepass` (the default user is the only user).
fn check_password(s: &Session, user: &[u8], password: &[u8]) -> bool {
    let config = s.server.config.read();
    let required = config.get("requirepass").as_bytes();
    if user != b"default" {
        return false;
    }
    // The default user without a password accepts any password (Redis's `nopass`).
    required.is_empty() || constant_time_eq(required, password)
}

fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    if a.len() != b.len() {
        return false;
    }
    a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

fn auth(s: &mut Session, argv: &[Bytes]) -> Frame {
    let (user, password): (&[u8], &[u8]) = match argv.len() {
        2 => {
            if s.server.config.read().get("requirepass").is_empty() {
                return Frame::error(error::AUTH_NOT_CONFIGURED);
            }
            (b"default", &argv[1])
        }
        3 => (&argv[1], &argv[2]),
        _ => return Frame::error(error::SYNTAX),
    };
    if check_password(s, user, password) {
        s.set_authenticated(true);
        Frame::ok()
    } else {
        Frame::error(error::WRONGPASS)
    }
}

/// Validates a client name: printable ASCII without spaces.
fn valid_name(name: &[u8]) -> bool {
    name.iter().all(|&c| (b'!'..=b'~').contains(&c))
}

const BAD_NAME: &str = "ERR Client names cannot contain spaces, newlines or special characters.";

fn hello(s: &mut Session, argv: &[Bytes]) -> Frame {
    let mut version = s.resp;
    if argv.len() >= 2 {
        match parse_i64(&argv[1]) {
            None => return Frame::error("ERR Protocol version is not an integer or out of range"),
            Some(2) => version = Version::Resp2,
            Some(3) => version = Version::Resp3,
            Some(_) => return Frame::error(error::NOPROTO),
        }
    }
    let mut j = 2;
    let mut credentials = None;
    let mut name = None;
    while j < argv.len() {
        let more = argv.len() - j - 1;
        if is(&argv[j], "auth") && more >= 2 {
            credentials = Some((argv[j + 1].clone(), argv[j + 2].clone()));
            j += 3;
        } else if is(&argv[j], "setname") && more >= 1 {
            name = Some(argv[j + 1].clone());
            j += 2;
        } else {
            let opt = String::from_utf8_lossy(&argv[j]).into_owned();
            return Frame::error(error::sanitize(format!(
                "ERR Syntax error in HELLO option '{opt}'"
            )));
        }
    }
    if let Some((user, password)) = credentials {
        if !check_password(s, &user, &password) {
            return Frame::error(error::WRONGPASS);
        }
        s.set_authenticated(true);
    }
    if !s.authenticated {
        return Frame::error("NOAUTH HELLO must be called with the client already authenticated, otherwise the HELLO AUTH <user> <pass> option can be used to authenticate the client and select the RESP protocol version at the same time");
    }
    if let Some(name) = name {
        if !valid_name(&name) {
            return Frame::error(BAD_NAME);
        }
        *s.client.name.lock() =
            (!name.is_empty()).then(|| String::from_utf8_lossy(&name).into_owned());
    }
    s.set_resp(version);
    let replica = s.server.replica();
    let mode = if replica.cluster {
        "cluster"
    } else {
        "standalone"
    };
    let role = if super::cluster::is_master(replica) {
        "master"
    } else {
        "replica"
    };
    let text = |t: &'static str| Frame::Bulk(Bytes::from_static(t.as_bytes()));
    Frame::Map(vec![
        (text("server"), text("redis")),
        (text("version"), text(crate::REDIS_VERSION)),
        (
            text("proto"),
            Frame::Integer(if version == Version::Resp3 { 3 } else { 2 }),
        ),
        (text("id"), Frame::Integer(s.client.id as i64)),
        (text("mode"), text(mode)),
        (text("role"), text(role)),
        (text("modules"), Frame::Array(Vec::new())),
    ])
}

fn select(s: &mut Session, argv: &[Bytes]) -> Frame {
    let Some(db) = parse_i64(&argv[1]).filter(|v| i32::try_from(*v).is_ok()) else {
        return Frame::error(error::NOT_INTEGER);
    };
    if db < 0 || db as usize >= s.server.shard.with(|st| st.keyspace.db_count()) {
        return Frame::error(error::DB_OUT_OF_RANGE);
    }
    s.select(db as usize);
    Frame::ok()
}

fn quit(s: &mut Session, _argv: &[Bytes]) -> Frame {
    s.action = Some(Action::Close);
    Frame::ok()
}

fn reset(s: &mut Session, _argv: &[Bytes]) -> Frame {
    s.select(0);
    s.set_resp(Version::Resp2);
    s.reply_mode = ReplyMode::On;
    s.readonly = false;
    *s.client.name.lock() = None;
    s.client.no_evict.store(false, Ordering::Relaxed);
    s.client.no_touch.store(false, Ordering::Relaxed);
    let needs_auth = s.server.hot.auth_required.load(Ordering::Relaxed);
    s.set_authenticated(!needs_auth);
    Frame::simple("RESET")
}

fn client_id(s: &mut Session, _argv: &[Bytes]) -> Frame {
    Frame::Integer(s.client.id as i64)
}

fn client_setname(s: &mut Session, argv: &[Bytes]) -> Frame {
    if !valid_name(&argv[2]) {
        return Frame::error(BAD_NAME);
    }
    *s.client.name.lock() =
        (!argv[2].is_empty()).then(|| String::from_utf8_lossy(&argv[2]).into_owned());
    Frame::ok()
}

fn client_getname(s: &mut Session, _argv: &[Bytes]) -> Frame {
    match s.client.name.lock().as_ref() {
        Some(n) => Frame::bulk_from(n.as_bytes()),
        None => Frame::Null,
    }
}

/// A text block reply: bulk in RESP2, verbatim `txt` in RESP3.
fn text_reply(s: &Session, text: String) -> Frame {
    match s.resp {
        Version::Resp2 => Frame::Bulk(Bytes::from(text)),
        Version::Resp3 => Frame::Verbatim {
            format: *b"txt",
            text: Bytes::from(text),
        },
    }
}

fn client_list(s: &mut Session, argv: &[Bytes]) -> Frame {
    let mut ids: Option<Vec<u64>> = None;
    let mut j = 2;
    while j < argv.len() {
        if is(&argv[j], "type") && j + 1 < argv.len() {
            let t = String::from_utf8_lossy(&argv[j + 1]).to_ascii_lowercase();
            match t.as_str() {
                "normal" => {}
                "master" | "replica" | "slave" | "pubsub" => ids = Some(Vec::new()),
                _ => {
                    return Frame::error(error::sanitize(format!("ERR Unknown client type '{t}'")))
                }
            }
            j += 2;
        } else if is(&argv[j], "id") && j + 1 < argv.len() {
            let mut list = Vec::new();
            for a in &argv[j + 1..] {
                match parse_i64(a).filter(|v| *v > 0) {
                    Some(v) => list.push(v as u64),
                    None => return Frame::error("ERR Invalid client ID"),
                }
            }
            ids = Some(list);
            j = argv.len();
        } else {
            return Frame::error(error::SYNTAX);
        }
    }
    let mut out = String::new();
    for c in s.server.clients.snapshot() {
        if ids.as_ref().is_none_or(|ids| ids.contains(&c.id)) {
            out.push_str(&c.info_line());
            out.push('\n');
        }
    }
    text_reply(s, out)
}

fn client_info(s: &mut Session, _argv: &[Bytes]) -> Frame {
    let line = s.client.info_line() + "\n";
    text_reply(s, line)
}

/// Filters of CLIENT KILL's new form.
#[derive(Default)]
struct KillFilter {
    id: Option<u64>,
    addr: Option<String>,
    laddr: Option<String>,
    user: Option<String>,
    maxage: Option<u64>,
    none: bool,
    skipme: bool,
}

fn client_kill(s: &mut Session, argv: &[Bytes]) -> Frame {
    if argv.len() == 3 {
        // Old form: CLIENT KILL addr:port.
        let addr = String::from_utf8_lossy(&argv[2]).into_owned();
        let target = s
            .server
            .clients
            .snapshot()
            .into_iter()
            .find(|c| c.addr.to_string() == addr);
        return match target {
            Some(c) => {
                c.cancel.cancel();
                Frame::ok()
            }
            None => Frame::error("ERR No such client"),
        };
    }
    let mut f = KillFilter {
        skipme: true,
        ..KillFilter::default()
    };
    if !(argv.len() - 2).is_multiple_of(2) {
        return Frame::error(error::SYNTAX);
    }
    for pair in argv[2..].chunks(2) {
        let value = String::from_utf8_lossy(&pair[1]).into_owned();
        let opt = String::from_utf8_lossy(&pair[0]).to_ascii_lowercase();
        match opt.as_str() {
            "id" => match parse_i64(&pair[1]).filter(|v| *v > 0) {
                Some(v) => f.id = Some(v as u64),
                None => return Frame::error("ERR client-id should be greater than 0"),
            },
            "addr" => f.addr = Some(value),
            "laddr" => f.laddr = Some(value),
            "user" => f.user = Some(value),
            "maxage" => match parse_i64(&pair[1]).filter(|v| *v >= 0) {
                Some(v) => f.maxage = Some(v as u64),
                None => return Frame::error(error::NOT_INTEGER),
            },
            "type" => match value.to_ascii_lowercase().as_str() {
                // Every client is a normal client so far: TYPE normal filters nothing.
                "normal" => {}
                "master" | "replica" | "slave" | "pubsub" => f.none = true,
                _ => {
                    return Frame::error(error::sanitize(format!(
                        "ERR Unknown client type '{value}'"
                    )))
                }
            },
            "skipme" => match value.to_ascii_lowercase().as_str() {
                "yes" => f.skipme = true,
                "no" => f.skipme = false,
                _ => return Frame::error(error::SYNTAX),
            },
            _ => return Frame::error(error::SYNTAX),
        }
    }
    let mut killed = 0;
    for c in s.server.clients.snapshot() {
        let matched = !f.none
            && f.id.is_none_or(|id| id == c.id)
            && f.addr.as_ref().is_none_or(|a| *a == c.addr.to_string())
            && f.laddr.as_ref().is_none_or(|a| *a == c.laddr.to_string())
            && f.user.as_ref().is_none_or(|u| u == "default")
            && f.maxage
                .is_none_or(|age| c.created.elapsed().as_secs() >= age);
        if matched && !(f.skipme && c.id == s.client.id) {
            c.cancel.cancel();
            killed += 1;
        }
    }
    Frame::Integer(killed)
}

fn client_setinfo(s: &mut Session, argv: &[Bytes]) -> Frame {
    let value = String::from_utf8_lossy(&argv[3]).into_owned();
    if !valid_name(&argv[3]) {
        return Frame::error(error::sanitize(format!(
            "ERR {} cannot contain spaces, newlines or special characters.",
            String::from_utf8_lossy(&argv[2]).to_ascii_lowercase()
        )));
    }
    let mut lib = s.client.lib.lock();
    if is(&argv[2], "lib-name") {
        lib.0 = value;
    } else if is(&argv[2], "lib-ver") {
        lib.1 = value;
    } else {
        let attr = String::from_utf8_lossy(&argv[2]).into_owned();
        return Frame::error(error::sanitize(format!("ERR Unrecognized option '{attr}'")));
    }
    Frame::ok()
}

fn on_off(arg: &[u8]) -> Option<bool> {
    if is(arg, "on") {
        Some(true)
    } else if is(arg, "off") {
        Some(false)
    } else {
        None
    }
}

/// Sets a per-client ON/OFF flag (NO-EVICT, NO-TOUCH).
fn set_on_off(flag: &AtomicBool, arg: &[u8]) -> Frame {
    match on_off(arg) {
        Some(v) => {
            flag.store(v, Ordering::Relaxed);
            Frame::ok()
        }
        None => Frame::error(error::SYNTAX),
    }
}

fn client_no_evict(s: &mut Session, argv: &[Bytes]) -> Frame {
    set_on_off(&s.client.no_evict, &argv[2])
}

fn client_unblock(s: &mut Session, argv: &[Bytes]) -> Frame {
    let Some(id) = super::parse::parse_i64(&argv[2]) else {
        return Frame::error(error::NOT_INTEGER);
    };
    let how = match argv.get(3) {
        None => Unblock::Timeout,
        Some(w) if is(w, "timeout") => Unblock::Timeout,
        Some(w) if is(w, "error") => Unblock::Error,
        Some(_) => return Frame::error(error::UNBLOCK_REASON),
    };
    if argv.len() > 4 {
        return Frame::error(error::SYNTAX);
    }
    let done = u64::try_from(id).is_ok_and(|id| s.server.shard.waiters.unblock(id, how));
    Frame::Integer(done as i64)
}

fn client_no_touch(s: &mut Session, argv: &[Bytes]) -> Frame {
    set_on_off(&s.client.no_touch, &argv[2])
}

fn client_reply(s: &mut Session, argv: &[Bytes]) -> Frame {
    if is(&argv[2], "on") {
        s.reply_mode = ReplyMode::On;
        Frame::ok()
    } else if is(&argv[2], "off") {
        s.reply_mode = ReplyMode::Off;
        Frame::ok()
    } else if is(&argv[2], "skip") {
        if s.reply_mode != ReplyMode::Off {
            s.reply_mode = ReplyMode::SkipNext;
        }
        Frame::ok()
    } else {
        Frame::error(error::SYNTAX)
    }
}

fn client_pause(s: &mut Session, argv: &[Bytes]) -> Frame {
    let Some(ms) = parse_i64(&argv[2]) else {
        return Frame::error(error::TIMEOUT_NOT_INTEGER);
    };
    if ms < 0 {
        return Frame::error(error::TIMEOUT_NEGATIVE);
    }
    let writes_only = match argv.get(3) {
        None => false,
        Some(m) if is(m, "write") => true,
        Some(m) if is(m, "all") => false,
        Some(_) => return Frame::error(error::SYNTAX),
    };
    if argv.len() > 4 {
        return Frame::error(error::SYNTAX);
    }
    let pause = &s.server.pause;
    pause.writes_only.store(writes_only, Ordering::Relaxed);
    pause
        .until_ms
        .store(unix_ms().saturating_add(ms as u64), Ordering::Relaxed);
    Frame::ok()
}

fn client_unpause(s: &mut Session, _argv: &[Bytes]) -> Frame {
    s.server.pause.until_ms.store(0, Ordering::Relaxed);
    Frame::ok()
}

fn client_help(_s: &mut Session, _argv: &[Bytes]) -> Frame {
    const LINES: &[&str] = &[
        "CLIENT <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
        "CACHING (YES|NO)",
        "    Enable/disable tracking of the keys for next command in OPTIN/OPTOUT modes.",
        "GETREDIR",
        "    Return the client ID we are redirecting to when tracking is enabled.",
        "GETNAME",
        "    Return the name of the current connection.",
        "ID",
        "    Return the ID of the current connection.",
        "INFO",
        "    Return information about the current client connection.",
        "KILL <ip:port>",
        "    Kill connection made from <ip:port>.",
        "KILL <option> <value> [<option> <value> [...]]",
        "    Kill connections. Options are:",
        "    * ADDR (<ip:port>|<unixsocket>:0)",
        "      Kill connections made from the specified address",
        "    * LADDR (<ip:port>|<unixsocket>:0)",
        "      Kill connections made to specified local address",
        "    * TYPE (NORMAL|MASTER|REPLICA|PUBSUB)",
        "      Kill connections by type.",
        "    * USER <username>",
        "      Kill connections authenticated by <username>.",
        "    * SKIPME (YES|NO)",
        "      Skip killing current connection (default: yes).",
        "    * ID <client-id>",
        "      Kill connections by client id.",
        "    * MAXAGE <maxage>",
        "      Kill connections older than the specified age.",
        "LIST [options ...]",
        "    Return information about client connections. Options:",
        "    * TYPE (NORMAL|MASTER|REPLICA|PUBSUB)",
        "      Return clients of specified type.",
        "UNPAUSE",
        "    Stop the current client pause, resuming traffic.",
        "PAUSE <timeout> [WRITE|ALL]",
        "    Suspend all, or just write, clients for <timeout> milliseconds.",
        "REPLY (ON|OFF|SKIP)",
        "    Control the replies sent to the current connection.",
        "SETNAME <name>",
        "    Assign the name <name> to the current connection.",
        "SETINFO <option> <value>",
        "    Set client meta attr. Options are:",
        "    * LIB-NAME: the client lib name.",
        "    * LIB-VER: the client lib version.",
        "NO-EVICT (ON|OFF)",
        "    Protect current client connection from eviction.",
        "NO-TOUCH (ON|OFF)",
        "    Will not touch LRU/LFU stats when this mode is on.",
        "HELP",
        "    Print this help.",
    ];
    Frame::Array(
        LINES
            .iter()
            .map(|l| Frame::Simple(Bytes::from_static(l.as_bytes())))
            .collect(),
    )
}
