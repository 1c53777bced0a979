//! Writes every single-step mutation of the valid bodies, with the Rust verdict, for the
//! Python `jsonschema` and Ajv checks in `tests/cross-language/` (issue 15).
//!
//! Run from anywhere: `cargo run --quiet -p pipeline-tests --example export_mutations -- OUT.json`
//!
//! OUT.json is a JSON array with one entry per mutation of every body of
//! `tests/bodies/valid` (the set `mutated_bodies_get_the_same_verdict_from_schema_and_rust`
//! checks in `tests/it/cross_check.rs`):
//! `{"file": "<body file name>", "what": "<mutation label>", "valid": <bool>, "body": <JSON>}`.
//! `valid` is the verdict of the typed parse (`ProactiveEventRequest`). Before anything is
//! written, the Rust `jsonschema` crate must give the same verdict with the per-event schema
//! (picked by `event.name` when it is a string naming a known event, as the checkers pick it)
//! and with the any-event schema; on any disagreement nothing is written and the exit status is
//! 1, so the file is always a consistent expectation. The file is written to a temporary file
//! beside OUT.json and renamed into place. Prints `N mutations (M invalid)` to stderr.

use alexa_proactive_events::{EVENT_NAMES, ProactiveEventRequest};
use pipeline_tests::{mutations, root};
use serde_json::{Value, json};
use std::collections::BTreeMap;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

const USAGE: &str = "usage: cargo run -p pipeline-tests --example export_mutations -- OUT.json";

fn main() -> ExitCode {
    match run() {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("export_mutations: error: {message}");
            ExitCode::FAILURE
        }
    }
}

fn run() -> Result<(), String> {
    let out = output_path(std::env::args_os().skip(1).collect())?;
    let judges = Judges::new(&root().join("generated/json-schema"))?;

    let mut entries = Vec::new();
    let mut disagreements = Vec::new();
    let mut invalid = 0usize;
    for (file, body) in valid_bodies(&root().join("tests/bodies/valid"))? {
        for (what, mutated) in mutations(&body) {
            let rust = serde_json::from_value::<ProactiveEventRequest>(mutated.clone()).is_ok();
            let (schema, own, any) = judges.verdicts(&mutated);
            if own != rust || any != rust {
                disagreements.push(format!(
                    "{file}: {what}: Rust parse says {}, {schema} says {}, {AGGREGATE} says {}",
                    verdict(rust),
                    verdict(own),
                    verdict(any)
                ));
            }
            invalid += usize::from(!rust);
            entries.push(json!({"file": file, "what": what, "valid": rust, "body": mutated}));
        }
    }
    if !disagreements.is_empty() {
        return Err(format!(
            "{} mutation(s) get a different verdict from the Rust jsonschema crate than from the \
             typed parse; {} not written:\n{}",
            disagreements.len(),
            out.display(),
            disagreements.join("\n")
        ));
    }
    if entries.is_empty() {
        return Err("no mutations: tests/bodies/valid has no body".to_owned());
    }
    let count = entries.len();
    write_atomically(&out, &Value::Array(entries))?;
    eprintln!("{count} mutations ({invalid} invalid)");
    Ok(())
}

fn verdict(valid: bool) -> &'static str {
    if valid { "valid" } else { "invalid" }
}

/// The one argument: the file to write. Its folder must exist.
fn output_path(args: Vec<std::ffi::OsString>) -> Result<PathBuf, String> {
    let [arg] = args.as_slice() else {
        return Err(format!(
            "expected exactly one argument (the output file), got {}\n{USAGE}",
            args.len()
        ));
    };
    if arg.is_empty() || arg.to_string_lossy().starts_with('-') {
        return Err(format!(
            "{:?} is not an output file name\n{USAGE}",
            arg.to_string_lossy()
        ));
    }
    let out = PathBuf::from(arg);
    if out.is_dir() {
        return Err(format!("{} is a directory, not a file name", out.display()));
    }
    Ok(out)
}

const AGGREGATE: &str = "proactive-event.schema.json";

/// The Rust `jsonschema` crate's validators: one per event and the any-event schema.
struct Judges {
    per_event: BTreeMap<&'static str, jsonschema::Validator>,
    any: jsonschema::Validator,
}

impl Judges {
    fn new(dir: &Path) -> Result<Self, String> {
        let mut per_event = BTreeMap::new();
        for name in EVENT_NAMES {
            per_event.insert(name, compile(&dir.join(format!("{name}.schema.json")))?);
        }
        Ok(Self {
            per_event,
            any: compile(&dir.join(AGGREGATE))?,
        })
    }

    /// (file name of the schema picked by `event.name`, its verdict, the any-event verdict).
    fn verdicts(&self, body: &Value) -> (String, bool, bool) {
        let any = self.any.is_valid(body);
        let name = body.pointer("/event/name").and_then(Value::as_str);
        match name.and_then(|n| self.per_event.get_key_value(n)) {
            Some((n, v)) => (format!("{n}.schema.json"), v.is_valid(body), any),
            None => (AGGREGATE.to_owned(), any, any),
        }
    }
}

/// A draft 2020-12 validator with format checking on, as the Rust tests build it.
fn compile(path: &Path) -> Result<jsonschema::Validator, String> {
    let schema = read_json(path)?;
    jsonschema::options()
        .with_draft(jsonschema::Draft::Draft202012)
        .should_validate_formats(true)
        .build(&schema)
        .map_err(|e| format!("{}: schema does not compile: {e}", path.display()))
}

fn read_json(path: &Path) -> Result<Value, String> {
    let text = std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?;
    serde_json::from_str(&text).map_err(|e| format!("{}: not JSON: {e}", path.display()))
}

/// `(file name, body)` of every `*.json` in `dir`, sorted by name (as `pipeline_tests::bodies`).
fn valid_bodies(dir: &Path) -> Result<Vec<(String, Value)>, String> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).map_err(|e| format!("{}: {e}", dir.display()))? {
        let path = entry.map_err(|e| format!("{}: {e}", dir.display()))?.path();
        if path.extension().is_some_and(|x| x == "json") {
            let name = path
                .file_name()
                .unwrap_or_default()
                .to_string_lossy()
                .into_owned();
            out.push((name, read_json(&path)?));
        }
    }
    out.sort_by(|a, b| a.0.cmp(&b.0));
    Ok(out)
}

/// Writes `value` to a temporary file in `out`'s folder, then renames it to `out`.
fn write_atomically(out: &Path, value: &Value) -> Result<(), String> {
    let folder = match out.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    let fail = |e: &dyn std::fmt::Display| format!("cannot write {}: {e}", out.display());
    let mut tmp = tempfile::Builder::new()
        .prefix(".mutations-")
        .suffix(".json.tmp")
        .tempfile_in(folder)
        .map_err(|e| fail(&e))?;
    {
        let mut writer = std::io::BufWriter::new(tmp.as_file_mut());
        serde_json::to_writer(&mut writer, value).map_err(|e| fail(&e))?;
        writer.write_all(b"\n").map_err(|e| fail(&e))?;
        writer.flush().map_err(|e| fail(&e))?;
    }
    tmp.as_file().sync_all().map_err(|e| fail(&e))?;
    tmp.persist(out).map_err(|e| fail(&e.error))?;
    Ok(())
}
