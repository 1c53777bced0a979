//! schema-diff's verdicts against the corpus of edits (issue 24): each edit gets the kinds
//! the corpus expects, and its JSON Schema impact is what the body bank shows. Every body
//! of `tests/bodies/{valid,valid-numbers,invalid}` and each of its single-step mutations
//! ([`pipeline_tests::mutations`]) goes through the any-event JSON Schema compiled from
//! the base and from the edit: `stricter` needs a body that flips valid → invalid and none
//! the other way, `looser` the reverse, `both` both, `neutral` none.
//!
//! Only the bodies of the edited event are run: an edit to one schema changes only its
//! `oneOf` branch, which no other event's `name` selects.

use crate::schema_diff_support::{Edit, catalog, corpus, sides};
use codegen::diff::{self, Json, Kind};
use pipeline_tests::{bodies, mutations, validator};
use serde_json::Value;
use std::collections::BTreeSet;

/// The body bank with its mutations, by event name: `(label, body)`.
fn bank_for(event: &str) -> Vec<(String, Value)> {
    let mut out = Vec::new();
    for kind in ["valid", "valid-numbers", "invalid"] {
        for (file, body) in bodies(kind) {
            if body.pointer("/event/name").and_then(Value::as_str) != Some(event) {
                continue;
            }
            for (what, mutated) in mutations(&body) {
                out.push((format!("{kind}/{file}: {what}"), mutated));
            }
            out.push((format!("{kind}/{file}"), body));
        }
    }
    out
}

fn any_event_schema(id: &str, sources: Vec<codegen::load::Source>) -> jsonschema::Validator {
    let text = codegen::emit::json_schema::any_event_text(&catalog(id, sources));
    let schema: Value = serde_json::from_str(&text).unwrap_or_else(|e| panic!("{id}: {e}"));
    validator(&schema)
}

/// What the bank shows, with one witness of each direction.
fn observed(edit: &Edit) -> (Json, Option<String>, Option<String>) {
    let (base, current) = sides(edit);
    let before = any_event_schema(&edit.id, base);
    let after = any_event_schema(&edit.id, current);
    let (mut stricter, mut looser) = (None, None);
    for (label, body) in bank_for(&edit.event) {
        match (before.is_valid(&body), after.is_valid(&body)) {
            (true, false) if stricter.is_none() => stricter = Some(label),
            (false, true) if looser.is_none() => looser = Some(label),
            _ => {}
        }
    }
    let json = match (stricter.is_some(), looser.is_some()) {
        (false, false) => Json::Neutral,
        (true, false) => Json::Stricter,
        (false, true) => Json::Looser,
        (true, true) => Json::Both,
    };
    (json, stricter, looser)
}

#[test]
fn the_corpus_covers_every_kind() {
    let edits = corpus();
    assert!(
        edits.len() >= 25,
        "the corpus has {} edits; issue 24 asks for 25",
        edits.len()
    );
    let named: BTreeSet<&str> = edits
        .iter()
        .flat_map(|e| e.expect.iter().map(String::as_str))
        .collect();
    let missing: Vec<&str> = Kind::ALL
        .iter()
        .map(|k| k.name())
        .filter(|k| !named.contains(k))
        .collect();
    assert!(
        missing.is_empty(),
        "no edit of the corpus shows {missing:?}"
    );
}

#[test]
fn schema_diff_reports_the_expected_kinds_and_the_bank_agrees_on_json_impact() {
    let mut failures = Vec::new();
    for edit in corpus() {
        let changes = crate::schema_diff_support::changes(&edit);
        let got: BTreeSet<&str> = changes.iter().map(|c| c.kind.name()).collect();
        let want: BTreeSet<&str> = edit.expect.iter().map(String::as_str).collect();
        if got != want {
            failures.push(format!(
                "{}: kinds {got:?}, the corpus expects {want:?}\n{changes:#?}",
                edit.id
            ));
            continue;
        }
        let said = diff::overall(&changes).json;
        let (seen, stricter, looser) = observed(&edit);
        if said != seen {
            failures.push(format!(
                "{}: schema-diff says JSON Schema {said}, the bank shows {seen} (valid -> invalid: {}; invalid -> valid: {})",
                edit.id,
                stricter.as_deref().unwrap_or("none"),
                looser.as_deref().unwrap_or("none"),
            ));
        }
    }
    assert!(
        failures.is_empty(),
        "{} edit(s) disagree:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

/// The CHANGELOG's Versioning section is the written policy, `Kind::rust` and `Kind::json`
/// the code: one row per kind, with the same bump and the same JSON Schema impact first.
#[test]
fn the_changelog_versioning_table_is_the_rules_of_schema_diff() {
    let text =
        std::fs::read_to_string(pipeline_tests::root().join("CHANGELOG.md")).expect("CHANGELOG.md");
    let rows: Vec<Vec<&str>> = text
        .lines()
        .skip_while(|l| !l.starts_with("| Schema edit (`schema-diff` kind)"))
        .skip(2)
        .take_while(|l| l.starts_with('|'))
        .map(|l| l.split('|').map(str::trim).collect())
        .collect();
    let table: Vec<(&str, &str, &str)> = rows
        .iter()
        .map(|cells| {
            let kind = cells[1]
                .split('`')
                .nth(1)
                .unwrap_or_else(|| panic!("no kind in {cells:?}"));
            let json = cells[3].split_whitespace().next().unwrap_or("");
            (kind, cells[2], json)
        })
        .collect();
    let code: Vec<(&str, &str, &str)> = Kind::ALL
        .iter()
        .map(|k| (k.name(), k.rust().name(), k.json().name()))
        .collect();
    assert_eq!(
        table, code,
        "CHANGELOG.md's schema-edit table and codegen/src/diff.rs differ"
    );
}
