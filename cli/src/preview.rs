//! `proactive-events preview FILE`: the sentence Alexa would say, per locale.

use super::output::escape_control;
use super::validate::DEFAULT_MAX_VIOLATIONS;
use super::{display_name, exit, print, read_input};
use alexa_proactive_events::preview::{PreviewError, each_locale, wording_note};
use alexa_proactive_events::validate::{Options, Rule, parse};
use clap::Args;
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Debug, Args)]
#[command(after_help = "\
A preview from the schemas' English templates: Amazon owns the real wording, which may
differ; for a locale in another language (de-DE) the sentence ends with a note saying
that Alexa's wording there is not known. With --locale, prints the
sentence alone; without, one line per localizedAttributes entry: `LOCALE: sentence`.
Control characters from the body are written as \\u{..}. A body that does not parse
gets its first 100 violations listed on stderr (`validate --max-violations 0` lists all).

Exit codes: 0 every sentence rendered, 1 the body cannot be previewed (e.g. a missing
localized attribute), 2 usage error, unreadable file, malformed JSON, a locale the
body has no entry for, or standard output cannot be written.

Examples:
  proactive-events preview event.json --locale en-US
  proactive-events preview event.json
  cat event.json | proactive-events preview -")]
pub struct PreviewArgs {
    /// The request body; `-` reads standard input.
    #[arg(value_name = "FILE")]
    file: PathBuf,
    /// Only this locale (one of the body's localizedAttributes entries, e.g. en-US).
    #[arg(long, value_name = "LOCALE")]
    locale: Option<String>,
}

pub fn run(args: PreviewArgs) -> ExitCode {
    let name = display_name(&args.file);
    // Messages quote the body (a locale, a key) and --locale: escaped.
    let complain = |message: &dyn std::fmt::Display| {
        eprintln!("{name}: error: {}", escape_control(&message.to_string()));
    };
    let fail = |code: u8, message: &dyn std::fmt::Display| {
        complain(message);
        ExitCode::from(code)
    };
    let bytes = match read_input(&args.file) {
        Ok(bytes) => bytes,
        Err(e) => return fail(exit::USAGE, &format_args!("cannot read: {e}")),
    };
    // The validator's parse: a body that does not parse gets its violations
    // listed, up to validate's default cap.
    let (request, report) = parse(&bytes, &Options::default());
    let Some(request) = request else {
        let listed = report.violations.len().min(DEFAULT_MAX_VIOLATIONS);
        for v in &report.violations[..listed] {
            eprintln!("{}", escape_control(&format!("{name}: {v}")));
        }
        if listed < report.violations.len() {
            eprintln!(
                "{name}: … and {} more violations (`proactive-events validate --max-violations 0` lists them all)",
                report.violations.len() - listed
            );
        }
        let syntax = report.violations.iter().any(|v| v.rule == Rule::JsonSyntax);
        return ExitCode::from(if syntax { exit::USAGE } else { exit::INVALID });
    };
    if let Some(locale) = &args.locale {
        return match request.preview(locale) {
            Ok(sentence) => {
                print(&escape_control(&with_note(locale, &sentence)));
                ExitCode::from(exit::OK)
            }
            Err(e @ PreviewError::NoLocaleEntry { .. }) => fail(exit::USAGE, &e),
            Err(e) => fail(exit::INVALID, &e),
        };
    }
    // Every locale, in the body's order; one failing locale does not hide the others.
    let mut code = exit::OK;
    for (locale, sentence) in each_locale(&request) {
        match sentence {
            Ok(sentence) => print(&escape_control(&format!(
                "{locale}: {}",
                with_note(locale, &sentence)
            ))),
            Err(e) => {
                complain(&format_args!("{locale}: {e}"));
                code = exit::INVALID;
            }
        }
    }
    ExitCode::from(code)
}

/// The sentence, followed by what it is when the locale is not English: the
/// templates' English, not Alexa's wording in that locale.
fn with_note(locale: &str, sentence: &str) -> String {
    match wording_note(locale) {
        Some(note) => format!("{sentence} ({note})"),
        None => sentence.to_owned(),
    }
}
