//! `proactive-events manifest` run as a process: fragments and merging into skill.json.

use crate::cli_support;

use cli_support::{run, run_in};
use serde_json::{Value, json};
use std::path::Path;

const ORDER: &str = "AMAZON.OrderStatus.Updated";
const WEATHER: &str = "AMAZON.WeatherAlert.Activated";

/// A skill.json as ASK CLI writes it (`skill-package/skill.json`, 2-space indents),
/// already asking for another permission and publishing one event.
const SKILL_JSON: &str = r#"{
  "manifest": {
    "publishingInformation": {
      "locales": {
        "en-US": {
          "summary": "Tracks your orders",
          "examplePhrases": [
            "Alexa, open order tracker",
            "Alexa, ask order tracker where my parcel is"
          ],
          "name": "Order Tracker",
          "description": "Tells you when your order ships."
        }
      },
      "isAvailableWorldwide": true,
      "testingInstructions": "Place an order first.",
      "category": "SHOPPING",
      "distributionCountries": []
    },
    "apis": {
      "custom": {
        "endpoint": {
          "uri": "arn:aws:lambda:us-east-1:123456789012:function:order-tracker"
        },
        "interfaces": []
      }
    },
    "manifestVersion": "1.0",
    "permissions": [
      {
        "name": "alexa::profile:email:read"
      }
    ],
    "events": {
      "publications": [
        {
          "eventName": "AMAZON.WeatherAlert.Activated"
        }
      ]
    },
    "privacyAndCompliance": {
      "allowsPurchases": false,
      "usesPersonalInfo": false,
      "isChildDirected": false,
      "isExportCompliant": true,
      "containsAds": false
    }
  }
}
"#;

fn stdout_json(args: &[&str]) -> Value {
    let out = run(args, None);
    assert_eq!(out.code, 0, "{args:?}: {out:?}");
    serde_json::from_str(&out.stdout).expect("stdout is JSON")
}

fn keys(v: &Value) -> Vec<&str> {
    v.as_object()
        .expect("an object")
        .keys()
        .map(String::as_str)
        .collect()
}

#[test]
fn one_event_prints_the_exact_fragment() {
    let out = run(&["manifest", "--event", ORDER], None);
    assert_eq!(out.code, 0, "{out:?}");
    assert_eq!(
        out.stdout,
        r#"{
  "manifest": {
    "permissions": [
      {
        "name": "alexa::devices:all:notifications:write"
      }
    ],
    "events": {
      "publications": [
        {
          "eventName": "AMAZON.OrderStatus.Updated"
        }
      ],
      "subscriptions": [
        {
          "eventName": "SKILL_PROACTIVE_SUBSCRIPTION_CHANGED"
        }
      ]
    }
  }
}
"#
    );
}

/// No `--event`: every event, the same as the generated `manifest/skill-manifest.json`.
#[test]
fn all_events_match_the_generated_manifest() {
    let printed = stdout_json(&["manifest"]);
    let path =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../generated/manifest/skill-manifest.json");
    let mut generated: Value =
        serde_json::from_slice(&std::fs::read(path).expect("generated manifest")).expect("JSON");
    generated
        .as_object_mut()
        .expect("an object")
        .remove("$comment");
    assert_eq!(printed, generated);
    let publications = printed["manifest"]["events"]["publications"]
        .as_array()
        .expect("publications");
    assert_eq!(
        publications.len(),
        alexa_proactive_events::EVENT_NAMES.len()
    );
}

#[test]
fn events_print_in_canonical_order_once() {
    let printed = stdout_json(&[
        "manifest", "--event", WEATHER, "--event", ORDER, "--event", WEATHER,
    ]);
    assert_eq!(
        printed["manifest"]["events"]["publications"],
        json!([{"eventName": ORDER}, {"eventName": WEATHER}])
    );
}

#[test]
fn endpoint_is_added_last_in_events() {
    let uri = "https://skill.example.com/events";
    let printed = stdout_json(&["manifest", "--event", ORDER, "--endpoint", uri]);
    let events = &printed["manifest"]["events"];
    assert_eq!(keys(events), ["publications", "subscriptions", "endpoint"]);
    assert_eq!(events["endpoint"], json!({"uri": uri}));
}

#[test]
fn unknown_event_is_a_usage_error_naming_the_events() {
    let out = run(&["manifest", "--event", "AMAZON.OrderStatus.Update"], None);
    assert_eq!(out.code, 2, "{out:?}");
    assert_eq!(out.stdout, "");
    assert!(
        out.stderr
            .contains("invalid value 'AMAZON.OrderStatus.Update' for '--event <NAME>'"),
        "{}",
        out.stderr
    );
    assert!(
        out.stderr.contains("'AMAZON.OrderStatus.Updated'"),
        "a hint: {}",
        out.stderr
    );
    for name in alexa_proactive_events::EVENT_NAMES {
        assert!(out.stderr.contains(name), "lists {name}: {}", out.stderr);
    }
}

#[test]
fn an_endpoint_that_is_neither_arn_nor_https_is_a_usage_error() {
    let out = run(
        &["manifest", "--endpoint", "http://skill.example.com"],
        None,
    );
    assert_eq!(out.code, 2, "{out:?}");
    assert!(out.stderr.contains("Lambda ARN"), "{}", out.stderr);
}

#[test]
fn merge_keeps_everything_and_adds_without_duplicates() {
    let dir = tempfile::tempdir().expect("temp dir");
    std::fs::write(dir.path().join("skill.json"), SKILL_JSON).expect("written");
    let out = run_in(
        dir.path(),
        &[
            "manifest",
            "--event",
            ORDER,
            "--event",
            WEATHER,
            "--merge",
            "skill.json",
        ],
        None,
    );
    assert_eq!(out.code, 0, "{out:?}");
    assert_eq!(
        out.stderr,
        "skill.json: added 1 permission, 1 publication, 1 subscription\n"
    );
    let merged: Value = serde_json::from_str(&out.stdout).expect("JSON");
    let original: Value = serde_json::from_str(SKILL_JSON).expect("JSON");
    let manifest = &merged["manifest"];

    // Nothing dropped or reordered; new keys would go last.
    assert_eq!(
        keys(manifest),
        [
            "publishingInformation",
            "apis",
            "manifestVersion",
            "permissions",
            "events",
            "privacyAndCompliance"
        ]
    );
    for key in [
        "publishingInformation",
        "apis",
        "manifestVersion",
        "privacyAndCompliance",
    ] {
        assert_eq!(manifest[key], original["manifest"][key], "{key}");
    }
    assert_eq!(
        keys(&manifest["publishingInformation"]["locales"]["en-US"]),
        ["summary", "examplePhrases", "name", "description"]
    );
    assert_eq!(
        manifest["permissions"],
        json!([{"name": "alexa::profile:email:read"}, {"name": "alexa::devices:all:notifications:write"}])
    );
    assert_eq!(
        manifest["events"],
        json!({
            "publications": [{"eventName": WEATHER}, {"eventName": ORDER}],
            "subscriptions": [{"eventName": "SKILL_PROACTIVE_SUBSCRIPTION_CHANGED"}]
        })
    );
    // The original lines survive as they were, 2-space indents included.
    for line in SKILL_JSON.lines() {
        assert!(out.stdout.contains(line), "kept: {line}");
    }
}

#[test]
fn merging_twice_is_byte_identical() {
    let dir = tempfile::tempdir().expect("temp dir");
    std::fs::write(dir.path().join("skill.json"), SKILL_JSON).expect("written");
    let args = [
        "manifest",
        "--endpoint",
        "arn:aws:lambda:us-east-1:123456789012:function:events",
        "--merge",
        "skill.json",
    ];
    let once = run_in(dir.path(), &args, None);
    assert_eq!(once.code, 0, "{once:?}");
    assert_ne!(once.stdout, SKILL_JSON);
    std::fs::write(dir.path().join("skill.json"), &once.stdout).expect("written");
    let twice = run_in(dir.path(), &args, None);
    assert_eq!(twice.code, 0, "{twice:?}");
    assert_eq!(twice.stdout, once.stdout);
    assert_eq!(
        twice.stderr,
        "skill.json: already declares everything; unchanged\n"
    );
}

#[test]
fn merge_in_place_rewrites_the_file_and_is_idempotent() {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("skill.json");
    std::fs::write(&path, SKILL_JSON).expect("written");
    let printed = run_in(dir.path(), &["manifest", "--merge", "skill.json"], None);
    assert_eq!(printed.code, 0, "{printed:?}");

    let args = ["manifest", "--merge", "skill.json", "--in-place"];
    let out = run_in(dir.path(), &args, None);
    assert_eq!(out.code, 0, "{out:?}");
    assert_eq!(out.stdout, "");
    let first = std::fs::read_to_string(&path).expect("readable");
    assert_eq!(first, printed.stdout, "the file holds what --merge prints");

    #[cfg(unix)]
    let inode = std::os::unix::fs::MetadataExt::ino(&std::fs::metadata(&path).expect("exists"));
    let out = run_in(dir.path(), &args, None);
    assert_eq!(out.code, 0, "{out:?}");
    assert_eq!(std::fs::read_to_string(&path).expect("readable"), first);
    #[cfg(unix)]
    assert_eq!(
        std::os::unix::fs::MetadataExt::ino(&std::fs::metadata(&path).expect("exists")),
        inode,
        "the second merge does not even rewrite the file"
    );
    let names: Vec<_> = std::fs::read_dir(dir.path())
        .expect("listable")
        .map(|e| e.expect("entry").file_name())
        .collect();
    assert_eq!(names, ["skill.json"], "no temporary file left behind");
}

#[test]
fn merge_into_a_manifest_without_events_adds_them_last() {
    let skill = json!({"manifest": {"manifestVersion": "1.0", "apis": {"custom": {}}}});
    let out = run(
        &["manifest", "--event", ORDER, "--merge", "-"],
        Some(skill.to_string().as_bytes()),
    );
    assert_eq!(out.code, 0, "{out:?}");
    let merged: Value = serde_json::from_str(&out.stdout).expect("JSON");
    assert_eq!(
        keys(&merged["manifest"]),
        ["manifestVersion", "apis", "permissions", "events"]
    );
    assert_eq!(
        merged["manifest"]["events"]["publications"],
        json!([{"eventName": ORDER}])
    );
}

#[test]
fn merge_rejects_what_is_not_a_skill_json() {
    for (input, message) in [
        ("[1, 2]", "<stdin>: the top level is not a JSON object"),
        (
            r#"{"manifest": {"permissions": {}}}"#,
            "<stdin>: /manifest/permissions is not an array",
        ),
        (
            r#"{"manifest": {"events": []}}"#,
            "<stdin>: /manifest/events is not an object",
        ),
        (
            "{\"manifest\": ",
            "<stdin>: not JSON: EOF while parsing a value at line 1 column 13",
        ),
    ] {
        let out = run(&["manifest", "--merge", "-"], Some(input.as_bytes()));
        assert_eq!(out.code, 2, "{input}: {out:?}");
        assert_eq!(out.stdout, "", "{input}");
        assert_eq!(out.stderr, format!("error: {message}\n"), "{input}");
    }
    let out = run(&["manifest", "--merge", "no-such-skill.json"], None);
    assert_eq!(out.code, 2, "{out:?}");
    assert!(
        out.stderr
            .starts_with("error: no-such-skill.json: cannot read: "),
        "{}",
        out.stderr
    );
    let out = run(&["manifest", "--in-place"], None);
    assert_eq!(out.code, 2, "--in-place needs --merge: {out:?}");
    // Refused before reading: no input, so no race with a closed pipe.
    let out = run(&["manifest", "--merge", "-", "--in-place"], None);
    assert_eq!(out.code, 2, "{out:?}");
}

// --- `--merge --in-place` under hostile conditions ------------------------------

const IN_PLACE: [&str; 5] = ["manifest", "--event", ORDER, "--merge", "skill.json"];

fn merge_in_place(dir: &Path) -> cli_support::Run {
    let out = run_in(dir, &[&IN_PLACE[..], &["--in-place"]].concat(), None);
    assert_eq!(out.code, 0, "{out:?}");
    assert_eq!(out.stdout, "");
    out
}

/// What `--merge` (without `--in-place`) prints for the file: what in place must write.
fn merged_text(dir: &Path) -> String {
    let out = run_in(dir, &IN_PLACE, None);
    assert_eq!(out.code, 0, "{out:?}");
    out.stdout
}

fn file_names(dir: &Path) -> Vec<String> {
    let mut names: Vec<_> = std::fs::read_dir(dir)
        .expect("listable")
        .map(|e| e.expect("entry").file_name().into_string().expect("UTF-8"))
        .collect();
    names.sort();
    names
}

/// The old fixed temporary path `skill.json.proactive-events.tmp` was written
/// through: a symlink planted there sent the merged skill.json into any file.
#[cfg(unix)]
#[test]
fn in_place_does_not_write_through_a_symlink_planted_at_a_temporary_path() {
    let dir = tempfile::tempdir().expect("temp dir");
    let elsewhere = tempfile::tempdir().expect("temp dir");
    let victim = elsewhere.path().join("victim");
    std::fs::write(&victim, "precious\n").expect("written");
    let planted = dir.path().join("skill.json.proactive-events.tmp");
    std::os::unix::fs::symlink(&victim, &planted).expect("symlink");
    std::fs::write(dir.path().join("skill.json"), SKILL_JSON).expect("written");
    let expected = merged_text(dir.path());

    merge_in_place(dir.path());
    assert_eq!(
        std::fs::read_to_string(&victim).expect("readable"),
        "precious\n"
    );
    let skill = dir.path().join("skill.json");
    assert!(
        std::fs::symlink_metadata(&skill)
            .expect("exists")
            .file_type()
            .is_file(),
        "skill.json is still a regular file"
    );
    assert_eq!(std::fs::read_to_string(&skill).expect("readable"), expected);
    assert_eq!(
        std::fs::read_link(&planted).expect("still a symlink"),
        victim
    );
    assert_eq!(
        file_names(dir.path()),
        ["skill.json", "skill.json.proactive-events.tmp"]
    );
}

/// The replacement used to be created with the default mode (0644 under the
/// usual umask), publishing a private skill.json.
#[cfg(unix)]
#[test]
fn in_place_keeps_the_file_mode() {
    use std::os::unix::fs::PermissionsExt;
    for mode in [0o600, 0o604] {
        let dir = tempfile::tempdir().expect("temp dir");
        let skill = dir.path().join("skill.json");
        std::fs::write(&skill, SKILL_JSON).expect("written");
        std::fs::set_permissions(&skill, std::fs::Permissions::from_mode(mode)).expect("chmod");
        merge_in_place(dir.path());
        let meta = std::fs::metadata(&skill).expect("exists");
        assert_eq!(meta.permissions().mode() & 0o7777, mode, "{mode:o}");
        assert_ne!(
            std::fs::read_to_string(&skill).expect("readable"),
            SKILL_JSON
        );
    }
}

/// The replacement used to belong to whoever ran the command. Giving a file
/// away takes root: without it (chown of the test file fails) there is nothing to check.
#[cfg(unix)]
#[test]
fn in_place_keeps_the_owner_where_permitted() {
    use std::os::unix::fs::MetadataExt;
    let dir = tempfile::tempdir().expect("temp dir");
    let skill = dir.path().join("skill.json");
    std::fs::write(&skill, SKILL_JSON).expect("written");
    let (uid, gid) = (54321, 54322);
    if std::os::unix::fs::chown(&skill, Some(uid), Some(gid)).is_err() {
        eprintln!("skipped: only root can give a file to another user");
        return;
    }
    let out = merge_in_place(dir.path());
    assert!(!out.stderr.contains("warning"), "{}", out.stderr);
    let meta = std::fs::metadata(&skill).expect("exists");
    assert_eq!((meta.uid(), meta.gid()), (uid, gid));
    assert_ne!(
        std::fs::read_to_string(&skill).expect("readable"),
        SKILL_JSON
    );
}

/// A skill.json that is a symlink (into a shared checkout, say) used to be
/// replaced by a regular file, leaving the real file without the merge.
#[cfg(unix)]
#[test]
fn in_place_writes_through_a_symlinked_skill_json() {
    let dir = tempfile::tempdir().expect("temp dir");
    let real_dir = dir.path().join("real");
    std::fs::create_dir(&real_dir).expect("created");
    std::fs::write(real_dir.join("skill.json"), SKILL_JSON).expect("written");
    let link = dir.path().join("skill.json");
    std::os::unix::fs::symlink("real/skill.json", &link).expect("symlink");
    let expected = merged_text(dir.path());

    let out = merge_in_place(dir.path());
    assert_eq!(
        out.stderr,
        "skill.json: added 1 permission, 1 publication, 1 subscription\n"
    );
    assert!(
        std::fs::symlink_metadata(&link)
            .expect("exists")
            .file_type()
            .is_symlink(),
        "skill.json is still a symlink"
    );
    assert_eq!(
        std::fs::read_link(&link).expect("a link"),
        Path::new("real/skill.json")
    );
    assert_eq!(
        std::fs::read_to_string(real_dir.join("skill.json")).expect("readable"),
        expected
    );
    assert_eq!(file_names(dir.path()), ["real", "skill.json"]);
    assert_eq!(
        file_names(&real_dir),
        ["skill.json"],
        "no temporary file left"
    );

    // Merging again through the link changes nothing.
    let again = merge_in_place(dir.path());
    assert_eq!(
        again.stderr,
        "skill.json: already declares everything; unchanged\n"
    );
    assert_eq!(
        std::fs::read_to_string(real_dir.join("skill.json")).expect("readable"),
        expected
    );
}

/// Numbers went through f64: `123456789012345678901234567890` became
/// `1.2345678901234568e+29` and `1E2` became `100.0`.
#[test]
fn merge_keeps_the_exact_text_of_every_number() {
    let numbers = [
        "123456789012345678901234567890",
        "-123456789012345678901234567890",
        "1E2",
        "-0.0",
        "-0",
        "1.50",
        "2.5e-400",
        "1e-7",
        "18446744073709551616",
        "0.1000000000000000055511151231257827",
    ];
    let listed = numbers.join(", ");
    let skill = format!(
        "{{\n  \"manifest\": {{\n    \"manifestVersion\": \"1.0\",\n    \"x-limits\": [{listed}],\n    \"x-one\": 1E2\n  }}\n}}\n"
    );
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("skill.json");
    std::fs::write(&path, &skill).expect("written");

    let printed = merged_text(dir.path());
    merge_in_place(dir.path());
    let written = std::fs::read_to_string(&path).expect("readable");
    assert_eq!(written, printed, "the file holds what --merge prints");
    let expected_list = numbers
        .iter()
        .map(|n| format!("      {n}"))
        .collect::<Vec<_>>()
        .join(",\n");
    assert!(
        written.contains(&format!("\"x-limits\": [\n{expected_list}\n    ],\n")),
        "{written}"
    );
    assert!(written.contains("\"x-one\": 1E2,\n"), "{written}");
}

/// A guard: keys keep the file's order at every level (never sorted), and
/// new keys go last.
#[test]
fn merge_keeps_the_order_of_keys() {
    let skill = r#"{"zeta": {"z": 1, "b": 2, "a": 3}, "manifest": {"events": {"z-custom": true, "publications": []}, "manifestVersion": "1.0"}, "alpha": null}"#;
    let out = run(
        &["manifest", "--event", ORDER, "--merge", "-"],
        Some(skill.as_bytes()),
    );
    assert_eq!(out.code, 0, "{out:?}");
    let order: Vec<&str> = out
        .stdout
        .lines()
        .filter_map(|line| line.trim_start().strip_prefix('"'))
        .filter_map(|line| line.split_once("\":").map(|(key, _)| key))
        .collect();
    assert_eq!(
        order,
        [
            "zeta",
            "z",
            "b",
            "a",
            "manifest",
            "events",
            "z-custom",
            "publications",
            "eventName",
            "subscriptions",
            "eventName",
            "manifestVersion",
            "permissions",
            "name",
            "alpha"
        ]
    );
}

/// A key twice in one object used to keep the last value silently (and drop
/// the first); it is now an error naming the key and where it is.
#[test]
fn a_duplicate_key_is_an_error_and_the_file_is_untouched() {
    let skill = "{\n  \"manifest\": {\n    \"permissions\": [\n      {\"name\": \"alexa::profile:email:read\", \"name\": \"alexa::alerts:reminders:skill:readwrite\"}\n    ]\n  }\n}\n";
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("skill.json");
    std::fs::write(&path, skill).expect("written");
    for args in [&IN_PLACE[..], &[&IN_PLACE[..], &["--in-place"]].concat()] {
        let out = run_in(dir.path(), args, None);
        assert_eq!(out.code, 2, "{args:?}: {out:?}");
        assert_eq!(out.stdout, "");
        assert_eq!(
            out.stderr,
            "error: skill.json: duplicate key \"name\" in /manifest/permissions/0 at line 4 column 50\n"
        );
        assert_eq!(std::fs::read_to_string(&path).expect("readable"), skill);
        assert_eq!(file_names(dir.path()), ["skill.json"]);
    }

    // A hostile key cannot reach the terminal raw, neither quoted nor in the pointer.
    let hostile = r#"{"\u001b[2J": {"k": 1, "k": 2}}"#;
    let out = run(&["manifest", "--merge", "-"], Some(hostile.as_bytes()));
    assert_eq!(out.code, 2, "{out:?}");
    assert!(!out.stderr.contains('\u{1b}'), "{}", out.stderr);
    assert!(
        out.stderr
            .starts_with("error: <stdin>: duplicate key \"k\" in /\\u{1b}[2J at line 1"),
        "{}",
        out.stderr
    );
}

/// A write that fails half-way (here: over the file-size limit, `ulimit -f`)
/// leaves skill.json as it was and no temporary file behind; the old code left
/// a truncated `skill.json.proactive-events.tmp`.
#[cfg(unix)]
#[test]
fn a_failed_write_leaves_the_file_intact_and_no_temporary_file() {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("skill.json");
    // Larger than the limit below (one 512-byte block in dash, 1024 bytes in bash).
    let skill = SKILL_JSON.replace(
        "Tells you when your order ships.",
        &"Tells you when your order ships. ".repeat(100),
    );
    std::fs::write(&path, &skill).expect("written");
    // Ignoring SIGXFSZ (inherited across exec) turns the limit into an EFBIG error.
    let out = std::process::Command::new("/bin/sh")
        .args(["-c", "trap '' XFSZ; ulimit -f 1 && exec \"$0\" \"$@\""])
        .arg(env!("CARGO_BIN_EXE_proactive-events"))
        .args(IN_PLACE)
        .arg("--in-place")
        .current_dir(dir.path())
        .output()
        .expect("sh runs");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.starts_with("error: skill.json: cannot write: "),
        "{stderr}"
    );
    assert_eq!(std::fs::read_to_string(&path).expect("readable"), skill);
    assert_eq!(file_names(dir.path()), ["skill.json"]);
}

/// `--in-place` replaces regular files only: not a directory, not a socket.
#[cfg(unix)]
#[test]
fn in_place_refuses_what_is_not_a_regular_file() {
    let dir = tempfile::tempdir().expect("temp dir");
    let _socket = std::os::unix::net::UnixListener::bind(dir.path().join("socket")).expect("bound");
    for target in [".", "socket"] {
        let out = run_in(
            dir.path(),
            &["manifest", "--merge", target, "--in-place"],
            None,
        );
        assert_eq!(out.code, 2, "{out:?}");
        assert_eq!(
            out.stderr,
            format!("error: {target}: --in-place needs a regular file\n")
        );
    }
}

/// Children killed and reaped when dropped, so that a failing test leaves none.
struct Children(Vec<std::process::Child>);

impl Drop for Children {
    fn drop(&mut self) {
        for child in &mut self.0 {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

/// Concurrent `--merge --in-place` runs on one file used to lose additions: each
/// read the same original and the last rename won (three runs adding three
/// events left fewer than three publications in 20 of 20 trials). Each run now
/// holds a lock on the file from reading to renaming, so N runs keep N additions.
#[test]
fn concurrent_in_place_merges_keep_every_addition() {
    let events = alexa_proactive_events::EVENT_NAMES;
    assert!(events.len() >= 8, "{events:?}");
    for trial in 0..4 {
        let dir = tempfile::tempdir().expect("temp dir");
        std::fs::write(dir.path().join("skill.json"), SKILL_JSON).expect("written");
        let mut children = Children(Vec::new());
        for event in events {
            let child = std::process::Command::new(cli_support::binary())
                .args(["manifest", "--event", event, "--merge", "skill.json"])
                .arg("--in-place")
                .current_dir(dir.path())
                .stdin(std::process::Stdio::null())
                .stdout(std::process::Stdio::null())
                .stderr(std::process::Stdio::null())
                .spawn()
                .expect("the binary starts");
            children.0.push(child);
        }
        for (child, event) in children.0.iter_mut().zip(events) {
            let status = cli_support::wait_guarded(child, 120, event);
            assert!(status.success(), "trial {trial}: adding {event}: {status}");
        }
        let text = std::fs::read_to_string(dir.path().join("skill.json")).expect("readable");
        let skill: Value = serde_json::from_str(&text).expect("JSON");
        let mut published: Vec<&str> = skill["manifest"]["events"]["publications"]
            .as_array()
            .expect("publications")
            .iter()
            .map(|p| p["eventName"].as_str().expect("a name"))
            .collect();
        published.sort_unstable();
        let mut all: Vec<&str> = events.to_vec();
        all.sort_unstable();
        assert_eq!(published, all, "trial {trial}: every run's event is kept");
        assert_eq!(
            skill["manifest"]["permissions"]
                .as_array()
                .expect("permissions")
                .len(),
            2,
            "trial {trial}: the permission once, beside the one already there"
        );
        assert_eq!(file_names(dir.path()), ["skill.json"], "trial {trial}");
    }
}

/// `--merge` names a byte order mark at the start of skill.json (editors on
/// Windows write one), as `validate` does, and leaves the file untouched.
#[test]
fn a_byte_order_mark_in_skill_json_is_named() {
    let dir = tempfile::tempdir().expect("tempdir");
    let original = [b"\xEF\xBB\xBF".as_slice(), SKILL_JSON.as_bytes()].concat();
    std::fs::write(dir.path().join("skill.json"), &original).expect("written");
    let out = run_in(
        dir.path(),
        &["manifest", "--merge", "skill.json", "--in-place"],
        None,
    );
    assert_eq!(out.code, 2, "{out:?}");
    assert_eq!(
        out.stderr,
        "error: skill.json: not JSON: the text starts with a UTF-8 byte order mark (bytes EF BB \
         BF), which JSON does not allow; save the file as UTF-8 without a byte order mark\n"
    );
    let after = std::fs::read(dir.path().join("skill.json")).expect("read");
    assert_eq!(after, original);
}
