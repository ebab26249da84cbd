//! The relay's administration: invites, the device list and revocation.
//!
//! The `bloom-relay invite|devices|revoke` commands talk to a running relay
//! through a Unix socket in its data directory (mode 0600, so only the
//! relay's own user can use it); the relay then does the work itself, so a
//! revocation cuts the device's connections at once. With no relay running,
//! the commands open the storage directly.

use std::path::{Path, PathBuf};
use std::time::Duration;

use bloom_core::sync::client::RelayTarget;
use bloom_core::sync::invite::Invite;
use bloom_core::sync::log::{DeviceId, DeviceInfo};
use serde::{Deserialize, Serialize};
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::{UnixListener, UnixStream};

use crate::enrollment::new_token;
use crate::store::{InviteKind, NewInvite, RelayStore};

/// The socket's file name inside the data directory.
pub const SOCKET: &str = "admin.sock";

/// One administrative request (one JSON line).
#[derive(Debug, Serialize, Deserialize)]
pub enum Request {
    Invite { member: String, hours: u32 },
    Devices,
    Revoke { device: String },
}

/// The answer (one JSON line).
#[derive(Debug, Serialize, Deserialize)]
pub enum Reply {
    Invite { text: String, expires_ms: i64 },
    Devices { devices: Vec<DeviceRow> },
    Revoked { device: String, documents: usize },
    Failed { message: String },
}

/// A device as the admin sees it.
#[derive(Debug, Serialize, Deserialize)]
pub struct DeviceRow {
    pub id: String,
    pub member: String,
    pub name: String,
    pub enrolled_ms: i64,
    pub revoked_ms: Option<i64>,
    pub last_seen_ms: Option<i64>,
}

/// Where invites point devices.
#[derive(Debug, Clone)]
pub struct InviteTarget {
    pub relay: RelayTarget,
}

/// Does one request against the store.
pub async fn perform<S: RelayStore>(store: &S, target: &InviteTarget, request: Request) -> Reply {
    match run(store, target, request).await {
        Ok(reply) => reply,
        Err(e) => Reply::Failed {
            message: e.to_string(),
        },
    }
}

async fn run<S: RelayStore>(
    store: &S,
    target: &InviteTarget,
    request: Request,
) -> anyhow::Result<Reply> {
    let now = crate::quic::now_ms();
    match request {
        Request::Invite { member, hours } => {
            let member = member.trim().to_owned();
            anyhow::ensure!(
                !member.is_empty() && member.len() <= 100 && !member.chars().any(char::is_control),
                "a member name is 1 to 100 printable characters"
            );
            anyhow::ensure!(
                (1..=24 * 30).contains(&hours),
                "an invite lasts 1 hour to 30 days"
            );
            let (token, token_hash) = new_token()?;
            let expires_ms = now + i64::from(hours) * 3_600_000;
            store
                .create_invite(NewInvite {
                    token_hash,
                    member,
                    kind: InviteKind::Admin,
                    expires_ms,
                    created_ms: now,
                })
                .await?;
            let invite = Invite {
                relay: target.relay.clone(),
                token,
                expires_ms,
                pairing_secret: None,
            };
            Ok(Reply::Invite {
                text: invite.to_text(),
                expires_ms,
            })
        }
        Request::Devices => {
            let seen = store.last_seen().await?;
            let devices = store
                .devices()
                .await?
                .into_iter()
                .map(|d: DeviceInfo| DeviceRow {
                    last_seen_ms: seen.iter().find(|(id, _)| *id == d.id).map(|(_, t)| *t),
                    id: d.id.0,
                    member: d.member,
                    name: d.name,
                    enrolled_ms: d.enrolled_ms,
                    revoked_ms: d.revoked_ms,
                })
                .collect();
            Ok(Reply::Devices { devices })
        }
        Request::Revoke { device } => {
            let id = DeviceId(device.trim().to_ascii_lowercase());
            anyhow::ensure!(id.is_well_formed(), "a device id is 32 hex digits");
            let docs = store.revoke(&id, now).await?;
            tracing::info!(device = %id, documents = docs.len(), "device revoked");
            Ok(Reply::Revoked {
                device: id.0,
                documents: docs.len(),
            })
        }
    }
}

/// Serves the admin socket until the task is dropped.
pub async fn serve<S: RelayStore>(
    listener: UnixListener,
    store: std::sync::Arc<S>,
    target: InviteTarget,
) {
    loop {
        let stream = match listener.accept().await {
            Ok((stream, _)) => stream,
            Err(e) => {
                // Out of file descriptors, say: wait rather than spin.
                tracing::warn!(error = %e, "admin socket accept failed");
                tokio::time::sleep(Duration::from_millis(200)).await;
                continue;
            }
        };
        let store = store.clone();
        let target = target.clone();
        tokio::spawn(async move {
            let (read, mut write) = stream.into_split();
            let mut line = String::new();
            // A request is one short line; cap what a client may send.
            let mut reader = BufReader::new(tokio::io::AsyncReadExt::take(read, 64 * 1024));
            let reply = match reader.read_line(&mut line).await {
                Ok(_) => match serde_json::from_str::<Request>(&line) {
                    Ok(request) => perform(&*store, &target, request).await,
                    Err(e) => Reply::Failed {
                        message: format!("not a request: {e}"),
                    },
                },
                Err(e) => Reply::Failed {
                    message: e.to_string(),
                },
            };
            if let Ok(mut text) = serde_json::to_string(&reply) {
                text.push('\n');
                let _ = write.write_all(text.as_bytes()).await;
            }
        });
    }
}

/// Binds the admin socket in `data_dir`, replacing a stale one.
pub fn bind(data_dir: &Path) -> std::io::Result<UnixListener> {
    use std::os::unix::fs::PermissionsExt;
    let path = socket_path(data_dir);
    if path.exists() {
        std::fs::remove_file(&path)?;
    }
    let listener = UnixListener::bind(&path)?;
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600))?;
    Ok(listener)
}

pub fn socket_path(data_dir: &Path) -> PathBuf {
    data_dir.join(SOCKET)
}

/// Sends a request to the running relay; `None` when none is listening.
pub async fn ask_running(data_dir: &Path, request: &Request) -> anyhow::Result<Option<Reply>> {
    let Ok(stream) = UnixStream::connect(socket_path(data_dir)).await else {
        return Ok(None);
    };
    let (read, mut write) = stream.into_split();
    let mut text = serde_json::to_string(request)?;
    text.push('\n');
    write.write_all(text.as_bytes()).await?;
    let mut line = String::new();
    let mut reader = BufReader::new(read);
    tokio::time::timeout(Duration::from_secs(30), reader.read_line(&mut line)).await??;
    Ok(Some(serde_json::from_str(&line)?))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::{NewDevice, Quotas, SqliteStore};

    fn target() -> InviteTarget {
        InviteTarget {
            relay: RelayTarget::parse("relay.example:4433", &format!("sha256:{}", "cd".repeat(32)))
                .unwrap(),
        }
    }

    #[tokio::test]
    async fn an_invite_enrolls_once_and_revocation_shows_in_the_list() {
        let store = SqliteStore::open_in_memory(Quotas::default()).unwrap();
        let text = match perform(
            &store,
            &target(),
            Request::Invite {
                member: " dr-rivera ".into(),
                hours: 2,
            },
        )
        .await
        {
            Reply::Invite { text, .. } => text,
            other => panic!("{other:?}"),
        };
        let invite: Invite = text.parse().unwrap();
        assert_eq!(invite.relay, target().relay);
        assert!(invite.pairing_secret.is_none());

        let id = DeviceId("0123456789abcdef0123456789abcdef".into());
        let device = NewDevice {
            id: id.clone(),
            name: "laptop".into(),
            age_recipient: format!("age1{}", "q".repeat(58)),
            pairing_proof: None,
        };
        let hash = crate::enrollment::token_hash(&invite.token);
        let enrolled = store
            .enroll(hash, device.clone(), crate::quic::now_ms())
            .await
            .unwrap();
        assert_eq!(enrolled.member, "dr-rivera");
        assert!(
            store
                .enroll(hash, device, crate::quic::now_ms())
                .await
                .is_err()
        );

        match perform(
            &store,
            &target(),
            Request::Revoke {
                device: id.0.to_uppercase(),
            },
        )
        .await
        {
            Reply::Revoked { device, .. } => assert_eq!(device, id.0),
            other => panic!("{other:?}"),
        }
        match perform(&store, &target(), Request::Devices).await {
            Reply::Devices { devices } => {
                assert_eq!(devices.len(), 1);
                assert!(devices[0].revoked_ms.is_some());
            }
            other => panic!("{other:?}"),
        }
    }

    #[tokio::test]
    async fn bad_requests_fail_with_a_reason_and_change_nothing() {
        let store = SqliteStore::open_in_memory(Quotas::default()).unwrap();
        for request in [
            Request::Invite {
                member: "".into(),
                hours: 1,
            },
            Request::Invite {
                member: "a\nb".into(),
                hours: 1,
            },
            Request::Invite {
                member: "ok".into(),
                hours: 0,
            },
            Request::Invite {
                member: "ok".into(),
                hours: 24 * 365,
            },
            Request::Revoke {
                device: "not-hex".into(),
            },
            Request::Revoke {
                device: "0123456789abcdef0123456789abcdef".into(),
            },
        ] {
            let reply = perform(&store, &target(), request).await;
            assert!(matches!(reply, Reply::Failed { .. }), "{reply:?}");
        }
        assert_eq!(store.head().await.unwrap(), 0);
    }

    #[tokio::test]
    async fn the_socket_answers_one_json_line_and_refuses_garbage() {
        let dir = tempfile::tempdir().unwrap();
        let listener = bind(dir.path()).unwrap();
        let store = std::sync::Arc::new(SqliteStore::open_in_memory(Quotas::default()).unwrap());
        let task = tokio::spawn(serve(listener, store, target()));
        let mode = std::fs::metadata(socket_path(dir.path())).unwrap();
        use std::os::unix::fs::PermissionsExt;
        assert_eq!(mode.permissions().mode() & 0o077, 0);

        let reply = ask_running(dir.path(), &Request::Devices).await.unwrap();
        assert!(matches!(reply, Some(Reply::Devices { devices }) if devices.is_empty()));

        let mut stream = UnixStream::connect(socket_path(dir.path())).await.unwrap();
        stream.write_all(b"{not json}\n").await.unwrap();
        let mut line = String::new();
        BufReader::new(stream).read_line(&mut line).await.unwrap();
        assert!(line.contains("Failed"), "{line}");
        task.abort();

        let nobody = tempfile::tempdir().unwrap();
        assert!(
            ask_running(nobody.path(), &Request::Devices)
                .await
                .unwrap()
                .is_none()
        );
    }
}
