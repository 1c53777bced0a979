//! The golden Rust output compiles (it is included here as a module) and behaves.

#[path = "../fixtures/golden/expected/src/events/mod.rs"]
#[allow(dead_code)] // only part of the generated API is exercised here
#[rustfmt::skip] // generated code, formatted by prettyplease
mod golden;

use alexa_proactive_events::{EventPayload, Text};
use golden::awkward_names::{AwkwardNames, Type};
use serde_json::json;

fn sample() -> serde_json::Value {
    json!({
        "type": "4K",
        "self": "me",
        "2fa": true,
        "async": 3,
        "option": {"label": "localizedattribute:label"},
        "options": [{"label": "a"}, {"label": "b", "note": "n"}],
        "vec": {"when": "2024-05-01T10:00:00Z"},
        "String": {"size": "LARGE_BOX"}
    })
}

#[test]
fn awkward_names_round_trip_with_their_wire_names() {
    let value: AwkwardNames = serde_json::from_value(sample()).expect("deserialize");
    assert_eq!(value.r#type, Type::_4k);
    assert_eq!(value.self_.as_str(), "me");
    assert_eq!(value._2fa, Some(true));
    assert_eq!(value.r#async, 3);
    assert_eq!(
        value.option.as_ref().map(|o| &o.label),
        Some(&Text::reference("label"))
    );
    assert_eq!(serde_json::to_value(&value).expect("serialize"), sample());
    assert_eq!(Type::Self_.as_str(), "Self");
    assert_eq!(Type::_4k.spoken(), "four K");
}

#[test]
fn generated_constraints_hold() {
    let cases = [
        ("async", json!(0), "outside 1..=10"),
        ("async", json!(11), "outside 1..=10"),
        ("options", json!([]), "fewer than the 1"),
        (
            "options",
            json!([{"label": "a"}, {"label": "a"}]),
            "distinct",
        ),
        (
            "options",
            json!([{"label": "a"}, {"label": "b"}, {"label": "c"}, {"label": "d"}]),
            "more than the 3",
        ),
        ("option", json!(null), "invalid type: null"),
        ("type", json!("4k"), "unknown variant"),
        ("vec", json!({"when": "2024-05-01 10:00:00Z"}), "date-time"),
        (
            "vec",
            json!(["2024-05-01T10:00:00Z"]),
            "invalid type: sequence",
        ),
        ("self", json!("localizedattribute:x"), "not localizable"),
        ("unknown", json!(1), "unknown field"),
    ];
    for (field, value, want) in cases {
        let mut body = sample();
        body[field] = value.clone();
        let err = serde_json::from_value::<AwkwardNames>(body)
            .expect_err(field)
            .to_string();
        assert!(err.contains(want), "{field} = {value}: {err}");
    }
}

#[test]
fn metadata_describes_the_schema() {
    let schema = AwkwardNames::schema();
    assert_eq!(schema.name, "AMAZON.Awkward.Names");
    assert_eq!(schema.locales, Some(&["en-US", "en-GB"][..]));
    assert_eq!(
        schema.localizable_paths,
        ["option.label", "options[].label"]
    );
    assert_eq!(schema.templates.len(), 2);
    assert!(schema.field("String.size").is_some());
    assert_eq!(
        golden::EVENT_NAMES,
        ["AMAZON.Awkward.Names", "AMAZON.Parcel.Ready"]
    );
}
