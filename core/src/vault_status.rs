//! What the app shows about its vault: plain data, also used by the wasm
//! frontend (which cannot build the vault itself).

use serde::{Deserialize, Serialize};

/// Where the vault stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum VaultState {
    /// First run: onboarding creates (or restores) the vault.
    NoVault,
    Locked,
    Unlocked,
}

/// The vault state plus what the screens need with it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct VaultStatus {
    pub state: VaultState,
    /// Minutes of inactivity before the vault locks itself.
    pub idle_minutes: u32,
    /// Whether the OS keychain holds this vault's key (unlock without typing).
    pub keychain: bool,
}

/// A passphrase's strength, for the meter on the onboarding screen.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Strength {
    /// 0 (weak) to 4 (very strong).
    pub score: u8,
    /// Whether the passphrase meets the rule.
    pub acceptable: bool,
    /// Why not, or how to improve it; empty when acceptable.
    pub hints: Vec<String>,
}

/// Progress of a backup or restore, in bytes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Progress {
    pub done: u64,
    pub total: u64,
}

impl Progress {
    /// Whole percent done, 0 to 100.
    pub fn percent(&self) -> u8 {
        if self.total == 0 {
            return 100;
        }
        ((self.done.min(self.total) * 100) / self.total) as u8
    }
}
