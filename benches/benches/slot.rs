//! Key-slot hashing micro-benchmarks: `key_hash_slot` (CRC16 of the key or its `{hash tag}`).
//!
//! In cluster mode every keyed request hashes its keys before routing (and the load generator
//! hashes every key it sends), so this runs once per key on the hot path. The cases separate the
//! two parts of the cost: the scan for `{` over the whole key, and CRC16 over the hashed bytes
//! (the whole key, or only the tag).

use std::time::Duration;

use criterion::{black_box, criterion_group, criterion_main, Criterion, Throughput};
use redraft_protocol::key_hash_slot;

/// Keys hashed per iteration in the batch case: enough distinct keys that the branch
/// predictor cannot learn one key's length and tag position.
const BATCH: usize = 1024;

fn bench_key_hash_slot(c: &mut Criterion) {
    let mut group = c.benchmark_group("key_hash_slot");
    // Nanosecond loops: one second per case is plenty, and keeps the file's run short.
    group
        .sample_size(30)
        .warm_up_time(Duration::from_millis(300))
        .measurement_time(Duration::from_secs(1));

    let long = vec![b'k'; 1024];
    let mut long_tagged = b"{user:1000}".to_vec();
    long_tagged.resize(1024, b'k');
    let cases: [(&str, &[u8]); 5] = [
        ("short_16b", b"key:000000000123"),
        ("tag_at_start", b"{user:1000}.followers"),
        ("tag_at_end", b"key:000000000123{user:1000}"),
        // No `{`: the whole KiB is scanned for one, then all of it is hashed.
        ("long_1k", &long),
        // The tag is found at once and only it is hashed, however long the key.
        ("long_1k_tag_at_start", &long_tagged),
    ];
    group.throughput(Throughput::Elements(1));
    for (name, key) in cases {
        group.bench_function(name, |b| b.iter(|| key_hash_slot(black_box(key))));
    }

    let keys: Vec<Vec<u8>> = (0..BATCH)
        .map(|i| format!("key:{i:012}").into_bytes())
        .collect();
    group.throughput(Throughput::Elements(BATCH as u64));
    group.bench_function("short_16b_x1024_distinct", |b| {
        b.iter(|| {
            // XOR keeps every slot live without storing them.
            black_box(&keys)
                .iter()
                .fold(0u16, |acc, k| acc ^ key_hash_slot(k))
        })
    });
    group.finish();
}

criterion_group!(benches, bench_key_hash_slot);
criterion_main!(benches);
