//! Test harness for `core/tests/crash.rs` and `scripts/soak-vault.sh`: writes
//! records (and every seventh one an attachment) to a vault as fast as it can
//! and prints an acknowledgement line after each commit returns. The test
//! kills it with SIGKILL at random moments and checks every acknowledged
//! write survived. Not part of the app.
//!
//! Usage: vault-crash-writer DIR START   (the vault key in BLOOM_CRASH_KEY, hex)

use std::io::Write;
use std::path::PathBuf;

use bloom_core::vault::{Vault, VaultKey};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let dir = PathBuf::from(args.next().ok_or("missing DIR")?);
    let start: u64 = args.next().ok_or("missing START")?.parse()?;
    let key_hex = std::env::var("BLOOM_CRASH_KEY")?;
    let key_bytes = bloom_core::hex::decode(&key_hex).ok_or("bad key")?;
    let key = VaultKey::from_slice(&key_bytes).ok_or("bad key length")?;
    let mut vault = Vault::open_with_key(&dir, key)?;
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    for i in start.. {
        let id = format!("r{i}");
        vault.put_record(&id, "chart", &body(i))?;
        writeln!(out, "r {i}")?;
        if i % 7 == 0 {
            let name = vault.add_attachment(&id, "application/octet-stream", &attachment(i))?;
            writeln!(out, "a {i} {name}")?;
        }
        out.flush()?;
    }
    Ok(())
}

/// What record `i` holds; the test recomputes it to compare.
pub fn body(i: u64) -> Vec<u8> {
    format!("record {i}: {}", "session text ".repeat((i % 50) as usize)).into_bytes()
}

pub fn attachment(i: u64) -> Vec<u8> {
    (0..(1000 + i % 5000)).map(|j| (i + j) as u8).collect()
}
