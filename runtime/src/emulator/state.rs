//! What the emulator remembers: issued tokens, accepted events, scripted answers,
//! counters and the seeded fault generator.

use super::routes::Checked;
use super::{EmulatorConfig, MAX_TOKEN_TTL};
use crate::DateTime;
use governor::{DefaultDirectRateLimiter, Quota, RateLimiter};
use rand::rngs::{OsRng, StdRng};
use rand::{Rng, SeedableRng, TryRngCore};
use serde::Serialize;
use std::collections::{BTreeMap, HashMap, VecDeque};
use std::fmt;
use std::num::{NonZeroU32, NonZeroUsize};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};
use tokio::sync::Semaphore;

/// Random bytes in an access token (64 hex digits after `Atc|`).
const TOKEN_BYTES: usize = 32;

/// Expired tokens are swept out once the table reaches this size (and then
/// whenever it has doubled since the last sweep).
const SWEEP_TOKENS_AT: usize = 1024;

/// The most refused requests remembered (`GET /emulator/refused`); older ones
/// are forgotten first, and counted in [`Stats::refused`] all the same.
pub const MAX_REFUSED: usize = 1000;

/// One accepted event, as listed by `GET /emulator/events`.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct AcceptedEvent {
    /// `development` or `live`.
    pub stage: String,
    /// The event's `referenceId`.
    pub reference_id: String,
    /// The event's name (`event.name`), e.g. `AMAZON.WeatherAlert.Activated`.
    pub name: String,
    /// The event's `expiryTime`.
    pub expiry_time: DateTime,
    /// How many users it reached: 1 for a Unicast (an unsubscribed user's event
    /// is refused instead); for a Multicast, the subscribers to the event in the
    /// ledger, or `None` when the emulator was given no ledger (every subscriber,
    /// whoever they are).
    pub reached: Option<u64>,
    /// The sentence Alexa would say, per `localizedAttributes` entry, from the
    /// crate's preview (a preview: Amazon owns the real wording).
    pub sentences: Vec<Sentence>,
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

/// The sentence for one locale of an accepted event.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Sentence {
    /// The locale of the `localizedAttributes` entry.
    pub locale: String,
    /// The sentence, or `None` when the preview could not render one.
    pub text: Option<String>,
    /// Why the preview could not render a sentence.
    pub error: Option<String>,
}

/// A request to an events endpoint that was answered with an error, as listed
/// by `GET /emulator/refused`. The body itself is not kept: only what names the
/// event, each cut to [`MAX_SUMMARY_CHARS`] characters.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct RefusedEvent {
    /// `development` or `live`.
    pub stage: String,
    /// When the emulator answered.
    pub refused_at: DateTime,
    /// The HTTP status (also the error body's `code`).
    pub status: u16,
    /// The error body's `message`.
    pub message: String,
    /// `event.name`, when the body is JSON and has one.
    pub name: Option<String>,
    /// `referenceId`, when the body is JSON and has one.
    pub reference_id: Option<String>,
    /// `relevantAudience.type`, when the body is JSON and has one.
    pub audience: Option<String>,
    /// Each broken rule (400 only; at most 20).
    pub violations: Vec<RuleBreak>,
}

/// One broken validation rule of a refused body.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct RuleBreak {
    /// The rule id, e.g. `ENV-EXPIRY-MIN`.
    pub rule: String,
    /// The JSON pointer of the faulty value.
    pub path: String,
    /// What is wrong.
    pub message: String,
}

/// Strings a [`RefusedEvent`] quotes from a body are cut to this many characters.
pub const MAX_SUMMARY_CHARS: usize = 200;

/// A forced answer, for tests of each status path.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Scripted {
    /// This status, with this `Retry-After` (seconds) if any, and an Amazon-style body.
    Status {
        /// The HTTP status.
        status: u16,
        /// The `Retry-After` header's seconds, if any.
        retry_after: Option<u64>,
    },
    /// Close the connection without answering.
    Drop,
}

impl Scripted {
    /// Answer `status`, without `Retry-After`.
    pub fn status(status: u16) -> Self {
        Self::Status {
            status,
            retry_after: None,
        }
    }
    /// Answer `status` with `Retry-After: seconds`.
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
    /// Requests to the token endpoint.
    pub token_requests: u64,
    /// Tokens issued (successful token requests).
    pub tokens_issued: u64,
    /// Requests to the event endpoints.
    pub event_requests: u64,
    /// Answers per status code (event endpoints).
    pub event_statuses: BTreeMap<u16, u64>,
    /// Connections closed without an answer.
    pub dropped: u64,
    /// Event requests answered with an error (all of them, not only the
    /// [`MAX_REFUSED`] remembered).
    pub refused: u64,
}

/// An issued token: whom it was issued to and until when it works (`None`:
/// beyond what `Instant` can represent, so never).
#[derive(Debug)]
struct Issued {
    client_id: String,
    /// The scope granted (the token endpoint grants [`super::SCOPE`] only).
    scope: &'static str,
    expires: Option<Instant>,
}

/// The credentials the token endpoint accepts now.
pub(crate) struct Credentials {
    pub(crate) client_id: String,
    pub(crate) client_secret: String,
}

impl fmt::Debug for Credentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Credentials")
            .field("client_id", &self.client_id)
            .field("client_secret", &"[redacted]")
            .finish()
    }
}

impl Credentials {
    /// Both match, compared without an early exit on the first differing byte.
    pub(crate) fn matches(&self, client_id: &str, client_secret: &str) -> bool {
        // `&` rather than `&&`: both comparisons always run.
        same_bytes(client_id, &self.client_id) & same_bytes(client_secret, &self.client_secret)
    }
}

/// Equal strings, in time that depends on their lengths only.
fn same_bytes(a: &str, b: &str) -> bool {
    let (a, b) = (a.as_bytes(), b.as_bytes());
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// A new access token: `Atc|` and 32 bytes from the operating system's random
/// generator as hex; `None` if the generator fails.
fn new_token() -> Option<String> {
    let mut bytes = [0u8; TOKEN_BYTES];
    OsRng.try_fill_bytes(&mut bytes).ok()?;
    let mut token = String::with_capacity(4 + 2 * TOKEN_BYTES);
    token.push_str("Atc|");
    for b in bytes {
        token.push_str(&format!("{b:02x}"));
    }
    Some(token)
}

/// A hook run on the validating thread before each event body is validated
/// (unit tests use it to make a validation slow).
#[cfg(test)]
pub(crate) type ValidationHook = Arc<dyn Fn() + Send + Sync>;

/// Issued tokens by value; `Debug` shows how many, never a token.
#[derive(Default)]
struct Tokens(HashMap<String, Issued>);

impl fmt::Debug for Tokens {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} tokens [redacted]", self.0.len())
    }
}

#[derive(Debug)]
pub(crate) struct State {
    credentials: Credentials,
    tokens: Tokens,
    /// The token table size that triggers the next sweep of expired tokens.
    sweep_at: usize,
    events: Vec<AcceptedEvent>,
    /// The newest [`MAX_REFUSED`] refusals, oldest first.
    refused: VecDeque<RefusedEvent>,
    /// Changes whenever an event is accepted or refused (the page polls it).
    version: u64,
    /// Latest timestamp per (stage, referenceId, user).
    latest: HashMap<(String, String, Option<String>), DateTime>,
    script_events: VecDeque<Scripted>,
    script_tokens: VecDeque<Scripted>,
    stats: Stats,
    rng: StdRng,
}

pub(crate) struct Shared {
    pub(crate) config: EmulatorConfig,
    /// The `Host` and `Origin` values answered.
    pub(crate) loopback: super::loopback::Loopback,
    /// Parses and validates a body of the emulator's event set.
    pub(crate) parse: super::routes::ParseFn,
    pub(crate) limiter: Option<DefaultDirectRateLimiter>,
    /// Bodies validated at once (one per CPU), each on a blocking thread.
    pub(crate) validations: Arc<Semaphore>,
    #[cfg(test)]
    pub(crate) validation_hook: Mutex<Option<ValidationHook>>,
    state: Mutex<State>,
}

impl fmt::Debug for Shared {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Shared")
            .field("config", &self.config)
            .field("state", &self.state)
            .finish_non_exhaustive()
    }
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
    /// `port`: the one the emulator listens on (`Host` must name it).
    pub(crate) fn new(config: EmulatorConfig, port: u16, parse: super::routes::ParseFn) -> Self {
        let limiter = config
            .rate_limit
            .and_then(NonZeroU32::new)
            .map(|r| RateLimiter::direct(Quota::per_second(r)));
        let rng = StdRng::seed_from_u64(config.faults.seed);
        let cpus = std::thread::available_parallelism().map_or(1, NonZeroUsize::get);
        let credentials = Credentials {
            client_id: config.client_id.clone(),
            client_secret: config.client_secret.clone(),
        };
        Self {
            loopback: super::loopback::Loopback::new(port, config.tls),
            config,
            parse,
            limiter,
            validations: Arc::new(Semaphore::new(cpus)),
            #[cfg(test)]
            validation_hook: Mutex::new(None),
            state: Mutex::new(State {
                credentials,
                tokens: Tokens::default(),
                sweep_at: SWEEP_TOKENS_AT,
                events: Vec::new(),
                refused: VecDeque::new(),
                version: 0,
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

    pub(crate) fn refused(&self) -> Vec<RefusedEvent> {
        self.lock().refused.iter().cloned().collect()
    }

    /// The page's view: a version that changes with every accepted or refused
    /// event, and the newest `limit` of each, newest first.
    pub(crate) fn feed(&self, limit: usize) -> Feed {
        let state = self.lock();
        Feed {
            version: state.version,
            accepted_total: state.events.len() as u64,
            refused_total: state.stats.refused,
            accepted: state.events.iter().rev().take(limit).cloned().collect(),
            refused: state.refused.iter().rev().take(limit).cloned().collect(),
        }
    }

    /// Remembers a refusal (the oldest is forgotten beyond [`MAX_REFUSED`]).
    pub(crate) fn refuse(&self, refused: RefusedEvent) {
        let mut state = self.lock();
        state.stats.refused += 1;
        state.version += 1;
        if state.refused.len() >= MAX_REFUSED {
            state.refused.pop_front();
        }
        state.refused.push_back(refused);
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
        for issued in self.lock().tokens.0.values_mut() {
            issued.expires = Some(now);
        }
    }

    pub(crate) fn set_credentials(&self, client_id: String, client_secret: String) {
        self.lock().credentials = Credentials {
            client_id,
            client_secret,
        };
    }

    /// The credentials match the ones accepted now.
    pub(crate) fn credentials_match(&self, client_id: &str, client_secret: &str) -> bool {
        self.lock().credentials.matches(client_id, client_secret)
    }

    /// The lifetime promised in `expires_in`: the configured one, at most
    /// [`MAX_TOKEN_TTL`].
    pub(crate) fn token_ttl(&self) -> Duration {
        self.config.token_ttl.min(MAX_TOKEN_TTL)
    }

    /// Counts a token request and returns its scripted answer, if any.
    pub(crate) fn token_request(&self) -> Option<Scripted> {
        let mut state = self.lock();
        state.stats.token_requests += 1;
        state.script_tokens.pop_front()
    }

    /// Issues a token to `client_id`: `Atc|` and 64 hex digits from the
    /// operating system's random generator (the fault seed only decides an
    /// early expiry). `None` when that generator fails.
    pub(crate) fn issue_token(&self, client_id: &str) -> Option<String> {
        let token = new_token()?;
        let mut state = self.lock();
        let faults = &self.config.faults;
        let early = faults.early_expiry_rate > 0.0
            && state.rng.random_bool(faults.early_expiry_rate.min(1.0));
        let life = if early {
            faults.early_expiry.min(MAX_TOKEN_TTL)
        } else {
            self.token_ttl()
        };
        let now = Instant::now();
        let issued = Issued {
            client_id: client_id.to_owned(),
            scope: super::SCOPE,
            expires: now.checked_add(life),
        };
        state.tokens.0.insert(token.clone(), issued);
        state.stats.tokens_issued += 1;
        if state.tokens.0.len() >= state.sweep_at {
            state
                .tokens
                .0
                .retain(|_, t| t.expires.is_none_or(|e| now < e));
            state.sweep_at = (2 * state.tokens.0.len()).max(SWEEP_TOKENS_AT);
        }
        Some(token)
    }

    /// The token was issued by this emulator, for the `alexa::proactive_events`
    /// scope, to the client id it accepts now, and has not expired.
    pub(crate) fn token_valid(&self, token: &str) -> bool {
        let state = self.lock();
        state.tokens.0.get(token).is_some_and(|issued| {
            issued.scope == super::SCOPE
                && issued.client_id == state.credentials.client_id
                && issued.expires.is_none_or(|e| Instant::now() < e)
        })
    }

    /// Counts an event request.
    pub(crate) fn count_event_request(&self) {
        self.lock().stats.event_requests += 1;
    }

    /// Draws an event request's fault: scripted answers first. Called only
    /// once its token was found valid, so no fault or scripted answer is ever
    /// given to a request without one.
    pub(crate) fn event_request(&self) -> (Fault, Duration) {
        let mut state = self.lock();
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
    pub(crate) fn accept(&self, stage: &str, checked: Checked, reached: Option<u64>) -> bool {
        let mut state = self.lock();
        let key = (
            stage.to_owned(),
            checked.reference_id.clone(),
            checked.user.clone(),
        );
        let update = match state.latest.get(&key) {
            Some(seen) if checked.timestamp <= *seen => return false,
            Some(_) => true,
            None => false,
        };
        state.latest.insert(key, checked.timestamp);
        state.version += 1;
        state.events.push(AcceptedEvent {
            stage: stage.to_owned(),
            reference_id: checked.reference_id,
            name: checked.name,
            expiry_time: checked.expiry_time,
            reached,
            sentences: checked.sentences,
            audience: checked.audience,
            timestamp: checked.timestamp,
            accepted_at: DateTime::now(),
            update,
            body: checked.body,
        });
        true
    }
}

/// What the page polls (`GET /emulator/feed`).
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct Feed {
    /// Changes whenever an event is accepted or refused.
    pub(crate) version: u64,
    pub(crate) accepted_total: u64,
    pub(crate) refused_total: u64,
    /// Newest first.
    pub(crate) accepted: Vec<AcceptedEvent>,
    /// Newest first.
    pub(crate) refused: Vec<RefusedEvent>,
}
