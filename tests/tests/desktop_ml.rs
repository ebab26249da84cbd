//! On-device analysis in a real window: a client who consented writes a
//! risky journal entry and the therapist sees a flag and an alert; an
//! everyday entry is not flagged; the therapist's label is kept; a client
//! without consent is never analysed; and with ONNX Runtime missing the app
//! says ML is unavailable and everything else still works.

#![allow(clippy::unwrap_used)]

use std::time::Duration;

use bloom_e2e::TestDir;
use bloom_e2e::desktop::{DesktopApp, make_vault};

const WAIT: Duration = Duration::from_secs(60);
const RISKY: &str = "I can't see any way out. I have been thinking about ending my life.";
const EVERYDAY: &str = "Running ten minutes late on Thursday, the bus broke down. See you soon!";

async fn new_client(app: &DesktopApp, given: &str, family: &str) {
    app.click("#nav-clients").await.unwrap();
    app.wait_for("#new-client-given", WAIT).await.unwrap();
    app.fill("#new-client-given", given).await.unwrap();
    app.fill("#new-client-family", family).await.unwrap();
    app.click("#new-client-save").await.unwrap();
    app.wait_for_text("#chart-name", family, WAIT)
        .await
        .unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn risky_entries_are_flagged_only_with_consent_and_ml_can_be_missing() {
    let dylib = std::env::var("ORT_DYLIB_PATH").unwrap_or_else(|_| {
        panic!("ORT_DYLIB_PATH is not set (scripts/test.sh sets it); this test does not skip")
    });
    let dir = TestDir::new("desktop-ml");
    let vault = dir.sub("vault");
    make_vault(&vault).unwrap_or_else(|e| panic!("{e}"));
    let env = [
        ("BLOOM_VAULT_DIR", vault.display().to_string()),
        ("BLOOM_NO_KEYCHAIN", "1".to_owned()),
        ("ORT_DYLIB_PATH", dylib),
    ];
    let app = DesktopApp::launch(dir.path(), &env)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    app.unlock().await.unwrap();

    // Consent first, then a risky entry: flagged, with an alert.
    new_client(&app, "Noor", "Haddad").await;
    app.click("#chart-tab-consents").await.unwrap();
    app.wait_for("#consent-grant-ml-analysis", WAIT)
        .await
        .unwrap();
    app.click("#consent-grant-ml-analysis").await.unwrap();
    app.wait_for("#consent-ml-analysis[data-state='granted']", WAIT)
        .await
        .unwrap();
    app.click("#chart-tab-notes").await.unwrap();
    app.wait_for("#journal-ml-status[data-state='available']", WAIT)
        .await
        .unwrap();
    app.fill("#journal-new", RISKY).await.unwrap();
    app.click("#journal-add").await.unwrap();
    app.wait_for(".journal-entry[data-flagged='true'] .risk", WAIT)
        .await
        .unwrap();
    let banner = app.wait_for("#risk-alert", WAIT).await.unwrap();
    assert!(banner.contains("may need your attention"), "{banner}");
    assert!(
        !banner.contains("Haddad"),
        "the alert names no one: {banner}"
    );
    app.screenshot("1-flagged-entry").await.unwrap();

    app.fill("#journal-new", EVERYDAY).await.unwrap();
    app.click("#journal-add").await.unwrap();
    app.wait_for(".journal-entry[data-flagged='false'] .risk", WAIT)
        .await
        .unwrap();

    // The therapist confirms the flag; the label is kept.
    app.set_value(".journal-entry[data-flagged='true'] select", "Suicidal")
        .await
        .unwrap();
    app.click(".journal-entry[data-flagged='true'] .risk button")
        .await
        .unwrap();
    app.wait_for_text(
        ".journal-entry[data-flagged='true'] .risk",
        "You reviewed this as: Suicidal",
        WAIT,
    )
    .await
    .unwrap();
    app.click("#risk-alert-dismiss").await.unwrap();
    app.screenshot("2-reviewed").await.unwrap();

    // No consent: the entry is kept and never analysed.
    new_client(&app, "Omar", "Reyes").await;
    app.wait_for("#chart-tab-notes", WAIT).await.unwrap();
    app.click("#chart-tab-notes").await.unwrap();
    app.wait_for("#journal-ml-status[data-state='no-consent']", WAIT)
        .await
        .unwrap();
    app.fill("#journal-new", RISKY).await.unwrap();
    app.click("#journal-add").await.unwrap();
    app.wait_for(".journal-entry", WAIT).await.unwrap();
    let analysed = app
        .client
        .find_all(fantoccini::Locator::Css(".journal-entry .risk"))
        .await
        .unwrap();
    assert!(analysed.is_empty(), "an entry without consent was analysed");
    app.screenshot("3-no-consent").await.unwrap();

    // Psychotherapy notes: the first unlock sets their passphrase, typed twice.
    app.fill("#psy-passphrase", "violet harbor kettle sixteen")
        .await
        .unwrap();
    app.fill("#psy-passphrase-confirm", "violet harbor kettle sixteen")
        .await
        .unwrap();
    app.click("#psy-unlock").await.unwrap();
    app.wait_for("#psy-panel[data-state='unlocked']", WAIT)
        .await
        .unwrap();
    app.click("#psy-new").await.unwrap();
    app.fill("#psy-text", "Countertransference: notice my impatience.")
        .await
        .unwrap();
    app.click("#psy-save").await.unwrap();
    app.wait_for("[id^='psy-row-']", WAIT).await.unwrap();

    // Re-fit from the one correction: kept or replaced, it says which.
    app.click("#nav-settings").await.unwrap();
    app.wait_for("#settings-refit", WAIT).await.unwrap();
    app.click("#settings-refit").await.unwrap();
    let refit = app
        .wait_for_text("#settings-message", "model", WAIT)
        .await
        .unwrap();
    assert!(
        refit.contains("re-fitted") || refit.contains("current model stays"),
        "{refit}"
    );
    app.close().await;

    // Without ONNX Runtime: ML is unavailable, the rest works.
    let env = [
        ("BLOOM_VAULT_DIR", vault.display().to_string()),
        ("BLOOM_NO_KEYCHAIN", "1".to_owned()),
        (
            "ORT_DYLIB_PATH",
            dir.path().join("no-such-lib.so").display().to_string(),
        ),
    ];
    let app = DesktopApp::launch(dir.path(), &env)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    app.unlock().await.unwrap();
    app.click("#nav-clients").await.unwrap();
    app.wait_for_text(".client-name", "Noor Haddad", WAIT)
        .await
        .unwrap();
    app.click(".client-row").await.unwrap();
    app.wait_for("#chart-tab-notes", WAIT).await.unwrap();
    app.click("#chart-tab-notes").await.unwrap();
    let status = app
        .wait_for("#journal-ml-status[data-state='unavailable']", WAIT)
        .await
        .unwrap();
    assert!(
        status.contains("no-such-lib.so"),
        "the reason names the file: {status}"
    );
    app.fill("#journal-new", "Slept better this week.")
        .await
        .unwrap();
    app.click("#journal-add").await.unwrap();
    app.wait_for_text(".journal-entry", "Slept better", WAIT)
        .await
        .unwrap();
    app.screenshot("4-ml-unavailable").await.unwrap();
    app.close().await;
}
