//! The notification sentence language: `{path}`, `{path|singular|plural}`, `{{`, `}}`.

/// A piece of a template.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Part {
    Text(String),
    /// A payload value, by its dotted JSON path.
    Field(String),
    /// A word chosen by the integer at `path`.
    Plural {
        path: String,
        one: String,
        other: String,
    },
}

/// Parses a template; the error says what is wrong and at which character.
pub fn parse(text: &str) -> Result<Vec<Part>, String> {
    let mut parts = Vec::new();
    let mut literal = String::new();
    let mut chars = text.char_indices().peekable();
    while let Some((at, c)) = chars.next() {
        match c {
            '{' if chars.peek().map(|p| p.1) == Some('{') => {
                chars.next();
                literal.push('{');
            }
            '}' if chars.peek().map(|p| p.1) == Some('}') => {
                chars.next();
                literal.push('}');
            }
            '}' => {
                return Err(format!(
                    "unmatched `}}` at character {}; write `}}}}` for a brace",
                    at + 1
                ));
            }
            '{' => {
                let mut inner = String::new();
                let mut closed = false;
                for (_, c) in chars.by_ref() {
                    if c == '}' {
                        closed = true;
                        break;
                    }
                    if c == '{' {
                        return Err(format!("`{{` inside a placeholder at character {}", at + 1));
                    }
                    inner.push(c);
                }
                if !closed {
                    return Err(format!(
                        "unclosed placeholder starting at character {}",
                        at + 1
                    ));
                }
                if !literal.is_empty() {
                    parts.push(Part::Text(std::mem::take(&mut literal)));
                }
                parts.push(placeholder(inner.trim())?);
            }
            c => literal.push(c),
        }
    }
    if !literal.is_empty() {
        parts.push(Part::Text(literal));
    }
    Ok(parts)
}

fn placeholder(inner: &str) -> Result<Part, String> {
    let pieces: Vec<&str> = inner.split('|').map(str::trim).collect();
    let path = pieces[0];
    if path.is_empty() || path.split('.').any(str::is_empty) {
        return Err(format!(
            "`{{{inner}}}` does not name a field (write `{{dotted.field.path}}`)"
        ));
    }
    match pieces.as_slice() {
        [_] => Ok(Part::Field(path.to_owned())),
        [_, one, other] if !one.is_empty() && !other.is_empty() => Ok(Part::Plural {
            path: path.to_owned(),
            one: (*one).to_owned(),
            other: (*other).to_owned(),
        }),
        _ => Err(format!(
            "`{{{inner}}}`: a plural placeholder is `{{count.path|singular|plural}}`"
        )),
    }
}

/// The field paths a template reads.
pub fn paths(parts: &[Part]) -> impl Iterator<Item = &str> {
    parts.iter().filter_map(|p| match p {
        Part::Text(_) => None,
        Part::Field(path) | Part::Plural { path, .. } => Some(path.as_str()),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_fields_plurals_and_braces() {
        let parts = parse("You have {a.count} {a.count|message|messages} {{x}}.").unwrap();
        assert_eq!(
            parts,
            vec![
                Part::Text("You have ".into()),
                Part::Field("a.count".into()),
                Part::Text(" ".into()),
                Part::Plural {
                    path: "a.count".into(),
                    one: "message".into(),
                    other: "messages".into()
                },
                Part::Text(" {x}.".into()),
            ]
        );
    }

    #[test]
    fn rejects_malformed_templates() {
        assert!(parse("a {b").unwrap_err().contains("unclosed"));
        assert!(parse("a } b").unwrap_err().contains("unmatched"));
        assert!(
            parse("a {} b")
                .unwrap_err()
                .contains("does not name a field")
        );
        assert!(parse("{a.b|one}").unwrap_err().contains("plural"));
        assert!(
            parse("{a..b}")
                .unwrap_err()
                .contains("does not name a field")
        );
    }
}
