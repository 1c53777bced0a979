//! [`AsyncLedger`]: the ledger as async code reaches it (the skill-events router,
//! the emulator, a user's own server).
//!
//! Every store works from any context (docs/decisions.md, D28): a call never starts
//! or blocks a tokio runtime, and no store panics when created, used or dropped in
//! `#[tokio::main]`, in `spawn_blocking` or on a plain thread.
//!
//! * [`MemoryLedger`](super::MemoryLedger) answers at once.
//! * `SqliteLedger` (blocking by nature) runs each call on tokio's blocking pool.
//! * `PostgresLedger` is async inside (tokio-postgres and a deadpool pool on a
//!   runtime of its own): its futures wait on the network, never on a thread.
//! * [`BlockingLedger`](super::BlockingLedger) puts any other [`Ledger`] on
//!   tokio's blocking pool.
//!
//! The methods take `self: Arc<Self>` so that a call owns what it needs: a caller
//! that stops waiting (a client that went away, a timeout) leaves the call running
//! to its end, so that an apply is never cut in half.

#[cfg(doc)]
use super::ledger::Ledger;
use super::ledger::{Change, StoreError, UserRecord};
use super::parse::SubscriptionChanged;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

/// How long a server's request waits for the ledger by default (the skill-events
/// router, the emulator): then it answers 503, and the caller retries.
pub const DEFAULT_STORE_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(2);

/// What an [`AsyncLedger`] call returns: `Send` and `'static`, so it can be spawned.
pub type StoreFuture<T> = Pin<Box<dyn Future<Output = Result<T, StoreError>> + Send + 'static>>;

/// A subscriptions ledger for async code. Implemented by every store of this crate
/// and, through [`BlockingLedger`](super::BlockingLedger), by any [`Ledger`].
pub trait AsyncLedger: Send + Sync + 'static {
    /// [`Ledger::apply`].
    fn apply_async(self: Arc<Self>, notice: SubscriptionChanged) -> StoreFuture<Change>;

    /// [`Ledger::user`].
    fn user_async(
        self: Arc<Self>,
        skill_id: String,
        user_id: String,
    ) -> StoreFuture<Option<UserRecord>>;

    /// [`Ledger::count_subscribers`].
    fn count_subscribers_async(
        self: Arc<Self>,
        skill_id: Option<String>,
        event: String,
        user_id: Option<String>,
    ) -> StoreFuture<u64>;

    /// Succeeds when the store answers a small read: what a health check asks.
    fn probe_async(self: Arc<Self>) -> StoreFuture<()>;
}
