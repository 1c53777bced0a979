//! `proactive-events new` run as a process: every event's body passes `validate`
//! (the binary's and the library's), in each audience and several locales.

use crate::cli_support;

use alexa_proactive_events::jiff::{SignedDuration, Timestamp};
use alexa_proactive_events::{EVENT_NAMES, events};
use cli_support::{Run, binary, run, wait_guarded};
use serde_json::Value;
use std::collections::BTreeSet;
use std::process::{Command, Stdio};

const USER: &str = "amzn1.ask.account.AEXAMPLEUSERID0001";

/// The locales each event is tried in: three for an event open to any locale,
/// its own for a restricted one.
fn locales_of(event: &str) -> Vec<&'static str> {
    match events::schema(event).and_then(|s| s.locales) {
        Some(own) => own.to_vec(),
        None => vec!["en-US", "de-DE", "ja-JP"],
    }
}

/// Asserts that `body` is valid with no warning, to the binary and to the library.
fn assert_valid(body: &str) {
    let out = run(&["validate", "-"], Some(body.as_bytes()));
    assert_eq!(out.code, 0, "{out:?}\n{body}");
    assert!(out.stdout.is_empty(), "{out:?}");
    let report = alexa_proactive_events::validate_json(body.as_bytes());
    assert!(
        report.violations.is_empty(),
        "{:?}\n{body}",
        report.violations
    );
}

fn new(args: &[&str]) -> Run {
    let mut all = vec!["new"];
    all.extend_from_slice(args);
    run(&all, None)
}

fn json(text: &str) -> Value {
    serde_json::from_str(text).expect("the body is JSON")
}

fn instant(v: &Value) -> Timestamp {
    v.as_str()
        .expect("a string")
        .parse()
        .expect("an RFC 3339 date-time")
}

#[test]
fn every_event_in_each_audience_and_several_locales_passes_validate() {
    for event in EVENT_NAMES {
        let locales = locales_of(event);
        for audience in [vec![], vec!["--audience", "unicast", "--user", USER]] {
            let mut args = vec![event];
            args.extend(&audience);
            for l in &locales {
                args.extend(["--locale", l]);
            }
            let out = new(&args);
            assert_eq!(out.code, 0, "{args:?}: {out:?}");
            assert_eq!(out.stderr, "");
            assert_valid(&out.stdout);

            let body = json(&out.stdout);
            assert_eq!(body["event"]["name"], event);
            let got: Vec<&str> = body["localizedAttributes"]
                .as_array()
                .expect("entries")
                .iter()
                .map(|e| e["locale"].as_str().expect("a locale"))
                .collect();
            assert_eq!(got, locales, "one entry per --locale, in order");
            let expected_audience = if audience.is_empty() {
                serde_json::json!({"type": "Multicast", "payload": {}})
            } else {
                serde_json::json!({"type": "Unicast", "payload": {"user": USER}})
            };
            assert_eq!(body["relevantAudience"], expected_audience);

            // Now, and an expiry one hour later.
            let at = instant(&body["timestamp"]);
            let age = Timestamp::now().duration_since(at);
            assert!(age.abs() < SignedDuration::from_secs(60), "{at}");
            let expiry = instant(&body["expiryTime"]);
            assert_eq!(expiry.duration_since(at), SignedDuration::from_hours(1));

            // Every sentence renders: each reference has its value in each locale.
            let request: alexa_proactive_events::ProactiveEventRequest =
                serde_json::from_str(&out.stdout).expect("a request");
            for l in &locales {
                request
                    .preview(l)
                    .unwrap_or_else(|e| panic!("{event} {l}: {e}"));
            }
        }
    }
}

#[test]
fn the_example_fills_every_required_field_from_the_schema() {
    let out = new(&[
        "AMAZON.WeatherAlert.Activated",
        "--locale",
        "en-US",
        "--locale",
        "fr-FR",
    ]);
    assert_eq!(out.code, 0, "{out:?}");
    let body = json(&out.stdout);
    // The localizable source became a reference, with the example's text per locale.
    assert_eq!(
        body["event"]["payload"],
        serde_json::json!({"weatherAlert": {
            "source": "localizedattribute:weatherAlertSource",
            "alertType": "TORNADO"
        }})
    );
    assert_eq!(
        body["localizedAttributes"],
        serde_json::json!([
            {"locale": "en-US", "weatherAlertSource": "Example Weather Corp"},
            {"locale": "fr-FR", "weatherAlertSource": "Example Weather Corp"}
        ])
    );
    let id = body["referenceId"].as_str().expect("an id");
    assert!(
        !id.is_empty() && id.chars().all(|c| c.is_ascii_alphanumeric() || c == '~'),
        "{id}"
    );
}

#[test]
fn jsonl_prints_that_many_valid_bodies_with_distinct_reference_ids() {
    let out = new(&["AMAZON.OrderStatus.Updated", "--jsonl", "50"]);
    assert_eq!(out.code, 0, "{out:?}");
    let lines: Vec<&str> = out.stdout.lines().collect();
    assert_eq!(lines.len(), 50);
    let mut ids = BTreeSet::new();
    for line in &lines {
        assert_valid(line);
        let body = json(line);
        ids.insert(body["referenceId"].as_str().expect("an id").to_owned());
    }
    assert_eq!(ids.len(), 50, "every body has its own referenceId");
}

/// `new --jsonl <a billion> | head -0`: stops when the reader goes, quietly.
#[test]
fn jsonl_stops_when_the_reader_goes_away() {
    let mut child = Command::new(binary())
        .args([
            "new",
            "AMAZON.WeatherAlert.Activated",
            "--jsonl",
            "1000000000",
        ])
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the binary starts");
    drop(child.stdout.take());
    let status = wait_guarded(&mut child, 60, "new --jsonl into a closed pipe");
    let mut stderr = String::new();
    std::io::Read::read_to_string(&mut child.stderr.take().expect("piped"), &mut stderr)
        .expect("UTF-8");
    assert_eq!(status.code(), Some(0), "{stderr}");
    assert_eq!(stderr, "");
}

#[test]
fn the_event_name_is_matched_without_regard_to_case() {
    let out = new(&["amazon.sportsevent.UPDATED"]);
    assert_eq!(out.code, 0, "{out:?}");
    assert_eq!(
        json(&out.stdout)["event"]["name"],
        "AMAZON.SportsEvent.Updated"
    );
}

#[test]
fn a_wrong_event_name_exits_2_with_a_suggestion() {
    for (wrong, meant) in [
        (
            "AMAZON.WeatherAlert.Activate",
            "AMAZON.WeatherAlert.Activated",
        ),
        ("OrderStatus.Updated", "AMAZON.OrderStatus.Updated"),
        (
            "amazon.trashcolectionalert.activated",
            "AMAZON.TrashCollectionAlert.Activated",
        ),
    ] {
        let out = new(&[wrong]);
        assert_eq!(out.code, 2, "{out:?}");
        assert_eq!(out.stdout, "");
        assert!(
            out.stderr
                .contains(&format!("unknown event `{wrong}`; did you mean `{meant}`?")),
            "{out:?}"
        );
    }
    let out = new(&["Nothing.Like.It"]);
    assert_eq!(out.code, 2, "{out:?}");
    assert!(!out.stderr.contains("did you mean"), "{out:?}");
    assert!(
        out.stderr.contains("AMAZON.WeatherAlert.Activated"),
        "lists the events: {out:?}"
    );
}

#[test]
fn expires_in_sets_the_expiry_and_is_refused_outside_amazons_window() {
    for (given, secs) in [("90m", 5400), ("2h", 7200), ("300", 300), ("24h", 86_400)] {
        let out = new(&["AMAZON.WeatherAlert.Activated", "--expires-in", given]);
        assert_eq!(out.code, 0, "{given}: {out:?}");
        assert_valid(&out.stdout);
        let body = json(&out.stdout);
        let span = instant(&body["expiryTime"]).duration_since(instant(&body["timestamp"]));
        assert_eq!(span, SignedDuration::from_secs(secs), "{given}");
    }
    for bad in ["4m", "299", "24h1s", "2d", "soon", "-1h"] {
        let flag = format!("--expires-in={bad}");
        let out = new(&["AMAZON.WeatherAlert.Activated", &flag]);
        assert_eq!(out.code, 2, "{bad}: {out:?}");
        assert_eq!(out.stdout, "");
        assert!(out.stderr.contains("--expires-in"), "{bad}: {out:?}");
    }
    let out = new(&["AMAZON.WeatherAlert.Activated", "--expires-in", "25h"]);
    assert!(out.stderr.contains("5 min to 24 h"), "{out:?}");
}

#[test]
fn audience_and_locale_mistakes_exit_2() {
    let cases: &[(&[&str], &str)] = &[
        (
            &["--audience", "unicast"],
            "--audience unicast needs --user",
        ),
        (
            &["--audience", "multicast", "--user", USER],
            "--user names the one user",
        ),
        (&["--user", ""], "ENV-UNICAST-USER"),
        (
            &["--locale", "xx-XX"],
            "`xx-XX` is not one of Alexa's locales",
        ),
        (&["--locale", "en_GB"], "did you mean `en-GB`?"),
    ];
    for (args, message) in cases {
        let mut all = vec!["AMAZON.WeatherAlert.Activated"];
        all.extend_from_slice(args);
        let out = new(&all);
        assert_eq!(out.code, 2, "{args:?}: {out:?}");
        assert_eq!(out.stdout, "");
        assert!(out.stderr.contains(message), "{args:?}: {out:?}");
    }
    // An event documented for en-US only refuses another locale.
    let out = new(&["AMAZON.OrderStatus.Updated", "--locale", "de-DE"]);
    assert_eq!(out.code, 2, "{out:?}");
    assert!(
        out.stderr
            .contains("AMAZON.OrderStatus.Updated is documented for en-US only, not de-DE"),
        "{out:?}"
    );
    // --user alone means unicast; a locale in another case is written canonically.
    let out = new(&[
        "AMAZON.WeatherAlert.Activated",
        "--user",
        USER,
        "--locale",
        "EN-gb",
    ]);
    assert_eq!(out.code, 0, "{out:?}");
    let body = json(&out.stdout);
    assert_eq!(body["relevantAudience"]["type"], "Unicast");
    assert_eq!(body["localizedAttributes"][0]["locale"], "en-GB");
}

#[test]
fn new_prints_the_example_of_the_event_reference_page() {
    let docs = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../generated/docs");
    for event in EVENT_NAMES {
        let page = std::fs::read_to_string(docs.join(format!("{event}.md"))).expect("the page");
        let start = page.find("```json\n").expect("an example") + "```json\n".len();
        let end = start + page[start..].find("```").expect("closed");
        let mut documented = json(&page[start..end]);
        let out = new(&[event]);
        assert_eq!(out.code, 0, "{out:?}");
        let mut printed = json(&out.stdout);
        // Only the instants and the id are fresh.
        for key in ["timestamp", "expiryTime", "referenceId"] {
            documented[key] = Value::Null;
            printed[key] = Value::Null;
        }
        assert_eq!(printed, documented, "{event}");
    }
}
