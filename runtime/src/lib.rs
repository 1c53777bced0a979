//! The hand-written runtime of `alexa-proactive-events`: text types, the request
//! envelope and its builder, validation, preview, the schema metadata types, and
//! (behind features) delivery, a local emulator and the subscriptions ledger.
//!
//! It knows no concrete event. Everything that needs one is generic over
//! [`EventSet`], which the generated crate's `events::Event` enum implements;
//! users import `alexa-proactive-events`, whose facade fixes the event set so
//! that nothing reads as generic there.
//!
//! Decisions cited as `D1`..`D17` and facts cited as `§n` are in the
//! repository's `docs/decisions.md`.

#![cfg_attr(docsrs, feature(doc_cfg))]
#![deny(missing_docs)]

pub mod builder;
pub mod catalog;
#[cfg(feature = "client")]
#[cfg_attr(docsrs, doc(cfg(feature = "client")))]
pub mod client;
#[cfg(feature = "client")]
#[cfg_attr(docsrs, doc(cfg(feature = "client")))]
pub mod doctor;
#[cfg(feature = "emulator")]
#[cfg_attr(docsrs, doc(cfg(feature = "emulator")))]
pub mod emulator;
pub mod envelope;
pub mod manifest;
pub mod preview;
pub mod redact;
pub mod region;
pub mod request;
#[cfg(any(
    feature = "client",
    feature = "emulator",
    feature = "postgres",
    feature = "skill-events"
))]
mod ring_provider;
pub mod schema;
#[cfg(any(feature = "emulator", feature = "skill-events"))]
mod server;
#[cfg(feature = "skill-events")]
#[cfg_attr(docsrs, doc(cfg(feature = "skill-events")))]
pub mod skill_events;
pub mod subscriptions;
pub mod terminal;
mod text;
pub mod validate;
#[cfg(any(feature = "client", feature = "emulator"))]
mod wire;

#[doc(hidden)]
pub mod __private;

pub use builder::{BuildError, Builder};
pub use catalog::{EventPayload, EventSet, Localizable};
pub use preview::{PreviewError, preview};
pub use region::{Region, UnknownRegion};
pub use request::{
    Audience, InvalidLocale, Locale, LocalizedAttributes, ProactiveEventRequest, ReferenceId,
};
pub use text::{InvalidText, LOCALIZED_ATTRIBUTE_PREFIX, PlainText, Text};
pub use validate::{Report, Severity, Violation};

/// Date-times on the wire: an instant, serialized as RFC 3339 in UTC.
pub type DateTime = jiff::Timestamp;

/// The date-time crate, re-exported so that users need not depend on it.
pub use jiff;
