//! Repository chores. `cargo xtask regenerate [--check]` compiles `schemas/` into `generated/`.

use codegen::regenerate::{self, Mode};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

const USAGE: &str = "usage: cargo xtask regenerate [--check]

  regenerate          compile schemas/*.yaml and write generated/ (only files that changed)
  regenerate --check  write nothing; fail if generated/ is not what schemas/ compiles to";

/// Faster than glibc's malloc for the compiler's many small allocations from two threads.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let mode = match args.as_slice() {
        ["regenerate"] => Mode::Write,
        ["regenerate", "--check"] => Mode::Check,
        ["help" | "--help" | "-h"] => {
            println!("{USAGE}");
            return ExitCode::SUCCESS;
        }
        _ => {
            eprintln!("{USAGE}");
            return ExitCode::from(2);
        }
    };
    let root: PathBuf = Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .map_or_else(|| ".".into(), Path::to_path_buf);
    match regenerate::run(
        &root.join("schemas"),
        "schemas",
        &root.join("generated"),
        mode,
    ) {
        Ok(report) if mode == Mode::Check && !report.plan.is_fresh() => {
            eprintln!("{report}");
            ExitCode::FAILURE
        }
        Ok(report) => {
            println!("{report}");
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("{e}");
            ExitCode::FAILURE
        }
    }
}
