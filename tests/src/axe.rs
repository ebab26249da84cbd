//! Accessibility checks with axe-core in the page Chromium shows.
//!
//! `scripts/test.sh` installs axe-core from npm and names its script in
//! `BLOOM_AXE_JS`; without it the check fails rather than passing silently.

use fantoccini::Client;

/// The impacts a page must not have.
const BLOCKING: [&str; 2] = ["serious", "critical"];

/// Runs axe-core on the current page; `Err` lists every serious or critical
/// violation (rule, impact, up to three offending elements).
pub async fn check(client: &Client, page: &str) -> Result<(), String> {
    let path = std::env::var("BLOOM_AXE_JS")
        .map_err(|_| "BLOOM_AXE_JS is not set: run the tests through scripts/test.sh".to_owned())?;
    let source = std::fs::read_to_string(&path).map_err(|e| format!("cannot read {path}: {e}"))?;
    // WebDriver scripts are not subject to the page's CSP, so the pages keep
    // their strict policy while being checked.
    client
        .execute(&format!("{source}\nreturn typeof axe;"), vec![])
        .await
        .map_err(|e| format!("injecting axe-core into {page}: {e}"))?;
    let found = client
        .execute_async(
            "const done = arguments[arguments.length - 1];
             axe.run(document, { resultTypes: ['violations'] })
               .then(r => done(r.violations.map(v => ({
                   id: v.id, impact: v.impact || '',
                   nodes: v.nodes.slice(0, 3).map(n => n.target.join(' ')) }))))
               .catch(e => done([{ id: 'axe-error', impact: 'critical', nodes: [String(e)] }]));",
            vec![],
        )
        .await
        .map_err(|e| format!("running axe-core on {page}: {e}"))?;
    let violations = found.as_array().cloned().unwrap_or_default();
    let blocking: Vec<String> = violations
        .iter()
        .filter(|v| BLOCKING.contains(&v["impact"].as_str().unwrap_or("")))
        .map(|v| {
            format!(
                "{} ({}) at {}",
                v["id"].as_str().unwrap_or("?"),
                v["impact"].as_str().unwrap_or("?"),
                v["nodes"]
            )
        })
        .collect();
    if blocking.is_empty() {
        Ok(())
    } else {
        Err(format!("{page}: {}", blocking.join("; ")))
    }
}
