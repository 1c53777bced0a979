//! Compiler-style diagnostics: file, line:column (or YAML path), message, hint.

use alexa_proactive_events_runtime::terminal;
use std::borrow::Cow;
use std::fmt;

/// The most diagnostics reported in full, per file and per run; the rest are
/// counted ("... and N more errors"), not located or kept.
pub const MAX_ERRORS: usize = 100;

/// The most characters of a source line shown in a snippet; a longer line is cut
/// around the caret.
pub const MAX_SNIPPET_CHARS: usize = 160;

/// A 1-based position in a YAML file, as the parser reports it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Location {
    pub line: usize,
    pub column: usize,
}

/// One problem found in a schema file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diagnostic {
    /// The file as the user names it, e.g. `schemas/AMAZON.X.Y.yaml`.
    pub file: String,
    /// Dotted YAML path of the offending node (`payload.alert.type`), empty for the file.
    pub yaml_path: String,
    pub location: Option<Location>,
    /// The source line at `location`, for the snippet (at most
    /// [`MAX_SNIPPET_CHARS`], cut with `…` around the caret when longer).
    pub source_line: Option<String>,
    /// How many columns of the real line precede the snippet's first character.
    pub line_offset: usize,
    pub message: String,
    /// Text printed under the caret.
    pub label: Option<String>,
    /// Caret width, when it is not the YAML token at `location`.
    pub width: Option<usize>,
    pub help: Option<String>,
}

impl Diagnostic {
    pub fn new(file: &str, yaml_path: &str, message: impl Into<String>) -> Self {
        Self {
            file: file.to_owned(),
            yaml_path: yaml_path.to_owned(),
            location: None,
            source_line: None,
            line_offset: 0,
            message: message.into(),
            label: None,
            width: None,
            help: None,
        }
    }

    pub fn label(&mut self, label: impl Into<String>) -> &mut Self {
        self.label = Some(label.into());
        self
    }

    pub fn help(&mut self, help: impl Into<String>) -> &mut Self {
        self.help = Some(help.into());
        self
    }

    /// Points the caret at `needle` on the located line, if it is there.
    pub fn narrow_to(&mut self, needle: &str) -> &mut Self {
        if let (Some(loc), Some(line)) = (&mut self.location, &self.source_line)
            && let Some(byte) = line.find(needle)
        {
            loc.column = self.line_offset + line[..byte].chars().count() + 1;
            self.width = Some(needle.chars().count());
        }
        self
    }

    /// Owned form of [`Diagnostic::help`], for building a value.
    pub fn with_help(mut self, help: impl Into<String>) -> Self {
        self.help = Some(help.into());
        self
    }

    /// Attaches the position and source line, if the location is known.
    pub fn at(self, source: &str, location: Option<Location>) -> Self {
        let line = location.and_then(|loc| source.lines().nth(loc.line.saturating_sub(1)));
        self.at_line(location, line)
    }

    /// Attaches the position and the text of its line (found by the caller).
    pub fn at_line(mut self, location: Option<Location>, line: Option<&str>) -> Self {
        if let Some(loc) = location {
            self.location = Some(loc);
            if let Some(line) = line {
                let (window, offset) = snippet(line, loc.column);
                self.source_line = Some(window);
                self.line_offset = offset;
            }
        }
        self
    }
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "error: {}", printable(&self.message))?;
        let file = printable(&self.file);
        let yaml_path = printable(&self.yaml_path);
        match (self.location, &self.source_line) {
            (Some(loc), Some(line)) => {
                let number = loc.line.to_string();
                let pad = " ".repeat(number.len());
                writeln!(f, "{pad}--> {file}:{}:{}", loc.line, loc.column)?;
                writeln!(f, "{pad} |")?;
                writeln!(f, "{number} | {line}")?;
                let start = loc.column.saturating_sub(1 + self.line_offset);
                let width = self.width.unwrap_or_else(|| token_width(line, start));
                let indent: String = line
                    .chars()
                    .take(start)
                    .map(|c| if c == '\t' { '\t' } else { ' ' })
                    .collect();
                write!(f, "{pad} | {indent}{}", "^".repeat(width))?;
                if let Some(label) = &self.label {
                    write!(f, " {}", printable(label))?;
                }
                writeln!(f)?;
                if !yaml_path.is_empty() {
                    writeln!(f, "{pad} = at: {yaml_path}")?;
                }
                if let Some(help) = &self.help {
                    writeln!(f, "{pad} = help: {}", printable(help))?;
                }
            }
            _ => {
                if yaml_path.is_empty() {
                    writeln!(f, "  --> {file}")?;
                } else {
                    writeln!(f, "  --> {file} (at {yaml_path})")?;
                }
                if let Some(label) = &self.label {
                    writeln!(f, "   = note: {}", printable(label))?;
                }
                if let Some(help) = &self.help {
                    writeln!(f, "   = help: {}", printable(help))?;
                }
            }
        }
        Ok(())
    }
}

/// Whether `c` is shown escaped: the runtime's one definition of what a
/// terminal acts on ([`terminal::is_unsafe`]: controls, bidirectional controls),
/// but tab, which snippets keep so that the caret stays under its column (and
/// doc comments keep as written).
pub fn is_unprintable(c: char) -> bool {
    c != '\t' && terminal::is_unsafe(c)
}

/// `text` with every unprintable character written as an escape (`\u{1b}`), so that
/// a schema file cannot move the cursor, recolour or reorder a terminal's output.
fn printable(text: &str) -> Cow<'_, str> {
    if !text.chars().any(is_unprintable) {
        return Cow::Borrowed(text);
    }
    Cow::Owned(
        text.chars()
            .map(|c| {
                if is_unprintable(c) {
                    format!("\\u{{{:x}}}", u32::from(c))
                } else {
                    c.to_string()
                }
            })
            .collect(),
    )
}

/// The part of `line` shown in a snippet, and how many columns precede it. Each
/// unprintable character is shown as `\u{fffd}`, one column wide like the original,
/// so the caret stays under its column; a long line is cut around `column` and the
/// cut marked with `…` (the offset counts the `…`).
fn snippet(line: &str, column: usize) -> (String, usize) {
    let shown = |c: char| if is_unprintable(c) { '\u{fffd}' } else { c };
    let count = line.chars().count();
    if count <= MAX_SNIPPET_CHARS {
        return (line.chars().map(shown).collect(), 0);
    }
    let keep = MAX_SNIPPET_CHARS - 2;
    let start = column.saturating_sub(1 + keep / 3).min(count - keep);
    let mut window = String::new();
    if start > 0 {
        window.push('…');
    }
    window.extend(line.chars().skip(start).take(keep).map(shown));
    if start + keep < count {
        window.push('…');
    }
    (window, start.saturating_sub(usize::from(start > 0)))
}

/// Width of the YAML token starting at char index `start` (at least 1).
fn token_width(line: &str, start: usize) -> usize {
    let rest: Vec<char> = line.chars().skip(start).collect();
    let width = match rest.first() {
        Some('"') | Some('\'') => {
            let quote = rest[0];
            rest.iter()
                .skip(1)
                .position(|c| *c == quote)
                .map_or(rest.len(), |p| p + 2)
        }
        _ => rest
            .iter()
            .position(|c| matches!(c, ',' | '}' | ']' | '#') || *c == ':')
            .unwrap_or(rest.len()),
    };
    let trimmed = rest.iter().take(width).collect::<String>();
    trimmed.trim_end().chars().count().max(1)
}

/// Every diagnostic of a failed compile, in file order: the first [`MAX_ERRORS`]
/// in full, the rest counted.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Diagnostics {
    /// The diagnostics reported in full.
    pub list: Vec<Diagnostic>,
    /// Errors found beyond `list`, counted only.
    pub omitted: usize,
}

impl Diagnostics {
    /// Keeps the first [`MAX_ERRORS`] of `list` and counts the rest, adding `omitted`
    /// more found but never kept.
    pub fn new(mut list: Vec<Diagnostic>, omitted: usize) -> Self {
        let over = list.len().saturating_sub(MAX_ERRORS);
        list.truncate(MAX_ERRORS);
        Self {
            list,
            omitted: omitted + over,
        }
    }
    /// Merges `other` in after these, keeping the cap.
    pub fn extend(&mut self, other: Diagnostics) {
        let mut list = std::mem::take(&mut self.list);
        list.extend(other.list);
        *self = Self::new(list, self.omitted + other.omitted);
    }
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
    /// Every error found, shown or not.
    pub fn len(&self) -> usize {
        self.list.len() + self.omitted
    }
}

impl From<Diagnostic> for Diagnostics {
    fn from(d: Diagnostic) -> Self {
        Self::new(vec![d], 0)
    }
}

impl fmt::Display for Diagnostics {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for d in &self.list {
            writeln!(f, "{d}")?;
        }
        if self.omitted > 0 {
            writeln!(
                f,
                "... and {} more error{}\n",
                self.omitted,
                if self.omitted == 1 { "" } else { "s" }
            )?;
        }
        let n = self.len();
        write!(
            f,
            "error: could not compile the schemas due to {n} previous error{}",
            if n == 1 { "" } else { "s" }
        )
    }
}

impl std::error::Error for Diagnostics {}

/// "did you mean" for a misspelt word among `candidates`.
pub fn did_you_mean<'a>(
    word: &str,
    candidates: impl IntoIterator<Item = &'a str>,
) -> Option<&'a str> {
    candidates
        .into_iter()
        .map(|c| {
            (
                strsim::jaro_winkler(&word.to_lowercase(), &c.to_lowercase()),
                c,
            )
        })
        .filter(|(score, _)| *score > 0.8)
        .max_by(|a, b| a.0.total_cmp(&b.0))
        .map(|(_, c)| c)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn schema_text_is_escaped_by_the_runtimes_definition_with_tab_kept() {
        // Bidi marks were missing from the compiler's own list before it used the runtime's.
        assert_eq!(
            printable("a\u{200f}b\u{61c}c\u{9b}d\u{202e}e\tf"),
            "a\\u{200f}b\\u{61c}c\\u{9b}d\\u{202e}e\tf"
        );
        assert!(matches!(printable("météo\t🌩"), Cow::Borrowed(_)));
        for c in (0..0x3000).filter_map(char::from_u32) {
            assert_eq!(
                is_unprintable(c),
                c != '\t' && terminal::is_unsafe(c),
                "{c:?}"
            );
        }
    }
}
