//! What only the PostgreSQL store has: its schema version and migrations, concurrent
//! first connections, schemas side by side, and connection errors without the
//! password. Its behaviour as a ledger is in `subscriptions_suite`.

use crate::subscriptions_support as support;

use alexa_proactive_events::subscriptions::{
    DEFAULT_SCHEMA, Ledger, POSTGRES_SCHEMA_VERSION, PostgresLedger, PostgresOptions,
};
use std::sync::{Arc, Barrier};
use support::pg::TestDatabase;
use support::*;

const W: &str = "AMAZON.WeatherAlert.Activated";

#[test]
#[cfg_attr(skip_postgres_tests, ignore = "ALEXA_PE_TEST_POSTGRES=skip")]
fn a_new_database_is_migrated_once_to_the_current_version() {
    let db = TestDatabase::create();
    let l = PostgresLedger::connect(db.url()).expect("connects");
    assert_eq!(l.schema_version().expect("reads"), POSTGRES_SCHEMA_VERSION);
    l.apply(&notice(SKILL, "u", NA, "r", 1, &[W]))
        .expect("applies");
    drop(l);
    // Reconnecting migrates nothing again and keeps the data.
    let l = PostgresLedger::connect(db.url()).expect("reconnects");
    assert_eq!(l.schema_version().expect("reads"), POSTGRES_SCHEMA_VERSION);
    assert!(l.user(SKILL, "u").expect("reads").is_some());
    let mut raw = db.client();
    let tables: i64 = raw
        .query_one(
            "SELECT count(*) FROM pg_tables WHERE schemaname = $1",
            &[&DEFAULT_SCHEMA],
        )
        .expect("reads")
        .get(0);
    assert_eq!(
        tables, 5,
        "schema_version, skills, event_names, users, subscriptions"
    );
}

#[test]
#[cfg_attr(skip_postgres_tests, ignore = "ALEXA_PE_TEST_POSTGRES=skip")]
fn a_newer_or_negative_schema_version_is_refused_naming_both_versions() {
    let db = TestDatabase::create();
    drop(PostgresLedger::connect(db.url()).expect("connects"));
    let mut raw = db.client();
    for version in [99i64, -1] {
        raw.execute(
            "UPDATE alexa_proactive_events.schema_version SET version = $1",
            &[&version],
        )
        .expect("writes");
        for options in [
            PostgresOptions::default(),
            PostgresOptions::default().migrate(false),
        ] {
            let err = PostgresLedger::connect_with(db.url(), &options).expect_err("refused");
            let text = err.to_string();
            assert!(
                text.contains(&format!("schema version {version}")),
                "{text}"
            );
            assert!(
                text.contains(&format!("up to {POSTGRES_SCHEMA_VERSION}")),
                "{text}"
            );
        }
        // Refused, not damaged.
        let stored: i64 = raw
            .query_one(
                "SELECT version FROM alexa_proactive_events.schema_version",
                &[],
            )
            .expect("reads")
            .get(0);
        assert_eq!(stored, version);
    }
}

#[test]
#[cfg_attr(skip_postgres_tests, ignore = "ALEXA_PE_TEST_POSTGRES=skip")]
fn a_version_0_schema_is_migrated_and_without_migrations_nothing_is_written() {
    let db = TestDatabase::create();
    let no_migrations = PostgresOptions::default().migrate(false);
    let err = PostgresLedger::connect_with(db.url(), &no_migrations).expect_err("empty");
    assert!(err.to_string().contains("holds no ledger yet"), "{err}");
    let mut raw = db.client();
    let schemas: i64 = raw
        .query_one(
            "SELECT count(*) FROM pg_namespace WHERE nspname = $1",
            &[&DEFAULT_SCHEMA],
        )
        .expect("reads")
        .get(0);
    assert_eq!(schemas, 0, "a read-only connection created the schema");

    // As after an interrupted first start: the version table only.
    raw.batch_execute(
        "CREATE SCHEMA alexa_proactive_events;
         CREATE TABLE alexa_proactive_events.schema_version (id integer PRIMARY KEY, version bigint NOT NULL);
         INSERT INTO alexa_proactive_events.schema_version VALUES (1, 0);",
    )
    .expect("writes");
    let err = PostgresLedger::connect_with(db.url(), &no_migrations).expect_err("version 0");
    assert!(err.to_string().contains("holds no ledger yet"), "{err}");
    let l = PostgresLedger::connect(db.url()).expect("migrates");
    assert_eq!(l.schema_version().expect("reads"), POSTGRES_SCHEMA_VERSION);
    l.apply(&notice(SKILL, "u", NA, "r", 1, &[W]))
        .expect("applies");
    let reader = PostgresLedger::connect_with(db.url(), &no_migrations).expect("current");
    assert_eq!(reader.audience(SKILL, W).expect("reads").len(), 1);
}

/// A dropped `schema_version` beside the ledger's tables is named, with the
/// fix, with and without migrations; nothing is changed (migrating answered
/// "relation \"skills\" already exists"). Following the fix brings the ledger
/// back with its data.
#[test]
#[cfg_attr(skip_postgres_tests, ignore = "ALEXA_PE_TEST_POSTGRES=skip")]
fn a_dropped_version_table_is_named_with_the_fix_and_nothing_changes() {
    let db = TestDatabase::create();
    let l = PostgresLedger::connect(db.url()).expect("connects");
    l.apply(&notice(SKILL, "u", NA, "r", 1, &[W]))
        .expect("applies");
    drop(l);
    let mut raw = db.client();
    raw.batch_execute("DROP TABLE alexa_proactive_events.schema_version")
        .expect("drops");
    let mut fix = String::new();
    for options in [
        PostgresOptions::default(),
        PostgresOptions::default().migrate(false),
    ] {
        let err = PostgresLedger::connect_with(db.url(), &options)
            .expect_err("refused")
            .to_string();
        assert!(
            err.contains(
                "schema alexa_proactive_events holds the ledger's tables (skills, event_names, \
                 users, subscriptions) but not their version table `schema_version`"
            ),
            "{err}"
        );
        assert!(err.contains("nothing was changed"), "{err}");
        assert!(!err.contains("already exists"), "{err}");
        fix = err
            .split('`')
            .find(|part| part.starts_with("CREATE TABLE"))
            .expect("the message gives the SQL")
            .to_owned();
    }
    let tables: i64 = raw
        .query_one(
            "SELECT count(*) FROM pg_tables WHERE schemaname = $1",
            &[&DEFAULT_SCHEMA],
        )
        .expect("reads")
        .get(0);
    assert_eq!(tables, 4, "nothing created");
    raw.batch_execute(&fix).expect("the fix runs");
    let l = PostgresLedger::connect(db.url()).expect("connects again");
    assert_eq!(l.schema_version().expect("reads"), POSTGRES_SCHEMA_VERSION);
    assert!(l.user(SKILL, "u").expect("reads").is_some());
}

/// Eight hosts start at once against a new database: every connection succeeds, the
/// schema is created once, and every first notice is kept.
#[test]
#[cfg_attr(skip_postgres_tests, ignore = "ALEXA_PE_TEST_POSTGRES=skip")]
fn concurrent_first_connections_all_succeed() {
    let db = TestDatabase::create();
    const HOSTS: usize = 8;
    let start = Arc::new(Barrier::new(HOSTS));
    let url = db.url().to_owned();
    let handles: Vec<_> = (0..HOSTS)
        .map(|t| {
            let (start, url) = (Arc::clone(&start), url.clone());
            std::thread::spawn(move || {
                start.wait();
                let l = PostgresLedger::connect(&url)?;
                l.apply(&notice(SKILL, &format!("user{t}"), NA, "r1", 1, &[W]))?;
                Ok::<(), alexa_proactive_events::subscriptions::StoreError>(())
            })
        })
        .collect();
    for (t, h) in handles.into_iter().enumerate() {
        h.join()
            .expect("no panic")
            .unwrap_or_else(|e| panic!("host {t}: {e}"));
    }
    let l = PostgresLedger::connect(db.url()).expect("connects");
    assert_eq!(l.audience(SKILL, W).expect("reads").len(), HOSTS);
}

/// Two ledgers in two schemas of one database do not see each other.
#[test]
#[cfg_attr(skip_postgres_tests, ignore = "ALEXA_PE_TEST_POSTGRES=skip")]
fn schemas_are_separate_ledgers() {
    let db = TestDatabase::create();
    let a = PostgresLedger::connect_with(db.url(), &PostgresOptions::default().schema("one"))
        .expect("connects");
    let b =
        PostgresLedger::connect(&format!("{}?schema=two&pool_size=2", db.url())).expect("connects");
    a.apply(&notice(SKILL, "u", NA, "r", 1, &[W]))
        .expect("applies");
    assert_eq!(a.audience(SKILL, W).expect("reads").len(), 1);
    assert!(b.audience(SKILL, W).expect("reads").is_empty());
    let err = PostgresLedger::connect(&format!("{}?schema=Robert%27;DROP", db.url()))
        .expect_err("not a plain name");
    assert!(err.to_string().contains("not a plain schema name"), "{err}");
}

#[test]
#[cfg_attr(skip_postgres_tests, ignore = "ALEXA_PE_TEST_POSTGRES=skip")]
fn connection_errors_name_the_database_but_never_the_password() {
    let server = support::pg::server_url();
    let url = support::pg::with_database(&server, "missing_db_for_errors").replacen(
        "@",
        ":s3cr%40t-pw@",
        1,
    );
    assert!(url.contains(":s3cr%40t-pw@"), "{url}");
    let err = PostgresLedger::connect(&url).expect_err("no such database");
    let text = err.to_string();
    assert!(text.contains("missing_db_for_errors"), "{text}");
    assert!(!text.contains("s3cr"), "{text}");
    let debug = format!("{err:?}");
    assert!(!debug.contains("s3cr"), "{debug}");

    // A malformed URL: the parser's message, no password.
    let err = PostgresLedger::connect("postgres://me:s3cr%40t-pw@host:notaport/db")
        .expect_err("bad port");
    assert!(!err.to_string().contains("s3cr"), "{err}");
    assert!(err.to_string().contains("connection string"), "{err}");
}
