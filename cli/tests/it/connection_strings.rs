//! `--db` and `--subscriptions-db` (issue 20, section 4): every command that takes a
//! ledger accepts a SQLite path, a `postgres://`/`postgresql://` URL and libpq's
//! `key=value` pairs, refuses anything else that looks like a connection string,
//! never prints a password, and never writes a file named after a connection string.
//! Each run has a fresh, empty working directory that must stay empty.

use crate::cli_support::{Run, binary, wait_guarded};
use crate::subscriptions_support::{self as support, EU, SKILL};
use alexa_proactive_events::jiff::Timestamp;
use std::io::{BufRead, BufReader, Read};
use std::path::Path;
use std::process::{Child, Command, Stdio};

const W: &str = "AMAZON.WeatherAlert.Activated";

/// In every password below: no output may contain it.
const MARK: &str = "Zq9Wv";

/// The `PG*` variables the library reads: unset, so the strings alone decide.
const PG_VARS: &[&str] = &[
    "PGHOST",
    "PGPORT",
    "PGUSER",
    "PGPASSWORD",
    "PGDATABASE",
    "PGSSLMODE",
    "PGSSLROOTCERT",
    "PGCONNECT_TIMEOUT",
];

fn command(cwd: &Path, args: &[&str]) -> Command {
    let mut cmd = Command::new(binary());
    cmd.args(args)
        .current_dir(cwd)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    for var in PG_VARS {
        cmd.env_remove(var);
    }
    cmd
}

/// Runs `args` in `cwd` under a hang guard (`serve` and `emulate` that open
/// their ledger would run until stopped).
fn run_in(cwd: &Path, args: &[&str]) -> Run {
    let mut child = command(cwd, args).spawn().expect("the binary starts");
    let read = |pipe: Option<Box<dyn Read + Send>>| {
        std::thread::spawn(move || {
            let mut text = String::new();
            if let Some(mut p) = pipe {
                p.read_to_string(&mut text).expect("UTF-8 output");
            }
            text
        })
    };
    let out = read(child.stdout.take().map(|p| Box::new(p) as _));
    let err = read(child.stderr.take().map(|p| Box::new(p) as _));
    let status = wait_guarded(&mut child, 60, &format!("{args:?}"));
    Run {
        code: status.code().expect("exits, not killed by a signal"),
        stdout: out.join().expect("stdout"),
        stderr: err.join().expect("stderr"),
    }
}

/// Runs `args` in a new, empty directory and checks that it stays empty.
fn run_isolated(args: &[&str]) -> Run {
    let cwd = tempfile::tempdir().expect("temp dir");
    let run = run_in(cwd.path(), args);
    assert_empty(cwd.path(), args, &run);
    run
}

fn assert_empty(dir: &Path, args: &[&str], run: &Run) {
    let left: Vec<_> = std::fs::read_dir(dir)
        .expect("lists")
        .map(|e| e.expect("entry").file_name())
        .collect();
    assert!(
        left.is_empty(),
        "{args:?} wrote {left:?} into its working directory: {run:?}"
    );
}

/// A valid notice in its own directory (not the working directory).
fn notice_file(dir: &Path) -> String {
    let ts = Timestamp::from_second(1_790_000_010).expect("in range");
    let body = support::body(SKILL, "alice", EU, "r1", ts, Some(&[W]));
    let path = dir.join("1.json");
    std::fs::write(&path, serde_json::to_vec(&body).expect("serializes")).expect("writes");
    path.to_str().expect("a UTF-8 path").to_owned()
}

/// Every command that takes a ledger, with `db` as that ledger.
fn commands<'a>(db: &'a str, notice: &'a str) -> [Vec<&'a str>; 4] {
    [
        vec!["subscriptions", "apply", "--db", db, notice],
        vec!["subscriptions", "list", "--db", db],
        vec![
            "serve",
            "--listen",
            "127.0.0.1:0",
            "--db",
            db,
            "--skill-id",
            SKILL,
        ],
        vec!["emulate", "--subscriptions-db", db],
    ]
}

fn assert_no_password(args: &[&str], run: &Run, secrets: &[&str]) {
    for secret in secrets.iter().chain(&[MARK]) {
        assert!(
            !run.stdout.contains(secret) && !run.stderr.contains(secret),
            "{args:?} printed {secret:?}: {run:?}"
        );
    }
}

/// A loopback port nothing listens on (just released).
fn closed_port() -> u16 {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("binds");
    listener.local_addr().expect("an address").port()
}

/// Each form with a password, against a server that is not there: every command
/// fails (2), prints no password and writes nothing.
#[test]
fn each_form_with_a_password_fails_quietly_against_a_missing_server() {
    let inputs = tempfile::tempdir().expect("temp dir");
    let notice = notice_file(inputs.path());
    let port = closed_port();
    // (the value, what of it must not be printed besides MARK)
    let forms = [
        (
            format!("postgres://skill:pw-{MARK}-plain@127.0.0.1:{port}/skill?connect_timeout=1"),
            vec!["pw-Zq9Wv-plain"],
        ),
        (
            format!(
                "postgresql://skill:pw%40{MARK}%2Fenc@127.0.0.1:{port}/skill?connect_timeout=1"
            ),
            vec!["pw%40Zq9Wv%2Fenc", "pw@Zq9Wv/enc", "%2Fenc"],
        ),
        (
            format!(
                "host=127.0.0.1 port={port} user=skill password=pw-{MARK}-kv dbname=skill \
                 connect_timeout=1"
            ),
            vec!["pw-Zq9Wv-kv"],
        ),
        (
            format!(
                "host=127.0.0.1 port={port} user=skill password='lead {MARK} tail' \
                 dbname=skill connect_timeout=1"
            ),
            vec!["lead Zq9Wv tail"],
        ),
    ];
    for (db, secrets) in &forms {
        for args in commands(db, &notice) {
            let run = run_isolated(&args);
            assert_eq!(run.code, 2, "{args:?}: {run:?}");
            // It was opened as PostgreSQL: the error names the server.
            assert!(
                run.stderr.contains(&format!(
                    "connect to postgres://skill@127.0.0.1:{port}/skill"
                )),
                "{args:?}: {run:?}"
            );
            assert_no_password(&args, &run, secrets);
        }
    }
}

/// Whatever looks like a connection string and is not one of the accepted forms
/// is a usage error naming the accepted forms, for every command.
#[test]
fn other_connection_strings_are_refused_naming_the_accepted_forms() {
    let inputs = tempfile::tempdir().expect("temp dir");
    let notice = notice_file(inputs.path());
    let refused = [
        "",
        "mysql://root:Zq9Wv@db.internal/skill",
        "sqlite://subs.db",
        "sqlite:subs.db",
        "file:subs.db",
        "POSTGRES://skill:Zq9Wv@db.internal/skill",
        "skill:Zq9Wv@db.internal",
        "a=b.db",
        "hots=127.0.0.1 password=Zq9Wv",
        "dbname skill password=Zq9Wv",
        "host=127.0.0.1 password='Zq9Wv",
        "/run/postgresql password=Zq9Wv",
        "postgres://skill:Zq9Wv@db.internal:port/skill",
    ];
    for db in refused {
        for args in commands(db, &notice) {
            let run = run_isolated(&args);
            assert_eq!(run.code, 2, "{args:?}: {run:?}");
            assert!(run.stderr.contains("invalid value for '"), "{run:?}");
            assert!(
                run.stderr.contains("postgres://") && run.stderr.contains("key=value"),
                "{args:?} does not name the accepted forms: {run:?}"
            );
            assert_no_password(&args, &run, &[]);
        }
    }
}

/// A SQLite path holding `=` or a colon is a path when written as one (`./`).
#[test]
fn a_sqlite_path_with_equals_or_a_colon_is_written_as_dot_slash() {
    let inputs = tempfile::tempdir().expect("temp dir");
    let notice = notice_file(inputs.path());
    let dir = tempfile::tempdir().expect("temp dir");
    for db in ["./date=2026.db", "./backup:1.db"] {
        let run = run_in(dir.path(), &["subscriptions", "apply", "--db", db, &notice]);
        assert_eq!(run.code, 0, "{db}: {run:?}");
        assert!(dir.path().join(db).is_file(), "{db}");
        let run = run_in(dir.path(), &["subscriptions", "list", "--db", db]);
        assert_eq!(run.code, 0, "{db}: {run:?}");
        assert!(run.stdout.contains("alice"), "{db}: {run:?}");
    }
}

#[test]
fn help_names_every_accepted_form() {
    let dir = tempfile::tempdir().expect("temp dir");
    for args in [
        &["subscriptions", "--help"][..],
        &["subscriptions", "apply", "--help"],
        &["subscriptions", "list", "--help"],
        &["serve", "--help"],
        &["emulate", "--help"],
    ] {
        let run = run_in(dir.path(), args);
        assert_eq!(run.code, 0, "{run:?}");
        for form in ["SQLite", "postgres://", "key=value"] {
            assert!(run.stdout.contains(form), "{args:?} lacks {form}: {run:?}");
        }
    }
}

/// libpq's quoting of a `key=value` value.
fn quote(value: &str) -> String {
    format!("'{}'", value.replace('\\', "\\\\").replace('\'', "\\'"))
}

/// The test server's URL as libpq `key=value` pairs, with `password` (quoted).
fn key_value_form(url: &str, password: &str) -> String {
    let config: postgres::Config = url.parse().expect("the test URL parses");
    let mut pairs = Vec::new();
    for host in config.get_hosts() {
        match host {
            postgres::config::Host::Tcp(name) => pairs.push(format!("host={}", quote(name))),
            postgres::config::Host::Unix(path) => {
                pairs.push(format!("host={}", quote(&path.display().to_string())));
            }
        }
    }
    if let Some(port) = config.get_ports().first() {
        pairs.push(format!("port={port}"));
    }
    if let Some(user) = config.get_user() {
        pairs.push(format!("user={}", quote(user)));
    }
    pairs.push(format!("password={}", quote(password)));
    if let Some(db) = config.get_dbname() {
        pairs.push(format!("dbname={}", quote(db)));
    }
    pairs.push("connect_timeout=10".to_owned());
    pairs.join(" ")
}

/// Starts `args` in `cwd` and returns its first line of output once it prints
/// one (`listening on ...`), killed on drop.
struct Started(Child);

impl Drop for Started {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn first_line(cwd: &Path, args: &[&str]) -> (Started, String) {
    let mut child = Started(command(cwd, args).spawn().expect("starts"));
    let mut line = String::new();
    BufReader::new(child.0.stdout.take().expect("stdout"))
        .read_line(&mut line)
        .expect("reads");
    if line.is_empty() {
        let mut err = String::new();
        if let Some(mut e) = child.0.stderr.take() {
            let _ = e.read_to_string(&mut err);
        }
        panic!("{args:?} printed nothing: {err}");
    }
    (child, line)
}

/// `key=value` pairs really open PostgreSQL, for every command: the notice lands
/// in the database, and no SQLite file appears.
#[test]
#[cfg_attr(skip_postgres_tests, ignore = "ALEXA_PE_TEST_POSTGRES=skip")]
fn key_value_pairs_open_postgresql_for_every_command() {
    let pg = support::pg::TestDatabase::create();
    let config: postgres::Config = pg.url().parse().expect("parses");
    // The test server trusts loopback and never asks for this password; a server
    // that checks passwords gets its own.
    let password = match config.get_password() {
        Some(p) => String::from_utf8(p.to_vec()).expect("a UTF-8 password"),
        None => format!("it's {MARK} a\\b"),
    };
    let kv = key_value_form(pg.url(), &password);
    let inputs = tempfile::tempdir().expect("temp dir");
    let notice = notice_file(inputs.path());
    let cwd = tempfile::tempdir().expect("temp dir");
    let [apply, list, serve, emulate] = commands(&kv, &notice);

    let run = run_in(cwd.path(), &apply);
    assert_eq!(run.code, 0, "{run:?}");
    assert!(
        run.stdout
            .contains(&format!("user alice of skill {SKILL}: subscribed {W}")),
        "{run:?}"
    );
    assert_no_password(&apply, &run, &[password.as_str()]);
    let rows: i64 = pg
        .client()
        .query_one("SELECT count(*) FROM alexa_proactive_events.users", &[])
        .expect("the ledger's tables exist")
        .get(0);
    assert_eq!(rows, 1, "the notice is not in PostgreSQL");

    let mut list = list;
    list.extend(["--format", "json"]);
    let run = run_in(cwd.path(), &list);
    assert_eq!(run.code, 0, "{run:?}");
    let listed: serde_json::Value = serde_json::from_str(&run.stdout).expect("JSON");
    assert_eq!(listed[0]["userId"], "alice", "{run:?}");
    assert_no_password(&list, &run, &[password.as_str()]);

    for args in [serve, emulate] {
        let (_running, line) = first_line(cwd.path(), &args);
        assert!(line.starts_with("listening on http://"), "{args:?}: {line}");
    }
    assert_empty(cwd.path(), &apply, &run);
}
