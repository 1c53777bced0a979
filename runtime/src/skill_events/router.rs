//! An axum `Router` for a user's own server: `POST /` takes skill events,
//! `GET /healthz` reports health.

use super::handle::{HandleError, Handled, SkillEvent, handle};
use super::verify::{Rule, Verifier, VerifyError};
use crate::subscriptions::{ApplyOutcome, Ledger};
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

/// How the router is set up.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct RouterOptions {
    /// The largest body read; a larger one gets 400 (rule `BODY-SIZE`).
    pub max_body_bytes: usize,
    /// How long the whole body may take to arrive; a slower one gets 400
    /// (rule `BODY-SIZE`), so that a trickling client cannot hold a handler.
    pub body_timeout: Duration,
}

impl Default for RouterOptions {
    fn default() -> Self {
        Self {
            max_body_bytes: DEFAULT_MAX_BODY_BYTES,
            body_timeout: DEFAULT_BODY_TIMEOUT,
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
}

struct AppState {
    verifier: Verifier,
    ledger: Arc<dyn Ledger + Send + Sync>,
    options: RouterOptions,
}

/// The endpoint with default options. See [`router_with`].
pub fn router(verifier: Verifier, ledger: Arc<dyn Ledger + Send + Sync>) -> Router {
    router_with(verifier, ledger, RouterOptions::default())
}

/// The endpoint:
///
/// * `POST /`: the body (at most `max_body_bytes`) is verified, then handled.
///   A request that fails a check gets **400** with its rule's code in the body
///   and changes nothing; a handled one gets an empty **200**; a store failure
///   gets **500** (Alexa retries).
/// * `GET /healthz`: **200** `ok` when the ledger can be read, else **503**.
///
/// The ledger's calls block, so they run on tokio's blocking pool; a request
/// whose client goes away still finishes its apply.
pub fn router_with(
    verifier: Verifier,
    ledger: Arc<dyn Ledger + Send + Sync>,
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
    let event = match SkillEvent::from_value(&verified.body) {
        Ok(e) => e,
        Err(e) => return refuse(&VerifyError::new(Rule::Body, e.to_string())),
    };
    // The apply runs to its end even if this future is dropped.
    let task_state = state.clone();
    let done =
        tokio::task::spawn_blocking(move || handle(task_state.ledger.as_ref(), &event)).await;
    match done {
        Ok(Ok(handled)) => {
            log_handled(&verified.skill_id, &handled);
            StatusCode::OK.into_response()
        }
        Ok(Err(e)) => {
            let e = HandleError::Store(e);
            tracing::error!(error = %e, "skill event not applied");
            (StatusCode::INTERNAL_SERVER_ERROR, "store error\n").into_response()
        }
        Err(e) => {
            tracing::error!(error = %e, "skill event task failed");
            (StatusCode::INTERNAL_SERVER_ERROR, "internal error\n").into_response()
        }
    }
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
    let probe = state.clone();
    match tokio::task::spawn_blocking(move || probe.ledger.users(None, 1).map(|_| ())).await {
        Ok(Ok(())) => (StatusCode::OK, "ok\n").into_response(),
        Ok(Err(e)) => {
            tracing::error!(error = %e, "health check: the ledger cannot be read");
            (StatusCode::SERVICE_UNAVAILABLE, "ledger unavailable\n").into_response()
        }
        Err(_) => (StatusCode::SERVICE_UNAVAILABLE, "ledger unavailable\n").into_response(),
    }
}
