//! Shared by the `subscriptions_*` tests: notices built as Alexa sends them.
#![allow(dead_code)]

use alexa_proactive_events::jiff::Timestamp;
use alexa_proactive_events::subscriptions::SubscriptionChanged;
use serde_json::json;

pub const SKILL: &str = "amzn1.ask.skill.test";
pub const NA: &str = "https://api.amazonalexa.com";
pub const EU: &str = "https://api.eu.amazonalexa.com";
pub const FE: &str = "https://api.fe.amazonalexa.com";

/// The JSON body of a notice; `events: None` leaves the body out.
pub fn body(
    skill: &str,
    user: &str,
    endpoint: &str,
    request_id: &str,
    timestamp: Timestamp,
    events: Option<&[&str]>,
) -> serde_json::Value {
    let mut request = json!({
        "type": "AlexaSkillEvent.ProactiveSubscriptionChanged",
        "requestId": request_id,
        "timestamp": timestamp.to_string(),
    });
    if let Some(events) = events {
        let list: Vec<_> = events.iter().map(|e| json!({"eventName": e})).collect();
        request["body"] = json!({"subscriptions": list});
    }
    json!({
        "version": "1.0",
        "context": {"System": {
            "application": {"applicationId": skill},
            "user": {"userId": user},
            "apiEndpoint": endpoint,
        }},
        "request": request,
    })
}

/// A notice parsed from [`body`], so every test also goes through the parser.
pub fn notice(
    skill: &str,
    user: &str,
    endpoint: &str,
    request_id: &str,
    seconds: i64,
    events: &[&str],
) -> SubscriptionChanged {
    let ts = Timestamp::from_second(1_790_000_000 + seconds).expect("in range");
    let json = body(skill, user, endpoint, request_id, ts, Some(events));
    SubscriptionChanged::from_json(serde_json::to_vec(&json).expect("serializes"))
        .expect("a valid notice")
}

pub mod pg;
