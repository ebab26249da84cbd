//! The web side's storage: accounts, sessions, portal publications and
//! threads, the submission inbox, audit log and support tickets, in one
//! SQLCipher file (`web.db`, key in `web-store.key`, mode 0600) next to the
//! sync log. Each domain module owns its tables and lists them in
//! [`SCHEMAS`]; queries run on the blocking pool through [`WebStore::run`].
//!
//! It is SQLite even when the sync log lives in PostgreSQL: the portal and
//! console are served by one instance (see docs/decisions.md).

use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use rusqlite::{Connection, TransactionBehavior};

/// The file and key file in the data directory.
pub const WEB_FILE: &str = "web.db";
pub const WEB_KEY_FILE: &str = "web-store.key";

const BUSY_TIMEOUT: Duration = Duration::from_secs(5);

/// Every module's tables, created if missing at open. Add a module's
/// `SCHEMA` here; statements must be idempotent (`IF NOT EXISTS`).
const SCHEMAS: &[(&str, &str)] = &[
    ("accounts", crate::account::SCHEMA),
    ("passkeys", crate::account::passkeys::SCHEMA),
    ("audit", crate::audit::SCHEMA),
    ("ticket", crate::ticket::SCHEMA),
    ("portal", crate::portal::store::SCHEMA),
];

#[derive(Debug, thiserror::Error)]
pub enum WebStoreError {
    #[error("web storage: {0}")]
    Backend(String),
}

impl From<rusqlite::Error> for WebStoreError {
    fn from(e: rusqlite::Error) -> Self {
        // rusqlite's messages name the SQL, never the bound values.
        WebStoreError::Backend(format!("sqlite: {e}"))
    }
}

impl bloom_core::HasCode for WebStoreError {
    fn code(&self) -> bloom_core::Code {
        bloom_core::Code::Internal
    }
}

/// The web side's database. Cheap to clone.
#[derive(Clone)]
pub struct WebStore {
    conn: Arc<Mutex<Connection>>,
}

impl WebStore {
    /// Opens (creating if needed) `web.db` in `data_dir`, making its key on first start.
    pub fn open_in(data_dir: &Path) -> anyhow::Result<WebStore> {
        bloom_core::durable::create_private_dir(data_dir)?;
        let key = crate::relay::key_file(data_dir, WEB_KEY_FILE, WEB_FILE)?;
        Ok(WebStore::open(&data_dir.join(WEB_FILE), key)?)
    }

    /// Opens (creating if needed) the database at `path`, encrypted with `key`.
    pub fn open(path: &Path, key: [u8; 32]) -> Result<WebStore, WebStoreError> {
        let conn = Connection::open(path)?;
        conn.pragma_update(None, "cipher_log_level", "NONE")?;
        let pragma = format!("x'{}'", bloom_core::hex::encode(&key));
        conn.pragma_update(None, "key", pragma.as_str())?;
        if conn
            .query_row("SELECT count(*) FROM sqlite_master", [], |r| {
                r.get::<_, i64>(0)
            })
            .is_err()
        {
            return Err(WebStoreError::Backend(
                "the key does not open this database, or it is not a web store".into(),
            ));
        }
        conn.busy_timeout(BUSY_TIMEOUT)?;
        // FULL: an acknowledged form or message survives a crash.
        conn.pragma_update(None, "journal_mode", "WAL")?;
        conn.pragma_update(None, "synchronous", "FULL")?;
        Self::finish(conn)
    }

    /// A private in-memory store (unit tests).
    pub fn open_in_memory() -> Result<WebStore, WebStoreError> {
        Self::finish(Connection::open_in_memory()?)
    }

    fn finish(mut conn: Connection) -> Result<WebStore, WebStoreError> {
        conn.pragma_update(None, "foreign_keys", "ON")?;
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        for (_, schema) in SCHEMAS {
            tx.execute_batch(schema)?;
        }
        tx.commit()?;
        Ok(WebStore {
            conn: Arc::new(Mutex::new(conn)),
        })
    }

    /// Runs `f` with the connection on the blocking pool.
    pub async fn run<T: Send + 'static, E: From<WebStoreError> + Send + 'static>(
        &self,
        f: impl FnOnce(&mut Connection) -> Result<T, E> + Send + 'static,
    ) -> Result<T, E> {
        let store = self.clone();
        tokio::task::spawn_blocking(move || store.run_blocking(f))
            .await
            .map_err(|_| E::from(WebStoreError::Backend("a database call panicked".into())))?
    }

    /// Runs `f` with the connection on this thread (tests, CLI).
    pub fn run_blocking<T, E: From<WebStoreError>>(
        &self,
        f: impl FnOnce(&mut Connection) -> Result<T, E>,
    ) -> Result<T, E> {
        let mut conn = self.conn.lock().map_err(|_| {
            E::from(WebStoreError::Backend(
                "a database call panicked earlier".into(),
            ))
        })?;
        f(&mut conn)
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn the_wrong_key_does_not_open_it() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(WEB_FILE);
        WebStore::open(&path, [1; 32]).unwrap();
        assert!(WebStore::open(&path, [2; 32]).is_err());
        WebStore::open(&path, [1; 32]).unwrap();
    }
}
