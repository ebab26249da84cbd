//! bloom-relay: the server a practice hosts for its devices, patients and admins.
//!
//! - [`config`]: settings from defaults, then a TOML file, then the environment.
//! - [`identity`]: the relay's TLS certificate, made on first start and kept.
//! - [`quic`]: the sync endpoint devices connect to; [`enrollment`], [`upload`]
//!   and [`push`] answer its requests, [`devices`] tracks who is connected and
//!   who is revoked, [`store`] keeps the practice's log (SQLite or PostgreSQL).
//! - [`account`]: accounts, sessions, invites and resets (storage); [`audit`]: the web side's audit log.
//! - [`clock`]: the web side's (test-advanceable) clock.
//! - [`admin`]: invites, the device list and revocation (the CLI's socket).
//! - [`web`]: the HTTP side (pages, `/healthz`, `/metrics`).
//! - [`webstore`]: the web side's SQLCipher database (accounts, portal, audit).
//! - [`portal`]: the portal channel: publications from devices, the patient
//!   pages' functions, submissions sealed to the therapist's devices.
//! - [`metrics`]: counters both sides update; [`metrics_history`] keeps the
//!   last hours of them for the console's charts.
//! - [`ticket`]: support tickets from patients and members.
//! - [`relay`]: starts and stops all of it.

pub mod account;
pub mod admin;
pub mod audit;
pub mod clock;
pub mod config;
pub mod devices;
pub mod enrollment;
pub mod identity;
pub mod metrics;
pub mod metrics_history;
pub mod portal;
pub mod push;
pub mod quic;
pub mod relay;
pub mod store;
pub mod ticket;
pub mod upload;
pub mod web;
pub mod webstore;

pub use config::Config;
pub use relay::{RunningRelay, StartError, start};
