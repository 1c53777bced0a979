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

/// The most accepted events remembered (`GET /emulator/events`); older ones
/// are forgotten first. Fewer are kept when they pass [`MAX_ACCEPTED_BYTES`]
/// (10,000 real events, of a kilobyte or two each, fit in it).
pub const MAX_ACCEPTED: usize = 10_000;

/// The most bytes of accepted events remembered, counted as `GET
/// /emulator/events` writes them (JSON, with `<`, `>` and `&` escaped); older
/// ones are forgotten first. It bounds that answer too.
pub const MAX_ACCEPTED_BYTES: usize = 16 << 20;

/// The most refused requests remembered (`GET /emulator/refused`); older ones
/// are forgotten first, and counted in [`Stats::refused`] all the same. Fewer
/// are kept when they pass [`MAX_REFUSED_BYTES`].
pub const MAX_REFUSED: usize = 1000;

/// The most bytes of refusals remembered, counted as `GET /emulator/refused`
/// writes them; older ones are forgotten first.
pub const MAX_REFUSED_BYTES: usize = 8 << 20;

/// An accepted body of at most this many bytes (as sent) is kept whole; a
/// larger one only as its size and SHA-256 ([`AcceptedEvent::body`]). Real
/// event bodies are a few kilobytes.
pub const MAX_KEPT_BODY_BYTES: usize = 16 << 10;

/// Every other text the emulator keeps from a request (a sentence, a user id
/// in an audience, a violation's path and message) is cut to this many bytes,
/// on a character boundary, and marked as cut ([`cut`]).
pub const MAX_TEXT_BYTES: usize = 1024;

/// A refusal's message is cut to this many bytes ([`cut`]).
pub const MAX_MESSAGE_BYTES: usize = 4096;

/// Duplicates (409, decision D14) are recognised among the newest this many
/// (stage, referenceId, user) the emulator accepted, each kept as a 32-byte
/// digest: a duplicate of one older than that is accepted again.
pub const MAX_REMEMBERED_KEYS: usize = 100_000;

/// `s` itself when at most `max` bytes; otherwise its longest prefix of at most
/// `max` bytes that ends on a character boundary, then `… [cut from N bytes]`.
pub fn cut(s: &str, max: usize) -> String {
    if s.len() <= max {
        return s.to_owned();
    }
    let mut end = max;
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    format!("{}… [cut from {} bytes]", &s[..end], s.len())
}

/// One accepted event, as listed by `GET /emulator/events`.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct AcceptedEvent {
    /// Its place among the emulator's accepted and refused events (from 1, in
    /// order): `?after=ID` lists those after it.
    pub id: u64,
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
    /// crate's preview (a preview: Amazon owns the real wording); each cut to
    /// [`MAX_TEXT_BYTES`].
    pub sentences: Vec<Sentence>,
    /// `relevantAudience` as sent, each string cut to [`MAX_TEXT_BYTES`].
    pub audience: serde_json::Value,
    /// The event's own `timestamp`.
    pub timestamp: DateTime,
    /// When the emulator accepted it.
    pub accepted_at: DateTime,
    /// It replaced an earlier event with the same referenceId and user (D14).
    pub update: bool,
    /// The whole request body when it was at most [`MAX_KEPT_BODY_BYTES`];
    /// `None` (left out of the JSON) for a larger one, and in `GET
    /// /emulator/feed`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub body: Option<serde_json::Value>,
    /// The body's size as sent, in bytes.
    pub body_bytes: u64,
    /// The SHA-256 of the body as sent, in lower-case hex.
    pub body_sha256: String,
}

impl AcceptedEvent {
    /// The event without its body, for the page's feed.
    fn card(&self) -> Self {
        Self {
            id: self.id,
            stage: self.stage.clone(),
            reference_id: self.reference_id.clone(),
            name: self.name.clone(),
            expiry_time: self.expiry_time,
            reached: self.reached,
            sentences: self.sentences.clone(),
            audience: self.audience.clone(),
            timestamp: self.timestamp,
            accepted_at: self.accepted_at,
            update: self.update,
            body: None,
            body_bytes: self.body_bytes,
            body_sha256: self.body_sha256.clone(),
        }
    }
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
    /// Set when the locale's language is not the templates' (English): says that
    /// Alexa's own wording in that locale is not known ([`crate::preview::wording_note`]).
    pub note: Option<String>,
}

/// A request to an events endpoint that was answered with an error, as listed
/// by `GET /emulator/refused`. The body itself is not kept: only what names the
/// event, each cut to [`MAX_SUMMARY_CHARS`] characters; the message is cut to
/// [`MAX_MESSAGE_BYTES`], each violation's path and message to [`MAX_TEXT_BYTES`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct RefusedEvent {
    /// Its place among the emulator's accepted and refused events (from 1, in
    /// order): `?after=ID` lists those after it.
    pub id: u64,
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
    /// The newest accepted events, oldest first.
    events: Log<AcceptedEvent>,
    /// Events accepted since the start (including those forgotten).
    accepted_total: u64,
    /// The newest refusals, oldest first.
    refused: Log<RefusedEvent>,
    /// The id of the newest accepted or refused event (the page polls it).
    version: u64,
    /// Latest timestamp per (stage, referenceId, user), by digest.
    latest: Latest,
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
                events: Log::new(MAX_ACCEPTED, MAX_ACCEPTED_BYTES),
                accepted_total: 0,
                refused: Log::new(MAX_REFUSED, MAX_REFUSED_BYTES),
                version: 0,
                latest: Latest::default(),
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

    /// The accepted events kept with an id after `after`, oldest first, at most `limit`.
    pub(crate) fn events(&self, after: u64, limit: usize) -> Vec<AcceptedEvent> {
        self.lock().events.after(after, limit, |e| e.id)
    }

    /// The refusals kept with an id after `after`, oldest first, at most `limit`.
    pub(crate) fn refused(&self, after: u64, limit: usize) -> Vec<RefusedEvent> {
        self.lock().refused.after(after, limit, |e| e.id)
    }

    /// The page's view: the id of the newest event, and of each list the newest
    /// `limit` events with an id after `after`, newest first, without bodies.
    pub(crate) fn feed(&self, after: u64, limit: usize) -> Feed {
        let state = self.lock();
        Feed {
            version: state.version,
            accepted_total: state.accepted_total,
            refused_total: state.stats.refused,
            accepted: state
                .events
                .newest(after, limit, |e| e.id)
                .map(AcceptedEvent::card)
                .collect(),
            refused: state
                .refused
                .newest(after, limit, |e| e.id)
                .cloned()
                .collect(),
            accepted_kept: state.events.items.len(),
            refused_kept: state.refused.items.len(),
        }
    }

    /// Remembers a refusal, its texts cut ([`MAX_MESSAGE_BYTES`],
    /// [`MAX_TEXT_BYTES`]); the oldest are forgotten beyond [`MAX_REFUSED`] or
    /// [`MAX_REFUSED_BYTES`].
    pub(crate) fn refuse(&self, mut refused: RefusedEvent) {
        refused.message = cut(&refused.message, MAX_MESSAGE_BYTES);
        for v in &mut refused.violations {
            v.rule = cut(&v.rule, MAX_TEXT_BYTES);
            v.path = cut(&v.path, MAX_TEXT_BYTES);
            v.message = cut(&v.message, MAX_TEXT_BYTES);
        }
        let mut state = self.lock();
        state.stats.refused += 1;
        state.version += 1;
        refused.id = state.version;
        state.refused.push(refused);
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
        let key = Latest::key(stage, &checked.reference_id, checked.user.as_deref());
        let mut state = self.lock();
        let update = match state.latest.get(&key) {
            Some(seen) if checked.timestamp <= seen => return false,
            Some(_) => true,
            None => false,
        };
        state.latest.insert(key, checked.timestamp);
        state.version += 1;
        state.accepted_total += 1;
        let id = state.version;
        state.events.push(AcceptedEvent {
            id,
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
            body_bytes: checked.body_bytes,
            body_sha256: checked.body_sha256,
        });
        true
    }
}

/// The newest entries, oldest first, within a count and a byte budget: each
/// entry's size is what it takes in a JSON answer ([`wire_bytes`]).
#[derive(Debug)]
struct Log<T> {
    items: VecDeque<(T, usize)>,
    bytes: usize,
    max_items: usize,
    max_bytes: usize,
}

impl<T: Serialize + Clone> Log<T> {
    fn new(max_items: usize, max_bytes: usize) -> Self {
        Self {
            items: VecDeque::new(),
            bytes: 0,
            max_items,
            max_bytes,
        }
    }

    /// Adds `item`; forgets the oldest until both bounds hold (the newest stays:
    /// every entry is far smaller than a budget).
    fn push(&mut self, item: T) {
        let size = wire_bytes(&item);
        self.items.push_back((item, size));
        self.bytes += size;
        while self.items.len() > self.max_items
            || (self.bytes > self.max_bytes && self.items.len() > 1)
        {
            if let Some((_, size)) = self.items.pop_front() {
                self.bytes -= size;
            }
        }
    }

    /// Entries with an id after `after`, oldest first, at most `limit`.
    fn after(&self, after: u64, limit: usize, id: impl Fn(&T) -> u64) -> Vec<T> {
        // Ids grow along the log: skip the older ones without cloning them.
        let start = self.items.partition_point(|(item, _)| id(item) <= after);
        self.items
            .range(start..)
            .take(limit)
            .map(|(item, _)| item.clone())
            .collect()
    }

    /// The newest `limit` entries with an id after `after`, newest first.
    fn newest(&self, after: u64, limit: usize, id: impl Fn(&T) -> u64) -> impl Iterator<Item = &T> {
        self.items
            .iter()
            .rev()
            .map(|(item, _)| item)
            .take_while(move |item| id(item) > after)
            .take(limit)
    }
}

/// How many bytes `value` takes in an answer of the emulator: its JSON, with
/// `<`, `>` and `&` written as six-byte escapes (see `routes::safe_json`).
pub(crate) fn wire_bytes<T: Serialize>(value: &T) -> usize {
    let json = serde_json::to_vec(value).unwrap_or_default();
    json.len()
        + 5 * json
            .iter()
            .filter(|b| matches!(b, b'<' | b'>' | b'&'))
            .count()
}

/// The latest timestamp per (stage, referenceId, user), keyed by a SHA-256
/// digest (a user id may be as long as a body), for the newest
/// [`MAX_REMEMBERED_KEYS`] keys.
#[derive(Debug, Default)]
struct Latest {
    timestamps: HashMap<[u8; 32], DateTime>,
    /// Keys in the order they were first seen.
    order: VecDeque<[u8; 32]>,
}

impl Latest {
    fn key(stage: &str, reference_id: &str, user: Option<&str>) -> [u8; 32] {
        let mut context = ring::digest::Context::new(&ring::digest::SHA256);
        // Lengths first, so that no two triples give the same bytes.
        for part in [Some(stage), Some(reference_id), user] {
            match part {
                Some(text) => {
                    context.update(&(text.len() as u64 + 1).to_be_bytes());
                    context.update(text.as_bytes());
                }
                None => context.update(&0u64.to_be_bytes()),
            }
        }
        let mut key = [0u8; 32];
        key.copy_from_slice(context.finish().as_ref());
        key
    }

    fn get(&self, key: &[u8; 32]) -> Option<DateTime> {
        self.timestamps.get(key).copied()
    }

    fn insert(&mut self, key: [u8; 32], timestamp: DateTime) {
        if self.timestamps.insert(key, timestamp).is_none() {
            self.order.push_back(key);
            if self.order.len() > MAX_REMEMBERED_KEYS
                && let Some(oldest) = self.order.pop_front()
            {
                self.timestamps.remove(&oldest);
            }
        }
    }
}

/// The SHA-256 of `bytes` in lower-case hex.
pub(crate) fn sha256_hex(bytes: &[u8]) -> String {
    let digest = ring::digest::digest(&ring::digest::SHA256, bytes);
    digest.as_ref().iter().map(|b| format!("{b:02x}")).collect()
}

/// What the page polls (`GET /emulator/feed?after=ID&limit=N`).
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct Feed {
    /// The id of the newest accepted or refused event (0 before the first):
    /// the next poll's `after`.
    pub(crate) version: u64,
    /// Accepted since the start, forgotten ones included.
    pub(crate) accepted_total: u64,
    /// Refused since the start, forgotten ones included.
    pub(crate) refused_total: u64,
    /// How many accepted events are kept now.
    pub(crate) accepted_kept: usize,
    /// How many refusals are kept now.
    pub(crate) refused_kept: usize,
    /// Newest first, after `after`, at most `limit`, without bodies.
    pub(crate) accepted: Vec<AcceptedEvent>,
    /// Newest first, after `after`, at most `limit`.
    pub(crate) refused: Vec<RefusedEvent>,
}

#[cfg(test)]
mod bounds_tests {
    use super::{Latest, Log, cut, wire_bytes};

    #[test]
    fn cut_keeps_short_text_and_cuts_long_text_on_a_char_boundary() {
        assert_eq!(cut("short", 10), "short");
        assert_eq!(cut("0123456789", 10), "0123456789");
        assert_eq!(cut("0123456789x", 10), "0123456789… [cut from 11 bytes]");
        // 'é' is two bytes: 3 bytes of "ééé" end inside the second one.
        assert_eq!(cut("ééé", 3), "é… [cut from 6 bytes]");
        assert_eq!(cut("€€", 2), "… [cut from 6 bytes]");
    }

    #[test]
    fn a_log_forgets_the_oldest_beyond_its_count_or_its_bytes() {
        let mut by_count = Log::new(3, usize::MAX);
        for i in 0..10u64 {
            by_count.push(i);
        }
        assert_eq!(by_count.after(0, usize::MAX, |i| *i), [7, 8, 9]);
        assert_eq!(by_count.after(7, 1, |i| *i), [8]);
        let newest: Vec<u64> = by_count.newest(7, 5, |i| *i).copied().collect();
        assert_eq!(newest, [9, 8]);

        // Each string takes its JSON length, escapes counted: "<<" is 14 bytes.
        assert_eq!(wire_bytes(&"<<"), 14);
        let mut by_bytes = Log::new(usize::MAX, 30);
        for s in ["<<", "ab", "<<"] {
            by_bytes.push(s.to_owned());
        }
        assert_eq!(by_bytes.after(0, 9, |_| 1).len(), 2, "14 + 4 + 14 > 30");
        assert_eq!(by_bytes.bytes, 18);
    }

    #[test]
    fn duplicates_are_told_by_digest_and_the_oldest_keys_are_forgotten() {
        let mut latest = Latest::default();
        let a = Latest::key("live", "r1", Some("u"));
        assert_ne!(a, Latest::key("live", "r1", None));
        assert_ne!(a, Latest::key("live", "r1u", None));
        assert_ne!(a, Latest::key("development", "r1", Some("u")));
        let t = crate::DateTime::UNIX_EPOCH;
        latest.insert(a, t);
        assert_eq!(latest.get(&a), Some(t));
        for i in 0..super::MAX_REMEMBERED_KEYS {
            latest.insert(Latest::key("live", &i.to_string(), None), t);
        }
        assert_eq!(latest.get(&a), None, "the oldest key was forgotten");
        assert_eq!(latest.timestamps.len(), super::MAX_REMEMBERED_KEYS);
        assert_eq!(latest.order.len(), super::MAX_REMEMBERED_KEYS);
    }
}
