//! The appointment vocabulary: billing codes, statuses, modality, frequency.
//! Every enum has a stable string form (`as_str`/`parse`) that is also its
//! serde form, so stored documents survive renaming a variant.

use serde::{Deserialize, Serialize};

/// The CPT psychotherapy codes a solo therapist bills.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum ServiceCode {
    #[serde(rename = "90791")]
    DiagnosticEvaluation,
    #[serde(rename = "90792")]
    DiagnosticEvaluationMedical,
    #[serde(rename = "90832")]
    Psychotherapy30,
    #[serde(rename = "90834")]
    Psychotherapy45,
    #[serde(rename = "90837")]
    Psychotherapy60,
    #[serde(rename = "90839")]
    Crisis,
    #[serde(rename = "90846")]
    FamilyWithoutPatient,
    #[serde(rename = "90847")]
    FamilyWithPatient,
    #[serde(rename = "90853")]
    Group,
}

impl ServiceCode {
    pub const ALL: [ServiceCode; 9] = [
        ServiceCode::DiagnosticEvaluation,
        ServiceCode::DiagnosticEvaluationMedical,
        ServiceCode::Psychotherapy30,
        ServiceCode::Psychotherapy45,
        ServiceCode::Psychotherapy60,
        ServiceCode::Crisis,
        ServiceCode::FamilyWithoutPatient,
        ServiceCode::FamilyWithPatient,
        ServiceCode::Group,
    ];

    /// The five-digit CPT code.
    pub fn as_str(self) -> &'static str {
        match self {
            ServiceCode::DiagnosticEvaluation => "90791",
            ServiceCode::DiagnosticEvaluationMedical => "90792",
            ServiceCode::Psychotherapy30 => "90832",
            ServiceCode::Psychotherapy45 => "90834",
            ServiceCode::Psychotherapy60 => "90837",
            ServiceCode::Crisis => "90839",
            ServiceCode::FamilyWithoutPatient => "90846",
            ServiceCode::FamilyWithPatient => "90847",
            ServiceCode::Group => "90853",
        }
    }

    pub fn parse(s: &str) -> Option<ServiceCode> {
        Self::ALL.into_iter().find(|c| c.as_str() == s)
    }

    /// A short English label for pickers.
    pub fn description(self) -> &'static str {
        match self {
            ServiceCode::DiagnosticEvaluation => "Psychiatric diagnostic evaluation",
            ServiceCode::DiagnosticEvaluationMedical => {
                "Psychiatric diagnostic evaluation with medical services"
            }
            ServiceCode::Psychotherapy30 => "Psychotherapy, 30 minutes",
            ServiceCode::Psychotherapy45 => "Psychotherapy, 45 minutes",
            ServiceCode::Psychotherapy60 => "Psychotherapy, 60 minutes",
            ServiceCode::Crisis => "Psychotherapy for crisis, first 60 minutes",
            ServiceCode::FamilyWithoutPatient => "Family psychotherapy without the patient",
            ServiceCode::FamilyWithPatient => "Family psychotherapy with the patient",
            ServiceCode::Group => "Group psychotherapy",
        }
    }

    /// The length a new appointment of this kind gets unless changed.
    pub fn default_duration_min(self) -> u32 {
        match self {
            ServiceCode::Psychotherapy30 => 30,
            ServiceCode::Psychotherapy45 => 45,
            ServiceCode::FamilyWithoutPatient | ServiceCode::FamilyWithPatient => 50,
            ServiceCode::DiagnosticEvaluation
            | ServiceCode::DiagnosticEvaluationMedical
            | ServiceCode::Psychotherapy60
            | ServiceCode::Crisis
            | ServiceCode::Group => 60,
        }
    }
}

/// Where an appointment stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AppointmentStatus {
    Scheduled,
    Completed,
    Cancelled,
    LateCancel,
    NoShow,
}

impl AppointmentStatus {
    pub const ALL: [AppointmentStatus; 5] = [
        AppointmentStatus::Scheduled,
        AppointmentStatus::Completed,
        AppointmentStatus::Cancelled,
        AppointmentStatus::LateCancel,
        AppointmentStatus::NoShow,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            AppointmentStatus::Scheduled => "scheduled",
            AppointmentStatus::Completed => "completed",
            AppointmentStatus::Cancelled => "cancelled",
            AppointmentStatus::LateCancel => "late_cancel",
            AppointmentStatus::NoShow => "no_show",
        }
    }

    pub fn parse(s: &str) -> Option<AppointmentStatus> {
        Self::ALL.into_iter().find(|c| c.as_str() == s)
    }

    /// Whether the appointment occupies the calendar. A cancelled, late
    /// cancelled or missed slot is free to book again (late cancels and no-shows
    /// may still be billed, but that is not a scheduling question).
    pub fn is_busy(self) -> bool {
        matches!(
            self,
            AppointmentStatus::Scheduled | AppointmentStatus::Completed
        )
    }
}

/// How the session takes place.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Modality {
    InPerson,
    Telehealth,
}

impl Modality {
    pub fn as_str(self) -> &'static str {
        match self {
            Modality::InPerson => "in_person",
            Modality::Telehealth => "telehealth",
        }
    }

    pub fn parse(s: &str) -> Option<Modality> {
        [Modality::InPerson, Modality::Telehealth]
            .into_iter()
            .find(|m| m.as_str() == s)
    }
}

/// How often a series repeats.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Frequency {
    Weekly,
    /// Every other week.
    Biweekly,
    /// The same day of the month; the last day in months too short for it.
    Monthly,
}

impl Frequency {
    pub fn as_str(self) -> &'static str {
        match self {
            Frequency::Weekly => "weekly",
            Frequency::Biweekly => "biweekly",
            Frequency::Monthly => "monthly",
        }
    }

    pub fn parse(s: &str) -> Option<Frequency> {
        [Frequency::Weekly, Frequency::Biweekly, Frequency::Monthly]
            .into_iter()
            .find(|f| f.as_str() == s)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn service_codes_round_trip_through_cpt_strings_and_serde() {
        for code in ServiceCode::ALL {
            assert_eq!(ServiceCode::parse(code.as_str()), Some(code));
            let json = serde_json::to_string(&code).unwrap();
            assert_eq!(json, format!("\"{}\"", code.as_str()));
            assert_eq!(serde_json::from_str::<ServiceCode>(&json).unwrap(), code);
            assert!(!code.description().is_empty());
        }
        assert_eq!(ServiceCode::parse("99213"), None);
    }

    #[test]
    fn a_45_minute_session_is_booked_for_45_minutes() {
        let mins = |s| ServiceCode::parse(s).unwrap().default_duration_min();
        assert_eq!(mins("90791"), 60);
        assert_eq!(mins("90792"), 60);
        assert_eq!(mins("90832"), 30);
        assert_eq!(mins("90834"), 45);
        assert_eq!(mins("90837"), 60);
        assert_eq!(mins("90839"), 60);
        assert_eq!(mins("90846"), 50);
        assert_eq!(mins("90847"), 50);
        assert_eq!(mins("90853"), 60);
    }

    #[test]
    fn only_scheduled_and_completed_appointments_block_the_calendar() {
        let busy: Vec<_> = AppointmentStatus::ALL
            .into_iter()
            .filter(|s| s.is_busy())
            .collect();
        assert_eq!(
            busy,
            [AppointmentStatus::Scheduled, AppointmentStatus::Completed]
        );
    }

    #[test]
    fn statuses_use_snake_case_strings() {
        for s in AppointmentStatus::ALL {
            assert_eq!(AppointmentStatus::parse(s.as_str()), Some(s));
            let json = serde_json::to_string(&s).unwrap();
            assert_eq!(json, format!("\"{}\"", s.as_str()));
        }
        assert_eq!(AppointmentStatus::LateCancel.as_str(), "late_cancel");
        assert_eq!(AppointmentStatus::parse("NoShow"), None);
    }

    #[test]
    fn modality_and_frequency_round_trip() {
        for m in [Modality::InPerson, Modality::Telehealth] {
            assert_eq!(Modality::parse(m.as_str()), Some(m));
            assert_eq!(
                serde_json::to_string(&m).unwrap(),
                format!("\"{}\"", m.as_str())
            );
        }
        for f in [Frequency::Weekly, Frequency::Biweekly, Frequency::Monthly] {
            assert_eq!(Frequency::parse(f.as_str()), Some(f));
            assert_eq!(
                serde_json::to_string(&f).unwrap(),
                format!("\"{}\"", f.as_str())
            );
        }
    }
}
