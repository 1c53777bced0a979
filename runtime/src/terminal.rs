//! What a terminal would act on rather than show, defined once for every crate
//! that prints untrusted text: the command line (request bodies, file names,
//! server answers) and the schema compiler (schema files in diagnostics and doc
//! comments). Text from outside must not move the cursor, recolour, clear the
//! screen or reorder what is displayed.
//!
//! ```
//! use alexa_proactive_events_runtime::terminal;
//!
//! assert!(terminal::is_unsafe('\u{1b}')); // ESC: starts ANSI sequences
//! assert!(terminal::is_unsafe('\u{9b}')); // CSI, its one-character C1 form
//! assert!(terminal::is_unsafe('\u{202e}')); // RIGHT-TO-LEFT OVERRIDE
//! assert!(!terminal::is_unsafe('é'));
//! assert_eq!(terminal::escape("a\u{1b}[2Jb\nc"), "a\\u{1b}[2Jb\\nc");
//! ```

use std::borrow::Cow;

/// Whether a terminal would act on `c` instead of showing it: every control
/// character (C0 with tab and line breaks, DEL, C1 such as U+009B, which starts
/// an escape sequence like `ESC [`) and the Unicode bidirectional controls
/// (marks, embeddings, overrides, isolates), which reorder the text around them.
///
/// Tab is included: it moves the cursor. A caller that lays out text may keep
/// tabs (or line breaks) it put there itself, but nothing else from this set.
pub fn is_unsafe(c: char) -> bool {
    c.is_control()
        || matches!(
            c,
            // ARABIC LETTER MARK, LEFT-TO-RIGHT and RIGHT-TO-LEFT MARK
            '\u{061c}' | '\u{200e}' | '\u{200f}'
            // embeddings and overrides (LRE, RLE, PDF, LRO, RLO)
            | '\u{202a}'..='\u{202e}'
            // isolates (LRI, RLI, FSI, PDI)
            | '\u{2066}'..='\u{2069}'
        )
}

/// `text` with every [`is_unsafe`] character written as a visible escape:
/// `\n`, `\r` and `\t` as those two characters, every other one as `\u{1b}`
/// (hexadecimal, as Rust writes it). Borrowed when nothing needs escaping, so
/// that clean text costs no copy.
pub fn escape(text: &str) -> Cow<'_, str> {
    if !text.chars().any(is_unsafe) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        match c {
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if is_unsafe(c) => {
                use std::fmt::Write as _;
                // Writing to a String cannot fail.
                let _ = write!(out, "\\u{{{:x}}}", u32::from(c));
            }
            c => out.push(c),
        }
    }
    Cow::Owned(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_control_and_bidi_control_is_unsafe_and_nothing_printable_is() {
        for c in [
            '\0', '\t', '\n', '\r', '\u{1b}', '\u{7f}', '\u{80}', '\u{9b}', '\u{9f}',
        ] {
            assert!(is_unsafe(c), "{c:?}");
        }
        for c in [
            '\u{61c}', '\u{200e}', '\u{200f}', '\u{202a}', '\u{202e}', '\u{2066}', '\u{2069}',
        ] {
            assert!(is_unsafe(c), "{c:?}");
        }
        for c in [' ', 'a', 'é', '€', '🌩', '\u{a0}', '\u{200d}', '\u{2070}'] {
            assert!(!is_unsafe(c), "{c:?}");
        }
    }

    #[test]
    fn escape_neutralises_ansi_and_bidi_and_keeps_clean_text_borrowed() {
        assert!(matches!(escape("Canal météo 🌩"), Cow::Borrowed(_)));
        assert_eq!(escape("a\u{1b}[31mred"), "a\\u{1b}[31mred");
        assert_eq!(escape("line\nnext\r\t"), "line\\nnext\\r\\t");
        assert_eq!(escape("\u{9b}2J\u{7f}"), "\\u{9b}2J\\u{7f}");
        assert_eq!(escape("x\u{202e}y\u{200f}"), "x\\u{202e}y\\u{200f}");
    }
}
