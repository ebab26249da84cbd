//! Forms the therapist assigned: the list, the intake form and the consent
//! form, each signed by typing one's full name.

use bloom_core::portal::FormKind;
use bloom_core::portal::form::{self, FieldKind};
use dioxus::prelude::*;

use super::CsrfField;
use crate::i18n::use_i18n;

/// One assignment in the list.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AssignmentItem {
    pub id: String,
    pub form: FormKind,
    pub assigned: String,
    /// When it was submitted, if it was.
    pub done: Option<String>,
}

pub fn form_title_id(kind: FormKind) -> &'static str {
    match kind {
        FormKind::Intake => "portal-form-intake",
        FormKind::Consent => "portal-form-consent",
        FormKind::Phq9 => "portal-form-phq9",
        FormKind::Gad7 => "portal-form-gad7",
    }
}

#[component]
pub fn FormsPage(assignments: Vec<AssignmentItem>) -> Element {
    let i18n = use_i18n();
    let (open, done): (Vec<_>, Vec<_>) = assignments.into_iter().partition(|a| a.done.is_none());
    rsx! {
        h1 { {i18n.t("portal-forms-title")} }
        h2 { {i18n.t("portal-forms-open")} }
        if open.is_empty() {
            p { id: "no-open-forms", {i18n.t("portal-forms-none")} }
        } else {
            ul { class: "rows", id: "open-forms",
                for a in open {
                    li { class: "row",
                        a { href: "/portal/forms/{a.id}", {i18n.t(form_title_id(a.form))} }
                        span { class: "meta", {i18n.t_args("portal-forms-assigned", &[("when", a.assigned.as_str())])} }
                    }
                }
            }
        }
        if !done.is_empty() {
            h2 { {i18n.t("portal-forms-done")} }
            ul { class: "rows", id: "done-forms",
                for a in done {
                    li { class: "row",
                        span { {i18n.t(form_title_id(a.form))} }
                        span { class: "meta", {i18n.t_args("portal-forms-submitted", &[("when", a.done.clone().unwrap_or_default().as_str())])} }
                    }
                }
            }
        }
    }
}

/// The intake or consent form. `values` refills fields after a refused submit.
#[component]
pub fn FormPage(
    csrf: String,
    assignment: String,
    kind: FormKind,
    values: Vec<(String, String)>,
    error: Option<String>,
) -> Element {
    let i18n = use_i18n();
    let value_of = |id: &str| {
        values
            .iter()
            .find(|(k, _)| k == id)
            .map(|(_, v)| v.clone())
            .unwrap_or_default()
    };
    let signed_name = value_of("signature");
    rsx! {
        h1 { {i18n.t(form_title_id(kind))} }
        if let Some(e) = error { p { class: "form-error", id: "form-error", role: "alert", {e} } }
        form { method: "post", action: "/portal/forms/{assignment}", id: "portal-form",
            CsrfField { csrf }
            if kind == FormKind::Consent {
                div { class: "consent-text", id: "consent-text", p { {form::CONSENT_TEXT} } }
            }
            for f in form::fields(kind) {
                div { class: "field",
                    label { r#for: "field-{f.id}",
                        {f.label}
                        if f.required { span { class: "required", "aria-hidden": "true", " *" } }
                    }
                    match f.kind {
                        FieldKind::Paragraph => rsx! {
                            textarea { id: "field-{f.id}", name: "{f.id}", rows: "4", maxlength: "4000", required: f.required, {value_of(f.id)} }
                        },
                        FieldKind::Date => rsx! {
                            input { id: "field-{f.id}", name: "{f.id}", r#type: "date", required: f.required, value: "{value_of(f.id)}" }
                        },
                        FieldKind::Phone => rsx! {
                            input { id: "field-{f.id}", name: "{f.id}", r#type: "tel", autocomplete: "tel", required: f.required, value: "{value_of(f.id)}" }
                        },
                        FieldKind::Line => rsx! {
                            input { id: "field-{f.id}", name: "{f.id}", r#type: "text", maxlength: "4000", required: f.required, value: "{value_of(f.id)}" }
                        },
                    }
                }
            }
            fieldset { class: "signature",
                legend { {i18n.t("portal-sign-legend")} }
                p { class: "help", {i18n.t("portal-sign-help")} }
                label { r#for: "signature", {i18n.t("portal-sign-name")} }
                input { id: "signature", name: "signature", r#type: "text", autocomplete: "name", required: true, maxlength: "200", value: "{signed_name}" }
                div { class: "check",
                    input { id: "agree", name: "agree", r#type: "checkbox", value: "yes", required: true }
                    label { r#for: "agree", {i18n.t("portal-sign-agree")} }
                }
            }
            button { r#type: "submit", class: "primary", id: "form-submit", {i18n.t("portal-sign-submit")} }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::portal::test_support::{XSS, assert_inert, render};

    #[test]
    fn intake_has_a_labelled_input_per_field_and_a_signature() {
        let html = render(
            rsx! { FormPage { csrf: "t", assignment: "as1", kind: FormKind::Intake, values: vec![("reason".into(), XSS.into())], error: None } },
        );
        for f in form::INTAKE_FIELDS {
            assert!(
                html.contains(&format!(r#"for="field-{}""#, f.id)),
                "{}",
                f.id
            );
            assert!(html.contains(&format!(r#"name="{}""#, f.id)), "{}", f.id);
        }
        assert!(html.contains(r#"name="signature""#), "{html}");
        assert_inert(&html);
    }

    #[test]
    fn consent_shows_the_text_it_signs() {
        let html = render(
            rsx! { FormPage { csrf: "t", assignment: "as1", kind: FormKind::Consent, values: vec![], error: Some("x".to_string()) } },
        );
        assert!(html.contains("consent-text"), "{html}");
        assert!(html.contains(r#"role="alert""#), "{html}");
    }

    #[test]
    fn list_splits_open_and_done() {
        let assignments = vec![
            AssignmentItem {
                id: "a".into(),
                form: FormKind::Phq9,
                assigned: "today".into(),
                done: None,
            },
            AssignmentItem {
                id: "b".into(),
                form: FormKind::Intake,
                assigned: "today".into(),
                done: Some("now".into()),
            },
        ];
        let html = render(rsx! { FormsPage { assignments } });
        assert!(html.contains(r#"href="/portal/forms/a""#), "{html}");
        assert!(!html.contains(r#"href="/portal/forms/b""#), "{html}");
    }
}
