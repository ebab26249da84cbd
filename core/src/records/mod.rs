//! Clinical records as Automerge documents kept in the vault.
//!
//! A document is the unit of sync, sharing and encryption. The vault stores
//! each document's saved bytes as an audited record, and every write updates
//! the document, its stored bytes and its projection (plain indexed tables the
//! screens read) in one SQLite transaction — never one without the others.
//!
//! - [`document`]: saving and loading documents through the vault.
//! - [`client`]: the client chart (profile, case status, diagnoses, consents).
//! - [`appointment`]: single and recurring appointments, the calendar.
//! - [`note`]: session notes, signing and addenda.
//! - [`psychotherapy`]: psychotherapy notes under their own key.
//! - [`treatment_plan`], [`safety_plan`]: one document per client each.
//! - [`assessment`]: PHQ-9 / GAD-7 results, one document each, scored on save.
//! - [`search`]: the full-text index; [`rebuild`]: projections from documents.
//! - [`export`]: a client's record as one JSON file.
//! - [`journal`]: journal entries a client wrote; [`risk`]: the consent gate
//!   and store for on-device ML results; [`embedding`]: vectors for semantic search.
//! - [`portal`]: the portal channel on the device (invites, availability,
//!   the publication outbox, receiving submissions); [`message`],
//!   [`booking`], [`form`]: what patients sent through it.

pub mod appointment;
pub mod assessment;
pub mod booking;
pub mod client;
pub mod document;
pub mod embedding;
pub mod export;
pub mod form;
pub mod journal;
pub mod message;
pub mod note;
pub mod portal;
pub mod psychotherapy;
pub mod rebuild;
pub mod risk;
pub mod safety_plan;
pub mod search;
pub mod treatment_plan;
