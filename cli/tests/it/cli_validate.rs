//! `proactive-events validate` run as a process: output lines, formats, exit codes.

use crate::cli_support;

use alexa_proactive_events::validate_json;
use cli_support::{bodies, read, run, run_in};
use serde_json::Value;

const VALID: &str = "valid/order-status-shipped-delivery-details.json";
const INVALID: &str = "invalid/order-status-seller-missing.json";

/// A valid OrderStatus body moved to en-GB, a locale the schema does not document.
fn en_gb_order_status() -> Vec<u8> {
    let mut body: Value =
        serde_json::from_slice(&read("valid/order-status-preorder-received.json")).expect("JSON");
    body["localizedAttributes"][0]["locale"] = "en-GB".into();
    serde_json::to_vec_pretty(&body).expect("serializes")
}

#[test]
fn a_valid_body_prints_nothing_and_exits_0() {
    let out = run(&["validate", VALID], None);
    assert_eq!(out.code, 0, "{out:?}");
    assert_eq!(out.stdout, "");
    assert_eq!(
        out.stderr,
        "1 file: 1 valid, 0 invalid (0 errors, 0 warnings)\n"
    );
}

#[test]
fn verbose_names_valid_files_and_quiet_drops_the_summary() {
    let out = run(&["validate", "--verbose", "--quiet", VALID], None);
    assert_eq!(out.code, 0, "{out:?}");
    assert_eq!(out.stdout, format!("{VALID}: ok\n"));
    assert_eq!(out.stderr, "");
}

#[test]
fn an_invalid_body_prints_its_violation_and_exits_1() {
    let out = run(&["validate", INVALID], None);
    assert_eq!(out.code, 1, "{out:?}");
    assert_eq!(
        out.stdout,
        "invalid/order-status-seller-missing.json: error[PAYLOAD-REQUIRED] \
         /event/payload/order/seller: `seller` is missing; Order requires it\n"
    );
    assert_eq!(
        out.stderr,
        "1 file: 0 valid, 1 invalid (1 error, 0 warnings)\n"
    );
}

/// Every stored invalid body, in one run: the lines are the library's report,
/// prefixed with the file name, in argument order.
#[test]
fn every_invalid_body_prints_the_library_report() {
    let mut names: Vec<String> = std::fs::read_dir(bodies().join("invalid"))
        .expect("tests/bodies/invalid exists")
        .map(|e| {
            let name = e.expect("a directory entry").file_name();
            format!("invalid/{}", name.to_str().expect("UTF-8 name"))
        })
        .collect();
    names.sort();
    assert!(names.len() >= 90, "{} bodies", names.len());
    let mut expected = String::new();
    for name in &names {
        let report = validate_json(&read(name));
        assert!(!report.is_valid(), "{name} is invalid");
        for v in &report.violations {
            expected.push_str(&format!("{name}: {v}\n"));
        }
    }
    let mut args = vec!["validate", "--quiet"];
    args.extend(names.iter().map(String::as_str));
    let out = run(&args, None);
    assert_eq!(out.code, 1, "{}", out.stderr);
    assert_eq!(out.stdout, expected);
}

#[test]
fn a_warning_prints_as_warning_and_exits_0() {
    let dir = tempfile::tempdir().expect("temp dir");
    std::fs::write(dir.path().join("gb.json"), en_gb_order_status()).expect("written");
    let out = run_in(dir.path(), &["validate", "gb.json"], None);
    assert_eq!(out.code, 0, "{out:?}");
    assert_eq!(
        out.stdout,
        "gb.json: warning[LOC-LOCALE-UNSUPPORTED] /localizedAttributes/0/locale: \
         AMAZON.OrderStatus.Updated is documented for en-US only; en-GB may not be delivered\n"
    );
    assert_eq!(
        out.stderr,
        "1 file: 1 valid, 0 invalid (0 errors, 1 warning)\n"
    );
}

#[test]
fn a_dash_reads_standard_input() {
    let out = run(&["validate", "-"], Some(&read(VALID)));
    assert_eq!(out.code, 0, "{out:?}");
    assert_eq!(out.stdout, "");

    let out = run(&["validate", "-"], Some(&read(INVALID)));
    assert_eq!(out.code, 1, "{out:?}");
    assert!(
        out.stdout
            .starts_with("<stdin>: error[PAYLOAD-REQUIRED] /event/payload/order/seller: "),
        "{}",
        out.stdout
    );
}

#[test]
fn malformed_json_is_a_json_syntax_line_and_exits_2() {
    let out = run(&["validate", "-"], Some(b"{\"timestamp\": "));
    assert_eq!(out.code, 2, "{out:?}");
    assert_eq!(
        out.stdout,
        "<stdin>: error[JSON-SYNTAX]: not JSON: EOF while parsing a value at line 1 column 14\n"
    );
    assert_eq!(
        out.stderr,
        "1 file: 0 valid, 0 invalid, 1 unreadable or not JSON (1 error, 0 warnings)\n"
    );
}

#[test]
fn an_unreadable_file_exits_2_and_the_other_files_are_still_checked() {
    let out = run(&["validate", "no-such-file.json", INVALID, VALID], None);
    assert_eq!(out.code, 2, "{out:?}");
    let lines: Vec<&str> = out.stdout.lines().collect();
    assert_eq!(lines.len(), 2, "{lines:?}");
    assert!(
        lines[0].starts_with("no-such-file.json: error[FILE-READ]: cannot read: "),
        "{}",
        lines[0]
    );
    assert!(lines[1].starts_with(&format!("{INVALID}: error[PAYLOAD-REQUIRED]")));
    assert_eq!(
        out.stderr,
        "3 files: 1 valid, 1 invalid, 1 unreadable or not JSON (2 errors, 0 warnings)\n"
    );
}

#[test]
fn a_valid_and_an_invalid_file_exit_1() {
    let out = run(&["validate", VALID, INVALID], None);
    assert_eq!(out.code, 1, "{out:?}");
    assert_eq!(out.stdout.lines().count(), 1);
}

#[test]
fn json_format_reports_every_file() {
    let dir = tempfile::tempdir().expect("temp dir");
    std::fs::write(dir.path().join("gb.json"), en_gb_order_status()).expect("written");
    let body = |name: &str| bodies().join(name).display().to_string();
    let (valid, invalid) = (body(VALID), body(INVALID));
    let out = run_in(
        dir.path(),
        &["validate", "--format", "json", &valid, &invalid, "gb.json"],
        None,
    );
    assert_eq!(out.code, 1, "{out:?}");
    assert_eq!(out.stderr, "", "no summary in JSON format");
    let report: Value = serde_json::from_str(&out.stdout).expect("stdout is JSON");
    let files = report.as_array().expect("an array");
    assert_eq!(files.len(), 3);

    assert_eq!(files[0]["file"], valid.as_str());
    assert_eq!(files[0]["valid"], true);
    assert_eq!(files[0]["violations"], Value::Array(vec![]));

    assert_eq!(files[1]["file"], invalid.as_str());
    assert_eq!(files[1]["valid"], false);
    let v = &files[1]["violations"][0];
    assert_eq!(v["rule"], "PAYLOAD-REQUIRED");
    assert_eq!(v["pointer"], "/event/payload/order/seller");
    assert_eq!(v["severity"], "error");
    assert_eq!(v["message"], "`seller` is missing; Order requires it");

    assert_eq!(files[2]["file"], "gb.json");
    assert_eq!(files[2]["valid"], true, "warnings allowed");
    assert_eq!(files[2]["violations"][0]["rule"], "LOC-LOCALE-UNSUPPORTED");
    assert_eq!(files[2]["violations"][0]["severity"], "warning");
}

#[test]
fn json_format_marks_unusable_inputs_invalid_and_exits_2() {
    let out = run(&["validate", "--format", "json", "-"], Some(b"not json"));
    assert_eq!(out.code, 2, "{out:?}");
    let report: Value = serde_json::from_str(&out.stdout).expect("stdout is JSON");
    assert_eq!(report[0]["file"], "<stdin>");
    assert_eq!(report[0]["valid"], false);
    assert_eq!(report[0]["violations"][0]["rule"], "JSON-SYNTAX");
    assert_eq!(report[0]["violations"][0]["pointer"], "");
}

#[test]
fn at_checks_the_expiry_against_a_clock() {
    let out = run(&["validate", "--at", "2030-01-01T00:00:00Z", VALID], None);
    assert_eq!(out.code, 1, "{out:?}");
    assert!(
        out.stdout
            .starts_with(&format!("{VALID}: error[ENV-EXPIRY-CLOCK] /expiryTime: ")),
        "{}",
        out.stdout
    );
    // The duration reads in whole minutes or seconds, never `47.647098977 s`.
    let span = out
        .stdout
        .split_once("expiryTime is ")
        .and_then(|(_, rest)| rest.split_once(" from now"))
        .map(|(span, _)| span)
        .expect("a duration");
    assert!(!span.contains('.'), "{span}");
    assert!(
        span.ends_with(" h") || span.ends_with(" min") || span.ends_with(" s"),
        "{span}"
    );
    let out = run(&["validate", "--at", "now", VALID], None);
    assert!(!out.stdout.contains(" s from now"), "{}", out.stdout);
    let out = run(&["validate", "--at", "tomorrow", VALID], None);
    assert_eq!(out.code, 2, "{out:?}");
    assert!(out.stderr.contains("RFC 3339"), "{}", out.stderr);
}

#[test]
fn usage_errors_exit_2() {
    for args in [
        &["validate"][..],
        &["validate", "--format", "xml", VALID],
        &["validate", "--no-such-flag", VALID],
        &["no-such-command"],
        &[],
    ] {
        let out = run(args, None);
        assert_eq!(out.code, 2, "{args:?}: {out:?}");
        assert_eq!(out.stdout, "", "{args:?}");
        // clap's error, or the top-level help when no command is given.
        assert!(
            out.stderr.starts_with("error: ") || out.stderr.contains("Usage: proactive-events"),
            "{args:?}: {}",
            out.stderr
        );
    }
}

#[test]
fn help_shows_examples_and_exits_0() {
    for args in [
        &["--help"][..],
        &["validate", "--help"],
        &["preview", "--help"],
        &["manifest", "--help"],
    ] {
        let out = run(args, None);
        assert_eq!(out.code, 0, "{args:?}: {out:?}");
        assert!(out.stdout.contains("Examples:"), "{args:?}: {}", out.stdout);
        assert!(out.stdout.contains("  proactive-events "), "{args:?}");
    }
}

/// A UTF-8 byte order mark (Notepad's "UTF-8 with BOM") is named, with what
/// to do, instead of serde_json's "expected value at line 1 column 1"; so is
/// a UTF-16 file. Still not JSON (exit 2): RFC 8259 forbids the mark.
#[test]
fn a_byte_order_mark_is_named_with_the_fix() {
    let bom = [b"\xEF\xBB\xBF".as_slice(), &read(VALID)].concat();
    let out = run(&["validate", "-"], Some(&bom));
    assert_eq!(out.code, 2, "{out:?}");
    assert_eq!(
        out.stdout,
        "<stdin>: error[JSON-SYNTAX]: not JSON: the text starts with a UTF-8 byte order mark \
         (bytes EF BB BF), which JSON does not allow; save the file as UTF-8 without a byte \
         order mark\n"
    );
    let utf16: Vec<u8> = [0xFF, 0xFE]
        .into_iter()
        .chain(b"{}".iter().flat_map(|b| [*b, 0]))
        .collect();
    let out = run(&["validate", "-"], Some(&utf16));
    assert_eq!(out.code, 2, "{out:?}");
    assert!(
        out.stdout.contains("not JSON: the text is UTF-16"),
        "{out:?}"
    );
}
