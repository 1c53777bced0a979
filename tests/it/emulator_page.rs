//! The emulator's page (`GET /`) and the feed it polls: what a developer sees.
//! The page is also checked in a real browser by `tests/browser/run.sh`.

use crate::delivery_support::*;
use serde_json::{Value, json};

fn http() -> reqwest::Client {
    crate::tls_support::install_ring();
    reqwest::Client::builder().build().expect("http client")
}

async fn bearer(base: &str) -> String {
    let response = http()
        .post(format!("{base}/auth/o2/token"))
        .form(&[
            ("grant_type", "client_credentials"),
            ("client_id", CLIENT_ID),
            ("client_secret", SECRET),
            ("scope", "alexa::proactive_events"),
        ])
        .send()
        .await
        .expect("token");
    let bytes = response.bytes().await.expect("body");
    let body: Value = serde_json::from_slice(&bytes).expect("json");
    body["access_token"].as_str().expect("token").to_owned()
}

async fn post(base: &str, bearer: &str, body: &Value) -> u16 {
    http()
        .post(format!("{base}/v1/proactiveEvents/stages/development"))
        .bearer_auth(bearer)
        .header("content-type", "application/json")
        .body(serde_json::to_vec(body).expect("json"))
        .send()
        .await
        .expect("answer")
        .status()
        .as_u16()
}

#[tokio::test]
async fn the_page_is_one_self_contained_file_under_a_strict_policy() {
    let emu = emulator(config()).await;
    let response = http().get(emu.base_url()).send().await.expect("page");
    assert_eq!(response.status().as_u16(), 200);
    let headers = response.headers().clone();
    assert_eq!(headers["content-type"], "text/html; charset=utf-8");
    assert_eq!(headers["x-content-type-options"], "nosniff");
    let policy = headers["content-security-policy"].to_str().expect("ascii");
    assert!(policy.starts_with("default-src 'none'"), "{policy}");
    assert!(policy.contains("connect-src 'self'"), "{policy}");
    let html = response.text().await.expect("html");
    let nonce = policy
        .split("'nonce-")
        .nth(1)
        .and_then(|rest| rest.split('\'').next())
        .expect("a nonce");
    assert_eq!(nonce.len(), 32, "{nonce}");
    assert!(
        html.contains(&format!("<script nonce=\"{nonce}\">")),
        "script carries the nonce"
    );
    assert!(html.contains(&format!("<style nonce=\"{nonce}\">")));
    assert!(!html.contains("{{NONCE}}"));
    // No external asset, no build step: no src=, no link to anything.
    for needle in [" src=", "<link", "http://", "https://", "@import"] {
        assert!(!html.contains(needle), "{needle} in the page");
    }
    assert!(
        html.contains("/emulator/feed?after="),
        "polls what is new only"
    );
    assert!(!html.contains("{{"), "every slot filled");
    assert!(
        html.contains("keeps the newest 10,000 accepted events") && html.contains("SHA-256"),
        "says what the emulator keeps"
    );
    assert!(!html.contains("innerHTML"), "values go in as text only");
    // A fresh nonce per response.
    let again = http().get(emu.base_url()).send().await.expect("page");
    let other = again.headers()["content-security-policy"]
        .to_str()
        .expect("ascii")
        .to_owned();
    assert_ne!(other, policy);
    emu.shutdown().await;
}

#[tokio::test]
async fn the_feed_lists_sentences_and_refusals_newest_first_with_hostile_text_inert() {
    let emu = emulator(config()).await;
    let base = emu.base_url();
    let t = bearer(&base).await;

    let mut hostile = body("page1", None, 0);
    hostile["event"]["payload"]["messageGroup"]["creator"]["name"] =
        json!("<script>alert(1)</script> & <b>Co</b>");
    assert_eq!(post(&base, &t, &hostile).await, 202);
    let plain = body("page2", Some("amzn1.ask.account.PAGE"), 0);
    assert_eq!(post(&base, &t, &plain).await, 202);
    let mut bad = body("page3", Some("u1"), 0);
    bad["event"]["payload"]["state"]["status"] = json!("<img src=x onerror=alert(2)>");
    assert_eq!(post(&base, &t, &bad).await, 400);

    let response = http()
        .get(format!("{base}/emulator/feed"))
        .send()
        .await
        .expect("feed");
    assert_eq!(response.headers()["x-content-type-options"], "nosniff");
    let text = response.text().await.expect("text");
    for raw in ['<', '>', '&'] {
        assert!(
            !text.contains(raw),
            "{raw} written as a JSON escape: {text}"
        );
    }
    let feed: Value = serde_json::from_str(&text).expect("JSON");
    assert_eq!(feed["acceptedTotal"], 2);
    assert_eq!(feed["refusedTotal"], 1);
    let accepted = feed["accepted"].as_array().expect("list");
    assert_eq!(accepted[0]["referenceId"], "page2", "newest first");
    assert_eq!(accepted[1]["referenceId"], "page1");
    assert_eq!(accepted[0]["name"], "AMAZON.MessageAlert.Activated");
    assert_eq!(accepted[0]["stage"], "development");
    assert!(accepted[0]["expiryTime"].is_string());
    assert_eq!(accepted[0]["reached"], 1);
    assert_eq!(
        accepted[0]["sentences"],
        json!([{"locale": "en-US", "text": "You have 3 new unread urgent messages from Jane Doe.", "error": null, "note": null}])
    );
    assert_eq!(
        accepted[1]["sentences"][0]["text"],
        "You have 3 new unread urgent messages from <script>alert(1)</script> & <b>Co</b>.",
        "kept as text, escaped only on the wire"
    );
    let refused = &feed["refused"][0];
    assert_eq!(refused["status"], 400);
    assert_eq!(refused["referenceId"], "page3");
    let rules: Vec<&str> = refused["violations"]
        .as_array()
        .expect("violations")
        .iter()
        .filter_map(|v| v["rule"].as_str())
        .collect();
    assert_eq!(rules, ["PAYLOAD-ENUM"]);

    // The version moves with every accepted or refused event.
    let version = feed["version"].as_u64().expect("version");
    assert_eq!(post(&base, &t, &plain).await, 409);
    let after: Value = http()
        .get(format!("{base}/emulator/feed"))
        .send()
        .await
        .expect("feed")
        .bytes()
        .await
        .map(|b| serde_json::from_slice::<Value>(&b).unwrap_or(Value::Null))
        .expect("json");
    assert!(after["version"].as_u64().expect("version") > version);
    assert_eq!(after["refused"][0]["status"], 409);
    emu.shutdown().await;
}

#[tokio::test]
async fn refusals_are_remembered_up_to_a_bound() {
    let emu = emulator(config()).await;
    let base = emu.base_url();
    let n = alexa_proactive_events::emulator::MAX_REFUSED + 5;
    // Requests without a token are cheap to refuse.
    let client = http();
    for _ in 0..n {
        let status = client
            .post(format!("{base}/v1/proactiveEvents"))
            .body("{}")
            .send()
            .await
            .expect("answer")
            .status()
            .as_u16();
        assert_eq!(status, 403);
    }
    assert_eq!(
        emu.refused().len(),
        alexa_proactive_events::emulator::MAX_REFUSED
    );
    assert_eq!(emu.stats().refused, n as u64);
    let feed: Value = client
        .get(format!("{base}/emulator/feed"))
        .send()
        .await
        .expect("feed")
        .bytes()
        .await
        .map(|b| serde_json::from_slice::<Value>(&b).unwrap_or(Value::Null))
        .expect("json");
    assert_eq!(feed["refusedTotal"], n as u64);
    assert!(feed["refused"].as_array().expect("list").len() <= 200);
    emu.shutdown().await;
}
