//! Diagnoses on the chart, and the ICD-10-CM picker that adds them.

use bloom_core::chart::DiagnosisEntry;
use bloom_core::icd10;
use dioxus::prelude::*;

use super::format_date;
use crate::i18n::use_i18n;

/// Typed characters needed before the picker searches.
pub const MIN_QUERY_CHARS: usize = 2;
/// How many matches the picker offers.
pub const MAX_RESULTS: usize = 8;

/// The codes the picker offers for `query`: none below [`MIN_QUERY_CHARS`].
pub fn picker_results(query: &str) -> Vec<&'static icd10::Diagnosis> {
    if query.trim().chars().count() < MIN_QUERY_CHARS {
        return vec![];
    }
    icd10::search(query, MAX_RESULTS)
}

/// The chart's diagnoses (current, then resolved) with a picker to add one.
///
/// Element ids: `dx-list` (current diagnoses) with `dx-row-{code}` each and a
/// `dx-resolve-{code}` button, `dx-empty` when there is none, `dx-resolved`
/// (resolved ones, `dx-resolved-{code}`); the picker: `dx-search` (search by
/// code or words, from 2 characters), `dx-results` with one
/// `dx-result-{code}` button per match (disabled when the code is already
/// current), `dx-no-results`.
#[component]
pub fn DiagnosisList(
    diagnoses: Vec<DiagnosisEntry>,
    on_add: EventHandler<String>,
    on_resolve: EventHandler<String>,
) -> Element {
    let i18n = use_i18n();
    let mut query = use_signal(String::new);
    let q = query();
    let searching = q.trim().chars().count() >= MIN_QUERY_CHARS;
    let results = picker_results(&q);
    let (current, resolved): (Vec<DiagnosisEntry>, Vec<DiagnosisEntry>) = diagnoses
        .iter()
        .cloned()
        .partition(|d| d.resolved_ms.is_none());
    let current_codes: Vec<String> = current.iter().map(|d| d.code.clone()).collect();
    rsx! {
        section { class: "diagnoses panel", id: "diagnoses",
            h2 { {i18n.t("dx-title")} }
            if current.is_empty() {
                p { class: "empty-state", id: "dx-empty", {i18n.t("dx-empty")} }
            } else {
                ul { class: "dx-list", id: "dx-list",
                    for d in current {
                        li { key: "{d.code}", class: "dx-row", id: "dx-row-{d.code}",
                            span { class: "dx-code", {d.code.clone()} }
                            span { class: "dx-description", {d.description.clone()} }
                            span { class: "muted",
                                {i18n.t_args("dx-added", &[("date", &format_date(d.added_ms)), ("by", &d.added_by)])} }
                            button { r#type: "button", id: "dx-resolve-{d.code}", class: "small",
                                onclick: {
                                    let code = d.code.clone();
                                    move |_| on_resolve.call(code.clone())
                                },
                                {i18n.t("dx-resolve")}
                            }
                        }
                    }
                }
            }
            if !resolved.is_empty() {
                h3 { {i18n.t("dx-resolved-title")} }
                ul { class: "dx-list resolved", id: "dx-resolved",
                    for d in resolved {
                        li { key: "{d.code}-{d.added_ms}", class: "dx-row", id: "dx-resolved-{d.code}",
                            span { class: "dx-code", {d.code.clone()} }
                            span { class: "dx-description", {d.description.clone()} }
                            span { class: "muted",
                                {i18n.t_args("dx-resolved-on", &[("date", &format_date(d.resolved_ms.unwrap_or_default()))])} }
                        }
                    }
                }
            }
            div { class: "dx-picker",
                label { r#for: "dx-search", {i18n.t("dx-search-label")} }
                input { id: "dx-search", r#type: "search", autocomplete: "off",
                    placeholder: i18n.t("dx-search-placeholder"), value: "{q}",
                    "aria-describedby": "dx-search-help",
                    oninput: move |e| query.set(e.value()) }
                p { class: "field-help", id: "dx-search-help", {i18n.t("dx-search-help")} }
                if searching && results.is_empty() {
                    p { class: "empty-state", id: "dx-no-results", role: "status", {i18n.t("dx-no-results")} }
                } else if !results.is_empty() {
                    ul { class: "dx-results", id: "dx-results", "aria-label": i18n.t("dx-results-label"),
                        for r in results {
                            li { key: "{r.code}",
                                button { r#type: "button", class: "dx-result", id: "dx-result-{r.code}",
                                    disabled: current_codes.iter().any(|c| c == r.code),
                                    onclick: move |_| {
                                        on_add.call(r.code.to_owned());
                                        query.set(String::new());
                                    },
                                    span { class: "dx-code", {r.code} }
                                    span { class: "dx-description", {r.description} }
                                }
                            }
                        }
                    }
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::client::chart::tests::sample_chart;
    use crate::client::test_util::render;

    #[test]
    fn the_picker_waits_for_two_characters() {
        assert!(picker_results("").is_empty());
        assert!(picker_results(" f ").is_empty());
        let found = picker_results("F32.1");
        assert_eq!(found.first().map(|d| d.code), Some("F32.1"));
        assert!(picker_results("depression").len() <= MAX_RESULTS);
        assert!(!picker_results("depression").is_empty());
    }

    #[test]
    fn renders_current_and_resolved_diagnoses() {
        fn app() -> Element {
            rsx! { DiagnosisList { diagnoses: sample_chart().diagnoses, on_add: |_| {}, on_resolve: |_| {} } }
        }
        let html = render(app);
        assert!(html.contains(r#"id="dx-row-F32.1""#), "{html}");
        assert!(html.contains(r#"id="dx-resolve-F32.1""#), "{html}");
        assert!(html.contains(r#"id="dx-resolved-F41.1""#), "{html}");
        assert!(html.contains("Generalized anxiety disorder"), "{html}");
        assert!(html.contains(r#"id="dx-search""#), "{html}");
        assert!(!html.contains("dx-empty"), "{html}");
        assert!(!html.contains("dx-results"), "{html}");
    }

    #[test]
    fn shows_an_empty_state() {
        fn app() -> Element {
            rsx! { DiagnosisList { diagnoses: vec![], on_add: |_| {}, on_resolve: |_| {} } }
        }
        let html = render(app);
        assert!(html.contains(r#"id="dx-empty""#), "{html}");
    }
}
