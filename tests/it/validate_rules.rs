//! One valid and one invalid case per rule, asserting the rule id and the pointer.

use crate::validate_support;

use alexa_proactive_events::schema::{FieldShape, IntWidth, ObjectShape, Shape};
use alexa_proactive_events::validate::{
    self, Options, Report, Rule, Severity, parse, validate_json, walk_payload,
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
fn assert_reports(report: &Report, rule: Rule, pointer: &str) {
    assert!(
        report
            .violations
            .iter()
            .any(|v| v.rule == rule && v.pointer == pointer),
        "expected {rule} at {pointer:?}, got:\n{report}"
    );
}

#[track_caller]
fn assert_not(report: &Report, rule: Rule) {
    assert!(!report.has(rule), "unexpected {rule}:\n{report}");
}

#[test]
fn json_syntax_names_line_and_column() {
    let report = validate_json(b"{\n  \"timestamp\": ");
    assert_reports(&report, Rule::JsonSyntax, "");
    let message = &report.violations[0].message;
    assert!(message.contains("line 2"), "{message}");
    assert_eq!(report.violations.len(), 1);
    assert!(validate_json(b"not json").has(Rule::JsonSyntax));
    assert!(validate_json(b"").has(Rule::JsonSyntax));
    assert!(validate_json(&[0xff, 0xfe]).has(Rule::JsonSyntax));
    assert_not(&check(WEATHER, &[]), Rule::JsonSyntax);
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
    assert_reports(&report, Rule::JsonDuplicateKey, "/referenceId");
    let doubled = body.replacen(
        "\"alertType\":\"THUNDER_STORM\"",
        "\"alertType\":\"THUNDER_STORM\",\"alertType\":\"TORNADO\"",
        1,
    );
    assert_ne!(body, doubled);
    let report = validate_json(doubled.as_bytes());
    assert_reports(
        &report,
        Rule::JsonDuplicateKey,
        "/event/payload/weatherAlert/alertType",
    );
    assert!(!report.has(Rule::Structure), "{report}");
    assert_not(&validate_json(body.as_bytes()), Rule::JsonDuplicateKey);
}

#[test]
fn envelope_types() {
    assert_reports(&validate_json(b"[]"), Rule::EnvType, "");
    assert_reports(&validate_json(b"\"x\""), Rule::EnvType, "");
    let r = check(WEATHER, &[("/referenceId", Some(json!(5)))]);
    assert_reports(&r, Rule::EnvType, "/referenceId");
    let r = check(
        WEATHER,
        &[("/event", Some(json!("AMAZON.WeatherAlert.Activated")))],
    );
    assert_reports(&r, Rule::EnvType, "/event");
    let r = check(WEATHER, &[("/relevantAudience/payload", Some(json!([])))]);
    assert_reports(&r, Rule::EnvType, "/relevantAudience/payload");
    let r = check(WEATHER, &[("/localizedAttributes/0", Some(json!("fr-FR")))]);
    assert_reports(&r, Rule::EnvType, "/localizedAttributes/0");
    assert_not(&check(WEATHER, &[]), Rule::EnvType);
}

#[test]
fn envelope_required_null_and_unknown_fields() {
    let r = check(WEATHER, &[("/event", None)]);
    assert_reports(&r, Rule::EnvRequired, "/event");
    let r = check(WEATHER, &[("/localizedAttributes/0/locale", None)]);
    assert_reports(&r, Rule::EnvRequired, "/localizedAttributes/0/locale");
    let r = check(WEATHER, &[("/relevantAudience", Some(Value::Null))]);
    assert_reports(&r, Rule::EnvNull, "/relevantAudience");
    let r = check(
        WEATHER,
        &[("/localizedAttributes/1/weatherProvider", Some(Value::Null))],
    );
    assert_reports(&r, Rule::EnvNull, "/localizedAttributes/1/weatherProvider");
    // A misspelt field is both unknown and missing.
    let attrs = valid(WEATHER)["localizedAttributes"].clone();
    let r = check(
        WEATHER,
        &[
            ("/localizedAttributes", None),
            ("/localizedattributes", Some(attrs)),
        ],
    );
    assert_reports(&r, Rule::EnvUnknownField, "/localizedattributes");
    assert_reports(&r, Rule::EnvRequired, "/localizedAttributes");
    let r = check(WEATHER, &[("/event/version", Some(json!("1")))]);
    assert_reports(&r, Rule::EnvUnknownField, "/event/version");
    let r = check(
        ORDER,
        &[("/relevantAudience/payload/person", Some(json!("p")))],
    );
    assert_reports(
        &r,
        Rule::EnvUnknownField,
        "/relevantAudience/payload/person",
    );
    let r = check(WEATHER, &[("/a~0b~1c", Some(json!(1)))]);
    assert_reports(&r, Rule::EnvUnknownField, "/a~0b~1c");
    let clean = check(WEATHER, &[]);
    for rule in [Rule::EnvRequired, Rule::EnvNull, Rule::EnvUnknownField] {
        assert_not(&clean, rule);
    }
}

#[test]
fn date_times_need_a_zone() {
    let r = check(
        WEATHER,
        &[("/timestamp", Some(json!("2024-07-04T15:45:30")))],
    );
    assert_reports(&r, Rule::EnvTimestampIso8601, "/timestamp");
    assert!(r.violations[0].message.contains("with a zone"), "{r}");
    let r = check(WEATHER, &[("/expiryTime", Some(json!("tomorrow")))]);
    assert_reports(&r, Rule::EnvExpiryIso8601, "/expiryTime");
    let r = check(
        ORDER,
        &[(
            "/event/payload/state/deliveryDetails/expectedArrival",
            Some(json!("2024-05-03")),
        )],
    );
    assert_reports(
        &r,
        Rule::PayloadDatetime,
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
    assert_not(&check(WEATHER, &[]), Rule::EnvTimestampIso8601);
}

#[test]
fn reference_id_characters_and_length() {
    let r = check(WEATHER, &[("/referenceId", Some(json!("storm-42")))]);
    assert_reports(&r, Rule::EnvRefidCharset, "/referenceId");
    let r = check(WEATHER, &[("/referenceId", Some(json!("a".repeat(101))))]);
    assert_reports(&r, Rule::EnvRefidLength, "/referenceId");
    let r = check(WEATHER, &[("/referenceId", Some(json!("")))]);
    assert_reports(&r, Rule::EnvRefidLength, "/referenceId");
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
    assert_reports(&r, Rule::EnvExpiryMin, "/expiryTime");
    assert!(r.violations[0].message.contains("4 min 59 s"), "{r}");
    let r = check(
        WEATHER,
        &[("/expiryTime", Some(json!("2024-07-04T13:45:30Z")))],
    );
    assert_reports(&r, Rule::EnvExpiryMin, "/expiryTime");
    let at_24h = check(
        WEATHER,
        &[("/expiryTime", Some(json!("2024-07-05T15:45:30+02:00")))],
    );
    assert!(at_24h.is_valid(), "{at_24h}");
    let r = check(
        WEATHER,
        &[("/expiryTime", Some(json!("2024-07-05T13:45:31Z")))],
    );
    assert_reports(&r, Rule::EnvExpiryMax, "/expiryTime");
    assert_eq!(
        r.violations[0].to_string(),
        "error[ENV-EXPIRY-MAX] /expiryTime: expiryTime is 24 h 1 s after timestamp; the most Alexa accepts is 24 h"
    );
    let r = check(
        WEATHER,
        &[("/expiryTime", Some(json!("2024-07-05T15:45:30.001+02:00")))],
    );
    assert_reports(&r, Rule::EnvExpiryMax, "/expiryTime");
}

#[test]
fn expiry_clock_is_checked_only_when_asked() {
    let bytes = serde_json::to_vec(&valid(WEATHER)).expect("serialize");
    let at = |s: &str| -> Options {
        Options {
            now: Some(s.parse::<DateTime>().expect("a date-time")),
        }
    };
    assert_not(&validate_json(&bytes), Rule::EnvExpiryClock);
    let (request, report) = parse(&bytes, &at("2024-07-04T13:45:30Z"));
    assert!(request.is_some());
    assert!(report.is_valid(), "sent at its timestamp: {report}");
    let (_, report) = parse(&bytes, &at("2024-07-04T14:00:00Z"));
    assert_reports(&report, Rule::EnvExpiryClock, "/expiryTime");
    let (_, report) = parse(&bytes, &at("2024-07-03T12:00:00Z"));
    assert_reports(&report, Rule::EnvExpiryClock, "/expiryTime");
}

#[test]
fn event_name_must_be_a_schema() {
    let r = check(
        WEATHER,
        &[("/event/name", Some(json!("AMAZON.WeatherAlert.Updated")))],
    );
    assert_reports(&r, Rule::EnvEventName, "/event/name");
    assert!(
        r.violations[0]
            .message
            .contains("AMAZON.OrderStatus.Updated"),
        "{r}"
    );
    assert_not(&check(WEATHER, &[]), Rule::EnvEventName);
}

#[test]
fn audience_rules() {
    let r = check(
        WEATHER,
        &[("/relevantAudience/type", Some(json!("Broadcast")))],
    );
    assert_reports(&r, Rule::EnvAudienceType, "/relevantAudience/type");
    let r = check(
        WEATHER,
        &[("/relevantAudience/type", Some(json!("multicast")))],
    );
    assert_reports(&r, Rule::EnvAudienceType, "/relevantAudience/type");
    let r = check(ORDER, &[("/relevantAudience/payload/user", None)]);
    assert_reports(&r, Rule::EnvUnicastUser, "/relevantAudience/payload/user");
    let r = check(
        ORDER,
        &[("/relevantAudience/payload/user", Some(json!("")))],
    );
    assert_reports(&r, Rule::EnvUnicastUser, "/relevantAudience/payload/user");
    let r = check(
        WEATHER,
        &[(
            "/relevantAudience/payload/user",
            Some(json!("amzn1.ask.account.X")),
        )],
    );
    assert_reports(
        &r,
        Rule::EnvMulticastEmptyPayload,
        "/relevantAudience/payload",
    );
    // A Unicast body turned Multicast keeps its user: not allowed.
    let r = check(
        ORDER,
        &[("/relevantAudience/type", Some(json!("Multicast")))],
    );
    assert_reports(
        &r,
        Rule::EnvMulticastEmptyPayload,
        "/relevantAudience/payload",
    );
    for base in [WEATHER, ORDER] {
        let clean = check(base, &[]);
        for rule in [
            Rule::EnvAudienceType,
            Rule::EnvUnicastUser,
            Rule::EnvMulticastEmptyPayload,
        ] {
            assert_not(&clean, rule);
        }
    }
}

#[test]
fn locales() {
    let r = check(WEATHER, &[("/localizedAttributes", Some(json!([])))]);
    assert_reports(&r, Rule::LocEmpty, "/localizedAttributes");
    let r = check(
        WEATHER,
        &[("/localizedAttributes/0/locale", Some(json!("fr_FR")))],
    );
    assert_reports(&r, Rule::LocLocaleBcp47, "/localizedAttributes/0/locale");
    let r = check(
        WEATHER,
        &[("/localizedAttributes/1/locale", Some(json!("fr-FR")))],
    );
    assert_reports(
        &r,
        Rule::LocLocaleDuplicate,
        "/localizedAttributes/1/locale",
    );
    assert!(!r.has(Rule::LocLocaleBcp47));
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
        Rule::LocValueEmpty,
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
        Rule::LocLocaleUnsupported,
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
    assert_not(&check(WEATHER, &[]), Rule::LocLocaleUnsupported);
}

#[test]
fn every_reference_needs_its_key_in_every_locale() {
    let r = check(WEATHER, &[("/localizedAttributes/1/weatherProvider", None)]);
    assert_reports(&r, Rule::LocKeyDefined, "/localizedAttributes/1");
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
    assert_reports(&r, Rule::LocKeyDefined, "/localizedAttributes/0");
    assert_reports(&r, Rule::LocKeyDefined, "/localizedAttributes/1");
    // `locale` is not an attribute key.
    let r = check(
        WEATHER,
        &[(
            "/event/payload/weatherAlert/source",
            Some(json!("localizedattribute:locale")),
        )],
    );
    assert_reports(&r, Rule::LocKeyDefined, "/localizedAttributes/0");
    assert_not(&check(WEATHER, &[]), Rule::LocKeyDefined);
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
        Rule::LocNotLocalizable,
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
        Rule::LocReferenceKey,
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
    assert_reports(&r, Rule::LocUnbuilt, "/event/payload/weatherAlert/source");
}

#[test]
fn payload_structure() {
    let at = "/event/payload/weatherAlert/alertType";
    assert_reports(
        &check(WEATHER, &[(at, Some(json!(3)))]),
        Rule::PayloadType,
        at,
    );
    assert_reports(&check(WEATHER, &[(at, None)]), Rule::PayloadRequired, at);
    assert_reports(
        &check(WEATHER, &[(at, Some(Value::Null))]),
        Rule::PayloadNull,
        at,
    );
    let extra = "/event/payload/weatherAlert/severity";
    assert_reports(
        &check(WEATHER, &[(extra, Some(json!("HIGH")))]),
        Rule::PayloadUnknownField,
        extra,
    );
    let source = "/event/payload/weatherAlert/source";
    assert_reports(
        &check(WEATHER, &[(source, Some(json!("")))]),
        Rule::PayloadEmptyString,
        source,
    );
    let r = check(WEATHER, &[(at, Some(json!("tornado")))]);
    assert_reports(&r, Rule::PayloadEnum, at);
    assert!(
        r.violations[0]
            .message
            .contains("TORNADO, HURRICANE, SNOW_STORM, THUNDER_STORM"),
        "{r}"
    );
    assert_reports(
        &check(WEATHER, &[("/event/payload", Some(json!([])))]),
        Rule::PayloadType,
        "/event/payload",
    );
    let clean = check(WEATHER, &[]);
    for rule in [
        Rule::PayloadType,
        Rule::PayloadRequired,
        Rule::PayloadNull,
        Rule::PayloadUnknownField,
        Rule::PayloadEmptyString,
        Rule::PayloadEnum,
    ] {
        assert_not(&clean, rule);
    }
}

#[test]
fn payload_integers() {
    let count = "/event/payload/messageGroup/count";
    assert_reports(
        &check(MESSAGE, &[(count, Some(json!(-1)))]),
        Rule::PayloadMinimum,
        count,
    );
    assert_reports(
        &check(MESSAGE, &[(count, Some(json!(1.5)))]),
        Rule::PayloadType,
        count,
    );
    // An integral number is an integer however written (D27).
    assert!(check(MESSAGE, &[(count, Some(json!(2.0)))]).is_valid());
    assert_reports(
        &check(MESSAGE, &[(count, Some(json!("3")))]),
        Rule::PayloadType,
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
    assert_reports(&r, Rule::PayloadMaximum, "/event/payload/level");
    assert_reports(&r, Rule::PayloadType, "/event/payload/flag");
    let r = walk_payload(&SHAPE, &json!({"level": 0}));
    assert_reports(&r, Rule::PayloadMinimum, "/event/payload/level");
    assert!(walk_payload(&SHAPE, &json!({"level": 5, "flag": true})).is_valid());
}

#[test]
fn payload_arrays() {
    let types = "/event/payload/alert/garbageTypes";
    assert_reports(
        &check(TRASH, &[(types, Some(json!([])))]),
        Rule::PayloadMinItems,
        types,
    );
    let six = json!(["GLASS", "CANS", "BULKY", "LANDFILL", "BOTTLES", "CLOTHING"]);
    assert_reports(
        &check(TRASH, &[(types, Some(six))]),
        Rule::PayloadMaxItems,
        types,
    );
    let r = check(TRASH, &[(types, Some(json!(["GLASS", "CANS", "GLASS"])))]);
    assert_reports(
        &r,
        Rule::PayloadUniqueItems,
        "/event/payload/alert/garbageTypes/2",
    );
    let r = check(TRASH, &[(types, Some(json!(["GLASS", "PAPER"])))]);
    assert_reports(&r, Rule::PayloadEnum, "/event/payload/alert/garbageTypes/1");
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
    let got: Vec<(Rule, &str)> = r.errors().map(|v| (v.rule, v.pointer.as_str())).collect();
    for want in [
        (Rule::EnvRefidCharset, "/referenceId"),
        (Rule::EnvExpiryMax, "/expiryTime"),
        (Rule::PayloadEnum, "/event/payload/weatherAlert/alertType"),
        (
            Rule::PayloadUnknownField,
            "/event/payload/weatherAlert/extra",
        ),
        (Rule::LocLocaleDuplicate, "/localizedAttributes/1/locale"),
        (Rule::LocKeyDefined, "/localizedAttributes/0"),
        (Rule::EnvUnicastUser, "/relevantAudience/payload/user"),
    ] {
        assert!(got.contains(&want), "{want:?} missing from {got:?}");
    }
}

#[test]
fn every_rule_id_is_documented_and_distinct() {
    let mut ids: Vec<&str> = Rule::ALL.iter().map(|r| r.as_str()).collect();
    ids.sort_unstable();
    ids.dedup();
    assert_eq!(ids.len(), Rule::ALL.len());
    let doc = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/runtime/src/validate/rules.rs"
    ))
    .expect("rules.rs");
    // Each variant's own doc, which starts with its id: the one place that says
    // what the rule checks (the guide's table is held to it by `guide_rules`).
    let docs: Vec<&str> = doc
        .lines()
        .map(str::trim_start)
        .filter(|l| l.starts_with("/// `"))
        .collect();
    for id in Rule::ALL {
        assert!(
            docs.iter().any(|l| l.starts_with(&format!("/// `{id}`: "))),
            "{id} has no doc of its own in rules.rs"
        );
        assert_eq!(id.as_str().parse::<Rule>(), Ok(*id));
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
