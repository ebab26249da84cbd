//! bloom-core: Bloom's domain and everything the desktop app and the relay share.
//!
//! The `net` feature (on by default) brings the wire protocol codec, the TLS
//! pinning and the QUIC client. Without it only plain data types remain, which
//! is what the wasm frontend uses.

pub mod assessment;
pub mod consent;
#[cfg(any(feature = "net", feature = "vault"))]
pub mod durable;
pub mod error;
pub mod hex;
pub mod icd10;
#[cfg(feature = "vault")]
pub mod records;
pub mod schedule;
pub mod sync;
#[cfg(feature = "vault")]
pub mod vault;
pub mod vault_status;

pub use error::{Code, HasCode};
