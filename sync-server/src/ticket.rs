//! Support tickets in the web store: opened by any signed-in account, read
//! and answered by admins.

use rusqlite::{Connection, OptionalExtension, params};

use crate::webstore::WebStoreError;

pub const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS support_tickets (
    id TEXT PRIMARY KEY,
    account_id TEXT NOT NULL,
    subject TEXT NOT NULL,
    body TEXT NOT NULL,
    opened_ms INTEGER NOT NULL,
    answer TEXT,
    answered_ms INTEGER,
    answered_by TEXT
);
CREATE INDEX IF NOT EXISTS support_tickets_by_account ON support_tickets(account_id, opened_ms);
";

#[derive(Debug, thiserror::Error)]
pub enum TicketStoreError {
    #[error(transparent)]
    Invalid(#[from] bloom_core::support::TicketError),
    #[error("no such ticket")]
    NotFound,
    #[error(transparent)]
    Store(#[from] WebStoreError),
}

impl From<rusqlite::Error> for TicketStoreError {
    fn from(e: rusqlite::Error) -> Self {
        TicketStoreError::Store(e.into())
    }
}

impl bloom_core::HasCode for TicketStoreError {
    fn code(&self) -> bloom_core::Code {
        match self {
            TicketStoreError::Invalid(e) => bloom_core::HasCode::code(e),
            TicketStoreError::NotFound => bloom_core::Code::PortalNotFound,
            TicketStoreError::Store(_) => bloom_core::Code::Internal,
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Ticket {
    pub id: String,
    pub account_id: String,
    pub subject: String,
    pub body: String,
    pub opened_ms: i64,
    pub answer: Option<String>,
    pub answered_ms: Option<i64>,
}

impl Ticket {
    pub fn is_open(&self) -> bool {
        self.answered_ms.is_none()
    }
}

fn new_id() -> Result<String, TicketStoreError> {
    let mut bytes = [0u8; 12];
    ring::rand::SecureRandom::fill(&ring::rand::SystemRandom::new(), &mut bytes)
        .map_err(|_| WebStoreError::Backend("the system random source failed".into()))?;
    Ok(bloom_core::hex::encode(&bytes))
}

/// Opens a ticket for `account_id`; returns its id.
pub fn open(
    conn: &Connection,
    account_id: &str,
    subject: &str,
    body: &str,
    now_ms: i64,
) -> Result<String, TicketStoreError> {
    let (subject, body) = bloom_core::support::validate(subject, body)?;
    let id = new_id()?;
    conn.execute(
        "INSERT INTO support_tickets (id, account_id, subject, body, opened_ms) VALUES (?1, ?2, ?3, ?4, ?5)",
        params![id, account_id, subject, body, now_ms],
    )?;
    Ok(id)
}

const COLUMNS: &str = "id, account_id, subject, body, opened_ms, answer, answered_ms";

fn row(r: &rusqlite::Row<'_>) -> rusqlite::Result<Ticket> {
    Ok(Ticket {
        id: r.get(0)?,
        account_id: r.get(1)?,
        subject: r.get(2)?,
        body: r.get(3)?,
        opened_ms: r.get(4)?,
        answer: r.get(5)?,
        answered_ms: r.get(6)?,
    })
}

/// The tickets `account_id` opened, newest first.
pub fn of_account(conn: &Connection, account_id: &str) -> Result<Vec<Ticket>, TicketStoreError> {
    let mut stmt = conn.prepare(&format!(
        "SELECT {COLUMNS} FROM support_tickets WHERE account_id = ?1 ORDER BY opened_ms DESC LIMIT 200"
    ))?;
    let rows = stmt
        .query_map(params![account_id], row)?
        .collect::<Result<_, _>>()?;
    Ok(rows)
}

/// Every ticket, open ones first, newest first (the console).
pub fn all(conn: &Connection) -> Result<Vec<Ticket>, TicketStoreError> {
    let mut stmt = conn.prepare(&format!(
        "SELECT {COLUMNS} FROM support_tickets ORDER BY answered_ms IS NOT NULL, opened_ms DESC LIMIT 500"
    ))?;
    let rows = stmt.query_map([], row)?.collect::<Result<_, _>>()?;
    Ok(rows)
}

/// How many tickets wait for an answer.
pub fn open_count(conn: &Connection) -> Result<u64, TicketStoreError> {
    let n: i64 = conn.query_row(
        "SELECT count(*) FROM support_tickets WHERE answered_ms IS NULL",
        [],
        |r| r.get(0),
    )?;
    Ok(n.max(0) as u64)
}

/// Answers and closes a ticket.
pub fn answer(
    conn: &Connection,
    id: &str,
    admin_id: &str,
    answer: &str,
    now_ms: i64,
) -> Result<(), TicketStoreError> {
    let (_, answer) = bloom_core::support::validate("-", answer)?;
    let found: Option<String> = conn
        .query_row(
            "SELECT id FROM support_tickets WHERE id = ?1",
            params![id],
            |r| r.get(0),
        )
        .optional()?;
    if found.is_none() {
        return Err(TicketStoreError::NotFound);
    }
    conn.execute(
        "UPDATE support_tickets SET answer = ?2, answered_ms = ?3, answered_by = ?4 WHERE id = ?1",
        params![id, answer, now_ms, admin_id],
    )?;
    Ok(())
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use crate::webstore::WebStore;

    #[test]
    fn a_ticket_is_opened_seen_by_its_author_only_and_answered() {
        let store = WebStore::open_in_memory().unwrap();
        store
            .run_blocking(|c| -> Result<(), TicketStoreError> {
                let id = open(c, "acct-a", " Can't log in ", "help", 10)?;
                open(c, "acct-b", "Invoice", "wrong amount", 11)?;
                assert_eq!(of_account(c, "acct-a")?.len(), 1);
                assert_eq!(of_account(c, "acct-a")?[0].subject, "Can't log in");
                assert_eq!(open_count(c)?, 2);
                answer(c, &id, "admin", "Reset sent", 20)?;
                assert_eq!(open_count(c)?, 1);
                assert!(!of_account(c, "acct-a")?[0].is_open());
                assert!(all(c)?[0].is_open(), "open tickets come first");
                assert!(matches!(
                    answer(c, "nope", "admin", "x", 1),
                    Err(TicketStoreError::NotFound)
                ));
                assert!(matches!(
                    open(c, "a", "", "x", 1),
                    Err(TicketStoreError::Invalid(_))
                ));
                Ok(())
            })
            .unwrap();
    }
}
