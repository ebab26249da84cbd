//! Stable, machine-readable error codes.
//!
//! Every error type in Bloom maps to a [`Code`]. The UI matches on the code's
//! string form (`frame.truncated`, `relay.pin_mismatch` …), never on message
//! text, so messages can be reworded and translated without breaking anything.

use serde::{Deserialize, Serialize};

/// A stable error code. The string form never changes once released.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(into = "&'static str", try_from = "String")]
#[non_exhaustive]
pub enum Code {
    /// A frame ended before its declared length.
    FrameTruncated,
    /// A frame declared a length above the limit.
    FrameOversized,
    /// A frame declared a length of zero.
    FrameEmpty,
    /// A frame carried a wire version this build does not speak.
    FrameVersion,
    /// A frame's body did not decode as a message.
    FrameMalformed,
    /// Reading or writing a stream failed.
    Io,
    /// The relay address or fingerprint in the settings is not valid.
    RelayConfig,
    /// No relay is configured yet.
    RelayNotConfigured,
    /// The relay could not be reached.
    RelayUnreachable,
    /// The relay presented a certificate other than the pinned one.
    RelayPinMismatch,
    /// The relay answered with something the protocol does not allow.
    RelayProtocol,
    /// The relay refused a request and said why.
    RelayRefused,
    /// No vault exists in the given place.
    VaultNotFound,
    /// A vault already exists where a new one was to be made.
    VaultExists,
    /// The vault is locked; unlock it first.
    VaultLocked,
    /// The passphrase does not open this vault.
    VaultWrongPassphrase,
    /// The passphrase does not meet the rule.
    VaultWeakPassphrase,
    /// The OS keychain has no key for this vault or cannot be reached.
    VaultKeychain,
    /// The vault's files are damaged or not a Bloom vault.
    VaultCorrupt,
    /// Reading or writing the vault's files failed.
    VaultIo,
    /// No record with that id.
    RecordNotFound,
    /// The audit log's hash chain is broken.
    AuditBroken,
    /// An attachment's file is gone.
    AttachmentMissing,
    /// An attachment's file is truncated or was altered.
    AttachmentTampered,
    /// A backup archive is damaged or not a Bloom backup.
    BackupInvalid,
    /// The recovery key or passphrase does not open the backup.
    BackupWrongKey,
    /// Questionnaire answers that cannot be scored.
    AssessmentInvalid,
    /// A signed note cannot change; corrections are addenda.
    NoteSigned,
    /// Psychotherapy notes need their own unlock first.
    PsychotherapyLocked,
    /// Psychotherapy notes have no passphrase yet.
    PsychotherapyNotSetUp,
    /// On-device ML is off: the ONNX Runtime library or a model file is missing.
    MlUnavailable,
    /// A model, tokenizer, head or embedding file is damaged or does not fit.
    MlModel,
    /// Running the model failed.
    MlInference,
    /// This device is not enrolled with the relay yet.
    SyncNotEnrolled,
    /// The invite or pairing code is unknown, used or expired.
    SyncInviteInvalid,
    /// This device was revoked; the relay refuses it.
    SyncDeviceRevoked,
    /// The device may not read or write that document.
    SyncForbidden,
    /// The device is over its storage or upload quota; try later.
    SyncQuota,
    /// Another device already set a different key for this epoch.
    SyncEpochConflict,
    /// The document's key was rotated; seal with the newer key.
    SyncStaleEpoch,
    /// A blob's routing data is malformed or too large.
    SyncBlobInvalid,
    /// A sealed body did not open: damaged, or not for this key.
    SyncSealBroken,
    /// No key for that document and epoch on this device yet.
    SyncKeyMissing,
    /// The relay's storage failed.
    SyncStorage,
    /// Email or password wrong (never says which).
    AccountCredentials,
    /// Too many failed attempts; the account waits before trying again.
    AccountLocked,
    /// Too many requests from this address or for this account.
    AccountRateLimited,
    /// This role must set up a one-time-code app before going on.
    AccountTotpRequired,
    /// The one-time code or recovery code was wrong or already used.
    AccountTotpInvalid,
    /// The invite link is unknown, used or expired.
    AccountInviteInvalid,
    /// The password-reset link is unknown, used or expired.
    AccountResetInvalid,
    /// The new password is too short or too guessable.
    AccountWeakPassword,
    /// The session ended (idle or absolute timeout, or signed out).
    AccountSessionExpired,
    /// A form arrived without the session's CSRF token.
    AccountCsrf,
    /// The role or the object's owner does not allow this.
    AccountForbidden,
    /// A passkey registration or assertion did not verify.
    AccountPasskeyInvalid,
    /// No such portal object for this account (also what another patient's ids answer).
    PortalNotFound,
    /// The slot is not published or was taken.
    PortalSlotUnavailable,
    /// Cancelling is past the practice's notice period.
    PortalCancelTooLate,
    /// A form or assessment is incomplete or out of range.
    PortalFormInvalid,
    /// The client has no portal account yet.
    PortalNotLinked,
    /// A value the user gave is out of range or malformed.
    InvalidInput,
    /// Anything without a more specific code.
    Internal,
}

const ALL: &[Code] = &[
    Code::FrameTruncated,
    Code::FrameOversized,
    Code::FrameEmpty,
    Code::FrameVersion,
    Code::FrameMalformed,
    Code::Io,
    Code::RelayConfig,
    Code::RelayNotConfigured,
    Code::RelayUnreachable,
    Code::RelayPinMismatch,
    Code::RelayProtocol,
    Code::RelayRefused,
    Code::VaultNotFound,
    Code::VaultExists,
    Code::VaultLocked,
    Code::VaultWrongPassphrase,
    Code::VaultWeakPassphrase,
    Code::VaultKeychain,
    Code::VaultCorrupt,
    Code::VaultIo,
    Code::RecordNotFound,
    Code::AuditBroken,
    Code::AttachmentMissing,
    Code::AttachmentTampered,
    Code::BackupInvalid,
    Code::BackupWrongKey,
    Code::AssessmentInvalid,
    Code::NoteSigned,
    Code::PsychotherapyLocked,
    Code::PsychotherapyNotSetUp,
    Code::MlUnavailable,
    Code::MlModel,
    Code::MlInference,
    Code::SyncNotEnrolled,
    Code::SyncInviteInvalid,
    Code::SyncDeviceRevoked,
    Code::SyncForbidden,
    Code::SyncQuota,
    Code::SyncEpochConflict,
    Code::SyncStaleEpoch,
    Code::SyncBlobInvalid,
    Code::SyncSealBroken,
    Code::SyncKeyMissing,
    Code::SyncStorage,
    Code::AccountCredentials,
    Code::AccountLocked,
    Code::AccountRateLimited,
    Code::AccountTotpRequired,
    Code::AccountTotpInvalid,
    Code::AccountInviteInvalid,
    Code::AccountResetInvalid,
    Code::AccountWeakPassword,
    Code::AccountSessionExpired,
    Code::AccountCsrf,
    Code::AccountForbidden,
    Code::AccountPasskeyInvalid,
    Code::PortalNotFound,
    Code::PortalSlotUnavailable,
    Code::PortalCancelTooLate,
    Code::PortalFormInvalid,
    Code::PortalNotLinked,
    Code::InvalidInput,
    Code::Internal,
];

impl Code {
    /// The stable string form, `area.reason`.
    pub const fn as_str(self) -> &'static str {
        match self {
            Code::FrameTruncated => "frame.truncated",
            Code::FrameOversized => "frame.oversized",
            Code::FrameEmpty => "frame.empty",
            Code::FrameVersion => "frame.unsupported_version",
            Code::FrameMalformed => "frame.malformed",
            Code::Io => "io",
            Code::RelayConfig => "relay.config",
            Code::RelayNotConfigured => "relay.not_configured",
            Code::RelayUnreachable => "relay.unreachable",
            Code::RelayPinMismatch => "relay.pin_mismatch",
            Code::RelayProtocol => "relay.protocol",
            Code::RelayRefused => "relay.refused",
            Code::VaultNotFound => "vault.not_found",
            Code::VaultExists => "vault.exists",
            Code::VaultLocked => "vault.locked",
            Code::VaultWrongPassphrase => "vault.wrong_passphrase",
            Code::VaultWeakPassphrase => "vault.weak_passphrase",
            Code::VaultKeychain => "vault.keychain",
            Code::VaultCorrupt => "vault.corrupt",
            Code::VaultIo => "vault.io",
            Code::RecordNotFound => "record.not_found",
            Code::AuditBroken => "audit.broken",
            Code::AttachmentMissing => "attachment.missing",
            Code::AttachmentTampered => "attachment.tampered",
            Code::BackupInvalid => "backup.invalid",
            Code::BackupWrongKey => "backup.wrong_key",
            Code::AssessmentInvalid => "assessment.invalid",
            Code::NoteSigned => "note.signed",
            Code::PsychotherapyLocked => "psychotherapy.locked",
            Code::PsychotherapyNotSetUp => "psychotherapy.not_set_up",
            Code::MlUnavailable => "ml.unavailable",
            Code::MlModel => "ml.model",
            Code::MlInference => "ml.inference",
            Code::SyncNotEnrolled => "sync.not_enrolled",
            Code::SyncInviteInvalid => "sync.invite_invalid",
            Code::SyncDeviceRevoked => "sync.device_revoked",
            Code::SyncForbidden => "sync.forbidden",
            Code::SyncQuota => "sync.quota",
            Code::SyncEpochConflict => "sync.epoch_conflict",
            Code::SyncStaleEpoch => "sync.stale_epoch",
            Code::SyncBlobInvalid => "sync.blob_invalid",
            Code::SyncSealBroken => "sync.seal_broken",
            Code::SyncKeyMissing => "sync.key_missing",
            Code::SyncStorage => "sync.storage",
            Code::AccountCredentials => "account.invalid_credentials",
            Code::AccountLocked => "account.locked",
            Code::AccountRateLimited => "account.rate_limited",
            Code::AccountTotpRequired => "account.totp_required",
            Code::AccountTotpInvalid => "account.totp_invalid",
            Code::AccountInviteInvalid => "account.invite_invalid",
            Code::AccountResetInvalid => "account.reset_invalid",
            Code::AccountWeakPassword => "account.weak_password",
            Code::AccountSessionExpired => "account.session_expired",
            Code::AccountCsrf => "account.csrf",
            Code::AccountForbidden => "account.forbidden",
            Code::AccountPasskeyInvalid => "account.passkey_invalid",
            Code::PortalNotFound => "portal.not_found",
            Code::PortalSlotUnavailable => "portal.slot_unavailable",
            Code::PortalCancelTooLate => "portal.cancel_too_late",
            Code::PortalFormInvalid => "portal.form_invalid",
            Code::PortalNotLinked => "portal.not_linked",
            Code::InvalidInput => "input.invalid",
            Code::Internal => "internal",
        }
    }

    /// Parses the string form back; unknown strings give `None`.
    pub fn parse(s: &str) -> Option<Code> {
        ALL.iter().copied().find(|c| c.as_str() == s)
    }
}

impl std::fmt::Display for Code {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl From<Code> for &'static str {
    fn from(c: Code) -> Self {
        c.as_str()
    }
}

impl TryFrom<String> for Code {
    type Error = String;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        Code::parse(&s).ok_or_else(|| format!("unknown error code {s:?}"))
    }
}

/// Implemented by every error type that can reach a user or another program.
pub trait HasCode {
    fn code(&self) -> Code;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_code_round_trips_through_its_string() {
        for code in ALL {
            assert_eq!(Code::parse(code.as_str()), Some(*code));
            let json = serde_json_like(*code);
            assert_eq!(json, code.as_str());
        }
    }

    #[test]
    fn codes_are_unique() {
        let mut seen = std::collections::HashSet::new();
        for code in ALL {
            assert!(seen.insert(code.as_str()), "duplicate code {code}");
        }
    }

    #[test]
    fn unknown_code_is_rejected() {
        assert_eq!(Code::parse("no.such_code"), None);
    }

    fn serde_json_like(code: Code) -> &'static str {
        code.into()
    }
}
