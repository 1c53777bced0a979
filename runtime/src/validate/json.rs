//! What the walk needs from a JSON tree, for two trees: `serde_json::Value`
//! (the public [`walk_json`](super::walk_json)) and [`Node`], a lighter tree the
//! slow path parses bytes into. `Node` borrows strings from the input, keeps
//! object members in a `Vec` in input order and keeps repeated keys, so the walk
//! can report them with their pointer (`Value` silently keeps the last one).

use serde::de::{self, Deserialize, Deserializer, MapAccess, SeqAccess, Visitor};
use serde_json::Value;
use std::borrow::Cow;
use std::collections::{HashMap, HashSet};
use std::fmt;
use std::hash::{BuildHasher, Hasher, RandomState};

/// A JSON tree the walk can read.
pub(super) trait Json: Sized {
    fn is_null(&self) -> bool;
    fn as_bool(&self) -> Option<bool>;
    fn as_str(&self) -> Option<&str>;
    /// An integer (a JSON number without fraction or exponent that fits i64 or u64).
    fn as_integer(&self) -> Option<i128>;
    fn is_number(&self) -> bool;
    /// A number that is not an integer (see `as_integer`), as a float.
    fn as_f64(&self) -> Option<f64>;
    /// A number as written (for a `Value`, as serde_json writes it).
    fn number_text(&self) -> Option<Cow<'_, str>>;
    fn as_array(&self) -> Option<&[Self]>;
    fn is_object(&self) -> bool;
    /// Members in input order (repeats included), for objects; empty otherwise.
    fn members(&self) -> impl Iterator<Item = (&str, &Self)>;
    /// The first member called `key`.
    fn get(&self, key: &str) -> Option<&Self>;
    /// Equal as JSON values (for `uniqueItems`).
    fn same(&self, other: &Self) -> bool;

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
    fn as_f64(&self) -> Option<f64> {
        Value::as_f64(self)
    }
    fn number_text(&self) -> Option<Cow<'_, str>> {
        self.as_number().map(|n| Cow::Owned(n.to_string()))
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
}

/// A parsed JSON value that borrows its strings where the input has no escapes.
#[derive(Debug, Clone, PartialEq)]
pub(super) enum Node<'a> {
    Null,
    Bool(bool),
    Int(i128),
    /// Any other number, with its text as written once [`attach_number_texts`]
    /// has run (empty before).
    Float(f64, &'a str),
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
        matches!(self, Self::Int(_) | Self::Float(..))
    }
    fn as_f64(&self) -> Option<f64> {
        match self {
            Self::Float(f, _) => Some(*f),
            _ => None,
        }
    }
    fn number_text(&self) -> Option<Cow<'_, str>> {
        match self {
            Self::Int(i) => Some(Cow::Owned(i.to_string())),
            Self::Float(_, text) if !text.is_empty() => Some(Cow::Borrowed(text)),
            Self::Float(f, _) => Some(Cow::Owned(float_text(*f))),
            _ => None,
        }
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
            // Objects are equal whatever the member order: every member of one
            // equals the first member of that name in the other, and every name
            // of the other is in the one. Large objects look names up in a map
            // (a hostile body can hold objects of a million members).
            (Self::Object(a), Self::Object(b)) if a.len() > SMALL => {
                if a.len() != b.len() {
                    return false;
                }
                let (ma, mb) = (first_members(a), first_members(b));
                a.iter()
                    .all(|(k, v)| mb.get(k.as_ref()).is_some_and(|w| v.same(w)))
                    && b.iter().all(|(k, _)| ma.contains_key(k.as_ref()))
            }
            (Self::Object(a), Self::Object(b)) => {
                a.len() == b.len()
                    && a.iter()
                        .all(|(k, v)| other.get(k).is_some_and(|w| v.same(w)))
                    && b.iter().all(|(k, _)| self.get(k).is_some())
            }
            (Self::Array(a), Self::Array(b)) => {
                a.len() == b.len() && a.iter().zip(b).all(|(x, y)| x.same(y))
            }
            (Self::Float(a, _), Self::Float(b, _)) => a == b,
            _ => self == other,
        }
    }
}

fn float_text(f: f64) -> String {
    serde_json::Number::from_f64(f).map_or_else(|| f.to_string(), |n| n.to_string())
}

/// Gives every `Float` of `tree` (parsed from `text`) its number as written:
/// the document's number tokens, in order, are the tree's numbers in
/// depth-first order (members keep input order and repeats). Runs only when
/// the tree holds a `Float` (a slow-path body with `2.0` or `1e30`), linear in
/// the text.
pub(super) fn attach_number_texts<'a>(tree: &mut Node<'a>, text: &'a [u8]) {
    fn assign<'a>(n: &mut Node<'a>, tokens: &mut impl Iterator<Item = &'a str>) {
        match n {
            Node::Int(_) => {
                tokens.next();
            }
            Node::Float(_, t) => *t = tokens.next().unwrap_or(""),
            Node::Array(items) => items.iter_mut().for_each(|i| assign(i, tokens)),
            Node::Object(members) => members.iter_mut().for_each(|(_, v)| assign(v, tokens)),
            _ => {}
        }
    }
    if SAW_FLOAT.replace(false) {
        assign(tree, &mut number_tokens(text));
    }
}

thread_local! {
    /// Whether a `Node` parse on this thread met a float since the flag was
    /// last taken: [`attach_number_texts`] then has work (saves a walk of
    /// every tree without one).
    static SAW_FLOAT: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
}

/// Clears the flag before a parse (a parse that failed may have left it set).
pub(super) fn forget_floats() {
    SAW_FLOAT.set(false);
}

/// The number tokens of a JSON text, in order (strings skipped).
fn number_tokens(text: &[u8]) -> impl Iterator<Item = &str> {
    let mut i = 0;
    std::iter::from_fn(move || {
        while i < text.len() {
            match text[i] {
                b'"' => {
                    i += 1;
                    while i < text.len() && text[i] != b'"' {
                        i += if text[i] == b'\\' { 2 } else { 1 };
                    }
                    i += 1;
                }
                b'-' | b'0'..=b'9' => {
                    let start = i;
                    while i < text.len()
                        && matches!(text[i], b'-' | b'+' | b'.' | b'e' | b'E' | b'0'..=b'9')
                    {
                        i += 1;
                    }
                    return std::str::from_utf8(&text[start..i]).ok();
                }
                _ => i += 1,
            }
        }
        None
    })
}

/// What a JSON number is, exactly, from its text (D27).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Integral {
    /// An integer, however written: `2`, `2.0`, `2e0`, `-0` (0).
    Exact(i128),
    /// A fraction: `2.5`, `1e-1`.
    Fraction,
    /// An integer beyond 128 bits (beyond every field's range).
    Huge { negative: bool },
}

/// Reads a JSON number's text exactly (no rounding through `f64`).
pub(super) fn integral(text: &str) -> Integral {
    let (negative, rest) = match text.strip_prefix('-') {
        Some(r) => (true, r),
        None => (false, text),
    };
    let (mantissa, exp) = match rest.find(['e', 'E']) {
        Some(at) => (&rest[..at], &rest[at + 1..]),
        None => (rest, "0"),
    };
    let (int, frac) = mantissa.split_once('.').unwrap_or((mantissa, ""));
    // The exponent, saturated far past any 128-bit integer.
    let exp: i64 = {
        let (sign, digits) = match exp.as_bytes().first() {
            Some(b'-') => (-1, &exp[1..]),
            Some(b'+') => (1, &exp[1..]),
            _ => (1, exp),
        };
        sign * digits.bytes().fold(0i64, |n, d| {
            (n * 10 + i64::from(d.wrapping_sub(b'0'))).min(1 << 40)
        })
    };
    let digits = format!("{int}{frac}");
    let digits = digits.trim_start_matches('0');
    if digits.is_empty() {
        return Integral::Exact(0);
    }
    // value = digits × 10^shift
    let shift = exp - frac.len() as i64;
    let kept = if shift < 0 {
        let drop = usize::try_from(-shift).unwrap_or(usize::MAX);
        let trailing = digits.len() - digits.trim_end_matches('0').len();
        if trailing < drop {
            return Integral::Fraction;
        }
        &digits[..digits.len() - drop]
    } else {
        digits
    };
    let huge = Integral::Huge { negative };
    let zeros = usize::try_from(shift.max(0)).unwrap_or(usize::MAX);
    if kept.len().saturating_add(zeros) > 39 {
        return huge;
    }
    let mut value: i128 = 0;
    for d in kept
        .bytes()
        .map(|d| i128::from(d - b'0'))
        .chain(std::iter::repeat_n(0, zeros))
    {
        match value.checked_mul(10).and_then(|v| v.checked_add(d)) {
            Some(v) => value = v,
            None => return huge,
        }
    }
    Integral::Exact(if negative { -value } else { value })
}

/// The tree as a `Value`, every integral number as an integer (`2.0` is `2`),
/// so that the typed parse reads what the walk accepted.
pub(super) fn to_value(node: &Node<'_>) -> Value {
    match node {
        Node::Null => Value::Null,
        Node::Bool(b) => Value::Bool(*b),
        Node::Int(i) => integer_value(*i),
        Node::Float(f, text) => match integral(text) {
            Integral::Exact(i) if !text.is_empty() => integer_value(i),
            _ => serde_json::Number::from_f64(*f).map_or(Value::Null, Value::Number),
        },
        Node::String(s) => Value::String(s.as_ref().to_owned()),
        Node::Array(items) => Value::Array(items.iter().map(to_value).collect()),
        Node::Object(members) => Value::Object(
            members
                .iter()
                .map(|(k, v)| (k.as_ref().to_owned(), to_value(v)))
                .collect(),
        ),
    }
}

fn integer_value(i: i128) -> Value {
    if let Ok(i) = i64::try_from(i) {
        Value::from(i)
    } else if let Ok(u) = u64::try_from(i) {
        Value::from(u)
    } else {
        serde_json::Number::from_i128(i).map_or(Value::Null, Value::Number)
    }
}

/// Up to this many members or items, a linear scan beats building a map.
pub(super) const SMALL: usize = 16;

/// The first member of each name, as [`Json::get`] finds it.
fn first_members<'n, 'a>(
    members: &'n [(Cow<'a, str>, Node<'a>)],
) -> HashMap<&'n str, &'n Node<'a>> {
    let mut map = HashMap::with_capacity(members.len());
    for (k, v) in members {
        map.entry(k.as_ref()).or_insert(v);
    }
    map
}

/// A hash of `value` consistent with [`Json::same`]: values that are the same
/// hash the same (objects whatever their member order, `0.0` like `-0.0`), so
/// that `uniqueItems` compares only the items whose hashes meet. `keys` seeds
/// every hasher, so the whole tree hashes with one random key.
pub(super) fn same_hash<J: Json>(value: &J, keys: &RandomState) -> u64 {
    let mut h = keys.build_hasher();
    hash_into(value, keys, &mut h);
    h.finish()
}

fn hash_into<J: Json>(value: &J, keys: &RandomState, h: &mut impl Hasher) {
    if value.is_null() {
        h.write_u8(0);
    } else if let Some(b) = value.as_bool() {
        h.write_u8(1);
        h.write_u8(u8::from(b));
    } else if let Some(i) = value.as_integer() {
        h.write_u8(2);
        h.write_i128(i);
    } else if let Some(f) = value.as_f64() {
        // `same` compares floats with `==`: 0.0 and -0.0 are the same.
        h.write_u8(3);
        h.write_u64(if f == 0.0 { 0 } else { f.to_bits() });
    } else if let Some(s) = value.as_str() {
        h.write_u8(4);
        h.write(s.as_bytes());
        h.write_u8(0xff);
    } else if let Some(items) = value.as_array() {
        h.write_u8(5);
        h.write_usize(items.len());
        for item in items {
            hash_into(item, keys, h);
        }
    } else {
        // An object: the order of members does not count, so each (name,
        // value) is hashed apart and the hashes are summed. Only the first
        // member of each name counts, as for `get` (and so for `same`).
        h.write_u8(6);
        let mut seen = HashSet::new();
        let mut sum = 0u64;
        for (k, v) in value.members() {
            if seen.insert(k) {
                let mut member = keys.build_hasher();
                member.write(k.as_bytes());
                member.write_u8(0xff);
                hash_into(v, keys, &mut member);
                sum = sum.wrapping_add(member.finish());
            }
        }
        h.write_usize(seen.len());
        h.write_u64(sum);
    }
}

/// For each item that repeats an earlier one: `(item, first earlier item it
/// repeats)`, in item order. Linear in the items (hashing), besides the
/// comparisons of items whose hashes meet.
pub(super) fn repeats<J: Json>(items: &[J]) -> Vec<(usize, usize)> {
    let mut out = Vec::new();
    if items.len() <= SMALL {
        for (i, item) in items.iter().enumerate() {
            if let Some(j) = items[..i].iter().position(|x| x.same(item)) {
                out.push((i, j));
            }
        }
        return out;
    }
    let keys = RandomState::new();
    // Hash -> the indexes of the distinct values seen with that hash.
    let mut seen: HashMap<u64, Vec<usize>> = HashMap::with_capacity(items.len());
    for (i, item) in items.iter().enumerate() {
        let earlier = seen.entry(same_hash(item, &keys)).or_default();
        match earlier.iter().find(|&&j| items[j].same(item)) {
            Some(&j) => out.push((i, j)),
            None => earlier.push(i),
        }
    }
    out
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
                SAW_FLOAT.set(true);
                Ok(Node::Float(f, ""))
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

#[cfg(test)]
mod tests {
    use super::*;

    fn node(text: &str) -> Node<'_> {
        serde_json::from_str(text).expect("JSON")
    }

    /// The old definition of `same` (a scan for every member), for comparison.
    fn scanned_same(a: &Node<'_>, b: &Node<'_>) -> bool {
        match (a, b) {
            (Node::Object(x), Node::Object(y)) => {
                x.len() == y.len()
                    && x.iter()
                        .all(|(k, v)| b.get(k).is_some_and(|w| scanned_same(v, w)))
                    && y.iter().all(|(k, _)| a.get(k).is_some())
            }
            (Node::Array(x), Node::Array(y)) => {
                x.len() == y.len() && x.iter().zip(y).all(|(v, w)| scanned_same(v, w))
            }
            _ => a == b,
        }
    }

    /// Objects of 20 members (past the scan) in two orders, one differing.
    fn big_objects() -> [String; 3] {
        let members = |order: &mut dyn Iterator<Item = usize>, odd: usize| {
            let m: Vec<String> = order
                .map(|i| format!("\"k{i}\": {}", if i == odd { 99 } else { i }))
                .collect();
            format!("{{{}}}", m.join(", "))
        };
        [
            members(&mut (0..20), 100),
            members(&mut (0..20).rev(), 100),
            members(&mut (0..20).rev(), 7),
        ]
    }

    #[test]
    fn same_values_hash_the_same_and_repeats_match_a_full_comparison() {
        let big = big_objects();
        let mut texts: Vec<&str> = vec![
            "null",
            "false",
            "true",
            "0",
            "-0",
            "0.0",
            "-0.0",
            "1",
            "1.0",
            "1e0",
            "-1",
            "18446744073709551615",
            "-9223372036854775808",
            "\"a\"",
            "\"b\"",
            "\"\"",
            "[]",
            "[1, 2]",
            "[2, 1]",
            "[1.0, 2]",
            "{}",
            r#"{"a": 1, "b": 2}"#,
            r#"{"b": 2, "a": 1}"#,
            r#"{"a": 1}"#,
            r#"{"a": 1.0}"#,
            // Repeated names: only the first member of a name is looked up.
            r#"{"a": 1, "a": 1}"#,
            r#"{"a": 1, "a": 2}"#,
            r#"{"a": 1, "b": 1}"#,
            r#"{"x": {"p": [1, {"q": null}]}}"#,
            r#"{"x": {"p": [1, {"q": null}]}}"#,
        ];
        texts.extend(big.iter().map(String::as_str));
        let nodes: Vec<Node<'_>> = texts.iter().map(|t| node(t)).collect();
        let keys = RandomState::new();
        for a in &nodes {
            for b in &nodes {
                assert_eq!(a.same(b), scanned_same(a, b), "{a:?} {b:?}");
                if a.same(b) {
                    assert_eq!(same_hash(a, &keys), same_hash(b, &keys), "{a:?} {b:?}");
                }
            }
        }
        assert!(nodes.len() > SMALL, "the hashed path");
        let mut want = Vec::new();
        for (i, item) in nodes.iter().enumerate() {
            if let Some(j) = nodes[..i].iter().position(|x| x.same(item)) {
                want.push((i, j));
            }
        }
        assert_eq!(repeats(&nodes), want);
        assert_eq!(repeats(&nodes[..SMALL]), {
            let mut small = want.clone();
            small.retain(|&(i, _)| i < SMALL);
            small
        });
        // A few that must meet: -0, 0.0 and -0.0; reordered members; big objects.
        for (i, j) in [(5, 4), (6, 4), (22, 21), (29, 28), (31, 30)] {
            assert!(want.contains(&(i, j)), "{i} repeats {j}: {want:?}");
        }
    }
}

/// Why [`parse_unique_keys`] refused a text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum StrictError {
    /// Not JSON: the message of [`super::json_error_message`].
    Syntax(String),
    /// `key` appears more than once in one object, the one at `path` (dotted,
    /// `context.System.user`; empty for the top level).
    DuplicateKey { path: String, key: String },
}

/// The words of `JSON-DUPLICATE-KEY`, for every reader that refuses a repeat.
pub(crate) fn duplicate_key_message(key: &str) -> String {
    format!("`{key}` appears more than once in this object")
}

/// Parses a JSON text for a reader that must not guess which of two values is
/// meant: a key repeated in any object is an error naming it (`Value` would
/// keep the last one silently), as `JSON-DUPLICATE-KEY` is for request bodies.
/// The same tree as the validator's slow path, so both find the same repeats.
pub(crate) fn parse_unique_keys(bytes: &[u8]) -> Result<Value, StrictError> {
    forget_floats();
    let parsed = match std::str::from_utf8(bytes) {
        Ok(text) => serde_json::from_str::<Node<'_>>(text),
        Err(_) => serde_json::from_slice::<Node<'_>>(bytes),
    };
    let mut tree = parsed.map_err(|e| StrictError::Syntax(super::json_error_message(bytes, &e)))?;
    attach_number_texts(&mut tree, bytes);
    if let Some((path, key)) = first_repeat(&tree, "") {
        return Err(StrictError::DuplicateKey { path, key });
    }
    Ok(to_value(&tree))
}

/// The first repeated key in document order, depth first: the dotted path of
/// its object and the key.
fn first_repeat(node: &Node<'_>, path: &str) -> Option<(String, String)> {
    let join = |step: &str| {
        if path.is_empty() {
            step.to_owned()
        } else {
            format!("{path}.{step}")
        }
    };
    match node {
        Node::Object(members) => {
            let mut seen = HashSet::new();
            for (n, (key, value)) in members.iter().enumerate() {
                let repeat = if members.len() > SMALL {
                    !seen.insert(key.as_ref())
                } else {
                    members[..n].iter().any(|(k, _)| k == key)
                };
                if repeat {
                    return Some((path.to_owned(), key.as_ref().to_owned()));
                }
                if matches!(value, Node::Object(_) | Node::Array(_))
                    && let Some(found) = first_repeat(value, &join(key))
                {
                    return Some(found);
                }
            }
            None
        }
        Node::Array(items) => items.iter().enumerate().find_map(|(i, item)| {
            let at = format!("{path}[{i}]");
            first_repeat(item, &at)
        }),
        _ => None,
    }
}
