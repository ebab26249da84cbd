//! Password reset: asking for a link, and choosing a new password.

use dioxus::prelude::*;

use super::form::{CsrfInput, ErrorAlert};
use crate::i18n::use_i18n;

#[component]
pub fn ResetRequestPage(csrf: String, error: Option<String>) -> Element {
    let i18n = use_i18n();
    rsx! {
        main { class: "account",
            h1 { {i18n.t("account-reset-heading")} }
            ErrorAlert { code: error }
            p { {i18n.t("account-reset-help")} }
            form { method: "post", action: "/reset",
                CsrfInput { csrf }
                label { r#for: "email", {i18n.t("account-email")} }
                input { id: "email", name: "email", r#type: "email", autocomplete: "username", required: true }
                button { r#type: "submit", {i18n.t("account-reset-submit")} }
            }
        }
    }
}

#[component]
pub fn ResetPasswordPage(action: String, csrf: String, error: Option<String>) -> Element {
    let i18n = use_i18n();
    rsx! {
        main { class: "account",
            h1 { {i18n.t("account-reset-new-heading")} }
            ErrorAlert { code: error }
            form { method: "post", action: "{action}",
                CsrfInput { csrf }
                label { r#for: "password", {i18n.t("account-new-password")} }
                input { id: "password", name: "password", r#type: "password", autocomplete: "new-password", required: true, minlength: "12", "aria-describedby": "password-rule" }
                p { id: "password-rule", class: "help", {i18n.t("account-password-rule")} }
                label { r#for: "password2", {i18n.t("account-repeat-password")} }
                input { id: "password2", name: "password2", r#type: "password", autocomplete: "new-password", required: true }
                button { r#type: "submit", {i18n.t("account-reset-save")} }
            }
        }
    }
}
