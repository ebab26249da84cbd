//! The bridge to the Tauri shell: commands through `invoke`, pushes through
//! events. Everything else in the frontend goes through these functions.

use bloom_core::sync::status::RelayStatus;
use futures_channel::mpsc;
use wasm_bindgen::prelude::*;

/// The event the shell emits when the relay status changes.
const RELAY_STATUS_EVENT: &str = "relay-status";

#[wasm_bindgen]
extern "C" {
    #[wasm_bindgen(js_namespace = ["window", "__TAURI__", "core"], catch)]
    async fn invoke(cmd: &str, args: JsValue) -> Result<JsValue, JsValue>;

    #[wasm_bindgen(js_namespace = ["window", "__TAURI__", "event"], catch)]
    async fn listen(event: &str, handler: &Closure<dyn FnMut(JsValue)>)
    -> Result<JsValue, JsValue>;
}

/// Why a command failed, as the frontend sees it.
#[derive(Debug)]
pub struct BridgeError(pub String);

fn describe(e: JsValue) -> BridgeError {
    BridgeError(e.as_string().unwrap_or_else(|| format!("{e:?}")))
}

pub async fn relay_status() -> Result<RelayStatus, BridgeError> {
    let value = invoke("relay_status", JsValue::UNDEFINED)
        .await
        .map_err(describe)?;
    serde_wasm_bindgen::from_value(value).map_err(|e| BridgeError(e.to_string()))
}

/// A stream of relay statuses pushed by the shell. If subscribing fails the
/// stream simply ends, and the status bar keeps the last answer it had.
pub async fn relay_status_events() -> mpsc::UnboundedReceiver<RelayStatus> {
    let (tx, rx) = mpsc::unbounded();
    let handler = Closure::<dyn FnMut(JsValue)>::new(move |event: JsValue| {
        let payload = js_sys::Reflect::get(&event, &JsValue::from_str("payload"))
            .unwrap_or(JsValue::UNDEFINED);
        if let Ok(status) = serde_wasm_bindgen::from_value::<RelayStatus>(payload) {
            let _ = tx.unbounded_send(status);
        }
    });
    if listen(RELAY_STATUS_EVENT, &handler).await.is_ok() {
        // The listener lives as long as the window.
        handler.forget();
    }
    rx
}
