//! The practice's sync devices: who, when last seen, and revoking one.

use dioxus::prelude::*;

use crate::i18n::use_i18n;
use crate::portal::CsrfField;

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DeviceRow {
    pub id: String,
    pub name: String,
    pub member: String,
    pub enrolled: String,
    pub last_seen: String,
    pub revoked: Option<String>,
}

#[component]
pub fn DevicesPage(csrf: String, rows: Vec<DeviceRow>) -> Element {
    let i18n = use_i18n();
    rsx! {
        h1 { {i18n.t("console-devices-title")} }
        p { class: "help", {i18n.t("console-devices-help")} }
        table { id: "devices",
            thead { tr {
                th { scope: "col", {i18n.t("console-col-name")} }
                th { scope: "col", {i18n.t("console-col-member")} }
                th { scope: "col", {i18n.t("console-col-enrolled")} }
                th { scope: "col", {i18n.t("console-col-last-seen")} }
                th { scope: "col", {i18n.t("console-col-status")} }
            } }
            tbody {
                for d in rows {
                    tr { id: "device-{d.id}",
                        td { {d.name.clone()} br {} code { class: "meta", {d.id.clone()} } }
                        td { {d.member.clone()} }
                        td { {d.enrolled.clone()} }
                        td { {d.last_seen.clone()} }
                        td {
                            if let Some(when) = d.revoked.clone() {
                                {i18n.t_args("console-revoked-at", &[("when", when.as_str())])}
                            } else {
                                form { method: "post", action: "/console/devices/{d.id}/revoke", class: "inline",
                                    CsrfField { csrf: csrf.clone() }
                                    button { r#type: "submit", class: "danger",
                                        "aria-label": i18n.t_args("console-revoke-label", &[("name", d.name.as_str())]),
                                        {i18n.t("console-revoke")}
                                    }
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
    use crate::portal::test_support::render;

    #[test]
    fn revoked_devices_have_no_revoke_button() {
        let rows = vec![
            DeviceRow {
                id: "aa".into(),
                name: "Laptop".into(),
                member: "m".into(),
                enrolled: "x".into(),
                last_seen: "y".into(),
                revoked: None,
            },
            DeviceRow {
                id: "bb".into(),
                name: "Old".into(),
                member: "m".into(),
                enrolled: "x".into(),
                last_seen: "y".into(),
                revoked: Some("z".into()),
            },
        ];
        let html = render(rsx! { DevicesPage { csrf: "t", rows } });
        assert!(html.contains("/console/devices/aa/revoke"), "{html}");
        assert!(!html.contains("/console/devices/bb/revoke"), "{html}");
    }
}
