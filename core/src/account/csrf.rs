//! CSRF tokens: an HMAC-SHA-256, under a key only the server holds, of what
//! the form is bound to — the session (its id's hash) or, before sign-in,
//! a random pre-session cookie (signed double submit).

use ring::hmac;

/// The token for a form bound to `binding` (`purpose` keeps a session's
/// token from passing as a pre-session one).
pub fn token(key: &[u8; 32], purpose: &str, binding: &[u8]) -> String {
    let key = hmac::Key::new(hmac::HMAC_SHA256, key);
    let mut ctx = hmac::Context::with_key(&key);
    ctx.update(purpose.as_bytes());
    ctx.update(&[0]);
    ctx.update(binding);
    data_encoding::BASE64URL_NOPAD.encode(ctx.sign().as_ref())
}

/// Whether `given` is the token for `binding`, compared in constant time.
pub fn verify(key: &[u8; 32], purpose: &str, binding: &[u8], given: &str) -> bool {
    let expected = token(key, purpose, binding);
    super::constant_time_eq(expected.as_bytes(), given.as_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_bind_to_key_purpose_and_binding() {
        let t = token(&[1; 32], "session", b"abc");
        assert!(verify(&[1; 32], "session", b"abc", &t));
        assert!(!verify(&[2; 32], "session", b"abc", &t));
        assert!(!verify(&[1; 32], "pre", b"abc", &t));
        assert!(!verify(&[1; 32], "session", b"abd", &t));
        assert!(!verify(&[1; 32], "session", b"abc", ""));
    }
}
