//! Screens: each wires a bloom-ui component to the commands behind it.

use bloom_core::sync::status::RelayStatus;
use bloom_core::vault_status::{Progress, Strength, VaultStatus};
use bloom_ui::shell::{AppShell, Section, SectionPage};
use bloom_ui::use_i18n;
use bloom_ui::vault::onboarding::{
    CreateRequest, CreateVaultForm, RecoveryKeyStep, RestoreForm, RestoreRequest,
};
use bloom_ui::vault::settings::{PassphraseChange, VaultSettings};
use bloom_ui::vault::unlock::UnlockForm;
use dioxus::prelude::*;
use futures_util::StreamExt;
use serde::{Deserialize, Serialize};

use crate::tauri::{self, NoArgs};

#[derive(Serialize)]
struct PassphraseArgs {
    passphrase: String,
}

#[derive(Serialize)]
struct CreateArgs {
    owner: String,
    passphrase: String,
}

#[derive(Deserialize)]
struct Created {
    recovery_key: String,
}

#[component]
pub fn OnboardingScreen(
    recovery: Signal<Option<String>>,
    vault: Signal<Option<VaultStatus>>,
) -> Element {
    let i18n = use_i18n();
    let mut strength = use_signal(|| None::<Strength>);
    let mut error = use_signal(|| None::<String>);
    let mut busy = use_signal(|| false);
    let mut restoring = use_signal(|| false);
    if restoring() {
        return rsx! { RestoreScreen { on_cancel: move |_| restoring.set(false), vault } };
    }
    rsx! {
        div { class: "centered",
            CreateVaultForm {
                strength: strength(),
                error: error(),
                busy: busy(),
                on_passphrase: move |p: String| async move {
                    let s = tauri::call::<Strength>("passphrase_strength", PassphraseArgs { passphrase: p }).await;
                    strength.set(s.ok());
                },
                on_create: move |req: CreateRequest| async move {
                    busy.set(true);
                    error.set(None);
                    let args = CreateArgs { owner: req.owner, passphrase: req.passphrase };
                    match tauri::call::<Created>("create_vault", args).await {
                        Ok(created) => recovery.set(Some(created.recovery_key)),
                        Err(e) => error.set(Some(i18n.error(&e.code, &e.message))),
                    }
                    busy.set(false);
                },
                on_restore: move |_| restoring.set(true),
            }
        }
    }
}

#[component]
pub fn RecoveryScreen(
    recovery_key: String,
    recovery: Signal<Option<String>>,
    vault: Signal<Option<VaultStatus>>,
) -> Element {
    rsx! {
        div { class: "centered",
            RecoveryKeyStep {
                recovery_key,
                on_confirmed: move |_| async move {
                    // Ask first: clearing `recovery` unmounts this screen and
                    // with it this task.
                    if let Ok(s) = tauri::call::<VaultStatus>("vault_status", NoArgs {}).await {
                        vault.set(Some(s));
                    }
                    recovery.set(None);
                },
            }
        }
    }
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct RestoreArgs {
    archive: String,
    key: RestoreKeyArg,
    new_passphrase: String,
}

#[derive(Serialize)]
#[serde(rename_all = "snake_case", tag = "with")]
enum RestoreKeyArg {
    RecoveryKey { recovery_key: String },
    Passphrase { passphrase: String },
}

impl From<RestoreRequest> for RestoreArgs {
    /// A recovery key looks like `AGE-SECRET-KEY-…`; anything else is the
    /// backup's passphrase.
    fn from(req: RestoreRequest) -> Self {
        let secret = req.secret.trim().to_owned();
        let key = if secret.starts_with("AGE-SECRET-KEY-") {
            RestoreKeyArg::RecoveryKey {
                recovery_key: secret,
            }
        } else {
            RestoreKeyArg::Passphrase {
                passphrase: req.secret,
            }
        };
        RestoreArgs {
            archive: req.archive,
            key,
            new_passphrase: req.new_passphrase,
        }
    }
}

#[derive(Deserialize)]
struct Replaced {
    kept: String,
}

#[derive(Deserialize)]
struct ProgressEvent {
    operation: String,
    done: u64,
    total: u64,
}

/// Follows `vault-progress` events of one operation into a percentage.
fn use_progress(operation: &'static str) -> Signal<Option<u8>> {
    let mut percent = use_signal(|| None::<u8>);
    use_future(move || async move {
        let mut events = tauri::events::<ProgressEvent>("vault-progress").await;
        while let Some(e) = events.next().await {
            if e.operation == operation {
                percent.set(Some(
                    Progress {
                        done: e.done,
                        total: e.total,
                    }
                    .percent(),
                ));
            }
        }
    });
    percent
}

#[component]
fn RestoreScreen(on_cancel: EventHandler<()>, vault: Signal<Option<VaultStatus>>) -> Element {
    let i18n = use_i18n();
    let mut error = use_signal(|| None::<String>);
    let mut busy = use_signal(|| false);
    let percent = use_progress("restore");
    rsx! {
        div { class: "centered",
            RestoreForm {
                error: error(),
                busy: busy(),
                percent: if busy() { percent() } else { None },
                on_cancel,
                on_restore: move |req: RestoreRequest| async move {
                    busy.set(true);
                    error.set(None);
                    let args = RestoreArgs::from(req);
                    match tauri::call::<()>("restore_vault", args).await {
                        Ok(()) => {
                            if let Ok(s) = tauri::call::<VaultStatus>("vault_status", NoArgs {}).await {
                                vault.set(Some(s));
                            }
                        }
                        Err(e) => error.set(Some(i18n.error(&e.code, &e.message))),
                    }
                    busy.set(false);
                },
            }
        }
    }
}

#[component]
pub fn UnlockScreen(keychain: bool) -> Element {
    let i18n = use_i18n();
    let mut error = use_signal(|| None::<String>);
    let mut busy = use_signal(|| false);
    rsx! {
        div { class: "centered",
            UnlockForm {
                error: error(),
                busy: busy(),
                keychain,
                on_unlock: move |passphrase: String| async move {
                    busy.set(true);
                    error.set(None);
                    if let Err(e) = tauri::call::<()>("unlock_vault", PassphraseArgs { passphrase }).await {
                        error.set(Some(i18n.error(&e.code, &e.message)));
                    }
                    busy.set(false);
                },
                on_keychain: move |_| async move {
                    if let Err(e) = tauri::call::<()>("unlock_with_keychain", NoArgs {}).await {
                        error.set(Some(i18n.error(&e.code, &e.message)));
                    }
                },
            }
        }
    }
}

#[derive(Serialize)]
struct IdleArgs {
    minutes: u32,
}

#[derive(Serialize)]
struct BackupArgs {
    path: String,
    target: BackupTargetArg,
}

#[derive(Serialize)]
#[serde(rename_all = "snake_case", tag = "to")]
enum BackupTargetArg {
    RecoveryKey,
}

#[derive(Serialize)]
struct ChangeArgs {
    current: String,
    new: String,
}

/// What a re-fit reports.
#[derive(Deserialize)]
struct RefitReport {
    replaced: bool,
    reason: String,
    corrections: usize,
    suicide_recall_after: f32,
}

/// What a rebuild reports (the series count stands for calendar documents).
#[derive(Deserialize)]
struct Rebuilt {
    clients: u64,
    notes: u64,
    appointments: u64,
}

#[derive(Deserialize)]
struct BackupSummary {
    bytes: u64,
}

#[component]
pub fn MainScreen(relay: RelayStatus, idle_minutes: u32) -> Element {
    let i18n = use_i18n();
    let mut section = use_signal(|| Section::Today);
    let mut message = use_signal(|| None::<String>);
    let mut backing_up = use_signal(|| false);
    let mut strength = use_signal(|| None::<Strength>);
    let percent = use_progress("backup");
    let restore_percent = use_progress("restore");
    let mut restoring = use_signal(|| false);
    let mut restore_busy = use_signal(|| false);
    let mut restore_error = use_signal(|| None::<String>);
    // Where the records screens are: which chart and which note are open.
    let mut open_client = use_signal(|| None::<String>);
    let mut open_note = use_signal(|| None::<crate::clients::OpenNote>);
    // The chart tab to open with the next chart (the Portal tab, from the inbox).
    let mut chart_tab = use_signal(|| None::<bloom_ui::client::ChartTab>);
    let portal = crate::portal::provide_portal();
    let records_page = match section() {
        Section::Clients => {
            Some(rsx! { crate::clients::ClientsScreen { open_client, open_note, chart_tab } })
        }
        Section::Portal => Some(rsx! {
            crate::portal::PortalScreen {
                on_open_thread: move |client_id: String| {
                    open_note.set(None);
                    chart_tab.set(Some(bloom_ui::client::ChartTab::Portal));
                    open_client.set(Some(client_id));
                    section.set(Section::Clients);
                },
            }
        }),
        Section::Today | Section::Calendar => Some(rsx! {
            crate::calendar::CalendarScreen {
                key: "{section().slug()}",
                initial_view: if section() == Section::Today { bloom_ui::calendar::View::Day } else { bloom_ui::calendar::View::Week },
                on_write_note: move |a: bloom_core::appointment::AppointmentView| {
                    open_note.set(Some(crate::clients::OpenNote::ForAppointment {
                        appointment_id: a.id.clone(),
                        session_ms: a.start_ms,
                    }));
                    open_client.set(Some(a.client_id.clone()));
                    section.set(Section::Clients);
                },
            }
        }),
        Section::Search => Some(rsx! {
            crate::search::SearchScreen {
                on_open: move |hit: bloom_core::search::SearchHit| {
                    open_note.set(match hit.kind {
                        bloom_core::search::HitKind::Note => Some(crate::clients::OpenNote::Existing(hit.record_id.clone())),
                        bloom_core::search::HitKind::Client => None,
                    });
                    open_client.set(Some(hit.client_id.clone()));
                    section.set(Section::Clients);
                },
            }
        }),
        Section::Crisis => Some(rsx! { bloom_ui::client::safety_plan::CrisisPage {} }),
        _ => None,
    };
    let page = if let Some(records) = records_page {
        records
    } else if section() == Section::Settings {
        rsx! {
            SectionPage { section: Section::Settings }
            VaultSettings {
                idle_minutes,
                message: message(),
                backup_percent: if backing_up() { percent() } else { None },
                strength: strength(),
                on_new_passphrase: move |p: String| async move {
                    let s = tauri::call::<Strength>("passphrase_strength", PassphraseArgs { passphrase: p }).await;
                    strength.set(s.ok());
                },
                on_change_passphrase: move |change: PassphraseChange| async move {
                    let args = ChangeArgs { current: change.current, new: change.new };
                    let changed = tauri::call::<()>("change_passphrase", args).await;
                    message.set(Some(match changed {
                        Ok(()) => i18n.t("settings-passphrase-changed"),
                        Err(e) => i18n.error(&e.code, &e.message),
                    }));
                },
                on_idle: move |minutes: u32| async move {
                    let saved = tauri::call::<()>("set_idle_lock", IdleArgs { minutes }).await;
                    message.set(Some(match saved {
                        Ok(()) => i18n.t("settings-saved"),
                        Err(e) => i18n.error(&e.code, &e.message),
                    }));
                },
                on_backup: move |path: String| async move {
                    backing_up.set(true);
                    message.set(None);
                    let args = BackupArgs { path, target: BackupTargetArg::RecoveryKey };
                    let done = tauri::call::<BackupSummary>("backup_vault", args).await;
                    message.set(Some(match done {
                        Ok(s) => i18n.t_args("settings-backup-done", &[("size", &format_size(s.bytes))]),
                        Err(e) => i18n.error(&e.code, &e.message),
                    }));
                    backing_up.set(false);
                },
            }
            crate::sync::SyncScreen { relay: relay.clone() }
            if restoring() {
                RestoreForm {
                    error: restore_error(),
                    busy: restore_busy(),
                    percent: if restore_busy() { restore_percent() } else { None },
                    on_cancel: move |_| restoring.set(false),
                    on_restore: move |req: RestoreRequest| async move {
                        restore_busy.set(true);
                        restore_error.set(None);
                        match tauri::call::<Replaced>("replace_vault_from_backup", RestoreArgs::from(req)).await {
                            Ok(r) => {
                                restoring.set(false);
                                message.set(Some(i18n.t_args("settings-restore-done", &[("kept", &r.kept)])));
                            }
                            Err(e) => restore_error.set(Some(i18n.error(&e.code, &e.message))),
                        }
                        restore_busy.set(false);
                    },
                }
            } else {
                button { id: "show-settings-restore", class: "link", onclick: move |_| restoring.set(true),
                    {i18n.t("settings-restore")} }
            }
            section { class: "settings-block", id: "settings-maintenance",
                h2 { {i18n.t("settings-maintenance")} }
                p { {i18n.t("settings-rebuild-help")} }
                button { id: "settings-rebuild",
                    onclick: move |_| async move {
                        let done = tauri::call::<Rebuilt>("rebuild_projections", NoArgs {}).await;
                        message.set(Some(match done {
                            Ok(r) => i18n.t_args("settings-rebuilt", &[
                                ("clients", &r.clients.to_string()),
                                ("notes", &r.notes.to_string()),
                                ("appointments", &r.appointments.to_string()),
                            ]),
                            Err(e) => i18n.error(&e.code, &e.message),
                        }));
                    },
                    {i18n.t("settings-rebuild")} }
            }
            section { class: "settings-block", id: "settings-ml",
                h2 { {i18n.t("settings-ml")} }
                p { {i18n.t("settings-ml-help")} }
                button { id: "settings-refit",
                    onclick: move |_| async move {
                        let done = tauri::call::<RefitReport>("refit_model", NoArgs {}).await;
                        message.set(Some(match done {
                            Ok(r) if r.replaced => i18n.t_args("settings-refit-replaced", &[
                                ("corrections", &r.corrections.to_string()),
                                ("recall", &format!("{:.2}", r.suicide_recall_after)),
                            ]),
                            Ok(r) => i18n.t_args("settings-refit-kept", &[("reason", &r.reason)]),
                            Err(e) => i18n.error(&e.code, &e.message),
                        }));
                    },
                    {i18n.t("settings-refit")} }
            }
        }
    } else {
        rsx! { SectionPage { section: section() } }
    };
    // Clicks and keys anywhere count as activity for the idle lock, at most
    // one call every 30 seconds.
    let mut last_touch = use_signal(|| 0f64);
    let mut touch = move || {
        let now = js_sys::Date::now();
        if now - last_touch() > 30_000.0 {
            last_touch.set(now);
            spawn(async move {
                let _ = tauri::call::<()>("touch_vault", NoArgs {}).await;
            });
        }
    };
    // Risk alerts from the on-device model, for the therapist only: the ones
    // still open when the app starts, then each new one as it is found.
    let mut alerts = use_signal(Vec::<bloom_core::risk::RiskResult>::new);
    use_future(move || async move {
        let mut found = tauri::events::<bloom_core::risk::RiskResult>("risk-alert").await;
        if let Ok(open) =
            tauri::call::<Vec<bloom_core::risk::RiskResult>>("open_alerts", NoArgs {}).await
        {
            alerts.set(open);
        }
        while let Some(alert) = found.next().await {
            alerts.write().insert(0, alert);
        }
    });
    let banner = alerts().first().cloned().map(|alert| {
        rsx! {
            div { id: "risk-alert", class: "risk-alert", role: "alert",
                span { {i18n.t("risk-alert-banner")} }
                button { id: "risk-alert-open",
                    onclick: move |_| {
                        open_note.set(None);
                        open_client.set(Some(alert.client_id.clone()));
                        section.set(Section::Clients);
                        alerts.write().retain(|a| a.record_id != alert.record_id);
                    },
                    {i18n.t("risk-alert-open")} }
                button { id: "risk-alert-dismiss", class: "link",
                    onclick: move |_| { alerts.write().remove(0); },
                    {i18n.t("risk-alert-dismiss")} }
            }
        }
    });
    rsx! {
        div { class: "activity", onclick: move |_| touch(), onkeydown: move |_| touch(),
        {banner}
        crate::portal::Notices {
            on_open_client: move |client_id: String| {
                open_note.set(None);
                chart_tab.set(Some(bloom_ui::client::ChartTab::Assessments));
                open_client.set(Some(client_id));
                section.set(Section::Clients);
            },
            on_open_portal: move |_| section.set(Section::Portal),
        }
        AppShell {
            active: section(),
            portal_badge: (portal.badge)(),
            on_navigate: move |s| {
                // The nav always leads to a section's start: the client list, not the last chart.
                if s == Section::Clients {
                    open_client.set(None);
                    open_note.set(None);
                    chart_tab.set(None);
                }
                section.set(s);
            },
            on_lock: move |_| async move {
                let _ = tauri::call::<()>("lock_vault", NoArgs {}).await;
            },
            relay,
            {page}
        }
        }
    }
}

fn format_size(bytes: u64) -> String {
    if bytes >= 1024 * 1024 {
        format!("{:.1} MiB", bytes as f64 / (1024.0 * 1024.0))
    } else {
        format!("{:.0} KiB", (bytes as f64 / 1024.0).ceil())
    }
}
