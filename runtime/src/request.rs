//! The request body of `POST /v1/proactiveEvents`: the envelope around an event.

use crate::{DateTime, EventSet};
use serde::de::{self, Deserializer, MapAccess, Visitor};
use serde::ser::{SerializeMap, Serializer};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::fmt;

/// A whole request body, exactly as Amazon's JSON, over a set of events `E`
/// (the generated `events::Event`; the facade crate names this type without
/// the parameter).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(
    remote = "Self",
    rename_all = "camelCase",
    deny_unknown_fields,
    bound = "E: EventSet"
)]
pub struct ProactiveEventRequest<E> {
    /// When the event happened; Amazon orders updates of one `referenceId` by it.
    #[serde(with = "crate::__private::datetime")]
    pub timestamp: DateTime,
    /// Identifies the event: a later request with the same id updates it.
    pub reference_id: ReferenceId,
    /// When Alexa drops the event: 5 minutes to 24 hours after `timestamp`.
    #[serde(with = "crate::__private::datetime")]
    pub expiry_time: DateTime,
    /// The event's `name` and `payload`.
    pub event: E,
    /// The texts that `localizedattribute:<key>` references resolve to, one entry per locale (at least one).
    #[serde(
        deserialize_with = "crate::__private::list::<_, _, { crate::envelope::LOCALIZED_ATTRIBUTES_MIN }, { usize::MAX }, false>"
    )]
    pub localized_attributes: Vec<LocalizedAttributes>,
    /// Who receives the event.
    pub relevant_audience: Audience,
}

/// Your id of the event: `[A-Za-z0-9~]{1,100}`. With the user, Amazon's idempotency key.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(transparent)]
pub struct ReferenceId(String);

impl ReferenceId {
    /// The longest `referenceId` Amazon accepts, in characters.
    pub const MAX_LEN: usize = crate::envelope::REFERENCE_ID_MAX_LEN;

    /// Checks the characters and the length.
    pub fn new(id: impl Into<String>) -> Result<Self, InvalidReferenceId> {
        let id = id.into();
        if id.is_empty() || id.len() > Self::MAX_LEN {
            return Err(InvalidReferenceId::Length(id.chars().count()));
        }
        if let Some(c) = id
            .chars()
            .find(|c| !crate::envelope::is_reference_id_char(*c))
        {
            return Err(InvalidReferenceId::Character(c));
        }
        Ok(Self(id))
    }

    /// The id as sent.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// A new unique id: 32 hexadecimal digits of a random UUID (no hyphens).
    pub fn generate() -> Self {
        Self(uuid::Uuid::new_v4().simple().to_string())
    }
}

impl fmt::Display for ReferenceId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// Why a string is not a valid `referenceId`.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum InvalidReferenceId {
    /// Empty or longer than [`ReferenceId::MAX_LEN`]; the length in characters.
    Length(usize),
    /// A character outside `A-Za-z0-9~`.
    Character(char),
}

impl fmt::Display for InvalidReferenceId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Length(n) => write!(f, "referenceId is {n} characters long; it must be 1 to 100"),
            Self::Character(c) => write!(
                f,
                "referenceId contains {c:?}; only A-Z, a-z, 0-9 and ~ are allowed"
            ),
        }
    }
}

impl InvalidReferenceId {
    /// The validation rule this breaks.
    pub fn rule(&self) -> crate::validate::Rule {
        use crate::validate::Rule;
        match self {
            Self::Length(_) => Rule::EnvRefidLength,
            Self::Character(_) => Rule::EnvRefidCharset,
        }
    }
}

impl std::error::Error for InvalidReferenceId {}

impl<'de> Deserialize<'de> for ReferenceId {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        Self::new(s).map_err(de::Error::custom)
    }
}

/// A BCP 47 language tag such as `en-US`, checked by a language-tag parser.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(transparent)]
pub struct Locale(String);

impl Locale {
    /// Checks that `tag` is a well-formed BCP 47 language tag; the error says why not.
    pub fn new(tag: impl Into<String>) -> Result<Self, InvalidLocale> {
        let tag = tag.into();
        match oxilangtag::LanguageTag::parse(tag.as_str()) {
            Ok(_) => Ok(Self(tag)),
            Err(source) => Err(InvalidLocale { tag, source }),
        }
    }
    /// The tag as written.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A string that is not a BCP 47 language tag (from [`Locale::new`]); the
/// parser's error is the [`source`](std::error::Error::source).
#[derive(Debug)]
pub struct InvalidLocale {
    tag: String,
    source: oxilangtag::LanguageTagParseError,
}

impl InvalidLocale {
    /// The rejected string.
    pub fn tag(&self) -> &str {
        &self.tag
    }
}

impl fmt::Display for InvalidLocale {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "`{}` is not a BCP 47 language tag: {}",
            self.tag, self.source
        )
    }
}

impl std::error::Error for InvalidLocale {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        Some(&self.source)
    }
}

impl fmt::Display for Locale {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl<'de> Deserialize<'de> for Locale {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        Self::new(String::deserialize(d)?).map_err(de::Error::custom)
    }
}

/// One `localizedAttributes` entry: a locale and its text for each attribute key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LocalizedAttributes {
    /// The locale these texts are in.
    pub locale: Locale,
    /// Attribute key -> text in this locale (non-empty).
    pub values: BTreeMap<String, String>,
}

impl LocalizedAttributes {
    /// An entry for `locale` with no texts yet.
    pub fn new(locale: Locale) -> Self {
        Self {
            locale,
            values: BTreeMap::new(),
        }
    }
}

impl Serialize for LocalizedAttributes {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut map = s.serialize_map(Some(self.values.len() + 1))?;
        map.serialize_entry("locale", &self.locale)?;
        for (k, v) in &self.values {
            map.serialize_entry(k, v)?;
        }
        map.end()
    }
}

impl<'de> Deserialize<'de> for LocalizedAttributes {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = LocalizedAttributes;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("an object with `locale` and one text per attribute key")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
                let mut locale = None;
                let mut values = BTreeMap::new();
                while let Some(key) = map.next_key::<String>()? {
                    if key == "locale" {
                        if locale.is_some() {
                            return Err(de::Error::duplicate_field("locale"));
                        }
                        locale = Some(map.next_value::<Locale>()?);
                    } else {
                        let text: String = map.next_value()?;
                        if text.is_empty() {
                            return Err(de::Error::custom(format_args!(
                                "`{key}` is empty; Amazon requires a value"
                            )));
                        }
                        if values.contains_key(&key) {
                            return Err(de::Error::custom(format_args!(
                                "`{key}` appears more than once in this entry"
                            )));
                        }
                        values.insert(key, text);
                    }
                }
                let locale = locale.ok_or_else(|| de::Error::missing_field("locale"))?;
                Ok(LocalizedAttributes { locale, values })
            }
        }
        d.deserialize_map(V)
    }
}

/// Who receives the event.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(
    remote = "Self",
    tag = "type",
    content = "payload",
    deny_unknown_fields
)]
pub enum Audience {
    /// One user: `{"type": "Unicast", "payload": {"user": "amzn1.ask.account.…"}}`.
    Unicast(UnicastPayload),
    /// Every subscribed user: `{"type": "Multicast", "payload": {}}`.
    Multicast(Empty),
}

impl Audience {
    /// One user, by the userId from a request or a subscription event.
    pub fn unicast(user: impl Into<String>) -> Self {
        Self::Unicast(UnicastPayload { user: user.into() })
    }
    /// Every user subscribed to the event.
    pub fn multicast() -> Self {
        Self::Multicast(Empty {})
    }
}

/// The `payload` of a unicast audience.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(remote = "Self", deny_unknown_fields)]
pub struct UnicastPayload {
    /// The userId (`amzn1.ask.account.…`); never empty.
    #[serde(deserialize_with = "crate::__private::non_empty")]
    pub user: String,
}

/// The empty object `{}` (Multicast's payload).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(remote = "Self", deny_unknown_fields)]
pub struct Empty {}

// The request is generic, so it cannot use `__object_serde!`; the same forwarding.
impl<E: EventSet> Serialize for ProactiveEventRequest<E> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        <ProactiveEventRequest<E>>::serialize(self, s)
    }
}

impl<'de, E: EventSet> Deserialize<'de> for ProactiveEventRequest<E> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        <ProactiveEventRequest<E>>::deserialize(crate::__private::MapOnly(d))
    }
}
crate::__object_serde!(Audience);
crate::__object_serde!(UnicastPayload);
crate::__object_serde!(Empty);
