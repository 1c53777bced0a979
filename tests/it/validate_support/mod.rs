//! Helpers shared by the `validate_*` tests: the body bank, the generated JSON
//! Schemas and JSON-pointer edits.
#![allow(dead_code)]

use serde_json::Value;
use std::path::{Path, PathBuf};

/// `tests/bodies` at the workspace root.
pub fn bank() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/bodies")
}

/// `(file name, raw bytes)` of every body in `tests/bodies/<kind>`, sorted.
pub fn raw_bodies(kind: &str) -> Vec<(String, Vec<u8>)> {
    let dir = bank().join(kind);
    let mut out: Vec<(String, Vec<u8>)> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|e| e.expect("directory entry").path())
        .filter(|p| p.extension().is_some_and(|x| x == "json"))
        .map(|p| {
            let name = p
                .file_name()
                .expect("a file name")
                .to_string_lossy()
                .into_owned();
            let bytes = std::fs::read(&p).unwrap_or_else(|e| panic!("{}: {e}", p.display()));
            (name, bytes)
        })
        .collect();
    out.sort();
    out
}

/// `(file name, JSON value)` of every body in `tests/bodies/<kind>`.
pub fn bodies(kind: &str) -> Vec<(String, Value)> {
    raw_bodies(kind)
        .into_iter()
        .map(|(n, b)| {
            let v = serde_json::from_slice(&b).unwrap_or_else(|e| panic!("{n}: {e}"));
            (n, v)
        })
        .collect()
}

/// One valid body of the bank, by file name.
pub fn valid(name: &str) -> Value {
    let path = bank().join("valid").join(name);
    let bytes = std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    serde_json::from_slice(&bytes).unwrap_or_else(|e| panic!("{name}: {e}"))
}

/// A draft 2020-12 validator of a generated JSON Schema, formats checked.
pub fn json_schema(file: &str) -> jsonschema::Validator {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("generated/json-schema")
        .join(file);
    let bytes = std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let schema: Value = serde_json::from_slice(&bytes).expect("schema is JSON");
    jsonschema::options()
        .with_draft(jsonschema::Draft::Draft202012)
        .should_validate_formats(true)
        .build(&schema)
        .unwrap_or_else(|e| panic!("{file} does not compile: {e}"))
}

/// Sets the value at `pointer` (the parent must exist); `None` removes it.
pub fn set(body: &mut Value, pointer: &str, value: Option<Value>) {
    let (parent, last) = pointer.rsplit_once('/').expect("a pointer with a parent");
    let key = last.replace("~1", "/").replace("~0", "~");
    let slot = body
        .pointer_mut(parent)
        .unwrap_or_else(|| panic!("no parent at {parent}"));
    match (slot, value) {
        (Value::Object(o), Some(v)) => {
            o.insert(key, v);
        }
        (Value::Object(o), None) => {
            o.remove(&key);
        }
        (Value::Array(a), Some(v)) => {
            let i: usize = key.parse().expect("an index");
            if i == a.len() {
                a.push(v);
            } else {
                a[i] = v;
            }
        }
        (Value::Array(a), None) => {
            a.remove(key.parse().expect("an index"));
        }
        (other, _) => panic!("{parent} is {other}, not a container"),
    }
}
