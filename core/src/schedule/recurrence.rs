//! Recurring series ("every other Tuesday at 10:00") and their expansion
//! into concrete instants.
//!
//! A series keeps its *local* wall-clock time: a 10:00 New York session is
//! at 10:00 in March and in November, so its UTC instant moves by an hour
//! when the clocks change. Spring-forward and fall-back times resolve as in
//! [`to_utc`]. Durations are real elapsed minutes.

use std::collections::BTreeMap;

use chrono::{DateTime, Datelike, Days, Months, NaiveDate, NaiveDateTime, Utc};
use chrono_tz::Tz;
use serde::{Deserialize, Serialize};

use super::{
    Frequency, MAX_OCCURRENCES, MAX_SPAN_DAYS, ScheduleError, check_date, check_duration,
    check_window, minutes, to_local, to_utc,
};

/// A repeating appointment. Ends on `until` (inclusive, a local date) or
/// after `count` occurrences, or runs on until changed.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Recurrence {
    pub frequency: Frequency,
    /// Date and wall-clock time of the first occurrence, in `tz`.
    pub first_start_local: NaiveDateTime,
    pub duration_min: u32,
    /// The therapist's zone, stored as its IANA name ("America/New_York").
    pub tz: Tz,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub until: Option<NaiveDate>,
    /// Skipped occurrences count too, as with iCalendar's COUNT.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub count: Option<u32>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub exceptions: Vec<Exception>,
}

/// A change to one occurrence, found by the local date it originally fell on
/// (stable even if the occurrence is moved twice).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Exception {
    pub original_date: NaiveDate,
    pub change: Change,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Change {
    /// The occurrence does not take place.
    Skip,
    /// The occurrence takes place at another local time, for another length.
    Move {
        new_start_local: NaiveDateTime,
        duration_min: u32,
    },
}

/// One concrete appointment of a series.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Occurrence {
    /// The local date the series put it on, before any move; the key for
    /// exceptions.
    pub original_date: NaiveDate,
    pub start_utc: DateTime<Utc>,
    pub end_utc: DateTime<Utc>,
}

impl Recurrence {
    /// An open-ended series without exceptions.
    pub fn new(
        frequency: Frequency,
        first_start_local: NaiveDateTime,
        duration_min: u32,
        tz: Tz,
    ) -> Recurrence {
        Recurrence {
            frequency,
            first_start_local,
            duration_min,
            tz,
            until: None,
            count: None,
            exceptions: Vec::new(),
        }
    }

    /// Checks everything `occurrences` relies on. Series come from storage and
    /// sync, so they are checked on every use, not only when created.
    pub fn validate(&self) -> Result<(), ScheduleError> {
        check_duration(self.duration_min)?;
        let first = self.first_start_local.date();
        check_date(first)?;
        let last = match (self.until, self.count) {
            (Some(_), Some(_)) => return Err(ScheduleError::UntilAndCount),
            (_, Some(0)) => return Err(ScheduleError::CountZero),
            (Some(until), None) if until < first => {
                return Err(ScheduleError::UntilBeforeStart { until, first });
            }
            (Some(until), None) => Some(until),
            (None, Some(count)) => Some(
                self.unbounded_date(count - 1)
                    .ok_or(ScheduleError::SeriesTooLong)?,
            ),
            (None, None) => None,
        };
        if last.is_some_and(|last| (last - first).num_days() > MAX_SPAN_DAYS) {
            return Err(ScheduleError::SeriesTooLong);
        }
        let mut dates: Vec<NaiveDate> = self.exceptions.iter().map(|e| e.original_date).collect();
        dates.sort_unstable();
        if let Some(pair) = dates.windows(2).find(|w| w[0] == w[1]) {
            return Err(ScheduleError::DuplicateException { date: pair[0] });
        }
        for exception in &self.exceptions {
            if let Change::Move {
                new_start_local,
                duration_min,
            } = exception.change
            {
                check_duration(duration_min)?;
                check_date(new_start_local.date())?;
            }
        }
        Ok(())
    }

    /// Every occurrence overlapping `[window_start_utc, window_end_utc)` (for
    /// an empty window: under way at that instant), sorted by start. Skipped
    /// occurrences are left out; moved ones appear at their new time (if that
    /// overlaps the window), keeping their original date. Exceptions on dates
    /// that are not occurrences are ignored.
    ///
    /// Refuses a window longer than [`MAX_SPAN_DAYS`] and more than
    /// [`MAX_OCCURRENCES`] results, so untrusted input cannot run away.
    pub fn occurrences(
        &self,
        window_start_utc: DateTime<Utc>,
        window_end_utc: DateTime<Utc>,
    ) -> Result<Vec<Occurrence>, ScheduleError> {
        self.validate()?;
        check_window(window_start_utc, window_end_utc)?;
        let overlaps =
            |o: &Occurrence| o.start_utc < window_end_utc && o.end_utc > window_start_utc;
        // A day of slack: an occurrence starting the local day before can
        // still reach into the window.
        let lo = to_local(window_start_utc, self.tz)
            .date()
            .pred_opt()
            .ok_or(ScheduleError::DateOutOfRange)?;
        let hi = to_local(window_end_utc, self.tz).date();
        let changes: BTreeMap<NaiveDate, &Change> = self
            .exceptions
            .iter()
            .map(|e| (e.original_date, &e.change))
            .collect();

        let mut out = Vec::new();
        let mut n = self.index_near(lo);
        while let Some(date) = self.date_of(n) {
            if date > hi {
                break;
            }
            if !changes.contains_key(&date) {
                let o = self.make(
                    date,
                    date.and_time(self.first_start_local.time()),
                    self.duration_min,
                );
                if overlaps(&o) {
                    out.push(o);
                }
            }
            let Some(next) = n.checked_add(1) else { break };
            n = next;
        }
        for (&date, change) in &changes {
            if let Change::Move {
                new_start_local,
                duration_min,
            } = change
                && self.is_occurrence_date(date)
            {
                let o = self.make(date, *new_start_local, *duration_min);
                if overlaps(&o) {
                    out.push(o);
                }
            }
        }
        if out.len() > MAX_OCCURRENCES {
            return Err(ScheduleError::TooManyOccurrences);
        }
        out.sort_by_key(|o| (o.start_utc, o.original_date));
        Ok(out)
    }

    /// Whether the series (ignoring exceptions) has an occurrence on `date`.
    pub fn is_occurrence_date(&self, date: NaiveDate) -> bool {
        self.index_of(date).is_some()
    }

    /// The date of the last occurrence of a bounded series (`None` if it is
    /// open-ended or invalid). Skipped or moved occurrences are included.
    pub fn last_date(&self) -> Option<NaiveDate> {
        match (self.until, self.count) {
            (_, Some(count)) => self.date_of(count.checked_sub(1)?),
            (Some(until), None) => {
                let mut n = self.index_near(until);
                let mut last = None;
                while let Some(date) = self.date_of(n) {
                    last = Some(date);
                    n = n.checked_add(1)?;
                }
                last
            }
            (None, None) => None,
        }
    }

    /// The `n`th (0-based) date of the series, within its count and until.
    pub(super) fn date_of(&self, n: u32) -> Option<NaiveDate> {
        if self.count.is_some_and(|count| n >= count) {
            return None;
        }
        let date = self.unbounded_date(n)?;
        match self.until {
            Some(until) if date > until => None,
            _ => Some(date),
        }
    }

    /// The `n`th date as if the series never ended. Monthly series anchor
    /// every month on the first date, so the 31st comes back after February.
    pub(super) fn unbounded_date(&self, n: u32) -> Option<NaiveDate> {
        let first = self.first_start_local.date();
        match self.frequency {
            Frequency::Weekly => first.checked_add_days(Days::new(7 * u64::from(n))),
            Frequency::Biweekly => first.checked_add_days(Days::new(14 * u64::from(n))),
            // chrono clamps to the month's last day, exactly our rule.
            Frequency::Monthly => first.checked_add_months(Months::new(n)),
        }
    }

    /// The index of `date` if the series has an occurrence on it.
    pub(super) fn index_of(&self, date: NaiveDate) -> Option<u32> {
        let n = self.index_near(date);
        (self.date_of(n) == Some(date)).then_some(n)
    }

    /// An index whose date is on or before `date` but close to it (or 0), to
    /// start scanning from.
    pub(super) fn index_near(&self, date: NaiveDate) -> u32 {
        let first = self.first_start_local.date();
        if date <= first {
            return 0;
        }
        let n = match self.frequency {
            Frequency::Weekly => (date - first).num_days() / 7,
            Frequency::Biweekly => (date - first).num_days() / 14,
            Frequency::Monthly => {
                let months = |d: NaiveDate| i64::from(d.year()) * 12 + i64::from(d.month0());
                let n = months(date) - months(first);
                // A clamped month-end date may still be on or before `date`.
                if self.unbounded_date(u32::try_from(n).unwrap_or(u32::MAX)) <= Some(date) {
                    n
                } else {
                    n - 1
                }
            }
        };
        u32::try_from(n).unwrap_or(u32::MAX)
    }

    fn make(
        &self,
        original_date: NaiveDate,
        start_local: NaiveDateTime,
        duration_min: u32,
    ) -> Occurrence {
        let start_utc = to_utc(start_local, self.tz);
        Occurrence {
            original_date,
            start_utc,
            end_utc: start_utc + minutes(duration_min),
        }
    }
}

#[cfg(test)]
mod limit_tests;
#[cfg(test)]
mod tests;
