//! Passkeys: the list on `/account/passkeys` and the sign-in button on `/login`.
//! The buttons stay hidden until `/assets/passkey.js` finds WebAuthn in the
//! browser; without JavaScript the pages still list and remove passkeys.

use dioxus::prelude::*;

use super::form::{CsrfInput, ErrorAlert};
use crate::i18n::use_i18n;

/// The script that runs the WebAuthn ceremonies (no inline script: strict CSP).
pub const PASSKEY_SCRIPT: &str = "/assets/passkey.js";

/// One passkey as listed.
#[derive(Clone, Debug, PartialEq)]
pub struct PasskeyRow {
    /// base64url credential id (used in the remove form's action).
    pub id: String,
    pub name: String,
    pub created: String,
    pub last_used: Option<String>,
}

#[component]
pub fn PasskeysPage(csrf: String, passkeys: Vec<PasskeyRow>, error: Option<String>) -> Element {
    let i18n = use_i18n();
    rsx! {
        main { class: "account",
            h1 { {i18n.t("account-passkeys-heading")} }
            ErrorAlert { code: error }
            p { {i18n.t("account-passkeys-help")} }
            if passkeys.is_empty() {
                p { id: "passkeys-none", {i18n.t("account-passkeys-none")} }
            } else {
                ul { id: "passkeys",
                    for p in passkeys {
                        li { key: "{p.id}", class: "passkey",
                            span { class: "passkey-name", "{p.name}" }
                            " "
                            span { class: "help",
                                {i18n.t_args("account-passkeys-added", &[("when", p.created.as_str())])}
                                if let Some(used) = &p.last_used {
                                    " "
                                    {i18n.t_args("account-passkeys-used", &[("when", used.as_str())])}
                                }
                            }
                            form { method: "post", action: "/account/passkeys/{p.id}/remove",
                                CsrfInput { csrf: csrf.clone() }
                                button { r#type: "submit", class: "secondary",
                                    "aria-label": i18n.t_args("account-passkeys-remove-named", &[("name", p.name.as_str())]),
                                    {i18n.t("account-passkeys-remove")}
                                }
                            }
                        }
                    }
                }
            }
            div { id: "passkey-add", hidden: true, "data-csrf": "{csrf}",
                label { r#for: "passkey-name", {i18n.t("account-passkeys-name")} }
                input { id: "passkey-name", name: "name", maxlength: "60", autocomplete: "off" }
                button { r#type: "button", id: "passkey-add-button", {i18n.t("account-passkeys-add")} }
                p { id: "passkey-error", class: "alert", role: "alert", hidden: true, "data-code": "account.passkey_invalid",
                    {i18n.t("error-account-passkey-invalid")}
                }
            }
            p { a { href: "/home", {i18n.t("account-continue")} } }
            script { src: PASSKEY_SCRIPT, defer: true }
        }
    }
}

/// The "Sign in with a passkey" block of the sign-in page.
#[component]
pub fn PasskeyLogin(csrf: String) -> Element {
    let i18n = use_i18n();
    rsx! {
        div { id: "passkey-login", hidden: true, "data-csrf": "{csrf}",
            button { r#type: "button", id: "passkey-login-button", class: "secondary",
                {i18n.t("account-passkey-login")}
            }
            p { id: "passkey-error", class: "alert", role: "alert", hidden: true, "data-code": "account.passkey_invalid",
                {i18n.t("error-account-passkey-invalid")}
            }
        }
        script { src: PASSKEY_SCRIPT, defer: true }
    }
}
