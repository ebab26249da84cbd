//! Portal load driver: how fast the relay serves a signed-in patient's pages
//! with many sessions at once, on loopback, against `bloom-relay serve` as a
//! child process (release build, SQLCipher web store).
//!
//! `scripts/bench-portal.sh` builds and runs it; by hand:
//!
//! ```text
//! cargo build --release -p bloom-relay -p bloom-e2e --examples
//! target/release/examples/portal_load [--sessions 200] [--seconds 20] [--warmup 3] [--rate R]
//! ```
//!
//! Without `--rate` every session sends its next request as soon as the last
//! answer arrives (closed loop: the relay's throughput, latency is queueing).
//! With `--rate R` the sessions together send R requests a second on a fixed
//! schedule (open loop, each session every `sessions / R` seconds, staggered);
//! latency counts from when a request was due, so a relay that falls behind
//! is charged for the wait.
//!
//! Setup (not measured): a therapist's device (real vault, real sync engine)
//! enrolls, invites `--sessions` clients and publishes two weeks of slots;
//! each patient signs up through the real form (Argon2id hashing happens
//! here, outside the measured phase) from its own loopback address, since
//! sign-up is rate-limited per address. Then every session keeps one HTTP/1.1
//! keep-alive connection and loads its portal pages in turn, as fast as the
//! relay answers, for `--seconds`; latencies of every answer are recorded.
//!
//! Nothing here asserts a time: it measures and prints.

#![allow(clippy::print_stdout, clippy::unwrap_used, clippy::expect_used)]

use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::time::{Duration, Instant};

use anyhow::{Context, Result, anyhow};
use bloom_core::chart::NewClient;
use bloom_core::consent::{ConsentAction, ConsentKind};
use bloom_core::records::{client, portal};
use bloom_e2e::practice::{Device, RelayProcess};
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt};

const PAGES: [&str; 5] = [
    "/portal",
    "/portal/appointments",
    "/portal/messages",
    "/portal/forms",
    "/portal/book",
];

struct Args {
    sessions: usize,
    seconds: u64,
    warmup: u64,
    /// Requests per second over all sessions (open loop); `None`: closed loop.
    rate: Option<f64>,
}

fn args() -> Result<Args> {
    let mut a = Args {
        sessions: 200,
        seconds: 20,
        warmup: 3,
        rate: None,
    };
    let mut it = std::env::args().skip(1);
    while let Some(flag) = it.next() {
        let value = it.next().ok_or_else(|| anyhow!("{flag} needs a value"))?;
        match flag.as_str() {
            "--sessions" => a.sessions = value.parse()?,
            "--seconds" => a.seconds = value.parse()?,
            "--warmup" => a.warmup = value.parse()?,
            "--rate" => a.rate = Some(value.parse()?),
            _ => anyhow::bail!("unknown option {flag}"),
        }
    }
    Ok(a)
}

/// One HTTP/1.1 keep-alive connection from a chosen loopback address.
struct Conn {
    stream: tokio::io::BufReader<tokio::net::TcpStream>,
    host: String,
}

struct Answer {
    status: u16,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
}

impl Answer {
    fn cookies(&self) -> Vec<String> {
        self.headers
            .iter()
            .filter(|(k, _)| k.eq_ignore_ascii_case("set-cookie"))
            .filter_map(|(_, v)| v.split(';').next().map(str::to_owned))
            .collect()
    }
}

impl Conn {
    async fn open(from: IpAddr, to: SocketAddr) -> Result<Conn> {
        let socket = tokio::net::TcpSocket::new_v4()?;
        socket.bind(SocketAddr::new(from, 0))?;
        let stream = socket.connect(to).await?;
        stream.set_nodelay(true)?;
        Ok(Conn {
            stream: tokio::io::BufReader::new(stream),
            host: to.to_string(),
        })
    }

    async fn send(
        &mut self,
        method: &str,
        path: &str,
        cookie: &str,
        form: Option<&str>,
    ) -> Result<Answer> {
        let mut req = format!(
            "{method} {path} HTTP/1.1\r\nHost: {}\r\nAccept-Language: en\r\n",
            self.host
        );
        if !cookie.is_empty() {
            req.push_str(&format!("Cookie: {cookie}\r\n"));
        }
        match form {
            Some(body) => req.push_str(&format!(
                "Content-Type: application/x-www-form-urlencoded\r\nContent-Length: {}\r\n\r\n{body}",
                body.len()
            )),
            None => req.push_str("\r\n"),
        }
        self.stream.get_mut().write_all(req.as_bytes()).await?;
        let mut line = String::new();
        self.stream.read_line(&mut line).await?;
        let status: u16 = line
            .split(' ')
            .nth(1)
            .and_then(|s| s.parse().ok())
            .ok_or_else(|| anyhow!("bad status line {line:?}"))?;
        let mut headers = Vec::new();
        loop {
            line.clear();
            self.stream.read_line(&mut line).await?;
            let l = line.trim_end();
            if l.is_empty() {
                break;
            }
            if let Some((k, v)) = l.split_once(':') {
                headers.push((k.trim().to_owned(), v.trim().to_owned()));
            }
        }
        let len: usize = headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case("content-length"))
            .and_then(|(_, v)| v.parse().ok())
            .unwrap_or(0);
        let mut body = vec![0; len];
        self.stream.read_exact(&mut body).await?;
        Ok(Answer {
            status,
            headers,
            body,
        })
    }
}

fn csrf_of(html: &str) -> Option<String> {
    let at = html.find(r#"name="_csrf""#)?;
    let rest = &html[at..];
    let v = rest.find("value=\"")? + 7;
    Some(rest[v..v + rest[v..].find('"')?].to_owned())
}

/// The `n`th loopback address after 127.0.1.0 (sign-up is limited per address).
fn source(n: usize) -> IpAddr {
    IpAddr::V4(Ipv4Addr::new(
        127,
        0,
        1 + (n / 250) as u8,
        1 + (n % 250) as u8,
    ))
}

/// Signs a patient up from an invite; returns the session cookie.
async fn sign_up(n: usize, to: SocketAddr, token: &str) -> Result<String> {
    let mut conn = Conn::open(source(n), to).await?;
    let path = format!("/signup/{token}");
    let form = conn.send("GET", &path, "", None).await?;
    anyhow::ensure!(form.status == 200, "sign-up page: {}", form.status);
    let pre = form.cookies().join("; ");
    let csrf = csrf_of(&String::from_utf8_lossy(&form.body)).context("no CSRF field")?;
    let body = format!(
        "_csrf={}&email=patient{n}%40example.org&display_name=Patient+{n}&password=violet+kettle+drums+at+noon&password2=violet+kettle+drums+at+noon",
        csrf
    );
    let made = conn.send("POST", &path, &pre, Some(&body)).await?;
    anyhow::ensure!(
        made.status == 303,
        "sign-up: {} {}",
        made.status,
        String::from_utf8_lossy(&made.body)
    );
    made.cookies()
        .into_iter()
        .find(|c| c.starts_with("bloom_session="))
        .context("no session cookie")
}

fn percentile(sorted: &[u32], p: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    f64::from(sorted[i]) / 1000.0
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() -> Result<()> {
    let args = args()?;
    let dir = tempfile::tempdir()?;
    let relay = RelayProcess::start(&dir.path().join("relay")).await;
    let http: SocketAddr = relay.http_addr();

    // The therapist's device: clients, invites, availability.
    let mut laptop = Device::new(dir.path(), "laptop");
    laptop.enroll(&relay.invite().await).await;
    let started = Instant::now();
    let tokens: Vec<String> = laptop.with(|v| {
        let tokens = (0..args.sessions)
            .map(|i| {
                let id = client::create_client(
                    v,
                    &NewClient {
                        given_name: format!("Patient{i}"),
                        family_name: "Load".into(),
                        preferred_name: None,
                    },
                )
                .unwrap();
                client::record_consent(v, &id, ConsentKind::PortalUse, ConsentAction::Granted)
                    .unwrap();
                portal::invite_client(v, &id, None).unwrap().token
            })
            .collect();
        portal::publish_availability(v, chrono::Utc::now().date_naive(), 14, 24).unwrap();
        tokens
    });
    laptop
        .wait_until("the publications sent", |v| {
            (portal::pending(v).unwrap() == 0).then_some(())
        })
        .await;
    println!(
        "setup: {} clients invited and published in {:.1} s",
        args.sessions,
        started.elapsed().as_secs_f64()
    );

    let started = Instant::now();
    let mut sessions = Vec::new();
    for (n, token) in tokens.iter().enumerate() {
        sessions.push(
            sign_up(n, http, token)
                .await
                .with_context(|| format!("patient {n}"))?,
        );
    }
    println!(
        "setup: {} patients signed up (Argon2id, not measured) in {:.1} s",
        sessions.len(),
        started.elapsed().as_secs_f64()
    );

    // The measured phase: every session loads its pages in turn.
    let warm_until = Instant::now() + Duration::from_secs(args.warmup);
    let end = warm_until + Duration::from_secs(args.seconds);
    let mut tasks = Vec::new();
    let count = sessions.len();
    let period = args.rate.map(|r| Duration::from_secs_f64(count as f64 / r));
    let begin = tokio::time::Instant::now();
    for (n, cookie) in sessions.into_iter().enumerate() {
        tasks.push(tokio::spawn(async move {
            // Open loop: this session's requests are due at fixed times.
            let mut due = period.map(|p| begin + p.mul_f64(n as f64 / count as f64));
            let mut conn = Conn::open(source(n), http).await?;
            let mut lat: Vec<Vec<u32>> = vec![Vec::new(); PAGES.len()];
            let mut errors = 0u64;
            let mut i = n;
            loop {
                let page = i % PAGES.len();
                i += 1;
                let t = match (due, period) {
                    (Some(at), Some(p)) => {
                        tokio::time::sleep_until(at).await;
                        due = Some(at + p);
                        at.into_std()
                    }
                    _ => Instant::now(),
                };
                if t >= end {
                    break;
                }
                let a = conn.send("GET", PAGES[page], &cookie, None).await?;
                let us = t.elapsed().as_micros().min(u128::from(u32::MAX)) as u32;
                if a.status != 200 {
                    errors += 1;
                }
                if t >= warm_until {
                    lat[page].push(us);
                }
            }
            Ok::<_, anyhow::Error>((lat, errors))
        }));
    }
    let mut per_page: Vec<Vec<u32>> = vec![Vec::new(); PAGES.len()];
    let mut errors = 0;
    for t in tasks {
        let (lat, e) = t.await??;
        errors += e;
        for (all, mine) in per_page.iter_mut().zip(lat) {
            all.extend(mine);
        }
    }
    let mut all: Vec<u32> = per_page.iter().flatten().copied().collect();
    all.sort_unstable();
    let mode = match args.rate {
        Some(r) => format!("open loop at {r:.0} requests/s"),
        None => "closed loop".to_owned(),
    };
    println!(
        "portal pages, {} sessions, {mode}, {} s measured: {} answers ({:.0}/s), non-200: {}",
        args.sessions,
        args.seconds,
        all.len(),
        all.len() as f64 / args.seconds as f64,
        errors
    );
    println!(
        "{:<22} {:>8} {:>9} {:>9} {:>9} {:>9}",
        "page", "answers", "p50 ms", "p95 ms", "p99 ms", "max ms"
    );
    for (page, lat) in PAGES.iter().zip(per_page.iter_mut()) {
        lat.sort_unstable();
        println!(
            "{:<22} {:>8} {:>9.2} {:>9.2} {:>9.2} {:>9.2}",
            page,
            lat.len(),
            percentile(lat, 0.50),
            percentile(lat, 0.95),
            percentile(lat, 0.99),
            percentile(lat, 1.0)
        );
    }
    println!(
        "{:<22} {:>8} {:>9.2} {:>9.2} {:>9.2} {:>9.2}",
        "all",
        all.len(),
        percentile(&all, 0.50),
        percentile(&all, 0.95),
        percentile(&all, 0.99),
        percentile(&all, 1.0)
    );
    laptop.stop_sync();
    drop(relay);
    Ok(())
}
