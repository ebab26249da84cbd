//! The Stanley–Brown safety plan, and the crisis page.

use bloom_core::safety_plan::{CRISIS_RESOURCES, SafetyPlan, Section};
use dioxus::prelude::*;

use super::format_date;
use crate::i18n::use_i18n;

/// The message ids of a section's title and of the prompt under it.
pub fn section_text(section: Section) -> (&'static str, &'static str) {
    match section {
        Section::WarningSigns => ("safety-warning-signs", "safety-warning-signs-help"),
        Section::InternalCoping => ("safety-internal-coping", "safety-internal-coping-help"),
        Section::SocialDistraction => (
            "safety-social-distraction",
            "safety-social-distraction-help",
        ),
        Section::PeopleToAsk => ("safety-people-to-ask", "safety-people-to-ask-help"),
        Section::Professionals => ("safety-professionals", "safety-professionals-help"),
        Section::SafeEnvironment => ("safety-safe-environment", "safety-safe-environment-help"),
        Section::ReasonsForLiving => (
            "safety-reasons-for-living",
            "safety-reasons-for-living-help",
        ),
    }
}

/// The element id of a section's textarea: `safety-` and the section in
/// kebab case (`warning_signs` → `safety-warning-signs`).
pub fn section_id(section: Section) -> String {
    format!("safety-{}", section.as_str().replace('_', "-"))
}

/// The seven sections of the safety plan, in order, as textareas; saving
/// sends every section with its text (`on_save`).
///
/// The form starts from `plan` when it mounts; key it by client to start over.
///
/// Element ids: `safety-plan-form`; textareas `safety-warning-signs`,
/// `safety-internal-coping`, `safety-social-distraction`,
/// `safety-people-to-ask`, `safety-professionals`, `safety-safe-environment`,
/// `safety-reasons-for-living`; `safety-save`; `safety-updated` (when the plan
/// was saved before); `safety-saved` (when `saved`); `safety-error`.
#[component]
pub fn SafetyPlanForm(
    plan: SafetyPlan,
    on_save: EventHandler<Vec<(Section, String)>>,
    error: Option<String>,
    #[props(default)] saved: bool,
) -> Element {
    let i18n = use_i18n();
    let initial: Vec<(Section, String)> = Section::ALL
        .into_iter()
        .map(|s| {
            let text = plan
                .sections
                .iter()
                .find(|(k, _)| *k == s)
                .map(|(_, t)| t.clone())
                .unwrap_or_default();
            (s, text)
        })
        .collect();
    let mut draft = use_signal(move || initial);
    let updated = (plan.updated_ms > 0).then(|| format_date(plan.updated_ms));
    rsx! {
        form { class: "safety-plan-form", id: "safety-plan-form",
            onsubmit: move |e| {
                e.prevent_default();
                on_save.call(draft());
            },
            h2 { {i18n.t("safety-title")} }
            p { class: "muted", {i18n.t("safety-intro")} }
            if let Some(date) = updated {
                p { class: "muted", id: "safety-updated",
                    {i18n.t_args("safety-updated", &[("date", &date), ("by", &plan.updated_by)])} }
            }
            for (n, (section, text)) in draft().into_iter().enumerate() {
                {
                    let (title, help) = section_text(section);
                    let id = section_id(section);
                    rsx! {
                        div { key: "{id}", class: "safety-section",
                            label { r#for: "{id}",
                                span { class: "step-number", "{n + 1}" }
                                {i18n.t(title)}
                            }
                            p { class: "field-help", id: "{id}-help", {i18n.t(help)} }
                            textarea { id: "{id}", rows: "3", "aria-describedby": "{id}-help", value: "{text}",
                                oninput: move |e| {
                                    if let Some(slot) = draft.write().get_mut(n) {
                                        slot.1 = e.value();
                                    }
                                }
                            }
                        }
                    }
                }
            }
            if let Some(e) = error.as_ref() {
                p { class: "form-error", id: "safety-error", role: "alert", {e.clone()} }
            }
            if saved {
                p { class: "notice", id: "safety-saved", role: "status", {i18n.t("safety-saved")} }
            }
            button { id: "safety-save", r#type: "submit", class: "primary", {i18n.t("safety-save")} }
        }
    }
}

/// Crisis lines to call now. Needs no data at all, so it can show even
/// when the vault is locked.
///
/// Element ids: `crisis-page`, `crisis-resources`, `crisis-resource-{i}` (in
/// the order of `CRISIS_RESOURCES`).
#[component]
pub fn CrisisPage() -> Element {
    let i18n = use_i18n();
    rsx! {
        section { class: "crisis-page", id: "crisis-page", "aria-labelledby": "crisis-title",
            h1 { id: "crisis-title", {i18n.t("crisis-title")} }
            p { class: "crisis-lead", {i18n.t("crisis-intro")} }
            ul { class: "crisis-resources", id: "crisis-resources",
                for (i, r) in CRISIS_RESOURCES.iter().enumerate() {
                    li { key: "{i}", class: "crisis-resource", id: "crisis-resource-{i}",
                        h2 { {r.name} }
                        p { class: "crisis-contact", {r.contact} }
                        p { class: "muted", {r.note} }
                    }
                }
            }
            p { class: "muted", {i18n.t("crisis-outside-us")} }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::client::test_util::render;
    use crate::i18n::{I18n, Locale};

    #[test]
    fn every_section_has_a_title_and_a_prompt() {
        let en = I18n::new(Locale::En);
        for s in Section::ALL {
            let (title, help) = section_text(s);
            assert!(en.has(title) && en.has(help), "{s:?}");
        }
        assert_eq!(section_id(Section::PeopleToAsk), "safety-people-to-ask");
    }

    #[test]
    fn renders_the_seven_sections_with_their_text() {
        fn app() -> Element {
            let plan = SafetyPlan {
                client_id: "c1".into(),
                sections: vec![(Section::ReasonsForLiving, "My daughter".into())],
                updated_ms: 1_709_251_200_000,
                updated_by: "Dr Reyes".into(),
            };
            rsx! { SafetyPlanForm { plan, on_save: |_| {} } }
        }
        let html = render(app);
        for s in Section::ALL {
            assert!(
                html.contains(&format!("id=\"{}\"", section_id(s))),
                "{s:?}: {html}"
            );
        }
        assert_eq!(html.matches("<textarea").count(), 7, "{html}");
        assert!(html.contains("My daughter"), "{html}");
        assert!(html.contains(r#"id="safety-updated""#), "{html}");
        assert!(html.contains(r#"id="safety-save""#), "{html}");
    }

    #[test]
    fn an_empty_plan_renders() {
        fn app() -> Element {
            rsx! { SafetyPlanForm { plan: SafetyPlan::default(), on_save: |_| {} } }
        }
        let html = render(app);
        assert_eq!(html.matches("<textarea").count(), 7, "{html}");
        assert!(!html.contains("safety-updated"), "{html}");
    }

    #[test]
    fn the_crisis_page_needs_nothing_and_shows_988() {
        let html = render(CrisisPage);
        assert!(html.contains(r#"id="crisis-page""#), "{html}");
        assert!(html.contains("988"), "{html}");
        assert!(html.contains("911"), "{html}");
        assert_eq!(
            html.matches("class=\"crisis-resource\"").count(),
            CRISIS_RESOURCES.len(),
            "{html}"
        );
    }
}
