//! When the therapist works, in their own time zone.

use chrono::{DateTime, Datelike, NaiveDate, NaiveTime, Utc, Weekday};
use chrono_tz::Tz;
use serde::{Deserialize, Serialize};

use super::{SUPPORTED_YEARS, ScheduleError, to_local, to_utc};

/// Working intervals per weekday, Monday first, as local wall-clock times in
/// `tz`. A day may have several intervals (a lunch break) or none. An
/// interval cannot run past midnight: the latest end is 23:59:59.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct WorkingHours {
    pub tz: Tz,
    pub days: [Vec<(NaiveTime, NaiveTime)>; 7],
}

const WEEK: [Weekday; 7] = [
    Weekday::Mon,
    Weekday::Tue,
    Weekday::Wed,
    Weekday::Thu,
    Weekday::Fri,
    Weekday::Sat,
    Weekday::Sun,
];

impl WorkingHours {
    /// Monday to Friday, 09:00–17:00 in `tz`. There is no `Default`: hours
    /// without the therapist's zone would silently be UTC hours.
    pub fn standard(tz: Tz) -> WorkingHours {
        let nine_to_five = (NaiveTime::MIN + hours(9), NaiveTime::MIN + hours(17));
        let mut days: [Vec<(NaiveTime, NaiveTime)>; 7] = Default::default();
        for day in days.iter_mut().take(5) {
            day.push(nine_to_five);
        }
        WorkingHours { tz, days }
    }

    /// Every interval starts before it ends and no two on a day overlap
    /// (touching, like 09–12 and 12–13, is fine).
    pub fn validate(&self) -> Result<(), ScheduleError> {
        for (weekday, intervals) in WEEK.into_iter().zip(&self.days) {
            if let Some(&(start, end)) = intervals.iter().find(|(s, e)| s >= e) {
                return Err(ScheduleError::HoursInterval {
                    weekday,
                    start,
                    end,
                });
            }
            let mut sorted = intervals.clone();
            sorted.sort_unstable();
            if sorted.windows(2).any(|w| w[1].0 < w[0].1) {
                return Err(ScheduleError::HoursOverlap { weekday });
            }
        }
        Ok(())
    }

    /// Whether `[start_utc, end_utc)` lies entirely inside one working
    /// interval, read in the therapist's zone. Empty or reversed spans, and
    /// spans crossing local midnight, are not inside.
    pub fn contains(&self, start_utc: DateTime<Utc>, end_utc: DateTime<Utc>) -> bool {
        let in_range = |t: DateTime<Utc>| SUPPORTED_YEARS.contains(&t.year());
        if start_utc >= end_utc || !in_range(start_utc) || !in_range(end_utc) {
            return false;
        }
        let start = to_local(start_utc, self.tz);
        let end = to_local(end_utc, self.tz);
        start.date() == end.date()
            && self
                .intervals_on(start.date())
                .iter()
                .any(|&(s, e)| s <= start.time() && end.time() <= e)
    }

    /// The intervals of a local date.
    pub fn intervals_on(&self, date: NaiveDate) -> &[(NaiveTime, NaiveTime)] {
        &self.days[date.weekday().num_days_from_monday() as usize]
    }

    /// The working intervals of a local date as UTC instants, resolving
    /// clock changes like [`to_utc`].
    pub(super) fn intervals_utc(&self, date: NaiveDate) -> Vec<(DateTime<Utc>, DateTime<Utc>)> {
        self.intervals_on(date)
            .iter()
            .map(|&(s, e)| {
                (
                    to_utc(date.and_time(s), self.tz),
                    to_utc(date.and_time(e), self.tz),
                )
            })
            .collect()
    }
}

fn hours(h: i64) -> chrono::TimeDelta {
    chrono::TimeDelta::hours(h)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::schedule::at::{local, utc};

    fn t(h: u32, m: u32) -> NaiveTime {
        NaiveTime::from_hms_opt(h, m, 0).unwrap()
    }

    #[test]
    fn the_standard_week_is_nine_to_five_on_weekdays() {
        let hours = WorkingHours::standard(chrono_tz::UTC);
        assert!(hours.validate().is_ok());
        assert_eq!(hours.days[0], [(t(9, 0), t(17, 0))]);
        assert_eq!(hours.days[4], [(t(9, 0), t(17, 0))]);
        assert!(hours.days[5].is_empty() && hours.days[6].is_empty());
    }

    #[test]
    fn hours_are_read_in_the_therapists_zone_not_utc() {
        // A Berlin therapist, 09:00–12:00 and 13:00–17:00 on weekdays.
        let mut hours = WorkingHours::standard(chrono_tz::Europe::Berlin);
        for day in hours.days.iter_mut().take(5) {
            *day = vec![(t(13, 0), t(17, 0)), (t(9, 0), t(12, 0))];
        }
        assert!(hours.validate().is_ok());
        // Wednesday 15 July 2026, Berlin is UTC+2: 09:00–09:50 local.
        assert!(hours.contains(utc(2026, 7, 15, 7, 0), utc(2026, 7, 15, 7, 50)));
        // 08:00 UTC-as-if-local would be fine, but 08:00 Berlin is 06:00Z.
        assert!(!hours.contains(utc(2026, 7, 15, 6, 0), utc(2026, 7, 15, 6, 50)));
        // Over the lunch break, 11:30–12:20 local.
        assert!(!hours.contains(utc(2026, 7, 15, 9, 30), utc(2026, 7, 15, 10, 20)));
        // Ending exactly at 17:00 local is inside; a minute later is not.
        assert!(hours.contains(utc(2026, 7, 15, 14, 0), utc(2026, 7, 15, 15, 0)));
        assert!(!hours.contains(utc(2026, 7, 15, 14, 0), utc(2026, 7, 15, 15, 1)));
        // In winter Berlin is UTC+1, so the same local hour is 08:00Z.
        assert!(hours.contains(utc(2026, 1, 14, 8, 0), utc(2026, 1, 14, 8, 50)));
        // Saturday.
        assert!(!hours.contains(utc(2026, 7, 18, 8, 0), utc(2026, 7, 18, 8, 50)));
    }

    #[test]
    fn empty_reversed_and_far_out_spans_are_not_inside() {
        let hours = WorkingHours::standard(chrono_tz::UTC);
        let ten = utc(2026, 7, 15, 10, 0);
        assert!(!hours.contains(ten, ten));
        assert!(!hours.contains(ten, utc(2026, 7, 15, 9, 0)));
        assert!(!hours.contains(DateTime::<Utc>::MIN_UTC, ten));
        assert!(!hours.contains(ten, DateTime::<Utc>::MAX_UTC));
    }

    #[test]
    fn hours_store_their_zone_by_name_and_times_as_strings() {
        let hours = WorkingHours::standard(chrono_tz::America::Chicago);
        let json = serde_json::to_value(&hours).unwrap();
        assert_eq!(json["tz"], "America/Chicago");
        assert_eq!(
            json["days"][0][0],
            serde_json::json!(["09:00:00", "17:00:00"])
        );
        assert_eq!(serde_json::from_value::<WorkingHours>(json).unwrap(), hours);
    }

    #[test]
    fn bad_intervals_are_refused() {
        let mut hours = WorkingHours::standard(chrono_tz::UTC);
        hours.days[1] = vec![(t(12, 0), t(9, 0))];
        assert_eq!(
            hours.validate(),
            Err(ScheduleError::HoursInterval {
                weekday: Weekday::Tue,
                start: t(12, 0),
                end: t(9, 0)
            })
        );
        hours.days[1] = vec![(t(9, 0), t(12, 0)), (t(11, 0), t(14, 0))];
        assert_eq!(
            hours.validate(),
            Err(ScheduleError::HoursOverlap {
                weekday: Weekday::Tue
            })
        );
        hours.days[1] = vec![(t(12, 0), t(14, 0)), (t(9, 0), t(12, 0))];
        assert!(hours.validate().is_ok());
    }

    #[test]
    fn working_intervals_on_a_clock_change_day_keep_their_local_times() {
        let mut hours = WorkingHours::standard(chrono_tz::America::New_York);
        hours.days[6] = vec![(t(9, 0), t(12, 0))];
        // Sunday 8 March 2026, the US spring-forward day: 09:00 EDT = 13:00Z.
        let got = hours.intervals_utc(local(2026, 3, 8, 0, 0).date());
        assert_eq!(got, [(utc(2026, 3, 8, 13, 0), utc(2026, 3, 8, 16, 0))]);
    }
}
