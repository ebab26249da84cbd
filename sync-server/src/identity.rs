//! The relay's TLS identity: a self-signed certificate made on first start and
//! kept in the data directory. Devices pin its fingerprint, so it must never be
//! replaced behind their back: a half-present identity is an error, not a
//! reason to make a new one.

use std::fs;
use std::path::{Path, PathBuf};

use bloom_core::durable;
use bloom_core::sync::pin::CertFingerprint;
use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};

const CERT_FILE: &str = "relay-cert.der";
const KEY_FILE: &str = "relay-key.der";

/// The certificate and private key. The key is never printed.
pub struct RelayIdentity {
    cert: Vec<u8>,
    key: Vec<u8>,
    fingerprint: CertFingerprint,
}

impl std::fmt::Debug for RelayIdentity {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RelayIdentity")
            .field("fingerprint", &self.fingerprint)
            .finish_non_exhaustive()
    }
}

#[derive(Debug, thiserror::Error)]
pub enum IdentityError {
    #[error("cannot access {path}: {source}")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error(
        "{present} exists but {missing} does not; restore it from backup \
         (making a new certificate would break every enrolled device's pin)"
    )]
    HalfPresent { present: PathBuf, missing: PathBuf },
    #[error("cannot generate a certificate: {0}")]
    Generate(String),
}

impl RelayIdentity {
    /// Loads the identity from `data_dir`, creating it on first start.
    pub fn load_or_create(data_dir: &Path) -> Result<RelayIdentity, IdentityError> {
        create_private_dir(data_dir)?;
        let cert_path = data_dir.join(CERT_FILE);
        let key_path = data_dir.join(KEY_FILE);
        match (cert_path.exists(), key_path.exists()) {
            (true, true) => {
                let cert = read(&cert_path)?;
                let key = read(&key_path)?;
                Ok(RelayIdentity::from_parts(cert, key))
            }
            (false, false) => {
                let identity = RelayIdentity::generate()?;
                // Key first: a crash in between leaves a key without a cert,
                // which is reported rather than silently replaced.
                write_atomically(&key_path, &identity.key, 0o600)?;
                write_atomically(&cert_path, &identity.cert, 0o644)?;
                tracing::info!(fingerprint = %identity.fingerprint, "created relay certificate");
                Ok(identity)
            }
            (true, false) => Err(IdentityError::HalfPresent {
                present: cert_path,
                missing: key_path,
            }),
            (false, true) => Err(IdentityError::HalfPresent {
                present: key_path,
                missing: cert_path,
            }),
        }
    }

    fn generate() -> Result<RelayIdentity, IdentityError> {
        let names = vec![
            bloom_core::sync::client::SERVER_NAME.to_owned(),
            "localhost".to_owned(),
        ];
        let certified = rcgen::generate_simple_self_signed(names)
            .map_err(|e| IdentityError::Generate(e.to_string()))?;
        let cert = certified.cert.der().to_vec();
        let key = certified.signing_key.serialize_der();
        Ok(RelayIdentity::from_parts(cert, key))
    }

    fn from_parts(cert: Vec<u8>, key: Vec<u8>) -> RelayIdentity {
        let fingerprint = CertFingerprint::of_der(&cert);
        RelayIdentity {
            cert,
            key,
            fingerprint,
        }
    }

    pub fn fingerprint(&self) -> CertFingerprint {
        self.fingerprint
    }

    pub fn cert_der(&self) -> CertificateDer<'static> {
        CertificateDer::from(self.cert.clone())
    }

    pub fn key_der(&self) -> PrivateKeyDer<'static> {
        PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(self.key.clone()))
    }
}

fn io_err(path: &Path) -> impl FnOnce(std::io::Error) -> IdentityError + '_ {
    move |source| IdentityError::Io {
        path: path.to_owned(),
        source,
    }
}

fn read(path: &Path) -> Result<Vec<u8>, IdentityError> {
    fs::read(path).map_err(io_err(path))
}

fn create_private_dir(dir: &Path) -> Result<(), IdentityError> {
    durable::create_private_dir(dir).map_err(io_err(dir))
}

fn write_atomically(path: &Path, bytes: &[u8], mode: u32) -> Result<(), IdentityError> {
    durable::write_atomically(path, bytes, mode).map_err(io_err(path))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::fs::PermissionsExt;

    #[test]
    fn first_start_creates_and_later_starts_reuse() {
        let dir = tempfile::tempdir().unwrap();
        let first = RelayIdentity::load_or_create(dir.path()).unwrap();
        let again = RelayIdentity::load_or_create(dir.path()).unwrap();
        assert_eq!(first.fingerprint(), again.fingerprint());
        let mode = fs::metadata(dir.path().join(KEY_FILE))
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(mode & 0o077, 0, "key readable by others: {mode:o}");
        assert!(!format!("{first:?}").contains("key:"));
    }

    #[test]
    fn a_missing_key_is_reported_not_replaced() {
        let dir = tempfile::tempdir().unwrap();
        RelayIdentity::load_or_create(dir.path()).unwrap();
        fs::remove_file(dir.path().join(KEY_FILE)).unwrap();
        let err = RelayIdentity::load_or_create(dir.path()).unwrap_err();
        assert!(matches!(err, IdentityError::HalfPresent { .. }), "{err}");
        assert!(!dir.path().join(KEY_FILE).exists());
    }
}
