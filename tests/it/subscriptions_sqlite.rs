//! The SQLite store: durable across handles and processes, correct with concurrent
//! writers, versioned schema.

use crate::subscriptions_support as support;

use alexa_proactive_events::subscriptions::{
    Ledger, Region, SCHEMA_VERSION, SqliteLedger, SqliteOptions, SubscriptionChanged,
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
    let name = format!("subscriptions_sqlite::{name}");
    cmd.args([name.as_str(), "--exact", "--nocapture", "--test-threads=1"]);
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

/// A dropped `schema_version` beside the ledger's tables is named, with the
/// fix, for writing and for reading; nothing is changed (it printed SQLite's
/// "table skills already exists" with the whole migration's SQL). Following the
/// fix brings the ledger back with its data.
#[test]
fn a_dropped_version_table_is_named_with_the_fix_and_nothing_changes() {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("subs.db");
    let l = SqliteLedger::open(&path).expect("opens");
    l.apply(&notice(SKILL, "u", NA, "r", 1, &[W]))
        .expect("applies");
    drop(l);
    let raw = rusqlite::Connection::open(&path).expect("raw open");
    raw.execute_batch("DROP TABLE schema_version")
        .expect("drops");
    drop(raw);
    let write = SqliteLedger::open(&path).expect_err("refused").to_string();
    let read = SqliteLedger::open_read_only(&path)
        .expect_err("refused")
        .to_string();
    for err in [&write, &read] {
        assert!(
            err.contains(
                "the database holds the ledger's tables (skills, event_names, users, \
                 subscriptions) but not their version table `schema_version`"
            ),
            "{err}"
        );
        assert!(err.contains("nothing was changed"), "{err}");
        assert!(!err.contains("already exists"), "{err}");
        assert!(!err.contains("CREATE TABLE skills"), "{err}");
    }
    // The fix the message gives, as given.
    let fix = write
        .split('`')
        .find(|part| part.starts_with("CREATE TABLE schema_version"))
        .expect("the message gives the SQL");
    let raw = rusqlite::Connection::open(&path).expect("raw open");
    raw.execute_batch(fix).expect("the fix runs");
    drop(raw);
    let l = SqliteLedger::open(&path).expect("opens again");
    assert_eq!(l.schema_version().expect("reads"), SCHEMA_VERSION);
    assert_eq!(events(&l, "u"), Some(set(&[W])));
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

/// Several threads open the same database that does not exist yet, each with its
/// own connection, and apply one notice each: every open succeeds (creating the file,
/// setting WAL mode and migrating race with each other) and every notice is kept.
/// Repeated on fresh paths, since the race is lost only now and then.
#[test]
fn concurrent_first_opens_of_a_new_database_all_succeed() {
    const THREADS: usize = 6;
    const ROUNDS: usize = 50;
    let dir = tempfile::tempdir().expect("temp dir");
    let mut failures = Vec::new();
    for round in 0..ROUNDS {
        let path = dir.path().join(format!("round{round}.db"));
        let start = Arc::new(std::sync::Barrier::new(THREADS));
        let handles: Vec<_> = (0..THREADS)
            .map(|t| {
                let (path, start) = (path.clone(), Arc::clone(&start));
                std::thread::spawn(move || {
                    start.wait();
                    let l = SqliteLedger::open(&path)?;
                    l.apply(&notice(SKILL, &format!("user{t}"), NA, "r1", 1, &[W]))?;
                    Ok::<(), alexa_proactive_events::subscriptions::StoreError>(())
                })
            })
            .collect();
        for (t, h) in handles.into_iter().enumerate() {
            if let Err(e) = h.join().expect("thread ends without panic") {
                failures.push(format!("round {round}, thread {t}: {e}"));
            }
        }
        let l = SqliteLedger::open(&path).expect("opens");
        assert_eq!(l.schema_version().expect("reads"), SCHEMA_VERSION);
        for t in 0..THREADS {
            if events(&l, &format!("user{t}")).is_none() {
                failures.push(format!(
                    "round {round}: user{t}'s notice is not in the ledger"
                ));
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{} failure(s):\n{}",
        failures.len(),
        failures.join("\n")
    );
}

/// A raw connection holding the write lock of `path` with an uncommitted user row
/// (`uncommitted`, of the first skill), until dropped.
fn hold_write_lock(path: &Path) -> rusqlite::Connection {
    let raw = rusqlite::Connection::open(path).expect("raw open");
    raw.execute_batch(
        "BEGIN IMMEDIATE;
         INSERT INTO users (skill, user_id, events, api_endpoint, region, ts_seconds, ts_nanos, request_id)
         VALUES (1, 'uncommitted', '[]', 'https://api.amazonalexa.com', 'NA', 0, 0, 'x');",
    )
    .expect("takes the write lock");
    raw
}

/// Opening a database that is already at the current schema version takes no write
/// lock: a writer in the middle of a transaction neither delays nor fails it, and
/// what it reads is what was committed.
#[test]
fn opening_a_current_database_does_not_wait_for_a_writer() {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("subs.db");
    SqliteLedger::open(&path)
        .expect("creates")
        .apply(&notice(SKILL, "committed", EU, "r1", 1, &[W]))
        .expect("applies");
    let writer = hold_write_lock(&path);
    // A short timeout, so that a wait for the lock is a failure and not a long test.
    let options = SqliteOptions {
        busy_timeout: std::time::Duration::from_secs(2),
        ..SqliteOptions::default()
    };
    let l = SqliteLedger::open_with(&path, &options).expect("opens beside the writer");
    let users: Vec<String> = l
        .users(None, 10)
        .expect("reads")
        .items
        .into_iter()
        .map(|r| r.user_id)
        .collect();
    assert_eq!(users, ["committed"]);
    assert_eq!(l.schema_version().expect("reads"), SCHEMA_VERSION);
    drop(writer);
}

/// The read-only open reads beside a writer too, sees only committed data, and never
/// writes: not even to create a missing file.
#[test]
fn a_read_only_open_reads_beside_a_writer_and_writes_nothing() {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("subs.db");
    SqliteLedger::open(&path)
        .expect("creates")
        .apply(&notice(SKILL, "committed", EU, "r1", 1, &[W]))
        .expect("applies");
    let writer = hold_write_lock(&path);
    let l = SqliteLedger::open_read_only(&path).expect("opens beside the writer");
    assert_eq!(events(&l, "committed"), Some(set(&[W])));
    assert_eq!(events(&l, "uncommitted"), None);
    assert_eq!(l.audience(SKILL, W).expect("reads").len(), 1);
    drop(writer);
    // It sees later commits, and refuses to write.
    SqliteLedger::open(&path)
        .expect("opens")
        .apply(&notice(SKILL, "later", EU, "r1", 1, &[W]))
        .expect("applies");
    assert_eq!(events(&l, "later"), Some(set(&[W])));
    let err = l
        .apply(&notice(SKILL, "refused", EU, "r1", 1, &[W]))
        .expect_err("read-only");
    assert!(err.to_string().contains("readonly"), "{err}");

    // After every connection closed (the WAL file is gone), it still reads.
    drop(l);
    let l = SqliteLedger::open_read_only(&path).expect("reopens");
    assert_eq!(events(&l, "later"), Some(set(&[W])));

    let missing = dir.path().join("missing.db");
    let err = SqliteLedger::open_read_only(&missing).expect_err("missing");
    assert!(err.to_string().contains("no such database"), "{err}");
    assert!(!missing.exists(), "a read-only open created the file");
}

#[test]
fn a_read_only_open_refuses_a_database_it_would_have_to_migrate() {
    let dir = tempfile::tempdir().expect("temp dir");
    let empty = dir.path().join("empty.db");
    std::fs::write(&empty, b"").expect("writes");
    let err = SqliteLedger::open_read_only(&empty).expect_err("no schema");
    assert!(err.to_string().contains("schema version 0"), "{err}");
    assert_eq!(std::fs::read(&empty).expect("reads").len(), 0, "changed");

    let newer = dir.path().join("newer.db");
    drop(SqliteLedger::open(&newer).expect("opens"));
    rusqlite::Connection::open(&newer)
        .expect("raw open")
        .execute("UPDATE schema_version SET version = 99", [])
        .expect("writes");
    let err = SqliteLedger::open_read_only(&newer).expect_err("newer");
    assert!(err.to_string().contains("schema version 99"), "{err}");
}

#[test]
fn a_negative_schema_version_is_refused() {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("subs.db");
    drop(SqliteLedger::open(&path).expect("opens"));
    rusqlite::Connection::open(&path)
        .expect("raw open")
        .execute("UPDATE schema_version SET version = -1", [])
        .expect("writes");
    let err = SqliteLedger::open(&path).expect_err("refused");
    assert!(err.to_string().contains("schema version -1"), "{err}");
}

#[test]
fn opening_a_directory_or_a_path_in_a_missing_directory_is_a_clear_error() {
    let dir = tempfile::tempdir().expect("temp dir");
    let err = SqliteLedger::open(dir.path()).expect_err("a directory");
    assert!(err.to_string().contains("is a directory"), "{err}");
    let err = SqliteLedger::open_read_only(dir.path()).expect_err("a directory");
    assert!(err.to_string().contains("is a directory"), "{err}");

    let path = dir.path().join("no/such/dir/subs.db");
    let err = SqliteLedger::open(&path).expect_err("no directory");
    assert!(err.to_string().contains("does not exist"), "{err}");
    assert!(err.to_string().contains("no/such/dir"), "{err}");
}

/// Where the process may not write (skipped when it may write anyway, e.g. as root).
#[cfg(unix)]
#[test]
fn opening_in_an_unwritable_directory_is_an_error_naming_the_file() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().expect("temp dir");
    let locked = dir.path().join("locked");
    std::fs::create_dir(&locked).expect("creates");
    std::fs::set_permissions(&locked, std::fs::Permissions::from_mode(0o555)).expect("chmod");
    let probe = locked.join("probe");
    if std::fs::write(&probe, b"").is_ok() {
        eprintln!("skipped: this process may write in a read-only directory");
        std::fs::set_permissions(&locked, std::fs::Permissions::from_mode(0o755)).expect("chmod");
        return;
    }
    let path = locked.join("subs.db");
    let err = SqliteLedger::open(&path).expect_err("unwritable");
    assert!(err.to_string().contains("subs.db"), "{err}");
    std::fs::set_permissions(&locked, std::fs::Permissions::from_mode(0o755)).expect("chmod");
}
