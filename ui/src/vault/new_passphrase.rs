//! Choosing a passphrase: the field, the strength meter and the confirmation,
//! as onboarding and Settings both ask for it.

use bloom_core::vault_status::Strength;
use dioxus::prelude::*;

use super::strength_meter::StrengthMeter;
use crate::i18n::use_i18n;

/// `id` names the first field; the confirmation is `{id}-confirm`. The caller
/// owns the two values and is told each time the passphrase changes (to ask
/// for its strength).
#[component]
pub fn NewPassphraseFields(
    id: &'static str,
    label: String,
    passphrase: Signal<String>,
    confirm: Signal<String>,
    strength: Option<Strength>,
    on_passphrase: EventHandler<String>,
) -> Element {
    let i18n = use_i18n();
    let mismatch = !confirm().is_empty() && confirm() != passphrase();
    rsx! {
        label { r#for: id, {label} }
        input { id, r#type: "password", autocomplete: "new-password", value: "{passphrase}",
            oninput: move |e| {
                passphrase.set(e.value());
                on_passphrase.call(e.value());
            }
        }
        StrengthMeter { strength }
        label { r#for: "{id}-confirm", {i18n.t("onboarding-confirm")} }
        input { id: "{id}-confirm", r#type: "password", autocomplete: "new-password", value: "{confirm}",
            oninput: move |e| confirm.set(e.value()) }
        if mismatch {
            p { class: "field-error", {i18n.t("onboarding-mismatch")} }
        }
    }
}
