//! What the store suite's stories share: a way to open stores on one
//! backend, and short builders for devices, invites and blobs.

#![allow(dead_code)]

pub mod pg;

use std::time::Duration;

use bloom_core::sync::log::{Blob, BlobId, BlobKind, DeviceId, DeviceInfo, Entry, LogItem};
use bloom_relay::store::{
    Appended, InviteKind, NewDevice, NewInvite, PostgresStore, Quotas, RelayStore, SqliteStore,
    StoreEvent,
};
use tokio::sync::broadcast;

/// A fixed "now" so tests read plainly.
pub const T0: i64 = 1_700_000_000_000;

/// One backend's storage for one test: every `open` is another store (as
/// another relay process would have) on the same data.
pub trait Fixture: Sync {
    type Store: RelayStore;
    fn open(&self, quotas: Quotas) -> impl Future<Output = Self::Store> + Send;
}

/// A SQLCipher file in a temp directory.
pub struct SqliteFx {
    pub dir: tempfile::TempDir,
    pub key: [u8; 32],
}

impl SqliteFx {
    pub fn new() -> SqliteFx {
        SqliteFx {
            dir: tempfile::tempdir().unwrap(),
            key: [7; 32],
        }
    }

    pub fn path(&self) -> std::path::PathBuf {
        self.dir.path().join("relay.db")
    }
}

impl Fixture for SqliteFx {
    type Store = SqliteStore;
    async fn open(&self, quotas: Quotas) -> SqliteStore {
        SqliteStore::open(&self.path(), self.key, quotas).unwrap()
    }
}

/// A fresh database on the binary's PostgreSQL server.
pub struct PgFx {
    pub connect: String,
}

impl PgFx {
    pub async fn new() -> PgFx {
        PgFx {
            connect: pg::server().new_database().await,
        }
    }
}

impl Fixture for PgFx {
    type Store = PostgresStore;
    async fn open(&self, quotas: Quotas) -> PostgresStore {
        PostgresStore::open(&self.connect, quotas).await.unwrap()
    }
}

/// Device number `n`'s id (32 hex digits).
pub fn dev(n: u32) -> DeviceId {
    DeviceId(format!("{n:032x}"))
}

pub fn token(n: u8) -> [u8; 32] {
    [n; 32]
}

pub async fn invite(s: &impl RelayStore, n: u8, member: &str, kind: InviteKind, expires_ms: i64) {
    s.create_invite(NewInvite {
        token_hash: token(n),
        member: member.into(),
        kind,
        expires_ms,
        created_ms: T0,
    })
    .await
    .unwrap();
}

pub fn new_device(id: &DeviceId) -> NewDevice {
    NewDevice {
        id: id.clone(),
        name: format!("device {id}"),
        age_recipient: format!("age1{}", id.as_str()),
        pairing_proof: None,
    }
}

/// Enrolls device `n` for member "dr-n" with an admin invite of its own.
pub async fn enrolled(s: &impl RelayStore, n: u32) -> DeviceId {
    let t = u8::try_from(200 + n).unwrap();
    invite(s, t, &format!("dr-{n}"), InviteKind::Admin, T0 + 60_000).await;
    s.enroll(token(t), new_device(&dev(n)), T0)
        .await
        .unwrap()
        .id
}

/// A blob id nobody else uses in a test: `n` in its first bytes.
pub fn bid(n: u32) -> BlobId {
    let mut id = [0xb1; 16];
    id[..4].copy_from_slice(&n.to_be_bytes());
    BlobId(id)
}

pub fn change(id: u32, doc: &str, epoch: u32, len: usize) -> Blob {
    Blob {
        id: bid(id),
        doc: doc.into(),
        kind: BlobKind::Change,
        epoch,
        to: None,
        body: vec![0x5a; len],
    }
}

pub fn snapshot(id: u32, doc: &str, epoch: u32, covers: u64, len: usize) -> Blob {
    Blob {
        kind: BlobKind::Snapshot { covers },
        ..change(id, doc, epoch, len)
    }
}

pub fn key(id: u32, doc: &str, epoch: u32, key_id: u8, to: &DeviceId) -> Blob {
    Blob {
        kind: BlobKind::Key {
            key_id: [key_id; 8],
        },
        to: Some(to.clone()),
        ..change(id, doc, epoch, 48)
    }
}

/// Appends one blob and returns what became of it.
pub async fn put(s: &impl RelayStore, from: &DeviceId, blob: Blob) -> Appended {
    let mut out = s.append(from, vec![blob], T0).await.unwrap();
    assert_eq!(out.len(), 1);
    out.remove(0)
}

/// Appends one blob that must be stored; returns its seq.
pub async fn stored(s: &impl RelayStore, from: &DeviceId, blob: Blob) -> u64 {
    match put(s, from, blob).await {
        Appended::Stored { seq } => seq,
        other => panic!("expected Stored, got {other:?}"),
    }
}

/// Everything `device` may read.
pub async fn all(s: &impl RelayStore, device: &DeviceId) -> Vec<Entry> {
    s.since(device, 0, 10_000).await.unwrap()
}

pub fn seqs(entries: &[Entry]) -> Vec<u64> {
    entries.iter().map(|e| e.seq).collect()
}

/// The seqs of the blob entries among `entries`.
pub fn blob_seqs(entries: &[Entry]) -> Vec<u64> {
    entries
        .iter()
        .filter(|e| matches!(e.item, LogItem::Blob(_)))
        .map(|e| e.seq)
        .collect()
}

pub fn enrolled_info(entry: &Entry) -> &DeviceInfo {
    match &entry.item {
        LogItem::DeviceEnrolled(info) => info,
        other => panic!("expected DeviceEnrolled, got {other:?}"),
    }
}

/// Waits (up to 5 s) for an event `want` accepts, skipping others.
pub async fn expect_event(
    rx: &mut broadcast::Receiver<StoreEvent>,
    what: &str,
    want: impl Fn(&StoreEvent) -> bool,
) -> StoreEvent {
    let wait = async {
        loop {
            match rx.recv().await {
                Ok(event) if want(&event) => return event,
                Ok(_) | Err(broadcast::error::RecvError::Lagged(_)) => {}
                Err(broadcast::error::RecvError::Closed) => panic!("events closed"),
            }
        }
    };
    tokio::time::timeout(Duration::from_secs(5), wait)
        .await
        .unwrap_or_else(|_| panic!("no {what} event within 5 s"))
}
