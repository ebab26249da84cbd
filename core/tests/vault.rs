//! The vault as the desktop uses it: real SQLCipher files, the real OS
//! keychain (a Secret Service daemon; scripts/test.sh starts one), age
//! attachments and backups. Each test has its own temp directory.

// Helpers outside #[test] fns are test code too: a failure should panic with its error.
#![allow(clippy::unwrap_used)]

use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};

use bloom_core::vault::backup::{BackupTo, Progress, RestoreWith, restore};
use bloom_core::vault::session::{Session, VaultState};
use bloom_core::vault::{
    KdfParams, KeyStore, NoKeychain, OsKeychain, Passphrase, RecoveryKey, Unlock, Vault, VaultError,
};
use bloom_core::{Code, HasCode};

fn quick() -> KdfParams {
    KdfParams {
        memory_kib: 1024,
        iterations: 1,
        parallelism: 1,
    }
}

fn pass() -> Passphrase {
    Passphrase::new("violet tram coffee lantern")
}

fn keychain() -> OsKeychain {
    OsKeychain::new("org.bloom.test")
}

fn snapshot(dir: &Path) -> Vec<(String, Vec<u8>)> {
    let mut files: Vec<_> = walk(dir)
        .into_iter()
        .map(|p| (p.display().to_string(), std::fs::read(&p).unwrap()))
        .collect();
    files.sort();
    files
}

fn walk(dir: &Path) -> Vec<std::path::PathBuf> {
    let mut out = vec![];
    for entry in std::fs::read_dir(dir).unwrap().flatten() {
        let p = entry.path();
        if p.is_dir() {
            out.extend(walk(&p));
        } else {
            out.push(p);
        }
    }
    out
}

#[test]
fn create_reopen_and_a_wrong_passphrase_changes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let vault_dir = dir.path().join("vault");
    let (mut vault, _) =
        Vault::create(&vault_dir, "Dr Rivera", &pass(), &NoKeychain, quick()).unwrap();
    vault
        .put_record("chart-1", "chart", b"first session went well")
        .unwrap();
    drop(vault);

    let before = snapshot(&vault_dir);
    let err = Vault::open(
        &vault_dir,
        Unlock::Passphrase(&Passphrase::new("violet tram coffee lanterns")),
        &NoKeychain,
    )
    .unwrap_err();
    assert_eq!(err.code(), Code::VaultWrongPassphrase);
    assert_eq!(
        snapshot(&vault_dir),
        before,
        "a wrong passphrase touched the files"
    );

    let mut vault = Vault::open(&vault_dir, Unlock::Passphrase(&pass()), &NoKeychain).unwrap();
    assert_eq!(
        vault.get_record("chart-1").unwrap().body,
        b"first session went well"
    );
    assert_eq!(vault.actor().user, "Dr Rivera");
}

#[test]
fn a_weak_passphrase_is_refused_with_the_rule_and_nothing_is_created() {
    let dir = tempfile::tempdir().unwrap();
    let vault_dir = dir.path().join("vault");
    let err = Vault::create(
        &vault_dir,
        "Dr A",
        &Passphrase::new("password123"),
        &NoKeychain,
        quick(),
    )
    .unwrap_err();
    assert_eq!(err.code(), Code::VaultWeakPassphrase);
    assert!(err.to_string().contains("at least 12 characters"), "{err}");
    assert!(!vault_dir.exists());
}

#[test]
fn a_second_vault_is_never_created_over_the_first() {
    let dir = tempfile::tempdir().unwrap();
    Vault::create(dir.path(), "Dr A", &pass(), &NoKeychain, quick()).unwrap();
    let err = Vault::create(dir.path(), "Dr B", &pass(), &NoKeychain, quick()).unwrap_err();
    assert_eq!(err.code(), Code::VaultExists);
}

#[test]
fn changing_the_passphrase_rewraps_the_key_only() {
    let dir = tempfile::tempdir().unwrap();
    let (mut vault, _) = Vault::create(dir.path(), "Dr A", &pass(), &NoKeychain, quick()).unwrap();
    vault.put_record("chart-1", "chart", b"notes").unwrap();
    let new = Passphrase::new("orange kayak thunder museum");
    let err = vault
        .change_passphrase(&Passphrase::new("not the old one at all"), &new, quick())
        .unwrap_err();
    assert_eq!(err.code(), Code::VaultWrongPassphrase);
    vault.change_passphrase(&pass(), &new, quick()).unwrap();
    drop(vault);

    let err = Vault::open(dir.path(), Unlock::Passphrase(&pass()), &NoKeychain).unwrap_err();
    assert_eq!(err.code(), Code::VaultWrongPassphrase);
    let mut vault = Vault::open(dir.path(), Unlock::Passphrase(&new), &NoKeychain).unwrap();
    assert_eq!(vault.get_record("chart-1").unwrap().body, b"notes");
}

#[test]
fn the_os_keychain_opens_the_vault_and_the_passphrase_reseeds_it() {
    let dir = tempfile::tempdir().unwrap();
    let keychain = keychain();
    let (vault, _) = Vault::create(dir.path(), "Dr A", &pass(), &keychain, quick()).unwrap();
    let id = vault.id().to_owned();
    drop(vault);

    Vault::open(dir.path(), Unlock::Keychain, &keychain).expect("keychain unlock");

    // A new OS account: the keychain entry is gone; the passphrase still works
    // and puts the key back.
    keychain.forget(&id).unwrap();
    let err = Vault::open(dir.path(), Unlock::Keychain, &keychain).unwrap_err();
    assert_eq!(err.code(), Code::VaultKeychain);
    Vault::open(dir.path(), Unlock::Passphrase(&pass()), &keychain).unwrap();
    Vault::open(dir.path(), Unlock::Keychain, &keychain).expect("keychain re-seeded");
    keychain.forget(&id).unwrap();
}

#[test]
fn the_session_locks_on_request_and_when_idle() {
    let dir = tempfile::tempdir().unwrap();
    let mut session = Session::new(dir.path(), Arc::new(NoKeychain)).with_kdf(quick());
    assert_eq!(session.state(), VaultState::NoVault);
    session.create("Dr A", &pass()).unwrap();
    assert_eq!(session.state(), VaultState::Unlocked);
    session
        .with_vault(|v| v.put_record("chart-1", "chart", b"x"))
        .unwrap();

    session.lock();
    assert_eq!(session.state(), VaultState::Locked);
    let err = session.with_vault(|v| v.record_count()).unwrap_err();
    assert_eq!(err.code(), Code::VaultLocked);

    session.unlock(&pass()).unwrap();
    session.set_idle_minutes(5).unwrap();
    assert!(!session.lock_if_idle_at(Instant::now() + Duration::from_secs(4 * 60)));
    assert!(session.lock_if_idle_at(Instant::now() + Duration::from_secs(5 * 60 + 1)));
    assert_eq!(session.state(), VaultState::Locked);

    // The idle setting lives in the vault and survives the lock.
    session.unlock(&pass()).unwrap();
    assert_eq!(session.idle_minutes(), 5);
    assert!(session.set_idle_minutes(0).is_err());
}

#[test]
fn attachments_round_trip_and_damage_is_reported_never_returned() {
    let dir = tempfile::tempdir().unwrap();
    let (mut vault, _) = Vault::create(dir.path(), "Dr A", &pass(), &NoKeychain, quick()).unwrap();
    vault.put_record("chart-1", "chart", b"x").unwrap();
    let pdf: Vec<u8> = (0..200_000u32).map(|i| (i % 251) as u8).collect();
    let name = vault
        .add_attachment("chart-1", "application/pdf", &pdf)
        .unwrap();
    assert_eq!(*vault.read_attachment("chart-1", &name).unwrap(), pdf);
    let file = dir.path().join("attachments").join(format!("{name}.age"));
    let original = std::fs::read(&file).unwrap();

    // Truncated.
    std::fs::write(&file, &original[..original.len() - 100]).unwrap();
    let err = vault.read_attachment("chart-1", &name).unwrap_err();
    assert_eq!(err.code(), Code::AttachmentTampered);
    // One bit flipped in the middle.
    let mut flipped = original.clone();
    let mid = flipped.len() / 2;
    flipped[mid] ^= 1;
    std::fs::write(&file, &flipped).unwrap();
    assert_eq!(
        vault.read_attachment("chart-1", &name).unwrap_err().code(),
        Code::AttachmentTampered
    );
    // Swapped for another (valid) attachment of the same vault.
    let other = vault
        .add_attachment("chart-1", "text/plain", b"other")
        .unwrap();
    let other_file = dir.path().join("attachments").join(format!("{other}.age"));
    std::fs::copy(&other_file, &file).unwrap();
    assert_eq!(
        vault.read_attachment("chart-1", &name).unwrap_err().code(),
        Code::AttachmentTampered
    );
    // Gone.
    std::fs::remove_file(&file).unwrap();
    assert_eq!(
        vault.read_attachment("chart-1", &name).unwrap_err().code(),
        Code::AttachmentMissing
    );
    // Put back, it reads again.
    std::fs::write(&file, &original).unwrap();
    assert_eq!(*vault.read_attachment("chart-1", &name).unwrap(), pdf);
}

#[test]
fn deleting_a_record_deletes_its_attachments() {
    let dir = tempfile::tempdir().unwrap();
    let (mut vault, _) = Vault::create(dir.path(), "Dr A", &pass(), &NoKeychain, quick()).unwrap();
    vault.put_record("chart-1", "chart", b"x").unwrap();
    vault.put_record("chart-2", "chart", b"y").unwrap();
    let only_1 = vault
        .add_attachment("chart-1", "text/plain", b"only one")
        .unwrap();
    let shared = vault
        .add_attachment("chart-1", "text/plain", b"shared")
        .unwrap();
    vault
        .add_attachment("chart-2", "text/plain", b"shared")
        .unwrap();
    let path = |n: &str| dir.path().join("attachments").join(format!("{n}.age"));

    vault.delete_record("chart-1").unwrap();
    assert!(!path(&only_1).exists());
    assert!(path(&shared).exists(), "still used by chart-2");
    assert_eq!(vault.attachments("chart-1").unwrap(), vec![]);
    assert_eq!(
        vault.get_record("chart-1").unwrap_err().code(),
        Code::RecordNotFound
    );
    vault.delete_record("chart-2").unwrap();
    assert!(!path(&shared).exists());
}

fn fill(vault: &mut Vault, marker: &str) -> Vec<(String, Vec<u8>)> {
    let mut expected = vec![];
    for i in 0..40 {
        let id = format!("chart-{i}");
        let body = format!("{marker} session {i}: client reports better sleep").into_bytes();
        vault.put_record(&id, "chart", &body).unwrap();
        expected.push((id, body));
    }
    expected
}

#[test]
fn backup_delete_everything_restore_and_compare() {
    let dir = tempfile::tempdir().unwrap();
    let vault_dir = dir.path().join("vault");
    let (mut vault, recovery) =
        Vault::create(&vault_dir, "Dr A", &pass(), &NoKeychain, quick()).unwrap();
    let records = fill(&mut vault, "BACKUP");
    let scan: Vec<u8> = (0..300_000u32).map(|i| (i * 7 % 256) as u8).collect();
    let att = vault.add_attachment("chart-3", "image/png", &scan).unwrap();

    let archive = dir.path().join("practice.bloom-backup");
    let mut seen: Vec<Progress> = vec![];
    let summary = vault
        .backup(&archive, BackupTo::RecoveryKey, &mut |p| seen.push(p))
        .unwrap();
    assert_eq!(summary.attachments, 1);
    assert!(seen.len() >= 2, "{seen:?}");
    assert!(seen.windows(2).all(|w| w[0].done <= w[1].done), "{seen:?}");
    let last = seen.last().unwrap();
    assert_eq!(last.done, last.total);
    let recovery_text = recovery.reveal().to_owned();
    drop(vault);

    // Everything is gone: a new machine.
    std::fs::remove_dir_all(&vault_dir).unwrap();
    let new_pass = Passphrase::new("granite willow seventeen harbor");
    let mut restored_progress = 0;
    let mut vault = restore(
        &archive,
        RestoreWith::RecoveryKey(RecoveryKey::parse(&recovery_text).unwrap()),
        &vault_dir,
        &new_pass,
        &NoKeychain,
        &mut |_| restored_progress += 1,
    )
    .unwrap();
    assert!(restored_progress > 0);
    for (id, body) in &records {
        assert_eq!(&vault.get_record(id).unwrap().body, body);
    }
    assert_eq!(*vault.read_attachment("chart-3", &att).unwrap(), scan);
    assert!(vault.verify_audit().unwrap() > 40);
    vault.integrity_check().unwrap();
    drop(vault);
    // The restored vault opens with the passphrase chosen at restore.
    Vault::open(&vault_dir, Unlock::Passphrase(&new_pass), &NoKeychain).unwrap();
}

#[test]
fn a_passphrase_backup_restores_and_wrong_keys_or_garbage_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let vault_dir = dir.path().join("vault");
    let (mut vault, _) = Vault::create(&vault_dir, "Dr A", &pass(), &NoKeychain, quick()).unwrap();
    fill(&mut vault, "PASS");
    let archive = dir.path().join("b.bloom-backup");
    let backup_pass = Passphrase::new("backup phrase for the safe");
    vault
        .backup(
            &archive,
            BackupTo::Passphrase(backup_pass.clone()),
            &mut |_| {},
        )
        .unwrap();
    drop(vault);

    let target = dir.path().join("restored");
    let wrong = restore(
        &archive,
        RestoreWith::Passphrase(Passphrase::new("not the backup phrase")),
        &target,
        &pass(),
        &NoKeychain,
        &mut |_| {},
    )
    .unwrap_err();
    assert_eq!(wrong.code(), Code::BackupWrongKey);
    let (_, other) = Vault::create(
        &dir.path().join("other"),
        "B",
        &pass(),
        &NoKeychain,
        quick(),
    )
    .unwrap();
    let wrong = restore(
        &archive,
        RestoreWith::RecoveryKey(RecoveryKey::parse(other.reveal()).unwrap()),
        &target,
        &pass(),
        &NoKeychain,
        &mut |_| {},
    )
    .unwrap_err();
    assert_eq!(wrong.code(), Code::BackupWrongKey);
    assert!(!target.exists(), "a failed restore left files behind");

    let garbage = dir.path().join("garbage");
    std::fs::write(&garbage, b"this is not a backup at all").unwrap();
    let err = restore(
        &garbage,
        RestoreWith::Passphrase(backup_pass.clone()),
        &target,
        &pass(),
        &NoKeychain,
        &mut |_| {},
    )
    .unwrap_err();
    assert_eq!(err.code(), Code::BackupInvalid);

    let mut vault = restore(
        &archive,
        RestoreWith::Passphrase(backup_pass),
        &target,
        &pass(),
        &NoKeychain,
        &mut |_| {},
    )
    .unwrap();
    assert_eq!(vault.record_count().unwrap(), 40);
    assert!(
        vault
            .get_record("chart-7")
            .unwrap()
            .body
            .starts_with(b"PASS")
    );
    let err = RecoveryKey::parse("AGE-SECRET-KEY-1NOPE").unwrap_err();
    assert_eq!(err.code(), Code::BackupInvalid);
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}

#[test]
fn a_marker_written_to_records_and_attachments_is_nowhere_on_disk() {
    let dir = tempfile::tempdir().unwrap();
    let vault_dir = dir.path().join("vault");
    let marker = "ZEBRA-MARKER-7731";
    let secret = Passphrase::new(format!("{marker} passphrase words"));
    let (mut vault, _) = Vault::create(&vault_dir, "Dr A", &secret, &NoKeychain, quick()).unwrap();
    fill(&mut vault, marker);
    vault
        .add_attachment(
            "chart-1",
            "text/plain",
            format!("{marker} attachment").as_bytes(),
        )
        .unwrap();
    vault.delete_record("chart-2").unwrap();
    let archive = dir.path().join("backup");
    vault
        .backup(&archive, BackupTo::RecoveryKey, &mut |_| {})
        .unwrap();

    let scan = |phase: &str| {
        let mut files = walk(&vault_dir);
        files.push(archive.clone());
        for file in files {
            let bytes = std::fs::read(&file).unwrap();
            assert!(
                !contains(&bytes, marker.as_bytes()),
                "{phase}: marker found in {}",
                file.display()
            );
        }
    };
    // While open, the WAL holds the recent writes: it must be encrypted too.
    assert!(vault_dir.join("vault.db-wal").exists());
    scan("open");
    drop(vault);
    scan("closed");

    let shown = format!("{secret:?} {}", VaultError::WrongPassphrase);
    assert!(!shown.contains(marker), "{shown}");
}

#[test]
fn replacing_the_vault_with_a_backup_keeps_the_old_one_aside() {
    let dir = tempfile::tempdir().unwrap();
    let vault_dir = dir.path().join("vault");
    let mut session = Session::new(&vault_dir, Arc::new(NoKeychain)).with_kdf(quick());
    session.create("Dr A", &pass()).unwrap();
    session
        .with_vault(|v| v.put_record("chart-a", "chart", b"before the backup"))
        .unwrap();
    let archive = dir.path().join("b.bloom-backup");
    session
        .with_vault(|v| v.backup(&archive, BackupTo::Passphrase(pass()), &mut |_| {}))
        .unwrap();
    session
        .with_vault(|v| v.put_record("chart-b", "chart", b"after the backup"))
        .unwrap();

    // A wrong key changes nothing: the current vault is back in place, locked.
    let err = session
        .replace_with_backup(
            &archive,
            RestoreWith::Passphrase(Passphrase::new("not the backup phrase")),
            &pass(),
            &mut |_| {},
        )
        .unwrap_err();
    assert_eq!(err.code(), Code::BackupWrongKey);
    assert_eq!(session.state(), VaultState::Locked);
    session.unlock(&pass()).unwrap();
    assert!(session.with_vault(|v| v.has_record("chart-b")).unwrap());

    let kept = session
        .replace_with_backup(
            &archive,
            RestoreWith::Passphrase(pass()),
            &pass(),
            &mut |_| {},
        )
        .unwrap();
    assert_eq!(session.state(), VaultState::Unlocked);
    assert!(session.with_vault(|v| v.has_record("chart-a")).unwrap());
    assert!(!session.with_vault(|v| v.has_record("chart-b")).unwrap());
    // The replaced vault still holds what came after the backup.
    let mut old = Vault::open(&kept, Unlock::Passphrase(&pass()), &NoKeychain).unwrap();
    assert_eq!(old.get_record("chart-b").unwrap().body, b"after the backup");

    session.lock();
    let err = session
        .replace_with_backup(
            &archive,
            RestoreWith::Passphrase(pass()),
            &pass(),
            &mut |_| {},
        )
        .unwrap_err();
    assert_eq!(err.code(), Code::VaultLocked);
}
