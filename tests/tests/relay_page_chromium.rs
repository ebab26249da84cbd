//! The relay's page in headless Chromium: rendered by Dioxus on the server,
//! readable without JavaScript, showing the practice and the certificate
//! fingerprint devices pin.

use bloom_e2e::TestDir;
use bloom_e2e::browser::Browser;
use bloom_e2e::relay::{self, PRACTICE};
use fantoccini::Locator;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn chromium_shows_the_relay_home_page() {
    let dir = TestDir::new("relay-page");
    let relay = relay::start(&dir.sub("relay")).await;
    let browser = Browser::launch(dir.path())
        .await
        .unwrap_or_else(|e| panic!("{e}"));

    browser
        .client
        .goto(&format!("http://{}/", relay.http_addr))
        .await
        .unwrap();
    let title = browser.client.title().await.unwrap();
    assert_eq!(title, format!("Bloom relay — {PRACTICE}"));

    let heading = browser.client.find(Locator::Css("#practice-name")).await;
    assert_eq!(heading.unwrap().text().await.unwrap(), PRACTICE);
    let fingerprint = browser
        .client
        .find(Locator::Css("#relay-fingerprint"))
        .await;
    assert_eq!(
        fingerprint.unwrap().text().await.unwrap(),
        relay.fingerprint.to_string()
    );

    // The stylesheet loaded under the page's CSP: the card has a background.
    let main = browser.client.find(Locator::Css("main")).await.unwrap();
    let background = main.css_value("background-color").await.unwrap();
    assert_eq!(background, "rgba(255, 255, 255, 1)");
    browser.screenshot("relay-home").await.unwrap();
    bloom_e2e::axe::check(&browser.client, "relay home")
        .await
        .unwrap_or_else(|e| panic!("{e}"));

    browser.close().await;
    relay.shutdown().await;
}

/// The accessibility check is not vacuous: a page with an unlabelled input
/// and an image without alt text fails it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_accessibility_check_catches_violations() {
    let dir = TestDir::new("axe-catches");
    let browser = Browser::launch(dir.path())
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    browser
        .client
        .goto("data:text/html,<html><body><main><input type=text><img src=x.png></main></body></html>")
        .await
        .unwrap();
    let err = bloom_e2e::axe::check(&browser.client, "bad page")
        .await
        .expect_err("an unlabelled input must fail the check");
    assert!(err.contains("label") || err.contains("image-alt"), "{err}");
    browser.close().await;
}
