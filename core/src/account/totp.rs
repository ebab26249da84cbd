//! RFC 6238 one-time codes: HMAC-SHA-1, 6 digits, 30-second steps, accepted
//! one step either side, and each step usable once (the caller keeps the
//! last step used and passes it back in).

use ring::hmac;

use super::AccountError;

/// Seconds per step.
pub const STEP_SECONDS: i64 = 30;
/// Digits in a code.
pub const DIGITS: u32 = 6;
/// Steps accepted either side of now (clock drift).
pub const SKEW_STEPS: i64 = 1;
const SECRET_BYTES: usize = 20;

/// A TOTP shared secret (160 bits). Never printed; shown once to the user as
/// base32 and in an `otpauth://` URI.
#[derive(Clone, PartialEq, Eq)]
pub struct TotpSecret(Vec<u8>);

impl std::fmt::Debug for TotpSecret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("TotpSecret(…)")
    }
}

impl TotpSecret {
    pub fn generate() -> Result<TotpSecret, AccountError> {
        let mut bytes = vec![0u8; SECRET_BYTES];
        super::random(&mut bytes)?;
        Ok(TotpSecret(bytes))
    }

    pub fn from_bytes(bytes: Vec<u8>) -> TotpSecret {
        TotpSecret(bytes)
    }

    pub fn as_bytes(&self) -> &[u8] {
        &self.0
    }

    /// Base32 without padding, as authenticator apps take it.
    pub fn to_base32(&self) -> String {
        data_encoding::BASE32_NOPAD.encode(&self.0)
    }

    /// Parses base32 (spaces and case ignored, padding optional).
    pub fn from_base32(text: &str) -> Option<TotpSecret> {
        let clean: String = text
            .chars()
            .filter(|c| !c.is_whitespace() && *c != '=')
            .map(|c| c.to_ascii_uppercase())
            .collect();
        let bytes = data_encoding::BASE32_NOPAD.decode(clean.as_bytes()).ok()?;
        (!bytes.is_empty()).then_some(TotpSecret(bytes))
    }

    /// The `otpauth://totp/…` URI an authenticator app reads (from a QR code).
    pub fn otpauth_uri(&self, issuer: &str, account: &str) -> String {
        let issuer = percent_encode(issuer);
        format!(
            "otpauth://totp/{issuer}:{account}?secret={secret}&issuer={issuer}&algorithm=SHA1&digits={DIGITS}&period={STEP_SECONDS}",
            account = percent_encode(account),
            secret = self.to_base32(),
        )
    }
}

fn percent_encode(text: &str) -> String {
    let mut out = String::new();
    for b in text.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~' | b'@') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// The step a Unix time (milliseconds) falls in.
pub fn step_at(now_ms: i64) -> i64 {
    now_ms.div_euclid(1000).div_euclid(STEP_SECONDS)
}

/// RFC 4226 HOTP with `digits` digits.
pub fn hotp(secret: &[u8], counter: u64, digits: u32) -> u32 {
    let key = hmac::Key::new(hmac::HMAC_SHA1_FOR_LEGACY_USE_ONLY, secret);
    let tag = hmac::sign(&key, &counter.to_be_bytes());
    let mac = tag.as_ref();
    let offset = usize::from(mac[mac.len() - 1] & 0x0f);
    let binary = (u32::from(mac[offset] & 0x7f) << 24)
        | (u32::from(mac[offset + 1]) << 16)
        | (u32::from(mac[offset + 2]) << 8)
        | u32::from(mac[offset + 3]);
    binary % 10u32.pow(digits)
}

/// The 6-digit code for `step`, zero-padded.
pub fn code_at(secret: &TotpSecret, step: i64) -> String {
    let counter = u64::try_from(step).unwrap_or(0);
    format!("{:06}", hotp(&secret.0, counter, DIGITS))
}

/// Checks `code` at `now_ms`. Returns the step it matched, which the caller
/// must store as the new last-used step; a step at or before `last_used` is
/// refused, so each code works once.
pub fn verify(
    secret: &TotpSecret,
    code: &str,
    now_ms: i64,
    last_used: Option<i64>,
) -> Result<i64, AccountError> {
    let code: String = code.chars().filter(|c| !c.is_whitespace()).collect();
    if code.len() != DIGITS as usize || !code.bytes().all(|b| b.is_ascii_digit()) {
        return Err(AccountError::TotpInvalid);
    }
    let now = step_at(now_ms);
    for step in (now - SKEW_STEPS)..=(now + SKEW_STEPS) {
        if last_used.is_some_and(|last| step <= last) {
            continue;
        }
        let expected = code_at(secret, step);
        if super::constant_time_eq(expected.as_bytes(), code.as_bytes()) {
            return Ok(step);
        }
    }
    Err(AccountError::TotpInvalid)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    const RFC_SECRET: &[u8] = b"12345678901234567890";

    /// RFC 6238 appendix B, SHA-1 column (8 digits).
    #[test]
    fn rfc6238_sha1_test_vectors() {
        let vectors: [(u64, u32); 6] = [
            (59, 94287082),
            (1111111109, 7081804),
            (1111111111, 14050471),
            (1234567890, 89005924),
            (2000000000, 69279037),
            (20000000000, 65353130),
        ];
        for (time, expected) in vectors {
            assert_eq!(hotp(RFC_SECRET, time / 30, 8), expected, "T={time}");
        }
        let secret = TotpSecret::from_bytes(RFC_SECRET.to_vec());
        assert_eq!(code_at(&secret, step_at(59_000)), "287082");
        assert_eq!(code_at(&secret, step_at(1_111_111_109_000)), "081804");
    }

    #[test]
    fn rfc4226_hotp_vectors() {
        let expected = [755224, 287082, 359152, 969429, 338314];
        for (i, e) in expected.iter().enumerate() {
            assert_eq!(hotp(RFC_SECRET, i as u64, 6), *e);
        }
    }

    #[test]
    fn accepts_one_step_either_side_and_each_step_once() {
        let secret = TotpSecret::from_bytes(RFC_SECRET.to_vec());
        let now = 1_234_567_890_000;
        let step = step_at(now);
        for s in [step - 1, step, step + 1] {
            assert_eq!(verify(&secret, &code_at(&secret, s), now, None), Ok(s));
        }
        for s in [step - 2, step + 2] {
            assert!(verify(&secret, &code_at(&secret, s), now, None).is_err());
        }
        let used = verify(&secret, &code_at(&secret, step), now, None).unwrap();
        assert!(verify(&secret, &code_at(&secret, step), now, Some(used)).is_err());
        assert!(verify(&secret, &code_at(&secret, step - 1), now, Some(used)).is_err());
        assert_eq!(
            verify(&secret, &code_at(&secret, step + 1), now, Some(used)),
            Ok(step + 1)
        );
        assert!(verify(&secret, "12345", now, None).is_err());
        assert!(verify(&secret, "abcdef", now, None).is_err());
    }

    #[test]
    fn base32_and_uri() {
        let secret = TotpSecret::from_bytes(RFC_SECRET.to_vec());
        assert_eq!(secret.to_base32(), "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ");
        assert_eq!(
            TotpSecret::from_base32("gezd gnbv gy3t qojq gezd gnbv gy3t qojq"),
            Some(secret.clone())
        );
        assert_eq!(TotpSecret::from_base32("!!"), None);
        let uri = secret.otpauth_uri("Riverside Counselling", "ann@example.org");
        assert!(
            uri.starts_with("otpauth://totp/Riverside%20Counselling:ann@example.org?secret=GEZD")
        );
        assert!(uri.contains("&digits=6&period=30"));
        assert_eq!(format!("{secret:?}"), "TotpSecret(…)");
        assert_eq!(TotpSecret::generate().unwrap().as_bytes().len(), 20);
    }
}
