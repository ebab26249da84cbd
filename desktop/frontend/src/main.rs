//! The desktop app's frontend. It holds no business logic: it shows what the
//! Tauri commands return and sends what the user does back to them.

mod calendar;
mod clients;
mod portal;
mod screens;
mod search;
mod sync;
mod tauri;

use bloom_core::sync::status::RelayStatus;
use bloom_core::vault_status::{VaultState, VaultStatus};
use bloom_ui::{I18n, I18nProvider, Locale};
use dioxus::prelude::*;
use futures_util::StreamExt;

fn main() {
    dioxus::launch(App);
}

#[component]
fn App() -> Element {
    let mut vault = use_signal(|| None::<VaultStatus>);
    let mut relay = use_signal(|| RelayStatus::Connecting {
        relay: String::new(),
    });
    // Set while onboarding shows the recovery key, even though the vault is
    // already unlocked underneath.
    let recovery = use_signal(|| None::<String>);
    sync::provide_received();

    // The shell pushes every change as an event; ask once at start so the
    // screens are right before the first change arrives.
    use_future(move || async move {
        let mut changes = tauri::events::<VaultStatus>("vault-status").await;
        if let Ok(status) = tauri::call::<VaultStatus>("vault_status", tauri::NoArgs {}).await {
            vault.set(Some(status));
        }
        while let Some(status) = changes.next().await {
            vault.set(Some(status));
        }
    });
    use_future(move || async move {
        let mut changes = tauri::events::<RelayStatus>("relay-status").await;
        if let Ok(status) = tauri::call::<RelayStatus>("relay_status", tauri::NoArgs {}).await {
            relay.set(status);
        }
        while let Some(status) = changes.next().await {
            relay.set(status);
        }
    });

    let screen = match (vault(), recovery()) {
        (_, Some(key)) => rsx! { screens::RecoveryScreen { recovery_key: key, recovery, vault } },
        (None, None) => rsx! { p { class: "loading", "…" } },
        (Some(status), None) => match status.state {
            VaultState::NoVault => rsx! { screens::OnboardingScreen { recovery, vault } },
            VaultState::Locked => rsx! { screens::UnlockScreen { keychain: status.keychain } },
            VaultState::Unlocked => rsx! {
                screens::MainScreen { relay: relay(), idle_minutes: status.idle_minutes }
            },
        },
    };
    rsx! {
        I18nProvider { i18n: I18n::new(Locale::En), {screen} }
    }
}
