//! Who is subscribed to which event: `AlexaSkillEvent.ProactiveSubscriptionChanged`
//! notices, parsed ([`SubscriptionChanged`]) and recorded in a [`Ledger`] that keeps,
//! per (skill, user), the newest notice's set of events.
//!
//! Alexa sends the user's **full current** set each time, and the notices can arrive
//! out of order (docs/decisions.md §6.1). The ledger orders them by `request.timestamp`, then by
//! `requestId` (byte order) when timestamps are equal, and ignores an older one
//! ([`ApplyOutcome::Stale`]), so the state never depends on arrival order.
//!
//! Stores: [`MemoryLedger`]; `SqliteLedger` (feature `sqlite`), one file for one host;
//! `PostgresLedger` (feature `postgres`), one database shared by several hosts.
//!
//! ```
//! use alexa_proactive_events_runtime::subscriptions::{Ledger, MemoryLedger, SubscriptionChanged};
//!
//! let body = br#"{"version": "1.0",
//!   "context": {"System": {"application": {"applicationId": "amzn1.ask.skill.1"},
//!     "user": {"userId": "amzn1.ask.account.A"}, "apiEndpoint": "https://api.eu.amazonalexa.com"}},
//!   "request": {"type": "AlexaSkillEvent.ProactiveSubscriptionChanged", "requestId": "r1",
//!     "timestamp": "2026-11-21T10:00:00Z",
//!     "body": {"subscriptions": [{"eventName": "AMAZON.WeatherAlert.Activated"}]}}}"#;
//! let ledger = MemoryLedger::new();
//! let change = ledger.apply(&SubscriptionChanged::from_json(body)?)?;
//! assert_eq!(change.subscribed, ["AMAZON.WeatherAlert.Activated"]);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

mod asynchronous;
#[cfg(any(
    feature = "client",
    feature = "emulator",
    feature = "skill-events",
    feature = "sqlite",
    feature = "postgres"
))]
mod blocking;
#[cfg(feature = "postgres")]
mod driver;
mod fanout;
mod ledger;
mod memory;
mod parse;
#[cfg(feature = "postgres")]
mod postgres;
#[cfg(feature = "sqlite")]
mod sqlite;

pub use asynchronous::{AsyncLedger, DEFAULT_STORE_TIMEOUT, StoreFuture};
#[cfg(any(
    feature = "client",
    feature = "emulator",
    feature = "skill-events",
    feature = "sqlite",
    feature = "postgres"
))]
pub use blocking::BlockingLedger;
pub use fanout::FanOut;
#[cfg(feature = "client")]
pub use fanout::{FanOutError, FanOutSummary};
pub use ledger::{ApplyOutcome, Change, Cursor, Ledger, Page, StoreError, Subscriber, UserRecord};
pub use memory::MemoryLedger;
pub use parse::{
    MAX_API_ENDPOINT_BYTES, MAX_ID_BYTES, ParseError, REQUEST_TYPE, Region, SkillRequest,
    SubscriptionChanged, Version,
};
#[cfg(feature = "postgres")]
pub use postgres::{DEFAULT_SCHEMA, POSTGRES_SCHEMA_VERSION, PostgresLedger, PostgresOptions};
#[cfg(feature = "sqlite")]
pub use sqlite::{SCHEMA_VERSION, SqliteLedger, SqliteOptions, Synchronous};
