use super::*;
use crate::schedule::Exception;
use crate::schedule::at::{day, local, utc};
use chrono_tz::America::New_York;

fn session(when: When) -> IcsEvent {
    IcsEvent {
        uid: "appt-1@bloom".into(),
        stamp_utc: utc(2026, 3, 1, 12, 0),
        summary: "Session".into(),
        location: None,
        description: None,
        status: IcsStatus::Confirmed,
        when,
    }
}

fn lines(ics: &str) -> Vec<&str> {
    assert!(ics.ends_with("\r\n"));
    ics.split_terminator("\r\n").collect()
}

/// The series VEVENT's and other lines that are not inside a VTIMEZONE.
fn event_lines(ics: &str) -> Vec<String> {
    let start = ics.find("BEGIN:VEVENT").unwrap();
    lines(&ics[start..]).into_iter().map(String::from).collect()
}

#[test]
fn a_single_appointment_is_written_in_utc() {
    let event = session(When::Once {
        start_utc: utc(2026, 3, 4, 15, 0),
        end_utc: utc(2026, 3, 4, 15, 50),
    });
    let ics = calendar(&[event], "-//Bloom//Bloom 0.1//EN").unwrap();
    assert_eq!(
        ics,
        "BEGIN:VCALENDAR\r\n\
         VERSION:2.0\r\n\
         PRODID:-//Bloom//Bloom 0.1//EN\r\n\
         CALSCALE:GREGORIAN\r\n\
         BEGIN:VEVENT\r\n\
         UID:appt-1@bloom\r\n\
         DTSTAMP:20260301T120000Z\r\n\
         DTSTART:20260304T150000Z\r\n\
         DTEND:20260304T155000Z\r\n\
         SUMMARY:Session\r\n\
         STATUS:CONFIRMED\r\n\
         END:VEVENT\r\n\
         END:VCALENDAR\r\n"
    );
}

#[test]
fn location_description_and_cancellation_are_written_when_given() {
    let mut event = session(When::Once {
        start_utc: utc(2026, 3, 4, 15, 0),
        end_utc: utc(2026, 3, 4, 15, 50),
    });
    event.location = Some("Telehealth".into());
    event.description = Some("Bring intake form".into());
    event.status = AppointmentStatus::LateCancel.into();
    let ics = calendar(&[event], "x").unwrap();
    let got = lines(&ics);
    assert!(got.contains(&"LOCATION:Telehealth"));
    assert!(got.contains(&"DESCRIPTION:Bring intake form"));
    assert!(got.contains(&"STATUS:CANCELLED"));
}

#[test]
fn text_is_escaped_so_it_cannot_break_out_of_its_property() {
    assert_eq!(
        escape("Intake; follow-up, notes\\draft\nline 2\r\nline 3\u{7}"),
        "Intake\\; follow-up\\, notes\\\\draft\\nline 2\\nline 3"
    );
    let mut event = session(When::Once {
        start_utc: utc(2026, 3, 4, 15, 0),
        end_utc: utc(2026, 3, 4, 15, 50),
    });
    event.summary = "J.D.\r\nATTENDEE:mailto:x@example.com".into();
    let ics = calendar(&[event], "x").unwrap();
    assert!(lines(&ics).contains(&"SUMMARY:J.D.\\nATTENDEE:mailto:x@example.com"));
    assert!(!lines(&ics).iter().any(|l| l.starts_with("ATTENDEE")));
}

#[test]
fn long_lines_fold_at_75_octets_between_characters() {
    // "SUMMARY:" is 8 octets and each "é" is 2, so 33 fit on the first line
    // (74 octets; a 34th would make 76) and 37 after the leading space.
    let summary = "é".repeat(100);
    let mut out = String::new();
    fold(&format!("SUMMARY:{summary}"), &mut out);
    let got = lines(&out);
    assert_eq!(
        got,
        [
            format!("SUMMARY:{}", "é".repeat(33)),
            format!(" {}", "é".repeat(37)),
            format!(" {}", "é".repeat(30)),
        ]
    );
    assert!(got.iter().all(|l| l.len() <= 75));
    assert_eq!(out.replace("\r\n ", ""), format!("SUMMARY:{summary}\r\n"));

    // ASCII fills lines exactly: 75, then 1 + 74.
    let mut out = String::new();
    fold(&"a".repeat(200), &mut out);
    let got = lines(&out);
    assert_eq!(
        got.iter().map(|l| l.len()).collect::<Vec<_>>(),
        [75, 75, 52]
    );
}

/// Biweekly Mondays at 10:00 New York, 50 minutes, six times; the third
/// skipped and the fifth moved to Tuesday 15:00 for an hour.
fn series() -> Recurrence {
    let mut series = Recurrence::new(Frequency::Biweekly, local(2026, 3, 2, 10, 0), 50, New_York);
    series.count = Some(6);
    series.exceptions = vec![
        Exception {
            original_date: day(2026, 3, 30),
            change: Change::Skip,
        },
        Exception {
            original_date: day(2026, 4, 27),
            change: Change::Move {
                new_start_local: local(2026, 4, 28, 15, 0),
                duration_min: 60,
            },
        },
    ];
    series
}

#[test]
fn a_series_is_one_rule_in_local_time_with_its_exceptions() {
    let ics = calendar(&[session(When::Series(series()))], "x").unwrap();
    assert_eq!(
        event_lines(&ics),
        [
            "BEGIN:VEVENT",
            "UID:appt-1@bloom",
            "DTSTAMP:20260301T120000Z",
            "DTSTART;TZID=America/New_York:20260302T100000",
            "DURATION:PT50M",
            "RRULE:FREQ=WEEKLY;INTERVAL=2;COUNT=6",
            "EXDATE;TZID=America/New_York:20260330T100000",
            "SUMMARY:Session",
            "STATUS:CONFIRMED",
            "END:VEVENT",
            "BEGIN:VEVENT",
            "UID:appt-1@bloom",
            "DTSTAMP:20260301T120000Z",
            "RECURRENCE-ID;TZID=America/New_York:20260427T100000",
            "DTSTART:20260428T190000Z",
            "DTEND:20260428T200000Z",
            "SUMMARY:Session",
            "STATUS:CONFIRMED",
            "END:VEVENT",
            "END:VCALENDAR",
        ]
    );
    // The zone is defined before use and covers the March change.
    let tz_at = ics.find("BEGIN:VTIMEZONE").unwrap();
    assert!(tz_at < ics.find("BEGIN:VEVENT").unwrap());
    assert!(ics.contains("BEGIN:DAYLIGHT\r\nDTSTART:20260308T020000\r\n"));
    assert_eq!(ics.matches("BEGIN:VTIMEZONE").count(), 1);
}

#[test]
fn until_is_written_as_the_last_second_of_that_day_in_utc() {
    let mut s = series();
    s.count = None;
    s.until = Some(day(2026, 5, 31));
    let ics = calendar(&[session(When::Series(s))], "x").unwrap();
    // 23:59:59 EDT on 31 May is 03:59:59Z on 1 June.
    assert!(ics.contains("RRULE:FREQ=WEEKLY;INTERVAL=2;UNTIL=20260601T035959Z\r\n"));
}

#[test]
fn monthly_on_the_31st_keeps_to_month_ends_in_the_rule_too() {
    let mut s = Recurrence::new(Frequency::Monthly, local(2026, 1, 31, 10, 0), 60, New_York);
    s.count = Some(6);
    let ics = calendar(&[session(When::Series(s))], "x").unwrap();
    assert!(ics.contains("RRULE:FREQ=MONTHLY;BYMONTHDAY=28,29,30,31;BYSETPOS=-1;COUNT=6\r\n"));
    let mut s = Recurrence::new(Frequency::Monthly, local(2026, 1, 15, 10, 0), 60, New_York);
    s.count = Some(6);
    let ics = calendar(&[session(When::Series(s))], "x").unwrap();
    assert!(ics.contains("RRULE:FREQ=MONTHLY;COUNT=6\r\n"));
}

#[test]
fn an_occurrence_in_the_spring_forward_gap_is_added_back_at_its_real_time() {
    // Sundays 02:30, three times: 1, 8 (→ 03:30) and 15 March. Strict clients
    // drop the 8 March instance from the RRULE, so it comes back as an RDATE
    // and the count becomes the equivalent UNTIL.
    let mut s = Recurrence::new(Frequency::Weekly, local(2026, 3, 1, 2, 30), 30, New_York);
    s.count = Some(3);
    let ics = calendar(&[session(When::Series(s))], "x").unwrap();
    assert!(ics.contains("RRULE:FREQ=WEEKLY;UNTIL=20260316T035959Z\r\n"));
    assert!(ics.contains("RDATE;TZID=America/New_York:20260308T033000\r\n"));
}

#[test]
fn an_invalid_series_is_refused() {
    let mut s = series();
    s.duration_min = 0;
    assert_eq!(
        calendar(&[session(When::Series(s))], "x"),
        Err(ScheduleError::Duration { minutes: 0 })
    );
}
