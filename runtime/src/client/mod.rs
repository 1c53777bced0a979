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

pub use bulk::{BulkItem, BulkOptions, ItemReport, ItemStatus, Progress, Summary};
pub use endpoint::{Region, Stage, TOKEN_URL, events_url};
pub use journal::{Journal, JournalError, JournalRecord};
pub use outcome::{AudienceKind, Delivered, Outcome, Rejection, SendError};
pub use retry::RetryPolicy;
pub use secret::{CLIENT_ID_VAR, CLIENT_SECRET_VAR, Credentials, MissingCredentials, Secret};
pub use token::{SCOPE, TokenError, TokenErrorKind, TokenResponse};

use crate::validate::{self, Options, Report, Violation};
use crate::{Audience, EventSet, ProactiveEventRequest};
use governor::{DefaultDirectRateLimiter, Quota, RateLimiter};
use reqwest::header::{CONTENT_TYPE, HeaderMap, RETRY_AFTER};
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

/// Error bodies longer than this are cut in errors and journals.
const MAX_BODY_CHARS: usize = 2000;

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
    rate: Option<NonZeroU32>,
    limiter: Option<DefaultDirectRateLimiter>,
    /// Waiters for the limiter queue here (a fair lock), one at a time: a herd
    /// of concurrent waiters polling governor misses slots and undershoots.
    limiter_queue: tokio::sync::Mutex<()>,
    retry: RetryPolicy,
    refresh_margin: Duration,
    token: tokio::sync::Mutex<Option<CachedToken>>,
}

impl fmt::Debug for Client {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let i = &self.inner;
        f.debug_struct("Client")
            .field("client_id", &i.credentials.client_id)
            .field("client_secret", &i.credentials.client_secret)
            .field("events_url", &i.events_url)
            .field("token_url", &i.token_url)
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
    request_timeout: Duration,
}

impl ClientBuilder {
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

    /// Timeout of one HTTP request (default 30 s).
    pub fn request_timeout(mut self, timeout: Duration) -> Self {
        self.request_timeout = timeout;
        self
    }

    pub fn build(self) -> Result<Client, BuildError> {
        // reqwest is built without a default crypto provider (no aws-lc, no
        // OpenSSL); use ring unless the application installed one.
        if rustls::crypto::CryptoProvider::get_default().is_none() {
            // Err only when another thread installed one meanwhile: fine.
            let _ = rustls::crypto::ring::default_provider().install_default();
        }
        let http = reqwest::Client::builder()
            .timeout(self.request_timeout)
            .user_agent(concat!(
                "alexa-proactive-events/",
                env!("CARGO_PKG_VERSION")
            ))
            .build()
            .map_err(|e| BuildError(e.to_string()))?;
        let base = self
            .api_base
            .unwrap_or_else(|| self.region.api_base().to_owned());
        let check = |url: &str| {
            if url.starts_with("http://") || url.starts_with("https://") {
                Ok(())
            } else {
                Err(BuildError(format!("`{url}` is not an http(s) URL")))
            }
        };
        check(&base)?;
        let token_url = self.token_url.unwrap_or_else(|| TOKEN_URL.to_owned());
        check(&token_url)?;
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
                events_url: events_url(&base, self.stage),
                token_url,
                stage: self.stage,
                rate: self.rate,
                limiter,
                limiter_queue: tokio::sync::Mutex::new(()),
                retry: self.retry,
                refresh_margin: self.refresh_margin,
                token: tokio::sync::Mutex::new(None),
            }),
        })
    }
}

/// The client could not be configured.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BuildError(String);

impl fmt::Display for BuildError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "cannot build the client: {}", self.0)
    }
}

impl std::error::Error for BuildError {}

impl Client {
    /// A client with the defaults: Amazon's URLs for `region` and `stage`, 25
    /// requests per second, [`RetryPolicy::default`].
    pub fn new(credentials: Credentials, region: Region, stage: Stage) -> Result<Self, BuildError> {
        Self::builder(credentials, region, stage).build()
    }

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
            request_timeout: Duration::from_secs(30),
        }
    }

    /// Where events go.
    pub fn events_url(&self) -> &str {
        &self.inner.events_url
    }

    pub fn stage(&self) -> Stage {
        self.inner.stage
    }

    /// Asks the token endpoint for a new token, bypassing the cache (Jovo's
    /// `sendAuthRequest`). Retries 429, 5xx and transport errors, honouring `Retry-After`.
    pub async fn token_response(&self) -> Result<TokenResponse, TokenError> {
        let inner = &self.inner;
        let secret = &inner.credentials.client_secret;
        let form = [
            ("grant_type", "client_credentials"),
            ("client_id", inner.credentials.client_id.as_str()),
            ("client_secret", secret.expose()),
            ("scope", SCOPE),
        ];
        let mut retrier = Retrier::new(&inner.retry);
        let mut attempts = 0;
        loop {
            attempts += 1;
            let answer = match inner.http.post(&inner.token_url).form(&form).send().await {
                Ok(response) => {
                    let status = response.status().as_u16();
                    let retry_after = retry_after(response.headers());
                    response
                        .bytes()
                        .await
                        .map(|body| (status, retry_after, body))
                }
                Err(e) => Err(e),
            };
            let (status, retry_after, body) = match answer {
                Ok(answer) => answer,
                Err(e) => {
                    let message = secret.scrub(&describe(&e));
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
                return serde_json::from_slice::<TokenResponse>(&body)
                    .map_err(|e| TokenError::InvalidResponse(secret.scrub(&e.to_string())));
            }
            if matches!(status, 429 | 500 | 503) {
                if let Some(wait) = retrier.next_wait(retry_after) {
                    tracing::warn!(
                        attempt = attempts,
                        status,
                        ?wait,
                        "token endpoint busy; retrying"
                    );
                    tokio::time::sleep(wait).await;
                    continue;
                }
            }
            let text = secret.scrub(&truncate(&String::from_utf8_lossy(&body)));
            return Err(match serde_json::from_slice::<OAuthError>(&body) {
                Ok(oauth) => TokenError::Refused {
                    kind: TokenErrorKind::from_code(&oauth.error),
                    status,
                    description: oauth.error_description.map(|d| secret.scrub(&d)),
                },
                Err(_) => TokenError::Http {
                    status,
                    body: text,
                    attempts,
                },
            });
        }
    }

    /// The cached token, fetched when missing or about to expire (Jovo's
    /// `getAccessToken`). Concurrent callers wait for one request.
    pub async fn access_token(&self) -> Result<Secret, TokenError> {
        let mut slot = self.inner.token.lock().await;
        if let Some(cached) = slot.as_ref() {
            if Instant::now() < cached.refresh_at {
                return Ok(cached.token.clone());
            }
        }
        let response = self.token_response().await?;
        *slot = Some(CachedToken::new(
            response.access_token.clone(),
            response.expires_in,
            self.inner.refresh_margin,
            Instant::now(),
        ));
        Ok(response.access_token)
    }

    /// Drops `token` from the cache (unless another send already replaced it).
    async fn forget_token(&self, token: &Secret) {
        let mut slot = self.inner.token.lock().await;
        if slot.as_ref().is_some_and(|c| &c.token == token) {
            *slot = None;
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
                violations: vec![Violation::error(
                    validate::rules::STRUCTURE,
                    "",
                    e.to_string(),
                )],
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
                    let message = inner.credentials.client_secret.scrub(&describe(&e));
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
                .map(str::to_owned);
            let retry_after = retry_after(response.headers());
            // Read the body in every case so the connection is reused.
            let body_text = match response.bytes().await {
                Ok(b) => truncate(&String::from_utf8_lossy(&b)),
                Err(e) => {
                    // The status arrived; a cut body only matters for errors.
                    tracing::debug!(reference_id, error = %describe(&e), "response body cut");
                    String::new()
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
                body: body_text,
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

fn truncate(text: &str) -> String {
    match text.char_indices().nth(MAX_BODY_CHARS) {
        Some((at, _)) => format!("{}…", &text[..at]),
        None => text.to_owned(),
    }
}
