//! On-device ML: the mh7 indicator model, run on the therapist's machine.
//!
//! - [`runtime`] finds and loads ONNX Runtime (`libonnxruntime`) at run time. When it is
//!   missing or the wrong version, ML is off and everything else in Bloom works.
//! - [`encoder`] runs the fused int8 MiniLM-L6 encoder + 7-class head: text in, a
//!   384-dim sentence embedding and the shipped head's probabilities out.
//! - [`head`] is a linear softmax head over the embedding that can be loaded from
//!   `head.json`, re-fitted on the device and evaluated.
//! - [`base_data`] reads `base_embeddings.bin`, the base training set as int8 embeddings.
//! - [`refit`] re-fits the head on base data plus the therapist's corrections and keeps the
//!   new head only when it is no worse on the held-out split.
//! - [`risk`] turns head probabilities into a flag, with an explicit-phrase layer that can
//!   raise the flag but never lower it.
//!
//! Message text never appears in errors or logs: errors name files, sizes and positions in a
//! batch, never content.

pub mod base_data;
pub mod encoder;
pub mod head;
pub mod refit;
pub mod risk;
pub mod runtime;

pub use base_data::{BaseData, BaseRow, Kind, Split};
pub use encoder::{Batching, Encoded, Encoder, EncoderOptions, ModelLabels};
pub use head::{ClassMetrics, EvalRow, FitSpec, Head, Metrics};
pub use refit::{Correction, HeldOutScores, RefitOutcome, RefitParams, refit};
pub use risk::{RiskAssessment, assess};
pub use runtime::Availability;

use crate::{Code, HasCode};

/// Width of the sentence embedding.
pub const EMBEDDING_DIM: usize = 384;
/// Longest input in tokens (special tokens included); longer text is truncated.
pub const MAX_TOKENS: usize = 256;

/// What can go wrong with on-device ML. Messages never contain the text being classified.
#[derive(Debug, thiserror::Error)]
pub enum MlError {
    /// The runtime library or a model file is missing or cannot be loaded; the message names
    /// the file and says why.
    #[error("on-device ML is unavailable: {0}")]
    Unavailable(String),
    /// A model, tokenizer, labels, head or embeddings file is invalid.
    #[error("invalid model data: {0}")]
    Model(String),
    /// Running the model failed.
    #[error("inference failed: {0}")]
    Inference(String),
}

impl HasCode for MlError {
    fn code(&self) -> Code {
        match self {
            MlError::Unavailable(_) => Code::MlUnavailable,
            MlError::Model(_) => Code::MlModel,
            MlError::Inference(_) => Code::MlInference,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn errors_have_their_codes() {
        assert_eq!(
            MlError::Unavailable("x".into()).code().as_str(),
            "ml.unavailable"
        );
        assert_eq!(MlError::Model("x".into()).code().as_str(), "ml.model");
        assert_eq!(
            MlError::Inference("x".into()).code().as_str(),
            "ml.inference"
        );
    }
}
