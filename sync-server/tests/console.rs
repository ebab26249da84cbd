//! The admin console through a real relay and a browser without JavaScript:
//! members and roles, invites, the audit log and its anomaly alert, health,
//! support tickets; and nobody but an admin gets in.

#![allow(clippy::unwrap_used, clippy::expect_used)]

#[path = "support/web.rs"]
mod web;

use bloom_core::account::Role;
use bloom_relay::{audit, ticket};
use web::{Browser, GOOD, Relay, csrf_of};

#[test]
fn only_admins_reach_the_console() {
    let relay = Relay::new();
    let mut therapist = relay.signed_in_member(Role::Therapist, "tess", "tess@example.org", "Tess");
    for page in [
        "/console",
        "/console/members",
        "/console/audit",
        "/console/devices",
        "/console/tickets",
    ] {
        let a = therapist.get(page);
        assert_eq!(a.status, 403, "{page}");
        assert!(a.body.contains("account.forbidden"), "{page}");
    }
    relay.patient("pat@example.org");
    let mut patient = Browser::new(&relay.base);
    patient.login("pat@example.org", GOOD);
    assert_eq!(patient.get("/console/members").status, 403);
    assert_eq!(Browser::new(&relay.base).get("/console").location, "/login");
}

#[test]
fn health_shows_facts_and_charts() {
    let relay = Relay::new();
    let mut admin = relay.signed_in_member(Role::Admin, "ada", "ada@example.org", "Ada");
    relay.web().history.record(relay.web().metrics.snapshot());
    let page = admin.get("/console");
    assert_eq!(page.status, 200);
    for id in [
        "health-facts",
        "chart-connections",
        "chart-sync",
        "chart-errors",
        "chart-requests",
    ] {
        assert!(
            page.body.contains(&format!("id=\"{id}\"")),
            "{id}: {}",
            page.body
        );
    }
    assert!(page.body.contains("SQLite (SQLCipher)"));
}

#[test]
fn an_admin_changes_a_members_role_and_their_sessions_end() {
    let relay = Relay::new();
    let mut admin = relay.signed_in_member(Role::Admin, "ada", "ada@example.org", "Ada");
    let mut tess = relay.signed_in_member(Role::Therapist, "tess", "tess@example.org", "Tess");
    assert_eq!(tess.get("/console").status, 403);
    let tess_id = relay.account_id("tess@example.org");
    let ada_id = relay.account_id("ada@example.org");

    let members = admin.get("/console/members");
    assert!(members.body.contains("tess@example.org"));
    assert!(
        members
            .body
            .contains(&format!("/console/members/{tess_id}/role"))
    );
    assert!(
        !members
            .body
            .contains(&format!("/console/members/{ada_id}/role")),
        "not one's own"
    );

    // Without the CSRF token: refused, nothing changes.
    let forged = admin.post(
        &format!("/console/members/{tess_id}/role"),
        &[("role", "admin")],
    );
    assert_eq!(forged.status, 403);
    assert!(forged.body.contains("account.csrf"));

    let csrf = csrf_of(&members.body);
    let changed = admin.post(
        &format!("/console/members/{tess_id}/role"),
        &[("_csrf", &csrf), ("role", "admin")],
    );
    assert_eq!(
        (changed.status, changed.location.as_str()),
        (303, "/console/members?done=role")
    );
    assert_eq!(
        tess.get("/console").location,
        "/login",
        "the old session ended"
    );
    assert_eq!(relay.audit("role.changed"), 1);

    // Patients are never promoted; one's own role stays.
    let own = admin.post(
        &format!("/console/members/{ada_id}/role"),
        &[("_csrf", &csrf), ("role", "therapist")],
    );
    assert_eq!(own.status, 400);
    let bad = admin.post(
        &format!("/console/members/{tess_id}/role"),
        &[("_csrf", &csrf), ("role", "patient")],
    );
    assert_eq!(bad.status, 400);
}

#[test]
fn an_invite_made_in_the_console_signs_a_member_up_once() {
    let relay = Relay::new();
    let mut admin = relay.signed_in_member(Role::Admin, "ada", "ada@example.org", "Ada");
    let page = admin.get("/console/invites");
    let made = admin.post(
        "/console/invites",
        &[
            ("_csrf", &csrf_of(&page.body)),
            ("role", "therapist"),
            ("member", "tess"),
            ("email", "tess@example.org"),
        ],
    );
    assert_eq!(made.status, 200, "{}", made.body);
    let link = web::text_of(&made.body, "invite-link");
    assert!(
        link.starts_with(&format!("{}/signup/", relay.base)),
        "{link}"
    );
    assert!(made.body.contains("tess@example.org"), "listed as waiting");
    let path = link.trim_start_matches(&relay.base).to_owned();
    let mut tess = Browser::new(&relay.base);
    let signed = tess.submit(
        &path,
        &path,
        &[
            ("email", "tess@example.org"),
            ("display_name", "Tess"),
            ("password", GOOD),
            ("password2", GOOD),
        ],
    );
    assert_eq!(signed.location, "/account/totp");
    assert_eq!(
        Browser::new(&relay.base).get(&path).status,
        404,
        "used once"
    );
    assert!(
        !admin
            .get("/console/invites")
            .body
            .contains("tess@example.org"),
        "no longer waiting"
    );
}

#[test]
fn the_audit_log_filters_and_alerts_on_unusual_access() {
    let relay = Relay::new();
    let mut admin = relay.signed_in_member(Role::Admin, "ada", "ada@example.org", "Ada");
    let mut stranger = Browser::new(&relay.base);
    stranger.login("ada@example.org", "not the password at all");

    let failed = admin.get("/console/audit?action=login.failed");
    assert_eq!(failed.status, 200);
    assert_eq!(
        failed.body.matches("<code>login.failed</code>").count(),
        1,
        "{}",
        failed.body
    );
    assert!(!failed.body.contains("<code>signup</code>"));
    let all = admin.get("/console/audit");
    assert!(all.body.contains("<code>signup</code>"));
    let future = admin.get("/console/audit?since=2999-01-01");
    assert!(future.body.contains("audit-empty"));
    assert!(!all.body.contains("anomaly-alert"));

    // One account opening 51 different records within the hour.
    let now = relay.now();
    relay
        .web()
        .store
        .run_blocking(|c| {
            for i in 0..51 {
                audit::record(
                    c,
                    &audit::Event::new(now - i * 1000, "portal.access")
                        .account("acct-x")
                        .object(&format!("rec-{i}")),
                )?;
            }
            Ok::<_, bloom_relay::webstore::WebStoreError>(())
        })
        .unwrap();
    let alerted = admin.get("/console/members");
    assert!(alerted.body.contains("anomaly-alert"), "{}", alerted.body);
    assert!(alerted.body.contains("acct-x: 51"), "{}", alerted.body);
}

#[test]
fn tickets_are_answered_and_closed() {
    let relay = Relay::new();
    let mut admin = relay.signed_in_member(Role::Admin, "ada", "ada@example.org", "Ada");
    relay.patient("pat@example.org");
    let pat = relay.account_id("pat@example.org");
    let now = relay.now();
    let id = relay
        .web()
        .store
        .run_blocking(|c| {
            ticket::open(
                c,
                &pat,
                "<script>alert(1)</script>",
                "I cannot see my invoice",
                now,
            )
        })
        .unwrap();
    let page = admin.get("/console/tickets");
    assert!(page.body.contains("I cannot see my invoice"));
    assert!(page.body.contains("pat@example.org"));
    assert!(
        !page.body.contains("<script>alert(1)</script>"),
        "rendered inert"
    );
    let answered = admin.post(
        &format!("/console/tickets/{id}/answer"),
        &[
            ("_csrf", &csrf_of(&page.body)),
            ("answer", "Fixed, thank you"),
        ],
    );
    assert_eq!(answered.location, "/console/tickets?done=answered");
    let mine = relay
        .web()
        .store
        .run_blocking(|c| ticket::of_account(c, &pat))
        .unwrap();
    assert_eq!(mine[0].answer.as_deref(), Some("Fixed, thank you"));
    let unknown = admin.post(
        "/console/tickets/nope/answer",
        &[("_csrf", &csrf_of(&page.body)), ("answer", "x")],
    );
    assert_eq!(unknown.status, 400);
}
