//! Shared helpers for the end-to-end tests in `tests/`.

use serde_json::Value;
use std::path::{Path, PathBuf};

/// The workspace root.
pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// The one switch that rewrites every expected output (golden files, pinned
/// diagnostics) instead of comparing with it: `UPDATE_EXPECTED=1 cargo test`.
pub const UPDATE_VAR: &str = "UPDATE_EXPECTED";

/// Whether this run rewrites expected outputs (see [`UPDATE_VAR`]).
pub fn updating_expected() -> bool {
    std::env::var_os(UPDATE_VAR).is_some()
}

/// Reads a JSON file, naming it on failure.
pub fn read_json(path: &Path) -> Value {
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// `(file name, body)` of every request body in `tests/bodies/<kind>`, sorted.
pub fn bodies(kind: &str) -> Vec<(String, Value)> {
    let dir = root().join("tests/bodies").join(kind);
    let mut out: Vec<(String, Value)> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == "json"))
        .map(|p| {
            (
                p.file_name()
                    .unwrap_or_default()
                    .to_string_lossy()
                    .into_owned(),
                read_json(&p),
            )
        })
        .collect();
    out.sort_by(|a, b| a.0.cmp(&b.0));
    out
}

/// A draft 2020-12 validator with format checking on (it is off by default in 2020-12).
pub fn validator(schema: &Value) -> jsonschema::Validator {
    jsonschema::options()
        .with_draft(jsonschema::Draft::Draft202012)
        .should_validate_formats(true)
        .build(schema)
        .unwrap_or_else(|e| panic!("schema does not compile: {e}"))
}

/// The generated JSON Schema of one event, or the any-event schema.
pub fn schema_file(name: &str) -> Value {
    read_json(&root().join("generated/json-schema").join(name))
}

/// The README's Rust snippets, compiled (and run, unless marked `no_run`) by
/// `cargo test` as doctests of this crate, so they cannot rot. They see this
/// package's dependencies, a superset of those the README lists.
#[cfg(doctest)]
#[doc = include_str!("../../README.md")]
pub struct ReadmeSnippets;
