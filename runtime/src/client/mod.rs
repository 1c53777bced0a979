//! Sending proactive events (feature `client`): LWA tokens cached and shared,
//! Amazon's regional endpoints, validation before sending, typed outcomes,
//! retries with backoff honouring `Retry-After`, a client-side rate limiter,
//! and bulk sending with a resumable journal.
//!
//! The README's "Sending events" section shows the client end to end.

mod bulk;
mod endpoint;
mod journal;
mod outcome;
mod retry;
mod secret;
mod token;

pub use bulk::{BulkItem, BulkOptions, Interrupted, ItemReport, ItemStatus, Progress, Summary};
pub use endpoint::{Region, Stage, TOKEN_URL, UnknownRegion, UnknownStage, events_url};
pub use journal::{DEFAULT_MAX_JOURNAL_BYTES, Journal, JournalError, JournalRecord};
pub(crate) use outcome::one_line;
pub use outcome::{
    ApiError, AudienceKind, Delivered, ErrorCode, MAX_LISTED_VIOLATIONS, Outcome, Rejection,
    SendError,
};
pub use retry::RetryPolicy;
pub use secret::{CLIENT_ID_VAR, CLIENT_SECRET_VAR, Credentials, MissingCredentials, Secret};
pub use token::{MAX_TOKEN_LIFETIME, SCOPE, TokenError, TokenErrorKind, TokenResponse};

use crate::redact::Redactor;
use crate::validate::{self, Options, Report, Rule, Violation};
use crate::{Audience, EventSet, ProactiveEventRequest};
use governor::{DefaultDirectRateLimiter, Quota, RateLimiter};
use reqwest::header::{CONTENT_TYPE, HeaderMap, HeaderValue, RETRY_AFTER};
use retry::{Retrier, parse_retry_after};
use std::fmt;
use std::num::NonZeroU32;
use std::sync::Arc;
use std::time::{Duration, Instant};
use token::{CachedToken, OAuthError};

/// Amazon's documented limit per skill (decision D15).
pub const DEFAULT_RATE_PER_SECOND: u32 = 25;

/// Amazon's SDK refreshes a token this long before it expires (decision D17).
pub const DEFAULT_REFRESH_MARGIN: Duration = Duration::from_secs(60);

/// The request id header of Amazon's answers.
pub const REQUEST_ID_HEADER: &str = "x-amzn-requestid";

/// After a token request fails (retries used up, or refused), sends fail at
/// once with its error for this long before one request tries again.
pub const DEFAULT_TOKEN_COOLDOWN: Duration = Duration::from_secs(30);

/// Error bodies longer than this are cut in errors and journals.
pub(crate) const MAX_BODY_CHARS: usize = 2000;

/// The most bytes read of a response body (token or events endpoint); the
/// rest is not read, so an endless answer costs neither memory nor time.
const MAX_RESPONSE_BYTES: usize = 64 * 1024;

/// Header values (a request id) and OAuth error codes longer than this are cut.
const MAX_HEADER_CHARS: usize = 200;

/// Sends events. Cheap to clone; clones share the token cache and the rate limiter.
#[derive(Clone)]
pub struct Client {
    inner: Arc<Inner>,
}

struct Inner {
    http: reqwest::Client,
    credentials: Credentials,
    events_url: String,
    token_url: String,
    stage: Stage,
    region: Region,
    /// Where events go, as the journal records it (see [`Client::destination`]).
    destination: String,
    /// Knows the client secret (and passwords in the URLs); every server text
    /// passes through it before it is stored, logged or shown.
    redactor: Redactor,
    rate: Option<NonZeroU32>,
    limiter: Option<DefaultDirectRateLimiter>,
    /// Waiters for the limiter queue here (a fair lock), one at a time: a herd
    /// of concurrent waiters polling governor misses slots and undershoots.
    limiter_queue: tokio::sync::Mutex<()>,
    retry: RetryPolicy,
    refresh_margin: Duration,
    token_cooldown: Duration,
    /// One lock for the token: callers queue on it while one request runs, so
    /// all share that request's outcome (single flight).
    token: tokio::sync::Mutex<TokenSlot>,
}

/// The shared token, or the error that opened the circuit.
enum TokenSlot {
    Empty,
    Ready(CachedToken),
    /// The last request failed: until `retry_at` (`None`: for good), every
    /// caller gets this error at once instead of a request of its own.
    Failed {
        error: TokenError,
        retry_at: Option<Instant>,
    },
}

impl fmt::Debug for Client {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let i = &self.inner;
        f.debug_struct("Client")
            .field("client_id", &i.credentials.client_id)
            .field("client_secret", &i.credentials.client_secret)
            .field("events_url", &i.redactor.redact(&i.events_url))
            .field("token_url", &i.redactor.redact(&i.token_url))
            .field("rate_per_second", &i.rate)
            .field("retry", &i.retry)
            .finish_non_exhaustive()
    }
}

/// Configures a [`Client`]; see [`Client::builder`].
#[derive(Debug, Clone)]
#[must_use]
pub struct ClientBuilder {
    credentials: Credentials,
    region: Region,
    stage: Stage,
    api_base: Option<String>,
    token_url: Option<String>,
    rate: Option<NonZeroU32>,
    retry: RetryPolicy,
    refresh_margin: Duration,
    token_cooldown: Duration,
    request_timeout: Duration,
    /// PEM texts of extra trusted certificates.
    root_certificates: Vec<Vec<u8>>,
}

impl ClientBuilder {
    /// Also trust the certificate(s) in this PEM text (a `-----BEGIN
    /// CERTIFICATE-----` block, or several), besides the system's roots: the
    /// certificate `proactive-events emulate --tls --tls-cert PATH` writes, or
    /// a company proxy's. Checked by [`ClientBuilder::build`].
    pub fn add_root_certificate(mut self, pem: impl AsRef<[u8]>) -> Self {
        self.root_certificates.push(pem.as_ref().to_vec());
        self
    }

    /// Another API base (an emulator, a proxy): `http://127.0.0.1:8080`. The
    /// stage's path is appended.
    pub fn api_base(mut self, url: impl Into<String>) -> Self {
        self.api_base = Some(url.into());
        self
    }

    /// Another token endpoint (full URL).
    pub fn token_url(mut self, url: impl Into<String>) -> Self {
        self.token_url = Some(url.into());
        self
    }

    /// Requests per second for all sends of this client (and its clones);
    /// default 25. `0` turns the limiter off.
    pub fn rate_limit(mut self, per_second: u32) -> Self {
        self.rate = NonZeroU32::new(per_second);
        self
    }

    /// How failed requests are retried (default [`RetryPolicy::default`]).
    pub fn retry(mut self, policy: RetryPolicy) -> Self {
        self.retry = policy;
        self
    }

    /// How long before expiry a token is replaced (default 60 s; at most half
    /// the token's lifetime).
    pub fn refresh_margin(mut self, margin: Duration) -> Self {
        self.refresh_margin = margin;
        self
    }

    /// After a token request fails (its retries used up, or refused), how long
    /// every send fails at once with the same error before one request tries
    /// again (default 30 s). A dead token endpoint then costs one retry budget,
    /// not one per event.
    pub fn token_cooldown(mut self, cooldown: Duration) -> Self {
        self.token_cooldown = cooldown;
        self
    }

    /// Timeout of one HTTP request (default 30 s).
    pub fn request_timeout(mut self, timeout: Duration) -> Self {
        self.request_timeout = timeout;
        self
    }

    /// The client; fails on a URL that is not `http(s)://host…` or when the HTTP
    /// client cannot be set up. Uses ring for TLS unless the application installed
    /// a crypto provider.
    pub fn build(self) -> Result<Client, ClientBuildError> {
        // reqwest is built without a default crypto provider (no aws-lc, no
        // OpenSSL); use ring unless the application installed one.
        crate::ring_provider::install_unless_installed();
        let mut roots = Vec::new();
        for (i, pem) in self.root_certificates.iter().enumerate() {
            let certificates = reqwest::Certificate::from_pem_bundle(pem).map_err(|e| {
                ClientBuildError::Certificate(format!("root certificate {}: {e}", i + 1))
            })?;
            if certificates.is_empty() {
                return Err(ClientBuildError::Certificate(format!(
                    "root certificate {}: no PEM `CERTIFICATE` block found",
                    i + 1
                )));
            }
            roots.extend(certificates);
        }
        let http = reqwest::Client::builder()
            .tls_certs_merge(roots)
            .timeout(self.request_timeout)
            // Amazon's endpoints do not redirect; a redirected POST would
            // turn into a GET elsewhere. A 3xx is reported as it is.
            .redirect(reqwest::redirect::Policy::none())
            .user_agent(concat!(
                "alexa-proactive-events/",
                env!("CARGO_PKG_VERSION")
            ))
            .build()
            .map_err(ClientBuildError::Http)?;
        let base = self
            .api_base
            .unwrap_or_else(|| self.region.api_base().to_owned());
        let mut redactor = Redactor::new().secret(self.credentials.client_secret.expose());
        let mut check = |url: &str| match reqwest::Url::parse(url) {
            Ok(parsed) if matches!(parsed.scheme(), "http" | "https") && parsed.has_host() => {
                // A password in a URL is a secret too (reqwest errors quote URLs).
                if let Some(password) = parsed.password() {
                    redactor.add_secret(password);
                }
                Ok(parsed)
            }
            _ => Err(ClientBuildError::Url(
                crate::redact::redact(url).into_owned(),
            )),
        };
        check(&base)?;
        let token_url = self.token_url.unwrap_or_else(|| TOKEN_URL.to_owned());
        check(&token_url)?;
        let events_url = events_url(&base, self.stage);
        let destination = destination(self.stage, self.region, &check(&events_url)?);
        // Burst 2: one cell of slack absorbs timer lateness (with burst 1 every
        // late wake-up is lost and the rate undershoots by ~10%); any window
        // holds at most one request above the rate.
        let limiter = self.rate.map(|rate| {
            let period = Duration::from_secs(1) / rate.get();
            RateLimiter::direct(
                Quota::with_period(period.max(Duration::from_nanos(1)))
                    .unwrap_or_else(|| Quota::per_second(rate))
                    .allow_burst(NonZeroU32::MIN.saturating_add(1)),
            )
        });
        Ok(Client {
            inner: Arc::new(Inner {
                http,
                credentials: self.credentials,
                events_url,
                token_url,
                stage: self.stage,
                region: self.region,
                destination,
                redactor,
                rate: self.rate,
                limiter,
                limiter_queue: tokio::sync::Mutex::new(()),
                retry: self.retry,
                refresh_margin: self.refresh_margin,
                token_cooldown: self.token_cooldown,
                token: tokio::sync::Mutex::new(TokenSlot::Empty),
            }),
        })
    }
}

/// The client could not be configured.
#[derive(Debug)]
#[non_exhaustive]
pub enum ClientBuildError {
    /// The HTTP client could not be created (its error is the [`source`](std::error::Error::source)).
    Http(reqwest::Error),
    /// The API base, token or events URL is not an http(s) URL with a host
    /// (the URL, with any secret in it redacted).
    Url(String),
    /// A certificate given to [`ClientBuilder::add_root_certificate`] cannot
    /// be read (which one, and why).
    Certificate(String),
}

impl fmt::Display for ClientBuildError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Http(e) => write!(f, "cannot build the client: {e}"),
            Self::Url(url) => write!(f, "cannot build the client: `{url}` is not an http(s) URL"),
            Self::Certificate(why) => write!(f, "cannot build the client: {why}"),
        }
    }
}

impl std::error::Error for ClientBuildError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Self::Http(e) => Some(e),
            Self::Url(_) | Self::Certificate(_) => None,
        }
    }
}

impl Client {
    /// A client with the defaults: Amazon's URLs for `region` and `stage`, 25
    /// requests per second, [`RetryPolicy::default`].
    pub fn new(
        credentials: Credentials,
        region: Region,
        stage: Stage,
    ) -> Result<Self, ClientBuildError> {
        Self::builder(credentials, region, stage).build()
    }

    /// A builder for a client with other URLs, rate limit, retries or timeouts.
    pub fn builder(credentials: Credentials, region: Region, stage: Stage) -> ClientBuilder {
        ClientBuilder {
            credentials,
            region,
            stage,
            api_base: None,
            token_url: None,
            rate: NonZeroU32::new(DEFAULT_RATE_PER_SECOND),
            retry: RetryPolicy::default(),
            refresh_margin: DEFAULT_REFRESH_MARGIN,
            token_cooldown: DEFAULT_TOKEN_COOLDOWN,
            request_timeout: Duration::from_secs(30),
            root_certificates: Vec::new(),
        }
    }

    /// Where events go.
    pub fn events_url(&self) -> &str {
        &self.inner.events_url
    }

    /// The stage events go to.
    pub fn stage(&self) -> Stage {
        self.inner.stage
    }

    /// The region the client was built for.
    pub fn region(&self) -> Region {
        self.inner.region
    }

    /// Where events go: the stage, the region and the events URL (scheme and
    /// host lower-cased, no password), e.g. `live NA
    /// https://api.amazonalexa.com/v1/proactiveEvents`. A journal keys its
    /// records by it, so a journal of a development run never skips an event
    /// of a live run, nor one of the emulator an event for Amazon.
    pub fn destination(&self) -> &str {
        &self.inner.destination
    }

    /// The redactor this client applies to every text from a server: the
    /// client secret in any encoding, and every credential shape. Callers that
    /// print or store such text (a command line) use it too.
    pub fn redactor(&self) -> &Redactor {
        &self.inner.redactor
    }

    /// Asks the token endpoint for a new token, bypassing the cache and the
    /// circuit (Jovo's `sendAuthRequest`). Retries 429, 5xx and transport
    /// errors, honouring `Retry-After`, within the [`RetryPolicy`].
    pub async fn token_response(&self) -> Result<TokenResponse, TokenError> {
        let inner = &self.inner;
        let secret = &inner.credentials.client_secret;
        let form = [
            ("grant_type", "client_credentials"),
            ("client_id", inner.credentials.client_id.as_str()),
            ("client_secret", secret.expose()),
            ("scope", SCOPE),
        ];
        let redact = |text: &str| truncate(&inner.redactor.redact(text), MAX_BODY_CHARS);
        let mut retrier = Retrier::new(&inner.retry);
        let mut attempts = 0;
        loop {
            attempts += 1;
            let answer = match inner.http.post(&inner.token_url).form(&form).send().await {
                Ok(response) => {
                    let status = response.status().as_u16();
                    let retry_after = retry_after(response.headers());
                    read_capped(response)
                        .await
                        .map(|body| (status, retry_after, body))
                }
                Err(e) => Err(e),
            };
            let (status, retry_after, body) = match answer {
                Ok(answer) => answer,
                Err(e) => {
                    let message = redact(&describe(&e));
                    if is_certificate_error(&e) {
                        return Err(TokenError::Certificate { message });
                    }
                    match retrier.next_wait(None) {
                        Some(wait) => {
                            tracing::warn!(attempt = attempts, error = %message, ?wait, "token endpoint unreachable; retrying");
                            tokio::time::sleep(wait).await;
                            continue;
                        }
                        None => return Err(TokenError::Transport { message, attempts }),
                    }
                }
            };
            if status == 200 {
                tracing::debug!(attempt = attempts, "access token obtained");
                let response = serde_json::from_slice::<TokenResponse>(&body)
                    .map_err(|e| TokenError::InvalidResponse(redact(&e.to_string())))?;
                // A token that cannot go into a header would fail every send
                // (and each one's retries): refuse it here, once.
                let token = response.access_token.expose();
                if token.is_empty() || HeaderValue::from_str(&format!("Bearer {token}")).is_err() {
                    return Err(TokenError::InvalidResponse(
                        "the access token is empty or not a valid header value".to_owned(),
                    ));
                }
                return Ok(response);
            }
            if matches!(status, 429 | 500 | 503)
                && let Some(wait) = retrier.next_wait(retry_after)
            {
                tracing::warn!(
                    attempt = attempts,
                    status,
                    ?wait,
                    "token endpoint busy; retrying"
                );
                tokio::time::sleep(wait).await;
                continue;
            }
            return Err(match serde_json::from_slice::<OAuthError>(&body) {
                Ok(oauth) => TokenError::Refused {
                    kind: TokenErrorKind::from_code(&truncate(
                        &inner.redactor.redact(&oauth.error),
                        MAX_HEADER_CHARS,
                    )),
                    status,
                    description: oauth.error_description.map(|d| redact(&d)),
                },
                Err(_) => TokenError::Http {
                    status,
                    body: redact(&String::from_utf8_lossy(&body)),
                    attempts,
                },
            });
        }
    }

    /// The cached token, fetched when missing or about to expire (Jovo's
    /// `getAccessToken`). Concurrent callers wait for one request and share
    /// its outcome. When it fails, the circuit opens: for the token cooldown
    /// (default 30 s) every caller gets the same error at once, so a dead
    /// token endpoint costs one retry budget, not one per event.
    pub async fn access_token(&self) -> Result<Secret, TokenError> {
        let mut slot = self.inner.token.lock().await;
        let now = Instant::now();
        match &*slot {
            TokenSlot::Ready(cached) if now < cached.refresh_at => {
                return Ok(cached.token.clone());
            }
            TokenSlot::Failed { error, retry_at } if retry_at.is_none_or(|at| now < at) => {
                return Err(error.clone());
            }
            _ => {}
        }
        match self.token_response().await {
            Ok(response) => {
                *slot = TokenSlot::Ready(CachedToken::new(
                    response.access_token.clone(),
                    response.expires_in,
                    self.inner.refresh_margin,
                    Instant::now(),
                ));
                Ok(response.access_token)
            }
            Err(error) => {
                tracing::warn!(error = %error, cooldown = ?self.inner.token_cooldown, "no access token; failing sends at once until the cooldown ends");
                *slot = TokenSlot::Failed {
                    error: error.clone(),
                    retry_at: Instant::now().checked_add(self.inner.token_cooldown),
                };
                Err(error)
            }
        }
    }

    /// Drops `token` from the cache (unless another send already replaced it).
    async fn forget_token(&self, token: &Secret) {
        let mut slot = self.inner.token.lock().await;
        if matches!(&*slot, TokenSlot::Ready(c) if &c.token == token) {
            *slot = TokenSlot::Empty;
        }
    }

    /// Validates and sends one event.
    pub async fn send<E: EventSet>(
        &self,
        request: &ProactiveEventRequest<E>,
    ) -> Result<Outcome, SendError> {
        self.send_detailed(request).await.map(|d| d.outcome)
    }

    /// [`Client::send`] with the request id and the number of attempts.
    pub async fn send_detailed<E: EventSet>(
        &self,
        request: &ProactiveEventRequest<E>,
    ) -> Result<Delivered, SendError> {
        let options = Options {
            now: Some(crate::DateTime::now()),
        };
        let report = validate::validate_with(request, &options);
        if !report.is_valid() {
            return Err(SendError::Invalid(report));
        }
        let body = serde_json::to_vec(request).map_err(|e| {
            SendError::Invalid(Report {
                violations: vec![Violation::error(Rule::Structure, "", e.to_string())],
            })
        })?;
        let audience = match request.relevant_audience {
            Audience::Unicast(_) => AudienceKind::Unicast,
            Audience::Multicast(_) => AudienceKind::Multicast,
        };
        self.post(body, audience, request.reference_id.as_str())
            .await
    }

    /// Parses, validates and sends a JSON body (as read from a file) of the
    /// event set `E`: `client.send_json::<Event>(bytes)`.
    pub async fn send_json<E: EventSet>(&self, body: &[u8]) -> Result<Delivered, SendError> {
        let options = Options {
            now: Some(crate::DateTime::now()),
        };
        match validate::parse::<E>(body, &options) {
            (Some(request), report) if report.is_valid() => self.send_detailed(&request).await,
            (_, report) => Err(SendError::Invalid(report)),
        }
    }

    async fn post(
        &self,
        body: Vec<u8>,
        audience: AudienceKind,
        reference_id: &str,
    ) -> Result<Delivered, SendError> {
        let inner = &self.inner;
        let mut retrier = Retrier::new(&inner.retry);
        let mut attempts = 0;
        let mut refreshed = false;
        loop {
            let token = self.access_token().await?;
            // Server text may echo the token it was sent: hide it too. Only
            // error paths redact, so the clone costs nothing on success.
            let redact = |text: &str| {
                let redactor = inner.redactor.clone().secret(token.expose());
                truncate(&redactor.redact(text), MAX_BODY_CHARS)
            };
            if let Some(limiter) = &inner.limiter {
                let _turn = inner.limiter_queue.lock().await;
                limiter.until_ready().await;
            }
            attempts += 1;
            let sent = inner
                .http
                .post(&inner.events_url)
                .bearer_auth(token.expose())
                .header(CONTENT_TYPE, "application/json")
                .body(body.clone())
                .send()
                .await;
            let response = match sent {
                Ok(response) => response,
                Err(e) => {
                    let message = redact(&describe(&e));
                    if is_certificate_error(&e) {
                        return Err(SendError::Certificate { message });
                    }
                    match retrier.next_wait(None) {
                        Some(wait) => {
                            tracing::debug!(reference_id, attempt = attempts, error = %message, ?wait, "transport error; retrying");
                            tokio::time::sleep(wait).await;
                            continue;
                        }
                        None => return Err(SendError::Transport { message, attempts }),
                    }
                }
            };
            let status = response.status().as_u16();
            let request_id = response
                .headers()
                .get(REQUEST_ID_HEADER)
                .and_then(|v| v.to_str().ok())
                .map(|id| truncate(&redact(id), MAX_HEADER_CHARS));
            let retry_after = retry_after(response.headers());
            // Read the body in every case so the connection is reused.
            let body = match read_capped(response).await {
                Ok(body) => body,
                Err(e) => {
                    // The status arrived; a cut body only matters for errors.
                    tracing::debug!(reference_id, error = %redact(&describe(&e)), "response body cut");
                    Vec::new()
                }
            };
            let delivered = |outcome| Delivered {
                outcome,
                request_id: request_id.clone(),
                attempts,
            };
            match status {
                200..=299 => return Ok(delivered(Outcome::Accepted)),
                409 => return Ok(delivered(Outcome::AlreadyAccepted)),
                // Possibly a token revoked or expired early: one fresh token, one retry.
                403 if !refreshed => {
                    refreshed = true;
                    tracing::debug!(reference_id, "403; refreshing the access token once");
                    self.forget_token(&token).await;
                    continue;
                }
                429 | 500 | 503 => {
                    if let Some(wait) = retrier.next_wait(retry_after) {
                        tracing::debug!(
                            reference_id,
                            status,
                            attempt = attempts,
                            ?wait,
                            "retrying"
                        );
                        tokio::time::sleep(wait).await;
                        continue;
                    }
                }
                _ => {}
            }
            let rejection = Rejection {
                status,
                body: redact(&String::from_utf8_lossy(&body)),
                request_id,
                attempts,
                audience,
            };
            tracing::debug!(reference_id, status, attempts, "event not delivered");
            return Err(SendError::Rejected(rejection));
        }
    }
}

fn retry_after(headers: &HeaderMap) -> Option<Duration> {
    let value = headers.get(RETRY_AFTER)?.to_str().ok()?;
    parse_retry_after(value, crate::DateTime::now())
}

/// A transport error with its causes (reqwest's top line alone says little).
fn describe(e: &reqwest::Error) -> String {
    let mut out = e.to_string();
    let mut source = std::error::Error::source(e);
    while let Some(s) = source {
        out.push_str(": ");
        out.push_str(&s.to_string());
        source = s.source();
    }
    out
}

/// Whether the request failed because the server's TLS certificate was
/// refused: a setup problem (an authority not trusted, another name, expired)
/// that no retry mends, unlike a refused or reset connection. rustls' error
/// sits in `io::Error`s (one in another) in reqwest's chain, and
/// `io::Error::source` skips the error it wraps: each is opened with `get_ref`.
fn is_certificate_error(e: &reqwest::Error) -> bool {
    let mut next: Option<&(dyn std::error::Error + 'static)> = Some(e);
    while let Some(error) = next {
        if let Some(rustls::Error::InvalidCertificate(_)) = error.downcast_ref::<rustls::Error>() {
            return true;
        }
        next = match error
            .downcast_ref::<std::io::Error>()
            .and_then(std::io::Error::get_ref)
        {
            Some(inner) => Some(inner),
            None => error.source(),
        };
    }
    false
}

/// `text` cut to `max` characters (an ellipsis marks the cut). Cut after
/// redaction, so that a secret straddling the cut is hidden whole.
pub(crate) fn truncate(text: &str, max: usize) -> String {
    match text.char_indices().nth(max) {
        Some((at, _)) => format!("{}…", &text[..at]),
        None => text.to_owned(),
    }
}

/// At most [`MAX_RESPONSE_BYTES`] of a response body; the rest is left unread.
async fn read_capped(mut response: reqwest::Response) -> Result<Vec<u8>, reqwest::Error> {
    let mut body = Vec::new();
    while let Some(chunk) = response.chunk().await? {
        let room = MAX_RESPONSE_BYTES - body.len();
        body.extend_from_slice(&chunk[..chunk.len().min(room)]);
        if body.len() == MAX_RESPONSE_BYTES {
            break;
        }
    }
    Ok(body)
}

/// The journal's name for where events go: `stage region url`, the URL
/// normalized by its parser and without a password.
fn destination(stage: Stage, region: Region, events_url: &reqwest::Url) -> String {
    let mut url = events_url.clone();
    // Err only for URLs that cannot have a password, which then has none.
    let _ = url.set_password(None);
    format!("{stage} {region} {url}")
}
