//! The portal channel on a therapist's device.
//!
//! What the therapist publishes goes through a durable outbox in the vault
//! (`portal_outbox`): every function here that publishes enqueues in the
//! same transaction as the change that causes it, so a publication is never
//! lost and never sent for a change that did not commit. The sync engine
//! sends the outbox in order when connected ([`outbox`], [`sent`]).
//!
//! What patients submit arrives sealed to this device; [`receive`] opens
//! each submission with the device's age identity and applies it into the
//! chart, keyed by the submission id (applying one twice stores it once),
//! and returns the ids the engine may acknowledge once committed.
//!
//! A client is known to the relay by a random [`PortalClientId`], stored on
//! the chart (`portal_id`) when first invited and projected to
//! `portal_links`. Publishing about a client needs their recorded
//! `PortalUse` consent.

use automerge::transaction::Transactable;
use automerge::{AutoCommit, ROOT};
use chrono::{Duration, NaiveDate};
use chrono_tz::Tz;
use rusqlite::{OptionalExtension, params};
use serde::{Deserialize, Serialize};

use crate::appointment::NewAppointment;
use crate::consent::{ConsentAction, ConsentKind};
use crate::portal::{
    FormKind, PortalAppointmentStatus, PortalClientId, Publication, PublishedSlot, Submission,
};
use crate::records::{appointment, booking, client, form, message, safety_plan};
use crate::schedule::{AppointmentStatus, Modality, ServiceCode, Slot};
use crate::vault::{Vault, VaultError, now_ms};

pub use crate::records::booking::BookingRequestView;
pub use crate::records::form::FormSubmissionView;
pub use crate::records::message::{MessageView, mark_read, unread_count};

/// How long an invite link stays valid.
pub const INVITE_DAYS: i64 = 14;
/// The length of a published slot, in minutes.
pub const SLOT_MINUTES: u32 = 50;
/// Days of availability one publication may cover at most.
pub const MAX_DAYS: u32 = 90;

/// What the therapist gives the client to join the portal: the relay's page
/// for `token`. The token is shown once and never stored (the relay keeps
/// its SHA-256); `Debug` never shows it.
#[derive(Clone, Serialize, Deserialize)]
pub struct PortalInvite {
    pub client_id: String,
    pub portal_id: String,
    pub token: String,
    pub email: Option<String>,
    pub expires_ms: i64,
}

impl std::fmt::Debug for PortalInvite {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PortalInvite")
            .field("portal_id", &self.portal_id)
            .field("expires_ms", &self.expires_ms)
            .finish_non_exhaustive()
    }
}

fn am(e: automerge::AutomergeError) -> VaultError {
    VaultError::Corrupt(format!("portal: {e}"))
}

fn random_hex<const N: usize>() -> Result<String, VaultError> {
    let mut bytes = [0u8; N];
    getrandom::fill(&mut bytes).map_err(|e| VaultError::Internal(format!("random: {e}")))?;
    Ok(crate::hex::encode(&bytes))
}

// ----- the outbox -----

/// Queues a publication inside the caller's transaction.
pub(crate) fn enqueue(
    tx: &rusqlite::Transaction<'_>,
    item: &Publication,
) -> Result<(), VaultError> {
    let bytes = encode_item(item)?;
    tx.execute(
        "INSERT INTO portal_outbox (kind, item, created_ms) VALUES (?1, ?2, ?3)",
        params![item.kind(), bytes, now_ms()],
    )?;
    Ok(())
}

fn encode_item(item: &Publication) -> Result<Vec<u8>, VaultError> {
    serde_json::to_vec(item).map_err(|_| VaultError::Internal("encoding a publication".into()))
}

/// Up to `max` queued publications, oldest first, with their outbox number.
pub fn outbox(vault: &Vault, max: usize) -> Result<Vec<(i64, Publication)>, VaultError> {
    let mut stmt = vault.connection().prepare_cached(
        "SELECT ord, item FROM portal_outbox WHERE error IS NULL ORDER BY ord LIMIT ?1",
    )?;
    let rows = stmt.query_map([max as i64], |r| {
        Ok((r.get::<_, i64>(0)?, r.get::<_, Vec<u8>>(1)?))
    })?;
    let mut out = vec![];
    for row in rows {
        let (ord, bytes) = row?;
        let item = serde_json::from_slice(&bytes)
            .map_err(|_| VaultError::Corrupt(format!("portal outbox item {ord}")))?;
        out.push((ord, item));
    }
    Ok(out)
}

/// The relay applied these publications: drop them.
pub fn sent(vault: &Vault, ords: &[i64]) -> Result<(), VaultError> {
    let mut stmt = vault
        .connection()
        .prepare_cached("DELETE FROM portal_outbox WHERE ord = ?1")?;
    for ord in ords {
        stmt.execute([ord])?;
    }
    Ok(())
}

/// The relay refused this publication (`code`): it stays, set aside, until
/// [`retry_refused`].
pub fn refused(vault: &Vault, ord: i64, code: &str) -> Result<(), VaultError> {
    vault.connection().execute(
        "UPDATE portal_outbox SET error = ?2 WHERE ord = ?1",
        params![ord, code],
    )?;
    Ok(())
}

/// Offers refused publications again (each new sync session).
pub fn retry_refused(vault: &Vault) -> Result<(), VaultError> {
    vault.connection().execute(
        "UPDATE portal_outbox SET error = NULL WHERE error IS NOT NULL",
        [],
    )?;
    Ok(())
}

/// Publications waiting to be sent (not counting refused ones).
pub fn pending(vault: &Vault) -> Result<u64, VaultError> {
    let n: i64 = vault.connection().query_row(
        "SELECT count(*) FROM portal_outbox WHERE error IS NULL",
        [],
        |r| r.get(0),
    )?;
    Ok(n.max(0) as u64)
}

// ----- links between portal ids and clients -----

/// Projects a chart's portal id (called with the client projection).
pub(crate) fn project_link(
    tx: &rusqlite::Transaction<'_>,
    client_id: &str,
    doc: &AutoCommit,
) -> Result<(), VaultError> {
    if let Some(portal) =
        message::str_of(doc, "portal_id").filter(|p| PortalClientId::parse(p).is_some())
    {
        tx.execute(
            "INSERT INTO portal_links (portal_id, client_id) VALUES (?1, ?2)
             ON CONFLICT(portal_id) DO UPDATE SET client_id = ?2",
            params![portal, client_id],
        )?;
    }
    Ok(())
}

/// The client a portal id names, if this device knows it.
pub fn client_of(vault: &Vault, portal: &PortalClientId) -> Result<Option<String>, VaultError> {
    Ok(vault
        .connection()
        .query_row(
            "SELECT client_id FROM portal_links WHERE portal_id = ?1",
            [portal.as_str()],
            |r| r.get(0),
        )
        .optional()?)
}

/// The portal id of an invited client.
pub fn portal_id(vault: &Vault, client_id: &str) -> Result<Option<PortalClientId>, VaultError> {
    let id: Option<String> = vault
        .connection()
        .query_row(
            "SELECT portal_id FROM portal_links WHERE client_id = ?1",
            [client_id],
            |r| r.get(0),
        )
        .optional()?;
    Ok(id.and_then(|s| PortalClientId::parse(&s)))
}

/// The portal id of a client who consents to the portal and was invited.
fn publishable(vault: &mut Vault, client_id: &str) -> Result<PortalClientId, VaultError> {
    if !client::exists(vault, client_id)? {
        return Err(VaultError::RecordNotFound(client_id.to_owned()));
    }
    if !client::is_consented(vault, client_id, ConsentKind::PortalUse)? {
        return Err(VaultError::Invalid(
            "the client has not consented to the portal".into(),
        ));
    }
    portal_id(vault, client_id)?
        .ok_or_else(|| VaultError::Invalid("the client is not invited to the portal".into()))
}

// ----- what the desktop calls -----

/// Invites a client to the portal (needs their `PortalUse` consent): gives
/// the chart a portal id if it has none, makes a one-time token and queues
/// the invite (the relay gets the token's SHA-256 and the email, if any).
pub fn invite_client(
    vault: &mut Vault,
    client_id: &str,
    email: Option<&str>,
) -> Result<PortalInvite, VaultError> {
    if !client::exists(vault, client_id)? {
        return Err(VaultError::RecordNotFound(client_id.to_owned()));
    }
    if !client::is_consented(vault, client_id, ConsentKind::PortalUse)? {
        return Err(VaultError::Invalid(
            "the client has not consented to the portal".into(),
        ));
    }
    let email = email.map(str::trim).filter(|e| !e.is_empty());
    if email.is_some_and(|e| e.len() > 320 || !e.contains('@')) {
        return Err(VaultError::Invalid("the email address is not valid".into()));
    }
    let portal = match portal_id(vault, client_id)? {
        Some(p) => p,
        None => PortalClientId::parse(&random_hex::<16>()?)
            .ok_or_else(|| VaultError::Internal("portal id".into()))?,
    };
    // The same form as the relay's one-time tokens (`account::token`): 32
    // random bytes as 43 unpadded base64url characters; the relay stores the
    // SHA-256 of the bytes.
    let mut bytes = [0u8; 32];
    getrandom::fill(&mut bytes)
        .map_err(|_| VaultError::Internal("the system random source failed".into()))?;
    let token = data_encoding::BASE64URL_NOPAD.encode(&bytes);
    let digest = ring::digest::digest(&ring::digest::SHA256, &bytes);
    let mut token_sha256 = [0u8; 32];
    token_sha256.copy_from_slice(digest.as_ref());
    let expires_ms = now_ms() + INVITE_DAYS * 24 * 3_600_000;
    let portal_for_doc = portal.as_str().to_owned();
    let invite_email = email.map(str::to_owned);
    vault.update_document(
        client_id,
        client::KIND,
        |doc| {
            doc.put(ROOT, "portal_id", portal_for_doc.as_str())
                .map_err(am)?;
            Ok(doc.clone())
        },
        |tx, doc| {
            let row = client::summary(client_id, doc, 0)?;
            client::project(tx, &row, &client::search_names(doc))?;
            project_link(tx, client_id, doc)?;
            enqueue(
                tx,
                &Publication::ClientInvite {
                    client: portal.clone(),
                    display_name: row.display_name.clone(),
                    email: invite_email.clone(),
                    token_sha256,
                    expires_ms,
                },
            )
        },
    )?;
    Ok(PortalInvite {
        client_id: client_id.to_owned(),
        portal_id: portal.as_str().to_owned(),
        token,
        email: email.map(str::to_owned),
        expires_ms,
    })
}

/// Ends a client's portal access (consent withdrawn, discharged).
pub fn revoke_client(vault: &mut Vault, client_id: &str) -> Result<(), VaultError> {
    let portal = portal_id(vault, client_id)?
        .ok_or_else(|| VaultError::Invalid("the client is not invited to the portal".into()))?;
    let tx = vault.transaction()?;
    enqueue(&tx, &Publication::RevokeClient { client: portal })?;
    tx.commit()?;
    Ok(())
}

/// Publishes the slots patients may request: working hours minus busy
/// times, from `from` for `days` days (local dates in the therapist's zone),
/// future slots of [`SLOT_MINUTES`]; and the cancel notice. Replaces what
/// was published before. Returns the slots.
pub fn publish_availability(
    vault: &mut Vault,
    from: NaiveDate,
    days: u32,
    notice_hours: u32,
) -> Result<Vec<PublishedSlot>, VaultError> {
    if days == 0 || days > MAX_DAYS || notice_hours > 24 * 14 {
        return Err(VaultError::Invalid(
            "availability range or notice out of range".into(),
        ));
    }
    let hours = appointment::working_hours(vault, Tz::UTC)?;
    let last = from + Duration::days(i64::from(days) - 1);
    let busy: Vec<Slot> = appointment::range(vault, from, last + Duration::days(1), hours.tz)?
        .into_iter()
        .map(|a| Slot {
            id: a.id.clone(),
            start_utc: chrono::DateTime::from_timestamp_millis(a.start_ms).unwrap_or_default(),
            end_utc: chrono::DateTime::from_timestamp_millis(a.end_ms).unwrap_or_default(),
            busy: a.status.is_busy(),
        })
        .collect();
    let starts = crate::schedule::free_slots(from, last, &hours, &busy, SLOT_MINUTES)
        .map_err(|e| VaultError::Invalid(e.to_string()))?;
    let now = now_ms();
    let slots: Vec<PublishedSlot> = starts
        .into_iter()
        .map(|s| PublishedSlot {
            start_ms: s.timestamp_millis(),
            end_ms: s.timestamp_millis() + i64::from(SLOT_MINUTES) * 60_000,
        })
        .filter(|s| s.start_ms > now)
        .collect();
    let tx = vault.transaction()?;
    enqueue(
        &tx,
        &Publication::Availability {
            slots: slots.clone(),
            cancel_notice_hours: notice_hours,
        },
    )?;
    tx.commit()?;
    Ok(slots)
}

/// Booking requests and cancellations from the portal, pending first.
pub fn booking_requests(vault: &mut Vault) -> Result<Vec<BookingRequestView>, VaultError> {
    booking::list(vault)
}

/// Accepts (books the appointment and confirms it to the patient) or
/// declines a pending booking request.
pub fn decide_booking(
    vault: &mut Vault,
    id: &str,
    accept: bool,
) -> Result<BookingRequestView, VaultError> {
    let request = booking::get(vault, id)?;
    if request.kind != "request" || request.status != "pending" {
        return Err(VaultError::Invalid(
            "this booking request is already answered".into(),
        ));
    }
    let portal = publishable(vault, &request.client_id)?;
    let answer = |appointment: String, status| Publication::Appointment {
        client: portal.clone(),
        appointment,
        start_ms: request.start_ms,
        end_ms: request.end_ms,
        status,
        request: Some(request.portal_appointment.clone()),
    };
    if accept {
        let tz = appointment::working_hours(vault, Tz::UTC)?.tz;
        let start = chrono::DateTime::from_timestamp_millis(request.start_ms)
            .ok_or_else(|| VaultError::Invalid("the requested time".into()))?;
        let minutes = u32::try_from((request.end_ms - request.start_ms) / 60_000)
            .map_err(|_| VaultError::Invalid("the requested length".into()))?;
        let new = NewAppointment {
            client_id: request.client_id.clone(),
            start_local: crate::schedule::to_local(start, tz),
            duration_min: minutes,
            service_code: ServiceCode::Psychotherapy45,
            fee_cents: 0,
            modality: Modality::InPerson,
            repeat: None,
            until: None,
            count: None,
        };
        let series = appointment::create(vault, &new, tz)?;
        let occurrence = appointment::for_client(vault, &request.client_id)?
            .into_iter()
            .find(|a| a.series_id == series)
            .map(|a| a.id)
            .ok_or_else(|| VaultError::Internal("the new appointment has no occurrence".into()))?;
        let publication = answer(occurrence.clone(), PortalAppointmentStatus::Confirmed);
        booking::decide(vault, id, "accepted", Some(&occurrence), |tx| {
            enqueue(tx, &publication)
        })?;
    } else {
        let publication = answer(
            request.portal_appointment.clone(),
            PortalAppointmentStatus::Declined,
        );
        booking::decide(vault, id, "declined", None, |tx| enqueue(tx, &publication))?;
    }
    booking::get(vault, id)
}

/// A client's portal thread, oldest first.
pub fn thread(vault: &mut Vault, client_id: &str) -> Result<Vec<MessageView>, VaultError> {
    message::thread(vault, client_id)
}

/// Replies to a client through the portal.
pub fn reply(vault: &mut Vault, client_id: &str, body: &str) -> Result<MessageView, VaultError> {
    let portal = publishable(vault, client_id)?;
    let message_id = random_hex::<16>()?;
    let id = message::doc_id(&message_id);
    let sent_ms = now_ms();
    let publication = Publication::Reply {
        client: portal,
        message: message_id,
        body: body.to_owned(),
        sent_ms,
    };
    message::store(vault, &id, client_id, false, body, sent_ms, |tx| {
        enqueue(tx, &publication)
    })?;
    Ok(MessageView {
        id,
        client_id: client_id.to_owned(),
        from_client: false,
        body: body.to_owned(),
        sent_ms,
        unread: false,
    })
}

/// Asks the client to fill in a form or questionnaire; returns the
/// assignment id.
pub fn assign(vault: &mut Vault, client_id: &str, form: FormKind) -> Result<String, VaultError> {
    let portal = publishable(vault, client_id)?;
    let assignment = random_hex::<16>()?;
    let tx = vault.transaction()?;
    enqueue(
        &tx,
        &Publication::Assign {
            client: portal,
            assignment: assignment.clone(),
            form,
            assigned_ms: now_ms(),
        },
    )?;
    tx.commit()?;
    Ok(assignment)
}

/// The forms the client submitted, newest first.
pub fn form_submissions(
    vault: &mut Vault,
    client_id: &str,
) -> Result<Vec<FormSubmissionView>, VaultError> {
    form::for_client(vault, client_id)
}

/// Shares the client's current safety plan on the portal (the sections
/// written so far), replacing what was shared before.
pub fn share_safety_plan(vault: &mut Vault, client_id: &str) -> Result<usize, VaultError> {
    let portal = publishable(vault, client_id)?;
    let plan = safety_plan::plan(vault, client_id)?;
    let sections: Vec<(String, String)> = plan
        .sections
        .into_iter()
        .filter(|(_, body)| !body.trim().is_empty())
        .map(|(s, body)| (s.as_str().to_owned(), body))
        .collect();
    let n = sections.len();
    let tx = vault.transaction()?;
    enqueue(
        &tx,
        &Publication::SafetyPlan {
            client: portal,
            sections,
            shared_ms: now_ms(),
        },
    )?;
    tx.commit()?;
    Ok(n)
}

// ----- receiving submissions -----

/// What [`apply`] did with one submission.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Applied {
    /// Stored now (its record id).
    Stored(String),
    /// Stored before: nothing to do.
    Already,
    /// A questionnaire whose answers raise the safety alert (its record id):
    /// the app must surface it at once.
    SafetyAlert(String),
}

/// Applies one opened submission into the chart. Idempotent: every record
/// it makes is named by the submission id.
pub fn apply(vault: &mut Vault, submission: &Submission) -> Result<Applied, VaultError> {
    let client_id = client_of(vault, submission.client())?
        .ok_or_else(|| VaultError::RecordNotFound("the portal client".into()))?;
    let stored = |fresh: bool, id: String| {
        if fresh {
            Applied::Stored(id)
        } else {
            Applied::Already
        }
    };
    match submission {
        Submission::Message {
            id, body, sent_ms, ..
        } => {
            let rid = message::doc_id(id);
            let fresh = message::store(vault, &rid, &client_id, true, body, *sent_ms, |_| Ok(()))?;
            Ok(stored(fresh, rid))
        }
        Submission::BookingRequest {
            id,
            slot,
            note,
            sent_ms,
            ..
        } => {
            let rid = booking::doc_id(id);
            let fresh = booking::store(
                vault,
                &rid,
                &booking::NewBooking {
                    client_id: &client_id,
                    kind: "request",
                    start_ms: slot.start_ms,
                    end_ms: slot.end_ms,
                    note,
                    sent_ms: *sent_ms,
                    status: "pending",
                    portal_appointment: id,
                },
            )?;
            Ok(stored(fresh, rid))
        }
        Submission::Cancellation {
            id,
            appointment: target,
            sent_ms,
            ..
        } => {
            let rid = booking::doc_id(id);
            if vault.has_record(&rid)? {
                return Ok(Applied::Already);
            }
            let (start_ms, end_ms) = cancel_locally(vault, &client_id, target)?;
            booking::store(
                vault,
                &rid,
                &booking::NewBooking {
                    client_id: &client_id,
                    kind: "cancellation",
                    start_ms,
                    end_ms,
                    note: "",
                    sent_ms: *sent_ms,
                    status: "done",
                    portal_appointment: target,
                },
            )?;
            Ok(Applied::Stored(rid))
        }
        Submission::Form {
            id,
            assignment,
            form: kind,
            answers,
            signature,
            sent_ms,
            ..
        } => {
            let rid = form::doc_id(id);
            if vault.has_record(&rid)? {
                return Ok(Applied::Already);
            }
            crate::portal::form::validate(*kind, answers, signature.as_ref())
                .map_err(|e| VaultError::Invalid(e.to_string()))?;
            if *kind == FormKind::Consent {
                // Signed consent to treatment, recorded as the client's own
                // (first: recording it twice after a crash is harmless).
                client::record_consent_by(
                    vault,
                    &client_id,
                    ConsentKind::Treatment,
                    ConsentAction::Granted,
                    "client (portal)",
                )?;
            }
            form::store(
                vault,
                &rid,
                &form::NewForm {
                    client_id: &client_id,
                    form: *kind,
                    assignment,
                    answers,
                    signature: signature.as_ref(),
                    sent_ms: *sent_ms,
                },
            )?;
            Ok(Applied::Stored(rid))
        }
        Submission::Assessment {
            id,
            instrument,
            answers,
            comment,
            sent_ms,
            ..
        } => {
            let rid = format!("portal-assessment-{id}");
            if vault.has_record(&rid)? {
                return Ok(Applied::Already);
            }
            let comment = Some(comment.as_str()).filter(|c| !c.trim().is_empty());
            let scored = crate::records::assessment::record_as(
                vault,
                &rid,
                &client_id,
                *instrument,
                answers,
                *sent_ms,
                comment,
            )?;
            if scored.safety_alert {
                Ok(Applied::SafetyAlert(rid))
            } else {
                Ok(Applied::Stored(rid))
            }
        }
    }
}

/// A patient cancelled `target` (the portal's appointment id): a request
/// still pending is withdrawn, a booked appointment is marked cancelled.
/// Returns its times for the record.
fn cancel_locally(
    vault: &mut Vault,
    client_id: &str,
    target: &str,
) -> Result<(i64, i64), VaultError> {
    let requests = booking::list(vault)?;
    if let Some(r) = requests.iter().find(|r| {
        r.kind == "request"
            && r.status == "pending"
            && r.portal_appointment == target
            && r.client_id == client_id
    }) {
        booking::decide(vault, &r.id, "withdrawn", None, |_| Ok(()))?;
        return Ok((r.start_ms, r.end_ms));
    }
    let occurrence = requests
        .iter()
        .find(|r| r.portal_appointment == target && r.appointment.is_some())
        .and_then(|r| r.appointment.clone())
        .unwrap_or_else(|| target.to_owned());
    let tz = appointment::working_hours(vault, Tz::UTC)?.tz;
    match appointment::get(vault, &occurrence, tz) {
        Ok(a) if a.client_id == client_id => {
            if a.status != AppointmentStatus::Cancelled {
                appointment::set_status(vault, &occurrence, AppointmentStatus::Cancelled)?;
            }
            Ok((a.start_ms, a.end_ms))
        }
        _ => Ok((0, 0)),
    }
}

/// What [`receive`] did with a page of sealed submissions.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Received {
    /// Submissions now safely in the vault (applied now or before): ack these.
    pub done: Vec<String>,
    /// Assessment records that raise the safety alert.
    pub safety_alerts: Vec<String>,
    /// Records stored now (messages, requests, forms, assessments).
    pub stored: Vec<String>,
    /// Submissions that could not be opened or applied (kept on the relay).
    pub failed: u32,
}

/// Opens each sealed submission with this device's identity and applies it.
/// Each is applied in its own vault transaction(s); a submission that does
/// not open, or whose client this device does not know yet, is left for
/// later (not acknowledged).
#[cfg(feature = "net")]
pub fn receive(
    vault: &mut Vault,
    items: &[crate::sync::proto::SealedSubmission],
) -> Result<Received, crate::replica::ReplicaError> {
    use crate::HasCode;
    let keys = crate::replica::DeviceKeys::load(vault)?
        .ok_or(crate::replica::ReplicaError::NotEnrolled)?;
    let mut out = Received::default();
    for item in items {
        let submission = match crate::portal::seal::open(&item.sealed, keys.age_identity()) {
            Ok(s) if s.id() == item.id => s,
            Ok(_) | Err(_) => {
                tracing::warn!("a sealed portal submission did not open");
                out.failed += 1;
                continue;
            }
        };
        match apply(vault, &submission) {
            Ok(Applied::Already) => out.done.push(item.id.clone()),
            Ok(Applied::Stored(rid)) => {
                out.done.push(item.id.clone());
                out.stored.push(rid);
            }
            Ok(Applied::SafetyAlert(rid)) => {
                out.done.push(item.id.clone());
                out.safety_alerts.push(rid.clone());
                out.stored.push(rid);
            }
            Err(e) => {
                tracing::warn!(kind = submission.kind(), code = %e.code(), "a portal submission was not applied");
                out.failed += 1;
            }
        }
    }
    Ok(out)
}
