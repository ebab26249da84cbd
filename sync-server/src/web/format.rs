//! How the portal and console show times: in the practice's time zone,
//! written out in English (the UI's only locale so far).

use chrono::{DateTime, TimeZone, Utc};
use chrono_tz::Tz;

fn local(ms: i64, tz: Tz) -> Option<DateTime<Tz>> {
    Utc.timestamp_millis_opt(ms)
        .single()
        .map(|t| t.with_timezone(&tz))
}

/// "Tue 3 Mar 2026, 10:00".
pub fn when(ms: i64, tz: Tz) -> String {
    local(ms, tz)
        .map(|t| t.format("%a %-d %b %Y, %H:%M").to_string())
        .unwrap_or_default()
}

/// "Tue 3 Mar 2026, 10:00–10:50".
pub fn span(start_ms: i64, end_ms: i64, tz: Tz) -> String {
    match local(end_ms, tz) {
        Some(end) => format!("{}–{}", when(start_ms, tz), end.format("%H:%M")),
        None => when(start_ms, tz),
    }
}

/// "Tuesday 3 March" (a booking page's day heading).
pub fn day(ms: i64, tz: Tz) -> String {
    local(ms, tz)
        .map(|t| t.format("%A %-d %B").to_string())
        .unwrap_or_default()
}

/// "10:00".
pub fn time(ms: i64, tz: Tz) -> String {
    local(ms, tz)
        .map(|t| t.format("%H:%M").to_string())
        .unwrap_or_default()
}

/// The local calendar date of `ms`, to group slots by day.
pub fn date_key(ms: i64, tz: Tz) -> Option<chrono::NaiveDate> {
    local(ms, tz).map(|t| t.date_naive())
}

/// "3 h 20 min" for an uptime or age.
pub fn duration(ms: i64) -> String {
    let minutes = ms.max(0) / 60_000;
    match (minutes / 1440, (minutes % 1440) / 60, minutes % 60) {
        (0, 0, m) => format!("{m} min"),
        (0, h, m) => format!("{h} h {m} min"),
        (d, h, _) => format!("{d} d {h} h"),
    }
}

/// Parses `YYYY-MM-DD` as the start of that day in `tz`, in ms.
pub fn parse_day(text: &str, tz: Tz) -> Option<i64> {
    let date = chrono::NaiveDate::parse_from_str(text.trim(), "%Y-%m-%d").ok()?;
    let start = date.and_hms_opt(0, 0, 0)?;
    tz.from_local_datetime(&start)
        .earliest()
        .map(|t| t.timestamp_millis())
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    const MS: i64 = 1_772_532_000_000; // 2026-03-03 10:00 UTC

    #[test]
    fn times_show_in_the_practice_zone() {
        assert_eq!(when(MS, chrono_tz::UTC), "Tue 3 Mar 2026, 10:00");
        assert_eq!(
            when(MS, chrono_tz::America::New_York),
            "Tue 3 Mar 2026, 05:00"
        );
        assert_eq!(
            span(MS, MS + 50 * 60_000, chrono_tz::UTC),
            "Tue 3 Mar 2026, 10:00–10:50"
        );
        assert_eq!(day(MS, chrono_tz::UTC), "Tuesday 3 March");
        assert_eq!(time(MS, chrono_tz::Europe::Berlin), "11:00");
    }

    #[test]
    fn days_parse_and_durations_read_well() {
        let start = parse_day("2026-03-03", chrono_tz::UTC).unwrap();
        assert_eq!(start, MS - 10 * 3_600_000);
        assert_eq!(parse_day("03/03/2026", chrono_tz::UTC), None);
        assert_eq!(duration(59_000), "0 min");
        assert_eq!(duration(3_600_000 * 3 + 20 * 60_000), "3 h 20 min");
        assert_eq!(duration(86_400_000 * 2 + 3_600_000), "2 d 1 h");
    }
}
