//! The billable ICD-10-CM codes of chapter 5 (mental, behavioral and neurodevelopmental disorders,
//! F01–F99), bundled with the crate, for picking a diagnosis by code or by words.
//!
//! The list lives in `core/data/icd10cm-f.tsv` (see `core/data/README.md` for where it comes from)
//! and is parsed once, on first use. Nothing here panics: a malformed line is skipped at run time
//! and caught by the tests instead.

use std::cmp::Reverse;
use std::sync::OnceLock;

use serde::Serialize;

const DATA: &str = include_str!("../data/icd10cm-f.tsv");

/// Queries are cut to this many characters and this many distinct words: no diagnosis needs more,
/// and it bounds the work a pasted wall of text can cause.
const MAX_QUERY_CHARS: usize = 200;
const MAX_QUERY_WORDS: usize = 12;

/// The longest code, without its dot, is seven characters (`F50.010` → `F50010`).
const MAX_CODE_LEN: usize = 7;

/// Abbreviations clinicians type, and the description words they stand for. A query word equal to
/// one of these (in any case) is replaced by all of its words. A few everyday words are here too,
/// where the official text uses another form of them ("depression" → "depress…", which also
/// finds "depressive" and "depressed"; "autism" → "autistic").
const SYNONYMS: &[(&str, &[&str])] = &[
    ("adhd", &["attention", "deficit", "hyperactivity"]),
    ("arfid", &["avoidant", "restrictive", "food"]),
    ("aud", &["alcohol"]),
    ("autism", &["autistic"]),
    ("bpd", &["borderline", "personality"]),
    ("cud", &["cannabis"]),
    ("depression", &["depress"]),
    ("dmdd", &["disruptive", "mood", "dysregulation"]),
    ("dysthymia", &["dysthymic"]),
    ("gad", &["generalized", "anxiety"]),
    ("mdd", &["major", "depressive"]),
    ("ocd", &["obsess"]),
    ("ocpd", &["obsessive", "compulsive", "personality"]),
    ("odd", &["oppositional", "defiant"]),
    ("oud", &["opioid"]),
    ("pmdd", &["premenstrual", "dysphoric"]),
    ("ptsd", &["post", "traumatic", "stress"]),
];

/// One billable code and its official description.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
pub struct Diagnosis {
    /// With the dot, as written on a claim: `F32.1`.
    pub code: &'static str,
    pub description: &'static str,
}

struct Index {
    entries: Vec<Diagnosis>,
    /// Per entry: the code without its dot, upper case (`F321`). Sorted, like the entries.
    keys: Vec<String>,
    /// Per entry: the description's words, lower case, apostrophes dropped.
    words: Vec<Vec<String>>,
}

fn index() -> &'static Index {
    static INDEX: OnceLock<Index> = OnceLock::new();
    INDEX.get_or_init(|| {
        let entries: Vec<Diagnosis> = DATA.lines().filter_map(parse_line).collect();
        let keys = entries
            .iter()
            .map(|d| normalize_code(d.code).unwrap_or_default())
            .collect();
        let words = entries.iter().map(|d| tokenize(d.description)).collect();
        Index {
            entries,
            keys,
            words,
        }
    })
}

/// `code<TAB>description`; `None` for a blank or malformed line.
fn parse_line(line: &'static str) -> Option<Diagnosis> {
    let (code, description) = line.split_once('\t')?;
    let (code, description) = (code.trim(), description.trim());
    if code.is_empty() || description.is_empty() || description.contains('\t') {
        return None;
    }
    Some(Diagnosis { code, description })
}

/// Upper case without the dot: `f32.1` and `F321` both give `F321`. A dot is allowed only after
/// the three-character category. `None` for anything that can't be a code.
fn normalize_code(text: &str) -> Option<String> {
    let text = text.trim();
    if text.is_empty() || text.len() > MAX_CODE_LEN + 1 {
        return None;
    }
    let (category, rest) = match text.split_once('.') {
        Some((category, rest)) if category.len() == 3 && !rest.contains('.') => (category, rest),
        Some(_) => return None,
        None => (text, ""),
    };
    let mut out = String::with_capacity(MAX_CODE_LEN);
    for c in category.chars().chain(rest.chars()) {
        if !c.is_ascii_alphanumeric() {
            return None;
        }
        out.push(c.to_ascii_uppercase());
    }
    Some(out)
}

/// Lower-case words: runs of letters and digits, with apostrophes dropped so that "Rett's" is the
/// one word "retts" (typed either way, it still matches).
fn tokenize(text: &str) -> Vec<String> {
    let mut words = Vec::new();
    let mut word = String::new();
    for c in text.chars() {
        if c == '\'' || c == '\u{2019}' {
            continue;
        }
        if c.is_alphanumeric() {
            word.extend(c.to_lowercase());
        } else if !word.is_empty() {
            words.push(std::mem::take(&mut word));
        }
    }
    if !word.is_empty() {
        words.push(word);
    }
    words
}

/// The diagnosis with this code, in any case, with or without its dot (`f32.1`, `F321`).
pub fn lookup(code: &str) -> Option<&'static Diagnosis> {
    let key = normalize_code(code)?;
    let index = index();
    let at = index.keys.binary_search(&key).ok()?;
    index.entries.get(at)
}

/// Every bundled diagnosis, sorted by code.
pub fn all() -> &'static [Diagnosis] {
    &index().entries
}

/// Diagnoses matching `query`, best first, at most `limit`.
///
/// A query that looks like a code (`F41`, `f43.1`, `43.10`) lists the exact code first, then the
/// codes under it. Otherwise every word of the query must begin a word of the description
/// ("gen anx" → Generalized anxiety disorder); common abbreviations (PTSD, GAD, MDD, OCD, ADHD,
/// BPD, AUD, …) stand for their words. Description matches rank whole words before partial ones,
/// then earlier words before later ones, then by code. A blank query finds nothing.
pub fn search(query: &str, limit: usize) -> Vec<&'static Diagnosis> {
    if limit == 0 {
        return Vec::new();
    }
    let query: String = query.chars().take(MAX_QUERY_CHARS).collect();
    let query = query.trim();
    if query.is_empty() {
        return Vec::new();
    }
    let index = index();
    let code = code_query(query);
    let terms = query_terms(query);
    if code.is_none() && terms.is_empty() {
        return Vec::new();
    }

    // (tier, partial words, sum of word positions, entry position): smaller is better. The entries
    // are sorted by code, so the last element breaks ties by code.
    let mut ranked: Vec<(u8, usize, usize, usize)> = Vec::new();
    for (at, (key, words)) in index.keys.iter().zip(&index.words).enumerate() {
        if let Some(code) = &code {
            if key == code {
                ranked.push((0, 0, 0, at));
                continue;
            }
            if key.starts_with(code.as_str()) {
                ranked.push((1, 0, 0, at));
                continue;
            }
        }
        if let Some((partial, positions)) = match_words(&terms, words) {
            ranked.push((2, partial, positions, at));
        }
    }
    ranked.sort_unstable();
    ranked
        .into_iter()
        .take(limit)
        .filter_map(|(_, _, _, at)| index.entries.get(at))
        .collect()
}

/// The query as a code without its dot, if it could be one: `F` and a digit, or a bare number
/// (`43.10`, taken as `F43.10`).
fn code_query(query: &str) -> Option<String> {
    let first = query.chars().next()?;
    let key = if first.is_ascii_digit() {
        normalize_code(&format!("F{query}"))?
    } else {
        normalize_code(query)?
    };
    let mut chars = key.chars();
    (chars.next() == Some('F') && chars.next().is_some_and(|c| c.is_ascii_digit())).then_some(key)
}

/// The query's distinct words with abbreviations spelled out (see [`SYNONYMS`]), at most
/// [`MAX_QUERY_WORDS`].
fn query_terms(query: &str) -> Vec<String> {
    let mut terms: Vec<String> = Vec::new();
    for word in tokenize(query) {
        let expansion = SYNONYMS
            .iter()
            .find(|(abbreviation, _)| *abbreviation == word)
            .map(|(_, words)| words.iter().map(|w| (*w).to_owned()).collect())
            .unwrap_or_else(|| vec![word]);
        for term in expansion {
            if !terms.contains(&term) {
                terms.push(term);
            }
        }
        if terms.len() >= MAX_QUERY_WORDS {
            terms.truncate(MAX_QUERY_WORDS);
            break;
        }
    }
    terms
}

/// If every term begins some word of the description: how many terms matched only part of a word,
/// and the sum of the positions of the words they matched (each term takes its best word: a whole
/// word first, then the earliest).
fn match_words(terms: &[String], words: &[String]) -> Option<(usize, usize)> {
    let mut partial = 0;
    let mut positions = 0;
    for term in terms {
        let (at, whole) = words
            .iter()
            .enumerate()
            .filter(|(_, word)| word.starts_with(term.as_str()))
            .map(|(at, word)| (at, word == term))
            .min_by_key(|&(at, whole)| (Reverse(whole), at))?;
        if !whole {
            partial += 1;
        }
        positions += at;
    }
    Some((partial, positions))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn codes(found: &[&Diagnosis]) -> Vec<&'static str> {
        found.iter().map(|d| d.code).collect()
    }

    /// `^F\d\d(\.[0-9A-Z]{1,4})?$` without a regex crate.
    fn is_valid_code(code: &str) -> bool {
        let b = code.as_bytes();
        let head = b.len() >= 3 && b[0] == b'F' && b[1].is_ascii_digit() && b[2].is_ascii_digit();
        let tail = match b.get(3..) {
            Some([]) => true,
            Some([b'.', rest @ ..]) => {
                (1..=4).contains(&rest.len())
                    && rest
                        .iter()
                        .all(|c| c.is_ascii_digit() || c.is_ascii_uppercase())
            }
            _ => false,
        };
        head && tail
    }

    #[test]
    fn every_line_parses_and_codes_are_valid_unique_and_sorted() {
        let mut previous: Option<&str> = None;
        let mut count = 0;
        for (n, line) in DATA.lines().enumerate() {
            let parsed = parse_line(line);
            assert!(parsed.is_some(), "line {} does not parse: {line:?}", n + 1);
            let Some(d) = parsed else { continue };
            assert_eq!(
                line,
                format!("{}\t{}", d.code, d.description),
                "line {} has stray whitespace",
                n + 1
            );
            assert!(is_valid_code(d.code), "line {}: bad code {}", n + 1, d.code);
            if let Some(previous) = previous {
                assert!(
                    previous < d.code,
                    "line {}: {} is not after {previous}",
                    n + 1,
                    d.code
                );
            }
            previous = Some(d.code);
            count += 1;
        }
        assert!(DATA.ends_with('\n'));
        assert!(count > 800, "only {count} codes");
        assert_eq!(all().len(), count);
        // The lookup keys (codes without the dot) must keep the same order for binary search.
        let index = index();
        assert!(index.keys.windows(2).all(|w| w[0] < w[1]));
        assert!(index.keys.iter().all(|k| !k.is_empty()));
    }

    #[test]
    fn the_code_check_itself() {
        for good in ["F99", "F32.1", "F32.A", "F50.010", "F01.A0"] {
            assert!(is_valid_code(good), "{good}");
        }
        for bad in ["F9", "F321", "f32.1", "F32.", "F32.12345", "G32.1", "F3X.1"] {
            assert!(!is_valid_code(bad), "{bad}");
        }
    }

    #[test]
    fn covers_the_codes_therapists_use() {
        for code in [
            "F01.50", "F10.20", "F17.210", "F20.9", "F31.81", "F32.A", "F33.1", "F34.1", "F40.10",
            "F41.1", "F42.2", "F43.10", "F43.12", "F43.23", "F43.81", "F50.00", "F50.810",
            "F51.01", "F60.3", "F64.0", "F84.0", "F90.2", "F91.3", "F93.0", "F99",
        ] {
            assert!(lookup(code).is_some(), "{code} missing");
        }
        // Categories with subcategories are not billable and not listed.
        for code in ["F32", "F41", "F43.1", "F10.2"] {
            assert!(lookup(code).is_none(), "{code} is not billable");
        }
    }

    #[test]
    fn lookup_variants() {
        let expected = Some("Major depressive disorder, single episode, moderate");
        for variant in ["F32.1", "f32.1", "F321", "f321", "  F32.1 "] {
            assert_eq!(
                lookup(variant).map(|d| d.description),
                expected,
                "{variant}"
            );
            assert_eq!(lookup(variant).map(|d| d.code), Some("F32.1"));
        }
        assert_eq!(lookup("f32.a").map(|d| d.code), Some("F32.A"));
        assert_eq!(lookup("F50010").map(|d| d.code), Some("F50.010"));
        for missing in [
            "",
            " ",
            ".",
            "F",
            "F32.",
            "F3.21",
            "F32..1",
            "F32.1.",
            "Z00.00",
            "F32.1x",
            "32.1",
            "F32.1😀",
            "😀",
            "F32 1",
        ] {
            assert_eq!(lookup(missing), None, "{missing:?}");
        }
    }

    #[test]
    fn prefix_search_lists_the_codes_under_a_category() {
        let found = codes(&search("F41", 50));
        assert_eq!(found, ["F41.0", "F41.1", "F41.3", "F41.8", "F41.9"]);
        assert_eq!(codes(&search("f43.1", 10)), ["F43.10", "F43.11", "F43.12"]);
        assert_eq!(codes(&search("43.1", 10)), ["F43.10", "F43.11", "F43.12"]);
        assert_eq!(codes(&search("F41.", 2)), ["F41.0", "F41.1"]);
        assert!(search("F4", 500).iter().all(|d| d.code.starts_with("F4")));
    }

    #[test]
    fn exact_code_comes_before_codes_under_it() {
        // Only billable (leaf) codes are listed, so an exact code has nothing under it.
        assert_eq!(codes(&search("F01.50", 5)), ["F01.50"]);
        assert_eq!(codes(&search("F01.51", 5)), ["F01.511", "F01.518"]);
        assert_eq!(search("F32.1", 5).first().map(|d| d.code), Some("F32.1"));
        assert_eq!(search("f321", 5).first().map(|d| d.code), Some("F32.1"));
    }

    #[test]
    fn word_search_matches_word_prefixes_in_any_order() {
        assert_eq!(search("gen anx", 5).first().map(|d| d.code), Some("F41.1"));
        assert_eq!(
            search("ANXIETY generalized", 5).first().map(|d| d.code),
            Some("F41.1")
        );
        let found = search("adjustment anx", 10);
        assert!(codes(&found).contains(&"F43.22"));
        assert!(codes(&found).contains(&"F43.23"));
        // Every word must match: nothing is both about alcohol and about autism.
        assert!(search("alcohol autistic", 10).is_empty());
        // A word must begin a description word, not sit inside one.
        assert!(search("xiety", 10).is_empty());
        // Punctuation in the query or the description doesn't matter.
        assert!(codes(&search("post-traumatic chronic", 5)).contains(&"F43.12"));
        assert_eq!(search("rett's", 5).first().map(|d| d.code), Some("F84.2"));
        assert_eq!(search("retts", 5).first().map(|d| d.code), Some("F84.2"));
    }

    #[test]
    fn abbreviations() {
        let ptsd = codes(&search("ptsd", 10));
        assert_eq!(ptsd, ["F43.10", "F43.11", "F43.12"]);
        assert_eq!(codes(&search("PTSD chronic", 10)), ["F43.12"]);
        assert_eq!(search("GAD", 5).first().map(|d| d.code), Some("F41.1"));
        let mdd = search("mdd", 100);
        assert!(!mdd.is_empty());
        assert!(
            mdd.iter()
                .all(|d| d.description.to_lowercase().contains("major depressive"))
        );
        assert!(
            mdd.first()
                .is_some_and(|d| d.description.starts_with("Major depressive"))
        );
        assert!(codes(&search("mdd recurrent moderate", 5)).contains(&"F33.1"));
        let ocd = codes(&search("ocd", 10));
        for code in ["F42.2", "F42.8", "F42.9", "F60.5"] {
            assert!(ocd.contains(&code), "{code} not in {ocd:?}");
        }
        assert_eq!(codes(&search("ocpd", 10)), ["F60.5"]);
        assert!(codes(&search("Adhd combined", 5)).contains(&"F90.2"));
        assert_eq!(search("bpd", 5).first().map(|d| d.code), Some("F60.3"));
        let aud = search("aud", 500);
        assert!(codes(&aud).contains(&"F10.20"));
        assert!(aud.iter().all(|d| d.code.starts_with("F10.")));
    }

    #[test]
    fn everyday_words_find_the_official_wording() {
        let depression = codes(&search("depression", 50));
        assert_eq!(depression.first(), Some(&"F32.A"));
        for code in ["F32.1", "F33.1", "F53.0", "F43.21"] {
            assert!(depression.contains(&code), "{code} not in {depression:?}");
        }
        assert_eq!(codes(&search("autism", 5)), ["F84.0"]);
        assert_eq!(codes(&search("dysthymia", 5)), ["F34.1"]);
        assert!(codes(&search("recurrent depression", 20)).contains(&"F33.9"));
    }

    #[test]
    fn ranking() {
        assert_eq!(
            search("generalized anxiety", 5).first().map(|d| d.code),
            Some("F41.1")
        );
        // Whole-word, early matches first: "Anxiety disorder, unspecified" before the many
        // substance-induced anxiety disorders.
        let anxiety = codes(&search("anxiety", 10));
        assert!(anxiety.contains(&"F41.9"));
        assert!(anxiety.contains(&"F41.1"));
        assert!(!anxiety.iter().any(|c| c.starts_with("F1")));
        // Whole words beat partial ones: every "… anxiety disorder …" before "… anxiety disorders".
        let found = search("anxiety disorder", 100);
        let whole: Vec<bool> = found
            .iter()
            .map(|d| tokenize(d.description).iter().any(|w| w == "disorder"))
            .collect();
        assert!(whole.contains(&true) && whole.contains(&false));
        assert!(whole.iter().skip_while(|w| **w).all(|w| !*w));
        // Earlier words beat later ones.
        let found = codes(&found);
        let at = |code| found.iter().position(|c| *c == code);
        assert!(at("F41.9") < at("F41.1"));
        // Ties go by code.
        let ptsd = search("post traumatic stress", 10);
        assert!(ptsd.windows(2).all(|w| w[0].code < w[1].code));
    }

    #[test]
    fn limit_is_honoured() {
        assert_eq!(search("disorder", 7).len(), 7);
        assert_eq!(search("F", 3).len(), 3);
        assert_eq!(search("F1", 4).len(), 4);
        assert!(search("F41", 0).is_empty());
        assert!(search("disorder", 0).is_empty());
        assert!(search("F", usize::MAX).len() <= all().len());
    }

    #[test]
    fn blank_and_garbage_queries_do_not_panic() {
        for blank in ["", " ", "\t\n", "\u{a0}"] {
            assert!(search(blank, 10).is_empty(), "{blank:?}");
        }
        let long = "a".repeat(10_000);
        let words = "anx ".repeat(5_000);
        let unicode = "é".repeat(10_000);
        for garbage in [
            "😀",
            "😀😀😀 🧠",
            ".*",
            "(?i)[a-z]+$",
            "\\d{3}|^F",
            "%_%' OR 1=1 --",
            "F32.1.2.3",
            "...",
            "F😀",
            "\u{0}",
            "ﬁ İ ß",
            long.as_str(),
            words.as_str(),
            unicode.as_str(),
        ] {
            let found = search(garbage, 20);
            assert!(found.len() <= 20);
            let _ = lookup(garbage);
        }
        assert!(search("😀", 10).is_empty());
        assert!(search(".*", 10).is_empty());
        assert!(search(&long, 10).is_empty());
        // A very long query is cut, not refused: its first words still count.
        assert!(!search(&words, 10).is_empty());
    }

    #[test]
    fn serializes_as_code_and_description() {
        let d = lookup("F41.1");
        let json = d.and_then(|d| serde_json::to_string(d).ok());
        assert_eq!(
            json.as_deref(),
            Some(r#"{"code":"F41.1","description":"Generalized anxiety disorder"}"#)
        );
    }
}
