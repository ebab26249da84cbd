//! The relay's audit log with filters (GET form, so a filtered view can be bookmarked).

use dioxus::prelude::*;

use crate::i18n::use_i18n;

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AuditRow {
    pub at: String,
    pub account: String,
    pub action: String,
    pub object: String,
    pub ip: String,
}

#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct AuditFilter {
    pub action: String,
    pub account: String,
    /// `YYYY-MM-DD`, inclusive.
    pub since: String,
    pub until: String,
}

#[component]
pub fn AuditPage(
    filter: AuditFilter,
    actions: Vec<String>,
    rows: Vec<AuditRow>,
    truncated: bool,
) -> Element {
    let i18n = use_i18n();
    rsx! {
        h1 { {i18n.t("console-audit-title")} }
        form { method: "get", action: "/console/audit", id: "audit-filter", class: "filters",
            div {
                label { r#for: "f-action", {i18n.t("console-col-action")} }
                select { id: "f-action", name: "action",
                    option { value: "", selected: filter.action.is_empty(), {i18n.t("console-audit-any")} }
                    for a in actions {
                        option { value: "{a}", selected: filter.action == a, {a.clone()} }
                    }
                }
            }
            div {
                label { r#for: "f-account", {i18n.t("console-col-account")} }
                input { id: "f-account", name: "account", r#type: "text", value: "{filter.account}" }
            }
            div {
                label { r#for: "f-since", {i18n.t("console-audit-since")} }
                input { id: "f-since", name: "since", r#type: "date", value: "{filter.since}" }
            }
            div {
                label { r#for: "f-until", {i18n.t("console-audit-until")} }
                input { id: "f-until", name: "until", r#type: "date", value: "{filter.until}" }
            }
            button { r#type: "submit", class: "secondary", {i18n.t("console-audit-filter")} }
        }
        if rows.is_empty() {
            p { id: "audit-empty", {i18n.t("console-audit-none")} }
        } else {
            table { id: "audit",
                thead { tr {
                    th { scope: "col", {i18n.t("console-col-when")} }
                    th { scope: "col", {i18n.t("console-col-account")} }
                    th { scope: "col", {i18n.t("console-col-action")} }
                    th { scope: "col", {i18n.t("console-col-object")} }
                    th { scope: "col", {i18n.t("console-col-ip")} }
                } }
                tbody {
                    for r in rows {
                        tr {
                            td { {r.at.clone()} }
                            td { {r.account.clone()} }
                            td { code { {r.action.clone()} } }
                            td { code { {r.object.clone()} } }
                            td { {r.ip.clone()} }
                        }
                    }
                }
            }
            if truncated { p { class: "help", {i18n.t("console-audit-truncated")} } }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::portal::test_support::{XSS, assert_inert, render};

    #[test]
    fn the_filter_keeps_its_values_and_rows_are_inert() {
        let filter = AuditFilter {
            action: "login.failed".into(),
            account: XSS.into(),
            since: "2026-01-01".into(),
            until: String::new(),
        };
        let rows = vec![AuditRow {
            at: "t".into(),
            account: "a".into(),
            action: "login.failed".into(),
            object: XSS.into(),
            ip: "".into(),
        }];
        let html = render(
            rsx! { AuditPage { filter, actions: vec!["login.ok".into(), "login.failed".into()], rows, truncated: false } },
        );
        assert_inert(&html);
        assert!(
            html.contains(r#"<option value="login.failed" selected"#),
            "{html}"
        );
        assert!(
            !html.contains(r#"<option value="login.ok" selected"#),
            "{html}"
        );
        assert!(html.contains(r#"value="2026-01-01""#), "{html}");
    }
}
