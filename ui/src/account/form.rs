//! Pieces every account form shares.

use dioxus::prelude::*;

use crate::i18n::use_i18n;

/// The hidden CSRF field every form carries.
#[component]
pub fn CsrfInput(csrf: String) -> Element {
    rsx! { input { r#type: "hidden", name: "_csrf", value: "{csrf}" } }
}

/// An error, announced to screen readers, with its stable code for tests and tools.
#[component]
pub fn ErrorAlert(code: Option<String>) -> Element {
    let i18n = use_i18n();
    let Some(code) = code else {
        return rsx! {};
    };
    let text = i18n.error(&code, &i18n.t("error-internal"));
    rsx! { p { class: "alert", role: "alert", "data-code": "{code}", {text} } }
}
