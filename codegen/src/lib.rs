//! The schema compiler: `schemas/*.yaml` -> load -> check -> model -> emit.
//!
//! Data flows one way. Nothing here knows the generated crate's runtime beyond
//! the paths the emitted code names.

pub mod check;
pub mod diag;
pub mod emit;
pub mod load;
pub mod locate;
pub mod model;
pub mod names;
pub mod output;
pub mod regenerate;
pub mod template;

use diag::{Diagnostic, Diagnostics};
use load::Source;
pub use output::{Outputs, Plan};
use std::path::Path;

/// Reads every `*.yaml` in `dir`, sorted by name; `shown_as` prefixes paths in diagnostics.
pub fn read_sources(dir: &Path, shown_as: &str) -> Result<Vec<Source>, Diagnostics> {
    let fail = |path: &str, msg: String| Diagnostics(vec![Diagnostic::new(path, "", msg)]);
    let entries = std::fs::read_dir(dir)
        .map_err(|e| fail(shown_as, format!("cannot read the schema folder: {e}")))?;
    let mut names = Vec::new();
    for entry in entries {
        let entry =
            entry.map_err(|e| fail(shown_as, format!("cannot read the schema folder: {e}")))?;
        names.push(entry.file_name().to_string_lossy().into_owned());
    }
    names.sort();
    let mut sources = Vec::new();
    let mut errors = Vec::new();
    for name in names {
        let shown = format!("{}/{name}", shown_as.trim_end_matches('/'));
        if name.ends_with(".yml") {
            errors.push(
                Diagnostic::new(
                    &shown,
                    "",
                    "schema files end in `.yaml`; this one would be ignored",
                )
                .with_help(format!("rename it to `{}`", name.replace(".yml", ".yaml"))),
            );
            continue;
        }
        if !name.ends_with(".yaml") {
            continue;
        }
        match std::fs::read_to_string(dir.join(&name)) {
            Ok(text) => sources.push(Source { path: shown, text }),
            Err(e) => errors.push(Diagnostic::new(
                &shown,
                "",
                format!("cannot read the file: {e}"),
            )),
        }
    }
    if errors.is_empty() {
        Ok(sources)
    } else {
        Err(Diagnostics(errors))
    }
}

/// Compiles sources to the model, collecting every diagnostic of every file.
pub fn build_catalog(sources: Vec<Source>) -> Result<model::Catalog, Diagnostics> {
    if sources.is_empty() {
        return Err(Diagnostics(vec![
            Diagnostic::new("schemas", "", "no schema files (`*.yaml`) found")
                .with_help("add one file per AMAZON.* event; see schemas/README.md"),
        ]));
    }
    let mut loaded = Vec::new();
    let mut errors = Vec::new();
    for source in sources {
        match load::load(source) {
            Ok(l) => loaded.push(l),
            Err(d) => errors.push(*d),
        }
    }
    let checked = check::check(&loaded);
    // Files that failed checking are not modelled; the rest still are, so that
    // naming errors in them are reported in the same run.
    let clean: Vec<load::Loaded> = loaded
        .into_iter()
        .filter(|l| !checked.iter().any(|d| d.file == l.source.path))
        .collect();
    errors.extend(checked);
    match model::build(&clean) {
        Ok(catalog) if errors.is_empty() => Ok(catalog),
        Ok(_) => Err(Diagnostics(errors)),
        Err(naming) => {
            errors.extend(naming);
            Err(Diagnostics(errors))
        }
    }
}

/// Every output file of a catalog, by path relative to `generated/`.
pub fn emit_all(catalog: &model::Catalog) -> Outputs {
    let mut files = std::collections::BTreeMap::new();
    for (path, text) in emit::facade::emit(catalog) {
        files.insert(path, text);
    }
    for (name, text) in emit::rust::emit(catalog) {
        files.insert(format!("src/events/{name}"), text);
    }
    for (name, text) in emit::json_schema::emit(catalog) {
        files.insert(format!("json-schema/{name}"), text);
    }
    for (name, text) in emit::manifest::emit(catalog) {
        files.insert(format!("manifest/{name}"), text);
    }
    Outputs { files }
}

/// Load through emit, in memory: what `cargo xtask regenerate` would write.
pub fn compile(sources: Vec<Source>) -> Result<Outputs, Diagnostics> {
    build_catalog(sources).map(|c| emit_all(&c))
}

/// Compiles the schema folder `dir` (diagnostics name files as `shown_as/…`).
pub fn compile_dir(dir: &Path, shown_as: &str) -> Result<Outputs, Diagnostics> {
    compile(read_sources(dir, shown_as)?)
}
