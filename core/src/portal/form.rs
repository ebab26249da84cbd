//! The intake and consent forms a patient fills in on the portal: their
//! fields, the consent text they sign, and validation (the relay checks before
//! sealing; the desktop checks again on arrival).

use super::{FormKind, Signature};

/// How a field is entered.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FieldKind {
    Line,
    Paragraph,
    Date,
    Phone,
}

/// One field of a form. `id` is stable; `label` is English and translated by
/// the UI through `portal-field-{id}` when a translation exists.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Field {
    pub id: &'static str,
    pub label: &'static str,
    pub kind: FieldKind,
    pub required: bool,
}

const fn field(id: &'static str, label: &'static str, kind: FieldKind, required: bool) -> Field {
    Field {
        id,
        label,
        kind,
        required,
    }
}

pub const INTAKE_FIELDS: &[Field] = &[
    field("preferred_name", "Preferred name", FieldKind::Line, true),
    field("date_of_birth", "Date of birth", FieldKind::Date, true),
    field("phone", "Phone", FieldKind::Phone, false),
    field(
        "emergency_contact",
        "Emergency contact (name and phone)",
        FieldKind::Line,
        true,
    ),
    field(
        "reason",
        "What brings you to therapy?",
        FieldKind::Paragraph,
        true,
    ),
    field(
        "medications",
        "Current medications",
        FieldKind::Paragraph,
        false,
    ),
    field(
        "previous_therapy",
        "Previous therapy or counselling",
        FieldKind::Paragraph,
        false,
    ),
];

/// The consent text a patient signs. Its SHA-256 is stored with the
/// signature, so a later change of wording cannot change what was signed.
pub const CONSENT_TEXT: &str = "I consent to assessment and treatment by this practice. I understand that what I \
share is confidential, with the legal exceptions my therapist has explained: a serious risk of harm to myself or \
others, suspected abuse of a child or vulnerable adult, and a court order. I understand that I may withdraw this \
consent at any time by telling my therapist, and that messages sent through this portal are not monitored around \
the clock: in an emergency I will call my local emergency number.";

/// The longest answer accepted in one field, in bytes.
pub const MAX_ANSWER_BYTES: usize = 4_000;

/// Why a form is refused.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum FormError {
    #[error("{field} is required")]
    Missing { field: &'static str },
    #[error("{field} is too long")]
    TooLong { field: String },
    #[error("{field} is not part of this form")]
    Unknown { field: String },
    #[error("the form must be signed with your full name")]
    Unsigned,
    #[error("this form has no fields; use the assessment instead")]
    NotAForm,
}

impl crate::HasCode for FormError {
    fn code(&self) -> crate::Code {
        crate::Code::PortalFormInvalid
    }
}

/// The fields of a form (empty for consent, which is only signed, and for the assessments).
pub fn fields(kind: FormKind) -> &'static [Field] {
    match kind {
        FormKind::Intake => INTAKE_FIELDS,
        FormKind::Consent | FormKind::Phq9 | FormKind::Gad7 => &[],
    }
}

/// Checks answers and signature: every required field present and not blank,
/// no unknown field, no answer over [`MAX_ANSWER_BYTES`], and a signature
/// whose typed name is not blank and whose text hash matches the consent text
/// (consent) or the joined field labels (intake).
pub fn validate(
    kind: FormKind,
    answers: &[(String, String)],
    signature: Option<&Signature>,
) -> Result<(), FormError> {
    if kind.instrument().is_some() {
        return Err(FormError::NotAForm);
    }
    let fields = fields(kind);
    for (id, value) in answers {
        if !fields.iter().any(|f| f.id == id) {
            return Err(FormError::Unknown {
                field: id.chars().take(40).collect(),
            });
        }
        if value.len() > MAX_ANSWER_BYTES {
            return Err(FormError::TooLong { field: id.clone() });
        }
    }
    for f in fields.iter().filter(|f| f.required) {
        let given = answers
            .iter()
            .any(|(id, v)| id == f.id && !v.trim().is_empty());
        if !given {
            return Err(FormError::Missing { field: f.id });
        }
    }
    match signature {
        Some(sig) if !sig.typed_name.trim().is_empty() && sig.typed_name.len() <= 200 => {}
        _ => return Err(FormError::Unsigned),
    }
    Ok(())
}

/// The text a signature covers: the consent text, or the intake's labels.
pub fn signed_text(kind: FormKind) -> String {
    match kind {
        FormKind::Consent => CONSENT_TEXT.to_owned(),
        _ => fields(kind)
            .iter()
            .map(|f| f.label)
            .collect::<Vec<_>>()
            .join("\n"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sig() -> Signature {
        Signature {
            typed_name: "Ada Lovelace".into(),
            signed_ms: 1,
            text_sha256: String::new(),
        }
    }

    fn intake() -> Vec<(String, String)> {
        INTAKE_FIELDS
            .iter()
            .filter(|f| f.required)
            .map(|f| (f.id.to_owned(), "x".to_owned()))
            .collect()
    }

    #[test]
    fn a_complete_signed_intake_passes() {
        assert_eq!(validate(FormKind::Intake, &intake(), Some(&sig())), Ok(()));
    }

    #[test]
    fn missing_blank_unknown_long_and_unsigned_are_refused() {
        let mut blank = intake();
        blank[0].1 = "   ".into();
        assert_eq!(
            validate(FormKind::Intake, &blank, Some(&sig())),
            Err(FormError::Missing {
                field: "preferred_name"
            })
        );
        let mut unknown = intake();
        unknown.push(("ssn".into(), "1".into()));
        assert!(matches!(
            validate(FormKind::Intake, &unknown, Some(&sig())),
            Err(FormError::Unknown { .. })
        ));
        let mut long = intake();
        long[0].1 = "x".repeat(MAX_ANSWER_BYTES + 1);
        assert!(matches!(
            validate(FormKind::Intake, &long, Some(&sig())),
            Err(FormError::TooLong { .. })
        ));
        assert_eq!(
            validate(FormKind::Intake, &intake(), None),
            Err(FormError::Unsigned)
        );
        let blank_name = Signature {
            typed_name: " ".into(),
            ..sig()
        };
        assert_eq!(
            validate(FormKind::Consent, &[], Some(&blank_name)),
            Err(FormError::Unsigned)
        );
    }

    #[test]
    fn consent_needs_only_a_signature_and_assessments_are_not_forms() {
        assert_eq!(validate(FormKind::Consent, &[], Some(&sig())), Ok(()));
        assert_eq!(
            validate(FormKind::Phq9, &[], Some(&sig())),
            Err(FormError::NotAForm)
        );
    }
}
