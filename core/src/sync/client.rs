//! A device's QUIC connection to its relay.
//!
//! Each request runs on its own bidirectional stream: one frame out, one frame
//! back. The connection starts with `Hello`/`Welcome`.

use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use quinn::crypto::rustls::QuicClientConfig;

use super::pin::{CertFingerprint, PinnedVerifier};
use super::proto::{self, DEFAULT_MAX_FRAME, FrameError, Message};
use crate::{Code, HasCode};

/// ALPN protocol id of Bloom's sync protocol.
pub const ALPN: &[u8] = b"bloom/1";

/// The TLS server name devices ask for; the pin, not the name, is what is checked.
pub const SERVER_NAME: &str = "bloom-relay";

/// Where a relay is and which certificate it must present.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RelayTarget {
    /// `host:port` of the relay's QUIC endpoint.
    pub addr: String,
    pub fingerprint: CertFingerprint,
}

impl RelayTarget {
    /// Parses an address and a fingerprint as typed in settings or an invite.
    pub fn parse(addr: &str, fingerprint: &str) -> Result<Self, ClientError> {
        let addr = addr.trim();
        let valid_addr = addr
            .rsplit_once(':')
            .is_some_and(|(host, port)| !host.is_empty() && port.parse::<u16>().is_ok());
        if !valid_addr {
            return Err(ClientError::Config(
                "the relay address must be host:port".into(),
            ));
        }
        let fingerprint = fingerprint
            .parse()
            .map_err(|e: super::pin::BadFingerprint| ClientError::Config(e.to_string()))?;
        Ok(RelayTarget {
            addr: addr.to_owned(),
            fingerprint,
        })
    }
}

impl RelayTarget {
    /// Builds the target from optional settings: neither set means no relay
    /// (offline only); one without the other is a configuration error.
    pub fn from_settings(
        addr: Option<String>,
        fingerprint: Option<String>,
    ) -> Result<Option<Self>, ClientError> {
        match (addr, fingerprint) {
            (None, None) => Ok(None),
            (Some(addr), Some(fp)) => RelayTarget::parse(&addr, &fp).map(Some),
            (Some(_), None) => Err(ClientError::Config(
                "a relay address is set but no certificate fingerprint to pin".into(),
            )),
            (None, Some(_)) => Err(ClientError::Config(
                "a certificate fingerprint is set but no relay address".into(),
            )),
        }
    }
}

/// What the relay said about itself when the device connected.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Welcome {
    pub relay_version: String,
    pub practice: String,
    /// This device as the relay knows it; `None` when not enrolled.
    pub device: Option<super::log::DeviceInfo>,
}

#[derive(Debug, thiserror::Error)]
pub enum ClientError {
    #[error("invalid relay settings: {0}")]
    Config(String),
    #[error("relay unreachable: {0}")]
    Unreachable(String),
    #[error("the relay presented certificate {presented}, but {expected} is pinned")]
    PinMismatch {
        expected: CertFingerprint,
        presented: CertFingerprint,
    },
    #[error("the relay broke the protocol: {0}")]
    Protocol(String),
    #[error("the relay refused the request ({code}): {message}")]
    Refused { code: String, message: String },
    #[error("the relay has revoked this device")]
    Revoked,
    #[error(transparent)]
    Frame(#[from] FrameError),
}

/// Application close code the relay uses when it cuts a revoked device.
pub const CLOSE_REVOKED: u32 = 0x5245;

/// TLS alert `certificate_revoked` (RFC 8446), which the relay's handshake
/// sends to a revoked certificate; QUIC carries it as a crypto error.
const ALERT_CERTIFICATE_REVOKED: u8 = 44;

/// Names a lost connection, telling a revocation apart from a network fault.
pub fn connection_lost(e: quinn::ConnectionError) -> ClientError {
    match &e {
        quinn::ConnectionError::ApplicationClosed(close)
            if close.error_code == quinn::VarInt::from_u32(CLOSE_REVOKED) =>
        {
            ClientError::Revoked
        }
        quinn::ConnectionError::ConnectionClosed(close)
            if close.error_code == quinn::TransportErrorCode::crypto(ALERT_CERTIFICATE_REVOKED) =>
        {
            ClientError::Revoked
        }
        _ => ClientError::Unreachable(e.to_string()),
    }
}

impl HasCode for ClientError {
    fn code(&self) -> Code {
        match self {
            ClientError::Config(_) => Code::RelayConfig,
            ClientError::Unreachable(_) => Code::RelayUnreachable,
            ClientError::PinMismatch { .. } => Code::RelayPinMismatch,
            ClientError::Protocol(_) => Code::RelayProtocol,
            ClientError::Refused { .. } => Code::RelayRefused,
            ClientError::Revoked => Code::SyncDeviceRevoked,
            ClientError::Frame(e) => e.code(),
        }
    }
}

/// A device's TLS certificate and key, presented to the relay (mutual TLS).
#[derive(Clone)]
pub struct ClientIdentity {
    pub cert_der: Vec<u8>,
    /// PKCS#8 DER. Never printed.
    pub key_der: Vec<u8>,
}

impl std::fmt::Debug for ClientIdentity {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ClientIdentity")
            .field("cert", &super::pin::CertFingerprint::of_der(&self.cert_der))
            .finish_non_exhaustive()
    }
}

impl Drop for ClientIdentity {
    fn drop(&mut self) {
        // Best effort: the key should not linger in freed memory.
        self.key_der.iter_mut().for_each(|b| *b = 0);
    }
}

impl ClientIdentity {
    /// The device id the relay will see for this certificate.
    pub fn device_id(&self) -> super::log::DeviceId {
        super::pin::CertFingerprint::of_der(&self.cert_der).device_id()
    }
}

/// Timing knobs of a client connection, and the device certificate to show.
#[derive(Clone, Debug)]
pub struct ClientSettings {
    /// The device's certificate; `None` connects anonymously (health checks only).
    pub identity: Option<ClientIdentity>,
    /// Give up on a handshake after this long.
    pub connect_timeout: Duration,
    /// Declare the connection dead after this long without packets.
    pub idle_timeout: Duration,
    /// Send keep-alives this often so idle connections stay open.
    pub keep_alive: Duration,
}

impl Default for ClientSettings {
    fn default() -> Self {
        ClientSettings {
            identity: None,
            connect_timeout: Duration::from_secs(5),
            idle_timeout: Duration::from_secs(6),
            keep_alive: Duration::from_secs(2),
        }
    }
}

/// An open connection to the relay.
pub struct RelayClient {
    // Kept so the socket lives as long as the connection.
    _endpoint: quinn::Endpoint,
    conn: quinn::Connection,
    /// How long one request may wait for its answer.
    request_timeout: Duration,
    welcome: Welcome,
    next_nonce: AtomicU64,
}

impl RelayClient {
    /// Connects, checks the pinned certificate and exchanges `Hello`/`Welcome`.
    pub async fn connect(
        target: &RelayTarget,
        agent: &str,
        settings: &ClientSettings,
    ) -> Result<Self, ClientError> {
        let attempt = async {
            let addr = resolve(&target.addr).await?;
            let provider = Arc::new(rustls::crypto::ring::default_provider());
            let verifier = Arc::new(PinnedVerifier::new(target.fingerprint, provider.clone()));
            let endpoint = client_endpoint(addr, provider, verifier.clone(), settings)?;
            let connecting = endpoint
                .connect(addr, SERVER_NAME)
                .map_err(|e| ClientError::Unreachable(e.to_string()))?;
            let conn = match connecting.await {
                Ok(conn) => conn,
                Err(e) => {
                    return Err(match verifier.refused() {
                        Some(presented) => ClientError::PinMismatch {
                            expected: target.fingerprint,
                            presented,
                        },
                        None => connection_lost(e),
                    });
                }
            };
            let mut client = RelayClient {
                _endpoint: endpoint,
                conn,
                request_timeout: settings.idle_timeout,
                welcome: Welcome {
                    relay_version: String::new(),
                    practice: String::new(),
                    device: None,
                },
                next_nonce: AtomicU64::new(1),
            };
            let hello = Message::Hello {
                agent: agent.to_owned(),
            };
            match client.request(&hello).await? {
                Message::Welcome {
                    relay_version,
                    practice,
                    device,
                } => {
                    client.welcome = Welcome {
                        relay_version,
                        practice,
                        device,
                    };
                    Ok(client)
                }
                other => Err(unexpected(&other)),
            }
        };
        tokio::time::timeout(settings.connect_timeout, attempt)
            .await
            .map_err(|_| ClientError::Unreachable("timed out".into()))?
    }

    pub fn welcome(&self) -> &Welcome {
        &self.welcome
    }

    /// The underlying QUIC connection, for callers that speak raw streams.
    pub fn connection(&self) -> &quinn::Connection {
        &self.conn
    }

    /// Sends a ping and returns the round-trip time.
    pub async fn ping(&self) -> Result<Duration, ClientError> {
        let nonce = self.next_nonce.fetch_add(1, Ordering::Relaxed);
        let started = Instant::now();
        match self.request(&Message::Ping { nonce }).await? {
            Message::Pong { nonce: got } if got == nonce => Ok(started.elapsed()),
            Message::Pong { nonce: got } => Err(ClientError::Protocol(format!(
                "pong for nonce {got}, expected {nonce}"
            ))),
            other => Err(unexpected(&other)),
        }
    }

    /// Sends one message on a fresh stream and reads the one answer. A relay
    /// that keeps the connection alive but never answers is a timeout, not a hang.
    pub async fn request(&self, msg: &Message) -> Result<Message, ClientError> {
        let answer = tokio::time::timeout(self.request_timeout, self.exchange(msg))
            .await
            .map_err(|_| ClientError::Unreachable("the relay did not answer in time".into()))?;
        // A stream error on a closed connection is the connection's error (a
        // revoked certificate shows up here: QUIC finishes the handshake on
        // the client's side before the relay has judged the certificate).
        answer.map_err(|e| match (&e, self.conn.close_reason()) {
            (ClientError::Refused { .. }, _) | (_, None) => e,
            (_, Some(reason)) => connection_lost(reason),
        })
    }

    async fn exchange(&self, msg: &Message) -> Result<Message, ClientError> {
        let (mut send, mut recv) = self.conn.open_bi().await.map_err(lost)?;
        proto::write_frame(&mut send, msg, DEFAULT_MAX_FRAME).await?;
        send.finish()
            .map_err(|e| ClientError::Unreachable(e.to_string()))?;
        match proto::read_frame(&mut recv, DEFAULT_MAX_FRAME).await? {
            Some(Message::Error { code, message }) => Err(ClientError::Refused { code, message }),
            Some(answer) => Ok(answer),
            None => Err(ClientError::Protocol(
                "stream closed without an answer".into(),
            )),
        }
    }

    /// Resolves when the connection is closed, by either side or by timeout.
    pub async fn closed(&self) -> ClientError {
        lost(self.conn.closed().await)
    }

    /// Closes the connection politely.
    pub fn close(&self) {
        self.conn.close(0u32.into(), b"bye");
    }
}

fn lost(e: quinn::ConnectionError) -> ClientError {
    connection_lost(e)
}

fn unexpected(msg: &Message) -> ClientError {
    ClientError::Protocol(format!("unexpected {} message", msg.kind()))
}

async fn resolve(addr: &str) -> Result<SocketAddr, ClientError> {
    tokio::net::lookup_host(addr)
        .await
        .map_err(|e| ClientError::Unreachable(format!("cannot resolve {addr}: {e}")))?
        .next()
        .ok_or_else(|| ClientError::Unreachable(format!("{addr} resolves to nothing")))
}

fn client_endpoint(
    relay: SocketAddr,
    provider: Arc<rustls::crypto::CryptoProvider>,
    verifier: Arc<PinnedVerifier>,
    settings: &ClientSettings,
) -> Result<quinn::Endpoint, ClientError> {
    let internal = |e: &dyn std::fmt::Display| ClientError::Config(e.to_string());
    let builder = rustls::ClientConfig::builder_with_provider(provider)
        .with_protocol_versions(&[&rustls::version::TLS13])
        .map_err(|e| internal(&e))?
        .dangerous()
        .with_custom_certificate_verifier(verifier);
    let mut crypto = match &settings.identity {
        None => builder.with_no_client_auth(),
        Some(id) => builder
            .with_client_auth_cert(
                vec![rustls::pki_types::CertificateDer::from(id.cert_der.clone())],
                rustls::pki_types::PrivateKeyDer::Pkcs8(
                    rustls::pki_types::PrivatePkcs8KeyDer::from(id.key_der.clone()),
                ),
            )
            .map_err(|e| internal(&e))?,
    };
    crypto.alpn_protocols = vec![ALPN.to_vec()];
    let crypto = QuicClientConfig::try_from(crypto).map_err(|e| internal(&e))?;

    let mut transport = quinn::TransportConfig::default();
    transport.keep_alive_interval(Some(settings.keep_alive));
    transport.max_idle_timeout(Some(
        quinn::IdleTimeout::try_from(settings.idle_timeout).map_err(|e| internal(&e))?,
    ));
    let mut config = quinn::ClientConfig::new(Arc::new(crypto));
    config.transport_config(Arc::new(transport));

    let bind: SocketAddr = if relay.is_ipv6() {
        (std::net::Ipv6Addr::UNSPECIFIED, 0).into()
    } else {
        (std::net::Ipv4Addr::UNSPECIFIED, 0).into()
    };
    let mut endpoint = quinn::Endpoint::client(bind).map_err(|e| internal(&e))?;
    endpoint.set_default_client_config(config);
    Ok(endpoint)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn target_parsing_checks_address_and_fingerprint() {
        let fp = CertFingerprint::of_der(b"x").to_string();
        assert!(RelayTarget::parse("127.0.0.1:4433", &fp).is_ok());
        assert!(RelayTarget::parse("relay.example:4433", &fp).is_ok());
        assert!(RelayTarget::parse("[::1]:4433", &fp).is_ok());
        for bad in ["", "127.0.0.1", ":4433", "host:99999"] {
            let err = RelayTarget::parse(bad, &fp).unwrap_err();
            assert_eq!(err.code(), Code::RelayConfig, "{bad:?}");
        }
        let err = RelayTarget::parse("127.0.0.1:4433", "sha256:nope").unwrap_err();
        assert_eq!(err.code(), Code::RelayConfig);
    }

    #[test]
    fn settings_need_both_parts_or_neither() {
        let fp = CertFingerprint::of_der(b"x").to_string();
        assert_eq!(RelayTarget::from_settings(None, None).unwrap(), None);
        assert!(
            RelayTarget::from_settings(Some("127.0.0.1:1".into()), Some(fp.clone()))
                .unwrap()
                .is_some()
        );
        for (a, f) in [(Some("127.0.0.1:1".to_owned()), None), (None, Some(fp))] {
            let err = RelayTarget::from_settings(a, f).unwrap_err();
            assert_eq!(err.code(), Code::RelayConfig);
        }
    }
}
