//! The ledger's rules as properties: any shuffled history of notices, applied in chunks
//! of any size, gives the changes and the end state of the simplest model (the
//! memory store, one by one). The behavioural suite run against every store is
//! `subscriptions_suite`.

use crate::subscriptions_support as support;

use alexa_proactive_events::subscriptions::{
    Change, Ledger, MemoryLedger, PostgresLedger, PostgresOptions, Subscriber, SubscriptionChanged,
};
use proptest::prelude::*;
use std::collections::BTreeMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use support::pg::TestDatabase;
use support::*;

const W: &str = "AMAZON.WeatherAlert.Activated";
const M: &str = "AMAZON.MessageAlert.Activated";
const X: &str = "AMAZON.Unknown.Future";

/// One user's notices, generated: timestamp seconds (few values, so ties happen), event
/// set, endpoint. Request ids are unique but their order is random.
fn arb_notices() -> impl Strategy<Value = Vec<(usize, i64, String, Vec<&'static str>, usize)>> {
    let pool = prop::sample::subsequence(vec![W, M, X, "AMAZON.Occasion.Updated"], 0..=4);
    prop::collection::vec((0usize..30, 0i64..12, "[a-f]{2}", pool, 0usize..4), 1..160)
}

fn run_random(
    l: &dyn Ledger,
    raw: &[(usize, i64, String, Vec<&'static str>, usize)],
    chunks: &[usize],
) -> Result<(), TestCaseError> {
    let endpoints = [NA, EU, FE, "https://api.example.invalid"];
    let notices: Vec<SubscriptionChanged> = raw
        .iter()
        .enumerate()
        .map(|(i, (user, ts, id, events, ep))| {
            let skill = if user % 7 == 0 { "skill.b" } else { SKILL };
            notice(
                skill,
                &format!("user{user}"),
                endpoints[*ep],
                &format!("{id}{i:04}"),
                *ts,
                events,
            )
        })
        .collect();
    // The model: replay in the same order against the simplest possible ledger.
    let model = MemoryLedger::new();
    let expected_changes: Vec<Change> = notices
        .iter()
        .map(|n| model.apply(n).expect("applies"))
        .collect();
    // Applied in chunks of random sizes: size 1 through apply, larger through apply_all.
    let mut changes = Vec::new();
    let mut rest = &notices[..];
    let mut sizes = chunks.iter().cycle();
    while !rest.is_empty() {
        let n = (*sizes.next().unwrap_or(&1)).clamp(1, rest.len());
        let (chunk, tail) = rest.split_at(n);
        if n == 1 {
            changes.push(l.apply(&chunk[0]).expect("applies"));
        } else {
            changes.extend(l.apply_all(chunk).expect("applies"));
        }
        rest = tail;
    }
    prop_assert_eq!(&changes, &expected_changes);

    // The newest notice per (skill, user), by (timestamp, request id).
    let mut newest: BTreeMap<(String, String), &SubscriptionChanged> = BTreeMap::new();
    for n in &notices {
        let key = (n.skill_id.clone(), n.user_id.clone());
        if newest
            .get(&key)
            .is_none_or(|old| old.version() < n.version())
        {
            newest.insert(key, n);
        }
    }
    let stored = all_users(l, 7);
    prop_assert_eq!(stored.len(), newest.len());
    for r in &stored {
        let n = newest[&(r.skill_id.clone(), r.user_id.clone())];
        prop_assert_eq!(&r.events, &n.events);
        prop_assert_eq!(r.region, n.region);
        prop_assert_eq!(&r.api_endpoint, &n.api_endpoint);
        prop_assert_eq!(&r.version, &n.version());
        let one = l.user(&r.skill_id, &r.user_id).expect("reads");
        prop_assert_eq!(one.as_ref(), Some(r));
    }
    for skill in [SKILL, "skill.b"] {
        for event in [W, M, X, "AMAZON.Occasion.Updated", "none"] {
            let expected: Vec<Subscriber> = newest
                .iter()
                .filter(|((s, _), n)| s == skill && n.events.contains(event))
                .map(|(_, n)| Subscriber {
                    user_id: n.user_id.clone(),
                    api_endpoint: n.api_endpoint.clone(),
                    region: n.region,
                })
                .collect();
            prop_assert_eq!(&all_subscribers(l, skill, event, 4), &expected);
            prop_assert_eq!(&l.audience(skill, event).expect("reads"), &expected);
        }
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]

    #[test]
    fn newest_notice_per_user_wins_in_any_order_memory(
        raw in arb_notices().prop_shuffle(),
        chunks in prop::collection::vec(1usize..40, 1..8),
    ) {
        run_random(&MemoryLedger::new(), &raw, &chunks)?;
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(24))]

    #[test]
    fn newest_notice_per_user_wins_in_any_order_sqlite(
        raw in arb_notices().prop_shuffle(),
        chunks in prop::collection::vec(1usize..40, 1..8),
    ) {
        let dir = tempfile::tempdir().expect("temp dir");
        let l = alexa_proactive_events::subscriptions::SqliteLedger::open(dir.path().join("s.db"))
            .expect("opens");
        run_random(&l, &raw, &chunks)?;
    }
}

/// PostgreSQL: one test database, a schema of its own for each case.
#[test]
#[cfg_attr(skip_postgres_tests, ignore = "ALEXA_PE_TEST_POSTGRES=skip")]
fn newest_notice_per_user_wins_in_any_order_postgres() {
    let db = TestDatabase::create();
    let case = AtomicUsize::new(0);
    let mut runner = proptest::test_runner::TestRunner::new(ProptestConfig::with_cases(16));
    let strategy = (
        arb_notices().prop_shuffle(),
        prop::collection::vec(1usize..40, 1..8),
    );
    runner
        .run(&strategy, |(raw, chunks)| {
            let schema = format!("case_{}", case.fetch_add(1, Ordering::Relaxed));
            let options = PostgresOptions::default().schema(schema);
            let l = PostgresLedger::connect_with(db.url(), &options).expect("connects");
            run_random(&l, &raw, &chunks)
        })
        .unwrap_or_else(|e| panic!("{e}"));
}
