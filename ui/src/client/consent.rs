//! Consents: where each one stands, grant and revoke, and the history.

use bloom_core::consent::{ConsentAction, ConsentKind, ConsentLog, ConsentRecord};
use dioxus::prelude::*;

use super::format_date;
use crate::i18n::use_i18n;

/// The message ids of a consent's name and of the line explaining it.
pub fn kind_text(kind: ConsentKind) -> (&'static str, &'static str) {
    match kind {
        ConsentKind::Treatment => ("consent-kind-treatment", "consent-help-treatment"),
        ConsentKind::Telehealth => ("consent-kind-telehealth", "consent-help-telehealth"),
        ConsentKind::MlAnalysis => ("consent-kind-ml-analysis", "consent-help-ml-analysis"),
        ConsentKind::SupervisorSharing => (
            "consent-kind-supervisor-sharing",
            "consent-help-supervisor-sharing",
        ),
        ConsentKind::PortalUse => ("consent-kind-portal-use", "consent-help-portal-use"),
    }
}

/// The latest record of each kind, if any (for "granted on …").
fn latest(log: &ConsentLog, kind: ConsentKind, now_ms: i64) -> Option<ConsentRecord> {
    log.records()
        .iter()
        .filter(|r| r.kind == kind && r.at_ms <= now_ms)
        .max_by_key(|r| (r.at_ms, r.action == ConsentAction::Revoked))
        .cloned()
}

/// Every kind of consent with where it stands at `now_ms`, a button to grant
/// or revoke it (`on_change((kind, granted))`), and the full history, newest
/// first. Revoking adds a record; nothing is ever edited.
///
/// Element ids: `consent-panel`; per kind (`ConsentKind::as_str`, e.g.
/// `ml-analysis`): `consent-{kind}` (the row, `data-state="granted|not-granted"`),
/// `consent-state-{kind}`, and `consent-grant-{kind}` or `consent-revoke-{kind}`;
/// `consent-history` (one `li` per record) or `consent-history-empty`.
#[component]
pub fn ConsentPanel(
    consents: ConsentLog,
    now_ms: i64,
    on_change: EventHandler<(ConsentKind, bool)>,
) -> Element {
    let i18n = use_i18n();
    let mut history: Vec<ConsentRecord> = consents.records().to_vec();
    history.sort_by_key(|r| std::cmp::Reverse(r.at_ms));
    rsx! {
        section { class: "consent-panel panel", id: "consent-panel",
            h2 { {i18n.t("consent-title")} }
            p { class: "muted", {i18n.t("consent-intro")} }
            ul { class: "consent-list",
                for kind in ConsentKind::ALL {
                    {
                        let granted = consents.is_consented(kind, now_ms);
                        let (name, help) = kind_text(kind);
                        let slug = kind.as_str();
                        let since = latest(&consents, kind, now_ms)
                            .map(|r| format_date(r.at_ms))
                            .unwrap_or_default();
                        rsx! {
                            li { key: "{slug}", class: "consent-row", id: "consent-{slug}",
                                "data-state": if granted { "granted" } else { "not-granted" },
                                div { class: "consent-text",
                                    strong { {i18n.t(name)} }
                                    p { class: "muted", {i18n.t(help)} }
                                }
                                span { class: "consent-state", id: "consent-state-{slug}",
                                    if granted {
                                        {i18n.t_args("consent-granted-since", &[("date", &since)])}
                                    } else if since.is_empty() {
                                        {i18n.t("consent-never")}
                                    } else {
                                        {i18n.t_args("consent-revoked-since", &[("date", &since)])}
                                    }
                                }
                                if granted {
                                    button { r#type: "button", id: "consent-revoke-{slug}", class: "small",
                                        onclick: move |_| on_change.call((kind, false)),
                                        {i18n.t("consent-revoke")} }
                                } else {
                                    button { r#type: "button", id: "consent-grant-{slug}", class: "small",
                                        onclick: move |_| on_change.call((kind, true)),
                                        {i18n.t("consent-grant")} }
                                }
                            }
                        }
                    }
                }
            }
            h3 { {i18n.t("consent-history-title")} }
            if history.is_empty() {
                p { class: "empty-state", id: "consent-history-empty", {i18n.t("consent-history-empty")} }
            } else {
                ol { class: "plain-list consent-history", id: "consent-history",
                    for (i, r) in history.into_iter().enumerate() {
                        li { key: "{i}",
                            time { {format_date(r.at_ms)} }
                            " · "
                            {i18n.t(kind_text(r.kind).0)}
                            " · "
                            if r.action == ConsentAction::Granted {
                                span { class: "consent-action", "data-action": "granted", {i18n.t("consent-action-granted")} }
                            } else {
                                span { class: "consent-action", "data-action": "revoked", {i18n.t("consent-action-revoked")} }
                            }
                            " · "
                            span { class: "muted", {r.recorded_by.clone()} }
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
    use crate::client::test_util::render;
    use crate::i18n::{I18n, Locale};

    #[test]
    fn every_kind_has_a_name_and_an_explanation() {
        let en = I18n::new(Locale::En);
        for kind in ConsentKind::ALL {
            let (name, help) = kind_text(kind);
            assert!(en.has(name) && en.has(help), "{kind:?}");
        }
    }

    #[test]
    fn shows_state_buttons_and_history() {
        fn app() -> Element {
            let mut log = ConsentLog::new();
            for (kind, action, at_ms) in [
                (
                    ConsentKind::Treatment,
                    ConsentAction::Granted,
                    1_709_251_200_000,
                ),
                (
                    ConsentKind::MlAnalysis,
                    ConsentAction::Granted,
                    1_709_251_200_000,
                ),
                (
                    ConsentKind::MlAnalysis,
                    ConsentAction::Revoked,
                    1_709_337_600_000,
                ),
            ] {
                log.record(ConsentRecord {
                    kind,
                    action,
                    at_ms,
                    recorded_by: "Dr Reyes".into(),
                });
            }
            rsx! { ConsentPanel { consents: log, now_ms: 1_710_000_000_000_i64, on_change: |_| {} } }
        }
        let html = render(app);
        for kind in ConsentKind::ALL {
            assert!(
                html.contains(&format!("id=\"consent-{}\"", kind.as_str())),
                "{html}"
            );
        }
        assert!(html.contains(r#"id="consent-revoke-treatment""#), "{html}");
        assert!(html.contains(r#"id="consent-grant-ml-analysis""#), "{html}");
        assert!(html.contains(r#"id="consent-grant-telehealth""#), "{html}");
        assert!(html.contains("2024-03-02"), "{html}");
        assert_eq!(html.matches("data-action=").count(), 3, "{html}");
        assert!(html.contains("Dr Reyes"), "{html}");
    }

    #[test]
    fn an_empty_log_grants_nothing() {
        fn app() -> Element {
            rsx! { ConsentPanel { consents: ConsentLog::new(), now_ms: 0, on_change: |_| {} } }
        }
        let html = render(app);
        assert!(html.contains(r#"id="consent-history-empty""#), "{html}");
        assert!(!html.contains("consent-revoke-"), "{html}");
        assert_eq!(
            html.matches(r#"data-state="not-granted""#).count(),
            5,
            "{html}"
        );
    }
}
