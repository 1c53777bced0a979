//! The `proactive-events` command line (feature `cli`). Not a library API: the
//! binary `src/bin/proactive-events.rs` only calls `main`.
//!
//! Adding a command: write `src/cli/<command>.rs` exposing `pub struct <Command>Args`
//! (`#[derive(clap::Args)]`, with an `after_help` of examples) and
//! `pub fn run(args: <Command>Args) -> ExitCode`, then add one `mod` line, one
//! `Command` variant and one match arm in `run`. Exit codes follow `exit`;
//! `read_input`, `display_name`, `print` and `fail` are shared helpers.

mod emulate;
mod manifest;
mod preview;
mod send;
mod subscriptions;
mod validate;

use clap::{Parser, Subcommand};
use std::io::Read;
use std::path::Path;
use std::process::ExitCode;

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
    version,
    about = "Validate, preview, send and track Alexa proactive events",
    after_help = "\
Examples:
  proactive-events validate event.json
  proactive-events preview event.json --locale en-US
  proactive-events manifest --event AMAZON.OrderStatus.Updated --merge skill-package/skill.json --in-place

Exit codes: 0 success, 1 an input is invalid, 2 usage error, unreadable file or malformed JSON."
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

/// One variant per command; its arguments live in the command's module.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Check request bodies against every rule Amazon applies.
    Validate(validate::ValidateArgs),
    /// Print the sentence Alexa would say for a request body.
    Preview(preview::PreviewArgs),
    /// Print (or merge into skill.json) the skill-manifest fragment for events.
    Manifest(manifest::ManifestArgs),
    /// Record subscription requests in a SQLite ledger and list who is subscribed.
    Subscriptions(subscriptions::SubscriptionsArgs),
    /// Validate and deliver request bodies to Amazon (or the emulator), resumably.
    Send(send::SendArgs),
    /// Run a local emulator of Amazon's token and Proactive Events endpoints.
    Emulate(emulate::EmulateArgs),
}

/// Parses the process arguments and runs the command. Usage errors exit with 2
/// (clap's convention), `--help` and `--version` with 0.
pub fn main() -> ExitCode {
    run(Cli::parse())
}

pub fn run(cli: Cli) -> ExitCode {
    match cli.command {
        Command::Validate(args) => validate::run(args),
        Command::Preview(args) => preview::run(args),
        Command::Manifest(args) => manifest::run(args),
        Command::Subscriptions(args) => subscriptions::run(args),
        Command::Send(args) => send::run(args),
        Command::Emulate(args) => emulate::run(args),
    }
}

/// What `FILE` means in messages: `<stdin>` for `-`, else the path as given.
pub(crate) fn display_name(path: &Path) -> String {
    if is_stdin(path) {
        "<stdin>".to_owned()
    } else {
        path.display().to_string()
    }
}

pub(crate) fn is_stdin(path: &Path) -> bool {
    path.as_os_str() == "-"
}

/// Reads a file, or standard input for `-`.
pub(crate) fn read_input(path: &Path) -> std::io::Result<Vec<u8>> {
    if is_stdin(path) {
        let mut bytes = Vec::new();
        std::io::stdin().lock().read_to_end(&mut bytes)?;
        Ok(bytes)
    } else {
        std::fs::read(path)
    }
}

/// `error: <message>` on stderr and exit code 2, for problems clap cannot see
/// (an unreadable file, a skill.json of the wrong shape).
pub(crate) fn fail(message: impl std::fmt::Display) -> ExitCode {
    eprintln!("error: {message}");
    ExitCode::from(exit::USAGE)
}

/// `text` and a newline on stdout. A closed pipe (`| head`) ends the output
/// quietly instead of panicking like `println!`.
pub(crate) fn print(text: &str) {
    use std::io::Write;
    let mut out = std::io::stdout().lock();
    let _ = writeln!(out, "{text}");
}
