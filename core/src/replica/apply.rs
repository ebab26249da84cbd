//! Applying entries received from the relay: keys, changes and snapshots,
//! enrollments and revocations, all in one vault transaction with the cursor.

use std::collections::BTreeSet;

use automerge::AutoCommit;
use rusqlite::{OptionalExtension, Transaction, params};

use super::seal::{self, Binding, DocKey, Grant};
use super::state::{self, DocState};
use super::{Me, ReplicaError};
use crate::records::rebuild::project_document;
use crate::sync::invite::verify_pairing_proof;
use crate::sync::log::{Blob, BlobKind, DeviceId, DeviceInfo, DocReaders, Entry, LogItem};
use crate::vault::{Actor, SYNCED_KINDS, Vault, VaultError, now_ms, store_in};
use crate::{Code, HasCode};

/// What one [`apply`] did.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Applied {
    /// The last sequence number applied; subscribe from here.
    pub cursor: u64,
    /// Records whose content changed (lists and open screens to refresh),
    /// by record id.
    pub docs_changed: Vec<String>,
    /// Keys to documents with earlier history arrived (this device was just
    /// given them): the relay did not send their older entries while this
    /// device could not read them, so the cursor went back to 0 and the
    /// engine must subscribe again from [`Applied::cursor`].
    pub rewound: bool,
    /// Entries (in total, not only this batch) waiting for a key or for
    /// earlier changes.
    pub waiting: u64,
    /// Entries of this batch that were refused (also kept as warnings).
    pub rejected: Vec<Rejected>,
}

/// An entry that could not be used: its body did not open or is not a
/// document. Nothing local is lost; the entry is skipped.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Rejected {
    pub seq: u64,
    /// The document's sync id (what the relay calls it).
    pub doc: String,
    pub code: Code,
}

/// Applies `entries` (in log order) and moves the cursor, in one
/// transaction: a crash part-way leaves nothing applied, and applying an
/// entry twice changes nothing.
pub fn apply(vault: &mut Vault, entries: &[Entry]) -> Result<Applied, ReplicaError> {
    let me = Me::load(vault)?;
    let tx = vault.transaction()?;
    let mut run = Run {
        tx: &tx,
        me: &me,
        replay_mark: state::replay_mark(&tx)?,
        now: now_ms(),
        changed: BTreeSet::new(),
        rejected: vec![],
        rewind: false,
    };
    let mut cursor = state::cursor(&tx)?;
    for entry in entries {
        run.entry(entry)?;
        cursor = cursor.max(entry.seq);
    }
    run.project_waiting()?;
    run.pay_owed()?;
    if run.rewind {
        state::set_replay_mark(&tx, cursor)?;
        cursor = 0;
    }
    state::set_cursor(&tx, cursor)?;
    let waiting: i64 = tx.query_row("SELECT count(*) FROM sync_pending", [], |r| r.get(0))?;
    let applied = Applied {
        cursor,
        docs_changed: run.changed.into_iter().collect(),
        rewound: run.rewind,
        waiting: waiting.max(0) as u64,
        rejected: run.rejected,
    };
    tx.commit()?;
    Ok(applied)
}

struct Run<'t> {
    tx: &'t Transaction<'t>,
    me: &'t Me,
    replay_mark: u64,
    now: i64,
    changed: BTreeSet<String>,
    rejected: Vec<Rejected>,
    rewind: bool,
}

/// What became of a change or snapshot.
enum Outcome {
    Merged,
    /// No key for its epoch yet, or it depends on changes not here yet.
    Wait,
    Refused(Code, &'static str),
}

impl Run<'_> {
    fn entry(&mut self, entry: &Entry) -> Result<(), ReplicaError> {
        match &entry.item {
            LogItem::Blob(blob) => match blob.kind {
                BlobKind::Key { key_id } => {
                    if blob.to.as_ref() == Some(&self.me.info.id) {
                        self.key(entry, blob, key_id)?;
                    }
                }
                BlobKind::Change | BlobKind::Snapshot { .. } => {
                    match self.merge_entry(entry, blob)? {
                        Outcome::Merged => self.retry_pending(&blob.doc)?,
                        Outcome::Wait => self.keep_pending(entry, blob)?,
                        Outcome::Refused(code, kind) => self.refuse(entry, blob, code, kind)?,
                    }
                }
            },
            LogItem::DeviceEnrolled(info) => self.enrolled(entry.seq, info)?,
            LogItem::DeviceRevoked { device, docs } => self.revoked(entry, device, docs)?,
        }
        Ok(())
    }

    fn refuse(
        &mut self,
        entry: &Entry,
        blob: &Blob,
        code: Code,
        kind: &str,
    ) -> Result<(), ReplicaError> {
        let from = entry
            .from
            .as_ref()
            .map(DeviceId::as_str)
            .unwrap_or_default();
        state::warn(self.tx, kind, code, &blob.doc, from, entry.seq)?;
        self.rejected.push(Rejected {
            seq: entry.seq,
            doc: blob.doc.clone(),
            code,
        });
        Ok(())
    }

    fn keep_pending(&self, entry: &Entry, blob: &Blob) -> Result<(), ReplicaError> {
        let bytes =
            postcard::to_allocvec(entry).map_err(|e| ReplicaError::Invalid(e.to_string()))?;
        self.tx.execute(
            "INSERT OR IGNORE INTO sync_pending (seq, doc, entry) VALUES (?1, ?2, ?3)",
            params![entry.seq as i64, blob.doc, bytes],
        )?;
        Ok(())
    }

    /// Entries of `doc` that waited: retried until none makes progress.
    fn retry_pending(&mut self, doc: &str) -> Result<(), ReplicaError> {
        loop {
            let rows: Vec<(i64, Vec<u8>)> = {
                let mut stmt = self
                    .tx
                    .prepare("SELECT seq, entry FROM sync_pending WHERE doc = ?1 ORDER BY seq")?;
                let rows = stmt.query_map([doc], |r| Ok((r.get(0)?, r.get(1)?)))?;
                rows.collect::<Result<_, _>>()?
            };
            let mut progress = false;
            for (seq, bytes) in rows {
                let entry: Entry = postcard::from_bytes(&bytes)
                    .map_err(|_| VaultError::Corrupt("a waiting sync entry is malformed".into()))?;
                let LogItem::Blob(blob) = &entry.item else {
                    continue;
                };
                let outcome = self.merge_entry(&entry, blob)?;
                if let Outcome::Refused(code, kind) = outcome {
                    self.refuse(&entry, blob, code, kind)?;
                }
                if !matches!(outcome, Outcome::Wait) {
                    self.tx
                        .execute("DELETE FROM sync_pending WHERE seq = ?1", [seq])?;
                    progress = true;
                }
            }
            if !progress {
                return Ok(());
            }
        }
    }

    /// Opens a change or snapshot and merges it into the stored record,
    /// which the body names: the record id must hash to the blob's document
    /// (the relay's name for it), or the body is refused as broken.
    fn merge_entry(&mut self, entry: &Entry, blob: &Blob) -> Result<Outcome, ReplicaError> {
        let Some(stored) = state::key(self.tx, &blob.doc, blob.epoch)? else {
            return Ok(Outcome::Wait);
        };
        let binding = Binding {
            doc: &blob.doc,
            epoch: blob.epoch,
            blob: blob.id,
            kind: blob.kind,
        };
        let Ok(plain) = seal::open(&stored.key, &binding, &blob.body) else {
            // Our own key, not yet accepted by the relay: another device's
            // may win the epoch (a rotation race), and this is sealed with it.
            if !stored.confirmed {
                return Ok(Outcome::Wait);
            }
            return Ok(Outcome::Refused(Code::SyncSealBroken, "seal_broken"));
        };
        let Ok(framed) = seal::unframe(&plain) else {
            return Ok(Outcome::Refused(Code::SyncBlobInvalid, "blob_invalid"));
        };
        if seal::sync_doc_id(framed.record) != blob.doc {
            return Ok(Outcome::Refused(Code::SyncSealBroken, "seal_broken"));
        }
        if !SYNCED_KINDS.contains(&framed.record_kind) {
            return Ok(Outcome::Refused(Code::SyncBlobInvalid, "blob_invalid"));
        }
        let snapshot = matches!(blob.kind, BlobKind::Snapshot { .. });
        self.merge(entry, &blob.doc, &framed, snapshot)
    }

    /// Merges `framed` into record `framed.record` (sync id `doc`).
    fn merge(
        &mut self,
        entry: &Entry,
        doc: &str,
        framed: &seal::Framed<'_>,
        snapshot: bool,
    ) -> Result<Outcome, ReplicaError> {
        let (record, kind, automerge) = (framed.record, framed.record_kind, framed.automerge);
        let existing: Option<(String, Vec<u8>)> = self
            .tx
            .query_row(
                "SELECT kind, body FROM records WHERE id = ?1",
                [record],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .optional()?;
        let mut am = match existing {
            Some((stored_kind, _)) if stored_kind != kind => {
                return Ok(Outcome::Refused(Code::SyncBlobInvalid, "blob_invalid"));
            }
            Some((_, body)) => AutoCommit::load(&body)
                .map_err(|e| VaultError::Corrupt(format!("document {doc} does not load: {e}")))?,
            None => AutoCommit::new(),
        };
        let before = am.get_heads();
        if am.load_incremental(automerge).is_err() {
            return Ok(Outcome::Refused(Code::SyncBlobInvalid, "blob_invalid"));
        }
        // Changes whose dependencies are missing are not saved by Automerge:
        // the entry waits and is merged again when they arrive.
        let complete = am.get_missing_deps(&[]).is_empty();
        let after = am.get_heads();
        if after != before {
            let actor = Actor {
                user: "sync".into(),
                device: entry.from.as_ref().map(|d| d.0.clone()).unwrap_or_default(),
            };
            store_in(self.tx, &actor, record, kind, &am.save(), self.now)?;
            let mut st = DocState::load(self.tx, doc)?;
            st.record = Some(record.to_owned());
            // Nothing local was unsent: what we now hold needs no echo.
            if st.sent_heads == before {
                st.sent_heads = after;
            }
            st.changes_since_snapshot = if snapshot {
                0
            } else {
                st.changes_since_snapshot.saturating_add(1)
            };
            st.save(self.tx, doc)?;
            self.project(record, kind, &am)?;
            self.changed.insert(record.to_owned());
        }
        Ok(if complete {
            Outcome::Merged
        } else {
            Outcome::Wait
        })
    }

    /// Projects a record; when that fails (a note whose client has not
    /// arrived: a foreign key) the record stays stored and is listed as
    /// unprojected, to be projected after later entries.
    fn project(&self, record: &str, kind: &str, am: &AutoCommit) -> Result<bool, ReplicaError> {
        self.tx.execute_batch("SAVEPOINT project_doc")?;
        match project_document(self.tx, record, kind, am) {
            Ok(()) => {
                self.tx.execute_batch("RELEASE project_doc")?;
                self.tx
                    .execute("DELETE FROM sync_unprojected WHERE doc = ?1", [record])?;
                Ok(true)
            }
            Err(e @ VaultError::Io { .. }) => {
                self.tx
                    .execute_batch("ROLLBACK TO project_doc; RELEASE project_doc")?;
                Err(e.into())
            }
            Err(e) => {
                self.tx
                    .execute_batch("ROLLBACK TO project_doc; RELEASE project_doc")?;
                self.tx.execute(
                    "INSERT INTO sync_unprojected (doc, code) VALUES (?1, ?2)
                     ON CONFLICT(doc) DO UPDATE SET code = ?2",
                    params![record, e.code().as_str()],
                )?;
                Ok(false)
            }
        }
    }

    /// Tries the unprojected documents again, clients first.
    fn project_waiting(&mut self) -> Result<(), ReplicaError> {
        let docs: Vec<(String, String, Vec<u8>)> = {
            let mut stmt = self.tx.prepare(
                "SELECT r.id, r.kind, r.body FROM sync_unprojected u JOIN records r ON r.id = u.doc
                 ORDER BY r.kind = 'client' DESC, r.id",
            )?;
            let rows = stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?;
            rows.collect::<Result<_, _>>()?
        };
        for (doc, kind, body) in docs {
            let Ok(am) = AutoCommit::load(&body) else {
                continue;
            };
            if self.project(&doc, &kind, &am)? {
                self.changed.insert(doc);
            }
        }
        Ok(())
    }

    /// A key blob addressed to this device. It is used only if it opens,
    /// names what the log entry says, is signed by the device the log names
    /// as its sender, and that device may grant keys here
    /// ([`state::may_grant`]); otherwise it is refused with a warning and
    /// changes the keys this device holds in no way.
    fn key(&mut self, entry: &Entry, blob: &Blob, key_id: [u8; 8]) -> Result<(), ReplicaError> {
        let me = &self.me.info;
        let signed = match seal::unwrap_key(self.me.keys.age_identity(), &me.id, &blob.body) {
            Ok(s) => s,
            Err(ReplicaError::GrantSignature) => {
                return self.refuse(entry, blob, Code::SyncSealBroken, "key_signature_invalid");
            }
            Err(_) => return self.refuse(entry, blob, Code::SyncSealBroken, "seal_broken"),
        };
        let grant = signed.grant;
        if grant.doc != blob.doc || grant.epoch != blob.epoch || grant.key.id() != key_id {
            return self.refuse(entry, blob, Code::SyncSealBroken, "seal_broken");
        }
        // Signed, but by another device than the one the relay says sent it.
        if entry.from.as_ref() != Some(&signed.from) {
            return self.refuse(entry, blob, Code::SyncSealBroken, "key_signature_invalid");
        }
        if !state::may_grant(self.tx, &signed.from, &me.member)? {
            return self.refuse(entry, blob, Code::SyncForbidden, "key_sender_untrusted");
        }
        // Only a key the relay accepted makes this device a reader there; an
        // unconfirmed one of our own (the same plan started here) does not.
        let first_for_doc: bool = self.tx.query_row(
            "SELECT NOT EXISTS (SELECT 1 FROM sync_keys WHERE doc = ?1 AND confirmed = 1)",
            [&grant.doc],
            |r| r.get(0),
        )?;
        match state::key(self.tx, &grant.doc, grant.epoch)? {
            None => state::put_key(self.tx, &grant.doc, grant.epoch, &grant.key, true)?,
            Some(mine) if mine.key == grant.key => {
                state::put_key(self.tx, &grant.doc, grant.epoch, &grant.key, true)?
            }
            // Ours was never confirmed: the log's key won the epoch. Our key
            // blobs go; the readers we wrapped ours to are owed this one.
            Some(mine) if !mine.confirmed => {
                self.tx.execute(
                    "DELETE FROM sync_outbox WHERE kind = 'key' AND doc = ?1 AND epoch = ?2",
                    params![grant.doc, grant.epoch],
                )?;
                state::set_owed_done(self.tx, &grant.doc, grant.epoch, None, false)?;
                state::put_key(self.tx, &grant.doc, grant.epoch, &grant.key, true)?;
            }
            Some(_) => return self.refuse(entry, blob, Code::SyncEpochConflict, "key_conflict"),
        }
        let mut st = DocState::load(self.tx, &grant.doc)?;
        st.epoch = st.epoch.max(grant.epoch);
        st.awaiting_key = false;
        st.save(self.tx, &grant.doc)?;
        if first_for_doc && grant.history && entry.seq > self.replay_mark {
            self.rewind = true;
        }
        self.retry_pending(&grant.doc)
    }

    /// A device joined. If it is one of this member's, enrolled with a
    /// pairing code this device made (the relay says so: `paired_by`), and
    /// its proof holds for the recipient first seen for it, it gets every key
    /// this device has; a proof that does not hold is a warning (the relay
    /// may have swapped the new device's keys) and it gets nothing. Proofs
    /// of pairings other devices made are theirs to judge, not this one's.
    fn enrolled(&mut self, seq: u64, info: &DeviceInfo) -> Result<(), ReplicaError> {
        state::upsert_device(self.tx, info, seq)?;
        let me = &self.me.info;
        let Some(proof) = info.pairing_proof else {
            return Ok(());
        };
        if info.id == me.id || info.member != me.member || info.revoked_ms.is_some() {
            return Ok(());
        }
        let Some(known) = state::device(self.tx, &info.id)? else {
            return Ok(());
        };
        if known.paired_by.as_ref() != Some(&me.id) {
            return Ok(());
        }
        // 1: verified here, -1: failed here (or its keys changed); either
        // way judged already.
        let judged: i64 = self.tx.query_row(
            "SELECT vouched FROM sync_devices WHERE id = ?1",
            [info.id.as_str()],
            |r| r.get(0),
        )?;
        if judged != 0 {
            return Ok(());
        }
        let secrets: Vec<(Vec<u8>, zeroize::Zeroizing<Vec<u8>>)> = {
            let mut stmt = self
                .tx
                .prepare("SELECT token_hash, secret FROM sync_pairings WHERE expires_ms >= ?1")?;
            let rows = stmt.query_map([info.enrolled_ms], |r| {
                Ok((r.get(0)?, zeroize::Zeroizing::new(r.get(1)?)))
            })?;
            rows.collect::<Result<_, _>>()?
        };
        for (hash, secret) in &secrets {
            let Ok(secret) = <&[u8; 32]>::try_from(secret.as_slice()) else {
                continue;
            };
            if verify_pairing_proof(secret, &known.id, &known.age_recipient, &proof) {
                self.tx
                    .execute("DELETE FROM sync_pairings WHERE token_hash = ?1", [hash])?;
                self.tx.execute(
                    "UPDATE sync_devices SET vouched = 1 WHERE id = ?1",
                    [info.id.as_str()],
                )?;
                return self.grant_everything(&known);
            }
        }
        // Paired with a code of ours, but with none of our secrets (or for
        // another recipient): no key goes to it from this device, now or later.
        self.tx.execute(
            "UPDATE sync_devices SET vouched = -1 WHERE id = ?1",
            [info.id.as_str()],
        )?;
        state::drop_key_blobs_to(self.tx, &info.id)?;
        state::warn(
            self.tx,
            "pairing_proof_invalid",
            Code::SyncInviteInvalid,
            "",
            info.id.as_str(),
            seq,
        )
    }

    fn grant_everything(&self, to: &DeviceInfo) -> Result<(), ReplicaError> {
        for (doc, epoch, key) in state::all_keys(self.tx)? {
            let grant = Grant {
                doc,
                epoch,
                key,
                history: true,
            };
            state::queue_key_blob(self.tx, &self.me.keys, to, &grant)?;
        }
        Ok(())
    }

    /// A device was revoked: keys queued for it are dropped, and each of its
    /// documents this device reads gets a new epoch key for the remaining
    /// readers, unless someone already rotated past the revocation. The
    /// relay may split one revocation into several entries (chunks of
    /// documents): each is handled; rotating a document is idempotent (the
    /// epoch check in [`Run::rotate`]). Entries read again after a rewind
    /// were handled when first read.
    fn revoked(
        &mut self,
        entry: &Entry,
        device: &DeviceId,
        docs: &[DocReaders],
    ) -> Result<(), ReplicaError> {
        self.tx.execute(
            "UPDATE sync_devices SET revoked_ms = coalesce(revoked_ms, ?2) WHERE id = ?1",
            params![device.as_str(), entry.at_ms],
        )?;
        state::drop_key_blobs_to(self.tx, device)?;
        if *device == self.me.info.id || entry.seq <= self.replay_mark {
            return Ok(());
        }
        for readers in docs {
            self.rotate(device, readers)?;
        }
        Ok(())
    }

    /// A new key for `readers.doc` after `revoked` lost it, wrapped to this
    /// device and the remaining readers it trusts. Every remaining reader is
    /// also recorded as owed the next epoch's key: whichever key wins that
    /// epoch, this device wraps it to them once it holds it ([`Run::pay_owed`]),
    /// so a reader the winner did not know or trust still gets it.
    fn rotate(&self, revoked: &DeviceId, readers: &DocReaders) -> Result<(), ReplicaError> {
        let doc = &readers.doc;
        if state::newest_epoch(self.tx, doc)? == 0 {
            return Ok(());
        }
        let epoch = readers.epoch.saturating_add(1);
        let others: Vec<&DeviceId> = readers
            .readers
            .iter()
            .filter(|id| *id != revoked && **id != self.me.info.id)
            .collect();
        for id in &others {
            state::owe(self.tx, doc, epoch, id)?;
        }
        let mut st = DocState::load(self.tx, doc)?;
        if st.epoch > readers.epoch {
            return Ok(());
        }
        let key = DocKey::generate()?;
        state::put_key(self.tx, doc, epoch, &key, false)?;
        st.epoch = epoch;
        st.save(self.tx, doc)?;
        let grant = Grant {
            doc: doc.clone(),
            epoch,
            key,
            history: false,
        };
        state::queue_key_blob(self.tx, &self.me.keys, &self.me.info, &grant)?;
        let recipients = state::key_recipients(self.tx)?;
        for id in others {
            if let Some(d) = recipients.iter().find(|d| d.id == *id) {
                state::queue_key_blob(self.tx, &self.me.keys, d, &grant)?;
                state::set_owed_done(self.tx, doc, epoch, Some(id), true)?;
            }
        }
        Ok(())
    }

    /// Wraps each key this device holds confirmed to the readers a
    /// revocation left that are owed it and that this device trusts
    /// ([`state::key_recipients`]). A reader may get the same key from
    /// several devices: the relay takes the same key id for an epoch again,
    /// and taking a key twice changes nothing.
    fn pay_owed(&self) -> Result<(), ReplicaError> {
        let owed = state::owed(self.tx)?;
        if owed.is_empty() {
            return Ok(());
        }
        let recipients = state::key_recipients(self.tx)?;
        for (doc, epoch, reader) in owed {
            let Some(to) = recipients.iter().find(|d| d.id == reader) else {
                continue;
            };
            let Some(stored) = state::key(self.tx, &doc, epoch)? else {
                continue;
            };
            let grant = Grant {
                doc: doc.clone(),
                epoch,
                key: stored.key,
                history: false,
            };
            state::queue_key_blob(self.tx, &self.me.keys, to, &grant)?;
            state::set_owed_done(self.tx, &doc, epoch, Some(&reader), true)?;
        }
        Ok(())
    }
}
