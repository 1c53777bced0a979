//! The IR, built by [`crate::lower`]. It owns every name (Rust identifiers, serde
//! renames, JSON Schema `$defs` keys, manifest names); emitters only read it.

use crate::names::RustIdent;
use crate::template::Part;

/// Every event, sorted by name.
#[derive(Debug, Clone)]
pub struct Catalog {
    pub events: Vec<Event>,
}

#[derive(Debug, Clone)]
pub struct Event {
    /// `AMAZON.WeatherAlert.Activated`.
    pub name: String,
    /// The YAML file it came from, as shown to users.
    pub source_file: String,
    pub description: String,
    /// Rust module: `weather_alert_activated`.
    pub module: RustIdent,
    /// `None`: no documented restriction.
    pub locales: Option<Vec<String>>,
    /// Type space: `types[0]` is the payload struct.
    pub types: Vec<TypeDef>,
    pub templates: Vec<Template>,
    /// The schema's `example:` payload, checked against `types` and in wire order,
    /// with literal text in localizable fields (`crate::example`).
    pub example: serde_json::Value,
}

impl Event {
    pub fn root(&self) -> &TypeDef {
        &self.types[0]
    }
    pub fn get(&self, id: TypeId) -> &TypeDef {
        &self.types[id.0]
    }
    /// Dotted payload paths of the localizable fields (arrays as `path[]`).
    pub fn localizable_paths(&self) -> Vec<String> {
        let mut out = Vec::new();
        self.walk(TypeId(0), "", &mut |path, field| {
            if field.localizable() {
                out.push(path.to_owned());
            }
        });
        out
    }
    fn walk(&self, id: TypeId, prefix: &str, f: &mut dyn FnMut(&str, &Field)) {
        if let TypeKind::Object(fields) = &self.get(id).kind {
            for field in fields {
                let path = if prefix.is_empty() {
                    field.wire.clone()
                } else {
                    format!("{prefix}.{}", field.wire)
                };
                f(&path, field);
                let mut ty = &field.ty;
                let mut path = path;
                while let Ty::Array { items, .. } = ty {
                    path.push_str("[]");
                    ty = items;
                }
                if let Ty::Named(inner) = ty {
                    self.walk(*inner, &path, f);
                }
            }
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct TypeId(pub usize);

#[derive(Debug, Clone)]
pub struct TypeDef {
    /// The Rust type name; its `name` is also the title shown in docs and JSON Schema.
    pub ident: RustIdent,
    /// The key under `$defs` in the JSON Schemas, unique across all events.
    pub defs_key: String,
    pub description: String,
    /// Where its fields or values are in the YAML file (`payload`,
    /// `payload.state.fields`, `types.TeamStatistic.values`): what
    /// [`crate::diff`] names a change by.
    pub body_at: String,
    pub kind: TypeKind,
}

#[derive(Debug, Clone)]
pub enum TypeKind {
    Object(Vec<Field>),
    Enum(Vec<Variant>),
}

#[derive(Debug, Clone)]
pub struct Field {
    /// JSON name on the wire.
    pub wire: String,
    /// Rust field name (may be raw: `r#type`).
    pub ident: RustIdent,
    pub required: bool,
    pub description: String,
    pub ty: Ty,
}

impl Field {
    /// Whether the field may hold `localizedattribute:<key>`.
    pub fn localizable(&self) -> bool {
        matches!(self.ty, Ty::Text { localizable: true })
    }
}

/// The Rust integer type of an integer field, decided here once: the emitted
/// type and the metadata the validator walks with both come from it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IntWidth {
    I64,
    /// Minimum 0 and no maximum: every count a `u64` holds.
    U64,
}

impl IntWidth {
    pub fn of(minimum: Option<i64>, maximum: Option<i64>) -> Self {
        match (minimum, maximum) {
            (Some(0), None) => Self::U64,
            _ => Self::I64,
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub enum Ty {
    /// A non-empty string; `localizable` only on a field (never on array items).
    Text {
        localizable: bool,
    },
    Integer {
        minimum: Option<i64>,
        maximum: Option<i64>,
    },
    Boolean,
    DateTime,
    Named(TypeId),
    Array {
        items: Box<Ty>,
        min_items: Option<u64>,
        max_items: Option<u64>,
        unique: bool,
    },
}

#[derive(Debug, Clone)]
pub struct Variant {
    pub wire: String,
    pub ident: RustIdent,
    pub spoken: String,
    pub description: Option<String>,
}

#[derive(Debug, Clone)]
pub struct Template {
    pub when: Vec<Condition>,
    pub text: String,
    pub parts: Vec<Part>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Condition {
    Present { path: String, present: bool },
    Equals { path: String, value: String },
}
