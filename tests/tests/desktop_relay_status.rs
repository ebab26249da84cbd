//! The desktop app, in a real window, shows whether its relay is reachable:
//! connected while the relay runs, offline when it stops, connected again
//! when it comes back.

use std::time::Duration;

use bloom_e2e::TestDir;
use bloom_e2e::desktop::{DesktopApp, make_vault};
use bloom_e2e::relay::{self, PRACTICE};
use fantoccini::Locator;

const WAIT: Duration = Duration::from_secs(45);

/// The app with an unlocked vault, pointed at `relay_addr` and pinning `pin`.
async fn unlocked_app(dir: &TestDir, relay_addr: String, pin: String) -> DesktopApp {
    let vault = dir.sub("vault");
    make_vault(&vault).unwrap_or_else(|e| panic!("{e}"));
    let env = [
        ("BLOOM_RELAY_ADDR", relay_addr),
        ("BLOOM_RELAY_FINGERPRINT", pin),
        ("BLOOM_VAULT_DIR", vault.display().to_string()),
    ];
    let app = DesktopApp::launch(dir.path(), &env)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    app.unlock().await.unwrap_or_else(|e| panic!("{e}"));
    app
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_window_follows_the_relay_up_down_and_up_again() {
    let dir = TestDir::new("desktop-relay");
    let relay_data = dir.sub("relay");
    let relay = relay::start(&relay_data).await;
    let (http, quic) = (relay.http_addr, relay.quic_addr);

    let app = unlocked_app(&dir, quic.to_string(), relay.fingerprint.to_string()).await;

    let text = app
        .wait_for_attr("#relay-status", "data-state", "connected", WAIT)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert!(text.contains(PRACTICE), "status bar says {text:?}");
    app.screenshot("connected").await.unwrap();

    // The rest of the shell is there too: navigation and the first page.
    let nav = app
        .client
        .find(Locator::Css("#nav-clients"))
        .await
        .expect("navigation is rendered");
    assert_eq!(nav.text().await.unwrap(), "Clients");
    let today = app.client.find(Locator::Css("#page-today h1")).await;
    assert_eq!(today.unwrap().text().await.unwrap(), "Today");

    relay.shutdown().await;
    let text = app
        .wait_for_attr("#relay-status", "data-state", "offline", WAIT)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert!(text.contains("Not connected"), "status bar says {text:?}");
    app.screenshot("offline").await.unwrap();

    // Navigation still works while offline.
    nav.click().await.unwrap();
    let heading = app.client.find(Locator::Css("#page-clients h1")).await;
    assert_eq!(heading.unwrap().text().await.unwrap(), "Clients");

    let relay = relay::restart(&relay_data, http, quic).await;
    app.wait_for_attr("#relay-status", "data-state", "connected", WAIT)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    app.screenshot("reconnected").await.unwrap();

    app.close().await;
    relay.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_relay_with_another_certificate_is_never_shown_as_connected() {
    let dir = TestDir::new("desktop-pin");
    let relay = relay::start(&dir.sub("relay")).await;
    let impostor = relay::start(&dir.sub("impostor")).await;

    // The app pins the real relay but is pointed at the impostor's address.
    let app = unlocked_app(
        &dir,
        impostor.quic_addr.to_string(),
        relay.fingerprint.to_string(),
    )
    .await;
    let text = app
        .wait_for_attr("#relay-status", "data-state", "offline", WAIT)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert!(
        text.contains("certificate does not match"),
        "status bar says {text:?}"
    );
    app.screenshot("pin-mismatch").await.unwrap();

    app.close().await;
    impostor.shutdown().await;
    relay.shutdown().await;
}
