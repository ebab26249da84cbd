//! Backup and restore: one age-encrypted tar archive holding a consistent
//! snapshot of the (still SQLCipher-encrypted) database, the attachments and a
//! manifest with the database key. It is encrypted either to the recovery key
//! shown at creation or to a passphrase (age does not allow mixing a
//! passphrase with other recipients in one file).

use std::fs::File;
use std::io::{BufReader, BufWriter, Read, Write};
use std::path::{Path, PathBuf};
use std::str::FromStr;

use serde::{Deserialize, Serialize};
use zeroize::Zeroizing;

use super::error::VaultError;
use super::keychain::KeyStore;
use super::keyfile::{KdfParams, KeyFile};
use super::secret::{Passphrase, VaultKey};
use super::{ATTACHMENTS_DIR, DB_FILE, KEY_FILE, RecoveryKey, Vault, fsx, now_ms};

const MANIFEST: &str = "manifest.json";
const FORMAT: u32 = 1;

/// Who can open a backup.
pub enum BackupTo {
    /// The vault's recovery key (its public half is in the vault).
    RecoveryKey,
    /// A passphrase typed for this backup (age scrypt, slow by design).
    Passphrase(Passphrase),
}

/// What opens a backup at restore time.
pub enum RestoreWith {
    RecoveryKey(RecoveryKey),
    Passphrase(Passphrase),
}

pub use crate::vault_status::Progress;

/// Holds the vault key in hex: zeroed when dropped.
#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct Manifest {
    format: u32,
    vault_id: String,
    created_ms: i64,
    db_key: String,
    attachments: Vec<String>,
}

impl Drop for Manifest {
    fn drop(&mut self) {
        use zeroize::Zeroize;
        self.db_key.zeroize();
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct BackupSummary {
    pub bytes: u64,
    pub attachments: u64,
}

impl Vault {
    /// Writes a backup archive to `out` (atomically: a failed backup leaves
    /// nothing half-written).
    pub fn backup(
        &self,
        out: &Path,
        to: BackupTo,
        progress: &mut dyn FnMut(Progress),
    ) -> Result<BackupSummary, VaultError> {
        let staging = self.dir.join(".backup-staging");
        let _ = std::fs::remove_dir_all(&staging);
        fsx::create_private_dir(&staging)?;
        let result = self.write_backup(out, to, &staging, progress);
        let _ = std::fs::remove_dir_all(&staging);
        if result.is_err() {
            let _ = std::fs::remove_file(partial_path(out));
        }
        result
    }

    fn write_backup(
        &self,
        out: &Path,
        to: BackupTo,
        staging: &Path,
        progress: &mut dyn FnMut(Progress),
    ) -> Result<BackupSummary, VaultError> {
        // A consistent copy, still encrypted with the vault key.
        let snapshot = staging.join(DB_FILE);
        let snapshot_str = snapshot
            .to_str()
            .ok_or_else(|| VaultError::io(&snapshot, "path is not UTF-8"))?;
        let pragma = self.key().sqlcipher_pragma();
        self.connection().execute(
            "ATTACH DATABASE ?1 AS backup_snapshot KEY ?2",
            rusqlite::params![snapshot_str, pragma.as_str()],
        )?;
        // sqlcipher_export copies tables, not the header's schema version.
        let version = super::schema::version(self.connection())?;
        let exported = self
            .connection()
            .query_row("SELECT sqlcipher_export('backup_snapshot')", [], |_| Ok(()))
            .and_then(|()| {
                self.connection()
                    .pragma_update(Some("backup_snapshot"), "user_version", version)
            });
        self.connection()
            .execute("DETACH DATABASE backup_snapshot", [])?;
        exported?;

        let attachments = self.attachment_files()?;
        let mut total = file_len(&snapshot)?;
        for (_, path) in &attachments {
            total += file_len(path)?;
        }
        let manifest = Manifest {
            format: FORMAT,
            vault_id: self.vault_id.clone(),
            created_ms: now_ms(),
            db_key: crate::hex::encode(self.key().as_bytes()),
            attachments: attachments.iter().map(|(n, _)| n.clone()).collect(),
        };
        let manifest_json = Zeroizing::new(
            serde_json::to_vec(&manifest).map_err(|e| VaultError::Corrupt(e.to_string()))?,
        );

        let encryptor = match to {
            BackupTo::RecoveryKey => {
                let text = self
                    .setting("recovery_recipient")?
                    .ok_or_else(|| VaultError::Corrupt("recovery recipient missing".into()))?;
                let recipient = age::x25519::Recipient::from_str(&text)
                    .map_err(|_| VaultError::Corrupt("recovery recipient unreadable".into()))?;
                age::Encryptor::with_recipients(std::iter::once(&recipient as &dyn age::Recipient))
                    .map_err(|e| VaultError::Corrupt(e.to_string()))?
            }
            BackupTo::Passphrase(p) => age::Encryptor::with_user_passphrase(
                age::secrecy::SecretString::from(p.expose().to_owned()),
            ),
        };

        let tmp = partial_path(out);
        let file = File::create(&tmp).map_err(|e| VaultError::io(&tmp, e))?;
        let io = |e: std::io::Error| VaultError::io(&tmp, e);
        let sealed = encryptor.wrap_output(BufWriter::new(file)).map_err(io)?;
        let mut tar = tar::Builder::new(sealed);
        append_bytes(&mut tar, MANIFEST, &manifest_json).map_err(io)?;

        let mut done = 0u64;
        progress(Progress { done, total });
        let mut entries = vec![(DB_FILE.to_owned(), snapshot.clone())];
        entries.extend(
            attachments
                .iter()
                .map(|(n, p)| (format!("{ATTACHMENTS_DIR}/{n}.age"), p.clone())),
        );
        for (name, path) in &entries {
            let len = file_len(path)?;
            let reader = Counting {
                inner: File::open(path).map_err(|e| VaultError::io(path, e))?,
                done: &mut done,
                total,
                progress: &mut *progress,
            };
            let mut header = tar::Header::new_gnu();
            header.set_size(len);
            header.set_mode(0o600);
            header.set_cksum();
            tar.append_data(&mut header, name, reader).map_err(io)?;
        }
        let sealed = tar.into_inner().map_err(io)?;
        let mut writer = sealed.finish().map_err(io)?;
        writer.flush().map_err(io)?;
        writer
            .into_inner()
            .map_err(|e| io(e.into_error()))?
            .sync_all()
            .map_err(io)?;
        std::fs::rename(&tmp, out).map_err(|e| VaultError::io(out, e))?;
        fsx::sync_dir(out)?;
        progress(Progress { done: total, total });
        Ok(BackupSummary {
            bytes: file_len(out)?,
            attachments: attachments.len() as u64,
        })
    }
}

/// Restores a backup into `dir` (which must not hold a vault), wraps the key
/// under `new_passphrase`, stores it in the keychain and opens the vault.
pub fn restore(
    archive: &Path,
    with: RestoreWith,
    dir: &Path,
    new_passphrase: &Passphrase,
    keystore: &dyn KeyStore,
    progress: &mut dyn FnMut(Progress),
) -> Result<Vault, VaultError> {
    if dir.join(DB_FILE).exists() || dir.join(KEY_FILE).exists() {
        return Err(VaultError::Exists(dir.display().to_string()));
    }
    // The restored vault gets the same passphrase rule as a new one.
    if !super::strength::assess(new_passphrase.expose()).acceptable {
        return Err(VaultError::WeakPassphrase(super::strength::rule()));
    }
    let staging = fsx::sibling(dir, ".restoring");
    let _ = std::fs::remove_dir_all(&staging);
    fsx::create_private_dir(&staging.join(ATTACHMENTS_DIR))?;
    let result = unpack(archive, with, &staging, progress).and_then(|key_and_id| {
        let (key, vault_id) = key_and_id;
        // The snapshot must open with the key the manifest names.
        let check = Vault::open_with_key(&staging, key.clone())?;
        check.integrity_check()?;
        drop(check);
        KeyFile::wrap(&vault_id, &key, new_passphrase, KdfParams::default())?
            .write(&staging.join(KEY_FILE))?;
        // Make the unpacked files' directory entries durable before the rename.
        fsx::sync_folder(&staging.join(ATTACHMENTS_DIR))?;
        fsx::sync_folder(&staging)?;
        fsx::move_into_place(&staging, dir)?;
        Ok((key, vault_id))
    });
    let (key, vault_id) = match result {
        Ok(v) => v,
        Err(e) => {
            // Nothing half-restored is left anywhere.
            let _ = std::fs::remove_dir_all(&staging);
            return Err(e);
        }
    };
    if let Err(e) = keystore.store(&vault_id, &key) {
        tracing::warn!(error = %e, "restored vault opens with the passphrase only");
    }
    Vault::open_with_key(dir, key)
}

fn unpack(
    archive: &Path,
    with: RestoreWith,
    staging: &Path,
    progress: &mut dyn FnMut(Progress),
) -> Result<(VaultKey, String), VaultError> {
    let file = File::open(archive).map_err(|e| VaultError::io(archive, e))?;
    let total = file_len(archive)?;
    let mut done = 0u64;
    let counting = Counting {
        inner: file,
        done: &mut done,
        total,
        progress,
    };
    let decryptor = age::Decryptor::new(BufReader::new(counting))
        .map_err(|_| VaultError::BackupInvalid("not an encrypted Bloom backup".into()))?;
    let reader: Box<dyn Read + '_> = match &with {
        RestoreWith::RecoveryKey(k) => {
            let identity = k.identity()?;
            Box::new(
                decryptor
                    .decrypt(std::iter::once(&identity as &dyn age::Identity))
                    .map_err(|_| VaultError::BackupWrongKey)?,
            )
        }
        RestoreWith::Passphrase(p) => {
            let identity =
                age::scrypt::Identity::new(age::secrecy::SecretString::from(p.expose().to_owned()));
            Box::new(
                decryptor
                    .decrypt(std::iter::once(&identity as &dyn age::Identity))
                    .map_err(|_| VaultError::BackupWrongKey)?,
            )
        }
    };
    let damaged = |e: std::io::Error| VaultError::BackupInvalid(format!("damaged archive: {e}"));
    let mut tar = tar::Archive::new(reader);
    let mut manifest: Option<Manifest> = None;
    let mut seen_db = false;
    let mut seen_attachments = vec![];
    for entry in tar.entries().map_err(damaged)? {
        let mut entry = entry.map_err(damaged)?;
        let name = entry
            .path()
            .map_err(damaged)?
            .to_str()
            .map(str::to_owned)
            .ok_or_else(|| VaultError::BackupInvalid("entry name is not UTF-8".into()))?;
        if name == MANIFEST {
            let mut bytes = Zeroizing::new(vec![]);
            entry.read_to_end(&mut bytes).map_err(damaged)?;
            manifest = Some(
                serde_json::from_slice(&bytes)
                    .map_err(|e| VaultError::BackupInvalid(format!("manifest: {e}")))?,
            );
            continue;
        }
        let target = if name == DB_FILE {
            seen_db = true;
            staging.join(DB_FILE)
        } else if let Some(att) = name
            .strip_prefix("attachments/")
            .and_then(|n| n.strip_suffix(".age"))
            .filter(|n| n.len() == 64 && n.bytes().all(|b| b.is_ascii_hexdigit()))
        {
            seen_attachments.push(att.to_owned());
            staging.join(ATTACHMENTS_DIR).join(format!("{att}.age"))
        } else {
            // Never write a name we did not make: no path traversal, no surprises.
            return Err(VaultError::BackupInvalid(format!(
                "unexpected entry {name:?}"
            )));
        };
        let mut out = File::create(&target).map_err(|e| VaultError::io(&target, e))?;
        std::io::copy(&mut entry, &mut out).map_err(damaged)?;
        out.sync_all().map_err(|e| VaultError::io(&target, e))?;
    }
    let manifest = manifest.ok_or_else(|| VaultError::BackupInvalid("no manifest".into()))?;
    if manifest.format != FORMAT {
        return Err(VaultError::BackupInvalid(format!(
            "backup format {} is not supported",
            manifest.format
        )));
    }
    if !seen_db {
        return Err(VaultError::BackupInvalid(
            "no database in the archive".into(),
        ));
    }
    let mut expected = manifest.attachments.clone();
    expected.sort();
    seen_attachments.sort();
    if expected != seen_attachments {
        return Err(VaultError::BackupInvalid(
            "attachments do not match the manifest".into(),
        ));
    }
    let key_bytes = Zeroizing::new(
        crate::hex::decode(&manifest.db_key)
            .ok_or_else(|| VaultError::BackupInvalid("manifest key unreadable".into()))?,
    );
    let key = VaultKey::from_slice(&key_bytes)
        .ok_or_else(|| VaultError::BackupInvalid("manifest key has the wrong size".into()))?;
    Ok((key, manifest.vault_id.clone()))
}

fn append_bytes<W: Write>(
    tar: &mut tar::Builder<W>,
    name: &str,
    bytes: &[u8],
) -> std::io::Result<()> {
    let mut header = tar::Header::new_gnu();
    header.set_size(bytes.len() as u64);
    header.set_mode(0o600);
    header.set_cksum();
    tar.append_data(&mut header, name, bytes)
}

/// Where a backup is written before it is complete.
fn partial_path(out: &Path) -> PathBuf {
    let mut name = out.file_name().unwrap_or_default().to_os_string();
    name.push(".partial");
    out.with_file_name(name)
}

fn file_len(path: &Path) -> Result<u64, VaultError> {
    Ok(std::fs::metadata(path)
        .map_err(|e| VaultError::io(path, e))?
        .len())
}

/// A reader that reports progress as bytes pass through.
struct Counting<'a, R> {
    inner: R,
    done: &'a mut u64,
    total: u64,
    progress: &'a mut dyn FnMut(Progress),
}

impl<R: Read> Read for Counting<'_, R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        let before = *self.done / (256 * 1024);
        *self.done += n as u64;
        if *self.done / (256 * 1024) != before {
            (self.progress)(Progress {
                done: (*self.done).min(self.total),
                total: self.total,
            });
        }
        Ok(n)
    }
}
