//! Booking requests and cancellations patients sent through the portal: one
//! document each (`portal-booking-<submission id>`), with `client_id`,
//! `kind` (`request` or `cancellation`), the slot, the patient's `note`,
//! `sent_ms`, `status` (`pending`, `accepted`, `declined`, `done`) and, once
//! accepted, the `appointment` made. The therapist accepts or declines
//! (`records::portal::decide_booking`).

use automerge::transaction::Transactable;
use automerge::{AutoCommit, ObjType, ROOT};
use rusqlite::params;
use serde::{Deserialize, Serialize};

use super::message::{int_of, str_of, text_of};
use crate::vault::{Vault, VaultError};

pub const KIND: &str = "booking_request";

/// A request (or a cancellation) as the booking list shows it.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BookingRequestView {
    pub id: String,
    pub client_id: String,
    /// `request` or `cancellation`.
    pub kind: String,
    pub start_ms: i64,
    pub end_ms: i64,
    pub note: String,
    pub sent_ms: i64,
    /// `pending`, `accepted`, `declined` or `done` (a cancellation applied).
    pub status: String,
    /// The portal's id for the appointment: the request's own id, or the
    /// appointment a cancellation is about.
    pub portal_appointment: String,
    /// The appointment accepting made (occurrence id).
    pub appointment: Option<String>,
}

impl std::fmt::Debug for BookingRequestView {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("BookingRequestView")
            .field("id", &self.id)
            .field("kind", &self.kind)
            .field("start_ms", &self.start_ms)
            .field("status", &self.status)
            .finish_non_exhaustive()
    }
}

pub fn doc_id(submission: &str) -> String {
    format!("portal-booking-{submission}")
}

fn am(e: automerge::AutomergeError) -> VaultError {
    VaultError::Corrupt(format!("booking request: {e}"))
}

pub(crate) fn view(id: &str, doc: &AutoCommit) -> Result<BookingRequestView, VaultError> {
    let bad = || VaultError::Corrupt(format!("booking request {id} is incomplete"));
    Ok(BookingRequestView {
        id: id.to_owned(),
        client_id: str_of(doc, "client_id").ok_or_else(bad)?,
        kind: str_of(doc, "kind").ok_or_else(bad)?,
        start_ms: int_of(doc, "start_ms").unwrap_or(0),
        end_ms: int_of(doc, "end_ms").unwrap_or(0),
        note: text_of(doc, "note"),
        sent_ms: int_of(doc, "sent_ms").unwrap_or(0),
        status: str_of(doc, "status").ok_or_else(bad)?,
        portal_appointment: str_of(doc, "portal_appointment").unwrap_or_default(),
        appointment: str_of(doc, "appointment"),
    })
}

pub(crate) fn project(
    tx: &rusqlite::Transaction<'_>,
    id: &str,
    doc: &AutoCommit,
) -> Result<(), VaultError> {
    let v = view(id, doc)?;
    tx.execute(
        "INSERT INTO booking_requests (id, client_id, kind, start_ms, end_ms, status, sent_ms)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)
         ON CONFLICT(id) DO UPDATE SET client_id = ?2, kind = ?3, start_ms = ?4, end_ms = ?5,
             status = ?6, sent_ms = ?7",
        params![
            v.id,
            v.client_id,
            v.kind,
            v.start_ms,
            v.end_ms,
            v.status,
            v.sent_ms
        ],
    )?;
    Ok(())
}

/// What a new booking document holds.
pub(crate) struct NewBooking<'a> {
    pub client_id: &'a str,
    pub kind: &'a str,
    pub start_ms: i64,
    pub end_ms: i64,
    pub note: &'a str,
    pub sent_ms: i64,
    pub status: &'a str,
    pub portal_appointment: &'a str,
}

/// Stores a received request; `false` if it was stored before.
pub(crate) fn store(vault: &mut Vault, id: &str, new: &NewBooking<'_>) -> Result<bool, VaultError> {
    if vault.has_record(id)? {
        return Ok(false);
    }
    let mut doc = AutoCommit::new();
    doc.put(ROOT, "client_id", new.client_id).map_err(am)?;
    doc.put(ROOT, "kind", new.kind).map_err(am)?;
    doc.put(ROOT, "start_ms", new.start_ms).map_err(am)?;
    doc.put(ROOT, "end_ms", new.end_ms).map_err(am)?;
    doc.put(ROOT, "sent_ms", new.sent_ms).map_err(am)?;
    doc.put(ROOT, "status", new.status).map_err(am)?;
    doc.put(ROOT, "portal_appointment", new.portal_appointment)
        .map_err(am)?;
    let note = doc.put_object(ROOT, "note", ObjType::Text).map_err(am)?;
    doc.update_text(&note, new.note).map_err(am)?;
    let doc_ref = doc.clone();
    vault.save_document(id, KIND, &mut doc, |tx| project(tx, id, &doc_ref))?;
    Ok(true)
}

/// Sets the status (and the appointment made), running `also` in the same
/// transaction (the publication that tells the patient).
pub(crate) fn decide(
    vault: &mut Vault,
    id: &str,
    status: &str,
    appointment: Option<&str>,
    also: impl FnOnce(&rusqlite::Transaction<'_>) -> Result<(), VaultError>,
) -> Result<(), VaultError> {
    vault.update_document(
        id,
        KIND,
        |doc| {
            doc.put(ROOT, "status", status).map_err(am)?;
            if let Some(a) = appointment {
                doc.put(ROOT, "appointment", a).map_err(am)?;
            }
            Ok(doc.clone())
        },
        |tx, doc| {
            project(tx, id, doc)?;
            also(tx)
        },
    )?;
    Ok(())
}

/// One request (an audited read).
pub fn get(vault: &mut Vault, id: &str) -> Result<BookingRequestView, VaultError> {
    if !vault.has_record(id)? {
        return Err(VaultError::RecordNotFound(id.to_owned()));
    }
    let doc = vault.load_document(id)?;
    view(id, &doc)
}

/// Requests and cancellations, pending first, then newest first.
pub fn list(vault: &mut Vault) -> Result<Vec<BookingRequestView>, VaultError> {
    let ids: Vec<String> = {
        let mut stmt = vault.connection().prepare_cached(
            "SELECT id FROM booking_requests ORDER BY status = 'pending' DESC, sent_ms DESC, id",
        )?;
        let rows = stmt.query_map([], |r| r.get(0))?;
        rows.collect::<Result<_, _>>()?
    };
    let mut out = Vec::with_capacity(ids.len());
    for id in ids {
        out.push(get(vault, &id)?);
    }
    Ok(out)
}
