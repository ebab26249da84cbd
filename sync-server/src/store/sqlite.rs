//! The embedded backend: one SQLCipher file, encrypted with a 32-byte key.
//!
//! Every call runs on tokio's blocking pool against one connection behind a
//! mutex; writes take SQLite's write lock up front (`BEGIN IMMEDIATE`) so a
//! second process on the same file (the `bloom-relay` CLI next to a running
//! relay) waits its turn (`busy_timeout`) instead of failing. Events reach
//! only this process's subscribers.

use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use bloom_core::sync::log::{Blob, DeviceId, DeviceInfo, DocReaders, Entry, LogItem};
use rusqlite::{Connection, OptionalExtension, Transaction, TransactionBehavior, params};
use tokio::sync::broadcast;

use super::row::{self, Row, to_i64, to_u64};
use super::rules::{self, Facts, KnownId, Plan, Recipient};
use super::{
    Appended, BlobRefusal, InviteKind, NewDevice, NewInvite, Quotas, RelayStore, StoreError,
    StoreEvent,
};

mod schema;

/// How long a write waits for another process holding the file's write lock.
const BUSY_TIMEOUT: Duration = Duration::from_secs(10);

/// The SQLCipher-backed store. Cheap to clone; clones share one connection.
#[derive(Clone)]
pub struct SqliteStore {
    conn: Arc<Mutex<Connection>>,
    quotas: Quotas,
    events: broadcast::Sender<StoreEvent>,
}

impl From<rusqlite::Error> for StoreError {
    fn from(e: rusqlite::Error) -> Self {
        // rusqlite's messages name the SQL, never the bound values.
        StoreError::Backend(format!("sqlite: {e}"))
    }
}

impl SqliteStore {
    /// Opens (creating if needed) the store at `path`, encrypted with `key`.
    pub fn open(path: &Path, key: [u8; 32], quotas: Quotas) -> Result<SqliteStore, StoreError> {
        let conn = Connection::open(path)?;
        conn.pragma_update(None, "cipher_log_level", "NONE")?;
        let pragma = format!("x'{}'", bloom_core::hex::encode(&key));
        conn.pragma_update(None, "key", pragma.as_str())?;
        // The first read tells whether the key is right.
        match conn.query_row("SELECT count(*) FROM sqlite_master", [], |r| {
            r.get::<_, i64>(0)
        }) {
            Ok(_) => {}
            Err(rusqlite::Error::SqliteFailure(e, _))
                if e.code == rusqlite::ErrorCode::NotADatabase =>
            {
                return Err(StoreError::Backend(
                    "the key does not open this database, or it is not a relay store".into(),
                ));
            }
            Err(e) => return Err(e.into()),
        }
        conn.busy_timeout(BUSY_TIMEOUT)?;
        // WAL lets readers run beside the writer; FULL makes an acknowledged
        // commit survive a crash or power loss.
        conn.pragma_update(None, "journal_mode", "WAL")?;
        conn.pragma_update(None, "synchronous", "FULL")?;
        Self::finish(conn, quotas)
    }

    /// A private in-memory store (tests, trying things out).
    pub fn open_in_memory(quotas: Quotas) -> Result<SqliteStore, StoreError> {
        Self::finish(Connection::open_in_memory()?, quotas)
    }

    fn finish(mut conn: Connection, quotas: Quotas) -> Result<SqliteStore, StoreError> {
        conn.pragma_update(None, "foreign_keys", "ON")?;
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        tx.execute_batch(schema::SCHEMA)?;
        tx.commit()?;
        Ok(SqliteStore {
            conn: Arc::new(Mutex::new(conn)),
            quotas,
            events: broadcast::channel(super::EVENT_BUFFER).0,
        })
    }

    /// Runs `f` on the blocking pool with the connection.
    async fn run<T: Send + 'static>(
        &self,
        f: impl FnOnce(&mut Connection) -> Result<T, StoreError> + Send + 'static,
    ) -> Result<T, StoreError> {
        let conn = Arc::clone(&self.conn);
        tokio::task::spawn_blocking(move || {
            let mut conn = conn
                .lock()
                .map_err(|_| StoreError::Backend("a database call panicked earlier".into()))?;
            f(&mut conn)
        })
        .await
        .map_err(|e| StoreError::Backend(format!("a database task failed: {e}")))?
    }

    /// Runs `f` in a write transaction and commits if it succeeds.
    async fn write<T: Send + 'static>(
        &self,
        f: impl FnOnce(&Transaction<'_>) -> Result<T, StoreError> + Send + 'static,
    ) -> Result<T, StoreError> {
        self.run(move |conn| {
            let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
            let out = f(&tx)?;
            tx.commit()?;
            Ok(out)
        })
        .await
    }

    fn announce(&self, event: StoreEvent) {
        // No subscriber is fine: nobody is connected.
        let _ = self.events.send(event);
    }
}

fn head(tx: &Connection) -> Result<u64, StoreError> {
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

const DEVICE_COLUMNS: &str =
    "id, member, name, age_recipient, pairing_proof, enrolled_ms, revoked_ms";

fn read_device(r: &rusqlite::Row<'_>) -> rusqlite::Result<row::DeviceRow> {
    Ok(row::DeviceRow {
        id: r.get(0)?,
        member: r.get(1)?,
        name: r.get(2)?,
        age_recipient: r.get(3)?,
        pairing_proof: r.get(4)?,
        enrolled_ms: r.get(5)?,
        revoked_ms: r.get(6)?,
    })
}

fn device(conn: &Connection, id: &str) -> Result<Option<DeviceInfo>, StoreError> {
    let sql = format!("SELECT {DEVICE_COLUMNS} FROM devices WHERE id = ?1");
    conn.query_row(&sql, [id], read_device)
        .optional()?
        .map(row::DeviceRow::into_info)
        .transpose()
}

fn enroll(
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
        enrolled_ms: now_ms,
        revoked_ms: None,
    };
    tx.execute(
        "INSERT INTO devices (id, member, name, age_recipient, pairing_proof, enrolled_ms,
                              enrolled_seq)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
        params![
            info.id.as_str(),
            info.member,
            info.name,
            info.age_recipient,
            info.pairing_proof.map(|p| p.to_vec()),
            now_ms,
            to_i64(seq)?
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

/// Revokes; `Some(seq)` when this call wrote the revocation entry.
fn revoke(
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
            let sql = format!("SELECT {} FROM entries WHERE seq = ?1", row::COLUMNS);
            let entry = tx.query_row(&sql, [seq], read_row)?.into_entry()?;
            return row::revoked_docs(entry).map(|docs| (docs, None));
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
        out.push(DocReaders {
            doc,
            epoch: row::to_epoch(epoch)?,
            readers,
        });
    }
    let seq = head(tx)? + 1;
    let item = LogItem::DeviceRevoked {
        device: id.clone(),
        docs: out.clone(),
    };
    insert_row(tx, &Row::of_item(seq, now_ms, &item)?)?;
    tx.execute(
        "UPDATE devices SET revoked_ms = ?1, revoked_seq = ?2 WHERE id = ?3",
        params![now_ms, to_i64(seq)?, id.as_str()],
    )?;
    set_head(tx, seq)?;
    Ok((out, Some(seq)))
}

fn append(
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
    let mut facts = Facts {
        head,
        doc_has_readers: readers > 0,
        from_reads: from_reads > 0,
        newest_epoch: newest.map(row::to_epoch).transpose()?,
        epoch_key: None,
        recipient: None,
        stored_bytes: stored_bytes(tx, me)?,
        freed_bytes: 0,
    };
    match blob.kind {
        bloom_core::sync::log::BlobKind::Key { .. } => {
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
        bloom_core::sync::log::BlobKind::Snapshot { covers } => {
            facts.freed_bytes = to_u64(tx.query_row(
                "SELECT COALESCE(SUM(length(body)), 0) FROM entries
                 WHERE doc = ?1 AND kind IN ('change', 'snapshot') AND seq <= ?2
                   AND from_device = ?3",
                params![doc, to_i64(covers)?, me],
                |r| r.get(0),
            )?)?;
        }
        bloom_core::sync::log::BlobKind::Change => {}
    }
    Ok(facts)
}

fn stored_bytes(conn: &Connection, device: &str) -> Result<u64, StoreError> {
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

fn since(
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

impl RelayStore for SqliteStore {
    async fn create_invite(&self, invite: NewInvite) -> Result<(), StoreError> {
        self.write(move |tx| {
            let by = match &invite.kind {
                InviteKind::Admin => None,
                InviteKind::Pairing { by } => {
                    if device(tx, by.as_str())?.is_none() {
                        return Err(StoreError::NoSuchDevice(by.clone()));
                    }
                    Some(by.0.clone())
                }
            };
            tx.execute(
                "INSERT INTO invites (token_hash, member, by_device, expires_ms, created_ms)
                 VALUES (?1, ?2, ?3, ?4, ?5)",
                params![
                    &invite.token_hash[..],
                    invite.member,
                    by,
                    invite.expires_ms,
                    invite.created_ms
                ],
            )?;
            Ok(())
        })
        .await
    }

    async fn enroll(
        &self,
        token_hash: [u8; 32],
        device: NewDevice,
        now_ms: i64,
    ) -> Result<DeviceInfo, StoreError> {
        let (info, head) = self
            .write(move |tx| enroll(tx, token_hash, device, now_ms))
            .await?;
        self.announce(StoreEvent::Appended { head });
        Ok(info)
    }

    async fn device(&self, id: &DeviceId) -> Result<Option<DeviceInfo>, StoreError> {
        let id = id.clone();
        self.run(move |conn| device(conn, id.as_str())).await
    }

    async fn devices(&self) -> Result<Vec<DeviceInfo>, StoreError> {
        self.run(|conn| {
            let sql = format!("SELECT {DEVICE_COLUMNS} FROM devices ORDER BY enrolled_seq");
            let rows: Vec<row::DeviceRow> = conn
                .prepare(&sql)?
                .query_map([], read_device)?
                .collect::<Result<_, _>>()?;
            rows.into_iter().map(row::DeviceRow::into_info).collect()
        })
        .await
    }

    async fn touch(&self, id: &DeviceId, now_ms: i64) -> Result<(), StoreError> {
        let id = id.clone();
        self.write(move |tx| {
            let n = tx.execute(
                "UPDATE devices SET last_seen_ms = ?1 WHERE id = ?2",
                params![now_ms, id.as_str()],
            )?;
            if n == 0 {
                return Err(StoreError::NoSuchDevice(id));
            }
            Ok(())
        })
        .await
    }

    async fn last_seen(&self) -> Result<Vec<(DeviceId, i64)>, StoreError> {
        self.run(|conn| {
            Ok(conn
                .prepare(
                    "SELECT id, last_seen_ms FROM devices WHERE last_seen_ms IS NOT NULL
                     ORDER BY enrolled_seq",
                )?
                .query_map([], |r| Ok((DeviceId(r.get(0)?), r.get(1)?)))?
                .collect::<Result<_, _>>()?)
        })
        .await
    }

    async fn revoke(&self, id: &DeviceId, now_ms: i64) -> Result<Vec<DocReaders>, StoreError> {
        let who = id.clone();
        let (docs, seq) = self.write(move |tx| revoke(tx, &who, now_ms)).await?;
        if let Some(head) = seq {
            self.announce(StoreEvent::Revoked(id.clone()));
            self.announce(StoreEvent::Appended { head });
        }
        Ok(docs)
    }

    async fn append(
        &self,
        from: &DeviceId,
        blobs: Vec<Blob>,
        now_ms: i64,
    ) -> Result<Vec<Appended>, StoreError> {
        let (from, quotas) = (from.clone(), self.quotas);
        let (out, head) = self
            .write(move |tx| append(tx, &from, blobs, now_ms, &quotas))
            .await?;
        if out.iter().any(|a| matches!(a, Appended::Stored { .. })) {
            self.announce(StoreEvent::Appended { head });
        }
        Ok(out)
    }

    async fn since(
        &self,
        device: &DeviceId,
        after: u64,
        limit: usize,
    ) -> Result<Vec<Entry>, StoreError> {
        let device = device.clone();
        self.run(move |conn| since(conn, &device, after, limit))
            .await
    }

    async fn head(&self) -> Result<u64, StoreError> {
        self.run(|conn| head(conn)).await
    }

    async fn stored_bytes(&self, device: &DeviceId) -> Result<u64, StoreError> {
        let device = device.clone();
        self.run(move |conn| stored_bytes(conn, device.as_str()))
            .await
    }

    fn events(&self) -> broadcast::Receiver<StoreEvent> {
        self.events.subscribe()
    }
}
