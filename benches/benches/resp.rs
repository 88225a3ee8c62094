//! RESP micro-benchmarks: request decoding (the server's read path), reply encoding (its write
//! path) and whole-frame decoding (what clients, the proxy and the load generator do).
//!
//! Every request passes through `RequestDecoder::decode` and every reply through `encode`, so
//! their per-request cost is a floor under the server's throughput; these numbers tell whether
//! a change to either moved that floor without running a whole server. Buffers are built before
//! the timed loop, so only decoding or encoding is measured, never building the input.

use std::time::Duration;

use bytes::{Bytes, BytesMut};
use criterion::measurement::WallTime;
use criterion::{
    black_box, criterion_group, criterion_main, BatchSize, BenchmarkGroup, Criterion, Throughput,
};
use redraft_protocol::{decode_frame, encode, encode_request, Frame, RequestDecoder, Version};

/// Requests per pipelined batch: a typical `redis-benchmark -P 16` batch.
const PIPELINE: usize = 16;
const KEY: &[u8] = b"key:000000000123";
const VALUE_16: &[u8] = b"0123456789abcdef";

/// Short groups: each file's whole `cargo bench` run has to stay well under a minute on two
/// cores, and these loops are tight enough that one second gives stable figures.
fn configure(group: &mut BenchmarkGroup<'_, WallTime>) {
    group
        .sample_size(30)
        .warm_up_time(Duration::from_millis(300))
        .measurement_time(Duration::from_secs(1));
}

/// A fresh read buffer holding `wire`, in the state the connection's long-lived buffer is in
/// after its first request: the first `split_to` turns a `BytesMut` into a shared buffer, an
/// allocation the server pays only when its buffer is reallocated, not once per batch.
fn read_buffer(wire: &[u8]) -> BytesMut {
    let mut buf = BytesMut::from(wire);
    drop(buf.split_to(0));
    buf
}

/// Decodes every request in `buf` the way the connection loop does, dropping each argv as the
/// dispatcher would once done with it; returns how many there were.
fn decode_all(decoder: &mut RequestDecoder, buf: &mut BytesMut) -> usize {
    let mut n = 0;
    while let Ok(Some(argv)) = decoder.decode(buf) {
        black_box(argv);
        n += 1;
    }
    n
}

/// Decodes every frame in `buf`; returns how many there were.
fn decode_frames(buf: &mut BytesMut) -> usize {
    let mut n = 0;
    while let Ok(Some(frame)) = decode_frame(buf) {
        black_box(frame);
        n += 1;
    }
    n
}

fn pipeline(args: &[&[u8]]) -> Vec<u8> {
    let mut out = BytesMut::new();
    for _ in 0..PIPELINE {
        encode_request(args, &mut out);
    }
    out.to_vec()
}

fn bench_request_decode(c: &mut Criterion) {
    let mut group = c.benchmark_group("request_decode");
    configure(&mut group);
    let big_value = vec![b'x'; 64 * 1024];
    let inline: Vec<u8> = b"SET key:000000000123 0123456789abcdef\r\n".repeat(PIPELINE);
    let cases: [(&str, Vec<u8>, usize); 4] = [
        (
            "set_pipeline_16",
            pipeline(&[b"SET", KEY, VALUE_16]),
            PIPELINE,
        ),
        ("get_pipeline_16", pipeline(&[b"GET", KEY]), PIPELINE),
        ("inline_set_pipeline_16", inline, PIPELINE),
        (
            // Zero-copy: the payload is split off the buffer, never copied, so the cost does not
            // grow with its size (copying 64 KiB alone would take microseconds).
            "set_bulk_64k",
            {
                let mut out = BytesMut::new();
                encode_request(&[b"SET", KEY, &big_value], &mut out);
                out.to_vec()
            },
            1,
        ),
    ];
    // One decoder for the whole run, as one connection keeps one: it is idle again after
    // each complete buffer.
    let mut decoder = RequestDecoder::default();
    for (name, wire, requests) in cases {
        // A decoder change that made the input invalid would otherwise go on measuring an
        // early error.
        assert_eq!(
            decode_all(&mut decoder, &mut read_buffer(&wire)),
            requests,
            "{name}"
        );
        group.throughput(Throughput::Elements(requests as u64));
        group.bench_function(name, |b| {
            b.iter_batched_ref(
                || read_buffer(&wire),
                |buf| decode_all(&mut decoder, buf),
                BatchSize::SmallInput,
            )
        });
    }
    group.finish();
}

fn bulks(n: usize, body: &[u8]) -> Vec<Frame> {
    (0..n)
        .map(|_| Frame::Bulk(Bytes::copy_from_slice(body)))
        .collect()
}

fn bench_reply_encode(c: &mut Criterion) {
    let mut group = c.benchmark_group("reply_encode");
    configure(&mut group);
    let kib = vec![b'x'; 1024];
    // The same bytes in RESP2 and RESP3: measured once.
    let same = [
        ("ok", Frame::ok()),
        ("integer", Frame::Integer(1_234_567)),
        ("bulk_16", Frame::bulk_from(VALUE_16)),
        ("bulk_1k", Frame::bulk_from(&kib)),
        ("array_100_bulk_16", Frame::Array(bulks(100, VALUE_16))),
    ];
    // Encoded differently per version: measured in both.
    let differs = [
        // A GET miss, the commonest non-OK reply.
        ("null", Frame::Null),
        // HGETALL-shaped: `%50` in RESP3, a flat `*100` in RESP2.
        (
            "map_50_bulk_16",
            Frame::Map(
                bulks(50, KEY)
                    .into_iter()
                    .zip(bulks(50, VALUE_16))
                    .collect(),
            ),
        ),
        // `%.17g` formatting of a score whose text needs all 17 digits (`0.10000000000000001`):
        // a bulk string in RESP2, a `,` line in RESP3.
        ("double", Frame::Double(0.1)),
    ];
    let cases = same
        .into_iter()
        .map(|(name, f)| (name.to_string(), f, Version::Resp2))
        .chain(differs.into_iter().flat_map(|(name, f)| {
            [
                (format!("{name}_resp2"), f.clone(), Version::Resp2),
                (format!("{name}_resp3"), f, Version::Resp3),
            ]
        }));
    // Reused and cleared, as the connection clears its output buffer after each write.
    let mut out = BytesMut::with_capacity(16 * 1024);
    for (name, frame, version) in cases {
        out.clear();
        encode(&frame, version, &mut out);
        group.throughput(Throughput::Bytes(out.len() as u64));
        group.bench_function(name, |b| {
            b.iter(|| {
                out.clear();
                encode(black_box(&frame), version, &mut out);
            })
        });
    }
    // The client side: what the load generator does per request.
    let set: [&[u8]; 3] = [b"SET", KEY, VALUE_16];
    out.clear();
    encode_request(&set, &mut out);
    group.throughput(Throughput::Bytes(out.len() as u64));
    group.bench_function("request_set", |b| {
        b.iter(|| {
            out.clear();
            encode_request(black_box(&set), &mut out);
        })
    });
    group.finish();
}

fn bench_frame_decode(c: &mut Criterion) {
    let mut group = c.benchmark_group("frame_decode");
    configure(&mut group);
    let wire = |frames: &[Frame]| {
        let mut out = BytesMut::new();
        for f in frames {
            encode(f, Version::Resp2, &mut out);
        }
        out.to_vec()
    };
    // The replies to a pipelined batch of SETs, of GETs, and one MGET-sized array.
    let cases = [
        ("ok_x16", vec![Frame::ok(); PIPELINE], PIPELINE),
        ("bulk_16_x16", bulks(PIPELINE, VALUE_16), PIPELINE),
        (
            "array_100_bulk_16",
            vec![Frame::Array(bulks(100, VALUE_16))],
            1,
        ),
    ];
    for (name, frames, count) in cases {
        let wire = wire(&frames);
        assert_eq!(decode_frames(&mut read_buffer(&wire)), count, "{name}");
        group.throughput(Throughput::Elements(count as u64));
        group.bench_function(name, |b| {
            b.iter_batched_ref(|| read_buffer(&wire), decode_frames, BatchSize::SmallInput)
        });
    }
    group.finish();
}

criterion_group!(
    benches,
    bench_request_decode,
    bench_reply_encode,
    bench_frame_decode
);
criterion_main!(benches);
