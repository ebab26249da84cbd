//! Attachments (PDFs, images): files outside the database, encrypted with age
//! to the vault's own identity and named by a keyed hash of their content, so
//! the same file is stored once and a name reveals nothing without the key.
//! Reading checks both the age authentication and the name: a truncated or
//! altered file is reported, never returned.

use std::io::Read;
use std::path::PathBuf;
use std::str::FromStr;

use rusqlite::{OptionalExtension, params};
use serde::Serialize;
use zeroize::Zeroizing;

use super::audit::{self, Action};
use super::error::VaultError;
use super::{ATTACHMENTS_DIR, Vault, fsx, now_ms};

/// The largest attachment accepted (64 MiB).
pub const MAX_BYTES: usize = 64 * 1024 * 1024;

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct AttachmentInfo {
    pub name: String,
    pub media_type: String,
    pub size: u64,
    pub added_ms: i64,
}

impl Vault {
    fn attachment_path(&self, name: &str) -> PathBuf {
        self.dir.join(ATTACHMENTS_DIR).join(format!("{name}.age"))
    }

    fn attachment_identity(&self) -> Result<age::x25519::Identity, VaultError> {
        let secret = Zeroizing::new(
            self.setting("attachment_identity")?
                .ok_or_else(|| VaultError::Corrupt("attachment identity missing".into()))?,
        );
        age::x25519::Identity::from_str(&secret)
            .map_err(|_| VaultError::Corrupt("attachment identity unreadable".into()))
    }

    fn content_name(&self, data: &[u8]) -> String {
        let key = ring::hmac::Key::new(
            ring::hmac::HMAC_SHA256,
            self.key().derive("bloom/attachment-name/v1").as_ref(),
        );
        crate::hex::encode(ring::hmac::sign(&key, data).as_ref())
    }

    /// Encrypts `data`, stores it and links it to `record_id`. Returns its name.
    pub fn add_attachment(
        &mut self,
        record_id: &str,
        media_type: &str,
        data: &[u8],
    ) -> Result<String, VaultError> {
        if data.len() > MAX_BYTES {
            return Err(VaultError::Invalid(format!(
                "attachments can be at most {} MiB",
                MAX_BYTES / (1024 * 1024)
            )));
        }
        if !self.has_record(record_id)? {
            return Err(VaultError::RecordNotFound(record_id.to_owned()));
        }
        let name = self.content_name(data);
        let path = self.attachment_path(&name);
        if !path.exists() {
            let recipient = self.attachment_identity()?.to_public();
            let sealed = age::encrypt(&recipient, data)
                .map_err(|e| VaultError::Corrupt(format!("cannot encrypt attachment: {e}")))?;
            fsx::write_atomically(&path, &sealed, 0o600)?;
        }
        let now = now_ms();
        let tx = self.conn.transaction()?;
        tx.execute(
            "INSERT INTO attachments (record_id, name, media_type, size, added_ms)
             VALUES (?1, ?2, ?3, ?4, ?5)
             ON CONFLICT(record_id, name) DO UPDATE SET media_type = ?3",
            params![record_id, name, media_type, data.len() as i64, now],
        )?;
        audit::append(&tx, &self.actor, Action::AttachmentAdd, record_id, now)?;
        tx.commit()?;
        Ok(name)
    }

    /// Decrypts an attachment of `record_id`, checking it is whole and unaltered.
    pub fn read_attachment(
        &mut self,
        record_id: &str,
        name: &str,
    ) -> Result<Zeroizing<Vec<u8>>, VaultError> {
        let linked: Option<i64> = self
            .conn
            .query_row(
                "SELECT size FROM attachments WHERE record_id = ?1 AND name = ?2",
                params![record_id, name],
                |r| r.get(0),
            )
            .optional()?;
        if linked.is_none() {
            return Err(VaultError::AttachmentMissing(name.to_owned()));
        }
        let path = self.attachment_path(name);
        let sealed = match std::fs::read(&path) {
            Ok(b) => b,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                return Err(VaultError::AttachmentMissing(name.to_owned()));
            }
            Err(e) => return Err(VaultError::io(&path, e)),
        };
        let identity = self.attachment_identity()?;
        let data = Zeroizing::new(
            decrypt(&sealed, &identity)
                .ok_or_else(|| VaultError::AttachmentTampered(name.to_owned()))?,
        );
        if self.content_name(&data) != name {
            return Err(VaultError::AttachmentTampered(name.to_owned()));
        }
        let now = now_ms();
        let tx = self.conn.transaction()?;
        audit::append(&tx, &self.actor, Action::AttachmentRead, record_id, now)?;
        tx.commit()?;
        Ok(data)
    }

    /// The attachments of a record (metadata only).
    pub fn attachments(&self, record_id: &str) -> Result<Vec<AttachmentInfo>, VaultError> {
        let mut stmt = self.conn.prepare(
            "SELECT name, media_type, size, added_ms FROM attachments
             WHERE record_id = ?1 ORDER BY added_ms, name",
        )?;
        let rows = stmt.query_map([record_id], |r| {
            Ok(AttachmentInfo {
                name: r.get(0)?,
                media_type: r.get(1)?,
                size: r.get::<_, i64>(2)?.max(0) as u64,
                added_ms: r.get(3)?,
            })
        })?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    pub(super) fn remove_attachment_file_if_unused(&self, name: &str) -> Result<(), VaultError> {
        let still_used: bool = self
            .conn
            .query_row("SELECT 1 FROM attachments WHERE name = ?1", [name], |_| {
                Ok(())
            })
            .optional()?
            .is_some();
        if !still_used {
            let path = self.attachment_path(name);
            match std::fs::remove_file(&path) {
                Ok(()) => fsx::sync_dir(&path)?,
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
                Err(e) => return Err(VaultError::io(&path, e)),
            }
        }
        Ok(())
    }

    /// Removes attachment files no record refers to (left by a crash between
    /// a commit and a file removal, or between a file write and its commit).
    pub(super) fn sweep_orphan_attachments(&self) -> Result<(), VaultError> {
        let dir = self.dir.join(ATTACHMENTS_DIR);
        let Ok(entries) = std::fs::read_dir(&dir) else {
            return Ok(());
        };
        for entry in entries.flatten() {
            let file_name = entry.file_name();
            let Some(file_name) = file_name.to_str() else {
                continue;
            };
            if file_name.ends_with(".tmp") {
                // A write that never completed.
                let _ = std::fs::remove_file(entry.path());
                continue;
            }
            let Some(name) = file_name.strip_suffix(".age") else {
                continue;
            };
            self.remove_attachment_file_if_unused(name)?;
        }
        Ok(())
    }

    /// Every attachment file, for backups: (name, path).
    pub(crate) fn attachment_files(&self) -> Result<Vec<(String, PathBuf)>, VaultError> {
        let mut stmt = self
            .conn
            .prepare("SELECT DISTINCT name FROM attachments ORDER BY name")?;
        let names: Vec<String> = stmt
            .query_map([], |r| r.get(0))?
            .collect::<Result<_, _>>()?;
        Ok(names
            .into_iter()
            .map(|n| {
                let p = self.attachment_path(&n);
                (n, p)
            })
            .collect())
    }
}

/// age decryption that treats every failure (truncation, tampering, wrong
/// identity) the same way: not the file that was stored.
fn decrypt(sealed: &[u8], identity: &age::x25519::Identity) -> Option<Vec<u8>> {
    let decryptor = age::Decryptor::new(sealed).ok()?;
    let mut reader = decryptor
        .decrypt(std::iter::once(identity as &dyn age::Identity))
        .ok()?;
    let mut out = vec![];
    reader.read_to_end(&mut out).ok()?;
    Some(out)
}
