//! Refusals and limits: bad series and windows give errors, never panics
//! or runaway expansion.

use super::tests::monday_ten_am;
use super::*;
use crate::schedule::at::{day, local, utc};

#[test]
fn garbage_series_are_refused_with_errors_not_panics() {
    let check = |edit: &dyn Fn(&mut Recurrence), want: ScheduleError| {
        let mut series = monday_ten_am();
        edit(&mut series);
        assert_eq!(series.validate(), Err(want.clone()));
        assert_eq!(
            series.occurrences(utc(2026, 1, 1, 0, 0), utc(2026, 2, 1, 0, 0)),
            Err(want)
        );
    };
    check(
        &|s| s.duration_min = 0,
        ScheduleError::Duration { minutes: 0 },
    );
    check(
        &|s| s.duration_min = 481,
        ScheduleError::Duration { minutes: 481 },
    );
    check(&|s| s.count = Some(0), ScheduleError::CountZero);
    check(
        &|s| s.until = Some(day(2026, 3, 1)),
        ScheduleError::UntilBeforeStart {
            until: day(2026, 3, 1),
            first: day(2026, 3, 2),
        },
    );
    check(
        &|s| {
            s.until = Some(day(2026, 4, 1));
            s.count = Some(3);
        },
        ScheduleError::UntilAndCount,
    );
    check(
        &|s| s.until = Some(day(2040, 1, 1)),
        ScheduleError::SeriesTooLong,
    );
    check(&|s| s.count = Some(1000), ScheduleError::SeriesTooLong);
    check(&|s| s.count = Some(u32::MAX), ScheduleError::SeriesTooLong);
    check(
        &|s| s.first_start_local = local(200_000, 1, 1, 10, 0),
        ScheduleError::DateOutOfRange,
    );
    check(
        &|s| {
            s.exceptions = vec![
                Exception {
                    original_date: day(2026, 3, 9),
                    change: Change::Skip,
                },
                Exception {
                    original_date: day(2026, 3, 9),
                    change: Change::Skip,
                },
            ]
        },
        ScheduleError::DuplicateException {
            date: day(2026, 3, 9),
        },
    );
    check(
        &|s| {
            s.exceptions = vec![Exception {
                original_date: day(2026, 3, 9),
                change: Change::Move {
                    new_start_local: local(2026, 3, 9, 11, 0),
                    duration_min: 0,
                },
            }]
        },
        ScheduleError::Duration { minutes: 0 },
    );
}

#[test]
fn garbage_windows_are_refused() {
    let series = monday_ten_am();
    let occ = |a, b| series.occurrences(a, b);
    assert_eq!(
        occ(utc(2026, 2, 1, 0, 0), utc(2026, 1, 1, 0, 0)),
        Err(ScheduleError::WindowReversed)
    );
    assert_eq!(
        occ(utc(2026, 1, 1, 0, 0), utc(2032, 1, 1, 0, 0)),
        Err(ScheduleError::WindowTooLong)
    );
    assert_eq!(
        occ(DateTime::<Utc>::MIN_UTC, utc(2026, 1, 1, 0, 0)),
        Err(ScheduleError::DateOutOfRange)
    );
    assert_eq!(
        occ(utc(2026, 1, 1, 0, 0), DateTime::<Utc>::MAX_UTC),
        Err(ScheduleError::DateOutOfRange)
    );
    // An empty window asks "what is under way at this instant?".
    assert_eq!(
        occ(utc(2026, 3, 2, 15, 10), utc(2026, 3, 2, 15, 10)).map(|o| o.len()),
        Ok(1)
    );
    assert_eq!(
        occ(utc(2026, 3, 2, 16, 0), utc(2026, 3, 2, 16, 0)),
        Ok(vec![])
    );
}

#[test]
fn a_flood_of_moves_into_one_window_is_capped() {
    // An open-ended series with 1001 occurrences (over ~19 years) all moved
    // into the same week.
    let mut series = monday_ten_am();
    series.exceptions = (0..=MAX_OCCURRENCES as u64)
        .map(|n| Exception {
            original_date: day(2026, 3, 2) + Days::new(7 * n),
            change: Change::Move {
                new_start_local: local(2026, 3, 3, 10, 0),
                duration_min: 50,
            },
        })
        .collect();
    assert_eq!(
        series.occurrences(utc(2026, 3, 1, 0, 0), utc(2026, 3, 8, 0, 0)),
        Err(ScheduleError::TooManyOccurrences)
    );
}

#[test]
fn a_five_year_window_over_a_weekly_series_is_fine() {
    let series = monday_ten_am();
    let got = series
        .occurrences(utc(2026, 3, 1, 0, 0), utc(2031, 3, 1, 0, 0))
        .unwrap();
    assert_eq!(got.len(), 261);
}

#[test]
fn series_store_their_zone_by_iana_name() {
    let mut series = monday_ten_am();
    series.count = Some(10);
    series.exceptions = vec![Exception {
        original_date: day(2026, 3, 9),
        change: Change::Skip,
    }];
    let json = serde_json::to_value(&series).unwrap();
    assert_eq!(json["tz"], "America/New_York");
    assert_eq!(json["frequency"], "weekly");
    assert_eq!(json["exceptions"][0]["change"]["kind"], "skip");
    let back: Recurrence = serde_json::from_value(json).unwrap();
    assert_eq!(back, series);
}
