//! `generated/` must be exactly what `schemas/` compiles to.

use pipeline_tests::root;

#[test]
fn generated_files_match_the_schemas() {
    let outputs =
        codegen::compile_dir(&root().join("schemas"), "schemas").unwrap_or_else(|d| panic!("{d}"));
    let plan = codegen::output::plan(&outputs, &root().join("generated")).expect("read generated/");
    let stale: Vec<String> = plan
        .write
        .iter()
        .map(|f| format!("  stale: generated/{f}"))
        .chain(
            plan.remove
                .iter()
                .map(|f| format!("  no schema makes: generated/{f}")),
        )
        .collect();
    assert!(
        stale.is_empty(),
        "generated/ is out of date with schemas/:\n{}\nrun `cargo xtask regenerate`",
        stale.join("\n")
    );
    assert!(
        plan.unchanged.len() >= 27,
        "expected 8 events' outputs, found {}",
        plan.unchanged.len()
    );
}

#[test]
fn every_generated_file_names_the_command_that_rewrites_it() {
    let outputs =
        codegen::compile_dir(&root().join("schemas"), "schemas").unwrap_or_else(|d| panic!("{d}"));
    for (path, text) in &outputs.files {
        let head: String = text.chars().take(400).collect();
        assert!(
            head.contains("cargo xtask regenerate"),
            "{path} has no regenerate header"
        );
    }
}

#[test]
fn compiling_twice_gives_identical_bytes() {
    let a =
        codegen::compile_dir(&root().join("schemas"), "schemas").unwrap_or_else(|d| panic!("{d}"));
    let b =
        codegen::compile_dir(&root().join("schemas"), "schemas").unwrap_or_else(|d| panic!("{d}"));
    assert_eq!(a, b);
}

/// Each published package carries the license texts: the facade its generated
/// copies, which must say the same as the repository's files.
#[test]
fn every_package_ships_the_repository_license_texts() {
    for name in ["LICENSE-MIT", "LICENSE-APACHE"] {
        let original = std::fs::read_to_string(root().join(name)).expect(name);
        assert!(original.len() > 500, "{name} is not a license text");
        let copy = std::fs::read_to_string(root().join("generated").join(name)).expect(name);
        assert_eq!(
            copy,
            codegen::emit::facade::license_copy(name, &original),
            "generated/{name}"
        );
        let (header, text) = copy.split_once("\n\n").expect("a header line");
        assert!(header.contains(codegen::output::MARKER), "{header}");
        assert_eq!(
            text, original,
            "generated/{name} is not the repository's text"
        );
        for package in ["runtime", "cli"] {
            let shipped = std::fs::read_to_string(root().join(package).join(name))
                .unwrap_or_else(|e| panic!("{package}/{name}: {e}"));
            assert_eq!(shipped, original, "{package}/{name}");
        }
    }
    let manifest = std::fs::read_to_string(root().join("generated/Cargo.toml")).unwrap();
    assert!(
        manifest.contains(r#""LICENSE-MIT", "LICENSE-APACHE""#),
        "the facade's include list leaves the licenses out:\n{manifest}"
    );
}
