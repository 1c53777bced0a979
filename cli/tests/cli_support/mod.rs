//! Runs the `proactive-events` binary as a process, for the `cli_*` tests.
// Each test file uses a different subset of these helpers.
#![allow(dead_code)]

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

#[derive(Debug)]
pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

/// `tests/bodies` at the workspace root.
pub fn bodies() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/bodies")
}

/// Runs the binary in `dir` with `args`, feeding `stdin` (empty when `None`).
pub fn run_in(dir: &Path, args: &[&str], stdin: Option<&[u8]>) -> Run {
    let mut child = Command::new(env!("CARGO_BIN_EXE_proactive-events"))
        .args(args)
        .current_dir(dir)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the binary starts");
    // Dropping the pipe closes it: the binary reads end of input.
    let mut input = child.stdin.take().expect("stdin is piped");
    if let Some(bytes) = stdin {
        input.write_all(bytes).expect("stdin accepts the input");
    }
    drop(input);
    let out = child.wait_with_output().expect("the binary finishes");
    Run {
        code: out
            .status
            .code()
            .expect("the binary exits, not killed by a signal"),
        stdout: String::from_utf8(out.stdout).expect("stdout is UTF-8"),
        stderr: String::from_utf8(out.stderr).expect("stderr is UTF-8"),
    }
}

/// Runs the binary in `tests/bodies`, so that file names print as `valid/x.json`.
pub fn run(args: &[&str], stdin: Option<&[u8]>) -> Run {
    run_in(&bodies(), args, stdin)
}

pub fn read(relative: &str) -> Vec<u8> {
    std::fs::read(bodies().join(relative)).expect("the body file exists")
}
