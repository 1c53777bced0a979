//! Repository chores. `cargo xtask regenerate [--check]` compiles `schemas/` into `generated/`;
//! `cargo xtask schema-diff` says what a schema edit means for the version ([`schema_diff`]).

mod schema_diff;

use codegen::regenerate::{self, Mode};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

const USAGE: &str = "usage: cargo xtask regenerate [--check]
       cargo xtask schema-diff [--base GIT-REV] [--format text|json] [--changelog]

  regenerate          compile schemas/*.yaml and write generated/ (only files that changed);
                      when schemas/ has uncommitted changes, print schema-diff's summary
  regenerate --check  write nothing; fail if generated/ is not what schemas/ compiles to
  schema-diff         every change from the schemas at GIT-REV (default HEAD) to the work
                      tree's, with its Rust bump and JSON Schema impact, the version to
                      release and a CHANGELOG fragment; --changelog adds it to CHANGELOG.md";

/// Faster than glibc's malloc for the compiler's many small allocations from two threads.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let root: PathBuf = Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .map_or_else(|| ".".into(), Path::to_path_buf);
    if let ["schema-diff", rest @ ..] = args.as_slice() {
        let options = match schema_diff::parse(rest) {
            Ok(o) => o,
            Err(e) => {
                eprintln!("error: schema-diff: {e}\n\n{USAGE}");
                return ExitCode::from(2);
            }
        };
        return match schema_diff::run(&root, &options) {
            Ok(out) => {
                print!("{out}");
                ExitCode::SUCCESS
            }
            Err(e) => {
                eprintln!("error: schema-diff: {e}");
                ExitCode::FAILURE
            }
        };
    }
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
    let code = match regenerate::run(
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
    };
    // Nobody should miss what an edit to schemas/ means for the version.
    match schema_diff::summary_if_changed(&root) {
        Some(Ok(line)) => println!("{line}"),
        Some(Err(e)) => eprintln!("note: schema-diff against HEAD failed: {e}"),
        None => {}
    }
    code
}
