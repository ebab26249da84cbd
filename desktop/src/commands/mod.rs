//! Tauri commands: the frontend's only way into bloom-core. Each parses its
//! input, calls one bloom-core function and maps errors to a stable code.

pub mod appointment;
pub mod client;
pub mod journal;
pub mod note;
pub mod plan;
pub mod portal;
pub mod relay;
pub mod search;
pub mod sync;
pub mod vault;

use bloom_core::HasCode;
use serde::Serialize;

/// What a failed command returns to the frontend: a stable code to match on
/// and a message safe to show (bloom-core errors never carry PHI or secrets).
#[derive(Debug, Serialize)]
pub struct CommandError {
    pub code: &'static str,
    pub message: String,
}

impl<E: HasCode + std::fmt::Display> From<E> for CommandError {
    fn from(e: E) -> Self {
        CommandError {
            code: e.code().as_str(),
            message: e.to_string(),
        }
    }
}
