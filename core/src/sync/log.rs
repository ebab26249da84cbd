//! What the relay's log holds and routes: the shared types both ends speak.
//!
//! The relay sees only what is here: document ids, sequence numbers, key
//! epochs, which device may read what, sizes and times. Every body is sealed
//! by the devices ([`crate::sync`]'s device side) before it leaves them.

use std::fmt;

use serde::{Deserialize, Serialize};

/// A device's id: the first 16 bytes of the SHA-256 of its TLS certificate,
/// in hex. Both ends compute it from the certificate, so nobody assigns it.
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct DeviceId(pub String);

impl DeviceId {
    /// The id of the device whose certificate has this SHA-256.
    pub fn from_cert_sha256(digest: &[u8; 32]) -> DeviceId {
        DeviceId(crate::hex::encode(&digest[..16]))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// 32 lowercase hex digits.
    pub fn is_well_formed(&self) -> bool {
        self.0.len() == 32
            && self
                .0
                .bytes()
                .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
    }
}

impl fmt::Display for DeviceId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl fmt::Debug for DeviceId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "DeviceId({})", self.0)
    }
}

/// A blob's id, chosen by the uploading device (16 random bytes). Uploading
/// the same id twice stores it once: retries never duplicate.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct BlobId(pub [u8; 16]);

impl fmt::Debug for BlobId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "BlobId({})", crate::hex::encode(&self.0))
    }
}

impl fmt::Display for BlobId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&crate::hex::encode(&self.0))
    }
}

/// What a blob is, as far as the relay needs to know.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum BlobKind {
    /// Sealed Automerge changes of one document.
    Change,
    /// A sealed whole document that replaces every change and snapshot of
    /// that document with a sequence number up to `covers`.
    Snapshot { covers: u64 },
    /// A document key of one epoch, wrapped (age) to the device in `Blob::to`.
    /// `key_id` names the key without revealing it, so the relay can refuse a
    /// second, different key for an epoch (two devices rotating at once).
    Key { key_id: [u8; 8] },
}

impl BlobKind {
    pub fn name(&self) -> &'static str {
        match self {
            BlobKind::Change => "change",
            BlobKind::Snapshot { .. } => "snapshot",
            BlobKind::Key { .. } => "key",
        }
    }
}

/// One upload: an opaque sealed body plus routing metadata.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Blob {
    pub id: BlobId,
    /// The document this belongs to (`client/…`, `note/…`): ids, never content.
    pub doc: String,
    pub kind: BlobKind,
    /// Which document key sealed it (or, for a key blob, which key it carries).
    pub epoch: u32,
    /// For key blobs, the one device that may read it.
    pub to: Option<DeviceId>,
    /// Sealed bytes; the relay never opens them.
    pub body: Vec<u8>,
}

impl fmt::Debug for Blob {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Blob")
            .field("id", &self.id)
            .field("doc", &self.doc)
            .field("kind", &self.kind)
            .field("epoch", &self.epoch)
            .field("to", &self.to)
            .field("body_len", &self.body.len())
            .finish()
    }
}

/// A device as the practice's devices see it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeviceInfo {
    pub id: DeviceId,
    /// The member (therapist account) the device belongs to.
    pub member: String,
    /// What its owner called it ("Office laptop").
    pub name: String,
    /// The device's age X25519 recipient (`age1…`): document keys are wrapped to it.
    pub age_recipient: String,
    /// For a device added by pairing: HMAC-SHA256 under the pairing secret of
    /// the device id and recipient, so the device that made the code can check
    /// the relay did not swap the new device's key.
    pub pairing_proof: Option<[u8; 32]>,
    /// For a device added by pairing: the device whose pairing code it used
    /// (the only one that can check `pairing_proof`).
    pub paired_by: Option<DeviceId>,
    /// Milliseconds since the epoch.
    pub enrolled_ms: i64,
    pub revoked_ms: Option<i64>,
}

/// The devices left able to read a document after a revocation.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct DocReaders {
    pub doc: String,
    pub epoch: u32,
    pub readers: Vec<DeviceId>,
}

/// What one log entry says.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum LogItem {
    /// A device's upload.
    Blob(Blob),
    /// A device joined the practice (every device sees this).
    DeviceEnrolled(DeviceInfo),
    /// A device was revoked; `docs` are the documents it could read, with who
    /// may still read them, so a remaining reader rotates their keys.
    DeviceRevoked {
        device: DeviceId,
        docs: Vec<DocReaders>,
    },
}

/// One entry of the practice's log, as delivered to a device.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Entry {
    /// Increasing per practice; gaps are entries this device may not read or
    /// that a snapshot compacted away.
    pub seq: u64,
    /// The uploading device; `None` for entries the relay itself wrote.
    pub from: Option<DeviceId>,
    pub at_ms: i64,
    pub item: LogItem,
}
