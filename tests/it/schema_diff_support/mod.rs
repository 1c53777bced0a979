//! The corpus of schema edits (`tests/schema-diff/edits.yaml`) and the helper that applies
//! one to copies of the real schemas: shared by the two oracles of schema-diff,
//! `schema_diff.rs` (JSON Schemas) and `schema_diff_semver.rs` (cargo-semver-checks).

use codegen::diff::{self, Change};
use codegen::load::Source;
use codegen::model::Catalog;
use pipeline_tests::root;
use serde::Deserialize;
use serde_yaml::Value as Yaml;

/// One edit of the corpus (the file's header says what each key means).
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Edit {
    pub id: String,
    pub event: String,
    #[serde(default)]
    pub reverse: bool,
    pub ops: Vec<Op>,
    pub expect: Vec<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct Op {
    set: Option<String>,
    remove: Option<String>,
    push: Option<String>,
    remove_file: Option<bool>,
    value: Option<Yaml>,
}

pub fn corpus() -> Vec<Edit> {
    let path = root().join("tests/schema-diff/edits.yaml");
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let edits: Vec<Edit> =
        serde_yaml::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let mut ids: Vec<&str> = edits.iter().map(|e| e.id.as_str()).collect();
    ids.sort_unstable();
    ids.dedup();
    assert_eq!(ids.len(), edits.len(), "edit ids must be unique");
    edits
}

/// The real schemas, as `cargo xtask regenerate` reads them.
pub fn real_sources() -> Vec<Source> {
    codegen::read_sources(&root().join("schemas"), "schemas").unwrap_or_else(|d| panic!("{d}"))
}

/// `(base, current)`: the real schemas and the edited ones, swapped when `reverse`.
pub fn sides(edit: &Edit) -> (Vec<Source>, Vec<Source>) {
    let real = real_sources();
    let file = format!("schemas/{}.yaml", edit.event);
    let mut edited = Vec::new();
    let mut found = false;
    for source in &real {
        if source.path != file {
            edited.push(source.clone());
            continue;
        }
        found = true;
        if let Some(text) =
            apply(&source.text, &edit.ops).unwrap_or_else(|e| panic!("{}: {e}", edit.id))
        {
            edited.push(Source {
                path: source.path.clone(),
                text,
            });
        }
    }
    assert!(found, "{}: no schema file {file}", edit.id);
    if edit.reverse {
        (edited, real)
    } else {
        (real, edited)
    }
}

/// Lowers sources, naming the edit when they do not compile.
pub fn catalog(id: &str, sources: Vec<Source>) -> Catalog {
    codegen::build_catalog(sources)
        .unwrap_or_else(|d| panic!("{id}: the edited schemas do not compile:\n{d}"))
}

/// The edit's changes, as schema-diff reports them.
pub fn changes(edit: &Edit) -> Vec<Change> {
    let (base, current) = sides(edit);
    diff::diff(&catalog(&edit.id, base), &catalog(&edit.id, current))
}

/// The edited text, or `None` when the file is removed.
fn apply(text: &str, ops: &[Op]) -> Result<Option<String>, String> {
    let mut doc: Yaml = serde_yaml::from_str(text).map_err(|e| e.to_string())?;
    for op in ops {
        match (&op.set, &op.remove, &op.push, op.remove_file, &op.value) {
            (Some(path), None, None, None, Some(v)) => {
                let (parent, last) = parent(&mut doc, path)?;
                match (parent, last) {
                    (Yaml::Mapping(m), Seg::Key(k)) => {
                        m.insert(Yaml::String(k), v.clone());
                    }
                    (Yaml::Sequence(s), Seg::Index(i)) if i < s.len() => s[i] = v.clone(),
                    _ => return Err(format!("set {path}: no such place")),
                }
            }
            (None, Some(path), None, None, None) => {
                let (parent, last) = parent(&mut doc, path)?;
                let gone = match (parent, last) {
                    (Yaml::Mapping(m), Seg::Key(k)) => m.shift_remove(k.as_str()).is_some(),
                    (Yaml::Sequence(s), Seg::Index(i)) if i < s.len() => {
                        s.remove(i);
                        true
                    }
                    _ => false,
                };
                if !gone {
                    return Err(format!("remove {path}: nothing there"));
                }
            }
            (None, None, Some(path), None, Some(v)) => match at(&mut doc, &segments(path)?)? {
                Yaml::Sequence(s) => s.push(v.clone()),
                _ => return Err(format!("push {path}: not a list")),
            },
            (None, None, None, Some(true), None) => return Ok(None),
            _ => return Err(format!("not one operation: {op:?}")),
        }
    }
    serde_yaml::to_string(&doc)
        .map(Some)
        .map_err(|e| e.to_string())
}

#[derive(Debug, Clone)]
enum Seg {
    Key(String),
    Index(usize),
}

/// `a.b[2].c` → `[Key a, Key b, Index 2, Key c]`.
fn segments(path: &str) -> Result<Vec<Seg>, String> {
    let mut out = Vec::new();
    for piece in path.split('.') {
        let mut rest = piece;
        let key_end = rest.find('[').unwrap_or(rest.len());
        if key_end > 0 {
            out.push(Seg::Key(rest[..key_end].to_owned()));
        }
        rest = &rest[key_end..];
        while let Some(r) = rest.strip_prefix('[') {
            let (n, after) = r
                .split_once(']')
                .ok_or_else(|| format!("{path}: unclosed ["))?;
            out.push(Seg::Index(
                n.parse().map_err(|_| format!("{path}: bad index {n}"))?,
            ));
            rest = after;
        }
        if !rest.is_empty() {
            return Err(format!("{path}: cannot read {rest}"));
        }
    }
    Ok(out)
}

fn at<'a>(doc: &'a mut Yaml, segs: &[Seg]) -> Result<&'a mut Yaml, String> {
    let mut node = doc;
    for seg in segs {
        node = match (node, seg) {
            (Yaml::Mapping(m), Seg::Key(k)) => m.get_mut(k.as_str()),
            (Yaml::Sequence(s), Seg::Index(i)) => s.get_mut(*i),
            _ => None,
        }
        .ok_or_else(|| format!("no {seg:?} on the way"))?;
    }
    Ok(node)
}

fn parent<'a>(doc: &'a mut Yaml, path: &str) -> Result<(&'a mut Yaml, Seg), String> {
    let mut segs = segments(path)?;
    let last = segs.pop().ok_or_else(|| format!("empty path {path:?}"))?;
    Ok((at(doc, &segs).map_err(|e| format!("{path}: {e}"))?, last))
}
