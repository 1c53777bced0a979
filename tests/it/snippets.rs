//! Every Rust snippet of the README and the guide (`docs/guide/src/*.md`), compiled with
//! exactly the dependencies its page states (`cargo build`, or `cargo check` when all of a
//! statement's snippets are `no_run`), and run unless marked `no_run`.
//!
//! A page states them in a ```` ```toml ```` block holding `[dependencies]`; each Rust block
//! is built with the nearest such block above it. The blocks that share a statement become
//! the binaries of one throwaway crate, whose `Cargo.toml` is that statement with
//! `alexa-proactive-events` pointed at `generated/` (the published form names a version).
//! So a snippet that needs feature `postgres` on a page that states only `client` fails to
//! build, as it would for a reader; `a_snippet_needing_an_unstated_feature_fails` proves it.
//! The crates build in `<target>/snippets`, offline, from the workspace's `Cargo.lock`.

use pipeline_tests::root;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// One Rust block of a page.
#[derive(Debug, Clone)]
struct Snippet {
    /// `README.md:57`: the page and the line of the opening fence.
    place: String,
    code: String,
    run: bool,
}

/// Every page whose Rust snippets must build: the README and the guide's chapters.
fn pages() -> Vec<PathBuf> {
    let guide = root().join("docs/guide/src");
    let mut pages: Vec<PathBuf> = std::fs::read_dir(&guide)
        .unwrap_or_else(|e| panic!("{}: {e}", guide.display()))
        .map(|e| e.expect("entry").path())
        .filter(|p| p.extension().is_some_and(|x| x == "md"))
        .collect();
    pages.sort();
    pages.insert(0, root().join("README.md"));
    pages
}

/// The page's Rust snippets, each with the dependencies stated above it.
fn snippets(page: &Path) -> Vec<(String, Snippet)> {
    let text = std::fs::read_to_string(page).unwrap_or_else(|e| panic!("{}: {e}", page.display()));
    let name = page
        .strip_prefix(root())
        .expect("a page of the repository")
        .display()
        .to_string();
    let mut out = Vec::new();
    let mut deps: Option<String> = None;
    let mut lines = text.lines().enumerate();
    while let Some((n, line)) = lines.next() {
        let Some(info) = line.trim_start().strip_prefix("```") else {
            continue;
        };
        let fence = &line[..line.len() - line.trim_start().len() + 3];
        let mut body = String::new();
        for (_, l) in lines.by_ref() {
            if l.starts_with(fence) && l.trim() == "```" {
                break;
            }
            body.push_str(l);
            body.push('\n');
        }
        let place = format!("{name}:{}", n + 1);
        let mut words = info.split(',').map(str::trim);
        match words.next() {
            Some("toml") if body.contains("[dependencies]") => deps = Some(body),
            Some("rust") => {
                let flags: Vec<&str> = words.collect();
                assert!(
                    flags.iter().all(|f| *f == "no_run"),
                    "{place}: a snippet is built and run, or built with `no_run`: not {flags:?}"
                );
                let deps = deps.clone().unwrap_or_else(|| {
                    panic!("{place}: no ```toml block with [dependencies] above this snippet")
                });
                out.push((
                    deps,
                    Snippet {
                        place,
                        code: body,
                        run: flags.is_empty(),
                    },
                ));
            }
            _ => {}
        }
    }
    out
}

/// The stated dependencies with the facade pointed at this repository's `generated/`.
fn manifest(name: &str, deps: &str, bins: &[(String, &Snippet)]) -> String {
    let mut table: toml::Table = deps
        .parse()
        .unwrap_or_else(|e| panic!("the dependencies of {}: {e}", bins[0].1.place));
    let stated = table
        .get_mut("dependencies")
        .and_then(toml::Value::as_table_mut)
        .expect("[dependencies]");
    let facade = stated.get_mut("alexa-proactive-events").unwrap_or_else(|| {
        panic!(
            "{}: the dependencies name no alexa-proactive-events",
            bins[0].1.place
        )
    });
    let mut spec = match facade {
        toml::Value::String(_) => toml::Table::new(),
        toml::Value::Table(t) => t.clone(),
        other => panic!("{}: alexa-proactive-events = {other}", bins[0].1.place),
    };
    spec.remove("version");
    spec.insert(
        "path".into(),
        toml::Value::String(root().join("generated").display().to_string()),
    );
    *facade = toml::Value::Table(spec);
    let mut out = format!(
        "[package]\nname = \"{name}\"\nversion = \"0.0.0\"\nedition = \"2024\"\npublish = false\n\n[workspace]\n\n{}",
        toml::to_string(&table).expect("toml")
    );
    for (bin, _) in bins {
        out.push_str(&format!(
            "\n[[bin]]\nname = \"{bin}\"\npath = \"{bin}.rs\"\n"
        ));
    }
    out
}

/// Where the throwaway crates build: `<target>/snippets`, beside this test's own build.
fn target_dir() -> PathBuf {
    let exe = std::env::current_exe().expect("the test binary");
    // <target>/debug/deps/it-HASH
    exe.ancestors()
        .nth(3)
        .expect("the target directory")
        .join("snippets")
}

/// Builds one crate per statement of dependencies; returns each crate's folder and the
/// build's output when it failed.
fn build(
    name: &str,
    deps: &str,
    snippets: &[&Snippet],
) -> (PathBuf, Vec<(String, PathBuf)>, Result<(), String>) {
    let dir = target_dir().join("crates").join(name);
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("crate folder");
    let bins: Vec<(String, &Snippet)> = snippets
        .iter()
        .map(|s| {
            let bin = s
                .place
                .to_lowercase()
                .replace(|c: char| !c.is_ascii_alphanumeric(), "_");
            (bin, *s)
        })
        .collect();
    for (bin, s) in &bins {
        std::fs::write(dir.join(format!("{bin}.rs")), &s.code).expect("snippet file");
    }
    std::fs::write(dir.join("Cargo.toml"), manifest(name, deps, &bins)).expect("Cargo.toml");
    std::fs::copy(root().join("Cargo.lock"), dir.join("Cargo.lock")).expect("Cargo.lock");
    // `no_run` snippets are type-checked, borrow-checked and linted as a build would,
    // without machine code: `cargo check`, in half the time.
    let verb = if snippets.iter().any(|s| s.run) {
        "build"
    } else {
        "check"
    };
    let out = Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()))
        .args([verb, "--offline", "--quiet", "--bins"])
        .current_dir(&dir)
        .env("CARGO_TARGET_DIR", target_dir())
        .stdin(Stdio::null())
        .output()
        .expect("cargo runs");
    let exes = bins
        .iter()
        .map(|(bin, s)| (s.place.clone(), target_dir().join("debug").join(bin)))
        .collect();
    let result = if out.status.success() {
        Ok(())
    } else {
        Err(String::from_utf8_lossy(&out.stderr).into_owned())
    };
    (dir, exes, result)
}

/// Runs a built snippet in an empty folder, under a hang guard.
fn run(place: &str, exe: &Path) {
    let cwd = tempfile::tempdir().expect("temp dir");
    let mut child = Command::new(exe)
        .current_dir(cwd.path())
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("{place}: {e}"));
    let deadline = Instant::now() + Duration::from_secs(120);
    while child.try_wait().expect("wait").is_none() {
        if Instant::now() > deadline {
            let _ = child.kill();
            let _ = child.wait();
            panic!("{place}: still running after 120 s");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    let out = child.wait_with_output().expect("output");
    assert!(
        out.status.success(),
        "{place}: the snippet failed ({}):\n{}{}",
        out.status,
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn every_snippet_builds_with_its_stated_dependencies_and_runs() {
    let mut groups: BTreeMap<String, Vec<Snippet>> = BTreeMap::new();
    for page in pages() {
        for (deps, snippet) in snippets(&page) {
            groups.entry(deps).or_default().push(snippet);
        }
    }
    let total: usize = groups.values().map(Vec::len).sum();
    assert!(
        total >= 8,
        "only {total} Rust snippets in the README and the guide"
    );
    let mut failures = Vec::new();
    for (i, (deps, snippets)) in groups.iter().enumerate() {
        let refs: Vec<&Snippet> = snippets.iter().collect();
        let (_, exes, result) = build(&format!("snippets-{i}"), deps, &refs);
        if let Err(stderr) = result {
            let places: Vec<&str> = snippets.iter().map(|s| s.place.as_str()).collect();
            failures.push(format!("{places:?} with\n{deps}\n{stderr}"));
            continue;
        }
        for (snippet, (place, exe)) in snippets.iter().zip(&exes) {
            if snippet.run {
                run(place, exe);
            }
        }
    }
    assert!(
        failures.is_empty(),
        "snippets that do not build:\n{}",
        failures.join("\n")
    );
}

/// The check has teeth: the PostgreSQL ledger under a statement that names only the
/// sender's features does not build.
#[test]
fn a_snippet_needing_an_unstated_feature_fails() {
    let deps = "[dependencies]\nalexa-proactive-events = { version = \"0.1\", features = [\"client\", \"emulator\"] }\n";
    let snippet = Snippet {
        place: "unstated-feature:1".into(),
        code: "use alexa_proactive_events::subscriptions::PostgresLedger;\n\
               fn main() { let _ = PostgresLedger::connect(\"postgres://\"); }\n"
            .into(),
        run: false,
    };
    let (_, _, result) = build("snippets-unstated", deps, &[&snippet]);
    let stderr =
        result.expect_err("a snippet using PostgresLedger built with client and emulator only");
    assert!(stderr.contains("PostgresLedger"), "{stderr}");
}

/// The facade's crate docs start with the README's program, the same text: the template
/// that `cargo xtask regenerate` writes `generated/src/lib.rs` from holds a copy (the
/// published crate cannot read the repository's README), so this test keeps the two equal.
#[test]
fn the_facade_docs_start_with_the_readme_program() {
    let readme = std::fs::read_to_string(root().join("README.md")).expect("README.md");
    let section = readme
        .split("\n## One Rust program")
        .nth(1)
        .expect("the README has a section `One Rust program`");
    let program = section
        .split("```rust\n")
        .nth(1)
        .and_then(|s| s.split("\n```").next())
        .expect("a ```rust block there");
    let template = "codegen/src/emit/facade/lib.rs.in";
    let facade = std::fs::read_to_string(root().join(template)).expect(template);
    let docs: String = facade
        .lines()
        .skip_while(|l| !l.contains("doc = \"```\")]"))
        .skip_while(|l| !l.starts_with("//! "))
        .take_while(|l| *l != "//! ```")
        .map(|l| {
            format!(
                "{}\n",
                l.strip_prefix("//! ")
                    .unwrap_or(l.trim_start_matches("//!"))
            )
        })
        .collect();
    assert_eq!(
        docs.trim_end(),
        program.trim_end(),
        "{template}'s quick start is not the README's program"
    );
}
