//! An axum `Router` for a user's own server: `POST /` takes skill events,
//! `GET /healthz` reports health.

use super::handle::{HandleError, Handled, SkillEvent, handle_async};
use super::verify::{Rule, Verifier, VerifyError};
use crate::subscriptions::{ApplyOutcome, AsyncLedger, DEFAULT_STORE_TIMEOUT};
use axum::Router;
use axum::body::{Body, Bytes};
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use std::sync::Arc;
use std::time::Duration;

/// The largest request body accepted by default (Alexa's skill events are a few KiB).
pub const DEFAULT_MAX_BODY_BYTES: usize = 128 * 1024;
/// How long the whole body may take to arrive by default.
pub const DEFAULT_BODY_TIMEOUT: Duration = Duration::from_secs(30);
/// `GET /healthz` answers within this, whatever the store does: its probe waits at
/// most this long (or the store timeout, if shorter).
pub const HEALTH_ANSWER_WITHIN: Duration = Duration::from_millis(900);

/// How the router is set up.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct RouterOptions {
    /// The largest body read; a larger one gets 400 (rule `BODY-SIZE`).
    pub max_body_bytes: usize,
    /// How long the whole body may take to arrive; a slower one gets 400
    /// (rule `BODY-SIZE`), so that a trickling client cannot hold a handler.
    pub body_timeout: Duration,
    /// How long a request waits for the ledger (a connection, a lock, the
    /// answer); past it the request gets 503 with `Retry-After`, and Alexa retries.
    pub store_timeout: Duration,
}

impl Default for RouterOptions {
    fn default() -> Self {
        Self {
            max_body_bytes: DEFAULT_MAX_BODY_BYTES,
            body_timeout: DEFAULT_BODY_TIMEOUT,
            store_timeout: DEFAULT_STORE_TIMEOUT,
        }
    }
}

impl RouterOptions {
    /// The largest body read, in bytes.
    pub fn max_body_bytes(mut self, bytes: usize) -> Self {
        self.max_body_bytes = bytes;
        self
    }

    /// How long the whole body may take to arrive.
    pub fn body_timeout(mut self, timeout: Duration) -> Self {
        self.body_timeout = timeout;
        self
    }

    /// How long a request waits for the ledger before it gets 503.
    pub fn store_timeout(mut self, timeout: Duration) -> Self {
        self.store_timeout = timeout;
        self
    }
}

struct AppState {
    verifier: Verifier,
    ledger: Arc<dyn AsyncLedger>,
    options: RouterOptions,
}

/// The endpoint with default options. See [`router_with`].
pub fn router(verifier: Verifier, ledger: Arc<dyn AsyncLedger>) -> Router {
    router_with(verifier, ledger, RouterOptions::default())
}

/// The endpoint:
///
/// * `POST /`: the body (at most `max_body_bytes`) is verified, then handled.
///   A request that fails a check gets **400** with its rule's code in the body
///   and changes nothing; a handled one gets an empty **200**; a store that
///   fails or does not answer within `store_timeout` gets **503** with
///   `Retry-After` (Alexa retries; the apply is one transaction, and a retry of
///   one that did commit is a duplicate).
/// * `GET /healthz`: **200** `ok` when the ledger answered a probe within
///   [`HEALTH_ANSWER_WITHIN`] (or the store timeout, if shorter), else **503**.
///   It never waits longer, whatever the store does.
///
/// Ledger calls go through [`AsyncLedger`]: none holds up a runtime thread, and a
/// request whose client goes away still finishes its apply.
pub fn router_with(
    verifier: Verifier,
    ledger: Arc<dyn AsyncLedger>,
    options: RouterOptions,
) -> Router {
    let state = Arc::new(AppState {
        verifier,
        ledger,
        options,
    });
    Router::new()
        .route("/", post(skill_event))
        .route("/healthz", get(healthz))
        .with_state(state)
}

async fn skill_event(
    State(state): State<Arc<AppState>>,
    headers: HeaderMap,
    body: Body,
) -> Response {
    let cap = state.options.max_body_bytes;
    let read = tokio::time::timeout(state.options.body_timeout, axum::body::to_bytes(body, cap));
    let bytes: Bytes = match read.await {
        Ok(Ok(b)) => b,
        Ok(Err(_)) => {
            return refuse(&VerifyError::new(
                Rule::BodySize,
                format!("the body is larger than {cap} bytes (or could not be read)"),
            ));
        }
        Err(_) => {
            return refuse(&VerifyError::new(
                Rule::BodySize,
                format!(
                    "the body did not arrive within {} s",
                    state.options.body_timeout.as_secs_f64()
                ),
            ));
        }
    };
    let now = crate::DateTime::now();
    let verified = match state.verifier.verify(&headers, &bytes, now).await {
        Ok(v) => v,
        Err(e) => return refuse(&e),
    };
    let event = match SkillEvent::from_request(&verified.request) {
        Ok(e) => e,
        Err(e) => return refuse(&VerifyError::new(Rule::Body, e.to_string())),
    };
    // The apply runs to its end even if this future is dropped (or times out).
    let limit = state.options.store_timeout;
    match tokio::time::timeout(limit, handle_async(state.ledger.clone(), &event)).await {
        Ok(Ok(handled)) => {
            log_handled(&verified.skill_id, &handled);
            StatusCode::OK.into_response()
        }
        Ok(Err(e)) => {
            let e = HandleError::Store(e);
            tracing::error!(error = %e, "skill event not applied");
            store_unavailable(limit, "store error\n")
        }
        Err(_) => {
            tracing::error!(
                timeout_s = limit.as_secs_f64(),
                "skill event not applied: the ledger did not answer in time"
            );
            store_unavailable(limit, "store timeout\n")
        }
    }
}

/// 503 with `Retry-After`: the store timeout, in whole seconds (at least 1).
fn store_unavailable(limit: Duration, body: &'static str) -> Response {
    let seconds = limit.as_secs() + u64::from(limit.subsec_nanos() > 0);
    (
        StatusCode::SERVICE_UNAVAILABLE,
        [(axum::http::header::RETRY_AFTER, seconds.max(1).to_string())],
        body,
    )
        .into_response()
}

fn refuse(e: &VerifyError) -> Response {
    // `?`: the message quotes request values, which may hold control characters.
    tracing::warn!(rule = e.rule().as_str(), message = ?e.message(), "skill request refused");
    (StatusCode::BAD_REQUEST, format!("{}\n", e.rule().as_str())).into_response()
}

fn log_handled(skill_id: &str, handled: &Handled) {
    let outcome = |o: &ApplyOutcome| match o {
        ApplyOutcome::Applied => "applied",
        ApplyOutcome::Stale { .. } => "stale",
        ApplyOutcome::Duplicate => "duplicate",
    };
    match handled {
        Handled::Subscription(c) => tracing::info!(
            skill = ?skill_id, user = ?c.user_id, outcome = outcome(&c.outcome),
            subscribed = ?c.subscribed, unsubscribed = ?c.unsubscribed,
            "subscription change"
        ),
        Handled::Disabled(c) => tracing::info!(
            skill = ?skill_id, user = ?c.user_id, outcome = outcome(&c.outcome),
            unsubscribed = ?c.unsubscribed,
            "skill disabled: user unsubscribed from every event"
        ),
        Handled::Acknowledged { request_type } => {
            tracing::info!(skill = ?skill_id, request_type = ?request_type, "skill event acknowledged")
        }
        Handled::Ignored { request_type } => {
            tracing::info!(skill = ?skill_id, request_type = ?request_type, "request ignored (not a handled skill event)")
        }
    }
}

async fn healthz(State(state): State<Arc<AppState>>) -> Response {
    let limit = state.options.store_timeout.min(HEALTH_ANSWER_WITHIN);
    match tokio::time::timeout(limit, state.ledger.clone().probe_async()).await {
        Ok(Ok(())) => (StatusCode::OK, "ok\n").into_response(),
        Ok(Err(e)) => {
            tracing::error!(error = %e, "health check: the ledger cannot be read");
            (StatusCode::SERVICE_UNAVAILABLE, "ledger unavailable\n").into_response()
        }
        Err(_) => {
            tracing::error!(
                timeout_s = limit.as_secs_f64(),
                "health check: the ledger did not answer in time"
            );
            (StatusCode::SERVICE_UNAVAILABLE, "ledger unavailable\n").into_response()
        }
    }
}
