//! Support tickets: a patient or member asks the practice's admins for help
//! with the portal (never for clinical matters: those go to messages).

use dioxus::prelude::*;

use super::CsrfField;
use crate::i18n::use_i18n;

/// A ticket as its author sees it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TicketItem {
    pub subject: String,
    pub opened: String,
    pub open: bool,
    pub answer: Option<String>,
}

#[component]
pub fn SupportPage(csrf: String, action: String, tickets: Vec<TicketItem>) -> Element {
    let i18n = use_i18n();
    rsx! {
        h1 { {i18n.t("support-title")} }
        p { class: "help", {i18n.t("support-help")} }
        form { method: "post", action: "{action}", id: "ticket-form",
            CsrfField { csrf }
            label { r#for: "ticket-subject", {i18n.t("support-subject")} }
            input { id: "ticket-subject", name: "subject", r#type: "text", required: true, maxlength: "200" }
            label { r#for: "ticket-body", {i18n.t("support-body")} }
            textarea { id: "ticket-body", name: "body", required: true, rows: "4", maxlength: "4000" }
            button { r#type: "submit", class: "primary", id: "ticket-send", {i18n.t("support-send")} }
        }
        if !tickets.is_empty() {
            h2 { {i18n.t("support-mine")} }
            ul { class: "rows", id: "tickets",
                for t in tickets {
                    li { class: "row",
                        span { {t.subject.clone()} }
                        span { class: "meta", {t.opened.clone()} }
                        span { class: "status", if t.open { {i18n.t("support-open")} } else { {i18n.t("support-closed")} } }
                        if let Some(a) = t.answer.clone() { p { class: "answer", {a} } }
                    }
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
    fn tickets_render_inert() {
        let tickets = vec![TicketItem {
            subject: XSS.into(),
            opened: "today".into(),
            open: true,
            answer: None,
        }];
        let html = render(rsx! { SupportPage { csrf: "t", action: "/portal/support", tickets } });
        assert_inert(&html);
        assert!(html.contains(r#"action="/portal/support""#), "{html}");
    }
}
