//! Double-booking and out-of-hours checks, and free times for booking.

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

use super::{MAX_FREE_SLOT_DAYS, ScheduleError, WorkingHours, check_date, check_duration, minutes};

/// A span of the calendar: an appointment or a single occurrence of a series.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Slot {
    pub id: String,
    pub start_utc: DateTime<Utc>,
    pub end_utc: DateTime<Utc>,
    /// Whether it occupies the calendar ([`super::AppointmentStatus::is_busy`]).
    pub busy: bool,
}

impl Slot {
    /// Half-open overlap: back to back (one ends as the other starts) is fine.
    fn overlaps(&self, start: DateTime<Utc>, end: DateTime<Utc>) -> bool {
        self.start_utc < end && start < self.end_utc
    }
}

/// Something wrong with booking a slot. Warnings for the UI, not refusals:
/// a therapist may knowingly book outside hours.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Conflict {
    Overlaps { other_id: String },
    OutsideWorkingHours,
}

/// What is wrong with booking `candidate`: outside working hours first, then
/// every busy slot it overlaps, in the order given. Slots that are not busy
/// never conflict, and neither does the candidate's own stored version (same
/// id), so re-checking an edit works. A candidate that is itself not busy
/// (cancelled) has no conflicts.
pub fn find_conflicts(candidate: &Slot, existing: &[Slot], hours: &WorkingHours) -> Vec<Conflict> {
    if !candidate.busy {
        return Vec::new();
    }
    let mut conflicts = Vec::new();
    if !hours.contains(candidate.start_utc, candidate.end_utc) {
        conflicts.push(Conflict::OutsideWorkingHours);
    }
    conflicts.extend(
        existing
            .iter()
            .filter(|s| s.busy && s.id != candidate.id)
            .filter(|s| s.overlaps(candidate.start_utc, candidate.end_utc))
            .map(|s| Conflict::Overlaps {
                other_id: s.id.clone(),
            }),
    );
    conflicts
}

/// Start times from `first_day` to `last_day` (inclusive, local dates in the
/// therapist's zone) where a `length_min` appointment fits inside working
/// hours without touching a busy slot. Kept simple: within each working
/// interval, slots are packed back to back from its start, and a busy slot
/// pushes the next candidate to its end. Callers drop times in the past.
pub fn free_slots(
    first_day: NaiveDate,
    last_day: NaiveDate,
    hours: &WorkingHours,
    busy: &[Slot],
    length_min: u32,
) -> Result<Vec<DateTime<Utc>>, ScheduleError> {
    check_duration(length_min)?;
    check_date(first_day)?;
    check_date(last_day)?;
    hours.validate()?;
    let days = (last_day - first_day).num_days();
    if !(0..MAX_FREE_SLOT_DAYS).contains(&days) {
        return Err(ScheduleError::DayRange);
    }
    let length = minutes(length_min);
    let busy: Vec<&Slot> = busy.iter().filter(|s| s.busy).collect();
    let mut free = Vec::new();
    for date in first_day.iter_days().take(days as usize + 1) {
        for (open, close) in hours.intervals_utc(date) {
            let mut start = open;
            while start + length <= close {
                let end = start + length;
                let blocking = busy
                    .iter()
                    .filter(|s| s.overlaps(start, end))
                    .map(|s| s.end_utc)
                    .max();
                match blocking {
                    Some(busy_until) => start = busy_until,
                    None => {
                        free.push(start);
                        start = end;
                    }
                }
            }
        }
    }
    Ok(free)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::schedule::at::{day, utc};

    fn slot(id: &str, start: DateTime<Utc>, mins: i64, busy: bool) -> Slot {
        Slot {
            id: id.into(),
            start_utc: start,
            end_utc: start + chrono::TimeDelta::minutes(mins),
            busy,
        }
    }

    fn utc_hours() -> WorkingHours {
        WorkingHours::standard(chrono_tz::UTC)
    }

    #[test]
    fn an_overlapping_session_is_reported_by_id() {
        let existing = [slot("a", utc(2026, 3, 4, 10, 0), 50, true)];
        let candidate = slot("new", utc(2026, 3, 4, 10, 30), 50, true);
        assert_eq!(
            find_conflicts(&candidate, &existing, &utc_hours()),
            [Conflict::Overlaps {
                other_id: "a".into()
            }]
        );
    }

    #[test]
    fn back_to_back_sessions_do_not_conflict() {
        let existing = [
            slot("before", utc(2026, 3, 4, 9, 10), 50, true),
            slot("after", utc(2026, 3, 4, 10, 50), 50, true),
        ];
        let candidate = slot("new", utc(2026, 3, 4, 10, 0), 50, true);
        assert!(find_conflicts(&candidate, &existing, &utc_hours()).is_empty());
    }

    #[test]
    fn cancelled_sessions_and_the_session_itself_are_ignored() {
        let existing = [
            slot("cancelled", utc(2026, 3, 4, 10, 0), 50, false),
            slot("me", utc(2026, 3, 4, 10, 0), 50, true),
        ];
        let candidate = slot("me", utc(2026, 3, 4, 10, 15), 50, true);
        assert!(find_conflicts(&candidate, &existing, &utc_hours()).is_empty());
        let cancelled_candidate = slot("x", utc(2026, 3, 4, 10, 15), 50, false);
        assert!(find_conflicts(&cancelled_candidate, &existing, &utc_hours()).is_empty());
    }

    #[test]
    fn an_evening_session_is_outside_working_hours_and_may_also_overlap() {
        let existing = [slot("late", utc(2026, 3, 4, 18, 0), 50, true)];
        let candidate = slot("new", utc(2026, 3, 4, 18, 30), 50, true);
        assert_eq!(
            find_conflicts(&candidate, &existing, &utc_hours()),
            [
                Conflict::OutsideWorkingHours,
                Conflict::Overlaps {
                    other_id: "late".into()
                }
            ]
        );
        assert_eq!(
            serde_json::to_value(&Conflict::OutsideWorkingHours).unwrap(),
            serde_json::json!({ "kind": "outside_working_hours" })
        );
    }

    #[test]
    fn free_slots_pack_around_busy_sessions() {
        let mut hours = utc_hours();
        hours.days[2] = vec![(
            chrono::NaiveTime::from_hms_opt(9, 0, 0).unwrap(),
            chrono::NaiveTime::from_hms_opt(12, 0, 0).unwrap(),
        )];
        // Wednesday 4 March: busy 10:15–11:05, a cancelled one at 09:00.
        let busy = [
            slot("a", utc(2026, 3, 4, 10, 15), 50, true),
            slot("c", utc(2026, 3, 4, 9, 0), 50, false),
        ];
        let free = free_slots(day(2026, 3, 4), day(2026, 3, 4), &hours, &busy, 50).unwrap();
        // 09:00 fits; 09:50 would hit 10:15, so the next try is 11:05, and
        // 11:55 would run past noon.
        assert_eq!(free, [utc(2026, 3, 4, 9, 0), utc(2026, 3, 4, 11, 5)]);
    }

    #[test]
    fn free_slots_follow_the_local_zone_and_skip_days_off() {
        let hours = WorkingHours::standard(chrono_tz::America::New_York);
        // Friday 6 to Sunday 8 March 2026: only Friday is a working day.
        let free = free_slots(day(2026, 3, 6), day(2026, 3, 8), &hours, &[], 240).unwrap();
        assert_eq!(free, [utc(2026, 3, 6, 14, 0), utc(2026, 3, 6, 18, 0)]);
    }

    #[test]
    fn free_slot_queries_with_garbage_are_refused() {
        let hours = utc_hours();
        let query = |a, b, len| free_slots(a, b, &hours, &[], len);
        assert_eq!(
            query(day(2026, 3, 4), day(2026, 3, 3), 50),
            Err(ScheduleError::DayRange)
        );
        assert_eq!(
            query(day(2026, 1, 1), day(2028, 1, 1), 50),
            Err(ScheduleError::DayRange)
        );
        assert_eq!(
            query(day(2026, 3, 4), day(2026, 3, 4), 0),
            Err(ScheduleError::Duration { minutes: 0 })
        );
        let mut broken = utc_hours();
        broken.days[0] = vec![(chrono::NaiveTime::MIN, chrono::NaiveTime::MIN)];
        assert!(free_slots(day(2026, 3, 4), day(2026, 3, 4), &broken, &[], 50).is_err());
    }
}
