//! The harness of Bloom's end-to-end tests: real processes (Xvfb, tauri-driver,
//! WebKitWebDriver, chromedriver, Chromium, the desktop app), each owned by a
//! guard that stops it with SIGTERM when the test ends, pass or fail.

pub mod axe;
pub mod browser;
pub mod desktop;
pub mod practice;
pub mod process;
pub mod relay;
pub mod webdriver;
pub mod xvfb;

pub use process::TestDir;

/// Polls `check` until it gives a value, failing the test after `secs`
/// seconds with `what` (for conditions reached through sync or a browser).
pub async fn eventually<T>(what: &str, secs: u64, mut check: impl AsyncFnMut() -> Option<T>) -> T {
    let deadline = tokio::time::Instant::now() + std::time::Duration::from_secs(secs);
    loop {
        if let Some(v) = check().await {
            return v;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "timed out waiting for {what}"
        );
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
}
