//! Every body of the bank gets the verdict its folder says, and the report of an
//! invalid body names exactly the rules and places its file name describes.

use crate::validate_support;

use alexa_proactive_events::validate::{Severity, Violation, validate_json, walk_json};
use std::collections::BTreeSet;
use validate_support::raw_bodies;

/// Invalid body (file name without `.json`) -> every error it must report.
/// Each body is a valid one with one mutation; a renamed field reports both the
/// missing name and the unknown one.
const EXPECTED: &[(&str, &[(&str, &str)])] = &[
    (
        "media-content-audience-missing",
        &[("ENV-REQUIRED", "/relevantAudience")],
    ),
    (
        "media-content-content-name-null",
        &[("PAYLOAD-NULL", "/event/payload/content/name")],
    ),
    (
        "media-content-content-type-unknown",
        &[("PAYLOAD-ENUM", "/event/payload/content/contentType")],
    ),
    (
        "media-content-expiry-time-missing",
        &[("ENV-REQUIRED", "/expiryTime")],
    ),
    (
        "media-content-localized-attributes-entry-without-locale",
        &[("ENV-REQUIRED", "/localizedAttributes/1/locale")],
    ),
    (
        "media-content-localized-attributes-value-empty",
        &[("LOC-VALUE-EMPTY", "/localizedAttributes/1/providerName")],
    ),
    (
        "media-content-localized-attributes-value-number",
        &[("ENV-TYPE", "/localizedAttributes/0/contentName")],
    ),
    (
        "media-content-method-unknown",
        &[("PAYLOAD-ENUM", "/event/payload/availability/method")],
    ),
    (
        "media-content-provider-name-missing",
        &[(
            "PAYLOAD-REQUIRED",
            "/event/payload/availability/provider/name",
        )],
    ),
    (
        "media-content-start-time-missing",
        &[("PAYLOAD-REQUIRED", "/event/payload/availability/startTime")],
    ),
    (
        "media-content-start-time-number",
        &[("PAYLOAD-TYPE", "/event/payload/availability/startTime")],
    ),
    (
        "message-alert-count-beyond-64-bits",
        &[("PAYLOAD-MAXIMUM", "/event/payload/messageGroup/count")],
    ),
    (
        "message-alert-count-negative",
        &[("PAYLOAD-MINIMUM", "/event/payload/messageGroup/count")],
    ),
    (
        "message-alert-count-string",
        &[("PAYLOAD-TYPE", "/event/payload/messageGroup/count")],
    ),
    (
        "message-alert-creator-name-empty",
        &[(
            "PAYLOAD-EMPTY-STRING",
            "/event/payload/messageGroup/creator/name",
        )],
    ),
    (
        "message-alert-creator-name-localized",
        &[(
            "LOC-NOT-LOCALIZABLE",
            "/event/payload/messageGroup/creator/name",
        )],
    ),
    (
        "message-alert-creator-name-number",
        &[("PAYLOAD-TYPE", "/event/payload/messageGroup/creator/name")],
    ),
    (
        "message-alert-envelope-extra-field",
        &[("ENV-UNKNOWN-FIELD", "/version")],
    ),
    (
        "message-alert-event-name-unknown",
        &[("ENV-EVENT-NAME", "/event/name")],
    ),
    (
        "message-alert-freshness-null",
        &[("PAYLOAD-NULL", "/event/payload/state/freshness")],
    ),
    (
        "message-alert-localized-attributes-empty",
        &[("LOC-EMPTY", "/localizedAttributes")],
    ),
    (
        "message-alert-state-missing",
        &[("PAYLOAD-REQUIRED", "/event/payload/state")],
    ),
    (
        "message-alert-status-unknown",
        &[("PAYLOAD-ENUM", "/event/payload/state/status")],
    ),
    (
        "message-alert-timestamp-impossible-date",
        &[("ENV-TIMESTAMP-ISO8601", "/timestamp")],
    ),
    (
        "message-alert-timestamp-offset-25h",
        &[("ENV-TIMESTAMP-ISO8601", "/timestamp")],
    ),
    (
        "message-alert-unicast-without-user",
        &[("ENV-UNICAST-USER", "/relevantAudience/payload/user")],
    ),
    (
        "message-alert-urgency-unknown",
        &[("PAYLOAD-ENUM", "/event/payload/messageGroup/urgency")],
    ),
    (
        "occasion-booking-time-date-only",
        &[("PAYLOAD-DATETIME", "/event/payload/occasion/bookingTime")],
    ),
    (
        "occasion-booking-time-missing",
        &[("PAYLOAD-REQUIRED", "/event/payload/occasion/bookingTime")],
    ),
    (
        "occasion-broker-name-missing",
        &[("PAYLOAD-REQUIRED", "/event/payload/occasion/broker/name")],
    ),
    (
        "occasion-broker-null",
        &[("PAYLOAD-NULL", "/event/payload/occasion/broker")],
    ),
    (
        "occasion-confirmation-status-cancelled",
        &[("PAYLOAD-ENUM", "/event/payload/state/confirmationStatus")],
    ),
    (
        "occasion-confirmation-status-received",
        &[("PAYLOAD-ENUM", "/event/payload/state/confirmationStatus")],
    ),
    (
        "occasion-multicast-with-user",
        &[("ENV-MULTICAST-EMPTY-PAYLOAD", "/relevantAudience/payload")],
    ),
    (
        "occasion-occasion-type-unknown",
        &[("PAYLOAD-ENUM", "/event/payload/occasion/occasionType")],
    ),
    (
        "occasion-provider-string",
        &[("PAYLOAD-TYPE", "/event/payload/occasion/provider")],
    ),
    (
        "occasion-reference-id-empty",
        &[("ENV-REFID-LENGTH", "/referenceId")],
    ),
    (
        "occasion-subject-empty",
        &[("PAYLOAD-EMPTY-STRING", "/event/payload/occasion/subject")],
    ),
    (
        "order-status-delivery-details-empty",
        &[(
            "PAYLOAD-REQUIRED",
            "/event/payload/state/deliveryDetails/expectedArrival",
        )],
    ),
    (
        "order-status-enter-timestamp-not-a-date",
        &[("PAYLOAD-DATETIME", "/event/payload/state/enterTimestamp")],
    ),
    (
        "order-status-enter-timestamp-typo",
        &[(
            "PAYLOAD-UNKNOWN-FIELD",
            "/event/payload/state/enterTimeStamp",
        )],
    ),
    (
        "order-status-event-extra-field",
        &[("ENV-UNKNOWN-FIELD", "/event/version")],
    ),
    (
        "order-status-expected-arrival-date-only",
        &[(
            "PAYLOAD-DATETIME",
            "/event/payload/state/deliveryDetails/expectedArrival",
        )],
    ),
    (
        "order-status-expected-arrival-no-zone",
        &[(
            "PAYLOAD-DATETIME",
            "/event/payload/state/deliveryDetails/expectedArrival",
        )],
    ),
    (
        "order-status-order-extra-order-id",
        &[("PAYLOAD-UNKNOWN-FIELD", "/event/payload/order/orderId")],
    ),
    (
        "order-status-reference-id-101-chars",
        &[("ENV-REFID-LENGTH", "/referenceId")],
    ),
    (
        "order-status-reference-id-number",
        &[("ENV-TYPE", "/referenceId")],
    ),
    (
        "order-status-seller-missing",
        &[("PAYLOAD-REQUIRED", "/event/payload/order/seller")],
    ),
    (
        "order-status-state-extra-delivered-on",
        &[("PAYLOAD-UNKNOWN-FIELD", "/event/payload/state/deliveredOn")],
    ),
    (
        "order-status-status-unknown",
        &[("PAYLOAD-ENUM", "/event/payload/state/status")],
    ),
    (
        "social-game-invite-audience-type-lowercase",
        &[("ENV-AUDIENCE-TYPE", "/relevantAudience/type")],
    ),
    (
        "social-game-invite-audience-user-empty",
        &[("ENV-UNICAST-USER", "/relevantAudience/payload/user")],
    ),
    (
        "social-game-invite-event-payload-missing",
        &[("ENV-REQUIRED", "/event/payload")],
    ),
    (
        "social-game-invite-game-extra-field",
        &[("PAYLOAD-UNKNOWN-FIELD", "/event/payload/game/genre")],
    ),
    (
        "social-game-invite-game-missing",
        &[("PAYLOAD-REQUIRED", "/event/payload/game")],
    ),
    (
        "social-game-invite-invite-type-missing",
        &[("PAYLOAD-REQUIRED", "/event/payload/invite/inviteType")],
    ),
    (
        "social-game-invite-inviter-name-localized",
        &[("LOC-NOT-LOCALIZABLE", "/event/payload/invite/inviter/name")],
    ),
    (
        "social-game-invite-offer-unknown",
        &[("PAYLOAD-ENUM", "/event/payload/game/offer")],
    ),
    (
        "social-game-invite-relationship-under-inviter",
        &[
            (
                "PAYLOAD-REQUIRED",
                "/event/payload/invite/relationshipToInvitee",
            ),
            (
                "PAYLOAD-UNKNOWN-FIELD",
                "/event/payload/invite/inviter/relationshipToInvitee",
            ),
        ],
    ),
    (
        "social-game-invite-relationship-unknown",
        &[(
            "PAYLOAD-ENUM",
            "/event/payload/invite/relationshipToInvitee",
        )],
    ),
    (
        "social-game-invite-timestamp-null",
        &[("ENV-NULL", "/timestamp")],
    ),
    (
        "sports-event-away-team-missing",
        &[(
            "PAYLOAD-REQUIRED",
            "/event/payload/sportsEvent/awayTeamStatistic",
        )],
    ),
    (
        "sports-event-event-name-missing",
        &[("ENV-REQUIRED", "/event/name")],
    ),
    (
        "sports-event-expiry-time-not-a-date",
        &[("ENV-EXPIRY-ISO8601", "/expiryTime")],
    ),
    (
        "sports-event-home-team-name-localized",
        &[(
            "LOC-NOT-LOCALIZABLE",
            "/event/payload/sportsEvent/homeTeamStatistic/team/name",
        )],
    ),
    (
        "sports-event-league-name-empty",
        &[(
            "PAYLOAD-EMPTY-STRING",
            "/event/payload/sportsEvent/eventLeague/name",
        )],
    ),
    (
        "sports-event-score-earned-negative",
        &[("PAYLOAD-MINIMUM", "/event/payload/update/scoreEarned")],
    ),
    (
        "sports-event-score-earned-typo",
        &[
            ("PAYLOAD-REQUIRED", "/event/payload/update/scoreEarned"),
            ("PAYLOAD-UNKNOWN-FIELD", "/event/payload/update/ScoreEarned"),
        ],
    ),
    (
        "sports-event-score-fractional",
        &[(
            "PAYLOAD-TYPE",
            "/event/payload/sportsEvent/homeTeamStatistic/score",
        )],
    ),
    (
        "sports-event-score-negative",
        &[(
            "PAYLOAD-MINIMUM",
            "/event/payload/sportsEvent/awayTeamStatistic/score",
        )],
    ),
    (
        "sports-event-score-string",
        &[(
            "PAYLOAD-TYPE",
            "/event/payload/sportsEvent/homeTeamStatistic/score",
        )],
    ),
    (
        "sports-event-team-array",
        &[(
            "PAYLOAD-TYPE",
            "/event/payload/sportsEvent/homeTeamStatistic/team",
        )],
    ),
    (
        "sports-event-update-team-name-localized",
        &[("LOC-NOT-LOCALIZABLE", "/event/payload/update/teamName")],
    ),
    (
        "sports-event-update-team-name-missing",
        &[("PAYLOAD-REQUIRED", "/event/payload/update/teamName")],
    ),
    (
        "trash-collection-audience-extra-field",
        &[("ENV-UNKNOWN-FIELD", "/relevantAudience/region")],
    ),
    (
        "trash-collection-day-mixed-case",
        &[("PAYLOAD-ENUM", "/event/payload/alert/collectionDayOfWeek")],
    ),
    (
        "trash-collection-garbage-type-typo",
        &[
            ("PAYLOAD-REQUIRED", "/event/payload/alert/garbageTypes"),
            ("PAYLOAD-UNKNOWN-FIELD", "/event/payload/alert/garbageType"),
        ],
    ),
    (
        "trash-collection-garbage-type-unknown",
        &[("PAYLOAD-ENUM", "/event/payload/alert/garbageTypes/0")],
    ),
    (
        "trash-collection-garbage-types-duplicate",
        &[(
            "PAYLOAD-UNIQUE-ITEMS",
            "/event/payload/alert/garbageTypes/1",
        )],
    ),
    (
        "trash-collection-garbage-types-empty",
        &[("PAYLOAD-MIN-ITEMS", "/event/payload/alert/garbageTypes")],
    ),
    (
        "trash-collection-garbage-types-null-item",
        &[("PAYLOAD-NULL", "/event/payload/alert/garbageTypes/0")],
    ),
    (
        "trash-collection-garbage-types-object",
        &[("PAYLOAD-TYPE", "/event/payload/alert/garbageTypes")],
    ),
    (
        "trash-collection-garbage-types-six",
        &[("PAYLOAD-MAX-ITEMS", "/event/payload/alert/garbageTypes")],
    ),
    (
        "trash-collection-garbage-types-string",
        &[("PAYLOAD-TYPE", "/event/payload/alert/garbageTypes")],
    ),
    (
        "trash-collection-localized-attributes-missing",
        &[("ENV-REQUIRED", "/localizedAttributes")],
    ),
    (
        "trash-collection-localized-attributes-object",
        &[("ENV-TYPE", "/localizedAttributes")],
    ),
    (
        "weather-alert-alert-type-lowercase",
        &[("PAYLOAD-ENUM", "/event/payload/weatherAlert/alertType")],
    ),
    (
        "weather-alert-alert-type-unknown",
        &[("PAYLOAD-ENUM", "/event/payload/weatherAlert/alertType")],
    ),
    (
        "weather-alert-audience-type-broadcast",
        &[("ENV-AUDIENCE-TYPE", "/relevantAudience/type")],
    ),
    (
        "weather-alert-event-name-sports-event",
        &[
            ("PAYLOAD-REQUIRED", "/event/payload/sportsEvent"),
            ("PAYLOAD-UNKNOWN-FIELD", "/event/payload/weatherAlert"),
        ],
    ),
    (
        "weather-alert-locale-underscore",
        &[("LOC-LOCALE-BCP47", "/localizedAttributes/0/locale")],
    ),
    (
        "weather-alert-payload-array",
        &[("PAYLOAD-TYPE", "/event/payload")],
    ),
    (
        "weather-alert-payload-extra-field",
        &[(
            "PAYLOAD-UNKNOWN-FIELD",
            "/event/payload/weatherAlert/severity",
        )],
    ),
    (
        "weather-alert-reference-id-hyphen",
        &[("ENV-REFID-CHARSET", "/referenceId")],
    ),
    (
        "weather-alert-source-missing",
        &[("PAYLOAD-REQUIRED", "/event/payload/weatherAlert/source")],
    ),
    (
        "weather-alert-source-null",
        &[("PAYLOAD-NULL", "/event/payload/weatherAlert/source")],
    ),
    (
        "weather-alert-timestamp-missing",
        &[("ENV-REQUIRED", "/timestamp")],
    ),
    (
        "weather-alert-timestamp-no-zone",
        &[("ENV-TIMESTAMP-ISO8601", "/timestamp")],
    ),
];

#[test]
fn every_valid_body_is_valid_with_no_warning() {
    let valid = raw_bodies("valid");
    assert!(valid.len() >= 30, "{} valid bodies", valid.len());
    for (name, bytes) in valid {
        let report = validate_json(&bytes);
        assert!(report.violations.is_empty(), "{name}:\n{report}");
    }
}

#[test]
fn every_invalid_body_reports_the_rule_and_pointer_of_its_mutation() {
    let invalid = raw_bodies("invalid");
    assert_eq!(
        invalid.len(),
        EXPECTED.len(),
        "every invalid body has an expectation here"
    );
    for (name, bytes) in invalid {
        let stem = name.trim_end_matches(".json");
        let expected = EXPECTED
            .iter()
            .find(|(n, _)| *n == stem)
            .unwrap_or_else(|| panic!("{name} has no expectation"))
            .1;
        let report = validate_json(&bytes);
        assert!(!report.is_valid(), "{name} passed");
        let got: BTreeSet<(&str, &str)> = report
            .errors()
            .map(|v| (v.rule.as_str(), v.pointer.as_str()))
            .collect();
        let want: BTreeSet<(&str, &str)> = expected.iter().copied().collect();
        assert_eq!(got, want, "{name}:\n{report}");
        for v in report.errors() {
            assert!(!v.message.is_empty(), "{name}: {v}");
            assert_eq!(v.severity, Severity::Error);
        }
    }
}

#[test]
fn the_slow_walk_alone_gives_the_same_reports_on_the_bank() {
    for kind in ["valid", "invalid"] {
        for (name, bytes) in raw_bodies(kind) {
            let value: serde_json::Value = serde_json::from_slice(&bytes).expect("bank is JSON");
            let mut slow = walk_json(&value).violations;
            let mut fast = validate_json(&bytes).violations;
            for list in [&mut slow, &mut fast] {
                list.sort_by(|a, b| (a.rule, &a.pointer).cmp(&(b.rule, &b.pointer)));
            }
            if name.contains("beyond-64-bits") {
                // A `Value` holds such a number as a float: its message quotes
                // 1.2345678901234568e29, the bytes' quotes the number as written.
                let key = |v: &Violation| (v.rule, v.pointer.clone(), v.severity);
                assert_eq!(
                    slow.iter().map(key).collect::<Vec<_>>(),
                    fast.iter().map(key).collect::<Vec<_>>(),
                    "{kind}/{name}"
                );
                continue;
            }
            assert_eq!(slow, fast, "{kind}/{name}");
        }
    }
}
