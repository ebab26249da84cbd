//! Invites: one-time links to sign up. Member invites (therapist, admin) are
//! made by an admin; patient invites are published by a therapist's device,
//! which made the token — the relay only ever stores its SHA-256.

use bloom_core::account::token::OneTimeToken;
use bloom_core::account::{Role, email};
use bloom_core::portal::PortalClientId;
use rusqlite::{Connection, OptionalExtension, TransactionBehavior, params};

use super::store::{self, Account, NewAccount};
use super::{AccountStoreError, check_name};
use crate::audit::{self, Event};

/// The longest an invite may last.
pub const MAX_HOURS: u32 = 24 * 30;

/// An unused, unexpired invite.
#[derive(Clone, Debug)]
pub struct Invite {
    pub role: Role,
    pub member: String,
    pub portal_client: Option<PortalClientId>,
    pub display_name: Option<String>,
    pub email: Option<String>,
    pub expires_ms: i64,
}

/// Makes a member invite (therapist or admin) lasting `hours`; returns the
/// token for the `/signup/{token}` link.
pub fn create_member_invite(
    conn: &Connection,
    role: Role,
    member: &str,
    email_hint: Option<&str>,
    hours: u32,
    now_ms: i64,
) -> Result<(OneTimeToken, i64), AccountStoreError> {
    if role == Role::Patient {
        return Err(AccountStoreError::Invalid(
            "patients are invited from a therapist's device",
        ));
    }
    if !(1..=MAX_HOURS).contains(&hours) {
        return Err(AccountStoreError::Invalid(
            "an invite lasts 1 hour to 30 days",
        ));
    }
    let member = check_name(member, "a member name is 1 to 100 printable characters")?;
    let email_hint = email_hint.map(email::normalize).transpose()?;
    let token = OneTimeToken::generate()?;
    let expires_ms = now_ms + i64::from(hours) * 3_600_000;
    conn.execute(
        "INSERT INTO account_invites (token_sha256, role, member, email, expires_ms, created_ms) \
         VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
        params![
            token.sha256().as_slice(),
            role.as_str(),
            member,
            email_hint,
            expires_ms,
            now_ms
        ],
    )?;
    audit::record(
        conn,
        &Event::new(now_ms, "invite.created").object(role.as_str()),
    )?;
    Ok((token, expires_ms))
}

/// Stores a patient invite published by `member`'s device. Earlier unused
/// invites for the same client stop working; publishing the same token again
/// changes nothing.
#[allow(clippy::too_many_arguments)]
pub fn put_patient_invite(
    conn: &Connection,
    client: &PortalClientId,
    display_name: &str,
    email_hint: Option<&str>,
    token_sha256: [u8; 32],
    expires_ms: i64,
    member: &str,
) -> Result<(), AccountStoreError> {
    let display_name = check_name(
        display_name,
        "a display name is 1 to 100 printable characters",
    )?;
    let member = check_name(member, "a member name is 1 to 100 printable characters")?;
    let email_hint = email_hint.map(email::normalize).transpose()?;
    let now_ms = crate::quic::now_ms();
    conn.execute(
        "DELETE FROM account_invites WHERE portal_client = ?1 AND used_ms IS NULL AND token_sha256 != ?2",
        params![client.as_str(), token_sha256.as_slice()],
    )?;
    conn.execute(
        "INSERT OR IGNORE INTO account_invites \
         (token_sha256, role, member, portal_client, display_name, email, expires_ms, created_ms) \
         VALUES (?1, 'patient', ?2, ?3, ?4, ?5, ?6, ?7)",
        params![
            token_sha256.as_slice(),
            member,
            client.as_str(),
            display_name,
            email_hint,
            expires_ms,
            now_ms
        ],
    )?;
    audit::record(
        conn,
        &Event::new(now_ms, "invite.created").object(client.as_str()),
    )?;
    Ok(())
}

/// Member invites not used and not expired, soonest to expire first.
pub fn pending_member_invites(
    conn: &Connection,
    now_ms: i64,
) -> Result<Vec<Invite>, AccountStoreError> {
    let mut stmt = conn.prepare(
        "SELECT role, member, email, expires_ms FROM account_invites \
         WHERE used_ms IS NULL AND expires_ms > ?1 AND role != 'patient' \
         ORDER BY expires_ms LIMIT 500",
    )?;
    let rows = stmt
        .query_map(params![now_ms], |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, Option<String>>(2)?,
                r.get::<_, i64>(3)?,
            ))
        })?
        .collect::<Result<Vec<_>, _>>()?;
    Ok(rows
        .into_iter()
        .filter_map(|(role, member, email, expires_ms)| {
            Some(Invite {
                role: Role::parse(&role)?,
                member,
                portal_client: None,
                display_name: None,
                email,
                expires_ms,
            })
        })
        .collect())
}

/// The invite a link's token names, if it is unused and unexpired.
pub fn find(
    conn: &Connection,
    token: &OneTimeToken,
    now_ms: i64,
) -> Result<Invite, AccountStoreError> {
    let row = conn
        .query_row(
            "SELECT role, member, portal_client, display_name, email, expires_ms FROM account_invites \
             WHERE token_sha256 = ?1 AND used_ms IS NULL AND expires_ms > ?2",
            params![token.sha256().as_slice(), now_ms],
            |r| {
                Ok((
                    r.get::<_, String>(0)?,
                    r.get::<_, String>(1)?,
                    r.get::<_, Option<String>>(2)?,
                    r.get(3)?,
                    r.get(4)?,
                    r.get(5)?,
                ))
            },
        )
        .optional()?;
    let Some((role, member, client, display_name, email, expires_ms)) = row else {
        return Err(AccountStoreError::InviteInvalid);
    };
    let role = Role::parse(&role).ok_or(AccountStoreError::InviteInvalid)?;
    let portal_client = match client {
        Some(c) => Some(PortalClientId::parse(&c).ok_or(AccountStoreError::InviteInvalid)?),
        None => None,
    };
    Ok(Invite {
        role,
        member,
        portal_client,
        display_name,
        email,
        expires_ms,
    })
}

/// What the sign-up form gives.
#[derive(Debug)]
pub struct Signup<'a> {
    pub email: &'a str,
    pub display_name: &'a str,
    pub password_hash: &'a str,
}

/// Spends the invite and makes its account, in one transaction.
pub fn sign_up(
    conn: &mut Connection,
    token: &OneTimeToken,
    form: Signup,
    now_ms: i64,
    ip: Option<std::net::IpAddr>,
) -> Result<Account, AccountStoreError> {
    let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
    let invite = find(&tx, token, now_ms)?;
    if let Some(client) = &invite.portal_client {
        let taken: bool = tx.query_row(
            "SELECT EXISTS (SELECT 1 FROM accounts WHERE portal_client = ?1)",
            [client.as_str()],
            |r| r.get(0),
        )?;
        if taken {
            return Err(AccountStoreError::InviteInvalid);
        }
    }
    let (member, invited_by) = match invite.role {
        Role::Patient => (None, Some(invite.member.as_str())),
        _ => (Some(invite.member.as_str()), None),
    };
    let account = store::create(
        &tx,
        NewAccount {
            email: form.email,
            role: invite.role,
            display_name: form.display_name,
            member,
            portal_client: invite.portal_client.as_ref(),
            invited_by,
            password_hash: form.password_hash,
        },
        now_ms,
    )?;
    tx.execute(
        "UPDATE account_invites SET used_ms = ?2 WHERE token_sha256 = ?1",
        params![token.sha256().as_slice(), now_ms],
    )?;
    audit::record(
        &tx,
        &Event::new(now_ms, "signup").account(&account.id).ip(ip),
    )?;
    tx.commit()?;
    Ok(account)
}
