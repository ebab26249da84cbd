//! This device's keys and enrollment, kept in the vault's settings (inside
//! SQLCipher, so encrypted at rest).
//!
//! A device has a self-signed TLS certificate (its id is the certificate's
//! fingerprint; the relay knows it by it) and an age X25519 identity that
//! document keys are wrapped to. Both are made once, on first use.

use std::str::FromStr;

use age::secrecy::ExposeSecret;
use rusqlite::{Connection, params};
use serde::{Deserialize, Serialize};
use zeroize::Zeroizing;

use super::seal::{GrantSigner, SignatureAlg};
use super::{ReplicaError, state};
use crate::sync::client::RelayTarget;
use crate::sync::log::{DeviceId, DeviceInfo};
use crate::sync::pin::CertFingerprint;
use crate::vault::{SYNCED_KINDS, Vault, VaultError};

const CERT: &str = "sync.device_cert";
const TLS_KEY: &str = "sync.device_tls_key";
const AGE: &str = "sync.device_age";
const ENROLLMENT: &str = "sync.enrollment";
/// The name in the device certificate; the relay identifies devices by
/// fingerprint, not by name.
const CERT_NAME: &str = "bloom-device";

/// This device's secrets. `Debug` shows only the device id and recipient;
/// the private keys are zeroed when dropped.
pub struct DeviceKeys {
    cert_der: Vec<u8>,
    tls_key: Zeroizing<Vec<u8>>,
    age: age::x25519::Identity,
}

impl std::fmt::Debug for DeviceKeys {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DeviceKeys")
            .field("device_id", &self.device_id())
            .field("age_recipient", &self.age_recipient())
            .finish_non_exhaustive()
    }
}

impl DeviceKeys {
    /// New keys: an ECDSA P-256 self-signed certificate (what rustls with
    /// ring accepts as a TLS 1.3 client certificate) and an age identity.
    pub fn generate() -> Result<DeviceKeys, ReplicaError> {
        let certified = rcgen::generate_simple_self_signed(vec![CERT_NAME.to_owned()])
            .map_err(|e| ReplicaError::Crypto(e.to_string()))?;
        Ok(DeviceKeys {
            cert_der: certified.cert.der().to_vec(),
            tls_key: Zeroizing::new(certified.signing_key.serialize_der()),
            age: age::x25519::Identity::generate(),
        })
    }

    /// The keys stored in the vault, made and stored first if there are none.
    pub fn load_or_create(vault: &mut Vault) -> Result<DeviceKeys, ReplicaError> {
        if let Some(keys) = DeviceKeys::load(vault)? {
            return Ok(keys);
        }
        let keys = DeviceKeys::generate()?;
        let tx = vault.transaction()?;
        let tls_hex = Zeroizing::new(crate::hex::encode(&keys.tls_key));
        state::set_setting(&tx, CERT, &crate::hex::encode(&keys.cert_der))?;
        state::set_setting(&tx, TLS_KEY, &tls_hex)?;
        state::set_setting(&tx, AGE, keys.age.to_string().expose_secret())?;
        tx.commit()?;
        Ok(keys)
    }

    /// The keys stored in the vault, if any.
    pub fn load(vault: &Vault) -> Result<Option<DeviceKeys>, ReplicaError> {
        DeviceKeys::load_from(vault.connection())
    }

    pub(crate) fn load_from(conn: &Connection) -> Result<Option<DeviceKeys>, ReplicaError> {
        let corrupt =
            |what: &str| VaultError::Corrupt(format!("the stored device {what} is malformed"));
        let (Some(cert), Some(tls), Some(age)) = (
            state::setting(conn, CERT)?,
            state::setting(conn, TLS_KEY)?.map(Zeroizing::new),
            state::setting(conn, AGE)?.map(Zeroizing::new),
        ) else {
            return Ok(None);
        };
        Ok(Some(DeviceKeys {
            cert_der: crate::hex::decode(&cert).ok_or_else(|| corrupt("certificate"))?,
            tls_key: Zeroizing::new(crate::hex::decode(&tls).ok_or_else(|| corrupt("TLS key"))?),
            age: age::x25519::Identity::from_str(&age).map_err(|_| corrupt("age identity"))?,
        }))
    }

    /// The device id: derived from the certificate, as the relay derives it.
    pub fn device_id(&self) -> DeviceId {
        CertFingerprint::of_der(&self.cert_der).device_id()
    }

    pub fn cert_der(&self) -> &[u8] {
        &self.cert_der
    }

    /// The certificate's private key, PKCS#8 DER, for the TLS client config.
    pub fn tls_key_pkcs8(&self) -> &[u8] {
        &self.tls_key
    }

    /// The recipient (`age1…`) other devices wrap document keys to.
    pub fn age_recipient(&self) -> String {
        self.age.to_public().to_string()
    }

    pub(crate) fn age_identity(&self) -> &age::x25519::Identity {
        &self.age
    }
}

/// Key grants are signed with the certificate's key, with ring: ECDSA P-256
/// (what [`DeviceKeys::generate`] makes), or Ed25519 should a certificate of
/// that kind ever be stored.
impl GrantSigner for DeviceKeys {
    fn cert_der(&self) -> &[u8] {
        &self.cert_der
    }

    fn sign(&self, message: &[u8]) -> Result<(SignatureAlg, Vec<u8>), ReplicaError> {
        use ring::signature::{ECDSA_P256_SHA256_ASN1_SIGNING, EcdsaKeyPair, Ed25519KeyPair};
        let failed = |_| ReplicaError::Crypto("signing a key grant failed".into());
        let rng = ring::rand::SystemRandom::new();
        if let Ok(pair) =
            EcdsaKeyPair::from_pkcs8(&ECDSA_P256_SHA256_ASN1_SIGNING, &self.tls_key, &rng)
        {
            let signature = pair.sign(&rng, message).map_err(failed)?;
            return Ok((SignatureAlg::EcdsaP256Sha256, signature.as_ref().to_vec()));
        }
        if let Ok(pair) = Ed25519KeyPair::from_pkcs8_maybe_unchecked(&self.tls_key) {
            return Ok((SignatureAlg::Ed25519, pair.sign(message).as_ref().to_vec()));
        }
        Err(ReplicaError::Crypto(
            "the device key is neither ECDSA P-256 nor Ed25519".into(),
        ))
    }
}

/// Where this device is enrolled, and as whom.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Enrollment {
    pub relay: RelayTarget,
    pub practice: String,
    pub device: DeviceInfo,
}

#[derive(Serialize, Deserialize)]
struct StoredEnrollment {
    relay_addr: String,
    relay_pin: String,
    practice: String,
    device: DeviceInfo,
}

/// Saves the enrollment and marks every document that syncs dirty: a vault
/// that existed before enrolling has to upload everything once.
pub fn save_enrollment(vault: &mut Vault, enrollment: &Enrollment) -> Result<(), ReplicaError> {
    let stored = StoredEnrollment {
        relay_addr: enrollment.relay.addr.clone(),
        relay_pin: enrollment.relay.fingerprint.to_string(),
        practice: enrollment.practice.clone(),
        device: enrollment.device.clone(),
    };
    let json = serde_json::to_string(&stored).map_err(|e| ReplicaError::Invalid(e.to_string()))?;
    let tx = vault.transaction()?;
    state::set_setting(&tx, ENROLLMENT, &json)?;
    state::upsert_device(&tx, &enrollment.device, 0)?;
    for kind in SYNCED_KINDS {
        tx.execute(
            "INSERT OR IGNORE INTO sync_dirty (doc) SELECT id FROM records WHERE kind = ?1",
            [kind],
        )?;
    }
    tx.commit()?;
    Ok(())
}

/// The saved enrollment, if this device is enrolled.
pub fn enrollment(vault: &Vault) -> Result<Option<Enrollment>, ReplicaError> {
    enrollment_from(vault.connection())
}

pub(crate) fn enrollment_from(conn: &Connection) -> Result<Option<Enrollment>, ReplicaError> {
    let Some(json) = state::setting(conn, ENROLLMENT)? else {
        return Ok(None);
    };
    let corrupt = || VaultError::Corrupt("the stored enrollment is malformed".into());
    let stored: StoredEnrollment = serde_json::from_str(&json).map_err(|_| corrupt())?;
    let relay = RelayTarget::parse(&stored.relay_addr, &stored.relay_pin).map_err(|_| corrupt())?;
    Ok(Some(Enrollment {
        relay,
        practice: stored.practice,
        device: stored.device,
    }))
}

/// Keeps the secret of a pairing code this device made, until the device it
/// enrolls shows up with a proof made with it (see `apply`). Keyed by the
/// token's SHA-256, like the relay; the token itself is not kept.
pub fn remember_pairing(
    vault: &Vault,
    token: &str,
    secret: &[u8; 32],
    expires_ms: i64,
) -> Result<(), ReplicaError> {
    let hash = ring::digest::digest(&ring::digest::SHA256, token.as_bytes());
    vault.connection().execute(
        "INSERT INTO sync_pairings (token_hash, secret, expires_ms) VALUES (?1, ?2, ?3)
         ON CONFLICT(token_hash) DO UPDATE SET secret = ?2, expires_ms = ?3",
        params![hash.as_ref(), &secret[..], expires_ms],
    )?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};

    use super::*;

    #[test]
    fn device_keys_make_a_tls13_client_certificate_rustls_accepts() {
        let keys = DeviceKeys::generate().unwrap();
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let pin = CertFingerprint::of_der(b"some relay");
        let verifier = crate::sync::pin::PinnedVerifier::new(pin, provider.clone());
        let config = rustls::ClientConfig::builder_with_provider(provider)
            .with_protocol_versions(&[&rustls::version::TLS13])
            .unwrap()
            .dangerous()
            .with_custom_certificate_verifier(Arc::new(verifier))
            .with_client_auth_cert(
                vec![CertificateDer::from(keys.cert_der().to_vec())],
                PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(keys.tls_key_pkcs8().to_vec())),
            );
        assert!(config.is_ok(), "{:?}", config.err());
        assert!(keys.device_id().is_well_formed());
    }

    #[test]
    fn debug_shows_no_secret() {
        let keys = DeviceKeys::generate().unwrap();
        let shown = format!("{keys:?}");
        let age_secret = keys.age.to_string();
        assert!(!shown.contains(age_secret.expose_secret()), "{shown}");
        assert!(
            !shown.contains(&crate::hex::encode(&keys.tls_key)),
            "{shown}"
        );
        assert!(shown.contains(keys.device_id().as_str()));
    }
}
