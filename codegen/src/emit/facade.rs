//! The generated crate's own files: `Cargo.toml` and `src/lib.rs`, a facade that
//! re-exports the hand-written runtime with the event set fixed to the generated
//! `events::Event` (smithy-rs's generated SDK crates over their runtime crates).

use super::manifest::{PERMISSION, SUBSCRIPTION};
use crate::model::Catalog;

const CARGO_TOML: &str = include_str!("facade/Cargo.toml.in");
const LIB_RS: &str = include_str!("facade/lib.rs.in");

/// `(path relative to generated/, content)` for the manifest and the facade.
pub fn emit(catalog: &Catalog) -> Vec<(String, String)> {
    let lib = LIB_RS
        .replace("{{COUNT}}", &catalog.events.len().to_string())
        .replace("{{PERMISSION}}", PERMISSION)
        .replace("{{SUBSCRIPTION}}", SUBSCRIPTION);
    vec![
        ("Cargo.toml".to_owned(), CARGO_TOML.to_owned()),
        ("src/lib.rs".to_owned(), lib),
    ]
}
