//! Parsing `AlexaSkillEvent.ProactiveSubscriptionChanged`: what Alexa may omit or add is
//! tolerated; what is malformed is an error naming the field.

use crate::subscriptions_support as support;

use alexa_proactive_events::jiff::Timestamp;
use alexa_proactive_events::subscriptions::{Region, SubscriptionChanged};
use serde_json::{Value, json};
use support::*;

/// Amazon's sample (docs/decisions.md §6.1) with every optional part present.
fn sample() -> Value {
    json!({
        "version": "1.0",
        "context": {"System": {
            "application": {"applicationId": "amzn1.ask.skill.1"},
            "user": {"userId": "amzn1.ask.account.A"},
            "person": {"personId": "amzn1.ask.person.P"},
            "apiEndpoint": "https://api.amazonalexa.com"
        }},
        "request": {
            "type": "AlexaSkillEvent.ProactiveSubscriptionChanged",
            "requestId": "amzn1.echo-api.request.1",
            "timestamp": "2026-11-21T10:00:00Z",
            "locale": "en-US",
            "body": {"subscriptions": [
                {"eventName": "AMAZON.WeatherAlert.Activated"},
                {"eventName": "AMAZON.MessageAlert.Activated"}
            ]}
        }
    })
}

fn parse(v: &Value) -> Result<SubscriptionChanged, String> {
    SubscriptionChanged::from_json(serde_json::to_vec(v).expect("serializes"))
        .map_err(|e| e.to_string())
}

fn events(n: &SubscriptionChanged) -> Vec<&str> {
    n.events.iter().map(String::as_str).collect()
}

#[test]
fn amazons_sample_is_read_into_every_field() {
    let n = parse(&sample()).expect("valid");
    assert_eq!(n.skill_id, "amzn1.ask.skill.1");
    assert_eq!(n.user_id, "amzn1.ask.account.A");
    assert_eq!(n.person_id.as_deref(), Some("amzn1.ask.person.P"));
    assert_eq!(n.api_endpoint, "https://api.amazonalexa.com");
    assert_eq!(n.region, Some(Region::NorthAmerica));
    assert_eq!(n.request_id, "amzn1.echo-api.request.1");
    assert_eq!(
        n.timestamp,
        "2026-11-21T10:00:00Z".parse::<Timestamp>().expect("date")
    );
    assert_eq!(n.locale.as_deref(), Some("en-US"));
    assert_eq!(
        events(&n),
        [
            "AMAZON.MessageAlert.Activated",
            "AMAZON.WeatherAlert.Activated"
        ]
    );
}

#[test]
fn absent_body_means_unsubscribed_from_everything() {
    let mut v = sample();
    v["request"].as_object_mut().expect("object").remove("body");
    assert!(parse(&v).expect("valid").events.is_empty());
    v["request"]["body"] = Value::Null;
    assert!(parse(&v).expect("valid").events.is_empty());
    v["request"]["body"] = json!({});
    assert!(parse(&v).expect("valid").events.is_empty());
    v["request"]["body"] = json!({"subscriptions": []});
    assert!(parse(&v).expect("valid").events.is_empty());
}

#[test]
fn missing_locale_and_person_are_fine() {
    let mut v = sample();
    v["request"]
        .as_object_mut()
        .expect("object")
        .remove("locale");
    v["context"]["System"]
        .as_object_mut()
        .expect("object")
        .remove("person");
    let n = parse(&v).expect("valid");
    assert_eq!(n.locale, None);
    assert_eq!(n.person_id, None);
}

#[test]
fn unknown_event_names_are_kept_and_duplicates_merged() {
    let mut v = sample();
    v["request"]["body"]["subscriptions"] = json!([
        {"eventName": "AMAZON.ParcelLocker.Ready"},
        {"eventName": "AMAZON.WeatherAlert.Activated"},
        {"eventName": "AMAZON.ParcelLocker.Ready"}
    ]);
    assert_eq!(
        events(&parse(&v).expect("valid")),
        ["AMAZON.ParcelLocker.Ready", "AMAZON.WeatherAlert.Activated"]
    );
}

#[test]
fn extra_fields_anywhere_are_ignored() {
    let mut v = sample();
    v["session"] = json!({"new": true});
    v["context"]["System"]["device"] = json!({"deviceId": "d"});
    v["context"]["Viewport"] = json!({});
    v["request"]["extra"] = json!([1, 2]);
    v["request"]["body"]["subscriptions"][0]["topicId"] = json!("t");
    v["request"]["body"]["more"] = json!(null);
    assert_eq!(parse(&v).expect("valid"), parse(&sample()).expect("valid"));
}

#[test]
fn each_region_endpoint_maps_and_unknown_ones_keep_the_endpoint_only() {
    for (endpoint, region) in [
        (NA, Some(Region::NorthAmerica)),
        (EU, Some(Region::Europe)),
        (FE, Some(Region::FarEast)),
        ("https://API.EU.amazonalexa.com/", Some(Region::Europe)),
        ("https://api.cn.amazonalexa.com", None),
        ("http://api.amazonalexa.com", None),
        ("https://api.amazonalexa.com.evil.example", None),
    ] {
        let mut v = sample();
        v["context"]["System"]["apiEndpoint"] = json!(endpoint);
        let n = parse(&v).expect("valid");
        assert_eq!(n.region, region, "{endpoint}");
        assert_eq!(n.api_endpoint, endpoint);
    }
}

#[test]
fn timestamps_with_offsets_and_fractions_are_instants() {
    let mut v = sample();
    v["request"]["timestamp"] = json!("2026-11-21T11:00:00.250+01:00");
    let n = parse(&v).expect("valid");
    assert_eq!(
        n.timestamp,
        "2026-11-21T10:00:00.25Z"
            .parse::<Timestamp>()
            .expect("date")
    );
}

/// A change to the sample body.
type Edit = Box<dyn Fn(&mut Value)>;

/// Each malformed body, and the start of the error it must give.
#[test]
fn malformed_input_names_the_field() {
    let cases: Vec<(&str, Edit, &str)> = vec![
        (
            "bad timestamp",
            Box::new(|v| v["request"]["timestamp"] = json!("yesterday")),
            "request.timestamp: not an ISO 8601 date-time",
        ),
        (
            "timestamp without offset",
            Box::new(|v| v["request"]["timestamp"] = json!("2026-11-21T10:00:00")),
            "request.timestamp: not an ISO 8601 date-time",
        ),
        (
            "numeric timestamp",
            Box::new(|v| v["request"]["timestamp"] = json!(1_790_000_000)),
            "request.timestamp: expected a string, found a number",
        ),
        (
            "no timestamp",
            Box::new(|v| {
                v["request"]
                    .as_object_mut()
                    .expect("object")
                    .remove("timestamp");
            }),
            "request.timestamp: missing",
        ),
        (
            "no user",
            Box::new(|v| {
                v["context"]["System"]["user"]
                    .as_object_mut()
                    .expect("object")
                    .remove("userId");
            }),
            "context.System.user.userId: missing",
        ),
        (
            "empty user",
            Box::new(|v| v["context"]["System"]["user"]["userId"] = json!("")),
            "context.System.user.userId: must not be empty",
        ),
        (
            "no application",
            Box::new(|v| {
                v["context"]["System"]
                    .as_object_mut()
                    .expect("object")
                    .remove("application");
            }),
            "context.System.application: missing",
        ),
        (
            "no endpoint",
            Box::new(|v| {
                v["context"]["System"]
                    .as_object_mut()
                    .expect("object")
                    .remove("apiEndpoint");
            }),
            "context.System.apiEndpoint: missing",
        ),
        (
            "no context",
            Box::new(|v| {
                v.as_object_mut().expect("object").remove("context");
            }),
            "context: missing",
        ),
        (
            "no request id",
            Box::new(|v| {
                v["request"]
                    .as_object_mut()
                    .expect("object")
                    .remove("requestId");
            }),
            "request.requestId: missing",
        ),
        (
            "another request type",
            Box::new(|v| v["request"]["type"] = json!("IntentRequest")),
            "request.type: expected `AlexaSkillEvent.ProactiveSubscriptionChanged`, found `IntentRequest`",
        ),
        (
            "topic notifications are another feature",
            Box::new(|v| {
                v["request"]["type"] = json!("AlexaSkillEvent.NotificationSubscriptionChanged")
            }),
            "request.type: expected",
        ),
        (
            "subscriptions not a list",
            Box::new(|v| v["request"]["body"]["subscriptions"] = json!({"eventName": "x"})),
            "request.body.subscriptions: expected an array, found an object",
        ),
        (
            "entry without eventName",
            Box::new(|v| v["request"]["body"]["subscriptions"][1] = json!({"name": "x"})),
            "request.body.subscriptions[1].eventName: missing",
        ),
        (
            "eventName not a string",
            Box::new(|v| v["request"]["body"]["subscriptions"][0]["eventName"] = json!(7)),
            "request.body.subscriptions[0].eventName: expected a string, found a number",
        ),
        (
            "body not an object",
            Box::new(|v| v["request"]["body"] = json!("all")),
            "request.body: expected request.body to be an object, found a string",
        ),
        (
            "locale not a string",
            Box::new(|v| v["request"]["locale"] = json!(["en-US"])),
            "request.locale: expected a string, found an array",
        ),
    ];
    for (name, edit, expected) in cases {
        let mut v = sample();
        edit(&mut v);
        let err = parse(&v).expect_err(name);
        assert!(
            err.starts_with(expected),
            "{name}: got `{err}`, expected it to start with `{expected}`"
        );
    }
}

#[test]
fn non_json_and_non_objects_are_errors_not_panics() {
    for bytes in [
        &b""[..],
        b"{",
        b"[]",
        b"null",
        b"\"x\"",
        b"{\"request\": 1}",
    ] {
        let err = SubscriptionChanged::from_json(bytes).expect_err("malformed");
        assert!(!err.to_string().is_empty());
    }
    let err = SubscriptionChanged::from_json(b"{\"request\": 1}").expect_err("malformed");
    assert_eq!(err.field, "request");
}

#[test]
fn version_orders_by_timestamp_then_request_id() {
    let a = notice(SKILL, "u", NA, "b", 1, &[]);
    let b = notice(SKILL, "u", NA, "a", 2, &[]);
    let c = notice(SKILL, "u", NA, "c", 2, &[]);
    assert!(a.version() < b.version());
    assert!(b.version() < c.version());
}

/// The JSON text of `sample()` with `member` (raw JSON) added after `after`:
/// serde_json's `Value` cannot hold a repeated key, so the text is edited.
fn with_repeat(after: &str, member: &str) -> Vec<u8> {
    let text = serde_json::to_string(&sample()).expect("serializes");
    let at = text.find(after).expect("the anchor is in the sample") + after.len();
    format!("{},{member}{}", &text[..at], &text[at..]).into_bytes()
}

/// A key twice in one object is refused naming it, wherever it is, as
/// `validate` does (JSON-DUPLICATE-KEY): last-wins would let a second `userId`
/// decide whose subscriptions change.
#[test]
fn a_repeated_key_is_an_error_naming_it_not_last_wins() {
    let cases = [
        (
            r#""userId":"amzn1.ask.account.A""#,
            r#""userId":"amzn1.ask.account.B""#,
            "context.System.user.userId: `userId` appears more than once in this object",
        ),
        (
            r#""type":"AlexaSkillEvent.ProactiveSubscriptionChanged""#,
            r#""type":"AlexaSkillEvent.SkillDisabled""#,
            "request.type: `type` appears more than once in this object",
        ),
        (
            r#"{"eventName":"AMAZON.WeatherAlert.Activated""#,
            r#""eventName":"AMAZON.OrderStatus.Updated""#,
            "request.body.subscriptions[0].eventName: `eventName` appears more than once",
        ),
        (
            r#""version":"1.0""#,
            r#""version":"1.0""#,
            "version: `version` appears more than once",
        ),
        (
            r#""person":{"personId":"amzn1.ask.person.P"}"#,
            r#""x":{"deep":[{"k":1,"k":2}]}"#,
            "context.System.x.deep[0].k: `k` appears more than once",
        ),
    ];
    for (after, member, named) in cases {
        let text = with_repeat(after, member);
        let err = SubscriptionChanged::from_json(&text)
            .map(|n| format!("{n:?}"))
            .expect_err(&String::from_utf8_lossy(&text));
        assert!(err.to_string().contains(named), "{err}");
        assert!(!err.is_syntax(), "{err}");
    }
    // The same text with the repeat removed is a valid notice.
    parse(&sample()).expect("valid");
}
