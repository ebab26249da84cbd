//! The portal's tables in the web store (SQLCipher, so encrypted at rest) and
//! the queries on them. Every function takes the connection or a transaction
//! and is called through [`crate::webstore::WebStore::run`].
//!
//! What is kept in clear (inside the encrypted file): what therapists
//! published (slots, appointment times, replies, assignments, shared safety
//! plans, invites) and the patient's own copy of the messages they sent.
//! What a patient submits is in `portal_inbox` only, sealed to the
//! therapist's devices, until a device acknowledges it.

use bloom_core::portal::{
    FormKind, PortalAppointmentStatus, PortalClientId, Publication, PublishedSlot,
};
use rusqlite::{Connection, OptionalExtension, Transaction, params};

use super::{Assignment, PortalAppointment, PortalError, SharedSafetyPlan, ThreadMessage};

pub const SCHEMA: &str = r#"
CREATE TABLE IF NOT EXISTS portal_clients (
    client       TEXT PRIMARY KEY,
    member       TEXT NOT NULL,
    display_name TEXT NOT NULL,
    revoked      INTEGER NOT NULL DEFAULT 0,
    linked_ms    INTEGER NOT NULL
) STRICT;
CREATE TABLE IF NOT EXISTS portal_availability (
    member              TEXT PRIMARY KEY,
    cancel_notice_hours INTEGER NOT NULL
) STRICT;
CREATE TABLE IF NOT EXISTS portal_slots (
    member   TEXT NOT NULL,
    start_ms INTEGER NOT NULL,
    end_ms   INTEGER NOT NULL,
    PRIMARY KEY (member, start_ms, end_ms)
) STRICT;
CREATE TABLE IF NOT EXISTS portal_appointments (
    id         TEXT PRIMARY KEY,
    client     TEXT NOT NULL,
    member     TEXT NOT NULL,
    start_ms   INTEGER NOT NULL,
    end_ms     INTEGER NOT NULL,
    status     TEXT NOT NULL,
    updated_ms INTEGER NOT NULL
) STRICT;
CREATE INDEX IF NOT EXISTS portal_appointments_by_client ON portal_appointments(client, start_ms);
CREATE INDEX IF NOT EXISTS portal_appointments_by_member ON portal_appointments(member, start_ms);
CREATE TABLE IF NOT EXISTS portal_thread (
    id           TEXT PRIMARY KEY,
    client       TEXT NOT NULL,
    from_patient INTEGER NOT NULL,
    body         TEXT NOT NULL,
    sent_ms      INTEGER NOT NULL
) STRICT;
CREATE INDEX IF NOT EXISTS portal_thread_by_client ON portal_thread(client, sent_ms);
CREATE TABLE IF NOT EXISTS portal_assignments (
    id          TEXT PRIMARY KEY,
    client      TEXT NOT NULL,
    form        TEXT NOT NULL,
    assigned_ms INTEGER NOT NULL,
    done_ms     INTEGER
) STRICT;
CREATE TABLE IF NOT EXISTS portal_safety_plans (
    client    TEXT PRIMARY KEY,
    sections  TEXT NOT NULL,
    shared_ms INTEGER NOT NULL
) STRICT;
CREATE TABLE IF NOT EXISTS portal_inbox (
    id          TEXT PRIMARY KEY,
    member      TEXT NOT NULL,
    devices     TEXT NOT NULL,
    sealed      BLOB NOT NULL,
    created_ms  INTEGER NOT NULL,
    lease_device TEXT,
    lease_until INTEGER
) STRICT;
CREATE INDEX IF NOT EXISTS portal_inbox_by_member ON portal_inbox(member, created_ms);
"#;

/// The longest message body a patient or therapist sends, in bytes.
pub const MAX_MESSAGE_BYTES: usize = 8 * 1024;
/// The longest note with a booking request, in bytes.
pub const MAX_NOTE_BYTES: usize = 1024;
/// The longest assessment comment, in bytes.
pub const MAX_COMMENT_BYTES: usize = 4 * 1024;
/// Publications in one `Publish` at most.
pub const MAX_PUBLICATIONS: usize = 512;
/// Published slots per member at most.
const MAX_SLOTS: usize = 4000;
/// How long a device holds submissions it fetched before another device of
/// the same member may fetch them.
pub const LEASE_MS: i64 = 2 * 60 * 1000;

/// A linked client, as the portal knows it.
#[derive(Clone, Debug)]
pub struct LinkedClient {
    pub member: String,
    pub display_name: String,
    pub revoked: bool,
}

pub(crate) fn linked(
    conn: &Connection,
    client: &PortalClientId,
) -> Result<Option<LinkedClient>, PortalError> {
    Ok(conn
        .query_row(
            "SELECT member, display_name, revoked FROM portal_clients WHERE client = ?1",
            [client.as_str()],
            |r| {
                Ok(LinkedClient {
                    member: r.get(0)?,
                    display_name: r.get(1)?,
                    revoked: r.get::<_, i64>(2)? != 0,
                })
            },
        )
        .optional()?)
}

/// The client's link, refusing unknown (`portal.not_found`) and revoked ones.
pub(crate) fn active(
    conn: &Connection,
    client: &PortalClientId,
) -> Result<LinkedClient, PortalError> {
    match linked(conn, client)? {
        None => Err(PortalError::NotFound),
        Some(c) if c.revoked => Err(PortalError::Revoked),
        Some(c) => Ok(c),
    }
}

fn too_long(what: &'static str) -> PortalError {
    PortalError::Invalid(what)
}

/// Applies one device's publications, all or nothing. `member` is the
/// device's member: it may publish only about clients linked to it.
pub(crate) fn apply(
    tx: &Transaction<'_>,
    member: &str,
    items: &[Publication],
    now_ms: i64,
) -> Result<(), PortalError> {
    for item in items {
        if let Some(client) = item.client() {
            match linked(tx, client)? {
                Some(c) if c.member != member => return Err(PortalError::Forbidden),
                None if !matches!(item, Publication::ClientInvite { .. }) => {
                    return Err(PortalError::Forbidden);
                }
                _ => {}
            }
        }
        apply_one(tx, member, item, now_ms)?;
    }
    Ok(())
}

fn apply_one(
    tx: &Transaction<'_>,
    member: &str,
    item: &Publication,
    now_ms: i64,
) -> Result<(), PortalError> {
    match item {
        Publication::Availability {
            slots,
            cancel_notice_hours,
        } => {
            if slots.len() > MAX_SLOTS || slots.iter().any(|s| s.end_ms <= s.start_ms) {
                return Err(PortalError::Invalid("slots"));
            }
            tx.execute("DELETE FROM portal_slots WHERE member = ?1", [member])?;
            let mut insert = tx.prepare(
                "INSERT OR IGNORE INTO portal_slots (member, start_ms, end_ms) VALUES (?1, ?2, ?3)",
            )?;
            for s in slots {
                insert.execute(params![member, s.start_ms, s.end_ms])?;
            }
            tx.execute(
                "INSERT INTO portal_availability (member, cancel_notice_hours) VALUES (?1, ?2)
                 ON CONFLICT(member) DO UPDATE SET cancel_notice_hours = ?2",
                params![member, cancel_notice_hours],
            )?;
        }
        Publication::ClientInvite {
            client,
            display_name,
            email,
            token_sha256,
            expires_ms,
        } => {
            if display_name.len() > 200 || email.as_ref().is_some_and(|e| e.len() > 320) {
                return Err(too_long("invite"));
            }
            tx.execute(
                "INSERT INTO portal_clients (client, member, display_name, revoked, linked_ms)
                 VALUES (?1, ?2, ?3, 0, ?4)
                 ON CONFLICT(client) DO UPDATE SET display_name = ?3, revoked = 0",
                params![client.as_str(), member, display_name, now_ms],
            )?;
            crate::account::invite::put_patient_invite(
                tx,
                client,
                display_name,
                email.as_deref(),
                *token_sha256,
                *expires_ms,
                member,
            )
            .map_err(|e| match e {
                crate::account::AccountStoreError::Store(e) => PortalError::Store(e),
                _ => PortalError::Invalid("invite"),
            })?;
        }
        Publication::Appointment {
            client,
            appointment,
            start_ms,
            end_ms,
            status,
            request,
        } => {
            check_id(appointment)?;
            if end_ms <= start_ms {
                return Err(PortalError::Invalid("appointment times"));
            }
            owned_by(tx, "portal_appointments", appointment, client)?;
            if let Some(request) = request.as_deref().filter(|r| *r != appointment) {
                // The answer to a request replaces the patient's requested row.
                tx.execute(
                    "DELETE FROM portal_appointments WHERE id = ?1 AND client = ?2",
                    params![request, client.as_str()],
                )?;
            }
            tx.execute(
                "INSERT INTO portal_appointments (id, client, member, start_ms, end_ms, status, updated_ms)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)
                 ON CONFLICT(id) DO UPDATE SET start_ms = ?4, end_ms = ?5, status = ?6, updated_ms = ?7",
                params![appointment, client.as_str(), member, start_ms, end_ms, status.as_str(), now_ms],
            )?;
        }
        Publication::Reply {
            client,
            message,
            body,
            sent_ms,
        } => {
            check_id(message)?;
            if body.len() > MAX_MESSAGE_BYTES {
                return Err(too_long("reply"));
            }
            owned_by(tx, "portal_thread", message, client)?;
            tx.execute(
                "INSERT INTO portal_thread (id, client, from_patient, body, sent_ms)
                 VALUES (?1, ?2, 0, ?3, ?4)
                 ON CONFLICT(id) DO UPDATE SET body = ?3, sent_ms = ?4",
                params![message, client.as_str(), body, sent_ms],
            )?;
        }
        Publication::Assign {
            client,
            assignment,
            form,
            assigned_ms,
        } => {
            check_id(assignment)?;
            owned_by(tx, "portal_assignments", assignment, client)?;
            tx.execute(
                "INSERT INTO portal_assignments (id, client, form, assigned_ms) VALUES (?1, ?2, ?3, ?4)
                 ON CONFLICT(id) DO UPDATE SET form = ?3, assigned_ms = ?4",
                params![assignment, client.as_str(), form.as_str(), assigned_ms],
            )?;
        }
        Publication::SafetyPlan {
            client,
            sections,
            shared_ms,
        } => {
            if sections.len() > 16
                || sections
                    .iter()
                    .any(|(t, b)| t.len() > 200 || b.len() > 20_000)
            {
                return Err(too_long("safety plan"));
            }
            let json =
                serde_json::to_string(sections).map_err(|_| PortalError::Invalid("safety plan"))?;
            tx.execute(
                "INSERT INTO portal_safety_plans (client, sections, shared_ms) VALUES (?1, ?2, ?3)
                 ON CONFLICT(client) DO UPDATE SET sections = ?2, shared_ms = ?3",
                params![client.as_str(), json, shared_ms],
            )?;
        }
        Publication::RevokeClient { client } => {
            tx.execute(
                "UPDATE portal_clients SET revoked = 1 WHERE client = ?1",
                [client.as_str()],
            )?;
            // Its unused sign-up link stops working too.
            tx.execute(
                "DELETE FROM account_invites WHERE portal_client = ?1 AND used_ms IS NULL",
                [client.as_str()],
            )?;
        }
    }
    Ok(())
}

/// Ids devices make are short printable strings.
fn check_id(id: &str) -> Result<(), PortalError> {
    if id.is_empty() || id.len() > 80 || !id.bytes().all(|b| b.is_ascii_graphic()) {
        return Err(PortalError::Invalid("id"));
    }
    Ok(())
}

/// An existing row with this id must be the same client's.
fn owned_by(
    conn: &Connection,
    table: &'static str,
    id: &str,
    client: &PortalClientId,
) -> Result<(), PortalError> {
    let sql = format!("SELECT client FROM {table} WHERE id = ?1");
    let owner: Option<String> = conn.query_row(&sql, [id], |r| r.get(0)).optional()?;
    match owner {
        Some(o) if o != client.as_str() => Err(PortalError::Forbidden),
        _ => Ok(()),
    }
}

pub(crate) fn notice_hours(conn: &Connection, member: &str) -> Result<u32, PortalError> {
    Ok(conn
        .query_row(
            "SELECT cancel_notice_hours FROM portal_availability WHERE member = ?1",
            [member],
            |r| r.get(0),
        )
        .optional()?
        .unwrap_or(super::DEFAULT_NOTICE_HOURS))
}

pub(crate) fn published_slots(
    conn: &Connection,
    member: &str,
) -> Result<Vec<PublishedSlot>, PortalError> {
    let mut stmt = conn
        .prepare("SELECT start_ms, end_ms FROM portal_slots WHERE member = ?1 ORDER BY start_ms")?;
    let rows = stmt.query_map([member], |r| {
        Ok(PublishedSlot {
            start_ms: r.get(0)?,
            end_ms: r.get(1)?,
        })
    })?;
    Ok(rows.collect::<Result<_, _>>()?)
}

/// Requested and confirmed appointments of every client of `member`.
pub(crate) fn taken(conn: &Connection, member: &str) -> Result<Vec<PublishedSlot>, PortalError> {
    let mut stmt = conn.prepare(
        "SELECT start_ms, end_ms FROM portal_appointments
         WHERE member = ?1 AND status IN ('requested', 'confirmed')",
    )?;
    let rows = stmt.query_map([member], |r| {
        Ok(PublishedSlot {
            start_ms: r.get(0)?,
            end_ms: r.get(1)?,
        })
    })?;
    Ok(rows.collect::<Result<_, _>>()?)
}

pub(crate) fn appointments(
    conn: &Connection,
    client: &PortalClientId,
) -> Result<Vec<PortalAppointment>, PortalError> {
    let mut stmt = conn.prepare(
        "SELECT id, start_ms, end_ms, status FROM portal_appointments WHERE client = ?1
         ORDER BY start_ms, id",
    )?;
    let rows = stmt.query_map([client.as_str()], |r| {
        Ok((
            r.get::<_, String>(0)?,
            r.get::<_, i64>(1)?,
            r.get::<_, i64>(2)?,
            r.get::<_, String>(3)?,
        ))
    })?;
    let mut out = vec![];
    for row in rows {
        let (id, start_ms, end_ms, status) = row?;
        let status = PortalAppointmentStatus::parse(&status)
            .ok_or(PortalError::Invalid("stored appointment status"))?;
        out.push(PortalAppointment {
            id,
            start_ms,
            end_ms,
            status,
        });
    }
    Ok(out)
}

pub(crate) fn appointment(
    conn: &Connection,
    client: &PortalClientId,
    id: &str,
) -> Result<PortalAppointment, PortalError> {
    appointments(conn, client)?
        .into_iter()
        .find(|a| a.id == id)
        .ok_or(PortalError::NotFound)
}

pub(crate) fn put_appointment(
    conn: &Connection,
    client: &PortalClientId,
    member: &str,
    a: &PortalAppointment,
    now_ms: i64,
) -> Result<(), PortalError> {
    conn.execute(
        "INSERT INTO portal_appointments (id, client, member, start_ms, end_ms, status, updated_ms)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)
         ON CONFLICT(id) DO UPDATE SET status = ?6, updated_ms = ?7",
        params![
            a.id,
            client.as_str(),
            member,
            a.start_ms,
            a.end_ms,
            a.status.as_str(),
            now_ms
        ],
    )?;
    Ok(())
}

pub(crate) fn thread(
    conn: &Connection,
    client: &PortalClientId,
) -> Result<Vec<ThreadMessage>, PortalError> {
    let mut stmt = conn.prepare(
        "SELECT id, from_patient, body, sent_ms FROM portal_thread WHERE client = ?1
         ORDER BY sent_ms, id",
    )?;
    let rows = stmt.query_map([client.as_str()], |r| {
        Ok(ThreadMessage {
            id: r.get(0)?,
            from_patient: r.get::<_, i64>(1)? != 0,
            body: r.get(2)?,
            sent_ms: r.get(3)?,
        })
    })?;
    Ok(rows.collect::<Result<_, _>>()?)
}

pub(crate) fn put_patient_message(
    conn: &Connection,
    client: &PortalClientId,
    m: &ThreadMessage,
) -> Result<(), PortalError> {
    conn.execute(
        "INSERT INTO portal_thread (id, client, from_patient, body, sent_ms) VALUES (?1, ?2, 1, ?3, ?4)",
        params![m.id, client.as_str(), m.body, m.sent_ms],
    )?;
    Ok(())
}

pub(crate) fn assignments(
    conn: &Connection,
    client: &PortalClientId,
) -> Result<Vec<Assignment>, PortalError> {
    let mut stmt = conn.prepare(
        "SELECT id, form, assigned_ms, done_ms FROM portal_assignments WHERE client = ?1
         ORDER BY assigned_ms, id",
    )?;
    let rows = stmt.query_map([client.as_str()], |r| {
        Ok((
            r.get::<_, String>(0)?,
            r.get::<_, String>(1)?,
            r.get::<_, i64>(2)?,
            r.get::<_, Option<i64>>(3)?,
        ))
    })?;
    let mut out = vec![];
    for row in rows {
        let (id, form, assigned_ms, done_ms) = row?;
        let form = FormKind::parse(&form).ok_or(PortalError::Invalid("stored form kind"))?;
        out.push(Assignment {
            id,
            form,
            assigned_ms,
            done_ms,
        });
    }
    Ok(out)
}

pub(crate) fn mark_done(conn: &Connection, id: &str, now_ms: i64) -> Result<(), PortalError> {
    conn.execute(
        "UPDATE portal_assignments SET done_ms = ?2 WHERE id = ?1",
        params![id, now_ms],
    )?;
    Ok(())
}

pub(crate) fn safety_plan(
    conn: &Connection,
    client: &PortalClientId,
) -> Result<Option<SharedSafetyPlan>, PortalError> {
    let row: Option<(String, i64)> = conn
        .query_row(
            "SELECT sections, shared_ms FROM portal_safety_plans WHERE client = ?1",
            [client.as_str()],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .optional()?;
    let Some((json, shared_ms)) = row else {
        return Ok(None);
    };
    let sections = serde_json::from_str(&json).map_err(|_| PortalError::Invalid("stored plan"))?;
    Ok(Some(SharedSafetyPlan {
        sections,
        shared_ms,
    }))
}

/// A sealed submission: its id and bytes.
pub(crate) type Sealed = (String, Vec<u8>);

/// Queues a sealed submission for `devices` (ids) of `member`.
pub(crate) fn enqueue(
    conn: &Connection,
    id: &str,
    member: &str,
    devices: &[String],
    sealed: &[u8],
    now_ms: i64,
) -> Result<(), PortalError> {
    let devices = format!(" {} ", devices.join(" "));
    conn.execute(
        "INSERT INTO portal_inbox (id, member, devices, sealed, created_ms) VALUES (?1, ?2, ?3, ?4, ?5)",
        params![id, member, devices, sealed, now_ms],
    )?;
    Ok(())
}

/// Up to `limit` submissions sealed to `device` that no other device holds
/// a lease on (oldest first, at most `max_bytes` in all but at least one),
/// leased to this device now; and whether more wait.
pub(crate) fn fetch(
    tx: &Transaction<'_>,
    device: &str,
    limit: usize,
    max_bytes: usize,
    now_ms: i64,
) -> Result<(Vec<Sealed>, bool), PortalError> {
    let pattern = format!(" {device} ");
    let mut out: Vec<Sealed> = vec![];
    let mut more = false;
    {
        let mut stmt = tx.prepare(
            "SELECT id, sealed FROM portal_inbox
             WHERE instr(devices, ?1) > 0
               AND (lease_until IS NULL OR lease_until < ?2 OR lease_device = ?3)
             ORDER BY created_ms, id LIMIT ?4",
        )?;
        let rows = stmt.query_map(params![pattern, now_ms, device, (limit + 1) as i64], |r| {
            Ok((r.get::<_, String>(0)?, r.get::<_, Vec<u8>>(1)?))
        })?;
        let mut size = 0;
        for row in rows {
            let (id, sealed) = row?;
            if out.len() == limit || (!out.is_empty() && size + sealed.len() > max_bytes) {
                more = true;
                break;
            }
            size += sealed.len() + id.len();
            out.push((id, sealed));
        }
    }
    let mut lease =
        tx.prepare("UPDATE portal_inbox SET lease_device = ?2, lease_until = ?3 WHERE id = ?1")?;
    for (id, _) in &out {
        lease.execute(params![id, device, now_ms + LEASE_MS])?;
    }
    Ok((out, more))
}

/// Drops the submissions `device` acknowledged (only ones sealed to it).
pub(crate) fn ack(conn: &Connection, device: &str, ids: &[String]) -> Result<usize, PortalError> {
    let pattern = format!(" {device} ");
    let mut stmt =
        conn.prepare("DELETE FROM portal_inbox WHERE id = ?1 AND instr(devices, ?2) > 0")?;
    let mut n = 0;
    for id in ids {
        n += stmt.execute(params![id, pattern])?;
    }
    Ok(n)
}
