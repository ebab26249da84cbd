//! Accounts on the web side: storage of accounts, sessions, invites, reset
//! links and recovery codes (tables in the web store), the mailer, the
//! per-IP rate limiter and the demo accounts. The rules themselves
//! (hashing, TOTP, timeouts, lockout) live in `bloom_core::account`.
//!
//! - [`store`]: accounts and their failure counters, TOTP and passwords.
//! - [`sessions`]: signed-in sessions, stored by the SHA-256 of their id.
//! - [`invite`]: member and patient invites and signing up with one.
//! - [`reset`]: password-reset links.
//! - [`recovery`]: recovery codes.
//! - [`passkeys`]: passkeys and their one-time challenges.
//! - [`mail`]: SMTP, or `data_dir/outbox/*.eml` without it.
//! - [`limiter`]: the in-memory per-IP token bucket.
//! - [`demo`]: demo accounts for `scripts/run.sh`.

pub mod demo;
pub mod invite;
pub mod limiter;
pub mod mail;
pub mod passkeys;
pub mod recovery;
pub mod reset;
pub mod sessions;
pub mod store;

use bloom_core::account::AccountError;
use bloom_core::{Code, HasCode};

use crate::webstore::WebStoreError;

pub use store::Account;

/// The tables, in creation order.
pub const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS accounts (
    id TEXT PRIMARY KEY,
    email TEXT NOT NULL UNIQUE,
    role TEXT NOT NULL CHECK (role IN ('patient', 'therapist', 'admin')),
    display_name TEXT NOT NULL,
    member TEXT,
    portal_client TEXT UNIQUE,
    invited_by TEXT,
    password_hash TEXT NOT NULL,
    totp_secret BLOB,
    totp_pending BLOB,
    totp_last_step INTEGER,
    failed_attempts INTEGER NOT NULL DEFAULT 0,
    locked_until_ms INTEGER,
    created_ms INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS account_recovery_codes (
    account_id TEXT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    code_sha256 BLOB NOT NULL,
    used_ms INTEGER,
    PRIMARY KEY (account_id, code_sha256)
);
CREATE TABLE IF NOT EXISTS account_sessions (
    id_sha256 BLOB PRIMARY KEY,
    account_id TEXT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    stage TEXT NOT NULL,
    created_ms INTEGER NOT NULL,
    last_seen_ms INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS account_sessions_account ON account_sessions (account_id);
CREATE TABLE IF NOT EXISTS account_invites (
    token_sha256 BLOB PRIMARY KEY,
    role TEXT NOT NULL CHECK (role IN ('patient', 'therapist', 'admin')),
    member TEXT NOT NULL,
    portal_client TEXT,
    display_name TEXT,
    email TEXT,
    expires_ms INTEGER NOT NULL,
    created_ms INTEGER NOT NULL,
    used_ms INTEGER
);
CREATE TABLE IF NOT EXISTS account_resets (
    token_sha256 BLOB PRIMARY KEY,
    account_id TEXT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    expires_ms INTEGER NOT NULL,
    used_ms INTEGER
);
";

/// What account storage refuses. Messages name no secret and no address.
#[derive(Debug, thiserror::Error)]
pub enum AccountStoreError {
    #[error(transparent)]
    Store(#[from] WebStoreError),
    #[error(transparent)]
    Rule(#[from] AccountError),
    #[error("the invite link is unknown, used or expired")]
    InviteInvalid,
    #[error("the reset link is unknown, used or expired")]
    ResetInvalid,
    #[error("an account with that email already exists")]
    EmailTaken,
    #[error("{0}")]
    Invalid(&'static str),
}

impl From<rusqlite::Error> for AccountStoreError {
    fn from(e: rusqlite::Error) -> Self {
        AccountStoreError::Store(e.into())
    }
}

impl HasCode for AccountStoreError {
    fn code(&self) -> Code {
        match self {
            AccountStoreError::Store(e) => e.code(),
            AccountStoreError::Rule(e) => e.code(),
            AccountStoreError::InviteInvalid => Code::AccountInviteInvalid,
            AccountStoreError::ResetInvalid => Code::AccountResetInvalid,
            AccountStoreError::EmailTaken | AccountStoreError::Invalid(_) => Code::InvalidInput,
        }
    }
}

/// A new random account id (32 hex digits).
pub(crate) fn new_id() -> Result<String, AccountStoreError> {
    let mut bytes = [0u8; 16];
    ring::rand::SecureRandom::fill(&ring::rand::SystemRandom::new(), &mut bytes)
        .map_err(|_| AccountError::Random)?;
    Ok(bloom_core::hex::encode(&bytes))
}

/// Checks a display name or member name: 1 to 100 printable characters.
pub(crate) fn check_name(name: &str, what: &'static str) -> Result<String, AccountStoreError> {
    let name = name.trim();
    if name.is_empty() || name.chars().count() > 100 || name.chars().any(char::is_control) {
        return Err(AccountStoreError::Invalid(what));
    }
    Ok(name.to_owned())
}
