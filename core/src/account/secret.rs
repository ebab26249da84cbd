//! Secrets that must never reach a log: their `Debug` prints a placeholder
//! and they have no `Display`.

/// A password as typed. Compare and hash it; never print it.
#[derive(Clone, PartialEq, Eq)]
pub struct Password(String);

impl Password {
    pub fn new(text: impl Into<String>) -> Password {
        Password(text.into())
    }

    /// The clear text, for hashing and the strength check only.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for Password {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Password(…)")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_hides_the_value() {
        let p = Password::new("hunter2hunter2");
        assert_eq!(format!("{p:?}"), "Password(…)");
        assert_eq!(p.expose(), "hunter2hunter2");
    }
}
