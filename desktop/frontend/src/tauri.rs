//! The bridge to the Tauri shell: commands through `invoke`, pushes through
//! events. Everything else in the frontend goes through these functions.

use futures_channel::mpsc;
use serde::Serialize;
use serde::de::DeserializeOwned;
use wasm_bindgen::prelude::*;

#[wasm_bindgen]
extern "C" {
    #[wasm_bindgen(js_namespace = ["window", "__TAURI__", "core"], catch)]
    async fn invoke(cmd: &str, args: JsValue) -> Result<JsValue, JsValue>;

    #[wasm_bindgen(js_namespace = ["window", "__TAURI__", "event"], catch)]
    async fn listen(event: &str, handler: &Closure<dyn FnMut(JsValue)>)
    -> Result<JsValue, JsValue>;
}

/// A failed command: the shell's stable code and a message safe to show.
#[derive(Clone, Debug, PartialEq, serde::Deserialize)]
pub struct CommandError {
    pub code: String,
    pub message: String,
}

fn bridge_error(message: String) -> CommandError {
    CommandError {
        code: "internal".into(),
        message,
    }
}

/// Calls a command. `args` is an object whose keys are the command's
/// parameters in camelCase (Tauri's convention).
pub async fn call<T: DeserializeOwned>(cmd: &str, args: impl Serialize) -> Result<T, CommandError> {
    let args = serde_wasm_bindgen::to_value(&args).map_err(|e| bridge_error(e.to_string()))?;
    match invoke(cmd, args).await {
        Ok(value) => serde_wasm_bindgen::from_value(value).map_err(|e| bridge_error(e.to_string())),
        Err(e) => Err(serde_wasm_bindgen::from_value(e.clone())
            .unwrap_or_else(|_| bridge_error(e.as_string().unwrap_or_else(|| format!("{e:?}"))))),
    }
}

/// A stream of an event's payloads. If subscribing fails the stream ends and
/// the screen keeps what it last knew.
pub async fn events<T: DeserializeOwned + 'static>(name: &str) -> mpsc::UnboundedReceiver<T> {
    let (tx, rx) = mpsc::unbounded();
    let handler = Closure::<dyn FnMut(JsValue)>::new(move |event: JsValue| {
        let payload = js_sys::Reflect::get(&event, &JsValue::from_str("payload"))
            .unwrap_or(JsValue::UNDEFINED);
        if let Ok(value) = serde_wasm_bindgen::from_value::<T>(payload) {
            let _ = tx.unbounded_send(value);
        }
    });
    if listen(name, &handler).await.is_ok() {
        // The listener lives as long as the window.
        handler.forget();
    }
    rx
}

/// No arguments.
#[derive(Serialize)]
pub struct NoArgs {}
