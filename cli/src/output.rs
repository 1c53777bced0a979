//! What the CLI writes: stdout with its write errors remembered, escaping of
//! control characters in untrusted text shown on a terminal, and the one JSON
//! writer of every command's JSON output.

use alexa_proactive_events::terminal;
use serde::Serialize;
use serde_json::ser::{CompactFormatter, Formatter, PrettyFormatter};
use std::io::{self, Write};
use std::process::ExitCode;
use std::sync::Mutex;

/// The state of stdout for this process: fine, closed by the reader, or failed.
#[derive(Debug)]
enum State {
    Open,
    /// `| head` closed the pipe: stop writing, exit quietly.
    Closed,
    /// Another error (a full disk): reported once, exit code 2.
    Failed(std::io::Error),
}

static STDOUT: Mutex<State> = Mutex::new(State::Open);

/// Writes `text` and a newline to stdout unless an earlier write failed.
pub(crate) fn print(text: &str) {
    let mut state = STDOUT.lock().unwrap_or_else(|e| e.into_inner());
    if !matches!(*state, State::Open) {
        return;
    }
    let mut out = std::io::stdout().lock();
    let result = out
        .write_all(text.as_bytes())
        .and_then(|()| out.write_all(b"\n"))
        .and_then(|()| out.flush());
    if let Err(e) = result {
        *state = classify(e);
    }
}

/// Whether stdout still takes output: a command printing many lines stops
/// early once the reader is gone (`| head`) or a write failed.
pub(crate) fn stdout_open() -> bool {
    matches!(
        *STDOUT.lock().unwrap_or_else(|e| e.into_inner()),
        State::Open
    )
}

fn classify(e: std::io::Error) -> State {
    if e.kind() == std::io::ErrorKind::BrokenPipe {
        State::Closed
    } else {
        State::Failed(e)
    }
}

/// Flushes stdout and turns a failed write into exit code 2 with a message on
/// stderr; a closed pipe keeps the command's own code and prints nothing.
pub(crate) fn finish(code: ExitCode) -> ExitCode {
    let mut state = STDOUT.lock().unwrap_or_else(|e| e.into_inner());
    if matches!(*state, State::Open)
        && let Err(e) = std::io::stdout().lock().flush()
    {
        *state = classify(e);
    }
    match &*state {
        State::Failed(e) => {
            eprint(&format!("error: cannot write to standard output: {e}"));
            ExitCode::from(super::exit::USAGE)
        }
        State::Open | State::Closed => code,
    }
}

/// `text` and a newline on stderr. Unlike `eprintln!`, a stderr that cannot be
/// written (`2>/dev/full`, a closed pipe) is ignored rather than a panic.
pub(crate) fn eprint(text: &str) {
    let mut err = std::io::stderr().lock();
    let _ = err
        .write_all(text.as_bytes())
        .and_then(|()| err.write_all(b"\n"));
}

/// `text` with every character a terminal would act on (C0, DEL, C1, the
/// Unicode bidi controls) written as a visible escape (`\u{1b}`, `\n`), so that
/// text from a request body, a file name or a server cannot move the cursor,
/// recolour or hide output on a terminal. The runtime's one definition, shared
/// with the schema compiler's diagnostics. Borrowed when clean.
pub use alexa_proactive_events::terminal::escape as escape_control;

/// `--format` of the commands that print for people or for programs; each
/// command's option says what its JSON holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub(crate) enum Format {
    /// For people: lines of text.
    Text,
    /// For programs: JSON.
    Json,
}

/// `value` as JSON that is safe to show on a terminal: pretty (2-space
/// indents, as ASK CLI writes skill.json) or compact (one line). Every command
/// that prints JSON prints it through here ([`print_json`]).
///
/// serde_json escapes the C0 controls in strings but writes DEL, the C1
/// controls and the bidi controls raw, which a terminal still obeys (U+009B
/// starts an escape sequence like ESC [); they are written as `\u` escapes too.
/// The JSON means the same; only its bytes are safe to show.
pub(crate) fn to_json(value: &impl Serialize, style: JsonStyle) -> serde_json::Result<String> {
    let mut out = Vec::new();
    match style {
        JsonStyle::Pretty => value.serialize(&mut serde_json::Serializer::with_formatter(
            &mut out,
            TerminalSafe(PrettyFormatter::new()),
        ))?,
        JsonStyle::Line => value.serialize(&mut serde_json::Serializer::with_formatter(
            &mut out,
            TerminalSafe(CompactFormatter),
        ))?,
    }
    // serde_json writes UTF-8, and the escapes are ASCII.
    Ok(String::from_utf8_lossy(&out).into_owned())
}

/// How [`to_json`] lays out its JSON.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum JsonStyle {
    /// Indented, one member per line.
    Pretty,
    /// One line (JSON lines).
    Line,
}

/// [`to_json`] printed on stdout ([`print()`](super::print)); false (after an error on stderr)
/// when the value cannot be written as JSON.
pub(crate) fn print_json(value: &impl Serialize, style: JsonStyle) -> bool {
    match to_json(value, style) {
        Ok(text) => {
            print(&text);
            true
        }
        Err(e) => {
            eprint(&format!("error: cannot write JSON: {e}"));
            false
        }
    }
}

/// A serde_json formatter (pretty or compact) that also escapes every
/// [`terminal::is_unsafe`] character in strings.
struct TerminalSafe<F>(F);

impl<F: Formatter> Formatter for TerminalSafe<F> {
    fn begin_array<W: ?Sized + Write>(&mut self, w: &mut W) -> io::Result<()> {
        self.0.begin_array(w)
    }
    fn end_array<W: ?Sized + Write>(&mut self, w: &mut W) -> io::Result<()> {
        self.0.end_array(w)
    }
    fn begin_array_value<W: ?Sized + Write>(&mut self, w: &mut W, first: bool) -> io::Result<()> {
        self.0.begin_array_value(w, first)
    }
    fn end_array_value<W: ?Sized + Write>(&mut self, w: &mut W) -> io::Result<()> {
        self.0.end_array_value(w)
    }
    fn begin_object<W: ?Sized + Write>(&mut self, w: &mut W) -> io::Result<()> {
        self.0.begin_object(w)
    }
    fn end_object<W: ?Sized + Write>(&mut self, w: &mut W) -> io::Result<()> {
        self.0.end_object(w)
    }
    fn begin_object_key<W: ?Sized + Write>(&mut self, w: &mut W, first: bool) -> io::Result<()> {
        self.0.begin_object_key(w, first)
    }
    fn end_object_key<W: ?Sized + Write>(&mut self, w: &mut W) -> io::Result<()> {
        self.0.end_object_key(w)
    }
    fn begin_object_value<W: ?Sized + Write>(&mut self, w: &mut W) -> io::Result<()> {
        self.0.begin_object_value(w)
    }
    fn end_object_value<W: ?Sized + Write>(&mut self, w: &mut W) -> io::Result<()> {
        self.0.end_object_value(w)
    }
    fn write_string_fragment<W: ?Sized + Write>(
        &mut self,
        w: &mut W,
        fragment: &str,
    ) -> io::Result<()> {
        let mut rest = fragment;
        while let Some((at, c)) = rest.char_indices().find(|(_, c)| terminal::is_unsafe(*c)) {
            w.write_all(&rest.as_bytes()[..at])?;
            // Every such character is in the Basic Multilingual Plane.
            write!(w, "\\u{:04x}", u32::from(c))?;
            rest = &rest[at + c.len_utf8()..];
        }
        w.write_all(rest.as_bytes())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_escapes_what_a_terminal_obeys_in_both_styles_and_means_the_same() {
        let hostile = "a\u{1b}[2J\u{7f}\u{9b}31m\u{202e}b\u{2066}\u{200f}\n\té 🌩";
        let value = serde_json::json!({ hostile: [hostile] });
        for style in [JsonStyle::Pretty, JsonStyle::Line] {
            let text = to_json(&value, style).expect("JSON");
            assert!(
                !text.chars().any(|c| terminal::is_unsafe(c) && c != '\n'),
                "{text:?}"
            );
            assert!(
                text.contains("\\u007f\\u009b31m\\u202eb\\u2066\\u200f"),
                "{text}"
            );
            assert!(text.contains("é 🌩"), "{text}");
            let back: serde_json::Value = serde_json::from_str(&text).expect("valid JSON");
            assert_eq!(back, value);
        }
        assert!(
            !to_json(&value, JsonStyle::Line)
                .expect("JSON")
                .contains('\n')
        );
    }
}
