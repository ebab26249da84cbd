//! bloom-relay: the server a practice hosts for its devices, patients and admins.
//!
//! - [`config`]: settings from defaults, then a TOML file, then the environment.
//! - [`identity`]: the relay's TLS certificate, made on first start and kept.
//! - [`quic`]: the sync endpoint devices connect to.
//! - [`web`]: the HTTP side (pages, `/healthz`, `/metrics`).
//! - [`metrics`]: counters both sides update.
//! - [`relay`]: starts and stops all of it.
//! - [`store`]: the sync log's storage (SQLite or PostgreSQL).

pub mod config;
pub mod identity;
pub mod metrics;
pub mod quic;
pub mod relay;
pub mod store;
pub mod web;

pub use config::Config;
pub use relay::{RunningRelay, StartError, start};
