//! The SQLite schema; PostgreSQL's (`postgres/schema.rs`) has the same
//! tables and columns.

/// Created on open when missing.
pub const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS log_head (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    head INTEGER NOT NULL
);
INSERT OR IGNORE INTO log_head (id, head) VALUES (1, 0);

CREATE TABLE IF NOT EXISTS devices (
    id TEXT PRIMARY KEY,
    member TEXT NOT NULL,
    name TEXT NOT NULL,
    age_recipient TEXT NOT NULL,
    pairing_proof BLOB,
    enrolled_ms INTEGER NOT NULL,
    enrolled_seq INTEGER NOT NULL,
    revoked_ms INTEGER,
    revoked_seq INTEGER,
    last_seen_ms INTEGER,
    paired_by TEXT,
    stored_bytes INTEGER NOT NULL DEFAULT 0
);

-- by_device is NULL for an admin invite.
CREATE TABLE IF NOT EXISTS invites (
    token_hash BLOB PRIMARY KEY,
    member TEXT NOT NULL,
    by_device TEXT REFERENCES devices (id),
    expires_ms INTEGER NOT NULL,
    created_ms INTEGER NOT NULL,
    used_ms INTEGER,
    used_by TEXT
);

CREATE TABLE IF NOT EXISTS entries (
    seq INTEGER PRIMARY KEY,
    from_device TEXT REFERENCES devices (id),
    at_ms INTEGER NOT NULL,
    kind TEXT NOT NULL,
    blob_id BLOB,
    doc TEXT,
    epoch INTEGER,
    to_device TEXT,
    covers INTEGER,
    key_id BLOB,
    body BLOB NOT NULL
);
CREATE INDEX IF NOT EXISTS entries_by_doc ON entries (doc, seq);
CREATE INDEX IF NOT EXISTS entries_by_to ON entries (to_device, seq);
CREATE INDEX IF NOT EXISTS entries_by_from ON entries (from_device);

-- Every blob id ever stored, kept after compaction so a retry still gets
-- its original sequence number.
CREATE TABLE IF NOT EXISTS blob_ids (
    id BLOB PRIMARY KEY,
    device TEXT NOT NULL,
    seq INTEGER NOT NULL
);

CREATE TABLE IF NOT EXISTS doc_readers (
    doc TEXT NOT NULL,
    device TEXT NOT NULL REFERENCES devices (id),
    PRIMARY KEY (doc, device)
);
CREATE INDEX IF NOT EXISTS doc_readers_by_device ON doc_readers (device, doc);

CREATE TABLE IF NOT EXISTS doc_keys (
    doc TEXT NOT NULL,
    epoch INTEGER NOT NULL,
    key_id BLOB NOT NULL,
    PRIMARY KEY (doc, epoch)
);
-- Documents a revoked device could read, and the newest epoch it held.
CREATE TABLE IF NOT EXISTS doc_rotations (
    doc TEXT PRIMARY KEY,
    compromised_epoch INTEGER NOT NULL
);
";
