//! Every integration test of this crate in one binary (one link instead of one
//! per file): each former `tests/<name>.rs` is the module `<name>`.

mod example;
mod hostile_input;
mod hostile_text;
mod no_panic;
