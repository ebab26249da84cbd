//! One log entry as both backends keep it: a row of `entries`.
//!
//! Blob entries keep their routing metadata in columns (so the backends can
//! select and compact by them) and the sealed body as is. Entries the relay
//! writes itself (enrollments, revocations) keep their `LogItem` as JSON in
//! `body`: it is metadata, not sealed content.

use bloom_core::sync::log::{
    Blob, BlobId, BlobKind, DeviceId, DeviceInfo, DocReaders, Entry, LogItem,
};

use super::StoreError;

pub const CHANGE: &str = "change";
pub const SNAPSHOT: &str = "snapshot";
pub const KEY: &str = "key";
pub const ENROLLED: &str = "enrolled";
pub const REVOKED: &str = "revoked";

/// A row of `entries`, minus its sequence number until it has one.
#[derive(Debug, Clone)]
pub struct Row {
    pub seq: i64,
    pub from: Option<String>,
    pub at_ms: i64,
    pub kind: String,
    pub blob_id: Option<Vec<u8>>,
    pub doc: Option<String>,
    pub epoch: Option<i64>,
    pub to: Option<String>,
    pub covers: Option<i64>,
    pub key_id: Option<Vec<u8>>,
    pub body: Vec<u8>,
}

/// The columns in [`Row`]'s order, for SELECTs.
pub const COLUMNS: &str =
    "seq, from_device, at_ms, kind, blob_id, doc, epoch, to_device, covers, key_id, body";

impl Row {
    pub fn of_blob(seq: u64, from: &DeviceId, at_ms: i64, blob: Blob) -> Result<Row, StoreError> {
        let (kind, covers, key_id) = match blob.kind {
            BlobKind::Change => (CHANGE, None, None),
            BlobKind::Snapshot { covers } => (SNAPSHOT, Some(to_i64(covers)?), None),
            BlobKind::Key { key_id } => (KEY, None, Some(key_id.to_vec())),
        };
        Ok(Row {
            seq: to_i64(seq)?,
            from: Some(from.0.clone()),
            at_ms,
            kind: kind.into(),
            blob_id: Some(blob.id.0.to_vec()),
            doc: Some(blob.doc),
            epoch: Some(i64::from(blob.epoch)),
            to: blob.to.map(|d| d.0),
            covers,
            key_id,
            body: blob.body,
        })
    }

    /// An entry the relay writes itself.
    pub fn of_item(seq: u64, at_ms: i64, item: &LogItem) -> Result<Row, StoreError> {
        let kind = match item {
            LogItem::DeviceEnrolled(_) => ENROLLED,
            LogItem::DeviceRevoked { .. } => REVOKED,
            LogItem::Blob(_) => return Err(corrupt("a blob is not a relay entry")),
        };
        let body = serde_json::to_vec(item).map_err(|e| corrupt(&e.to_string()))?;
        Ok(Row {
            seq: to_i64(seq)?,
            from: None,
            at_ms,
            kind: kind.into(),
            blob_id: None,
            doc: None,
            epoch: None,
            to: None,
            covers: None,
            key_id: None,
            body,
        })
    }

    pub fn into_entry(self) -> Result<Entry, StoreError> {
        let item = match self.kind.as_str() {
            ENROLLED | REVOKED => {
                serde_json::from_slice(&self.body).map_err(|e| corrupt(&e.to_string()))?
            }
            kind => {
                let kind = match kind {
                    CHANGE => BlobKind::Change,
                    SNAPSHOT => BlobKind::Snapshot {
                        covers: to_u64(self.covers.ok_or_else(|| corrupt("no covers"))?)?,
                    },
                    KEY => BlobKind::Key {
                        key_id: fixed(self.key_id.as_deref(), "key id")?,
                    },
                    _ => return Err(corrupt("unknown entry kind")),
                };
                LogItem::Blob(Blob {
                    id: BlobId(fixed(self.blob_id.as_deref(), "blob id")?),
                    doc: self.doc.ok_or_else(|| corrupt("no doc"))?,
                    kind,
                    epoch: self
                        .epoch
                        .and_then(|e| u32::try_from(e).ok())
                        .ok_or_else(|| corrupt("bad epoch"))?,
                    to: self.to.map(DeviceId),
                    body: self.body,
                })
            }
        };
        Ok(Entry {
            seq: to_u64(self.seq)?,
            from: self.from.map(DeviceId),
            at_ms: self.at_ms,
            item,
        })
    }
}

fn fixed<const N: usize>(bytes: Option<&[u8]>, what: &str) -> Result<[u8; N], StoreError> {
    bytes
        .and_then(|b| b.try_into().ok())
        .ok_or_else(|| corrupt(&format!("bad {what}")))
}

fn corrupt(what: &str) -> StoreError {
    StoreError::Backend(format!("a log entry is damaged: {what}"))
}

/// Sequence numbers and byte counts are u64 in the API and i64 in SQL.
pub fn to_i64(n: u64) -> Result<i64, StoreError> {
    i64::try_from(n).map_err(|_| StoreError::Backend(format!("{n} does not fit the database")))
}

pub fn to_u64(n: i64) -> Result<u64, StoreError> {
    u64::try_from(n).map_err(|_| StoreError::Backend(format!("negative count {n} in the database")))
}

/// A row of `devices`, as far as [`DeviceInfo`] goes.
#[derive(Debug, Clone)]
pub struct DeviceRow {
    pub id: String,
    pub member: String,
    pub name: String,
    pub age_recipient: String,
    pub pairing_proof: Option<Vec<u8>>,
    pub paired_by: Option<String>,
    pub enrolled_ms: i64,
    pub revoked_ms: Option<i64>,
}

impl DeviceRow {
    pub fn into_info(self) -> Result<DeviceInfo, StoreError> {
        Ok(DeviceInfo {
            id: DeviceId(self.id),
            member: self.member,
            name: self.name,
            age_recipient: self.age_recipient,
            pairing_proof: self
                .pairing_proof
                .map(|p| fixed(Some(&p), "pairing proof"))
                .transpose()?,
            paired_by: self.paired_by.map(DeviceId),
            enrolled_ms: self.enrolled_ms,
            revoked_ms: self.revoked_ms,
        })
    }
}

/// Documents per revocation entry: a device that could read thousands of
/// documents is revoked in several entries, each well within a frame.
pub const REVOCATION_CHUNK: usize = 256;

/// The revocation entries for `device` with `docs` (at least one entry).
pub fn revocation_items(device: &DeviceId, docs: &[DocReaders]) -> Vec<LogItem> {
    let chunks: Vec<&[DocReaders]> = if docs.is_empty() {
        vec![&[]]
    } else {
        docs.chunks(REVOCATION_CHUNK).collect()
    };
    chunks
        .into_iter()
        .map(|chunk| LogItem::DeviceRevoked {
            device: device.clone(),
            docs: chunk.to_vec(),
        })
        .collect()
}

/// Gathers what a revocation said from its entries (consecutive, starting
/// at the device's `revoked_seq`).
pub fn revoked_docs_of(
    device: &DeviceId,
    entries: Vec<Entry>,
) -> Result<Vec<DocReaders>, StoreError> {
    let mut out = Vec::new();
    let mut expected = None;
    for entry in entries {
        if expected.is_some_and(|seq| seq != entry.seq) {
            break;
        }
        match entry.item {
            LogItem::DeviceRevoked { device: d, docs } if d == *device => out.extend(docs),
            _ if expected.is_none() => {
                return Err(corrupt("a device's revocation entry is something else"));
            }
            _ => break,
        }
        expected = Some(entry.seq + 1);
    }
    Ok(out)
}

pub fn to_epoch(n: i64) -> Result<u32, StoreError> {
    u32::try_from(n).map_err(|_| corrupt("bad epoch"))
}

pub fn key_id(bytes: &[u8]) -> Result<[u8; 8], StoreError> {
    fixed(Some(bytes), "key id")
}
