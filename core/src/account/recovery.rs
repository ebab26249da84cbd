//! Recovery codes: ten single-use codes shown once when TOTP is set up,
//! stored as SHA-256 (each carries 60 random bits, so a fast hash suffices).

use super::AccountError;

/// How many codes a user gets.
pub const COUNT: usize = 10;
const ALPHABET: &[u8; 32] = b"abcdefghijkmnpqrstuvwxyz23456789";

/// Makes [`COUNT`] codes like `k7dm-p2xq-9vfa`.
pub fn generate() -> Result<Vec<String>, AccountError> {
    let mut out = Vec::with_capacity(COUNT);
    for _ in 0..COUNT {
        let mut bytes = [0u8; 12];
        super::random(&mut bytes)?;
        let chars: Vec<char> = bytes
            .iter()
            .map(|b| char::from(ALPHABET[usize::from(b & 31)]))
            .collect();
        let groups: Vec<String> = chars.chunks(4).map(|c| c.iter().collect()).collect();
        out.push(groups.join("-"));
    }
    Ok(out)
}

/// The code as stored: lower case, without spaces or dashes; `None` if it
/// cannot be a recovery code.
pub fn normalize(code: &str) -> Option<String> {
    let clean: String = code
        .chars()
        .filter(|c| !c.is_whitespace() && *c != '-')
        .map(|c| c.to_ascii_lowercase())
        .collect();
    (clean.len() == 12 && clean.bytes().all(|b| ALPHABET.contains(&b))).then_some(clean)
}

/// What is stored for a code.
pub fn hash(code: &str) -> Option<[u8; 32]> {
    normalize(code).map(|c| super::sha256(c.as_bytes()))
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn codes_are_distinct_and_hash_however_typed() {
        let codes = generate().unwrap();
        assert_eq!(codes.len(), COUNT);
        let unique: std::collections::HashSet<_> = codes.iter().collect();
        assert_eq!(unique.len(), COUNT);
        let c = &codes[0];
        assert_eq!(c.len(), 14);
        let typed = format!(" {} ", c.to_uppercase().replace('-', " "));
        assert_eq!(hash(&typed), hash(c));
        assert!(hash("123456").is_none());
    }
}
