//! Sync in the app: runs bloom-core's sync engine over the app's vault while
//! the vault is unlocked and enrolled, forwards its status as the relay
//! status, and enrolls this device or makes pairing codes for others.
//!
//! Privacy: invite text, tokens, pairing secrets and keys are never logged;
//! failures are logged and shown by their stable code.

use std::sync::{Arc, Mutex, MutexGuard};

use bloom_core::portal::Publication;
use bloom_core::records::portal;
use bloom_core::replica::{self, DeviceKeys, Enrollment, ReplicaError};
use bloom_core::sync::client::{ClientError, ClientIdentity, RelayTarget};
use bloom_core::sync::engine::{self, EngineSettings, Replica, ReplicaFault, SyncHandle};
use bloom_core::sync::enroll;
use bloom_core::sync::invite::Invite;
use bloom_core::sync::link::RelayLink;
use bloom_core::sync::log::{Blob, BlobId, DeviceInfo, Entry};
use bloom_core::sync::proto::{SealedSubmission, UploadResult};
use bloom_core::sync::status::RelayStatus;
use bloom_core::vault::Vault;
use bloom_core::{Code, HasCode};
use serde::Serialize;
use tauri::{AppHandle, Emitter, Manager};

use crate::commands::CommandError;
use crate::vault::VaultHolder;

/// How the app introduces itself to the relay.
pub const AGENT: &str = concat!("bloom-desktop/", env!("CARGO_PKG_VERSION"));
/// An invite the app enrolls with by itself once the vault is unlocked, if it
/// is not enrolled yet (`scripts/run.sh` sets it for the demo practice).
pub const DEMO_INVITE_ENV: &str = "BLOOM_DEMO_INVITE";
/// The name the demo enrollment gives this device.
const DEMO_DEVICE_NAME: &str = "Demo desktop";
/// Same event as the env-configured link, so the status bar shows either.
const STATUS_EVENT: &str = "relay-status";
/// Entries from other devices were applied: screens may re-read.
const RECEIVED_EVENT: &str = "sync-received";

/// The running engine, if any, and the demo invite not used yet.
#[derive(Default)]
pub struct SyncHolder {
    inner: Mutex<Inner>,
}

#[derive(Default)]
struct Inner {
    engine: Option<Running>,
    /// Bumped on every start and stop, so a stopped engine's status
    /// forwarder never overwrites a newer one's.
    generation: u64,
    demo_invite: Option<String>,
}

struct Running {
    handle: SyncHandle,
    /// The device it syncs as: a vault replaced from a backup may be another.
    device: String,
}

impl SyncHolder {
    pub fn new() -> SyncHolder {
        let demo_invite = std::env::var(DEMO_INVITE_ENV)
            .ok()
            .filter(|t| !t.trim().is_empty());
        SyncHolder {
            inner: Mutex::new(Inner {
                demo_invite,
                ..Inner::default()
            }),
        }
    }

    fn guard(&self) -> MutexGuard<'_, Inner> {
        self.inner.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// The engine's status while it runs (it wins over the env-var link).
    pub fn status(&self) -> Option<RelayStatus> {
        self.guard().engine.as_ref().map(|r| r.handle.status())
    }

    pub fn running(&self) -> bool {
        self.guard().engine.is_some()
    }

    fn stop(&self) -> bool {
        let mut inner = self.guard();
        let Some(engine) = inner.engine.take() else {
            return false;
        };
        engine.handle.stop();
        inner.generation += 1;
        true
    }
}

/// Says local changes may be waiting (after every vault call of a command).
pub fn nudge(app: &AppHandle) {
    if let Some(sync) = app.try_state::<SyncHolder>()
        && let Some(engine) = sync.guard().engine.as_ref()
    {
        engine.handle.nudge();
    }
}

/// Brings sync in line with the vault: running while unlocked and enrolled,
/// stopped while locked. Also uses the demo invite once, if there is one.
pub fn follow_vault(app: &AppHandle) {
    let (Some(sync), Some(vault)) = (
        app.try_state::<SyncHolder>(),
        app.try_state::<VaultHolder>(),
    ) else {
        return;
    };
    let loaded = vault.quietly(|v| -> Result<_, ReplicaError> {
        let Some(enrollment) = replica::enrollment(v)? else {
            return Ok(None);
        };
        let keys = DeviceKeys::load(v)?.ok_or(ReplicaError::NotEnrolled)?;
        Ok(Some((enrollment, identity(&keys))))
    });
    match loaded {
        None => {
            if sync.stop() {
                tracing::info!("sync stopped: the vault is locked");
                emit_link_status(app);
            }
        }
        Some(Ok(Some((enrollment, identity)))) => start(app, &sync, enrollment, identity),
        Some(Ok(None)) => {
            sync.stop();
            let invite = sync.guard().demo_invite.take();
            if let Some(invite) = invite {
                let app = app.clone();
                tauri::async_runtime::spawn(async move {
                    match enroll_device(&app, &invite, DEMO_DEVICE_NAME).await {
                        Ok(_) => tracing::info!("enrolled with the demo invite"),
                        Err(e) => tracing::warn!(code = e.code, "the demo invite did not enroll"),
                    }
                });
            }
        }
        Some(Err(e)) => tracing::warn!(code = %e.code(), "cannot read the enrollment"),
    }
}

/// Starts the engine unless it runs already for this device.
fn start(app: &AppHandle, sync: &SyncHolder, enrollment: Enrollment, identity: ClientIdentity) {
    let device = enrollment.device.id.as_str().to_owned();
    let mut inner = sync.guard();
    match &inner.engine {
        Some(running) if running.device == device => return,
        Some(running) => running.handle.stop(),
        None => {}
    }
    let replica = Arc::new(Mutex::new(AppReplica { app: app.clone() }));
    let (handle, driver) = engine::start(
        enrollment.relay,
        identity,
        AGENT,
        replica,
        EngineSettings::default(),
    );
    tauri::async_runtime::spawn(driver);
    inner.generation += 1;
    let generation = inner.generation;
    let mut changes = handle.watch();
    inner.engine = Some(Running { handle, device });
    drop(inner);
    tracing::info!("sync started");

    let app = app.clone();
    tauri::async_runtime::spawn(async move {
        loop {
            let status = changes.borrow_and_update().clone();
            let current = app
                .try_state::<SyncHolder>()
                .is_some_and(|s| s.guard().generation == generation);
            if !current {
                break;
            }
            if let Err(e) = app.emit(STATUS_EVENT, &status) {
                tracing::warn!(error = %e, "cannot emit sync status");
            }
            // Ends when the engine stops (its sender is dropped).
            if changes.changed().await.is_err() {
                break;
            }
        }
    });
}

/// After the engine stops, the status bar goes back to the env-var link.
fn emit_link_status(app: &AppHandle) {
    if let Some(link) = app.try_state::<RelayLink>() {
        let _ = app.emit(STATUS_EVENT, link.status());
    }
}

fn identity(keys: &DeviceKeys) -> ClientIdentity {
    ClientIdentity {
        cert_der: keys.cert_der().to_vec(),
        key_der: keys.tls_key_pkcs8().to_vec(),
    }
}

/// The engine's view of the app's vault: short blocking calls on the
/// session that do not count as user activity, refused while locked.
struct AppReplica {
    app: AppHandle,
}

impl AppReplica {
    fn on_vault<T>(
        &self,
        f: impl FnOnce(&mut Vault) -> Result<T, ReplicaFault>,
    ) -> Result<T, ReplicaFault> {
        let vault = self.app.try_state::<VaultHolder>().ok_or(ReplicaFault {
            code: Code::Internal,
        })?;
        vault.quietly(f).unwrap_or(Err(ReplicaFault {
            code: Code::VaultLocked,
        }))
    }
}

impl Replica for AppReplica {
    fn cursor(&mut self) -> Result<u64, ReplicaFault> {
        self.on_vault(Replica::cursor)
    }

    fn apply(&mut self, entries: &[Entry]) -> Result<bool, ReplicaFault> {
        let rewound = self.on_vault(|v| Replica::apply(v, entries))?;
        let _ = self.app.emit(RECEIVED_EVENT, entries.len());
        Ok(rewound)
    }

    fn outgoing(
        &mut self,
        max_blobs: usize,
        max_blob_bytes: usize,
    ) -> Result<Vec<Blob>, ReplicaFault> {
        self.on_vault(|v| Replica::outgoing(v, max_blobs, max_blob_bytes))
    }

    fn acknowledge(&mut self, results: &[(BlobId, UploadResult)]) -> Result<(), ReplicaFault> {
        self.on_vault(|v| Replica::acknowledge(v, results))
    }

    fn pending_uploads(&mut self) -> Result<u64, ReplicaFault> {
        self.on_vault(Replica::pending_uploads)
    }

    fn resume(&mut self) -> Result<(), ReplicaFault> {
        self.on_vault(Replica::resume)
    }

    fn portal_outgoing(&mut self, max: usize) -> Result<Vec<(i64, Publication)>, ReplicaFault> {
        self.on_vault(|v| Replica::portal_outgoing(v, max))
    }

    fn portal_sent(&mut self, ords: &[i64], refused: Option<&str>) -> Result<(), ReplicaFault> {
        self.on_vault(|v| Replica::portal_sent(v, ords, refused))
    }

    /// Applies what patients submitted, then tells the frontend what arrived
    /// (counts by kind, never content) so it can notify and refresh.
    fn portal_receive(&mut self, items: &[SealedSubmission]) -> Result<Vec<String>, ReplicaFault> {
        let (received, alerts) = self.on_vault(|v| {
            let received =
                portal::receive(v, items).map_err(|e| ReplicaFault { code: e.code() })?;
            // Which clients an alert concerns, for the banner; the alert
            // still shows without them.
            let alerts =
                crate::portal::alert_clients(v, &received.safety_alerts).unwrap_or_default();
            Ok((received, alerts))
        })?;
        if !received.safety_alerts.is_empty() {
            tracing::warn!(
                count = received.safety_alerts.len(),
                "a portal questionnaire raised the safety alert"
            );
        }
        let news = crate::portal::PortalNews::of(&received, alerts);
        if !news.is_empty() {
            crate::portal::announce(&self.app, &news);
            let _ = self.app.emit(RECEIVED_EVENT, news.total());
        }
        Ok(received.done)
    }
}

/// Where this device stands, for Settings → Sync.
#[derive(Clone, Debug, Serialize)]
pub struct SyncState {
    pub enrolled: bool,
    pub device_id: Option<String>,
    pub device_name: Option<String>,
    pub member: Option<String>,
    pub practice: Option<String>,
    pub relay: Option<String>,
}

/// A device of the practice, as Settings lists it.
#[derive(Clone, Debug, Serialize)]
pub struct DeviceRow {
    pub id: String,
    pub name: String,
    pub member: String,
    pub enrolled_ms: i64,
    pub revoked: bool,
    pub this_device: bool,
}

/// A pairing code to paste on the new device. The text holds a one-time
/// token and a secret: shown to the user, never logged.
#[derive(Serialize)]
pub struct PairingCode {
    pub text: String,
    pub expires_ms: i64,
}

impl Drop for PairingCode {
    fn drop(&mut self) {
        zeroize::Zeroize::zeroize(&mut self.text);
    }
}

/// A vault call that counts as activity (the user asked for it), with the
/// replica's errors mapped by code.
fn with_vault<T>(
    app: &AppHandle,
    f: impl FnOnce(&mut Vault) -> Result<T, ReplicaError>,
) -> Result<T, CommandError> {
    let vault = app.try_state::<VaultHolder>().ok_or(internal())?;
    let mut out = None;
    vault.vault(|v| {
        out = Some(f(v));
        Ok(())
    })?;
    match out {
        Some(result) => result.map_err(Into::into),
        None => Err(internal()),
    }
}

fn internal() -> CommandError {
    CommandError {
        code: Code::Internal.as_str(),
        message: "the app is not set up yet".into(),
    }
}

/// A relay failure, by code: a refusal keeps the relay's own code (an
/// expired or used invite is `sync.invite_invalid`), but not its message.
fn relay_error(e: &ClientError) -> CommandError {
    let code = match e {
        ClientError::Refused { code, .. } => Code::parse(code).unwrap_or(Code::RelayRefused),
        other => other.code(),
    };
    CommandError {
        code: code.as_str(),
        message: format!("the relay could not be used ({code})"),
    }
}

/// The current state of this device's enrollment.
pub fn state(app: &AppHandle) -> Result<SyncState, CommandError> {
    let enrollment = with_vault(app, |v| replica::enrollment(v))?;
    Ok(match enrollment {
        Some(e) => SyncState {
            enrolled: true,
            device_id: Some(e.device.id.as_str().to_owned()),
            device_name: Some(e.device.name),
            member: Some(e.device.member),
            practice: Some(e.practice),
            relay: Some(e.relay.addr),
        },
        None => SyncState {
            enrolled: false,
            device_id: None,
            device_name: None,
            member: None,
            practice: None,
            relay: None,
        },
    })
}

/// Enrolls this device with an invite or pairing code, keeps the enrollment
/// and the practice's devices in the vault, and starts syncing.
pub async fn enroll_device(
    app: &AppHandle,
    invite_text: &str,
    device_name: &str,
) -> Result<SyncState, CommandError> {
    let invite: Invite = invite_text.parse()?;
    let name = device_name.trim();
    if name.is_empty() {
        return Err(CommandError {
            code: Code::InvalidInput.as_str(),
            message: "give this device a name".into(),
        });
    }
    let keys = with_vault(app, |v| {
        if replica::enrollment(v)?.is_some() {
            return Ok(None);
        }
        DeviceKeys::load_or_create(v).map(Some)
    })?
    .ok_or_else(|| CommandError {
        code: "sync.already_enrolled",
        message: "this device is already enrolled".into(),
    })?;
    let enrolled = enroll::enroll(&invite, identity(&keys), &keys.age_recipient(), name, AGENT)
        .await
        .map_err(|e| relay_error(&e))?;
    let enrollment = Enrollment {
        relay: invite.relay.clone(),
        practice: enrolled.practice,
        device: enrolled.device,
    };
    with_vault(app, |v| {
        replica::save_enrollment(v, &enrollment)?;
        replica::set_devices(v, &enrolled.devices)
    })?;
    tracing::info!("this device is enrolled");
    follow_vault(app);
    state(app)
}

fn enrolled_identity(app: &AppHandle) -> Result<(RelayTarget, ClientIdentity), CommandError> {
    with_vault(app, |v| {
        let enrollment = replica::enrollment(v)?.ok_or(ReplicaError::NotEnrolled)?;
        let keys = DeviceKeys::load(v)?.ok_or(ReplicaError::NotEnrolled)?;
        Ok((enrollment.relay, identity(&keys)))
    })
}

/// Asks the relay for a pairing code and keeps its secret to check the new
/// device's proof when it shows up.
pub async fn pairing_code(app: &AppHandle) -> Result<PairingCode, CommandError> {
    let (relay, identity) = enrolled_identity(app)?;
    let invite = enroll::pairing_code(&relay, identity, AGENT)
        .await
        .map_err(|e| relay_error(&e))?;
    let secret = invite.pairing_secret.ok_or_else(internal)?;
    with_vault(app, |v| {
        replica::remember_pairing(v, &invite.token, &secret, invite.expires_ms)
    })?;
    Ok(PairingCode {
        text: invite.to_text(),
        expires_ms: invite.expires_ms,
    })
}

/// The practice's devices: from the relay while sync is connected (and the
/// vault's copy updated), else as this device last knew them.
pub async fn devices(app: &AppHandle) -> Result<Vec<DeviceRow>, CommandError> {
    let connected = app
        .try_state::<SyncHolder>()
        .and_then(|s| s.status())
        .is_some_and(|s| {
            matches!(
                s,
                RelayStatus::Connected { .. } | RelayStatus::Syncing { .. }
            )
        });
    let me = with_vault(app, |v| replica::enrollment(v))?.map(|e| e.device.id);
    let mut list = None;
    if connected {
        let (relay, identity) = enrolled_identity(app)?;
        match enroll::devices(&relay, identity, AGENT).await {
            Ok(devices) => {
                with_vault(app, |v| replica::set_devices(v, &devices))?;
                list = Some(devices);
            }
            // The vault's copy is still worth showing.
            Err(e) => tracing::info!(code = %e.code(), "device list from the vault"),
        }
    }
    let list = match list {
        Some(l) => l,
        None => with_vault(app, |v| replica::devices(v))?,
    };
    Ok(list
        .into_iter()
        .map(|d: DeviceInfo| DeviceRow {
            this_device: me.as_ref() == Some(&d.id),
            id: d.id.as_str().to_owned(),
            name: d.name,
            member: d.member,
            enrolled_ms: d.enrolled_ms,
            revoked: d.revoked_ms.is_some(),
        })
        .collect())
}
