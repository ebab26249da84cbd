//! The store's transactions in SQL for PostgreSQL (the same steps as the
//! SQLite backend's, over the same rules in `store/rules.rs`).

use bloom_core::sync::log::{Blob, BlobKind, DeviceId, DeviceInfo, DocReaders, Entry, LogItem};
use tokio_postgres::{Client, GenericClient, Transaction};

use super::CHANNEL;
use crate::store::row::{self, DeviceRow, Row, to_i64, to_u64};
use crate::store::rules::{self, Facts, KnownId, Plan, Recipient};
use crate::store::{Appended, BlobRefusal, InviteKind, NewDevice, NewInvite, Quotas, StoreError};

const DEVICE_COLUMNS: &str =
    "id, member, name, age_recipient, pairing_proof, enrolled_ms, revoked_ms, paired_by";

/// Starts a log write: takes the head lock, returns the head.
async fn begin(c: &mut Client) -> Result<(Transaction<'_>, u64), StoreError> {
    let tx = c.transaction().await?;
    let head: i64 = tx
        .query_one("SELECT head FROM log_head WHERE id = 1 FOR UPDATE", &[])
        .await?
        .try_get(0)?;
    Ok((tx, to_u64(head)?))
}

async fn set_head(tx: &Transaction<'_>, head: u64) -> Result<(), StoreError> {
    tx.execute(
        "UPDATE log_head SET head = $1 WHERE id = 1",
        &[&to_i64(head)?],
    )
    .await?;
    notify(tx, &format!("appended:{head}")).await
}

/// Sent when (and only if) the transaction commits.
async fn notify(tx: &Transaction<'_>, payload: &str) -> Result<(), StoreError> {
    tx.execute("SELECT pg_notify($1, $2)", &[&CHANNEL, &payload])
        .await?;
    Ok(())
}

pub async fn head(c: &impl GenericClient) -> Result<u64, StoreError> {
    let head: i64 = c
        .query_one("SELECT head FROM log_head WHERE id = 1", &[])
        .await?
        .try_get(0)?;
    to_u64(head)
}

async fn insert_row(tx: &Transaction<'_>, r: &Row) -> Result<(), StoreError> {
    tx.execute(
        "INSERT INTO entries (seq, from_device, at_ms, kind, blob_id, doc, epoch, to_device,
                              covers, key_id, body)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
        &[
            &r.seq, &r.from, &r.at_ms, &r.kind, &r.blob_id, &r.doc, &r.epoch, &r.to, &r.covers,
            &r.key_id, &r.body,
        ],
    )
    .await?;
    Ok(())
}

fn read_row(r: &tokio_postgres::Row) -> Result<Row, StoreError> {
    Ok(Row {
        seq: r.try_get(0)?,
        from: r.try_get(1)?,
        at_ms: r.try_get(2)?,
        kind: r.try_get(3)?,
        blob_id: r.try_get(4)?,
        doc: r.try_get(5)?,
        epoch: r.try_get(6)?,
        to: r.try_get(7)?,
        covers: r.try_get(8)?,
        key_id: r.try_get(9)?,
        body: r.try_get(10)?,
    })
}

fn read_device(r: &tokio_postgres::Row) -> Result<DeviceInfo, StoreError> {
    DeviceRow {
        id: r.try_get(0)?,
        member: r.try_get(1)?,
        name: r.try_get(2)?,
        age_recipient: r.try_get(3)?,
        pairing_proof: r.try_get(4)?,
        paired_by: r.try_get(7)?,
        enrolled_ms: r.try_get(5)?,
        revoked_ms: r.try_get(6)?,
    }
    .into_info()
}

pub async fn device(c: &impl GenericClient, id: &str) -> Result<Option<DeviceInfo>, StoreError> {
    let sql = format!("SELECT {DEVICE_COLUMNS} FROM devices WHERE id = $1");
    c.query_opt(&sql, &[&id])
        .await?
        .as_ref()
        .map(read_device)
        .transpose()
}

pub async fn devices(c: &Client) -> Result<Vec<DeviceInfo>, StoreError> {
    let sql = format!("SELECT {DEVICE_COLUMNS} FROM devices ORDER BY enrolled_seq");
    c.query(&sql, &[]).await?.iter().map(read_device).collect()
}

/// `None` for an unknown device, `Some(revoked_ms)` otherwise.
async fn revoked(c: &impl GenericClient, id: &str) -> Result<Option<Option<i64>>, StoreError> {
    let row = c
        .query_opt("SELECT revoked_ms FROM devices WHERE id = $1", &[&id])
        .await?;
    Ok(row.map(|r| r.try_get(0)).transpose()?)
}

pub async fn create_invite(c: &Client, invite: NewInvite) -> Result<(), StoreError> {
    let by = match &invite.kind {
        InviteKind::Admin => None,
        InviteKind::Pairing { by } => {
            if device(c, by.as_str()).await?.is_none() {
                return Err(StoreError::NoSuchDevice(by.clone()));
            }
            Some(by.0.clone())
        }
    };
    c.execute(
        "INSERT INTO invites (token_hash, member, by_device, expires_ms, created_ms)
         VALUES ($1, $2, $3, $4, $5)",
        &[
            &&invite.token_hash[..],
            &invite.member,
            &by,
            &invite.expires_ms,
            &invite.created_ms,
        ],
    )
    .await?;
    Ok(())
}

pub async fn enroll(
    c: &mut Client,
    token_hash: [u8; 32],
    new: NewDevice,
    now_ms: i64,
) -> Result<(DeviceInfo, u64), StoreError> {
    let (tx, head) = begin(c).await?;
    // FOR UPDATE: a second use of the token waits here, then finds it used.
    let invite = tx
        .query_opt(
            "SELECT member, by_device, expires_ms, used_ms FROM invites
             WHERE token_hash = $1 FOR UPDATE",
            &[&&token_hash[..]],
        )
        .await?;
    let Some(invite) = invite else {
        return Err(StoreError::InviteInvalid);
    };
    let (member, by, expires_ms, used_ms): (String, Option<String>, i64, Option<i64>) = (
        invite.try_get(0)?,
        invite.try_get(1)?,
        invite.try_get(2)?,
        invite.try_get(3)?,
    );
    if used_ms.is_some() || now_ms >= expires_ms {
        return Err(StoreError::InviteInvalid);
    }
    // A pairing invite adds a device for the member of the device that made it.
    let by_device = by.clone().map(DeviceId);
    let member = match by {
        None => member,
        Some(by) => match device(&tx, &by).await? {
            Some(maker) if maker.revoked_ms.is_none() => maker.member,
            _ => return Err(StoreError::InviteInvalid),
        },
    };
    if device(&tx, new.id.as_str()).await?.is_some() {
        return Err(StoreError::AlreadyEnrolled(new.id));
    }
    let seq = head + 1;
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
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
        &[
            &info.id.as_str(),
            &info.member,
            &info.name,
            &info.age_recipient,
            &info.pairing_proof.map(|p| p.to_vec()),
            &now_ms,
            &to_i64(seq)?,
            &info.paired_by.as_ref().map(DeviceId::as_str),
        ],
    )
    .await?;
    let item = LogItem::DeviceEnrolled(info.clone());
    insert_row(&tx, &Row::of_item(seq, now_ms, &item)?).await?;
    tx.execute(
        "UPDATE invites SET used_ms = $1, used_by = $2 WHERE token_hash = $3",
        &[&now_ms, &info.id.as_str(), &&token_hash[..]],
    )
    .await?;
    set_head(&tx, seq).await?;
    tx.commit().await?;
    Ok((info, seq))
}

pub async fn touch(c: &Client, id: &DeviceId, now_ms: i64) -> Result<(), StoreError> {
    let n = c
        .execute(
            "UPDATE devices SET last_seen_ms = $1 WHERE id = $2",
            &[&now_ms, &id.as_str()],
        )
        .await?;
    if n == 0 {
        return Err(StoreError::NoSuchDevice(id.clone()));
    }
    Ok(())
}

pub async fn last_seen(c: &Client) -> Result<Vec<(DeviceId, i64)>, StoreError> {
    c.query(
        "SELECT id, last_seen_ms FROM devices WHERE last_seen_ms IS NOT NULL
         ORDER BY enrolled_seq",
        &[],
    )
    .await?
    .iter()
    .map(|r| Ok((DeviceId(r.try_get(0)?), r.try_get(1)?)))
    .collect()
}

/// Revokes; `Some(seq)` when this call wrote the revocation entry.
pub async fn revoke(
    c: &mut Client,
    id: &DeviceId,
    now_ms: i64,
) -> Result<(Vec<DocReaders>, Option<u64>), StoreError> {
    let (tx, head) = begin(c).await?;
    let found = tx
        .query_opt(
            "SELECT revoked_seq FROM devices WHERE id = $1",
            &[&id.as_str()],
        )
        .await?;
    let Some(found) = found else {
        return Err(StoreError::NoSuchDevice(id.clone()));
    };
    if let Some(seq) = found.try_get::<_, Option<i64>>(0)? {
        // Revoked before: answer what the first revocation said.
        let sql = format!(
            "SELECT {} FROM entries WHERE seq >= $1 ORDER BY seq LIMIT 4096",
            row::COLUMNS
        );
        let entries = tx
            .query(&sql, &[&seq])
            .await?
            .iter()
            .map(|r| read_row(r).and_then(|row| row.into_entry()))
            .collect::<Result<Vec<_>, _>>()?;
        return row::revoked_docs_of(id, entries).map(|docs| (docs, None));
    }
    let docs = tx
        .query(
            "DELETE FROM doc_readers WHERE device = $1 RETURNING doc",
            &[&id.as_str()],
        )
        .await?;
    let mut docs: Vec<String> = docs
        .iter()
        .map(|r| r.try_get(0))
        .collect::<Result<_, _>>()?;
    docs.sort();
    let mut out = Vec::with_capacity(docs.len());
    for doc in docs {
        let epoch: i64 = tx
            .query_one(
                "SELECT COALESCE(MAX(epoch), 0) FROM doc_keys WHERE doc = $1",
                &[&doc],
            )
            .await?
            .try_get(0)?;
        let readers = tx
            .query(
                "SELECT device FROM doc_readers WHERE doc = $1 ORDER BY device",
                &[&doc],
            )
            .await?
            .iter()
            .map(|r| r.try_get(0).map(DeviceId))
            .collect::<Result<_, _>>()?;
        tx.execute(
            "INSERT INTO doc_rotations (doc, compromised_epoch) VALUES ($1, $2)
             ON CONFLICT (doc) DO UPDATE SET compromised_epoch =
                 GREATEST(doc_rotations.compromised_epoch, EXCLUDED.compromised_epoch)",
            &[&doc, &epoch],
        )
        .await?;
        out.push(DocReaders {
            doc,
            epoch: row::to_epoch(epoch)?,
            readers,
        });
    }
    let first = head + 1;
    let mut seq = first;
    for item in row::revocation_items(id, &out) {
        insert_row(&tx, &Row::of_item(seq, now_ms, &item)?).await?;
        seq += 1;
    }
    let last = seq - 1;
    tx.execute(
        "UPDATE devices SET revoked_ms = $1, revoked_seq = $2 WHERE id = $3",
        &[&now_ms, &to_i64(first)?, &id.as_str()],
    )
    .await?;
    notify(&tx, &format!("revoked:{id}")).await?;
    set_head(&tx, last).await?;
    tx.commit().await?;
    Ok((out, Some(last)))
}

pub async fn append(
    c: &mut Client,
    from: &DeviceId,
    blobs: Vec<Blob>,
    now_ms: i64,
    quotas: &Quotas,
) -> Result<(Vec<Appended>, u64), StoreError> {
    let (tx, mut head) = begin(c).await?;
    let Some(revoked) = revoked(&tx, from.as_str()).await? else {
        return Err(StoreError::NoSuchDevice(from.clone()));
    };
    let start = head;
    let mut out = Vec::with_capacity(blobs.len());
    for blob in blobs {
        if revoked.is_some() {
            out.push(Appended::Refused(BlobRefusal::Forbidden(blob.doc)));
            continue;
        }
        let known = tx
            .query_opt(
                "SELECT device, seq FROM blob_ids WHERE id = $1",
                &[&&blob.id.0[..]],
            )
            .await?;
        if let Some(known) = known {
            let known = KnownId {
                device: DeviceId(known.try_get(0)?),
                seq: to_u64(known.try_get(1)?)?,
            };
            out.push(rules::judge_known_id(from, &known));
            continue;
        }
        if let Err(refusal) = rules::check_shape(&blob, quotas) {
            out.push(Appended::Refused(refusal));
            continue;
        }
        let facts = facts(&tx, from, &blob, head).await?;
        match rules::judge(from, &blob, &facts, quotas) {
            Err(refusal) => out.push(Appended::Refused(refusal)),
            Ok(plan) => {
                head += 1;
                store_blob(&tx, from, blob, plan, head, now_ms).await?;
                out.push(Appended::Stored { seq: head });
            }
        }
    }
    if head != start {
        set_head(&tx, head).await?;
    }
    tx.commit().await?;
    Ok((out, head))
}

async fn facts(
    tx: &Transaction<'_>,
    from: &DeviceId,
    blob: &Blob,
    head: u64,
) -> Result<Facts, StoreError> {
    let (doc, me) = (blob.doc.as_str(), from.as_str());
    let readers = tx
        .query_one(
            "SELECT count(*), count(*) FILTER (WHERE device = $2)
             FROM doc_readers WHERE doc = $1",
            &[&doc, &me],
        )
        .await?;
    let newest: Option<i64> = tx
        .query_one("SELECT MAX(epoch) FROM doc_keys WHERE doc = $1", &[&doc])
        .await?
        .try_get(0)?;
    let compromised: Option<i64> = tx
        .query_opt(
            "SELECT compromised_epoch FROM doc_rotations WHERE doc = $1",
            &[&doc],
        )
        .await?
        .map(|r| r.try_get(0))
        .transpose()?;
    let mut facts = Facts {
        head,
        doc_has_readers: readers.try_get::<_, i64>(0)? > 0,
        from_reads: readers.try_get::<_, i64>(1)? > 0,
        newest_epoch: newest.map(row::to_epoch).transpose()?,
        compromised_epoch: compromised.map(row::to_epoch).transpose()?,
        epoch_key: None,
        recipient: None,
        stored_bytes: stored_bytes(tx, me).await?,
        freed_bytes: 0,
    };
    match blob.kind {
        BlobKind::Key { .. } => {
            let key = tx
                .query_opt(
                    "SELECT key_id FROM doc_keys WHERE doc = $1 AND epoch = $2",
                    &[&doc, &i64::from(blob.epoch)],
                )
                .await?;
            facts.epoch_key = match key {
                Some(k) => Some(row::key_id(k.try_get(0)?)?),
                None => None,
            };
            let to = blob.to.as_ref().map(|t| t.as_str()).unwrap_or_default();
            facts.recipient = Some(match revoked(tx, to).await? {
                None => Recipient::Unknown,
                Some(Some(_)) => Recipient::Revoked,
                Some(None) => Recipient::Active,
            });
        }
        BlobKind::Snapshot { covers } => {
            let freed: i64 = tx
                .query_one(
                    "SELECT COALESCE(SUM(octet_length(body)), 0)::BIGINT FROM entries
                     WHERE doc = $1 AND kind IN ('change', 'snapshot') AND seq <= $2
                       AND from_device = $3",
                    &[&doc, &to_i64(covers)?, &me],
                )
                .await?
                .try_get(0)?;
            facts.freed_bytes = to_u64(freed)?;
        }
        BlobKind::Change => {}
    }
    Ok(facts)
}

pub async fn stored_bytes(c: &impl GenericClient, device: &str) -> Result<u64, StoreError> {
    let row = c
        .query_opt("SELECT stored_bytes FROM devices WHERE id = $1", &[&device])
        .await?
        .ok_or_else(|| StoreError::NoSuchDevice(DeviceId(device.into())))?;
    to_u64(row.try_get(0)?)
}

async fn store_blob(
    tx: &Transaction<'_>,
    from: &DeviceId,
    blob: Blob,
    plan: Plan,
    seq: u64,
    now_ms: i64,
) -> Result<(), StoreError> {
    let doc = blob.doc.clone();
    if let Some(upto) = plan.compact_upto {
        // Delete, and give the bytes back to whoever stored them.
        tx.execute(
            "WITH gone AS (
                 DELETE FROM entries
                 WHERE doc = $1 AND kind IN ('change', 'snapshot') AND seq <= $2
                 RETURNING from_device, octet_length(body) AS size),
             per AS (SELECT from_device, SUM(size)::BIGINT AS size FROM gone GROUP BY from_device)
             UPDATE devices SET stored_bytes = devices.stored_bytes - per.size
             FROM per WHERE devices.id = per.from_device",
            &[&doc, &to_i64(upto)?],
        )
        .await?;
    }
    for reader in &plan.add_readers {
        tx.execute(
            "INSERT INTO doc_readers (doc, device) VALUES ($1, $2) ON CONFLICT DO NOTHING",
            &[&doc, &reader.as_str()],
        )
        .await?;
    }
    if let Some((epoch, key_id)) = plan.record_key {
        tx.execute(
            "INSERT INTO doc_keys (doc, epoch, key_id) VALUES ($1, $2, $3)",
            &[&doc, &i64::from(epoch), &&key_id[..]],
        )
        .await?;
    }
    let size = to_i64(blob.body.len() as u64)?;
    let id = blob.id.0;
    insert_row(tx, &Row::of_blob(seq, from, now_ms, blob)?).await?;
    tx.execute(
        "INSERT INTO blob_ids (id, device, seq) VALUES ($1, $2, $3)",
        &[&&id[..], &from.as_str(), &to_i64(seq)?],
    )
    .await?;
    tx.execute(
        "UPDATE devices SET stored_bytes = stored_bytes + $1 WHERE id = $2",
        &[&size, &from.as_str()],
    )
    .await?;
    Ok(())
}

pub async fn since(
    c: &Client,
    device: &DeviceId,
    after: u64,
    limit: usize,
) -> Result<Vec<Entry>, StoreError> {
    match revoked(c, device.as_str()).await? {
        None => return Err(StoreError::NoSuchDevice(device.clone())),
        Some(Some(_)) => return Ok(Vec::new()),
        Some(None) => {}
    }
    let sql = format!(
        "SELECT {} FROM entries
         WHERE seq > $1 AND (kind IN ('enrolled', 'revoked')
             OR (kind = 'key' AND to_device = $2)
             OR (kind IN ('change', 'snapshot')
                 AND doc IN (SELECT doc FROM doc_readers WHERE device = $2)))
         ORDER BY seq LIMIT $3",
        row::COLUMNS
    );
    let limit = i64::try_from(limit).unwrap_or(i64::MAX);
    c.query(&sql, &[&to_i64(after)?, &device.as_str(), &limit])
        .await?
        .iter()
        .map(|r| read_row(r)?.into_entry())
        .collect()
}
