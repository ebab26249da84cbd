//! What the desktop and browser harnesses share: opening a WebDriver session
//! and saving screenshots.

use std::path::{Path, PathBuf};
use std::time::Duration;

use fantoccini::{Client, ClientBuilder};

use crate::process::{Process, wait_until};

/// Opens a session on the WebDriver server at `port`, retrying while it
/// starts. If the server process died, says so instead of timing out vaguely.
pub async fn connect(
    port: u16,
    caps: serde_json::Map<String, serde_json::Value>,
    driver: &mut Process,
) -> Result<Client, String> {
    // fantoccini's TLS stack needs a process-wide provider even for plain
    // http; an error only means another test installed it already.
    let _ = rustls::crypto::ring::default_provider().install_default();
    let url = format!("http://127.0.0.1:{port}");
    let client = wait_until("a WebDriver session", Duration::from_secs(30), || {
        let caps = caps.clone();
        let url = url.clone();
        async move {
            let mut builder = ClientBuilder::rustls().ok()?;
            builder.capabilities(caps).connect(&url).await.ok()
        }
    })
    .await;
    match client {
        Ok(c) => Ok(c),
        Err(e) => {
            driver.check_running()?;
            Err(e)
        }
    }
}

/// Saves a PNG of what the session shows into `dir`.
pub async fn screenshot(client: &Client, dir: &Path, name: &str) -> Result<PathBuf, String> {
    let png = client
        .screenshot()
        .await
        .map_err(|e| format!("screenshot failed: {e}"))?;
    std::fs::create_dir_all(dir).map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
    let path = dir.join(format!("{name}.png"));
    std::fs::write(&path, png).map_err(|e| format!("cannot save screenshot: {e}"))?;
    Ok(path)
}
