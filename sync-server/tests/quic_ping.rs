//! The relay in-process, spoken to over real QUIC by the device client.

use std::time::Duration;

use bloom_core::sync::client::{ClientError, ClientSettings, RelayClient, RelayTarget};
use bloom_core::sync::link::{LinkSettings, RelayLink};
use bloom_core::sync::pin::CertFingerprint;
use bloom_core::sync::proto::{self, Message};
use bloom_core::sync::status::RelayStatus;
use bloom_core::{Code, HasCode};
use bloom_relay::Config;

fn config(dir: &std::path::Path) -> Config {
    Config {
        practice_name: "Test Practice".into(),
        data_dir: dir.to_owned(),
        http_addr: std::net::SocketAddr::from(([127, 0, 0, 1], 0)),
        quic_addr: std::net::SocketAddr::from(([127, 0, 0, 1], 0)),
        ..Config::default()
    }
}

fn target(relay: &bloom_relay::RunningRelay) -> RelayTarget {
    RelayTarget {
        addr: relay.quic_addr.to_string(),
        fingerprint: relay.fingerprint,
    }
}

#[tokio::test]
async fn device_says_hello_and_pings_the_relay() {
    let dir = tempfile::tempdir().unwrap();
    let relay = bloom_relay::start(config(dir.path())).await.unwrap();

    let client = RelayClient::connect(&target(&relay), "test-device", &ClientSettings::default())
        .await
        .unwrap();
    assert_eq!(client.welcome().practice, "Test Practice");
    assert_eq!(client.welcome().relay_version, env!("CARGO_PKG_VERSION"));
    for _ in 0..3 {
        client.ping().await.unwrap();
    }
    let metrics = relay.metrics.render();
    assert!(
        metrics.contains(r#"bloom_relay_frames_total{kind="ping"} 3"#),
        "{metrics}"
    );

    client.close();
    relay.shutdown().await;
}

#[tokio::test]
async fn a_wrong_pin_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let relay = bloom_relay::start(config(dir.path())).await.unwrap();
    let wrong = CertFingerprint::of_der(b"some other certificate");
    let target = RelayTarget {
        addr: relay.quic_addr.to_string(),
        fingerprint: wrong,
    };

    let err = RelayClient::connect(&target, "test-device", &ClientSettings::default())
        .await
        .err()
        .expect("connecting with a wrong pin must fail");
    assert_eq!(err.code(), Code::RelayPinMismatch, "{err}");
    assert!(
        err.to_string().contains(&relay.fingerprint.to_string()),
        "{err}"
    );
    relay.shutdown().await;
}

#[tokio::test]
async fn the_certificate_survives_a_restart_so_pins_stay_valid() {
    let dir = tempfile::tempdir().unwrap();
    let first = bloom_relay::start(config(dir.path())).await.unwrap();
    let pin = first.fingerprint;
    first.shutdown().await;
    let second = bloom_relay::start(config(dir.path())).await.unwrap();
    assert_eq!(second.fingerprint, pin);
    second.shutdown().await;
}

#[tokio::test]
async fn garbage_frames_get_typed_errors_and_the_connection_survives() {
    let dir = tempfile::tempdir().unwrap();
    let relay = bloom_relay::start(config(dir.path())).await.unwrap();
    let client = RelayClient::connect(&target(&relay), "test-device", &ClientSettings::default())
        .await
        .unwrap();

    let cases: Vec<(Vec<u8>, Code)> = vec![
        (vec![0xff, 0xff, 0xff, 0xff], Code::FrameOversized),
        (vec![0, 0, 0, 0], Code::FrameEmpty),
        (vec![0, 0, 0, 2, 9, 0], Code::FrameVersion),
        (
            vec![0, 0, 0, 3, proto::WIRE_VERSION, 250, 1],
            Code::FrameMalformed,
        ),
        (vec![0, 0, 0, 9, proto::WIRE_VERSION], Code::FrameTruncated),
    ];
    for (bytes, expected) in cases {
        let (mut send, mut recv) = client.connection().open_bi().await.unwrap();
        send.write_all(&bytes).await.unwrap();
        send.finish().unwrap();
        let answer = proto::read_frame(&mut recv, proto::DEFAULT_MAX_FRAME)
            .await
            .unwrap();
        match answer {
            Some(Message::Error { code, .. }) => assert_eq!(code, expected.as_str()),
            other => panic!("expected an error frame for {expected}, got {other:?}"),
        }
    }
    // The same connection still works.
    client.ping().await.unwrap();
    let metrics = relay.metrics.render();
    assert!(metrics.contains(r#"code="frame.oversized""#), "{metrics}");
    relay.shutdown().await;
}

#[tokio::test]
async fn messages_only_the_relay_sends_are_refused_by_it() {
    let dir = tempfile::tempdir().unwrap();
    let relay = bloom_relay::start(config(dir.path())).await.unwrap();
    let client = RelayClient::connect(&target(&relay), "test-device", &ClientSettings::default())
        .await
        .unwrap();
    let welcome = Message::Welcome {
        relay_version: "x".into(),
        practice: "y".into(),
        device: None,
    };
    match client.request(&welcome).await {
        Err(ClientError::Refused { code, .. }) => assert_eq!(code, Code::RelayProtocol.as_str()),
        other => panic!("expected a refusal, got {other:?}"),
    }
    client.ping().await.unwrap();
    relay.shutdown().await;
}

#[tokio::test]
async fn the_link_reports_connected_then_offline_when_the_relay_stops() {
    let dir = tempfile::tempdir().unwrap();
    let relay = bloom_relay::start(config(dir.path())).await.unwrap();
    let settings = LinkSettings {
        ping_interval: Duration::from_millis(100),
        ..LinkSettings::default()
    };
    let (mut link, driver) = RelayLink::new(Some(target(&relay)), "test-device", settings);
    let driver = tokio::spawn(driver);

    let status = tokio::time::timeout(
        Duration::from_secs(20),
        link.wait_for(|s| matches!(s, RelayStatus::Connected { .. })),
    )
    .await
    .expect("link never connected");
    match status {
        RelayStatus::Connected { practice, .. } => assert_eq!(practice, "Test Practice"),
        other => panic!("{other:?}"),
    }

    relay.shutdown().await;
    let status = tokio::time::timeout(
        Duration::from_secs(20),
        link.wait_for(|s| matches!(s, RelayStatus::Offline { .. })),
    )
    .await
    .expect("link never noticed the relay stopped");
    assert_eq!(status.state(), "offline");
    driver.abort();
}

#[tokio::test]
async fn an_unconfigured_link_says_so_and_does_nothing() {
    let (link, driver) = RelayLink::new(None, "test-device", LinkSettings::default());
    driver.await;
    assert_eq!(link.status(), RelayStatus::NotConfigured);
}
