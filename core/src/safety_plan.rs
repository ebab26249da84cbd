//! The Stanley-Brown Safety Planning Intervention and the crisis resources
//! page. Both must work offline: the sections and the resources are compiled
//! in; the client's plan is a document in the vault (`records::safety_plan`).

use serde::{Deserialize, Serialize};

/// The plan's sections, in the order the client works through them.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Section {
    WarningSigns,
    InternalCoping,
    SocialDistraction,
    PeopleToAsk,
    Professionals,
    SafeEnvironment,
    ReasonsForLiving,
}

impl Section {
    pub const ALL: [Section; 7] = [
        Section::WarningSigns,
        Section::InternalCoping,
        Section::SocialDistraction,
        Section::PeopleToAsk,
        Section::Professionals,
        Section::SafeEnvironment,
        Section::ReasonsForLiving,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Section::WarningSigns => "warning_signs",
            Section::InternalCoping => "internal_coping",
            Section::SocialDistraction => "social_distraction",
            Section::PeopleToAsk => "people_to_ask",
            Section::Professionals => "professionals",
            Section::SafeEnvironment => "safe_environment",
            Section::ReasonsForLiving => "reasons_for_living",
        }
    }

    pub fn parse(s: &str) -> Option<Section> {
        Section::ALL.into_iter().find(|x| x.as_str() == s)
    }
}

#[derive(Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SafetyPlan {
    pub client_id: String,
    /// Every section in [`Section::ALL`] order; one item per line.
    pub sections: Vec<(Section, String)>,
    pub updated_ms: i64,
    pub updated_by: String,
}

impl std::fmt::Debug for SafetyPlan {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SafetyPlan(<redacted>)")
    }
}

/// A crisis line or service, shown on the offline crisis page.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct CrisisResource {
    pub name: &'static str,
    pub contact: &'static str,
    pub note: &'static str,
}

/// United States resources (the practice's country; configurable later).
pub const CRISIS_RESOURCES: &[CrisisResource] = &[
    CrisisResource {
        name: "Emergency services",
        contact: "Call 911",
        note: "Immediate danger to life.",
    },
    CrisisResource {
        name: "988 Suicide & Crisis Lifeline",
        contact: "Call or text 988, chat at 988lifeline.org",
        note: "24/7, free and confidential.",
    },
    CrisisResource {
        name: "Veterans Crisis Line",
        contact: "Call 988 then press 1, or text 838255",
        note: "For veterans, service members and their families.",
    },
    CrisisResource {
        name: "Crisis Text Line",
        contact: "Text HOME to 741741",
        note: "24/7 support by text.",
    },
    CrisisResource {
        name: "The Trevor Project",
        contact: "Call 1-866-488-7386 or text START to 678-678",
        note: "For LGBTQ+ young people.",
    },
    CrisisResource {
        name: "SAMHSA National Helpline",
        contact: "Call 1-800-662-4357",
        note: "Treatment referral and information, 24/7.",
    },
];
