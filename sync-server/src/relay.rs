//! Starting and stopping the whole relay.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use bloom_core::sync::pin::CertFingerprint;
use tokio::sync::watch;
use tokio::task::JoinHandle;

use crate::admin::{self, InviteTarget};
use crate::config::Config;
use crate::devices::Devices;
use crate::identity::{IdentityError, RelayIdentity};
use crate::metrics::Metrics;
use crate::quic::{self, QuicContext};
use crate::store::{Quotas, RelayStore, Storage, StorageConfig, StoreEvent};
use crate::web::{self, WebState};
use bloom_core::sync::client::RelayTarget;

/// The relay's version, shown to devices and on its pages.
pub const RELAY_VERSION: &str = env!("CARGO_PKG_VERSION");

#[derive(Debug, thiserror::Error)]
pub enum StartError {
    #[error(transparent)]
    Identity(#[from] IdentityError),
    #[error("cannot listen for HTTP on {addr}: {source}")]
    Http {
        addr: SocketAddr,
        source: std::io::Error,
    },
    #[error("cannot open the QUIC endpoint on {addr}: {message}")]
    Quic { addr: SocketAddr, message: String },
    #[error("cannot open the relay's storage: {0}")]
    Storage(String),
}

/// Binds both listeners and starts serving with the storage `config` names.
pub async fn start(config: Config) -> Result<RunningRelay, StartError> {
    let store = open_storage(&config)
        .await
        .map_err(|e| StartError::Storage(e.to_string()))?;
    start_with(config, Arc::new(store)).await
}

/// The SQLCipher file and key file in the data directory.
const STORE_FILE: &str = "relay.db";
const STORE_KEY_FILE: &str = "relay-store.key";

/// Opens the relay's storage: PostgreSQL when `postgres_url` is set, else the
/// embedded SQLCipher database, whose key is made on first start and kept
/// next to it (mode 0600) — it protects the files at rest, e.g. in backups.
pub async fn open_storage(config: &Config) -> anyhow::Result<Storage> {
    let storage = match &config.postgres_url {
        Some(url) => StorageConfig::Postgres {
            connect: url.clone(),
        },
        None => {
            bloom_core::durable::create_private_dir(&config.data_dir)?;
            StorageConfig::Sqlite {
                path: config.data_dir.join(STORE_FILE),
                key: store_key(&config.data_dir)?,
            }
        }
    };
    Ok(Storage::open(&storage, Quotas::default()).await?)
}

fn store_key(data_dir: &std::path::Path) -> anyhow::Result<[u8; 32]> {
    key_file(data_dir, STORE_KEY_FILE, STORE_FILE)
}

/// Reads the 32-byte key in `key_name`, or makes it (mode 0600) when neither
/// it nor the database `db_name` it protects exists yet.
pub(crate) fn key_file(
    data_dir: &std::path::Path,
    key_name: &str,
    db_name: &str,
) -> anyhow::Result<[u8; 32]> {
    let path = data_dir.join(key_name);
    if path.exists() {
        let bytes = std::fs::read(&path)?;
        return <[u8; 32]>::try_from(bytes.as_slice())
            .map_err(|_| anyhow::anyhow!("{} is not a 32-byte key", path.display()));
    }
    anyhow::ensure!(
        !data_dir.join(db_name).exists(),
        "{} exists but its key file {} does not; restore the key from backup",
        db_name,
        path.display()
    );
    let mut key = [0u8; 32];
    ring::rand::SecureRandom::fill(&ring::rand::SystemRandom::new(), &mut key)
        .map_err(|_| anyhow::anyhow!("the system random source failed"))?;
    bloom_core::durable::write_atomically(&path, &key, 0o600)?;
    Ok(key)
}

/// Where invites send devices: the public QUIC address and this certificate.
pub fn invite_target(config: &Config, identity: &RelayIdentity) -> anyhow::Result<InviteTarget> {
    invite_target_at(config, identity, config.quic_addr)
}

/// As [`invite_target`], for a relay bound to `bound` (port 0 made real).
fn invite_target_at(
    config: &Config,
    identity: &RelayIdentity,
    bound: SocketAddr,
) -> anyhow::Result<InviteTarget> {
    let addr = config
        .public_quic_addr
        .clone()
        .unwrap_or_else(|| bound.to_string());
    let relay = RelayTarget::parse(&addr, &identity.fingerprint().to_string())
        .map_err(|e| anyhow::anyhow!("public_quic_addr: {e}"))?;
    Ok(InviteTarget { relay })
}

/// How long a device's pairing code stays valid.
pub const PAIRING_TTL: Duration = Duration::from_secs(15 * 60);

/// Cuts revoked devices' connections, whichever instance revoked them.
async fn watch_revocations<S: RelayStore>(
    store: Arc<S>,
    devices: Arc<Devices>,
    web: crate::webstore::WebStore,
) {
    let mut events = store.events();
    loop {
        match events.recv().await {
            Ok(StoreEvent::Revoked(id)) => {
                tracing::info!(device = %id, "device revoked: closing its connections");
                devices.revoke(&id);
                let event =
                    crate::audit::Event::new(quic::now_ms(), "device.revoked").object(&id.0);
                if let Err(e) = web.run(move |c| crate::audit::record(c, &event)).await {
                    tracing::warn!(error = %e, "the revocation was not written to the audit log");
                }
            }
            Ok(StoreEvent::Appended { .. }) => {}
            // Missed news: reload the revoked set from the store.
            Err(tokio::sync::broadcast::error::RecvError::Lagged(_)) => {
                if let Ok(all) = store.devices().await {
                    for d in all.into_iter().filter(|d| d.revoked_ms.is_some()) {
                        devices.revoke(&d.id);
                    }
                }
            }
            Err(tokio::sync::broadcast::error::RecvError::Closed) => return,
        }
    }
}

/// A relay that is serving. Call [`RunningRelay::shutdown`] to stop it.
pub struct RunningRelay {
    pub http_addr: SocketAddr,
    pub quic_addr: SocketAddr,
    pub fingerprint: CertFingerprint,
    pub metrics: Metrics,
    pub devices: Arc<Devices>,
    /// The web side's state (tests reach its store and clock).
    pub web: Arc<WebState>,
    /// The portal channel (what the patient pages call).
    pub portal: crate::portal::Portal,
    stop: watch::Sender<bool>,
    watcher: JoinHandle<()>,
    admin: JoinHandle<()>,
    sampler: JoinHandle<()>,
    endpoint: quinn::Endpoint,
    http: JoinHandle<()>,
    quic: JoinHandle<()>,
}

/// Binds both listeners and starts serving on the current tokio runtime,
/// with `store` as the relay's storage.
pub async fn start_with<S: RelayStore>(
    config: Config,
    store: Arc<S>,
) -> Result<RunningRelay, StartError> {
    let identity = RelayIdentity::load_or_create(&config.data_dir)?;
    let metrics = Metrics::new();
    let revoked = store
        .devices()
        .await
        .map_err(|e| StartError::Storage(e.to_string()))?
        .into_iter()
        .filter(|d| d.revoked_ms.is_some())
        .map(|d| d.id);
    let devices = Devices::new(revoked);
    let webstore = crate::webstore::WebStore::open_in(&config.data_dir)
        .map_err(|e| StartError::Storage(format!("cannot open the web store: {e}")))?;
    let watcher = tokio::spawn(watch_revocations(
        store.clone(),
        devices.clone(),
        webstore.clone(),
    ));

    let endpoint =
        quic::bind(&identity, config.quic_addr, devices.clone()).map_err(|e| StartError::Quic {
            addr: config.quic_addr,
            message: e.to_string(),
        })?;
    let quic_addr = endpoint.local_addr().map_err(|e| StartError::Quic {
        addr: config.quic_addr,
        message: e.to_string(),
    })?;
    let listener = tokio::net::TcpListener::bind(config.http_addr)
        .await
        .map_err(|source| StartError::Http {
            addr: config.http_addr,
            source,
        })?;
    let http_addr = listener.local_addr().map_err(|source| StartError::Http {
        addr: config.http_addr,
        source,
    })?;

    let admin_listener = admin::bind(&config.data_dir).map_err(|e| {
        StartError::Storage(format!(
            "cannot open the admin socket in {}: {e}",
            config.data_dir.display()
        ))
    })?;
    let target = invite_target_at(&config, &identity, quic_addr)
        .map_err(|e| StartError::Storage(e.to_string()))?;
    let admin_task = tokio::spawn(admin::serve(admin_listener, store.clone(), target.clone()));
    let admin_ops: web::AdminOps = {
        let store = store.clone();
        Arc::new(move |request| {
            let (store, target) = (store.clone(), target.clone());
            Box::pin(async move { admin::perform(&*store, &target, request).await })
        })
    };
    let history = crate::metrics_history::History::default();
    let sampler = tokio::spawn(history.clone().sample(metrics.clone()));

    let portal = crate::portal::Portal::over(webstore.clone(), store.clone());

    let (stop, stopped) = watch::channel(false);
    let quic_ctx = Arc::new(QuicContext {
        practice: config.practice_name.clone(),
        relay_version: RELAY_VERSION.to_owned(),
        max_frame: config.max_frame_bytes,
        metrics: metrics.clone(),
        store: store.clone(),
        devices: devices.clone(),
        pairing_ttl: PAIRING_TTL,
        portal: portal.clone(),
    });
    let quic = tokio::spawn(quic::serve(endpoint.clone(), quic_ctx, stopped.clone()));

    let mut csrf_key = [0u8; 32];
    ring::rand::SecureRandom::fill(&ring::rand::SystemRandom::new(), &mut csrf_key)
        .map_err(|_| StartError::Storage("the system random source failed".into()))?;
    let web_state = Arc::new(WebState {
        practice: config.practice_name.clone(),
        relay_version: RELAY_VERSION.to_owned(),
        quic_addr: quic_addr.to_string(),
        fingerprint: identity.fingerprint().to_string(),
        metrics: metrics.clone(),
        store: webstore.clone(),
        clock: crate::clock::Clock::default(),
        accounts: web::account::AccountsState {
            csrf_key,
            public_url: config.public_base(http_addr),
            mailer: crate::account::mail::Mailer {
                smtp_url: config.smtp_url.clone(),
                from: config.mail_from.clone(),
                outbox: config.data_dir.join("outbox"),
            },
            limiter: Default::default(),
        },
        tz: config.timezone,
        history,
        started_ms: quic::now_ms(),
        storage_kind: if config.postgres_url.is_some() {
            "PostgreSQL".into()
        } else {
            "SQLite (SQLCipher)".into()
        },
        admin: admin_ops,
        portal: portal.clone(),
    });
    let web = web_state.clone();
    let mut http_stopped = stopped;
    let http = tokio::spawn(async move {
        let serve = axum::serve(
            listener,
            web::router(web_state).into_make_service_with_connect_info::<std::net::SocketAddr>(),
        )
        .with_graceful_shutdown(async move {
            let _ = http_stopped.wait_for(|s| *s).await;
        });
        if let Err(e) = serve.await {
            tracing::error!(error = %e, "HTTP server failed");
        }
    });

    tracing::info!(
        %http_addr, %quic_addr, fingerprint = %identity.fingerprint(),
        practice = %config.practice_name, "relay serving"
    );
    Ok(RunningRelay {
        http_addr,
        quic_addr,
        fingerprint: identity.fingerprint(),
        metrics,
        devices,
        web,
        portal,
        stop,
        watcher,
        admin: admin_task,
        sampler,
        endpoint,
        http,
        quic,
    })
}

impl RunningRelay {
    /// Stops accepting, tells connected devices the relay is going away,
    /// lets in-flight HTTP requests finish, and waits (at most a few seconds)
    /// for connections to close.
    pub async fn shutdown(self) {
        let _ = self.stop.send(true);
        self.watcher.abort();
        self.admin.abort();
        self.sampler.abort();
        self.endpoint.close(0u32.into(), b"relay shutting down");
        let _ = self.quic.await;
        let _ = tokio::time::timeout(Duration::from_secs(5), self.http).await;
        let _ = tokio::time::timeout(Duration::from_secs(2), self.endpoint.wait_idle()).await;
        tracing::info!("relay stopped");
    }
}
