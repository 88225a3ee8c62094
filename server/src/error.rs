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
pub const LIMIT_NEGATIVE: &str = "ERR LIMIT can't be negative";

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
