//! A JSON document that keeps what `serde_json::Value` loses when a file is
//! read and written back: the exact text of every number (`1E2` stays `1E2`,
//! `123456789012345678901234567890` keeps every digit, `-0.0` and `1.50` keep
//! their spelling) and the order of keys. A key that appears twice in one
//! object is an error naming it and its JSON pointer, not a silent "last wins".
//!
//! serde_json does the parsing, so malformed input gets its usual messages and
//! its nesting limit applies. Its visitors see numbers only as `u64`/`i64`/`f64`,
//! so the text of each number is taken from the input by [`NumberTokens`], which
//! walks the number tokens in the order serde_json meets them (document order).
//! [`Node`] serializes through serde_json (e.g. its pretty printer), numbers as raw text.

use serde::de::{self, DeserializeSeed, Deserializer, MapAccess, SeqAccess, Visitor};
use serde::ser::{Serialize, Serializer};
use serde_json::value::RawValue;
use std::cell::RefCell;
use std::collections::HashSet;
use std::fmt;

/// One JSON value. Numbers are their text as written; objects are their
/// entries in order, each key once.
#[derive(Debug, Clone)]
pub enum Node {
    Null,
    Bool(bool),
    Number(Box<RawValue>),
    String(String),
    Array(Vec<Node>),
    Object(Object),
}

/// A JSON object's entries in document order; keys are unique.
#[derive(Debug, Clone, Default)]
pub struct Object(Vec<(String, Node)>);

impl Node {
    pub fn as_str(&self) -> Option<&str> {
        match self {
            Node::String(text) => Some(text),
            _ => None,
        }
    }

    pub fn as_object_mut(&mut self) -> Option<&mut Object> {
        match self {
            Node::Object(object) => Some(object),
            _ => None,
        }
    }

    pub fn as_array_mut(&mut self) -> Option<&mut Vec<Node>> {
        match self {
            Node::Array(items) => Some(items),
            _ => None,
        }
    }

    /// The value under `key` when this is an object.
    pub fn get(&self, key: &str) -> Option<&Node> {
        match self {
            Node::Object(object) => object.get(key),
            _ => None,
        }
    }
}

impl Object {
    pub fn get(&self, key: &str) -> Option<&Node> {
        self.0.iter().find(|(k, _)| k == key).map(|(_, v)| v)
    }

    /// The value under `key`, first appending `default()` when the key is absent.
    pub fn get_or_insert_with(&mut self, key: &str, default: impl FnOnce() -> Node) -> &mut Node {
        let index = match self.0.iter().position(|(k, _)| k == key) {
            Some(index) => index,
            None => {
                self.0.push((key.to_owned(), default()));
                self.0.len() - 1
            }
        };
        &mut self.0[index].1
    }

    /// Sets `key` to `value`: in its place when present, else last.
    pub fn insert(&mut self, key: &str, value: Node) {
        *self.get_or_insert_with(key, || Node::Null) = value;
    }
}

impl FromIterator<(String, Node)> for Object {
    /// Entries as given; the caller keeps keys unique.
    fn from_iter<I: IntoIterator<Item = (String, Node)>>(entries: I) -> Self {
        Object(entries.into_iter().collect())
    }
}

/// Parses a whole JSON text. Errors are serde_json's: a syntax error (with its
/// usual message and position), or a data error (`is_data()`) for a duplicate key.
pub fn parse(bytes: &[u8]) -> Result<Node, serde_json::Error> {
    let state = RefCell::new(State {
        numbers: NumberTokens { bytes, at: 0 },
        path: Vec::new(),
    });
    let mut deserializer = serde_json::Deserializer::from_slice(bytes);
    let node = NodeSeed(&state).deserialize(&mut deserializer)?;
    deserializer.end()?;
    if state.borrow_mut().numbers.next().is_some() {
        return Err(de::Error::custom(OUT_OF_STEP));
    }
    Ok(node)
}

impl Serialize for Node {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self {
            Node::Null => serializer.serialize_unit(),
            Node::Bool(b) => serializer.serialize_bool(*b),
            // serde_json writes a RawValue's text verbatim.
            Node::Number(text) => text.serialize(serializer),
            Node::String(text) => serializer.serialize_str(text),
            Node::Array(items) => serializer.collect_seq(items),
            Node::Object(Object(entries)) => {
                serializer.collect_map(entries.iter().map(|(k, v)| (k, v)))
            }
        }
    }
}

const OUT_OF_STEP: &str = "internal error: number text out of step with the parser";

/// What the visitors share: the number tokens still to come and where they are.
struct State<'a> {
    numbers: NumberTokens<'a>,
    /// The keys and indexes from the root to the value being read.
    path: Vec<Step>,
}

enum Step {
    Key(String),
    Index(usize),
}

/// `/a/0/b~1c`: the JSON pointer (RFC 6901) of `path`.
fn pointer(path: &[Step]) -> String {
    let mut out = String::new();
    for step in path {
        out.push('/');
        match step {
            Step::Key(key) => out.push_str(&key.replace('~', "~0").replace('/', "~1")),
            Step::Index(index) => out.push_str(&index.to_string()),
        }
    }
    out
}

#[derive(Clone, Copy)]
struct NodeSeed<'s, 'a>(&'s RefCell<State<'a>>);

impl NodeSeed<'_, '_> {
    /// The next number token's text, after `matches` checks it against what
    /// serde_json parsed (a cheap guard against the scanner falling out of step).
    fn number<E: de::Error>(self, matches: impl FnOnce(&str) -> bool) -> Result<Node, E> {
        match self.0.borrow_mut().numbers.next() {
            Some(text) if matches(text) => RawValue::from_string(text.to_owned())
                .map(Node::Number)
                .map_err(E::custom),
            _ => Err(E::custom(OUT_OF_STEP)),
        }
    }

    fn duplicate(self, key: &str) -> String {
        let path = pointer(&self.0.borrow().path);
        let quoted = serde_json::to_string(key).unwrap_or_else(|_| key.to_owned());
        if path.is_empty() {
            format!("duplicate key {quoted} in the top-level object")
        } else {
            format!("duplicate key {quoted} in {path}")
        }
    }
}

impl<'de> DeserializeSeed<'de> for NodeSeed<'_, '_> {
    type Value = Node;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<Node, D::Error> {
        deserializer.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for NodeSeed<'_, '_> {
    type Value = Node;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JSON value")
    }

    fn visit_unit<E: de::Error>(self) -> Result<Node, E> {
        Ok(Node::Null)
    }

    fn visit_bool<E: de::Error>(self, b: bool) -> Result<Node, E> {
        Ok(Node::Bool(b))
    }

    fn visit_u64<E: de::Error>(self, n: u64) -> Result<Node, E> {
        self.number(|text| text.parse() == Ok(n))
    }

    fn visit_i64<E: de::Error>(self, n: i64) -> Result<Node, E> {
        self.number(|text| text.parse() == Ok(n))
    }

    fn visit_f64<E: de::Error>(self, _: f64) -> Result<Node, E> {
        // serde_json's float parsing may be an ulp off Rust's: no equality check.
        self.number(|_| true)
    }

    fn visit_str<E: de::Error>(self, text: &str) -> Result<Node, E> {
        Ok(Node::String(text.to_owned()))
    }

    fn visit_string<E: de::Error>(self, text: String) -> Result<Node, E> {
        Ok(Node::String(text))
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Node, A::Error> {
        let mut items = Vec::new();
        loop {
            self.0.borrow_mut().path.push(Step::Index(items.len()));
            let item = seq.next_element_seed(self)?;
            self.0.borrow_mut().path.pop();
            match item {
                Some(item) => items.push(item),
                None => return Ok(Node::Array(items)),
            }
        }
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Node, A::Error> {
        let mut entries = Vec::new();
        let mut seen = HashSet::new();
        while let Some(key) = map.next_key::<String>()? {
            if !seen.insert(key.clone()) {
                return Err(de::Error::custom(self.duplicate(&key)));
            }
            self.0.borrow_mut().path.push(Step::Key(key.clone()));
            let value = map.next_value_seed(self)?;
            self.0.borrow_mut().path.pop();
            entries.push((key, value));
        }
        Ok(Node::Object(Object(entries)))
    }
}

/// The number tokens of a JSON text, in order. Outside strings a JSON number
/// is the only token that starts with `-` or a digit, and it runs over
/// `0-9 + - . e E`; strings are skipped, escapes included. Never fails: on
/// malformed input the tokens are meaningless, but serde_json reports the error.
struct NumberTokens<'a> {
    bytes: &'a [u8],
    at: usize,
}

impl<'a> Iterator for NumberTokens<'a> {
    type Item = &'a str;

    fn next(&mut self) -> Option<&'a str> {
        let bytes = self.bytes;
        while let Some(&byte) = bytes.get(self.at) {
            match byte {
                b'"' => self.at = skip_string(bytes, self.at + 1),
                b'-' | b'0'..=b'9' => {
                    let start = self.at;
                    while bytes.get(self.at).is_some_and(|b| {
                        matches!(b, b'0'..=b'9' | b'-' | b'+' | b'.' | b'e' | b'E')
                    }) {
                        self.at += 1;
                    }
                    // ASCII only, so always UTF-8.
                    return std::str::from_utf8(&bytes[start..self.at]).ok();
                }
                _ => self.at += 1,
            }
        }
        None
    }
}

/// The index just past the string whose contents start at `at`.
fn skip_string(bytes: &[u8], mut at: usize) -> usize {
    while let Some(&byte) = bytes.get(at) {
        match byte {
            b'\\' => at += 2,
            b'"' => return at + 1,
            _ => at += 1,
        }
    }
    bytes.len()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn round_trip(text: &str) -> String {
        serde_json::to_string(&parse(text.as_bytes()).expect("parses")).expect("writes")
    }

    #[test]
    fn numbers_keep_their_text_and_keys_their_order() {
        let text = r#"{"z":123456789012345678901234567890,"a":[1E2,-0.0,1.50,-0,2.5e-400,18446744073709551616,-9223372036854775809,0],"m":{"b":"1e5 \"2\" \\","a":null,"c":true}}"#;
        assert_eq!(round_trip(text), text);
    }

    #[test]
    fn number_tokens_skip_strings_and_literals() {
        let text = br#"{"k-1": "\"9\\", "t": true, "n": [-1.5e+3, 0, null, false, 7]}"#;
        let tokens: Vec<_> = NumberTokens { bytes: text, at: 0 }.collect();
        assert_eq!(tokens, ["-1.5e+3", "0", "7"]);
    }

    #[test]
    fn a_duplicate_key_is_an_error_naming_its_pointer() {
        let err = parse(br#"{"a": [{"x~/y": {"k": 1, "k": 2}}]}"#).unwrap_err();
        assert!(err.is_data(), "{err}");
        assert_eq!(
            err.to_string(),
            r#"duplicate key "k" in /a/0/x~0~1y at line 1 column 28"#
        );
        let err = parse(br#"{"k": 1, "k": 1}"#).unwrap_err();
        assert!(
            err.to_string()
                .starts_with(r#"duplicate key "k" in the top-level object"#),
            "{err}"
        );
    }

    #[test]
    fn syntax_errors_are_serde_jsons() {
        let err = parse(b"{\"manifest\": ").unwrap_err();
        assert!(!err.is_data());
        assert_eq!(
            err.to_string(),
            "EOF while parsing a value at line 1 column 13"
        );
        assert!(parse(b"{} 1").is_err());
        assert!(
            parse(b"1e400").is_err(),
            "serde_json refuses what f64 cannot hold"
        );
    }
}
