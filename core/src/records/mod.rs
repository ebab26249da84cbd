//! Clinical records as Automerge documents kept in the vault.
//!
//! A document is the unit of sync, sharing and encryption. The vault stores
//! each document's saved bytes as an audited record, and every write updates
//! the document, its stored bytes and its projection (plain indexed tables the
//! screens read) in one SQLite transaction — never one without the others.
//!
//! - [`document`]: saving and loading documents through the vault.
//! - [`client`]: the client chart (names, case status with its history, consents).
//! - [`assessment`]: PHQ-9 / GAD-7 results, one document each, scored on save.

pub mod assessment;
pub mod client;
pub mod document;
