//! Accounts: creating, finding, failure counting, passwords and TOTP.

use bloom_core::account::lockout::Failures;
use bloom_core::account::totp::TotpSecret;
use bloom_core::account::{Role, email};
use bloom_core::portal::PortalClientId;
use rusqlite::{Connection, OptionalExtension, Row, params};

use super::{AccountStoreError, check_name, new_id};

/// One account. The password hash and TOTP secret stay on the server.
#[derive(Clone, Debug)]
pub struct Account {
    pub id: String,
    pub email: String,
    pub role: Role,
    pub display_name: String,
    /// The sync member name (therapists and admins).
    pub member: Option<String>,
    /// The portal client (patients).
    pub portal_client: Option<PortalClientId>,
    /// The member whose invite made a patient's account.
    pub invited_by: Option<String>,
    pub password_hash: String,
    pub totp_secret: Option<TotpSecret>,
    pub totp_pending: Option<TotpSecret>,
    pub totp_last_step: Option<i64>,
    pub failures: Failures,
    pub created_ms: i64,
}

/// What a new account is made of.
#[derive(Debug)]
pub struct NewAccount<'a> {
    pub email: &'a str,
    pub role: Role,
    pub display_name: &'a str,
    pub member: Option<&'a str>,
    pub portal_client: Option<&'a PortalClientId>,
    pub invited_by: Option<&'a str>,
    pub password_hash: &'a str,
}

const COLUMNS: &str = "id, email, role, display_name, member, portal_client, invited_by, \
    password_hash, totp_secret, totp_pending, totp_last_step, failed_attempts, locked_until_ms, created_ms";

fn from_row(r: &Row) -> rusqlite::Result<Account> {
    let role: String = r.get(2)?;
    let client: Option<String> = r.get(5)?;
    let bad =
        |i| rusqlite::Error::InvalidColumnType(i, "account".into(), rusqlite::types::Type::Text);
    Ok(Account {
        id: r.get(0)?,
        email: r.get(1)?,
        role: Role::parse(&role).ok_or_else(|| bad(2))?,
        display_name: r.get(3)?,
        member: r.get(4)?,
        portal_client: match client {
            Some(c) => Some(PortalClientId::parse(&c).ok_or_else(|| bad(5))?),
            None => None,
        },
        invited_by: r.get(6)?,
        password_hash: r.get(7)?,
        totp_secret: r.get::<_, Option<Vec<u8>>>(8)?.map(TotpSecret::from_bytes),
        totp_pending: r.get::<_, Option<Vec<u8>>>(9)?.map(TotpSecret::from_bytes),
        totp_last_step: r.get(10)?,
        failures: Failures {
            count: r.get(11)?,
            locked_until_ms: r.get(12)?,
        },
        created_ms: r.get(13)?,
    })
}

/// Creates an account; the email must be new.
pub fn create(
    conn: &Connection,
    new: NewAccount,
    now_ms: i64,
) -> Result<Account, AccountStoreError> {
    let email = email::normalize(new.email)?;
    let display_name = check_name(
        new.display_name,
        "a display name is 1 to 100 printable characters",
    )?;
    if by_email(conn, &email)?.is_some() {
        return Err(AccountStoreError::EmailTaken);
    }
    let id = new_id()?;
    conn.execute(
        "INSERT INTO accounts (id, email, role, display_name, member, portal_client, invited_by, \
         password_hash, created_ms) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
        params![
            id,
            email,
            new.role.as_str(),
            display_name,
            new.member,
            new.portal_client.map(|c| c.as_str()),
            new.invited_by,
            new.password_hash,
            now_ms
        ],
    )?;
    by_id(conn, &id)?.ok_or(AccountStoreError::Invalid("the account vanished"))
}

pub fn by_id(conn: &Connection, id: &str) -> Result<Option<Account>, AccountStoreError> {
    Ok(conn
        .query_row(
            &format!("SELECT {COLUMNS} FROM accounts WHERE id = ?1"),
            [id],
            from_row,
        )
        .optional()?)
}

/// Every account, members first, then by name (the console's list).
pub fn all(conn: &Connection) -> Result<Vec<Account>, AccountStoreError> {
    let mut stmt = conn.prepare(&format!(
        "SELECT {COLUMNS} FROM accounts ORDER BY role = 'patient', display_name LIMIT 5000"
    ))?;
    let rows = stmt.query_map([], from_row)?.collect::<Result<_, _>>()?;
    Ok(rows)
}

/// Changes a member's role (therapist ↔ admin), ending their sessions so
/// the new role applies at once. Patients keep theirs: a patient's account
/// is tied to a portal client, never promoted.
pub fn set_role(
    conn: &Connection,
    id: &str,
    role: Role,
    by: &str,
    now_ms: i64,
) -> Result<(), AccountStoreError> {
    let account = by_id(conn, id)?.ok_or(AccountStoreError::Invalid("no such account"))?;
    if account.role == Role::Patient || role == Role::Patient {
        return Err(AccountStoreError::Invalid("patients keep their role"));
    }
    if account.role == role {
        return Ok(());
    }
    conn.execute(
        "UPDATE accounts SET role = ?2 WHERE id = ?1",
        params![id, role.as_str()],
    )?;
    crate::account::sessions::delete_for_account(conn, id)?;
    crate::audit::record(
        conn,
        &crate::audit::Event::new(now_ms, "role.changed")
            .account(by)
            .object(id),
    )?;
    Ok(())
}

/// The therapist or admin account of sync member `member`, if one signed up.
pub fn by_member(conn: &Connection, member: &str) -> Result<Option<Account>, AccountStoreError> {
    Ok(conn
        .query_row(
            &format!("SELECT {COLUMNS} FROM accounts WHERE member = ?1 AND role != 'patient' ORDER BY created_ms LIMIT 1"),
            [member],
            from_row,
        )
        .optional()?)
}

/// The account for an email (normalised here); `None` for none or garbage.
pub fn by_email(conn: &Connection, email: &str) -> Result<Option<Account>, AccountStoreError> {
    let Ok(email) = email::normalize(email) else {
        return Ok(None);
    };
    Ok(conn
        .query_row(
            &format!("SELECT {COLUMNS} FROM accounts WHERE email = ?1"),
            [email],
            from_row,
        )
        .optional()?)
}

/// Counts one failed password or code; returns the new record.
pub fn record_failure(
    conn: &Connection,
    account: &Account,
    now_ms: i64,
) -> Result<Failures, AccountStoreError> {
    let current = by_id(conn, &account.id)?
        .map(|a| a.failures)
        .unwrap_or_default();
    let next = current.after_failure(now_ms);
    conn.execute(
        "UPDATE accounts SET failed_attempts = ?2, locked_until_ms = ?3 WHERE id = ?1",
        params![account.id, next.count, next.locked_until_ms],
    )?;
    Ok(next)
}

pub fn clear_failures(conn: &Connection, id: &str) -> Result<(), AccountStoreError> {
    conn.execute(
        "UPDATE accounts SET failed_attempts = 0, locked_until_ms = NULL WHERE id = ?1",
        [id],
    )?;
    Ok(())
}

pub fn set_password_hash(conn: &Connection, id: &str, phc: &str) -> Result<(), AccountStoreError> {
    conn.execute(
        "UPDATE accounts SET password_hash = ?2 WHERE id = ?1",
        params![id, phc],
    )?;
    Ok(())
}

/// Keeps the secret being set up until its first code confirms it.
pub fn set_totp_pending(
    conn: &Connection,
    id: &str,
    secret: &TotpSecret,
) -> Result<(), AccountStoreError> {
    conn.execute(
        "UPDATE accounts SET totp_pending = ?2 WHERE id = ?1",
        params![id, secret.as_bytes()],
    )?;
    Ok(())
}

/// Turns TOTP on with the confirmed pending secret; `step` was just used.
pub fn enable_totp(
    conn: &Connection,
    id: &str,
    secret: &TotpSecret,
    step: i64,
) -> Result<(), AccountStoreError> {
    conn.execute(
        "UPDATE accounts SET totp_secret = ?2, totp_pending = NULL, totp_last_step = ?3 WHERE id = ?1",
        params![id, secret.as_bytes(), step],
    )?;
    Ok(())
}

pub fn set_totp_last_step(conn: &Connection, id: &str, step: i64) -> Result<(), AccountStoreError> {
    conn.execute(
        "UPDATE accounts SET totp_last_step = ?2 WHERE id = ?1",
        params![id, step],
    )?;
    Ok(())
}
