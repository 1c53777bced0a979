//! What the CLI writes when its output or its input is hostile: a full disk on
//! stdout is an error (exit 2), a closed pipe ends the output quietly, control
//! characters from a body or a file name never reach the terminal raw, one
//! body's violations are listed up to a cap and the rest counted, and an input
//! past `--max-input-bytes` is refused instead of read.

use crate::cli_support;

use cli_support::{binary, bodies, read, run, run_guarded, run_in, run_with_stdout, wait_guarded};
use serde_json::Value;
use std::fs::OpenOptions;
use std::io::Read;
use std::process::{Command, Stdio};

const VALID: &str = "valid/order-status-shipped-delivery-details.json";
const INVALID: &str = "invalid/order-status-seller-missing.json";
const TORNADO: &str = "valid/weather-alert-tornado-multicast.json";

// ---- a full disk: exit 2 with a message ----

/// `/dev/full` accepts the open and fails every write with ENOSPC.
fn dev_full() -> Stdio {
    OpenOptions::new()
        .write(true)
        .open("/dev/full")
        .expect("/dev/full exists (Linux)")
        .into()
}

#[track_caller]
fn fails_on_a_full_disk(args: &[&str]) {
    let (code, stderr) = run_with_stdout(args, dev_full());
    assert_eq!(code, 2, "{args:?}: {stderr}");
    assert!(
        stderr.contains("cannot write to standard output"),
        "{args:?}: {stderr}"
    );
    assert!(!stderr.contains("panicked"), "{args:?}: {stderr}");
}

#[test]
fn preview_to_a_full_disk_exits_2() {
    fails_on_a_full_disk(&["preview", TORNADO]);
    fails_on_a_full_disk(&["preview", TORNADO, "--locale", "en-US"]);
}

#[test]
fn manifest_to_a_full_disk_exits_2() {
    fails_on_a_full_disk(&["manifest", "--event", "AMAZON.OrderStatus.Updated"]);
}

#[test]
fn validate_json_to_a_full_disk_exits_2() {
    fails_on_a_full_disk(&["validate", "--format", "json", VALID]);
}

#[test]
fn validate_text_to_a_full_disk_exits_2() {
    fails_on_a_full_disk(&["validate", INVALID]);
    fails_on_a_full_disk(&["validate", "--verbose", VALID]);
}

#[test]
fn subscriptions_list_json_to_a_full_disk_exits_2() {
    let dir = tempfile::tempdir().expect("temp dir");
    let db = dir.path().join("ledger.db");
    drop(alexa_proactive_events::subscriptions::SqliteLedger::open(&db).expect("a new ledger"));
    let db = db.to_str().expect("UTF-8 path");
    fails_on_a_full_disk(&["subscriptions", "list", "--db", db, "--format", "json"]);
}

// ---- a closed pipe: quiet ----

/// Runs the binary in `dir` with its stdout a pipe whose reader is gone
/// (`| head -0`); returns the exit code and stderr.
fn into_a_closed_pipe(dir: &std::path::Path, args: &[String]) -> (Option<i32>, String) {
    let mut child = Command::new(binary())
        .args(args)
        .current_dir(dir)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the binary starts");
    drop(child.stdout.take());
    let mut stderr = String::new();
    child
        .stderr
        .take()
        .expect("stderr is piped")
        .read_to_string(&mut stderr)
        .expect("stderr is UTF-8");
    let status = wait_guarded(&mut child, 120, &format!("{args:?} into a closed pipe"));
    (status.code(), stderr)
}

/// `validate … | head -0`: the reader goes away before the output is written.
/// The rest of the output is dropped without a panic or a message, and the
/// exit code is still the verdict's.
#[test]
fn a_closed_pipe_ends_the_output_quietly() {
    let mut invalid: Vec<String> = std::fs::read_dir(bodies().join("invalid"))
        .expect("tests/bodies/invalid exists")
        .map(|e| {
            let name = e.expect("a directory entry").file_name();
            format!("invalid/{}", name.to_str().expect("UTF-8 name"))
        })
        .collect();
    invalid.sort();
    // Far more than a pipe holds (64 KiB): some write meets the closed pipe.
    let mut args = vec!["validate".to_owned()];
    for _ in 0..20 {
        args.extend(invalid.iter().cloned());
    }
    let (code, stderr) = into_a_closed_pipe(&bodies(), &args);
    assert_eq!(code, Some(1), "{stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert!(!stderr.contains("cannot write"), "{stderr}");
    let n = 20 * invalid.len();
    assert!(
        stderr.starts_with(&format!("{n} files: 0 valid, {n} invalid")),
        "only the summary: {stderr}"
    );
}

/// `preview` of 20,000 locales into a closed pipe: quiet, exit 0.
#[test]
fn preview_into_a_closed_pipe_is_quiet() {
    let mut body: Value = serde_json::from_slice(&read(TORNADO)).expect("JSON");
    let entries: Vec<Value> = (0..20_000)
        .map(|i| serde_json::json!({"locale": format!("en-x-{i:x}"), "source": "Example"}))
        .collect();
    body["localizedAttributes"] = Value::Array(entries);
    let dir = tempfile::tempdir().expect("temp dir");
    std::fs::write(
        dir.path().join("many.json"),
        serde_json::to_vec(&body).expect("JSON"),
    )
    .expect("written");
    let args = ["preview".to_owned(), "many.json".to_owned()];
    let (code, stderr) = into_a_closed_pipe(dir.path(), &args);
    assert_eq!(code, Some(0), "{stderr}");
    assert_eq!(stderr, "");
}

// ---- control characters: escaped ----

const ESC: char = '\u{1b}';

/// The trash body with an ANSI escape in a value and in an unknown field's name.
fn body_with_escapes() -> Vec<u8> {
    let mut body: Value =
        serde_json::from_slice(&read("valid/trash-collection-glass-tuesday-multicast.json"))
            .expect("JSON");
    let alert = &mut body["event"]["payload"]["alert"];
    alert["garbageTypes"][0] = "GLASS\u{1b}[31m".into();
    alert["x\u{1b}[2J"] = 1.into();
    serde_json::to_vec(&body).expect("serializes")
}

#[track_caller]
fn no_raw_control(what: &str, text: &str) {
    assert!(
        !text.chars().any(|c| c.is_control() && c != '\n'),
        "{what} holds a raw control character: {text:?}"
    );
}

#[test]
fn validate_escapes_control_characters_from_the_body() {
    let out = run(&["validate", "-"], Some(&body_with_escapes()));
    assert_eq!(out.code, 1, "{out:?}");
    no_raw_control("stdout", &out.stdout);
    no_raw_control("stderr", &out.stderr);
    assert!(
        out.stdout
            .contains("`GLASS\\u{1b}[31m` is not a GarbageType"),
        "{}",
        out.stdout
    );
    assert!(
        out.stdout
            .contains("/event/payload/alert/x\\u{1b}[2J: unknown field `x\\u{1b}[2J`"),
        "{}",
        out.stdout
    );
}

/// JSON escapes the C0 controls itself; DEL, the C1 controls (U+009B is a
/// one-character ESC [) and the bidi controls are escaped too, so the output
/// is safe on a terminal and still means the same text.
#[test]
fn validate_json_escapes_control_characters_and_keeps_the_text() {
    let mut body: Value = serde_json::from_slice(&body_with_escapes()).expect("JSON");
    body["event"]["payload"]["alert"]["collectionDayOfWeek"] = "\u{9b}2J\u{7f}\u{202e}".into();
    let bytes = serde_json::to_vec(&body).expect("serializes");
    let out = run(&["validate", "--format", "json", "-"], Some(&bytes));
    assert_eq!(out.code, 1, "{out:?}");
    no_raw_control("stdout", &out.stdout);
    assert!(!out.stdout.contains('\u{202e}'), "{}", out.stdout);
    assert!(
        out.stdout.contains("\\u009b2J\\u007f\\u202e"),
        "{}",
        out.stdout
    );
    let report: Value = serde_json::from_str(&out.stdout).expect("stdout is JSON");
    let messages: Vec<&str> = report[0]["violations"]
        .as_array()
        .expect("violations")
        .iter()
        .map(|v| v["message"].as_str().expect("a message"))
        .collect();
    assert!(
        messages.iter().any(|m| m.contains("`GLASS\u{1b}[31m`")),
        "{messages:?}"
    );
    assert!(
        messages
            .iter()
            .any(|m| m.contains("\u{9b}2J\u{7f}\u{202e}")),
        "{messages:?}"
    );
}

#[test]
fn a_file_name_with_control_characters_is_escaped() {
    let dir = tempfile::tempdir().expect("temp dir");
    let name = format!("bad{ESC}[31m.json");
    std::fs::write(dir.path().join(&name), body_with_escapes()).expect("written");
    let out = run_in(dir.path(), &["validate", &name], None);
    assert_eq!(out.code, 1, "{out:?}");
    no_raw_control("stdout", &out.stdout);
    assert!(
        out.stdout.starts_with("bad\\u{1b}[31m.json: error["),
        "{}",
        out.stdout
    );
    let out = run_in(dir.path(), &["preview", &name], None);
    assert_eq!(out.code, 1, "{out:?}");
    no_raw_control("stderr", &out.stderr);
}

#[test]
fn preview_escapes_control_characters_from_the_body() {
    // A literal (non-referenced) source is spoken as written.
    let mut body: Value = serde_json::from_slice(&read(TORNADO)).expect("JSON");
    body["event"]["payload"]["weatherAlert"]["source"] = "Evil\u{1b}]0;title\u{7}Corp".into();
    body["localizedAttributes"][1]["source"] = "UK\u{1b}[2J".into();
    let bytes = serde_json::to_vec(&body).expect("serializes");
    let out = run(&["preview", "-"], Some(&bytes));
    assert_eq!(out.code, 0, "{out:?}");
    no_raw_control("stdout", &out.stdout);
    assert_eq!(
        out.stdout,
        "en-US: There is a tornado alert for your area. Provided by Evil\\u{1b}]0;title\\u{7}Corp.\n\
         en-GB: There is a tornado alert for your area. Provided by Evil\\u{1b}]0;title\\u{7}Corp.\n"
    );
    let out = run(&["preview", "-", "--locale", "en-US"], Some(&bytes));
    assert_eq!(out.code, 0, "{out:?}");
    no_raw_control("stdout", &out.stdout);

    // A referenced source comes from the locale's entry; a missing key names it.
    let mut body: Value = serde_json::from_slice(&read(TORNADO)).expect("JSON");
    body["localizedAttributes"][1]["source"] = "UK\u{1b}[2J".into();
    let bytes = serde_json::to_vec(&body).expect("serializes");
    let out = run(&["preview", "-", "--locale", "en-GB"], Some(&bytes));
    assert_eq!(out.code, 0, "{out:?}");
    assert!(
        out.stdout.ends_with("Provided by UK\\u{1b}[2J.\n"),
        "{}",
        out.stdout
    );

    // Violations of a body that does not parse, and --locale itself, on stderr.
    let out = run(&["preview", "-"], Some(&body_with_escapes()));
    assert_eq!(out.code, 1, "{out:?}");
    no_raw_control("stderr", &out.stderr);
    assert!(out.stderr.contains("x\\u{1b}[2J"), "{}", out.stderr);
    let out = run(&["preview", TORNADO, "--locale", "de\u{1b}[2J"], None);
    assert_eq!(out.code, 2, "{out:?}");
    no_raw_control("stderr", &out.stderr);
}

// ---- many violations: listed up to a cap, counted ----

/// The trash body with `n` unknown fields `x0`, `x1`, … in the envelope: one
/// ENV-UNKNOWN-FIELD each.
fn body_with_unknown_fields(n: usize) -> Vec<u8> {
    let body = String::from_utf8(read("valid/trash-collection-glass-tuesday-multicast.json"))
        .expect("UTF-8");
    let extra: String = (0..n).map(|i| format!("\"x{i}\":0,")).collect();
    body.replacen('{', &format!("{{{extra}"), 1).into_bytes()
}

#[test]
fn a_body_with_200k_violations_prints_100_lines_and_a_count() {
    const N: usize = 200_000;
    let bytes = body_with_unknown_fields(N);
    assert!(bytes.len() > 2_000_000, "{} bytes", bytes.len());
    let out = run_guarded(&["validate", "-"], &bytes);
    assert_eq!(out.code, 1, "{}", out.stderr);
    let lines: Vec<&str> = out.stdout.lines().collect();
    assert_eq!(lines.len(), 101, "{:?}", &lines[..3.min(lines.len())]);
    assert!(lines[0].starts_with("<stdin>: error[ENV-UNKNOWN-FIELD] /x0: unknown field `x0`"));
    assert!(lines[99].starts_with("<stdin>: error[ENV-UNKNOWN-FIELD] /x99: "));
    assert_eq!(lines[100], "<stdin>: … and 199900 more violations");
    assert_eq!(
        out.stderr, "1 file: 0 valid, 1 invalid (200000 errors, 0 warnings)\n",
        "the summary counts every violation"
    );
}

#[test]
fn max_violations_sets_the_cap_and_0_lifts_it() {
    let bytes = body_with_unknown_fields(150);
    let out = run(&["validate", "-", "--max-violations", "3"], Some(&bytes));
    assert_eq!(out.code, 1, "{out:?}");
    let lines: Vec<&str> = out.stdout.lines().collect();
    assert_eq!(lines.len(), 4, "{lines:?}");
    assert_eq!(lines[3], "<stdin>: … and 147 more violations");
    let out = run(&["validate", "-", "--max-violations", "149"], Some(&bytes));
    assert!(
        out.stdout.ends_with("<stdin>: … and 1 more violation\n"),
        "{}",
        out.stdout
    );
    let out = run(&["validate", "-", "--max-violations", "0"], Some(&bytes));
    assert_eq!(out.stdout.lines().count(), 150);
    assert!(!out.stdout.contains('…'));
    let out = run(&["validate", "-", "--max-violations", "150"], Some(&bytes));
    assert_eq!(out.stdout.lines().count(), 150);
    // A file at the cap or under it: no count line.
    let out = run(&["validate", INVALID, "--max-violations", "1"], None);
    assert_eq!(out.stdout.lines().count(), 1, "{}", out.stdout);
}

#[test]
fn json_lists_up_to_the_cap_and_counts_the_omitted() {
    let bytes = body_with_unknown_fields(150);
    let out = run(&["validate", "--format", "json", "-"], Some(&bytes));
    assert_eq!(out.code, 1, "{out:?}");
    let report: Value = serde_json::from_str(&out.stdout).expect("stdout is JSON");
    assert_eq!(
        report[0]["violations"].as_array().expect("an array").len(),
        100
    );
    assert_eq!(report[0]["omitted"], 50);
    assert_eq!(report[0]["valid"], false);
    let out = run(
        &[
            "validate",
            "--format",
            "json",
            "--max-violations",
            "0",
            "-",
            VALID,
        ],
        Some(&bytes),
    );
    let report: Value = serde_json::from_str(&out.stdout).expect("stdout is JSON");
    assert_eq!(
        report[0]["violations"].as_array().expect("an array").len(),
        150
    );
    assert_eq!(report[0]["omitted"], 0);
    assert_eq!(report[1]["omitted"], 0);
    assert_eq!(report[1]["valid"], true);
}

#[test]
fn preview_of_a_body_with_many_violations_lists_100() {
    let out = run(&["preview", "-"], Some(&body_with_unknown_fields(150)));
    assert_eq!(out.code, 1, "{out:?}");
    let lines: Vec<&str> = out.stderr.lines().collect();
    assert_eq!(lines.len(), 101, "{lines:?}");
    assert!(
        lines[100].starts_with("<stdin>: … and 50 more violations"),
        "{}",
        lines[100]
    );
}

// ---- input size: refused past the cap, no hang ----

#[test]
fn stdin_past_max_input_bytes_is_refused() {
    let big = vec![b' '; 5000];
    let out = run_guarded(&["validate", "-", "--max-input-bytes", "1000"], &big);
    assert_eq!(out.code, 2, "{out:?}");
    assert!(
        out.stdout
            .contains("larger than the input limit of 1000 bytes"),
        "{out:?}"
    );
    let out = run_guarded(&["preview", "-", "--max-input-bytes", "1000"], &big);
    assert_eq!(out.code, 2, "{out:?}");
    assert!(
        out.stderr
            .contains("larger than the input limit of 1000 bytes"),
        "{out:?}"
    );
}

#[test]
fn an_endless_file_is_refused_not_read() {
    let out = run_guarded(&["validate", "/dev/zero", "--max-input-bytes", "1000"], b"");
    assert_eq!(out.code, 2, "{out:?}");
    assert_eq!(
        out.stdout,
        "/dev/zero: error[FILE-READ]: cannot read: larger than the input limit of 1000 bytes \
         (raise it with --max-input-bytes)\n"
    );
    // The default cap (64 MiB) holds too: /dev/zero ends in an error, not in
    // an exhausted memory.
    let out = run_guarded(&["preview", "/dev/zero"], b"");
    assert_eq!(out.code, 2, "{out:?}");
    assert!(
        out.stderr
            .contains("larger than the input limit of 67108864 bytes"),
        "{out:?}"
    );
}

/// What a terminal obeys beyond the C0 controls that serde_json escapes itself:
/// DEL, the C1 controls (U+009B is a one-character ESC [) and the bidi controls.
const HOSTILE: &str = "x\u{9b}31m\u{7f}\u{85}\u{202e}\u{2066}\u{200f}y";

/// Neither a raw control (but the layout's line breaks) nor a bidi control.
#[track_caller]
fn terminal_safe(what: &str, text: &str) {
    let bidi = |c: char| matches!(c, '\u{61c}' | '\u{200e}' | '\u{200f}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}');
    assert!(
        !text
            .chars()
            .any(|c| (c.is_control() && c != '\n') || bidi(c)),
        "{what} holds a raw control character: {text:?}"
    );
    assert!(
        text.contains("x\\u009b31m\\u007f\\u0085\\u202e\\u2066\\u200fy"),
        "{what} lost the escaped text: {text}"
    );
}

/// Every command that prints JSON prints it through one writer: `validate
/// --format json`, `subscriptions apply/list --format json` and `manifest`
/// (the fragment and a merged skill.json) escape what a terminal obeys, and the
/// JSON still means the text it was given.
#[test]
fn every_json_output_escapes_c1_del_and_bidi_controls() {
    use crate::subscriptions_support as support;
    let dir = tempfile::tempdir().expect("tempdir");
    let d = dir.path();

    let mut body: Value = serde_json::from_slice(&body_with_escapes()).expect("JSON");
    body["event"]["payload"]["alert"]["garbageTypes"][0] = HOSTILE.into();
    let body = serde_json::to_vec(&body).expect("JSON");
    let out = run_in(d, &["validate", "--format", "json", "-"], Some(&body));
    assert_eq!(out.code, 1, "{out:?}");
    terminal_safe("validate --format json", &out.stdout);
    let report: Value = serde_json::from_str(&out.stdout).expect("JSON");
    let messages = report[0]["violations"].as_array().expect("violations");
    assert!(
        messages
            .iter()
            .any(|v| v["message"].as_str().is_some_and(|m| m.contains(HOSTILE)))
    );

    let ts = alexa_proactive_events::jiff::Timestamp::from_second(1_790_000_000).expect("ts");
    let notice = support::body(
        support::SKILL,
        HOSTILE,
        support::EU,
        "r1",
        ts,
        Some(&[HOSTILE]),
    );
    std::fs::write(d.join("n.json"), serde_json::to_vec(&notice).expect("JSON")).expect("written");
    let apply = [
        "subscriptions",
        "apply",
        "--db",
        "subs.db",
        "--format",
        "json",
        "n.json",
    ];
    let out = run_in(d, &apply, None);
    assert_eq!(out.code, 0, "{out:?}");
    terminal_safe("subscriptions apply --format json", &out.stdout);
    let change: Value = serde_json::from_str(&out.stdout).expect("JSON");
    assert_eq!(change["userId"], HOSTILE);
    let list = [
        "subscriptions",
        "list",
        "--db",
        "subs.db",
        "--format",
        "json",
    ];
    let out = run_in(d, &list, None);
    assert_eq!(out.code, 0, "{out:?}");
    terminal_safe("subscriptions list --format json", &out.stdout);
    let users: Value = serde_json::from_str(&out.stdout).expect("JSON");
    assert_eq!(users[0]["events"][0], HOSTILE);

    let endpoint = format!("https://{HOSTILE}");
    let out = run_in(d, &["manifest", "--endpoint", &endpoint], None);
    assert_eq!(out.code, 0, "{out:?}");
    terminal_safe("manifest", &out.stdout);
    let skill = serde_json::json!({"manifest": {"publishingInformation": {"name": HOSTILE}}});
    std::fs::write(
        d.join("skill.json"),
        serde_json::to_vec(&skill).expect("JSON"),
    )
    .expect("written");
    let out = run_in(d, &["manifest", "--merge", "skill.json"], None);
    assert_eq!(out.code, 0, "{out:?}");
    terminal_safe("manifest --merge", &out.stdout);
    let merged: Value = serde_json::from_str(&out.stdout).expect("JSON");
    assert_eq!(merged["manifest"]["publishingInformation"]["name"], HOSTILE);
}
