use bloom_core::sync::link::RelayLink;
use bloom_core::sync::status::RelayStatus;

/// The current relay connection status.
#[tauri::command]
pub fn relay_status(link: tauri::State<'_, RelayLink>) -> RelayStatus {
    link.status()
}
