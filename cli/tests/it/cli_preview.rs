//! `proactive-events preview` run as a process.

use crate::cli_support;

use cli_support::{read, run, run_in};
use serde_json::Value;

const TORNADO: &str = "valid/weather-alert-tornado-multicast.json";

#[test]
fn one_locale_prints_the_sentence_alone() {
    let out = run(
        &[
            "preview",
            "valid/order-status-shipped-delivery-details.json",
            "--locale",
            "en-US",
        ],
        None,
    );
    assert_eq!(out.code, 0, "{out:?}");
    assert_eq!(
        out.stdout,
        "Your order from Example Books has been shipped and will arrive by May 3, 2024.\n"
    );
    assert_eq!(out.stderr, "");
}

#[test]
fn without_a_locale_every_locale_prints_in_body_order() {
    let out = run(&["preview", TORNADO], None);
    assert_eq!(out.code, 0, "{out:?}");
    assert_eq!(
        out.stdout,
        "en-US: There is a tornado alert for your area. Provided by Example Weather Corp.\n\
         en-GB: There is a tornado alert for your area. Provided by Example Weather Corp UK.\n"
    );
}

/// The templates are English: a sentence for a locale in another language says
/// plainly that Alexa's wording there is not known, rather than passing English
/// off as what Alexa would announce in German or French (issue 21, item 12).
#[test]
fn a_locale_in_another_language_is_marked_as_english_wording() {
    const BODY: &str = "valid/message-alert-overdue-fractional-de-fr.json";
    let out = run(&["preview", BODY], None);
    assert_eq!(out.code, 0, "{out:?}");
    let lines: Vec<&str> = out.stdout.lines().collect();
    assert!(lines.len() >= 2, "{out:?}");
    for line in lines {
        let (locale, _) = line.split_once(": ").expect("LOCALE: sentence");
        let marked = line.ends_with(&format!(
            "(English wording: Alexa speaks {locale} in Amazon's own words, which no source gives)"
        ));
        assert_eq!(marked, !locale.starts_with("en"), "{line}");
    }
    let out = run(&["preview", BODY, "--locale", "fr-FR"], None);
    assert_eq!(out.code, 0, "{out:?}");
    assert!(
        out.stdout.trim_end().ends_with("which no source gives)"),
        "{out:?}"
    );
}

#[test]
fn a_dash_reads_standard_input() {
    let out = run(&["preview", "-", "--locale", "en-GB"], Some(&read(TORNADO)));
    assert_eq!(out.code, 0, "{out:?}");
    assert_eq!(
        out.stdout,
        "There is a tornado alert for your area. Provided by Example Weather Corp UK.\n"
    );
}

#[test]
fn a_locale_the_body_lacks_is_a_usage_error() {
    let out = run(&["preview", TORNADO, "--locale", "de-DE"], None);
    assert_eq!(out.code, 2, "{out:?}");
    assert_eq!(out.stdout, "");
    assert_eq!(
        out.stderr,
        format!(
            "{TORNADO}: error: no localizedAttributes entry for locale de-DE (the request has en-US, en-GB)\n"
        )
    );
}

/// A locale without the attribute the payload references: the other locale still prints.
#[test]
fn a_missing_attribute_fails_that_locale_only() {
    let mut body: Value = serde_json::from_slice(&read(TORNADO)).expect("JSON");
    let removed = body["localizedAttributes"][1]
        .as_object_mut()
        .expect("an entry")
        .remove("source");
    assert!(removed.is_some(), "the body's en-GB entry has `source`");
    let dir = tempfile::tempdir().expect("temp dir");
    std::fs::write(dir.path().join("b.json"), body.to_string()).expect("written");

    let out = run_in(dir.path(), &["preview", "b.json"], None);
    assert_eq!(out.code, 1, "{out:?}");
    assert_eq!(
        out.stdout,
        "en-US: There is a tornado alert for your area. Provided by Example Weather Corp.\n"
    );
    assert!(
        out.stderr
            .starts_with("b.json: error: en-GB: no value for `source` in locale en-GB"),
        "{}",
        out.stderr
    );

    let out = run_in(
        dir.path(),
        &["preview", "b.json", "--locale", "en-GB"],
        None,
    );
    assert_eq!(out.code, 1, "{out:?}");
    assert_eq!(out.stdout, "");
}

#[test]
fn an_invalid_body_lists_its_violations_and_exits_1() {
    let out = run(
        &["preview", "invalid/order-status-seller-missing.json"],
        None,
    );
    assert_eq!(out.code, 1, "{out:?}");
    assert_eq!(out.stdout, "");
    assert_eq!(
        out.stderr,
        "invalid/order-status-seller-missing.json: error[PAYLOAD-REQUIRED] \
         /event/payload/order/seller: `seller` is missing; Order requires it\n"
    );
}

#[test]
fn malformed_json_and_unreadable_files_exit_2() {
    let out = run(&["preview", "-"], Some(b"{"));
    assert_eq!(out.code, 2, "{out:?}");
    assert_eq!(
        out.stderr,
        "<stdin>: error[JSON-SYNTAX]: not JSON: EOF while parsing an object at line 1 column 1\n"
    );
    let out = run(&["preview", "no-such-file.json"], None);
    assert_eq!(out.code, 2, "{out:?}");
    assert!(
        out.stderr
            .starts_with("no-such-file.json: error: cannot read: "),
        "{}",
        out.stderr
    );
}
