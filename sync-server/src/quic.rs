//! The QUIC sync endpoint. Each device request arrives on its own
//! bidirectional stream (one frame in, one frame out), except `Subscribe`,
//! whose stream then carries the device's log entries for as long as it stays
//! connected. A bad frame gets an `Error` frame on its stream and the
//! connection carries on.

use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU32, Ordering};
use std::time::Duration;

use bloom_core::HasCode;
use bloom_core::sync::client::ALPN;
use bloom_core::sync::log::{DeviceId, DeviceInfo};
use bloom_core::sync::proto::{self, Message};
use quinn::crypto::rustls::QuicServerConfig;
use tokio::sync::{RwLock, watch};

use crate::devices::{DeviceCertVerifier, Devices, peer_device};
use crate::identity::RelayIdentity;
use crate::metrics::Metrics;
use crate::store::RelayStore;
use crate::{enrollment, push, upload};

/// What every connection handler needs.
pub struct QuicContext<S> {
    pub practice: String,
    pub relay_version: String,
    pub max_frame: usize,
    pub metrics: Metrics,
    pub store: Arc<S>,
    pub devices: Arc<Devices>,
    /// How long a pairing token made by a device stays valid.
    pub pairing_ttl: Duration,
    /// The portal channel: publications in, sealed submissions out.
    pub portal: crate::portal::Portal,
}

/// Who is at the other end of a connection.
#[derive(Clone, Debug)]
pub enum Peer {
    /// No certificate: health checks (Hello, Ping) only.
    Anonymous,
    /// A certificate the relay does not know yet: it may enroll.
    Unenrolled(DeviceId),
    /// An enrolled device.
    Device(DeviceInfo),
}

/// What one connection remembers between its streams.
struct ConnState {
    peer: RwLock<Peer>,
    enroll_attempts: AtomicU32,
    subscribed: AtomicBool,
}

/// Enrollment attempts one connection may make before it is closed.
const MAX_ENROLL_ATTEMPTS: u32 = 5;

/// Streams a device may have open at once; more wait (backpressure).
const MAX_STREAMS: u32 = 32;

/// Binds the endpoint with the relay's certificate, asking devices for theirs.
pub fn bind(
    identity: &RelayIdentity,
    addr: SocketAddr,
    devices: Arc<Devices>,
) -> anyhow::Result<quinn::Endpoint> {
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let verifier = Arc::new(DeviceCertVerifier::new(devices, provider.clone()));
    let mut crypto = rustls::ServerConfig::builder_with_provider(provider)
        .with_protocol_versions(&[&rustls::version::TLS13])?
        .with_client_cert_verifier(verifier)
        .with_single_cert(vec![identity.cert_der()], identity.key_der())?;
    crypto.alpn_protocols = vec![ALPN.to_vec()];
    let crypto = QuicServerConfig::try_from(crypto)?;
    let mut config = quinn::ServerConfig::with_crypto(Arc::new(crypto));
    let mut transport = quinn::TransportConfig::default();
    transport.max_concurrent_bidi_streams(MAX_STREAMS.into());
    transport.max_concurrent_uni_streams(0u32.into());
    config.transport_config(Arc::new(transport));
    let socket = udp_socket(addr)?;
    let runtime = quinn::default_runtime()
        .ok_or_else(|| anyhow::anyhow!("no async runtime for the QUIC endpoint"))?;
    Ok(quinn::Endpoint::new(
        quinn::EndpointConfig::default(),
        Some(config),
        socket,
        runtime,
    )?)
}

/// The UDP socket, with a receive buffer large enough for thousands of
/// devices' keep-alives arriving at once (the kernel's default of ~208 KiB
/// dropped packets at 10,000 connections; see docs/benchmarks.md). The
/// kernel caps the request at `net.core.rmem_max`.
fn udp_socket(addr: SocketAddr) -> anyhow::Result<std::net::UdpSocket> {
    use socket2::{Domain, Protocol, Socket, Type};
    let socket = Socket::new(Domain::for_address(addr), Type::DGRAM, Some(Protocol::UDP))?;
    if addr.is_ipv6() {
        // Accept IPv4 too when bound to [::].
        let _ = socket.set_only_v6(false);
    }
    if let Err(e) = socket.set_recv_buffer_size(UDP_BUFFER) {
        tracing::warn!(error = %e, "cannot enlarge the UDP receive buffer");
    }
    if let Err(e) = socket.set_send_buffer_size(UDP_BUFFER) {
        tracing::warn!(error = %e, "cannot enlarge the UDP send buffer");
    }
    socket.bind(&addr.into())?;
    Ok(socket.into())
}

/// Requested UDP buffer sizes.
const UDP_BUFFER: usize = 8 * 1024 * 1024;

/// Accepts connections until `shutdown` turns true.
pub async fn serve<S: RelayStore>(
    endpoint: quinn::Endpoint,
    ctx: Arc<QuicContext<S>>,
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

async fn handle_connection<S: RelayStore>(conn: quinn::Connection, ctx: Arc<QuicContext<S>>) {
    ctx.metrics.connection_opened();
    let peer = match identify(&conn, &ctx).await {
        Some(peer) => peer,
        None => {
            ctx.metrics.connection_closed();
            return;
        }
    };
    let state = Arc::new(ConnState {
        peer: RwLock::new(peer),
        enroll_attempts: AtomicU32::new(0),
        subscribed: AtomicBool::new(false),
    });
    loop {
        match conn.accept_bi().await {
            Ok((send, recv)) => {
                let ctx = ctx.clone();
                let state = state.clone();
                let conn = conn.clone();
                tokio::spawn(async move { handle_stream(send, recv, &ctx, &state, &conn).await });
            }
            Err(e) => {
                tracing::debug!(reason = %e, "device disconnected");
                break;
            }
        }
    }
    if let Peer::Device(device) = &*state.peer.read().await {
        ctx.devices.unregister(&device.id, &conn);
    }
    ctx.metrics.connection_closed();
}

/// Works out who connected. Revoked devices never get here (the handshake
/// refuses them), but one revoked a moment ago is closed now.
async fn identify<S: RelayStore>(conn: &quinn::Connection, ctx: &QuicContext<S>) -> Option<Peer> {
    let Some(id) = peer_device(conn) else {
        return Some(Peer::Anonymous);
    };
    match ctx.store.device(&id).await {
        Ok(Some(device)) if device.revoked_ms.is_none() => {
            if !ctx.devices.register(&id, conn) {
                close_revoked(conn);
                return None;
            }
            let _ = ctx.store.touch(&id, now_ms()).await;
            Some(Peer::Device(device))
        }
        Ok(Some(_)) => {
            ctx.devices.revoke(&id);
            close_revoked(conn);
            None
        }
        Ok(None) => Some(Peer::Unenrolled(id)),
        Err(e) => {
            tracing::warn!(code = %e.code(), "cannot look up a connecting device");
            conn.close(0u32.into(), b"relay storage unavailable");
            None
        }
    }
}

fn close_revoked(conn: &quinn::Connection) {
    conn.close(
        quinn::VarInt::from_u32(bloom_core::sync::client::CLOSE_REVOKED),
        b"device revoked",
    );
}

async fn handle_stream<S: RelayStore>(
    mut send: quinn::SendStream,
    mut recv: quinn::RecvStream,
    ctx: &QuicContext<S>,
    state: &ConnState,
    conn: &quinn::Connection,
) {
    loop {
        let msg = match proto::read_frame(&mut recv, ctx.max_frame).await {
            Ok(None) => break,
            Ok(Some(msg)) => msg,
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
        ctx.metrics.frame(msg.kind());
        if let Message::Subscribe { since } = msg {
            let device = match &*state.peer.read().await {
                Peer::Device(device) => device.clone(),
                _ => {
                    let _ = proto::write_frame(&mut send, &not_enrolled(), ctx.max_frame).await;
                    let _ = send.finish();
                    return;
                }
            };
            // One subscription per connection: each holds a page in memory.
            if state.subscribed.swap(true, Ordering::AcqRel) {
                let refusal = Message::error(
                    bloom_core::Code::RelayProtocol,
                    "this connection already has a subscription",
                );
                let _ = proto::write_frame(&mut send, &refusal, ctx.max_frame).await;
                let _ = send.finish();
                return;
            }
            push::run(ctx, &device, since, send, recv, conn).await;
            state.subscribed.store(false, Ordering::Release);
            return;
        }
        let reply = answer(msg, ctx, state, conn).await;
        if let Message::Error { code, .. } = &reply
            && let Some(code) = bloom_core::Code::parse(code)
        {
            ctx.metrics.frame_error(code);
        }
        if proto::write_frame(&mut send, &reply, ctx.max_frame)
            .await
            .is_err()
        {
            return;
        }
    }
    let _ = send.finish();
}

async fn answer<S: RelayStore>(
    msg: Message,
    ctx: &QuicContext<S>,
    state: &ConnState,
    conn: &quinn::Connection,
) -> Message {
    let current = state.peer.read().await.clone();
    match (msg, current) {
        (Message::Hello { .. }, current) => Message::Welcome {
            relay_version: ctx.relay_version.clone(),
            practice: ctx.practice.clone(),
            device: match current {
                Peer::Device(device) => Some(device),
                _ => None,
            },
        },
        (Message::Ping { nonce }, _) => Message::Pong { nonce },
        (msg @ Message::Enroll { .. }, Peer::Unenrolled(id)) => {
            // Tokens are 128-bit, but there is no reason to let one
            // connection keep guessing.
            if state.enroll_attempts.fetch_add(1, Ordering::Relaxed) >= MAX_ENROLL_ATTEMPTS {
                conn.close(0u32.into(), b"too many enrollment attempts");
                return Message::error(bloom_core::Code::SyncInviteInvalid, "too many attempts");
            }
            match enrollment::enroll(ctx, &id, msg).await {
                Ok(device) => {
                    if !ctx.devices.register(&device.id, conn) {
                        return Message::error(bloom_core::Code::SyncDeviceRevoked, "revoked");
                    }
                    *state.peer.write().await = Peer::Device(device.clone());
                    Message::Enrolled { device }
                }
                Err(reply) => reply,
            }
        }
        (Message::Enroll { .. }, Peer::Device(_)) => Message::error(
            bloom_core::Code::RelayProtocol,
            "this device is already enrolled",
        ),
        (Message::Enroll { .. }, Peer::Anonymous) => Message::error(
            bloom_core::Code::RelayProtocol,
            "enrolling needs a device certificate",
        ),
        (Message::Pair, Peer::Device(device)) => enrollment::pair(ctx, &device).await,
        (Message::Devices, Peer::Device(_)) => match ctx.store.devices().await {
            Ok(devices) => Message::DeviceList { devices },
            Err(e) => Message::error(e.code(), "the relay's storage failed"),
        },
        (Message::Upload { blobs }, Peer::Device(device)) => {
            upload::handle(ctx, &device.id, blobs).await
        }
        (Message::Publish { items }, Peer::Device(device)) => {
            let kinds: Vec<&'static str> = items.iter().map(|p| p.kind()).collect();
            match ctx
                .portal
                .apply_publications(&device, items, now_ms())
                .await
            {
                Ok(count) => {
                    tracing::debug!(?kinds, "portal publications applied");
                    Message::Published { count }
                }
                Err(e) => portal_refusal(&e),
            }
        }
        (Message::FetchInbox, Peer::Device(device)) => {
            match ctx.portal.fetch_inbox(&device.id, now_ms()).await {
                Ok((items, more)) => Message::Inbox { items, more },
                Err(e) => portal_refusal(&e),
            }
        }
        (Message::AckInbox { ids }, Peer::Device(device)) => {
            match ctx.portal.ack_inbox(&device.id, ids).await {
                Ok(()) => Message::Acked,
                Err(e) => portal_refusal(&e),
            }
        }
        (
            Message::Pair
            | Message::Devices
            | Message::Upload { .. }
            | Message::Publish { .. }
            | Message::FetchInbox
            | Message::AckInbox { .. },
            _,
        ) => not_enrolled(),
        (other, _) => Message::error(
            bloom_core::Code::RelayProtocol,
            format!("a device may not send {}", other.kind()),
        ),
    }
}

/// The error frame for a refused portal request (the message names no person).
fn portal_refusal(e: &crate::portal::PortalError) -> Message {
    if e.code() == bloom_core::Code::Internal {
        tracing::warn!(code = %e.code(), "portal storage failed");
    }
    Message::error(e.code(), e.to_string())
}

fn not_enrolled() -> Message {
    Message::error(
        bloom_core::Code::SyncNotEnrolled,
        "enroll this device first",
    )
}

pub fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
        .unwrap_or(0)
}
