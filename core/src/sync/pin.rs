//! Certificate pinning.
//!
//! The relay's certificate is self-signed; a device trusts it because the
//! enrollment invite (or, for now, the settings) carries its SHA-256
//! fingerprint. The verifier below accepts exactly that certificate and still
//! checks the handshake signature, so a peer must hold the matching key.

use std::fmt;
use std::str::FromStr;
use std::sync::{Arc, Mutex};

use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::crypto::{CryptoProvider, verify_tls12_signature, verify_tls13_signature};
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::{CertificateError, DigitallySignedStruct, SignatureScheme};

/// SHA-256 of a certificate's DER bytes. Shown as `sha256:` plus 64 hex digits.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct CertFingerprint([u8; 32]);

impl CertFingerprint {
    pub fn of_der(der: &[u8]) -> Self {
        let digest = ring::digest::digest(&ring::digest::SHA256, der);
        let mut out = [0u8; 32];
        out.copy_from_slice(digest.as_ref());
        CertFingerprint(out)
    }

    pub fn to_bytes(&self) -> [u8; 32] {
        self.0
    }

    /// The id of the device whose certificate this is.
    pub fn device_id(&self) -> super::log::DeviceId {
        super::log::DeviceId::from_cert_sha256(&self.0)
    }
}

impl fmt::Display for CertFingerprint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "sha256:{}", crate::hex::encode(&self.0))
    }
}

impl fmt::Debug for CertFingerprint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self, f)
    }
}

/// Why a fingerprint string was refused.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[error("a certificate fingerprint is `sha256:` followed by 64 hex digits (colons allowed)")]
pub struct BadFingerprint;

impl FromStr for CertFingerprint {
    type Err = BadFingerprint;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let s = s.trim();
        let hex = s.strip_prefix("sha256:").unwrap_or(s);
        let digits: String = hex.chars().filter(|c| *c != ':').collect();
        let bytes = crate::hex::decode(&digits).ok_or(BadFingerprint)?;
        let out: [u8; 32] = bytes.try_into().map_err(|_| BadFingerprint)?;
        Ok(CertFingerprint(out))
    }
}

/// The handshake-signature checks every Bloom verifier makes the same way
/// (the relay's client-certificate verifier uses them too): whatever the
/// certificate policy, the peer must prove it holds the certificate's key.
#[derive(Debug, Clone)]
pub struct HandshakeSignatures(pub Arc<CryptoProvider>);

impl HandshakeSignatures {
    pub fn tls12(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        verify_tls12_signature(
            message,
            cert,
            dss,
            &self.0.signature_verification_algorithms,
        )
    }

    pub fn tls13(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        verify_tls13_signature(
            message,
            cert,
            dss,
            &self.0.signature_verification_algorithms,
        )
    }

    pub fn schemes(&self) -> Vec<SignatureScheme> {
        self.0.signature_verification_algorithms.supported_schemes()
    }
}

/// A rustls verifier that accepts only the pinned certificate.
///
/// It remembers the fingerprint of a refused certificate so the client can say
/// "pin mismatch" instead of a generic handshake failure.
#[derive(Debug)]
pub struct PinnedVerifier {
    pin: CertFingerprint,
    signatures: HandshakeSignatures,
    refused: Mutex<Option<CertFingerprint>>,
}

impl PinnedVerifier {
    pub fn new(pin: CertFingerprint, provider: Arc<CryptoProvider>) -> Self {
        PinnedVerifier {
            pin,
            signatures: HandshakeSignatures(provider),
            refused: Mutex::new(None),
        }
    }

    /// The fingerprint of the last certificate this verifier refused.
    pub fn refused(&self) -> Option<CertFingerprint> {
        self.refused.lock().map(|g| *g).unwrap_or(None)
    }
}

impl ServerCertVerifier for PinnedVerifier {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        _intermediates: &[CertificateDer<'_>],
        _server_name: &ServerName<'_>,
        _ocsp_response: &[u8],
        _now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        let presented = CertFingerprint::of_der(end_entity.as_ref());
        // Constant-time compare is not needed: the fingerprint is public.
        if presented == self.pin {
            Ok(ServerCertVerified::assertion())
        } else {
            if let Ok(mut slot) = self.refused.lock() {
                *slot = Some(presented);
            }
            Err(rustls::Error::InvalidCertificate(
                CertificateError::ApplicationVerificationFailure,
            ))
        }
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fingerprint_parses_its_own_display_and_colon_form() {
        let fp = CertFingerprint::of_der(b"not really a certificate");
        let shown = fp.to_string();
        assert!(shown.starts_with("sha256:"));
        assert_eq!(shown.len(), 7 + 64);
        assert_eq!(shown.parse::<CertFingerprint>(), Ok(fp));

        let hex = &shown[7..];
        let colons: Vec<String> = hex
            .as_bytes()
            .chunks(2)
            .map(|c| String::from_utf8_lossy(c).to_uppercase())
            .collect();
        assert_eq!(colons.join(":").parse::<CertFingerprint>(), Ok(fp));
    }

    #[test]
    fn bad_fingerprints_are_refused() {
        for bad in ["", "sha256:", "sha256:zz", &"a".repeat(63), &"g".repeat(64)] {
            assert_eq!(
                bad.parse::<CertFingerprint>(),
                Err(BadFingerprint),
                "{bad:?}"
            );
        }
    }
}
