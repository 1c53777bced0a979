//! The emulator's HTTP routes.
//!
//! Every request body is read by [`bounded_body`] first: at most
//! `max_body_bytes` (413 beyond), within `body_read_timeout` (408 after).
//! Event bodies are validated on a blocking thread, so a slow validation never
//! holds up the async workers that answer token requests. No answer echoes a
//! secret or a token.

use super::server::DropConnection;
use super::state::{Fault, Shared};
use crate::validate::{self, Options};
use crate::{Audience, DateTime, EventSet};
use axum::Router;
use axum::body::{Body, Bytes};
use axum::extract::rejection::FormRejection;
use axum::extract::{DefaultBodyLimit, Extension, Form, Request, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use hyper::body::Body as _;
use serde_json::json;
use std::collections::HashMap;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

/// A 400 answer lists at most this many violations (then how many more).
const MAX_LISTED_VIOLATIONS: usize = 20;

pub(crate) fn router(shared: Arc<Shared>) -> Router {
    let limit = shared.config.max_body_bytes;
    Router::new()
        .route("/auth/o2/token", post(token))
        .route("/auth/O2/token", post(token))
        .route("/v1/proactiveEvents", post(live))
        .route("/v1/proactiveEvents/", post(live))
        .route("/v1/proactiveEvents/stages/development", post(development))
        .route("/emulator/events", get(events))
        .route("/emulator/stats", get(stats))
        .layer(middleware::from_fn_with_state(shared.clone(), bounded_body))
        .layer(DefaultBodyLimit::max(limit))
        .with_state(shared)
}

/// Why a body could not be read.
enum BodyError {
    TooLarge,
    TooSlow,
    Broken,
}

/// Reads the whole body before the handler runs: at most `max_body_bytes`
/// (checked against `Content-Length` first, then while reading) and within
/// `body_read_timeout`. Token paths answer OAuth-style errors, the others
/// Amazon-style ones.
async fn bounded_body(State(shared): State<Arc<Shared>>, request: Request, next: Next) -> Response {
    let token_path = request.uri().path().starts_with("/auth/");
    let limit = shared.config.max_body_bytes;
    let (parts, body) = request.into_parts();
    let declared = parts
        .headers
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    let read = if declared.is_some_and(|n| n > limit as u64) {
        Err(BodyError::TooLarge)
    } else {
        let timeout = shared.config.body_read_timeout.min(super::MAX_TIMEOUT);
        tokio::time::timeout(timeout, read_capped(body, limit))
            .await
            .unwrap_or(Err(BodyError::TooSlow))
    };
    let bytes = match read {
        Ok(bytes) => bytes,
        Err(e) => {
            let (status, oauth, code, message) = match e {
                BodyError::TooLarge => (
                    StatusCode::PAYLOAD_TOO_LARGE,
                    "invalid_request",
                    "REQUEST_ENTITY_TOO_LARGE",
                    format!("The request body is larger than {limit} bytes."),
                ),
                BodyError::TooSlow => (
                    StatusCode::REQUEST_TIMEOUT,
                    "invalid_request",
                    "REQUEST_TIMEOUT",
                    "The request body did not arrive in time.".to_owned(),
                ),
                BodyError::Broken => (
                    StatusCode::BAD_REQUEST,
                    "invalid_request",
                    "INVALID_REQUEST",
                    "The request body could not be read.".to_owned(),
                ),
            };
            let mut response = if token_path {
                oauth_error(status, oauth, &message)
            } else {
                api_error(&shared, status.as_u16(), code, &message)
            };
            // Whatever is left of the body is not read: close the connection.
            response
                .headers_mut()
                .insert(header::CONNECTION, HeaderValue::from_static("close"));
            return response;
        }
    };
    next.run(Request::from_parts(parts, Body::from(bytes)))
        .await
}

/// The body's bytes, or `TooLarge` as soon as they pass `limit`.
async fn read_capped(mut body: Body, limit: usize) -> Result<Bytes, BodyError> {
    let mut buffer = Vec::new();
    while let Some(frame) = std::future::poll_fn(|cx| Pin::new(&mut body).poll_frame(cx)).await {
        let frame = frame.map_err(|_| BodyError::Broken)?;
        if let Ok(data) = frame.into_data() {
            if data.len() > limit.saturating_sub(buffer.len()) {
                return Err(BodyError::TooLarge);
            }
            buffer.extend_from_slice(&data);
        }
    }
    Ok(Bytes::from(buffer))
}

fn oauth_error(status: StatusCode, error: &str, description: &str) -> Response {
    (
        status,
        axum::Json(json!({"error": error, "error_description": description})),
    )
        .into_response()
}

async fn token(
    State(shared): State<Arc<Shared>>,
    form: Result<Form<HashMap<String, String>>, FormRejection>,
) -> Response {
    if let Some(scripted) = shared.token_request() {
        return scripted_token(scripted);
    }
    let Ok(Form(form)) = form else {
        // The rejection's own text is not echoed: it could quote the body.
        return oauth_error(
            StatusCode::BAD_REQUEST,
            "invalid_request",
            "the body must be application/x-www-form-urlencoded",
        );
    };
    let field = |name: &str| form.get(name).map(String::as_str);
    let Some(grant) = field("grant_type") else {
        return oauth_error(
            StatusCode::BAD_REQUEST,
            "invalid_request",
            "grant_type is missing",
        );
    };
    if grant != "client_credentials" {
        return oauth_error(
            StatusCode::BAD_REQUEST,
            "unsupported_grant_type",
            "only client_credentials is supported",
        );
    }
    let (Some(id), Some(secret)) = (field("client_id"), field("client_secret")) else {
        return oauth_error(
            StatusCode::BAD_REQUEST,
            "invalid_request",
            "client_id and client_secret are required",
        );
    };
    if !shared.credentials_match(id, secret) {
        return oauth_error(
            StatusCode::UNAUTHORIZED,
            "invalid_client",
            "Client authentication failed",
        );
    }
    if field("scope") != Some(crate::emulator::SCOPE) {
        return oauth_error(
            StatusCode::BAD_REQUEST,
            "invalid_scope",
            "The request has an invalid parameter : scope",
        );
    }
    let Some(token) = shared.issue_token(id) else {
        return oauth_error(
            StatusCode::INTERNAL_SERVER_ERROR,
            "server_error",
            "the random number generator failed",
        );
    };
    axum::Json(json!({
        "access_token": token,
        "expires_in": shared.token_ttl().as_secs(),
        "scope": crate::emulator::SCOPE,
        "token_type": "bearer",
    }))
    .into_response()
}

fn scripted_token(scripted: super::Scripted) -> Response {
    match scripted {
        super::Scripted::Status {
            status,
            retry_after,
        } => {
            let code = StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
            let error = match status {
                401 => "invalid_client",
                400 => "invalid_request",
                503 => "temporarily_unavailable",
                _ => "server_error",
            };
            let mut response = oauth_error(code, error, "scripted by the emulator");
            set_retry_after(&mut response, retry_after);
            response
        }
        // Token requests cannot drop the connection: answer like an outage.
        super::Scripted::Drop => oauth_error(
            StatusCode::SERVICE_UNAVAILABLE,
            "temporarily_unavailable",
            "scripted by the emulator",
        ),
    }
}

fn set_retry_after(response: &mut Response, seconds: Option<u64>) {
    if let Some(s) = seconds {
        response
            .headers_mut()
            .insert(header::RETRY_AFTER, HeaderValue::from(s));
    }
}

/// Amazon's error body: `{"code": ..., "message": ...}`, with a request id header.
fn api_error(shared: &Shared, status: u16, code: &str, message: &str) -> Response {
    shared.count_status(status);
    let status = StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let mut response = (
        status,
        axum::Json(json!({"code": code, "message": message})),
    )
        .into_response();
    add_request_id(&mut response);
    response
}

fn add_request_id(response: &mut Response) {
    static NEXT: AtomicU64 = AtomicU64::new(1);
    let id = format!("emulator-{:016x}", NEXT.fetch_add(1, Ordering::Relaxed));
    if let Ok(value) = HeaderValue::from_str(&id) {
        response.headers_mut().insert("x-amzn-requestid", value);
    }
}

fn status_code_name(status: u16) -> &'static str {
    match status {
        400 => "INVALID_REQUEST",
        403 => "FORBIDDEN",
        409 => "DUPLICATE_EVENT",
        429 => "TOO_MANY_REQUESTS",
        432 => "NOTIFICATION_LIMIT_EXCEEDED",
        500 => "INTERNAL_SERVER_ERROR",
        503 => "SERVICE_UNAVAILABLE",
        _ => "ERROR",
    }
}

async fn live(
    State(shared): State<Arc<Shared>>,
    drop: Option<Extension<DropConnection>>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    event(shared, "live", drop.map(|Extension(d)| d), headers, body).await
}

async fn development(
    State(shared): State<Arc<Shared>>,
    drop: Option<Extension<DropConnection>>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    event(
        shared,
        "development",
        drop.map(|Extension(d)| d),
        headers,
        body,
    )
    .await
}

async fn event(
    shared: Arc<Shared>,
    stage: &'static str,
    drop: Option<DropConnection>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let (fault, latency) = shared.event_request();
    if !latency.is_zero() {
        tokio::time::sleep(latency).await;
    }
    match fault {
        Fault::None | Fault::DropAfter => {}
        Fault::Status {
            status,
            retry_after,
        } => {
            let mut response = api_error(
                &shared,
                status,
                status_code_name(status),
                "injected by the emulator",
            );
            set_retry_after(&mut response, retry_after);
            return response;
        }
        Fault::DropBefore => return drop_connection(&shared, drop).await,
    }

    let token = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| {
            v.strip_prefix("Bearer ")
                .or_else(|| v.strip_prefix("bearer "))
        });
    if !token.is_some_and(|t| shared.token_valid(t)) {
        return api_error(
            &shared,
            403,
            "INVALID_ACCESS_TOKEN",
            "The access token is missing, invalid or expired.",
        );
    }

    if let Some(limiter) = &shared.limiter
        && let Err(not_until) = limiter.check()
    {
        let wait = not_until.wait_time_from(governor::clock::Clock::now(
            &governor::clock::DefaultClock::default(),
        ));
        let mut response = api_error(
            &shared,
            429,
            "TOO_MANY_REQUESTS",
            "Rate limit exceeded for this skill.",
        );
        set_retry_after(&mut response, Some(wait.as_secs_f64().ceil() as u64));
        return response;
    }

    let checked = match check_off_the_runtime(&shared, body).await {
        Ok(checked) => checked,
        Err(message) => return api_error(&shared, 400, "INVALID_REQUEST", &message),
    };
    let fresh = shared.accept(
        stage,
        &checked.reference_id,
        checked.user.as_deref(),
        checked.timestamp,
        checked.audience,
        checked.body,
    );
    if matches!(fault, Fault::DropAfter) {
        return drop_connection(&shared, drop).await;
    }
    if !fresh {
        return api_error(
            &shared,
            409,
            "DUPLICATE_EVENT",
            "An event with this referenceId was already accepted for this audience.",
        );
    }
    shared.count_status(202);
    let mut response = StatusCode::ACCEPTED.into_response();
    add_request_id(&mut response);
    response
}

/// What the emulator keeps of a valid event body.
pub(crate) struct Checked {
    reference_id: String,
    user: Option<String>,
    timestamp: DateTime,
    audience: serde_json::Value,
    body: serde_json::Value,
}

/// Validates on a blocking thread (at most one per CPU at once, the others
/// wait without holding a thread), so that however long a body takes, the
/// async workers keep answering other requests. `Err` is the 400 message.
async fn check_off_the_runtime(shared: &Arc<Shared>, body: Bytes) -> Result<Checked, String> {
    // The semaphore is never closed.
    let permit = shared.validations.clone().acquire_owned().await.ok();
    #[cfg(test)]
    let hook = shared
        .validation_hook
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
        .clone();
    let check = shared.parse;
    let task = tokio::task::spawn_blocking(move || {
        let _permit = permit;
        #[cfg(test)]
        if let Some(hook) = hook {
            hook();
        }
        check(&body)
    });
    task.await
        .unwrap_or_else(|_| Err("The emulator failed to validate the body.".to_owned()))
}

/// The event set's check, as plain data so that the routes are not generic.
pub(crate) type ParseFn = fn(&[u8]) -> Result<Checked, String>;

/// Parses and validates a body of the event set `E`; `Err` is the 400 message.
pub(crate) fn check<E: EventSet>(body: &[u8]) -> Result<Checked, String> {
    let (request, report) = validate::parse::<E>(
        body,
        &Options {
            now: Some(DateTime::now()),
        },
    );
    let request = match request {
        Some(r) if report.is_valid() => r,
        _ => return Err(violations_message(&report)),
    };
    let user = match &request.relevant_audience {
        Audience::Unicast(u) => Some(u.user.clone()),
        Audience::Multicast(_) => None,
    };
    let value: serde_json::Value = serde_json::from_slice(body).unwrap_or_default();
    let audience = value.get("relevantAudience").cloned().unwrap_or_default();
    Ok(Checked {
        reference_id: request.reference_id.as_str().to_owned(),
        user,
        timestamp: request.timestamp,
        audience,
        body: value,
    })
}

/// The errors joined with `; `: the first [`MAX_LISTED_VIOLATIONS`], then how
/// many more.
fn violations_message(report: &validate::Report) -> String {
    let mut listed: Vec<String> = report
        .errors()
        .take(MAX_LISTED_VIOLATIONS)
        .map(ToString::to_string)
        .collect();
    let more = report
        .errors()
        .count()
        .saturating_sub(MAX_LISTED_VIOLATIONS);
    if more > 0 {
        listed.push(format!("and {more} more"));
    }
    listed.join("; ")
}

async fn drop_connection(shared: &Shared, drop: Option<DropConnection>) -> Response {
    shared.count_drop();
    match drop {
        Some(d) => d.now().await,
        // Served without the emulator's own loop: the closest is an empty 500.
        None => StatusCode::INTERNAL_SERVER_ERROR.into_response(),
    }
}

async fn events(State(shared): State<Arc<Shared>>) -> Response {
    axum::Json(shared.events()).into_response()
}

async fn stats(State(shared): State<Arc<Shared>>) -> Response {
    axum::Json(shared.stats()).into_response()
}
