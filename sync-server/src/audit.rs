//! The web side's audit log: who signed in, failed, was locked out, reset a
//! password, invited or signed up, and which portal records an account
//! touched. Entries carry opaque ids only — never passwords, tokens or
//! message text.

use rusqlite::{Connection, params};

use crate::webstore::WebStoreError;

pub const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS audit_log (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    at_ms INTEGER NOT NULL,
    account_id TEXT,
    action TEXT NOT NULL,
    object TEXT,
    ip TEXT
);
CREATE INDEX IF NOT EXISTS audit_log_at ON audit_log (at_ms);
CREATE INDEX IF NOT EXISTS audit_log_account ON audit_log (account_id, at_ms);
";

/// Accounts that touched more records than this in an hour are anomalies.
pub const ANOMALY_RECORDS_PER_HOUR: u64 = 50;

/// One thing that happened. `action` is a stable string (`login.ok`,
/// `login.failed`, `login.locked`, `totp.failed`, `password.reset`,
/// `invite.created`, `signup`, `portal.access`, `enrollment`, `revocation`,
/// `record.*` …); `object` an opaque id.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Event {
    pub at_ms: i64,
    pub account_id: Option<String>,
    pub action: String,
    pub object: Option<String>,
    pub ip: Option<String>,
}

impl Event {
    pub fn new(at_ms: i64, action: &str) -> Event {
        Event {
            at_ms,
            account_id: None,
            action: action.to_owned(),
            object: None,
            ip: None,
        }
    }

    pub fn account(mut self, id: &str) -> Event {
        self.account_id = Some(id.to_owned());
        self
    }

    pub fn object(mut self, id: &str) -> Event {
        self.object = Some(id.to_owned());
        self
    }

    /// A sync member acting through a device (no web account): shown as `member:NAME`.
    pub fn member(mut self, member: &str) -> Event {
        self.account_id = Some(format!("member:{member}"));
        self
    }

    pub fn ip(mut self, ip: Option<std::net::IpAddr>) -> Event {
        self.ip = ip.map(|ip| ip.to_string());
        self
    }
}

/// Which entries [`query`] returns (all conditions optional), newest first.
#[derive(Clone, Debug, Default)]
pub struct Filter {
    pub action: Option<String>,
    pub account: Option<String>,
    pub since_ms: Option<i64>,
    pub until_ms: Option<i64>,
    /// At most this many (default and cap 1000).
    pub limit: Option<u32>,
}

/// Appends one entry.
pub fn record(conn: &Connection, event: &Event) -> Result<(), WebStoreError> {
    conn.execute(
        "INSERT INTO audit_log (at_ms, account_id, action, object, ip) VALUES (?1, ?2, ?3, ?4, ?5)",
        params![
            event.at_ms,
            event.account_id,
            event.action,
            event.object,
            event.ip
        ],
    )?;
    Ok(())
}

/// Entries matching `filter`, newest first.
pub fn query(conn: &Connection, filter: &Filter) -> Result<Vec<Event>, WebStoreError> {
    let limit = filter.limit.unwrap_or(1000).min(1000);
    let mut stmt = conn.prepare(
        "SELECT at_ms, account_id, action, object, ip FROM audit_log
         WHERE (?1 IS NULL OR action = ?1) AND (?2 IS NULL OR account_id = ?2)
           AND (?3 IS NULL OR at_ms >= ?3) AND (?4 IS NULL OR at_ms < ?4)
         ORDER BY at_ms DESC, id DESC LIMIT ?5",
    )?;
    let rows = stmt.query_map(
        params![
            filter.action,
            filter.account,
            filter.since_ms,
            filter.until_ms,
            limit
        ],
        |r| {
            Ok(Event {
                at_ms: r.get(0)?,
                account_id: r.get(1)?,
                action: r.get(2)?,
                object: r.get(3)?,
                ip: r.get(4)?,
            })
        },
    )?;
    Ok(rows.collect::<Result<_, _>>()?)
}

/// Accounts that touched more than [`ANOMALY_RECORDS_PER_HOUR`] distinct
/// records (`portal.access` or `record.*` objects) in the hour before `now_ms`,
/// most first.
pub fn anomalies(conn: &Connection, now_ms: i64) -> Result<Vec<(String, u64)>, WebStoreError> {
    let mut stmt = conn.prepare(
        "SELECT account_id, count(DISTINCT object) AS n FROM audit_log
         WHERE at_ms > ?1 AND at_ms <= ?2 AND account_id IS NOT NULL AND object IS NOT NULL
           AND (action = 'portal.access' OR action LIKE 'record.%')
         GROUP BY account_id HAVING n > ?3 ORDER BY n DESC, account_id",
    )?;
    let rows = stmt.query_map(
        params![now_ms - 3_600_000, now_ms, ANOMALY_RECORDS_PER_HOUR as i64],
        |r| Ok((r.get::<_, String>(0)?, r.get::<_, i64>(1)?)),
    )?;
    let mut out = vec![];
    for row in rows {
        let (account, n) = row?;
        out.push((account, u64::try_from(n).unwrap_or(0)));
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn conn() -> Connection {
        let c = Connection::open_in_memory().unwrap();
        c.execute_batch(SCHEMA).unwrap();
        c
    }

    #[test]
    fn record_and_query_by_action_account_and_time() {
        let c = conn();
        record(&c, &Event::new(10, "login.ok").account("a1")).unwrap();
        record(&c, &Event::new(20, "login.failed").account("a1")).unwrap();
        record(&c, &Event::new(30, "login.ok").account("a2").object("x")).unwrap();
        let all = query(&c, &Filter::default()).unwrap();
        assert_eq!(all.len(), 3);
        assert_eq!(all[0].at_ms, 30);
        let ok = query(
            &c,
            &Filter {
                action: Some("login.ok".into()),
                ..Filter::default()
            },
        )
        .unwrap();
        assert_eq!(ok.len(), 2);
        let a1 = query(
            &c,
            &Filter {
                account: Some("a1".into()),
                since_ms: Some(15),
                ..Filter::default()
            },
        )
        .unwrap();
        assert_eq!(a1.len(), 1);
        assert_eq!(a1[0].action, "login.failed");
        let limited = query(
            &c,
            &Filter {
                limit: Some(1),
                until_ms: Some(30),
                ..Filter::default()
            },
        )
        .unwrap();
        assert_eq!(limited.len(), 1);
        assert_eq!(limited[0].at_ms, 20);
    }

    #[test]
    fn anomalies_count_distinct_records_in_the_last_hour() {
        let c = conn();
        let now = 10_000_000;
        for i in 0..51 {
            record(
                &c,
                &Event::new(now - 1000, "portal.access")
                    .account("busy")
                    .object(&format!("r{i}")),
            )
            .unwrap();
            // The same record over and over is not an anomaly.
            record(
                &c,
                &Event::new(now - 1000, "record.read")
                    .account("calm")
                    .object("r1"),
            )
            .unwrap();
            // Too old.
            record(
                &c,
                &Event::new(now - 3_600_001, "record.read")
                    .account("old")
                    .object(&format!("r{i}")),
            )
            .unwrap();
            // Not a record access.
            record(
                &c,
                &Event::new(now, "login.ok")
                    .account("other")
                    .object(&format!("r{i}")),
            )
            .unwrap();
        }
        assert_eq!(anomalies(&c, now).unwrap(), vec![("busy".to_owned(), 51)]);
    }
}
