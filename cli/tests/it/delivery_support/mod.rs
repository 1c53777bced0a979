//! Shared by the delivery and emulator tests: events, an emulator and a client
//! wired to it.
#![allow(dead_code)]

use alexa_proactive_events::ProactiveEventRequest;
use alexa_proactive_events::client::{
    Client, ClientBuilder, Credentials, Region, RetryPolicy, Stage,
};
use alexa_proactive_events::emulator::{Emulator, EmulatorConfig, EmulatorHandle};
use alexa_proactive_events::jiff::{SignedDuration, Timestamp};
use serde_json::json;
use std::time::Duration;

pub mod loopback;

pub const CLIENT_ID: &str = "amzn1.application-oa2-client.test";
pub const SECRET: &str = "s3cr3t-SENTINEL-4f1d";

/// A valid MessageAlert body: `timestamp` now (plus `offset_ms`), expiry in 1 h.
pub fn body(reference_id: &str, user: Option<&str>, offset_ms: i64) -> serde_json::Value {
    let now = Timestamp::now() + SignedDuration::from_millis(offset_ms);
    let audience = match user {
        Some(u) => json!({"type": "Unicast", "payload": {"user": u}}),
        None => json!({"type": "Multicast", "payload": {}}),
    };
    json!({
        "timestamp": now.to_string(),
        "referenceId": reference_id,
        "expiryTime": (now + SignedDuration::from_hours(1)).to_string(),
        "event": {"name": "AMAZON.MessageAlert.Activated", "payload": {
            "state": {"status": "UNREAD", "freshness": "NEW"},
            "messageGroup": {"creator": {"name": "Jane Doe"}, "count": 3, "urgency": "URGENT"}}},
        "localizedAttributes": [{"locale": "en-US"}],
        "relevantAudience": audience,
    })
}

pub fn event(i: usize) -> ProactiveEventRequest {
    serde_json::from_value(body(
        &format!("evt{i:06}"),
        Some("amzn1.ask.account.TESTUSER"),
        0,
    ))
    .expect("the test body is valid")
}

pub fn events(n: usize) -> Vec<ProactiveEventRequest> {
    (0..n).map(event).collect()
}

/// An emulator without rate limit or faults, accepting the test credentials.
pub fn config() -> EmulatorConfig {
    EmulatorConfig {
        client_id: CLIENT_ID.to_owned(),
        client_secret: SECRET.to_owned(),
        rate_limit: None,
        ..EmulatorConfig::default()
    }
}

pub async fn emulator(config: EmulatorConfig) -> EmulatorHandle {
    Emulator::start(config)
        .await
        .expect("the emulator starts on loopback")
}

/// Fast retries so that tests stay short.
pub fn fast_retry(max_attempts: u32) -> RetryPolicy {
    RetryPolicy {
        max_attempts,
        initial_backoff: Duration::from_millis(1),
        max_backoff: Duration::from_millis(20),
        max_elapsed: Duration::from_secs(30),
    }
}

/// A client for the emulator, development stage, limiter off.
pub fn builder(emulator: &EmulatorHandle) -> ClientBuilder {
    Client::builder(
        Credentials::new(CLIENT_ID, SECRET),
        Region::NorthAmerica,
        Stage::Development,
    )
    .api_base(emulator.base_url())
    .token_url(emulator.token_url())
    .rate_limit(0)
    .retry(fast_retry(4))
}

pub fn client(emulator: &EmulatorHandle) -> Client {
    builder(emulator).build().expect("client")
}
