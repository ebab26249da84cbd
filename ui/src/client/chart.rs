//! The client chart: a header with the client's name and case status, and
//! tabs. The chart only switches tabs; what each tab shows is handed in, so
//! the frontend composes the tab components of this module's siblings
//! ([`super::ProfileForm`], [`super::DiagnosisList`], [`super::TreatmentPlanView`],
//! [`super::NoteList`], [`super::AssessmentForm`], [`super::ConsentPanel`],
//! [`super::SafetyPlanForm`], …) with the data it has loaded.

use bloom_core::chart::{CaseStatus, ChartView, DiagnosisEntry};
use std::rc::Rc;

use dioxus::prelude::*;

use super::profile::field_label;
use super::{format_date, status_label};
use crate::i18n::use_i18n;

/// The chart's tabs.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum ChartTab {
    #[default]
    Summary,
    Plan,
    Notes,
    Assessments,
    Consents,
    Safety,
    Portal,
}

impl ChartTab {
    pub const ALL: [ChartTab; 7] = [
        ChartTab::Summary,
        ChartTab::Plan,
        ChartTab::Notes,
        ChartTab::Assessments,
        ChartTab::Consents,
        ChartTab::Safety,
        ChartTab::Portal,
    ];

    /// Stable name used in element ids and tests.
    pub fn slug(self) -> &'static str {
        match self {
            ChartTab::Summary => "summary",
            ChartTab::Plan => "plan",
            ChartTab::Notes => "notes",
            ChartTab::Assessments => "assessments",
            ChartTab::Consents => "consents",
            ChartTab::Safety => "safety",
            ChartTab::Portal => "portal",
        }
    }

    /// The message id of the tab's label.
    pub fn label(self) -> &'static str {
        match self {
            ChartTab::Summary => "chart-tab-summary",
            ChartTab::Plan => "chart-tab-plan",
            ChartTab::Notes => "chart-tab-notes",
            ChartTab::Assessments => "chart-tab-assessments",
            ChartTab::Consents => "chart-tab-consents",
            ChartTab::Safety => "chart-tab-safety",
            ChartTab::Portal => "desk-chart-tab-portal",
        }
    }
}

/// The tab that the arrow keys, Home or End move to from tab `i`.
fn arrow_target(i: usize, key: &Key) -> Option<usize> {
    let n = ChartTab::ALL.len();
    match key {
        Key::ArrowRight => Some((i + 1) % n),
        Key::ArrowLeft => Some((i + n - 1) % n),
        Key::Home => Some(0),
        Key::End => Some(n - 1),
        _ => None,
    }
}

/// A client's chart.
///
/// Each tab's content is a prop; a tab without content shows a short note
/// (the summary tab falls back to [`ChartSummary`]). The open tab is kept
/// here; `on_tab` tells the frontend when it changes (to load that tab's
/// data), and `initial_tab` picks the first one.
///
/// Element ids: `client-chart`, `chart-name` (the display name),
/// `chart-status` (the case status select; option values are
/// `CaseStatus::as_str`), tab buttons
/// `chart-tab-summary|plan|notes|assessments|consents|safety|portal` (`role="tab"`,
/// `aria-selected`; arrow keys, Home and End move between them), the open
/// panel `chart-panel-{tab}` (`role="tabpanel"`), `chart-panel-empty` when a
/// tab has no content.
#[component]
pub fn ClientChart(
    chart: ChartView,
    on_status: EventHandler<CaseStatus>,
    #[props(default)] on_tab: EventHandler<ChartTab>,
    #[props(default)] initial_tab: ChartTab,
    summary: Option<Element>,
    plan: Option<Element>,
    notes: Option<Element>,
    assessments: Option<Element>,
    consents: Option<Element>,
    safety: Option<Element>,
    #[props(default)] portal: Option<Element>,
) -> Element {
    let i18n = use_i18n();
    let mut tab = use_signal(move || initial_tab);
    // The tab buttons, to move focus with the arrow keys (roving tabindex).
    let mut tab_buttons = use_signal(|| vec![None::<Rc<MountedData>>; ChartTab::ALL.len()]);
    let mut select = move |t: ChartTab| {
        if tab() != t {
            tab.set(t);
            on_tab.call(t);
        }
    };
    let active = tab();
    let content = match active {
        ChartTab::Summary => {
            summary.or_else(|| Some(rsx! { ChartSummary { chart: chart.clone() } }))
        }
        ChartTab::Plan => plan,
        ChartTab::Notes => notes,
        ChartTab::Assessments => assessments,
        ChartTab::Consents => consents,
        ChartTab::Safety => safety,
        ChartTab::Portal => portal,
    };
    let status = chart.status;
    let preferred = chart.profile.preferred_name.trim().to_owned();
    rsx! {
        article { class: "client-chart", id: "client-chart",
            header { class: "chart-header",
                div { class: "chart-title",
                    h1 { id: "chart-name", {chart.display_name.clone()} }
                    if !preferred.is_empty() {
                        p { class: "chart-preferred",
                            {i18n.t_args("chart-preferred", &[("name", &preferred)])} }
                    }
                }
                div { class: "chart-status-field",
                    label { r#for: "chart-status", {i18n.t("chart-status-label")} }
                    select { id: "chart-status", class: "status-select", "data-status": status.as_str(),
                        onchange: move |e| {
                            if let Some(s) = CaseStatus::parse(&e.value()) && s != status {
                                on_status.call(s);
                            }
                        },
                        for s in CaseStatus::ALL {
                            option { key: "{s.as_str()}", value: s.as_str(), selected: s == status,
                                {i18n.t(status_label(s))} }
                        }
                    }
                }
            }
            div { class: "chart-tabs", role: "tablist", "aria-label": i18n.t("chart-tabs-label"),
                for (i, t) in ChartTab::ALL.into_iter().enumerate() {
                    button { key: "{t.slug()}", id: "chart-tab-{t.slug()}", r#type: "button", role: "tab",
                        class: if t == active { "chart-tab active" } else { "chart-tab" },
                        "aria-selected": if t == active { "true" } else { "false" },
                        "aria-controls": "chart-panel-{t.slug()}",
                        tabindex: if t == active { "0" } else { "-1" },
                        onmounted: move |e| {
                            if let Some(slot) = tab_buttons.write().get_mut(i) {
                                *slot = Some(e.data());
                            }
                        },
                        onclick: move |_| select(t),
                        onkeydown: move |e| {
                            if let Some(next) = arrow_target(i, &e.key()) {
                                e.prevent_default();
                                select(ChartTab::ALL[next]);
                                if let Some(el) = tab_buttons.read().get(next).cloned().flatten() {
                                    spawn(async move {
                                        let _ = el.set_focus(true).await;
                                    });
                                }
                            }
                        },
                        {i18n.t(t.label())}
                    }
                }
            }
            section { class: "chart-panel", id: "chart-panel-{active.slug()}", role: "tabpanel",
                "aria-labelledby": "chart-tab-{active.slug()}",
                match content {
                    Some(el) => el,
                    None => rsx! {
                        p { class: "empty-state", id: "chart-panel-empty", {i18n.t("chart-panel-empty")} }
                    },
                }
            }
        }
    }
}

/// The summary tab's read-only part: the filled-in profile fields, the
/// current diagnoses and the case status history.
///
/// Element ids: `chart-summary`, `chart-profile` (a `dl`; empty fields are
/// left out), `chart-diagnoses` with `chart-dx-{code}` per current diagnosis
/// or `chart-diagnoses-empty`, `chart-status-history`.
#[component]
pub fn ChartSummary(chart: ChartView) -> Element {
    let i18n = use_i18n();
    let facts: Vec<(&'static str, String)> = chart
        .profile
        .fields()
        .into_iter()
        .filter(|(_, v)| !v.trim().is_empty())
        .map(|(k, v)| (k, v.to_owned()))
        .collect();
    let current: Vec<DiagnosisEntry> = chart
        .diagnoses
        .iter()
        .filter(|d| d.resolved_ms.is_none())
        .cloned()
        .collect();
    let mut history = chart.status_history.clone();
    history.sort_by_key(|h| std::cmp::Reverse(h.at_ms));
    rsx! {
        div { class: "chart-summary", id: "chart-summary",
            section { class: "panel",
                h2 { {i18n.t("chart-profile-title")} }
                dl { class: "facts", id: "chart-profile",
                    for (key, value) in facts {
                        div { key: "{key}", class: "fact",
                            dt { {i18n.t(field_label(key))} }
                            dd { {value} }
                        }
                    }
                }
            }
            section { class: "panel",
                h2 { {i18n.t("chart-diagnoses-title")} }
                if current.is_empty() {
                    p { class: "empty-state", id: "chart-diagnoses-empty", {i18n.t("chart-diagnoses-empty")} }
                } else {
                    ul { class: "plain-list", id: "chart-diagnoses",
                        for d in current {
                            li { key: "{d.code}", id: "chart-dx-{d.code}",
                                span { class: "dx-code", {d.code.clone()} }
                                " "
                                span { {d.description.clone()} }
                            }
                        }
                    }
                }
            }
            section { class: "panel",
                h2 { {i18n.t("chart-status-history-title")} }
                if history.is_empty() {
                    p { class: "empty-state", {i18n.t("chart-status-history-empty")} }
                } else {
                    ol { class: "plain-list", id: "chart-status-history",
                        for (i, h) in history.into_iter().enumerate() {
                            li { key: "{i}",
                                time { {format_date(h.at_ms)} }
                                " · "
                                span { class: "status-badge", "data-status": h.status.as_str(),
                                    {i18n.t(status_label(h.status))} }
                                " · "
                                span { class: "muted", {h.by.clone()} }
                            }
                        }
                    }
                }
            }
        }
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::client::test_util::render;
    use crate::i18n::{I18n, Locale};
    use bloom_core::chart::{Profile, StatusChange};
    use bloom_core::consent::ConsentLog;

    pub fn sample_chart() -> ChartView {
        ChartView {
            id: "c1".into(),
            display_name: "Ana Silva".into(),
            profile: Profile {
                given_name: "Ana".into(),
                family_name: "Silva".into(),
                preferred_name: "Nia".into(),
                pronouns: "she/her".into(),
                ..Profile::default()
            },
            status: CaseStatus::Active,
            status_history: vec![
                StatusChange {
                    status: CaseStatus::Intake,
                    at_ms: 1_700_000_000_000,
                    by: "Dr Reyes".into(),
                },
                StatusChange {
                    status: CaseStatus::Active,
                    at_ms: 1_709_251_200_000,
                    by: "Dr Reyes".into(),
                },
            ],
            diagnoses: vec![
                DiagnosisEntry {
                    code: "F32.1".into(),
                    description: "Major depressive disorder, single episode, moderate".into(),
                    added_ms: 1_709_251_200_000,
                    added_by: "Dr Reyes".into(),
                    resolved_ms: None,
                },
                DiagnosisEntry {
                    code: "F41.1".into(),
                    description: "Generalized anxiety disorder".into(),
                    added_ms: 1_700_000_000_000,
                    added_by: "Dr Reyes".into(),
                    resolved_ms: Some(1_709_251_200_000),
                },
            ],
            consents: ConsentLog::new(),
        }
    }

    #[test]
    fn arrow_keys_wrap_around_the_tabs() {
        assert_eq!(arrow_target(0, &Key::ArrowRight), Some(1));
        assert_eq!(arrow_target(6, &Key::ArrowRight), Some(0));
        assert_eq!(arrow_target(0, &Key::ArrowLeft), Some(6));
        assert_eq!(arrow_target(3, &Key::Home), Some(0));
        assert_eq!(arrow_target(3, &Key::End), Some(6));
        assert_eq!(arrow_target(3, &Key::Enter), None);
    }

    #[test]
    fn every_tab_has_a_label() {
        let en = I18n::new(Locale::En);
        for t in ChartTab::ALL {
            assert!(en.has(t.label()), "{t:?}");
        }
    }

    #[test]
    fn renders_header_tabs_and_the_summary() {
        fn app() -> Element {
            rsx! { ClientChart { chart: sample_chart(), on_status: |_| {} } }
        }
        let html = render(app);
        assert!(html.contains(r#"id="chart-name""#), "{html}");
        assert!(html.contains("Ana Silva"), "{html}");
        assert!(html.contains(r#"id="chart-status""#), "{html}");
        for t in ChartTab::ALL {
            assert!(
                html.contains(&format!("id=\"chart-tab-{}\"", t.slug())),
                "{html}"
            );
        }
        assert!(html.contains(r#"id="chart-panel-summary""#), "{html}");
        assert!(html.contains(r#"aria-selected="true""#), "{html}");
        // The summary: profile facts, current diagnoses only, status history.
        assert!(html.contains("she/her"), "{html}");
        assert!(html.contains(r#"id="chart-dx-F32.1""#), "{html}");
        assert!(!html.contains("chart-dx-F41.1"), "{html}");
        assert!(html.contains(r#"id="chart-status-history""#), "{html}");
        assert!(html.contains("2024-03-01"), "{html}");
        // The name is text, never an attribute.
        assert!(!html.contains("=\"Ana Silva\""), "{html}");
    }

    #[test]
    fn shows_the_content_handed_in_for_the_open_tab() {
        fn app() -> Element {
            rsx! {
                ClientChart { chart: sample_chart(), on_status: |_| {}, initial_tab: ChartTab::Plan,
                    plan: rsx! { p { id: "the-plan", "plan here" } },
                    notes: rsx! { p { id: "the-notes", "notes here" } },
                }
            }
        }
        let html = render(app);
        assert!(html.contains(r#"id="chart-panel-plan""#), "{html}");
        assert!(html.contains("the-plan"), "{html}");
        assert!(!html.contains("the-notes"), "{html}");

        fn empty() -> Element {
            rsx! { ClientChart { chart: sample_chart(), on_status: |_| {}, initial_tab: ChartTab::Safety } }
        }
        let html = render(empty);
        assert!(html.contains(r#"id="chart-panel-empty""#), "{html}");
    }
}
