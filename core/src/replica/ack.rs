//! What the relay said about each uploaded blob.

use rusqlite::{OptionalExtension, Transaction, params};

use super::ReplicaError;
use super::state::{self, DocState};
use crate::Code;
use crate::sync::log::{BlobId, DeviceId};
use crate::sync::proto::UploadResult;
use crate::vault::Vault;

struct Sent {
    ord: i64,
    doc: String,
    kind: String,
    epoch: Option<u32>,
    key_id: Option<Vec<u8>>,
    to: Option<String>,
    sealed_epoch: Option<u32>,
}

/// Records the relay's results for uploaded blobs, in one transaction:
/// - stored (or already stored): the blob leaves the outbox; a key blob
///   confirms its key, which lets changes sealed with it go out;
/// - stale epoch: kept, and handed out again once a newer key is here;
/// - epoch conflict on our key: another device's key won the epoch; ours and
///   its key blobs are dropped and we wait for the winner's;
/// - anything else: kept with the error code (never lose a local change),
///   except a key for a device since revoked, which is dropped.
///
/// Results for blobs no longer in the outbox are ignored.
pub fn acknowledge(
    vault: &mut Vault,
    results: &[(BlobId, UploadResult)],
) -> Result<(), ReplicaError> {
    let tx = vault.transaction()?;
    for (id, result) in results {
        let Some(sent) = sent(&tx, id)? else { continue };
        match result {
            UploadResult::Stored { .. } | UploadResult::Duplicate { .. } => stored(&tx, &sent)?,
            UploadResult::Refused { code, .. } => refused(&tx, &sent, code)?,
        }
    }
    tx.commit()?;
    Ok(())
}

fn sent(tx: &Transaction<'_>, id: &BlobId) -> Result<Option<Sent>, ReplicaError> {
    Ok(tx
        .query_row(
            "SELECT ord, doc, kind, epoch, key_id, to_device, sealed_epoch
             FROM sync_outbox WHERE blob_id = ?1",
            [&id.0[..]],
            |r| {
                Ok(Sent {
                    ord: r.get(0)?,
                    doc: r.get(1)?,
                    kind: r.get(2)?,
                    epoch: r.get(3)?,
                    key_id: r.get(4)?,
                    to: r.get(5)?,
                    sealed_epoch: r.get(6)?,
                })
            },
        )
        .optional()?)
}

fn stored(tx: &Transaction<'_>, sent: &Sent) -> Result<(), ReplicaError> {
    tx.execute("DELETE FROM sync_outbox WHERE ord = ?1", [sent.ord])?;
    if sent.kind == "key" {
        tx.execute(
            "UPDATE sync_keys SET confirmed = 1 WHERE doc = ?1 AND epoch = ?2 AND key_id = ?3",
            params![sent.doc, sent.epoch, sent.key_id],
        )?;
    }
    Ok(())
}

fn refused(tx: &Transaction<'_>, sent: &Sent, code: &str) -> Result<(), ReplicaError> {
    let code = Code::parse(code).unwrap_or(Code::RelayRefused);
    let is_key = sent.kind == "key";
    match code {
        Code::SyncStaleEpoch if !is_key => {
            tx.execute(
                "UPDATE sync_outbox SET refused_epoch = ?2 WHERE ord = ?1",
                params![sent.ord, sent.sealed_epoch],
            )?;
        }
        Code::SyncEpochConflict if is_key => lost_epoch(tx, sent)?,
        // The relay keeps no keys for epochs older than its newest: nothing to retry.
        Code::SyncStaleEpoch => {
            tx.execute("DELETE FROM sync_outbox WHERE ord = ?1", [sent.ord])?;
        }
        _ if is_key && recipient_revoked(tx, sent)? => {
            tx.execute("DELETE FROM sync_outbox WHERE ord = ?1", [sent.ord])?;
        }
        _ => {
            tracing::warn!(
                doc = sent.doc,
                code = code.as_str(),
                "the relay refused a blob"
            );
            tx.execute(
                "UPDATE sync_outbox SET error = ?2 WHERE ord = ?1",
                params![sent.ord, code.as_str()],
            )?;
        }
    }
    Ok(())
}

/// Another device's key won this epoch: forget ours (unless the relay had
/// already confirmed it, which a conflict contradicts) and its key blobs.
fn lost_epoch(tx: &Transaction<'_>, sent: &Sent) -> Result<(), ReplicaError> {
    let epoch = sent.epoch.unwrap_or(0);
    tx.execute(
        "DELETE FROM sync_keys WHERE doc = ?1 AND epoch = ?2 AND key_id = ?3 AND confirmed = 0",
        params![sent.doc, epoch, sent.key_id],
    )?;
    tx.execute(
        "DELETE FROM sync_outbox WHERE kind = 'key' AND doc = ?1 AND epoch = ?2 AND key_id = ?3",
        params![sent.doc, epoch, sent.key_id],
    )?;
    // What we wrapped to the readers a revocation left went with our key:
    // they are owed the winner's, once it is here.
    state::set_owed_done(tx, &sent.doc, epoch, None, false)?;
    let mut doc = DocState::load(tx, &sent.doc)?;
    doc.epoch = state::newest_epoch(tx, &sent.doc)?;
    doc.awaiting_key = doc.epoch == 0;
    doc.save(tx, &sent.doc)
}

fn recipient_revoked(tx: &Transaction<'_>, sent: &Sent) -> Result<bool, ReplicaError> {
    let Some(to) = &sent.to else { return Ok(false) };
    Ok(state::device(tx, &DeviceId(to.clone()))?.is_some_and(|d| d.revoked_ms.is_some()))
}
