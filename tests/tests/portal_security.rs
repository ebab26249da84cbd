//! The web side's security suite, against a real relay with a therapist's
//! real device: a patient cannot reach another patient's anything by
//! changing ids; every form without its CSRF token is refused and changes
//! nothing; a session cookie planted before sign-in is worthless after it;
//! password guessing locks the account; script in every text field renders
//! inert wherever it is shown.

#![allow(clippy::unwrap_used, clippy::expect_used)]

#[path = "../../sync-server/tests/support/web.rs"]
mod web;

use bloom_core::account::Role;
use bloom_core::chart::NewClient;
use bloom_core::consent::{ConsentAction, ConsentKind};
use bloom_core::portal::{FormKind, PortalClientId};
use bloom_core::records::{client, portal};
use bloom_e2e::TestDir;
use bloom_e2e::practice::{Device, Practice};
use bloom_relay::audit;
use web::{Answer, Browser, GOOD, csrf_of};

const XSS: &str = "<script>alert(1)</script><img src=x onerror=alert(2)>";

/// No payload survived as markup.
fn assert_inert(where_: &str, html: &str) {
    assert!(!html.contains("<script>alert"), "{where_}: {html}");
    assert!(!html.contains("<img src=x"), "{where_}: {html}");
}

async fn eventually<T>(what: &str, check: impl AsyncFnMut() -> Option<T>) -> T {
    bloom_e2e::eventually(what, 20, check).await
}

/// A practice with one enrolled therapist device that invited `names`.
struct Setup {
    practice: Practice,
    laptop: Device,
    base: String,
    /// (record id, portal id, sign-up token) per patient.
    patients: Vec<(String, PortalClientId, String)>,
}

async fn setup(dir: &TestDir, names: &[&str]) -> Setup {
    let practice = Practice::start(&dir.sub("relay")).await;
    let base = format!("http://{}", practice.relay.as_ref().unwrap().http_addr);
    let mut laptop = Device::new(dir.path(), "laptop");
    laptop.enroll(&practice.invite().await).await;
    let patients = laptop.with(|v| {
        let list: Vec<_> = names
            .iter()
            .map(|name| {
                let id = client::create_client(
                    v,
                    &NewClient {
                        given_name: (*name).into(),
                        family_name: "Test".into(),
                        preferred_name: None,
                    },
                )
                .unwrap();
                client::record_consent(v, &id, ConsentKind::PortalUse, ConsentAction::Granted)
                    .unwrap();
                let invite = portal::invite_client(
                    v,
                    &id,
                    Some(&format!("{}@example.org", name.to_lowercase())),
                )
                .unwrap();
                (
                    id,
                    PortalClientId::parse(&invite.portal_id).unwrap(),
                    invite.token,
                )
            })
            .collect();
        portal::publish_availability(v, chrono::Utc::now().date_naive(), 14, 24).unwrap();
        list
    });
    let relay = practice.relay.as_ref().unwrap();
    for (_, client, _) in &patients {
        eventually("the invite and slots on the relay", async || {
            let slots = relay
                .portal
                .open_slots(client, bloom_relay::quic::now_ms())
                .await
                .ok()?;
            (!slots.is_empty()).then_some(())
        })
        .await;
    }
    Setup {
        practice,
        laptop,
        base,
        patients,
    }
}

/// Signs a patient up from their invite (blocking HTTP, off the runtime).
async fn sign_up(base: &str, token: &str, email: &str, name: &str) -> Browser {
    let (base, token, email, name) = (
        base.to_owned(),
        token.to_owned(),
        email.to_owned(),
        name.to_owned(),
    );
    tokio::task::spawn_blocking(move || {
        let mut b = Browser::new(&base);
        let path = format!("/signup/{token}");
        let made = b.submit(
            &path,
            &path,
            &[
                ("email", &email),
                ("display_name", &name),
                ("password", GOOD),
                ("password2", GOOD),
            ],
        );
        assert_eq!(
            (made.status, made.location.as_str()),
            (303, "/home"),
            "{}",
            made.body
        );
        b
    })
    .await
    .unwrap()
}

/// Runs blocking browser work off the runtime.
async fn http<T: Send + 'static>(f: impl FnOnce() -> T + Send + 'static) -> T {
    tokio::task::spawn_blocking(f).await.unwrap()
}

fn first_slot(html: &str) -> String {
    let at = html.find(r#"name="slot""#).expect("an open slot");
    let rest = &html[at..];
    let v = rest.find("value=\"").unwrap() + 7;
    rest[v..v + rest[v..].find('"').unwrap()].to_owned()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_patient_cannot_reach_another_patients_records_by_changing_ids() {
    let dir = TestDir::new("portal-idor");
    let s = setup(&dir, &["Ada", "Ben"]).await;
    let relay = s.practice.relay.as_ref().unwrap();
    let ada = sign_up(&s.base, &s.patients[0].2, "ada@example.org", "Ada").await;
    let ben = sign_up(&s.base, &s.patients[1].2, "ben@example.org", "Ben").await;

    // Ben books, writes, and gets a form and a safety plan.
    let (ben, booked) = http(move || {
        let mut ben = ben;
        let page = ben.get("/portal/book");
        let slot = first_slot(&page.body);
        let booked = ben.post(
            "/portal/book",
            &[
                ("_csrf", &csrf_of(&page.body)),
                ("slot", &slot),
                ("note", "BEN-NOTE"),
            ],
        );
        assert_eq!(booked.location, "/portal/appointments?done=booked");
        let msgs = ben.get("/portal/messages");
        ben.post(
            "/portal/messages",
            &[
                ("_csrf", &csrf_of(&msgs.body)),
                ("body", "BEN-SECRET message"),
            ],
        );
        (ben, slot)
    })
    .await;
    let ben_client = s.patients[1].1.clone();
    let ben_appt = relay
        .portal
        .appointments(&ben_client, bloom_relay::quic::now_ms())
        .await
        .unwrap()
        .0[0]
        .id
        .clone();
    let ben_id = s.patients[1].0.clone();
    s.laptop.with(|v| {
        portal::assign(v, &ben_id, FormKind::Intake).unwrap();
        portal::share_safety_plan(v, &ben_id).ok();
    });
    let ben_assignment = eventually("Ben's assignment", async || {
        relay
            .portal
            .assignments(&ben_client)
            .await
            .ok()?
            .pop()
            .map(|a| a.id)
    })
    .await;

    let (ada, ben) = http(move || {
        let mut ada = ada;
        // Ben's ids on Ada's routes: not found, and nothing changes.
        let page = ada.get("/portal/appointments");
        let csrf = csrf_of(&page.body);
        let cancel = ada.post(
            &format!("/portal/appointments/{ben_appt}/cancel"),
            &[("_csrf", &csrf)],
        );
        assert_eq!(cancel.status, 404, "{}", cancel.body);
        assert!(cancel.body.contains("portal.not_found"));
        assert_eq!(
            ada.get(&format!("/portal/forms/{ben_assignment}")).status,
            404
        );
        let filled = ada.post(
            &format!("/portal/forms/{ben_assignment}"),
            &[("_csrf", &csrf), ("preferred_name", "x")],
        );
        assert_eq!(filled.status, 404);
        // Booking Ben's time is refused as unavailable, not revealed as his.
        let taken = ada.post(
            "/portal/book",
            &[("_csrf", &csrf), ("slot", &booked), ("note", "")],
        );
        assert_eq!(taken.status, 409);
        assert!(!taken.body.contains("Ben"));
        // Nothing of Ben's on any of Ada's pages.
        for page in [
            "/portal",
            "/portal/appointments",
            "/portal/book",
            "/portal/messages",
            "/portal/forms",
            "/portal/safety-plan",
            "/portal/support",
        ] {
            let a = ada.get(page);
            assert_eq!(a.status, 200, "{page}");
            for secret in [
                "BEN-SECRET",
                "BEN-NOTE",
                ben_appt.as_str(),
                ben_assignment.as_str(),
                "Ben",
            ] {
                assert!(!a.body.contains(secret), "{page} shows {secret}");
            }
        }
        // Nor any member route.
        for page in ["/console", "/console/members", "/console/audit", "/support"] {
            assert_eq!(ada.get(page).status, 403, "{page}");
        }
        (ada, ben)
    })
    .await;
    let _ = (ada, ben);
    // Ben's appointment is still his, still requested.
    let still = relay
        .portal
        .appointments(&ben_client, bloom_relay::quic::now_ms())
        .await
        .unwrap()
        .0;
    assert_eq!(still.len(), 1);
    assert_eq!(
        still[0].status,
        bloom_core::portal::PortalAppointmentStatus::Requested
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_form_without_its_csrf_token_is_refused_and_changes_nothing() {
    let dir = TestDir::new("portal-csrf");
    let s = setup(&dir, &["Ada"]).await;
    let relay = s.practice.relay.as_ref().unwrap();
    let ada = sign_up(&s.base, &s.patients[0].2, "ada@example.org", "Ada").await;
    let ada_id = s.patients[0].0.clone();
    s.laptop
        .with(|v| portal::assign(v, &ada_id, FormKind::Consent).unwrap());
    let client = s.patients[0].1.clone();
    let assignment = eventually("the assignment", async || {
        relay
            .portal
            .assignments(&client)
            .await
            .ok()?
            .pop()
            .map(|a| a.id)
    })
    .await;
    let base = s.base.clone();
    let web = relay.web.clone();
    http(move || {
        let mut ada = ada;
        let slot = first_slot(&ada.get("/portal/book").body);
        let other = "x".repeat(43);
        let patient_forms: Vec<(String, Vec<(&str, String)>)> = vec![
            (
                "/portal/book".into(),
                vec![("slot", slot.clone()), ("note", "n".into())],
            ),
            ("/portal/messages".into(), vec![("body", "FORGED".into())]),
            (
                format!("/portal/forms/{assignment}"),
                vec![("signature", "Ada Test".into()), ("agree", "yes".into())],
            ),
            (
                "/portal/support".into(),
                vec![("subject", "s".into()), ("body", "b".into())],
            ),
            ("/portal/appointments/whatever/cancel".into(), vec![]),
            ("/logout".into(), vec![]),
        ];
        for (path, fields) in &patient_forms {
            for token in [None, Some(other.as_str())] {
                let mut all: Vec<(&str, &str)> =
                    fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
                if let Some(t) = token {
                    all.push(("_csrf", t));
                }
                let a: Answer = ada.post(path, &all);
                assert_eq!(a.status, 403, "{path} with {token:?}: {}", a.body);
                assert!(a.body.contains("account.csrf"), "{path}");
            }
        }
        // Nothing happened: no booking, no message, form still open, still signed in.
        let appts = ada.get("/portal/appointments");
        assert!(appts.body.contains("no-upcoming"), "{}", appts.body);
        assert!(!ada.get("/portal/messages").body.contains("FORGED"));
        assert!(ada.get("/portal/forms").body.contains("open-forms"));
        assert_eq!(
            ada.get("/portal").status,
            200,
            "logout without a token did nothing"
        );

        // Before sign-in too: login and reset.
        let mut stranger = Browser::new(&base);
        for (path, fields) in [
            (
                "/login",
                vec![("email", "ada@example.org"), ("password", GOOD)],
            ),
            ("/reset", vec![("email", "ada@example.org")]),
        ] {
            let a = stranger.post(path, &fields);
            assert_eq!(a.status, 403, "{path}");
        }
        assert!(stranger.session().is_none());
        let _ = web;
    })
    .await;

    // Admin and member forms.
    let relay_web = relay.web.clone();
    let base = s.base.clone();
    http(move || {
        let r = web::RelayRef {
            base: base.clone(),
            web: relay_web,
        };
        let mut admin = r.signed_in_member(Role::Admin, "office", "office@example.org", "Office");
        let target = r.account_id("office@example.org");
        for path in [
            format!("/console/members/{target}/role"),
            "/console/devices/00000000000000000000000000000000/revoke".to_owned(),
            "/console/invites".to_owned(),
            "/console/tickets/x/answer".to_owned(),
            "/support".to_owned(),
        ] {
            let a = admin.post(
                &path,
                &[
                    ("role", "admin"),
                    ("member", "m"),
                    ("answer", "a"),
                    ("subject", "s"),
                    ("body", "b"),
                ],
            );
            assert_eq!(a.status, 403, "{path}");
            assert!(a.body.contains("account.csrf"), "{path}");
        }
        assert!(!admin.get("/console/invites").body.contains("invite-link"));
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_session_planted_before_sign_in_is_worthless_after_it() {
    let dir = TestDir::new("portal-fixation");
    let s = setup(&dir, &["Ada"]).await;
    let ada = sign_up(&s.base, &s.patients[0].2, "ada@example.org", "Ada").await;
    let base = s.base.clone();
    http(move || {
        let mut ada = ada;
        // The attacker's own live session id, planted in the victim's browser.
        let mut attacker = Browser::new(&base);
        assert_eq!(attacker.login("ada@example.org", GOOD).location, "/home");
        let planted = attacker.session().unwrap();
        let logout_page = attacker.get("/portal");
        attacker.post("/logout", &[("_csrf", &csrf_of(&logout_page.body))]);
        let mut victim = Browser::new(&base);
        victim.jar.insert("bloom_session".into(), planted.clone());
        assert_eq!(
            victim.get("/portal").location,
            "/login",
            "a logged-out id is dead"
        );
        let signed = victim.login("ada@example.org", GOOD);
        assert_eq!(signed.location, "/home");
        let fresh = victim.session().unwrap();
        assert_ne!(fresh, planted, "sign-in issues a new id");
        // An id that never existed gets nowhere either.
        let mut forger = Browser::new(&base);
        forger.jar.insert("bloom_session".into(), "A".repeat(43));
        assert_eq!(forger.get("/portal").location, "/login");
        // Signing in again rotates the id; the older one stops working.
        let again = ada.login("ada@example.org", GOOD);
        assert_eq!(again.location, "/home");
        victim.jar.insert("bloom_session".into(), fresh.clone());
        assert_eq!(
            victim.get("/portal").status,
            200,
            "another browser's sign-in does not end this one"
        );
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn guessing_a_patients_password_locks_the_account() {
    let dir = TestDir::new("portal-brute");
    let s = setup(&dir, &["Ada"]).await;
    let _ada = sign_up(&s.base, &s.patients[0].2, "ada@example.org", "Ada").await;
    let base = s.base.clone();
    let web = s.practice.relay.as_ref().unwrap().web.clone();
    http(move || {
        let mut guesser = Browser::new(&base);
        for i in 0..5 {
            assert_eq!(
                guesser
                    .login("ada@example.org", &format!("guess number {i}"))
                    .status,
                401
            );
        }
        let locked = guesser.login("ada@example.org", GOOD);
        assert_eq!(locked.status, 401, "locked even with the right password");
        assert!(guesser.session().is_none());
        let filter = audit::Filter {
            action: Some("login.locked".into()),
            ..Default::default()
        };
        assert!(
            !web.store
                .run_blocking(|c| audit::query(c, &filter))
                .unwrap()
                .is_empty()
        );
        // Past the lock, the right password works again.
        web.clock.advance(16 * 60 * 1000);
        assert_eq!(
            Browser::new(&base).login("ada@example.org", GOOD).location,
            "/home"
        );
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn script_in_every_text_field_renders_inert() {
    let dir = TestDir::new("portal-xss");
    let s = setup(&dir, &["Ada"]).await;
    let relay = s.practice.relay.as_ref().unwrap();
    let ada = sign_up(&s.base, &s.patients[0].2, "ada@example.org", XSS).await;
    let ada_id = s.patients[0].0.clone();
    s.laptop.with(|v| {
        portal::assign(v, &ada_id, FormKind::Intake).unwrap();
        portal::reply(v, &ada_id, XSS).unwrap();
    });
    let client = s.patients[0].1.clone();
    let assignment = eventually("the intake form", async || {
        relay
            .portal
            .assignments(&client)
            .await
            .ok()?
            .pop()
            .map(|a| a.id)
    })
    .await;
    eventually("the reply", async || {
        relay
            .portal
            .thread(&client)
            .await
            .ok()?
            .iter()
            .any(|m| !m.from_patient)
            .then_some(())
    })
    .await;
    let web = relay.web.clone();
    let base = s.base.clone();
    http(move || {
        let mut ada = ada;
        let page = ada.get("/portal/book");
        let csrf = csrf_of(&page.body);
        let slot = first_slot(&page.body);
        ada.post(
            "/portal/book",
            &[("_csrf", &csrf), ("slot", &slot), ("note", XSS)],
        );
        ada.post("/portal/messages", &[("_csrf", &csrf), ("body", XSS)]);
        ada.post(
            "/portal/support",
            &[("_csrf", &csrf), ("subject", XSS), ("body", XSS)],
        );
        // A refused form comes back with the payload in its fields.
        let refused = ada.post(
            &format!("/portal/forms/{assignment}"),
            &[("_csrf", &csrf), ("reason", XSS), ("signature", XSS)],
        );
        assert_eq!(refused.status, 400);
        assert_inert("refused intake", &refused.body);
        let filled = ada.post(
            &format!("/portal/forms/{assignment}"),
            &[
                ("_csrf", &csrf),
                ("preferred_name", XSS),
                ("date_of_birth", "1990-01-01"),
                ("emergency_contact", XSS),
                ("reason", XSS),
                ("signature", XSS),
                ("agree", "yes"),
            ],
        );
        assert_eq!(
            filled.location, "/portal/forms?done=form",
            "{}",
            filled.body
        );
        for p in [
            "/portal",
            "/portal/appointments",
            "/portal/messages",
            "/portal/forms",
            "/portal/support",
        ] {
            let a = ada.get(p);
            assert_eq!(a.status, 200, "{p}");
            assert_inert(p, &a.body);
        }
        assert!(
            ada.get("/portal/messages")
                .body
                .contains("&#60;script&#62;")
                || ada.get("/portal/messages").body.contains("&lt;script&gt;")
        );
        // Where admins see it.
        let r = web::RelayRef { base, web };
        let mut admin = r.signed_in_member(Role::Admin, "office", "office@example.org", "Office");
        for p in ["/console/members", "/console/tickets", "/console/audit"] {
            let a = admin.get(p);
            assert_eq!(a.status, 200, "{p}");
            assert_inert(p, &a.body);
        }
    })
    .await;
}
