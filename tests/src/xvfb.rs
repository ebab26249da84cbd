//! A private X server per test, so windows never need a real display.

use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use crate::process::Process;

pub struct Xvfb {
    pub display: String,
    _process: Process,
}

impl Xvfb {
    pub fn start() -> Result<Xvfb, String> {
        let first = 100 + (std::process::id() % 400);
        for n in first..first + 200 {
            if Path::new(&format!("/tmp/.X{n}-lock")).exists() {
                continue;
            }
            let mut process = Process::spawn(
                "Xvfb",
                Command::new("Xvfb")
                    .arg(format!(":{n}"))
                    .args(["-screen", "0", "1280x800x24", "-nolisten", "tcp"])
                    .stdout(Stdio::null())
                    .stderr(Stdio::null()),
            )?;
            let socket = format!("/tmp/.X11-unix/X{n}");
            let deadline = Instant::now() + Duration::from_secs(10);
            while Instant::now() < deadline {
                if Path::new(&socket).exists() {
                    return Ok(Xvfb {
                        display: format!(":{n}"),
                        _process: process,
                    });
                }
                if process.check_running().is_err() {
                    break; // lost a race for this display number; try the next
                }
                std::thread::sleep(Duration::from_millis(50));
            }
        }
        Err("cannot start Xvfb on any display".into())
    }
}
