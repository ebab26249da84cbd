//! Sync between a device and the practice's relay.
//!
//! - [`status`]: what the app shows about its relay connection (plain data, also in wasm).
//! - [`proto`]: the wire protocol: framed, versioned messages both ends speak.
//! - [`pin`]: certificate fingerprints and the pinning verifier devices use.
//! - [`client`]: a QUIC connection to the relay.
//! - [`link`]: keeps a connection alive in the background and reports its status.

pub mod status;

#[cfg(feature = "net")]
pub mod invite;
#[cfg(feature = "net")]
pub mod log;

#[cfg(feature = "net")]
pub mod client;
#[cfg(feature = "net")]
pub mod engine;
#[cfg(feature = "net")]
pub mod enroll;
#[cfg(feature = "net")]
pub mod link;
#[cfg(feature = "net")]
pub mod pin;
#[cfg(feature = "net")]
pub mod proto;
#[cfg(all(feature = "net", feature = "vault"))]
mod vault_replica;
