//! The ledger's rules, run against every store: newest notice wins whatever the arrival
//! order, stale and duplicate notices change nothing, paging sees every subscriber once.

use crate::subscriptions_support as support;

use alexa_proactive_events::subscriptions::{
    ApplyOutcome, Change, Cursor, Ledger, MemoryLedger, Region, Subscriber, SubscriptionChanged,
    UserRecord,
};
use proptest::prelude::*;
use std::collections::{BTreeMap, BTreeSet};
use support::*;

/// A fresh ledger of each kind; the temporary directory lives as long as the ledger.
fn stores() -> Vec<(&'static str, Box<dyn Ledger>, Option<tempfile::TempDir>)> {
    let dir = tempfile::tempdir().expect("temp dir");
    let sqlite =
        alexa_proactive_events::subscriptions::SqliteLedger::open(dir.path().join("subs.db"))
            .expect("opens");
    vec![
        ("memory", Box::new(MemoryLedger::new()), None),
        ("sqlite", Box::new(sqlite), Some(dir)),
    ]
}

fn set(events: &[&str]) -> BTreeSet<String> {
    events.iter().map(|e| e.to_string()).collect()
}

fn all_subscribers(l: &dyn Ledger, skill: &str, event: &str, page: usize) -> Vec<Subscriber> {
    let mut all = Vec::new();
    let mut after: Option<Cursor> = None;
    loop {
        let p = l
            .subscribers(skill, event, after.as_ref(), page)
            .expect("reads");
        assert!(p.items.len() <= page.max(1));
        all.extend(p.items);
        match p.next {
            Some(c) => after = Some(c),
            None => return all,
        }
    }
}

fn all_users(l: &dyn Ledger, page: usize) -> Vec<UserRecord> {
    let mut all = Vec::new();
    let mut after: Option<Cursor> = None;
    loop {
        let p = l.users(after.as_ref(), page).expect("reads");
        all.extend(p.items);
        match p.next {
            Some(c) => after = Some(c),
            None => return all,
        }
    }
}

const W: &str = "AMAZON.WeatherAlert.Activated";
const M: &str = "AMAZON.MessageAlert.Activated";
const X: &str = "AMAZON.Unknown.Future";

#[test]
fn first_notice_subscribes_and_later_ones_report_the_difference() {
    for (name, l, _dir) in stores() {
        let c = l
            .apply(&notice(SKILL, "u1", EU, "r1", 10, &[W, M]))
            .expect("applies");
        assert_eq!(c.outcome, ApplyOutcome::Applied, "{name}");
        assert_eq!(c.subscribed, [M, W], "{name}");
        assert!(c.unsubscribed.is_empty(), "{name}");

        let c = l
            .apply(&notice(SKILL, "u1", EU, "r2", 20, &[W, X]))
            .expect("applies");
        assert_eq!(c.outcome, ApplyOutcome::Applied, "{name}");
        assert_eq!(c.subscribed, [X], "{name}");
        assert_eq!(c.unsubscribed, [M], "{name}");

        let r = l.user(SKILL, "u1").expect("reads").expect("stored");
        assert_eq!(r.events, set(&[W, X]), "{name}");
        assert_eq!(r.region, Some(Region::Europe), "{name}");
        assert_eq!(r.version.request_id, "r2", "{name}");
        assert_eq!(l.user(SKILL, "nobody").expect("reads"), None, "{name}");
        assert_eq!(l.user("other.skill", "u1").expect("reads"), None, "{name}");
    }
}

#[test]
fn an_older_notice_is_stale_and_changes_nothing() {
    for (name, l, _dir) in stores() {
        l.apply(&notice(SKILL, "u1", NA, "r2", 20, &[W]))
            .expect("applies");
        let c = l
            .apply(&notice(SKILL, "u1", FE, "r1", 10, &[M]))
            .expect("applies");
        assert!(c.is_stale(), "{name}");
        let ApplyOutcome::Stale { current } = &c.outcome else {
            panic!("{name}: not stale: {c:?}")
        };
        assert_eq!(current.request_id, "r2", "{name}");
        assert!(
            c.subscribed.is_empty() && c.unsubscribed.is_empty(),
            "{name}"
        );
        let r = l.user(SKILL, "u1").expect("reads").expect("stored");
        assert_eq!(r.events, set(&[W]), "{name}");
        assert_eq!(r.region, Some(Region::NorthAmerica), "{name}");
        assert!(
            all_subscribers(l.as_ref(), SKILL, M, 10).is_empty(),
            "{name}"
        );
    }
}

#[test]
fn a_full_unsubscribe_is_remembered_so_an_older_subscribe_cannot_revive_it() {
    for (name, l, _dir) in stores() {
        l.apply(&notice(SKILL, "u1", NA, "r3", 30, &[]))
            .expect("applies");
        let c = l
            .apply(&notice(SKILL, "u1", NA, "r1", 10, &[W]))
            .expect("applies");
        assert!(c.is_stale(), "{name}");
        assert!(
            all_subscribers(l.as_ref(), SKILL, W, 10).is_empty(),
            "{name}"
        );
        let r = l.user(SKILL, "u1").expect("reads").expect("kept");
        assert!(r.events.is_empty(), "{name}");
    }
}

#[test]
fn equal_timestamps_are_decided_by_request_id_in_either_order() {
    for (name, l, _dir) in stores() {
        // u1 receives b then a, u2 receives a then b: both end on `b`.
        l.apply(&notice(SKILL, "u1", NA, "b", 5, &[W]))
            .expect("applies");
        let c = l
            .apply(&notice(SKILL, "u1", NA, "a", 5, &[M]))
            .expect("applies");
        assert!(c.is_stale(), "{name}");
        l.apply(&notice(SKILL, "u2", NA, "a", 5, &[M]))
            .expect("applies");
        let c = l
            .apply(&notice(SKILL, "u2", NA, "b", 5, &[W]))
            .expect("applies");
        assert_eq!(c.outcome, ApplyOutcome::Applied, "{name}");
        for u in ["u1", "u2"] {
            let r = l.user(SKILL, u).expect("reads").expect("stored");
            assert_eq!(r.events, set(&[W]), "{name} {u}");
        }
    }
}

#[test]
fn the_same_notice_twice_is_a_duplicate() {
    for (name, l, _dir) in stores() {
        let n = notice(SKILL, "u1", NA, "r1", 5, &[W]);
        l.apply(&n).expect("applies");
        let c = l.apply(&n).expect("applies");
        assert_eq!(c.outcome, ApplyOutcome::Duplicate, "{name}");
        assert!(c.subscribed.is_empty(), "{name}");
    }
}

#[test]
fn skills_are_separate_ledgers() {
    for (name, l, _dir) in stores() {
        l.apply(&notice("skill.a", "u1", NA, "r1", 5, &[W]))
            .expect("applies");
        l.apply(&notice("skill.b", "u1", EU, "r1", 1, &[M]))
            .expect("applies");
        assert_eq!(
            all_subscribers(l.as_ref(), "skill.a", W, 5).len(),
            1,
            "{name}"
        );
        assert!(
            all_subscribers(l.as_ref(), "skill.b", W, 5).is_empty(),
            "{name}"
        );
        let users = all_users(l.as_ref(), 1);
        let keys: Vec<_> = users
            .iter()
            .map(|r| (r.skill_id.as_str(), r.user_id.as_str()))
            .collect();
        assert_eq!(keys, [("skill.a", "u1"), ("skill.b", "u1")], "{name}");
    }
}

#[test]
fn apply_all_gives_the_same_changes_as_one_by_one() {
    let batch = vec![
        notice(SKILL, "u1", NA, "r1", 1, &[W]),
        notice(SKILL, "u1", NA, "r3", 3, &[M]),
        notice(SKILL, "u1", NA, "r2", 2, &[X]),
        notice(SKILL, "u2", EU, "r1", 1, &[W, M]),
        notice(SKILL, "u1", NA, "r3", 3, &[M]),
    ];
    for (name, l, _dir) in stores() {
        let batched = l.apply_all(&batch).expect("applies");
        let single = MemoryLedger::new();
        let one_by_one: Vec<Change> = batch
            .iter()
            .map(|n| single.apply(n).expect("applies"))
            .collect();
        assert_eq!(batched, one_by_one, "{name}");
        let outcomes: Vec<_> = batched.iter().map(|c| c.is_stale()).collect();
        assert_eq!(outcomes, [false, false, true, false, false], "{name}");
        assert_eq!(batched[4].outcome, ApplyOutcome::Duplicate, "{name}");
    }
}

#[test]
fn audience_lists_each_subscriber_once_with_region() {
    for (name, l, _dir) in stores() {
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
            ],
            "{name}"
        );
        assert_eq!(audience[0].region, Some(Region::NorthAmerica), "{name}");
        assert_eq!(audience[1].region, None, "{name}");
        assert_eq!(audience[1].api_endpoint, "https://api.example.invalid");
        assert_eq!(audience[2].region, Some(Region::FarEast), "{name}");
        // Paging by any size yields the same list.
        for page in [1, 2, 4, 9, 10, 100] {
            assert_eq!(
                all_subscribers(l.as_ref(), SKILL, W, page),
                audience,
                "{name} {page}"
            );
        }
        // A page of the exact size is the last: no empty page after it.
        let p = l.subscribers(SKILL, W, None, 9).expect("reads");
        assert_eq!((p.items.len(), p.next), (9, None), "{name}");
        // A limit of 0 is treated as 1 rather than looping forever.
        assert_eq!(
            l.subscribers(SKILL, W, None, 0).expect("reads").items.len(),
            1
        );
    }
}

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
