//! `proactive-events send` and `emulate` as a user runs them.

use crate::delivery_support;

use delivery_support::body;
use std::process::{Child, Command, Stdio};

const BIN: &str = env!("CARGO_BIN_EXE_proactive-events");

/// A running `proactive-events emulate`, killed on drop.
pub(crate) struct Emulate {
    child: Child,
    pub(crate) url: String,
}

impl Drop for Emulate {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

pub(crate) fn emulate(args: &[&str]) -> Emulate {
    let mut child = Command::new(BIN)
        .arg("emulate")
        .args(args)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("emulate starts");
    let url = crate::cli_support::listening_url(&mut child);
    assert!(url.starts_with("http://127.0.0.1:"), "{url}");
    Emulate { child, url }
}

fn send(emu: &Emulate, args: &[&str], env: bool) -> (i32, String, String) {
    let mut cmd = Command::new(BIN);
    cmd.arg("send")
        .args(["--region", "NA", "--stage", "development"])
        .args(["--api-base", &emu.url])
        .args(["--token-url", &format!("{}/auth/o2/token", emu.url)])
        .args(args)
        .env_remove("ALEXA_CLIENT_ID")
        .env_remove("ALEXA_CLIENT_SECRET");
    if env {
        cmd.env("ALEXA_CLIENT_ID", "cli-id")
            .env("ALEXA_CLIENT_SECRET", "cli-secret-SENTINEL");
    }
    let out = cmd.output().expect("send runs");
    (
        out.status.code().expect("exit code"),
        String::from_utf8(out.stdout).expect("utf-8"),
        String::from_utf8(out.stderr).expect("utf-8"),
    )
}

#[test]
fn send_a_file_and_a_jsonl_batch_to_the_emulator() {
    let emu = emulate(&[
        "--client-id",
        "cli-id",
        "--client-secret",
        "cli-secret-SENTINEL",
        "--rate",
        "0",
    ]);
    let dir = tempfile::tempdir().expect("temp dir");
    let one = dir.path().join("event.json");
    std::fs::write(
        &one,
        body("cliOne", Some("amzn1.ask.account.CLI"), 0).to_string(),
    )
    .expect("write");
    let batch = dir.path().join("tonight.jsonl");
    let mut lines: Vec<String> = (0..20)
        .map(|i| body(&format!("cliBatch{i}"), Some("amzn1.ask.account.CLI"), 0).to_string())
        .collect();
    lines.push(r#"{"referenceId": "broken"}"#.to_owned());
    std::fs::write(&batch, lines.join("\n")).expect("write");
    let journal = dir.path().join("tonight.journal");

    let (code, stdout, stderr) = send(
        &emu,
        &[
            one.to_str().expect("path"),
            "--jsonl",
            batch.to_str().expect("path"),
            "--journal",
            journal.to_str().expect("path"),
        ],
        true,
    );
    assert_eq!(code, 1, "{stdout}{stderr}");
    assert_eq!(
        stdout.trim(),
        "21 accepted, 0 already accepted, 1 rejected, 0 failed"
    );
    assert!(
        stderr.contains("tonight.jsonl:21") && stderr.contains("rejected"),
        "{stderr}"
    );
    assert!(
        !stderr.contains('\u{1b}'),
        "no progress bar off a terminal: {stderr:?}"
    );
    assert!(!format!("{stdout}{stderr}").contains("cli-secret-SENTINEL"));

    // Again with the journal: nothing is sent twice.
    std::fs::write(&batch, lines[..20].join("\n")).expect("write");
    let (code, stdout, stderr) = send(
        &emu,
        &[
            one.to_str().expect("path"),
            "--jsonl",
            batch.to_str().expect("path"),
            "--journal",
            journal.to_str().expect("path"),
        ],
        true,
    );
    assert_eq!(code, 0, "{stdout}{stderr}");
    assert_eq!(
        stdout.trim(),
        "0 accepted, 0 already accepted, 0 rejected, 0 failed (21 delivered earlier, skipped)"
    );
}

#[test]
fn missing_credentials_are_a_usage_error() {
    let emu = emulate(&[]);
    let (code, _, stderr) = send(&emu, &["whatever.json"], false);
    assert_eq!(code, 2);
    assert!(
        stderr.contains("ALEXA_CLIENT_ID") && stderr.contains("ALEXA_CLIENT_SECRET"),
        "{stderr}"
    );
}

#[test]
fn wrong_credentials_fail_with_the_reason() {
    let emu = emulate(&[]);
    let dir = tempfile::tempdir().expect("temp dir");
    let one = dir.path().join("event.json");
    std::fs::write(&one, body("cliWrong", None, 0).to_string()).expect("write");
    let (code, stdout, stderr) = send(&emu, &[one.to_str().expect("path")], true);
    assert_eq!(code, 1);
    assert_eq!(
        stdout.trim(),
        "0 accepted, 0 already accepted, 0 rejected, 1 failed"
    );
    assert!(stderr.contains("invalid_client"), "{stderr}");
}

#[test]
fn emulate_refuses_other_interfaces() {
    let out = Command::new(BIN)
        .args(["emulate", "--listen", "0.0.0.0:0"])
        .output()
        .expect("runs");
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("loopback"));
}

/// The emulator's accepted events, by referenceId.
fn accepted(emu: &Emulate) -> std::collections::BTreeMap<String, usize> {
    let runtime = tokio::runtime::Runtime::new().expect("runtime");
    crate::tls_support::install_ring();
    let body = runtime.block_on(async {
        reqwest::get(format!("{}/emulator/events", emu.url))
            .await
            .expect("GET /emulator/events")
            .bytes()
            .await
            .expect("body")
    });
    let events: Vec<serde_json::Value> = serde_json::from_slice(&body).expect("JSON array");
    let mut counts = std::collections::BTreeMap::new();
    for e in events {
        *counts
            .entry(e["referenceId"].as_str().expect("referenceId").to_owned())
            .or_insert(0) += 1;
    }
    counts
}

#[test]
fn a_killed_send_resumes_from_its_journal() {
    const N: usize = 300;
    let emu = emulate(&[
        "--client-id",
        "cli-id",
        "--client-secret",
        "cli-secret-SENTINEL",
        "--rate",
        "0",
    ]);
    let dir = tempfile::tempdir().expect("temp dir");
    let batch = dir.path().join("batch.jsonl");
    let lines: Vec<String> = (0..N)
        .map(|i| body(&format!("kill{i}"), Some("amzn1.ask.account.CLI"), 0).to_string())
        .collect();
    std::fs::write(&batch, lines.join("\n")).expect("write");
    let journal = dir.path().join("batch.journal");
    let args = |cmd: &mut Command| {
        cmd.arg("send")
            .args(["--region", "NA", "--stage", "development"])
            .args(["--api-base", &emu.url])
            .args(["--token-url", &format!("{}/auth/o2/token", emu.url)])
            .args(["--jsonl", batch.to_str().expect("path")])
            .args(["--journal", journal.to_str().expect("path")])
            .args(["--rate", "100"])
            .env("ALEXA_CLIENT_ID", "cli-id")
            .env("ALEXA_CLIENT_SECRET", "cli-secret-SENTINEL");
    };
    let mut first = Command::new(BIN);
    args(&mut first);
    let mut child = first
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("send starts");
    // Kill it (SIGKILL) once about a third is journaled.
    loop {
        let lines = std::fs::read_to_string(&journal)
            .map(|t| t.lines().count())
            .unwrap_or(0);
        if lines >= N / 3 {
            break;
        }
        assert!(
            child.try_wait().expect("status").is_none(),
            "finished before the kill"
        );
        std::thread::sleep(std::time::Duration::from_millis(10));
    }
    child.kill().expect("kill");
    child.wait().expect("reaped");
    let before = accepted(&emu).len();
    assert!((N / 3..N).contains(&before), "{before}");

    let mut again = Command::new(BIN);
    args(&mut again);
    let out = again.output().expect("send runs");
    let stdout = String::from_utf8(out.stdout).expect("utf-8");
    assert_eq!(out.status.code(), Some(0), "{stdout}");
    // `A accepted, B already accepted, 0 rejected, 0 failed (S delivered earlier, skipped)`
    let numbers: Vec<usize> = stdout
        .split(|c: char| !c.is_ascii_digit())
        .filter(|s| !s.is_empty())
        .map(|s| s.parse().expect("number"))
        .collect();
    let [accepted_now, already, 0, 0, skipped] = numbers[..] else {
        panic!("{stdout}")
    };
    assert_eq!(accepted_now + already + skipped, N, "{stdout}");
    assert!(skipped >= N / 3, "{stdout}");
    let counts = accepted(&emu);
    assert_eq!(counts.len(), N, "none lost");
    assert!(counts.values().all(|n| *n == 1), "none accepted twice");
}

/// Runs `send` with the test credentials against `base` (its token endpoint
/// at `/auth/o2/token`), stage `stage`, and `args`; (exit code, stdout, stderr).
fn send_to(base: &str, stage: &str, args: &[&str]) -> (i32, String, String) {
    let out = Command::new(BIN)
        .arg("send")
        .args(["--region", "NA", "--stage", stage])
        .args(["--api-base", base])
        .args(["--token-url", &format!("{base}/auth/o2/token")])
        .args(args)
        .env("ALEXA_CLIENT_ID", "cli-id")
        .env("ALEXA_CLIENT_SECRET", "cli-secret-SENTINEL")
        .output()
        .expect("send runs");
    (
        out.status
            .code()
            .expect("exit code (no signal, no panic abort)"),
        String::from_utf8(out.stdout).expect("utf-8"),
        String::from_utf8(out.stderr).expect("utf-8"),
    )
}

fn cli_emulator() -> Emulate {
    emulate(&[
        "--client-id",
        "cli-id",
        "--client-secret",
        "cli-secret-SENTINEL",
        "--rate",
        "0",
    ])
}

/// `n` events in a JSON-lines file.
fn batch_file(dir: &std::path::Path, prefix: &str, n: usize) -> std::path::PathBuf {
    let path = dir.join(format!("{prefix}.jsonl"));
    let lines: Vec<String> = (0..n)
        .map(|i| body(&format!("{prefix}{i}"), Some("amzn1.ask.account.CLI"), 0).to_string())
        .collect();
    std::fs::write(&path, lines.join("\n")).expect("write");
    path
}

#[test]
fn a_journal_reused_for_another_stage_or_api_base_sends_again() {
    let first = cli_emulator();
    let second = cli_emulator();
    let dir = tempfile::tempdir().expect("temp dir");
    let batch = batch_file(dir.path(), "dest", 3);
    let journal = dir.path().join("dest.journal");
    let args = [
        "--jsonl",
        batch.to_str().expect("path"),
        "--journal",
        journal.to_str().expect("path"),
    ];
    let all_sent = "3 accepted, 0 already accepted, 0 rejected, 0 failed";
    let (code, stdout, stderr) = send_to(&first.url, "development", &args);
    assert_eq!((code, stdout.trim()), (0, all_sent), "{stderr}");
    // The same journal for live: every event goes to live.
    let (code, stdout, stderr) = send_to(&first.url, "live", &args);
    assert_eq!((code, stdout.trim()), (0, all_sent), "{stderr}");
    // And for another API base (the emulator first, then "Amazon").
    let (code, stdout, stderr) = send_to(&second.url, "development", &args);
    assert_eq!((code, stdout.trim()), (0, all_sent), "{stderr}");
    assert_eq!(accepted(&second).len(), 3);
    // The first destination again: skipped.
    let (code, stdout, _) = send_to(&first.url, "development", &args);
    assert_eq!(
        (code, stdout.trim()),
        (
            0,
            "0 accepted, 0 already accepted, 0 rejected, 0 failed (3 delivered earlier, skipped)"
        )
    );
}

#[test]
fn a_journal_that_cannot_be_written_still_prints_the_summary() {
    let emu = cli_emulator();
    let dir = tempfile::tempdir().expect("temp dir");
    let batch = batch_file(dir.path(), "full", 10);
    let batch = batch.to_str().expect("path");

    // A device is refused before anything is sent (reading /dev/full never ends).
    if std::path::Path::new("/dev/full").exists() {
        let (code, stdout, stderr) = send_to(
            &emu.url,
            "development",
            &["--jsonl", batch, "--journal", "/dev/full"],
        );
        assert_eq!(code, 2, "{stdout}{stderr}");
        assert!(stderr.contains("not a regular file"), "{stderr}");
        assert_eq!(
            stdout.trim(),
            "0 accepted, 0 already accepted, 0 rejected, 0 failed; 10 not sent"
        );
    }

    // A journal that fills up mid-run: the summary counts what was delivered.
    let journal = dir.path().join("small.journal");
    let (code, stdout, stderr) = send_to(
        &emu.url,
        "development",
        &[
            "--jsonl",
            batch,
            "--journal",
            journal.to_str().expect("path"),
            "--max-journal-bytes",
            "1000",
            "--concurrency",
            "1",
        ],
    );
    assert_eq!(code, 2, "{stdout}{stderr}");
    assert!(
        stderr.contains("journal size limit of 1000 bytes"),
        "{stderr}"
    );
    let numbers: Vec<usize> = stdout
        .split(|c: char| !c.is_ascii_digit())
        .filter(|s| !s.is_empty())
        .map(|s| s.parse().expect("number"))
        .collect();
    let [delivered, 0, 0, 0, not_sent] = numbers[..] else {
        panic!("{stdout}")
    };
    assert_eq!(delivered + not_sent, 10, "{stdout}");
    assert!(delivered >= 1 && not_sent >= 1, "{stdout}");
    assert_eq!(
        accepted(&emu).len(),
        delivered,
        "the summary is what was delivered"
    );
}

/// A loopback server for hostile answers, with the runtime that serves it.
fn loopback(
    answer: impl Fn(&delivery_support::loopback::Seen, usize) -> delivery_support::loopback::Reply
    + Send
    + Sync
    + 'static,
) -> (
    tokio::runtime::Runtime,
    delivery_support::loopback::Loopback,
) {
    let runtime = tokio::runtime::Runtime::new().expect("runtime");
    let server = runtime.block_on(delivery_support::loopback::Loopback::start(answer));
    (runtime, server)
}

#[test]
fn a_dead_token_endpoint_fails_every_event_fast_with_the_summary() {
    use delivery_support::loopback::Reply;
    const N: usize = 200;
    // 503 with `Retry-After: 0`: the whole retry budget is spent at once.
    let (_runtime, dead) = loopback(|_, _| Reply::new(503, "down").header("retry-after", "0"));
    let dir = tempfile::tempdir().expect("temp dir");
    let batch = batch_file(dir.path(), "dead", N);
    let (code, stdout, stderr) = send_to(
        &dead.url(),
        "development",
        &["--jsonl", batch.to_str().expect("path")],
    );
    assert_eq!(code, 1, "{stderr}");
    assert_eq!(
        stdout.trim(),
        format!("0 accepted, 0 already accepted, 0 rejected, {N} failed")
    );
    // One retry budget (6 attempts by default), not one per event.
    let requests = dead.count("/auth/o2/token");
    assert!((1..=6).contains(&requests), "{requests} token requests");
    assert_eq!(stderr.lines().filter(|l| l.contains("HTTP 503")).count(), N);
}

#[test]
fn server_text_on_stderr_is_redacted_and_escaped() {
    use delivery_support::loopback::Reply;
    const TOKEN: &str = "Atza|CLI-ECHO-token-99";
    let (_runtime, server) = loopback(|seen, _| match seen.path.as_str() {
        "/auth/o2/token" => Reply::token(TOKEN, "3600"),
        _ => {
            let auth = seen
                .headers
                .get("authorization")
                .cloned()
                .unwrap_or_default();
            let form = String::from_utf8_lossy(&seen.body).into_owned();
            Reply::new(
                400,
                format!(
                    "\u{1b}[2J\u{1b}[31mtoken {} secret cli%2dsecret%2DSENTINEL form {form} Authorization: {auth}",
                    auth.trim_start_matches("Bearer ")
                ),
            )
        }
    });
    let dir = tempfile::tempdir().expect("temp dir");
    let batch = batch_file(dir.path(), "echo", 2);
    let journal = dir.path().join("echo.journal");
    let (code, stdout, stderr) = send_to(
        &server.url(),
        "development",
        &[
            "--jsonl",
            batch.to_str().expect("path"),
            "--journal",
            journal.to_str().expect("path"),
        ],
    );
    assert_eq!(code, 1, "{stdout}{stderr}");
    assert!(stderr.contains("HTTP 400"), "{stderr}");
    assert!(stderr.contains("[redacted]"), "{stderr}");
    assert!(
        !stderr.contains('\u{1b}'),
        "escapes reach the terminal: {stderr:?}"
    );
    let journal = std::fs::read_to_string(&journal).expect("journal");
    for text in [&stdout, &stderr, &journal] {
        for leak in ["CLI-ECHO-token", "SENTINEL", "%2DSENTINEL", "%2dSENTINEL"] {
            assert!(!text.contains(leak), "{leak} leaked into: {text}");
        }
    }
}

#[test]
fn a_huge_expires_in_does_not_crash_send() {
    use delivery_support::loopback::Reply;
    let (_runtime, server) = loopback(|seen, _| match seen.path.as_str() {
        "/auth/o2/token" => Reply::token("Atc|x", "18446744073709551615"),
        _ => Reply::new(202, ""),
    });
    let dir = tempfile::tempdir().expect("temp dir");
    let batch = batch_file(dir.path(), "huge", 2);
    let (code, stdout, stderr) = send_to(
        &server.url(),
        "development",
        &["--jsonl", batch.to_str().expect("path")],
    );
    assert_eq!(code, 0, "{stdout}{stderr}");
    assert_eq!(
        stdout.trim(),
        "2 accepted, 0 already accepted, 0 rejected, 0 failed"
    );
}

/// A journal write that fails (the file-size limit of the process, EFBIG)
/// stops the run, and the summary still says what was delivered.
#[cfg(target_os = "linux")]
#[test]
fn a_failed_journal_write_still_prints_the_summary() {
    if !std::path::Path::new("/bin/sh").exists() {
        return;
    }
    let emu = cli_emulator();
    let dir = tempfile::tempdir().expect("temp dir");
    let batch = batch_file(dir.path(), "efbig", 40);
    let journal = dir.path().join("efbig.journal");
    // `ulimit -f 2`: writes past 1 KiB fail; SIGXFSZ ignored so that they
    // fail with an error instead of killing the process.
    let out = Command::new("/bin/sh")
        .arg("-c")
        .arg(format!(
            "trap '' XFSZ; ulimit -f 2 && exec \"$0\" send --region NA --stage development \
             --api-base {url} --token-url {url}/auth/o2/token --concurrency 1 \
             --jsonl \"$1\" --journal \"$2\"",
            url = emu.url
        ))
        .arg(BIN)
        .arg(&batch)
        .arg(&journal)
        .env("ALEXA_CLIENT_ID", "cli-id")
        .env("ALEXA_CLIENT_SECRET", "cli-secret-SENTINEL")
        .output()
        .expect("send runs");
    let stdout = String::from_utf8(out.stdout).expect("utf-8");
    let stderr = String::from_utf8(out.stderr).expect("utf-8");
    assert_eq!(out.status.code(), Some(2), "{stdout}{stderr}");
    assert!(stderr.contains("journal"), "{stderr}");
    let numbers: Vec<usize> = stdout
        .split(|c: char| !c.is_ascii_digit())
        .filter(|s| !s.is_empty())
        .map(|s| s.parse().expect("number"))
        .collect();
    let [delivered, 0, 0, 0, not_sent] = numbers[..] else {
        panic!("no summary: {stdout:?} {stderr}")
    };
    assert_eq!(delivered + not_sent, 40, "{stdout}");
    assert_eq!(accepted(&emu).len(), delivered, "{stdout}");
}

/// An invalid event's violations are printed one per line (they were joined
/// by a literal `\n`), and a line break quoted from the body stays escaped
/// inside its line: it cannot start a line of its own.
#[test]
fn an_invalid_events_violations_are_lines_of_their_own() {
    let dir = tempfile::tempdir().expect("temp dir");
    let mut event = body("badOne", Some("amzn1.ask.account.CLI"), 0);
    let payload = event["event"]["payload"]
        .as_object_mut()
        .expect("a payload object");
    payload.insert("first".to_owned(), 1.into());
    payload.insert("x\nbad.json: accepted".to_owned(), 2.into());
    let file = dir.path().join("bad.json");
    std::fs::write(&file, event.to_string()).expect("write");
    // Nothing is sent: the event is refused before any request.
    let (code, stdout, stderr) = send_to(
        "http://127.0.0.1:9",
        "development",
        &[file.to_str().expect("path")],
    );
    assert_eq!(code, 1, "{stdout}{stderr}");
    let lines: Vec<&str> = stderr.lines().collect();
    assert!(
        lines[0].ends_with(": rejected: invalid event, not sent:"),
        "{stderr}"
    );
    let listed: Vec<&str> = lines[1..]
        .iter()
        .copied()
        .filter(|l| l.starts_with("  error["))
        .collect();
    assert_eq!(listed.len(), lines.len() - 1, "{stderr}");
    assert!(listed.len() >= 2, "{stderr}");
    assert!(!stderr.contains("\\n  error["), "{stderr}");
    assert!(
        listed.iter().any(|l| l.contains("x\\nbad.json: accepted")),
        "{stderr}"
    );
    assert!(!lines.iter().any(|l| l.starts_with("bad.json")), "{stderr}");
}
