//! Short pages: a notice with a link on, and "signed in as …".

use dioxus::prelude::*;

use super::form::{CsrfInput, ErrorAlert};
use crate::i18n::use_i18n;

/// A heading, a sentence (both message ids), an optional error code and a link.
#[component]
pub fn NoticePage(
    heading: String,
    text: String,
    error: Option<String>,
    link: Option<String>,
    link_text: Option<String>,
) -> Element {
    let i18n = use_i18n();
    rsx! {
        main { class: "account",
            h1 { {i18n.t(&heading)} }
            ErrorAlert { code: error }
            p { {i18n.t(&text)} }
            if let (Some(link), Some(link_text)) = (link, link_text) {
                p { a { href: "{link}", {i18n.t(&link_text)} } }
            }
        }
    }
}

/// The placeholder at `/portal` and `/console` until those pages exist.
#[component]
pub fn SignedInPage(display_name: String, role: String, csrf: String) -> Element {
    let i18n = use_i18n();
    rsx! {
        main { class: "account",
            h1 { {i18n.t("account-signed-in-heading")} }
            p { id: "signed-in-as", {i18n.t_args("account-signed-in-as", &[("name", display_name.as_str()), ("role", role.as_str())])} }
            p { {i18n.t("account-member-home-help")} }
            p { a { href: "/support", id: "support-link", {i18n.t("support-title")} } }
            p { a { href: "/account/passkeys", {i18n.t("account-passkeys-link")} } }
            form { method: "post", action: "/logout",
                CsrfInput { csrf }
                button { r#type: "submit", {i18n.t("account-logout")} }
            }
        }
    }
}
