//! A therapist's day in a real window: add a client, book a weekly series,
//! write and sign the session note from the appointment, record a PHQ-9 and
//! see it on the chart's score chart, then find the note through search.
//! Screenshots of every step land in the test's directory.

use std::time::Duration;

use bloom_e2e::TestDir;
use bloom_e2e::desktop::{DesktopApp, make_vault};
use chrono::{Datelike, Duration as Days, Local, Weekday};

const WAIT: Duration = Duration::from_secs(45);

/// The next Tuesday after today: inside the default working hours.
fn next_tuesday() -> chrono::NaiveDate {
    let mut day = Local::now().date_naive() + Days::days(1);
    while day.weekday() != Weekday::Tue {
        day += Days::days(1);
    }
    day
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_therapists_day_from_new_client_to_signed_note_and_search() {
    let dir = TestDir::new("desktop-records");
    let vault = dir.sub("vault");
    make_vault(&vault).unwrap_or_else(|e| panic!("{e}"));
    let env = [
        ("BLOOM_VAULT_DIR", vault.display().to_string()),
        ("BLOOM_NO_KEYCHAIN", "1".to_owned()),
        ("BLOOM_TZ", "America/New_York".to_owned()),
    ];
    let app = DesktopApp::launch(dir.path(), &env)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    app.unlock().await.unwrap();

    // A new client: the chart opens in intake.
    app.click("#nav-clients").await.unwrap();
    app.wait_for("#new-client-given", WAIT).await.unwrap();
    app.fill("#new-client-given", "Maya").await.unwrap();
    app.fill("#new-client-family", "Lindqvist").await.unwrap();
    app.click("#new-client-save").await.unwrap();
    app.wait_for_text("#chart-name", "Maya Lindqvist", WAIT)
        .await
        .unwrap();
    app.screenshot("1-new-client-chart").await.unwrap();

    // A weekly series of four on a Tuesday at 10:00.
    let tuesday = next_tuesday();
    app.click("#nav-calendar").await.unwrap();
    app.wait_for("#cal-new", WAIT).await.unwrap();
    app.click("#cal-new").await.unwrap();
    app.wait_for("#appt-client", WAIT).await.unwrap();
    app.choose("#appt-client", "Maya Lindqvist").await.unwrap();
    app.set_value("#appt-date", &tuesday.format("%Y-%m-%d").to_string())
        .await
        .unwrap();
    app.set_value("#appt-time", "10:00").await.unwrap();
    app.set_value("#appt-repeat", "weekly").await.unwrap();
    app.wait_for("#appt-count", WAIT).await.unwrap();
    app.set_value("#appt-count", "4").await.unwrap();
    app.screenshot("2-booking").await.unwrap();
    app.click("#appt-save").await.unwrap();
    let block = app
        .wait_for_text(".cal-appt", "Maya Lindqvist", WAIT)
        .await
        .unwrap();
    assert!(block.contains("10:00"), "{block}");
    app.screenshot("3-week-with-series").await.unwrap();
    // The series goes on next week.
    app.click("#cal-next").await.unwrap();
    app.wait_for_text(".cal-appt", "Maya Lindqvist", WAIT)
        .await
        .unwrap();
    app.click("#cal-prev").await.unwrap();

    // From the appointment, write the session note and sign it.
    app.wait_for_text(".cal-appt", "Maya Lindqvist", WAIT)
        .await
        .unwrap();
    app.click(".cal-appt").await.unwrap();
    app.wait_for("#occ-write-note", WAIT).await.unwrap();
    app.click("#occ-write-note").await.unwrap();
    app.wait_for("#note-section-subjective", WAIT)
        .await
        .unwrap();
    app.fill(
        "#note-section-subjective",
        "Sleeping poorly since the move; worries about work.",
    )
    .await
    .unwrap();
    app.fill("#note-section-plan", "Sleep diary for two weeks.")
        .await
        .unwrap();
    app.click("#note-save").await.unwrap();
    app.click("#note-sign").await.unwrap();
    let signed = app.wait_for("#note-signed", WAIT).await.unwrap();
    assert!(signed.contains("Sleeping poorly"), "{signed}");
    app.screenshot("4-signed-note").await.unwrap();

    // A PHQ-9 (total 12, moderate) shows as a point on the score chart.
    app.click("#note-close").await.unwrap();
    app.wait_for("#chart-tab-assessments", WAIT).await.unwrap();
    app.click("#chart-tab-assessments").await.unwrap();
    app.wait_for("#assessment-submit", WAIT).await.unwrap();
    let answers = [2, 2, 1, 2, 1, 1, 2, 1, 0];
    for (i, a) in answers.iter().enumerate() {
        // Items are numbered from 1 on the form.
        app.click(&format!("#phq9-item-{}-{a}", i + 1))
            .await
            .unwrap();
    }
    app.click("#assessment-submit").await.unwrap();
    app.wait_for("#score-chart circle.score-point[data-score='12']", WAIT)
        .await
        .unwrap();
    app.screenshot("5-phq9-on-chart").await.unwrap();

    // Search finds the note by its words and opens it.
    app.click("#nav-search").await.unwrap();
    app.wait_for("#search-input", WAIT).await.unwrap();
    app.fill("#search-input", "sleeping poor").await.unwrap();
    let hit = app
        .wait_for_text(".search-hit", "Maya Lindqvist", WAIT)
        .await
        .unwrap();
    assert!(hit.contains("poorly"), "{hit}");
    app.screenshot("6-search").await.unwrap();
    app.click(".search-hit").await.unwrap();
    let reopened = app.wait_for("#note-signed", WAIT).await.unwrap();
    assert!(reopened.contains("Sleep diary"), "{reopened}");
    app.screenshot("7-note-from-search").await.unwrap();

    // The week goes out as an iCalendar file with initials, not names.
    app.click("#nav-calendar").await.unwrap();
    app.wait_for("#cal-export-path", WAIT).await.unwrap();
    let ics = dir.path().join("week.ics");
    app.fill("#cal-export-path", &ics.display().to_string())
        .await
        .unwrap();
    app.click("#cal-export").await.unwrap();
    app.wait_for("#cal-notice", WAIT).await.unwrap();
    let text = std::fs::read_to_string(&ics).unwrap();
    assert!(
        text.contains("BEGIN:VEVENT") && text.contains("SUMMARY:Session (M.L.)"),
        "{text}"
    );
    assert!(!text.contains("Lindqvist"), "{text}");

    // Settings can rebuild every list and the search index from the records.
    app.click("#nav-settings").await.unwrap();
    app.wait_for("#settings-rebuild", WAIT).await.unwrap();
    app.click("#settings-rebuild").await.unwrap();
    let rebuilt = app
        .wait_for_text("#settings-message", "Rebuilt", WAIT)
        .await
        .unwrap();
    assert!(rebuilt.contains("1 clients, 1 notes"), "{rebuilt}");
    app.close().await;
}
