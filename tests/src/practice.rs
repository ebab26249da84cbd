//! A practice in one test process: an in-process relay with its real storage
//! and devices that are real vaults running the real sync engine over QUIC
//! on loopback — the way Zed's collab tests run a server and several clients.

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use bloom_core::replica::{self, DeviceKeys, Enrollment};
use bloom_core::sync::client::ClientIdentity;
use bloom_core::sync::engine::{self, EngineSettings, SyncHandle};
use bloom_core::sync::enroll;
use bloom_core::sync::invite::Invite;
use bloom_core::sync::status::RelayStatus;
use bloom_core::vault::{KdfParams, NoKeychain, Passphrase, Vault};
use bloom_relay::RunningRelay;
use bloom_relay::admin::{self, Reply, Request};

pub const MEMBER: &str = "dr-rivera";
const AGENT: &str = "bloom-e2e";

/// The relay of the practice, restartable on the same ports and data.
pub struct Practice {
    pub data_dir: PathBuf,
    pub relay: Option<RunningRelay>,
    addrs: (std::net::SocketAddr, std::net::SocketAddr),
}

impl Practice {
    pub async fn start(data_dir: &Path) -> Practice {
        let relay = crate::relay::start(data_dir).await;
        Practice {
            data_dir: data_dir.to_owned(),
            addrs: (relay.http_addr, relay.quic_addr),
            relay: Some(relay),
        }
    }

    /// An admin invite for the practice's member, as `bloom-relay invite` makes it.
    pub async fn invite(&self) -> String {
        match self
            .admin(Request::Invite {
                member: MEMBER.into(),
                hours: 1,
            })
            .await
        {
            Reply::Invite { text, .. } => text,
            other => panic!("invite failed: {other:?}"),
        }
    }

    /// Revokes a device through the admin socket, as `bloom-relay revoke` does.
    pub async fn revoke(&self, device: &Device) -> usize {
        match self
            .admin(Request::Revoke {
                device: device.id().0,
            })
            .await
        {
            Reply::Revoked { documents, .. } => documents,
            other => panic!("revoke failed: {other:?}"),
        }
    }

    pub async fn admin(&self, request: Request) -> Reply {
        admin::ask_running(&self.data_dir, &request)
            .await
            .unwrap_or_else(|e| panic!("admin socket: {e}"))
            .unwrap_or_else(|| panic!("no relay is listening on the admin socket"))
    }

    /// Stops the relay (gracefully, or as abruptly as in-process allows).
    pub async fn stop(&mut self) {
        if let Some(relay) = self.relay.take() {
            relay.shutdown().await;
        }
    }

    /// Starts it again on the same ports and data.
    pub async fn restart(&mut self) {
        let (http, quic) = self.addrs;
        self.stop().await;
        self.relay = Some(crate::relay::restart(&self.data_dir, http, quic).await);
    }
}

/// Key derivation cheap enough for tests.
pub fn quick_kdf() -> KdfParams {
    KdfParams {
        memory_kib: 1024,
        iterations: 1,
        parallelism: 1,
    }
}

/// A device: its own vault, keys and sync engine.
pub struct Device {
    pub name: String,
    pub vault: Arc<Mutex<Vault>>,
    sync: Option<SyncHandle>,
    _dir: PathBuf,
}

impl Device {
    pub fn new(root: &Path, name: &str) -> Device {
        let dir = root.join(name);
        let pass = Passphrase::new("violet tram coffee lantern");
        let (mut vault, _) = Vault::create(&dir, name, &pass, &NoKeychain, quick_kdf())
            .unwrap_or_else(|e| panic!("vault for {name}: {e}"));
        DeviceKeys::load_or_create(&mut vault).unwrap_or_else(|e| panic!("keys: {e}"));
        Device {
            name: name.to_owned(),
            vault: Arc::new(Mutex::new(vault)),
            sync: None,
            _dir: dir,
        }
    }

    /// Runs `f` on the device's vault.
    pub fn with<T>(&self, f: impl FnOnce(&mut Vault) -> T) -> T {
        let mut vault = self.vault.lock().unwrap_or_else(|p| p.into_inner());
        f(&mut vault)
    }

    fn keys(&self) -> DeviceKeys {
        self.with(|v| DeviceKeys::load(v))
            .unwrap_or_else(|e| panic!("keys: {e}"))
            .unwrap_or_else(|| panic!("no keys"))
    }

    pub fn id(&self) -> bloom_core::sync::log::DeviceId {
        self.keys().device_id()
    }

    pub fn identity(&self) -> ClientIdentity {
        let keys = self.keys();
        ClientIdentity {
            cert_der: keys.cert_der().to_vec(),
            key_der: keys.tls_key_pkcs8().to_vec(),
        }
    }

    /// Enrolls with an invite or pairing code, then starts syncing.
    pub async fn enroll(&mut self, code: &str) {
        let invite: Invite = code.parse().unwrap_or_else(|e| panic!("{e}"));
        let keys = self.keys();
        let enrolled = enroll::enroll(
            &invite,
            self.identity(),
            &keys.age_recipient(),
            &self.name,
            AGENT,
        )
        .await
        .unwrap_or_else(|e| panic!("{} could not enroll: {e}", self.name));
        self.with(|v| {
            replica::save_enrollment(
                v,
                &Enrollment {
                    relay: invite.relay.clone(),
                    practice: enrolled.practice.clone(),
                    device: enrolled.device.clone(),
                },
            )?;
            replica::set_devices(v, &enrolled.devices)
        })
        .unwrap_or_else(|e| panic!("saving the enrollment: {e}"));
        self.start_sync();
    }

    /// Starts (or restarts) the sync engine.
    pub fn start_sync(&mut self) {
        self.stop_sync();
        let enrollment = self
            .with(|v| replica::enrollment(v))
            .unwrap_or_else(|e| panic!("{e}"))
            .unwrap_or_else(|| panic!("{} is not enrolled", self.name));
        let settings = EngineSettings {
            ping_interval: Duration::from_millis(200),
            min_backoff: Duration::from_millis(50),
            max_backoff: Duration::from_millis(500),
            ..EngineSettings::default()
        };
        let (handle, driver) = engine::start(
            enrollment.relay,
            self.identity(),
            AGENT,
            self.vault.clone(),
            settings,
        );
        tokio::spawn(driver);
        self.sync = Some(handle);
    }

    pub fn stop_sync(&mut self) {
        if let Some(handle) = self.sync.take() {
            handle.stop();
        }
    }

    pub fn status(&self) -> RelayStatus {
        self.sync
            .as_ref()
            .map(|s| s.status())
            .unwrap_or(RelayStatus::NotConfigured)
    }

    /// Says local changes wait (as the app does after each save).
    pub fn nudge(&self) {
        if let Some(s) = &self.sync {
            s.nudge();
        }
    }

    /// Makes a pairing code for another device of the same member.
    pub async fn pairing_code(&self) -> String {
        let enrollment = self
            .with(|v| replica::enrollment(v))
            .unwrap_or_else(|e| panic!("{e}"))
            .unwrap_or_else(|| panic!("not enrolled"));
        let invite = enroll::pairing_code(&enrollment.relay, self.identity(), AGENT)
            .await
            .unwrap_or_else(|e| panic!("pairing code: {e}"));
        let secret = invite.pairing_secret.unwrap_or_else(|| panic!("no secret"));
        self.with(|v| replica::remember_pairing(v, &invite.token, &secret, invite.expires_ms))
            .unwrap_or_else(|e| panic!("{e}"));
        invite.to_text()
    }

    /// Waits (up to 20 s) until `check` on the vault holds.
    pub async fn wait_until<T>(&self, what: &str, check: impl Fn(&mut Vault) -> Option<T>) -> T {
        let deadline = tokio::time::Instant::now() + Duration::from_secs(20);
        loop {
            if let Some(found) = self.with(&check) {
                return found;
            }
            if tokio::time::Instant::now() > deadline {
                panic!(
                    "{}: timed out waiting for {what} (status {:?})",
                    self.name,
                    self.status()
                );
            }
            tokio::time::sleep(Duration::from_millis(25)).await;
        }
    }

    /// Waits until the status satisfies `pred`.
    pub async fn wait_status(
        &self,
        what: &str,
        pred: impl Fn(&RelayStatus) -> bool,
    ) -> RelayStatus {
        let handle = self.sync.as_ref().unwrap_or_else(|| panic!("not syncing"));
        tokio::time::timeout(Duration::from_secs(20), handle.wait_for(pred))
            .await
            .unwrap_or_else(|_| {
                panic!(
                    "{}: timed out waiting for {what} (status {:?})",
                    self.name,
                    self.status()
                )
            })
    }
}

impl Drop for Device {
    fn drop(&mut self) {
        self.stop_sync();
    }
}

/// The relay binary built next to this test (`target/<profile>/bloom-relay`).
pub fn relay_binary() -> PathBuf {
    let exe = std::env::current_exe().unwrap_or_default();
    exe.parent()
        .and_then(Path::parent)
        .map(|p| p.join("bloom-relay"))
        .unwrap_or_default()
}

/// The relay as its own process (so a test can kill -9 it), on fixed ports.
pub struct RelayProcess {
    pub data_dir: PathBuf,
    http: u16,
    quic: u16,
    process: Option<crate::process::Process>,
}

impl RelayProcess {
    pub async fn start(data_dir: &Path) -> RelayProcess {
        let mut relay = RelayProcess {
            data_dir: data_dir.to_owned(),
            http: crate::process::free_port(),
            quic: crate::process::free_udp_port(),
            process: None,
        };
        relay.spawn().await;
        relay
    }

    async fn spawn(&mut self) {
        let mut command = std::process::Command::new(relay_binary());
        command
            .arg("serve")
            .env("BLOOM_RELAY_DATA_DIR", &self.data_dir)
            .env("BLOOM_RELAY_HTTP_ADDR", format!("127.0.0.1:{}", self.http))
            .env("BLOOM_RELAY_QUIC_ADDR", format!("127.0.0.1:{}", self.quic))
            .env("BLOOM_RELAY_PRACTICE_NAME", crate::relay::PRACTICE)
            .env("RUST_LOG", "warn");
        let process = crate::process::Process::spawn("bloom-relay", &mut command)
            .unwrap_or_else(|e| panic!("{e}"));
        self.process = Some(process);
        let data_dir = self.data_dir.clone();
        crate::process::wait_until("the relay's admin socket", Duration::from_secs(30), || {
            let data_dir = data_dir.clone();
            async move {
                admin::ask_running(&data_dir, &Request::Devices)
                    .await
                    .ok()
                    .flatten()
            }
        })
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    }

    /// Where its HTTP side listens.
    pub fn http_addr(&self) -> std::net::SocketAddr {
        std::net::SocketAddr::from(([127, 0, 0, 1], self.http))
    }

    /// SIGKILL, then start again on the same ports and data.
    pub async fn kill_and_restart(&mut self) {
        if let Some(mut p) = self.process.take() {
            p.kill();
        }
        self.spawn().await;
    }

    pub fn stop(&mut self) {
        if let Some(mut p) = self.process.take() {
            p.stop();
        }
    }

    pub async fn invite(&self) -> String {
        match admin::ask_running(
            &self.data_dir,
            &Request::Invite {
                member: MEMBER.into(),
                hours: 1,
            },
        )
        .await
        {
            Ok(Some(Reply::Invite { text, .. })) => text,
            other => panic!("invite failed: {other:?}"),
        }
    }
}
