//! The OS keychain (Secret Service on Linux, Keychain on macOS, Credential
//! Manager on Windows) holding each vault's key, so an unlocked OS session
//! opens the vault without the passphrase.

use zeroize::Zeroizing;

use super::error::VaultError;
use super::secret::VaultKey;

/// Where vault keys are kept besides the passphrase-wrapped key file.
pub trait KeyStore: Send + Sync {
    /// The key for `vault_id`, or `None` if the store has none.
    fn load(&self, vault_id: &str) -> Result<Option<VaultKey>, VaultError>;
    fn store(&self, vault_id: &str, key: &VaultKey) -> Result<(), VaultError>;
    /// Removes the key; removing a missing key is not an error.
    fn forget(&self, vault_id: &str) -> Result<(), VaultError>;
}

/// The operating system's keychain through the `keyring` crate.
pub struct OsKeychain {
    service: String,
}

impl OsKeychain {
    /// `service` names the application in the keychain (`org.bloom.desktop`).
    pub fn new(service: impl Into<String>) -> OsKeychain {
        OsKeychain {
            service: service.into(),
        }
    }

    fn entry(&self, vault_id: &str) -> Result<keyring::Entry, VaultError> {
        keyring::Entry::new(&self.service, vault_id).map_err(keychain_error)
    }
}

fn keychain_error(e: keyring::Error) -> VaultError {
    // keyring's messages name the service and account, never the secret.
    VaultError::Keychain(e.to_string())
}

impl KeyStore for OsKeychain {
    fn load(&self, vault_id: &str) -> Result<Option<VaultKey>, VaultError> {
        match self.entry(vault_id)?.get_secret() {
            Ok(bytes) => {
                let bytes = Zeroizing::new(bytes);
                VaultKey::from_slice(&bytes)
                    .map(Some)
                    .ok_or_else(|| VaultError::Keychain("the stored key has the wrong size".into()))
            }
            Err(keyring::Error::NoEntry) => Ok(None),
            Err(e) => Err(keychain_error(e)),
        }
    }

    fn store(&self, vault_id: &str, key: &VaultKey) -> Result<(), VaultError> {
        self.entry(vault_id)?
            .set_secret(key.as_bytes())
            .map_err(keychain_error)
    }

    fn forget(&self, vault_id: &str) -> Result<(), VaultError> {
        match self.entry(vault_id)?.delete_credential() {
            Ok(()) | Err(keyring::Error::NoEntry) => Ok(()),
            Err(e) => Err(keychain_error(e)),
        }
    }
}

/// A store that keeps nothing: for machines without a keychain. The vault
/// then opens with the passphrase only.
pub struct NoKeychain;

impl KeyStore for NoKeychain {
    fn load(&self, _: &str) -> Result<Option<VaultKey>, VaultError> {
        Ok(None)
    }
    fn store(&self, _: &str, _: &VaultKey) -> Result<(), VaultError> {
        Ok(())
    }
    fn forget(&self, _: &str) -> Result<(), VaultError> {
        Ok(())
    }
}
