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
    #[serde(with = "crate::__private::datetime")]
    pub timestamp: DateTime,
    pub reference_id: ReferenceId,
    #[serde(with = "crate::__private::datetime")]
    pub expiry_time: DateTime,
    pub event: E,
    #[serde(
        deserialize_with = "crate::__private::list::<_, _, { crate::envelope::LOCALIZED_ATTRIBUTES_MIN }, { usize::MAX }, false>"
    )]
    pub localized_attributes: Vec<LocalizedAttributes>,
    pub relevant_audience: Audience,
}

/// Your id of the event: `[A-Za-z0-9~]{1,100}`. With the user, Amazon's idempotency key.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(transparent)]
pub struct ReferenceId(String);

impl ReferenceId {
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
pub enum InvalidReferenceId {
    Length(usize),
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
    pub fn rule(&self) -> &'static str {
        match self {
            Self::Length(_) => crate::validate::rules::ENV_REFID_LENGTH,
            Self::Character(_) => crate::validate::rules::ENV_REFID_CHARSET,
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
    pub fn new(tag: impl Into<String>) -> Result<Self, String> {
        let tag = tag.into();
        match oxilangtag::LanguageTag::parse(tag.as_str()) {
            Ok(_) => Ok(Self(tag)),
            Err(e) => Err(format!("`{tag}` is not a BCP 47 language tag: {e}")),
        }
    }
    pub fn as_str(&self) -> &str {
        &self.0
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
    pub locale: Locale,
    /// Attribute key -> text in this locale (non-empty).
    pub values: BTreeMap<String, String>,
}

impl LocalizedAttributes {
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
    pub fn multicast() -> Self {
        Self::Multicast(Empty {})
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(remote = "Self", deny_unknown_fields)]
pub struct UnicastPayload {
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
