//! Risk indicators as the therapist sees them: what the on-device model said
//! about something a client wrote, and the therapist's confirmation or
//! correction. Inference lives in `ml` (feature `ml`); storage and the
//! consent gate in `records::risk`. Results are for the therapist alone.

use serde::{Deserialize, Serialize};

/// Where the analysed text came from.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TextSource {
    /// A journal entry the client wrote.
    Journal,
    /// The free-text answer of a questionnaire.
    AssessmentText,
    /// A portal message (once the portal delivers them).
    Message,
}

impl TextSource {
    pub fn as_str(self) -> &'static str {
        match self {
            TextSource::Journal => "journal",
            TextSource::AssessmentText => "assessment_text",
            TextSource::Message => "message",
        }
    }

    pub fn parse(s: &str) -> Option<TextSource> {
        [
            TextSource::Journal,
            TextSource::AssessmentText,
            TextSource::Message,
        ]
        .into_iter()
        .find(|t| t.as_str() == s)
    }
}

/// One model result, as stored in the vault with the model's version.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct RiskResult {
    /// The record the text belongs to (journal entry, assessment…).
    pub record_id: String,
    pub client_id: String,
    pub source: TextSource,
    pub model_version: String,
    /// The most likely indicator label.
    pub label: String,
    /// P(suicidal) from the head.
    pub suicide_score: f32,
    /// Whether the suicide-risk flag is raised (threshold or explicit phrase).
    pub flagged: bool,
    /// The flag was raised by the explicit-phrase layer.
    pub by_phrase: bool,
    pub at_ms: i64,
    /// The therapist's label, when they confirmed or corrected the result.
    pub feedback: Option<String>,
}

/// A journal entry as the chart shows it.
#[derive(Clone, PartialEq, Serialize, Deserialize)]
pub struct JournalEntry {
    pub id: String,
    pub client_id: String,
    pub written_ms: i64,
    pub text: String,
    /// The model's result, if the client consented to ML analysis.
    pub risk: Option<RiskResult>,
}

impl std::fmt::Debug for JournalEntry {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("JournalEntry")
            .field("id", &self.id)
            .finish_non_exhaustive()
    }
}
