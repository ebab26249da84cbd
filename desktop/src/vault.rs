//! The app's hold on its vault: one session behind a mutex, status pushed to
//! the frontend as events, and the idle auto-lock timer.

use std::path::PathBuf;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use bloom_core::vault::session::Session;
use bloom_core::vault::{KeyStore, NoKeychain, OsKeychain, Vault};
use bloom_core::vault_status::{Progress, VaultState, VaultStatus};
use serde::Serialize;
use tauri::{AppHandle, Emitter, Manager};

use crate::commands::CommandError;

/// Overrides where the vault lives (tests, several profiles).
pub const DIR_ENV: &str = "BLOOM_VAULT_DIR";
/// The keychain's name for Bloom's entries.
const KEYCHAIN_SERVICE: &str = "org.bloom.desktop";
const STATUS_EVENT: &str = "vault-status";
const PROGRESS_EVENT: &str = "vault-progress";

/// The therapist's time zone: `BLOOM_TZ` (tests), else the system's, else UTC.
pub fn local_zone() -> chrono_tz::Tz {
    std::env::var("BLOOM_TZ")
        .ok()
        .or_else(|| iana_time_zone::get_timezone().ok())
        .and_then(|name| name.parse().ok())
        .unwrap_or(chrono_tz::Tz::UTC)
}

pub struct VaultHolder {
    session: Mutex<Session>,
    /// The user's last activity. Kept here, not in the session: the sync
    /// engine uses the vault every few seconds and `Session::with_vault`
    /// counts every use as activity, which would keep the vault open forever.
    last_activity: Mutex<Instant>,
    app: AppHandle,
}

impl VaultHolder {
    pub fn new(app: &AppHandle) -> tauri::Result<VaultHolder> {
        let dir = match std::env::var_os(DIR_ENV) {
            Some(d) => PathBuf::from(d),
            None => app.path().app_data_dir()?.join("vault"),
        };
        let keystore: Arc<dyn KeyStore> = if std::env::var_os("BLOOM_NO_KEYCHAIN").is_some() {
            Arc::new(NoKeychain)
        } else {
            Arc::new(OsKeychain::new(KEYCHAIN_SERVICE))
        };
        tracing::info!(dir = %dir.display(), "vault location");
        Ok(VaultHolder {
            session: Mutex::new(Session::new(&dir, keystore)),
            last_activity: Mutex::new(Instant::now()),
            app: app.clone(),
        })
    }

    fn guard(&self) -> MutexGuard<'_, Session> {
        // A panic while holding the lock leaves the session usable: its state
        // is always consistent between calls.
        self.session.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn active(&self) {
        *self.last_activity.lock().unwrap_or_else(|p| p.into_inner()) = Instant::now();
    }

    /// Runs `f` on the session, mapping its error for the frontend (counts
    /// as activity).
    pub fn session<T, E: Into<CommandError>>(
        &self,
        f: impl FnOnce(&mut Session) -> Result<T, E>,
    ) -> Result<T, CommandError> {
        self.active();
        f(&mut self.guard()).map_err(Into::into)
    }

    /// Runs `f` on the unlocked vault (counts as activity), then tells the
    /// sync engine to look for changes to upload. Reads nudge it too: that
    /// costs the engine one look at an empty outbox, and no write command
    /// can forget to nudge.
    pub fn vault<T>(
        &self,
        f: impl FnOnce(&mut Vault) -> Result<T, bloom_core::vault::VaultError>,
    ) -> Result<T, CommandError> {
        let out = self.session(|s| s.with_vault(f));
        if out.is_ok() {
            crate::sync::nudge(&self.app);
        }
        out
    }

    /// Runs `f` on the unlocked vault without counting as user activity (for
    /// sync); `None` while the vault is locked.
    pub fn quietly<T>(&self, f: impl FnOnce(&mut Vault) -> T) -> Option<T> {
        let mut session = self.guard();
        if session.state() != VaultState::Unlocked {
            return None;
        }
        let mut out = None;
        // `with_vault` moves the session's own idle clock, which is ignored:
        // the idle lock follows `last_activity`.
        let _ = session.with_vault(|v| {
            out = Some(f(v));
            Ok(())
        });
        out
    }

    pub fn status(&self) -> VaultStatus {
        self.guard().status()
    }

    /// Counts as activity for the idle lock; a locked vault stays locked.
    pub fn touch(&self) {
        let _ = self.session(|s| s.with_vault(|_| Ok(())));
    }

    pub fn lock(&self) {
        self.guard().lock();
        self.announce();
    }

    /// Tells the frontend the vault's state changed, and sync to follow it
    /// (start on unlock, stop on lock).
    pub fn announce(&self) {
        let status = self.status();
        if let Err(e) = self.app.emit(STATUS_EVENT, &status) {
            tracing::warn!(error = %e, "cannot emit vault status");
        }
        crate::sync::follow_vault(&self.app);
    }

    /// Locks if the user has been away longer than the idle setting.
    fn lock_if_idle(&self, session: &mut Session) -> bool {
        if session.state() != VaultState::Unlocked {
            return false;
        }
        let since = self
            .last_activity
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .elapsed();
        if since >= Duration::from_secs(u64::from(session.idle_minutes()) * 60) {
            session.lock();
            return true;
        }
        false
    }

    /// Locks the vault once it has been idle past the setting.
    pub fn spawn_idle_lock(app: AppHandle) {
        tauri::async_runtime::spawn(async move {
            loop {
                tokio::time::sleep(Duration::from_secs(5)).await;
                let Some(holder) = app.try_state::<VaultHolder>() else {
                    continue;
                };
                // Busy (a backup holds the session) is not idle: try again later.
                let locked = match holder.session.try_lock() {
                    Ok(mut session) => holder.lock_if_idle(&mut session),
                    Err(_) => false,
                };
                if locked {
                    tracing::info!("vault locked after being idle");
                    holder.announce();
                }
            }
        });
    }
}

#[derive(Clone, Serialize)]
struct ProgressEvent {
    operation: &'static str,
    #[serde(flatten)]
    progress: Progress,
}

pub fn emit_progress(app: &AppHandle, operation: &'static str, progress: Progress) {
    let _ = app.emit(
        PROGRESS_EVENT,
        ProgressEvent {
            operation,
            progress,
        },
    );
}
