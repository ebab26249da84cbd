//! The portal channel on a device: the publication outbox in the vault and
//! sealed submissions opened and applied into the chart, with real
//! SQLCipher vaults in temp dirs (the relay's side is in bloom-relay and the
//! end-to-end stories in tests/tests/portal_channel.rs).

#![allow(clippy::unwrap_used, clippy::expect_used)]
#![cfg(all(feature = "vault", feature = "net"))]

use bloom_core::assessment::Instrument;
use bloom_core::chart::NewClient;
use bloom_core::consent::{ConsentAction, ConsentKind};
use bloom_core::portal::seal::{self, Identity};
use bloom_core::portal::{PortalClientId, Publication, PublishedSlot, Submission};
use bloom_core::records::{assessment, client, portal};
use bloom_core::replica::DeviceKeys;
use bloom_core::sync::proto::SealedSubmission;
use bloom_core::vault::{KdfParams, NoKeychain, Passphrase, Unlock, Vault};

fn pass() -> Passphrase {
    Passphrase::new("violet tram coffee lantern")
}

fn new_vault(dir: &std::path::Path) -> Vault {
    let kdf = KdfParams {
        memory_kib: 1024,
        iterations: 1,
        parallelism: 1,
    };
    let (mut vault, _) = Vault::create(dir, "Dr A", &pass(), &NoKeychain, kdf).unwrap();
    DeviceKeys::load_or_create(&mut vault).unwrap();
    vault
}

fn new_client(v: &mut Vault, consent: bool) -> String {
    let id = client::create_client(
        v,
        &NewClient {
            given_name: "Ada".into(),
            family_name: "Moreno".into(),
            preferred_name: None,
        },
    )
    .unwrap();
    if consent {
        client::record_consent(v, &id, ConsentKind::PortalUse, ConsentAction::Granted).unwrap();
    }
    id
}

fn sealed_for(v: &Vault, submission: &Submission) -> SealedSubmission {
    let keys = DeviceKeys::load(v).unwrap().unwrap();
    let me = seal::recipient(&keys.age_recipient()).unwrap();
    SealedSubmission {
        id: submission.id().to_owned(),
        sealed: seal::seal(submission, &[me]).unwrap(),
    }
}

#[test]
fn publishing_needs_portal_consent_and_the_outbox_survives_a_restart() {
    let dir = tempfile::tempdir().unwrap();
    let mut vault = new_vault(dir.path());
    let refused = new_client(&mut vault, false);
    assert!(portal::invite_client(&mut vault, &refused, None).is_err());
    assert!(portal::outbox(&vault, 10).unwrap().is_empty());

    let id = new_client(&mut vault, true);
    let invite = portal::invite_client(&mut vault, &id, Some("ada@example.org")).unwrap();
    assert!(!format!("{invite:?}").contains(&invite.token));
    portal::reply(&mut vault, &id, "Welcome to the portal").unwrap();
    drop(vault);

    // Reopened (as after a kill): the publications wait, in order.
    let vault = Vault::open(dir.path(), Unlock::Passphrase(&pass()), &NoKeychain).unwrap();
    let queued = portal::outbox(&vault, 10).unwrap();
    let kinds: Vec<&str> = queued.iter().map(|(_, p)| p.kind()).collect();
    assert_eq!(kinds, ["client-invite", "reply"]);
    let Publication::ClientInvite {
        client,
        token_sha256,
        ..
    } = &queued[0].1
    else {
        panic!("not an invite")
    };
    assert_eq!(client.as_str(), invite.portal_id);
    assert_ne!(
        hex(token_sha256),
        invite.token,
        "only the hash is published"
    );
    assert_eq!(portal::client_of(&vault, client).unwrap(), Some(id.clone()));
    assert_eq!(portal::pending(&vault).unwrap(), 2);

    // Refused ones are set aside until the next session; sent ones go.
    portal::refused(&vault, queued[0].0, "sync.forbidden").unwrap();
    assert_eq!(portal::outbox(&vault, 10).unwrap().len(), 1);
    portal::retry_refused(&vault).unwrap();
    portal::sent(&vault, &[queued[0].0, queued[1].0]).unwrap();
    assert!(portal::outbox(&vault, 10).unwrap().is_empty());
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

#[test]
fn a_submission_applies_once_and_a_stranger_s_or_garbage_is_not_acknowledged() {
    let dir = tempfile::tempdir().unwrap();
    let mut vault = new_vault(dir.path());
    let id = new_client(&mut vault, true);
    let invite = portal::invite_client(&mut vault, &id, None).unwrap();
    let ada = PortalClientId::parse(&invite.portal_id).unwrap();

    let message = Submission::Message {
        id: "s-msg".into(),
        client: ada.clone(),
        body: "I could not sleep".into(),
        sent_ms: 10,
    };
    let item = sealed_for(&vault, &message);
    let got = portal::receive(&mut vault, std::slice::from_ref(&item)).unwrap();
    assert_eq!(got.done, vec!["s-msg".to_owned()]);
    // Again (the ack was lost): acknowledged again, stored once.
    let again = portal::receive(&mut vault, &[item]).unwrap();
    assert_eq!(again.done, vec!["s-msg".to_owned()]);
    assert!(again.stored.is_empty());
    let thread = portal::thread(&mut vault, &id).unwrap();
    assert_eq!(thread.len(), 1);
    assert_eq!(portal::unread_count(&vault).unwrap(), 1);
    assert_eq!(portal::mark_read(&mut vault, &id).unwrap(), 1);
    assert_eq!(portal::unread_count(&vault).unwrap(), 0);

    // Sealed to someone else, garbage, or for a client this device does not
    // know: kept on the relay (not acknowledged).
    let stranger = Identity::generate();
    let foreign = SealedSubmission {
        id: "s-2".into(),
        sealed: seal::seal(&message, &[stranger.to_public()]).unwrap(),
    };
    let garbage = SealedSubmission {
        id: "s-3".into(),
        sealed: vec![0xde, 0xad],
    };
    let unknown = sealed_for(
        &vault,
        &Submission::Message {
            id: "s-4".into(),
            client: PortalClientId::from_bytes([7; 16]),
            body: "hello".into(),
            sent_ms: 1,
        },
    );
    let got = portal::receive(&mut vault, &[foreign, garbage, unknown]).unwrap();
    assert!(got.done.is_empty());
    assert_eq!(got.failed, 3);
}

#[test]
fn a_phq9_with_the_safety_item_is_scored_and_raises_the_alert_and_requests_can_be_answered() {
    let dir = tempfile::tempdir().unwrap();
    let mut vault = new_vault(dir.path());
    let id = new_client(&mut vault, true);
    let invite = portal::invite_client(&mut vault, &id, None).unwrap();
    let ada = PortalClientId::parse(&invite.portal_id).unwrap();

    let phq = Submission::Assessment {
        id: "s-phq".into(),
        client: ada.clone(),
        assignment: "a1".into(),
        instrument: Instrument::Phq9,
        answers: vec![0, 0, 0, 0, 0, 0, 0, 0, 1],
        comment: "nothing else".into(),
        sent_ms: 5,
    };
    let start = bloom_core::vault::now_ms() + 3 * 24 * 3_600_000;
    let request = Submission::BookingRequest {
        id: "s-book".into(),
        client: ada.clone(),
        slot: PublishedSlot {
            start_ms: start,
            end_ms: start + 50 * 60_000,
        },
        note: "".into(),
        sent_ms: 6,
    };
    let items = [sealed_for(&vault, &phq), sealed_for(&vault, &request)];
    let got = portal::receive(&mut vault, &items).unwrap();
    assert_eq!(got.done.len(), 2);
    assert_eq!(got.safety_alerts.len(), 1);
    let points = assessment::scores_over_time(&vault, &id, Instrument::Phq9).unwrap();
    assert_eq!(points.len(), 1);
    assert!(points[0].safety_alert);

    let requests = portal::booking_requests(&mut vault).unwrap();
    assert_eq!(requests.len(), 1);
    let before = portal::outbox(&vault, 10).unwrap().len();
    let declined = portal::decide_booking(&mut vault, &requests[0].id, false).unwrap();
    assert_eq!(declined.status, "declined");
    assert!(portal::decide_booking(&mut vault, &requests[0].id, true).is_err());
    let queued = portal::outbox(&vault, 10).unwrap();
    assert_eq!(queued.len(), before + 1);
    assert!(matches!(
        &queued[before].1,
        Publication::Appointment { request: Some(r), .. } if r == "s-book"
    ));
}
