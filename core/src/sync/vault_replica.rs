//! The sync engine's view of a plain vault (the desktop wraps its session
//! the same way, waiting while the vault is locked).

use crate::HasCode;
use crate::portal::Publication;
use crate::records::portal;
use crate::replica::{self, Limits, ReplicaError};
use crate::sync::engine::{Replica, ReplicaFault};
use crate::sync::log::{Blob, BlobId, Entry};
use crate::sync::proto::{SealedSubmission, UploadResult};
use crate::vault::Vault;

fn fault(e: ReplicaError) -> ReplicaFault {
    tracing::warn!(code = %e.code(), "sync could not use the vault");
    ReplicaFault { code: e.code() }
}

impl Replica for Vault {
    fn cursor(&mut self) -> Result<u64, ReplicaFault> {
        replica::cursor(self).map_err(fault)
    }

    fn apply(&mut self, entries: &[Entry]) -> Result<bool, ReplicaFault> {
        replica::apply(self, entries)
            .map(|a| a.rewound)
            .map_err(fault)
    }

    fn outgoing(
        &mut self,
        max_blobs: usize,
        max_blob_bytes: usize,
    ) -> Result<Vec<Blob>, ReplicaFault> {
        replica::outgoing(
            self,
            Limits {
                max_blobs,
                max_blob_bytes,
            },
        )
        .map_err(fault)
    }

    fn acknowledge(&mut self, results: &[(BlobId, UploadResult)]) -> Result<(), ReplicaFault> {
        replica::acknowledge(self, results).map_err(fault)
    }

    fn pending_uploads(&mut self) -> Result<u64, ReplicaFault> {
        replica::pending_uploads(self).map_err(fault)
    }

    fn resume(&mut self) -> Result<(), ReplicaFault> {
        replica::retry_refused(self).map_err(fault)?;
        portal::retry_refused(self).map_err(|e| fault(e.into()))
    }

    fn portal_outgoing(&mut self, max: usize) -> Result<Vec<(i64, Publication)>, ReplicaFault> {
        portal::outbox(self, max).map_err(|e| fault(e.into()))
    }

    fn portal_sent(&mut self, ords: &[i64], refused: Option<&str>) -> Result<(), ReplicaFault> {
        let done = match refused {
            None => portal::sent(self, ords),
            Some(code) => ords
                .iter()
                .try_for_each(|ord| portal::refused(self, *ord, code)),
        };
        done.map_err(|e| fault(e.into()))
    }

    fn portal_receive(&mut self, items: &[SealedSubmission]) -> Result<Vec<String>, ReplicaFault> {
        let received = portal::receive(self, items).map_err(fault)?;
        if !received.safety_alerts.is_empty() {
            tracing::warn!(
                count = received.safety_alerts.len(),
                "a portal questionnaire raised the safety alert"
            );
        }
        Ok(received.done)
    }
}
