//! Commands of the vault screens: onboarding, unlock, lock, settings.

use std::path::PathBuf;

use bloom_core::vault::Passphrase;
use bloom_core::vault::backup::{self, BackupTo, RestoreWith};
use bloom_core::vault::{RecoveryKey, strength};
use bloom_core::vault_status::{Strength, VaultStatus};
use serde::{Deserialize, Serialize};
use tauri::{AppHandle, State};

use super::CommandError;
use crate::vault::{VaultHolder, emit_progress};

// Every vault command runs off the main thread: the session lock may be held
// by a long backup, and the window must not freeze meanwhile.

#[tauri::command(async)]
pub fn vault_status(vault: State<'_, VaultHolder>) -> VaultStatus {
    vault.status()
}

/// Scores a passphrase as the user types (nothing is stored).
#[tauri::command]
pub fn passphrase_strength(passphrase: String) -> Strength {
    // Wrapped so the typed text is zeroed when this returns.
    let passphrase = Passphrase::new(passphrase);
    strength::assess(passphrase.expose())
}

#[derive(Serialize)]
pub struct Created {
    /// Shown once on the onboarding screen, never stored by the app.
    pub recovery_key: String,
}

impl Drop for Created {
    fn drop(&mut self) {
        zeroize::Zeroize::zeroize(&mut self.recovery_key);
    }
}

#[tauri::command(async)]
pub fn create_vault(
    owner: String,
    passphrase: String,
    app: AppHandle,
    vault: State<'_, VaultHolder>,
) -> Result<Created, CommandError> {
    // No status event here: onboarding shows the recovery key first and asks
    // for the new status itself once the user has confirmed it.
    let recovery = vault.session(|s| s.create(owner.trim(), &Passphrase::new(passphrase)))?;
    // The new vault is unlocked: the demo invite may enroll it now.
    crate::sync::follow_vault(&app);
    Ok(Created {
        recovery_key: recovery.reveal().to_owned(),
    })
}

#[tauri::command(async)]
pub fn unlock_vault(passphrase: String, vault: State<'_, VaultHolder>) -> Result<(), CommandError> {
    vault.session(|s| s.unlock(&Passphrase::new(passphrase)))?;
    vault.announce();
    Ok(())
}

#[tauri::command(async)]
pub fn unlock_with_keychain(vault: State<'_, VaultHolder>) -> Result<(), CommandError> {
    vault.session(|s| s.unlock_with_keychain())?;
    vault.announce();
    Ok(())
}

#[tauri::command(async)]
pub fn lock_vault(vault: State<'_, VaultHolder>) {
    vault.lock();
}

/// The user is active (typing, clicking): postpones the idle lock.
#[tauri::command(async)]
pub fn touch_vault(vault: State<'_, VaultHolder>) {
    vault.touch();
}

#[tauri::command(async)]
pub fn set_idle_lock(minutes: u32, vault: State<'_, VaultHolder>) -> Result<(), CommandError> {
    vault.session(|s| s.set_idle_minutes(minutes))?;
    vault.announce();
    Ok(())
}

#[tauri::command(async)]
pub fn change_passphrase(
    current: String,
    new: String,
    vault: State<'_, VaultHolder>,
) -> Result<(), CommandError> {
    vault.session(|s| s.change_passphrase(&Passphrase::new(current), &Passphrase::new(new)))
}

#[derive(Deserialize)]
#[serde(rename_all = "snake_case", tag = "to")]
pub enum BackupTarget {
    RecoveryKey,
    Passphrase { passphrase: String },
}

#[tauri::command(async)]
pub fn backup_vault(
    path: String,
    target: BackupTarget,
    app: AppHandle,
    vault: State<'_, VaultHolder>,
) -> Result<backup::BackupSummary, CommandError> {
    let to = match target {
        BackupTarget::RecoveryKey => BackupTo::RecoveryKey,
        BackupTarget::Passphrase { passphrase } => {
            BackupTo::Passphrase(Passphrase::new(passphrase))
        }
    };
    let out = PathBuf::from(path);
    vault.session(|s| {
        s.with_vault(|v| v.backup(&out, to, &mut |p| emit_progress(&app, "backup", p)))
    })
}

#[derive(Deserialize)]
#[serde(rename_all = "snake_case", tag = "with")]
pub enum RestoreKey {
    RecoveryKey { recovery_key: String },
    Passphrase { passphrase: String },
}

#[derive(Serialize)]
pub struct Replaced {
    /// Where the vault that was replaced now lives.
    pub kept: String,
}

/// Settings → Restore: replaces the open vault with a backup, keeping the
/// current one aside.
#[tauri::command(async)]
pub fn replace_vault_from_backup(
    archive: String,
    key: RestoreKey,
    new_passphrase: String,
    app: AppHandle,
    vault: State<'_, VaultHolder>,
) -> Result<Replaced, CommandError> {
    let with = restore_key(key)?;
    let archive = PathBuf::from(archive);
    let kept = vault.session(|s| {
        s.replace_with_backup(&archive, with, &Passphrase::new(new_passphrase), &mut |p| {
            emit_progress(&app, "restore", p)
        })
    });
    // Locked, restored or put back: the screens follow the new state.
    vault.announce();
    Ok(Replaced {
        kept: kept?.display().to_string(),
    })
}

fn restore_key(key: RestoreKey) -> Result<RestoreWith, CommandError> {
    Ok(match key {
        RestoreKey::RecoveryKey { mut recovery_key } => {
            let parsed = RecoveryKey::parse(&recovery_key);
            zeroize::Zeroize::zeroize(&mut recovery_key);
            RestoreWith::RecoveryKey(parsed?)
        }
        RestoreKey::Passphrase { passphrase } => {
            RestoreWith::Passphrase(Passphrase::new(passphrase))
        }
    })
}

#[tauri::command(async)]
pub fn restore_vault(
    archive: String,
    key: RestoreKey,
    new_passphrase: String,
    app: AppHandle,
    vault: State<'_, VaultHolder>,
) -> Result<(), CommandError> {
    let with = restore_key(key)?;
    let archive = PathBuf::from(archive);
    vault.session(|s| {
        s.restore(&archive, with, &Passphrase::new(new_passphrase), &mut |p| {
            emit_progress(&app, "restore", p)
        })
    })?;
    vault.announce();
    Ok(())
}
