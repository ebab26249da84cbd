//! Two relay instances on one PostgreSQL database, sharing the practice's
//! certificate as a multi-node deployment would: a change uploaded through
//! instance A reaches a device connected to instance B (LISTEN/NOTIFY), and a
//! revocation made through A cuts the device's connection on B.

#![allow(clippy::unwrap_used, clippy::expect_used)]

#[path = "../../sync-server/tests/support/pg.rs"]
#[allow(dead_code)]
mod pg;

use std::sync::Arc;

use bloom_core::Code;
use bloom_core::chart::NewClient;
use bloom_core::note::Template;
use bloom_core::records::{client, note};
use bloom_core::sync::status::RelayStatus;
use bloom_e2e::TestDir;
use bloom_e2e::practice::{Device, MEMBER};
use bloom_relay::Config;
use bloom_relay::admin::{Reply, Request, ask_running};
use bloom_relay::store::{PostgresStore, Quotas};

async fn instance(data: &std::path::Path, connect: &str) -> bloom_relay::RunningRelay {
    let store = PostgresStore::open(connect, Quotas::default())
        .await
        .unwrap();
    let config = Config {
        postgres_url: Some(connect.to_owned()),
        ..bloom_e2e::relay::config(data)
    };
    bloom_relay::relay::start_with(config, Arc::new(store))
        .await
        .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_change_through_instance_a_reaches_a_device_on_instance_b() {
    let dir = TestDir::new("sync-postgres");
    let connect = pg::server().new_database().await;
    let (data_a, data_b) = (dir.sub("relay-a"), dir.sub("relay-b"));
    let relay_a = instance(&data_a, &connect).await;
    // One practice, one certificate: B serves with A's identity files.
    for file in ["relay-cert.der", "relay-key.der"] {
        std::fs::copy(data_a.join(file), data_b.join(file)).unwrap();
    }
    let relay_b = instance(&data_b, &connect).await;
    assert_eq!(relay_a.fingerprint, relay_b.fingerprint);

    let invite = match ask_running(
        &data_a,
        &Request::Invite {
            member: MEMBER.into(),
            hours: 1,
        },
    )
    .await
    .unwrap()
    {
        Some(Reply::Invite { text, .. }) => text,
        other => panic!("{other:?}"),
    };
    let mut laptop = Device::new(dir.path(), "laptop");
    laptop.enroll(&invite).await;
    // The desktop pairs and syncs through instance B.
    let code = laptop.pairing_code().await.replace(
        &relay_a.quic_addr.to_string(),
        &relay_b.quic_addr.to_string(),
    );
    let mut desktop = Device::new(dir.path(), "desktop");
    desktop.enroll(&code).await;
    desktop
        .wait_status("desktop on B", |s| {
            matches!(s, RelayStatus::Connected { .. })
        })
        .await;

    let (client_id, note_id) = laptop.with(|v| {
        let c = client::create_client(
            v,
            &NewClient {
                given_name: "Ines".into(),
                family_name: "Okafor".into(),
                preferred_name: None,
            },
        )
        .unwrap();
        let n = note::create_note(v, &c, Template::Free, 1_790_000_000_000, None).unwrap();
        note::edit_sections(v, &n, &[("body", "Through instance A")]).unwrap();
        (c, n)
    });
    laptop.nudge();
    let text = desktop
        .wait_until("the note through B", |v| {
            note::read_note(v, &note_id)
                .ok()
                .and_then(|n| n.sections.first().map(|(_, t)| t.clone()))
        })
        .await;
    assert_eq!(text, "Through instance A");
    assert!(desktop.with(|v| client::exists(v, &client_id)).unwrap());

    // Revoked through A, cut on B.
    match ask_running(
        &data_a,
        &Request::Revoke {
            device: desktop.id().0,
        },
    )
    .await
    .unwrap()
    {
        Some(Reply::Revoked { .. }) => {}
        other => panic!("{other:?}"),
    }
    desktop
        .wait_status(
            "cut on B",
            |s| matches!(s, RelayStatus::Error { code, .. } if *code == Code::SyncDeviceRevoked),
        )
        .await;

    laptop.stop_sync();
    desktop.stop_sync();
    relay_a.shutdown().await;
    relay_b.shutdown().await;
}
