//! Document keys and sealed bodies.
//!
//! Every document has a random 32-byte key per epoch. Changes and snapshots
//! are sealed with XChaCha20-Poly1305 (a random 24-byte nonce in front) with
//! associated data naming the document, epoch, blob id and kind, so a relay
//! can neither move a blob to another document nor replay it as another
//! kind. A key travels in a key blob: age-encrypted to one device's X25519
//! recipient, its plaintext naming the document and epoch it belongs to.

use std::str::FromStr;

use chacha20poly1305::aead::{Aead, Payload};
use chacha20poly1305::{KeyInit, XChaCha20Poly1305, XNonce};
use zeroize::{Zeroize, ZeroizeOnDrop, Zeroizing};

use super::ReplicaError;
use crate::sync::log::{BlobId, BlobKind};

const NONCE_LEN: usize = 24;
const TAG_LEN: usize = 16;
/// Bytes a seal adds to its plaintext.
pub const SEAL_OVERHEAD: usize = NONCE_LEN + TAG_LEN;
const AAD_MAGIC: &[u8] = b"bloom-seal-v1\0";
const GRANT_MAGIC: &[u8] = b"bloom-key-v1\0";
const BODY_VERSION: u8 = 1;

/// One document key of one epoch. Never printed; zeroed when dropped.
#[derive(Clone, PartialEq, Eq, Zeroize, ZeroizeOnDrop)]
pub struct DocKey([u8; 32]);

impl DocKey {
    pub fn generate() -> Result<DocKey, ReplicaError> {
        let mut bytes = [0u8; 32];
        getrandom::fill(&mut bytes).map_err(|e| ReplicaError::Crypto(e.to_string()))?;
        Ok(DocKey(bytes))
    }

    pub(crate) fn from_slice(bytes: &[u8]) -> Option<DocKey> {
        Some(DocKey(bytes.try_into().ok()?))
    }

    pub(crate) fn as_bytes(&self) -> &[u8; 32] {
        &self.0
    }

    /// Names the key without revealing it: the first 8 bytes of
    /// SHA-256("bloom key id" ‖ key). The relay compares these.
    pub fn id(&self) -> [u8; 8] {
        let mut ctx = ring::digest::Context::new(&ring::digest::SHA256);
        ctx.update(b"bloom key id");
        ctx.update(&self.0);
        let digest = ctx.finish();
        let mut out = [0u8; 8];
        out.copy_from_slice(&digest.as_ref()[..8]);
        out
    }
}

impl std::fmt::Debug for DocKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("DocKey(<redacted>)")
    }
}

/// What a sealed body is bound to: everything the relay routes it by.
#[derive(Clone, Copy, Debug)]
pub struct Binding<'a> {
    pub doc: &'a str,
    pub epoch: u32,
    pub blob: BlobId,
    pub kind: BlobKind,
}

impl Binding<'_> {
    fn aad(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(AAD_MAGIC.len() + self.doc.len() + 40);
        out.extend_from_slice(AAD_MAGIC);
        out.extend_from_slice(&(self.doc.len() as u32).to_be_bytes());
        out.extend_from_slice(self.doc.as_bytes());
        out.extend_from_slice(&self.epoch.to_be_bytes());
        out.extend_from_slice(&self.blob.0);
        match self.kind {
            BlobKind::Change => out.push(1),
            BlobKind::Snapshot { covers } => {
                out.push(2);
                out.extend_from_slice(&covers.to_be_bytes());
            }
            BlobKind::Key { key_id } => {
                out.push(3);
                out.extend_from_slice(&key_id);
            }
        }
        out
    }
}

/// Seals `plaintext` under `key`, bound to `binding`.
pub fn seal(
    key: &DocKey,
    binding: &Binding<'_>,
    plaintext: &[u8],
) -> Result<Vec<u8>, ReplicaError> {
    let mut nonce = [0u8; NONCE_LEN];
    getrandom::fill(&mut nonce).map_err(|e| ReplicaError::Crypto(e.to_string()))?;
    let cipher = XChaCha20Poly1305::new(key.as_bytes().into());
    let aad = binding.aad();
    let sealed = cipher
        .encrypt(
            XNonce::from_slice(&nonce),
            Payload {
                msg: plaintext,
                aad: &aad,
            },
        )
        .map_err(|_| ReplicaError::Crypto("sealing failed".into()))?;
    let mut out = Vec::with_capacity(NONCE_LEN + sealed.len());
    out.extend_from_slice(&nonce);
    out.extend_from_slice(&sealed);
    Ok(out)
}

/// Opens a body sealed by [`seal`] with the same key and binding.
pub fn open(
    key: &DocKey,
    binding: &Binding<'_>,
    body: &[u8],
) -> Result<Zeroizing<Vec<u8>>, ReplicaError> {
    if body.len() < SEAL_OVERHEAD {
        return Err(ReplicaError::SealBroken("body"));
    }
    let (nonce, sealed) = body.split_at(NONCE_LEN);
    let cipher = XChaCha20Poly1305::new(key.as_bytes().into());
    let aad = binding.aad();
    cipher
        .decrypt(
            XNonce::from_slice(nonce),
            Payload {
                msg: sealed,
                aad: &aad,
            },
        )
        .map(Zeroizing::new)
        .map_err(|_| ReplicaError::SealBroken("body"))
}

/// A change or snapshot's plaintext: the record kind (the relay must not
/// learn it, and a receiver needs it to create the record) and the
/// Automerge bytes.
pub fn frame(record_kind: &str, automerge: &[u8]) -> Result<Vec<u8>, ReplicaError> {
    let len = u8::try_from(record_kind.len())
        .map_err(|_| ReplicaError::Invalid("record kind too long".into()))?;
    let mut out = Vec::with_capacity(2 + record_kind.len() + automerge.len());
    out.push(BODY_VERSION);
    out.push(len);
    out.extend_from_slice(record_kind.as_bytes());
    out.extend_from_slice(automerge);
    Ok(out)
}

/// Splits a [`frame`] back into the record kind and the Automerge bytes.
pub fn unframe(plain: &[u8]) -> Result<(&str, &[u8]), ReplicaError> {
    let bad = || ReplicaError::Invalid("malformed body".into());
    let (&version, rest) = plain.split_first().ok_or_else(bad)?;
    let (&len, rest) = rest.split_first().ok_or_else(bad)?;
    if version != BODY_VERSION || rest.len() < usize::from(len) {
        return Err(bad());
    }
    let (kind, automerge) = rest.split_at(usize::from(len));
    let kind = std::str::from_utf8(kind).map_err(|_| bad())?;
    Ok((kind, automerge))
}

/// A document key handed to one device.
#[derive(Debug)]
pub struct Grant {
    pub doc: String,
    pub epoch: u32,
    pub key: DocKey,
    /// The document has entries in the log before this key blob (a device
    /// added later): the receiver must read the log again from the start,
    /// because the relay did not send it those entries while it was not a
    /// reader.
    pub history: bool,
}

/// Wraps `grant` with age to the device whose recipient is `recipient`.
pub fn wrap_key(recipient: &str, grant: &Grant) -> Result<Vec<u8>, ReplicaError> {
    let recipient = age::x25519::Recipient::from_str(recipient)
        .map_err(|_| ReplicaError::Invalid("a device's age recipient is malformed".into()))?;
    let mut plain = Zeroizing::new(Vec::with_capacity(64 + grant.doc.len()));
    plain.extend_from_slice(GRANT_MAGIC);
    plain.extend_from_slice(&(grant.doc.len() as u32).to_be_bytes());
    plain.extend_from_slice(grant.doc.as_bytes());
    plain.extend_from_slice(&grant.epoch.to_be_bytes());
    plain.extend_from_slice(grant.key.as_bytes());
    plain.push(u8::from(grant.history));
    age::encrypt(&recipient, &plain).map_err(|e| ReplicaError::Crypto(e.to_string()))
}

/// Opens a key blob with this device's age identity.
pub fn unwrap_key(identity: &age::x25519::Identity, body: &[u8]) -> Result<Grant, ReplicaError> {
    let broken = || ReplicaError::SealBroken("key");
    let plain = Zeroizing::new(age::decrypt(identity, body).map_err(|_| broken())?);
    let rest = plain.strip_prefix(GRANT_MAGIC).ok_or_else(broken)?;
    let (len, rest) = rest.split_first_chunk::<4>().ok_or_else(broken)?;
    let len = u32::from_be_bytes(*len) as usize;
    if rest.len() != len + 4 + 32 + 1 {
        return Err(broken());
    }
    let (doc, rest) = rest.split_at(len);
    let (epoch, rest) = rest.split_at(4);
    let (key, flag) = rest.split_at(32);
    let mut epoch_bytes = [0u8; 4];
    epoch_bytes.copy_from_slice(epoch);
    Ok(Grant {
        doc: String::from_utf8(doc.to_vec()).map_err(|_| broken())?,
        epoch: u32::from_be_bytes(epoch_bytes),
        key: DocKey::from_slice(key).ok_or_else(broken)?,
        history: flag == [1],
    })
}

/// A fresh random blob id.
pub fn new_blob_id() -> Result<BlobId, ReplicaError> {
    let mut id = [0u8; 16];
    getrandom::fill(&mut id).map_err(|e| ReplicaError::Crypto(e.to_string()))?;
    Ok(BlobId(id))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::HasCode;

    fn binding(doc: &str, kind: BlobKind) -> Binding<'_> {
        Binding {
            doc,
            epoch: 1,
            blob: BlobId([5; 16]),
            kind,
        }
    }

    #[test]
    fn a_sealed_body_opens_only_where_it_was_sealed() {
        let key = DocKey::generate().unwrap();
        let b = binding("doc-a", BlobKind::Change);
        let body = seal(&key, &b, b"changes").unwrap();
        assert_eq!(open(&key, &b, &body).unwrap().as_slice(), b"changes");
        let other = DocKey::generate().unwrap();
        let moved = [
            binding("doc-b", BlobKind::Change),
            binding("doc-a", BlobKind::Snapshot { covers: 3 }),
            Binding { epoch: 2, ..b },
            Binding {
                blob: BlobId([6; 16]),
                ..b
            },
        ];
        for wrong in &moved {
            let err = open(&key, wrong, &body).unwrap_err();
            assert_eq!(err.code(), crate::Code::SyncSealBroken);
        }
        assert!(open(&other, &b, &body).is_err());
        let mut tampered = body.clone();
        tampered[30] ^= 1;
        assert!(open(&key, &b, &tampered).is_err());
        assert!(open(&key, &b, &body[..10]).is_err());
    }

    #[test]
    fn a_key_grant_round_trips_and_names_its_document() {
        let identity = age::x25519::Identity::generate();
        let grant = Grant {
            doc: "doc-a".into(),
            epoch: 3,
            key: DocKey::generate().unwrap(),
            history: true,
        };
        let body = wrap_key(&identity.to_public().to_string(), &grant).unwrap();
        let back = unwrap_key(&identity, &body).unwrap();
        assert_eq!(
            (back.doc.as_str(), back.epoch, back.history),
            ("doc-a", 3, true)
        );
        assert_eq!(back.key, grant.key);
        let stranger = age::x25519::Identity::generate();
        assert!(unwrap_key(&stranger, &body).is_err());
        assert!(!format!("{grant:?}").contains(&crate::hex::encode(grant.key.as_bytes())));
    }

    #[test]
    fn frames_carry_the_record_kind() {
        let framed = frame("note", b"am").unwrap();
        assert_eq!(unframe(&framed).unwrap(), ("note", &b"am"[..]));
        assert!(unframe(&[2, 0]).is_err());
        assert!(unframe(&[1, 9, b'x']).is_err());
    }
}
