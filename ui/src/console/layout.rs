//! The console's frame and navigation.

use dioxus::prelude::*;

use crate::i18n::use_i18n;
use crate::portal::{CsrfField, Notice};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ConsoleTab {
    Health,
    Members,
    Devices,
    Invites,
    Audit,
    Tickets,
}

impl ConsoleTab {
    pub const ALL: [ConsoleTab; 6] = [
        ConsoleTab::Health,
        ConsoleTab::Members,
        ConsoleTab::Devices,
        ConsoleTab::Invites,
        ConsoleTab::Audit,
        ConsoleTab::Tickets,
    ];

    pub fn path(self) -> &'static str {
        match self {
            ConsoleTab::Health => "/console",
            ConsoleTab::Members => "/console/members",
            ConsoleTab::Devices => "/console/devices",
            ConsoleTab::Invites => "/console/invites",
            ConsoleTab::Audit => "/console/audit",
            ConsoleTab::Tickets => "/console/tickets",
        }
    }

    fn label_id(self) -> &'static str {
        match self {
            ConsoleTab::Health => "console-nav-health",
            ConsoleTab::Members => "console-nav-members",
            ConsoleTab::Devices => "console-nav-devices",
            ConsoleTab::Invites => "console-nav-invites",
            ConsoleTab::Audit => "console-nav-audit",
            ConsoleTab::Tickets => "console-nav-tickets",
        }
    }
}

#[component]
pub fn ConsoleFrame(
    practice: String,
    display_name: String,
    csrf: String,
    active: ConsoleTab,
    notice: Option<Notice>,
    /// Accounts over the hourly record-access limit; shown on every page.
    anomalies: Vec<String>,
    children: Element,
) -> Element {
    let i18n = use_i18n();
    let notice = notice.map(|n| match n {
        Notice::Done(text) => rsx! { p { class: "notice", id: "notice", role: "status", {text} } },
        Notice::Error(text) => {
            rsx! { p { class: "form-error", id: "notice", role: "alert", {text} } }
        }
    });
    rsx! {
        header { class: "site-header",
            p { class: "brand", {i18n.t_args("console-brand", &[("practice", practice.as_str())])} }
            p { class: "who", {i18n.t_args("portal-signed-in-as", &[("name", display_name.as_str())])} }
            form { method: "post", action: "/logout", class: "inline",
                CsrfField { csrf }
                button { r#type: "submit", class: "link", id: "logout", {i18n.t("portal-sign-out")} }
            }
        }
        nav { class: "site-nav", "aria-label": i18n.t("console-nav-label"),
            ul {
                for tab in ConsoleTab::ALL {
                    li {
                        a { href: tab.path(), "aria-current": if tab == active { "page" } else { "false" },
                            {i18n.t(tab.label_id())}
                        }
                    }
                }
            }
        }
        main { id: "main", class: "wide",
            if !anomalies.is_empty() {
                div { class: "alert", id: "anomaly-alert", role: "alert",
                    p { strong { {i18n.t("console-anomaly-title")} } }
                    ul {
                        for a in anomalies { li { {a} } }
                    }
                    p { a { href: "/console/audit?action=portal.access", {i18n.t("console-anomaly-review")} } }
                }
            }
            {notice}
            {children}
        }
    }
}
