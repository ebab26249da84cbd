//! The desktop app's frontend. It holds no business logic: it shows what the
//! Tauri commands return and sends what the user does back to them.

mod tauri;

use bloom_core::Code;
use bloom_core::sync::status::RelayStatus;
use bloom_ui::shell::{AppShell, Section, SectionPage};
use bloom_ui::{I18n, I18nProvider, Locale};
use dioxus::prelude::*;
use futures_util::StreamExt;

fn main() {
    dioxus::launch(App);
}

#[component]
fn App() -> Element {
    let mut section = use_signal(|| Section::Today);
    let mut relay = use_signal(|| RelayStatus::Connecting {
        relay: String::new(),
    });

    // The shell pushes every status change as an event; ask once at start so
    // the bar is right before the first change arrives.
    use_future(move || async move {
        let mut changes = tauri::relay_status_events().await;
        match tauri::relay_status().await {
            Ok(status) => relay.set(status),
            Err(e) => {
                web_sys::console::warn_1(&format!("relay_status failed: {}", e.0).into());
                relay.set(RelayStatus::Offline {
                    relay: String::new(),
                    code: Code::Internal,
                });
            }
        }
        while let Some(status) = changes.next().await {
            relay.set(status);
        }
    });

    rsx! {
        I18nProvider { i18n: I18n::new(Locale::En),
            AppShell {
                active: section(),
                on_navigate: move |s| section.set(s),
                relay: relay(),
                SectionPage { section: section() }
            }
        }
    }
}
