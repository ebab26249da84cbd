//! The client screens: the client list, the chart and its tabs (summary,
//! treatment plan, notes, assessments, consents, safety plan), the crisis page
//! and psychotherapy notes.
//!
//! Like the vault screens these are presentational: they render what they are
//! given, keep only form state, and call back through `EventHandler`s. The
//! desktop frontend wires the callbacks to Tauri commands. Every element an
//! end-to-end test needs carries a stable `id` (listed in each component's doc
//! comment); ids are built from record ids and codes, never from names or
//! other clinical text.

pub mod assessment;
pub mod chart;
pub mod consent;
pub mod diagnosis;
pub mod journal;
pub mod list;
pub mod notes;
pub mod profile;
pub mod psychotherapy;
pub mod safety_plan;
pub mod treatment_plan;

use bloom_core::chart::CaseStatus;

pub use assessment::{AssessmentForm, ScoreChart};
pub use chart::{ChartSummary, ChartTab, ClientChart};
pub use consent::ConsentPanel;
pub use diagnosis::DiagnosisList;
pub use list::ClientList;
pub use notes::NoteList;
pub use profile::ProfileForm;
pub use psychotherapy::PsychotherapyPanel;
pub use safety_plan::{CrisisPage, SafetyPlanForm};
pub use treatment_plan::TreatmentPlanView;

/// `YYYY-MM-DD` for a UTC millisecond timestamp (the calendar date in UTC).
pub fn format_date(ms: i64) -> String {
    let days = ms.div_euclid(86_400_000);
    let (y, m, d) = civil_from_days(days);
    format!("{y:04}-{m:02}-{d:02}")
}

/// Days since 1970-01-01 to a proleptic Gregorian date (H. Hinnant's algorithm).
fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1_460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let y = yoe + era * 400 + i64::from(m <= 2);
    (y, m, d)
}

/// The message id of a case status's label.
pub fn status_label(status: CaseStatus) -> &'static str {
    match status {
        CaseStatus::Intake => "client-status-intake",
        CaseStatus::Active => "client-status-active",
        CaseStatus::Paused => "client-status-paused",
        CaseStatus::Closed => "client-status-closed",
        CaseStatus::Transferred => "client-status-transferred",
    }
}

#[cfg(test)]
pub(crate) mod test_util {
    use dioxus::prelude::*;

    /// Renders a root component to HTML, as the relay's pages are.
    pub fn render(app: fn() -> Element) -> String {
        let mut dom = VirtualDom::new(app);
        dom.rebuild_in_place();
        dioxus_ssr::render(&dom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::i18n::{I18n, Locale};

    #[test]
    fn dates_are_utc_calendar_dates() {
        assert_eq!(format_date(0), "1970-01-01");
        assert_eq!(format_date(951_782_400_000), "2000-02-29");
        assert_eq!(format_date(1_709_251_200_000), "2024-03-01");
        assert_eq!(format_date(1_709_251_200_000 - 1), "2024-02-29");
        assert_eq!(format_date(-86_400_000), "1969-12-31");
    }

    #[test]
    fn every_status_has_a_label() {
        let en = I18n::new(Locale::En);
        for s in CaseStatus::ALL {
            assert!(en.has(status_label(s)), "{s:?}");
        }
    }
}
