//! `proactive-events validate FILE...`: every violation of every file, one per line.

use super::{display_name, exit, read_input};
use alexa_proactive_events::DateTime;
use alexa_proactive_events::validate::{Options, Report, Severity, Violation, parse, rules};
use clap::{Args, ValueEnum};
use serde::Serialize;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

/// The file could not be read (a CLI-only rule id, beside the library's `JSON-SYNTAX`).
pub const FILE_READ: &str = "FILE-READ";

#[derive(Debug, Args)]
#[command(after_help = "\
Output: one line per violation, `FILE: error[RULE] /json/pointer: message` (or `warning[...]`)
on stdout; nothing for a valid file unless --verbose; a summary on stderr unless --quiet.

Exit codes: 0 every file valid (warnings allowed), 1 a file is invalid,
2 usage error, unreadable file or malformed JSON.

Examples:
  proactive-events validate event.json
  proactive-events validate bodies/*.json --format json
  cat event.json | proactive-events validate -
  proactive-events validate event.json --at now")]
pub struct ValidateArgs {
    /// Request bodies to check; `-` reads standard input.
    #[arg(value_name = "FILE", required = true)]
    files: Vec<PathBuf>,
    /// `text`: one line per violation; `json`: an array of
    /// {file, valid, violations: [{rule, pointer, message, severity}]}.
    #[arg(long, value_enum, default_value_t = Format::Text)]
    format: Format,
    /// Also print `FILE: ok` for each valid file (text format).
    #[arg(short, long)]
    verbose: bool,
    /// No summary line on stderr.
    #[arg(short, long)]
    quiet: bool,
    /// Also check that expiryTime is 5 min to 24 h after this instant
    /// (rule ENV-EXPIRY-CLOCK): an RFC 3339 date-time or `now`.
    #[arg(long, value_name = "TIME", value_parser = parse_instant)]
    at: Option<DateTime>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum Format {
    Text,
    Json,
}

fn parse_instant(s: &str) -> Result<DateTime, String> {
    if s == "now" {
        return Ok(DateTime::now());
    }
    s.parse::<DateTime>().map_err(|e| {
        format!("expected an RFC 3339 date-time such as 2026-05-01T12:00:00Z or `now`: {e}")
    })
}

/// The verdict on one input.
#[derive(Debug)]
struct Checked {
    file: String,
    report: Report,
    /// Unreadable or not JSON: exit code 2 rather than 1.
    unusable: bool,
}

pub fn run(args: ValidateArgs) -> ExitCode {
    let options = Options { now: args.at };
    let mut checked = Vec::with_capacity(args.files.len());
    let mut out = std::io::stdout().lock();
    for path in &args.files {
        let c = check(path, &options);
        // Text streams, so that a long run shows its findings as it goes.
        if args.format == Format::Text {
            print_text(&mut out, &c, args.verbose);
        }
        checked.push(c);
    }
    drop(out);
    match args.format {
        Format::Text if !args.quiet => eprintln!("{}", summary(&checked)),
        Format::Text => {}
        Format::Json => print_json(&checked),
    }
    let code = if checked.iter().any(|c| c.unusable) {
        exit::USAGE
    } else if checked.iter().any(|c| !c.report.is_valid()) {
        exit::INVALID
    } else {
        exit::OK
    };
    ExitCode::from(code)
}

fn check(path: &Path, options: &Options) -> Checked {
    let file = display_name(path);
    let bytes = match read_input(path) {
        Ok(bytes) => bytes,
        Err(e) => {
            return Checked {
                file,
                report: Report {
                    violations: vec![Violation::error(FILE_READ, "", format!("cannot read: {e}"))],
                },
                unusable: true,
            };
        }
    };
    let (_, report) = parse(&bytes, options);
    // Malformed JSON is an unusable input (exit 2), not a broken rule (exit 1).
    let unusable = report
        .violations
        .iter()
        .any(|v| v.rule == rules::JSON_SYNTAX);
    Checked {
        file,
        report,
        unusable,
    }
}

/// A closed pipe (`| head`) is not worth a panic: write errors end the output.
fn print_text(out: &mut impl std::io::Write, c: &Checked, verbose: bool) {
    for v in &c.report.violations {
        if writeln!(out, "{}: {v}", c.file).is_err() {
            return;
        }
    }
    if verbose && c.report.violations.is_empty() {
        let _ = writeln!(out, "{}: ok", c.file);
    }
}

#[derive(Serialize)]
struct JsonFile<'a> {
    file: &'a str,
    valid: bool,
    violations: Vec<JsonViolation<'a>>,
}

#[derive(Serialize)]
struct JsonViolation<'a> {
    rule: &'a str,
    pointer: &'a str,
    message: &'a str,
    severity: &'static str,
}

fn print_json(checked: &[Checked]) {
    let files: Vec<JsonFile<'_>> = checked
        .iter()
        .map(|c| JsonFile {
            file: &c.file,
            valid: !c.unusable && c.report.is_valid(),
            violations: c
                .report
                .violations
                .iter()
                .map(|v| JsonViolation {
                    rule: v.rule,
                    pointer: &v.pointer,
                    message: &v.message,
                    severity: match v.severity {
                        Severity::Error => "error",
                        Severity::Warning => "warning",
                    },
                })
                .collect(),
        })
        .collect();
    match serde_json::to_string_pretty(&files) {
        Ok(text) => super::print(&text),
        Err(e) => eprintln!("error: cannot write the report: {e}"),
    }
}

/// `3 files: 1 valid, 2 invalid (4 errors, 1 warning)`; inputs that could not be
/// checked (unreadable, not JSON) are counted apart.
fn summary(checked: &[Checked]) -> String {
    let count = |f: &dyn Fn(&Checked) -> bool| checked.iter().filter(|c| f(c)).count();
    let valid = count(&|c| !c.unusable && c.report.is_valid());
    let invalid = count(&|c| !c.unusable && !c.report.is_valid());
    let unusable = count(&|c| c.unusable);
    let errors: usize = checked.iter().map(|c| c.report.errors().count()).sum();
    let warnings: usize = checked.iter().map(|c| c.report.warnings().count()).sum();
    let not_checked = if unusable > 0 {
        format!(", {unusable} unreadable or not JSON")
    } else {
        String::new()
    };
    format!(
        "{}: {valid} valid, {invalid} invalid{not_checked} ({}, {})",
        plural(checked.len(), "file"),
        plural(errors, "error"),
        plural(warnings, "warning"),
    )
}

fn plural(n: usize, word: &str) -> String {
    if n == 1 {
        format!("{n} {word}")
    } else {
        format!("{n} {word}s")
    }
}
