//! [`BlockingLedger`]: a [`Ledger`] whose calls block becomes an [`AsyncLedger`]
//! that runs them on tokio's blocking pool.

use super::asynchronous::{AsyncLedger, StoreFuture};
use super::ledger::{Change, Ledger, StoreError, UserRecord};
use super::parse::SubscriptionChanged;
use std::sync::Arc;

/// A [`Ledger`] whose calls block (disk, a lock): implementing this marker makes
/// it an [`AsyncLedger`] that runs each call on tokio's blocking pool, so a tokio
/// runtime must be running when the futures are polled (any async server has one).
///
/// ```
/// # use alexa_proactive_events_runtime::subscriptions::*;
/// # struct MyStore(MemoryLedger);
/// # impl Ledger for MyStore {
/// #     fn apply(&self, n: &SubscriptionChanged) -> Result<Change, StoreError> { self.0.apply(n) }
/// #     fn user(&self, s: &str, u: &str) -> Result<Option<UserRecord>, StoreError> { self.0.user(s, u) }
/// #     fn subscribers(&self, s: &str, e: &str, a: Option<&Cursor>, l: usize) -> Result<Page<Subscriber>, StoreError> { self.0.subscribers(s, e, a, l) }
/// #     fn users(&self, a: Option<&Cursor>, l: usize) -> Result<Page<UserRecord>, StoreError> { self.0.users(a, l) }
/// # }
/// impl BlockingLedger for MyStore {}
/// let ledger: std::sync::Arc<dyn AsyncLedger> = std::sync::Arc::new(MyStore(MemoryLedger::new()));
/// ```
pub trait BlockingLedger: Ledger + Send + Sync + 'static {}

/// Runs `f` on tokio's blocking pool; the call goes on if the future is dropped.
fn on_blocking_pool<L, T>(
    ledger: Arc<L>,
    what: &'static str,
    f: impl FnOnce(&L) -> Result<T, StoreError> + Send + 'static,
) -> StoreFuture<T>
where
    L: Send + Sync + 'static,
    T: Send + 'static,
{
    Box::pin(async move {
        tokio::task::spawn_blocking(move || f(&ledger))
            .await
            .map_err(|e| StoreError::new(what, e.to_string()))?
    })
}

impl<L: BlockingLedger> AsyncLedger for L {
    fn apply_async(self: Arc<Self>, notice: SubscriptionChanged) -> StoreFuture<Change> {
        on_blocking_pool(self, "apply", move |l| l.apply(&notice))
    }

    fn user_async(
        self: Arc<Self>,
        skill_id: String,
        user_id: String,
    ) -> StoreFuture<Option<UserRecord>> {
        on_blocking_pool(self, "read user", move |l| l.user(&skill_id, &user_id))
    }

    fn count_subscribers_async(
        self: Arc<Self>,
        skill_id: Option<String>,
        event: String,
        user_id: Option<String>,
    ) -> StoreFuture<u64> {
        on_blocking_pool(self, "count subscribers", move |l| {
            l.count_subscribers(skill_id.as_deref(), &event, user_id.as_deref())
        })
    }

    fn probe_async(self: Arc<Self>) -> StoreFuture<()> {
        on_blocking_pool(self, "probe", |l| l.users(None, 1).map(|_| ()))
    }
}
