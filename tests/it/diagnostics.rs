//! Negative fixtures: each folder under `tests/fixtures/invalid/` holds bad schema
//! files and `expected.txt`, the exact diagnostics. `UPDATE_EXPECTED=1` rewrites them.

use pipeline_tests::root;

#[test]
fn every_bad_schema_gets_its_pinned_diagnostic() {
    let dir = root().join("tests/fixtures/invalid");
    let mut cases: Vec<_> = std::fs::read_dir(&dir)
        .expect("fixtures")
        .filter_map(Result::ok)
        .map(|e| e.path())
        .collect();
    cases.sort();
    assert!(cases.len() >= 15, "only {} negative fixtures", cases.len());
    let update = pipeline_tests::updating_expected();
    let mut failures = Vec::new();
    for case in cases {
        let name = case
            .file_name()
            .unwrap_or_default()
            .to_string_lossy()
            .into_owned();
        let shown = format!("tests/fixtures/invalid/{name}");
        let got = match codegen::compile_dir(&case, &shown) {
            Ok(_) => "(compiled without errors)\n".to_owned(),
            Err(d) => format!("{d}\n"),
        };
        let expected_path = case.join("expected.txt");
        if update {
            std::fs::write(&expected_path, &got).expect("write expected.txt");
            continue;
        }
        let want = std::fs::read_to_string(&expected_path).unwrap_or_default();
        if got != want {
            failures.push(format!("--- {name}: expected\n{want}--- got\n{got}"));
        }
    }
    assert!(
        failures.is_empty(),
        "{}\nrerun with UPDATE_EXPECTED=1 if the change is intended",
        failures.join("\n")
    );
}
