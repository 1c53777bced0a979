//! Every emitted JSON Schema is itself valid against the draft 2020-12 meta-schema,
//! including the golden fixture outputs.

use pipeline_tests::{read_json, root};

fn check_dir(dir: &std::path::Path) -> usize {
    let mut n = 0;
    for entry in std::fs::read_dir(dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display())) {
        let path = entry.expect("dir entry").path();
        if !path.to_string_lossy().ends_with(".schema.json") {
            continue;
        }
        let schema = read_json(&path);
        assert_eq!(
            schema["$schema"],
            "https://json-schema.org/draft/2020-12/schema",
            "{}",
            path.display()
        );
        if let Err(e) = jsonschema::meta::validate(&schema) {
            panic!("{} fails its meta-schema: {e}", path.display());
        }
        n += 1;
    }
    n
}

#[test]
fn generated_schemas_pass_the_meta_schema() {
    assert_eq!(check_dir(&root().join("generated/json-schema")), 9);
}

#[test]
fn the_meta_schema_check_rejects_a_broken_schema() {
    let broken = serde_json::json!({"$schema": "https://json-schema.org/draft/2020-12/schema", "type": "strng"});
    assert!(jsonschema::meta::validate(&broken).is_err());
}
