//! Identifier conversion and escaping: the only place that turns wire names into
//! Rust names, so that the checker and the emitters always agree.

use heck::{ToSnakeCase, ToUpperCamelCase};

/// Rust keywords (2024 edition, strict and reserved).
const KEYWORDS: &[&str] = &[
    "abstract", "as", "async", "await", "become", "box", "break", "const", "continue", "crate",
    "do", "dyn", "else", "enum", "extern", "false", "final", "fn", "for", "gen", "if", "impl",
    "in", "let", "loop", "macro", "match", "mod", "move", "mut", "override", "priv", "pub", "ref",
    "return", "self", "Self", "static", "struct", "super", "trait", "true", "try", "type",
    "typeof", "unsafe", "unsized", "use", "virtual", "where", "while", "yield",
];

/// Keywords that cannot be raw identifiers (`r#self` is not allowed).
const NOT_RAW: &[&str] = &["self", "Self", "super", "crate", "_"];

pub fn is_keyword(word: &str) -> bool {
    KEYWORDS.contains(&word)
}

/// Keeps ASCII letters, digits and `_`; anything else becomes `_`.
fn ascii_ident_chars(s: &str) -> String {
    s.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '_' {
                c
            } else {
                '_'
            }
        })
        .collect()
}

/// A Rust identifier, kept apart from the wire name it came from and from the
/// name shown to people: `name` never carries `r#`; `raw` says the identifier
/// must be written `r#name` (a keyword). `Display` writes it as Rust source does.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct RustIdent {
    /// The identifier without any `r#`: what rustdoc, JSON Schema titles and the
    /// metadata show.
    pub name: String,
    /// Written `r#name` in source.
    pub raw: bool,
}

impl RustIdent {
    /// The token for `quote!`.
    pub fn to_ident(&self) -> proc_macro2::Ident {
        let span = proc_macro2::Span::call_site();
        if self.raw {
            proc_macro2::Ident::new_raw(&self.name, span)
        } else {
            proc_macro2::Ident::new(&self.name, span)
        }
    }
}

impl std::fmt::Display for RustIdent {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.raw {
            f.write_str("r#")?;
        }
        f.write_str(&self.name)
    }
}

/// Makes `word` a valid identifier: a leading digit gets `_`, a keyword is escaped.
pub fn escape(word: &str) -> RustIdent {
    let mut word = ascii_ident_chars(word);
    if word.is_empty() {
        word.push('_');
    }
    if word.starts_with(|c: char| c.is_ascii_digit()) {
        word.insert(0, '_');
    }
    if NOT_RAW.contains(&word.as_str()) {
        word.push('_');
        RustIdent {
            name: word,
            raw: false,
        }
    } else {
        let raw = is_keyword(&word);
        RustIdent { name: word, raw }
    }
}

/// `alertType` -> `alert_type`; `type` -> `r#type`.
pub fn field(wire: &str) -> RustIdent {
    escape(&wire.to_snake_case())
}

/// `eventLeague` -> `EventLeague`; `Self` -> `Self_`.
pub fn type_name(name: &str) -> RustIdent {
    escape(&name.to_upper_camel_case())
}

/// `SNOW_STORM` -> `SnowStorm`.
pub fn variant(wire: &str) -> RustIdent {
    escape(&wire.to_upper_camel_case())
}

/// `AMAZON.WeatherAlert.Activated` -> (`WeatherAlertActivated`, `weather_alert_activated`).
pub fn event_names(event: &str) -> (RustIdent, RustIdent) {
    let tail: String = event.split('.').skip(1).collect::<Vec<_>>().join("_");
    (type_name(&tail), escape(&tail.to_snake_case()))
}

/// `weather_alert_activated` -> `WEATHER_ALERT_ACTIVATED`.
pub fn constant(module: &RustIdent) -> String {
    module.name.to_uppercase()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escaping_table() {
        let cases = [
            (field("type"), "r#type"),
            (field("self"), "self_"),
            (field("super"), "super_"),
            (field("crate"), "crate_"),
            (field("async"), "r#async"),
            (field("gen"), "r#gen"),
            (field("2fa"), "_2fa"),
            (field("teamName"), "team_name"),
            (field("enterTimestamp"), "enter_timestamp"),
            (field("ScoreEarned"), "score_earned"),
            (field("a-b c"), "a_b_c"),
            (field("é"), "__"),
            (type_name("Self"), "Self_"),
            (type_name("self"), "Self_"),
            (type_name("Option"), "Option"),
            (type_name("type"), "Type"),
            (type_name("3dMovie"), "_3dMovie"),
            (variant("SNOW_STORM"), "SnowStorm"),
            (variant("PET_BOTTLES"), "PetBottles"),
            (variant("4K"), "_4k"),
        ];
        for (got, want) in cases {
            assert_eq!(got.to_string(), want);
        }
    }

    #[test]
    fn event_names_split_type_and_state() {
        let (root, module) = event_names("AMAZON.WeatherAlert.Activated");
        assert_eq!(
            (root.to_string(), module.to_string()),
            (
                "WeatherAlertActivated".to_owned(),
                "weather_alert_activated".to_owned()
            )
        );
        assert_eq!(constant(&module), "WEATHER_ALERT_ACTIVATED");
    }

    #[test]
    fn every_escaped_name_parses_as_an_identifier() {
        for kw in KEYWORDS {
            for name in [field(kw), type_name(kw), variant(kw)] {
                let ident = syn::parse_str::<syn::Ident>(&name.to_string())
                    .unwrap_or_else(|e| panic!("{name}: {e}"));
                assert_eq!(ident, name.to_ident());
                assert_eq!(ident.to_string(), name.to_string());
            }
        }
    }
}
