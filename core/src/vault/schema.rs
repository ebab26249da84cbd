//! The vault's schema, versioned in code. Each migration runs in its own
//! transaction together with the version bump, so a crash mid-upgrade leaves
//! the previous version intact.

use rusqlite::Connection;

use super::error::VaultError;

/// Migrations in order; index + 1 is the version each one produces.
const MIGRATIONS: &[&str] = &[
    // 1: settings, records and the hash-chained audit log.
    r#"
    CREATE TABLE settings (
        key   TEXT PRIMARY KEY,
        value TEXT NOT NULL
    ) STRICT;
    CREATE TABLE records (
        id         TEXT PRIMARY KEY,
        kind       TEXT NOT NULL,
        body       BLOB NOT NULL,
        updated_ms INTEGER NOT NULL
    ) STRICT;
    CREATE TABLE audit_log (
        seq       INTEGER PRIMARY KEY,
        at_ms     INTEGER NOT NULL,
        actor     TEXT NOT NULL,
        device    TEXT NOT NULL,
        action    TEXT NOT NULL,
        record_id TEXT NOT NULL,
        prev_hash BLOB NOT NULL,
        hash      BLOB NOT NULL
    ) STRICT;
    CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
        BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
    CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
        BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
    "#,
    // 2: attachments, removed with their record.
    r#"
    CREATE TABLE attachments (
        record_id  TEXT NOT NULL REFERENCES records(id) ON DELETE CASCADE,
        name       TEXT NOT NULL,
        media_type TEXT NOT NULL,
        size       INTEGER NOT NULL,
        added_ms   INTEGER NOT NULL,
        PRIMARY KEY (record_id, name)
    ) STRICT;
    CREATE INDEX attachments_by_name ON attachments(name);
    "#,
    // 3: the client list, a projection of the client chart documents.
    r#"
    CREATE TABLE clients (
        id           TEXT PRIMARY KEY REFERENCES records(id) ON DELETE CASCADE,
        display_name TEXT NOT NULL,
        status       TEXT NOT NULL,
        updated_ms   INTEGER NOT NULL
    ) STRICT;
    CREATE INDEX clients_by_name ON clients(display_name COLLATE NOCASE);
    "#,
    // 4: scored questionnaires, a projection of the assessment documents.
    r#"
    CREATE TABLE assessments (
        id           TEXT PRIMARY KEY REFERENCES records(id) ON DELETE CASCADE,
        client_id    TEXT NOT NULL REFERENCES clients(id) ON DELETE CASCADE,
        instrument   TEXT NOT NULL,
        total        INTEGER NOT NULL,
        severity     TEXT NOT NULL,
        safety_alert INTEGER NOT NULL,
        taken_ms     INTEGER NOT NULL
    ) STRICT;
    CREATE INDEX assessments_by_client ON assessments(client_id, instrument, taken_ms);
    "#,
    // 5: notes, appointments, psychotherapy notes (no text) and the full-text index.
    r#"
    CREATE TABLE notes (
        id         TEXT PRIMARY KEY REFERENCES records(id) ON DELETE CASCADE,
        client_id  TEXT NOT NULL REFERENCES clients(id) ON DELETE CASCADE,
        template   TEXT NOT NULL,
        session_ms INTEGER NOT NULL,
        signed_ms  INTEGER,
        signed_by  TEXT,
        addenda    INTEGER NOT NULL,
        updated_ms INTEGER NOT NULL
    ) STRICT;
    CREATE INDEX notes_by_client ON notes(client_id, session_ms);
    CREATE TABLE appointments (
        id           TEXT PRIMARY KEY,
        series_id    TEXT NOT NULL REFERENCES records(id) ON DELETE CASCADE,
        client_id    TEXT NOT NULL REFERENCES clients(id) ON DELETE CASCADE,
        start_ms     INTEGER NOT NULL,
        end_ms       INTEGER NOT NULL,
        status       TEXT NOT NULL,
        service_code TEXT NOT NULL,
        fee_cents    INTEGER NOT NULL,
        modality     TEXT NOT NULL,
        recurring    INTEGER NOT NULL
    ) STRICT;
    CREATE INDEX appointments_by_start ON appointments(start_ms);
    CREATE INDEX appointments_by_client ON appointments(client_id, start_ms);
    CREATE INDEX appointments_by_series ON appointments(series_id);
    CREATE TABLE psychotherapy_notes (
        id         TEXT PRIMARY KEY REFERENCES records(id) ON DELETE CASCADE,
        client_id  TEXT NOT NULL REFERENCES clients(id) ON DELETE CASCADE,
        created_ms INTEGER NOT NULL
    ) STRICT;
    CREATE INDEX psychotherapy_notes_by_client ON psychotherapy_notes(client_id, created_ms);
    CREATE TABLE search_docs (
        id        INTEGER PRIMARY KEY,
        record_id TEXT NOT NULL UNIQUE REFERENCES records(id) ON DELETE CASCADE,
        client_id TEXT NOT NULL,
        kind      TEXT NOT NULL
    ) STRICT;
    CREATE VIRTUAL TABLE search_index USING fts5(
        title, body, tokenize = 'unicode61 remove_diacritics 2'
    );
    CREATE TRIGGER search_docs_gone AFTER DELETE ON search_docs
        BEGIN DELETE FROM search_index WHERE rowid = old.id; END;
    "#,
    // 6: the calendar's time index covers every column the week view reads, so
    // a week is one contiguous index range rather than a table lookup per
    // occurrence (occurrences are stored series by series, scattered in time).
    r#"
    DROP INDEX appointments_by_start;
    CREATE INDEX appointments_by_start ON appointments(
        start_ms, end_ms, client_id, status, service_code, fee_cents, modality, recurring,
        series_id, id
    );
    "#,
    // 7: journal entries, on-device ML results with therapist feedback, embeddings.
    r#"
    CREATE TABLE journal_entries (
        id         TEXT PRIMARY KEY REFERENCES records(id) ON DELETE CASCADE,
        client_id  TEXT NOT NULL REFERENCES clients(id) ON DELETE CASCADE,
        written_ms INTEGER NOT NULL
    ) STRICT;
    CREATE INDEX journal_by_client ON journal_entries(client_id, written_ms);
    CREATE TABLE risk_results (
        record_id     TEXT PRIMARY KEY REFERENCES records(id) ON DELETE CASCADE,
        client_id     TEXT NOT NULL,
        source        TEXT NOT NULL,
        model_version TEXT NOT NULL,
        label         TEXT NOT NULL,
        suicide_score REAL NOT NULL,
        flagged       INTEGER NOT NULL,
        by_phrase     INTEGER NOT NULL,
        at_ms         INTEGER NOT NULL,
        feedback      TEXT,
        feedback_ms   INTEGER
    ) STRICT;
    CREATE INDEX risk_open_flags ON risk_results(flagged, feedback, at_ms);
    CREATE TABLE embeddings (
        record_id     TEXT PRIMARY KEY REFERENCES records(id) ON DELETE CASCADE,
        model_version TEXT NOT NULL,
        vector        BLOB NOT NULL
    ) STRICT;
    "#,
    // 8: sync. Which documents changed since they were last queued, each
    // document's sync state and keys (per epoch), the outbox of prepared blobs
    // (plaintext: the vault is encrypted; sealed when handed to the network),
    // entries received but not yet decryptable, the practice's devices as
    // this device knows them (with who paired them), the readers a revocation
    // left that this device still owes a new key, and what apply left for
    // later or flagged. `sync_dirty` and `sync_unprojected` name records (by
    // record id); every other sync table names documents by their sync id
    // (`replica::sync_doc_id`), the only id the relay sees, and `sync_docs`
    // and `sync_outbox` carry the record id beside it.
    r#"
    CREATE TABLE sync_dirty (
        doc TEXT PRIMARY KEY REFERENCES records(id) ON DELETE CASCADE
    ) STRICT;
    CREATE TABLE sync_docs (
        doc                    TEXT PRIMARY KEY,
        record                 TEXT,
        sent_heads             BLOB NOT NULL,
        epoch                  INTEGER NOT NULL,
        changes_since_snapshot INTEGER NOT NULL,
        awaiting_key           INTEGER NOT NULL,
        error                  TEXT
    ) STRICT;
    CREATE TABLE sync_keys (
        doc       TEXT NOT NULL,
        epoch     INTEGER NOT NULL,
        key       BLOB NOT NULL,
        key_id    BLOB NOT NULL,
        confirmed INTEGER NOT NULL,
        PRIMARY KEY (doc, epoch)
    ) STRICT;
    CREATE TABLE sync_outbox (
        ord           INTEGER PRIMARY KEY AUTOINCREMENT,
        blob_id       BLOB NOT NULL UNIQUE,
        doc           TEXT NOT NULL,
        kind          TEXT NOT NULL,
        record        TEXT,
        record_kind   TEXT,
        covers        INTEGER,
        epoch         INTEGER,
        key_id        BLOB,
        to_device     TEXT,
        body          BLOB NOT NULL,
        sealed_epoch  INTEGER,
        refused_epoch INTEGER,
        error         TEXT
    ) STRICT;
    CREATE INDEX sync_outbox_by_doc ON sync_outbox(doc, kind);
    CREATE TABLE sync_pending (
        seq   INTEGER PRIMARY KEY,
        doc   TEXT NOT NULL,
        entry BLOB NOT NULL
    ) STRICT;
    CREATE INDEX sync_pending_by_doc ON sync_pending(doc);
    CREATE TABLE sync_devices (
        id            TEXT PRIMARY KEY,
        member        TEXT NOT NULL,
        name          TEXT NOT NULL,
        age_recipient TEXT NOT NULL,
        enrolled_ms   INTEGER NOT NULL,
        revoked_ms    INTEGER,
        vouched       INTEGER NOT NULL,
        paired_by     TEXT
    ) STRICT;
    CREATE TABLE sync_owed (
        doc    TEXT NOT NULL,
        epoch  INTEGER NOT NULL,
        reader TEXT NOT NULL,
        done   INTEGER NOT NULL,
        PRIMARY KEY (doc, epoch, reader)
    ) STRICT;
    CREATE TABLE sync_pairings (
        token_hash BLOB PRIMARY KEY,
        secret     BLOB NOT NULL,
        expires_ms INTEGER NOT NULL
    ) STRICT;
    CREATE TABLE sync_unprojected (
        doc  TEXT PRIMARY KEY REFERENCES records(id) ON DELETE CASCADE,
        code TEXT NOT NULL
    ) STRICT;
    CREATE TABLE sync_warnings (
        id     INTEGER PRIMARY KEY,
        at_ms  INTEGER NOT NULL,
        kind   TEXT NOT NULL,
        code   TEXT NOT NULL,
        doc    TEXT NOT NULL,
        device TEXT NOT NULL,
        seq    INTEGER NOT NULL,
        UNIQUE (kind, doc, device, seq)
    ) STRICT;
    "#,
    // 9: the portal channel. The outbox of publications (postcard, plain
    // inside the encrypted vault) waiting for the relay, in order; which
    // portal id names which client (projected from the chart); and the
    // projections of patient messages, booking requests and form submissions.
    r#"
    CREATE TABLE portal_outbox (
        ord        INTEGER PRIMARY KEY AUTOINCREMENT,
        kind       TEXT NOT NULL,
        item       BLOB NOT NULL,
        created_ms INTEGER NOT NULL,
        error      TEXT
    ) STRICT;
    CREATE TABLE portal_links (
        portal_id TEXT PRIMARY KEY,
        client_id TEXT NOT NULL UNIQUE REFERENCES clients(id) ON DELETE CASCADE
    ) STRICT;
    CREATE TABLE portal_messages (
        id          TEXT PRIMARY KEY REFERENCES records(id) ON DELETE CASCADE,
        client_id   TEXT NOT NULL REFERENCES clients(id) ON DELETE CASCADE,
        from_client INTEGER NOT NULL,
        sent_ms     INTEGER NOT NULL,
        unread      INTEGER NOT NULL
    ) STRICT;
    CREATE INDEX portal_messages_by_client ON portal_messages(client_id, sent_ms);
    CREATE TABLE booking_requests (
        id        TEXT PRIMARY KEY REFERENCES records(id) ON DELETE CASCADE,
        client_id TEXT NOT NULL REFERENCES clients(id) ON DELETE CASCADE,
        kind      TEXT NOT NULL,
        start_ms  INTEGER NOT NULL,
        end_ms    INTEGER NOT NULL,
        status    TEXT NOT NULL,
        sent_ms   INTEGER NOT NULL
    ) STRICT;
    CREATE INDEX booking_requests_by_status ON booking_requests(status, sent_ms);
    CREATE TABLE form_submissions (
        id        TEXT PRIMARY KEY REFERENCES records(id) ON DELETE CASCADE,
        client_id TEXT NOT NULL REFERENCES clients(id) ON DELETE CASCADE,
        form      TEXT NOT NULL,
        sent_ms   INTEGER NOT NULL
    ) STRICT;
    CREATE INDEX form_submissions_by_client ON form_submissions(client_id, sent_ms);
    "#,
];

/// The version a fully migrated vault has.
pub const LATEST: u32 = MIGRATIONS.len() as u32;

pub fn version(conn: &Connection) -> Result<u32, VaultError> {
    Ok(conn.query_row("PRAGMA user_version", [], |r| r.get(0))?)
}

/// Brings the schema up to `target` (at most [`LATEST`]).
pub fn migrate_to(conn: &mut Connection, target: u32) -> Result<(), VaultError> {
    let current = version(conn)?;
    if current > LATEST {
        return Err(VaultError::Corrupt(format!(
            "the vault was made by a newer Bloom (schema {current}, this build knows {LATEST})"
        )));
    }
    for (index, sql) in MIGRATIONS.iter().enumerate() {
        let v = index as u32 + 1;
        if v <= current || v > target {
            continue;
        }
        let tx = conn.transaction()?;
        tx.execute_batch(sql)?;
        tx.pragma_update(None, "user_version", v)?;
        tx.commit()?;
        tracing::info!(version = v, "vault schema migrated");
    }
    Ok(())
}
