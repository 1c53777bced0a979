//! Every integration test of this crate in one binary (one link instead of one
//! per file): each former `tests/<name>.rs` is the module `<name>`.

mod delivery_support;
mod emulator_support;
mod skill_events_support;
mod subscriptions_support;
mod tls_support;
mod validate_support;

mod api;
mod cross_check;
mod delivery_bulk;
mod delivery_client;
mod delivery_readme;
mod diagnostics;
mod emulator_amazon;
mod emulator_endpoints;
mod emulator_page;
mod emulator_tls;
mod event_docs;
mod freshness;
mod golden;
mod golden_compiles;
mod hardening_client;
mod hardening_emulator;
mod meta_schema;
mod preview;
mod readme_features;
mod regenerate;
mod schemas_as_data;
mod skill_events;
mod skill_events_corpus;
mod skill_events_server;
mod subscriptions_contexts;
mod subscriptions_fanout;
mod subscriptions_ledger;
mod subscriptions_limits;
mod subscriptions_parse;
mod subscriptions_postgres;
mod subscriptions_sqlite;
mod subscriptions_suite;
mod validate_bank;
mod validate_builder;
mod validate_hostile;
mod validate_paths;
mod validate_rules;
mod validate_verdicts;
