//! Strings on the wire. Amazon rejects empty strings, and accepts a
//! `localizedattribute:<key>` reference only in localizable fields.

use serde::de::{self, Deserialize, Deserializer};
use serde::{Serialize, Serializer};
use std::collections::BTreeMap;
use std::fmt;

/// The prefix that makes a string a reference into `localizedAttributes`.
pub const LOCALIZED_ATTRIBUTE_PREFIX: &str = "localizedattribute:";

/// A localizable field's value: literal text, a reference to a per-locale value in
/// `localizedAttributes`, or (before building) one text per locale.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Text {
    /// Spoken as is, in every locale.
    Literal(String),
    /// `localizedattribute:<key>`: the `<key>` value of the recipient's locale entry.
    Reference(String),
    /// Locale -> text. [`ProactiveEventRequest::builder`](crate::ProactiveEventRequest::builder)
    /// turns it into a `Reference` with a key derived from the field's path and moves
    /// the texts into `localizedAttributes`, so references and values cannot drift.
    /// Never on the wire: serializing it unbuilt is an error.
    PerLocale(BTreeMap<String, String>),
}

impl Text {
    /// Text spoken as is in every locale.
    pub fn literal(text: impl Into<String>) -> Self {
        Self::Literal(text.into())
    }
    /// A reference to `key` in `localizedAttributes` (without the `localizedattribute:` prefix).
    pub fn reference(key: impl Into<String>) -> Self {
        Self::Reference(key.into())
    }
    /// One text per locale: `Text::per_locale([("en-US", "Weather Channel"), ("fr-FR", "Canal météo")])`.
    pub fn per_locale<L: Into<String>, T: Into<String>>(
        texts: impl IntoIterator<Item = (L, T)>,
    ) -> Self {
        Self::PerLocale(
            texts
                .into_iter()
                .map(|(l, t)| (l.into(), t.into()))
                .collect(),
        )
    }
    /// The wire form of a reference key.
    pub fn reference_string(key: &str) -> String {
        format!("{LOCALIZED_ATTRIBUTE_PREFIX}{key}")
    }
    fn parse(s: &str) -> Result<Self, InvalidText> {
        match s.strip_prefix(LOCALIZED_ATTRIBUTE_PREFIX) {
            Some("") => Err(InvalidText::ReferenceWithoutKey),
            Some(key) => Ok(Self::Reference(key.to_owned())),
            None if s.is_empty() => Err(InvalidText::Empty),
            None => Ok(Self::Literal(s.to_owned())),
        }
    }
}

impl fmt::Display for Text {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Literal(s) => f.write_str(s),
            Self::Reference(key) => write!(f, "{LOCALIZED_ATTRIBUTE_PREFIX}{key}"),
            Self::PerLocale(texts) => {
                let mut first = true;
                for (locale, text) in texts {
                    write!(f, "{}{locale}: {text}", if first { "" } else { "; " })?;
                    first = false;
                }
                Ok(())
            }
        }
    }
}

impl From<&str> for Text {
    fn from(s: &str) -> Self {
        Self::Literal(s.to_owned())
    }
}

impl From<String> for Text {
    fn from(s: String) -> Self {
        Self::Literal(s)
    }
}

impl Serialize for Text {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            Self::Literal(t) => s.serialize_str(t),
            Self::Reference(_) => s.collect_str(self),
            Self::PerLocale(_) => Err(serde::ser::Error::custom(
                "per-locale text is resolved by ProactiveEventRequest::builder(..).build(); serialize the built request",
            )),
        }
    }
}

impl<'de> Deserialize<'de> for Text {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = <std::borrow::Cow<'de, str>>::deserialize(d)?;
        Self::parse(&s)
            .map_err(|why| de::Error::invalid_value(de::Unexpected::Str(&s), &why.message()))
    }
}

/// Why a string cannot be a [`Text`] or a [`PlainText`] (from [`PlainText::new`]
/// and the deserializers).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum InvalidText {
    /// `""`: Amazon requires a value.
    Empty,
    /// `localizedattribute:` with no key after the colon.
    ReferenceWithoutKey,
    /// A `localizedattribute:` reference in a field that is not localizable.
    NotLocalizable,
}

impl InvalidText {
    fn message(self) -> &'static str {
        match self {
            Self::Empty => "an empty string (Amazon requires a value)",
            Self::ReferenceWithoutKey => {
                "a `localizedattribute:` reference needs a key after the colon"
            }
            Self::NotLocalizable => {
                "literal text: this field is not localizable, so `localizedattribute:` is not resolved here"
            }
        }
    }
}

impl fmt::Display for InvalidText {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.message())
    }
}

impl std::error::Error for InvalidText {}

/// A string field that is not localizable: non-empty, and never a
/// `localizedattribute:` reference (Alexa would not resolve it there).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct PlainText(String);

impl PlainText {
    /// Checks the rules above.
    pub fn new(text: impl Into<String>) -> Result<Self, InvalidText> {
        let text = text.into();
        Self::check(&text)?;
        Ok(Self(text))
    }
    fn check(s: &str) -> Result<(), InvalidText> {
        if s.is_empty() {
            Err(InvalidText::Empty)
        } else if s.starts_with(LOCALIZED_ATTRIBUTE_PREFIX) {
            Err(InvalidText::NotLocalizable)
        } else {
            Ok(())
        }
    }
    /// The text as written.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for PlainText {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl TryFrom<&str> for PlainText {
    type Error = InvalidText;
    fn try_from(s: &str) -> Result<Self, Self::Error> {
        Self::new(s)
    }
}

impl AsRef<str> for PlainText {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

impl Serialize for PlainText {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.0)
    }
}

impl<'de> Deserialize<'de> for PlainText {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = <std::borrow::Cow<'de, str>>::deserialize(d)?;
        Self::check(&s)
            .map_err(|why| de::Error::invalid_value(de::Unexpected::Str(&s), &why.message()))?;
        Ok(Self(s.into_owned()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_round_trips_literals_and_references() {
        for (wire, value) in [
            ("\"Weather Corp\"", Text::literal("Weather Corp")),
            ("\"localizedattribute:source\"", Text::reference("source")),
        ] {
            assert_eq!(serde_json::from_str::<Text>(wire).unwrap(), value);
            assert_eq!(serde_json::to_string(&value).unwrap(), wire);
        }
    }

    #[test]
    fn empty_and_keyless_strings_are_rejected() {
        assert!(serde_json::from_str::<Text>("\"\"").is_err());
        assert!(serde_json::from_str::<Text>("\"localizedattribute:\"").is_err());
        assert!(serde_json::from_str::<PlainText>("\"\"").is_err());
        let err = serde_json::from_str::<PlainText>("\"localizedattribute:x\"").unwrap_err();
        assert!(err.to_string().contains("not localizable"), "{err}");
        assert_eq!(
            serde_json::from_str::<PlainText>("\"Max\"")
                .unwrap()
                .as_str(),
            "Max"
        );
        assert_eq!(PlainText::new(""), Err(InvalidText::Empty));
        assert_eq!(
            PlainText::try_from("localizedattribute:x"),
            Err(InvalidText::NotLocalizable)
        );
        let e: Box<dyn std::error::Error> = Box::new(InvalidText::Empty);
        assert_eq!(e.to_string(), "an empty string (Amazon requires a value)");
    }
}
