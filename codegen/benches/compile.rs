//! `cargo bench -p codegen`: a full compile (load through emit, no writing) of the
//! 8 real schemas, and of 100 and 1,000 synthetic ones to show linear growth.

use codegen::load::Source;
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

criterion_group!(benches, bench);
criterion_main!(benches);
