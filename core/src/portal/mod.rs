//! The portal channel: what a therapist deliberately publishes to the relay's
//! patient portal ([`Publication`]) and what a patient submits back
//! ([`Submission`]).
//!
//! The relay reads publications in clear (that is their point: a patient must
//! see their slots, appointments and assigned forms) and keeps them encrypted
//! at rest. A submission is sealed by the relay to the therapist's devices the
//! moment it arrives and kept only until a device acknowledges it; the only
//! clear copy the relay keeps is the patient's own message thread, so the
//! patient can read back what they wrote.
//!
//! The relay never learns a client's record id: the desktop gives each
//! invited client a random [`PortalClientId`].
//!
//! - [`booking`]: which slots can be requested and when a booking can still be cancelled.
//! - [`form`]: the intake and consent forms, their fields and validation.
//! - `seal` (feature `net`): a submission sealed with age to the therapist's devices.

pub mod booking;
pub mod form;
#[cfg(feature = "net")]
pub mod seal;

use serde::{Deserialize, Serialize};

use crate::assessment::Instrument;

/// How a client is known to the relay: 32 hex characters, random, made by the
/// desktop when it first invites the client. Not secret, but meaningless
/// outside the practice.
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct PortalClientId(String);

impl PortalClientId {
    /// Parses 32 lowercase hex characters.
    pub fn parse(s: &str) -> Option<PortalClientId> {
        (s.len() == 32
            && s.bytes()
                .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b)))
        .then(|| PortalClientId(s.to_owned()))
    }

    /// Builds an id from 16 random bytes.
    pub fn from_bytes(bytes: [u8; 16]) -> PortalClientId {
        PortalClientId(crate::hex::encode(&bytes))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for PortalClientId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "PortalClientId({})", &self.0)
    }
}

impl TryFrom<String> for PortalClientId {
    type Error = String;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        PortalClientId::parse(&s)
            .ok_or_else(|| "portal client id must be 32 hex characters".to_owned())
    }
}

impl From<PortalClientId> for String {
    fn from(id: PortalClientId) -> String {
        id.0
    }
}

/// A span of time a patient may request, in Unix milliseconds (UTC).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct PublishedSlot {
    pub start_ms: i64,
    pub end_ms: i64,
}

/// What a patient fills in through the portal.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum FormKind {
    Intake,
    Consent,
    Phq9,
    Gad7,
}

impl FormKind {
    pub const ALL: [FormKind; 4] = [
        FormKind::Intake,
        FormKind::Consent,
        FormKind::Phq9,
        FormKind::Gad7,
    ];

    /// The stable name used in URLs and storage.
    pub fn as_str(self) -> &'static str {
        match self {
            FormKind::Intake => "intake",
            FormKind::Consent => "consent",
            FormKind::Phq9 => "phq9",
            FormKind::Gad7 => "gad7",
        }
    }

    pub fn parse(s: &str) -> Option<FormKind> {
        FormKind::ALL.into_iter().find(|k| k.as_str() == s)
    }

    /// The questionnaire behind an assessment form; `None` for intake and consent.
    pub fn instrument(self) -> Option<Instrument> {
        match self {
            FormKind::Phq9 => Some(Instrument::Phq9),
            FormKind::Gad7 => Some(Instrument::Gad7),
            FormKind::Intake | FormKind::Consent => None,
        }
    }
}

/// Where an appointment stands, as the patient sees it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum PortalAppointmentStatus {
    /// The patient asked; the therapist has not answered yet.
    Requested,
    Confirmed,
    Declined,
    Cancelled,
}

impl PortalAppointmentStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            PortalAppointmentStatus::Requested => "requested",
            PortalAppointmentStatus::Confirmed => "confirmed",
            PortalAppointmentStatus::Declined => "declined",
            PortalAppointmentStatus::Cancelled => "cancelled",
        }
    }

    pub fn parse(s: &str) -> Option<PortalAppointmentStatus> {
        [
            PortalAppointmentStatus::Requested,
            PortalAppointmentStatus::Confirmed,
            PortalAppointmentStatus::Declined,
            PortalAppointmentStatus::Cancelled,
        ]
        .into_iter()
        .find(|s2| s2.as_str() == s)
    }
}

/// An e-signature: the name the patient typed and when, with what they signed.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Signature {
    pub typed_name: String,
    pub signed_ms: i64,
    /// SHA-256 (hex) of the exact form text shown when signing.
    pub text_sha256: String,
}

impl std::fmt::Debug for Signature {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Signature")
            .field("signed_ms", &self.signed_ms)
            .finish_non_exhaustive()
    }
}

/// What a therapist's device publishes to the relay. Ids (`appointment`,
/// `assignment`, `message`) are random strings made by the device; publishing
/// the same id again replaces the earlier publication (idempotent).
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum Publication {
    /// The slots patients of this therapist may request (working hours minus
    /// busy times, computed on the device: nothing about other patients leaves
    /// it), replacing every slot published before, and the cancel notice.
    Availability {
        slots: Vec<PublishedSlot>,
        cancel_notice_hours: u32,
    },
    /// Invite a client to the portal. The device keeps the link; the relay
    /// stores only the token's SHA-256 and the email to send it to, if any.
    ClientInvite {
        client: PortalClientId,
        display_name: String,
        email: Option<String>,
        token_sha256: [u8; 32],
        expires_ms: i64,
    },
    /// An appointment as the patient sees it.
    Appointment {
        client: PortalClientId,
        appointment: String,
        start_ms: i64,
        end_ms: i64,
        status: PortalAppointmentStatus,
        /// The booking request this answers, if any.
        request: Option<String>,
    },
    /// The therapist's message to the patient.
    Reply {
        client: PortalClientId,
        message: String,
        body: String,
        sent_ms: i64,
    },
    /// Ask the patient to fill in a form or assessment.
    Assign {
        client: PortalClientId,
        assignment: String,
        form: FormKind,
        assigned_ms: i64,
    },
    /// The safety plan as shared with the patient: section titles and text.
    SafetyPlan {
        client: PortalClientId,
        sections: Vec<(String, String)>,
        shared_ms: i64,
    },
    /// Stop the client's portal access (consent withdrawn, discharged).
    RevokeClient { client: PortalClientId },
}

impl Publication {
    /// The client it concerns, if it concerns one.
    pub fn client(&self) -> Option<&PortalClientId> {
        match self {
            Publication::Availability { .. } => None,
            Publication::ClientInvite { client, .. }
            | Publication::Appointment { client, .. }
            | Publication::Reply { client, .. }
            | Publication::Assign { client, .. }
            | Publication::SafetyPlan { client, .. }
            | Publication::RevokeClient { client } => Some(client),
        }
    }

    /// A name for logs and metrics; never anything about a person.
    pub fn kind(&self) -> &'static str {
        match self {
            Publication::Availability { .. } => "availability",
            Publication::ClientInvite { .. } => "client-invite",
            Publication::Appointment { .. } => "appointment",
            Publication::Reply { .. } => "reply",
            Publication::Assign { .. } => "assign",
            Publication::SafetyPlan { .. } => "safety-plan",
            Publication::RevokeClient { .. } => "revoke-client",
        }
    }
}

impl std::fmt::Debug for Publication {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Publication")
            .field("kind", &self.kind())
            .finish_non_exhaustive()
    }
}

/// What a patient submits through the portal; the relay seals it to the
/// therapist's devices. `id` is random, made by the relay, and is what the
/// device acknowledges.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum Submission {
    BookingRequest {
        id: String,
        client: PortalClientId,
        slot: PublishedSlot,
        note: String,
        sent_ms: i64,
    },
    Cancellation {
        id: String,
        client: PortalClientId,
        appointment: String,
        sent_ms: i64,
    },
    Message {
        id: String,
        client: PortalClientId,
        body: String,
        sent_ms: i64,
    },
    /// An intake or consent form: (field id, answer) pairs, signed.
    Form {
        id: String,
        client: PortalClientId,
        assignment: String,
        form: FormKind,
        answers: Vec<(String, String)>,
        signature: Option<Signature>,
        sent_ms: i64,
    },
    Assessment {
        id: String,
        client: PortalClientId,
        assignment: String,
        instrument: Instrument,
        answers: Vec<u8>,
        comment: String,
        sent_ms: i64,
    },
}

impl Submission {
    pub fn id(&self) -> &str {
        match self {
            Submission::BookingRequest { id, .. }
            | Submission::Cancellation { id, .. }
            | Submission::Message { id, .. }
            | Submission::Form { id, .. }
            | Submission::Assessment { id, .. } => id,
        }
    }

    pub fn client(&self) -> &PortalClientId {
        match self {
            Submission::BookingRequest { client, .. }
            | Submission::Cancellation { client, .. }
            | Submission::Message { client, .. }
            | Submission::Form { client, .. }
            | Submission::Assessment { client, .. } => client,
        }
    }

    /// A name for logs and metrics; never anything about a person.
    pub fn kind(&self) -> &'static str {
        match self {
            Submission::BookingRequest { .. } => "booking-request",
            Submission::Cancellation { .. } => "cancellation",
            Submission::Message { .. } => "message",
            Submission::Form { .. } => "form",
            Submission::Assessment { .. } => "assessment",
        }
    }
}

impl std::fmt::Debug for Submission {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Submission")
            .field("kind", &self.kind())
            .field("id", &self.id())
            .finish_non_exhaustive()
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn client_ids_are_32_lowercase_hex() {
        assert!(PortalClientId::parse("0123456789abcdef0123456789abcdef").is_some());
        assert!(PortalClientId::parse("0123456789ABCDEF0123456789abcdef").is_none());
        assert!(PortalClientId::parse("../etc/passwd").is_none());
        assert!(PortalClientId::parse("").is_none());
        let id = PortalClientId::from_bytes([7; 16]);
        assert_eq!(PortalClientId::parse(id.as_str()), Some(id));
    }

    #[test]
    fn debug_never_shows_what_a_patient_wrote() {
        let s = Submission::Message {
            id: "m1".into(),
            client: PortalClientId::from_bytes([1; 16]),
            body: "I feel hopeless".into(),
            sent_ms: 0,
        };
        assert!(!format!("{s:?}").contains("hopeless"));
        let p = Publication::Reply {
            client: PortalClientId::from_bytes([1; 16]),
            message: "r1".into(),
            body: "See you Tuesday, Ada".into(),
            sent_ms: 0,
        };
        assert!(!format!("{p:?}").contains("Ada"));
    }

    #[test]
    fn form_kinds_round_trip() {
        for k in FormKind::ALL {
            assert_eq!(FormKind::parse(k.as_str()), Some(k));
        }
        assert_eq!(FormKind::parse("phq-9"), None);
    }
}
