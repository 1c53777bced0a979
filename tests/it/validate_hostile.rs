//! Hostile bodies: a 2 MB body holds 200,000 array items, 100,000 locale entries
//! or 200,000 repeated keys. Validation stays linear in the body (no check
//! compares every item with every other), reports an excess once instead of once
//! per item, and keeps the fast and slow paths' verdicts equal.
//!
//! There are no timed assertions (machines are noisy): each check runs under a
//! generous hang guard, far above what the linear code needs in a debug build,
//! and far below what the quadratic code it replaced took.

use crate::validate_support;

use alexa_proactive_events::ProactiveEventRequest;
use alexa_proactive_events::schema::{FieldShape, ObjectShape, Shape};
use alexa_proactive_events::validate::{Report, Rule, validate_json, walk_json, walk_payload};
use serde_json::{Value, json};
use std::sync::mpsc;
use std::time::Duration;
use validate_support::{set, valid};

const TRASH: &str = "trash-collection-glass-tuesday-multicast.json";
const TYPES: &str = "/event/payload/alert/garbageTypes";

/// Runs `f` on another thread and fails if it has not finished in a minute.
#[track_caller]
fn guarded<T: Send + 'static>(what: &str, f: impl FnOnce() -> T + Send + 'static) -> T {
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        let _ = tx.send(f());
    });
    match rx.recv_timeout(Duration::from_secs(60)) {
        Ok(value) => value,
        Err(mpsc::RecvTimeoutError::Timeout) => {
            panic!("{what} did not finish in 60 s: a check is no longer linear")
        }
        Err(mpsc::RecvTimeoutError::Disconnected) => panic!("{what} panicked"),
    }
}

/// The trash body with `garbageTypes` replaced.
fn trash_with(types: Value) -> Vec<u8> {
    let mut body = valid(TRASH);
    set(&mut body, TYPES, Some(types));
    serde_json::to_vec(&body).expect("serializes")
}

fn lines(report: &Report) -> Vec<String> {
    report.violations.iter().map(ToString::to_string).collect()
}

/// The issue's body: 200,000 distinct strings (2 MB) where at most 5 distinct
/// garbage types are allowed. One MAX-ITEMS violation, the first 5 items checked
/// (each is not a garbage type), nothing about the 199,995 others.
#[test]
fn a_200k_item_array_is_one_max_items_violation_and_five_checked_items() {
    let types: Vec<String> = (0..200_000).map(|i| format!("g{i}")).collect();
    let bytes = trash_with(json!(types));
    assert!(bytes.len() > 1_800_000, "{} bytes", bytes.len());
    let value: Value = serde_json::from_slice(&bytes).expect("JSON");
    let (fast, walked) = guarded("validating 200,000 items", move || {
        (validate_json(&bytes), walk_json(&value))
    });
    for report in [&fast, &walked] {
        let max: Vec<_> = report
            .violations
            .iter()
            .filter(|v| v.rule == Rule::PayloadMaxItems)
            .collect();
        assert_eq!(
            max.len(),
            1,
            "{:?}",
            &lines(report)[..10.min(report.violations.len())]
        );
        assert_eq!(max[0].pointer, TYPES);
        assert_eq!(
            max[0].message,
            "200000 items; at most 5 allowed (the items after the first 5 are not checked)"
        );
        let enums: Vec<&str> = report
            .violations
            .iter()
            .filter(|v| v.rule == Rule::PayloadEnum)
            .map(|v| v.pointer.as_str())
            .collect();
        let first_five: Vec<String> = (0..5).map(|i| format!("{TYPES}/{i}")).collect();
        assert_eq!(enums, first_five);
        assert_eq!(report.violations.len(), 6, "{:?}", lines(report));
    }
}

/// 200,000 copies of one value: not 199,999 PAYLOAD-UNIQUE-ITEMS violations but
/// the excess once and the repeats among the first 5.
#[test]
fn a_200k_copy_array_reports_repeats_only_among_the_allowed_items() {
    let bytes = trash_with(json!(vec!["GLASS"; 200_000]));
    let report = guarded("validating 200,000 copies", move || validate_json(&bytes));
    let got: Vec<(Rule, &str)> = report
        .violations
        .iter()
        .map(|v| (v.rule, v.pointer.as_str()))
        .collect();
    let want: Vec<(Rule, String)> = std::iter::once((Rule::PayloadMaxItems, TYPES.to_owned()))
        .chain((1..5).map(|i| (Rule::PayloadUniqueItems, format!("{TYPES}/{i}"))))
        .collect();
    let want: Vec<(Rule, &str)> = want.iter().map(|(r, p)| (*r, p.as_str())).collect();
    assert_eq!(got, want);
    assert_eq!(
        report.violations[1].message,
        "item 1 repeats item 0; items must be distinct"
    );
}

/// Items after the maximum are neither checked against the item shape nor
/// against each other: the typed parse stops there too, so both paths agree.
#[test]
fn items_past_the_maximum_are_not_checked() {
    let types = json!([
        "GLASS", "CANS", "BULKY", "LANDFILL", "BOTTLES", "NOPE", "GLASS"
    ]);
    let bytes = trash_with(types.clone());
    let report = validate_json(&bytes);
    let got: Vec<(Rule, &str)> = report
        .violations
        .iter()
        .map(|v| (v.rule, v.pointer.as_str()))
        .collect();
    assert_eq!(got, [(Rule::PayloadMaxItems, TYPES)], "{report}");
    let value: Value = serde_json::from_slice(&bytes).expect("JSON");
    assert_eq!(walk_json(&value), report);
}

/// The typed parse (the fast path) reads one item past the maximum, without
/// parsing it, and stops: a bad item after the excess is not what it reports,
/// and 200,000 items cost no more than 6.
#[test]
fn the_typed_parse_stops_one_item_past_the_maximum() {
    let types = json!([
        "GLASS", "CANS", "BULKY", "LANDFILL", "BOTTLES", "GLASS", "NOPE"
    ]);
    let err = serde_json::from_slice::<ProactiveEventRequest>(&trash_with(types))
        .expect_err("too many items");
    assert!(
        err.to_string().contains("more than the 5 items allowed"),
        "{err}"
    );
    let bytes = trash_with(json!(vec!["GLASS"; 200_000]));
    let err = guarded("parsing 200,000 items", move || {
        serde_json::from_slice::<ProactiveEventRequest>(&bytes)
            .map(|_| ())
            .map_err(|e| e.to_string())
    })
    .expect_err("too many items");
    assert!(err.contains("more than the 5 items allowed"), "{err}");
    // Exactly 5 distinct items still parse; a repeat among them does not.
    let five = json!(["GLASS", "CANS", "BULKY", "LANDFILL", "BOTTLES"]);
    assert!(serde_json::from_slice::<ProactiveEventRequest>(&trash_with(five)).is_ok());
    let repeat = json!(["GLASS", "CANS", "GLASS"]);
    let err =
        serde_json::from_slice::<ProactiveEventRequest>(&trash_with(repeat)).expect_err("a repeat");
    assert!(
        err.to_string().contains("item 2 repeats an earlier item"),
        "{err}"
    );
}

/// No current schema has distinct items without a maximum; a hand-made shape
/// does. 200,001 items whose last repeats one in the middle: one violation,
/// found by hashing, not by comparing every pair (20 billion comparisons).
#[test]
fn unique_items_without_a_maximum_are_found_by_hashing() {
    static SHAPE: ObjectShape = ObjectShape {
        name: "Probe",
        fields: &[FieldShape {
            name: "tags",
            required: true,
            localizable: false,
            description: "",
            shape: Shape::Array {
                items: &Shape::String,
                min_items: None,
                max_items: None,
                unique: true,
            },
        }],
    };
    let mut tags: Vec<String> = (0..200_000).map(|i| format!("t{i}")).collect();
    tags.push("t12345".to_owned());
    let payload = json!({ "tags": tags });
    let report = guarded("walking 200,001 distinct items", move || {
        walk_payload(&SHAPE, &payload)
    });
    assert_eq!(
        lines(&report),
        ["error[PAYLOAD-UNIQUE-ITEMS] /event/payload/tags/200000: \
          item 200000 repeats item 12345; items must be distinct"]
    );

    // The typed parse's check (generated code calls it for `uniqueItems`).
    type Unbounded = Result<Vec<u64>, serde_json::Error>;
    let parse = |text: String| -> Unbounded {
        alexa_proactive_events::__private::list::<_, u64, 0, { usize::MAX }, true>(
            &mut serde_json::Deserializer::from_str(&text),
        )
    };
    let mut numbers: Vec<u64> = (0..200_000).collect();
    let distinct = serde_json::to_string(&numbers).expect("serializes");
    numbers.push(12_345);
    let repeated = serde_json::to_string(&numbers).expect("serializes");
    let (ok, err) = guarded("parsing 200,001 distinct items", move || {
        (
            parse(distinct).map(|v| v.len()),
            parse(repeated).map(|v| v.len()),
        )
    });
    assert_eq!(ok.expect("distinct"), 200_000);
    let err = err.expect_err("a repeat");
    assert!(
        err.to_string()
            .contains("item 200000 repeats an earlier item"),
        "{err}"
    );
}

/// Hashing keeps JSON equality as before: objects equal whatever the order of
/// their members, `1` distinct from `1.0` (as serde_json compares them), `0.0`
/// equal to `-0.0`, arrays equal item by item. The walk over more than a few
/// items (hashed) reports exactly the repeats that comparing every pair finds.
#[test]
fn uniqueness_keeps_json_equality() {
    static SHAPE: ObjectShape = ObjectShape {
        name: "Probe",
        fields: &[FieldShape {
            name: "any",
            required: true,
            localizable: false,
            description: "",
            // The items' shape does not matter here: only the repeats are compared.
            shape: Shape::Array {
                items: &Shape::Boolean,
                min_items: None,
                max_items: None,
                unique: true,
            },
        }],
    };
    let items: Vec<Value> = serde_json::from_str(
        r#"[1, 1.0, 0.0, -0.0, "1", [1, 2], [2, 1], {"a": 1, "b": [true, null]},
            {"b": [true, null], "a": 1}, {"a": 1}, {"a": 1.0}, null, false, true,
            [], {}, "", 1, 2, [1, 2], {"a": {"x": 1, "y": 2}}, {"a": {"y": 2, "x": 1}},
            18446744073709551615, -9223372036854775808, 18446744073709551615, 1e300, 1e300]"#,
    )
    .expect("JSON");
    assert!(items.len() > 16, "enough items to take the hashed path");
    let mut want = Vec::new();
    for (i, item) in items.iter().enumerate() {
        if let Some(j) = items[..i].iter().position(|x| x == item) {
            want.push(format!("{i} repeats item {j}"));
        }
    }
    assert!(want.contains(&"8 repeats item 7".to_owned()), "{want:?}");
    assert!(want.contains(&"3 repeats item 2".to_owned()), "{want:?}");
    assert!(!want.iter().any(|w| w.starts_with("1 ")), "{want:?}");
    let report = walk_payload(&SHAPE, &json!({ "any": items }));
    let got: Vec<String> = report
        .violations
        .iter()
        .filter(|v| v.rule == Rule::PayloadUniqueItems)
        .map(|v| {
            v.message
                .trim_start_matches("item ")
                .trim_end_matches("; items must be distinct")
                .to_owned()
        })
        .collect();
    assert_eq!(got, want);
}

/// The Occasion body with `n` entries of distinct locales (`en-x-<i>`, private
/// use tags), each with the three keys its payload references unless `keys` is
/// false.
fn occasion_with_locales(n: usize, keys: bool) -> Value {
    let mut body = valid("occasion-appointment-confirmed-with-broker.json");
    let entries: Vec<Value> = (0..n)
        .map(|i| {
            let mut entry = json!({ "locale": format!("en-x-{i:x}") });
            if keys {
                entry["subject"] = json!("a root canal");
                entry["providerName"] = json!("Dental XYZ");
                entry["brokerName"] = json!("Example Bookings");
            }
            entry
        })
        .collect();
    set(
        &mut body,
        "/localizedAttributes",
        Some(Value::Array(entries)),
    );
    body
}

/// 100,000 entries of distinct locales: valid, and one repeated locale is one
/// LOC-LOCALE-DUPLICATE naming its first entry, on both paths, without
/// comparing every entry with every other.
#[test]
fn many_locale_entries_are_checked_in_linear_time() {
    const N: usize = 100_000;
    let body = occasion_with_locales(N, true);
    let bytes = serde_json::to_vec(&body).expect("serializes");
    let report = guarded("validating 100,000 locales", move || validate_json(&bytes));
    assert!(
        report.is_valid(),
        "{:?}",
        &lines(&report)[..3.min(report.violations.len())]
    );

    let mut body = occasion_with_locales(N, true);
    set(
        &mut body,
        &format!("/localizedAttributes/{N}"),
        Some(
            json!({"locale": "en-x-3039", "subject": "s", "providerName": "p", "brokerName": "b"}),
        ),
    );
    let bytes = serde_json::to_vec(&body).expect("serializes");
    let (fast, walked) = guarded("validating a repeated locale", move || {
        (validate_json(&bytes), walk_json(&body))
    });
    for report in [fast, walked] {
        // Private-use tags are valid but none of Alexa's: a warning each (D25).
        assert!(report.warnings().all(|v| v.rule == Rule::LocLocaleNotAlexa));
        let errors = Report {
            violations: report.errors().cloned().collect(),
        };
        assert_eq!(
            lines(&errors),
            [format!(
                "error[LOC-LOCALE-DUPLICATE] /localizedAttributes/{N}/locale: \
                 locale en-x-3039 already has entry 12345; send one entry per locale"
            )]
        );
    }
}

/// Three references to keys no entry has, over 100,000 entries: one
/// LOC-KEY-DEFINED per (entry, key), in linear time (the check no longer scans
/// every earlier report for each entry).
#[test]
fn a_missing_key_in_many_entries_is_reported_once_per_entry_in_linear_time() {
    const N: usize = 100_000;
    let mut body = occasion_with_locales(N, false);
    // The same key used twice is still reported once per entry, at its first use.
    set(
        &mut body,
        "/event/payload/occasion/broker/name",
        Some(json!("localizedattribute:subject")),
    );
    let bytes = serde_json::to_vec(&body).expect("serializes");
    let report = guarded("validating 100,000 entries", move || validate_json(&bytes));
    assert!(report.errors().all(|v| v.rule == Rule::LocKeyDefined));
    // Private-use tags are valid but none of Alexa's: a warning each (D25).
    assert!(report.warnings().all(|v| v.rule == Rule::LocLocaleNotAlexa));
    let errors: Vec<_> = report.errors().collect();
    assert_eq!(errors.len(), 2 * N);
    assert_eq!(
        errors[0].message,
        "no value for `subject` (used at /event/payload/occasion/subject) in the entry for locale en-x-0"
    );
    assert_eq!(
        errors[N].message,
        "no value for `providerName` (used at /event/payload/occasion/provider/name) in the entry for locale en-x-0"
    );
}

/// An object of 100,000 unknown members, then 100,000 repeats of a known
/// name: one PAYLOAD-UNKNOWN-FIELD and one JSON-DUPLICATE-KEY each, in linear
/// time (a repeat is no longer found by scanning every member before it).
#[test]
fn repeated_keys_are_found_in_linear_time() {
    const N: usize = 100_000;
    let text = String::from_utf8(trash_with(json!(["GLASS"]))).expect("UTF-8");
    let unknown: String = (0..N).map(|i| format!(r#""u{i}":0,"#)).collect();
    let repeated = r#""collectionDayOfWeek":"TUESDAY","#.repeat(N);
    let text = text.replacen(
        r#""collectionDayOfWeek":"TUESDAY""#,
        &format!(r#"{unknown}{repeated}"collectionDayOfWeek":"TUESDAY""#),
        1,
    );
    let report = guarded("validating 100,000 repeated keys", move || {
        validate_json(text.as_bytes())
    });
    let count = |rule: Rule| report.violations.iter().filter(|v| v.rule == rule).count();
    assert_eq!(count(Rule::PayloadUnknownField), N);
    assert_eq!(count(Rule::JsonDuplicateKey), N);
    assert_eq!(report.violations.len(), 2 * N, "{:?}", &lines(&report)[..3]);
    assert!(
        report
            .violations
            .iter()
            .filter(|v| v.rule == Rule::JsonDuplicateKey)
            .all(|v| v.pointer == "/event/payload/alert/collectionDayOfWeek")
    );
}
