//! Alexa's locales ([`crate::locales`]) into the generated crate and the JSON
//! Schemas: `events::ALEXA_LOCALES` (the event set's `ALEXA_LOCALES`, which the
//! runtime's `LOC-LOCALE-NOT-ALEXA` reads) and the `locale` property's
//! description and examples.

use crate::diag::Diagnostic;
use crate::locales::alexa_locales;
use proc_macro2::TokenStream;
use quote::quote;
use serde_json::{Value, json};

/// `pub const ALEXA_LOCALES` for `events/mod.rs`.
pub fn rust_const() -> Result<TokenStream, Box<Diagnostic>> {
    let list = alexa_locales()?;
    let tags = list.tags();
    let count = tags.len();
    let doc = format!(
        " Alexa's locales, in canonical case, from `{}` (source: <{}>, checked {}).",
        crate::locales::PATH,
        list.source,
        list.checked
    );
    Ok(quote! {
        #[doc = #doc]
        pub const ALEXA_LOCALES: [&str; #count] = [ #(#tags),* ];
    })
}

/// The JSON Schema of a `localizedAttributes` entry's `locale`: the tag's
/// pattern, with Alexa's locales as documentation (a description and
/// `examples`, never a constraint: any registered tag is valid).
pub fn locale_property(pattern: &str) -> Value {
    let Ok(list) = alexa_locales() else {
        return json!({"description": "A BCP 47 locale such as en-US.", "type": "string", "pattern": pattern});
    };
    let names: Vec<String> = list
        .locales
        .iter()
        .map(|l| format!("{} ({})", l.tag, l.name))
        .collect();
    json!({
        "description": format!(
            "A BCP 47 locale such as en-US, compared case-insensitively and best written in canonical case. Alexa speaks {}: {} (source: {}, checked {}). A valid tag outside this list is accepted but may reach no device; a tag whose subtags are not in the IANA Language Subtag Registry is rejected by the Rust validator.",
            names.len(),
            names.join(", "),
            list.source,
            list.checked
        ),
        "type": "string",
        "pattern": pattern,
        "examples": list.tags(),
    })
}
