//! Runs the `proactive-events` binary as a process, for the `cli_*` tests.
// Each test file uses a different subset of these helpers.
#![allow(dead_code)]

use std::io::{BufRead, BufReader, Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::time::{Duration, Instant};

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

/// The binary under test.
pub fn binary() -> &'static str {
    env!("CARGO_BIN_EXE_proactive-events")
}

/// Waits for `child` at most `secs` seconds (a hang guard, not a timing
/// assertion); kills it and panics past that.
pub fn wait_guarded(child: &mut Child, secs: u64, what: &str) -> ExitStatus {
    let deadline = Instant::now() + Duration::from_secs(secs);
    loop {
        if let Some(status) = child.try_wait().expect("the child can be waited for") {
            return status;
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            let _ = child.wait();
            panic!("{what} did not finish in {secs} s");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// Runs the binary in `tests/bodies` with stdout going to `stdout` (e.g.
/// `/dev/full`) and stdin closed; returns the exit code and stderr.
pub fn run_with_stdout(args: &[&str], stdout: Stdio) -> (i32, String) {
    let mut child = Command::new(binary())
        .args(args)
        .current_dir(bodies())
        .stdin(Stdio::null())
        .stdout(stdout)
        .stderr(Stdio::piped())
        .spawn()
        .expect("the binary starts");
    let mut stderr = child.stderr.take().expect("stderr is piped");
    let reader = std::thread::spawn(move || {
        let mut text = String::new();
        stderr.read_to_string(&mut text).expect("stderr is UTF-8");
        text
    });
    let status = wait_guarded(&mut child, 120, &format!("{args:?}"));
    let stderr = reader.join().expect("stderr is read");
    let code = status
        .code()
        .expect("the binary exits, not killed by a signal");
    (code, stderr)
}

/// Runs the binary in `tests/bodies` under a hang guard, feeding `stdin` from
/// another thread and ignoring a closed stdin (the binary may stop reading
/// early, e.g. past `--max-input-bytes`).
pub fn run_guarded(args: &[&str], stdin: &[u8]) -> Run {
    let mut child = Command::new(binary())
        .args(args)
        .current_dir(bodies())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the binary starts");
    let mut input = child.stdin.take().expect("stdin is piped");
    let bytes = stdin.to_vec();
    let writer = std::thread::spawn(move || {
        let _ = input.write_all(&bytes);
    });
    let mut out = child.stdout.take().expect("stdout is piped");
    let mut err = child.stderr.take().expect("stderr is piped");
    let out = std::thread::spawn(move || {
        let mut bytes = Vec::new();
        out.read_to_end(&mut bytes).expect("stdout is read");
        bytes
    });
    let err = std::thread::spawn(move || {
        let mut bytes = Vec::new();
        err.read_to_end(&mut bytes).expect("stderr is read");
        bytes
    });
    let status = wait_guarded(&mut child, 120, &format!("{args:?}"));
    writer.join().expect("stdin is written");
    Run {
        code: status
            .code()
            .expect("the binary exits, not killed by a signal"),
        stdout: String::from_utf8(out.join().expect("stdout")).expect("stdout is UTF-8"),
        stderr: String::from_utf8(err.join().expect("stderr")).expect("stderr is UTF-8"),
    }
}

/// The URL a server started with piped stdout prints first (`listening on URL`);
/// the rest of its stdout is dropped.
pub fn listening_url(child: &mut Child) -> String {
    let mut first = String::new();
    BufReader::new(child.stdout.take().expect("stdout"))
        .read_line(&mut first)
        .expect("first line");
    first
        .trim()
        .strip_prefix("listening on ")
        .unwrap_or_else(|| panic!("first line: {first:?}"))
        .to_owned()
}
