//! The in-memory ledger: for tests, and for skills that rebuild state elsewhere.

use super::asynchronous::{AsyncLedger, StoreFuture};
use super::ledger::{
    ApplyOutcome, Change, Cursor, Ledger, Page, StoreError, Subscriber, UserRecord, check_storable,
    decide,
};
use super::parse::SubscriptionChanged;
use std::collections::{BTreeMap, BTreeSet};
use std::ops::Bound;
use std::sync::Arc;
use std::sync::{Mutex, MutexGuard};

/// A [`Ledger`] in memory, safe to share between threads. Lost when dropped.
#[derive(Debug, Default)]
pub struct MemoryLedger {
    state: Mutex<State>,
}

#[derive(Debug, Default)]
struct State {
    /// (skill, user) -> state.
    users: BTreeMap<(String, String), UserRecord>,
    /// (skill, event, user): the audience of each event, in user order.
    index: BTreeSet<(String, String, String)>,
}

impl MemoryLedger {
    /// An empty ledger.
    pub fn new() -> Self {
        Self::default()
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        // Nothing here panics while holding the lock; if a caller's thread did, the
        // state is still consistent (every update below completes before returning).
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }
}

impl State {
    fn apply(&mut self, n: &SubscriptionChanged) -> Change {
        let key = (n.skill_id.clone(), n.user_id.clone());
        let stored = self.users.get(&key);
        let change = decide(stored.map(|r| (&r.version, &r.events)), n);
        if change.outcome == ApplyOutcome::Applied {
            for e in &change.unsubscribed {
                self.index
                    .remove(&(n.skill_id.clone(), e.clone(), n.user_id.clone()));
            }
            for e in &change.subscribed {
                self.index
                    .insert((n.skill_id.clone(), e.clone(), n.user_id.clone()));
            }
            self.users.insert(key, UserRecord::from_notice(n));
        }
        change
    }
}

impl Ledger for MemoryLedger {
    fn apply(&self, notice: &SubscriptionChanged) -> Result<Change, StoreError> {
        check_storable(std::slice::from_ref(notice))?;
        Ok(self.lock().apply(notice))
    }

    fn apply_all(&self, notices: &[SubscriptionChanged]) -> Result<Vec<Change>, StoreError> {
        check_storable(notices)?;
        let mut state = self.lock();
        Ok(notices.iter().map(|n| state.apply(n)).collect())
    }

    fn user(&self, skill_id: &str, user_id: &str) -> Result<Option<UserRecord>, StoreError> {
        Ok(self
            .lock()
            .users
            .get(&(skill_id.to_owned(), user_id.to_owned()))
            .cloned())
    }

    fn subscribers(
        &self,
        skill_id: &str,
        event: &str,
        after: Option<&Cursor>,
        limit: usize,
    ) -> Result<Page<Subscriber>, StoreError> {
        let limit = limit.max(1);
        let state = self.lock();
        let start = match after {
            Some(c) => Bound::Excluded((skill_id.to_owned(), event.to_owned(), c.user_id.clone())),
            None => Bound::Included((skill_id.to_owned(), event.to_owned(), String::new())),
        };
        let mut users = state
            .index
            .range((start, Bound::Unbounded))
            .take_while(|(s, e, _)| s == skill_id && e == event)
            .map(|(_, _, u)| u);
        let mut items = Vec::new();
        for user in users.by_ref().take(limit) {
            // The index only holds users present in `users`.
            if let Some(r) = state.users.get(&(skill_id.to_owned(), user.clone())) {
                items.push(Subscriber {
                    user_id: r.user_id.clone(),
                    api_endpoint: r.api_endpoint.clone(),
                    region: r.region,
                });
            }
        }
        let next = match (users.next(), items.last()) {
            (Some(_), Some(last)) => Some(Cursor {
                skill_id: skill_id.to_owned(),
                user_id: last.user_id.clone(),
            }),
            _ => None,
        };
        Ok(Page { items, next })
    }

    /// Read under one lock: a snapshot.
    fn audience(&self, skill_id: &str, event: &str) -> Result<Vec<Subscriber>, StoreError> {
        let state = self.lock();
        let start = (skill_id.to_owned(), event.to_owned(), String::new());
        Ok(state
            .index
            .range(start..)
            .take_while(|(s, e, _)| s == skill_id && e == event)
            .filter_map(|(_, _, user)| state.users.get(&(skill_id.to_owned(), user.clone())))
            .map(|r| Subscriber {
                user_id: r.user_id.clone(),
                api_endpoint: r.api_endpoint.clone(),
                region: r.region,
            })
            .collect())
    }

    fn users(&self, after: Option<&Cursor>, limit: usize) -> Result<Page<UserRecord>, StoreError> {
        let limit = limit.max(1);
        let state = self.lock();
        let start = match after {
            Some(c) => Bound::Excluded((c.skill_id.clone(), c.user_id.clone())),
            None => Bound::Unbounded,
        };
        let mut records = state.users.range((start, Bound::Unbounded)).map(|(_, r)| r);
        let items: Vec<UserRecord> = records.by_ref().take(limit).cloned().collect();
        let next = match (records.next(), items.last()) {
            (Some(_), Some(last)) => Some(Cursor {
                skill_id: last.skill_id.clone(),
                user_id: last.user_id.clone(),
            }),
            _ => None,
        };
        Ok(Page { items, next })
    }
}

/// Answers at once: the state is in memory, behind a lock held for microseconds.
impl AsyncLedger for MemoryLedger {
    fn apply_async(self: Arc<Self>, notice: SubscriptionChanged) -> StoreFuture<Change> {
        Box::pin(std::future::ready(self.apply(&notice)))
    }

    fn user_async(
        self: Arc<Self>,
        skill_id: String,
        user_id: String,
    ) -> StoreFuture<Option<UserRecord>> {
        Box::pin(std::future::ready(self.user(&skill_id, &user_id)))
    }

    fn count_subscribers_async(
        self: Arc<Self>,
        skill_id: Option<String>,
        event: String,
        user_id: Option<String>,
    ) -> StoreFuture<u64> {
        Box::pin(std::future::ready(self.count_subscribers(
            skill_id.as_deref(),
            &event,
            user_id.as_deref(),
        )))
    }

    fn probe_async(self: Arc<Self>) -> StoreFuture<()> {
        Box::pin(std::future::ready(Ok(())))
    }
}
