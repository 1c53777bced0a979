//! Stage 2, check: semantic rules of the YAML language. Collects every error.

use crate::diag::{Diagnostic, Diagnostics, MAX_ERRORS, did_you_mean};
use crate::load::{Loaded, Locales, Node, OrderedMap, SchemaDoc};
use crate::locate::YamlPath;
use crate::template;
use std::collections::{BTreeMap, BTreeSet, HashMap};

/// The field types the language defines; anything starting upper-case names a
/// type under `types:`. A new field type is a variant here: the compiler then
/// points at every `match` that must handle it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
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
    /// Every variant, in the order diagnostics list them.
    pub const ALL: [Builtin; 7] = [
        Self::String,
        Self::Integer,
        Self::Boolean,
        Self::DateTime,
        Self::Enum,
        Self::Object,
        Self::Array,
    ];

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
        Self::ALL.into_iter().find(|b| b.keyword() == word)
    }
}

impl std::fmt::Display for Builtin {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.keyword())
    }
}

/// The keywords of [`Builtin::ALL`], in order.
pub const BUILTIN_TYPES: &[&str] = &{
    let mut words = [""; Builtin::ALL.len()];
    let mut i = 0;
    while i < words.len() {
        words[i] = Builtin::ALL[i].keyword();
        i += 1;
    }
    words
};

/// Where a node sits decides which keys it may have.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Place {
    Field,
    Item,
    Named,
}

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

    /// Everything reported, the errors past the cap as a count.
    pub fn finish(self) -> Diagnostics {
        Diagnostics::new(self.out, self.omitted)
    }
}

/// Checks every file and the set of files; returns all diagnostics, each file's
/// beyond [`MAX_ERRORS`] counted only.
pub fn check(files: &[Loaded]) -> Vec<Diagnostics> {
    let mut out = Vec::new();
    let mut seen: BTreeMap<&str, &str> = BTreeMap::new();
    // Files are independent (in parallel); the set of files is checked after.
    let reporters = crate::par::map(files, |file| {
        let mut r = Reporter::new(file);
        check_file(&mut r, &file.doc);
        r
    });
    for (file, mut r) in files.iter().zip(reporters) {
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
        out.push(r.finish());
    }
    out
}

fn check_file(r: &mut Reporter<'_>, doc: &SchemaDoc) {
    let root = YamlPath::default();
    check_event_name(r, doc);
    if doc.description.trim().is_empty() {
        r.error(
            &root.key("description"),
            false,
            "the event description is empty".into(),
        );
    }
    check_locales(r, doc, &root.key("locales"));
    for (name, node) in doc.types.iter() {
        let path = root.key("types").key(name);
        if !name.starts_with(|c: char| c.is_ascii_uppercase()) {
            r.error(
                &path,
                true,
                format!("type name `{name}` must start with an upper-case letter"),
            )
            .help("field types are lower-case words; named types are written like `TeamStatistic`");
        }
        check_node(r, doc, node, &path, Place::Named);
    }
    check_type_graph(r, doc);
    if doc.payload.is_empty() {
        r.error(
            &root.key("payload"),
            false,
            "the payload has no fields".into(),
        );
    }
    for (name, node) in doc.payload.iter() {
        check_node(r, doc, node, &root.key("payload").key(name), Place::Field);
    }
    check_templates(r, doc);
}

fn check_event_name(r: &mut Reporter<'_>, doc: &SchemaDoc) {
    let path = YamlPath::default().key("event");
    let parts: Vec<&str> = doc.event.split('.').collect();
    let pascal = |s: &str| {
        s.starts_with(|c: char| c.is_ascii_uppercase())
            && s.chars().all(|c| c.is_ascii_alphanumeric())
    };
    let well_formed =
        parts.len() == 3 && parts[0] == "AMAZON" && pascal(parts[1]) && pascal(parts[2]);
    if !well_formed {
        r.error(&path, false, format!("event name `{}` is not of the form `AMAZON.<Type>.<State>`", doc.event))
            .help("for example `AMAZON.OrderStatus.Updated`: the AMAZON namespace, then the type and the state in PascalCase");
    }
    let file_stem = r
        .file
        .source
        .path
        .rsplit(['/', '\\'])
        .next()
        .and_then(|f| f.strip_suffix(".yaml"))
        .unwrap_or_default()
        .to_owned();
    if file_stem != doc.event {
        r.error(
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

fn check_locales(r: &mut Reporter<'_>, doc: &SchemaDoc, path: &YamlPath) {
    let Locales::Only(list) = &doc.locales else {
        return;
    };
    if list.is_empty() {
        r.error(path, false, "the locale list is empty".into())
            .help("write `locales: any` when Amazon documents no restriction");
    }
    let mut seen = BTreeSet::new();
    for (i, locale) in list.iter().enumerate() {
        let mut subtags = locale.split('-');
        let language_ok = subtags.next().is_some_and(|l| {
            (2..=3).contains(&l.len()) && l.chars().all(|c| c.is_ascii_lowercase())
        });
        let rest_ok = subtags
            .all(|s| (1..=8).contains(&s.len()) && s.chars().all(|c| c.is_ascii_alphanumeric()));
        if !(language_ok && rest_ok) {
            r.error(
                &path.index(i),
                false,
                format!("`{locale}` is not a BCP 47 locale"),
            )
            .help("write locales like `en-US` or `ja-JP`");
        }
        if !seen.insert(locale.as_str()) {
            r.error(
                &path.index(i),
                false,
                format!("locale `{locale}` is listed twice"),
            );
        }
    }
}

/// What `ty` means in this file.
pub(crate) enum Resolved<'d> {
    Builtin(Builtin),
    Named(&'d str, &'d Node),
    Undefined,
    Unknown,
}

pub(crate) fn resolve<'d>(doc: &'d SchemaDoc, ty: &str) -> Resolved<'d> {
    if let Some(b) = Builtin::of(ty) {
        return Resolved::Builtin(b);
    }
    match doc.types.0.iter().find(|(k, _)| k == ty) {
        Some((k, node)) => Resolved::Named(k, node),
        None if ty.starts_with(|c: char| c.is_ascii_uppercase()) => Resolved::Undefined,
        None => Resolved::Unknown,
    }
}

fn check_node(r: &mut Reporter<'_>, doc: &SchemaDoc, node: &Node, path: &YamlPath, place: Place) {
    let kind = match resolve(doc, &node.ty) {
        Resolved::Builtin(b) => b,
        Resolved::Named(_, target) => {
            if place == Place::Named {
                r.error(
                    &path.key("type"),
                    false,
                    "a named type must be an `object` or an `enum`".into(),
                );
            }
            match resolve(doc, &target.ty) {
                Resolved::Builtin(b) => b,
                _ => Builtin::Object,
            }
        }
        Resolved::Undefined => {
            // Past the cap the error is only counted: skip the costly hint.
            let suggest = !r.is_full();
            let names = doc.types.0.iter().map(|(k, _)| k.as_str());
            let d = r
                .error(
                    &path.key("type"),
                    false,
                    format!("reference to an undefined type `{}`", node.ty),
                )
                .label("no such type under `types:`");
            match did_you_mean(&node.ty, names.filter(|_| suggest)) {
                Some(s) => d.help = Some(format!("did you mean `{s}`?")),
                None => {
                    d.help = Some("define it under `types:` at the top level of the file".into());
                }
            }
            return;
        }
        Resolved::Unknown => {
            let mut candidates: Vec<&str> = BUILTIN_TYPES.to_vec();
            if r.is_full() {
                candidates.clear();
            } else {
                candidates.extend(doc.types.0.iter().map(|(k, _)| k.as_str()));
            }
            let d = r
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
            return;
        }
    };
    let is_named_ref = Builtin::of(&node.ty).is_none();
    if place == Place::Named && !matches!(kind, Builtin::Object | Builtin::Enum) {
        r.error(
            &path.key("type"),
            false,
            format!("a named type must be an `object` or an `enum`, not `{kind}`"),
        );
    }

    // Keys that depend on the place.
    match place {
        Place::Field => {
            if node.required.is_none() {
                r.error(path, false, "the field has no `required` flag".into())
                    .help("add `required: true` or `required: false`");
            }
        }
        Place::Item | Place::Named => {
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
                    r.error(
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
            r.error(
                &path.key("description"),
                false,
                "the description is empty".into(),
            );
        }
        (None, Place::Field | Place::Named) => {
            r.error(path, false, "the description is missing".into())
                .help("every field and named type says what it is for; it becomes the doc comment and the JSON Schema description");
        }
        _ => {}
    }
    if node.localizable == Some(true) && kind != Builtin::String {
        r.error(
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
        if is_named_ref || !matches!(kind, Builtin::Object | Builtin::Enum) || place == Place::Named
        {
            r.error(
                &path.key("name"),
                true,
                "`name` applies only to an inline `object` or `enum`".into(),
            );
        } else if !(name.starts_with(|c: char| c.is_ascii_uppercase())
            && name.chars().all(|c| c.is_ascii_alphanumeric()))
        {
            r.error(
                &path.key("name"),
                false,
                format!("type name `{name}` must be PascalCase letters and digits"),
            );
        }
    }

    // Keys that depend on the type.
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
    let own = !is_named_ref;
    only(
        r,
        "fields",
        node.fields.is_some() && !(own && kind == Builtin::Object),
        "object",
    );
    only(
        r,
        "values",
        node.values.is_some() && !(own && kind == Builtin::Enum),
        "enum",
    );
    only(
        r,
        "items",
        node.items.is_some() && kind != Builtin::Array,
        "array",
    );
    for (key, set) in [
        ("minItems", node.min_items.is_some()),
        ("maxItems", node.max_items.is_some()),
        ("uniqueItems", node.unique_items.is_some()),
    ] {
        only(r, key, set && kind != Builtin::Array, "array");
    }
    for (key, set) in [
        ("minimum", node.minimum.is_some()),
        ("maximum", node.maximum.is_some()),
    ] {
        only(r, key, set && kind != Builtin::Integer, "integer");
        if set && kind == Builtin::Integer && place == Place::Item {
            r.error(
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
        r.error(
            &path.key("maximum"),
            false,
            format!("maximum {max} is below minimum {min}"),
        )
        .help("no integer could satisfy both bounds");
    }

    match kind {
        Builtin::Object if own => match &node.fields {
            None => {
                r.error(path, false, "an `object` needs `fields`".into());
            }
            Some(fields) if fields.is_empty() => {
                r.error(
                    &path.key("fields"),
                    false,
                    "an `object` needs at least one field".into(),
                );
            }
            Some(fields) => {
                for (name, child) in fields.iter() {
                    check_node(r, doc, child, &path.key("fields").key(name), Place::Field);
                }
            }
        },
        Builtin::Enum if own => check_enum(r, node, path),
        Builtin::Array => check_array(r, doc, node, path),
        Builtin::Object | Builtin::Enum => {}
        Builtin::String | Builtin::Integer | Builtin::Boolean | Builtin::DateTime => {}
    }
}

fn check_enum(r: &mut Reporter<'_>, node: &Node, path: &YamlPath) {
    let Some(values) = &node.values else {
        r.error(path, false, "an `enum` needs `values`".into())
            .help("list them as `- {value: EXACT_SPELLING, spoken: words}`");
        return;
    };
    if values.is_empty() {
        r.error(
            &path.key("values"),
            false,
            "empty enum: `values` has no entries".into(),
        )
        .help("an enum needs at least one value, spelt exactly as Amazon spells it");
    }
    let mut seen = BTreeSet::new();
    for (i, v) in values.iter().enumerate() {
        let vp = path.key("values").index(i);
        if v.value.is_empty() {
            r.error(&vp.key("value"), false, "an enum value is empty".into());
        } else if !seen.insert(v.value.as_str()) {
            r.error(
                &vp.key("value"),
                false,
                format!("duplicate enum value `{}`", v.value),
            )
            .label("already listed above")
            .help("each value may appear once; remove the repeat");
        }
        if v.spoken.trim().is_empty() {
            r.error(
                &vp.key("spoken"),
                false,
                format!("the spoken form of `{}` is empty", v.value),
            );
        }
    }
}

fn check_array(r: &mut Reporter<'_>, doc: &SchemaDoc, node: &Node, path: &YamlPath) {
    match &node.items {
        None => {
            r.error(path, false, "an `array` needs `items`".into())
                .help("say what each element is, e.g. `items: {type: string}`");
        }
        Some(items) if Builtin::of(&items.ty) == Some(Builtin::Array) => {
            r.error(
                &path.key("items").key("type"),
                false,
                "arrays of arrays are not supported".into(),
            )
            .help("Amazon's schemas only use arrays of scalars, enums or objects");
        }
        Some(items) => check_node(r, doc, items, &path.key("items"), Place::Item),
    }
    if let (Some(min), Some(max)) = (node.min_items, node.max_items)
        && max < min
    {
        r.error(
            &path.key("maxItems"),
            false,
            format!("maxItems {max} is below minItems {min}"),
        )
        .help("no list could satisfy both limits");
    }
    if node.max_items == Some(0) {
        r.error(
            &path.key("maxItems"),
            false,
            "maxItems 0 allows only an empty list".into(),
        );
    }
}

/// The deepest nesting of objects and arrays a payload may have, the payload
/// object itself counting as one. Amazon's go five deep; the generated code and
/// the compiler recurse along this nesting, so it is bounded.
pub const MAX_NESTING: usize = 32;

/// The most fields (and array items) a payload may have once every use of a named
/// type is counted with the type's own fields. Amazon's have about twenty; the
/// generated metadata lists them (the localizable paths), so a few named types
/// that use each other twice must not multiply into millions.
pub const MAX_EXPANDED_FIELDS: usize = 10_000;

/// How the objects and arrays inside one node nest, named types not followed.
#[derive(Default)]
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
    /// `node`, under `above` levels; `index` finds named types.
    fn of(index: &HashMap<&str, usize>, node: &Node, above: usize) -> Self {
        let mut shape = Shape::default();
        shape.add(index, node, above);
        shape
    }

    /// Adds `node`, which sits under `above` levels (recursion is bounded by the
    /// YAML nesting limit: named types are not followed here).
    fn add(&mut self, index: &HashMap<&str, usize>, node: &Node, above: usize) {
        let Some(builtin) = Builtin::of(&node.ty) else {
            if let Some(&target) = index.get(node.ty.as_str()) {
                self.refs.push((above, target));
            }
            self.nodes += 1;
            return;
        };
        self.nodes += 1;
        if !matches!(builtin, Builtin::Object | Builtin::Array) {
            return;
        }
        self.height = self.height.max(above + 1);
        for (_, field) in node.fields.iter().flat_map(OrderedMap::iter) {
            self.add(index, field, above + 1);
        }
        if let Some(items) = &node.items {
            self.add(index, items, above + 1);
        }
    }

    /// The levels, given the levels of each named type.
    /// The nodes once every named type is counted, given the count of each.
    fn expanded(&self, named: &[usize]) -> usize {
        self.refs.iter().fold(self.nodes, |sum, (_, target)| {
            sum.saturating_add(named[*target])
        })
    }

    fn height(&self, named: &[usize]) -> usize {
        self.refs
            .iter()
            .map(|(above, target)| above + named[*target])
            .fold(self.height, usize::max)
    }
}

/// A named type may not contain itself (it would be infinitely large), and a
/// payload may not nest deeper than [`MAX_NESTING`]. Linear in the size of the
/// file: each named type is visited once (Tarjan's strongly connected components,
/// without recursion, so that a long chain of types cannot exhaust the stack).
fn check_type_graph(r: &mut Reporter<'_>, doc: &SchemaDoc) {
    let names: Vec<&str> = doc.types.iter().map(|(k, _)| k).collect();
    let index: HashMap<&str, usize> = names.iter().enumerate().map(|(i, n)| (*n, i)).collect();
    let shapes: Vec<Shape> = doc
        .types
        .iter()
        .map(|(_, n)| Shape::of(&index, n, 0))
        .collect();
    let edges: Vec<Vec<usize>> = shapes
        .iter()
        .map(|s| s.refs.iter().map(|(_, target)| *target).collect())
        .collect();
    let (cyclic, order) = strongly_connected(&edges);
    for (i, name) in names.iter().enumerate() {
        if cyclic[i] {
            r.error(
                &YamlPath::default().key("types").key(name),
                true,
                format!("type `{name}` contains itself"),
            )
            .help("a proactive event payload is a finite tree; break the cycle");
        }
    }
    if cyclic.contains(&true) {
        return;
    }
    // Every type after those it refers to.
    let (mut heights, mut sizes) = (vec![0; names.len()], vec![0; names.len()]);
    for i in order {
        heights[i] = shapes[i].height(&heights);
        // A named type's fields: its own node is the field that uses it.
        sizes[i] = shapes[i].expanded(&sizes) - 1;
    }
    let mut fields = 0usize;
    for (field, node) in doc.payload.iter() {
        let shape = Shape::of(&index, node, 1);
        fields = fields.saturating_add(shape.expanded(&sizes));
        let levels = shape.height(&heights);
        if levels > MAX_NESTING {
            r.error(
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
        r.error(
            &YamlPath::default().key("payload"),
            true,
            format!("the payload has {shown} fields once each use of a named type counts its fields; at most {MAX_EXPANDED_FIELDS} are supported"),
        )
        .help("a named type used twice inside another one doubles its fields at each level");
    }
}

/// For each node of a graph, whether it lies on a cycle; and every node ordered
/// after all the nodes it reaches (within a cycle, in any order).
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

/// Follows a dotted path of JSON names from the payload; the error names the first
/// bad step, and with `suggest` the nearest field name.
pub(crate) fn field_at<'d>(
    doc: &'d SchemaDoc,
    dotted: &str,
    suggest: bool,
) -> Result<&'d Node, String> {
    let mut fields = &doc.payload;
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
        let object = match resolve(doc, &node.ty) {
            Resolved::Named(_, target) => target,
            _ => node,
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
pub(crate) fn enum_values<'d>(doc: &'d SchemaDoc, node: &'d Node) -> Option<Vec<&'d str>> {
    let target = match resolve(doc, &node.ty) {
        Resolved::Named(_, t) => t,
        _ => node,
    };
    (Builtin::of(&target.ty) == Some(Builtin::Enum)).then(|| {
        target
            .values
            .iter()
            .flatten()
            .map(|v| v.value.as_str())
            .collect()
    })
}

fn check_templates(r: &mut Reporter<'_>, doc: &SchemaDoc) {
    let root = YamlPath::default().key("templates");
    if doc.templates.is_empty() {
        r.error(&root, false, "there are no templates".into())
            .help("add at least one `- text: \"...\"` with the sentence Alexa speaks");
    }
    for (i, t) in doc.templates.iter().enumerate() {
        let tp = root.index(i);
        match template::parse(&t.text) {
            Err(e) => {
                r.error(&tp.key("text"), false, format!("malformed template: {e}"));
            }
            Ok(parts) => {
                for part in &parts {
                    let (path, plural) = match part {
                        template::Part::Text(_) => continue,
                        template::Part::Field(p) => (p, false),
                        template::Part::Plural { path, .. } => (path, true),
                    };
                    match field_at(doc, path, !r.is_full()) {
                        Err(e) => {
                            r.error(&tp.key("text"), false, format!("template placeholder `{{{path}}}`: {e}"))
                                .narrow_to(&format!("{{{path}"))
                                .label("no such field")
                                .help("placeholders name payload fields by their JSON names, joined with dots");
                        }
                        Ok(node) if plural && Builtin::of(&node.ty) != Some(Builtin::Integer) => {
                            r.error(&tp.key("text"), false, format!("`{{{path}|…}}` chooses a word by a count, but `{path}` is `{}`, not `integer`", node.ty))
                                .narrow_to(&format!("{{{path}|"));
                        }
                        Ok(_) => {}
                    }
                }
            }
        }
        for (path, want) in t.when.iter() {
            let cp = tp.key("when").key(path);
            match field_at(doc, path, !r.is_full()) {
                Err(e) => {
                    r.error(&cp, true, format!("template condition: {e}"));
                }
                Ok(node) => {
                    if matches!(want.as_str(), "present" | "absent") {
                        continue;
                    }
                    match enum_values(doc, node) {
                        Some(values) if values.contains(&want.as_str()) => {}
                        Some(values) => {
                            r.error(&cp, false, format!("`{want}` is not a value of `{path}`"))
                                .help(format!(
                                    "expected `present`, `absent` or one of: {}",
                                    values.join(", ")
                                ));
                        }
                        None => {
                            r.error(&cp, false, format!("`{path}` is not an enum, so the condition can only be `present` or `absent`"));
                        }
                    }
                }
            }
        }
    }
}
