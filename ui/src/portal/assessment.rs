//! PHQ-9 and GAD-7: each item a group of four labelled radio buttons.

use bloom_core::assessment::{ANSWERS, Instrument};
use dioxus::prelude::*;

use super::CsrfField;
use super::forms::form_title_id;
use crate::i18n::use_i18n;

#[component]
pub fn AssessmentPage(
    csrf: String,
    assignment: String,
    instrument: Instrument,
    error: Option<String>,
) -> Element {
    let i18n = use_i18n();
    let kind = match instrument {
        Instrument::Phq9 => bloom_core::portal::FormKind::Phq9,
        Instrument::Gad7 => bloom_core::portal::FormKind::Gad7,
    };
    rsx! {
        h1 { {i18n.t(form_title_id(kind))} }
        p { class: "help", {i18n.t("portal-assessment-help")} }
        if let Some(e) = error { p { class: "form-error", id: "form-error", role: "alert", {e} } }
        form { method: "post", action: "/portal/forms/{assignment}", id: "assessment-form",
            CsrfField { csrf }
            for (i, item) in instrument.items().iter().enumerate() {
                fieldset { class: "item",
                    legend { "{i + 1}. {item}" }
                    for (v, answer) in ANSWERS.iter().enumerate() {
                        div { class: "choice",
                            input { r#type: "radio", id: "q{i}-{v}", name: "q{i}", value: "{v}", required: true }
                            label { r#for: "q{i}-{v}", {*answer} }
                        }
                    }
                }
            }
            label { r#for: "comment", {i18n.t("portal-assessment-comment")} }
            textarea { id: "comment", name: "comment", rows: "3", maxlength: "4000" }
            button { r#type: "submit", class: "primary", id: "assessment-submit", {i18n.t("portal-assessment-submit")} }
        }
        p { class: "help", {i18n.t("portal-emergency")} }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::portal::test_support::render;

    #[test]
    fn phq9_has_nine_groups_of_four() {
        let html = render(
            rsx! { AssessmentPage { csrf: "t", assignment: "a", instrument: Instrument::Phq9, error: None } },
        );
        assert_eq!(html.matches("<fieldset").count(), 9);
        assert_eq!(html.matches(r#"type="radio""#).count(), 36);
        assert!(html.contains(r#"name="q8""#), "{html}");
        let gad = render(
            rsx! { AssessmentPage { csrf: "t", assignment: "a", instrument: Instrument::Gad7, error: None } },
        );
        assert_eq!(gad.matches("<fieldset").count(), 7);
    }
}
