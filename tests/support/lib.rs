//! Shared helpers for the end-to-end tests in `tests/`.

use serde_json::{Value, json};
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

/// One folder of the request-body bank and the verdicts its bodies must get, as
/// `tests/bodies/bank.json` (the one list, read by every checker) gives them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BankFolder {
    /// The folder's name under `tests/bodies/`.
    pub folder: String,
    /// The generated JSON Schemas' verdict: `true` for valid.
    pub schema_valid: bool,
    /// The Rust validator's verdict; `None` where it is per body.
    pub rust_valid: Option<bool>,
    /// Whether the typed request (serde) gives the `rust_valid` verdict too.
    pub typed: bool,
}

/// Every folder of the request-body bank, in `tests/bodies/bank.json`'s order.
pub fn bank_folders() -> Vec<BankFolder> {
    let path = root().join("tests/bodies/bank.json");
    let index = read_json(&path);
    let verdict = |v: &Value, what: &str| match v.as_str() {
        Some("valid") => true,
        Some("invalid") => false,
        _ => panic!(
            "{}: {what} is {v}, not \"valid\" or \"invalid\"",
            path.display()
        ),
    };
    index["folders"]
        .as_array()
        .unwrap_or_else(|| panic!("{}: no `folders` list", path.display()))
        .iter()
        .map(|f| BankFolder {
            folder: f["folder"].as_str().expect("folder name").to_owned(),
            schema_valid: verdict(&f["schema"], "schema"),
            rust_valid: (!f["rust"].is_null()).then(|| verdict(&f["rust"], "rust")),
            typed: f["typed"].as_bool().expect("typed"),
        })
        .collect()
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

/// Mutations at every place in the tree: null, removal, extra field, wrong type,
/// empty string, a foreign enum value, a localized reference, and too many items.
///
/// Returns `(label, mutated body)` pairs, the label naming the mutation and its JSON
/// pointer. Shared by `tests/it/cross_check.rs` and the `export_mutations` example, which
/// hands the same set to the Python and Ajv checks in `tests/cross-language/`.
pub fn mutations(body: &Value) -> Vec<(String, Value)> {
    let mut out = Vec::new();
    if let Value::Object(o) = body {
        out.push((
            "whole body as an array".to_owned(),
            Value::Array(o.values().cloned().collect()),
        ));
    }
    let mut pointers = Vec::new();
    collect_pointers(body, String::new(), &mut pointers);
    for pointer in pointers {
        let original = body.pointer(&pointer).cloned().unwrap_or(Value::Null);
        let mut replace = |label: &str, v: Value| {
            let mut b = body.clone();
            if let Some(slot) = b.pointer_mut(&pointer) {
                *slot = v;
                out.push((format!("{label} at {pointer}"), b));
            }
        };
        replace("null", Value::Null);
        match &original {
            Value::String(_) => {
                replace("empty string", json!(""));
                replace("number for string", json!(7));
                replace("foreign value", json!("NOT_A_SCHEMA_VALUE"));
                replace("localized reference", json!("localizedattribute:source"));
                replace("bare reference prefix", json!("localizedattribute:"));
            }
            Value::Number(_) => {
                replace("string for number", json!("3"));
                replace("negative", json!(-1));
                replace("fraction", json!(1.5));
            }
            Value::Array(items) => {
                replace("object for array", json!({}));
                replace("empty array", json!([]));
                if let Some(first) = items.first() {
                    replace("six copies", Value::Array(vec![first.clone(); 6]));
                }
            }
            Value::Object(_) => {
                replace("string for object", json!("x"));
                replace("array for object", json!([]));
                let mut extra = original.clone();
                if let Some(o) = extra.as_object_mut() {
                    o.insert("unexpectedField".into(), json!("x"));
                }
                replace("extra field", extra);
            }
            Value::Bool(_) | Value::Null => {}
        }
        // Removal, for object members.
        if let Some((parent, key)) = pointer.rsplit_once('/') {
            let mut b = body.clone();
            if let Some(Value::Object(o)) = b.pointer_mut(parent) {
                o.remove(&key.replace("~1", "/").replace("~0", "~"));
                out.push((format!("removed {pointer}"), b));
            }
        }
    }
    out
}

/// The JSON Pointer of every value inside `v` (not `v` itself), parents first,
/// each below `at`: call it with `String::new()`.
pub fn collect_pointers(v: &Value, at: String, out: &mut Vec<String>) {
    if !at.is_empty() {
        out.push(at.clone());
    }
    match v {
        Value::Object(o) => {
            for (k, child) in o {
                collect_pointers(
                    child,
                    format!("{at}/{}", k.replace('~', "~0").replace('/', "~1")),
                    out,
                );
            }
        }
        Value::Array(a) => {
            for (i, child) in a.iter().enumerate() {
                collect_pointers(child, format!("{at}/{i}"), out);
            }
        }
        _ => {}
    }
}
