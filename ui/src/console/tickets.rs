//! Support tickets from patients and members, answered and closed by an admin.

use dioxus::prelude::*;

use crate::i18n::use_i18n;
use crate::portal::CsrfField;

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TicketRow {
    pub id: String,
    pub from: String,
    pub role: String,
    pub subject: String,
    pub body: String,
    pub opened: String,
    pub open: bool,
}

#[component]
pub fn TicketsPage(csrf: String, rows: Vec<TicketRow>) -> Element {
    let i18n = use_i18n();
    rsx! {
        h1 { {i18n.t("console-tickets-title")} }
        if rows.is_empty() {
            p { id: "no-tickets", {i18n.t("console-tickets-none")} }
        }
        for t in rows {
            article { class: "ticket", id: "ticket-{t.id}", "aria-labelledby": "ticket-{t.id}-subject",
                h2 { id: "ticket-{t.id}-subject", {t.subject.clone()} }
                p { class: "meta", {t.from.clone()} " (" {i18n.t(&format!("console-role-{}", t.role))} ") · " {t.opened.clone()} }
                p { class: "pre", {t.body.clone()} }
                if t.open {
                    form { method: "post", action: "/console/tickets/{t.id}/answer",
                        CsrfField { csrf: csrf.clone() }
                        label { r#for: "answer-{t.id}", {i18n.t("console-ticket-answer")} }
                        textarea { id: "answer-{t.id}", name: "answer", required: true, rows: "3", maxlength: "4000" }
                        button { r#type: "submit", class: "primary", {i18n.t("console-ticket-send")} }
                    }
                } else {
                    p { class: "status", {i18n.t("support-closed")} }
                }
            }
        }
    }
}
