//! The emulator's endpoints over plain HTTP, as any client sees them.

use crate::delivery_support;

use alexa_proactive_events::emulator::{EmulatorConfig, Scripted};
use delivery_support::*;
use serde_json::{Value, json};
use std::time::Duration;

fn http() -> reqwest::Client {
    // reqwest is built without a default crypto provider; plain HTTP needs none,
    // but building a client does.
    crate::tls_support::install_ring();
    reqwest::Client::builder().build().expect("http client")
}

async fn token_form(base: &str, path: &str, form: &[(&str, &str)]) -> (u16, Value) {
    let response = http()
        .post(format!("{base}{path}"))
        .form(form)
        .send()
        .await
        .expect("token endpoint answers");
    let status = response.status().as_u16();
    (status, json_of(response).await)
}

async fn json_of(response: reqwest::Response) -> Value {
    let bytes = response.bytes().await.expect("body");
    serde_json::from_slice(&bytes).unwrap_or(Value::Null)
}

fn with_json(request: reqwest::RequestBuilder, body: &Value) -> reqwest::RequestBuilder {
    request
        .header("content-type", "application/json")
        .body(serde_json::to_vec(body).expect("json"))
}

fn good_form<'a>() -> Vec<(&'a str, &'a str)> {
    vec![
        ("grant_type", "client_credentials"),
        ("client_id", CLIENT_ID),
        ("client_secret", SECRET),
        ("scope", "alexa::proactive_events"),
    ]
}

async fn token(base: &str) -> String {
    let (status, body) = token_form(base, "/auth/o2/token", &good_form()).await;
    assert_eq!(status, 200, "{body}");
    body["access_token"].as_str().expect("token").to_owned()
}

async fn post_event(
    base: &str,
    path: &str,
    token: Option<&str>,
    body: &Value,
) -> reqwest::Response {
    let mut request = with_json(http().post(format!("{base}{path}")), body);
    if let Some(t) = token {
        request = request.bearer_auth(t);
    }
    request.send().await.expect("events endpoint answers")
}

const DEV: &str = "/v1/proactiveEvents/stages/development";
const LIVE: &str = "/v1/proactiveEvents";

#[tokio::test]
async fn token_endpoint_checks_everything_and_answers_oauth_errors() {
    let emu = emulator(EmulatorConfig {
        token_ttl: Duration::from_secs(77),
        ..config()
    })
    .await;
    let base = emu.base_url();
    for path in ["/auth/o2/token", "/auth/O2/token"] {
        let (status, body) = token_form(&base, path, &good_form()).await;
        assert_eq!(status, 200);
        assert_eq!(body["expires_in"], 77);
        assert_eq!(body["scope"], "alexa::proactive_events");
        assert_eq!(body["token_type"], "bearer");
        assert!(
            body["access_token"]
                .as_str()
                .is_some_and(|t| t.starts_with("Atc|"))
        );
    }
    let cases: [(&str, &str, u16, &str); 4] = [
        ("client_secret", "wrong", 401, "invalid_client"),
        (
            "grant_type",
            "authorization_code",
            400,
            "unsupported_grant_type",
        ),
        ("scope", "alexa::skill", 400, "invalid_scope"),
        ("client_id", "someone-else", 401, "invalid_client"),
    ];
    for (field, value, want_status, want_error) in cases {
        let form: Vec<_> = good_form()
            .into_iter()
            .map(|(k, v)| if k == field { (k, value) } else { (k, v) })
            .collect();
        let (status, body) = token_form(&base, "/auth/o2/token", &form).await;
        assert_eq!(
            (status, body["error"].as_str()),
            (want_status, Some(want_error)),
            "{field}"
        );
        assert!(body["error_description"].is_string());
    }
    let (status, body) = token_form(&base, "/auth/o2/token", &good_form()[..1]).await;
    assert_eq!(
        (status, body["error"].as_str()),
        (400, Some("invalid_request"))
    );
    emu.shutdown().await;
}

#[tokio::test]
async fn events_need_a_valid_unexpired_bearer() {
    let emu = emulator(config()).await;
    let base = emu.base_url();
    let event = body("auth1", Some("u1"), 0);
    for token in [None, Some("Atc|forged")] {
        let response = post_event(&base, DEV, token, &event).await;
        assert_eq!(response.status().as_u16(), 403);
        assert!(response.headers().contains_key("x-amzn-requestid"));
        let body: Value = json_of(response).await;
        assert_eq!(body["code"], 403);
    }
    let t = token(&base).await;
    assert_eq!(
        post_event(&base, DEV, Some(&t), &event)
            .await
            .status()
            .as_u16(),
        202
    );
    emu.expire_tokens();
    let event = body("auth2", Some("u1"), 0);
    assert_eq!(
        post_event(&base, DEV, Some(&t), &event)
            .await
            .status()
            .as_u16(),
        403
    );
    emu.shutdown().await;
}

#[tokio::test]
async fn invalid_bodies_get_400_listing_every_violation() {
    let emu = emulator(config()).await;
    let base = emu.base_url();
    let t = token(&base).await;
    let mut bad = body("bad1", Some("u1"), 0);
    bad["expiryTime"] = bad["timestamp"].clone();
    bad["localizedAttributes"] = json!([{"locale": "en-US"}, {"locale": "en-US"}]);
    let response = post_event(&base, DEV, Some(&t), &bad).await;
    assert_eq!(response.status().as_u16(), 400);
    let body: Value = json_of(response).await;
    assert_eq!(body["code"], 400);
    let message = body["message"].as_str().expect("message");
    assert!(message.contains("ENV-EXPIRY-MIN"), "{message}");
    assert!(
        message.contains("LOC-LOCALE-DUPLICATE") || message.contains("/localizedAttributes/1"),
        "{message}"
    );
    assert!(emu.events().is_empty());
    emu.shutdown().await;
}

#[tokio::test]
async fn duplicates_conflict_and_later_timestamps_replace() {
    let emu = emulator(config()).await;
    let base = emu.base_url();
    let t = token(&base).await;
    let first = body("dup1", Some("userA"), 0);
    let status = |r: reqwest::Response| r.status().as_u16();
    assert_eq!(status(post_event(&base, DEV, Some(&t), &first).await), 202);
    assert_eq!(status(post_event(&base, DEV, Some(&t), &first).await), 409);
    // Another user, another stage: other keys.
    let other_user = body("dup1", Some("userB"), 0);
    assert_eq!(
        status(post_event(&base, DEV, Some(&t), &other_user).await),
        202
    );
    assert_eq!(status(post_event(&base, LIVE, Some(&t), &first).await), 202);
    // A later timestamp replaces (D14); an earlier one is a duplicate.
    let later = body("dup1", Some("userA"), 5000);
    assert_eq!(status(post_event(&base, DEV, Some(&t), &later).await), 202);
    let earlier = body("dup1", Some("userA"), -5000);
    assert_eq!(
        status(post_event(&base, DEV, Some(&t), &earlier).await),
        409
    );

    let listed: Value = json_of(
        http()
            .get(format!("{base}/emulator/events"))
            .send()
            .await
            .expect("events"),
    )
    .await;
    let listed = listed.as_array().expect("array");
    assert_eq!(listed.len(), 4);
    let stages: Vec<_> = listed
        .iter()
        .map(|e| e["stage"].as_str().expect("stage"))
        .collect();
    assert_eq!(
        stages,
        ["development", "development", "live", "development"]
    );
    assert_eq!(
        listed[0]["audience"],
        json!({"type": "Unicast", "payload": {"user": "userA"}})
    );
    assert_eq!(listed[3]["update"], true);
    for e in listed {
        let at: alexa_proactive_events::jiff::Timestamp = e["acceptedAt"]
            .as_str()
            .expect("acceptedAt")
            .parse()
            .expect("RFC 3339");
        assert!(at <= alexa_proactive_events::jiff::Timestamp::now());
    }
    emu.shutdown().await;
}

#[tokio::test]
async fn the_rate_limit_answers_429_with_retry_after() {
    // One request per second: the second, right after the first, is over it.
    let emu = emulator(EmulatorConfig {
        rate_limit: Some(1),
        ..config()
    })
    .await;
    let base = emu.base_url();
    let t = token(&base).await;
    let first = post_event(&base, DEV, Some(&t), &body("rate1", Some("u"), 0)).await;
    let second = post_event(&base, DEV, Some(&t), &body("rate2", Some("u"), 0)).await;
    assert_eq!(
        (first.status().as_u16(), second.status().as_u16()),
        (202, 429)
    );
    let secs: u64 = second.headers()["retry-after"]
        .to_str()
        .expect("ascii")
        .parse()
        .expect("delta-seconds");
    assert_eq!(secs, 1);
    let body: Value = json_of(second).await;
    assert_eq!(body["code"], 429);
    emu.shutdown().await;
}

#[tokio::test]
async fn scripted_answers_and_dropped_connections() {
    let emu = emulator(config()).await;
    let base = emu.base_url();
    let t = token(&base).await;
    emu.script_events([
        Scripted::retry_after(503, 7),
        Scripted::Drop,
        Scripted::status(432),
    ]);
    let r = post_event(&base, DEV, Some(&t), &body("s1", Some("u"), 0)).await;
    assert_eq!(r.status().as_u16(), 503);
    assert_eq!(r.headers()["retry-after"], "7");
    let dropped = with_json(
        http().post(format!("{base}{DEV}")),
        &body("s2", Some("u"), 0),
    )
    .bearer_auth(&t)
    .send()
    .await;
    assert!(dropped.is_err(), "no answer on a dropped connection");
    let r = post_event(&base, DEV, Some(&t), &body("s3", Some("u"), 0)).await;
    assert_eq!(r.status().as_u16(), 432);
    let stats = emu.stats();
    assert_eq!(stats.dropped, 1);
    assert_eq!(stats.event_requests, 3);
    assert!(emu.events().is_empty());
    emu.shutdown().await;
}

#[tokio::test]
async fn shutdown_and_drop_stop_the_server() {
    let emu = emulator(config()).await;
    let addr = emu.addr();
    assert!(addr.ip().is_loopback());
    assert_ne!(addr.port(), 0);
    emu.shutdown().await;
    assert!(tokio::net::TcpStream::connect(addr).await.is_err());

    let emu = emulator(config()).await;
    let addr = emu.addr();
    drop(emu);
    tokio::task::yield_now().await;
    tokio::time::sleep(Duration::from_millis(50)).await;
    assert!(tokio::net::TcpStream::connect(addr).await.is_err());
}

/// Amazon's API takes `application/json` (§4.2, D29): a body declared as anything
/// else, or not declared, is 415 and accepted by no one; a `charset` parameter and
/// another letter case are still JSON.
#[tokio::test]
async fn an_event_not_declared_as_json_is_415() {
    let emu = emulator(config()).await;
    let base = emu.base_url();
    let t = token(&base).await;
    let valid = body("ctype1", Some("amzn1.ask.account.TESTUSER"), 0);
    for content_type in [
        Some("text/plain"),
        Some("application/x-www-form-urlencoded"),
        None,
    ] {
        let mut request = http()
            .post(format!("{base}{DEV}"))
            .bearer_auth(&t)
            .body(serde_json::to_vec(&valid).expect("json"));
        if let Some(ct) = content_type {
            request = request.header("content-type", ct);
        }
        let response = request.send().await.expect("answers");
        assert_eq!(response.status().as_u16(), 415, "{content_type:?}");
        let answer = json_of(response).await;
        assert_eq!(answer["code"], 415, "{answer}");
        assert!(
            answer["message"]
                .as_str()
                .is_some_and(|m| m.contains("application/json")),
            "{answer}"
        );
    }
    assert!(emu.events().is_empty(), "nothing was accepted");
    assert_eq!(emu.refused().len(), 3, "each is listed among the refusals");
    for (i, content_type) in ["application/json; charset=utf-8", "Application/JSON"]
        .into_iter()
        .enumerate()
    {
        let response = http()
            .post(format!("{base}{DEV}"))
            .bearer_auth(&t)
            .header("content-type", content_type)
            .body(serde_json::to_vec(&body(&format!("ctype{}", i + 2), None, 0)).expect("json"))
            .send()
            .await
            .expect("answers");
        assert_eq!(response.status().as_u16(), 202, "{content_type}");
    }
    emu.shutdown().await;
}
