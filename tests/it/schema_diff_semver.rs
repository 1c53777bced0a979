//! The Rust oracle of schema-diff (issue 24): for each edit of the corpus, the facade crate
//! is generated from the base and from the edit, documented as rustdoc JSON, and
//! `cargo-semver-checks` compares the two; it must agree with schema-diff on major versus
//! not, apart from [`EXCEPTIONS`] (decision D31 in `docs/decisions.md`).
//!
//! Ignored by `cargo test`: it needs the pinned `cargo-semver-checks`, which
//! `tests/schema-diff/run.sh` installs and runs it with (`--ignored`, the tool's path in
//! `ALEXA_PE_CARGO_SEMVER_CHECKS`). Run with `--ignored` without the tool, it fails.
//!
//! One baseline rustdoc JSON serves every edit whose base is the real schemas; the
//! facades are built in one scratch workspace under the target directory (its own
//! `schema-diff` folder: a nested cargo must not wait for the lock of the one running the
//! tests), where only the files an edit changes are rewritten, so each build is short.

use crate::schema_diff_support::{Edit, corpus, sides};
use codegen::diff::{self, Bump};
use codegen::load::Source;
use pipeline_tests::root;
use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

/// Edits where cargo-semver-checks 0.51 does not report what schema-diff calls major
/// (decision D31 gives the rule schema-diff follows). Each must disagree (an exception that
/// agrees is reported, so the list stays true), and each class is checked another way.
const EXCEPTIONS: &[(&str, Exception)] = &[
    ("datetime-retyped-to-string", Exception::FieldTypeChanged),
    ("string-retyped-to-integer", Exception::FieldTypeChanged),
    ("field-made-required", Exception::FieldTypeChanged),
    ("field-made-optional", Exception::FieldTypeChanged),
    ("field-made-localizable", Exception::FieldTypeChanged),
    ("field-made-not-localizable", Exception::FieldTypeChanged),
    // `minimum: 0` and no maximum is a u64; anything else an i64.
    ("integer-minimum-tightened", Exception::FieldTypeChanged),
    ("integer-minimum-loosened", Exception::FieldTypeChanged),
    ("integer-maximum-added", Exception::FieldTypeChanged),
    ("max-items-tightened", Exception::BehaviourOnly),
];

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Exception {
    /// A public field's type changed (`Option<T>` and `T`, `Text` and `PlainText`, `u64`
    /// and `i64`, …): every struct literal or read of it breaks, but cargo-semver-checks
    /// has no lint for a changed field type. Checked here on the rustdoc JSON instead:
    /// some field's type must differ.
    FieldTypeChanged,
    /// The API keeps its shape (every field's type is the same); validation refuses bodies
    /// it accepted. Checked here: no field's type differs.
    BehaviourOnly,
}

const TOOL_VAR: &str = "ALEXA_PE_CARGO_SEMVER_CHECKS";

#[test]
#[ignore = "needs cargo-semver-checks: run tests/schema-diff/run.sh"]
fn cargo_semver_checks_agrees_with_schema_diff_on_major_versus_not() {
    let tool = std::env::var_os(TOOL_VAR).map(PathBuf::from).unwrap_or_else(|| {
        panic!("{TOOL_VAR} is not set: run tests/schema-diff/run.sh, which installs the pinned cargo-semver-checks")
    });
    assert!(
        tool.is_file(),
        "{TOOL_VAR}={}: no such file; run tests/schema-diff/run.sh",
        tool.display()
    );
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map_or_else(|| root().join("target"), PathBuf::from)
        .join("schema-diff");
    let scratch = Scratch::new(&target);
    let started = Instant::now();
    let real = crate::schema_diff_support::real_sources();
    let baseline = scratch.rustdoc("baseline", &real);

    let mut report = Vec::new();
    let mut failures = Vec::new();
    let mut seen_exceptions: Vec<String> = Vec::new();
    for edit in corpus() {
        let t = Instant::now();
        let (base, current) = sides(&edit);
        let said = diff::overall(&crate::schema_diff_support::changes(&edit)).rust;
        let said_major = said == Some(Bump::Major);
        let (old, new) = if edit.reverse {
            (scratch.rustdoc("base", &base), baseline.clone())
        } else {
            (baseline.clone(), scratch.rustdoc("current", &current))
        };
        let (tool_major, lints) = semver_checks(&tool, &old, &new, &edit);
        let exception = EXCEPTIONS.iter().find(|(id, _)| *id == edit.id);
        let retyped = retyped_fields(&old, &new);
        let line = format!(
            "{:<36} schema-diff {:<5} cargo-semver-checks {:<9} {:>5.1}s {}",
            edit.id,
            said.map_or("none", Bump::name),
            if tool_major { "major" } else { "not major" },
            t.elapsed().as_secs_f64(),
            lints.join(",")
        );
        report.push(line.clone());
        match (said_major == tool_major, exception) {
            (true, None) => {}
            (true, Some((id, _))) => failures.push(format!(
                "{id} is listed as an exception but both say the same: remove it from EXCEPTIONS\n  {line}"
            )),
            (false, Some((id, Exception::FieldTypeChanged))) if !retyped.is_empty() => {
                seen_exceptions.push(format!("{id} ({})", retyped.join(", ")));
            }
            (false, Some((id, Exception::BehaviourOnly))) if retyped.is_empty() => {
                seen_exceptions.push(format!("{id} (behaviour only)"));
            }
            (false, Some((id, class))) => failures.push(format!(
                "{id}: listed as {class:?}, but the fields whose type changed are {retyped:?}\n  {line}"
            )),
            (false, None) => failures.push(format!("disagreement:\n  {line}")),
        }
    }
    eprintln!("{}", report.join("\n"));
    eprintln!(
        "{} edits in {:.0}s; exceptions (D31): {}",
        report.len(),
        started.elapsed().as_secs_f64(),
        seen_exceptions.join("; ")
    );
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// `(major, lint names)` from cargo-semver-checks between two rustdoc JSON files.
fn semver_checks(tool: &Path, old: &Path, new: &Path, edit: &Edit) -> (bool, Vec<String>) {
    let out = Command::new(tool)
        .args(["semver-checks", "check-release", "--baseline-rustdoc"])
        .arg(old)
        .arg("--current-rustdoc")
        .arg(new)
        .output()
        .unwrap_or_else(|e| panic!("{}: cannot run {}: {e}", edit.id, tool.display()));
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    // "--- failure <lint>: ..." per failed lint; the summary names the required bump.
    let lints: Vec<String> = text
        .lines()
        .filter_map(|l| l.trim().strip_prefix("--- failure "))
        .filter_map(|l| l.split(':').next())
        .map(str::to_owned)
        .collect();
    let major = text.contains("new major version");
    // Success when it found nothing; a failure status (it uses 1 and 100) with lints named.
    let found = !lints.is_empty();
    if out.status.success() == found || (major && !found) {
        panic!(
            "{}: cargo-semver-checks ended with {} and said:\n{text}",
            edit.id, out.status
        );
    }
    (major, lints)
}

/// `file::Struct.field` of every public field whose type differs between two rustdoc
/// JSON files (types compared without rustdoc's item ids, which differ between builds).
fn retyped_fields(old: &Path, new: &Path) -> Vec<String> {
    let (a, b) = (field_types(old), field_types(new));
    a.iter()
        .filter(|(k, t)| b.get(*k).is_some_and(|u| u != *t))
        .map(|(k, _)| k.clone())
        .collect()
}

fn field_types(path: &Path) -> std::collections::BTreeMap<String, String> {
    fn strip_ids(v: &mut Value) {
        match v {
            Value::Object(o) => {
                o.remove("id");
                o.values_mut().for_each(strip_ids);
            }
            Value::Array(a) => a.iter_mut().for_each(strip_ids),
            _ => {}
        }
    }
    let doc = pipeline_tests::read_json(path);
    let index = doc["index"].as_object().expect("rustdoc JSON has an index");
    let mut out = std::collections::BTreeMap::new();
    for item in index.values() {
        let Some(fields) = item
            .pointer("/inner/struct/kind/plain/fields")
            .and_then(Value::as_array)
        else {
            continue;
        };
        let file = item
            .pointer("/span/filename")
            .and_then(Value::as_str)
            .unwrap_or("?");
        let name = item["name"].as_str().unwrap_or("?");
        for id in fields {
            let field = &index[&id.to_string()];
            let mut ty = field
                .pointer("/inner/struct_field")
                .cloned()
                .unwrap_or(Value::Null);
            strip_ids(&mut ty);
            let key = format!("{file}::{name}.{}", field["name"].as_str().unwrap_or("?"));
            out.insert(key, ty.to_string());
        }
    }
    out
}

/// A workspace with the facade crate alone, its runtime taken from the repository.
struct Scratch {
    dir: PathBuf,
    target: PathBuf,
}

impl Scratch {
    fn new(target: &Path) -> Self {
        let dir = target.join("workspace");
        std::fs::create_dir_all(dir.join("generated")).unwrap_or_else(|e| panic!("{e}"));
        let repo = root();
        let manifest =
            std::fs::read_to_string(repo.join("Cargo.toml")).unwrap_or_else(|e| panic!("{e}"));
        // The workspace tables only (the root package is the tests), paths made absolute.
        let end = manifest
            .find("\n[package]")
            .unwrap_or_else(|| panic!("Cargo.toml: no [package] after the workspace tables"));
        let prefix = format!("path = \"{}/", repo.display());
        let workspace: String = manifest[..end]
            .lines()
            .filter(|l| !l.starts_with("exclude"))
            .map(|l| {
                if l.starts_with("members") {
                    "members = [\"generated\"]".to_owned()
                } else {
                    l.replace("path = \"", &prefix)
                }
            })
            .collect::<Vec<_>>()
            .join("\n");
        write_if_changed(&dir.join("Cargo.toml"), &format!("{workspace}\n"));
        let lock =
            std::fs::read_to_string(repo.join("Cargo.lock")).unwrap_or_else(|e| panic!("{e}"));
        // The repository's versions (cargo prunes what the facade does not use).
        write_if_changed(&dir.join("Cargo.lock"), &lock);
        write_if_changed(
            &dir.join("README.md"),
            "The facade, built for schema-diff's oracle.\n",
        );
        Scratch {
            dir,
            target: target.join("target"),
        }
    }

    /// The facade compiled from `sources`, as rustdoc JSON copied to `<name>.json`.
    fn rustdoc(&self, name: &str, sources: &[Source]) -> PathBuf {
        let outputs = codegen::compile(sources.to_vec()).unwrap_or_else(|d| panic!("{name}: {d}"));
        let generated = self.dir.join("generated");
        let mut keep = Vec::new();
        for (path, text) in &outputs.files {
            if !(path.starts_with("src/") || path == "Cargo.toml") {
                continue;
            }
            write_if_changed(&generated.join(path), text);
            keep.push(generated.join(path));
        }
        // Modules of events that are gone.
        let events = generated.join("src/events");
        for entry in std::fs::read_dir(&events)
            .unwrap_or_else(|e| panic!("{e}"))
            .flatten()
        {
            if !keep.contains(&entry.path()) {
                std::fs::remove_file(entry.path()).unwrap_or_else(|e| panic!("{e}"));
            }
        }
        let out = Command::new(env!("CARGO"))
            .env("RUSTC_BOOTSTRAP", "1")
            .env_remove("RUSTDOCFLAGS")
            .args([
                "rustdoc",
                "--quiet",
                "--lib",
                "-p",
                "alexa-proactive-events",
                "--manifest-path",
            ])
            .arg(self.dir.join("Cargo.toml"))
            .arg("--target-dir")
            .arg(&self.target)
            .args(["--", "-Z", "unstable-options", "--output-format", "json"])
            .output()
            .unwrap_or_else(|e| panic!("cannot run cargo rustdoc: {e}"));
        assert!(
            out.status.success(),
            "{name}: cargo rustdoc failed:\n{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let made = self.target.join("doc/alexa_proactive_events.json");
        let kept = self.dir.join(format!("{name}.json"));
        std::fs::copy(&made, &kept).unwrap_or_else(|e| panic!("{}: {e}", made.display()));
        kept
    }
}

fn write_if_changed(path: &Path, text: &str) {
    if std::fs::read_to_string(path).is_ok_and(|old| old == text) {
        return;
    }
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent).unwrap_or_else(|e| panic!("{e}"));
    }
    std::fs::write(path, text).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
}
