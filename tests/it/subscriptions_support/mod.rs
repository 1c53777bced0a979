//! Shared by the `subscriptions_*` tests: notices built as Alexa sends them.
#![allow(dead_code)]

use alexa_proactive_events::jiff::Timestamp;
use alexa_proactive_events::subscriptions::{
    Cursor, Ledger, Subscriber, SubscriptionChanged, UserRecord,
};
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

/// Every subscriber of `event`, read `page` at a time (each page within its size).
pub fn all_subscribers(l: &dyn Ledger, skill: &str, event: &str, page: usize) -> Vec<Subscriber> {
    let mut all = Vec::new();
    let mut after: Option<Cursor> = None;
    loop {
        let p = l
            .subscribers(skill, event, after.as_ref(), page)
            .expect("reads");
        assert!(p.items.len() <= page.max(1));
        all.extend(p.items);
        match p.next {
            Some(c) => after = Some(c),
            None => return all,
        }
    }
}

/// Every user record, read `page` at a time.
pub fn all_users(l: &dyn Ledger, page: usize) -> Vec<UserRecord> {
    let mut all = Vec::new();
    let mut after: Option<Cursor> = None;
    loop {
        let p = l.users(after.as_ref(), page).expect("reads");
        all.extend(p.items);
        match p.next {
            Some(c) => after = Some(c),
            None => return all,
        }
    }
}

pub mod pg;
pub mod proxy;
