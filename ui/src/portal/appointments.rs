//! Upcoming and past appointments, with cancelling within the practice's policy.

use bloom_core::portal::PortalAppointmentStatus;
use dioxus::prelude::*;

use super::CsrfField;
use crate::i18n::use_i18n;

/// One appointment as the patient sees it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AppointmentItem {
    pub id: String,
    /// Formatted start and end, in the practice's zone.
    pub when: String,
    pub status: PortalAppointmentStatus,
    /// Inside the policy: the cancel button shows.
    pub can_cancel: bool,
}

pub fn status_label_id(status: PortalAppointmentStatus) -> &'static str {
    match status {
        PortalAppointmentStatus::Requested => "portal-status-requested",
        PortalAppointmentStatus::Confirmed => "portal-status-confirmed",
        PortalAppointmentStatus::Declined => "portal-status-declined",
        PortalAppointmentStatus::Cancelled => "portal-status-cancelled",
    }
}

#[component]
pub fn AppointmentsPage(
    csrf: String,
    upcoming: Vec<AppointmentItem>,
    past: Vec<AppointmentItem>,
    cancel_notice_hours: u32,
) -> Element {
    let i18n = use_i18n();
    let hours = cancel_notice_hours.to_string();
    rsx! {
        h1 { {i18n.t("portal-appointments-title")} }
        section { "aria-labelledby": "upcoming-heading",
            h2 { id: "upcoming-heading", {i18n.t("portal-appointments-upcoming")} }
            if upcoming.is_empty() {
                p { id: "no-upcoming", {i18n.t("portal-appointments-none")} " " a { href: "/portal/book", {i18n.t("portal-nav-book")} } }
            } else {
                ul { class: "rows", id: "upcoming",
                    for a in upcoming {
                        li { class: "row",
                            span { class: "when", {a.when.clone()} }
                            span { class: "status status-{a.status.as_str()}", {i18n.t(status_label_id(a.status))} }
                            if a.can_cancel {
                                form { method: "post", action: "/portal/appointments/{a.id}/cancel", class: "inline",
                                    CsrfField { csrf: csrf.clone() }
                                    button { r#type: "submit", class: "secondary", "aria-label": i18n.t_args("portal-cancel-label", &[("when", a.when.as_str())]),
                                        {i18n.t("portal-cancel")}
                                    }
                                }
                            }
                        }
                    }
                }
            }
            p { class: "help", {i18n.t_args("portal-cancel-policy", &[("hours", hours.as_str())])} }
        }
        section { "aria-labelledby": "past-heading",
            h2 { id: "past-heading", {i18n.t("portal-appointments-past")} }
            if past.is_empty() {
                p { {i18n.t("portal-appointments-none-past")} }
            } else {
                ul { class: "rows", id: "past",
                    for a in past {
                        li { class: "row",
                            span { class: "when", {a.when.clone()} }
                            span { class: "status", {i18n.t(status_label_id(a.status))} }
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

    fn item(id: &str, can_cancel: bool) -> AppointmentItem {
        AppointmentItem {
            id: id.into(),
            when: "Mon 2 Mar 10:00–10:50".into(),
            status: PortalAppointmentStatus::Confirmed,
            can_cancel,
        }
    }

    #[test]
    fn cancel_shows_only_inside_the_policy() {
        let html = render(rsx! {
            AppointmentsPage { csrf: "t", upcoming: vec![item("a1", true), item("a2", false)], past: vec![], cancel_notice_hours: 24 }
        });
        assert!(html.contains("/portal/appointments/a1/cancel"), "{html}");
        assert!(!html.contains("/portal/appointments/a2/cancel"), "{html}");
        assert!(html.contains("24"), "{html}");
    }
}
