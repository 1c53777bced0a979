//! One behavioural suite of the subscription ledger, written once and run against
//! every store: memory, SQLite and PostgreSQL (`<store>::<test>`). The newest
//! notice wins whatever the arrival order, stale and duplicate notices change nothing,
//! paging sees every subscriber once, state survives a restart, concurrent writers
//! (threads and processes) end in the newest notice per user, and a writer killed in
//! the middle of a batch leaves nothing of it.
//!
//! PostgreSQL tests use `ALEXA_PE_TEST_POSTGRES_URL`, else a server of their own (see
//! `subscriptions_support::pg`).

use crate::subscriptions_support as support;

use alexa_proactive_events::subscriptions::{
    ApplyOutcome, Change, Cursor, Ledger, MemoryLedger, Page, PostgresLedger, Region, SqliteLedger,
    StoreError, Subscriber, SubscriptionChanged, UserRecord,
};
use rand::SeedableRng;
use rand::rngs::StdRng;
use rand::seq::SliceRandom;
use std::collections::{BTreeMap, BTreeSet};
use std::process::Command;
use std::sync::Arc;
use std::time::{Duration, Instant};
use support::pg::TestDatabase;
use support::*;

const W: &str = "AMAZON.WeatherAlert.Activated";
const M: &str = "AMAZON.MessageAlert.Activated";
const X: &str = "AMAZON.Unknown.Future";

/// Set in a child process started by a test of this file: the store to open.
const CHILD_DB: &str = "SUBSCRIPTIONS_SUITE_CHILD_DB";
/// Which share of the notices a writer child applies ("K/N").
const CHILD_SHARE: &str = "SUBSCRIPTIONS_SUITE_CHILD_SHARE";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Memory,
    Sqlite,
    Postgres,
}

impl Kind {
    fn module(self) -> &'static str {
        match self {
            Kind::Memory => "memory",
            Kind::Sqlite => "sqlite",
            Kind::Postgres => "postgres",
        }
    }
}

/// A fresh, empty store of one kind, removed when dropped.
struct Store {
    kind: Kind,
    memory: Arc<MemoryLedger>,
    dir: Option<tempfile::TempDir>,
    pg: Option<TestDatabase>,
}

impl Store {
    fn new(kind: Kind) -> Self {
        let mut store = Self {
            kind,
            memory: Arc::new(MemoryLedger::new()),
            dir: None,
            pg: None,
        };
        match kind {
            Kind::Memory => {}
            Kind::Sqlite => store.dir = Some(tempfile::tempdir().expect("temp dir")),
            Kind::Postgres => store.pg = Some(TestDatabase::create()),
        }
        store
    }

    /// What a child process opens: a path or a URL (`None` for memory).
    fn spec(&self) -> Option<String> {
        match self.kind {
            Kind::Memory => None,
            Kind::Sqlite => Some(
                self.dir
                    .as_ref()
                    .expect("a directory")
                    .path()
                    .join("subs.db")
                    .to_str()
                    .expect("utf-8 path")
                    .to_owned(),
            ),
            Kind::Postgres => Some(self.pg.as_ref().expect("a database").url().to_owned()),
        }
    }

    /// A new handle to the store (a new connection, or the same memory).
    fn open(&self) -> Box<dyn Ledger + Send + Sync> {
        match self.spec() {
            None => Box::new(Shared(Arc::clone(&self.memory))),
            Some(spec) => open_spec(self.kind, &spec),
        }
    }
}

fn open_spec(kind: Kind, spec: &str) -> Box<dyn Ledger + Send + Sync> {
    match kind {
        Kind::Sqlite => Box::new(SqliteLedger::open(spec).expect("opens")),
        Kind::Postgres => Box::new(PostgresLedger::connect(spec).expect("connects")),
        Kind::Memory => panic!("a memory ledger cannot be opened by name"),
    }
}

/// A memory ledger behind an `Arc`, so that "reopening" gives the same one.
struct Shared(Arc<MemoryLedger>);

impl Ledger for Shared {
    fn apply(&self, n: &SubscriptionChanged) -> Result<Change, StoreError> {
        self.0.apply(n)
    }
    fn apply_all(&self, n: &[SubscriptionChanged]) -> Result<Vec<Change>, StoreError> {
        self.0.apply_all(n)
    }
    fn user(&self, s: &str, u: &str) -> Result<Option<UserRecord>, StoreError> {
        self.0.user(s, u)
    }
    fn subscribers(
        &self,
        s: &str,
        e: &str,
        a: Option<&Cursor>,
        l: usize,
    ) -> Result<Page<Subscriber>, StoreError> {
        self.0.subscribers(s, e, a, l)
    }
    fn users(&self, a: Option<&Cursor>, l: usize) -> Result<Page<UserRecord>, StoreError> {
        self.0.users(a, l)
    }
    fn audience(&self, s: &str, e: &str) -> Result<Vec<Subscriber>, StoreError> {
        self.0.audience(s, e)
    }
}

/// Every test of the suite, for each store.
macro_rules! suite {
    ($($test:ident),* $(,)?) => {
        mod memory {
            $( #[test] fn $test() { super::$test(super::Kind::Memory) } )*
        }
        mod sqlite {
            $( #[test] fn $test() { super::$test(super::Kind::Sqlite) } )*
        }
        mod postgres {
            $(
                #[test]
                #[cfg_attr(skip_postgres_tests, ignore = "ALEXA_PE_TEST_POSTGRES=skip")]
                fn $test() { super::$test(super::Kind::Postgres) }
            )*
        }
    };
}

suite!(
    first_notice_subscribes_and_later_ones_report_the_difference,
    an_older_notice_is_stale_and_changes_nothing,
    a_full_unsubscribe_is_remembered_so_an_older_subscribe_cannot_revive_it,
    equal_timestamps_are_decided_by_request_id_in_either_order,
    the_same_notice_twice_is_a_duplicate,
    skills_are_separate_ledgers,
    apply_all_gives_the_same_changes_as_one_by_one,
    audience_lists_each_subscriber_once_with_region,
    shuffled_out_of_order_notices_end_in_the_newest_per_user,
    state_survives_a_restart,
    four_processes_of_four_threads_end_in_the_newest_notice_per_user,
    a_writer_killed_in_the_middle_of_a_batch_leaves_nothing_of_it,
);

fn set(events: &[&str]) -> BTreeSet<String> {
    events.iter().map(|e| e.to_string()).collect()
}

fn first_notice_subscribes_and_later_ones_report_the_difference(kind: Kind) {
    let store = Store::new(kind);
    let l = store.open();
    let c = l
        .apply(&notice(SKILL, "u1", EU, "r1", 10, &[W, M]))
        .expect("applies");
    assert_eq!(c.outcome, ApplyOutcome::Applied);
    assert_eq!(c.subscribed, [M, W]);
    assert!(c.unsubscribed.is_empty());

    let c = l
        .apply(&notice(SKILL, "u1", EU, "r2", 20, &[W, X]))
        .expect("applies");
    assert_eq!(c.outcome, ApplyOutcome::Applied);
    assert_eq!(c.subscribed, [X]);
    assert_eq!(c.unsubscribed, [M]);

    let r = l.user(SKILL, "u1").expect("reads").expect("stored");
    assert_eq!(r.events, set(&[W, X]));
    assert_eq!(r.region, Some(Region::Europe));
    assert_eq!(r.version.request_id, "r2");
    assert_eq!(l.user(SKILL, "nobody").expect("reads"), None);
    assert_eq!(l.user("other.skill", "u1").expect("reads"), None);
    assert!(all_subscribers(l.as_ref(), SKILL, M, 10).is_empty());
    assert_eq!(all_subscribers(l.as_ref(), SKILL, X, 10).len(), 1);
}

fn an_older_notice_is_stale_and_changes_nothing(kind: Kind) {
    let store = Store::new(kind);
    let l = store.open();
    l.apply(&notice(SKILL, "u1", NA, "r2", 20, &[W]))
        .expect("applies");
    let c = l
        .apply(&notice(SKILL, "u1", FE, "r1", 10, &[M]))
        .expect("applies");
    assert!(c.is_stale());
    let ApplyOutcome::Stale { current } = &c.outcome else {
        panic!("not stale: {c:?}")
    };
    assert_eq!(current.request_id, "r2");
    assert!(c.subscribed.is_empty() && c.unsubscribed.is_empty());
    let r = l.user(SKILL, "u1").expect("reads").expect("stored");
    assert_eq!(r.events, set(&[W]));
    assert_eq!(r.region, Some(Region::NorthAmerica));
    assert!(all_subscribers(l.as_ref(), SKILL, M, 10).is_empty());
}

fn a_full_unsubscribe_is_remembered_so_an_older_subscribe_cannot_revive_it(kind: Kind) {
    let store = Store::new(kind);
    let l = store.open();
    l.apply(&notice(SKILL, "u1", NA, "r2", 20, &[W]))
        .expect("applies");
    let c = l
        .apply(&notice(SKILL, "u1", NA, "r3", 30, &[]))
        .expect("applies");
    assert_eq!(c.unsubscribed, [W]);
    let c = l
        .apply(&notice(SKILL, "u1", NA, "r1", 10, &[W]))
        .expect("applies");
    assert!(c.is_stale());
    assert!(all_subscribers(l.as_ref(), SKILL, W, 10).is_empty());
    let r = l.user(SKILL, "u1").expect("reads").expect("kept");
    assert!(r.events.is_empty());
    assert_eq!(r.version.request_id, "r3");
}

fn equal_timestamps_are_decided_by_request_id_in_either_order(kind: Kind) {
    let store = Store::new(kind);
    let l = store.open();
    // u1 receives b then a, u2 receives a then b: both end on `b`.
    l.apply(&notice(SKILL, "u1", NA, "b", 5, &[W]))
        .expect("applies");
    let c = l
        .apply(&notice(SKILL, "u1", NA, "a", 5, &[M]))
        .expect("applies");
    assert!(c.is_stale());
    l.apply(&notice(SKILL, "u2", NA, "a", 5, &[M]))
        .expect("applies");
    let c = l
        .apply(&notice(SKILL, "u2", NA, "b", 5, &[W]))
        .expect("applies");
    assert_eq!(c.outcome, ApplyOutcome::Applied);
    // Byte order, not a locale's: "B" (0x42) sorts before "a" (0x61).
    l.apply(&notice(SKILL, "u3", NA, "a", 5, &[M]))
        .expect("applies");
    assert!(
        l.apply(&notice(SKILL, "u3", NA, "B", 5, &[W]))
            .expect("applies")
            .is_stale()
    );
    for u in ["u1", "u2"] {
        let r = l.user(SKILL, u).expect("reads").expect("stored");
        assert_eq!(r.events, set(&[W]), "{u}");
    }
    assert_eq!(
        l.user(SKILL, "u3").expect("reads").expect("stored").events,
        set(&[M])
    );
}

fn the_same_notice_twice_is_a_duplicate(kind: Kind) {
    let store = Store::new(kind);
    let l = store.open();
    let n = notice(SKILL, "u1", NA, "r1", 5, &[W]);
    l.apply(&n).expect("applies");
    let c = l.apply(&n).expect("applies");
    assert_eq!(c.outcome, ApplyOutcome::Duplicate);
    assert!(c.subscribed.is_empty());
    // In one batch too.
    let changes = l
        .apply_all(&[n.clone(), notice(SKILL, "u2", NA, "r1", 5, &[W]), n])
        .expect("applies");
    assert_eq!(changes[0].outcome, ApplyOutcome::Duplicate);
    assert_eq!(changes[1].outcome, ApplyOutcome::Applied);
    assert_eq!(changes[2].outcome, ApplyOutcome::Duplicate);
    assert_eq!(all_subscribers(l.as_ref(), SKILL, W, 10).len(), 2);
    // The same version twice in one batch: the first is applied, the second is a
    // duplicate even if its events differ.
    let changes = l
        .apply_all(&[
            notice(SKILL, "u3", NA, "r9", 9, &[W]),
            notice(SKILL, "u3", NA, "r9", 9, &[M]),
        ])
        .expect("applies");
    assert_eq!(changes[0].outcome, ApplyOutcome::Applied);
    assert_eq!(changes[1].outcome, ApplyOutcome::Duplicate);
    assert_eq!(
        l.user(SKILL, "u3").expect("reads").expect("stored").events,
        set(&[W])
    );
}

fn skills_are_separate_ledgers(kind: Kind) {
    let store = Store::new(kind);
    let l = store.open();
    l.apply(&notice("skill.a", "u1", NA, "r1", 5, &[W]))
        .expect("applies");
    l.apply(&notice("skill.b", "u1", EU, "r1", 1, &[M]))
        .expect("applies");
    assert_eq!(all_subscribers(l.as_ref(), "skill.a", W, 5).len(), 1);
    assert!(all_subscribers(l.as_ref(), "skill.b", W, 5).is_empty());
    let users = all_users(l.as_ref(), 1);
    let keys: Vec<_> = users
        .iter()
        .map(|r| (r.skill_id.as_str(), r.user_id.as_str()))
        .collect();
    assert_eq!(keys, [("skill.a", "u1"), ("skill.b", "u1")]);
}

fn apply_all_gives_the_same_changes_as_one_by_one(kind: Kind) {
    let store = Store::new(kind);
    let l = store.open();
    let batch = vec![
        notice(SKILL, "u1", NA, "r1", 1, &[W]),
        notice(SKILL, "u1", NA, "r3", 3, &[M]),
        notice(SKILL, "u1", NA, "r2", 2, &[X]),
        notice(SKILL, "u2", EU, "r1", 1, &[W, M]),
        notice(SKILL, "u1", NA, "r3", 3, &[M]),
    ];
    let batched = l.apply_all(&batch).expect("applies");
    let single = MemoryLedger::new();
    let one_by_one: Vec<Change> = batch
        .iter()
        .map(|n| single.apply(n).expect("applies"))
        .collect();
    assert_eq!(batched, one_by_one);
    let outcomes: Vec<_> = batched.iter().map(|c| c.is_stale()).collect();
    assert_eq!(outcomes, [false, false, true, false, false]);
    assert_eq!(batched[4].outcome, ApplyOutcome::Duplicate);
    // Against stored state: a batch partly older, partly newer than it.
    let batch = vec![
        notice(SKILL, "u1", NA, "r2", 2, &[W]),
        notice(SKILL, "u1", NA, "r4", 4, &[W, X]),
        notice(SKILL, "u2", EU, "r0", 0, &[]),
    ];
    let batched = l.apply_all(&batch).expect("applies");
    let one_by_one: Vec<Change> = batch
        .iter()
        .map(|n| single.apply(n).expect("applies"))
        .collect();
    assert_eq!(batched, one_by_one);
    assert_eq!(batched[1].subscribed, [X, W]);
    assert_eq!(batched[1].unsubscribed, [M]);
    assert!(l.apply_all(&[]).expect("applies").is_empty());
}

fn audience_lists_each_subscriber_once_with_region(kind: Kind) {
    let store = Store::new(kind);
    let l = store.open();
    let endpoints = [NA, EU, FE, "https://api.example.invalid"];
    for i in 0..25 {
        let events: &[&str] = if i % 3 == 0 { &[W] } else { &[M] };
        l.apply(&notice(
            SKILL,
            &format!("u{i:02}"),
            endpoints[i % 4],
            "r",
            1,
            events,
        ))
        .expect("applies");
    }
    let audience = l.audience(SKILL, W).expect("reads");
    let users: Vec<_> = audience.iter().map(|s| s.user_id.as_str()).collect();
    assert_eq!(
        users,
        [
            "u00", "u03", "u06", "u09", "u12", "u15", "u18", "u21", "u24"
        ]
    );
    assert_eq!(audience[0].region, Some(Region::NorthAmerica));
    assert_eq!(audience[1].region, None);
    assert_eq!(audience[1].api_endpoint, "https://api.example.invalid");
    assert_eq!(audience[2].region, Some(Region::FarEast));
    // Paging by any size yields the same list.
    for page in [1, 2, 4, 9, 10, 100] {
        assert_eq!(
            all_subscribers(l.as_ref(), SKILL, W, page),
            audience,
            "{page}"
        );
    }
    // A page of the exact size is the last: no empty page after it.
    let p = l.subscribers(SKILL, W, None, 9).expect("reads");
    assert_eq!((p.items.len(), p.next), (9, None));
    // A limit of 0 is treated as 1 rather than looping forever.
    assert_eq!(
        l.subscribers(SKILL, W, None, 0).expect("reads").items.len(),
        1
    );
    assert!(
        l.audience(SKILL, "AMAZON.Nobody")
            .expect("reads")
            .is_empty()
    );
    assert!(l.audience("no.such.skill", W).expect("reads").is_empty());
}

/// `users` users, `per_user` notices each, timestamps from few values (so ties
/// happen), unique request ids, events from a small pool, shuffled by `seed`.
fn shuffled_stream(users: usize, per_user: usize, seed: u64) -> Vec<SubscriptionChanged> {
    let mut rng = StdRng::seed_from_u64(seed);
    let pool = [W, M, X, "AMAZON.Occasion.Updated"];
    let endpoints = [NA, EU, FE, "https://api.example.invalid"];
    let mut notices: Vec<SubscriptionChanged> = (0..users * per_user)
        .map(|i| {
            let user = i % users;
            let skill = if user.is_multiple_of(7) {
                "skill.b"
            } else {
                SKILL
            };
            let ts = rand::Rng::random_range(&mut rng, 0..12);
            let events: Vec<&str> = pool
                .iter()
                .copied()
                .filter(|_| rand::Rng::random_bool(&mut rng, 0.5))
                .collect();
            let id = format!("{:02x}{i:05}", rand::Rng::random_range(&mut rng, 0..256u32));
            let ep = endpoints[rand::Rng::random_range(&mut rng, 0..4)];
            notice(skill, &format!("user{user:04}"), ep, &id, ts, &events)
        })
        .collect();
    notices.shuffle(&mut rng);
    notices
}

/// The newest notice per (skill, user), by (timestamp, request id).
fn newest(notices: &[SubscriptionChanged]) -> BTreeMap<(String, String), &SubscriptionChanged> {
    let mut newest: BTreeMap<(String, String), &SubscriptionChanged> = BTreeMap::new();
    for n in notices {
        let key = (n.skill_id.clone(), n.user_id.clone());
        if newest
            .get(&key)
            .is_none_or(|old| old.version() < n.version())
        {
            newest.insert(key, n);
        }
    }
    newest
}

/// The store holds exactly the newest notice of each user: no user lost or added,
/// and each event's audience is exactly its subscribers, each once.
fn assert_newest_per_user(l: &dyn Ledger, notices: &[SubscriptionChanged]) {
    let newest = newest(notices);
    let stored = all_users(l, 97);
    assert_eq!(stored.len(), newest.len(), "users stored");
    for r in &stored {
        let n = newest
            .get(&(r.skill_id.clone(), r.user_id.clone()))
            .unwrap_or_else(|| panic!("an unknown user {r:?}"));
        assert_eq!(r.events, n.events, "{}", r.user_id);
        assert_eq!(r.version, n.version(), "{}", r.user_id);
        assert_eq!(r.region, n.region, "{}", r.user_id);
        assert_eq!(r.api_endpoint, n.api_endpoint, "{}", r.user_id);
    }
    for skill in [SKILL, "skill.b"] {
        for event in [W, M, X, "AMAZON.Occasion.Updated"] {
            let expected: Vec<Subscriber> = newest
                .iter()
                .filter(|((s, _), n)| s == skill && n.events.contains(event))
                .map(|(_, n)| Subscriber {
                    user_id: n.user_id.clone(),
                    api_endpoint: n.api_endpoint.clone(),
                    region: n.region,
                })
                .collect();
            assert_eq!(
                l.audience(skill, event).expect("reads"),
                expected,
                "{event}"
            );
            assert_eq!(all_subscribers(l, skill, event, 33), expected, "{event}");
        }
    }
}

fn shuffled_out_of_order_notices_end_in_the_newest_per_user(kind: Kind) {
    let store = Store::new(kind);
    let l = store.open();
    let notices = shuffled_stream(60, 25, 7);
    // The model: the same notices, one by one, in the same order.
    let model = MemoryLedger::new();
    let expected: Vec<Change> = notices
        .iter()
        .map(|n| model.apply(n).expect("applies"))
        .collect();
    // Applied in chunks of changing sizes: 1 through apply, larger through apply_all.
    let mut changes = Vec::new();
    let mut rest = &notices[..];
    for size in [1, 7, 1, 40, 3, 120, 1, 2, 250].iter().cycle() {
        if rest.is_empty() {
            break;
        }
        let (chunk, tail) = rest.split_at((*size).min(rest.len()));
        if chunk.len() == 1 {
            changes.push(l.apply(&chunk[0]).expect("applies"));
        } else {
            changes.extend(l.apply_all(chunk).expect("applies"));
        }
        rest = tail;
    }
    assert_eq!(changes.len(), expected.len());
    for (i, (got, want)) in changes.iter().zip(&expected).enumerate() {
        assert_eq!(got, want, "notice {i}");
    }
    assert_newest_per_user(l.as_ref(), &notices);
}

fn state_survives_a_restart(kind: Kind) {
    let store = Store::new(kind);
    {
        let l = store.open();
        l.apply(&notice(SKILL, "u1", EU, "r2", 20, &[W, M]))
            .expect("applies");
        l.apply(&notice(SKILL, "u2", FE, "r1", 10, &[]))
            .expect("applies");
    }
    // A new handle: a new connection (or, for memory, the same map).
    let l = store.open();
    let r = l.user(SKILL, "u1").expect("reads").expect("stored");
    assert_eq!(r.events, set(&[W, M]));
    assert_eq!(r.region, Some(Region::Europe));
    assert_eq!(r.version, notice(SKILL, "u1", EU, "r2", 20, &[]).version());
    assert_eq!(
        l.user(SKILL, "u2").expect("reads").expect("stored").events,
        set(&[])
    );
    // The stored version still decides after the restart.
    assert!(
        l.apply(&notice(SKILL, "u1", EU, "r1", 15, &[]))
            .expect("applies")
            .is_stale()
    );
    assert_eq!(
        l.apply(&notice(SKILL, "u2", FE, "r1", 10, &[]))
            .expect("applies")
            .outcome,
        ApplyOutcome::Duplicate
    );
    assert_eq!(l.audience(SKILL, W).expect("reads").len(), 1);
}

/// Runs the test `kind::name` of this binary again in a child process with `env`.
fn run_child(kind: Kind, name: &str, env: &[(&str, &str)]) -> std::process::Child {
    let exe = std::env::current_exe().expect("test binary path");
    let name = format!("subscriptions_suite::{}::{name}", kind.module());
    let mut cmd = Command::new(exe);
    cmd.args([name.as_str(), "--exact", "--nocapture", "--test-threads=1"]);
    for (k, v) in env {
        cmd.env(k, v);
    }
    cmd.spawn().expect("child starts")
}

const PROCESSES: usize = 4;
const THREADS: usize = 4;

/// One process's share: `THREADS` threads, each with its own handle, applying its
/// part of the share in batches (and some alone).
fn write_share(
    open: &(dyn Fn() -> Box<dyn Ledger + Send + Sync> + Sync),
    share: &[SubscriptionChanged],
) {
    std::thread::scope(|scope| {
        for t in 0..THREADS {
            scope.spawn(move || {
                let l = open();
                let mine: Vec<SubscriptionChanged> =
                    share.iter().skip(t).step_by(THREADS).cloned().collect();
                for (i, chunk) in mine.chunks(25).enumerate() {
                    if i % 5 == 4 {
                        for n in chunk {
                            l.apply(n).expect("applies");
                        }
                    } else {
                        l.apply_all(chunk).expect("applies");
                    }
                }
            });
        }
    });
}

/// One shuffled stream of 5,000 notices for 500 users, split between 4 processes of
/// 4 threads (16 threads of one process for memory, which no process shares).
fn four_processes_of_four_threads_end_in_the_newest_notice_per_user(kind: Kind) {
    const NAME: &str = "four_processes_of_four_threads_end_in_the_newest_notice_per_user";
    let notices = shuffled_stream(500, 10, 42);
    if let (Ok(db), Ok(share)) = (std::env::var(CHILD_DB), std::env::var(CHILD_SHARE)) {
        let (k, n) = share.split_once('/').expect("K/N");
        let (k, n): (usize, usize) = (k.parse().expect("K"), n.parse().expect("N"));
        let mine: Vec<SubscriptionChanged> = notices.iter().skip(k).step_by(n).cloned().collect();
        write_share(&|| open_spec(kind, &db), &mine);
        return;
    }
    let store = Store::new(kind);
    match store.spec() {
        None => {
            let all: Vec<SubscriptionChanged> = notices.clone();
            let open = || store.open();
            std::thread::scope(|scope| {
                for k in 0..PROCESSES {
                    let mine: Vec<SubscriptionChanged> =
                        all.iter().skip(k).step_by(PROCESSES).cloned().collect();
                    let open = &open;
                    scope.spawn(move || write_share(open, &mine));
                }
            });
        }
        Some(db) => {
            // Created (and migrated) once, before the writers race.
            drop(store.open());
            let children: Vec<_> = (0..PROCESSES)
                .map(|k| {
                    let share = format!("{k}/{PROCESSES}");
                    run_child(kind, NAME, &[(CHILD_DB, &db), (CHILD_SHARE, &share)])
                })
                .collect();
            for mut c in children {
                let status = c.wait().expect("child runs");
                assert!(status.success(), "a writer failed: {status}");
            }
        }
    }
    assert_newest_per_user(store.open().as_ref(), &notices);
}

/// A writer process is killed while its batch is half written: PostgreSQL rolls its
/// transaction back whole. The batch is made to stop half-way deterministically: the
/// test holds the row lock of the middle user, so the writer's upsert (in user
/// order) has written the first half when it waits. SQLite takes its write lock
/// before writing anything and the memory store has no process to kill: for them
/// the test checks that a batch that fails is not applied at all.
fn a_writer_killed_in_the_middle_of_a_batch_leaves_nothing_of_it(kind: Kind) {
    const NAME: &str = "a_writer_killed_in_the_middle_of_a_batch_leaves_nothing_of_it";
    let batch: Vec<SubscriptionChanged> = (0..200)
        .map(|u| notice(SKILL, &format!("user{u:03}"), NA, "new", 20, &[M]))
        .collect();
    if let Ok(db) = std::env::var(CHILD_DB) {
        let l = open_spec(kind, &db);
        eprintln!("child: applying");
        l.apply_all(&batch)
            .expect("not reached: the test kills this process");
        return;
    }
    let store = Store::new(kind);
    let old: Vec<SubscriptionChanged> = (0..200)
        .map(|u| notice(SKILL, &format!("user{u:03}"), EU, "old", 10, &[W]))
        .collect();
    store.open().apply_all(&old).expect("applies");
    if kind != Kind::Postgres {
        assert_newest_per_user(store.open().as_ref(), &old);
        return;
    }
    let pg = store.pg.as_ref().expect("a database");
    let db = pg.url().to_owned();
    // Hold the middle user's row.
    let mut holder = pg.client();
    let mut lock = holder.transaction().expect("begins");
    lock.execute(
        "SELECT 1 FROM alexa_proactive_events.users WHERE user_id = 'user100' FOR UPDATE",
        &[],
    )
    .expect("locks");
    let mut child = {
        let exe = std::env::current_exe().expect("test binary path");
        let name = format!("subscriptions_suite::{}::{NAME}", kind.module());
        Command::new(exe)
            .args([name.as_str(), "--exact", "--nocapture", "--test-threads=1"])
            .env(CHILD_DB, &db)
            .env("PGAPPNAME", "killed-writer")
            .spawn()
            .expect("child starts")
    };
    let mut watch = pg.client();
    let waiting = |watch: &mut ::postgres::Client| -> i64 {
        watch
            .query_one(
                "SELECT count(*) FROM pg_stat_activity
                 WHERE datname = current_database() AND application_name = 'killed-writer'
                   AND wait_event_type = 'Lock'
                   -- It has written: a transaction id is assigned at the first write.
                   AND backend_xid IS NOT NULL",
                &[],
            )
            .expect("reads")
            .get(0)
    };
    let deadline = Instant::now() + Duration::from_secs(60);
    while waiting(&mut watch) == 0 {
        if let Ok(Some(status)) = child.try_wait() {
            panic!("the writer ended before it waited for the lock: {status}");
        }
        assert!(
            Instant::now() < deadline,
            "the writer never waited for the lock"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    child.kill().expect("kills the writer");
    child.wait().expect("reaped");
    lock.rollback().expect("releases the lock");
    // The server notices the lost client when the statement ends, and rolls back.
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let left: i64 = watch
            .query_one(
                "SELECT count(*) FROM pg_stat_activity
                 WHERE datname = current_database() AND application_name = 'killed-writer'",
                &[],
            )
            .expect("reads")
            .get(0);
        if left == 0 {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "the killed writer's session stays"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    let l = store.open();
    assert_newest_per_user(l.as_ref(), &old);
    assert!(l.audience(SKILL, M).expect("reads").is_empty());
    // The ledger works on: the same batch from a live writer is applied whole.
    let changes = l.apply_all(&batch).expect("applies");
    assert!(changes.iter().all(|c| c.outcome == ApplyOutcome::Applied));
    assert_newest_per_user(l.as_ref(), &batch);
}
