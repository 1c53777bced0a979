//! `proactive-events subscriptions apply|list`, run as a process: each run is a new
//! process reading the database the previous one wrote.

use crate::cli_support as cli;
use crate::subscriptions_support as support;

use alexa_proactive_events::jiff::Timestamp;
use cli::run_in;
use support::*;

const W: &str = "AMAZON.WeatherAlert.Activated";
const M: &str = "AMAZON.MessageAlert.Activated";

/// Writes a notice body to `dir/name`.
fn write(
    dir: &std::path::Path,
    name: &str,
    user: &str,
    id: &str,
    secs: i64,
    events: Option<&[&str]>,
) {
    let ts = Timestamp::from_second(1_790_000_000 + secs).expect("in range");
    let body = body(SKILL, user, EU, id, ts, events);
    std::fs::write(
        dir.join(name),
        serde_json::to_vec_pretty(&body).expect("serializes"),
    )
    .expect("writes");
}

#[test]
fn apply_prints_each_change_in_order_and_list_reads_it_back() {
    let dir = tempfile::tempdir().expect("temp dir");
    let d = dir.path();
    write(d, "1.json", "alice", "r1", 10, Some(&[W, M]));
    write(d, "2.json", "alice", "r3", 30, Some(&[W]));
    write(d, "3.json", "alice", "r2", 20, Some(&[M])); // arrives late
    write(d, "4.json", "bob", "r1", 10, None); // no body: subscribed to nothing
    let run = run_in(
        d,
        &[
            "subscriptions",
            "apply",
            "--db",
            "subs.db",
            "1.json",
            "2.json",
            "3.json",
            "4.json",
        ],
        None,
    );
    assert_eq!(run.code, 0, "{run:?}");
    let lines: Vec<&str> = run.stdout.lines().collect();
    assert_eq!(lines.len(), 4, "{run:?}");
    assert_eq!(
        lines[0],
        format!("1.json: user alice of skill {SKILL}: subscribed {M}, {W}")
    );
    assert_eq!(
        lines[1],
        format!("2.json: user alice of skill {SKILL}: unsubscribed {M}")
    );
    assert!(
        lines[2].starts_with("3.json: user alice of skill"),
        "{}",
        lines[2]
    );
    assert!(lines[2].contains("stale, ignored"), "{}", lines[2]);
    assert_eq!(
        lines[3],
        format!("4.json: user bob of skill {SKILL}: no change")
    );

    // A new process reads what the previous one wrote.
    let run = run_in(
        d,
        &[
            "subscriptions",
            "list",
            "--db",
            "subs.db",
            "--format",
            "json",
        ],
        None,
    );
    assert_eq!(run.code, 0, "{run:?}");
    let list: serde_json::Value = serde_json::from_str(&run.stdout).expect("JSON");
    assert_eq!(list.as_array().expect("array").len(), 2);
    assert_eq!(list[0]["userId"], "alice");
    assert_eq!(list[0]["events"], serde_json::json!([W]));
    assert_eq!(list[0]["region"], "EU");
    assert_eq!(list[0]["requestId"], "r3");
    assert_eq!(list[1]["userId"], "bob");
    assert_eq!(list[1]["events"], serde_json::json!([]));

    let run = run_in(
        d,
        &["subscriptions", "list", "--db", "subs.db", "--event", W],
        None,
    );
    assert_eq!(run.code, 0, "{run:?}");
    let lines: Vec<&str> = run.stdout.lines().collect();
    assert_eq!(lines.len(), 1, "{run:?}");
    assert!(
        lines[0].starts_with(&format!("{SKILL} alice EU {W}")),
        "{}",
        lines[0]
    );

    let run = run_in(
        d,
        &["subscriptions", "list", "--db", "subs.db", "--user", "bob"],
        None,
    );
    assert_eq!(run.code, 0, "{run:?}");
    assert!(run.stdout.contains("bob EU (no events)"), "{run:?}");
}

#[test]
fn a_malformed_file_applies_nothing_and_names_the_field() {
    let dir = tempfile::tempdir().expect("temp dir");
    let d = dir.path();
    write(d, "good.json", "alice", "r1", 10, Some(&[W]));
    std::fs::write(
        d.join("bad.json"),
        br#"{"context": {}, "request": {"type": "AlexaSkillEvent.ProactiveSubscriptionChanged",
            "requestId": "x", "timestamp": "soon"}}"#,
    )
    .expect("writes");
    let run = run_in(
        d,
        &[
            "subscriptions",
            "apply",
            "--db",
            "subs.db",
            "good.json",
            "bad.json",
        ],
        None,
    );
    assert_eq!(run.code, 1, "{run:?}");
    assert!(
        run.stderr
            .contains("bad.json: error: request.timestamp: not an ISO 8601 date-time"),
        "{run:?}"
    );
    assert!(run.stdout.is_empty(), "{run:?}");
    // Nothing was applied: the database was not even created.
    assert!(!d.join("subs.db").exists());

    std::fs::write(d.join("broken.json"), b"{").expect("writes");
    let run = run_in(
        d,
        &["subscriptions", "apply", "--db", "subs.db", "broken.json"],
        None,
    );
    assert_eq!(run.code, 2, "{run:?}");
}

#[test]
fn list_refuses_a_missing_database() {
    let dir = tempfile::tempdir().expect("temp dir");
    let run = run_in(
        dir.path(),
        &["subscriptions", "list", "--db", "missing.db"],
        None,
    );
    assert_eq!(run.code, 2, "{run:?}");
    assert!(run.stderr.contains("no database at missing.db"), "{run:?}");
    assert!(!dir.path().join("missing.db").exists());
}

#[test]
fn apply_json_prints_one_object_per_file() {
    let dir = tempfile::tempdir().expect("temp dir");
    let d = dir.path();
    write(d, "1.json", "alice", "r1", 10, Some(&[W]));
    let run = run_in(
        d,
        &[
            "subscriptions",
            "apply",
            "--db",
            "subs.db",
            "--format",
            "json",
            "1.json",
            "1.json",
        ],
        None,
    );
    assert_eq!(run.code, 0, "{run:?}");
    let outcomes: Vec<serde_json::Value> = run
        .stdout
        .lines()
        .map(|l| serde_json::from_str(l).expect("JSON line"))
        .collect();
    assert_eq!(outcomes[0]["outcome"], "applied");
    assert_eq!(outcomes[0]["subscribed"], serde_json::json!([W]));
    assert_eq!(outcomes[1]["outcome"], "duplicate");
}

/// Runs the binary in `dir` without waiting, its output captured.
fn spawn_in(dir: &std::path::Path, args: &[&str]) -> std::process::Child {
    std::process::Command::new(env!("CARGO_BIN_EXE_proactive-events"))
        .args(args)
        .current_dir(dir)
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("the binary starts")
}

/// Several `apply` processes started at once on a database that does not exist
/// yet: each creates, sets up and migrates it in a race with the others, and each
/// must succeed and have its notice applied. Repeated on fresh paths, since the
/// race is lost only now and then.
#[test]
fn concurrent_first_applies_to_a_new_database_all_succeed() {
    const PROCESSES: usize = 6;
    const ROUNDS: usize = 50;
    let dir = tempfile::tempdir().expect("temp dir");
    let d = dir.path();
    for p in 0..PROCESSES {
        write(
            d,
            &format!("{p}.json"),
            &format!("user{p}"),
            "r1",
            10,
            Some(&[W]),
        );
    }
    let mut failures = Vec::new();
    for round in 0..ROUNDS {
        let db = format!("round{round}.db");
        let children: Vec<_> = (0..PROCESSES)
            .map(|p| {
                let file = format!("{p}.json");
                spawn_in(d, &["subscriptions", "apply", "--db", &db, &file])
            })
            .collect();
        for (p, child) in children.into_iter().enumerate() {
            let out = child.wait_with_output().expect("the binary finishes");
            if !out.status.success() {
                failures.push(format!(
                    "round {round}, process {p}: {}: {}",
                    out.status,
                    String::from_utf8_lossy(&out.stderr).trim()
                ));
            }
        }
        let ledger =
            alexa_proactive_events::subscriptions::SqliteLedger::open(d.join(&db)).expect("opens");
        for p in 0..PROCESSES {
            let user = format!("user{p}");
            let stored = alexa_proactive_events::subscriptions::Ledger::user(&ledger, SKILL, &user)
                .expect("reads");
            if stored.is_none() {
                failures.push(format!(
                    "round {round}: {user}'s notice is not in the ledger"
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

/// `list` reads beside a writer that holds the write lock (a raw connection in the
/// middle of a transaction): it neither waits for nor fails behind it, and prints
/// what was committed.
#[test]
fn list_does_not_wait_for_a_writer() {
    let dir = tempfile::tempdir().expect("temp dir");
    let d = dir.path();
    write(d, "1.json", "alice", "r1", 10, Some(&[W]));
    let run = run_in(
        d,
        &["subscriptions", "apply", "--db", "subs.db", "1.json"],
        None,
    );
    assert_eq!(run.code, 0, "{run:?}");
    let raw = rusqlite::Connection::open(d.join("subs.db")).expect("raw open");
    raw.execute_batch(
        "BEGIN IMMEDIATE;
         INSERT INTO users (skill, user_id, events, api_endpoint, region, ts_seconds, ts_nanos, request_id)
         VALUES (1, 'uncommitted', '[]', 'https://api.amazonalexa.com', 'NA', 0, 0, 'x');",
    )
    .expect("takes the write lock");

    let run = run_in(d, &["subscriptions", "list", "--db", "subs.db"], None);
    assert_eq!(run.code, 0, "{run:?}");
    assert_eq!(run.stdout.lines().count(), 1, "{run:?}");
    assert!(
        run.stdout.starts_with(&format!("{SKILL} alice EU {W}")),
        "{run:?}"
    );
    let run = run_in(
        d,
        &[
            "subscriptions",
            "list",
            "--db",
            "subs.db",
            "--format",
            "json",
        ],
        None,
    );
    assert_eq!(run.code, 0, "{run:?}");
    let list: serde_json::Value = serde_json::from_str(&run.stdout).expect("JSON");
    assert_eq!(list.as_array().expect("array").len(), 1, "{run:?}");
    assert_eq!(list[0]["userId"], "alice");
    raw.execute_batch("ROLLBACK").expect("rolls back");
}

/// No control character (C0 but newline, DEL, C1) in a CLI output.
fn assert_no_control(what: &str, text: &str) {
    let bad: Vec<char> = text
        .chars()
        .filter(|c| c.is_control() && *c != '\n')
        .collect();
    assert!(
        bad.is_empty(),
        "{what} holds control characters {bad:?}: {text:?}"
    );
}

/// Ids and names in notices are untrusted: shown as text, their control characters
/// are escaped, so a notice cannot clear the screen or rewrite the terminal title.
#[test]
fn control_characters_from_notices_are_escaped_in_text_output() {
    let dir = tempfile::tempdir().expect("temp dir");
    let d = dir.path();
    let user = "mallory\u{1b}[2J";
    let skill = "amzn1.ask.skill.\u{1b}]0;owned\u{7}";
    let event = "Custom.\u{9b}31mEvent\u{7f}";
    let notice = |id: &str, secs: i64| {
        let ts = Timestamp::from_second(1_790_000_000 + secs).expect("in range");
        serde_json::to_vec(&body(skill, user, EU, id, ts, Some(&[event]))).expect("serializes")
    };
    std::fs::write(d.join("new.json"), notice("r2\u{1b}[1A", 20)).expect("writes");
    std::fs::write(d.join("old.json"), notice("r1", 10)).expect("writes");
    let run = run_in(
        d,
        &[
            "subscriptions",
            "apply",
            "--db",
            "subs.db",
            "new.json",
            "old.json",
        ],
        None,
    );
    assert_eq!(run.code, 0, "{run:?}");
    assert_no_control("apply stdout", &run.stdout);
    assert_no_control("apply stderr", &run.stderr);
    assert!(run.stdout.contains("mallory\\u{1b}[2J"), "{run:?}");
    assert!(
        run.stdout.contains("Custom.\\u{9b}31mEvent\\u{7f}"),
        "{run:?}"
    );
    // The stale line names the stored request id.
    assert!(run.stdout.contains("r2\\u{1b}[1A"), "{run:?}");

    let run = run_in(d, &["subscriptions", "list", "--db", "subs.db"], None);
    assert_eq!(run.code, 0, "{run:?}");
    assert_no_control("list stdout", &run.stdout);
    assert_no_control("list stderr", &run.stderr);
    assert!(run.stdout.contains("\\u{1b}]0;owned\\u{7}"), "{run:?}");

    // The JSON output keeps the values exact (serde_json escapes them).
    let run = run_in(
        d,
        &[
            "subscriptions",
            "list",
            "--db",
            "subs.db",
            "--format",
            "json",
        ],
        None,
    );
    assert_eq!(run.code, 0, "{run:?}");
    let list: serde_json::Value = serde_json::from_str(&run.stdout).expect("JSON");
    assert_eq!(list[0]["userId"], user);

    // An error message that quotes the input is escaped too.
    std::fs::write(
        d.join("bad.json"),
        br#"{"request": {"type": "x\u001b[2J"}}"#,
    )
    .expect("writes");
    let run = run_in(
        d,
        &["subscriptions", "apply", "--db", "subs.db", "bad.json"],
        None,
    );
    assert_eq!(run.code, 1, "{run:?}");
    assert_no_control("apply error", &run.stderr);
    assert!(run.stderr.contains("x\\u{1b}[2J"), "{run:?}");
}

/// A notice file larger than `--max-input-bytes`, or not JSON at all: an error
/// naming the file, nothing applied, no database created.
#[test]
fn a_huge_or_malformed_notice_is_an_error_naming_the_file() {
    let dir = tempfile::tempdir().expect("temp dir");
    let d = dir.path();
    write(d, "good.json", "alice", "r1", 10, Some(&[W]));
    std::fs::write(d.join("huge.json"), vec![b' '; 4096]).expect("writes");
    std::fs::write(d.join("binary.json"), [0xff, 0x00, 0x1b, b'[']).expect("writes");
    let run = run_in(
        d,
        &[
            "subscriptions",
            "apply",
            "--max-input-bytes",
            "2048",
            "--db",
            "subs.db",
            "good.json",
            "huge.json",
            "binary.json",
        ],
        None,
    );
    assert_eq!(run.code, 2, "{run:?}");
    assert!(
        run.stderr
            .contains("huge.json: error: cannot read: larger than the input limit of 2048 bytes"),
        "{run:?}"
    );
    assert!(
        run.stderr
            .contains("binary.json: error: subscription request: not JSON"),
        "{run:?}"
    );
    assert_no_control("stderr", &run.stderr);
    assert!(run.stderr.contains("nothing applied"), "{run:?}");
    assert!(!d.join("subs.db").exists());
}

/// `--db` naming a directory: a clear error, for `apply` and `list`.
#[test]
fn a_database_path_that_is_a_directory_is_a_clear_error() {
    let dir = tempfile::tempdir().expect("temp dir");
    let d = dir.path();
    std::fs::create_dir(d.join("subs.db")).expect("creates");
    write(d, "1.json", "alice", "r1", 10, Some(&[W]));
    let run = run_in(
        d,
        &["subscriptions", "apply", "--db", "subs.db", "1.json"],
        None,
    );
    assert_eq!(run.code, 2, "{run:?}");
    assert!(
        run.stderr.contains("open subs.db: it is a directory"),
        "{run:?}"
    );
    let run = run_in(d, &["subscriptions", "list", "--db", "subs.db"], None);
    assert_eq!(run.code, 2, "{run:?}");
    assert!(run.stderr.contains("no database at subs.db"), "{run:?}");
}

/// `--db postgres://...` (and `postgresql://`) works wherever a path does, and every
/// command prints what it prints for a SQLite file.
#[test]
#[cfg_attr(skip_postgres_tests, ignore = "ALEXA_PE_TEST_POSTGRES=skip")]
fn a_postgres_url_works_as_db_and_prints_what_sqlite_prints() {
    let pg = support::pg::TestDatabase::create();
    let dir = tempfile::tempdir().expect("temp dir");
    let d = dir.path();
    write(d, "1.json", "alice", "r1", 10, Some(&[W, M]));
    write(d, "2.json", "alice", "r3", 30, Some(&[W]));
    write(d, "3.json", "alice", "r2", 20, Some(&[M])); // arrives late
    write(d, "4.json", "bob", "r1", 10, None);
    let url = pg.url().to_owned();
    let alias = url.replacen("postgres://", "postgresql://", 1);

    // Listing an empty database neither succeeds nor creates the tables.
    let run = run_in(d, &["subscriptions", "list", "--db", &url], None);
    assert_eq!(run.code, 2, "{run:?}");
    assert!(run.stderr.contains("holds no ledger yet"), "{run:?}");
    let mut raw = pg.client();
    let created: bool = raw
        .query_one(
            "SELECT to_regclass('alexa_proactive_events.schema_version') IS NOT NULL",
            &[],
        )
        .expect("reads")
        .get(0);
    assert!(!created, "list created the ledger");

    let commands: &[&[&str]] = &[
        &["apply", "1.json", "2.json", "3.json", "4.json"],
        &["apply", "--format", "json", "3.json", "2.json"],
        &["list"],
        &["list", "--format", "json"],
        &["list", "--event", W],
        &["list", "--user", "bob"],
    ];
    for (i, command) in commands.iter().enumerate() {
        let run_with = |db: &str| {
            let mut args = vec!["subscriptions", command[0], "--db", db];
            args.extend_from_slice(&command[1..]);
            run_in(d, &args, None)
        };
        let sqlite = run_with("subs.db");
        // Every other command through the postgresql:// spelling.
        let postgres = run_with(if i % 2 == 0 { &url } else { &alias });
        assert_eq!(sqlite.code, 0, "{sqlite:?}");
        assert_eq!(postgres.code, 0, "{command:?}: {postgres:?}");
        assert_eq!(postgres.stdout, sqlite.stdout, "{command:?}");
        assert_eq!(postgres.stderr, sqlite.stderr, "{command:?}");
    }
    let tables: i64 = raw
        .query_one("SELECT count(*) FROM alexa_proactive_events.users", &[])
        .expect("reads")
        .get(0);
    assert_eq!(tables, 2);
}

/// A connection error names the server and the database, never the password.
#[test]
#[cfg_attr(skip_postgres_tests, ignore = "ALEXA_PE_TEST_POSTGRES=skip")]
fn a_postgres_error_names_the_server_but_not_the_password() {
    let server = support::pg::server_url();
    let dir = tempfile::tempdir().expect("temp dir");
    write(dir.path(), "1.json", "alice", "r1", 10, Some(&[W]));
    // The password is in the URL, percent-encoded, of a database that does not exist.
    let secret = "hunter2-p@ss";
    let url = support::pg::with_database(&server, "no_such_database_here").replacen(
        "@",
        ":hunter2-p%40ss@",
        1,
    );
    assert!(url.contains(":hunter2-p%40ss@"), "{url}");
    for command in ["apply", "list"] {
        let mut args = vec!["subscriptions", command, "--db", url.as_str()];
        if command == "apply" {
            args.push("1.json");
        }
        let run = run_in(dir.path(), &args, None);
        assert_eq!(run.code, 2, "{run:?}");
        assert!(run.stderr.contains("no_such_database_here"), "{run:?}");
        assert!(run.stderr.contains("does not exist"), "{run:?}");
        for leak in [secret, "hunter2-p%40ss", "hunter2"] {
            assert!(!run.stderr.contains(leak), "{run:?}");
            assert!(!run.stdout.contains(leak), "{run:?}");
        }
    }
}

/// A notice with a key twice (two `userId`s) is refused naming it, and nothing
/// is applied: the ledger reads its input as strictly as `validate`.
#[test]
fn a_notice_with_a_repeated_key_is_refused_naming_it() {
    let dir = tempfile::tempdir().expect("temp dir");
    let d = dir.path();
    write(d, "ok.json", "alice", "r1", 10, Some(&[W]));
    write(d, "twice.json", "bob", "r2", 20, Some(&[W]));
    let text = std::fs::read_to_string(d.join("twice.json")).expect("read");
    let twice = text.replacen("\"userId\": ", "\"userId\": \"mallory\", \"userId\": ", 1);
    assert_ne!(twice, text);
    std::fs::write(d.join("twice.json"), twice).expect("write");
    let run = run_in(
        d,
        &[
            "subscriptions",
            "apply",
            "--db",
            "subs.db",
            "ok.json",
            "twice.json",
        ],
        None,
    );
    assert_eq!(run.code, 1, "{run:?}");
    assert!(
        run.stderr.contains(
            "twice.json: error: context.System.user.userId: `userId` appears more than once in this object"
        ),
        "{run:?}"
    );
    assert!(run.stderr.contains("nothing applied"), "{run:?}");
    assert!(!d.join("subs.db").exists(), "{run:?}");
}
