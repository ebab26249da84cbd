//! Storing a device's uploads in the log.

use bloom_core::sync::log::{Blob, DeviceId};
use bloom_core::sync::proto::{Message, UploadResult};
use bloom_core::{Code, HasCode};

use crate::quic::{QuicContext, now_ms};
use crate::store::{Appended, RelayStore};

/// The most blobs one upload may carry.
pub const MAX_BLOBS: usize = 256;

pub async fn handle<S: RelayStore>(
    ctx: &QuicContext<S>,
    from: &DeviceId,
    blobs: Vec<Blob>,
) -> Message {
    if blobs.is_empty() || blobs.len() > MAX_BLOBS {
        return Message::error(
            Code::SyncBlobInvalid,
            format!("an upload carries 1 to {MAX_BLOBS} blobs"),
        );
    }
    let count = blobs.len();
    match ctx.store.append(from, blobs, now_ms()).await {
        Ok(appended) if appended.len() == count => {
            let results = appended
                .into_iter()
                .map(|a| match a {
                    Appended::Stored { seq } => {
                        ctx.metrics.blob_stored();
                        UploadResult::Stored { seq }
                    }
                    Appended::Duplicate { seq } => UploadResult::Duplicate { seq },
                    Appended::Refused(why) => {
                        ctx.metrics.frame_error(why.code());
                        UploadResult::Refused {
                            code: why.code().as_str().to_owned(),
                            message: why.to_string(),
                        }
                    }
                })
                .collect();
            Message::Uploaded { results }
        }
        Ok(_) => Message::error(
            Code::Internal,
            "the store answered for the wrong number of blobs",
        ),
        Err(e) => {
            tracing::warn!(code = %e.code(), device = %from, "upload failed");
            Message::error(e.code(), "the relay could not store the upload")
        }
    }
}
