//! Stage 4, emit: one pure function per artifact, from the model to file contents.

pub mod json_schema;
pub mod manifest;
pub mod rust;

/// The command that rewrites every generated file; named in each file's header.
pub const REGENERATE: &str = "cargo xtask regenerate";
