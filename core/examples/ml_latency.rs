//! Latency driver for the on-device model: p50/p95/p99 per message over N runs on one
//! intra-op thread, batch-32 throughput on one and two, load time, and the time of an
//! on-device re-fit when head.json and base_embeddings.bin are in the model directory.
//!
//! Run: ORT_DYLIB_PATH=.../libonnxruntime.so.1.31.1 \
//!      cargo run --release -p bloom-core --features ml --example ml_latency [-- RUNS]
//! Model files from BLOOM_ML_MODEL_DIR, else models/mh7, else ../shared/ml.

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::{Duration, Instant};

use bloom_core::ml::encoder::MODEL_FILE;
use bloom_core::ml::{
    Availability, BaseData, Batching, Encoder, EncoderOptions, Head, MlError, RefitOutcome,
    RefitParams, refit, runtime,
};

const SHORT: &str = "I feel a bit low today.";
const MEDIUM: &str = "Work has been overwhelming for weeks. I lie awake going over everything I said in \
    meetings, my chest gets tight on Sunday evenings, and I have started skipping dinner with friends \
    because I just feel too tired to talk to anyone.";

fn main() -> ExitCode {
    match run() {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}

fn run() -> Result<(), MlError> {
    let runs: usize = std::env::args()
        .nth(1)
        .and_then(|a| a.parse().ok())
        .unwrap_or(500);
    if let Availability::Unavailable { reason } = runtime::init() {
        return Err(MlError::Unavailable(reason.clone()));
    }
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..");
    let dir = std::env::var_os("BLOOM_ML_MODEL_DIR")
        .map(PathBuf::from)
        .into_iter()
        .chain([root.join("models/mh7"), root.join("../shared/ml")])
        .find(|d| d.join(MODEL_FILE).is_file())
        .ok_or_else(|| MlError::Unavailable("no model directory".into()))?;
    println!("model: {}", dir.display());

    let mut loads = Vec::new();
    for _ in 0..5 {
        let t = Instant::now();
        drop(Encoder::load(&dir)?);
        loads.push(t.elapsed());
    }
    loads.sort();
    println!(
        "load (session + tokenizer, 5 runs): median {:.1} ms",
        ms(loads[2])
    );

    let one = Encoder::load(&dir)?;
    let long = MEDIUM.repeat(8);
    for (name, text) in [
        ("short (~8 tokens)", SHORT),
        ("medium (~50 tokens)", MEDIUM),
        ("256 tokens", long.as_str()),
    ] {
        for _ in 0..10 {
            one.encode(&[text])?;
        }
        let mut times = Vec::with_capacity(runs);
        for _ in 0..runs {
            let t = Instant::now();
            one.encode(&[text])?;
            times.push(t.elapsed());
        }
        times.sort();
        let pct = |p: f64| ms(times[((times.len() - 1) as f64 * p).round() as usize]);
        let mean = ms(times.iter().sum::<Duration>()) / times.len() as f64;
        println!(
            "1 thread, {name}: p50 {:.2} ms  p95 {:.2} ms  p99 {:.2} ms  mean {mean:.2} ms  ({runs} runs)",
            pct(0.50),
            pct(0.95),
            pct(0.99)
        );
    }

    for (threads, batching) in [
        (1, Batching::PerText),
        (2, Batching::PerText),
        (1, Batching::Padded),
        (2, Batching::Padded),
    ] {
        let enc = Encoder::load_with(
            &dir,
            EncoderOptions {
                intra_threads: threads,
                batching,
            },
        )?;
        let batch: Vec<&str> = (0..32).map(|_| MEDIUM).collect();
        enc.encode(&batch)?;
        let rounds = (runs / 25).max(4);
        let t = Instant::now();
        for _ in 0..rounds {
            enc.encode(&batch)?;
        }
        let per_batch = t.elapsed() / rounds as u32;
        println!(
            "batch 32 medium, {threads} thread(s), {batching:?}: {:.1} ms per batch, {:.0} messages/s",
            ms(per_batch),
            32.0 / per_batch.as_secs_f64()
        );
    }

    // On-device re-fit, when the head and base data are there.
    let (head_path, base_path) = (dir.join("head.json"), dir.join("base_embeddings.bin"));
    if head_path.is_file() && base_path.is_file() {
        let t = Instant::now();
        let base = BaseData::read(&base_path)?;
        println!(
            "read base data ({} rows): {:.1} ms",
            base.rows.len(),
            ms(t.elapsed())
        );
        let head = Head::load_json(&head_path)?;
        let t = Instant::now();
        let outcome = refit(&head, &base, &[], &RefitParams::default())?;
        let decision = match outcome {
            RefitOutcome::Replaced { candidate, .. } => format!("replaced, held-out {candidate:?}"),
            RefitOutcome::Kept { reason, .. } => format!("kept: {reason}"),
        };
        println!(
            "refit ({} epochs, no corrections): {:.2} s, {decision}",
            RefitParams::default().epochs,
            t.elapsed().as_secs_f64()
        );
    }
    Ok(())
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}
