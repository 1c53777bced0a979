//! `proactive-events send` and `emulate` as a user runs them.

mod delivery_support;

use delivery_support::body;
use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};

const BIN: &str = env!("CARGO_BIN_EXE_proactive-events");

/// A running `proactive-events emulate`, killed on drop.
struct Emulate {
    child: Child,
    url: String,
}

impl Drop for Emulate {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn emulate(args: &[&str]) -> Emulate {
    let mut child = Command::new(BIN)
        .arg("emulate")
        .args(args)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("emulate starts");
    let stdout = child.stdout.take().expect("stdout");
    let mut first = String::new();
    BufReader::new(stdout)
        .read_line(&mut first)
        .expect("first line");
    let url = first
        .trim()
        .strip_prefix("listening on ")
        .unwrap_or_else(|| panic!("first line: {first:?}"))
        .to_owned();
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
    let _ = rustls::crypto::ring::default_provider().install_default();
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
