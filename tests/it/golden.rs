//! Golden output of the emitters on fixtures with awkward names. Set
//! `UPDATE_EXPECTED=1` to rewrite the expected files after an intended change.

use pipeline_tests::root;

#[test]
fn emitters_match_the_golden_files() {
    let dir = root().join("tests/fixtures/golden");
    let outputs = codegen::compile_dir(&dir.join("schemas"), "tests/fixtures/golden/schemas")
        .unwrap_or_else(|d| panic!("{d}"));
    let expected = dir.join("expected");
    let plan = codegen::output::plan(&outputs, &expected).expect("read expected/");
    if pipeline_tests::updating_expected() {
        codegen::output::apply(&plan, &outputs, &expected).expect("write expected/");
        return;
    }
    assert!(
        plan.is_fresh(),
        "golden output changed: {:?} differ, {:?} are no longer produced; inspect, then rerun with UPDATE_EXPECTED=1",
        plan.write,
        plan.remove
    );
    assert_eq!(
        plan.unchanged.len(),
        16,
        "3 Rust files, 3 JSON Schemas, 3 manifests, 3 reference pages, the crate's Cargo.toml, lib.rs and 2 licenses"
    );
}
