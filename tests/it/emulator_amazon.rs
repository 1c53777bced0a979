//! The emulator answers as Amazon's SDKs expect (decisions D22–D24): integer
//! `code` and string `message` in every error of the events endpoints, OAuth
//! errors from the token endpoint, no answer of any kind without a valid token
//! of this emulator, and subscribers from a ledger.

use crate::delivery_support::*;
use crate::subscriptions_support::notice;
use alexa_proactive_events::client::{ApiError, AudienceKind, ErrorCode, Rejection, SendError};
use alexa_proactive_events::emulator::{EmulatorConfig, Scripted};
use alexa_proactive_events::subscriptions::{Ledger, MemoryLedger};
use serde_json::{Value, json};
use std::sync::Arc;
use std::time::Duration;

const DEV: &str = "/v1/proactiveEvents/stages/development";
const SKILL: &str = "amzn1.ask.skill.emulator-test";
const OTHER_SKILL: &str = "amzn1.ask.skill.other";
const ENDPOINT: &str = "https://api.amazonalexa.com";
const MESSAGE_ALERT: &str = "AMAZON.MessageAlert.Activated";

fn http() -> reqwest::Client {
    crate::tls_support::install_ring();
    reqwest::Client::builder().build().expect("http client")
}

async fn token(base: &str, id: &str, secret: &str) -> (u16, Value) {
    let response = http()
        .post(format!("{base}/auth/o2/token"))
        .form(&[
            ("grant_type", "client_credentials"),
            ("client_id", id),
            ("client_secret", secret),
            ("scope", "alexa::proactive_events"),
        ])
        .send()
        .await
        .expect("token endpoint answers");
    let status = response.status().as_u16();
    let body = response
        .bytes()
        .await
        .map(|b| serde_json::from_slice::<Value>(&b).unwrap_or(Value::Null))
        .unwrap_or(Value::Null);
    (status, body)
}

async fn bearer(base: &str) -> String {
    let (status, body) = token(base, CLIENT_ID, SECRET).await;
    assert_eq!(status, 200, "{body}");
    body["access_token"].as_str().expect("token").to_owned()
}

async fn post(base: &str, bearer: Option<&str>, body: &[u8]) -> (u16, Value) {
    let mut request = http()
        .post(format!("{base}{DEV}"))
        .header("content-type", "application/json")
        .body(body.to_vec());
    if let Some(t) = bearer {
        request = request.bearer_auth(t);
    }
    let response = request.send().await.expect("events endpoint answers");
    let status = response.status().as_u16();
    let bytes = response.bytes().await.expect("body");
    (
        status,
        serde_json::from_slice(&bytes).unwrap_or(Value::Null),
    )
}

/// Amazon's model: exactly `code` (an integer, here the status) and `message`.
fn assert_amazon_error(status: u16, body: &Value) {
    let object = body
        .as_object()
        .unwrap_or_else(|| panic!("{status}: {body}"));
    assert_eq!(object.len(), 2, "only code and message: {body}");
    assert_eq!(body["code"].as_u64(), Some(u64::from(status)), "{body}");
    assert!(
        body["message"].as_str().is_some_and(|m| !m.is_empty()),
        "{body}"
    );
}

#[tokio::test]
async fn every_events_error_has_an_integer_code_and_a_message() {
    let emu = emulator(EmulatorConfig {
        rate_limit: Some(1),
        max_body_bytes: 4096,
        ..config()
    })
    .await;
    let base = emu.base_url();
    let t = bearer(&base).await;

    let (status, body) = post(&base, None, b"{}").await;
    assert_eq!(status, 403);
    assert_amazon_error(status, &body);

    let valid = serde_json::to_vec(&self::body("codes1", Some("u1"), 0)).expect("json");
    assert_eq!(post(&base, Some(&t), &valid).await.0, 202);
    // The limit is 1 per second: resends within a second are 429, the others 409.
    let mut seen = std::collections::BTreeMap::new();
    for _ in 0..50 {
        let (status, body) = post(&base, Some(&t), &valid).await;
        seen.insert(status, body);
        if seen.contains_key(&409) && seen.contains_key(&429) {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(
        seen.keys().copied().collect::<Vec<_>>(),
        [409, 429],
        "{seen:?}"
    );
    for (status, body) in &seen {
        assert_amazon_error(*status, body);
    }
    let mut invalid = (0, Value::Null);
    for _ in 0..50 {
        invalid = post(&base, Some(&t), b"{\"referenceId\": 1}").await;
        if invalid.0 != 429 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(invalid.0, 400, "{}", invalid.1);
    assert_amazon_error(invalid.0, &invalid.1);
    let (status, body) = post(&base, Some(&t), &vec![b' '; 5000]).await;
    assert_eq!(status, 413);
    assert_amazon_error(status, &body);
    emu.shutdown().await;
}

#[tokio::test]
async fn token_errors_follow_rfc_6749() {
    let emu = emulator(config()).await;
    let base = emu.base_url();
    let (status, body) = token(&base, CLIENT_ID, "wrong").await;
    assert_eq!(status, 401);
    assert_eq!(body["error"], "invalid_client");
    assert!(body["error_description"].is_string(), "{body}");
    assert!(
        !body.to_string().contains("wrong"),
        "no secret echoed: {body}"
    );
    emu.shutdown().await;
}

#[tokio::test]
async fn the_client_parses_integer_and_string_codes() {
    let emu = emulator(config()).await;
    let client = client(&emu);
    let request: alexa_proactive_events::ProactiveEventRequest =
        serde_json::from_value(body("parse1", Some("u1"), 0)).expect("valid");
    // Valid for the client's own checks; the emulator is scripted to refuse it.
    emu.script_events([Scripted::status(400)]);
    let error = client.send(&request).await.expect_err("scripted 400");
    let SendError::Rejected(rejection) = error else {
        panic!("a rejection")
    };
    let parsed = rejection.error().expect("an Amazon error body");
    assert_eq!(parsed.code, Some(ErrorCode::Number(400)));
    assert!(parsed.message.is_some());

    let text =
        ApiError::parse(r#"{"code": "DUPLICATE_EVENT", "message": "seen"}"#).expect("parsed");
    assert_eq!(
        text.code,
        Some(ErrorCode::Text("DUPLICATE_EVENT".to_owned()))
    );
    assert_eq!(text.message.as_deref(), Some("seen"));
    assert_eq!(text.code.expect("code").to_string(), "DUPLICATE_EVENT");
    assert!(ApiError::parse("<html>busy</html>").is_none());
    assert!(ApiError::parse("[1]").is_none());
    assert!(ApiError::parse(r#"{"code": [1]}"#).is_none());
    emu.shutdown().await;
}

#[tokio::test]
async fn no_answer_without_a_valid_token_of_this_emulator() {
    let emu = emulator(config()).await;
    let other = emulator(config()).await;
    let base = emu.base_url();
    let valid = |id: &str| serde_json::to_vec(&body(id, Some("u1"), 0)).expect("json");

    // A scripted 202 is not given to a request without a token: it waits for
    // the next request that has one.
    emu.script_events([Scripted::status(202)]);
    assert_eq!(post(&base, None, &valid("tok1")).await.0, 403);
    assert_eq!(post(&base, Some("Atc|forged"), &valid("tok1")).await.0, 403);
    // Another emulator's token, for the same credentials, is not this one's.
    let foreign = bearer(&other.base_url()).await;
    assert_eq!(post(&base, Some(&foreign), &valid("tok1")).await.0, 403);
    assert!(emu.events().is_empty());
    let t = bearer(&base).await;
    assert_eq!(post(&base, Some(&t), &valid("tok1")).await.0, 202);
    assert!(
        emu.events().is_empty(),
        "the scripted answer accepted nothing"
    );

    // A token stops working when it expires, and when the accepted client id changes.
    let short = emulator(EmulatorConfig {
        token_ttl: Duration::from_secs(2),
        ..config()
    })
    .await;
    let st = bearer(&short.base_url()).await;
    assert_eq!(
        post(&short.base_url(), Some(&st), &valid("tok2")).await.0,
        202
    );
    tokio::time::sleep(Duration::from_millis(2200)).await;
    assert_eq!(
        post(&short.base_url(), Some(&st), &valid("tok3")).await.0,
        403
    );
    let t = bearer(&base).await;
    emu.set_credentials("amzn1.application-oa2-client.rotated", "new-secret");
    assert_eq!(post(&base, Some(&t), &valid("tok4")).await.0, 403);
    let refused = emu.refused();
    assert!(refused.iter().all(|r| r.status == 403), "{refused:?}");
    assert_eq!(emu.stats().refused, 4);
    for e in [emu, other, short] {
        e.shutdown().await;
    }
}

fn ledger() -> Arc<MemoryLedger> {
    let ledger = MemoryLedger::new();
    for (skill, user, events) in [
        (SKILL, "amzn1.ask.account.ANN", &[MESSAGE_ALERT][..]),
        (
            SKILL,
            "amzn1.ask.account.BOB",
            &[MESSAGE_ALERT, "AMAZON.Occasion.Updated"][..],
        ),
        (
            SKILL,
            "amzn1.ask.account.CAT",
            &["AMAZON.Occasion.Updated"][..],
        ),
        (OTHER_SKILL, "amzn1.ask.account.DAN", &[MESSAGE_ALERT][..]),
    ] {
        ledger
            .apply(&notice(
                skill,
                user,
                ENDPOINT,
                &format!("req-{user}"),
                1,
                events,
            ))
            .expect("applied");
    }
    Arc::new(ledger)
}

#[tokio::test]
async fn subscribers_decide_who_an_event_reaches() {
    let shared = ledger();
    let emu = emulator(EmulatorConfig {
        subscriptions: Some(shared.clone()),
        skill_id: Some(SKILL.to_owned()),
        ..config()
    })
    .await;
    let base = emu.base_url();
    let t = bearer(&base).await;
    let send = |id: &str, user: Option<&str>| serde_json::to_vec(&body(id, user, 0)).expect("json");

    assert_eq!(
        post(
            &base,
            Some(&t),
            &send("sub1", Some("amzn1.ask.account.ANN"))
        )
        .await
        .0,
        202
    );
    // CAT is subscribed to another event only; DAN to this one, but for another skill.
    for user in [
        "amzn1.ask.account.CAT",
        "amzn1.ask.account.DAN",
        "amzn1.ask.account.NOBODY",
    ] {
        let (status, error) = post(&base, Some(&t), &send("sub2", Some(user))).await;
        assert_eq!(status, 403, "{user}: {error}");
        assert_amazon_error(status, &error);
        assert!(
            error["message"]
                .as_str()
                .is_some_and(|m| m.contains("not subscribed")),
            "{error}"
        );
    }
    assert_eq!(post(&base, Some(&t), &send("sub3", None)).await.0, 202);
    let events = emu.events();
    assert_eq!(events.len(), 2);
    assert_eq!(events[0].reached, Some(1));
    assert_eq!(
        events[1].reached,
        Some(2),
        "ANN and BOB, not DAN of the other skill"
    );

    // The ledger is read for every event: a change counts at once.
    shared
        .apply(&notice(
            SKILL,
            "amzn1.ask.account.CAT",
            ENDPOINT,
            "req-cat-2",
            2,
            &[MESSAGE_ALERT],
        ))
        .expect("applied");
    assert_eq!(
        post(
            &base,
            Some(&t),
            &send("sub4", Some("amzn1.ask.account.CAT"))
        )
        .await
        .0,
        202
    );
    assert_eq!(post(&base, Some(&t), &send("sub5", None)).await.0, 202);
    assert_eq!(emu.events()[3].reached, Some(3));

    // What the emulator lists says so.
    let listed: Value = http()
        .get(format!("{base}/emulator/events"))
        .send()
        .await
        .expect("listed")
        .bytes()
        .await
        .map(|b| serde_json::from_slice::<Value>(&b).unwrap_or(Value::Null))
        .expect("json");
    assert_eq!(listed[1]["reached"], 2, "{listed}");
    let refused = emu.refused();
    assert_eq!(refused.len(), 3);
    assert_eq!(refused[0].audience.as_deref(), Some("Unicast"));
    assert_eq!(refused[0].name.as_deref(), Some(MESSAGE_ALERT));
    emu.shutdown().await;

    // Without a skill id every skill's subscribers count; without a ledger a
    // Multicast's reach is unknown.
    let any_skill = emulator(EmulatorConfig {
        subscriptions: Some(ledger()),
        ..config()
    })
    .await;
    let t = bearer(&any_skill.base_url()).await;
    assert_eq!(
        post(&any_skill.base_url(), Some(&t), &send("any1", None))
            .await
            .0,
        202
    );
    assert_eq!(
        post(
            &any_skill.base_url(),
            Some(&t),
            &send("any2", Some("amzn1.ask.account.DAN"))
        )
        .await
        .0,
        202
    );
    assert_eq!(any_skill.events()[0].reached, Some(3));
    any_skill.shutdown().await;
    let none = emulator(config()).await;
    let t = bearer(&none.base_url()).await;
    assert_eq!(
        post(&none.base_url(), Some(&t), &send("none1", None))
            .await
            .0,
        202
    );
    assert_eq!(
        post(&none.base_url(), Some(&t), &send("none2", Some("u")))
            .await
            .0,
        202
    );
    assert_eq!(none.events()[0].reached, None);
    assert_eq!(none.events()[1].reached, Some(1));
    let listed: Value = http()
        .get(format!("{}/emulator/events", none.base_url()))
        .send()
        .await
        .expect("listed")
        .bytes()
        .await
        .map(|b| serde_json::from_slice::<Value>(&b).unwrap_or(Value::Null))
        .expect("json");
    assert_eq!(listed[0]["reached"], Value::Null, "{listed}");
    none.shutdown().await;
}

#[tokio::test]
async fn the_clients_hint_for_an_unsubscribed_user_matches_the_emulator() {
    let emu = emulator(EmulatorConfig {
        subscriptions: Some(ledger()),
        skill_id: Some(SKILL.to_owned()),
        ..config()
    })
    .await;
    let client = client(&emu);
    let request: alexa_proactive_events::ProactiveEventRequest =
        serde_json::from_value(body("hint1", Some("amzn1.ask.account.NOBODY"), 0)).expect("valid");
    let error = client.send(&request).await.expect_err("not subscribed");
    let SendError::Rejected(rejection) = error else {
        panic!("a rejection")
    };
    assert_eq!(rejection.status, 403);
    assert_eq!(rejection.audience, AudienceKind::Unicast);
    assert!(
        rejection.hint().contains("not subscribed"),
        "{}",
        rejection.hint()
    );
    assert!(rejection.hint().contains("D23"), "{}", rejection.hint());
    let parsed = rejection.error().expect("parsed");
    assert_eq!(parsed.code, Some(ErrorCode::Number(403)));
    // A plain Rejection, as a caller might build one, gives the same hint.
    let built = Rejection {
        status: 403,
        body: String::new(),
        request_id: None,
        attempts: 1,
        audience: AudienceKind::Unicast,
    };
    assert_eq!(built.hint(), rejection.hint());
    emu.shutdown().await;
}

#[tokio::test]
async fn refused_bodies_list_their_rules() {
    let emu = emulator(config()).await;
    let base = emu.base_url();
    let t = bearer(&base).await;
    let mut bad = body("rules1", Some("u1"), 0);
    bad["expiryTime"] = bad["timestamp"].clone();
    bad["event"]["payload"]["state"]["status"] = json!("SHOUTED");
    let (status, _) = post(&base, Some(&t), &serde_json::to_vec(&bad).expect("json")).await;
    assert_eq!(status, 400);
    let refused = emu.refused();
    assert_eq!(refused.len(), 1);
    let rules: Vec<&str> = refused[0]
        .violations
        .iter()
        .map(|v| v.rule.as_str())
        .collect();
    assert!(rules.contains(&"ENV-EXPIRY-MIN"), "{rules:?}");
    assert!(
        refused[0]
            .violations
            .iter()
            .any(|v| v.path.contains("/state/status")),
        "{:?}",
        refused[0].violations
    );
    assert_eq!(refused[0].reference_id.as_deref(), Some("rules1"));
    assert_eq!(refused[0].name.as_deref(), Some(MESSAGE_ALERT));
    assert_eq!(refused[0].status, 400);
    emu.shutdown().await;
}
