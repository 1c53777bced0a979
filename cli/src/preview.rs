//! `proactive-events preview FILE`: the sentence Alexa would say, per locale.

use super::{display_name, exit, print, read_input};
use alexa_proactive_events::preview::PreviewError;
use alexa_proactive_events::validate::{Options, parse, rules};
use clap::Args;
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Debug, Args)]
#[command(after_help = "\
A preview: Amazon owns the real wording, which may differ. With --locale, prints the
sentence alone; without, one line per localizedAttributes entry: `LOCALE: sentence`.

Exit codes: 0 every sentence rendered, 1 the body cannot be previewed (e.g. a missing
localized attribute), 2 usage error, unreadable file, malformed JSON or a locale the
body has no entry for.

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
    let fail = |code: u8, message: &dyn std::fmt::Display| {
        eprintln!("{name}: error: {message}");
        ExitCode::from(code)
    };
    let bytes = match read_input(&args.file) {
        Ok(bytes) => bytes,
        Err(e) => return fail(exit::USAGE, &format_args!("cannot read: {e}")),
    };
    // The validator's parse: a body that does not parse gets every violation listed.
    let (request, report) = parse(&bytes, &Options::default());
    let Some(request) = request else {
        for v in &report.violations {
            eprintln!("{name}: {v}");
        }
        let syntax = report
            .violations
            .iter()
            .any(|v| v.rule == rules::JSON_SYNTAX);
        return ExitCode::from(if syntax { exit::USAGE } else { exit::INVALID });
    };
    if let Some(locale) = &args.locale {
        return match request.preview(locale) {
            Ok(sentence) => {
                print(&sentence);
                ExitCode::from(exit::OK)
            }
            Err(e @ PreviewError::NoLocaleEntry { .. }) => fail(exit::USAGE, &e),
            Err(e) => fail(exit::INVALID, &e),
        };
    }
    // Every locale, in the body's order; one failing locale does not hide the others.
    let mut code = exit::OK;
    for entry in &request.localized_attributes {
        let locale = entry.locale.as_str();
        match request.preview(locale) {
            Ok(sentence) => print(&format!("{locale}: {sentence}")),
            Err(e) => {
                eprintln!("{name}: error: {locale}: {e}");
                code = exit::INVALID;
            }
        }
    }
    ExitCode::from(code)
}
