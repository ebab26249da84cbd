//! On-device re-fit of the head from the base data plus the therapist's corrections.
//!
//! The candidate head is fitted on the base data's train split plus the corrections and
//! compared with the current head on the held-out split. Rows are weighted as the shipped head
//! was trained (head.json `fit`): balanced class weights `n / (K * n_c)`, the gate (Everyday)
//! class times `everyday_weight_multiplier`, and each correction counts
//! [`RefitParams::correction_weight`] times a base row of its class. L2 is head.json's unless
//! given. The threshold and gate stay the current head's (re-tuning the threshold needs
//! out-of-fold fits; the held-out check below catches a head that no longer fits it).
//!
//! The candidate replaces the current head only when it is no worse on held-out rows:
//!
//! - suicide recall (share of suicidal rows flagged) not lower,
//! - everyday flagged rate (everyday and hard-negative rows flagged) not higher by more than
//!   [`MAX_EVERYDAY_FLAGGED_RISE`],
//! - macro-F1 not lower by more than [`MAX_MACRO_F1_DROP`].
//!
//! Everything is deterministic: the same inputs give the same head and the same decision.

use super::MlError;
use super::base_data::{BaseData, Kind, Split};
use super::head::{EvalRow, Head};

/// 0.5 percentage points.
pub const MAX_EVERYDAY_FLAGGED_RISE: f32 = 0.005;
/// 0.5 points of macro-F1 (on a 0..1 scale).
pub const MAX_MACRO_F1_DROP: f32 = 0.005;

/// A therapist's correction: this embedding belongs to `label` (an index into the head's labels).
#[derive(Clone, Debug, PartialEq)]
pub struct Correction {
    pub embedding: Vec<f32>,
    pub label: usize,
}

#[derive(Clone, Debug, PartialEq)]
pub struct RefitParams {
    /// How many base rows of its class one correction counts as.
    pub correction_weight: f32,
    /// L2 on the weights; `None` takes head.json's `fit.l2` (or 1e-4 without one).
    pub l2: Option<f32>,
    pub epochs: usize,
    pub seed: u64,
    /// The new head's version; empty gives `<current version>+refit`.
    pub version: String,
}

impl Default for RefitParams {
    fn default() -> Self {
        RefitParams {
            correction_weight: 5.0,
            l2: None,
            epochs: 400,
            seed: 0,
            version: String::new(),
        }
    }
}

/// A head's scores on the held-out split.
#[derive(Clone, Debug, PartialEq)]
pub struct HeldOutScores {
    pub suicide_recall: f32,
    pub macro_f1: f32,
    pub everyday_flagged_rate: f32,
}

#[derive(Clone, Debug, PartialEq)]
pub enum RefitOutcome {
    /// The new head is no worse; use it.
    Replaced {
        head: Box<Head>,
        current: HeldOutScores,
        candidate: HeldOutScores,
    },
    /// The current head stays; `reason` says which rule the candidate broke.
    Kept {
        reason: String,
        current: HeldOutScores,
        candidate: HeldOutScores,
    },
}

/// Fits a candidate head and keeps it only if it is no worse on the held-out split.
pub fn refit(
    current: &Head,
    base: &BaseData,
    corrections: &[Correction],
    params: &RefitParams,
) -> Result<RefitOutcome, MlError> {
    let map = label_map(current, base)?;
    if let Some(c) = corrections
        .iter()
        .find(|c| c.embedding.len() != current.dim || c.label >= current.classes())
    {
        return Err(MlError::Model(format!(
            "a correction has {} values and label {}; the head has dim {} and {} labels",
            c.embedding.len(),
            c.label,
            current.dim,
            current.classes()
        )));
    }
    let base_train: Vec<(&[f32], usize)> = base
        .rows
        .iter()
        .filter(|r| r.split == Split::Train)
        .map(|r| (r.embedding.as_slice(), map[r.label]))
        .collect();
    let class_weight = class_weights(current, base_train.iter().map(|r| r.1));
    let correction_weight = params.correction_weight.max(0.0);
    let train: Vec<(Vec<f32>, usize, f32)> = base_train
        .iter()
        .map(|(x, y)| (x.to_vec(), *y, class_weight[*y]))
        .chain(corrections.iter().map(|c| {
            (
                c.embedding.clone(),
                c.label,
                correction_weight * class_weight[c.label],
            )
        }))
        .collect();
    let l2 = params
        .l2
        .or(current.fit.as_ref().map(|f| f.l2))
        .unwrap_or(1e-4);
    let mut candidate = current.fit(&train, l2, params.epochs, params.seed);
    candidate.version = if params.version.is_empty() {
        format!("{}+refit", current.version)
    } else {
        params.version.clone()
    };

    let current_scores = held_out_scores(current, base)?;
    let candidate_scores = held_out_scores(&candidate, base)?;
    let reason = if candidate_scores.suicide_recall < current_scores.suicide_recall {
        Some(format!(
            "suicide recall would fall from {:.3} to {:.3}",
            current_scores.suicide_recall, candidate_scores.suicide_recall
        ))
    } else if candidate_scores.everyday_flagged_rate
        > current_scores.everyday_flagged_rate + MAX_EVERYDAY_FLAGGED_RISE
    {
        Some(format!(
            "everyday messages flagged would rise from {:.3} to {:.3}",
            current_scores.everyday_flagged_rate, candidate_scores.everyday_flagged_rate
        ))
    } else if candidate_scores.macro_f1 < current_scores.macro_f1 - MAX_MACRO_F1_DROP {
        Some(format!(
            "macro-F1 would fall from {:.3} to {:.3}",
            current_scores.macro_f1, candidate_scores.macro_f1
        ))
    } else {
        None
    };
    Ok(match reason {
        Some(reason) => RefitOutcome::Kept {
            reason,
            current: current_scores,
            candidate: candidate_scores,
        },
        None => RefitOutcome::Replaced {
            head: Box::new(candidate),
            current: current_scores,
            candidate: candidate_scores,
        },
    })
}

/// `head`'s scores on `base`'s held-out split.
pub fn held_out_scores(head: &Head, base: &BaseData) -> Result<HeldOutScores, MlError> {
    let map = label_map(head, base)?;
    let rows: Vec<EvalRow<'_>> = base
        .rows
        .iter()
        .filter(|r| r.split == Split::HeldOut)
        .map(|r| EvalRow {
            embedding: &r.embedding,
            label: map[r.label],
            in_subset: r.kind != Kind::Mh7,
        })
        .collect();
    let m = head.evaluate(&rows);
    Ok(HeldOutScores {
        suicide_recall: m.suicide_recall,
        macro_f1: m.macro_f1,
        everyday_flagged_rate: m.flagged_rate,
    })
}

/// Balanced class weights `n / (K * n_c)` over `labels` (classes without rows get 1), the gate
/// class multiplied by the head's `everyday_weight_multiplier`.
fn class_weights(head: &Head, labels: impl Iterator<Item = usize>) -> Vec<f32> {
    let k = head.classes();
    let mut counts = vec![0_usize; k];
    for y in labels {
        counts[y] += 1;
    }
    let n: usize = counts.iter().sum();
    let mut weights: Vec<f32> = counts
        .iter()
        .map(|c| {
            if *c == 0 {
                1.0
            } else {
                n as f32 / (k as f32 * *c as f32)
            }
        })
        .collect();
    if let (Some(g), Some(fit)) = (head.gate_index, &head.fit) {
        weights[g] *= fit.everyday_weight_multiplier.max(0.0);
    }
    weights
}

/// Base label index -> head label index, by name.
fn label_map(head: &Head, base: &BaseData) -> Result<Vec<usize>, MlError> {
    if base.dim != head.dim {
        return Err(MlError::Model(format!(
            "base data has dim {}, the head {}",
            base.dim, head.dim
        )));
    }
    base.labels
        .iter()
        .map(|name| {
            head.labels.iter().position(|l| l == name).ok_or_else(|| {
                MlError::Model(format!("base data label {name:?} is not one of the head's"))
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use std::path::PathBuf;

    use super::*;
    use crate::ml::base_data::BaseRow;
    use crate::ml::head::tests::{clusters, template};

    fn base(seed: u64) -> BaseData {
        let labels = template(4).labels;
        let mut rows = Vec::new();
        for (i, (x, y, _)) in clusters(60, seed).into_iter().enumerate() {
            rows.push(BaseRow {
                label: y,
                split: if i % 4 == 0 {
                    Split::HeldOut
                } else {
                    Split::Train
                },
                kind: if y == 0 && i % 2 == 0 {
                    Kind::Everyday
                } else {
                    Kind::Mh7
                },
                embedding: x,
            });
        }
        BaseData {
            dim: 4,
            labels,
            rows,
        }
    }

    fn params() -> RefitParams {
        RefitParams {
            epochs: 200,
            l2: Some(1e-3),
            ..RefitParams::default()
        }
    }

    #[test]
    fn a_better_head_replaces_an_untrained_one() {
        let data = base(3);
        let current = template(4); // all zeros: predicts uniform, flags everything
        let outcome = refit(&current, &data, &[], &params()).unwrap();
        match outcome {
            RefitOutcome::Replaced {
                head,
                current,
                candidate,
            } => {
                assert_eq!(head.version, "test+refit");
                assert!(candidate.macro_f1 > current.macro_f1);
                assert!(candidate.everyday_flagged_rate <= current.everyday_flagged_rate);
            }
            other => panic!("expected Replaced, got {other:?}"),
        }
    }

    #[test]
    fn refit_is_deterministic() {
        let data = base(4);
        let corrections = vec![Correction {
            embedding: vec![0.1, 0.9, 0.0, 0.0],
            label: 1,
        }];
        let a = refit(&template(4), &data, &corrections, &params()).unwrap();
        let b = refit(&template(4), &data, &corrections, &params()).unwrap();
        assert_eq!(a, b);
    }

    #[test]
    fn poisoned_corrections_are_refused() {
        let data = base(5);
        let good = match refit(&template(4), &data, &[], &params()).unwrap() {
            RefitOutcome::Replaced { head, .. } => *head,
            other => panic!("{other:?}"),
        };
        // Suicidal-looking embeddings "corrected" to Normal, heavily weighted.
        let corrections: Vec<Correction> = clusters(60, 11)
            .into_iter()
            .filter(|(_, y, _)| *y == 2)
            .map(|(x, _, _)| Correction {
                embedding: x,
                label: 0,
            })
            .collect();
        let outcome = refit(
            &good,
            &data,
            &corrections,
            &RefitParams {
                correction_weight: 20.0,
                ..params()
            },
        )
        .unwrap();
        match outcome {
            RefitOutcome::Kept {
                reason,
                current,
                candidate,
            } => {
                assert!(reason.contains("suicide recall"), "{reason}");
                assert!(candidate.suicide_recall < current.suicide_recall);
            }
            other => panic!("expected Kept, got {other:?}"),
        }
    }

    #[test]
    fn mismatches_are_errors() {
        let data = base(6);
        let bad = vec![Correction {
            embedding: vec![0.0; 3],
            label: 0,
        }];
        assert!(matches!(
            refit(&template(4), &data, &bad, &params()),
            Err(MlError::Model(_))
        ));
        assert!(matches!(
            refit(&template(5), &data, &[], &params()),
            Err(MlError::Model(_))
        ));
        let mut other_labels = data.clone();
        other_labels.labels[1] = "Unknown".into();
        assert!(matches!(
            refit(&template(4), &other_labels, &[], &params()),
            Err(MlError::Model(_))
        ));
    }

    /// With the real files (models/mh7/head.json and base_embeddings.bin) when they are in the
    /// checkout: a refit with no corrections is deterministic and gives a sane decision.
    #[test]
    fn real_base_data_refit() {
        let dir = std::env::var_os("BLOOM_ML_MODEL_DIR")
            .map(PathBuf::from)
            .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../models/mh7"));
        let (head_path, base_path) = (dir.join("head.json"), dir.join("base_embeddings.bin"));
        if !head_path.is_file() || !base_path.is_file() {
            eprintln!(
                "skipped: {} or {} not present",
                head_path.display(),
                base_path.display()
            );
            return;
        }
        let head = Head::load_json(&head_path).unwrap();
        let data = BaseData::read(&base_path).unwrap();
        let current = held_out_scores(&head, &data).unwrap();
        eprintln!("shipped head on held-out: {current:?}");
        assert!(current.suicide_recall > 0.5, "{current:?}");
        // A handful of corrections: held-out is never trained on, so use train rows.
        let normal = head.labels.iter().position(|l| l == "Normal").unwrap();
        let corrections: Vec<Correction> = data
            .rows
            .iter()
            .filter(|r| r.split == Split::Train && r.kind == Kind::Everyday)
            .take(10)
            .map(|r| Correction {
                embedding: r.embedding.clone(),
                label: normal,
            })
            .collect();
        // Few epochs: this runs in debug builds. Release figures come from the bench.
        let p = RefitParams {
            epochs: std::env::var("BLOOM_REFIT_EPOCHS")
                .ok()
                .and_then(|v| v.parse().ok())
                .unwrap_or(40),
            ..RefitParams::default()
        };
        let a = refit(&head, &data, &corrections, &p).unwrap();
        let b = refit(&head, &data, &corrections, &p).unwrap();
        assert_eq!(a, b);
        eprintln!(
            "refit outcome: {:?}",
            match &a {
                RefitOutcome::Replaced { candidate, .. } => format!("replaced, {candidate:?}"),
                RefitOutcome::Kept { reason, .. } => format!("kept: {reason}"),
            }
        );
    }
}
