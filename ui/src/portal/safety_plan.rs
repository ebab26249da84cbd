//! The safety plan the therapist shared, and crisis lines that always show.

use bloom_core::safety_plan::CRISIS_RESOURCES;
use dioxus::prelude::*;

use crate::i18n::use_i18n;

#[component]
pub fn SafetyPlanPage(sections: Vec<(String, String)>, shared: Option<String>) -> Element {
    let i18n = use_i18n();
    rsx! {
        h1 { {i18n.t("portal-safety-title")} }
        section { class: "crisis", "aria-labelledby": "crisis-heading",
            h2 { id: "crisis-heading", {i18n.t("portal-safety-crisis")} }
            ul {
                for r in CRISIS_RESOURCES {
                    li { strong { {r.name} } " — " {r.contact} }
                }
            }
        }
        if sections.is_empty() {
            p { id: "no-plan", {i18n.t("portal-safety-none")} }
        } else {
            if let Some(when) = shared { p { class: "meta", {i18n.t_args("portal-safety-shared", &[("when", when.as_str())])} } }
            for (title, text) in sections {
                section { class: "plan-section",
                    h2 { {title} }
                    p { class: "pre", {text} }
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::portal::test_support::{XSS, assert_inert, render};

    #[test]
    fn crisis_lines_show_even_without_a_plan() {
        let html = render(rsx! { SafetyPlanPage { sections: vec![], shared: None } });
        assert!(html.contains("988"), "{html}");
        assert!(html.contains("no-plan"), "{html}");
        let html = render(
            rsx! { SafetyPlanPage { sections: vec![("Warning signs".into(), XSS.into())], shared: Some("today".to_string()) } },
        );
        assert_inert(&html);
    }
}
