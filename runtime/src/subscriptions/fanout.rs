//! Fan-out: one event to every user subscribed to its name, each as a Unicast
//! request to their own region's host.
//!
//! The audience is read once, when the [`FanOut`] is planned: a user who unsubscribed
//! before that is not sent to, and the plan does not change while it is sent.
//! Every user gets the same `referenceId`; with the user it is Amazon's idempotency
//! key (D14), so a retried or resumed fan-out meets 409 ("already accepted"), and the
//! client's journal skips users already delivered.

use super::ledger::{Ledger, StoreError, Subscriber};
use super::parse::Region;
use crate::{Audience, EventSet, ProactiveEventRequest};
use std::collections::BTreeMap;

/// The per-user Unicast requests of one event, grouped by region.
#[derive(Debug, Clone)]
pub struct FanOut<E> {
    template: ProactiveEventRequest<E>,
    by_region: BTreeMap<Region, Vec<String>>,
    unroutable: Vec<Subscriber>,
}

impl<E: EventSet> FanOut<E> {
    /// Takes the audience of `request`'s event name for `skill_id` from `ledger`, now
    /// (one snapshot where the store has them). `request.relevantAudience` is ignored:
    /// each user gets their own.
    pub fn plan(
        ledger: &(impl Ledger + ?Sized),
        skill_id: &str,
        request: &ProactiveEventRequest<E>,
    ) -> Result<Self, StoreError> {
        let audience = ledger.audience(skill_id, request.event.name())?;
        Ok(Self::from_audience(audience, request))
    }

    /// A plan for a given audience.
    pub fn from_audience(audience: Vec<Subscriber>, request: &ProactiveEventRequest<E>) -> Self {
        let mut by_region: BTreeMap<Region, Vec<String>> = BTreeMap::new();
        let mut unroutable = Vec::new();
        for s in audience {
            match s.region {
                Some(r) => by_region.entry(r).or_default().push(s.user_id),
                None => unroutable.push(s),
            }
        }
        Self {
            template: request.clone(),
            by_region,
            unroutable,
        }
    }

    /// The `AMAZON.*` name of the event sent.
    pub fn event_name(&self) -> &'static str {
        self.template.event.name()
    }

    /// Regions with at least one user, in order.
    pub fn regions(&self) -> impl Iterator<Item = Region> + '_ {
        self.by_region.keys().copied()
    }

    /// The users of `region`, in user id order.
    pub fn users(&self, region: Region) -> &[String] {
        self.by_region.get(&region).map_or(&[], Vec::as_slice)
    }

    /// Subscribers whose `apiEndpoint` is not a known region: not sent to.
    pub fn unroutable(&self) -> &[Subscriber] {
        &self.unroutable
    }

    /// How many requests the plan sends (all regions).
    pub fn len(&self) -> usize {
        self.by_region.values().map(Vec::len).sum()
    }

    /// Whether the plan sends nothing (no routable subscriber).
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The requests for `region`, built as they are consumed (a large audience is not
    /// held as requests in memory).
    pub fn requests(
        &self,
        region: Region,
    ) -> impl Iterator<Item = ProactiveEventRequest<E>> + Send + '_ {
        self.users(region).iter().map(|user| {
            let mut request = self.template.clone();
            request.relevant_audience = Audience::unicast(user.clone());
            request
        })
    }
}

#[cfg(feature = "client")]
mod send {
    use super::{EventSet, FanOut, Region, Subscriber};
    use crate::client::{BulkOptions, Client, ClientBuildError, JournalError, Progress, Summary};
    use std::collections::BTreeMap;
    use std::fmt;

    /// What a fan-out did, per region.
    #[derive(Debug, Clone, Default, PartialEq, Eq)]
    #[cfg_attr(docsrs, doc(cfg(feature = "client")))]
    pub struct FanOutSummary {
        /// Each region's bulk-send summary.
        pub by_region: BTreeMap<Region, Summary>,
        /// Subscribers with an unknown `apiEndpoint`: not sent to.
        pub unroutable: Vec<Subscriber>,
    }

    impl FanOutSummary {
        /// Every routable user received the event (now or in an earlier run).
        pub fn all_delivered(&self) -> bool {
            self.by_region.values().all(Summary::all_delivered)
        }
    }

    impl fmt::Display for FanOutSummary {
        fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            let mut first = true;
            for (region, summary) in &self.by_region {
                if !first {
                    f.write_str("; ")?;
                }
                first = false;
                write!(f, "{region}: {summary}")?;
            }
            if first {
                f.write_str("no subscribers")?;
            }
            if !self.unroutable.is_empty() {
                write!(
                    f,
                    "; {} subscriber(s) with an unknown apiEndpoint not sent to",
                    self.unroutable.len()
                )?;
            }
            Ok(())
        }
    }

    /// Why a fan-out stopped.
    #[derive(Debug)]
    #[non_exhaustive]
    #[cfg_attr(docsrs, doc(cfg(feature = "client")))]
    pub enum FanOutError {
        /// The client for a region could not be built; nothing was sent.
        Client {
            /// The region whose client failed.
            region: Region,
            /// Why it failed.
            error: ClientBuildError,
        },
        /// The journal could not be written: the run stopped.
        Journal(JournalError),
    }

    impl fmt::Display for FanOutError {
        fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            match self {
                Self::Client { region, error } => {
                    write!(f, "fan-out: the {region} client: {error}")
                }
                Self::Journal(e) => write!(f, "fan-out: {e}"),
            }
        }
    }

    impl std::error::Error for FanOutError {
        fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
            match self {
                Self::Client { error, .. } => Some(error),
                Self::Journal(e) => Some(e),
            }
        }
    }

    #[cfg_attr(docsrs, doc(cfg(feature = "client")))]
    impl<E: EventSet> FanOut<E> {
        /// Sends the plan, one region after the other, each through the client that
        /// `client_for(region)` builds (its rate limiter, retries and, with
        /// `options.journal`, the journal that makes a re-run skip delivered users).
        /// All clients are built before anything is sent.
        #[cfg_attr(docsrs, doc(cfg(feature = "client")))]
        pub async fn send(
            &self,
            mut client_for: impl FnMut(Region) -> Result<Client, ClientBuildError>,
            options: BulkOptions,
            mut progress: impl FnMut(&Progress<'_>) + Send,
        ) -> Result<FanOutSummary, FanOutError> {
            let mut clients = Vec::new();
            for region in self.regions() {
                let client =
                    client_for(region).map_err(|error| FanOutError::Client { region, error })?;
                clients.push((region, client));
            }
            let mut summary = FanOutSummary {
                unroutable: self.unroutable.clone(),
                ..FanOutSummary::default()
            };
            for (region, client) in clients {
                let s = client
                    .send_all(self.requests(region), options.clone(), &mut progress)
                    .await
                    .map_err(FanOutError::Journal)?;
                summary.by_region.insert(region, s);
            }
            Ok(summary)
        }
    }
}

#[cfg(feature = "client")]
pub use send::{FanOutError, FanOutSummary};
