//! The embedded backend: one SQLCipher file, encrypted with a 32-byte key.
//!
//! Every call runs on tokio's blocking pool against one connection behind a
//! mutex; writes take SQLite's write lock up front (`BEGIN IMMEDIATE`) so a
//! second process on the same file (the `bloom-relay` CLI next to a running
//! relay) waits its turn (`busy_timeout`) instead of failing. Events reach
//! only this process's subscribers.

use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use bloom_core::sync::log::{Blob, DeviceId, DeviceInfo, DocReaders, Entry};
use rusqlite::{Connection, Transaction, TransactionBehavior, params};
use tokio::sync::broadcast;

use super::row;
use super::{
    Appended, InviteKind, NewDevice, NewInvite, Quotas, RelayStore, StoreError, StoreEvent,
};

mod log;
mod schema;

use log::{DEVICE_COLUMNS, append, device, enroll, head, read_device, revoke, since, stored_bytes};

/// How long a write waits for another process holding the file's write lock.
const BUSY_TIMEOUT: Duration = Duration::from_secs(10);

/// The SQLCipher-backed store. Cheap to clone; clones share one connection.
#[derive(Clone)]
pub struct SqliteStore {
    conn: Arc<Mutex<Connection>>,
    quotas: Quotas,
    events: broadcast::Sender<StoreEvent>,
}

impl From<rusqlite::Error> for StoreError {
    fn from(e: rusqlite::Error) -> Self {
        // rusqlite's messages name the SQL, never the bound values.
        StoreError::Backend(format!("sqlite: {e}"))
    }
}

impl SqliteStore {
    /// Opens (creating if needed) the store at `path`, encrypted with `key`.
    pub fn open(path: &Path, key: [u8; 32], quotas: Quotas) -> Result<SqliteStore, StoreError> {
        let conn = Connection::open(path)?;
        conn.pragma_update(None, "cipher_log_level", "NONE")?;
        let pragma = format!("x'{}'", bloom_core::hex::encode(&key));
        conn.pragma_update(None, "key", pragma.as_str())?;
        // The first read tells whether the key is right.
        match conn.query_row("SELECT count(*) FROM sqlite_master", [], |r| {
            r.get::<_, i64>(0)
        }) {
            Ok(_) => {}
            Err(rusqlite::Error::SqliteFailure(e, _))
                if e.code == rusqlite::ErrorCode::NotADatabase =>
            {
                return Err(StoreError::Backend(
                    "the key does not open this database, or it is not a relay store".into(),
                ));
            }
            Err(e) => return Err(e.into()),
        }
        conn.busy_timeout(BUSY_TIMEOUT)?;
        // WAL lets readers run beside the writer; FULL makes an acknowledged
        // commit survive a crash or power loss.
        conn.pragma_update(None, "journal_mode", "WAL")?;
        conn.pragma_update(None, "synchronous", "FULL")?;
        Self::finish(conn, quotas)
    }

    /// A private in-memory store (tests, trying things out).
    pub fn open_in_memory(quotas: Quotas) -> Result<SqliteStore, StoreError> {
        Self::finish(Connection::open_in_memory()?, quotas)
    }

    fn finish(mut conn: Connection, quotas: Quotas) -> Result<SqliteStore, StoreError> {
        conn.pragma_update(None, "foreign_keys", "ON")?;
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        tx.execute_batch(schema::SCHEMA)?;
        tx.commit()?;
        Ok(SqliteStore {
            conn: Arc::new(Mutex::new(conn)),
            quotas,
            events: broadcast::channel(super::EVENT_BUFFER).0,
        })
    }

    /// Runs `f` on the blocking pool with the connection.
    async fn run<T: Send + 'static>(
        &self,
        f: impl FnOnce(&mut Connection) -> Result<T, StoreError> + Send + 'static,
    ) -> Result<T, StoreError> {
        let conn = Arc::clone(&self.conn);
        tokio::task::spawn_blocking(move || {
            let mut conn = conn
                .lock()
                .map_err(|_| StoreError::Backend("a database call panicked earlier".into()))?;
            f(&mut conn)
        })
        .await
        .map_err(|e| StoreError::Backend(format!("a database task failed: {e}")))?
    }

    /// Runs `f` in a write transaction; if it succeeds, commits and then
    /// sends the events it returned. (Both on the blocking pool: a caller
    /// that stops waiting cannot keep a committed change unannounced.)
    async fn write<T: Send + 'static>(
        &self,
        f: impl FnOnce(&Transaction<'_>) -> Result<(T, Vec<StoreEvent>), StoreError> + Send + 'static,
    ) -> Result<T, StoreError> {
        let events = self.events.clone();
        self.run(move |conn| {
            let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
            let (out, news) = f(&tx)?;
            tx.commit()?;
            for event in news {
                // No subscriber is fine: nobody is connected.
                let _ = events.send(event);
            }
            Ok(out)
        })
        .await
    }
}

impl RelayStore for SqliteStore {
    async fn create_invite(&self, invite: NewInvite) -> Result<(), StoreError> {
        self.write(move |tx| {
            let by = match &invite.kind {
                InviteKind::Admin => None,
                InviteKind::Pairing { by } => {
                    if device(tx, by.as_str())?.is_none() {
                        return Err(StoreError::NoSuchDevice(by.clone()));
                    }
                    Some(by.0.clone())
                }
            };
            tx.execute(
                "INSERT INTO invites (token_hash, member, by_device, expires_ms, created_ms)
                 VALUES (?1, ?2, ?3, ?4, ?5)",
                params![
                    &invite.token_hash[..],
                    invite.member,
                    by,
                    invite.expires_ms,
                    invite.created_ms
                ],
            )?;
            Ok(((), Vec::new()))
        })
        .await
    }

    async fn enroll(
        &self,
        token_hash: [u8; 32],
        device: NewDevice,
        now_ms: i64,
    ) -> Result<DeviceInfo, StoreError> {
        self.write(move |tx| {
            let (info, head) = enroll(tx, token_hash, device, now_ms)?;
            Ok((info, vec![StoreEvent::Appended { head }]))
        })
        .await
    }

    async fn device(&self, id: &DeviceId) -> Result<Option<DeviceInfo>, StoreError> {
        let id = id.clone();
        self.run(move |conn| device(conn, id.as_str())).await
    }

    async fn devices(&self) -> Result<Vec<DeviceInfo>, StoreError> {
        self.run(|conn| {
            let sql = format!("SELECT {DEVICE_COLUMNS} FROM devices ORDER BY enrolled_seq");
            let rows: Vec<row::DeviceRow> = conn
                .prepare(&sql)?
                .query_map([], read_device)?
                .collect::<Result<_, _>>()?;
            rows.into_iter().map(row::DeviceRow::into_info).collect()
        })
        .await
    }

    async fn touch(&self, id: &DeviceId, now_ms: i64) -> Result<(), StoreError> {
        let id = id.clone();
        self.write(move |tx| {
            let n = tx.execute(
                "UPDATE devices SET last_seen_ms = ?1 WHERE id = ?2",
                params![now_ms, id.as_str()],
            )?;
            if n == 0 {
                return Err(StoreError::NoSuchDevice(id));
            }
            Ok(((), Vec::new()))
        })
        .await
    }

    async fn last_seen(&self) -> Result<Vec<(DeviceId, i64)>, StoreError> {
        self.run(|conn| {
            Ok(conn
                .prepare(
                    "SELECT id, last_seen_ms FROM devices WHERE last_seen_ms IS NOT NULL
                     ORDER BY enrolled_seq",
                )?
                .query_map([], |r| Ok((DeviceId(r.get(0)?), r.get(1)?)))?
                .collect::<Result<_, _>>()?)
        })
        .await
    }

    async fn revoke(&self, id: &DeviceId, now_ms: i64) -> Result<Vec<DocReaders>, StoreError> {
        let id = id.clone();
        self.write(move |tx| {
            let (docs, seq) = revoke(tx, &id, now_ms)?;
            let news = match seq {
                Some(head) => vec![StoreEvent::Revoked(id), StoreEvent::Appended { head }],
                None => Vec::new(),
            };
            Ok((docs, news))
        })
        .await
    }

    async fn append(
        &self,
        from: &DeviceId,
        blobs: Vec<Blob>,
        now_ms: i64,
    ) -> Result<Vec<Appended>, StoreError> {
        let (from, quotas) = (from.clone(), self.quotas);
        self.write(move |tx| {
            let (out, head) = append(tx, &from, blobs, now_ms, &quotas)?;
            let stored = out.iter().any(|a| matches!(a, Appended::Stored { .. }));
            let news = stored.then_some(StoreEvent::Appended { head });
            Ok((out, news.into_iter().collect()))
        })
        .await
    }

    async fn since(
        &self,
        device: &DeviceId,
        after: u64,
        limit: usize,
    ) -> Result<Vec<Entry>, StoreError> {
        let device = device.clone();
        self.run(move |conn| since(conn, &device, after, limit))
            .await
    }

    async fn head(&self) -> Result<u64, StoreError> {
        self.run(|conn| head(conn)).await
    }

    async fn stored_bytes(&self, device: &DeviceId) -> Result<u64, StoreError> {
        let device = device.clone();
        self.run(move |conn| stored_bytes(conn, device.as_str()))
            .await
    }

    fn events(&self) -> broadcast::Receiver<StoreEvent> {
        self.events.subscribe()
    }
}
