//! The Rust types and the JSON Schemas must give the same verdict on every body:
//! the test that stops the two outputs drifting apart (schemars' habit).

use alexa_proactive_events::ProactiveEventRequest;
use pipeline_tests::{bodies, schema_file, validator};
use serde_json::{Value, json};
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

/// Mutations at every place in the tree: null, removal, extra field, wrong type,
/// empty string, a foreign enum value, a localized reference, and too many items.
fn mutations(body: &Value) -> Vec<(String, Value)> {
    let mut out = Vec::new();
    if let Value::Object(o) = body {
        out.push((
            "whole body as an array".to_owned(),
            Value::Array(o.values().cloned().collect()),
        ));
    }
    let mut pointers = Vec::new();
    collect_pointers(body, String::new(), &mut pointers);
    for pointer in pointers {
        let original = body.pointer(&pointer).cloned().unwrap_or(Value::Null);
        let mut replace = |label: &str, v: Value| {
            let mut b = body.clone();
            if let Some(slot) = b.pointer_mut(&pointer) {
                *slot = v;
                out.push((format!("{label} at {pointer}"), b));
            }
        };
        replace("null", Value::Null);
        match &original {
            Value::String(_) => {
                replace("empty string", json!(""));
                replace("number for string", json!(7));
                replace("foreign value", json!("NOT_A_SCHEMA_VALUE"));
                replace("localized reference", json!("localizedattribute:source"));
                replace("bare reference prefix", json!("localizedattribute:"));
            }
            Value::Number(_) => {
                replace("string for number", json!("3"));
                replace("negative", json!(-1));
                replace("fraction", json!(1.5));
            }
            Value::Array(items) => {
                replace("object for array", json!({}));
                replace("empty array", json!([]));
                if let Some(first) = items.first() {
                    replace("six copies", Value::Array(vec![first.clone(); 6]));
                }
            }
            Value::Object(_) => {
                replace("string for object", json!("x"));
                replace("array for object", json!([]));
                let mut extra = original.clone();
                if let Some(o) = extra.as_object_mut() {
                    o.insert("unexpectedField".into(), json!("x"));
                }
                replace("extra field", extra);
            }
            Value::Bool(_) | Value::Null => {}
        }
        // Removal, for object members.
        if let Some((parent, key)) = pointer.rsplit_once('/') {
            let mut b = body.clone();
            if let Some(Value::Object(o)) = b.pointer_mut(parent) {
                o.remove(&key.replace("~1", "/").replace("~0", "~"));
                out.push((format!("removed {pointer}"), b));
            }
        }
    }
    out
}

fn collect_pointers(v: &Value, at: String, out: &mut Vec<String>) {
    if !at.is_empty() {
        out.push(at.clone());
    }
    match v {
        Value::Object(o) => {
            for (k, child) in o {
                collect_pointers(
                    child,
                    format!("{at}/{}", k.replace('~', "~0").replace('/', "~1")),
                    out,
                );
            }
        }
        Value::Array(a) => {
            for (i, child) in a.iter().enumerate() {
                collect_pointers(child, format!("{at}/{i}"), out);
            }
        }
        _ => {}
    }
}
