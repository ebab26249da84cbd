//! The relay as its own process: killed with SIGKILL in the middle of a sync
//! and started again, it loses and duplicates nothing; and after a day's work
//! with marker strings in the notes, nothing in its storage — decrypted and
//! read table by table, or as raw files — contains them.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::{BTreeMap, HashSet};
use std::path::Path;

use bloom_core::chart::NewClient;
use bloom_core::note::Template;
use bloom_core::records::{client, note};
use bloom_core::sync::status::RelayStatus;
use bloom_e2e::TestDir;
use bloom_e2e::practice::{Device, RelayProcess};

const NOTES: usize = 120;

fn notes_on(v: &mut bloom_core::vault::Vault, client_id: &str) -> BTreeMap<String, String> {
    note::list_notes(v, client_id)
        .unwrap_or_default()
        .into_iter()
        .filter_map(|n| {
            let view = note::read_note(v, &n.id).ok()?;
            Some((n.id, view.sections.first()?.1.clone()))
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_relay_killed_mid_sync_loses_and_duplicates_nothing_and_never_holds_clinical_text() {
    let dir = TestDir::new("sync-relay-crash");
    let data = dir.sub("relay");
    let mut relay = RelayProcess::start(&data).await;

    let mut laptop = Device::new(dir.path(), "laptop");
    laptop.enroll(&relay.invite().await).await;
    let mut desktop = Device::new(dir.path(), "desktop");
    desktop.enroll(&laptop.pairing_code().await).await;

    let client_id = laptop.with(|v| {
        client::create_client(
            v,
            &NewClient {
                given_name: "Zelda-Marker-Given".into(),
                family_name: "Quokka-Marker-Family".into(),
                preferred_name: None,
            },
        )
        .unwrap()
    });
    let mut written = BTreeMap::new();
    for i in 0..NOTES {
        let text = format!("MARKER-{i:03}-PELICAN session notes");
        let id = laptop.with(|v| {
            let id =
                note::create_note(v, &client_id, Template::Free, 1_790_000_000_000, None).unwrap();
            note::edit_sections(v, &id, &[("body", &text)]).unwrap();
            id
        });
        laptop.nudge();
        written.insert(id, text);
        if i == NOTES / 3 || i == 2 * NOTES / 3 {
            // Mid-sync: some uploads are in flight, some answers never arrive.
            relay.kill_and_restart().await;
        }
    }

    let got = desktop
        .wait_until("every note on the desktop", |v| {
            let got = notes_on(v, &client_id);
            (got.len() == NOTES).then_some(got)
        })
        .await;
    assert_eq!(got, written, "the desktop has exactly the laptop's notes");
    laptop
        .wait_status("the laptop has sent everything", |s| {
            matches!(s, RelayStatus::Connected { .. })
        })
        .await;

    laptop.stop_sync();
    desktop.stop_sync();
    relay.stop();

    // Nothing duplicated: each document's change blobs are distinct blobs.
    let db = open_relay_db(&data);
    let mut stmt = db
        .prepare("SELECT name FROM sqlite_master WHERE type = 'table'")
        .unwrap();
    let tables: Vec<String> = stmt
        .query_map([], |r| r.get(0))
        .unwrap()
        .map(|r| r.unwrap())
        .collect();
    drop(stmt);
    assert!(tables.iter().any(|t| t == "entries"), "tables: {tables:?}");
    let (rows, distinct): (i64, i64) = db
        .query_row(
            "SELECT count(*), count(DISTINCT blob_id) FROM entries WHERE blob_id IS NOT NULL",
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .unwrap();
    assert_eq!(rows, distinct, "a blob was stored twice");

    // No clinical text anywhere: every value of every table, decrypted.
    // Nor record ids: the relay sees opaque document ids, so it cannot even
    // link a note to its client.
    let mut markers: Vec<&[u8]> = vec![b"PELICAN", b"MARKER-", b"Zelda-Marker", b"Quokka-Marker"];
    markers.push(client_id.as_bytes());
    markers.extend(written.keys().take(10).map(|id| id.as_bytes()));
    for table in &tables {
        let sql = format!("SELECT * FROM \"{table}\"");
        let mut stmt = db.prepare(&sql).unwrap();
        let columns = stmt.column_count();
        let mut rows = stmt.query([]).unwrap();
        while let Some(row) = rows.next().unwrap() {
            for c in 0..columns {
                let bytes: Vec<u8> = match row.get_ref(c).unwrap() {
                    rusqlite::types::ValueRef::Text(t) | rusqlite::types::ValueRef::Blob(t) => {
                        t.to_vec()
                    }
                    _ => continue,
                };
                for m in &markers {
                    assert!(
                        !contains(&bytes, m),
                        "table {table} column {c} holds clinical text"
                    );
                }
            }
        }
    }
    // And not in the raw files either (database, WAL, anything else).
    let mut seen = HashSet::new();
    for file in walk(&data) {
        let bytes = std::fs::read(&file).unwrap();
        for m in &markers {
            assert!(
                !contains(&bytes, m),
                "{} holds clinical text",
                file.display()
            );
        }
        seen.insert(file);
    }
    assert!(!seen.is_empty());
}

fn open_relay_db(data: &Path) -> rusqlite::Connection {
    let key = std::fs::read(data.join("relay-store.key")).unwrap();
    let db = rusqlite::Connection::open(data.join("relay.db")).unwrap();
    db.pragma_update(None, "key", format!("x'{}'", bloom_core::hex::encode(&key)))
        .unwrap();
    db
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}

fn walk(dir: &Path) -> Vec<std::path::PathBuf> {
    let mut out = vec![];
    for entry in std::fs::read_dir(dir).unwrap().flatten() {
        let p = entry.path();
        if p.is_dir() {
            out.extend(walk(&p));
        } else if p.is_file() {
            out.push(p);
        }
    }
    out
}
