//! Stage 2, lower: checks each file against the rules of the schema language and,
//! in the same walk, builds its typed IR ([`crate::model`]). A node that breaks a
//! rule yields its diagnostics and no IR; a file with any diagnostic yields no
//! event. Every error is collected (past [`MAX_ERRORS`] per file, counted only).
//!
//! Each file is walked once, in the order its diagnostics are reported: the event
//! name, the description, the locales; every named type under `types:`, in file
//! order, used or not; the type graph (cycles, nesting, size); the payload's
//! fields; the templates. Each `type:` word is resolved once, to a [`Builtin`] or
//! a named type, where its node is checked; each template is parsed once and its
//! parts kept; each `when:` value becomes a [`Condition`] where it is checked.
//!
//! Named types are lowered where they are defined, each into its own slot, and a
//! field that uses one refers to the slot: no reference is followed while
//! lowering, so the type graph may be checked after the walk that measured it.
//! Then a file without errors is laid out (`Layout`): its type space in
//! first-use order (the payload struct first), unused named types left out, and
//! its Rust names checked for collisions in that same order. Last, the set of
//! files: an event declared twice, two events that become one Rust module.

use crate::diag::{Diagnostic, Diagnostics, MAX_ERRORS, did_you_mean};
use crate::load::{Loaded, Locales, Node, OrderedMap, SchemaDoc};
use crate::locate::YamlPath;
use crate::model::{
    Catalog, Condition, Event, Field, Template, Ty, TypeDef, TypeId, TypeKind, Variant,
};
use crate::names::{self, RustIdent};
use crate::template::{self, Part};
use std::collections::{BTreeMap, BTreeSet, HashMap};
use strum::VariantArray;

/// The field types the language defines; anything starting upper-case names a
/// type under `types:`. A new field type is a variant here: the compiler then
/// points at every `match` that must handle it (see the crate's docs).
#[derive(Debug, Clone, Copy, PartialEq, Eq, VariantArray)]
pub enum Builtin {
    String,
    Integer,
    Boolean,
    DateTime,
    Enum,
    Object,
    Array,
}

impl Builtin {
    /// The word a schema writes as `type:`.
    pub const fn keyword(self) -> &'static str {
        match self {
            Self::String => "string",
            Self::Integer => "integer",
            Self::Boolean => "boolean",
            Self::DateTime => "datetime",
            Self::Enum => "enum",
            Self::Object => "object",
            Self::Array => "array",
        }
    }

    /// The builtin type a `type:` word names, if any.
    pub fn of(word: &str) -> Option<Self> {
        Self::VARIANTS.iter().copied().find(|b| b.keyword() == word)
    }

    /// Whether other nodes nest inside it (an object's fields, an array's items):
    /// the levels [`MAX_NESTING`] counts.
    pub const fn nests(self) -> bool {
        match self {
            Self::Object | Self::Array => true,
            Self::String | Self::Integer | Self::Boolean | Self::DateTime | Self::Enum => false,
        }
    }

    /// Whether it is a type of its own in Rust (an object or an enum): what a named
    /// type must be, and what `name:` names.
    pub const fn defines_type(self) -> bool {
        match self {
            Self::Object | Self::Enum => true,
            Self::String | Self::Integer | Self::Boolean | Self::DateTime | Self::Array => false,
        }
    }
}

impl std::fmt::Display for Builtin {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.keyword())
    }
}

/// The keywords of every [`Builtin`], in declaration order (the order diagnostics
/// list them).
pub const BUILTIN_TYPES: &[&str] = &{
    let mut words = [""; Builtin::VARIANTS.len()];
    let mut i = 0;
    while i < words.len() {
        words[i] = Builtin::VARIANTS[i].keyword();
        i += 1;
    }
    words
};

/// The deepest nesting of objects and arrays a payload may have, the payload
/// object itself counting as one. Amazon's go five deep; the generated code and
/// the compiler recurse along this nesting, so it is bounded.
pub const MAX_NESTING: usize = 32;

/// The most fields (and array items) a payload may have once every use of a named
/// type is counted with the type's own fields. Amazon's have about twenty; the
/// generated metadata lists them (the localizable paths), so a few named types
/// that use each other twice must not multiply into millions.
pub const MAX_EXPANDED_FIELDS: usize = 10_000;

/// Collects diagnostics for one file, locating each in the source. Past
/// [`MAX_ERRORS`] it only counts: nothing more is located or kept.
pub(crate) struct Reporter<'a> {
    pub file: &'a Loaded,
    out: Vec<Diagnostic>,
    omitted: usize,
    /// Where an error past the cap is written, and forgotten.
    spare: Diagnostic,
}

impl<'a> Reporter<'a> {
    pub fn new(file: &'a Loaded) -> Self {
        Self {
            file,
            out: Vec::new(),
            omitted: 0,
            spare: Diagnostic::new("", "", ""),
        }
    }

    /// Whether further errors are only counted (callers may then skip costly hints).
    pub fn is_full(&self) -> bool {
        self.out.len() >= MAX_ERRORS
    }

    /// Every error reported so far, kept or counted.
    pub fn len(&self) -> usize {
        self.out.len() + self.omitted
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Reports at the value of `path` (or at its key with `at_key`).
    pub fn error(&mut self, path: &YamlPath, at_key: bool, message: String) -> &mut Diagnostic {
        if self.is_full() {
            self.omitted += 1;
            self.spare = Diagnostic::new("", "", message);
            return &mut self.spare;
        }
        let src = &self.file.source;
        let location = self.file.spans.locate(path, at_key);
        let line = location.and_then(|l| self.file.spans.line(&src.text, l.line));
        self.out
            .push(Diagnostic::new(&src.path, &path.to_string(), message).at_line(location, line));
        let last = self.out.len() - 1;
        &mut self.out[last]
    }

    /// Puts the errors of `later` (a reporter of the same file) after these,
    /// keeping the cap. Each error `later` kept was kept at a position no further
    /// than the one it now has, so it reads as if reported here.
    pub fn append(&mut self, later: Reporter<'a>) {
        self.out.extend(later.out);
        self.omitted += later.omitted;
        let over = self.out.len().saturating_sub(MAX_ERRORS);
        self.out.truncate(MAX_ERRORS);
        self.omitted += over;
    }

    /// Everything reported, the errors past the cap as a count.
    pub fn finish(self) -> Diagnostics {
        Diagnostics::new(self.out, self.omitted)
    }
}

/// Checks and lowers every file (each on its own, in parallel), then the set of
/// files. Diagnostics come file by file (each file's rules, then an event
/// declared twice), then the Rust name collisions and the `example:` errors of
/// the files without errors, then events that share a Rust module.
pub fn lower(files: &[Loaded]) -> Result<Catalog, Diagnostics> {
    let lowered = crate::par::map(files, |file| Lower::new(file).run());
    let mut errors = Diagnostics::default();
    let mut naming = Diagnostics::default();
    let mut events = Vec::new();
    let mut seen: BTreeMap<&str, &str> = BTreeMap::new();
    for (file, (mut r, laid_out)) in files.iter().zip(lowered) {
        let event = file.doc.event.as_str();
        if let Some(first) = seen.insert(event, &file.source.path) {
            r.error(
                &YamlPath::default().key("event"),
                false,
                format!("event `{event}` is declared twice"),
            )
            .help(format!(
                "it is already declared in {first}; remove one of the files"
            ));
        }
        // A file with errors has no Rust names to check: they would be guesses.
        if r.is_empty()
            && let Some((e, collisions)) = laid_out
        {
            naming.extend(collisions);
            events.push(e);
        }
        errors.extend(r.finish());
    }
    events.sort_by(|a, b| a.name.cmp(&b.name));
    // Two events whose module names collide cannot both be emitted.
    let mut modules: BTreeMap<&RustIdent, &Event> = BTreeMap::new();
    for e in &events {
        if let Some(other) = modules.insert(&e.module, e) {
            let mut d = Diagnostic::new(
                &e.source_file,
                "event",
                format!(
                    "events `{}` and `{}` both become the Rust module `{}`",
                    other.name, e.name, e.module
                ),
            );
            d.help("rename one of the events");
            naming.extend(d.into());
        }
    }
    errors.extend(naming);
    if errors.is_empty() {
        Ok(Catalog { events })
    } else {
        Err(errors)
    }
}

/// What a `type:` word means in its file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Word {
    Builtin(Builtin),
    /// The named type at this index under `types:`.
    Named(usize),
    /// Upper-case, as a named type, but not under `types:`.
    Undefined,
    /// Neither a builtin nor a named type.
    Unknown,
}

/// Where a node sits decides which keys it may have.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Place {
    Field,
    Item,
    /// The named type at this index under `types:`.
    Named(usize),
}

/// A type lowered but not yet placed: its [`Ty::Named`] ids are slots (see
/// [`Lower::slots`]) until [`Layout`] numbers the types.
#[derive(Debug)]
struct Draft {
    def: TypeDef,
    /// Where its name is, for a collision of Rust type names.
    name_at: YamlPath,
    /// Where its fields or values are, for a collision of field or variant names.
    body_at: YamlPath,
}

/// How the objects and arrays inside one node nest, named types not followed.
#[derive(Debug, Default)]
struct Shape {
    /// Levels of objects and arrays in the node itself.
    height: usize,
    /// Each reference to a named type (by index), with the levels above it inside the node.
    refs: Vec<(usize, usize)>,
    /// Nodes in the node itself (the node, its fields and items), a reference
    /// counting as one.
    nodes: usize,
}

impl Shape {
    /// Counts a node meaning `word` under `above` levels; whether the nodes
    /// inside it count as well (one level deeper).
    fn count(&mut self, word: Word, above: usize) -> bool {
        self.nodes += 1;
        match word {
            Word::Builtin(b) if b.nests() => {
                self.height = self.height.max(above + 1);
                true
            }
            Word::Named(target) => {
                self.refs.push((above, target));
                false
            }
            Word::Builtin(_) | Word::Undefined | Word::Unknown => false,
        }
    }

    /// Adds the counts of a node inside this one (measured at its own levels).
    fn absorb(&mut self, inner: Shape) {
        self.height = self.height.max(inner.height);
        self.refs.extend(inner.refs);
        self.nodes += inner.nodes;
    }

    /// The nodes once every named type is counted, given the count of each.
    fn expanded(&self, named: &[usize]) -> usize {
        self.refs.iter().fold(self.nodes, |sum, (_, target)| {
            sum.saturating_add(named[*target])
        })
    }

    /// The levels, given the levels of each named type.
    fn height(&self, named: &[usize]) -> usize {
        self.refs
            .iter()
            .map(|(above, target)| above + named[*target])
            .fold(self.height, usize::max)
    }
}

/// The walk of one file.
struct Lower<'a> {
    doc: &'a SchemaDoc,
    r: Reporter<'a>,
    /// Named types by name, to their index under `types:`.
    index: HashMap<&'a str, usize>,
    /// The meaning of each node's `type:` word, found once (templates look again).
    words: HashMap<*const Node, Word>,
    /// The type space as lowered: slot `k` below the number of named types is the
    /// named type at index `k` (`None` until lowered, or when it has errors), then
    /// the inline objects and enums, then the payload struct.
    slots: Vec<Option<Draft>>,
    /// The payload struct's Rust name, which prefixes every `$defs` key.
    root: RustIdent,
    module: RustIdent,
}

impl<'a> Lower<'a> {
    fn new(file: &'a Loaded) -> Self {
        let doc = &file.doc;
        let (root, module) = names::event_names(&doc.event);
        Self {
            doc,
            r: Reporter::new(file),
            index: doc
                .types
                .iter()
                .enumerate()
                .map(|(i, (k, _))| (k, i))
                .collect(),
            words: HashMap::new(),
            slots: doc.types.iter().map(|_| None).collect(),
            root,
            module,
        }
    }

    /// The file's diagnostics; for a file without errors, its event and the
    /// collisions of its Rust names.
    fn run(mut self) -> (Reporter<'a>, Option<(Event, Diagnostics)>) {
        let doc = self.doc;
        let root = YamlPath::default();
        self.event_name();
        if doc.description.trim().is_empty() {
            self.r.error(
                &root.key("description"),
                false,
                "the event description is empty".into(),
            );
        }
        self.locales(&root.key("locales"));
        let mut named = Vec::with_capacity(doc.types.0.len());
        for (k, (name, node)) in doc.types.iter().enumerate() {
            let path = root.key("types").key(name);
            if !name.starts_with(|c: char| c.is_ascii_uppercase()) {
                self.r.error(
                    &path,
                    true,
                    format!("type name `{name}` must start with an upper-case letter"),
                )
                .help("field types are lower-case words; named types are written like `TeamStatistic`");
            }
            let mut shape = Shape::default();
            self.node(node, &path, Place::Named(k), name, 0, &mut shape);
            named.push(shape);
        }
        let order = self.cycles(&named);
        // The payload's diagnostics come after the graph's, which need the
        // payload's shape: they are collected apart, then put after.
        let file = self.r.file;
        let before = std::mem::replace(&mut self.r, Reporter::new(file));
        if doc.payload.is_empty() {
            self.r.error(
                &root.key("payload"),
                false,
                "the payload has no fields".into(),
            );
        }
        let mut payload = Vec::with_capacity(doc.payload.0.len());
        let fields = self.fields(&doc.payload, &root.key("payload"), 1, &mut |shape| {
            payload.push(shape);
        });
        let payload_r = std::mem::replace(&mut self.r, before);
        if let Some(order) = order {
            self.sizes(&order, &named, &payload);
        }
        self.r.append(payload_r);
        let templates = self.templates();
        let slots = std::mem::take(&mut self.slots);
        let laid_out = match (self.r.is_empty(), fields, templates) {
            (true, Some(fields), Some(templates)) => self.lay_out(slots, fields, templates),
            _ => None,
        };
        (self.r, laid_out)
    }

    /// What `node`'s `type:` word means, resolved on first asking.
    fn word(&mut self, node: &Node) -> Word {
        *self
            .words
            .entry(std::ptr::from_ref(node))
            .or_insert_with(|| {
                if let Some(b) = Builtin::of(&node.ty) {
                    Word::Builtin(b)
                } else if let Some(&k) = self.index.get(node.ty.as_str()) {
                    Word::Named(k)
                } else if node.ty.starts_with(|c: char| c.is_ascii_uppercase()) {
                    Word::Undefined
                } else {
                    Word::Unknown
                }
            })
    }

    /// The named type at index `k` under `types:`.
    fn named(&self, k: usize) -> &'a Node {
        &self.doc.types.0[k].1
    }

    fn event_name(&mut self) {
        let doc = self.doc;
        let path = YamlPath::default().key("event");
        let parts: Vec<&str> = doc.event.split('.').collect();
        let pascal = |s: &str| {
            s.starts_with(|c: char| c.is_ascii_uppercase())
                && s.chars().all(|c| c.is_ascii_alphanumeric())
        };
        let well_formed =
            parts.len() == 3 && parts[0] == "AMAZON" && pascal(parts[1]) && pascal(parts[2]);
        if !well_formed {
            self.r.error(&path, false, format!("event name `{}` is not of the form `AMAZON.<Type>.<State>`", doc.event))
                .help("for example `AMAZON.OrderStatus.Updated`: the AMAZON namespace, then the type and the state in PascalCase");
        }
        let file_stem = self
            .r
            .file
            .source
            .path
            .rsplit(['/', '\\'])
            .next()
            .and_then(|f| f.strip_suffix(".yaml"));
        if file_stem != Some(doc.event.as_str()) {
            self.r
                .error(
                    &path,
                    false,
                    format!("the file name does not match the event `{}`", doc.event),
                )
                .help(format!(
                    "rename the file to `{}.yaml`, or correct the event name",
                    doc.event
                ));
        }
    }

    fn locales(&mut self, path: &YamlPath) {
        let Locales::Only(list) = &self.doc.locales else {
            return;
        };
        if list.is_empty() {
            self.r
                .error(path, false, "the locale list is empty".into())
                .help("write `locales: any` when Amazon documents no restriction");
        }
        let mut seen = BTreeSet::new();
        for (i, locale) in list.iter().enumerate() {
            let mut subtags = locale.split('-');
            let language_ok = subtags.next().is_some_and(|l| {
                (2..=3).contains(&l.len()) && l.chars().all(|c| c.is_ascii_lowercase())
            });
            let rest_ok = subtags.all(|s| {
                (1..=8).contains(&s.len()) && s.chars().all(|c| c.is_ascii_alphanumeric())
            });
            if !(language_ok && rest_ok) {
                self.r
                    .error(
                        &path.index(i),
                        false,
                        format!("`{locale}` is not a BCP 47 locale"),
                    )
                    .help("write locales like `en-US` or `ja-JP`");
            }
            if !seen.insert(locale.as_str()) {
                self.r.error(
                    &path.index(i),
                    false,
                    format!("locale `{locale}` is listed twice"),
                );
            }
        }
    }

    /// The fields of an object (or of the payload, at `at`), each with its shape
    /// given to `shaped`; `None` when any has errors (all are checked).
    fn fields(
        &mut self,
        fields: &'a OrderedMap<Node>,
        at: &YamlPath,
        above: usize,
        shaped: &mut dyn FnMut(Shape),
    ) -> Option<Vec<Field>> {
        let mut out = Some(Vec::with_capacity(fields.0.len()));
        for (wire, node) in fields.iter() {
            let mut shape = Shape::default();
            let field = self.field(wire, node, &at.key(wire), above, &mut shape);
            shaped(shape);
            match (&mut out, field) {
                (Some(out), Some(field)) => out.push(field),
                _ => out = None,
            }
        }
        out
    }

    fn field(
        &mut self,
        wire: &str,
        node: &'a Node,
        path: &YamlPath,
        above: usize,
        shape: &mut Shape,
    ) -> Option<Field> {
        let ty = self.node(node, path, Place::Field, wire, above, shape)?;
        Some(Field {
            wire: wire.to_owned(),
            ident: names::field(wire),
            required: node.required?,
            description: node.description.as_deref()?.trim().to_owned(),
            ty,
        })
    }

    /// Counts the nodes inside `node` that the rules do not look at (keys that do
    /// not apply there), so that a cycle or a depth through them is still found.
    fn survey(&mut self, node: &Node, above: usize, shape: &mut Shape) {
        if !shape.count(self.word(node), above) {
            return;
        }
        for (_, field) in node.fields.iter().flat_map(OrderedMap::iter) {
            self.survey(field, above + 1, shape);
        }
        if let Some(items) = &node.items {
            self.survey(items, above + 1, shape);
        }
    }

    /// Checks `node` (at `path`, in `place`, under `above` levels, counted into
    /// `shape`) and lowers it: the type of a field or of an array's items; for a
    /// named type, its slot. `name` names an inline object or enum without `name:`.
    /// `None` when it has errors.
    fn node(
        &mut self,
        node: &'a Node,
        path: &YamlPath,
        place: Place,
        name: &str,
        above: usize,
        shape: &mut Shape,
    ) -> Option<Ty> {
        let errors = self.r.len();
        let word = self.word(node);
        // Whether the nodes inside count towards the nesting: only in an object
        // or an array of its own.
        let nests = shape.count(word, above);
        let named_place = matches!(place, Place::Named(_));
        // The type, and the named type it refers to.
        let (kind, target) = match word {
            Word::Builtin(b) => (b, None),
            Word::Named(k) => {
                if named_place {
                    self.r.error(
                        &path.key("type"),
                        false,
                        "a named type must be an `object` or an `enum`".into(),
                    );
                }
                match self.word(self.named(k)) {
                    Word::Builtin(b) => (b, Some(k)),
                    Word::Named(_) | Word::Undefined | Word::Unknown => (Builtin::Object, Some(k)),
                }
            }
            Word::Undefined => {
                // Past the cap the error is only counted: skip the costly hint.
                let suggest = !self.r.is_full();
                let names = self.doc.types.iter().map(|(k, _)| k);
                let d = self
                    .r
                    .error(
                        &path.key("type"),
                        false,
                        format!("reference to an undefined type `{}`", node.ty),
                    )
                    .label("no such type under `types:`");
                match did_you_mean(&node.ty, names.filter(|_| suggest)) {
                    Some(s) => d.help = Some(format!("did you mean `{s}`?")),
                    None => {
                        d.help =
                            Some("define it under `types:` at the top level of the file".into());
                    }
                }
                return None;
            }
            Word::Unknown => {
                let mut candidates: Vec<&str> = BUILTIN_TYPES.to_vec();
                if self.r.is_full() {
                    candidates.clear();
                } else {
                    candidates.extend(self.doc.types.iter().map(|(k, _)| k));
                }
                let d = self
                    .r
                    .error(
                        &path.key("type"),
                        false,
                        format!("unknown field type `{}`", node.ty),
                    )
                    .label(format!("expected one of: {}", BUILTIN_TYPES.join(", ")));
                d.help = Some(match did_you_mean(&node.ty, candidates) {
                    Some(s) => format!("did you mean `{s}`?"),
                    None => {
                        "named types start with an upper-case letter and are defined under `types:`"
                            .into()
                    }
                });
                return None;
            }
        };
        let own = target.is_none();
        if named_place && !kind.defines_type() {
            self.r.error(
                &path.key("type"),
                false,
                format!("a named type must be an `object` or an `enum`, not `{kind}`"),
            );
        }
        self.keys(node, path, place, kind, own);

        // What is inside: an object's fields, an enum's values, an array's items.
        let mut body = None;
        let mut items = None;
        match kind {
            Builtin::Object if own => {
                match &node.fields {
                    None => {
                        self.r
                            .error(path, false, "an `object` needs `fields`".into());
                    }
                    Some(fields) if fields.is_empty() => {
                        self.r.error(
                            &path.key("fields"),
                            false,
                            "an `object` needs at least one field".into(),
                        );
                    }
                    Some(fields) => {
                        body = self
                            .fields(fields, &path.key("fields"), above + 1, &mut |s| {
                                shape.absorb(s);
                            })
                            .map(TypeKind::Object);
                    }
                }
                if let Some(stray) = &node.items {
                    self.survey(stray, above + 1, shape);
                }
            }
            Builtin::Enum if own => body = self.values(node, path).map(TypeKind::Enum),
            Builtin::Array => {
                // An array's nodes count only in an array of its own, not in one
                // that refers to a named array type (an error there).
                let mut elsewhere = Shape::default();
                let counted = if nests { &mut *shape } else { &mut elsewhere };
                items = self.array(node, path, name, above, counted);
                if nests {
                    for (_, stray) in node.fields.iter().flat_map(OrderedMap::iter) {
                        self.survey(stray, above + 1, shape);
                    }
                }
            }
            Builtin::Object | Builtin::Enum => {}
            Builtin::String | Builtin::Integer | Builtin::Boolean | Builtin::DateTime => {}
        }
        if self.r.len() > errors {
            return None;
        }
        if let Some(k) = target {
            return Some(Ty::Named(TypeId(k)));
        }
        Some(match kind {
            Builtin::String => Ty::Text {
                localizable: node.localizable == Some(true),
            },
            Builtin::Integer => Ty::Integer {
                minimum: node.minimum,
                maximum: node.maximum,
            },
            Builtin::Boolean => Ty::Boolean,
            Builtin::DateTime => Ty::DateTime,
            Builtin::Array => Ty::Array {
                items: Box::new(items?),
                min_items: node.min_items,
                max_items: node.max_items,
                unique: node.unique_items == Some(true),
            },
            Builtin::Object | Builtin::Enum => self.define(node, path, place, name, body?),
        })
    }

    /// The keys that apply by place and by type.
    fn keys(&mut self, node: &Node, path: &YamlPath, place: Place, kind: Builtin, own: bool) {
        match place {
            Place::Field => {
                if node.required.is_none() {
                    self.r
                        .error(path, false, "the field has no `required` flag".into())
                        .help("add `required: true` or `required: false`");
                }
            }
            Place::Item | Place::Named(_) => {
                for (key, set) in [
                    ("required", node.required.is_some()),
                    ("localizable", node.localizable.is_some()),
                ] {
                    if set {
                        let what = if place == Place::Item {
                            "array items"
                        } else {
                            "named types"
                        };
                        self.r
                            .error(
                                &path.key(key),
                                true,
                                format!("`{key}` does not apply to {what}"),
                            )
                            .help("put it on the field that uses this type");
                    }
                }
            }
        }
        match (&node.description, place) {
            (Some(d), _) if d.trim().is_empty() => {
                self.r.error(
                    &path.key("description"),
                    false,
                    "the description is empty".into(),
                );
            }
            (None, Place::Field | Place::Named(_)) => {
                self.r.error(path, false, "the description is missing".into())
                    .help("every field and named type says what it is for; it becomes the doc comment and the JSON Schema description");
            }
            (Some(_), _) | (None, Place::Item) => {}
        }
        if node.localizable == Some(true) && kind != Builtin::String {
            self.r
                .error(
                    &path.key("localizable"),
                    true,
                    format!(
                        "`localizable` is only allowed on string fields, and this field is `{}`",
                        node.ty
                    ),
                )
                .help("only text that Alexa speaks, such as a name, can be localized");
        }
        if let Some(name) = &node.name {
            if !own || !kind.defines_type() || matches!(place, Place::Named(_)) {
                self.r.error(
                    &path.key("name"),
                    true,
                    "`name` applies only to an inline `object` or `enum`".into(),
                );
            } else if !(name.starts_with(|c: char| c.is_ascii_uppercase())
                && name.chars().all(|c| c.is_ascii_alphanumeric()))
            {
                self.r.error(
                    &path.key("name"),
                    false,
                    format!("type name `{name}` must be PascalCase letters and digits"),
                );
            }
        }

        let only = |r: &mut Reporter<'_>, key: &str, set: bool, owner: &str| {
            if set {
                r.error(
                    &path.key(key),
                    true,
                    format!(
                        "`{key}` applies only to `{owner}`, and this is `{}`",
                        node.ty
                    ),
                );
            }
        };
        only(
            &mut self.r,
            "fields",
            node.fields.is_some() && !(own && kind == Builtin::Object),
            "object",
        );
        only(
            &mut self.r,
            "values",
            node.values.is_some() && !(own && kind == Builtin::Enum),
            "enum",
        );
        only(
            &mut self.r,
            "items",
            node.items.is_some() && kind != Builtin::Array,
            "array",
        );
        for (key, set) in [
            ("minItems", node.min_items.is_some()),
            ("maxItems", node.max_items.is_some()),
            ("uniqueItems", node.unique_items.is_some()),
        ] {
            only(&mut self.r, key, set && kind != Builtin::Array, "array");
        }
        for (key, set) in [
            ("minimum", node.minimum.is_some()),
            ("maximum", node.maximum.is_some()),
        ] {
            only(&mut self.r, key, set && kind != Builtin::Integer, "integer");
            if set && kind == Builtin::Integer && place == Place::Item {
                self.r
                    .error(
                        &path.key(key),
                        true,
                        format!("`{key}` on array items is not supported"),
                    )
                    .help("bound the items with an enum, or wrap them in an object with a bounded field");
            }
        }
        if let (Some(min), Some(max)) = (node.minimum, node.maximum)
            && max < min
        {
            self.r
                .error(
                    &path.key("maximum"),
                    false,
                    format!("maximum {max} is below minimum {min}"),
                )
                .help("no integer could satisfy both bounds");
        }
    }

    /// An enum's values; `None` when they have errors.
    fn values(&mut self, node: &Node, path: &YamlPath) -> Option<Vec<Variant>> {
        let Some(values) = &node.values else {
            self.r
                .error(path, false, "an `enum` needs `values`".into())
                .help("list them as `- {value: EXACT_SPELLING, spoken: words}`");
            return None;
        };
        if values.is_empty() {
            self.r
                .error(
                    &path.key("values"),
                    false,
                    "empty enum: `values` has no entries".into(),
                )
                .help("an enum needs at least one value, spelt exactly as Amazon spells it");
        }
        let errors = self.r.len();
        let mut seen = BTreeSet::new();
        let mut variants = Vec::with_capacity(values.len());
        for (i, v) in values.iter().enumerate() {
            let vp = path.key("values").index(i);
            if v.value.is_empty() {
                self.r
                    .error(&vp.key("value"), false, "an enum value is empty".into());
            } else if !seen.insert(v.value.as_str()) {
                self.r
                    .error(
                        &vp.key("value"),
                        false,
                        format!("duplicate enum value `{}`", v.value),
                    )
                    .label("already listed above")
                    .help("each value may appear once; remove the repeat");
            }
            if v.spoken.trim().is_empty() {
                self.r.error(
                    &vp.key("spoken"),
                    false,
                    format!("the spoken form of `{}` is empty", v.value),
                );
            }
            variants.push(Variant {
                wire: v.value.clone(),
                ident: names::variant(&v.value),
                spoken: v.spoken.trim().to_owned(),
                description: v.description.as_ref().map(|d| d.trim().to_owned()),
            });
        }
        (self.r.len() == errors).then_some(variants)
    }

    /// An array's items (counted into `shape`, one level deeper) and its limits;
    /// the type of the items, `None` when they have errors.
    fn array(
        &mut self,
        node: &'a Node,
        path: &YamlPath,
        name: &str,
        above: usize,
        shape: &mut Shape,
    ) -> Option<Ty> {
        let items = match &node.items {
            None => {
                self.r
                    .error(path, false, "an `array` needs `items`".into())
                    .help("say what each element is, e.g. `items: {type: string}`");
                None
            }
            Some(items) if self.word(items) == Word::Builtin(Builtin::Array) => {
                self.r
                    .error(
                        &path.key("items").key("type"),
                        false,
                        "arrays of arrays are not supported".into(),
                    )
                    .help("Amazon's schemas only use arrays of scalars, enums or objects");
                self.survey(items, above + 1, shape);
                None
            }
            Some(items) => self.node(
                items,
                &path.key("items"),
                Place::Item,
                name,
                above + 1,
                shape,
            ),
        };
        if let (Some(min), Some(max)) = (node.min_items, node.max_items)
            && max < min
        {
            self.r
                .error(
                    &path.key("maxItems"),
                    false,
                    format!("maxItems {max} is below minItems {min}"),
                )
                .help("no list could satisfy both limits");
        }
        if node.max_items == Some(0) {
            self.r.error(
                &path.key("maxItems"),
                false,
                "maxItems 0 allows only an empty list".into(),
            );
        }
        items
    }

    /// Puts an object or enum into the type space: a named type into its slot,
    /// an inline one (called `name:`, or after its field) into a new one.
    fn define(
        &mut self,
        node: &Node,
        path: &YamlPath,
        place: Place,
        name: &str,
        kind: TypeKind,
    ) -> Ty {
        let (slot, name, name_at) = match (place, &node.name) {
            (Place::Named(k), _) => (Some(k), name, path.clone()),
            (Place::Field | Place::Item, Some(own)) => (None, own.as_str(), path.key("name")),
            (Place::Field | Place::Item, None) => (None, name, path.clone()),
        };
        let body_at = path.key(match kind {
            TypeKind::Object(_) => "fields",
            TypeKind::Enum(_) => "values",
        });
        let ident = names::type_name(name);
        let draft = Draft {
            def: TypeDef {
                defs_key: format!("{}.{ident}", self.root),
                ident,
                // Array items may go without a description; their type then has none.
                description: node
                    .description
                    .as_deref()
                    .map_or_else(String::new, |d| d.trim().to_owned()),
                body_at: body_at.to_string(),
                kind,
            },
            name_at,
            body_at,
        };
        let slot = match slot {
            Some(k) => {
                self.slots[k] = Some(draft);
                k
            }
            None => {
                self.slots.push(Some(draft));
                self.slots.len() - 1
            }
        };
        Ty::Named(TypeId(slot))
    }

    /// Reports named types that contain themselves (a payload is a finite tree);
    /// without any, every named type after those it refers to.
    fn cycles(&mut self, shapes: &[Shape]) -> Option<Vec<usize>> {
        let edges: Vec<Vec<usize>> = shapes
            .iter()
            .map(|s| s.refs.iter().map(|(_, target)| *target).collect())
            .collect();
        let (cyclic, order) = strongly_connected(&edges);
        for (i, (name, _)) in self.doc.types.iter().enumerate() {
            if cyclic[i] {
                self.r
                    .error(
                        &YamlPath::default().key("types").key(name),
                        true,
                        format!("type `{name}` contains itself"),
                    )
                    .help("a proactive event payload is a finite tree; break the cycle");
            }
        }
        (!cyclic.contains(&true)).then_some(order)
    }

    /// A payload may not nest deeper than [`MAX_NESTING`] nor, named types
    /// expanded, have more than [`MAX_EXPANDED_FIELDS`] fields. Linear in the size
    /// of the file: each named type is measured once, in `order`.
    fn sizes(&mut self, order: &[usize], named: &[Shape], payload: &[Shape]) {
        let (mut heights, mut sizes) = (vec![0; named.len()], vec![0; named.len()]);
        for &i in order {
            heights[i] = named[i].height(&heights);
            // A named type's fields: its own node is the field that uses it.
            sizes[i] = named[i].expanded(&sizes) - 1;
        }
        let mut fields = 0usize;
        for ((field, _), shape) in self.doc.payload.iter().zip(payload) {
            fields = fields.saturating_add(shape.expanded(&sizes));
            let levels = shape.height(&heights);
            if levels > MAX_NESTING {
                self.r.error(
                    &YamlPath::default().key("payload").key(field),
                    true,
                    format!("`{field}` nests objects and arrays {levels} levels deep (the payload counting as one); at most {MAX_NESTING} are supported"),
                )
                .help("Amazon's payloads nest a few levels; flatten the structure");
            }
        }
        if fields > MAX_EXPANDED_FIELDS {
            let shown = if fields == usize::MAX {
                "too many".to_owned()
            } else {
                fields.to_string()
            };
            self.r.error(
                &YamlPath::default().key("payload"),
                true,
                format!("the payload has {shown} fields once each use of a named type counts its fields; at most {MAX_EXPANDED_FIELDS} are supported"),
            )
            .help("a named type used twice inside another one doubles its fields at each level");
        }
    }

    /// Follows a dotted path of JSON names from the payload; the error names the
    /// first bad step, and with `suggest` the nearest field name.
    fn field_at(&mut self, dotted: &str, suggest: bool) -> Result<&'a Node, String> {
        let mut fields = &self.doc.payload;
        let mut walked = String::new();
        let mut steps = dotted.split('.').peekable();
        while let Some(step) = steps.next() {
            let Some(node) = fields.get(step) else {
                let here = if walked.is_empty() {
                    "the payload".to_owned()
                } else {
                    format!("`{walked}`")
                };
                let mut msg = format!("`{dotted}` names no field: {here} has no field `{step}`");
                let names = fields.iter().map(|(k, _)| k).filter(|_| suggest);
                if let Some(s) = did_you_mean(step, names) {
                    msg.push_str(&format!(" (did you mean `{s}`?)"));
                }
                return Err(msg);
            };
            if !walked.is_empty() {
                walked.push('.');
            }
            walked.push_str(step);
            if steps.peek().is_none() {
                return Ok(node);
            }
            let object = match self.word(node) {
                Word::Named(k) => self.named(k),
                Word::Builtin(_) | Word::Undefined | Word::Unknown => node,
            };
            match &object.fields {
                Some(f) => fields = f,
                None => {
                    return Err(format!(
                        "`{dotted}` names no field: `{walked}` has no fields"
                    ));
                }
            }
        }
        Err(format!("`{dotted}` names no field"))
    }

    /// The enum values of a node, following a named type.
    fn enum_values(&mut self, node: &'a Node) -> Option<Vec<&'a str>> {
        let target = match self.word(node) {
            Word::Named(k) => self.named(k),
            Word::Builtin(_) | Word::Undefined | Word::Unknown => node,
        };
        (self.word(target) == Word::Builtin(Builtin::Enum)).then(|| {
            target
                .values
                .iter()
                .flatten()
                .map(|v| v.value.as_str())
                .collect()
        })
    }

    /// The templates; `None` when any has errors (all are checked).
    fn templates(&mut self) -> Option<Vec<Template>> {
        let doc = self.doc;
        let root = YamlPath::default().key("templates");
        if doc.templates.is_empty() {
            self.r
                .error(&root, false, "there are no templates".into())
                .help("add at least one `- text: \"...\"` with the sentence Alexa speaks");
        }
        let mut out = Some(Vec::with_capacity(doc.templates.len()));
        for (i, t) in doc.templates.iter().enumerate() {
            let errors = self.r.len();
            let tp = root.index(i);
            let parts = match template::parse(&t.text) {
                Err(e) => {
                    self.r
                        .error(&tp.key("text"), false, format!("malformed template: {e}"));
                    None
                }
                Ok(parts) => {
                    self.placeholders(&parts, &tp);
                    Some(parts)
                }
            };
            let mut when = Vec::with_capacity(t.when.0.len());
            for (path, want) in t.when.iter() {
                if let Some(c) = self.condition(path, want, &tp.key("when").key(path)) {
                    when.push(c);
                }
            }
            match (&mut out, parts) {
                (Some(out), Some(parts)) if self.r.len() == errors => out.push(Template {
                    when,
                    text: t.text.clone(),
                    parts,
                }),
                _ => out = None,
            }
        }
        out
    }

    /// Each placeholder of a template names a field; a plural one, an integer.
    fn placeholders(&mut self, parts: &[Part], tp: &YamlPath) {
        for part in parts {
            let (path, plural) = match part {
                Part::Text(_) => continue,
                Part::Field(p) => (p, false),
                Part::Plural { path, .. } => (path, true),
            };
            let suggest = !self.r.is_full();
            match self.field_at(path, suggest) {
                Err(e) => {
                    self.r
                        .error(
                            &tp.key("text"),
                            false,
                            format!("template placeholder `{{{path}}}`: {e}"),
                        )
                        .narrow_to(&format!("{{{path}"))
                        .label("no such field")
                        .help(
                            "placeholders name payload fields by their JSON names, joined with dots",
                        );
                }
                Ok(node) if plural && self.word(node) != Word::Builtin(Builtin::Integer) => {
                    self.r.error(&tp.key("text"), false, format!("`{{{path}|…}}` chooses a word by a count, but `{path}` is `{}`, not `integer`", node.ty))
                        .narrow_to(&format!("{{{path}|"));
                }
                Ok(_) => {}
            }
        }
    }

    /// One `when:` entry (at `cp`): the field is present or absent, or the enum
    /// field has a value.
    fn condition(&mut self, path: &str, want: &str, cp: &YamlPath) -> Option<Condition> {
        let suggest = !self.r.is_full();
        let node = match self.field_at(path, suggest) {
            Ok(node) => node,
            Err(e) => {
                self.r.error(cp, true, format!("template condition: {e}"));
                return None;
            }
        };
        let present = |present| Condition::Present {
            path: path.to_owned(),
            present,
        };
        match want {
            "present" => return Some(present(true)),
            "absent" => return Some(present(false)),
            _ => {}
        }
        match self.enum_values(node) {
            Some(values) if values.contains(&want) => Some(Condition::Equals {
                path: path.to_owned(),
                value: want.to_owned(),
            }),
            Some(values) => {
                self.r
                    .error(cp, false, format!("`{want}` is not a value of `{path}`"))
                    .help(format!(
                        "expected `present`, `absent` or one of: {}",
                        values.join(", ")
                    ));
                None
            }
            None => {
                self.r.error(cp, false, format!("`{path}` is not an enum, so the condition can only be `present` or `absent`"));
                None
            }
        }
    }

    /// The event of a file without errors, and the collisions of its Rust names
    /// and the problems of its `example:`.
    fn lay_out(
        &self,
        slots: Vec<Option<Draft>>,
        fields: Vec<Field>,
        templates: Vec<Template>,
    ) -> Option<(Event, Diagnostics)> {
        let doc = self.doc;
        let mut slots: Vec<Slot> = slots
            .into_iter()
            .map(|d| d.map(Slot::Lowered))
            .collect::<Option<_>>()?;
        let root = slots.len();
        slots.push(Slot::Lowered(Draft {
            def: TypeDef {
                ident: self.root.clone(),
                defs_key: self.root.to_string(),
                description: doc.description.trim().to_owned(),
                body_at: "payload".to_owned(),
                kind: TypeKind::Object(fields),
            },
            name_at: YamlPath::default().key("event"),
            body_at: YamlPath::default().key("payload"),
        }));
        let mut layout = Layout {
            slots,
            types: Vec::new(),
            taken: HashMap::new(),
            r: Reporter::new(self.r.file),
        };
        layout.place(root);
        // Checked against the laid-out types, so that named types are resolved.
        let example = crate::example::check(&layout.types, doc.example.as_ref(), &mut layout.r)
            .unwrap_or_default();
        let event = Event {
            name: doc.event.clone(),
            source_file: self.r.file.source.path.clone(),
            description: doc.description.trim().to_owned(),
            module: self.module.clone(),
            locales: match &doc.locales {
                Locales::Any => None,
                Locales::Only(l) => Some(l.clone()),
            },
            types: layout.types,
            templates,
            example,
        };
        Some((event, layout.r.finish()))
    }
}

/// A type of the layout: lowered, or placed at its id.
#[derive(Debug)]
enum Slot {
    Lowered(Draft),
    Placed(TypeId),
}

/// Numbers the types of an event in first-use order, depth first from the
/// payload struct (which becomes `TypeId(0)`), and reports Rust names that
/// collide, in the same order. The walk is as deep as the nesting
/// ([`MAX_NESTING`]): only files without errors are laid out.
struct Layout<'a> {
    slots: Vec<Slot>,
    types: Vec<TypeDef>,
    /// Rust type name -> where the first type with it is named.
    taken: HashMap<RustIdent, YamlPath>,
    r: Reporter<'a>,
}

impl Layout<'_> {
    /// The id of the type in `slot`, placing it (and the types it uses) on first use.
    fn place(&mut self, slot: usize) -> TypeId {
        let id = TypeId(self.types.len());
        let draft = match std::mem::replace(&mut self.slots[slot], Slot::Placed(id)) {
            Slot::Lowered(draft) => draft,
            Slot::Placed(placed) => {
                self.slots[slot] = Slot::Placed(placed);
                return placed;
            }
        };
        let Draft {
            def,
            name_at,
            body_at,
        } = draft;
        self.claim(&def.ident, name_at);
        let TypeDef {
            ident,
            defs_key,
            description,
            body_at: at,
            kind,
        } = def;
        // Its id is taken before the types it uses take theirs; its kind follows.
        self.types.push(TypeDef {
            ident,
            defs_key,
            description,
            body_at: at,
            kind: TypeKind::Enum(Vec::new()),
        });
        let kind = match kind {
            TypeKind::Object(fields) => TypeKind::Object(self.fields(fields, &body_at)),
            TypeKind::Enum(variants) => {
                self.variants(&variants, &body_at);
                TypeKind::Enum(variants)
            }
        };
        self.types[id.0].kind = kind;
        id
    }

    /// Reserves a Rust type name in this event; a second claim is a collision.
    fn claim(&mut self, ident: &RustIdent, at: YamlPath) {
        if let Some(first) = self.taken.get(ident).map(ToString::to_string) {
            self.r
                .error(
                    &at,
                    true,
                    format!("two types are both named `{ident}` in Rust"),
                )
                .help(format!(
                    "the first is at `{first}`; give one of them another `name:`"
                ));
        } else {
            self.taken.insert(ident.clone(), at);
        }
    }

    /// An object's fields (at `at`), their types placed.
    fn fields(&mut self, fields: Vec<Field>, at: &YamlPath) -> Vec<Field> {
        let mut out: Vec<Field> = Vec::with_capacity(fields.len());
        // Rust field name -> the first field that has it.
        let mut taken: HashMap<RustIdent, usize> = HashMap::new();
        for mut field in fields {
            if let Some(other) = taken.get(&field.ident).map(|i| &out[*i]) {
                self.r
                    .error(
                        &at.key(&field.wire),
                        true,
                        format!(
                            "fields `{}` and `{}` both become the Rust field `{}`",
                            other.wire, field.wire, field.ident
                        ),
                    )
                    .help(
                        "JSON names that differ only in case or separators cannot share an object",
                    );
            }
            field.ty = self.remap(field.ty);
            taken.entry(field.ident.clone()).or_insert(out.len());
            out.push(field);
        }
        out
    }

    /// Reports enum values (at `at`) that become one Rust variant.
    fn variants(&mut self, variants: &[Variant], at: &YamlPath) {
        // Rust variant name -> the first value that has it.
        let mut taken: HashMap<&RustIdent, usize> = HashMap::new();
        for (i, v) in variants.iter().enumerate() {
            let first = *taken.entry(&v.ident).or_insert(i);
            if first != i {
                self.r
                    .error(
                        &at.index(i).key("value"),
                        false,
                        format!(
                            "enum values `{}` and `{}` both become the Rust variant `{}`",
                            variants[first].wire, v.wire, v.ident
                        ),
                    )
                    .help("values that differ only in case or separators cannot share an enum");
            }
        }
    }

    /// `ty` with slots replaced by ids.
    fn remap(&mut self, ty: Ty) -> Ty {
        match ty {
            Ty::Named(TypeId(slot)) => Ty::Named(self.place(slot)),
            Ty::Array {
                items,
                min_items,
                max_items,
                unique,
            } => Ty::Array {
                items: Box::new(self.remap(*items)),
                min_items,
                max_items,
                unique,
            },
            ty @ (Ty::Text { .. } | Ty::Integer { .. } | Ty::Boolean | Ty::DateTime) => ty,
        }
    }
}

/// For each node of a graph, whether it lies on a cycle; and every node ordered
/// after all the nodes it reaches (within a cycle, in any order). Tarjan's
/// strongly connected components, without recursion, so that a long chain of
/// types cannot exhaust the stack.
fn strongly_connected(edges: &[Vec<usize>]) -> (Vec<bool>, Vec<usize>) {
    const NEW: usize = usize::MAX;
    let n = edges.len();
    let (mut number, mut low) = (vec![NEW; n], vec![0; n]);
    let mut on_stack = vec![false; n];
    let (mut stack, mut order) = (Vec::new(), Vec::with_capacity(n));
    let mut cyclic = vec![false; n];
    let mut next = 0;
    for root in 0..n {
        if number[root] != NEW {
            continue;
        }
        // (node, index of its next edge): the recursion of the textbook version.
        let mut calls = vec![(root, 0)];
        (number[root], low[root]) = (next, next);
        next += 1;
        stack.push(root);
        on_stack[root] = true;
        while let Some(&mut (v, ref mut e)) = calls.last_mut() {
            if let Some(&w) = edges[v].get(*e) {
                *e += 1;
                if number[w] == NEW {
                    (number[w], low[w]) = (next, next);
                    next += 1;
                    stack.push(w);
                    on_stack[w] = true;
                    calls.push((w, 0));
                } else if on_stack[w] {
                    low[v] = low[v].min(number[w]);
                }
                continue;
            }
            calls.pop();
            if let Some(&(u, _)) = calls.last() {
                low[u] = low[u].min(low[v]);
            }
            if low[v] == number[v] {
                let start = order.len();
                while let Some(w) = stack.pop() {
                    on_stack[w] = false;
                    order.push(w);
                    if w == v {
                        break;
                    }
                }
                let on_cycle = order.len() - start > 1 || edges[v].contains(&v);
                for &w in &order[start..] {
                    cyclic[w] = on_cycle;
                }
            }
        }
    }
    (cyclic, order)
}
