//! Document keys and sealed bodies.
//!
//! Every document has a random 32-byte key per epoch. Changes and snapshots
//! are sealed with XChaCha20-Poly1305 (a random 24-byte nonce in front) with
//! associated data naming the document, epoch, blob id and kind, so a relay
//! can neither move a blob to another document nor replay it as another
//! kind. A key travels in a key blob: age-encrypted to one device's X25519
//! recipient, its plaintext naming the document and epoch it belongs to.
//!
//! age does not say who encrypted, so every key grant is also signed by the
//! granting device with its TLS certificate's key, over a domain-separated
//! message naming the document, epoch, key (its full SHA-256 id), recipient,
//! sender and history flag. The signature and the sender's certificate travel
//! inside the age ciphertext; [`unwrap_key`] checks the signature, and the
//! caller checks that the certificate's device is the entry's sender and one
//! it trusts.

use std::str::FromStr;

use chacha20poly1305::aead::{Aead, Payload};
use chacha20poly1305::{KeyInit, XChaCha20Poly1305, XNonce};
use zeroize::{Zeroize, ZeroizeOnDrop, Zeroizing};

use rustls::pki_types::CertificateDer;

use super::ReplicaError;
use crate::sync::log::{BlobId, BlobKind, DeviceId};
use crate::sync::pin::CertFingerprint;

const NONCE_LEN: usize = 24;
const TAG_LEN: usize = 16;
/// Bytes a seal adds to its plaintext.
pub const SEAL_OVERHEAD: usize = NONCE_LEN + TAG_LEN;
const AAD_MAGIC: &[u8] = b"bloom-seal-v1\0";
/// The plaintext of a key blob starts with this; v1 (unsigned) is refused.
const GRANT_MAGIC: &[u8] = b"bloom-key-v2\0";
/// What a grant's signature is over starts with this (no other signed or
/// sealed message of Bloom does).
const GRANT_SIGNED: &[u8] = b"bloom key grant v2\0";
/// A certificate larger than this in a key blob is malformed.
const MAX_CERT_LEN: usize = 16 * 1024;
/// Version 2 carries the record id (version 1 did not, and is refused).
const BODY_VERSION: u8 = 2;
/// What a document's sync id hashes its record id with.
const SYNC_DOC_MAGIC: &[u8] = b"bloom sync doc v1\0";

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
    /// [`DocKey::digest`]. The relay compares these.
    pub fn id(&self) -> [u8; 8] {
        let mut out = [0u8; 8];
        out.copy_from_slice(&self.digest()[..8]);
        out
    }

    /// SHA-256("bloom key id" ‖ key): the key id in full, what a grant's
    /// signature names the key by.
    pub fn digest(&self) -> [u8; 32] {
        let mut ctx = ring::digest::Context::new(&ring::digest::SHA256);
        ctx.update(b"bloom key id");
        ctx.update(&self.0);
        let mut out = [0u8; 32];
        out.copy_from_slice(ctx.finish().as_ref());
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

/// The document id the relay sees for record `record`: the first 32 hex
/// digits of SHA-256("bloom sync doc v1\0" ‖ record id). Record ids are
/// random UUIDs or derived from one (`safety-plan:<client id>`), so the
/// relay can neither invert it nor link a plan to its client; the record id
/// itself travels inside the sealed body ([`frame`]).
pub fn sync_doc_id(record: &str) -> String {
    let mut ctx = ring::digest::Context::new(&ring::digest::SHA256);
    ctx.update(SYNC_DOC_MAGIC);
    ctx.update(record.as_bytes());
    crate::hex::encode(&ctx.finish().as_ref()[..16])
}

/// Whether `recipient` is an age X25519 recipient keys can be wrapped to.
pub fn recipient_is_valid(recipient: &str) -> bool {
    age::x25519::Recipient::from_str(recipient).is_ok()
}

/// A change or snapshot's plaintext: the record kind and the record id (the
/// relay must learn neither; a receiver needs both to store the record) and
/// the Automerge bytes.
pub fn frame(record_kind: &str, record: &str, automerge: &[u8]) -> Result<Vec<u8>, ReplicaError> {
    let kind_len = u8::try_from(record_kind.len())
        .map_err(|_| ReplicaError::Invalid("record kind too long".into()))?;
    let record_len = u8::try_from(record.len())
        .map_err(|_| ReplicaError::Invalid("record id too long".into()))?;
    let mut out = Vec::with_capacity(3 + record_kind.len() + record.len() + automerge.len());
    out.push(BODY_VERSION);
    out.push(kind_len);
    out.extend_from_slice(record_kind.as_bytes());
    out.push(record_len);
    out.extend_from_slice(record.as_bytes());
    out.extend_from_slice(automerge);
    Ok(out)
}

/// What a [`frame`] carries.
#[derive(Debug, PartialEq, Eq)]
pub struct Framed<'a> {
    pub record_kind: &'a str,
    pub record: &'a str,
    pub automerge: &'a [u8],
}

/// Splits a [`frame`] back into the record kind, record id and Automerge
/// bytes. Whether the record id belongs to the blob's document is the
/// caller's to check ([`sync_doc_id`]).
pub fn unframe(plain: &[u8]) -> Result<Framed<'_>, ReplicaError> {
    let bad = || ReplicaError::Invalid("malformed body".into());
    let mut r = Reader(plain);
    let [version] = r.array::<1>().ok_or_else(bad)?;
    if version != BODY_VERSION {
        return Err(bad());
    }
    let mut text = || -> Result<&str, ReplicaError> {
        let [len] = r.array::<1>().ok_or_else(bad)?;
        let bytes = r.take(usize::from(len)).ok_or_else(bad)?;
        std::str::from_utf8(bytes).map_err(|_| bad())
    };
    let record_kind = text()?;
    let record = text()?;
    Ok(Framed {
        record_kind,
        record,
        automerge: r.0,
    })
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

/// The algorithm of a device certificate's key, which signs its grants.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SignatureAlg {
    /// ECDSA P-256 with SHA-256, ASN.1 DER signatures (what rcgen makes).
    EcdsaP256Sha256,
    Ed25519,
}

impl SignatureAlg {
    fn code(self) -> u8 {
        match self {
            SignatureAlg::EcdsaP256Sha256 => 1,
            SignatureAlg::Ed25519 => 2,
        }
    }

    fn from_code(code: u8) -> Option<SignatureAlg> {
        match code {
            1 => Some(SignatureAlg::EcdsaP256Sha256),
            2 => Some(SignatureAlg::Ed25519),
            _ => None,
        }
    }

    /// Checks the signature with the public key of the certificate (webpki
    /// reads its SubjectPublicKeyInfo and refuses a key of another algorithm).
    fn verifier(self) -> &'static dyn rustls::pki_types::SignatureVerificationAlgorithm {
        match self {
            SignatureAlg::EcdsaP256Sha256 => webpki::ring::ECDSA_P256_SHA256,
            SignatureAlg::Ed25519 => webpki::ring::ED25519,
        }
    }
}

/// A device that grants keys: its certificate, and signatures made with the
/// certificate's private key ([`super::DeviceKeys`]).
pub trait GrantSigner {
    /// The certificate (DER); its fingerprint is the device id.
    fn cert_der(&self) -> &[u8];
    /// Signs `message` with the certificate's private key.
    fn sign(&self, message: &[u8]) -> Result<(SignatureAlg, Vec<u8>), ReplicaError>;
}

/// What a grant's signature covers: everything the grant says, who it is
/// for and who made it.
fn signed_message(grant: &Grant, to: &DeviceId, from: &DeviceId) -> Vec<u8> {
    let mut out = Vec::with_capacity(GRANT_SIGNED.len() + grant.doc.len() + 128);
    out.extend_from_slice(GRANT_SIGNED);
    for part in [grant.doc.as_str(), to.as_str(), from.as_str()] {
        out.extend_from_slice(&(part.len() as u32).to_be_bytes());
        out.extend_from_slice(part.as_bytes());
    }
    out.extend_from_slice(&grant.epoch.to_be_bytes());
    out.extend_from_slice(&grant.key.digest());
    out.push(u8::from(grant.history));
    out
}

/// Signs `grant` as `signer` for device `to` and wraps it with age to `to`'s
/// recipient (`recipient`). The signature and the signer's certificate are
/// inside the ciphertext.
pub fn wrap_key<S: GrantSigner + ?Sized>(
    recipient: &str,
    to: &DeviceId,
    signer: &S,
    grant: &Grant,
) -> Result<Vec<u8>, ReplicaError> {
    let recipient = age::x25519::Recipient::from_str(recipient)
        .map_err(|_| ReplicaError::Invalid("a device's age recipient is malformed".into()))?;
    let cert = signer.cert_der();
    let cert_len = u16::try_from(cert.len())
        .ok()
        .filter(|&n| usize::from(n) <= MAX_CERT_LEN)
        .ok_or_else(|| ReplicaError::Invalid("the device certificate is too large".into()))?;
    let from = CertFingerprint::of_der(cert).device_id();
    let (alg, signature) = signer.sign(&signed_message(grant, to, &from))?;
    let mut plain = Zeroizing::new(Vec::with_capacity(
        128 + grant.doc.len() + cert.len() + signature.len(),
    ));
    plain.extend_from_slice(GRANT_MAGIC);
    plain.extend_from_slice(&(grant.doc.len() as u32).to_be_bytes());
    plain.extend_from_slice(grant.doc.as_bytes());
    plain.extend_from_slice(&grant.epoch.to_be_bytes());
    plain.extend_from_slice(grant.key.as_bytes());
    plain.push(u8::from(grant.history));
    plain.push(alg.code());
    plain.extend_from_slice(&cert_len.to_be_bytes());
    plain.extend_from_slice(cert);
    plain.extend_from_slice(&signature);
    age::encrypt(&recipient, &plain).map_err(|e| ReplicaError::Crypto(e.to_string()))
}

/// A grant whose signature holds, and the device that signed it (derived
/// from the certificate it carried). Whether that device may grant keys is
/// the caller's to judge.
#[derive(Debug)]
pub struct SignedGrant {
    pub grant: Grant,
    pub from: DeviceId,
}

/// Reads the front of a byte slice.
struct Reader<'a>(&'a [u8]);

impl<'a> Reader<'a> {
    fn take(&mut self, n: usize) -> Option<&'a [u8]> {
        if self.0.len() < n {
            return None;
        }
        let (head, rest) = self.0.split_at(n);
        self.0 = rest;
        Some(head)
    }

    fn array<const N: usize>(&mut self) -> Option<[u8; N]> {
        self.take(N)?.try_into().ok()
    }
}

/// Opens a key blob for device `me` with its age identity and checks the
/// grant's signature: [`ReplicaError::SealBroken`] if it does not open or is
/// malformed, [`ReplicaError::GrantSignature`] if the signature does not
/// hold for the certificate it carries.
pub fn unwrap_key(
    identity: &age::x25519::Identity,
    me: &DeviceId,
    body: &[u8],
) -> Result<SignedGrant, ReplicaError> {
    let broken = || ReplicaError::SealBroken("key");
    let plain = Zeroizing::new(age::decrypt(identity, body).map_err(|_| broken())?);
    let mut r = Reader(plain.strip_prefix(GRANT_MAGIC).ok_or_else(broken)?);
    let len = u32::from_be_bytes(r.array().ok_or_else(broken)?) as usize;
    let doc = r.take(len).ok_or_else(broken)?;
    let epoch = u32::from_be_bytes(r.array().ok_or_else(broken)?);
    let key = DocKey::from_slice(r.take(32).ok_or_else(broken)?).ok_or_else(broken)?;
    let history = match r.array::<1>().ok_or_else(broken)? {
        [0] => false,
        [1] => true,
        _ => return Err(broken()),
    };
    let [alg] = r.array::<1>().ok_or_else(broken)?;
    let alg = SignatureAlg::from_code(alg).ok_or(ReplicaError::GrantSignature)?;
    let cert_len = usize::from(u16::from_be_bytes(r.array().ok_or_else(broken)?));
    if cert_len > MAX_CERT_LEN {
        return Err(broken());
    }
    let cert = r.take(cert_len).ok_or_else(broken)?;
    let signature = r.0;
    let grant = Grant {
        doc: String::from_utf8(doc.to_vec()).map_err(|_| broken())?,
        epoch,
        key,
        history,
    };
    let from = CertFingerprint::of_der(cert).device_id();
    let message = signed_message(&grant, me, &from);
    let cert = CertificateDer::from(cert);
    let cert = webpki::EndEntityCert::try_from(&cert).map_err(|_| ReplicaError::GrantSignature)?;
    cert.verify_signature(alg.verifier(), &message, signature)
        .map_err(|_| ReplicaError::GrantSignature)?;
    Ok(SignedGrant { grant, from })
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
    use crate::replica::DeviceKeys;

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

    fn grant(doc: &str, epoch: u32, history: bool) -> Grant {
        Grant {
            doc: doc.into(),
            epoch,
            key: DocKey::generate().unwrap(),
            history,
        }
    }

    fn device() -> (DeviceKeys, DeviceId) {
        let keys = DeviceKeys::generate().unwrap();
        let id = keys.device_id();
        (keys, id)
    }

    #[test]
    fn a_key_grant_round_trips_signed_and_names_its_document_and_sender() {
        let identity = age::x25519::Identity::generate();
        let (sender, sender_id) = device();
        let me = DeviceId("0123456789abcdef0123456789abcdef".into());
        let grant = grant("doc-a", 3, true);
        let body = wrap_key(&identity.to_public().to_string(), &me, &sender, &grant).unwrap();
        let back = unwrap_key(&identity, &me, &body).unwrap();
        assert_eq!(
            (
                back.grant.doc.as_str(),
                back.grant.epoch,
                back.grant.history
            ),
            ("doc-a", 3, true)
        );
        assert_eq!(back.grant.key, grant.key);
        assert_eq!(back.from, sender_id);
        let stranger = age::x25519::Identity::generate();
        let err = unwrap_key(&stranger, &me, &body).unwrap_err();
        assert!(matches!(err, ReplicaError::SealBroken(_)), "{err:?}");
        assert!(!format!("{grant:?} {back:?}").contains(&crate::hex::encode(grant.key.as_bytes())));
        assert!(unwrap_key(&identity, &me, &body[..body.len() - 1]).is_err());
    }

    /// Signs what it is told to instead of what it is asked, or with a key
    /// that is not its certificate's.
    struct Forger<'a> {
        cert: &'a [u8],
        keys: &'a DeviceKeys,
        message: Option<Vec<u8>>,
        alg: Option<SignatureAlg>,
    }

    impl GrantSigner for Forger<'_> {
        fn cert_der(&self) -> &[u8] {
            self.cert
        }

        fn sign(&self, message: &[u8]) -> Result<(SignatureAlg, Vec<u8>), ReplicaError> {
            let (alg, sig) = self.keys.sign(self.message.as_deref().unwrap_or(message))?;
            Ok((self.alg.unwrap_or(alg), sig))
        }
    }

    #[test]
    fn a_grant_whose_signature_does_not_hold_is_refused() {
        let identity = age::x25519::Identity::generate();
        let recipient = identity.to_public().to_string();
        let (alice, alice_id) = device();
        let (mallory, _) = device();
        let me = DeviceId("0123456789abcdef0123456789abcdef".into());
        let other = DeviceId("fedcba9876543210fedcba9876543210".into());
        let g = grant("doc-a", 3, false);
        let honest = |message: Option<Vec<u8>>, alg: Option<SignatureAlg>| Forger {
            cert: alice.cert_der(),
            keys: &alice,
            message,
            alg,
        };
        let altered = |f: &dyn Fn(&mut Grant)| {
            let mut changed = Grant {
                doc: g.doc.clone(),
                key: g.key.clone(),
                ..g
            };
            f(&mut changed);
            Some(signed_message(&changed, &me, &alice_id))
        };
        let forgeries: Vec<(&str, Forger<'_>)> = vec![
            // The relay's attack: Alice's (public) certificate, its own key.
            (
                "another key",
                Forger {
                    cert: alice.cert_der(),
                    keys: &mallory,
                    message: None,
                    alg: None,
                },
            ),
            (
                "another document",
                honest(altered(&|g| g.doc = "doc-b".into()), None),
            ),
            ("another epoch", honest(altered(&|g| g.epoch = 4), None)),
            ("with history", honest(altered(&|g| g.history = true), None)),
            (
                "another key",
                honest(altered(&|g| g.key = DocKey::generate().unwrap()), None),
            ),
            (
                "for another device",
                honest(Some(signed_message(&g, &other, &alice_id)), None),
            ),
            (
                "from another device",
                honest(Some(signed_message(&g, &me, &other)), None),
            ),
            (
                "another algorithm",
                honest(None, Some(SignatureAlg::Ed25519)),
            ),
        ];
        for (what, forger) in forgeries {
            let body = wrap_key(&recipient, &me, &forger, &g).unwrap();
            let err = unwrap_key(&identity, &me, &body).unwrap_err();
            assert!(
                matches!(err, ReplicaError::GrantSignature),
                "{what}: {err:?}"
            );
        }
        // A genuine grant for Alice's other device does not hold for this one.
        let body = wrap_key(&recipient, &other, &alice, &g).unwrap();
        let err = unwrap_key(&identity, &me, &body).unwrap_err();
        assert!(matches!(err, ReplicaError::GrantSignature), "{err:?}");
        assert!(unwrap_key(&identity, &other, &body).is_ok());
    }

    #[test]
    fn frames_carry_the_record_kind_and_id() {
        let framed = frame("note", "n-1", b"am").unwrap();
        let back = unframe(&framed).unwrap();
        assert_eq!(
            (back.record_kind, back.record, back.automerge),
            ("note", "n-1", &b"am"[..])
        );
        assert!(unframe(&[1, 0, 0]).is_err());
        assert!(unframe(&[2, 0]).is_err());
        assert!(unframe(&[2, 9, b'x']).is_err());
        assert!(unframe(&[2, 1, b'x', 3, b'y']).is_err());
    }

    #[test]
    fn sync_doc_ids_are_opaque_and_stable() {
        let a = sync_doc_id("safety-plan:5b1c3d4e-0000-4000-8000-000000000001");
        assert_eq!(a.len(), 32);
        assert!(DeviceId(a.clone()).is_well_formed());
        assert_eq!(
            a,
            sync_doc_id("safety-plan:5b1c3d4e-0000-4000-8000-000000000001")
        );
        assert_ne!(a, sync_doc_id("5b1c3d4e-0000-4000-8000-000000000001"));
        assert!(!a.contains("safety"));
    }
}
