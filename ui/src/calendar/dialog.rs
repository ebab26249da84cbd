//! The appointment dialogs: booking (one-off or repeating) with conflict
//! warnings, and the panel of one occurrence (status, reschedule, note).
//!
//! Element ids: `appt-client`, `appt-date`, `appt-time`, `appt-duration`,
//! `appt-service`, `appt-fee`, `appt-modality`, `appt-repeat`, `appt-count`,
//! `appt-save`, `appt-cancel`, `appt-conflicts`, `appt-save-anyway`;
//! occurrence panel: `occ-status-{status}`, `occ-new-date`, `occ-new-time`,
//! `occ-scope`, `occ-reschedule`, `occ-write-note`, `occ-close`.

use bloom_core::appointment::{AppointmentView, ConflictWarning, NewAppointment, Scope};
use bloom_core::chart::ClientSummary;
use bloom_core::schedule::{AppointmentStatus, Frequency, Modality, ServiceCode};
use chrono::{NaiveDate, NaiveDateTime, NaiveTime};
use dioxus::prelude::*;

use super::grid::status_key;
use crate::i18n::use_i18n;

/// Reads the dialog's fields into a booking, or says which field is wrong.
#[allow(clippy::too_many_arguments)]
pub fn parse_form(
    client_id: &str,
    date: &str,
    time: &str,
    duration: &str,
    service: &str,
    fee: &str,
    modality: &str,
    repeat: &str,
    count: &str,
) -> Result<NewAppointment, &'static str> {
    if client_id.is_empty() {
        return Err("appt-error-client");
    }
    let date = NaiveDate::parse_from_str(date.trim(), "%Y-%m-%d").map_err(|_| "appt-error-date")?;
    let time = NaiveTime::parse_from_str(time.trim(), "%H:%M").map_err(|_| "appt-error-time")?;
    let duration_min: u32 = duration.trim().parse().map_err(|_| "appt-error-duration")?;
    let service_code = ServiceCode::parse(service).ok_or("appt-error-service")?;
    let fee: f64 = fee.trim().parse().map_err(|_| "appt-error-fee")?;
    if !(0.0..=100_000.0).contains(&fee) {
        return Err("appt-error-fee");
    }
    let repeat = match repeat {
        "" | "none" => None,
        r => Some(Frequency::parse(r).ok_or("appt-error-repeat")?),
    };
    let count = match (repeat, count.trim()) {
        (None, _) | (Some(_), "") => None,
        (Some(_), c) => Some(c.parse::<u32>().map_err(|_| "appt-error-count")?),
    };
    Ok(NewAppointment {
        client_id: client_id.to_owned(),
        start_local: NaiveDateTime::new(date, time),
        duration_min,
        service_code,
        fee_cents: (fee * 100.0).round() as i64,
        modality: Modality::parse(modality).unwrap_or(Modality::InPerson),
        repeat,
        until: None,
        count,
    })
}

/// The booking dialog. `conflicts` are shown after the first attempt; the
/// second button then books anyway (`on_save` with `true`).
#[component]
pub fn AppointmentDialog(
    clients: Vec<ClientSummary>,
    date: NaiveDate,
    conflicts: Vec<ConflictWarning>,
    error: Option<String>,
    on_save: EventHandler<(NewAppointment, bool)>,
    on_cancel: EventHandler<()>,
) -> Element {
    let i18n = use_i18n();
    let mut client = use_signal(String::new);
    let mut day = use_signal(move || date.format("%Y-%m-%d").to_string());
    let mut time = use_signal(|| "10:00".to_owned());
    let mut duration = use_signal(|| "53".to_owned());
    let mut service = use_signal(|| ServiceCode::Psychotherapy60.as_str().to_owned());
    let mut fee = use_signal(|| "150".to_owned());
    let mut modality = use_signal(|| "in_person".to_owned());
    let mut repeat = use_signal(|| "none".to_owned());
    let mut count = use_signal(String::new);
    let parsed = parse_form(
        &client(),
        &day(),
        &time(),
        &duration(),
        &service(),
        &fee(),
        &modality(),
        &repeat(),
        &count(),
    );
    let field_error = parsed.as_ref().err().map(|id| i18n.t(id));
    let ready = parsed.clone().ok();
    let ready2 = ready.clone();
    rsx! {
        div { class: "dialog", role: "dialog", "aria-modal": "true", "aria-labelledby": "appt-title",
            h2 { id: "appt-title", {i18n.t("appt-new-title")} }
            label { r#for: "appt-client", {i18n.t("appt-client")} }
            select { id: "appt-client", value: "{client}", onchange: move |e| client.set(e.value()),
                option { value: "", {i18n.t("appt-choose-client")} }
                for c in clients.iter() {
                    option { key: "{c.id}", value: "{c.id}", "{c.display_name}" }
                }
            }
            div { class: "row",
                div { label { r#for: "appt-date", {i18n.t("appt-date")} }
                    input { id: "appt-date", r#type: "date", value: "{day}", oninput: move |e| day.set(e.value()) } }
                div { label { r#for: "appt-time", {i18n.t("appt-time")} }
                    input { id: "appt-time", r#type: "time", value: "{time}", oninput: move |e| time.set(e.value()) } }
                div { label { r#for: "appt-duration", {i18n.t("appt-duration")} }
                    input { id: "appt-duration", r#type: "number", min: "5", max: "480", value: "{duration}",
                        oninput: move |e| duration.set(e.value()) } }
            }
            div { class: "row",
                div { label { r#for: "appt-service", {i18n.t("appt-service")} }
                    select { id: "appt-service", value: "{service}",
                        onchange: move |e| {
                            if let Some(code) = ServiceCode::parse(&e.value()) {
                                duration.set(code.default_duration_min().to_string());
                            }
                            service.set(e.value());
                        },
                        for code in ServiceCode::ALL {
                            option { key: "{code.as_str()}", value: code.as_str(),
                                "{code.as_str()} — {code.description()}" }
                        }
                    }
                }
                div { label { r#for: "appt-fee", {i18n.t("appt-fee")} }
                    input { id: "appt-fee", r#type: "number", min: "0", step: "0.01", value: "{fee}",
                        oninput: move |e| fee.set(e.value()) } }
            }
            div { class: "row",
                div { label { r#for: "appt-modality", {i18n.t("appt-modality")} }
                    select { id: "appt-modality", value: "{modality}", onchange: move |e| modality.set(e.value()),
                        option { value: "in_person", {i18n.t("appt-in-person")} }
                        option { value: "telehealth", {i18n.t("appt-telehealth")} }
                    }
                }
                div { label { r#for: "appt-repeat", {i18n.t("appt-repeat")} }
                    select { id: "appt-repeat", value: "{repeat}", onchange: move |e| repeat.set(e.value()),
                        option { value: "none", {i18n.t("appt-repeat-none")} }
                        option { value: "weekly", {i18n.t("appt-repeat-weekly")} }
                        option { value: "biweekly", {i18n.t("appt-repeat-biweekly")} }
                        option { value: "monthly", {i18n.t("appt-repeat-monthly")} }
                    }
                }
                if repeat() != "none" {
                    div { label { r#for: "appt-count", {i18n.t("appt-count")} }
                        input { id: "appt-count", r#type: "number", min: "1", value: "{count}",
                            placeholder: i18n.t("appt-count-open"), oninput: move |e| count.set(e.value()) } }
                }
            }
            if let Some(e) = field_error.filter(|_| !client().is_empty()) {
                p { class: "field-error", "{e}" }
            }
            if !conflicts.is_empty() {
                div { id: "appt-conflicts", class: "conflicts", role: "alert",
                    p { class: "warning", {i18n.t("appt-conflicts")} }
                    ul {
                        for (i, c) in conflicts.iter().enumerate() {
                            li { key: "{i}", {conflict_text(i18n, c)} }
                        }
                    }
                }
            }
            if let Some(e) = error { p { class: "form-error", role: "alert", "{e}" } }
            div { class: "actions",
                button { id: "appt-save", class: "primary", disabled: ready.is_none(),
                    onclick: move |_| if let Some(n) = ready.clone() { on_save.call((n, false)) },
                    {i18n.t("appt-save")} }
                if !conflicts.is_empty() {
                    button { id: "appt-save-anyway", disabled: ready2.is_none(),
                        onclick: move |_| if let Some(n) = ready2.clone() { on_save.call((n, true)) },
                        {i18n.t("appt-save-anyway")} }
                }
                button { id: "appt-cancel", class: "link", onclick: move |_| on_cancel.call(()), {i18n.t("appt-cancel")} }
            }
        }
    }
}

fn conflict_text(i18n: crate::I18n, c: &ConflictWarning) -> String {
    match c {
        ConflictWarning::Overlaps {
            start_local,
            other_start_local,
            ..
        } => i18n.t_args(
            "appt-conflict-overlap",
            &[
                ("when", &start_local.format("%a %b %-d %H:%M").to_string()),
                ("other", &other_start_local.format("%H:%M").to_string()),
            ],
        ),
        ConflictWarning::OutsideWorkingHours { start_local } => i18n.t_args(
            "appt-conflict-hours",
            &[("when", &start_local.format("%a %b %-d %H:%M").to_string())],
        ),
    }
}

/// What the occurrence panel asks for.
#[derive(Clone, Debug, PartialEq)]
pub enum OccurrenceAction {
    Status(AppointmentStatus),
    Reschedule {
        start_local: NaiveDateTime,
        scope: Scope,
    },
    WriteNote,
    Close,
}

#[component]
pub fn OccurrencePanel(
    appointment: AppointmentView,
    error: Option<String>,
    on_action: EventHandler<OccurrenceAction>,
) -> Element {
    let i18n = use_i18n();
    let a = appointment;
    let when = format!(
        "{}–{} · {} · ",
        a.start_local.format("%A %b %-d, %H:%M"),
        a.end_local.format("%H:%M"),
        a.service_code.as_str()
    );
    let mut day = use_signal(|| a.start_local.date().format("%Y-%m-%d").to_string());
    let mut time = use_signal(|| a.start_local.time().format("%H:%M").to_string());
    let mut scope = use_signal(|| "this_one".to_owned());
    let new_start = NaiveDate::parse_from_str(&day(), "%Y-%m-%d")
        .ok()
        .zip(NaiveTime::parse_from_str(&time(), "%H:%M").ok())
        .map(|(d, t)| NaiveDateTime::new(d, t));
    rsx! {
        div { class: "dialog", role: "dialog", "aria-labelledby": "occ-title",
            h2 { id: "occ-title", "{a.client_name}" }
            p { class: "occ-when",
                "{when}"
                {i18n.t(status_key(a.status))}
            }
            div { class: "row", role: "group", "aria-label": i18n.t("occ-status"),
                for s in AppointmentStatus::ALL {
                    button { key: "{s.as_str()}", id: "occ-status-{s.as_str()}",
                        "aria-pressed": "{s == a.status}",
                        onclick: move |_| on_action.call(OccurrenceAction::Status(s)),
                        {i18n.t(status_key(s))} }
                }
            }
            h3 { {i18n.t("occ-reschedule-title")} }
            div { class: "row",
                input { id: "occ-new-date", r#type: "date", "aria-label": i18n.t("appt-date"), value: "{day}",
                    oninput: move |e| day.set(e.value()) }
                input { id: "occ-new-time", r#type: "time", "aria-label": i18n.t("appt-time"), value: "{time}",
                    oninput: move |e| time.set(e.value()) }
                if a.recurring {
                    select { id: "occ-scope", "aria-label": i18n.t("occ-scope"), value: "{scope}",
                        onchange: move |e| scope.set(e.value()),
                        option { value: "this_one", {i18n.t("occ-scope-one")} }
                        option { value: "this_and_following", {i18n.t("occ-scope-following")} }
                    }
                }
                button { id: "occ-reschedule", disabled: new_start.is_none(),
                    onclick: move |_| if let Some(start_local) = new_start {
                        let scope = if scope() == "this_and_following" { Scope::ThisAndFollowing } else { Scope::ThisOne };
                        on_action.call(OccurrenceAction::Reschedule { start_local, scope })
                    },
                    {i18n.t("occ-reschedule")} }
            }
            if let Some(e) = error { p { class: "form-error", role: "alert", "{e}" } }
            div { class: "actions",
                button { id: "occ-write-note", class: "primary", onclick: move |_| on_action.call(OccurrenceAction::WriteNote),
                    {i18n.t("occ-write-note")} }
                button { id: "occ-close", class: "link", onclick: move |_| on_action.call(OccurrenceAction::Close),
                    {i18n.t("occ-close")} }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_form_reads_into_a_booking_or_names_the_bad_field() {
        let ok = parse_form(
            "c1",
            "2026-11-24",
            "10:00",
            "53",
            "90837",
            "150.50",
            "telehealth",
            "biweekly",
            "6",
        )
        .unwrap();
        assert_eq!(ok.fee_cents, 15_050);
        assert_eq!(ok.repeat, Some(Frequency::Biweekly));
        assert_eq!(ok.count, Some(6));
        assert_eq!(ok.modality, Modality::Telehealth);
        let once = parse_form(
            "c1",
            "2026-11-24",
            "10:00",
            "53",
            "90837",
            "0",
            "in_person",
            "none",
            "9",
        )
        .unwrap();
        assert_eq!((once.repeat, once.count), (None, None));
        for (args, field) in [
            (
                ["", "2026-11-24", "10:00", "53", "90837", "1"],
                "appt-error-client",
            ),
            (
                ["c", "24/11/2026", "10:00", "53", "90837", "1"],
                "appt-error-date",
            ),
            (
                ["c", "2026-11-24", "ten", "53", "90837", "1"],
                "appt-error-time",
            ),
            (
                ["c", "2026-11-24", "10:00", "x", "90837", "1"],
                "appt-error-duration",
            ),
            (
                ["c", "2026-11-24", "10:00", "53", "99999", "1"],
                "appt-error-service",
            ),
            (
                ["c", "2026-11-24", "10:00", "53", "90837", "-5"],
                "appt-error-fee",
            ),
        ] {
            let [c, d, t, du, s, f] = args;
            assert_eq!(
                parse_form(c, d, t, du, s, f, "in_person", "none", ""),
                Err(field)
            );
        }
    }
}
