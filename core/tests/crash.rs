//! Nothing acknowledged is ever lost: a child process writes records and
//! attachments and acknowledges each after its commit returns; we kill it
//! with SIGKILL at random moments, reopen the vault and check that every
//! acknowledged write is there, the audit chain holds and SQLite's integrity
//! check passes. 200 trials here; `scripts/soak-vault.sh` runs thousands.

// Helpers outside #[test] fns are test code too: a failure should panic with its error.
#![allow(clippy::unwrap_used)]

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

use bloom_core::vault::{KdfParams, NoKeychain, Passphrase, Unlock, Vault};

const WRITER: &str = env!("CARGO_BIN_EXE_vault-crash-writer");

// The writer's content functions, recomputed here to compare.
fn body(i: u64) -> Vec<u8> {
    format!("record {i}: {}", "session text ".repeat((i % 50) as usize)).into_bytes()
}

fn attachment(i: u64) -> Vec<u8> {
    (0..(1000 + i % 5000)).map(|j| (i + j) as u8).collect()
}

/// Deterministic random numbers (seeded per run so failures replay).
struct XorShift(u64);

impl XorShift {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
}

#[test]
fn kill_9_at_random_moments_never_loses_an_acknowledged_write() {
    let trials: u64 = std::env::var("BLOOM_CRASH_TRIALS")
        .ok()
        .and_then(|t| t.parse().ok())
        .unwrap_or(200);
    let seed: u64 = std::env::var("BLOOM_CRASH_SEED")
        .ok()
        .and_then(|t| t.parse().ok())
        .unwrap_or(0x5eed_b10b);
    println!("{trials} trials, seed {seed}");
    let mut rng = XorShift(seed | 1);

    let dir = tempfile::tempdir().unwrap();
    let pass = Passphrase::new("violet tram coffee lantern");
    let kdf = KdfParams {
        memory_kib: 1024,
        iterations: 1,
        parallelism: 1,
    };
    let (vault, _) = Vault::create(dir.path(), "Dr Crash", &pass, &NoKeychain, kdf).unwrap();
    drop(vault);
    // The child opens with the raw key, as the keychain path does.
    let key_hex = {
        let keyfile = bloom_core::vault::KeyFile::read(&dir.path().join("vault.key")).unwrap();
        bloom_core::hex::encode(keyfile.unwrap(&pass).unwrap().as_bytes())
    };

    let mut acked_records: u64 = 0;
    let mut acked_attachments: BTreeMap<u64, String> = BTreeMap::new();
    let mut next = 0u64;
    let mut kills_mid_write = 0u64;
    for trial in 0..trials {
        let mut child = Command::new(WRITER)
            .arg(dir.path())
            .arg(next.to_string())
            .env("BLOOM_CRASH_KEY", &key_hex)
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let stdout = child.stdout.take().unwrap();
        let (tx, rx) = mpsc::channel();
        let reader = std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines() {
                let Ok(line) = line else { break };
                if tx.send(line).is_err() {
                    break;
                }
            }
        });
        std::thread::sleep(Duration::from_micros(rng.next() % 60_000));
        child.kill().unwrap(); // SIGKILL
        let status = child.wait().unwrap();
        assert!(
            !status.success(),
            "trial {trial}: the writer exited on its own: {status}"
        );
        reader.join().unwrap();
        let mut acked_this_trial = 0;
        for line in rx.try_iter() {
            let parts: Vec<&str> = line.split(' ').collect();
            match parts.as_slice() {
                ["r", i] => {
                    let i: u64 = i.parse().unwrap();
                    assert_eq!(i, next, "acknowledgements out of order");
                    next = i + 1;
                    acked_records = next;
                    acked_this_trial += 1;
                }
                ["a", i, name] => {
                    acked_attachments.insert(i.parse().unwrap(), (*name).to_owned());
                }
                _ => panic!("trial {trial}: garbled acknowledgement {line:?}"),
            }
        }
        if acked_this_trial > 0 {
            kills_mid_write += 1;
        }

        // Reopen as after a crash and check everything acknowledged so far.
        let mut vault = Vault::open(dir.path(), Unlock::Passphrase(&pass), &NoKeychain)
            .unwrap_or_else(|e| panic!("trial {trial}: vault does not reopen: {e}"));
        // The whole-database checks grow with the vault: every trial for the
        // first 200 (the suite), then every 25th in a long soak, and the last.
        if trial < 200 || trial % 25 == 0 || trial + 1 == trials {
            vault
                .integrity_check()
                .unwrap_or_else(|e| panic!("trial {trial}: {e}"));
            vault
                .verify_audit()
                .unwrap_or_else(|e| panic!("trial {trial}: {e}"));
        }
        // Check the newest acknowledged records every trial, all of them at the end.
        let from = if trial + 1 == trials {
            0
        } else {
            acked_records.saturating_sub(20)
        };
        for i in from..acked_records {
            let record = vault
                .get_record(&format!("r{i}"))
                .unwrap_or_else(|e| panic!("trial {trial}: acknowledged r{i} lost: {e}"));
            assert_eq!(record.body, body(i), "trial {trial}: r{i} changed");
        }
        for (i, name) in acked_attachments.range(from..) {
            let data = vault
                .read_attachment(&format!("r{i}"), name)
                .unwrap_or_else(|e| panic!("trial {trial}: attachment of r{i} lost: {e}"));
            assert_eq!(*data, attachment(*i));
        }
    }
    println!(
        "{acked_records} records acknowledged; {kills_mid_write} kills came after writes began"
    );
    assert!(
        acked_records > trials,
        "the writer barely wrote: {acked_records} records"
    );
    assert!(
        kills_mid_write > trials / 2,
        "most kills came before any write"
    );
}
