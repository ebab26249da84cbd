//! The portal's frame: practice name, navigation, sign-out, and the notice
//! a form's result leaves behind.

use dioxus::prelude::*;

use crate::i18n::use_i18n;

/// The portal's sections, in navigation order.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PortalTab {
    Home,
    Appointments,
    Book,
    Messages,
    Forms,
    SafetyPlan,
    Support,
}

impl PortalTab {
    pub const ALL: [PortalTab; 7] = [
        PortalTab::Home,
        PortalTab::Appointments,
        PortalTab::Book,
        PortalTab::Messages,
        PortalTab::Forms,
        PortalTab::SafetyPlan,
        PortalTab::Support,
    ];

    pub fn path(self) -> &'static str {
        match self {
            PortalTab::Home => "/portal",
            PortalTab::Appointments => "/portal/appointments",
            PortalTab::Book => "/portal/book",
            PortalTab::Messages => "/portal/messages",
            PortalTab::Forms => "/portal/forms",
            PortalTab::SafetyPlan => "/portal/safety-plan",
            PortalTab::Support => "/portal/support",
        }
    }

    fn label_id(self) -> &'static str {
        match self {
            PortalTab::Home => "portal-nav-home",
            PortalTab::Appointments => "portal-nav-appointments",
            PortalTab::Book => "portal-nav-book",
            PortalTab::Messages => "portal-nav-messages",
            PortalTab::Forms => "portal-nav-forms",
            PortalTab::SafetyPlan => "portal-nav-safety-plan",
            PortalTab::Support => "portal-nav-support",
        }
    }
}

/// A result to show at the top of a page (after a form redirect).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Notice {
    Done(String),
    Error(String),
}

/// The hidden CSRF input every form carries.
#[component]
pub fn CsrfField(csrf: String) -> Element {
    rsx! { input { r#type: "hidden", name: "_csrf", value: "{csrf}" } }
}

#[component]
pub fn PortalFrame(
    practice: String,
    display_name: String,
    csrf: String,
    active: PortalTab,
    notice: Option<Notice>,
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
            p { class: "brand", {practice} }
            p { class: "who", {i18n.t_args("portal-signed-in-as", &[("name", display_name.as_str())])} }
            form { method: "post", action: "/logout", class: "inline",
                CsrfField { csrf }
                button { r#type: "submit", class: "link", id: "logout", {i18n.t("portal-sign-out")} }
            }
        }
        nav { class: "site-nav", "aria-label": i18n.t("portal-nav-label"),
            ul {
                for tab in PortalTab::ALL {
                    li {
                        a { href: tab.path(),
                            "aria-current": if tab == active { "page" } else { "false" },
                            {i18n.t(tab.label_id())}
                        }
                    }
                }
            }
        }
        main { id: "main",
            {notice}
            {children}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::portal::test_support::{XSS, assert_inert, render};

    #[test]
    fn frame_marks_the_active_tab_and_escapes_names() {
        let html = render(rsx! {
            PortalFrame { practice: XSS, display_name: "Ada", csrf: "tok", active: PortalTab::Messages,
                notice: Some(Notice::Error(XSS.into())),
                p { "body" }
            }
        });
        assert_inert(&html);
        assert!(
            html.contains(r#"href="/portal/messages" aria-current="page""#),
            "{html}"
        );
        assert!(html.contains(r#"name="_csrf" value="tok""#), "{html}");
        assert!(html.contains(r#"role="alert""#), "{html}");
    }
}
