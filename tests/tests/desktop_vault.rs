//! A therapist's first run in a real window: create the vault (a weak
//! passphrase is refused by the meter), keep the recovery key, lock, fail to
//! unlock with a wrong passphrase, unlock with the right one; then in
//! Settings set the idle lock, write a backup and change the passphrase.

use std::time::Duration;

use bloom_e2e::TestDir;
use bloom_e2e::desktop::DesktopApp;

const WAIT: Duration = Duration::from_secs(45);
const PASSPHRASE: &str = "granite willow seventeen harbor";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn onboarding_then_lock_then_unlock() {
    let dir = TestDir::new("desktop-vault");
    let vault = dir.sub("vault");
    let env = [("BLOOM_VAULT_DIR", vault.display().to_string())];
    let app = DesktopApp::launch(dir.path(), &env)
        .await
        .unwrap_or_else(|e| panic!("{e}"));

    // First run: onboarding.
    app.wait_for("#onboarding", WAIT).await.unwrap();
    app.fill("#owner", "Dr Rivera").await.unwrap();
    app.fill("#passphrase", "password123").await.unwrap();
    app.wait_for_attr("#strength-meter", "data-acceptable", "false", WAIT)
        .await
        .unwrap();
    app.fill("#passphrase", PASSPHRASE).await.unwrap();
    app.fill("#passphrase-confirm", PASSPHRASE).await.unwrap();
    app.wait_for_attr("#strength-meter", "data-acceptable", "true", WAIT)
        .await
        .unwrap();
    app.screenshot("1-onboarding").await.unwrap();
    app.click("#create-vault").await.unwrap();

    // The recovery key, shown once, confirmed by typing its end.
    let key = app.wait_for("#recovery-key", WAIT).await.unwrap();
    let key = key.trim().to_owned();
    assert!(
        key.starts_with("AGE-SECRET-KEY-1"),
        "recovery key looks like {key:?}"
    );
    assert!(vault.join("vault.db").exists() && vault.join("vault.key").exists());
    app.screenshot("2-recovery-key").await.unwrap();
    app.fill("#recovery-confirm", &key[key.len() - 6..])
        .await
        .unwrap();
    app.click("#recovery-done").await.unwrap();

    // The main screen; then lock.
    app.wait_for("#lock-vault", WAIT).await.unwrap();
    app.screenshot("3-unlocked").await.unwrap();
    app.click("#lock-vault").await.unwrap();
    app.wait_for("#unlock", WAIT).await.unwrap();
    app.screenshot("4-locked").await.unwrap();

    // A wrong passphrase says so and stays locked.
    app.fill("#unlock-passphrase", "granite willow seventeen harbour")
        .await
        .unwrap();
    app.click("#unlock-submit").await.unwrap();
    let error = app.wait_for("#unlock-error", WAIT).await.unwrap();
    assert!(error.contains("Wrong passphrase"), "{error}");
    app.screenshot("5-wrong-passphrase").await.unwrap();

    app.fill("#unlock-passphrase", PASSPHRASE).await.unwrap();
    app.click("#unlock-submit").await.unwrap();
    app.wait_for("#lock-vault", WAIT).await.unwrap();
    app.screenshot("6-unlocked-again").await.unwrap();

    // Settings: the idle lock is saved, and a backup is written with progress.
    app.click("#nav-settings").await.unwrap();
    app.fill("#idle-minutes", "30").await.unwrap();
    app.click("#idle-save").await.unwrap();
    let saved = app.wait_for("#settings-message", WAIT).await.unwrap();
    assert_eq!(saved, "Saved.");
    let backup = dir.path().join("practice.bloom-backup");
    app.fill("#backup-path", &backup.display().to_string())
        .await
        .unwrap();
    app.click("#backup-start").await.unwrap();
    let done = wait_for_text(&app, "#settings-message", "Backup written").await;
    assert!(done.contains("Backup written"), "{done}");
    assert!(backup.exists(), "no backup file at {}", backup.display());
    app.screenshot("7-settings-backup").await.unwrap();

    // A new passphrase replaces the old one.
    let newer = "copper meadow lantern ninety";
    app.fill("#current-passphrase", PASSPHRASE).await.unwrap();
    app.fill("#new-passphrase", newer).await.unwrap();
    app.fill("#new-passphrase-confirm", newer).await.unwrap();
    app.wait_for_attr("#strength-meter", "data-acceptable", "true", WAIT)
        .await
        .unwrap();
    app.click("#passphrase-change").await.unwrap();
    let changed = wait_for_text(&app, "#settings-message", "Passphrase changed").await;
    assert!(changed.contains("Passphrase changed"), "{changed}");
    app.click("#lock-vault").await.unwrap();
    app.wait_for("#unlock", WAIT).await.unwrap();
    app.fill("#unlock-passphrase", PASSPHRASE).await.unwrap();
    app.click("#unlock-submit").await.unwrap();
    let error = app.wait_for("#unlock-error", WAIT).await.unwrap();
    assert!(
        error.contains("Wrong passphrase"),
        "old passphrase still works: {error}"
    );
    app.fill("#unlock-passphrase", newer).await.unwrap();
    app.click("#unlock-submit").await.unwrap();
    app.wait_for("#lock-vault", WAIT).await.unwrap();

    // Settings → Restore: the backup replaces the vault; the old one is kept.
    app.click("#nav-settings").await.unwrap();
    app.click("#show-settings-restore").await.unwrap();
    app.fill("#restore-archive", &backup.display().to_string())
        .await
        .unwrap();
    app.fill("#restore-secret", &key).await.unwrap();
    app.fill("#restore-passphrase", PASSPHRASE).await.unwrap();
    app.click("#restore-start").await.unwrap();
    let restored = wait_for_text(&app, "#settings-message", "Restored").await;
    assert!(restored.contains("Restored"), "{restored}");
    app.screenshot("8-settings-restore").await.unwrap();
    let kept: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .flatten()
        .filter(|e| {
            e.file_name()
                .to_string_lossy()
                .starts_with("vault.replaced-")
        })
        .collect();
    assert_eq!(kept.len(), 1, "the replaced vault is kept aside");

    app.close().await;
}

async fn wait_for_text(app: &DesktopApp, css: &str, needle: &str) -> String {
    let deadline = std::time::Instant::now() + WAIT;
    loop {
        let text = app.wait_for(css, WAIT).await.unwrap_or_default();
        if text.contains(needle) || std::time::Instant::now() > deadline {
            return text;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// A new computer: a backup made elsewhere is restored from the first-run
/// screen with its recovery key and a new passphrase, and the records are there.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn first_run_restores_a_backup_with_the_recovery_key() {
    use bloom_core::vault::backup::BackupTo;
    use bloom_core::vault::{KdfParams, NoKeychain, Passphrase, Unlock, Vault};

    let dir = TestDir::new("desktop-restore");
    let kdf = KdfParams {
        memory_kib: 8 * 1024,
        iterations: 1,
        parallelism: 1,
    };
    let old = dir.sub("old-computer");
    let (mut vault, recovery) = Vault::create(
        &old,
        "Dr Rivera",
        &Passphrase::new(PASSPHRASE),
        &NoKeychain,
        kdf,
    )
    .unwrap();
    vault
        .put_record("chart-1", "chart", b"intake notes")
        .unwrap();
    let archive = dir.path().join("move.bloom-backup");
    vault
        .backup(&archive, BackupTo::RecoveryKey, &mut |_| {})
        .unwrap();
    let recovery = recovery.reveal().to_owned();
    drop(vault);

    let new = dir.path().join("new-computer");
    let env = [("BLOOM_VAULT_DIR", new.display().to_string())];
    let app = DesktopApp::launch(dir.path(), &env)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    app.wait_for("#onboarding", WAIT).await.unwrap();
    app.click("#show-restore").await.unwrap();
    app.wait_for("#restore", WAIT).await.unwrap();
    app.fill("#restore-archive", &archive.display().to_string())
        .await
        .unwrap();
    app.fill("#restore-secret", &recovery).await.unwrap();
    let new_passphrase = "harbor granite willow nineteen";
    app.fill("#restore-passphrase", new_passphrase)
        .await
        .unwrap();
    app.screenshot("1-restore").await.unwrap();
    app.click("#restore-start").await.unwrap();
    app.wait_for("#lock-vault", WAIT).await.unwrap();
    app.screenshot("2-restored").await.unwrap();
    app.close().await;

    // The restored vault holds the record and opens with the new passphrase.
    let mut restored = Vault::open(
        &new,
        Unlock::Passphrase(&Passphrase::new(new_passphrase)),
        &NoKeychain,
    )
    .unwrap();
    assert_eq!(
        restored.get_record("chart-1").unwrap().body,
        b"intake notes"
    );
}
