//! The password rule and Argon2id hashing (OWASP: m = 19 MiB, t = 2, p = 1).

use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::{Algorithm, Argon2, Params, Version};

use super::AccountError;
use super::secret::Password;

/// The shortest password accepted.
pub const MIN_CHARS: usize = 12;
/// The longest (Argon2 is fine with more, but nobody types more).
pub const MAX_CHARS: usize = 256;
/// The lowest zxcvbn score accepted (0 … 4).
pub const MIN_SCORE: u8 = 3;

const MEMORY_KIB: u32 = 19 * 1024;
const ITERATIONS: u32 = 2;
const PARALLELISM: u32 = 1;

fn argon2() -> Result<Argon2<'static>, AccountError> {
    let params =
        Params::new(MEMORY_KIB, ITERATIONS, PARALLELISM, None).map_err(|_| AccountError::Hash)?;
    Ok(Argon2::new(Algorithm::Argon2id, Version::V0x13, params))
}

/// Checks the rule: [`MIN_CHARS`]..=[`MAX_CHARS`] characters and a zxcvbn
/// score of at least [`MIN_SCORE`], also judged against `context` (the email,
/// the display name), so a password made of them is refused.
pub fn check_policy(password: &Password, context: &[&str]) -> Result<(), AccountError> {
    let chars = password.expose().chars().count();
    if !(MIN_CHARS..=MAX_CHARS).contains(&chars) {
        return Err(AccountError::WeakPassword);
    }
    let score = u8::from(zxcvbn::zxcvbn(password.expose(), context).score());
    if score < MIN_SCORE {
        return Err(AccountError::WeakPassword);
    }
    Ok(())
}

/// The PHC string (`$argon2id$v=19$m=19456,t=2,p=1$…`) to store.
pub fn hash(password: &Password) -> Result<String, AccountError> {
    let mut salt = [0u8; 16];
    super::random(&mut salt)?;
    let salt = SaltString::encode_b64(&salt).map_err(|_| AccountError::Hash)?;
    Ok(argon2()?
        .hash_password(password.expose().as_bytes(), &salt)
        .map_err(|_| AccountError::Hash)?
        .to_string())
}

/// Whether `password` matches the stored PHC string. A malformed string never matches.
pub fn verify(password: &Password, phc: &str) -> bool {
    let Ok(parsed) = PasswordHash::new(phc) else {
        return false;
    };
    let Ok(argon) = argon2() else {
        return false;
    };
    argon
        .verify_password(password.expose().as_bytes(), &parsed)
        .is_ok()
}

/// Spends the time a verification takes, for an email that has no account,
/// so the answer's timing does not tell whether it exists.
pub fn verify_nothing(password: &Password) {
    static DUMMY: std::sync::OnceLock<Option<String>> = std::sync::OnceLock::new();
    if let Some(phc) = DUMMY.get_or_init(|| hash(&Password::new("no account has this")).ok()) {
        let _ = verify(password, phc);
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn short_or_guessable_passwords_are_refused() {
        for weak in ["short", "password1234", "aaaaaaaaaaaaaaaa", "qwertyuiop123"] {
            assert_eq!(
                check_policy(&Password::new(weak), &[]),
                Err(AccountError::WeakPassword),
                "{weak}"
            );
        }
        check_policy(&Password::new("violet kettle drums at noon"), &[]).unwrap();
        assert_eq!(
            check_policy(&Password::new("x".repeat(300)), &[]),
            Err(AccountError::WeakPassword)
        );
    }

    #[test]
    fn hash_uses_owasp_argon2id_params_and_verifies() {
        let p = Password::new("violet kettle drums at noon");
        let phc = hash(&p).unwrap();
        assert!(phc.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"), "{phc}");
        assert!(verify(&p, &phc));
        assert!(!verify(&Password::new("violet kettle drums at nine"), &phc));
        assert!(!verify(&p, "not a hash"));
        assert_ne!(hash(&p).unwrap(), phc, "salted");
    }
}
