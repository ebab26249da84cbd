//! From head probabilities to a risk flag.
//!
//! The model flags a message when P(suicidal) reaches the head's threshold. On top, a short
//! curated list of unambiguous phrases raises the flag whatever the model says; it never
//! lowers it. Negation is deliberately not used to lower anything ("I don't want to kill
//! myself" still flags): a missed risk costs far more than a therapist glancing at a false one.
//!
//! Matching is on words: lower-cased, apostrophes dropped, every other non-alphanumeric
//! character a word break, so "Kill   MYSELF!" matches "kill myself" and "suicidetrain" does
//! not match "suicide".

use super::head::{Head, argmax};

/// Phrases that on their own are reason enough to look. Kept short and unambiguous on purpose.
pub const PHRASES: &[&str] = &[
    "kill myself",
    "killing myself",
    "end my life",
    "ending my life",
    "take my own life",
    "taking my own life",
    "want to die",
    "wanna die",
    "going to die tonight",
    "suicide",
    "suicidal",
    "better off dead",
    "no reason to live",
    "nothing to live for",
    "hurt myself",
    "hurting myself",
    "harm myself",
    "self harm",
    "overdose on purpose",
    "end it all",
    "ending it all",
];

/// What the therapist sees for one message. Carries no text.
#[derive(Clone, Debug, PartialEq)]
pub struct RiskAssessment {
    /// The most probable class.
    pub label: String,
    pub probabilities: Vec<f32>,
    /// P(suicidal).
    pub suicide_score: f32,
    /// The model's threshold was reached or an explicit phrase matched.
    pub flagged: bool,
    /// An explicit phrase matched.
    pub by_phrase: bool,
    /// Which phrase matched, from [`PHRASES`] (never the message's own words).
    pub phrase: Option<&'static str>,
    pub model_version: String,
}

/// Assesses one message from its head probabilities (in `head.labels` order) and its text.
/// The text is only matched against [`PHRASES`]; it is not kept.
pub fn assess(head: &Head, probabilities: &[f32], text: &str) -> RiskAssessment {
    let suicide_score = probabilities
        .get(head.suicidal_index)
        .copied()
        .unwrap_or(0.0);
    let by_model = head.flags(probabilities);
    let phrase = explicit_phrase(text);
    let label = if probabilities.len() == head.classes() {
        head.labels[argmax(probabilities)].clone()
    } else {
        String::new()
    };
    RiskAssessment {
        label,
        probabilities: probabilities.to_vec(),
        suicide_score,
        flagged: by_model || phrase.is_some(),
        by_phrase: phrase.is_some(),
        phrase,
        model_version: head.version.clone(),
    }
}

/// The first curated phrase in `text`, matched on whole words.
pub fn explicit_phrase(text: &str) -> Option<&'static str> {
    let words = words(text);
    PHRASES.iter().copied().find(|phrase| {
        let needle: Vec<&str> = phrase.split(' ').collect();
        words.windows(needle.len()).any(|w| w == needle.as_slice())
    })
}

fn words(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut current = String::new();
    for ch in text.chars() {
        if ch == '\'' || ch == '\u{2019}' {
            continue; // "don't" -> "dont", "life's" -> "lifes"
        }
        if ch.is_alphanumeric() {
            current.extend(ch.to_lowercase());
        } else if !current.is_empty() {
            out.push(std::mem::take(&mut current));
        }
    }
    if !current.is_empty() {
        out.push(current);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ml::head::tests::template;

    fn probs(suicidal: f32) -> Vec<f32> {
        let rest = (1.0 - suicidal) / 2.0;
        vec![rest, rest, suicidal]
    }

    #[test]
    fn model_flags_at_the_threshold() {
        let head = template(4); // threshold 0.3
        let a = assess(&head, &probs(0.3), "a quiet week");
        assert!(a.flagged && !a.by_phrase);
        assert_eq!(a.suicide_score, 0.3);
        assert_eq!(a.model_version, "test");
        let a = assess(&head, &probs(0.29), "a quiet week");
        assert!(!a.flagged);
        assert_eq!(a.label, "Normal");
    }

    #[test]
    fn phrases_raise_but_never_lower() {
        let head = template(4);
        let a = assess(&head, &probs(0.01), "Some days I just want to  DIE.");
        assert!(a.flagged && a.by_phrase);
        assert_eq!(a.phrase, Some("want to die"));
        let a = assess(&head, &probs(0.9), "nothing special happened");
        assert!(a.flagged && !a.by_phrase, "the model alone flags");
    }

    #[test]
    fn negation_does_not_lower() {
        let head = template(4);
        for text in [
            "I don't want to kill myself",
            "I'm not suicidal",
            "I would never hurt myself",
        ] {
            assert!(assess(&head, &probs(0.0), text).flagged, "{text}");
        }
    }

    #[test]
    fn matching_is_case_space_and_word_boundary_aware() {
        assert_eq!(explicit_phrase("KILL\tmyself"), Some("kill myself"));
        assert_eq!(explicit_phrase("kill\n\n myself!!"), Some("kill myself"));
        assert_eq!(explicit_phrase("thinking about suicide."), Some("suicide"));
        assert_eq!(explicit_phrase("better-off-dead"), Some("better off dead"));
        assert_eq!(
            explicit_phrase("I’m better off dead"),
            Some("better off dead")
        );
        assert_eq!(explicit_phrase("that joke killed me, I'm dying"), None);
        assert_eq!(explicit_phrase("suicidesquad fan"), None);
        assert_eq!(explicit_phrase("skill myself up"), None);
        assert_eq!(explicit_phrase("the deadline will kill me"), None);
        assert_eq!(explicit_phrase(""), None);
    }

    #[test]
    fn wrong_length_probabilities_do_not_panic() {
        let head = template(4);
        let a = assess(&head, &[], "hello");
        assert!(!a.flagged);
        assert_eq!(a.label, "");
    }
}
