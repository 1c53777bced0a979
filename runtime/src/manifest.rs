//! The skill-manifest fragment a skill that sends proactive events needs, owned
//! here once: the compiler writes it to `generated/manifest/*.json` and the CLI's
//! `manifest` command prints or merges it (docs/decisions.md §7).

use serde_json::{Map, Value, json};

/// The permission a skill that sends proactive events needs.
pub const PERMISSION: &str = "alexa::devices:all:notifications:write";
/// The event a skill subscribes to, to hear of users' subscription changes.
pub const SUBSCRIPTION: &str = "SKILL_PROACTIVE_SUBSCRIPTION_CHANGED";

/// `{"manifest": {"permissions", "events": {"publications", "subscriptions",
/// "endpoint"?}}}` for `events`, with the skill-events endpoint's `uri` if given.
pub fn fragment<'a>(events: impl IntoIterator<Item = &'a str>, endpoint: Option<&str>) -> Value {
    let publications: Vec<Value> = events
        .into_iter()
        .map(|e| json!({"eventName": e}))
        .collect();
    let mut block = Map::new();
    block.insert("publications".into(), publications.into());
    block.insert("subscriptions".into(), json!([{"eventName": SUBSCRIPTION}]));
    if let Some(uri) = endpoint {
        block.insert("endpoint".into(), json!({"uri": uri}));
    }
    json!({"manifest": {"permissions": [{"name": PERMISSION}], "events": block}})
}
