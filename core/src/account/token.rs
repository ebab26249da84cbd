//! One-time tokens: 32 random bytes written as 43 characters of unpadded
//! base64url. Invite and reset links and session cookies carry them; only
//! their SHA-256 is ever stored.

use super::AccountError;

/// The length of a token's text.
pub const TOKEN_CHARS: usize = 43;

/// A one-time token. Its `Debug` never shows the value.
#[derive(Clone, PartialEq, Eq)]
pub struct OneTimeToken([u8; 32]);

impl std::fmt::Debug for OneTimeToken {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("OneTimeToken(…)")
    }
}

impl OneTimeToken {
    pub fn generate() -> Result<OneTimeToken, AccountError> {
        let mut bytes = [0u8; 32];
        super::random(&mut bytes)?;
        Ok(OneTimeToken(bytes))
    }

    pub fn from_bytes(bytes: [u8; 32]) -> OneTimeToken {
        OneTimeToken(bytes)
    }

    /// Parses exactly 43 base64url characters (no padding) that decode to 32 bytes.
    pub fn parse(text: &str) -> Option<OneTimeToken> {
        if text.len() != TOKEN_CHARS {
            return None;
        }
        let bytes = data_encoding::BASE64URL_NOPAD
            .decode(text.as_bytes())
            .ok()?;
        // Decoding is lenient about the last character's unused bits; insist
        // on the canonical form so one token has one text.
        let bytes: [u8; 32] = bytes.try_into().ok()?;
        let token = OneTimeToken(bytes);
        (token.text() == text).then_some(token)
    }

    /// The text for a link or cookie. Show it to its owner; never log it.
    pub fn text(&self) -> String {
        data_encoding::BASE64URL_NOPAD.encode(&self.0)
    }

    /// What is stored: SHA-256 of the 32 bytes.
    pub fn sha256(&self) -> [u8; 32] {
        super::sha256(&self.0)
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn tokens_round_trip_and_garbage_is_refused() {
        let t = OneTimeToken::generate().unwrap();
        let text = t.text();
        assert_eq!(text.len(), TOKEN_CHARS);
        assert_eq!(OneTimeToken::parse(&text), Some(t.clone()));
        assert_eq!(OneTimeToken::parse(&text).unwrap().sha256(), t.sha256());
        assert_ne!(t, OneTimeToken::generate().unwrap());
        assert_eq!(format!("{t:?}"), "OneTimeToken(…)");
        for bad in [
            "",
            "abc",
            &format!("{text}A"),
            &"*".repeat(43),
            &"A".repeat(42),
        ] {
            assert_eq!(OneTimeToken::parse(bad), None, "{bad}");
        }
        // A non-canonical last character is refused.
        let zero = OneTimeToken::from_bytes([0; 32]).text();
        assert_eq!(zero, "A".repeat(43));
        assert!(OneTimeToken::parse(&format!("{}B", "A".repeat(42))).is_none());
    }
}
