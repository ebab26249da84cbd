//! The vault screens: onboarding (create or restore), unlock, and the vault
//! part of settings. Presentational: they hold form state and call back; the
//! desktop frontend wires the callbacks to Tauri commands.

pub mod new_passphrase;
pub mod onboarding;
pub mod settings;
pub mod strength_meter;
pub mod unlock;
