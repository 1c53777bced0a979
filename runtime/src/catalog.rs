//! What the runtime needs to know about a set of events, implemented by the
//! generated `events::Event` enum: the catalog of names, each event's schema
//! metadata, and lookup by name. This trait is what keeps the runtime free of
//! any concrete event (and so of any dependency on the generated crate).

use crate::schema::EventSchema;
use crate::text::Text;
use serde::Serialize;
use serde::de::DeserializeOwned;
use std::fmt::Debug;

/// A closed set of events: `{"name": "AMAZON.…", "payload": {…}}`, tagged by name.
pub trait EventSet:
    Serialize + DeserializeOwned + Localizable + Clone + Debug + PartialEq + Send + Sync + 'static
{
    /// Every event name, sorted.
    const NAMES: &'static [&'static str];

    /// Alexa's locales (`schemas/locales/alexa-locales.yaml`), in canonical case:
    /// a valid tag that is none of them gets the warning `LOC-LOCALE-NOT-ALEXA`.
    const ALEXA_LOCALES: &'static [&'static str];

    /// Every event's schema metadata, in the order of [`EventSet::NAMES`].
    fn schemas() -> &'static [&'static EventSchema];

    /// This event's `AMAZON.*` name.
    fn name(&self) -> &'static str;

    /// This event's schema metadata.
    fn schema(&self) -> &'static EventSchema;

    /// The schema metadata of the event called `name`.
    fn schema_named(name: &str) -> Option<&'static EventSchema> {
        Self::schemas().iter().copied().find(|s| s.name == name)
    }
}

/// Visits every localizable string of a generated type with its dotted payload
/// path (`order.seller.name`, `items[2].name`). Generated for every object type.
pub trait Localizable {
    /// Calls `f` with each localizable text and its path under `prefix`.
    fn for_each_text(&self, prefix: &str, f: &mut dyn FnMut(&str, &Text));
    /// Like [`Localizable::for_each_text`], with the texts mutable: the builder replaces per-locale texts by references.
    fn for_each_text_mut(&mut self, prefix: &str, f: &mut dyn FnMut(&str, &mut Text));
}

/// Implemented by every generated payload type.
pub trait EventPayload: Serialize + DeserializeOwned {
    /// The `AMAZON.*` name of the event.
    const NAME: &'static str;
    /// The schema's metadata.
    fn schema() -> &'static EventSchema;
}

/// An event set with no events, for the emulator's unit tests (which know no
/// generated event): every body names an unknown event.
#[cfg(all(test, feature = "emulator"))]
#[derive(Debug, Clone, PartialEq, Serialize, serde::Deserialize)]
#[serde(tag = "name", content = "payload")]
pub(crate) enum NoEvents {}

#[cfg(all(test, feature = "emulator"))]
impl Localizable for NoEvents {
    fn for_each_text(&self, _: &str, _: &mut dyn FnMut(&str, &Text)) {
        match *self {}
    }
    fn for_each_text_mut(&mut self, _: &str, _: &mut dyn FnMut(&str, &mut Text)) {
        match *self {}
    }
}

#[cfg(all(test, feature = "emulator"))]
impl EventSet for NoEvents {
    const NAMES: &'static [&'static str] = &[];
    const ALEXA_LOCALES: &'static [&'static str] = &["en-US"];
    fn schemas() -> &'static [&'static EventSchema] {
        &[]
    }
    fn name(&self) -> &'static str {
        match *self {}
    }
    fn schema(&self) -> &'static EventSchema {
        match *self {}
    }
}
