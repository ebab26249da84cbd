//! Saving and loading Automerge documents through the vault.

use automerge::AutoCommit;
use rusqlite::Transaction;

use crate::vault::{Vault, VaultError};

impl Vault {
    /// Saves `doc` as record `id` of `kind` and runs `project` in the same
    /// transaction, so the stored document and its projection never disagree.
    pub fn save_document(
        &mut self,
        id: &str,
        kind: &str,
        doc: &mut AutoCommit,
        project: impl FnOnce(&Transaction<'_>) -> Result<(), VaultError>,
    ) -> Result<(), VaultError> {
        let bytes = doc.save();
        self.write_record_with(id, kind, &bytes, project)
    }

    /// Loads document `id`, applies `edit` and saves it with `project` run on
    /// `edit`'s result: [`Vault::load_document`], the edit and
    /// [`Vault::save_document`] in one transaction (the same audit entries,
    /// one commit). If `edit` or `project` fails nothing is written.
    pub fn update_document<T>(
        &mut self,
        id: &str,
        kind: &str,
        edit: impl FnOnce(&mut AutoCommit) -> Result<T, VaultError>,
        project: impl FnOnce(&Transaction<'_>, &T) -> Result<(), VaultError>,
    ) -> Result<T, VaultError> {
        self.modify_record_with(
            id,
            kind,
            |record| {
                let mut doc = AutoCommit::load(&record.body).map_err(|e| {
                    VaultError::Corrupt(format!("document {id} does not load: {e}"))
                })?;
                let out = edit(&mut doc)?;
                Ok((doc.save(), out))
            },
            project,
        )
    }

    /// Loads record `id` as a document (an audited read).
    pub fn load_document(&mut self, id: &str) -> Result<AutoCommit, VaultError> {
        let record = self.get_record(id)?;
        AutoCommit::load(&record.body)
            .map_err(|e| VaultError::Corrupt(format!("document {id} does not load: {e}")))
    }
}

#[cfg(test)]
mod tests {
    use automerge::transaction::Transactable;
    use automerge::{ROOT, ReadDoc};

    use super::*;
    use crate::vault::test_support::quick_vault;

    #[test]
    fn a_document_round_trips_and_a_failed_projection_writes_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let mut vault = quick_vault(dir.path());
        let mut doc = AutoCommit::new();
        doc.put(ROOT, "title", "intake").unwrap();
        vault
            .save_document("doc-1", "test", &mut doc, |_| Ok(()))
            .unwrap();
        let loaded = vault.load_document("doc-1").unwrap();
        let (value, _) = loaded.get(ROOT, "title").unwrap().unwrap();
        assert_eq!(value.as_str(), Some("intake"));

        let mut doc2 = AutoCommit::new();
        let err = vault
            .save_document("doc-2", "test", &mut doc2, |_| {
                Err(VaultError::Invalid("projection refused".into()))
            })
            .unwrap_err();
        assert!(matches!(err, VaultError::Invalid(_)));
        assert!(!vault.has_record("doc-2").unwrap());
    }
}
