//! The `proactive-events` command (feature `cli`). Placeholder until the CLI lands.
fn main() {}
