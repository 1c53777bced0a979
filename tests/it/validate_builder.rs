//! Builder round trip for every event: per-locale texts in every localizable
//! field -> build -> valid -> serialize -> deserialize to an equal value ->
//! accepted by the event's JSON Schema and the any-event schema.

use crate::validate_support;

use alexa_proactive_events::validate::{validate, validate_json};
use alexa_proactive_events::{DateTime, Localizable, ProactiveEventRequest, Text};
use serde_json::Value;
use std::collections::BTreeSet;
use std::time::Duration;
use validate_support::{bodies, json_schema};

#[test]
fn every_event_builds_validates_and_round_trips() {
    let any = json_schema("proactive-event.schema.json");
    let at: DateTime = "2024-05-01T10:00:00Z".parse().expect("a date-time");
    let mut events = BTreeSet::new();
    let mut localized_fields = 0;
    for (name, body) in bodies("valid") {
        let sample: ProactiveEventRequest =
            serde_json::from_value(body).unwrap_or_else(|e| panic!("{name}: {e}"));
        let mut event = sample.event.clone();
        let locales: &[&str] = match event.schema().locales {
            Some(only) => only,
            None => &["en-US", "de-DE"],
        };
        let mut paths = Vec::new();
        event.for_each_text_mut("", &mut |path, text| {
            paths.push(path.to_owned());
            *text = Text::per_locale(locales.iter().map(|l| (*l, format!("{path} in {l}"))));
        });
        localized_fields += paths.len();
        let request = ProactiveEventRequest::builder(event)
            .timestamp(at)
            .reference_id("built~1")
            .expires_in(Duration::from_secs(3600))
            .locales(locales.iter().copied())
            .audience(sample.relevant_audience.clone())
            .build()
            .unwrap_or_else(|e| panic!("{name}: {e}"));
        events.insert(request.event.name());

        let report = validate(&request);
        assert!(report.violations.is_empty(), "{name}: {report}");
        let bytes = serde_json::to_vec(&request).expect("serialize");
        let report = validate_json(&bytes);
        assert!(report.violations.is_empty(), "{name}: {report}");

        let again: ProactiveEventRequest = serde_json::from_slice(&bytes).expect("deserialize");
        assert_eq!(again, request, "{name}: round trip");

        let value: Value = serde_json::from_slice(&bytes).expect("JSON");
        let own = json_schema(&format!("{}.schema.json", request.event.name()));
        assert!(own.is_valid(&value), "{name}: its schema rejects {value}");
        assert!(
            any.is_valid(&value),
            "{name}: the any-event schema rejects {value}"
        );

        // One entry per locale, each holding a text for every per-locale field.
        let entries = &request.localized_attributes;
        assert_eq!(
            entries
                .iter()
                .map(|e| e.locale.as_str())
                .collect::<Vec<_>>(),
            locales
        );
        for entry in entries {
            assert_eq!(entry.values.len(), paths.len(), "{name}: {entry:?}");
            for path in &paths {
                let text = format!("{path} in {}", entry.locale);
                assert!(
                    entry.values.values().any(|v| *v == text),
                    "{name}: {text} missing from {entry:?}"
                );
            }
        }
    }
    assert_eq!(events.len(), 8, "every event was built: {events:?}");
    assert!(
        localized_fields >= 9,
        "{localized_fields} localizable fields"
    );
}
