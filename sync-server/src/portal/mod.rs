//! The relay's side of the portal channel.
//!
//! Therapists' devices publish ([`Portal::apply_publications`], from the
//! QUIC `Publish` request) what patients may see: slots, appointments,
//! replies, assignments, shared safety plans, invites. Patients' pages call
//! the functions below, each scoped by the patient's [`PortalClientId`] so
//! one patient can never reach another's objects (foreign ids answer
//! `portal.not_found`). What a patient submits is sealed at once (age) to
//! every unrevoked device of the client's therapist and kept in the inbox
//! until one of those devices acknowledges it ([`Portal::fetch_inbox`],
//! [`Portal::ack_inbox`]); the relay never keeps it in clear, except the
//! patient's own copy of the messages they sent, which their thread shows.
//!
//! Tables and queries are in [`store`]; see `docs/portal.md`.

pub mod store;

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

use bloom_core::assessment;
use bloom_core::portal::booking::{self, BookingError};
use bloom_core::portal::form::{self, FormError};
use bloom_core::portal::seal::{self, SealError};
use bloom_core::portal::{
    FormKind, PortalAppointmentStatus, PortalClientId, Publication, PublishedSlot, Signature,
    Submission,
};
use bloom_core::sync::log::{DeviceId, DeviceInfo};
use bloom_core::sync::proto::SealedSubmission;
use bloom_core::{Code, HasCode};
use rusqlite::TransactionBehavior;
use serde::{Deserialize, Serialize};
use tokio::sync::broadcast;

use crate::store::StoreError;
use crate::webstore::{WebStore, WebStoreError};

/// Why a portal call was refused. Messages never carry what a patient wrote.
#[derive(Debug, thiserror::Error)]
pub enum PortalError {
    /// No such object for this client (also another client's ids).
    #[error("not found")]
    NotFound,
    /// The therapist stopped this client's portal access.
    #[error("portal access was withdrawn")]
    Revoked,
    #[error(transparent)]
    Booking(#[from] BookingError),
    #[error(transparent)]
    Form(#[from] FormError),
    /// Wrong number of answers, or one out of range (which one is not said:
    /// answers are clinical).
    #[error("the answers are not a complete questionnaire")]
    Assessment,
    #[error("invalid {0}")]
    Invalid(&'static str),
    /// A device published about a client that is not its member's.
    #[error("this device may not publish about that client")]
    Forbidden,
    /// The therapist has no device to seal the submission to.
    #[error("the practice cannot receive this yet")]
    NoDevices,
    #[error(transparent)]
    Seal(#[from] SealError),
    #[error(transparent)]
    Store(#[from] WebStoreError),
    #[error("the relay's device list is unavailable: {0}")]
    Devices(String),
}

impl From<rusqlite::Error> for PortalError {
    fn from(e: rusqlite::Error) -> Self {
        PortalError::Store(e.into())
    }
}

impl HasCode for PortalError {
    fn code(&self) -> Code {
        match self {
            PortalError::NotFound => Code::PortalNotFound,
            PortalError::Revoked | PortalError::NoDevices => Code::PortalNotLinked,
            PortalError::Booking(e) => e.code(),
            PortalError::Form(e) => e.code(),
            PortalError::Assessment => Code::PortalFormInvalid,
            PortalError::Invalid(_) => Code::InvalidInput,
            PortalError::Forbidden => Code::SyncForbidden,
            PortalError::Seal(e) => e.code(),
            PortalError::Store(_) => Code::Internal,
            PortalError::Devices(_) => Code::SyncStorage,
        }
    }
}

/// An appointment as the patient sees it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PortalAppointment {
    pub id: String,
    pub start_ms: i64,
    pub end_ms: i64,
    pub status: PortalAppointmentStatus,
}

/// One message of a patient's thread (theirs and the therapist's replies).
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ThreadMessage {
    pub id: String,
    pub from_patient: bool,
    pub body: String,
    pub sent_ms: i64,
}

impl std::fmt::Debug for ThreadMessage {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ThreadMessage")
            .field("id", &self.id)
            .field("from_patient", &self.from_patient)
            .field("sent_ms", &self.sent_ms)
            .finish_non_exhaustive()
    }
}

/// A form or questionnaire the therapist asked the patient to fill in.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Assignment {
    pub id: String,
    pub form: FormKind,
    pub assigned_ms: i64,
    /// When the patient submitted it; `None` while open.
    pub done_ms: Option<i64>,
}

/// The safety plan as the therapist shared it: (section title, text).
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SharedSafetyPlan {
    pub sections: Vec<(String, String)>,
    pub shared_ms: i64,
}

impl std::fmt::Debug for SharedSafetyPlan {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SharedSafetyPlan")
            .field("shared_ms", &self.shared_ms)
            .finish_non_exhaustive()
    }
}

/// A patient's portal client as the pages need it.
#[derive(Clone, Serialize, Deserialize)]
pub struct PortalClient {
    pub display_name: String,
    pub member: String,
}

/// Where the portal reads the practice's devices (the relay store's list).
pub type DeviceSource = Arc<
    dyn Fn() -> Pin<Box<dyn Future<Output = Result<Vec<DeviceInfo>, StoreError>> + Send>>
        + Send
        + Sync,
>;

/// The portal: cheap to clone; the QUIC side and the web side share one.
#[derive(Clone)]
pub struct Portal {
    web: WebStore,
    devices: DeviceSource,
    /// The member whose inbox just gained a submission.
    news: broadcast::Sender<String>,
}

/// The cancel notice when the therapist published none.
pub const DEFAULT_NOTICE_HOURS: u32 = 24;

/// Sealed bytes in one `Inbox` page at most (well inside a frame).
const INBOX_PAGE_BYTES: usize = 512 * 1024;

impl Portal {
    pub fn new(web: WebStore, devices: DeviceSource) -> Portal {
        let (news, _) = broadcast::channel(256);
        Portal { web, devices, news }
    }

    /// A portal over a relay store's device list.
    pub fn over<S: crate::store::RelayStore>(web: WebStore, store: Arc<S>) -> Portal {
        let devices: DeviceSource = Arc::new(move || {
            let store = store.clone();
            Box::pin(async move { store.devices().await })
        });
        Portal::new(web, devices)
    }

    pub fn webstore(&self) -> &WebStore {
        &self.web
    }

    /// News of members whose inbox gained submissions.
    pub fn news(&self) -> broadcast::Receiver<String> {
        self.news.subscribe()
    }

    // ----- the therapist's devices (QUIC) -----

    /// Applies a device's publications, all or nothing; returns how many.
    pub async fn apply_publications(
        &self,
        device: &DeviceInfo,
        items: Vec<Publication>,
        now_ms: i64,
    ) -> Result<u32, PortalError> {
        if items.len() > store::MAX_PUBLICATIONS {
            return Err(PortalError::Invalid("too many publications"));
        }
        let member = device.member.clone();
        let count = items.len() as u32;
        self.web
            .run(move |conn| {
                let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
                store::apply(&tx, &member, &items, now_ms)?;
                tx.commit()?;
                Ok::<_, PortalError>(count)
            })
            .await
    }

    /// A page of submissions sealed to `device`, leased to it.
    pub async fn fetch_inbox(
        &self,
        device: &DeviceId,
        now_ms: i64,
    ) -> Result<(Vec<SealedSubmission>, bool), PortalError> {
        let device = device.0.clone();
        self.web
            .run(move |conn| {
                let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
                let (items, more) = store::fetch(
                    &tx,
                    &device,
                    bloom_core::sync::proto::INBOX_PAGE,
                    INBOX_PAGE_BYTES,
                    now_ms,
                )?;
                tx.commit()?;
                let items = items
                    .into_iter()
                    .map(|(id, sealed)| SealedSubmission { id, sealed })
                    .collect();
                Ok::<_, PortalError>((items, more))
            })
            .await
    }

    /// Drops the submissions `device` has safely stored.
    pub async fn ack_inbox(&self, device: &DeviceId, ids: Vec<String>) -> Result<(), PortalError> {
        if ids.len() > bloom_core::sync::proto::MAX_ACK_IDS {
            return Err(PortalError::Invalid("too many ids"));
        }
        let device = device.0.clone();
        self.web
            .run(move |conn| store::ack(conn, &device, &ids).map(|_| ()))
            .await
    }

    // ----- the patient's pages -----

    /// How many hours before an appointment the patient may still cancel.
    pub async fn cancel_notice_hours(&self, client: &PortalClientId) -> Result<u32, PortalError> {
        let client = client.clone();
        self.web
            .run(move |conn| {
                let c = store::active(conn, &client)?;
                store::notice_hours(conn, &c.member)
            })
            .await
    }

    /// Submissions sealed and waiting for some device to acknowledge them.
    pub async fn inbox_waiting(&self) -> Result<u64, PortalError> {
        self.web
            .run(|conn| {
                let n: i64 =
                    conn.query_row("SELECT count(*) FROM portal_inbox", [], |r| r.get(0))?;
                Ok(n.max(0) as u64)
            })
            .await
    }

    /// The client's name and therapist (member).
    pub async fn client(&self, client: &PortalClientId) -> Result<PortalClient, PortalError> {
        let client = client.clone();
        self.web
            .run(move |conn| {
                let c = store::active(conn, &client)?;
                Ok(PortalClient {
                    display_name: c.display_name,
                    member: c.member,
                })
            })
            .await
    }

    /// The client's appointments: (upcoming soonest first, past latest first).
    pub async fn appointments(
        &self,
        client: &PortalClientId,
        now_ms: i64,
    ) -> Result<(Vec<PortalAppointment>, Vec<PortalAppointment>), PortalError> {
        let client = client.clone();
        self.web
            .run(move |conn| {
                store::active(conn, &client)?;
                let all = store::appointments(conn, &client)?;
                let (upcoming, mut past): (Vec<_>, Vec<_>) =
                    all.into_iter().partition(|a| a.end_ms > now_ms);
                past.reverse();
                Ok((upcoming, past))
            })
            .await
    }

    /// The slots this client may request now.
    pub async fn open_slots(
        &self,
        client: &PortalClientId,
        now_ms: i64,
    ) -> Result<Vec<PublishedSlot>, PortalError> {
        let client = client.clone();
        self.web
            .run(move |conn| {
                let c = store::active(conn, &client)?;
                let published = store::published_slots(conn, &c.member)?;
                let taken = store::taken(conn, &c.member)?;
                Ok(booking::open_slots(&published, &taken, now_ms))
            })
            .await
    }

    /// Requests `slot`: the patient sees it as requested at once; the
    /// therapist's devices get a sealed booking request.
    pub async fn request_booking(
        &self,
        client: &PortalClientId,
        slot: PublishedSlot,
        note: &str,
        now_ms: i64,
    ) -> Result<PortalAppointment, PortalError> {
        if note.len() > store::MAX_NOTE_BYTES {
            return Err(PortalError::Invalid("note"));
        }
        let id = new_id()?;
        let view = PortalAppointment {
            id: id.clone(),
            start_ms: slot.start_ms,
            end_ms: slot.end_ms,
            status: PortalAppointmentStatus::Requested,
        };
        let submission = Submission::BookingRequest {
            id,
            client: client.clone(),
            slot,
            note: note.to_owned(),
            sent_ms: now_ms,
        };
        let shown = view.clone();
        self.submit(client, submission, move |conn, c| {
            let published = store::published_slots(conn, &c.member)?;
            booking::check_request(&published, slot, now_ms)?;
            let open = booking::open_slots(&published, &store::taken(conn, &c.member)?, now_ms);
            if !open.contains(&slot) {
                return Err(BookingError::NotPublished.into());
            }
            store::put_appointment(conn, &c.client, &c.member, &shown, now_ms)
        })
        .await?;
        Ok(view)
    }

    /// Cancels one of the client's requested or confirmed appointments,
    /// within the practice's notice period.
    pub async fn cancel(
        &self,
        client: &PortalClientId,
        appointment: &str,
        now_ms: i64,
    ) -> Result<(), PortalError> {
        let submission = Submission::Cancellation {
            id: new_id()?,
            client: client.clone(),
            appointment: appointment.to_owned(),
            sent_ms: now_ms,
        };
        let appointment = appointment.to_owned();
        self.submit(client, submission, move |conn, c| {
            let mut a = store::appointment(conn, &c.client, &appointment)?;
            if !matches!(
                a.status,
                PortalAppointmentStatus::Requested | PortalAppointmentStatus::Confirmed
            ) {
                return Err(PortalError::NotFound);
            }
            booking::check_cancel(a.start_ms, now_ms, store::notice_hours(conn, &c.member)?)?;
            a.status = PortalAppointmentStatus::Cancelled;
            store::put_appointment(conn, &c.client, &c.member, &a, now_ms)
        })
        .await
    }

    /// The client's message thread, oldest first.
    pub async fn thread(&self, client: &PortalClientId) -> Result<Vec<ThreadMessage>, PortalError> {
        let client = client.clone();
        self.web
            .run(move |conn| {
                store::active(conn, &client)?;
                store::thread(conn, &client)
            })
            .await
    }

    /// Sends a message to the therapist: kept in the patient's thread (their
    /// own copy) and sealed to the therapist's devices.
    pub async fn send_message(
        &self,
        client: &PortalClientId,
        body: &str,
        now_ms: i64,
    ) -> Result<ThreadMessage, PortalError> {
        if body.trim().is_empty() || body.len() > store::MAX_MESSAGE_BYTES {
            return Err(PortalError::Invalid("message"));
        }
        let message = ThreadMessage {
            id: new_id()?,
            from_patient: true,
            body: body.to_owned(),
            sent_ms: now_ms,
        };
        let submission = Submission::Message {
            id: message.id.clone(),
            client: client.clone(),
            body: body.to_owned(),
            sent_ms: now_ms,
        };
        let kept = message.clone();
        self.submit(client, submission, move |conn, c| {
            store::put_patient_message(conn, &c.client, &kept)
        })
        .await?;
        Ok(message)
    }

    /// The client's assignments, open and done.
    pub async fn assignments(
        &self,
        client: &PortalClientId,
    ) -> Result<Vec<Assignment>, PortalError> {
        let client = client.clone();
        self.web
            .run(move |conn| {
                store::active(conn, &client)?;
                store::assignments(conn, &client)
            })
            .await
    }

    /// Submits an assigned intake or consent form.
    pub async fn submit_form(
        &self,
        client: &PortalClientId,
        assignment: &str,
        answers: Vec<(String, String)>,
        signature: Option<Signature>,
        now_ms: i64,
    ) -> Result<(), PortalError> {
        let assignment = assignment.to_owned();
        let form_kind = self.open_assignment(client, &assignment).await?;
        form::validate(form_kind, &answers, signature.as_ref())?;
        let submission = Submission::Form {
            id: new_id()?,
            client: client.clone(),
            assignment: assignment.clone(),
            form: form_kind,
            answers,
            signature,
            sent_ms: now_ms,
        };
        self.submit(client, submission, move |conn, c| {
            finish_assignment(conn, &c.client, &assignment, now_ms)
        })
        .await
    }

    /// Submits an assigned questionnaire (PHQ-9, GAD-7): answers 0–3 per
    /// item and an optional comment.
    pub async fn submit_assessment(
        &self,
        client: &PortalClientId,
        assignment: &str,
        answers: Vec<u8>,
        comment: &str,
        now_ms: i64,
    ) -> Result<(), PortalError> {
        if comment.len() > store::MAX_COMMENT_BYTES {
            return Err(PortalError::Invalid("comment"));
        }
        let assignment = assignment.to_owned();
        let form_kind = self.open_assignment(client, &assignment).await?;
        let instrument = form_kind
            .instrument()
            .ok_or(PortalError::Form(FormError::NotAForm))?;
        assessment::score(instrument, &answers).map_err(|_| PortalError::Assessment)?;
        let submission = Submission::Assessment {
            id: new_id()?,
            client: client.clone(),
            assignment: assignment.clone(),
            instrument,
            answers,
            comment: comment.to_owned(),
            sent_ms: now_ms,
        };
        self.submit(client, submission, move |conn, c| {
            finish_assignment(conn, &c.client, &assignment, now_ms)
        })
        .await
    }

    /// The safety plan the therapist shared, if any.
    pub async fn safety_plan(
        &self,
        client: &PortalClientId,
    ) -> Result<Option<SharedSafetyPlan>, PortalError> {
        let client = client.clone();
        self.web
            .run(move |conn| {
                store::active(conn, &client)?;
                store::safety_plan(conn, &client)
            })
            .await
    }

    /// The form of an open assignment of this client.
    async fn open_assignment(
        &self,
        client: &PortalClientId,
        assignment: &str,
    ) -> Result<FormKind, PortalError> {
        let client = client.clone();
        let assignment = assignment.to_owned();
        self.web
            .run(move |conn| {
                store::active(conn, &client)?;
                store::assignments(conn, &client)?
                    .into_iter()
                    .find(|a| a.id == assignment && a.done_ms.is_none())
                    .map(|a| a.form)
                    .ok_or(PortalError::NotFound)
            })
            .await
    }

    /// Checks and records the patient-visible effect (`effect`), seals the
    /// submission to every unrevoked device of the client's member and queues
    /// it, in one transaction; then tells those devices.
    async fn submit(
        &self,
        client: &PortalClientId,
        submission: Submission,
        effect: impl FnOnce(&rusqlite::Connection, &Linked) -> Result<(), PortalError> + Send + 'static,
    ) -> Result<(), PortalError> {
        let devices = (self.devices)()
            .await
            .map_err(|e| PortalError::Devices(e.to_string()))?;
        let client = client.clone();
        let member = self
            .web
            .run(move |conn| {
                let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
                let c = store::active(&tx, &client)?;
                let linked = Linked {
                    client: client.clone(),
                    member: c.member.clone(),
                };
                effect(&tx, &linked)?;
                let mut recipients = vec![];
                let mut ids = vec![];
                for d in devices
                    .iter()
                    .filter(|d| d.member == c.member && d.revoked_ms.is_none())
                {
                    // A device whose recipient does not parse gets nothing.
                    if let Ok(r) = seal::recipient(&d.age_recipient) {
                        recipients.push(r);
                        ids.push(d.id.0.clone());
                    }
                }
                if recipients.is_empty() {
                    return Err(PortalError::NoDevices);
                }
                let sealed = seal::seal(&submission, &recipients)?;
                store::enqueue(&tx, submission.id(), &c.member, &ids, &sealed, now())?;
                tx.commit()?;
                tracing::info!(kind = submission.kind(), "portal submission sealed");
                Ok(c.member)
            })
            .await?;
        let _ = self.news.send(member);
        Ok(())
    }
}

/// The client a submission is for, and its therapist.
pub struct Linked {
    pub client: PortalClientId,
    pub member: String,
}

fn finish_assignment(
    conn: &rusqlite::Connection,
    client: &PortalClientId,
    assignment: &str,
    now_ms: i64,
) -> Result<(), PortalError> {
    let open = store::assignments(conn, client)?
        .into_iter()
        .any(|a| a.id == assignment && a.done_ms.is_none());
    if !open {
        return Err(PortalError::NotFound);
    }
    store::mark_done(conn, assignment, now_ms)
}

/// A random id for a submission (32 hex characters).
fn new_id() -> Result<String, PortalError> {
    let mut bytes = [0u8; 16];
    ring::rand::SecureRandom::fill(&ring::rand::SystemRandom::new(), &mut bytes)
        .map_err(|_| PortalError::Invalid("random source"))?;
    Ok(bloom_core::hex::encode(&bytes))
}

fn now() -> i64 {
    crate::quic::now_ms()
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;

    fn device(id: &str, member: &str, identity: &seal::Identity) -> DeviceInfo {
        DeviceInfo {
            id: DeviceId(id.into()),
            member: member.into(),
            name: id.into(),
            age_recipient: identity.to_public().to_string(),
            pairing_proof: None,
            paired_by: None,
            enrolled_ms: 0,
            revoked_ms: None,
        }
    }

    fn portal(devices: Vec<DeviceInfo>) -> Portal {
        let source: DeviceSource = Arc::new(move || {
            let devices = devices.clone();
            Box::pin(async move { Ok(devices) })
        });
        Portal::new(WebStore::open_in_memory().unwrap(), source)
    }

    fn invite(client: &PortalClientId) -> Publication {
        Publication::ClientInvite {
            client: client.clone(),
            display_name: "Ada".into(),
            email: Some("ada@example.org".into()),
            token_sha256: *ring::digest::digest(&ring::digest::SHA256, client.as_str().as_bytes())
                .as_ref()
                .first_chunk::<32>()
                .unwrap(),
            expires_ms: 10,
        }
    }

    const HOUR: i64 = 3_600_000;

    #[tokio::test]
    async fn submissions_are_sealed_leased_to_one_device_and_gone_once_acknowledged() {
        let (ka, kb, kc) = (
            seal::Identity::generate(),
            seal::Identity::generate(),
            seal::Identity::generate(),
        );
        let a = device("a", "dr-a", &ka);
        let b = device("b", "dr-a", &kb);
        let mut revoked = device("r", "dr-a", &kc);
        revoked.revoked_ms = Some(1);
        let p = portal(vec![a.clone(), b.clone(), revoked.clone()]);
        let ada = PortalClientId::from_bytes([1; 16]);
        p.apply_publications(&a, vec![invite(&ada)], 0)
            .await
            .unwrap();

        let sent = p.send_message(&ada, "hello there", 5).await.unwrap();
        let mut news = p.news();
        // Device a fetches: it holds the lease; b sees nothing meanwhile.
        let (items, more) = p.fetch_inbox(&a.id, 100).await.unwrap();
        assert_eq!((items.len(), more), (1, false));
        assert!(p.fetch_inbox(&b.id, 100).await.unwrap().0.is_empty());
        assert!(p.fetch_inbox(&revoked.id, 100).await.unwrap().0.is_empty());
        // Sealed to both live devices; the revoked one cannot open it.
        let opened = seal::open(&items[0].sealed, &kb).unwrap();
        assert_eq!(opened.id(), sent.id);
        assert!(seal::open(&items[0].sealed, &kc).is_err());
        // A lease that lapses lets b fetch it.
        let later = 100 + store::LEASE_MS + 1;
        assert_eq!(p.fetch_inbox(&b.id, later).await.unwrap().0.len(), 1);
        p.ack_inbox(&b.id, vec![items[0].id.clone()]).await.unwrap();
        assert!(p.fetch_inbox(&a.id, later * 2).await.unwrap().0.is_empty());
        // The patient's own copy stays in their thread.
        assert_eq!(p.thread(&ada).await.unwrap().len(), 1);
        p.send_message(&ada, "again", 6).await.unwrap();
        assert_eq!(news.recv().await.unwrap(), "dr-a");
    }

    #[tokio::test]
    async fn one_patient_never_reaches_another_s_objects_and_foreign_members_cannot_publish() {
        let k = seal::Identity::generate();
        let a = device("a", "dr-a", &k);
        let other = device("o", "dr-o", &k);
        let p = portal(vec![a.clone(), other.clone()]);
        let ada = PortalClientId::from_bytes([1; 16]);
        let ben = PortalClientId::from_bytes([2; 16]);
        let slot = PublishedSlot {
            start_ms: 100 * HOUR,
            end_ms: 101 * HOUR,
        };
        p.apply_publications(
            &a,
            vec![
                invite(&ada),
                invite(&ben),
                Publication::Availability {
                    slots: vec![slot],
                    cancel_notice_hours: 24,
                },
                Publication::Assign {
                    client: ada.clone(),
                    assignment: "as1".into(),
                    form: FormKind::Phq9,
                    assigned_ms: 1,
                },
            ],
            0,
        )
        .await
        .unwrap();
        let booked = p.request_booking(&ada, slot, "", HOUR).await.unwrap();
        assert!(p.open_slots(&ben, HOUR).await.unwrap().is_empty());
        for err in [
            p.cancel(&ben, &booked.id, HOUR).await.unwrap_err(),
            p.submit_assessment(&ben, "as1", vec![0; 9], "", HOUR)
                .await
                .unwrap_err(),
            p.thread(&PortalClientId::from_bytes([3; 16]))
                .await
                .unwrap_err(),
        ] {
            assert_eq!(err.code(), Code::PortalNotFound);
        }
        // Too late to cancel inside the notice period.
        let err = p.cancel(&ada, &booked.id, 90 * HOUR).await.unwrap_err();
        assert_eq!(err.code(), Code::PortalCancelTooLate);
        p.cancel(&ada, &booked.id, HOUR).await.unwrap();
        assert_eq!(p.open_slots(&ben, HOUR).await.unwrap(), vec![slot]);
        // Wrong answers are refused before anything is sealed.
        let err = p
            .submit_assessment(&ada, "as1", vec![4; 9], "", HOUR)
            .await
            .unwrap_err();
        assert_eq!(err.code(), Code::PortalFormInvalid);

        // Another member's device: nothing about Ada, all or nothing.
        let err = p
            .apply_publications(
                &other,
                vec![
                    Publication::Availability {
                        slots: vec![],
                        cancel_notice_hours: 1,
                    },
                    Publication::RevokeClient {
                        client: ada.clone(),
                    },
                ],
                0,
            )
            .await
            .unwrap_err();
        assert_eq!(err.code(), Code::SyncForbidden);
        assert!(p.client(&ada).await.is_ok());
        // Revoked by its own therapist: the portal refuses.
        p.apply_publications(
            &a,
            vec![Publication::RevokeClient {
                client: ada.clone(),
            }],
            0,
        )
        .await
        .unwrap();
        assert_eq!(
            p.thread(&ada).await.unwrap_err().code(),
            Code::PortalNotLinked
        );
    }
}
