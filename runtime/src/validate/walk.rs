//! The slow path: a walk over a JSON tree that collects every violation with its
//! pointer. The envelope rules are written here; the payload rules are driven by
//! the generated schema metadata (`EventSchema::payload`), so they follow the same
//! YAML as the generated types and JSON Schemas. The pointer is one buffer,
//! pushed and truncated; strings are built only to report.

use super::Catalog;
use super::json::{Integral, Json};
use super::{Options, Rule, Violation, cross};
use crate::schema::{EventSchema, IntWidth, ObjectShape, Shape};
use crate::text::LOCALIZED_ATTRIBUTE_PREFIX;
use crate::{DateTime, Locale, ReferenceId};
use std::fmt::Write;

const ENVELOPE_FIELDS: &[&str] = &[
    "timestamp",
    "referenceId",
    "expiryTime",
    "event",
    "localizedAttributes",
    "relevantAudience",
];

/// Which family of rule ids a generic check reports under.
#[derive(Clone, Copy)]
enum Family {
    Envelope,
    Payload,
}

impl Family {
    fn required(self) -> Rule {
        match self {
            Self::Envelope => Rule::EnvRequired,
            Self::Payload => Rule::PayloadRequired,
        }
    }
    fn null(self) -> Rule {
        match self {
            Self::Envelope => Rule::EnvNull,
            Self::Payload => Rule::PayloadNull,
        }
    }
    fn type_(self) -> Rule {
        match self {
            Self::Envelope => Rule::EnvType,
            Self::Payload => Rule::PayloadType,
        }
    }
}

/// Walks a whole request body.
pub(super) fn walk<J: Json>(body: &J, options: &Options, catalog: Catalog) -> Vec<Violation> {
    let mut w = Walker::new(String::with_capacity(128), catalog);
    w.request(body, options);
    w.out
}

/// Walks one payload object against a shape, pointers under `/event/payload`.
pub(super) fn walk_payload<J: Json>(shape: &'static ObjectShape, payload: &J) -> Vec<Violation> {
    let mut ptr = String::with_capacity(128);
    ptr.push_str("/event/payload");
    let mut w = Walker::new(ptr, Catalog::EMPTY);
    w.object(shape, payload);
    w.out
}

struct Walker<'v> {
    out: Vec<Violation>,
    /// The pointer of the value being checked.
    ptr: String,
    /// `localizedattribute:<key>` uses: (pointer, key), in payload order.
    references: Vec<(String, &'v str)>,
    /// The events a body may name.
    catalog: Catalog,
}

fn push_segment(ptr: &mut String, segment: &str) {
    ptr.push('/');
    if segment.bytes().any(|b| b == b'~' || b == b'/') {
        ptr.push_str(&super::escape_pointer(segment));
    } else {
        ptr.push_str(segment);
    }
}

impl<'v> Walker<'v> {
    fn new(ptr: String, catalog: Catalog) -> Self {
        Self {
            out: Vec::new(),
            ptr,
            references: Vec::new(),
            catalog,
        }
    }

    fn error(&mut self, rule: Rule, message: impl Into<String>) {
        self.out
            .push(Violation::error(rule, self.ptr.clone(), message.into()));
    }

    /// Runs `f` with the pointer extended by `segment`.
    fn at<R>(&mut self, segment: &str, f: impl FnOnce(&mut Self) -> R) -> R {
        let len = self.ptr.len();
        push_segment(&mut self.ptr, segment);
        let r = f(self);
        self.ptr.truncate(len);
        r
    }

    /// Runs `f` with the pointer extended by an array index.
    fn at_index<R>(&mut self, index: usize, f: impl FnOnce(&mut Self) -> R) -> R {
        let len = self.ptr.len();
        let _ = write!(self.ptr, "/{index}");
        let r = f(self);
        self.ptr.truncate(len);
        r
    }

    /// A member that must be present and not null.
    fn member<J: Json>(
        &mut self,
        object: &'v J,
        name: &str,
        family: Family,
        what: &str,
    ) -> Option<&'v J> {
        match object.get(name) {
            Some(v) if !v.is_null() => Some(v),
            Some(_) => {
                self.at(name, |w| {
                    w.error(
                        family.null(),
                        format!("`{name}` is null; Amazon accepts no nulls, give a value or leave an optional field out"),
                    );
                });
                None
            }
            None => {
                self.at(name, |w| {
                    w.error(
                        family.required(),
                        format!("`{name}` is missing; {what} requires it"),
                    );
                });
                None
            }
        }
    }

    /// Reports every key that `known` does not list, and every repeated key.
    /// `known` gives a known name's index among the object's fields.
    fn unknown_fields<J: Json>(
        &mut self,
        object: &J,
        known: &dyn Fn(&str) -> Option<usize>,
        names: &dyn Fn() -> Vec<&'static str>,
        rule: Rule,
        what: &str,
    ) {
        // The known names seen so far, by index: a bit each (shapes have far
        // fewer than 128 fields), so that a repeat is found without scanning
        // the members before it (a hostile object holds 100,000 members).
        let mut seen = 0u128;
        let mut seen_past_128: Vec<usize> = Vec::new();
        for (key, _) in object.members() {
            let Some(index) = known(key) else {
                let message = format!(
                    "unknown field `{key}`; {what} has only {}",
                    names()
                        .iter()
                        .map(|k| format!("`{k}`"))
                        .collect::<Vec<_>>()
                        .join(", ")
                );
                self.at(key, |w| w.error(rule, message));
                continue;
            };
            let repeat = match u32::try_from(index).ok().and_then(|i| 1u128.checked_shl(i)) {
                Some(bit) => {
                    let repeat = seen & bit != 0;
                    seen |= bit;
                    repeat
                }
                None if seen_past_128.contains(&index) => true,
                None => {
                    seen_past_128.push(index);
                    false
                }
            };
            if repeat {
                self.at(key, |w| {
                    w.error(
                        Rule::JsonDuplicateKey,
                        super::json::duplicate_key_message(key),
                    );
                });
            }
        }
    }

    fn fixed_fields<J: Json>(&mut self, object: &J, fields: &'static [&'static str], what: &str) {
        self.unknown_fields(
            object,
            &|k| fields.iter().position(|f| *f == k),
            &|| fields.to_vec(),
            Rule::EnvUnknownField,
            what,
        );
    }

    fn request<J: Json>(&mut self, body: &'v J, options: &Options) {
        if !body.is_object() {
            self.error(
                Rule::EnvType,
                format!(
                    "the request body must be a JSON object, not {}",
                    body.kind()
                ),
            );
            return;
        }
        let envelope = "the request";
        let timestamp = self
            .member(body, "timestamp", Family::Envelope, envelope)
            .and_then(|v| {
                self.at("timestamp", |w| {
                    w.date_time(v, Family::Envelope, Rule::EnvTimestampIso8601)
                })
            });
        if let Some(v) = self.member(body, "referenceId", Family::Envelope, envelope) {
            self.at("referenceId", |w| w.reference_id(v));
        }
        let expiry = self
            .member(body, "expiryTime", Family::Envelope, envelope)
            .and_then(|v| {
                self.at("expiryTime", |w| {
                    w.date_time(v, Family::Envelope, Rule::EnvExpiryIso8601)
                })
            });
        let schema = self
            .member(body, "event", Family::Envelope, envelope)
            .and_then(|v| self.at("event", |w| w.event(v)));
        let entries = self
            .member(body, "localizedAttributes", Family::Envelope, envelope)
            .map(|v| self.at("localizedAttributes", |w| w.localized_attributes(v)))
            .unwrap_or_default();
        if let Some(v) = self.member(body, "relevantAudience", Family::Envelope, envelope) {
            self.at("relevantAudience", |w| w.audience(v));
        }
        self.fixed_fields(body, ENVELOPE_FIELDS, envelope);

        // Cross-field rules, on whatever parts are well formed.
        if let (Some(t), Some(e)) = (timestamp, expiry) {
            cross::expiry_window(t, e, options, &mut self.out);
        }
        let locale =
            |i: usize| -> Option<&'v str> { entries[i].and_then(|e| e.get("locale")?.as_str()) };
        cross::locales(
            entries.len(),
            locale,
            schema,
            self.catalog.alexa_locales,
            &mut self.out,
        );
        let has_key = |i: usize, key: &str| {
            key != "locale" && entries[i].is_some_and(|e| e.get(key).is_some())
        };
        let mut checked = std::collections::HashSet::new();
        for (pointer, key) in std::mem::take(&mut self.references) {
            cross::key_defined(
                key,
                &|| pointer.clone(),
                entries.len(),
                &has_key,
                &locale,
                &mut checked,
                &mut self.out,
            );
        }
    }

    fn date_time<J: Json>(&mut self, v: &J, family: Family, rule: Rule) -> Option<DateTime> {
        let Some(s) = v.as_str() else {
            self.error(
                family.type_(),
                format!(
                    "expected a date-time string like 2024-05-01T10:00:00Z, found {}",
                    v.kind()
                ),
            );
            return None;
        };
        match crate::__private::datetime::parse(s) {
            Ok(t) => Some(t),
            Err(e) => {
                self.error(rule, e);
                None
            }
        }
    }

    fn reference_id<J: Json>(&mut self, v: &J) {
        let Some(s) = v.as_str() else {
            self.error(
                Rule::EnvType,
                format!("referenceId must be a string, not {}", v.kind()),
            );
            return;
        };
        if let Err(e) = ReferenceId::new(s) {
            self.error(e.rule(), e.to_string());
        }
    }

    /// Returns the event's schema when its name is known.
    fn event<J: Json>(&mut self, v: &'v J) -> Option<&'static EventSchema> {
        if !v.is_object() {
            self.error(
                Rule::EnvType,
                format!(
                    "event must be an object {{\"name\": …, \"payload\": …}}, not {}",
                    v.kind()
                ),
            );
            return None;
        }
        let what = "an event";
        let schema = self
            .member(v, "name", Family::Envelope, what)
            .and_then(|name| {
                self.at("name", |w| match name.as_str() {
                    Some(s) => {
                        let schema = (w.catalog.schema)(s);
                        if schema.is_none() {
                            w.error(
                                Rule::EnvEventName,
                                format!(
                                    "`{s}` is not an event schema; use one of {}",
                                    w.catalog.names.join(", ")
                                ),
                            );
                        }
                        schema
                    }
                    None => {
                        w.error(
                            Rule::EnvType,
                            format!("event.name must be a string, not {}", name.kind()),
                        );
                        None
                    }
                })
            });
        let payload = self.member(v, "payload", Family::Envelope, what);
        if let (Some(schema), Some(payload)) = (schema, payload) {
            self.at("payload", |w| w.object(schema.payload, payload));
        }
        self.fixed_fields(v, &["name", "payload"], what);
        schema
    }

    /// The entries by index, `None` where an entry is not an object (reported).
    fn localized_attributes<J: Json>(&mut self, v: &'v J) -> Vec<Option<&'v J>> {
        let Some(items) = v.as_array() else {
            self.error(
                Rule::EnvType,
                format!(
                    "localizedAttributes must be an array of {{\"locale\": …}} entries, not {}",
                    v.kind()
                ),
            );
            return Vec::new();
        };
        if items.is_empty() {
            self.error(
                Rule::LocEmpty,
                "localizedAttributes needs at least one entry, e.g. [{\"locale\": \"en-US\"}]",
            );
        }
        let mut entries = Vec::with_capacity(items.len());
        for (i, item) in items.iter().enumerate() {
            entries.push(self.at_index(i, |w| w.localized_entry(item)));
        }
        entries
    }

    fn localized_entry<J: Json>(&mut self, item: &'v J) -> Option<&'v J> {
        if item.is_null() {
            self.error(Rule::EnvNull, "a localizedAttributes entry is null");
            return None;
        }
        if !item.is_object() {
            self.error(
                Rule::EnvType,
                format!(
                    "a localizedAttributes entry must be an object, not {}",
                    item.kind()
                ),
            );
            return None;
        }
        if let Some(locale) = self.member(
            item,
            "locale",
            Family::Envelope,
            "a localizedAttributes entry",
        ) {
            self.at("locale", |w| match locale.as_str() {
                Some(s) => {
                    if oxilangtag::LanguageTag::parse(s).is_err()
                        && let Err(e) = Locale::new(s)
                    {
                        w.error(Rule::LocLocaleBcp47, e.to_string());
                    }
                }
                None => w.error(
                    Rule::EnvType,
                    format!("locale must be a string like en-US, not {}", locale.kind()),
                ),
            });
        }
        // Repeated keys (`locale` or an attribute key): the second and later
        // occurrences, scanned when few, else through a set.
        let many = item.members().nth(super::json::SMALL).is_some();
        let mut seen = std::collections::HashSet::new();
        for (n, (key, _)) in item.members().enumerate() {
            let repeat = if many {
                !seen.insert(key)
            } else {
                item.members().take(n).any(|(k, _)| k == key)
            };
            if repeat {
                self.at(key, |w| {
                    w.error(
                        Rule::JsonDuplicateKey,
                        format!("`{key}` appears more than once in this localizedAttributes entry"),
                    );
                });
            }
        }
        for (key, value) in item.members() {
            if key != "locale" {
                match value.as_str() {
                    Some("") => self.at(key, |w| {
                        w.error(
                            Rule::LocValueEmpty,
                            format!("the text for `{key}` is empty; Amazon requires a value"),
                        );
                    }),
                    Some(_) => {}
                    None if value.is_null() => self.at(key, |w| {
                        w.error(
                            Rule::EnvNull,
                            format!("the text for `{key}` is null; Amazon accepts no nulls"),
                        );
                    }),
                    None => self.at(key, |w| {
                        w.error(
                            Rule::EnvType,
                            format!(
                                "the text for `{key}` must be a string, not {}",
                                value.kind()
                            ),
                        );
                    }),
                }
            }
        }
        Some(item)
    }

    fn audience<J: Json>(&mut self, v: &'v J) {
        if !v.is_object() {
            self.error(
                Rule::EnvType,
                format!(
                    "relevantAudience must be an object {{\"type\": …, \"payload\": …}}, not {}",
                    v.kind()
                ),
            );
            return;
        }
        let what = "relevantAudience";
        let audience = self
            .member(v, "type", Family::Envelope, what)
            .and_then(|t| {
                self.at("type", |w| match t.as_str() {
                    Some(s @ ("Unicast" | "Multicast")) => Some(s),
                    Some(s) => {
                        w.error(
                        Rule::EnvAudienceType,
                        format!(
                            "`{s}` is not an audience type; use Unicast or Multicast (exact case)"
                        ),
                    );
                        None
                    }
                    None => {
                        w.error(
                            Rule::EnvType,
                            format!("relevantAudience.type must be a string, not {}", t.kind()),
                        );
                        None
                    }
                })
            });
        if let Some(payload) = self.member(v, "payload", Family::Envelope, what) {
            self.at("payload", |w| w.audience_payload(audience, payload));
        }
        self.fixed_fields(v, &["type", "payload"], what);
    }

    fn audience_payload<J: Json>(&mut self, audience: Option<&str>, payload: &'v J) {
        if !payload.is_object() {
            self.error(
                Rule::EnvType,
                format!(
                    "relevantAudience.payload must be an object, not {}",
                    payload.kind()
                ),
            );
            return;
        }
        match audience {
            Some("Unicast") => {
                let user = payload.get("user");
                match user.map(|u| (u, u.as_str())) {
                    Some((_, Some(s))) if !s.is_empty() => {}
                    None => self.at("user", |w| {
                        w.error(
                            Rule::EnvUnicastUser,
                            "Unicast needs `user`: the userId (amzn1.ask.account.…) of the recipient",
                        );
                    }),
                    Some((_, Some(_))) => self.at("user", |w| {
                        w.error(
                            Rule::EnvUnicastUser,
                            "`user` is empty; Unicast needs the recipient's userId",
                        );
                    }),
                    Some((u, None)) if u.is_null() => self.at("user", |w| {
                        w.error(
                            Rule::EnvNull,
                            "`user` is null; Unicast needs the recipient's userId",
                        );
                    }),
                    Some((u, None)) => self.at("user", |w| {
                        w.error(
                            Rule::EnvType,
                            format!("`user` must be a string, not {}", u.kind()),
                        );
                    }),
                }
                self.fixed_fields(payload, &["user"], "a Unicast payload");
            }
            Some(_) => {
                let keys: Vec<&str> = payload.members().map(|(k, _)| k).collect();
                if !keys.is_empty() {
                    self.error(
                        Rule::EnvMulticastEmptyPayload,
                        format!(
                            "a Multicast payload must be {{}}; remove {}",
                            keys.join(", ")
                        ),
                    );
                }
            }
            None => {}
        }
    }

    // ---- payload, driven by the schema metadata ----

    fn object<J: Json>(&mut self, shape: &'static ObjectShape, v: &'v J) {
        if !v.is_object() {
            self.error(
                Rule::PayloadType,
                format!("expected an object ({}), found {}", shape.name, v.kind()),
            );
            return;
        }
        for field in shape.fields {
            match v.get(field.name) {
                None if field.required => self.at(field.name, |w| {
                    w.error(
                        Rule::PayloadRequired,
                        format!("`{}` is missing; {} requires it", field.name, shape.name),
                    );
                }),
                None => {}
                Some(value) if value.is_null() => self.at(field.name, |w| {
                    w.error(
                        Rule::PayloadNull,
                        format!(
                            "`{}` is null; Amazon accepts no nulls, give a value{}",
                            field.name,
                            if field.required {
                                ""
                            } else {
                                " or leave the field out"
                            }
                        ),
                    );
                }),
                Some(value) => self.at(field.name, |w| {
                    w.value(field.name, field.localizable, &field.shape, value);
                }),
            }
        }
        self.unknown_fields(
            v,
            &|k| shape.fields.iter().position(|f| f.name == k),
            &|| shape.fields.iter().map(|f| f.name).collect(),
            Rule::PayloadUnknownField,
            shape.name,
        );
    }

    fn value<J: Json>(&mut self, name: &str, localizable: bool, shape: &'static Shape, v: &'v J) {
        match shape {
            Shape::String => self.string(name, localizable, v),
            Shape::Integer {
                minimum,
                maximum,
                width,
            } => self.integer(*minimum, *maximum, *width, v),
            Shape::Boolean => {
                if v.as_bool().is_none() {
                    self.error(
                        Rule::PayloadType,
                        format!("expected true or false, found {}", v.kind()),
                    );
                }
            }
            Shape::DateTime => {
                self.date_time(v, Family::Payload, Rule::PayloadDatetime);
            }
            Shape::Enum(e) => {
                let Some(s) = v.as_str() else {
                    self.error(
                        Rule::PayloadType,
                        format!("expected a string ({}), found {}", e.name, v.kind()),
                    );
                    return;
                };
                if !e.values.iter().any(|x| x.value == s) {
                    let allowed: Vec<&str> = e.values.iter().map(|x| x.value).collect();
                    self.error(
                        Rule::PayloadEnum,
                        format!("`{s}` is not a {}; allowed: {}", e.name, allowed.join(", ")),
                    );
                }
            }
            Shape::Object(o) => self.object(o, v),
            Shape::Array {
                items,
                min_items,
                max_items,
                unique,
            } => {
                let Some(list) = v.as_array() else {
                    self.error(
                        Rule::PayloadType,
                        format!("expected an array, found {}", v.kind()),
                    );
                    return;
                };
                let n = list.len() as u64;
                if let Some(min) = *min_items
                    && n < min
                {
                    self.error(
                        Rule::PayloadMinItems,
                        format!("{n} items; at least {min} required"),
                    );
                }
                // Past the maximum, the items are not checked: the excess is one
                // violation, not one per item (a 2 MB body holds 200,000 items),
                // and the typed parse stops there too.
                let mut list = list;
                if let Some(max) = *max_items
                    && n > max
                {
                    self.error(
                        Rule::PayloadMaxItems,
                        format!(
                            "{n} items; at most {max} allowed (the items after the first {max} are not checked)"
                        ),
                    );
                    // `max < n`, so it fits a usize.
                    list = &list[..usize::try_from(max).unwrap_or(list.len())];
                }
                let repeats = if *unique {
                    super::json::repeats(list)
                } else {
                    Vec::new()
                };
                let mut repeats = repeats.into_iter().peekable();
                for (i, item) in list.iter().enumerate() {
                    let repeat = repeats.next_if(|&(r, _)| r == i).map(|(_, j)| j);
                    self.at_index(i, |w| {
                        if item.is_null() {
                            w.error(
                                Rule::PayloadNull,
                                "an item is null; Amazon accepts no nulls",
                            );
                            return;
                        }
                        // Array items are never localizable (they are `PlainText`).
                        w.value(name, false, items, item);
                        if let Some(j) = repeat {
                            w.error(
                                Rule::PayloadUniqueItems,
                                format!("item {i} repeats item {j}; items must be distinct"),
                            );
                        }
                    });
                }
            }
        }
    }

    fn string<J: Json>(&mut self, name: &str, localizable: bool, v: &'v J) {
        let Some(s) = v.as_str() else {
            self.error(
                Rule::PayloadType,
                format!("expected a string, found {}", v.kind()),
            );
            return;
        };
        if s.is_empty() {
            self.error(
                Rule::PayloadEmptyString,
                "an empty string; Amazon requires a value",
            );
            return;
        }
        let Some(key) = s.strip_prefix(LOCALIZED_ATTRIBUTE_PREFIX) else {
            return;
        };
        if !localizable {
            self.error(
                Rule::LocNotLocalizable,
                format!(
                    "`{name}` is not localizable, so Alexa would not resolve `{s}`; write the text itself"
                ),
            );
        } else if key.is_empty() {
            self.error(
                Rule::LocReferenceKey,
                "`localizedattribute:` needs a key after the colon, e.g. localizedattribute:source",
            );
        } else {
            self.references.push((self.ptr.clone(), key));
        }
    }

    fn integer<J: Json>(
        &mut self,
        minimum: Option<i64>,
        maximum: Option<i64>,
        width: IntWidth,
        v: &J,
    ) {
        if !v.is_number() {
            self.error(
                Rule::PayloadType,
                format!("expected an integer, found {}", v.kind()),
            );
            return;
        }
        // An integer however written (`2.0`, `2e0`, `-0`), read exactly from
        // its text; messages quote the number as written (D27).
        let text = v.number_text().unwrap_or_default();
        let min = minimum.map_or(
            match width {
                IntWidth::I64 => i128::from(i64::MIN),
                IntWidth::U64 => 0,
            },
            i128::from,
        );
        // The walk accepts exactly what the generated field's type holds.
        let max = maximum.map_or(width.max(), i128::from);
        let value = match v.as_integer() {
            Some(value) => value,
            None => match super::json::integral(&text) {
                Integral::Exact(value) => value,
                Integral::Fraction => {
                    self.error(
                        Rule::PayloadType,
                        format!("expected an integer, found {text}"),
                    );
                    return;
                }
                Integral::Huge { negative: true } => {
                    self.error(
                        Rule::PayloadMinimum,
                        format!("{text} is less than the minimum {min}"),
                    );
                    return;
                }
                Integral::Huge { negative: false } => {
                    self.error(
                        Rule::PayloadMaximum,
                        format!("{text} is more than the maximum {max}"),
                    );
                    return;
                }
            },
        };
        if value < min {
            self.error(
                Rule::PayloadMinimum,
                format!("{text} is less than the minimum {min}"),
            );
        }
        if value > max {
            self.error(
                Rule::PayloadMaximum,
                format!("{text} is more than the maximum {max}"),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::json::Node;
    use super::*;
    use crate::schema::FieldShape;

    /// Repeats are found for every field of a shape, the 200th as well as the
    /// first (seen names are bits by index, with a list past 128 fields).
    #[test]
    fn repeats_of_any_field_are_found() {
        let fields: Vec<FieldShape> = (0..200)
            .map(|i| FieldShape {
                name: Box::leak(format!("f{i}").into_boxed_str()),
                required: false,
                localizable: false,
                description: "",
                shape: Shape::Boolean,
            })
            .collect();
        let shape: &'static ObjectShape = Box::leak(Box::new(ObjectShape {
            name: "Wide",
            fields: Box::leak(fields.into_boxed_slice()),
        }));
        let mut members: Vec<String> = (0..200).map(|i| format!("\"f{i}\": true")).collect();
        members.extend(
            [
                "\"f0\": true",
                "\"f150\": true",
                "\"x\": 1",
                "\"f150\": true",
            ]
            .map(String::from),
        );
        let text = format!("{{{}}}", members.join(", "));
        let node: Node<'_> = serde_json::from_str(&text).expect("JSON");
        let got: Vec<(Rule, String)> = walk_payload(shape, &node)
            .into_iter()
            .map(|v| (v.rule, v.pointer))
            .collect();
        let at = |name: &str| format!("/event/payload/{name}");
        assert_eq!(
            got,
            [
                (Rule::JsonDuplicateKey, at("f0")),
                (Rule::JsonDuplicateKey, at("f150")),
                (Rule::PayloadUnknownField, at("x")),
                (Rule::JsonDuplicateKey, at("f150")),
            ]
        );
    }
}
