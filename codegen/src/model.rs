//! Stage 3, model: the IR. It owns every name (Rust identifiers, serde renames,
//! JSON Schema `$defs` keys, manifest names); emitters only read it.

use crate::check::{Builtin, Reporter, Resolved, resolve};
use crate::diag::Diagnostics;
use crate::load::{Loaded, Locales, Node};
use crate::locate::YamlPath;
use crate::names::{self, RustIdent};
use crate::template::{self, Part};
use std::collections::BTreeMap;

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

/// Builds the IR of checked files; name collisions are reported here, where names are made.
pub fn build(files: &[Loaded]) -> Result<Catalog, Diagnostics> {
    let mut events = Vec::new();
    let mut diags = Diagnostics::default();
    let built = crate::par::map(files, |file| {
        let mut r = Reporter::new(file);
        let event = Builder::new(file, &mut r).build();
        (event, r.finish())
    });
    for (event, found) in built {
        diags.extend(found);
        events.push(event);
    }
    events.sort_by(|a, b| a.name.cmp(&b.name));
    // Two events whose module names collide cannot both be emitted.
    let mut modules: BTreeMap<&RustIdent, &Event> = BTreeMap::new();
    for e in &events {
        if let Some(other) = modules.insert(&e.module, e) {
            let mut d = crate::diag::Diagnostic::new(
                &e.source_file,
                "event",
                format!(
                    "events `{}` and `{}` both become the Rust module `{}`",
                    other.name, e.name, e.module
                ),
            );
            d.help("rename one of the events");
            diags.extend(d.into());
        }
    }
    if diags.is_empty() {
        Ok(Catalog { events })
    } else {
        Err(diags)
    }
}

struct Builder<'a, 'r> {
    file: &'a Loaded,
    r: &'r mut Reporter<'a>,
    types: Vec<TypeDef>,
    /// Rust type name -> where it was first made, to report collisions.
    taken: BTreeMap<RustIdent, YamlPath>,
    named: BTreeMap<String, TypeId>,
    prefix: String,
}

impl<'a, 'r> Builder<'a, 'r> {
    fn new(file: &'a Loaded, r: &'r mut Reporter<'a>) -> Self {
        Self {
            file,
            r,
            types: Vec::new(),
            taken: BTreeMap::new(),
            named: BTreeMap::new(),
            prefix: String::new(),
        }
    }

    fn build(mut self) -> Event {
        let file = self.file;
        let doc = &file.doc;
        let (root_name, module) = names::event_names(&doc.event);
        self.prefix = root_name.to_string();
        let root_path = YamlPath::default().key("payload");
        self.claim(&root_name, &YamlPath::default().key("event"));
        self.types.push(TypeDef {
            defs_key: root_name.to_string(),
            ident: root_name,
            description: doc.description.trim().to_owned(),
            kind: TypeKind::Object(Vec::new()),
        });
        let fields = self.fields(doc.payload.iter(), &root_path);
        self.types[0].kind = TypeKind::Object(fields);
        let mut templates = Vec::new();
        for (i, t) in doc.templates.iter().enumerate() {
            let when = t
                .when
                .iter()
                .map(|(path, want)| match want.as_str() {
                    "present" | "absent" => Condition::Present {
                        path: path.to_owned(),
                        present: want == "present",
                    },
                    value => Condition::Equals {
                        path: path.to_owned(),
                        value: value.to_owned(),
                    },
                })
                .collect();
            let parts = match template::parse(&t.text) {
                Ok(parts) => parts,
                Err(e) => {
                    self.bug(&YamlPath::default().key("templates").index(i), &e);
                    continue;
                }
            };
            templates.push(Template {
                when,
                text: t.text.clone(),
                parts,
            });
        }
        Event {
            name: doc.event.clone(),
            source_file: self.file.source.path.clone(),
            description: doc.description.trim().to_owned(),
            module,
            locales: match &doc.locales {
                Locales::Any => None,
                Locales::Only(l) => Some(l.clone()),
            },
            types: self.types,
            templates,
        }
    }

    /// A state `check` rules out: reported as an internal error (so nothing is
    /// emitted) instead of being papered over with a default.
    fn bug(&mut self, path: &YamlPath, what: &str) {
        self.r
            .error(path, false, format!("internal error: {what}"))
            .help("`check` should have rejected this; please report it with this schema");
    }

    /// Reserves a Rust type name in this file; a second claim is a collision.
    fn claim(&mut self, rust: &RustIdent, path: &YamlPath) -> bool {
        if let Some(first) = self.taken.get(rust) {
            let first = first.to_string();
            self.r
                .error(
                    path,
                    true,
                    format!("two types are both named `{rust}` in Rust"),
                )
                .help(format!(
                    "the first is at `{first}`; give one of them another `name:`"
                ));
            return false;
        }
        self.taken.insert(rust.clone(), path.clone());
        true
    }

    fn fields<'n>(
        &mut self,
        fields: impl Iterator<Item = (&'n str, &'n Node)>,
        at: &YamlPath,
    ) -> Vec<Field> {
        let mut out: Vec<Field> = Vec::new();
        // Rust field name -> the field that has it.
        let mut taken: BTreeMap<RustIdent, usize> = BTreeMap::new();
        for (wire, node) in fields {
            let path = at.key(wire);
            let ident = names::field(wire);
            if let Some(other) = taken.get(&ident).map(|i| &out[*i]) {
                self.r
                    .error(
                        &path,
                        true,
                        format!(
                            "fields `{}` and `{wire}` both become the Rust field `{ident}`",
                            other.wire
                        ),
                    )
                    .help(
                        "JSON names that differ only in case or separators cannot share an object",
                    );
            }
            let ty = self.ty(node, wire, &path, node.localizable.unwrap_or(false));
            let (Some(ty), Some(required), Some(description)) =
                (ty, node.required, node.description.as_deref())
            else {
                self.bug(&path, "a field without a type, `required` or a description");
                continue;
            };
            taken.entry(ident.clone()).or_insert(out.len());
            out.push(Field {
                wire: wire.to_owned(),
                ident,
                required,
                description: description.trim().to_owned(),
                ty,
            });
        }
        out
    }

    /// The type of `node`; `None` (after an internal error) for what `check` rejects.
    fn ty(
        &mut self,
        node: &Node,
        field_name: &str,
        path: &YamlPath,
        localizable: bool,
    ) -> Option<Ty> {
        let file = self.file;
        let builtin = match resolve(&file.doc, &node.ty) {
            Resolved::Builtin(b) => b,
            Resolved::Named(name, target) => {
                if let Some(id) = self.named.get(name) {
                    return Some(Ty::Named(*id));
                }
                let tp = YamlPath::default().key("types").key(name);
                let id = self.define(name, target, &tp, &tp)?;
                self.named.insert(name.to_owned(), id);
                return Some(Ty::Named(id));
            }
            Resolved::Undefined | Resolved::Unknown => {
                self.bug(&path.key("type"), "an unresolved field type");
                return None;
            }
        };
        Some(match builtin {
            Builtin::String => Ty::Text { localizable },
            Builtin::Integer => Ty::Integer {
                minimum: node.minimum,
                maximum: node.maximum,
            },
            Builtin::Boolean => Ty::Boolean,
            Builtin::DateTime => Ty::DateTime,
            Builtin::Array => {
                let Some(items) = &node.items else {
                    self.bug(path, "an array without `items`");
                    return None;
                };
                let items = self.ty(items, field_name, &path.key("items"), false)?;
                Ty::Array {
                    items: Box::new(items),
                    min_items: node.min_items,
                    max_items: node.max_items,
                    unique: node.unique_items.unwrap_or(false),
                }
            }
            Builtin::Object | Builtin::Enum => {
                let name = node.name.clone().unwrap_or_else(|| field_name.to_owned());
                let at = if node.name.is_some() {
                    path.key("name")
                } else {
                    path.clone()
                };
                Ty::Named(self.define(&name, node, &at, path)?)
            }
        })
    }

    /// Adds an object or enum to the type space.
    fn define(
        &mut self,
        name: &str,
        node: &Node,
        name_at: &YamlPath,
        node_at: &YamlPath,
    ) -> Option<TypeId> {
        let ident = names::type_name(name);
        self.claim(&ident, name_at);
        let id = TypeId(self.types.len());
        self.types.push(TypeDef {
            defs_key: format!("{}.{ident}", self.prefix),
            ident,
            // Optional on array items only: their type then has no description.
            description: node
                .description
                .as_deref()
                .map_or_else(String::new, |d| d.trim().to_owned()),
            kind: TypeKind::Enum(Vec::new()),
        });
        let kind = match (Builtin::of(&node.ty), &node.values, &node.fields) {
            (Some(Builtin::Enum), Some(values), _) => {
                let mut variants: Vec<Variant> = Vec::new();
                // Rust variant name -> the first value that has it.
                let mut taken: BTreeMap<RustIdent, usize> = BTreeMap::new();
                for (i, v) in values.iter().enumerate() {
                    let ident = names::variant(&v.value);
                    let first = *taken.entry(ident.clone()).or_insert(i);
                    if let Some(other) = variants.get(first).filter(|o| o.wire != v.value) {
                        self.r
                        .error(&node_at.key("values").index(i).key("value"), false, format!(
                            "enum values `{}` and `{}` both become the Rust variant `{ident}`",
                            other.wire, v.value
                        ))
                        .help("values that differ only in case or separators cannot share an enum");
                    }
                    variants.push(Variant {
                        wire: v.value.clone(),
                        ident,
                        spoken: v.spoken.trim().to_owned(),
                        description: v.description.as_ref().map(|d| d.trim().to_owned()),
                    });
                }
                TypeKind::Enum(variants)
            }
            (Some(Builtin::Object), _, Some(fields)) => {
                TypeKind::Object(self.fields(fields.iter(), &node_at.key("fields")))
            }
            _ => {
                self.bug(node_at, "a named type that is neither an enum with `values` nor an object with `fields`");
                return None;
            }
        };
        self.types[id.0].kind = kind;
        Some(id)
    }
}
