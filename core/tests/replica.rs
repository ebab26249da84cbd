//! Sync as two (or three) devices of one therapist live it: real SQLCipher
//! vaults in temp dirs, and a "relay" that is a plain list of entries
//! keeping the rules the real one keeps (`RelayStore::append`): readers by
//! document, key routing, epochs, idempotent blob ids, snapshot compaction.

// Helpers outside #[test] fns are test code too: a failure should panic with its error.
#![allow(clippy::unwrap_used, clippy::expect_used)]
#![cfg(all(feature = "vault", feature = "net"))]

use std::collections::{BTreeSet, HashMap};
use std::path::PathBuf;

use bloom_core::chart::{CaseStatus, NewClient};
use bloom_core::note::Template;
use bloom_core::records::{client, journal, note, safety_plan};
use bloom_core::replica::seal::{self, Binding, DocKey, Grant, GrantSigner, SignatureAlg};
use bloom_core::replica::{self, DeviceKeys, Enrollment, Limits, ReplicaError};
use bloom_core::safety_plan::Section;
use bloom_core::sync::client::RelayTarget;
use bloom_core::sync::invite::pairing_proof;
use bloom_core::sync::log::{
    Blob, BlobId, BlobKind, DeviceId, DeviceInfo, DocReaders, Entry, LogItem,
};
use bloom_core::sync::proto::UploadResult;
use bloom_core::vault::{KdfParams, NoKeychain, Passphrase, Unlock, Vault};
use bloom_core::{Code, HasCode};

const MEMBER: &str = "dr-a";

/// What the relay calls a record.
fn sid(record: &str) -> String {
    replica::sync_doc_id(record)
}

fn pass() -> Passphrase {
    Passphrase::new("violet tram coffee lantern")
}

fn quick() -> KdfParams {
    KdfParams {
        memory_kib: 1024,
        iterations: 1,
        parallelism: 1,
    }
}

/// The relay, honest and small.
#[derive(Default)]
struct Relay {
    log: Vec<Entry>,
    next: u64,
    devices: Vec<DeviceInfo>,
    readers: HashMap<String, BTreeSet<DeviceId>>,
    key_ids: HashMap<(String, u32), [u8; 8]>,
    newest: HashMap<String, u32>,
    stored: HashMap<BlobId, u64>,
    /// Refuse changes and snapshots as over quota.
    quota_full: bool,
}

impl Relay {
    fn push(&mut self, from: Option<DeviceId>, item: LogItem) -> u64 {
        self.next += 1;
        self.log.push(Entry {
            seq: self.next,
            from,
            at_ms: 1_000 + self.next as i64,
            item,
        });
        self.next
    }

    fn enroll(&mut self, info: DeviceInfo) {
        self.devices.push(info.clone());
        self.push(None, LogItem::DeviceEnrolled(info));
    }

    fn revoke(&mut self, id: &DeviceId) {
        self.revoke_in_chunks(id, usize::MAX);
    }

    /// A revocation written as entries of at most `per_entry` documents each,
    /// as the relay does when the device could read many.
    fn revoke_in_chunks(&mut self, id: &DeviceId, per_entry: usize) {
        for d in &mut self.devices {
            if d.id == *id {
                d.revoked_ms = Some(9_999);
            }
        }
        let mut docs = vec![];
        for (doc, readers) in &mut self.readers {
            if readers.remove(id) {
                docs.push(DocReaders {
                    doc: doc.clone(),
                    epoch: self.newest.get(doc).copied().unwrap_or(0),
                    readers: readers.iter().cloned().collect(),
                });
            }
        }
        docs.sort_by(|a, b| a.doc.cmp(&b.doc));
        let chunks: Vec<Vec<DocReaders>> = if docs.is_empty() {
            vec![vec![]]
        } else {
            docs.chunks(per_entry).map(<[DocReaders]>::to_vec).collect()
        };
        for docs in chunks {
            self.push(
                None,
                LogItem::DeviceRevoked {
                    device: id.clone(),
                    docs,
                },
            );
        }
    }

    fn active(&self, id: &DeviceId) -> bool {
        self.devices
            .iter()
            .any(|d| d.id == *id && d.revoked_ms.is_none())
    }

    fn append(&mut self, from: &DeviceId, blobs: Vec<Blob>) -> Vec<(BlobId, UploadResult)> {
        blobs
            .into_iter()
            .map(|blob| (blob.id, self.append_one(from, blob)))
            .collect()
    }

    fn append_one(&mut self, from: &DeviceId, blob: Blob) -> UploadResult {
        let refused = |code: Code| UploadResult::Refused {
            code: code.as_str().into(),
            message: String::new(),
        };
        if let Some(&seq) = self.stored.get(&blob.id) {
            return UploadResult::Duplicate { seq };
        }
        let readers = self.readers.entry(blob.doc.clone()).or_default();
        if !readers.is_empty() && !readers.contains(from) {
            return refused(Code::SyncForbidden);
        }
        match blob.kind {
            BlobKind::Key { key_id } => {
                let to = blob.to.clone().unwrap();
                if !self.active(&to) {
                    return refused(Code::SyncForbidden);
                }
                let slot = (blob.doc.clone(), blob.epoch);
                if self.key_ids.get(&slot).is_some_and(|k| *k != key_id) {
                    return refused(Code::SyncEpochConflict);
                }
                self.key_ids.insert(slot, key_id);
                let newest = self.newest.entry(blob.doc.clone()).or_default();
                *newest = (*newest).max(blob.epoch);
                self.readers.entry(blob.doc.clone()).or_default().insert(to);
            }
            BlobKind::Change | BlobKind::Snapshot { .. } => {
                if self.quota_full {
                    return refused(Code::SyncQuota);
                }
                if blob.epoch < self.newest.get(&blob.doc).copied().unwrap_or(0) {
                    return refused(Code::SyncStaleEpoch);
                }
                readers.insert(from.clone());
                if let BlobKind::Snapshot { covers } = blob.kind {
                    self.log.retain(|e| match &e.item {
                        LogItem::Blob(b) => {
                            b.doc != blob.doc
                                || matches!(b.kind, BlobKind::Key { .. })
                                || e.seq > covers
                        }
                        _ => true,
                    });
                }
            }
        }
        let id = blob.id;
        let seq = self.push(Some(from.clone()), LogItem::Blob(blob));
        self.stored.insert(id, seq);
        UploadResult::Stored { seq }
    }

    /// What `device` may read after `since`, as the relay sends it.
    fn since(&self, device: &DeviceId, since: u64) -> Vec<Entry> {
        self.log
            .iter()
            .filter(|e| e.seq > since)
            .filter(|e| match &e.item {
                LogItem::Blob(b) => match b.kind {
                    BlobKind::Key { .. } => b.to.as_ref() == Some(device),
                    _ => self.readers.get(&b.doc).is_some_and(|r| r.contains(device)),
                },
                _ => true,
            })
            .cloned()
            .collect()
    }

    /// The blobs of record `record` (the relay knows it by its sync id).
    fn blobs_of(&self, record: &str) -> Vec<&Entry> {
        let doc = sid(record);
        self.log
            .iter()
            .filter(|e| matches!(&e.item, LogItem::Blob(b) if b.doc == doc))
            .collect()
    }
}

struct Device {
    _dir: tempfile::TempDir,
    path: PathBuf,
    vault: Vault,
    id: DeviceId,
    recipient: String,
}

impl Device {
    fn new() -> Device {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("vault");
        let (mut vault, _) = Vault::create(&path, "Dr A", &pass(), &NoKeychain, quick()).unwrap();
        let keys = DeviceKeys::load_or_create(&mut vault).unwrap();
        Device {
            _dir: dir,
            path,
            vault,
            id: keys.device_id(),
            recipient: keys.age_recipient(),
        }
    }

    fn info(&self, proof: Option<[u8; 32]>) -> DeviceInfo {
        DeviceInfo {
            id: self.id.clone(),
            member: MEMBER.into(),
            name: format!("device {}", &self.id.as_str()[..6]),
            age_recipient: self.recipient.clone(),
            pairing_proof: proof,
            paired_by: None,
            enrolled_ms: 1_000,
            revoked_ms: None,
        }
    }

    fn save_enrollment(&mut self, info: DeviceInfo) {
        let relay =
            RelayTarget::parse("relay.test:4433", &format!("sha256:{}", "ab".repeat(32))).unwrap();
        let enrollment = Enrollment {
            relay,
            practice: "Practice".into(),
            device: info,
        };
        replica::save_enrollment(&mut self.vault, &enrollment).unwrap();
        assert_eq!(replica::enrollment(&self.vault).unwrap(), Some(enrollment));
    }

    /// The first device of the member, enrolled with an admin invite.
    fn first(relay: &mut Relay) -> Device {
        let mut d = Device::new();
        let info = d.info(None);
        relay.enroll(info.clone());
        d.save_enrollment(info);
        d
    }

    /// A second device, paired by `by` (which keeps the code's secret).
    fn paired(relay: &mut Relay, by: &Device) -> Device {
        let mut d = Device::new();
        let secret = [42u8; 32];
        replica::remember_pairing(
            &by.vault,
            "0123456789abcdef0123456789abcdef",
            &secret,
            i64::MAX,
        )
        .unwrap();
        let mut info = d.info(Some(pairing_proof(&secret, &d.id, &d.recipient)));
        info.paired_by = Some(by.id.clone());
        relay.enroll(info.clone());
        d.save_enrollment(info);
        d
    }

    /// Simulates a crash: the vault is closed without anything else and
    /// opened again.
    fn restart(&mut self) {
        let fresh = Vault::open(&self.path, Unlock::Passphrase(&pass()), &NoKeychain).unwrap();
        self.vault = fresh;
    }

    fn upload(&mut self, relay: &mut Relay) {
        for _ in 0..20 {
            let blobs = replica::outgoing(&mut self.vault, Limits::default()).unwrap();
            if blobs.is_empty() {
                return;
            }
            let results = relay.append(&self.id, blobs);
            replica::acknowledge(&mut self.vault, &results).unwrap();
        }
        panic!("uploads never settle");
    }

    fn download(&mut self, relay: &Relay) -> Vec<replica::Applied> {
        let mut out = vec![];
        for _ in 0..20 {
            let entries = relay.since(&self.id, replica::cursor(&self.vault).unwrap());
            if entries.is_empty() {
                return out;
            }
            out.push(replica::apply(&mut self.vault, &entries).unwrap());
        }
        panic!("downloads never settle");
    }

    fn client(&mut self, given: &str) -> String {
        let new = NewClient {
            given_name: given.into(),
            family_name: "Silva".into(),
            preferred_name: None,
        };
        client::create_client(&mut self.vault, &new).unwrap()
    }

    fn names(&self) -> Vec<String> {
        client::list_clients(&self.vault)
            .unwrap()
            .into_iter()
            .map(|c| c.display_name)
            .collect()
    }

    fn section(&mut self, note_id: &str, key: &str) -> String {
        let view = note::read_note(&mut self.vault, note_id).unwrap();
        view.sections
            .into_iter()
            .find(|(k, _)| k == key)
            .map(|(_, t)| t)
            .unwrap_or_default()
    }
}

/// Everyone uploads and downloads until nothing moves.
fn settle(relay: &mut Relay, devices: &mut [&mut Device]) {
    for _ in 0..4 {
        for d in devices.iter_mut() {
            d.upload(relay);
            d.download(relay);
        }
    }
    for d in devices.iter() {
        assert_eq!(replica::pending_uploads(&d.vault).unwrap(), 0);
        assert!(replica::upload_errors(&d.vault).unwrap().is_empty());
    }
}

/// What a hostile relay (or a device it holds) can make: a fresh key for
/// record `record` at `epoch`, wrapped to `to` and signed by `signer`, written
/// to the log as if `from` had uploaded it. Returns the invented key and the entry.
fn inject_key(
    relay: &mut Relay,
    from: &DeviceId,
    signer: &dyn GrantSigner,
    to: &Device,
    record: &str,
    epoch: u32,
) -> (DocKey, u64) {
    let doc = &sid(record);
    let key = DocKey::generate().unwrap();
    let grant = Grant {
        doc: doc.into(),
        epoch,
        key: key.clone(),
        history: false,
    };
    let body = seal::wrap_key(&to.recipient, &to.id, signer, &grant).unwrap();
    let blob = Blob {
        id: seal::new_blob_id().unwrap(),
        doc: doc.into(),
        kind: BlobKind::Key { key_id: key.id() },
        epoch,
        to: Some(to.id.clone()),
        body,
    };
    // Straight into the log: a hostile relay keeps none of the rules.
    let seq = relay.push(Some(from.clone()), LogItem::Blob(blob));
    (key, seq)
}

/// A change of record `record` sealed with `key`, as if `from` had uploaded it.
fn inject_change(relay: &mut Relay, from: &DeviceId, key: &DocKey, record: &str, epoch: u32) {
    let doc = &sid(record);
    let id = seal::new_blob_id().unwrap();
    let binding = Binding {
        doc,
        epoch,
        blob: id,
        kind: BlobKind::Change,
    };
    let body = seal::seal(
        key,
        &binding,
        &seal::frame("note", record, b"forged").unwrap(),
    )
    .unwrap();
    let blob = Blob {
        id,
        doc: doc.into(),
        kind: BlobKind::Change,
        epoch,
        to: None,
        body,
    };
    relay.push(Some(from.clone()), LogItem::Blob(blob));
}

/// A certificate that is not the signing key's: what a relay can put
/// together from a device's (public) certificate and a key of its own.
struct Forger<'a> {
    cert: &'a [u8],
    keys: &'a DeviceKeys,
}

impl GrantSigner for Forger<'_> {
    fn cert_der(&self) -> &[u8] {
        self.cert
    }

    fn sign(&self, message: &[u8]) -> Result<(SignatureAlg, Vec<u8>), ReplicaError> {
        self.keys.sign(message)
    }
}

fn keys_of(d: &Device) -> DeviceKeys {
    DeviceKeys::load(&d.vault).unwrap().unwrap()
}

/// A with a client and a note, and B paired to A, both settled.
fn practice() -> (Relay, Device, Device, String, String) {
    let mut relay = Relay::default();
    let mut a = Device::first(&mut relay);
    let ana = a.client("Ana");
    let n = note::create_note(&mut a.vault, &ana, Template::Birp, 5, None).unwrap();
    note::edit_sections(&mut a.vault, &n, &[("behavior", "Calm, engaged")]).unwrap();
    a.upload(&mut relay);
    let mut b = Device::paired(&mut relay, &a);
    settle(&mut relay, &mut [&mut a, &mut b]);
    (relay, a, b, ana, n)
}

#[test]
fn a_paired_device_sees_the_same_clients_and_notes() {
    let (_relay, mut a, mut b, ana, n) = practice();
    assert_eq!(b.names(), vec!["Ana Silva".to_owned()]);
    assert_eq!(b.names(), a.names());
    assert_eq!(b.section(&n, "behavior"), "Calm, engaged");
    assert_eq!(note::list_notes(&b.vault, &ana).unwrap().len(), 1);
    // What B received is not echoed back.
    assert_eq!(replica::pending_uploads(&b.vault).unwrap(), 0);
    assert!(replica::warnings(&b.vault).unwrap().is_empty());
    assert!(replica::unprojected(&b.vault).unwrap().is_empty());
    assert_eq!(a.section(&n, "behavior"), "Calm, engaged");
    // Both know both devices.
    assert_eq!(replica::devices(&a.vault).unwrap().len(), 2);
    assert_eq!(replica::devices(&b.vault).unwrap().len(), 2);
}

#[test]
fn a_pairing_proof_that_does_not_hold_gets_no_keys() {
    let mut relay = Relay::default();
    let mut a = Device::first(&mut relay);
    a.client("Ana");
    a.upload(&mut relay);
    replica::remember_pairing(
        &a.vault,
        "feedfeedfeedfeedfeedfeedfeedfeed",
        &[1; 32],
        i64::MAX,
    )
    .unwrap();
    // The relay swapped the new device's recipient for its own.
    let mut mallory = Device::new();
    let mut info = mallory.info(Some(pairing_proof(
        &[1; 32],
        &mallory.id,
        "age1somethingelse",
    )));
    info.member = MEMBER.into();
    info.paired_by = Some(a.id.clone());
    relay.enroll(info.clone());
    mallory.save_enrollment(info);
    a.download(&relay);
    a.upload(&mut relay);
    let warnings = replica::warnings(&a.vault).unwrap();
    assert_eq!(warnings.len(), 1, "{warnings:?}");
    assert_eq!(warnings[0].kind, "pairing_proof_invalid");
    assert_eq!(warnings[0].device, mallory.id.as_str());
    let to_mallory = relay
        .log
        .iter()
        .any(|e| matches!(&e.item, LogItem::Blob(b) if b.to.as_ref() == Some(&mallory.id)));
    assert!(!to_mallory, "no key went to the unverified device");
    // Nor later, for a document started after.
    a.client("Ben");
    a.upload(&mut relay);
    let to_mallory = relay
        .log
        .iter()
        .any(|e| matches!(&e.item, LogItem::Blob(b) if b.to.as_ref() == Some(&mallory.id)));
    assert!(!to_mallory, "no key for new documents either");
    mallory.download(&relay);
    assert!(mallory.names().is_empty());
}

#[test]
fn concurrent_edits_on_both_devices_converge() {
    let (mut relay, mut a, mut b, ana, n) = practice();
    // Both edit offline: different sections of the same note, and the chart.
    note::edit_sections(&mut a.vault, &n, &[("intervention", "CBT thought record")]).unwrap();
    note::edit_sections(&mut b.vault, &n, &[("plan", "Weekly, review in 6 weeks")]).unwrap();
    client::set_status(&mut b.vault, &ana, CaseStatus::Active).unwrap();
    let ben = b.client("Ben");
    settle(&mut relay, &mut [&mut a, &mut b]);
    for d in [&mut a, &mut b] {
        assert_eq!(d.section(&n, "intervention"), "CBT thought record");
        assert_eq!(d.section(&n, "plan"), "Weekly, review in 6 weeks");
        assert_eq!(d.section(&n, "behavior"), "Calm, engaged");
    }
    assert_eq!(a.names(), b.names());
    assert_eq!(a.names().len(), 2);
    let status = |d: &Device, id: &str| {
        client::list_clients(&d.vault)
            .unwrap()
            .into_iter()
            .find(|c| c.id == id)
            .map(|c| c.status)
    };
    assert_eq!(status(&a, &ana), Some(CaseStatus::Active));
    assert_eq!(status(&a, &ben), status(&b, &ben));
}

#[test]
fn applying_the_same_entries_again_changes_nothing() {
    let (relay, mut a, mut b, ana, n) = practice();
    let cursor = replica::cursor(&b.vault).unwrap();
    let names = b.names();
    let everything = relay.since(&b.id, 0);
    for _ in 0..2 {
        let again = replica::apply(&mut b.vault, &everything).unwrap();
        assert!(again.docs_changed.is_empty(), "{again:?}");
        assert!(!again.rewound && again.rejected.is_empty(), "{again:?}");
        assert_eq!(again.cursor, cursor);
    }
    assert_eq!(b.names(), names);
    assert_eq!(b.section(&n, "behavior"), "Calm, engaged");
    assert_eq!(note::list_notes(&b.vault, &ana).unwrap().len(), 1);
    assert_eq!(replica::pending_uploads(&b.vault).unwrap(), 0);
    // A re-applying its own uploads (they come back to it) is as harmless.
    let own = relay.since(&a.id, 0);
    let again = replica::apply(&mut a.vault, &own).unwrap();
    assert!(again.docs_changed.is_empty());
    assert_eq!(replica::pending_uploads(&a.vault).unwrap(), 0);
}

#[test]
fn a_crash_between_outgoing_and_acknowledge_resends_the_same_blob_ids() {
    let mut relay = Relay::default();
    let mut a = Device::first(&mut relay);
    a.client("Ana");
    let ids = |blobs: &[Blob]| blobs.iter().map(|b| b.id).collect::<Vec<_>>();

    // The key blob first; the change waits until the relay confirms the key.
    let keys = replica::outgoing(&mut a.vault, Limits::default()).unwrap();
    assert_eq!(keys.len(), 1);
    assert!(matches!(keys[0].kind, BlobKind::Key { .. }));
    let results = relay.append(&a.id, keys.clone());
    a.restart(); // …before acknowledging
    let again = replica::outgoing(&mut a.vault, Limits::default()).unwrap();
    assert_eq!(ids(&again), ids(&keys));
    let results_again = relay.append(&a.id, again);
    assert!(matches!(results_again[0].1, UploadResult::Duplicate { .. }));
    assert_eq!(results[0].0, results_again[0].0);
    replica::acknowledge(&mut a.vault, &results_again).unwrap();

    let change = replica::outgoing(&mut a.vault, Limits::default()).unwrap();
    assert_eq!(change.len(), 1);
    assert_eq!(change[0].kind, BlobKind::Change);
    a.restart();
    let resent = replica::outgoing(&mut a.vault, Limits::default()).unwrap();
    assert_eq!(ids(&resent), ids(&change));
    // Sealed afresh (new nonce), same id: the relay stores it once.
    relay.append(&a.id, change);
    let results = relay.append(&a.id, resent);
    assert!(matches!(results[0].1, UploadResult::Duplicate { .. }));
    replica::acknowledge(&mut a.vault, &results).unwrap();
    assert_eq!(replica::pending_uploads(&a.vault).unwrap(), 0);
    assert_eq!(
        relay
            .blobs_of(&client::list_clients(&a.vault).unwrap()[0].id)
            .len(),
        2
    );
}

#[test]
fn a_note_that_arrives_before_its_client_shows_once_the_client_does() {
    let mut relay = Relay::default();
    let mut a = Device::first(&mut relay);
    let ana = a.client("Ana");
    let n = note::create_note(&mut a.vault, &ana, Template::Soap, 5, None).unwrap();
    note::edit_sections(&mut a.vault, &n, &[("subjective", "Slept better")]).unwrap();
    a.upload(&mut relay);
    let mut b = Device::paired(&mut relay, &a);
    a.download(&relay);
    a.upload(&mut relay); // the keys for B
    let all = relay.since(&b.id, 0);
    let (client_entries, rest): (Vec<Entry>, Vec<Entry>) = all.into_iter().partition(
        |e| matches!(&e.item, LogItem::Blob(b) if b.doc == sid(&ana) && b.kind == BlobKind::Change),
    );
    assert!(!client_entries.is_empty());

    let first = replica::apply(&mut b.vault, &rest).unwrap();
    assert!(first.rejected.is_empty(), "{first:?}");
    // B was given keys to documents with history: it must read the log again.
    assert!(first.rewound && first.cursor == 0, "{first:?}");
    assert_eq!(replica::unprojected(&b.vault).unwrap(), vec![n.clone()]);
    assert!(note::list_notes(&b.vault, &ana).unwrap().is_empty());
    assert_eq!(
        b.section(&n, "subjective"),
        "Slept better",
        "stored all the same"
    );

    let second = replica::apply(&mut b.vault, &client_entries).unwrap();
    assert!(second.docs_changed.contains(&n), "{second:?}");
    assert!(replica::unprojected(&b.vault).unwrap().is_empty());
    assert_eq!(note::list_notes(&b.vault, &ana).unwrap().len(), 1);
    assert_eq!(b.names(), vec!["Ana Silva".to_owned()]);
}

#[test]
fn a_revoked_device_cannot_read_what_is_written_after() {
    let (mut relay, mut a, mut b, ana, _) = practice();
    relay.revoke(&b.id);
    a.download(&relay);
    a.upload(&mut relay); // the new epoch's key, to A alone
    client::set_status(&mut a.vault, &ana, CaseStatus::Active).unwrap();
    a.upload(&mut relay);

    let last = (*relay.blobs_of(&ana).last().unwrap()).clone();
    let LogItem::Blob(blob) = &last.item else {
        unreachable!()
    };
    assert_eq!((blob.kind, blob.epoch), (BlobKind::Change, 2));
    let keys_to_b_after = relay.log.iter().any(
        |e| matches!(&e.item, LogItem::Blob(k) if k.epoch == 2 && k.to.as_ref() == Some(&b.id)),
    );
    assert!(!keys_to_b_after);

    // Even handed the entry, B has no key for epoch 2: it waits, unread.
    let got = replica::apply(&mut b.vault, std::slice::from_ref(&last)).unwrap();
    assert_eq!(got.waiting, 1);
    assert!(got.docs_changed.is_empty());
    // Relabelled as epoch 1 (a key B has), it does not open either.
    let mut forged = last.clone();
    if let LogItem::Blob(blob) = &mut forged.item {
        blob.epoch = 1;
    }
    let got = replica::apply(&mut b.vault, &[forged]).unwrap();
    assert_eq!(got.rejected[0].code, Code::SyncSealBroken);
    let status = client::list_clients(&b.vault).unwrap()[0].status;
    assert_eq!(status, CaseStatus::Intake, "B never saw the change");
}

#[test]
fn a_change_refused_for_a_stale_epoch_goes_out_again_under_the_new_key() {
    let (mut relay, mut a, mut b, _, n) = practice();
    let mut c = Device::paired(&mut relay, &a);
    settle(&mut relay, &mut [&mut a, &mut b, &mut c]);
    relay.revoke(&b.id);
    a.download(&relay);
    a.upload(&mut relay); // epoch 2, to A and C
    // C wrote before hearing of the revocation: sealed with epoch 1.
    note::edit_sections(&mut c.vault, &n, &[("plan", "Fortnightly")]).unwrap();
    let blobs = replica::outgoing(&mut c.vault, Limits::default()).unwrap();
    assert_eq!(blobs[0].epoch, 1);
    let results = relay.append(&c.id, blobs);
    assert!(matches!(
        &results[0].1,
        UploadResult::Refused { code, .. } if code == Code::SyncStaleEpoch.as_str()
    ));
    replica::acknowledge(&mut c.vault, &results).unwrap();
    assert!(
        replica::outgoing(&mut c.vault, Limits::default())
            .unwrap()
            .is_empty()
    );
    assert_eq!(
        replica::pending_uploads(&c.vault).unwrap(),
        1,
        "kept, not lost"
    );
    assert!(replica::upload_errors(&c.vault).unwrap().is_empty());

    // C learns of the revocation (and starts its own rotation) and gets A's
    // epoch-2 key in the same batch: A's wins, C's is dropped.
    c.download(&relay);
    c.upload(&mut relay);
    let last = relay
        .blobs_of(&n)
        .last()
        .map(|e| (e.from.clone(), e.item.clone()));
    let Some((Some(from), LogItem::Blob(blob))) = last else {
        panic!("no blob")
    };
    assert_eq!(
        (from, blob.kind, blob.epoch),
        (c.id.clone(), BlobKind::Change, 2)
    );
    settle(&mut relay, &mut [&mut a, &mut c]);
    assert_eq!(a.section(&n, "plan"), "Fortnightly");
    assert!(replica::warnings(&c.vault).unwrap().is_empty());
}

#[test]
fn a_tampered_or_moved_blob_does_not_open_and_loses_nothing() {
    let (mut relay, mut a, mut b, ana, n) = practice();
    note::edit_sections(&mut a.vault, &n, &[("response", "Engaged well")]).unwrap();
    a.upload(&mut relay);
    let genuine = (*relay.blobs_of(&n).last().unwrap()).clone();

    let mut tampered = genuine.clone();
    let mut moved = genuine.clone();
    if let LogItem::Blob(blob) = &mut tampered.item {
        let i = blob.body.len() / 2;
        blob.body[i] ^= 0x20;
    }
    if let LogItem::Blob(blob) = &mut moved.item {
        blob.doc = sid(&ana);
    }
    for bad in [tampered, moved] {
        let got = replica::apply(&mut b.vault, &[bad]).unwrap();
        assert_eq!(got.rejected.len(), 1, "{got:?}");
        assert_eq!(got.rejected[0].code, Code::SyncSealBroken);
        assert!(got.docs_changed.is_empty());
    }
    assert_eq!(b.section(&n, "response"), "");
    assert_eq!(b.section(&n, "behavior"), "Calm, engaged");
    assert_eq!(b.names(), vec!["Ana Silva".to_owned()]);
    let warnings = replica::warnings(&b.vault).unwrap();
    assert_eq!(warnings.len(), 2);
    assert!(warnings.iter().all(|w| w.code == Code::SyncSealBroken));

    let got = replica::apply(&mut b.vault, &[genuine]).unwrap();
    assert_eq!(got.docs_changed, vec![n.clone()]);
    assert_eq!(b.section(&n, "response"), "Engaged well");
}

#[test]
fn a_document_bigger_than_a_blob_goes_out_in_pieces_and_an_oversized_change_is_reported() {
    let mut relay = Relay::default();
    let mut a = Device::first(&mut relay);
    let ana = a.client("Ana");
    let n = note::create_note(&mut a.vault, &ana, Template::Birp, 5, None).unwrap();
    // Text that does not compress.
    let mut seed = 7u64;
    let mut noise = |len: usize| -> String {
        (0..len)
            .map(|_| {
                seed = seed
                    .wrapping_mul(6364136223846793005)
                    .wrapping_add(1442695040888963407);
                char::from(b'a' + (seed >> 59) as u8 % 26)
            })
            .collect()
    };
    for key in ["behavior", "intervention", "response"] {
        note::edit_sections(&mut a.vault, &n, &[(key, noise(35_000).as_str())]).unwrap();
    }
    let big = journal::add(&mut a.vault, &ana, 9, &noise(99_000)).unwrap();
    let limits = Limits {
        max_blobs: 64,
        max_blob_bytes: 50_000,
    };
    let mut changes_of_note = 0;
    for _ in 0..10 {
        let blobs = replica::outgoing(&mut a.vault, limits).unwrap();
        if blobs.is_empty() {
            break;
        }
        assert!(blobs.iter().all(|b| b.body.len() <= limits.max_blob_bytes));
        changes_of_note += blobs
            .iter()
            .filter(|b| b.doc == sid(&n) && b.kind == BlobKind::Change)
            .count();
        let results = relay.append(&a.id, blobs);
        replica::acknowledge(&mut a.vault, &results).unwrap();
    }
    assert!(changes_of_note >= 2, "{changes_of_note}");
    let errors = replica::upload_errors(&a.vault).unwrap();
    assert_eq!(errors.len(), 1, "{errors:?}");
    assert_eq!(
        (errors[0].doc.as_str(), errors[0].code),
        (big.as_str(), Code::SyncBlobInvalid)
    );

    let mut b = Device::paired(&mut relay, &a);
    a.download(&relay);
    a.upload(&mut relay);
    b.download(&relay);
    let text = a.section(&n, "response");
    assert_eq!(b.section(&n, "response"), text);
    assert_eq!(b.names(), vec!["Ana Silva".to_owned()]);
}

#[test]
fn many_changes_are_compacted_into_a_snapshot_a_later_device_starts_from() {
    let (mut relay, mut a, mut b, _, n) = practice();
    for i in 0..70 {
        note::edit_sections(&mut a.vault, &n, &[("plan", format!("draft {i}").as_str())]).unwrap();
        a.upload(&mut relay);
        a.download(&relay);
    }
    a.upload(&mut relay);
    let snapshots = relay
        .blobs_of(&n)
        .iter()
        .filter(
            |e| matches!(&e.item, LogItem::Blob(b) if matches!(b.kind, BlobKind::Snapshot { .. })),
        )
        .count();
    assert_eq!(snapshots, 1);
    assert!(
        relay.blobs_of(&n).len() < 30,
        "older changes were compacted"
    );

    let mut c = Device::paired(&mut relay, &a);
    settle(&mut relay, &mut [&mut a, &mut b, &mut c]);
    assert_eq!(c.section(&n, "plan"), "draft 69");
    assert_eq!(b.section(&n, "plan"), "draft 69");
    assert_eq!(c.section(&n, "behavior"), "Calm, engaged");
}

#[test]
fn two_devices_starting_the_same_plan_agree_on_one_key() {
    let (mut relay, mut a, mut b, ana, _) = practice();
    // A safety plan's id is the client's: both devices make the same document.
    safety_plan::save(
        &mut a.vault,
        &ana,
        &[(Section::WarningSigns, "Not sleeping".into())],
    )
    .unwrap();
    safety_plan::save(
        &mut b.vault,
        &ana,
        &[(Section::ReasonsForLiving, "My dog".into())],
    )
    .unwrap();
    a.upload(&mut relay);
    // B's epoch-1 key loses; B drops it and waits for A's.
    let blobs = replica::outgoing(&mut b.vault, Limits::default()).unwrap();
    let results = relay.append(&b.id, blobs);
    assert!(results.iter().all(|(_, r)| matches!(
        r,
        UploadResult::Refused { code, .. } if code == Code::SyncEpochConflict.as_str()
    )));
    replica::acknowledge(&mut b.vault, &results).unwrap();
    assert!(
        replica::outgoing(&mut b.vault, Limits::default())
            .unwrap()
            .is_empty()
    );
    assert_eq!(
        replica::pending_uploads(&b.vault).unwrap(),
        1,
        "B's change waits"
    );
    settle(&mut relay, &mut [&mut a, &mut b]);
    let plan_a = safety_plan::plan(&mut a.vault, &ana).unwrap();
    let plan_b = safety_plan::plan(&mut b.vault, &ana).unwrap();
    assert_eq!(plan_a.sections, plan_b.sections);
    let doc = safety_plan::doc_id(&ana);
    let key_ids: BTreeSet<[u8; 8]> = relay
        .blobs_of(&doc)
        .iter()
        .filter_map(|e| match &e.item {
            LogItem::Blob(Blob {
                kind: BlobKind::Key { key_id },
                ..
            }) => Some(*key_id),
            _ => None,
        })
        .collect();
    assert_eq!(key_ids.len(), 1);
}

#[test]
fn device_secrets_never_appear_in_debug_output() {
    let mut relay = Relay::default();
    let a = Device::first(&mut relay);
    let keys = DeviceKeys::load(&a.vault).unwrap().unwrap();
    let shown = format!("{keys:?} {:?}", a.vault);
    let age_secret = a.vault.setting("sync.device_age").unwrap().unwrap();
    let tls_secret = a.vault.setting("sync.device_tls_key").unwrap().unwrap();
    assert!(age_secret.starts_with("AGE-SECRET-KEY-"));
    assert!(!shown.contains(&age_secret), "{shown}");
    assert!(!shown.contains(&tls_secret[..32]), "{shown}");
    assert!(
        !shown.contains(&format!("{:?}", &keys.tls_key_pkcs8()[..8])),
        "{shown}"
    );
    assert!(shown.contains(a.id.as_str()));
    // Errors name what failed, never key material.
    let err = replica::apply(&mut Device::new().vault, &[]).unwrap_err();
    assert_eq!(err.code(), Code::SyncNotEnrolled);
}

#[test]
fn a_key_the_relay_invents_is_refused_and_the_device_keeps_the_real_one() {
    let (mut relay, mut a, mut b, _, n) = practice();
    let a_keys = keys_of(&a);
    // The relay's own device keys, never enrolled anywhere.
    let relays_own = DeviceKeys::generate().unwrap();
    // 1: signed as itself, labelled as from A. 2: A's certificate (the relay
    // sees it in every handshake) with a signature by its own key.
    let forger = Forger {
        cert: a_keys.cert_der(),
        keys: &relays_own,
    };
    let signers: [&dyn GrantSigner; 2] = [&relays_own, &forger];
    let mut invented = vec![];
    for signer in signers {
        let (key, seq) = inject_key(&mut relay, &a.id, signer, &b, &n, 2);
        inject_change(&mut relay, &a.id, &key, &n, 2);
        invented.push((key, seq));
    }
    // 3: a genuine grant A made for B, relabelled as from B itself.
    let genuine = relay
        .log
        .iter()
        .find(|e| matches!(&e.item, LogItem::Blob(k) if k.to.as_ref() == Some(&b.id) && k.doc == sid(&n)))
        .cloned()
        .unwrap();
    let relabelled = relay.push(Some(b.id.clone()), genuine.item.clone());

    let got = b.download(&relay);
    let rejected: Vec<_> = got.iter().flat_map(|g| g.rejected.clone()).collect();
    assert_eq!(rejected.len(), 3, "{rejected:?}");
    assert!(rejected.iter().all(|r| r.code == Code::SyncSealBroken));
    let warnings = replica::warnings(&b.vault).unwrap();
    let seqs = [invented[0].1, invented[1].1, relabelled];
    for seq in seqs {
        let w = warnings.iter().find(|w| w.seq == seq).unwrap();
        assert_eq!(
            (w.kind.as_str(), w.doc.clone()),
            ("key_signature_invalid", sid(&n))
        );
    }
    assert_eq!(warnings.len(), 3, "{warnings:?}");
    // The changes sealed with the invented keys wait, unread, forever.
    assert_eq!(replica::waiting_entries(&b.vault).unwrap(), 2);
    assert_eq!(b.section(&n, "behavior"), "Calm, engaged");

    // B goes on with the real key: its edit is sealed under epoch 1, which
    // the relay's keys do not open, and A reads it; A's edits reach B.
    note::edit_sections(&mut b.vault, &n, &[("plan", "Weekly")]).unwrap();
    b.upload(&mut relay);
    let last = (*relay.blobs_of(&n).last().unwrap()).clone();
    let LogItem::Blob(blob) = &last.item else {
        unreachable!()
    };
    assert_eq!((last.from.as_ref(), blob.epoch), (Some(&b.id), 1));
    let binding = Binding {
        doc: &sid(&n),
        epoch: 2,
        blob: blob.id,
        kind: blob.kind,
    };
    for (key, _) in &invented {
        assert!(seal::open(key, &binding, &blob.body).is_err());
        assert!(
            seal::open(
                key,
                &Binding {
                    epoch: 1,
                    ..binding
                },
                &blob.body
            )
            .is_err()
        );
    }
    note::edit_sections(&mut a.vault, &n, &[("response", "Engaged well")]).unwrap();
    // A never receives what was addressed to B; settle the honest part.
    a.upload(&mut relay);
    a.download(&relay);
    b.download(&relay);
    assert_eq!(a.section(&n, "plan"), "Weekly");
    assert_eq!(b.section(&n, "response"), "Engaged well");
    assert!(replica::warnings(&a.vault).unwrap().is_empty());
}

#[test]
fn a_key_from_a_revoked_distrusted_or_foreign_device_is_refused() {
    let (mut relay, mut a, mut b, ana, n) = practice();
    let mut c = Device::paired(&mut relay, &a);
    settle(&mut relay, &mut [&mut a, &mut b, &mut c]);

    // B is stolen and revoked; the relay, in league with the thief, hands C
    // a key B made for the next epoch (signed with B's real key), hoping C
    // takes it instead of rotating: then C would seal under a key B holds.
    relay.revoke(&b.id);
    replica::set_devices(&mut c.vault, &relay.devices).unwrap(); // as on connect
    let b_keys = keys_of(&b);
    let (stolen, seq) = inject_key(&mut relay, &b.id, &b_keys, &c, &n, 2);
    c.download(&relay);
    let warnings = replica::warnings(&c.vault).unwrap();
    assert_eq!(warnings.len(), 1, "{warnings:?}");
    assert_eq!(
        (warnings[0].kind.as_str(), warnings[0].code, warnings[0].seq),
        ("key_sender_untrusted", Code::SyncForbidden, seq)
    );
    assert_eq!(warnings[0].device, b.id.as_str());
    // C rotated itself and A did too: one of theirs wins epoch 2, B's never.
    settle(&mut relay, &mut [&mut a, &mut c]);
    note::edit_sections(&mut c.vault, &n, &[("plan", "Fortnightly")]).unwrap();
    c.upload(&mut relay);
    a.download(&relay);
    assert_eq!(a.section(&n, "plan"), "Fortnightly");
    let last = (*relay.blobs_of(&n).last().unwrap()).clone();
    let LogItem::Blob(blob) = &last.item else {
        unreachable!()
    };
    assert_eq!(blob.epoch, 2);
    let binding = Binding {
        doc: &sid(&n),
        epoch: 2,
        blob: blob.id,
        kind: blob.kind,
    };
    assert!(seal::open(&stolen, &binding, &blob.body).is_err());

    // A device whose pairing proof failed at A (the relay swapped its keys).
    replica::remember_pairing(
        &a.vault,
        "feedfeedfeedfeedfeedfeedfeedfeed",
        &[1; 32],
        i64::MAX,
    )
    .unwrap();
    let mut mallory = Device::new();
    let mut info = mallory.info(Some(pairing_proof(&[1; 32], &mallory.id, "age1other")));
    info.paired_by = Some(a.id.clone());
    relay.enroll(info.clone());
    mallory.save_enrollment(info);
    // A device of another member, admitted by an honest invite.
    let mut stranger = Device::new();
    let mut info = stranger.info(None);
    info.member = "dr-b".into();
    relay.enroll(info.clone());
    stranger.save_enrollment(info);
    a.download(&relay);
    let before = replica::warnings(&a.vault).unwrap().len();
    let mut seqs = vec![];
    for d in [&mallory, &stranger] {
        let (_, seq) = inject_key(&mut relay, &d.id, &keys_of(d), &a, &ana, 9);
        seqs.push(seq);
    }
    a.download(&relay);
    let warnings = replica::warnings(&a.vault).unwrap();
    let new: Vec<_> = warnings[before..]
        .iter()
        .map(|w| (w.kind.as_str(), w.device.as_str(), w.seq))
        .collect();
    assert_eq!(
        new,
        vec![
            ("key_sender_untrusted", mallory.id.as_str(), seqs[0]),
            ("key_sender_untrusted", stranger.id.as_str(), seqs[1]),
        ]
    );
    // A's chart keys are still the real ones (epoch 2 since B's revocation):
    // its next change goes out there, and C reads it.
    client::set_status(&mut a.vault, &ana, CaseStatus::Active).unwrap();
    a.upload(&mut relay);
    let last = (*relay.blobs_of(&ana).last().unwrap()).clone();
    let LogItem::Blob(blob) = &last.item else {
        unreachable!()
    };
    assert_eq!((blob.kind, blob.epoch), (BlobKind::Change, 2));
    c.download(&relay);
    let status = client::list_clients(&c.vault).unwrap()[0].status;
    assert_eq!(status, CaseStatus::Active);
}

#[test]
fn the_relay_sees_no_record_id_and_a_body_naming_another_record_is_refused() {
    let (mut relay, mut a, mut b, ana, n) = practice();
    safety_plan::save(
        &mut a.vault,
        &ana,
        &[(Section::WarningSigns, "Not sleeping".into())],
    )
    .unwrap();
    settle(&mut relay, &mut [&mut a, &mut b]);
    let plan = safety_plan::doc_id(&ana);
    assert_eq!(
        safety_plan::plan(&mut b.vault, &ana).unwrap().sections,
        safety_plan::plan(&mut a.vault, &ana).unwrap().sections
    );
    // Every document id the relay holds is an opaque sync id: no record id,
    // nothing that says "safety plan" or names the client.
    let mut docs = BTreeSet::new();
    for e in &relay.log {
        if let LogItem::Blob(blob) = &e.item {
            docs.insert(blob.doc.clone());
        }
    }
    assert_eq!(
        docs,
        [&ana, &n, &plan].into_iter().map(|r| sid(r)).collect(),
        "one sync id per record"
    );
    for doc in &docs {
        assert!(DeviceId(doc.clone()).is_well_formed(), "{doc}");
        assert!(!doc.contains(&ana[..8]) && !doc.contains("plan"), "{doc}");
    }

    // A body sealed under the note's document but naming the client record
    // (a relabelled record) is refused, even with a genuine key.
    let (key, _) = inject_key(&mut relay, &a.id, &keys_of(&a), &b, &n, 2);
    let id = seal::new_blob_id().unwrap();
    let doc = sid(&n);
    let binding = Binding {
        doc: &doc,
        epoch: 2,
        blob: id,
        kind: BlobKind::Change,
    };
    let plain = seal::frame("client", &ana, b"whatever").unwrap();
    let body = seal::seal(&key, &binding, &plain).unwrap();
    let seq = relay.push(
        Some(a.id.clone()),
        LogItem::Blob(Blob {
            id,
            doc: doc.clone(),
            kind: BlobKind::Change,
            epoch: 2,
            to: None,
            body,
        }),
    );
    let got = b.download(&relay);
    let rejected: Vec<_> = got.iter().flat_map(|g| g.rejected.clone()).collect();
    assert_eq!(rejected.len(), 1, "{rejected:?}");
    assert_eq!(
        (rejected[0].seq, rejected[0].doc.as_str(), rejected[0].code),
        (seq, doc.as_str(), Code::SyncSealBroken)
    );
    // Warnings name the sync id, never the record id.
    let warnings = replica::warnings(&b.vault).unwrap();
    assert_eq!(warnings.len(), 1, "{warnings:?}");
    assert_eq!(
        (warnings[0].kind.as_str(), &warnings[0].doc),
        ("seal_broken", &doc)
    );
    assert_eq!(b.names(), vec!["Ana Silva".to_owned()]);
}

#[test]
fn a_device_announced_again_with_another_key_keeps_the_first_and_is_distrusted() {
    let (mut relay, mut a, b, _, n) = practice();
    // The relay re-announces B with its own recipient (and, on connect, lists
    // it with another member).
    let relays_own = Device::new();
    let mut swapped = b.info(None);
    swapped.age_recipient = relays_own.recipient.clone();
    relay.push(None, LogItem::DeviceEnrolled(swapped));
    a.download(&relay);
    let mut other_member = b.info(None);
    other_member.member = "dr-b".into();
    replica::set_devices(&mut a.vault, &[other_member]).unwrap();

    let known = replica::devices(&a.vault).unwrap();
    let b_at_a = known.iter().find(|d| d.id == b.id).unwrap();
    assert_eq!(
        (b_at_a.age_recipient.as_str(), b_at_a.member.as_str()),
        (b.recipient.as_str(), MEMBER)
    );
    let warnings = replica::warnings(&a.vault).unwrap();
    assert!(!warnings.is_empty());
    assert!(
        warnings
            .iter()
            .all(|w| w.kind == "device_key_changed" && w.device == b.id.as_str()),
        "{warnings:?}"
    );
    // B gets no key from A for what A starts now, and A takes none from B.
    let ben = a.client("Ben");
    a.upload(&mut relay);
    let to_b = relay
        .blobs_of(&ben)
        .iter()
        .any(|e| matches!(&e.item, LogItem::Blob(k) if k.to.as_ref() == Some(&b.id)));
    assert!(!to_b, "no key for the swapped device");
    let (_, seq) = inject_key(&mut relay, &b.id, &keys_of(&b), &a, &n, 2);
    a.download(&relay);
    let last = replica::warnings(&a.vault).unwrap().pop().unwrap();
    assert_eq!(
        (last.kind.as_str(), last.seq),
        ("key_sender_untrusted", seq)
    );
}

#[test]
fn a_pairing_made_on_another_device_is_not_judged_here() {
    let mut relay = Relay::default();
    let mut a = Device::first(&mut relay);
    a.client("Ana");
    a.upload(&mut relay);
    let mut b = Device::paired(&mut relay, &a);
    settle(&mut relay, &mut [&mut a, &mut b]);
    // A code A made and never used…
    replica::remember_pairing(
        &a.vault,
        "feedfeedfeedfeedfeedfeedfeedfeed",
        &[1; 32],
        i64::MAX,
    )
    .unwrap();
    // …while the phone is paired from B.
    let mut c = Device::paired(&mut relay, &b);
    settle(&mut relay, &mut [&mut a, &mut b, &mut c]);
    assert!(replica::warnings(&a.vault).unwrap().is_empty());
    let c_at_a = replica::devices(&a.vault)
        .unwrap()
        .into_iter()
        .find(|d| d.id == c.id)
        .unwrap();
    assert_eq!(c_at_a.paired_by, Some(b.id.clone()));
    assert_eq!(c.names(), vec!["Ana Silva".to_owned()]);
    // A trusts the phone: what A starts now reaches it.
    a.client("Ben");
    settle(&mut relay, &mut [&mut a, &mut b, &mut c]);
    assert_eq!(c.names().len(), 2, "{:?}", c.names());
    assert!(replica::warnings(&c.vault).unwrap().is_empty());
}

#[test]
fn a_device_with_a_malformed_recipient_gets_no_keys_and_stops_nothing() {
    let (mut relay, mut a, mut b, _, _) = practice();
    // Shape-valid, but the bech32 checksum does not hold.
    let mut d = Device::new();
    let last = d.recipient.pop().unwrap();
    d.recipient.push(if last == 'q' { 'p' } else { 'q' });
    replica::remember_pairing(
        &a.vault,
        "feedfeedfeedfeedfeedfeedfeedfeed",
        &[7; 32],
        i64::MAX,
    )
    .unwrap();
    let mut info = d.info(Some(pairing_proof(&[7; 32], &d.id, &d.recipient)));
    info.paired_by = Some(a.id.clone());
    relay.enroll(info);
    // The proof holds (for that recipient): A would give it everything.
    a.download(&relay);
    // And it is a key recipient for what A starts now.
    a.client("Ben");
    settle(&mut relay, &mut [&mut a, &mut b]);
    assert_eq!(b.names().len(), 2);
    let to_d = relay
        .log
        .iter()
        .any(|e| matches!(&e.item, LogItem::Blob(k) if k.to.as_ref() == Some(&d.id)));
    assert!(!to_d);
    let warnings = replica::warnings(&a.vault).unwrap();
    assert!(!warnings.is_empty());
    assert!(
        warnings
            .iter()
            .all(|w| w.kind == "recipient_invalid" && w.device == d.id.as_str()),
        "{warnings:?}"
    );
}

#[test]
fn a_revocation_split_into_chunks_rotates_every_document() {
    let (mut relay, mut a, mut b, ana, n) = practice();
    relay.revoke_in_chunks(&b.id, 1);
    let revocations = relay
        .log
        .iter()
        .filter(|e| matches!(e.item, LogItem::DeviceRevoked { .. }))
        .count();
    assert_eq!(revocations, 2);
    a.download(&relay);
    a.upload(&mut relay);
    client::set_status(&mut a.vault, &ana, CaseStatus::Active).unwrap();
    note::edit_sections(&mut a.vault, &n, &[("plan", "Weekly")]).unwrap();
    a.upload(&mut relay);
    for record in [&ana, &n] {
        let last = (*relay.blobs_of(record).last().unwrap()).clone();
        let LogItem::Blob(blob) = &last.item else {
            unreachable!()
        };
        assert_eq!((blob.kind, blob.epoch), (BlobKind::Change, 2), "{record}");
    }
    // Applying both chunks again rotates nothing twice.
    let again: Vec<Entry> = relay
        .log
        .iter()
        .filter(|e| matches!(e.item, LogItem::DeviceRevoked { .. }))
        .cloned()
        .collect();
    replica::apply(&mut a.vault, &again).unwrap();
    assert!(
        replica::outgoing(&mut a.vault, Limits::default())
            .unwrap()
            .is_empty()
    );
    b.download(&relay);
    assert_eq!(b.section(&n, "plan"), "");
}

#[test]
fn a_reader_the_winning_rotator_skipped_gets_the_key_from_another() {
    let (mut relay, mut a, mut b, _, n) = practice();
    let mut c = Device::paired(&mut relay, &a);
    settle(&mut relay, &mut [&mut a, &mut b, &mut c]);
    let mut d = Device::paired(&mut relay, &a);
    settle(&mut relay, &mut [&mut a, &mut b, &mut c, &mut d]);
    // A no longer trusts C (the relay once announced C with another key).
    let mut swapped = c.info(None);
    swapped.age_recipient = Device::new().recipient;
    replica::set_devices(&mut a.vault, &[swapped]).unwrap();

    relay.revoke(&b.id);
    // A rotates first and wins epoch 2: its key goes to D, not to C.
    a.download(&relay);
    a.upload(&mut relay);
    let a_to_c = relay.log.iter().any(|e| {
        e.from.as_ref() == Some(&a.id)
            && matches!(&e.item, LogItem::Blob(k) if k.epoch == 2 && k.to.as_ref() == Some(&c.id))
    });
    assert!(!a_to_c);
    note::edit_sections(&mut a.vault, &n, &[("plan", "After the revocation")]).unwrap();
    // D takes A's key and passes it on to C, whom it trusts.
    settle(&mut relay, &mut [&mut a, &mut d, &mut c]);
    assert_eq!(c.section(&n, "plan"), "After the revocation");
    assert_eq!(replica::waiting_entries(&c.vault).unwrap(), 0);
    for dev in [&c, &d] {
        assert!(replica::warnings(&dev.vault).unwrap().is_empty());
    }
    note::edit_sections(&mut c.vault, &n, &[("response", "From the phone")]).unwrap();
    settle(&mut relay, &mut [&mut a, &mut d, &mut c]);
    assert_eq!(a.section(&n, "response"), "From the phone");
}

#[test]
fn a_refused_upload_is_not_pending_and_goes_out_again_on_retry() {
    let mut relay = Relay::default();
    let mut a = Device::first(&mut relay);
    let ana = a.client("Ana");
    relay.quota_full = true;
    let mut refused = vec![];
    for _ in 0..3 {
        let blobs = replica::outgoing(&mut a.vault, Limits::default()).unwrap();
        refused.extend(
            blobs
                .iter()
                .filter(|b| b.kind == BlobKind::Change)
                .map(|b| b.id),
        );
        let results = relay.append(&a.id, blobs);
        replica::acknowledge(&mut a.vault, &results).unwrap();
    }
    assert_eq!(refused.len(), 1);
    let errors = replica::upload_errors(&a.vault).unwrap();
    assert_eq!(errors.len(), 1, "{errors:?}");
    assert_eq!(
        (errors[0].doc.as_str(), errors[0].code),
        (ana.as_str(), Code::SyncQuota)
    );
    // Nothing will move it until a retry: the app shows connected, not syncing.
    assert_eq!(replica::pending_uploads(&a.vault).unwrap(), 0);
    assert!(
        replica::outgoing(&mut a.vault, Limits::default())
            .unwrap()
            .is_empty()
    );

    // The next session starts with a retry: the same blob goes out again.
    relay.quota_full = false;
    replica::retry_refused(&a.vault).unwrap();
    assert_eq!(replica::pending_uploads(&a.vault).unwrap(), 1);
    let again = replica::outgoing(&mut a.vault, Limits::default()).unwrap();
    assert_eq!(again.iter().map(|b| b.id).collect::<Vec<_>>(), refused);
    let results = relay.append(&a.id, again);
    replica::acknowledge(&mut a.vault, &results).unwrap();
    assert!(replica::upload_errors(&a.vault).unwrap().is_empty());
    assert_eq!(replica::pending_uploads(&a.vault).unwrap(), 0);
    let mut b = Device::paired(&mut relay, &a);
    settle(&mut relay, &mut [&mut a, &mut b]);
    assert_eq!(b.names(), vec!["Ana Silva".to_owned()]);
}
