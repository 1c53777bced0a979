//! Stage 1, load: YAML text into input structs. Strict: unknown keys are errors.

use crate::diag::{Diagnostic, Location, did_you_mean};
use serde::Deserialize;
use serde::de::{self, Deserializer, MapAccess, Visitor};
use std::fmt;

/// One schema file as read from disk.
#[derive(Debug, Clone)]
pub struct Source {
    /// The path shown in diagnostics, e.g. `schemas/AMAZON.X.Y.yaml`.
    pub path: String,
    pub text: String,
}

/// A loaded schema file.
#[derive(Debug, Clone)]
pub struct Loaded {
    pub source: Source,
    pub doc: SchemaDoc,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct SchemaDoc {
    pub event: String,
    pub description: String,
    pub locales: Locales,
    #[serde(default)]
    pub types: OrderedMap<Node>,
    pub payload: OrderedMap<Node>,
    pub templates: Vec<TemplateDoc>,
}

/// `any`, or the list of supported locales.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Locales {
    Any,
    Only(Vec<String>),
}

/// A field, an array's `items`, or a named type: which keys apply is checked later,
/// so that a misplaced key gets a message about its place rather than a parse error.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct Node {
    #[serde(rename = "type")]
    pub ty: String,
    pub description: Option<String>,
    pub required: Option<bool>,
    pub localizable: Option<bool>,
    pub name: Option<String>,
    pub fields: Option<OrderedMap<Node>>,
    pub values: Option<Vec<EnumValueDoc>>,
    pub items: Option<Box<Node>>,
    pub min_items: Option<u64>,
    pub max_items: Option<u64>,
    pub unique_items: Option<bool>,
    pub minimum: Option<i64>,
    pub maximum: Option<i64>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EnumValueDoc {
    pub value: String,
    pub spoken: String,
    pub description: Option<String>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TemplateDoc {
    #[serde(default)]
    pub when: OrderedMap<String>,
    pub text: String,
}

/// A YAML mapping that keeps its order and rejects repeated keys.
#[derive(Debug, Clone, PartialEq)]
pub struct OrderedMap<T>(pub Vec<(String, T)>);

impl<T> Default for OrderedMap<T> {
    fn default() -> Self {
        Self(Vec::new())
    }
}

impl<T> OrderedMap<T> {
    pub fn get(&self, key: &str) -> Option<&T> {
        self.0.iter().find(|(k, _)| k == key).map(|(_, v)| v)
    }
    pub fn iter(&self) -> impl Iterator<Item = (&str, &T)> {
        self.0.iter().map(|(k, v)| (k.as_str(), v))
    }
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl<'de, T: Deserialize<'de>> Deserialize<'de> for OrderedMap<T> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V<T>(std::marker::PhantomData<T>);
        impl<'de, T: Deserialize<'de>> Visitor<'de> for V<T> {
            type Value = OrderedMap<T>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a mapping")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
                let mut out: Vec<(String, T)> = Vec::new();
                while let Some(key) = map.next_key::<String>()? {
                    if out.iter().any(|(k, _)| *k == key) {
                        return Err(de::Error::custom(format_args!("duplicate key `{key}`")));
                    }
                    let value = map.next_value()?;
                    out.push((key, value));
                }
                Ok(OrderedMap(out))
            }
        }
        d.deserialize_map(V(std::marker::PhantomData))
    }
}

impl<'de> Deserialize<'de> for Locales {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Locales;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("`any` or a list of locales such as [en-US]")
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Locales, E> {
                if v == "any" {
                    Ok(Locales::Any)
                } else {
                    Err(E::invalid_value(de::Unexpected::Str(v), &self))
                }
            }
            fn visit_seq<A: de::SeqAccess<'de>>(self, mut seq: A) -> Result<Locales, A::Error> {
                let mut out = Vec::new();
                while let Some(v) = seq.next_element::<String>()? {
                    out.push(v);
                }
                Ok(Locales::Only(out))
            }
        }
        d.deserialize_any(V)
    }
}

/// Parses one file; a YAML or shape error becomes a located diagnostic.
pub fn load(source: Source) -> Result<Loaded, Box<Diagnostic>> {
    match serde_yaml::from_str::<SchemaDoc>(&source.text) {
        Ok(doc) => Ok(Loaded { source, doc }),
        Err(e) => Err(Box::new(parse_error(&source, &e))),
    }
}

fn parse_error(source: &Source, e: &serde_yaml::Error) -> Diagnostic {
    let location = e.location().map(|l| Location {
        line: l.line(),
        column: l.column(),
    });
    let mut text = e.to_string();
    if let Some(l) = &location {
        let suffix = format!(" at line {} column {}", l.line, l.column);
        if let Some(stripped) = text.strip_suffix(&suffix) {
            text = stripped.to_owned();
        }
    }
    // yaml_serde prefixes the message with the YAML path ("payload.alert: ...").
    let (yaml_path, message) = match text.split_once(": ") {
        Some((p, m)) if !p.contains(' ') && !p.is_empty() => (p.to_owned(), m.to_owned()),
        _ => (String::new(), text),
    };
    let mut d = Diagnostic::new(&source.path, &yaml_path, message.clone());
    if let Some((word, expected)) = unknown_field(&message) {
        d.message = format!("unknown key `{word}`");
        d.label("not a key here");
        let hint = match did_you_mean(word, expected.iter().copied()) {
            Some(s) => format!(
                "did you mean `{s}`? expected one of: {}",
                expected.join(", ")
            ),
            None => format!("expected one of: {}", expected.join(", ")),
        };
        d.help(hint);
    } else if let Some(rest) = message.strip_prefix("invalid type: ") {
        d.message = match rest.split_once(", expected ") {
            Some((found, expected)) => {
                format!("wrong value type: expected {expected}, found {found}")
            }
            None => format!("wrong value type: {rest}"),
        };
    } else if message.starts_with("missing field") {
        d.help("add the key; see schemas/README.md for what each place needs");
    }
    d.at(&source.text, location)
}

/// Splits serde's "unknown field `x`, expected one of `a`, `b`" message.
fn unknown_field(message: &str) -> Option<(&str, Vec<&str>)> {
    let rest = message.strip_prefix("unknown field `")?;
    let (word, rest) = rest.split_once('`')?;
    let expected = rest.split('`').skip(1).step_by(2).collect::<Vec<_>>();
    Some((word, expected))
}
