//! Properties over random series, windows and text.

use chrono::{DateTime, Datelike, Days, LocalResult, NaiveDate, TimeDelta, TimeZone, Utc};
use chrono_tz::Tz;
use proptest::prelude::*;

use super::at::{day, utc};
use super::ics::{IcsEvent, IcsStatus, When, calendar};
use super::*;

/// Zones with one-hour, half-hour, midnight and no clock changes, north and south.
const ZONES: [Tz; 7] = [
    chrono_tz::America::New_York,
    chrono_tz::Europe::London,
    chrono_tz::Australia::Sydney,
    chrono_tz::Australia::Lord_Howe,
    chrono_tz::America::Santiago,
    chrono_tz::Asia::Kolkata,
    chrono_tz::UTC,
];

fn series() -> impl Strategy<Value = Recurrence> {
    let frequency = prop_oneof![
        Just(Frequency::Weekly),
        Just(Frequency::Biweekly),
        Just(Frequency::Monthly)
    ];
    // Ends: open, a count (60 months fit in the span limit), or an until.
    let end = prop_oneof![
        Just((None, None)),
        (1u32..=60).prop_map(|c| (None, Some(c))),
        (0u64..1500).prop_map(|d| (Some(d), None)),
    ];
    (
        prop::sample::select(ZONES.to_vec()),
        frequency,
        0u64..3650,
        0i64..1440,
        MIN_DURATION_MIN..=MAX_DURATION_MIN,
        end,
    )
        .prop_map(
            |(tz, frequency, start_day, minute, duration, (until, count))| {
                let first = day(2020, 1, 1) + Days::new(start_day);
                let start = first.and_time(chrono::NaiveTime::MIN) + TimeDelta::minutes(minute);
                let mut series = Recurrence::new(frequency, start, duration, tz);
                series.until = until.map(|d| first + Days::new(d));
                series.count = count;
                series
            },
        )
}

/// Up to two years somewhere from 2019 to 2032.
fn window() -> impl Strategy<Value = (DateTime<Utc>, DateTime<Utc>)> {
    (0i64..13 * 365 * 1440, 0i64..2 * 365 * 1440).prop_map(|(start, length)| {
        let start = utc(2019, 1, 1, 0, 0) + TimeDelta::minutes(start);
        (start, start + TimeDelta::minutes(length))
    })
}

/// The slow, obvious expansion: every date from the first, no exceptions.
fn brute_force(series: &Recurrence, from: DateTime<Utc>, to: DateTime<Utc>) -> Vec<NaiveDate> {
    (0..)
        .map_while(|n| series.date_of(n).filter(|d| d.year() < 2040))
        .filter(|d| {
            let start = to_utc(d.and_time(series.first_start_local.time()), series.tz);
            start < to && start + minutes(series.duration_min) > from
        })
        .collect()
}

proptest! {
    #[test]
    fn occurrences_keep_the_wall_clock_stay_in_the_window_and_do_not_overlap(
        series in series(),
        (from, to) in window(),
    ) {
        let got = series.occurrences(from, to).unwrap();
        let time = series.first_start_local.time();
        for o in &got {
            prop_assert!(o.start_utc < to && o.end_utc > from, "{o:?} outside the window");
            prop_assert_eq!(o.end_utc - o.start_utc, minutes(series.duration_min));
            prop_assert!(series.is_occurrence_date(o.original_date));
            let wall = o.original_date.and_time(time);
            prop_assert_eq!(o.start_utc, to_utc(wall, series.tz));
            if !matches!(series.tz.from_local_datetime(&wall), LocalResult::None) {
                // Not in a gap: exactly the series' local time.
                prop_assert_eq!(to_local(o.start_utc, series.tz), wall);
            }
        }
        for pair in got.windows(2) {
            prop_assert!(pair[0].end_utc <= pair[1].start_utc, "{pair:?} overlap or unsorted");
        }
        let dates: Vec<_> = got.iter().map(|o| o.original_date).collect();
        prop_assert_eq!(dates, brute_force(&series, from, to));
    }

    #[test]
    fn skipped_occurrences_never_show_and_moved_ones_show_once_at_their_new_time(
        mut series in series(),
        (from, to) in window(),
        picks in prop::collection::vec((0u32..60, any::<bool>(), -3000i64..3000), 0..8),
    ) {
        for (n, skip, shift_min) in picks {
            let Some(date) = series.date_of(n) else { continue };
            if series.exceptions.iter().any(|e| e.original_date == date) {
                continue;
            }
            let change = if skip {
                Change::Skip
            } else {
                let new_start_local = date.and_time(series.first_start_local.time())
                    + TimeDelta::minutes(shift_min);
                Change::Move { new_start_local, duration_min: 30 }
            };
            series.exceptions.push(Exception { original_date: date, change });
        }
        let got = series.occurrences(from, to).unwrap();
        for pair in got.windows(2) {
            prop_assert!(pair[0].start_utc <= pair[1].start_utc);
            prop_assert_ne!(pair[0].original_date, pair[1].original_date);
        }
        for e in &series.exceptions {
            let shown: Vec<_> = got.iter().filter(|o| o.original_date == e.original_date).collect();
            match e.change {
                Change::Skip => prop_assert!(shown.is_empty()),
                Change::Move { new_start_local, .. } => {
                    let start = to_utc(new_start_local, series.tz);
                    let end = start + TimeDelta::minutes(30);
                    let expected = usize::from(start < to && end > from);
                    prop_assert_eq!(shown.len(), expected);
                    if let Some(o) = shown.first() {
                        prop_assert_eq!(o.start_utc, start);
                    }
                }
            }
        }
    }

    #[test]
    fn every_ics_line_fits_in_75_octets_and_unfolds_to_the_escaped_text(
        summary in any::<String>(),
    ) {
        let event = IcsEvent {
            uid: "u".into(),
            stamp_utc: utc(2026, 1, 1, 0, 0),
            summary: summary.clone(),
            location: None,
            description: None,
            status: IcsStatus::Confirmed,
            when: When::Once { start_utc: utc(2026, 1, 1, 9, 0), end_utc: utc(2026, 1, 1, 10, 0) },
        };
        let ics = calendar(&[event], "x").unwrap();
        let lines: Vec<&str> = ics.split_terminator("\r\n").collect();
        for line in &lines {
            prop_assert!(line.len() <= 75);
            prop_assert!(!line.contains('\r') && !line.contains('\n'));
        }
        let unfolded = ics.replace("\r\n ", "");
        let summary_line = unfolded.lines().find(|l| l.starts_with("SUMMARY:")).unwrap();
        // Unescaping gives back the text minus control characters.
        let unescaped = summary_line["SUMMARY:".len()..]
            .replace("\\n", "\n")
            .replace("\\;", ";")
            .replace("\\,", ",");
        let kept: String = summary
            .replace("\r\n", "\n")
            .replace('\r', "\n")
            .chars()
            .filter(|c| !c.is_control() || *c == '\n' || *c == '\t')
            .collect();
        if !summary.contains('\\') {
            prop_assert_eq!(unescaped, kept);
        }
    }

    #[test]
    fn every_free_slot_passes_the_conflict_check(
        busy in prop::collection::vec((0i64..7 * 24 * 60, 5i64..240, any::<bool>()), 0..12),
        length in 15u32..=120,
    ) {
        let hours = WorkingHours::standard(chrono_tz::America::New_York);
        let week = utc(2026, 3, 2, 0, 0);
        let busy: Vec<Slot> = busy
            .into_iter()
            .enumerate()
            .map(|(i, (start, len, busy))| Slot {
                id: i.to_string(),
                start_utc: week + TimeDelta::minutes(start),
                end_utc: week + TimeDelta::minutes(start + len),
                busy,
            })
            .collect();
        let free = free_slots(day(2026, 3, 2), day(2026, 3, 8), &hours, &busy, length).unwrap();
        for start in free {
            let candidate = Slot {
                id: "new".into(),
                start_utc: start,
                end_utc: start + minutes(length),
                busy: true,
            };
            prop_assert_eq!(find_conflicts(&candidate, &busy, &hours), vec![]);
        }
    }
}
