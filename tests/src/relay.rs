//! A relay running inside the test process, on loopback ports.

use std::net::SocketAddr;
use std::path::Path;

use bloom_relay::{Config, RunningRelay};

pub const PRACTICE: &str = "Demo Practice";

pub fn config(data_dir: &Path) -> Config {
    Config {
        practice_name: PRACTICE.into(),
        data_dir: data_dir.to_owned(),
        http_addr: SocketAddr::from(([127, 0, 0, 1], 0)),
        quic_addr: SocketAddr::from(([127, 0, 0, 1], 0)),
        ..Config::default()
    }
}

pub async fn start(data_dir: &Path) -> RunningRelay {
    bloom_relay::start(config(data_dir))
        .await
        .unwrap_or_else(|e| panic!("relay failed to start: {e}"))
}

/// Starts again on the same ports and data (as after a restart).
pub async fn restart(data_dir: &Path, http: SocketAddr, quic: SocketAddr) -> RunningRelay {
    let config = Config {
        http_addr: http,
        quic_addr: quic,
        ..config(data_dir)
    };
    // The old socket may take a moment to be released.
    let mut tries = 0;
    loop {
        match bloom_relay::start(config.clone()).await {
            Ok(relay) => return relay,
            Err(e) if tries < 50 => {
                tries += 1;
                let _ = e;
                tokio::time::sleep(std::time::Duration::from_millis(100)).await;
            }
            Err(e) => panic!("relay failed to restart: {e}"),
        }
    }
}
