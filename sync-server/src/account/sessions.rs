//! Signed-in sessions. The browser holds a random 32-byte id; the table
//! holds its SHA-256, so a copy of the database signs nobody in.

use bloom_core::account::session::Stage;
use bloom_core::account::token::OneTimeToken;
use rusqlite::{Connection, OptionalExtension, params};

use super::AccountStoreError;

/// A session as stored.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Session {
    pub id_sha256: [u8; 32],
    pub account_id: String,
    pub stage: Stage,
    pub created_ms: i64,
    pub last_seen_ms: i64,
}

/// Starts a session; returns the id for the cookie (never stored).
pub fn create(
    conn: &Connection,
    account_id: &str,
    stage: Stage,
    now_ms: i64,
) -> Result<OneTimeToken, AccountStoreError> {
    let id = OneTimeToken::generate()?;
    conn.execute(
        "INSERT INTO account_sessions (id_sha256, account_id, stage, created_ms, last_seen_ms) \
         VALUES (?1, ?2, ?3, ?4, ?4)",
        params![id.sha256().as_slice(), account_id, stage.as_str(), now_ms],
    )?;
    Ok(id)
}

/// The session whose id hashes to `id_sha256`.
pub fn find(conn: &Connection, id_sha256: &[u8; 32]) -> Result<Option<Session>, AccountStoreError> {
    let row = conn
        .query_row(
            "SELECT account_id, stage, created_ms, last_seen_ms FROM account_sessions WHERE id_sha256 = ?1",
            [id_sha256.as_slice()],
            |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?, r.get(2)?, r.get(3)?)),
        )
        .optional()?;
    Ok(
        row.and_then(|(account_id, stage, created_ms, last_seen_ms)| {
            Some(Session {
                id_sha256: *id_sha256,
                account_id,
                stage: Stage::parse(&stage)?,
                created_ms,
                last_seen_ms,
            })
        }),
    )
}

pub fn touch(
    conn: &Connection,
    id_sha256: &[u8; 32],
    now_ms: i64,
) -> Result<(), AccountStoreError> {
    conn.execute(
        "UPDATE account_sessions SET last_seen_ms = ?2 WHERE id_sha256 = ?1",
        params![id_sha256.as_slice(), now_ms],
    )?;
    Ok(())
}

/// Replaces a session by a new one with a new id (privilege change): the
/// old id stops working and the new one keeps the creation time.
pub fn rotate(
    conn: &Connection,
    old: &Session,
    stage: Stage,
    now_ms: i64,
) -> Result<OneTimeToken, AccountStoreError> {
    delete(conn, &old.id_sha256)?;
    let id = OneTimeToken::generate()?;
    conn.execute(
        "INSERT INTO account_sessions (id_sha256, account_id, stage, created_ms, last_seen_ms) \
         VALUES (?1, ?2, ?3, ?4, ?5)",
        params![
            id.sha256().as_slice(),
            old.account_id,
            stage.as_str(),
            old.created_ms,
            now_ms
        ],
    )?;
    Ok(id)
}

pub fn delete(conn: &Connection, id_sha256: &[u8; 32]) -> Result<(), AccountStoreError> {
    conn.execute(
        "DELETE FROM account_sessions WHERE id_sha256 = ?1",
        [id_sha256.as_slice()],
    )?;
    Ok(())
}

/// Ends every session of an account (password reset).
pub fn delete_for_account(conn: &Connection, account_id: &str) -> Result<usize, AccountStoreError> {
    Ok(conn.execute(
        "DELETE FROM account_sessions WHERE account_id = ?1",
        [account_id],
    )?)
}
