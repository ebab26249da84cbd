//! Headless Chromium driven through chromedriver.

use fantoccini::Client;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use crate::process::{Process, free_port};
use crate::webdriver;

pub struct Browser {
    pub client: Client,
    screenshots: PathBuf,
    driver: Process,
}

impl Browser {
    pub async fn launch(dir: &Path) -> Result<Browser, String> {
        let port = free_port();
        let mut driver = Process::spawn(
            "chromedriver",
            Command::new("chromedriver")
                .arg(format!("--port={port}"))
                .stdout(Stdio::null())
                .stderr(Stdio::null()),
        )?;
        let profile = dir.join("chromium-profile");
        let mut caps = serde_json::Map::new();
        caps.insert(
            "goog:chromeOptions".into(),
            serde_json::json!({
                "binary": "/usr/bin/chromium",
                "args": [
                    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
                    "--no-first-run", "--disable-background-networking",
                    "--disable-component-update", "--disable-sync",
                    "--disable-dev-shm-usage", "--window-size=1280,800",
                    format!("--user-data-dir={}", profile.display()),
                ]
            }),
        );
        let client = webdriver::connect(port, caps, &mut driver).await?;
        Ok(Browser {
            client,
            screenshots: dir.join("screenshots"),
            driver,
        })
    }

    pub async fn screenshot(&self, name: &str) -> Result<PathBuf, String> {
        webdriver::screenshot(&self.client, &self.screenshots, name).await
    }

    pub async fn close(mut self) {
        let _ = self.client.clone().close().await;
        self.driver.stop();
    }
}
