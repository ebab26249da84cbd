//! Signing up with an invite link.

use dioxus::prelude::*;

use super::form::{CsrfInput, ErrorAlert};
use crate::i18n::use_i18n;

#[component]
pub fn SignupPage(
    action: String,
    csrf: String,
    email: String,
    display_name: String,
    error: Option<String>,
) -> Element {
    let i18n = use_i18n();
    rsx! {
        main { class: "account",
            h1 { {i18n.t("account-signup-heading")} }
            ErrorAlert { code: error }
            form { method: "post", action: "{action}",
                CsrfInput { csrf }
                label { r#for: "email", {i18n.t("account-email")} }
                input { id: "email", name: "email", r#type: "email", autocomplete: "username", required: true, value: "{email}" }
                label { r#for: "display_name", {i18n.t("account-display-name")} }
                input { id: "display_name", name: "display_name", autocomplete: "name", required: true, value: "{display_name}" }
                label { r#for: "password", {i18n.t("account-new-password")} }
                input { id: "password", name: "password", r#type: "password", autocomplete: "new-password", required: true, minlength: "12", "aria-describedby": "password-rule" }
                p { id: "password-rule", class: "help", {i18n.t("account-password-rule")} }
                label { r#for: "password2", {i18n.t("account-repeat-password")} }
                input { id: "password2", name: "password2", r#type: "password", autocomplete: "new-password", required: true }
                button { r#type: "submit", {i18n.t("account-signup-submit")} }
            }
        }
    }
}
