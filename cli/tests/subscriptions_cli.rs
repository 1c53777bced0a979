//! `proactive-events subscriptions apply|list`, run as a process: each run is a new
//! process reading the database the previous one wrote.

#[path = "cli_support/mod.rs"]
mod cli;
#[path = "subscriptions_support/mod.rs"]
mod support;

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
