//! String commands: exact replies for the happy paths, the option grammar and the error texts.

use redraft_tests::Server;

use crate::{array, assert_raw, bulk, bulks, err, int, NIL, OK};

const NOT_INT: &str = "ERR value is not an integer or out of range";
const WRONGTYPE: &str = "WRONGTYPE Operation against a key holding the wrong kind of value";

#[test]
fn set_get_basics() {
    let s = Server::start();
    let mut c = s.raw();
    assert_raw(c.cmd_str(&["GET", "k"]), NIL);
    assert_raw(c.cmd_str(&["SET", "k", "v"]), OK);
    assert_raw(c.cmd_str(&["GET", "k"]), bulk("v"));
    assert_raw(c.cmd_str(&["SET", "k", ""]), OK);
    assert_raw(c.cmd_str(&["GET", "k"]), bulk(""));
    assert_raw(c.cmd_str(&["set", "K", "upper"]), OK);
    assert_raw(c.cmd_str(&["GET", "k"]), bulk(""));
    assert_raw(c.cmd_str(&["GET", "K"]), bulk("upper"));
    assert_raw(
        c.cmd_str(&["GET"]),
        err("ERR wrong number of arguments for 'get' command"),
    );
    assert_raw(
        c.cmd_str(&["GET", "a", "b"]),
        err("ERR wrong number of arguments for 'get' command"),
    );
    assert_raw(
        c.cmd_str(&["SET", "k"]),
        err("ERR wrong number of arguments for 'set' command"),
    );
}

#[test]
fn set_options() {
    let s = Server::start();
    let mut c = s.raw();
    assert_raw(c.cmd_str(&["SET", "k", "v", "XX"]), NIL);
    assert_raw(c.cmd_str(&["GET", "k"]), NIL);
    assert_raw(c.cmd_str(&["SET", "k", "v", "NX"]), OK);
    assert_raw(c.cmd_str(&["SET", "k", "w", "NX"]), NIL);
    assert_raw(c.cmd_str(&["SET", "k", "w", "xx"]), OK);
    assert_raw(c.cmd_str(&["GET", "k"]), bulk("w"));
    assert_raw(
        c.cmd_str(&["SET", "k", "v", "NX", "XX"]),
        err("ERR syntax error"),
    );
    assert_raw(
        c.cmd_str(&["SET", "k", "v", "FOO"]),
        err("ERR syntax error"),
    );
    assert_raw(
        c.cmd_str(&["SET", "k", "v", "EX", "10", "PX", "100"]),
        err("ERR syntax error"),
    );
    assert_raw(
        c.cmd_str(&["SET", "k", "v", "KEEPTTL", "EX", "5"]),
        err("ERR syntax error"),
    );
    assert_raw(c.cmd_str(&["SET", "k", "v", "EX"]), err("ERR syntax error"));
    for bad in ["0", "-1"] {
        assert_raw(
            c.cmd_str(&["SET", "k", "v", "EX", bad]),
            err("ERR invalid expire time in 'set' command"),
        );
        assert_raw(
            c.cmd_str(&["SET", "k", "v", "PX", bad]),
            err("ERR invalid expire time in 'set' command"),
        );
    }
    assert_raw(
        c.cmd_str(&["SET", "k", "v", "PX", "9223372036854775807"]),
        err("ERR invalid expire time in 'set' command"),
    );
    assert_raw(c.cmd_str(&["SET", "k", "v", "EX", "abc"]), err(NOT_INT));
    // Failed SETs changed nothing.
    assert_raw(c.cmd_str(&["GET", "k"]), bulk("w"));
    assert_raw(c.cmd_str(&["TTL", "k"]), int(-1));

    // GET returns the old value; NX GET is allowed since 7.0.
    assert_raw(c.cmd_str(&["SET", "g", "1", "GET"]), NIL);
    assert_raw(c.cmd_str(&["SET", "g", "2", "GET"]), bulk("1"));
    assert_raw(c.cmd_str(&["SET", "g", "3", "NX", "GET"]), bulk("2"));
    assert_raw(c.cmd_str(&["GET", "g"]), bulk("2"));
    assert_raw(c.cmd_str(&["SET", "g", "4", "XX", "GET"]), bulk("2"));
    assert_raw(c.cmd_str(&["SET", "h", "4", "XX", "GET"]), NIL);
    assert_raw(c.cmd_str(&["EXISTS", "h"]), int(0));

    // KEEPTTL keeps, a plain SET clears.
    assert_raw(c.cmd_str(&["SET", "t", "1", "EX", "100"]), OK);
    assert_raw(c.cmd_str(&["SET", "t", "2", "KEEPTTL"]), OK);
    assert_raw(c.cmd_str(&["TTL", "t"]), int(100));
    assert_raw(c.cmd_str(&["SET", "t", "3"]), OK);
    assert_raw(c.cmd_str(&["TTL", "t"]), int(-1));
    assert_raw(c.cmd_str(&["SET", "t", "4", "EXAT", "4000000000"]), OK);
    assert_raw(c.cmd_str(&["EXPIRETIME", "t"]), int(4_000_000_000));
    assert_raw(c.cmd_str(&["SET", "t", "5", "PXAT", "4000000000123"]), OK);
    assert_raw(c.cmd_str(&["PEXPIRETIME", "t"]), int(4_000_000_000_123));
    // An absolute time in the past stores nothing visible.
    assert_raw(c.cmd_str(&["SET", "t", "6", "EXAT", "1000"]), OK);
    assert_raw(c.cmd_str(&["GET", "t"]), NIL);
}

#[test]
fn setnx_setex_psetex_getset_getdel_getex() {
    let s = Server::start();
    let mut c = s.raw();
    assert_raw(c.cmd_str(&["SETNX", "a", "1"]), int(1));
    assert_raw(c.cmd_str(&["SETNX", "a", "2"]), int(0));
    assert_raw(c.cmd_str(&["GET", "a"]), bulk("1"));
    assert_raw(
        c.cmd_str(&["SETEX", "b", "0", "v"]),
        err("ERR invalid expire time in 'setex' command"),
    );
    assert_raw(
        c.cmd_str(&["PSETEX", "b", "-5", "v"]),
        err("ERR invalid expire time in 'psetex' command"),
    );
    assert_raw(c.cmd_str(&["SETEX", "b", "x", "v"]), err(NOT_INT));
    assert_raw(c.cmd_str(&["SETEX", "b", "100", "v"]), OK);
    assert_raw(c.cmd_str(&["TTL", "b"]), int(100));
    assert_raw(c.cmd_str(&["PSETEX", "p", "100000", "v"]), OK);
    assert_raw(c.cmd_str(&["TTL", "p"]), int(100));
    assert_raw(c.cmd_str(&["GETSET", "a", "9"]), bulk("1"));
    assert_raw(c.cmd_str(&["GETSET", "new", "9"]), NIL);
    assert_raw(c.cmd_str(&["GETSET", "b", "w"]), bulk("v"));
    assert_raw(c.cmd_str(&["TTL", "b"]), int(-1));
    assert_raw(c.cmd_str(&["GETDEL", "a"]), bulk("9"));
    assert_raw(c.cmd_str(&["GETDEL", "a"]), NIL);
    assert_raw(c.cmd_str(&["EXISTS", "a"]), int(0));

    assert_raw(c.cmd_str(&["SET", "q", "v", "EX", "50"]), OK);
    assert_raw(c.cmd_str(&["GETEX", "q"]), bulk("v"));
    assert_raw(c.cmd_str(&["TTL", "q"]), int(50));
    assert_raw(c.cmd_str(&["GETEX", "q", "PERSIST"]), bulk("v"));
    assert_raw(c.cmd_str(&["TTL", "q"]), int(-1));
    assert_raw(c.cmd_str(&["GETEX", "q", "EX", "100"]), bulk("v"));
    assert_raw(c.cmd_str(&["TTL", "q"]), int(100));
    assert_raw(c.cmd_str(&["GETEX", "q", "EXAT", "4000000000"]), bulk("v"));
    assert_raw(c.cmd_str(&["EXPIRETIME", "q"]), int(4_000_000_000));
    assert_raw(
        c.cmd_str(&["GETEX", "q", "EX", "1", "PX", "2"]),
        err("ERR syntax error"),
    );
    assert_raw(c.cmd_str(&["GETEX", "q", "FOO"]), err("ERR syntax error"));
    assert_raw(
        c.cmd_str(&["GETEX", "q", "EX", "0"]),
        err("ERR invalid expire time in 'getex' command"),
    );
    assert_raw(c.cmd_str(&["GETEX", "nothere", "EX", "10"]), NIL);
    assert_raw(c.cmd_str(&["EXISTS", "nothere"]), int(0));
}

#[test]
fn mset_mget_msetnx() {
    let s = Server::start();
    let mut c = s.raw();
    assert_raw(c.cmd_str(&["MSET", "a", "1", "b", "2"]), OK);
    assert_raw(
        c.cmd_str(&["MGET", "a", "b", "c"]),
        array(&[bulk("1"), bulk("2"), NIL.to_vec()]),
    );
    assert_raw(
        c.cmd_str(&["MSET", "a"]),
        err("ERR wrong number of arguments for 'mset' command"),
    );
    assert_raw(
        c.cmd_str(&["MSET", "a", "1", "b"]),
        err("ERR wrong number of arguments for 'mset' command"),
    );
    assert_raw(c.cmd_str(&["MSETNX", "a", "1", "z", "2"]), int(0));
    assert_raw(c.cmd_str(&["EXISTS", "z"]), int(0));
    assert_raw(c.cmd_str(&["MSETNX", "y", "1", "z", "2"]), int(1));
    assert_raw(c.cmd_str(&["MGET", "y", "z"]), bulks(&["1", "2"]));
    // The last of duplicate keys wins.
    assert_raw(c.cmd_str(&["MSET", "d", "1", "d", "2"]), OK);
    assert_raw(c.cmd_str(&["GET", "d"]), bulk("2"));
}

#[test]
fn counters() {
    let s = Server::start();
    let mut c = s.raw();
    assert_raw(c.cmd_str(&["INCR", "n"]), int(1));
    assert_raw(c.cmd_str(&["SET", "n", "10"]), OK);
    assert_raw(c.cmd_str(&["INCR", "n"]), int(11));
    assert_raw(c.cmd_str(&["INCRBY", "n", "-20"]), int(-9));
    assert_raw(c.cmd_str(&["DECR", "n"]), int(-10));
    assert_raw(c.cmd_str(&["DECRBY", "n", "5"]), int(-15));
    assert_raw(c.cmd_str(&["GET", "n"]), bulk("-15"));
    assert_raw(c.cmd_str(&["INCRBY", "n", "abc"]), err(NOT_INT));
    for bad in ["abc", " 1", "1.5", "", "1 ", "01x", "99999999999999999999"] {
        assert_raw(c.cmd_str(&["SET", "x", bad]), OK);
        assert_raw(c.cmd_str(&["INCR", "x"]), err(NOT_INT));
    }
    assert_raw(c.cmd_str(&["SET", "x", "9223372036854775807"]), OK);
    assert_raw(
        c.cmd_str(&["INCR", "x"]),
        err("ERR increment or decrement would overflow"),
    );
    assert_raw(c.cmd_str(&["SET", "x", "-9223372036854775808"]), OK);
    assert_raw(
        c.cmd_str(&["DECR", "x"]),
        err("ERR increment or decrement would overflow"),
    );
    assert_raw(
        c.cmd_str(&["DECRBY", "x", "-9223372036854775808"]),
        err("ERR decrement would overflow"),
    );
    assert_raw(c.cmd_str(&["SET", "x", "007"]), OK);
    assert_raw(c.cmd_str(&["INCR", "x"]), err(NOT_INT));
    assert_raw(c.cmd_str(&["SET", "x", "-0"]), OK);
    assert_raw(c.cmd_str(&["INCR", "x"]), err(NOT_INT));

    assert_raw(c.cmd_str(&["SET", "f", "1.5"]), OK);
    assert_raw(c.cmd_str(&["INCRBYFLOAT", "f", "0.1"]), bulk("1.6"));
    assert_raw(c.cmd_str(&["SET", "f", "10.50"]), OK);
    assert_raw(c.cmd_str(&["INCRBYFLOAT", "f", "0.1"]), bulk("10.6"));
    assert_raw(c.cmd_str(&["INCRBYFLOAT", "f", "-10.6"]), bulk("0"));
    assert_raw(c.cmd_str(&["INCRBYFLOAT", "f", "1e3"]), bulk("1000"));
    assert_raw(c.cmd_str(&["INCRBYFLOAT", "g", "3"]), bulk("3"));
    assert_raw(c.cmd_str(&["INCRBYFLOAT", "g", "2.5"]), bulk("5.5"));
    assert_raw(c.cmd_str(&["GET", "g"]), bulk("5.5"));
    assert_raw(
        c.cmd_str(&["INCRBYFLOAT", "g", "abc"]),
        err("ERR value is not a valid float"),
    );
    assert_raw(
        c.cmd_str(&["INCRBYFLOAT", "g", " 1"]),
        err("ERR value is not a valid float"),
    );
    assert_raw(c.cmd_str(&["SET", "g", "abc"]), OK);
    assert_raw(
        c.cmd_str(&["INCRBYFLOAT", "g", "1"]),
        err("ERR value is not a valid float"),
    );
    assert_raw(c.cmd_str(&["SET", "g", "1e308"]), OK);
    assert_raw(
        c.cmd_str(&["INCRBYFLOAT", "g", "-inf"]),
        err("ERR increment would produce NaN or Infinity"),
    );
    assert_raw(c.cmd_str(&["GET", "g"]), bulk("1e308"));
}

#[test]
fn append_strlen_ranges() {
    let s = Server::start();
    let mut c = s.raw();
    assert_raw(c.cmd_str(&["APPEND", "s", "Hello"]), int(5));
    assert_raw(c.cmd_str(&["APPEND", "s", " World"]), int(11));
    assert_raw(c.cmd_str(&["STRLEN", "s"]), int(11));
    assert_raw(c.cmd_str(&["STRLEN", "missing"]), int(0));
    assert_raw(c.cmd_str(&["GETRANGE", "s", "0", "4"]), bulk("Hello"));
    assert_raw(c.cmd_str(&["GETRANGE", "s", "-5", "-1"]), bulk("World"));
    assert_raw(c.cmd_str(&["GETRANGE", "s", "5", "1"]), bulk(""));
    assert_raw(
        c.cmd_str(&["GETRANGE", "s", "0", "100"]),
        bulk("Hello World"),
    );
    // Redis quirk: a very negative end clamps to 0, yielding the first byte.
    assert_raw(c.cmd_str(&["GETRANGE", "s", "0", "-100"]), bulk("H"));
    assert_raw(c.cmd_str(&["GETRANGE", "s", "-100", "2"]), bulk("Hel"));
    assert_raw(c.cmd_str(&["GETRANGE", "missing", "0", "-1"]), bulk(""));
    assert_raw(c.cmd_str(&["GETRANGE", "s", "a", "1"]), err(NOT_INT));
    assert_raw(c.cmd_str(&["SUBSTR", "s", "1", "3"]), bulk("ell"));
    assert_raw(c.cmd_str(&["SETRANGE", "s", "6", "Redis"]), int(11));
    assert_raw(c.cmd_str(&["GET", "s"]), bulk("Hello Redis"));
    assert_raw(c.cmd_str(&["SETRANGE", "s", "11", "!"]), int(12));
    assert_raw(c.cmd_str(&["SETRANGE", "e", "3", "x"]), int(4));
    assert_raw(c.cmd_str(&["GET", "e"]), bulk(b"\x00\x00\x00x"));
    assert_raw(
        c.cmd_str(&["SETRANGE", "s", "-1", "x"]),
        err("ERR offset is out of range"),
    );
    assert_raw(
        c.cmd_str(&["SETRANGE", "s", "536870912", "x"]),
        err("ERR string exceeds maximum allowed size (proto-max-bulk-len)"),
    );
    // An empty value at any offset is a no-op that returns the current length.
    assert_raw(c.cmd_str(&["SETRANGE", "s", "536870911", ""]), int(12));
    assert_raw(c.cmd_str(&["SETRANGE", "none", "5", ""]), int(0));
    assert_raw(c.cmd_str(&["EXISTS", "none"]), int(0));
}

#[test]
fn lcs_forms() {
    let s = Server::start();
    let mut c = s.raw();
    assert_raw(
        c.cmd_str(&["MSET", "k1", "ohmytext", "k2", "mynewtext"]),
        OK,
    );
    assert_raw(c.cmd_str(&["LCS", "k1", "k2"]), bulk("mytext"));
    assert_raw(c.cmd_str(&["LCS", "k1", "k2", "LEN"]), int(6));
    let range = |a: i64, b: i64| array(&[int(a), int(b)]);
    assert_raw(
        c.cmd_str(&["LCS", "k1", "k2", "IDX"]),
        array(&[
            bulk("matches"),
            array(&[
                array(&[range(4, 7), range(5, 8)]),
                array(&[range(2, 3), range(0, 1)]),
            ]),
            bulk("len"),
            int(6),
        ]),
    );
    assert_raw(
        c.cmd_str(&["LCS", "k1", "k2", "IDX", "MINMATCHLEN", "4", "WITHMATCHLEN"]),
        array(&[
            bulk("matches"),
            array(&[array(&[range(4, 7), range(5, 8), int(4)])]),
            bulk("len"),
            int(6),
        ]),
    );
    assert_raw(
        c.cmd_str(&["LCS", "k1", "k2", "LEN", "IDX"]),
        err("ERR If you want both the length and indexes, please just use IDX."),
    );
    assert_raw(
        c.cmd_str(&["LCS", "k1", "k2", "FOO"]),
        err("ERR syntax error"),
    );
    assert_raw(c.cmd_str(&["LCS", "k1", "missing"]), bulk(""));
}

#[test]
fn wrongtype_on_list_key() {
    let s = Server::start();
    let mut c = s.raw();
    assert_raw(c.cmd_str(&["RPUSH", "l", "a"]), int(1));
    for cmd in [
        &["GET", "l"][..],
        &["INCR", "l"],
        &["APPEND", "l", "x"],
        &["STRLEN", "l"],
        &["GETRANGE", "l", "0", "1"],
        &["SETRANGE", "l", "0", "x"],
        &["GETSET", "l", "x"],
        &["GETDEL", "l"],
        &["INCRBYFLOAT", "l", "1"],
        &["SET", "l", "x", "GET"],
    ] {
        assert_raw(c.cmd_str(cmd), err(WRONGTYPE));
    }
    // MGET treats non-strings as missing; SET overwrites any type.
    assert_raw(c.cmd_str(&["MGET", "l"]), array(&[NIL.to_vec()]));
    assert_raw(c.cmd_str(&["TYPE", "l"]), b"+list\r\n");
    assert_raw(c.cmd_str(&["SET", "l", "x"]), OK);
    assert_raw(c.cmd_str(&["TYPE", "l"]), b"+string\r\n");
}

#[test]
fn large_and_binary_values_via_redis_rs() {
    let s = Server::start();
    let mut conn = s.client();
    let big: Vec<u8> = (0..1_000_000u32).map(|i| (i * 7 % 256) as u8).collect();
    redis::cmd("SET")
        .arg(b"big\x00key")
        .arg(&big)
        .query::<()>(&mut conn)
        .expect("SET big");
    let back: Vec<u8> = redis::cmd("GET")
        .arg(b"big\x00key")
        .query(&mut conn)
        .expect("GET big");
    assert!(back == big, "1 MB binary value round-trips");
    let len: i64 = redis::cmd("STRLEN")
        .arg(b"big\x00key")
        .query(&mut conn)
        .expect("STRLEN");
    assert_eq!(len, 1_000_000);
}

#[test]
fn async_client_set_get() {
    let s = Server::start();
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    rt.block_on(async {
        let mut conn = s.async_client().await;
        let mut pipe = redis::pipe();
        for i in 0..100 {
            pipe.cmd("INCRBY").arg("ctr").arg(i);
        }
        let replies: Vec<i64> = pipe.query_async(&mut conn).await.expect("pipeline");
        assert_eq!(replies.last(), Some(&4950));
        let v: String = redis::cmd("GET")
            .arg("ctr")
            .query_async(&mut conn)
            .await
            .expect("GET");
        assert_eq!(v, "4950");
    });
}
