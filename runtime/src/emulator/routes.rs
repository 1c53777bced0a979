//! The emulator's HTTP routes.
//!
//! Every request body is read by [`bounded_body`] first: at most
//! `max_body_bytes` (413 beyond), within `body_read_timeout` (408 after).
//! Event bodies are validated on a blocking thread, so a slow validation never
//! holds up the async workers that answer token requests. No answer echoes a
//! secret or a token.

use super::state::{
    Fault, MAX_ACCEPTED, MAX_KEPT_BODY_BYTES, MAX_REFUSED, MAX_SUMMARY_CHARS, MAX_TEXT_BYTES,
    RefusedEvent, RuleBreak, Sentence, Shared, cut, sha256_hex,
};
use crate::server::DropConnection;
use crate::validate::{self, Options};
use crate::wire::{DEVELOPMENT_PATH, LIVE_PATH, TOKEN_PATH};
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
        .route(TOKEN_PATH, post(token))
        // Amazon's documents spell it both ways.
        .route(&TOKEN_PATH.replace("o2", "O2"), post(token))
        .route(LIVE_PATH, post(live))
        .route(&format!("{LIVE_PATH}/"), post(live))
        .route(DEVELOPMENT_PATH, post(development))
        .route("/emulator/events", get(events))
        .route("/emulator/refused", get(refused))
        .route("/emulator/feed", get(feed))
        .route("/emulator/stats", get(stats))
        .route("/", get(super::page::page))
        .layer(middleware::from_fn_with_state(shared.clone(), bounded_body))
        .layer(DefaultBodyLimit::max(limit))
        // Outermost: a request for another host is refused before its body is read.
        .layer(middleware::from_fn_with_state(
            shared.clone(),
            loopback_only,
        ))
        .with_state(shared)
}

/// Answers only requests for the emulator's own loopback names and port, and
/// refuses an `Origin` other than its own (DNS rebinding and pages elsewhere:
/// see [`super::loopback`]): 421 Misdirected Request for another `Host` (or
/// none, or two, or a request target naming another authority), 403 for
/// another `Origin`. Neither counts as an event request.
async fn loopback_only(
    State(shared): State<Arc<Shared>>,
    request: Request,
    next: Next,
) -> Response {
    let own = shared.loopback;
    let headers = request.headers();
    let mut hosts = headers.get_all(header::HOST).iter();
    let host_ok = match (hosts.next(), hosts.next()) {
        (Some(host), None) => own.is_own_host(host.as_bytes()),
        _ => false,
    } && request
        .uri()
        .authority()
        .is_none_or(|a| own.is_own_host(a.as_str().as_bytes()));
    let refusal = if !host_ok {
        Some((
            StatusCode::MISDIRECTED_REQUEST,
            format!(
                "The emulator answers requests for {} only (the Host header).",
                own.names()
            ),
        ))
    } else if !headers
        .get_all(header::ORIGIN)
        .iter()
        .all(|origin| own.is_own_origin(origin.as_bytes()))
    {
        Some((
            StatusCode::FORBIDDEN,
            format!(
                "The emulator answers requests from its own pages only (the Origin header): {}.",
                own.names()
            ),
        ))
    } else {
        None
    };
    let Some((status, message)) = refusal else {
        return next.run(request).await;
    };
    let mut response = (
        status,
        axum::Json(json!({"code": status.as_u16(), "message": message})),
    )
        .into_response();
    // The body, if any, is not read.
    response
        .headers_mut()
        .insert(header::CONNECTION, HeaderValue::from_static("close"));
    response
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
            let (status, message) = match e {
                BodyError::TooLarge => (
                    StatusCode::PAYLOAD_TOO_LARGE,
                    format!("The request body is larger than {limit} bytes."),
                ),
                BodyError::TooSlow => (
                    StatusCode::REQUEST_TIMEOUT,
                    "The request body did not arrive in time.".to_owned(),
                ),
                BodyError::Broken => (
                    StatusCode::BAD_REQUEST,
                    "The request body could not be read.".to_owned(),
                ),
            };
            let mut response = if token_path {
                oauth_error(status, "invalid_request", &message)
            } else {
                api_error(&shared, status.as_u16(), &message)
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

/// Amazon's error body (decision D22): `{"code": <the HTTP status as an
/// integer>, "message": "..."}`, the model of Amazon's SDKs
/// (`ask_sdk_model.services.proactive_events.error.Error`: integer `code`,
/// string `message`), with a request id header.
fn api_error(shared: &Shared, status: u16, message: &str) -> Response {
    shared.count_status(status);
    let status = StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let mut response = (
        status,
        axum::Json(json!({"code": status.as_u16(), "message": message})),
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

/// The message of an injected or scripted error status.
fn injected_message(status: u16) -> &'static str {
    match status {
        429 => "Rate limit exceeded for this skill (injected by the emulator).",
        500 => "Internal error (injected by the emulator).",
        503 => "Service unavailable (injected by the emulator).",
        _ => "Injected by the emulator.",
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

/// Whether the request says its body is JSON: `application/json`, any case, with
/// parameters (`; charset=utf-8`) allowed.
fn is_json(headers: &HeaderMap) -> bool {
    headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .is_some_and(|media| media.trim().eq_ignore_ascii_case("application/json"))
}

/// Answers an error and remembers it for `GET /emulator/refused` and the page.
fn refuse(
    shared: &Shared,
    stage: &str,
    status: u16,
    message: &str,
    summary: Summary,
    violations: Vec<RuleBreak>,
) -> Response {
    shared.refuse(RefusedEvent {
        id: 0, // numbered when remembered
        stage: stage.to_owned(),
        refused_at: DateTime::now(),
        status,
        message: message.to_owned(),
        name: summary.name,
        reference_id: summary.reference_id,
        audience: summary.audience,
        violations,
    });
    api_error(shared, status, message)
}

async fn event(
    shared: Arc<Shared>,
    stage: &'static str,
    drop: Option<DropConnection>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    shared.count_event_request();
    // The token first: no answer, not even a scripted or injected one, is
    // given to a request without a valid token of this emulator.
    let token = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| {
            v.strip_prefix("Bearer ")
                .or_else(|| v.strip_prefix("bearer "))
        });
    if !token.is_some_and(|t| shared.token_valid(t)) {
        return refuse(
            &shared,
            stage,
            403,
            "The access token is missing, invalid or expired.",
            Summary::default(),
            Vec::new(),
        );
    }

    // §4.2: the body is `application/json` (a `charset` parameter may follow);
    // anything else is 415 (D29), before any fault or limit, as a gateway would.
    if !is_json(&headers) {
        return refuse(
            &shared,
            stage,
            415,
            "Unsupported Media Type: send the event as Content-Type: application/json.",
            Summary::default(),
            Vec::new(),
        );
    }

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
            // A scripted success is an answer, not a refusal (nothing is accepted).
            let mut response = if status >= 400 {
                refuse(
                    &shared,
                    stage,
                    status,
                    injected_message(status),
                    Summary::default(),
                    Vec::new(),
                )
            } else {
                api_error(&shared, status, injected_message(status))
            };
            set_retry_after(&mut response, retry_after);
            return response;
        }
        Fault::DropBefore => return drop_connection(&shared, drop).await,
    }

    if let Some(limiter) = &shared.limiter
        && let Err(not_until) = limiter.check()
    {
        let wait = not_until.wait_time_from(governor::clock::Clock::now(
            &governor::clock::DefaultClock::default(),
        ));
        let mut response = refuse(
            &shared,
            stage,
            429,
            "Rate limit exceeded for this skill.",
            Summary::default(),
            Vec::new(),
        );
        set_retry_after(&mut response, Some(wait.as_secs_f64().ceil() as u64));
        return response;
    }

    let (checked, reach) = match check_off_the_runtime(&shared, body).await {
        Ok(checked) => checked,
        Err(refusal) => {
            return refuse(
                &shared,
                stage,
                refusal.status,
                &refusal.message,
                refusal.summary,
                refusal.violations,
            );
        }
    };
    let reached = match reach {
        Reach::Everyone => None,
        Reach::Users(n) => Some(n),
        Reach::Unsubscribed => {
            // Decision D23: Amazon's answer is undocumented; the emulator
            // answers 403, as for any resource the token gives no access to.
            let message = format!(
                "The user is not subscribed to {} for this skill: a Unicast reaches \
                 subscribed users only.",
                checked.name
            );
            let summary = Summary::of_checked(&checked);
            return refuse(&shared, stage, 403, &message, summary, Vec::new());
        }
    };
    let summary = Summary::of_checked(&checked);
    let fresh = shared.accept(stage, checked, reached);
    if matches!(fault, Fault::DropAfter) {
        return drop_connection(&shared, drop).await;
    }
    if !fresh {
        return refuse(
            &shared,
            stage,
            409,
            "An event with this referenceId was already accepted for this audience.",
            summary,
            Vec::new(),
        );
    }
    shared.count_status(202);
    let mut response = StatusCode::ACCEPTED.into_response();
    add_request_id(&mut response);
    response
}

/// What the emulator keeps of a valid event body.
pub(crate) struct Checked {
    pub(crate) reference_id: String,
    pub(crate) name: String,
    pub(crate) expiry_time: DateTime,
    /// The Unicast user; `None` for a Multicast.
    pub(crate) user: Option<String>,
    pub(crate) timestamp: DateTime,
    /// `relevantAudience`, each string cut to [`MAX_TEXT_BYTES`].
    pub(crate) audience: serde_json::Value,
    pub(crate) sentences: Vec<Sentence>,
    /// The body, when at most [`MAX_KEPT_BODY_BYTES`] as sent.
    pub(crate) body: Option<serde_json::Value>,
    pub(crate) body_bytes: u64,
    pub(crate) body_sha256: String,
}

/// What names a refused body, as far as it can be read.
#[derive(Debug, Default)]
pub(crate) struct Summary {
    name: Option<String>,
    reference_id: Option<String>,
    audience: Option<String>,
}

impl Summary {
    /// The names in a body that is JSON, each cut to [`MAX_SUMMARY_CHARS`].
    fn of(value: &serde_json::Value) -> Self {
        let text = |v: Option<&serde_json::Value>| {
            v.and_then(serde_json::Value::as_str)
                .map(|s| s.chars().take(MAX_SUMMARY_CHARS).collect())
        };
        Self {
            name: text(value.pointer("/event/name")),
            reference_id: text(value.get("referenceId")),
            audience: text(value.pointer("/relevantAudience/type")),
        }
    }

    /// The names of a valid body.
    fn of_checked(checked: &Checked) -> Self {
        let audience = if checked.user.is_some() {
            "Unicast"
        } else {
            "Multicast"
        };
        Self {
            name: Some(checked.name.chars().take(MAX_SUMMARY_CHARS).collect()),
            reference_id: Some(
                checked
                    .reference_id
                    .chars()
                    .take(MAX_SUMMARY_CHARS)
                    .collect(),
            ),
            audience: Some(audience.to_owned()),
        }
    }
}

/// Why a body is refused: a 400 with its broken rules, or a 500 when the
/// subscriptions ledger cannot be read.
pub(crate) struct Refusal {
    status: u16,
    message: String,
    summary: Summary,
    violations: Vec<RuleBreak>,
}

/// Whom an accepted event reaches.
pub(crate) enum Reach {
    /// No ledger: every subscriber, whoever they are (a Multicast).
    Everyone,
    /// This many users.
    Users(u64),
    /// A Unicast to a user not subscribed to the event.
    Unsubscribed,
}

/// The most sentences kept per accepted event (one per locale).
const MAX_SENTENCES: usize = 50;

/// Validates on a blocking thread (at most one per CPU at once, the others
/// wait without holding a thread), so that however long a body takes, the
/// async workers keep answering other requests. `Err` is the 400 message.
async fn check_off_the_runtime(
    shared: &Arc<Shared>,
    body: Bytes,
) -> Result<(Checked, Reach), Box<Refusal>> {
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
    let checked = task.await.unwrap_or_else(|_| {
        Err(Box::new(Refusal {
            status: 500,
            message: "The emulator failed to validate the body.".to_owned(),
            summary: Summary::default(),
            violations: Vec::new(),
        }))
    })?;
    // The ledger is read with async calls, each bounded by the store timeout.
    let reach = match &shared.config.subscriptions {
        None => Ok(if checked.user.is_some() {
            Reach::Users(1)
        } else {
            Reach::Everyone
        }),
        Some(ledger) => {
            super::subscribers::reach(
                ledger.clone(),
                shared.config.skill_id.clone(),
                &checked.name,
                checked.user.clone(),
                shared.config.store_timeout,
            )
            .await
        }
    };
    match reach {
        Ok(reach) => Ok((checked, reach)),
        Err(message) => Err(Box::new(Refusal {
            status: 503,
            message,
            summary: Summary::of_checked(&checked),
            violations: Vec::new(),
        })),
    }
}

/// The event set's check, as plain data so that the routes are not generic.
pub(crate) type ParseFn = fn(&[u8]) -> Result<Checked, Box<Refusal>>;

/// Parses and validates a body of the event set `E`; `Err` is the 400 answer.
pub(crate) fn check<E: EventSet>(body: &[u8]) -> Result<Checked, Box<Refusal>> {
    let (request, report) = validate::parse::<E>(
        body,
        &Options {
            now: Some(DateTime::now()),
        },
    );
    let request = match request {
        Some(r) if report.is_valid() => r,
        _ => {
            let summary = serde_json::from_slice::<serde_json::Value>(body)
                .map(|v| Summary::of(&v))
                .unwrap_or_default();
            return Err(Box::new(Refusal {
                status: 400,
                message: violations_message(&report),
                summary,
                // A pointer or message may quote a body's key or value whole.
                violations: report
                    .errors()
                    .take(MAX_LISTED_VIOLATIONS)
                    .map(|v| RuleBreak {
                        rule: v.rule.to_string(),
                        path: cut(&v.pointer, MAX_TEXT_BYTES),
                        message: cut(&v.message, MAX_TEXT_BYTES),
                    })
                    .collect(),
            }));
        }
    };
    let sentences = crate::preview::each_locale(&request)
        .take(MAX_SENTENCES)
        .map(|(locale, sentence)| {
            let (text, error) = match sentence {
                Ok(text) => (Some(cut(&text, MAX_TEXT_BYTES)), None),
                Err(e) => (None, Some(cut(&e.to_string(), MAX_TEXT_BYTES))),
            };
            Sentence {
                note: crate::preview::wording_note(locale).map(|n| cut(&n, MAX_TEXT_BYTES)),
                locale: cut(locale, MAX_TEXT_BYTES),
                text,
                error,
            }
        })
        .collect();
    let user = match &request.relevant_audience {
        Audience::Unicast(u) => Some(u.user.clone()),
        Audience::Multicast(_) => None,
    };
    let value: serde_json::Value = serde_json::from_slice(body).unwrap_or_default();
    let mut audience = value.get("relevantAudience").cloned().unwrap_or_default();
    cut_strings(&mut audience);
    let kept = (body.len() <= MAX_KEPT_BODY_BYTES).then_some(value);
    Ok(Checked {
        reference_id: request.reference_id.as_str().to_owned(),
        name: request.event.name().to_owned(),
        expiry_time: request.expiry_time,
        user,
        timestamp: request.timestamp,
        audience,
        sentences,
        body: kept,
        body_bytes: body.len() as u64,
        body_sha256: sha256_hex(body),
    })
}

/// Cuts every string (and key) in `value` to [`MAX_TEXT_BYTES`].
fn cut_strings(value: &mut serde_json::Value) {
    match value {
        serde_json::Value::String(s) if s.len() > MAX_TEXT_BYTES => {
            *s = cut(s, MAX_TEXT_BYTES);
        }
        serde_json::Value::Array(items) => items.iter_mut().for_each(cut_strings),
        serde_json::Value::Object(map) => {
            let entries = std::mem::take(map);
            for (key, mut item) in entries {
                cut_strings(&mut item);
                map.insert(cut(&key, MAX_TEXT_BYTES), item);
            }
        }
        _ => {}
    }
}

/// The errors joined with `; `: the first [`MAX_LISTED_VIOLATIONS`], then how
/// many more.
fn violations_message(report: &validate::Report) -> String {
    let mut listed: Vec<String> = report
        .errors()
        .take(MAX_LISTED_VIOLATIONS)
        .map(|v| cut(&v.to_string(), 2 * MAX_TEXT_BYTES))
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

/// `GET /emulator/events?after=ID&limit=N`: the accepted events kept, oldest
/// first; with `after`, those after that id; at most `limit` (1 to
/// [`MAX_ACCEPTED`], the default).
async fn events(State(shared): State<Arc<Shared>>, uri: axum::http::Uri) -> Response {
    match paging(uri.query(), MAX_ACCEPTED) {
        Ok((after, limit)) => safe_json(&shared.events(after, limit)),
        Err(message) => bad_query(&message),
    }
}

/// `GET /emulator/refused?after=ID&limit=N`: as [`events`], for refusals.
async fn refused(State(shared): State<Arc<Shared>>, uri: axum::http::Uri) -> Response {
    match paging(uri.query(), MAX_REFUSED) {
        Ok((after, limit)) => safe_json(&shared.refused(after, limit)),
        Err(message) => bad_query(&message),
    }
}

/// The most events of each kind one feed answer lists (the page shows as many).
pub const MAX_FEED_LIMIT: usize = 200;

/// `GET /emulator/feed?after=ID&limit=N`: what the page polls. Of each list,
/// the newest `limit` (1 to [`MAX_FEED_LIMIT`], the default) with an id after
/// `after` (default 0: all), newest first, without bodies; and `version`, the
/// newest id, for the next poll's `after`. A page that keeps polling with
/// `after` receives each event once.
async fn feed(State(shared): State<Arc<Shared>>, uri: axum::http::Uri) -> Response {
    match paging(uri.query(), MAX_FEED_LIMIT) {
        Ok((after, limit)) => safe_json(&shared.feed(after, limit)),
        Err(message) => bad_query(&message),
    }
}

/// `after` (default 0) and `limit` (1 to `max`, default `max`) from a query
/// string; other parameters are ignored.
fn paging(query: Option<&str>, max: usize) -> Result<(u64, usize), String> {
    let mut after = 0;
    let mut limit = max;
    for pair in query.unwrap_or("").split('&') {
        let (name, value) = pair.split_once('=').unwrap_or((pair, ""));
        match name {
            "after" => {
                after = value
                    .parse()
                    .map_err(|_| "after: give the id of an event (a whole number)".to_owned())?;
            }
            "limit" => {
                limit = value
                    .parse()
                    .ok()
                    .filter(|n| (1..=max).contains(n))
                    .ok_or_else(|| format!("limit: give a whole number from 1 to {max}"))?;
            }
            _ => {}
        }
    }
    Ok((after, limit))
}

fn bad_query(message: &str) -> Response {
    (
        StatusCode::BAD_REQUEST,
        axum::Json(json!({"code": 400, "message": message})),
    )
        .into_response()
}

/// JSON with `<`, `>` and `&` written as `\u003c`, `\u003e` and `\u0026`
/// (they can only occur inside strings): hostile text from a body stays inert
/// even if the answer is ever read as HTML. Served with `nosniff`.
fn safe_json<T: serde::Serialize>(value: &T) -> Response {
    let Ok(text) = serde_json::to_string(value) else {
        return StatusCode::INTERNAL_SERVER_ERROR.into_response();
    };
    let mut safe = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '<' => safe.push_str("\\u003c"),
            '>' => safe.push_str("\\u003e"),
            '&' => safe.push_str("\\u0026"),
            c => safe.push(c),
        }
    }
    (
        [
            (header::CONTENT_TYPE, "application/json"),
            (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
            (header::CACHE_CONTROL, "no-store"),
        ],
        safe,
    )
        .into_response()
}

async fn stats(State(shared): State<Arc<Shared>>) -> Response {
    axum::Json(shared.stats()).into_response()
}
