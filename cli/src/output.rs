//! What the CLI writes: stdout with its write errors remembered, and escaping of
//! control characters in untrusted text shown on a terminal.

use std::borrow::Cow;
use std::io::Write;
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

/// `text` with every control character (C0, DEL, C1) and the Unicode bidi
/// controls written as `\u{..}` escapes (`\n`, `\r`, `\t` as themselves
/// escaped), so that text from a request body, a file name or a server cannot
/// move the cursor, recolour or hide output on a terminal. Borrowed when clean.
pub fn escape_control(text: &str) -> Cow<'_, str> {
    if !text.chars().any(needs_escape) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        if needs_escape(c) {
            match c {
                '\n' => out.push_str("\\n"),
                '\r' => out.push_str("\\r"),
                '\t' => out.push_str("\\t"),
                _ => out.push_str(&format!("\\u{{{:x}}}", c as u32)),
            }
        } else {
            out.push(c);
        }
    }
    Cow::Owned(out)
}

fn needs_escape(c: char) -> bool {
    c.is_control()
        || matches!(c, '\u{200e}' | '\u{200f}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escape_control_neutralises_ansi_and_bidi_and_keeps_clean_text_borrowed() {
        assert!(matches!(escape_control("Canal météo 🌩"), Cow::Borrowed(_)));
        assert_eq!(escape_control("a\u{1b}[31mred"), "a\\u{1b}[31mred");
        assert_eq!(escape_control("line\nnext\r\t"), "line\\nnext\\r\\t");
        assert_eq!(escape_control("\u{9b}2J\u{7f}"), "\\u{9b}2J\\u{7f}");
        assert_eq!(escape_control("x\u{202e}y"), "x\\u{202e}y");
    }
}
