//! Scheduling: appointment vocabulary, recurring series, working hours,
//! conflict checks and iCalendar export.
//!
//! Pure logic, no storage and no clock: callers pass "now" and every instant
//! in. Instants are stored in UTC; a series is defined by its *local*
//! wall-clock time in the therapist's IANA time zone, because a weekly
//! 10:00 session stays at 10:00 when the clocks change.
//!
//! Limits (so that data from outside can never make us loop or allocate
//! without bound): a series or query window spans at most
//! [`MAX_SPAN_DAYS`], one expansion yields at most [`MAX_OCCURRENCES`],
//! durations are [`MIN_DURATION_MIN`]..=[`MAX_DURATION_MIN`] minutes, and
//! dates must lie in [`SUPPORTED_YEARS`].

mod codes;
mod conflict;
mod hours;
pub mod ics;
mod recurrence;
mod split;
mod zone;

#[cfg(test)]
mod proptests;

pub use codes::{AppointmentStatus, Frequency, Modality, ServiceCode};
pub use conflict::{Conflict, Slot, find_conflicts, free_slots};
pub use hours::WorkingHours;
pub use recurrence::{Change, Exception, Occurrence, Recurrence};
pub use zone::{to_local, to_utc};

use chrono::{DateTime, NaiveDate, NaiveTime, TimeDelta, Utc, Weekday};

/// Shortest appointment we accept, in minutes.
pub const MIN_DURATION_MIN: u32 = 5;
/// Longest appointment we accept (a full working day), in minutes.
pub const MAX_DURATION_MIN: u32 = 480;
/// Longest series (first to last date) and longest query window: about five
/// years, which is further ahead than anyone books therapy.
pub const MAX_SPAN_DAYS: i64 = 5 * 366;
/// Most occurrences one [`Recurrence::occurrences`] call returns.
pub const MAX_OCCURRENCES: usize = 1000;
/// Longest day range [`free_slots`] searches.
pub const MAX_FREE_SLOT_DAYS: i64 = 366;
/// Years we handle. Keeps every date computation far from chrono's limits,
/// so nothing can overflow or panic.
pub const SUPPORTED_YEARS: std::ops::RangeInclusive<i32> = 1900..=2999;

/// Why a schedule value or query was refused.
#[derive(Clone, Debug, thiserror::Error, PartialEq, Eq)]
pub enum ScheduleError {
    #[error("a duration of {minutes} minutes is outside {MIN_DURATION_MIN}..={MAX_DURATION_MIN}")]
    Duration { minutes: u32 },
    #[error("a series needs a count of at least 1")]
    CountZero,
    #[error("a series ends either on a date or after a count, not both")]
    UntilAndCount,
    #[error("the series ends on {until}, before its first date {first}")]
    UntilBeforeStart { until: NaiveDate, first: NaiveDate },
    #[error("the series is longer than {MAX_SPAN_DAYS} days")]
    SeriesTooLong,
    #[error("two exceptions for the occurrence of {date}")]
    DuplicateException { date: NaiveDate },
    #[error("the window ends before it starts")]
    WindowReversed,
    #[error("the window is longer than {MAX_SPAN_DAYS} days")]
    WindowTooLong,
    #[error("more than {MAX_OCCURRENCES} occurrences in one window")]
    TooManyOccurrences,
    #[error("a date outside the years {}..={}", SUPPORTED_YEARS.start(), SUPPORTED_YEARS.end())]
    DateOutOfRange,
    #[error("{date} is not after the first date and before the end of the series")]
    SplitOutsideSeries { date: NaiveDate },
    #[error("the new part of the series would start before the old part ends")]
    SplitOverlaps,
    #[error("working hours on {weekday}: {start} is not before {end}")]
    HoursInterval {
        weekday: Weekday,
        start: NaiveTime,
        end: NaiveTime,
    },
    #[error("working hours on {weekday} overlap")]
    HoursOverlap { weekday: Weekday },
    #[error("the day range ends before it starts or is longer than {MAX_FREE_SLOT_DAYS} days")]
    DayRange,
}

impl crate::HasCode for ScheduleError {
    fn code(&self) -> crate::Code {
        // Listed one by one so that a new variant has to pick its code.
        match self {
            ScheduleError::Duration { .. }
            | ScheduleError::CountZero
            | ScheduleError::UntilAndCount
            | ScheduleError::UntilBeforeStart { .. }
            | ScheduleError::SeriesTooLong
            | ScheduleError::DuplicateException { .. }
            | ScheduleError::WindowReversed
            | ScheduleError::WindowTooLong
            | ScheduleError::TooManyOccurrences
            | ScheduleError::DateOutOfRange
            | ScheduleError::SplitOutsideSeries { .. }
            | ScheduleError::SplitOverlaps
            | ScheduleError::HoursInterval { .. }
            | ScheduleError::HoursOverlap { .. }
            | ScheduleError::DayRange => crate::Code::InvalidInput,
        }
    }
}

/// Checks an appointment length.
fn check_duration(minutes: u32) -> Result<(), ScheduleError> {
    if (MIN_DURATION_MIN..=MAX_DURATION_MIN).contains(&minutes) {
        Ok(())
    } else {
        Err(ScheduleError::Duration { minutes })
    }
}

/// Checks that a date is one we can compute with safely.
fn check_date(date: NaiveDate) -> Result<(), ScheduleError> {
    use chrono::Datelike;
    if SUPPORTED_YEARS.contains(&date.year()) {
        Ok(())
    } else {
        Err(ScheduleError::DateOutOfRange)
    }
}

/// A query window must be ordered, inside the supported years and at most
/// [`MAX_SPAN_DAYS`] long.
fn check_window(start: DateTime<Utc>, end: DateTime<Utc>) -> Result<(), ScheduleError> {
    if end < start {
        return Err(ScheduleError::WindowReversed);
    }
    check_date(start.date_naive())?;
    check_date(end.date_naive())?;
    if end - start > TimeDelta::days(MAX_SPAN_DAYS) {
        return Err(ScheduleError::WindowTooLong);
    }
    Ok(())
}

/// A checked appointment length as a time delta.
fn minutes(m: u32) -> TimeDelta {
    TimeDelta::minutes(i64::from(m))
}

/// Short date constructors for the tests.
#[cfg(test)]
mod at {
    use chrono::{DateTime, NaiveDate, NaiveDateTime, Utc};

    pub fn day(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    pub fn local(y: i32, m: u32, d: u32, h: u32, mi: u32) -> NaiveDateTime {
        day(y, m, d).and_hms_opt(h, mi, 0).unwrap()
    }

    pub fn utc(y: i32, m: u32, d: u32, h: u32, mi: u32) -> DateTime<Utc> {
        local(y, m, d, h, mi).and_utc()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::HasCode;

    #[test]
    fn every_schedule_error_is_invalid_input_for_the_ui() {
        let errors = [
            ScheduleError::CountZero,
            ScheduleError::Duration { minutes: 0 },
            ScheduleError::WindowTooLong,
            ScheduleError::HoursOverlap {
                weekday: Weekday::Mon,
            },
        ];
        for e in errors {
            assert_eq!(e.code(), crate::Code::InvalidInput);
        }
    }

    #[test]
    fn error_messages_name_the_limits() {
        assert_eq!(
            ScheduleError::Duration { minutes: 0 }.to_string(),
            "a duration of 0 minutes is outside 5..=480"
        );
        assert_eq!(
            ScheduleError::DateOutOfRange.to_string(),
            "a date outside the years 1900..=2999"
        );
    }
}
