//! The preview sentences: one exact sentence per event from the bank of valid bodies,
//! every OrderStatus status, per-locale resolution, plurals and the errors.

use alexa_proactive_events::events::order_status_updated;
use alexa_proactive_events::schema::Shape;
use alexa_proactive_events::{
    EVENT_NAMES, Event, PreviewError, ProactiveEventRequest, Text, preview::preview_json,
};
use serde_json::{Value, json};
use std::path::PathBuf;

fn bank() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/bodies/valid")
}

fn body(name: &str) -> Vec<u8> {
    let path = bank().join(name);
    std::fs::read(&path).unwrap_or_else(|e| panic!("reading {}: {e}", path.display()))
}

fn request(name: &str) -> ProactiveEventRequest {
    serde_json::from_slice(&body(name)).unwrap_or_else(|e| panic!("parsing {name}: {e}"))
}

/// The sentence for a bank body in one locale.
fn say(name: &str, locale: &str) -> String {
    request(name)
        .preview(locale)
        .unwrap_or_else(|e| panic!("{name} in {locale}: {e}"))
}

/// A full request around an inline event, with the given localizedAttributes.
fn inline(event: Value, attributes: Value) -> ProactiveEventRequest {
    serde_json::from_value(json!({
        "timestamp": "2024-05-01T10:00:00Z",
        "referenceId": "preview0001",
        "expiryTime": "2024-05-01T16:00:00Z",
        "event": event,
        "localizedAttributes": attributes,
        "relevantAudience": {"type": "Multicast", "payload": {}}
    }))
    .expect("inline body parses")
}

#[test]
fn weather_alert() {
    assert_eq!(
        say("weather-alert-tornado-multicast.json", "en-US"),
        "There is a tornado alert for your area. Provided by Example Weather Corp."
    );
    assert_eq!(
        say("weather-alert-snow-storm-unicast-ja-jp.json", "ja-JP"),
        "There is a snow storm alert for your area. Provided by サンプル気象サービス."
    );
    assert_eq!(
        say(
            "weather-alert-hurricane-literal-source-expiry-24h.json",
            "en-US"
        ),
        "There is a hurricane alert for your area. Provided by National Hurricane Desk."
    );
}

#[test]
fn sports_event_without_and_with_update() {
    assert_eq!(
        say("sports-event-without-update-multicast.json", "en-US"),
        "TreeFruit League match update, Oranges 0, Apples 0."
    );
    assert_eq!(
        say("sports-event-with-update-unicast.json", "en-US"),
        "TreeFruit League match update, Apples scored! Oranges 1, Apples 2."
    );
    // Amazon's S1 example: the same match without a score change.
    let mut event = serde_json::to_value(request("sports-event-with-update-unicast.json").event)
        .expect("event serializes");
    event["payload"]
        .as_object_mut()
        .expect("payload is an object")
        .remove("update");
    let request = inline(
        event,
        json!([{"locale": "en-US", "eventLeagueName": "TreeFruit League"}]),
    );
    assert_eq!(
        request.preview("en-US").expect("previews"),
        "TreeFruit League match update, Oranges 1, Apples 2."
    );
}

#[test]
fn message_alert_optional_enums_vanish() {
    assert_eq!(
        say("message-alert-unread-urgent-unicast.json", "en-US"),
        "You have 3 new unread urgent messages from Jane Doe."
    );
    assert_eq!(
        say("message-alert-flagged-minimal-multicast.json", "en-GB"),
        "You have 1 flagged message from Andy."
    );
    assert_eq!(
        say("message-alert-overdue-fractional-de-fr.json", "fr-FR"),
        "You have 12 overdue unread messages from Zoë Müller."
    );
}

#[test]
fn message_count_picks_singular_or_plural() {
    let sentence = |count: i64| {
        inline(
            json!({"name": "AMAZON.MessageAlert.Activated", "payload": {
                "state": {"status": "UNREAD"},
                "messageGroup": {"creator": {"name": "Jane Doe"}, "count": count}}}),
            json!([{"locale": "en-US"}]),
        )
        .preview("en-US")
        .expect("previews")
    };
    assert_eq!(sentence(0), "You have 0 unread messages from Jane Doe.");
    assert_eq!(sentence(1), "You have 1 unread message from Jane Doe.");
    assert_eq!(sentence(2), "You have 2 unread messages from Jane Doe.");
    assert_eq!(sentence(101), "You have 101 unread messages from Jane Doe.");
}

#[test]
fn occasion() {
    assert_eq!(
        say("occasion-appointment-confirmed-with-broker.json", "en-US"),
        "Your appointment at Dental XYZ for a root canal on May 10, 2024 has been confirmed."
    );
    assert_eq!(
        say("occasion-reservation-request-requested.json", "en-US"),
        "Your reservation request at The Example Grill for a table for four on December 24, 2024 has been requested."
    );
}

#[test]
fn order_status_bank_bodies() {
    assert_eq!(
        say("order-status-shipped-delivery-details.json", "en-US"),
        "Your order from Example Books has been shipped and will arrive by May 3, 2024."
    );
    assert_eq!(
        say("order-status-delivered-enter-timestamp.json", "en-US"),
        "Your order from Example Books was delivered on May 3, 2024."
    );
    // 17:30 at -07:00 is already May 4 in UTC, the zone the preview speaks dates in.
    assert_eq!(
        say(
            "order-status-out-for-delivery-enter-timestamp.json",
            "en-US"
        ),
        "Your order from Example Books is out for delivery and will arrive by May 4, 2024."
    );
}

#[test]
fn every_order_status_has_its_sentence() {
    let state = |status: &str, extra: Value| {
        let mut state = json!({"status": status});
        if let (Some(state), Some(extra)) = (state.as_object_mut(), extra.as_object()) {
            state.extend(extra.clone());
        }
        inline(
            json!({"name": "AMAZON.OrderStatus.Updated", "payload": {
                "state": state,
                "order": {"seller": {"name": "localizedattribute:sellerName"}}}}),
            json!([{"locale": "en-US", "sellerName": "Amazon"}]),
        )
        .preview("en-US")
        .unwrap_or_else(|e| panic!("{status}: {e}"))
    };
    let arrival = json!({"deliveryDetails": {"expectedArrival": "2019-05-18T12:00:00Z"}});
    let cases = [
        (
            "PREORDER_RECEIVED",
            json!({}),
            "Your preorder from Amazon has been received.",
        ),
        (
            "ORDER_RECEIVED",
            json!({}),
            "Your order from Amazon has been received.",
        ),
        (
            "ORDER_PREPARING",
            json!({}),
            "Your order from Amazon is being prepared.",
        ),
        (
            "ORDER_SHIPPED",
            arrival.clone(),
            "Your order from Amazon has been shipped and will arrive by May 18, 2019.",
        ),
        (
            "ORDER_SHIPPED",
            json!({}),
            "Your order from Amazon has been shipped.",
        ),
        (
            "ORDER_OUT_FOR_DELIVERY",
            json!({"deliveryDetails": {"expectedArrival": "2019-05-20T09:00:00Z"}}),
            "Your order from Amazon is out for delivery and will arrive by May 20, 2019.",
        ),
        (
            "ORDER_OUT_FOR_DELIVERY",
            json!({}),
            "Your order from Amazon is out for delivery.",
        ),
        (
            "ORDER_DELIVERED",
            json!({"enterTimestamp": "2019-05-02T15:00:00Z"}),
            "Your order from Amazon was delivered on May 2, 2019.",
        ),
        (
            "ORDER_DELIVERED",
            json!({}),
            "Your order from Amazon has been delivered.",
        ),
        // A delivery date without delivery details is not spoken for a received order.
        (
            "ORDER_RECEIVED",
            json!({"enterTimestamp": "2019-05-02T15:00:00Z"}),
            "Your order from Amazon has been received.",
        ),
    ];
    for (status, extra, expected) in &cases {
        assert_eq!(state(status, extra.clone()), *expected, "{status} {extra}");
    }
    // Every status of the schema is covered above, so a new one needs a sentence here.
    let status = order_status_updated::SCHEMA
        .field("state.status")
        .expect("state.status exists");
    let Shape::Enum(values) = status.shape else {
        panic!("state.status is an enum")
    };
    for value in values.values {
        assert!(
            cases.iter().any(|(s, _, _)| *s == value.value),
            "no test sentence for {}",
            value.value
        );
    }
}

#[test]
fn trash_collection_lists() {
    assert_eq!(
        say("trash-collection-glass-tuesday-multicast.json", "en-US"),
        "This coming Tuesday is glass collection day."
    );
    assert_eq!(
        say(
            "trash-collection-two-types-offset-en-gb-de-de.json",
            "en-GB"
        ),
        "This coming Monday is compostable waste and recyclable plastic collection day."
    );
    assert_eq!(
        say("trash-collection-five-types-unicast-ja-jp.json", "ja-JP"),
        "This coming Friday is burnable waste, kitchen waste, PET bottle, can and waste paper collection day."
    );
}

#[test]
fn media_content_with_and_without_provider() {
    assert_eq!(
        say("media-content-with-provider-multicast.json", "en-US"),
        "The Example Novel will air on November 20, 2024 on Example Radio."
    );
    assert_eq!(
        say("media-content-without-provider-unicast.json", "en-US"),
        "Space Fruit will stream on February 2, 2024."
    );
    assert_eq!(
        say("media-content-premiere-movie-fr-de-offset.json", "de-DE"),
        "Der Beispielfilm will premiere on July 12, 2024 on Kino Exemple."
    );
}

#[test]
fn social_game_invite() {
    assert_eq!(
        say("social-game-invite-friend-challenge-match.json", "en-US"),
        "Your friend Max has challenged you to a match of The Red."
    );
    assert_eq!(
        say(
            "social-game-invite-contact-invite-rematch-literal.json",
            "en-US"
        ),
        "Your contact Priya has invited you to a rematch of Word Grove."
    );
}

#[test]
fn each_locale_resolves_its_own_attributes() {
    // Amazon's SocialGameInvite sample: gameName "The Red", fr-FR "Le Rouge".
    let request = inline(
        json!({"name": "AMAZON.SocialGameInvite.Available", "payload": {
            "invite": {"relationshipToInvitee": "FRIEND", "inviter": {"name": "Max"},
                       "inviteType": "CHALLENGE"},
            "game": {"offer": "MATCH", "name": "localizedattribute:gameName"}}}),
        json!([{"locale": "en-US", "gameName": "The Red"},
               {"locale": "fr-FR", "gameName": "Le Rouge"}]),
    );
    assert_eq!(
        request.preview("en-US").expect("en-US"),
        "Your friend Max has challenged you to a match of The Red."
    );
    assert_eq!(
        request.preview("fr-FR").expect("fr-FR"),
        "Your friend Max has challenged you to a match of Le Rouge."
    );
    // Locale tags compare case-insensitively (BCP 47).
    assert_eq!(
        request.preview("fr-fr").expect("fr-fr"),
        "Your friend Max has challenged you to a match of Le Rouge."
    );
    assert_eq!(
        say(
            "weather-alert-thunder-storm-fr-de-expiry-5min.json",
            "fr-FR"
        ),
        "There is a thunderstorm alert for your area. Provided by Météo Exemple."
    );
    assert_eq!(
        say(
            "weather-alert-thunder-storm-fr-de-expiry-5min.json",
            "de-DE"
        ),
        "There is a thunderstorm alert for your area. Provided by Beispielwetter."
    );
}

#[test]
fn preview_json_lists_every_locale_in_order() {
    let all =
        preview_json(&body("sports-event-without-update-multicast.json"), None).expect("previews");
    assert_eq!(
        all,
        vec![
            (
                "en-US".to_owned(),
                "TreeFruit League match update, Oranges 0, Apples 0.".to_owned()
            ),
            (
                "de-DE".to_owned(),
                "Obstliga match update, Oranges 0, Apples 0.".to_owned()
            ),
        ]
    );
    let one = preview_json(&body("weather-alert-tornado-multicast.json"), Some("en-GB"))
        .expect("previews");
    assert_eq!(
        one,
        vec![(
            "en-GB".to_owned(),
            "There is a tornado alert for your area. Provided by Example Weather Corp UK."
                .to_owned()
        )]
    );
}

#[test]
fn a_locale_without_an_entry_is_an_error_naming_it() {
    let err = request("weather-alert-tornado-multicast.json")
        .preview("de-DE")
        .expect_err("no de-DE entry");
    assert_eq!(
        err,
        PreviewError::NoLocaleEntry {
            locale: "de-DE".to_owned(),
            available: vec!["en-US".to_owned(), "en-GB".to_owned()],
        }
    );
    assert_eq!(
        err.to_string(),
        "no localizedAttributes entry for locale de-DE (the request has en-US, en-GB)"
    );
    let err = preview_json(&body("weather-alert-tornado-multicast.json"), Some("fr-FR"))
        .expect_err("no fr-FR entry");
    assert!(
        matches!(&err, PreviewError::NoLocaleEntry { locale, .. } if locale == "fr-FR"),
        "{err:?}"
    );
}

#[test]
fn a_locale_without_the_referenced_key_is_an_error_naming_both() {
    let request = inline(
        json!({"name": "AMAZON.WeatherAlert.Activated", "payload": {
            "weatherAlert": {"source": "localizedattribute:source", "alertType": "TORNADO"}}}),
        json!([{"locale": "en-US", "source": "Example Weather Corp"},
               {"locale": "en-GB", "provider": "Example Weather Corp UK"}]),
    );
    let err = request.preview("en-GB").expect_err("en-GB lacks `source`");
    assert_eq!(
        err,
        PreviewError::MissingAttribute {
            key: "source".to_owned(),
            locale: "en-GB".to_owned(),
            path: "weatherAlert.source".to_owned(),
        }
    );
    assert_eq!(
        err.to_string(),
        "no value for `source` in locale en-GB (referenced by weatherAlert.source as localizedattribute:source)"
    );
    // preview_json over every locale stops at the first failing one.
    let bytes = serde_json::to_vec(&request).expect("serializes");
    assert_eq!(preview_json(&bytes, None), Err(err));
}

#[test]
fn unbuilt_per_locale_text_is_an_error_not_a_panic() {
    let mut request = request("weather-alert-tornado-multicast.json");
    let Event::WeatherAlertActivated(payload) = &mut request.event else {
        panic!("a weather alert")
    };
    payload.weather_alert.source = Text::per_locale([("en-US", "Example Weather Corp")]);
    let err = request
        .preview("en-US")
        .expect_err("per-locale text is resolved by build()");
    assert!(
        matches!(&err, PreviewError::Payload(why) if why.contains("build()")),
        "{err:?}"
    );
}

#[test]
fn a_body_that_is_not_a_request_is_an_error() {
    let err = preview_json(b"{\"timestamp\": 1", None).expect_err("not JSON");
    assert!(matches!(err, PreviewError::Body(_)), "{err:?}");
    assert!(
        err.to_string()
            .starts_with("not a proactive-event request body: ")
    );
}

#[test]
fn every_valid_body_previews_in_each_of_its_locales() {
    let mut events = std::collections::BTreeSet::new();
    for entry in std::fs::read_dir(bank()).expect("bank of valid bodies") {
        let path = entry.expect("directory entry").path();
        if path.extension().is_none_or(|e| e != "json") {
            continue;
        }
        let bytes = std::fs::read(&path).expect("readable body");
        let json: Value = serde_json::from_slice(&bytes).expect("JSON");
        events.insert(
            json["event"]["name"]
                .as_str()
                .expect("event name")
                .to_owned(),
        );
        let locales: Vec<&str> = json["localizedAttributes"]
            .as_array()
            .expect("localizedAttributes")
            .iter()
            .map(|a| a["locale"].as_str().expect("locale"))
            .collect();
        let sentences =
            preview_json(&bytes, None).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        let spoken: Vec<&str> = sentences.iter().map(|(l, _)| l.as_str()).collect();
        assert_eq!(spoken, locales, "{}", path.display());
        for (locale, sentence) in &sentences {
            let at = format!("{} in {locale}: {sentence:?}", path.display());
            assert!(sentence.ends_with('.'), "{at}");
            assert!(sentence.starts_with(char::is_uppercase), "{at}");
            assert!(!sentence.contains("  "), "{at}");
            assert!(!sentence.contains(" ."), "{at}");
            assert!(!sentence.contains(" ,"), "{at}");
            assert!(!sentence.contains('{'), "{at}");
            assert!(!sentence.contains("localizedattribute:"), "{at}");
            assert!(!sentence.contains('_'), "enum spoken raw: {at}");
        }
    }
    let mut all = EVENT_NAMES.to_vec();
    all.sort_unstable();
    assert_eq!(
        events.iter().map(String::as_str).collect::<Vec<_>>(),
        all,
        "the bank covers every event"
    );
}

/// A weather alert with `n` entries of distinct locales (`en-x-<i>`), each
/// with its own `source`.
fn many_locales(n: usize) -> Vec<u8> {
    let entries: Vec<Value> = (0..n)
        .map(|i| json!({"locale": format!("en-x-{i:x}"), "source": format!("S{i}")}))
        .collect();
    serde_json::to_vec(&json!({
        "timestamp": "2024-05-01T10:00:00Z",
        "referenceId": "preview0001",
        "expiryTime": "2024-05-01T16:00:00Z",
        "event": {"name": "AMAZON.WeatherAlert.Activated", "payload": {
            "weatherAlert": {"source": "localizedattribute:source", "alertType": "TORNADO"}}},
        "localizedAttributes": entries,
        "relevantAudience": {"type": "Multicast", "payload": {}}
    }))
    .expect("serializes")
}

/// 100,000 locales preview in time linear in the body: the payload is read once
/// and each locale found in a map, not by scanning every entry before it. (A
/// hang guard, not a timing assertion.)
#[test]
fn previewing_100k_locales_reads_the_payload_once() {
    const N: usize = 100_000;
    let bytes = many_locales(N);
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let _ = tx.send(preview_json(&bytes, None));
    });
    let all = rx
        .recv_timeout(std::time::Duration::from_secs(60))
        .expect("previewing 100,000 locales finishes in 60 s")
        .expect("previews");
    assert_eq!(all.len(), N);
    assert_eq!(
        all[N - 1],
        (
            format!("en-x-{:x}", N - 1),
            format!(
                "There is a tornado alert for your area. Provided by S{}.",
                N - 1
            )
        )
    );
}

/// A locale repeated in another case reads the first entry of that locale, as
/// `preview` with that locale does, in the all-locales preview too.
#[test]
fn a_repeated_locale_previews_from_its_first_entry() {
    let request = inline(
        json!({"name": "AMAZON.WeatherAlert.Activated", "payload": {
            "weatherAlert": {"source": "localizedattribute:source", "alertType": "TORNADO"}}}),
        json!([{"locale": "en-US", "source": "First"}, {"locale": "en-us", "source": "Second"}]),
    );
    let bytes = serde_json::to_vec(&request).expect("serializes");
    let all = preview_json(&bytes, None).expect("previews");
    for (locale, sentence) in &all {
        assert_eq!(sentence, &request.preview(locale).expect("previews"));
        assert!(sentence.ends_with("Provided by First."), "{sentence}");
    }
}

/// A missing locale names the first 10 available and counts the rest: one
/// line, whatever the number of entries.
#[test]
fn a_missing_locale_names_ten_locales_and_counts_the_rest() {
    let err = preview_json(&many_locales(12), Some("de-DE")).expect_err("no de-DE entry");
    assert_eq!(
        err.to_string(),
        "no localizedAttributes entry for locale de-DE (the request has \
         en-x-0, en-x-1, en-x-2, en-x-3, en-x-4, en-x-5, en-x-6, en-x-7, en-x-8, en-x-9 and 2 more)"
    );
    let err = preview_json(&many_locales(10), Some("de-DE")).expect_err("no de-DE entry");
    assert!(err.to_string().ends_with("en-x-8, en-x-9)"), "{err}");
}
