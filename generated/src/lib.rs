//! Alexa proactive events: a typed payload for every `AMAZON.*` schema, generated
//! from `schemas/*.yaml`, and the hand-written runtime around them.
//!
//! Generated code lives in [`events`] only (rewritten by `cargo xtask regenerate`);
//! every other module is written by hand.
//!
//! ```
//! use alexa_proactive_events::events::{Event, weather_alert_activated::*};
//! use alexa_proactive_events::Text;
//!
//! let json = r#"{"name": "AMAZON.WeatherAlert.Activated",
//!   "payload": {"weatherAlert": {"source": "localizedattribute:source", "alertType": "TORNADO"}}}"#;
//! let event: Event = serde_json::from_str(json).unwrap();
//! let Event::WeatherAlertActivated(payload) = &event else { unreachable!() };
//! assert_eq!(payload.weather_alert.alert_type, AlertType::Tornado);
//! assert_eq!(payload.weather_alert.source, Text::reference("source"));
//! ```

// Generated code names this crate by absolute path, so that it compiles here and
// in any crate that depends on this one (golden tests, schemas-as-data test).
extern crate self as alexa_proactive_events;

#[rustfmt::skip]
pub mod events;

pub mod builder;
#[cfg(feature = "client")]
pub mod client;
#[cfg(feature = "emulator")]
pub mod emulator;
pub mod preview;
pub mod redact;
pub mod request;
pub mod schema;
pub mod subscriptions;
mod text;
pub mod validate;

#[doc(hidden)]
pub mod __private;

/// The `proactive-events` command line; not a library API.
#[cfg(feature = "cli")]
#[doc(hidden)]
pub mod cli;

pub use builder::{BuildError, Builder};
pub use events::{EVENT_NAMES, Event};
pub use preview::{PreviewError, preview};
pub use request::{Audience, Locale, LocalizedAttributes, ProactiveEventRequest, ReferenceId};
pub use text::{LOCALIZED_ATTRIBUTE_PREFIX, PlainText, Text};
pub use validate::{Report, Severity, Violation, validate_json};

/// Date-times on the wire: an instant, serialized as RFC 3339 in UTC.
pub type DateTime = jiff::Timestamp;

/// The date-time crate, re-exported so that users need not depend on it.
pub use jiff;

/// Visits every localizable string of a generated type with its dotted payload
/// path (`order.seller.name`, `items[2].name`). Generated for every object type.
pub trait Localizable {
    fn for_each_text(&self, prefix: &str, f: &mut dyn FnMut(&str, &Text));
    fn for_each_text_mut(&mut self, prefix: &str, f: &mut dyn FnMut(&str, &mut Text));
}

/// Implemented by every generated payload type.
pub trait EventPayload: serde::Serialize + serde::de::DeserializeOwned {
    /// The `AMAZON.*` name of the event.
    const NAME: &'static str;
    /// The schema's metadata.
    fn schema() -> &'static schema::EventSchema;
}
