//! Appointments: one Automerge document per series (a one-off appointment is
//! a series of one). The calendar projection holds every occurrence as a row,
//! so the week view is an index range scan.
//!
//! Layout: `client_id`, `service_code`, `fee_cents`, `modality`, `tz`,
//! `frequency` (`once`, `weekly`, `biweekly`, `monthly`),
//! `first_start_local` (`YYYY-MM-DDTHH:MM`), `duration_min`, `until`,
//! `count` (scalars); `exceptions` (map of original local date → skip or
//! move, as JSON) and `statuses` (map of original local date → status).
//! Per-date maps let two devices change different occurrences offline
//! without either change being lost.
//!
//! Open-ended series are projected for two years from their first date
//! ([`HORIZON_DAYS`]); a later edit or a new series carries them on.

use std::collections::BTreeMap;

use automerge::transaction::Transactable;
use automerge::{AutoCommit, ObjId, ObjType, ROOT, ReadDoc};
use chrono::{DateTime, NaiveDate, NaiveDateTime, TimeDelta, Utc};
use chrono_tz::Tz;
use rusqlite::{OptionalExtension, params};

use crate::appointment::{
    AppointmentView, ConflictWarning, NewAppointment, Scope, occurrence_id, split_occurrence_id,
};
use crate::schedule::{
    AppointmentStatus, Change, Conflict, Exception, Frequency, Modality, Occurrence, Recurrence,
    ServiceCode, Slot, WorkingHours, find_conflicts, to_local, to_utc,
};
use crate::vault::{Vault, VaultError};

pub const KIND: &str = "appointment";
/// How far ahead an open-ended series is put on the calendar.
pub const HORIZON_DAYS: i64 = 731;
const HOURS_SETTING: &str = "working_hours";
/// More than any occurrence lasts ([`crate::schedule::MAX_DURATION_MIN`],
/// checked whenever a series is read): how far before a window an
/// overlapping occurrence can start.
const LONGEST_MS: i64 = 24 * 3_600_000;
const LOCAL_FORMAT: &str = "%Y-%m-%dT%H:%M";

fn am(e: automerge::AutomergeError) -> VaultError {
    VaultError::Corrupt(format!("appointment: {e}"))
}

fn invalid(e: crate::schedule::ScheduleError) -> VaultError {
    VaultError::Invalid(e.to_string())
}

fn text(doc: &AutoCommit, obj: &ObjId, key: &str) -> Option<String> {
    let (value, _) = doc.get(obj, key).ok()??;
    value.as_str().map(str::to_owned)
}

fn int(doc: &AutoCommit, key: &str) -> Option<i64> {
    let (value, _) = doc.get(ROOT, key).ok()??;
    value.as_i64()
}

/// The therapist's working hours; `fallback` zone until they are set.
pub fn working_hours(vault: &Vault, fallback: Tz) -> Result<WorkingHours, VaultError> {
    match vault.setting(HOURS_SETTING)? {
        None => Ok(WorkingHours::standard(fallback)),
        Some(json) => serde_json::from_str(&json)
            .map_err(|_| VaultError::Corrupt("working hours setting is damaged".into())),
    }
}

pub fn set_working_hours(vault: &Vault, hours: &WorkingHours) -> Result<(), VaultError> {
    hours.validate().map_err(invalid)?;
    let json = serde_json::to_string(hours).map_err(|e| VaultError::Internal(e.to_string()))?;
    vault.set_setting(HOURS_SETTING, &json)
}

/// The series as stored, and whether it repeats.
struct Series {
    client_id: String,
    service_code: ServiceCode,
    fee_cents: i64,
    modality: Modality,
    rule: Recurrence,
    recurring: bool,
    statuses: BTreeMap<NaiveDate, AppointmentStatus>,
}

fn series(id: &str, doc: &AutoCommit) -> Result<Series, VaultError> {
    let bad = |what: &str| VaultError::Corrupt(format!("appointment {id}: bad {what}"));
    let tz: Tz = text(doc, &ROOT, "tz")
        .and_then(|t| t.parse().ok())
        .ok_or_else(|| bad("zone"))?;
    let first = text(doc, &ROOT, "first_start_local")
        .and_then(|t| NaiveDateTime::parse_from_str(&t, LOCAL_FORMAT).ok())
        .ok_or_else(|| bad("start"))?;
    let duration = int(doc, "duration_min")
        .and_then(|d| u32::try_from(d).ok())
        .ok_or_else(|| bad("duration"))?;
    let frequency = text(doc, &ROOT, "frequency").ok_or_else(|| bad("frequency"))?;
    let (frequency, recurring) = match frequency.as_str() {
        "once" => (Frequency::Weekly, false),
        other => (
            Frequency::parse(other).ok_or_else(|| bad("frequency"))?,
            true,
        ),
    };
    let mut rule = Recurrence::new(frequency, first, duration, tz);
    if recurring {
        rule.until = text(doc, &ROOT, "until")
            .map(|u| NaiveDate::parse_from_str(&u, "%Y-%m-%d").map_err(|_| bad("until")))
            .transpose()?;
        rule.count = int(doc, "count").and_then(|c| u32::try_from(c).ok());
    } else {
        rule.count = Some(1);
    }
    let dated = |key: &str| -> Vec<(NaiveDate, String)> {
        let Ok(Some((_, map))) = doc.get(ROOT, key) else {
            return vec![];
        };
        doc.keys(&map)
            .filter_map(|key| {
                let date = NaiveDate::parse_from_str(&key, "%Y-%m-%d").ok()?;
                Some((date, text(doc, &map, &key)?))
            })
            .collect()
    };
    for (date, json) in dated("exceptions") {
        let change: Change = serde_json::from_str(&json).map_err(|_| bad("exception"))?;
        rule.exceptions.push(Exception {
            original_date: date,
            change,
        });
    }
    let statuses = dated("statuses")
        .into_iter()
        .filter_map(|(d, s)| Some((d, AppointmentStatus::parse(&s)?)))
        .collect();
    rule.validate().map_err(invalid)?;
    Ok(Series {
        client_id: text(doc, &ROOT, "client_id").ok_or_else(|| bad("client"))?,
        service_code: text(doc, &ROOT, "service_code")
            .and_then(|c| ServiceCode::parse(&c))
            .ok_or_else(|| bad("service code"))?,
        fee_cents: int(doc, "fee_cents").unwrap_or(0),
        modality: text(doc, &ROOT, "modality")
            .and_then(|m| Modality::parse(&m))
            .ok_or_else(|| bad("modality"))?,
        rule,
        recurring,
        statuses,
    })
}

/// Every occurrence the calendar shows for a series.
fn expand(rule: &Recurrence) -> Result<Vec<Occurrence>, VaultError> {
    let first = to_utc(rule.first_start_local, rule.tz);
    let last_date = rule
        .last_date()
        .unwrap_or_else(|| rule.first_start_local.date() + TimeDelta::days(HORIZON_DAYS));
    let end = to_utc(last_date.and_time(chrono::NaiveTime::MIN), rule.tz) + TimeDelta::days(2);
    // Moved occurrences may land a little before the first start or after the last.
    rule.occurrences(first - TimeDelta::days(31), end + TimeDelta::days(31))
        .map_err(invalid)
}

pub(crate) fn project(
    tx: &rusqlite::Transaction<'_>,
    id: &str,
    doc: &AutoCommit,
) -> Result<(), VaultError> {
    let s = series(id, doc)?;
    tx.execute("DELETE FROM appointments WHERE series_id = ?1", [id])?;
    let mut insert = tx.prepare_cached(
        "INSERT INTO appointments (id, series_id, client_id, start_ms, end_ms, status,
                                   service_code, fee_cents, modality, recurring)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
    )?;
    for o in expand(&s.rule)? {
        let status = s
            .statuses
            .get(&o.original_date)
            .copied()
            .unwrap_or(AppointmentStatus::Scheduled);
        insert.execute(params![
            occurrence_id(id, o.original_date),
            id,
            s.client_id,
            o.start_utc.timestamp_millis(),
            o.end_utc.timestamp_millis(),
            status.as_str(),
            s.service_code.as_str(),
            s.fee_cents,
            s.modality.as_str(),
            s.recurring,
        ])?;
    }
    Ok(())
}

fn save(vault: &mut Vault, id: &str, doc: &mut AutoCommit) -> Result<(), VaultError> {
    let bytes = doc.save();
    let doc: &AutoCommit = doc;
    vault.write_record_with(id, KIND, &bytes, |tx| project(tx, id, doc))
}

fn check(new: &NewAppointment) -> Result<(), VaultError> {
    if !(0..=10_000_000).contains(&new.fee_cents) {
        return Err(VaultError::Invalid("the fee is out of range".into()));
    }
    if new.repeat.is_none() && (new.until.is_some() || new.count.is_some()) {
        return Err(VaultError::Invalid(
            "an end date or count needs a repeating appointment".into(),
        ));
    }
    Ok(())
}

/// The rule a dialog's input describes.
fn rule_of(new: &NewAppointment, tz: Tz) -> Result<Recurrence, VaultError> {
    let mut rule = Recurrence::new(
        new.repeat.unwrap_or(Frequency::Weekly),
        new.start_local,
        new.duration_min,
        tz,
    );
    match new.repeat {
        None => rule.count = Some(1),
        Some(_) => {
            rule.until = new.until;
            rule.count = new.count;
        }
    }
    rule.validate().map_err(invalid)?;
    Ok(rule)
}

/// Books an appointment or a series in the therapist's zone `tz`. Returns the
/// series id. Conflicts are warnings: ask [`conflicts`] first.
pub fn create(vault: &mut Vault, new: &NewAppointment, tz: Tz) -> Result<String, VaultError> {
    check(new)?;
    rule_of(new, tz)?;
    if !crate::records::client::exists(vault, &new.client_id)? {
        return Err(VaultError::RecordNotFound(new.client_id.clone()));
    }
    let id = uuid::Uuid::new_v4().to_string();
    let mut doc = new_doc(new, tz)?;
    save(vault, &id, &mut doc)?;
    Ok(id)
}

/// The document of a new series (every map made up front, so all devices
/// write into the same ones).
fn new_doc(new: &NewAppointment, tz: Tz) -> Result<AutoCommit, VaultError> {
    let mut doc = AutoCommit::new();
    doc.put(ROOT, "client_id", new.client_id.as_str())
        .map_err(am)?;
    doc.put(ROOT, "service_code", new.service_code.as_str())
        .map_err(am)?;
    doc.put(ROOT, "fee_cents", new.fee_cents).map_err(am)?;
    doc.put(ROOT, "modality", new.modality.as_str())
        .map_err(am)?;
    doc.put(ROOT, "tz", tz.name()).map_err(am)?;
    let frequency = new.repeat.map(|f| f.as_str()).unwrap_or("once");
    doc.put(ROOT, "frequency", frequency).map_err(am)?;
    doc.put(
        ROOT,
        "first_start_local",
        new.start_local.format(LOCAL_FORMAT).to_string(),
    )
    .map_err(am)?;
    doc.put(ROOT, "duration_min", i64::from(new.duration_min))
        .map_err(am)?;
    if let Some(until) = new.until {
        doc.put(ROOT, "until", until.format("%Y-%m-%d").to_string())
            .map_err(am)?;
    }
    if let Some(count) = new.count {
        doc.put(ROOT, "count", i64::from(count)).map_err(am)?;
    }
    doc.put_object(ROOT, "exceptions", ObjType::Map)
        .map_err(am)?;
    doc.put_object(ROOT, "statuses", ObjType::Map).map_err(am)?;
    Ok(doc)
}

/// Busy occurrences overlapping `[from, to)`, except those of `exclude`.
fn busy_slots(
    vault: &Vault,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
    exclude: Option<&str>,
) -> Result<Vec<Slot>, VaultError> {
    let mut stmt = vault.connection().prepare_cached(
        "SELECT id, start_ms, end_ms, status FROM appointments
         WHERE start_ms < ?2 AND start_ms >= ?4 AND end_ms > ?1 AND series_id IS NOT ?3",
    )?;
    let earliest = from.timestamp_millis().saturating_sub(LONGEST_MS);
    let rows = stmt.query_map(
        params![
            from.timestamp_millis(),
            to.timestamp_millis(),
            exclude,
            earliest
        ],
        |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, i64>(1)?,
                r.get::<_, i64>(2)?,
                r.get::<_, String>(3)?,
            ))
        },
    )?;
    let mut out = vec![];
    for row in rows {
        let (id, start, end, status) = row?;
        let (Some(start_utc), Some(end_utc)) = (
            DateTime::from_timestamp_millis(start),
            DateTime::from_timestamp_millis(end),
        ) else {
            continue;
        };
        out.push(Slot {
            id,
            start_utc,
            end_utc,
            busy: AppointmentStatus::parse(&status).is_some_and(|s| s.is_busy()),
        });
    }
    Ok(out)
}

/// What booking `new` would clash with: other appointments and working hours.
pub fn conflicts(
    vault: &Vault,
    new: &NewAppointment,
    hours: &WorkingHours,
    exclude_series: Option<&str>,
) -> Result<Vec<ConflictWarning>, VaultError> {
    check(new)?;
    let rule = rule_of(new, hours.tz)?;
    let occurrences = expand(&rule)?;
    let (Some(first), Some(last)) = (occurrences.first(), occurrences.last()) else {
        return Ok(vec![]);
    };
    let existing = busy_slots(vault, first.start_utc, last.end_utc, exclude_series)?;
    let mut out = vec![];
    for o in &occurrences {
        let candidate = Slot {
            id: String::new(),
            start_utc: o.start_utc,
            end_utc: o.end_utc,
            busy: true,
        };
        let start_local = to_local(o.start_utc, hours.tz);
        for c in find_conflicts(&candidate, &existing, hours) {
            out.push(match c {
                Conflict::OutsideWorkingHours => {
                    ConflictWarning::OutsideWorkingHours { start_local }
                }
                Conflict::Overlaps { other_id } => {
                    let other_start = existing
                        .iter()
                        .find(|s| s.id == other_id)
                        .map(|s| to_local(s.start_utc, hours.tz))
                        .unwrap_or(start_local);
                    ConflictWarning::Overlaps {
                        start_local,
                        other_id,
                        other_start_local: other_start,
                    }
                }
            });
        }
    }
    Ok(out)
}

fn date_key(date: NaiveDate) -> String {
    date.format("%Y-%m-%d").to_string()
}

fn map(doc: &mut AutoCommit, key: &str) -> Result<ObjId, VaultError> {
    match doc.get(ROOT, key).map_err(am)? {
        Some((_, m)) => Ok(m),
        None => doc.put_object(ROOT, key, ObjType::Map).map_err(am),
    }
}

fn load_occurrence(
    vault: &mut Vault,
    occurrence: &str,
) -> Result<(String, NaiveDate, AutoCommit, Series), VaultError> {
    let (series_id, date) = split_occurrence_id(occurrence)
        .ok_or_else(|| VaultError::Invalid("that is not an appointment id".into()))?;
    let series_id = series_id.to_owned();
    let doc = vault.load_document(&series_id)?;
    let s = series(&series_id, &doc)?;
    if !s.rule.is_occurrence_date(date) {
        return Err(VaultError::RecordNotFound(occurrence.to_owned()));
    }
    Ok((series_id, date, doc, s))
}

/// Marks one occurrence completed, cancelled, late-cancelled, no-show or
/// scheduled again.
pub fn set_status(
    vault: &mut Vault,
    occurrence: &str,
    status: AppointmentStatus,
) -> Result<(), VaultError> {
    let (series_id, date, mut doc, _) = load_occurrence(vault, occurrence)?;
    let statuses = map(&mut doc, "statuses")?;
    doc.put(&statuses, date_key(date), status.as_str())
        .map_err(am)?;
    save(vault, &series_id, &mut doc)
}

/// Moves one occurrence, or it and every later one (which splits the series
/// so the past stays as it was). Returns the moved occurrence's id.
pub fn reschedule(
    vault: &mut Vault,
    occurrence: &str,
    new_start_local: NaiveDateTime,
    duration_min: u32,
    scope: Scope,
) -> Result<String, VaultError> {
    let (series_id, date, mut doc, s) = load_occurrence(vault, occurrence)?;
    let first_date = s.rule.first_start_local.date();
    if scope == Scope::ThisOne || !s.recurring || date == first_date {
        if scope == Scope::ThisAndFollowing {
            // Moving a whole series from its first occurrence: change the rule.
            // Exceptions are keyed by the old dates: they still apply when only
            // the time changes, and are dropped when the days move.
            let same_days = new_start_local.date() == first_date;
            let mut rule = s.rule.clone();
            rule.first_start_local = new_start_local;
            rule.duration_min = duration_min;
            if !same_days {
                rule.exceptions.clear();
            }
            rule.validate().map_err(invalid)?;
            doc.put(
                ROOT,
                "first_start_local",
                new_start_local.format(LOCAL_FORMAT).to_string(),
            )
            .map_err(am)?;
            doc.put(ROOT, "duration_min", i64::from(duration_min))
                .map_err(am)?;
            if !same_days {
                doc.put_object(ROOT, "exceptions", ObjType::Map)
                    .map_err(am)?;
            }
            save(vault, &series_id, &mut doc)?;
            return Ok(occurrence_id(&series_id, new_start_local.date()));
        }
        let change = Change::Move {
            new_start_local,
            duration_min,
        };
        let mut rule = s.rule.clone();
        rule.exceptions.retain(|e| e.original_date != date);
        rule.exceptions.push(Exception {
            original_date: date,
            change: change.clone(),
        });
        rule.validate().map_err(invalid)?;
        let json =
            serde_json::to_string(&change).map_err(|e| VaultError::Internal(e.to_string()))?;
        let exceptions = map(&mut doc, "exceptions")?;
        doc.put(&exceptions, date_key(date), json).map_err(am)?;
        save(vault, &series_id, &mut doc)?;
        return Ok(occurrence.to_owned());
    }
    let (old, new) = s
        .rule
        .split_at(date, new_start_local, duration_min)
        .map_err(invalid)?;
    // The old series now ends the day before. Its later exceptions and
    // statuses move to the new series (when the new one still has that
    // date), and both documents are written in one transaction.
    match old.until {
        Some(until) => doc.put(ROOT, "until", date_key(until)).map_err(am)?,
        None => return Err(VaultError::Internal("split left the series open".into())),
    }
    doc.delete(ROOT, "count").map_err(am)?;
    let exceptions = map(&mut doc, "exceptions")?;
    for e in s.rule.exceptions.iter().filter(|e| e.original_date >= date) {
        doc.delete(&exceptions, date_key(e.original_date))
            .map_err(am)?;
    }
    let form = NewAppointment {
        client_id: s.client_id.clone(),
        start_local: new.first_start_local,
        duration_min: new.duration_min,
        service_code: s.service_code,
        fee_cents: s.fee_cents,
        modality: s.modality,
        repeat: Some(new.frequency),
        until: new.until,
        count: new.count,
    };
    check(&form)?;
    let mut next = new_doc(&form, new.tz)?;
    let next_exceptions = map(&mut next, "exceptions")?;
    for e in &new.exceptions {
        let json =
            serde_json::to_string(&e.change).map_err(|e| VaultError::Internal(e.to_string()))?;
        next.put(&next_exceptions, date_key(e.original_date), json)
            .map_err(am)?;
    }
    let old_statuses = map(&mut doc, "statuses")?;
    let next_statuses = map(&mut next, "statuses")?;
    for (day, status) in s.statuses.iter().filter(|(d, _)| **d >= date) {
        doc.delete(&old_statuses, date_key(*day)).map_err(am)?;
        if new.is_occurrence_date(*day) {
            next.put(&next_statuses, date_key(*day), status.as_str())
                .map_err(am)?;
        }
    }
    let next_id = uuid::Uuid::new_v4().to_string();
    series(&series_id, &doc)?;
    series(&next_id, &next)?;
    let (old_bytes, next_bytes) = (doc.save(), next.save());
    let (old_doc, next_doc): (&AutoCommit, &AutoCommit) = (&doc, &next);
    vault.write_records_with(
        &[
            (series_id.as_str(), KIND, old_bytes.as_slice()),
            (next_id.as_str(), KIND, next_bytes.as_slice()),
        ],
        |tx| {
            project(tx, &series_id, old_doc)?;
            project(tx, &next_id, next_doc)
        },
    )?;
    Ok(occurrence_id(&next_id, new.first_start_local.date()))
}

fn views(
    vault: &Vault,
    sql_where: &str,
    args: &[&dyn rusqlite::ToSql],
    tz: Tz,
) -> Result<Vec<AppointmentView>, VaultError> {
    let sql = format!(
        "SELECT a.id, a.series_id, a.client_id, c.display_name, a.start_ms, a.end_ms, a.status,
                a.service_code, a.fee_cents, a.modality, a.recurring
         FROM appointments a JOIN clients c ON c.id = a.client_id
         WHERE {sql_where} ORDER BY a.start_ms, a.id"
    );
    let mut stmt = vault.connection().prepare_cached(&sql)?;
    let rows = stmt.query_map(args, |r| {
        Ok((
            (
                r.get::<_, String>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, String>(2)?,
                r.get::<_, String>(3)?,
            ),
            (r.get::<_, i64>(4)?, r.get::<_, i64>(5)?),
            (
                r.get::<_, String>(6)?,
                r.get::<_, String>(7)?,
                r.get::<_, i64>(8)?,
                r.get::<_, String>(9)?,
                r.get::<_, bool>(10)?,
            ),
        ))
    })?;
    let mut out = vec![];
    for row in rows {
        let ((id, series_id, client_id, client_name), (start_ms, end_ms), rest) = row?;
        let (status, code, fee_cents, modality, recurring) = rest;
        let bad = || VaultError::Corrupt(format!("appointment row {id}"));
        let start = DateTime::from_timestamp_millis(start_ms).ok_or_else(bad)?;
        let end = DateTime::from_timestamp_millis(end_ms).ok_or_else(bad)?;
        out.push(AppointmentView {
            status: AppointmentStatus::parse(&status).ok_or_else(bad)?,
            service_code: ServiceCode::parse(&code).ok_or_else(bad)?,
            modality: Modality::parse(&modality).ok_or_else(bad)?,
            id,
            series_id,
            client_id,
            client_name,
            start_ms,
            end_ms,
            start_local: to_local(start, tz),
            end_local: to_local(end, tz),
            fee_cents,
            recurring,
        });
    }
    Ok(out)
}

/// The calendar between two local dates (`from` inclusive, `to` exclusive).
pub fn range(
    vault: &Vault,
    from: NaiveDate,
    to: NaiveDate,
    tz: Tz,
) -> Result<Vec<AppointmentView>, VaultError> {
    let start = to_utc(from.and_time(chrono::NaiveTime::MIN), tz).timestamp_millis();
    let end = to_utc(to.and_time(chrono::NaiveTime::MIN), tz).timestamp_millis();
    // The lower bound on start_ms changes no result (no occurrence is longer
    // than LONGEST_MS) but lets the index scan just the window instead of
    // every occurrence that starts before its end.
    let earliest = start.saturating_sub(LONGEST_MS);
    views(
        vault,
        "a.start_ms < ?2 AND a.start_ms >= ?3 AND a.end_ms > ?1",
        &[&start, &end, &earliest],
        tz,
    )
}

/// One occurrence.
pub fn get(vault: &Vault, occurrence: &str, tz: Tz) -> Result<AppointmentView, VaultError> {
    views(vault, "a.id = ?1", &[&occurrence], tz)?
        .pop()
        .ok_or_else(|| VaultError::RecordNotFound(occurrence.to_owned()))
}

/// Every occurrence of a client's appointments, in time order.
pub fn for_client(vault: &Vault, client_id: &str) -> Result<Vec<AppointmentView>, VaultError> {
    let tz = working_hours(vault, Tz::UTC)?.tz;
    views(vault, "a.client_id = ?1", &[&client_id], tz)
}

/// The series id of an occurrence, if it exists (for dialogs).
pub fn series_of(vault: &Vault, occurrence: &str) -> Result<Option<String>, VaultError> {
    Ok(vault
        .connection()
        .query_row(
            "SELECT series_id FROM appointments WHERE id = ?1",
            [occurrence],
            |r| r.get(0),
        )
        .optional()?)
}

/// Initials only: an exported calendar leaves the vault, so it carries no names.
fn initials(name: &str) -> String {
    name.split_whitespace()
        .filter_map(|w| w.chars().next())
        .map(|c| format!("{}.", c.to_uppercase()))
        .collect()
}

/// The calendar between two local dates as an iCalendar file: one event per
/// occurrence, summarised as "Session (A.S.)" with the service code.
pub fn ics_export(
    vault: &Vault,
    from: NaiveDate,
    to: NaiveDate,
    tz: Tz,
) -> Result<String, VaultError> {
    use crate::schedule::ics::{self, IcsEvent, When};
    let stamp = DateTime::from_timestamp_millis(crate::vault::now_ms()).unwrap_or_default();
    let mut events = vec![];
    for a in range(vault, from, to, tz)? {
        let (Some(start_utc), Some(end_utc)) = (
            DateTime::from_timestamp_millis(a.start_ms),
            DateTime::from_timestamp_millis(a.end_ms),
        ) else {
            continue;
        };
        events.push(IcsEvent {
            uid: format!("{}@bloom", a.id),
            stamp_utc: stamp,
            summary: format!("Session ({})", initials(&a.client_name)),
            location: (a.modality == Modality::Telehealth).then(|| "Telehealth".to_owned()),
            description: Some(format!("CPT {}", a.service_code.as_str())),
            status: a.status.into(),
            when: When::Once { start_utc, end_utc },
        });
    }
    ics::calendar(&events, "-//Bloom//Bloom Desktop//EN").map_err(invalid)
}

#[cfg(test)]
mod tests {
    use chrono_tz::America::New_York;

    use super::*;
    use crate::chart::NewClient;
    use crate::records::client;
    use crate::vault::test_support::quick_vault;

    fn day(m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, m, d).unwrap()
    }

    fn booking(client_id: &str, m: u32, d: u32, h: u32) -> NewAppointment {
        NewAppointment {
            client_id: client_id.to_owned(),
            start_local: day(m, d).and_hms_opt(h, 0, 0).unwrap(),
            duration_min: 53,
            service_code: ServiceCode::Psychotherapy60,
            fee_cents: 15_000,
            modality: Modality::InPerson,
            repeat: None,
            until: None,
            count: None,
        }
    }

    fn setup() -> (tempfile::TempDir, Vault, String) {
        let dir = tempfile::tempdir().unwrap();
        let mut v = quick_vault(dir.path());
        let id = client::create_client(
            &mut v,
            &NewClient {
                given_name: "Ana".into(),
                family_name: "Silva".into(),
                preferred_name: None,
            },
        )
        .unwrap();
        (dir, v, id)
    }

    #[test]
    fn a_weekly_series_keeps_its_local_time_across_the_clock_change() {
        let (_dir, mut v, ana) = setup();
        let mut new = booking(&ana, 10, 27, 10);
        new.repeat = Some(Frequency::Weekly);
        new.count = Some(3);
        let series = create(&mut v, &new, New_York).unwrap();
        let rows = range(&v, day(10, 26), day(11, 16), New_York).unwrap();
        assert_eq!(rows.len(), 3);
        assert!(
            rows.iter()
                .all(|r| r.start_local.format("%H:%M").to_string() == "10:00")
        );
        // EDT (UTC-4) before 1 November, EST (UTC-5) after.
        let utc_hours: Vec<u32> = rows
            .iter()
            .map(|r| {
                DateTime::from_timestamp_millis(r.start_ms)
                    .unwrap()
                    .format("%H")
                    .to_string()
                    .parse()
                    .unwrap()
            })
            .collect();
        assert_eq!(utc_hours, [14, 15, 15]);
        assert!(rows.iter().all(|r| r.series_id == series && r.recurring));
    }

    #[test]
    fn conflicts_name_overlaps_and_hours_and_ignore_cancelled_ones() {
        let (_dir, mut v, ana) = setup();
        let hours = WorkingHours::standard(New_York);
        let first = booking(&ana, 11, 24, 10);
        let series = create(&mut v, &first, New_York).unwrap();
        let clash = booking(&ana, 11, 24, 10);
        let found = conflicts(&v, &clash, &hours, None).unwrap();
        assert!(
            matches!(found.as_slice(), [ConflictWarning::Overlaps { .. }]),
            "{found:?}"
        );
        // Back to back is fine; 20:00 is outside working hours.
        let mut next = booking(&ana, 11, 24, 10);
        next.start_local = day(11, 24).and_hms_opt(10, 53, 0).unwrap();
        assert!(conflicts(&v, &next, &hours, None).unwrap().is_empty());
        let late = booking(&ana, 11, 24, 20);
        assert!(matches!(
            conflicts(&v, &late, &hours, None).unwrap().as_slice(),
            [ConflictWarning::OutsideWorkingHours { .. }]
        ));
        // Cancelling frees the slot; excluding the series itself does too.
        assert!(
            conflicts(&v, &clash, &hours, Some(&series))
                .unwrap()
                .is_empty()
        );
        set_status(
            &mut v,
            &format!("{series}/2026-11-24"),
            AppointmentStatus::Cancelled,
        )
        .unwrap();
        assert!(conflicts(&v, &clash, &hours, None).unwrap().is_empty());
    }

    #[test]
    fn reschedule_one_or_this_and_following_and_refuse_garbage() {
        let (_dir, mut v, ana) = setup();
        let mut new = booking(&ana, 11, 3, 10);
        new.repeat = Some(Frequency::Biweekly);
        new.count = Some(4); // 3, 17 Nov, 1, 15 Dec
        let series = create(&mut v, &new, New_York).unwrap();
        let all = |v: &Vault| -> Vec<String> {
            range(v, day(11, 1), day(12, 31), New_York)
                .unwrap()
                .iter()
                .map(|r| r.start_local.format("%m-%d %H:%M").to_string())
                .collect()
        };
        assert_eq!(
            all(&v),
            ["11-03 10:00", "11-17 10:00", "12-01 10:00", "12-15 10:00"]
        );

        let moved = reschedule(
            &mut v,
            &format!("{series}/2026-11-17"),
            day(11, 18).and_hms_opt(14, 0, 0).unwrap(),
            53,
            Scope::ThisOne,
        )
        .unwrap();
        assert_eq!(moved, format!("{series}/2026-11-17"));
        assert_eq!(
            all(&v),
            ["11-03 10:00", "11-18 14:00", "12-01 10:00", "12-15 10:00"]
        );

        let later = reschedule(
            &mut v,
            &format!("{series}/2026-12-01"),
            day(12, 2).and_hms_opt(9, 0, 0).unwrap(),
            53,
            Scope::ThisAndFollowing,
        )
        .unwrap();
        assert!(!later.starts_with(&series), "a new series takes over");
        assert_eq!(
            all(&v),
            ["11-03 10:00", "11-18 14:00", "12-02 09:00", "12-16 09:00"]
        );

        // Changing only the time keeps later statuses with the new series.
        let new_series = later.split('/').next().unwrap().to_owned();
        set_status(
            &mut v,
            &format!("{new_series}/2026-12-16"),
            AppointmentStatus::Cancelled,
        )
        .unwrap();
        let moved_again = reschedule(
            &mut v,
            &format!("{new_series}/2026-12-02"),
            day(12, 2).and_hms_opt(11, 0, 0).unwrap(),
            53,
            Scope::ThisAndFollowing,
        )
        .unwrap();
        assert!(moved_again.ends_with("/2026-12-02"));
        let rows = range(&v, day(12, 1), day(12, 31), New_York).unwrap();
        assert_eq!(rows.len(), 2, "no duplicate occurrences after two splits");
        let dec16 = rows
            .iter()
            .find(|r| r.start_local.date() == day(12, 16))
            .unwrap();
        assert_eq!(
            dec16.status,
            AppointmentStatus::Cancelled,
            "status carried over"
        );
        assert_eq!(dec16.start_local.format("%H:%M").to_string(), "11:00");

        for bad in ["nonsense", "x/2026-13-40", &format!("{series}/2026-11-04")] {
            assert!(
                set_status(&mut v, bad, AppointmentStatus::Completed).is_err(),
                "{bad}"
            );
        }
        let mut zero = booking(&ana, 11, 3, 10);
        zero.duration_min = 0;
        assert!(matches!(
            create(&mut v, &zero, New_York),
            Err(VaultError::Invalid(_))
        ));
        assert!(matches!(
            create(&mut v, &booking("nobody", 11, 3, 10), New_York),
            Err(VaultError::RecordNotFound(_))
        ));
    }

    #[test]
    fn the_ics_export_has_one_event_per_occurrence_and_no_names() {
        let (_dir, mut v, ana) = setup();
        let mut new = booking(&ana, 11, 24, 10);
        new.repeat = Some(Frequency::Weekly);
        new.count = Some(2);
        new.modality = Modality::Telehealth;
        let series = create(&mut v, &new, New_York).unwrap();
        set_status(
            &mut v,
            &format!("{series}/2026-12-01"),
            AppointmentStatus::LateCancel,
        )
        .unwrap();
        let ics = ics_export(&v, day(11, 23), day(12, 7), New_York).unwrap();
        assert!(ics.starts_with("BEGIN:VCALENDAR\r\n"), "{ics}");
        assert_eq!(ics.matches("BEGIN:VEVENT").count(), 2, "{ics}");
        assert!(ics.contains("DTSTART:20261124T150000Z"), "{ics}");
        assert!(ics.contains("SUMMARY:Session (A.S.)"), "{ics}");
        assert!(ics.contains("STATUS:CANCELLED"), "{ics}");
        assert!(ics.contains("LOCATION:Telehealth"), "{ics}");
        assert!(!ics.contains("Silva") && !ics.contains("Ana"), "{ics}");
    }

    fn march_2030(d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(2030, 3, d).unwrap()
    }

    #[test]
    fn the_calendar_range_holds_every_occurrence_overlapping_it() {
        let dir = tempfile::tempdir().unwrap();
        let mut v = quick_vault(dir.path());
        let ana = crate::vault::test_support::client(&mut v, "Ana", "Silva");
        let book = |v: &mut Vault, d: u32, h: u32, m: u32, minutes: u32| {
            let a = NewAppointment {
                client_id: ana.clone(),
                start_local: march_2030(d).and_hms_opt(h, m, 0).unwrap(),
                duration_min: minutes,
                service_code: ServiceCode::Psychotherapy45,
                fee_cents: 0,
                modality: Modality::InPerson,
                repeat: None,
                until: None,
                count: None,
            };
            create(v, &a, Tz::UTC).unwrap()
        };
        // Starts the evening before the window and runs into it (8 hours).
        let overnight = book(&mut v, 9, 20, 0, 480);
        let inside = book(&mut v, 10, 9, 0, 45);
        // Ends exactly when the window starts: not in it.
        let before = book(&mut v, 9, 23, 0, 60);
        let on_the_last_day = book(&mut v, 16, 23, 30, 30);
        book(&mut v, 17, 0, 0, 30);

        let ids = |from: NaiveDate, to: NaiveDate| -> Vec<String> {
            range(&v, from, to, Tz::UTC)
                .unwrap()
                .into_iter()
                .map(|a| a.series_id)
                .collect()
        };
        assert_eq!(
            ids(march_2030(10), march_2030(17)),
            [overnight.clone(), inside, on_the_last_day]
        );
        assert_eq!(ids(march_2030(9), march_2030(10)), [overnight, before]);
        assert!(ids(march_2030(18), march_2030(25)).is_empty());
    }
}
