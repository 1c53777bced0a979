//! `proactive-events doctor` against the emulator: a healthy setup passes, and
//! each failure injected into it turns exactly the expected check; the library
//! function directly, the JSON shape, the 80-column text, and the warnings
//! `send --db` prints after a 202.

use crate::cli_support::{binary, run_in};
use crate::emulator_support::{self, ID, Running, SECRET};
use crate::loopback_support::Loopback;
use crate::skill_events_support::{
    ChainServer, EVENT, Pki, SIGNING_KEY_1, SKILL, USER, ago, http_client, lifecycle_body,
    subscription_body,
};
use alexa_proactive_events::doctor::{self, Check, Inputs, Status};
use alexa_proactive_events::emulator::Scripted;
use alexa_proactive_events::jiff::{SignedDuration, Timestamp};
use alexa_proactive_events::skill_events::handle_json;
use alexa_proactive_events::subscriptions::{Ledger, MemoryLedger, SqliteLedger};
use std::collections::BTreeMap;
use std::path::Path;
use std::process::Command;
use std::sync::Arc;

/// Another user, subscribed to another event only.
const OTHER_USER: &str = "amzn1.ask.account.OTHEREVENTS";
/// A user who disabled the skill.
const DISABLED_USER: &str = "amzn1.ask.account.DISABLED";
/// A user the ledger never heard of.
const UNKNOWN_USER: &str = "amzn1.ask.account.NEVERSEEN";
const OTHER_EVENT: &str = "AMAZON.MessageAlert.Activated";

/// What a run of doctor says: exit code, each check's status, the output.
#[derive(Debug)]
struct Verdict {
    code: i32,
    statuses: BTreeMap<String, String>,
    json: serde_json::Value,
    stderr: String,
}

impl Verdict {
    /// The statuses are the healthy ones but for `changes`.
    fn expect_healthy_but(&self, changes: &[(&str, &str)]) {
        assert_eq!(self.statuses, healthy_but(changes), "{}", self.json);
    }

    fn message(&self, id: &str) -> String {
        self.check(id)["message"].as_str().unwrap_or("").to_owned()
    }

    fn fix(&self, id: &str) -> String {
        self.check(id)["fix"].as_str().unwrap_or("").to_owned()
    }

    fn check(&self, id: &str) -> &serde_json::Value {
        self.json["checks"]
            .as_array()
            .and_then(|a| a.iter().find(|c| c["id"] == id))
            .unwrap_or_else(|| panic!("no check {id}: {}", self.json))
    }
}

/// The statuses of a healthy Unicast setup without --send: all pass but STAGE
/// (development warns by design), DELIVERY (skipped: not sent) and DEVICE (info).
fn healthy() -> BTreeMap<String, String> {
    let mut expected: BTreeMap<String, String> = Check::ALL
        .iter()
        .map(|c| (c.as_str().to_owned(), "pass".to_owned()))
        .collect();
    expected.insert("STAGE".into(), "warn".into());
    expected.insert("DELIVERY".into(), "skip".into());
    expected.insert("DEVICE".into(), "info".into());
    expected
}

/// [`healthy`] with these checks changed.
fn healthy_but(changes: &[(&str, &str)]) -> BTreeMap<String, String> {
    let mut expected = healthy();
    for (id, status) in changes {
        expected.insert((*id).to_owned(), (*status).to_owned());
    }
    expected
}

/// A temporary directory with a fresh body from `new`, a skill.json from
/// `manifest`, an empty journal and a SQLite ledger fed through the library's
/// skill-events path; and an emulator accepting the test credentials.
struct Setup {
    dir: tempfile::TempDir,
    emu: Running,
}

impl Setup {
    fn new() -> Self {
        let dir = tempfile::tempdir().expect("temp dir");
        let setup = Self {
            dir,
            emu: emulator_support::start(emulator_support::config()),
        };
        setup.new_body("event.json", &["--user", USER]);
        let skill = setup.cli(&[
            "manifest",
            "--event",
            EVENT,
            "--endpoint",
            "https://skill.example.com/events",
        ]);
        std::fs::write(setup.path("skill.json"), skill).expect("write skill.json");
        std::fs::write(setup.path("empty.journal"), "").expect("write journal");
        let ledger = SqliteLedger::open(setup.path("subs.db")).expect("ledger");
        let now = Timestamp::now();
        for body in [
            subscription_body(SKILL, USER, &[EVENT], ago(now, 30), "req-1"),
            subscription_body(SKILL, OTHER_USER, &[OTHER_EVENT], ago(now, 30), "req-2"),
            subscription_body(SKILL, DISABLED_USER, &[EVENT], ago(now, 60), "req-3"),
            lifecycle_body("SkillDisabled", SKILL, DISABLED_USER, ago(now, 30), "req-4"),
        ] {
            handle_json(&ledger, &body).expect("the notice applies");
        }
        setup
    }

    fn path(&self, name: &str) -> std::path::PathBuf {
        self.dir.path().join(name)
    }

    /// The binary's stdout for `args`, run in the directory; it must succeed.
    fn cli(&self, args: &[&str]) -> String {
        let out = run_in(self.dir.path(), args, None);
        assert_eq!(out.code, 0, "{args:?}: {}", out.stderr);
        out.stdout
    }

    /// `proactive-events new EVENT ARGS > name`.
    fn new_body(&self, name: &str, args: &[&str]) {
        let mut all = vec!["new", EVENT];
        all.extend_from_slice(args);
        let body = self.cli(&all);
        std::fs::write(self.path(name), body).expect("write body");
    }

    fn edit_json(&self, name: &str, edit: impl FnOnce(&mut serde_json::Value)) {
        let mut value: serde_json::Value =
            serde_json::from_slice(&std::fs::read(self.path(name)).expect("read")).expect("JSON");
        edit(&mut value);
        std::fs::write(self.path(name), value.to_string()).expect("write");
    }

    /// `--api-base` and `--token-url` of the emulator.
    fn urls(&self) -> [String; 4] {
        let handle = self.emu.handle();
        [
            "--api-base".into(),
            handle.base_url(),
            "--token-url".into(),
            handle.token_url(),
        ]
    }

    /// The binary with the test credentials (`secret` as the secret).
    fn command(&self, secret: &str) -> Command {
        let mut cmd = Command::new(binary());
        cmd.current_dir(self.dir.path())
            .env("ALEXA_CLIENT_ID", ID)
            .env("ALEXA_CLIENT_SECRET", secret);
        cmd
    }

    /// doctor on the healthy inputs, `args` after them (each option once: pass
    /// `body`, `region` to replace those).
    fn doctor(&self, body: &str, region: &str, args: &[&str]) -> Verdict {
        self.doctor_with(SECRET, body, region, args)
    }

    fn doctor_with(&self, secret: &str, body: &str, region: &str, args: &[&str]) -> Verdict {
        let out = self
            .command(secret)
            .args(["doctor", "--event", body, "--region", region])
            .args(["--stage", "development", "--skill-id", SKILL])
            .args(["--format", "json"])
            .args(self.urls())
            .args(args)
            .output()
            .expect("doctor runs");
        let stdout = String::from_utf8(out.stdout).expect("UTF-8");
        let stderr = String::from_utf8(out.stderr).expect("UTF-8");
        assert!(
            !stdout.contains(secret) && !stderr.contains(secret),
            "the secret is never shown: {stdout}{stderr}"
        );
        let json: serde_json::Value = serde_json::from_str(&stdout)
            .unwrap_or_else(|e| panic!("JSON report ({e}): {stdout}{stderr}"));
        let statuses = json["checks"]
            .as_array()
            .expect("checks")
            .iter()
            .map(|c| {
                (
                    c["id"].as_str().expect("id").to_owned(),
                    c["status"].as_str().expect("status").to_owned(),
                )
            })
            .collect();
        Verdict {
            code: out.status.code().expect("exit code"),
            statuses,
            json,
            stderr,
        }
    }
}

/// The inputs every failure test starts from: skill.json, ledger, journal.
const FULL: &[&str] = &[
    "--skill-json",
    "skill.json",
    "--db",
    "subs.db",
    "--journal",
    "empty.journal",
];

fn with(extra: &[&'static str]) -> Vec<&'static str> {
    let mut args = FULL.to_vec();
    args.extend_from_slice(extra);
    args
}

#[test]
fn a_healthy_setup_passes_and_each_injected_failure_fails_its_own_check() {
    let s = Setup::new();
    let v = s.doctor("event.json", "EU", FULL);
    v.expect_healthy_but(&[]);
    assert_eq!(v.code, 0, "{}", v.stderr);

    // A wrong secret: CREDENTIALS fails with the hint; there is no token to
    // check the scope of.
    let v = s.doctor_with("wrong-SENTINEL-secret", "event.json", "EU", FULL);
    v.expect_healthy_but(&[("CREDENTIALS", "fail"), ("TOKEN-SCOPE", "skip")]);
    assert_eq!(v.code, 1);
    assert!(
        v.message("CREDENTIALS").contains("invalid_client"),
        "{}",
        v.json
    );
    assert!(
        v.fix("CREDENTIALS").contains("security profile"),
        "{}",
        v.json
    );

    // skill.json without the permission, the publication, the subscription.
    for (pointer, id) in [
        ("permissions", "MANIFEST-PERMISSION"),
        ("publications", "MANIFEST-PUBLICATION"),
        ("subscriptions", "MANIFEST-SUBSCRIPTION"),
    ] {
        std::fs::copy(s.path("skill.json"), s.path("broken.json")).expect("copy");
        s.edit_json("broken.json", |skill| {
            let manifest = &mut skill["manifest"];
            let list = if pointer == "permissions" {
                &mut manifest[pointer]
            } else {
                &mut manifest["events"][pointer]
            };
            *list = serde_json::json!([]);
        });
        let v = s.doctor(
            "event.json",
            "EU",
            &[
                "--skill-json",
                "broken.json",
                "--db",
                "subs.db",
                "--journal",
                "empty.journal",
            ],
        );
        v.expect_healthy_but(&[(id, "fail")]);
        assert_eq!(v.code, 1);
    }

    // An expired body (valid in itself: 1 h between timestamp and expiry).
    std::fs::copy(s.path("event.json"), s.path("expired.json")).expect("copy");
    s.edit_json("expired.json", |body| {
        let then = Timestamp::now() - SignedDuration::from_hours(2);
        body["timestamp"] = then.to_string().into();
        body["expiryTime"] = (then + SignedDuration::from_hours(1)).to_string().into();
    });
    let v = s.doctor("expired.json", "EU", FULL);
    v.expect_healthy_but(&[("BODY-FRESH", "fail")]);
    assert!(v.message("BODY-FRESH").contains("expired"), "{}", v.json);

    // A user the ledger never heard of, one subscribed to another event only,
    // and one who disabled the skill.
    s.new_body("unknown.json", &["--user", UNKNOWN_USER]);
    let v = s.doctor("unknown.json", "EU", FULL);
    v.expect_healthy_but(&[("SUBSCRIBED", "fail"), ("REGION", "skip")]);
    assert!(v.message("SUBSCRIBED").contains("no subscription notice"));
    s.new_body("other.json", &["--user", OTHER_USER]);
    let v = s.doctor("other.json", "EU", FULL);
    v.expect_healthy_but(&[("SUBSCRIBED", "fail")]);
    assert!(v.message("SUBSCRIBED").contains(OTHER_EVENT), "{}", v.json);
    s.new_body("disabled.json", &["--user", DISABLED_USER]);
    let v = s.doctor("disabled.json", "EU", FULL);
    v.expect_healthy_but(&[("SUBSCRIBED", "fail")]);
    assert!(v.message("SUBSCRIBED").contains("disabled"), "{}", v.json);

    // The user's apiEndpoint is EU's host; the event goes to NA.
    let v = s.doctor("event.json", "NA", FULL);
    v.expect_healthy_but(&[("REGION", "fail")]);
    assert!(v.fix("REGION").contains("--region EU"), "{}", v.json);
}

#[test]
fn a_reference_id_in_the_journal_fails_reference_unused() {
    let s = Setup::new();
    let sent = s
        .command(SECRET)
        .args([
            "send",
            "event.json",
            "--region",
            "EU",
            "--stage",
            "development",
        ])
        .args(["--journal", "sent.journal"])
        .args(s.urls())
        .output()
        .expect("send runs");
    assert_eq!(sent.status.code(), Some(0), "{sent:?}");
    let v = s.doctor(
        "event.json",
        "EU",
        &[
            "--skill-json",
            "skill.json",
            "--db",
            "subs.db",
            "--journal",
            "sent.journal",
        ],
    );
    v.expect_healthy_but(&[("REFERENCE-UNUSED", "fail")]);
    assert!(v.message("REFERENCE-UNUSED").contains("409"), "{}", v.json);
}

#[test]
fn send_explains_202_403_409_429_432_and_400() {
    let s = Setup::new();
    let v = s.doctor("event.json", "EU", &with(&["--send"]));
    v.expect_healthy_but(&[("DELIVERY", "pass")]);
    assert_eq!(v.code, 0);
    assert_eq!(s.emu.handle().events().len(), 1, "sent once");
    // 403 twice: the client tries a fresh token once on a 403.
    for (script, status, words) in [
        (
            vec![Scripted::status(403), Scripted::status(403)],
            "403",
            "not subscribed",
        ),
        (vec![Scripted::status(409)], "409", "already accepted"),
        (vec![Scripted::status(429)], "429", "rate"),
        (vec![Scripted::status(432)], "432", "limits"),
        (vec![Scripted::status(400)], "400", "rule"),
    ] {
        s.emu.handle().script_events(script);
        let v = s.doctor("event.json", "EU", &with(&["--send"]));
        v.expect_healthy_but(&[("DELIVERY", "fail")]);
        assert_eq!(v.code, 1);
        let explained = format!("{} {}", v.message("DELIVERY"), v.fix("DELIVERY"));
        assert!(
            explained.starts_with(status) && explained.contains(words),
            "{status}: {explained}"
        );
    }
    // Without --send nothing is posted.
    let before = s.emu.handle().stats().event_requests;
    s.doctor("event.json", "EU", FULL);
    assert_eq!(s.emu.handle().stats().event_requests, before);
}

#[test]
fn a_multicast_without_subscribers_warns() {
    let s = Setup::new();
    s.new_body("multicast.json", &[]);
    let v = s.doctor("multicast.json", "EU", FULL);
    v.expect_healthy_but(&[]);
    // USER only: DISABLED_USER disabled the skill, OTHER_USER has another event.
    assert!(
        v.message("SUBSCRIBED").starts_with("1 user(s)"),
        "{}",
        v.json
    );

    // A ledger where nobody is subscribed to the event.
    let empty = SqliteLedger::open(s.path("nobody.db")).expect("ledger");
    handle_json(
        &empty,
        &subscription_body(SKILL, OTHER_USER, &[OTHER_EVENT], Timestamp::now(), "r"),
    )
    .expect("applies");
    let v = s.doctor(
        "multicast.json",
        "EU",
        &[
            "--skill-json",
            "skill.json",
            "--db",
            "nobody.db",
            "--journal",
            "empty.journal",
        ],
    );
    v.expect_healthy_but(&[("SUBSCRIBED", "warn"), ("REGION", "skip")]);
    assert_eq!(v.code, 0, "a warning is no failure");
    assert!(v.message("SUBSCRIBED").contains("202"), "{}", v.json);
}

#[test]
fn missing_inputs_are_skipped_with_what_to_pass() {
    let s = Setup::new();
    let out = Command::new(binary())
        .current_dir(s.dir.path())
        .env_remove("ALEXA_CLIENT_ID")
        .env_remove("ALEXA_CLIENT_SECRET")
        .args(["doctor", "--event", "event.json", "--format", "json"])
        .output()
        .expect("runs");
    assert_eq!(out.status.code(), Some(0));
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON");
    for c in json["checks"].as_array().expect("checks") {
        let id = c["id"].as_str().expect("id");
        let expected = match id {
            "BODY-VALID" | "BODY-FRESH" => "pass",
            "DEVICE" => "info",
            _ => "skip",
        };
        assert_eq!(c["status"], expected, "{c}");
        if expected == "skip" {
            let fix = c["fix"].as_str().expect("fix");
            assert!(
                fix.contains("pass --") || fix.contains("ALEXA_CLIENT_ID"),
                "{c}"
            );
        }
    }
    // Usage errors: --send without --region and --stage; a missing ledger or journal.
    for args in [
        &["--send"][..],
        &["--db", "missing.db"],
        &["--journal", "missing.journal"],
        &["--skill-json", "missing.json"],
    ] {
        let out = run_in(
            s.dir.path(),
            &[&["doctor", "--event", "event.json"][..], args].concat(),
            None,
        );
        assert_eq!(out.code, 2, "{args:?}: {}", out.stderr);
    }
    assert!(!s.path("missing.db").exists() && !s.path("missing.journal").exists());
}

#[test]
fn the_json_report_has_one_object_per_check_in_order() {
    let s = Setup::new();
    let v = s.doctor("event.json", "EU", FULL);
    let checks = v.json["checks"].as_array().expect("checks");
    let ids: Vec<&str> = checks
        .iter()
        .map(|c| c["id"].as_str().expect("id"))
        .collect();
    let all: Vec<&str> = Check::ALL.iter().map(|c| c.as_str()).collect();
    assert_eq!(ids, all);
    for c in checks {
        let keys: Vec<&String> = c.as_object().expect("object").keys().collect();
        assert_eq!(keys, ["id", "status", "message", "fix"], "{c}");
        assert!(
            ["pass", "fail", "warn", "skip", "info"]
                .contains(&c["status"].as_str().expect("status"))
        );
        assert!(!c["message"].as_str().expect("message").contains('\n'));
    }
    assert_eq!(v.json.as_object().expect("object").len(), 1);
}

#[test]
fn the_text_report_fits_80_columns_and_escapes_what_it_echoes() {
    let s = Setup::new();
    // A user id with an escape sequence and a very long name.
    let user = format!("amzn1.ask.account.\u{1b}[2J{}", "X".repeat(150));
    s.new_body("hostile.json", &["--user", "amzn1.ask.account.PLACEHOLDER"]);
    s.edit_json("hostile.json", |b| {
        b["relevantAudience"]["payload"]["user"] = user.clone().into();
    });
    let out = s
        .command(SECRET)
        .args(["doctor", "--event", "hostile.json", "--region", "EU"])
        .args(["--stage", "development"])
        .args(s.urls())
        .args(FULL)
        .output()
        .expect("runs");
    let text = String::from_utf8(out.stdout).expect("UTF-8");
    assert_eq!(out.status.code(), Some(1), "{text}");
    for line in text.lines() {
        assert!(
            line.chars().count() <= 80,
            "{} columns: {line}",
            line.chars().count()
        );
    }
    assert!(!text.contains('\u{1b}'), "{text}");
    let list: Vec<&str> = text.lines().take(Check::ALL.len()).collect();
    for (line, check) in list.iter().zip(Check::ALL) {
        assert!(line[6..].starts_with(check.as_str()), "{line}");
    }
    assert!(list[0].starts_with("PASS  BODY-VALID"), "{text}");
    assert!(text.contains("FAIL  SUBSCRIBED"), "{text}");
    assert!(text.contains("  fix: "), "{text}");
    assert!(text.trim_end().ends_with("1 info"), "{text}");
}

#[test]
fn send_with_a_ledger_warns_after_a_202_and_names_doctor() {
    let s = Setup::new();
    s.new_body("other.json", &["--user", OTHER_USER]);
    s.new_body("again.json", &["--user", USER]);
    s.new_body("multicast.json", &[]);
    let nobody = SqliteLedger::open(s.path("nobody.db")).expect("ledger");
    drop(nobody);
    let send = |files: &[&str], db: &str, region: &str| {
        let out = s
            .command(SECRET)
            .arg("send")
            .args(files)
            .args(["--region", region, "--stage", "development", "--db", db])
            .args(["--skill-id", SKILL])
            .args(s.urls())
            .output()
            .expect("send runs");
        assert_eq!(out.status.code(), Some(0), "{out:?}");
        String::from_utf8(out.stderr).expect("UTF-8")
    };
    // Subscribed, in EU: nothing to say.
    assert_eq!(send(&["event.json"], "subs.db", "EU"), "");
    // Not subscribed to this event.
    let stderr = send(&["other.json"], "subs.db", "EU");
    assert!(
        stderr.contains("other.json: accepted, but SUBSCRIBED fail") && stderr.contains("doctor"),
        "{stderr}"
    );
    // Sent to NA, the user is in EU.
    let stderr = send(&["again.json"], "subs.db", "NA");
    assert!(
        stderr.contains("REGION fail") && stderr.contains("doctor"),
        "{stderr}"
    );
    // A Multicast nobody is subscribed to.
    let stderr = send(&["multicast.json"], "nobody.db", "EU");
    assert!(
        stderr.contains("SUBSCRIBED warn") && stderr.contains("doctor"),
        "{stderr}"
    );
}

/// The library function as a skill backend calls it: inside a tokio runtime
/// (the multi-thread one of `#[tokio::main]`, and a current-thread one), with a
/// ledger in memory.
#[tokio::test(flavor = "multi_thread")]
async fn the_library_runs_inside_a_tokio_runtime() {
    library_checks().await;
}

#[tokio::test(flavor = "current_thread")]
async fn the_library_runs_inside_a_current_thread_runtime() {
    library_checks().await;
}

async fn library_checks() {
    let emu = alexa_proactive_events::emulator::Emulator::start(emulator_support::config())
        .await
        .expect("emulator");
    let ledger = MemoryLedger::new();
    handle_json(
        &ledger,
        &subscription_body(SKILL, USER, &[EVENT], Timestamp::now(), "r1"),
    )
    .expect("applies");
    let ledger: Arc<dyn Ledger + Send + Sync> = Arc::new(ledger);
    let now = Timestamp::now();
    let body = serde_json::json!({
        "timestamp": now.to_string(),
        "referenceId": "doctorLibrary1",
        "expiryTime": (now + SignedDuration::from_hours(1)).to_string(),
        "event": {"name": EVENT, "payload": {"weatherAlert": {
            "source": "localizedattribute:source", "alertType": "TORNADO"}}},
        "localizedAttributes": [{"locale": "en-US", "source": "Weather"}],
        "relevantAudience": {"type": "Unicast", "payload": {"user": USER}},
    });
    let client = alexa_proactive_events::client::Client::builder(
        alexa_proactive_events::client::Credentials::new(ID, SECRET),
        alexa_proactive_events::Region::Europe,
        alexa_proactive_events::client::Stage::Live,
    )
    .api_base(emu.base_url())
    .token_url(emu.token_url())
    .build()
    .expect("client");
    let mut inputs = Inputs::new(body.to_string());
    inputs.client = Some(client);
    inputs.ledger = Some(ledger);
    inputs.region = Some(alexa_proactive_events::Region::Europe);
    inputs.stage = Some(alexa_proactive_events::client::Stage::Live);
    inputs.send = true;
    let report = doctor::run(inputs.clone()).await;
    let status = |c: Check| report.get(c).map(|f| f.status);
    assert_eq!(status(Check::BodyValid), Some(Status::Pass), "{report:?}");
    assert_eq!(status(Check::Credentials), Some(Status::Pass), "{report:?}");
    assert_eq!(status(Check::Subscribed), Some(Status::Pass), "{report:?}");
    assert_eq!(status(Check::Region), Some(Status::Pass), "{report:?}");
    assert_eq!(status(Check::Stage), Some(Status::Pass), "{report:?}");
    assert_eq!(status(Check::Delivery), Some(Status::Pass), "{report:?}");
    assert_eq!(status(Check::ManifestPermission), Some(Status::Skip));
    assert_eq!(status(Check::Device), Some(Status::Info));
    assert!(report.passed());
    assert_eq!(emu.events().len(), 1);
    // The same event again: 409, explained.
    let again = doctor::run(inputs).await;
    assert_eq!(
        again.get(Check::Delivery).map(|f| f.status),
        Some(Status::Fail)
    );
    assert!(!again.passed());
    // Garbage is a failed BODY-VALID, never a panic; what needs the body skips.
    for body in [
        &b""[..],
        b"{",
        b"[]",
        b"\xff\xfe",
        br#"{"event": {"name": 7}}"#,
    ] {
        let report = doctor::run(Inputs::new(body)).await;
        assert_eq!(
            report.get(Check::BodyValid).map(|f| f.status),
            Some(Status::Fail)
        );
        assert_eq!(
            report.get(Check::ManifestPublication).map(|f| f.status),
            Some(Status::Skip)
        );
        assert_eq!(report.checks.len(), Check::ALL.len());
    }
    emu.shutdown().await;
}

/// The healthy setup of the issue: the ledger fed by a signed notice through
/// `serve`, the emulator as a process, a body from `new`, skill.json from
/// `manifest`: every check passes but STAGE (a warning by design), DELIVERY
/// (pass with --send) and DEVICE (info); exit 0. The text report is printed.
#[tokio::test(flavor = "multi_thread")]
async fn a_notice_through_serve_makes_a_healthy_setup() {
    let pki = Pki::new();
    let server = ChainServer::for_pki(&pki).await;
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::write(dir.path().join("root.pem"), &pki.root_pem).expect("write");
    let serve = crate::serve::Serve::start_with_db(dir.path(), &server.prefix(), "subs.db", &[]);
    let signed = subscription_body(SKILL, USER, &[EVENT], ago(Timestamp::now(), 20), "req-1");
    let status =
        crate::serve::post(&http_client(), &serve.url, &server, signed, SIGNING_KEY_1).await;
    assert_eq!(status, 200);
    let (code, _) = serve.terminate();
    assert_eq!(code, 0);
    let emu = crate::delivery_cli::emulate(&[
        "--client-id",
        ID,
        "--client-secret",
        SECRET,
        "--rate",
        "0",
    ]);
    let run = |args: &[&str]| {
        let out = run_in(dir.path(), args, None);
        assert_eq!(out.code, 0, "{args:?}: {}{}", out.stdout, out.stderr);
        out.stdout
    };
    std::fs::write(dir.path().join("empty.journal"), "").expect("write");
    std::fs::write(
        dir.path().join("event.json"),
        run(&["new", EVENT, "--user", USER]),
    )
    .expect("write");
    std::fs::write(
        dir.path().join("skill.json"),
        run(&[
            "manifest",
            "--event",
            EVENT,
            "--endpoint",
            "https://skill.example.com/events",
        ]),
    )
    .expect("write");
    let out = Command::new(binary())
        .current_dir(dir.path())
        .env("ALEXA_CLIENT_ID", ID)
        .env("ALEXA_CLIENT_SECRET", SECRET)
        .args([
            "doctor",
            "--event",
            "event.json",
            "--skill-json",
            "skill.json",
        ])
        .args(["--db", "subs.db", "--skill-id", SKILL, "--region", "EU"])
        .args([
            "--journal",
            "empty.journal",
            "--stage",
            "development",
            "--send",
        ])
        .args([
            "--api-base",
            &emu.url,
            "--token-url",
            &format!("{}/auth/o2/token", emu.url),
        ])
        .output()
        .expect("doctor runs");
    let text = String::from_utf8(out.stdout).expect("UTF-8");
    assert_eq!(out.status.code(), Some(0), "{text}");
    let lines: Vec<&str> = text.lines().take(Check::ALL.len()).collect();
    for (line, check) in lines.iter().zip(Check::ALL) {
        let expected = match check {
            Check::Stage => "WARN",
            Check::Device => "INFO",
            _ => "PASS",
        };
        assert!(line.starts_with(&format!("{expected}  {check}")), "{text}");
    }
    assert!(!text.contains(SECRET));
    assert!(Path::new(&dir.path().join("subs.db")).is_file());
}

/// The guide chapter names every check (the ids are owned by `Check::ALL`).
#[test]
fn the_troubleshooting_chapter_names_every_check() {
    let chapter = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../docs/guide/src/troubleshooting.md"),
    )
    .expect("the chapter exists");
    for check in Check::ALL {
        assert!(
            chapter.contains(&format!("`{check}`")),
            "{check} is not in the chapter"
        );
    }
}

/// A client with the emulator's credentials for `base` and `token_url`, with no
/// retry: a check sees the first answer.
fn client(base: String, token_url: String) -> alexa_proactive_events::client::Client {
    use alexa_proactive_events::client::{Client, Credentials, RetryPolicy, Stage};
    Client::builder(
        Credentials::new(ID, SECRET),
        alexa_proactive_events::Region::Europe,
        Stage::Development,
    )
    .api_base(base)
    .token_url(token_url)
    .retry(RetryPolicy::none())
    .build()
    .expect("client")
}

/// `CREDENTIALS` tells a network error and a refused TLS certificate from
/// `invalid_client`, each with its own fix.
#[tokio::test(flavor = "multi_thread")]
async fn credentials_tell_network_and_tls_errors_from_invalid_client() {
    use alexa_proactive_events::emulator::{Emulator, EmulatorConfig};
    let credentials = |report: &doctor::Report| {
        let f = report.get(Check::Credentials).expect("CREDENTIALS").clone();
        assert_eq!(f.status, Status::Fail, "{f:?}");
        assert!(!f.message.contains("invalid_client"), "{f:?}");
        assert!(!format!("{report:?}").contains(SECRET));
        f
    };
    // Nothing listens on a port that was just closed.
    let closed = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let base = format!("http://{}", closed.local_addr().expect("addr"));
    drop(closed);
    let mut inputs = Inputs::new(&b"{}"[..]);
    inputs.client = Some(client(base.clone(), format!("{base}/auth/o2/token")));
    let f = credentials(&doctor::run(inputs).await);
    assert!(f.fix.contains("unreachable"), "{f:?}");

    // The emulator over TLS, its authority not trusted.
    let emu = Emulator::start(EmulatorConfig {
        tls: true,
        ..emulator_support::config()
    })
    .await
    .expect("emulator");
    let mut inputs = Inputs::new(&b"{}"[..]);
    inputs.client = Some(client(emu.base_url(), emu.token_url()));
    let f = credentials(&doctor::run(inputs).await);
    assert!(f.fix.contains("--ca-cert"), "{f:?}");
    emu.shutdown().await;
}

/// `TOKEN-SCOPE` against a token endpoint that grants another scope, refuses
/// this one (`invalid_scope`) or names none: the emulator grants only the right
/// scope, so a stub endpoint on loopback answers here.
#[tokio::test(flavor = "multi_thread")]
async fn token_scope_fails_for_another_scope_and_for_invalid_scope() {
    use axum::http::StatusCode;
    let cases: [(StatusCode, &str, Status, Status, &str, &str); 3] = [
        (
            StatusCode::OK,
            r#"{"access_token":"Atc|stub","token_type":"bearer","expires_in":3600,"scope":"profile"}"#,
            Status::Pass,
            Status::Fail,
            "`profile`",
            "Skill Messaging",
        ),
        (
            StatusCode::BAD_REQUEST,
            r#"{"error":"invalid_scope","error_description":"The requested scope is invalid"}"#,
            Status::Pass,
            Status::Fail,
            "invalid_scope",
            "manifest",
        ),
        (
            StatusCode::OK,
            r#"{"access_token":"Atc|stub","token_type":"bearer","expires_in":3600}"#,
            Status::Pass,
            Status::Pass,
            "names no scope",
            "",
        ),
    ];
    for (status, answer, credentials, scope, says, fix) in cases {
        let app = axum::Router::new().route(
            "/auth/o2/token",
            axum::routing::post(move || async move {
                (
                    status,
                    [(axum::http::header::CONTENT_TYPE, "application/json")],
                    answer,
                )
            }),
        );
        let server = Loopback::serve(app).await;
        let base = server.base();
        let mut inputs = Inputs::new(&b"{}"[..]);
        inputs.client = Some(client(base.clone(), format!("{base}/auth/o2/token")));
        let report = doctor::run(inputs).await;
        server.stop().await;
        let c = report.get(Check::Credentials).expect("CREDENTIALS");
        let s = report.get(Check::TokenScope).expect("TOKEN-SCOPE");
        assert_eq!(
            (c.status, s.status),
            (credentials, scope),
            "{answer}: {c:?} {s:?}"
        );
        assert!(s.message.contains(says), "{answer}: {s:?}");
        assert!(s.fix.contains(fix), "{answer}: {s:?}");
        assert!(!format!("{report:?}").contains(SECRET));
    }
}
