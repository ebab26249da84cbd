//! Global search as the screens see it: hits with snippets, and turning what
//! someone typed into a safe full-text query. The index itself lives in
//! `records::search`.

use serde::{Deserialize, Serialize};

/// Marks the start of a matched term in a snippet. Control characters, not
/// HTML, so a snippet can be rendered as plain text with highlights and can
/// never inject markup.
pub const MATCH_START: char = '\u{2}';
/// Marks the end of a matched term in a snippet.
pub const MATCH_END: char = '\u{3}';

/// What a hit is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum HitKind {
    Client,
    Note,
}

#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SearchHit {
    pub kind: HitKind,
    pub record_id: String,
    pub client_id: String,
    pub client_name: String,
    pub title: String,
    /// Text around the match, matched terms between [`MATCH_START`] and [`MATCH_END`].
    pub snippet: String,
    /// For notes: when the session took place.
    pub session_ms: Option<i64>,
}

impl std::fmt::Debug for SearchHit {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SearchHit")
            .field("kind", &self.kind)
            .field("record_id", &self.record_id)
            .finish_non_exhaustive()
    }
}

/// Splits a snippet into `(text, is_match)` runs for rendering.
pub fn snippet_runs(snippet: &str) -> Vec<(String, bool)> {
    let mut runs = vec![];
    let mut current = String::new();
    let mut in_match = false;
    for c in snippet.chars() {
        if c == MATCH_START || c == MATCH_END {
            if !current.is_empty() {
                runs.push((std::mem::take(&mut current), in_match));
            }
            in_match = c == MATCH_START;
        } else {
            current.push(c);
        }
    }
    if !current.is_empty() {
        runs.push((current, in_match));
    }
    runs
}

/// Turns typed text into an FTS5 query: every word must match as a prefix.
/// Words are quoted, so FTS operators (`OR`, `NEAR`, `*`, `"`, `:`) typed by a
/// person are searched for as text, never interpreted. `None` when nothing
/// searchable is left.
pub fn fts_query(input: &str) -> Option<String> {
    let words: Vec<String> = input
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .take(12)
        .map(|w| format!("\"{w}\"*"))
        .collect();
    (!words.is_empty()).then(|| words.join(" "))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn typed_text_becomes_quoted_prefix_terms() {
        assert_eq!(
            fts_query("anx sleep").as_deref(),
            Some("\"anx\"* \"sleep\"*")
        );
        assert_eq!(
            fts_query("a\" OR b* NEAR(c)").as_deref(),
            Some("\"a\"* \"OR\"* \"b\"* \"NEAR\"* \"c\"*")
        );
        assert_eq!(fts_query("  ;:*\"  "), None);
        assert_eq!(fts_query("Zoë").as_deref(), Some("\"Zoë\"*"));
    }

    #[test]
    fn snippets_split_into_marked_runs() {
        let s = format!("slept {MATCH_START}badly{MATCH_END} again");
        assert_eq!(
            snippet_runs(&s),
            vec![
                ("slept ".to_owned(), false),
                ("badly".to_owned(), true),
                (" again".to_owned(), false)
            ]
        );
        assert!(snippet_runs("").is_empty());
    }
}
