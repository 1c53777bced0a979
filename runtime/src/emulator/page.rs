//! `GET /`: a page that shows what the emulator accepted and refused, newest
//! first, polling `GET /emulator/feed?after=ID` every second (each poll carries
//! only what is new, at most [`MAX_FEED_LIMIT`] of each kind). One file, no build step,
//! no external asset: CSS and script are inline.
//!
//! Event bodies are hostile input. The page carries no event data itself; its
//! script puts every value from the feed on the page with `textContent` (never
//! as HTML), the feed writes `<`, `>` and `&` as JSON escapes, and a
//! Content-Security-Policy allows only the page's own inline style and script
//! (by a per-response nonce) and requests to the emulator itself.

use super::routes::MAX_FEED_LIMIT;
use super::state::{
    MAX_ACCEPTED, MAX_ACCEPTED_BYTES, MAX_KEPT_BODY_BYTES, MAX_MESSAGE_BYTES, MAX_REFUSED,
    MAX_REFUSED_BYTES, MAX_TEXT_BYTES,
};
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use rand::TryRngCore;
use rand::rngs::OsRng;

const PAGE: &str = include_str!("page.html");

/// Where the nonce goes in [`PAGE`].
const NONCE_SLOT: &str = "{{NONCE}}";

/// What the emulator keeps, for the page's footer.
fn kept() -> String {
    format!(
        "The emulator keeps the newest {} accepted events (at most {} MiB of them) and the \
         newest {} refusals (at most {} MiB); this page shows the newest {MAX_FEED_LIMIT} of \
         each. A body over {} KiB is kept as its size and SHA-256 (GET /emulator/events); \
         sentences, user ids and rule messages are cut at {} bytes, a refusal's message at \
         {}, and marked as cut.",
        thousands(MAX_ACCEPTED),
        MAX_ACCEPTED_BYTES >> 20,
        thousands(MAX_REFUSED),
        MAX_REFUSED_BYTES >> 20,
        MAX_KEPT_BODY_BYTES >> 10,
        thousands(MAX_TEXT_BYTES),
        thousands(MAX_MESSAGE_BYTES),
    )
}

/// `10000` as `10,000`.
fn thousands(n: usize) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, d) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(d);
    }
    out
}

pub(crate) async fn page() -> Response {
    let mut bytes = [0u8; 16];
    // Without a nonce the page still loads, but its script and style are blocked.
    let nonce: String = if OsRng.try_fill_bytes(&mut bytes).is_ok() {
        bytes.iter().map(|b| format!("{b:02x}")).collect()
    } else {
        String::new()
    };
    let policy = format!(
        "default-src 'none'; script-src 'nonce-{nonce}'; style-src 'nonce-{nonce}'; \
         connect-src 'self'; img-src 'none'; base-uri 'none'; form-action 'none'; \
         frame-ancestors 'none'"
    );
    let page = PAGE
        .replace(NONCE_SLOT, &nonce)
        .replace("{{FEED_LIMIT}}", &MAX_FEED_LIMIT.to_string())
        .replace("{{KEPT}}", &kept());
    let mut response = page.into_response();
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/html; charset=utf-8"),
    );
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    headers.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
    if let Ok(value) = HeaderValue::from_str(&policy) {
        headers.insert(header::CONTENT_SECURITY_POLICY, value);
    }
    response
}
