//! The portal's first page: what comes next and what waits for the patient.

use dioxus::prelude::*;

use crate::i18n::use_i18n;

/// What the home page summarises.
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct PortalSummary {
    /// The next confirmed appointment, formatted.
    pub next_appointment: Option<String>,
    /// Replies from the therapist the patient has not opened.
    pub unread_replies: u32,
    /// Forms and assessments still to fill in.
    pub open_assignments: u32,
    pub has_safety_plan: bool,
}

#[component]
pub fn PortalHome(display_name: String, summary: PortalSummary) -> Element {
    let i18n = use_i18n();
    let next = match &summary.next_appointment {
        Some(when) => i18n.t_args("portal-home-next", &[("when", when.as_str())]),
        None => i18n.t("portal-home-no-next"),
    };
    let unread = summary.unread_replies.to_string();
    let open = summary.open_assignments.to_string();
    rsx! {
        h1 { {i18n.t_args("portal-home-title", &[("name", display_name.as_str())])} }
        ul { class: "cards",
            li { a { href: "/portal/appointments", id: "home-next", {next} } }
            li { a { href: "/portal/messages", id: "home-unread", {i18n.t_args("portal-home-unread", &[("count", unread.as_str())])} } }
            li { a { href: "/portal/forms", id: "home-forms", {i18n.t_args("portal-home-forms", &[("count", open.as_str())])} } }
            if summary.has_safety_plan {
                li { a { href: "/portal/safety-plan", {i18n.t("portal-home-safety-plan")} } }
            }
        }
        p { class: "help", {i18n.t("portal-emergency")} }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::portal::test_support::{XSS, assert_inert, render};

    #[test]
    fn home_counts_and_escapes() {
        let summary = PortalSummary {
            next_appointment: Some("Tue 3 Mar, 10:00".into()),
            unread_replies: 2,
            open_assignments: 1,
            has_safety_plan: false,
        };
        let html = render(rsx! { PortalHome { display_name: XSS, summary } });
        assert_inert(&html);
        assert!(html.contains("Tue 3 Mar, 10:00"), "{html}");
        assert!(html.contains('2'), "{html}");
        assert!(!html.contains("/portal/safety-plan"), "{html}");
    }
}
