//! Which devices are connected, and which certificates are refused.
//!
//! The revoked set is read by the TLS handshake (a revoked certificate never
//! gets a connection) and the connection table lets a revocation cut a
//! device's open connections at once.

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex, RwLock};

use bloom_core::sync::client::CLOSE_REVOKED;
use bloom_core::sync::log::DeviceId;
use bloom_core::sync::pin::CertFingerprint;
use bloom_core::sync::pin::HandshakeSignatures;
use rustls::client::danger::HandshakeSignatureValid;
use rustls::crypto::CryptoProvider;
use rustls::pki_types::{CertificateDer, UnixTime};
use rustls::server::danger::{ClientCertVerified, ClientCertVerifier};
use rustls::{CertificateError, DigitallySignedStruct, DistinguishedName, SignatureScheme};

/// Connected devices and refused certificates, shared by every connection.
#[derive(Default)]
pub struct Devices {
    revoked: RwLock<HashSet<DeviceId>>,
    connected: Mutex<HashMap<DeviceId, Vec<quinn::Connection>>>,
}

impl Devices {
    pub fn new(revoked: impl IntoIterator<Item = DeviceId>) -> Arc<Devices> {
        Arc::new(Devices {
            revoked: RwLock::new(revoked.into_iter().collect()),
            connected: Mutex::default(),
        })
    }

    pub fn is_revoked(&self, id: &DeviceId) -> bool {
        self.revoked.read().map(|r| r.contains(id)).unwrap_or(true)
    }

    /// Refuses the device from now on and closes its open connections.
    pub fn revoke(&self, id: &DeviceId) {
        if let Ok(mut revoked) = self.revoked.write() {
            revoked.insert(id.clone());
        }
        let conns = self
            .connected
            .lock()
            .map(|mut c| c.remove(id).unwrap_or_default())
            .unwrap_or_default();
        for conn in conns {
            conn.close(quinn::VarInt::from_u32(CLOSE_REVOKED), b"device revoked");
        }
    }

    /// Registers an enrolled device's connection; `false` if it was revoked
    /// in the meantime (the caller closes it).
    pub fn register(&self, id: &DeviceId, conn: &quinn::Connection) -> bool {
        let Ok(mut connected) = self.connected.lock() else {
            return false;
        };
        // Checked under the table's lock so a revocation cannot slip between.
        if self.is_revoked(id) {
            return false;
        }
        connected.entry(id.clone()).or_default().push(conn.clone());
        true
    }

    pub fn unregister(&self, id: &DeviceId, conn: &quinn::Connection) {
        if let Ok(mut connected) = self.connected.lock()
            && let Some(list) = connected.get_mut(id)
        {
            list.retain(|c| c.stable_id() != conn.stable_id());
            if list.is_empty() {
                connected.remove(id);
            }
        }
    }

    /// How many enrolled devices have a connection open now.
    pub fn connected_count(&self) -> usize {
        self.connected.lock().map(|c| c.len()).unwrap_or(0)
    }
}

/// Client-certificate check in the TLS handshake: a certificate is optional
/// (health checks connect without one), any self-signed device certificate may
/// connect (enrolled ones sync, unknown ones may only enroll), a revoked one
/// is refused with `certificate_revoked`. The handshake signature is always
/// verified, so a peer must hold the certificate's key.
#[derive(Debug)]
pub struct DeviceCertVerifier {
    devices: Arc<Devices>,
    signatures: HandshakeSignatures,
}

impl std::fmt::Debug for Devices {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Devices").finish_non_exhaustive()
    }
}

impl DeviceCertVerifier {
    pub fn new(devices: Arc<Devices>, provider: Arc<CryptoProvider>) -> Self {
        DeviceCertVerifier {
            devices,
            signatures: HandshakeSignatures(provider),
        }
    }
}

impl ClientCertVerifier for DeviceCertVerifier {
    fn offer_client_auth(&self) -> bool {
        true
    }

    fn client_auth_mandatory(&self) -> bool {
        false
    }

    fn root_hint_subjects(&self) -> &[DistinguishedName] {
        &[]
    }

    fn verify_client_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        _intermediates: &[CertificateDer<'_>],
        _now: UnixTime,
    ) -> Result<ClientCertVerified, rustls::Error> {
        let id = CertFingerprint::of_der(end_entity.as_ref()).device_id();
        if self.devices.is_revoked(&id) {
            return Err(rustls::Error::InvalidCertificate(CertificateError::Revoked));
        }
        Ok(ClientCertVerified::assertion())
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        self.signatures.tls12(message, cert, dss)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        self.signatures.tls13(message, cert, dss)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.signatures.schemes()
    }
}

/// The device id of the certificate a connection was made with, if any.
pub fn peer_device(conn: &quinn::Connection) -> Option<DeviceId> {
    let identity = conn.peer_identity()?;
    let certs = identity.downcast::<Vec<CertificateDer<'static>>>().ok()?;
    let first = certs.first()?;
    Some(CertFingerprint::of_der(first.as_ref()).device_id())
}
