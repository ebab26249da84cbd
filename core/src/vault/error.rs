//! What can go wrong with the vault. Messages never contain record contents,
//! keys or passphrases.

use crate::{Code, HasCode};

#[derive(Debug, thiserror::Error)]
pub enum VaultError {
    #[error("no vault at {0}")]
    NotFound(String),
    #[error("a vault already exists at {0}")]
    Exists(String),
    #[error("the vault is locked")]
    Locked,
    #[error("wrong passphrase")]
    WrongPassphrase,
    #[error("passphrase too weak: {0}")]
    WeakPassphrase(String),
    #[error("keychain: {0}")]
    Keychain(String),
    #[error("the vault is damaged: {0}")]
    Corrupt(String),
    #[error("cannot access {path}: {message}")]
    Io { path: String, message: String },
    #[error("no record {0}")]
    RecordNotFound(String),
    #[error("audit log broken at entry {seq}: {reason}")]
    AuditBroken { seq: i64, reason: String },
    #[error("attachment {0} is missing")]
    AttachmentMissing(String),
    #[error("attachment {0} is truncated or was altered")]
    AttachmentTampered(String),
    #[error("not a valid backup: {0}")]
    BackupInvalid(String),
    #[error("the recovery key or passphrase does not open this backup")]
    BackupWrongKey,
    #[error("note {0} is signed; add an addendum instead")]
    NoteSigned(String),
    #[error("psychotherapy notes are locked")]
    PsychotherapyLocked,
    #[error("psychotherapy notes have no passphrase yet")]
    PsychotherapyNotSetUp,
    #[error("{0}")]
    Invalid(String),
    #[error("storage error: {0}")]
    Internal(String),
}

impl HasCode for VaultError {
    fn code(&self) -> Code {
        match self {
            VaultError::NotFound(_) => Code::VaultNotFound,
            VaultError::Exists(_) => Code::VaultExists,
            VaultError::Locked => Code::VaultLocked,
            VaultError::WrongPassphrase => Code::VaultWrongPassphrase,
            VaultError::WeakPassphrase(_) => Code::VaultWeakPassphrase,
            VaultError::Keychain(_) => Code::VaultKeychain,
            VaultError::Corrupt(_) => Code::VaultCorrupt,
            VaultError::Io { .. } => Code::VaultIo,
            VaultError::RecordNotFound(_) => Code::RecordNotFound,
            VaultError::AuditBroken { .. } => Code::AuditBroken,
            VaultError::AttachmentMissing(_) => Code::AttachmentMissing,
            VaultError::AttachmentTampered(_) => Code::AttachmentTampered,
            VaultError::BackupInvalid(_) => Code::BackupInvalid,
            VaultError::BackupWrongKey => Code::BackupWrongKey,
            VaultError::NoteSigned(_) => Code::NoteSigned,
            VaultError::PsychotherapyLocked => Code::PsychotherapyLocked,
            VaultError::PsychotherapyNotSetUp => Code::PsychotherapyNotSetUp,
            VaultError::Invalid(_) => Code::InvalidInput,
            VaultError::Internal(_) => Code::Internal,
        }
    }
}

impl VaultError {
    pub(crate) fn io(path: &std::path::Path, e: impl std::fmt::Display) -> VaultError {
        VaultError::Io {
            path: path.display().to_string(),
            message: e.to_string(),
        }
    }
}

/// SQLite errors carry SQL text at most, never bound parameters, so their
/// message is safe to keep. The code decides what the user is told: a full disk
/// is not a damaged vault.
impl From<rusqlite::Error> for VaultError {
    fn from(e: rusqlite::Error) -> VaultError {
        use rusqlite::ErrorCode as C;
        match &e {
            rusqlite::Error::SqliteFailure(f, _) => match f.code {
                C::DatabaseCorrupt | C::NotADatabase => VaultError::Corrupt(e.to_string()),
                C::DiskFull
                | C::SystemIoFailure
                | C::ReadOnly
                | C::CannotOpen
                | C::PermissionDenied
                | C::DatabaseBusy
                | C::DatabaseLocked => VaultError::Io {
                    path: "vault.db".into(),
                    message: e.to_string(),
                },
                _ => VaultError::Internal(e.to_string()),
            },
            _ => VaultError::Internal(e.to_string()),
        }
    }
}
