//! The skill-events endpoint end to end over loopback: signed
//! `ProactiveSubscriptionChanged` notices per second through `skill_events::serve`
//! (signature check with a cached chain, timestamp, skill id, then the apply), for
//! 1 and for 32 concurrent clients, on SQLite and on PostgreSQL; each beside the
//! bare store's own rate (`AsyncLedger::apply_async`) at the same concurrency.
//!
//! Goals (issue 20): with PostgreSQL, 32 clients reach at least 3x the rate of 1
//! (the pool is used); `serve` reaches at least half the bare store's rate at the
//! same concurrency (verification and HTTP cost less than the store).
//!
//! Every notice is for a new user, so every apply writes. Bodies are signed before
//! the clock starts (RSA signing is the client's cost, not the server's).
//!
//! `cargo bench -p pipeline-tests --all-features --bench serve` (PostgreSQL cases
//! with `ALEXA_PE_TEST_POSTGRES_URL` set, or a server of their own under `CI=true`).

#[path = "../it/loopback_support.rs"]
mod loopback_support;
#[path = "../it/skill_events_support/mod.rs"]
mod skill_events_support;
#[path = "../it/subscriptions_support/mod.rs"]
mod subscriptions_support;
#[path = "../it/tls_support.rs"]
mod tls_support;

use alexa_proactive_events::jiff::Timestamp;
use alexa_proactive_events::skill_events::{ServeOptions, Verifier, router, serve};
use alexa_proactive_events::subscriptions::{
    AsyncLedger, PostgresLedger, PostgresOptions, SqliteLedger, SqliteOptions, SubscriptionChanged,
    Synchronous,
};
use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use futures_util::stream::{self, StreamExt};
use skill_events_support::*;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};
use subscriptions_support::pg;

/// Notices per measured iteration.
const BATCH: usize = 64;

static NEXT: AtomicU64 = AtomicU64::new(0);

/// `n` notices for new users, each with its signature.
fn signed(n: usize) -> Vec<(Vec<u8>, String)> {
    let now = Timestamp::now();
    (0..n)
        .map(|_| {
            let i = NEXT.fetch_add(1, Ordering::Relaxed);
            let user = format!("amzn1.ask.account.B{i:012}");
            let body = subscription_body(SKILL, &user, &[EVENT], now, &format!("req{i}"));
            let signature = sign(&body, SIGNING_KEY_1);
            (body, signature)
        })
        .collect()
}

/// Posts `bodies` to `url` from `clients` concurrent clients; every answer must be 200.
async fn post_all(
    http: &reqwest::Client,
    url: &str,
    cert_url: &str,
    bodies: Vec<(Vec<u8>, String)>,
    clients: usize,
) {
    stream::iter(bodies)
        .for_each_concurrent(clients, |(body, signature)| async move {
            let mut request = http.post(url).body(body);
            for (k, v) in headers(cert_url, &signature) {
                request = request.header(k, v);
            }
            let status = request.send().await.expect("POST").status();
            assert_eq!(status.as_u16(), 200, "every notice is applied");
        })
        .await;
}

/// Applies `notices` straight to the store, `clients` at a time.
async fn apply_all(
    ledger: &Arc<dyn AsyncLedger>,
    notices: Vec<SubscriptionChanged>,
    clients: usize,
) {
    stream::iter(notices)
        .for_each_concurrent(clients, |n| async move {
            ledger.clone().apply_async(n).await.expect("applies");
        })
        .await;
}

fn bench(c: &mut Criterion) {
    let runtime = tokio::runtime::Runtime::new().expect("runtime");
    let pki = Pki::new();
    let chain = runtime.block_on(ChainServer::for_pki(&pki));
    let dir = tempfile::tempdir().expect("temp dir");
    let postgres = if std::env::var(pg::URL_VAR).is_ok() || std::env::var("CI").is_ok() {
        Some(pg::TestDatabase::create())
    } else {
        eprintln!(
            "\n*** PostgreSQL cases LEFT OUT: {} is not set.\n",
            pg::URL_VAR
        );
        None
    };
    let mut stores: Vec<(&str, Arc<dyn AsyncLedger>)> = vec![(
        "sqlite",
        Arc::new(
            SqliteLedger::open_with(
                dir.path().join("subs.db"),
                &SqliteOptions {
                    synchronous: Synchronous::Normal,
                    ..SqliteOptions::default()
                },
            )
            .expect("opens"),
        ),
    )];
    if let Some(db) = &postgres {
        let options = PostgresOptions::default().pool_size(32);
        let ledger = runtime
            .block_on(PostgresLedger::connect_with_async(db.url(), &options))
            .expect("connects");
        stores.push(("postgres", Arc::new(ledger)));
    }

    let http = http_client();
    let cert_url = chain.url("good.pem");
    let mut g = c.benchmark_group("serve_notices");
    g.sample_size(20);
    g.measurement_time(Duration::from_secs(8));
    g.throughput(Throughput::Elements(BATCH as u64));
    for (name, ledger) in &stores {
        let verifier = Verifier::new(options(&pki, &chain)).expect("verifier");
        let app = router(verifier, ledger.clone());
        let (url, stop, server) = runtime.block_on(async {
            let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
                .await
                .expect("binds");
            let url = format!("http://{}/", listener.local_addr().expect("address"));
            let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
            let server = tokio::spawn(serve(listener, app, ServeOptions::default(), async {
                let _ = stopped.await;
            }));
            (url, stop, server)
        });
        // Warms the chain cache and the pool.
        runtime.block_on(post_all(&http, &url, &cert_url, signed(32), 32));
        for clients in [1, 32] {
            g.bench_function(format!("{name}_serve_{clients}_clients"), |b| {
                b.iter_custom(|iters| {
                    let mut total = Duration::ZERO;
                    for _ in 0..iters {
                        let bodies = signed(BATCH);
                        let start = Instant::now();
                        runtime.block_on(post_all(&http, &url, &cert_url, bodies, clients));
                        total += start.elapsed();
                    }
                    total
                })
            });
            g.bench_function(format!("{name}_store_{clients}_clients"), |b| {
                b.iter_custom(|iters| {
                    let mut total = Duration::ZERO;
                    for _ in 0..iters {
                        let notices: Vec<SubscriptionChanged> = signed(BATCH)
                            .iter()
                            .map(|(body, _)| SubscriptionChanged::from_json(body).expect("parses"))
                            .collect();
                        let start = Instant::now();
                        runtime.block_on(apply_all(ledger, notices, clients));
                        total += start.elapsed();
                    }
                    total
                })
            });
        }
        let _ = stop.send(());
        runtime.block_on(server).expect("no panic").expect("served");
    }
    g.finish();
    drop(stores);
    runtime.block_on(chain.stop());
}

criterion_group!(benches, bench);
criterion_main!(benches);
