//! A preview of the sentence Alexa speaks for an event.
//!
//! **Amazon owns the real wording.** Alexa composes the notification from the event
//! itself, in the user's language, and may phrase it differently from what this module
//! returns. This is a preview for people writing events: it shows which fields end up in
//! the sentence and how localized attributes resolve, so mistakes (a wrong status, a
//! missing attribute for a locale) are visible before anything is sent.
//!
//! The sentence comes from the event's templates in `schemas/*.yaml` (reachable as
//! [`EventSchema::templates`]): the first template whose conditions hold is filled in from
//! the payload, read as JSON by the dotted paths of the metadata. The templates are
//! English for every locale; only the `localizedattribute:<key>` values change with the
//! locale. Enum values are spoken with their `spoken` forms, lists of them joined
//! "a, b and c", integers as digits, date-times as English dates in UTC ("May 3, 2024";
//! Alexa uses the user's time zone, which a request does not carry).

use crate::schema::{Condition, EventSchema, FieldShape, Part, Shape, Template};
use crate::{EventSet, LOCALIZED_ATTRIBUTE_PREFIX, LocalizedAttributes, ProactiveEventRequest};
use serde_json::Value;
use std::collections::HashMap;
use std::fmt;

/// Why no sentence could be rendered. Every variant names what is missing.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum PreviewError {
    /// The bytes are not a request body (JSON syntax or structure).
    Body(String),
    /// `localizedAttributes` has no entry for the requested locale.
    NoLocaleEntry {
        /// The locale asked for.
        locale: String,
        /// The locales the request has entries for.
        available: Vec<String>,
    },
    /// The locale's entry has no value for a key the payload references.
    MissingAttribute {
        /// The attribute key.
        key: String,
        /// The locale whose entry lacks it.
        locale: String,
        /// The dotted payload path holding `localizedattribute:<key>`.
        path: String,
    },
    /// The payload cannot be read as JSON (e.g. an unbuilt per-locale text).
    Payload(String),
    /// No template of the event applies (a schema without a fallback entry).
    NoTemplate {
        /// The event's name.
        event: &'static str,
    },
    /// A value at a template's path does not have the shape the schema describes.
    Value {
        /// The event's name.
        event: &'static str,
        /// The dotted payload path.
        path: String,
        /// What is wrong with the value.
        reason: String,
    },
}

impl fmt::Display for PreviewError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Body(why) => write!(f, "not a proactive-event request body: {why}"),
            Self::NoLocaleEntry { locale, available } if available.is_empty() => write!(
                f,
                "no localizedAttributes entry for locale {locale} (the request has none)"
            ),
            Self::NoLocaleEntry { locale, available } => {
                // A body can hold 100,000 entries: name a few, count the rest.
                let shown = available.len().min(MAX_LOCALES_SHOWN);
                write!(
                    f,
                    "no localizedAttributes entry for locale {locale} (the request has {}",
                    available[..shown].join(", ")
                )?;
                if shown < available.len() {
                    write!(f, " and {} more", available.len() - shown)?;
                }
                f.write_str(")")
            }
            Self::MissingAttribute { key, locale, path } => write!(
                f,
                "no value for `{key}` in locale {locale} (referenced by {path} as {LOCALIZED_ATTRIBUTE_PREFIX}{key})"
            ),
            Self::Payload(why) => write!(f, "the payload cannot be read: {why}"),
            Self::NoTemplate { event } => {
                write!(f, "no template of {event} applies to this payload")
            }
            Self::Value {
                event,
                path,
                reason,
            } => write!(f, "{event}: {path}: {reason}"),
        }
    }
}

impl std::error::Error for PreviewError {}

/// The language of the templates: every preview sentence is worded in it.
pub const WORDING_LANGUAGE: &str = "en";

/// What a preview must say beside a sentence for `locale` when the locale's language
/// is not [`WORDING_LANGUAGE`] (`de-DE`, `fr-FR`): the sentence is English, and Alexa
/// speaks that locale in Amazon's own words, which no source states, so none is
/// guessed. `None` for an English locale.
pub fn wording_note(locale: &str) -> Option<String> {
    let language = locale.split(['-', '_']).next().unwrap_or(locale);
    (!language.eq_ignore_ascii_case(WORDING_LANGUAGE)).then(|| {
        format!(
            "English wording: Alexa speaks {locale} in Amazon's own words, which no source gives"
        )
    })
}

/// How many of the available locales a [`PreviewError::NoLocaleEntry`] names.
const MAX_LOCALES_SHOWN: usize = 10;

impl<E: EventSet> ProactiveEventRequest<E> {
    /// The sentence Alexa will say for this event in `locale`: a preview, since
    /// Amazon owns the real wording. See [`preview`].
    pub fn preview(&self, locale: &str) -> Result<String, PreviewError> {
        preview(self, locale)
    }
}

/// Renders the sentence for `request` in `locale` (matched case-insensitively against
/// the request's `localizedAttributes` entries, which must include it).
///
/// This is a preview of the notification Alexa speaks: Amazon owns the real wording,
/// which may differ (and is spoken in the user's language and time zone). The template
/// is the first of the event's schema templates whose conditions hold.
///
/// `request.preview("en-US")` on a weather alert whose `source` is "Example
/// Weather Corp" gives "There is a snow storm alert for your area. Provided by
/// Example Weather Corp." (the facade crate's tests pin this sentence).
pub fn preview<E: EventSet>(
    request: &ProactiveEventRequest<E>,
    locale: &str,
) -> Result<String, PreviewError> {
    let attributes = request
        .localized_attributes
        .iter()
        .find(|a| a.locale.as_str().eq_ignore_ascii_case(locale))
        .ok_or_else(|| PreviewError::NoLocaleEntry {
            locale: locale.to_owned(),
            available: request
                .localized_attributes
                .iter()
                .map(|a| a.locale.to_string())
                .collect(),
        })?;
    let schema = request.event.schema();
    let event = event_json(request)?;
    render(schema, &event, attributes)
}

/// The sentence for each `localizedAttributes` entry, in order: what [`preview`]
/// returns for the entry's locale (so a repeated locale reads the first entry
/// of that locale), with the payload read once and each locale looked up in a
/// map, so that a body of 100,000 entries costs 100,000 sentences and no more.
pub fn each_locale<E: EventSet>(
    request: &ProactiveEventRequest<E>,
) -> impl Iterator<Item = (&str, Result<String, PreviewError>)> {
    let schema = request.event.schema();
    let event = event_json(request);
    let entries = &request.localized_attributes;
    let mut first: HashMap<String, usize> = HashMap::new();
    for (i, entry) in entries.iter().enumerate() {
        first
            .entry(entry.locale.as_str().to_ascii_lowercase())
            .or_insert(i);
    }
    entries.iter().map(move |entry| {
        let locale = entry.locale.as_str();
        let attributes = first
            .get(&locale.to_ascii_lowercase())
            .map_or(entry, |&i| &entries[i]);
        let sentence = match &event {
            Ok(event) => render(schema, event, attributes),
            Err(e) => Err(e.clone()),
        };
        (locale, sentence)
    })
}

/// The event as JSON (`{"name": …, "payload": …}`), which templates read by path.
fn event_json<E: EventSet>(request: &ProactiveEventRequest<E>) -> Result<Value, PreviewError> {
    serde_json::to_value(&request.event).map_err(|e| PreviewError::Payload(e.to_string()))
}

/// The first applicable template of `schema`, filled from `event`'s payload.
fn render(
    schema: &'static EventSchema,
    event: &Value,
    attributes: &LocalizedAttributes,
) -> Result<String, PreviewError> {
    let payload = event.get("payload").unwrap_or(&Value::Null);
    let template = schema
        .templates
        .iter()
        .find(|t| applies(t, payload))
        .ok_or(PreviewError::NoTemplate { event: schema.name })?;
    Renderer {
        schema,
        payload,
        attributes,
    }
    .render(template)
}

/// Previews a raw request body: in `locale` when given, else in every locale of its
/// `localizedAttributes`, in their order. Returns `(locale, sentence)` pairs.
pub fn preview_json<E: EventSet>(
    bytes: &[u8],
    locale: Option<&str>,
) -> Result<Vec<(String, String)>, PreviewError> {
    let request: ProactiveEventRequest<E> =
        serde_json::from_slice(bytes).map_err(|e| PreviewError::Body(e.to_string()))?;
    match locale {
        Some(locale) => Ok(vec![(locale.to_owned(), preview(&request, locale)?)]),
        None => each_locale(&request)
            .map(|(locale, sentence)| sentence.map(|s| (locale.to_owned(), s)))
            .collect(),
    }
}

fn applies(template: &Template, payload: &Value) -> bool {
    template.when.iter().all(|c| match c {
        Condition::Present { path, present } => lookup(payload, path).is_some() == *present,
        Condition::Equals { path, value } => {
            lookup(payload, path).and_then(Value::as_str) == Some(*value)
        }
    })
}

/// The value at a dotted path; absent fields (and nulls) are `None`.
fn lookup<'a>(payload: &'a Value, path: &str) -> Option<&'a Value> {
    path.split('.')
        .try_fold(payload, |v, step| v.get(step))
        .filter(|v| !v.is_null())
}

struct Renderer<'a> {
    schema: &'static EventSchema,
    payload: &'a Value,
    attributes: &'a LocalizedAttributes,
}

impl Renderer<'_> {
    fn render(&self, template: &Template) -> Result<String, PreviewError> {
        let mut out = String::new();
        // Set when an absent field dropped the space before it: the next text gets
        // one back unless it starts with a space or punctuation.
        let mut dropped_space = false;
        for part in template.parts {
            let piece = match part {
                Part::Text(text) => (*text).to_owned(),
                Part::Field(path) => self.field(path, out.trim().is_empty())?,
                Part::Plural { path, one, other } => self.plural(path, one, other)?,
            };
            if piece.is_empty() {
                let kept = out.trim_end().len();
                dropped_space |= kept < out.len();
                out.truncate(kept);
                continue;
            }
            if dropped_space
                && !out.is_empty()
                && !piece.starts_with(|c: char| c.is_whitespace() || is_punctuation(c))
            {
                out.push(' ');
            }
            dropped_space = false;
            out.push_str(&piece);
        }
        // One line, single spaces: values may hold newlines or runs of spaces.
        Ok(out.split_whitespace().collect::<Vec<_>>().join(" "))
    }

    fn shape(&self, path: &str) -> Result<&'static FieldShape, PreviewError> {
        self.schema.field(path).ok_or_else(|| PreviewError::Value {
            event: self.schema.name,
            path: path.to_owned(),
            reason: "the template names a field the schema does not have".to_owned(),
        })
    }

    fn error(&self, path: &str, reason: impl Into<String>) -> PreviewError {
        PreviewError::Value {
            event: self.schema.name,
            path: path.to_owned(),
            reason: reason.into(),
        }
    }

    /// The words for the field at `path`; empty when it is absent.
    fn field(&self, path: &str, sentence_start: bool) -> Result<String, PreviewError> {
        let field = self.shape(path)?;
        let Some(value) = lookup(self.payload, path) else {
            return Ok(String::new());
        };
        let words = match &field.shape {
            Shape::String => {
                let text = value
                    .as_str()
                    .ok_or_else(|| self.error(path, "expected a string"))?;
                if field.localizable {
                    self.resolve(path, text)?
                } else {
                    text.to_owned()
                }
            }
            Shape::Array { items, .. } => {
                let words = value
                    .as_array()
                    .ok_or_else(|| self.error(path, "expected an array"))?
                    .iter()
                    .enumerate()
                    .map(|(i, item)| self.scalar(&format!("{path}[{i}]"), items, item))
                    .collect::<Result<Vec<_>, _>>()?;
                join_list(&words)
            }
            shape => self.scalar(path, shape, value)?,
        };
        // A sentence opening with an enum's spoken form still starts with a capital;
        // user-written values keep their case ("iPhone").
        if sentence_start && matches!(field.shape, Shape::Enum(_)) {
            return Ok(capitalize(&words));
        }
        Ok(words)
    }

    fn scalar(&self, path: &str, shape: &Shape, value: &Value) -> Result<String, PreviewError> {
        match shape {
            Shape::String => value
                .as_str()
                .map(str::to_owned)
                .ok_or_else(|| self.error(path, "expected a string")),
            Shape::Integer { .. } => value
                .as_i64()
                .map(|n| n.to_string())
                .ok_or_else(|| self.error(path, "expected an integer")),
            Shape::Boolean => value
                .as_bool()
                .map(|b| if b { "yes" } else { "no" }.to_owned())
                .ok_or_else(|| self.error(path, "expected a boolean")),
            Shape::DateTime => {
                let text = value
                    .as_str()
                    .ok_or_else(|| self.error(path, "expected a date-time string"))?;
                let instant: jiff::Timestamp = text
                    .parse()
                    .map_err(|e| self.error(path, format!("`{text}` is not a date-time: {e}")))?;
                jiff::fmt::strtime::format("%B %-d, %Y", instant).map_err(|e| {
                    self.error(path, format!("`{text}` cannot be spoken as a date: {e}"))
                })
            }
            Shape::Enum(e) => {
                let text = value
                    .as_str()
                    .ok_or_else(|| self.error(path, "expected an enum value (a string)"))?;
                e.values
                    .iter()
                    .find(|v| v.value == text)
                    .map(|v| v.spoken.to_owned())
                    .ok_or_else(|| {
                        self.error(path, format!("`{text}` is not a value of {}", e.name))
                    })
            }
            Shape::Object(_) | Shape::Array { .. } => Err(self.error(
                path,
                "the template names an object or a nested list, which has no spoken form",
            )),
        }
    }

    fn plural(&self, path: &str, one: &str, other: &str) -> Result<String, PreviewError> {
        match lookup(self.payload, path) {
            None => Ok(String::new()),
            Some(v) => match v.as_i64() {
                Some(1) => Ok(one.to_owned()),
                Some(_) => Ok(other.to_owned()),
                None => Err(self.error(path, "a plural placeholder needs an integer")),
            },
        }
    }

    /// A localizable string: a `localizedattribute:<key>` reference becomes the
    /// locale's value; literal text stays as written.
    fn resolve(&self, path: &str, text: &str) -> Result<String, PreviewError> {
        let Some(key) = text.strip_prefix(LOCALIZED_ATTRIBUTE_PREFIX) else {
            return Ok(text.to_owned());
        };
        self.attributes
            .values
            .get(key)
            .cloned()
            .ok_or_else(|| PreviewError::MissingAttribute {
                key: key.to_owned(),
                locale: self.attributes.locale.to_string(),
                path: path.to_owned(),
            })
    }
}

fn is_punctuation(c: char) -> bool {
    matches!(c, '.' | ',' | '!' | '?' | ';' | ':')
}

/// "a", "a and b", "a, b and c".
fn join_list(words: &[String]) -> String {
    match words {
        [] => String::new(),
        [only] => only.clone(),
        [init @ .., last] => format!("{} and {last}", init.join(", ")),
    }
}

fn capitalize(words: &str) -> String {
    let mut chars = words.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Locale;
    use crate::schema::{EnumShape, EnumValue, ObjectShape};
    use serde_json::json;

    // A schema the real ones do not exercise: an enum opening the sentence and
    // optional fields next to text without spaces.
    static KIND: EnumShape = EnumShape {
        name: "Kind",
        values: &[EnumValue {
            value: "SNOW_STORM",
            spoken: "snow storm",
            description: None,
        }],
    };
    static PAYLOAD: ObjectShape = ObjectShape {
        name: "Test",
        fields: &[
            FieldShape {
                name: "kind",
                required: false,
                localizable: false,
                description: "",
                shape: Shape::Enum(&KIND),
            },
            FieldShape {
                name: "name",
                required: false,
                localizable: false,
                description: "",
                shape: Shape::String,
            },
        ],
    };
    static SCHEMA: EventSchema = EventSchema {
        name: "TEST.Event",
        description: "",
        locales: None,
        payload: &PAYLOAD,
        localizable_paths: &[],
        templates: &[Template {
            when: &[],
            text: "{kind} ahead {name}({name}), {name} now {kind}.",
            parts: &[
                Part::Field("kind"),
                Part::Text(" ahead "),
                Part::Field("name"),
                Part::Text("("),
                Part::Field("name"),
                Part::Text("), "),
                Part::Field("name"),
                Part::Text(" now "),
                Part::Field("kind"),
                Part::Text("."),
            ],
        }],
        example: r#"{"kind": "SNOW_STORM"}"#,
    };

    fn render(payload: serde_json::Value) -> Result<String, PreviewError> {
        let attributes = LocalizedAttributes::new(Locale::new("en-US").expect("valid tag"));
        Renderer {
            schema: &SCHEMA,
            payload: &payload,
            attributes: &attributes,
        }
        .render(&SCHEMA.templates[0])
    }

    #[test]
    fn an_enum_opening_the_sentence_is_capitalized() {
        assert_eq!(
            render(json!({"kind": "SNOW_STORM", "name": "x"})),
            Ok("Snow storm ahead x(x), x now snow storm.".to_owned())
        );
    }

    #[test]
    fn absent_fields_leave_single_spaces_and_no_space_before_punctuation() {
        assert_eq!(render(json!({})), Ok("ahead (), now.".to_owned()));
        assert_eq!(
            render(json!({"name": "line\nbreak"})),
            Ok("ahead line break(line break), line break now.".to_owned())
        );
    }

    #[test]
    fn a_value_of_the_wrong_shape_is_an_error_naming_the_path() {
        let err = render(json!({"kind": "HAIL"})).expect_err("not a Kind");
        assert_eq!(
            err.to_string(),
            "TEST.Event: kind: `HAIL` is not a value of Kind"
        );
        let err = render(json!({"name": 3})).expect_err("not a string");
        assert_eq!(err.to_string(), "TEST.Event: name: expected a string");
    }

    #[test]
    fn lists_join_with_commas_and_and() {
        let words = |n: usize| {
            join_list(
                &["a", "b", "c"][..n]
                    .iter()
                    .map(|s| (*s).to_owned())
                    .collect::<Vec<_>>(),
            )
        };
        assert_eq!(words(0), "");
        assert_eq!(words(1), "a");
        assert_eq!(words(2), "a and b");
        assert_eq!(words(3), "a, b and c");
    }
}
