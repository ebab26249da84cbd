//! Support tickets: what a patient or member may send the practice's admins.

/// The longest subject and body accepted, in bytes.
pub const MAX_SUBJECT: usize = 200;
pub const MAX_BODY: usize = 4_000;

#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum TicketError {
    #[error("a subject and a message are both needed")]
    Empty,
    #[error("the subject or message is too long")]
    TooLong,
}

impl crate::HasCode for TicketError {
    fn code(&self) -> crate::Code {
        crate::Code::InvalidInput
    }
}

/// Trims and checks a ticket's subject and body (also an admin's answer, as `subject` "-").
pub fn validate(subject: &str, body: &str) -> Result<(String, String), TicketError> {
    let (subject, body) = (subject.trim(), body.trim());
    if subject.is_empty() || body.is_empty() {
        return Err(TicketError::Empty);
    }
    if subject.len() > MAX_SUBJECT || body.len() > MAX_BODY {
        return Err(TicketError::TooLong);
    }
    Ok((subject.to_owned(), body.to_owned()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn blank_and_long_tickets_are_refused() {
        assert_eq!(validate(" a ", " b "), Ok(("a".into(), "b".into())));
        assert_eq!(validate("  ", "b"), Err(TicketError::Empty));
        assert_eq!(
            validate("a", &"x".repeat(MAX_BODY + 1)),
            Err(TicketError::TooLong)
        );
    }
}
