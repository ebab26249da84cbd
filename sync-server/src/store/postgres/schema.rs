//! The PostgreSQL schema: the same tables and columns as SQLite's
//! (`sqlite/schema.rs`), in PostgreSQL's types.

/// Created on open when missing.
pub const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS log_head (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    head BIGINT NOT NULL
);
INSERT INTO log_head (id, head) VALUES (1, 0) ON CONFLICT DO NOTHING;

CREATE TABLE IF NOT EXISTS devices (
    id TEXT PRIMARY KEY,
    member TEXT NOT NULL,
    name TEXT NOT NULL,
    age_recipient TEXT NOT NULL,
    pairing_proof BYTEA,
    enrolled_ms BIGINT NOT NULL,
    enrolled_seq BIGINT NOT NULL,
    revoked_ms BIGINT,
    revoked_seq BIGINT,
    last_seen_ms BIGINT,
    paired_by TEXT,
    stored_bytes BIGINT NOT NULL DEFAULT 0
);

-- by_device is NULL for an admin invite.
CREATE TABLE IF NOT EXISTS invites (
    token_hash BYTEA PRIMARY KEY,
    member TEXT NOT NULL,
    by_device TEXT REFERENCES devices (id),
    expires_ms BIGINT NOT NULL,
    created_ms BIGINT NOT NULL,
    used_ms BIGINT,
    used_by TEXT
);

CREATE TABLE IF NOT EXISTS entries (
    seq BIGINT PRIMARY KEY,
    from_device TEXT REFERENCES devices (id),
    at_ms BIGINT NOT NULL,
    kind TEXT NOT NULL,
    blob_id BYTEA,
    doc TEXT,
    epoch BIGINT,
    to_device TEXT,
    covers BIGINT,
    key_id BYTEA,
    body BYTEA NOT NULL
);
CREATE INDEX IF NOT EXISTS entries_by_doc ON entries (doc, seq);
CREATE INDEX IF NOT EXISTS entries_by_to ON entries (to_device, seq);
CREATE INDEX IF NOT EXISTS entries_by_from ON entries (from_device);

-- Every blob id ever stored, kept after compaction so a retry still gets
-- its original sequence number.
CREATE TABLE IF NOT EXISTS blob_ids (
    id BYTEA PRIMARY KEY,
    device TEXT NOT NULL,
    seq BIGINT NOT NULL
);

CREATE TABLE IF NOT EXISTS doc_readers (
    doc TEXT NOT NULL,
    device TEXT NOT NULL REFERENCES devices (id),
    PRIMARY KEY (doc, device)
);
CREATE INDEX IF NOT EXISTS doc_readers_by_device ON doc_readers (device, doc);

CREATE TABLE IF NOT EXISTS doc_keys (
    doc TEXT NOT NULL,
    epoch BIGINT NOT NULL,
    key_id BYTEA NOT NULL,
    PRIMARY KEY (doc, epoch)
);
-- Documents a revoked device could read, and the newest epoch it held.
CREATE TABLE IF NOT EXISTS doc_rotations (
    doc TEXT PRIMARY KEY,
    compromised_epoch BIGINT NOT NULL
);
";
