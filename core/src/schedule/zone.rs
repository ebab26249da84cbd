//! Local wall-clock time ⇄ UTC instants, with one fixed rule for the two
//! daylight-saving edge cases so every caller resolves them the same way.

use chrono::{DateTime, LocalResult, NaiveDateTime, Offset, TimeZone, Utc};
use chrono_tz::{GapInfo, Tz};

/// The instant a local wall-clock time in `tz` stands for.
///
/// - A time skipped by a spring-forward gap is moved forward by the gap's
///   length (02:30 on the US change day becomes 03:30 EDT), which is what
///   RFC 5545 and most calendars do.
/// - A time that happens twice at fall-back is the earlier instant (the
///   first 01:30), again as RFC 5545 prescribes.
///
/// Never panics; only within a day of chrono's year ±262 143 limits would the
/// result be off (it then falls back to reading `local` as UTC).
pub fn to_utc(local: NaiveDateTime, tz: Tz) -> DateTime<Utc> {
    match tz.from_local_datetime(&local) {
        LocalResult::Single(dt) => dt.with_timezone(&Utc),
        LocalResult::Ambiguous(a, b) => a.min(b).with_timezone(&Utc),
        LocalResult::None => {
            // Reading the time with the offset in force *before* the gap
            // lands it exactly gap-length later on the far side.
            let before = GapInfo::new(&local, &tz)
                .and_then(|gap| gap.begin)
                .map(|(_, offset)| offset.fix());
            match before.and_then(|offset| local.checked_sub_offset(offset)) {
                Some(utc) => utc.and_utc(),
                None => local.and_utc(),
            }
        }
    }
}

/// The wall-clock time in `tz` at an instant. Never panics; at chrono's
/// extreme limits it returns the UTC wall clock instead.
pub fn to_local(utc: DateTime<Utc>, tz: Tz) -> NaiveDateTime {
    let naive = utc.naive_utc();
    let offset = tz.offset_from_utc_datetime(&naive).fix();
    naive.checked_add_offset(offset).unwrap_or(naive)
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::NaiveDate;
    use chrono_tz::America::New_York;

    fn local(y: i32, mo: u32, d: u32, h: u32, mi: u32) -> NaiveDateTime {
        NaiveDate::from_ymd_opt(y, mo, d)
            .unwrap()
            .and_hms_opt(h, mi, 0)
            .unwrap()
    }

    fn utc(y: i32, mo: u32, d: u32, h: u32, mi: u32) -> DateTime<Utc> {
        local(y, mo, d, h, mi).and_utc()
    }

    #[test]
    fn ten_oclock_in_new_york_is_an_hour_earlier_in_utc_in_summer() {
        assert_eq!(
            to_utc(local(2026, 1, 15, 10, 0), New_York),
            utc(2026, 1, 15, 15, 0)
        );
        assert_eq!(
            to_utc(local(2026, 7, 15, 10, 0), New_York),
            utc(2026, 7, 15, 14, 0)
        );
        assert_eq!(
            to_local(utc(2026, 7, 15, 14, 0), New_York),
            local(2026, 7, 15, 10, 0)
        );
    }

    #[test]
    fn half_past_two_on_spring_forward_day_becomes_half_past_three() {
        // 2026-03-08 02:00 EST the clocks jump to 03:00 EDT.
        let instant = to_utc(local(2026, 3, 8, 2, 30), New_York);
        assert_eq!(instant, utc(2026, 3, 8, 7, 30));
        assert_eq!(to_local(instant, New_York), local(2026, 3, 8, 3, 30));
    }

    #[test]
    fn half_past_one_on_fall_back_day_is_the_first_one() {
        // 2026-11-01 02:00 EDT the clocks go back to 01:00 EST; 01:30 happens
        // at 05:30Z (EDT) and again at 06:30Z (EST).
        assert_eq!(
            to_utc(local(2026, 11, 1, 1, 30), New_York),
            utc(2026, 11, 1, 5, 30)
        );
        assert_eq!(
            to_local(utc(2026, 11, 1, 6, 30), New_York),
            local(2026, 11, 1, 1, 30)
        );
    }

    #[test]
    fn a_half_hour_daylight_shift_is_handled_like_any_other() {
        // Lord Howe Island moves its clocks by 30 minutes (02:00 → 02:30).
        let tz = chrono_tz::Australia::Lord_Howe;
        let instant = to_utc(local(2026, 10, 4, 2, 10), tz);
        assert_eq!(to_local(instant, tz), local(2026, 10, 4, 2, 40));
    }

    #[test]
    fn extreme_instants_do_not_panic() {
        let _ = to_local(DateTime::<Utc>::MAX_UTC, New_York);
        let _ = to_local(DateTime::<Utc>::MIN_UTC, New_York);
        let _ = to_utc(NaiveDateTime::MAX, New_York);
        let _ = to_utc(NaiveDateTime::MIN, chrono_tz::Asia::Tokyo);
    }
}
