//! What the walk needs from a JSON tree, for two trees: `serde_json::Value`
//! (the public [`walk_json`](super::walk_json)) and [`Node`], a lighter tree the
//! slow path parses bytes into. `Node` borrows strings from the input, keeps
//! object members in a `Vec` in input order and keeps repeated keys, so the walk
//! can report them with their pointer (`Value` silently keeps the last one).

use serde::de::{self, Deserialize, Deserializer, MapAccess, SeqAccess, Visitor};
use serde_json::Value;
use std::borrow::Cow;
use std::fmt;

/// A JSON tree the walk can read.
pub(super) trait Json: Sized {
    fn is_null(&self) -> bool;
    fn as_bool(&self) -> Option<bool>;
    fn as_str(&self) -> Option<&str>;
    /// An integer (a JSON number without fraction or exponent that fits i64 or u64).
    fn as_integer(&self) -> Option<i128>;
    fn is_number(&self) -> bool;
    fn as_array(&self) -> Option<&[Self]>;
    fn is_object(&self) -> bool;
    /// Members in input order (repeats included), for objects; empty otherwise.
    fn members(&self) -> impl Iterator<Item = (&str, &Self)>;
    /// The first member called `key`.
    fn get(&self, key: &str) -> Option<&Self>;
    /// Equal as JSON values (for `uniqueItems`).
    fn same(&self, other: &Self) -> bool;
    /// The value as JSON text, for messages.
    fn render(&self) -> String;

    /// `a string`, `a number`, … for messages.
    fn kind(&self) -> &'static str {
        if self.is_null() {
            "null"
        } else if self.as_bool().is_some() {
            "a boolean"
        } else if self.is_number() {
            "a number"
        } else if self.as_str().is_some() {
            "a string"
        } else if self.as_array().is_some() {
            "an array"
        } else {
            "an object"
        }
    }
}

impl Json for Value {
    fn is_null(&self) -> bool {
        Value::is_null(self)
    }
    fn as_bool(&self) -> Option<bool> {
        Value::as_bool(self)
    }
    fn as_str(&self) -> Option<&str> {
        Value::as_str(self)
    }
    fn as_integer(&self) -> Option<i128> {
        let n = self.as_number()?;
        n.as_i64()
            .map(i128::from)
            .or_else(|| n.as_u64().map(i128::from))
    }
    fn is_number(&self) -> bool {
        Value::is_number(self)
    }
    fn as_array(&self) -> Option<&[Self]> {
        Value::as_array(self).map(Vec::as_slice)
    }
    fn is_object(&self) -> bool {
        Value::is_object(self)
    }
    fn members(&self) -> impl Iterator<Item = (&str, &Self)> {
        self.as_object()
            .into_iter()
            .flat_map(|o| o.iter().map(|(k, v)| (k.as_str(), v)))
    }
    fn get(&self, key: &str) -> Option<&Self> {
        self.as_object()?.get(key)
    }
    fn same(&self, other: &Self) -> bool {
        self == other
    }
    fn render(&self) -> String {
        self.to_string()
    }
}

/// A parsed JSON value that borrows its strings where the input has no escapes.
#[derive(Debug, Clone, PartialEq)]
pub(super) enum Node<'a> {
    Null,
    Bool(bool),
    Int(i128),
    Float(f64),
    String(Cow<'a, str>),
    Array(Vec<Node<'a>>),
    Object(Vec<(Cow<'a, str>, Node<'a>)>),
}

impl Json for Node<'_> {
    fn is_null(&self) -> bool {
        matches!(self, Self::Null)
    }
    fn as_bool(&self) -> Option<bool> {
        match self {
            Self::Bool(b) => Some(*b),
            _ => None,
        }
    }
    fn as_str(&self) -> Option<&str> {
        match self {
            Self::String(s) => Some(s),
            _ => None,
        }
    }
    fn as_integer(&self) -> Option<i128> {
        match self {
            Self::Int(i) => Some(*i),
            _ => None,
        }
    }
    fn is_number(&self) -> bool {
        matches!(self, Self::Int(_) | Self::Float(_))
    }
    fn as_array(&self) -> Option<&[Self]> {
        match self {
            Self::Array(a) => Some(a),
            _ => None,
        }
    }
    fn is_object(&self) -> bool {
        matches!(self, Self::Object(_))
    }
    fn members(&self) -> impl Iterator<Item = (&str, &Self)> {
        let members: &[(Cow<'_, str>, Node<'_>)] = match self {
            Self::Object(m) => m,
            _ => &[],
        };
        members.iter().map(|(k, v)| (k.as_ref(), v))
    }
    fn get(&self, key: &str) -> Option<&Self> {
        match self {
            Self::Object(m) => m.iter().find(|(k, _)| k == key).map(|(_, v)| v),
            _ => None,
        }
    }
    fn same(&self, other: &Self) -> bool {
        match (self, other) {
            // Objects are equal whatever the member order.
            (Self::Object(a), Self::Object(b)) => {
                a.len() == b.len()
                    && a.iter()
                        .all(|(k, v)| other.get(k).is_some_and(|w| v.same(w)))
                    && b.iter().all(|(k, _)| self.get(k).is_some())
            }
            (Self::Array(a), Self::Array(b)) => {
                a.len() == b.len() && a.iter().zip(b).all(|(x, y)| x.same(y))
            }
            _ => self == other,
        }
    }
    fn render(&self) -> String {
        match self {
            Self::Null => "null".to_owned(),
            Self::Bool(b) => b.to_string(),
            Self::Int(i) => i.to_string(),
            Self::Float(f) => {
                serde_json::Number::from_f64(*f).map_or_else(|| f.to_string(), |n| n.to_string())
            }
            Self::String(s) => Value::from(s.as_ref()).to_string(),
            Self::Array(_) => "[…]".to_owned(),
            Self::Object(_) => "{…}".to_owned(),
        }
    }
}

/// A string that borrows from the input when it can (serde's `Cow<str>` never does).
struct Str<'a>(Cow<'a, str>);

impl<'de> Deserialize<'de> for Str<'de> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Str<'de>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a string")
            }
            fn visit_borrowed_str<E: de::Error>(self, s: &'de str) -> Result<Self::Value, E> {
                Ok(Str(Cow::Borrowed(s)))
            }
            fn visit_str<E: de::Error>(self, s: &str) -> Result<Self::Value, E> {
                Ok(Str(Cow::Owned(s.to_owned())))
            }
            fn visit_string<E: de::Error>(self, s: String) -> Result<Self::Value, E> {
                Ok(Str(Cow::Owned(s)))
            }
        }
        d.deserialize_str(V)
    }
}

impl<'de> Deserialize<'de> for Node<'de> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Node<'de>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("any JSON value")
            }
            fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
                Ok(Node::Null)
            }
            fn visit_bool<E: de::Error>(self, b: bool) -> Result<Self::Value, E> {
                Ok(Node::Bool(b))
            }
            fn visit_i64<E: de::Error>(self, i: i64) -> Result<Self::Value, E> {
                Ok(Node::Int(i.into()))
            }
            fn visit_u64<E: de::Error>(self, u: u64) -> Result<Self::Value, E> {
                Ok(Node::Int(u.into()))
            }
            fn visit_f64<E: de::Error>(self, f: f64) -> Result<Self::Value, E> {
                Ok(Node::Float(f))
            }
            fn visit_borrowed_str<E: de::Error>(self, s: &'de str) -> Result<Self::Value, E> {
                Ok(Node::String(Cow::Borrowed(s)))
            }
            fn visit_str<E: de::Error>(self, s: &str) -> Result<Self::Value, E> {
                Ok(Node::String(Cow::Owned(s.to_owned())))
            }
            fn visit_string<E: de::Error>(self, s: String) -> Result<Self::Value, E> {
                Ok(Node::String(Cow::Owned(s)))
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
                // serde_json gives no size hint; small request bodies have short lists.
                let mut items = Vec::with_capacity(seq.size_hint().unwrap_or(4).min(64));
                while let Some(item) = seq.next_element()? {
                    items.push(item);
                }
                Ok(Node::Array(items))
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
                let mut members = Vec::with_capacity(map.size_hint().unwrap_or(6).min(64));
                while let Some(Str(key)) = map.next_key()? {
                    let value = map.next_value()?;
                    members.push((key, value));
                }
                Ok(Node::Object(members))
            }
        }
        d.deserialize_any(V)
    }
}
