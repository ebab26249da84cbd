//! The vault key wrapped by the user's passphrase, kept beside the database so
//! the vault opens even when the OS keychain entry is gone.
//!
//! Argon2id turns the passphrase into a key-encryption key; XChaCha20-Poly1305
//! seals the vault key with it, bound to the vault id. Changing the passphrase
//! rewrites only this file.

use std::path::Path;

use argon2::{Algorithm, Argon2, Params, Version};
use chacha20poly1305::aead::{Aead, KeyInit, Payload};
use chacha20poly1305::{XChaCha20Poly1305, XNonce};
use serde::{Deserialize, Serialize};
use zeroize::Zeroizing;

use super::error::VaultError;
use super::fsx;
use super::secret::{Passphrase, VaultKey};

const FORMAT: u32 = 1;

/// Argon2id cost parameters, stored with each wrapped key so they can be
/// raised later without breaking old vaults.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct KdfParams {
    pub memory_kib: u32,
    pub iterations: u32,
    pub parallelism: u32,
}

impl Default for KdfParams {
    /// 64 MiB, 3 passes, 1 lane: above OWASP's Argon2id minimum, about a
    /// quarter of a second on the project's machine (docs/benchmarks.md).
    fn default() -> Self {
        KdfParams {
            memory_kib: 64 * 1024,
            iterations: 3,
            parallelism: 1,
        }
    }
}

#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct KeyFile {
    pub format: u32,
    pub vault_id: String,
    pub kdf: KdfParams,
    salt: String,
    nonce: String,
    wrapped_key: String,
}

impl KeyFile {
    /// Seals `key` under `passphrase`.
    pub fn wrap(
        vault_id: &str,
        key: &VaultKey,
        passphrase: &Passphrase,
        kdf: KdfParams,
    ) -> Result<KeyFile, VaultError> {
        let mut salt = [0u8; 16];
        let mut nonce = [0u8; 24];
        getrandom::fill(&mut salt).map_err(|e| VaultError::Corrupt(e.to_string()))?;
        getrandom::fill(&mut nonce).map_err(|e| VaultError::Corrupt(e.to_string()))?;
        let kek = derive(passphrase, &salt, kdf)?;
        let cipher = XChaCha20Poly1305::new(chacha20poly1305::Key::from_slice(&kek[..]));
        let sealed = cipher
            .encrypt(
                XNonce::from_slice(&nonce),
                Payload {
                    msg: key.as_bytes(),
                    aad: aad(vault_id).as_bytes(),
                },
            )
            .map_err(|_| VaultError::Corrupt("cannot seal the vault key".into()))?;
        Ok(KeyFile {
            format: FORMAT,
            vault_id: vault_id.to_owned(),
            kdf,
            salt: crate::hex::encode(&salt),
            nonce: crate::hex::encode(&nonce),
            wrapped_key: crate::hex::encode(&sealed),
        })
    }

    /// Opens the key; a wrong passphrase is [`VaultError::WrongPassphrase`].
    pub fn unwrap(&self, passphrase: &Passphrase) -> Result<VaultKey, VaultError> {
        let bad = |what: &str| VaultError::Corrupt(format!("key file: bad {what}"));
        let salt = crate::hex::decode(&self.salt).ok_or_else(|| bad("salt"))?;
        let nonce = crate::hex::decode(&self.nonce).ok_or_else(|| bad("nonce"))?;
        let sealed = crate::hex::decode(&self.wrapped_key).ok_or_else(|| bad("key"))?;
        if nonce.len() != 24 || salt.len() < 16 {
            return Err(bad("nonce or salt length"));
        }
        let kek = derive(passphrase, &salt, self.kdf)?;
        let cipher = XChaCha20Poly1305::new(chacha20poly1305::Key::from_slice(&kek[..]));
        let plain = Zeroizing::new(
            cipher
                .decrypt(
                    XNonce::from_slice(&nonce),
                    Payload {
                        msg: &sealed,
                        aad: aad(&self.vault_id).as_bytes(),
                    },
                )
                .map_err(|_| VaultError::WrongPassphrase)?,
        );
        VaultKey::from_slice(&plain).ok_or_else(|| bad("key length"))
    }

    pub fn read(path: &Path) -> Result<KeyFile, VaultError> {
        let text = std::fs::read_to_string(path).map_err(|e| VaultError::io(path, e))?;
        let file: KeyFile = serde_json::from_str(&text)
            .map_err(|e| VaultError::Corrupt(format!("key file: {e}")))?;
        if file.format != FORMAT {
            return Err(VaultError::Corrupt(format!(
                "key file format {} is not supported",
                file.format
            )));
        }
        // A damaged file must not make unlock allocate gigabytes or spin forever.
        let k = file.kdf;
        if !(8..=1024 * 1024).contains(&k.memory_kib)
            || !(1..=16).contains(&k.iterations)
            || !(1..=16).contains(&k.parallelism)
        {
            return Err(VaultError::Corrupt(
                "key file: KDF parameters out of range".into(),
            ));
        }
        Ok(file)
    }

    /// Replaces the file atomically: a crash leaves the old or the new one.
    pub fn write(&self, path: &Path) -> Result<(), VaultError> {
        let text = serde_json::to_vec_pretty(self)
            .map_err(|e| VaultError::Corrupt(format!("key file: {e}")))?;
        fsx::write_atomically(path, &text, 0o600)
    }
}

fn aad(vault_id: &str) -> String {
    format!("bloom-vault-key/{FORMAT}/{vault_id}")
}

fn derive(
    passphrase: &Passphrase,
    salt: &[u8],
    kdf: KdfParams,
) -> Result<Zeroizing<[u8; 32]>, VaultError> {
    let params = Params::new(kdf.memory_kib, kdf.iterations, kdf.parallelism, Some(32))
        .map_err(|e| VaultError::Corrupt(format!("key file: bad KDF parameters: {e}")))?;
    let argon = Argon2::new(Algorithm::Argon2id, Version::V0x13, params);
    let mut out = Zeroizing::new([0u8; 32]);
    argon
        .hash_password_into(passphrase.expose().as_bytes(), salt, out.as_mut())
        .map_err(|e| VaultError::Corrupt(format!("key derivation failed: {e}")))?;
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::HasCode;

    fn quick() -> KdfParams {
        KdfParams {
            memory_kib: 1024,
            iterations: 1,
            parallelism: 1,
        }
    }

    #[test]
    fn wraps_and_unwraps_and_refuses_a_wrong_passphrase() {
        let key = VaultKey::generate().unwrap();
        let pass = Passphrase::new("violet tram coffee lantern");
        let file = KeyFile::wrap("vault-1", &key, &pass, quick()).unwrap();
        assert_eq!(file.unwrap(&pass).unwrap().as_bytes(), key.as_bytes());
        let err = file
            .unwrap(&Passphrase::new("violet tram coffee lanterns"))
            .unwrap_err();
        assert_eq!(err.code(), crate::Code::VaultWrongPassphrase);
    }

    #[test]
    fn the_key_is_bound_to_its_vault() {
        let key = VaultKey::generate().unwrap();
        let pass = Passphrase::new("violet tram coffee lantern");
        let mut file = KeyFile::wrap("vault-1", &key, &pass, quick()).unwrap();
        file.vault_id = "vault-2".into();
        assert!(file.unwrap(&pass).is_err());
    }

    #[test]
    fn the_file_holds_no_key_or_passphrase_in_clear() {
        let dir = tempfile::tempdir().unwrap();
        let key = VaultKey::from_bytes([0x5a; 32]);
        let pass = Passphrase::new("MARKER-passphrase-lantern");
        let path = dir.path().join("vault.key");
        KeyFile::wrap("v", &key, &pass, quick())
            .unwrap()
            .write(&path)
            .unwrap();
        let text = std::fs::read_to_string(&path).unwrap();
        assert!(!text.contains("MARKER"));
        assert!(!text.contains(&"5a".repeat(8)));
        assert!(KeyFile::read(&path).unwrap().unwrap(&pass).is_ok());
    }

    #[test]
    fn garbage_key_files_are_corrupt_not_panics() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("vault.key");
        let absurd = r#"{"format":1,"vault_id":"v","kdf":{"memory_kib":4000000000,"iterations":1,"parallelism":1},"salt":"00","nonce":"00","wrapped_key":"00"}"#;
        for junk in ["", "{}", "not json", r#"{"format":9}"#, absurd] {
            std::fs::write(&path, junk).unwrap();
            let err = KeyFile::read(&path).unwrap_err();
            assert_eq!(err.code(), crate::Code::VaultCorrupt, "{junk:?}");
        }
    }
}
