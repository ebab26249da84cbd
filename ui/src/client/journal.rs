//! The client's journal entries with what the on-device model noticed, and
//! the therapist's confirmation or correction of each result.
//!
//! Element ids: `journal-panel`, `journal-ml-status` (`data-state` =
//! available|unavailable|no-consent), `journal-new`, `journal-add`,
//! `journal-entry-{id}` (with `data-flagged`), `risk-{id}` (the result badge),
//! `risk-feedback-{id}` (a select of labels), `risk-feedback-save-{id}`.

use bloom_core::risk::JournalEntry;
use dioxus::prelude::*;

use super::format_date;
use crate::i18n::use_i18n;

/// Whether the model runs for this client, as the panel explains it.
#[derive(Clone, Debug, PartialEq)]
pub enum MlState {
    Available,
    /// The runtime or the model is missing; the reason is shown.
    Unavailable(String),
    /// The client has not consented to on-device analysis.
    NoConsent,
}

#[component]
pub fn JournalPanel(
    entries: Vec<JournalEntry>,
    ml: MlState,
    labels: Vec<String>,
    error: Option<String>,
    on_add: EventHandler<String>,
    on_feedback: EventHandler<(String, String)>,
) -> Element {
    let i18n = use_i18n();
    let mut draft = use_signal(String::new);
    let (state, status) = match &ml {
        MlState::Available => ("available", i18n.t("journal-ml-on")),
        MlState::Unavailable(reason) => (
            "unavailable",
            i18n.t_args("journal-ml-unavailable", &[("reason", reason)]),
        ),
        MlState::NoConsent => ("no-consent", i18n.t("journal-ml-no-consent")),
    };
    rsx! {
        section { id: "journal-panel", class: "journal-panel",
            h2 { {i18n.t("journal-title")} }
            p { id: "journal-ml-status", class: "muted", "data-state": state, "{status}" }
            label { r#for: "journal-new", {i18n.t("journal-new")} }
            textarea { id: "journal-new", rows: "3", value: "{draft}", oninput: move |e| draft.set(e.value()) }
            button { id: "journal-add", disabled: draft().trim().is_empty(),
                onclick: move |_| { on_add.call(draft()); draft.set(String::new()); },
                {i18n.t("journal-add")} }
            if let Some(e) = error { p { class: "form-error", role: "alert", "{e}" } }
            if entries.is_empty() {
                p { class: "empty-state", {i18n.t("journal-empty")} }
            }
            for entry in entries.iter() {
                JournalRow { key: "{entry.id}", entry: entry.clone(), labels: labels.clone(), on_feedback }
            }
        }
    }
}

#[component]
fn JournalRow(
    entry: JournalEntry,
    labels: Vec<String>,
    on_feedback: EventHandler<(String, String)>,
) -> Element {
    let i18n = use_i18n();
    let initial = entry
        .risk
        .as_ref()
        .map(|r| r.feedback.clone().unwrap_or_else(|| r.label.clone()))
        .unwrap_or_default();
    let mut chosen = use_signal(move || initial);
    let flagged = entry.risk.as_ref().is_some_and(|r| r.flagged);
    let id = entry.id.clone();
    rsx! {
        article { id: "journal-entry-{entry.id}", class: "journal-entry", "data-flagged": "{flagged}",
            p { class: "muted", {format_date(entry.written_ms)} }
            p { class: "note-text", "{entry.text}" }
            if let Some(r) = entry.risk.clone() {
                div { id: "risk-{entry.id}", class: "risk", "data-flagged": "{r.flagged}",
                    if r.flagged {
                        p { class: "warning", role: "alert",
                            {i18n.t(if r.by_phrase { "risk-flag-phrase" } else { "risk-flag" })} }
                    }
                    p { class: "muted",
                        {i18n.t_args("risk-result", &[
                            ("label", &r.label),
                            ("score", &format!("{:.2}", r.suicide_score)),
                            ("model", &r.model_version),
                        ])}
                    }
                    if let Some(f) = r.feedback.clone() {
                        p { class: "notice", {i18n.t_args("risk-reviewed", &[("label", &f)])} }
                    }
                    div { class: "row",
                        select { id: "risk-feedback-{entry.id}", "aria-label": i18n.t("risk-feedback"),
                            value: "{chosen}", onchange: move |e| chosen.set(e.value()),
                            for l in labels.iter() { option { key: "{l}", value: "{l}", "{l}" } }
                        }
                        button { id: "risk-feedback-save-{entry.id}",
                            onclick: move |_| on_feedback.call((id.clone(), chosen())),
                            {i18n.t("risk-feedback-save")} }
                    }
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use bloom_core::risk::{RiskResult, TextSource};

    use super::*;

    #[test]
    fn flagged_entries_say_so_and_offer_a_correction() {
        fn app() -> Element {
            let risk = RiskResult {
                record_id: "j1".into(),
                client_id: "c1".into(),
                source: TextSource::Journal,
                model_version: "mh7-head-test".into(),
                label: "Suicidal".into(),
                suicide_score: 0.81,
                flagged: true,
                by_phrase: false,
                at_ms: 0,
                feedback: None,
            };
            let entry = JournalEntry {
                id: "j1".into(),
                client_id: "c1".into(),
                written_ms: 0,
                text: "I can't see a way out".into(),
                risk: Some(risk),
            };
            rsx! {
                JournalPanel { entries: vec![entry], ml: MlState::Available,
                    labels: vec!["Normal".into(), "Suicidal".into()], error: None,
                    on_add: |_| {}, on_feedback: |_| {} }
            }
        }
        let mut dom = VirtualDom::new(app);
        dom.rebuild_in_place();
        let html = dioxus_ssr::render(&dom);
        assert!(
            html.contains(r#"id="journal-entry-j1" class="journal-entry" data-flagged="true""#),
            "{html}"
        );
        assert!(
            html.contains("risk-feedback-save-j1") && html.contains("0.81"),
            "{html}"
        );
        assert!(html.contains(r#"data-state="available""#), "{html}");
    }
}
