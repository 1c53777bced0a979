//! Sending to the emulator on loopback.
//!
//! - `raw_http`: the same bodies posted with bare reqwest (no validation, no
//!   token cache, no retries): the baseline the client is compared with.
//! - `client_unlimited`: `Client::send_all` with the limiter off: the client's
//!   own cost per event.
//! - `client_limited`: the limiter on at 500/s: throughput must sit at the rate.
//! - `dead_token/one_token_request`: one `token_response` against a port that
//!   refuses connections, its whole retry budget (4 attempts, backoff from
//!   50 ms): the baseline of the next one.
//! - `dead_token/10000_events`: `send_all` of 10,000 events against the same
//!   dead endpoint with the same policy. The token circuit makes every event
//!   wait on one shared request and then fail at once, so the ratio to the
//!   baseline should be close to 1 (it was 10,000 before the circuit).
//!
//! `cargo bench -p alexa-proactive-events --features client,emulator --bench send`

use alexa_proactive_events::ProactiveEventRequest;
use alexa_proactive_events::client::{
    BulkOptions, Client, Credentials, Region, RetryPolicy, Stage,
};
use alexa_proactive_events::emulator::{Emulator, EmulatorConfig, EmulatorHandle};
use alexa_proactive_events::jiff::{SignedDuration, Timestamp};
use criterion::{Criterion, SamplingMode, Throughput, criterion_group, criterion_main};
use futures_util::stream::{self, StreamExt};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

const CONCURRENCY: usize = 32;
const LIMITED_RATE: u32 = 500;

static NEXT: AtomicU64 = AtomicU64::new(0);

/// `n` fresh events (new referenceIds, so each is a 202, not a 409).
fn fresh(n: usize) -> Vec<ProactiveEventRequest> {
    let now = Timestamp::now();
    (0..n)
        .map(|_| {
            let id = NEXT.fetch_add(1, Ordering::Relaxed);
            serde_json::from_value(serde_json::json!({
                "timestamp": now.to_string(),
                "referenceId": format!("bench{id:010}"),
                "expiryTime": (now + SignedDuration::from_hours(2)).to_string(),
                "event": {"name": "AMAZON.MessageAlert.Activated", "payload": {
                    "state": {"status": "UNREAD", "freshness": "NEW"},
                    "messageGroup": {"creator": {"name": "Jane Doe"}, "count": 3, "urgency": "URGENT"}}},
                "localizedAttributes": [{"locale": "en-US"}],
                "relevantAudience": {"type": "Unicast", "payload": {"user": "amzn1.ask.account.BENCH"}},
            }))
            .expect("valid event")
        })
        .collect()
}

fn client(emu: &EmulatorHandle, rate: u32) -> Client {
    Client::builder(
        Credentials::new(
            alexa_proactive_events::emulator::DEFAULT_CLIENT_ID,
            alexa_proactive_events::emulator::DEFAULT_CLIENT_SECRET,
        ),
        Region::NorthAmerica,
        Stage::Development,
    )
    .api_base(emu.base_url())
    .token_url(emu.token_url())
    .rate_limit(rate)
    .build()
    .expect("client")
}

fn send(c: &mut Criterion) {
    let rt = tokio::runtime::Runtime::new().expect("runtime");
    let emu = rt
        .block_on(Emulator::start(EmulatorConfig {
            rate_limit: None,
            ..EmulatorConfig::default()
        }))
        .expect("emulator");
    let unlimited = client(&emu, 0);
    let limited = client(&emu, LIMITED_RATE);
    let token = rt.block_on(unlimited.access_token()).expect("token");
    rt.block_on(limited.access_token()).expect("token");
    let raw = reqwest::Client::new();
    let url = unlimited.events_url().to_owned();

    let mut group = c.benchmark_group("send");
    group
        .sample_size(10)
        .measurement_time(Duration::from_secs(6));

    const N: usize = 1000;
    group.throughput(Throughput::Elements(N as u64));
    group.bench_function("raw_http", |b| {
        b.to_async(&rt).iter_custom(|iters| {
            let (raw, url, token) = (raw.clone(), url.clone(), token.clone());
            async move {
                let mut total = Duration::ZERO;
                for _ in 0..iters {
                    let bodies: Vec<Vec<u8>> = fresh(N)
                        .iter()
                        .map(|e| serde_json::to_vec(e).expect("json"))
                        .collect();
                    let start = Instant::now();
                    stream::iter(bodies)
                        .map(|body| {
                            raw.post(&url)
                                .bearer_auth(token.expose())
                                .header("content-type", "application/json")
                                .body(body)
                                .send()
                        })
                        .buffer_unordered(CONCURRENCY)
                        .for_each(|r| async move {
                            assert_eq!(r.expect("answer").status().as_u16(), 202);
                        })
                        .await;
                    total += start.elapsed();
                }
                total
            }
        });
    });
    group.bench_function("client_unlimited", |b| {
        b.to_async(&rt).iter_custom(|iters| {
            let client = unlimited.clone();
            async move {
                let mut total = Duration::ZERO;
                for _ in 0..iters {
                    let events = fresh(N);
                    let start = Instant::now();
                    let summary = client
                        .send_all(events, BulkOptions::new().concurrency(CONCURRENCY), |_| {})
                        .await
                        .expect("sent");
                    total += start.elapsed();
                    assert_eq!(summary.accepted, N as u64, "{summary}");
                }
                total
            }
        });
    });

    const M: usize = 250;
    group.throughput(Throughput::Elements(M as u64));
    group.bench_function(format!("client_limited_{LIMITED_RATE}_per_s"), |b| {
        b.to_async(&rt).iter_custom(|iters| {
            let client = limited.clone();
            async move {
                let mut total = Duration::ZERO;
                for _ in 0..iters {
                    let events = fresh(M);
                    let start = Instant::now();
                    let summary = client
                        .send_all(events, BulkOptions::new().concurrency(CONCURRENCY), |_| {})
                        .await
                        .expect("sent");
                    total += start.elapsed();
                    assert_eq!(summary.accepted, M as u64, "{summary}");
                }
                total
            }
        });
    });
    group.finish();
    rt.block_on(emu.shutdown());
}

/// The token endpoint's retry policy in `dead_token`.
fn dead_policy() -> RetryPolicy {
    RetryPolicy {
        max_attempts: 4,
        initial_backoff: Duration::from_millis(50),
        max_backoff: Duration::from_secs(1),
        max_elapsed: Duration::from_secs(30),
    }
}

/// A client whose token endpoint (and API) is a loopback port nothing listens on.
fn dead_client(port: u16) -> Client {
    Client::builder(
        Credentials::new("amzn1.application-oa2-client.bench", "bench-secret"),
        Region::NorthAmerica,
        Stage::Development,
    )
    .api_base(format!("http://127.0.0.1:{port}"))
    .token_url(format!("http://127.0.0.1:{port}/auth/o2/token"))
    .rate_limit(0)
    .retry(dead_policy())
    .build()
    .expect("client")
}

fn dead_token(c: &mut Criterion) {
    const EVENTS: usize = 10_000;
    let rt = tokio::runtime::Runtime::new().expect("runtime");
    // Bound, then released: connections to it are refused at once.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("a free port")
        .port();
    let events = fresh(EVENTS);
    let mut group = c.benchmark_group("dead_token");
    group
        .sample_size(10)
        .sampling_mode(SamplingMode::Flat)
        .measurement_time(Duration::from_secs(8));
    group.bench_function("one_token_request", |b| {
        b.to_async(&rt).iter_custom(|iters| async move {
            let mut total = Duration::ZERO;
            for _ in 0..iters {
                let client = dead_client(port);
                let start = Instant::now();
                client.token_response().await.expect_err("nothing listens");
                total += start.elapsed();
            }
            total
        });
    });
    group.bench_function(format!("{EVENTS}_events"), |b| {
        b.to_async(&rt).iter_custom(|iters| {
            let events = events.clone();
            async move {
                let mut total = Duration::ZERO;
                for _ in 0..iters {
                    // A new client each time: its circuit starts closed.
                    let client = dead_client(port);
                    let batch = events.clone();
                    let start = Instant::now();
                    let summary = client
                        .send_all(batch, BulkOptions::new().concurrency(CONCURRENCY), |_| {})
                        .await
                        .expect("no journal");
                    total += start.elapsed();
                    assert_eq!(summary.failed, EVENTS as u64, "{summary}");
                }
                total
            }
        });
    });
    group.finish();
}

criterion_group!(benches, send, dead_token);
criterion_main!(benches);
