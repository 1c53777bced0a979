//! Stage 3, model: the IR. It owns every name (Rust identifiers, serde renames,
//! JSON Schema `$defs` keys, manifest names); emitters only read it.

use crate::check::{Reporter, Resolved, resolve};
use crate::diag::Diagnostics;
use crate::load::{Loaded, Locales, Node};
use crate::locate::YamlPath;
use crate::names;
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
    pub module: String,
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
            if field.localizable {
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
    /// The Rust type name (escaped).
    pub rust_name: String,
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
    /// Rust field name (escaped; may be `r#type`).
    pub rust: String,
    pub required: bool,
    pub localizable: bool,
    pub description: String,
    pub ty: Ty,
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
    String,
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
    pub rust: String,
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
    for file in files {
        let mut r = Reporter::new(file);
        let event = Builder::new(file, &mut r).build();
        diags.extend(r.finish());
        events.push(event);
    }
    events.sort_by(|a, b| a.name.cmp(&b.name));
    // Two events whose module names collide cannot both be emitted.
    let mut modules: BTreeMap<&str, &Event> = BTreeMap::new();
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
    taken: BTreeMap<String, YamlPath>,
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
        let doc = &self.file.doc;
        let (root_name, module) = names::event_names(&doc.event);
        self.prefix = root_name.clone();
        let root_path = YamlPath::default().key("payload");
        self.claim(&root_name, &YamlPath::default().key("event"));
        self.types.push(TypeDef {
            rust_name: root_name.clone(),
            defs_key: root_name.clone(),
            description: doc.description.trim().to_owned(),
            kind: TypeKind::Object(Vec::new()),
        });
        let fields = self.fields(doc.payload.iter(), &root_path);
        self.types[0].kind = TypeKind::Object(fields);
        let templates = doc
            .templates
            .iter()
            .map(|t| Template {
                when: t
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
                    .collect(),
                text: t.text.clone(),
                parts: template::parse(&t.text).unwrap_or_default(),
            })
            .collect();
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

    /// Reserves a Rust type name in this file; a second claim is a collision.
    fn claim(&mut self, rust: &str, path: &YamlPath) -> bool {
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
        self.taken.insert(rust.to_owned(), path.clone());
        true
    }

    fn fields<'n>(
        &mut self,
        fields: impl Iterator<Item = (&'n str, &'n Node)>,
        at: &YamlPath,
    ) -> Vec<Field> {
        let mut out: Vec<Field> = Vec::new();
        // Rust field name -> the field that has it.
        let mut taken: BTreeMap<String, usize> = BTreeMap::new();
        for (wire, node) in fields {
            let path = at.key(wire);
            let rust = names::field(wire);
            if let Some(other) = taken.get(&rust).map(|i| &out[*i]) {
                self.r
                    .error(
                        &path,
                        true,
                        format!(
                            "fields `{}` and `{wire}` both become the Rust field `{rust}`",
                            other.wire
                        ),
                    )
                    .help(
                        "JSON names that differ only in case or separators cannot share an object",
                    );
            }
            let ty = self.ty(node, wire, &path);
            taken.entry(rust.clone()).or_insert(out.len());
            out.push(Field {
                wire: wire.to_owned(),
                rust,
                required: node.required.unwrap_or(true),
                localizable: node.localizable.unwrap_or(false),
                description: node
                    .description
                    .as_deref()
                    .unwrap_or_default()
                    .trim()
                    .to_owned(),
                ty,
            });
        }
        out
    }

    fn ty(&mut self, node: &Node, field_name: &str, path: &YamlPath) -> Ty {
        match node.ty.as_str() {
            "string" => Ty::String,
            "integer" => Ty::Integer {
                minimum: node.minimum,
                maximum: node.maximum,
            },
            "boolean" => Ty::Boolean,
            "datetime" => Ty::DateTime,
            "array" => {
                let items = match &node.items {
                    Some(items) => self.ty(items, field_name, &path.key("items")),
                    None => Ty::String,
                };
                Ty::Array {
                    items: Box::new(items),
                    min_items: node.min_items,
                    max_items: node.max_items,
                    unique: node.unique_items.unwrap_or(false),
                }
            }
            "object" | "enum" => {
                let name = node.name.clone().unwrap_or_else(|| field_name.to_owned());
                let at = if node.name.is_some() {
                    path.key("name")
                } else {
                    path.clone()
                };
                Ty::Named(self.define(&name, node, &at, path))
            }
            named => match resolve(&self.file.doc, named) {
                Resolved::Named(name, target) => {
                    if let Some(id) = self.named.get(name) {
                        return Ty::Named(*id);
                    }
                    let tp = YamlPath::default().key("types").key(name);
                    let id = self.define(name, target, &tp, &tp);
                    self.named.insert(name.to_owned(), id);
                    Ty::Named(id)
                }
                _ => Ty::String,
            },
        }
    }

    /// Adds an object or enum to the type space.
    fn define(
        &mut self,
        name: &str,
        node: &Node,
        name_at: &YamlPath,
        node_at: &YamlPath,
    ) -> TypeId {
        let rust_name = names::type_name(name);
        self.claim(&rust_name, name_at);
        let id = TypeId(self.types.len());
        self.types.push(TypeDef {
            defs_key: format!("{}.{rust_name}", self.prefix),
            rust_name,
            description: node
                .description
                .as_deref()
                .unwrap_or_default()
                .trim()
                .to_owned(),
            kind: TypeKind::Enum(Vec::new()),
        });
        let kind =
            if node.ty == "enum" {
                let mut variants: Vec<Variant> = Vec::new();
                // Rust variant name -> the first value that has it.
                let mut taken: BTreeMap<String, usize> = BTreeMap::new();
                for (i, v) in node.values.iter().flatten().enumerate() {
                    let rust = names::variant(&v.value);
                    let first = *taken.entry(rust.clone()).or_insert(i);
                    if let Some(other) = variants.get(first).filter(|o| o.wire != v.value) {
                        self.r
                        .error(&node_at.key("values").index(i).key("value"), false, format!(
                            "enum values `{}` and `{}` both become the Rust variant `{rust}`",
                            other.wire, v.value
                        ))
                        .help("values that differ only in case or separators cannot share an enum");
                    }
                    variants.push(Variant {
                        wire: v.value.clone(),
                        rust,
                        spoken: v.spoken.trim().to_owned(),
                        description: v.description.as_ref().map(|d| d.trim().to_owned()),
                    });
                }
                TypeKind::Enum(variants)
            } else {
                let fields = node
                    .fields
                    .as_ref()
                    .map(|f| self.fields(f.iter(), &node_at.key("fields")));
                TypeKind::Object(fields.unwrap_or_default())
            };
        self.types[id.0].kind = kind;
        id
    }
}
