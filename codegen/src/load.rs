//! Stage 1, load: YAML text into input structs. Strict: unknown keys are errors.

use crate::diag::{Diagnostic, Location, did_you_mean};
use crate::locate::{MAX_DEPTH, ScanProblem, Spans, nth_line, scan};
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
    /// Where each node of `source.text` is, for locating later diagnostics.
    pub spans: Spans,
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
    /// A payload Alexa would accept, checked against `payload` once the file
    /// lowers (`crate::example`); required then, optional here so that a file
    /// without one still gets its other diagnostics.
    #[serde(default)]
    pub example: Option<ExampleValue>,
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

/// A value under `example:`, as written: any YAML, key order kept, a repeated
/// key refused. What it must be is decided against the payload's types later.
#[derive(Debug, Clone, PartialEq)]
pub enum ExampleValue {
    Null,
    Bool(bool),
    /// Every YAML integer (`i64` and `u64` both fit).
    Integer(i128),
    Float(f64),
    String(String),
    List(Vec<ExampleValue>),
    Map(OrderedMap<ExampleValue>),
}

impl<'de> Deserialize<'de> for ExampleValue {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = ExampleValue;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("an example value")
            }
            fn visit_unit<E: de::Error>(self) -> Result<ExampleValue, E> {
                Ok(ExampleValue::Null)
            }
            fn visit_none<E: de::Error>(self) -> Result<ExampleValue, E> {
                Ok(ExampleValue::Null)
            }
            fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<ExampleValue, D::Error> {
                ExampleValue::deserialize(d)
            }
            fn visit_bool<E: de::Error>(self, v: bool) -> Result<ExampleValue, E> {
                Ok(ExampleValue::Bool(v))
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<ExampleValue, E> {
                Ok(ExampleValue::Integer(v.into()))
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<ExampleValue, E> {
                Ok(ExampleValue::Integer(v.into()))
            }
            fn visit_i128<E: de::Error>(self, v: i128) -> Result<ExampleValue, E> {
                Ok(ExampleValue::Integer(v))
            }
            fn visit_f64<E: de::Error>(self, v: f64) -> Result<ExampleValue, E> {
                Ok(ExampleValue::Float(v))
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<ExampleValue, E> {
                Ok(ExampleValue::String(v.to_owned()))
            }
            fn visit_string<E: de::Error>(self, v: String) -> Result<ExampleValue, E> {
                Ok(ExampleValue::String(v))
            }
            fn visit_seq<A: de::SeqAccess<'de>>(
                self,
                mut seq: A,
            ) -> Result<ExampleValue, A::Error> {
                let mut out = Vec::new();
                while let Some(v) = seq.next_element()? {
                    out.push(v);
                }
                Ok(ExampleValue::List(out))
            }
            fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<ExampleValue, A::Error> {
                OrderedMap::deserialize(de::value::MapAccessDeserializer::new(map))
                    .map(ExampleValue::Map)
            }
        }
        d.deserialize_any(V)
    }
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
                let mut seen = std::collections::HashSet::new();
                while let Some(key) = map.next_key::<String>()? {
                    if !seen.insert(key.clone()) {
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
///
/// The text is first read once for positions ([`scan`]), which also refuses
/// aliases and deep nesting before the deserializer could expand or recurse
/// into them; then it is deserialized into the input structs.
pub fn load(source: Source) -> Result<Loaded, Box<Diagnostic>> {
    let spans = match scan(&source.text) {
        Ok(spans) => spans,
        Err(problem) => return Err(Box::new(scan_error(&source, problem))),
    };
    match serde_yaml::from_str::<SchemaDoc>(&source.text) {
        Ok(doc) => Ok(Loaded { source, doc, spans }),
        Err(e) => Err(Box::new(parse_error(&source, &e))),
    }
}

fn scan_error(source: &Source, problem: ScanProblem) -> Diagnostic {
    let (location, d) = match problem {
        ScanProblem::Syntax(location, message) => {
            // The deserializer's own wording, as for every other YAML error: first
            // a read that skips aliases rather than expanding them.
            let Err(broken) = serde_yaml::from_str::<de::IgnoredAny>(&source.text) else {
                // The two parsers disagree on this text; the scan's reason stands.
                return Diagnostic::new(&source.path, "", message)
                    .at_line(Some(location), nth_line(&source.text, location.line));
            };
            // When the scan got at least as far, it saw no alias before the break,
            // so deserializing is safe, and reports whichever comes first in the
            // file, a wrong value or the break, as for any file.
            let scanned = (location.line, location.column);
            let agreed = broken
                .location()
                .is_some_and(|l| (l.line(), l.column()) <= scanned);
            if agreed && let Err(e) = serde_yaml::from_str::<SchemaDoc>(&source.text) {
                return parse_error(source, &e);
            }
            return parse_error(source, &broken);
        }
        ScanProblem::Alias(location) => {
            let mut d = Diagnostic::new(
                &source.path,
                "",
                "YAML aliases (`*name`) are not allowed in schema files",
            );
            d.label("alias");
            d.help("write the value out, or define a named type under `types:` and refer to it with `type: Name`");
            (location, d)
        }
        ScanProblem::DuplicateKey {
            at,
            first,
            key,
            mapping,
        } => {
            let mut d = Diagnostic::new(
                &source.path,
                &mapping.to_string(),
                format!("duplicate key `{key}`"),
            );
            d.label("repeated here");
            d.help(format!(
                "`{key}` is first given at line {}, column {}; keep one of them",
                first.line, first.column
            ));
            (at, d)
        }
        ScanProblem::TooDeep(location) => {
            let mut d = Diagnostic::new(
                &source.path,
                "",
                format!("the YAML is nested more than {MAX_DEPTH} levels deep"),
            );
            d.help("a schema file nests a few levels; check for unclosed brackets");
            d.width = Some(1);
            (location, d)
        }
    };
    d.at_line(Some(location), nth_line(&source.text, location.line))
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
    let line = location.and_then(|l| nth_line(&source.text, l.line));
    d.at_line(location, line)
}

/// Splits serde's "unknown field `x`, expected one of `a`, `b`" message.
fn unknown_field(message: &str) -> Option<(&str, Vec<&str>)> {
    let rest = message.strip_prefix("unknown field `")?;
    let (word, rest) = rest.split_once('`')?;
    let expected = rest.split('`').skip(1).step_by(2).collect::<Vec<_>>();
    Some((word, expected))
}
