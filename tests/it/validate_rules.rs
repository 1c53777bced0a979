//! One valid and one invalid case per rule, asserting the rule id and the pointer.

use crate::validate_support;

use alexa_proactive_events::schema::{FieldShape, IntWidth, ObjectShape, Shape};
use alexa_proactive_events::validate::{
    self, Options, Report, Severity, parse, rules, validate_json, walk_payload,
};
use alexa_proactive_events::{DateTime, ProactiveEventRequest, Text, events};
use serde_json::{Value, json};
use validate_support::{set, valid};

/// Multicast, fr-FR and de-DE, `source` is `localizedattribute:weatherProvider`,
/// expiry exactly 5 min after the timestamp.
const WEATHER: &str = "weather-alert-thunder-storm-fr-de-expiry-5min.json";
/// Unicast, en-US, a reference in `order.seller.name`, a payload date-time.
const ORDER: &str = "order-status-shipped-delivery-details.json";
/// Multicast, one garbage type.
const TRASH: &str = "trash-collection-glass-tuesday-multicast.json";
/// Unicast, an integer count, no localizable field.
const MESSAGE: &str = "message-alert-unread-urgent-unicast.json";

/// Applies edits (pointer, new value or removal) to a bank body and validates it.
fn check(base: &str, edits: &[(&str, Option<Value>)]) -> Report {
    let mut body = valid(base);
    for (pointer, value) in edits {
        set(&mut body, pointer, value.clone());
    }
    validate_json(&serde_json::to_vec(&body).expect("serialize"))
}

#[track_caller]
fn assert_reports(report: &Report, rule: &str, pointer: &str) {
    assert!(
        report
            .violations
            .iter()
            .any(|v| v.rule == rule && v.pointer == pointer),
        "expected {rule} at {pointer:?}, got:\n{report}"
    );
}

#[track_caller]
fn assert_not(report: &Report, rule: &str) {
    assert!(!report.has(rule), "unexpected {rule}:\n{report}");
}

#[test]
fn json_syntax_names_line_and_column() {
    let report = validate_json(b"{\n  \"timestamp\": ");
    assert_reports(&report, rules::JSON_SYNTAX, "");
    let message = &report.violations[0].message;
    assert!(message.contains("line 2"), "{message}");
    assert_eq!(report.violations.len(), 1);
    assert!(validate_json(b"not json").has(rules::JSON_SYNTAX));
    assert!(validate_json(b"").has(rules::JSON_SYNTAX));
    assert!(validate_json(&[0xff, 0xfe]).has(rules::JSON_SYNTAX));
    assert_not(&check(WEATHER, &[]), rules::JSON_SYNTAX);
}

#[test]
fn a_repeated_key_is_reported_with_its_pointer() {
    let body = serde_json::to_string(&valid(WEATHER)).expect("serialize");
    let doubled = body.replacen(
        "\"referenceId\":\"~\"",
        "\"referenceId\":\"~\",\"referenceId\":\"x\"",
        1,
    );
    assert_ne!(body, doubled);
    let report = validate_json(doubled.as_bytes());
    assert_reports(&report, rules::JSON_DUPLICATE_KEY, "/referenceId");
    let doubled = body.replacen(
        "\"alertType\":\"THUNDER_STORM\"",
        "\"alertType\":\"THUNDER_STORM\",\"alertType\":\"TORNADO\"",
        1,
    );
    assert_ne!(body, doubled);
    let report = validate_json(doubled.as_bytes());
    assert_reports(
        &report,
        rules::JSON_DUPLICATE_KEY,
        "/event/payload/weatherAlert/alertType",
    );
    assert!(!report.has(rules::STRUCTURE), "{report}");
    assert_not(&validate_json(body.as_bytes()), rules::JSON_DUPLICATE_KEY);
}

#[test]
fn envelope_types() {
    assert_reports(&validate_json(b"[]"), rules::ENV_TYPE, "");
    assert_reports(&validate_json(b"\"x\""), rules::ENV_TYPE, "");
    let r = check(WEATHER, &[("/referenceId", Some(json!(5)))]);
    assert_reports(&r, rules::ENV_TYPE, "/referenceId");
    let r = check(
        WEATHER,
        &[("/event", Some(json!("AMAZON.WeatherAlert.Activated")))],
    );
    assert_reports(&r, rules::ENV_TYPE, "/event");
    let r = check(WEATHER, &[("/relevantAudience/payload", Some(json!([])))]);
    assert_reports(&r, rules::ENV_TYPE, "/relevantAudience/payload");
    let r = check(WEATHER, &[("/localizedAttributes/0", Some(json!("fr-FR")))]);
    assert_reports(&r, rules::ENV_TYPE, "/localizedAttributes/0");
    assert_not(&check(WEATHER, &[]), rules::ENV_TYPE);
}

#[test]
fn envelope_required_null_and_unknown_fields() {
    let r = check(WEATHER, &[("/event", None)]);
    assert_reports(&r, rules::ENV_REQUIRED, "/event");
    let r = check(WEATHER, &[("/localizedAttributes/0/locale", None)]);
    assert_reports(&r, rules::ENV_REQUIRED, "/localizedAttributes/0/locale");
    let r = check(WEATHER, &[("/relevantAudience", Some(Value::Null))]);
    assert_reports(&r, rules::ENV_NULL, "/relevantAudience");
    let r = check(
        WEATHER,
        &[("/localizedAttributes/1/weatherProvider", Some(Value::Null))],
    );
    assert_reports(
        &r,
        rules::ENV_NULL,
        "/localizedAttributes/1/weatherProvider",
    );
    // A misspelt field is both unknown and missing.
    let attrs = valid(WEATHER)["localizedAttributes"].clone();
    let r = check(
        WEATHER,
        &[
            ("/localizedAttributes", None),
            ("/localizedattributes", Some(attrs)),
        ],
    );
    assert_reports(&r, rules::ENV_UNKNOWN_FIELD, "/localizedattributes");
    assert_reports(&r, rules::ENV_REQUIRED, "/localizedAttributes");
    let r = check(WEATHER, &[("/event/version", Some(json!("1")))]);
    assert_reports(&r, rules::ENV_UNKNOWN_FIELD, "/event/version");
    let r = check(
        ORDER,
        &[("/relevantAudience/payload/person", Some(json!("p")))],
    );
    assert_reports(
        &r,
        rules::ENV_UNKNOWN_FIELD,
        "/relevantAudience/payload/person",
    );
    let r = check(WEATHER, &[("/a~0b~1c", Some(json!(1)))]);
    assert_reports(&r, rules::ENV_UNKNOWN_FIELD, "/a~0b~1c");
    let clean = check(WEATHER, &[]);
    for rule in [
        rules::ENV_REQUIRED,
        rules::ENV_NULL,
        rules::ENV_UNKNOWN_FIELD,
    ] {
        assert_not(&clean, rule);
    }
}

#[test]
fn date_times_need_a_zone() {
    let r = check(
        WEATHER,
        &[("/timestamp", Some(json!("2024-07-04T15:45:30")))],
    );
    assert_reports(&r, rules::ENV_TIMESTAMP_ISO8601, "/timestamp");
    assert!(r.violations[0].message.contains("with a zone"), "{r}");
    let r = check(WEATHER, &[("/expiryTime", Some(json!("tomorrow")))]);
    assert_reports(&r, rules::ENV_EXPIRY_ISO8601, "/expiryTime");
    let r = check(
        ORDER,
        &[(
            "/event/payload/state/deliveryDetails/expectedArrival",
            Some(json!("2024-05-03")),
        )],
    );
    assert_reports(
        &r,
        rules::PAYLOAD_DATETIME,
        "/event/payload/state/deliveryDetails/expectedArrival",
    );
    // Offsets, `Z` and fractions are all fine (the bases use them).
    let clean = check(
        ORDER,
        &[
            ("/timestamp", Some(json!("2024-05-01T10:00:00.5+02:00"))),
            ("/expiryTime", Some(json!("2024-05-01T09:00:00Z"))),
        ],
    );
    assert!(clean.is_valid(), "{clean}");
    assert_not(&check(WEATHER, &[]), rules::ENV_TIMESTAMP_ISO8601);
}

#[test]
fn reference_id_characters_and_length() {
    let r = check(WEATHER, &[("/referenceId", Some(json!("storm-42")))]);
    assert_reports(&r, rules::ENV_REFID_CHARSET, "/referenceId");
    let r = check(WEATHER, &[("/referenceId", Some(json!("a".repeat(101))))]);
    assert_reports(&r, rules::ENV_REFID_LENGTH, "/referenceId");
    let r = check(WEATHER, &[("/referenceId", Some(json!("")))]);
    assert_reports(&r, rules::ENV_REFID_LENGTH, "/referenceId");
    let ok = check(
        WEATHER,
        &[(
            "/referenceId",
            Some(json!(format!("~{}", "Z9".repeat(49) + "x"))),
        )],
    );
    assert!(ok.is_valid(), "100 characters of the allowed set: {ok}");
}

#[test]
fn expiry_window_is_measured_from_the_timestamp_inclusive() {
    // The base sits at exactly 5 min.
    let clean = check(WEATHER, &[]);
    assert!(clean.is_valid(), "{clean}");
    let r = check(
        WEATHER,
        &[("/expiryTime", Some(json!("2024-07-04T15:50:29+02:00")))],
    );
    assert_reports(&r, rules::ENV_EXPIRY_MIN, "/expiryTime");
    assert!(r.violations[0].message.contains("4 min 59 s"), "{r}");
    let r = check(
        WEATHER,
        &[("/expiryTime", Some(json!("2024-07-04T13:45:30Z")))],
    );
    assert_reports(&r, rules::ENV_EXPIRY_MIN, "/expiryTime");
    let at_24h = check(
        WEATHER,
        &[("/expiryTime", Some(json!("2024-07-05T15:45:30+02:00")))],
    );
    assert!(at_24h.is_valid(), "{at_24h}");
    let r = check(
        WEATHER,
        &[("/expiryTime", Some(json!("2024-07-05T13:45:31Z")))],
    );
    assert_reports(&r, rules::ENV_EXPIRY_MAX, "/expiryTime");
    assert_eq!(
        r.violations[0].to_string(),
        "error[ENV-EXPIRY-MAX] /expiryTime: expiryTime is 24 h 1 s after timestamp; the most Alexa accepts is 24 h"
    );
    let r = check(
        WEATHER,
        &[("/expiryTime", Some(json!("2024-07-05T15:45:30.001+02:00")))],
    );
    assert_reports(&r, rules::ENV_EXPIRY_MAX, "/expiryTime");
}

#[test]
fn expiry_clock_is_checked_only_when_asked() {
    let bytes = serde_json::to_vec(&valid(WEATHER)).expect("serialize");
    let at = |s: &str| -> Options {
        Options {
            now: Some(s.parse::<DateTime>().expect("a date-time")),
        }
    };
    assert_not(&validate_json(&bytes), rules::ENV_EXPIRY_CLOCK);
    let (request, report) = parse(&bytes, &at("2024-07-04T13:45:30Z"));
    assert!(request.is_some());
    assert!(report.is_valid(), "sent at its timestamp: {report}");
    let (_, report) = parse(&bytes, &at("2024-07-04T14:00:00Z"));
    assert_reports(&report, rules::ENV_EXPIRY_CLOCK, "/expiryTime");
    let (_, report) = parse(&bytes, &at("2024-07-03T12:00:00Z"));
    assert_reports(&report, rules::ENV_EXPIRY_CLOCK, "/expiryTime");
}

#[test]
fn event_name_must_be_a_schema() {
    let r = check(
        WEATHER,
        &[("/event/name", Some(json!("AMAZON.WeatherAlert.Updated")))],
    );
    assert_reports(&r, rules::ENV_EVENT_NAME, "/event/name");
    assert!(
        r.violations[0]
            .message
            .contains("AMAZON.OrderStatus.Updated"),
        "{r}"
    );
    assert_not(&check(WEATHER, &[]), rules::ENV_EVENT_NAME);
}

#[test]
fn audience_rules() {
    let r = check(
        WEATHER,
        &[("/relevantAudience/type", Some(json!("Broadcast")))],
    );
    assert_reports(&r, rules::ENV_AUDIENCE_TYPE, "/relevantAudience/type");
    let r = check(
        WEATHER,
        &[("/relevantAudience/type", Some(json!("multicast")))],
    );
    assert_reports(&r, rules::ENV_AUDIENCE_TYPE, "/relevantAudience/type");
    let r = check(ORDER, &[("/relevantAudience/payload/user", None)]);
    assert_reports(
        &r,
        rules::ENV_UNICAST_USER,
        "/relevantAudience/payload/user",
    );
    let r = check(
        ORDER,
        &[("/relevantAudience/payload/user", Some(json!("")))],
    );
    assert_reports(
        &r,
        rules::ENV_UNICAST_USER,
        "/relevantAudience/payload/user",
    );
    let r = check(
        WEATHER,
        &[(
            "/relevantAudience/payload/user",
            Some(json!("amzn1.ask.account.X")),
        )],
    );
    assert_reports(
        &r,
        rules::ENV_MULTICAST_EMPTY_PAYLOAD,
        "/relevantAudience/payload",
    );
    // A Unicast body turned Multicast keeps its user: not allowed.
    let r = check(
        ORDER,
        &[("/relevantAudience/type", Some(json!("Multicast")))],
    );
    assert_reports(
        &r,
        rules::ENV_MULTICAST_EMPTY_PAYLOAD,
        "/relevantAudience/payload",
    );
    for base in [WEATHER, ORDER] {
        let clean = check(base, &[]);
        for rule in [
            rules::ENV_AUDIENCE_TYPE,
            rules::ENV_UNICAST_USER,
            rules::ENV_MULTICAST_EMPTY_PAYLOAD,
        ] {
            assert_not(&clean, rule);
        }
    }
}

#[test]
fn locales() {
    let r = check(WEATHER, &[("/localizedAttributes", Some(json!([])))]);
    assert_reports(&r, rules::LOC_EMPTY, "/localizedAttributes");
    let r = check(
        WEATHER,
        &[("/localizedAttributes/0/locale", Some(json!("fr_FR")))],
    );
    assert_reports(&r, rules::LOC_LOCALE_BCP47, "/localizedAttributes/0/locale");
    let r = check(
        WEATHER,
        &[("/localizedAttributes/1/locale", Some(json!("fr-FR")))],
    );
    assert_reports(
        &r,
        rules::LOC_LOCALE_DUPLICATE,
        "/localizedAttributes/1/locale",
    );
    assert!(!r.has(rules::LOC_LOCALE_BCP47));
    let ok = check(
        WEATHER,
        &[("/localizedAttributes/1/locale", Some(json!("ja-JP")))],
    );
    assert!(ok.violations.is_empty(), "{ok}");
    let r = check(
        WEATHER,
        &[("/localizedAttributes/0/weatherProvider", Some(json!("")))],
    );
    assert_reports(
        &r,
        rules::LOC_VALUE_EMPTY,
        "/localizedAttributes/0/weatherProvider",
    );
}

#[test]
fn an_undocumented_locale_is_a_warning_not_an_error() {
    let r = check(
        ORDER,
        &[(
            "/localizedAttributes/1",
            Some(json!({"locale": "en-GB", "sellerName": "Example Books"})),
        )],
    );
    assert!(r.is_valid(), "{r}");
    assert_reports(
        &r,
        rules::LOC_LOCALE_UNSUPPORTED,
        "/localizedAttributes/1/locale",
    );
    let warning = r.warnings().next().expect("a warning");
    assert_eq!(warning.severity, Severity::Warning);
    assert!(
        warning
            .to_string()
            .starts_with("warning[LOC-LOCALE-UNSUPPORTED]")
    );
    assert_eq!(r.errors().count(), 0);
    // WeatherAlert has no locale restriction.
    assert_not(&check(WEATHER, &[]), rules::LOC_LOCALE_UNSUPPORTED);
}

#[test]
fn every_reference_needs_its_key_in_every_locale() {
    let r = check(WEATHER, &[("/localizedAttributes/1/weatherProvider", None)]);
    assert_reports(&r, rules::LOC_KEY_DEFINED, "/localizedAttributes/1");
    assert_eq!(r.errors().count(), 1, "{r}");
    assert!(
        r.violations[0]
            .message
            .contains("/event/payload/weatherAlert/source"),
        "{r}"
    );
    assert!(r.violations[0].message.contains("de-DE"), "{r}");
    let r = check(
        WEATHER,
        &[(
            "/event/payload/weatherAlert/source",
            Some(json!("localizedattribute:other")),
        )],
    );
    assert_reports(&r, rules::LOC_KEY_DEFINED, "/localizedAttributes/0");
    assert_reports(&r, rules::LOC_KEY_DEFINED, "/localizedAttributes/1");
    // `locale` is not an attribute key.
    let r = check(
        WEATHER,
        &[(
            "/event/payload/weatherAlert/source",
            Some(json!("localizedattribute:locale")),
        )],
    );
    assert_reports(&r, rules::LOC_KEY_DEFINED, "/localizedAttributes/0");
    assert_not(&check(WEATHER, &[]), rules::LOC_KEY_DEFINED);
}

#[test]
fn references_only_in_localizable_fields() {
    let r = check(
        MESSAGE,
        &[
            (
                "/event/payload/messageGroup/creator/name",
                Some(json!("localizedattribute:creator")),
            ),
            ("/localizedAttributes/0/creator", Some(json!("Jane"))),
        ],
    );
    assert_reports(
        &r,
        rules::LOC_NOT_LOCALIZABLE,
        "/event/payload/messageGroup/creator/name",
    );
    assert_eq!(r.errors().count(), 1, "{r}");
    let r = check(
        WEATHER,
        &[(
            "/event/payload/weatherAlert/source",
            Some(json!("localizedattribute:")),
        )],
    );
    assert_reports(
        &r,
        rules::LOC_REFERENCE_KEY,
        "/event/payload/weatherAlert/source",
    );
    // A literal in a localizable field is fine.
    let ok = check(
        WEATHER,
        &[(
            "/event/payload/weatherAlert/source",
            Some(json!("Weather Corp")),
        )],
    );
    assert!(ok.is_valid(), "{ok}");
}

#[test]
fn per_locale_text_must_be_built() {
    let bytes = serde_json::to_vec(&valid(WEATHER)).expect("serialize");
    let mut request: ProactiveEventRequest = serde_json::from_slice(&bytes).expect("parses");
    assert!(validate::validate(&request).is_valid());
    let events::Event::WeatherAlertActivated(payload) = &mut request.event else {
        panic!("a weather alert");
    };
    payload.weather_alert.source = Text::per_locale([("fr-FR", "Météo"), ("de-DE", "Wetter")]);
    let r = validate::validate(&request);
    assert_reports(&r, rules::LOC_UNBUILT, "/event/payload/weatherAlert/source");
}

#[test]
fn payload_structure() {
    let at = "/event/payload/weatherAlert/alertType";
    assert_reports(
        &check(WEATHER, &[(at, Some(json!(3)))]),
        rules::PAYLOAD_TYPE,
        at,
    );
    assert_reports(&check(WEATHER, &[(at, None)]), rules::PAYLOAD_REQUIRED, at);
    assert_reports(
        &check(WEATHER, &[(at, Some(Value::Null))]),
        rules::PAYLOAD_NULL,
        at,
    );
    let extra = "/event/payload/weatherAlert/severity";
    assert_reports(
        &check(WEATHER, &[(extra, Some(json!("HIGH")))]),
        rules::PAYLOAD_UNKNOWN_FIELD,
        extra,
    );
    let source = "/event/payload/weatherAlert/source";
    assert_reports(
        &check(WEATHER, &[(source, Some(json!("")))]),
        rules::PAYLOAD_EMPTY_STRING,
        source,
    );
    let r = check(WEATHER, &[(at, Some(json!("tornado")))]);
    assert_reports(&r, rules::PAYLOAD_ENUM, at);
    assert!(
        r.violations[0]
            .message
            .contains("TORNADO, HURRICANE, SNOW_STORM, THUNDER_STORM"),
        "{r}"
    );
    assert_reports(
        &check(WEATHER, &[("/event/payload", Some(json!([])))]),
        rules::PAYLOAD_TYPE,
        "/event/payload",
    );
    let clean = check(WEATHER, &[]);
    for rule in [
        rules::PAYLOAD_TYPE,
        rules::PAYLOAD_REQUIRED,
        rules::PAYLOAD_NULL,
        rules::PAYLOAD_UNKNOWN_FIELD,
        rules::PAYLOAD_EMPTY_STRING,
        rules::PAYLOAD_ENUM,
    ] {
        assert_not(&clean, rule);
    }
}

#[test]
fn payload_integers() {
    let count = "/event/payload/messageGroup/count";
    assert_reports(
        &check(MESSAGE, &[(count, Some(json!(-1)))]),
        rules::PAYLOAD_MINIMUM,
        count,
    );
    assert_reports(
        &check(MESSAGE, &[(count, Some(json!(1.5)))]),
        rules::PAYLOAD_TYPE,
        count,
    );
    assert_reports(
        &check(MESSAGE, &[(count, Some(json!(2.0)))]),
        rules::PAYLOAD_TYPE,
        count,
    );
    assert_reports(
        &check(MESSAGE, &[(count, Some(json!("3")))]),
        rules::PAYLOAD_TYPE,
        count,
    );
    assert!(check(MESSAGE, &[(count, Some(json!(0)))]).is_valid());
    assert!(check(MESSAGE, &[(count, Some(json!(u64::MAX)))]).is_valid());
}

/// No current schema has a maximum or a boolean; a hand-made shape reaches them.
#[test]
fn payload_maximum_and_boolean_on_a_hand_made_shape() {
    static SHAPE: ObjectShape = ObjectShape {
        name: "Probe",
        fields: &[
            FieldShape {
                name: "level",
                required: true,
                localizable: false,
                description: "",
                shape: Shape::Integer {
                    minimum: Some(1),
                    maximum: Some(5),
                    width: IntWidth::I64,
                },
            },
            FieldShape {
                name: "flag",
                required: false,
                localizable: false,
                description: "",
                shape: Shape::Boolean,
            },
        ],
    };
    let r = walk_payload(&SHAPE, &json!({"level": 6, "flag": "yes"}));
    assert_reports(&r, rules::PAYLOAD_MAXIMUM, "/event/payload/level");
    assert_reports(&r, rules::PAYLOAD_TYPE, "/event/payload/flag");
    let r = walk_payload(&SHAPE, &json!({"level": 0}));
    assert_reports(&r, rules::PAYLOAD_MINIMUM, "/event/payload/level");
    assert!(walk_payload(&SHAPE, &json!({"level": 5, "flag": true})).is_valid());
}

#[test]
fn payload_arrays() {
    let types = "/event/payload/alert/garbageTypes";
    assert_reports(
        &check(TRASH, &[(types, Some(json!([])))]),
        rules::PAYLOAD_MIN_ITEMS,
        types,
    );
    let six = json!(["GLASS", "CANS", "BULKY", "LANDFILL", "BOTTLES", "CLOTHING"]);
    assert_reports(
        &check(TRASH, &[(types, Some(six))]),
        rules::PAYLOAD_MAX_ITEMS,
        types,
    );
    let r = check(TRASH, &[(types, Some(json!(["GLASS", "CANS", "GLASS"])))]);
    assert_reports(
        &r,
        rules::PAYLOAD_UNIQUE_ITEMS,
        "/event/payload/alert/garbageTypes/2",
    );
    let r = check(TRASH, &[(types, Some(json!(["GLASS", "PAPER"])))]);
    assert_reports(
        &r,
        rules::PAYLOAD_ENUM,
        "/event/payload/alert/garbageTypes/1",
    );
    let five = json!(["GLASS", "CANS", "BULKY", "LANDFILL", "BOTTLES"]);
    assert!(check(TRASH, &[(types, Some(five))]).is_valid());
}

#[test]
fn every_violation_is_collected_not_just_the_first() {
    let r = check(
        WEATHER,
        &[
            ("/referenceId", Some(json!("bad id"))),
            ("/expiryTime", Some(json!("2024-07-06T00:00:00Z"))),
            ("/event/payload/weatherAlert/alertType", Some(json!("FOG"))),
            ("/event/payload/weatherAlert/extra", Some(json!(1))),
            ("/localizedAttributes/1/locale", Some(json!("fr-FR"))),
            ("/localizedAttributes/0/weatherProvider", None),
            ("/relevantAudience/type", Some(json!("Unicast"))),
        ],
    );
    let got: Vec<(&str, &str)> = r.errors().map(|v| (v.rule, v.pointer.as_str())).collect();
    for want in [
        (rules::ENV_REFID_CHARSET, "/referenceId"),
        (rules::ENV_EXPIRY_MAX, "/expiryTime"),
        (rules::PAYLOAD_ENUM, "/event/payload/weatherAlert/alertType"),
        (
            rules::PAYLOAD_UNKNOWN_FIELD,
            "/event/payload/weatherAlert/extra",
        ),
        (rules::LOC_LOCALE_DUPLICATE, "/localizedAttributes/1/locale"),
        (rules::LOC_KEY_DEFINED, "/localizedAttributes/0"),
        (rules::ENV_UNICAST_USER, "/relevantAudience/payload/user"),
    ] {
        assert!(got.contains(&want), "{want:?} missing from {got:?}");
    }
}

#[test]
fn every_rule_id_is_documented_and_distinct() {
    let mut ids = rules::ALL.to_vec();
    ids.sort_unstable();
    ids.dedup();
    assert_eq!(ids.len(), rules::ALL.len());
    let doc = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/runtime/src/validate/rules.rs"
    ))
    .expect("rules.rs");
    for id in rules::ALL {
        assert!(
            doc.contains(&format!("`{id}`")),
            "{id} is not in the table of rules.rs"
        );
    }
}

/// The fast path skips the text visit for events without localizable paths:
/// only sound if no other field holds a `Text`.
#[test]
fn events_without_localizable_paths_hold_no_text() {
    use alexa_proactive_events::Localizable;
    for (name, body) in validate_support::bodies("valid") {
        let request: ProactiveEventRequest = serde_json::from_value(body).expect("valid body");
        let mut texts = 0;
        request.event.for_each_text("", &mut |_, _| texts += 1);
        let paths = request.event.schema().localizable_paths;
        assert_eq!(
            texts == 0,
            paths.is_empty(),
            "{name}: {texts} texts, paths {paths:?}"
        );
    }
}
