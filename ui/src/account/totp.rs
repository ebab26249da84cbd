//! Setting up a one-time-code app, and the recovery codes shown once after.

use dioxus::prelude::*;

use super::form::{CsrfInput, ErrorAlert};
use crate::i18n::use_i18n;

/// `qr_svg` is an SVG the server drew from the URI (no script, no outside data).
#[component]
pub fn TotpSetupPage(
    csrf: String,
    secret: String,
    uri: String,
    qr_svg: String,
    error: Option<String>,
) -> Element {
    let i18n = use_i18n();
    rsx! {
        main { class: "account",
            h1 { {i18n.t("account-totp-setup-heading")} }
            ErrorAlert { code: error }
            p { {i18n.t("account-totp-setup-help")} }
            div { class: "qr", role: "img", "aria-label": i18n.t("account-totp-qr-label"), dangerous_inner_html: "{qr_svg}" }
            dl {
                dt { {i18n.t("account-totp-secret")} }
                dd { code { id: "totp-secret", {secret} } }
                dt { {i18n.t("account-totp-uri")} }
                dd { code { id: "totp-uri", {uri} } }
            }
            form { method: "post", action: "/account/totp",
                CsrfInput { csrf }
                label { r#for: "code", {i18n.t("account-totp-code")} }
                input { id: "code", name: "code", autocomplete: "one-time-code", inputmode: "numeric", required: true }
                button { r#type: "submit", {i18n.t("account-totp-confirm")} }
            }
        }
    }
}

#[component]
pub fn RecoveryCodesPage(codes: Vec<String>, next: String) -> Element {
    let i18n = use_i18n();
    rsx! {
        main { class: "account",
            h1 { {i18n.t("account-recovery-heading")} }
            p { {i18n.t("account-recovery-help")} }
            ul { id: "recovery-codes", class: "codes",
                for code in codes {
                    li { code { {code} } }
                }
            }
            p { a { href: "{next}", {i18n.t("account-continue")} } }
        }
    }
}
