//! Psychotherapy notes as the screens see them. Kept apart from the medical
//! record (HIPAA §164.501): their own documents, sealed with their own key,
//! behind an extra unlock, and left out of exports unless asked for.

use serde::{Deserialize, Serialize};

/// One psychotherapy note with its text (only while unlocked).
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PsychotherapyNoteView {
    pub id: String,
    pub client_id: String,
    pub created_ms: i64,
    pub text: String,
}

impl std::fmt::Debug for PsychotherapyNoteView {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PsychotherapyNoteView")
            .field("id", &self.id)
            .finish_non_exhaustive()
    }
}

/// A line of the list, which shows without unlocking: no text.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PsychotherapyNoteSummary {
    pub id: String,
    pub client_id: String,
    pub created_ms: i64,
}
