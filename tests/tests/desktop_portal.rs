//! The patient portal from the therapist's desktop, in a real window, with
//! an in-process relay: the app enrolls, grants a client's portal consent
//! and invites them (the link is shown), publishes availability; then the
//! test plays the patient through the relay's portal API (request a slot,
//! send a message). The app shows a notice and the Portal badge, the
//! booking request (accepted here: the relay then shows it confirmed) and
//! the message, and the reply reaches the patient's thread. Screenshots of
//! each step land in `app/screenshots` of the test's directory.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::Path;
use std::time::Duration;

use bloom_core::portal::{PortalAppointmentStatus, PortalClientId};
use bloom_e2e::TestDir;
use bloom_e2e::desktop::{DesktopApp, make_vault};
use bloom_e2e::process::wait_until;
use bloom_e2e::relay;
use bloom_relay::admin::{self, Reply, Request};
use fantoccini::Locator;

const WAIT: Duration = Duration::from_secs(60);
const MEMBER: &str = "dr-rivera";
const NOTE: &str = "Mornings suit me best.";
const MESSAGE: &str = "Could we talk about Thursday?";
const REPLY: &str = "Of course, see you then.";

fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_millis() as i64)
        .unwrap_or(0)
}

async fn unlocked_app(dir: &Path, web: &str) -> DesktopApp {
    let vault = dir.join("vault");
    make_vault(&vault).unwrap_or_else(|e| panic!("{e}"));
    let env = [
        ("BLOOM_VAULT_DIR", vault.display().to_string()),
        ("BLOOM_NO_KEYCHAIN", "1".to_owned()),
        ("BLOOM_TZ", "UTC".to_owned()),
        ("BLOOM_PORTAL_URL", web.to_owned()),
    ];
    let app = DesktopApp::launch_alongside(dir, &env)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    app.unlock().await.unwrap_or_else(|e| panic!("{e}"));
    app
}

async fn attr(app: &DesktopApp, css: &str, name: &str) -> String {
    app.client
        .find(Locator::Css(css))
        .await
        .unwrap_or_else(|e| panic!("{css}: {e}"))
        .attr(name)
        .await
        .unwrap()
        .unwrap_or_default()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_therapist_invites_publishes_accepts_a_booking_and_answers_a_message() {
    let dir = TestDir::new("desktop-portal");
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
    let web = format!("http://{}", relay.http_addr);
    let app = unlocked_app(&dir.sub("app"), &web).await;

    // Enroll in Settings → Sync.
    app.click("#nav-settings").await.unwrap();
    app.wait_for("#sync-invite", WAIT).await.unwrap();
    app.fill("#sync-invite", &invite).await.unwrap();
    app.fill("#sync-device-name", "Office laptop")
        .await
        .unwrap();
    app.click("#sync-enroll").await.unwrap();
    app.wait_for_attr("#relay-status", "data-state", "connected", WAIT)
        .await
        .unwrap();

    // A client; the invite is refused until the portal consent is recorded.
    app.click("#nav-clients").await.unwrap();
    app.wait_for("#new-client-given", WAIT).await.unwrap();
    app.fill("#new-client-given", "Ada").await.unwrap();
    app.fill("#new-client-family", "Moreno").await.unwrap();
    app.click("#new-client-save").await.unwrap();
    app.wait_for_text("#chart-name", "Ada Moreno", WAIT)
        .await
        .unwrap();
    app.click("#chart-tab-portal").await.unwrap();
    app.wait_for("#portal-no-consent", WAIT).await.unwrap();
    assert_eq!(attr(&app, "#portal-invite", "disabled").await, "true");
    app.click("#chart-tab-consents").await.unwrap();
    app.wait_for("#consent-grant-portal-use", WAIT)
        .await
        .unwrap();
    app.click("#consent-grant-portal-use").await.unwrap();
    app.wait_for_attr("#consent-portal-use", "data-state", "granted", WAIT)
        .await
        .unwrap();

    // Invite: the link is shown once, on the relay's web address.
    app.click("#chart-tab-portal").await.unwrap();
    app.wait_for("#portal-invite", WAIT).await.unwrap();
    app.fill("#portal-invite-email", "ada@example.org")
        .await
        .unwrap();
    app.click("#portal-invite").await.unwrap();
    let link = app.wait_for("#portal-invite-link", WAIT).await.unwrap();
    assert!(
        link.starts_with(&format!("{web}/signup/")),
        "the link is on the relay: {link}"
    );
    app.wait_for_attr("#portal-tab", "data-invited", "true", WAIT)
        .await
        .unwrap();
    let portal_id = attr(&app, "#portal-tab", "data-portal-id").await;
    let patient = PortalClientId::parse(&portal_id).expect("a portal id on the tab");
    app.screenshot("1-invited").await.unwrap();

    // Publish availability from the Portal section.
    app.click("#nav-portal").await.unwrap();
    app.wait_for("#portal-publish-submit", WAIT).await.unwrap();
    app.fill("#portal-publish-days", "14").await.unwrap();
    app.fill("#portal-publish-notice", "24").await.unwrap();
    app.click("#portal-publish-submit").await.unwrap();
    let published = app.wait_for("#portal-published", WAIT).await.unwrap();
    let slots: usize = attr(&app, "#portal-published", "data-slots")
        .await
        .parse()
        .unwrap();
    assert!(
        slots > 0,
        "two weeks of standard hours have free slots: {published}"
    );
    app.screenshot("2-published").await.unwrap();

    // The relay gets the invite and the slots through sync.
    let open = wait_until("the published slots on the relay", WAIT, || async {
        let slots = relay.portal.open_slots(&patient, now_ms()).await.ok()?;
        (!slots.is_empty()).then_some(slots)
    })
    .await
    .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(open.len(), slots);

    // The patient requests the first slot and writes.
    let requested = relay
        .portal
        .request_booking(&patient, open[0], NOTE, now_ms())
        .await
        .unwrap();
    relay
        .portal
        .send_message(&patient, MESSAGE, now_ms())
        .await
        .unwrap();

    // A notice, the badge, the request and the thread.
    let notice = app
        .wait_for_text(".portal-notice[role='status']", "New from the portal", WAIT)
        .await
        .unwrap();
    assert!(
        notice.contains("message") || notice.contains("booking"),
        "{notice}"
    );
    app.wait_for("#nav-portal-badge", WAIT).await.unwrap();
    let accept = "[id^='portal-accept-']";
    app.wait_for(accept, WAIT).await.unwrap();
    app.wait_for_text(".portal-request", NOTE, WAIT)
        .await
        .unwrap();
    app.wait_for("[id^='portal-thread-'][data-unread='1']", WAIT)
        .await
        .unwrap();
    app.screenshot("3-request-and-message").await.unwrap();

    // Accept: the patient's appointment is confirmed on the relay.
    app.click(accept).await.unwrap();
    app.wait_for(".portal-request[data-status='accepted']", WAIT)
        .await
        .unwrap();
    wait_until("the confirmed appointment on the relay", WAIT, || async {
        let (upcoming, _) = relay.portal.appointments(&patient, now_ms()).await.ok()?;
        upcoming
            .iter()
            .any(|a| {
                a.start_ms == requested.start_ms && a.status == PortalAppointmentStatus::Confirmed
            })
            .then_some(())
    })
    .await
    .unwrap_or_else(|e| panic!("{e}"));

    // Open the thread from the inbox: the message is read, then answered.
    app.click("[id^='portal-thread-']").await.unwrap();
    app.wait_for_text(
        "#portal-thread .portal-message[data-from='client']",
        MESSAGE,
        WAIT,
    )
    .await
    .unwrap();
    wait_until("the badge to clear", WAIT, || async {
        app.client
            .find(Locator::Css("#nav-portal-badge"))
            .await
            .is_err()
            .then_some(())
    })
    .await
    .unwrap_or_else(|e| panic!("{e}"));
    app.fill("#portal-reply-body", REPLY).await.unwrap();
    app.click("#portal-reply-send").await.unwrap();
    app.wait_for_text(
        "#portal-thread .portal-message[data-from='therapist']",
        REPLY,
        WAIT,
    )
    .await
    .unwrap();
    app.screenshot("4-replied").await.unwrap();
    wait_until("the reply in the patient's thread", WAIT, || async {
        let thread = relay.portal.thread(&patient).await.ok()?;
        thread
            .iter()
            .any(|m| !m.from_patient && m.body == REPLY)
            .then_some(())
    })
    .await
    .unwrap_or_else(|e| panic!("{e}"));

    app.close().await;
    relay.shutdown().await;
}
