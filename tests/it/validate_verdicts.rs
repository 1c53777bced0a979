//! The verdicts of issue 14, by rule id and pointer: locales Alexa cannot
//! speak, case-twin locales, repeated keys in `localizedAttributes` entries,
//! impossible dates and offsets, integral numbers however written and integers
//! beyond 64 bits (docs/decisions.md D25–D27). The bodies are files of the bank:
//! `tests/bodies/rust-only/` holds those whose verdict JSON Schema cannot give
//! (the generated schemas accept them), `valid-numbers/` (valid bodies writing
//! an integer as `2.0`, `2e0`, `-0`), `valid/` and `invalid/` the others.

use crate::validate_support;

use alexa_proactive_events::ALEXA_LOCALES;
use alexa_proactive_events::validate::{Report, Rule, Severity, validate_json, walk_json};
use serde_json::{Value, json};
use validate_support::{bank, json_schema, raw_bodies, set, valid};

const E: Severity = Severity::Error;
const W: Severity = Severity::Warning;

/// (rule, pointer, severity).
type Finding = (Rule, &'static str, Severity);

/// `rust-only/` body -> every violation it must report.
const RUST_ONLY: &[(&str, &[Finding])] = &[
    (
        "media-content-localized-provider-name-repeated",
        &[(
            Rule::JsonDuplicateKey,
            "/localizedAttributes/1/providerName",
            E,
        )],
    ),
    (
        "message-alert-locale-case-twins",
        &[
            (Rule::LocLocaleDuplicate, "/localizedAttributes/1/locale", E),
            (Rule::LocLocaleCase, "/localizedAttributes/1/locale", W),
        ],
    ),
    (
        "message-alert-locale-nope",
        &[(
            Rule::LocLocaleUnregistered,
            "/localizedAttributes/1/locale",
            E,
        )],
    ),
    (
        "message-alert-locale-not-alexa",
        &[(Rule::LocLocaleNotAlexa, "/localizedAttributes/1/locale", W)],
    ),
    (
        "message-alert-locale-tornado",
        &[(
            Rule::LocLocaleUnregistered,
            "/localizedAttributes/1/locale",
            E,
        )],
    ),
    (
        "message-alert-locale-xx-qq",
        &[(
            Rule::LocLocaleUnregistered,
            "/localizedAttributes/1/locale",
            E,
        )],
    ),
    (
        // en-us on an en-US-only event: no LOC-LOCALE-UNSUPPORTED (D11 compares
        // case-insensitively), only the canonical-case warning.
        "order-status-locale-lower-case",
        &[(Rule::LocLocaleCase, "/localizedAttributes/0/locale", W)],
    ),
];

fn found(report: &Report) -> Vec<(Rule, String, Severity)> {
    let mut v: Vec<_> = report
        .violations
        .iter()
        .map(|v| (v.rule, v.pointer.clone(), v.severity))
        .collect();
    v.sort_by(|a, b| (a.0, &a.1).cmp(&(b.0, &b.1)));
    v
}

#[test]
fn every_rust_only_body_reports_its_rules_and_pointers_on_both_paths() {
    let bodies = raw_bodies("rust-only");
    assert_eq!(bodies.len(), RUST_ONLY.len(), "an expectation per body");
    for (name, bytes) in bodies {
        let stem = name.trim_end_matches(".json");
        let want = RUST_ONLY
            .iter()
            .find(|(n, _)| *n == stem)
            .unwrap_or_else(|| panic!("{name} has no expectation"))
            .1;
        let mut want: Vec<_> = want
            .iter()
            .map(|(r, p, s)| (*r, (*p).to_owned(), *s))
            .collect();
        want.sort_by(|a, b| (a.0, &a.1).cmp(&(b.0, &b.1)));
        let report = validate_json(&bytes);
        assert_eq!(found(&report), want, "{name}:\n{report}");
        if !name.contains("repeated") {
            // A `Value` keeps one of two repeated keys: only the bytes show them.
            let value: Value = serde_json::from_slice(&bytes).expect("JSON");
            assert_eq!(found(&walk_json(&value)), want, "{name} (walk)");
        }
        // The generated JSON Schemas accept every one of them: these rules are
        // beyond JSON Schema (the registry, case, repeated keys, duplicates).
        let value: Value = serde_json::from_slice(&bytes).expect("JSON");
        assert!(
            json_schema("proactive-event.schema.json").is_valid(&value),
            "{name}"
        );
    }
}

#[test]
fn locale_messages_name_the_canonical_form_and_the_registry() {
    let report = validate_json(
        &std::fs::read(bank().join("rust-only/order-status-locale-lower-case.json")).expect("body"),
    );
    let case = report.violations.first().expect("a warning");
    assert!(case.message.contains("`en-US`"), "{case}");
    assert!(report.is_valid());

    let report = validate_json(
        &std::fs::read(bank().join("rust-only/message-alert-locale-tornado.json")).expect("body"),
    );
    let v = report.errors().next().expect("an error");
    assert!(
        v.message.contains("TORNADO") && v.message.contains("IANA"),
        "{v}"
    );
}

/// Duplicates compare case-insensitively on the map path too (past 16 entries).
#[test]
fn case_twins_are_duplicates_among_many_entries() {
    let mut body = valid("message-alert-flagged-minimal-multicast.json");
    let mut entries: Vec<Value> = ALEXA_LOCALES
        .iter()
        .map(|l| json!({ "locale": l }))
        .collect();
    entries.push(json!({"locale": "EN-us"}));
    entries.push(json!({"locale": "ja-jp"}));
    assert!(entries.len() > 16);
    let n = entries.len();
    set(
        &mut body,
        "/localizedAttributes",
        Some(Value::Array(entries)),
    );
    let bytes = serde_json::to_vec(&body).expect("JSON");
    for report in [validate_json(&bytes), walk_json(&body)] {
        let dups: Vec<_> = report
            .violations
            .iter()
            .filter(|v| v.rule == Rule::LocLocaleDuplicate)
            .map(|v| v.pointer.clone())
            .collect();
        assert_eq!(
            dups,
            [
                format!("/localizedAttributes/{}/locale", n - 2),
                format!("/localizedAttributes/{}/locale", n - 1)
            ]
        );
        assert!(report.has(Rule::LocLocaleCase));
    }
}

/// A repeated `locale` in one entry is a repeated key too, with its pointer.
#[test]
fn a_repeated_locale_key_in_one_entry_is_a_duplicate_key() {
    let text =
        std::fs::read_to_string(bank().join("valid/message-alert-flagged-minimal-multicast.json"))
            .expect("body");
    let text = text.replacen(
        "\"locale\": \"en-GB\"",
        "\"locale\": \"en-GB\", \"locale\": \"en-GB\"",
        1,
    );
    let report = validate_json(text.as_bytes());
    assert_eq!(
        found(&report),
        [(
            Rule::JsonDuplicateKey,
            "/localizedAttributes/1/locale".to_owned(),
            E
        )]
    );
}

#[test]
fn integral_numbers_are_integers_however_written() {
    for name in [
        "message-alert-count-2-point-0.json",
        "message-alert-count-2e0.json",
        "message-alert-count-minus-0.json",
    ] {
        let bytes = std::fs::read(bank().join("valid-numbers").join(name)).expect("body");
        let (request, report) =
            alexa_proactive_events::validate::parse(&bytes, &Default::default());
        assert!(report.violations.is_empty(), "{name}:\n{report}");
        let value: Value = serde_json::from_slice(&bytes).expect("JSON");
        assert!(walk_json(&value).violations.is_empty(), "{name} (walk)");
        assert!(
            json_schema("proactive-event.schema.json").is_valid(&value),
            "{name} (JSON Schema)"
        );
        // The typed request is returned too, the count read as an integer.
        let request = request.unwrap_or_else(|| panic!("{name}: no request"));
        let json = serde_json::to_value(&request).expect("serializes");
        let want = if name.contains("minus-0") { 0 } else { 2 };
        assert_eq!(json["event"]["payload"]["messageGroup"]["count"], want);
    }
    let count = "/event/payload/messageGroup/count";
    for (text, rule, message) in [
        (
            "123456789012345678901234567890",
            Rule::PayloadMaximum,
            "123456789012345678901234567890 is more than the maximum 18446744073709551615",
        ),
        (
            "18446744073709551616",
            Rule::PayloadMaximum,
            "18446744073709551616 is more than the maximum 18446744073709551615",
        ),
        (
            "-123456789012345678901234567890",
            Rule::PayloadMinimum,
            "-123456789012345678901234567890 is less than the minimum 0",
        ),
        (
            "-1.0",
            Rule::PayloadMinimum,
            "-1.0 is less than the minimum 0",
        ),
        ("2.5", Rule::PayloadType, "expected an integer, found 2.5"),
        (
            "25e-1",
            Rule::PayloadType,
            "expected an integer, found 25e-1",
        ),
        (
            "1E+40",
            Rule::PayloadMaximum,
            "1E+40 is more than the maximum 18446744073709551615",
        ),
    ] {
        let body = std::fs::read_to_string(
            bank().join("valid/message-alert-flagged-minimal-multicast.json"),
        )
        .expect("body")
        .replacen("\"count\": 1", &format!("\"count\": {text}"), 1);
        let report = validate_json(body.as_bytes());
        let got: Vec<_> = report
            .violations
            .iter()
            .map(|v| (v.rule, v.pointer.as_str(), v.message.as_str()))
            .collect();
        assert_eq!(got, [(rule, count, message)], "{text}");
    }
    // u64::MAX itself, written with a fraction, is still in range.
    let body =
        std::fs::read_to_string(bank().join("valid/message-alert-flagged-minimal-multicast.json"))
            .expect("body")
            .replacen("\"count\": 1", "\"count\": 18446744073709551615.0", 1);
    assert!(validate_json(body.as_bytes()).violations.is_empty());
}

/// `tests/cross-language/date-times.json`: Rust gives each case its verdict,
/// and so does the generated pattern with formats off and on (the jsonschema
/// crate here; Python and Ajv in `tests/cross-language`).
#[test]
fn date_time_edge_cases_get_one_verdict_in_rust_and_the_json_schemas() {
    let path = bank().join("../cross-language/date-times.json");
    let cases: Value = serde_json::from_slice(&std::fs::read(&path).expect("cases")).expect("JSON");
    let cases = cases["cases"].as_array().expect("cases");
    assert!(cases.len() >= 20);
    let schema_file = |file: &str| -> Value {
        let p = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("generated/json-schema")
            .join(file);
        serde_json::from_slice(&std::fs::read(p).expect("schema")).expect("JSON")
    };
    /// The `pattern` of the first `format: date-time` subschema.
    fn date_time_pattern(v: &Value) -> Option<&str> {
        match v {
            Value::Object(o) if o.get("format") == Some(&json!("date-time")) => {
                o.get("pattern").and_then(Value::as_str)
            }
            Value::Object(o) => o.values().find_map(date_time_pattern),
            Value::Array(a) => a.iter().find_map(date_time_pattern),
            _ => None,
        }
    }
    let aggregate = schema_file("proactive-event.schema.json");
    let pattern = date_time_pattern(&aggregate).expect("a date-time pattern");
    let pattern_only = jsonschema::validator_for(&json!({"type": "string", "pattern": pattern}))
        .expect("compiles");
    let base = valid("occasion-appointment-confirmed-with-broker.json");
    let with_formats = json_schema("proactive-event.schema.json");
    let plain = jsonschema::options()
        .with_draft(jsonschema::Draft::Draft202012)
        .should_validate_formats(false)
        .build(&aggregate)
        .expect("compiles");
    for case in cases {
        let value = case["value"].as_str().expect("value");
        let want = case["valid"].as_bool().expect("valid");
        let mut body = base.clone();
        set(
            &mut body,
            "/event/payload/occasion/bookingTime",
            Some(json!(value)),
        );
        let bytes = serde_json::to_vec(&body).expect("JSON");
        let report = validate_json(&bytes);
        assert_eq!(
            !report.has(Rule::PayloadDatetime),
            want,
            "Rust on {value}: {report}"
        );
        assert_eq!(report.is_valid(), want, "{value}: {report}");
        assert_eq!(with_formats.is_valid(&body), want, "formats on: {value}");
        assert_eq!(plain.is_valid(&body), want, "formats off: {value}");
        assert_eq!(
            pattern_only.is_valid(&json!(value)),
            want,
            "pattern: {value}"
        );
    }
}

/// Preview finds a locale's entry whatever the case of either side (D25).
#[test]
fn preview_looks_locales_up_case_insensitively() {
    let bytes =
        std::fs::read(bank().join("rust-only/order-status-locale-lower-case.json")).expect("body");
    let request: alexa_proactive_events::ProactiveEventRequest =
        serde_json::from_slice(&bytes).expect("typed");
    let lower = request.preview("en-us").expect("en-us");
    assert_eq!(request.preview("EN-US").expect("EN-US"), lower);
    assert!(lower.contains("Example Books"), "{lower}");
}
