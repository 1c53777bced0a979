//! `proactive-events manifest`: the skill-manifest fragment a skill that sends
//! proactive events needs, printed or merged into ASK CLI's `skill.json`.

use super::{display_name, exit, fail, is_stdin, print, read_input};
use alexa_proactive_events::EVENT_NAMES;
use clap::Args;
use clap::builder::PossibleValuesParser;
use serde_json::{Map, Value, json};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

// The same constants as codegen's `src/emit/manifest.rs`, which writes
// `generated/manifest/*.json`. The binary does not read those files: it may be
// installed far from this repository.
/// The permission a skill needs to send proactive events.
pub const PERMISSION: &str = "alexa::devices:all:notifications:write";
/// The skill event telling the skill who (un)subscribed.
pub const SUBSCRIPTION: &str = "SKILL_PROACTIVE_SUBSCRIPTION_CHANGED";

#[derive(Debug, Args)]
#[command(after_help = "\
Prints {\"manifest\": {\"permissions\": [...], \"events\": {\"publications\": [...],
\"subscriptions\": [...], \"endpoint\": {\"uri\": ...}}}}; the endpoint only with --endpoint.

--merge adds the permission, the publications, the subscription (and the endpoint's uri)
to an existing skill.json, keeping everything else as it was, in its order, without
duplicates: merging twice gives the same file.

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
        return emit(&fragment(&events, endpoint));
    };
    if args.in_place && is_stdin(&path) {
        return fail("--in-place needs a file, not standard input");
    }
    let name = display_name(&path);
    let bytes = match read_input(&path) {
        Ok(bytes) => bytes,
        Err(e) => return fail(format_args!("{name}: cannot read: {e}")),
    };
    let mut skill: Value = match serde_json::from_slice(&bytes) {
        Ok(value) => value,
        Err(e) => return fail(format_args!("{name}: not JSON: {e}")),
    };
    let added = match merge(&mut skill, &events, endpoint) {
        Ok(added) => added,
        Err(e) => return fail(format_args!("{name}: {e}")),
    };
    eprintln!("{name}: {}", describe(&added));
    if args.in_place {
        match write_in_place(&path, &bytes, &skill) {
            Ok(()) => ExitCode::from(exit::OK),
            Err(e) => fail(format_args!("{name}: cannot write: {e}")),
        }
    } else {
        emit(&skill)
    }
}

/// `{"manifest": {"permissions", "events": {"publications", "subscriptions", "endpoint"?}}}`.
pub fn fragment(events: &[&str], endpoint: Option<&str>) -> Value {
    let publications: Vec<Value> = events.iter().map(|e| json!({"eventName": e})).collect();
    let mut block = Map::new();
    block.insert("publications".into(), publications.into());
    block.insert("subscriptions".into(), json!([{"eventName": SUBSCRIPTION}]));
    if let Some(uri) = endpoint {
        block.insert("endpoint".into(), json!({"uri": uri}));
    }
    json!({"manifest": {"permissions": [{"name": PERMISSION}], "events": block}})
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
/// `name` / `eventName`) stay where they are. Keys keep their order because the
/// `cli` feature turns on serde_json's `preserve_order`; new keys go last.
pub fn merge(skill: &mut Value, events: &[&str], endpoint: Option<&str>) -> Result<Added, String> {
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
        let new = Value::from(uri);
        if target.get("uri") != Some(&new) {
            target.insert("uri".into(), new);
            added.endpoint = true;
        }
    }
    Ok(added)
}

fn object_at<'a>(
    parent: &'a mut Map<String, Value>,
    key: &str,
    pointer: &str,
) -> Result<&'a mut Map<String, Value>, String> {
    parent
        .entry(key)
        .or_insert_with(|| Value::Object(Map::new()))
        .as_object_mut()
        .ok_or_else(|| format!("{pointer} is not an object"))
}

fn array_at<'a>(
    parent: &'a mut Map<String, Value>,
    key: &str,
    pointer: &str,
) -> Result<&'a mut Vec<Value>, String> {
    parent
        .entry(key)
        .or_insert_with(|| Value::Array(Vec::new()))
        .as_array_mut()
        .ok_or_else(|| format!("{pointer} is not an array"))
}

/// Appends `{field: value}` unless an entry already has that `field`; 1 when added.
fn add_unique(list: &mut Vec<Value>, field: &str, value: &str) -> usize {
    if list
        .iter()
        .any(|entry| entry.get(field).and_then(Value::as_str) == Some(value))
    {
        return 0;
    }
    list.push(json!({ field: value }));
    1
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

/// Pretty JSON with 2-space indents and a final newline, as ASK CLI writes skill.json.
fn to_text(value: &Value) -> Result<String, serde_json::Error> {
    serde_json::to_string_pretty(value)
}

fn emit(value: &Value) -> ExitCode {
    match to_text(value) {
        Ok(text) => {
            print(&text);
            ExitCode::from(exit::OK)
        }
        Err(e) => fail(format_args!("cannot write JSON: {e}")),
    }
}

/// Writes beside the file, then renames, so that a failure never leaves half a
/// skill.json; a file that already says it all is not touched.
fn write_in_place(path: &Path, original: &[u8], value: &Value) -> std::io::Result<()> {
    let mut text = to_text(value).map_err(std::io::Error::other)?;
    text.push('\n');
    if text.as_bytes() == original {
        return Ok(());
    }
    let mut temp = path.as_os_str().to_owned();
    temp.push(".proactive-events.tmp");
    std::fs::write(&temp, text)?;
    std::fs::rename(&temp, path)
}
