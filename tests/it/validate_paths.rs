//! The fast path (typed parse + cross-field rules) and the slow path (the JSON
//! walk) give the same verdict; where JSON Schema can express a rule, the
//! generated JSON Schema gives it too; and no input makes the validator panic.

use crate::validate_support;

use alexa_proactive_events::schema::{ObjectShape, Shape};
use alexa_proactive_events::validate::{Report, Rule, validate_json, walk_json};
use alexa_proactive_events::{EVENT_NAMES, ProactiveEventRequest, events};
use pipeline_tests::collect_pointers;
use proptest::prelude::*;
use serde_json::{Value, json};
use std::collections::BTreeMap;
use std::sync::OnceLock;
use validate_support::{bodies, json_schema, set};

/// Rules JSON Schema cannot express (docs/decisions.md §9, the JSON Schemas' descriptions).
const BEYOND_JSON_SCHEMA: &[Rule] = &[
    Rule::EnvExpiryMin,
    Rule::EnvExpiryMax,
    Rule::LocKeyDefined,
    Rule::LocLocaleDuplicate,
];

fn valid_bodies() -> &'static [(String, Value)] {
    static BODIES: OnceLock<Vec<(String, Value)>> = OnceLock::new();
    BODIES.get_or_init(|| bodies("valid"))
}

/// Sorted (rule, pointer, message, severity) for comparing reports in any order.
fn sorted(report: &Report) -> Vec<String> {
    let mut v: Vec<String> = report.violations.iter().map(ToString::to_string).collect();
    v.sort();
    v
}

/// Checks both paths on one body and returns the verdict.
#[track_caller]
fn same_verdict(label: &str, body: &Value) -> bool {
    let bytes = serde_json::to_vec(body).expect("serialize");
    let fast = validate_json(&bytes);
    let slow = walk_json(body);
    assert_eq!(
        fast.is_valid(),
        slow.is_valid(),
        "{label}: fast path\n{fast}\nslow path\n{slow}"
    );
    if serde_json::from_slice::<ProactiveEventRequest>(&bytes).is_ok() {
        // Typed parse succeeded: the slow walk must report exactly the cross-field findings.
        assert_eq!(sorted(&fast), sorted(&slow), "{label}");
    } else {
        // The walk must find the fault itself, never leave it to the fallback.
        assert!(
            !fast.has(Rule::Structure),
            "{label}: only STRUCTURE\n{fast}"
        );
        assert_eq!(sorted(&fast), sorted(&slow), "{label}");
    }
    fast.is_valid()
}

/// Single-step mutations at every place, including the cross-field rules'.
fn mutations(body: &Value) -> Vec<(String, Value)> {
    let mut out = Vec::new();
    let mut at = Vec::new();
    collect_pointers(body, String::new(), &mut at);
    for pointer in at {
        let original = body.pointer(&pointer).cloned().unwrap_or(Value::Null);
        let mut variants = vec![("null", Value::Null), ("removed", Value::Null)];
        match &original {
            Value::String(_) => variants.extend([
                ("empty", json!("")),
                ("number", json!(7)),
                ("foreign", json!("NOT_A_VALUE")),
                ("reference", json!("localizedattribute:weatherProvider")),
                ("bare prefix", json!("localizedattribute:")),
                ("date", json!("2024-05-01T10:00:00Z")),
                ("locale", json!("en-US")),
            ]),
            Value::Number(_) => variants.extend([
                ("string", json!("3")),
                ("negative", json!(-1)),
                ("fraction", json!(1.5)),
            ]),
            Value::Array(items) => {
                variants.extend([("object", json!({})), ("empty", json!([]))]);
                if let Some(first) = items.first() {
                    variants.push(("doubled", json!([first, first])));
                    variants.push(("six", Value::Array(vec![first.clone(); 6])));
                }
            }
            Value::Object(o) => {
                variants.extend([("string", json!("x")), ("array", json!([]))]);
                let mut extra = o.clone();
                extra.insert("unexpectedField".into(), json!("x"));
                variants.push(("extra", Value::Object(extra)));
            }
            Value::Bool(_) | Value::Null => {}
        }
        for (what, v) in variants {
            let mut b = body.clone();
            let value = (what != "removed").then_some(v);
            set(&mut b, &pointer, value);
            out.push((format!("{what} at {pointer}"), b));
        }
    }
    out
}

#[test]
fn fast_and_slow_paths_agree_on_the_bank_and_every_single_mutation() {
    let mut tried = 0;
    let mut invalid = 0;
    for (name, body) in valid_bodies() {
        assert!(same_verdict(name, body), "{name} is valid");
        for (what, mutated) in mutations(body) {
            tried += 1;
            invalid += usize::from(!same_verdict(&format!("{name}: {what}"), &mutated));
        }
    }
    for (name, body) in bodies("invalid") {
        assert!(!same_verdict(&name, &body), "{name} is invalid");
    }
    assert!(tried > 3000, "{tried} mutations");
    assert!(invalid * 2 > tried, "{invalid} of {tried} invalid");
}

// ---- property tests ----

/// Every enum value of every schema, so mutations hit near misses and cross-field swaps.
fn schema_strings() -> Vec<String> {
    fn object(o: &ObjectShape, out: &mut Vec<String>) {
        for f in o.fields {
            out.push(f.name.to_owned());
            shape(&f.shape, out);
        }
    }
    fn shape(s: &Shape, out: &mut Vec<String>) {
        match s {
            Shape::Enum(e) => out.extend(e.values.iter().map(|v| v.value.to_owned())),
            Shape::Object(o) => object(o, out),
            Shape::Array { items, .. } => shape(items, out),
            _ => {}
        }
    }
    let mut out: Vec<String> = EVENT_NAMES.iter().map(|n| (*n).to_owned()).collect();
    for s in events::SCHEMAS {
        object(s.payload, &mut out);
    }
    out.extend(
        [
            "Unicast",
            "Multicast",
            "",
            "localizedattribute:",
            "localizedattribute:sellerName",
            "localizedattribute:weatherProvider",
            "amzn1.ask.account.X",
            "2024-05-01T10:00:00Z",
            "2024-05-01T10:00:00.25+05:30",
            "2024-05-01T10:00:00",
            "2024-05-01",
            "2024-02-30T10:00:00Z",
            "ref~1",
            "a-b",
        ]
        .map(str::to_owned),
    );
    out.sort();
    out.dedup();
    out
}

fn json_value() -> impl Strategy<Value = Value> {
    let strings = schema_strings();
    prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::from),
        (-3i64..10_000).prop_map(Value::from),
        prop_oneof![Just(1.5), Just(-0.25)].prop_map(Value::from),
        proptest::sample::select(strings).prop_map(Value::from),
        "[A-Za-z0-9~ :-]{0,12}".prop_map(Value::from),
        Just(json!({})),
        Just(json!([])),
        Just(json!(["GLASS", "CANS"])),
        Just(json!({"name": "x"})),
        Just(json!({"user": "amzn1.ask.account.X"})),
    ]
}

#[derive(Debug, Clone)]
enum Edit {
    Replace(prop::sample::Index, Value),
    Remove(prop::sample::Index),
    AddField(prop::sample::Index, String, Value),
}

fn edit() -> impl Strategy<Value = Edit> {
    let name = prop_oneof![
        Just("extra".to_owned()),
        Just("name".to_owned()),
        Just("user".to_owned()),
        Just("payload".to_owned()),
        Just("sellerName".to_owned()),
    ];
    prop_oneof![
        (any::<prop::sample::Index>(), json_value()).prop_map(|(i, v)| Edit::Replace(i, v)),
        any::<prop::sample::Index>().prop_map(Edit::Remove),
        (any::<prop::sample::Index>(), name, json_value())
            .prop_map(|(i, n, v)| Edit::AddField(i, n, v)),
    ]
}

/// Applies the edits; returns false when one touches a locale tag (BCP 47 is
/// wider than the JSON Schema's pattern, so those are not comparable).
fn apply(body: &mut Value, edits: &[Edit]) -> bool {
    for e in edits {
        let mut at = Vec::new();
        collect_pointers(body, String::new(), &mut at);
        if at.is_empty() {
            return true;
        }
        let pick = |i: &prop::sample::Index| at[i.index(at.len())].clone();
        let touches_locale =
            |p: &str| p.starts_with("/localizedAttributes") && p.ends_with("/locale");
        match e {
            Edit::Replace(i, v) => {
                let p = pick(i);
                if touches_locale(&p) {
                    return false;
                }
                set(body, &p, Some(v.clone()));
            }
            Edit::Remove(i) => {
                let p = pick(i);
                set(body, &p, None);
            }
            Edit::AddField(i, name, v) => {
                let p = pick(i);
                if let Some(Value::Object(o)) = body.pointer_mut(&p) {
                    o.insert(name.clone(), v.clone());
                }
            }
        }
    }
    true
}

struct Schemas {
    any: jsonschema::Validator,
    per_event: BTreeMap<&'static str, jsonschema::Validator>,
}

fn schemas() -> &'static Schemas {
    static S: OnceLock<Schemas> = OnceLock::new();
    S.get_or_init(|| Schemas {
        any: json_schema("proactive-event.schema.json"),
        per_event: EVENT_NAMES
            .iter()
            .map(|n| (*n, json_schema(&format!("{n}.schema.json"))))
            .collect(),
    })
}

fn mutated_body() -> impl Strategy<Value = (usize, Vec<Edit>)> {
    (0..valid_bodies().len(), prop::collection::vec(edit(), 1..4))
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 2000, ..ProptestConfig::default() })]

    #[test]
    fn json_schema_and_validator_agree_on_mutated_bodies((index, edits) in mutated_body()) {
        let mut body = valid_bodies()[index].1.clone();
        prop_assume!(apply(&mut body, &edits));
        let bytes = serde_json::to_vec(&body).expect("serialize");
        let report = validate_json(&bytes);
        let structural = !report.errors().any(|v| !BEYOND_JSON_SCHEMA.contains(&v.rule));
        let s = schemas();
        let any = s.any.is_valid(&body);
        let own = body
            .pointer("/event/name")
            .and_then(Value::as_str)
            .and_then(|n| s.per_event.get(n))
            .map_or(any, |v| v.is_valid(&body));
        prop_assert_eq!((own, any), (structural, structural), "{}\n{}", body, report);
    }

    #[test]
    fn fast_and_slow_paths_agree_on_mutated_bodies((index, edits) in mutated_body()) {
        let mut body = valid_bodies()[index].1.clone();
        apply(&mut body, &edits);
        same_verdict(&body.to_string(), &body);
    }

    #[test]
    fn arbitrary_bytes_never_panic(bytes in prop::collection::vec(any::<u8>(), 0..512)) {
        let report = validate_json(&bytes);
        prop_assert!(!report.is_valid());
    }

    #[test]
    fn arbitrary_json_never_panics(value in arbitrary_json()) {
        let bytes = serde_json::to_vec(&value).expect("serialize");
        let fast = validate_json(&bytes);
        prop_assert!(!fast.is_valid());
        prop_assert!(!walk_json(&value).is_valid());
    }

    #[test]
    fn arbitrary_json_inside_a_valid_body_never_panics(
        index in 0..16usize,
        spot in any::<prop::sample::Index>(),
        value in arbitrary_json(),
    ) {
        let mut body = valid_bodies()[index % valid_bodies().len()].1.clone();
        let mut at = Vec::new();
        collect_pointers(&body, String::new(), &mut at);
        set(&mut body, &at[spot.index(at.len())], Some(value));
        same_verdict("arbitrary value", &body);
    }
}

fn arbitrary_json() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::from),
        any::<i64>().prop_map(Value::from),
        any::<u64>().prop_map(Value::from),
        any::<f64>()
            .prop_filter("finite", |f| f.is_finite())
            .prop_map(Value::from),
        ".{0,20}".prop_map(Value::from),
    ];
    leaf.prop_recursive(6, 64, 8, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..8).prop_map(Value::Array),
            prop::collection::btree_map(
                prop_oneof![
                    Just("timestamp".to_owned()),
                    Just("event".to_owned()),
                    Just("payload".to_owned()),
                    Just("name".to_owned()),
                    Just("locale".to_owned()),
                    ".{0,8}".prop_map(|s: String| s),
                ],
                inner,
                0..8
            )
            .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}

#[test]
fn deeply_nested_input_is_a_syntax_error_not_a_crash() {
    let deep = format!("{}{}", "[".repeat(100_000), "]".repeat(100_000));
    assert!(validate_json(deep.as_bytes()).has(Rule::JsonSyntax));
    let deep = format!(
        "{{\"event\":{}1{}}}",
        "{\"a\":".repeat(10_000),
        "}".repeat(10_000)
    );
    assert!(!validate_json(deep.as_bytes()).is_valid());
}
