//! The schema compiler: `schemas/*.yaml` -> load -> lower -> emit.
//!
//! - [`load`]: YAML text into input structs (strict: unknown keys are errors).
//! - [`lower`]: the rules of the schema language checked and, in the same walk,
//!   the typed IR ([`model`]) built; a file with errors yields diagnostics only.
//!   The schema's `example:` payload is checked against the IR ([`example`]).
//! - [`emit`]: one pure function per artifact, from the IR.
//!
//! Adding a field type is a variant of [`lower::Builtin`] (its keyword joins the
//! list diagnostics show by itself), and usually one of [`model::Ty`]; then every
//! `match` the compiler reports as non-exhaustive: for `Builtin`, in `lower.rs`
//! `Builtin::keyword`, `Builtin::nests`, `Builtin::defines_type` and, in
//! `Lower::node`, what is inside a node and the `Ty` it lowers to; for `Ty`,
//! `Layout::remap` (`lower.rs`), `value_schema` (`emit/json_schema.rs`), and
//! `has_text`, `visitor_fn`, `rust_type`, `field_doc` and `shape_expr`
//! (`emit/rust.rs`), `Checker::value` (`example.rs`), and `localize`,
//! `type_name` and `constraints` (`emit/docs.rs`). No `_ =>` arm stands in for
//! either. Outside the compiler's
//! reach: the runtime's validator (the `Shape` that `shape_expr` names), and the
//! language's documentation, `schemas/README.md`.
//!
//! Data flows one way. Nothing here knows the generated crate's runtime beyond
//! the paths the emitted code names (`emit::runtime`) and the envelope's wire
//! contract (`alexa_proactive_events_runtime::envelope`), which the JSON Schemas
//! restate from the same constants. Decisions cited as `Dn` are in
//! `docs/decisions.md`.

pub mod diag;
pub mod diff;
pub mod emit;
pub mod example;
pub mod load;
pub mod locales;
pub mod locate;
pub mod lower;
pub mod model;
pub mod names;
pub mod output;
pub mod par;
pub mod regenerate;
pub mod template;

use diag::{Diagnostic, Diagnostics};
use load::Source;
pub use output::{Outputs, Plan};
use std::path::Path;

/// The largest schema file the compiler reads: 1 MiB (the real ones are a few KiB).
pub const MAX_SCHEMA_BYTES: u64 = 1 << 20;

/// Reads every `*.yaml` in `dir`, sorted by name; `shown_as` prefixes paths in diagnostics.
///
/// Each must be a regular file (after following symlinks) of at most
/// [`MAX_SCHEMA_BYTES`]: a device, a pipe or a folder is refused unread, and no
/// more than the cap is ever read.
pub fn read_sources(dir: &Path, shown_as: &str) -> Result<Vec<Source>, Diagnostics> {
    read_sources_capped(dir, shown_as, MAX_SCHEMA_BYTES)
}

/// [`read_sources`] with another size cap.
pub fn read_sources_capped(
    dir: &Path,
    shown_as: &str,
    max_bytes: u64,
) -> Result<Vec<Source>, Diagnostics> {
    let fail = |path: &str, msg: String| Diagnostics::from(Diagnostic::new(path, "", msg));
    let entries = std::fs::read_dir(dir)
        .map_err(|e| fail(shown_as, format!("cannot read the schema folder: {e}")))?;
    let mut names = Vec::new();
    let mut errors = Vec::new();
    for entry in entries {
        let entry =
            entry.map_err(|e| fail(shown_as, format!("cannot read the schema folder: {e}")))?;
        match entry.file_name().into_string() {
            Ok(name) => names.push(name),
            // A schema is named after its event (ASCII): a name that is not
            // UTF-8 cannot be one, and its lossy form names no file to read.
            Err(raw) => {
                let lossy = raw.to_string_lossy();
                if lossy.ends_with(".yaml") || lossy.ends_with(".yml") {
                    let shown = format!("{}/{lossy}", shown_as.trim_end_matches('/'));
                    errors.push(
                        Diagnostic::new(&shown, "", "the file name is not valid UTF-8")
                            .with_help(
                                "name a schema file after its event, e.g. `AMAZON.OrderStatus.Updated.yaml`",
                            ),
                    );
                }
            }
        }
    }
    names.sort();
    let mut sources = Vec::new();
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
        match read_capped(&dir.join(&name), max_bytes) {
            Ok(text) => sources.push(Source { path: shown, text }),
            Err(d) => errors.push(Diagnostic { file: shown, ..*d }),
        }
    }
    if errors.is_empty() {
        Ok(sources)
    } else {
        Err(Diagnostics::new(errors, 0))
    }
}

/// Reads one schema file, refusing anything but a regular file of at most
/// `max_bytes` (the diagnostic's `file` is left for the caller to fill in).
fn read_capped(path: &Path, max_bytes: u64) -> Result<String, Box<Diagnostic>> {
    let fail = |message: String| Box::new(Diagnostic::new("", "", message));
    let not_regular = || {
        fail("not a regular file: a schema must be a plain YAML file (a symlink is followed, but not to a device, a pipe or a folder)".into())
    };
    let too_large = |size: String| {
        let mut d = fail(format!(
            "the file is {size}; a schema file may have at most {max_bytes} bytes"
        ));
        d.help("the real schemas are a few KiB; is this the file you meant?");
        d
    };
    let cannot = |e: std::io::Error| fail(format!("cannot read the file: {e}"));
    // Look before opening: opening a pipe would wait for a writer.
    let meta = std::fs::metadata(path).map_err(cannot)?;
    if !meta.is_file() {
        return Err(not_regular());
    }
    if meta.len() > max_bytes {
        return Err(too_large(format!("{} bytes", meta.len())));
    }
    let file = std::fs::File::open(path).map_err(cannot)?;
    // The path may have changed in between: check what was opened, and never
    // read more than the cap whatever the size said.
    if !file.metadata().map_err(cannot)?.is_file() {
        return Err(not_regular());
    }
    let mut bytes = Vec::new();
    std::io::Read::read_to_end(
        &mut std::io::Read::take(file, max_bytes.saturating_add(1)),
        &mut bytes,
    )
    .map_err(cannot)?;
    if bytes.len() as u64 > max_bytes {
        return Err(too_large(format!("more than {max_bytes} bytes")));
    }
    String::from_utf8(bytes).map_err(|e| {
        fail(format!(
            "the file is not UTF-8 text (invalid byte at offset {})",
            e.utf8_error().valid_up_to()
        ))
    })
}

/// Compiles sources to the IR, collecting every diagnostic of every file.
pub fn build_catalog(sources: Vec<Source>) -> Result<model::Catalog, Diagnostics> {
    if sources.is_empty() {
        return Err(
            Diagnostic::new("schemas", "", "no schema files (`*.yaml`) found")
                .with_help("add one file per AMAZON.* event; see schemas/README.md")
                .into(),
        );
    }
    let mut loaded = Vec::new();
    let mut errors = Diagnostics::default();
    for result in par::map_owned(sources, load::load) {
        match result {
            Ok(l) => loaded.push(l),
            Err(d) => errors.extend((*d).into()),
        }
    }
    match lower::lower(&loaded) {
        Ok(catalog) if errors.is_empty() => Ok(catalog),
        Ok(_) => Err(errors),
        Err(found) => {
            errors.extend(found);
            Err(errors)
        }
    }
}

/// One unit of emitting work: the files of one event, or those of the whole catalog.
enum Job<'a> {
    Catalog,
    Event(&'a model::Event),
}

/// Every output file of a catalog, by path relative to `generated/`.
///
/// Events are emitted in parallel ([`par::map`]); the output does not depend
/// on the threads. Fails when generated Rust does not parse (a compiler bug),
/// naming every module that failed.
pub fn emit_all(catalog: &model::Catalog) -> Result<Outputs, Diagnostics> {
    // The catalog's files first: `mod.rs` of a large catalog is the longest job.
    let jobs: Vec<Job<'_>> = std::iter::once(Job::Catalog)
        .chain(catalog.events.iter().map(Job::Event))
        .collect();
    let done = par::map(
        &jobs,
        |job| -> Result<Vec<(String, String)>, Box<Diagnostic>> {
            Ok(match job {
                Job::Catalog => {
                    let mut files = emit::facade::emit(catalog);
                    files.push((
                        "src/events/mod.rs".to_owned(),
                        emit::rust::catalog_module(catalog)?,
                    ));
                    files.push((
                        format!("json-schema/{}", emit::json_schema::ANY_EVENT_FILE),
                        emit::json_schema::any_event_text(catalog),
                    ));
                    files.push((
                        format!("manifest/{}", emit::manifest::ALL_EVENTS_FILE),
                        emit::manifest::all_events_text(catalog),
                    ));
                    files.push((
                        format!("{}/{}", emit::docs::DIR, emit::docs::INDEX_FILE),
                        emit::docs::index_text(catalog),
                    ));
                    files
                }
                Job::Event(event) => vec![
                    (
                        format!("src/events/{}.rs", event.module),
                        emit::rust::event_module(event)?,
                    ),
                    (
                        format!("json-schema/{}", emit::json_schema::file_name(event)),
                        emit::json_schema::event_text(event),
                    ),
                    (
                        format!("manifest/{}", emit::manifest::file_name(event)),
                        emit::manifest::event_text(event),
                    ),
                    (
                        format!("{}/{}", emit::docs::DIR, emit::docs::file_name(event)),
                        emit::docs::event_text(event),
                    ),
                ],
            })
        },
    );
    let mut files = std::collections::BTreeMap::new();
    let mut errors = Vec::new();
    for result in done {
        match result {
            Ok(made) => files.extend(made),
            Err(d) => errors.push(*d),
        }
    }
    if errors.is_empty() {
        Ok(Outputs { files })
    } else {
        Err(Diagnostics::new(errors, 0))
    }
}

/// Load through emit, in memory: what `cargo xtask regenerate` would write.
pub fn compile(sources: Vec<Source>) -> Result<Outputs, Diagnostics> {
    build_catalog(sources).and_then(|c| emit_all(&c))
}

/// Compiles the schema folder `dir` (diagnostics name files as `shown_as/…`).
pub fn compile_dir(dir: &Path, shown_as: &str) -> Result<Outputs, Diagnostics> {
    compile(read_sources(dir, shown_as)?)
}
