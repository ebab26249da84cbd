use bloom_core::vault_status::Strength;
use dioxus::prelude::*;

use super::new_passphrase::NewPassphraseFields;
use crate::i18n::use_i18n;

/// What the change-passphrase form sends.
#[derive(Clone, PartialEq)]
pub struct PassphraseChange {
    pub current: String,
    pub new: String,
}

/// The vault part of Settings: idle auto-lock and backups.
#[component]
pub fn VaultSettings(
    idle_minutes: u32,
    message: Option<String>,
    backup_percent: Option<u8>,
    strength: Option<Strength>,
    on_idle: EventHandler<u32>,
    on_backup: EventHandler<String>,
    on_new_passphrase: EventHandler<String>,
    on_change_passphrase: EventHandler<PassphraseChange>,
) -> Element {
    let i18n = use_i18n();
    let mut minutes = use_signal(move || idle_minutes.to_string());
    let mut path = use_signal(String::new);
    let parsed = minutes()
        .trim()
        .parse::<u32>()
        .ok()
        .filter(|m| (1..=240).contains(m));
    let mut current = use_signal(String::new);
    let mut new = use_signal(String::new);
    let mut confirm = use_signal(String::new);
    let can_change = !current().is_empty()
        && new() == confirm()
        && strength.as_ref().is_some_and(|s| s.acceptable);
    rsx! {
        section { class: "settings-block", id: "settings-vault",
            h2 { {i18n.t("settings-lock")} }
            label { r#for: "idle-minutes", {i18n.t("settings-idle-minutes")} }
            div { class: "row",
                input { id: "idle-minutes", r#type: "number", min: "1", max: "240", value: "{minutes}",
                    oninput: move |e| minutes.set(e.value()) }
                button { id: "idle-save", disabled: parsed.is_none(),
                    onclick: move |_| if let Some(m) = parsed { on_idle.call(m) },
                    {i18n.t("settings-save")} }
            }
            h2 { {i18n.t("settings-backup")} }
            p { {i18n.t("settings-backup-help")} }
            label { r#for: "backup-path", {i18n.t("settings-backup-path")} }
            div { class: "row",
                input { id: "backup-path", r#type: "text", value: "{path}", oninput: move |e| path.set(e.value()) }
                button { id: "backup-start", disabled: path().trim().is_empty(),
                    onclick: move |_| on_backup.call(path().trim().to_owned()),
                    {i18n.t("settings-backup-start")} }
            }
            if let Some(p) = backup_percent {
                progress { id: "backup-progress", max: "100", value: "{p}" }
            }
            h2 { {i18n.t("settings-passphrase")} }
            label { r#for: "current-passphrase", {i18n.t("settings-passphrase-current")} }
            input { id: "current-passphrase", r#type: "password", autocomplete: "current-password",
                value: "{current}", oninput: move |e| current.set(e.value()) }
            NewPassphraseFields {
                id: "new-passphrase",
                label: i18n.t("settings-passphrase-new"),
                passphrase: new,
                confirm,
                strength: strength.clone(),
                on_passphrase: on_new_passphrase,
            }
            button { id: "passphrase-change", disabled: !can_change,
                onclick: move |_| if can_change {
                    on_change_passphrase.call(PassphraseChange { current: current(), new: new() });
                    current.set(String::new());
                    new.set(String::new());
                    confirm.set(String::new());
                },
                {i18n.t("settings-passphrase-change")}
            }
            if let Some(m) = message.as_ref() {
                p { class: "notice", id: "settings-message", role: "status", {m.clone()} }
            }
        }
    }
}
