//! The emulator's HTTP routes.

use super::server::DropConnection;
use super::state::{Fault, Shared};
use crate::validate::{self, Options, Report};
use crate::{Audience, DateTime, EventSet};
use axum::Router;
use axum::body::Bytes;
use axum::extract::{Extension, Form, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use serde_json::json;
use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

/// What the emulator keeps of a valid body.
pub(crate) struct Parsed {
    reference_id: String,
    user: Option<String>,
    timestamp: DateTime,
}

/// The event set's parser, as plain data so that the routes are not generic.
pub(crate) type ParseFn = fn(&[u8], &Options) -> Result<Parsed, Report>;

/// Parses and validates a body of the event set `E`.
pub(crate) fn parse_event<E: EventSet>(body: &[u8], options: &Options) -> Result<Parsed, Report> {
    match validate::parse::<E>(body, options) {
        (Some(request), report) if report.is_valid() => Ok(Parsed {
            reference_id: request.reference_id.as_str().to_owned(),
            user: match request.relevant_audience {
                Audience::Unicast(u) => Some(u.user),
                Audience::Multicast(_) => None,
            },
            timestamp: request.timestamp,
        }),
        (_, report) => Err(report),
    }
}

pub(crate) fn router(shared: Arc<Shared>) -> Router {
    Router::new()
        .route("/auth/o2/token", post(token))
        .route("/auth/O2/token", post(token))
        .route("/v1/proactiveEvents", post(live))
        .route("/v1/proactiveEvents/", post(live))
        .route("/v1/proactiveEvents/stages/development", post(development))
        .route("/emulator/events", get(events))
        .route("/emulator/stats", get(stats))
        .with_state(shared)
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
    Form(form): Form<HashMap<String, String>>,
) -> Response {
    if let Some(scripted) = shared.token_request() {
        return scripted_token(scripted);
    }
    let config = &shared.config;
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
    if id != config.client_id || secret != config.client_secret {
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
    let token = shared.issue_token();
    axum::Json(json!({
        "access_token": token,
        "expires_in": config.token_ttl.as_secs(),
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

    if let Some(limiter) = &shared.limiter {
        if let Err(not_until) = limiter.check() {
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
    }

    let parsed = (shared.parse)(
        &body,
        &Options {
            now: Some(DateTime::now()),
        },
    );
    let request = match parsed {
        Ok(r) => r,
        Err(report) => {
            let message = report
                .errors()
                .map(ToString::to_string)
                .collect::<Vec<_>>()
                .join("; ");
            return api_error(&shared, 400, "INVALID_REQUEST", &message);
        }
    };
    let user = request.user.as_deref();
    let value: serde_json::Value = serde_json::from_slice(&body).unwrap_or_default();
    let audience = value.get("relevantAudience").cloned().unwrap_or_default();
    let fresh = shared.accept(
        stage,
        &request.reference_id,
        user,
        request.timestamp,
        audience,
        value,
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
