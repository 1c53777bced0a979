//! `cargo xtask regenerate [--check]` as a function: compile everything in memory,
//! then write only what changed. A compile error leaves the output untouched.

use crate::diag::Diagnostics;
use crate::output::{self, OutputError, Plan};
use std::fmt;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    Write,
    /// Write nothing; report stale files.
    Check,
}

/// What a run did.
#[derive(Debug, Clone)]
pub struct Report {
    /// The output folder as shown to users (`generated`).
    pub out_shown: String,
    pub schemas: usize,
    pub plan: Plan,
    pub mode: Mode,
    pub elapsed: Duration,
}

impl fmt::Display for Report {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.mode {
            Mode::Write => write!(
                f,
                "compiled {} schemas: {} files written, {} unchanged, {} removed ({} ms)",
                self.schemas,
                self.plan.write.len(),
                self.plan.unchanged.len(),
                self.plan.remove.len(),
                self.elapsed.as_millis()
            ),
            Mode::Check if self.plan.is_fresh() => {
                write!(
                    f,
                    "generated files are up to date with {} schemas ({} files)",
                    self.schemas,
                    self.plan.unchanged.len()
                )
            }
            Mode::Check => {
                for file in &self.plan.write {
                    writeln!(f, "stale: {}/{file}", self.out_shown)?;
                }
                for file in &self.plan.remove {
                    writeln!(f, "not produced by any schema: {}/{file}", self.out_shown)?;
                }
                write!(
                    f,
                    "error: generated files are out of date; run `cargo xtask regenerate`"
                )
            }
        }
    }
}

#[derive(Debug)]
pub enum Error {
    /// The schemas do not compile; nothing was written.
    Schemas(Diagnostics),
    /// Files in the output folder that regenerate did not write; nothing was written.
    Foreign {
        out_shown: String,
        files: Vec<String>,
    },
    /// Reading or writing the output folder failed; the error names the path
    /// (as `generated/src/lib.rs`). Files already renamed into place stay.
    Io(OutputError),
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Schemas(d) => write!(f, "{d}\nthe generated files were left unchanged"),
            Self::Foreign { out_shown, files } => {
                for file in files {
                    writeln!(
                        f,
                        "error: {out_shown}/{file} was not written by `cargo xtask regenerate`"
                    )?;
                }
                write!(
                    f,
                    "{out_shown}/ holds only generated files: move hand-written code to runtime/ or cli/ (nothing was written)"
                )
            }
            Self::Io(e) => write!(f, "error: {e}"),
        }
    }
}

impl std::error::Error for Error {}

/// Compiles `schemas` (shown in diagnostics as `shown_as`) into `out`.
pub fn run(schemas: &Path, shown_as: &str, out: &Path, mode: Mode) -> Result<Report, Error> {
    let out_shown = out.file_name().map_or_else(
        || out.display().to_string(),
        |n| n.to_string_lossy().into_owned(),
    );
    let started = Instant::now();
    let sources = crate::read_sources(schemas, shown_as).map_err(Error::Schemas)?;
    let count = sources.len();
    let outputs = crate::compile(sources).map_err(Error::Schemas)?;
    // Paths in errors as users know them: `generated/src/lib.rs`.
    let shown = |mut e: OutputError| {
        if let Ok(rel) = e.path.strip_prefix(out) {
            e.path = PathBuf::from(&out_shown).join(rel);
        }
        Error::Io(e)
    };
    let plan = output::plan(&outputs, out).map_err(shown)?;
    if !plan.foreign.is_empty() {
        return Err(Error::Foreign {
            out_shown,
            files: plan.foreign,
        });
    }
    if mode == Mode::Write {
        output::apply(&plan, &outputs, out).map_err(shown)?;
    }
    Ok(Report {
        out_shown,
        schemas: count,
        plan,
        mode,
        elapsed: started.elapsed(),
    })
}
