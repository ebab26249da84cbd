//! Accounts through a real relay and a plain HTTP client: invites, sign-up,
//! TOTP, sessions, CSRF, lockout, rate limits, reset by mail, timeouts.

#![allow(clippy::unwrap_used, clippy::expect_used)]

#[path = "support/smtp.rs"]
mod smtp;

use std::time::{Duration, Instant};

use bloom_core::account::Role;
use bloom_core::account::token::OneTimeToken;
use bloom_core::portal::PortalClientId;
use bloom_relay::account::{invite, store};

#[path = "support/web.rs"]
mod web;

use web::{Browser, GOOD, Relay, code_now, csrf_of, text_of};

#[test]
fn member_invite_signup_requires_totp_then_signs_in_with_new_session_ids() {
    let relay = Relay::new();
    let token = relay.member_invite(Role::Admin, "alice");
    let mut b = Browser::new(&relay.base);

    let signup = format!("/signup/{token}");
    let weak = b.submit(
        &signup,
        &signup,
        &[
            ("email", "Alice@Example.org"),
            ("display_name", "Alice"),
            ("password", "password1234"),
            ("password2", "password1234"),
        ],
    );
    assert_eq!(weak.status, 400);
    assert!(weak.body.contains("account.weak_password"), "{}", weak.body);

    let made = b.submit(
        &signup,
        &signup,
        &[
            ("email", "Alice@Example.org"),
            ("display_name", "Alice"),
            ("password", GOOD),
            ("password2", GOOD),
        ],
    );
    assert_eq!(made.status, 303, "{}", made.body);
    assert_eq!(made.location, "/account/totp");
    let cookie = made
        .set_cookies
        .iter()
        .find(|c| c.starts_with("bloom_session="))
        .unwrap();
    for flag in ["HttpOnly", "Secure", "SameSite=Strict", "Path=/"] {
        assert!(cookie.contains(flag), "{cookie}");
    }
    // The invite works once.
    assert_eq!(Browser::new(&relay.base).get(&signup).status, 404);

    // Half signed in: only the TOTP pages.
    for page in ["/home", "/console", "/portal"] {
        let a = b.get(page);
        assert_eq!(
            (a.status, a.location.as_str()),
            (303, "/account/totp"),
            "{page}"
        );
    }
    let setup = b.get("/account/totp");
    assert_eq!(setup.status, 200);
    assert_eq!(setup.set_cookies.len(), 0);
    assert!(setup.body.contains("<svg"), "QR code drawn");
    let secret = text_of(&setup.body, "totp-secret");
    assert!(text_of(&setup.body, "totp-uri").starts_with("otpauth://totp/"));
    let half = b.session().unwrap();
    let wrong = b.post(
        "/account/totp",
        &[("_csrf", &csrf_of(&setup.body)), ("code", "000000")],
    );
    assert!(wrong.body.contains("account.totp_invalid"));
    let code = code_now(&relay, &secret);
    let done = b.post(
        "/account/totp",
        &[("_csrf", &csrf_of(&setup.body)), ("code", &code)],
    );
    assert_eq!(done.status, 200, "{}", done.body);
    assert_eq!(done.body.matches("<li>").count(), 10, "ten recovery codes");
    let full = b.session().unwrap();
    assert_ne!(full, half, "a new session id once TOTP is verified");
    let home = b.get("/home");
    assert_eq!((home.status, home.location.as_str()), (303, "/console"));
    let console = b.get("/console");
    assert_eq!(console.status, 200);
    assert!(console.body.contains("Alice"));
    assert_eq!(console.body.matches("<h1").count(), 1);
    {
        let (h, v) = ("cache-control", "no-store");
        let r = ureq::get(format!("{}/console", relay.base))
            .header("Cookie", format!("bloom_session={full}"))
            .call()
            .unwrap();
        assert_eq!(r.headers().get(h).unwrap(), v);
        assert_eq!(r.headers().get("x-frame-options").unwrap(), "DENY");
        assert!(
            r.headers()
                .get("strict-transport-security")
                .unwrap()
                .to_str()
                .unwrap()
                .contains("max-age=63072000")
        );
        assert!(
            r.headers()
                .get("content-security-policy")
                .unwrap()
                .to_str()
                .unwrap()
                .contains("object-src 'none'")
        );
    }
    // The half session's id is dead.
    let mut old = Browser::new(&relay.base);
    old.jar.insert("bloom_session".into(), half.clone());
    assert_eq!(old.get("/home").location, "/login");

    // Sign out, then in again with a planted (fixated) cookie: it is replaced.
    let logout_csrf = csrf_of(&console.body);
    assert_eq!(
        b.post("/logout", &[("_csrf", &logout_csrf)]).location,
        "/login"
    );
    assert!(b.session().is_none());
    let mut victim = Browser::new(&relay.base);
    victim.jar.insert("bloom_session".into(), full.clone());
    let step1 = victim.login("alice@example.org", GOOD);
    assert_eq!(
        (step1.status, step1.location.as_str()),
        (303, "/login/totp"),
        "{}",
        step1.body
    );
    let pending = victim.session().unwrap();
    assert_ne!(pending, full);
    relay.web().clock.advance(30_000);
    let totp_page = victim.get("/login/totp");
    let code = code_now(&relay, &secret);
    let step2 = victim.post(
        "/login/totp",
        &[("_csrf", &csrf_of(&totp_page.body)), ("code", &code)],
    );
    assert_eq!(
        (step2.status, step2.location.as_str()),
        (303, "/home"),
        "{}",
        step2.body
    );
    let signed = victim.session().unwrap();
    assert_ne!(signed, pending);
    assert_ne!(signed, full);
    let mut attacker = Browser::new(&relay.base);
    attacker.jar.insert("bloom_session".into(), full);
    assert_eq!(attacker.get("/console").location, "/login");
    // The same code does not work twice.
    let mut again = Browser::new(&relay.base);
    again.login("alice@example.org", GOOD);
    let p = again.get("/login/totp");
    let reused = again.post(
        "/login/totp",
        &[("_csrf", &csrf_of(&p.body)), ("code", &code)],
    );
    assert_eq!(reused.status, 401);

    assert_eq!(relay.audit("signup"), 1);
    assert!(relay.audit("login.ok") >= 2);
    assert_eq!(relay.audit("invite.created"), 1);
}

#[test]
fn forms_without_the_right_csrf_token_are_refused() {
    let relay = Relay::new();
    relay.patient("pat@example.org");
    let mut b = Browser::new(&relay.base);
    b.get("/login");
    let missing = b.post(
        "/login",
        &[("email", "pat@example.org"), ("password", GOOD)],
    );
    assert_eq!(missing.status, 403);
    assert!(missing.body.contains("account.csrf"));
    let wrong = b.post(
        "/login",
        &[
            ("_csrf", "AAAA"),
            ("email", "pat@example.org"),
            ("password", GOOD),
        ],
    );
    assert_eq!(wrong.status, 403);
    // A token from another browser's cookie does not pass either.
    let mut other = Browser::new(&relay.base);
    let theirs = csrf_of(&other.get("/login").body);
    let cross = b.post(
        "/login",
        &[
            ("_csrf", &theirs),
            ("email", "pat@example.org"),
            ("password", GOOD),
        ],
    );
    assert_eq!(cross.status, 403);
    let reset = b.post("/reset", &[("email", "pat@example.org")]);
    assert_eq!(reset.status, 403);
    assert_eq!(b.login("pat@example.org", GOOD).location, "/home");
    let logout = b.post("/logout", &[]);
    assert_eq!(logout.status, 403);
}

#[test]
fn five_wrong_passwords_lock_the_account_even_for_the_right_one() {
    let relay = Relay::new();
    relay.patient("pat@example.org");
    let mut b = Browser::new(&relay.base);
    let unknown = b.login("nobody@example.org", GOOD);
    for _ in 0..5 {
        let a = b.login("pat@example.org", "wrong wrong wrong wrong");
        assert_eq!(a.status, 401);
        assert!(a.body.contains("account.invalid_credentials"));
    }
    let locked = b.login("pat@example.org", GOOD);
    assert_eq!(locked.status, 401, "locked: {}", locked.body);
    assert!(locked.body.contains("account.invalid_credentials"));
    assert_eq!(
        unknown.status, locked.status,
        "the same answer for unknown, wrong and locked"
    );
    assert!(relay.audit("login.locked") >= 1);
    assert_eq!(relay.audit("login.failed"), 5);
    relay.web().clock.advance(15 * 60 * 1000);
    let ok = b.login("pat@example.org", GOOD);
    assert_eq!((ok.status, ok.location.as_str()), (303, "/home"));
    assert_eq!(b.get("/home").location, "/portal");
    assert_eq!(b.get("/console").status, 403);
}

#[test]
fn too_many_sign_ins_from_one_address_get_429() {
    let relay = Relay::new();
    let mut b = Browser::new(&relay.base);
    let csrf = csrf_of(&b.get("/login").body);
    let mut statuses = vec![];
    for _ in 0..11 {
        statuses.push(
            b.post(
                "/login",
                &[
                    ("_csrf", &csrf),
                    ("email", "x@example.org"),
                    ("password", "y"),
                ],
            )
            .status,
        );
    }
    assert!(statuses[..10].iter().all(|s| *s == 401), "{statuses:?}");
    let last = b.post(
        "/login",
        &[
            ("_csrf", &csrf),
            ("email", "x@example.org"),
            ("password", "y"),
        ],
    );
    assert_eq!(last.status, 429);
    assert!(last.body.contains("account.rate_limited"));
    relay.web().clock.advance(60_000);
    assert_eq!(
        b.post(
            "/login",
            &[
                ("_csrf", &csrf),
                ("email", "x@example.org"),
                ("password", "y")
            ]
        )
        .status,
        401
    );
}

#[test]
fn reset_by_mail_changes_the_password_and_ends_every_session() {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let (sink, url) = rt.block_on(smtp::SmtpSink::start()).unwrap();
    let relay = Relay::start(Some(url), rt);
    relay.patient("pat@example.org");
    let mut signed_in = Browser::new(&relay.base);
    assert_eq!(signed_in.login("pat@example.org", GOOD).location, "/home");
    assert_eq!(signed_in.get("/home").location, "/portal", "signed in");

    let mut b = Browser::new(&relay.base);
    let unknown = b.submit("/reset", "/reset", &[("email", "nobody@example.org")]);
    let known = b.submit("/reset", "/reset", &[("email", "Pat@Example.org")]);
    assert_eq!(unknown.status, 200);
    assert_eq!(unknown.body, known.body, "the same answer either way");

    let deadline = Instant::now() + Duration::from_secs(20);
    while sink.all().is_empty() {
        assert!(Instant::now() < deadline, "no mail arrived");
        std::thread::sleep(Duration::from_millis(20));
    }
    std::thread::sleep(Duration::from_millis(200));
    let mails = sink.all();
    assert_eq!(mails.len(), 1, "only the existing account gets mail");
    assert!(mails[0].rcpt[0].contains("pat@example.org"));
    let data = mails[0].data.replace("=\r\n", "");
    let at = data.find("/reset/").unwrap();
    let token = &data[at + 7..at + 7 + 43];
    assert!(OneTimeToken::parse(token).is_some(), "{data}");

    let link = format!("/reset/{token}");
    let new = "amber lantern over quiet hills";
    let mismatch = b.submit(&link, &link, &[("password", new), ("password2", "other")]);
    assert_eq!(mismatch.status, 400);
    let done = b.submit(&link, &link, &[("password", new), ("password2", new)]);
    assert_eq!(done.status, 200, "{}", done.body);
    assert_eq!(b.get(&link).status, 404, "the link works once");
    assert_eq!(
        signed_in.get("/portal").location,
        "/login",
        "old sessions ended"
    );
    assert_eq!(b.login("pat@example.org", GOOD).status, 401);
    assert_eq!(b.login("pat@example.org", new).location, "/home");
    assert_eq!(relay.audit("password.reset"), 1);
}

#[test]
fn an_idle_session_ends_after_thirty_minutes() {
    let relay = Relay::new();
    relay.patient("pat@example.org");
    let mut b = Browser::new(&relay.base);
    b.login("pat@example.org", GOOD);
    relay.web().clock.advance(29 * 60 * 1000);
    assert_eq!(b.get("/home").location, "/portal");
    relay.web().clock.advance(29 * 60 * 1000);
    assert_eq!(b.get("/home").location, "/portal", "use keeps it alive");
    relay.web().clock.advance(31 * 60 * 1000);
    assert_eq!(b.get("/portal").location, "/login");
}

#[test]
fn a_patient_invite_signs_up_and_a_script_in_the_name_stays_text() {
    let relay = Relay::new();
    let token = OneTimeToken::generate().unwrap();
    let client = PortalClientId::from_bytes([7; 16]);
    let name = "<script>alert(1)</script>";
    let expires = relay.now() + 3_600_000;
    relay
        .web()
        .store
        .run_blocking(|c| {
            invite::put_patient_invite(
                c,
                &client,
                name,
                Some("pat@example.org"),
                token.sha256(),
                expires,
                "demo",
            )
        })
        .unwrap();
    let mut b = Browser::new(&relay.base);
    let signup = format!("/signup/{}", token.text());
    let form = b.get(&signup);
    assert!(!form.body.contains("<script>"), "{}", form.body);
    assert!(form.body.contains("pat@example.org"));
    let made = b.submit(
        &signup,
        &signup,
        &[
            ("email", "pat@example.org"),
            ("display_name", name),
            ("password", GOOD),
            ("password2", GOOD),
        ],
    );
    assert_eq!(
        (made.status, made.location.as_str()),
        (303, "/home"),
        "patients need no TOTP"
    );
    let portal = b.get("/portal");
    assert!(!portal.body.contains("<script>alert"), "{}", portal.body);
    assert!(
        portal.body.contains("&#60;script&#62;") || portal.body.contains("&lt;script&gt;"),
        "{}",
        portal.body
    );
    let account = relay
        .web()
        .store
        .run_blocking(|c| store::by_email(c, "pat@example.org"))
        .unwrap()
        .unwrap();
    assert_eq!(account.portal_client, Some(client));
    assert_eq!(account.invited_by.as_deref(), Some("demo"));
    assert_eq!(account.member, None);
}
