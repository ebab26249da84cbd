//! First run: create the vault (name, passphrase with a strength meter), then
//! show the recovery key once and make the user confirm they kept it.

use bloom_core::vault_status::Strength;
use dioxus::prelude::*;

use super::new_passphrase::NewPassphraseFields;
use crate::i18n::use_i18n;

/// What the create form sends.
#[derive(Clone, PartialEq)]
pub struct CreateRequest {
    pub owner: String,
    pub passphrase: String,
}

#[component]
pub fn CreateVaultForm(
    strength: Option<Strength>,
    error: Option<String>,
    busy: bool,
    on_passphrase: EventHandler<String>,
    on_create: EventHandler<CreateRequest>,
    on_restore: EventHandler<()>,
) -> Element {
    let i18n = use_i18n();
    let mut owner = use_signal(String::new);
    let passphrase = use_signal(String::new);
    let confirm = use_signal(String::new);
    let acceptable = strength.as_ref().is_some_and(|s| s.acceptable);
    let matches = !confirm().is_empty() && confirm() == passphrase();
    let ready = acceptable && matches && !owner().trim().is_empty() && !busy;
    rsx! {
        section { class: "onboarding card", id: "onboarding",
            h1 { {i18n.t("onboarding-title")} }
            p { {i18n.t("onboarding-intro")} }
            form {
                onsubmit: move |e| {
                    e.prevent_default();
                    if ready {
                        on_create.call(CreateRequest { owner: owner(), passphrase: passphrase() });
                    }
                },
                label { r#for: "owner", {i18n.t("onboarding-name")} }
                input { id: "owner", r#type: "text", autocomplete: "name", value: "{owner}",
                    oninput: move |e| owner.set(e.value()) }
                NewPassphraseFields {
                    id: "passphrase",
                    label: i18n.t("onboarding-passphrase"),
                    passphrase,
                    confirm,
                    strength: strength.clone(),
                    on_passphrase,
                }
                if let Some(e) = error.as_ref() {
                    p { class: "form-error", id: "onboarding-error", role: "alert", {e.clone()} }
                }
                button { id: "create-vault", r#type: "submit", class: "primary", disabled: !ready,
                    if busy { {i18n.t("onboarding-creating")} } else { {i18n.t("onboarding-create")} }
                }
            }
            button { id: "show-restore", class: "link", onclick: move |_| on_restore.call(()),
                {i18n.t("onboarding-restore-instead")} }
        }
    }
}

/// How many trailing characters of the recovery key the user types back.
pub const CONFIRM_CHARS: usize = 6;

#[component]
pub fn RecoveryKeyStep(recovery_key: String, on_confirmed: EventHandler<()>) -> Element {
    let i18n = use_i18n();
    let mut typed = use_signal(String::new);
    let tail: String = {
        let chars: Vec<char> = recovery_key.chars().collect();
        chars[chars.len().saturating_sub(CONFIRM_CHARS)..]
            .iter()
            .collect()
    };
    let confirmed = typed().trim().eq_ignore_ascii_case(&tail);
    rsx! {
        section { class: "onboarding card", id: "recovery-step",
            h1 { {i18n.t("recovery-title")} }
            p { {i18n.t("recovery-intro")} }
            pre { class: "recovery-key", id: "recovery-key", {recovery_key.clone()} }
            p { class: "warning", {i18n.t("recovery-warning")} }
            label { r#for: "recovery-confirm",
                {i18n.t_args("recovery-confirm-label", &[("count", &CONFIRM_CHARS.to_string())])} }
            input { id: "recovery-confirm", r#type: "text", autocomplete: "off", value: "{typed}",
                oninput: move |e| typed.set(e.value()) }
            button { id: "recovery-done", class: "primary", disabled: !confirmed,
                onclick: move |_| if confirmed { on_confirmed.call(()) },
                {i18n.t("recovery-done")}
            }
        }
    }
}

/// What the restore form sends.
#[derive(Clone, PartialEq)]
pub struct RestoreRequest {
    pub archive: String,
    /// A recovery key (`AGE-SECRET-KEY-…`) or the backup's passphrase.
    pub secret: String,
    pub new_passphrase: String,
}

#[component]
pub fn RestoreForm(
    error: Option<String>,
    busy: bool,
    percent: Option<u8>,
    on_restore: EventHandler<RestoreRequest>,
    on_cancel: EventHandler<()>,
) -> Element {
    let i18n = use_i18n();
    let mut archive = use_signal(String::new);
    let mut secret = use_signal(String::new);
    let mut new_passphrase = use_signal(String::new);
    let ready = !archive().trim().is_empty()
        && !secret().is_empty()
        && !new_passphrase().is_empty()
        && !busy;
    rsx! {
        section { class: "onboarding card", id: "restore",
            h1 { {i18n.t("restore-title")} }
            p { {i18n.t("restore-intro")} }
            label { r#for: "restore-archive", {i18n.t("restore-archive")} }
            input { id: "restore-archive", r#type: "text", value: "{archive}", oninput: move |e| archive.set(e.value()) }
            label { r#for: "restore-secret", {i18n.t("restore-secret")} }
            input { id: "restore-secret", r#type: "password", value: "{secret}", oninput: move |e| secret.set(e.value()) }
            label { r#for: "restore-passphrase", {i18n.t("restore-new-passphrase")} }
            input { id: "restore-passphrase", r#type: "password", value: "{new_passphrase}",
                oninput: move |e| new_passphrase.set(e.value()) }
            if let Some(p) = percent {
                progress { id: "restore-progress", max: "100", value: "{p}" }
            }
            if let Some(e) = error.as_ref() {
                p { class: "form-error", role: "alert", {e.clone()} }
            }
            div { class: "actions",
                button { id: "restore-start", class: "primary", disabled: !ready,
                    onclick: move |_| if ready {
                        on_restore.call(RestoreRequest {
                            archive: archive(), secret: secret(), new_passphrase: new_passphrase(),
                        })
                    },
                    {i18n.t("restore-start")}
                }
                button { class: "link", onclick: move |_| on_cancel.call(()), {i18n.t("restore-cancel")} }
            }
        }
    }
}
