//! Configuration: redis.conf syntax, `--name value` overrides, CONFIG GET/SET.
//!
//! Every parameter is a row in [`PARAMS`]: its name, default, kind (how values are validated and
//! normalised) and whether CONFIG SET may change it at run time. Values are kept as the
//! normalised strings CONFIG GET returns; typed accessors parse them. Parameters marked
//! `inert` are accepted for compatibility with existing redis.conf files but have no effect yet
//! (docs/compatibility.md lists them).

use std::collections::BTreeMap;
use std::fmt;

/// How a parameter's value is validated and printed.
#[derive(Clone, Copy, Debug)]
pub enum Kind {
    /// Free text.
    Str,
    /// `yes`/`no`.
    Bool,
    /// An integer within bounds.
    Int(i64, i64),
    /// A byte size with optional unit (`1gb`, `512mb`); printed as bytes.
    Memory,
    /// One of the listed words.
    Enum(&'static [&'static str]),
    /// Any number of arguments joined by spaces (save, client-output-buffer-limit, bind).
    List,
}

/// One configuration parameter.
pub struct Param {
    /// Name as in redis.conf.
    pub name: &'static str,
    /// Default value (normalised form).
    pub default: &'static str,
    /// Validation.
    pub kind: Kind,
    /// CONFIG SET allowed.
    pub mutable: bool,
    /// Accepted but without effect yet.
    pub inert: bool,
}

const fn p(name: &'static str, default: &'static str, kind: Kind, mutable: bool) -> Param {
    Param {
        name,
        default,
        kind,
        mutable,
        inert: false,
    }
}

const fn inert(name: &'static str, default: &'static str, kind: Kind) -> Param {
    Param {
        name,
        default,
        kind,
        mutable: true,
        inert: true,
    }
}

/// Every supported parameter.
pub const PARAMS: &[Param] = &[
    p("bind", "127.0.0.1", Kind::List, false),
    p("port", "6379", Kind::Int(0, 65535), false),
    p("tcp-backlog", "511", Kind::Int(0, i32::MAX as i64), false),
    p("timeout", "0", Kind::Int(0, i32::MAX as i64), true),
    p("tcp-keepalive", "300", Kind::Int(0, i32::MAX as i64), true),
    p("databases", "16", Kind::Int(1, i32::MAX as i64), false),
    p("requirepass", "", Kind::Str, true),
    p("maxclients", "10000", Kind::Int(1, i32::MAX as i64), true),
    p("proto-max-bulk-len", "536870912", Kind::Memory, true),
    p(
        "client-query-buffer-limit",
        "1073741824",
        Kind::Memory,
        true,
    ),
    p(
        "client-output-buffer-limit",
        "normal 0 0 0 slave 268435456 67108864 60 pubsub 33554432 8388608 60",
        Kind::List,
        true,
    ),
    p("hz", "10", Kind::Int(0, i32::MAX as i64), true),
    p(
        "loglevel",
        "notice",
        Kind::Enum(&["debug", "verbose", "notice", "warning", "nothing"]),
        true,
    ),
    p("logfile", "", Kind::Str, false),
    p("dir", ".", Kind::Str, true),
    p("daemonize", "no", Kind::Enum(&["no"]), false),
    p("io-threads", "1", Kind::Int(1, 128), false),
    p("threads", "0", Kind::Int(0, 1024), false),
    p("active-expire-effort", "1", Kind::Int(1, 10), true),
    p(
        "hash-max-listpack-entries",
        "128",
        Kind::Int(0, i64::MAX),
        true,
    ),
    p("hash-max-listpack-value", "64", Kind::Memory, true),
    p(
        "set-max-intset-entries",
        "512",
        Kind::Int(0, i64::MAX),
        true,
    ),
    p(
        "zset-max-listpack-entries",
        "128",
        Kind::Int(0, i64::MAX),
        true,
    ),
    p("zset-max-listpack-value", "64", Kind::Memory, true),
    p(
        "stream-node-max-entries",
        "100",
        Kind::Int(0, i64::MAX),
        true,
    ),
    p("stream-node-max-bytes", "4096", Kind::Memory, true),
    inert(
        "list-max-listpack-size",
        "-2",
        Kind::Int(-5, i32::MAX as i64),
    ),
    inert("list-compress-depth", "0", Kind::Int(0, i32::MAX as i64)),
    inert("save", "3600 1 300 100 60 10000", Kind::List),
    p("appendonly", "no", Kind::Bool, false),
    p(
        "appendfsync",
        "everysec",
        Kind::Enum(&["always", "everysec", "no"]),
        false,
    ),
    p("auto-aof-rewrite-min-size", "67108864", Kind::Memory, false),
    inert("appendfilename", "appendonly.aof", Kind::Str),
    inert("dbfilename", "dump.rdb", Kind::Str),
    inert("protected-mode", "yes", Kind::Bool),
    inert("maxmemory", "0", Kind::Memory),
    inert(
        "maxmemory-policy",
        "noeviction",
        Kind::Enum(&[
            "volatile-lru",
            "allkeys-lru",
            "volatile-lfu",
            "allkeys-lfu",
            "volatile-random",
            "allkeys-random",
            "volatile-ttl",
            "noeviction",
        ]),
    ),
    inert("maxmemory-samples", "5", Kind::Int(1, 64)),
    inert("pidfile", "", Kind::Str),
    inert(
        "supervised",
        "no",
        Kind::Enum(&["no", "upstart", "systemd", "auto"]),
    ),
    inert("always-show-logo", "no", Kind::Bool),
    inert("stop-writes-on-bgsave-error", "yes", Kind::Bool),
    inert("rdbcompression", "yes", Kind::Bool),
    inert("rdbchecksum", "yes", Kind::Bool),
    inert("lazyfree-lazy-eviction", "no", Kind::Bool),
    inert("lazyfree-lazy-expire", "no", Kind::Bool),
    inert("lazyfree-lazy-server-del", "no", Kind::Bool),
    inert("lazyfree-lazy-user-del", "no", Kind::Bool),
    inert("lazyfree-lazy-user-flush", "no", Kind::Bool),
    inert("slowlog-log-slower-than", "10000", Kind::Int(-1, i64::MAX)),
    inert("slowlog-max-len", "128", Kind::Int(0, i64::MAX)),
    inert("latency-monitor-threshold", "0", Kind::Int(0, i64::MAX)),
    inert("notify-keyspace-events", "", Kind::Str),
    inert("set-proc-title", "yes", Kind::Bool),
    p("cluster-enabled", "no", Kind::Bool, false),
    p("cluster-seeds", "", Kind::Str, false),
    p("cluster-join", "no", Kind::Bool, false),
    p(
        "cluster-node-timeout",
        "1000",
        Kind::Int(100, i32::MAX as i64),
        false,
    ),
    p("cluster-announce-ip", "", Kind::Str, false),
    p("cluster-port", "0", Kind::Int(0, 65535), false),
    inert(
        "enable-debug-command",
        "no",
        Kind::Enum(&["yes", "no", "local"]),
    ),
];

/// A configuration error, worded as Redis words its startup and CONFIG SET errors.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfigError(pub String);

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for ConfigError {}

/// The server configuration.
#[derive(Clone, Debug)]
pub struct Config {
    values: BTreeMap<&'static str, String>,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            values: PARAMS
                .iter()
                .map(|p| (p.name, p.default.to_string()))
                .collect(),
        }
    }
}

/// Redis 7.0's old names of renamed parameters: CONFIG GET lists both, CONFIG SET and config
/// files accept both.
pub const ALIASES: &[(&str, &str)] = &[
    ("hash-max-ziplist-entries", "hash-max-listpack-entries"),
    ("hash-max-ziplist-value", "hash-max-listpack-value"),
    ("zset-max-ziplist-entries", "zset-max-listpack-entries"),
    ("zset-max-ziplist-value", "zset-max-listpack-value"),
    ("list-max-ziplist-size", "list-max-listpack-size"),
];

/// Finds a parameter by name (case-insensitive), with Redis's aliases.
pub fn param(name: &str) -> Option<&'static Param> {
    let lower = name.to_ascii_lowercase();
    let lower = match lower.as_str() {
        "masterauth" => return None,
        "client-output-buffer-limit" | "client-output-buffer" => "client-output-buffer-limit",
        other => ALIASES
            .iter()
            .find(|(alias, _)| *alias == other)
            .map_or(other, |(_, name)| name),
    };
    PARAMS.iter().find(|p| p.name == lower)
}

/// Parses `1gb`, `100mb`, `1k`, `42` the way Redis's memtoull does.
pub fn parse_memory(s: &str) -> Option<u64> {
    let lower = s.to_ascii_lowercase();
    let split = lower
        .find(|c: char| !c.is_ascii_digit())
        .unwrap_or(lower.len());
    let (num, unit) = lower.split_at(split);
    let mul: u64 = match unit {
        "" | "b" => 1,
        "k" => 1000,
        "kb" => 1024,
        "m" => 1000 * 1000,
        "mb" => 1024 * 1024,
        "g" => 1000 * 1000 * 1000,
        "gb" => 1024 * 1024 * 1024,
        _ => return None,
    };
    num.parse::<u64>().ok()?.checked_mul(mul)
}

impl Config {
    /// Validates and normalises `args` for `param`.
    fn normalise(param: &Param, args: &[String]) -> Result<String, String> {
        let one = || -> Result<&String, String> {
            match args {
                [one] => Ok(one),
                _ => Err("wrong number of arguments".to_string()),
            }
        };
        match param.kind {
            Kind::List => Ok(args.join(" ")),
            Kind::Str => Ok(one()?.clone()),
            Kind::Bool => match one()?.to_ascii_lowercase().as_str() {
                "yes" => Ok("yes".into()),
                "no" => Ok("no".into()),
                _ => Err("argument must be 'yes' or 'no'".into()),
            },
            Kind::Int(lo, hi) => {
                let v: i64 = one()?
                    .parse()
                    .map_err(|_| "argument couldn't be parsed into an integer".to_string())?;
                if v < lo || v > hi {
                    return Err(format!("argument must be between {lo} and {hi} inclusive"));
                }
                Ok(v.to_string())
            }
            Kind::Memory => parse_memory(one()?)
                .map(|v| v.to_string())
                .ok_or_else(|| "argument must be a memory value".to_string()),
            Kind::Enum(words) => {
                let v = one()?.to_ascii_lowercase();
                if words.contains(&v.as_str()) {
                    Ok(v)
                } else {
                    Err("argument(s) must be one of the following: ".to_string()
                        + &words.join(", "))
                }
            }
        }
    }

    /// Sets a parameter from config-file arguments (`--name a b`, or a line `name a b`).
    ///
    /// # Errors
    /// Unknown name or invalid value, with the reason.
    pub fn set_args(&mut self, name: &str, args: &[String]) -> Result<(), String> {
        let param =
            param(name).ok_or_else(|| "Bad directive or wrong number of arguments".to_string())?;
        let v = Config::normalise(param, args)?;
        self.values.insert(param.name, v);
        Ok(())
    }

    /// CONFIG SET of one parameter.
    ///
    /// # Errors
    /// The text after `ERR CONFIG SET failed (possibly related to argument '...') - `.
    pub fn set_runtime(&mut self, name: &str, value: &str) -> Result<(), String> {
        let param = param(name)
            .ok_or_else(|| "Unknown option or number of arguments for CONFIG SET".to_string())?;
        if !param.mutable {
            return Err("can't set immutable config".into());
        }
        let args: Vec<String> = match param.kind {
            Kind::List => value.split_whitespace().map(str::to_string).collect(),
            _ => vec![value.to_string()],
        };
        let v = Config::normalise(param, &args)?;
        self.values.insert(param.name, v);
        Ok(())
    }

    /// The normalised value of `name`.
    pub fn get(&self, name: &str) -> &str {
        self.values.get(name).map(String::as_str).unwrap_or("")
    }

    /// An integer parameter.
    pub fn int(&self, name: &str) -> i64 {
        self.get(name).parse().unwrap_or(0)
    }

    /// A yes/no parameter.
    pub fn flag(&self, name: &str) -> bool {
        self.get(name) == "yes"
    }

    /// All (name, value) pairs whose name matches the glob `pattern`.
    pub fn matching(&self, pattern: &[u8]) -> Vec<(&'static str, &str)> {
        let aliases = ALIASES
            .iter()
            .filter(|(alias, _)| crate::glob::matches(pattern, alias.as_bytes(), true))
            .map(|(alias, name)| (*alias, self.get(name)));
        self.values
            .iter()
            .filter(|(k, _)| crate::glob::matches(pattern, k.as_bytes(), true))
            .map(|(k, v)| (*k, v.as_str()))
            .chain(aliases)
            .collect()
    }

    /// Every (name, value), for CONFIG REWRITE.
    pub fn iter(&self) -> impl Iterator<Item = (&'static str, &str)> {
        self.values.iter().map(|(k, v)| (*k, v.as_str()))
    }

    /// Parses a redis.conf text; `source` names it in errors.
    ///
    /// # Errors
    /// Redis's fatal config error text, with the line number and the line.
    pub fn apply_text(&mut self, text: &str) -> Result<(), ConfigError> {
        for (i, line) in text.lines().enumerate() {
            let trimmed = line.trim();
            if trimmed.is_empty() || trimmed.starts_with('#') {
                continue;
            }
            let fail = |why: &str| {
                ConfigError(format!(
                    "\n*** FATAL CONFIG FILE ERROR (redraft {}) ***\nReading the configuration file, at line {}\n>>> '{}'\n{}",
                    env!("CARGO_PKG_VERSION"),
                    i + 1,
                    trimmed,
                    why
                ))
            };
            let words = split_config_line(trimmed)
                .ok_or_else(|| fail("Unbalanced quotes in configuration line"))?;
            let Some((name, args)) = words.split_first() else {
                continue;
            };
            if name.eq_ignore_ascii_case("include") {
                return Err(fail("include is not supported"));
            }
            self.set_args(name, args).map_err(|why| fail(&why))?;
        }
        Ok(())
    }
}

/// Turns `redraft [file] --name a b --other c` into config text, as redis-server does: each
/// `--name` starts a line, following words are its arguments (quoted).
pub fn args_to_text(args: &[String]) -> String {
    let mut out = String::new();
    for a in args {
        if let Some(name) = a.strip_prefix("--") {
            if !out.is_empty() {
                out.push('\n');
            }
            out.push_str(name);
        } else {
            out.push_str(" \"");
            for c in a.chars() {
                match c {
                    '"' => out.push_str("\\\""),
                    '\\' => out.push_str("\\\\"),
                    '\n' => out.push_str("\\n"),
                    c => out.push(c),
                }
            }
            out.push('"');
        }
    }
    out.push('\n');
    out
}

/// Splits a config line into words, honouring "double" (with escapes) and 'single' quotes.
pub fn split_config_line(line: &str) -> Option<Vec<String>> {
    let mut words = Vec::new();
    let mut chars = line.chars().peekable();
    loop {
        while chars.peek().is_some_and(|c| c.is_whitespace()) {
            chars.next();
        }
        let Some(&first) = chars.peek() else {
            return Some(words);
        };
        let mut word = String::new();
        if first == '"' || first == '\'' {
            chars.next();
            loop {
                match chars.next()? {
                    c if c == first => break,
                    '\\' if first == '"' => match chars.next()? {
                        'n' => word.push('\n'),
                        'r' => word.push('\r'),
                        't' => word.push('\t'),
                        c => word.push(c),
                    },
                    c => word.push(c),
                }
            }
            if chars.peek().is_some_and(|c| !c.is_whitespace()) {
                return None;
            }
        } else {
            while let Some(&c) = chars.peek() {
                if c.is_whitespace() {
                    break;
                }
                word.push(c);
                chars.next();
            }
        }
        words.push(word);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn flags_become_config_lines() {
        let args: Vec<String> = ["--port", "7000", "--save", "", "--requirepass", "a b"]
            .iter()
            .map(|s| s.to_string())
            .collect();
        let mut c = Config::default();
        c.apply_text(&args_to_text(&args)).unwrap();
        assert_eq!(c.get("port"), "7000");
        assert_eq!(c.get("save"), "");
        assert_eq!(c.get("requirepass"), "a b");
    }

    #[test]
    fn unknown_directive_names_the_line() {
        let mut c = Config::default();
        let err = c.apply_text("port 7000\n\nnosuchthing 1\n").unwrap_err();
        assert!(err.0.contains("at line 3"), "{err}");
        assert!(err.0.contains(">>> 'nosuchthing 1'"), "{err}");
        assert!(
            err.0.contains("Bad directive or wrong number of arguments"),
            "{err}"
        );
    }

    #[test]
    fn values_are_validated_and_normalised() {
        let mut c = Config::default();
        assert!(c.set_runtime("maxclients", "abc").is_err());
        assert!(c.set_runtime("port", "7000").is_err(), "immutable");
        c.set_runtime("proto-max-bulk-len", "1mb").unwrap();
        assert_eq!(c.get("proto-max-bulk-len"), "1048576");
        c.set_args("appendonly", &["YES".to_string()]).unwrap();
        assert_eq!(c.get("appendonly"), "yes", "booleans are normalised");
        assert!(
            c.set_runtime("appendonly", "no").is_err(),
            "fixed at startup"
        );
        assert_eq!(parse_memory("1gb"), Some(1 << 30));
        assert_eq!(parse_memory("12x"), None);
    }
}
