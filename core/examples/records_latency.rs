//! Latency percentiles of the clinical-record operations on a seeded vault
//! (criterion's `benches/records.rs` gives means; this gives p50/p95/p99/max).
//! Each operation runs N times (default 1,000; opening and unlocking fewer)
//! over varying clients, weeks, queries and draft notes.
//!
//! Run: BLOOM_BENCH_VAULT=/tmp/bloom-bench-vault BLOOM_BENCH_PASSPHRASE=… \
//!      cargo run --release -p bloom-core --example records_latency [-- N]

#![allow(clippy::unwrap_used, clippy::expect_used)]

#[path = "../benches/support/fixture.rs"]
mod fixture;

use std::time::{Duration, Instant};

use bloom_core::records::client;
use bloom_core::vault::{NoKeychain, Unlock, Vault};

fn report(name: &str, target_ms: Option<f64>, mut times: Vec<Duration>) {
    times.sort();
    let ms = |d: Duration| d.as_secs_f64() * 1_000.0;
    let at =
        |p: f64| ms(times[((times.len() as f64 * p).ceil() as usize).clamp(1, times.len()) - 1]);
    let (p50, p95, p99) = (at(0.50), at(0.95), at(0.99));
    let max = ms(times[times.len() - 1]);
    let verdict = match target_ms {
        Some(t) if p95 <= t => format!("p95 ≤ {t} ms: met"),
        Some(t) => format!("p95 ≤ {t} ms: MISSED"),
        None => String::new(),
    };
    println!(
        "{name:<28} n={:<5} p50 {p50:>8.3}  p95 {p95:>8.3}  p99 {p99:>8.3}  max {max:>8.3} ms  {verdict}",
        times.len()
    );
}

fn time(n: usize, mut op: impl FnMut(usize)) -> Vec<Duration> {
    (0..n)
        .map(|i| {
            let t = Instant::now();
            op(i);
            t.elapsed()
        })
        .collect()
}

fn main() {
    let n: usize = std::env::args()
        .nth(1)
        .map(|a| a.parse().unwrap_or_else(|_| panic!("N must be a number")))
        .unwrap_or(1_000);
    let Some(f) = fixture::load() else {
        return;
    };
    println!(
        "vault {}: {} clients, {} draft notes sampled, N = {n}",
        f.dir.display(),
        f.clients.len(),
        f.drafts.len()
    );

    // Start: Argon2id with the shipped costs, open, first page of clients.
    let unlock = time(10, |_| {
        let vault = Vault::open(&f.dir, Unlock::Passphrase(&f.pass), &NoKeychain).unwrap();
        let page = client::list_clients_page(&vault, 0, fixture::FIRST_PAGE).unwrap();
        assert!(!page.is_empty());
        // Closing (and its WAL checkpoint) is not part of starting.
        std::mem::forget((vault, page));
    });
    report("start (passphrase unlock)", Some(1_000.0), unlock);
    let mut kept = vec![];
    let open = time((n / 5).max(1), |_| {
        kept.push(fixture::open_to_first_screen(&f))
    });
    drop(kept);
    report("open + first page (key)", Some(1_000.0), open);

    let mut vault = Vault::open_with_key(&f.dir, f.key.clone()).unwrap();
    let list = time(n, |_| {
        assert!(!client::list_clients(&vault).unwrap().is_empty());
    });
    report("client list (all rows)", Some(20.0), list);
    let page = time(n, |i| {
        let offset = (i as u32 * 50) % (f.clients.len() as u32);
        client::list_clients_page(&vault, offset, fixture::FIRST_PAGE).unwrap();
    });
    report("client list (page of 50)", Some(20.0), page);
    let chart = time(n, |i| {
        fixture::chart_open(&mut vault, fixture::nth(&f.clients, i).as_str());
    });
    report("chart open", Some(20.0), chart);
    let week = time(n, |i| {
        fixture::week_view(&vault, f.weeks[i % f.weeks.len()]);
    });
    report("week view", Some(20.0), week);
    let mut per_query: Vec<Vec<Duration>> = vec![vec![]; fixture::QUERIES.len()];
    let search = time(n, |i| {
        let q = i % fixture::QUERIES.len();
        let t = Instant::now();
        fixture::search(&vault, fixture::QUERIES[q]);
        per_query[q].push(t.elapsed());
    });
    report("search (all queries)", Some(20.0), search);
    for (q, times) in fixture::QUERIES.iter().zip(per_query) {
        report(&format!("  search {q:?}"), Some(20.0), times);
    }
    let edit = time(n, |i| {
        fixture::edit_note(&mut vault, fixture::nth(&f.drafts, i), i);
    });
    report("note edit commit", Some(5.0), edit);
}
