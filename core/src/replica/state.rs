//! The replica's rows in the vault: small typed helpers over the schema
//! version 8 tables, all taking the caller's connection or transaction.
//!
//! Documents are named by their sync id ([`seal::sync_doc_id`]) everywhere
//! here, as on the relay; only `sync_dirty` and `sync_unprojected` name
//! records, and `sync_docs.record` / `sync_outbox.record` link the two.

use automerge::ChangeHash;
use rusqlite::{Connection, OptionalExtension, params};

use super::identity::DeviceKeys;
use super::seal::{self, DocKey, Grant};
use super::{ReplicaError, Warning};
use crate::Code;
use crate::sync::log::{BlobId, DeviceId, DeviceInfo};

const CURSOR: &str = "sync.cursor";
const REPLAY_MARK: &str = "sync.replay_mark";

pub fn setting(conn: &Connection, key: &str) -> Result<Option<String>, ReplicaError> {
    Ok(conn
        .query_row("SELECT value FROM settings WHERE key = ?1", [key], |r| {
            r.get(0)
        })
        .optional()?)
}

pub fn set_setting(conn: &Connection, key: &str, value: &str) -> Result<(), ReplicaError> {
    conn.execute(
        "INSERT INTO settings (key, value) VALUES (?1, ?2)
         ON CONFLICT(key) DO UPDATE SET value = ?2",
        params![key, value],
    )?;
    Ok(())
}

fn number(conn: &Connection, key: &str) -> Result<u64, ReplicaError> {
    Ok(setting(conn, key)?
        .and_then(|v| v.parse().ok())
        .unwrap_or(0))
}

pub fn cursor(conn: &Connection) -> Result<u64, ReplicaError> {
    number(conn, CURSOR)
}

pub fn set_cursor(conn: &Connection, seq: u64) -> Result<(), ReplicaError> {
    set_setting(conn, CURSOR, &seq.to_string())
}

/// The highest sequence number seen when the cursor was last rewound: a key
/// blob at or below it was already in the log when the replay began.
pub fn replay_mark(conn: &Connection) -> Result<u64, ReplicaError> {
    number(conn, REPLAY_MARK)
}

pub fn set_replay_mark(conn: &Connection, seq: u64) -> Result<(), ReplicaError> {
    set_setting(conn, REPLAY_MARK, &seq.to_string())
}

/// One document's sync state.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct DocState {
    /// The record id, once known (a key can arrive before any content).
    pub record: Option<String>,
    /// The heads whose changes are in the outbox or uploaded.
    pub sent_heads: Vec<ChangeHash>,
    /// The newest key epoch this device holds (0: none yet).
    pub epoch: u32,
    pub changes_since_snapshot: u32,
    /// Our first key lost an epoch conflict: wait for the winner's key
    /// instead of making another.
    pub awaiting_key: bool,
}

pub fn heads_to_bytes(heads: &[ChangeHash]) -> Vec<u8> {
    heads.iter().flat_map(|h| h.0).collect()
}

fn heads_from_bytes(bytes: &[u8]) -> Vec<ChangeHash> {
    bytes
        .chunks_exact(32)
        .filter_map(|c| Some(ChangeHash(c.try_into().ok()?)))
        .collect()
}

impl DocState {
    pub fn load(conn: &Connection, doc: &str) -> Result<DocState, ReplicaError> {
        let row = conn
            .query_row(
                "SELECT sent_heads, epoch, changes_since_snapshot, awaiting_key, record
                 FROM sync_docs WHERE doc = ?1",
                [doc],
                |r| {
                    Ok(DocState {
                        sent_heads: heads_from_bytes(&r.get::<_, Vec<u8>>(0)?),
                        epoch: r.get(1)?,
                        changes_since_snapshot: r.get(2)?,
                        awaiting_key: r.get(3)?,
                        record: r.get(4)?,
                    })
                },
            )
            .optional()?;
        Ok(row.unwrap_or_default())
    }

    pub fn save(&self, conn: &Connection, doc: &str) -> Result<(), ReplicaError> {
        conn.execute(
            "INSERT INTO sync_docs
                 (doc, sent_heads, epoch, changes_since_snapshot, awaiting_key, record)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6)
             ON CONFLICT(doc) DO UPDATE SET sent_heads = ?2, epoch = ?3,
                 changes_since_snapshot = ?4, awaiting_key = ?5,
                 record = coalesce(record, ?6)",
            params![
                doc,
                heads_to_bytes(&self.sent_heads),
                self.epoch,
                self.changes_since_snapshot,
                self.awaiting_key,
                self.record
            ],
        )?;
        Ok(())
    }
}

/// A stored document key.
pub struct StoredKey {
    pub key: DocKey,
    pub confirmed: bool,
}

pub fn key(conn: &Connection, doc: &str, epoch: u32) -> Result<Option<StoredKey>, ReplicaError> {
    let row = conn
        .query_row(
            "SELECT key, confirmed FROM sync_keys WHERE doc = ?1 AND epoch = ?2",
            params![doc, epoch],
            |r| {
                Ok((
                    zeroize::Zeroizing::new(r.get::<_, Vec<u8>>(0)?),
                    r.get::<_, bool>(1)?,
                ))
            },
        )
        .optional()?;
    let Some((bytes, confirmed)) = row else {
        return Ok(None);
    };
    let key = DocKey::from_slice(&bytes).ok_or_else(|| {
        crate::vault::VaultError::Corrupt(format!("the key of document {doc} is malformed"))
    })?;
    Ok(Some(StoredKey { key, confirmed }))
}

pub fn put_key(
    conn: &Connection,
    doc: &str,
    epoch: u32,
    key: &DocKey,
    confirmed: bool,
) -> Result<(), ReplicaError> {
    conn.execute(
        "INSERT INTO sync_keys (doc, epoch, key, key_id, confirmed) VALUES (?1, ?2, ?3, ?4, ?5)
         ON CONFLICT(doc, epoch) DO UPDATE SET key = ?3, key_id = ?4, confirmed = ?5",
        params![doc, epoch, &key.as_bytes()[..], &key.id()[..], confirmed],
    )?;
    Ok(())
}

/// The newest epoch this device holds a key for (0: none).
pub fn newest_epoch(conn: &Connection, doc: &str) -> Result<u32, ReplicaError> {
    Ok(conn.query_row(
        "SELECT coalesce(max(epoch), 0) FROM sync_keys WHERE doc = ?1",
        [doc],
        |r| r.get(0),
    )?)
}

/// Every key this device holds: (doc, epoch, key).
pub fn all_keys(conn: &Connection) -> Result<Vec<(String, u32, DocKey)>, ReplicaError> {
    let mut stmt = conn.prepare("SELECT doc, epoch, key FROM sync_keys ORDER BY doc, epoch")?;
    let rows = stmt.query_map([], |r| {
        Ok((
            r.get::<_, String>(0)?,
            r.get::<_, u32>(1)?,
            zeroize::Zeroizing::new(r.get::<_, Vec<u8>>(2)?),
        ))
    })?;
    let mut out = vec![];
    for row in rows {
        let (doc, epoch, bytes) = row?;
        if let Some(key) = DocKey::from_slice(&bytes) {
            out.push((doc, epoch, key));
        }
    }
    Ok(out)
}

/// Queues `grant` for `to` (one key blob, signed by `me`), unless one is
/// already queued. A device whose age recipient does not parse gets nothing
/// (a warning says so): one bad device must not stop every upload.
pub fn queue_key_blob(
    conn: &Connection,
    me: &DeviceKeys,
    to: &DeviceInfo,
    grant: &Grant,
) -> Result<(), ReplicaError> {
    if !seal::recipient_is_valid(&to.age_recipient) {
        return warn(
            conn,
            "recipient_invalid",
            Code::SyncBlobInvalid,
            "",
            to.id.as_str(),
            0,
        );
    }
    let queued: bool = conn.query_row(
        "SELECT EXISTS (SELECT 1 FROM sync_outbox
         WHERE kind = 'key' AND doc = ?1 AND epoch = ?2 AND to_device = ?3 AND key_id = ?4)",
        params![grant.doc, grant.epoch, to.id.as_str(), &grant.key.id()[..]],
        |r| r.get(0),
    )?;
    if queued {
        return Ok(());
    }
    let body = seal::wrap_key(&to.age_recipient, &to.id, me, grant)?;
    conn.execute(
        "INSERT INTO sync_outbox (blob_id, doc, kind, epoch, key_id, to_device, body)
         VALUES (?1, ?2, 'key', ?3, ?4, ?5, ?6)",
        params![
            &seal::new_blob_id()?.0[..],
            grant.doc,
            grant.epoch,
            &grant.key.id()[..],
            to.id.as_str(),
            body
        ],
    )?;
    Ok(())
}

/// Queues one change (`covers: None`) or snapshot of `doc` (record `record`)
/// in the outbox.
pub fn queue_data_blob(
    conn: &Connection,
    doc: &str,
    record: &str,
    record_kind: &str,
    covers: Option<u64>,
    automerge: &[u8],
) -> Result<BlobId, ReplicaError> {
    let id = seal::new_blob_id()?;
    let kind = if covers.is_some() {
        "snapshot"
    } else {
        "change"
    };
    conn.execute(
        "INSERT INTO sync_outbox (blob_id, doc, kind, record, record_kind, covers, body)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
        params![
            &id.0[..],
            doc,
            kind,
            record,
            record_kind,
            covers.map(|c| c as i64),
            automerge
        ],
    )?;
    Ok(id)
}

fn device_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<DeviceInfo> {
    Ok(DeviceInfo {
        id: DeviceId(r.get(0)?),
        member: r.get(1)?,
        name: r.get(2)?,
        age_recipient: r.get(3)?,
        pairing_proof: None,
        paired_by: r.get::<_, Option<String>>(6)?.map(DeviceId),
        enrolled_ms: r.get(4)?,
        revoked_ms: r.get(5)?,
    })
}

const DEVICE_COLUMNS: &str = "id, member, name, age_recipient, enrolled_ms, revoked_ms, paired_by";

pub fn devices(conn: &Connection) -> Result<Vec<DeviceInfo>, ReplicaError> {
    let mut stmt = conn.prepare(&format!(
        "SELECT {DEVICE_COLUMNS} FROM sync_devices ORDER BY enrolled_ms, id"
    ))?;
    let rows = stmt.query_map([], device_row)?;
    Ok(rows.collect::<Result<_, _>>()?)
}

/// Devices keys may be wrapped to: not revoked, and not one whose pairing
/// proof failed here (the relay may have swapped its keys).
pub fn key_recipients(conn: &Connection) -> Result<Vec<DeviceInfo>, ReplicaError> {
    let mut stmt = conn.prepare(&format!(
        "SELECT {DEVICE_COLUMNS} FROM sync_devices
         WHERE revoked_ms IS NULL AND vouched >= 0 ORDER BY enrolled_ms, id"
    ))?;
    let rows = stmt.query_map([], device_row)?;
    Ok(rows.collect::<Result<_, _>>()?)
}

pub fn device(conn: &Connection, id: &DeviceId) -> Result<Option<DeviceInfo>, ReplicaError> {
    Ok(conn
        .query_row(
            &format!("SELECT {DEVICE_COLUMNS} FROM sync_devices WHERE id = ?1"),
            [id.as_str()],
            device_row,
        )
        .optional()?)
}

/// Whether this device takes document keys from `sender`: a device of
/// `member` (this device's own) that it knows, that is not revoked (whenever
/// the grant was made: a revoked device may be in an attacker's hands) and
/// whose pairing proof did not fail here. This device itself qualifies.
pub fn may_grant(conn: &Connection, sender: &DeviceId, member: &str) -> Result<bool, ReplicaError> {
    Ok(conn
        .query_row(
            "SELECT member = ?2 AND revoked_ms IS NULL AND vouched >= 0
             FROM sync_devices WHERE id = ?1",
            params![sender.as_str(), member],
            |r| r.get::<_, bool>(0),
        )
        .optional()?
        .unwrap_or(false))
}

/// Adds or refreshes a device (`seq`: the log entry that announced it, or 0).
/// A revocation once known is never undone, and the member and age recipient
/// first seen for a device id are kept: a later announcement with others (a
/// relay swapping in its own key after a pairing proof was checked) changes
/// neither, records a `device_key_changed` warning and distrusts the device.
/// Who paired it is kept once known.
pub fn upsert_device(conn: &Connection, d: &DeviceInfo, seq: u64) -> Result<(), ReplicaError> {
    let known: Option<(String, String)> = conn
        .query_row(
            "SELECT member, age_recipient FROM sync_devices WHERE id = ?1",
            [d.id.as_str()],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .optional()?;
    let paired_by = d.paired_by.as_ref().map(DeviceId::as_str);
    match known {
        None => {
            conn.execute(
                "INSERT INTO sync_devices
                     (id, member, name, age_recipient, enrolled_ms, revoked_ms, vouched, paired_by)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, 0, ?7)",
                params![
                    d.id.as_str(),
                    d.member,
                    d.name,
                    d.age_recipient,
                    d.enrolled_ms,
                    d.revoked_ms,
                    paired_by
                ],
            )?;
        }
        Some((member, recipient)) if member == d.member && recipient == d.age_recipient => {
            conn.execute(
                "UPDATE sync_devices SET name = ?2, enrolled_ms = ?3,
                     revoked_ms = coalesce(revoked_ms, ?4), paired_by = coalesce(paired_by, ?5)
                 WHERE id = ?1",
                params![
                    d.id.as_str(),
                    d.name,
                    d.enrolled_ms,
                    d.revoked_ms,
                    paired_by
                ],
            )?;
        }
        Some(_) => {
            conn.execute(
                "UPDATE sync_devices SET revoked_ms = coalesce(revoked_ms, ?2) WHERE id = ?1",
                params![d.id.as_str(), d.revoked_ms],
            )?;
            // This device's own keys are in its vault: it keeps trusting them.
            let me = super::identity::enrollment_from(conn)?.map(|e| e.device.id);
            if me.as_ref() != Some(&d.id) {
                conn.execute(
                    "UPDATE sync_devices SET vouched = -1 WHERE id = ?1",
                    [d.id.as_str()],
                )?;
                drop_key_blobs_to(conn, &d.id)?;
            }
            warn(
                conn,
                "device_key_changed",
                Code::SyncForbidden,
                "",
                d.id.as_str(),
                seq,
            )?;
        }
    }
    if d.revoked_ms.is_some() {
        drop_key_blobs_to(conn, &d.id)?;
    }
    Ok(())
}

/// Records that `reader` was left able to read `doc` by a revocation and is
/// owed its key of `epoch` (see [`owed`]).
pub fn owe(
    conn: &Connection,
    doc: &str,
    epoch: u32,
    reader: &DeviceId,
) -> Result<(), ReplicaError> {
    conn.execute(
        "INSERT OR IGNORE INTO sync_owed (doc, epoch, reader, done) VALUES (?1, ?2, ?3, 0)",
        params![doc, epoch, reader.as_str()],
    )?;
    Ok(())
}

/// Marks whether this device has wrapped its key of `doc` at `epoch` for
/// `reader` (`None`: for every reader owed one).
pub fn set_owed_done(
    conn: &Connection,
    doc: &str,
    epoch: u32,
    reader: Option<&DeviceId>,
    done: bool,
) -> Result<(), ReplicaError> {
    conn.execute(
        "UPDATE sync_owed SET done = ?4 WHERE doc = ?1 AND epoch = ?2 AND (?3 IS NULL OR reader = ?3)",
        params![doc, epoch, reader.map(DeviceId::as_str), done],
    )?;
    Ok(())
}

/// Readers owed a key this device now holds confirmed and has not wrapped
/// for them yet: (doc, epoch, reader).
pub fn owed(conn: &Connection) -> Result<Vec<(String, u32, DeviceId)>, ReplicaError> {
    let mut stmt = conn.prepare(
        "SELECT o.doc, o.epoch, o.reader FROM sync_owed o
         JOIN sync_keys k ON k.doc = o.doc AND k.epoch = o.epoch AND k.confirmed = 1
         WHERE o.done = 0 ORDER BY o.doc, o.epoch, o.reader",
    )?;
    let rows = stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?, DeviceId(r.get(2)?))))?;
    Ok(rows.collect::<Result<_, _>>()?)
}

/// Keys queued for a revoked device must never go out.
pub fn drop_key_blobs_to(conn: &Connection, id: &DeviceId) -> Result<(), ReplicaError> {
    conn.execute(
        "DELETE FROM sync_outbox WHERE kind = 'key' AND to_device = ?1",
        [id.as_str()],
    )?;
    Ok(())
}

pub fn warn(
    conn: &Connection,
    kind: &str,
    code: Code,
    doc: &str,
    device: &str,
    seq: u64,
) -> Result<(), ReplicaError> {
    tracing::warn!(kind, code = code.as_str(), doc, device, seq, "sync warning");
    conn.execute(
        "INSERT OR IGNORE INTO sync_warnings (at_ms, kind, code, doc, device, seq)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
        params![
            crate::vault::now_ms(),
            kind,
            code.as_str(),
            doc,
            device,
            seq as i64
        ],
    )?;
    Ok(())
}

pub fn warnings(conn: &Connection) -> Result<Vec<Warning>, ReplicaError> {
    let mut stmt =
        conn.prepare("SELECT at_ms, kind, code, doc, device, seq FROM sync_warnings ORDER BY id")?;
    let rows = stmt.query_map([], |r| {
        Ok(Warning {
            at_ms: r.get(0)?,
            kind: r.get(1)?,
            code: Code::parse(&r.get::<_, String>(2)?).unwrap_or(Code::Internal),
            doc: r.get(3)?,
            device: r.get(4)?,
            seq: r.get::<_, i64>(5)?.max(0) as u64,
        })
    })?;
    Ok(rows.collect::<Result<_, _>>()?)
}
