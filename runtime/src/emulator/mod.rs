//! A local emulator of Amazon's LWA token endpoint and both Proactive Events
//! endpoints (feature `emulator`), for tests and demos without a certified skill.
//!
//! It validates bodies with this crate's validator, applies decision D14
//! (updates replace, duplicates answer 409), enforces a rate limit (429 with
//! `Retry-After`), injects seeded faults, and lists what it accepted at
//! `GET /emulator/events`.
//!
//! It holds up under hostile clients: access tokens are 32 bytes from the
//! operating system's random generator (never from the fault seed) and are
//! valid only at the emulator that issued them, for the client id they were
//! issued to; every connection has a header-read timeout (also the idle
//! keep-alive timeout) and a body-read timeout; bodies have a size limit; at
//! most [`EmulatorConfig::max_connections`] connections are served at once,
//! and when all are taken a new one gets the slot of the connection idle the
//! longest (no complete request head yet, or between keep-alive requests),
//! which is closed, so idle sockets cannot keep a client out; running out of
//! file descriptors does the same, and makes the accept loop back off instead
//! of spinning; and request bodies are validated on blocking threads, so one
//! slow body cannot hold up token requests.
//! It answers only requests for itself: a `Host` of `127.0.0.1:PORT`,
//! `[::1]:PORT` or `localhost:PORT` with its own port (421 Misdirected Request
//! otherwise, against DNS rebinding), and no `Origin` but those (403).
//!
//! It speaks to Amazon's own SDKs unmodified: with [`EmulatorConfig::tls`] it
//! serves HTTPS with a certificate generated at start (trust
//! [`EmulatorHandle::ca_certificate_pem`]); error bodies of the events
//! endpoints are Amazon's model, an integer `code` (the HTTP status, decision
//! D22) and a string `message`; the token endpoint answers errors as OAuth 2.0
//! does (RFC 6749 §5.2: `error`, `error_description`; 400, or 401 for
//! `invalid_client`). No event is accepted, and no scripted or injected answer
//! given, without a valid, unexpired token for the `alexa::proactive_events`
//! scope that this emulator issued for the credentials it accepts now.
//!
//! Given a subscriptions ledger ([`EmulatorConfig::subscriptions`], decision
//! D24), a Unicast to a user who is not subscribed to the event is refused
//! with 403 (decision D23) and a Multicast reaches only subscribers;
//! `GET /emulator/events` says how many users each event reached.
//!
//! `GET /` is a page listing the accepted events (with the sentence Alexa
//! would say in each locale, from [`mod@crate::preview`]) and the refused ones
//! (with their rule ids), newest first, live. `GET /emulator/refused` lists
//! the refusals as JSON.
//!
//! What it keeps is bounded in count and in bytes: the newest [`MAX_ACCEPTED`]
//! accepted events within [`MAX_ACCEPTED_BYTES`], the newest [`MAX_REFUSED`]
//! refusals within [`MAX_REFUSED_BYTES`]; a body over [`MAX_KEPT_BODY_BYTES`]
//! as its size and SHA-256 only; every other text cut ([`cut`]) at
//! [`MAX_TEXT_BYTES`] ([`MAX_MESSAGE_BYTES`] for a refusal's message). The
//! listings take `?after=ID&limit=N`; the page's feed carries only what is new.
//!
//! `Emulator::<E>::start(EmulatorConfig::default())` (the facade crate names
//! `Emulator` with its event set) binds 127.0.0.1 on a free port.

mod loopback;
mod page;
mod routes;
mod state;
mod subscribers;
#[cfg(test)]
mod tests;
mod tls;

pub use routes::MAX_FEED_LIMIT;
pub use state::{
    AcceptedEvent, MAX_ACCEPTED, MAX_ACCEPTED_BYTES, MAX_KEPT_BODY_BYTES, MAX_MESSAGE_BYTES,
    MAX_REFUSED, MAX_REFUSED_BYTES, MAX_REMEMBERED_KEYS, MAX_SUMMARY_CHARS, MAX_TEXT_BYTES,
    RefusedEvent, RuleBreak, Scripted, Sentence, Stats, cut,
};

use crate::server;
use crate::subscriptions::{AsyncLedger, DEFAULT_STORE_TIMEOUT};
use std::fmt;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;
use tokio::net::TcpListener;
use tokio::sync::watch;
use tokio::task::JoinHandle;

/// Faults to inject, each a fraction of event requests in 0..=1, drawn from a
/// seeded generator (repeatable for a given order of requests). The seed drives
/// faults only: access tokens always come from the operating system's random
/// generator.
#[derive(Debug, Clone, PartialEq)]
pub struct Faults {
    /// Answer 500 or 503 (half each; 503 with `Retry-After: 0`).
    pub server_error_rate: f64,
    /// Answer 429 with `Retry-After: throttle_retry_after`.
    pub throttle_rate: f64,
    /// Close the connection without an answer; half of these after the event
    /// was accepted (the sender's retry then meets a 409).
    pub drop_rate: f64,
    /// Retry-After (seconds) of injected 429s.
    pub throttle_retry_after: u64,
    /// Up to this much added latency per event request (uniform).
    pub max_latency: Duration,
    /// Fraction of issued tokens that stop working after `early_expiry`
    /// although `expires_in` promises more.
    pub early_expiry_rate: f64,
    /// How long those tokens work.
    pub early_expiry: Duration,
    /// Seeds the fault generator: the same seed injects the same faults.
    pub seed: u64,
}

impl Default for Faults {
    fn default() -> Self {
        Self {
            server_error_rate: 0.0,
            throttle_rate: 0.0,
            drop_rate: 0.0,
            throttle_retry_after: 0,
            max_latency: Duration::ZERO,
            early_expiry_rate: 0.0,
            early_expiry: Duration::ZERO,
            seed: 0,
        }
    }
}

/// What the emulator accepts and how it misbehaves.
#[derive(Clone)]
pub struct EmulatorConfig {
    /// Default `127.0.0.1:0` (a free port). Whatever the address, requests must
    /// name a loopback host (`127.0.0.1`, `[::1]` or `localhost`) with the port
    /// listened on, or get 421 (against DNS rebinding).
    pub listen: SocketAddr,
    /// The client id the token endpoint accepts (default [`DEFAULT_CLIENT_ID`]).
    pub client_id: String,
    /// The client secret the token endpoint accepts (default [`DEFAULT_CLIENT_SECRET`]).
    pub client_secret: String,
    /// `expires_in` of issued tokens (default 3600 s), at most
    /// [`MAX_TOKEN_TTL`] (a longer one is shortened to it).
    pub token_ttl: Duration,
    /// Event requests per second before 429 (default 25, Amazon's; `None`: no limit).
    pub rate_limit: Option<u32>,
    /// Injected faults (default none).
    pub faults: Faults,
    /// Connections served at once (default [`DEFAULT_MAX_CONNECTIONS`], at
    /// least 1). When all are taken, the one idle the longest (no complete
    /// request head yet, or between keep-alive requests) is closed for a new
    /// client; a new client waits only while every connection has a request
    /// in progress.
    pub max_connections: usize,
    /// How long a connection may take to send a request's headers, counted
    /// from when the server is ready for the request: this is also how long an
    /// idle keep-alive connection stays open (default
    /// [`DEFAULT_HEADER_READ_TIMEOUT`], at most [`MAX_TIMEOUT`]). The
    /// connection is then closed.
    pub header_read_timeout: Duration,
    /// How long a request may take to send its body once its headers arrived
    /// (default [`DEFAULT_BODY_READ_TIMEOUT`], at most [`MAX_TIMEOUT`]); then
    /// the answer is 408.
    pub body_read_timeout: Duration,
    /// The largest request body accepted, in bytes (default
    /// [`DEFAULT_MAX_BODY_BYTES`]); a larger one is answered 413 unread.
    pub max_body_bytes: usize,
    /// Serve HTTPS (default `false`: plain HTTP) with a certificate for
    /// `127.0.0.1`, `::1` and `localhost`, signed by a certificate authority
    /// generated at start; clients trust [`EmulatorHandle::ca_certificate_pem`].
    pub tls: bool,
    /// Who is subscribed to which event (default `None`: every Unicast user
    /// counts as subscribed, and a Multicast reaches "every subscriber"
    /// without a number). Read for every event, so changes made while the
    /// emulator runs count at once.
    pub subscriptions: Option<Arc<dyn AsyncLedger>>,
    /// How long an event waits for the subscriptions ledger (default
    /// [`DEFAULT_STORE_TIMEOUT`]); a ledger that fails or does not answer in time
    /// gets the event a 503.
    pub store_timeout: Duration,
    /// Only this skill's subscriptions count (default `None`: any skill's in
    /// the ledger).
    pub skill_id: Option<String>,
}

impl fmt::Debug for EmulatorConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("EmulatorConfig")
            .field("listen", &self.listen)
            .field("client_id", &self.client_id)
            .field("client_secret", &"[redacted]")
            .field("token_ttl", &self.token_ttl)
            .field("rate_limit", &self.rate_limit)
            .field("faults", &self.faults)
            .field("max_connections", &self.max_connections)
            .field("header_read_timeout", &self.header_read_timeout)
            .field("body_read_timeout", &self.body_read_timeout)
            .field("max_body_bytes", &self.max_body_bytes)
            .field("tls", &self.tls)
            .field(
                "subscriptions",
                &self.subscriptions.as_ref().map(|_| "a ledger"),
            )
            .field("skill_id", &self.skill_id)
            .field("store_timeout", &self.store_timeout)
            .finish()
    }
}

/// The only scope the token endpoint grants.
pub use crate::wire::SCOPE;

/// The client id the emulator accepts by default.
pub const DEFAULT_CLIENT_ID: &str = "amzn1.application-oa2-client.emulator";
/// The client secret the emulator accepts by default.
pub const DEFAULT_CLIENT_SECRET: &str = "emulator-secret";

/// The longest token lifetime the emulator grants: 365 days. A longer
/// [`EmulatorConfig::token_ttl`] is shortened to it (Amazon's tokens last 1 h).
pub const MAX_TOKEN_TTL: Duration = Duration::from_secs(365 * 24 * 3600);

/// The longest header-read and body-read timeout: 1 day. A longer one in
/// [`EmulatorConfig`] is shortened to it.
pub const MAX_TIMEOUT: Duration = Duration::from_secs(24 * 3600);

/// Default [`EmulatorConfig::max_connections`].
pub const DEFAULT_MAX_CONNECTIONS: usize = 1024;

/// Default [`EmulatorConfig::header_read_timeout`]: 30 s.
pub const DEFAULT_HEADER_READ_TIMEOUT: Duration = Duration::from_secs(30);

/// Default [`EmulatorConfig::body_read_timeout`]: 30 s.
pub const DEFAULT_BODY_READ_TIMEOUT: Duration = Duration::from_secs(30);

/// Default [`EmulatorConfig::max_body_bytes`]: 256 KiB. A real event body is a
/// few kilobytes; Amazon publishes no limit, so this one is generous.
pub const DEFAULT_MAX_BODY_BYTES: usize = 256 * 1024;

impl Default for EmulatorConfig {
    fn default() -> Self {
        Self {
            listen: SocketAddr::from(([127, 0, 0, 1], 0)),
            client_id: DEFAULT_CLIENT_ID.to_owned(),
            client_secret: DEFAULT_CLIENT_SECRET.to_owned(),
            token_ttl: Duration::from_secs(3600),
            rate_limit: Some(25),
            faults: Faults::default(),
            max_connections: DEFAULT_MAX_CONNECTIONS,
            header_read_timeout: DEFAULT_HEADER_READ_TIMEOUT,
            body_read_timeout: DEFAULT_BODY_READ_TIMEOUT,
            max_body_bytes: DEFAULT_MAX_BODY_BYTES,
            tls: false,
            subscriptions: None,
            skill_id: None,
            store_timeout: DEFAULT_STORE_TIMEOUT,
        }
    }
}

/// Starts emulators that accept the events of `E`.
#[derive(Debug)]
pub struct Emulator<E>(std::marker::PhantomData<fn() -> E>);

impl<E: crate::EventSet> Emulator<E> {
    /// Binds `config.listen` and serves in the background until the handle is
    /// shut down or dropped.
    ///
    /// With [`EmulatorConfig::tls`], a certificate authority and a server
    /// certificate are generated first (an error says why that failed).
    pub async fn start(config: EmulatorConfig) -> std::io::Result<EmulatorHandle> {
        let tls = if config.tls {
            Some(tls::generate()?)
        } else {
            None
        };
        let listener = TcpListener::bind(config.listen).await?;
        let addr = listener.local_addr()?;
        let header_read_timeout = config.header_read_timeout.min(MAX_TIMEOUT);
        let limits = server::Limits {
            max_connections: config.max_connections.max(1),
            header_read_timeout,
            // The handshake has the header-read timeout too.
            handshake_timeout: header_read_timeout,
        };
        let shared = Arc::new(state::Shared::new(config, addr.port(), routes::check::<E>));
        let (stop, mut stopped) = watch::channel(false);
        let app = routes::router(shared.clone());
        let ca_pem = tls.as_ref().map(|t| t.ca_pem.clone());
        // Stops when asked, or when the handle (the sender) is gone.
        let stop_signal = async move {
            let _ = stopped.changed().await;
        };
        let task = tokio::spawn(server::serve(
            listener,
            tls.map(|t| t.acceptor),
            app,
            stop_signal,
            limits,
            server::Shutdown::Abort,
        ));
        Ok(EmulatorHandle {
            addr,
            ca_pem,
            shared,
            stop,
            task: Some(task),
        })
    }
}

/// A running emulator. Dropping it stops the server; [`EmulatorHandle::shutdown`]
/// also waits until it has stopped.
pub struct EmulatorHandle {
    addr: SocketAddr,
    /// The CA certificate (PEM) when serving HTTPS.
    ca_pem: Option<String>,
    shared: Arc<state::Shared>,
    stop: watch::Sender<bool>,
    task: Option<JoinHandle<()>>,
}

impl fmt::Debug for EmulatorHandle {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("EmulatorHandle")
            .field("addr", &self.addr)
            .finish_non_exhaustive()
    }
}

impl EmulatorHandle {
    /// The address the emulator listens on (`127.0.0.1:PORT` by default).
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// `http://127.0.0.1:PORT` (`https://` with [`EmulatorConfig::tls`]): the
    /// API base for a client, and the page.
    pub fn base_url(&self) -> String {
        let scheme = if self.ca_pem.is_some() {
            "https"
        } else {
            "http"
        };
        format!("{scheme}://{}", self.addr)
    }

    /// `http://127.0.0.1:PORT/auth/o2/token` (`https://` with TLS).
    pub fn token_url(&self) -> String {
        format!("{}/auth/o2/token", self.base_url())
    }

    /// With [`EmulatorConfig::tls`], the certificate (PEM) that clients trust:
    /// the authority, generated at start, that signed the server's certificate.
    pub fn ca_certificate_pem(&self) -> Option<&str> {
        self.ca_pem.as_deref()
    }

    /// The events accepted so far, in order (updates included): the newest
    /// [`MAX_ACCEPTED`], fewer when they pass [`MAX_ACCEPTED_BYTES`].
    pub fn events(&self) -> Vec<AcceptedEvent> {
        self.shared.events(0, usize::MAX)
    }

    /// The event requests answered with an error, oldest first: the newest
    /// [`MAX_REFUSED`], fewer when they pass [`MAX_REFUSED_BYTES`].
    pub fn refused(&self) -> Vec<RefusedEvent> {
        self.shared.refused(0, usize::MAX)
    }

    /// Request counts so far.
    pub fn stats(&self) -> Stats {
        self.shared.stats()
    }

    /// The next event requests get these answers, in order, before any check.
    pub fn script_events(&self, answers: impl IntoIterator<Item = Scripted>) {
        self.shared.script_events(answers);
    }

    /// The next token requests get these answers, in order, before any check.
    pub fn script_tokens(&self, answers: impl IntoIterator<Item = Scripted>) {
        self.shared.script_tokens(answers);
    }

    /// Every token issued so far stops working now (an early expiry or revocation).
    pub fn expire_tokens(&self) {
        self.shared.expire_tokens();
    }

    /// From now on the token endpoint accepts these credentials instead. Tokens
    /// issued to another client id stop working; tokens of the same client id
    /// keep working until they expire (a rotated secret).
    pub fn set_credentials(&self, client_id: impl Into<String>, client_secret: impl Into<String>) {
        self.shared
            .set_credentials(client_id.into(), client_secret.into());
    }

    /// Stops accepting, closes every connection and waits for the server task.
    pub async fn shutdown(mut self) {
        let _ = self.stop.send(true);
        if let Some(task) = self.task.take() {
            let _ = task.await;
        }
    }
}

impl Drop for EmulatorHandle {
    fn drop(&mut self) {
        let _ = self.stop.send(true);
        if let Some(task) = self.task.take() {
            task.abort();
        }
    }
}
