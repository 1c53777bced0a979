//! The Rust types and the JSON Schemas must give the same verdict on every body:
//! the test that stops the two outputs drifting apart (schemars' habit).

use alexa_proactive_events::ProactiveEventRequest;
use pipeline_tests::{bank_folders, bodies, mutations, schema_file, validator};
use serde_json::Value;
use std::collections::BTreeMap;

struct Judges {
    per_event: BTreeMap<String, jsonschema::Validator>,
    any: jsonschema::Validator,
}

impl Judges {
    fn new() -> Self {
        let per_event = alexa_proactive_events::EVENT_NAMES
            .iter()
            .map(|n| {
                (
                    (*n).to_owned(),
                    validator(&schema_file(&format!("{n}.schema.json"))),
                )
            })
            .collect();
        Self {
            per_event,
            any: validator(&schema_file("proactive-event.schema.json")),
        }
    }

    /// (per-event schema, any-event schema, serde) verdicts.
    fn verdicts(&self, event_name: Option<&str>, body: &Value) -> (bool, bool, bool) {
        let any = self.any.is_valid(body);
        let own = event_name
            .and_then(|n| self.per_event.get(n))
            .map_or(any, |v| v.is_valid(body));
        let rust = serde_json::from_value::<ProactiveEventRequest>(body.clone()).is_ok();
        (own, any, rust)
    }
}

fn event_name(body: &Value) -> Option<&str> {
    body.pointer("/event/name").and_then(Value::as_str)
}

#[test]
fn schemas_accept_what_rust_serializes() {
    let judges = Judges::new();
    let valid = bodies("valid");
    assert!(
        valid.len() >= 16,
        "the bank has {} valid bodies",
        valid.len()
    );
    let mut seen_events = std::collections::BTreeSet::new();
    for (file, body) in valid {
        let request: ProactiveEventRequest =
            serde_json::from_value(body.clone()).unwrap_or_else(|e| panic!("{file}: {e}"));
        seen_events.insert(request.event.name());
        let written = serde_json::to_value(&request).expect("serialize");
        let (own, any, _) = judges.verdicts(Some(request.event.name()), &written);
        assert!(
            own && any,
            "{file}: the schema rejects what Rust wrote: {written}"
        );
        let again: ProactiveEventRequest = serde_json::from_value(written).expect("re-read");
        assert_eq!(again, request, "{file}: round trip changed the value");
    }
    assert_eq!(
        seen_events.len(),
        8,
        "every event has a valid body: {seen_events:?}"
    );
}

/// Every body gets the verdicts `tests/bodies/bank.json` gives its folder: from both
/// JSON Schemas, the validator and (where the index says so) the typed request.
#[test]
fn the_bank_gets_the_verdicts_its_index_gives() {
    let judges = Judges::new();
    let folders = bank_folders();
    let mut checked = 0;
    for folder in &folders {
        let kind = &folder.folder;
        for (file, body) in bodies(kind) {
            let (own, any, typed) = judges.verdicts(event_name(&body), &body);
            let expect = folder.schema_valid;
            assert_eq!(
                (own, any),
                (expect, expect),
                "{kind}/{file}: (event schema, any-event schema) verdicts"
            );
            let bytes = serde_json::to_vec(&body).expect("serialize");
            let report = alexa_proactive_events::validate_json(&bytes);
            if let Some(rust) = folder.rust_valid {
                assert_eq!(
                    report.is_valid(),
                    rust,
                    "{kind}/{file}: validator: {report}"
                );
                if folder.typed {
                    assert_eq!(typed, rust, "{kind}/{file}: typed request");
                }
            }
            checked += 1;
        }
    }
    assert!(checked >= 60, "only {checked} bodies");
    // The index lists every folder of the bank, and only those.
    let mut on_disk: Vec<String> = std::fs::read_dir(pipeline_tests::root().join("tests/bodies"))
        .expect("tests/bodies")
        .filter_map(Result::ok)
        .filter(|e| e.path().is_dir())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    on_disk.sort();
    let mut listed: Vec<String> = folders.into_iter().map(|f| f.folder).collect();
    listed.sort();
    assert_eq!(
        listed, on_disk,
        "tests/bodies/bank.json and the folders differ"
    );
}

/// Every single-step mutation of a valid body: the verdicts must agree, whatever they are.
#[test]
fn mutated_bodies_get_the_same_verdict_from_schema_and_rust() {
    let judges = Judges::new();
    let mut tried = 0;
    let mut rejected = 0;
    let mut disagreements = Vec::new();
    for (file, body) in bodies("valid") {
        let name = event_name(&body).map(str::to_owned);
        for (what, mutated) in mutations(&body) {
            let (own, any, rust) = judges.verdicts(name.as_deref(), &mutated);
            tried += 1;
            rejected += usize::from(!rust);
            if own != rust || any != rust {
                disagreements.push(format!(
                    "{file}: {what}: event schema {own}, any-event schema {any}, Rust {rust}"
                ));
            }
        }
    }
    assert!(
        disagreements.is_empty(),
        "{} disagreements:\n{}",
        disagreements.len(),
        disagreements.join("\n")
    );
    assert!(tried > 2000, "only {tried} mutations");
    assert!(
        rejected * 2 > tried,
        "most mutations should break the body: {rejected} of {tried}"
    );
}
