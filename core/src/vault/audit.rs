//! The tamper-evident audit log: every read and write of a record appends an
//! entry whose hash covers the previous entry's hash, so changing, removing or
//! reordering any entry breaks the chain from there on.

use rusqlite::{Transaction, params};
use serde::Serialize;

use super::error::VaultError;

/// Who acts, from which device.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Actor {
    pub user: String,
    pub device: String,
}

/// What was done to a record.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Action {
    Read,
    Write,
    Delete,
    AttachmentAdd,
    AttachmentRead,
}

impl Action {
    pub fn as_str(self) -> &'static str {
        match self {
            Action::Read => "read",
            Action::Write => "write",
            Action::Delete => "delete",
            Action::AttachmentAdd => "attachment.add",
            Action::AttachmentRead => "attachment.read",
        }
    }
}

/// One audit entry as stored.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Entry {
    pub seq: i64,
    pub at_ms: i64,
    pub actor: String,
    pub device: String,
    pub action: String,
    pub record_id: String,
}

const GENESIS: [u8; 32] = [0; 32];

/// Appends an entry inside the caller's transaction, so the entry and the
/// access it records commit together or not at all.
pub fn append(
    tx: &Transaction<'_>,
    actor: &Actor,
    action: Action,
    record_id: &str,
    at_ms: i64,
) -> Result<(), VaultError> {
    let last: Option<(i64, Vec<u8>)> = tx
        .query_row(
            "SELECT seq, hash FROM audit_log ORDER BY seq DESC LIMIT 1",
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .map(Some)
        .or_else(|e| match e {
            rusqlite::Error::QueryReturnedNoRows => Ok(None),
            e => Err(e),
        })?;
    let (seq, prev) = match last {
        Some((seq, hash)) => (seq + 1, hash),
        None => (1, GENESIS.to_vec()),
    };
    let entry = Entry {
        seq,
        at_ms,
        actor: actor.user.clone(),
        device: actor.device.clone(),
        action: action.as_str().to_owned(),
        record_id: record_id.to_owned(),
    };
    let hash = hash_entry(&prev, &entry);
    tx.execute(
        "INSERT INTO audit_log (seq, at_ms, actor, device, action, record_id, prev_hash, hash)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
        params![
            entry.seq,
            entry.at_ms,
            entry.actor,
            entry.device,
            entry.action,
            entry.record_id,
            prev,
            hash.as_slice()
        ],
    )?;
    Ok(())
}

fn hash_entry(prev: &[u8], e: &Entry) -> [u8; 32] {
    let mut ctx = ring::digest::Context::new(&ring::digest::SHA256);
    ctx.update(prev);
    ctx.update(&e.seq.to_be_bytes());
    ctx.update(&e.at_ms.to_be_bytes());
    // Length prefixes keep ("ab","c") and ("a","bc") apart.
    for field in [&e.actor, &e.device, &e.action, &e.record_id] {
        ctx.update(&(field.len() as u64).to_be_bytes());
        ctx.update(field.as_bytes());
    }
    let mut out = [0u8; 32];
    out.copy_from_slice(ctx.finish().as_ref());
    out
}

/// Walks the whole chain; returns the number of entries, or the first broken
/// link as [`VaultError::AuditBroken`].
pub fn verify(conn: &rusqlite::Connection) -> Result<u64, VaultError> {
    let mut stmt = conn.prepare(
        "SELECT seq, at_ms, actor, device, action, record_id, prev_hash, hash
         FROM audit_log ORDER BY seq",
    )?;
    let mut rows = stmt.query([])?;
    let mut expected_prev = GENESIS.to_vec();
    let mut expected_seq = 1i64;
    let mut count = 0u64;
    while let Some(row) = rows.next()? {
        let entry = entry_from(row)?;
        let prev: Vec<u8> = row.get(6)?;
        let hash: Vec<u8> = row.get(7)?;
        let broken = |reason: &str| VaultError::AuditBroken {
            seq: entry.seq,
            reason: reason.to_owned(),
        };
        if entry.seq != expected_seq {
            return Err(VaultError::AuditBroken {
                seq: expected_seq,
                reason: format!("entry missing (next present is {})", entry.seq),
            });
        }
        if prev != expected_prev {
            return Err(broken("does not follow the previous entry"));
        }
        if hash != hash_entry(&prev, &entry) {
            return Err(broken("contents do not match its hash"));
        }
        expected_prev = hash;
        expected_seq += 1;
        count += 1;
    }
    Ok(count)
}

/// The newest entries first, for the audit screen.
pub fn recent(conn: &rusqlite::Connection, limit: u32) -> Result<Vec<Entry>, VaultError> {
    let mut stmt = conn.prepare(
        "SELECT seq, at_ms, actor, device, action, record_id FROM audit_log
         ORDER BY seq DESC LIMIT ?1",
    )?;
    let rows = stmt.query_map([limit], entry_from)?;
    Ok(rows.collect::<Result<_, _>>()?)
}

/// Reads the first six columns (seq … record_id) of an audit row.
fn entry_from(row: &rusqlite::Row<'_>) -> rusqlite::Result<Entry> {
    Ok(Entry {
        seq: row.get(0)?,
        at_ms: row.get(1)?,
        actor: row.get(2)?,
        device: row.get(3)?,
        action: row.get(4)?,
        record_id: row.get(5)?,
    })
}
