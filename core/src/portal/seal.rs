//! A patient's submission sealed to the therapist's devices: postcard, then
//! age (X25519) to every recipient at once. The relay seals the moment a
//! submission arrives; only a device holding one of the identities opens it.

use std::str::FromStr;

pub use age::x25519::{Identity, Recipient};

use super::Submission;
use crate::{Code, HasCode};

/// The largest sealed submission a device opens (a form is at most a few
/// dozen KiB; this bounds what garbage can make it allocate).
pub const MAX_SEALED_BYTES: usize = 256 * 1024;

/// Why a submission could not be sealed or opened. Never carries contents.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SealError {
    #[error("no device to seal the submission to")]
    NoRecipients,
    #[error("a device's age recipient is malformed")]
    BadRecipient,
    #[error("the sealed submission is too large")]
    TooLarge,
    #[error("the sealed submission does not open with this device's key")]
    Broken,
    #[error("the opened submission is not a valid submission")]
    Malformed,
    #[error("sealing failed")]
    Crypto,
}

impl HasCode for SealError {
    fn code(&self) -> Code {
        match self {
            SealError::NoRecipients => Code::PortalNotLinked,
            SealError::BadRecipient | SealError::Crypto => Code::Internal,
            SealError::TooLarge | SealError::Broken | SealError::Malformed => Code::SyncSealBroken,
        }
    }
}

/// Parses a device's `age1…` recipient.
pub fn recipient(s: &str) -> Result<Recipient, SealError> {
    Recipient::from_str(s).map_err(|_| SealError::BadRecipient)
}

/// Seals `submission` to every recipient.
pub fn seal(submission: &Submission, recipients: &[Recipient]) -> Result<Vec<u8>, SealError> {
    if recipients.is_empty() {
        return Err(SealError::NoRecipients);
    }
    let plain = zeroizing(postcard::to_stdvec(submission).map_err(|_| SealError::Malformed)?);
    let encryptor =
        age::Encryptor::with_recipients(recipients.iter().map(|r| r as &dyn age::Recipient))
            .map_err(|_| SealError::Crypto)?;
    let mut out = Vec::with_capacity(plain.0.len() + 256 * recipients.len());
    let mut writer = encryptor
        .wrap_output(&mut out)
        .map_err(|_| SealError::Crypto)?;
    std::io::Write::write_all(&mut writer, &plain.0).map_err(|_| SealError::Crypto)?;
    writer.finish().map_err(|_| SealError::Crypto)?;
    if out.len() > MAX_SEALED_BYTES {
        return Err(SealError::TooLarge);
    }
    Ok(out)
}

/// Opens a sealed submission with this device's identity.
pub fn open(sealed: &[u8], identity: &Identity) -> Result<Submission, SealError> {
    if sealed.len() > MAX_SEALED_BYTES {
        return Err(SealError::TooLarge);
    }
    let plain = zeroizing(age::decrypt(identity, sealed).map_err(|_| SealError::Broken)?);
    let (submission, rest) =
        postcard::take_from_bytes::<Submission>(&plain.0).map_err(|_| SealError::Malformed)?;
    if !rest.is_empty() {
        return Err(SealError::Malformed);
    }
    Ok(submission)
}

/// Plaintext that is overwritten when dropped (best effort).
struct Plain(Vec<u8>);

impl Drop for Plain {
    fn drop(&mut self) {
        self.0.iter_mut().for_each(|b| *b = 0);
    }
}

fn zeroizing(v: Vec<u8>) -> Plain {
    Plain(v)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use crate::portal::PortalClientId;

    fn message() -> Submission {
        Submission::Message {
            id: "s1".into(),
            client: PortalClientId::from_bytes([9; 16]),
            body: "I could not sleep again".into(),
            sent_ms: 5,
        }
    }

    #[test]
    fn every_recipient_opens_it_and_a_stranger_does_not() {
        let a = Identity::generate();
        let b = Identity::generate();
        let sealed = seal(&message(), &[a.to_public(), b.to_public()]).unwrap();
        assert_eq!(open(&sealed, &a).unwrap(), message());
        assert_eq!(open(&sealed, &b).unwrap(), message());
        assert!(
            !String::from_utf8_lossy(&sealed).contains("sleep"),
            "sealed bytes show the text"
        );
        let stranger = Identity::generate();
        let err = open(&sealed, &stranger).unwrap_err();
        assert_eq!(err, SealError::Broken);
        assert_eq!(err.code(), Code::SyncSealBroken);
    }

    #[test]
    fn garbage_and_oversized_are_typed_errors() {
        let me = Identity::generate();
        for garbage in [&b""[..], b"age-encryption.org/v1\n", &[0xff; 300]] {
            assert_eq!(open(garbage, &me).unwrap_err(), SealError::Broken);
        }
        let huge = vec![0u8; MAX_SEALED_BYTES + 1];
        assert_eq!(open(&huge, &me).unwrap_err(), SealError::TooLarge);
        // Sealed fine, but not a submission inside.
        let not_a_submission = age::encrypt(&me.to_public(), &[0xff, 0xff, 0xff]).unwrap();
        assert_eq!(
            open(&not_a_submission, &me).unwrap_err(),
            SealError::Malformed
        );
    }

    #[test]
    fn no_recipients_and_bad_recipients_are_refused() {
        assert_eq!(seal(&message(), &[]).unwrap_err(), SealError::NoRecipients);
        assert_eq!(recipient("age1nope").unwrap_err(), SealError::BadRecipient);
        let id = Identity::generate();
        assert!(recipient(&id.to_public().to_string()).is_ok());
    }
}
