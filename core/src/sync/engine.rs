//! The device's sync engine: keeps a device connected to its relay with its
//! own certificate, feeds what the relay sends into the local replica, uploads
//! what the replica has queued, and reports where it stands.
//!
//! It never blocks editing: the replica (the vault) is touched only for short
//! calls on a blocking thread, and everything waits in the vault's outbox
//! while offline. Reconnects back off exponentially.

use std::future::Future;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::sync::{Notify, mpsc, watch};

use super::client::{ClientError, ClientIdentity, ClientSettings, RelayClient, RelayTarget};
use super::log::{Blob, BlobId, Entry};
use super::proto::{self, DEFAULT_MAX_FRAME, Message, SealedSubmission, UploadResult};
use super::status::RelayStatus;
use crate::portal::Publication;
use crate::{Code, HasCode};

/// Why the replica could not do what the engine asked.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("the local replica failed ({code})")]
pub struct ReplicaFault {
    pub code: Code,
}

impl HasCode for ReplicaFault {
    fn code(&self) -> Code {
        self.code
    }
}

/// The device's side of sync, as the engine sees it: blocking calls into the
/// vault. `desktop` implements it over the app's vault session; tests over a
/// plain vault.
pub trait Replica: Send + 'static {
    /// The last log sequence number applied.
    fn cursor(&mut self) -> Result<u64, ReplicaFault>;
    /// Applies entries from the relay (in one transaction with the cursor).
    /// `true` means the cursor went back (keys to older history arrived) and
    /// the subscription must start again from [`Replica::cursor`].
    fn apply(&mut self, entries: &[Entry]) -> Result<bool, ReplicaFault>;
    /// Up to `max_blobs` sealed blobs to upload, none with a body over
    /// `max_blob_bytes`.
    fn outgoing(
        &mut self,
        max_blobs: usize,
        max_blob_bytes: usize,
    ) -> Result<Vec<Blob>, ReplicaFault>;
    /// What the relay said about each uploaded blob.
    fn acknowledge(&mut self, results: &[(BlobId, UploadResult)]) -> Result<(), ReplicaFault>;
    /// Local changes not yet uploaded (for the progress shown).
    fn pending_uploads(&mut self) -> Result<u64, ReplicaFault>;
    /// A new session begins: uploads the relay refused last time (quota,
    /// say) may be tried again.
    fn resume(&mut self) -> Result<(), ReplicaFault>;
    /// Up to `max` portal publications waiting in the outbox, oldest first,
    /// with their outbox numbers.
    fn portal_outgoing(&mut self, max: usize) -> Result<Vec<(i64, Publication)>, ReplicaFault>;
    /// The relay applied (`refused: None`) or refused (with its code) these
    /// publications.
    fn portal_sent(&mut self, ords: &[i64], refused: Option<&str>) -> Result<(), ReplicaFault>;
    /// Opens and applies sealed submissions (each committed before this
    /// returns); returns the ids that are safely stored, to acknowledge.
    fn portal_receive(&mut self, items: &[SealedSubmission]) -> Result<Vec<String>, ReplicaFault>;
}

/// Timing of the engine.
#[derive(Clone, Debug)]
pub struct EngineSettings {
    pub client: ClientSettings,
    pub ping_interval: Duration,
    pub min_backoff: Duration,
    pub max_backoff: Duration,
    /// Blobs per upload request.
    pub upload_batch: usize,
}

impl Default for EngineSettings {
    fn default() -> Self {
        EngineSettings {
            // QUIC keep-alives hold the connection; a dead one is noticed
            // within the idle timeout. Gentler than the status link's, as a
            // relay may have thousands of devices connected.
            client: ClientSettings {
                keep_alive: Duration::from_secs(5),
                idle_timeout: Duration::from_secs(15),
                ..ClientSettings::default()
            },
            ping_interval: Duration::from_secs(15),
            min_backoff: Duration::from_millis(250),
            max_backoff: Duration::from_secs(10),
            upload_batch: 64,
        }
    }
}

/// A handle on a running engine.
#[derive(Clone)]
pub struct SyncHandle {
    status: watch::Receiver<RelayStatus>,
    nudge: Arc<Notify>,
    stop: watch::Sender<bool>,
}

impl SyncHandle {
    pub fn status(&self) -> RelayStatus {
        self.status.borrow().clone()
    }

    /// A receiver of status changes.
    pub fn watch(&self) -> watch::Receiver<RelayStatus> {
        self.status.clone()
    }

    /// Says local changes are waiting: upload them now, not at the next tick.
    pub fn nudge(&self) {
        self.nudge.notify_one();
    }

    /// Stops the engine (its connection closes).
    pub fn stop(&self) {
        let _ = self.stop.send(true);
    }

    /// Waits until the status satisfies `pred`.
    pub async fn wait_for(&self, pred: impl Fn(&RelayStatus) -> bool) -> RelayStatus {
        let mut rx = self.status.clone();
        let found = rx.wait_for(|s| pred(s)).await.map(|s| s.clone());
        found.unwrap_or_else(|_| rx.borrow().clone())
    }
}

/// Creates the engine and the future that drives it (spawn it on tokio).
pub fn start<R: Replica>(
    target: RelayTarget,
    identity: ClientIdentity,
    agent: impl Into<String>,
    replica: Arc<Mutex<R>>,
    mut settings: EngineSettings,
) -> (SyncHandle, impl Future<Output = ()> + Send + 'static) {
    settings.client.identity = Some(identity);
    let (status_tx, status_rx) = watch::channel(RelayStatus::Connecting {
        relay: target.addr.clone(),
    });
    let (stop_tx, stop_rx) = watch::channel(false);
    let nudge = Arc::new(Notify::new());
    let handle = SyncHandle {
        status: status_rx,
        nudge: nudge.clone(),
        stop: stop_tx,
    };
    let engine = Engine {
        target,
        agent: agent.into(),
        settings,
        replica,
        status: status_tx,
        nudge,
    };
    let driver = async move {
        let mut stop = stop_rx;
        tokio::select! {
            _ = engine.run() => {}
            _ = stop.wait_for(|s| *s) => {}
        }
    };
    (handle, driver)
}

struct Engine<R> {
    target: RelayTarget,
    agent: String,
    settings: EngineSettings,
    replica: Arc<Mutex<R>>,
    status: watch::Sender<RelayStatus>,
    nudge: Arc<Notify>,
}

/// Why a session ended.
enum Ended {
    /// Retry after the usual backoff.
    Offline(Code),
    /// Needs someone to act; retry slowly.
    Stuck(Code),
}

impl<R: Replica> Engine<R> {
    async fn run(self) {
        let mut backoff = self.settings.min_backoff;
        loop {
            let ended = match RelayClient::connect(&self.target, &self.agent, &self.settings.client)
                .await
            {
                Ok(client) => {
                    backoff = self.settings.min_backoff;
                    let ended = self.session(&client).await;
                    client.close();
                    ended
                }
                Err(e) => classify(&e),
            };
            match ended {
                Ended::Offline(code) => {
                    tracing::debug!(%code, "sync offline");
                    self.publish(RelayStatus::Offline {
                        relay: self.target.addr.clone(),
                        code,
                    });
                }
                Ended::Stuck(code) => {
                    tracing::info!(%code, "sync stopped");
                    self.publish(RelayStatus::Error {
                        relay: self.target.addr.clone(),
                        code,
                    });
                    backoff = self.settings.max_backoff;
                }
            }
            tokio::time::sleep(backoff).await;
            backoff = (backoff * 2).min(self.settings.max_backoff);
        }
    }

    fn publish(&self, status: RelayStatus) {
        self.status.send_if_modified(|old| {
            let changed = *old != status;
            *old = status;
            changed
        });
    }

    async fn session(&self, client: &RelayClient) -> Ended {
        let practice = client.welcome().practice.clone();
        if client.welcome().device.is_none() {
            return Ended::Stuck(Code::SyncNotEnrolled);
        }
        if let Err(code) = self.call(|r| r.resume()).await {
            return Ended::Stuck(code);
        }
        let mut subscription = match self.subscribe(client).await {
            Ok(s) => s,
            Err(code) => return Ended::Stuck(code),
        };
        let mut behind = true;
        let mut ping = tokio::time::interval(self.settings.ping_interval);
        // Submissions may have waited while this device was away.
        let mut inbox_waiting = true;
        let mut ticks: u32 = 0;
        let ended = loop {
            if let Err(ended) = self.flush(client, &practice, behind).await {
                break ended;
            }
            if inbox_waiting {
                inbox_waiting = false;
                if let Err(ended) = self.fetch_inbox(client).await {
                    break ended;
                }
            }
            tokio::select! {
                got = subscription.pages.recv() => match got {
                    Some(Ok(Feed::InboxWaiting)) => inbox_waiting = true,
                    Some(Ok(Feed::Entries(entries, caught_up))) => {
                        behind = !caught_up;
                        if entries.is_empty() {
                            continue;
                        }
                        match self.apply(entries).await {
                            Ok(false) => {}
                            Ok(true) => {
                                // Older history became readable: read the log again.
                                subscription = match self.subscribe(client).await {
                                    Ok(s) => s,
                                    Err(code) => break Ended::Stuck(code),
                                };
                                behind = true;
                            }
                            Err(code) => break Ended::Stuck(code),
                        }
                    }
                    Some(Err(e)) => break classify(&e),
                    None => break Ended::Offline(Code::RelayUnreachable),
                },
                _ = self.nudge.notified() => {}
                _ = ping.tick() => {
                    if let Err(e) = client.ping().await {
                        break classify(&e);
                    }
                    // Now and then look again: submissions another device
                    // fetched but never acknowledged come free when its
                    // lease lapses, with no news to say so.
                    ticks += 1;
                    if ticks.is_multiple_of(INBOX_EVERY_TICKS) {
                        inbox_waiting = true;
                    }
                }
                e = client.closed() => break classify(&e),
            }
        };
        drop(subscription);
        ended
    }

    /// Applies a page in small transactions, so an edit in the app never
    /// waits long for the vault. `true`: the cursor went back.
    async fn apply(&self, entries: Vec<Entry>) -> Result<bool, Code> {
        let mut rewound = false;
        let mut rest = entries;
        while !rest.is_empty() {
            let tail = rest.split_off(rest.len().min(APPLY_CHUNK));
            let chunk = std::mem::replace(&mut rest, tail);
            if self.call(move |r| r.apply(&chunk)).await? {
                // What follows in this page is read again from the new cursor.
                rewound = true;
                break;
            }
        }
        Ok(rewound)
    }

    /// Opens a subscription from the replica's cursor.
    async fn subscribe(&self, client: &RelayClient) -> Result<Subscription, Code> {
        let since = self.call(|r| r.cursor()).await?;
        let (tx, pages) = mpsc::channel(4);
        let task = tokio::spawn(subscribe(client.connection().clone(), since, tx));
        Ok(Subscription { pages, task })
    }

    /// Uploads everything the replica has queued, then reports the state.
    async fn flush(&self, client: &RelayClient, practice: &str, behind: bool) -> Result<(), Ended> {
        let batch = self.settings.upload_batch;
        // Room for the frame's own fields besides the bodies.
        let max_bytes = DEFAULT_MAX_FRAME - 64 * 1024;
        loop {
            let pending = self
                .call(|r| r.pending_uploads())
                .await
                .map_err(Ended::Stuck)?;
            self.publish(if pending == 0 && !behind {
                RelayStatus::Connected {
                    relay: self.target.addr.clone(),
                    practice: practice.to_owned(),
                    round_trip_us: 0,
                }
            } else {
                RelayStatus::Syncing {
                    relay: self.target.addr.clone(),
                    practice: practice.to_owned(),
                    pending,
                    behind,
                }
            });
            let blobs = self
                .call(move |r| r.outgoing(batch, MAX_BLOB_BYTES))
                .await
                .map_err(Ended::Stuck)?;
            if blobs.is_empty() {
                return self.publish_portal(client).await;
            }
            let mut results = Vec::with_capacity(blobs.len());
            for request in requests(blobs, max_bytes) {
                let ids: Vec<BlobId> = request.iter().map(|b| b.id).collect();
                match client.request(&Message::Upload { blobs: request }).await {
                    Ok(Message::Uploaded { results: got }) if got.len() == ids.len() => {
                        results.extend(ids.into_iter().zip(got));
                    }
                    Ok(other) => {
                        tracing::warn!(kind = other.kind(), "unexpected answer to an upload");
                        return Err(Ended::Offline(Code::RelayProtocol));
                    }
                    Err(e) => return Err(classify(&e)),
                }
            }
            let refused = results
                .iter()
                .filter_map(|(_, r)| match r {
                    UploadResult::Refused { code, .. } => Code::parse(code),
                    _ => None,
                })
                .collect::<Vec<_>>();
            self.call(move |r| r.acknowledge(&results))
                .await
                .map_err(Ended::Stuck)?;
            // A stale epoch waits for the new key (it comes through the log);
            // a quota or a refusal needs someone to look. Either way stop
            // uploading this round rather than spin.
            if let Some(code) = refused.into_iter().next() {
                if code == Code::SyncStaleEpoch || code == Code::SyncEpochConflict {
                    return Ok(());
                }
                self.publish(RelayStatus::Error {
                    relay: self.target.addr.clone(),
                    code,
                });
                return Ok(());
            }
        }
    }

    /// Sends the portal outbox in order. A refused batch is sent again one
    /// publication at a time, so only the refused one is set aside.
    async fn publish_portal(&self, client: &RelayClient) -> Result<(), Ended> {
        loop {
            let batch = self
                .call(|r| r.portal_outgoing(PUBLISH_BATCH))
                .await
                .map_err(Ended::Stuck)?;
            if batch.is_empty() {
                return Ok(());
            }
            let singles = batch.len() == 1;
            let (ords, items): (Vec<i64>, Vec<Publication>) = batch.into_iter().unzip();
            let sent = ords.clone();
            match client
                .request(&Message::Publish {
                    items: items.clone(),
                })
                .await
            {
                Ok(Message::Published { .. }) => {
                    self.call(move |r| r.portal_sent(&sent, None))
                        .await
                        .map_err(Ended::Stuck)?;
                }
                Err(ClientError::Refused { code, .. }) if singles => {
                    tracing::info!(%code, "the relay refused a portal publication");
                    self.call(move |r| r.portal_sent(&sent, Some(&code)))
                        .await
                        .map_err(Ended::Stuck)?;
                }
                Err(ClientError::Refused { .. }) => {
                    for (ord, item) in ords.into_iter().zip(items) {
                        let refused = match client
                            .request(&Message::Publish { items: vec![item] })
                            .await
                        {
                            Ok(Message::Published { .. }) => None,
                            Err(ClientError::Refused { code, .. }) => Some(code),
                            Ok(other) => {
                                tracing::warn!(
                                    kind = other.kind(),
                                    "unexpected answer to a publish"
                                );
                                return Err(Ended::Offline(Code::RelayProtocol));
                            }
                            Err(e) => return Err(classify(&e)),
                        };
                        self.call(move |r| r.portal_sent(&[ord], refused.as_deref()))
                            .await
                            .map_err(Ended::Stuck)?;
                    }
                }
                Ok(other) => {
                    tracing::warn!(kind = other.kind(), "unexpected answer to a publish");
                    return Err(Ended::Offline(Code::RelayProtocol));
                }
                Err(e) => return Err(classify(&e)),
            }
        }
    }

    /// Fetches the inbox page by page, applies what arrives and acknowledges
    /// what the vault has committed.
    async fn fetch_inbox(&self, client: &RelayClient) -> Result<(), Ended> {
        loop {
            let (items, more) = match client.request(&Message::FetchInbox).await {
                Ok(Message::Inbox { items, more }) => (items, more),
                Ok(other) => {
                    tracing::warn!(kind = other.kind(), "unexpected answer to an inbox fetch");
                    return Err(Ended::Offline(Code::RelayProtocol));
                }
                Err(e) => return Err(classify(&e)),
            };
            if items.is_empty() {
                return Ok(());
            }
            let done = self
                .call(move |r| r.portal_receive(&items))
                .await
                .map_err(Ended::Stuck)?;
            let progressed = !done.is_empty();
            if progressed {
                match client.request(&Message::AckInbox { ids: done }).await {
                    Ok(Message::Acked) => {}
                    Ok(other) => {
                        tracing::warn!(kind = other.kind(), "unexpected answer to an ack");
                        return Err(Ended::Offline(Code::RelayProtocol));
                    }
                    Err(e) => return Err(classify(&e)),
                }
            }
            // Items that did not apply stay on the relay; do not spin on them.
            if !more || !progressed {
                return Ok(());
            }
        }
    }

    /// Runs a replica call on a blocking thread.
    async fn call<T: Send + 'static>(
        &self,
        f: impl FnOnce(&mut R) -> Result<T, ReplicaFault> + Send + 'static,
    ) -> Result<T, Code> {
        let replica = self.replica.clone();
        let joined = tokio::task::spawn_blocking(move || {
            let mut guard = replica.lock().unwrap_or_else(|p| p.into_inner());
            f(&mut guard)
        })
        .await;
        match joined {
            Ok(Ok(v)) => Ok(v),
            Ok(Err(fault)) => Err(fault.code),
            Err(_) => Err(Code::Internal),
        }
    }
}

/// Pings between two inbox fetches without news.
const INBOX_EVERY_TICKS: u32 = 8;

/// Publications per `Publish` request.
const PUBLISH_BATCH: usize = 64;

/// Entries applied per vault transaction.
const APPLY_CHUNK: usize = 16;

/// The largest blob body a device makes (the relay's default limit).
pub const MAX_BLOB_BYTES: usize = 768 * 1024;

/// Splits blobs into upload requests whose bodies fit in one frame.
fn requests(blobs: Vec<Blob>, max_bytes: usize) -> Vec<Vec<Blob>> {
    let mut out: Vec<Vec<Blob>> = Vec::new();
    let mut size = 0;
    for blob in blobs {
        let len = blob.body.len() + blob.doc.len() + 64;
        match out.last_mut() {
            Some(current) if size + len <= max_bytes => current.push(blob),
            _ => {
                size = 0;
                out.push(vec![blob]);
            }
        }
        size += len;
    }
    out
}

fn classify(e: &ClientError) -> Ended {
    match e.code() {
        code @ (Code::SyncDeviceRevoked | Code::SyncNotEnrolled | Code::RelayPinMismatch) => {
            Ended::Stuck(code)
        }
        code => Ended::Offline(code),
    }
}

/// What the subscription stream brings.
enum Feed {
    /// A page of log entries, and whether the device is caught up.
    Entries(Vec<Entry>, bool),
    /// Patient submissions wait in the inbox.
    InboxWaiting,
}

type Page = Result<Feed, ClientError>;

struct Subscription {
    pages: mpsc::Receiver<Page>,
    task: tokio::task::JoinHandle<()>,
}

impl Drop for Subscription {
    // A stopped engine must not leave its reader holding the connection.
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// Reads the subscription stream into `out` until it or the channel ends.
async fn subscribe(conn: quinn::Connection, since: u64, out: mpsc::Sender<Page>) {
    let result = async {
        let (mut send, mut recv) = conn
            .open_bi()
            .await
            .map_err(super::client::connection_lost)?;
        proto::write_frame(&mut send, &Message::Subscribe { since }, DEFAULT_MAX_FRAME).await?;
        loop {
            match proto::read_frame(&mut recv, DEFAULT_MAX_FRAME).await? {
                Some(Message::Entries {
                    entries, caught_up, ..
                }) => {
                    if out
                        .send(Ok(Feed::Entries(entries, caught_up)))
                        .await
                        .is_err()
                    {
                        return Ok(());
                    }
                }
                Some(Message::InboxWaiting) => {
                    if out.send(Ok(Feed::InboxWaiting)).await.is_err() {
                        return Ok(());
                    }
                }
                Some(Message::Error { code, message }) => {
                    return Err(ClientError::Refused { code, message });
                }
                Some(other) => {
                    return Err(ClientError::Protocol(format!(
                        "unexpected {} on the subscription",
                        other.kind()
                    )));
                }
                None => {
                    return Err(ClientError::Unreachable(
                        "the relay ended the subscription".into(),
                    ));
                }
            }
        }
    }
    .await;
    if let Err(e) = result {
        let _ = out.send(Err(e)).await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sync::log::BlobKind;

    fn blob(n: u8, len: usize) -> Blob {
        Blob {
            id: BlobId([n; 16]),
            doc: "note/x".into(),
            kind: BlobKind::Change,
            epoch: 1,
            to: None,
            body: vec![0; len],
        }
    }

    #[test]
    fn uploads_are_split_to_fit_a_frame_and_keep_their_order() {
        let blobs = vec![
            blob(1, 400),
            blob(2, 400),
            blob(3, 400),
            blob(4, 2000),
            blob(5, 10),
        ];
        let requests = requests(blobs, 1000);
        let ids: Vec<Vec<u8>> = requests
            .iter()
            .map(|r| r.iter().map(|b| b.id.0[0]).collect())
            .collect();
        // Two 400-byte bodies fit (with their overhead), a blob over the
        // budget goes alone rather than nowhere.
        assert_eq!(ids, vec![vec![1, 2], vec![3], vec![4], vec![5]]);
        assert!(super::requests(vec![], 1000).is_empty());
    }
}
