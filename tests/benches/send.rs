//! Sending to the emulator on loopback.
//!
//! - `raw_http`: the same bodies posted with bare reqwest (no validation, no
//!   token cache, no retries): the baseline the client is compared with.
//! - `client_unlimited`: `Client::send_all` with the limiter off: the client's
//!   own cost per event.
//! - `client_limited`: the limiter on at 500/s: throughput must sit at the rate.
//!
//! `cargo bench -p alexa-proactive-events --features client,emulator --bench send`

use alexa_proactive_events::ProactiveEventRequest;
use alexa_proactive_events::client::{BulkOptions, Client, Credentials, Region, Stage};
use alexa_proactive_events::emulator::{Emulator, EmulatorConfig, EmulatorHandle};
use alexa_proactive_events::jiff::{SignedDuration, Timestamp};
use criterion::{Criterion, Throughput, criterion_group, criterion_main};
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

criterion_group!(benches, send);
criterion_main!(benches);
