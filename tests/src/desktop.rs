//! The real desktop binary in a real window, driven through tauri-driver and
//! WebKitWebDriver under a private Xvfb.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Duration;

use fantoccini::{Client, Locator};

use crate::process::{Process, free_port, wait_until};
use crate::webdriver;
use crate::xvfb::Xvfb;

/// The desktop binary built next to this test (same target directory), or
/// `BLOOM_DESKTOP_BIN`.
pub fn binary() -> PathBuf {
    if let Some(p) = std::env::var_os("BLOOM_DESKTOP_BIN") {
        return PathBuf::from(p);
    }
    let exe = std::env::current_exe().unwrap_or_default();
    // target/<profile>/deps/<test> -> target/<profile>/bloom-desktop
    exe.parent()
        .and_then(Path::parent)
        .map(|p| p.join("bloom-desktop"))
        .unwrap_or_default()
}

/// The passphrase every desktop test vault uses.
pub const PASSPHRASE: &str = "violet tram coffee lantern";

/// Makes a vault for the app to open, as onboarding would have, so tests
/// about other screens start at the unlock screen.
pub fn make_vault(dir: &Path) -> Result<(), String> {
    use bloom_core::vault::{KdfParams, NoKeychain, Passphrase, Vault};
    let kdf = KdfParams {
        memory_kib: 8 * 1024,
        iterations: 1,
        parallelism: 1,
    };
    Vault::create(
        dir,
        "Dr Test",
        &Passphrase::new(PASSPHRASE),
        &NoKeychain,
        kdf,
    )
    .map(|_| ())
    .map_err(|e| format!("cannot make the test vault: {e}"))
}

/// A running desktop app. Dropping it closes the window and stops every
/// process it started.
pub struct DesktopApp {
    pub client: Client,
    screenshots: PathBuf,
    // Dropped in this order: driver first, then its D-Bus, the X server, the turn.
    driver: Process,
    _bus: Option<Process>,
    _xvfb: Xvfb,
    _turn: Option<tokio::sync::MutexGuard<'static, ()>>,
}

/// Which D-Bus session the app joins.
enum Bus {
    /// The test command's (with the keyring): one app at a time.
    Shared,
    /// A private session bus of its own, so several apps can run side by
    /// side; it has no keyring, so pass `BLOOM_NO_KEYCHAIN`.
    Private,
}

/// A D-Bus session daemon of one app, listening on a socket under `dir`.
fn private_bus(dir: &Path) -> Result<(Process, String), String> {
    let _ = std::fs::create_dir_all(dir);
    let socket = dir.join("bus");
    let _ = std::fs::remove_file(&socket);
    let address = format!("unix:path={}", socket.display());
    let mut process = Process::spawn(
        "dbus-daemon",
        Command::new("dbus-daemon")
            .args(["--session", "--nofork", "--nopidfile"])
            .arg(format!("--address={address}"))
            .stdout(Stdio::null())
            .stderr(Stdio::inherit()),
    )?;
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    while !socket.exists() {
        process.check_running()?;
        if std::time::Instant::now() > deadline {
            return Err("dbus-daemon did not open its socket".into());
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    Ok((process, address))
}

/// One desktop app at a time per test process: instances of one GTK
/// application id on one D-Bus session (the keyring session the test command
/// starts) hand their windows to each other, so parallel apps would close
/// each other's windows.
static ONE_AT_A_TIME: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

impl DesktopApp {
    /// Launches the app with `env` added to its environment; its data and
    /// config directories live under `dir`.
    pub async fn launch(dir: &Path, env: &[(&str, String)]) -> Result<DesktopApp, String> {
        DesktopApp::start(dir, env, Bus::Shared).await
    }

    /// Like [`DesktopApp::launch`], but on a private D-Bus session, so it can
    /// run beside other apps launched this way (two devices of one test).
    /// Without the test's keyring: pass `BLOOM_NO_KEYCHAIN`.
    pub async fn launch_alongside(
        dir: &Path,
        env: &[(&str, String)],
    ) -> Result<DesktopApp, String> {
        DesktopApp::start(dir, env, Bus::Private).await
    }

    async fn start(dir: &Path, env: &[(&str, String)], bus: Bus) -> Result<DesktopApp, String> {
        let bin = binary();
        if !bin.exists() {
            return Err(format!(
                "desktop binary {} not found: build it with scripts/test.sh (or set BLOOM_DESKTOP_BIN)",
                bin.display()
            ));
        }
        let (turn, bus) = match bus {
            Bus::Shared => (Some(ONE_AT_A_TIME.lock().await), None),
            Bus::Private => (None, Some(private_bus(&dir.join("dbus"))?)),
        };
        let xvfb = Xvfb::start()?;
        let port = free_port();
        let native_port = free_port();
        let mut cmd = Command::new("tauri-driver");
        cmd.args(["--port", &port.to_string()])
            .args(["--native-port", &native_port.to_string()])
            .env("DISPLAY", &xvfb.display)
            .env("XDG_DATA_HOME", dir.join("data"))
            .env("XDG_CONFIG_HOME", dir.join("config"))
            .env("XDG_CACHE_HOME", dir.join("cache"))
            .env("NO_AT_BRIDGE", "1")
            .stdout(Stdio::null())
            .stderr(Stdio::inherit());
        if let Some((_, address)) = &bus {
            cmd.env("DBUS_SESSION_BUS_ADDRESS", address);
        }
        for (k, v) in env {
            cmd.env(k, v);
        }
        let mut driver = Process::spawn("tauri-driver", &mut cmd)?;

        let mut caps = serde_json::Map::new();
        caps.insert(
            "tauri:options".into(),
            serde_json::json!({ "application": bin }),
        );
        let client = webdriver::connect(port, caps, &mut driver).await?;
        Ok(DesktopApp {
            client,
            screenshots: dir.join("screenshots"),
            driver,
            _bus: bus.map(|(process, _)| process),
            _xvfb: xvfb,
            _turn: turn,
        })
    }

    /// Waits until the element `css` has attribute `attr` equal to `value`;
    /// returns the element's text. On timeout, saves a screenshot and fails.
    pub async fn wait_for_attr(
        &self,
        css: &str,
        attr: &str,
        value: &str,
        timeout: Duration,
    ) -> Result<String, String> {
        let found = wait_until(&format!("{css}[{attr}={value}]"), timeout, || async {
            let el = self.client.find(Locator::Css(css)).await.ok()?;
            let got = el.attr(attr).await.ok()??;
            if got == value {
                el.text().await.ok()
            } else {
                None
            }
        })
        .await;
        if found.is_err() {
            self.dump("timeout").await;
        }
        found
    }

    /// Saves a screenshot and the page source, to see why a wait failed.
    async fn dump(&self, name: &str) {
        let _ = self.screenshot(name).await;
        if let Ok(html) = self.client.source().await {
            let _ = std::fs::write(self.screenshots.join(format!("{name}.html")), html);
        }
    }

    /// Waits until an element matching `css` exists; returns its text.
    pub async fn wait_for(&self, css: &str, timeout: Duration) -> Result<String, String> {
        let found = wait_until(css, timeout, || async {
            let el = self.client.find(Locator::Css(css)).await.ok()?;
            el.text().await.ok()
        })
        .await;
        if found.is_err() {
            self.dump("timeout").await;
        }
        found
    }

    /// Types `text` into the input `css` (after clearing it).
    pub async fn fill(&self, css: &str, text: &str) -> Result<(), String> {
        let el = self
            .client
            .find(Locator::Css(css))
            .await
            .map_err(|e| format!("{css}: {e}"))?;
        el.clear().await.map_err(|e| format!("clear {css}: {e}"))?;
        el.send_keys(text)
            .await
            .map_err(|e| format!("type into {css}: {e}"))
    }

    pub async fn click(&self, css: &str) -> Result<(), String> {
        self.client
            .find(Locator::Css(css))
            .await
            .map_err(|e| format!("{css}: {e}"))?
            .click()
            .await
            .map_err(|e| format!("click {css}: {e}"))
    }

    /// Sets a form control's value as a person would (an `input` and a
    /// `change` event), for date, time and select controls that typing
    /// cannot fill the same way in every WebDriver.
    pub async fn set_value(&self, css: &str, value: &str) -> Result<(), String> {
        let script = "const el = document.querySelector(arguments[0]);
            if (!el) { return false; }
            el.value = arguments[1];
            el.dispatchEvent(new Event('input', { bubbles: true }));
            el.dispatchEvent(new Event('change', { bubbles: true }));
            return true;";
        let done = self
            .client
            .execute(script, vec![css.into(), value.into()])
            .await
            .map_err(|e| format!("set {css}: {e}"))?;
        if done.as_bool() == Some(true) {
            Ok(())
        } else {
            Err(format!("no element {css}"))
        }
    }

    /// Chooses the option of the select `css` whose text is `label`.
    pub async fn choose(&self, css: &str, label: &str) -> Result<(), String> {
        let script = "const el = document.querySelector(arguments[0]);
            if (!el) { return null; }
            const opt = Array.from(el.options).find(o => o.text.trim() === arguments[1]);
            return opt ? opt.value : null;";
        let value = self
            .client
            .execute(script, vec![css.into(), label.into()])
            .await
            .map_err(|e| format!("options of {css}: {e}"))?;
        let value = value
            .as_str()
            .ok_or_else(|| format!("{css} has no option {label:?}"))?
            .to_owned();
        self.set_value(css, &value).await
    }

    /// Waits until an element matching `css` contains `text`; returns its text.
    pub async fn wait_for_text(
        &self,
        css: &str,
        text: &str,
        timeout: Duration,
    ) -> Result<String, String> {
        let found = wait_until(&format!("{css} containing {text:?}"), timeout, || async {
            for el in self.client.find_all(Locator::Css(css)).await.ok()? {
                if let Ok(t) = el.text().await
                    && t.contains(text)
                {
                    return Some(t);
                }
            }
            None
        })
        .await;
        if found.is_err() {
            self.dump("timeout").await;
        }
        found
    }

    /// The current value of the form control `css` (what typing changed,
    /// which the element's text does not show for a textarea).
    pub async fn value(&self, css: &str) -> Result<String, String> {
        let got = self
            .client
            .execute(
                "const el = document.querySelector(arguments[0]); return el ? el.value : null;",
                vec![css.into()],
            )
            .await
            .map_err(|e| format!("value of {css}: {e}"))?;
        got.as_str()
            .map(str::to_owned)
            .ok_or_else(|| format!("no form control {css}"))
    }

    /// Saves a PNG of the window into the test directory.
    pub async fn screenshot(&self, name: &str) -> Result<PathBuf, String> {
        webdriver::screenshot(&self.client, &self.screenshots, name).await
    }

    /// Unlocks the vault made by [`make_vault`] and waits for the main screen.
    pub async fn unlock(&self) -> Result<(), String> {
        let wait = Duration::from_secs(45);
        self.wait_for("#unlock-passphrase", wait).await?;
        self.fill("#unlock-passphrase", PASSPHRASE).await?;
        self.click("#unlock-submit").await?;
        self.wait_for("#lock-vault", wait).await.map(|_| ())
    }

    /// Closes the session (and so the app), then stops the driver.
    pub async fn close(mut self) {
        let _ = self.client.clone().close().await;
        self.driver.stop();
    }
}
