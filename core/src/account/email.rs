//! Email addresses as account names: trimmed, lower-cased, plausibly formed.

use super::AccountError;

/// The normalised address, or an error when it cannot be one.
pub fn normalize(email: &str) -> Result<String, AccountError> {
    let e = email.trim().to_lowercase();
    let ok = e.len() <= 254
        && !e.chars().any(|c| {
            c.is_whitespace() || c.is_control() || matches!(c, '<' | '>' | ',' | ';' | '"')
        })
        && matches!(e.split_once('@'), Some((local, domain))
            if !local.is_empty() && local.len() <= 64 && !domain.is_empty()
                && !domain.contains('@') && !domain.starts_with('.') && !domain.ends_with('.'));
    if ok { Ok(e) } else { Err(AccountError::Email) }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lowercases_and_refuses_garbage() {
        assert_eq!(
            normalize("  Ann@Example.ORG ").as_deref(),
            Ok("ann@example.org")
        );
        for bad in [
            "",
            "ann",
            "@x.org",
            "ann@",
            "a@b@c",
            "a b@c.org",
            "a@c.org\r\nBcc: x@y",
            "<a@b>",
        ] {
            assert!(normalize(bad).is_err(), "{bad:?}");
        }
    }
}
