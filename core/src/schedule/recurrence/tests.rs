use super::*;
use crate::schedule::at::{day, local, utc};
use chrono::TimeDelta;
use chrono_tz::America::New_York;

fn starts(series: &Recurrence, from: DateTime<Utc>, to: DateTime<Utc>) -> Vec<DateTime<Utc>> {
    series
        .occurrences(from, to)
        .unwrap()
        .iter()
        .map(|o| o.start_utc)
        .collect()
}

fn dates(series: &Recurrence, from: DateTime<Utc>, to: DateTime<Utc>) -> Vec<NaiveDate> {
    series
        .occurrences(from, to)
        .unwrap()
        .iter()
        .map(|o| o.original_date)
        .collect()
}

/// Monday 2 March 2026, 10:00 in New York, 50 minutes, every week.
pub(super) fn monday_ten_am() -> Recurrence {
    Recurrence::new(Frequency::Weekly, local(2026, 3, 2, 10, 0), 50, New_York)
}

#[test]
fn weekly_session_stays_at_ten_when_new_york_springs_forward() {
    let series = monday_ten_am();
    let got = series
        .occurrences(utc(2026, 3, 1, 0, 0), utc(2026, 3, 20, 0, 0))
        .unwrap();
    assert_eq!(
        got.iter().map(|o| o.start_utc).collect::<Vec<_>>(),
        // 10:00 EST is 15:00Z; after 8 March 10:00 EDT is 14:00Z.
        [
            utc(2026, 3, 2, 15, 0),
            utc(2026, 3, 9, 14, 0),
            utc(2026, 3, 16, 14, 0)
        ]
    );
    for o in &got {
        assert_eq!(
            to_local(o.start_utc, New_York).time(),
            local(2026, 1, 1, 10, 0).time()
        );
        assert_eq!(o.end_utc - o.start_utc, TimeDelta::minutes(50));
    }
}

#[test]
fn weekly_session_stays_at_ten_when_new_york_falls_back() {
    let series = monday_ten_am();
    assert_eq!(
        starts(&series, utc(2026, 10, 20, 0, 0), utc(2026, 11, 5, 0, 0)),
        [utc(2026, 10, 26, 14, 0), utc(2026, 11, 2, 15, 0)]
    );
}

#[test]
fn a_series_at_half_past_two_moves_to_half_past_three_on_the_change_day_only() {
    // Sundays at 02:30; on 8 March 02:30 does not exist in New York.
    let series = Recurrence::new(Frequency::Weekly, local(2026, 3, 1, 2, 30), 30, New_York);
    let got = starts(&series, utc(2026, 3, 1, 0, 0), utc(2026, 3, 16, 0, 0));
    assert_eq!(
        got.iter()
            .map(|t| to_local(*t, New_York))
            .collect::<Vec<_>>(),
        [
            local(2026, 3, 1, 2, 30),
            local(2026, 3, 8, 3, 30),
            local(2026, 3, 15, 2, 30)
        ]
    );
}

#[test]
fn a_series_at_half_past_one_takes_the_first_one_on_fall_back_night() {
    let series = Recurrence::new(Frequency::Weekly, local(2026, 10, 25, 1, 30), 30, New_York);
    assert_eq!(
        starts(&series, utc(2026, 11, 1, 0, 0), utc(2026, 11, 2, 0, 0)),
        [utc(2026, 11, 1, 5, 30)] // 01:30 EDT, not 01:30 EST (06:30Z)
    );
}

#[test]
fn biweekly_skips_every_other_week() {
    let series = Recurrence::new(Frequency::Biweekly, local(2026, 1, 6, 9, 0), 45, New_York);
    assert_eq!(
        dates(&series, utc(2026, 1, 1, 0, 0), utc(2026, 3, 1, 0, 0)),
        [
            day(2026, 1, 6),
            day(2026, 1, 20),
            day(2026, 2, 3),
            day(2026, 2, 17)
        ]
    );
}

#[test]
fn monthly_on_the_31st_uses_the_last_day_of_short_months() {
    let mut series = Recurrence::new(Frequency::Monthly, local(2026, 1, 31, 10, 0), 60, New_York);
    series.count = Some(6);
    assert_eq!(
        dates(&series, utc(2026, 1, 1, 0, 0), utc(2027, 1, 1, 0, 0)),
        [
            day(2026, 1, 31),
            day(2026, 2, 28),
            day(2026, 3, 31),
            day(2026, 4, 30),
            day(2026, 5, 31),
            day(2026, 6, 30)
        ]
    );
    series.first_start_local = local(2028, 1, 31, 10, 0);
    series.count = Some(2);
    assert_eq!(
        dates(&series, utc(2028, 1, 1, 0, 0), utc(2028, 4, 1, 0, 0)),
        [day(2028, 1, 31), day(2028, 2, 29)]
    );
    assert!(series.is_occurrence_date(day(2028, 2, 29)));
    assert!(!series.is_occurrence_date(day(2028, 2, 28)));
}

#[test]
fn a_skipped_week_disappears_and_a_moved_week_shows_at_its_new_time() {
    let mut series = monday_ten_am();
    series.exceptions = vec![
        Exception {
            original_date: day(2026, 3, 16),
            change: Change::Skip,
        },
        Exception {
            original_date: day(2026, 3, 23),
            change: Change::Move {
                new_start_local: local(2026, 3, 24, 15, 0),
                duration_min: 60,
            },
        },
    ];
    let got = series
        .occurrences(utc(2026, 3, 10, 0, 0), utc(2026, 4, 1, 0, 0))
        .unwrap();
    assert_eq!(
        got,
        [
            Occurrence {
                original_date: day(2026, 3, 23),
                start_utc: utc(2026, 3, 24, 19, 0),
                end_utc: utc(2026, 3, 24, 20, 0),
            },
            Occurrence {
                original_date: day(2026, 3, 30),
                start_utc: utc(2026, 3, 30, 14, 0),
                end_utc: utc(2026, 3, 30, 14, 50),
            },
        ]
    );
}

#[test]
fn an_occurrence_moved_into_the_window_is_found_and_one_moved_out_is_not() {
    let mut series = monday_ten_am();
    let moved = |to| Change::Move {
        new_start_local: to,
        duration_min: 50,
    };
    series.exceptions = vec![
        // From 6 April back to Friday 20 March.
        Exception {
            original_date: day(2026, 4, 6),
            change: moved(local(2026, 3, 20, 10, 0)),
        },
        // From 16 March out to 1 May.
        Exception {
            original_date: day(2026, 3, 16),
            change: moved(local(2026, 5, 1, 10, 0)),
        },
    ];
    assert_eq!(
        dates(&series, utc(2026, 3, 15, 0, 0), utc(2026, 3, 22, 0, 0)),
        [day(2026, 4, 6)]
    );
}

#[test]
fn exceptions_on_dates_the_series_never_had_are_ignored() {
    let mut series = monday_ten_am();
    series.exceptions = vec![Exception {
        original_date: day(2026, 3, 4), // a Wednesday
        change: Change::Move {
            new_start_local: local(2026, 3, 5, 10, 0),
            duration_min: 50,
        },
    }];
    assert_eq!(
        dates(&series, utc(2026, 3, 1, 0, 0), utc(2026, 3, 8, 0, 0)),
        [day(2026, 3, 2)]
    );
}

#[test]
fn count_limits_the_series_and_skipped_weeks_still_count() {
    let mut series = monday_ten_am();
    series.count = Some(3);
    let year = (utc(2026, 1, 1, 0, 0), utc(2027, 1, 1, 0, 0));
    assert_eq!(
        dates(&series, year.0, year.1),
        [day(2026, 3, 2), day(2026, 3, 9), day(2026, 3, 16)]
    );
    assert_eq!(series.last_date(), Some(day(2026, 3, 16)));
    series.exceptions = vec![Exception {
        original_date: day(2026, 3, 9),
        change: Change::Skip,
    }];
    assert_eq!(
        dates(&series, year.0, year.1),
        [day(2026, 3, 2), day(2026, 3, 16)]
    );
}

#[test]
fn until_is_inclusive() {
    let mut series = monday_ten_am();
    series.until = Some(day(2026, 3, 16));
    assert_eq!(
        dates(&series, utc(2026, 1, 1, 0, 0), utc(2027, 1, 1, 0, 0)),
        [day(2026, 3, 2), day(2026, 3, 9), day(2026, 3, 16)]
    );
    series.until = Some(day(2026, 3, 20));
    assert_eq!(series.last_date(), Some(day(2026, 3, 16)));
}

#[test]
fn an_occurrence_already_under_way_at_the_window_start_is_included() {
    let series = monday_ten_am();
    // 10:30 local on 2 March, in the middle of the 10:00–10:50 session.
    assert_eq!(
        dates(&series, utc(2026, 3, 2, 15, 30), utc(2026, 3, 2, 16, 0)),
        [day(2026, 3, 2)]
    );
    // Back to back: a window starting when the session ends does not include it.
    assert!(dates(&series, utc(2026, 3, 2, 15, 50), utc(2026, 3, 3, 0, 0)).is_empty());
}
