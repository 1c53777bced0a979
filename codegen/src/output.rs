//! Writing outputs the way rust-analyzer's codegen does: compare in memory, write
//! only what changed (keeps mtimes, avoids rebuilds), delete what no schema makes.

use std::collections::BTreeMap;
use std::fs;
use std::io::{self, Read, Write};
use std::path::Path;

/// Folders under `generated/` that belong to the compiler entirely.
pub const MANAGED_DIRS: &[&str] = &["src/events", "json-schema", "manifest"];

/// Every generated file, by path relative to `generated/` (with `/` separators).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Outputs {
    pub files: BTreeMap<String, String>,
}

/// What a regenerate would do.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Plan {
    /// New or changed files.
    pub write: Vec<String>,
    pub unchanged: Vec<String>,
    /// Files in a managed folder that no schema produces any more.
    pub remove: Vec<String>,
}

impl Plan {
    pub fn is_fresh(&self) -> bool {
        self.write.is_empty() && self.remove.is_empty()
    }
}

/// Compares `outputs` with the files under `root`; reads, never writes.
pub fn plan(outputs: &Outputs, root: &Path) -> io::Result<Plan> {
    let mut p = Plan::default();
    for (rel, content) in &outputs.files {
        if holds(&root.join(rel), content.as_bytes())? {
            p.unchanged.push(rel.clone());
        } else {
            p.write.push(rel.clone());
        }
    }
    for dir in MANAGED_DIRS {
        let entries = match fs::read_dir(root.join(dir)) {
            Ok(e) => e,
            Err(e) if e.kind() == io::ErrorKind::NotFound => continue,
            Err(e) => return Err(e),
        };
        for entry in entries {
            let entry = entry?;
            if !entry.file_type()?.is_file() {
                continue;
            }
            let rel = format!("{dir}/{}", entry.file_name().to_string_lossy());
            if !outputs.files.contains_key(&rel) {
                p.remove.push(rel);
            }
        }
    }
    p.remove.sort();
    Ok(p)
}

/// Whether `path` is a regular file (not a symlink) holding exactly `content`.
/// Reads at most one byte more than `content`, so that whatever sits at an output
/// path (a huge file, a link to a device) costs no more than the output itself;
/// anything but a regular file is replaced by one.
fn holds(path: &Path, content: &[u8]) -> io::Result<bool> {
    match fs::symlink_metadata(path) {
        Ok(meta) if meta.is_file() && meta.len() == content.len() as u64 => {}
        Ok(_) => return Ok(false),
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(false),
        Err(e) => return Err(e),
    }
    let mut bytes = Vec::with_capacity(content.len());
    fs::File::open(path)?
        .take(content.len() as u64 + 1)
        .read_to_end(&mut bytes)?;
    Ok(bytes == content)
}

/// Carries out a plan: every new file is staged beside its target first, then all
/// are renamed into place, so an I/O error leaves no file half-written.
pub fn apply(plan: &Plan, outputs: &Outputs, root: &Path) -> io::Result<()> {
    let mut staged = Vec::new();
    let result = (|| {
        for rel in &plan.write {
            let target = root.join(rel);
            if let Some(parent) = target.parent() {
                fs::create_dir_all(parent)?;
            }
            let name = target
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default();
            let tmp = target.with_file_name(format!(".{name}.regenerate-tmp"));
            // A leftover (or planted) file or link there is removed, not written through.
            match fs::remove_file(&tmp) {
                Err(e) if e.kind() != io::ErrorKind::NotFound => return Err(e),
                _ => {}
            }
            fs::OpenOptions::new()
                .write(true)
                .create_new(true)
                .open(&tmp)?
                .write_all(
                    outputs
                        .files
                        .get(rel)
                        .map(String::as_bytes)
                        .unwrap_or_default(),
                )?;
            staged.push((tmp, target));
        }
        Ok(())
    })();
    if let Err(e) = result {
        for (tmp, _) in &staged {
            let _ = fs::remove_file(tmp);
        }
        return Err(e);
    }
    for (tmp, target) in &staged {
        fs::rename(tmp, target)?;
    }
    for rel in &plan.remove {
        fs::remove_file(root.join(rel))?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn outputs(files: &[(&str, &str)]) -> Outputs {
        Outputs {
            files: files
                .iter()
                .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
                .collect(),
        }
    }

    #[test]
    fn writes_changes_then_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let out = outputs(&[("json-schema/a.json", "{}"), ("manifest/m.json", "[]")]);
        let first = plan(&out, dir.path()).unwrap();
        assert_eq!(first.write.len(), 2);
        apply(&first, &out, dir.path()).unwrap();
        let second = plan(&out, dir.path()).unwrap();
        assert!(second.is_fresh(), "{second:?}");
        assert_eq!(second.unchanged.len(), 2);
    }

    #[test]
    fn removes_outputs_no_schema_makes_and_keeps_hand_written_files() {
        let dir = tempfile::tempdir().unwrap();
        fs::create_dir_all(dir.path().join("json-schema")).unwrap();
        fs::create_dir_all(dir.path().join("src")).unwrap();
        fs::write(dir.path().join("json-schema/old.json"), "{}").unwrap();
        fs::write(dir.path().join("src/lib.rs"), "// hand-written").unwrap();
        let out = outputs(&[("json-schema/a.json", "{}")]);
        let p = plan(&out, dir.path()).unwrap();
        assert_eq!(p.remove, vec!["json-schema/old.json".to_owned()]);
        apply(&p, &out, dir.path()).unwrap();
        assert!(!dir.path().join("json-schema/old.json").exists());
        assert!(dir.path().join("src/lib.rs").exists());
    }
}
