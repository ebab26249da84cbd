//! The PostgreSQL backend: several relay instances can share one database.
//!
//! Connections are plain (no TLS): point it at a server on loopback or,
//! better, its Unix socket (`host=/run/postgresql dbname=bloom`). Every write
//! to the log first locks the one-row `log_head` table (`FOR UPDATE`), so
//! sequence numbers are handed out one transaction at a time and a reader
//! never sees seq N+1 committed before N. Commits NOTIFY channel
//! `bloom_relay` (`appended:<head>`, `revoked:<device id>`); every instance
//! LISTENs on a connection of its own and re-broadcasts to its subscribers.

use std::sync::Arc;

use bloom_core::sync::log::{Blob, DeviceId, DeviceInfo, DocReaders, Entry};
use tokio::sync::broadcast;
use tokio_postgres::{Client, Config};

use super::{Appended, NewDevice, NewInvite, Quotas, RelayStore, StoreError, StoreEvent};

mod listen;
mod log;
mod pool;
mod schema;

/// Connections each instance keeps at most.
const POOL_SIZE: usize = 8;
/// The NOTIFY channel.
const CHANNEL: &str = "bloom_relay";
/// Serializes schema creation between instances starting at once.
const SCHEMA_LOCK: i64 = 0x0062_6c6f_6f6d;

/// The PostgreSQL-backed store. Cheap to clone; clones share the pool.
#[derive(Clone)]
pub struct PostgresStore {
    inner: Arc<Inner>,
}

struct Inner {
    pool: pool::Pool,
    quotas: Quotas,
    news: Arc<listen::News>,
    listener: tokio::task::JoinHandle<()>,
}

impl Drop for Inner {
    fn drop(&mut self) {
        self.listener.abort();
    }
}

/// A PostgreSQL error as text, without its DETAIL (which can quote values).
fn describe(e: &tokio_postgres::Error) -> String {
    match e.as_db_error() {
        Some(db) => format!("{} ({})", db.message(), db.code().code()),
        None => e.to_string(),
    }
}

impl From<tokio_postgres::Error> for StoreError {
    fn from(e: tokio_postgres::Error) -> Self {
        StoreError::Backend(format!("postgres: {}", describe(&e)))
    }
}

impl PostgresStore {
    /// Connects with a libpq-style string (`host=/run/postgresql dbname=bloom`
    /// or `postgresql://…`), creates the tables if missing and starts
    /// listening for other instances' news. Must run inside a tokio runtime.
    pub async fn open(connect: &str, quotas: Quotas) -> Result<PostgresStore, StoreError> {
        let mut config: Config = connect
            .parse()
            .map_err(|e: tokio_postgres::Error| StoreError::Backend(describe(&e)))?;
        if config.get_application_name().is_none() {
            config.application_name("bloom-relay");
        }
        let mut client = pool::connect(&config).await?;
        let tx = client.transaction().await?;
        tx.execute("SELECT pg_advisory_xact_lock($1)", &[&SCHEMA_LOCK])
            .await?;
        tx.batch_execute(schema::SCHEMA).await?;
        tx.commit().await?;
        drop(client);
        let news = Arc::new(listen::News::new());
        let listener = listen::start(config.clone(), Arc::clone(&news)).await?;
        Ok(PostgresStore {
            inner: Arc::new(Inner {
                pool: pool::Pool::new(config, POOL_SIZE),
                quotas,
                news,
                listener,
            }),
        })
    }

    /// Runs `op` on a pooled connection.
    async fn with<T>(
        &self,
        op: impl AsyncFnOnce(&mut Client) -> Result<T, StoreError>,
    ) -> Result<T, StoreError> {
        let mut conn = self.inner.pool.get().await?;
        let out = op(&mut conn.client).await;
        if !matches!(out, Err(StoreError::Backend(_))) {
            conn.release();
        }
        out
    }
}

impl RelayStore for PostgresStore {
    async fn create_invite(&self, invite: NewInvite) -> Result<(), StoreError> {
        self.with(async |c| log::create_invite(c, invite).await)
            .await
    }

    async fn enroll(
        &self,
        token_hash: [u8; 32],
        device: NewDevice,
        now_ms: i64,
    ) -> Result<DeviceInfo, StoreError> {
        let (info, head) = self
            .with(async |c| log::enroll(c, token_hash, device, now_ms).await)
            .await?;
        self.inner.news.appended(head);
        Ok(info)
    }

    async fn device(&self, id: &DeviceId) -> Result<Option<DeviceInfo>, StoreError> {
        self.with(async |c| log::device(&*c, id.as_str()).await)
            .await
    }

    async fn devices(&self) -> Result<Vec<DeviceInfo>, StoreError> {
        self.with(async |c| log::devices(c).await).await
    }

    async fn touch(&self, id: &DeviceId, now_ms: i64) -> Result<(), StoreError> {
        self.with(async |c| log::touch(c, id, now_ms).await).await
    }

    async fn last_seen(&self) -> Result<Vec<(DeviceId, i64)>, StoreError> {
        self.with(async |c| log::last_seen(c).await).await
    }

    async fn revoke(&self, id: &DeviceId, now_ms: i64) -> Result<Vec<DocReaders>, StoreError> {
        let (docs, seq) = self
            .with(async |c| log::revoke(c, id, now_ms).await)
            .await?;
        if let Some(head) = seq {
            self.inner.news.revoked(id.clone());
            self.inner.news.appended(head);
        }
        Ok(docs)
    }

    async fn append(
        &self,
        from: &DeviceId,
        blobs: Vec<Blob>,
        now_ms: i64,
    ) -> Result<Vec<Appended>, StoreError> {
        let quotas = self.inner.quotas;
        let (out, head) = self
            .with(async |c| log::append(c, from, blobs, now_ms, &quotas).await)
            .await?;
        if out.iter().any(|a| matches!(a, Appended::Stored { .. })) {
            self.inner.news.appended(head);
        }
        Ok(out)
    }

    async fn since(
        &self,
        device: &DeviceId,
        after: u64,
        limit: usize,
    ) -> Result<Vec<Entry>, StoreError> {
        self.with(async |c| log::since(c, device, after, limit).await)
            .await
    }

    async fn head(&self) -> Result<u64, StoreError> {
        self.with(async |c| log::head(&*c).await).await
    }

    async fn stored_bytes(&self, device: &DeviceId) -> Result<u64, StoreError> {
        self.with(async |c| log::stored_bytes(&*c, device.as_str()).await)
            .await
    }

    fn events(&self) -> broadcast::Receiver<StoreEvent> {
        self.inner.news.subscribe()
    }
}
