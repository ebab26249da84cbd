use bloom_core::vault_status::Strength;
use dioxus::prelude::*;

use crate::i18n::use_i18n;

/// Five bars filled by the passphrase's score, with hints below.
#[component]
pub fn StrengthMeter(strength: Option<Strength>) -> Element {
    let i18n = use_i18n();
    let score = strength.as_ref().map(|s| s.score).unwrap_or(0);
    let label = match (strength.as_ref(), score) {
        (None, _) => i18n.t("strength-empty"),
        (Some(s), _) if s.acceptable => i18n.t("strength-good"),
        (Some(_), 0 | 1) => i18n.t("strength-weak"),
        (Some(_), _) => i18n.t("strength-fair"),
    };
    let acceptable = strength.as_ref().is_some_and(|s| s.acceptable);
    rsx! {
        div { class: "strength", id: "strength-meter", "data-score": "{score}",
            "data-acceptable": if acceptable { "true" } else { "false" },
            div { class: "strength-bars", "aria-hidden": "true",
                for i in 0..5u8 {
                    span { key: "{i}", class: if i <= score && strength.is_some() { "bar on" } else { "bar" } }
                }
            }
            p { class: "strength-label", role: "status", {label} }
            if let Some(s) = strength.as_ref() {
                ul { class: "strength-hints",
                    for (i, hint) in s.hints.iter().enumerate() {
                        li { key: "{i}", {hint.clone()} }
                    }
                }
            }
            p { class: "strength-rule", {i18n.t("strength-rule")} }
        }
    }
}
