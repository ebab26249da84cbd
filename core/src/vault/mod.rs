//! The encrypted vault: one SQLCipher database per practice profile on the
//! therapist's machine, with its key in the OS keychain and wrapped by the
//! user's passphrase, a hash-chained audit log, age-encrypted attachments and
//! backups.
//!
//! A vault directory holds `vault.db` (+ WAL), `vault.key` (the wrapped key)
//! and `attachments/`.

pub mod attachment;
pub mod audit;
pub mod backup;
mod error;
mod fsx;
pub mod keychain;
pub mod keyfile;
pub mod schema;
mod secret;
pub mod session;
pub mod strength;

use std::path::{Path, PathBuf};
use std::str::FromStr;
use std::time::{SystemTime, UNIX_EPOCH};

use age::secrecy::ExposeSecret;
use rusqlite::{Connection, OptionalExtension, params};
use zeroize::Zeroizing;

pub use audit::{Action, Actor};
pub use error::VaultError;
pub use keychain::{KeyStore, NoKeychain, OsKeychain};
pub use keyfile::{KdfParams, KeyFile};
pub use secret::{Passphrase, VaultKey};

const DB_FILE: &str = "vault.db";
const KEY_FILE: &str = "vault.key";
const ATTACHMENTS_DIR: &str = "attachments";

/// The recovery key shown once at creation: an age identity that opens backups.
/// It cannot be printed by accident; [`RecoveryKey::reveal`] is the one way out.
pub struct RecoveryKey(Zeroizing<String>);

impl RecoveryKey {
    pub fn parse(text: &str) -> Result<RecoveryKey, VaultError> {
        let text = text.trim();
        age::x25519::Identity::from_str(text)
            .map_err(|_| VaultError::BackupInvalid("that is not a Bloom recovery key".into()))?;
        Ok(RecoveryKey(Zeroizing::new(text.to_owned())))
    }

    /// The key's text, for showing to the user exactly once.
    pub fn reveal(&self) -> &str {
        &self.0
    }

    fn identity(&self) -> Result<age::x25519::Identity, VaultError> {
        age::x25519::Identity::from_str(&self.0)
            .map_err(|_| VaultError::BackupInvalid("that is not a Bloom recovery key".into()))
    }
}

impl std::fmt::Debug for RecoveryKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("RecoveryKey(<redacted>)")
    }
}

/// How to open a vault.
pub enum Unlock<'a> {
    Passphrase(&'a Passphrase),
    Keychain,
}

/// A stored record: the unit the audit log and attachments refer to. Records
/// hold document bytes (Automerge documents, later) opaque to the vault.
#[derive(Clone, PartialEq, Eq)]
pub struct Record {
    pub id: String,
    pub kind: String,
    pub body: Vec<u8>,
    pub updated_ms: i64,
}

impl std::fmt::Debug for Record {
    // The body is clinical content: never in logs or panics.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Record")
            .field("id", &self.id)
            .field("kind", &self.kind)
            .field("body_len", &self.body.len())
            .finish()
    }
}

/// An open, unlocked vault. Dropping it closes the database and zeroes the key.
pub struct Vault {
    dir: PathBuf,
    conn: Connection,
    key: VaultKey,
    vault_id: String,
    actor: Actor,
}

impl std::fmt::Debug for Vault {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Vault")
            .field("dir", &self.dir)
            .field("vault_id", &self.vault_id)
            .finish_non_exhaustive()
    }
}

/// Now, in UTC milliseconds.
pub fn now_ms() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
        .unwrap_or(0)
}

/// Whether a vault exists in `dir`.
pub fn exists(dir: &Path) -> bool {
    dir.join(DB_FILE).exists() && dir.join(KEY_FILE).exists()
}

impl Vault {
    /// Makes a new vault in `dir` for `owner`. Returns the vault and its
    /// recovery key, which is not stored anywhere and must be shown once.
    pub fn create(
        dir: &Path,
        owner: &str,
        passphrase: &Passphrase,
        keystore: &dyn KeyStore,
        kdf: KdfParams,
    ) -> Result<(Vault, RecoveryKey), VaultError> {
        let strength = strength::assess(passphrase.expose());
        if !strength.acceptable {
            return Err(VaultError::WeakPassphrase(strength::rule()));
        }
        if dir.join(DB_FILE).exists() || dir.join(KEY_FILE).exists() {
            return Err(VaultError::Exists(dir.display().to_string()));
        }
        // Built in a staging folder and renamed into place, so a crash part-way
        // leaves no half-made vault where the app looks for one.
        let staging = fsx::sibling(dir, ".creating");
        let _ = std::fs::remove_dir_all(&staging);
        let built = Vault::build(&staging, owner, passphrase, kdf);
        let (key, vault_id, recovery) = match built {
            Ok(v) => v,
            Err(e) => {
                let _ = std::fs::remove_dir_all(&staging);
                return Err(e);
            }
        };
        if let Err(e) = fsx::move_into_place(&staging, dir) {
            let _ = std::fs::remove_dir_all(&staging);
            return Err(e);
        }
        if let Err(e) = keystore.store(&vault_id, &key) {
            tracing::warn!(error = %e, "keychain unavailable; the vault opens with the passphrase only");
        }
        let recovery = RecoveryKey(Zeroizing::new(recovery));
        let vault = Vault::open_with_key(dir, key)?;
        Ok((vault, recovery))
    }

    /// Lays out a complete new vault in `dir`; returns its key, id and the
    /// recovery key's text.
    fn build(
        dir: &Path,
        owner: &str,
        passphrase: &Passphrase,
        kdf: KdfParams,
    ) -> Result<(VaultKey, String, String), VaultError> {
        fsx::create_private_dir(dir)?;
        fsx::create_private_dir(&dir.join(ATTACHMENTS_DIR))?;
        let key = VaultKey::generate().map_err(|e| VaultError::Internal(e.to_string()))?;
        let vault_id = uuid::Uuid::new_v4().to_string();
        let device_id = uuid::Uuid::new_v4().to_string();
        KeyFile::wrap(&vault_id, &key, passphrase, kdf)?.write(&dir.join(KEY_FILE))?;

        let recovery = age::x25519::Identity::generate();
        let attachment_identity = age::x25519::Identity::generate();
        let mut conn = open_connection(&dir.join(DB_FILE), &key)?;
        schema::migrate_to(&mut conn, schema::LATEST)?;
        let tx = conn.transaction()?;
        for (k, v) in [
            ("vault_id", vault_id.as_str()),
            ("device_id", device_id.as_str()),
            ("owner", owner),
            (
                "attachment_identity",
                attachment_identity.to_string().expose_secret(),
            ),
            ("recovery_recipient", &recovery.to_public().to_string()),
        ] {
            tx.execute(
                "INSERT INTO settings (key, value) VALUES (?1, ?2)",
                params![k, v],
            )?;
        }
        tx.commit()?;
        drop(conn);
        fsx::sync_dir(&dir.join(DB_FILE))?;
        let recovery_text = recovery.to_string().expose_secret().to_owned();
        Ok((key, vault_id, recovery_text))
    }

    /// Opens an existing vault with the passphrase or the keychain.
    pub fn open(dir: &Path, how: Unlock<'_>, keystore: &dyn KeyStore) -> Result<Vault, VaultError> {
        if !exists(dir) {
            return Err(VaultError::NotFound(dir.display().to_string()));
        }
        let keyfile = KeyFile::read(&dir.join(KEY_FILE))?;
        let key = match how {
            Unlock::Passphrase(p) => {
                let key = keyfile.unwrap(p)?;
                // Re-seed the keychain (new OS account, restored machine).
                if matches!(keystore.load(&keyfile.vault_id), Ok(None))
                    && let Err(e) = keystore.store(&keyfile.vault_id, &key)
                {
                    tracing::warn!(error = %e, "cannot store the vault key in the keychain");
                }
                key
            }
            Unlock::Keychain => keystore.load(&keyfile.vault_id)?.ok_or_else(|| {
                VaultError::Keychain("the keychain holds no key for this vault".into())
            })?,
        };
        Vault::open_with_key(dir, key)
    }

    /// Opens with the raw key (keychain path, restore, crash harness).
    pub fn open_with_key(dir: &Path, key: VaultKey) -> Result<Vault, VaultError> {
        let mut conn = open_connection(&dir.join(DB_FILE), &key)?;
        schema::migrate_to(&mut conn, schema::LATEST)?;
        Vault::finish_open(dir, conn, key)
    }

    fn finish_open(dir: &Path, conn: Connection, key: VaultKey) -> Result<Vault, VaultError> {
        fsx::create_private_dir(&dir.join(ATTACHMENTS_DIR))?;
        let vault_id = setting(&conn, "vault_id")?;
        let actor = Actor {
            user: setting(&conn, "owner")?,
            device: setting(&conn, "device_id")?,
        };
        let vault = Vault {
            dir: dir.to_owned(),
            conn,
            key,
            vault_id,
            actor,
        };
        vault.sweep_orphan_attachments()?;
        Ok(vault)
    }

    pub fn id(&self) -> &str {
        &self.vault_id
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }

    pub fn actor(&self) -> &Actor {
        &self.actor
    }

    /// Re-wraps the key under a new passphrase. The data is not re-encrypted.
    pub fn change_passphrase(
        &self,
        old: &Passphrase,
        new: &Passphrase,
        kdf: KdfParams,
    ) -> Result<(), VaultError> {
        let path = self.dir.join(KEY_FILE);
        let current = KeyFile::read(&path)?;
        current.unwrap(old)?;
        let strength = strength::assess(new.expose());
        if !strength.acceptable {
            return Err(VaultError::WeakPassphrase(strength::rule()));
        }
        KeyFile::wrap(&self.vault_id, &self.key, new, kdf)?.write(&path)
    }

    /// Writes (creates or replaces) a record and audits it, in one transaction.
    pub fn put_record(&mut self, id: &str, kind: &str, body: &[u8]) -> Result<(), VaultError> {
        self.write_record_with(id, kind, body, |_| Ok(()))
    }

    /// Writes a record, audits it and runs `also` (a projection update) in the
    /// same transaction; if `also` fails nothing is written.
    pub(crate) fn write_record_with(
        &mut self,
        id: &str,
        kind: &str,
        body: &[u8],
        also: impl FnOnce(&rusqlite::Transaction<'_>) -> Result<(), VaultError>,
    ) -> Result<(), VaultError> {
        self.write_records_with(&[(id, kind, body)], also)
    }

    /// Writes several records, audits each, and runs `also` (their
    /// projections), all in one transaction: a change that spans documents
    /// (splitting a series) is whole or absent.
    pub(crate) fn write_records_with(
        &mut self,
        records: &[(&str, &str, &[u8])],
        also: impl FnOnce(&rusqlite::Transaction<'_>) -> Result<(), VaultError>,
    ) -> Result<(), VaultError> {
        let now = now_ms();
        let tx = self.conn.transaction()?;
        for (id, kind, body) in records {
            write_in(&tx, &self.actor, id, kind, body, now)?;
        }
        also(&tx)?;
        tx.commit()?;
        Ok(())
    }

    /// Reads record `id`, lets `change` make its new body, and writes that
    /// with `also` (a projection update): what [`Vault::get_record`] followed
    /// by [`Vault::write_record_with`] do, with the same two audit entries
    /// (read, then write), but in one transaction, so an edit costs one
    /// commit (one fsync) instead of two. As with the two calls, when
    /// `change` or `also` fails the read stays audited and nothing is written.
    pub(crate) fn modify_record_with<T>(
        &mut self,
        id: &str,
        kind: &str,
        change: impl FnOnce(&Record) -> Result<(Vec<u8>, T), VaultError>,
        also: impl FnOnce(&rusqlite::Transaction<'_>, &T) -> Result<(), VaultError>,
    ) -> Result<T, VaultError> {
        let now = now_ms();
        let tx = self.conn.transaction()?;
        let record = read_in(&tx, id)?;
        audit::append(&tx, &self.actor, Action::Read, id, now)?;
        tx.execute_batch("SAVEPOINT modify_write")?;
        let written = change(&record).and_then(|(body, out)| {
            write_in(&tx, &self.actor, id, kind, &body, now)?;
            also(&tx, &out)?;
            Ok(out)
        });
        match written {
            Ok(out) => {
                tx.execute_batch("RELEASE modify_write")?;
                tx.commit()?;
                Ok(out)
            }
            Err(e) => {
                // Keep the audited read, drop the write.
                tx.execute_batch("ROLLBACK TO modify_write; RELEASE modify_write")?;
                tx.commit()?;
                Err(e)
            }
        }
    }

    /// Reads a record; the read itself is audited.
    pub fn get_record(&mut self, id: &str) -> Result<Record, VaultError> {
        let now = now_ms();
        let tx = self.conn.transaction()?;
        let record = read_in(&tx, id)?;
        audit::append(&tx, &self.actor, Action::Read, id, now)?;
        tx.commit()?;
        Ok(record)
    }

    /// Whether a record exists (not an access to its contents; not audited).
    pub fn has_record(&self, id: &str) -> Result<bool, VaultError> {
        Ok(self
            .conn
            .query_row("SELECT 1 FROM records WHERE id = ?1", [id], |_| Ok(()))
            .optional()?
            .is_some())
    }

    /// Deletes a record with its attachments.
    pub fn delete_record(&mut self, id: &str) -> Result<(), VaultError> {
        let now = now_ms();
        let tx = self.conn.transaction()?;
        let names: Vec<String> = {
            let mut stmt = tx.prepare("SELECT name FROM attachments WHERE record_id = ?1")?;
            stmt.query_map([id], |r| r.get(0))?
                .collect::<Result<_, _>>()?
        };
        let deleted = tx.execute("DELETE FROM records WHERE id = ?1", [id])?;
        if deleted == 0 {
            return Err(VaultError::RecordNotFound(id.to_owned()));
        }
        audit::append(&tx, &self.actor, Action::Delete, id, now)?;
        tx.commit()?;
        // Files go after the commit; a crash in between leaves orphans that
        // the next open sweeps.
        for name in names {
            self.remove_attachment_file_if_unused(&name)?;
        }
        Ok(())
    }

    /// Number of records (for status and tests).
    pub fn record_count(&self) -> Result<u64, VaultError> {
        let n: i64 = self
            .conn
            .query_row("SELECT count(*) FROM records", [], |r| r.get(0))?;
        Ok(n.max(0) as u64)
    }

    /// Checks the audit chain; returns the number of entries.
    pub fn verify_audit(&self) -> Result<u64, VaultError> {
        audit::verify(&self.conn)
    }

    pub fn recent_audit(&self, limit: u32) -> Result<Vec<audit::Entry>, VaultError> {
        audit::recent(&self.conn, limit)
    }

    /// SQLite's own consistency check.
    pub fn integrity_check(&self) -> Result<(), VaultError> {
        let result: String = self
            .conn
            .query_row("PRAGMA integrity_check", [], |r| r.get(0))?;
        if result == "ok" {
            Ok(())
        } else {
            Err(VaultError::Corrupt(result))
        }
    }

    pub fn setting(&self, key: &str) -> Result<Option<String>, VaultError> {
        Ok(self
            .conn
            .query_row("SELECT value FROM settings WHERE key = ?1", [key], |r| {
                r.get(0)
            })
            .optional()?)
    }

    pub fn set_setting(&self, key: &str, value: &str) -> Result<(), VaultError> {
        self.conn.execute(
            "INSERT INTO settings (key, value) VALUES (?1, ?2)
             ON CONFLICT(key) DO UPDATE SET value = ?2",
            params![key, value],
        )?;
        Ok(())
    }

    /// Runs `f` (many writes: seeding, bulk imports) without waiting for the
    /// disk after each commit. Every write inside is still its own transaction
    /// with its projections and audit entry, exactly as outside; only the
    /// per-commit fsync is skipped (`synchronous=NORMAL`, which in WAL mode
    /// can lose the latest commits on power loss but never corrupts the
    /// database). Before returning, the vault is back to `synchronous=FULL`
    /// and everything written has been checkpointed and synced.
    pub fn bulk<T>(
        &mut self,
        f: impl FnOnce(&mut Vault) -> Result<T, VaultError>,
    ) -> Result<T, VaultError> {
        self.conn.pragma_update(None, "synchronous", "NORMAL")?;
        let out = f(self);
        let restored = self.conn.pragma_update(None, "synchronous", "FULL");
        let synced = self
            .conn
            .query_row("PRAGMA wal_checkpoint(FULL)", [], |_| Ok(()));
        let out = out?;
        restored?;
        synced?;
        Ok(out)
    }

    /// A transaction for work that spans several projections (rebuilds).
    pub(crate) fn transaction(&mut self) -> Result<rusqlite::Transaction<'_>, VaultError> {
        Ok(self.conn.transaction()?)
    }

    pub(crate) fn connection(&self) -> &Connection {
        &self.conn
    }

    pub(crate) fn key(&self) -> &VaultKey {
        &self.key
    }
}

/// Reads a record inside `tx` (the caller audits the read).
fn read_in(tx: &rusqlite::Transaction<'_>, id: &str) -> Result<Record, VaultError> {
    tx.query_row(
        "SELECT id, kind, body, updated_ms FROM records WHERE id = ?1",
        [id],
        |r| {
            Ok(Record {
                id: r.get(0)?,
                kind: r.get(1)?,
                body: r.get(2)?,
                updated_ms: r.get(3)?,
            })
        },
    )
    .optional()?
    .ok_or_else(|| VaultError::RecordNotFound(id.to_owned()))
}

/// The record kinds that sync: every Automerge document kind. Psychotherapy
/// notes are not among them: their bodies are sealed under their own key and
/// are not Automerge documents.
pub(crate) const SYNCED_KINDS: &[&str] = &[
    crate::records::client::KIND,
    crate::records::note::KIND,
    crate::records::appointment::KIND,
    crate::records::assessment::KIND,
    crate::records::journal::KIND,
    crate::records::treatment_plan::KIND,
    crate::records::safety_plan::KIND,
    crate::records::message::KIND,
    crate::records::booking::KIND,
    crate::records::form::KIND,
];

/// Writes (creates or replaces) a record inside `tx` and audits the write.
/// A document that syncs is marked dirty in the same transaction, so no
/// local edit can be committed without sync knowing about it.
fn write_in(
    tx: &rusqlite::Transaction<'_>,
    actor: &Actor,
    id: &str,
    kind: &str,
    body: &[u8],
    now: i64,
) -> Result<(), VaultError> {
    store_in(tx, actor, id, kind, body, now)?;
    if SYNCED_KINDS.contains(&kind) {
        tx.execute("INSERT OR IGNORE INTO sync_dirty (doc) VALUES (?1)", [id])?;
    }
    Ok(())
}

/// [`write_in`] without marking the document dirty: for changes that came
/// from another device (sync must not echo them back).
pub(crate) fn store_in(
    tx: &rusqlite::Transaction<'_>,
    actor: &Actor,
    id: &str,
    kind: &str,
    body: &[u8],
    now: i64,
) -> Result<(), VaultError> {
    tx.execute(
        "INSERT INTO records (id, kind, body, updated_ms) VALUES (?1, ?2, ?3, ?4)
         ON CONFLICT(id) DO UPDATE SET kind = ?2, body = ?3, updated_ms = ?4",
        params![id, kind, body, now],
    )?;
    audit::append(tx, actor, Action::Write, id, now)
}

fn setting(conn: &Connection, key: &str) -> Result<String, VaultError> {
    conn.query_row("SELECT value FROM settings WHERE key = ?1", [key], |r| {
        r.get(0)
    })
    .optional()?
    .ok_or_else(|| VaultError::Corrupt(format!("setting {key} is missing")))
}

/// Opens SQLCipher with the raw key and the vault's pragmas.
fn open_connection(path: &Path, key: &VaultKey) -> Result<Connection, VaultError> {
    let conn = Connection::open(path).map_err(|e| VaultError::io(path, e))?;
    conn.pragma_update(None, "cipher_log_level", "NONE")?;
    conn.pragma_update(None, "key", key.sqlcipher_pragma().as_str())?;
    // The first read tells whether the key is right.
    match conn.query_row("SELECT count(*) FROM sqlite_master", [], |r| {
        r.get::<_, i64>(0)
    }) {
        Ok(_) => {}
        Err(rusqlite::Error::SqliteFailure(e, _))
            if e.code == rusqlite::ErrorCode::NotADatabase =>
        {
            return Err(VaultError::Corrupt(
                "the key does not open this database, or it is not a Bloom vault".into(),
            ));
        }
        Err(e) => return Err(e.into()),
    }
    // WAL for concurrent readers; FULL so an acknowledged commit survives power loss.
    conn.pragma_update(None, "journal_mode", "WAL")?;
    conn.pragma_update(None, "synchronous", "FULL")?;
    conn.pragma_update(None, "foreign_keys", "ON")?;
    // Deleted clinical content is overwritten, not left in free pages.
    conn.pragma_update(None, "secure_delete", "ON")?;
    Ok(conn)
}

/// What the crate's unit tests share: a vault with cheap key derivation.
#[cfg(test)]
pub(crate) mod test_support {
    use super::*;

    pub const PASSPHRASE: &str = "violet tram coffee lantern";

    pub fn quick_kdf() -> KdfParams {
        KdfParams {
            memory_kib: 1024,
            iterations: 1,
            parallelism: 1,
        }
    }

    /// A new vault in `dir` owned by "Dr A", without a keychain.
    /// A client chart for a test; returns its id.
    pub fn client(vault: &mut Vault, given: &str, family: &str) -> String {
        let new = crate::chart::NewClient {
            given_name: given.into(),
            family_name: family.into(),
            preferred_name: None,
        };
        crate::records::client::create_client(vault, &new)
            .unwrap_or_else(|e| panic!("test client: {e}"))
    }

    pub fn quick_vault(dir: &Path) -> Vault {
        let pass = Passphrase::new(PASSPHRASE);
        match Vault::create(dir, "Dr A", &pass, &NoKeychain, quick_kdf()) {
            Ok((vault, _)) => vault,
            Err(e) => panic!("cannot create a test vault: {e}"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::test_support::quick_kdf;
    use super::*;

    fn pass() -> Passphrase {
        Passphrase::new("violet tram coffee lantern")
    }

    #[test]
    fn a_vault_made_by_schema_version_1_is_upgraded_on_open() {
        let dir = tempfile::tempdir().unwrap();
        let key = VaultKey::generate().unwrap();
        // Lay out a vault exactly as the first schema version made it.
        {
            let mut conn = open_connection(&dir.path().join(DB_FILE), &key).unwrap();
            schema::migrate_to(&mut conn, 1).unwrap();
            assert_eq!(schema::version(&conn).unwrap(), 1);
            let identity = age::x25519::Identity::generate();
            for (k, v) in [
                ("vault_id", "v1-vault".to_owned()),
                ("device_id", "d".to_owned()),
                ("owner", "Dr Old".to_owned()),
                (
                    "attachment_identity",
                    identity.to_string().expose_secret().to_owned(),
                ),
                ("recovery_recipient", identity.to_public().to_string()),
            ] {
                conn.execute("INSERT INTO settings VALUES (?1, ?2)", params![k, v])
                    .unwrap();
            }
            conn.execute(
                "INSERT INTO records VALUES ('chart-1', 'chart', x'0102', 1)",
                [],
            )
            .unwrap();
        }
        KeyFile::wrap("v1-vault", &key, &pass(), quick_kdf())
            .unwrap()
            .write(&dir.path().join(KEY_FILE))
            .unwrap();

        let mut vault = Vault::open(dir.path(), Unlock::Passphrase(&pass()), &NoKeychain).unwrap();
        assert_eq!(schema::version(vault.connection()).unwrap(), schema::LATEST);
        assert_eq!(vault.get_record("chart-1").unwrap().body, vec![1, 2]);
        // What version 2 added works on the upgraded vault.
        vault
            .add_attachment("chart-1", "text/plain", b"hello")
            .unwrap();
        assert_eq!(vault.attachments("chart-1").unwrap().len(), 1);
    }

    #[test]
    fn bulk_writes_are_audited_and_durability_is_restored_afterwards() {
        let dir = tempfile::tempdir().unwrap();
        let (mut vault, _) =
            Vault::create(dir.path(), "Dr A", &pass(), &NoKeychain, quick_kdf()).unwrap();
        let synchronous = |v: &Vault| -> i64 {
            v.connection()
                .query_row("PRAGMA synchronous", [], |r| r.get(0))
                .unwrap()
        };
        assert_eq!(synchronous(&vault), 2, "FULL");
        let written = vault
            .bulk(|v| {
                assert_eq!(synchronous(v), 1, "NORMAL inside");
                for i in 0..10 {
                    v.put_record(&format!("chart-{i}"), "chart", b"x")?;
                }
                Ok(10)
            })
            .unwrap();
        assert_eq!(written, 10);
        assert_eq!(synchronous(&vault), 2, "FULL again");
        assert_eq!(vault.verify_audit().unwrap(), 10);
        let err = vault
            .bulk(|v| -> Result<(), VaultError> {
                v.put_record("chart-x", "chart", b"y")?;
                Err(VaultError::Invalid("stop".into()))
            })
            .unwrap_err();
        assert!(matches!(err, VaultError::Invalid(_)));
        assert_eq!(synchronous(&vault), 2, "FULL after a failure too");
        drop(vault);
        let vault = Vault::open(dir.path(), Unlock::Passphrase(&pass()), &NoKeychain).unwrap();
        assert_eq!(vault.record_count().unwrap(), 11);
    }

    #[test]
    fn a_vault_from_a_newer_bloom_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let (vault, _) =
            Vault::create(dir.path(), "Dr A", &pass(), &NoKeychain, quick_kdf()).unwrap();
        vault
            .connection()
            .pragma_update(None, "user_version", schema::LATEST + 1)
            .unwrap();
        drop(vault);
        let err = Vault::open(dir.path(), Unlock::Passphrase(&pass()), &NoKeychain).unwrap_err();
        assert!(matches!(err, VaultError::Corrupt(_)), "{err}");
    }

    #[test]
    fn editing_the_audit_log_behind_the_apps_back_is_caught() {
        let dir = tempfile::tempdir().unwrap();
        let (mut vault, _) =
            Vault::create(dir.path(), "Dr A", &pass(), &NoKeychain, quick_kdf()).unwrap();
        for i in 0..5 {
            vault
                .put_record(&format!("chart-{i}"), "chart", b"x")
                .unwrap();
        }
        vault.get_record("chart-2").unwrap();
        assert_eq!(vault.verify_audit().unwrap(), 6);

        // The app itself cannot change the log.
        let err = vault
            .connection()
            .execute("UPDATE audit_log SET actor = 'someone' WHERE seq = 3", []);
        assert!(err.is_err());

        // Someone with the key, a second connection and no scruples can…
        let other = open_connection(&dir.path().join(DB_FILE), vault.key()).unwrap();
        other
            .execute_batch(
                "DROP TRIGGER audit_log_no_update;
                 UPDATE audit_log SET record_id = 'chart-4' WHERE seq = 3;",
            )
            .unwrap();
        // …and the verifier names the first broken link.
        match vault.verify_audit() {
            Err(VaultError::AuditBroken { seq, .. }) => assert_eq!(seq, 3),
            other => panic!("tampering not caught: {other:?}"),
        }
    }

    #[test]
    fn a_deleted_audit_entry_is_caught() {
        let dir = tempfile::tempdir().unwrap();
        let (mut vault, _) =
            Vault::create(dir.path(), "Dr A", &pass(), &NoKeychain, quick_kdf()).unwrap();
        for i in 0..4 {
            vault
                .put_record(&format!("chart-{i}"), "chart", b"x")
                .unwrap();
        }
        let other = open_connection(&dir.path().join(DB_FILE), vault.key()).unwrap();
        other
            .execute_batch("DROP TRIGGER audit_log_no_delete; DELETE FROM audit_log WHERE seq = 2;")
            .unwrap();
        match vault.verify_audit() {
            Err(VaultError::AuditBroken { seq, .. }) => assert_eq!(seq, 2),
            other => panic!("deletion not caught: {other:?}"),
        }
    }
}
