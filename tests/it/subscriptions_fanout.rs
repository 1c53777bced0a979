//! Fan-out against the emulator: exactly the subscribed users receive the event, each
//! at their own region's host.

use crate::subscriptions_support as support;

use alexa_proactive_events::ProactiveEventRequest;
use alexa_proactive_events::client::{BulkOptions, Client, Credentials, Journal, Stage};
use alexa_proactive_events::emulator::{Emulator, EmulatorConfig, EmulatorHandle};
use alexa_proactive_events::jiff::{SignedDuration, Timestamp};
use alexa_proactive_events::subscriptions::{FanOut, Ledger, Region, SqliteLedger};
use serde_json::json;
use std::collections::{BTreeMap, BTreeSet};
use support::*;

const ID: &str = "amzn1.application-oa2-client.fanout";
const SECRET: &str = "fanout-secret";
const MESSAGE: &str = "AMAZON.MessageAlert.Activated";
const WEATHER: &str = "AMAZON.WeatherAlert.Activated";

/// A valid MessageAlert request; its audience is replaced per user by the fan-out.
fn message_alert() -> ProactiveEventRequest {
    let now = Timestamp::now();
    serde_json::from_value(json!({
        "timestamp": now.to_string(),
        "referenceId": "fanout~0001",
        "expiryTime": (now + SignedDuration::from_hours(1)).to_string(),
        "event": {"name": MESSAGE, "payload": {
            "state": {"status": "UNREAD", "freshness": "NEW"},
            "messageGroup": {"creator": {"name": "Jane Doe"}, "count": 3, "urgency": "URGENT"}}},
        "localizedAttributes": [{"locale": "en-US"}],
        "relevantAudience": {"type": "Multicast", "payload": {}},
    }))
    .expect("a valid request")
}

async fn emulators() -> BTreeMap<Region, EmulatorHandle> {
    let mut all = BTreeMap::new();
    for region in Region::ALL {
        let config = EmulatorConfig {
            client_id: ID.to_owned(),
            client_secret: SECRET.to_owned(),
            rate_limit: None,
            ..EmulatorConfig::default()
        };
        all.insert(
            region,
            Emulator::start(config).await.expect("emulator starts"),
        );
    }
    all
}

/// Unicast users received by one emulator.
fn received(e: &EmulatorHandle) -> BTreeSet<String> {
    e.events()
        .iter()
        .map(|a| {
            assert_eq!(a.audience["type"], "Unicast");
            let body = a.body.as_ref().expect("a small body is kept whole");
            assert_eq!(body["event"]["name"], MESSAGE);
            a.audience["payload"]["user"]
                .as_str()
                .expect("a user")
                .to_owned()
        })
        .collect()
}

fn users(list: &[&str]) -> BTreeSet<String> {
    list.iter().map(|u| u.to_string()).collect()
}

#[tokio::test]
async fn exactly_the_subscribed_users_receive_the_event_in_their_region() {
    let dir = tempfile::tempdir().expect("temp dir");
    let ledger = SqliteLedger::open(dir.path().join("subs.db")).expect("opens");
    let notices = [
        notice(SKILL, "na-1", NA, "r1", 1, &[MESSAGE, WEATHER]),
        notice(SKILL, "na-2", NA, "r1", 1, &[MESSAGE]),
        notice(SKILL, "eu-1", EU, "r1", 1, &[MESSAGE]),
        notice(SKILL, "fe-1", FE, "r1", 1, &[MESSAGE]),
        // Subscribed to another event only.
        notice(SKILL, "eu-weather", EU, "r1", 1, &[WEATHER]),
        // Unsubscribed, then an older subscribe arrives late: stays unsubscribed.
        notice(SKILL, "eu-gone", EU, "r2", 2, &[]),
        notice(SKILL, "eu-gone", EU, "r1", 1, &[MESSAGE]),
        // Moved from NA to EU: the newest endpoint counts.
        notice(SKILL, "moved", NA, "r1", 1, &[MESSAGE]),
        notice(SKILL, "moved", EU, "r2", 2, &[MESSAGE]),
        // Another skill's subscriber.
        notice("amzn1.ask.skill.other", "other", NA, "r1", 1, &[MESSAGE]),
        // An endpoint of no known region: reported, not sent.
        notice(
            SKILL,
            "nowhere",
            "https://api.example.invalid",
            "r1",
            1,
            &[MESSAGE],
        ),
    ];
    ledger.apply_all(&notices).expect("applies");

    let plan = FanOut::plan(&ledger, SKILL, &message_alert()).expect("plans");
    // The snapshot: an unsubscribe after planning does not change the plan.
    ledger
        .apply(&notice(SKILL, "na-2", NA, "r9", 9, &[]))
        .expect("applies");
    assert_eq!(plan.len(), 5);
    assert_eq!(plan.unroutable().len(), 1);
    assert_eq!(plan.unroutable()[0].user_id, "nowhere");

    let emulators = emulators().await;
    let journal_path = dir.path().join("fanout.journal");
    let mut seen = 0;
    let summary = plan
        .send(
            |region| {
                Client::builder(Credentials::new(ID, SECRET), region, Stage::Development)
                    .api_base(emulators[&region].base_url())
                    .token_url(emulators[&region].token_url())
                    .rate_limit(0)
                    .build()
            },
            BulkOptions::new().journal(Journal::open(&journal_path).expect("journal")),
            |_| seen += 1,
        )
        .await
        .expect("sends");
    assert_eq!(seen, 5);
    assert!(summary.all_delivered(), "{summary}");
    assert_eq!(summary.by_region[&Region::NorthAmerica].accepted, 2);
    assert_eq!(summary.by_region[&Region::Europe].accepted, 2);
    assert_eq!(summary.by_region[&Region::FarEast].accepted, 1);

    assert_eq!(
        received(&emulators[&Region::NorthAmerica]),
        users(&["na-1", "na-2"])
    );
    assert_eq!(
        received(&emulators[&Region::Europe]),
        users(&["eu-1", "moved"])
    );
    assert_eq!(received(&emulators[&Region::FarEast]), users(&["fe-1"]));

    // Run again with the same journal: nobody is sent to twice.
    let summary = plan
        .send(
            |region| {
                Client::builder(Credentials::new(ID, SECRET), region, Stage::Development)
                    .api_base(emulators[&region].base_url())
                    .token_url(emulators[&region].token_url())
                    .rate_limit(0)
                    .build()
            },
            BulkOptions::new().journal(Journal::open(&journal_path).expect("journal")),
            |_| {},
        )
        .await
        .expect("sends");
    let skipped: u64 = summary.by_region.values().map(|s| s.skipped).sum();
    assert_eq!(skipped, 5);
    let sent: u64 = emulators.values().map(|e| e.events().len() as u64).sum();
    assert_eq!(sent, 5);

    // A plan taken now leaves out the user who unsubscribed.
    let later = FanOut::plan(&ledger, SKILL, &message_alert()).expect("plans");
    assert_eq!(later.users(Region::NorthAmerica), ["na-1"]);

    for (_, e) in emulators {
        e.shutdown().await;
    }
}

#[test]
fn the_plan_holds_one_unicast_request_per_user_grouped_by_region() {
    let ledger = alexa_proactive_events::subscriptions::MemoryLedger::new();
    ledger
        .apply_all(&[
            notice(SKILL, "b", EU, "r", 1, &[MESSAGE]),
            notice(SKILL, "a", EU, "r", 1, &[MESSAGE]),
            notice(SKILL, "c", FE, "r", 1, &[WEATHER]),
        ])
        .expect("applies");
    let plan = FanOut::plan(&ledger, SKILL, &message_alert()).expect("plans");
    assert_eq!(plan.event_name(), MESSAGE);
    assert_eq!(plan.regions().collect::<Vec<_>>(), [Region::Europe]);
    let requests: Vec<_> = plan.requests(Region::Europe).collect();
    let audiences: Vec<_> = requests
        .iter()
        .map(|r| serde_json::to_value(&r.relevant_audience).expect("serializes"))
        .collect();
    assert_eq!(
        audiences,
        [
            json!({"type": "Unicast", "payload": {"user": "a"}}),
            json!({"type": "Unicast", "payload": {"user": "b"}}),
        ]
    );
    assert!(
        requests
            .iter()
            .all(|r| r.reference_id.as_str() == "fanout~0001")
    );
    assert_eq!(plan.requests(Region::NorthAmerica).count(), 0);
}
