//! JSON Schema (draft 2020-12): one self-contained file per event that validates a
//! whole request body, and one that accepts a request body of any event.
//!
//! The schemas are also written for type generators (quicktype, json-schema-to-typescript,
//! datamodel-code-generator; checked by tests/typegen): every definition lives under a
//! `$defs` key that is an identifier in every target language (no dots, unique across all
//! events) and carries that key as its `title`; nothing sits next to a `$ref` (a sibling
//! makes generators copy the type); the any-event schema picks the event with a `oneOf`
//! discriminated by `name`, and the audience is a `oneOf` of `Unicast` and `Multicast`.

use super::REGENERATE;
use crate::model::{Catalog, Event, Field, Ty, TypeDef, TypeId, TypeKind};
use alexa_proactive_events_runtime::LOCALIZED_ATTRIBUTE_PREFIX as LOCALIZED_PREFIX;
use alexa_proactive_events_runtime::envelope::{
    self, DATE_TIME_PATTERN, EXPIRY_MAX, EXPIRY_MIN, LOCALE_PATTERN, LOCALIZED_ATTRIBUTES_MIN,
    REFERENCE_ID_MAX_LEN, human_bound,
};
use serde_json::{Map, Value, json};

/// Base of every `$id`: an identifier, versioned with the crate, never fetched.
pub const ID_BASE: &str = "https://alexa-proactive-events.dev/schemas/0.1/";

/// The file name of the schema that accepts any event.
pub const ANY_EVENT_FILE: &str = "proactive-event.schema.json";

pub fn file_name(event: &Event) -> String {
    format!("{}.schema.json", event.name)
}

/// File name -> pretty JSON, for every event and the any-event schema.
pub fn emit(catalog: &Catalog) -> Vec<(String, String)> {
    let mut out: Vec<(String, String)> = catalog
        .events
        .iter()
        .map(|e| (file_name(e), event_text(e)))
        .collect();
    out.push((ANY_EVENT_FILE.to_owned(), any_event_text(catalog)));
    out
}

/// The file [`file_name`] of one event.
pub fn event_text(event: &Event) -> String {
    super::json_text(&event_schema(event))
}

/// The file [`ANY_EVENT_FILE`].
pub fn any_event_text(catalog: &Catalog) -> String {
    super::json_text(&any_event_schema(catalog))
}

/// The rules a JSON Schema cannot state, repeated in every envelope description.
fn unexpressible() -> String {
    format!(
        "Rules JSON Schema cannot express, checked by the alexa-proactive-events validator: \
expiryTime must be between timestamp + {} and timestamp + {} (both inclusive); \
every `localizedattribute:<key>` used in the payload must have `<key>` in every localizedAttributes entry; \
each locale appears in at most one localizedAttributes entry and is a valid BCP 47 tag.",
        long_bound(EXPIRY_MIN),
        long_bound(EXPIRY_MAX)
    )
}

/// What each type generator keeps of these schemas, as tests/typegen measures and asserts
/// it; repeated in every schema description and in the README.
pub const GENERATOR_GAPS: &str = "Generated types (checked by the project's tests/typegen): \
no generator keeps the rules above, `not: {pattern}` (a `localizedattribute:` reference in a non-localizable field) or uniqueItems. \
datamodel-code-generator (pydantic v2, with the README's flags) keeps everything else \
when bodies are read as the README says (model_validate_json(integral_floats_as_ints(body), strict=True)): \
its strict int alone rejects an integer written as 2.0 or 2e0. \
quicktype's TypeScript converter (with --no-date-times) also drops string lengths, patterns, date-time formats, number bounds, \
the integer-only rule and array sizes, and merges the classes of a oneOf (quicktype issue 493): \
it lets a Unicast without user or a Multicast with one through, \
and from the any-event schema a payload of the wrong event (use the per-event schemas with quicktype). \
json-schema-to-typescript emits types only, without these value rules.";

/// The `$defs` key and `title` of a type: the model's key without its dots
/// (`OrderStatusUpdated.State` -> `OrderStatusUpdatedState`), an identifier in every
/// language a generator targets. The model's keys are `<Root>` and `<Root>.<Type>` with
/// one root per event, so the keys stay unique across events.
pub fn def_name(t: &TypeDef) -> String {
    t.defs_key.replace('.', "")
}

/// The `$defs` key of an event's `{name, payload}` object.
fn event_def_name(event: &Event) -> String {
    format!("{}Event", def_name(event.root()))
}

fn def_ref(key: &str) -> Value {
    json!({ "$ref": format!("#/$defs/{key}") })
}

/// `5 minutes` / `24 hours`, as the schemas' prose writes a window bound.
fn long_bound(d: alexa_proactive_events_runtime::jiff::SignedDuration) -> String {
    human_bound(d)
        .replace(" min", " minutes")
        .replace(" h", " hours")
}

/// A full request body for one event.
pub fn event_schema(event: &Event) -> Value {
    let mut defs = Map::new();
    add_event_defs(event, &mut defs);
    add_envelope_defs(&mut defs);
    let event_ref = def_ref(&event_def_name(event));
    envelope(
        &file_name(event),
        &format!("{}Request", def_name(event.root())),
        &format!(
            "A Proactive Events API request body carrying a `{}` event: {} {} {GENERATOR_GAPS}",
            event.name,
            event.description,
            unexpressible()
        ),
        &event.source_file,
        event_ref,
        defs,
    )
}

/// A request body for any of the events.
pub fn any_event_schema(catalog: &Catalog) -> Value {
    let mut defs = Map::new();
    for e in &catalog.events {
        add_event_defs(e, &mut defs);
    }
    add_envelope_defs(&mut defs);
    let branches: Vec<Value> = catalog
        .events
        .iter()
        .map(|e| def_ref(&event_def_name(e)))
        .collect();
    // `discriminator` (OpenAPI; Ajv with `discriminator: true`) lets generators make a
    // tagged union; validators that do not know it still pick the one branch whose
    // `name` const matches.
    let event = json!({
        "title": "Event",
        "description": "The event: its `name` picks the schema its `payload` must follow.",
        "type": "object",
        "oneOf": branches,
        "discriminator": {"propertyName": "name"}
    });
    envelope(
        ANY_EVENT_FILE,
        "ProactiveEventRequest",
        &format!(
            "A Proactive Events API request body carrying any of the {} AMAZON.* events. {} {GENERATOR_GAPS}",
            catalog.events.len(),
            unexpressible()
        ),
        "schemas/*.yaml",
        event,
        defs,
    )
}

fn envelope(
    file: &str,
    title: &str,
    description: &str,
    source: &str,
    event: Value,
    defs: Map<String, Value>,
) -> Value {
    json!({
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": format!("{ID_BASE}{file}"),
        "$comment": format!("Generated by `{REGENERATE}` from {source}. Do not edit by hand."),
        "title": title,
        "description": description,
        "type": "object",
        "additionalProperties": false,
        "required": ["timestamp", "referenceId", "expiryTime", "event", "localizedAttributes", "relevantAudience"],
        "properties": {
            "timestamp": def_ref("Timestamp"),
            "referenceId": def_ref("ReferenceId"),
            "expiryTime": def_ref("Timestamp"),
            "event": event,
            "localizedAttributes": def_ref("LocalizedAttributes"),
            "relevantAudience": def_ref("RelevantAudience")
        },
        "$defs": defs
    })
}

/// The envelope's parts, shared by every event: `Timestamp`, `ReferenceId`,
/// `LocalizedAttributes` (+ `LocalizedAttributesEntry`) and `RelevantAudience`
/// (`Unicast` | `Multicast`, each with its payload).
fn add_envelope_defs(defs: &mut Map<String, Value>) {
    let mut add = |key: &str, mut v: Value| {
        if let Some(o) = v.as_object_mut() {
            let mut titled = Map::new();
            titled.insert("title".into(), Value::String(key.to_owned()));
            titled.extend(std::mem::take(o));
            *o = titled;
        }
        defs.insert(key.to_owned(), v);
    };
    add(
        "Timestamp",
        json!({
            "description": format!("An ISO 8601 / RFC 3339 date-time with a zone. As `timestamp`: when the event happened; a later timestamp with the same referenceId updates an earlier event. As `expiryTime`: when Alexa deletes the notification if it is still pending, between timestamp + {} and timestamp + {}, both inclusive (not checked by this schema).", long_bound(EXPIRY_MIN), long_bound(EXPIRY_MAX)),
            "type": "string", "format": "date-time", "pattern": DATE_TIME_PATTERN
        }),
    );
    add(
        "ReferenceId",
        json!({
            "description": format!("Your identifier of this event: letters, digits and `~`, 1 to {REFERENCE_ID_MAX_LEN} characters. Amazon treats a repeat for the same user as a duplicate (409)."),
            "type": "string", "pattern": envelope::reference_id_pattern()
        }),
    );
    add(
        "LocalizedAttributes",
        json!({
            "description": "One entry per locale: its `locale` and, for each `localizedattribute:<key>` in the payload, the text for `<key>` in that locale. An event without localized fields still sends entries holding only `locale`.",
            "type": "array",
            "minItems": LOCALIZED_ATTRIBUTES_MIN,
            "items": def_ref("LocalizedAttributesEntry")
        }),
    );
    add(
        "LocalizedAttributesEntry",
        json!({
            "description": "The localized values for one locale (Rust: `request::LocalizedAttributes`).",
            "type": "object",
            "required": ["locale"],
            "properties": {
                "locale": super::locales::locale_property(LOCALE_PATTERN)
            },
            "additionalProperties": {"description": "The text of one localized attribute key in this locale.", "type": "string", "minLength": 1}
        }),
    );
    add(
        "RelevantAudience",
        json!({
            "description": "Who receives the event: one user (Unicast) or every subscribed user (Multicast). Rust: `request::Audience`.",
            "oneOf": [def_ref("Unicast"), def_ref("Multicast")]
        }),
    );
    add(
        "Unicast",
        json!({
            "description": "One user, by the userId from a request or a subscription event.",
            "type": "object",
            "additionalProperties": false,
            "required": ["type", "payload"],
            "properties": {
                "type": {"description": "Unicast.", "const": "Unicast"},
                "payload": def_ref("UnicastPayload")
            }
        }),
    );
    add(
        "UnicastPayload",
        json!({
            "description": "The recipient.",
            "type": "object",
            "additionalProperties": false,
            "required": ["user"],
            "properties": {"user": {"description": "The skill-scoped userId (amzn1.ask.account.…).", "type": "string", "minLength": 1}}
        }),
    );
    add(
        "Multicast",
        json!({
            "description": "Every user subscribed to this event.",
            "type": "object",
            "additionalProperties": false,
            "required": ["type", "payload"],
            "properties": {
                "type": {"description": "Multicast.", "const": "Multicast"},
                "payload": def_ref("MulticastPayload")
            }
        }),
    );
    add(
        "MulticastPayload",
        json!({
            "description": "Always the empty object (Rust: `request::Empty`).",
            "type": "object",
            "additionalProperties": false,
            "properties": {}
        }),
    );
}

/// `<Root>Event` (name + payload) and every type of the event under `$defs`.
fn add_event_defs(event: &Event, defs: &mut Map<String, Value>) {
    let root = event.root();
    let key = event_def_name(event);
    let ev = json!({
        "title": key,
        "description": format!("The `{}` event: its name and payload.", event.name),
        "type": "object",
        "additionalProperties": false,
        "required": ["name", "payload"],
        "properties": {
            "name": {"description": "The schema name.", "const": event.name},
            "payload": def_ref(&def_name(root))
        },
        "x-locales": event.locales.clone().map_or(Value::String("any".into()), |l| json!(l)),
        "x-templates": event.templates.iter().map(|t| {
            let when: Map<String, Value> = t.when.iter().map(|c| match c {
                crate::model::Condition::Present { path, present } =>
                    (path.clone(), Value::String(if *present { "present" } else { "absent" }.into())),
                crate::model::Condition::Equals { path, value } => (path.clone(), Value::String(value.clone())),
            }).collect();
            json!({"when": when, "text": t.text})
        }).collect::<Vec<_>>()
    });
    defs.insert(key, ev);
    for (i, t) in event.types.iter().enumerate() {
        defs.insert(def_name(t), type_def(event, TypeId(i), t));
    }
}

/// A type's description, then where it is used: a field's own description cannot sit
/// next to its `$ref` (generators would copy the type), so it is told here.
fn described(event: &Event, id: TypeId, t: &TypeDef) -> String {
    let mut text = t.description.clone();
    let rust = format!("Rust: `events::{}::{}`.", event.module, t.ident.name);
    for (owner, f) in event.types.iter().flat_map(|o| match &o.kind {
        TypeKind::Object(fields) => fields.iter().map(|f| (o, f)).collect::<Vec<_>>(),
        TypeKind::Enum(_) => Vec::new(),
    }) {
        let said = f.description.trim();
        if named(&f.ty) == Some(id) && !said.is_empty() && said != t.description.trim() {
            if !text.is_empty() {
                text.push(' ');
            }
            text.push_str(&format!("As `{}.{}`: {}", owner.ident.name, f.wire, said));
        }
    }
    if text.is_empty() {
        rust
    } else {
        format!("{text} {rust}")
    }
}

/// The type a field of this type refers to, through arrays.
fn named(ty: &Ty) -> Option<TypeId> {
    match ty {
        Ty::Named(id) => Some(*id),
        Ty::Array { items, .. } => named(items),
        _ => None,
    }
}

fn type_def(event: &Event, id: TypeId, t: &TypeDef) -> Value {
    match &t.kind {
        TypeKind::Object(fields) => {
            let required: Vec<&str> = fields
                .iter()
                .filter(|f| f.required)
                .map(|f| f.wire.as_str())
                .collect();
            let properties: Map<String, Value> = fields
                .iter()
                .map(|f| (f.wire.clone(), field_schema(event, f)))
                .collect();
            let mut v = json!({
                "title": def_name(t),
                "description": described(event, id, t),
                "type": "object",
                "additionalProperties": false,
            });
            if let Some(o) = v.as_object_mut() {
                if !required.is_empty() {
                    o.insert("required".into(), json!(required));
                }
                o.insert("properties".into(), Value::Object(properties));
            }
            v
        }
        TypeKind::Enum(variants) => {
            let values: Vec<&str> = variants.iter().map(|v| v.wire.as_str()).collect();
            let spoken: Map<String, Value> = variants
                .iter()
                .map(|v| (v.wire.clone(), Value::String(v.spoken.clone())))
                .collect();
            json!({
                "title": def_name(t),
                "description": format!("{} One of: {}.", described(event, id, t), values.join(", ")),
                "type": "string",
                "enum": values,
                "x-spoken": spoken
            })
        }
    }
}

fn field_schema(event: &Event, f: &Field) -> Value {
    let mut v = value_schema(event, &f.ty);
    if let Ty::Named(_) = f.ty {
        // Nothing next to a `$ref`: the description is on the definition (`described`).
        return v;
    }
    if let Some(o) = v.as_object_mut() {
        // `description` first reads best.
        let mut with_desc = Map::new();
        with_desc.insert("description".into(), Value::String(f.description.clone()));
        with_desc.extend(std::mem::take(o));
        *o = with_desc;
    }
    v
}

fn value_schema(event: &Event, ty: &Ty) -> Value {
    match ty {
        Ty::Text { localizable: true } => json!({
            "type": "string",
            "minLength": 1,
            "not": {"pattern": format!("^{LOCALIZED_PREFIX}$")},
            "x-localizable": true
        }),
        Ty::Text { localizable: false } => json!({
            "type": "string",
            "minLength": 1,
            "not": {"pattern": format!("^{LOCALIZED_PREFIX}")}
        }),
        Ty::Boolean => json!({"type": "boolean"}),
        Ty::DateTime => {
            json!({"type": "string", "format": "date-time", "pattern": DATE_TIME_PATTERN})
        }
        Ty::Integer { minimum, maximum } => {
            // Bounded by the Rust type too (D27): 2.0 is an integer, 1e30 is not in range.
            let (lo, hi) = match crate::model::IntWidth::of(*minimum, *maximum) {
                crate::model::IntWidth::U64 => (json!(0), json!(u64::MAX)),
                crate::model::IntWidth::I64 => (json!(i64::MIN), json!(i64::MAX)),
            };
            let (lo, hi) = (
                minimum.map_or(lo, |m| json!(m)),
                maximum.map_or(hi, |m| json!(m)),
            );
            json!({"type": "integer", "minimum": lo, "maximum": hi})
        }
        Ty::Named(id) => def_ref(&def_name(event.get(*id))),
        Ty::Array {
            items,
            min_items,
            max_items,
            unique,
        } => {
            let mut v = json!({"type": "array", "items": value_schema(event, items)});
            if let Some(o) = v.as_object_mut() {
                if let Some(m) = min_items {
                    o.insert("minItems".into(), json!(m));
                }
                if let Some(m) = max_items {
                    o.insert("maxItems".into(), json!(m));
                }
                if *unique {
                    o.insert("uniqueItems".into(), json!(true));
                }
            }
            v
        }
    }
}
