//! Session notes as the screens see them: templates, the signed/draft rule and
//! the view types. How notes are stored and merged lives in `records::note`.
//!
//! A note is a draft until it is signed. Signing freezes the text: the signer,
//! the time and the exact text of every section are recorded together, and
//! from then on corrections are addenda. An edit made on another device
//! before it heard of the signature is never folded into the signed text; it
//! shows as an addendum instead.

use serde::{Deserialize, Serialize};

/// The note templates therapists use.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Template {
    Soap,
    Dap,
    Birp,
    Free,
}

impl Template {
    pub const ALL: [Template; 4] = [
        Template::Soap,
        Template::Dap,
        Template::Birp,
        Template::Free,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Template::Soap => "soap",
            Template::Dap => "dap",
            Template::Birp => "birp",
            Template::Free => "free",
        }
    }

    pub fn parse(s: &str) -> Option<Template> {
        Template::ALL.into_iter().find(|t| t.as_str() == s)
    }

    /// The template's sections: stable keys, in the order they are written.
    pub fn sections(self) -> &'static [&'static str] {
        match self {
            Template::Soap => &["subjective", "objective", "assessment", "plan"],
            Template::Dap => &["data", "assessment", "plan"],
            Template::Birp => &["behavior", "intervention", "response", "plan"],
            Template::Free => &["body"],
        }
    }

    pub fn has_section(self, key: &str) -> bool {
        self.sections().contains(&key)
    }
}

/// Who signed a note, when, and the text they signed.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Signature {
    pub by: String,
    pub at_ms: i64,
    /// `(section key, text)` in template order.
    pub sections: Vec<(String, String)>,
}

/// Why an addendum is on a note.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AddendumKind {
    /// Written by a clinician after signing.
    Written,
    /// An edit made on another device before it learned of the signature.
    ConcurrentEdit,
    /// A second signature made at the same time with different text.
    ConflictingSignature,
}

#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Addendum {
    pub kind: AddendumKind,
    pub text: String,
    pub by: String,
    pub at_ms: i64,
}

/// A whole note, for the editor and the chart.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NoteView {
    pub id: String,
    pub client_id: String,
    pub template: Template,
    /// When the session took place (UTC ms).
    pub session_ms: i64,
    pub appointment_id: Option<String>,
    /// `(section key, text)` in template order; the signed text once signed.
    pub sections: Vec<(String, String)>,
    pub signature: Option<Signature>,
    pub addenda: Vec<Addendum>,
}

impl NoteView {
    pub fn is_signed(&self) -> bool {
        self.signature.is_some()
    }
}

/// One line of a client's note list.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct NoteSummary {
    pub id: String,
    pub client_id: String,
    pub template: Template,
    pub session_ms: i64,
    pub signed_ms: Option<i64>,
    pub signed_by: Option<String>,
    pub addenda: u32,
}

// Signed text and addenda are clinical content: `Debug` shows who and when.
impl std::fmt::Debug for Signature {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Signature")
            .field("at_ms", &self.at_ms)
            .finish_non_exhaustive()
    }
}

impl std::fmt::Debug for Addendum {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Addendum")
            .field("kind", &self.kind)
            .field("at_ms", &self.at_ms)
            .finish_non_exhaustive()
    }
}

impl std::fmt::Debug for NoteView {
    // Note text is clinical content: never in logs or panics.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("NoteView")
            .field("id", &self.id)
            .field("template", &self.template)
            .field("signed", &self.is_signed())
            .finish_non_exhaustive()
    }
}

/// The longest section or addendum Bloom accepts (a generous page count).
pub const MAX_TEXT_BYTES: usize = 200_000;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_template_names_distinct_sections_and_parses_back() {
        for t in Template::ALL {
            assert_eq!(Template::parse(t.as_str()), Some(t));
            let mut keys = t.sections().to_vec();
            keys.dedup();
            assert_eq!(keys.len(), t.sections().len());
        }
        assert!(Template::Soap.has_section("objective"));
        assert!(!Template::Dap.has_section("objective"));
        assert_eq!(Template::parse("SOAP"), None);
    }
}
