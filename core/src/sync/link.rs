//! Keeps a device connected to its relay and reports the connection status.
//!
//! The link never blocks the app: it runs as a background future, retries with
//! backoff, and anyone can read the latest [`RelayStatus`] at any time.

use std::future::Future;
use std::time::Duration;

use tokio::sync::watch;

use super::client::{ClientSettings, RelayClient, RelayTarget};
use super::status::RelayStatus;
use crate::HasCode;

/// Timing of the link's pings and retries.
#[derive(Clone, Debug)]
pub struct LinkSettings {
    pub client: ClientSettings,
    /// How often a connected link pings the relay.
    pub ping_interval: Duration,
    /// First wait after a failure; doubles up to `max_backoff`.
    pub min_backoff: Duration,
    pub max_backoff: Duration,
}

impl Default for LinkSettings {
    fn default() -> Self {
        LinkSettings {
            client: ClientSettings::default(),
            ping_interval: Duration::from_secs(2),
            min_backoff: Duration::from_millis(250),
            max_backoff: Duration::from_secs(5),
        }
    }
}

/// A handle to read the relay connection status.
#[derive(Clone)]
pub struct RelayLink {
    status: watch::Receiver<RelayStatus>,
}

impl RelayLink {
    /// Creates the link and the future that drives it. Spawn the future on a
    /// tokio runtime; it runs until the runtime stops.
    pub fn new(
        target: Option<RelayTarget>,
        agent: impl Into<String>,
        settings: LinkSettings,
    ) -> (RelayLink, impl Future<Output = ()> + Send + 'static) {
        let initial = match &target {
            None => RelayStatus::NotConfigured,
            Some(t) => RelayStatus::Connecting {
                relay: t.addr.clone(),
            },
        };
        let (tx, rx) = watch::channel(initial);
        let agent = agent.into();
        let driver = async move {
            if let Some(target) = target {
                drive(target, agent, settings, tx).await;
            }
        };
        (RelayLink { status: rx }, driver)
    }

    /// A link that will never connect, for settings that cannot be used.
    pub fn failed(code: crate::Code) -> RelayLink {
        let (_, rx) = watch::channel(RelayStatus::Offline {
            relay: String::new(),
            code,
        });
        RelayLink { status: rx }
    }

    /// Waits for the next change; `None` once the link has stopped for good.
    pub async fn changed(&mut self) -> Option<RelayStatus> {
        self.status.changed().await.ok()?;
        Some(self.status.borrow_and_update().clone())
    }

    /// The latest status.
    pub fn status(&self) -> RelayStatus {
        self.status.borrow().clone()
    }

    /// Waits until the status satisfies `pred` (for tests and event emitters).
    pub async fn wait_for(&mut self, pred: impl Fn(&RelayStatus) -> bool) -> RelayStatus {
        let found = self.status.wait_for(|s| pred(s)).await.map(|s| s.clone());
        // If the driver is gone, report what it last said.
        found.unwrap_or_else(|_| self.status.borrow().clone())
    }
}

async fn drive(
    target: RelayTarget,
    agent: String,
    settings: LinkSettings,
    tx: watch::Sender<RelayStatus>,
) {
    let mut backoff = settings.min_backoff;
    loop {
        match RelayClient::connect(&target, &agent, &settings.client).await {
            Ok(client) => {
                backoff = settings.min_backoff;
                tracing::info!(relay = %target.addr, "connected to relay");
                let err = stay_connected(&client, &target, &settings, &tx).await;
                tracing::info!(relay = %target.addr, code = %err.code(), "relay connection lost");
                client.close();
                publish_offline(&tx, &target, &err);
            }
            Err(err) => {
                tracing::debug!(relay = %target.addr, code = %err.code(), "relay connect failed");
                publish_offline(&tx, &target, &err);
            }
        }
        if tx.is_closed() {
            return;
        }
        tokio::time::sleep(backoff).await;
        backoff = (backoff * 2).min(settings.max_backoff);
    }
}

/// Pings until something fails; returns the failure.
async fn stay_connected(
    client: &RelayClient,
    target: &RelayTarget,
    settings: &LinkSettings,
    tx: &watch::Sender<RelayStatus>,
) -> super::client::ClientError {
    loop {
        match client.ping().await {
            Ok(rtt) => {
                let status = RelayStatus::Connected {
                    relay: target.addr.clone(),
                    practice: client.welcome().practice.clone(),
                    round_trip_us: u64::try_from(rtt.as_micros()).unwrap_or(u64::MAX),
                };
                tx.send_if_modified(|old| {
                    // Round-trip jitter alone is not worth waking listeners for.
                    let changed = old.state() != status.state();
                    *old = status;
                    changed
                });
            }
            Err(e) => return e,
        }
        tokio::select! {
            e = client.closed() => return e,
            _ = tokio::time::sleep(settings.ping_interval) => {}
        }
    }
}

fn publish_offline(
    tx: &watch::Sender<RelayStatus>,
    target: &RelayTarget,
    err: &super::client::ClientError,
) {
    let _ = tx.send(RelayStatus::Offline {
        relay: target.addr.clone(),
        code: err.code(),
    });
}
