//! The log's rules, written once: both backends look the facts up in their
//! own transaction and ask these functions what to do.

use bloom_core::sync::log::{Blob, BlobKind, DeviceId};

use super::{Appended, BlobRefusal, Quotas};

/// Longest document id accepted, in bytes.
pub const MAX_DOC_ID: usize = 200;

/// What the backend found out about a blob's id before judging it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KnownId {
    /// Who first uploaded a blob with this id.
    pub device: DeviceId,
    /// The sequence number it got (its entry may since have been compacted).
    pub seq: u64,
}

/// A blob id seen before: the same uploader retrying gets the original
/// sequence number; anyone else reusing it is refused.
pub fn judge_known_id(from: &DeviceId, known: &KnownId) -> Appended {
    if &known.device == from {
        Appended::Duplicate { seq: known.seq }
    } else {
        Appended::Refused(BlobRefusal::Invalid(
            "another device already used this blob id".into(),
        ))
    }
}

/// Checks what needs no lookup: the document id, `to` against the kind, size.
pub fn check_shape(blob: &Blob, quotas: &Quotas) -> Result<(), BlobRefusal> {
    if !doc_id_ok(&blob.doc) {
        return Err(BlobRefusal::Invalid(format!(
            "a document id is 1 to {MAX_DOC_ID} bytes of A-Z a-z 0-9 _ / : . -"
        )));
    }
    match (&blob.kind, &blob.to) {
        (BlobKind::Key { .. }, None) => {
            return Err(BlobRefusal::Invalid("a key blob needs a recipient".into()));
        }
        (BlobKind::Change | BlobKind::Snapshot { .. }, Some(_)) => {
            return Err(BlobRefusal::Invalid(format!(
                "a {} blob has no recipient",
                blob.kind.name()
            )));
        }
        _ => {}
    }
    if blob.body.len() > quotas.max_blob_bytes {
        return Err(BlobRefusal::Quota(format!(
            "a blob of {} bytes is over the {}-byte limit",
            blob.body.len(),
            quotas.max_blob_bytes
        )));
    }
    Ok(())
}

fn doc_id_ok(doc: &str) -> bool {
    !doc.is_empty()
        && doc.len() <= MAX_DOC_ID
        && doc
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"_/:.-".contains(&b))
}

/// The state of a key blob's recipient.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Recipient {
    Active,
    Revoked,
    Unknown,
}

/// What the backend looked up, inside the append's transaction, for one blob
/// that passed [`check_shape`] and is not a known id.
#[derive(Debug, Clone)]
pub struct Facts {
    /// The highest sequence number assigned before this blob.
    pub head: u64,
    /// Whether anyone reads the document yet.
    pub doc_has_readers: bool,
    /// Whether the uploader reads it.
    pub from_reads: bool,
    /// The document's newest key epoch, if it has keys.
    pub newest_epoch: Option<u32>,
    /// A revoked device held the document's keys up to this epoch: nothing
    /// new may be sealed with them.
    pub compromised_epoch: Option<u32>,
    /// For a key blob: the key id already given to its epoch, if any.
    pub epoch_key: Option<[u8; 8]>,
    /// For a key blob: its recipient's state.
    pub recipient: Option<Recipient>,
    /// Body bytes the uploader has stored.
    pub stored_bytes: u64,
    /// For a snapshot: the uploader's own bytes it compacts away.
    pub freed_bytes: u64,
}

/// What storing the blob changes besides adding its entry.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Plan {
    /// Devices to add to the document's readers (already there is fine).
    pub add_readers: Vec<DeviceId>,
    /// A (epoch, key id) to record for the document.
    pub record_key: Option<(u32, [u8; 8])>,
    /// Delete the document's changes and snapshots with seq ≤ this, first.
    pub compact_upto: Option<u64>,
}

/// Decides whether `from` may store `blob` and what it changes.
pub fn judge(
    from: &DeviceId,
    blob: &Blob,
    facts: &Facts,
    quotas: &Quotas,
) -> Result<Plan, BlobRefusal> {
    let doc = &blob.doc;
    let mut plan = Plan::default();
    if facts.doc_has_readers {
        if !facts.from_reads {
            return Err(BlobRefusal::Forbidden(doc.clone()));
        }
    } else {
        // The first writer of a document becomes its first reader.
        plan.add_readers.push(from.clone());
    }
    match blob.kind {
        BlobKind::Change | BlobKind::Snapshot { .. } => {
            // The oldest epoch still fit to seal with: the newest key, and
            // never one a revoked device held.
            let floor = facts
                .newest_epoch
                .max(facts.compromised_epoch.map(|e| e.saturating_add(1)));
            if let Some(current) = floor.filter(|&e| blob.epoch < e) {
                return Err(BlobRefusal::StaleEpoch {
                    doc: doc.clone(),
                    current,
                });
            }
        }
        BlobKind::Key { key_id } => {
            match facts.epoch_key {
                Some(known) if known != key_id => {
                    return Err(BlobRefusal::EpochConflict {
                        doc: doc.clone(),
                        epoch: blob.epoch,
                    });
                }
                Some(_) => {} // granting an existing epoch's key to another reader
                None => {
                    // A new epoch must be newer than every epoch before it.
                    if let Some(current) = facts.newest_epoch.filter(|&e| blob.epoch <= e) {
                        return Err(BlobRefusal::StaleEpoch {
                            doc: doc.clone(),
                            current,
                        });
                    }
                    plan.record_key = Some((blob.epoch, key_id));
                }
            }
            match (facts.recipient, &blob.to) {
                (Some(Recipient::Active), Some(to)) => plan.add_readers.push(to.clone()),
                _ => {
                    return Err(BlobRefusal::Invalid(
                        "the key's recipient is not an enrolled, unrevoked device".into(),
                    ));
                }
            }
        }
    }
    if let BlobKind::Snapshot { covers } = blob.kind {
        if covers > facts.head {
            return Err(BlobRefusal::Invalid(format!(
                "the snapshot covers {covers}, past the log's head {}",
                facts.head
            )));
        }
        plan.compact_upto = Some(covers);
    }
    let after = facts
        .stored_bytes
        .saturating_sub(facts.freed_bytes)
        .saturating_add(blob.body.len() as u64);
    if after > quotas.max_stored_bytes {
        return Err(BlobRefusal::Quota(format!(
            "the device would store {after} bytes; the limit is {}",
            quotas.max_stored_bytes
        )));
    }
    plan.add_readers.dedup();
    Ok(plan)
}

#[cfg(test)]
mod tests {
    use super::*;
    use bloom_core::sync::log::BlobId;

    fn blob(doc: &str, kind: BlobKind, to: Option<&str>) -> Blob {
        Blob {
            id: BlobId([1; 16]),
            doc: doc.into(),
            kind,
            epoch: 1,
            to: to.map(|t| DeviceId(t.into())),
            body: vec![0; 10],
        }
    }

    #[test]
    fn shapes() {
        let q = Quotas::default();
        assert!(check_shape(&blob("client/1:a.b-c_d", BlobKind::Change, None), &q).is_ok());
        for bad in ["", "client 1", "client/é", &"x".repeat(201)] {
            assert!(
                check_shape(&blob(bad, BlobKind::Change, None), &q).is_err(),
                "{bad}"
            );
        }
        let key = BlobKind::Key { key_id: [0; 8] };
        assert!(check_shape(&blob("d", key, None), &q).is_err());
        assert!(check_shape(&blob("d", BlobKind::Change, Some("x")), &q).is_err());
        let small = Quotas {
            max_blob_bytes: 9,
            ..q
        };
        assert!(matches!(
            check_shape(&blob("d", BlobKind::Change, None), &small),
            Err(BlobRefusal::Quota(_))
        ));
    }
}
