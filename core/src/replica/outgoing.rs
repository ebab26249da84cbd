//! Preparing uploads: dirty documents become change blobs in the outbox
//! (with their first key blobs when new), and the outbox is handed out
//! sealed with each document's current key.

use automerge::AutoCommit;
use rusqlite::{OptionalExtension, Transaction, params};

use super::seal::{self, Binding, DocKey, Grant, SEAL_OVERHEAD};
use super::state::{self, DocState};
use super::{Me, ReplicaError, SNAPSHOT_AFTER};
use crate::HasCode;
use crate::sync::log::{Blob, BlobId, BlobKind, DeviceId};
use crate::vault::{SYNCED_KINDS, Vault, VaultError};

/// How much one call hands out.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Limits {
    pub max_blobs: usize,
    /// The relay's largest accepted blob body (`Quotas::max_blob_bytes`).
    pub max_blob_bytes: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_blobs: 64,
            max_blob_bytes: 768 * 1024,
        }
    }
}

/// Queues what changed and returns up to `limits.max_blobs` blobs to upload:
/// key blobs first (the relay must know a key before changes sealed with
/// it), then changes and snapshots in the order they were queued.
///
/// A change or snapshot is handed out only once its document's current key
/// is confirmed (acknowledged by the relay or received from the log), so
/// nothing is ever sealed with a key that then loses an epoch conflict.
/// Fewer blobs than are pending may come back: call again after
/// [`super::acknowledge`] or [`super::apply`]. Until acknowledged, a blob
/// keeps its id, so a retry after a crash is a duplicate to the relay.
pub fn outgoing(vault: &mut Vault, limits: Limits) -> Result<Vec<Blob>, ReplicaError> {
    let me = Me::load(vault)?;
    let tx = vault.transaction()?;
    let dirty: Vec<String> = {
        let mut stmt = tx.prepare("SELECT doc FROM sync_dirty ORDER BY doc")?;
        let rows = stmt.query_map([], |r| r.get(0))?;
        rows.collect::<Result<_, _>>()?
    };
    for record in dirty {
        prepare_isolated(&tx, &me, &record, limits.max_blob_bytes)?;
    }
    queue_snapshots(&tx, limits.max_blob_bytes)?;
    let blobs = hand_out(&tx, limits.max_blobs)?;
    tx.commit()?;
    Ok(blobs)
}

/// Prepares one dirty record; a failure that belongs to this document (too
/// large, unreadable) is recorded on it and leaves it dirty, never blocking
/// the others. From here on the document is named by its sync id.
fn prepare_isolated(
    tx: &Transaction<'_>,
    me: &Me,
    record: &str,
    max_blob_bytes: usize,
) -> Result<(), ReplicaError> {
    let doc = &seal::sync_doc_id(record);
    tx.execute_batch("SAVEPOINT prepare_doc")?;
    let result = prepare(tx, me, record, doc, max_blob_bytes);
    let own_fault = matches!(
        &result,
        Err(ReplicaError::TooLarge { .. } | ReplicaError::Vault(VaultError::Corrupt(_)))
    );
    match result {
        Ok(()) => {
            tx.execute_batch("RELEASE prepare_doc")?;
            tx.execute("UPDATE sync_docs SET error = NULL WHERE doc = ?1", [doc])?;
            Ok(())
        }
        Err(e) if own_fault => {
            tx.execute_batch("ROLLBACK TO prepare_doc; RELEASE prepare_doc")?;
            tracing::warn!(
                doc,
                code = e.code().as_str(),
                "a document cannot be uploaded"
            );
            let mut st = DocState::load(tx, doc)?;
            st.record = Some(record.to_owned());
            st.save(tx, doc)?;
            tx.execute(
                "UPDATE sync_docs SET error = ?2 WHERE doc = ?1",
                params![doc, e.code().as_str()],
            )?;
            Ok(())
        }
        Err(e) => Err(e),
    }
}

/// Queues the unsent changes of `record`, whose sync id is `doc`.
fn prepare(
    tx: &Transaction<'_>,
    me: &Me,
    record: &str,
    doc: &str,
    max: usize,
) -> Result<(), ReplicaError> {
    let row: Option<(String, Vec<u8>)> = tx
        .query_row(
            "SELECT kind, body FROM records WHERE id = ?1",
            [record],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .optional()?;
    let Some((kind, body)) = row.filter(|(k, _)| SYNCED_KINDS.contains(&k.as_str())) else {
        tx.execute("DELETE FROM sync_dirty WHERE doc = ?1", [record])?;
        return Ok(());
    };
    let mut state = DocState::load(tx, doc)?;
    state.record = Some(record.to_owned());
    if state.epoch == 0 && !state.awaiting_key {
        first_key(tx, me, doc)?;
        state.epoch = 1;
    }
    let mut am = AutoCommit::load(&body)
        .map_err(|e| VaultError::Corrupt(format!("document {doc} does not load: {e}")))?;
    let heads = am.get_heads();
    if heads != state.sent_heads {
        let budget = max.saturating_sub(SEAL_OVERHEAD + 3 + kind.len() + record.len());
        let chunks = unsent(&mut am, doc, &state.sent_heads, budget)?;
        for chunk in &chunks {
            state::queue_data_blob(tx, doc, record, &kind, None, chunk)?;
        }
        state.sent_heads = heads;
        state.changes_since_snapshot = state
            .changes_since_snapshot
            .saturating_add(u32::try_from(chunks.len()).unwrap_or(u32::MAX));
    }
    state.save(tx, doc)?;
    tx.execute("DELETE FROM sync_dirty WHERE doc = ?1", [record])?;
    Ok(())
}

/// Epoch 1 of a document this device starts syncing: wrapped to itself and
/// to every unrevoked device of its member.
fn first_key(tx: &Transaction<'_>, me: &Me, doc: &str) -> Result<(), ReplicaError> {
    let key = DocKey::generate()?;
    state::put_key(tx, doc, 1, &key, false)?;
    let grant = Grant {
        doc: doc.to_owned(),
        epoch: 1,
        key,
        history: false,
    };
    // Our own first: the relay makes the recipient of a new document's
    // first key blob a reader, and only a reader may send the others.
    state::queue_key_blob(tx, &me.keys, &me.info, &grant)?;
    for device in state::key_recipients(tx)? {
        if device.member == me.info.member {
            state::queue_key_blob(tx, &me.keys, &device, &grant)?;
        }
    }
    Ok(())
}

/// The changes after `sent` (everything when empty), in chunks of at most
/// `budget` bytes: the compact whole document if it fits, otherwise the
/// individual changes, in causal order.
fn unsent(
    am: &mut AutoCommit,
    doc: &str,
    sent: &[automerge::ChangeHash],
    budget: usize,
) -> Result<Vec<Vec<u8>>, ReplicaError> {
    if sent.is_empty() {
        let whole = am.save();
        if whole.len() <= budget {
            return Ok(vec![whole]);
        }
    }
    let mut chunks = vec![];
    let mut current: Vec<u8> = vec![];
    for mut change in am.get_changes(sent) {
        // Compressed when that helps; load_incremental reads either form.
        let raw = change.bytes();
        if raw.len() > budget {
            return Err(ReplicaError::TooLarge {
                doc: doc.to_owned(),
                bytes: raw.len(),
                max: budget,
            });
        }
        if !current.is_empty() && current.len() + raw.len() > budget {
            chunks.push(std::mem::take(&mut current));
        }
        current.extend_from_slice(&raw);
    }
    if !current.is_empty() {
        chunks.push(current);
    }
    Ok(chunks)
}

/// A snapshot for documents with many changes since the last one, when
/// everything up to the cursor has been merged (nothing waits for a key or
/// for earlier changes). It covers the cursor: every entry of the document
/// up to it is in this device's copy.
fn queue_snapshots(tx: &Transaction<'_>, max: usize) -> Result<(), ReplicaError> {
    let cursor = state::cursor(tx)?;
    if cursor == 0 {
        return Ok(());
    }
    let due: Vec<(String, String, String, Vec<u8>)> = {
        let mut stmt = tx.prepare(
            "SELECT d.doc, d.record, r.kind, r.body FROM sync_docs d JOIN records r ON r.id = d.record
             WHERE d.changes_since_snapshot >= ?1 AND d.epoch > 0
               AND d.doc NOT IN (SELECT doc FROM sync_pending)
               AND d.record NOT IN (SELECT doc FROM sync_dirty)",
        )?;
        let rows = stmt.query_map([SNAPSHOT_AFTER], |r| {
            Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?))
        })?;
        rows.collect::<Result<_, _>>()?
    };
    for (doc, record, kind, body) in due {
        // The stored body is the document's compact save.
        if body.len() + SEAL_OVERHEAD + 3 + kind.len() + record.len() <= max {
            state::queue_data_blob(tx, &doc, &record, &kind, Some(cursor), &body)?;
        }
        tx.execute(
            "UPDATE sync_docs SET changes_since_snapshot = 0 WHERE doc = ?1",
            [&doc],
        )?;
    }
    Ok(())
}

struct Ready {
    ord: i64,
    id: BlobId,
    doc: String,
    kind: String,
    record: Option<String>,
    record_kind: Option<String>,
    covers: Option<i64>,
    epoch: Option<u32>,
    key_id: Option<Vec<u8>>,
    to: Option<String>,
    body: Vec<u8>,
}

/// Outbox rows ready to go, sealed. Refused rows wait: with an error until
/// [`super::retry_refused`], with a stale epoch until a newer key is here.
fn hand_out(tx: &Transaction<'_>, max_blobs: usize) -> Result<Vec<Blob>, ReplicaError> {
    let ready: Vec<Ready> = {
        let mut stmt = tx.prepare(
            "SELECT o.ord, o.blob_id, o.doc, o.kind, o.record_kind, o.covers, o.epoch, o.key_id,
                    o.to_device, o.body, o.record
             FROM sync_outbox o
             WHERE o.error IS NULL AND (o.kind = 'key' OR EXISTS (
                 SELECT 1 FROM sync_docs d
                 JOIN sync_keys k ON k.doc = d.doc AND k.epoch = d.epoch AND k.confirmed = 1
                 WHERE d.doc = o.doc AND (o.refused_epoch IS NULL OR d.epoch > o.refused_epoch)))
             ORDER BY o.kind != 'key', o.ord
             LIMIT ?1",
        )?;
        let rows = stmt.query_map([max_blobs as i64], |r| {
            let id: Vec<u8> = r.get(1)?;
            Ok(Ready {
                ord: r.get(0)?,
                id: BlobId(id.try_into().unwrap_or([0; 16])),
                doc: r.get(2)?,
                kind: r.get(3)?,
                record_kind: r.get(4)?,
                covers: r.get(5)?,
                epoch: r.get(6)?,
                key_id: r.get(7)?,
                to: r.get(8)?,
                body: r.get(9)?,
                record: r.get(10)?,
            })
        })?;
        rows.collect::<Result<_, _>>()?
    };
    let mut blobs = Vec::with_capacity(ready.len());
    for row in ready {
        blobs.push(match row.kind.as_str() {
            "key" => key_blob(row)?,
            _ => seal_data(tx, row)?,
        });
    }
    Ok(blobs)
}

fn key_blob(row: Ready) -> Result<Blob, ReplicaError> {
    let bad = || VaultError::Corrupt("a queued key blob is malformed".into());
    let key_id: [u8; 8] = row.key_id.and_then(|k| k.try_into().ok()).ok_or_else(bad)?;
    Ok(Blob {
        id: row.id,
        doc: row.doc,
        kind: BlobKind::Key { key_id },
        epoch: row.epoch.ok_or_else(bad)?,
        to: Some(DeviceId(row.to.ok_or_else(bad)?)),
        body: row.body,
    })
}

/// Seals a queued change or snapshot with the document's current key: after
/// a rotation, queued changes go out under the new one.
fn seal_data(tx: &Transaction<'_>, row: Ready) -> Result<Blob, ReplicaError> {
    let epoch = DocState::load(tx, &row.doc)?.epoch;
    let key = state::key(tx, &row.doc, epoch)?.ok_or_else(|| {
        VaultError::Corrupt(format!("no key for document {} epoch {epoch}", row.doc))
    })?;
    let record = row
        .record
        .ok_or_else(|| VaultError::Corrupt("a queued change names no record".into()))?;
    let kind = match row.covers {
        Some(covers) => BlobKind::Snapshot {
            covers: covers.max(0) as u64,
        },
        None => BlobKind::Change,
    };
    let record_kind = row.record_kind.unwrap_or_default();
    let binding = Binding {
        doc: &row.doc,
        epoch,
        blob: row.id,
        kind,
    };
    let plain = seal::frame(&record_kind, &record, &row.body)?;
    let body = seal::seal(&key.key, &binding, &plain)?;
    tx.execute(
        "UPDATE sync_outbox SET sealed_epoch = ?2 WHERE ord = ?1",
        params![row.ord, epoch],
    )?;
    Ok(Blob {
        id: row.id,
        doc: row.doc,
        kind,
        epoch,
        to: None,
        body,
    })
}
