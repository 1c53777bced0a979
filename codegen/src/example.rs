//! The schema's `example:` payload, checked against the event's lowered types:
//! each value is what its field accepts (type, enum value, bounds, list limits),
//! every required field is there and no unknown one. `proactive-events new` and
//! the event's reference page (`emit::docs`) both start from it, so a new schema
//! gets both without code.
//!
//! It is checked once the file has lowered without errors, against the IR: the
//! types are then known, named types resolved, and nothing is a guess.

use crate::diag::did_you_mean;
use crate::load::ExampleValue;
use crate::locate::YamlPath;
use crate::lower::Reporter;
use crate::model::{IntWidth, Ty, TypeDef, TypeId, TypeKind};
use alexa_proactive_events_runtime::LOCALIZED_ATTRIBUTE_PREFIX;
use alexa_proactive_events_runtime::envelope::date_time_problem;
use serde_json::{Map, Value};

/// Checks `example` (the file's `example:`) against the payload type
/// (`types[0]`); the payload as JSON, fields in wire order, or `None` after
/// reporting every problem.
pub(crate) fn check(
    types: &[TypeDef],
    example: Option<&ExampleValue>,
    r: &mut Reporter<'_>,
) -> Option<Value> {
    let at = YamlPath::default().key("example");
    let Some(example) = example else {
        r.error(&at, false, "the schema has no `example:`".into())
            .help("add `example:` with a payload Alexa accepts (e.g. Amazon's sample): `proactive-events new` and the event's reference page start from it");
        return None;
    };
    let errors = r.len();
    let out = Checker { types, r }.value(&Ty::Named(TypeId(0)), false, example, &at, "");
    out.filter(|_| r.len() == errors)
}

struct Checker<'t, 'r, 'a> {
    types: &'t [TypeDef],
    r: &'r mut Reporter<'a>,
}

/// `a.b` + `c`: the dotted payload path messages name.
fn join(dotted: &str, wire: &str) -> String {
    if dotted.is_empty() {
        wire.to_owned()
    } else {
        format!("{dotted}.{wire}")
    }
}

/// How a payload path reads in a message: `` `a.b` ``, or "the payload".
fn name(dotted: &str) -> String {
    if dotted.is_empty() {
        "the payload".to_owned()
    } else {
        format!("`{dotted}`")
    }
}

/// How a value reads in a message: `a string "x"`, `3`, `a list`.
fn found(v: &ExampleValue) -> String {
    match v {
        ExampleValue::Null => "null".into(),
        ExampleValue::Bool(b) => format!("`{b}`"),
        ExampleValue::Integer(i) => format!("the integer {i}"),
        ExampleValue::Float(f) => format!("the number {f}"),
        ExampleValue::String(s) => format!("the string {s:?}"),
        ExampleValue::List(_) => "a list".into(),
        ExampleValue::Map(_) => "a mapping".into(),
    }
}

impl Checker<'_, '_, '_> {
    /// `v` (at `at`, payload path `dotted`) as a value of `ty`.
    fn value(
        &mut self,
        ty: &Ty,
        localizable: bool,
        v: &ExampleValue,
        at: &YamlPath,
        dotted: &str,
    ) -> Option<Value> {
        if *v == ExampleValue::Null {
            self.r
                .error(
                    at,
                    false,
                    format!("{} is null in the example", name(dotted)),
                )
                .help("Amazon refuses nulls; leave an optional field out instead");
            return None;
        }
        match ty {
            Ty::Text { .. } => self.text(localizable, v, at, dotted),
            Ty::Integer { minimum, maximum } => {
                let ExampleValue::Integer(i) = *v else {
                    return self.wrong(at, dotted, "an integer", v);
                };
                let (lo, hi) = match IntWidth::of(*minimum, *maximum) {
                    IntWidth::I64 => (i128::from(i64::MIN), i128::from(i64::MAX)),
                    IntWidth::U64 => (0, i128::from(u64::MAX)),
                };
                let lo = minimum.map_or(lo, i128::from);
                let hi = maximum.map_or(hi, i128::from);
                if i < lo || i > hi {
                    let bounds = match (minimum, maximum) {
                        (Some(min), Some(max)) => format!("{min} to {max}"),
                        (Some(min), None) => format!("at least {min}"),
                        (None, Some(max)) => format!("at most {max}"),
                        (None, None) => format!("{lo} to {hi}"),
                    };
                    self.r.error(
                        at,
                        false,
                        format!("`{dotted}` is {i} in the example, but the field takes {bounds}"),
                    );
                    return None;
                }
                // Both fit in an i64 or a u64 (checked above).
                Some(match i64::try_from(i) {
                    Ok(i) => Value::from(i),
                    Err(_) => Value::from(u64::try_from(i).ok()?),
                })
            }
            Ty::Boolean => match v {
                ExampleValue::Bool(b) => Some(Value::Bool(*b)),
                _ => self.wrong(at, dotted, "`true` or `false`", v),
            },
            Ty::DateTime => {
                let ExampleValue::String(s) = v else {
                    return self.wrong(at, dotted, "a date-time string", v);
                };
                if let Some(problem) = date_time_problem(s) {
                    self.r
                        .error(
                            at,
                            false,
                            format!(
                                "`{dotted}` is not a valid date-time in the example: {problem}"
                            ),
                        )
                        // The whole value: an unquoted one holds colons.
                        .narrow_to(s)
                        .help("write it like 2024-05-01T10:00:00Z (RFC 3339 with a zone)");
                    return None;
                }
                Some(Value::String(s.clone()))
            }
            Ty::Named(id) => match &self.types[id.0].kind {
                TypeKind::Object(_) => self.object(*id, v, at, dotted),
                TypeKind::Enum(variants) => {
                    let ExampleValue::String(s) = v else {
                        return self.wrong(at, dotted, "an enum value (a string)", v);
                    };
                    if variants.iter().any(|x| x.wire == *s) {
                        return Some(Value::String(s.clone()));
                    }
                    let values: Vec<&str> = variants.iter().map(|x| x.wire.as_str()).collect();
                    let d = self
                        .r
                        .error(at, false, format!("`{s}` is not a value of `{dotted}`"));
                    d.help(match did_you_mean(s, values.iter().copied()) {
                        Some(m) => {
                            format!("did you mean `{m}`? expected one of: {}", values.join(", "))
                        }
                        None => format!("expected one of: {}", values.join(", ")),
                    });
                    None
                }
            },
            Ty::Array {
                items,
                min_items,
                max_items,
                unique,
            } => {
                let ExampleValue::List(list) = v else {
                    return self.wrong(at, dotted, "a list", v);
                };
                let count = list.len() as u64;
                if min_items.is_some_and(|m| count < m) || max_items.is_some_and(|m| count > m) {
                    let limits = match (min_items, max_items) {
                        (Some(min), Some(max)) => format!("{min} to {max}"),
                        (Some(min), None) => format!("at least {min}"),
                        (None, Some(max)) => format!("at most {max}"),
                        // Not reached: a limit was broken.
                        (None, None) => String::new(),
                    };
                    self.r.error(
                        at,
                        true,
                        format!("`{dotted}` has {count} items in the example, but the field takes {limits}"),
                    );
                }
                let item_path = format!("{dotted}[]");
                let mut out = Vec::with_capacity(list.len());
                let mut ok = true;
                for (i, item) in list.iter().enumerate() {
                    let item_at = at.index(i);
                    match self.value(items, false, item, &item_at, &item_path) {
                        Some(j) if *unique && out.contains(&j) => {
                            self.r
                                .error(
                                    &item_at,
                                    false,
                                    format!("`{dotted}` lists the same item twice in the example"),
                                )
                                .help("the field's items must be distinct (`uniqueItems: true`)");
                            ok = false;
                        }
                        Some(j) => out.push(j),
                        None => ok = false,
                    }
                }
                ok.then_some(Value::Array(out))
            }
        }
    }

    fn text(
        &mut self,
        localizable: bool,
        v: &ExampleValue,
        at: &YamlPath,
        dotted: &str,
    ) -> Option<Value> {
        let ExampleValue::String(s) = v else {
            return self.wrong(at, dotted, "a string", v);
        };
        if s.is_empty() {
            self.r
                .error(at, false, format!("`{dotted}` is empty in the example"))
                .help("Amazon refuses empty strings");
            return None;
        }
        if s.starts_with(LOCALIZED_ATTRIBUTE_PREFIX) {
            let d = self.r.error(
                at,
                false,
                format!(
                    "`{dotted}` holds a `{LOCALIZED_ATTRIBUTE_PREFIX}` reference in the example"
                ),
            );
            d.help(if localizable {
                "write the text itself: `proactive-events new` and the reference page turn it into a reference with a value per locale"
            } else {
                "write the text itself: the field is not localizable"
            });
            return None;
        }
        Some(Value::String(s.clone()))
    }

    /// An object's fields, in wire order: every required one, no unknown one.
    fn object(
        &mut self,
        id: TypeId,
        v: &ExampleValue,
        at: &YamlPath,
        dotted: &str,
    ) -> Option<Value> {
        let types = self.types;
        let TypeKind::Object(fields) = &types[id.0].kind else {
            return None;
        };
        let ExampleValue::Map(map) = v else {
            return self.wrong(
                at,
                dotted,
                "an object (a mapping of field names to values)",
                v,
            );
        };
        let here = name(dotted);
        let mut ok = true;
        for (key, _) in map.iter() {
            if fields.iter().any(|f| f.wire == key) {
                continue;
            }
            ok = false;
            let names: Vec<&str> = fields.iter().map(|f| f.wire.as_str()).collect();
            let help = match did_you_mean(key, names.iter().copied()) {
                Some(m) => format!("did you mean `{m}`? {here} has: {}", names.join(", ")),
                None => format!("{here} has: {}", names.join(", ")),
            };
            self.r
                .error(&at.key(key), true, format!("{here} has no field `{key}`"))
                .label("not a field here")
                .help(help);
        }
        let mut out = Map::new();
        for field in fields {
            let path = join(dotted, &field.wire);
            match map.get(&field.wire) {
                Some(v) => {
                    match self.value(
                        &field.ty,
                        field.localizable(),
                        v,
                        &at.key(&field.wire),
                        &path,
                    ) {
                        Some(j) => {
                            out.insert(field.wire.clone(), j);
                        }
                        None => ok = false,
                    }
                }
                None if field.required => {
                    ok = false;
                    self.r
                        .error(
                            at,
                            true,
                            format!("the example has no `{path}`, which is required"),
                        )
                        .help("add it: Amazon refuses a payload without it");
                }
                None => {}
            }
        }
        ok.then_some(Value::Object(out))
    }

    fn wrong(
        &mut self,
        at: &YamlPath,
        dotted: &str,
        expected: &str,
        v: &ExampleValue,
    ) -> Option<Value> {
        self.r.error(
            at,
            false,
            format!(
                "wrong example value for {}: expected {expected}, found {}",
                name(dotted),
                found(v)
            ),
        );
        None
    }
}
