//! A linear softmax head over the sentence embedding: `softmax(W·x + b)`.
//!
//! `head.json` holds `{"version", "labels", "suicidal_index", "threshold", "dim",
//! "weights": [[dim floats] per class], "bias": [per class], "input": "sentence_embedding"}`,
//! optionally `"gate_label"` (a neutral class: a message whose most probable class is the gate
//! is never flagged by the model) and `"fit"` (the hyper-parameters it was trained with, reused
//! by an on-device re-fit). A `[dim][classes]` weight matrix (the transpose) is accepted too.
//!
//! Flag rule: `p[suicidal_index] >= threshold`, unless `argmax(p)` is the gate label and
//! `p[suicidal_index]` is below `"gate_ceiling"` (when given; without it the gate always holds).
//!
//! [`Head::fit`] is multinomial logistic regression with sample weights and L2 on the weights
//! (not the bias), solved by full-batch Nesterov-accelerated gradient descent with adaptive
//! restart and the step `1/L` from a bound on the loss's curvature. Every sum runs in a fixed
//! order in `f64`, so the same data and seed give bit-identical heads on every machine.

use std::path::Path;

use serde::{Deserialize, Serialize};

use super::MlError;

/// The only input a head reads.
pub const HEAD_INPUT: &str = "sentence_embedding";

#[derive(Clone, Debug, PartialEq)]
pub struct Head {
    pub version: String,
    pub labels: Vec<String>,
    pub suicidal_index: usize,
    /// Flag when P(labels[suicidal_index]) is at least this.
    pub threshold: f32,
    pub dim: usize,
    /// Row-major `[classes][dim]`.
    pub weights: Vec<f32>,
    pub bias: Vec<f32>,
    /// Index of the neutral class whose arg-max suppresses the model's flag.
    pub gate_index: Option<usize>,
    /// The gate holds back only suicide scores below this (docs/ml.md, "Gate ceiling").
    pub gate_ceiling: Option<f32>,
    /// How the head was trained, when head.json says.
    pub fit: Option<FitSpec>,
}

/// head.json's `fit`: the training hyper-parameters.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct FitSpec {
    pub l2: f32,
    /// Extra weight of the gate (Everyday) class on top of balanced class weights.
    #[serde(default = "one")]
    pub everyday_weight_multiplier: f32,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub class_weight: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub target_recall: Option<f32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub loss: Option<String>,
}

fn one() -> f32 {
    1.0
}

#[derive(Serialize, Deserialize)]
struct HeadFile {
    version: String,
    labels: Vec<String>,
    suicidal_index: usize,
    threshold: f32,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    gate_label: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    gate_ceiling: Option<f32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    flag_rule: Option<String>,
    dim: usize,
    weights: Vec<Vec<f32>>,
    bias: Vec<f32>,
    #[serde(default = "default_input")]
    input: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    fit: Option<FitSpec>,
}

fn default_input() -> String {
    HEAD_INPUT.into()
}

const FLAG_RULE: &str = "p = softmax(W·e + b); flag iff p[suicidal_index] >= threshold and not (argmax(p) == index of gate_label and p[suicidal_index] < gate_ceiling)";

/// One row to evaluate on.
#[derive(Clone, Copy, Debug)]
pub struct EvalRow<'a> {
    pub embedding: &'a [f32],
    /// The true class.
    pub label: usize,
    /// Whether the row counts toward [`Metrics::flagged_rate`] (e.g. everyday messages).
    pub in_subset: bool,
}

#[derive(Clone, Debug, PartialEq)]
pub struct ClassMetrics {
    pub precision: f32,
    pub recall: f32,
    pub f1: f32,
    /// Rows whose true class this is.
    pub support: u32,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Metrics {
    /// Per class, in label order; predictions are the arg-max class.
    pub per_class: Vec<ClassMetrics>,
    /// `confusion[truth][predicted]`.
    pub confusion: Vec<Vec<u32>>,
    pub accuracy: f32,
    /// Mean F1 over the classes that have rows.
    pub macro_f1: f32,
    /// Share of truly suicidal rows that the threshold flags (0 when there are none).
    pub suicide_recall: f32,
    pub suicidal_rows: u32,
    /// Share of subset rows that the threshold flags (0 when the subset is empty).
    pub flagged_rate: f32,
    pub subset_rows: u32,
}

impl Head {
    pub fn classes(&self) -> usize {
        self.labels.len()
    }

    pub fn gate_label(&self) -> Option<&str> {
        self.gate_index
            .and_then(|i| self.labels.get(i))
            .map(String::as_str)
    }

    /// Reads and checks `head.json`.
    pub fn load_json(path: &Path) -> Result<Head, MlError> {
        let bytes = std::fs::read(path).map_err(|e| {
            if e.kind() == std::io::ErrorKind::NotFound {
                MlError::Unavailable(format!("head file {} is missing", path.display()))
            } else {
                MlError::Unavailable(format!("cannot read {}: {e}", path.display()))
            }
        })?;
        Head::from_json(&bytes).map_err(|e| match e {
            MlError::Model(m) => MlError::Model(format!("{}: {m}", path.display())),
            other => other,
        })
    }

    pub fn from_json(bytes: &[u8]) -> Result<Head, MlError> {
        let file: HeadFile =
            serde_json::from_slice(bytes).map_err(|e| MlError::Model(format!("head: {e}")))?;
        if file.input != HEAD_INPUT {
            return Err(MlError::Model(format!(
                "head reads {:?}, only {HEAD_INPUT:?} is supported",
                file.input
            )));
        }
        let classes = file.labels.len();
        let dim = file.dim;
        let rows = file.weights.len();
        let weights: Vec<f32> = if rows == classes && file.weights.iter().all(|r| r.len() == dim) {
            file.weights.into_iter().flatten().collect()
        } else if rows == dim && file.weights.iter().all(|r| r.len() == classes) {
            (0..classes)
                .flat_map(|c| file.weights.iter().map(move |r| r[c]))
                .collect()
        } else {
            return Err(MlError::Model(format!(
                "head weights are not {classes}x{dim} (or its transpose)"
            )));
        };
        let gate_index = match &file.gate_label {
            None => None,
            Some(gate) => Some(file.labels.iter().position(|l| l == gate).ok_or_else(|| {
                MlError::Model(format!("head gate_label {gate:?} is not one of its labels"))
            })?),
        };
        let head = Head {
            version: file.version,
            labels: file.labels,
            suicidal_index: file.suicidal_index,
            threshold: file.threshold,
            dim,
            weights,
            bias: file.bias,
            gate_index,
            gate_ceiling: file.gate_ceiling,
            fit: file.fit,
        };
        head.check()?;
        Ok(head)
    }

    pub fn to_json(&self) -> Vec<u8> {
        let file = HeadFile {
            version: self.version.clone(),
            labels: self.labels.clone(),
            suicidal_index: self.suicidal_index,
            threshold: self.threshold,
            gate_label: self.gate_label().map(str::to_owned),
            gate_ceiling: self.gate_ceiling,
            flag_rule: Some(FLAG_RULE.into()),
            dim: self.dim,
            weights: self
                .weights
                .chunks(self.dim.max(1))
                .map(<[f32]>::to_vec)
                .collect(),
            bias: self.bias.clone(),
            input: HEAD_INPUT.into(),
            fit: self.fit.clone(),
        };
        // Serialising plain numbers and strings cannot fail; non-finite numbers become null,
        // which `from_json` then rejects.
        serde_json::to_vec(&file).unwrap_or_default()
    }

    fn check(&self) -> Result<(), MlError> {
        if self.gate_ceiling.is_some_and(|c| !(c > 0.0 && c <= 1.0)) {
            return Err(MlError::Model("head gate_ceiling must be in (0, 1]".into()));
        }
        let classes = self.classes();
        if classes < 2 || self.dim == 0 {
            return Err(MlError::Model(
                "head needs at least two labels and dim > 0".into(),
            ));
        }
        if self.bias.len() != classes || self.weights.len() != classes * self.dim {
            return Err(MlError::Model(format!(
                "head has {} biases and {} weights for {classes} labels of dim {}",
                self.bias.len(),
                self.weights.len(),
                self.dim
            )));
        }
        if self
            .gate_index
            .is_some_and(|g| g >= classes || g == self.suicidal_index)
        {
            return Err(MlError::Model(
                "head gate label must be a class other than the suicidal one".into(),
            ));
        }
        if self.suicidal_index >= classes {
            return Err(MlError::Model(format!(
                "head suicidal_index {} is not among its {classes} labels",
                self.suicidal_index
            )));
        }
        if !(self.threshold > 0.0 && self.threshold <= 1.0) {
            return Err(MlError::Model("head threshold must be in (0, 1]".into()));
        }
        if !self.weights.iter().chain(&self.bias).all(|v| v.is_finite()) {
            return Err(MlError::Model("head has non-finite weights".into()));
        }
        Ok(())
    }

    /// Class probabilities for one embedding. An embedding of the wrong length is a caller bug:
    /// it is read up to the shorter of the two lengths (and debug builds assert).
    pub fn predict(&self, embedding: &[f32]) -> Vec<f32> {
        debug_assert_eq!(embedding.len(), self.dim, "embedding length");
        let mut logits: Vec<f64> = (0..self.classes())
            .map(|c| {
                let row = &self.weights[c * self.dim..(c + 1) * self.dim];
                row.iter()
                    .zip(embedding)
                    .fold(f64::from(self.bias[c]), |acc, (w, x)| {
                        acc + f64::from(*w) * f64::from(*x)
                    })
            })
            .collect();
        softmax_in_place(&mut logits);
        logits.into_iter().map(|p| p as f32).collect()
    }

    /// The model's flag: P(suicidal) reaches the threshold, unless the most probable class is
    /// the gate and P(suicidal) is below the gate's ceiling — the gate can quiet an everyday
    /// message, never a high score.
    pub fn flags(&self, probabilities: &[f32]) -> bool {
        if probabilities.len() != self.classes() {
            return false;
        }
        let score = probabilities[self.suicidal_index];
        let gated = self.gate_index.is_some_and(|g| argmax(probabilities) == g)
            && self.gate_ceiling.is_none_or(|ceiling| score < ceiling);
        score >= self.threshold && !gated
    }

    /// Fits a new head with this head's labels, suicidal index, threshold, gate, dim and fit spec on
    /// `(embedding, class, sample weight)` rows. `l2` penalises the weights (not the bias);
    /// `epochs` is the number of full-batch gradient steps. Rows of the wrong length, with an
    /// unknown class or a non-positive weight are skipped. The result is a pure function of
    /// the inputs: same rows, same order, same seed, same head.
    pub fn fit(&self, train: &[(Vec<f32>, usize, f32)], l2: f32, epochs: usize, seed: u64) -> Head {
        let (dim, classes) = (self.dim, self.classes());
        let rows: Vec<(&[f32], usize, f64)> = train
            .iter()
            .filter(|(x, y, w)| x.len() == dim && *y < classes && *w > 0.0 && w.is_finite())
            .map(|(x, y, w)| (x.as_slice(), *y, f64::from(*w)))
            .collect();
        let width = dim + 1; // weights then bias, per class
        let mut params = vec![0.0_f64; classes * width];
        // A tiny seeded start; the problem is convex, so this only fixes the path, not the optimum.
        let mut state = seed;
        for (i, p) in params.iter_mut().enumerate() {
            if i % width != dim {
                *p = (unit_noise(&mut state) - 0.5) * 1e-4;
            }
        }
        let total_weight: f64 = rows.iter().map(|r| r.2).sum();
        let l2 = f64::from(l2.max(0.0));
        if total_weight > 0.0 && epochs > 0 {
            // Curvature bound: softmax cross-entropy has Hessian <= 0.5 * E_w[x x^T] per class,
            // with x augmented by 1 for the bias; its largest eigenvalue <= E_w[|x|^2 + 1].
            let mean_sq: f64 = rows
                .iter()
                .map(|(x, _, w)| w * (1.0 + x.iter().map(|v| f64::from(*v).powi(2)).sum::<f64>()))
                .sum::<f64>()
                / total_weight;
            let step = 1.0 / (0.5 * mean_sq + l2);
            let mut previous = params.clone();
            let mut momentum_k = 0_usize;
            let mut grad = vec![0.0_f64; params.len()];
            for _ in 0..epochs {
                let beta = momentum_k as f64 / (momentum_k as f64 + 3.0);
                let look: Vec<f64> = params
                    .iter()
                    .zip(&previous)
                    .map(|(p, q)| p + beta * (p - q))
                    .collect();
                gradient(&look, &rows, classes, dim, total_weight, l2, &mut grad);
                let next: Vec<f64> = look.iter().zip(&grad).map(|(p, g)| p - step * g).collect();
                // Adaptive restart: drop the momentum when it points uphill.
                let uphill: f64 = grad
                    .iter()
                    .zip(next.iter().zip(&params))
                    .map(|(g, (n, p))| g * (n - p))
                    .sum();
                momentum_k = if uphill > 0.0 { 0 } else { momentum_k + 1 };
                previous = std::mem::replace(&mut params, next);
            }
        }
        let mut weights = Vec::with_capacity(classes * dim);
        let mut bias = Vec::with_capacity(classes);
        for c in 0..classes {
            weights.extend(params[c * width..c * width + dim].iter().map(|v| *v as f32));
            bias.push(params[c * width + dim] as f32);
        }
        Head {
            version: self.version.clone(),
            labels: self.labels.clone(),
            suicidal_index: self.suicidal_index,
            threshold: self.threshold,
            dim,
            weights,
            bias,
            gate_index: self.gate_index,
            gate_ceiling: self.gate_ceiling,
            fit: self.fit.clone(),
        }
    }

    /// Per-class precision/recall/F1 (arg-max), the confusion matrix, suicide recall and the
    /// flagged rate on the subset (both by the threshold). Rows of the wrong length or with an
    /// unknown class are skipped.
    pub fn evaluate(&self, rows: &[EvalRow<'_>]) -> Metrics {
        let classes = self.classes();
        let mut confusion = vec![vec![0_u32; classes]; classes];
        let (mut suicidal_rows, mut suicidal_flagged) = (0_u32, 0_u32);
        let (mut subset_rows, mut subset_flagged) = (0_u32, 0_u32);
        for row in rows
            .iter()
            .filter(|r| r.embedding.len() == self.dim && r.label < classes)
        {
            let p = self.predict(row.embedding);
            let predicted = argmax(&p);
            confusion[row.label][predicted] += 1;
            let flagged = self.flags(&p);
            if row.label == self.suicidal_index {
                suicidal_rows += 1;
                suicidal_flagged += u32::from(flagged);
            }
            if row.in_subset {
                subset_rows += 1;
                subset_flagged += u32::from(flagged);
            }
        }
        let ratio = |a: u32, b: u32| if b == 0 { 0.0 } else { a as f32 / b as f32 };
        let per_class: Vec<ClassMetrics> = (0..classes)
            .map(|c| {
                let tp = confusion[c][c];
                let support: u32 = confusion[c].iter().sum();
                let predicted: u32 = confusion.iter().map(|r| r[c]).sum();
                let precision = ratio(tp, predicted);
                let recall = ratio(tp, support);
                let f1 = if precision + recall > 0.0 {
                    2.0 * precision * recall / (precision + recall)
                } else {
                    0.0
                };
                ClassMetrics {
                    precision,
                    recall,
                    f1,
                    support,
                }
            })
            .collect();
        let present: Vec<&ClassMetrics> = per_class.iter().filter(|m| m.support > 0).collect();
        let macro_f1 = if present.is_empty() {
            0.0
        } else {
            present.iter().map(|m| m.f1).sum::<f32>() / present.len() as f32
        };
        let total: u32 = confusion.iter().flatten().sum();
        let correct: u32 = (0..classes).map(|c| confusion[c][c]).sum();
        Metrics {
            per_class,
            accuracy: ratio(correct, total),
            confusion,
            macro_f1,
            suicide_recall: ratio(suicidal_flagged, suicidal_rows),
            suicidal_rows,
            flagged_rate: ratio(subset_flagged, subset_rows),
            subset_rows,
        }
    }
}

/// Gradient of the weighted mean cross-entropy plus `l2/2 * |W|^2` at `params`.
fn gradient(
    params: &[f64],
    rows: &[(&[f32], usize, f64)],
    classes: usize,
    dim: usize,
    total_weight: f64,
    l2: f64,
    grad: &mut [f64],
) {
    let width = dim + 1;
    grad.iter_mut().for_each(|g| *g = 0.0);
    let mut logits = vec![0.0_f64; classes];
    for (x, y, w) in rows {
        for (c, logit) in logits.iter_mut().enumerate() {
            let row = &params[c * width..(c + 1) * width];
            *logit = row[dim]
                + row[..dim]
                    .iter()
                    .zip(x.iter())
                    .map(|(p, v)| p * f64::from(*v))
                    .sum::<f64>();
        }
        softmax_in_place(&mut logits);
        for (c, p) in logits.iter().enumerate() {
            let delta = w * (p - if c == *y { 1.0 } else { 0.0 }) / total_weight;
            let g = &mut grad[c * width..(c + 1) * width];
            for (gi, v) in g[..dim].iter_mut().zip(x.iter()) {
                *gi += delta * f64::from(*v);
            }
            g[dim] += delta;
        }
    }
    for c in 0..classes {
        for i in 0..dim {
            grad[c * width + i] += l2 * params[c * width + i];
        }
    }
}

fn softmax_in_place(v: &mut [f64]) {
    let max = v.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    let mut sum = 0.0;
    for x in v.iter_mut() {
        *x = (*x - max).exp();
        sum += *x;
    }
    if sum > 0.0 && sum.is_finite() {
        v.iter_mut().for_each(|x| *x /= sum);
    }
}

pub(crate) fn argmax(p: &[f32]) -> usize {
    let mut best = 0;
    for (i, v) in p.iter().enumerate() {
        if *v > p[best] {
            best = i;
        }
    }
    best
}

/// splitmix64, as a number in [0, 1).
pub(crate) fn unit_noise(state: &mut u64) -> f64 {
    *state = state.wrapping_add(0x9E37_79B9_7F4A_7C15);
    let mut z = *state;
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^= z >> 31;
    (z >> 11) as f64 / (1_u64 << 53) as f64
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    pub(crate) fn template(dim: usize) -> Head {
        Head {
            version: "test".into(),
            labels: vec!["Normal".into(), "Sad".into(), "Suicidal".into()],
            suicidal_index: 2,
            threshold: 0.3,
            dim,
            weights: vec![0.0; 3 * dim],
            bias: vec![0.0; 3],
            gate_index: None,
            gate_ceiling: None,
            fit: None,
        }
    }

    /// Three well-separated clusters around the axes of a 4-dim space.
    pub(crate) fn clusters(n_per_class: usize, seed: u64) -> Vec<(Vec<f32>, usize, f32)> {
        let mut state = seed;
        let mut rows = Vec::new();
        for i in 0..n_per_class * 3 {
            let class = i % 3;
            let mut x: Vec<f32> = (0..4)
                .map(|_| (unit_noise(&mut state) as f32 - 0.5) * 0.6)
                .collect();
            x[class] += 1.0;
            rows.push((x, class, 1.0));
        }
        rows
    }

    #[test]
    fn json_round_trips_and_is_checked() {
        let mut head = template(4);
        head.weights[5] = 0.25;
        head.bias[1] = -1.5;
        let back = Head::from_json(&head.to_json()).unwrap();
        assert_eq!(back, head);

        let bad_shape =
            br#"{"version":"v","labels":["a","b"],"suicidal_index":1,"threshold":0.2,"dim":3,
            "weights":[[1,2,3],[1,2]],"bias":[0,0]}"#;
        assert!(matches!(Head::from_json(bad_shape), Err(MlError::Model(_))));
        let bad_index =
            br#"{"version":"v","labels":["a","b"],"suicidal_index":2,"threshold":0.2,"dim":1,
            "weights":[[1],[2]],"bias":[0,0]}"#;
        assert!(matches!(Head::from_json(bad_index), Err(MlError::Model(_))));
        let other_input =
            br#"{"version":"v","labels":["a","b"],"suicidal_index":1,"threshold":0.2,"dim":1,
            "weights":[[1],[2]],"bias":[0,0],"input":"token_embeddings"}"#;
        assert!(matches!(
            Head::from_json(other_input),
            Err(MlError::Model(_))
        ));
        assert!(matches!(
            Head::from_json(b"\x00garbage"),
            Err(MlError::Model(_))
        ));
        assert!(matches!(
            Head::load_json(Path::new("/nonexistent/head.json")),
            Err(MlError::Unavailable(_))
        ));
    }

    #[test]
    fn gate_and_fit_spec_round_trip_and_gate_suppresses_the_flag() {
        let json = br#"{"version":"v","labels":["Normal","Suicidal","Everyday"],"suicidal_index":1,
            "threshold":0.1,"gate_label":"Everyday","flag_rule":"whatever","dim":1,
            "weights":[[0],[0],[0]],"bias":[0,0,0],"input":"sentence_embedding",
            "fit":{"l2":0.0003,"everyday_weight_multiplier":4,"class_weight":"balanced","target_recall":0.93}}"#;
        let head = Head::from_json(json).unwrap();
        assert_eq!(head.gate_index, Some(2));
        assert_eq!(head.gate_label(), Some("Everyday"));
        assert_eq!(head.fit.as_ref().unwrap().everyday_weight_multiplier, 4.0);
        assert_eq!(Head::from_json(&head.to_json()).unwrap(), head);
        assert!(
            !head.flags(&[0.1, 0.3, 0.6]),
            "gated: Everyday is the arg-max"
        );
        assert!(
            head.flags(&[0.1, 0.45, 0.45]),
            "tie goes to the first, Suicidal"
        );
        assert!(head.flags(&[0.6, 0.3, 0.1]));
        assert!(!head.flags(&[0.6, 0.3]), "wrong length never flags");
        let mut ceiling = head.clone();
        ceiling.gate_ceiling = Some(0.35);
        assert!(
            ceiling.flags(&[0.05, 0.4, 0.55]),
            "above the ceiling the gate never holds"
        );
        assert!(!ceiling.flags(&[0.1, 0.3, 0.6]));
        assert_eq!(Head::from_json(&ceiling.to_json()).unwrap(), ceiling);
        let bad_gate =
            br#"{"version":"v","labels":["a","b"],"suicidal_index":1,"threshold":0.2,"dim":1,
            "weights":[[1],[2]],"bias":[0,0],"gate_label":"c"}"#;
        assert!(matches!(Head::from_json(bad_gate), Err(MlError::Model(_))));
    }

    #[test]
    fn transposed_weights_are_accepted() {
        let json =
            br#"{"version":"v","labels":["a","b","c"],"suicidal_index":1,"threshold":0.2,"dim":2,
            "weights":[[1,2,3],[4,5,6]],"bias":[0,0,0],"input":"sentence_embedding"}"#;
        let head = Head::from_json(json).unwrap();
        assert_eq!(head.weights, vec![1.0, 4.0, 2.0, 5.0, 3.0, 6.0]);
    }

    #[test]
    fn predict_is_a_softmax() {
        let mut head = template(2);
        head.weights = vec![1.0, 0.0, 0.0, 1.0, 0.0, 0.0];
        let p = head.predict(&[3.0, 0.0]);
        assert!((p.iter().sum::<f32>() - 1.0).abs() < 1e-6);
        assert_eq!(argmax(&p), 0);
        let expected = 3.0_f64.exp() / (3.0_f64.exp() + 2.0);
        assert!((f64::from(p[0]) - expected).abs() < 1e-6);
        // Huge logits stay finite.
        let p = head.predict(&[1e30, 0.0]);
        assert!(p.iter().all(|v| v.is_finite()));
    }

    #[test]
    fn fit_learns_separable_classes_deterministically() {
        let train = clusters(40, 7);
        let head = template(4).fit(&train, 1e-3, 300, 42);
        let again = template(4).fit(&train, 1e-3, 300, 42);
        assert_eq!(head, again, "same inputs, same head");
        let test = clusters(30, 99);
        let rows: Vec<EvalRow> = test
            .iter()
            .map(|(x, y, _)| EvalRow {
                embedding: x,
                label: *y,
                in_subset: *y == 0,
            })
            .collect();
        let m = head.evaluate(&rows);
        assert!(m.accuracy > 0.95, "{m:?}");
        assert!(m.macro_f1 > 0.95);
        assert!(m.suicide_recall > 0.95);
        assert!(m.flagged_rate < 0.05);
        assert_eq!(m.suicidal_rows, 30);
        assert_eq!(m.subset_rows, 30);
        assert_eq!(m.confusion.iter().flatten().sum::<u32>(), 90);
    }

    #[test]
    fn sample_weights_matter() {
        // The same point labelled both ways: the heavier label wins.
        let x = vec![1.0, 0.0, 0.0, 0.0];
        let train = vec![(x.clone(), 0, 1.0), (x.clone(), 2, 5.0)];
        let head = template(4).fit(&train, 1e-3, 200, 1);
        assert_eq!(argmax(&head.predict(&x)), 2);
    }

    #[test]
    fn fit_skips_bad_rows_and_survives_no_data() {
        let train = vec![
            (vec![1.0; 3], 0, 1.0),
            (vec![1.0; 4], 9, 1.0),
            (vec![1.0; 4], 0, -1.0),
        ];
        let head = template(4).fit(&train, 1e-3, 10, 1);
        assert!(head.weights.iter().all(|w| w.abs() < 1e-3));
        let p = head.predict(&[0.0; 4]);
        assert!((p.iter().sum::<f32>() - 1.0).abs() < 1e-6);
    }

    #[test]
    fn evaluate_counts_by_hand() {
        let mut head = template(1);
        // Class by sign: x > 0 -> Suicidal, x < 0 -> Normal.
        head.weights = vec![-5.0, 0.0, 5.0];
        let pos = [1.0_f32];
        let neg = [-1.0_f32];
        let rows = [
            EvalRow {
                embedding: &pos,
                label: 2,
                in_subset: false,
            },
            EvalRow {
                embedding: &neg,
                label: 2,
                in_subset: false,
            },
            EvalRow {
                embedding: &neg,
                label: 0,
                in_subset: true,
            },
            EvalRow {
                embedding: &pos,
                label: 0,
                in_subset: true,
            },
        ];
        let m = head.evaluate(&rows);
        assert_eq!(
            m.confusion,
            vec![vec![1, 0, 1], vec![0, 0, 0], vec![1, 0, 1]]
        );
        assert_eq!(m.suicide_recall, 0.5);
        assert_eq!(m.flagged_rate, 0.5);
        assert_eq!(m.per_class[2].precision, 0.5);
        assert_eq!(m.per_class[1].support, 0);
        assert_eq!(m.macro_f1, 0.5);
    }
}
