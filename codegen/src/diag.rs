//! Compiler-style diagnostics: file, line:column (or YAML path), message, hint.

use std::fmt;

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
    /// The source line at `location`, for the snippet.
    pub source_line: Option<String>,
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
            loc.column = line[..byte].chars().count() + 1;
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
    pub fn at(mut self, source: &str, location: Option<Location>) -> Self {
        if let Some(loc) = location {
            self.location = Some(loc);
            self.source_line = source
                .lines()
                .nth(loc.line.saturating_sub(1))
                .map(str::to_owned);
        }
        self
    }
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "error: {}", self.message)?;
        match (self.location, &self.source_line) {
            (Some(loc), Some(line)) => {
                let number = loc.line.to_string();
                let pad = " ".repeat(number.len());
                writeln!(f, "{pad}--> {}:{}:{}", self.file, loc.line, loc.column)?;
                writeln!(f, "{pad} |")?;
                writeln!(f, "{number} | {line}")?;
                let start = loc.column.saturating_sub(1);
                let width = self.width.unwrap_or_else(|| token_width(line, start));
                let indent: String = line
                    .chars()
                    .take(start)
                    .map(|c| if c == '\t' { '\t' } else { ' ' })
                    .collect();
                write!(f, "{pad} | {indent}{}", "^".repeat(width))?;
                if let Some(label) = &self.label {
                    write!(f, " {label}")?;
                }
                writeln!(f)?;
                if !self.yaml_path.is_empty() {
                    writeln!(f, "{pad} = at: {}", self.yaml_path)?;
                }
                if let Some(help) = &self.help {
                    writeln!(f, "{pad} = help: {help}")?;
                }
            }
            _ => {
                if self.yaml_path.is_empty() {
                    writeln!(f, "  --> {}", self.file)?;
                } else {
                    writeln!(f, "  --> {} (at {})", self.file, self.yaml_path)?;
                }
                if let Some(label) = &self.label {
                    writeln!(f, "   = note: {label}")?;
                }
                if let Some(help) = &self.help {
                    writeln!(f, "   = help: {help}")?;
                }
            }
        }
        Ok(())
    }
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

/// Every diagnostic of a failed compile, in file order.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Diagnostics(pub Vec<Diagnostic>);

impl Diagnostics {
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
    pub fn len(&self) -> usize {
        self.0.len()
    }
}

impl fmt::Display for Diagnostics {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for d in &self.0 {
            writeln!(f, "{d}")?;
        }
        let n = self.0.len();
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
