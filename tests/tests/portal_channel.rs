//! The portal channel as a practice lives it: an in-process relay (real
//! SQLCipher web store, real QUIC) and a therapist's two devices, each a real
//! vault running the real sync engine; patients act through the relay's
//! portal API, as the portal pages do.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::Path;

use bloom_core::assessment::Instrument;
use bloom_core::chart::NewClient;
use bloom_core::consent::{ConsentAction, ConsentKind};
use bloom_core::portal::{
    FormKind, PortalAppointmentStatus, PortalClientId, Publication, PublishedSlot, Signature,
};
use bloom_core::records::{assessment, client, portal};
use bloom_core::sync::client::{ClientSettings, RelayClient};
use bloom_core::sync::proto::Message;
use bloom_core::vault::Vault;
use bloom_core::{Code, HasCode};
use bloom_e2e::TestDir;
use bloom_e2e::practice::{Device, Practice};
use bloom_relay::admin::{Reply, Request};
use bloom_relay::portal::Portal;

fn now() -> i64 {
    bloom_relay::quic::now_ms()
}

/// A client who consents to the portal, invited; returns (client id, portal id).
fn invited(v: &mut Vault, given: &str) -> (String, PortalClientId) {
    let id = client::create_client(
        v,
        &NewClient {
            given_name: given.into(),
            family_name: "Portal".into(),
            preferred_name: None,
        },
    )
    .unwrap();
    client::record_consent(v, &id, ConsentKind::PortalUse, ConsentAction::Granted).unwrap();
    let invite = portal::invite_client(v, &id, Some("patient@example.org")).unwrap();
    // The relay reads it as one of its one-time tokens (the sign-up link).
    assert!(bloom_core::account::token::OneTimeToken::parse(&invite.token).is_some());
    (id, PortalClientId::parse(&invite.portal_id).unwrap())
}

fn portal_of(practice: &Practice) -> Portal {
    practice.relay.as_ref().unwrap().portal.clone()
}

async fn eventually<T>(what: &str, check: impl AsyncFnMut() -> Option<T>) -> T {
    bloom_e2e::eventually(what, 20, check).await
}

fn count(portal: &Portal, sql: &str) -> i64 {
    let sql = sql.to_owned();
    portal
        .webstore()
        .run_blocking(|c| {
            c.query_row(&sql, [], |r| r.get::<_, i64>(0))
                .map_err(bloom_relay::webstore::WebStoreError::from)
        })
        .unwrap()
}

async fn two_devices(dir: &TestDir, practice: &Practice) -> (Device, Device) {
    let mut laptop = Device::new(dir.path(), "laptop");
    laptop.enroll(&practice.invite().await).await;
    let mut desktop = Device::new(dir.path(), "desktop");
    let code = laptop.pairing_code().await;
    desktop.enroll(&code).await;
    (laptop, desktop)
}

/// Invite, availability, a booking accepted, a message, a PHQ-9 with the
/// safety item, an intake and a consent form: each reaches the chart sealed,
/// and the relay's files never hold what the patient answered.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_patient_books_writes_and_fills_in_forms_and_the_chart_gets_it_all_sealed() {
    let dir = TestDir::new("portal-story");
    let practice = Practice::start(&dir.sub("relay")).await;
    let relay = portal_of(&practice);
    let (laptop, desktop) = two_devices(&dir, &practice).await;

    // Invites: the relay has them (a hash of the token, never the token).
    let (ada_id, ada) = laptop.with(|v| invited(v, "Ada"));
    let (_ben_id, ben) = laptop.with(|v| invited(v, "Ben"));
    eventually("the invites on the relay", async || {
        (count(
            &relay,
            "SELECT count(*) FROM account_invites WHERE portal_client IS NOT NULL",
        ) == 2)
            .then_some(())
    })
    .await;
    assert_eq!(relay.client(&ada).await.unwrap().member, "dr-rivera");

    // Availability: working hours minus busy times, offered to patients.
    let today = chrono::Utc::now().date_naive();
    let published = laptop.with(|v| portal::publish_availability(v, today, 14, 24).unwrap());
    assert!(!published.is_empty());
    let slots = eventually("published slots", async || {
        let open = relay.open_slots(&ada, now()).await.unwrap();
        (!open.is_empty()).then_some(open)
    })
    .await;
    // Two days ahead at least, so the notice period allows cancelling.
    let slot: PublishedSlot = *slots
        .iter()
        .find(|s| s.start_ms > now() + 48 * 3_600_000)
        .unwrap();

    // Ada requests it: she sees it requested at once; nobody else is offered it.
    let requested = relay
        .request_booking(&ada, slot, "mornings suit me", now())
        .await
        .unwrap();
    assert_eq!(requested.status, PortalAppointmentStatus::Requested);
    let (upcoming, _) = relay.appointments(&ada, now()).await.unwrap();
    assert_eq!(upcoming, vec![requested.clone()]);
    assert!(!relay.open_slots(&ben, now()).await.unwrap().contains(&slot));
    let err = relay
        .request_booking(&ben, slot, "", now())
        .await
        .unwrap_err();
    assert_eq!(err.code(), Code::PortalSlotUnavailable);

    // The request arrives sealed on a device; the booking list shows it.
    let request = laptop
        .wait_until("the booking request", |v| {
            portal::booking_requests(v)
                .unwrap()
                .into_iter()
                .find(|r| r.status == "pending")
        })
        .await;
    assert_eq!(
        (request.start_ms, request.note.as_str()),
        (slot.start_ms, "mornings suit me")
    );
    let accepted = laptop.with(|v| portal::decide_booking(v, &request.id, true).unwrap());
    assert_eq!(accepted.status, "accepted");
    let confirmed = eventually("the confirmation", async || {
        let (upcoming, _) = relay.appointments(&ada, now()).await.unwrap();
        (upcoming.len() == 1 && upcoming[0].status == PortalAppointmentStatus::Confirmed)
            .then(|| upcoming[0].clone())
    })
    .await;
    assert_eq!(confirmed.start_ms, slot.start_ms);
    assert!(!relay.open_slots(&ben, now()).await.unwrap().contains(&slot));
    // The appointment is in the calendar, on the other device too.
    desktop
        .wait_until("the booked appointment", |v| {
            bloom_core::records::appointment::for_client(v, &ada_id)
                .unwrap()
                .into_iter()
                .find(|a| a.start_ms == slot.start_ms)
        })
        .await;

    // A message: the chart thread shows it unread, on both devices.
    relay
        .send_message(&ada, "MSG-PELICAN I had a rough week", now())
        .await
        .unwrap();
    assert!(relay.thread(&ada).await.unwrap()[0].from_patient);
    for device in [&laptop, &desktop] {
        device
            .wait_until("the message", |v| {
                let thread = portal::thread(v, &ada_id).unwrap();
                (thread.len() == 1 && portal::unread_count(v).unwrap() == 1).then_some(())
            })
            .await;
    }
    let thread = laptop.with(|v| portal::thread(v, &ada_id).unwrap());
    assert!(thread[0].from_client && thread[0].unread);
    assert!(thread[0].body.contains("PELICAN"));
    assert!(!format!("{:?}", thread[0]).contains("PELICAN"));
    laptop.with(|v| portal::mark_read(v, &ada_id).unwrap());
    desktop
        .wait_until("read on the other device", |v| {
            (portal::unread_count(v).unwrap() == 0).then_some(())
        })
        .await;
    // A reply reaches Ada's thread.
    laptop.with(|v| portal::reply(v, &ada_id, "See you then.").unwrap());
    eventually("the reply", async || {
        (relay.thread(&ada).await.unwrap().len() == 2).then_some(())
    })
    .await;

    // The safety plan, shared.
    laptop.with(|v| {
        bloom_core::records::safety_plan::save(
            v,
            &ada_id,
            &[(
                bloom_core::safety_plan::Section::WarningSigns,
                "Not sleeping".into(),
            )],
        )
        .unwrap();
        assert_eq!(portal::share_safety_plan(v, &ada_id).unwrap(), 1);
    });
    let plan = eventually("the shared safety plan", async || {
        relay.safety_plan(&ada).await.unwrap()
    })
    .await;
    assert_eq!(plan.sections[0].1, "Not sleeping");
    assert!(relay.safety_plan(&ben).await.unwrap().is_none());

    // A PHQ-9 with item 9 above 0: scored in the chart, with the safety alert.
    let phq = laptop.with(|v| portal::assign(v, &ada_id, FormKind::Phq9).unwrap());
    eventually("the assignment", async || {
        (relay.assignments(&ada).await.unwrap().len() == 1).then_some(())
    })
    .await;
    relay
        .submit_assessment(
            &ada,
            &phq,
            vec![1, 1, 2, 1, 0, 1, 1, 0, 2],
            "COMMENT-QUOKKA",
            now(),
        )
        .await
        .unwrap();
    assert!(relay.assignments(&ada).await.unwrap()[0].done_ms.is_some());
    for device in [&laptop, &desktop] {
        let point = device
            .wait_until("the scored PHQ-9", |v| {
                assessment::scores_over_time(v, &ada_id, Instrument::Phq9)
                    .unwrap()
                    .pop()
            })
            .await;
        assert_eq!(point.total, 9);
        assert!(point.safety_alert, "the item-9 alert must surface");
    }

    // An intake form and a signed consent form.
    let intake = laptop.with(|v| portal::assign(v, &ada_id, FormKind::Intake).unwrap());
    let consent = laptop.with(|v| portal::assign(v, &ada_id, FormKind::Consent).unwrap());
    eventually("the form assignments", async || {
        (relay.assignments(&ada).await.unwrap().len() == 3).then_some(())
    })
    .await;
    let answers: Vec<(String, String)> = bloom_core::portal::form::INTAKE_FIELDS
        .iter()
        .map(|f| (f.id.to_owned(), format!("ANSWER-ZEBRA {}", f.id)))
        .collect();
    let signature = Signature {
        typed_name: "Ada Portal".into(),
        signed_ms: now(),
        text_sha256: "00".repeat(32),
    };
    let bad = relay
        .submit_form(&ada, &intake, vec![], Some(signature.clone()), now())
        .await
        .unwrap_err();
    assert_eq!(bad.code(), Code::PortalFormInvalid);
    relay
        .submit_form(
            &ada,
            &intake,
            answers.clone(),
            Some(signature.clone()),
            now(),
        )
        .await
        .unwrap();
    relay
        .submit_form(&ada, &consent, vec![], Some(signature), now())
        .await
        .unwrap();
    let forms = laptop
        .wait_until("both forms in the chart", |v| {
            let f = portal::form_submissions(v, &ada_id).unwrap();
            (f.len() == 2).then_some(f)
        })
        .await;
    let intake_form = forms.iter().find(|f| f.form == FormKind::Intake).unwrap();
    assert_eq!(intake_form.answers, answers);
    laptop
        .wait_until("treatment consent", |v| {
            client::is_consented(v, &ada_id, ConsentKind::Treatment)
                .unwrap()
                .then_some(())
        })
        .await;

    // Every submission acknowledged: the inbox is empty.
    eventually("an empty inbox", async || {
        (count(&relay, "SELECT count(*) FROM portal_inbox") == 0).then_some(())
    })
    .await;

    // Ada's ids on Ben's functions are not found.
    let err = relay.cancel(&ben, &confirmed.id, now()).await.unwrap_err();
    assert_eq!(err.code(), Code::PortalNotFound);
    let phq_again = laptop.with(|v| portal::assign(v, &ada_id, FormKind::Phq9).unwrap());
    eventually("another assignment", async || {
        (relay.assignments(&ada).await.unwrap().len() == 4).then_some(())
    })
    .await;
    let err = relay
        .submit_assessment(&ben, &phq_again, vec![0; 9], "", now())
        .await
        .unwrap_err();
    assert_eq!(err.code(), Code::PortalNotFound);
    assert!(relay.thread(&ben).await.unwrap().is_empty());
    assert!(relay.assignments(&ben).await.unwrap().is_empty());

    // Ada cancels (two days' notice): the device's calendar follows.
    relay.cancel(&ada, &confirmed.id, now()).await.unwrap();
    laptop
        .wait_until("the cancellation", |v| {
            bloom_core::records::appointment::for_client(v, &ada_id)
                .unwrap()
                .into_iter()
                .find(|a| {
                    a.start_ms == slot.start_ms
                        && a.status == bloom_core::schedule::AppointmentStatus::Cancelled
                })
        })
        .await;

    // The relay never holds a form answer or assessment comment: not in the
    // raw files, and not in any decrypted table; the message text only in
    // Ada's own thread.
    let data = dir.sub("relay");
    for file in walk(&data) {
        let bytes = std::fs::read(&file).unwrap();
        for m in [
            &b"ANSWER-ZEBRA"[..],
            b"COMMENT-QUOKKA",
            b"MSG-PELICAN",
            b"mornings suit",
        ] {
            assert!(
                !contains(&bytes, m),
                "{} holds {:?}",
                file.display(),
                String::from_utf8_lossy(m)
            );
        }
    }
    let tables: Vec<String> = relay
        .webstore()
        .run_blocking(|c| {
            let mut stmt = c.prepare("SELECT name FROM sqlite_master WHERE type = 'table'")?;
            let rows = stmt.query_map([], |r| r.get(0))?;
            rows.collect::<Result<Vec<String>, _>>()
                .map_err(bloom_relay::webstore::WebStoreError::from)
        })
        .unwrap();
    assert!(tables.iter().any(|t| t == "portal_inbox"));
    for table in tables {
        let markers: &[&[u8]] = if table == "portal_thread" {
            &[b"ANSWER-ZEBRA", b"COMMENT-QUOKKA", b"mornings suit"]
        } else {
            &[
                b"ANSWER-ZEBRA",
                b"COMMENT-QUOKKA",
                b"mornings suit",
                b"MSG-PELICAN",
            ]
        };
        scan_table(&relay, &table, markers);
    }
}

/// A device of another member cannot publish about this member's client,
/// and a revoked client's portal refuses.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn another_members_device_cannot_publish_about_a_foreign_client() {
    let dir = TestDir::new("portal-forbidden");
    let practice = Practice::start(&dir.sub("relay")).await;
    let relay = portal_of(&practice);
    let mut laptop = Device::new(dir.path(), "laptop");
    laptop.enroll(&practice.invite().await).await;
    let (ada_id, ada) = laptop.with(|v| invited(v, "Ada"));
    eventually("the invite on the relay", async || {
        relay.client(&ada).await.ok()
    })
    .await;

    let text = match practice
        .admin(Request::Invite {
            member: "dr-okafor".into(),
            hours: 1,
        })
        .await
    {
        Reply::Invite { text, .. } => text,
        other => panic!("{other:?}"),
    };
    let mut other = Device::new(dir.path(), "okafor");
    other.enroll(&text).await;
    other.stop_sync();
    let enrollment = other
        .with(|v| bloom_core::replica::enrollment(v))
        .unwrap()
        .unwrap();
    let client = RelayClient::connect(
        &enrollment.relay,
        "bloom-e2e",
        &ClientSettings {
            identity: Some(other.identity()),
            ..ClientSettings::default()
        },
    )
    .await
    .unwrap();
    for item in [
        Publication::Reply {
            client: ada.clone(),
            message: "m1".into(),
            body: "hello from another therapist".into(),
            sent_ms: now(),
        },
        Publication::ClientInvite {
            client: ada.clone(),
            display_name: "Ada".into(),
            email: None,
            token_sha256: [0; 32],
            expires_ms: now() + 1000,
        },
        Publication::RevokeClient {
            client: ada.clone(),
        },
    ] {
        let err = client
            .request(&Message::Publish { items: vec![item] })
            .await
            .unwrap_err();
        assert!(err.to_string().contains("sync.forbidden"), "{err}");
    }
    // Nothing of it landed.
    assert!(relay.thread(&ada).await.unwrap().is_empty());
    // Its inbox holds nothing for it either.
    match client.request(&Message::FetchInbox).await.unwrap() {
        Message::Inbox { items, more } => assert!(items.is_empty() && !more),
        other => panic!("{other:?}"),
    }
    client.close();

    // The therapist ends Ada's access: the portal refuses her.
    laptop.with(|v| portal::revoke_client(v, &ada_id).unwrap());
    let err = eventually("the revocation", async || relay.thread(&ada).await.err()).await;
    assert_eq!(err.code(), Code::PortalNotLinked);
}

fn scan_table(relay: &Portal, table: &str, markers: &[&[u8]]) {
    let table = table.to_owned();
    let markers: Vec<Vec<u8>> = markers.iter().map(|m| m.to_vec()).collect();
    relay
        .webstore()
        .run_blocking(move |db| {
            let sql = format!("SELECT * FROM \"{table}\"");
            let mut stmt = db.prepare(&sql)?;
            let columns = stmt.column_count();
            let mut rows = stmt.query([])?;
            while let Some(row) = rows.next()? {
                for c in 0..columns {
                    let bytes: Vec<u8> = match row.get_ref(c)? {
                        rusqlite::types::ValueRef::Text(t) | rusqlite::types::ValueRef::Blob(t) => {
                            t.to_vec()
                        }
                        _ => continue,
                    };
                    for m in &markers {
                        assert!(
                            !contains(&bytes, m),
                            "table {table} column {c} holds patient text"
                        );
                    }
                }
            }
            Ok::<_, bloom_relay::webstore::WebStoreError>(())
        })
        .unwrap();
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}

fn walk(dir: &Path) -> Vec<std::path::PathBuf> {
    let mut out = vec![];
    for entry in std::fs::read_dir(dir).unwrap().flatten() {
        let p = entry.path();
        if p.is_dir() {
            out.extend(walk(&p));
        } else if p.is_file() {
            out.push(p);
        }
    }
    out
}
