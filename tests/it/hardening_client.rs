//! The client under hostile conditions (issue 8): journals reused across
//! destinations, journals that cannot grow, servers that echo credentials or
//! answer absurd numbers, and token endpoints that never answer.

use crate::delivery_support;

use alexa_proactive_events::client::{
    BulkItem, BulkOptions, Client, ClientBuilder, Credentials, ItemStatus, Journal, JournalError,
    Outcome, Region, SendError, Stage, TokenError,
};
use delivery_support::loopback::{Loopback, Reply};
use delivery_support::*;
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// A hang guard, never a timing assertion.
const HANG_GUARD: Duration = Duration::from_secs(60);

async fn guarded<T>(what: &str, f: impl std::future::Future<Output = T>) -> T {
    tokio::time::timeout(HANG_GUARD, f)
        .await
        .unwrap_or_else(|_| panic!("{what} hung"))
}

/// A development client of a loopback server (its events and token URLs), with
/// the rate limiter off; each test adds what it varies, then builds.
fn loopback_client(endpoint: &Loopback) -> ClientBuilder {
    Client::builder(
        Credentials::new(CLIENT_ID, SECRET),
        Region::NorthAmerica,
        Stage::Development,
    )
    .api_base(endpoint.url())
    .token_url(endpoint.token_url())
    .rate_limit(0)
}

/// A client of `stage` and `region` for an emulator (or any base).
fn client_to(base: &str, token_url: &str, region: Region, stage: Stage) -> Client {
    Client::builder(Credentials::new(CLIENT_ID, SECRET), region, stage)
        .api_base(base)
        .token_url(token_url)
        .rate_limit(0)
        .retry(fast_retry(3))
        .build()
        .expect("client")
}

#[tokio::test]
async fn a_journal_keys_deliveries_by_stage_region_and_api_base() {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("shared.journal");
    let first = emulator(config()).await;
    let second = emulator(config()).await;
    let batch = events(5);
    let send = |client: Client| {
        let batch = batch.clone();
        let path = path.clone();
        async move {
            let journal = Journal::open(&path).expect("journal");
            client
                .send_all(batch, BulkOptions::new().journal(journal), |_| {})
                .await
                .expect("sent")
        }
    };
    let dev = client_to(
        &first.base_url(),
        &first.token_url(),
        Region::NorthAmerica,
        Stage::Development,
    );
    let summary = send(dev.clone()).await;
    assert_eq!(summary.accepted, 5, "{summary}");

    // Another stage, another region, another API base: each gets every event.
    let live = client_to(
        &first.base_url(),
        &first.token_url(),
        Region::NorthAmerica,
        Stage::Live,
    );
    let summary = send(live).await;
    assert_eq!((summary.accepted, summary.skipped), (5, 0), "{summary}");
    assert_eq!(
        first.events().iter().filter(|e| e.stage == "live").count(),
        5
    );
    let europe = client_to(
        &first.base_url(),
        &first.token_url(),
        Region::Europe,
        Stage::Development,
    );
    let summary = send(europe).await;
    // The same emulator already has them: sent, and answered 409.
    assert_eq!(
        (summary.already_accepted, summary.skipped),
        (5, 0),
        "{summary}"
    );
    let elsewhere = client_to(
        &second.base_url(),
        &second.token_url(),
        Region::NorthAmerica,
        Stage::Development,
    );
    let summary = send(elsewhere).await;
    assert_eq!((summary.accepted, summary.skipped), (5, 0), "{summary}");
    assert_eq!(second.events().len(), 5);

    // The first destination again: everything is skipped.
    let summary = send(dev.clone()).await;
    assert_eq!(summary.skipped, 5, "{summary}");

    // Every record names where it went.
    let records = Journal::read_records(&path).expect("records");
    assert_eq!(records.len(), 20);
    assert!(
        records
            .iter()
            .all(|r| r.destination.as_deref().is_some_and(|d| !d.is_empty()))
    );
    assert_eq!(
        dev.destination(),
        format!(
            "development NA {}/v1/proactiveEvents/stages/development",
            first.base_url()
        )
    );
    first.shutdown().await;
    second.shutdown().await;
}

#[tokio::test]
async fn records_without_a_destination_are_sent_again_not_skipped() {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("old.journal");
    let batch = events(3);
    // The earlier format: no destination.
    let old: Vec<String> = batch
        .iter()
        .map(|e| {
            serde_json::json!({
                "referenceId": e.reference_id.as_str(),
                "user": "amzn1.ask.account.TESTUSER",
                "timestamp": e.timestamp,
                "outcome": "accepted",
                "status": 202,
                "at": e.timestamp,
            })
            .to_string()
                + "\n"
        })
        .collect();
    std::fs::write(&path, old.concat()).expect("write");
    let journal = Journal::open(&path).expect("an old journal opens");
    assert_eq!(journal.records_without_destination(), 3);
    let emu = emulator(config()).await;
    let summary = client(&emu)
        .send_all(batch, BulkOptions::new().journal(journal), |_| {})
        .await
        .expect("sent");
    assert_eq!((summary.accepted, summary.skipped), (3, 0), "{summary}");
    emu.shutdown().await;
}

#[test]
fn a_journal_that_is_not_a_regular_file_is_refused() {
    let dir = tempfile::tempdir().expect("temp dir");
    let mut paths = vec![dir.path().to_path_buf()];
    // Reading these never ends (endless zeros): they must not even be read.
    for device in ["/dev/full", "/dev/zero"] {
        if std::path::Path::new(device).exists() {
            paths.push(device.into());
        }
    }
    for path in paths {
        let err = Journal::open(&path).expect_err("not a file");
        assert!(matches!(err, JournalError::NotAFile { .. }), "{err:?}");
        assert!(err.to_string().contains("not a regular file"), "{err}");
        let err = Journal::read_records(&path).expect_err("not a file");
        assert!(matches!(err, JournalError::NotAFile { .. }), "{err:?}");
    }
}

#[test]
fn a_journal_over_its_limit_is_refused_and_appends_stop_at_the_limit() {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("big.journal");
    std::fs::write(&path, "\n".repeat(2000)).expect("write");
    let err = Journal::open_with_limit(&path, 1000).expect_err("too large");
    assert!(
        matches!(err, JournalError::TooLarge { limit: 1000, .. }),
        "{err:?}"
    );
    assert!(err.to_string().contains("1000 bytes"), "{err}");

    let path = dir.path().join("small.journal");
    let journal = Journal::open_with_limit(&path, 600).expect("journal");
    let record = |i: usize| alexa_proactive_events::client::JournalRecord {
        destination: Some("development NA http://127.0.0.1:1/v1".to_owned()),
        reference_id: format!("ref{i}"),
        user: None,
        timestamp: alexa_proactive_events::jiff::Timestamp::UNIX_EPOCH,
        outcome: "accepted".to_owned(),
        status: Some(202),
        request_id: None,
        reason: None,
        at: alexa_proactive_events::jiff::Timestamp::UNIX_EPOCH,
    };
    let mut written = 0;
    let err = loop {
        match journal.append(&record(written)) {
            Ok(()) => written += 1,
            Err(e) => break e,
        }
        assert!(written < 100, "the limit never applied");
    };
    assert!(
        matches!(err, JournalError::Full { limit: 600, .. }),
        "{err:?}"
    );
    let len = std::fs::metadata(&path).expect("meta").len();
    assert!(len <= 600, "{len}");
    assert_eq!(
        Journal::read_records(&path).expect("whole records").len(),
        written
    );
}

#[tokio::test]
async fn a_journal_error_stops_the_run_with_the_summary_of_what_was_delivered() {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("tiny.journal");
    let emu = emulator(config()).await;
    let client = client(&emu);
    // Room for about three records.
    let journal = Journal::open_with_limit(&path, 800).expect("journal");
    let interrupted = client
        .send_all_with_summary(
            events(20),
            BulkOptions::new().concurrency(1).journal(journal),
            |_| {},
        )
        .await
        .expect_err("the journal fills up");
    assert!(
        matches!(interrupted.error, JournalError::Full { .. }),
        "{interrupted}"
    );
    let recorded = Journal::read_records(&path).expect("records").len() as u64;
    let summary = &interrupted.summary;
    // The event whose record failed was delivered, and is counted.
    assert_eq!(summary.accepted, recorded + 1, "{summary}");
    assert_eq!(emu.events().len() as u64, summary.accepted);
    assert!(summary.done() < 20, "nothing started after the error");
    assert!(
        interrupted.to_string().contains("accepted"),
        "{interrupted}"
    );
    emu.shutdown().await;
}

#[tokio::test]
async fn ten_thousand_events_against_a_dead_token_endpoint_cost_one_retry_budget() {
    const N: usize = 10_000;
    const ATTEMPTS: u32 = 4;
    let dead = Loopback::start(|_, _| Reply::new(503, "down")).await;
    let client = loopback_client(&dead)
        .retry(fast_retry(ATTEMPTS))
        .build()
        .expect("client");
    let event = event(1);
    let items = std::iter::repeat_n(event, N);
    let summary = guarded(
        "the dead-endpoint run",
        client.send_all(items, BulkOptions::new().concurrency(32), |_| {}),
    )
    .await
    .expect("no journal");
    assert_eq!(summary.failed, N as u64, "{summary}");
    let token_requests = dead.count("/auth/o2/token");
    assert!(
        (1..=ATTEMPTS as usize).contains(&token_requests),
        "{token_requests} token requests for {N} events"
    );
    assert_eq!(dead.count("/v1/proactiveEvents/stages/development"), 0);
    // Every event fails with the same token error.
    let first = &summary.problems[0].status;
    assert!(
        matches!(first, ItemStatus::Failed(why) if why.contains("HTTP 503")),
        "{first:?}"
    );
    assert!(summary.problems.iter().all(|p| &p.status == first));
}

#[tokio::test]
async fn the_token_circuit_closes_again_after_its_cooldown() {
    let endpoint = Loopback::start(|seen, n| match seen.path.as_str() {
        "/auth/o2/token" if n < 3 => Reply::new(503, "down"),
        "/auth/o2/token" => Reply::token("Atc|back", "3600"),
        _ => Reply::new(202, ""),
    })
    .await;
    let client = loopback_client(&endpoint)
        .retry(fast_retry(3))
        .token_cooldown(Duration::from_millis(50))
        .build()
        .expect("client");
    let err = client.send(&event(1)).await.expect_err("circuit opens");
    assert!(
        matches!(
            err,
            SendError::Token(TokenError::Http {
                status: 503,
                attempts: 3,
                ..
            })
        ),
        "{err:?}"
    );
    let again = client.send(&event(2)).await.expect_err("still open");
    assert_eq!(again, err);
    assert_eq!(endpoint.count("/auth/o2/token"), 3);
    tokio::time::sleep(Duration::from_millis(100)).await;
    assert_eq!(client.send(&event(3)).await, Ok(Outcome::Accepted));
}

#[tokio::test]
async fn a_huge_expires_in_neither_panics_nor_keeps_the_token_for_ever() {
    let endpoint = Loopback::start(|seen, _| match seen.path.as_str() {
        "/auth/o2/token" => Reply::token("Atc|forever", "18446744073709551615"),
        _ => Reply::new(202, ""),
    })
    .await;
    let client = loopback_client(&endpoint).build().expect("client");
    let response = client.token_response().await.expect("token");
    assert_eq!(response.expires_in, u64::MAX);
    // Cached (clamped to a day), then used.
    assert_eq!(client.send(&event(1)).await, Ok(Outcome::Accepted));
    assert_eq!(client.send(&event(2)).await, Ok(Outcome::Accepted));
    assert_eq!(endpoint.count("/auth/o2/token"), 2);
}

#[tokio::test]
async fn a_huge_retry_after_ends_the_retries_without_an_overflow() {
    // The second answer comes more than a second after the first attempt, when
    // `elapsed + Retry-After` no longer fits in a Duration.
    let endpoint = Loopback::start(|seen, n| match (seen.path.as_str(), n) {
        ("/auth/o2/token", _) => Reply::token("Atc|t", "3600"),
        (_, 0) => Reply::new(503, "").header("retry-after", "1"),
        _ => Reply::new(503, "").header("retry-after", "18446744073709551615"),
    })
    .await;
    let client = loopback_client(&endpoint)
        .retry(fast_retry(5))
        .build()
        .expect("client");
    let err = guarded("the send", client.send(&event(1)))
        .await
        .expect_err("503");
    let SendError::Rejected(r) = err else {
        panic!("{err:?}")
    };
    assert_eq!((r.status, r.attempts), (503, 2));
}

/// A `Write` into a shared buffer, for capturing log lines.
#[derive(Clone, Default)]
struct Capture(Arc<Mutex<Vec<u8>>>);

impl std::io::Write for Capture {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().expect("buffer").extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// A secret with characters that form-encoding changes.
const HOSTILE_SECRET: &str = "S3cr3t+with space&more/é";
const TOKEN: &str = "Atza|ECHOED-token-4711";

/// The encodings a server may echo a secret in, found in `text`.
fn leaks(text: &str) -> Vec<String> {
    [
        HOSTILE_SECRET.to_owned(),
        url_form(HOSTILE_SECRET, false),
        url_form(HOSTILE_SECRET, true),
        TOKEN.to_owned(),
        TOKEN.replace('|', "%7C"),
        "ECHOED-token".to_owned(),
        "S3cr3t".to_owned(),
    ]
    .into_iter()
    .filter(|needle| text.contains(needle.as_str()))
    .collect()
}

/// `application/x-www-form-urlencoded` as reqwest encodes a form (upper hex),
/// or with lower hex.
fn url_form(text: &str, lower: bool) -> String {
    text.bytes()
        .map(|b| match b {
            b'a'..=b'z' | b'A'..=b'Z' | b'0'..=b'9' | b'*' | b'-' | b'.' | b'_' => {
                (b as char).to_string()
            }
            b' ' => "+".to_owned(),
            _ if lower => format!("%{b:02x}"),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

#[tokio::test(flavor = "current_thread")]
async fn credentials_echoed_by_servers_are_redacted_in_errors_logs_and_journals() {
    use tracing_subscriber::util::SubscriberInitExt;
    let capture = Capture::default();
    let writer = capture.clone();
    let _guard = tracing_subscriber::fmt()
        .with_max_level(tracing_subscriber::filter::LevelFilter::TRACE)
        .with_writer(move || writer.clone())
        .with_ansi(false)
        .finish()
        .set_default();

    // The events endpoint quotes the request's Authorization header, the
    // token alone, and the token endpoint's form; the token endpoint, when
    // refusing, quotes its form (the secret form-encoded) without OAuth JSON.
    let endpoint = Loopback::start(|seen, _| {
        let body = String::from_utf8_lossy(&seen.body).into_owned();
        match seen.path.as_str() {
            "/auth/o2/token" if body.contains("client_id=refused") => Reply::new(
                401,
                format!(
                    "bad request: {body}; echo {} {}",
                    url_form(HOSTILE_SECRET, true),
                    HOSTILE_SECRET
                ),
            ),
            "/auth/o2/token" => Reply::token(TOKEN, "3600"),
            _ => {
                let auth = seen.headers.get("authorization").cloned().unwrap_or_default();
                let bare = auth.trim_start_matches("Bearer ");
                Reply::new(
                    400,
                    format!(
                        r#"{{"code":"INVALID","message":"token {bare} ({}); {{\"access_token\":\"{bare}\"}}; secret {}; got Authorization: {auth}"}}"#,
                        bare.replace('|', "%7C"),
                        url_form(HOSTILE_SECRET, true)
                    ),
                )
            }
        }
    })
    .await;
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("echo.journal");
    let client = Client::builder(
        Credentials::new(CLIENT_ID, HOSTILE_SECRET),
        Region::NorthAmerica,
        Stage::Development,
    )
    .api_base(endpoint.url())
    .token_url(endpoint.token_url())
    .rate_limit(0)
    .retry(fast_retry(2))
    .build()
    .expect("client");
    let mut seen = Vec::new();
    let err = client.send(&event(1)).await.expect_err("400");
    let SendError::Rejected(rejection) = &err else {
        panic!("{err:?}")
    };
    assert!(rejection.body.contains("[redacted]"), "{}", rejection.body);
    seen.push(format!("{err} {err:?}"));
    let summary = client
        .send_all(
            [event(2)],
            BulkOptions::new().journal(Journal::open(&path).expect("journal")),
            |p| seen.push(p.item.to_string()),
        )
        .await
        .expect("journal written");
    assert_eq!(summary.rejected, 1);
    seen.push(std::fs::read_to_string(&path).expect("journal"));

    let refused = Client::builder(
        Credentials::new("refused", HOSTILE_SECRET),
        Region::NorthAmerica,
        Stage::Development,
    )
    .api_base(endpoint.url())
    .token_url(endpoint.token_url())
    .build()
    .expect("client");
    let err = refused.access_token().await.expect_err("401");
    let TokenError::Http { body, .. } = &err else {
        panic!("{err:?}")
    };
    assert!(body.contains("client_secret=[redacted]"), "{body}");
    seen.push(format!("{err} {err:?}"));
    seen.push(String::from_utf8(capture.0.lock().expect("buffer").clone()).expect("utf-8"));
    for text in &seen {
        assert_eq!(
            leaks(text),
            Vec::<String>::new(),
            "a secret leaked into: {text}"
        );
    }
}

#[tokio::test]
async fn an_invalid_body_lists_a_few_violations_and_counts_the_rest() {
    let emu = emulator(config()).await;
    let client = client(&emu);
    let mut body = body("many", None, 0);
    let extra: serde_json::Map<String, serde_json::Value> = (0..200)
        .map(|i| (format!("unknown{i}"), serde_json::Value::from(i)))
        .collect();
    body["event"]["payload"]["state"]
        .as_object_mut()
        .expect("object")
        .extend(extra);
    let item = BulkItem::from_json("many.json", body.to_string().as_bytes());
    let summary = client
        .send_all([item], BulkOptions::new(), |_| {})
        .await
        .expect("sent");
    let ItemStatus::Rejected(why) = &summary.problems[0].status else {
        panic!("{summary:?}")
    };
    let listed = why.lines().filter(|l| l.contains("error[")).count();
    assert_eq!(
        listed,
        alexa_proactive_events::client::MAX_LISTED_VIOLATIONS,
        "{why}"
    );
    assert!(why.contains("… and 190 more"), "{why}");
    assert_eq!(emu.stats().event_requests, 0);
    emu.shutdown().await;
}

#[tokio::test]
async fn a_token_that_cannot_be_a_header_fails_every_event_after_one_request() {
    let endpoint = Loopback::start(|seen, _| match seen.path.as_str() {
        "/auth/o2/token" => Reply::token("Atc|line\\nbreak", "3600"),
        _ => Reply::new(202, ""),
    })
    .await;
    let client = loopback_client(&endpoint)
        .retry(fast_retry(3))
        .build()
        .expect("client");
    let summary = guarded(
        "the run",
        client.send_all(events(50), BulkOptions::new(), |_| {}),
    )
    .await
    .expect("no journal");
    assert_eq!(summary.failed, 50, "{summary}");
    assert!(
        summary.problems.iter().all(
            |p| matches!(&p.status, ItemStatus::Failed(why) if why.contains("not a valid header value"))
        ),
        "{:?}",
        summary.problems[0]
    );
    assert_eq!(endpoint.count("/auth/o2/token"), 1);
    assert_eq!(endpoint.count("/v1/proactiveEvents/stages/development"), 0);
}
