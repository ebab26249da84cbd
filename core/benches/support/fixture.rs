//! What `benches/records.rs` and `examples/records_latency.rs` share: the
//! seeded vault they run against and the operations they time, so both
//! measure exactly the same thing.
//!
//! The vault is one made by `bloom-seed` (see docs/benchmarks.md), named by
//! `BLOOM_BENCH_VAULT`, with its passphrase in `BLOOM_BENCH_PASSPHRASE`.
//! The operations write to it (audited reads, note edits), as the app does.

#![allow(dead_code)]

use std::path::PathBuf;

use bloom_core::assessment::Instrument;
use bloom_core::chart::ClientSummary;
use bloom_core::records::{
    appointment, assessment, client, note, safety_plan, search, treatment_plan,
};
use bloom_core::vault::{KeyFile, Passphrase, Vault, VaultKey, now_ms};
use chrono::{DateTime, Datelike, NaiveDate, TimeDelta};
use chrono_tz::Tz;

/// The zone bloom-seed books appointments in.
pub const TZ: Tz = chrono_tz::America::New_York;

/// What someone types in the search box: symptoms, a technique, a homework
/// item, a family name, a name prefix.
pub const QUERIES: &[&str] = &[
    "panic",
    "sleep diary",
    "Okonkwo",
    "exposure hierarchy",
    "tearful",
    "grief",
    "Nak",
    "work conflict",
];

/// Rows on the first screen of the client list.
pub const FIRST_PAGE: u32 = 50;

pub struct Fixture {
    pub dir: PathBuf,
    pub pass: Passphrase,
    pub key: VaultKey,
    /// Client ids in list order.
    pub clients: Vec<String>,
    /// Draft notes: (note id, a section of its template).
    pub drafts: Vec<(String, &'static str)>,
    /// Mondays from a year ago to six months ahead.
    pub weeks: Vec<NaiveDate>,
}

/// The vault named by `BLOOM_BENCH_VAULT`, or `None` (with the reason on
/// stderr) when it is not set.
pub fn load() -> Option<Fixture> {
    let Some(dir) = std::env::var_os("BLOOM_BENCH_VAULT") else {
        eprintln!(
            "BLOOM_BENCH_VAULT is not set: skipping the clinical-records benchmarks.\n\
             Seed a vault first (docs/benchmarks.md, \"Clinical records at practice scale\"):\n  \
             BLOOM_SEED_PASS='violet tram coffee lantern' cargo run --release -p bloom-core \
             --bin bloom-seed -- --dir /tmp/bloom-bench-vault --passphrase-env BLOOM_SEED_PASS\n\
             then run with BLOOM_BENCH_VAULT=/tmp/bloom-bench-vault \
             BLOOM_BENCH_PASSPHRASE='violet tram coffee lantern'."
        );
        return None;
    };
    let dir = PathBuf::from(dir);
    let pass = Passphrase::new(
        std::env::var("BLOOM_BENCH_PASSPHRASE")
            .unwrap_or_else(|_| panic!("BLOOM_BENCH_PASSPHRASE is not set")),
    );
    let key = KeyFile::read(&dir.join("vault.key"))
        .unwrap_or_else(|e| panic!("cannot read the key file: {e}"))
        .unwrap(&pass)
        .unwrap_or_else(|e| panic!("cannot unwrap the vault key: {e}"));
    let vault = Vault::open_with_key(&dir, key.clone())
        .unwrap_or_else(|e| panic!("cannot open {}: {e}", dir.display()));
    let clients: Vec<String> = client::list_clients(&vault)
        .unwrap_or_else(|e| panic!("client list: {e}"))
        .into_iter()
        .map(|c| c.id)
        .collect();
    assert!(!clients.is_empty(), "the vault has no clients");
    let mut drafts = vec![];
    for id in clients.iter().step_by(3) {
        for n in note::list_notes(&vault, id).unwrap_or_else(|e| panic!("notes: {e}")) {
            if n.signed_ms.is_none() {
                let sections = n.template.sections();
                drafts.push((n.id, sections[sections.len() - 1]));
            }
        }
        if drafts.len() >= 2_000 {
            break;
        }
    }
    assert!(!drafts.is_empty(), "the vault has no draft notes");
    let today = DateTime::from_timestamp_millis(now_ms())
        .unwrap_or_default()
        .date_naive();
    let monday = today - TimeDelta::days(i64::from(today.weekday().num_days_from_monday()));
    let weeks = (-52..26).map(|w| monday + TimeDelta::weeks(w)).collect();
    Some(Fixture {
        dir,
        pass,
        key,
        clients,
        drafts,
        weeks,
    })
}

/// Pseudo-random but repeatable pick for iteration `i` (a stride that is
/// prime to any list length we use, so runs visit the whole list).
pub fn nth<T>(items: &[T], i: usize) -> &T {
    &items[i.wrapping_mul(7_919) % items.len()]
}

/// The first unlocked screen, key in hand: open the vault (SQLCipher open,
/// key check, schema check, settings, attachment sweep) and read the first
/// page of the client list.
pub fn open_to_first_screen(f: &Fixture) -> (Vault, Vec<ClientSummary>) {
    let vault = Vault::open_with_key(&f.dir, f.key.clone()).unwrap_or_else(|e| panic!("open: {e}"));
    let page = client::list_clients_page(&vault, 0, FIRST_PAGE)
        .unwrap_or_else(|e| panic!("client list: {e}"));
    (vault, page)
}

/// Everything the chart screen reads for one client.
pub fn chart_open(vault: &mut Vault, client_id: &str) -> usize {
    let chart = client::chart(vault, client_id).unwrap_or_else(|e| panic!("chart: {e}"));
    let notes = note::list_notes(vault, client_id).unwrap_or_else(|e| panic!("notes: {e}"));
    let phq = assessment::scores_over_time(vault, client_id, Instrument::Phq9)
        .unwrap_or_else(|e| panic!("scores: {e}"));
    let gad = assessment::scores_over_time(vault, client_id, Instrument::Gad7)
        .unwrap_or_else(|e| panic!("scores: {e}"));
    let tp = treatment_plan::plan(vault, client_id).unwrap_or_else(|e| panic!("plan: {e}"));
    let sp = safety_plan::plan(vault, client_id).unwrap_or_else(|e| panic!("safety: {e}"));
    chart.diagnoses.len()
        + notes.len()
        + phq.len()
        + gad.len()
        + tp.problems.len()
        + sp.sections.len()
}

/// The week view starting on `monday`.
pub fn week_view(vault: &Vault, monday: NaiveDate) -> usize {
    appointment::range(vault, monday, monday + TimeDelta::days(7), TZ)
        .unwrap_or_else(|e| panic!("week: {e}"))
        .len()
}

/// One search as the search box runs it (50 hits at most).
pub fn search(vault: &Vault, query: &str) -> usize {
    search::search(vault, query, 50)
        .unwrap_or_else(|e| panic!("search: {e}"))
        .len()
}

/// A small edit to a draft: one section's text replaced by a slightly
/// different one, committed (load, change, save with projection, search
/// entry and audit).
pub fn edit_note(vault: &mut Vault, draft: &(String, &'static str), i: usize) {
    let text = format!("Continue CBT; thought record daily; next session in one week (rev {i}).");
    note::edit_sections(vault, &draft.0, &[(draft.1, text.as_str())])
        .unwrap_or_else(|e| panic!("edit: {e}"));
}
