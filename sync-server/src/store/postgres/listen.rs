//! News from every instance on the database: LISTEN on a dedicated
//! connection, re-broadcast to this instance's subscribers, reconnect when
//! the connection drops (and then announce what may have been missed).

use std::collections::HashSet;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use bloom_core::sync::log::DeviceId;
use tokio::sync::{broadcast, mpsc};
use tokio::task::JoinHandle;
use tokio_postgres::{AsyncMessage, Client, Config, NoTls, Notification};

use super::{CHANNEL, describe};
use crate::store::{EVENT_BUFFER, StoreError, StoreEvent};

/// The instance's broadcast channel, with what it already announced: each
/// commit is heard twice (from this instance directly, and via NOTIFY), and
/// subscribers should hear it once.
pub struct News {
    events: broadcast::Sender<StoreEvent>,
    head: AtomicU64,
    revoked: Mutex<HashSet<DeviceId>>,
}

impl News {
    pub fn new() -> News {
        News {
            events: broadcast::channel(EVENT_BUFFER).0,
            head: AtomicU64::new(0),
            revoked: Mutex::new(HashSet::new()),
        }
    }

    pub fn subscribe(&self) -> broadcast::Receiver<StoreEvent> {
        self.events.subscribe()
    }

    /// Announces a head newer than any announced before.
    pub fn appended(&self, head: u64) {
        if self.head.fetch_max(head, Ordering::AcqRel) < head {
            // No subscriber is fine: nobody is connected.
            let _ = self.events.send(StoreEvent::Appended { head });
        }
    }

    /// Announces a revocation once.
    pub fn revoked(&self, id: DeviceId) {
        let new = match self.revoked.lock() {
            Ok(mut seen) => seen.insert(id.clone()),
            Err(_) => true, // repeating a revocation is harmless
        };
        if new {
            let _ = self.events.send(StoreEvent::Revoked(id));
        }
    }

    fn heard(&self, note: &Notification) {
        match note.payload().split_once(':') {
            Some(("appended", head)) => match head.parse() {
                Ok(head) => self.appended(head),
                Err(_) => tracing::warn!("an unreadable appended notification"),
            },
            Some(("revoked", id)) => self.revoked(DeviceId(id.into())),
            _ => tracing::warn!("an unknown notification on {CHANNEL}"),
        }
    }
}

/// Listens once (so news is heard from the moment `open` returns), then
/// keeps listening on a task, reconnecting with back-off.
pub async fn start(config: Config, news: Arc<News>) -> Result<JoinHandle<()>, StoreError> {
    let first = listen(&config, &news).await?;
    Ok(tokio::spawn(async move {
        let (mut _client, mut notes) = first;
        let mut wait = Duration::from_millis(200);
        loop {
            while let Some(note) = notes.recv().await {
                news.heard(&note);
                wait = Duration::from_millis(200);
            }
            tracing::warn!("lost the PostgreSQL notification connection; reconnecting");
            (_client, notes) = loop {
                tokio::time::sleep(wait).await;
                wait = (wait * 2).min(Duration::from_secs(10));
                match listen(&config, &news).await {
                    Ok(notes) => break notes,
                    Err(e) => tracing::warn!(error = %e, "cannot listen for notifications yet"),
                }
            };
        }
    }))
}

/// Notifications, while the client (which keeps the connection open) lives.
type Listening = (Client, mpsc::UnboundedReceiver<Notification>);

/// Connects, LISTENs and catches up; the channel closes when the connection ends.
async fn listen(config: &Config, news: &News) -> Result<Listening, StoreError> {
    // Named, so an operator can tell it in pg_stat_activity.
    let mut config = config.clone();
    config.application_name("bloom-relay-listener");
    let (client, mut connection) = config.connect(NoTls).await?;
    let (tx, rx) = mpsc::unbounded_channel();
    tokio::spawn(async move {
        loop {
            match std::future::poll_fn(|cx| connection.poll_message(cx)).await {
                Some(Ok(AsyncMessage::Notification(note))) => {
                    if tx.send(note).is_err() {
                        break;
                    }
                }
                Some(Ok(_)) => {}
                Some(Err(e)) => {
                    tracing::warn!(error = %describe(&e), "the notification connection failed");
                    break;
                }
                None => break,
            }
        }
    });
    client.batch_execute(&format!("LISTEN {CHANNEL}")).await?;
    catch_up(&client, news).await?;
    Ok((client, rx))
}

/// Announces the head and every revocation: a subscriber may have missed
/// them while nobody was listening (duplicates are filtered by [`News`]).
async fn catch_up(client: &Client, news: &News) -> Result<(), StoreError> {
    news.appended(super::log::head(client).await?);
    for row in client
        .query("SELECT id FROM devices WHERE revoked_ms IS NOT NULL", &[])
        .await?
    {
        news.revoked(DeviceId(row.try_get(0)?));
    }
    Ok(())
}
