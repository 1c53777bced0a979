//! Validation speed on the body bank (`tests/bodies`, all 8 events), on three
//! corpora (`mixed`: 90 valid bodies and 10 invalid ones; `valid`; `invalid`),
//! three ways in one run so the ratios are measured on the same machine:
//!
//! - `validate_json`: parse + every rule with this crate;
//! - `jsonschema`: parse to a `Value` + the generated JSON Schema (validators
//!   compiled once, outside the loop; the per-event schema when the name is known),
//!   `is_valid` (stops at the first error);
//! - `jsonschema_all_errors`: the same, collecting every error (`iter_errors`),
//!   the fair baseline for invalid bodies since `validate_json` reports them all;
//! - `serde_floor`: `serde_json::from_slice::<ProactiveEventRequest>` alone.
//!
//! The machines here are shared, so time is the benchmark thread's CPU time
//! (`CLOCK_THREAD_CPUTIME_ID`), not wall time: another process running on the
//! same core does not count against whichever function happens to be measured.
//!
//! A fourth group, `hostile_200k_items`, measures a 1.9 MB body of 200,000 array
//! items against parsing it into a `serde_json::Value`.
//!
//! `cargo bench -p pipeline-tests --bench validate`

use alexa_proactive_events::validate::validate_json;
use alexa_proactive_events::{EVENT_NAMES, ProactiveEventRequest};
use criterion::measurement::{Measurement, ValueFormatter};
use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use serde_json::Value;
use std::collections::BTreeMap;
use std::hint::black_box;
use std::path::Path;
use std::time::Duration;

/// Every body of `tests/bodies/<kind>`, sorted by file name.
fn bodies(kind: &str) -> Vec<Vec<u8>> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/bodies");
    let mut files: Vec<_> = std::fs::read_dir(root.join(kind))
        .expect("tests/bodies")
        .map(|e| e.expect("entry").path())
        .collect();
    files.sort();
    files
        .iter()
        .map(|f| std::fs::read(f).expect("body"))
        .collect()
}

fn json_schema(file: &str) -> jsonschema::Validator {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("generated/json-schema")
        .join(file);
    let schema: Value =
        serde_json::from_slice(&std::fs::read(path).expect("schema")).expect("JSON");
    jsonschema::options()
        .with_draft(jsonschema::Draft::Draft202012)
        .should_validate_formats(true)
        .build(&schema)
        .expect("schema compiles")
}

/// The benchmark thread's CPU time.
struct ThreadCpuTime;

impl Measurement for ThreadCpuTime {
    type Intermediate = cpu_time::ThreadTime;
    type Value = Duration;
    fn start(&self) -> Self::Intermediate {
        cpu_time::ThreadTime::now()
    }
    fn end(&self, start: Self::Intermediate) -> Self::Value {
        start.elapsed()
    }
    fn add(&self, a: &Self::Value, b: &Self::Value) -> Self::Value {
        *a + *b
    }
    fn zero(&self) -> Self::Value {
        Duration::ZERO
    }
    fn to_f64(&self, value: &Self::Value) -> f64 {
        value.as_nanos() as f64
    }
    fn formatter(&self) -> &dyn ValueFormatter {
        &Nanos
    }
}

/// Formats nanoseconds like criterion's wall-time formatter.
struct Nanos;

impl ValueFormatter for Nanos {
    fn scale_values(&self, typical: f64, values: &mut [f64]) -> &'static str {
        let (factor, unit) = if typical < 1e3 {
            (1.0, "ns")
        } else if typical < 1e6 {
            (1e-3, "µs")
        } else if typical < 1e9 {
            (1e-6, "ms")
        } else {
            (1e-9, "s")
        };
        for v in values {
            *v *= factor;
        }
        unit
    }
    fn scale_throughputs(
        &self,
        _typical: f64,
        throughput: &Throughput,
        values: &mut [f64],
    ) -> &'static str {
        let per = match throughput {
            Throughput::Elements(n) | Throughput::ElementsAndBytes { elements: n, .. } => *n,
            Throughput::Bytes(n) | Throughput::BytesDecimal(n) | Throughput::Bits(n) => *n,
        } as f64;
        // Elements (bodies) per second, in thousands.
        for v in values {
            *v = per * 1e9 / *v / 1e3;
        }
        "Kelem/s"
    }
    fn scale_for_machines(&self, _values: &mut [f64]) -> &'static str {
        "ns"
    }
}

fn bench(c: &mut Criterion<ThreadCpuTime>) {
    let any = json_schema("proactive-event.schema.json");
    let per_event: BTreeMap<&str, jsonschema::Validator> = EVENT_NAMES
        .iter()
        .map(|n| (*n, json_schema(&format!("{n}.schema.json"))))
        .collect();
    let valid = bodies("valid");
    // Valid bodies that write an integer as `2.0`, `2e0` or `-0` (D27): the
    // generated `u64` fields do not read them, so they take the slow path
    // (typed parse, JSON walk, typed parse again); measured on their own.
    let numbers = bodies("valid-numbers");
    let invalid = bodies("invalid");
    // Users validate mostly valid events: the mixed corpus is 9 valid bodies to 1 invalid.
    let mut mixed: Vec<Vec<u8>> = Vec::new();
    for _ in 0..3 {
        mixed.extend(valid.iter().cloned());
    }
    mixed.extend(invalid.iter().step_by(9).take(valid.len() / 3).cloned());
    for (name, corpus) in [
        ("mixed", &mixed),
        ("valid", &valid),
        ("invalid", &invalid),
        ("valid_numbers", &numbers),
    ] {
        let mut g = c.benchmark_group(name);
        g.throughput(Throughput::Elements(corpus.len() as u64));
        g.bench_function("validate_json", |b| {
            b.iter(|| {
                let mut ok = 0usize;
                for body in corpus {
                    ok += usize::from(validate_json(black_box(body)).is_valid());
                }
                ok
            });
        });
        g.bench_function("jsonschema", |b| {
            b.iter(|| {
                let mut ok = 0usize;
                for body in corpus {
                    let Ok(value) = serde_json::from_slice::<Value>(black_box(body)) else {
                        continue;
                    };
                    let validator = value
                        .pointer("/event/name")
                        .and_then(Value::as_str)
                        .and_then(|n| per_event.get(n))
                        .unwrap_or(&any);
                    ok += usize::from(validator.is_valid(&value));
                }
                ok
            });
        });
        // jsonschema's all-errors mode: every error collected, as validate_json does.
        g.bench_function("jsonschema_all_errors", |b| {
            b.iter(|| {
                let mut errors = 0usize;
                for body in corpus {
                    let Ok(value) = serde_json::from_slice::<Value>(black_box(body)) else {
                        errors += 1;
                        continue;
                    };
                    let validator = value
                        .pointer("/event/name")
                        .and_then(Value::as_str)
                        .and_then(|n| per_event.get(n))
                        .unwrap_or(&any);
                    let all: Vec<_> = validator.iter_errors(&value).collect();
                    errors += all.len();
                }
                errors
            });
        });
        g.bench_function("serde_floor", |b| {
            b.iter(|| {
                let mut ok = 0usize;
                for body in corpus {
                    ok += usize::from(
                        serde_json::from_slice::<ProactiveEventRequest>(black_box(body)).is_ok(),
                    );
                }
                ok
            });
        });
        g.finish();
    }
}

/// The hostile body of issue 8: a TrashCollectionAlert whose `garbageTypes`
/// (at most 5 distinct items) holds 200,000 distinct strings, 1.9 MB. Validation
/// is measured against parsing the same bytes into a `serde_json::Value`, the
/// least any validator of raw JSON does: the ratio shows that the excess items
/// cost a parse and nothing more (before the fix, this body took 74 s).
fn hostile(c: &mut Criterion<ThreadCpuTime>) {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/bodies/valid");
    let mut body: Value = serde_json::from_slice(
        &std::fs::read(root.join("trash-collection-glass-tuesday-multicast.json")).expect("body"),
    )
    .expect("JSON");
    let types: Vec<Value> = (0..200_000).map(|i| Value::from(format!("g{i}"))).collect();
    body["event"]["payload"]["alert"]["garbageTypes"] = Value::Array(types);
    let bytes = serde_json::to_vec(&body).expect("serializes");
    assert_eq!(
        validate_json(&bytes).violations.len(),
        6,
        "MAX-ITEMS and 5 items"
    );
    let mut g = c.benchmark_group("hostile_200k_items");
    g.throughput(Throughput::Elements(1));
    g.sample_size(20);
    g.bench_function("validate_json", |b| {
        b.iter(|| validate_json(black_box(&bytes)).is_valid());
    });
    g.bench_function("serde_value", |b| {
        b.iter(|| serde_json::from_slice::<Value>(black_box(&bytes)).is_ok());
    });
    g.finish();
}

criterion_group! {
    name = benches;
    config = Criterion::default().with_measurement(ThreadCpuTime);
    targets = bench, hostile
}
criterion_main!(benches);
