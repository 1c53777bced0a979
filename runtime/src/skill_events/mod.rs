//! A verified endpoint for Alexa's skill events (feature `skill-events`).
//!
//! A skill's manifest can send its skill events (`events.endpoint.uri`) to their own
//! HTTPS endpoint. Anyone who can reach that URL can post to it, so every request is
//! checked as Amazon requires of a web service (docs/decisions.md, D20) before it
//! may touch the subscriptions [`Ledger`](crate::subscriptions::Ledger):
//!
//! | rule | [`Rule`] |
//! |---|---|
//! | both `SignatureCertChainUrl` and `Signature-256` headers are present | `MISSING-HEADER` |
//! | the certificate URL is `https://s3.amazonaws.com[:443]/echo.api/…` (after `..` segments are resolved) | `CERT-URL` |
//! | the chain downloads (timeout, size cap) and is PEM | `CERT-DOWNLOAD` |
//! | the chain leads to a trusted root (Mozilla's, from `webpki-roots`) | `CERT-CHAIN` |
//! | every certificate of the chain is within its validity dates | `CERT-DATES` |
//! | the signing certificate's Subject Alternative Names include `echo-api.amazon.com` exactly (no wildcard) | `CERT-SAN` |
//! | `Signature-256` is the RSA PKCS#1 v1.5 SHA-256 signature of the raw body | `SIGNATURE` |
//! | the body is JSON with a `request.type` | `BODY` |
//! | `request.timestamp` is within 150 s of now (3600 s for the five lifecycle skill events) | `TIMESTAMP` |
//! | the application id is one the endpoint serves | `APPLICATION-ID` |
//!
//! [`Verifier`] does the checks and knows no web framework: it takes the headers,
//! the raw body bytes and the time. [`handle`] applies a verified (or, on AWS
//! Lambda, a directly invoked) skill event to a ledger, and [`router`] puts both
//! behind an axum `Router` (`POST /`, `GET /healthz`) for a user's own server.
//! [`serve`] runs that router with bounds that `axum::serve` lacks (a connection
//! cap, a header-read timeout against slowloris clients, optional TLS with a
//! handshake timeout, a graceful shutdown: [`ServeOptions`]);
//! `proactive-events serve` runs it so.
//!
//! ```no_run
//! use alexa_proactive_events_runtime::skill_events::{
//!     ServeOptions, Verifier, VerifierOptions, router, serve,
//! };
//! use alexa_proactive_events_runtime::subscriptions::MemoryLedger;
//! use std::sync::Arc;
//! use std::time::Duration;
//!
//! # async fn run() -> Result<(), Box<dyn std::error::Error>> {
//! let verifier = Verifier::new(VerifierOptions::new(["amzn1.ask.skill.1"]))?;
//! let app = router(verifier, Arc::new(MemoryLedger::new()));
//! let listener = tokio::net::TcpListener::bind("127.0.0.1:8080").await?;
//! let options = ServeOptions::default()
//!     .max_connections(512)
//!     .header_read_timeout(Duration::from_secs(10));
//! // Until Ctrl-C; the requests in flight are answered before `serve` returns.
//! let ctrl_c = async {
//!     let _ = tokio::signal::ctrl_c().await;
//! };
//! serve(listener, app, options, ctrl_c).await?;
//! # Ok(()) }
//! ```

mod cert_url;
mod handle;
mod router;
mod serve;
mod verify;

pub use cert_url::{
    AMAZON_CERT_URL_HOST, AMAZON_CERT_URL_PATH_PREFIX, CertUrlRule, check_cert_url,
};
pub use handle::{
    ACKNOWLEDGED_TYPES, HandleError, Handled, SKILL_DISABLED, SkillEvent, handle, handle_async,
    handle_json,
};
pub use router::{
    DEFAULT_BODY_TIMEOUT, DEFAULT_MAX_BODY_BYTES, HEALTH_ANSWER_WITHIN, RouterOptions, router,
    router_with,
};
pub use serve::{
    DEFAULT_HEADER_READ_TIMEOUT, DEFAULT_MAX_CONNECTIONS, DEFAULT_TLS_HANDSHAKE_TIMEOUT,
    MAX_TIMEOUT, ServeOptions, serve,
};
pub use verify::{
    CERT_SAN, DEFAULT_DOWNLOAD_TIMEOUT, DEFAULT_MAX_CHAIN_BYTES, HEADER_CERT_URL, HEADER_SIGNATURE,
    LIFECYCLE_TIMESTAMP_TOLERANCE, LIFECYCLE_TYPES, RequestHeaders, Rule, TIMESTAMP_TOLERANCE,
    VerifiedRequest, Verifier, VerifierBuildError, VerifierOptions, VerifyError,
};
