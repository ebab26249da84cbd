//! The real model on the real runtime. Needs `ORT_DYLIB_PATH` (scripts/test.sh sets it with
//! `ensure_onnxruntime`); without it these tests fail rather than skip, so CI cannot pass
//! without exercising the model.
//!
//! Model files: `BLOOM_ML_MODEL_DIR`, else `models/mh7` in the checkout, else `../shared/ml`
//! beside it.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::PathBuf;
use std::sync::OnceLock;

use bloom_core::ml::encoder::MODEL_FILE;
use bloom_core::ml::{
    Availability, Batching, EMBEDDING_DIM, Encoded, Encoder, EncoderOptions, Head, risk, runtime,
};

fn model_dir() -> PathBuf {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..");
    let candidates: Vec<PathBuf> = std::env::var_os("BLOOM_ML_MODEL_DIR")
        .map(PathBuf::from)
        .into_iter()
        .chain([root.join("models/mh7"), root.join("../shared/ml")])
        .collect();
    candidates
        .iter()
        .find(|d| d.join(MODEL_FILE).is_file())
        .cloned()
        .unwrap_or_else(|| panic!("no {MODEL_FILE} in any of {candidates:?}"))
}

fn encoder() -> &'static Encoder {
    static ENCODER: OnceLock<Encoder> = OnceLock::new();
    ENCODER.get_or_init(|| {
        let dylib = std::env::var_os(runtime::ORT_DYLIB_ENV).filter(|v| !v.is_empty());
        assert!(
            dylib.is_some(),
            "ORT_DYLIB_PATH is not set: point it at libonnxruntime.so.{} (scripts/lib.sh ensure_onnxruntime \
             fetches it from the onnxruntime=={} wheel); the ML tests do not skip without it",
            runtime::ORT_VERSION,
            runtime::ORT_VERSION
        );
        match runtime::init() {
            Availability::Available { .. } => {}
            Availability::Unavailable { reason } => panic!("ONNX Runtime did not load: {reason}"),
        }
        Encoder::load(&model_dir()).unwrap()
    })
}

fn one(text: &str) -> Encoded {
    encoder().encode(&[text]).unwrap().pop().unwrap()
}

fn norm(v: &[f32]) -> f32 {
    v.iter().map(|x| x * x).sum::<f32>().sqrt()
}

fn max_diff(a: &[f32], b: &[f32]) -> f32 {
    assert_eq!(a.len(), b.len());
    a.iter()
        .zip(b)
        .map(|(x, y)| (x - y).abs())
        .fold(0.0, f32::max)
}

const EVERYDAY: &str = "Had a nice lunch with my sister today, then we walked the dog in the park.";
const SUICIDAL: &str =
    "I can't do this anymore. I have a plan to end my life tonight and I've written the notes.";

#[test]
fn embedding_has_384_dims_and_reports_its_norm() {
    let e = one("I have been feeling anxious about work lately.");
    assert_eq!(e.embedding.len(), EMBEDDING_DIM);
    assert_eq!(e.probabilities.len(), encoder().labels().labels.len());
    let n = norm(&e.embedding);
    assert!(n.is_finite() && n > 0.0);
    let normalised = (n - 1.0).abs() < 1e-3;
    eprintln!("embedding L2 norm {n:.6} (normalised: {normalised})");
}

#[test]
fn probabilities_sum_to_one() {
    for text in [EVERYDAY, SUICIDAL, "", "ok"] {
        let p = one(text).probabilities;
        let sum: f32 = p.iter().sum();
        assert!((sum - 1.0).abs() < 1e-4, "sum {sum}");
        assert!(p.iter().all(|v| (0.0..=1.0).contains(v)));
    }
}

const MIXED: [&str; 5] = [
    "ok",
    EVERYDAY,
    SUICIDAL,
    "Sleep has been bad for weeks; I wake at four and my thoughts race about money, the kids, \
     my job, whether I said something wrong at the meeting, and I can't get back to sleep.",
    "",
];

/// The default batching: a text's result does not depend on its batch.
#[test]
fn a_batch_of_different_lengths_matches_one_by_one() {
    let texts = MIXED;
    let batch = encoder().encode(&texts).unwrap();
    assert_eq!(batch.len(), texts.len());
    for (text, b) in texts.iter().zip(&batch) {
        let single = one(text);
        let de = max_diff(&single.embedding, &b.embedding);
        let dp = max_diff(&single.probabilities, &b.probabilities);
        assert!(
            de < 1e-4 && dp < 1e-4,
            "text of {} chars: embedding diff {de}, probability diff {dp}",
            text.len()
        );
    }
}

/// One padded run: pads are masked out (a broken mask would move short texts far more), but
/// dynamic int8 quantisation shares activation scales across the batch, so results drift a
/// little with the companions. The drift is reported and bounded.
#[test]
fn padded_batching_is_close_to_one_by_one() {
    let padded = Encoder::load_with(
        &model_dir(),
        EncoderOptions {
            batching: Batching::Padded,
            ..EncoderOptions::default()
        },
    )
    .unwrap();
    let batch = padded.encode(&MIXED).unwrap();
    let (mut de, mut dp) = (0.0_f32, 0.0_f32);
    for (text, b) in MIXED.iter().zip(&batch) {
        let single = one(text);
        de = de.max(max_diff(&single.embedding, &b.embedding));
        dp = dp.max(max_diff(&single.probabilities, &b.probabilities));
        assert!((b.probabilities.iter().sum::<f32>() - 1.0).abs() < 1e-4);
    }
    eprintln!(
        "padded batch vs one by one: max embedding diff {de:.4}, max probability diff {dp:.4}"
    );
    assert!(
        de < 0.1 && dp < 0.15,
        "embedding diff {de}, probability diff {dp}"
    );
    // Identical rows of equal length agree exactly with a lone run.
    let twice = padded.encode(&[EVERYDAY, EVERYDAY]).unwrap();
    assert!(max_diff(&twice[0].embedding, &one(EVERYDAY).embedding) < 1e-5);
    assert_eq!(twice[0], twice[1]);
}

#[test]
fn long_input_is_truncated_not_rejected() {
    let long: String = "I feel tired and nothing helps. "
        .chars()
        .cycle()
        .take(10_000)
        .collect();
    let e = one(&long);
    assert_eq!(e.embedding.len(), EMBEDDING_DIM);
    // Truncation keeps the first 256 tokens: a longer tail changes nothing.
    let longer: String =
        long.clone() + &"Completely different words about holidays at the sea. ".repeat(50);
    assert!(max_diff(&e.embedding, &one(&longer).embedding) < 1e-4);
}

#[test]
fn empty_string_and_empty_batch_work() {
    let e = one("");
    assert_eq!(e.embedding.len(), EMBEDDING_DIM);
    assert!(e.embedding.iter().all(|v| v.is_finite()));
    assert!(encoder().encode(&[]).unwrap().is_empty());
}

#[test]
fn suicidal_text_scores_above_everyday_text() {
    let s = encoder().labels().suicidal_index;
    let everyday = one(EVERYDAY).probabilities[s];
    let suicidal = one(SUICIDAL).probabilities[s];
    eprintln!("P(suicidal): everyday {everyday:.4}, suicidal {suicidal:.4}");
    assert!(
        suicidal > everyday,
        "suicidal {suicidal} <= everyday {everyday}"
    );
    assert!(suicidal >= encoder().labels().suicidal_flag_threshold);
}

#[test]
fn more_threads_give_the_same_result() {
    let options = EncoderOptions {
        intra_threads: 2,
        ..EncoderOptions::default()
    };
    let two = Encoder::load_with(&model_dir(), options).unwrap();
    let texts = [EVERYDAY, SUICIDAL];
    for (a, b) in encoder()
        .encode(&texts)
        .unwrap()
        .iter()
        .zip(two.encode(&texts).unwrap())
    {
        assert!(max_diff(&a.embedding, &b.embedding) < 1e-4);
    }
}

/// `head.json` (when present) over the fused model's embedding: a valid distribution that
/// flags the suicidal sentence and not the everyday one (also through `risk::assess`). When it
/// is the original head (same labels, version says "original" or "shipped") it must also
/// reproduce the fused probabilities; a re-trained head only reports the difference.
#[test]
fn head_json_over_the_embedding() {
    let path = model_dir().join("head.json");
    if !path.is_file() {
        eprintln!("skipped: {} not present", path.display());
        return;
    }
    let head = Head::load_json(&path).unwrap();
    let model_labels = &encoder().labels().labels;
    assert_eq!(head.dim, EMBEDDING_DIM);
    assert_eq!(
        &head.labels[..model_labels.len()],
        &model_labels[..],
        "label order"
    );
    let texts = [EVERYDAY, SUICIDAL, "I keep worrying about everything.", ""];
    let encoded = encoder().encode(&texts).unwrap();
    let mut worst: Option<f32> = Some(0.0);
    for e in &encoded {
        let p = head.predict(&e.embedding);
        assert!((p.iter().sum::<f32>() - 1.0).abs() < 1e-4);
        worst = worst
            .filter(|_| p.len() == e.probabilities.len())
            .map(|w| w.max(max_diff(&p, &e.probabilities)));
    }
    let everyday = risk::assess(&head, &head.predict(&encoded[0].embedding), EVERYDAY);
    let suicidal = risk::assess(&head, &head.predict(&encoded[1].embedding), SUICIDAL);
    eprintln!(
        "head {}: P(suicidal) everyday {:.4} ({}), suicidal {:.4} ({})",
        head.version,
        everyday.suicide_score,
        everyday.label,
        suicidal.suicide_score,
        suicidal.label
    );
    assert!(!everyday.flagged, "{everyday:?}");
    assert!(suicidal.flagged, "{suicidal:?}");
    assert!(
        head.flags(&suicidal.probabilities),
        "the model alone flags it"
    );
    let version = head.version.to_lowercase();
    match worst {
        Some(worst) if version.contains("original") || version.contains("shipped") => {
            // The fused graph's head is int8-quantised; the JSON head is float.
            assert!(
                worst < 2e-2,
                "head.json differs from the fused head by {worst}"
            );
        }
        Some(worst) => eprintln!("re-trained head; max difference to the fused head {worst:.4}"),
        None => eprintln!(
            "re-trained head with {} labels (fused: {}); not comparable",
            head.labels.len(),
            model_labels.len()
        ),
    }
}
