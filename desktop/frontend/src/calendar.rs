//! The calendar screen: week or day grid, the booking dialog with conflict
//! warnings, and the panel of one appointment.

use bloom_core::appointment::{AppointmentView, ConflictWarning, NewAppointment, Scope};
use bloom_core::chart::ClientSummary;
use bloom_core::schedule::AppointmentStatus;
use bloom_ui::calendar::dialog::OccurrenceAction;
use bloom_ui::calendar::grid::week_start;
use bloom_ui::calendar::{AppointmentDialog, CalendarGrid, OccurrencePanel, View};
use bloom_ui::use_i18n;
use chrono::{NaiveDate, NaiveDateTime, TimeDelta};
use dioxus::prelude::*;
use serde::Serialize;

use crate::tauri::{self, NoArgs};

/// Today in the machine's local time.
pub fn today() -> NaiveDate {
    let now = js_sys::Date::new_0();
    NaiveDate::from_ymd_opt(
        now.get_full_year() as i32,
        now.get_month() + 1,
        now.get_date(),
    )
    .unwrap_or_default()
}

fn shown_days(anchor: NaiveDate, view: View) -> Vec<NaiveDate> {
    match view {
        View::Week => {
            let monday = week_start(anchor);
            (0..7).map(|i| monday + TimeDelta::days(i)).collect()
        }
        View::Day => vec![anchor],
    }
}

#[derive(Serialize)]
struct RangeArgs {
    from: NaiveDate,
    days: u32,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct ConflictArgs {
    new: NewAppointment,
    exclude_series: Option<String>,
}

#[derive(Serialize)]
struct NewArgs {
    new: NewAppointment,
}

#[derive(Serialize)]
struct StatusArgs {
    id: String,
    status: AppointmentStatus,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct RescheduleArgs {
    id: String,
    start_local: NaiveDateTime,
    duration_min: u32,
    scope: Scope,
}

#[derive(Clone, PartialEq)]
enum Dialog {
    None,
    New,
    Open(AppointmentView),
}

#[component]
pub fn CalendarScreen(initial_view: View, on_write_note: EventHandler<AppointmentView>) -> Element {
    let i18n = use_i18n();
    let mut anchor = use_signal(today);
    let mut view = use_signal(move || initial_view);
    let mut export_path = use_signal(String::new);
    let mut notice = use_signal(|| None::<String>);
    let mut dialog = use_signal(|| Dialog::None);
    let mut conflicts = use_signal(Vec::<ConflictWarning>::new);
    let mut error = use_signal(|| None::<String>);
    let mut version = use_signal(|| 0u32);
    let days = shown_days(anchor(), view());
    // The resource reads the signals itself, so it reloads when the week,
    // the view or the data change.
    let appointments = use_resource(move || async move {
        let _ = version();
        let days = shown_days(anchor(), view());
        let from = days.first().copied().unwrap_or_else(today);
        let args = RangeArgs {
            from,
            days: days.len() as u32,
        };
        tauri::call::<Vec<AppointmentView>>("calendar", args).await
    });
    let clients = use_resource(move || async move {
        tauri::call::<Vec<ClientSummary>>("list_clients", NoArgs {})
            .await
            .unwrap_or_default()
    });
    let list = match &*appointments.read() {
        Some(Ok(list)) => list.clone(),
        _ => vec![],
    };
    let load_error = match &*appointments.read() {
        Some(Err(e)) => Some(i18n.error(&e.code, &e.message)),
        _ => None,
    };
    let panel = match dialog() {
        Dialog::None => rsx! {},
        Dialog::New => rsx! {
            AppointmentDialog {
                clients: clients().unwrap_or_default(),
                date: anchor(),
                conflicts: conflicts(),
                error: error(),
                on_cancel: move |_| { dialog.set(Dialog::None); conflicts.set(vec![]); },
                on_save: move |(new, confirmed): (NewAppointment, bool)| async move {
                    error.set(None);
                    if !confirmed {
                        let args = ConflictArgs { new: new.clone(), exclude_series: None };
                        match tauri::call::<Vec<ConflictWarning>>("appointment_conflicts", args).await {
                            Ok(found) if !found.is_empty() => { conflicts.set(found); return; }
                            Ok(_) => {}
                            Err(e) => { error.set(Some(i18n.error(&e.code, &e.message))); return; }
                        }
                    }
                    match tauri::call::<String>("create_appointment", NewArgs { new: new.clone() }).await {
                        Ok(_) => {
                            conflicts.set(vec![]);
                            anchor.set(new.start_local.date());
                            version += 1;
                            dialog.set(Dialog::None);
                        }
                        Err(e) => error.set(Some(i18n.error(&e.code, &e.message))),
                    }
                },
            }
        },
        Dialog::Open(a) => rsx! {
            OccurrencePanel {
                key: "{a.id}",
                appointment: a.clone(),
                error: error(),
                on_action: move |action: OccurrenceAction| {
                    let a = a.clone();
                    async move {
                        error.set(None);
                        let done = match action {
                            OccurrenceAction::Close => { dialog.set(Dialog::None); return; }
                            OccurrenceAction::WriteNote => { on_write_note.call(a.clone()); return; }
                            OccurrenceAction::Status(status) => {
                                tauri::call::<()>("set_appointment_status", StatusArgs { id: a.id.clone(), status }).await
                            }
                            OccurrenceAction::Reschedule { start_local, scope } => {
                                let minutes = (a.end_ms - a.start_ms) / 60_000;
                                let args = RescheduleArgs {
                                    id: a.id.clone(), start_local,
                                    duration_min: u32::try_from(minutes).unwrap_or(50), scope,
                                };
                                tauri::call::<String>("reschedule_appointment", args).await.map(|_| ())
                            }
                        };
                        match done {
                            Ok(()) => { version += 1; dialog.set(Dialog::None); }
                            Err(e) => error.set(Some(i18n.error(&e.code, &e.message))),
                        }
                    }
                },
            }
        },
    };
    let title = if initial_view == View::Day {
        "nav-today"
    } else {
        "nav-calendar"
    };
    let export_days = days.clone();
    rsx! {
        h1 { {i18n.t(title)} }
        if let Some(e) = load_error { p { class: "form-error", role: "alert", "{e}" } }
        CalendarGrid {
            days,
            appointments: list,
            view: view(),
            on_view: move |v| view.set(v),
            on_shift: move |d: i64| anchor.set(anchor() + TimeDelta::days(d)),
            on_today: move |_| anchor.set(today()),
            on_new: move |_| { conflicts.set(vec![]); error.set(None); dialog.set(Dialog::New) },
            on_open: move |id: String| {
                let found = appointments
                    .read()
                    .as_ref()
                    .and_then(|r| r.as_ref().ok())
                    .and_then(|l| l.iter().find(|a| a.id == id).cloned());
                if let Some(a) = found { error.set(None); dialog.set(Dialog::Open(a)) }
            },
        }
        {panel}
        div { class: "row cal-export",
            label { r#for: "cal-export-path", class: "inline", {i18n.t("cal-export")} }
            input { id: "cal-export-path", r#type: "text", value: "{export_path}",
                placeholder: i18n.t("cal-export-placeholder"), oninput: move |e| export_path.set(e.value()) }
            button { id: "cal-export", disabled: export_path().trim().is_empty(),
                onclick: move |_| {
                    let from = export_days.first().copied().unwrap_or_else(today);
                    let to = from + TimeDelta::days(export_days.len() as i64);
                    let path = export_path().trim().to_owned();
                    async move {
                        let done = tauri::call::<()>("export_calendar", ExportArgs { from, to, path }).await;
                        notice.set(Some(match done {
                            Ok(()) => i18n.t("cal-exported"),
                            Err(e) => i18n.error(&e.code, &e.message),
                        }));
                    }
                },
                {i18n.t("cal-export-save")} }
        }
        if let Some(n) = notice() { p { id: "cal-notice", class: "notice", role: "status", "{n}" } }
    }
}

#[derive(Serialize)]
struct ExportArgs {
    from: NaiveDate,
    to: NaiveDate,
    path: String,
}
