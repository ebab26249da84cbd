//! The client chart document: names and case status with its history. Other
//! parts of the chart (contacts, insurance, diagnoses, plan, consents) join it
//! as the records work continues.
//!
//! Document layout (Automerge map at the root):
//! `given_name`, `family_name`, `preferred_name` (text scalars, last writer
//! wins per field), `status` (scalar), `status_history` (list of maps
//! `{status, at_ms, by}`; concurrent appends both survive), `consents` (list
//! of maps `{kind, action, at_ms, by}`; append-only, see [`crate::consent`]).

use automerge::transaction::Transactable;
use automerge::{AutoCommit, ObjId, ObjType, ROOT, ReadDoc};
use rusqlite::params;
use serde::{Deserialize, Serialize};

use crate::consent::{ConsentAction, ConsentKind, ConsentLog, ConsentRecord};
use crate::vault::{Vault, VaultError};

/// The record kind of client charts.
pub const KIND: &str = "client";

/// Where a client's case stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CaseStatus {
    Intake,
    Active,
    Paused,
    Closed,
    Transferred,
}

impl CaseStatus {
    pub const ALL: [CaseStatus; 5] = [
        CaseStatus::Intake,
        CaseStatus::Active,
        CaseStatus::Paused,
        CaseStatus::Closed,
        CaseStatus::Transferred,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            CaseStatus::Intake => "intake",
            CaseStatus::Active => "active",
            CaseStatus::Paused => "paused",
            CaseStatus::Closed => "closed",
            CaseStatus::Transferred => "transferred",
        }
    }

    pub fn parse(s: &str) -> Option<CaseStatus> {
        CaseStatus::ALL.into_iter().find(|c| c.as_str() == s)
    }
}

/// What the "new client" form sends.
#[derive(Clone)]
pub struct NewClient {
    pub given_name: String,
    pub family_name: String,
    pub preferred_name: Option<String>,
}

/// One row of the client list. Names are PHI: `Debug` shows only the id.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ClientSummary {
    pub id: String,
    pub display_name: String,
    pub status: CaseStatus,
    pub updated_ms: i64,
}

impl std::fmt::Debug for ClientSummary {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ClientSummary")
            .field("id", &self.id)
            .field("status", &self.status)
            .finish_non_exhaustive()
    }
}

/// One entry of the case status history.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct StatusChange {
    pub status: CaseStatus,
    pub at_ms: i64,
    pub by: String,
}

fn am(e: automerge::AutomergeError) -> VaultError {
    VaultError::Corrupt(format!("client chart: {e}"))
}

fn text(doc: &AutoCommit, obj: &ObjId, key: &str) -> Option<String> {
    let (value, _) = doc.get(obj, key).ok()??;
    value.as_str().map(str::to_owned)
}

fn int(doc: &AutoCommit, obj: &ObjId, key: &str) -> Option<i64> {
    let (value, _) = doc.get(obj, key).ok()??;
    value.as_i64()
}

/// "Preferred Family", or "Given Family" without a preferred name.
pub fn display_name(doc: &AutoCommit) -> String {
    let first = text(doc, &ROOT, "preferred_name")
        .filter(|p| !p.trim().is_empty())
        .or_else(|| text(doc, &ROOT, "given_name"))
        .unwrap_or_default();
    let family = text(doc, &ROOT, "family_name").unwrap_or_default();
    format!("{} {}", first.trim(), family.trim())
        .trim()
        .to_owned()
}

pub fn status(doc: &AutoCommit) -> Result<CaseStatus, VaultError> {
    text(doc, &ROOT, "status")
        .and_then(|s| CaseStatus::parse(&s))
        .ok_or_else(|| VaultError::Corrupt("client chart has no valid status".into()))
}

/// The status history, oldest first.
pub fn status_history(doc: &AutoCommit) -> Vec<StatusChange> {
    let Ok(Some((_, list))) = doc.get(ROOT, "status_history") else {
        return vec![];
    };
    let mut out: Vec<StatusChange> = (0..doc.length(&list))
        .filter_map(|i| {
            let (_, item) = doc.get(&list, i).ok()??;
            Some(StatusChange {
                status: CaseStatus::parse(&text(doc, &item, "status")?)?,
                at_ms: int(doc, &item, "at_ms")?,
                by: text(doc, &item, "by").unwrap_or_default(),
            })
        })
        .collect();
    // Entries merged from several devices come in list order; show them in time order.
    out.sort_by_key(|c| c.at_ms);
    out
}

fn append_status(
    doc: &mut AutoCommit,
    status: CaseStatus,
    at_ms: i64,
    by: &str,
) -> Result<(), VaultError> {
    doc.put(ROOT, "status", status.as_str()).map_err(am)?;
    let list = list(doc, "status_history")?;
    let at = doc.length(&list);
    let item = doc.insert_object(&list, at, ObjType::Map).map_err(am)?;
    doc.put(&item, "status", status.as_str()).map_err(am)?;
    doc.put(&item, "at_ms", at_ms).map_err(am)?;
    doc.put(&item, "by", by).map_err(am)?;
    Ok(())
}

/// The list at `key`, made if the document has none yet.
fn list(doc: &mut AutoCommit, key: &str) -> Result<ObjId, VaultError> {
    match doc.get(ROOT, key).map_err(am)? {
        Some((_, list)) => Ok(list),
        None => doc.put_object(ROOT, key, ObjType::List).map_err(am),
    }
}

/// The chart's consent history.
pub fn consents(doc: &AutoCommit) -> ConsentLog {
    let mut log = ConsentLog::new();
    let Ok(Some((_, list))) = doc.get(ROOT, "consents") else {
        return log;
    };
    for i in 0..doc.length(&list) {
        let Ok(Some((_, item))) = doc.get(&list, i) else {
            continue;
        };
        let kind = text(doc, &item, "kind").and_then(|k| ConsentKind::parse(&k));
        let action = match text(doc, &item, "action").as_deref() {
            Some("granted") => Some(ConsentAction::Granted),
            Some("revoked") => Some(ConsentAction::Revoked),
            _ => None,
        };
        if let (Some(kind), Some(action), Some(at_ms)) = (kind, action, int(doc, &item, "at_ms")) {
            log.record(ConsentRecord {
                kind,
                action,
                at_ms,
                recorded_by: text(doc, &item, "by").unwrap_or_default(),
            });
        }
    }
    log
}

/// Records that the client granted or revoked `kind`, effective now. Earlier
/// records are never changed.
pub fn record_consent(
    vault: &mut Vault,
    id: &str,
    kind: ConsentKind,
    action: ConsentAction,
) -> Result<(), VaultError> {
    let mut doc = vault.load_document(id)?;
    let list = list(&mut doc, "consents")?;
    let at = doc.length(&list);
    let item = doc.insert_object(&list, at, ObjType::Map).map_err(am)?;
    doc.put(&item, "kind", kind.as_str()).map_err(am)?;
    let action = match action {
        ConsentAction::Granted => "granted",
        ConsentAction::Revoked => "revoked",
    };
    doc.put(&item, "action", action).map_err(am)?;
    doc.put(&item, "at_ms", crate::vault::now_ms())
        .map_err(am)?;
    doc.put(&item, "by", vault.actor().user.as_str())
        .map_err(am)?;
    save(vault, id, &mut doc)
}

/// Whether the client has `kind` consented now: the one question every
/// feature that needs consent asks.
pub fn is_consented(vault: &mut Vault, id: &str, kind: ConsentKind) -> Result<bool, VaultError> {
    let doc = vault.load_document(id)?;
    Ok(consents(&doc).is_consented(kind, crate::vault::now_ms()))
}

fn summary(id: &str, doc: &AutoCommit, updated_ms: i64) -> Result<ClientSummary, VaultError> {
    Ok(ClientSummary {
        id: id.to_owned(),
        display_name: display_name(doc),
        status: status(doc)?,
        updated_ms,
    })
}

/// Upserts the list row; its time is the record's own, so a rebuild from the
/// documents yields exactly the same rows.
fn project(tx: &rusqlite::Transaction<'_>, row: &ClientSummary) -> Result<(), VaultError> {
    tx.execute(
        "INSERT INTO clients (id, display_name, status, updated_ms)
         SELECT ?1, ?2, ?3, updated_ms FROM records WHERE id = ?1
         ON CONFLICT(id) DO UPDATE SET display_name = ?2, status = ?3,
             updated_ms = excluded.updated_ms",
        params![row.id, row.display_name, row.status.as_str()],
    )?;
    Ok(())
}

fn save(vault: &mut Vault, id: &str, doc: &mut AutoCommit) -> Result<(), VaultError> {
    let row = summary(id, doc, 0)?;
    vault.save_document(id, KIND, doc, |tx| project(tx, &row))
}

/// Opens a chart for a new client (status: intake). Returns its id.
pub fn create_client(vault: &mut Vault, new: &NewClient) -> Result<String, VaultError> {
    if new.given_name.trim().is_empty() || new.family_name.trim().is_empty() {
        return Err(VaultError::Invalid(
            "a client needs a given name and a family name".into(),
        ));
    }
    let id = uuid::Uuid::new_v4().to_string();
    let mut doc = AutoCommit::new();
    doc.put(ROOT, "given_name", new.given_name.trim())
        .map_err(am)?;
    doc.put(ROOT, "family_name", new.family_name.trim())
        .map_err(am)?;
    if let Some(p) = new
        .preferred_name
        .as_deref()
        .filter(|p| !p.trim().is_empty())
    {
        doc.put(ROOT, "preferred_name", p.trim()).map_err(am)?;
    }
    let by = vault.actor().user.clone();
    append_status(&mut doc, CaseStatus::Intake, crate::vault::now_ms(), &by)?;
    save(vault, &id, &mut doc)?;
    Ok(id)
}

/// Moves a client's case to `status`, keeping the history.
pub fn set_status(vault: &mut Vault, id: &str, status: CaseStatus) -> Result<(), VaultError> {
    let mut doc = vault.load_document(id)?;
    let by = vault.actor().user.clone();
    append_status(&mut doc, status, crate::vault::now_ms(), &by)?;
    save(vault, id, &mut doc)
}

/// The client list, by name (reads the projection, not the documents).
pub fn list_clients(vault: &Vault) -> Result<Vec<ClientSummary>, VaultError> {
    let mut stmt = vault.connection().prepare(
        "SELECT id, display_name, status, updated_ms FROM clients
         ORDER BY display_name COLLATE NOCASE, id",
    )?;
    let rows = stmt.query_map([], |r| {
        Ok((
            r.get::<_, String>(0)?,
            r.get::<_, String>(1)?,
            r.get::<_, String>(2)?,
            r.get::<_, i64>(3)?,
        ))
    })?;
    let mut out = vec![];
    for row in rows {
        let (id, display_name, status, updated_ms) = row?;
        let status = CaseStatus::parse(&status)
            .ok_or_else(|| VaultError::Corrupt(format!("client {id} has status {status:?}")))?;
        out.push(ClientSummary {
            id,
            display_name,
            status,
            updated_ms,
        });
    }
    Ok(out)
}

/// Rebuilds the client list from the chart documents alone. A maintenance
/// step, not a person reading charts, so it is not audited per chart.
pub fn rebuild_projection(vault: &mut Vault) -> Result<u64, VaultError> {
    let charts: Vec<(String, Vec<u8>, i64)> = {
        let mut stmt = vault
            .connection()
            .prepare("SELECT id, body, updated_ms FROM records WHERE kind = ?1")?;
        let rows = stmt.query_map([KIND], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?;
        rows.collect::<Result<_, _>>()?
    };
    let mut rows = vec![];
    for (id, body, updated_ms) in charts {
        let doc = AutoCommit::load(&body)
            .map_err(|e| VaultError::Corrupt(format!("document {id} does not load: {e}")))?;
        rows.push(summary(&id, &doc, updated_ms)?);
    }
    let conn = vault.connection();
    conn.execute_batch("BEGIN IMMEDIATE; DELETE FROM clients;")?;
    for row in &rows {
        let inserted = conn.execute(
            "INSERT INTO clients (id, display_name, status, updated_ms) VALUES (?1, ?2, ?3, ?4)",
            params![
                row.id,
                row.display_name,
                row.status.as_str(),
                row.updated_ms
            ],
        );
        if let Err(e) = inserted {
            conn.execute_batch("ROLLBACK")?;
            return Err(e.into());
        }
    }
    conn.execute_batch("COMMIT")?;
    Ok(rows.len() as u64)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::vault::test_support::quick_vault as vault;

    fn new(given: &str, family: &str, preferred: Option<&str>) -> NewClient {
        NewClient {
            given_name: given.into(),
            family_name: family.into(),
            preferred_name: preferred.map(str::to_owned),
        }
    }

    #[test]
    fn a_new_client_is_in_intake_and_on_the_list() {
        let dir = tempfile::tempdir().unwrap();
        let mut v = vault(dir.path());
        let id = create_client(&mut v, &new("Margaret", "Okafor", Some("Maggie"))).unwrap();
        create_client(&mut v, &new("Ben", "Adams", None)).unwrap();
        let list = list_clients(&v).unwrap();
        let names: Vec<_> = list.iter().map(|c| c.display_name.as_str()).collect();
        assert_eq!(names, ["Ben Adams", "Maggie Okafor"]);
        assert!(list.iter().all(|c| c.status == CaseStatus::Intake));
        assert!(!format!("{list:?}").contains("Okafor"), "names in Debug");
        let doc = v.load_document(&id).unwrap();
        assert_eq!(status_history(&doc).len(), 1);
    }

    #[test]
    fn status_changes_keep_their_history_and_update_the_list() {
        let dir = tempfile::tempdir().unwrap();
        let mut v = vault(dir.path());
        let id = create_client(&mut v, &new("Ana", "Silva", None)).unwrap();
        set_status(&mut v, &id, CaseStatus::Active).unwrap();
        set_status(&mut v, &id, CaseStatus::Paused).unwrap();
        let doc = v.load_document(&id).unwrap();
        let history: Vec<_> = status_history(&doc).into_iter().map(|c| c.status).collect();
        assert_eq!(
            history,
            [CaseStatus::Intake, CaseStatus::Active, CaseStatus::Paused]
        );
        assert_eq!(list_clients(&v).unwrap()[0].status, CaseStatus::Paused);
    }

    #[test]
    fn consent_is_granted_then_revoked_and_the_history_stays() {
        let dir = tempfile::tempdir().unwrap();
        let mut v = vault(dir.path());
        let id = create_client(&mut v, &new("Ana", "Silva", None)).unwrap();
        assert!(!is_consented(&mut v, &id, ConsentKind::MlAnalysis).unwrap());
        record_consent(&mut v, &id, ConsentKind::MlAnalysis, ConsentAction::Granted).unwrap();
        assert!(is_consented(&mut v, &id, ConsentKind::MlAnalysis).unwrap());
        assert!(!is_consented(&mut v, &id, ConsentKind::PortalUse).unwrap());
        std::thread::sleep(std::time::Duration::from_millis(2));
        record_consent(&mut v, &id, ConsentKind::MlAnalysis, ConsentAction::Revoked).unwrap();
        assert!(!is_consented(&mut v, &id, ConsentKind::MlAnalysis).unwrap());
        let doc = v.load_document(&id).unwrap();
        assert_eq!(consents(&doc).records().len(), 2);
    }

    #[test]
    fn empty_names_are_refused() {
        let dir = tempfile::tempdir().unwrap();
        let mut v = vault(dir.path());
        let err = create_client(&mut v, &new("  ", "Silva", None)).unwrap_err();
        assert!(matches!(err, VaultError::Invalid(_)));
        assert!(list_clients(&v).unwrap().is_empty());
    }

    #[test]
    fn rebuilding_the_projection_gives_the_same_rows() {
        let dir = tempfile::tempdir().unwrap();
        let mut v = vault(dir.path());
        for (g, f) in [("Ana", "Silva"), ("Ben", "Adams"), ("Chen", "Li")] {
            let id = create_client(&mut v, &new(g, f, None)).unwrap();
            set_status(&mut v, &id, CaseStatus::Active).unwrap();
        }
        let before = list_clients(&v).unwrap();
        v.connection().execute("DELETE FROM clients", []).unwrap();
        assert!(list_clients(&v).unwrap().is_empty());
        assert_eq!(rebuild_projection(&mut v).unwrap(), 3);
        assert_eq!(list_clients(&v).unwrap(), before);
    }

    #[test]
    fn concurrent_edits_to_different_fields_and_statuses_all_survive() {
        let mut a = AutoCommit::new();
        a.put(ROOT, "given_name", "Ana").unwrap();
        a.put(ROOT, "family_name", "Silva").unwrap();
        append_status(&mut a, CaseStatus::Intake, 1, "Dr A").unwrap();
        let mut b = a.fork();
        // Offline on two devices: one fixes the name, the other changes status.
        a.put(ROOT, "family_name", "Silva-Costa").unwrap();
        append_status(&mut b, CaseStatus::Active, 2, "Dr B").unwrap();
        append_status(&mut a, CaseStatus::Paused, 3, "Dr A").unwrap();
        let mut ab = a.fork();
        ab.merge(&mut b).unwrap();
        let mut ba = b.fork();
        ba.merge(&mut a).unwrap();
        for doc in [&ab, &ba] {
            assert_eq!(display_name(doc), "Ana Silva-Costa");
            let history: Vec<_> = status_history(doc).into_iter().map(|c| c.status).collect();
            assert_eq!(
                history,
                [CaseStatus::Intake, CaseStatus::Active, CaseStatus::Paused]
            );
        }
        assert_eq!(status(&ab).unwrap(), status(&ba).unwrap());
    }
}
