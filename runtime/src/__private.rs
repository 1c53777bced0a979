//! Helpers that generated code calls from serde attributes. Not public API.

use serde::Serialize;
use serde::de::{Deserialize, Deserializer, Error, IgnoredAny, SeqAccess, Visitor};
use std::collections::HashMap;
use std::hash::{BuildHasher, RandomState};
use std::marker::PhantomData;

/// An optional field: absent is `None`, but an explicit `null` is an error
/// (Amazon rejects nulls).
pub fn non_null<'de, D: Deserializer<'de>, T: Deserialize<'de>>(
    d: D,
) -> Result<Option<T>, D::Error> {
    T::deserialize(d).map(Some)
}

/// An integer within `MIN..=MAX`.
pub fn int_range<'de, D: Deserializer<'de>, const MIN: i64, const MAX: i64>(
    d: D,
) -> Result<i64, D::Error> {
    let v = i64::deserialize(d)?;
    if (MIN..=MAX).contains(&v) {
        Ok(v)
    } else {
        Err(D::Error::custom(format_args!(
            "{v} is outside {MIN}..={MAX}"
        )))
    }
}

/// [`int_range`] for an optional field.
pub fn opt_int_range<'de, D: Deserializer<'de>, const MIN: i64, const MAX: i64>(
    d: D,
) -> Result<Option<i64>, D::Error> {
    int_range::<D, MIN, MAX>(d).map(Some)
}

/// A list with `MIN..=MAX` items, all distinct when `UNIQUE`.
///
/// Reading stops at the first item past `MAX` (that item is skipped, not
/// parsed), so a list of 200,000 items costs no more than `MAX + 1`. Distinct
/// items are found by hashing each item's JSON form, which equal values share
/// (every generated type serializes equal values equally; none holds a float),
/// and comparing only the items whose hashes meet.
pub fn list<'de, D, T, const MIN: usize, const MAX: usize, const UNIQUE: bool>(
    d: D,
) -> Result<Vec<T>, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de> + PartialEq + Serialize,
{
    let v = d.deserialize_seq(Bounded::<T, MAX>(PhantomData))?;
    if v.len() < MIN {
        return Err(D::Error::custom(format_args!(
            "{} items, fewer than the {MIN} required",
            v.len()
        )));
    }
    if UNIQUE && let Some(i) = first_repeat(&v) {
        return Err(D::Error::custom(format_args!(
            "item {i} repeats an earlier item; items must be distinct"
        )));
    }
    Ok(v)
}

/// Reads a sequence of at most `MAX` items.
struct Bounded<T, const MAX: usize>(PhantomData<T>);

impl<'de, T: Deserialize<'de>, const MAX: usize> Visitor<'de> for Bounded<T, MAX> {
    type Value = Vec<T>;

    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("a sequence")
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Vec<T>, A::Error> {
        // serde_json gives no size hint; never trust one beyond the maximum.
        let mut v = Vec::with_capacity(seq.size_hint().unwrap_or(0).min(MAX).min(64));
        loop {
            if v.len() == MAX {
                return match seq.next_element::<IgnoredAny>()? {
                    None => Ok(v),
                    Some(_) => Err(A::Error::custom(format_args!(
                        "more than the {MAX} items allowed"
                    ))),
                };
            }
            match seq.next_element()? {
                Some(item) => v.push(item),
                None => return Ok(v),
            }
        }
    }
}

/// The index of the first item equal to an earlier one.
fn first_repeat<T: PartialEq + Serialize>(items: &[T]) -> Option<usize> {
    // A few items: compare them all, allocating nothing.
    if items.len() <= 16 {
        return (1..items.len()).find(|&i| items[..i].contains(&items[i]));
    }
    let keys = RandomState::new();
    let mut json = Vec::new();
    // Hash -> the indexes of the distinct items seen with that hash.
    let mut seen: HashMap<u64, Vec<usize>> = HashMap::with_capacity(items.len());
    for (i, item) in items.iter().enumerate() {
        json.clear();
        // An item that does not serialize hashes like every other such item:
        // slower (compared with each), never wrong.
        let hash = match serde_json::to_writer(&mut json, item) {
            Ok(()) => keys.hash_one(&json),
            Err(_) => 0,
        };
        let earlier = seen.entry(hash).or_default();
        if earlier.iter().any(|&j| items[j] == *item) {
            return Some(i);
        }
        earlier.push(i);
    }
    None
}

/// [`list`] for an optional field.
pub fn opt_list<'de, D, T, const MIN: usize, const MAX: usize, const UNIQUE: bool>(
    d: D,
) -> Result<Option<Vec<T>>, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de> + PartialEq + Serialize,
{
    list::<D, T, MIN, MAX, UNIQUE>(d).map(Some)
}

/// A string that is not empty.
pub fn non_empty<'de, D: Deserializer<'de>>(d: D) -> Result<String, D::Error> {
    let s = String::deserialize(d)?;
    if s.is_empty() {
        Err(D::Error::custom(
            "an empty string (Amazon requires a value)",
        ))
    } else {
        Ok(s)
    }
}

/// Date-times: RFC 3339 with a zone, upper-case `T` and `Z` (the profile every
/// JSON Schema validator agrees on), parsed by jiff; written in UTC.
pub mod datetime {
    use crate::DateTime;
    use serde::Serializer;
    use serde::de::{Deserialize, Deserializer, Error};

    pub fn serialize<S: Serializer>(t: &DateTime, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(t)
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<DateTime, D::Error> {
        let s = <std::borrow::Cow<'de, str>>::deserialize(d)?;
        parse(&s).map_err(D::Error::custom)
    }

    /// Parses `YYYY-MM-DDTHH:MM:SS[.fraction](Z|±HH:MM)`, each part bounded as
    /// [`DATE_TIME_PATTERN`](crate::envelope::DATE_TIME_PATTERN) says.
    pub fn parse(s: &str) -> Result<DateTime, String> {
        if let Some(why) = crate::envelope::date_time_problem(s) {
            return Err(format!(
                "`{s}` is not an ISO 8601 date-time with a zone, like 2024-05-01T10:00:00Z: {why}"
            ));
        }
        s.parse::<DateTime>()
            .map_err(|e| format!("`{s}` is not a valid date-time: {e}"))
    }

    /// For optional fields (absent is `None`; `null` is an error).
    pub fn opt<'de, D: Deserializer<'de>>(d: D) -> Result<Option<DateTime>, D::Error> {
        deserialize(d).map(Some)
    }

    pub fn serialize_opt<S: Serializer>(t: &Option<DateTime>, s: S) -> Result<S::Ok, S::Error> {
        match t {
            Some(t) => s.collect_str(t),
            None => s.serialize_none(),
        }
    }

    #[cfg(test)]
    mod tests {
        use super::parse;

        #[test]
        fn accepts_the_rfc3339_profile_only() {
            for ok in [
                "2024-05-01T10:00:00Z",
                "2018-12-14T23:32:00.463Z",
                "2018-06-18T22:10:01.00Z",
                "2024-05-01T12:00:00+02:00",
            ] {
                assert!(parse(ok).is_ok(), "{ok}");
            }
            for bad in [
                "2024-05-01T10:00:00",
                "2024-05-01 10:00:00Z",
                "2024-05-01t10:00:00z",
                "2024-05-01T10:00:00+0200",
                "2024-02-30T10:00:00Z",
                "2024-05-01T10:00:60Z",
                "2024-05-01T10:00:00.Z",
                "tomorrow",
                "",
            ] {
                assert!(parse(bad).is_err(), "{bad}");
            }
        }
    }
}

/// Makes a derived struct accept only a JSON object. serde's derive also accepts
/// an array of the field values, which Amazon and the JSON Schemas reject.
#[derive(Debug)]
pub struct MapOnly<D>(pub D);

impl<'de, D: Deserializer<'de>> Deserializer<'de> for MapOnly<D> {
    type Error = D::Error;

    fn deserialize_any<V: serde::de::Visitor<'de>>(self, v: V) -> Result<V::Value, D::Error> {
        self.0.deserialize_any(v)
    }

    fn deserialize_struct<V: serde::de::Visitor<'de>>(
        self,
        _name: &'static str,
        _fields: &'static [&'static str],
        v: V,
    ) -> Result<V::Value, D::Error> {
        self.0.deserialize_map(v)
    }

    serde::forward_to_deserialize_any! {
        bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string bytes byte_buf
        option unit unit_struct newtype_struct seq tuple tuple_struct map enum identifier ignored_any
    }
}

/// Deserializes an enum from its wire string only (serde's derive also takes `{"VALUE": null}`).
pub fn enum_from_str<'de, D: Deserializer<'de>, T>(
    d: D,
    values: &'static [&'static str],
    pick: impl Fn(&str) -> Option<T>,
) -> Result<T, D::Error> {
    let s = <std::borrow::Cow<'de, str>>::deserialize(d)?;
    pick(&s).ok_or_else(|| D::Error::unknown_variant(&s, values))
}

/// Forwards the trait impls of a type derived with `#[serde(remote = "Self")]`
/// to its inherent functions, deserializing through [`MapOnly`].
#[macro_export]
#[doc(hidden)]
macro_rules! __object_serde {
    ($ty:ty) => {
        impl ::serde::Serialize for $ty {
            fn serialize<S: ::serde::Serializer>(
                &self,
                s: S,
            ) -> ::core::result::Result<S::Ok, S::Error> {
                <$ty>::serialize(self, s)
            }
        }
        impl<'de> ::serde::Deserialize<'de> for $ty {
            fn deserialize<D: ::serde::Deserializer<'de>>(
                d: D,
            ) -> ::core::result::Result<Self, D::Error> {
                <$ty>::deserialize($crate::__private::MapOnly(d))
            }
        }
    };
}

/// `prefix.name`, or `name` at the top: the path the generated visitors pass
/// down, built on the stack when it fits (validation visits every valid body).
pub fn join(prefix: &str, name: &str) -> Joined {
    let len = if prefix.is_empty() {
        name.len()
    } else {
        prefix.len() + 1 + name.len()
    };
    if len > JOINED_INLINE {
        return Joined::Heap(if prefix.is_empty() {
            name.to_owned()
        } else {
            format!("{prefix}.{name}")
        });
    }
    let mut buf = [0u8; JOINED_INLINE];
    let mut at = 0;
    for part in [prefix, if prefix.is_empty() { "" } else { "." }, name] {
        buf[at..at + part.len()].copy_from_slice(part.as_bytes());
        at += part.len();
    }
    Joined::Inline(buf, at)
}

const JOINED_INLINE: usize = 96;

/// A path from [`join`]; derefs to `str`.
#[derive(Debug)]
pub enum Joined {
    Inline([u8; JOINED_INLINE], usize),
    Heap(String),
}

impl std::fmt::Display for Joined {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self)
    }
}

impl std::ops::Deref for Joined {
    type Target = str;
    fn deref(&self) -> &str {
        match self {
            // Whole `&str`s were copied in: always UTF-8.
            Self::Inline(buf, len) => std::str::from_utf8(&buf[..*len]).unwrap_or_default(),
            Self::Heap(s) => s,
        }
    }
}
