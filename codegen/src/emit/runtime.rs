//! Every runtime item the generated code names, in one place (smithy-rs's
//! `RuntimeType`). Generated modules reach the runtime only through the facade
//! crate's re-exports and by absolute path, so a schema type called `Text` or
//! `Option` cannot shadow them, and a renamed runtime item is one edit here.

use proc_macro2::TokenStream;
use quote::quote;

/// `::alexa_proactive_events::Text`: a localizable string.
pub fn text() -> TokenStream {
    quote!(::alexa_proactive_events::Text)
}

/// `::alexa_proactive_events::PlainText`: a string that is never a reference.
pub fn plain_text() -> TokenStream {
    quote!(::alexa_proactive_events::PlainText)
}

/// `::alexa_proactive_events::DateTime`.
pub fn date_time() -> TokenStream {
    quote!(::alexa_proactive_events::DateTime)
}

/// The `Localizable` visitor trait.
pub fn localizable() -> TokenStream {
    quote!(::alexa_proactive_events::Localizable)
}

/// The trait every payload type implements.
pub fn event_payload() -> TokenStream {
    quote!(::alexa_proactive_events::EventPayload)
}

/// The trait the `Event` enum implements for the runtime.
pub fn event_set() -> TokenStream {
    quote!(::alexa_proactive_events::EventSet)
}

/// The schema metadata module (`EventSchema`, `Shape`, …).
pub fn schema_module() -> TokenStream {
    quote!(::alexa_proactive_events::schema)
}

/// `schema::EventSchema`.
pub fn event_schema() -> TokenStream {
    let schema = schema_module();
    quote!(#schema::EventSchema)
}

/// The macro that makes a `remote = "Self"` struct deserialize from objects only.
pub fn object_serde() -> TokenStream {
    quote!(::alexa_proactive_events::__object_serde)
}

/// The runtime helpers generated code calls (deserializers, `join`).
pub fn private() -> TokenStream {
    quote!(::alexa_proactive_events::__private)
}

/// `private()` as the string serde's `with`/`deserialize_with` attributes take.
pub const PRIVATE_PATH: &str = "::alexa_proactive_events::__private";

#[cfg(test)]
mod tests {
    /// The string form names the same module as the token form.
    #[test]
    fn private_path_matches_its_tokens() {
        let tokens = super::private().to_string().replace(' ', "");
        assert_eq!(tokens, super::PRIVATE_PATH);
    }
}
