//! Clinical records at practice scale (figures in docs/benchmarks.md).
//!
//! Runs against a vault seeded by `bloom-seed` (5,000 clients, 100,000 notes,
//! 200,000 appointment occurrences by default), named by `BLOOM_BENCH_VAULT`
//! with its passphrase in `BLOOM_BENCH_PASSPHRASE`; skips with a message when
//! unset. Criterion reports means; `examples/records_latency.rs` reports
//! p50/p95 of the same operations (`support/fixture.rs`).
//!
//! - `records/open_first_screen`: open with the key in hand + first page of
//!   the client list (Argon2id excluded; `unlock/argon2id_default` in
//!   `benches/vault.rs` is the rest of a passphrase unlock).
//! - `records/client_list_all`, `records/client_list_page`: the whole list and
//!   its first 50 rows.
//! - `records/chart_open`: chart, notes list, PHQ-9 and GAD-7 scores,
//!   treatment plan and safety plan of one client.
//! - `records/week_view`: one week of the calendar.
//! - `records/search`: the search box, several queries in turn.
//! - `records/note_edit_commit`: a small edit to a draft note, committed.
//!
//! Run: BLOOM_BENCH_VAULT=/tmp/bloom-bench-vault BLOOM_BENCH_PASSPHRASE=… \
//!      cargo bench -p bloom-core --bench records

#![allow(clippy::unwrap_used, clippy::expect_used)]

#[path = "support/fixture.rs"]
mod fixture;

use std::cell::Cell;
use std::time::Duration;

use bloom_core::records::client;
use bloom_core::vault::Vault;
use criterion::{Criterion, black_box, criterion_group, criterion_main};

fn bench_records(c: &mut Criterion) {
    let Some(f) = fixture::load() else {
        return;
    };
    let mut group = c.benchmark_group("records");
    group.sample_size(50);
    group.measurement_time(Duration::from_secs(8));

    group.bench_function("open_first_screen", |b| {
        b.iter_with_large_drop(|| fixture::open_to_first_screen(&f))
    });

    let mut vault = Vault::open_with_key(&f.dir, f.key.clone()).unwrap();
    group.bench_function("client_list_all", |b| {
        b.iter(|| black_box(client::list_clients(&vault).unwrap().len()))
    });
    group.bench_function("client_list_page", |b| {
        b.iter(|| {
            black_box(
                client::list_clients_page(&vault, 0, fixture::FIRST_PAGE)
                    .unwrap()
                    .len(),
            )
        })
    });

    let i = Cell::new(0usize);
    let next = || {
        let n = i.get();
        i.set(n + 1);
        n
    };
    group.bench_function("chart_open", |b| {
        b.iter(|| {
            let n = next();
            black_box(fixture::chart_open(
                &mut vault,
                fixture::nth(&f.clients, n).as_str(),
            ))
        })
    });
    group.bench_function("week_view", |b| {
        b.iter(|| {
            let n = next();
            black_box(fixture::week_view(&vault, f.weeks[n % f.weeks.len()]))
        })
    });
    group.bench_function("search", |b| {
        b.iter(|| {
            let n = next();
            black_box(fixture::search(
                &vault,
                fixture::QUERIES[n % fixture::QUERIES.len()],
            ))
        })
    });
    group.bench_function("note_edit_commit", |b| {
        b.iter(|| {
            let n = next();
            fixture::edit_note(&mut vault, fixture::nth(&f.drafts, n), n)
        })
    });
    group.finish();
}

criterion_group!(benches, bench_records);
criterion_main!(benches);
