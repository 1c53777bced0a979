//! A store that is down or locked never stalls a server: `serve` answers a notice
//! 503 with `Retry-After` within `--store-timeout`, the emulator answers an event
//! 503 within its `--store-timeout`, and both answer their health or stats page
//! within a second, whatever the store does.

use crate::delivery_cli::emulate;
use crate::delivery_support::body;
use crate::serve::Serve;
use crate::skill_events_support::*;
use crate::subscriptions_support::notice;
use crate::subscriptions_support::pg::TestDatabase;
use crate::subscriptions_support::proxy::PgProxy;
use alexa_proactive_events::client::Stage;
use alexa_proactive_events::emulator::{DEFAULT_CLIENT_ID, DEFAULT_CLIENT_SECRET, SCOPE};
use alexa_proactive_events::jiff::Timestamp;
use alexa_proactive_events::subscriptions::{Ledger, PostgresLedger};
use std::time::{Duration, Instant};

/// The store timeout the servers run with here.
const STORE_TIMEOUT: Duration = Duration::from_secs(1);
/// What "within the timeout" allows on a loaded 2-core machine.
const SLACK: Duration = Duration::from_millis(900);
/// The health check's promise.
const HEALTH_WITHIN: Duration = Duration::from_secs(1);

/// A signed notice for `user`: its status, `Retry-After`, and how long it took.
async fn notify(
    http: &reqwest::Client,
    serve: &Serve,
    chain: &ChainServer,
    user: &str,
    request_id: &str,
) -> (u16, Option<String>, Duration) {
    let body = subscription_body(SKILL, user, &[EVENT], Timestamp::now(), request_id);
    let mut req = http.post(format!("{}/", serve.url)).body(body.clone());
    for (k, v) in headers(&chain.url("good.pem"), &sign(&body, SIGNING_KEY_1)) {
        req = req.header(k, v);
    }
    let start = Instant::now();
    let response = req.send().await.expect("POST");
    let retry = response
        .headers()
        .get("retry-after")
        .map(|v| v.to_str().expect("ascii").to_owned());
    (response.status().as_u16(), retry, start.elapsed())
}

async fn timed_get(http: &reqwest::Client, url: &str) -> (u16, Duration) {
    let start = Instant::now();
    let status = http.get(url).send().await.expect("GET").status().as_u16();
    (status, start.elapsed())
}

/// Four notices at once while the store is down: each is 503 within the timeout,
/// and `/healthz` answers within a second meanwhile.
async fn assert_fails_fast(http: &reqwest::Client, serve: &Serve, chain: &ChainServer) {
    let mut notices = Vec::new();
    for i in 0..4 {
        let user = format!("amzn1.ask.account.DOWN{i}");
        notices.push(async move { notify(http, serve, chain, &user, &format!("down-{i}")).await });
    }
    let health_url = format!("{}/healthz", serve.url);
    let health = timed_get(http, &health_url);
    let (answers, (_, health_took)) = tokio::join!(futures_util::future::join_all(notices), health);
    assert!(health_took < HEALTH_WITHIN, "/healthz took {health_took:?}");
    for (status, retry, took) in answers {
        assert_eq!(status, 503);
        assert_eq!(retry.as_deref(), Some("1"));
        assert!(took < STORE_TIMEOUT + SLACK, "503 after {took:?}");
    }
}

fn serve_args() -> [String; 2] {
    [
        "--store-timeout".to_owned(),
        STORE_TIMEOUT.as_secs_f64().to_string(),
    ]
}

/// The test database's client is sync: it lives outside the runtime.
fn with_database(test: impl AsyncFnOnce(&TestDatabase)) {
    let pg = TestDatabase::create();
    tokio::runtime::Runtime::new()
        .expect("runtime")
        .block_on(test(&pg));
}

#[test]
#[cfg_attr(skip_postgres_tests, ignore = "ALEXA_PE_TEST_POSTGRES=skip")]
fn serve_answers_503_fast_when_postgres_stops() {
    with_database(serve_when_postgres_stops);
}

async fn serve_when_postgres_stops(pg: &TestDatabase) {
    let proxy = PgProxy::start(pg.url());
    let pki = Pki::new();
    let chain = ChainServer::for_pki(&pki).await;
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::write(dir.path().join("root.pem"), &pki.root_pem).expect("write");
    let args = serve_args();
    let extra: Vec<&str> = args.iter().map(String::as_str).collect();
    let serve = Serve::start_with_db(dir.path(), &chain.prefix(), &proxy.url(pg.url()), &extra);
    let http = http_client();
    assert_eq!(notify(&http, &serve, &chain, USER, "up-1").await.0, 200);
    let (status, _) = timed_get(&http, &format!("{}/healthz", serve.url)).await;
    assert_eq!(status, 200);

    proxy.stop();
    assert_fails_fast(&http, &serve, &chain).await;
    let (status, took) = timed_get(&http, &format!("{}/healthz", serve.url)).await;
    assert_eq!(status, 503);
    assert!(took < HEALTH_WITHIN, "/healthz took {took:?}");
    let (code, stderr) = serve.terminate();
    assert_eq!(code, 0, "{stderr}");
    chain.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn serve_answers_503_fast_while_another_writer_locks_the_sqlite_file() {
    let pki = Pki::new();
    let chain = ChainServer::for_pki(&pki).await;
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::write(dir.path().join("root.pem"), &pki.root_pem).expect("write");
    let args = serve_args();
    let extra: Vec<&str> = args.iter().map(String::as_str).collect();
    let serve = Serve::start_with_db(dir.path(), &chain.prefix(), "subs.db", &extra);
    let http = http_client();
    assert_eq!(notify(&http, &serve, &chain, USER, "up-1").await.0, 200);

    // Another process's writer holds the file's write lock.
    let other = rusqlite::Connection::open(dir.path().join("subs.db")).expect("opens");
    other.execute_batch("BEGIN EXCLUSIVE").expect("locks");
    assert_fails_fast(&http, &serve, &chain).await;
    other.execute_batch("ROLLBACK").expect("unlocks");
    // Once the lock is gone, Alexa's retry goes through.
    assert_eq!(notify(&http, &serve, &chain, USER, "up-2").await.0, 200);
    let (code, stderr) = serve.terminate();
    assert_eq!(code, 0, "{stderr}");
    chain.stop().await;
}

#[test]
#[cfg_attr(skip_postgres_tests, ignore = "ALEXA_PE_TEST_POSTGRES=skip")]
fn the_emulator_answers_503_fast_when_its_postgres_ledger_stops() {
    with_database(emulator_when_postgres_stops);
}

async fn emulator_when_postgres_stops(pg: &TestDatabase) {
    const SKILL_ID: &str = "amzn1.ask.skill.outage";
    let user = "amzn1.ask.account.IN";
    let ledger = PostgresLedger::connect_async(pg.url())
        .await
        .expect("ledger");
    ledger
        .apply(&notice(
            SKILL_ID,
            user,
            "https://api.amazonalexa.com",
            "req-1",
            1,
            &["AMAZON.MessageAlert.Activated"],
        ))
        .expect("applied");
    let proxy = PgProxy::start(pg.url());
    let db = proxy.url(pg.url());
    let timeout = STORE_TIMEOUT.as_secs_f64().to_string();
    let emu = emulate(&[
        "--listen",
        "127.0.0.1:0",
        "--skill-id",
        SKILL_ID,
        "--subscriptions-db",
        &db,
        "--store-timeout",
        &timeout,
    ]);

    let http = http_client();
    let token: serde_json::Value = http
        .post(format!("{}/auth/o2/token", emu.url))
        .form(&[
            ("grant_type", "client_credentials"),
            ("client_id", DEFAULT_CLIENT_ID),
            ("client_secret", DEFAULT_CLIENT_SECRET),
            ("scope", SCOPE),
        ])
        .send()
        .await
        .expect("token")
        .bytes()
        .await
        .map(|b| serde_json::from_slice(&b).expect("JSON"))
        .expect("body");
    let bearer = format!("Bearer {}", token["access_token"].as_str().expect("token"));
    let events = format!("{}{}", emu.url, Stage::Development.path());
    let send = |reference: &str, user: Option<&str>| {
        let request = http
            .post(&events)
            .header("authorization", &bearer)
            .header("content-type", "application/json")
            .body(body(reference, user, 0).to_string());
        async move {
            let start = Instant::now();
            let response = request.send().await.expect("POST");
            let status = response.status().as_u16();
            let took = start.elapsed();
            let text = response.text().await.unwrap_or_default();
            assert!([202, 503].contains(&status), "{status}: {text}");
            (status, took)
        }
    };
    assert_eq!(send("up1", Some(user)).await.0, 202);

    proxy.stop();
    let stats_url = format!("{}/emulator/stats", emu.url);
    let stats = timed_get(&http, &stats_url);
    let (unicast, multicast, (stats_status, stats_took)) =
        tokio::join!(send("down1", Some(user)), send("down2", None), stats);
    assert_eq!(stats_status, 200);
    assert!(
        stats_took < HEALTH_WITHIN,
        "/emulator/stats took {stats_took:?}"
    );
    for (status, took) in [unicast, multicast] {
        assert_eq!(status, 503);
        assert!(took < STORE_TIMEOUT + SLACK, "503 after {took:?}");
    }
}
