//! The relay store's rules as stories, written once and told to both
//! backends: SQLite (SQLCipher in a temp dir) and PostgreSQL (a throwaway
//! server per test binary, a database per test; see `support/pg.rs`).

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use bloom_core::sync::log::{DeviceId, DocReaders, LogItem};
use bloom_core::{Code, HasCode};
use bloom_relay::store::{
    Appended, BlobRefusal, InviteKind, NewDevice, Quotas, RelayStore, StoreError, StoreEvent,
};
use support::*;

/// Runs each story on both backends: `sqlite::<story>` and `postgres::<story>`.
macro_rules! on_both {
    ($($story:ident),* $(,)?) => {
        mod sqlite {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $story() {
                    crate::$story(&crate::SqliteFx::new()).await;
                }
            )*
        }
        mod postgres {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $story() {
                    crate::$story(&crate::PgFx::new().await).await;
                }
            )*
        }
    };
}

on_both!(
    enrollment_takes_the_member_from_the_invite,
    an_invite_works_once_and_not_after_expiry,
    an_invite_used_twice_at_once_enrolls_one_device,
    the_first_writer_reads_and_others_are_refused,
    a_retried_upload_is_stored_once,
    a_key_grant_opens_the_documents_history,
    key_epochs_only_grow_and_keep_their_key,
    malformed_blobs_are_refused_one_by_one,
    a_snapshot_compacts_and_a_new_reader_gets_snapshot_and_tail,
    quotas_count_stored_bytes,
    revocation_removes_access_and_names_the_documents,
    a_wide_revocation_is_split_into_entries_that_fit_a_frame,
    since_pages_in_order,
    events_announce_appends_and_revocations,
    touch_records_last_seen,
    concurrent_writers_get_unique_gapless_seqs,
);

fn q() -> Quotas {
    Quotas::default()
}

async fn enrollment_takes_the_member_from_the_invite<F: Fixture>(fx: &F) {
    let s = fx.open(q()).await;
    invite(&s, 1, "dr-ada", InviteKind::Admin, T0 + 1000).await;
    let a = s.enroll(token(1), new_device(&dev(1)), T0).await.unwrap();
    assert_eq!(
        (a.member.as_str(), a.enrolled_ms, a.revoked_ms),
        ("dr-ada", T0, None)
    );
    assert_eq!(s.device(&dev(1)).await.unwrap(), Some(a.clone()));
    assert_eq!(s.device(&dev(99)).await.unwrap(), None);

    // A pairing invite enrolls for the member of the device that made it.
    let pairing = InviteKind::Pairing { by: dev(1) };
    invite(&s, 2, "someone-else", pairing.clone(), T0 + 1000).await;
    let b = NewDevice {
        pairing_proof: Some([9; 32]),
        ..new_device(&dev(2))
    };
    let b = s.enroll(token(2), b, T0 + 1).await.unwrap();
    assert_eq!(
        (b.member.as_str(), b.pairing_proof),
        ("dr-ada", Some([9; 32]))
    );

    // Enrolling a device twice fails and leaves the invite unused.
    invite(&s, 3, "dr-cy", InviteKind::Admin, T0 + 1000).await;
    let again = s.enroll(token(3), new_device(&dev(1)), T0).await;
    assert!(matches!(again, Err(StoreError::AlreadyEnrolled(d)) if d == dev(1)));
    s.enroll(token(3), new_device(&dev(3)), T0).await.unwrap();

    let ids: Vec<DeviceId> = s
        .devices()
        .await
        .unwrap()
        .into_iter()
        .map(|d| d.id)
        .collect();
    assert_eq!(ids, [dev(1), dev(2), dev(3)]);
    let log = all(&s, &dev(3)).await;
    assert_eq!(seqs(&log), [1, 2, 3]);
    assert_eq!(enrolled_info(&log[1]), &b);
    assert!(log.iter().all(|e| e.from.is_none()));
    assert_eq!(s.head().await.unwrap(), 3);

    let unknown = InviteKind::Pairing { by: dev(42) };
    let made = s
        .create_invite(bloom_relay::store::NewInvite {
            token_hash: token(4),
            member: "x".into(),
            kind: unknown,
            expires_ms: T0 + 1000,
            created_ms: T0,
        })
        .await;
    assert!(matches!(made, Err(StoreError::NoSuchDevice(_))));
}

async fn an_invite_works_once_and_not_after_expiry<F: Fixture>(fx: &F) {
    let s = fx.open(q()).await;
    invite(&s, 1, "dr-ada", InviteKind::Admin, T0 + 100).await;
    s.enroll(token(1), new_device(&dev(1)), T0).await.unwrap();
    let second = s.enroll(token(1), new_device(&dev(2)), T0).await;
    assert!(matches!(second, Err(StoreError::InviteInvalid)));
    assert_eq!(second.unwrap_err().code(), Code::SyncInviteInvalid);

    invite(&s, 2, "dr-ada", InviteKind::Admin, T0 + 100).await;
    let late = s.enroll(token(2), new_device(&dev(2)), T0 + 100).await;
    assert!(
        matches!(late, Err(StoreError::InviteInvalid)),
        "expiry is exclusive"
    );
    // The refused attempt did not use it up.
    s.enroll(token(2), new_device(&dev(2)), T0 + 99)
        .await
        .unwrap();

    let unknown = s.enroll(token(3), new_device(&dev(3)), T0).await;
    assert!(matches!(unknown, Err(StoreError::InviteInvalid)));
    assert_eq!(s.devices().await.unwrap().len(), 2);
}

async fn an_invite_used_twice_at_once_enrolls_one_device<F: Fixture>(fx: &F) {
    // Two stores on the same data: two relay processes racing.
    let (s1, s2) = (fx.open(q()).await, fx.open(q()).await);
    for i in 0..8u8 {
        invite(&s1, i, "dr-ada", InviteKind::Admin, T0 + 1000).await;
        let (one, two) = tokio::join!(
            s1.enroll(token(i), new_device(&dev(u32::from(i) * 2 + 1)), T0),
            s2.enroll(token(i), new_device(&dev(u32::from(i) * 2 + 2)), T0),
        );
        assert!(
            one.is_ok() != two.is_ok(),
            "exactly one enrollment: {one:?} / {two:?}"
        );
        let loser = if one.is_ok() { two } else { one };
        assert!(matches!(loser, Err(StoreError::InviteInvalid)));
    }
    assert_eq!(s2.devices().await.unwrap().len(), 8);
    assert_eq!(s1.head().await.unwrap(), 8);
}

async fn the_first_writer_reads_and_others_are_refused<F: Fixture>(fx: &F) {
    let s = fx.open(q()).await;
    let (a, b) = (enrolled(&s, 1).await, enrolled(&s, 2).await);
    let seq = stored(&s, &a, change(1, "client/1", 1, 10)).await;
    assert_eq!(seq, 3);

    let refused = put(&s, &b, change(2, "client/1", 1, 10)).await;
    assert_eq!(
        refused,
        Appended::Refused(BlobRefusal::Forbidden("client/1".into()))
    );
    let self_grant = put(&s, &b, key(3, "client/1", 1, 1, &b)).await;
    assert!(matches!(
        self_grant,
        Appended::Refused(BlobRefusal::Forbidden(_))
    ));
    assert_eq!(blob_seqs(&all(&s, &b).await), Vec::<u64>::new());
    assert_eq!(blob_seqs(&all(&s, &a).await), [3]);

    // Each blob of an upload is judged on its own.
    let out = s
        .append(
            &b,
            vec![
                change(4, "client/2", 1, 10),
                change(5, "client/1", 1, 10),
                change(6, "client/2", 1, 10),
            ],
            T0,
        )
        .await
        .unwrap();
    assert_eq!(
        out,
        [
            Appended::Stored { seq: 4 },
            Appended::Refused(BlobRefusal::Forbidden("client/1".into())),
            Appended::Stored { seq: 5 },
        ]
    );
    assert_eq!(blob_seqs(&all(&s, &a).await), [3]);
    assert_eq!(blob_seqs(&all(&s, &b).await), [4, 5]);
    let stranger = s.append(&dev(77), vec![change(7, "x", 1, 1)], T0).await;
    assert!(matches!(stranger, Err(StoreError::NoSuchDevice(_))));
}

async fn a_retried_upload_is_stored_once<F: Fixture>(fx: &F) {
    let s = fx.open(q()).await;
    let (a, b) = (enrolled(&s, 1).await, enrolled(&s, 2).await);
    let first = stored(&s, &a, change(1, "d", 1, 100)).await;
    let bytes = s.stored_bytes(&a).await.unwrap();
    assert_eq!(
        put(&s, &a, change(1, "d", 1, 100)).await,
        Appended::Duplicate { seq: first }
    );
    assert_eq!(
        (s.head().await.unwrap(), s.stored_bytes(&a).await.unwrap()),
        (first, bytes)
    );

    let twice = s
        .append(&a, vec![change(2, "d", 1, 5), change(2, "d", 1, 5)], T0)
        .await
        .unwrap();
    assert_eq!(
        twice,
        [
            Appended::Stored { seq: first + 1 },
            Appended::Duplicate { seq: first + 1 }
        ]
    );

    // Another device reusing the id is refused, not deduplicated.
    let stolen = put(&s, &b, change(1, "e", 1, 100)).await;
    assert!(matches!(stolen, Appended::Refused(BlobRefusal::Invalid(_))));

    // A retry after its entry was compacted away still gets its seq.
    let head = s.head().await.unwrap();
    stored(&s, &a, snapshot(3, "d", 1, head, 10)).await;
    assert!(!seqs(&all(&s, &a).await).contains(&first));
    assert_eq!(
        put(&s, &a, change(1, "d", 1, 100)).await,
        Appended::Duplicate { seq: first }
    );
}

async fn a_key_grant_opens_the_documents_history<F: Fixture>(fx: &F) {
    let s = fx.open(q()).await;
    let (a, b, c) = (
        enrolled(&s, 1).await,
        enrolled(&s, 2).await,
        enrolled(&s, 3).await,
    );
    let own_key = stored(&s, &a, key(1, "d", 1, 0xa1, &a)).await;
    let c1 = stored(&s, &a, change(2, "d", 1, 10)).await;
    let c2 = stored(&s, &a, change(3, "d", 1, 10)).await;
    assert_eq!(blob_seqs(&all(&s, &b).await), Vec::<u64>::new());

    let grant = stored(&s, &a, key(4, "d", 1, 0xa1, &b)).await;
    assert_eq!(blob_seqs(&all(&s, &b).await), [c1, c2, grant]);
    assert_eq!(blob_seqs(&all(&s, &a).await), [own_key, c1, c2]);
    assert_eq!(blob_seqs(&all(&s, &c).await), Vec::<u64>::new());
    // The grantee is a reader now, so it may write.
    let c3 = stored(&s, &b, change(5, "d", 1, 10)).await;
    assert_eq!(blob_seqs(&all(&s, &a).await), [own_key, c1, c2, c3]);

    let nobody = put(&s, &a, key(6, "d", 1, 0xa1, &dev(99))).await;
    assert!(matches!(nobody, Appended::Refused(BlobRefusal::Invalid(_))));
    assert_eq!(nobody_code(&nobody), Code::SyncBlobInvalid);
}

fn nobody_code(a: &Appended) -> Code {
    match a {
        Appended::Refused(r) => r.code(),
        other => panic!("expected a refusal, got {other:?}"),
    }
}

async fn key_epochs_only_grow_and_keep_their_key<F: Fixture>(fx: &F) {
    let s = fx.open(q()).await;
    let (a, b) = (enrolled(&s, 1).await, enrolled(&s, 2).await);
    stored(&s, &a, key(1, "d", 1, 0x11, &a)).await;
    let conflict = put(&s, &a, key(2, "d", 1, 0x22, &b)).await;
    let want = BlobRefusal::EpochConflict {
        doc: "d".into(),
        epoch: 1,
    };
    assert_eq!(conflict, Appended::Refused(want));

    stored(&s, &a, key(3, "d", 2, 0x33, &a)).await;
    let stale = put(&s, &a, change(4, "d", 1, 10)).await;
    let want = BlobRefusal::StaleEpoch {
        doc: "d".into(),
        current: 2,
    };
    assert_eq!(stale, Appended::Refused(want.clone()));
    assert_eq!(nobody_code(&stale), Code::SyncStaleEpoch);
    stored(&s, &a, change(5, "d", 2, 10)).await;

    // An old epoch's key, unchanged, may go to a new reader (for history).
    stored(&s, &a, key(6, "d", 1, 0x11, &b)).await;
    let changed = put(&s, &a, key(7, "d", 1, 0x99, &b)).await;
    assert!(matches!(
        changed,
        Appended::Refused(BlobRefusal::EpochConflict { .. })
    ));

    // A new epoch must be newer than every epoch before it.
    stored(&s, &a, key(8, "d", 5, 0x55, &a)).await;
    let backwards = put(&s, &a, key(9, "d", 4, 0x44, &a)).await;
    let want = BlobRefusal::StaleEpoch {
        doc: "d".into(),
        current: 5,
    };
    assert_eq!(backwards, Appended::Refused(want.clone()));
    let old_snapshot = put(&s, &a, snapshot(10, "d", 2, 1, 10)).await;
    assert_eq!(old_snapshot, Appended::Refused(want));
}

async fn malformed_blobs_are_refused_one_by_one<F: Fixture>(fx: &F) {
    let quotas = Quotas {
        max_blob_bytes: 1000,
        ..q()
    };
    let s = fx.open(quotas).await;
    let a = enrolled(&s, 1).await;
    let long = "d".repeat(200);
    let mut key_without_to = key(5, "d", 1, 1, &a);
    key_without_to.to = None;
    let mut change_with_to = change(6, "d", 1, 1);
    change_with_to.to = Some(a.clone());
    let out = s
        .append(
            &a,
            vec![
                change(1, "", 1, 1),
                change(2, "client 1", 1, 1),
                change(3, &format!("{long}x"), 1, 1),
                change(4, &long, 1, 1),
                key_without_to,
                change_with_to,
                change(7, "d", 1, 1001),
                snapshot(8, "d", 1, 100, 1),
                change(9, "client/1:a.b-c_D", 1, 1000),
            ],
            T0,
        )
        .await
        .unwrap();
    let kinds: Vec<&str> = out
        .iter()
        .map(|a| match a {
            Appended::Stored { .. } => "stored",
            Appended::Refused(BlobRefusal::Invalid(_)) => "invalid",
            Appended::Refused(BlobRefusal::Quota(_)) => "quota",
            other => panic!("unexpected {other:?}"),
        })
        .collect();
    assert_eq!(
        kinds,
        [
            "invalid", "invalid", "invalid", "stored", "invalid", "invalid", "quota", "invalid",
            "stored"
        ]
    );
    assert_eq!(s.head().await.unwrap(), 3);
}

async fn a_snapshot_compacts_and_a_new_reader_gets_snapshot_and_tail<F: Fixture>(fx: &F) {
    let s = fx.open(q()).await;
    let (a, b) = (enrolled(&s, 1).await, enrolled(&s, 2).await);
    let k = stored(&s, &a, key(1, "d", 1, 0xaa, &a)).await; // 3
    stored(&s, &a, change(2, "d", 1, 10)).await; // 4
    let c2 = stored(&s, &a, change(3, "d", 1, 10)).await; // 5
    let other = stored(&s, &a, change(4, "other", 1, 10)).await; // 6
    stored(&s, &a, change(5, "d", 1, 10)).await; // 7
    let s1 = stored(&s, &a, snapshot(6, "d", 1, c2, 30)).await; // 8
    assert_eq!(blob_seqs(&all(&s, &a).await), [k, other, 7, s1]);
    stored(&s, &a, change(7, "d", 1, 10)).await; // 9
    let s2 = stored(&s, &a, snapshot(8, "d", 1, 9, 40)).await; // 10: drops 7, 8, 9
    let tail = stored(&s, &a, change(9, "d", 1, 10)).await; // 11
    assert_eq!(blob_seqs(&all(&s, &a).await), [k, other, s2, tail]);

    let grant = stored(&s, &a, key(10, "d", 1, 0xaa, &b)).await;
    assert_eq!(seqs(&all(&s, &b).await), [1, 2, s2, tail, grant]);
    let sizes = 48 + 10 + 40 + 10 + 48;
    assert_eq!(s.stored_bytes(&a).await.unwrap(), sizes);

    // Compaction frees other devices' bytes too, never key blobs.
    let theirs = stored(&s, &b, change(11, "d", 1, 25)).await;
    assert_eq!(s.stored_bytes(&b).await.unwrap(), 25);
    stored(&s, &a, snapshot(12, "d", 1, theirs, 5)).await;
    assert_eq!(s.stored_bytes(&b).await.unwrap(), 0);
    let left = blob_seqs(&all(&s, &a).await);
    assert!(
        left.contains(&k) && left.contains(&other) && !left.contains(&theirs),
        "{left:?}"
    );
}

async fn quotas_count_stored_bytes<F: Fixture>(fx: &F) {
    let quotas = Quotas {
        max_stored_bytes: 1000,
        max_blob_bytes: 600,
    };
    let s = fx.open(quotas).await;
    let (a, b) = (enrolled(&s, 1).await, enrolled(&s, 2).await);
    stored(&s, &a, change(1, "d", 1, 400)).await;
    let c2 = stored(&s, &a, change(2, "d", 1, 400)).await;
    let over = put(&s, &a, change(3, "d", 1, 300)).await;
    assert!(matches!(over, Appended::Refused(BlobRefusal::Quota(_))));
    assert_eq!(nobody_code(&over), Code::SyncQuota);
    let too_big = put(&s, &a, change(4, "e", 1, 601)).await;
    assert!(matches!(too_big, Appended::Refused(BlobRefusal::Quota(_))));
    assert_eq!(s.stored_bytes(&a).await.unwrap(), 800);

    // A snapshot is judged net of what it compacts, so a full device can.
    stored(&s, &a, snapshot(5, "d", 1, c2, 300)).await;
    assert_eq!(s.stored_bytes(&a).await.unwrap(), 300);
    stored(&s, &a, change(3, "d", 1, 300)).await;
    assert_eq!(s.stored_bytes(&a).await.unwrap(), 600);

    // Each device has its own allowance; the limit itself is allowed.
    stored(&s, &b, change(6, "f", 1, 500)).await;
    stored(&s, &b, change(7, "f", 1, 500)).await;
    assert!(matches!(
        put(&s, &b, change(8, "f", 1, 1)).await,
        Appended::Refused(BlobRefusal::Quota(_))
    ));
    assert_eq!(s.stored_bytes(&b).await.unwrap(), 1000);
}

async fn revocation_removes_access_and_names_the_documents<F: Fixture>(fx: &F) {
    let s = fx.open(q()).await;
    let (a, b, c) = (
        enrolled(&s, 1).await,
        enrolled(&s, 2).await,
        enrolled(&s, 3).await,
    );
    invite(&s, 9, "", InviteKind::Pairing { by: b.clone() }, T0 + 1000).await;
    stored(&s, &a, key(1, "d1", 1, 1, &a)).await;
    stored(&s, &a, key(2, "d1", 1, 1, &b)).await;
    stored(&s, &a, key(3, "d2", 2, 2, &a)).await;
    stored(&s, &a, key(4, "d2", 2, 2, &b)).await;
    stored(&s, &a, key(5, "d2", 2, 2, &c)).await;
    stored(&s, &b, change(6, "d1", 1, 10)).await;
    stored(&s, &c, change(7, "d3", 1, 10)).await;
    let head = s.head().await.unwrap();

    let docs = s.revoke(&b, T0 + 50).await.unwrap();
    let want = vec![
        DocReaders {
            doc: "d1".into(),
            epoch: 1,
            readers: vec![a.clone()],
        },
        DocReaders {
            doc: "d2".into(),
            epoch: 2,
            readers: vec![a.clone(), c.clone()],
        },
    ];
    assert_eq!(docs, want);
    assert_eq!(
        s.device(&b).await.unwrap().unwrap().revoked_ms,
        Some(T0 + 50)
    );
    let news = s.since(&a, head, 100).await.unwrap();
    assert_eq!(news.len(), 1);
    assert_eq!((news[0].seq, news[0].from.as_ref()), (head + 1, None));
    let item = LogItem::DeviceRevoked {
        device: b.clone(),
        docs: want.clone(),
    };
    assert_eq!(news[0].item, item);
    assert_eq!(seqs(&all(&s, &c).await).last(), Some(&(head + 1)));

    // The revoked device reads nothing and writes nothing; keys to it are refused.
    assert!(all(&s, &b).await.is_empty());
    let out = s
        .append(&b, vec![change(8, "d1", 1, 1), change(9, "new", 1, 1)], T0)
        .await;
    assert!(
        out.unwrap()
            .iter()
            .all(|r| matches!(r, Appended::Refused(BlobRefusal::Forbidden(_))))
    );
    let to_revoked = put(&s, &a, key(10, "d1", 1, 1, &b)).await;
    assert!(matches!(
        to_revoked,
        Appended::Refused(BlobRefusal::Invalid(_))
    ));
    // Its pairing invite died with it.
    let paired = s.enroll(token(9), new_device(&dev(4)), T0 + 60).await;
    assert!(matches!(paired, Err(StoreError::InviteInvalid)));

    // Revoking again answers the same, without a second entry.
    assert_eq!(s.revoke(&b, T0 + 70).await.unwrap(), want);
    assert_eq!(s.head().await.unwrap(), head + 1);
    assert_eq!(
        s.device(&b).await.unwrap().unwrap().revoked_ms,
        Some(T0 + 50)
    );
    let unknown = s.revoke(&dev(99), T0).await;
    assert!(matches!(unknown, Err(StoreError::NoSuchDevice(_))));

    // Nothing new may be sealed with a key the revoked device held: a change
    // under epoch 1 of d1 waits for the rotation, then epoch 2 is accepted.
    let stale = put(&s, &a, change(11, "d1", 1, 1)).await;
    assert!(
        matches!(
            stale,
            Appended::Refused(BlobRefusal::StaleEpoch { current: 2, .. })
        ),
        "{stale:?}"
    );
    stored(&s, &a, key(12, "d1", 2, 12, &a)).await;
    stored(&s, &a, change(13, "d1", 2, 1)).await;
    // d3 was never readable by the revoked device: its epoch 1 stays fine.
    stored(&s, &c, change(14, "d3", 1, 1)).await;
}

async fn a_wide_revocation_is_split_into_entries_that_fit_a_frame<F: Fixture>(fx: &F) {
    let s = fx.open(q()).await;
    let (a, b) = (enrolled(&s, 1).await, enrolled(&s, 2).await);
    let docs = 600u32;
    let mut blobs = Vec::new();
    for d in 0..docs {
        let doc = format!("doc-{d:04}");
        blobs.push(key(2 * d + 100, &doc, 1, 1, &a));
        blobs.push(key(2 * d + 101, &doc, 1, 1, &b));
    }
    for batch in blobs.chunks(200) {
        for r in s.append(&a, batch.to_vec(), T0).await.unwrap() {
            assert!(matches!(r, Appended::Stored { .. }), "{r:?}");
        }
    }
    let head = s.head().await.unwrap();
    let listed = s.revoke(&b, T0 + 1).await.unwrap();
    assert_eq!(listed.len(), docs as usize);
    let news = s.since(&a, head, 100).await.unwrap();
    assert_eq!(news.len(), 3, "600 documents in chunks of 256");
    let mut seen = 0;
    for entry in &news {
        match &entry.item {
            LogItem::DeviceRevoked { device, docs } => {
                assert_eq!(device, &b);
                assert!(docs.len() <= 256);
                seen += docs.len();
            }
            other => panic!("{other:?}"),
        }
        let frame = bloom_core::sync::proto::encode(
            &bloom_core::sync::proto::Message::Entries {
                entries: vec![entry.clone()],
                head: 0,
                caught_up: true,
            },
            bloom_core::sync::proto::DEFAULT_MAX_FRAME,
        );
        assert!(frame.is_ok(), "an entry does not fit a frame");
    }
    assert_eq!(seen, docs as usize);
    // Revoking again answers the whole list, from all the entries.
    assert_eq!(s.revoke(&b, T0 + 2).await.unwrap(), listed);
    assert_eq!(s.head().await.unwrap(), head + 3);
}

async fn since_pages_in_order<F: Fixture>(fx: &F) {
    let s = fx.open(q()).await;
    let (a, b) = (enrolled(&s, 1).await, enrolled(&s, 2).await);
    // a writes document d, b writes document e, interleaved.
    for i in 0..30 {
        let mine = vec![change(i * 3, "d", 1, 5), change(i * 3 + 1, "d", 1, 5)];
        assert_eq!(s.append(&a, mine, T0).await.unwrap().len(), 2);
        stored(&s, &b, change(i * 3 + 2, "e", 1, 5)).await;
    }
    let full = s.since(&a, 0, 10_000).await.unwrap();
    let mut paged = Vec::new();
    let mut after = 0;
    loop {
        let page = s.since(&a, after, 7).await.unwrap();
        assert!(page.len() <= 7);
        let Some(last) = page.last() else { break };
        after = last.seq;
        paged.extend(page);
    }
    assert_eq!(paged, full);
    assert!(seqs(&full).windows(2).all(|w| w[0] < w[1]));
    assert_eq!(full.len(), 2 + 60);
    let docs = |entries: &[bloom_core::sync::log::Entry]| -> Vec<String> {
        entries
            .iter()
            .filter_map(|e| match &e.item {
                LogItem::Blob(blob) => Some(blob.doc.clone()),
                _ => None,
            })
            .collect()
    };
    assert!(docs(&full).iter().all(|d| d == "d"));
    assert!(docs(&all(&s, &b).await).iter().all(|d| d == "e"));
    let head = s.head().await.unwrap();
    assert!(s.since(&a, head, 10).await.unwrap().is_empty());
    assert!(s.since(&a, 0, 0).await.unwrap().is_empty());
    let unknown = s.since(&dev(99), 0, 10).await;
    assert!(matches!(unknown, Err(StoreError::NoSuchDevice(_))));
}

async fn events_announce_appends_and_revocations<F: Fixture>(fx: &F) {
    let s = fx.open(q()).await;
    let mut rx = s.events();
    let a = enrolled(&s, 1).await;
    expect_event(&mut rx, "enrolled", |e| {
        e == &StoreEvent::Appended { head: 1 }
    })
    .await;
    let seq = stored(&s, &a, change(1, "d", 1, 5)).await;
    expect_event(&mut rx, "appended", |e| {
        e == &StoreEvent::Appended { head: seq }
    })
    .await;

    // Nothing stored, nothing announced.
    let b = enrolled(&s, 2).await;
    expect_event(&mut rx, "enrolled", |e| {
        e == &StoreEvent::Appended { head: 3 }
    })
    .await;
    assert!(matches!(
        put(&s, &b, change(2, "d", 1, 5)).await,
        Appended::Refused(_)
    ));
    tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    assert!(rx.try_recv().is_err(), "no event for a refused upload");

    s.revoke(&a, T0).await.unwrap();
    let mut seen = Vec::new();
    for _ in 0..2 {
        seen.push(expect_event(&mut rx, "revocation", |_| true).await);
    }
    assert!(seen.contains(&StoreEvent::Revoked(a.clone())), "{seen:?}");
    assert!(seen.contains(&StoreEvent::Appended { head: 4 }), "{seen:?}");
}

async fn touch_records_last_seen<F: Fixture>(fx: &F) {
    let s = fx.open(q()).await;
    let (a, b) = (enrolled(&s, 1).await, enrolled(&s, 2).await);
    assert!(s.last_seen().await.unwrap().is_empty());
    s.touch(&b, T0 + 5).await.unwrap();
    s.touch(&a, T0 + 7).await.unwrap();
    s.touch(&a, T0 + 9).await.unwrap();
    assert_eq!(s.last_seen().await.unwrap(), [(a, T0 + 9), (b, T0 + 5)]);
    let unknown = s.touch(&dev(99), T0).await;
    assert!(matches!(unknown, Err(StoreError::NoSuchDevice(_))));
}

/// Four devices write one shared document through two stores at once while
/// a reader polls: seqs are unique, and the reader never sees a gap (it
/// never sees N+1 before N).
async fn concurrent_writers_get_unique_gapless_seqs<F: Fixture>(fx: &F)
where
    F::Store: Clone,
{
    let (s1, s2) = (fx.open(q()).await, fx.open(q()).await);
    let mut devices = Vec::new();
    for n in 1..=4 {
        devices.push(enrolled(&s1, n).await);
    }
    for (i, d) in devices.iter().enumerate() {
        stored(&s1, &devices[0], key(1000 + i as u32, "shared", 1, 7, d)).await;
    }
    let start = s1.head().await.unwrap();
    const EACH: u32 = 25;

    let reader = {
        let (s, me) = (s2.clone(), devices[0].clone());
        let end = start + 4 * u64::from(EACH);
        tokio::spawn(async move {
            let mut last = start;
            while last < end {
                for e in s.since(&me, last, 1000).await.unwrap() {
                    assert_eq!(e.seq, last + 1, "the reader skipped a seq");
                    last = e.seq;
                }
            }
        })
    };
    let mut writers = Vec::new();
    for (i, d) in devices.iter().enumerate() {
        let s = if i % 2 == 0 { s1.clone() } else { s2.clone() };
        let d = d.clone();
        writers.push(tokio::spawn(async move {
            let mut got = Vec::new();
            for j in 0..EACH {
                got.push(stored(&s, &d, change(i as u32 * 100 + j, "shared", 1, 8)).await);
            }
            got
        }));
    }
    let mut all_seqs = Vec::new();
    for w in writers {
        all_seqs.extend(w.await.unwrap());
    }
    all_seqs.sort();
    let want: Vec<u64> = (start + 1..=start + 4 * u64::from(EACH)).collect();
    assert_eq!(all_seqs, want);
    tokio::time::timeout(std::time::Duration::from_secs(10), reader)
        .await
        .expect("the reader caught up")
        .unwrap();
}

mod sqlite_only {
    use super::*;
    use bloom_relay::store::SqliteStore;

    #[tokio::test]
    async fn a_reopened_store_has_everything_and_needs_its_key() {
        let fx = SqliteFx::new();
        let s = fx.open(q()).await;
        let a = enrolled(&s, 1).await;
        let seq = stored(&s, &a, change(1, "d", 1, 10)).await;
        let before = all(&s, &a).await;
        drop(s);
        let s = fx.open(q()).await;
        assert_eq!(all(&s, &a).await, before);
        assert_eq!(s.head().await.unwrap(), seq);
        drop(s);
        let wrong = SqliteStore::open(&fx.path(), [8; 32], q());
        assert!(matches!(wrong, Err(StoreError::Backend(_))));
    }

    #[tokio::test]
    async fn an_in_memory_store_works() {
        let s = SqliteStore::open_in_memory(q()).unwrap();
        let a = enrolled(&s, 1).await;
        stored(&s, &a, change(1, "d", 1, 10)).await;
        assert_eq!(s.head().await.unwrap(), 2);
    }

    /// Run by `a_write_acknowledged_before_kill_9_survives` in a child
    /// process; does nothing in a normal test run.
    #[tokio::test]
    async fn crash_writer() {
        let Ok(path) = std::env::var("BLOOM_STORE_CRASH_DB") else {
            return;
        };
        let s = SqliteStore::open(path.as_ref(), [7; 32], q()).unwrap();
        let a = enrolled(&s, 1).await;
        for i in 0.. {
            let seq = stored(&s, &a, change(i, "d", 1, 100)).await;
            println!("acked {seq}");
        }
    }

    #[test]
    fn a_write_acknowledged_before_kill_9_survives() {
        use std::io::BufRead;
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("relay.db");
        let mut child = std::process::Command::new(std::env::current_exe().unwrap())
            .args([
                "--exact",
                "sqlite_only::crash_writer",
                "--nocapture",
                "--test-threads=1",
            ])
            .env("BLOOM_STORE_CRASH_DB", &path)
            .stdout(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        let mut acked = 0;
        for line in std::io::BufReader::new(child.stdout.take().unwrap()).lines() {
            if let Some(seq) = line.unwrap().strip_prefix("acked ") {
                acked = seq.parse().unwrap();
                if acked >= 40 {
                    break;
                }
            }
        }
        child.kill().unwrap(); // SIGKILL
        child.wait().unwrap();
        assert!(acked >= 40, "the writer stopped early");
        let rt = tokio::runtime::Runtime::new().unwrap();
        rt.block_on(async {
            let s = SqliteStore::open(&path, [7; 32], q()).unwrap();
            let head = s.head().await.unwrap();
            assert!(head >= acked, "head {head} < acknowledged {acked}");
            let seen = seqs(&all(&s, &dev(1)).await);
            assert!(
                (1..=acked).all(|n| seen.contains(&n)),
                "lost an acknowledged write"
            );
        });
    }
}

mod postgres_only {
    use super::*;

    /// Another relay process on the same database hears of appends and
    /// revocations through LISTEN/NOTIFY.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_second_instance_hears_the_news() {
        let fx = PgFx::new().await;
        let (a_side, b_side) = (fx.open(q()).await, fx.open(q()).await);
        let mut rx = b_side.events();
        let a = enrolled(&a_side, 1).await;
        expect_event(&mut rx, "enrolled", |e| {
            e == &StoreEvent::Appended { head: 1 }
        })
        .await;
        let seq = stored(&a_side, &a, change(1, "d", 1, 5)).await;
        expect_event(&mut rx, "appended", |e| {
            e == &StoreEvent::Appended { head: seq }
        })
        .await;
        assert_eq!(blob_seqs(&all(&b_side, &a).await), [seq]);
        a_side.revoke(&a, T0).await.unwrap();
        expect_event(&mut rx, "revoked", |e| e == &StoreEvent::Revoked(a.clone())).await;
    }

    /// When the listening connection is cut, the instance reconnects, tells
    /// its subscribers the head (they may have missed news) and hears on.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn the_listener_reconnects() {
        let fx = PgFx::new().await;
        let (a_side, b_side) = (fx.open(q()).await, fx.open(q()).await);
        let mut rx = b_side.events();
        let a = enrolled(&a_side, 1).await;
        expect_event(&mut rx, "enrolled", |e| {
            e == &StoreEvent::Appended { head: 1 }
        })
        .await;

        let (admin, connection) = tokio_postgres::connect(&fx.connect, tokio_postgres::NoTls)
            .await
            .unwrap();
        tokio::spawn(connection);
        let cut = admin
            .query(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity
                 WHERE datname = current_database()
                   AND application_name = 'bloom-relay-listener'",
                &[],
            )
            .await
            .unwrap();
        assert_eq!(cut.len(), 2, "both instances listen");

        // Written while B is (probably) not listening: announced on reconnect.
        let seq = stored(&a_side, &a, change(1, "d", 1, 5)).await;
        expect_event(&mut rx, "caught-up", |e| {
            e == &StoreEvent::Appended { head: seq }
        })
        .await;
        let seq = stored(&a_side, &a, change(2, "d", 1, 5)).await;
        expect_event(&mut rx, "appended", |e| {
            e == &StoreEvent::Appended { head: seq }
        })
        .await;
        a_side.revoke(&a, T0).await.unwrap();
        expect_event(&mut rx, "revoked", |e| e == &StoreEvent::Revoked(a.clone())).await;
    }
}
