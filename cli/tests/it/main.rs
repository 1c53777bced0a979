//! Every integration test of this crate in one binary (one link instead of one
//! per file): each former `tests/<name>.rs` is the module `<name>`.

mod cli_support;
// Shared with the root package's tests, which own them.
#[path = "../../../tests/it/delivery_support/mod.rs"]
mod delivery_support;
#[path = "../../../tests/it/emulator_support/mod.rs"]
mod emulator_support;
#[path = "../../../tests/it/loopback_support.rs"]
mod loopback_support;
#[path = "../../../tests/it/skill_events_support/mod.rs"]
mod skill_events_support;
#[path = "../../../tests/it/subscriptions_support/mod.rs"]
mod subscriptions_support;
#[path = "../../../tests/it/tls_support.rs"]
mod tls_support;

mod cli_manifest;
mod cli_meta;
mod cli_new;
mod cli_output;
mod cli_preview;
mod cli_validate;
mod connection_flood;
mod connection_strings;
mod delivery_cli;
mod doctor_cli;
mod emulate_bounds;
mod emulate_secrets;
mod emulate_tls;
mod serve;
mod store_outage;
mod subscriptions_cli;
mod tour;
