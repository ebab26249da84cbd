//! The profile form: demographics, contacts, emergency contact, insurance.

use bloom_core::chart::Profile;
use dioxus::prelude::*;

use crate::i18n::use_i18n;

/// The message id of a profile field's label, by its key in [`Profile::fields`].
pub fn field_label(key: &str) -> &'static str {
    match key {
        "given_name" => "profile-given-name",
        "family_name" => "profile-family-name",
        "preferred_name" => "profile-preferred-name",
        "date_of_birth" => "profile-date-of-birth",
        "pronouns" => "profile-pronouns",
        "contact.phone" => "profile-phone",
        "contact.email" => "profile-email",
        "contact.address" => "profile-address",
        "emergency.name" => "profile-emergency-name",
        "emergency.relationship" => "profile-emergency-relationship",
        "emergency.phone" => "profile-emergency-phone",
        "insurance.payer" => "profile-insurance-payer",
        "insurance.member_id" => "profile-insurance-member-id",
        "insurance.group_number" => "profile-insurance-group-number",
        _ => "profile-other",
    }
}

/// The element id of a profile field's input: `profile-` and the key in
/// kebab case (`contact.email` → `profile-contact-email`).
pub fn field_id(key: &str) -> String {
    format!("profile-{}", key.replace(['.', '_'], "-"))
}

/// The input type that suits a field (the browser's keyboard and checks).
fn field_type(key: &str) -> &'static str {
    match key {
        "date_of_birth" => "date",
        "contact.email" => "email",
        "contact.phone" | "emergency.phone" => "tel",
        _ => "text",
    }
}

/// The form's groups: a legend and the range of [`Profile::fields`] it holds.
const GROUPS: [(&str, std::ops::Range<usize>); 4] = [
    ("profile-group-identity", 0..5),
    ("profile-group-contact", 5..8),
    ("profile-group-emergency", 8..11),
    ("profile-group-insurance", 11..14),
];

/// Edits every field of a client's profile and sends the whole profile.
///
/// The form starts from `profile` when it mounts; give it a `key` (for
/// example the chart id) to start over when another profile is shown.
///
/// Element ids: `profile-form`; one input per field, `profile-{key}` with the
/// key in kebab case: `profile-given-name`, `profile-family-name`,
/// `profile-preferred-name`, `profile-date-of-birth`, `profile-pronouns`,
/// `profile-contact-phone`, `profile-contact-email`, `profile-contact-address`,
/// `profile-emergency-name`, `profile-emergency-relationship`,
/// `profile-emergency-phone`, `profile-insurance-payer`,
/// `profile-insurance-member-id`, `profile-insurance-group-number`;
/// `profile-save`, `profile-error` (a problem found before sending, or
/// `error`), `profile-saved` (when `saved` is true).
#[component]
pub fn ProfileForm(
    profile: Profile,
    on_save: EventHandler<Profile>,
    error: Option<String>,
    #[props(default)] saved: bool,
) -> Element {
    let i18n = use_i18n();
    let initial = profile.clone();
    let mut draft = use_signal(move || initial);
    let mut problem = use_signal(|| None::<String>);
    let current = draft();
    let fields: Vec<(&'static str, String)> = current
        .fields()
        .into_iter()
        .map(|(k, v)| (k, v.to_owned()))
        .collect();
    let shown_error = problem().or(error.clone());
    rsx! {
        form { class: "profile-form", id: "profile-form",
            onsubmit: move |e| {
                e.prevent_default();
                let p = draft();
                match p.validate() {
                    Ok(()) => {
                        problem.set(None);
                        on_save.call(p);
                    }
                    Err(why) => problem.set(Some(why)),
                }
            },
            for (legend, range) in GROUPS {
                fieldset { key: "{legend}", class: "profile-group",
                    legend { {i18n.t(legend)} }
                    div { class: "field-grid",
                        for (key, value) in fields[range].iter().cloned() {
                            div { key: "{key}", class: "field",
                                label { r#for: field_id(key), {i18n.t(field_label(key))} }
                                input { id: field_id(key), r#type: field_type(key), autocomplete: "off",
                                    value: "{value}",
                                    oninput: move |e| draft.write().set(key, e.value()) }
                            }
                        }
                    }
                }
            }
            if let Some(e) = shown_error {
                p { class: "form-error", id: "profile-error", role: "alert",
                    {i18n.t("profile-invalid")} " " {e} }
            }
            if saved {
                p { class: "notice", id: "profile-saved", role: "status", {i18n.t("profile-saved")} }
            }
            button { id: "profile-save", r#type: "submit", class: "primary", {i18n.t("profile-save")} }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::client::test_util::render;
    use crate::i18n::{I18n, Locale};

    #[test]
    fn every_field_has_a_label_and_an_id() {
        let en = I18n::new(Locale::En);
        let p = Profile::default();
        let keys: Vec<&str> = p.fields().iter().map(|(k, _)| *k).collect();
        assert_eq!(
            GROUPS.iter().map(|(_, r)| r.len()).sum::<usize>(),
            keys.len()
        );
        for key in keys {
            assert!(en.has(field_label(key)), "{key}");
            assert_ne!(field_label(key), "profile-other");
        }
        for (legend, _) in GROUPS {
            assert!(en.has(legend), "{legend}");
        }
        assert_eq!(field_id("contact.email"), "profile-contact-email");
        assert_eq!(
            field_id("insurance.member_id"),
            "profile-insurance-member-id"
        );
    }

    #[test]
    fn renders_every_field_with_its_value() {
        fn app() -> Element {
            let mut p = Profile {
                given_name: "Ana".into(),
                family_name: "Silva".into(),
                ..Profile::default()
            };
            p.set("contact.email", "ana@example.org".into());
            p.set("insurance.member_id", "M-778".into());
            rsx! { ProfileForm { profile: p, on_save: |_| {}, saved: true } }
        }
        let html = render(app);
        for (key, _) in Profile::default().fields() {
            assert!(
                html.contains(&format!("id=\"{}\"", field_id(key))),
                "{key}: {html}"
            );
            assert!(
                html.contains(&format!("for=\"{}\"", field_id(key))),
                "{key}: {html}"
            );
        }
        assert!(html.contains(r#"value="ana@example.org""#), "{html}");
        assert!(html.contains(r#"value="M-778""#), "{html}");
        assert!(html.contains(r#"type="date""#), "{html}");
        assert!(html.contains("profile-save"), "{html}");
        assert!(html.contains("profile-saved"), "{html}");
        assert!(!html.contains("profile-error"), "{html}");
    }
}
