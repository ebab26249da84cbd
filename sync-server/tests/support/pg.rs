//! A throwaway PostgreSQL server for a test binary, from Debian's
//! `postgresql` package (`/usr/lib/postgresql/<version>/bin`).
//!
//! One server per test binary, started by the first test that asks; each
//! test gets a database of its own. The server lives in a temp directory
//! (data, Unix socket, log) and listens on 127.0.0.1 at a free port.
//!
//! Stopping it without unsafe code or a destructor on a static: before
//! anything is created, a watchdog shell is started whose stdin is a pipe
//! from this process. The write end is never closed by us, so the kernel
//! closes it when the test process exits in any way (success, panic,
//! kill -9); the watchdog then reads EOF, stops the server
//! (`pg_ctl stop -m immediate`) and deletes the directory. It runs in its
//! own session (`setsid`), so a Ctrl-C on the terminal does not kill it
//! before it has cleaned up.
//!
//! `initdb` refuses to run as root, so as root everything runs as the
//! `postgres` system user (`runuser`), which owns the temp directory.

use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Mutex, OnceLock};

pub struct PgServer {
    dir: PathBuf,
    port: u16,
    /// Kept (never closed) so the watchdog's stdin stays open until we exit.
    _watchdog: Mutex<Child>,
}

static SERVER: OnceLock<Result<PgServer, String>> = OnceLock::new();

/// The binary's server, started on first use. Panics (failing the test)
/// when PostgreSQL is not installed: these tests never skip silently.
pub fn server() -> &'static PgServer {
    match SERVER.get_or_init(start) {
        Ok(server) => server,
        Err(e) => panic!("cannot start the test PostgreSQL server: {e}"),
    }
}

impl PgServer {
    /// A connection string for `dbname` over the Unix socket.
    pub fn connect_string(&self, dbname: &str) -> String {
        format!(
            "host={} port={} user=postgres dbname={dbname}",
            self.dir.display(),
            self.port
        )
    }

    /// Creates a new, empty database and returns its connection string.
    pub async fn new_database(&self) -> String {
        static N: AtomicU32 = AtomicU32::new(0);
        let name = format!(
            "t_{}_{}",
            std::process::id(),
            N.fetch_add(1, Ordering::Relaxed)
        );
        let (client, connection) =
            tokio_postgres::connect(&self.connect_string("postgres"), tokio_postgres::NoTls)
                .await
                .unwrap_or_else(|e| panic!("cannot connect to the test server: {e}"));
        let driver = tokio::spawn(connection);
        client
            .batch_execute(&format!("CREATE DATABASE {name}"))
            .await
            .unwrap_or_else(|e| panic!("cannot create database {name}: {e}"));
        drop(client);
        let _ = driver.await;
        self.connect_string(&name)
    }
}

fn start() -> Result<PgServer, String> {
    let bin = find_bin()?;
    let root = is_root();
    let dir = tempfile::Builder::new()
        .prefix("bloom-pg-")
        .tempdir()
        .map_err(|e| format!("temp dir: {e}"))?
        .keep();
    let watchdog = start_watchdog(&dir, &bin, root)?;
    if root {
        run(Command::new("chown").arg("postgres:").arg(&dir))?;
    }
    let data = dir.join("data");
    run(as_owner(root, &bin.join("initdb"))
        .args([
            "-A",
            "trust",
            "-U",
            "postgres",
            "-E",
            "UTF8",
            "--locale=C",
            "--no-sync",
            "-D",
        ])
        .arg(&data))?;
    let mut last = String::new();
    // The free port can be taken between finding and binding it: retry.
    for _ in 0..3 {
        let port = free_port()?;
        let options = format!(
            "-c listen_addresses=127.0.0.1 -p {port} -k {} -c max_connections=300 \
             -c fsync=off -c synchronous_commit=off -c full_page_writes=off",
            dir.display()
        );
        let started = run(as_owner(root, &bin.join("pg_ctl"))
            .args(["start", "-w", "-t", "60", "-D"])
            .arg(&data)
            .arg("-l")
            .arg(dir.join("server.log"))
            .arg("-o")
            .arg(options));
        match started {
            Ok(()) => {
                return Ok(PgServer {
                    dir,
                    port,
                    _watchdog: Mutex::new(watchdog),
                });
            }
            Err(e) => last = e,
        }
    }
    let log = std::fs::read_to_string(dir.join("server.log")).unwrap_or_default();
    Err(format!("{last}\nserver log:\n{log}"))
}

/// The newest installed PostgreSQL's bin directory.
fn find_bin() -> Result<PathBuf, String> {
    let missing = "PostgreSQL server binaries not found in /usr/lib/postgresql/*/bin; \
                   install Debian's `postgresql` package (scripts/test.sh does)";
    let mut versions: Vec<(u32, PathBuf)> = std::fs::read_dir("/usr/lib/postgresql")
        .map_err(|_| missing.to_string())?
        .filter_map(|e| e.ok())
        .filter_map(|e| {
            let version = e.file_name().to_str()?.parse().ok()?;
            let bin = e.path().join("bin");
            bin.join("pg_ctl").exists().then_some((version, bin))
        })
        .collect();
    versions.sort();
    versions
        .pop()
        .map(|(_, bin)| bin)
        .ok_or_else(|| missing.to_string())
}

fn is_root() -> bool {
    std::fs::metadata("/proc/self")
        .map(|m| m.uid() == 0)
        .unwrap_or(false)
}

/// `program` as the data directory's owner: `postgres` when we are root.
fn as_owner(root: bool, program: &Path) -> Command {
    if root {
        let mut c = Command::new("runuser");
        c.args(["-u", "postgres", "--"]).arg(program);
        c
    } else {
        Command::new(program)
    }
}

fn run(command: &mut Command) -> Result<(), String> {
    let out = command
        .stdin(Stdio::null())
        .output()
        .map_err(|e| format!("{command:?}: {e}"))?;
    if out.status.success() {
        Ok(())
    } else {
        Err(format!(
            "{command:?} failed: {}\n{}",
            out.status,
            String::from_utf8_lossy(&out.stderr)
        ))
    }
}

/// Waits for EOF on stdin (this process gone), then stops the server and
/// removes its directory.
fn start_watchdog(dir: &Path, bin: &Path, root: bool) -> Result<Child, String> {
    const SCRIPT: &str = r#"
        trap '' INT HUP TERM
        cat >/dev/null
        if [ -f "$1/data/postmaster.pid" ]; then
            if [ "$3" = root ]; then
                runuser -u postgres -- "$2/pg_ctl" stop -D "$1/data" -m immediate -w
            else
                "$2/pg_ctl" stop -D "$1/data" -m immediate -w
            fi
        fi
        rm -rf "$1"
    "#;
    Command::new("setsid")
        .args(["sh", "-c", SCRIPT, "pg-watchdog"])
        .arg(dir)
        .arg(bin)
        .arg(if root { "root" } else { "user" })
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .map_err(|e| format!("cannot start the clean-up watchdog: {e}"))
}

fn free_port() -> Result<u16, String> {
    let listener =
        std::net::TcpListener::bind("127.0.0.1:0").map_err(|e| format!("no free port: {e}"))?;
    listener
        .local_addr()
        .map(|a| a.port())
        .map_err(|e| format!("no free port: {e}"))
}
