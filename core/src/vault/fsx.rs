//! Durable file writes.

use std::fs;
use std::io::Write;
use std::path::Path;

use super::error::VaultError;

/// Writes via a temporary file, fsync and rename, then syncs the directory, so
/// a crash leaves either the old file or the new one, never half of one.
pub fn write_atomically(path: &Path, bytes: &[u8], mode: u32) -> Result<(), VaultError> {
    use std::os::unix::fs::OpenOptionsExt;
    let tmp = path.with_extension("tmp");
    let mut file = fs::OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(true)
        .mode(mode)
        .open(&tmp)
        .map_err(|e| VaultError::io(&tmp, e))?;
    file.write_all(bytes).map_err(|e| VaultError::io(&tmp, e))?;
    file.sync_all().map_err(|e| VaultError::io(&tmp, e))?;
    fs::rename(&tmp, path).map_err(|e| VaultError::io(path, e))?;
    sync_dir(path)
}

/// Syncs the directory holding `path`, so a rename or removal is durable.
pub fn sync_dir(path: &Path) -> Result<(), VaultError> {
    if let Some(dir) = path.parent() {
        fs::File::open(dir)
            .and_then(|d| d.sync_all())
            .map_err(|e| VaultError::io(dir, e))?;
    }
    Ok(())
}

/// Creates a directory (and parents) readable by the owner only.
pub fn create_private_dir(dir: &Path) -> Result<(), VaultError> {
    use std::os::unix::fs::DirBuilderExt;
    fs::DirBuilder::new()
        .recursive(true)
        .mode(0o700)
        .create(dir)
        .map_err(|e| VaultError::io(dir, e))
}
