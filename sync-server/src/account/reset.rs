//! Password-reset links: one-time, one hour, stored as SHA-256.

use bloom_core::account::token::OneTimeToken;
use rusqlite::{Connection, OptionalExtension, TransactionBehavior, params};

use super::{AccountStoreError, sessions, store};
use crate::audit::{self, Event};

/// How long a reset link works.
pub const RESET_TTL_MS: i64 = 60 * 60 * 1000;

/// Makes a reset link's token for an account.
pub fn create(
    conn: &Connection,
    account_id: &str,
    now_ms: i64,
) -> Result<OneTimeToken, AccountStoreError> {
    let token = OneTimeToken::generate()?;
    conn.execute(
        "INSERT INTO account_resets (token_sha256, account_id, expires_ms) VALUES (?1, ?2, ?3)",
        params![token.sha256().as_slice(), account_id, now_ms + RESET_TTL_MS],
    )?;
    Ok(token)
}

/// The account a valid (unused, unexpired) link is for.
pub fn find(
    conn: &Connection,
    token: &OneTimeToken,
    now_ms: i64,
) -> Result<String, AccountStoreError> {
    conn.query_row(
        "SELECT account_id FROM account_resets WHERE token_sha256 = ?1 AND used_ms IS NULL AND expires_ms > ?2",
        params![token.sha256().as_slice(), now_ms],
        |r| r.get(0),
    )
    .optional()?
    .ok_or(AccountStoreError::ResetInvalid)
}

/// Sets the new password, spends the link, clears the lockout and ends
/// every session of the account. Returns the account id.
pub fn complete(
    conn: &mut Connection,
    token: &OneTimeToken,
    password_hash: &str,
    now_ms: i64,
    ip: Option<std::net::IpAddr>,
) -> Result<String, AccountStoreError> {
    let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
    let account_id = find(&tx, token, now_ms)?;
    tx.execute(
        "UPDATE account_resets SET used_ms = ?2 WHERE token_sha256 = ?1",
        params![token.sha256().as_slice(), now_ms],
    )?;
    store::set_password_hash(&tx, &account_id, password_hash)?;
    store::clear_failures(&tx, &account_id)?;
    sessions::delete_for_account(&tx, &account_id)?;
    audit::record(
        &tx,
        &Event::new(now_ms, "password.reset")
            .account(&account_id)
            .ip(ip),
    )?;
    tx.commit()?;
    Ok(account_id)
}
