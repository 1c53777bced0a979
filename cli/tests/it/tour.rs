//! The README's five-minute tour, run as written: every `$` line of its console block in
//! order, in an empty folder, each command's output compared with the lines the README
//! shows under it. The one liberty: `emulate` listens on a free port rather than 8080, and
//! that address replaces `127.0.0.1:8080` in the commands and outputs after it. Then the
//! page and the emulator's list are read, as a browser would: the event is there.

use crate::cli_support::binary;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::Path;
use std::process::{Child, Command, Stdio};

const README_ADDR: &str = "127.0.0.1:8080";

/// One `$` line and the output lines the README shows under it.
struct Step {
    command: String,
    output: Vec<String>,
}

fn tour() -> Vec<Step> {
    let readme =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("../README.md"))
            .expect("README.md");
    let section = readme
        .split("\n## ")
        .find(|s| s.starts_with("A five-minute tour"))
        .expect("the README has a section `A five-minute tour`");
    let block = section
        .split("```console\n")
        .nth(1)
        .and_then(|rest| rest.split("\n```").next())
        .expect("the tour has a ```console block");
    let mut steps: Vec<Step> = Vec::new();
    for line in block.lines() {
        match line.strip_prefix("$ ") {
            Some(command) => steps.push(Step {
                command: command.to_owned(),
                output: Vec::new(),
            }),
            None => steps
                .last_mut()
                .expect("the block starts with a command")
                .output
                .push(line.to_owned()),
        }
    }
    steps
}

/// Kills the emulator when the test ends, passed or not.
struct Background(Child);

impl Drop for Background {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn get(addr: &str, path: &str) -> String {
    let mut stream = TcpStream::connect(addr).expect("the emulator accepts");
    write!(
        stream,
        "GET {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n"
    )
    .expect("request");
    let mut answer = String::new();
    stream.read_to_string(&mut answer).expect("answer");
    answer
}

#[test]
fn the_readme_tour_runs_as_written() {
    let steps = tour();
    assert!(steps.len() >= 6, "a tour of {} commands", steps.len());
    let dir = tempfile::tempdir().expect("temp dir");
    let mut env: Vec<(String, String)> = Vec::new();
    let mut addr = README_ADDR.to_owned();
    let mut emulator: Option<Background> = None;
    let mut ran = Vec::new();
    for step in &steps {
        let command = step.command.replace(README_ADDR, &addr);
        let expected: Vec<String> = step
            .output
            .iter()
            .map(|l| l.replace(README_ADDR, &addr))
            .collect();
        let mut words: Vec<&str> = command.split_whitespace().collect();
        if words[0] == "export" {
            for pair in &words[1..] {
                let (k, v) = pair.split_once('=').expect("export NAME=VALUE");
                env.push((k.to_owned(), v.to_owned()));
            }
            continue;
        }
        assert_eq!(
            words[0], "proactive-events",
            "the tour runs only the command line: {command}"
        );
        let background = words.last() == Some(&"&");
        let mut stdout_file = None;
        if background {
            words.pop();
        }
        if let Some(at) = words.iter().position(|w| *w == ">") {
            stdout_file = Some(dir.path().join(words[at + 1]));
            words.truncate(at);
        }
        let mut args: Vec<String> = words[1..].iter().map(|w| (*w).to_owned()).collect();
        ran.push(args[0].clone());
        let mut cmd = Command::new(binary());
        cmd.current_dir(dir.path())
            .envs(env.iter().cloned())
            .stdin(Stdio::null());
        if background {
            // The README's fixed port may be taken here: any free one, then its address.
            for a in &mut args {
                if a == README_ADDR {
                    "127.0.0.1:0".clone_into(a);
                }
            }
            let child = cmd
                .args(&args)
                .stdout(Stdio::piped())
                .stderr(Stdio::piped())
                .spawn()
                .expect("starts");
            let mut child = Background(child);
            let mut lines = BufReader::new(child.0.stdout.take().expect("stdout")).lines();
            let first = lines.next().expect("a first line").expect("UTF-8");
            addr = first
                .strip_prefix("listening on http://")
                .unwrap_or_else(|| panic!("{command}: first line {first:?}"))
                .to_owned();
            let mut shown = vec![first];
            for _ in 1..expected.len() {
                shown.push(lines.next().expect("a line").expect("UTF-8"));
            }
            let expected: Vec<String> = step
                .output
                .iter()
                .map(|l| l.replace(README_ADDR, &addr))
                .collect();
            assert_eq!(shown, expected, "{command}");
            // The rest of its output is not read: drain it so that it never blocks.
            std::thread::spawn(move || for _ in lines {});
            emulator = Some(child);
            continue;
        }
        let out = cmd.args(&args).output().expect("runs");
        let mut shown = String::from_utf8(out.stdout).expect("UTF-8 stdout");
        if let Some(file) = stdout_file {
            std::fs::write(file, &shown).expect("the redirected file");
            shown.clear();
        }
        shown.push_str(&String::from_utf8(out.stderr).expect("UTF-8 stderr"));
        assert!(out.status.success(), "{command}: {}\n{shown}", out.status);
        assert_eq!(shown.lines().collect::<Vec<_>>(), expected, "{command}");
    }
    assert_eq!(
        ran,
        ["new", "validate", "preview", "emulate", "send", "send"],
        "the tour's commands"
    );
    assert!(emulator.is_some(), "the tour starts the emulator");
    // The page, and the event on it.
    let page = get(&addr, "/");
    assert!(page.starts_with("HTTP/1.1 200"), "{page}");
    assert!(
        page.contains("<html")
            || page.contains("<!doctype html")
            || page.contains("<!DOCTYPE html")
    );
    let body: serde_json::Value =
        serde_json::from_slice(&std::fs::read(dir.path().join("event.json")).expect("event.json"))
            .expect("JSON");
    let listed = get(&addr, "/emulator/events");
    let reference = body["referenceId"].as_str().expect("referenceId");
    assert!(
        listed.contains(reference),
        "the emulator lists the event: {listed}"
    );
}
