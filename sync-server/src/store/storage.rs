//! One type for "whichever backend the relay was configured with".

use std::fmt;
use std::path::PathBuf;

use bloom_core::sync::log::{Blob, DeviceId, DeviceInfo, DocReaders, Entry};
use tokio::sync::broadcast;

use super::{
    Appended, NewDevice, NewInvite, PostgresStore, Quotas, RelayStore, SqliteStore, StoreError,
    StoreEvent,
};

/// Where the relay keeps its log.
#[derive(Clone)]
pub enum StorageConfig {
    /// A SQLCipher file and its 32-byte key.
    Sqlite { path: PathBuf, key: [u8; 32] },
    /// A PostgreSQL connection string (`host=/run/postgresql dbname=bloom`);
    /// no TLS, so loopback or a Unix socket.
    Postgres { connect: String },
}

impl fmt::Debug for StorageConfig {
    // Neither the key nor the connection string (it may hold a password).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            StorageConfig::Sqlite { path, .. } => {
                write!(f, "Sqlite {{ path: {path:?}, key: <hidden> }}")
            }
            StorageConfig::Postgres { .. } => f.write_str("Postgres { connect: <hidden> }"),
        }
    }
}

/// The configured backend.
#[derive(Clone)]
pub enum Storage {
    Sqlite(SqliteStore),
    Postgres(PostgresStore),
}

impl Storage {
    /// Opens the backend `config` names (creating its tables if needed).
    pub async fn open(config: &StorageConfig, quotas: Quotas) -> Result<Storage, StoreError> {
        Ok(match config {
            StorageConfig::Sqlite { path, key } => {
                let (path, key) = (path.clone(), *key);
                let store =
                    tokio::task::spawn_blocking(move || SqliteStore::open(&path, key, quotas))
                        .await
                        .map_err(|e| {
                            StoreError::Backend(format!("opening the store failed: {e}"))
                        })??;
                Storage::Sqlite(store)
            }
            StorageConfig::Postgres { connect } => {
                Storage::Postgres(PostgresStore::open(connect, quotas).await?)
            }
        })
    }
}

/// Calls the same method on whichever backend this is.
macro_rules! delegate {
    ($self:ident, $s:ident => $call:expr) => {
        match $self {
            Storage::Sqlite($s) => $call.await,
            Storage::Postgres($s) => $call.await,
        }
    };
}

impl RelayStore for Storage {
    async fn create_invite(&self, invite: NewInvite) -> Result<(), StoreError> {
        delegate!(self, s => s.create_invite(invite))
    }

    async fn enroll(
        &self,
        token_hash: [u8; 32],
        device: NewDevice,
        now_ms: i64,
    ) -> Result<DeviceInfo, StoreError> {
        delegate!(self, s => s.enroll(token_hash, device, now_ms))
    }

    async fn device(&self, id: &DeviceId) -> Result<Option<DeviceInfo>, StoreError> {
        delegate!(self, s => s.device(id))
    }

    async fn devices(&self) -> Result<Vec<DeviceInfo>, StoreError> {
        delegate!(self, s => s.devices())
    }

    async fn touch(&self, id: &DeviceId, now_ms: i64) -> Result<(), StoreError> {
        delegate!(self, s => s.touch(id, now_ms))
    }

    async fn last_seen(&self) -> Result<Vec<(DeviceId, i64)>, StoreError> {
        delegate!(self, s => s.last_seen())
    }

    async fn revoke(&self, id: &DeviceId, now_ms: i64) -> Result<Vec<DocReaders>, StoreError> {
        delegate!(self, s => s.revoke(id, now_ms))
    }

    async fn append(
        &self,
        from: &DeviceId,
        blobs: Vec<Blob>,
        now_ms: i64,
    ) -> Result<Vec<Appended>, StoreError> {
        delegate!(self, s => s.append(from, blobs, now_ms))
    }

    async fn since(
        &self,
        device: &DeviceId,
        since: u64,
        limit: usize,
    ) -> Result<Vec<Entry>, StoreError> {
        delegate!(self, s => s.since(device, since, limit))
    }

    async fn head(&self) -> Result<u64, StoreError> {
        delegate!(self, s => s.head())
    }

    async fn stored_bytes(&self, device: &DeviceId) -> Result<u64, StoreError> {
        delegate!(self, s => s.stored_bytes(device))
    }

    fn events(&self) -> broadcast::Receiver<StoreEvent> {
        match self {
            Storage::Sqlite(s) => s.events(),
            Storage::Postgres(s) => s.events(),
        }
    }
}
