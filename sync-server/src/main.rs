//! `bloom-relay`: the command line of the relay.

use std::path::PathBuf;

use anyhow::Context;
use bloom_relay::Config;
use bloom_relay::admin::{self, Reply, Request};
use bloom_relay::identity::RelayIdentity;
use clap::{Parser, Subcommand};

#[derive(Parser)]
#[command(name = "bloom-relay", version, about = "Bloom's relay for a practice")]
struct Cli {
    /// TOML config file (settings: defaults, then this file, then BLOOM_RELAY_* variables).
    #[arg(long, global = true, env = bloom_relay::config::CONFIG_ENV)]
    config: Option<PathBuf>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Serve the sync endpoint and the web side until SIGTERM or Ctrl-C.
    Serve,
    /// Print the certificate fingerprint devices pin (creates the certificate if needed).
    Fingerprint,
    /// Make a one-time invite that enrolls a member's first device; prints the text to paste
    /// into the desktop app.
    Invite {
        /// The member (therapist account) the device will belong to.
        #[arg(long)]
        member: String,
        /// How long the invite stays valid.
        #[arg(long, default_value_t = 72)]
        hours: u32,
    },
    /// Make a one-time sign-up link for a therapist or admin web account; prints the URL.
    AccountInvite {
        /// `therapist` or `admin`.
        #[arg(long)]
        role: String,
        /// The sync member name the account belongs to (as in `invite --member`).
        #[arg(long)]
        member: String,
        /// Prefills the sign-up form's email.
        #[arg(long)]
        email: Option<String>,
        /// How long the link stays valid.
        #[arg(long, default_value_t = 72)]
        hours: u32,
    },
    /// Create the demo accounts (admin@demo.bloom, therapist@demo.bloom) if missing;
    /// prints their password and TOTP secrets. Only for demos.
    DemoAccounts,
    /// List the practice's devices.
    Devices,
    /// Revoke a device: its connections are cut at once and it is refused afterwards.
    Revoke {
        /// The device id (32 hex digits, from `bloom-relay devices`).
        device: String,
    },
}

fn main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    let config = Config::load(cli.config.as_deref(), relay_env()?)?;
    match cli.command {
        Command::Serve => {
            init_logging();
            let runtime = tokio::runtime::Runtime::new().context("cannot start the runtime")?;
            runtime.block_on(serve(config))
        }
        Command::Fingerprint => {
            let identity = RelayIdentity::load_or_create(&config.data_dir)?;
            println!("{}", identity.fingerprint());
            Ok(())
        }
        Command::Invite { member, hours } => admin(config, Request::Invite { member, hours }),
        Command::AccountInvite {
            role,
            member,
            email,
            hours,
        } => account_invite(&config, &role, &member, email.as_deref(), hours),
        Command::DemoAccounts => demo_accounts(&config),
        Command::Devices => admin(config, Request::Devices),
        Command::Revoke { device } => admin(config, Request::Revoke { device }),
    }
}

/// Runs an admin request through the running relay, or on the storage directly.
fn admin(config: Config, request: Request) -> anyhow::Result<()> {
    let runtime = tokio::runtime::Runtime::new().context("cannot start the runtime")?;
    let reply = runtime.block_on(async {
        match admin::ask_running(&config.data_dir, &request).await? {
            Some(reply) => anyhow::Ok(reply),
            None => {
                let identity = RelayIdentity::load_or_create(&config.data_dir)?;
                let store = bloom_relay::relay::open_storage(&config).await?;
                let target = bloom_relay::relay::invite_target(&config, &identity)?;
                Ok(admin::perform(&store, &target, request).await)
            }
        }
    })?;
    match reply {
        Reply::Invite { text, expires_ms } => {
            println!("{text}");
            eprintln!("one-time invite; valid until {expires_ms} (ms since the epoch)");
        }
        Reply::Devices { devices } => {
            println!("{:<32}  {:<16}  {:<20}  state", "device", "member", "name");
            for d in devices {
                let state = match (d.revoked_ms, d.last_seen_ms) {
                    (Some(_), _) => "revoked".to_owned(),
                    (None, Some(t)) => format!("last seen {t}"),
                    (None, None) => "never seen".to_owned(),
                };
                println!("{:<32}  {:<16}  {:<20}  {state}", d.id, d.member, d.name);
            }
        }
        Reply::Revoked { device, documents } => {
            println!("revoked {device}; {documents} documents will get new keys");
        }
        Reply::Failed { message } => anyhow::bail!(message),
    }
    Ok(())
}

/// Writes a member invite into the web store (safe while the relay runs).
fn account_invite(
    config: &Config,
    role: &str,
    member: &str,
    email: Option<&str>,
    hours: u32,
) -> anyhow::Result<()> {
    let role = bloom_core::account::Role::parse(role)
        .filter(|r| *r != bloom_core::account::Role::Patient)
        .context("--role is therapist or admin")?;
    let store = bloom_relay::webstore::WebStore::open_in(&config.data_dir)?;
    let now = bloom_relay::quic::now_ms();
    let (token, expires_ms) = store.run_blocking(|conn| {
        bloom_relay::account::invite::create_member_invite(conn, role, member, email, hours, now)
    })?;
    println!(
        "{}/signup/{}",
        config.public_base(config.http_addr),
        token.text()
    );
    eprintln!("one-time sign-up link; valid until {expires_ms} (ms since the epoch)");
    Ok(())
}

fn demo_accounts(config: &Config) -> anyhow::Result<()> {
    let store = bloom_relay::webstore::WebStore::open_in(&config.data_dir)?;
    let now = bloom_relay::quic::now_ms();
    let accounts = store.run_blocking(|conn| bloom_relay::account::demo::ensure(conn, now))?;
    println!(
        "password for all: {}",
        bloom_relay::account::demo::DEMO_PASSWORD
    );
    for a in accounts {
        println!(
            "{:<24} {:<10} member {:<8} totp secret {}",
            a.email, a.role, a.member, a.totp_secret
        );
    }
    Ok(())
}

/// The `BLOOM_RELAY_*` variables; other variables are none of our business
/// (and may not even be UTF-8).
fn relay_env() -> anyhow::Result<Vec<(String, String)>> {
    let mut out = vec![];
    for (name, value) in std::env::vars_os() {
        let Some(name) = name.to_str().filter(|n| n.starts_with("BLOOM_RELAY_")) else {
            continue;
        };
        let value = value
            .into_string()
            .map_err(|_| anyhow::anyhow!("environment variable {name} is not valid UTF-8"))?;
        out.push((name.to_owned(), value));
    }
    Ok(out)
}

async fn serve(config: Config) -> anyhow::Result<()> {
    let relay = bloom_relay::start(config).await?;
    wait_for_stop_signal().await?;
    tracing::info!("stop signal received, shutting down");
    relay.shutdown().await;
    Ok(())
}

async fn wait_for_stop_signal() -> anyhow::Result<()> {
    use tokio::signal::unix::{SignalKind, signal};
    let mut term = signal(SignalKind::terminate()).context("cannot watch SIGTERM")?;
    let mut int = signal(SignalKind::interrupt()).context("cannot watch SIGINT")?;
    tokio::select! {
        _ = term.recv() => {}
        _ = int.recv() => {}
    }
    Ok(())
}

fn init_logging() {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .init();
}
