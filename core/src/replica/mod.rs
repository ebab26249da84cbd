//! The device side of sync: the vault's replica of the practice's log.
//!
//! The network engine (`sync::engine`) drives it with three calls and does
//! all the talking to the relay:
//!
//! - [`apply`]: entries received from the relay, in one vault transaction
//!   with the cursor (a crash re-applies cleanly; applying twice is harmless);
//! - [`outgoing`]: blobs to upload, sealed with each document's current key;
//! - [`acknowledge`]: the relay's answer for each uploaded blob.
//!
//! Everything it keeps lives in the vault (schema version 8): device keys,
//! document keys per epoch, the outbox, entries waiting for a key, the
//! practice's devices as this device knows them. See [`seal`] for the
//! cryptography and [`identity`] for this device's keys and enrollment.
//!
//! The relay never sees a record id: a document is named there (and in the
//! replica's own tables) by its sync id, [`sync_doc_id`] of the record id,
//! and the record id travels inside the sealed body. Record ids appear only
//! where the app reads them: [`Applied::docs_changed`], [`unprojected`],
//! [`UploadError::doc`].

mod ack;
mod apply;
pub mod identity;
mod outgoing;
pub mod seal;
mod state;

use crate::sync::log::DeviceInfo;
use crate::vault::{Vault, VaultError};
use crate::{Code, HasCode};

pub use ack::acknowledge;
pub use apply::{Applied, Rejected, apply};
pub use identity::{DeviceKeys, Enrollment, enrollment, remember_pairing, save_enrollment};
pub use outgoing::{Limits, outgoing};
pub use seal::sync_doc_id;

/// Changes of one document since its last snapshot after which a device
/// uploads a new snapshot, so the relay can drop them.
pub const SNAPSHOT_AFTER: u32 = 64;

/// What can go wrong in the replica. Messages never contain keys or
/// document contents.
#[derive(Debug, thiserror::Error)]
pub enum ReplicaError {
    #[error(transparent)]
    Vault(#[from] VaultError),
    #[error("this device is not enrolled with a relay yet")]
    NotEnrolled,
    #[error("a sealed {0} did not open: damaged, moved, or not for this key")]
    SealBroken(&'static str),
    #[error("a key grant's signature does not hold for the certificate it carries")]
    GrantSignature,
    #[error("document {doc} has a change of {bytes} bytes, over the blob limit of {max}")]
    TooLarge {
        doc: String,
        bytes: usize,
        max: usize,
    },
    #[error("invalid sync data: {0}")]
    Invalid(String),
    #[error("cannot make keys: {0}")]
    Crypto(String),
}

impl From<rusqlite::Error> for ReplicaError {
    fn from(e: rusqlite::Error) -> Self {
        ReplicaError::Vault(e.into())
    }
}

impl HasCode for ReplicaError {
    fn code(&self) -> Code {
        match self {
            ReplicaError::Vault(e) => e.code(),
            ReplicaError::NotEnrolled => Code::SyncNotEnrolled,
            ReplicaError::SealBroken(_) | ReplicaError::GrantSignature => Code::SyncSealBroken,
            ReplicaError::TooLarge { .. } | ReplicaError::Invalid(_) => Code::SyncBlobInvalid,
            ReplicaError::Crypto(_) => Code::Internal,
        }
    }
}

/// Something apply refused or found suspicious, kept for the status screen.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Warning {
    pub at_ms: i64,
    /// `seal_broken`, `blob_invalid`, `pairing_proof_invalid`, `key_conflict`,
    /// `key_signature_invalid` (a key blob not signed by the device the log
    /// names as its sender), `key_sender_untrusted` (signed by a device that
    /// may not grant this device keys: unknown, another member's, revoked, or
    /// one whose pairing proof failed), `device_key_changed` (a device
    /// announced again with another age recipient or member: it is no longer
    /// trusted), `recipient_invalid` (a device's age recipient does not
    /// parse: it is given no keys).
    pub kind: String,
    pub code: Code,
    /// The document concerned (its sync id, never the record id), or empty.
    pub doc: String,
    /// The device concerned (sender or new device), or empty.
    pub device: String,
    /// The log entry, or 0.
    pub seq: u64,
}

/// A blob the relay refused for a reason other than a key rotation; it stays
/// in the outbox (no local change is ever dropped) until [`retry_refused`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UploadError {
    /// The record (its id); the sync id for a key blob of a document whose
    /// record this device does not have.
    pub doc: String,
    pub code: Code,
}

/// The last log sequence number applied (where to subscribe from).
pub fn cursor(vault: &Vault) -> Result<u64, ReplicaError> {
    state::cursor(vault.connection())
}

/// Outbox blobs plus documents changed since they were last queued: the
/// engine's "N changes to upload". Blobs the relay refused and documents
/// that could not be prepared are not counted (nothing will move them until
/// [`retry_refused`] or an edit): they are [`upload_errors`].
pub fn pending_uploads(vault: &Vault) -> Result<u64, ReplicaError> {
    let n: i64 = vault.connection().query_row(
        "SELECT (SELECT count(*) FROM sync_outbox WHERE error IS NULL)
              + (SELECT count(*) FROM portal_outbox WHERE error IS NULL)
              + (SELECT count(*) FROM sync_dirty WHERE doc NOT IN
                    (SELECT record FROM sync_docs WHERE error IS NOT NULL AND record IS NOT NULL))",
        [],
        |r| r.get(0),
    )?;
    Ok(n.max(0) as u64)
}

/// Received entries still waiting for a document key (or for earlier changes).
pub fn waiting_entries(vault: &Vault) -> Result<u64, ReplicaError> {
    let n: i64 = vault
        .connection()
        .query_row("SELECT count(*) FROM sync_pending", [], |r| r.get(0))?;
    Ok(n.max(0) as u64)
}

/// Documents stored but not yet in the lists (waiting for their client).
pub fn unprojected(vault: &Vault) -> Result<Vec<String>, ReplicaError> {
    let mut stmt = vault
        .connection()
        .prepare("SELECT doc FROM sync_unprojected ORDER BY doc")?;
    let rows = stmt.query_map([], |r| r.get(0))?;
    Ok(rows.collect::<Result<_, _>>()?)
}

/// Every warning recorded so far, oldest first.
pub fn warnings(vault: &Vault) -> Result<Vec<Warning>, ReplicaError> {
    state::warnings(vault.connection())
}

/// Outbox blobs the relay refused (their error code), oldest first, plus
/// documents whose changes could not be prepared.
pub fn upload_errors(vault: &Vault) -> Result<Vec<UploadError>, ReplicaError> {
    let mut stmt = vault.connection().prepare(
        "SELECT coalesce(o.record, d.record, o.doc), o.error
         FROM sync_outbox o LEFT JOIN sync_docs d ON d.doc = o.doc
         WHERE o.error IS NOT NULL
         UNION ALL SELECT coalesce(record, doc), error FROM sync_docs WHERE error IS NOT NULL",
    )?;
    let rows = stmt.query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?)))?;
    let mut out = vec![];
    for row in rows {
        let (doc, code) = row?;
        let code = Code::parse(&code).unwrap_or(Code::RelayRefused);
        out.push(UploadError { doc, code });
    }
    Ok(out)
}

/// Offers the blobs the relay refused (quota, a transient refusal) again:
/// the engine calls it at the start of every session, and the app when the
/// user asks. They keep their blob ids, so one the relay did store after all
/// is a duplicate to it. (Documents that could not be prepared are tried
/// again on every [`outgoing`] without it.)
pub fn retry_refused(vault: &Vault) -> Result<(), ReplicaError> {
    vault.connection().execute(
        "UPDATE sync_outbox SET error = NULL WHERE error IS NOT NULL",
        [],
    )?;
    Ok(())
}

/// Records the practice's devices as the relay lists them (on connect), so
/// keys can be wrapped to devices enrolled before this one.
pub fn set_devices(vault: &mut Vault, devices: &[DeviceInfo]) -> Result<(), ReplicaError> {
    let tx = vault.transaction()?;
    for device in devices {
        state::upsert_device(&tx, device, 0)?;
    }
    tx.commit()?;
    Ok(())
}

/// The devices this device knows, in enrollment order, with the member and
/// age recipient first seen for each and who paired it.
pub fn devices(vault: &Vault) -> Result<Vec<DeviceInfo>, ReplicaError> {
    state::devices(vault.connection())
}

/// This device as sync needs it: its keys and its enrolled identity.
pub(crate) struct Me {
    keys: DeviceKeys,
    info: DeviceInfo,
}

impl Me {
    fn load(vault: &Vault) -> Result<Me, ReplicaError> {
        let conn = vault.connection();
        let keys = DeviceKeys::load_from(conn)?.ok_or(ReplicaError::NotEnrolled)?;
        let enrolled = identity::enrollment_from(conn)?.ok_or(ReplicaError::NotEnrolled)?;
        if enrolled.device.id != keys.device_id() {
            return Err(ReplicaError::Invalid(
                "the saved enrollment is for another device certificate".into(),
            ));
        }
        Ok(Me {
            keys,
            info: enrolled.device,
        })
    }
}
