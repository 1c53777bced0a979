//! What the emulator remembers: issued tokens, accepted events, scripted answers,
//! counters and the seeded fault generator.

use super::EmulatorConfig;
use crate::DateTime;
use governor::{DefaultDirectRateLimiter, Quota, RateLimiter};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use serde::Serialize;
use std::collections::{BTreeMap, HashMap, VecDeque};
use std::num::NonZeroU32;
use std::sync::{Mutex, MutexGuard};
use std::time::{Duration, Instant};

/// One accepted event, as listed by `GET /emulator/events`.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct AcceptedEvent {
    /// `development` or `live`.
    pub stage: String,
    pub reference_id: String,
    /// `relevantAudience` as sent.
    pub audience: serde_json::Value,
    /// The event's own `timestamp`.
    pub timestamp: DateTime,
    /// When the emulator accepted it.
    pub accepted_at: DateTime,
    /// It replaced an earlier event with the same referenceId and user (D14).
    pub update: bool,
    /// The whole request body.
    pub body: serde_json::Value,
}

/// A forced answer, for tests of each status path.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Scripted {
    /// This status, with this `Retry-After` (seconds) if any, and an Amazon-style body.
    Status {
        status: u16,
        retry_after: Option<u64>,
    },
    /// Close the connection without answering.
    Drop,
}

impl Scripted {
    pub fn status(status: u16) -> Self {
        Self::Status {
            status,
            retry_after: None,
        }
    }
    pub fn retry_after(status: u16, seconds: u64) -> Self {
        Self::Status {
            status,
            retry_after: Some(seconds),
        }
    }
}

/// Request counts.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Stats {
    pub token_requests: u64,
    pub tokens_issued: u64,
    pub event_requests: u64,
    /// Answers per status code (event endpoints).
    pub event_statuses: BTreeMap<u16, u64>,
    /// Connections closed without an answer.
    pub dropped: u64,
}

#[derive(Debug)]
pub(crate) struct State {
    tokens: HashMap<String, Instant>,
    events: Vec<AcceptedEvent>,
    /// Latest timestamp per (stage, referenceId, user).
    latest: HashMap<(String, String, Option<String>), DateTime>,
    script_events: VecDeque<Scripted>,
    script_tokens: VecDeque<Scripted>,
    stats: Stats,
    rng: StdRng,
}

#[derive(Debug)]
pub(crate) struct Shared {
    pub(crate) config: EmulatorConfig,
    /// Parses and validates a body of the emulator's event set.
    pub(crate) parse: super::routes::ParseFn,
    pub(crate) limiter: Option<DefaultDirectRateLimiter>,
    state: Mutex<State>,
}

/// What the event handler should do, decided under one lock.
#[derive(Debug)]
pub(crate) enum Fault {
    None,
    Status {
        status: u16,
        retry_after: Option<u64>,
    },
    DropBefore,
    DropAfter,
}

impl Shared {
    pub(crate) fn new(config: EmulatorConfig, parse: super::routes::ParseFn) -> Self {
        let limiter = config
            .rate_limit
            .and_then(NonZeroU32::new)
            .map(|r| RateLimiter::direct(Quota::per_second(r)));
        let rng = StdRng::seed_from_u64(config.faults.seed);
        Self {
            config,
            parse,
            limiter,
            state: Mutex::new(State {
                tokens: HashMap::new(),
                events: Vec::new(),
                latest: HashMap::new(),
                script_events: VecDeque::new(),
                script_tokens: VecDeque::new(),
                stats: Stats::default(),
                rng,
            }),
        }
    }

    pub(crate) fn lock(&self) -> MutexGuard<'_, State> {
        // A handler that panicked leaves consistent maps behind.
        self.state
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    pub(crate) fn events(&self) -> Vec<AcceptedEvent> {
        self.lock().events.clone()
    }

    pub(crate) fn stats(&self) -> Stats {
        self.lock().stats.clone()
    }

    pub(crate) fn script_events(&self, answers: impl IntoIterator<Item = Scripted>) {
        self.lock().script_events.extend(answers);
    }

    pub(crate) fn script_tokens(&self, answers: impl IntoIterator<Item = Scripted>) {
        self.lock().script_tokens.extend(answers);
    }

    pub(crate) fn expire_tokens(&self) {
        let now = Instant::now();
        for expiry in self.lock().tokens.values_mut() {
            *expiry = now;
        }
    }

    /// Counts a token request and returns its scripted answer, if any.
    pub(crate) fn token_request(&self) -> Option<Scripted> {
        let mut state = self.lock();
        state.stats.token_requests += 1;
        state.script_tokens.pop_front()
    }

    /// Issues a token: `Atc|` and 48 random hex digits.
    pub(crate) fn issue_token(&self) -> String {
        let mut state = self.lock();
        let faults = &self.config.faults;
        let early = faults.early_expiry_rate > 0.0
            && state.rng.random_bool(faults.early_expiry_rate.min(1.0));
        let life = if early {
            faults.early_expiry
        } else {
            self.config.token_ttl
        };
        let token = format!(
            "Atc|{:016x}{:016x}{:016x}",
            state.rng.random::<u64>(),
            state.rng.random::<u64>(),
            state.rng.random::<u64>()
        );
        state.tokens.insert(token.clone(), Instant::now() + life);
        state.stats.tokens_issued += 1;
        token
    }

    pub(crate) fn token_valid(&self, token: &str) -> bool {
        self.lock()
            .tokens
            .get(token)
            .is_some_and(|expiry| Instant::now() < *expiry)
    }

    /// Counts an event request and draws its fault: scripted answers first.
    pub(crate) fn event_request(&self) -> (Fault, Duration) {
        let mut state = self.lock();
        state.stats.event_requests += 1;
        let faults = &self.config.faults;
        let latency = if faults.max_latency > Duration::ZERO {
            faults.max_latency.mul_f64(state.rng.random::<f64>())
        } else {
            Duration::ZERO
        };
        if let Some(scripted) = state.script_events.pop_front() {
            let fault = match scripted {
                Scripted::Status {
                    status,
                    retry_after,
                } => Fault::Status {
                    status,
                    retry_after,
                },
                Scripted::Drop => Fault::DropBefore,
            };
            return (fault, latency);
        }
        let draw: f64 = state.rng.random();
        let mut edge = faults.server_error_rate;
        if draw < edge {
            let status = if state.rng.random_bool(0.5) { 500 } else { 503 };
            let retry_after = (status == 503).then_some(0);
            return (
                Fault::Status {
                    status,
                    retry_after,
                },
                latency,
            );
        }
        edge += faults.throttle_rate;
        if draw < edge {
            let retry_after = Some(faults.throttle_retry_after);
            return (
                Fault::Status {
                    status: 429,
                    retry_after,
                },
                latency,
            );
        }
        edge += faults.drop_rate;
        if draw < edge {
            let fault = if state.rng.random_bool(0.5) {
                Fault::DropAfter
            } else {
                Fault::DropBefore
            };
            return (fault, latency);
        }
        (Fault::None, latency)
    }

    pub(crate) fn count_status(&self, status: u16) {
        *self.lock().stats.event_statuses.entry(status).or_default() += 1;
    }

    pub(crate) fn count_drop(&self) {
        self.lock().stats.dropped += 1;
    }

    /// Decision D14: a later timestamp for the same (stage, referenceId, user)
    /// replaces the event; anything else seen before is a duplicate (`false`).
    pub(crate) fn accept(
        &self,
        stage: &str,
        reference_id: &str,
        user: Option<&str>,
        timestamp: DateTime,
        audience: serde_json::Value,
        body: serde_json::Value,
    ) -> bool {
        let mut state = self.lock();
        let key = (
            stage.to_owned(),
            reference_id.to_owned(),
            user.map(str::to_owned),
        );
        let update = match state.latest.get(&key) {
            Some(seen) if timestamp <= *seen => return false,
            Some(_) => true,
            None => false,
        };
        state.latest.insert(key, timestamp);
        state.events.push(AcceptedEvent {
            stage: stage.to_owned(),
            reference_id: reference_id.to_owned(),
            audience,
            timestamp,
            accepted_at: DateTime::now(),
            update,
            body,
        });
        true
    }
}
