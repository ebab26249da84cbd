//! Members (therapists and admins) and patients with portal accounts, and
//! changing a member's role.

use dioxus::prelude::*;

use crate::i18n::use_i18n;
use crate::portal::CsrfField;

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MemberRow {
    pub account: String,
    pub display_name: String,
    pub email: String,
    /// `patient`, `therapist` or `admin`.
    pub role: String,
    pub member: Option<String>,
    pub totp: bool,
    pub locked: bool,
    pub created: String,
}

pub const ROLES: [&str; 3] = ["patient", "therapist", "admin"];

#[component]
pub fn MembersPage(csrf: String, rows: Vec<MemberRow>, me: String) -> Element {
    let i18n = use_i18n();
    rsx! {
        h1 { {i18n.t("console-members-title")} }
        table { id: "members",
            caption { class: "visually-hidden", {i18n.t("console-members-title")} }
            thead { tr {
                th { scope: "col", {i18n.t("console-col-name")} }
                th { scope: "col", {i18n.t("console-col-email")} }
                th { scope: "col", {i18n.t("console-col-role")} }
                th { scope: "col", {i18n.t("console-col-member")} }
                th { scope: "col", {i18n.t("console-col-status")} }
            } }
            tbody {
                for r in rows {
                    tr {
                        td { {r.display_name.clone()} }
                        td { {r.email.clone()} }
                        td {
                            if r.role != "patient" && r.account != me {
                                form { method: "post", action: "/console/members/{r.account}/role", class: "inline",
                                    CsrfField { csrf: csrf.clone() }
                                    label { r#for: "role-{r.account}", class: "visually-hidden",
                                        {i18n.t_args("console-role-of", &[("name", r.display_name.as_str())])}
                                    }
                                    select { id: "role-{r.account}", name: "role",
                                        for role in ["therapist", "admin"] {
                                            option { value: role, selected: r.role == role, {i18n.t(&format!("console-role-{role}"))} }
                                        }
                                    }
                                    button { r#type: "submit", class: "secondary", {i18n.t("console-save")} }
                                }
                            } else {
                                {i18n.t(&format!("console-role-{}", r.role))}
                            }
                        }
                        td { {r.member.clone().unwrap_or_default()} }
                        td {
                            if r.locked { span { class: "status status-locked", {i18n.t("console-locked")} } " " }
                            if r.totp { {i18n.t("console-totp-on")} } else { {i18n.t("console-totp-off")} }
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
    use crate::portal::test_support::{XSS, assert_inert, render};

    fn row(account: &str, role: &str) -> MemberRow {
        MemberRow {
            account: account.into(),
            display_name: XSS.into(),
            email: "a@b.c".into(),
            role: role.into(),
            member: None,
            totp: true,
            locked: false,
            created: "x".into(),
        }
    }

    #[test]
    fn roles_can_be_changed_for_other_members_only() {
        let html = render(
            rsx! { MembersPage { csrf: "t", rows: vec![row("me", "admin"), row("t1", "therapist"), row("p1", "patient")], me: "me" } },
        );
        assert_inert(&html);
        assert!(html.contains("/console/members/t1/role"), "{html}");
        assert!(!html.contains("/console/members/me/role"), "{html}");
        assert!(!html.contains("/console/members/p1/role"), "{html}");
    }
}
