//! Schema evolution (issue 24): two catalogs in, every change between them out, each
//! with what it means for the facade crate's version and for JSON Schema users.
//!
//! Pure: `cargo xtask schema-diff` reads the schemas at a git revision and in the work
//! tree, lowers both ([`crate::build_catalog`]) and hands the catalogs to [`diff`].
//!
//! [`Kind`] owns the rules: each kind's [`Kind::rust`] and [`Kind::json`] are the
//! version policy that `CHANGELOG.md` (its Versioning section) writes down, and a test
//! holds that table to them. Where one change differs from its kind's rule, the
//! difference is decided where the change is found, and said in the kind's doc.
//! Where `cargo-semver-checks` cannot see what the rule calls major, decision D31
//! (`docs/decisions.md`) says why the rule stands.

use crate::model::{Catalog, Event, Field, IntWidth, Ty, TypeDef, TypeId, TypeKind};
use serde::Serialize;
use std::collections::BTreeSet;
use std::fmt;

/// What changed. The name shown is the kebab-case form (`field-added`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Kind {
    /// A new schema: a new `Event` variant (`#[non_exhaustive]`) and module.
    EventAdded,
    /// A schema gone: its module and variant are gone, its bodies refused.
    EventRemoved,
    /// A new field. Payload structs are exhaustive (users write struct literals), so
    /// even an optional field breaks Rust users. JSON: `both` when it is required.
    FieldAdded,
    /// A field gone. JSON: `both` when it was required (bodies without it now pass).
    FieldRemoved,
    /// A field's type changed. JSON: decided by the two types (a date-time is a
    /// string, a plain string may be localizable text, an enum value is a string).
    FieldRetyped,
    FieldMadeRequired,
    FieldMadeOptional,
    /// `localizable: true`: `PlainText` becomes `Text`, references are now accepted.
    FieldMadeLocalizable,
    FieldMadeNotLocalizable,
    /// A generated enum is `#[non_exhaustive]`: a new variant breaks no `match`.
    EnumValueAdded,
    EnumValueRemoved,
    /// A value removed and another added at the same place in the list.
    EnumValueRenamed,
    /// `minimum`, `maximum`, `minItems`, `maxItems` or `uniqueItems` refuses bodies it
    /// accepted. The Rust API may stay the same: a behaviour change (D31).
    ConstraintTightened,
    /// The reverse. Rust: `major` when an integer's Rust type changes with it
    /// (`minimum: 0` and no maximum is a `u64`, anything else an `i64`).
    ConstraintLoosened,
    /// A type's Rust name (`name:`) changed.
    TypeRenamed,
    /// A sentence Alexa says, its condition, or a value's spoken form.
    TemplateChanged,
    /// A description (event, field, type or enum value): documentation only.
    DescriptionChanged,
    /// The schema's `example:` payload.
    ExampleChanged,
    /// `locales:`: a validation warning and JSON Schema annotation only.
    LocalesChanged,
}

impl Kind {
    /// Every kind, in the order reports list them.
    pub const ALL: &'static [Kind] = &[
        Kind::EventAdded,
        Kind::EventRemoved,
        Kind::FieldAdded,
        Kind::FieldRemoved,
        Kind::FieldRetyped,
        Kind::FieldMadeRequired,
        Kind::FieldMadeOptional,
        Kind::FieldMadeLocalizable,
        Kind::FieldMadeNotLocalizable,
        Kind::EnumValueAdded,
        Kind::EnumValueRemoved,
        Kind::EnumValueRenamed,
        Kind::ConstraintTightened,
        Kind::ConstraintLoosened,
        Kind::TypeRenamed,
        Kind::TemplateChanged,
        Kind::DescriptionChanged,
        Kind::ExampleChanged,
        Kind::LocalesChanged,
    ];

    /// The kebab-case name reports show.
    pub fn name(self) -> &'static str {
        match self {
            Kind::EventAdded => "event-added",
            Kind::EventRemoved => "event-removed",
            Kind::FieldAdded => "field-added",
            Kind::FieldRemoved => "field-removed",
            Kind::FieldRetyped => "field-retyped",
            Kind::FieldMadeRequired => "field-made-required",
            Kind::FieldMadeOptional => "field-made-optional",
            Kind::FieldMadeLocalizable => "field-made-localizable",
            Kind::FieldMadeNotLocalizable => "field-made-not-localizable",
            Kind::EnumValueAdded => "enum-value-added",
            Kind::EnumValueRemoved => "enum-value-removed",
            Kind::EnumValueRenamed => "enum-value-renamed",
            Kind::ConstraintTightened => "constraint-tightened",
            Kind::ConstraintLoosened => "constraint-loosened",
            Kind::TypeRenamed => "type-renamed",
            Kind::TemplateChanged => "template-changed",
            Kind::DescriptionChanged => "description-changed",
            Kind::ExampleChanged => "example-changed",
            Kind::LocalesChanged => "locales-changed",
        }
    }

    /// The kind's Rust impact (its doc says when one change differs).
    pub fn rust(self) -> Bump {
        match self {
            Kind::EventAdded | Kind::EnumValueAdded | Kind::ConstraintLoosened => Bump::Minor,
            Kind::EventRemoved
            | Kind::FieldAdded
            | Kind::FieldRemoved
            | Kind::FieldRetyped
            | Kind::FieldMadeRequired
            | Kind::FieldMadeOptional
            | Kind::FieldMadeLocalizable
            | Kind::FieldMadeNotLocalizable
            | Kind::EnumValueRemoved
            | Kind::EnumValueRenamed
            | Kind::ConstraintTightened
            | Kind::TypeRenamed => Bump::Major,
            Kind::TemplateChanged
            | Kind::DescriptionChanged
            | Kind::ExampleChanged
            | Kind::LocalesChanged => Bump::Patch,
        }
    }

    /// The kind's JSON Schema impact (its doc says when one change differs).
    pub fn json(self) -> Json {
        match self {
            Kind::EventAdded
            | Kind::FieldAdded
            | Kind::FieldMadeOptional
            | Kind::FieldMadeLocalizable
            | Kind::EnumValueAdded
            | Kind::ConstraintLoosened => Json::Looser,
            Kind::EventRemoved
            | Kind::FieldRemoved
            | Kind::FieldMadeRequired
            | Kind::FieldMadeNotLocalizable
            | Kind::EnumValueRemoved
            | Kind::ConstraintTightened => Json::Stricter,
            Kind::FieldRetyped | Kind::EnumValueRenamed => Json::Both,
            Kind::TypeRenamed
            | Kind::TemplateChanged
            | Kind::DescriptionChanged
            | Kind::ExampleChanged
            | Kind::LocalesChanged => Json::Neutral,
        }
    }
}

impl fmt::Display for Kind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// A Cargo semver class, least first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Bump {
    Patch,
    Minor,
    Major,
}

impl Bump {
    pub fn name(self) -> &'static str {
        match self {
            Bump::Patch => "patch",
            Bump::Minor => "minor",
            Bump::Major => "major",
        }
    }

    /// The version after `current` (`MAJOR.MINOR.PATCH`) under Cargo's rules: before
    /// 1.0 the leftmost non-zero component is the major one (0.1.0 major → 0.2.0,
    /// minor or patch → 0.1.1; 0.0.3 anything → 0.0.4). `None` when `current` is not
    /// three numbers.
    pub fn next(self, current: &str) -> Option<String> {
        let core = current.split(['-', '+']).next()?;
        let parts: Vec<u64> = core
            .split('.')
            .map(str::parse)
            .collect::<Result<_, _>>()
            .ok()?;
        let [major, minor, patch] = parts[..] else {
            return None;
        };
        let (major, minor, patch) = match (major, minor, self) {
            (0, 0, _) => (0, 0, patch + 1),
            (0, _, Bump::Major) => (0, minor + 1, 0),
            (0, _, _) => (0, minor, patch + 1),
            (_, _, Bump::Major) => (major + 1, 0, 0),
            (_, _, Bump::Minor) => (major, minor + 1, 0),
            (_, _, Bump::Patch) => (major, minor, patch + 1),
        };
        Some(format!("{major}.{minor}.{patch}"))
    }
}

impl fmt::Display for Bump {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// What a change does to the set of bodies the JSON Schemas accept.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Json {
    /// The same bodies pass.
    Neutral,
    /// Some body valid before is invalid after.
    Stricter,
    /// Some body invalid before is valid after.
    Looser,
    Both,
}

impl Json {
    pub fn name(self) -> &'static str {
        match self {
            Json::Neutral => "neutral",
            Json::Stricter => "stricter",
            Json::Looser => "looser",
            Json::Both => "both",
        }
    }

    /// The impact of two changes together.
    pub fn and(self, other: Json) -> Json {
        match (self, other) {
            (Json::Neutral, x) | (x, Json::Neutral) => x,
            (a, b) if a == b => a,
            _ => Json::Both,
        }
    }
}

impl fmt::Display for Json {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// One change.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Change {
    pub event: String,
    /// Where in the YAML file (of the work tree; of the base for what was removed).
    pub path: String,
    pub kind: Kind,
    /// What it was and is, for people (`minimum 0 → 1`).
    pub detail: String,
    pub rust: Bump,
    pub json: Json,
}

/// Every change from `base` to `current`: events in name order, each event's changes in
/// the order of its file.
pub fn diff(base: &Catalog, current: &Catalog) -> Vec<Change> {
    let mut out = Vec::new();
    let mut names: Vec<&str> = base
        .events
        .iter()
        .chain(&current.events)
        .map(|e| e.name.as_str())
        .collect();
    names.sort_unstable();
    names.dedup();
    for name in names {
        let old = base.events.iter().find(|e| e.name == name);
        let new = current.events.iter().find(|e| e.name == name);
        let mut d = Differ {
            event: name,
            out: &mut out,
            seen: BTreeSet::new(),
        };
        match (old, new) {
            (Some(old), Some(new)) => d.event(old, new),
            (None, Some(new)) => d.push("event", Kind::EventAdded, new.source_file.clone()),
            (Some(old), None) => d.push("event", Kind::EventRemoved, old.source_file.clone()),
            (None, None) => {}
        }
    }
    out
}

/// The whole of a diff: the largest bump and every JSON impact together.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Overall {
    /// `None`: nothing changed.
    pub rust: Option<Bump>,
    pub json: Json,
}

pub fn overall(changes: &[Change]) -> Overall {
    Overall {
        rust: changes.iter().map(|c| c.rust).max(),
        json: changes.iter().fold(Json::Neutral, |j, c| j.and(c.json)),
    }
}

/// The one-line summary (`cargo xtask regenerate` prints it). `version`: the facade's
/// version now.
pub fn summary(changes: &[Change], base: &str, version: &str) -> String {
    let o = overall(changes);
    match o.rust {
        None => format!("schema-diff against {base}: no change to the schemas' meaning"),
        Some(bump) => format!(
            "schema-diff against {base}: {} change{}; Rust {bump} ({version} -> {}), JSON Schema {}; details: cargo xtask schema-diff",
            changes.len(),
            if changes.len() == 1 { "" } else { "s" },
            bump.next(version).unwrap_or_else(|| "?".into()),
            o.json
        ),
    }
}

/// The report for people: one line per change, then the overall verdict.
pub fn text_report(changes: &[Change], base: &str, version: &str) -> String {
    let mut s = String::new();
    let mut last = "";
    for c in changes {
        if c.event != last {
            s.push_str(&format!("{}\n", c.event));
            last = &c.event;
        }
        s.push_str(&format!(
            "  {:<26} {:<5} {:<8} {}\n      {}\n",
            c.kind.name(),
            c.rust.name(),
            c.json.name(),
            c.path,
            c.detail
        ));
    }
    s.push_str(&summary(changes, base, version));
    s.push('\n');
    s
}

/// The report for tools: `{"base", "version", "changes": [...], "overall": {...}}`.
pub fn json_report(changes: &[Change], base: &str, version: &str) -> serde_json::Value {
    let o = overall(changes);
    serde_json::json!({
        "base": base,
        "version": version,
        "changes": changes,
        "overall": {
            "rust": o.rust,
            "next_version": o.rust.and_then(|b| b.next(version)),
            "json": o.json,
        },
    })
}

/// The CHANGELOG section a change goes under: API breaks under *Changed (API)*, additions
/// under *Added*, the rest under *Changed*.
pub fn changelog_section(bump: Bump) -> &'static str {
    match bump {
        Bump::Major => "Changed (API)",
        Bump::Minor => "Added",
        Bump::Patch => "Changed",
    }
}

/// `(section, bullet)` for each change, bullets in the CHANGELOG's style.
pub fn changelog_entries(changes: &[Change]) -> Vec<(&'static str, String)> {
    changes
        .iter()
        .map(|c| {
            (
                changelog_section(c.rust),
                format!(
                    "- **`{}`**: {} at `{}` ({}; Rust: {}, JSON Schema: {}).",
                    c.event,
                    c.kind.name().replace('-', " "),
                    c.path,
                    c.detail,
                    c.rust,
                    c.json
                ),
            )
        })
        .collect()
}

/// The fragment as text: each section's heading and its bullets.
pub fn changelog_fragment(changes: &[Change]) -> String {
    let entries = changelog_entries(changes);
    let mut s = String::new();
    for section in ["Added", "Changed (API)", "Changed"] {
        let bullets: Vec<&str> = entries
            .iter()
            .filter(|(s, _)| *s == section)
            .map(|(_, b)| b.as_str())
            .collect();
        if !bullets.is_empty() {
            s.push_str(&format!("### {section}\n\n{}\n\n", bullets.join("\n")));
        }
    }
    s
}

/// `changelog` with the fragment's bullets added under `## [Unreleased]`: at the end of
/// each section there, or in a new section at its end. `Err` when there is no such
/// heading.
pub fn insert_into_changelog(changelog: &str, changes: &[Change]) -> Result<String, String> {
    let mut lines: Vec<String> = changelog.lines().map(str::to_owned).collect();
    let start = lines
        .iter()
        .position(|l| l.starts_with("## [Unreleased]"))
        .ok_or("CHANGELOG.md has no `## [Unreleased]` heading to add the changes under")?;
    let next = |lines: &[String], from: usize, prefix: &str| {
        lines[from..]
            .iter()
            .position(|l| l.starts_with("## ") || l.starts_with(prefix))
            .map_or(lines.len(), |i| from + i)
    };
    for (section, bullet) in changelog_entries(changes) {
        let end = next(&lines, start + 1, "## ");
        let heading = format!("### {section}");
        match lines[start..end].iter().position(|l| *l == heading) {
            Some(i) => {
                // After the section's last line of text.
                let h = start + i;
                let section_end = next(&lines, h + 1, "### ");
                let last = (h..section_end)
                    .rev()
                    .find(|&j| !lines[j].trim().is_empty())
                    .unwrap_or(h);
                let at = if last == h { h + 1 } else { last + 1 };
                if last == h {
                    lines.insert(at, String::new());
                    lines.insert(at + 1, bullet);
                } else {
                    lines.insert(at, bullet);
                }
            }
            None => {
                lines.splice(end..end, [heading, String::new(), bullet, String::new()]);
            }
        }
    }
    let mut out = lines.join("\n");
    out.push('\n');
    Ok(out)
}

struct Differ<'a, 'o> {
    event: &'a str,
    out: &'o mut Vec<Change>,
    /// Type pairs already compared: a named type used twice is reported once.
    seen: BTreeSet<(TypeId, TypeId)>,
}

impl Differ<'_, '_> {
    fn push(&mut self, path: &str, kind: Kind, detail: String) {
        self.push_with(path, kind, detail, kind.rust(), kind.json());
    }

    fn push_with(&mut self, path: &str, kind: Kind, detail: String, rust: Bump, json: Json) {
        self.out.push(Change {
            event: self.event.to_owned(),
            path: path.to_owned(),
            kind,
            detail,
            rust,
            json,
        });
    }

    fn event(&mut self, old: &Event, new: &Event) {
        if old.description != new.description {
            self.push(
                "description",
                Kind::DescriptionChanged,
                "the event's description".into(),
            );
        }
        if old.locales != new.locales {
            let show = |l: &Option<Vec<String>>| {
                l.as_ref()
                    .map_or_else(|| "any".to_owned(), |l| format!("[{}]", l.join(", ")))
            };
            self.push(
                "locales",
                Kind::LocalesChanged,
                format!("{} -> {}", show(&old.locales), show(&new.locales)),
            );
        }
        self.object(old, TypeId(0), new, TypeId(0));
        let n = old.templates.len().max(new.templates.len());
        for i in 0..n {
            match (old.templates.get(i), new.templates.get(i)) {
                (Some(a), Some(b)) if a.when == b.when && a.text == b.text => {}
                (a, b) => {
                    let show = |t: Option<&crate::model::Template>| {
                        t.map_or_else(|| "(none)".to_owned(), |t| format!("{:?}", t.text))
                    };
                    self.push(
                        &format!("templates[{i}]"),
                        Kind::TemplateChanged,
                        format!("{} -> {}", show(a), show(b)),
                    );
                }
            }
        }
        if old.example != new.example {
            self.push(
                "example",
                Kind::ExampleChanged,
                "the example payload".into(),
            );
        }
    }

    /// Two types at the same place; `false` when they are not of the same kind.
    fn named(&mut self, old: &Event, a: TypeId, new: &Event, b: TypeId) -> bool {
        let (ta, tb) = (old.get(a), new.get(b));
        match (&ta.kind, &tb.kind) {
            (TypeKind::Object(_), TypeKind::Object(_)) | (TypeKind::Enum(_), TypeKind::Enum(_)) => {
            }
            _ => return false,
        }
        if !self.seen.insert((a, b)) {
            return true;
        }
        if a.0 != 0 && ta.ident.name != tb.ident.name {
            self.push(
                &tb.body_at,
                Kind::TypeRenamed,
                format!("Rust type {} -> {}", ta.ident.name, tb.ident.name),
            );
        }
        if a.0 != 0 && ta.description != tb.description {
            self.push(
                &parent(&tb.body_at, ".description"),
                Kind::DescriptionChanged,
                format!("type {}", tb.ident.name),
            );
        }
        match (&ta.kind, &tb.kind) {
            (TypeKind::Object(_), _) => self.object(old, a, new, b),
            _ => self.variants(ta, tb),
        }
        true
    }

    fn object(&mut self, old: &Event, a: TypeId, new: &Event, b: TypeId) {
        let (ta, tb) = (old.get(a), new.get(b));
        let (TypeKind::Object(fa), TypeKind::Object(fb)) = (&ta.kind, &tb.kind) else {
            return;
        };
        for f in fa {
            let at = format!("{}.{}", ta.body_at, f.wire);
            let Some(g) = fb.iter().find(|g| g.wire == f.wire) else {
                let json = if f.required {
                    Json::Both
                } else {
                    Json::Stricter
                };
                self.push_with(
                    &at,
                    Kind::FieldRemoved,
                    presence(f).to_owned(),
                    Kind::FieldRemoved.rust(),
                    json,
                );
                continue;
            };
            let at = format!("{}.{}", tb.body_at, g.wire);
            self.field(old, f, new, g, &at);
        }
        for g in fb {
            if !fa.iter().any(|f| f.wire == g.wire) {
                let json = if g.required { Json::Both } else { Json::Looser };
                self.push_with(
                    &format!("{}.{}", tb.body_at, g.wire),
                    Kind::FieldAdded,
                    presence(g).to_owned(),
                    Kind::FieldAdded.rust(),
                    json,
                );
            }
        }
    }

    fn field(&mut self, old: &Event, f: &Field, new: &Event, g: &Field, at: &str) {
        if f.required != g.required {
            let kind = if g.required {
                Kind::FieldMadeRequired
            } else {
                Kind::FieldMadeOptional
            };
            self.push(
                &format!("{at}.required"),
                kind,
                format!("{} -> {}", f.required, g.required),
            );
        }
        if f.description != g.description {
            self.push(
                &format!("{at}.description"),
                Kind::DescriptionChanged,
                format!("field {}", g.wire),
            );
        }
        self.ty(old, &f.ty, new, &g.ty, at);
    }

    fn ty(&mut self, old: &Event, a: &Ty, new: &Event, b: &Ty, at: &str) {
        match (a, b) {
            (Ty::Text { localizable: x }, Ty::Text { localizable: y }) if x != y => {
                let kind = if *y {
                    Kind::FieldMadeLocalizable
                } else {
                    Kind::FieldMadeNotLocalizable
                };
                self.push(&format!("{at}.localizable"), kind, format!("{x} -> {y}"));
            }
            (
                Ty::Integer {
                    minimum: min_a,
                    maximum: max_a,
                },
                Ty::Integer {
                    minimum: min_b,
                    maximum: max_b,
                },
            ) => {
                let retyped = IntWidth::of(*min_a, *max_a) != IntWidth::of(*min_b, *max_b);
                let lower = |m: &Option<i64>| m.map_or(i128::MIN, i128::from);
                let upper = |m: &Option<i64>| m.map_or(i128::MAX, i128::from);
                self.bound(
                    at,
                    "minimum",
                    min_a,
                    min_b,
                    lower(min_b) > lower(min_a),
                    retyped,
                );
                self.bound(
                    at,
                    "maximum",
                    max_a,
                    max_b,
                    upper(max_b) < upper(max_a),
                    retyped,
                );
            }
            (
                Ty::Array {
                    items: ia,
                    min_items: min_a,
                    max_items: max_a,
                    unique: ua,
                },
                Ty::Array {
                    items: ib,
                    min_items: min_b,
                    max_items: max_b,
                    unique: ub,
                },
            ) => {
                let lower = |m: &Option<u64>| m.unwrap_or(0);
                let upper = |m: &Option<u64>| m.unwrap_or(u64::MAX);
                self.bound(
                    at,
                    "minItems",
                    min_a,
                    min_b,
                    lower(min_b) > lower(min_a),
                    false,
                );
                self.bound(
                    at,
                    "maxItems",
                    max_a,
                    max_b,
                    upper(max_b) < upper(max_a),
                    false,
                );
                if ua != ub {
                    self.bound(at, "uniqueItems", &Some(*ua), &Some(*ub), *ub, false);
                }
                self.ty(old, ia, new, ib, &format!("{at}.items"));
            }
            (Ty::Named(x), Ty::Named(y)) if self.named(old, *x, new, *y) => {}
            // Type ids are per event: equal ids of two events say nothing.
            (a, b) if a == b && !matches!(a, Ty::Named(_)) => {}
            (a, b) => {
                let json = match (subset(old, a, new, b), subset(new, b, old, a)) {
                    (true, true) => Json::Neutral,
                    (true, false) => Json::Looser,
                    (false, true) => Json::Stricter,
                    (false, false) => Json::Both,
                };
                self.push_with(
                    &format!("{at}.type"),
                    Kind::FieldRetyped,
                    format!("{} -> {}", describe(old, a), describe(new, b)),
                    Kind::FieldRetyped.rust(),
                    json,
                );
            }
        }
    }

    /// One bound of an integer or a list: `tighter` when the new one refuses more.
    fn bound<T: fmt::Debug + PartialEq>(
        &mut self,
        at: &str,
        key: &str,
        a: &Option<T>,
        b: &Option<T>,
        tighter: bool,
        retyped: bool,
    ) {
        if a == b {
            return;
        }
        let show = |v: &Option<T>| {
            v.as_ref()
                .map_or_else(|| "none".to_owned(), |v| format!("{v:?}"))
        };
        let detail = format!("{key} {} -> {}", show(a), show(b));
        let path = format!("{at}.{key}");
        if tighter {
            self.push(&path, Kind::ConstraintTightened, detail);
        } else {
            let rust = if retyped {
                Bump::Major
            } else {
                Kind::ConstraintLoosened.rust()
            };
            self.push_with(&path, Kind::ConstraintLoosened, detail, rust, Json::Looser);
        }
    }

    fn variants(&mut self, ta: &TypeDef, tb: &TypeDef) {
        let (TypeKind::Enum(va), TypeKind::Enum(vb)) = (&ta.kind, &tb.kind) else {
            return;
        };
        let removed: Vec<usize> = (0..va.len())
            .filter(|&i| !vb.iter().any(|v| v.wire == va[i].wire))
            .collect();
        let added: Vec<usize> = (0..vb.len())
            .filter(|&i| !va.iter().any(|v| v.wire == vb[i].wire))
            .collect();
        for &i in &removed {
            // Renamed: another value took its place in the list.
            if added.contains(&i) {
                self.push(
                    &format!("{}[{i}].value", tb.body_at),
                    Kind::EnumValueRenamed,
                    format!("{} -> {}", va[i].wire, vb[i].wire),
                );
            } else {
                self.push(
                    &format!("{}[{i}]", ta.body_at),
                    Kind::EnumValueRemoved,
                    va[i].wire.clone(),
                );
            }
        }
        for &i in &added {
            if !removed.contains(&i) {
                self.push(
                    &format!("{}[{i}]", tb.body_at),
                    Kind::EnumValueAdded,
                    vb[i].wire.clone(),
                );
            }
        }
        for (i, v) in vb.iter().enumerate() {
            let Some(u) = va.iter().find(|u| u.wire == v.wire) else {
                continue;
            };
            if u.spoken != v.spoken {
                self.push(
                    &format!("{}[{i}].spoken", tb.body_at),
                    Kind::TemplateChanged,
                    format!("{}: {:?} -> {:?}", v.wire, u.spoken, v.spoken),
                );
            }
            if u.description != v.description {
                self.push(
                    &format!("{}[{i}].description", tb.body_at),
                    Kind::DescriptionChanged,
                    format!("value {}", v.wire),
                );
            }
        }
    }
}

/// `payload.x.fields` → `payload.x` + `suffix`.
fn parent(body_at: &str, suffix: &str) -> String {
    let base = body_at
        .strip_suffix(".fields")
        .or_else(|| body_at.strip_suffix(".values"))
        .unwrap_or(body_at);
    format!("{base}{suffix}")
}

fn presence(f: &Field) -> &'static str {
    if f.required { "required" } else { "optional" }
}

/// Whether every value of `a` (in `ea`) is a value of `b` (in `eb`), as far as the JSON
/// Schemas say: a date-time and an enum value are non-empty strings; plain text is text
/// that may also be a reference.
fn subset(ea: &Event, a: &Ty, eb: &Event, b: &Ty) -> bool {
    let is_enum = |e: &Event, t: &Ty| matches!(t, Ty::Named(id) if matches!(e.get(*id).kind, TypeKind::Enum(_)));
    match (a, b) {
        (Ty::Text { localizable: x }, Ty::Text { localizable: y }) => !x || *y,
        (Ty::DateTime, Ty::Text { .. }) => true,
        (Ty::Named(_), Ty::Text { .. }) if is_enum(ea, a) => true,
        (Ty::Named(x), Ty::Named(y)) => {
            // Two enums: values included.
            match (&ea.get(*x).kind, &eb.get(*y).kind) {
                (TypeKind::Enum(va), TypeKind::Enum(vb)) => {
                    va.iter().all(|v| vb.iter().any(|w| w.wire == v.wire))
                }
                _ => false,
            }
        }
        _ => a == b,
    }
}

fn describe(e: &Event, t: &Ty) -> String {
    match t {
        Ty::Text { localizable: true } => "string (localizable)".into(),
        Ty::Text { localizable: false } => "string".into(),
        Ty::Integer { .. } => "integer".into(),
        Ty::Boolean => "boolean".into(),
        Ty::DateTime => "datetime".into(),
        Ty::Named(id) => match e.get(*id).kind {
            TypeKind::Object(_) => format!("object {}", e.get(*id).ident.name),
            TypeKind::Enum(_) => format!("enum {}", e.get(*id).ident.name),
        },
        Ty::Array { items, .. } => format!("list of {}", describe(e, items)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::load::Source;

    fn catalog(files: &[(&str, &str)]) -> Catalog {
        let sources = files
            .iter()
            .map(|(p, t)| Source {
                path: format!("schemas/{p}"),
                text: (*t).to_owned(),
            })
            .collect();
        crate::build_catalog(sources).unwrap_or_else(|e| panic!("{e}"))
    }

    const BASE: &str = "event: AMAZON.Test.Updated
description: A test.
locales: [en-US]
payload:
  count:
    type: integer
    required: true
    minimum: 0
    description: How many.
  status:
    type: enum
    required: true
    description: The status.
    values:
      - {value: A, spoken: a}
      - {value: B, spoken: b}
  note:
    type: string
    required: false
    description: A note.
templates:
  - text: \"{count} things.\"
example:
  count: 2
  status: A
";

    fn one(edit: impl Fn(&str) -> String) -> Vec<Change> {
        let name = "AMAZON.Test.Updated.yaml";
        let base = catalog(&[(name, BASE)]);
        let cur = catalog(&[(name, &edit(BASE))]);
        diff(&base, &cur)
    }

    fn kinds(changes: &[Change]) -> Vec<(Kind, Bump, Json, &str)> {
        changes
            .iter()
            .map(|c| (c.kind, c.rust, c.json, c.path.as_str()))
            .collect()
    }

    #[test]
    fn no_change_is_empty() {
        assert_eq!(one(str::to_owned), vec![]);
    }

    #[test]
    fn each_kind_is_found_with_its_path() {
        let c = one(|s| {
            s.replace(
                "      - {value: B, spoken: b}\n",
                "      - {value: B, spoken: b}\n      - {value: C, spoken: c}\n",
            )
        });
        assert_eq!(
            kinds(&c),
            [(
                Kind::EnumValueAdded,
                Bump::Minor,
                Json::Looser,
                "payload.status.values[2]"
            )]
        );
        let c = one(|s| s.replace("      - {value: B, spoken: b}\n", ""));
        assert_eq!(
            kinds(&c),
            [(
                Kind::EnumValueRemoved,
                Bump::Major,
                Json::Stricter,
                "payload.status.values[1]"
            )]
        );
        let c = one(|s| s.replace("{value: B,", "{value: BB,"));
        assert_eq!(
            kinds(&c),
            [(
                Kind::EnumValueRenamed,
                Bump::Major,
                Json::Both,
                "payload.status.values[1].value"
            )]
        );
        let c = one(|s| s.replace("    minimum: 0\n", "    minimum: 1\n"));
        assert_eq!(
            kinds(&c),
            [(
                Kind::ConstraintTightened,
                Bump::Major,
                Json::Stricter,
                "payload.count.minimum"
            )]
        );
        // u64 -> i64: the Rust type changes too.
        let c = one(|s| s.replace("    minimum: 0\n", ""));
        assert_eq!(
            kinds(&c),
            [(
                Kind::ConstraintLoosened,
                Bump::Major,
                Json::Looser,
                "payload.count.minimum"
            )]
        );
        let c = one(|s| {
            s.replace(
                "    required: false\n    description: A note.",
                "    required: true\n    description: A note.",
            )
            .replace("  status: A\n", "  status: A\n  note: hi\n")
        });
        assert_eq!(
            kinds(&c),
            [
                (
                    Kind::FieldMadeRequired,
                    Bump::Major,
                    Json::Stricter,
                    "payload.note.required"
                ),
                (Kind::ExampleChanged, Bump::Patch, Json::Neutral, "example")
            ]
        );
        let c = one(|s| {
            s.replace(
                "    required: false\n    description: A note.",
                "    required: false\n    localizable: true\n    description: A note.",
            )
        });
        assert_eq!(
            kinds(&c),
            [(
                Kind::FieldMadeLocalizable,
                Bump::Major,
                Json::Looser,
                "payload.note.localizable"
            )]
        );
        let c = one(|s| {
            s.replace(
                "  note:\n    type: string\n",
                "  note:\n    type: datetime\n",
            )
        });
        assert_eq!(
            kinds(&c),
            [(
                Kind::FieldRetyped,
                Bump::Major,
                Json::Stricter,
                "payload.note.type"
            )]
        );
        let c = one(|s| {
            s.replace(
                "  note:\n",
                "  other:\n    type: boolean\n    required: false\n    description: x.\n  note:\n",
            )
        });
        assert_eq!(
            kinds(&c),
            [(Kind::FieldAdded, Bump::Major, Json::Looser, "payload.other")]
        );
        let c = one(|s| {
            s.replace(
                "  note:\n    type: string\n",
                "  note:\n    type: enum\n    values: [{value: X, spoken: x}]\n",
            )
        });
        assert_eq!(
            kinds(&c),
            [(
                Kind::FieldRetyped,
                Bump::Major,
                Json::Stricter,
                "payload.note.type"
            )]
        );
        // The same type id in both events, an enum before and an object after.
        let c = one(|s| {
            s.replace(
                "    type: enum\n    required: true\n    description: The status.\n    values:\n      - {value: A, spoken: a}\n      - {value: B, spoken: b}\n",
                "    type: object\n    required: true\n    description: The status.\n    fields:\n      code: {type: boolean, required: true, description: A code.}\n",
            )
            .replace("  status: A\n", "  status: {code: true}\n")
        });
        assert_eq!(
            kinds(&c),
            [
                (
                    Kind::FieldRetyped,
                    Bump::Major,
                    Json::Both,
                    "payload.status.type"
                ),
                (Kind::ExampleChanged, Bump::Patch, Json::Neutral, "example")
            ]
        );
        let c = one(|s| s.replace("locales: [en-US]", "locales: any"));
        assert_eq!(
            kinds(&c),
            [(Kind::LocalesChanged, Bump::Patch, Json::Neutral, "locales")]
        );
        let c = one(|s| s.replace("things.", "items."));
        assert_eq!(
            kinds(&c),
            [(
                Kind::TemplateChanged,
                Bump::Patch,
                Json::Neutral,
                "templates[0]"
            )]
        );
        let c = one(|s| s.replace("How many.", "How many?"));
        assert_eq!(
            kinds(&c),
            [(
                Kind::DescriptionChanged,
                Bump::Patch,
                Json::Neutral,
                "payload.count.description"
            )]
        );
    }

    #[test]
    fn events_added_and_removed() {
        let base = catalog(&[("AMAZON.Test.Updated.yaml", BASE)]);
        let other = BASE.replace("AMAZON.Test.Updated", "AMAZON.Other.Updated");
        let cur = catalog(&[("AMAZON.Other.Updated.yaml", &other)]);
        let c = diff(&base, &cur);
        assert_eq!(
            kinds(&c),
            [
                (Kind::EventAdded, Bump::Minor, Json::Looser, "event"),
                (Kind::EventRemoved, Bump::Major, Json::Stricter, "event"),
            ]
        );
        assert_eq!(
            overall(&c),
            Overall {
                rust: Some(Bump::Major),
                json: Json::Both
            }
        );
    }

    #[test]
    fn next_versions_follow_cargo() {
        assert_eq!(Bump::Major.next("0.1.0").as_deref(), Some("0.2.0"));
        assert_eq!(Bump::Minor.next("0.1.0").as_deref(), Some("0.1.1"));
        assert_eq!(Bump::Patch.next("0.1.3").as_deref(), Some("0.1.4"));
        assert_eq!(Bump::Major.next("0.0.3").as_deref(), Some("0.0.4"));
        assert_eq!(Bump::Major.next("1.2.3").as_deref(), Some("2.0.0"));
        assert_eq!(Bump::Minor.next("1.2.3").as_deref(), Some("1.3.0"));
        assert_eq!(Bump::Patch.next("1.2.3").as_deref(), Some("1.2.4"));
        assert_eq!(Bump::Patch.next("x"), None);
    }

    #[test]
    fn changelog_gets_bullets_under_unreleased() {
        let c = one(|s| s.replace("      - {value: B, spoken: b}\n", ""));
        let log = "# Changelog\n\n## [Unreleased]\n\n### Added\n\n- old\n\n## Versioning\n";
        let out = insert_into_changelog(log, &c).unwrap_or_else(|e| panic!("{e}"));
        assert!(out.contains("### Added\n\n- old\n\n### Changed (API)\n\n- **`AMAZON.Test.Updated`**: enum value removed at `payload.status.values[1]`"), "{out}");
        assert!(out.ends_with("## Versioning\n"), "{out}");
        assert!(insert_into_changelog("# Changelog\n", &c).is_err());
        // An existing section: after its last line, whatever comes first.
        let log = "## [Unreleased]\n\n### Changed (API)\n\nFor users of main:\n\n- a\n  more\n\n### Fixed\n\n- b\n";
        let out = insert_into_changelog(log, &c).unwrap_or_else(|e| panic!("{e}"));
        assert!(
            out.contains("- a\n  more\n- **`AMAZON.Test.Updated`**: enum value removed")
                && out.ends_with("\n\n### Fixed\n\n- b\n"),
            "{out}"
        );
    }
}
