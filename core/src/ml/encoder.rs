//! The fused encoder: text in, sentence embedding and the shipped head's probabilities out.
//!
//! A model directory holds `mh7_fused_int8.onnx` (inputs `input_ids` and `attention_mask`,
//! int64 `[batch, seq]`; outputs `sentence_embedding` `[batch, 384]` and `probabilities`
//! `[batch, classes]`), `tokenizer.json` and `labels.json`. Texts are tokenised one at a
//! time and truncated to [`MAX_TOKENS`].
//!
//! The model is int8 *dynamically* quantised: each MatMul quantises its activations with one
//! scale computed over the whole input tensor, i.e. over every row of the batch and its
//! padding. So in one padded run a text's outputs depend on its batch companions (measured
//! here: up to ~0.05 in an embedding component and ~0.08 in a probability, enough to move a
//! message across the 0.14 flag threshold). [`Batching::PerText`], the default, therefore
//! runs each text on its own: a text gets the same result alone or in any batch.
//! [`Batching::Padded`] runs the batch at once, padded to its longest member (pad id from the
//! tokenizer, mask 0), for throughput where that drift does not matter.

use std::path::{Path, PathBuf};
use std::sync::Mutex;

use ort::session::Session;
use ort::session::builder::GraphOptimizationLevel;
use ort::value::Tensor;
use serde::Deserialize;
use tokenizers::Tokenizer;
use tokenizers::utils::truncation::{TruncationDirection, TruncationParams, TruncationStrategy};

use super::{EMBEDDING_DIM, MAX_TOKENS, MlError, runtime};

pub const MODEL_FILE: &str = "mh7_fused_int8.onnx";
pub const TOKENIZER_FILE: &str = "tokenizer.json";
pub const LABELS_FILE: &str = "labels.json";

const INPUT_IDS: &str = "input_ids";
const ATTENTION_MASK: &str = "attention_mask";
const EMBEDDING_OUTPUT: &str = "sentence_embedding";
const PROBABILITIES_OUTPUT: &str = "probabilities";

/// `labels.json`: the class names in output order and the shipped flag threshold.
#[derive(Clone, Debug, PartialEq, Deserialize)]
pub struct ModelLabels {
    pub labels: Vec<String>,
    pub suicidal_index: usize,
    pub suicidal_flag_threshold: f32,
}

impl ModelLabels {
    pub fn load(path: &Path) -> Result<ModelLabels, MlError> {
        let bytes = read(path)?;
        let labels: ModelLabels = serde_json::from_slice(&bytes)
            .map_err(|e| MlError::Model(format!("{}: {e}", path.display())))?;
        if labels.labels.is_empty()
            || labels.suicidal_index >= labels.labels.len()
            || !(labels.suicidal_flag_threshold > 0.0 && labels.suicidal_flag_threshold <= 1.0)
        {
            return Err(MlError::Model(format!(
                "{}: needs labels, a suicidal_index among them and a threshold in (0, 1]",
                path.display()
            )));
        }
        Ok(labels)
    }
}

/// How a batch is run; see the module docs.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Batching {
    /// One model run per text: results never depend on the rest of the batch.
    #[default]
    PerText,
    /// One model run per batch, padded to the longest text. Faster; results shift slightly
    /// with the batch's other texts (dynamic int8 quantisation).
    Padded,
}

/// How the session runs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct EncoderOptions {
    /// Threads inside one operator: 1 for the lowest per-message latency next to other work,
    /// more for batch throughput.
    pub intra_threads: usize,
    pub batching: Batching,
}

impl Default for EncoderOptions {
    fn default() -> Self {
        EncoderOptions {
            intra_threads: 1,
            batching: Batching::PerText,
        }
    }
}

/// One text's outputs.
#[derive(Clone, Debug, PartialEq)]
pub struct Encoded {
    /// The sentence embedding, [`EMBEDDING_DIM`] values (the graph L2-normalises it).
    pub embedding: Vec<f32>,
    /// The shipped head's class probabilities, in [`ModelLabels::labels`] order.
    pub probabilities: Vec<f32>,
}

/// The loaded model. `encode` takes `&self`; runs are serialised inside (ONNX Runtime
/// sessions need exclusive access to run), so share one per thread pool or make one per
/// thread for parallel work.
pub struct Encoder {
    session: Mutex<Session>,
    tokenizer: Tokenizer,
    pad_id: i64,
    labels: ModelLabels,
    model_path: PathBuf,
    batching: Batching,
}

impl std::fmt::Debug for Encoder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Encoder")
            .field("model_path", &self.model_path)
            .field("labels", &self.labels)
            .finish_non_exhaustive()
    }
}

impl Encoder {
    /// Loads the model, tokenizer and labels from `model_dir` with one intra-op thread.
    pub fn load(model_dir: &Path) -> Result<Encoder, MlError> {
        Encoder::load_with(model_dir, EncoderOptions::default())
    }

    pub fn load_with(model_dir: &Path, options: EncoderOptions) -> Result<Encoder, MlError> {
        let model_path = model_dir.join(MODEL_FILE);
        let tokenizer_path = model_dir.join(TOKENIZER_FILE);
        let labels_path = model_dir.join(LABELS_FILE);
        for path in [&model_path, &tokenizer_path, &labels_path] {
            if !path.is_file() {
                return Err(MlError::Unavailable(format!(
                    "model file {} is missing",
                    path.display()
                )));
            }
        }
        let labels = ModelLabels::load(&labels_path)?;
        let mut tokenizer = Tokenizer::from_file(&tokenizer_path)
            .map_err(|e| MlError::Model(format!("{}: {e}", tokenizer_path.display())))?;
        tokenizer
            .with_truncation(Some(TruncationParams {
                direction: TruncationDirection::Right,
                max_length: MAX_TOKENS,
                strategy: TruncationStrategy::LongestFirst,
                stride: 0,
            }))
            .map_err(|e| MlError::Model(format!("{}: {e}", tokenizer_path.display())))?;
        let pad_id = tokenizer.get_padding().map_or(0, |p| i64::from(p.pad_id));
        // Padding is done here, per batch, not by the tokenizer.
        tokenizer.with_padding(None);

        let environment = runtime::environment()?;
        let model_err = |e: ort::Error<_>| MlError::Model(format!("{}: {e}", model_path.display()));
        let session = Session::builder(environment)
            .map_err(|e| MlError::Model(format!("{}: {e}", model_path.display())))?
            .with_optimization_level(GraphOptimizationLevel::Level3)
            .map_err(model_err)?
            .with_intra_threads(options.intra_threads.max(1))
            .map_err(model_err)?
            .with_inter_threads(1)
            .map_err(model_err)?
            .commit_from_file(&model_path)
            .map_err(|e| MlError::Model(format!("{}: {e}", model_path.display())))?;
        check_signature(&session, &model_path)?;
        Ok(Encoder {
            session: Mutex::new(session),
            tokenizer,
            pad_id,
            labels,
            model_path,
            batching: options.batching,
        })
    }

    pub fn labels(&self) -> &ModelLabels {
        &self.labels
    }

    /// Encodes a batch, one [`Encoded`] per text in order. Texts of any length are accepted
    /// (truncated to [`MAX_TOKENS`]); an empty batch gives an empty result.
    pub fn encode(&self, texts: &[&str]) -> Result<Vec<Encoded>, MlError> {
        if texts.is_empty() {
            return Ok(Vec::new());
        }
        let mut rows: Vec<Vec<u32>> = Vec::with_capacity(texts.len());
        for (i, text) in texts.iter().enumerate() {
            // The tokenizer's error could quote the input; only its position is reported.
            let encoding = self.tokenizer.encode_fast(*text, true).map_err(|_| {
                MlError::Inference(format!(
                    "text {i} of {} could not be tokenised",
                    texts.len()
                ))
            })?;
            rows.push(encoding.get_ids().to_vec());
        }
        match self.batching {
            Batching::Padded => self.run(&rows),
            Batching::PerText => {
                let mut out = Vec::with_capacity(rows.len());
                for row in rows.chunks(1) {
                    out.extend(self.run(row)?);
                }
                Ok(out)
            }
        }
    }

    /// One model run over `rows` of token ids, padded to the longest.
    fn run(&self, rows: &[Vec<u32>]) -> Result<Vec<Encoded>, MlError> {
        let batch = rows.len();
        let seq = rows.iter().map(Vec::len).max().unwrap_or(0).max(1);
        let mut ids = vec![self.pad_id; batch * seq];
        let mut mask = vec![0_i64; batch * seq];
        for (r, row) in rows.iter().enumerate() {
            for (c, id) in row.iter().enumerate() {
                ids[r * seq + c] = i64::from(*id);
                mask[r * seq + c] = 1;
            }
        }
        let infer = |e: ort::Error| MlError::Inference(e.to_string());
        let ids = Tensor::from_array(([batch, seq], ids)).map_err(infer)?;
        let mask = Tensor::from_array(([batch, seq], mask)).map_err(infer)?;
        let mut session = self
            .session
            .lock()
            .map_err(|_| MlError::Inference("an earlier run panicked".into()))?;
        let outputs = session
            .run(ort::inputs![INPUT_IDS => ids, ATTENTION_MASK => mask])
            .map_err(infer)?;
        let classes = self.labels.labels.len();
        let embeddings = output(&outputs, EMBEDDING_OUTPUT, batch, EMBEDDING_DIM)?;
        let probabilities = output(&outputs, PROBABILITIES_OUTPUT, batch, classes)?;
        Ok((0..batch)
            .map(|r| Encoded {
                embedding: embeddings[r * EMBEDDING_DIM..(r + 1) * EMBEDDING_DIM].to_vec(),
                probabilities: probabilities[r * classes..(r + 1) * classes].to_vec(),
            })
            .collect())
    }
}

fn output<'a>(
    outputs: &'a ort::session::SessionOutputs<'_>,
    name: &str,
    batch: usize,
    width: usize,
) -> Result<&'a [f32], MlError> {
    let value = outputs
        .get(name)
        .ok_or_else(|| MlError::Inference(format!("the model gave no {name}")))?;
    let (shape, data) = value
        .try_extract_tensor::<f32>()
        .map_err(|e| MlError::Inference(format!("{name}: {e}")))?;
    let expected = [batch as i64, width as i64];
    if **shape != expected || data.len() != batch * width {
        return Err(MlError::Inference(format!(
            "{name} has shape {:?}, expected {expected:?}",
            &**shape
        )));
    }
    Ok(data)
}

/// The graph must take exactly `input_ids` and `attention_mask` and give both outputs.
fn check_signature(session: &Session, path: &Path) -> Result<(), MlError> {
    let mut inputs: Vec<&str> = session.inputs().iter().map(|i| i.name()).collect();
    inputs.sort_unstable();
    if inputs != [ATTENTION_MASK, INPUT_IDS] {
        return Err(MlError::Model(format!(
            "{}: inputs are {inputs:?}, expected exactly {INPUT_IDS} and {ATTENTION_MASK}",
            path.display()
        )));
    }
    for name in [EMBEDDING_OUTPUT, PROBABILITIES_OUTPUT] {
        if !session.outputs().iter().any(|o| o.name() == name) {
            return Err(MlError::Model(format!(
                "{}: no output {name}",
                path.display()
            )));
        }
    }
    Ok(())
}

fn read(path: &Path) -> Result<Vec<u8>, MlError> {
    std::fs::read(path).map_err(|e| {
        if e.kind() == std::io::ErrorKind::NotFound {
            MlError::Unavailable(format!("model file {} is missing", path.display()))
        } else {
            MlError::Unavailable(format!("cannot read {}: {e}", path.display()))
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn missing_model_dir_is_unavailable_and_names_the_file() {
        let dir = tempfile::tempdir().unwrap();
        let err = Encoder::load(dir.path()).unwrap_err();
        assert!(matches!(err, MlError::Unavailable(_)));
        assert!(err.to_string().contains(MODEL_FILE), "{err}");
    }

    #[test]
    fn labels_must_be_consistent() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(LABELS_FILE);
        std::fs::write(
            &path,
            r#"{"labels":["a","b"],"suicidal_index":5,"suicidal_flag_threshold":0.1}"#,
        )
        .unwrap();
        assert!(matches!(ModelLabels::load(&path), Err(MlError::Model(_))));
        std::fs::write(&path, "garbage").unwrap();
        assert!(matches!(ModelLabels::load(&path), Err(MlError::Model(_))));
        std::fs::write(
            &path,
            r#"{"labels":["a","b"],"suicidal_index":1,"suicidal_flag_threshold":0.1}"#,
        )
        .unwrap();
        assert_eq!(ModelLabels::load(&path).unwrap().suicidal_index, 1);
    }
}
