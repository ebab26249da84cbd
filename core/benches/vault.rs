//! Vault benchmarks (figures in docs/benchmarks.md).
//!
//! - `workload/{encrypted,plaintext}`: the same insert/update/query workload on
//!   SQLCipher keyed with a raw key and on the same library without a key
//!   (plain SQLite), both with the vault's pragmas (WAL, synchronous=FULL).
//! - `unlock/argon2id_default`: unwrapping the key with the shipped Argon2id costs.
//! - `open/raw_key` and `open/os_keychain`: opening an existing vault with the
//!   key in hand, and through the OS keychain (run under scripts/with-keyring.sh).
//!
//! Run: scripts/with-keyring.sh cargo bench -p bloom-core --bench vault

// Benchmarks set up their own data: a failure should stop them loudly.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::time::Duration;

use bloom_core::vault::{
    KdfParams, KeyFile, KeyStore, NoKeychain, OsKeychain, Passphrase, Unlock, Vault, VaultKey,
};
use criterion::{BatchSize, Criterion, criterion_group, criterion_main};
use rusqlite::Connection;

const ROWS: i64 = 1000;

fn connection(path: &std::path::Path, key: Option<&VaultKey>) -> Connection {
    let conn = Connection::open(path).unwrap();
    if let Some(key) = key {
        let hex = bloom_core::hex::encode(key.as_bytes());
        conn.pragma_update(None, "key", format!("x'{hex}'"))
            .unwrap();
    }
    conn.pragma_update(None, "journal_mode", "WAL").unwrap();
    conn.pragma_update(None, "synchronous", "FULL").unwrap();
    conn.execute_batch(
        "CREATE TABLE records (id TEXT PRIMARY KEY, kind TEXT NOT NULL, body BLOB NOT NULL,
         updated_ms INTEGER NOT NULL) STRICT",
    )
    .unwrap();
    conn
}

fn body(i: i64) -> Vec<u8> {
    format!(
        "session {i}: {}",
        "client reports steady progress; ".repeat(12)
    )
    .into_bytes()
}

/// 1,000 inserts and 1,000 updates (one transaction each batch), then 1,000
/// point reads and 20 range scans.
fn workload(conn: &mut Connection) {
    let tx = conn.transaction().unwrap();
    for i in 0..ROWS {
        tx.execute(
            "INSERT INTO records VALUES (?1, 'note', ?2, ?3)",
            rusqlite::params![format!("r{i}"), body(i), i],
        )
        .unwrap();
    }
    tx.commit().unwrap();
    let tx = conn.transaction().unwrap();
    for i in 0..ROWS {
        tx.execute(
            "UPDATE records SET body = ?2, updated_ms = ?3 WHERE id = ?1",
            rusqlite::params![format!("r{i}"), body(i + 1), i + 1],
        )
        .unwrap();
    }
    tx.commit().unwrap();
    let mut get = conn
        .prepare("SELECT body FROM records WHERE id = ?1")
        .unwrap();
    for i in 0..ROWS {
        let b: Vec<u8> = get.query_row([format!("r{i}")], |r| r.get(0)).unwrap();
        assert!(!b.is_empty());
    }
    let mut scan = conn
        .prepare("SELECT count(*), sum(length(body)) FROM records WHERE updated_ms > ?1")
        .unwrap();
    for i in 0..20 {
        let _: (i64, i64) = scan
            .query_row([i * 40], |r| Ok((r.get(0)?, r.get(1)?)))
            .unwrap();
    }
}

fn bench_workload(c: &mut Criterion) {
    let mut group = c.benchmark_group("workload");
    group.sample_size(20);
    group.measurement_time(Duration::from_secs(20));
    let key = VaultKey::generate().unwrap();
    for (name, key) in [("encrypted", Some(&key)), ("plaintext", None)] {
        group.bench_function(name, |b| {
            b.iter_batched(
                || {
                    let dir = tempfile::tempdir().unwrap();
                    let conn = connection(&dir.path().join("bench.db"), key);
                    (dir, conn)
                },
                |(dir, mut conn)| {
                    workload(&mut conn);
                    (dir, conn)
                },
                BatchSize::PerIteration,
            )
        });
    }
    group.finish();
}

fn bench_unlock(c: &mut Criterion) {
    let mut group = c.benchmark_group("unlock");
    group.sample_size(10);
    let pass = Passphrase::new("violet tram coffee lantern");
    let key = VaultKey::generate().unwrap();
    let file = KeyFile::wrap("bench", &key, &pass, KdfParams::default()).unwrap();
    group.bench_function("argon2id_default", |b| {
        b.iter(|| file.unwrap(&pass).unwrap())
    });
    group.finish();
}

fn bench_open(c: &mut Criterion) {
    let mut group = c.benchmark_group("open");
    group.sample_size(30);
    let dir = tempfile::tempdir().unwrap();
    let pass = Passphrase::new("violet tram coffee lantern");
    let keychain = OsKeychain::new("org.bloom.bench");
    let keychain_works = keychain.load("probe").is_ok();
    let store: &dyn KeyStore = if keychain_works {
        &keychain
    } else {
        &NoKeychain
    };
    let (mut vault, _) =
        Vault::create(dir.path(), "Dr Bench", &pass, store, KdfParams::default()).unwrap();
    for i in 0..ROWS {
        vault
            .put_record(&format!("r{i}"), "note", &body(i))
            .unwrap();
    }
    let id = vault.id().to_owned();
    let key_file = KeyFile::read(&dir.path().join("vault.key")).unwrap();
    let key = key_file.unwrap(&pass).unwrap();
    drop(vault);
    group.bench_function("raw_key", |b| {
        b.iter(|| Vault::open_with_key(dir.path(), key.clone()).unwrap())
    });
    if keychain_works {
        group.bench_function("os_keychain", |b| {
            b.iter(|| Vault::open(dir.path(), Unlock::Keychain, &keychain).unwrap())
        });
        keychain.forget(&id).unwrap();
    } else {
        eprintln!(
            "no Secret Service: open/os_keychain skipped (run under scripts/with-keyring.sh)"
        );
    }
    group.finish();
}

criterion_group!(benches, bench_workload, bench_unlock, bench_open);
criterion_main!(benches);
