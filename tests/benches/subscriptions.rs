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
//! Beside each SQLite case, the same on PostgreSQL (`postgres_*`), plus 4 concurrent
//! writers for both (`*_4_writers_*`: 4 threads, each with its own connection, each
//! applying a quarter). The PostgreSQL server is `ALEXA_PE_TEST_POSTGRES_URL`
//! (`bash .ci/postgres.sh start`); without it the PostgreSQL cases are left out, with
//! a line saying so (under `CI=true` they run on a throwaway server started as the
//! tests start theirs, `subscriptions_support::pg`).
//!
//! `cargo bench -p pipeline-tests --bench subscriptions`

use alexa_proactive_events::jiff::Timestamp;
use alexa_proactive_events::subscriptions::{
    AsyncLedger, Ledger, MemoryLedger, PostgresLedger, PostgresOptions, Region, SqliteLedger,
    SubscriptionChanged,
};
use criterion::{BatchSize, Criterion, Throughput, criterion_group, criterion_main};
use std::collections::BTreeSet;
use std::hint::black_box;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

#[path = "../it/subscriptions_support/pg.rs"]
#[allow(dead_code)]
mod pg;

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

/// Fresh PostgreSQL ledgers: a new schema in one test database for each.
struct Postgres {
    db: pg::TestDatabase,
    next: AtomicUsize,
}

impl Postgres {
    fn new() -> Option<Self> {
        if std::env::var(pg::URL_VAR).is_err() && std::env::var("CI").is_err() {
            eprintln!(
                "\n*** PostgreSQL cases LEFT OUT: {} is not set. Start a server with\n    \
                 bash .ci/postgres.sh start && eval \"$(bash .ci/postgres.sh env)\"\n",
                pg::URL_VAR
            );
            return None;
        }
        Some(Self {
            db: pg::TestDatabase::create(),
            next: AtomicUsize::new(0),
        })
    }

    fn schema(&self) -> PostgresOptions {
        let n = self.next.fetch_add(1, Ordering::Relaxed);
        PostgresOptions::default().schema(format!("bench_{n}"))
    }

    /// A new, empty ledger with a pool of `connections`.
    fn fresh(&self, connections: u32) -> (PostgresOptions, PostgresLedger) {
        let options = self.schema().pool_size(connections);
        let ledger = PostgresLedger::connect_with(self.db.url(), &options).expect("connects");
        (options, ledger)
    }

    /// Another handle (its own pool) on the ledger of `options`.
    fn open(&self, options: &PostgresOptions) -> PostgresLedger {
        PostgresLedger::connect_with(self.db.url(), options).expect("connects")
    }
}

/// `notices` split between 4 threads, each applying its quarter through its own
/// ledger from `open`, `chunk` per transaction (1: `apply` alone).
fn four_writers<L: Ledger + Send>(
    notices: &[SubscriptionChanged],
    chunk: usize,
    open: impl Fn() -> L + Sync,
) {
    let quarter = notices.len().div_ceil(4);
    std::thread::scope(|scope| {
        for part in notices.chunks(quarter) {
            let open = &open;
            scope.spawn(move || {
                let ledger = open();
                if chunk == 1 {
                    for n in part {
                        black_box(ledger.apply(n).expect("applies"));
                    }
                } else {
                    for c in part.chunks(chunk) {
                        black_box(ledger.apply_all(c).expect("applies"));
                    }
                }
            });
        }
    });
}

fn bench(c: &mut Criterion) {
    let many = notices(100_000, 50_000);
    let postgres = Postgres::new();

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
    g.bench_function("sqlite_4_writers_batched_1000", |b| {
        b.iter_batched(
            fresh_sqlite,
            |(dir, ledger)| {
                let path = dir.path().join("subs.db");
                four_writers(&many, 1000, || SqliteLedger::open(&path).expect("opens"));
                (dir, ledger)
            },
            BatchSize::PerIteration,
        )
    });
    if let Some(pg) = &postgres {
        g.bench_function("postgres_batched_10000", |b| {
            b.iter_batched(
                || pg.fresh(1),
                |(options, ledger)| {
                    for chunk in many.chunks(10_000) {
                        black_box(ledger.apply_all(chunk).expect("applies"));
                    }
                    (options, ledger)
                },
                BatchSize::PerIteration,
            )
        });
        g.bench_function("postgres_4_writers_batched_1000", |b| {
            b.iter_batched(
                || pg.fresh(1),
                |(options, ledger)| {
                    four_writers(&many, 1000, || pg.open(&options));
                    (options, ledger)
                },
                BatchSize::PerIteration,
            )
        });
    }
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
    g.bench_function("sqlite_4_writers_one_transaction_each", |b| {
        b.iter_batched(
            fresh_sqlite,
            |(dir, ledger)| {
                let path = dir.path().join("subs.db");
                four_writers(few, 1, || SqliteLedger::open(&path).expect("opens"));
                (dir, ledger)
            },
            BatchSize::PerIteration,
        )
    });
    if let Some(pg) = &postgres {
        g.bench_function("postgres_one_transaction_each", |b| {
            b.iter_batched(
                || pg.fresh(1),
                |(options, ledger)| {
                    for n in few {
                        black_box(ledger.apply(n).expect("applies"));
                    }
                    (options, ledger)
                },
                BatchSize::PerIteration,
            )
        });
        g.bench_function("postgres_4_writers_one_transaction_each", |b| {
            b.iter_batched(
                || pg.fresh(1),
                |(options, ledger)| {
                    four_writers(few, 1, || pg.open(&options));
                    (options, ledger)
                },
                BatchSize::PerIteration,
            )
        });
    }
    g.finish();

    // 100,000 users, one notice each; about half subscribe to EVENTS[0].
    let (_dir, ledger) = fresh_sqlite();
    let users = notices(100_000, 100_000);
    for chunk in users.chunks(10_000) {
        ledger.apply_all(chunk).expect("applies");
    }
    let pg_ledger = postgres.as_ref().map(|pg| {
        let (_, l) = pg.fresh(1);
        for chunk in users.chunks(10_000) {
            l.apply_all(chunk).expect("applies");
        }
        // Fresh statistics, as autovacuum would gather on a live server.
        pg.db.client().batch_execute("ANALYZE").expect("analyzes");
        l
    });
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
    if let Some(l) = &pg_ledger {
        assert_eq!(
            l.audience(SKILL, EVENTS[0]).expect("reads").len(),
            audience,
            "the stores agree"
        );
        g.throughput(Throughput::Elements(audience as u64));
        g.bench_function("postgres_whole_audience", |b| {
            b.iter(|| black_box(l.audience(SKILL, EVENTS[0]).expect("reads")))
        });
        g.throughput(Throughput::Elements(1000));
        g.bench_function("postgres_first_page_1000", |b| {
            b.iter(|| black_box(l.subscribers(SKILL, EVENTS[0], None, 1000).expect("reads")))
        });
    }
    g.finish();

    // The emulator's Multicast reach: one aggregate query, against reading the whole
    // audience (what it did before); and 25 events at once, as the emulator's default
    // rate limit allows per second, awaited together: the time is the slowest answer.
    let mut g = c.benchmark_group("multicast_reach_in_100k_users");
    g.sample_size(20);
    let count = |l: &dyn Ledger| {
        l.count_subscribers(Some(SKILL), EVENTS[0], None)
            .expect("counts")
    };
    assert_eq!(
        count(&ledger),
        audience as u64,
        "the count agrees with the audience"
    );
    g.bench_function("sqlite_read_whole_audience", |b| {
        b.iter(|| black_box(ledger.audience(SKILL, EVENTS[0]).expect("reads").len()))
    });
    g.bench_function("sqlite_count_one_query", |b| {
        b.iter(|| black_box(count(&ledger)))
    });
    let runtime = tokio::runtime::Runtime::new().expect("runtime");
    let sqlite: Arc<dyn AsyncLedger> = Arc::new(ledger);
    let stores: Vec<(&str, Arc<dyn AsyncLedger>)> = match pg_ledger {
        Some(l) => {
            assert_eq!(count(&l), audience as u64, "the stores agree");
            g.bench_function("postgres_count_one_query", |b| {
                b.iter(|| black_box(count(&l)))
            });
            vec![("sqlite", sqlite), ("postgres", Arc::new(l))]
        }
        None => vec![("sqlite", sqlite)],
    };
    for (name, store) in stores {
        g.bench_function(format!("{name}_25_counts_at_once"), |b| {
            b.iter(|| {
                runtime.block_on(futures_util::future::join_all((0..25).map(|_| {
                    store.clone().count_subscribers_async(
                        Some(SKILL.to_owned()),
                        EVENTS[0].to_owned(),
                        None,
                    )
                })))
            })
        });
    }
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
