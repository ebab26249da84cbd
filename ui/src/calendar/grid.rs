//! The week / day grid. Appointments are placed by their local start and end
//! between [`FIRST_HOUR`] and [`LAST_HOUR`]; earlier or later ones are pinned
//! to the edge so nothing is hidden.
//!
//! Element ids: `cal-prev`, `cal-next`, `cal-today`, `cal-view-week`,
//! `cal-view-day`, `cal-new`, `cal-day-{YYYY-MM-DD}`, `appt-{occurrence id}`.

use bloom_core::appointment::AppointmentView;
use bloom_core::schedule::AppointmentStatus;
use chrono::{Datelike, NaiveDate, NaiveDateTime, Timelike};
use dioxus::prelude::*;

use crate::i18n::use_i18n;

pub const FIRST_HOUR: u32 = 7;
pub const LAST_HOUR: u32 = 21;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum View {
    Week,
    Day,
}

/// Where a time falls in the grid, in percent from the top.
pub fn position(t: NaiveDateTime) -> f64 {
    let minutes = f64::from(t.hour() * 60 + t.minute());
    let first = f64::from(FIRST_HOUR * 60);
    let span = f64::from((LAST_HOUR - FIRST_HOUR) * 60);
    ((minutes - first) / span * 100.0).clamp(0.0, 100.0)
}

/// The Monday of `date`'s week.
pub fn week_start(date: NaiveDate) -> NaiveDate {
    date - chrono::TimeDelta::days(i64::from(date.weekday().num_days_from_monday()))
}

pub fn status_key(s: AppointmentStatus) -> &'static str {
    match s {
        AppointmentStatus::Scheduled => "appt-status-scheduled",
        AppointmentStatus::Completed => "appt-status-completed",
        AppointmentStatus::Cancelled => "appt-status-cancelled",
        AppointmentStatus::LateCancel => "appt-status-late-cancel",
        AppointmentStatus::NoShow => "appt-status-no-show",
    }
}

#[component]
pub fn CalendarGrid(
    days: Vec<NaiveDate>,
    appointments: Vec<AppointmentView>,
    view: View,
    on_view: EventHandler<View>,
    on_shift: EventHandler<i64>,
    on_today: EventHandler<()>,
    on_new: EventHandler<()>,
    on_open: EventHandler<String>,
) -> Element {
    let i18n = use_i18n();
    let step = if view == View::Week { 7 } else { 1 };
    let title = match (days.first(), days.last()) {
        (Some(a), Some(b)) if a != b => {
            format!("{} – {}", a.format("%b %-d"), b.format("%b %-d, %Y"))
        }
        (Some(a), _) => a.format("%A, %b %-d, %Y").to_string(),
        _ => String::new(),
    };
    let hours: Vec<u32> = (FIRST_HOUR..LAST_HOUR).collect();
    rsx! {
        div { class: "calendar",
            div { class: "cal-toolbar",
                button { id: "cal-prev", "aria-label": i18n.t("cal-previous"), onclick: move |_| on_shift.call(-step), "‹" }
                button { id: "cal-today", onclick: move |_| on_today.call(()), {i18n.t("cal-today")} }
                button { id: "cal-next", "aria-label": i18n.t("cal-next"), onclick: move |_| on_shift.call(step), "›" }
                h2 { class: "cal-title", "{title}" }
                div { class: "cal-views", role: "group",
                    button { id: "cal-view-week", "aria-pressed": "{view == View::Week}",
                        onclick: move |_| on_view.call(View::Week), {i18n.t("cal-week")} }
                    button { id: "cal-view-day", "aria-pressed": "{view == View::Day}",
                        onclick: move |_| on_view.call(View::Day), {i18n.t("cal-day")} }
                }
                button { id: "cal-new", class: "primary-inline", onclick: move |_| on_new.call(()), {i18n.t("cal-new")} }
            }
            div { class: "cal-grid", style: "grid-template-columns: 3.5rem repeat({days.len()}, minmax(0, 1fr))",
                div { class: "cal-hours",
                    div { class: "cal-dayhead" }
                    div { class: "cal-body",
                        for h in hours.iter().copied() {
                            div { key: "{h}", class: "cal-hour", "{h:02}:00" }
                        }
                    }
                }
                for day in days.iter().copied() {
                    div { key: "{day}", class: "cal-day", id: "cal-day-{day}",
                        div { class: "cal-dayhead", {day.format("%a %-d").to_string()} }
                        div { class: "cal-body",
                            for a in appointments.iter().filter(|a| a.start_local.date() == day) {
                                AppointmentBlock { key: "{a.id}", appointment: a.clone(), on_open }
                            }
                        }
                    }
                }
            }
            if appointments.is_empty() {
                p { class: "empty-state", {i18n.t("cal-empty")} }
            }
        }
    }
}

#[component]
fn AppointmentBlock(appointment: AppointmentView, on_open: EventHandler<String>) -> Element {
    let i18n = use_i18n();
    let a = appointment;
    let top = position(a.start_local);
    let height = (position(a.end_local) - top).max(2.5);
    let id = a.id.clone();
    let status = i18n.t(status_key(a.status));
    let times = format!(
        "{}–{}",
        a.start_local.format("%H:%M"),
        a.end_local.format("%H:%M")
    );
    rsx! {
        button {
            id: "appt-{a.id}",
            class: "cal-appt",
            "data-status": a.status.as_str(),
            style: "top: {top:.2}%; height: {height:.2}%",
            onclick: move |_| on_open.call(id.clone()),
            span { class: "cal-appt-time", "{times}" }
            span { class: "cal-appt-name", "{a.client_name}" }
            span { class: "cal-appt-meta",
                "{a.service_code.as_str()}"
                if a.recurring { " ↻" }
                if a.modality == bloom_core::schedule::Modality::Telehealth { " · " {i18n.t("appt-telehealth-short")} }
                if a.status != AppointmentStatus::Scheduled { " · {status}" }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use bloom_core::schedule::{Modality, ServiceCode};

    use super::*;

    fn at(d: u32, h: u32, m: u32) -> NaiveDateTime {
        NaiveDate::from_ymd_opt(2026, 11, d)
            .unwrap()
            .and_hms_opt(h, m, 0)
            .unwrap()
    }

    #[test]
    fn times_map_onto_the_grid_and_clamp_at_its_edges() {
        assert_eq!(position(at(23, FIRST_HOUR, 0)), 0.0);
        assert_eq!(position(at(23, LAST_HOUR, 0)), 100.0);
        assert_eq!(position(at(23, 3, 0)), 0.0);
        assert_eq!(position(at(23, 23, 0)), 100.0);
        assert!((position(at(23, 14, 0)) - 50.0).abs() < 1e-9);
        assert_eq!(
            week_start(NaiveDate::from_ymd_opt(2026, 11, 26).unwrap()).day(),
            23
        );
    }

    #[test]
    fn the_week_shows_each_appointment_on_its_day() {
        fn app() -> Element {
            let days: Vec<NaiveDate> = (23..30)
                .map(|d| NaiveDate::from_ymd_opt(2026, 11, d).unwrap())
                .collect();
            let appt = AppointmentView {
                id: "s1/2026-11-24".into(),
                series_id: "s1".into(),
                client_id: "c1".into(),
                client_name: "Ana Silva".into(),
                start_ms: 0,
                end_ms: 0,
                start_local: at(24, 10, 0),
                end_local: at(24, 10, 53),
                status: AppointmentStatus::NoShow,
                service_code: ServiceCode::Psychotherapy60,
                fee_cents: 15_000,
                modality: Modality::Telehealth,
                recurring: true,
            };
            rsx! {
                CalendarGrid { days, appointments: vec![appt], view: View::Week,
                    on_view: |_| {}, on_shift: |_| {}, on_today: |_| {}, on_new: |_| {}, on_open: |_| {} }
            }
        }
        let mut dom = VirtualDom::new(app);
        dom.rebuild_in_place();
        let html = dioxus_ssr::render(&dom);
        assert!(html.contains("cal-day-2026-11-24"), "{html}");
        assert!(html.contains("repeat(7, minmax(0, 1fr))"), "{html}");
        let day = html.split("cal-day-2026-11-24").nth(1).unwrap();
        let day = day.split("cal-day-2026-11-25").next().unwrap();
        assert!(day.contains("appt-s1/2026-11-24"), "{html}");
        assert!(
            day.contains("Ana Silva") && day.contains("10:00–10:53"),
            "{html}"
        );
        assert!(day.contains(r#"data-status="no_show""#), "{html}");
        assert!(!html.contains("cal-empty"));
    }
}
