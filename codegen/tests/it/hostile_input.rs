//! Hostile schema folders and files: the compiler reads a bounded amount, refuses
//! what it has no use for with a located error, and reports many errors at a cost
//! that grows with the file, not with the file times the errors.

use codegen::diag::MAX_ERRORS;
use codegen::load::Source;
use std::fs;

const HEAD: &str = "event: AMAZON.Many.Errors\ndescription: d\nlocales: any\npayload:\n";
const TAIL: &str = "templates:\n  - text: \"x\"\n";

/// A schema with `n` fields whose type is misspelt: `n` errors, field `i` on line `5 + i`.
fn many_errors(n: usize) -> String {
    let mut text = HEAD.to_owned();
    for i in 0..n {
        text.push_str(&format!(
            "  f{i:04}: {{type: strng, required: true, description: d}}\n"
        ));
    }
    text.push_str(TAIL);
    text
}

fn compile(text: String) -> codegen::diag::Diagnostics {
    codegen::compile(vec![Source {
        path: "schemas/AMAZON.Many.Errors.yaml".into(),
        text,
    }])
    .expect_err("the schema is invalid")
}

fn schema_dir(files: &[(&str, &str)]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("tempdir");
    for (name, text) in files {
        fs::write(dir.path().join(name), text).expect("write");
    }
    dir
}

#[test]
fn a_schema_linked_to_dev_zero_is_refused_unread() {
    let dir = schema_dir(&[]);
    std::os::unix::fs::symlink("/dev/zero", dir.path().join("AMAZON.Zero.Bytes.yaml"))
        .expect("symlink");
    let d = codegen::read_sources(dir.path(), "schemas").expect_err("refused");
    let text = d.to_string();
    assert_eq!(d.len(), 1, "{text}");
    assert!(
        text.contains("  --> schemas/AMAZON.Zero.Bytes.yaml\n")
            && text.contains("error: not a regular file"),
        "{text}"
    );
}

#[test]
fn a_schema_larger_than_the_cap_is_refused_naming_the_cap() {
    let dir = schema_dir(&[]);
    let big = "#".repeat(codegen::MAX_SCHEMA_BYTES as usize + 1);
    fs::write(dir.path().join("AMAZON.Big.File.yaml"), big).expect("write");
    let d = codegen::read_sources(dir.path(), "schemas").expect_err("refused");
    let text = d.to_string();
    assert!(
        text.contains("schemas/AMAZON.Big.File.yaml")
            && text.contains(
                "the file is 1048577 bytes; a schema file may have at most 1048576 bytes"
            ),
        "{text}"
    );
    // A file growing past the cap after its size was looked at is still cut at it.
    let d = codegen::read_sources_capped(dir.path(), "schemas", 10).expect_err("refused");
    assert!(d.to_string().contains("at most 10 bytes"), "{d}");
}

#[test]
fn a_pipe_or_a_folder_named_like_a_schema_is_refused_without_waiting() {
    let dir = schema_dir(&[]);
    let fifo = dir.path().join("AMAZON.Named.Pipe.yaml");
    let made = std::process::Command::new("mkfifo")
        .arg(&fifo)
        .status()
        .expect("mkfifo");
    assert!(made.success());
    fs::create_dir(dir.path().join("AMAZON.A.Folder.yaml")).expect("mkdir");
    let d = codegen::read_sources(dir.path(), "schemas").expect_err("refused");
    assert_eq!(d.len(), 2, "{d}");
    assert!(
        d.list
            .iter()
            .all(|d| d.message.starts_with("not a regular file"))
    );
}

#[test]
fn two_thousand_errors_are_counted_and_the_first_hundred_located() {
    let d = compile(many_errors(2000));
    assert_eq!(d.len(), 2000);
    assert_eq!((d.list.len(), d.omitted), (MAX_ERRORS, 2000 - MAX_ERRORS));
    for (i, diag) in d.list.iter().enumerate() {
        assert_eq!(diag.message, "unknown field type `strng`");
        assert_eq!(diag.yaml_path, format!("payload.f{i:04}.type"));
        let at = diag.location.expect("located");
        assert_eq!((at.line, at.column), (5 + i, 17), "{diag}");
    }
    let text = d.to_string();
    assert!(
        text.ends_with(
            "... and 1900 more errors\n\nerror: could not compile the schemas due to 2000 previous errors"
        ),
        "{}",
        &text[text.len() - 300..]
    );
}

#[test]
fn errors_of_many_files_are_capped_per_run() {
    let sources = (0..30)
        .map(|f| Source {
            path: format!("schemas/AMAZON.Many.Errors{f}.yaml"),
            text: many_errors(10),
        })
        .collect();
    let d = codegen::compile(sources).expect_err("invalid");
    // 10 misspelt types and a file name that does not match in each of 30 files,
    // and the same event declared again in 29 of them.
    assert_eq!(d.len(), 30 * 11 + 29);
    assert_eq!(d.list.len(), MAX_ERRORS);
}

#[test]
fn an_alias_is_refused_where_it_stands() {
    let mut text = HEAD.to_owned();
    text.push_str("  f0000: &field {type: strng, required: true, description: d}\n");
    for i in 1..2000 {
        text.push_str(&format!("  f{i:04}: *field\n"));
    }
    text.push_str(TAIL);
    let d = compile(text);
    assert_eq!(d.len(), 1, "{d}");
    let rendered = d.to_string();
    assert!(
        rendered.starts_with(
            "error: YAML aliases (`*name`) are not allowed in schema files\n --> schemas/AMAZON.Many.Errors.yaml:6:10\n  |\n6 |   f0001: *field\n  |          ^^^^^^ alias\n"
        ),
        "{rendered}"
    );
}

#[test]
fn nested_aliases_are_refused_before_they_expand() {
    // Each level repeats the one before ten times: 10^8 scalars if expanded,
    // within the YAML deserializer's own repetition limit.
    let mut text =
        String::from("event: AMAZON.Many.Errors\na0: &a0 [x, x, x, x, x, x, x, x, x, x]\n");
    for level in 1..9 {
        let prev = format!("*a{}", level - 1);
        let items = [prev.as_str(); 10].join(", ");
        text.push_str(&format!("a{level}: &a{level} [{items}]\n"));
    }
    text.push_str("description: d\nlocales: any\npayload: {f: {type: strng, required: true, description: *a8}}\n");
    let d = compile(text);
    assert_eq!(d.len(), 1, "{d}");
    let at = d.list[0].location.expect("located");
    assert_eq!((at.line, at.column), (3, 10), "{d}");
}

#[test]
fn deep_nesting_is_refused_where_it_gets_too_deep() {
    let depth = codegen::locate::MAX_DEPTH + 10;
    let text = format!("payload: {}{}\n", "[".repeat(depth), "]".repeat(depth));
    let d = compile(text);
    let rendered = d.to_string();
    assert!(
        rendered.contains("is nested more than 128 levels deep")
            && rendered.contains("AMAZON.Many.Errors.yaml:1:137"),
        "{rendered}"
    );
}

#[test]
fn a_snippet_of_a_very_long_line_is_cut_around_the_caret() {
    // One line of flow YAML, 2,000 errors on it: each snippet shows a window.
    let fields: Vec<String> = (0..2000)
        .map(|i| format!("f{i:04}: {{type: strng, required: true, description: d}}"))
        .collect();
    let text = format!(
        "{{event: AMAZON.Many.Errors, description: d, locales: any, payload: {{{}}}, templates: [{{text: x}}]}}\n",
        fields.join(", ")
    );
    let d = compile(text);
    assert_eq!(d.len(), 2000);
    let fiftieth = &d.list[50];
    let line = fiftieth.source_line.as_deref().expect("snippet");
    assert!(
        line.chars().count() <= codegen::diag::MAX_SNIPPET_CHARS,
        "{line}"
    );
    let rendered = fiftieth.to_string();
    // The caret is still under the misspelt type.
    let lines: Vec<&str> = rendered.lines().collect();
    let source = lines[3].split_once(" | ").expect("source line").1;
    let caret = lines[4].split_once(" | ").expect("caret line").1;
    let at = caret.find('^').expect("caret");
    assert_eq!(
        &source[source
            .char_indices()
            .nth(caret[..at].chars().count())
            .unwrap()
            .0..][..5],
        "strng",
        "{rendered}"
    );
    assert!(
        source.starts_with('…') && source.ends_with('…'),
        "{rendered}"
    );
}

#[test]
fn control_characters_in_a_schema_are_shown_escaped() {
    let text =
        format!("{HEAD}  f: {{type: \"str\\e[2Jng\", required: true, description: d}}\n{TAIL}");
    let rendered = compile(text).to_string();
    assert!(!rendered.contains('\u{1b}'), "{rendered:?}");
    assert!(
        rendered.contains("unknown field type `str\\u{1b}[2Jng`"),
        "{rendered}"
    );
}

/// `n` named types, each holding `uses` fields of the next one.
fn chain_of_types(n: usize, uses: usize) -> String {
    let mut text =
        String::from("event: AMAZON.Many.Errors\ndescription: d\nlocales: any\ntypes:\n");
    for i in 0..n {
        let fields: Vec<String> = (0..uses)
            .map(|u| {
                format!(
                    "f{u}: {{type: T{:05}, required: true, description: d}}",
                    i + 1
                )
            })
            .collect();
        text.push_str(&format!(
            "  T{i:05}: {{type: object, description: d, fields: {{{}}}}}\n",
            fields.join(", ")
        ));
    }
    text.push_str(&format!(
        "  T{n:05}: {{type: object, description: d, fields: {{a: {{type: string, required: true, localizable: true, description: d}}}}}}\n"
    ));
    text.push_str("payload:\n  root: {type: T00000, required: true, description: d}\n");
    text.push_str(TAIL);
    text
}

#[test]
fn a_long_chain_of_named_types_is_refused_not_a_stack_overflow() {
    let d = compile(chain_of_types(5000, 1));
    assert_eq!(d.len(), 1, "{d}");
    assert_eq!(
        d.list[0].message,
        "`root` nests objects and arrays 5002 levels deep (the payload counting as one); at most 32 are supported"
    );
    let at = d.list[0].location.expect("located");
    assert_eq!((at.line, at.column), (5007, 3));
    // Within the limit, the same shape compiles (with an example as deep).
    let example = format!(
        "example: {{root: {}{{a: x}}{}}}\n",
        "{f0: ".repeat(30),
        "}".repeat(30)
    );
    let compiled = codegen::compile(vec![Source {
        path: "schemas/AMAZON.Many.Errors.yaml".into(),
        text: chain_of_types(30, 1) + &example,
    }]);
    assert!(
        compiled.is_ok(),
        "{:?}",
        compiled.err().map(|d| d.to_string())
    );
}

#[test]
fn named_types_that_multiply_the_payload_are_refused() {
    // Each type holds two of the next: 3 * 2^25 - 1 fields once expanded, in 4 KB, and
    // within the nesting limit.
    let d = compile(chain_of_types(25, 2));
    assert_eq!(d.len(), 1, "{d}");
    let rendered = d.to_string();
    assert!(
        rendered.starts_with(
            "error: the payload has 100663295 fields once each use of a named type counts its fields; at most 10000 are supported\n  --> schemas/AMAZON.Many.Errors.yaml:31:1\n"
        ),
        "{rendered}"
    );
}

#[test]
fn types_on_a_cycle_are_each_reported_once() {
    let text = format!(
        "event: AMAZON.Many.Errors\ndescription: d\nlocales: any\ntypes:\n\
         \x20 A: {{type: object, description: d, fields: {{b: {{type: B, required: true, description: d}}}}}}\n\
         \x20 B: {{type: object, description: d, fields: {{a: {{type: A, required: false, description: d}}}}}}\n\
         \x20 C: {{type: object, description: d, fields: {{a: {{type: A, required: true, description: d}}}}}}\n\
         \x20 D: {{type: object, description: d, fields: {{d: {{type: array, required: false, description: d, items: {{type: D}}}}}}}}\n\
         payload:\n  c: {{type: C, required: true, description: d}}\n{TAIL}"
    );
    let d = compile(text);
    let found: Vec<(&str, usize)> = d
        .list
        .iter()
        .map(|d| (d.message.as_str(), d.location.expect("located").line))
        .collect();
    assert_eq!(
        found,
        [
            ("type `A` contains itself", 5),
            ("type `B` contains itself", 6),
            ("type `D` contains itself", 8)
        ]
    );
}
