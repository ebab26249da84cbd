//! Starting and stopping the whole relay.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use bloom_core::sync::pin::CertFingerprint;
use tokio::sync::watch;
use tokio::task::JoinHandle;

use crate::config::Config;
use crate::identity::{IdentityError, RelayIdentity};
use crate::metrics::Metrics;
use crate::quic::{self, QuicContext};
use crate::web::{self, WebState};

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
}

/// A relay that is serving. Call [`RunningRelay::shutdown`] to stop it.
pub struct RunningRelay {
    pub http_addr: SocketAddr,
    pub quic_addr: SocketAddr,
    pub fingerprint: CertFingerprint,
    pub metrics: Metrics,
    stop: watch::Sender<bool>,
    endpoint: quinn::Endpoint,
    http: JoinHandle<()>,
    quic: JoinHandle<()>,
}

/// Binds both listeners and starts serving on the current tokio runtime.
pub async fn start(config: Config) -> Result<RunningRelay, StartError> {
    let identity = RelayIdentity::load_or_create(&config.data_dir)?;
    let metrics = Metrics::new();

    let endpoint = quic::bind(&identity, config.quic_addr).map_err(|e| StartError::Quic {
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

    let (stop, stopped) = watch::channel(false);
    let quic_ctx = Arc::new(QuicContext {
        practice: config.practice_name.clone(),
        relay_version: RELAY_VERSION.to_owned(),
        max_frame: config.max_frame_bytes,
        metrics: metrics.clone(),
    });
    let quic = tokio::spawn(quic::serve(endpoint.clone(), quic_ctx, stopped.clone()));

    let web_state = Arc::new(WebState {
        practice: config.practice_name.clone(),
        relay_version: RELAY_VERSION.to_owned(),
        quic_addr: quic_addr.to_string(),
        fingerprint: identity.fingerprint().to_string(),
        metrics: metrics.clone(),
    });
    let mut http_stopped = stopped;
    let http = tokio::spawn(async move {
        let serve =
            axum::serve(listener, web::router(web_state)).with_graceful_shutdown(async move {
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
        stop,
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
        self.endpoint.close(0u32.into(), b"relay shutting down");
        let _ = self.quic.await;
        let _ = tokio::time::timeout(Duration::from_secs(5), self.http).await;
        let _ = tokio::time::timeout(Duration::from_secs(2), self.endpoint.wait_idle()).await;
        tracing::info!("relay stopped");
    }
}
