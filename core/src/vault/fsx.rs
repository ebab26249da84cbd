//! [`crate::durable`] with errors that name the file, as the vault reports them.

use std::path::Path;

use super::error::VaultError;
use crate::durable;

pub fn write_atomically(path: &Path, bytes: &[u8], mode: u32) -> Result<(), VaultError> {
    durable::write_atomically(path, bytes, mode).map_err(|e| VaultError::io(path, e))
}

pub fn sync_dir(path: &Path) -> Result<(), VaultError> {
    durable::sync_dir(path).map_err(|e| VaultError::io(path, e))
}

pub fn create_private_dir(dir: &Path) -> Result<(), VaultError> {
    durable::create_private_dir(dir).map_err(|e| VaultError::io(dir, e))
}
