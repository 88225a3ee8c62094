//! Every error text the server replies with, worded exactly as Redis 7.0 words it.

/// `-ERR syntax error`
pub const SYNTAX: &str = "ERR syntax error";
/// Integer argument or stored value is not an integer.
pub const NOT_INTEGER: &str = "ERR value is not an integer or out of range";
/// Float argument or stored value is not a float.
pub const NOT_FLOAT: &str = "ERR value is not a valid float";
/// Operation against a key of another type.
pub const WRONGTYPE: &str = "WRONGTYPE Operation against a key holding the wrong kind of value";
/// INCR/DECR overflow.
pub const OVERFLOW: &str = "ERR increment or decrement would overflow";
/// INCRBYFLOAT result is not finite.
pub const NAN_OR_INF: &str = "ERR increment would produce NaN or Infinity";
/// Missing key for RENAME and friends.
pub const NO_SUCH_KEY: &str = "ERR no such key";
/// SELECT/MOVE/COPY with a bad database number.
pub const DB_OUT_OF_RANGE: &str = "ERR DB index is out of range";
/// Unauthenticated command.
pub const NOAUTH: &str = "NOAUTH Authentication required.";
/// AUTH with a wrong password.
pub const WRONGPASS: &str = "WRONGPASS invalid username-password pair or user is disabled.";
/// AUTH while no password is configured.
pub const AUTH_NOT_CONFIGURED: &str = "ERR AUTH <password> called without any password configured for the default user. Are you sure your configuration is correct?";
/// Too many clients.
pub const MAX_CLIENTS: &str = "ERR max number of clients reached";
/// SETRANGE/APPEND beyond proto-max-bulk-len.
pub const STRING_TOO_LONG: &str = "ERR string exceeds maximum allowed size (proto-max-bulk-len)";
/// Bad expire time in SET/GETEX.
pub fn invalid_expire(cmd: &str) -> String {
    format!("ERR invalid expire time in '{cmd}' command")
}
/// Offset errors (SETRANGE).
pub const OFFSET_OUT_OF_RANGE: &str = "ERR offset is out of range";
/// Negative timeout/count where not allowed.
pub const TIMEOUT_NEGATIVE: &str = "ERR timeout is negative";
/// Bad protocol version in HELLO.
pub const NOPROTO: &str = "NOPROTO unsupported protocol version";

/// RENAME-like commands whose source and destination are the same (COPY, MOVE).
pub const SAME_OBJECT: &str = "ERR source and destination objects are the same";
/// SCAN with a cursor that is not an unsigned integer.
pub const INVALID_CURSOR: &str = "ERR invalid cursor";
/// EXPIRE with NX and another condition.
pub const EXPIRE_NX_AND_OTHER: &str =
    "ERR NX and XX, GT or LT options at the same time are not compatible";
/// EXPIRE with both GT and LT.
pub const EXPIRE_GT_AND_LT: &str = "ERR GT and LT options at the same time are not compatible";
/// OBJECT FREQ without an LFU maxmemory policy.
pub const LFU_NOT_SELECTED: &str = "ERR An LFU maxmemory policy is not selected, access frequency not tracked. Please note that when switching between policies at runtime LRU and LFU data will take some time to adjust.";
/// SWAPDB with a non-integer first index.
pub const INVALID_FIRST_DB: &str = "ERR invalid first DB index";
/// SWAPDB with a non-integer second index.
pub const INVALID_SECOND_DB: &str = "ERR invalid second DB index";
/// An option word the command does not know (EXPIRE family); the word is quoted as given.
pub fn unsupported_option(option: &[u8]) -> String {
    sanitize(format!(
        "ERR Unsupported option {}",
        String::from_utf8_lossy(option)
    ))
}

/// Unknown command, with Redis's quoting of the first arguments. Redis formats the raw bytes
/// with `%.*s`, so each argument stops at its first NUL; CR and LF become spaces.
pub fn unknown_command(name: &[u8], args: &[bytes::Bytes]) -> Vec<u8> {
    fn c_str(b: &[u8], max: usize) -> &[u8] {
        let b = &b[..b.len().min(max)];
        b.iter().position(|&c| c == 0).map_or(b, |nul| &b[..nul])
    }
    let mut list = Vec::new();
    for a in args {
        if list.len() >= 128 {
            break;
        }
        let room = 128 - list.len();
        list.push(b'\'');
        list.extend_from_slice(c_str(a, room));
        list.extend_from_slice(b"' ");
    }
    let mut out = b"ERR unknown command '".to_vec();
    out.extend_from_slice(c_str(name, 128));
    out.extend_from_slice(b"', with args beginning with: ");
    out.extend_from_slice(&list);
    for c in out.iter_mut() {
        if *c == b'\r' || *c == b'\n' {
            *c = b' ';
        }
    }
    out
}

/// Unknown subcommand of a container command (CLIENT, CONFIG…).
pub fn unknown_subcommand(container: &str, sub: &[u8]) -> String {
    let sub = String::from_utf8_lossy(&sub[..sub.len().min(128)]);
    sanitize(format!(
        "ERR unknown subcommand '{sub}'. Try {} HELP.",
        container.to_ascii_uppercase()
    ))
}

/// Wrong number of arguments; `fullname` is e.g. `get` or `client|setname`.
pub fn wrong_arity(fullname: &str) -> String {
    format!("ERR wrong number of arguments for '{fullname}' command")
}

/// Error replies must stay on one line.
pub fn sanitize(mut s: String) -> String {
    if s.contains(['\r', '\n']) {
        s = s.replace(['\r', '\n'], " ");
    }
    s
}

/// CONFIG SET of a parameter that does not exist.
pub fn config_set_unknown(arg: &str) -> String {
    sanitize(format!(
        "ERR Unknown option or number of arguments for CONFIG SET - '{arg}'"
    ))
}

/// CONFIG SET with a value (or parameter) that was refused; `why` is the reason.
pub fn config_set_failed(arg: &str, why: &str) -> String {
    sanitize(format!(
        "ERR CONFIG SET failed (possibly related to argument '{arg}') - {why}"
    ))
}

/// CONFIG REWRITE without a config file.
pub const NO_CONFIG_FILE: &str = "ERR The server is running without a config file";
/// SHUTDOWN ABORT with no shutdown under way.
pub const NO_SHUTDOWN_IN_PROGRESS: &str = "ERR No shutdown in progress.";
/// DEBUG PROTOCOL with an unknown type.
pub const DEBUG_PROTOCOL_TYPE: &str = "ERR Wrong protocol type name. Please use one of the following: string|integer|double|bignum|null|array|set|map|attrib|push|verbatim|true|false";

/// DEBUG with an unknown subcommand or the wrong number of arguments.
pub fn debug_unknown_subcommand(sub: &[u8]) -> String {
    let sub = String::from_utf8_lossy(&sub[..sub.len().min(128)]);
    sanitize(format!(
        "ERR unknown subcommand or wrong number of arguments for '{sub}'. Try DEBUG HELP."
    ))
}

/// COMMAND GETKEYS for a command that does not exist.
pub const GETKEYS_INVALID_COMMAND: &str = "ERR Invalid command specified";
/// COMMAND GETKEYS with the wrong number of arguments for the command.
pub const GETKEYS_BAD_ARITY: &str = "ERR Invalid number of arguments specified for command";
/// COMMAND GETKEYS for a command without keys.
pub const GETKEYS_NO_KEYS: &str = "ERR The command has no key arguments";
/// COMMAND GETKEYS whose arguments yield no key.
pub const GETKEYS_INVALID_ARGS: &str = "ERR Invalid arguments specified for command";

/// A command needing the leader, when no leader is known (Redis Cluster's text).
pub const CLUSTER_DOWN: &str = "CLUSTERDOWN The cluster is down";
/// A keyless write on a replica (Redis's text).
pub const READONLY_REPLICA: &str = "READONLY You can't write against a read only replica.";
/// A write reached a standalone node that is not its group's leader (only while it starts).
pub const NOT_LEADER: &str = "TRYAGAIN This node is not the leader yet, try again";
/// A write whose Raft entry may or may not have been committed: leadership changed and its fate
/// could not be learned. Not safe to retry blindly.
pub const OUTCOME_UNKNOWN: &str =
    "ERR write outcome unknown: leadership changed before it was confirmed";
/// The group is shutting down.
pub const SHUTTING_DOWN: &str = "ERR the server is shutting down";
/// READONLY / READWRITE without cluster mode (Redis's text).
pub const CLUSTER_SUPPORT_DISABLED: &str = "ERR This instance has cluster support disabled";
/// WAIT on a replica (Redis's text).
pub const WAIT_ON_REPLICA: &str = "ERR WAIT cannot be used with replica instances. Please also note that since Redis 4.0 if a replica is configured to be writable (which is not the default) writes to replicas are just local and are not propagated.";
/// A millisecond timeout argument that is not an integer (WAIT, CLIENT PAUSE).
pub const TIMEOUT_NOT_INTEGER: &str = "ERR timeout is not an integer or out of range";
/// A blocked command released because this node stopped being the master (Redis's text when a
/// master is turned into a replica).
pub const UNBLOCKED_ROLE_CHANGED: &str =
    "UNBLOCKED force unblock from blocking operation, instance state changed (master -> replica?)";
/// CLUSTER COUNTKEYSINSLOT with a slot outside 0..16384.
pub const INVALID_SLOT: &str = "ERR Invalid slot";
/// CLUSTER GETKEYSINSLOT with a slot outside 0..16384 or a negative count.
pub const INVALID_SLOT_OR_COUNT: &str = "ERR Invalid slot or number of keys";
/// CLUSTER FAILOVER sent to the master.
pub const FAILOVER_ON_MASTER: &str = "ERR You should send CLUSTER FAILOVER to a replica";
/// CLUSTER FAILOVER on a replica that knows no master (no leader is known).
pub const FAILOVER_MASTER_UNKNOWN: &str = "ERR I'm a replica but my master is unknown to me";
/// CLUSTER FAILOVER without FORCE while the link to the master is down.
pub const FAILOVER_MASTER_DOWN: &str =
    "ERR Master is down or failed, please use CLUSTER FAILOVER FORCE";

/// A container's subcommand given the wrong arguments, as Redis's generic reply words it:
/// `sub` as the client sent it, `container` upper-cased (`CLUSTER`).
pub fn subcommand_syntax(container: &str, sub: &[u8]) -> String {
    let sub = String::from_utf8_lossy(&sub[..sub.len().min(128)]);
    sanitize(format!(
        "ERR unknown subcommand or wrong number of arguments for '{sub}'. Try {container} HELP."
    ))
}

/// CLUSTER FORGET of the node itself (Redis's text).
pub const FORGET_MYSELF: &str = "ERR I tried hard but I can't forget myself...";
/// CLUSTER FORGET of this replica's leader (Redis's text).
pub const FORGET_MY_MASTER: &str = "ERR Can't forget my master!";

/// CLUSTER FORGET of a node that is not a member (Redis's text).
pub fn unknown_node(name: &[u8]) -> String {
    format!("ERR Unknown node {}", String::from_utf8_lossy(name))
}

// Hashes, lists and sets

/// HINCRBY on a field that does not hold an integer.
pub const HASH_NOT_INTEGER: &str = "ERR hash value is not an integer";
/// HINCRBYFLOAT on a field that does not hold a float.
pub const HASH_NOT_FLOAT: &str = "ERR hash value is not a float";
/// HRANDFIELD/SRANDMEMBER/ZRANDMEMBER with a count whose negation overflows.
pub const COUNT_OUT_OF_RANGE: &str =
    "ERR value is out of range, value must between -9223372036854775807 and 9223372036854775807";
/// LPOP/RPOP with a negative count.
pub const MUST_BE_POSITIVE: &str = "ERR value is out of range, must be positive";
/// LSET beyond the list.
pub const INDEX_OUT_OF_RANGE: &str = "ERR index out of range";
/// LPOS RANK 0.
pub const LPOS_RANK_ZERO: &str = "ERR RANK can't be zero: use 1 to start from the first match, 2 from the second ... or use negative to start from the end of the list";
/// LPOS COUNT < 0.
pub const LPOS_COUNT_NEGATIVE: &str = "ERR COUNT can't be negative";
/// LPOS MAXLEN < 0.
pub const LPOS_MAXLEN_NEGATIVE: &str = "ERR MAXLEN can't be negative";
/// LMPOP/ZMPOP numkeys ≤ 0.
pub const NUMKEYS_NOT_POSITIVE: &str = "ERR numkeys should be greater than 0";
/// LMPOP/ZMPOP COUNT ≤ 0.
pub const COUNT_NOT_POSITIVE: &str = "ERR count should be greater than 0";
/// A blocking command's timeout that is not a number.
pub const TIMEOUT_NOT_FLOAT: &str = "ERR timeout is not a float or out of range";
/// SINTERCARD/ZINTERCARD with numkeys beyond the arguments.
pub const NUMKEYS_MORE_THAN_ARGS: &str = "ERR Number of keys can't be greater than number of args";
/// SINTERCARD/ZINTERCARD LIMIT < 0 (or not a number: Redis words both alike).
pub const INTERCARD_LIMIT_NEGATIVE: &str = "ERR LIMIT can't be negative";

// Bitmaps and HyperLogLog

/// SETBIT/GETBIT/BITFIELD offset that is not a non-negative integer within proto-max-bulk-len.
pub const BIT_OFFSET: &str = "ERR bit offset is not an integer or out of range";
/// SETBIT value other than 0 or 1.
pub const BIT_VALUE: &str = "ERR bit is not an integer or out of range";
/// BITPOS bit argument other than 0 or 1.
pub const BITPOS_BIT: &str = "ERR The bit argument must be 1 or 0.";
/// BITOP NOT with more than one source key.
pub const BITOP_NOT_ONE_KEY: &str = "ERR BITOP NOT must be called with a single source key.";
/// BITFIELD type that is not i1..i64 or u1..u63.
pub const BITFIELD_TYPE: &str =
    "ERR Invalid bitfield type. Use something like i16 u8. Note that u64 is not supported but i64 is.";
/// BITFIELD OVERFLOW with a mode other than WRAP, SAT, FAIL.
pub const BITFIELD_OVERFLOW: &str = "ERR Invalid OVERFLOW type specified";
/// BITFIELD_RO with SET or INCRBY.
pub const BITFIELD_RO_GET_ONLY: &str = "ERR BITFIELD_RO only supports the GET subcommand";
/// A string that is not a HyperLogLog given to a PF command.
pub const HLL_WRONGTYPE: &str = "WRONGTYPE Key is not a valid HyperLogLog string value.";
/// A HyperLogLog whose sparse registers do not add up.
pub const HLL_CORRUPT: &str = "INVALIDOBJ Corrupted HLL object detected";
/// PFDEBUG on a missing key.
pub const PFDEBUG_NO_KEY: &str = "ERR The specified key does not exist";
/// PFDEBUG DECODE on a dense HyperLogLog.
pub const HLL_NOT_SPARSE: &str = "ERR HLL encoding is not sparse";
/// A blocked client released by CLIENT UNBLOCK … ERROR.
pub const UNBLOCKED_BY_CLIENT: &str = "UNBLOCKED client unblocked via CLIENT UNBLOCK";
/// CLIENT UNBLOCK with a reason other than TIMEOUT or ERROR.
pub const UNBLOCK_REASON: &str = "ERR CLIENT UNBLOCK reason should be TIMEOUT or ERROR";

// DUMP, RESTORE and SORT

/// RESTORE of a payload with a wrong version or checksum.
pub const DUMP_PAYLOAD: &str = "ERR DUMP payload version or checksum are wrong";
/// RESTORE of a payload whose checksum holds but whose value does not decode.
pub const BAD_DATA_FORMAT: &str = "ERR Bad data format";
/// RESTORE onto an existing key without REPLACE.
pub const BUSYKEY: &str = "BUSYKEY Target key name already exists.";
/// RESTORE with a negative TTL.
pub const INVALID_TTL: &str = "ERR Invalid TTL value, must be >= 0";
/// RESTORE with a negative IDLETIME.
pub const INVALID_IDLETIME: &str = "ERR Invalid IDLETIME value, must be >= 0";
/// RESTORE with FREQ outside 0..=255.
pub const INVALID_FREQ: &str = "ERR Invalid FREQ value, must be >= 0 and <= 255";
/// SORT (numeric) of an element or BY value that is not a number.
pub const SORT_NOT_DOUBLE: &str = "ERR One or more scores can't be converted into double";

// Streams

/// A stream ID argument that does not parse.
pub const INVALID_STREAM_ID: &str = "ERR Invalid stream ID specified as stream command argument";
/// XADD with the ID 0-0.
pub const XADD_ID_ZERO: &str = "ERR The ID specified in XADD must be greater than 0-0";
/// XADD with an ID not above the stream's last ID.
pub const XADD_ID_TOO_SMALL: &str =
    "ERR The ID specified in XADD is equal or smaller than the target stream top item";
/// XADD `ms-*` whose sequence would overflow (Redis's text for this case).
pub const XADD_TOO_LARGE: &str = "ERR Elements are too large to be stored";
/// XADD to a stream whose last ID is the maximum.
pub const STREAM_EXHAUSTED: &str =
    "ERR The stream has exhausted the last possible ID, unable to add more items";
/// Both MAXLEN and MINID.
pub const TRIM_STRATEGY_TWICE: &str =
    "ERR syntax error, MAXLEN and MINID options at the same time are not compatible";
/// A negative MAXLEN.
pub const MAXLEN_NEGATIVE: &str = "ERR The MAXLEN argument must be >= 0.";
/// A negative LIMIT.
pub const LIMIT_NEGATIVE: &str = "ERR The LIMIT argument must be >= 0.";
/// LIMIT without MAXLEN or MINID.
pub const LIMIT_WITHOUT_STRATEGY: &str =
    "ERR syntax error, LIMIT cannot be used without specifying a trimming strategy";
/// LIMIT with exact trimming.
pub const LIMIT_WITHOUT_APPROX: &str =
    "ERR syntax error, LIMIT cannot be used without the special ~ option";
/// XTRIM without MAXLEN or MINID.
pub const XTRIM_NO_STRATEGY: &str =
    "ERR syntax error, XTRIM must be called with a trimming strategy";
/// An exclusive range start that cannot be incremented.
pub const INVALID_START_ID: &str = "ERR invalid start ID for the interval";
/// An exclusive range end that cannot be decremented.
pub const INVALID_END_ID: &str = "ERR invalid end ID for the interval";
/// XREAD/XREADGROUP with an odd number of STREAMS arguments (Redis 7.0 names XREAD for both).
pub const XREAD_UNBALANCED: &str =
    "ERR Unbalanced XREAD list of streams: for each stream key an ID or '$' must be specified.";
/// XREAD with GROUP.
pub const XREAD_GROUP_OPTION: &str =
    "ERR The GROUP option is only supported by XREADGROUP. You called XREAD instead.";
/// XREAD with NOACK.
pub const XREAD_NOACK_OPTION: &str =
    "ERR The NOACK option is only supported by XREADGROUP. You called XREAD instead.";
/// XREADGROUP without GROUP.
pub const XREADGROUP_NO_GROUP: &str = "ERR Missing GROUP option for XREADGROUP";
/// XREADGROUP with the `$` ID.
pub const XREADGROUP_DOLLAR: &str = "ERR The $ ID is meaningless in the context of XREADGROUP: you want to read the history of this consumer by specifying a proper ID, or use the > ID to get new messages. The $ ID would just return an empty result set.";
/// XREAD with the `>` ID.
pub const XREAD_GT_ID: &str = "ERR The > ID can be specified only when calling XREADGROUP using the GROUP <group> <consumer> option.";
/// XGROUP on a missing key (without CREATE … MKSTREAM).
pub const XGROUP_NO_KEY: &str = "ERR The XGROUP subcommand requires the key to exist. Note that for CREATE you may want to use the MKSTREAM option to create an empty stream automatically.";
/// XGROUP CREATE of an existing group.
pub const BUSYGROUP: &str = "BUSYGROUP Consumer Group name already exists";
/// ENTRIESREAD below -1.
pub const ENTRIESREAD_INVALID: &str = "ERR value for ENTRIESREAD must be positive or -1";
/// XCLAIM with a bad min-idle-time.
pub const XCLAIM_MIN_IDLE: &str = "ERR Invalid min-idle-time argument for XCLAIM";
/// XCLAIM with a bad IDLE.
pub const XCLAIM_IDLE: &str = "ERR Invalid IDLE option argument for XCLAIM";
/// XCLAIM with a bad TIME.
pub const XCLAIM_TIME: &str = "ERR Invalid TIME option argument for XCLAIM";
/// XCLAIM with a bad RETRYCOUNT.
pub const XCLAIM_RETRYCOUNT: &str = "ERR Invalid RETRYCOUNT option argument for XCLAIM";
/// XAUTOCLAIM with a bad min-idle-time.
pub const XAUTOCLAIM_MIN_IDLE: &str = "ERR Invalid min-idle-time argument for XAUTOCLAIM";
/// XAUTOCLAIM with a COUNT out of range.
pub const XAUTOCLAIM_COUNT: &str = "ERR COUNT must be > 0";
/// XSETID with a negative ENTRIESADDED.
pub const XSETID_ENTRIES_ADDED_NEGATIVE: &str = "ERR entries_added must be positive";
/// XSETID with MAXDELETEDID above the ID.
pub const XSETID_BELOW_MAX_DELETED: &str =
    "ERR The ID specified in XSETID is smaller than the provided max_deleted_entry_id";
/// XSETID below the last entry.
pub const XSETID_BELOW_TOP: &str =
    "ERR The ID specified in XSETID is smaller than the target stream top item";
/// XSETID with ENTRIESADDED below the length.
pub const XSETID_ENTRIES_ADDED_SMALL: &str =
    "ERR The entries_added specified in XSETID is smaller than the target stream length";

/// Redis's `%s` of a key or name in an error: the bytes up to the first NUL, CR and LF as
/// spaces.
fn error_name(out: &mut Vec<u8>, name: &[u8]) {
    let end = name.iter().position(|&c| c == 0).unwrap_or(name.len());
    out.extend(
        name[..end]
            .iter()
            .map(|&c| if c == b'\r' || c == b'\n' { b' ' } else { c }),
    );
}

/// `-NOGROUP` for XPENDING, XCLAIM, XAUTOCLAIM.
pub fn nogroup(key: &[u8], group: &[u8]) -> Vec<u8> {
    let mut out = b"NOGROUP No such key '".to_vec();
    error_name(&mut out, key);
    out.extend_from_slice(b"' or consumer group '");
    error_name(&mut out, group);
    out.push(b'\'');
    out
}

/// `-NOGROUP` for XREADGROUP.
pub fn nogroup_xreadgroup(key: &[u8], group: &[u8]) -> Vec<u8> {
    let mut out = nogroup(key, group);
    out.extend_from_slice(b" in XREADGROUP with GROUP option");
    out
}

/// `-NOGROUP` for XGROUP and XINFO.
pub fn nogroup_for_key(group: &[u8], key: &[u8]) -> Vec<u8> {
    let mut out = b"NOGROUP No such consumer group '".to_vec();
    error_name(&mut out, group);
    out.extend_from_slice(b"' for key name '");
    error_name(&mut out, key);
    out.push(b'\'');
    out
}

/// XCLAIM with an option it does not know.
pub fn xclaim_unknown_option(opt: &[u8]) -> Vec<u8> {
    let mut out = b"ERR Unrecognized XCLAIM option '".to_vec();
    error_name(&mut out, opt);
    out.push(b'\'');
    out
}

// Sorted sets

/// ZADD with both NX and XX.
pub const ZADD_NX_XX: &str = "ERR XX and NX options at the same time are not compatible";
/// ZADD with two of GT, LT and NX.
pub const ZADD_GT_LT_NX: &str = "ERR GT, LT, and/or NX options at the same time are not compatible";
/// ZADD INCR with more than one score-member pair.
pub const ZADD_INCR_PAIRS: &str = "ERR INCR option supports a single increment-element pair";
/// ZINCRBY/ZADD INCR producing NaN (`inf` plus `-inf`).
pub const ZSCORE_NAN: &str = "ERR resulting score is not a number (NaN)";
/// A score range bound that is not a float.
pub const ZRANGE_NOT_FLOAT: &str = "ERR min or max is not a float";
/// A lex range bound that does not start with `[`, `(` or is not `-`/`+`.
pub const ZRANGE_NOT_LEX: &str = "ERR min or max not valid string range item";
/// ZRANGE … LIMIT on a rank range.
pub const ZRANGE_LIMIT_BY_RANK: &str =
    "ERR syntax error, LIMIT is only supported in combination with either BYSCORE or BYLEX";
/// ZRANGE … BYLEX WITHSCORES.
pub const ZRANGE_WITHSCORES_BYLEX: &str =
    "ERR syntax error, WITHSCORES not supported in combination with BYLEX";
/// ZUNION/ZINTER… WEIGHTS with a value that is not a float.
pub const WEIGHT_NOT_FLOAT: &str = "ERR weight value is not a float";
/// ZRANDMEMBER … WITHSCORES with a count whose doubling overflows.
pub const VALUE_OUT_OF_RANGE: &str = "ERR value is out of range";
/// ZUNION/ZINTER/ZDIFF(STORE)/ZINTERCARD with numkeys below 1; `cmd` is the command's name.
pub fn at_least_one_input_key(cmd: &str) -> String {
    format!("ERR at least 1 input key is needed for '{cmd}' command")
}

// Geo
/// GEORADIUSBYMEMBER / FROMMEMBER with a member the set does not hold.
pub const GEO_NO_MEMBER: &str = "ERR could not decode requested zset member";
/// A distance unit other than m, km, ft, mi.
pub const GEO_UNIT: &str = "ERR unsupported unit provided. please use M, KM, FT, MI";
/// A radius that is not a number.
pub const GEO_NEED_RADIUS: &str = "ERR need numeric radius";
/// A negative radius.
pub const GEO_RADIUS_NEGATIVE: &str = "ERR radius cannot be negative";
/// A BYBOX width that is not a number.
pub const GEO_NEED_WIDTH: &str = "ERR need numeric width";
/// A BYBOX height that is not a number.
pub const GEO_NEED_HEIGHT: &str = "ERR need numeric height";
/// A negative BYBOX dimension.
pub const GEO_BOX_NEGATIVE: &str = "ERR height or width cannot be negative";
/// COUNT of zero or less in a geo search.
pub const GEO_COUNT: &str = "ERR COUNT must be > 0";
/// ANY without COUNT.
pub const GEO_ANY_WITHOUT_COUNT: &str = "ERR the ANY argument requires COUNT argument";
/// GEORADIUS STORE/STOREDIST with a WITH* option.
pub const GEORADIUS_STORE_WITH: &str =
    "ERR STORE option in GEORADIUS is not compatible with WITHDIST, WITHHASH and WITHCOORD options";
/// GEOSEARCHSTORE with a WITH* option.
pub const GEOSEARCHSTORE_WITH: &str =
    "ERR GEOSEARCHSTORE is not compatible with WITHDIST, WITHHASH and WITHCOORD options";

/// GEOADD or FROMLONLAT outside the limits (C's `%f` of both).
pub fn geo_invalid_pair(lon: f64, lat: f64) -> String {
    format!("ERR invalid longitude,latitude pair {lon:.6},{lat:.6}")
}

/// GEOSEARCH without FROMMEMBER or FROMLONLAT; `cmd` as the client spelled it.
pub fn geo_need_from(cmd: &[u8]) -> Vec<u8> {
    let mut out = b"ERR exactly one of FROMMEMBER or FROMLONLAT can be specified for ".to_vec();
    error_name(&mut out, cmd);
    out
}

/// GEOSEARCH without BYRADIUS or BYBOX; `cmd` as the client spelled it.
pub fn geo_need_by(cmd: &[u8]) -> Vec<u8> {
    let mut out = b"ERR exactly one of BYRADIUS and BYBOX can be specified for ".to_vec();
    error_name(&mut out, cmd);
    out
}
