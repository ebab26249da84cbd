//! On-device ML benchmarks (figures in docs/benchmarks.md).
//!
//! - `ml/latency_1t/{short,medium,256_tokens}`: one message, one intra-op thread.
//! - `ml/batch32_2t/{per_text,padded}`: a batch of 32 medium messages with two intra-op
//!   threads (throughput), one run per text and one padded run.
//! - `ml/load`: loading the session, tokenizer and labels.
//!
//! Needs ORT_DYLIB_PATH (scripts/lib.sh `ensure_onnxruntime`). Model files from
//! BLOOM_ML_MODEL_DIR, else models/mh7, else ../shared/ml.
//!
//! Run: ORT_DYLIB_PATH=... cargo bench -p bloom-core --features ml --bench ml
//! p50/p95 over 500 runs: cargo run --release -p bloom-core --features ml --example ml_latency

// Benchmarks set up their own data: a failure should stop them loudly.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::PathBuf;
use std::time::Duration;

use bloom_core::ml::encoder::MODEL_FILE;
use bloom_core::ml::{Availability, Batching, Encoder, EncoderOptions, runtime};
use criterion::{Criterion, Throughput, criterion_group, criterion_main};

const SHORT: &str = "I feel a bit low today.";
const MEDIUM: &str = "Work has been overwhelming for weeks. I lie awake going over everything I said in \
    meetings, my chest gets tight on Sunday evenings, and I have started skipping dinner with friends \
    because I just feel too tired to talk to anyone.";

fn long_text() -> String {
    // Well over 256 tokens: truncated to exactly the maximum.
    MEDIUM.repeat(8)
}

fn model_dir() -> PathBuf {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..");
    std::env::var_os("BLOOM_ML_MODEL_DIR")
        .map(PathBuf::from)
        .into_iter()
        .chain([root.join("models/mh7"), root.join("../shared/ml")])
        .find(|d| d.join(MODEL_FILE).is_file())
        .expect("no model directory")
}

fn bench(c: &mut Criterion) {
    if let Availability::Unavailable { reason } = runtime::init() {
        panic!("ONNX Runtime unavailable: {reason}");
    }
    let dir = model_dir();
    let options = |intra_threads, batching| EncoderOptions {
        intra_threads,
        batching,
    };
    let one = Encoder::load_with(&dir, options(1, Batching::PerText)).unwrap();
    let two_per_text = Encoder::load_with(&dir, options(2, Batching::PerText)).unwrap();
    let two_padded = Encoder::load_with(&dir, options(2, Batching::Padded)).unwrap();
    let long = long_text();

    let mut group = c.benchmark_group("ml");
    group.measurement_time(Duration::from_secs(8));
    for (name, text) in [
        ("short", SHORT),
        ("medium", MEDIUM),
        ("256_tokens", long.as_str()),
    ] {
        group.bench_function(format!("latency_1t/{name}"), |b| {
            b.iter(|| one.encode(&[text]).unwrap())
        });
    }
    let batch: Vec<&str> = (0..32).map(|_| MEDIUM).collect();
    group.throughput(Throughput::Elements(32));
    group.bench_function("batch32_2t/per_text", |b| {
        b.iter(|| two_per_text.encode(&batch).unwrap())
    });
    group.bench_function("batch32_2t/padded", |b| {
        b.iter(|| two_padded.encode(&batch).unwrap())
    });
    group.finish();

    let mut group = c.benchmark_group("ml");
    group.sample_size(10);
    group.bench_function("load", |b| {
        b.iter(|| Encoder::load_with(&dir, EncoderOptions::default()).unwrap())
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
