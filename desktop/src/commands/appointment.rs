//! Commands of the calendar and the appointment dialog.

use bloom_core::appointment::{AppointmentView, ConflictWarning, NewAppointment, Scope};
use bloom_core::records::appointment;
use bloom_core::schedule::{AppointmentStatus, WorkingHours};
use chrono::{NaiveDate, NaiveDateTime};
use tauri::State;

use super::CommandError;
use crate::vault::{VaultHolder, local_zone};

#[tauri::command(async)]
pub fn working_hours(vault: State<'_, VaultHolder>) -> Result<WorkingHours, CommandError> {
    vault.vault(|v| appointment::working_hours(v, local_zone()))
}

#[tauri::command(async)]
pub fn set_working_hours(
    hours: WorkingHours,
    vault: State<'_, VaultHolder>,
) -> Result<(), CommandError> {
    vault.vault(|v| appointment::set_working_hours(v, &hours))
}

/// The calendar from `from` (inclusive) for `days` days, in the therapist's zone.
#[tauri::command(async)]
pub fn calendar(
    from: NaiveDate,
    days: u32,
    vault: State<'_, VaultHolder>,
) -> Result<Vec<AppointmentView>, CommandError> {
    let days = days.clamp(1, 42);
    vault.vault(|v| {
        let tz = appointment::working_hours(v, local_zone())?.tz;
        let to = from + chrono::TimeDelta::days(i64::from(days));
        appointment::range(v, from, to, tz)
    })
}

#[tauri::command(async)]
pub fn appointment_conflicts(
    new: NewAppointment,
    exclude_series: Option<String>,
    vault: State<'_, VaultHolder>,
) -> Result<Vec<ConflictWarning>, CommandError> {
    vault.vault(|v| {
        let hours = appointment::working_hours(v, local_zone())?;
        appointment::conflicts(v, &new, &hours, exclude_series.as_deref())
    })
}

#[tauri::command(async)]
pub fn create_appointment(
    new: NewAppointment,
    vault: State<'_, VaultHolder>,
) -> Result<String, CommandError> {
    vault.vault(|v| {
        let tz = appointment::working_hours(v, local_zone())?.tz;
        appointment::create(v, &new, tz)
    })
}

#[tauri::command(async)]
pub fn set_appointment_status(
    id: String,
    status: AppointmentStatus,
    vault: State<'_, VaultHolder>,
) -> Result<(), CommandError> {
    vault.vault(|v| appointment::set_status(v, &id, status))
}

#[tauri::command(async)]
pub fn reschedule_appointment(
    id: String,
    start_local: NaiveDateTime,
    duration_min: u32,
    scope: Scope,
    vault: State<'_, VaultHolder>,
) -> Result<String, CommandError> {
    vault.vault(|v| appointment::reschedule(v, &id, start_local, duration_min, scope))
}

/// Writes the calendar between two dates as an iCalendar file.
#[tauri::command(async)]
pub fn export_calendar(
    from: NaiveDate,
    to: NaiveDate,
    path: String,
    vault: State<'_, VaultHolder>,
) -> Result<(), CommandError> {
    let text = vault.vault(|v| {
        let tz = appointment::working_hours(v, local_zone())?.tz;
        appointment::ics_export(v, from, to, tz)
    })?;
    std::fs::write(&path, text).map_err(|e| CommandError {
        code: "vault.io",
        message: format!("cannot write the calendar: {}", e.kind()),
    })
}
