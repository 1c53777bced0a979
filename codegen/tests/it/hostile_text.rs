//! Any text a schema file can hold reaches the generated Rust as something rustc
//! accepts: doc comments with no bare carriage return and no character rustc
//! refuses or denies, string literals that read back as the same text. The JSON
//! outputs carry it verbatim.

use codegen::load::Source;
use proptest::prelude::*;

/// `text` as a YAML double-quoted scalar: every character outside printable
/// ASCII is an escape, so that both YAML parsers read exactly `text`.
fn yaml_quoted(text: &str) -> String {
    let mut out = String::from("\"");
    for c in text.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            ' '..='~' => out.push(c),
            _ => out.push_str(&format!("\\U{:08x}", u32::from(c))),
        }
    }
    out.push('"');
    out
}

/// A schema whose every text (descriptions, a field name, an enum value, its
/// spoken form, a template) is `t`.
fn schema(t: &str) -> String {
    let q = |s: String| yaml_quoted(&s);
    let text = t.replace('{', "{{").replace('}', "}}");
    format!(
        "event: AMAZON.Hostile.Text
description: {desc}
locales: any
types:
  Named:
    type: object
    description: {desc}
    fields:
      {key}:
        type: string
        required: true
        description: {desc}
payload:
  named:
    type: Named
    required: true
    description: {desc}
  kind:
    type: enum
    required: false
    description: {desc}
    values:
      - {{value: {value}, spoken: {desc}, description: {desc}}}
      - {{value: OTHER, spoken: other}}
templates:
  - text: {text}
example:
  named:
    {key}: {desc}
  kind: {value}
",
        desc = q(format!("x{t}")),
        key = q(format!("k{t}")),
        value = q(format!("V{t}")),
        text = q(format!("x{text}")),
    )
}

/// The string literals of a token stream, as values.
fn literals(tokens: proc_macro2::TokenStream, out: &mut Vec<String>) {
    for tt in tokens {
        match tt {
            proc_macro2::TokenTree::Group(g) => literals(g.stream(), out),
            proc_macro2::TokenTree::Literal(l) => {
                if let Ok(s) = syn::parse2::<syn::LitStr>(l.into_token_stream()) {
                    out.push(s.value());
                }
            }
            _ => {}
        }
    }
}

use quote::ToTokens;

/// Whether rustc would refuse or deny `c` in a comment or a literal written as is.
fn refused_by_rustc(c: char) -> bool {
    c == '\r' || matches!(c, '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
}

fn json_strings(v: &serde_json::Value, out: &mut Vec<String>) {
    match v {
        serde_json::Value::String(s) => out.push(s.clone()),
        serde_json::Value::Array(a) => a.iter().for_each(|v| json_strings(v, out)),
        serde_json::Value::Object(o) => o.iter().for_each(|(k, v)| {
            out.push(k.clone());
            json_strings(v, out)
        }),
        _ => {}
    }
}

fn check(t: &str) -> Result<(), TestCaseError> {
    let yaml = schema(t);
    let compiled = codegen::compile(vec![Source {
        path: "schemas/AMAZON.Hostile.Text.yaml".into(),
        text: yaml.clone(),
    }]);
    let outputs = match compiled {
        Ok(o) => o,
        Err(d) => {
            // A name that collides in Rust: reported, located, never a panic.
            let rendered = d.to_string();
            prop_assert!(
                d.list.iter().all(|d| d.location.is_some()),
                "{rendered}\n{yaml}"
            );
            return Ok(());
        }
    };
    let description = format!("x{t}").trim().to_owned();
    for (path, text) in &outputs.files {
        if path.ends_with(".rs") {
            if let Some(c) = text.chars().find(|c| refused_by_rustc(*c)) {
                prop_assert!(false, "{path}: {c:?} as is\n{text}");
            }
            for line in text.lines() {
                let code = line.trim_start();
                if code.starts_with("//") {
                    prop_assert!(
                        !code.chars().any(|c| c.is_control() && c != '\t'),
                        "{path}: control character in a comment: {code:?}"
                    );
                }
            }
            let file = syn::parse_file(text)
                .map_err(|e| TestCaseError::fail(format!("{path} does not parse: {e}\n{text}")))?;
            if path.ends_with("hostile_text.rs") {
                let mut found = Vec::new();
                literals(file.into_token_stream(), &mut found);
                prop_assert!(
                    found.contains(&description),
                    "{path}: no literal reads back {description:?}"
                );
            }
        } else if path.ends_with(".json") {
            let value: serde_json::Value = serde_json::from_str(text)
                .map_err(|e| TestCaseError::fail(format!("{path}: {e}")))?;
            if path.contains("AMAZON.Hostile.Text.schema.json") {
                let mut found = Vec::new();
                json_strings(&value, &mut found);
                prop_assert!(found.contains(&description), "{path}: {description:?} lost");
            }
        }
    }
    Ok(())
}

/// Characters that have broken or could break generated code.
fn nasty() -> impl Strategy<Value = String> {
    prop::sample::select(vec![
        "\r",
        "\n",
        "\r\n",
        "\n\r",
        "\u{0}",
        "\u{7}",
        "\u{b}",
        "\u{c}",
        "\u{1b}[31m",
        "\u{7f}",
        "\u{85}",
        "\u{2028}",
        "\u{2029}",
        "\u{202e}",
        "\u{2066}",
        "\u{200f}",
        "\u{feff}",
        "*/",
        "/*",
        "//",
        "///",
        "\"",
        "\\",
        "`",
        "<",
        "<b>",
        "#",
        "{{",
        "}}",
        "r#\"",
        "\"#",
        "\t",
        " ",
        "é",
        "\u{10ffff}",
        "\u{fffd}",
    ])
    .prop_map(str::to_owned)
}

fn hostile_text() -> impl Strategy<Value = String> {
    prop::collection::vec(
        prop_oneof![nasty(), any::<char>().prop_map(String::from), "[a-z ]{0,4}"],
        0..12,
    )
    .prop_map(|parts| parts.concat())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn any_description_yields_rust_that_rustc_accepts(t in hostile_text()) {
        check(&t)?;
    }
}

#[test]
fn a_lone_carriage_return_in_a_description_becomes_a_line_break() {
    check("line one\rline two").unwrap();
    let outputs = codegen::compile(vec![Source {
        path: "schemas/AMAZON.Hostile.Text.yaml".into(),
        text: schema("line one\rline two"),
    }])
    .unwrap();
    let module = &outputs.files["src/events/hostile_text.rs"];
    assert!(module.contains("/// xline one\n"), "{module}");
    assert!(module.contains("/// line two\n"), "{module}");
    // The metadata keeps the text exactly.
    assert!(module.contains(r#""xline one\rline two""#), "{module}");
}

#[test]
fn control_characters_and_direction_overrides_are_escaped_in_doc_comments() {
    let outputs = codegen::compile(vec![Source {
        path: "schemas/AMAZON.Hostile.Text.yaml".into(),
        text: schema("a\u{7}b\u{202e}c\u{1b}d"),
    }])
    .unwrap();
    let module = &outputs.files["src/events/hostile_text.rs"];
    assert!(module.contains(r"/// xa\u{7}b\u{202e}c\u{1b}d"), "{module}");
}
