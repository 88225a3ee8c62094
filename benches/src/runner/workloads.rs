//! The workloads W1–W10 as data: which servers' state each needs (a prefilled keyspace), the
//! load-generator arguments of each case, W10's collection-filling commands, and the figures a
//! case is meant to reach. Pure, so the case list and the commands can be checked without
//! servers.

use std::time::Duration;

use crate::report::{metric, Bound, Target, TargetOf};

/// How big a run is: `Full` are the figures the docs quote; `Smoke` exercises every step in
/// seconds (CI), with numbers that mean nothing.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Scale {
    Full,
    Smoke,
}

/// Keys loaded into fresh servers before a group's cases run.
#[derive(Clone, Debug, PartialEq)]
pub struct Prefill {
    pub keys: u64,
    pub value_size: usize,
}

/// One case: a load-generator invocation, minus the address and the timing arguments.
#[derive(Clone, Debug, PartialEq)]
pub struct CaseSpec {
    pub workload: &'static str,
    pub name: String,
    /// `redraft-load` arguments, e.g. `["-c", "50", "-P", "1", "--mix", "get"]`.
    pub args: Vec<String>,
}

/// Cases that share a pair of freshly started, identically prefilled servers.
#[derive(Clone, Debug, PartialEq)]
pub enum Group {
    /// Load cases run back to back against the same servers.
    Load {
        prefill: Option<Prefill>,
        cases: Vec<CaseSpec>,
    },
    /// W5's idle-connection memory: RSS growth for each connection count.
    IdleConnections {
        workload: &'static str,
        counts: Vec<usize>,
    },
    /// W6: keys loaded into fresh servers, bytes per key.
    Memory {
        workload: &'static str,
        name: String,
        keys: u64,
        value_size: usize,
        ttl: Option<u64>,
    },
    /// W8: load cases against a three-node group and a standalone redraft, both fsyncing
    /// every write.
    Replicated { cases: Vec<CaseSpec> },
    /// W9: load against a group whose leader is killed during each run.
    Failover(FailoverSpec),
    /// W10: one collection case (fresh servers, filled with pipelined HSET/SADD/ZADD), bytes
    /// per element or per key.
    Collection(CollectionSpec),
}

/// What a W10 case fills a fresh server with.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Collection {
    /// One hash `w10:hash`: fields `field:<i>`, values `value:<i>`.
    BigHash,
    /// One set `w10:set`: members `member:<i>`.
    BigSet,
    /// One sorted set `w10:zset`: members `member:<i>` with score `i`.
    BigZset,
    /// Session-store shape: keys `session:<i>`, each a hash of fields `f0`…`f9` with
    /// [`SESSION_VALUE_SIZE`]-byte values.
    SessionHashes,
}

/// Fields of each [`Collection::SessionHashes`] hash.
pub const SESSION_FIELDS: usize = 10;

/// Bytes of each session-hash value: opaque text (not an integer, which both servers would
/// store as a number), like a token.
pub const SESSION_VALUE_SIZE: usize = 16;

/// Elements each HSET/SADD/ZADD of a big collection adds.
pub const COLLECTION_BATCH: u64 = 1000;

/// Commands written before their replies are read while filling.
pub const FILL_PIPELINE: usize = 32;

/// One W10 case: `count` elements of one big collection, or `count` session hashes.
#[derive(Clone, Debug, PartialEq)]
pub struct CollectionSpec {
    pub workload: &'static str,
    pub name: String,
    pub collection: Collection,
    /// Elements of the big collection, or keys of [`Collection::SessionHashes`]: what the
    /// memory growth is divided by.
    pub count: u64,
}

impl CollectionSpec {
    /// The command that fills it, for the report and the "unknown command" check.
    pub fn command_name(&self) -> &'static str {
        match self.collection {
            Collection::BigHash | Collection::SessionHashes => "HSET",
            Collection::BigSet => "SADD",
            Collection::BigZset => "ZADD",
        }
    }

    /// What the memory growth is per: `element` or `key`.
    pub fn unit(&self) -> &'static str {
        match self.collection {
            Collection::SessionHashes => "key",
            _ => "element",
        }
    }

    /// The [`metric`]s it reports: used_memory and RSS growth per [`CollectionSpec::unit`].
    pub fn metrics(&self) -> [&'static str; 2] {
        match self.collection {
            Collection::SessionHashes => [metric::USED_MEMORY_PER_KEY, metric::RSS_PER_KEY],
            _ => [metric::USED_MEMORY_PER_ELEMENT, metric::RSS_PER_ELEMENT],
        }
    }

    /// The issue's target: used_memory and RSS per element (or key) at most Redis's.
    pub fn targets(&self) -> Vec<Target> {
        self.metrics()
            .into_iter()
            .map(|m| Target::new(m, TargetOf::Ratio, Bound::AtMost(1.0)))
            .collect()
    }

    /// How many commands fill it.
    pub fn commands(&self) -> u64 {
        match self.collection {
            Collection::SessionHashes => self.count,
            _ => self.count.div_ceil(COLLECTION_BATCH),
        }
    }

    /// Command `n` (of [`CollectionSpec::commands`]) and the number of new elements (fields,
    /// members) it adds, which is also its integer reply.
    pub fn command(&self, n: u64) -> (Vec<Vec<u8>>, i64) {
        let mut args = vec![self.command_name().as_bytes().to_vec()];
        if self.collection == Collection::SessionHashes {
            args.push(format!("session:{n}").into_bytes());
            for f in 0..SESSION_FIELDS {
                args.push(format!("f{f}").into_bytes());
                args.push(session_value(n, f));
            }
            return (args, SESSION_FIELDS as i64);
        }
        let first = n * COLLECTION_BATCH;
        let last = (first + COLLECTION_BATCH).min(self.count);
        args.push(
            match self.collection {
                Collection::BigHash => "w10:hash",
                Collection::BigSet => "w10:set",
                _ => "w10:zset",
            }
            .as_bytes()
            .to_vec(),
        );
        for i in first..last {
            match self.collection {
                Collection::BigHash => {
                    args.push(format!("field:{i}").into_bytes());
                    args.push(format!("value:{i}").into_bytes());
                }
                Collection::BigSet => args.push(format!("member:{i}").into_bytes()),
                _ => {
                    args.push(i.to_string().into_bytes());
                    args.push(format!("member:{i}").into_bytes());
                }
            }
        }
        (args, (last - first) as i64)
    }

    /// How the case fills a server, for the report.
    pub fn description(&self) -> String {
        let what = match self.collection {
            Collection::BigHash => format!(
                "one hash of {} fields `field:<i>` → `value:<i>`, HSET of {COLLECTION_BATCH} fields per command",
                self.count
            ),
            Collection::BigSet => format!(
                "one set of {} members `member:<i>`, SADD of {COLLECTION_BATCH} per command",
                self.count
            ),
            Collection::BigZset => format!(
                "one sorted set of {} members `member:<i>` with score i, ZADD of {COLLECTION_BATCH} per command",
                self.count
            ),
            Collection::SessionHashes => format!(
                "{} hashes `session:<i>` of {SESSION_FIELDS} fields `f0`…`f9` with \
                 {SESSION_VALUE_SIZE}-byte values, one HSET per key",
                self.count
            ),
        };
        format!(
            "fresh server, {what}, {FILL_PIPELINE} commands pipelined; growth of INFO \
             used_memory and RSS per {}",
            self.unit()
        )
    }
}

/// Value of field `f` of session `n`: [`SESSION_VALUE_SIZE`] bytes, not an integer.
fn session_value(n: u64, f: usize) -> Vec<u8> {
    let text = format!("s{:015}", n * SESSION_FIELDS as u64 + f as u64);
    debug_assert_eq!(text.len(), SESSION_VALUE_SIZE);
    text.into_bytes()
}

/// True when `reply` is the error a server gives a command it does not have (`ERR unknown
/// command ...`): W10 skips a case whose command the server does not implement yet.
pub fn is_unknown_command(reply: &redraft_protocol::Frame) -> bool {
    matches!(reply, redraft_protocol::Frame::Error(text) if text.starts_with(b"ERR unknown command"))
}

/// One failover case: a load run against a group's leader, killed `prekill` into the measured
/// part of the run, which goes on for `after` more.
#[derive(Clone, Debug, PartialEq)]
pub struct FailoverSpec {
    pub workload: &'static str,
    pub name: String,
    /// `redraft-load` arguments, minus the seeds and the timing.
    pub args: Vec<String>,
    /// Load before the measured part (connections warm, the leader's log in use).
    pub warmup: Duration,
    /// Measured load before the kill: the rate "full throughput" is measured against.
    pub prekill: Duration,
    /// Load after the kill: the failover and the recovery must fit in it.
    pub after: Duration,
}

/// A workload id with the reason it is not run.
#[derive(Clone, Debug, PartialEq)]
pub struct Skip {
    pub workload: &'static str,
    pub reason: &'static str,
}

/// Sizes that differ between the full and the smoke scale.
#[derive(Clone, Copy, Debug)]
struct Sizes {
    keys: u64,
    zipf_keys: u64,
    memory_keys: u64,
    /// W10: elements of each big collection, and session hashes.
    collection_elements: u64,
    session_keys: u64,
    conn_counts: &'static [usize],
    rate: u64,
    /// W9's warm-up, load before the kill, and load after it.
    failover: [Duration; 3],
}

impl Scale {
    fn sizes(self) -> Sizes {
        match self {
            Scale::Full => Sizes {
                keys: 1_000_000,
                zipf_keys: 10_000_000,
                memory_keys: 10_000_000,
                collection_elements: 1_000_000,
                session_keys: 100_000,
                conn_counts: &[1, 50, 1_000, 10_000],
                rate: 20_000,
                failover: [
                    Duration::from_secs(1),
                    Duration::from_secs(2),
                    Duration::from_secs(6),
                ],
            },
            Scale::Smoke => Sizes {
                keys: 10_000,
                zipf_keys: 20_000,
                memory_keys: 20_000,
                collection_elements: 2_500,
                session_keys: 1_000,
                conn_counts: &[1, 50, 200],
                rate: 2_000,
                failover: [
                    Duration::from_millis(200),
                    Duration::from_millis(600),
                    Duration::from_secs(3),
                ],
            },
        }
    }
}

fn args(list: &[&str]) -> Vec<String> {
    list.iter().map(|s| s.to_string()).collect()
}

/// `redraft-load` arguments of a 50-connection closed-loop run of `op` (`set` or `get`).
pub fn closed_loop_args(op: &str, pipeline: usize, value_size: usize, keys: u64) -> Vec<String> {
    args(&[
        "-c",
        "50",
        "-P",
        &pipeline.to_string(),
        "--mix",
        op,
        "-d",
        &value_size.to_string(),
        "-r",
        &keys.to_string(),
    ])
}

fn set_get_cases(
    workload: &'static str,
    pipeline: usize,
    keys: u64,
    value_size: usize,
) -> Vec<CaseSpec> {
    ["set", "get"]
        .into_iter()
        .map(|op| CaseSpec {
            workload,
            name: format!(
                "{workload} {} {value_size}B P{pipeline} c50",
                op.to_uppercase()
            ),
            args: closed_loop_args(op, pipeline, value_size, keys),
        })
        .collect()
}

/// Timeline windows of a failover run, in ms: fine enough to time a failover, coarse enough
/// that a run's timeline stays small (900 windows for 9 s).
pub const FAILOVER_TIMELINE_MS: u64 = 10;

/// The figures the issue that asked for `workload` set (empty for most).
pub fn targets(workload: &str) -> Vec<Target> {
    match workload {
        // Replication may cost at most half the throughput and double the median latency.
        "W8" => vec![
            Target::new(metric::THROUGHPUT, TargetOf::Ratio, Bound::AtLeast(0.5)),
            Target::new(metric::P50, TargetOf::Ratio, Bound::AtMost(2.0)),
        ],
        // A new leader takes writes within 2 s (Redis Cluster's node timeout alone is 15 s).
        "W9" => vec![Target::new(
            metric::FAILOVER_FIRST_WRITE,
            TargetOf::Median,
            Bound::AtMost(2000.0),
        )],
        _ => Vec::new(),
    }
}

/// Every group of the selected workloads (`None` = all), in run order, and the skipped ones.
pub fn plan(scale: Scale, selected: Option<&[String]>) -> (Vec<Group>, Vec<Skip>) {
    let sizes = scale.sizes();
    let wanted =
        |id: &str| selected.is_none_or(|list| list.iter().any(|w| w.eq_ignore_ascii_case(id)));
    let mut groups = Vec::new();
    for value_size in [16, 64] {
        let prefill = Some(Prefill {
            keys: sizes.keys,
            value_size,
        });
        let mut cases = Vec::new();
        if wanted("W1") {
            cases.extend(set_get_cases("W1", 1, sizes.keys, value_size));
        }
        if wanted("W2") {
            for pipeline in [16, 64] {
                cases.extend(set_get_cases("W2", pipeline, sizes.keys, value_size));
            }
        }
        if !cases.is_empty() {
            groups.push(Group::Load { prefill, cases });
        }
    }
    if wanted("W3") {
        let cases = ["set", "get"]
            .into_iter()
            .map(|op| CaseSpec {
                workload: "W3",
                name: format!("W3 {} hot key P16 c50", op.to_uppercase()),
                args: args(&["-c", "50", "-P", "16", "--mix", op, "-d", "16", "-r", "1"]),
            })
            .collect();
        groups.push(Group::Load {
            prefill: Some(Prefill {
                keys: 1,
                value_size: 16,
            }),
            cases,
        });
    }
    if wanted("W4") {
        groups.push(Group::Load {
            prefill: Some(Prefill {
                keys: sizes.zipf_keys,
                value_size: 100,
            }),
            cases: vec![CaseSpec {
                workload: "W4",
                name: "W4 1:10 SET:GET zipf0.99 100B c200".into(),
                args: args(&[
                    "-c",
                    "200",
                    "-P",
                    "1",
                    "--mix",
                    "1:10",
                    "--zipf",
                    "0.99",
                    "-d",
                    "100",
                    "-r",
                    &sizes.zipf_keys.to_string(),
                ]),
            }],
        });
    }
    if wanted("W5") {
        let rate = sizes.rate.to_string();
        let cases = sizes
            .conn_counts
            .iter()
            .map(|&conns| CaseSpec {
                workload: "W5",
                name: format!("W5 GET {}k/s c{conns}", sizes.rate / 1000),
                args: args(&[
                    "-c",
                    &conns.to_string(),
                    "--rate",
                    &rate,
                    "--mix",
                    "get",
                    "-d",
                    "16",
                    "-r",
                    &sizes.keys.to_string(),
                ]),
            })
            .collect();
        groups.push(Group::Load {
            prefill: Some(Prefill {
                keys: sizes.keys,
                value_size: 16,
            }),
            cases,
        });
        groups.push(Group::IdleConnections {
            workload: "W5",
            counts: sizes
                .conn_counts
                .iter()
                .copied()
                .filter(|&n| n >= 50)
                .collect(),
        });
    }
    if wanted("W6") {
        for (ttl, label) in [(None, "no TTL"), (Some(100_000), "with TTL")] {
            groups.push(Group::Memory {
                workload: "W6",
                name: format!("W6 {} keys 16B {label}", sizes.memory_keys),
                keys: sizes.memory_keys,
                value_size: 16,
                ttl,
            });
        }
    }
    if wanted("W8") {
        groups.push(Group::Replicated {
            cases: vec![CaseSpec {
                workload: "W8",
                name: "W8 SET 16B P16 c50".into(),
                args: closed_loop_args("set", 16, 16, sizes.keys),
            }],
        });
    }
    if wanted("W9") {
        let [warmup, prekill, after] = sizes.failover;
        let mut args = closed_loop_args("set", 1, 16, sizes.keys);
        args.extend(["--timeline-ms".into(), FAILOVER_TIMELINE_MS.to_string()]);
        groups.push(Group::Failover(FailoverSpec {
            workload: "W9",
            name: "W9 kill -9 the leader, SET 16B P1 c50".into(),
            args,
            warmup,
            prekill,
            after,
        }));
    }
    if wanted("W10") {
        let big = sizes.collection_elements;
        for (collection, name) in [
            (Collection::BigHash, format!("W10 hash of {big} fields")),
            (Collection::BigSet, format!("W10 set of {big} members")),
            (
                Collection::BigZset,
                format!("W10 sorted set of {big} members"),
            ),
            (
                Collection::SessionHashes,
                format!(
                    "W10 {} hashes of {SESSION_FIELDS} fields {SESSION_VALUE_SIZE}B",
                    sizes.session_keys
                ),
            ),
        ] {
            let count = match collection {
                Collection::SessionHashes => sizes.session_keys,
                _ => big,
            };
            groups.push(Group::Collection(CollectionSpec {
                workload: "W10",
                name,
                collection,
                count,
            }));
        }
    }
    let skipped = [Skip {
        workload: "W7",
        reason: "cluster mode (issue 7) has not landed: no 3-shard redraft to compare with \
                 Redis Cluster",
    }]
    .into_iter()
    .filter(|s| wanted(s.workload))
    .collect();
    (groups, skipped)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn case_names(groups: &[Group]) -> Vec<String> {
        groups
            .iter()
            .flat_map(|g| match g {
                Group::Load { cases, .. } => cases.iter().map(|c| c.name.clone()).collect(),
                Group::IdleConnections { counts, .. } => {
                    counts.iter().map(|n| format!("idle {n}")).collect()
                }
                Group::Memory { name, .. } => vec![name.clone()],
                Group::Replicated { cases } => cases.iter().map(|c| c.name.clone()).collect(),
                Group::Failover(spec) => vec![spec.name.clone()],
                Group::Collection(spec) => vec![spec.name.clone()],
            })
            .collect()
    }

    #[test]
    fn full_plan_covers_every_workload_once() {
        let (groups, skipped) = plan(Scale::Full, None);
        let names = case_names(&groups);
        let mut unique = names.clone();
        unique.sort();
        unique.dedup();
        assert_eq!(
            unique.len(),
            names.len(),
            "case names must be unique: {names:?}"
        );
        // W1: 2 sizes × SET/GET; W2: 2 sizes × 2 depths × SET/GET; W3: 2; W4: 1; W5: 4 rates
        // + 3 idle counts; W6: 2; W8: 1; W9: 1; W10: hash, set, sorted set, session hashes.
        assert_eq!(names.len(), 4 + 8 + 2 + 1 + 7 + 2 + 1 + 1 + 4);
        assert!(names.contains(&"W1 GET 64B P1 c50".to_string()));
        assert!(names.contains(&"W10 sorted set of 1000000 members".to_string()));
        assert!(names.contains(&"W10 100000 hashes of 10 fields 16B".to_string()));
        assert!(names.contains(&"W5 GET 20k/s c10000".to_string()));
        let ids: Vec<_> = skipped.iter().map(|s| s.workload).collect();
        assert_eq!(ids, ["W7"]);
    }

    #[test]
    fn selection_keeps_only_the_named_workloads() {
        let selected = vec!["w3".to_string(), "W7".to_string()];
        let (groups, skipped) = plan(Scale::Smoke, Some(&selected));
        assert_eq!(
            case_names(&groups),
            ["W3 SET hot key P16 c50", "W3 GET hot key P16 c50"]
        );
        assert_eq!(skipped.len(), 1);
        assert_eq!(skipped[0].workload, "W7");
    }

    #[test]
    fn replicated_and_failover_cases_are_the_issues() {
        let selected = vec!["W8".to_string(), "W9".to_string()];
        let (groups, skipped) = plan(Scale::Full, Some(&selected));
        assert!(skipped.is_empty());
        let [Group::Replicated { cases }, Group::Failover(failover)] = &groups[..] else {
            panic!("{groups:?}");
        };
        // W8: 50 clients, P16, SET of 16-byte values, uniform keys.
        assert_eq!(cases.len(), 1);
        assert_eq!(cases[0].args, closed_loop_args("set", 16, 16, 1_000_000));
        // W9: W1's SET load at P1, with a timeline fine enough to time the failover.
        assert_eq!(
            &failover.args[..10],
            &closed_loop_args("set", 1, 16, 1_000_000)[..]
        );
        assert_eq!(failover.args[10..], ["--timeline-ms", "10"]);
        assert!(failover.after >= Duration::from_secs(5));
        assert_eq!(targets("W8").len(), 2);
        assert_eq!(targets("W9")[0].metric, metric::FAILOVER_FIRST_WRITE);
        assert!(targets("W1").is_empty());
    }

    #[test]
    fn collection_cases_are_the_issues() {
        let (groups, skipped) = plan(Scale::Smoke, Some(&["w10".to_string()]));
        assert!(skipped.is_empty());
        assert_eq!(
            case_names(&groups),
            [
                "W10 hash of 2500 fields",
                "W10 set of 2500 members",
                "W10 sorted set of 2500 members",
                "W10 1000 hashes of 10 fields 16B",
            ]
        );
        let specs: Vec<&CollectionSpec> = groups
            .iter()
            .map(|g| match g {
                Group::Collection(spec) => spec,
                other => panic!("{other:?}"),
            })
            .collect();
        let units: Vec<_> = specs.iter().map(|s| s.unit()).collect();
        assert_eq!(units, ["element", "element", "element", "key"]);
        let targets = specs[3].targets();
        assert_eq!(targets[0].metric, metric::USED_MEMORY_PER_KEY);
        assert_eq!(targets[1].metric, metric::RSS_PER_KEY);
        assert_eq!(targets[1].bound, Bound::AtMost(1.0));
        assert_eq!(
            specs[0].targets()[0].metric,
            metric::USED_MEMORY_PER_ELEMENT
        );
        let full = plan(Scale::Full, Some(&["W10".to_string()])).0;
        let Group::Collection(big) = &full[0] else {
            panic!("{full:?}");
        };
        assert_eq!(big.count, 1_000_000);
        assert_eq!(big.commands(), 1000);
    }

    /// The commands add every element exactly once, in batches, with the names the issue gives.
    #[test]
    fn collection_commands_cover_every_element_once() {
        let spec = |collection, count| CollectionSpec {
            workload: "W10",
            name: String::new(),
            collection,
            count,
        };
        let text = |args: &[Vec<u8>]| {
            args.iter()
                .map(|a| String::from_utf8_lossy(a).into_owned())
                .collect::<Vec<_>>()
        };
        // 2500 elements: two full batches and a half one.
        let hash = spec(Collection::BigHash, 2500);
        assert_eq!(hash.commands(), 3);
        let added: i64 = (0..3).map(|n| hash.command(n).1).sum();
        assert_eq!(added, 2500);
        let (args, added) = hash.command(2);
        assert_eq!(added, 500);
        assert_eq!(args.len(), 2 + 2 * 500);
        assert_eq!(
            text(&args[..4]),
            ["HSET", "w10:hash", "field:2000", "value:2000"]
        );
        assert_eq!(text(&args[args.len() - 2..]), ["field:2499", "value:2499"]);

        let (args, added) = spec(Collection::BigSet, 10).command(0);
        assert_eq!(added, 10);
        assert_eq!(text(&args[..3]), ["SADD", "w10:set", "member:0"]);
        assert_eq!(text(&args[args.len() - 1..]), ["member:9"]);

        let zset = spec(Collection::BigZset, 1500);
        let (args, added) = zset.command(1);
        assert_eq!(added, 500);
        assert_eq!(
            text(&args[..4]),
            ["ZADD", "w10:zset", "1000", "member:1000"]
        );
        assert_eq!(zset.command_name(), "ZADD");

        let sessions = spec(Collection::SessionHashes, 100);
        assert_eq!(sessions.commands(), 100);
        let (args, added) = sessions.command(7);
        assert_eq!(added, 10);
        assert_eq!(args.len(), 2 + 2 * SESSION_FIELDS);
        assert_eq!(
            text(&args[..4]),
            ["HSET", "session:7", "f0", "s000000000000070"]
        );
        assert_eq!(text(&args[20..]), ["f9", "s000000000000079"]);
        for pair in args[2..].chunks(2) {
            assert_eq!(pair[1].len(), SESSION_VALUE_SIZE);
        }
    }

    #[test]
    fn unknown_commands_are_recognised() {
        use redraft_protocol::Frame;
        let unknown = Frame::Error("ERR unknown command 'ZADD', with args beginning with: ".into());
        assert!(is_unknown_command(&unknown));
        let arity = Frame::Error("ERR wrong number of arguments for 'zadd' command".into());
        assert!(!is_unknown_command(&arity));
        assert!(!is_unknown_command(&Frame::Integer(1000)));
    }

    #[test]
    fn get_cases_read_prefilled_keys() {
        let (groups, _) = plan(Scale::Full, Some(&["W1".to_string()]));
        for group in groups {
            let Group::Load { prefill, cases } = group else {
                panic!("W1 is a load group");
            };
            let prefill = prefill.unwrap();
            for case in cases {
                let keyspace = &case.args[case.args.iter().position(|a| a == "-r").unwrap() + 1];
                assert_eq!(keyspace, &prefill.keys.to_string());
            }
        }
    }
}
