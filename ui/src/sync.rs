//! Settings → Sync: enroll this device with an invite or pairing code, add
//! another device with a pairing code, and see the practice's devices.
//! Presentational: the desktop frontend wires the callbacks to commands.

use dioxus::prelude::*;
use serde::Deserialize;

use crate::i18n::use_i18n;

/// Where this device stands (the `sync_state` command).
#[derive(Clone, Debug, Default, PartialEq, Deserialize)]
pub struct SyncState {
    pub enrolled: bool,
    pub device_id: Option<String>,
    pub device_name: Option<String>,
    pub member: Option<String>,
    pub practice: Option<String>,
    pub relay: Option<String>,
}

/// A device of the practice (the `sync_devices` command).
#[derive(Clone, Debug, PartialEq, Deserialize)]
pub struct DeviceRow {
    pub id: String,
    pub name: String,
    pub member: String,
    pub enrolled_ms: i64,
    pub revoked: bool,
    pub this_device: bool,
}

/// A pairing code to show, with its expiry already formatted for the reader.
#[derive(Clone, Debug, PartialEq)]
pub struct PairingCodeView {
    pub text: String,
    pub expires: String,
}

/// What the enroll form sends.
#[derive(Clone, Debug, PartialEq)]
pub struct EnrollRequest {
    pub invite: String,
    pub device_name: String,
}

/// The Sync block of Settings.
///
/// Element ids:
/// - not enrolled: `sync-enroll-form`, `sync-invite`, `sync-device-name`,
///   `sync-enroll`, `sync-error`;
/// - enrolled: `sync-practice`, `sync-this-device`, `sync-pair`,
///   `sync-pairing` (with `sync-pairing-code`, `sync-copy`,
///   `sync-pairing-expires`), `sync-devices` (rows `.sync-device` with
///   `data-this-device` and `data-revoked`), `sync-error`.
#[component]
pub fn SyncSettings(
    state: Option<SyncState>,
    devices: Vec<DeviceRow>,
    pairing: Option<PairingCodeView>,
    error: Option<String>,
    busy: bool,
    on_enroll: EventHandler<EnrollRequest>,
    on_pair: EventHandler<()>,
    on_copy: EventHandler<String>,
) -> Element {
    let i18n = use_i18n();
    let error = error.map(|e| rsx! { p { class: "error", id: "sync-error", role: "alert", {e} } });
    let body = match state {
        None => rsx! { p { class: "empty-state", "…" } },
        Some(s) if !s.enrolled => rsx! {
            p { {i18n.t("sync-help")} }
            EnrollForm { busy, on_enroll }
        },
        Some(s) => {
            let practice = s.practice.clone().unwrap_or_default();
            let name = s.device_name.clone().unwrap_or_default();
            let member = s.member.clone().unwrap_or_default();
            rsx! {
                p { id: "sync-practice",
                    {i18n.t_args("sync-practice", &[("practice", practice.as_str()), ("relay", s.relay.as_deref().unwrap_or(""))])} }
                p { id: "sync-this-device",
                    {i18n.t_args("sync-this-device", &[("name", name.as_str()), ("member", member.as_str())])} }
                h3 { {i18n.t("sync-add-device")} }
                p { {i18n.t("sync-add-device-help")} }
                button { id: "sync-pair", disabled: busy, onclick: move |_| on_pair.call(()),
                    {i18n.t("sync-add-device-button")} }
                if let Some(code) = pairing {
                    PairingCodeBlock { code, on_copy }
                }
                h3 { {i18n.t("sync-devices")} }
                DeviceList { devices }
            }
        }
    };
    rsx! {
        section { class: "settings-block", id: "settings-sync",
            h2 { {i18n.t("sync-title")} }
            {body}
            {error}
        }
    }
}

#[component]
fn EnrollForm(busy: bool, on_enroll: EventHandler<EnrollRequest>) -> Element {
    let i18n = use_i18n();
    let mut invite = use_signal(String::new);
    let mut name = use_signal(String::new);
    let ready = !busy && !invite().trim().is_empty() && !name().trim().is_empty();
    rsx! {
        div { id: "sync-enroll-form",
            label { r#for: "sync-invite", {i18n.t("sync-invite-label")} }
            textarea { id: "sync-invite", class: "sync-code-input", rows: "3", spellcheck: "false",
                autocomplete: "off", placeholder: "bloom-invite:1?…", value: "{invite}",
                oninput: move |e| invite.set(e.value()) }
            label { r#for: "sync-device-name", {i18n.t("sync-device-name-label")} }
            input { id: "sync-device-name", r#type: "text", autocomplete: "off",
                placeholder: i18n.t("sync-device-name-placeholder"), value: "{name}",
                oninput: move |e| name.set(e.value()) }
            button { id: "sync-enroll", class: "primary", disabled: !ready,
                onclick: move |_| if ready {
                    on_enroll.call(EnrollRequest { invite: invite(), device_name: name().trim().to_owned() });
                },
                if busy { {i18n.t("sync-enrolling")} } else { {i18n.t("sync-enroll")} }
            }
        }
    }
}

#[component]
fn PairingCodeBlock(code: PairingCodeView, on_copy: EventHandler<String>) -> Element {
    let i18n = use_i18n();
    let text = code.text.clone();
    rsx! {
        div { id: "sync-pairing", class: "sync-pairing",
            p { {i18n.t("sync-pairing-paste")} }
            code { id: "sync-pairing-code", class: "sync-code", {code.text.clone()} }
            div { class: "row",
                button { id: "sync-copy", onclick: move |_| on_copy.call(text.clone()),
                    {i18n.t("sync-copy")} }
                span { id: "sync-pairing-expires", class: "muted",
                    {i18n.t_args("sync-pairing-expires", &[("time", code.expires.as_str())])} }
            }
        }
    }
}

#[component]
fn DeviceList(devices: Vec<DeviceRow>) -> Element {
    let i18n = use_i18n();
    if devices.is_empty() {
        return rsx! { p { class: "empty-state", id: "sync-devices", {i18n.t("sync-devices-none")} } };
    }
    rsx! {
        table { id: "sync-devices", class: "sync-devices",
            thead {
                tr {
                    th { {i18n.t("sync-device-name")} }
                    th { {i18n.t("sync-device-member")} }
                    th { {i18n.t("sync-device-state")} }
                }
            }
            tbody {
                for d in devices {
                    tr { key: "{d.id}", class: "sync-device",
                        "data-this-device": "{d.this_device}", "data-revoked": "{d.revoked}",
                        td { {d.name.clone()} }
                        td { {d.member.clone()} }
                        td {
                            if d.revoked {
                                {i18n.t("sync-device-revoked")}
                            } else if d.this_device {
                                {i18n.t("sync-device-this")}
                            } else {
                                {i18n.t("sync-device-active")}
                            }
                        }
                    }
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Clone, PartialEq)]
    struct Shown {
        state: SyncState,
        devices: Vec<DeviceRow>,
        pairing: Option<PairingCodeView>,
    }

    fn render(
        state: SyncState,
        devices: Vec<DeviceRow>,
        pairing: Option<PairingCodeView>,
    ) -> String {
        let mut dom = VirtualDom::new_with_props(
            |p: Shown| {
                rsx! {
                    SyncSettings {
                        state: Some(p.state),
                        devices: p.devices,
                        pairing: p.pairing,
                        error: None,
                        busy: false,
                        on_enroll: |_| {},
                        on_pair: |_| {},
                        on_copy: |_| {},
                    }
                }
            },
            Shown {
                state,
                devices,
                pairing,
            },
        );
        dom.rebuild_in_place();
        dioxus_ssr::render(&dom)
    }

    #[test]
    fn not_enrolled_shows_the_enroll_form() {
        let html = render(SyncState::default(), vec![], None);
        for id in ["sync-invite", "sync-device-name", "sync-enroll"] {
            assert!(html.contains(&format!(r#"id="{id}""#)), "{html}");
        }
        assert!(!html.contains("sync-pair"), "{html}");
        assert!(html.contains("Paste the invite or pairing code"), "{html}");
    }

    #[test]
    fn enrolled_shows_the_practice_the_pairing_code_and_the_devices() {
        let state = SyncState {
            enrolled: true,
            device_id: Some("a1".into()),
            device_name: Some("Office laptop".into()),
            member: Some("dr-rivera".into()),
            practice: Some("Demo Practice".into()),
            relay: Some("127.0.0.1:4433".into()),
        };
        let devices = vec![
            DeviceRow {
                id: "a1".into(),
                name: "Office laptop".into(),
                member: "dr-rivera".into(),
                enrolled_ms: 1,
                revoked: false,
                this_device: true,
            },
            DeviceRow {
                id: "b2".into(),
                name: "Old phone".into(),
                member: "dr-rivera".into(),
                enrolled_ms: 2,
                revoked: true,
                this_device: false,
            },
        ];
        let pairing = PairingCodeView {
            text: "bloom-invite:1?relay=x".into(),
            expires: "10:15".into(),
        };
        let html = render(state, devices, Some(pairing));
        assert!(html.contains("Demo Practice"), "{html}");
        assert!(html.contains(r#"id="sync-pairing-code""#), "{html}");
        assert!(html.contains("bloom-invite:1?relay=x"), "{html}");
        assert!(html.contains("15 minutes"), "{html}");
        assert!(html.contains("10:15"), "{html}");
        assert!(html.contains(r#"data-this-device="true""#), "{html}");
        assert!(html.contains(r#"data-revoked="true""#), "{html}");
        assert!(html.contains("Removed"), "{html}");
    }
}
