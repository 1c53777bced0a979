//! Locale checks past BCP 47 syntax, shared by both paths: the IANA Language
//! Subtag Registry (as the `language-tags` crate carries it), the canonical case
//! of a tag, and Alexa's own locales (`schemas/locales/alexa-locales.yaml`,
//! compiled into [`EventSet::ALEXA_LOCALES`](crate::EventSet::ALEXA_LOCALES)).
//! Tags compare case-insensitively everywhere (RFC 5646 §2.1.1).

use super::{Rule, Violation};

/// The findings for one well-formed tag, pushed to `out` at `pointer`.
/// An ill-formed tag (the parser's `LOC-LOCALE-BCP47`) is left to the caller.
pub(super) fn check(
    tag: &str,
    alexa: &[&str],
    pointer: &dyn Fn() -> String,
    out: &mut Vec<Violation>,
) {
    // Alexa's locales are registered and written canonically: the common case
    // costs a few comparisons and allocates nothing.
    if alexa.contains(&tag) {
        return;
    }
    if oxilangtag::LanguageTag::parse(tag).is_err() {
        return;
    }
    let parsed = match language_tags::LanguageTag::parse(tag) {
        Ok(parsed) => parsed,
        Err(e) => {
            out.push(Violation::error(
                Rule::LocLocaleUnregistered,
                pointer(),
                format!("`{tag}` is not a valid language tag: {e}"),
            ));
            return;
        }
    };
    if let Err(e) = parsed.validate() {
        out.push(Violation::error(
            Rule::LocLocaleUnregistered,
            pointer(),
            format!(
                "`{tag}` is shaped like a language tag but is not a valid one: {e}; use a registered tag such as en-US"
            ),
        ));
        return;
    }
    let canonical = parsed.as_str();
    if canonical != tag {
        out.push(Violation::warning(
            Rule::LocLocaleCase,
            pointer(),
            format!("`{tag}` is written `{canonical}` in canonical case; tags compare case-insensitively, but send `{canonical}`"),
        ));
    }
    if !alexa.iter().any(|a| a.eq_ignore_ascii_case(tag)) {
        out.push(Violation::warning(
            Rule::LocLocaleNotAlexa,
            pointer(),
            format!(
                "`{tag}` is a valid language tag but not one of Alexa's locales ({}); no Alexa device may speak it",
                alexa.join(", ")
            ),
        ));
    }
}

#[cfg(test)]
mod tests {
    use super::check;
    use crate::validate::Rule;

    fn rules(tag: &str) -> Vec<Rule> {
        let mut out = Vec::new();
        check(tag, &["en-US", "de-DE"], &|| "/p".to_owned(), &mut out);
        out.into_iter().map(|v| v.rule).collect()
    }

    #[test]
    fn registry_case_and_alexa() {
        assert!(rules("en-US").is_empty());
        assert_eq!(rules("TORNADO"), [Rule::LocLocaleUnregistered]);
        assert_eq!(rules("NOPE"), [Rule::LocLocaleUnregistered]);
        assert_eq!(rules("xx-QQ"), [Rule::LocLocaleUnregistered]);
        assert_eq!(rules("en-us"), [Rule::LocLocaleCase]);
        assert_eq!(rules("fr-FR"), [Rule::LocLocaleNotAlexa]);
        assert_eq!(
            rules("fr-fr"),
            [Rule::LocLocaleCase, Rule::LocLocaleNotAlexa]
        );
        // Ill-formed: reported as LOC-LOCALE-BCP47 by the caller.
        assert!(rules("en_US").is_empty());
    }
}
