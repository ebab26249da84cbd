//! VTIMEZONE blocks from the tz database.
//!
//! RFC 5545 wants a VTIMEZONE for every TZID used. Rather than guess the
//! zone's rules (chrono-tz does not expose them), we list the actual offset
//! changes between two instants as one-off observances, found by probing
//! the offset once a day and pinning each change to the second. That is
//! exact over the span; beyond it a client that reads our block keeps the
//! last offset, but every major client recognises IANA names like
//! `America/New_York` and uses its own rules anyway.

use chrono::{DateTime, Offset, TimeDelta, Utc};
use chrono_tz::{OffsetComponents, OffsetName, Tz};

use super::{escape, local_stamp};

/// The offset in force at an instant.
#[derive(Clone, Debug)]
struct Observed {
    utc_offset_secs: i32,
    daylight: bool,
    name: Option<String>,
}

impl Observed {
    fn at(tz: Tz, t: DateTime<Utc>) -> Observed {
        let local = t.with_timezone(&tz);
        let offset = local.offset();
        Observed {
            utc_offset_secs: offset.fix().local_minus_utc(),
            daylight: !offset.dst_offset().is_zero(),
            name: offset.abbreviation().map(str::to_string),
        }
    }

    fn same(&self, other: &Observed) -> bool {
        self.utc_offset_secs == other.utc_offset_secs && self.daylight == other.daylight
    }
}

/// The VTIMEZONE lines for `tz`, exact from `from` to `to` (both spans are
/// at most a few years, so a daily probe stays cheap).
pub(super) fn vtimezone(tz: Tz, from: DateTime<Utc>, to: DateTime<Utc>) -> Vec<String> {
    let mut lines = vec!["BEGIN:VTIMEZONE".to_string(), format!("TZID:{}", tz.name())];
    let mut current = Observed::at(tz, from);
    lines.extend(observance(&current, &current, from));
    let mut at = from;
    while at < to {
        let next = at + TimeDelta::days(1);
        if !Observed::at(tz, next).same(&current) {
            let change = onset(tz, &current, at, next);
            let new = Observed::at(tz, change);
            lines.extend(observance(&current, &new, change));
            current = new;
        }
        at = next;
    }
    lines.push("END:VTIMEZONE".into());
    lines
}

/// The first instant in `(lo, hi]` whose offset differs from `before`.
fn onset(tz: Tz, before: &Observed, mut lo: DateTime<Utc>, mut hi: DateTime<Utc>) -> DateTime<Utc> {
    while hi - lo > TimeDelta::seconds(1) {
        let mid = lo + (hi - lo) / 2;
        if Observed::at(tz, mid).same(before) {
            lo = mid;
        } else {
            hi = mid;
        }
    }
    hi
}

/// One STANDARD or DAYLIGHT observance starting at `change`; its DTSTART is
/// the local time just before the change, as RFC 5545 defines it.
fn observance(before: &Observed, after: &Observed, change: DateTime<Utc>) -> Vec<String> {
    let kind = if after.daylight {
        "DAYLIGHT"
    } else {
        "STANDARD"
    };
    let local = change.naive_utc() + TimeDelta::seconds(i64::from(before.utc_offset_secs));
    let mut lines = vec![
        format!("BEGIN:{kind}"),
        format!("DTSTART:{}", local_stamp(local)),
        format!("TZOFFSETFROM:{}", utc_offset(before.utc_offset_secs)),
        format!("TZOFFSETTO:{}", utc_offset(after.utc_offset_secs)),
    ];
    if let Some(name) = &after.name {
        lines.push(format!("TZNAME:{}", escape(name)));
    }
    lines.push(format!("END:{kind}"));
    lines
}

/// `-0500`, `+0530`, or `-003600` style when seconds are involved.
fn utc_offset(secs: i32) -> String {
    let sign = if secs < 0 { '-' } else { '+' };
    let abs = secs.unsigned_abs();
    let (h, m, s) = (abs / 3600, abs / 60 % 60, abs % 60);
    if s == 0 {
        format!("{sign}{h:02}{m:02}")
    } else {
        format!("{sign}{h:02}{m:02}{s:02}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::schedule::at::utc;

    #[test]
    fn new_york_2026_has_two_changes_at_two_in_the_morning() {
        let lines = vtimezone(
            chrono_tz::America::New_York,
            utc(2026, 1, 1, 0, 0),
            utc(2027, 1, 1, 0, 0),
        );
        let expected = [
            "BEGIN:VTIMEZONE",
            "TZID:America/New_York",
            "BEGIN:STANDARD",
            "DTSTART:20251231T190000",
            "TZOFFSETFROM:-0500",
            "TZOFFSETTO:-0500",
            "TZNAME:EST",
            "END:STANDARD",
            "BEGIN:DAYLIGHT",
            "DTSTART:20260308T020000",
            "TZOFFSETFROM:-0500",
            "TZOFFSETTO:-0400",
            "TZNAME:EDT",
            "END:DAYLIGHT",
            "BEGIN:STANDARD",
            "DTSTART:20261101T020000",
            "TZOFFSETFROM:-0400",
            "TZOFFSETTO:-0500",
            "TZNAME:EST",
            "END:STANDARD",
            "END:VTIMEZONE",
        ];
        assert_eq!(lines, expected);
    }

    #[test]
    fn a_zone_without_daylight_saving_has_one_observance() {
        let lines = vtimezone(
            chrono_tz::Asia::Kolkata,
            utc(2026, 1, 1, 0, 0),
            utc(2027, 1, 1, 0, 0),
        );
        assert_eq!(lines.iter().filter(|l| l.starts_with("BEGIN:")).count(), 2);
        assert!(lines.contains(&"TZOFFSETTO:+0530".to_string()));
    }

    #[test]
    fn offsets_are_formatted_with_sign_and_optional_seconds() {
        assert_eq!(utc_offset(0), "+0000");
        assert_eq!(utc_offset(-5 * 3600), "-0500");
        assert_eq!(utc_offset(5 * 3600 + 45 * 60), "+0545");
        assert_eq!(utc_offset(-(17 * 60 + 30)), "-001730");
    }
}
