//! Passkeys (WebAuthn credentials) and the challenges issued for them.
//!
//! A challenge is bound to what asked for it — the session (adding a passkey)
//! or the pre-session cookie (signing in) — lives [`CHALLENGE_TTL_MS`] and is
//! taken (deleted) by the first attempt that uses it, right or wrong.

use rusqlite::{Connection, OptionalExtension, params};

use super::AccountStoreError;

/// How long a challenge may be answered.
pub const CHALLENGE_TTL_MS: i64 = 5 * 60 * 1000;
/// Passkeys one account may have.
pub const MAX_PER_ACCOUNT: usize = 20;

pub const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS passkeys (
    credential_id BLOB PRIMARY KEY,
    account_id TEXT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    public_key BLOB NOT NULL,
    sign_count INTEGER NOT NULL,
    name TEXT NOT NULL,
    created_ms INTEGER NOT NULL,
    last_used_ms INTEGER
);
CREATE INDEX IF NOT EXISTS passkeys_account ON passkeys (account_id);
CREATE TABLE IF NOT EXISTS passkey_challenges (
    purpose TEXT NOT NULL,
    binding_sha256 BLOB NOT NULL,
    challenge BLOB NOT NULL,
    expires_ms INTEGER NOT NULL,
    PRIMARY KEY (purpose, binding_sha256)
);
";

/// A stored passkey.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Passkey {
    pub credential_id: Vec<u8>,
    pub account_id: String,
    /// SEC1 uncompressed P-256 point.
    pub public_key: Vec<u8>,
    pub sign_count: u32,
    pub name: String,
    pub created_ms: i64,
    pub last_used_ms: Option<i64>,
}

/// What a challenge is for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Purpose {
    Register,
    Login,
}

impl Purpose {
    fn as_str(self) -> &'static str {
        match self {
            Purpose::Register => "register",
            Purpose::Login => "login",
        }
    }
}

/// Stores a new challenge for `binding`, replacing an older one, and drops expired ones.
pub fn issue_challenge(
    conn: &Connection,
    purpose: Purpose,
    binding: &[u8; 32],
    challenge: &[u8],
    now_ms: i64,
) -> Result<(), AccountStoreError> {
    conn.execute(
        "DELETE FROM passkey_challenges WHERE expires_ms <= ?1",
        [now_ms],
    )?;
    conn.execute(
        "INSERT OR REPLACE INTO passkey_challenges (purpose, binding_sha256, challenge, expires_ms) \
         VALUES (?1, ?2, ?3, ?4)",
        params![
            purpose.as_str(),
            binding.as_slice(),
            challenge,
            now_ms + CHALLENGE_TTL_MS
        ],
    )?;
    Ok(())
}

/// Takes the live challenge for `binding` (it is deleted either way).
pub fn take_challenge(
    conn: &Connection,
    purpose: Purpose,
    binding: &[u8; 32],
    now_ms: i64,
) -> Result<Option<Vec<u8>>, AccountStoreError> {
    let found: Option<(Vec<u8>, i64)> = conn
        .query_row(
            "SELECT challenge, expires_ms FROM passkey_challenges \
             WHERE purpose = ?1 AND binding_sha256 = ?2",
            params![purpose.as_str(), binding.as_slice()],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .optional()?;
    conn.execute(
        "DELETE FROM passkey_challenges WHERE purpose = ?1 AND binding_sha256 = ?2",
        params![purpose.as_str(), binding.as_slice()],
    )?;
    Ok(found.and_then(|(c, expires)| (now_ms < expires).then_some(c)))
}

const COLUMNS: &str =
    "credential_id, account_id, public_key, sign_count, name, created_ms, last_used_ms";

fn from_row(r: &rusqlite::Row) -> rusqlite::Result<Passkey> {
    Ok(Passkey {
        credential_id: r.get(0)?,
        account_id: r.get(1)?,
        public_key: r.get(2)?,
        sign_count: r.get(3)?,
        name: r.get(4)?,
        created_ms: r.get(5)?,
        last_used_ms: r.get(6)?,
    })
}

/// Adds a passkey; refuses a credential id already stored.
pub fn add(conn: &Connection, p: &Passkey) -> Result<(), AccountStoreError> {
    if find(conn, &p.credential_id)?.is_some() {
        return Err(AccountStoreError::Invalid(
            "that passkey is already registered",
        ));
    }
    if list(conn, &p.account_id)?.len() >= MAX_PER_ACCOUNT {
        return Err(AccountStoreError::Invalid("too many passkeys"));
    }
    conn.execute(
        &format!("INSERT INTO passkeys ({COLUMNS}) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)"),
        params![
            p.credential_id,
            p.account_id,
            p.public_key,
            p.sign_count,
            p.name,
            p.created_ms,
            p.last_used_ms
        ],
    )?;
    Ok(())
}

pub fn find(conn: &Connection, credential_id: &[u8]) -> Result<Option<Passkey>, AccountStoreError> {
    Ok(conn
        .query_row(
            &format!("SELECT {COLUMNS} FROM passkeys WHERE credential_id = ?1"),
            [credential_id],
            from_row,
        )
        .optional()?)
}

/// An account's passkeys, oldest first.
pub fn list(conn: &Connection, account_id: &str) -> Result<Vec<Passkey>, AccountStoreError> {
    let mut stmt = conn.prepare(&format!(
        "SELECT {COLUMNS} FROM passkeys WHERE account_id = ?1 ORDER BY created_ms, credential_id"
    ))?;
    let rows = stmt.query_map([account_id], from_row)?;
    Ok(rows.collect::<Result<_, _>>()?)
}

/// Records a sign-in: the new counter and when.
pub fn used(
    conn: &Connection,
    credential_id: &[u8],
    sign_count: u32,
    now_ms: i64,
) -> Result<(), AccountStoreError> {
    conn.execute(
        "UPDATE passkeys SET sign_count = ?2, last_used_ms = ?3 WHERE credential_id = ?1",
        params![credential_id, sign_count, now_ms],
    )?;
    Ok(())
}

/// Removes one of the account's passkeys; whether there was one.
pub fn remove(
    conn: &Connection,
    account_id: &str,
    credential_id: &[u8],
) -> Result<bool, AccountStoreError> {
    Ok(conn.execute(
        "DELETE FROM passkeys WHERE account_id = ?1 AND credential_id = ?2",
        params![account_id, credential_id],
    )? > 0)
}
