//! Inviting members: a one-time sign-up link for a therapist or admin, and
//! the invites still waiting.

use dioxus::prelude::*;

use crate::i18n::use_i18n;
use crate::portal::CsrfField;

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct InviteRow {
    pub role: String,
    pub member: String,
    pub email: Option<String>,
    pub expires: String,
}

/// `new_link`: the link just made, shown once.
#[component]
pub fn InvitesPage(csrf: String, pending: Vec<InviteRow>, new_link: Option<String>) -> Element {
    let i18n = use_i18n();
    rsx! {
        h1 { {i18n.t("console-invites-title")} }
        if let Some(link) = new_link {
            div { class: "notice", role: "status", id: "new-invite",
                p { {i18n.t("console-invite-made")} }
                p { code { id: "invite-link", {link} } }
            }
        }
        form { method: "post", action: "/console/invites", id: "invite-form",
            CsrfField { csrf }
            label { r#for: "invite-role", {i18n.t("console-col-role")} }
            select { id: "invite-role", name: "role",
                option { value: "therapist", {i18n.t("console-role-therapist")} }
                option { value: "admin", {i18n.t("console-role-admin")} }
            }
            label { r#for: "invite-member", {i18n.t("console-invite-member")} }
            input { id: "invite-member", name: "member", r#type: "text", required: true, maxlength: "64", pattern: "[A-Za-z0-9._-]+" }
            label { r#for: "invite-email", {i18n.t("console-col-email")} }
            input { id: "invite-email", name: "email", r#type: "email", autocomplete: "off" }
            button { r#type: "submit", class: "primary", id: "invite-submit", {i18n.t("console-invite-create")} }
        }
        h2 { {i18n.t("console-invites-pending")} }
        if pending.is_empty() {
            p { {i18n.t("console-invites-none")} }
        } else {
            table { id: "invites",
                thead { tr {
                    th { scope: "col", {i18n.t("console-col-role")} }
                    th { scope: "col", {i18n.t("console-col-member")} }
                    th { scope: "col", {i18n.t("console-col-email")} }
                    th { scope: "col", {i18n.t("console-col-expires")} }
                } }
                tbody {
                    for r in pending {
                        tr {
                            td { {i18n.t(&format!("console-role-{}", r.role))} }
                            td { {r.member.clone()} }
                            td { {r.email.clone().unwrap_or_default()} }
                            td { {r.expires.clone()} }
                        }
                    }
                }
            }
        }
    }
}
