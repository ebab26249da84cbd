//! Secrets that cannot be printed: the vault key and passphrases.
//!
//! Neither type implements `Debug` or `Display` in clear, and both zero their
//! memory when dropped.

use zeroize::{Zeroize, ZeroizeOnDrop, Zeroizing};

/// The 256-bit key SQLCipher encrypts the vault with.
#[derive(Clone, Zeroize, ZeroizeOnDrop)]
pub struct VaultKey([u8; 32]);

impl VaultKey {
    /// A fresh random key.
    pub fn generate() -> Result<VaultKey, getrandom::Error> {
        let mut bytes = [0u8; 32];
        getrandom::fill(&mut bytes)?;
        Ok(VaultKey(bytes))
    }

    pub fn from_bytes(bytes: [u8; 32]) -> VaultKey {
        VaultKey(bytes)
    }

    /// Parses the key from a slice (keychain, key file); `None` if not 32 bytes.
    pub fn from_slice(bytes: &[u8]) -> Option<VaultKey> {
        let arr: [u8; 32] = bytes.try_into().ok()?;
        Some(VaultKey(arr))
    }

    pub fn as_bytes(&self) -> &[u8; 32] {
        &self.0
    }

    /// The `PRAGMA key` value for a raw key: `x'…'`, zeroed after use.
    pub(crate) fn sqlcipher_pragma(&self) -> Zeroizing<String> {
        let hex = Zeroizing::new(crate::hex::encode(&self.0));
        Zeroizing::new(format!("x'{}'", hex.as_str()))
    }

    /// A separate key for a purpose (attachment names, …), so one key is
    /// never used for two jobs.
    pub(crate) fn derive(&self, purpose: &str) -> Zeroizing<[u8; 32]> {
        let key = ring::hmac::Key::new(ring::hmac::HMAC_SHA256, &self.0);
        let tag = ring::hmac::sign(&key, purpose.as_bytes());
        let mut out = Zeroizing::new([0u8; 32]);
        out.copy_from_slice(tag.as_ref());
        out
    }
}

impl std::fmt::Debug for VaultKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("VaultKey(<redacted>)")
    }
}

/// A passphrase as typed by the user.
#[derive(Clone, Zeroize, ZeroizeOnDrop)]
pub struct Passphrase(String);

impl Passphrase {
    pub fn new(text: impl Into<String>) -> Passphrase {
        Passphrase(text.into())
    }

    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for Passphrase {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Passphrase(<redacted>)")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_never_print() {
        let key = VaultKey::from_bytes([0xab; 32]);
        let pass = Passphrase::new("correct horse battery staple");
        let shown = format!("{key:?} {pass:?}");
        assert!(!shown.contains("ab"), "{shown}");
        assert!(!shown.contains("horse"), "{shown}");
    }

    #[test]
    fn pragma_is_the_hex_key() {
        let key = VaultKey::from_bytes([0x0f; 32]);
        let pragma = key.sqlcipher_pragma();
        assert_eq!(pragma.len(), 67);
        assert!(pragma.starts_with("x'0f0f"));
        assert!(pragma.ends_with("0f'"));
    }

    #[test]
    fn derived_keys_differ_by_purpose() {
        let key = VaultKey::from_bytes([1; 32]);
        assert_ne!(*key.derive("a"), *key.derive("b"));
        assert_eq!(*key.derive("a"), *key.derive("a"));
    }
}
