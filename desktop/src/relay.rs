//! Wires bloom-core's relay link into the app: which relay (from the
//! environment), and status changes as events. Once the device is enrolled
//! and unlocked, the sync engine (`crate::sync`) reports instead.

use bloom_core::HasCode;
use bloom_core::sync::client::RelayTarget;
use bloom_core::sync::link::{LinkSettings, RelayLink};
use tauri::{AppHandle, Emitter, Manager};

/// Address (`host:port`) of the relay's QUIC endpoint.
pub const ADDR_ENV: &str = "BLOOM_RELAY_ADDR";
/// The relay certificate fingerprint to pin (`sha256:…`).
pub const FINGERPRINT_ENV: &str = "BLOOM_RELAY_FINGERPRINT";
/// The event the frontend listens to.
const STATUS_EVENT: &str = "relay-status";

pub struct StartedLink {
    pub handle: RelayLink,
    driver: std::pin::Pin<Box<dyn std::future::Future<Output = ()> + Send>>,
}

pub fn start_link() -> StartedLink {
    let addr = std::env::var(ADDR_ENV).ok();
    let fingerprint = std::env::var(FINGERPRINT_ENV).ok();
    let agent = concat!("bloom-desktop/", env!("CARGO_PKG_VERSION"));
    let (handle, driver) = match RelayTarget::from_settings(addr, fingerprint) {
        Ok(target) => {
            let (handle, driver) = RelayLink::new(target, agent, LinkSettings::default());
            (handle, Box::pin(driver) as _)
        }
        Err(e) => {
            tracing::error!(code = %e.code(), error = %e, "relay settings are invalid");
            let handle = RelayLink::failed(e.code());
            (handle, Box::pin(async {}) as _)
        }
    };
    StartedLink { handle, driver }
}

/// Runs the link and forwards every status change to the frontend.
pub fn spawn(link: StartedLink, app: AppHandle) {
    tauri::async_runtime::spawn(link.driver);
    let mut watcher = link.handle;
    tauri::async_runtime::spawn(async move {
        loop {
            let status = watcher.changed().await;
            let Some(status) = status else { break };
            // While the sync engine runs, its status is the one shown.
            if app
                .try_state::<crate::sync::SyncHolder>()
                .is_some_and(|s| s.running())
            {
                continue;
            }
            if let Err(e) = app.emit(STATUS_EVENT, &status) {
                tracing::warn!(error = %e, "cannot emit relay status");
            }
        }
    });
}
