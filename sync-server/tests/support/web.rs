//! A relay in-process and a browser without JavaScript (keeps cookies,
//! follows no redirects): what the web side's stories share.

#![allow(dead_code)]

use std::collections::HashMap;

use bloom_core::account::secret::Password;
use bloom_core::account::totp::{self, TotpSecret};
use bloom_core::account::{Role, password};
use bloom_relay::account::{invite, store};
use bloom_relay::audit;
use bloom_relay::{Config, RunningRelay};

pub const GOOD: &str = "violet kettle drums at noon";

pub struct Relay {
    pub rt: tokio::runtime::Runtime,
    pub relay: Option<RunningRelay>,
    pub base: String,
    _dir: tempfile::TempDir,
}

impl Relay {
    pub fn start(smtp_url: Option<String>, rt: tokio::runtime::Runtime) -> Relay {
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

    pub fn new() -> Relay {
        Relay::start(None, tokio::runtime::Runtime::new().unwrap())
    }

    pub fn web(&self) -> &bloom_relay::web::WebState {
        &self.relay.as_ref().unwrap().web
    }

    pub fn now(&self) -> i64 {
        self.web().clock.now_ms()
    }

    pub fn member_invite(&self, role: Role, member: &str) -> String {
        let now = self.now();
        let (token, _) = self
            .web()
            .store
            .run_blocking(|c| invite::create_member_invite(c, role, member, None, 24, now))
            .unwrap();
        token.text()
    }

    pub fn patient(&self, email: &str) {
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

    pub fn audit(&self, action: &str) -> usize {
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

pub struct Answer {
    pub status: u16,
    pub location: String,
    pub set_cookies: Vec<String>,
    pub body: String,
}

/// A browser without JavaScript: keeps cookies, follows no redirects.
pub struct Browser {
    pub agent: ureq::Agent,
    pub base: String,
    pub jar: HashMap<String, String>,
}

impl Browser {
    pub fn new(base: &str) -> Browser {
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

    pub fn cookie_header(&self) -> String {
        self.jar
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect::<Vec<_>>()
            .join("; ")
    }

    pub fn take(&mut self, mut r: ureq::http::Response<ureq::Body>) -> Answer {
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

    pub fn get(&mut self, path: &str) -> Answer {
        let r = self
            .agent
            .get(format!("{}{path}", self.base))
            .header("Cookie", self.cookie_header())
            .call()
            .unwrap();
        self.take(r)
    }

    pub fn post(&mut self, path: &str, fields: &[(&str, &str)]) -> Answer {
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
    pub fn submit(&mut self, page: &str, action: &str, fields: &[(&str, &str)]) -> Answer {
        let form = self.get(page);
        assert_eq!(form.status, 200, "{page}: {}", form.body);
        let csrf = csrf_of(&form.body);
        let mut all = vec![("_csrf", csrf.as_str())];
        all.extend_from_slice(fields);
        self.post(action, &all)
    }

    pub fn login(&mut self, email: &str, pw: &str) -> Answer {
        self.submit("/login", "/login", &[("email", email), ("password", pw)])
    }

    pub fn session(&self) -> Option<String> {
        self.jar.get("bloom_session").cloned()
    }
}

pub fn csrf_of(html: &str) -> String {
    let at = html.find(r#"name="_csrf""#).expect("a _csrf field");
    let rest = &html[at..];
    let v = rest.find("value=\"").unwrap() + 7;
    rest[v..v + rest[v..].find('"').unwrap()].to_owned()
}

pub fn text_of(html: &str, id: &str) -> String {
    let at = html
        .find(&format!("id=\"{id}\""))
        .unwrap_or_else(|| panic!("no #{id} in {html}"));
    let rest = &html[at..];
    let start = rest.find('>').unwrap() + 1;
    rest[start..start + rest[start..].find('<').unwrap()].to_owned()
}

pub fn code_now(relay: &Relay, secret: &str) -> String {
    let secret = TotpSecret::from_base32(secret).unwrap();
    totp::code_at(&secret, totp::step_at(relay.now()))
}

impl Relay {
    /// A member who signed up through an invite and set up TOTP, signed in.
    pub fn signed_in_member(&self, role: Role, member: &str, email: &str, name: &str) -> Browser {
        let token = self.member_invite(role, member);
        let mut b = Browser::new(&self.base);
        let signup = format!("/signup/{token}");
        let made = b.submit(
            &signup,
            &signup,
            &[
                ("email", email),
                ("display_name", name),
                ("password", GOOD),
                ("password2", GOOD),
            ],
        );
        assert_eq!(
            (made.status, made.location.as_str()),
            (303, "/account/totp"),
            "{}",
            made.body
        );
        let setup = b.get("/account/totp");
        let secret = text_of(&setup.body, "totp-secret");
        let code = code_now(self, &secret);
        let done = b.post(
            "/account/totp",
            &[("_csrf", &csrf_of(&setup.body)), ("code", &code)],
        );
        assert_eq!(done.status, 200, "{}", done.body);
        b
    }

    /// The account id of `email`.
    pub fn account_id(&self, email: &str) -> String {
        self.web()
            .store
            .run_blocking(|c| store::by_email(c, email))
            .unwrap()
            .unwrap()
            .id
    }
}

/// A relay someone else started (the end-to-end tests' practice): its
/// address and web state, with the same helpers as [`Relay`].
pub struct RelayRef {
    pub base: String,
    pub web: std::sync::Arc<bloom_relay::web::WebState>,
}

impl RelayRef {
    fn relay_like(&self) -> (&str, &bloom_relay::web::WebState) {
        (&self.base, &self.web)
    }

    pub fn signed_in_member(&self, role: Role, member: &str, email: &str, name: &str) -> Browser {
        let (base, web) = self.relay_like();
        let now = web.clock.now_ms();
        let (token, _) = web
            .store
            .run_blocking(|c| invite::create_member_invite(c, role, member, None, 24, now))
            .unwrap();
        let mut b = Browser::new(base);
        let signup = format!("/signup/{}", token.text());
        let made = b.submit(
            &signup,
            &signup,
            &[
                ("email", email),
                ("display_name", name),
                ("password", GOOD),
                ("password2", GOOD),
            ],
        );
        assert_eq!(made.location, "/account/totp", "{}", made.body);
        let setup = b.get("/account/totp");
        let secret = TotpSecret::from_base32(&text_of(&setup.body, "totp-secret")).unwrap();
        let code = totp::code_at(&secret, totp::step_at(web.clock.now_ms()));
        let done = b.post(
            "/account/totp",
            &[("_csrf", &csrf_of(&setup.body)), ("code", &code)],
        );
        assert_eq!(done.status, 200, "{}", done.body);
        b
    }

    pub fn account_id(&self, email: &str) -> String {
        self.web
            .store
            .run_blocking(|c| store::by_email(c, email))
            .unwrap()
            .unwrap()
            .id
    }
}
