//! On-device analysis against the real model and a real vault: nothing is
//! inferred without consent; with it, a risky journal entry is flagged and
//! stored with the model's version, an everyday one is not; a therapist's
//! correction is kept; and meaning finds a note that shares no word with
//! the query.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::PathBuf;

use bloom_core::chart::NewClient;
use bloom_core::consent::{ConsentAction, ConsentKind};
use bloom_core::ml::{Availability, Encoder, Head, assess, runtime};
use bloom_core::note::Template;
use bloom_core::records::risk::{self, Analysis};
use bloom_core::records::{client, embedding, journal, note, search};
use bloom_core::risk::TextSource;
use bloom_core::vault::{KdfParams, NoKeychain, Passphrase, Vault};

fn model() -> (Encoder, Head) {
    assert!(
        std::env::var_os(runtime::ORT_DYLIB_ENV).is_some(),
        "ORT_DYLIB_PATH is not set (scripts/lib.sh ensure_onnxruntime); this test does not skip"
    );
    if let Availability::Unavailable { reason } = runtime::init() {
        panic!("ONNX Runtime did not load: {reason}");
    }
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../models/mh7");
    (
        Encoder::load(&dir).unwrap(),
        Head::load_json(&dir.join("head.json")).unwrap(),
    )
}

fn analyze(encoder: &Encoder, head: &Head, text: &str) -> Analysis {
    let embedding = encoder.encode(&[text]).unwrap().pop().unwrap().embedding;
    let p = head.predict(&embedding);
    let a = assess(head, &p, text);
    Analysis {
        model_version: a.model_version,
        label: a.label,
        suicide_score: a.suicide_score,
        flagged: a.flagged,
        by_phrase: a.by_phrase,
        embedding,
    }
}

fn vault(dir: &std::path::Path) -> Vault {
    let kdf = KdfParams {
        memory_kib: 8 * 1024,
        iterations: 1,
        parallelism: 1,
    };
    Vault::create(
        dir,
        "Dr Test",
        &Passphrase::new("violet tram coffee lantern"),
        &NoKeychain,
        kdf,
    )
    .unwrap()
    .0
}

/// Risky without any of the explicit phrases: the model alone must flag it.
const RISKY: &str = "I can't see any way out anymore. I gave my things away and wrote goodbye letters to my family.";
const EVERYDAY: &str =
    "Running about ten minutes late for Thursday, the bus broke down. See you soon!";

#[test]
fn consent_gates_the_real_model_and_results_are_kept_with_its_version() {
    let (encoder, head) = model();
    let dir = tempfile::tempdir().unwrap();
    let mut v = vault(dir.path());
    let new = NewClient {
        given_name: "Ana".into(),
        family_name: "Silva".into(),
        preferred_name: None,
    };
    let ana = client::create_client(&mut v, &new).unwrap();

    // No consent: the model is never asked and nothing is stored.
    let entry = journal::add(&mut v, &ana, 1, RISKY).unwrap();
    let mut asked = false;
    let result = risk::on_arrival(&mut v, &entry, &ana, TextSource::Journal, RISKY, |t| {
        asked = true;
        Ok::<_, String>(analyze(&encoder, &head, t))
    })
    .unwrap();
    assert!(result.is_none() && !asked);
    assert!(risk::result(&v, &entry).unwrap().is_none());
    assert!(embedding::get(&v, &entry).unwrap().is_none());

    client::record_consent(
        &mut v,
        &ana,
        ConsentKind::MlAnalysis,
        ConsentAction::Granted,
    )
    .unwrap();
    let flagged = risk::on_arrival(&mut v, &entry, &ana, TextSource::Journal, RISKY, |t| {
        Ok::<_, String>(analyze(&encoder, &head, t))
    })
    .unwrap()
    .unwrap();
    assert!(flagged.flagged && !flagged.by_phrase, "{flagged:?}");
    assert_eq!(flagged.model_version, head.version);
    assert_eq!(embedding::get(&v, &entry).unwrap().unwrap().len(), 384);

    let calm = journal::add(&mut v, &ana, 2, EVERYDAY).unwrap();
    let calm_result = risk::on_arrival(&mut v, &calm, &ana, TextSource::Journal, EVERYDAY, |t| {
        Ok::<_, String>(analyze(&encoder, &head, t))
    })
    .unwrap()
    .unwrap();
    assert!(!calm_result.flagged, "{calm_result:?}");
    assert_eq!(risk::open_alerts(&v).unwrap().len(), 1);

    risk::record_feedback(&v, &entry, "Suicidal").unwrap();
    risk::record_feedback(&v, &calm, "Everyday").unwrap();
    assert_eq!(risk::corrections(&mut v).unwrap().len(), 2);
    assert!(risk::open_alerts(&v).unwrap().is_empty());
}

#[test]
fn meaning_finds_a_note_that_shares_no_word_with_the_query() {
    let (encoder, _) = model();
    let dir = tempfile::tempdir().unwrap();
    let mut v = vault(dir.path());
    let new = NewClient {
        given_name: "Ben".into(),
        family_name: "Adams".into(),
        preferred_name: None,
    };
    let ben = client::create_client(&mut v, &new).unwrap();
    let mut add = |text: &str| {
        let id = note::create_note(&mut v, &ben, Template::Free, 1, None).unwrap();
        note::edit_sections(&mut v, &id, &[("body", text)]).unwrap();
        let e = encoder.encode(&[text]).unwrap().pop().unwrap().embedding;
        embedding::store(&mut v, &id, "test", &e).unwrap();
        id
    };
    let sleep = add("Lies awake most nights and wakes at four, exhausted all day.");
    add("Discussed the new job and the commute; looking forward to the team.");
    add("Planned a weekend hike with his brother.");

    let query = "insomnia";
    assert!(
        search::search(&v, query, 10).unwrap().is_empty(),
        "no shared word"
    );
    let q = encoder.encode(&[query]).unwrap().pop().unwrap().embedding;
    let hits = search::hybrid(&v, query, Some(&q), 10).unwrap();
    assert_eq!(
        hits.first().map(|h| h.record_id.as_str()),
        Some(sleep.as_str()),
        "{hits:?}"
    );
}
