//! Accounts on the relay's web side: the pure rules, with no storage and no
//! HTTP (the relay keeps accounts in its web store and serves the pages).
//!
//! - [`Role`]: patient, therapist or admin, and which roles must use TOTP.
//! - [`secret`]: passwords and other secrets that never print.
//! - [`password`]: the password rule and Argon2id hashing.
//! - [`totp`]: RFC 6238 one-time codes; [`recovery`]: single-use recovery codes.
//! - [`token`]: random one-time tokens (invites, resets, session ids) and their hashes.
//! - [`session`]: idle and absolute timeouts.
//! - [`lockout`]: how many failures lock an account, and for how long.
//! - [`csrf`]: form tokens bound to a session or a pre-session cookie.
//! - [`email`]: normalising and checking email addresses.
//! - [`passkey`]: WebAuthn registration and assertion checks (ES256 only).

pub mod csrf;
pub mod email;
pub mod lockout;
pub mod passkey;
pub mod password;
pub mod recovery;
pub mod secret;
pub mod session;
pub mod token;
pub mod totp;

use crate::{Code, HasCode};

/// Who an account belongs to.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Role {
    Patient,
    Therapist,
    Admin,
}

impl Role {
    pub const ALL: [Role; 3] = [Role::Patient, Role::Therapist, Role::Admin];

    /// The stable string stored and shown (`patient`, `therapist`, `admin`).
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Patient => "patient",
            Role::Therapist => "therapist",
            Role::Admin => "admin",
        }
    }

    pub fn parse(s: &str) -> Option<Role> {
        Role::ALL.into_iter().find(|r| r.as_str() == s)
    }

    /// Therapists and admins must sign in with a one-time code as well.
    pub fn requires_totp(self) -> bool {
        !matches!(self, Role::Patient)
    }
}

impl std::fmt::Display for Role {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What the account rules refuse. Messages never carry the secret.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum AccountError {
    #[error("email or password is wrong")]
    Credentials,
    #[error("the password is too short or too easy to guess")]
    WeakPassword,
    #[error("the one-time code is wrong or was already used")]
    TotpInvalid,
    #[error("the link is unknown, used or expired")]
    TokenInvalid,
    #[error("that is not a valid email address")]
    Email,
    #[error("the system random source failed")]
    Random,
    #[error("password hashing failed")]
    Hash,
}

impl HasCode for AccountError {
    fn code(&self) -> Code {
        match self {
            AccountError::Credentials => Code::AccountCredentials,
            AccountError::WeakPassword => Code::AccountWeakPassword,
            AccountError::TotpInvalid => Code::AccountTotpInvalid,
            AccountError::TokenInvalid => Code::AccountInviteInvalid,
            AccountError::Email => Code::InvalidInput,
            AccountError::Random | AccountError::Hash => Code::Internal,
        }
    }
}

/// Fills `buf` from the OS random source.
pub(crate) fn random(buf: &mut [u8]) -> Result<(), AccountError> {
    getrandom::fill(buf).map_err(|_| AccountError::Random)
}

/// Whether two byte strings are equal, taking the same time wherever they differ.
pub fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// SHA-256 of `data`.
pub fn sha256(data: &[u8]) -> [u8; 32] {
    let digest = ring::digest::digest(&ring::digest::SHA256, data);
    let mut out = [0u8; 32];
    out.copy_from_slice(digest.as_ref());
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn roles_round_trip_and_staff_need_totp() {
        for r in Role::ALL {
            assert_eq!(Role::parse(r.as_str()), Some(r));
        }
        assert_eq!(Role::parse("root"), None);
        assert!(!Role::Patient.requires_totp());
        assert!(Role::Therapist.requires_totp());
        assert!(Role::Admin.requires_totp());
    }
}
