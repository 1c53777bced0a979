//! Every integration test of this crate in one binary (one link instead of one
//! per file): each former `tests/<name>.rs` is the module `<name>`.

mod cli_support;
mod delivery_support;
mod subscriptions_support;

mod cli_manifest;
mod cli_output;
mod cli_preview;
mod cli_validate;
mod delivery_cli;
mod emulate_secrets;
mod subscriptions_cli;
