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
