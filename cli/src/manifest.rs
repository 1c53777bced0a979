//! `proactive-events manifest`: the skill-manifest fragment a skill that sends
//! proactive events needs, printed or merged into ASK CLI's `skill.json`.

mod document;
mod replace;

use super::input::{self, read_capped};
use super::output::{JsonStyle, print_json};
use super::{display_name, exit, fail, is_stdin, read_input};
use alexa_proactive_events::EVENT_NAMES;
use alexa_proactive_events::validate::json_error_message;
// Emitted by codegen beside `generated/manifest/*.json`, so the binary (which
// may be installed far from this repository) and those files cannot disagree.
use alexa_proactive_events::manifest::{PERMISSION, SUBSCRIPTION, fragment};
use clap::Args;
use clap::builder::PossibleValuesParser;
use document::{Node, Object};
use serde::Serialize;
use std::fs::File;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

#[derive(Debug, Args)]
#[command(after_help = "\
Prints {\"manifest\": {\"permissions\": [...], \"events\": {\"publications\": [...],
\"subscriptions\": [...], \"endpoint\": {\"uri\": ...}}}}; the endpoint only with --endpoint.

--merge adds the permission, the publications, the subscription (and the endpoint's uri)
to an existing skill.json, keeping everything else as it was, in its order, without
duplicates: merging twice gives the same file (and --in-place leaves it untouched).
Numbers keep their exact text; a key twice in one object is an error naming it.
--in-place writes a new file beside the original (beside a symlink's target, which it
replaces, so the symlink stays), with the original's mode and, where permitted, owner,
and renames it over the original: a failure leaves the original as it was. It holds an
advisory lock on the file from reading to renaming, so that concurrent --in-place runs on
one file take turns and none loses another's additions.

Examples:
  proactive-events manifest
  proactive-events manifest --event AMAZON.OrderStatus.Updated --event AMAZON.WeatherAlert.Activated
  proactive-events manifest --endpoint arn:aws:lambda:us-east-1:123456789012:function:skill
  proactive-events manifest --event AMAZON.OrderStatus.Updated --merge skill-package/skill.json --in-place")]
pub struct ManifestArgs {
    /// An event the skill sends (repeatable); every event when none is named.
    #[arg(long = "event", value_name = "NAME", value_parser = PossibleValuesParser::new(EVENT_NAMES))]
    events: Vec<String>,
    /// Where Alexa sends skill events such as subscription changes: a Lambda ARN or an HTTPS URL.
    #[arg(long, value_name = "URI", value_parser = parse_endpoint)]
    endpoint: Option<String>,
    /// Merge the fragment into this skill.json (ASK CLI's `skill-package/skill.json`)
    /// and print the result; `-` reads standard input.
    #[arg(long, value_name = "SKILL_JSON")]
    merge: Option<PathBuf>,
    /// With --merge FILE: write the result back to FILE instead of printing it.
    #[arg(long, requires = "merge")]
    in_place: bool,
}

fn parse_endpoint(s: &str) -> Result<String, String> {
    if s.starts_with("arn:") || s.starts_with("https://") {
        Ok(s.to_owned())
    } else {
        Err("expected a Lambda ARN (arn:aws:lambda:…) or an HTTPS URL".to_owned())
    }
}

pub fn run(args: ManifestArgs) -> ExitCode {
    // Canonical order, whatever the order on the command line; repeats collapse.
    let events: Vec<&str> = EVENT_NAMES
        .into_iter()
        .filter(|name| args.events.is_empty() || args.events.iter().any(|e| e == name))
        .collect();
    let endpoint = args.endpoint.as_deref();
    let Some(path) = args.merge else {
        return emit(&fragment(events.iter().copied(), endpoint));
    };
    if args.in_place && is_stdin(&path) {
        return fail("--in-place needs a file, not standard input");
    }
    let name = display_name(&path);
    // In place, the file read is the one replaced: a symlink's target, so
    // that the symlink stays a symlink. It stays locked until it is replaced,
    // so that concurrent runs merge one after the other and lose nothing.
    let (source, lock) = if args.in_place {
        match lock_in_place_target(&path) {
            Ok((target, file)) => (target, Some(file)),
            Err(e) => return fail(format_args!("{name}: {e}")),
        }
    } else {
        (path, None)
    };
    let read = match &lock {
        Some(file) => read_capped(file, input::max_bytes()),
        None => read_input(&source),
    };
    let bytes = match read {
        Ok(bytes) => bytes,
        Err(e) => return fail(format_args!("{name}: cannot read: {e}")),
    };
    let mut skill = match document::parse(&bytes) {
        Ok(node) => node,
        // A duplicate key: well-formed, but which value is meant is unclear.
        Err(e) if e.is_data() => return fail(format_args!("{name}: {e}")),
        // `not JSON: …`, naming a byte order mark, as `validate` says it.
        Err(e) => return fail(format_args!("{name}: {}", json_error_message(&bytes, &e))),
    };
    let added = match merge(&mut skill, &events, endpoint) {
        Ok(added) => added,
        Err(e) => return fail(format_args!("{name}: {e}")),
    };
    if !args.in_place {
        eprintln!("{name}: {}", describe(&added));
        return emit(&skill);
    }
    match write_in_place(&source, &bytes, &skill, &added) {
        Ok(owner_kept) => {
            eprintln!("{name}: {}", describe(&added));
            if !owner_kept {
                eprintln!(
                    "warning: {name}: the file now belongs to the user running this command; \
                     only root can keep another owner"
                );
            }
            ExitCode::from(exit::OK)
        }
        Err(e) => fail(format_args!("{name}: cannot write: {e}")),
    }
}

/// The regular file `--in-place` reads and replaces: `path` with every
/// symlink resolved.
fn in_place_target(path: &Path) -> Result<PathBuf, String> {
    let target = std::fs::canonicalize(path).map_err(|e| format!("cannot read: {e}"))?;
    let meta = std::fs::metadata(&target).map_err(|e| format!("cannot read: {e}"))?;
    if meta.is_file() {
        Ok(target)
    } else {
        Err("--in-place needs a regular file".to_owned())
    }
}

/// The file `--in-place` replaces ([`in_place_target`]), open, with an
/// exclusive advisory lock (`flock` on Unix) that is held until the file is
/// replaced: concurrent runs then read, merge and write one after the other.
///
/// The lock is on the file, and a run replaces the file by renaming a new one
/// over it: a run that opened the old file and got its lock after that rename
/// holds the lock of a file no longer at the path. It then tries again with the
/// file now there, so that it merges into the previous run's result.
fn lock_in_place_target(path: &Path) -> Result<(PathBuf, File), String> {
    loop {
        let target = in_place_target(path)?;
        let file = File::open(&target).map_err(|e| format!("cannot read: {e}"))?;
        file.lock().map_err(|e| format!("cannot lock it: {e}"))?;
        if still_at(&file, &target) {
            return Ok((target, file));
        }
    }
}

/// `file` is the file at `path` (same device and inode).
#[cfg(unix)]
fn still_at(file: &File, path: &Path) -> bool {
    use std::os::unix::fs::MetadataExt;
    match (file.metadata(), std::fs::metadata(path)) {
        (Ok(open), Ok(now)) => open.dev() == now.dev() && open.ino() == now.ino(),
        // Gone: the next attempt reports it.
        _ => false,
    }
}

/// Without inode numbers in std, the lock is taken on the file as opened.
#[cfg(not(unix))]
fn still_at(_file: &File, _path: &Path) -> bool {
    true
}

/// What a merge added, for the note on stderr.
#[derive(Debug, Default)]
pub struct Added {
    pub permissions: usize,
    pub publications: usize,
    pub subscriptions: usize,
    pub endpoint: bool,
}

/// Adds what is missing to `skill` in place; entries already there (matched by
/// `name` / `eventName`) stay where they are, keys keep their order and numbers
/// their text ([`document`]); new keys go last.
pub fn merge(skill: &mut Node, events: &[&str], endpoint: Option<&str>) -> Result<Added, String> {
    let mut added = Added::default();
    let root = skill
        .as_object_mut()
        .ok_or("the top level is not a JSON object")?;
    let manifest = object_at(root, "manifest", "/manifest")?;
    let permissions = array_at(manifest, "permissions", "/manifest/permissions")?;
    added.permissions += add_unique(permissions, "name", PERMISSION);
    let block = object_at(manifest, "events", "/manifest/events")?;
    let publications = array_at(block, "publications", "/manifest/events/publications")?;
    for event in events {
        added.publications += add_unique(publications, "eventName", event);
    }
    let subscriptions = array_at(block, "subscriptions", "/manifest/events/subscriptions")?;
    added.subscriptions += add_unique(subscriptions, "eventName", SUBSCRIPTION);
    if let Some(uri) = endpoint {
        let target = object_at(block, "endpoint", "/manifest/events/endpoint")?;
        if target.get("uri").and_then(Node::as_str) != Some(uri) {
            target.insert("uri", Node::String(uri.to_owned()));
            added.endpoint = true;
        }
    }
    Ok(added)
}

fn object_at<'a>(
    parent: &'a mut Object,
    key: &str,
    pointer: &str,
) -> Result<&'a mut Object, String> {
    parent
        .get_or_insert_with(key, || Node::Object(Object::default()))
        .as_object_mut()
        .ok_or_else(|| format!("{pointer} is not an object"))
}

fn array_at<'a>(
    parent: &'a mut Object,
    key: &str,
    pointer: &str,
) -> Result<&'a mut Vec<Node>, String> {
    parent
        .get_or_insert_with(key, || Node::Array(Vec::new()))
        .as_array_mut()
        .ok_or_else(|| format!("{pointer} is not an array"))
}

/// Appends `{field: value}` unless an entry already has that `field`; 1 when added.
fn add_unique(list: &mut Vec<Node>, field: &str, value: &str) -> usize {
    if list
        .iter()
        .any(|entry| entry.get(field).and_then(Node::as_str) == Some(value))
    {
        return 0;
    }
    list.push(Node::Object(Object::from_iter([(
        field.to_owned(),
        Node::String(value.to_owned()),
    )])));
    1
}

impl Added {
    fn nothing(&self) -> bool {
        self.permissions == 0 && self.publications == 0 && self.subscriptions == 0 && !self.endpoint
    }
}

fn describe(added: &Added) -> String {
    let mut parts = Vec::new();
    for (n, what) in [
        (added.permissions, "permission"),
        (added.publications, "publication"),
        (added.subscriptions, "subscription"),
    ] {
        if n > 0 {
            parts.push(format!("{n} {what}{}", if n == 1 { "" } else { "s" }));
        }
    }
    if added.endpoint {
        parts.push("the endpoint uri".to_owned());
    }
    if parts.is_empty() {
        "already declares everything; unchanged".to_owned()
    } else {
        format!("added {}", parts.join(", "))
    }
}

/// Pretty JSON with 2-space indents, as ASK CLI writes skill.json, through
/// the terminal-safe writer (a merged skill.json's strings come from a file).
fn emit(value: &impl Serialize) -> ExitCode {
    if print_json(value, JsonStyle::Pretty) {
        ExitCode::from(exit::OK)
    } else {
        ExitCode::from(exit::USAGE)
    }
}

/// Replaces `target` (symlink-resolved) with the merged document and a final
/// newline ([`replace::replace_file`]: a failure leaves the file as it was).
/// Nothing is written when nothing was added, nor when the text would be the
/// same. Whether the file kept its owner.
fn write_in_place(
    target: &Path,
    original: &[u8],
    skill: &Node,
    added: &Added,
) -> std::io::Result<bool> {
    if added.nothing() {
        return Ok(true);
    }
    // The file keeps its characters as written (escaping is for what a terminal
    // shows; an RLM in an Arabic description stays one).
    let mut text = serde_json::to_string_pretty(skill).map_err(std::io::Error::other)?;
    text.push('\n');
    if text.as_bytes() == original {
        return Ok(true);
    }
    Ok(replace::replace_file(target, text.as_bytes())?.owner_kept)
}
