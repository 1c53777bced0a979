//! runtime/Cargo.toml's `[features]` owns the list of the runtime's features: the
//! runtime's README shows it, written from it (each feature with the comment above it,
//! between `<!-- features:begin -->` and `<!-- features:end -->`), and the facade
//! forwards every one. `UPDATE_EXPECTED=1 cargo test` rewrites the README's copy.

use pipeline_tests::{root, updating_expected};
use std::path::Path;

const BEGIN: &str = "<!-- features:begin -->\n";
const END: &str = "<!-- features:end -->";

fn read(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// `(name, comment)` of each feature of a manifest's `[features]` but `default`, in
/// order; the comment is the `#` lines right above the feature, joined.
fn features(manifest: &str) -> Vec<(String, String)> {
    let mut out = Vec::new();
    let mut comment: Vec<&str> = Vec::new();
    let mut inside = false;
    for line in manifest.lines().map(str::trim) {
        // A table header: no line of a feature's value starts with `[`.
        if line.starts_with('[') {
            inside = line == "[features]";
            comment.clear();
            continue;
        }
        if !inside {
            continue;
        }
        if let Some(text) = line.strip_prefix('#') {
            comment.push(text.trim());
            continue;
        }
        if let Some((name, _)) = line.split_once('=')
            && name.trim() != "default"
        {
            out.push((name.trim().to_owned(), comment.join(" ")));
        }
        comment.clear();
    }
    out
}

#[test]
fn the_runtime_readme_lists_every_feature_of_its_manifest() {
    let list = features(&read(&root().join("runtime/Cargo.toml")));
    assert!(!list.is_empty(), "runtime/Cargo.toml: no [features] found");
    for (name, comment) in &list {
        assert!(
            !comment.is_empty(),
            "runtime/Cargo.toml: feature `{name}` has no comment above it to say what it does"
        );
    }
    let block: String = list
        .iter()
        .map(|(name, comment)| format!("- `{name}`: {comment}\n"))
        .collect();

    let path = root().join("runtime/README.md");
    let readme = read(&path);
    let start = readme
        .find(BEGIN)
        .expect("runtime/README.md: no features:begin marker")
        + BEGIN.len();
    let end = start
        + readme[start..]
            .find(END)
            .expect("runtime/README.md: no features:end marker after features:begin");
    if readme[start..end] == block {
        return;
    }
    if updating_expected() {
        let updated = format!("{}{block}{}", &readme[..start], &readme[end..]);
        std::fs::write(&path, updated).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        return;
    }
    panic!(
        "runtime/README.md's feature list is not runtime/Cargo.toml's [features]:\n\
         --- README\n{}--- Cargo.toml\n{block}rerun with UPDATE_EXPECTED=1 to rewrite it",
        &readme[start..end]
    );
}

#[test]
fn the_facade_forwards_every_runtime_feature() {
    let names = |path: &str| -> Vec<String> {
        features(&read(&root().join(path)))
            .into_iter()
            .map(|(name, _)| name)
            .collect()
    };
    assert_eq!(
        names("generated/Cargo.toml"),
        names("runtime/Cargo.toml"),
        "generated/Cargo.toml (codegen/src/emit/facade/Cargo.toml.in) must forward the \
         runtime's features, in the same order"
    );
}

/// The README's feature table names each of the runtime's features in exactly one row, in
/// the `features` column, so that no job is left without its feature.
#[test]
fn the_readme_feature_table_names_every_feature_once() {
    let list = features(&read(&root().join("runtime/Cargo.toml")));
    let readme = read(&root().join("README.md"));
    let rows: Vec<&str> = readme
        .lines()
        .skip_while(|l| !l.starts_with("| job | features |"))
        .skip(2)
        .take_while(|l| l.starts_with('|'))
        .collect();
    assert!(
        !rows.is_empty(),
        "README.md has no `| job | features |` table"
    );
    let named: Vec<String> = rows
        .iter()
        .map(|r| {
            r.split('|')
                .nth(2)
                .expect("a features cell")
                .trim()
                .to_owned()
        })
        .collect();
    for (name, _) in &list {
        let cell = format!("`{name}`");
        let count = named.iter().filter(|c| **c == cell).count();
        assert_eq!(
            count, 1,
            "README feature table: `{name}` in {count} rows: {named:?}"
        );
    }
    let known: Vec<String> = list.iter().map(|(n, _)| format!("`{n}`")).collect();
    for cell in &named {
        assert!(
            cell == "none" || known.contains(cell),
            "README feature table names {cell}, not a feature of runtime/Cargo.toml"
        );
    }
}
