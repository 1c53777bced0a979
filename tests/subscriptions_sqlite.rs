//! The SQLite store: durable across handles and processes, correct with concurrent
//! writers, versioned schema.


#[path = "subscriptions_support/mod.rs"]
mod support;

use alexa_proactive_events::subscriptions::{
    Ledger, Region, SCHEMA_VERSION, SqliteLedger, SubscriptionChanged,
};
use proptest::prelude::*;
use proptest::strategy::ValueTree;
use proptest::test_runner::TestRunner;
use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;
use std::process::Command;
use std::sync::Arc;
use support::*;

const W: &str = "AMAZON.WeatherAlert.Activated";
const M: &str = "AMAZON.MessageAlert.Activated";

/// Set in a child process started by a test of this file: names the database file.
const CHILD_DB: &str = "SUBSCRIPTIONS_TEST_CHILD_DB";
/// Which share of the notices a writer child applies ("K/N").
const CHILD_SHARE: &str = "SUBSCRIPTIONS_TEST_CHILD_SHARE";

/// Runs the test `name` of this binary again in a child process with `env` set.
fn run_child(name: &str, env: &[(&str, &str)]) -> std::process::Child {
    let exe = std::env::current_exe().expect("test binary path");
    let mut cmd = Command::new(exe);
    cmd.args([name, "--exact", "--nocapture", "--test-threads=1"]);
    for (k, v) in env {
        cmd.env(k, v);
    }
    cmd.spawn().expect("child starts")
}

fn events(l: &SqliteLedger, user: &str) -> Option<BTreeSet<String>> {
    l.user(SKILL, user).expect("reads").map(|r| r.events)
}

fn set(events: &[&str]) -> BTreeSet<String> {
    events.iter().map(|e| e.to_string()).collect()
}

#[test]
fn state_survives_closing_and_reopening() {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("subs.db");
    {
        let l = SqliteLedger::open(&path).expect("opens");
        l.apply(&notice(SKILL, "u1", EU, "r2", 20, &[W, M]))
            .expect("applies");
        l.apply(&notice(SKILL, "u2", FE, "r1", 10, &[]))
            .expect("applies");
    }
    let l = SqliteLedger::open(&path).expect("reopens");
    assert_eq!(events(&l, "u1"), Some(set(&[W, M])));
    assert_eq!(events(&l, "u2"), Some(set(&[])));
    let r = l.user(SKILL, "u1").expect("reads").expect("stored");
    assert_eq!(r.region, Some(Region::Europe));
    assert_eq!(r.version, notice(SKILL, "u1", EU, "r2", 20, &[]).version());
    // The stored version still decides after the restart.
    assert!(
        l.apply(&notice(SKILL, "u1", EU, "r1", 15, &[]))
            .expect("applies")
            .is_stale()
    );
    assert_eq!(l.audience(SKILL, W).expect("reads").len(), 1);
}

/// The parent writes, a child process reads it back and writes more, the parent
/// reopens and reads the child's write.
#[test]
fn state_written_by_one_process_is_read_by_another() {
    if let Ok(db) = std::env::var(CHILD_DB) {
        let l = SqliteLedger::open(&db).expect("child opens");
        assert_eq!(events(&l, "parent-user"), Some(set(&[W])), "child reads");
        let c = l
            .apply(&notice(SKILL, "parent-user", NA, "r0", 0, &[M]))
            .expect("child applies");
        assert!(
            c.is_stale(),
            "the parent's newer notice wins in the child too"
        );
        l.apply(&notice(SKILL, "child-user", FE, "c1", 5, &[M]))
            .expect("child applies");
        return;
    }
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("subs.db");
    {
        let l = SqliteLedger::open(&path).expect("opens");
        l.apply(&notice(SKILL, "parent-user", NA, "r1", 10, &[W]))
            .expect("applies");
    }
    let status = run_child(
        "state_written_by_one_process_is_read_by_another",
        &[(CHILD_DB, path.to_str().expect("utf-8 path"))],
    )
    .wait()
    .expect("child runs");
    assert!(status.success(), "child failed: {status}");
    let l = SqliteLedger::open(&path).expect("reopens");
    assert_eq!(events(&l, "child-user"), Some(set(&[M])));
    assert_eq!(events(&l, "parent-user"), Some(set(&[W])));
    let r = l.user(SKILL, "child-user").expect("reads").expect("stored");
    assert_eq!(r.region, Some(Region::FarEast));
}

/// Many notices for few users: each user gets several with random timestamps (ties
/// included), in a random order. Deterministic: the same every run.
fn interleaved_notices(users: usize, per_user: usize, seed: u8) -> Vec<SubscriptionChanged> {
    let pool = vec![W, M, "AMAZON.Occasion.Updated", "Custom.Event"];
    let one = (0i64..20, prop::sample::subsequence(pool, 0..=4), 0usize..3);
    let all = prop::collection::vec(one, users * per_user).prop_shuffle();
    let mut runner = TestRunner::new_with_rng(
        ProptestConfig::default(),
        proptest::test_runner::TestRng::from_seed(
            proptest::test_runner::RngAlgorithm::ChaCha,
            &[seed; 32],
        ),
    );
    let raw = all.new_tree(&mut runner).expect("generates").current();
    raw.into_iter()
        .enumerate()
        .map(|(i, (ts, events, ep))| {
            notice(
                SKILL,
                &format!("user{}", i % users),
                [NA, EU, FE][ep],
                &format!("req{:05}", (i * 7919) % 100_000),
                ts,
                &events,
            )
        })
        .collect()
}

fn newest(notices: &[SubscriptionChanged]) -> BTreeMap<String, &SubscriptionChanged> {
    let mut newest: BTreeMap<String, &SubscriptionChanged> = BTreeMap::new();
    for n in notices {
        if newest
            .get(&n.user_id)
            .is_none_or(|old| old.version() < n.version())
        {
            newest.insert(n.user_id.clone(), n);
        }
    }
    newest
}

fn assert_newest_per_user(path: &Path, notices: &[SubscriptionChanged]) {
    let l = SqliteLedger::open(path).expect("opens");
    let expected = newest(notices);
    for (user, n) in &expected {
        let r = l.user(SKILL, user).expect("reads").expect("stored");
        assert_eq!(r.events, n.events, "{user}");
        assert_eq!(r.version, n.version(), "{user}");
        assert_eq!(r.region, n.region, "{user}");
    }
    for event in [W, M] {
        let audience: Vec<String> = l
            .audience(SKILL, event)
            .expect("reads")
            .into_iter()
            .map(|s| s.user_id)
            .collect();
        let want: Vec<String> = expected
            .iter()
            .filter(|(_, n)| n.events.contains(event))
            .map(|(u, _)| u.clone())
            .collect();
        assert_eq!(audience, want, "{event}");
    }
}

/// Several threads, each with its own connection, apply interleaved notices for the
/// same users at once; single applies and small batches mixed.
#[test]
fn concurrent_threads_with_their_own_connections_keep_the_newest() {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("subs.db");
    let notices = Arc::new(interleaved_notices(12, 40, 1));
    SqliteLedger::open(&path).expect("creates");
    let threads = 4;
    let handles: Vec<_> = (0..threads)
        .map(|t| {
            let notices = Arc::clone(&notices);
            let path = path.clone();
            std::thread::spawn(move || {
                let l = SqliteLedger::open(&path).expect("opens");
                let mine: Vec<SubscriptionChanged> =
                    notices.iter().skip(t).step_by(threads).cloned().collect();
                for (i, chunk) in mine.chunks(3).enumerate() {
                    if i % 2 == 0 {
                        for n in chunk {
                            l.apply(n).expect("applies");
                        }
                    } else {
                        l.apply_all(chunk).expect("applies");
                    }
                }
            })
        })
        .collect();
    for h in handles {
        h.join().expect("thread ends without panic");
    }
    assert_newest_per_user(&path, &notices);
}

/// The same with one ledger shared by all threads (one connection behind a lock).
#[test]
fn concurrent_threads_sharing_one_ledger_keep_the_newest() {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("subs.db");
    let notices = Arc::new(interleaved_notices(10, 30, 2));
    let l = Arc::new(SqliteLedger::open(&path).expect("opens"));
    let handles: Vec<_> = (0..3)
        .map(|t| {
            let (l, notices) = (Arc::clone(&l), Arc::clone(&notices));
            std::thread::spawn(move || {
                for n in notices.iter().skip(t).step_by(3) {
                    l.apply(n).expect("applies");
                }
            })
        })
        .collect();
    for h in handles {
        h.join().expect("thread ends without panic");
    }
    drop(l);
    assert_newest_per_user(&path, &notices);
}

/// Several processes write one file at once.
#[test]
fn concurrent_processes_keep_the_newest() {
    let notices = interleaved_notices(10, 30, 3);
    if let (Ok(db), Ok(share)) = (std::env::var(CHILD_DB), std::env::var(CHILD_SHARE)) {
        let (k, n) = share.split_once('/').expect("K/N");
        let (k, n): (usize, usize) = (k.parse().expect("K"), n.parse().expect("N"));
        let l = SqliteLedger::open(&db).expect("child opens");
        for notice in notices.iter().skip(k).step_by(n) {
            l.apply(notice).expect("child applies");
        }
        return;
    }
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("subs.db");
    let db = path.to_str().expect("utf-8 path");
    let children: Vec<_> = (0..3)
        .map(|k| {
            let share = format!("{k}/3");
            run_child(
                "concurrent_processes_keep_the_newest",
                &[(CHILD_DB, db), (CHILD_SHARE, &share)],
            )
        })
        .collect();
    for mut c in children {
        let status = c.wait().expect("child runs");
        assert!(status.success(), "writer failed: {status}");
    }
    assert_newest_per_user(&path, &notices);
}

#[test]
fn a_new_database_is_at_the_current_schema_version_in_wal_mode() {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("subs.db");
    let l = SqliteLedger::open(&path).expect("opens");
    assert_eq!(l.schema_version().expect("reads"), SCHEMA_VERSION);
    drop(l);
    // Reopening runs no migration twice.
    let l = SqliteLedger::open(&path).expect("reopens");
    assert_eq!(l.schema_version().expect("reads"), SCHEMA_VERSION);
    drop(l);
    let raw = rusqlite::Connection::open(&path).expect("raw open");
    let mode: String = raw
        .query_row("PRAGMA journal_mode", [], |r| r.get(0))
        .expect("reads");
    assert_eq!(mode, "wal");
}

#[test]
fn a_database_from_a_newer_version_is_refused_not_damaged() {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("subs.db");
    drop(SqliteLedger::open(&path).expect("opens"));
    let raw = rusqlite::Connection::open(&path).expect("raw open");
    raw.execute("UPDATE schema_version SET version = 99", [])
        .expect("writes");
    drop(raw);
    let err = SqliteLedger::open(&path).expect_err("refused");
    assert!(
        err.to_string().contains("schema version 99"),
        "unexpected: {err}"
    );
}

#[test]
fn a_version_0_database_is_migrated() {
    // A file that only has the version table, as after an interrupted first start.
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("subs.db");
    let raw = rusqlite::Connection::open(&path).expect("raw open");
    raw.execute_batch(
        "CREATE TABLE schema_version (id INTEGER PRIMARY KEY CHECK (id = 1), version INTEGER NOT NULL);
         INSERT INTO schema_version VALUES (1, 0);",
    )
    .expect("writes");
    drop(raw);
    let l = SqliteLedger::open(&path).expect("migrates");
    assert_eq!(l.schema_version().expect("reads"), SCHEMA_VERSION);
    l.apply(&notice(SKILL, "u", NA, "r", 1, &[W]))
        .expect("applies");
}

#[test]
fn a_file_that_is_not_a_database_is_an_error_naming_it() {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("notes.txt");
    std::fs::write(
        &path,
        "this is not a database, it is a text file of some length",
    )
    .expect("writes");
    let err = SqliteLedger::open(&path).expect_err("refused");
    assert!(!err.to_string().is_empty());
}
