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

    // Office writes after the revocation.
    let note_id = office.with(|v| write_note(v, &client_id, "MARKER after revocation"));
    office.nudge();
    office
        .wait_status("office uploads", |s| {
            matches!(s, RelayStatus::Connected { .. })
        })
        .await;

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
