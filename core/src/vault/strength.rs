//! The passphrase rule, stated once, and the strength meter behind it.

pub use crate::vault_status::Strength;

/// The shortest passphrase accepted.
pub const MIN_CHARS: usize = 12;
/// The lowest zxcvbn score accepted (0 = guessable in seconds … 4 = very strong).
pub const MIN_SCORE: u8 = 3;

/// Scores a passphrase against the rule: at least [`MIN_CHARS`] characters and
/// a zxcvbn score of at least [`MIN_SCORE`].
pub fn assess(passphrase: &str) -> Strength {
    let chars = passphrase.chars().count();
    let entropy = zxcvbn::zxcvbn(passphrase, &[]);
    let score = u8::from(entropy.score());
    let mut hints = vec![];
    if chars < MIN_CHARS {
        hints.push(format!("use at least {MIN_CHARS} characters"));
    }
    if score < MIN_SCORE {
        if let Some(feedback) = entropy.feedback() {
            if let Some(w) = feedback.warning() {
                hints.push(w.to_string());
            }
            hints.extend(feedback.suggestions().iter().map(|s| s.to_string()));
        }
        if hints.is_empty() {
            hints.push("add more unrelated words".into());
        }
    }
    Strength {
        score,
        acceptable: chars >= MIN_CHARS && score >= MIN_SCORE,
        hints,
    }
}

/// The rule in words, for error messages and the onboarding screen.
pub fn rule() -> String {
    format!(
        "a passphrase needs at least {MIN_CHARS} characters and must not be easy to guess \
         (strength {MIN_SCORE} of 4 or better)"
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn short_and_common_passphrases_are_refused_with_a_reason() {
        for weak in [
            "",
            "password",
            "password1234",
            "aaaaaaaaaaaaaaaa",
            "qwertyuiop123",
        ] {
            let s = assess(weak);
            assert!(!s.acceptable, "{weak:?} accepted");
            assert!(!s.hints.is_empty(), "{weak:?} has no hint");
        }
    }

    #[test]
    fn long_unrelated_words_are_accepted() {
        let s = assess("violet tram coffee lantern 42");
        assert!(s.acceptable, "{s:?}");
        assert!(s.hints.is_empty());
        assert!(s.score >= MIN_SCORE);
    }
}
