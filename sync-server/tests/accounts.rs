//! Accounts through a real relay and a plain HTTP client: invites, sign-up,
//! TOTP, sessions, CSRF, lockout, rate limits, reset by mail, timeouts.

#![allow(clippy::unwrap_used, clippy::expect_used)]

#[path = "support/smtp.rs"]
mod smtp;

use std::collections::HashMap;
use std::time::{Duration, Instant};

use bloom_core::account::secret::Password;
use bloom_core::account::token::OneTimeToken;
use bloom_core::account::totp::{self, TotpSecret};
use bloom_core::account::{Role, password};
use bloom_core::portal::PortalClientId;
use bloom_relay::account::{invite, store};
use bloom_relay::audit;
use bloom_relay::{Config, RunningRelay};

const GOOD: &str = "violet kettle drums at noon";

struct Relay {
    rt: tokio::runtime::Runtime,
    relay: Option<RunningRelay>,
    base: String,
    _dir: tempfile::TempDir,
}

impl Relay {
    fn start(smtp_url: Option<String>, rt: tokio::runtime::Runtime) -> Relay {
        let dir = tempfile::tempdir().unwrap();
        let config = Config {
            data_dir: dir.path().join("data"),
            http_addr: "127.0.0.1:0".parse().unwrap(),
            quic_addr: "127.0.0.1:0".parse().unwrap(),
            smtp_url,
            ..Config::default()
        };
        let relay = rt.block_on(bloom_relay::start(config)).unwrap();
        let base = format!("http://{}", relay.http_addr);
        Relay {
            rt,
            relay: Some(relay),
            base,
            _dir: dir,
        }
    }

    fn new() -> Relay {
        Relay::start(None, tokio::runtime::Runtime::new().unwrap())
    }

    fn web(&self) -> &bloom_relay::web::WebState {
        &self.relay.as_ref().unwrap().web
    }

    fn now(&self) -> i64 {
        self.web().clock.now_ms()
    }

    fn member_invite(&self, role: Role, member: &str) -> String {
        let now = self.now();
        let (token, _) = self
            .web()
            .store
            .run_blocking(|c| invite::create_member_invite(c, role, member, None, 24, now))
            .unwrap();
        token.text()
    }

    fn patient(&self, email: &str) {
        let hash = password::hash(&Password::new(GOOD)).unwrap();
        let now = self.now();
        self.web()
            .store
            .run_blocking(|c| {
                store::create(
                    c,
                    store::NewAccount {
                        email,
                        role: Role::Patient,
                        display_name: "Pat",
                        member: None,
                        portal_client: None,
                        invited_by: Some("demo"),
                        password_hash: &hash,
                    },
                    now,
                )
            })
            .unwrap();
    }

    fn audit(&self, action: &str) -> usize {
        let filter = audit::Filter {
            action: Some(action.into()),
            ..Default::default()
        };
        self.web()
            .store
            .run_blocking(|c| audit::query(c, &filter))
            .unwrap()
            .len()
    }
}

impl Drop for Relay {
    fn drop(&mut self) {
        if let Some(r) = self.relay.take() {
            self.rt.block_on(r.shutdown());
        }
    }
}

struct Answer {
    status: u16,
    location: String,
    set_cookies: Vec<String>,
    body: String,
}

/// A browser without JavaScript: keeps cookies, follows no redirects.
struct Browser {
    agent: ureq::Agent,
    base: String,
    jar: HashMap<String, String>,
}

impl Browser {
    fn new(base: &str) -> Browser {
        let config = ureq::Agent::config_builder()
            .max_redirects(0)
            .http_status_as_error(false)
            .build();
        Browser {
            agent: config.into(),
            base: base.to_owned(),
            jar: HashMap::new(),
        }
    }

    fn cookie_header(&self) -> String {
        self.jar
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect::<Vec<_>>()
            .join("; ")
    }

    fn take(&mut self, mut r: ureq::http::Response<ureq::Body>) -> Answer {
        let set_cookies: Vec<String> = r
            .headers()
            .get_all("set-cookie")
            .iter()
            .map(|v| v.to_str().unwrap().to_owned())
            .collect();
        for c in &set_cookies {
            let (pair, _) = c.split_once(';').unwrap_or((c, ""));
            let (k, v) = pair.split_once('=').unwrap();
            if c.contains("Max-Age=0") {
                self.jar.remove(k);
            } else {
                self.jar.insert(k.to_owned(), v.to_owned());
            }
        }
        Answer {
            status: r.status().as_u16(),
            location: r
                .headers()
                .get("location")
                .map(|v| v.to_str().unwrap().to_owned())
                .unwrap_or_default(),
            set_cookies,
            body: r.body_mut().read_to_string().unwrap(),
        }
    }

    fn get(&mut self, path: &str) -> Answer {
        let r = self
            .agent
            .get(format!("{}{path}", self.base))
            .header("Cookie", self.cookie_header())
            .call()
            .unwrap();
        self.take(r)
    }

    fn post(&mut self, path: &str, fields: &[(&str, &str)]) -> Answer {
        let body = serde_urlencoded::to_string(fields).unwrap();
        let r = self
            .agent
            .post(format!("{}{path}", self.base))
            .header("Cookie", self.cookie_header())
            .header("Content-Type", "application/x-www-form-urlencoded")
            .send(body)
            .unwrap();
        self.take(r)
    }

    /// GETs a page and posts its form with the page's CSRF token.
    fn submit(&mut self, page: &str, action: &str, fields: &[(&str, &str)]) -> Answer {
        let form = self.get(page);
        assert_eq!(form.status, 200, "{page}: {}", form.body);
        let csrf = csrf_of(&form.body);
        let mut all = vec![("_csrf", csrf.as_str())];
        all.extend_from_slice(fields);
        self.post(action, &all)
    }

    fn login(&mut self, email: &str, pw: &str) -> Answer {
        self.submit("/login", "/login", &[("email", email), ("password", pw)])
    }

    fn session(&self) -> Option<String> {
        self.jar.get("bloom_session").cloned()
    }
}

fn csrf_of(html: &str) -> String {
    let at = html.find(r#"name="_csrf""#).expect("a _csrf field");
    let rest = &html[at..];
    let v = rest.find("value=\"").unwrap() + 7;
    rest[v..v + rest[v..].find('"').unwrap()].to_owned()
}

fn text_of(html: &str, id: &str) -> String {
    let at = html
        .find(&format!("id=\"{id}\""))
        .unwrap_or_else(|| panic!("no #{id} in {html}"));
    let rest = &html[at..];
    let start = rest.find('>').unwrap() + 1;
    rest[start..start + rest[start..].find('<').unwrap()].to_owned()
}

fn code_now(relay: &Relay, secret: &str) -> String {
    let secret = TotpSecret::from_base32(secret).unwrap();
    totp::code_at(&secret, totp::step_at(relay.now()))
}

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
