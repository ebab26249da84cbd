//! The real `bloom-relay` binary: configured by file and environment, serving
//! HTTP, and stopping cleanly on SIGTERM.

use std::io::Read;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use nix::sys::signal::{Signal, kill};
use nix::unistd::Pid;

const BIN: &str = env!("CARGO_BIN_EXE_bloom-relay");

fn free_tcp_port() -> std::io::Result<u16> {
    Ok(std::net::TcpListener::bind("127.0.0.1:0")?
        .local_addr()?
        .port())
}

fn free_udp_port() -> std::io::Result<u16> {
    Ok(std::net::UdpSocket::bind("127.0.0.1:0")?
        .local_addr()?
        .port())
}

/// Stops the child with SIGTERM when dropped, even if the test failed.
struct Relay(Child);

impl Drop for Relay {
    fn drop(&mut self) {
        if let Ok(None) = self.0.try_wait() {
            let _ = kill(Pid::from_raw(self.0.id() as i32), Signal::SIGTERM);
            let _ = self.0.wait();
        }
    }
}

fn get(url: &str) -> Result<(u16, String, String), ureq::Error> {
    let mut response = ureq::get(url).call()?;
    let status = response.status().as_u16();
    let content_type = response
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_owned();
    let body = response.body_mut().read_to_string()?;
    Ok((status, content_type, body))
}

fn wait_healthy(base: &str) -> (u16, String, String) {
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        match get(&format!("{base}/healthz")) {
            Ok(answer) => return answer,
            Err(e) if Instant::now() > deadline => panic!("relay never became healthy: {e}"),
            Err(_) => std::thread::sleep(Duration::from_millis(50)),
        }
    }
}

#[test]
fn serve_from_file_and_env_then_stop_on_sigterm() {
    let dir = tempfile::tempdir().unwrap();
    let http = free_tcp_port().unwrap();
    let quic = free_udp_port().unwrap();
    let config = dir.path().join("relay.toml");
    std::fs::write(
        &config,
        format!(
            "practice_name = \"From The File\"\nhttp_addr = \"127.0.0.1:{http}\"\n\
             quic_addr = \"127.0.0.1:{quic}\"\n"
        ),
    )
    .unwrap();
    let data = dir.path().join("data");

    let mut relay = Relay(
        Command::new(BIN)
            .args(["--config", config.to_str().unwrap(), "serve"])
            .env("BLOOM_RELAY_DATA_DIR", &data)
            .env("BLOOM_RELAY_PRACTICE_NAME", "Riverside Counselling")
            .env("RUST_LOG", "info")
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap(),
    );
    let base = format!("http://127.0.0.1:{http}");

    let (status, content_type, body) = wait_healthy(&base);
    assert_eq!(status, 200);
    assert_eq!(content_type, "application/json");
    assert_eq!(body, r#"{"status":"ok"}"#);

    // The environment overrides the file's practice name; the file's ports hold.
    let (status, content_type, page) = get(&format!("{base}/")).unwrap();
    assert_eq!(status, 200);
    assert!(content_type.starts_with("text/html"), "{content_type}");
    assert!(page.contains("Riverside Counselling"), "{page}");
    assert!(page.contains(&format!("127.0.0.1:{quic}")), "{page}");

    // The fingerprint command reads the same certificate the server uses.
    let out = Command::new(BIN)
        .arg("fingerprint")
        .env("BLOOM_RELAY_DATA_DIR", &data)
        .output()
        .unwrap();
    assert!(out.status.success());
    let fingerprint = String::from_utf8(out.stdout).unwrap();
    assert!(fingerprint.starts_with("sha256:"), "{fingerprint}");
    assert!(page.contains(fingerprint.trim()), "{page}");

    let (_, content_type, metrics) = get(&format!("{base}/metrics")).unwrap();
    assert!(content_type.contains("openmetrics-text"), "{content_type}");
    assert!(
        metrics.contains(r#"bloom_relay_http_requests_total{route="/",status="200"} 1"#),
        "{metrics}"
    );

    kill(Pid::from_raw(relay.0.id() as i32), Signal::SIGTERM).unwrap();
    let deadline = Instant::now() + Duration::from_secs(15);
    let status = loop {
        if let Some(status) = relay.0.try_wait().unwrap() {
            break status;
        }
        assert!(Instant::now() < deadline, "relay ignored SIGTERM");
        std::thread::sleep(Duration::from_millis(50));
    };
    let mut log = String::new();
    relay
        .0
        .stderr
        .take()
        .unwrap()
        .read_to_string(&mut log)
        .unwrap();
    assert!(status.success(), "exit {status:?}\n{log}");
    assert!(log.contains("relay stopped"), "{log}");
}

#[test]
fn a_bad_setting_stops_the_relay_with_a_clear_message() {
    let dir = tempfile::tempdir().unwrap();
    let out = Command::new(BIN)
        .arg("serve")
        .env("BLOOM_RELAY_DATA_DIR", dir.path())
        .env("BLOOM_RELAY_HTTP_ADDR", "not-an-address")
        .output()
        .unwrap();
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("BLOOM_RELAY_HTTP_ADDR"), "{err}");
}
