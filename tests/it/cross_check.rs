//! The Rust types and the JSON Schemas must give the same verdict on every body:
//! the test that stops the two outputs drifting apart (schemars' habit).

use alexa_proactive_events::ProactiveEventRequest;
use pipeline_tests::{bodies, mutations, schema_file, validator};
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

#[test]
fn the_bank_gets_the_same_verdict_from_schema_and_rust() {
    let judges = Judges::new();
    let mut checked = 0;
    for (kind, expect) in [("valid", true), ("invalid", false)] {
        for (file, body) in bodies(kind) {
            let (own, any, rust) = judges.verdicts(event_name(&body), &body);
            assert_eq!(
                (own, any, rust),
                (expect, expect, expect),
                "{kind}/{file}: (event schema, any-event schema, Rust) verdicts"
            );
            checked += 1;
        }
    }
    assert!(checked >= 60, "only {checked} bodies");
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
