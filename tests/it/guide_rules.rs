//! The guide's table of rule ids (docs/guide/src/events.md) names every `Rule` exactly
//! once and no other id:
//! the runtime's `rules!` list is the one owner, the table a view of it that a new or
//! renamed rule cannot silently leave behind.

use alexa_proactive_events::validate::Rule;
use std::collections::BTreeMap;

#[test]
fn the_guide_rule_table_names_every_rule_once() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let readme = std::fs::read_to_string(root.join("docs/guide/src/events.md")).expect("events.md");
    let table: Vec<&str> = readme
        .lines()
        .skip_while(|l| !l.starts_with("| rule id |"))
        .skip(2)
        .take_while(|l| l.starts_with('|'))
        .collect();
    assert!(
        !table.is_empty(),
        "docs/guide/src/events.md has a `| rule id |` table"
    );
    // The first cell lists ids; `PAYLOAD-TYPE, -REQUIRED` abbreviates a shared prefix.
    let mut named: BTreeMap<String, usize> = BTreeMap::new();
    for row in table {
        let cell = row.split('|').nth(1).expect("a first cell");
        let mut prefix = String::new();
        for id in cell.split(',').map(|s| s.trim().trim_matches('`')) {
            let id = match id.strip_prefix('-') {
                Some(rest) => format!("{prefix}{rest}"),
                None => {
                    prefix = id.split('-').next().unwrap_or("").to_owned() + "-";
                    id.to_owned()
                }
            };
            *named.entry(id).or_default() += 1;
        }
    }
    let all: BTreeMap<String, usize> = Rule::ALL
        .iter()
        .map(|r| (r.as_str().to_owned(), 1))
        .collect();
    let missing: Vec<&String> = all.keys().filter(|id| !named.contains_key(*id)).collect();
    let unknown: Vec<&String> = named.keys().filter(|id| !all.contains_key(*id)).collect();
    let repeated: Vec<&String> = named
        .iter()
        .filter(|(_, n)| **n > 1)
        .map(|(id, _)| id)
        .collect();
    assert!(
        missing.is_empty() && unknown.is_empty() && repeated.is_empty(),
        "the guide's rule table: missing {missing:?}, unknown {unknown:?}, repeated {repeated:?}"
    );
}
