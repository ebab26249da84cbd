//! Sync load driver: propagation latency, upload throughput, initial sync and
//! the relay's memory with many idle devices, all on loopback against a real
//! relay (`bloom-relay serve` as a child process, SQLite or PostgreSQL) with
//! real QUIC, mutual TLS and, where it matters, real vaults and engines.
//!
//! `scripts/bench-sync.sh` builds it and runs every scenario; by hand:
//!
//! ```text
//! cargo build --release -p bloom-relay -p bloom-e2e --examples
//! target/release/examples/sync_load <scenario> [--name value]...
//! ```
//!
//! Scenarios (options with defaults):
//! - `latency-wire --count 2000 --body 1024`: two raw devices; A uploads one
//!   change, timed until B's subscription stream delivers it.
//! - `latency-e2e --count 1000`: two enrolled vaults with real engines; A edits
//!   a note and nudges, timed until B's vault reads the new text.
//! - `throughput --devices 4 --blobs 20000 --body 1024 --batch 64`: concurrent
//!   devices upload batches over QUIC; each also keeps its subscription open.
//! - `store --devices 4 --blobs 20000 --body 1024 --batch 64`: the same appends
//!   straight into the store, no network.
//! - `initial --clients 200 --notes 800`: a device with that practice uploads
//!   it, then a new device pairs in and is timed until it shows all of it.
//! - `idle --devices 2000 --sockets 4 --hold 30 --ping 2`: that many enrolled
//!   devices connect and subscribe, then idle; the relay's RSS and CPU are sampled.
//!
//! `--backend postgres` (with `BENCH_PG`, a libpq string without dbname, such
//! as `host=/tmp/pg port=5432 user=postgres`) runs on a fresh database;
//! the default is SQLite (SQLCipher), as the relay ships.
//!
//! Nothing here asserts a time: it measures and prints.

#![allow(clippy::print_stdout)]

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use anyhow::{Context, Result, anyhow, bail};
use bloom_core::chart::NewClient;
use bloom_core::note::Template;
use bloom_core::records::{client, note};
use bloom_core::replica::{self, DeviceKeys};
use bloom_core::sync::client::{
    ALPN, ClientIdentity, ClientSettings, RelayClient, RelayTarget, SERVER_NAME,
};
use bloom_core::sync::enroll;
use bloom_core::sync::invite::Invite;
use bloom_core::sync::log::{Blob, BlobId, BlobKind, DeviceId};
use bloom_core::sync::pin::{CertFingerprint, PinnedVerifier};
use bloom_core::sync::proto::{self, DEFAULT_MAX_FRAME, Message, UploadResult};
use bloom_core::sync::status::RelayStatus;
use bloom_e2e::practice::{Device, MEMBER};
use bloom_relay::admin::{self, Reply, Request};
use bloom_relay::identity::RelayIdentity;
use bloom_relay::store::{InviteKind, NewDevice, NewInvite, RelayStore, Storage};
use tokio::sync::{Semaphore, mpsc, watch};

const AGENT: &str = "bloom-sync-load";

#[tokio::main]
async fn main() -> Result<()> {
    let args = Args::parse()?;
    let root = tempfile::Builder::new().prefix("bloom-bench-").tempdir()?;
    println!(
        "# scenario {} backend {} (nproc {}, load {})",
        args.scenario,
        args.backend_name(),
        std::thread::available_parallelism().map_or(0, |n| n.get()),
        loadavg()
    );
    match args.scenario.as_str() {
        "latency-wire" => latency_wire(&args, root.path()).await,
        "latency-e2e" => latency_e2e(&args, root.path()).await,
        "throughput" => throughput(&args, root.path()).await,
        "store" => store_only(&args, root.path()).await,
        "initial" => initial_sync(&args, root.path()).await,
        "idle" => idle(&args, root.path()).await,
        other => bail!("unknown scenario {other}"),
    }?;
    println!("# done (load {})", loadavg());
    Ok(())
}

// ---------------------------------------------------------------- options

struct Args {
    scenario: String,
    opts: HashMap<String, String>,
}

impl Args {
    fn parse() -> Result<Args> {
        let mut it = std::env::args().skip(1);
        let scenario = it
            .next()
            .ok_or_else(|| anyhow!("usage: sync_load <scenario> [--opt v]"))?;
        let mut opts = HashMap::new();
        while let Some(key) = it.next() {
            let key = key
                .strip_prefix("--")
                .ok_or_else(|| anyhow!("bad option {key}"))?;
            let value = it.next().ok_or_else(|| anyhow!("--{key} needs a value"))?;
            opts.insert(key.to_owned(), value);
        }
        Ok(Args { scenario, opts })
    }

    fn num(&self, key: &str, default: usize) -> Result<usize> {
        self.opts.get(key).map_or(Ok(default), |v| {
            v.parse().with_context(|| format!("--{key}"))
        })
    }

    fn postgres(&self) -> bool {
        self.opts.get("backend").is_some_and(|b| b == "postgres")
    }

    fn backend_name(&self) -> &str {
        if self.postgres() {
            "postgres"
        } else {
            "sqlite"
        }
    }

    /// A fresh PostgreSQL database when `--backend postgres`, else `None`.
    async fn database(&self) -> Result<Option<String>> {
        if !self.postgres() {
            return Ok(None);
        }
        let base = std::env::var("BENCH_PG").context("--backend postgres needs BENCH_PG")?;
        let name = format!(
            "bench_{}_{}",
            std::process::id(),
            self.scenario.replace('-', "_")
        );
        let (pg, connection) =
            tokio_postgres::connect(&format!("{base} dbname=postgres"), tokio_postgres::NoTls)
                .await?;
        let driver = tokio::spawn(connection);
        pg.batch_execute(&format!("CREATE DATABASE {name}")).await?;
        drop(pg);
        let _ = driver.await;
        Ok(Some(format!("{base} dbname={name}")))
    }
}

// ---------------------------------------------------------------- figures

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

/// Nearest-rank percentile of sorted samples.
fn pct(sorted: &[Duration], q: f64) -> Duration {
    if sorted.is_empty() {
        return Duration::ZERO;
    }
    let rank = ((q * sorted.len() as f64).ceil() as usize).clamp(1, sorted.len());
    sorted[rank - 1]
}

fn summary(label: &str, samples: &mut [Duration]) {
    samples.sort();
    println!(
        "RESULT {label}: n={} p50={:.2}ms p95={:.2}ms p99={:.2}ms max={:.2}ms",
        samples.len(),
        ms(pct(samples, 0.50)),
        ms(pct(samples, 0.95)),
        ms(pct(samples, 0.99)),
        ms(samples.last().copied().unwrap_or_default()),
    );
}

fn loadavg() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .map(|s| s.split_whitespace().take(3).collect::<Vec<_>>().join(" "))
        .unwrap_or_default()
}

// ---------------------------------------------------------------- the relay

/// `bloom-relay serve` as a child process (built next to this example),
/// stopped with SIGTERM when dropped.
struct ChildRelay {
    data_dir: PathBuf,
    child: Child,
    quic: u16,
}

impl ChildRelay {
    async fn start(data_dir: &Path, postgres: Option<&str>) -> Result<ChildRelay> {
        std::fs::create_dir_all(data_dir)?;
        let quic = bloom_e2e::process::free_udp_port();
        let log = std::fs::File::create(data_dir.with_extension("log"))?;
        let mut command = Command::new(bloom_e2e::practice::relay_binary());
        command
            .arg("serve")
            .env("BLOOM_RELAY_DATA_DIR", data_dir)
            .env(
                "BLOOM_RELAY_HTTP_ADDR",
                format!("127.0.0.1:{}", bloom_e2e::process::free_port()),
            )
            .env("BLOOM_RELAY_QUIC_ADDR", format!("127.0.0.1:{quic}"))
            .env("BLOOM_RELAY_PRACTICE_NAME", "Bench Practice")
            .env("RUST_LOG", "warn")
            .stdout(Stdio::null())
            .stderr(log);
        if let Some(url) = postgres {
            command.env("BLOOM_RELAY_POSTGRES_URL", url);
        }
        let child = command
            .spawn()
            .context("starting bloom-relay (built with --release?)")?;
        let relay = ChildRelay {
            data_dir: data_dir.to_owned(),
            child,
            quic,
        };
        let deadline = Instant::now() + Duration::from_secs(60);
        while admin::ask_running(data_dir, &Request::Devices)
            .await?
            .is_none()
        {
            if Instant::now() > deadline {
                bail!(
                    "the relay did not come up; see {}",
                    data_dir.with_extension("log").display()
                );
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        Ok(relay)
    }

    async fn invite(&self) -> Result<String> {
        let ask = Request::Invite {
            member: MEMBER.into(),
            hours: 1,
        };
        match admin::ask_running(&self.data_dir, &ask).await? {
            Some(Reply::Invite { text, .. }) => Ok(text),
            other => bail!("invite failed: {other:?}"),
        }
    }

    fn pid(&self) -> u32 {
        self.child.id()
    }
}

impl Drop for ChildRelay {
    fn drop(&mut self) {
        if let Ok(pid) = i32::try_from(self.child.id()) {
            let _ = nix::sys::signal::kill(
                nix::unistd::Pid::from_raw(pid),
                nix::sys::signal::Signal::SIGTERM,
            );
        }
        let deadline = Instant::now() + Duration::from_secs(10);
        while Instant::now() < deadline && matches!(self.child.try_wait(), Ok(None)) {
            std::thread::sleep(Duration::from_millis(50));
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A process's resident memory, peak and threads, from /proc.
struct ProcStat {
    rss_kib: u64,
    hwm_kib: u64,
    threads: u64,
    /// utime + stime, in clock ticks.
    cpu_ticks: u64,
}

fn proc_stat(pid: u32) -> Result<ProcStat> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status"))?;
    let field = |name: &str| -> u64 {
        status
            .lines()
            .find_map(|l| l.strip_prefix(name))
            .and_then(|v| v.split_whitespace().next())
            .and_then(|v| v.parse().ok())
            .unwrap_or(0)
    };
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat"))?;
    // Fields after the ")" that closes the command name; utime and stime are 14 and 15.
    let rest = stat.rsplit_once(')').map_or("", |(_, r)| r);
    let f: Vec<u64> = rest
        .split_whitespace()
        .map(|x| x.parse().unwrap_or(0))
        .collect();
    Ok(ProcStat {
        rss_kib: field("VmRSS:"),
        hwm_kib: field("VmHWM:"),
        threads: field("Threads:"),
        cpu_ticks: f.get(11).copied().unwrap_or(0) + f.get(12).copied().unwrap_or(0),
    })
}

fn clock_ticks() -> f64 {
    Command::new("getconf")
        .arg("CLK_TCK")
        .output()
        .ok()
        .and_then(|o| String::from_utf8(o.stdout).ok())
        .and_then(|s| s.trim().parse().ok())
        .unwrap_or(100.0)
}

/// UDP counters of the whole machine (`/proc/net/snmp`): drops show here.
fn udp_counters() -> HashMap<String, u64> {
    let text = std::fs::read_to_string("/proc/net/snmp").unwrap_or_default();
    let lines: Vec<&str> = text.lines().filter(|l| l.starts_with("Udp:")).collect();
    let mut out = HashMap::new();
    if let [names, values, ..] = lines.as_slice() {
        for (n, v) in names
            .split_whitespace()
            .zip(values.split_whitespace())
            .skip(1)
        {
            out.insert(n.to_owned(), v.parse().unwrap_or(0));
        }
    }
    out
}

/// Packets the kernel dropped on one UDP socket of this machine (the last
/// column of `/proc/net/udp`), by local port.
fn udp_drops(port: u16) -> u64 {
    let text = std::fs::read_to_string("/proc/net/udp").unwrap_or_default();
    let suffix = format!(":{port:04X}");
    text.lines()
        .skip(1)
        .filter(|l| {
            l.split_whitespace()
                .nth(1)
                .is_some_and(|a| a.ends_with(&suffix))
        })
        .filter_map(|l| l.split_whitespace().last()?.parse::<u64>().ok())
        .sum()
}

// ---------------------------------------------------------------- raw devices

fn identity(keys: &DeviceKeys) -> ClientIdentity {
    ClientIdentity {
        cert_der: keys.cert_der().to_vec(),
        key_der: keys.tls_key_pkcs8().to_vec(),
    }
}

/// A device without a vault: its own keys, enrolled with an admin invite,
/// speaking the protocol directly.
struct RawDevice {
    keys: DeviceKeys,
    client: RelayClient,
}

async fn raw_device(relay: &ChildRelay, name: &str) -> Result<RawDevice> {
    let keys = DeviceKeys::generate()?;
    let invite: Invite = relay.invite().await?.parse()?;
    enroll::enroll(&invite, identity(&keys), &keys.age_recipient(), name, AGENT).await?;
    let settings = ClientSettings {
        identity: Some(identity(&keys)),
        // Long enough for a big batch on a loaded machine.
        idle_timeout: Duration::from_secs(30),
        ..ClientSettings::default()
    };
    let client = RelayClient::connect(&invite.relay, AGENT, &settings).await?;
    Ok(RawDevice { keys, client })
}

/// Unique blob ids: a per-run random prefix and a counter.
fn blob_id() -> BlobId {
    static NEXT: AtomicU64 = AtomicU64::new(0);
    static SEED: std::sync::OnceLock<u64> = std::sync::OnceLock::new();
    let seed = *SEED.get_or_init(|| {
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(1, |d| d.as_nanos() as u64)
            ^ u64::from(std::process::id())
    });
    let mut id = [0u8; 16];
    id[..8].copy_from_slice(&seed.to_le_bytes());
    id[8..].copy_from_slice(&NEXT.fetch_add(1, Ordering::Relaxed).to_le_bytes());
    BlobId(id)
}

/// Sealed bodies look random; so does this (xorshift), which is all the relay sees.
fn body(len: usize, salt: u64) -> Vec<u8> {
    let mut x = salt | 1;
    (0..len)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x as u8
        })
        .collect()
}

fn change(doc: &str, len: usize) -> Blob {
    let id = blob_id();
    Blob {
        id,
        doc: doc.to_owned(),
        kind: BlobKind::Change,
        epoch: 0,
        to: None,
        body: body(
            len,
            u64::from_le_bytes(id.0[8..].try_into().unwrap_or([1; 8])),
        ),
    }
}

fn key_blob(doc: &str, to: &DeviceId) -> Blob {
    Blob {
        id: blob_id(),
        doc: doc.to_owned(),
        kind: BlobKind::Key { key_id: [7; 8] },
        epoch: 0,
        to: Some(to.clone()),
        body: body(200, 9),
    }
}

async fn upload(client: &RelayClient, blobs: Vec<Blob>) -> Result<Vec<u64>> {
    match client.request(&Message::Upload { blobs }).await? {
        Message::Uploaded { results } => results
            .into_iter()
            .map(|r| match r {
                UploadResult::Stored { seq } | UploadResult::Duplicate { seq } => Ok(seq),
                UploadResult::Refused { code, message } => bail!("refused {code}: {message}"),
            })
            .collect(),
        other => bail!("unexpected answer {}", other.kind()),
    }
}

/// Opens a subscription on `conn` and forwards (seq, arrival time) of every
/// entry it delivers.
async fn subscribe(
    conn: quinn::Connection,
    since: u64,
    out: mpsc::UnboundedSender<(u64, Instant)>,
) -> Result<()> {
    let (mut send, mut recv) = conn.open_bi().await?;
    proto::write_frame(&mut send, &Message::Subscribe { since }, DEFAULT_MAX_FRAME).await?;
    loop {
        match proto::read_frame(&mut recv, DEFAULT_MAX_FRAME).await? {
            Some(Message::Entries { entries, .. }) => {
                let now = Instant::now();
                for e in entries {
                    if out.send((e.seq, now)).is_err() {
                        return Ok(());
                    }
                }
            }
            Some(other) => bail!("unexpected {} on the subscription", other.kind()),
            None => return Ok(()),
        }
    }
}

// ---------------------------------------------------------------- 1. latency

/// Device → relay → device on the wire: A's Upload request is sent at t0;
/// t1 is when B's subscription stream has read the Entries frame holding it.
async fn latency_wire(args: &Args, root: &Path) -> Result<()> {
    let count = args.num("count", 2000)?;
    let size = args.num("body", 1024)?;
    let db = args.database().await?;
    let relay = ChildRelay::start(&root.join("relay"), db.as_deref()).await?;
    let a = raw_device(&relay, "A").await?;
    let b = raw_device(&relay, "B").await?;
    // A writes the document first (its reader), then gives B a key: B reads it too.
    let doc = "note/latency";
    upload(&a.client, vec![change(doc, size)]).await?;
    let head = upload(&a.client, vec![key_blob(doc, &b.keys.device_id())]).await?[0];
    let (tx, mut arrivals) = mpsc::unbounded_channel();
    tokio::spawn(subscribe(b.client.connection().clone(), head, tx));
    let mut seen: HashMap<u64, Instant> = HashMap::new();
    let (mut wire, mut acked) = (Vec::new(), Vec::new());
    for _ in 0..count {
        let blob = change(doc, size);
        let t0 = Instant::now();
        let seq = upload(&a.client, vec![blob]).await?[0];
        acked.push(t0.elapsed());
        let t1 = loop {
            if let Some(t) = seen.remove(&seq) {
                break t;
            }
            let (s, t) = tokio::time::timeout(Duration::from_secs(10), arrivals.recv())
                .await
                .context("B never received an upload")?
                .ok_or_else(|| anyhow!("B's subscription ended"))?;
            seen.insert(s, t);
        };
        wire.push(t1.duration_since(t0));
    }
    summary(
        &format!(
            "latency-wire {} {size}B A-upload-to-B-frame",
            args.backend_name()
        ),
        &mut wire,
    );
    summary(
        &format!(
            "latency-wire {} {size}B A-upload-answered",
            args.backend_name()
        ),
        &mut acked,
    );
    Ok(())
}

fn new_client(v: &mut bloom_core::vault::Vault, given: &str, family: &str) -> Result<String> {
    Ok(client::create_client(
        v,
        &NewClient {
            given_name: given.into(),
            family_name: family.into(),
            preferred_name: None,
        },
    )?)
}

fn write_note(v: &mut bloom_core::vault::Vault, client_id: &str, text: &str) -> Result<String> {
    let id = note::create_note(v, client_id, Template::Free, 1_790_000_000_000, None)?;
    note::edit_sections(v, &id, &[("body", text)])?;
    Ok(id)
}

fn note_text(v: &mut bloom_core::vault::Vault, id: &str) -> Option<String> {
    let view = note::read_note(v, id).ok()?;
    view.sections.first().map(|(_, t)| t.clone())
}

/// Vault to vault: t0 before A's `edit_sections` (the local commit), A's
/// engine nudged at once; t1 when a read of B's vault first returns the new
/// text (polled every millisecond, so up to ~1 ms of the figure is polling).
async fn latency_e2e(args: &Args, root: &Path) -> Result<()> {
    let count = args.num("count", 1000)?;
    let db = args.database().await?;
    let relay = ChildRelay::start(&root.join("relay"), db.as_deref()).await?;
    let mut a = Device::new(root, "laptop");
    let (client_id, note_id) = a.with(|v| -> Result<_> {
        let c = new_client(v, "Ada", "Moreno")?;
        let n = write_note(v, &c, "first")?;
        Ok((c, n))
    })?;
    let _ = client_id;
    a.enroll(&relay.invite().await?).await;
    let mut b = Device::new(root, "desktop");
    b.enroll(&a.pairing_code().await).await;
    b.wait_until("the note on B", |v| note_text(v, &note_id))
        .await;
    let mut e2e = Vec::new();
    let mut commit = Vec::new();
    let mut acked = Vec::new();
    for i in 0..count {
        let text = format!("Session notes, revision {i}: sleep, the new job, her sister.");
        let t0 = Instant::now();
        tokio::task::block_in_place(|| {
            a.with(|v| note::edit_sections(v, &note_id, &[("body", text.as_str())]))
        })?;
        commit.push(t0.elapsed());
        a.nudge();
        let deadline = t0 + Duration::from_secs(20);
        // Also when A's outbox is empty again (the relay acknowledged the
        // upload): splits the figure into A's side and the rest.
        let (mut seen, mut sent) = (None, None);
        loop {
            if sent.is_none()
                && tokio::task::block_in_place(|| a.with(|v| replica::pending_uploads(v)))? == 0
            {
                sent = Some(t0.elapsed());
            }
            if seen.is_none() {
                let got = tokio::task::block_in_place(|| b.with(|v| note_text(v, &note_id)));
                if got.as_deref() == Some(text.as_str()) {
                    seen = Some(t0.elapsed());
                }
            }
            if let (Some(seen), Some(sent)) = (seen, sent) {
                e2e.push(seen);
                acked.push(sent);
                break;
            }
            if Instant::now() > deadline {
                bail!("edit {i} never reached B (status {:?})", b.status());
            }
            tokio::time::sleep(Duration::from_millis(1)).await;
        }
    }
    summary(
        &format!("latency-e2e {} A-edit-to-B-vault", args.backend_name()),
        &mut e2e,
    );
    summary(
        &format!("latency-e2e {} A-local-commit", args.backend_name()),
        &mut commit,
    );
    summary(
        &format!(
            "latency-e2e {} A-edit-to-A-outbox-acknowledged",
            args.backend_name()
        ),
        &mut acked,
    );
    a.stop_sync();
    b.stop_sync();
    Ok(())
}

// ---------------------------------------------------------------- 2. throughput

/// Blobs per upload that fit one frame as the engine splits them.
fn batch_for(args: &Args, size: usize) -> Result<usize> {
    let fits = (DEFAULT_MAX_FRAME - 64 * 1024) / (size + 80);
    Ok(args.num("batch", 64)?.min(fits))
}

/// `devices` concurrent devices, each uploading `blobs / devices` change
/// blobs in batches over its own QUIC connection, spread over 16 documents
/// of its own; each keeps a subscription open and drains it, as the engine does.
async fn throughput(args: &Args, root: &Path) -> Result<()> {
    let devices = args.num("devices", 4)?;
    let total = args.num("blobs", 20_000)?;
    let size = args.num("body", 1024)?;
    let batch = batch_for(args, size)?;
    let db = args.database().await?;
    let relay = ChildRelay::start(&root.join("relay"), db.as_deref()).await?;
    let before = proc_stat(relay.pid())?;
    let mut tasks = Vec::new();
    let start = Arc::new(tokio::sync::Barrier::new(devices + 1));
    for d in 0..devices {
        let dev = raw_device(&relay, &format!("uploader {d}")).await?;
        let start = start.clone();
        let per = total / devices;
        tasks.push(tokio::spawn(async move {
            let (tx, mut rx) = mpsc::unbounded_channel();
            // From 0: the device gets its own uploads pushed back, as an engine does.
            tokio::spawn(subscribe(dev.client.connection().clone(), 0, tx));
            tokio::spawn(async move { while rx.recv().await.is_some() {} });
            let docs: Vec<String> = (0..16).map(|j| format!("note/d{d}-{j}")).collect();
            let mut latencies = Vec::new();
            start.wait().await;
            let mut sent = 0;
            while sent < per {
                let n = batch.min(per - sent);
                let blobs = (0..n)
                    .map(|k| change(&docs[(sent + k) % 16], size))
                    .collect();
                let t0 = Instant::now();
                upload(&dev.client, blobs).await?;
                latencies.push(t0.elapsed());
                sent += n;
            }
            anyhow::Ok((sent, latencies))
        }));
    }
    start.wait().await;
    let t0 = Instant::now();
    let mut stored = 0;
    let mut latencies = Vec::new();
    for t in tasks {
        let (n, l) = t.await??;
        stored += n;
        latencies.extend(l);
    }
    let elapsed = t0.elapsed();
    let after = proc_stat(relay.pid())?;
    let label = format!(
        "throughput {} {size}B {devices}dev batch{batch}",
        args.backend_name()
    );
    println!(
        "RESULT {label}: {stored} blobs in {:.2}s = {:.0} blobs/s = {:.1} MiB/s; relay CPU {:.1}s, RSS {} MiB",
        elapsed.as_secs_f64(),
        stored as f64 / elapsed.as_secs_f64(),
        (stored * size) as f64 / elapsed.as_secs_f64() / 1048576.0,
        (after.cpu_ticks - before.cpu_ticks) as f64 / clock_ticks(),
        after.rss_kib / 1024,
    );
    summary(&format!("{label} upload-request"), &mut latencies);
    Ok(())
}

/// The same appends without QUIC: straight into the store, in this process.
async fn store_only(args: &Args, root: &Path) -> Result<()> {
    let devices = args.num("devices", 4)?;
    let total = args.num("blobs", 20_000)?;
    let size = args.num("body", 1024)?;
    let batch = batch_for(args, size)?;
    let config = bloom_relay::Config {
        data_dir: root.join("store"),
        postgres_url: args.database().await?,
        ..bloom_relay::Config::default()
    };
    let store = Arc::new(bloom_relay::relay::open_storage(&config).await?);
    let ids = enroll_in_store(&store, devices, |_| {
        DeviceKeys::generate().map(|k| k.device_id())
    })
    .await?;
    let t0 = Instant::now();
    let mut tasks = Vec::new();
    for (d, id) in ids.into_iter().enumerate() {
        let store = store.clone();
        let per = total / devices;
        tasks.push(tokio::spawn(async move {
            let docs: Vec<String> = (0..16).map(|j| format!("note/d{d}-{j}")).collect();
            let mut sent = 0;
            while sent < per {
                let n = batch.min(per - sent);
                let blobs = (0..n)
                    .map(|k| change(&docs[(sent + k) % 16], size))
                    .collect();
                store.append(&id, blobs, 1).await?;
                sent += n;
            }
            anyhow::Ok(sent)
        }));
    }
    let mut stored = 0;
    for t in tasks {
        stored += t.await??;
    }
    let elapsed = t0.elapsed();
    println!(
        "RESULT store {} {size}B {devices}tasks batch{batch}: {stored} blobs in {:.2}s = {:.0} blobs/s = {:.1} MiB/s",
        args.backend_name(),
        elapsed.as_secs_f64(),
        stored as f64 / elapsed.as_secs_f64(),
        (stored * size) as f64 / elapsed.as_secs_f64() / 1048576.0,
    );
    Ok(())
}

/// Enrolls `n` devices through the store (an invite each, as the admin
/// socket makes them); `id(i)` gives device i's id.
async fn enroll_in_store(
    store: &Storage,
    n: usize,
    mut id: impl FnMut(usize) -> Result<DeviceId, bloom_core::replica::ReplicaError>,
) -> Result<Vec<DeviceId>> {
    let mut out = Vec::with_capacity(n);
    for i in 0..n {
        let mut token_hash = [0u8; 32];
        token_hash[..8].copy_from_slice(&(i as u64).to_le_bytes());
        store
            .create_invite(NewInvite {
                token_hash,
                member: MEMBER.into(),
                kind: InviteKind::Admin,
                expires_ms: i64::MAX,
                created_ms: 0,
            })
            .await?;
        let device = id(i)?;
        store
            .enroll(
                token_hash,
                NewDevice {
                    id: device.clone(),
                    name: format!("device {i}"),
                    // Any well-formed recipient: nothing is wrapped to these.
                    age_recipient: format!("age1{}", "q".repeat(58)),
                    pairing_proof: None,
                },
                1,
            )
            .await?;
        out.push(device);
    }
    Ok(out)
}

// ---------------------------------------------------------------- 3. initial sync

/// A practice of `clients` clients and `notes` notes made with the records
/// API on one device, uploaded; then a new device pairs in. Timed from the
/// new device's enrollment until its projections show every client and note
/// and nothing waits unapplied.
async fn initial_sync(args: &Args, root: &Path) -> Result<()> {
    let clients = args.num("clients", 200)?;
    let notes = args.num("notes", 800)?;
    let db = args.database().await?;
    let relay = ChildRelay::start(&root.join("relay"), db.as_deref()).await?;
    let mut a = Device::new(root, "office");
    let t = Instant::now();
    let client_ids = tokio::task::block_in_place(|| {
        a.with(|v| -> Result<Vec<String>> {
            let ids = (0..clients)
                .map(|i| new_client(v, &format!("Given{i}"), &format!("Family{i}")))
                .collect::<Result<Vec<_>>>()?;
            for n in 0..notes {
                let text = format!(
                    "Session {n}: mood, sleep, work; plan for next week. {}",
                    "x".repeat(200)
                );
                write_note(v, &ids[n % ids.len()], &text)?;
            }
            Ok(ids)
        })
    })?;
    println!(
        "RESULT initial: made {clients} clients + {notes} notes locally in {:.2}s",
        t.elapsed().as_secs_f64()
    );
    let pending = a.with(|v| replica::pending_uploads(v))?;
    let t = Instant::now();
    a.enroll(&relay.invite().await?).await;
    wait_synced(&a, Duration::from_secs(600)).await?;
    println!(
        "RESULT initial: A uploaded {pending} queued changes in {:.2}s (enrollment included)",
        t.elapsed().as_secs_f64()
    );
    let code = a.pairing_code().await;
    let mut b = Device::new(root, "new-laptop");
    let t0 = Instant::now();
    b.enroll(&code).await;
    let enrolled = t0.elapsed();
    let mut first_client = None;
    let deadline = t0 + Duration::from_secs(600);
    loop {
        let (have_clients, have_notes, waiting) = tokio::task::block_in_place(|| {
            b.with(|v| -> Result<(usize, usize, u64)> {
                let list = client::list_clients(v)?;
                let mut n = 0;
                for c in &list {
                    n += note::list_notes(v, &c.id)?.len();
                }
                let waiting = replica::waiting_entries(v)? + replica::unprojected(v)?.len() as u64;
                Ok((list.len(), n, waiting))
            })
        })?;
        if have_clients > 0 && first_client.is_none() {
            first_client = Some(t0.elapsed());
        }
        if have_clients >= client_ids.len() && have_notes >= notes && waiting == 0 {
            break;
        }
        if Instant::now() > deadline {
            bail!("B stuck at {have_clients} clients, {have_notes} notes, {waiting} waiting");
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let total = t0.elapsed();
    println!(
        "RESULT initial {}: {} docs to a new device: enrolled in {:.2}s, first client visible {:.2}s, all {clients} clients + {notes} notes visible {:.2}s",
        args.backend_name(),
        clients + notes,
        enrolled.as_secs_f64(),
        first_client.unwrap_or_default().as_secs_f64(),
        total.as_secs_f64(),
    );
    a.stop_sync();
    b.stop_sync();
    Ok(())
}

/// Until the device's engine says connected with nothing to send.
async fn wait_synced(d: &Device, timeout: Duration) -> Result<()> {
    let deadline = Instant::now() + timeout;
    loop {
        if matches!(d.status(), RelayStatus::Connected { .. })
            && d.with(|v| replica::pending_uploads(v))? == 0
        {
            return Ok(());
        }
        if Instant::now() > deadline {
            bail!("{} never finished uploading ({:?})", d.name, d.status());
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

// ---------------------------------------------------------------- 4. idle devices

#[derive(Default)]
struct IdleStats {
    subscribed: AtomicUsize,
    failed: AtomicUsize,
    dropped: AtomicUsize,
    pings: AtomicUsize,
    ping_failures: AtomicUsize,
}

/// The QUIC client config of one device: its certificate, the relay pinned,
/// and the engine's keep-alive (2 s) and idle timeout (6 s).
fn device_config(pin: CertFingerprint, cert: Vec<u8>, key: Vec<u8>) -> Result<quinn::ClientConfig> {
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let verifier = Arc::new(PinnedVerifier::new(pin, provider.clone()));
    let mut crypto = rustls::ClientConfig::builder_with_provider(provider)
        .with_protocol_versions(&[&rustls::version::TLS13])?
        .dangerous()
        .with_custom_certificate_verifier(verifier)
        .with_client_auth_cert(
            vec![rustls::pki_types::CertificateDer::from(cert)],
            rustls::pki_types::PrivateKeyDer::Pkcs8(key.into()),
        )?;
    crypto.alpn_protocols = vec![ALPN.to_vec()];
    let defaults = ClientSettings::default();
    let mut transport = quinn::TransportConfig::default();
    transport.keep_alive_interval(Some(defaults.keep_alive));
    transport.max_idle_timeout(Some(defaults.idle_timeout.try_into()?));
    let mut config = quinn::ClientConfig::new(Arc::new(
        quinn::crypto::rustls::QuicClientConfig::try_from(crypto)?,
    ));
    config.transport_config(Arc::new(transport));
    Ok(config)
}

async fn ask(conn: &quinn::Connection, msg: &Message) -> Result<Message> {
    let (mut send, mut recv) = conn.open_bi().await?;
    proto::write_frame(&mut send, msg, DEFAULT_MAX_FRAME).await?;
    send.finish()?;
    proto::read_frame(&mut recv, DEFAULT_MAX_FRAME)
        .await?
        .ok_or_else(|| anyhow!("no answer"))
}

/// Sets one idle device up: connect, Hello, Subscribe from the head and
/// read its first (empty, caught-up) page.
async fn connect_idle(
    endpoint: &quinn::Endpoint,
    config: quinn::ClientConfig,
    addr: std::net::SocketAddr,
    head: u64,
) -> Result<(quinn::Connection, quinn::SendStream, quinn::RecvStream)> {
    let conn = endpoint.connect_with(config, addr, SERVER_NAME)?.await?;
    match ask(
        &conn,
        &Message::Hello {
            agent: AGENT.into(),
        },
    )
    .await?
    {
        Message::Welcome {
            device: Some(_), ..
        } => {}
        other => bail!("not welcomed as a device: {}", other.kind()),
    }
    let (mut send, mut recv) = conn.open_bi().await?;
    proto::write_frame(
        &mut send,
        &Message::Subscribe { since: head },
        DEFAULT_MAX_FRAME,
    )
    .await?;
    match proto::read_frame(&mut recv, DEFAULT_MAX_FRAME).await? {
        Some(Message::Entries { .. }) => Ok((conn, send, recv)),
        other => bail!("no first page: {other:?}"),
    }
}

/// Idles like an engine: reads pushes, pings every `ping` (none if zero),
/// until `stop` or the connection drops (counted).
async fn idle_loop(
    conn: quinn::Connection,
    _send: quinn::SendStream,
    mut recv: quinn::RecvStream,
    ping: Duration,
    stats: Arc<IdleStats>,
    mut stop: watch::Receiver<bool>,
) {
    let period = if ping.is_zero() {
        Duration::from_secs(3600)
    } else {
        ping
    };
    let mut tick = tokio::time::interval_at(tokio::time::Instant::now() + period, period);
    loop {
        tokio::select! {
            frame = proto::read_frame(&mut recv, DEFAULT_MAX_FRAME) => {
                if !matches!(frame, Ok(Some(Message::Entries { .. }))) {
                    break;
                }
            }
            _ = tick.tick(), if !ping.is_zero() => {
                match ask(&conn, &Message::Ping { nonce: 1 }).await {
                    Ok(Message::Pong { .. }) => stats.pings.fetch_add(1, Ordering::Relaxed),
                    _ => stats.ping_failures.fetch_add(1, Ordering::Relaxed),
                };
            }
            // The only change ever sent is "stop".
            _ = stop.changed() => {
                conn.close(0u32.into(), b"bye");
                return;
            }
        }
    }
    stats.dropped.fetch_add(1, Ordering::Relaxed);
}

/// `devices` enrolled devices (enrolled through the store before the relay
/// starts) connect over `sockets` shared client endpoints, each subscribes
/// and idles like an engine; the relay child's RSS and CPU are sampled.
async fn idle(args: &Args, root: &Path) -> Result<()> {
    let devices = args.num("devices", 2000)?;
    let sockets = args.num("sockets", 4)?.max(1);
    let hold_secs = args.num("hold", 30)?;
    let ping = Duration::from_secs(args.num("ping", 2)? as u64);
    let parallel = args.num("parallel", 64)?;
    let data_dir = root.join("relay");
    let config = bloom_relay::Config {
        data_dir: data_dir.clone(),
        postgres_url: args.database().await?,
        ..bloom_relay::Config::default()
    };
    // The relay's identity and enrollments made before it starts.
    let pin = RelayIdentity::load_or_create(&data_dir)?.fingerprint();
    let t = Instant::now();
    let mut keys = Vec::with_capacity(devices);
    {
        let store = bloom_relay::relay::open_storage(&config).await?;
        // Two more than asked: the writer used below, enrolled the same way
        // (enrolling over QUIC fails beyond ~7,000 devices: see docs/benchmarks.md).
        enroll_in_store(&store, devices + 1, |_| {
            let k = DeviceKeys::generate()?;
            let id = k.device_id();
            keys.push(k);
            Ok(id)
        })
        .await?;
    }
    let writer_keys = keys.pop().ok_or_else(|| anyhow!("no writer"))?;
    println!(
        "# enrolled {devices} devices through the store in {:.1}s",
        t.elapsed().as_secs_f64()
    );
    let relay = ChildRelay::start(&data_dir, config.postgres_url.as_deref()).await?;
    let addr: std::net::SocketAddr = format!("127.0.0.1:{}", relay.quic).parse()?;
    let idle_rss = proc_stat(relay.pid())?;
    let target = RelayTarget {
        addr: addr.to_string(),
        fingerprint: pin,
    };
    let settings = ClientSettings {
        identity: Some(identity(&writer_keys)),
        idle_timeout: Duration::from_secs(30),
        ..ClientSettings::default()
    };
    let writer = RelayClient::connect(&target, AGENT, &settings).await?;
    // A head to subscribe from: every device is caught up.
    let head = upload(&writer, vec![change("note/fanout", 100)]).await?[0];
    let endpoints = (0..sockets)
        .map(|_| quinn::Endpoint::client("127.0.0.1:0".parse()?).map_err(anyhow::Error::from))
        .collect::<Result<Vec<_>>>()?;
    let stats = Arc::new(IdleStats::default());
    let (stop_tx, stop_rx) = watch::channel(false);
    let gate = Arc::new(Semaphore::new(parallel));
    let udp_before = udp_counters();
    let t = Instant::now();
    let mut tasks = Vec::with_capacity(devices);
    for (i, k) in keys.into_iter().enumerate() {
        let config = device_config(pin, k.cert_der().to_vec(), k.tls_key_pkcs8().to_vec())?;
        let endpoint = endpoints[i % sockets].clone();
        let (stats, stop, gate) = (stats.clone(), stop_rx.clone(), gate.clone());
        tasks.push(tokio::spawn(async move {
            // At most `parallel` devices set up at once, as after a relay restart
            // devices come back over some seconds, not in one instant.
            let permit = gate.acquire_owned().await;
            match connect_idle(&endpoint, config, addr, head).await {
                Ok((conn, send, recv)) => {
                    stats.subscribed.fetch_add(1, Ordering::Relaxed);
                    drop(permit);
                    idle_loop(conn, send, recv, ping, stats, stop).await;
                }
                Err(e) => {
                    if stats.failed.fetch_add(1, Ordering::Relaxed) < 3 {
                        println!("# device {i} failed: {e:#}");
                    }
                }
            }
        }));
    }
    // Wait until all are subscribed (or failed).
    let deadline = Instant::now() + Duration::from_secs(600);
    loop {
        let done = stats.subscribed.load(Ordering::Relaxed) + stats.failed.load(Ordering::Relaxed);
        if done >= devices || Instant::now() > deadline {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let setup = t.elapsed();
    let subscribed = stats.subscribed.load(Ordering::Relaxed);
    println!(
        "# {subscribed}/{devices} subscribed in {:.1}s over {sockets} client sockets ({} failed)",
        setup.as_secs_f64(),
        stats.failed.load(Ordering::Relaxed)
    );
    // Idle: sample the relay.
    let ticks = clock_ticks();
    let start = proc_stat(relay.pid())?;
    let pings0 = stats.pings.load(Ordering::Relaxed);
    let mut peak = start.rss_kib;
    for _ in 0..hold_secs {
        tokio::time::sleep(Duration::from_secs(1)).await;
        peak = peak.max(proc_stat(relay.pid())?.rss_kib);
    }
    let end = proc_stat(relay.pid())?;
    let cpu = (end.cpu_ticks - start.cpu_ticks) as f64 / ticks / hold_secs as f64 * 100.0;
    let udp_after = udp_counters();
    let client_drops: u64 = endpoints
        .iter()
        .filter_map(|e| e.local_addr().ok())
        .map(|a| udp_drops(a.port()))
        .sum();
    println!(
        "# UDP drops so far: relay socket {}, the {sockets} client sockets {client_drops}",
        udp_drops(relay.quic)
    );
    let udp_delta = |k: &str| udp_after.get(k).unwrap_or(&0) - udp_before.get(k).unwrap_or(&0);
    println!(
        "RESULT idle {} {devices}dev {sockets}sockets ping{}s: subscribed {subscribed}, setup {:.1}s; relay RSS before devices {} MiB, after setup {} MiB, end of {hold_secs}s idle {} MiB (peak sampled {} MiB, VmHWM {} MiB), {} threads; relay CPU while idle {cpu:.0}% of one core; during idle: {} dropped, {} pings ok ({:.0}/s), {} ping failures; UDP InErrors +{} RcvbufErrors +{} SndbufErrors +{}",
        args.backend_name(),
        ping.as_secs(),
        setup.as_secs_f64(),
        idle_rss.rss_kib / 1024,
        start.rss_kib / 1024,
        end.rss_kib / 1024,
        peak / 1024,
        end.hwm_kib / 1024,
        end.threads,
        stats.dropped.load(Ordering::Relaxed),
        stats.pings.load(Ordering::Relaxed) - pings0,
        (stats.pings.load(Ordering::Relaxed) - pings0) as f64 / hold_secs as f64,
        stats.ping_failures.load(Ordering::Relaxed),
        udp_delta("InErrors"),
        udp_delta("RcvbufErrors"),
        udp_delta("SndbufErrors"),
    );
    // One upload while everybody listens: every subscription loop wakes.
    let c0 = proc_stat(relay.pid())?;
    let t = Instant::now();
    for _ in 0..5 {
        upload(&writer, vec![change("note/fanout", 1024)]).await?;
    }
    let answered = t.elapsed() / 5;
    tokio::time::sleep(Duration::from_secs(5)).await;
    let c1 = proc_stat(relay.pid())?;
    println!(
        "RESULT idle {} {devices}dev fan-out: 5 uploads (readable by nobody else) answered in {:.1} ms each; relay CPU over the next 5 s {:.2} s ({:.1}% of one core for idle keep-alives alone)",
        args.backend_name(),
        ms(answered),
        (c1.cpu_ticks - c0.cpu_ticks) as f64 / ticks,
        cpu,
    );
    let _ = stop_tx.send(true);
    for t in tasks {
        let _ = tokio::time::timeout(Duration::from_secs(5), t).await;
    }
    for e in endpoints {
        e.close(0u32.into(), b"bye");
    }
    Ok(())
}
