//! The QUIC sync endpoint. Each device request arrives on its own
//! bidirectional stream; a bad frame gets an `Error` frame on that stream and
//! the connection carries on.

use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use bloom_core::HasCode;
use bloom_core::sync::client::ALPN;
use bloom_core::sync::proto::{self, Message};
use quinn::crypto::rustls::QuicServerConfig;
use tokio::sync::watch;

use crate::identity::RelayIdentity;
use crate::metrics::Metrics;

/// What every connection handler needs.
pub struct QuicContext {
    pub practice: String,
    pub relay_version: String,
    pub max_frame: usize,
    pub metrics: Metrics,
}

/// Binds the endpoint with the relay's certificate.
pub fn bind(identity: &RelayIdentity, addr: SocketAddr) -> anyhow::Result<quinn::Endpoint> {
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let mut crypto = rustls::ServerConfig::builder_with_provider(provider)
        .with_protocol_versions(&[&rustls::version::TLS13])?
        .with_no_client_auth()
        .with_single_cert(vec![identity.cert_der()], identity.key_der())?;
    crypto.alpn_protocols = vec![ALPN.to_vec()];
    let crypto = QuicServerConfig::try_from(crypto)?;
    let config = quinn::ServerConfig::with_crypto(Arc::new(crypto));
    Ok(quinn::Endpoint::server(config, addr)?)
}

/// Accepts connections until `shutdown` turns true.
pub async fn serve(
    endpoint: quinn::Endpoint,
    ctx: Arc<QuicContext>,
    mut shutdown: watch::Receiver<bool>,
) {
    loop {
        let incoming = tokio::select! {
            incoming = endpoint.accept() => incoming,
            _ = shutdown.wait_for(|stop| *stop) => None,
        };
        let Some(incoming) = incoming else {
            break;
        };
        let ctx = ctx.clone();
        tokio::spawn(async move {
            match incoming.await {
                Ok(conn) => handle_connection(conn, ctx).await,
                Err(e) => tracing::debug!(error = %e, "handshake failed"),
            }
        });
    }
}

async fn handle_connection(conn: quinn::Connection, ctx: Arc<QuicContext>) {
    ctx.metrics.connection_opened();
    let peer = conn.remote_address();
    tracing::debug!(%peer, "device connected");
    let greeted = Arc::new(AtomicBool::new(false));
    loop {
        match conn.accept_bi().await {
            Ok((send, recv)) => {
                let ctx = ctx.clone();
                let greeted = greeted.clone();
                tokio::spawn(async move { handle_stream(send, recv, &ctx, &greeted).await });
            }
            Err(e) => {
                tracing::debug!(%peer, reason = %e, "device disconnected");
                break;
            }
        }
    }
    ctx.metrics.connection_closed();
}

async fn handle_stream(
    mut send: quinn::SendStream,
    mut recv: quinn::RecvStream,
    ctx: &QuicContext,
    greeted: &AtomicBool,
) {
    loop {
        let reply = match proto::read_frame(&mut recv, ctx.max_frame).await {
            Ok(None) => break,
            Ok(Some(msg)) => {
                ctx.metrics.frame(msg.kind());
                answer(msg, ctx, greeted)
            }
            Err(e) => {
                ctx.metrics.frame_error(e.code());
                tracing::debug!(code = %e.code(), "refused a frame");
                if matches!(e, proto::FrameError::Io(_)) {
                    return;
                }
                // Tell the device why, then drop the rest of this stream: after
                // a bad frame its boundaries can no longer be trusted.
                let _ = proto::write_frame(&mut send, &e.to_message(), ctx.max_frame).await;
                let _ = send.finish();
                let _ = recv.stop(0u32.into());
                return;
            }
        };
        if proto::write_frame(&mut send, &reply, ctx.max_frame)
            .await
            .is_err()
        {
            return;
        }
    }
    let _ = send.finish();
}

fn answer(msg: Message, ctx: &QuicContext, greeted: &AtomicBool) -> Message {
    match msg {
        Message::Hello { .. } => {
            greeted.store(true, Ordering::Release);
            Message::Welcome {
                relay_version: ctx.relay_version.clone(),
                practice: ctx.practice.clone(),
                device: None,
            }
        }
        Message::Ping { nonce } if greeted.load(Ordering::Acquire) => Message::Pong { nonce },
        Message::Ping { .. } => protocol_error("send Hello first"),
        other => protocol_error(&format!("a device may not send {}", other.kind())),
    }
}

fn protocol_error(message: &str) -> Message {
    Message::Error {
        code: bloom_core::Code::RelayProtocol.as_str().to_owned(),
        message: message.to_owned(),
    }
}
