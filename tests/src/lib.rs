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
