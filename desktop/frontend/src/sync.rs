//! Settings → Sync, wired to the shell's sync commands.

use bloom_core::sync::status::RelayStatus;
use bloom_ui::sync::{DeviceRow, EnrollRequest, PairingCodeView, SyncSettings, SyncState};
use bloom_ui::use_i18n;
use dioxus::prelude::*;
use futures_util::StreamExt;
use serde::{Deserialize, Serialize};

use crate::tauri::{self, NoArgs};

/// Counts batches of changes sync brought from other devices; lists read it
/// so they load again when it moves.
#[derive(Clone, Copy)]
pub struct Received(Signal<u64>);

/// Listens for `sync-received` once, for the whole window.
pub fn provide_received() {
    let mut count = use_context_provider(|| Received(Signal::new(0)));
    use_future(move || async move {
        let mut events = tauri::events::<u64>("sync-received").await;
        while events.next().await.is_some() {
            count.0 += 1;
        }
    });
}

/// The count of batches received so far (0 outside the provider).
pub fn use_received() -> impl Fn() -> u64 + Copy {
    let received = try_use_context::<Received>();
    move || received.map(|r| (r.0)()).unwrap_or(0)
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct EnrollArgs {
    invite_text: String,
    device_name: String,
}

#[derive(Deserialize)]
struct PairingCode {
    text: String,
    expires_ms: i64,
}

#[wasm_bindgen::prelude::wasm_bindgen]
extern "C" {
    #[wasm_bindgen(js_namespace = ["navigator", "clipboard"], js_name = writeText, catch)]
    fn write_clipboard(text: &str) -> Result<js_sys::Promise, wasm_bindgen::JsValue>;
}

/// A time of day in the reader's locale (pairing codes last minutes).
fn local_time(ms: i64, locale: &str) -> String {
    let date = js_sys::Date::new(&wasm_bindgen::JsValue::from_f64(ms as f64));
    date.to_locale_time_string(locale).into()
}

#[component]
pub fn SyncScreen(relay: RelayStatus) -> Element {
    let i18n = use_i18n();
    let mut state = use_signal(|| None::<SyncState>);
    let mut devices = use_signal(Vec::<DeviceRow>::new);
    let mut pairing = use_signal(|| None::<PairingCodeView>);
    let mut error = use_signal(|| None::<String>);
    let mut busy = use_signal(|| false);
    // Bumped to read the state and the device list again.
    let mut refresh = use_signal(|| 0u32);
    // The device list comes from the relay once connected: read it again
    // when the connection state changes.
    let connection = relay.state();
    use_effect(use_reactive!(|connection| {
        let _ = connection;
        refresh.with_mut(|n| *n += 1);
    }));
    use_resource(move || async move {
        refresh();
        match tauri::call::<SyncState>("sync_state", NoArgs {}).await {
            Ok(s) => {
                let enrolled = s.enrolled;
                state.set(Some(s));
                if enrolled {
                    match tauri::call::<Vec<DeviceRow>>("sync_devices", NoArgs {}).await {
                        Ok(d) => devices.set(d),
                        Err(e) => error.set(Some(i18n.error(&e.code, &e.message))),
                    }
                }
            }
            Err(e) => error.set(Some(i18n.error(&e.code, &e.message))),
        }
    });
    rsx! {
        SyncSettings {
            state: state(),
            devices: devices(),
            pairing: pairing(),
            error: error(),
            busy: busy(),
            on_enroll: move |req: EnrollRequest| async move {
                busy.set(true);
                error.set(None);
                let args = EnrollArgs { invite_text: req.invite, device_name: req.device_name };
                match tauri::call::<SyncState>("enroll_device", args).await {
                    Ok(s) => {
                        state.set(Some(s));
                        refresh.with_mut(|n| *n += 1);
                    }
                    Err(e) => error.set(Some(i18n.error(&e.code, &e.message))),
                }
                busy.set(false);
            },
            on_pair: move |_| async move {
                busy.set(true);
                error.set(None);
                match tauri::call::<PairingCode>("pairing_code", NoArgs {}).await {
                    Ok(code) => pairing.set(Some(PairingCodeView {
                        expires: local_time(code.expires_ms, i18n.locale().tag()),
                        text: code.text,
                    })),
                    Err(e) => error.set(Some(i18n.error(&e.code, &e.message))),
                }
                busy.set(false);
            },
            on_copy: move |text: String| async move {
                // Without clipboard access the code can still be selected by hand.
                if let Ok(promise) = write_clipboard(&text) {
                    let _ = wasm_bindgen_futures::JsFuture::from(promise).await;
                }
            },
        }
    }
}
