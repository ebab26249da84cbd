//! `bloom-relay`: the command line of the relay.

use std::path::PathBuf;

use anyhow::Context;
use bloom_relay::Config;
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
    }
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
