//! `cargo bench -p codegen`: a full compile (load through emit, no writing) of the
//! 8 real schemas, and of 100 and 1,000 synthetic ones to show linear growth.
//!
//! `cargo bench -p codegen --bench compile -- hostile`: hostile files, each beside
//! a valid file of the same size compiled in the same run (the baseline): 2,000
//! errors in one file (all counted, the first 100 located), and 2,000 aliases
//! (refused at the first).

use codegen::load::Source;

/// The allocator `cargo xtask regenerate` runs with, so the figures are its own.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

use criterion::{BenchmarkId, Criterion, criterion_group, criterion_main};
use std::hint::black_box;
use std::path::Path;

fn real() -> Vec<Source> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../schemas");
    codegen::read_sources(&dir, "schemas").expect("schemas/ reads")
}

/// `n` schemas: copies of the real ones under new event names.
fn synthetic(n: usize) -> Vec<Source> {
    let real = real();
    (0..n)
        .map(|i| {
            let base = &real[i % real.len()];
            let event = base
                .path
                .trim_start_matches("schemas/")
                .trim_end_matches(".yaml")
                .to_owned();
            let mut parts = event.split('.');
            let (ns, ty, state) = (
                parts.next().unwrap_or_default(),
                parts.next().unwrap_or_default(),
                parts.next().unwrap_or_default(),
            );
            let renamed = format!("{ns}.{ty}Synthetic{i:04}.{state}");
            Source {
                path: format!("schemas/{renamed}.yaml"),
                text: base.text.replace(&event, &renamed),
            }
        })
        .collect()
}

fn bench(c: &mut Criterion) {
    let mut group = c.benchmark_group("compile");
    let eight = real();
    assert_eq!(eight.len(), 8);
    group.bench_function("8 schemas", |b| {
        b.iter(|| black_box(codegen::compile(eight.clone()).expect("compiles")))
    });
    group.sample_size(10);
    for n in [100, 1000] {
        let sources = synthetic(n);
        group.bench_with_input(
            BenchmarkId::new("synthetic schemas", n),
            &sources,
            |b, s| b.iter(|| black_box(codegen::compile(s.clone()).expect("compiles"))),
        );
    }
    group.finish();
}

const HEAD: &str = "event: AMAZON.Many.Fields\ndescription: d\nlocales: any\npayload:\n";
// The fields are optional, so that the empty example of a valid file holds them all.
const TAIL: &str = "templates:\n  - text: \"x\"\nexample: {}\n";

/// One schema of `n` string fields, one line each; with `typo`, each type is
/// misspelt (`strinq`, as long as `string`): `n` errors in a file of the same size.
fn fields(n: usize, typo: bool) -> Source {
    let ty = if typo { "strinq" } else { "string" };
    let mut text = HEAD.to_owned();
    for i in 0..n {
        text.push_str(&format!(
            "  f{i:04}: {{type: {ty}, required: false, description: d}}\n"
        ));
    }
    text.push_str(TAIL);
    Source {
        path: "schemas/AMAZON.Many.Fields.yaml".into(),
        text,
    }
}

/// One field, then `n - 1` fields that alias it.
fn aliases(n: usize) -> Source {
    let mut text = HEAD.to_owned();
    text.push_str("  f0000: &field {type: strinq, required: false, description: d}\n");
    for i in 1..n {
        text.push_str(&format!("  f{i:04}: *field\n"));
    }
    text.push_str(TAIL);
    Source {
        path: "schemas/AMAZON.Many.Fields.yaml".into(),
        text,
    }
}

/// A valid schema of about `bytes` bytes.
fn valid_of_size(bytes: usize) -> Source {
    let line = fields(1, false).text.len() - HEAD.len() - TAIL.len();
    fields((bytes - HEAD.len() - TAIL.len()) / line, false)
}

fn hostile(c: &mut Criterion) {
    let mut group = c.benchmark_group("hostile");
    group.sample_size(20);
    let errors = fields(2000, true);
    let aliased = aliases(2000);
    let cases = [
        ("2000 errors", errors.clone(), 2000),
        (
            "valid, as large as 2000 errors",
            valid_of_size(errors.text.len()),
            0,
        ),
        ("2000 aliases", aliased.clone(), 1),
        (
            "valid, as large as 2000 aliases",
            valid_of_size(aliased.text.len()),
            0,
        ),
    ];
    for (name, source, want) in cases {
        let found = codegen::compile(vec![source.clone()])
            .err()
            .map_or(0, |d| d.len());
        assert_eq!(found, want, "{name}");
        let id = format!("{name} ({} bytes)", source.text.len());
        group.bench_function(id, |b| {
            b.iter(|| black_box(codegen::compile(vec![source.clone()])))
        });
    }
    group.finish();
}

criterion_group!(benches, bench, hostile);
criterion_main!(benches);
