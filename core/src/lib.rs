//! bloom-core: Bloom's domain and everything the desktop app and the relay share.
//!
//! The `net` feature (on by default) brings the wire protocol codec, the TLS
//! pinning and the QUIC client. Without it only plain data types remain, which
//! is what the wasm frontend uses. The `ml` feature brings the on-device model
//! runtime (ONNX Runtime, loaded at run time) and never reaches the wasm build.

#[cfg(feature = "accounts")]
pub mod account;
pub mod appointment;
pub mod assessment;
pub mod chart;
pub mod consent;
#[cfg(any(feature = "net", feature = "vault"))]
pub mod durable;
pub mod error;
pub mod hex;
pub mod icd10;
#[cfg(feature = "ml")]
pub mod ml;
pub mod note;
pub mod portal;
pub mod psychotherapy_note;
#[cfg(feature = "vault")]
pub mod records;
#[cfg(all(feature = "vault", feature = "net"))]
pub mod replica;
pub mod risk;
pub mod safety_plan;
pub mod schedule;
pub mod search;
pub mod support;
pub mod sync;
pub mod treatment_plan;
#[cfg(feature = "vault")]
pub mod vault;
pub mod vault_status;

pub use error::{Code, HasCode};
