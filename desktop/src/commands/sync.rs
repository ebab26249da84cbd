//! Commands of Settings → Sync: enroll this device, add another one, list
//! the practice's devices. The work is in `crate::sync`.

use tauri::AppHandle;

use super::CommandError;
use crate::sync::{self, DeviceRow, PairingCode, SyncState};

#[tauri::command(async)]
pub fn sync_state(app: AppHandle) -> Result<SyncState, CommandError> {
    sync::state(&app)
}

/// Enrolls with an invite (from the relay's admin) or a pairing code (from
/// another device of the same therapist).
#[tauri::command]
pub async fn enroll_device(
    invite_text: String,
    device_name: String,
    app: AppHandle,
) -> Result<SyncState, CommandError> {
    // The text carries a one-time token: zeroed once used, never logged.
    let invite_text = zeroize::Zeroizing::new(invite_text);
    sync::enroll_device(&app, &invite_text, &device_name).await
}

#[tauri::command]
pub async fn pairing_code(app: AppHandle) -> Result<PairingCode, CommandError> {
    sync::pairing_code(&app).await
}

#[tauri::command]
pub async fn sync_devices(app: AppHandle) -> Result<Vec<DeviceRow>, CommandError> {
    sync::devices(&app).await
}
