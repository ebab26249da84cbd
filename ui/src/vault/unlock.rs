use dioxus::prelude::*;

use crate::i18n::use_i18n;

#[component]
pub fn UnlockForm(
    error: Option<String>,
    busy: bool,
    keychain: bool,
    on_unlock: EventHandler<String>,
    on_keychain: EventHandler<()>,
) -> Element {
    let i18n = use_i18n();
    let mut passphrase = use_signal(String::new);
    rsx! {
        section { class: "unlock card", id: "unlock",
            h1 { {i18n.t("unlock-title")} }
            p { {i18n.t("unlock-intro")} }
            form {
                onsubmit: move |e| {
                    e.prevent_default();
                    if !passphrase().is_empty() && !busy {
                        on_unlock.call(passphrase());
                        passphrase.set(String::new());
                    }
                },
                label { r#for: "unlock-passphrase", {i18n.t("unlock-passphrase")} }
                input { id: "unlock-passphrase", r#type: "password", autocomplete: "current-password",
                    autofocus: true, value: "{passphrase}", oninput: move |e| passphrase.set(e.value()) }
                if let Some(e) = error.as_ref() {
                    p { class: "form-error", id: "unlock-error", role: "alert", {e.clone()} }
                }
                button { id: "unlock-submit", r#type: "submit", class: "primary", disabled: busy,
                    {i18n.t("unlock-submit")} }
            }
            if keychain {
                button { id: "unlock-keychain", class: "link", onclick: move |_| on_keychain.call(()),
                    {i18n.t("unlock-keychain")} }
            }
        }
    }
}
