use bloom_core::sync::link::RelayLink;
use bloom_core::sync::status::RelayStatus;

use crate::sync::SyncHolder;

/// The current relay status: the sync engine's while it runs (the device is
/// enrolled and the vault unlocked), else the env-configured link's.
#[tauri::command]
pub fn relay_status(
    link: tauri::State<'_, RelayLink>,
    sync: tauri::State<'_, SyncHolder>,
) -> RelayStatus {
    sync.status().unwrap_or_else(|| link.status())
}
