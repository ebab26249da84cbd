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

/// Syncs a directory itself (its list of entries).
pub fn sync_folder(dir: &Path) -> Result<(), VaultError> {
    std::fs::File::open(dir)
        .and_then(|d| d.sync_all())
        .map_err(|e| VaultError::io(dir, e))
}

/// `dir` with `suffix` added to its last component: a staging place on the
/// same filesystem, so the final rename is atomic.
pub fn sibling(dir: &Path, suffix: &str) -> std::path::PathBuf {
    let mut name = dir.file_name().unwrap_or_default().to_os_string();
    name.push(suffix);
    dir.with_file_name(name)
}

/// Moves a fully built `staging` directory to `dir`, which may exist only as
/// an empty directory (never over anything else).
pub fn move_into_place(staging: &Path, dir: &Path) -> Result<(), VaultError> {
    if dir.exists() {
        std::fs::remove_dir(dir).map_err(|e| {
            VaultError::io(dir, format!("{e} (the folder must be empty or absent)"))
        })?;
    }
    std::fs::rename(staging, dir).map_err(|e| VaultError::io(dir, e))?;
    sync_dir(dir)
}
