//! Adding a schema is adding a YAML file: the real schemas plus an invented event
//! compile into a scratch `generated/` whose new Rust module builds, whose JSON
//! Schema validates a body, and whose manifest lists the event. No code changes.

use pipeline_tests::{read_json, root, validator};
use serde_json::json;
use std::fs;
use std::path::Path;
use std::process::Command;

#[test]
fn a_new_yaml_file_yields_a_module_a_schema_and_a_manifest_entry() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let schemas = tmp.path().join("schemas");
    fs::create_dir_all(&schemas).expect("mkdir");
    for entry in fs::read_dir(root().join("schemas")).expect("schemas/") {
        let path = entry.expect("entry").path();
        if path.extension().is_some_and(|e| e == "yaml") {
            fs::copy(&path, schemas.join(path.file_name().expect("name"))).expect("copy");
        }
    }
    let new_event = "AMAZON.ParcelLocker.Ready";
    fs::copy(
        root()
            .join("tests/fixtures/new-event")
            .join(format!("{new_event}.yaml")),
        schemas.join(format!("{new_event}.yaml")),
    )
    .expect("copy fixture");

    let out = tmp.path().join("generated");
    let report =
        codegen::regenerate::run(&schemas, "schemas", &out, codegen::regenerate::Mode::Write)
            .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(report.schemas, 9);

    // Rust: a module, listed in the catalog.
    let module =
        fs::read_to_string(out.join("src/events/parcel_locker_ready.rs")).expect("new module");
    assert!(module.contains("pub struct ParcelLockerReady"));
    let catalog = fs::read_to_string(out.join("src/events/mod.rs")).expect("mod.rs");
    assert!(
        catalog.contains("pub mod parcel_locker_ready;")
            && catalog.contains(&format!("\"{new_event}\""))
    );

    // JSON Schema: accepts a body of the new event and rejects a broken one.
    let schema = read_json(&out.join(format!("json-schema/{new_event}.schema.json")));
    let body = json!({
        "timestamp": "2024-05-01T10:00:00Z", "referenceId": "locker0001", "expiryTime": "2024-05-01T12:00:00Z",
        "event": {"name": new_event, "payload": {
            "parcel": {"carrier": "localizedattribute:carrier", "compartment": 12, "size": "SMALL"},
            "pickupBy": "2024-05-03T18:00:00Z"}},
        "localizedAttributes": [{"locale": "en-US", "carrier": "Parcel Co"}],
        "relevantAudience": {"type": "Multicast", "payload": {}}
    });
    let v = validator(&schema);
    assert!(
        v.is_valid(&body),
        "{:?}",
        v.iter_errors(&body)
            .map(|e| e.to_string())
            .collect::<Vec<_>>()
    );
    let mut broken = body.clone();
    broken["event"]["payload"]["parcel"]["compartment"] = json!(0);
    assert!(!v.is_valid(&broken));
    assert!(
        validator(&read_json(
            &out.join("json-schema/proactive-event.schema.json")
        ))
        .is_valid(&body)
    );

    // Manifest: its own fragment, and a publication in the all-events fragment.
    let own = read_json(&out.join(format!("manifest/{new_event}.json")));
    assert_eq!(
        own["manifest"]["events"]["publications"],
        json!([{"eventName": new_event}])
    );
    let all = read_json(&out.join("manifest/skill-manifest.json"));
    let publications = all["manifest"]["events"]["publications"]
        .as_array()
        .expect("publications");
    assert_eq!(publications.len(), 9);
    assert!(publications.contains(&json!({"eventName": new_event})));

    // Its reference page, with a body built from its example.
    let page = fs::read_to_string(out.join(format!("docs/{new_event}.md"))).expect("new page");
    assert!(
        page.contains("| `parcel.compartment` | integer | yes | no | at least 1 |")
            && page.contains("\"name\": \"AMAZON.ParcelLocker.Ready\"")
            && page.contains("\"parcelCarrier\": \"Parcel Co\""),
        "{page}"
    );

    // The generated module compiles: a probe crate includes the scratch events/
    // folder against the real runtime crate, and runs a use of the new type
    // and of its example (what `proactive-events new` reads).
    let stdout = run_probe(
        &tmp.path().join("probe"),
        "probe",
        &out,
        &format!(
            "let body = r#\"{}\"#;\n    \
             let event: events::Event = serde_json::from_str(body).expect(\"parse\");\n    \
             assert!(matches!(event, events::Event::ParcelLockerReady(_)));\n    \
             let example: serde_json::Value = serde_json::from_str(events::parcel_locker_ready::SCHEMA.example).expect(\"example\");\n    \
             let _: events::Event = serde_json::from_value(serde_json::json!({{\"name\": event.name(), \"payload\": example}})).expect(\"the example parses\");\n    \
             println!(\"{{}}\", event.name());",
            body["event"]
        ),
    );
    assert_eq!(stdout.trim(), new_event);
}

/// Builds and runs a probe crate whose `main` is `body`, with the scratch
/// `out/src/events/` folder as its module `events`, against the real runtime
/// crate; returns what it printed. Warnings are errors in the probe.
fn run_probe(probe: &Path, name: &str, out: &Path, body: &str) -> String {
    fs::create_dir_all(probe.join("src")).expect("mkdir");
    fs::write(
        probe.join("Cargo.toml"),
        format!(
            "[package]\nname = \"{name}\"\nversion = \"0.0.0\"\nedition = \"2024\"\npublish = false\n\n[workspace]\n\n[dependencies]\n\
             alexa-proactive-events = {{ path = {:?} }}\nserde = \"1\"\nserde_json = \"1\"\n",
            root().join("generated")
        ),
    )
    .expect("Cargo.toml");
    fs::copy(root().join("Cargo.lock"), probe.join("Cargo.lock")).expect("Cargo.lock");
    fs::write(
        probe.join("src/main.rs"),
        format!(
            "#![deny(warnings)]\n\n#[path = {:?}]\n#[allow(dead_code)]\nmod events;\n\nfn main() {{\n    {body}\n}}\n",
            out.join("src/events/mod.rs"),
        ),
    )
    .expect("main.rs");
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let run = Command::new(cargo)
        .args(["run", "--quiet", "--offline", "--manifest-path"])
        .arg(probe.join("Cargo.toml"))
        .env("CARGO_TARGET_DIR", root().join("target/schemas-as-data"))
        .output()
        .expect("run cargo");
    assert!(
        run.status.success(),
        "the generated modules did not build or run:\n{}",
        String::from_utf8_lossy(&run.stderr)
    );
    String::from_utf8_lossy(&run.stdout).into_owned()
}

/// Text no Rust source can hold as written (a lone carriage return, control
/// characters, direction overrides, comment and string delimiters) in every
/// place a schema has text: the generated crate still builds without a warning,
/// and its metadata reads back the text exactly.
#[test]
fn hostile_text_in_a_schema_still_yields_a_crate_that_builds() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let schemas = tmp.path().join("schemas");
    fs::create_dir_all(&schemas).expect("mkdir");
    let name = "AMAZON.Hostile.Text.yaml";
    let fixture = root().join("tests/fixtures/hostile-text").join(name);
    fs::copy(&fixture, schemas.join(name)).expect("copy fixture");
    let out = tmp.path().join("generated");
    codegen::regenerate::run(&schemas, "schemas", &out, codegen::regenerate::Mode::Write)
        .unwrap_or_else(|e| panic!("{e}"));
    let text = fs::read_to_string(&fixture).expect("fixture");
    let doc = codegen::load::load(codegen::load::Source {
        path: format!("schemas/{name}"),
        text,
    })
    .unwrap_or_else(|d| panic!("{d}"))
    .doc;
    assert!(doc.description.contains('\r') && doc.description.contains('\u{202e}'));
    let key = &doc.payload.0[0].0;
    let stdout = run_probe(
        &tmp.path().join("probe"),
        "probe-hostile-text",
        &out,
        &format!(
            "let schema = &events::hostile_text::SCHEMA;\n    \
             assert_eq!(schema.description, {description:?});\n    \
             assert_eq!(schema.payload.fields[0].name, {key:?});\n    \
             println!(\"{{}}\", schema.name);",
            description = doc.description.trim(),
        ),
    );
    assert_eq!(stdout.trim(), "AMAZON.Hostile.Text");
}
