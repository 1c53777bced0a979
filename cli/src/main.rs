//! The `proactive-events` command line: new, validate, preview, manifest, send,
//! emulate, subscriptions and doctor, over the `alexa-proactive-events` crate.
//!
//! Adding a command: write `src/cli/<command>.rs` exposing `pub struct <Command>Args`
//! (`#[derive(clap::Args)]`, with an `after_help` of examples) and
//! `pub fn run(args: <Command>Args) -> ExitCode`, then add one `mod` line, one
//! `Command` variant and one match arm in `run`. Exit codes follow `exit`;
//! `read_input` and `read_file` (every file a command reads goes through them,
//! capped by `--max-input-bytes`), `display_name`, `print` and `fail` are shared
//! helpers; `output::escape_control` makes untrusted text safe for a terminal and
//! `output::print_json` writes every JSON output.

// Every command writes to stderr through this `eprintln!`: std's panics when
// stderr cannot be written (`2>/dev/full`, a closed pipe); this one goes on.
macro_rules! eprintln {
    () => {
        $crate::output::eprint("")
    };
    ($($arg:tt)*) => {
        $crate::output::eprint(&::std::format!($($arg)*))
    };
}

mod completions;
mod doctor;
mod emulate;
pub(crate) mod input;
mod manifest;
mod new;
pub(crate) mod output;
mod preview;
mod send;
mod serve;
mod store;
mod subscriptions;
mod validate;

use clap::{Parser, Subcommand};
use std::path::Path;
use std::process::ExitCode;
use std::sync::LazyLock;

/// `--version`: the crate version and the event schemas compiled in, e.g.
/// `0.1.0 (8 event schemas: AMAZON.WeatherAlert.Activated, …)`.
static VERSION: LazyLock<String> = LazyLock::new(|| {
    let names = alexa_proactive_events::EVENT_NAMES;
    format!(
        "{} ({} event schemas: {})",
        env!("CARGO_PKG_VERSION"),
        names.len(),
        names.join(", ")
    )
});

/// Exit codes shared by every command.
pub mod exit {
    /// Success: every input is valid (warnings allowed).
    pub const OK: u8 = 0;
    /// An input breaks a rule (e.g. `validate` found an error).
    pub const INVALID: u8 = 1;
    /// A usage error, an unreadable file or malformed JSON.
    pub const USAGE: u8 = 2;
}

#[derive(Debug, Parser)]
#[command(
    name = "proactive-events",
    version = VERSION.as_str(),
    about = "Validate, preview, send and track Alexa proactive events",
    after_help = "\
Examples:
  proactive-events new AMAZON.WeatherAlert.Activated > event.json
  proactive-events validate event.json
  proactive-events preview event.json --locale en-US
  proactive-events manifest --event AMAZON.OrderStatus.Updated --merge skill-package/skill.json --in-place

Exit codes: 0 success, 1 an input is invalid, 2 usage error, unreadable file or malformed JSON."
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
    /// The most bytes read from one input file or standard input (request
    /// bodies, JSON lines, skill.json, subscription notices); a larger input is
    /// an error naming this limit.
    #[arg(long, global = true, value_name = "BYTES", default_value_t = input::DEFAULT_MAX_BYTES)]
    pub max_input_bytes: u64,
}

/// One variant per command; its arguments live in the command's module.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Print a fresh, valid request body for an event, from its schema's example.
    New(new::NewArgs),
    /// Check request bodies against every rule Amazon applies.
    Validate(validate::ValidateArgs),
    /// Print the sentence Alexa would say for a request body.
    Preview(preview::PreviewArgs),
    /// Print (or merge into skill.json) the skill-manifest fragment for events.
    Manifest(manifest::ManifestArgs),
    /// Record subscription requests in a ledger (SQLite file or PostgreSQL database) and list who is subscribed.
    Subscriptions(subscriptions::SubscriptionsArgs),
    /// Receive Alexa's skill events: verify each request, apply subscription changes.
    Serve(serve::ServeArgs),
    /// Validate and deliver request bodies to Amazon (or the emulator), resumably.
    Send(send::SendArgs),
    /// Why didn't my notification arrive? Check every link of the chain for one event.
    Doctor(doctor::DoctorArgs),
    /// Run a local emulator of Amazon's token and Proactive Events endpoints.
    Emulate(emulate::EmulateArgs),
    /// Print a shell completion script (bash, zsh, fish, elvish, powershell).
    Completions(completions::CompletionsArgs),
}

/// Parses the process arguments and runs the command. Usage errors exit with 2
/// (clap's convention), `--help` and `--version` with 0.
fn main() -> ExitCode {
    run(Cli::parse())
}

fn run(cli: Cli) -> ExitCode {
    input::set_max_bytes(cli.max_input_bytes);
    let code = match cli.command {
        Command::New(args) => new::run(args),
        Command::Validate(args) => validate::run(args),
        Command::Preview(args) => preview::run(args),
        Command::Manifest(args) => manifest::run(args),
        Command::Subscriptions(args) => subscriptions::run(args),
        Command::Send(args) => send::run(args),
        Command::Serve(args) => serve::run(args),
        Command::Emulate(args) => emulate::run(args),
        Command::Doctor(args) => doctor::run(args),
        Command::Completions(args) => completions::run(args),
    };
    output::finish(code)
}

/// What `FILE` means in messages: `<stdin>` for `-`, else the path as given,
/// with control characters escaped (a file name can hold an ANSI escape).
pub(crate) fn display_name(path: &Path) -> String {
    if is_stdin(path) {
        "<stdin>".to_owned()
    } else {
        output::escape_control(&path.display().to_string()).into_owned()
    }
}

pub(crate) fn is_stdin(path: &Path) -> bool {
    path.as_os_str() == "-"
}

/// Reads a file, or standard input for `-`, refusing more than the
/// `--max-input-bytes` cap (so `/dev/zero` or an endless pipe is an error, not
/// an exhausted memory).
pub(crate) fn read_input(path: &Path) -> std::io::Result<Vec<u8>> {
    if is_stdin(path) {
        input::read_capped(std::io::stdin().lock(), input::max_bytes())
    } else {
        read_file(path)
    }
}

/// Reads the file at `path` (`-` is a file name here: for options such as
/// `--tls-key` that never read stdin), within the `--max-input-bytes` cap.
pub(crate) fn read_file(path: &Path) -> std::io::Result<Vec<u8>> {
    input::read_capped(std::fs::File::open(path)?, input::max_bytes())
}

/// `error: <message>` on stderr and exit code 2, for problems clap cannot see
/// (an unreadable file, a skill.json of the wrong shape). Control characters in
/// the message are escaped.
pub(crate) fn fail(message: impl std::fmt::Display) -> ExitCode {
    output::eprint(&format!(
        "error: {}",
        output::escape_control(&message.to_string())
    ));
    ExitCode::from(exit::USAGE)
}

/// `text` and a newline on stdout. A closed pipe (`| head`) ends the output
/// quietly; any other write error (a full disk) is remembered and turns the
/// exit code into 2 when the command returns (see [`output::finish`]).
pub(crate) fn print(text: &str) {
    output::print(text);
}
