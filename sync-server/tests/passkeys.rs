//! Passkeys through a real relay and a plain HTTP client, with a software
//! authenticator (a P-256 key from ring): adding one, signing in with it, and
//! the refusals — no CSRF token, a wrong or reused challenge, a replayed
//! counter, a locked account.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::HashMap;
use std::sync::Arc;

use bloom_core::account::passkey::b64url;
use bloom_core::account::secret::Password;
use bloom_core::account::totp::TotpSecret;
use bloom_core::account::{Role, password, sha256};
use bloom_relay::account::{passkeys, store};
use bloom_relay::audit;
use bloom_relay::web::WebState;
use bloom_relay::{Config, RunningRelay};
use ring::rand::SystemRandom;
use ring::signature::{ECDSA_P256_SHA256_ASN1_SIGNING, EcdsaKeyPair, KeyPair};
use serde_json::{Value, json};

const GOOD: &str = "violet kettle drums at noon";

struct Relay {
    rt: tokio::runtime::Runtime,
    relay: Option<RunningRelay>,
    base: String,
    _dir: tempfile::TempDir,
}

impl Relay {
    fn new() -> Relay {
        let rt = tokio::runtime::Runtime::new().unwrap();
        let dir = tempfile::tempdir().unwrap();
        let config = Config {
            data_dir: dir.path().join("data"),
            http_addr: "127.0.0.1:0".parse().unwrap(),
            quic_addr: "127.0.0.1:0".parse().unwrap(),
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

    fn web(&self) -> &bloom_relay::web::WebState {
        &self.relay.as_ref().unwrap().web
    }

    fn account(&self, email: &str, role: Role) -> String {
        let hash = password::hash(&Password::new(GOOD)).unwrap();
        let now = self.web().clock.now_ms();
        self.web()
            .store
            .run_blocking(|c| {
                let a = store::create(
                    c,
                    store::NewAccount {
                        email,
                        role,
                        display_name: "Pat",
                        member: (role != Role::Patient).then_some("demo"),
                        portal_client: None,
                        invited_by: Some("demo"),
                        password_hash: &hash,
                    },
                    now,
                )?;
                if role != Role::Patient {
                    let secret = TotpSecret::generate()?;
                    store::enable_totp(c, &a.id, &secret, 0)?;
                }
                Ok::<_, bloom_relay::account::AccountStoreError>(a.id)
            })
            .unwrap()
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
    body: String,
}

impl Answer {
    fn json(&self) -> Value {
        serde_json::from_str(&self.body).unwrap_or(Value::Null)
    }
}

/// Keeps cookies, follows no redirects. Each POST moves the relay's clock
/// 6 s on, so the per-IP rate limit (10 a minute) refills as it is used.
struct Browser {
    agent: ureq::Agent,
    base: String,
    jar: HashMap<String, String>,
    web: Arc<WebState>,
}

impl Browser {
    fn new(relay: &Relay) -> Browser {
        let config = ureq::Agent::config_builder()
            .max_redirects(0)
            .http_status_as_error(false)
            .build();
        Browser {
            agent: config.into(),
            base: relay.base.clone(),
            jar: HashMap::new(),
            web: relay.relay.as_ref().unwrap().web.clone(),
        }
    }

    fn cookies(&self) -> String {
        self.jar
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect::<Vec<_>>()
            .join("; ")
    }

    fn take(&mut self, mut r: ureq::http::Response<ureq::Body>) -> Answer {
        for c in r.headers().get_all("set-cookie") {
            let c = c.to_str().unwrap();
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
            body: r.body_mut().read_to_string().unwrap(),
        }
    }

    fn get(&mut self, path: &str) -> Answer {
        let r = self
            .agent
            .get(format!("{}{path}", self.base))
            .header("Cookie", self.cookies())
            .call()
            .unwrap();
        self.take(r)
    }

    fn form(&mut self, path: &str, fields: &[(&str, &str)]) -> Answer {
        self.web.clock.advance(6_000);
        let r = self
            .agent
            .post(format!("{}{path}", self.base))
            .header("Cookie", self.cookies())
            .header("Content-Type", "application/x-www-form-urlencoded")
            .send(serde_urlencoded::to_string(fields).unwrap())
            .unwrap();
        self.take(r)
    }

    fn json(&mut self, path: &str, csrf: Option<&str>, body: &Value) -> Answer {
        self.web.clock.advance(6_000);
        let mut req = self
            .agent
            .post(format!("{}{path}", self.base))
            .header("Cookie", self.cookies())
            .header("Content-Type", "application/json");
        if let Some(t) = csrf {
            req = req.header("X-Bloom-Csrf", t);
        }
        let r = req.send(body.to_string()).unwrap();
        self.take(r)
    }

    fn login(&mut self, email: &str) -> String {
        let page = self.get("/login");
        let csrf = csrf_of(&page.body);
        let r = self.form(
            "/login",
            &[("_csrf", &csrf), ("email", email), ("password", GOOD)],
        );
        assert_eq!(r.status, 303, "{}", r.body);
        let page = self.get("/account/passkeys").body;
        let at = page.find("data-csrf=\"").expect("the add-a-passkey block") + 11;
        page[at..at + page[at..].find('"').unwrap()].to_owned()
    }
}

fn csrf_of(html: &str) -> String {
    let at = html.find(r#"name="_csrf""#).expect("a _csrf field");
    let rest = &html[at..];
    let v = rest.find("value=\"").unwrap() + 7;
    rest[v..v + rest[v..].find('"').unwrap()].to_owned()
}

/// A software authenticator with one P-256 key.
struct Soft {
    pair: EcdsaKeyPair,
    rng: SystemRandom,
    id: Vec<u8>,
    count: u32,
    origin: String,
    rp_id: String,
}

impl Soft {
    fn new(base: &str) -> Soft {
        let rng = SystemRandom::new();
        let pkcs8 = EcdsaKeyPair::generate_pkcs8(&ECDSA_P256_SHA256_ASN1_SIGNING, &rng).unwrap();
        let pair = EcdsaKeyPair::from_pkcs8(&ECDSA_P256_SHA256_ASN1_SIGNING, pkcs8.as_ref(), &rng)
            .unwrap();
        let host = base
            .trim_start_matches("http://")
            .split(':')
            .next()
            .unwrap();
        Soft {
            pair,
            rng,
            id: (0u8..16).collect(),
            count: 0,
            origin: base.to_owned(),
            rp_id: host.to_owned(),
        }
    }

    fn auth_data(&self, attested: bool) -> Vec<u8> {
        let mut a = sha256(self.rp_id.as_bytes()).to_vec();
        a.push(0x01 | 0x04 | if attested { 0x40 } else { 0 });
        a.extend_from_slice(&self.count.to_be_bytes());
        if attested {
            let pk = self.pair.public_key().as_ref();
            a.extend_from_slice(&[0; 16]);
            a.extend_from_slice(&(self.id.len() as u16).to_be_bytes());
            a.extend_from_slice(&self.id);
            // COSE_Key {1: 2, 3: -7, -1: 1, -2: x, -3: y}
            a.extend_from_slice(&[0xa5, 0x01, 0x02, 0x03, 0x26, 0x20, 0x01, 0x21, 0x58, 0x20]);
            a.extend_from_slice(&pk[1..33]);
            a.extend_from_slice(&[0x22, 0x58, 0x20]);
            a.extend_from_slice(&pk[33..65]);
        }
        a
    }

    fn client(&self, kind: &str, challenge: &str) -> Vec<u8> {
        json!({ "type": kind, "challenge": challenge, "origin": self.origin })
            .to_string()
            .into_bytes()
    }

    fn create(&self, challenge: &str) -> Value {
        let auth = self.auth_data(true);
        let mut object = vec![0xa3, 0x63];
        object.extend_from_slice(b"fmt");
        object.push(0x64);
        object.extend_from_slice(b"none");
        object.push(0x67);
        object.extend_from_slice(b"attStmt");
        object.extend_from_slice(&[0xa0, 0x68]);
        object.extend_from_slice(b"authData");
        object.push(0x59);
        object.extend_from_slice(&(auth.len() as u16).to_be_bytes());
        object.extend_from_slice(&auth);
        json!({
            "name": "Laptop",
            "clientDataJSON": b64url(&self.client("webauthn.create", challenge)),
            "attestationObject": b64url(&object),
        })
    }

    fn get(&mut self, challenge: &str) -> Value {
        self.count += 1;
        let client = self.client("webauthn.get", challenge);
        let auth = self.auth_data(false);
        let mut signed = auth.clone();
        signed.extend_from_slice(&sha256(&client));
        let sig = self.pair.sign(&self.rng, &signed).unwrap();
        json!({
            "id": b64url(&self.id),
            "clientDataJSON": b64url(&client),
            "authenticatorData": b64url(&auth),
            "signature": b64url(sig.as_ref()),
            "userHandle": null,
        })
    }
}

fn challenge_of(a: &Answer) -> String {
    assert_eq!(a.status, 200, "{}", a.body);
    a.json()["publicKey"]["challenge"]
        .as_str()
        .unwrap()
        .to_owned()
}

/// Pre-session CSRF token and cookie from the sign-in page.
fn login_page(b: &mut Browser) -> String {
    let page = b.get("/login");
    assert!(page.body.contains("/assets/passkey.js"), "{}", page.body);
    assert!(page.body.contains(r#"id="passkey-login""#));
    csrf_of(&page.body)
}

#[test]
fn the_script_is_served_as_javascript_under_the_csp() {
    let relay = Relay::new();
    let r = ureq::get(format!("{}/assets/passkey.js", relay.base))
        .call()
        .unwrap();
    assert_eq!(
        r.headers().get("content-type").unwrap(),
        "text/javascript; charset=utf-8"
    );
    assert!(
        r.headers()
            .get("content-security-policy")
            .unwrap()
            .to_str()
            .unwrap()
            .contains("default-src 'self'")
    );
}

#[test]
fn add_a_passkey_then_sign_in_with_it_and_refusals() {
    let relay = Relay::new();
    relay.account("pat@example.org", Role::Patient);
    let mut b = Browser::new(&relay);
    let csrf = b.login("pat@example.org");
    let mut soft = Soft::new(&relay.base);

    // Without the CSRF header, or with a wrong one: 403 account.csrf.
    let r = b.json("/account/passkeys/options", None, &json!({}));
    assert_eq!(r.status, 403);
    assert_eq!(r.json()["error"], "account.csrf");
    let r = b.json("/account/passkeys/options", Some("nope"), &json!({}));
    assert_eq!(r.status, 403);
    // A form post is not JSON.
    let r = b.form("/account/passkeys/options", &[("_csrf", &csrf)]);
    assert_eq!(r.status, 415);

    // A wrong challenge is refused, and uses up the one issued.
    let issued = challenge_of(&b.json("/account/passkeys/options", Some(&csrf), &json!({})));
    let wrong = b64url(&[9u8; 32]);
    let r = b.json("/account/passkeys", Some(&csrf), &soft.create(&wrong));
    assert_eq!(r.status, 400);
    assert_eq!(r.json()["error"], "account.passkey_invalid");
    let r = b.json("/account/passkeys", Some(&csrf), &soft.create(&issued));
    assert_eq!(r.status, 400, "a challenge answers once");
    assert_eq!(relay.audit("passkey.failed"), 2);

    // The right one: stored, listed, audited.
    let issued = challenge_of(&b.json("/account/passkeys/options", Some(&csrf), &json!({})));
    let r = b.json("/account/passkeys", Some(&csrf), &soft.create(&issued));
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.json()["redirect"], "/account/passkeys");
    assert_eq!(relay.audit("passkey.added"), 1);
    let page = b.get("/account/passkeys");
    assert!(page.body.contains("Laptop"), "{}", page.body);
    assert!(page.body.contains(&b64url(&soft.id)));

    // Sign in with it from a fresh browser.
    let mut other = Browser::new(&relay);
    let pre = login_page(&mut other);
    let r = other.json("/login/passkey/options", None, &json!({}));
    assert_eq!(r.status, 403);
    let issued = challenge_of(&other.json("/login/passkey/options", Some(&pre), &json!({})));
    let r = other.json("/login/passkey", Some(&pre), &soft.get(&wrong));
    assert_eq!(r.status, 401);
    assert_eq!(r.json()["error"], "account.passkey_invalid");
    let r = other.json("/login/passkey", Some(&pre), &soft.get(&issued));
    assert_eq!(
        r.status, 401,
        "the challenge was used by the failed attempt"
    );
    assert!(!other.jar.contains_key("bloom_session"));

    let issued = challenge_of(&other.json("/login/passkey/options", Some(&pre), &json!({})));
    let assertion = soft.get(&issued);
    let r = other.json("/login/passkey", Some(&pre), &assertion);
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.json()["redirect"], "/home");
    assert!(other.jar.contains_key("bloom_session"));
    assert_eq!(other.get("/home").location, "/portal");
    assert_eq!(relay.audit("passkey.login"), 1);

    // The same assertion again (same counter) under a new challenge: refused.
    let issued = challenge_of(&other.json("/login/passkey/options", Some(&pre), &json!({})));
    let mut replay = assertion.clone();
    let client = soft.client("webauthn.get", &issued);
    replay["clientDataJSON"] = json!(b64url(&client));
    let r = other.json("/login/passkey", Some(&pre), &replay);
    assert_eq!(r.status, 401);

    // Removing it (a plain form) stops it working.
    let r = b.form(
        &format!("/account/passkeys/{}/remove", b64url(&soft.id)),
        &[("_csrf", &csrf)],
    );
    assert_eq!(r.status, 303);
    assert!(!b.get("/account/passkeys").body.contains("Laptop"));
    let mut third = Browser::new(&relay);
    let pre = login_page(&mut third);
    let issued = challenge_of(&third.json("/login/passkey/options", Some(&pre), &json!({})));
    let r = third.json("/login/passkey", Some(&pre), &soft.get(&issued));
    assert_eq!(r.status, 401);
}

#[test]
fn a_passkey_is_both_steps_for_staff_and_failures_lock() {
    let relay = Relay::new();
    let id = relay.account("admin@example.org", Role::Admin);
    let mut soft = Soft::new(&relay.base);
    let now = relay.web().clock.now_ms();
    let key = soft.pair.public_key().as_ref().to_vec();
    let cred = soft.id.clone();
    relay
        .web()
        .store
        .run_blocking(move |c| {
            passkeys::add(
                c,
                &passkeys::Passkey {
                    credential_id: cred,
                    account_id: id,
                    public_key: key,
                    sign_count: 0,
                    name: "Key".into(),
                    created_ms: now,
                    last_used_ms: None,
                },
            )
        })
        .unwrap();

    let mut b = Browser::new(&relay);
    let pre = login_page(&mut b);
    let issued = challenge_of(&b.json("/login/passkey/options", Some(&pre), &json!({})));
    let r = b.json("/login/passkey", Some(&pre), &soft.get(&issued));
    assert_eq!(r.status, 200, "{}", r.body);
    // No one-time code owed: straight to the console.
    assert_eq!(b.get("/home").location, "/console");
    assert_eq!(b.get("/console").status, 200);

    // Five bad signatures lock the account; then even a good passkey is refused.
    let mut c = Browser::new(&relay);
    let pre = login_page(&mut c);
    for _ in 0..5 {
        let issued = challenge_of(&c.json("/login/passkey/options", Some(&pre), &json!({})));
        let mut bad = soft.get(&issued);
        bad["signature"] = json!(b64url(&[0x30, 0x06, 0x02, 0x01, 0x01, 0x02, 0x01, 0x01]));
        assert_eq!(c.json("/login/passkey", Some(&pre), &bad).status, 401);
    }
    assert_eq!(relay.audit("login.locked"), 1);
    let issued = challenge_of(&c.json("/login/passkey/options", Some(&pre), &json!({})));
    let r = c.json("/login/passkey", Some(&pre), &soft.get(&issued));
    assert_eq!(r.status, 401);
}
