//! Stage 3, emit: one pure function per artifact, from the IR (`crate::model`) to file contents.

pub mod docs;
pub mod facade;
pub mod json_schema;
pub mod locales;
pub mod manifest;
pub mod runtime;
pub mod rust;

/// The command that rewrites every generated file; named in each file's header.
pub const REGENERATE: &str = "cargo xtask regenerate";

/// Pretty JSON with a final newline, as every generated JSON file is written.
pub(crate) fn json_text(v: &serde_json::Value) -> String {
    let mut s = serde_json::to_string_pretty(v).unwrap_or_default();
    s.push('\n');
    s
}
