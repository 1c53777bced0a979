//! No input panics the compiler: damaged copies of the real schemas, and arbitrary
//! text, always come back as `Ok` or as diagnostics.

use codegen::load::Source;
use proptest::prelude::*;
use std::path::Path;

fn real_schemas() -> Vec<(String, String)> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../schemas");
    let mut out: Vec<(String, String)> = std::fs::read_dir(&dir)
        .expect("schemas/")
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|e| e == "yaml"))
        .map(|p| {
            let name = p
                .file_name()
                .unwrap_or_default()
                .to_string_lossy()
                .into_owned();
            (name, std::fs::read_to_string(&p).expect("read"))
        })
        .collect();
    out.sort();
    out
}

fn compile_one(name: &str, text: String) {
    let result = codegen::compile(vec![Source {
        path: format!("schemas/{name}"),
        text,
    }]);
    if let Err(d) = result {
        // Rendering must not panic either, and every diagnostic names its file.
        let rendered = d.to_string();
        assert!(rendered.contains("schemas/"), "{rendered}");
    }
}

#[derive(Debug, Clone)]
enum Edit {
    DeleteLine(usize),
    DuplicateLine(usize),
    ReplaceChar(usize, char),
    Truncate(usize),
    SwapLines(usize, usize),
}

fn apply(text: &str, edit: &Edit) -> String {
    // An earlier edit may have emptied the text: nothing left to damage.
    if text.is_empty() {
        return String::new();
    }
    let mut lines: Vec<&str> = text.lines().collect();
    let n = lines.len().max(1);
    match *edit {
        Edit::DeleteLine(i) => {
            lines.remove(i % n);
            lines.join("\n")
        }
        Edit::DuplicateLine(i) => {
            let l = lines[i % n];
            lines.insert(i % n, l);
            lines.join("\n")
        }
        Edit::SwapLines(a, b) => {
            lines.swap(a % n, b % n);
            lines.join("\n")
        }
        Edit::ReplaceChar(i, c) => {
            let mut chars: Vec<char> = text.chars().collect();
            let len = chars.len().max(1);
            chars[i % len] = c;
            chars.into_iter().collect()
        }
        Edit::Truncate(i) => text.chars().take(i % text.chars().count().max(1)).collect(),
    }
}

fn edit() -> impl Strategy<Value = Edit> {
    prop_oneof![
        any::<usize>().prop_map(Edit::DeleteLine),
        any::<usize>().prop_map(Edit::DuplicateLine),
        (
            any::<usize>(),
            prop_oneof![
                Just(':'),
                Just(' '),
                Just('{'),
                Just('-'),
                Just('"'),
                Just('\t'),
                any::<char>()
            ]
        )
            .prop_map(|(i, c)| Edit::ReplaceChar(i, c)),
        any::<usize>().prop_map(Edit::Truncate),
        (any::<usize>(), any::<usize>()).prop_map(|(a, b)| Edit::SwapLines(a, b)),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 400, ..ProptestConfig::default() })]

    #[test]
    fn damaged_schemas_never_panic(which in any::<usize>(), edits in prop::collection::vec(edit(), 1..4)) {
        let schemas = real_schemas();
        let (name, text) = &schemas[which % schemas.len()];
        let mut text = text.clone();
        for e in &edits {
            text = apply(&text, e);
        }
        compile_one(name, text);
    }

    #[test]
    fn arbitrary_text_never_panics(text in ".{0,300}") {
        compile_one("AMAZON.Any.Thing.yaml", text);
    }
}
