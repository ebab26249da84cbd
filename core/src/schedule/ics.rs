//! iCalendar (RFC 5545) export, for subscribing to the schedule from Apple,
//! Google or Outlook calendars.
//!
//! Single appointments are written in UTC. A series is one VEVENT in the
//! therapist's zone (`DTSTART;TZID=America/New_York:…` plus an RRULE), so
//! calendars keep it at the same wall-clock time across clock changes; a
//! skipped occurrence becomes an EXDATE and a moved one its own VEVENT with
//! a RECURRENCE-ID. Each zone used by a series gets a VTIMEZONE built from
//! the real offset changes over the series (see `ics/vtimezone.rs`).
//!
//! Privacy: nothing here adds names or details; SUMMARY, LOCATION and
//! DESCRIPTION are exactly what the caller passes (the app uses initials or
//! "Session").

mod text;
mod vtimezone;

use std::collections::BTreeMap;

use chrono::{DateTime, Days, LocalResult, NaiveDate, NaiveDateTime, NaiveTime, TimeZone, Utc};
use chrono_tz::Tz;
use serde::{Deserialize, Serialize};

use text::{escape, fold};

use super::{
    AppointmentStatus, Change, Frequency, MAX_SPAN_DAYS, Recurrence, ScheduleError, to_local,
    to_utc,
};

/// One calendar entry: a single appointment or a whole series.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct IcsEvent {
    /// Stable across exports, so calendars update the entry instead of
    /// duplicating it; e.g. `"<appointment id>@bloom"`.
    pub uid: String,
    /// When this version of the entry was written (DTSTAMP).
    pub stamp_utc: DateTime<Utc>,
    pub summary: String,
    pub location: Option<String>,
    pub description: Option<String>,
    pub status: IcsStatus,
    pub when: When,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum When {
    Once {
        start_utc: DateTime<Utc>,
        end_utc: DateTime<Utc>,
    },
    Series(Recurrence),
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum IcsStatus {
    Confirmed,
    Cancelled,
}

impl From<AppointmentStatus> for IcsStatus {
    /// What a calendar should show: only appointments that still occupy the
    /// time are confirmed.
    fn from(status: AppointmentStatus) -> Self {
        if status.is_busy() {
            IcsStatus::Confirmed
        } else {
            IcsStatus::Cancelled
        }
    }
}

/// A complete VCALENDAR with CRLF line endings and lines folded at 75
/// octets. Fails only if a series is invalid.
pub fn calendar(events: &[IcsEvent], prodid: &str) -> Result<String, ScheduleError> {
    let mut lines = vec![
        "BEGIN:VCALENDAR".to_string(),
        "VERSION:2.0".into(),
        format!("PRODID:{}", escape(prodid)),
        "CALSCALE:GREGORIAN".into(),
    ];
    // The span each zone must be exact over, merged across series.
    let mut zones: BTreeMap<&str, (Tz, DateTime<Utc>, DateTime<Utc>)> = BTreeMap::new();
    let mut bodies = Vec::new();
    for event in events {
        match &event.when {
            When::Once { start_utc, end_utc } => {
                bodies.extend(single(event, *start_utc, *end_utc));
            }
            When::Series(series) => {
                series.validate()?;
                let (from, to) = zone_span(series);
                let span = zones
                    .entry(series.tz.name())
                    .or_insert((series.tz, from, to));
                span.1 = span.1.min(from);
                span.2 = span.2.max(to);
                bodies.extend(recurring(event, series));
            }
        }
    }
    for (tz, from, to) in zones.into_values() {
        lines.extend(vtimezone::vtimezone(tz, from, to));
    }
    lines.extend(bodies);
    lines.push("END:VCALENDAR".into());
    let mut out = String::new();
    for line in &lines {
        fold(line, &mut out);
    }
    Ok(out)
}

fn single(event: &IcsEvent, start: DateTime<Utc>, end: DateTime<Utc>) -> Vec<String> {
    let mut lines = head(event);
    lines.push(format!("DTSTART:{}", utc_stamp(start)));
    lines.push(format!("DTEND:{}", utc_stamp(end)));
    lines.extend(tail(event));
    lines
}

/// The series VEVENT and one VEVENT per moved occurrence.
fn recurring(event: &IcsEvent, series: &Recurrence) -> Vec<String> {
    let tzid = format!("TZID={}", series.tz.name());
    let mut lines = head(event);
    lines.push(format!(
        "DTSTART;{tzid}:{}",
        local_stamp(series.first_start_local)
    ));
    // Real elapsed time, which a DTEND in local time would get wrong across
    // a clock change.
    lines.push(format!("DURATION:PT{}M", series.duration_min));
    let gaps = gap_instances(series);
    lines.push(format!("RRULE:{}", rrule(series, !gaps.is_empty())));
    if !gaps.is_empty() {
        lines.push(format!("RDATE;{tzid}:{}", stamps(&gaps)));
    }
    let skipped: Vec<_> = changes(series)
        .filter(|(_, change)| **change == Change::Skip)
        .map(|(date, _)| instance_local(series, date))
        .collect();
    if !skipped.is_empty() {
        lines.push(format!("EXDATE;{tzid}:{}", stamps(&skipped)));
    }
    lines.extend(tail(event));
    for (date, change) in changes(series) {
        if let Change::Move {
            new_start_local,
            duration_min,
        } = *change
        {
            let start = to_utc(new_start_local, series.tz);
            let end = start + super::minutes(duration_min);
            lines.extend(head(event));
            let original = instance_local(series, date);
            lines.push(format!("RECURRENCE-ID;{tzid}:{}", local_stamp(original)));
            lines.push(format!("DTSTART:{}", utc_stamp(start)));
            lines.push(format!("DTEND:{}", utc_stamp(end)));
            lines.extend(tail(event));
        }
    }
    lines
}

fn head(event: &IcsEvent) -> Vec<String> {
    vec![
        "BEGIN:VEVENT".into(),
        format!("UID:{}", escape(&event.uid)),
        format!("DTSTAMP:{}", utc_stamp(event.stamp_utc)),
    ]
}

fn tail(event: &IcsEvent) -> Vec<String> {
    let mut lines = vec![format!("SUMMARY:{}", escape(&event.summary))];
    if let Some(location) = &event.location {
        lines.push(format!("LOCATION:{}", escape(location)));
    }
    if let Some(description) = &event.description {
        lines.push(format!("DESCRIPTION:{}", escape(description)));
    }
    let status = match event.status {
        IcsStatus::Confirmed => "CONFIRMED",
        IcsStatus::Cancelled => "CANCELLED",
    };
    lines.push(format!("STATUS:{status}"));
    lines.push("END:VEVENT".into());
    lines
}

/// The RRULE value. `until_for_count`: state a count as the equivalent
/// UNTIL, because RFC 5545 clients drop (and do not count) instances that
/// fall into a clock-change gap, which we add back as RDATEs instead.
fn rrule(series: &Recurrence, until_for_count: bool) -> String {
    let mut rule = match series.frequency {
        Frequency::Weekly => "FREQ=WEEKLY".to_string(),
        Frequency::Biweekly => "FREQ=WEEKLY;INTERVAL=2".into(),
        Frequency::Monthly => "FREQ=MONTHLY".into(),
    };
    let day = chrono::Datelike::day(&series.first_start_local);
    if series.frequency == Frequency::Monthly && day > 28 {
        // "The 31st, or the month's last day": the last existing day of 28..=31.
        let days: Vec<String> = (28..=day).map(|d| d.to_string()).collect();
        rule.push_str(&format!(";BYMONTHDAY={};BYSETPOS=-1", days.join(",")));
    }
    let until = match (series.until, series.count) {
        (Some(until), _) => Some(until),
        (None, Some(_)) if until_for_count => series.last_date(),
        _ => None,
    };
    if let Some(until) = until {
        // UNTIL must be UTC when DTSTART has a TZID; the local day's last second.
        let end_of_day = until.and_time(NaiveTime::MIN) + chrono::TimeDelta::seconds(86_399);
        rule.push_str(&format!(
            ";UNTIL={}",
            utc_stamp(to_utc(end_of_day, series.tz))
        ));
    } else if let Some(count) = series.count {
        rule.push_str(&format!(";COUNT={count}"));
    }
    rule
}

/// Exceptions that apply to real occurrences, in date order.
fn changes(series: &Recurrence) -> impl Iterator<Item = (NaiveDate, &Change)> {
    let sorted: BTreeMap<NaiveDate, &Change> = series
        .exceptions
        .iter()
        .filter(|e| series.is_occurrence_date(e.original_date))
        .map(|e| (e.original_date, &e.change))
        .collect();
    sorted.into_iter()
}

/// The local time an occurrence actually happens at (gap times moved on).
fn instance_local(series: &Recurrence, date: NaiveDate) -> NaiveDateTime {
    let wall = date.and_time(series.first_start_local.time());
    to_local(to_utc(wall, series.tz), series.tz)
}

/// Occurrences whose wall-clock time does not exist that day, at the time
/// they actually happen. Open-ended series are looked at for five years.
fn gap_instances(series: &Recurrence) -> Vec<NaiveDateTime> {
    let horizon = series.first_start_local.date() + Days::new(MAX_SPAN_DAYS as u64);
    (0..)
        .map_while(|n| series.date_of(n).filter(|d| *d <= horizon))
        .filter(|d| {
            let wall = d.and_time(series.first_start_local.time());
            matches!(series.tz.from_local_datetime(&wall), LocalResult::None)
        })
        .map(|d| instance_local(series, d))
        .collect()
}

/// The instants a series' VTIMEZONE must describe: from a day before its
/// first occurrence to a day after its last (five years for open-ended
/// series), moved occurrences included.
fn zone_span(series: &Recurrence) -> (DateTime<Utc>, DateTime<Utc>) {
    let first = series.first_start_local.date();
    let last = series
        .last_date()
        .unwrap_or(first + Days::new(MAX_SPAN_DAYS as u64));
    let moved = series.exceptions.iter().filter_map(|e| match e.change {
        Change::Move {
            new_start_local, ..
        } => Some(new_start_local.date()),
        Change::Skip => None,
    });
    let (lo, hi) = moved.fold((first, last), |(lo, hi), d| (lo.min(d), hi.max(d)));
    let at = |d: NaiveDate| to_utc(d.and_time(NaiveTime::MIN), series.tz);
    (at(lo - Days::new(1)), at(hi + Days::new(2)))
}

fn stamps(times: &[NaiveDateTime]) -> String {
    let stamps: Vec<String> = times.iter().map(|t| local_stamp(*t)).collect();
    stamps.join(",")
}

fn utc_stamp(t: DateTime<Utc>) -> String {
    t.format("%Y%m%dT%H%M%SZ").to_string()
}

fn local_stamp(t: NaiveDateTime) -> String {
    t.format("%Y%m%dT%H%M%S").to_string()
}

#[cfg(test)]
mod tests;
