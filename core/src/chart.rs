//! The client chart as the screens see it: plain data types shared by the
//! vault (which builds them from the chart document) and the wasm frontend
//! (which renders them). The rules that change a chart live in
//! `records::client`.

use serde::{Deserialize, Serialize};

use crate::consent::ConsentLog;

/// Where a client's case stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CaseStatus {
    Intake,
    Active,
    Paused,
    Closed,
    Transferred,
}

impl CaseStatus {
    pub const ALL: [CaseStatus; 5] = [
        CaseStatus::Intake,
        CaseStatus::Active,
        CaseStatus::Paused,
        CaseStatus::Closed,
        CaseStatus::Transferred,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            CaseStatus::Intake => "intake",
            CaseStatus::Active => "active",
            CaseStatus::Paused => "paused",
            CaseStatus::Closed => "closed",
            CaseStatus::Transferred => "transferred",
        }
    }

    pub fn parse(s: &str) -> Option<CaseStatus> {
        CaseStatus::ALL.into_iter().find(|c| c.as_str() == s)
    }
}

/// What the "new client" form sends.
#[derive(Clone, Serialize, Deserialize)]
pub struct NewClient {
    pub given_name: String,
    pub family_name: String,
    pub preferred_name: Option<String>,
}

/// One row of the client list. Names are PHI: `Debug` shows only the id.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ClientSummary {
    pub id: String,
    pub display_name: String,
    pub status: CaseStatus,
    pub updated_ms: i64,
}

impl std::fmt::Debug for ClientSummary {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ClientSummary")
            .field("id", &self.id)
            .field("status", &self.status)
            .finish_non_exhaustive()
    }
}

/// One entry of the case status history.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct StatusChange {
    pub status: CaseStatus,
    pub at_ms: i64,
    pub by: String,
}

/// Demographics and contacts. Every field is optional and edited on its own,
/// so two devices changing different fields offline both keep their change.
#[derive(Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Profile {
    pub given_name: String,
    pub family_name: String,
    pub preferred_name: String,
    /// `YYYY-MM-DD`.
    pub date_of_birth: String,
    pub pronouns: String,
    pub phone: String,
    pub email: String,
    pub address: String,
    pub emergency: EmergencyContact,
    pub insurance: Insurance,
}

#[derive(Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct EmergencyContact {
    pub name: String,
    pub relationship: String,
    pub phone: String,
}

#[derive(Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Insurance {
    pub payer: String,
    pub member_id: String,
    pub group_number: String,
}

macro_rules! redacted_debug {
    ($($t:ty),*) => {$(
        impl std::fmt::Debug for $t {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(concat!(stringify!($t), "(<redacted>)"))
            }
        }
    )*};
}
redacted_debug!(Profile, EmergencyContact, Insurance, ChartView);

impl Profile {
    /// The text fields in document order, keyed as the chart document stores
    /// them (`section.field`). One list keeps reading and writing in step.
    pub fn fields(&self) -> [(&'static str, &str); 14] {
        [
            ("given_name", &self.given_name),
            ("family_name", &self.family_name),
            ("preferred_name", &self.preferred_name),
            ("date_of_birth", &self.date_of_birth),
            ("pronouns", &self.pronouns),
            ("contact.phone", &self.phone),
            ("contact.email", &self.email),
            ("contact.address", &self.address),
            ("emergency.name", &self.emergency.name),
            ("emergency.relationship", &self.emergency.relationship),
            ("emergency.phone", &self.emergency.phone),
            ("insurance.payer", &self.insurance.payer),
            ("insurance.member_id", &self.insurance.member_id),
            ("insurance.group_number", &self.insurance.group_number),
        ]
    }

    /// Sets the field named as in [`Profile::fields`]; unknown names are ignored.
    pub fn set(&mut self, key: &str, value: String) {
        let slot = match key {
            "given_name" => &mut self.given_name,
            "family_name" => &mut self.family_name,
            "preferred_name" => &mut self.preferred_name,
            "date_of_birth" => &mut self.date_of_birth,
            "pronouns" => &mut self.pronouns,
            "contact.phone" => &mut self.phone,
            "contact.email" => &mut self.email,
            "contact.address" => &mut self.address,
            "emergency.name" => &mut self.emergency.name,
            "emergency.relationship" => &mut self.emergency.relationship,
            "emergency.phone" => &mut self.emergency.phone,
            "insurance.payer" => &mut self.insurance.payer,
            "insurance.member_id" => &mut self.insurance.member_id,
            "insurance.group_number" => &mut self.insurance.group_number,
            _ => return,
        };
        *slot = value;
    }

    /// Checks what a form sent; the message names the field, never its value.
    pub fn validate(&self) -> Result<(), String> {
        if self.given_name.trim().is_empty() || self.family_name.trim().is_empty() {
            return Err("a client needs a given name and a family name".into());
        }
        for (key, value) in self.fields() {
            if value.len() > 500 {
                return Err(format!("{key} is longer than 500 characters"));
            }
        }
        let dob = self.date_of_birth.trim();
        if !dob.is_empty() && !is_iso_date(dob) {
            return Err("date of birth must be YYYY-MM-DD".into());
        }
        let email = self.email.trim();
        if !email.is_empty() && (!email.contains('@') || email.contains(char::is_whitespace)) {
            return Err("the email address is not valid".into());
        }
        Ok(())
    }
}

fn is_iso_date(s: &str) -> bool {
    let parts: Vec<&str> = s.split('-').collect();
    let [y, m, d] = parts.as_slice() else {
        return false;
    };
    let num = |p: &str, len: usize| {
        (p.len() == len && p.bytes().all(|b| b.is_ascii_digit()))
            .then(|| p.parse::<u32>().ok())
            .flatten()
    };
    matches!(
        (num(y, 4), num(m, 2), num(d, 2)),
        (Some(1900..=2100), Some(1..=12), Some(1..=31))
    )
}

/// A diagnosis on the chart, by ICD-10-CM code.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct DiagnosisEntry {
    pub code: String,
    pub description: String,
    pub added_ms: i64,
    pub added_by: String,
    /// Set when the diagnosis no longer applies; the entry stays on the chart.
    pub resolved_ms: Option<i64>,
}

/// Everything the chart's summary shows, built from the chart document.
#[derive(Clone, PartialEq, Serialize, Deserialize)]
pub struct ChartView {
    pub id: String,
    pub display_name: String,
    pub profile: Profile,
    pub status: CaseStatus,
    pub status_history: Vec<StatusChange>,
    pub diagnoses: Vec<DiagnosisEntry>,
    pub consents: ConsentLog,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn profile() -> Profile {
        Profile {
            given_name: "Ana".into(),
            family_name: "Silva".into(),
            ..Profile::default()
        }
    }

    #[test]
    fn fields_and_set_name_the_same_keys() {
        let mut p = Profile::default();
        for (i, (key, _)) in profile().fields().into_iter().enumerate() {
            p.set(key, format!("v{i}"));
        }
        for (i, (_, value)) in p.fields().into_iter().enumerate() {
            assert_eq!(value, format!("v{i}"));
        }
    }

    #[test]
    fn a_profile_is_checked_without_echoing_values() {
        assert!(profile().validate().is_ok());
        let mut p = profile();
        p.date_of_birth = "31/12/1990".into();
        assert!(p.validate().unwrap_err().contains("YYYY-MM-DD"));
        p.date_of_birth = "1990-12-31".into();
        p.email = "not an email".into();
        let err = p.validate().unwrap_err();
        assert!(!err.contains("not an email"));
        p.email = "ana@example.org".into();
        assert!(p.validate().is_ok());
        p.given_name = " ".into();
        assert!(p.validate().is_err());
        assert!(!format!("{:?}", profile()).contains("Silva"));
    }
}
