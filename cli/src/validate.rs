//! `proactive-events validate FILE...`: every violation of every file, one per line.

use super::output::{Format, JsonStyle, escape_control, print_json};
use super::{display_name, exit, print, read_input};
use alexa_proactive_events::DateTime;
use alexa_proactive_events::validate::{Options, Report, Rule, Severity, Violation, parse};
use clap::Args;
use serde::Serialize;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

/// The file could not be read (a CLI-only rule id, beside the library's `JSON-SYNTAX`).
pub const FILE_READ: &str = "FILE-READ";

/// The default of `--max-violations`: far more than a hand-written body has,
/// few enough to read.
pub const DEFAULT_MAX_VIOLATIONS: usize = 100;

#[derive(Debug, Args)]
#[command(after_help = "\
Output: one line per violation, `FILE: error[RULE] /json/pointer: message` (or `warning[...]`)
on stdout, at most --max-violations per file and then `FILE: … and K more violations`;
nothing for a valid file unless --verbose; a summary on stderr unless --quiet (it counts
every violation). Control characters from a body or a file name are written as \\u{..}.

Exit codes: 0 every file valid (warnings allowed), 1 a file is invalid,
2 usage error, unreadable file, malformed JSON, or standard output cannot be written.

Examples:
  proactive-events validate event.json
  proactive-events validate bodies/*.json --format json
  cat event.json | proactive-events validate -
  proactive-events validate event.json --at now
  proactive-events validate huge.json --max-violations 0")]
pub struct ValidateArgs {
    /// Request bodies to check; `-` reads standard input.
    #[arg(value_name = "FILE", required = true)]
    files: Vec<PathBuf>,
    /// `text`: one line per violation; `json`: an array of
    /// {file, valid, violations: [{rule, pointer, message, severity}], omitted},
    /// where `omitted` counts the violations past --max-violations.
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
    /// List at most N violations per file, in the order found; the rest are
    /// counted (`FILE: … and K more violations`, or `omitted` in JSON).
    /// 0 lists every violation.
    #[arg(long, value_name = "N", default_value_t = DEFAULT_MAX_VIOLATIONS)]
    max_violations: usize,
}

fn parse_instant(s: &str) -> Result<DateTime, String> {
    if s == "now" {
        // Whole seconds: messages quote this instant.
        let now = DateTime::now();
        return Ok(now
            .round(alexa_proactive_events::jiff::Unit::Second)
            .unwrap_or(now));
    }
    s.parse::<DateTime>().map_err(|e| {
        format!("expected an RFC 3339 date-time such as 2026-05-01T12:00:00Z or `now`: {e}")
    })
}

/// The verdict on one input. Only the listed violations are kept, so that
/// memory does not grow with the files checked or with one huge report.
#[derive(Debug)]
struct Checked {
    file: String,
    /// Unreadable or not JSON: exit code 2 rather than 1.
    unusable: bool,
    /// No errors (warnings allowed), counted over every violation.
    valid: bool,
    errors: usize,
    warnings: usize,
    /// The first violations, at most `--max-violations` (all with 0).
    listed: Vec<Finding>,
    /// How many more were found.
    omitted: usize,
}

/// One listed line: a violation of a library rule, or the CLI's own `FILE-READ`.
#[derive(Debug)]
enum Finding {
    Violation(Violation),
    /// The file could not be read (rule id [`FILE_READ`], pointer ""); the message.
    Unreadable(String),
}

impl Finding {
    fn rule(&self) -> &'static str {
        match self {
            Self::Violation(v) => v.rule.as_str(),
            Self::Unreadable(_) => FILE_READ,
        }
    }
    fn pointer(&self) -> &str {
        match self {
            Self::Violation(v) => &v.pointer,
            Self::Unreadable(_) => "",
        }
    }
    fn message(&self) -> &str {
        match self {
            Self::Violation(v) => &v.message,
            Self::Unreadable(m) => m,
        }
    }
    fn severity(&self) -> Severity {
        match self {
            Self::Violation(v) => v.severity,
            Self::Unreadable(_) => Severity::Error,
        }
    }
}

/// As [`Violation`]'s `Display`: `error[FILE-READ]: cannot read: …`.
impl std::fmt::Display for Finding {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Violation(v) => v.fmt(f),
            Self::Unreadable(m) => write!(f, "{}[{FILE_READ}]: {m}", Severity::Error),
        }
    }
}

pub fn run(args: ValidateArgs) -> ExitCode {
    let options = Options { now: args.at };
    let mut checked = Vec::with_capacity(args.files.len());
    for path in &args.files {
        let c = check(path, &options, args.max_violations);
        // Text streams, so that a long run shows its findings as it goes.
        if args.format == Format::Text {
            print_text(&c, args.verbose);
        }
        checked.push(c);
    }
    match args.format {
        Format::Text if !args.quiet => eprintln!("{}", summary(&checked)),
        Format::Text => {}
        Format::Json => print_report(&checked),
    }
    let code = if checked.iter().any(|c| c.unusable) {
        exit::USAGE
    } else if checked.iter().any(|c| !c.valid) {
        exit::INVALID
    } else {
        exit::OK
    };
    ExitCode::from(code)
}

fn check(path: &Path, options: &Options, max_violations: usize) -> Checked {
    let file = display_name(path);
    let (report, unreadable) = match read_input(path) {
        Ok(bytes) => (parse(&bytes, options).1, None),
        Err(e) => (Report::default(), Some(format!("cannot read: {e}"))),
    };
    // Unreadable or malformed JSON is an unusable input (exit 2), not a broken
    // rule (exit 1).
    let unusable = unreadable.is_some() || report.has(Rule::JsonSyntax);
    let errors = report.errors().count() + usize::from(unreadable.is_some());
    let warnings = report.warnings().count();
    let mut listed: Vec<Finding> = match unreadable {
        Some(message) => vec![Finding::Unreadable(message)],
        None => report
            .violations
            .into_iter()
            .map(Finding::Violation)
            .collect(),
    };
    let mut omitted = 0;
    if max_violations > 0 && listed.len() > max_violations {
        omitted = listed.len() - max_violations;
        listed.truncate(max_violations);
        listed.shrink_to_fit();
    }
    Checked {
        file,
        unusable,
        valid: !unusable && errors == 0,
        errors,
        warnings,
        listed,
        omitted,
    }
}

/// One file's lines, written at once; control characters from the body (quoted
/// in messages, or in a pointer's member names) are escaped.
fn print_text(c: &Checked, verbose: bool) {
    let mut text = String::new();
    for v in &c.listed {
        let line = format!("{}: {v}", c.file);
        text.push_str(&escape_control(&line));
        text.push('\n');
    }
    if c.omitted > 0 {
        text.push_str(&format!(
            "{}: … and {}\n",
            c.file,
            plural(c.omitted, "more violation")
        ));
    }
    if verbose && c.listed.is_empty() {
        text.push_str(&format!("{}: ok\n", c.file));
    }
    if let Some(text) = text.strip_suffix('\n') {
        print(text);
    }
}

#[derive(Serialize)]
struct JsonFile<'a> {
    file: &'a str,
    valid: bool,
    violations: Vec<JsonViolation<'a>>,
    /// Violations found but not listed (past `--max-violations`).
    omitted: usize,
}

#[derive(Serialize)]
struct JsonViolation<'a> {
    rule: &'a str,
    pointer: &'a str,
    message: &'a str,
    severity: &'static str,
}

fn print_report(checked: &[Checked]) {
    let files: Vec<JsonFile<'_>> = checked
        .iter()
        .map(|c| JsonFile {
            file: &c.file,
            valid: c.valid,
            violations: c
                .listed
                .iter()
                .map(|v| JsonViolation {
                    rule: v.rule(),
                    pointer: v.pointer(),
                    message: v.message(),
                    severity: match v.severity() {
                        Severity::Error => "error",
                        Severity::Warning => "warning",
                    },
                })
                .collect(),
            omitted: c.omitted,
        })
        .collect();
    print_json(&files, JsonStyle::Pretty);
}

/// `3 files: 1 valid, 2 invalid (4 errors, 1 warning)`; inputs that could not be
/// checked (unreadable, not JSON) are counted apart.
fn summary(checked: &[Checked]) -> String {
    let count = |f: &dyn Fn(&Checked) -> bool| checked.iter().filter(|c| f(c)).count();
    let valid = count(&|c| c.valid);
    let invalid = count(&|c| !c.unusable && !c.valid);
    let unusable = count(&|c| c.unusable);
    let errors: usize = checked.iter().map(|c| c.errors).sum();
    let warnings: usize = checked.iter().map(|c| c.warnings).sum();
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
