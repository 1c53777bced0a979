//! `proactive-events manifest` run as a process: fragments and merging into skill.json.

mod cli_support;

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
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../generated/manifest/skill-manifest.json");
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

    let out = run_in(dir.path(), &args, None);
    assert_eq!(out.code, 0, "{out:?}");
    assert_eq!(std::fs::read_to_string(&path).expect("readable"), first);
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
    let out = run(&["manifest", "--merge", "-", "--in-place"], Some(b"{}"));
    assert_eq!(out.code, 2, "{out:?}");
}
