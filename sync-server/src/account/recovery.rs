//! Recovery codes: stored hashed, each usable once.

use rusqlite::{Connection, params};

use super::AccountStoreError;

/// Replaces an account's codes with new ones; returns them to show once.
pub fn replace(conn: &Connection, account_id: &str) -> Result<Vec<String>, AccountStoreError> {
    let codes = bloom_core::account::recovery::generate()?;
    conn.execute(
        "DELETE FROM account_recovery_codes WHERE account_id = ?1",
        [account_id],
    )?;
    for code in &codes {
        let hash = bloom_core::account::recovery::hash(code)
            .ok_or(AccountStoreError::Invalid("bad recovery code"))?;
        conn.execute(
            "INSERT INTO account_recovery_codes (account_id, code_sha256) VALUES (?1, ?2)",
            params![account_id, hash.as_slice()],
        )?;
    }
    Ok(codes)
}

/// Uses a code: true (and it is spent) if it was one of the account's unused codes.
pub fn redeem(
    conn: &Connection,
    account_id: &str,
    code: &str,
    now_ms: i64,
) -> Result<bool, AccountStoreError> {
    let Some(hash) = bloom_core::account::recovery::hash(code) else {
        return Ok(false);
    };
    let n = conn.execute(
        "UPDATE account_recovery_codes SET used_ms = ?3 \
         WHERE account_id = ?1 AND code_sha256 = ?2 AND used_ms IS NULL",
        params![account_id, hash.as_slice(), now_ms],
    )?;
    Ok(n == 1)
}
