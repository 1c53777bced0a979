//! Repository chores. `cargo xtask regenerate [--check]` compiles `schemas/` into `generated/`.

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Instant;

const USAGE: &str = "usage: cargo xtask regenerate [--check]

  regenerate          compile schemas/*.yaml and write generated/ (only files that changed)
  regenerate --check  write nothing; fail if generated/ is not what schemas/ compiles to";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    match args.as_slice() {
        ["regenerate"] => regenerate(false),
        ["regenerate", "--check"] => regenerate(true),
        ["help" | "--help" | "-h"] => {
            println!("{USAGE}");
            ExitCode::SUCCESS
        }
        _ => {
            eprintln!("{USAGE}");
            ExitCode::from(2)
        }
    }
}

fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .map(Path::to_path_buf)
        .unwrap_or_else(|| PathBuf::from("."))
}

fn regenerate(check: bool) -> ExitCode {
    let started = Instant::now();
    let root = workspace_root();
    let outputs = match codegen::compile_dir(&root.join("schemas"), "schemas") {
        Ok(o) => o,
        Err(diagnostics) => {
            eprintln!("{diagnostics}");
            eprintln!("generated/ was left unchanged.");
            return ExitCode::FAILURE;
        }
    };
    let schemas = outputs.files.keys().filter(|k| k.starts_with("json-schema/AMAZON.")).count();
    let generated = root.join("generated");
    let plan = match codegen::output::plan(&outputs, &generated) {
        Ok(p) => p,
        Err(e) => {
            eprintln!("error: cannot read generated/: {e}");
            return ExitCode::FAILURE;
        }
    };
    if check {
        if plan.is_fresh() {
            println!("generated/ is up to date with schemas/ ({} files)", plan.unchanged.len());
            return ExitCode::SUCCESS;
        }
        for f in &plan.write {
            eprintln!("stale: generated/{f}");
        }
        for f in &plan.remove {
            eprintln!("not produced by any schema: generated/{f}");
        }
        eprintln!("error: generated/ is out of date; run `cargo xtask regenerate`");
        return ExitCode::FAILURE;
    }
    if let Err(e) = codegen::output::apply(&plan, &outputs, &generated) {
        eprintln!("error: writing generated/ failed: {e}");
        return ExitCode::FAILURE;
    }
    println!(
        "compiled {schemas} schemas: {} files written, {} unchanged, {} removed ({} ms)",
        plan.write.len(),
        plan.unchanged.len(),
        plan.remove.len(),
        started.elapsed().as_millis()
    );
    ExitCode::SUCCESS
}
