//! Alexa's locales as data: `schemas/locales/alexa-locales.yaml`, with its
//! source, loaded and checked here and emitted by [`crate::emit::locales`] into
//! the generated crate (`ALEXA_LOCALES`, the runtime's `LOC-LOCALE-NOT-ALEXA`)
//! and into the JSON Schemas' `locale` (description and examples).
//!
//! The file sits in a sub-folder of `schemas/`, which [`crate::read_sources`]
//! does not enter (every `schemas/*.yaml` is an event schema). The compiler
//! carries it (`include_str!`), so a change to it rebuilds the compiler and
//! `cargo xtask regenerate` picks it up like any schema change.

use crate::diag::Diagnostic;
use alexa_proactive_events_runtime::Locale;
use alexa_proactive_events_runtime::validate::{Rule, locale_findings};
use serde::Deserialize;
use std::sync::OnceLock;

/// Where the file is, as diagnostics name it.
pub const PATH: &str = "schemas/locales/alexa-locales.yaml";

const TEXT: &str = include_str!("../../schemas/locales/alexa-locales.yaml");

/// The file: where the list comes from, and the list.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AlexaLocales {
    /// The page the list was taken from.
    pub source: String,
    /// When the list was last checked against it (`YYYY-MM-DD`).
    pub checked: String,
    /// Sorted by tag, each in canonical case.
    pub locales: Vec<AlexaLocale>,
}

/// One locale.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AlexaLocale {
    /// The BCP 47 tag, e.g. `en-US`.
    pub tag: String,
    /// As Amazon's page names it, e.g. `English (US)`.
    pub name: String,
}

impl AlexaLocales {
    /// The tags, in file order.
    pub fn tags(&self) -> Vec<&str> {
        self.locales.iter().map(|l| l.tag.as_str()).collect()
    }
}

/// The list the compiler carries, parsed and checked once.
pub fn alexa_locales() -> Result<&'static AlexaLocales, Box<Diagnostic>> {
    static LOADED: OnceLock<Result<AlexaLocales, Box<Diagnostic>>> = OnceLock::new();
    LOADED
        .get_or_init(|| parse(TEXT, PATH))
        .as_ref()
        .map_err(Clone::clone)
}

/// Parses and checks a locale file: a source, a date, and a non-empty sorted
/// list of distinct tags (case-insensitively), each valid against the IANA
/// registry and written in canonical case.
pub fn parse(text: &str, shown_as: &str) -> Result<AlexaLocales, Box<Diagnostic>> {
    let fail = |path: &str, message: String| Box::new(Diagnostic::new(shown_as, path, message));
    let file: AlexaLocales =
        serde_yaml::from_str(text).map_err(|e| fail("", format!("not a locale list: {e}")))?;
    if !file.source.starts_with("https://") {
        return Err(fail(
            "source",
            "the source must be an https:// address".into(),
        ));
    }
    let date = file.checked.as_bytes();
    if date.len() != 10 || date[4] != b'-' || date[7] != b'-' {
        return Err(fail(
            "checked",
            "the date must be written YYYY-MM-DD".into(),
        ));
    }
    if file.locales.is_empty() {
        return Err(fail("locales", "the list is empty".into()));
    }
    for (i, l) in file.locales.iter().enumerate() {
        let at = format!("locales[{i}].tag");
        if let Err(e) = Locale::new(l.tag.as_str()) {
            return Err(fail(&at, e.to_string()));
        }
        if let Some(v) = locale_findings(&l.tag, &[])
            .into_iter()
            .find(|v| v.rule != Rule::LocLocaleNotAlexa)
        {
            return Err(fail(&at, v.message));
        }
        if l.name.trim().is_empty() {
            return Err(fail(
                &format!("locales[{i}].name"),
                "the name is empty".into(),
            ));
        }
        if let Some(prev) = i.checked_sub(1).map(|p| &file.locales[p].tag) {
            if prev.eq_ignore_ascii_case(&l.tag) {
                return Err(fail(&at, format!("`{}` is listed twice", l.tag)));
            }
            if prev.to_ascii_lowercase() > l.tag.to_ascii_lowercase() {
                return Err(fail(
                    &at,
                    format!("keep the list sorted: `{}` comes before `{prev}`", l.tag),
                ));
            }
        }
    }
    Ok(file)
}

#[cfg(test)]
mod tests {
    use super::{alexa_locales, parse};

    #[test]
    fn the_carried_list_is_valid() {
        let list = alexa_locales().expect("schemas/locales/alexa-locales.yaml");
        assert!(list.tags().contains(&"en-US"));
        assert!(list.tags().contains(&"ja-JP"));
    }

    #[test]
    fn bad_lists_are_refused_with_the_place() {
        let head = "source: https://example.com/\nchecked: \"2026-12-01\"\nlocales:\n";
        for (body, path, says) in [
            (
                "  - {tag: TORNADO, name: X}\n",
                "locales[0].tag",
                "not a valid one",
            ),
            (
                "  - {tag: en-us, name: X}\n",
                "locales[0].tag",
                "canonical case",
            ),
            ("  - {tag: en_US, name: X}\n", "locales[0].tag", "BCP 47"),
            (
                "  - {tag: en-US, name: X}\n  - {tag: de-DE, name: Y}\n",
                "locales[1].tag",
                "sorted",
            ),
            (
                "  - {tag: en-US, name: X}\n  - {tag: en-US, name: Y}\n",
                "locales[1].tag",
                "twice",
            ),
            ("  - {tag: en-US, name: X, extra: 1}\n", "", "unknown field"),
        ] {
            let d = parse(&format!("{head}{body}"), "f.yaml").expect_err(body);
            assert_eq!(d.yaml_path, path, "{body}");
            assert!(d.message.contains(says), "{body}: {}", d.message);
        }
    }
}
