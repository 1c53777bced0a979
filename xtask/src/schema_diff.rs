//! `cargo xtask schema-diff`: the schemas at a git revision against the work tree's,
//! compared by `codegen::diff` on the compiler's IR. This file only reads git and the
//! files, and prints; every rule is in `codegen/src/diff.rs`.

use codegen::diff::{self, Change};
use codegen::load::Source;
use codegen::model::Catalog;
use std::path::Path;
use std::process::Command;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Text,
    Json,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Options {
    pub base: String,
    pub format: Format,
    pub changelog: bool,
}

/// `[--base GIT-REV] [--format text|json] [--changelog]`.
pub fn parse(args: &[&str]) -> Result<Options, String> {
    let mut o = Options {
        base: "HEAD".into(),
        format: Format::Text,
        changelog: false,
    };
    let mut it = args.iter();
    while let Some(&arg) = it.next() {
        let (flag, inline) = match arg.split_once('=') {
            Some((f, v)) if f.starts_with("--") => (f, Some(v)),
            _ => (arg, None),
        };
        let mut value = |name: &str| {
            inline
                .or_else(|| it.next().copied())
                .filter(|v| !v.is_empty())
                .map(str::to_owned)
                .ok_or_else(|| format!("{name} needs a value"))
        };
        match flag {
            "--base" => o.base = value("--base")?,
            "--format" => {
                o.format = match value("--format")?.as_str() {
                    "text" => Format::Text,
                    "json" => Format::Json,
                    other => return Err(format!("--format {other}: expected `text` or `json`")),
                }
            }
            "--changelog" if inline.is_none() => o.changelog = true,
            other => return Err(format!("unknown argument `{other}`")),
        }
    }
    Ok(o)
}

/// Runs the command; what it prints on success.
pub fn run(root: &Path, o: &Options) -> Result<String, String> {
    let changes = changes(root, &o.base)?;
    let version = facade_version(root)?;
    let mut out = match o.format {
        Format::Text => diff::text_report(&changes, &o.base, &version),
        Format::Json => format!("{:#}\n", diff::json_report(&changes, &o.base, &version)),
    };
    if o.changelog {
        if changes.is_empty() {
            out.push_str("CHANGELOG.md: nothing to add\n");
        } else {
            let path = root.join("CHANGELOG.md");
            let text = std::fs::read_to_string(&path)
                .map_err(|e| format!("cannot read CHANGELOG.md: {e}"))?;
            let new = diff::insert_into_changelog(&text, &changes)?;
            std::fs::write(&path, new).map_err(|e| format!("cannot write CHANGELOG.md: {e}"))?;
            out.push_str(&format!(
                "CHANGELOG.md: {} entr{} added under [Unreleased]\n",
                changes.len(),
                if changes.len() == 1 { "y" } else { "ies" }
            ));
        }
    } else if o.format == Format::Text && !changes.is_empty() {
        out.push_str("\nCHANGELOG fragment (--changelog adds it under [Unreleased]):\n\n");
        out.push_str(&diff::changelog_fragment(&changes));
    }
    Ok(out)
}

/// The one-line summary against `HEAD` when `schemas/` has uncommitted changes; `None`
/// when it has none or this is not a git work tree. `Err`: a diff was due but failed.
pub fn summary_if_changed(root: &Path) -> Option<Result<String, String>> {
    let status = git(root, &["status", "--porcelain", "--", "schemas"]).ok()?;
    if status.trim().is_empty() {
        return None;
    }
    Some(
        changes(root, "HEAD")
            .and_then(|changes| Ok(diff::summary(&changes, "HEAD", &facade_version(root)?))),
    )
}

fn changes(root: &Path, base: &str) -> Result<Vec<Change>, String> {
    let old = catalog_at(root, base)?;
    let sources = codegen::read_sources(&root.join("schemas"), "schemas")
        .map_err(|d| format!("cannot read the work tree's schemas:\n{d}"))?;
    let new = codegen::build_catalog(sources).map_err(|d| {
        format!(
            "the work tree's schemas do not compile (cargo xtask regenerate says the same):\n{d}"
        )
    })?;
    Ok(diff::diff(&old, &new))
}

/// The catalog of `schemas/*.yaml` at `rev`; empty when that commit has no schemas.
fn catalog_at(root: &Path, rev: &str) -> Result<Catalog, String> {
    let commit = git(
        root,
        &[
            "rev-parse",
            "--verify",
            "--quiet",
            &format!("{rev}^{{commit}}"),
        ],
    )
    .map_err(|e| format!("--base {rev}: not a commit of this repository ({e})"))?;
    let commit = commit.trim();
    let listing = git(
        root,
        &["ls-tree", "-z", "--name-only", commit, "--", "schemas/"],
    )
    .map_err(|e| format!("--base {rev}: cannot list schemas/ ({e})"))?;
    let mut sources = Vec::new();
    for path in listing.split('\0') {
        let Some(name) = path.strip_prefix("schemas/") else {
            continue;
        };
        if !name.ends_with(".yaml") || name.contains('/') {
            continue;
        }
        let shown = format!("{rev}:schemas/{name}");
        let text = git(root, &["show", &format!("{commit}:schemas/{name}")])
            .map_err(|e| format!("{shown}: cannot read it ({e})"))?;
        if text.len() as u64 > codegen::MAX_SCHEMA_BYTES {
            return Err(format!(
                "{shown}: {} bytes; a schema file may have at most {}",
                text.len(),
                codegen::MAX_SCHEMA_BYTES
            ));
        }
        sources.push(Source { path: shown, text });
    }
    if sources.is_empty() {
        return Ok(Catalog { events: Vec::new() });
    }
    codegen::build_catalog(sources).map_err(|d| {
        format!("the schemas at {rev} do not compile, so there is nothing to compare with:\n{d}")
    })
}

/// The facade's version: `version` under `[workspace.package]` in `Cargo.toml`.
fn facade_version(root: &Path) -> Result<String, String> {
    let text = std::fs::read_to_string(root.join("Cargo.toml"))
        .map_err(|e| format!("cannot read Cargo.toml: {e}"))?;
    let mut in_package = false;
    for line in text.lines() {
        let line = line.trim();
        if line.starts_with('[') {
            in_package = line == "[workspace.package]";
        } else if in_package && let Some(v) = line.strip_prefix("version") {
            let v = v
                .trim_start()
                .trim_start_matches('=')
                .trim()
                .trim_matches('"');
            return Ok(v.to_owned());
        }
    }
    Err("Cargo.toml: no `version` under [workspace.package]".into())
}

/// Runs git in `root`; its standard output as text, or why it failed.
fn git(root: &Path, args: &[&str]) -> Result<String, String> {
    let out = Command::new("git")
        .arg("-C")
        .arg(root)
        .args(args)
        .output()
        .map_err(|e| format!("cannot run git: {e}"))?;
    if !out.status.success() {
        let err = String::from_utf8_lossy(&out.stderr).trim().to_owned();
        return Err(if err.is_empty() {
            format!("git {} failed", args[0])
        } else {
            err
        });
    }
    String::from_utf8(out.stdout).map_err(|_| format!("git {}: output is not UTF-8", args[0]))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn arguments() {
        assert_eq!(
            parse(&[]),
            Ok(Options {
                base: "HEAD".into(),
                format: Format::Text,
                changelog: false
            })
        );
        assert_eq!(
            parse(&["--base", "v0.1.0", "--format=json", "--changelog"]),
            Ok(Options {
                base: "v0.1.0".into(),
                format: Format::Json,
                changelog: true
            })
        );
        assert!(parse(&["--base"]).is_err());
        assert!(parse(&["--format", "yaml"]).is_err());
        assert!(parse(&["--frobnicate"]).is_err());
    }

    fn repo() -> tempfile::TempDir {
        let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        let root = dir.path();
        let real = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
        std::fs::create_dir(root.join("schemas")).unwrap_or_else(|e| panic!("{e}"));
        let name = "AMAZON.OrderStatus.Updated.yaml";
        std::fs::copy(
            real.join("schemas").join(name),
            root.join("schemas").join(name),
        )
        .unwrap_or_else(|e| panic!("{e}"));
        std::fs::write(
            root.join("Cargo.toml"),
            "[workspace.package]\nversion = \"0.1.0\"\n",
        )
        .unwrap_or_else(|e| panic!("{e}"));
        for args in [
            &["init", "-q"][..],
            &["add", "."],
            &[
                "-c",
                "user.name=t",
                "-c",
                "user.email=t@example.com",
                "commit",
                "-qm",
                "base",
            ],
        ] {
            git(root, args).unwrap_or_else(|e| panic!("{e}"));
        }
        dir
    }

    #[test]
    fn against_a_real_repository() {
        let dir = repo();
        let root = dir.path();
        assert_eq!(summary_if_changed(root), None);
        let file = root.join("schemas/AMAZON.OrderStatus.Updated.yaml");
        let text = std::fs::read_to_string(&file).unwrap_or_else(|e| panic!("{e}"));
        let edited = text.replace(
            "          - {value: ORDER_DELIVERED,",
            "          - {value: ORDER_RETURNED, spoken: returned}\n          - {value: ORDER_DELIVERED,",
        );
        assert_ne!(text, edited);
        std::fs::write(&file, edited).unwrap_or_else(|e| panic!("{e}"));
        let summary = summary_if_changed(root).map(|r| r.unwrap_or_else(|e| panic!("{e}")));
        assert_eq!(
            summary.as_deref(),
            Some(
                "schema-diff against HEAD: 1 change; Rust minor (0.1.0 -> 0.1.1), JSON Schema looser; details: cargo xtask schema-diff"
            )
        );
        let o = parse(&["--format", "json"]).unwrap_or_else(|e| panic!("{e}"));
        let json = run(root, &o).unwrap_or_else(|e| panic!("{e}"));
        assert!(json.contains("\"kind\": \"enum-value-added\""), "{json}");
        let bad = parse(&["--base", "no-such-rev"]).unwrap_or_else(|e| panic!("{e}"));
        let err = run(root, &bad).expect_err("a bad revision");
        assert!(err.starts_with("--base no-such-rev: not a commit"), "{err}");
    }

    #[test]
    fn unparsable_schema_at_base_is_named() {
        let dir = repo();
        let root = dir.path();
        std::fs::write(
            root.join("schemas/AMAZON.OrderStatus.Updated.yaml"),
            "event: [",
        )
        .unwrap_or_else(|e| panic!("{e}"));
        git(
            root,
            &[
                "-c",
                "user.name=t",
                "-c",
                "user.email=t@example.com",
                "commit",
                "-qam",
                "broken",
            ],
        )
        .unwrap_or_else(|e| panic!("{e}"));
        git(root, &["checkout", "-q", "HEAD~1", "--", "schemas"]).unwrap_or_else(|e| panic!("{e}"));
        let err =
            run(root, &parse(&[]).unwrap_or_else(|e| panic!("{e}"))).expect_err("broken base");
        assert!(
            err.starts_with("the schemas at HEAD do not compile"),
            "{err}"
        );
        assert!(
            err.contains("HEAD:schemas/AMAZON.OrderStatus.Updated.yaml"),
            "{err}"
        );
    }

    #[test]
    fn outside_git_nothing_is_said() {
        let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(summary_if_changed(dir.path()), None);
    }
}
