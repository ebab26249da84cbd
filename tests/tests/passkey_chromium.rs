//! Passkeys in headless Chromium with a WebDriver virtual authenticator
//! (CTAP2, internal, resident keys, user verification): a therapist signs up
//! through an invite, sets up one-time codes, adds a passkey, signs out and
//! signs in again with the passkey alone.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::time::{Duration, Instant};

use bloom_core::account::Role;
use bloom_core::account::totp;
use bloom_e2e::TestDir;
use bloom_e2e::browser::Browser;
use bloom_e2e::process::free_port;
use bloom_e2e::relay;
use bloom_relay::account::{invite, store};
use bloom_relay::audit;
use fantoccini::wd::WebDriverCompatibleCommand;
use fantoccini::{Client, Locator};

const PASSWORD: &str = "violet kettle drums at noon";

/// `POST /session/{id}/webauthn/authenticator` (W3C WebAuthn, WebDriver extension).
#[derive(Debug)]
struct AddVirtualAuthenticator;

impl WebDriverCompatibleCommand for AddVirtualAuthenticator {
    fn endpoint(
        &self,
        base_url: &url::Url,
        session_id: Option<&str>,
    ) -> Result<url::Url, url::ParseError> {
        base_url.join(&format!(
            "session/{}/webauthn/authenticator",
            session_id.unwrap_or_default()
        ))
    }

    fn method_and_body(&self, _: &url::Url) -> (http::Method, Option<String>) {
        let body = serde_json::json!({
            "protocol": "ctap2",
            "transport": "internal",
            "hasResidentKey": true,
            "hasUserVerification": true,
            "isUserVerified": true,
        });
        (http::Method::POST, Some(body.to_string()))
    }
}

async fn fill(client: &Client, css: &str, text: &str) {
    let input = client.find(Locator::Css(css)).await.unwrap();
    input.clear().await.unwrap();
    input.send_keys(text).await.unwrap();
}

async fn click(client: &Client, css: &str) {
    client
        .wait()
        .at_most(Duration::from_secs(10))
        .for_element(Locator::Css(css))
        .await
        .unwrap_or_else(|e| panic!("no {css}: {e}"))
        .click()
        .await
        .unwrap_or_else(|e| panic!("cannot click {css}: {e}"));
}

/// Waits until the browser is on `path`.
async fn wait_for_path(client: &Client, path: &str) {
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let url = client.current_url().await.unwrap();
        if url.path() == path {
            return;
        }
        if Instant::now() > deadline {
            let source = client.source().await.unwrap_or_default();
            panic!("still on {url}, wanted {path}: {source}");
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn chromium_adds_a_passkey_and_signs_in_with_it_alone() {
    let dir = TestDir::new("passkey");
    // WebAuthn needs a domain as the relying party id, not an IP address.
    let port = free_port();
    let base = format!("http://localhost:{port}");
    let config = bloom_relay::Config {
        http_addr: ([127, 0, 0, 1], port).into(),
        public_url: Some(base.clone()),
        ..relay::config(&dir.sub("relay"))
    };
    let relay = bloom_relay::start(config)
        .await
        .unwrap_or_else(|e| panic!("relay failed to start: {e}"));
    let web = relay.web.clone();
    let now = web.clock.now_ms();
    let (token, _) = web
        .store
        .run(move |c| invite::create_member_invite(c, Role::Therapist, "tess", None, 24, now))
        .await
        .unwrap();

    let browser = Browser::launch(dir.path())
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let client = &browser.client;
    client
        .issue_cmd(AddVirtualAuthenticator)
        .await
        .unwrap_or_else(|e| panic!("virtual authenticator: {e}"));

    // Sign up through the invite.
    client
        .goto(&format!("{base}/signup/{}", token.text()))
        .await
        .unwrap();
    fill(client, "#email", "tess@example.org").await;
    fill(client, "#display_name", "Tess").await;
    fill(client, "#password", PASSWORD).await;
    fill(client, "#password2", PASSWORD).await;
    click(client, "form button[type=submit]").await;
    wait_for_path(client, "/account/totp").await;

    // One-time codes, as therapists must.
    let account = web
        .store
        .run(|c| store::by_email(c, "tess@example.org"))
        .await
        .unwrap()
        .expect("the account");
    let secret = account.totp_pending.expect("a pending TOTP secret");
    let code = totp::code_at(&secret, totp::step_at(web.clock.now_ms()));
    fill(client, "#code", &code).await;
    click(client, "form button[type=submit]").await;

    // Add a passkey: the button appears once the script runs.
    client
        .goto(&format!("{base}/account/passkeys"))
        .await
        .unwrap();
    click(client, "#passkey-add-button").await;
    let added = client
        .wait()
        .at_most(Duration::from_secs(20))
        .for_element(Locator::Css(".passkey-name"))
        .await
        .unwrap_or_else(|e| panic!("no passkey listed: {e}"));
    assert_eq!(added.text().await.unwrap(), "Passkey");
    browser.screenshot("passkeys").await.unwrap();

    // Sign out.
    client.goto(&format!("{base}/home")).await.unwrap();
    click(client, "form[action='/logout'] button").await;
    wait_for_path(client, "/login").await;

    // Sign in with the passkey alone: no password, no one-time code.
    click(client, "#passkey-login-button").await;
    wait_for_path(client, "/home").await;
    let who = client
        .find(Locator::Css("#signed-in-as"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(who.contains("Tess"), "{who}");
    browser.screenshot("signed-in-with-passkey").await.unwrap();

    let count = |action: &'static str| {
        let web = web.clone();
        async move {
            let filter = audit::Filter {
                action: Some(action.into()),
                ..Default::default()
            };
            web.store
                .run(move |c| audit::query(c, &filter))
                .await
                .unwrap()
                .len()
        }
    };
    assert_eq!(count("passkey.added").await, 1);
    assert_eq!(count("passkey.login").await, 1);
    assert_eq!(count("passkey.failed").await, 0);

    browser.close().await;
    relay.shutdown().await;
}
