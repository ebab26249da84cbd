//! The relay's storage: devices, invites, the practice's ordered log of
//! sealed blobs, who may read which document, and change notifications.
//!
//! One trait, [`RelayStore`], two backends: [`sqlite`] (SQLCipher, embedded,
//! the default) and [`postgres`] (several relay instances on one database;
//! LISTEN/NOTIFY carries new-entry and revocation news between them). The
//! shared test suite in `tests/store_suite.rs` runs against both.
//!
//! Every rule about the log lives here, once (the trait's docs, and
//! `rules.rs` that both backends consult inside their transactions), so both
//! keep it the same way: idempotent uploads by blob id, read access by
//! document, key epochs, snapshot compaction and per-device quotas. `row.rs`
//! is the entry row both backends store. [`Storage`] is whichever backend
//! [`StorageConfig`] names.

use std::future::Future;

use bloom_core::sync::log::{Blob, DeviceId, DeviceInfo, DocReaders, Entry};
use bloom_core::{Code, HasCode};
use tokio::sync::broadcast;

pub mod postgres;
mod row;
mod rules;
pub mod sqlite;
mod storage;

pub use postgres::PostgresStore;
pub use sqlite::SqliteStore;
pub use storage::{Storage, StorageConfig};

/// Events a slow subscriber may fall behind by before it lags (and re-reads).
const EVENT_BUFFER: usize = 1024;

/// Why the store refused or failed.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The token is unknown, used or expired (one answer for all three, so
    /// the relay does not tell a guesser which).
    #[error("the invite is unknown, used or expired")]
    InviteInvalid,
    #[error("device {0} is already enrolled")]
    AlreadyEnrolled(DeviceId),
    #[error("no device {0}")]
    NoSuchDevice(DeviceId),
    #[error("the storage backend failed: {0}")]
    Backend(String),
}

impl HasCode for StoreError {
    fn code(&self) -> Code {
        match self {
            StoreError::InviteInvalid => Code::SyncInviteInvalid,
            StoreError::AlreadyEnrolled(_) => Code::InvalidInput,
            StoreError::NoSuchDevice(_) => Code::InvalidInput,
            StoreError::Backend(_) => Code::SyncStorage,
        }
    }
}

/// Why one blob of an upload was refused (the others are unaffected).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum BlobRefusal {
    #[error("this device may not write document {0}")]
    Forbidden(String),
    #[error("over quota: {0}")]
    Quota(String),
    #[error("epoch {epoch} of document {doc} already has another key")]
    EpochConflict { doc: String, epoch: u32 },
    #[error("document {doc} is at key epoch {current}; seal with it")]
    StaleEpoch { doc: String, current: u32 },
    #[error("invalid blob: {0}")]
    Invalid(String),
}

impl HasCode for BlobRefusal {
    fn code(&self) -> Code {
        match self {
            BlobRefusal::Forbidden(_) => Code::SyncForbidden,
            BlobRefusal::Quota(_) => Code::SyncQuota,
            BlobRefusal::EpochConflict { .. } => Code::SyncEpochConflict,
            BlobRefusal::StaleEpoch { .. } => Code::SyncStaleEpoch,
            BlobRefusal::Invalid(_) => Code::SyncBlobInvalid,
        }
    }
}

/// What became of one blob of an upload.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Appended {
    Stored { seq: u64 },
    Duplicate { seq: u64 },
    Refused(BlobRefusal),
}

/// Who an invite is for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum InviteKind {
    /// Made by an admin (`bloom-relay invite`): the first device of `member`.
    Admin,
    /// Made by an enrolled device for another device of the same member.
    Pairing { by: DeviceId },
}

#[derive(Debug, Clone)]
pub struct NewInvite {
    /// SHA-256 of the token; the token itself is never stored.
    pub token_hash: [u8; 32],
    pub member: String,
    pub kind: InviteKind,
    pub expires_ms: i64,
    pub created_ms: i64,
}

#[derive(Debug, Clone)]
pub struct NewDevice {
    pub id: DeviceId,
    pub name: String,
    pub age_recipient: String,
    pub pairing_proof: Option<[u8; 32]>,
}

/// Limits the store enforces per device.
#[derive(Debug, Clone, Copy)]
pub struct Quotas {
    /// Bytes of blob bodies a device may have stored in the log.
    pub max_stored_bytes: u64,
    /// The largest blob body accepted.
    pub max_blob_bytes: usize,
}

impl Default for Quotas {
    fn default() -> Self {
        Quotas {
            max_stored_bytes: 1024 * 1024 * 1024,
            max_blob_bytes: 768 * 1024,
        }
    }
}

/// News for the relay's connection handlers: from this instance or (with
/// PostgreSQL) from another instance on the same database.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StoreEvent {
    /// The log grew to `head`.
    Appended { head: u64 },
    /// A device was revoked: cut its connections.
    Revoked(DeviceId),
}

/// The relay's storage. Every method is one transaction.
pub trait RelayStore: Send + Sync + 'static {
    /// Stores an invite.
    fn create_invite(
        &self,
        invite: NewInvite,
    ) -> impl Future<Output = Result<(), StoreError>> + Send;

    /// Consumes the invite whose token hashes to `token_hash` (unused,
    /// `now_ms` before its expiry) and enrolls `device` under its member,
    /// appending a `DeviceEnrolled` entry to the log; all or nothing.
    fn enroll(
        &self,
        token_hash: [u8; 32],
        device: NewDevice,
        now_ms: i64,
    ) -> impl Future<Output = Result<DeviceInfo, StoreError>> + Send;

    /// The device with this id, revoked or not.
    fn device(
        &self,
        id: &DeviceId,
    ) -> impl Future<Output = Result<Option<DeviceInfo>, StoreError>> + Send;

    /// Every device of the practice, in enrollment order.
    fn devices(&self) -> impl Future<Output = Result<Vec<DeviceInfo>, StoreError>> + Send;

    /// Records that the device was seen (connected) at `now_ms`.
    fn touch(
        &self,
        id: &DeviceId,
        now_ms: i64,
    ) -> impl Future<Output = Result<(), StoreError>> + Send;

    /// When each device was last seen.
    fn last_seen(&self) -> impl Future<Output = Result<Vec<(DeviceId, i64)>, StoreError>> + Send;

    /// Marks the device revoked, removes it from every document's readers and
    /// appends a `DeviceRevoked` entry naming the documents it could read and
    /// who still may. Revoking twice is not an error (returns the same docs,
    /// no second entry).
    fn revoke(
        &self,
        id: &DeviceId,
        now_ms: i64,
    ) -> impl Future<Output = Result<Vec<DocReaders>, StoreError>> + Send;

    /// Appends blobs uploaded by `from`, each judged on its own:
    /// - a blob id already stored → `Duplicate` with its sequence number;
    /// - change/snapshot of a document nobody reads yet → the uploader becomes
    ///   its first reader; otherwise the uploader must be a reader;
    /// - a change/snapshot sealed with an epoch older than the document's
    ///   newest key epoch → `StaleEpoch`;
    /// - a key blob: the uploader must be a reader (or the document new); the
    ///   recipient must be an enrolled, unrevoked device and becomes a reader;
    ///   a (doc, epoch) keeps the key id it was first given (`EpochConflict`
    ///   otherwise); epochs only grow;
    /// - a snapshot deletes the document's changes and older snapshots with
    ///   sequence numbers ≤ `covers`;
    /// - over the device's quota or the blob size limit → `Quota`.
    fn append(
        &self,
        from: &DeviceId,
        blobs: Vec<Blob>,
        now_ms: i64,
    ) -> impl Future<Output = Result<Vec<Appended>, StoreError>> + Send;

    /// Up to `limit` entries after `since` that `device` may read, in order:
    /// changes and snapshots of documents it reads, key blobs addressed to it,
    /// and every enrollment and revocation entry.
    fn since(
        &self,
        device: &DeviceId,
        since: u64,
        limit: usize,
    ) -> impl Future<Output = Result<Vec<Entry>, StoreError>> + Send;

    /// The highest sequence number assigned so far (0 when empty).
    fn head(&self) -> impl Future<Output = Result<u64, StoreError>> + Send;

    /// Bytes of blob bodies the device has stored.
    fn stored_bytes(
        &self,
        device: &DeviceId,
    ) -> impl Future<Output = Result<u64, StoreError>> + Send;

    /// News of appends and revocations (including other instances' with
    /// PostgreSQL). A lagging receiver just re-reads from the log.
    fn events(&self) -> broadcast::Receiver<StoreEvent>;
}
