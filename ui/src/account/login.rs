//! Signing in: email and password, then a one-time or recovery code.

use dioxus::prelude::*;

use super::form::{CsrfInput, ErrorAlert};
use super::passkey::PasskeyLogin;
use crate::i18n::use_i18n;

#[component]
pub fn LoginPage(csrf: String, email: String, error: Option<String>) -> Element {
    let i18n = use_i18n();
    rsx! {
        main { class: "account",
            h1 { {i18n.t("account-login-heading")} }
            ErrorAlert { code: error }
            form { method: "post", action: "/login",
                CsrfInput { csrf: csrf.clone() }
                label { r#for: "email", {i18n.t("account-email")} }
                input { id: "email", name: "email", r#type: "email", autocomplete: "username", required: true, value: "{email}" }
                label { r#for: "password", {i18n.t("account-password")} }
                input { id: "password", name: "password", r#type: "password", autocomplete: "current-password", required: true }
                button { r#type: "submit", {i18n.t("account-login-submit")} }
            }
            PasskeyLogin { csrf }
            p { a { href: "/reset", {i18n.t("account-login-forgot")} } }
        }
    }
}

#[component]
pub fn LoginTotpPage(csrf: String, error: Option<String>) -> Element {
    let i18n = use_i18n();
    rsx! {
        main { class: "account",
            h1 { {i18n.t("account-totp-heading")} }
            ErrorAlert { code: error }
            p { {i18n.t("account-totp-help")} }
            form { method: "post", action: "/login/totp",
                CsrfInput { csrf: csrf.clone() }
                label { r#for: "code", {i18n.t("account-totp-code")} }
                input { id: "code", name: "code", autocomplete: "one-time-code", required: true }
                button { r#type: "submit", {i18n.t("account-totp-submit")} }
            }
            form { method: "post", action: "/logout",
                CsrfInput { csrf }
                button { r#type: "submit", class: "secondary", {i18n.t("account-logout")} }
            }
        }
    }
}
