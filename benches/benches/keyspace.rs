//! Keyspace micro-benchmarks: the `Db` operations every keyed command is made of (find, entry
//! lookup, insert, remove, overwrite, set expire), then GET and SET through the real dispatcher
//! and write path.
//!
//! A key lookup in a large keyspace is dominated by cache misses (one in the hash index, one in
//! the entry slab), so the database holds 1M keys and the keys probed come in a shuffled order:
//! a small database, or the same key every time, would measure cache hits that a real server
//! rarely gets. The command cases show what the dispatcher, the write path and the reply cost on
//! top of the bare lookup, and whether warming a pipelined batch's lookups pays.
//!
//! Under `cargo test --benches` (criterion's test mode, which runs each case once) the database
//! holds only 10k keys, so CI does not spend seconds building a million.

use std::net::SocketAddr;
use std::time::Duration;

use bytes::Bytes;
use criterion::measurement::WallTime;
use criterion::{
    black_box, criterion_group, criterion_main, BenchmarkGroup, Criterion, Throughput,
};
use rand::rngs::StdRng;
use rand::seq::SliceRandom;
use rand::SeedableRng;
use redraft_protocol::Frame;
use redraft_server::compact::CompactBytes;
use redraft_server::config::Config;
use redraft_server::dispatch::{dispatch, Batch, Dispatched, WriteQueue};
use redraft_server::keyspace::Db;
use redraft_server::session::Session;
use redraft_server::shard::{self, LogEntry, Op, RunOptions};
use redraft_server::state::ServerState;
use redraft_server::types::Limits;
use redraft_server::value::Value;
use redraft_server::{entry, replica};

const BENCH_KEYS: usize = 1_000_000;
const TEST_KEYS: usize = 10_000;
/// Every key is `key:` or `new:` and 12 digits: 16 bytes, stored inline in a `CompactBytes`.
const KEY_LEN: usize = 16;
const VALUE_16: &[u8] = b"0123456789abcdef";
const PIPELINE: usize = 16;

/// Whether criterion will measure (`cargo bench`) rather than run each case once (`cargo test
/// --benches`, or `--test`/`--list` passed explicitly). Criterion's own rule, repeated here
/// because the database has to be built before criterion parses its arguments.
fn measuring() -> bool {
    let (mut bench, mut test) = (false, false);
    for arg in std::env::args().skip(1) {
        match arg.as_str() {
            "--bench" => bench = true,
            "--test" | "--list" => test = true,
            _ => {}
        }
    }
    bench && !test
}

/// Fixed-length keys packed back to back in one buffer, in a shuffled order, handed out in a
/// cycle. One buffer rather than a `Vec` per key so the probe list itself stays sequential in
/// memory (the prefetcher hides it) and only the keyspace's own misses are measured; and
/// `Bytes::slice` of it is exactly the zero-copy argument the request decoder produces.
struct Probes {
    keys: Bytes,
    next: usize,
}

impl Probes {
    fn new(prefix: &str, count: usize, rng: &mut StdRng) -> Probes {
        let mut order: Vec<usize> = (0..count).collect();
        order.shuffle(rng);
        let mut keys = Vec::with_capacity(count * KEY_LEN);
        for i in order {
            keys.extend_from_slice(key(prefix, i).as_bytes());
        }
        Probes {
            keys: keys.into(),
            next: 0,
        }
    }

    fn len(&self) -> usize {
        self.keys.len() / KEY_LEN
    }

    fn advance(&mut self) -> usize {
        let at = self.next * KEY_LEN;
        self.next += 1;
        if self.next == self.len() {
            self.next = 0;
        }
        at
    }

    fn next_slice(&mut self) -> &[u8] {
        let at = self.advance();
        &self.keys[at..at + KEY_LEN]
    }

    fn next_bytes(&mut self) -> Bytes {
        let at = self.advance();
        self.keys.slice(at..at + KEY_LEN)
    }
}

fn key(prefix: &str, i: usize) -> String {
    let key = format!("{prefix}{i:012}");
    debug_assert_eq!(key.len(), KEY_LEN);
    key
}

/// Cache-miss-bound cases vary more from sample to sample than pure computation, so they get
/// longer than the RESP ones; still short enough for the file to finish in well under a minute.
fn configure(group: &mut BenchmarkGroup<'_, WallTime>) {
    group
        .sample_size(30)
        .warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_millis(1500))
        .throughput(Throughput::Elements(1));
}

fn bench_db(c: &mut Criterion, db: &mut Db, present: &mut Probes, absent: &mut Probes) {
    let mut group = c.benchmark_group("db");
    configure(&mut group);
    group.bench_function("find_hit", |b| b.iter(|| db.find(present.next_slice())));
    group.bench_function("find_miss", |b| b.iter(|| db.find(absent.next_slice())));
    // What GET does: the lookup, then the value. `find` already read the entry to compare keys,
    // so this adds little unless the 56-byte entry straddles a cache line.
    group.bench_function("find_hit_read_value", |b| {
        b.iter(|| {
            let slot = db.find(present.next_slice())?;
            db.entry(slot).value.as_string().map(<[u8]>::len)
        })
    });
    // SET of a new key then DEL of it: the database is the same size after every iteration.
    group.bench_function("insert_new_then_remove", |b| {
        b.iter(|| {
            let key = absent.next_slice();
            db.insert_new(CompactBytes::new(key), Value::string(VALUE_16), 0);
            db.remove(key)
        })
    });
    // SET of an existing key, as `Ctx::set` does it.
    group.bench_function("overwrite_value", |b| {
        b.iter(|| {
            let slot = db.find(present.next_slice()).expect("present");
            let entry = db.entry_mut(slot);
            entry.value = Value::string(VALUE_16);
            entry.lru = 1;
        })
    });
    // EXPIRE then PERSIST: a volatile-list push and a swap-remove.
    group.bench_function("set_expire_then_clear", |b| {
        b.iter(|| {
            let slot = db.find(present.next_slice()).expect("present");
            db.set_expire(slot, Some(u64::MAX));
            db.set_expire(slot, None);
        })
    });
    group.finish();
}

fn bench_commands(c: &mut Criterion, db: &mut Db, present: &mut Probes, absent: &mut Probes) {
    let server = ServerState::new(Config::default(), None);
    // The same database as the `db` cases, moved into the server's shard rather than rebuilt.
    server
        .shard
        .with(|st| std::mem::swap(st.keyspace.db_mut(0), db));
    // The standalone server's group of one, as `redraft` starts it.
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    let config = Config::default();
    let shutdown = server.shutdown.clone();
    let replica = runtime
        .block_on(replica::start(
            &config,
            6379,
            server.shard.clone(),
            shutdown,
        ))
        .expect("group of one");
    if server.replica.set(replica).is_err() {
        unreachable!("set once");
    }
    let addr: SocketAddr = ([127, 0, 0, 1], 6379).into();
    let client = server.clients.register(addr, addr, -1, &server.shutdown);
    let mut session = Session::new(server.clone(), client);
    let (get, set) = (Bytes::from_static(b"GET"), Bytes::from_static(b"SET"));
    let value = Bytes::from_static(VALUE_16);
    let mut queue = WriteQueue::default();

    let mut group = c.benchmark_group("command");
    configure(&mut group);
    {
        // One batch for the read cases: the shard lock is taken once, as in a long pipelined
        // batch, so the figures are per command in steady state.
        let replica = server.replica();
        let mut batch = Batch::new(&server.shard, replica, &mut queue, true);
        // The commands must succeed, or the cases would measure an error path.
        let reply = dispatch(
            &mut session,
            &mut batch,
            vec![get.clone(), present.next_bytes()],
        );
        assert!(matches!(reply, Dispatched::Reply(f) if f == Frame::bulk_from(VALUE_16)));
        let reply = dispatch(
            &mut session,
            &mut batch,
            vec![get.clone(), absent.next_bytes()],
        );
        assert!(matches!(reply, Dispatched::Reply(Frame::Null)));
        group.bench_function("get_hit", |b| {
            b.iter(|| {
                let argv = vec![get.clone(), present.next_bytes()];
                dispatch(&mut session, &mut batch, argv)
            })
        });
        group.bench_function("get_miss", |b| {
            b.iter(|| {
                let argv = vec![get.clone(), absent.next_bytes()];
                dispatch(&mut session, &mut batch, argv)
            })
        });
        // A pipelined batch of 16 GETs, with and without `Batch::warm` issuing the lookups back
        // to back first, as the connection does when it decoded more than one request ahead.
        group.throughput(Throughput::Elements(PIPELINE as u64));
        for warm in [false, true] {
            let name = if warm {
                "get_hit_pipeline_16_warmed"
            } else {
                "get_hit_pipeline_16"
            };
            group.bench_function(name, |b| {
                b.iter(|| {
                    let requests: Vec<Vec<Bytes>> = (0..PIPELINE)
                        .map(|_| vec![get.clone(), present.next_bytes()])
                        .collect();
                    if warm {
                        batch.warm(session.db, requests.iter());
                    }
                    for argv in requests {
                        black_box(dispatch(&mut session, &mut batch, argv));
                    }
                })
            });
        }
    }
    group.throughput(Throughput::Elements(1));
    // The apply step alone: what every replica spends on a SET.
    group.bench_function("set_existing_apply", |b| {
        let mut st = server.shard.lock();
        b.iter(|| {
            let entry = LogEntry {
                index: 1,
                db: 0,
                now_ms: 1,
                op: Op::Command(vec![set.clone(), present.next_bytes(), value.clone()]),
            };
            shard::apply(&mut st, &entry, 0, RunOptions::default(), None)
        })
    });
    // The whole write path of a pipelined batch of 16 SETs: encode the proposal, hand it to
    // the group's task, one Raft entry, apply, replies back.
    group.throughput(Throughput::Elements(PIPELINE as u64));
    group.bench_function("set_pipeline_16_through_group", |b| {
        let group = &server.replica().group;
        b.iter(|| {
            let entries: Vec<LogEntry> = (0..PIPELINE)
                .map(|_| LogEntry {
                    index: 0,
                    db: 0,
                    now_ms: 1,
                    op: Op::Command(vec![set.clone(), present.next_bytes(), value.clone()]),
                })
                .collect();
            let rx = group.propose(entry::encode(usize::MAX, &Limits::default(), &entries));
            let replies = runtime.block_on(rx).expect("answered").expect("committed");
            assert_eq!(replies.frames.len(), PIPELINE);
        })
    });
    group.finish();
}

fn bench_keyspace(c: &mut Criterion) {
    let count = if measuring() { BENCH_KEYS } else { TEST_KEYS };
    let mut rng = StdRng::seed_from_u64(0x5eed);
    let mut db = Db::default();
    for i in 0..count {
        db.insert_new(
            CompactBytes::new(key("key:", i).as_bytes()),
            Value::string(VALUE_16),
            0,
        );
    }
    let mut present = Probes::new("key:", count, &mut rng);
    let mut absent = Probes::new("new:", count, &mut rng);
    bench_db(c, &mut db, &mut present, &mut absent);
    bench_commands(c, &mut db, &mut present, &mut absent);
}

criterion_group!(benches, bench_keyspace);
criterion_main!(benches);
