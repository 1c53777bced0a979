//! Subscription ledger speed, in one run so that the ratios compare like with like:
//!
//! - `apply_100k/sqlite_batched_10000`: 100,000 notices (50,000 users, two notices each
//!   in random order, so some are stale) into a new SQLite file, 10,000 per
//!   transaction (random users touch most pages of the file in every transaction, so
//!   fewer, larger transactions write much less);
//! - `apply_100k/memory`: the same into the in-memory ledger (the floor);
//! - `apply_1k/sqlite_one_transaction_each`: 1,000 notices, one transaction (and one
//!   WAL sync) each: what batching saves;
//! - `audience_in_100k_users`: the subscribers of one event (about half of 100,000
//!   users) read whole, and the first page of 1,000.
//!
//! `cargo bench -p alexa-proactive-events --features sqlite --bench subscriptions`

use alexa_proactive_events::jiff::Timestamp;
use alexa_proactive_events::subscriptions::{
    Ledger, MemoryLedger, Region, SqliteLedger, SubscriptionChanged,
};
use criterion::{BatchSize, Criterion, Throughput, criterion_group, criterion_main};
use std::collections::BTreeSet;
use std::hint::black_box;

const SKILL: &str = "amzn1.ask.skill.00000000-0000-0000-0000-000000000000";
const EVENTS: [&str; 5] = [
    "AMAZON.WeatherAlert.Activated",
    "AMAZON.MessageAlert.Activated",
    "AMAZON.OrderStatus.Updated",
    "AMAZON.Occasion.Updated",
    "AMAZON.TrashCollectionAlert.Activated",
];

/// A cheap deterministic scramble (SplitMix64) for spreading users and timestamps.
fn mix(i: u64) -> u64 {
    let mut z = i.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// `count` notices over `users` users, with userIds of realistic length.
fn notices(count: u64, users: u64) -> Vec<SubscriptionChanged> {
    (0..count)
        .map(|i| {
            let h = mix(i);
            let user = mix(i % users) % 1_000_000_000;
            let region = Region::ALL[(user % 3) as usize];
            SubscriptionChanged {
                skill_id: SKILL.into(),
                user_id: format!("amzn1.ask.account.AF{user:0>12}XQ3LKJH2P5YV7BNMW4QZ6CDEXAMPLE"),
                person_id: None,
                api_endpoint: region.api_endpoint().into(),
                region: Some(region),
                request_id: format!("amzn1.echo-api.request.{h:016x}"),
                timestamp: Timestamp::from_second(1_790_000_000 + (h % 86_400) as i64)
                    .expect("in range"),
                locale: None,
                events: EVENTS
                    .iter()
                    .enumerate()
                    .filter(|(k, _)| (h >> (8 + k)) & 1 == 1)
                    .map(|(_, e)| e.to_string())
                    .collect::<BTreeSet<_>>(),
            }
        })
        .collect()
}

fn fresh_sqlite() -> (tempfile::TempDir, SqliteLedger) {
    let dir = tempfile::tempdir().expect("temp dir");
    let ledger = SqliteLedger::open(dir.path().join("subs.db")).expect("opens");
    (dir, ledger)
}

fn bench(c: &mut Criterion) {
    let many = notices(100_000, 50_000);

    let mut g = c.benchmark_group("apply_100k");
    g.sample_size(10);
    g.throughput(Throughput::Elements(many.len() as u64));
    g.bench_function("sqlite_batched_10000", |b| {
        b.iter_batched(
            fresh_sqlite,
            |(dir, ledger)| {
                for chunk in many.chunks(10_000) {
                    black_box(ledger.apply_all(chunk).expect("applies"));
                }
                (dir, ledger)
            },
            BatchSize::PerIteration,
        )
    });
    g.bench_function("memory", |b| {
        b.iter_batched(
            MemoryLedger::new,
            |ledger| {
                black_box(ledger.apply_all(&many).expect("applies"));
                ledger
            },
            BatchSize::PerIteration,
        )
    });
    g.finish();

    let few = &many[..1000];
    let mut g = c.benchmark_group("apply_1k");
    g.sample_size(10);
    g.throughput(Throughput::Elements(few.len() as u64));
    g.bench_function("sqlite_one_transaction_each", |b| {
        b.iter_batched(
            fresh_sqlite,
            |(dir, ledger)| {
                for n in few {
                    black_box(ledger.apply(n).expect("applies"));
                }
                (dir, ledger)
            },
            BatchSize::PerIteration,
        )
    });
    g.finish();

    // 100,000 users, one notice each; about half subscribe to EVENTS[0].
    let (_dir, ledger) = fresh_sqlite();
    for chunk in notices(100_000, 100_000).chunks(10_000) {
        ledger.apply_all(chunk).expect("applies");
    }
    let audience = ledger.audience(SKILL, EVENTS[0]).expect("reads").len();
    eprintln!("audience of {} in 100,000 users: {audience}", EVENTS[0]);
    let mut g = c.benchmark_group("audience_in_100k_users");
    g.sample_size(20);
    g.throughput(Throughput::Elements(audience as u64));
    g.bench_function("sqlite_whole_audience", |b| {
        b.iter(|| black_box(ledger.audience(SKILL, EVENTS[0]).expect("reads")))
    });
    g.throughput(Throughput::Elements(1000));
    g.bench_function("sqlite_first_page_1000", |b| {
        b.iter(|| {
            black_box(
                ledger
                    .subscribers(SKILL, EVENTS[0], None, 1000)
                    .expect("reads"),
            )
        })
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
