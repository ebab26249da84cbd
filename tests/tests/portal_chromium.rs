//! The patient portal in headless Chromium, end to end: the therapist's
//! device invites a client; the patient signs up from the link, turns on
//! two-step sign-in, books a published time, writes to the therapist and
//! fills in the PHQ-9 they were assigned; each lands in the chart on the
//! therapist's devices through sync (the second device only by record
//! sync). Every portal and console page passes axe-core with no serious or
//! critical violation.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use bloom_core::account::Role;
use bloom_core::account::totp::{self, TotpSecret};
use bloom_core::assessment::Instrument;
use bloom_core::chart::NewClient;
use bloom_core::consent::{ConsentAction, ConsentKind};
use bloom_core::portal::FormKind;
use bloom_core::records::{assessment, client, portal};
use bloom_e2e::TestDir;
use bloom_e2e::browser::Browser;
use bloom_e2e::practice::{Device, Practice};
use fantoccini::{Client, Locator};

const PASSWORD: &str = "violet kettle drums at noon";

async fn eventually<T>(what: &str, check: impl AsyncFnMut() -> Option<T>) -> T {
    bloom_e2e::eventually(what, 30, check).await
}

struct Page<'a> {
    c: &'a Client,
    base: String,
}

impl Page<'_> {
    async fn open(&self, path: &str) {
        self.c.goto(&format!("{}{path}", self.base)).await.unwrap();
    }

    async fn fill(&self, css: &str, text: &str) {
        let el = self
            .c
            .find(Locator::Css(css))
            .await
            .unwrap_or_else(|e| panic!("{css}: {e}"));
        el.clear().await.unwrap();
        el.send_keys(text).await.unwrap();
    }

    async fn click(&self, css: &str) {
        self.c
            .find(Locator::Css(css))
            .await
            .unwrap_or_else(|e| panic!("{css}: {e}"))
            .click()
            .await
            .unwrap();
    }

    async fn text(&self, css: &str) -> String {
        self.c
            .find(Locator::Css(css))
            .await
            .unwrap_or_else(|e| panic!("{css}: {e}"))
            .text()
            .await
            .unwrap()
    }

    async fn path(&self) -> String {
        self.c.current_url().await.unwrap().path().to_owned()
    }

    async fn html(&self) -> String {
        self.c.source().await.unwrap()
    }

    /// axe-core finds no serious or critical violation on the current page.
    async fn accessible(&self, name: &str) {
        bloom_e2e::axe::check(self.c, name)
            .await
            .unwrap_or_else(|e| panic!("{e}"));
    }

    /// Opens `path` and checks it with axe-core.
    async fn visit_accessible(&self, path: &str) {
        self.open(path).await;
        assert!(
            !self.path().await.starts_with("/login"),
            "{path} needs a session"
        );
        self.accessible(path).await;
    }

    /// The one-time-code setup: reads the secret, answers with its code;
    /// returns the first recovery code shown.
    async fn set_up_totp(&self) -> String {
        let secret = TotpSecret::from_base32(&self.text("#totp-secret").await).unwrap();
        let code = totp::code_at(&secret, totp::step_at(bloom_relay::quic::now_ms()));
        self.fill("#code", &code).await;
        self.click("main form button[type=submit]").await;
        self.c
            .wait()
            .for_element(Locator::Css("#recovery-codes"))
            .await
            .unwrap();
        self.text("#recovery-codes li").await
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_patient_signs_up_books_writes_and_answers_the_phq9_and_the_chart_has_it() {
    let dir = TestDir::new("portal-chromium");
    let practice = Practice::start(&dir.sub("relay")).await;
    let relay = practice.relay.as_ref().unwrap();
    let base = format!("http://{}", relay.http_addr);

    // The therapist's two devices (a laptop and, paired, a desktop).
    let mut laptop = Device::new(dir.path(), "laptop");
    laptop.enroll(&practice.invite().await).await;
    let mut desktop = Device::new(dir.path(), "desktop");
    let code = laptop.pairing_code().await;
    desktop.enroll(&code).await;

    // The laptop invites Ada and publishes the next two weeks.
    let (ada, invite) = laptop.with(|v| {
        let id = client::create_client(
            v,
            &NewClient {
                given_name: "Ada".into(),
                family_name: "Lovelace".into(),
                preferred_name: None,
            },
        )
        .unwrap();
        client::record_consent(v, &id, ConsentKind::PortalUse, ConsentAction::Granted).unwrap();
        let invite = portal::invite_client(v, &id, Some("ada@example.org")).unwrap();
        portal::publish_availability(v, chrono::Utc::now().date_naive(), 14, 24).unwrap();
        (id, invite)
    });
    let client_id = bloom_core::portal::PortalClientId::parse(&invite.portal_id).unwrap();
    eventually("the invite and the slots on the relay", async || {
        let slots = relay
            .portal
            .open_slots(&client_id, bloom_relay::quic::now_ms())
            .await
            .ok()?;
        (!slots.is_empty()).then_some(())
    })
    .await;

    let browser = Browser::launch(dir.path())
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let page = Page {
        c: &browser.client,
        base: base.clone(),
    };

    // Sign-up from the link the therapist gave.
    let signup = format!("/signup/{}", invite.token);
    page.open(&signup).await;
    page.accessible("sign-up").await;
    page.fill("#display_name", "Ada").await;
    page.fill("#password", PASSWORD).await;
    page.fill("#password2", PASSWORD).await;
    page.click("main form button[type=submit]").await;
    eventually("the portal after sign-up", async || {
        (page.path().await == "/portal").then_some(())
    })
    .await;
    page.accessible("portal home").await;

    // Two-step sign-in, optional for patients, turned on.
    page.visit_accessible("/account/totp").await;
    let _ = page.set_up_totp().await;
    page.accessible("recovery codes").await;

    // Booking: the first open time, with a note.
    page.visit_accessible("/portal/book").await;
    browser.screenshot("portal-book").await.unwrap();
    page.click("#slot-0-0").await;
    page.fill("#book-note", "Mornings suit me").await;
    page.click("#book-submit").await;
    eventually("the requested appointment", async || {
        (page.path().await == "/portal/appointments").then_some(())
    })
    .await;
    assert!(
        page.text("#upcoming").await.contains("Requested"),
        "{}",
        page.html().await
    );
    page.accessible("appointments").await;

    // The request reaches the laptop sealed; the therapist accepts it.
    let request = laptop
        .wait_until("the booking request", |v| {
            portal::booking_requests(v)
                .unwrap()
                .into_iter()
                .find(|r| r.status == "pending")
        })
        .await;
    assert_eq!(request.note, "Mornings suit me");
    laptop.with(|v| portal::decide_booking(v, &request.id, true).unwrap());
    eventually("the confirmation in the portal", async || {
        page.open("/portal/appointments").await;
        page.text("#upcoming")
            .await
            .contains("Confirmed")
            .then_some(())
    })
    .await;

    // A message to the therapist: in the chart on both devices.
    page.visit_accessible("/portal/messages").await;
    page.fill("#message-body", "I had a rough week").await;
    page.click("#message-send").await;
    eventually("the sent message", async || {
        page.html()
            .await
            .contains("I had a rough week")
            .then_some(())
    })
    .await;
    for device in [&laptop, &desktop] {
        device
            .wait_until("the patient's message", |v| {
                portal::thread(v, &ada)
                    .unwrap()
                    .into_iter()
                    .find(|m| m.from_client && m.body == "I had a rough week")
            })
            .await;
    }

    // The therapist assigns the PHQ-9; the patient answers it (item 9 above 0).
    laptop.with(|v| portal::assign(v, &ada, FormKind::Phq9).unwrap());
    let form_link = eventually("the assigned questionnaire", async || {
        page.open("/portal/forms").await;
        let link = page.c.find(Locator::Css("#open-forms a")).await.ok()?;
        link.attr("href").await.ok().flatten()
    })
    .await;
    page.visit_accessible(&form_link).await;
    for item in 0..9 {
        let answer = if item == 8 { 1 } else { 2 };
        page.click(&format!("#q{item}-{answer}")).await;
    }
    page.fill("#comment", "Sleeping badly").await;
    page.click("#assessment-submit").await;
    eventually("the form submitted", async || {
        (page.path().await == "/portal/forms").then_some(())
    })
    .await;
    assert!(page.html().await.contains("done-forms"));
    page.accessible("forms").await;

    // Scored in the chart, with the safety alert, on the paired desktop too.
    let score = desktop
        .wait_until("the PHQ-9 in the chart", |v| {
            assessment::scores_over_time(v, &ada, Instrument::Phq9)
                .unwrap()
                .pop()
        })
        .await;
    assert_eq!((score.total, score.safety_alert), (17, true));

    // The rest of the portal, checked for accessibility: the intake and
    // consent forms too.
    laptop.with(|v| {
        portal::share_safety_plan(v, &ada).ok();
        portal::assign(v, &ada, FormKind::Intake).unwrap();
        portal::assign(v, &ada, FormKind::Consent).unwrap();
    });
    let forms = eventually("the intake and consent forms", async || {
        page.open("/portal/forms").await;
        let links = page.c.find_all(Locator::Css("#open-forms a")).await.ok()?;
        let mut hrefs = Vec::new();
        for l in links {
            hrefs.push(l.attr("href").await.ok()??);
        }
        (hrefs.len() == 2).then_some(hrefs)
    })
    .await;
    for path in forms.iter().map(String::as_str).chain([
        "/portal",
        "/portal/safety-plan",
        "/portal/support",
        "/account/passkeys",
    ]) {
        page.visit_accessible(path).await;
    }

    // Sign out; the sign-in and reset pages, checked.
    page.open("/portal").await;
    page.click("#logout").await;
    page.visit_login().await;

    // An admin's console, every page checked.
    let token = relay
        .web
        .store
        .run_blocking(|c| {
            bloom_relay::account::invite::create_member_invite(
                c,
                Role::Admin,
                "office",
                None,
                1,
                bloom_relay::quic::now_ms(),
            )
        })
        .unwrap()
        .0
        .text();
    page.open(&format!("/signup/{token}")).await;
    page.fill("#email", "office@example.org").await;
    page.fill("#display_name", "Office").await;
    page.fill("#password", PASSWORD).await;
    page.fill("#password2", PASSWORD).await;
    page.click("main form button[type=submit]").await;
    eventually("the code setup", async || {
        (page.path().await == "/account/totp").then_some(())
    })
    .await;
    page.accessible("totp setup").await;
    page.set_up_totp().await;
    for path in [
        "/console",
        "/console/members",
        "/console/devices",
        "/console/invites",
        "/console/audit",
        "/console/tickets",
    ] {
        page.visit_accessible(path).await;
    }
    assert!(
        page.html().await.contains("office@example.org") || page.path().await == "/console/tickets"
    );
    page.open("/console").await;
    browser.screenshot("console-health").await.unwrap();
    page.open("/console/devices").await;
    assert!(
        page.html().await.contains("laptop"),
        "the devices are listed"
    );

    browser.close().await;
}

impl Page<'_> {
    /// The sign-in pages, checked, then signing in as Ada with her code.
    async fn visit_login(&self) {
        self.open("/login").await;
        self.accessible("sign-in").await;
        self.open("/reset").await;
        self.accessible("password reset").await;
    }
}
