//! Two desktop apps of one therapist, in real windows, syncing through an
//! in-process relay: the laptop enrolls with the admin's invite in Settings
//! and writes a note; it makes a pairing code; the desktop enrolls with it,
//! receives the client and the note, edits the note, and the laptop sees
//! the edit. Screenshots of each step land in `a/screenshots` and
//! `b/screenshots` of the test's directory.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::Path;
use std::time::Duration;

use bloom_e2e::TestDir;
use bloom_e2e::desktop::{DesktopApp, make_vault};
use bloom_e2e::process::wait_until;
use bloom_e2e::relay;
use bloom_relay::admin::{self, Reply, Request};

/// Generous: two webviews, a relay and Argon2 share a small CI machine.
const WAIT: Duration = Duration::from_secs(60);
const MEMBER: &str = "dr-rivera";
const FIRST: &str = "Sleeping poorly since the move.";
const EDITED: &str = "Sleeping better; the move is done.";

/// An app on its own vault under `dir`, unlocked, at the main screen.
async fn unlocked_app(dir: &Path) -> DesktopApp {
    let vault = dir.join("vault");
    make_vault(&vault).unwrap_or_else(|e| panic!("{e}"));
    let env = [
        ("BLOOM_VAULT_DIR", vault.display().to_string()),
        ("BLOOM_NO_KEYCHAIN", "1".to_owned()),
    ];
    let app = DesktopApp::launch_alongside(dir, &env)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    app.unlock().await.unwrap_or_else(|e| panic!("{e}"));
    app
}

/// Settings → Sync: pastes `code`, names the device, enrolls, and waits
/// until sync is connected.
async fn enroll(app: &DesktopApp, code: &str, name: &str) {
    app.click("#nav-settings").await.unwrap();
    app.wait_for("#sync-invite", WAIT).await.unwrap();
    app.fill("#sync-invite", code).await.unwrap();
    app.fill("#sync-device-name", name).await.unwrap();
    app.click("#sync-enroll").await.unwrap();
    let me = app
        .wait_for_text("#sync-this-device", name, WAIT)
        .await
        .unwrap();
    assert!(me.contains(MEMBER), "{me}");
    app.wait_for_attr("#relay-status", "data-state", "connected", WAIT)
        .await
        .unwrap();
}

/// Scrolls `css` into view, then saves a screenshot named `name`.
async fn shot(app: &DesktopApp, css: &str, name: &str) {
    let _ = app
        .client
        .execute(
            "const el = document.querySelector(arguments[0]); if (el) { el.scrollIntoView(); }",
            vec![css.into()],
        )
        .await;
    app.screenshot(name).await.unwrap();
}

/// Opens the only client's chart at its notes.
async fn open_notes(app: &DesktopApp) {
    app.click("#nav-clients").await.unwrap();
    app.wait_for_text(".client-name", "Ada Moreno", WAIT)
        .await
        .unwrap();
    app.click("[id^='client-row-']").await.unwrap();
    app.wait_for("#chart-tab-notes", WAIT).await.unwrap();
    app.click("#chart-tab-notes").await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_second_app_paired_by_code_gets_the_chart_and_edits_flow_back() {
    let dir = TestDir::new("desktop-sync");
    let relay_data = dir.sub("relay");
    let relay = relay::start(&relay_data).await;
    let invite = match admin::ask_running(
        &relay_data,
        &Request::Invite {
            member: MEMBER.into(),
            hours: 1,
        },
    )
    .await
    {
        Ok(Some(Reply::Invite { text, .. })) => text,
        other => panic!("no invite from the admin socket: {other:?}"),
    };

    // The laptop: enroll with the admin's invite, then write a chart.
    let a = unlocked_app(&dir.sub("a")).await;
    enroll(&a, &invite, "Office laptop").await;
    a.wait_for("#sync-pair", WAIT).await.unwrap();
    shot(&a, "#settings-sync", "1-enrolled").await;

    a.click("#nav-clients").await.unwrap();
    a.wait_for("#new-client-given", WAIT).await.unwrap();
    a.fill("#new-client-given", "Ada").await.unwrap();
    a.fill("#new-client-family", "Moreno").await.unwrap();
    a.click("#new-client-save").await.unwrap();
    a.wait_for_text("#chart-name", "Ada Moreno", WAIT)
        .await
        .unwrap();
    a.click("#chart-tab-notes").await.unwrap();
    a.wait_for("#note-new", WAIT).await.unwrap();
    a.click("#note-new").await.unwrap();
    a.wait_for("#note-section-subjective", WAIT).await.unwrap();
    a.fill("#note-section-subjective", FIRST).await.unwrap();
    a.click("#note-save").await.unwrap();
    a.screenshot("2-note-written").await.unwrap();

    // Add another device: the pairing code.
    a.click("#nav-settings").await.unwrap();
    a.wait_for("#sync-pair", WAIT).await.unwrap();
    a.click("#sync-pair").await.unwrap();
    let code = a.wait_for("#sync-pairing-code", WAIT).await.unwrap();
    assert!(code.starts_with("bloom-invite:1?"), "not a pairing code");
    let help = a.wait_for("#sync-pairing", WAIT).await.unwrap();
    assert!(help.contains("15 minutes"), "{help}");
    shot(&a, "#sync-pairing", "3-pairing-code").await;

    // The desktop enrolls with the code and receives the chart.
    let b = unlocked_app(&dir.sub("b")).await;
    enroll(&b, code.trim(), "Home desktop").await;
    b.wait_for_text("#sync-devices", "Office laptop", WAIT)
        .await
        .unwrap();
    shot(&b, "#sync-devices", "1-enrolled-by-code").await;

    open_notes(&b).await;
    b.wait_for(".note-row", WAIT).await.unwrap();
    b.click(".note-row").await.unwrap();
    b.wait_for("#note-section-subjective", WAIT).await.unwrap();
    assert_eq!(b.value("#note-section-subjective").await.unwrap(), FIRST);
    b.screenshot("2-note-received").await.unwrap();

    // The desktop edits the note; the laptop sees the edit.
    b.fill("#note-section-subjective", EDITED).await.unwrap();
    b.click("#note-save").await.unwrap();
    b.screenshot("3-note-edited").await.unwrap();

    open_notes(&a).await;
    a.wait_for(".note-row", WAIT).await.unwrap();
    // An open editor keeps what it loaded: re-open the note until the edit
    // is in.
    wait_until("the edit on the laptop", WAIT * 2, || async {
        a.click(".note-row").await.ok()?;
        a.wait_for("#note-section-subjective", WAIT).await.ok()?;
        if a.value("#note-section-subjective").await.ok().as_deref() == Some(EDITED) {
            return Some(());
        }
        let _ = a.click("#note-close").await;
        let _ = a.wait_for(".note-row", WAIT).await;
        None
    })
    .await
    .unwrap_or_else(|e| panic!("{e}"));
    a.screenshot("4-edit-received").await.unwrap();

    b.close().await;
    a.close().await;
    relay.shutdown().await;
}
