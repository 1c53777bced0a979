//! The ledger: who is subscribed to what, per (skill, user), and the one rule that
//! decides whether a notice replaces the stored state. Both stores call [`decide`], so
//! they cannot disagree.

use super::parse::{Region, SubscriptionChanged, Version};
use serde::{Deserialize, Serialize};
use std::collections::BTreeSet;
use std::fmt;

/// What [`Ledger::apply`] did with one notice.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Change {
    /// The skill the notice is for (`amzn1.ask.skill.…`).
    pub skill_id: String,
    /// The user whose subscriptions changed (`amzn1.ask.account.…`).
    pub user_id: String,
    /// Whether the notice changed the stored state.
    pub outcome: ApplyOutcome,
    /// Events the user was not subscribed to before and is now (sorted).
    pub subscribed: Vec<String>,
    /// Events the user was subscribed to before and is not now (sorted).
    pub unsubscribed: Vec<String>,
}

impl Change {
    /// True when the notice was older than the stored state and so ignored.
    pub fn is_stale(&self) -> bool {
        matches!(self.outcome, ApplyOutcome::Stale { .. })
    }
}

/// The fate of one notice.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[non_exhaustive]
#[serde(rename_all = "snake_case", tag = "outcome")]
pub enum ApplyOutcome {
    /// Newer than the stored state (or the user's first): it is the state now.
    Applied,
    /// Older than the stored state (by timestamp, then request id): ignored.
    Stale {
        /// The version of the stored state, which stays.
        current: Version,
    },
    /// The stored state came from this very request (same timestamp and request id),
    /// e.g. a re-delivery: nothing to do.
    Duplicate,
}

/// The stored state of one user of one skill.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UserRecord {
    /// The skill (`amzn1.ask.skill.…`).
    pub skill_id: String,
    /// The user (`amzn1.ask.account.…`).
    pub user_id: String,
    /// The events the user is subscribed to; empty after a full unsubscribe.
    pub events: BTreeSet<String>,
    /// The `apiEndpoint` of the user's newest notice: where to send their events.
    pub api_endpoint: String,
    /// `None` when `api_endpoint` is not one of the three known hosts.
    pub region: Option<Region>,
    /// The notice this state comes from.
    pub version: Version,
}

impl UserRecord {
    pub(crate) fn from_notice(n: &SubscriptionChanged) -> Self {
        Self {
            skill_id: n.skill_id.clone(),
            user_id: n.user_id.clone(),
            events: n.events.clone(),
            api_endpoint: n.api_endpoint.clone(),
            region: n.region,
            version: n.version(),
        }
    }
}

/// One user in an event's audience.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Subscriber {
    /// The userId to send to (a unicast audience).
    pub user_id: String,
    /// The user's `apiEndpoint`, as Alexa sent it.
    pub api_endpoint: String,
    /// The region of `api_endpoint`; `None` for an unknown host (not sent to).
    pub region: Option<Region>,
}

/// Where the next page starts: after this (skill, user). Serializable, so that a
/// caller can hand it across an HTTP boundary.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Cursor {
    pub(crate) skill_id: String,
    pub(crate) user_id: String,
}

/// One page of a listing in (skill, user) order. `next` is `None` on the last page.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Page<T> {
    /// This page's items.
    pub items: Vec<T>,
    /// Where the next page starts; `None` on the last page.
    pub next: Option<Cursor>,
}

impl<T> Page<T> {
    /// A page from at most `limit + 1` items read in order: a store reads one item
    /// more than it returns, only to learn whether another page follows, which then
    /// starts after the last item kept (`cursor` makes its cursor).
    #[cfg(any(feature = "sqlite", feature = "postgres"))]
    pub(crate) fn from_overfetch(
        mut items: Vec<T>,
        limit: usize,
        cursor: impl Fn(&T) -> Cursor,
    ) -> Self {
        let next = if items.len() > limit {
            items.truncate(limit);
            items.last().map(cursor)
        } else {
            None
        };
        Page { items, next }
    }
}

/// The stored subscriptions. Implemented by [`MemoryLedger`](super::MemoryLedger),
/// `SqliteLedger` (feature `sqlite`) and `PostgresLedger` (feature `postgres`), with the
/// same semantics. Methods take `&self` so that one ledger
/// can be shared by the request handlers of a skill.
pub trait Ledger {
    /// Records `notice` unless the stored state for its (skill, user) is newer.
    /// Newer means a later `timestamp`; for equal timestamps, the greater request id
    /// (byte order). The same (timestamp, request id) again is [`ApplyOutcome::Duplicate`].
    /// A notice that [`SubscriptionChanged::check`] refuses is an error, in every
    /// store (its source is the [`ParseError`](super::ParseError) naming the field).
    fn apply(&self, notice: &SubscriptionChanged) -> Result<Change, StoreError>;

    /// [`Ledger::apply`] for many notices, in order, as one unit: a store with
    /// transactions commits all or none of them.
    fn apply_all(&self, notices: &[SubscriptionChanged]) -> Result<Vec<Change>, StoreError> {
        notices.iter().map(|n| self.apply(n)).collect()
    }

    /// The stored state of one user, or `None` if no notice for them was applied.
    fn user(&self, skill_id: &str, user_id: &str) -> Result<Option<UserRecord>, StoreError>;

    /// The users of `skill_id` subscribed to `event`, in user id order, at most
    /// `limit` (at least 1) per page, starting after `after`.
    fn subscribers(
        &self,
        skill_id: &str,
        event: &str,
        after: Option<&Cursor>,
        limit: usize,
    ) -> Result<Page<Subscriber>, StoreError>;

    /// Every stored user (subscribed to something or not), in (skill, user) order.
    fn users(&self, after: Option<&Cursor>, limit: usize) -> Result<Page<UserRecord>, StoreError>;

    /// How many users are subscribed to `event`: users of `skill_id`, or of any
    /// skill when it is `None` (a user subscribed through two skills counts once);
    /// with `user_id`, only that user (so 0 or 1). The SQL stores answer with one
    /// aggregate query; this default reads page by page.
    fn count_subscribers(
        &self,
        skill_id: Option<&str>,
        event: &str,
        user_id: Option<&str>,
    ) -> Result<u64, StoreError> {
        match (skill_id, user_id) {
            (Some(skill), Some(user)) => Ok(self
                .user(skill, user)?
                .is_some_and(|r| r.events.contains(event))
                .into()),
            (Some(skill), None) => {
                let mut count = 0;
                let mut after = None;
                loop {
                    let page = self.subscribers(skill, event, after.as_ref(), 1000)?;
                    count += page.items.len() as u64;
                    match page.next {
                        Some(c) => after = Some(c),
                        None => return Ok(count),
                    }
                }
            }
            (None, user) => {
                let mut users = BTreeSet::new();
                let mut after = None;
                loop {
                    let page = self.users(after.as_ref(), 1000)?;
                    for r in page.items {
                        if r.events.contains(event) && user.is_none_or(|u| u == r.user_id) {
                            users.insert(r.user_id);
                        }
                    }
                    match page.next {
                        Some(c) => after = Some(c),
                        None => return Ok(users.len() as u64),
                    }
                }
            }
        }
    }

    /// The whole audience of `event` at this moment, read page by page. A store with
    /// snapshots reads it from one snapshot.
    fn audience(&self, skill_id: &str, event: &str) -> Result<Vec<Subscriber>, StoreError> {
        let mut all = Vec::new();
        let mut after = None;
        loop {
            let page = self.subscribers(skill_id, event, after.as_ref(), 1000)?;
            all.extend(page.items);
            match page.next {
                Some(c) => after = Some(c),
                None => return Ok(all),
            }
        }
    }
}

/// What to do with a notice, given the stored state of its user.
pub(crate) fn decide(
    stored: Option<(&Version, &BTreeSet<String>)>,
    notice: &SubscriptionChanged,
) -> Change {
    let mut change = Change {
        skill_id: notice.skill_id.clone(),
        user_id: notice.user_id.clone(),
        outcome: ApplyOutcome::Applied,
        subscribed: Vec::new(),
        unsubscribed: Vec::new(),
    };
    let Some((version, events)) = stored else {
        change.subscribed = notice.events.iter().cloned().collect();
        return change;
    };
    let incoming = (&notice.timestamp, notice.request_id.as_str());
    let current = (&version.timestamp, version.request_id.as_str());
    match incoming.cmp(&current) {
        std::cmp::Ordering::Less => {
            change.outcome = ApplyOutcome::Stale {
                current: version.clone(),
            }
        }
        std::cmp::Ordering::Equal => change.outcome = ApplyOutcome::Duplicate,
        std::cmp::Ordering::Greater => {
            change.subscribed = notice.events.difference(events).cloned().collect();
            change.unsubscribed = events.difference(&notice.events).cloned().collect();
        }
    }
    change
}

/// Every notice can be stored by every store ([`SubscriptionChanged::check`]);
/// called by each store before it writes anything, so a batch with one bad
/// notice writes none.
pub(crate) fn check_storable(notices: &[SubscriptionChanged]) -> Result<(), StoreError> {
    notices
        .iter()
        .try_for_each(SubscriptionChanged::check)
        .map_err(|e| StoreError::new("apply", e))
}

/// A failure of the underlying store, or a notice no store can keep
/// ([`SubscriptionChanged::check`]; notices parsed by this crate always pass it).
#[derive(Debug)]
pub struct StoreError {
    context: String,
    source: Box<dyn std::error::Error + Send + Sync>,
}

impl StoreError {
    /// `context` says what was being done (`apply`, `read users`); for stores
    /// written outside this crate too.
    pub fn new(
        context: impl Into<String>,
        source: impl Into<Box<dyn std::error::Error + Send + Sync>>,
    ) -> Self {
        Self {
            context: context.into(),
            source: source.into(),
        }
    }
}

impl fmt::Display for StoreError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "subscription store: {}: {}", self.context, self.source)
    }
}

impl std::error::Error for StoreError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        Some(self.source.as_ref())
    }
}
