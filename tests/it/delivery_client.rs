//! The client against the emulator on loopback: tokens, every status path,
//! retries, the rate limiter, and secrets kept out of logs and errors.

use crate::delivery_support;

use alexa_proactive_events::client::{
    AudienceKind, Client, Credentials, Outcome, Region, SendError, Stage, TokenError,
    TokenErrorKind,
};
use alexa_proactive_events::emulator::{EmulatorConfig, Faults, Scripted};
use delivery_support::*;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

#[tokio::test]
async fn one_token_serves_many_concurrent_events() {
    let emu = emulator(config()).await;
    let client = client(&emu);
    let sends = events(50).into_iter().map(|e| {
        let client = client.clone();
        tokio::spawn(async move { client.send(&e).await })
    });
    for send in sends {
        let outcome = send.await.expect("task").expect("sent");
        assert_eq!(outcome, Outcome::Accepted);
    }
    let stats = emu.stats();
    assert_eq!(stats.token_requests, 1, "{stats:?}");
    assert_eq!(emu.events().len(), 50);
    emu.shutdown().await;
}

#[tokio::test]
async fn token_calls_return_the_response_and_the_cached_token() {
    let emu = emulator(EmulatorConfig {
        token_ttl: Duration::from_secs(1234),
        ..config()
    })
    .await;
    let client = client(&emu);
    let response = client.token_response().await.expect("token");
    assert!(response.access_token.expose().starts_with("Atc|"));
    assert_eq!(response.expires_in, 1234);
    assert_eq!(response.scope, "alexa::proactive_events");
    assert!(response.token_type.eq_ignore_ascii_case("bearer"));
    let a = client.access_token().await.expect("token");
    let b = client.access_token().await.expect("token");
    assert_eq!(a, b);
    assert_ne!(
        a, response.access_token,
        "token_response bypasses the cache"
    );
    assert_eq!(emu.stats().token_requests, 2);
    emu.shutdown().await;
}

#[tokio::test]
async fn token_is_refreshed_before_it_expires() {
    // 2 s tokens: the margin (60 s) is capped at half the lifetime, so the
    // client replaces the token after 1 s, before the emulator would refuse it.
    let emu = emulator(EmulatorConfig {
        token_ttl: Duration::from_secs(2),
        ..config()
    })
    .await;
    let client = client(&emu);
    assert_eq!(client.send(&event(1)).await, Ok(Outcome::Accepted));
    tokio::time::sleep(Duration::from_millis(1100)).await;
    assert_eq!(client.send(&event(2)).await, Ok(Outcome::Accepted));
    let stats = emu.stats();
    assert_eq!(stats.token_requests, 2, "{stats:?}");
    assert_eq!(
        stats.event_statuses.get(&403),
        None,
        "never used an expired token"
    );
    emu.shutdown().await;
}

#[tokio::test]
async fn a_403_after_early_expiry_refreshes_once_and_retries() {
    let emu = emulator(config()).await;
    let client = client(&emu);
    assert_eq!(client.send(&event(1)).await, Ok(Outcome::Accepted));
    emu.expire_tokens();
    let delivered = client
        .send_detailed(&event(2))
        .await
        .expect("sent after refresh");
    assert_eq!(delivered.outcome, Outcome::Accepted);
    assert_eq!(delivered.attempts, 2);
    let stats = emu.stats();
    assert_eq!(stats.token_requests, 2);
    assert_eq!(stats.event_statuses.get(&403), Some(&1));
    emu.shutdown().await;
}

#[tokio::test]
async fn tokens_that_expire_at_once_give_one_refresh_then_a_403() {
    let emu = emulator(EmulatorConfig {
        faults: Faults {
            early_expiry_rate: 1.0,
            early_expiry: Duration::ZERO,
            ..Faults::default()
        },
        ..config()
    })
    .await;
    let client = client(&emu);
    let err = client
        .send(&event(1))
        .await
        .expect_err("every token is dead");
    let SendError::Rejected(r) = &err else {
        panic!("{err:?}")
    };
    assert_eq!((r.status, r.attempts), (403, 2));
    assert_eq!(r.audience, AudienceKind::Unicast);
    assert!(err.to_string().contains("not subscribed"), "{err}");
    assert_eq!(emu.stats().token_requests, 2);
    emu.shutdown().await;
}

#[tokio::test]
async fn each_status_has_its_typed_outcome() {
    let emu = emulator(config()).await;
    let client = builder(&emu).retry(fast_retry(2)).build().expect("client");

    // 202 and 409.
    let e = event(1);
    assert_eq!(client.send(&e).await, Ok(Outcome::Accepted));
    assert_eq!(client.send(&e).await, Ok(Outcome::AlreadyAccepted));
    emu.script_events([Scripted::status(409)]);
    let d = client
        .send_detailed(&event(2))
        .await
        .expect("409 is a success");
    assert_eq!((d.outcome, d.attempts), (Outcome::AlreadyAccepted, 1));
    assert!(d.request_id.is_some_and(|id| id.starts_with("emulator-")));

    // Final errors: one attempt each (403 gets its one refresh).
    for (status, attempts, hint) in [
        (400, 1, "malformed"),
        (432, 1, "notification limits"),
        (418, 1, "unexpected status"),
    ] {
        let before = emu.stats().event_requests;
        emu.script_events([Scripted::status(status)]);
        let err = client
            .send(&event(10 + status as usize))
            .await
            .expect_err("error");
        let SendError::Rejected(r) = &err else {
            panic!("{err:?}")
        };
        assert_eq!((r.status, r.attempts), (status, attempts), "{err}");
        assert!(r.request_id.is_some(), "request id kept");
        assert!(
            r.body.contains("\"code\""),
            "Amazon's body kept: {}",
            r.body
        );
        assert!(err.to_string().contains(hint), "{err}");
        assert!(err.is_rejection());
        assert_eq!(
            emu.stats().event_requests - before,
            u64::from(attempts),
            "no retry of {status}"
        );
    }
    let before = emu.stats();
    emu.script_events([Scripted::status(403), Scripted::status(403)]);
    let err = client.send(&event(403)).await.expect_err("403");
    assert_eq!(err.status(), Some(403));
    let after = emu.stats();
    assert_eq!(
        after.event_requests - before.event_requests,
        2,
        "one refresh, one retry"
    );
    assert_eq!(after.token_requests - before.token_requests, 1);

    // Retried statuses: the attempts run out.
    for status in [429, 500, 503] {
        let before = emu.stats().event_requests;
        emu.script_events([Scripted::status(status), Scripted::status(status)]);
        let err = client
            .send(&event(20 + status as usize))
            .await
            .expect_err("error");
        let SendError::Rejected(r) = &err else {
            panic!("{err:?}")
        };
        assert_eq!((r.status, r.attempts), (status, 2));
        assert!(!err.is_rejection(), "{status} is transient");
        assert_eq!(emu.stats().event_requests - before, 2);
    }
    // And succeed when the fault passes.
    emu.script_events([Scripted::status(500)]);
    let d = client
        .send_detailed(&event(99))
        .await
        .expect("second attempt");
    assert_eq!((d.outcome, d.attempts), (Outcome::Accepted, 2));
    emu.shutdown().await;
}

#[tokio::test]
async fn multicast_403_names_the_token() {
    let emu = emulator(config()).await;
    let client = client(&emu);
    let request: alexa_proactive_events::ProactiveEventRequest =
        serde_json::from_value(body("multi1", None, 0)).expect("valid");
    emu.script_events([Scripted::status(403), Scripted::status(403)]);
    let err = client.send(&request).await.expect_err("403");
    let SendError::Rejected(r) = &err else {
        panic!("{err:?}")
    };
    assert_eq!(r.audience, AudienceKind::Multicast);
    assert!(err.to_string().contains("another skill"), "{err}");
    emu.shutdown().await;
}

#[tokio::test]
async fn retry_after_is_honoured() {
    let emu = emulator(config()).await;
    let client = client(&emu);
    client.access_token().await.expect("token");
    emu.script_events([Scripted::retry_after(429, 1)]);
    let start = Instant::now();
    let d = client.send_detailed(&event(1)).await.expect("accepted");
    assert_eq!((d.outcome, d.attempts), (Outcome::Accepted, 2));
    assert!(
        start.elapsed() >= Duration::from_secs(1),
        "waited {:?}",
        start.elapsed()
    );

    // A Retry-After beyond the time budget ends the retries at once.
    let impatient = builder(&emu)
        .retry(alexa_proactive_events::client::RetryPolicy {
            max_elapsed: Duration::from_secs(2),
            ..fast_retry(5)
        })
        .build()
        .expect("client");
    emu.script_events([Scripted::retry_after(503, 3600)]);
    let err = impatient.send(&event(2)).await.expect_err("gives up");
    assert_eq!(err.status(), Some(503));
    emu.shutdown().await;
}

#[tokio::test]
async fn token_endpoint_errors_are_typed_and_503_is_retried() {
    let emu = emulator(config()).await;
    let wrong = Client::builder(
        Credentials::new(CLIENT_ID, "not-the-secret-XYZZY"),
        Region::NorthAmerica,
        Stage::Development,
    )
    .token_url(emu.token_url())
    .api_base(emu.base_url())
    .build()
    .expect("client");
    let err = wrong.access_token().await.expect_err("wrong secret");
    assert_eq!(err.kind(), Some(&TokenErrorKind::InvalidClient));
    assert!(matches!(err, TokenError::Refused { status: 401, .. }));
    assert!(err.to_string().contains("Client Id and Secret"), "{err}");
    assert!(!format!("{err} {err:?}").contains("XYZZY"));
    // The send reports the token error and never reaches the events endpoint.
    let send = wrong.send(&event(1)).await.expect_err("no token");
    assert!(matches!(send, SendError::Token(_)), "{send:?}");
    assert_eq!(emu.stats().event_requests, 0);

    let client = client(&emu);
    emu.script_tokens([Scripted::status(400)]);
    let err = client.access_token().await.expect_err("scripted 400");
    assert_eq!(err.kind(), Some(&TokenErrorKind::InvalidRequest));
    // The circuit is open: the same error at once, without a request.
    let requests = emu.stats().token_requests;
    assert_eq!(client.access_token().await, Err(err));
    assert_eq!(emu.stats().token_requests, requests);

    // A client whose circuit closes at once asks again, and waits out a 503.
    let client = builder(&emu)
        .token_cooldown(Duration::ZERO)
        .build()
        .expect("client");
    emu.script_tokens([Scripted::status(400)]);
    client.access_token().await.expect_err("scripted 400");
    emu.script_tokens([Scripted::retry_after(503, 1)]);
    let start = Instant::now();
    client.access_token().await.expect("503 then a token");
    assert!(start.elapsed() >= Duration::from_secs(1));
    emu.shutdown().await;
}

#[tokio::test]
async fn invalid_events_are_never_sent() {
    let emu = emulator(config()).await;
    let client = client(&emu);
    // Valid on its own terms, but it expired an hour ago by the clock.
    let stale: alexa_proactive_events::ProactiveEventRequest =
        serde_json::from_value(body("stale1", Some("u1"), -2 * 3600 * 1000)).expect("parses");
    let err = client.send(&stale).await.expect_err("invalid");
    let SendError::Invalid(report) = &err else {
        panic!("{err:?}")
    };
    assert!(
        report.errors().any(|v| v.rule == "ENV-EXPIRY-CLOCK"),
        "{report:?}"
    );
    assert!(err.to_string().contains("ENV-EXPIRY-CLOCK"), "{err}");
    let err = client
        .send_json::<alexa_proactive_events::Event>(br#"{"referenceId": "x"}"#)
        .await
        .expect_err("invalid");
    assert!(matches!(err, SendError::Invalid(_)));
    assert_eq!(emu.stats().event_requests, 0);
    emu.shutdown().await;
}

#[tokio::test]
async fn transport_errors_are_retried_and_then_reported() {
    let emu = emulator(config()).await;
    let client = client(&emu);
    client.access_token().await.expect("token");
    emu.script_events([Scripted::Drop]);
    let d = client.send_detailed(&event(1)).await.expect("retried");
    assert_eq!((d.outcome, d.attempts), (Outcome::Accepted, 2));
    assert_eq!(emu.stats().dropped, 1);

    // Nothing listens on this port any more.
    let port = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
        l.local_addr().expect("addr").port()
    };
    let dead = Client::builder(
        Credentials::new(CLIENT_ID, SECRET),
        Region::Europe,
        Stage::Live,
    )
    .api_base(format!("http://127.0.0.1:{port}"))
    .token_url(format!("http://127.0.0.1:{port}/auth/o2/token"))
    .retry(fast_retry(3))
    .build()
    .expect("client");
    let err = dead.send(&event(2)).await.expect_err("unreachable");
    assert!(
        matches!(
            &err,
            SendError::Token(TokenError::Transport { attempts: 3, .. })
        ),
        "{err:?}"
    );
    emu.shutdown().await;
}

#[tokio::test]
async fn the_limiter_holds_the_rate_for_all_concurrent_sends() {
    const RATE: u32 = 100;
    const N: usize = 201;
    let emu = emulator(config()).await;
    let client = builder(&emu).rate_limit(RATE).build().expect("client");
    client.access_token().await.expect("token");
    let tasks: Vec<_> = events(N)
        .into_iter()
        .map(|e| {
            let client = client.clone();
            tokio::spawn(async move { client.send(&e).await })
        })
        .collect();
    for t in tasks {
        assert_eq!(t.await.expect("task"), Ok(Outcome::Accepted));
    }
    let events = emu.events();
    assert_eq!(events.len(), N);
    let first = events.iter().map(|e| e.accepted_at).min().expect("events");
    let last = events.iter().map(|e| e.accepted_at).max().expect("events");
    let seconds = last.duration_since(first).as_secs_f64();
    let rate = (N - 1) as f64 / seconds;
    eprintln!("limiter: {rate:.1}/s measured over {N} events ({seconds:.3} s)");
    assert!(
        (rate - f64::from(RATE)).abs() <= f64::from(RATE) * 0.05,
        "{rate:.1}/s over {seconds:.3} s"
    );
    emu.shutdown().await;
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

#[tokio::test(flavor = "current_thread")]
async fn secrets_never_appear_in_logs_errors_or_debug() {
    use tracing_subscriber::util::SubscriberInitExt;
    let capture = Capture::default();
    let writer = capture.clone();
    let _guard = tracing_subscriber::fmt()
        .with_max_level(tracing_subscriber::filter::LevelFilter::TRACE)
        .with_writer(move || writer.clone())
        .with_ansi(false)
        .finish()
        .set_default();

    let emu = emulator(config()).await;
    let client = client(&emu);
    let mut seen = Vec::new();
    seen.push(format!("{client:?}"));
    seen.push(format!("{:?}", Credentials::new(CLIENT_ID, SECRET)));
    seen.push(format!("{:?} {}", emu, format_args!("{:?}", config())));
    let response = client.token_response().await.expect("token");
    let token = response.access_token.expose().to_owned();
    seen.push(format!("{response:?} {}", response.access_token));
    // Paths that log: retries, refreshes, failures.
    emu.script_events([Scripted::status(500), Scripted::Drop]);
    client.send(&event(1)).await.expect("retried");
    emu.expire_tokens();
    client.send(&event(2)).await.expect("refreshed");
    emu.script_events([Scripted::status(400)]);
    let err = client.send(&event(3)).await.expect_err("400");
    seen.push(format!("{err} {err:?}"));
    let wrong = Client::builder(
        Credentials::new(CLIENT_ID, "wrong-secret-QUUX"),
        Region::FarEast,
        Stage::Live,
    )
    .api_base(emu.base_url())
    .token_url(emu.token_url())
    .build()
    .expect("client");
    let err = wrong.send(&event(4)).await.expect_err("invalid_client");
    seen.push(format!("{err} {err:?} {wrong:?}"));
    emu.shutdown().await;

    let logs = String::from_utf8(capture.0.lock().expect("buffer").clone()).expect("utf-8");
    assert!(logs.contains("retrying"), "the logging paths ran: {logs}");
    seen.push(logs);
    for text in &seen {
        for secret in [SECRET, token.as_str(), "wrong-secret-QUUX"] {
            assert!(!text.contains(secret), "a secret leaked into: {text}");
        }
    }
    assert!(seen[0].contains("[redacted]"), "{}", seen[0]);
}
