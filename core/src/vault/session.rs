//! The desktop's hold on its vault: no vault yet, locked, or unlocked; with
//! explicit lock and idle auto-lock. Locking drops the connection and zeroes
//! the key (the `Vault` and its `VaultKey` zero themselves on drop).

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

use super::error::VaultError;
use super::keychain::KeyStore;
use super::keyfile::KdfParams;
use super::{Passphrase, RecoveryKey, Unlock, Vault};

/// Idle minutes before auto-lock when the user has not chosen.
pub const DEFAULT_IDLE_MINUTES: u32 = 15;
const IDLE_SETTING: &str = "idle_lock_minutes";

pub use crate::vault_status::VaultState;

pub struct Session {
    dir: PathBuf,
    keystore: Arc<dyn KeyStore>,
    kdf: KdfParams,
    vault: Option<Vault>,
    idle: Duration,
    last_used: Instant,
    /// The psychotherapy-notes key while that extra unlock holds; dropped
    /// (and zeroed) whenever the vault locks.
    psychotherapy: Option<crate::records::psychotherapy::PsychotherapyKey>,
}

impl Session {
    pub fn new(dir: &Path, keystore: Arc<dyn KeyStore>) -> Session {
        Session {
            dir: dir.to_owned(),
            keystore,
            kdf: KdfParams::default(),
            vault: None,
            idle: Duration::from_secs(u64::from(DEFAULT_IDLE_MINUTES) * 60),
            last_used: Instant::now(),
            psychotherapy: None,
        }
    }

    /// Uses other Argon2id costs (tests and benchmarks).
    pub fn with_kdf(mut self, kdf: KdfParams) -> Session {
        self.kdf = kdf;
        self
    }

    pub fn state(&self) -> VaultState {
        if self.vault.is_some() {
            VaultState::Unlocked
        } else if super::exists(&self.dir) {
            VaultState::Locked
        } else {
            VaultState::NoVault
        }
    }

    /// The state with what the screens need alongside it.
    pub fn status(&self) -> crate::vault_status::VaultStatus {
        let keychain = super::KeyFile::read(&self.dir.join(super::KEY_FILE))
            .ok()
            .and_then(|f| self.keystore.load(&f.vault_id).ok().flatten())
            .is_some();
        crate::vault_status::VaultStatus {
            state: self.state(),
            idle_minutes: self.idle_minutes(),
            keychain,
        }
    }

    pub fn create(
        &mut self,
        owner: &str,
        passphrase: &Passphrase,
    ) -> Result<RecoveryKey, VaultError> {
        let (vault, recovery) = Vault::create(
            &self.dir,
            owner,
            passphrase,
            self.keystore.as_ref(),
            self.kdf,
        )?;
        self.adopt(vault);
        Ok(recovery)
    }

    pub fn unlock(&mut self, passphrase: &Passphrase) -> Result<(), VaultError> {
        let vault = Vault::open(
            &self.dir,
            Unlock::Passphrase(passphrase),
            self.keystore.as_ref(),
        )?;
        self.adopt(vault);
        Ok(())
    }

    pub fn unlock_with_keychain(&mut self) -> Result<(), VaultError> {
        let vault = Vault::open(&self.dir, Unlock::Keychain, self.keystore.as_ref())?;
        self.adopt(vault);
        Ok(())
    }

    /// Restores a backup as this session's vault (first run on a new machine).
    pub fn restore(
        &mut self,
        archive: &Path,
        with: super::backup::RestoreWith,
        new_passphrase: &Passphrase,
        progress: &mut dyn FnMut(super::backup::Progress),
    ) -> Result<(), VaultError> {
        let vault = self.restore_into_dir(archive, with, new_passphrase, progress)?;
        self.adopt(vault);
        Ok(())
    }

    fn restore_into_dir(
        &self,
        archive: &Path,
        with: super::backup::RestoreWith,
        new_passphrase: &Passphrase,
        progress: &mut dyn FnMut(super::backup::Progress),
    ) -> Result<Vault, VaultError> {
        super::backup::restore(
            archive,
            with,
            &self.dir,
            new_passphrase,
            self.keystore.as_ref(),
            progress,
        )
    }

    /// Replaces the open vault with a backup (Settings → Restore). The current
    /// vault is never deleted: it is moved aside to the returned folder first,
    /// and moved back if the restore fails. Needs the vault unlocked, so only
    /// someone who can open the current records can replace them.
    pub fn replace_with_backup(
        &mut self,
        archive: &Path,
        with: super::backup::RestoreWith,
        new_passphrase: &Passphrase,
        progress: &mut dyn FnMut(super::backup::Progress),
    ) -> Result<PathBuf, VaultError> {
        if self.vault.is_none() {
            return Err(VaultError::Locked);
        }
        if !super::strength::assess(new_passphrase.expose()).acceptable {
            return Err(VaultError::WeakPassphrase(super::strength::rule()));
        }
        self.lock();
        let kept = super::fsx::sibling(&self.dir, &format!(".replaced-{}", super::now_ms()));
        std::fs::rename(&self.dir, &kept).map_err(|e| VaultError::io(&self.dir, e))?;
        super::fsx::sync_folder(kept.parent().unwrap_or(Path::new(".")))?;
        match self.restore_into_dir(archive, with, new_passphrase, progress) {
            Ok(vault) => {
                self.adopt(vault);
                Ok(kept)
            }
            Err(e) => {
                // Put the current vault back; the user unlocks it as before.
                if let Err(back) = std::fs::rename(&kept, &self.dir) {
                    tracing::error!(error = %back, kept = %kept.display(), "cannot move the vault back");
                }
                Err(e)
            }
        }
    }

    fn adopt(&mut self, vault: Vault) {
        let minutes = vault
            .setting(IDLE_SETTING)
            .ok()
            .flatten()
            .and_then(|m| m.parse::<u32>().ok())
            .unwrap_or(DEFAULT_IDLE_MINUTES);
        self.idle = Duration::from_secs(u64::from(minutes) * 60);
        self.vault = Some(vault);
        self.last_used = Instant::now();
    }

    /// Locks now. Locking a locked vault is fine.
    pub fn lock(&mut self) {
        self.psychotherapy = None;
        if self.vault.take().is_some() {
            tracing::info!("vault locked");
        }
    }

    /// Locks if idle longer than the setting; returns whether it locked.
    pub fn lock_if_idle(&mut self) -> bool {
        self.lock_if_idle_at(Instant::now())
    }

    pub fn lock_if_idle_at(&mut self, now: Instant) -> bool {
        if self.vault.is_some() && now.duration_since(self.last_used) >= self.idle {
            self.lock();
            return true;
        }
        false
    }

    /// Runs `f` on the unlocked vault and counts as activity.
    pub fn with_vault<T>(
        &mut self,
        f: impl FnOnce(&mut Vault) -> Result<T, VaultError>,
    ) -> Result<T, VaultError> {
        if self.lock_if_idle() {
            return Err(VaultError::Locked);
        }
        let vault = self.vault.as_mut().ok_or(VaultError::Locked)?;
        self.last_used = Instant::now();
        f(vault)
    }

    /// Whether psychotherapy notes have their passphrase yet.
    pub fn psychotherapy_set_up(&mut self) -> Result<bool, VaultError> {
        self.with_vault(|v| crate::records::psychotherapy::is_set_up(v))
    }

    /// Sets the psychotherapy-notes passphrase, typed twice: a typo here would
    /// make those notes unreadable for good (the recovery key does not open
    /// them). Unlocks them too.
    pub fn set_up_psychotherapy(
        &mut self,
        passphrase: &Passphrase,
        confirm: &Passphrase,
    ) -> Result<(), VaultError> {
        if passphrase.expose() != confirm.expose() {
            return Err(VaultError::Invalid(
                "the two passphrases differ; type the same one twice".into(),
            ));
        }
        let kdf = self.kdf;
        let key = self.with_vault(|v| crate::records::psychotherapy::set_up(v, passphrase, kdf))?;
        self.psychotherapy = Some(key);
        Ok(())
    }

    /// The extra unlock for psychotherapy notes. Held until the vault locks
    /// or [`Session::lock_psychotherapy`].
    pub fn unlock_psychotherapy(&mut self, passphrase: &Passphrase) -> Result<(), VaultError> {
        let key = self.with_vault(|v| crate::records::psychotherapy::unlock(v, passphrase))?;
        self.psychotherapy = Some(key);
        Ok(())
    }

    pub fn lock_psychotherapy(&mut self) {
        self.psychotherapy = None;
    }

    pub fn psychotherapy_unlocked(&self) -> bool {
        self.psychotherapy.is_some()
    }

    /// Runs `f` with the vault and the psychotherapy key, if unlocked.
    pub fn with_psychotherapy<T>(
        &mut self,
        f: impl FnOnce(
            &mut Vault,
            &crate::records::psychotherapy::PsychotherapyKey,
        ) -> Result<T, VaultError>,
    ) -> Result<T, VaultError> {
        let key = self
            .psychotherapy
            .clone()
            .ok_or(VaultError::PsychotherapyLocked)?;
        self.with_vault(|v| f(v, &key))
    }

    /// Re-wraps the vault key under a new passphrase (data is not re-encrypted).
    pub fn change_passphrase(
        &mut self,
        current: &Passphrase,
        new: &Passphrase,
    ) -> Result<(), VaultError> {
        let kdf = self.kdf;
        self.with_vault(|v| v.change_passphrase(current, new, kdf))
    }

    pub fn idle_minutes(&self) -> u32 {
        u32::try_from(self.idle.as_secs() / 60).unwrap_or(u32::MAX)
    }

    /// Sets the idle auto-lock (1 to 240 minutes) and keeps it in the vault.
    pub fn set_idle_minutes(&mut self, minutes: u32) -> Result<(), VaultError> {
        if !(1..=240).contains(&minutes) {
            return Err(VaultError::Invalid(
                "the idle lock must be between 1 and 240 minutes".into(),
            ));
        }
        self.with_vault(|v| v.set_setting(IDLE_SETTING, &minutes.to_string()))?;
        self.idle = Duration::from_secs(u64::from(minutes) * 60);
        Ok(())
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }

    pub fn keystore(&self) -> &dyn KeyStore {
        self.keystore.as_ref()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::vault::NoKeychain;
    use crate::vault::test_support::{PASSPHRASE, quick_kdf};

    #[test]
    fn psychotherapy_notes_take_their_passphrase_twice_then_unlock_with_it() {
        let dir = tempfile::tempdir().unwrap();
        let mut s = Session::new(dir.path(), Arc::new(NoKeychain)).with_kdf(quick_kdf());
        s.create("Dr Test", &Passphrase::new(PASSPHRASE)).unwrap();
        let psy = Passphrase::new("violet harbor kettle sixteen");
        assert!(!s.psychotherapy_set_up().unwrap());
        assert!(matches!(
            s.unlock_psychotherapy(&psy),
            Err(VaultError::PsychotherapyNotSetUp)
        ));
        let typo = Passphrase::new("violet harbor kettle sixteem");
        assert!(matches!(
            s.set_up_psychotherapy(&psy, &typo),
            Err(VaultError::Invalid(_))
        ));
        assert!(
            !s.psychotherapy_set_up().unwrap(),
            "nothing set on a mismatch"
        );
        s.set_up_psychotherapy(&psy, &psy).unwrap();
        assert!(s.psychotherapy_unlocked());
        s.lock();
        assert!(
            !s.psychotherapy_unlocked(),
            "locking the vault locks them too"
        );
        s.unlock(&Passphrase::new(PASSPHRASE)).unwrap();
        assert!(matches!(
            s.unlock_psychotherapy(&typo),
            Err(VaultError::WrongPassphrase)
        ));
        s.unlock_psychotherapy(&psy).unwrap();
        assert!(s.psychotherapy_unlocked());
    }
}
