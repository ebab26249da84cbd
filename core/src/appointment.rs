//! Appointments as the screens see them: what the "new appointment" dialog
//! sends, the calendar's rows and conflict warnings. Times are stored in UTC
//! and shown in the therapist's zone; the rules are in [`crate::schedule`],
//! storage in `records::appointment`.

use chrono::{NaiveDate, NaiveDateTime};
use serde::{Deserialize, Serialize};

use crate::schedule::{AppointmentStatus, Frequency, Modality, ServiceCode};

/// What the appointment dialog sends.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct NewAppointment {
    pub client_id: String,
    /// Wall-clock start in the therapist's zone.
    pub start_local: NaiveDateTime,
    pub duration_min: u32,
    pub service_code: ServiceCode,
    /// The fee in cents (US dollars for now).
    pub fee_cents: i64,
    pub modality: Modality,
    /// `None` for a one-off appointment.
    pub repeat: Option<Frequency>,
    /// A series ends on this local date (inclusive)…
    pub until: Option<NaiveDate>,
    /// …or after this many occurrences; open-ended when neither is given.
    pub count: Option<u32>,
}

/// Which occurrences a reschedule moves.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Scope {
    ThisOne,
    ThisAndFollowing,
}

/// One occurrence on the calendar.
#[derive(Clone, PartialEq, Serialize, Deserialize)]
pub struct AppointmentView {
    /// `<series id>/<original local date>`.
    pub id: String,
    pub series_id: String,
    pub client_id: String,
    pub client_name: String,
    pub start_ms: i64,
    pub end_ms: i64,
    /// Start and end in the therapist's zone, for display.
    pub start_local: NaiveDateTime,
    pub end_local: NaiveDateTime,
    pub status: AppointmentStatus,
    pub service_code: ServiceCode,
    pub fee_cents: i64,
    pub modality: Modality,
    pub recurring: bool,
}

impl std::fmt::Debug for AppointmentView {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AppointmentView")
            .field("id", &self.id)
            .field("start_ms", &self.start_ms)
            .field("status", &self.status)
            .finish_non_exhaustive()
    }
}

/// A warning the dialog shows before saving.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum ConflictWarning {
    /// The occurrence starting at `start_local` overlaps another appointment.
    Overlaps {
        start_local: NaiveDateTime,
        other_id: String,
        other_start_local: NaiveDateTime,
    },
    /// The occurrence starting at `start_local` is outside working hours.
    OutsideWorkingHours { start_local: NaiveDateTime },
}

/// The occurrence id's two halves.
pub fn split_occurrence_id(id: &str) -> Option<(&str, NaiveDate)> {
    let (series, date) = id.rsplit_once('/')?;
    let date = NaiveDate::parse_from_str(date, "%Y-%m-%d").ok()?;
    (!series.is_empty()).then_some((series, date))
}

pub fn occurrence_id(series_id: &str, date: NaiveDate) -> String {
    format!("{series_id}/{}", date.format("%Y-%m-%d"))
}
