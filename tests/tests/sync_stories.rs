//! Sync as a practice lives it: an in-process relay (real SQLCipher storage,
//! real QUIC with mutual TLS) and several devices, each a real vault running
//! the real sync engine.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use bloom_core::Code;
use bloom_core::chart::NewClient;
use bloom_core::note::Template;
use bloom_core::records::{client, note};
use bloom_core::sync::status::RelayStatus;
use bloom_core::vault::Vault;
use bloom_e2e::TestDir;
use bloom_e2e::practice::{Device, Practice};

fn new_client(v: &mut Vault, given: &str, family: &str) -> String {
    client::create_client(
        v,
        &NewClient {
            given_name: given.into(),
            family_name: family.into(),
            preferred_name: None,
        },
    )
    .unwrap()
}

fn write_note(v: &mut Vault, client_id: &str, text: &str) -> String {
    let id = note::create_note(v, client_id, Template::Free, 1_790_000_000_000, None).unwrap();
    note::edit_sections(v, &id, &[("body", text)]).unwrap();
    id
}

fn note_text(v: &mut Vault, id: &str) -> Option<String> {
    let view = note::read_note(v, id).ok()?;
    view.sections.first().map(|(_, t)| t.clone())
}

fn client_names(v: &mut Vault) -> Vec<String> {
    let mut names: Vec<String> = client::list_clients(v)
        .unwrap()
        .into_iter()
        .map(|c| c.display_name)
        .collect();
    names.sort();
    names
}

/// A therapist enrolls her laptop with the admin's invite, writes a chart,
/// adds her desktop with a pairing code, and the desktop gets everything;
/// then an edit on either side shows up on the other.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_second_device_added_by_pairing_code_receives_the_chart_and_edits_flow_both_ways() {
    let dir = TestDir::new("sync-pairing");
    let practice = Practice::start(&dir.sub("relay")).await;

    let mut laptop = Device::new(dir.path(), "laptop");
    let (client_id, note_id) = laptop.with(|v| {
        let c = new_client(v, "Ada", "Moreno");
        let n = write_note(v, &c, "Talked about sleep and the new job.");
        (c, n)
    });
    laptop.enroll(&practice.invite().await).await;
    laptop
        .wait_status("laptop synced", |s| {
            matches!(s, RelayStatus::Connected { .. })
        })
        .await;

    let mut desktop = Device::new(dir.path(), "desktop");
    desktop.enroll(&laptop.pairing_code().await).await;

    let text = desktop
        .wait_until("the note on the desktop", |v| note_text(v, &note_id))
        .await;
    assert_eq!(text, "Talked about sleep and the new job.");
    assert_eq!(desktop.with(client_names), vec!["Ada Moreno".to_owned()]);

    // The desktop edits; the laptop sees it.
    desktop.with(|v| {
        note::edit_sections(
            v,
            &note_id,
            &[("body", "Talked about sleep, the new job and her sister.")],
        )
        .unwrap()
    });
    desktop.nudge();
    laptop
        .wait_until("the desktop's edit on the laptop", |v| {
            note_text(v, &note_id).filter(|t| t.contains("her sister"))
        })
        .await;

    // A new client made on the laptop arrives on the desktop too.
    let second = laptop.with(|v| new_client(v, "Bo", "Lindqvist"));
    laptop.nudge();
    desktop
        .wait_until("the second client", |v| {
            client_names(v)
                .contains(&"Bo Lindqvist".to_owned())
                .then_some(())
        })
        .await;
    assert!(desktop.with(|v| client::exists(v, &second)).unwrap());
    assert!(desktop.with(|v| client::exists(v, &client_id)).unwrap());
}

/// An admin revokes a stolen device: its connection is cut at once, it is
/// refused afterwards and receives nothing new, and what the others write
/// next is sealed under keys it never had.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_revoked_device_is_cut_off_and_receives_nothing_new() {
    let dir = TestDir::new("sync-revoke");
    let practice = Practice::start(&dir.sub("relay")).await;

    let mut office = Device::new(dir.path(), "office");
    let client_id = office.with(|v| new_client(v, "Cleo", "Adams"));
    office.enroll(&practice.invite().await).await;
    let mut stolen = Device::new(dir.path(), "stolen");
    stolen.enroll(&office.pairing_code().await).await;
    stolen
        .wait_until("the chart on the soon-stolen laptop", |v| {
            client::exists(v, &client_id).ok().filter(|e| *e)
        })
        .await;

    let documents = practice.revoke(&stolen).await;
    assert!(documents >= 1, "the revoked device could read the chart");
    stolen
        .wait_status(
            "the cut",
            |s| matches!(s, RelayStatus::Error { code, .. } if *code == Code::SyncDeviceRevoked),
        )
        .await;

    // Office writes after the revocation: a new note and a change to the chart.
    let note_id = office.with(|v| {
        client::set_status(v, &client_id, bloom_core::chart::CaseStatus::Active).unwrap();
        write_note(v, &client_id, "MARKER after revocation")
    });
    office.nudge();
    office
        .wait_status("office uploads", |s| {
            matches!(s, RelayStatus::Connected { .. })
        })
        .await;

    // The chart's key was rotated: the change made after the revocation
    // reaches the relay sealed under epoch 2, whose key went to office only.
    let relay_db = relay_db(&practice.data_dir);
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    let changes = loop {
        let changes = query(
            &relay_db,
            "SELECT epoch, kind FROM entries WHERE kind = 'change' AND doc = ?1 ORDER BY seq",
            &bloom_core::replica::sync_doc_id(&client_id),
        );
        if changes.last().is_some_and(|(e, _)| *e >= 2) || std::time::Instant::now() > deadline {
            break changes;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    };
    let keys = query(
        &relay_db,
        "SELECT epoch, to_device FROM entries WHERE kind = 'key' AND doc = ?1 ORDER BY seq",
        &bloom_core::replica::sync_doc_id(&client_id),
    );
    let stolen_id = stolen.id().0;
    assert!(
        keys.iter().any(|(e, to)| *e >= 2 && *to == office.id().0),
        "{keys:?}"
    );
    assert!(
        !keys.iter().any(|(e, to)| *e >= 2 && *to == stolen_id),
        "{keys:?}"
    );
    assert!(changes.last().is_some_and(|(e, _)| *e >= 2), "{changes:?}");

    // Restarting the stolen device's engine does not get it back in.
    stolen.start_sync();
    stolen
        .wait_status(
            "refused again",
            |s| matches!(s, RelayStatus::Error { code, .. } if *code == Code::SyncDeviceRevoked),
        )
        .await;
    tokio::time::sleep(std::time::Duration::from_millis(500)).await;
    assert!(stolen.with(|v| note::read_note(v, &note_id)).is_err());
}

/// An enrolled device (or someone holding its certificate) sends garbage:
/// every bad frame gets a typed error on its own stream, bad blobs are
/// refused one by one, and the connection, the relay and the device's own
/// sync carry on.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn garbage_from_an_enrolled_device_is_refused_and_nothing_breaks() {
    use bloom_core::sync::client::{ClientSettings, RelayClient};
    use bloom_core::sync::log::{Blob, BlobId, BlobKind};
    use bloom_core::sync::proto::{self, Message, UploadResult};

    let dir = TestDir::new("sync-garbage");
    let practice = Practice::start(&dir.sub("relay")).await;
    let mut device = Device::new(dir.path(), "laptop");
    device.enroll(&practice.invite().await).await;

    let target = bloom_core::replica::enrollment(&device.vault.lock().unwrap())
        .unwrap()
        .unwrap()
        .relay;
    let settings = ClientSettings {
        identity: Some(device.identity()),
        ..ClientSettings::default()
    };
    let raw = RelayClient::connect(&target, "fuzzer", &settings)
        .await
        .unwrap();
    assert!(
        raw.welcome().device.is_some(),
        "the certificate is enrolled"
    );

    let cases: Vec<(Vec<u8>, Code)> = vec![
        // A body that is no message.
        (
            vec![0, 0, 0, 3, proto::WIRE_VERSION, 0xff, 0xff],
            Code::FrameMalformed,
        ),
        // Declares 100 bytes, sends 5, then ends.
        (
            vec![0, 0, 0, 100, proto::WIRE_VERSION, 1, 2, 3, 4],
            Code::FrameTruncated,
        ),
        // Declares more than the limit.
        (u32::MAX.to_be_bytes().to_vec(), Code::FrameOversized),
        // A version from the future.
        (vec![0, 0, 0, 2, 99, 0], Code::FrameVersion),
    ];
    for (bytes, expected) in cases {
        let (mut send, mut recv) = raw.connection().open_bi().await.unwrap();
        send.write_all(&bytes).await.unwrap();
        send.finish().unwrap();
        match proto::read_frame(&mut recv, proto::DEFAULT_MAX_FRAME).await {
            Ok(Some(Message::Error { code, .. })) => assert_eq!(code, expected.as_str()),
            other => panic!("expected {expected} for {bytes:?}, got {other:?}"),
        }
    }

    // Blobs with bad routing are refused one by one; the good one is stored.
    let blob = |n: u8, doc: &str, kind: BlobKind, to| Blob {
        id: BlobId([n; 16]),
        doc: doc.into(),
        kind,
        epoch: 1,
        to,
        body: vec![1, 2, 3],
    };
    let upload = Message::Upload {
        blobs: vec![
            blob(1, "", BlobKind::Change, None),
            blob(
                2,
                "note/key-without-recipient",
                BlobKind::Key { key_id: [0; 8] },
                None,
            ),
            blob(3, "note/\u{0}control", BlobKind::Change, None),
            blob(4, "note/fine", BlobKind::Change, None),
        ],
    };
    match raw.request(&upload).await.unwrap() {
        Message::Uploaded { results } => {
            assert_eq!(results.len(), 4);
            for r in &results[..3] {
                assert!(
                    matches!(r, UploadResult::Refused { code, .. } if code == Code::SyncBlobInvalid.as_str()),
                    "{r:?}"
                );
            }
            assert!(
                matches!(results[3], UploadResult::Stored { .. }),
                "{:?}",
                results[3]
            );
        }
        other => panic!("{other:?}"),
    }
    // An empty upload and a message only the relay sends.
    for msg in [
        Message::Upload { blobs: vec![] },
        Message::Entries {
            entries: vec![],
            head: 0,
            caught_up: true,
        },
    ] {
        assert!(raw.request(&msg).await.is_err(), "{msg:?} was accepted");
    }

    // The connection survives, and so does sync: a chart made now reaches
    // the therapist's other device.
    raw.ping().await.unwrap();
    let mut other = Device::new(dir.path(), "desktop");
    other.enroll(&device.pairing_code().await).await;
    let client_id = device.with(|v| new_client(v, "Dana", "Fox"));
    device.nudge();
    other
        .wait_until("the chart made after the garbage", |v| {
            client::exists(v, &client_id).ok().filter(|e| *e)
        })
        .await;
    raw.ping().await.unwrap();
    raw.close();
}

fn relay_db(data: &std::path::Path) -> rusqlite::Connection {
    let key = std::fs::read(data.join("relay-store.key")).unwrap();
    let db = rusqlite::Connection::open(data.join("relay.db")).unwrap();
    db.pragma_update(None, "key", format!("x'{}'", bloom_core::hex::encode(&key)))
        .unwrap();
    db.busy_timeout(std::time::Duration::from_secs(10)).unwrap();
    db
}

fn query(db: &rusqlite::Connection, sql: &str, doc: &str) -> Vec<(i64, String)> {
    let mut stmt = db.prepare(sql).unwrap();
    stmt.query_map([doc], |r| {
        Ok((
            r.get::<_, i64>(0)?,
            r.get::<_, Option<String>>(1)?.unwrap_or_default(),
        ))
    })
    .unwrap()
    .map(|r| r.unwrap())
    .collect()
}

/// The relay is down for a while: the therapist keeps writing, the app says
/// it is offline with the changes waiting, and when the relay is back they
/// go out by themselves and reach her other device.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn changes_made_offline_wait_in_the_outbox_and_flush_on_reconnect() {
    let dir = TestDir::new("sync-offline");
    let mut practice = Practice::start(&dir.sub("relay")).await;
    let mut laptop = Device::new(dir.path(), "laptop");
    let client_id = laptop.with(|v| new_client(v, "Eli", "Novak"));
    laptop.enroll(&practice.invite().await).await;
    let mut desktop = Device::new(dir.path(), "desktop");
    desktop.enroll(&laptop.pairing_code().await).await;
    desktop
        .wait_until("the chart on the desktop", |v| {
            client::exists(v, &client_id).ok().filter(|e| *e)
        })
        .await;

    practice.stop().await;
    laptop
        .wait_status("offline", |s| matches!(s, RelayStatus::Offline { .. }))
        .await;
    let notes: Vec<String> = (0..5)
        .map(|i| laptop.with(|v| write_note(v, &client_id, &format!("written offline {i}"))))
        .collect();
    laptop.nudge();
    let waiting = laptop.with(|v| bloom_core::replica::pending_uploads(v).unwrap());
    assert!(waiting >= 5, "only {waiting} changes waiting");
    assert!(matches!(laptop.status(), RelayStatus::Offline { .. }));

    practice.restart().await;
    for (i, id) in notes.iter().enumerate() {
        let text = desktop
            .wait_until("an offline note on the desktop", |v| note_text(v, id))
            .await;
        assert_eq!(text, format!("written offline {i}"));
    }
    assert_eq!(
        laptop.with(|v| bloom_core::replica::pending_uploads(v).unwrap()),
        0
    );
}
