//! `cargo xtask regenerate` behaviour on a scratch copy: writes only changes,
//! deletes outputs of removed schemas, and a failure leaves everything as it was.

use codegen::regenerate::{Error, Mode, run};
use pipeline_tests::root;
use std::collections::BTreeMap;
use std::fs;
use std::path::Path;

fn copy_schemas(to: &Path) {
    fs::create_dir_all(to).expect("mkdir");
    for entry in fs::read_dir(root().join("schemas")).expect("schemas/") {
        let path = entry.expect("entry").path();
        if path.extension().is_some_and(|e| e == "yaml") {
            fs::copy(&path, to.join(path.file_name().expect("name"))).expect("copy");
        }
    }
}

/// Every file under `dir` with its bytes and modification time.
fn snapshot(dir: &Path) -> BTreeMap<String, (Vec<u8>, std::time::SystemTime)> {
    let mut out = BTreeMap::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for entry in fs::read_dir(&d).expect("read_dir") {
            let path = entry.expect("entry").path();
            if path.is_dir() {
                stack.push(path);
            } else {
                let meta = fs::metadata(&path).expect("metadata");
                let rel = path
                    .strip_prefix(dir)
                    .expect("prefix")
                    .to_string_lossy()
                    .into_owned();
                out.insert(
                    rel,
                    (
                        fs::read(&path).expect("read"),
                        meta.modified().expect("mtime"),
                    ),
                );
            }
        }
    }
    out
}

#[test]
fn a_second_regenerate_writes_nothing() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let (schemas, out) = (tmp.path().join("schemas"), tmp.path().join("generated"));
    copy_schemas(&schemas);
    let first = run(&schemas, "schemas", &out, Mode::Write).expect("first run");
    assert_eq!((first.schemas, first.plan.write.len()), (8, 40));
    let before = snapshot(&out);
    let second = run(&schemas, "schemas", &out, Mode::Write).expect("second run");
    assert_eq!(second.plan.write.len(), 0, "{:?}", second.plan.write);
    assert_eq!(second.plan.unchanged.len(), 40);
    assert_eq!(snapshot(&out), before, "bytes and mtimes are untouched");
    assert!(
        second
            .to_string()
            .starts_with("compiled 8 schemas: 0 files written, 40 unchanged, 0 removed (")
    );
}

#[test]
fn removing_a_schema_removes_its_outputs() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let (schemas, out) = (tmp.path().join("schemas"), tmp.path().join("generated"));
    copy_schemas(&schemas);
    run(&schemas, "schemas", &out, Mode::Write).expect("first run");
    fs::remove_file(schemas.join("AMAZON.Occasion.Updated.yaml")).expect("rm");
    let report = run(&schemas, "schemas", &out, Mode::Write).expect("second run");
    assert_eq!(
        report.plan.remove,
        [
            "docs/AMAZON.Occasion.Updated.md",
            "json-schema/AMAZON.Occasion.Updated.schema.json",
            "manifest/AMAZON.Occasion.Updated.json",
            "src/events/occasion_updated.rs"
        ]
    );
    assert!(!out.join("src/events/occasion_updated.rs").exists());
    let mod_rs = fs::read_to_string(out.join("src/events/mod.rs")).expect("mod.rs");
    assert!(!mod_rs.contains("occasion_updated"));
}

#[test]
fn a_bad_schema_leaves_the_output_exactly_as_it_was() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let (schemas, out) = (tmp.path().join("schemas"), tmp.path().join("generated"));
    copy_schemas(&schemas);
    run(&schemas, "schemas", &out, Mode::Write).expect("first run");
    // One good change and one bad file in the same run: neither may land.
    let weather = schemas.join("AMAZON.WeatherAlert.Activated.yaml");
    let text = fs::read_to_string(&weather)
        .expect("read")
        .replace("HURRICANE", "CYCLONE");
    fs::write(&weather, text).expect("write");
    fs::write(
        schemas.join("AMAZON.Broken.Thing.yaml"),
        "event: AMAZON.Broken.Thing\npayload: [\n",
    )
    .expect("write");
    let before = snapshot(&out);
    match run(&schemas, "schemas", &out, Mode::Write) {
        Err(Error::Schemas(d)) => assert!(
            d.to_string().contains("schemas/AMAZON.Broken.Thing.yaml:"),
            "{d}"
        ),
        other => panic!("expected a schema error, got {other:?}"),
    }
    assert_eq!(snapshot(&out), before);
}

#[test]
fn check_mode_names_stale_files_and_writes_nothing() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let (schemas, out) = (tmp.path().join("schemas"), tmp.path().join("generated"));
    copy_schemas(&schemas);
    run(&schemas, "schemas", &out, Mode::Write).expect("first run");
    let path = out.join("json-schema/AMAZON.WeatherAlert.Activated.schema.json");
    fs::write(&path, "{}").expect("write");
    let report = run(&schemas, "schemas", &out, Mode::Check).expect("check");
    assert!(!report.plan.is_fresh());
    assert!(
        report
            .to_string()
            .contains("stale: generated/json-schema/AMAZON.WeatherAlert.Activated.schema.json")
    );
    assert!(report.to_string().contains("run `cargo xtask regenerate`"));
    assert_eq!(fs::read_to_string(&path).expect("read"), "{}");
}

#[test]
fn check_mode_covers_the_reference_pages() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let (schemas, out) = (tmp.path().join("schemas"), tmp.path().join("generated"));
    copy_schemas(&schemas);
    run(&schemas, "schemas", &out, Mode::Write).expect("first run");
    // A schema change (a spoken form) reaches its page.
    let weather = schemas.join("AMAZON.WeatherAlert.Activated.yaml");
    let text = fs::read_to_string(&weather)
        .expect("read")
        .replace("spoken: thunderstorm", "spoken: thunder storm");
    fs::write(&weather, text).expect("write");
    // A page edited by hand, and one no schema makes, are reported too.
    fs::write(out.join("docs/README.md"), "edited").expect("write");
    let leftover = out.join("docs/AMAZON.Gone.Away.md");
    fs::write(
        &leftover,
        "<!-- Generated by `cargo xtask regenerate` from schemas/AMAZON.Gone.Away.yaml. -->\n",
    )
    .expect("write");
    let report = run(&schemas, "schemas", &out, Mode::Check).expect("check");
    let shown = report.to_string();
    assert!(
        shown.contains("stale: generated/docs/AMAZON.WeatherAlert.Activated.md\n")
            && shown.contains("stale: generated/docs/README.md\n")
            && shown.contains("not produced by any schema: generated/docs/AMAZON.Gone.Away.md\n"),
        "{shown}"
    );
    assert_eq!(
        fs::read_to_string(out.join("docs/README.md")).expect("read"),
        "edited"
    );
    assert!(leftover.exists(), "check writes and removes nothing");
}

#[test]
fn a_schema_linked_to_dev_zero_fails_at_once_and_writes_nothing() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let (schemas, out) = (tmp.path().join("schemas"), tmp.path().join("generated"));
    copy_schemas(&schemas);
    run(&schemas, "schemas", &out, Mode::Write).expect("first run");
    std::os::unix::fs::symlink("/dev/zero", schemas.join("AMAZON.Endless.Zeros.yaml"))
        .expect("symlink");
    let before = snapshot(&out);
    match run(&schemas, "schemas", &out, Mode::Write) {
        Err(Error::Schemas(d)) => {
            assert_eq!(d.len(), 1, "{d}");
            assert!(
                d.to_string().starts_with(
                    "error: not a regular file: a schema must be a plain YAML file (a symlink is followed, but not to a device, a pipe or a folder)\n  --> schemas/AMAZON.Endless.Zeros.yaml\n"
                ),
                "{d}"
            );
        }
        other => panic!("expected a schema error, got {other:?}"),
    }
    assert_eq!(snapshot(&out), before);
}

#[test]
fn an_output_linked_elsewhere_is_replaced_not_read_or_written_through() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let (schemas, out) = (tmp.path().join("schemas"), tmp.path().join("generated"));
    copy_schemas(&schemas);
    run(&schemas, "schemas", &out, Mode::Write).expect("first run");
    let target = out.join("manifest/skill-manifest.json");
    let outside = tmp.path().join("outside.json");
    fs::write(&outside, "untouched").expect("write");
    fs::remove_file(&target).expect("rm");
    std::os::unix::fs::symlink(&outside, &target).expect("symlink");
    // A planted staging file that points outside is not written through either.
    let staged = out.join("manifest/.skill-manifest.json.regenerate-tmp");
    std::os::unix::fs::symlink(&outside, &staged).expect("symlink");
    let zero = out.join("json-schema/AMAZON.Occasion.Updated.schema.json");
    fs::remove_file(&zero).expect("rm");
    std::os::unix::fs::symlink("/dev/zero", &zero).expect("symlink");
    let report = run(&schemas, "schemas", &out, Mode::Write).expect("second run");
    assert_eq!(
        report.plan.write,
        [
            "json-schema/AMAZON.Occasion.Updated.schema.json",
            "manifest/skill-manifest.json"
        ]
    );
    assert_eq!(fs::read_to_string(&outside).expect("read"), "untouched");
    for path in [&target, &zero] {
        assert!(fs::symlink_metadata(path).expect("stat").is_file());
    }
    assert!(!staged.exists());
    assert!(
        run(&schemas, "schemas", &out, Mode::Check)
            .expect("check")
            .plan
            .is_fresh()
    );
}

#[test]
fn a_file_regenerate_did_not_write_is_an_error_naming_it_and_nothing_is_written() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let (schemas, out) = (tmp.path().join("schemas"), tmp.path().join("generated"));
    copy_schemas(&schemas);
    run(&schemas, "schemas", &out, Mode::Write).expect("first run");
    fs::write(out.join("src/events/helpers.rs"), "// hand-written\n").expect("write");
    fs::write(out.join("src/lib.rs"), "// edited\n").expect("write");
    fs::remove_file(out.join("json-schema/proactive-event.schema.json")).expect("rm");
    let before = snapshot(&out);
    for mode in [Mode::Write, Mode::Check] {
        match run(&schemas, "schemas", &out, mode) {
            Err(e @ Error::Foreign { .. }) => {
                let text = e.to_string();
                assert!(
                    text.contains("generated/src/events/helpers.rs was not written by `cargo xtask regenerate`"),
                    "{text}"
                );
                assert!(
                    !text.contains("lib.rs"),
                    "an edited generated file is stale, not foreign: {text}"
                );
            }
            other => panic!("expected a foreign-file error, got {other:?}"),
        }
        assert_eq!(snapshot(&out), before, "nothing written, nothing deleted");
    }
}

#[test]
fn deleting_the_generated_folder_then_regenerating_reproduces_it_byte_for_byte() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let out = tmp.path().join("generated");
    run(&root().join("schemas"), "schemas", &out, Mode::Write).expect("regenerate");
    let fresh: BTreeMap<String, Vec<u8>> = snapshot(&out)
        .into_iter()
        .map(|(k, (b, _))| (k, b))
        .collect();
    let committed: BTreeMap<String, Vec<u8>> = snapshot(&root().join("generated"))
        .into_iter()
        .map(|(k, (b, _))| (k, b))
        .collect();
    assert_eq!(
        fresh.keys().collect::<Vec<_>>(),
        committed.keys().collect::<Vec<_>>(),
        "generated/ holds exactly the files regenerate writes"
    );
    assert!(
        fresh == committed,
        "generated/ differs from a fresh regenerate; run `cargo xtask regenerate`"
    );
}

/// A schema file name that is not UTF-8 is named as such; its lossy form
/// (`AMAZON.\u{fffd}.yaml`) used to be opened instead: "No such file or directory".
#[cfg(unix)]
#[test]
fn a_schema_file_name_that_is_not_utf8_is_named_as_such() {
    use std::os::unix::ffi::OsStrExt;
    let tmp = tempfile::tempdir().expect("tempdir");
    let (schemas, out) = (tmp.path().join("schemas"), tmp.path().join("generated"));
    copy_schemas(&schemas);
    let name = std::ffi::OsStr::from_bytes(b"AMAZON.Bad\xff.yaml");
    fs::write(schemas.join(name), "event: AMAZON.Bad.Name\n").expect("write");
    match run(&schemas, "schemas", &out, Mode::Write) {
        Err(e @ Error::Schemas(_)) => {
            let text = e.to_string();
            assert!(text.contains("the file name is not valid UTF-8"), "{text}");
            assert!(text.contains("schemas/AMAZON.Bad\u{fffd}.yaml"), "{text}");
            assert!(!text.contains("No such file"), "{text}");
        }
        other => panic!("expected a schema error, got {other:?}"),
    }
    assert!(!out.exists(), "nothing written");
}

/// An I/O error while reading or writing the output names the file or folder
/// (it said only "writing the generated files failed: Is a directory").
#[test]
fn an_output_io_error_names_the_path() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let (schemas, out) = (tmp.path().join("schemas"), tmp.path().join("generated"));
    copy_schemas(&schemas);
    run(&schemas, "schemas", &out, Mode::Write).expect("first run");

    // Writing: the staging place of a changed file is taken by a folder (that
    // holds a generated file, so the plan removes it rather than calling it foreign).
    fs::write(out.join("src/lib.rs"), "// edited\n").expect("write");
    let staging = out.join("src/.lib.rs.regenerate-tmp");
    fs::create_dir(&staging).expect("mkdir");
    let marker = "// @generated by `cargo xtask regenerate` from schemas/*.yaml.\n";
    fs::write(staging.join("old.rs"), marker).expect("write");
    match run(&schemas, "schemas", &out, Mode::Write) {
        Err(e @ Error::Io(_)) => {
            let text = e.to_string();
            assert!(
                text.starts_with(
                    "error: cannot remove the staging file generated/src/.lib.rs.regenerate-tmp: "
                ),
                "{text}"
            );
        }
        other => panic!("expected an I/O error, got {other:?}"),
    }
    fs::remove_dir_all(&staging).expect("rm");

    // Reading: a file where the plan expects a folder.
    fs::remove_dir_all(out.join("manifest")).expect("rm");
    fs::write(out.join("manifest"), marker).expect("write");
    match run(&schemas, "schemas", &out, Mode::Check) {
        Err(e @ Error::Io(_)) => {
            let text = e.to_string();
            assert!(
                text.starts_with("error: cannot read generated/manifest/"),
                "{text}"
            );
        }
        other => panic!("expected an I/O error, got {other:?}"),
    }
}
