//! The store's transactions in SQL for SQLite (the same steps as the
//! PostgreSQL backend's, over the same rules in `store/rules.rs`).

use bloom_core::sync::log::{Blob, BlobKind, DeviceId, DeviceInfo, DocReaders, Entry, LogItem};
use rusqlite::{Connection, OptionalExtension, Transaction, params};

use crate::store::row::{self, Row, to_i64, to_u64};
use crate::store::rules::{self, Facts, KnownId, Plan, Recipient};
use crate::store::{Appended, BlobRefusal, NewDevice, Quotas, StoreError};

pub fn head(tx: &Connection) -> Result<u64, StoreError> {
    to_u64(tx.query_row("SELECT head FROM log_head", [], |r| r.get(0))?)
}

fn set_head(tx: &Transaction<'_>, head: u64) -> Result<(), StoreError> {
    tx.execute("UPDATE log_head SET head = ?1", [to_i64(head)?])?;
    Ok(())
}

fn insert_row(tx: &Transaction<'_>, r: &Row) -> Result<(), StoreError> {
    tx.execute(
        "INSERT INTO entries (seq, from_device, at_ms, kind, blob_id, doc, epoch, to_device,
                              covers, key_id, body)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)",
        params![
            r.seq, r.from, r.at_ms, r.kind, r.blob_id, r.doc, r.epoch, r.to, r.covers, r.key_id,
            r.body
        ],
    )?;
    Ok(())
}

fn read_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<Row> {
    Ok(Row {
        seq: r.get(0)?,
        from: r.get(1)?,
        at_ms: r.get(2)?,
        kind: r.get(3)?,
        blob_id: r.get(4)?,
        doc: r.get(5)?,
        epoch: r.get(6)?,
        to: r.get(7)?,
        covers: r.get(8)?,
        key_id: r.get(9)?,
        body: r.get(10)?,
    })
}

pub const DEVICE_COLUMNS: &str =
    "id, member, name, age_recipient, pairing_proof, enrolled_ms, revoked_ms, paired_by";

pub fn read_device(r: &rusqlite::Row<'_>) -> rusqlite::Result<row::DeviceRow> {
    Ok(row::DeviceRow {
        id: r.get(0)?,
        member: r.get(1)?,
        name: r.get(2)?,
        age_recipient: r.get(3)?,
        pairing_proof: r.get(4)?,
        paired_by: r.get(7)?,
        enrolled_ms: r.get(5)?,
        revoked_ms: r.get(6)?,
    })
}

pub fn device(conn: &Connection, id: &str) -> Result<Option<DeviceInfo>, StoreError> {
    let sql = format!("SELECT {DEVICE_COLUMNS} FROM devices WHERE id = ?1");
    conn.query_row(&sql, [id], read_device)
        .optional()?
        .map(row::DeviceRow::into_info)
        .transpose()
}

pub fn enroll(
    tx: &Transaction<'_>,
    token_hash: [u8; 32],
    new: NewDevice,
    now_ms: i64,
) -> Result<(DeviceInfo, u64), StoreError> {
    let invite: Option<(String, Option<String>, i64, Option<i64>)> = tx
        .query_row(
            "SELECT member, by_device, expires_ms, used_ms FROM invites WHERE token_hash = ?1",
            [&token_hash[..]],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)),
        )
        .optional()?;
    let Some((member, by, expires_ms, None)) = invite else {
        return Err(StoreError::InviteInvalid);
    };
    if now_ms >= expires_ms {
        return Err(StoreError::InviteInvalid);
    }
    // A pairing invite adds a device for the member of the device that made it.
    let by_device = by.clone().map(DeviceId);
    let member = match by {
        None => member,
        Some(by) => match device(tx, &by)? {
            Some(maker) if maker.revoked_ms.is_none() => maker.member,
            _ => return Err(StoreError::InviteInvalid),
        },
    };
    if device(tx, new.id.as_str())?.is_some() {
        return Err(StoreError::AlreadyEnrolled(new.id));
    }
    let seq = head(tx)? + 1;
    let info = DeviceInfo {
        id: new.id,
        member,
        name: new.name,
        age_recipient: new.age_recipient,
        pairing_proof: new.pairing_proof,
        paired_by: by_device.clone(),
        enrolled_ms: now_ms,
        revoked_ms: None,
    };
    tx.execute(
        "INSERT INTO devices (id, member, name, age_recipient, pairing_proof, enrolled_ms,
                              enrolled_seq, paired_by)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
        params![
            info.id.as_str(),
            info.member,
            info.name,
            info.age_recipient,
            info.pairing_proof.map(|p| p.to_vec()),
            now_ms,
            to_i64(seq)?,
            info.paired_by.as_ref().map(DeviceId::as_str)
        ],
    )?;
    let item = LogItem::DeviceEnrolled(info.clone());
    insert_row(tx, &Row::of_item(seq, now_ms, &item)?)?;
    tx.execute(
        "UPDATE invites SET used_ms = ?1, used_by = ?2 WHERE token_hash = ?3",
        params![now_ms, info.id.as_str(), &token_hash[..]],
    )?;
    set_head(tx, seq)?;
    Ok((info, seq))
}

/// Enough entries to read back any revocation (a million documents).
const MAX_REVOCATION_ENTRIES: u64 = 4096;

/// Revokes; `Some(seq)` of the last entry when this call wrote the revocation.
pub fn revoke(
    tx: &Transaction<'_>,
    id: &DeviceId,
    now_ms: i64,
) -> Result<(Vec<DocReaders>, Option<u64>), StoreError> {
    let found: Option<Option<i64>> = tx
        .query_row(
            "SELECT revoked_seq FROM devices WHERE id = ?1",
            [id.as_str()],
            |r| r.get(0),
        )
        .optional()?;
    match found {
        None => return Err(StoreError::NoSuchDevice(id.clone())),
        Some(Some(seq)) => {
            // Revoked before: answer what the first revocation said.
            let sql = format!(
                "SELECT {} FROM entries WHERE seq >= ?1 ORDER BY seq LIMIT ?2",
                row::COLUMNS
            );
            let limit = to_i64(MAX_REVOCATION_ENTRIES)?;
            let entries = tx
                .prepare(&sql)?
                .query_map(params![seq, limit], read_row)?
                .map(|r| r.map_err(StoreError::from).and_then(|row| row.into_entry()))
                .collect::<Result<Vec<_>, _>>()?;
            return row::revoked_docs_of(id, entries).map(|docs| (docs, None));
        }
        Some(None) => {}
    }
    let docs: Vec<String> = tx
        .prepare("SELECT doc FROM doc_readers WHERE device = ?1 ORDER BY doc")?
        .query_map([id.as_str()], |r| r.get(0))?
        .collect::<Result<_, _>>()?;
    tx.execute("DELETE FROM doc_readers WHERE device = ?1", [id.as_str()])?;
    let mut out = Vec::with_capacity(docs.len());
    for doc in docs {
        let epoch: i64 = tx.query_row(
            "SELECT COALESCE(MAX(epoch), 0) FROM doc_keys WHERE doc = ?1",
            [&doc],
            |r| r.get(0),
        )?;
        let readers = tx
            .prepare("SELECT device FROM doc_readers WHERE doc = ?1 ORDER BY device")?
            .query_map([&doc], |r| r.get(0).map(DeviceId))?
            .collect::<Result<_, _>>()?;
        tx.execute(
            "INSERT INTO doc_rotations (doc, compromised_epoch) VALUES (?1, ?2)
             ON CONFLICT (doc) DO UPDATE SET
                 compromised_epoch = max(compromised_epoch, excluded.compromised_epoch)",
            params![&doc, epoch],
        )?;
        out.push(DocReaders {
            doc,
            epoch: row::to_epoch(epoch)?,
            readers,
        });
    }
    let first = head(tx)? + 1;
    let mut seq = first;
    for item in row::revocation_items(id, &out) {
        insert_row(tx, &Row::of_item(seq, now_ms, &item)?)?;
        seq += 1;
    }
    let last = seq - 1;
    tx.execute(
        "UPDATE devices SET revoked_ms = ?1, revoked_seq = ?2 WHERE id = ?3",
        params![now_ms, to_i64(first)?, id.as_str()],
    )?;
    set_head(tx, last)?;
    Ok((out, Some(last)))
}

pub fn append(
    tx: &Transaction<'_>,
    from: &DeviceId,
    blobs: Vec<Blob>,
    now_ms: i64,
    quotas: &Quotas,
) -> Result<(Vec<Appended>, u64), StoreError> {
    let revoked: Option<Option<i64>> = tx
        .query_row(
            "SELECT revoked_ms FROM devices WHERE id = ?1",
            [from.as_str()],
            |r| r.get(0),
        )
        .optional()?;
    let Some(revoked) = revoked else {
        return Err(StoreError::NoSuchDevice(from.clone()));
    };
    let mut head = head(tx)?;
    let start = head;
    let mut out = Vec::with_capacity(blobs.len());
    for blob in blobs {
        if revoked.is_some() {
            out.push(Appended::Refused(BlobRefusal::Forbidden(blob.doc)));
            continue;
        }
        let known = tx
            .query_row(
                "SELECT device, seq FROM blob_ids WHERE id = ?1",
                [&blob.id.0[..]],
                |r| Ok((r.get::<_, String>(0)?, r.get::<_, i64>(1)?)),
            )
            .optional()?;
        if let Some((device, seq)) = known {
            let known = KnownId {
                device: DeviceId(device),
                seq: to_u64(seq)?,
            };
            out.push(rules::judge_known_id(from, &known));
            continue;
        }
        if let Err(refusal) = rules::check_shape(&blob, quotas) {
            out.push(Appended::Refused(refusal));
            continue;
        }
        let facts = facts(tx, from, &blob, head)?;
        match rules::judge(from, &blob, &facts, quotas) {
            Err(refusal) => out.push(Appended::Refused(refusal)),
            Ok(plan) => {
                head += 1;
                store_blob(tx, from, blob, plan, head, now_ms)?;
                out.push(Appended::Stored { seq: head });
            }
        }
    }
    if head != start {
        set_head(tx, head)?;
    }
    Ok((out, head))
}

fn facts(
    tx: &Transaction<'_>,
    from: &DeviceId,
    blob: &Blob,
    head: u64,
) -> Result<Facts, StoreError> {
    let (doc, me) = (blob.doc.as_str(), from.as_str());
    let (readers, from_reads): (i64, i64) = tx.query_row(
        "SELECT count(*), count(*) FILTER (WHERE device = ?2) FROM doc_readers WHERE doc = ?1",
        [doc, me],
        |r| Ok((r.get(0)?, r.get(1)?)),
    )?;
    let newest: Option<i64> = tx.query_row(
        "SELECT MAX(epoch) FROM doc_keys WHERE doc = ?1",
        [doc],
        |r| r.get(0),
    )?;
    let compromised: Option<i64> = tx
        .query_row(
            "SELECT compromised_epoch FROM doc_rotations WHERE doc = ?1",
            [doc],
            |r| r.get(0),
        )
        .optional()?;
    let mut facts = Facts {
        head,
        doc_has_readers: readers > 0,
        from_reads: from_reads > 0,
        newest_epoch: newest.map(row::to_epoch).transpose()?,
        compromised_epoch: compromised.map(row::to_epoch).transpose()?,
        epoch_key: None,
        recipient: None,
        stored_bytes: stored_bytes(tx, me)?,
        freed_bytes: 0,
    };
    match blob.kind {
        BlobKind::Key { .. } => {
            let key: Option<Vec<u8>> = tx
                .query_row(
                    "SELECT key_id FROM doc_keys WHERE doc = ?1 AND epoch = ?2",
                    params![doc, blob.epoch],
                    |r| r.get(0),
                )
                .optional()?;
            facts.epoch_key = key.map(|k| row::key_id(&k)).transpose()?;
            let to = blob.to.as_ref().map(|t| t.as_str()).unwrap_or_default();
            let state: Option<Option<i64>> = tx
                .query_row("SELECT revoked_ms FROM devices WHERE id = ?1", [to], |r| {
                    r.get(0)
                })
                .optional()?;
            facts.recipient = Some(match state {
                None => Recipient::Unknown,
                Some(Some(_)) => Recipient::Revoked,
                Some(None) => Recipient::Active,
            });
        }
        BlobKind::Snapshot { covers } => {
            facts.freed_bytes = to_u64(tx.query_row(
                "SELECT COALESCE(SUM(length(body)), 0) FROM entries
                 WHERE doc = ?1 AND kind IN ('change', 'snapshot') AND seq <= ?2
                   AND from_device = ?3",
                params![doc, to_i64(covers)?, me],
                |r| r.get(0),
            )?)?;
        }
        BlobKind::Change => {}
    }
    Ok(facts)
}

pub fn stored_bytes(conn: &Connection, device: &str) -> Result<u64, StoreError> {
    let bytes: Option<i64> = conn
        .query_row(
            "SELECT stored_bytes FROM devices WHERE id = ?1",
            [device],
            |r| r.get(0),
        )
        .optional()?;
    to_u64(bytes.ok_or_else(|| StoreError::NoSuchDevice(DeviceId(device.into())))?)
}

fn store_blob(
    tx: &Transaction<'_>,
    from: &DeviceId,
    blob: Blob,
    plan: Plan,
    seq: u64,
    now_ms: i64,
) -> Result<(), StoreError> {
    let doc = blob.doc.clone();
    if let Some(upto) = plan.compact_upto {
        let upto = to_i64(upto)?;
        // Give the bytes back to whoever stored them, then delete.
        tx.execute(
            "UPDATE devices SET stored_bytes = stored_bytes - (
                 SELECT COALESCE(SUM(length(body)), 0) FROM entries
                 WHERE doc = ?1 AND kind IN ('change', 'snapshot') AND seq <= ?2
                   AND from_device = devices.id)
             WHERE id IN (SELECT from_device FROM entries
                          WHERE doc = ?1 AND kind IN ('change', 'snapshot') AND seq <= ?2)",
            params![doc, upto],
        )?;
        tx.execute(
            "DELETE FROM entries WHERE doc = ?1 AND kind IN ('change', 'snapshot') AND seq <= ?2",
            params![doc, upto],
        )?;
    }
    for reader in &plan.add_readers {
        tx.execute(
            "INSERT OR IGNORE INTO doc_readers (doc, device) VALUES (?1, ?2)",
            [doc.as_str(), reader.as_str()],
        )?;
    }
    if let Some((epoch, key_id)) = plan.record_key {
        tx.execute(
            "INSERT INTO doc_keys (doc, epoch, key_id) VALUES (?1, ?2, ?3)",
            params![doc, epoch, &key_id[..]],
        )?;
    }
    let size = to_i64(blob.body.len() as u64)?;
    let id = blob.id.0;
    insert_row(tx, &Row::of_blob(seq, from, now_ms, blob)?)?;
    tx.execute(
        "INSERT INTO blob_ids (id, device, seq) VALUES (?1, ?2, ?3)",
        params![&id[..], from.as_str(), to_i64(seq)?],
    )?;
    tx.execute(
        "UPDATE devices SET stored_bytes = stored_bytes + ?1 WHERE id = ?2",
        params![size, from.as_str()],
    )?;
    Ok(())
}

pub fn since(
    conn: &Connection,
    device: &DeviceId,
    since: u64,
    limit: usize,
) -> Result<Vec<Entry>, StoreError> {
    let revoked: Option<Option<i64>> = conn
        .query_row(
            "SELECT revoked_ms FROM devices WHERE id = ?1",
            [device.as_str()],
            |r| r.get(0),
        )
        .optional()?;
    match revoked {
        None => return Err(StoreError::NoSuchDevice(device.clone())),
        Some(Some(_)) => return Ok(Vec::new()),
        Some(None) => {}
    }
    let sql = format!(
        "SELECT {} FROM entries
         WHERE seq > ?1 AND (kind IN ('enrolled', 'revoked')
             OR (kind = 'key' AND to_device = ?2)
             OR (kind IN ('change', 'snapshot')
                 AND doc IN (SELECT doc FROM doc_readers WHERE device = ?2)))
         ORDER BY seq LIMIT ?3",
        row::COLUMNS
    );
    let limit = i64::try_from(limit).unwrap_or(i64::MAX);
    let rows: Vec<Row> = conn
        .prepare(&sql)?
        .query_map(params![to_i64(since)?, device.as_str(), limit], read_row)?
        .collect::<Result<_, _>>()?;
    rows.into_iter().map(Row::into_entry).collect()
}
