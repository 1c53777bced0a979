//! `proactive-events serve`: the verified skill-events endpoint. Alexa's
//! `ProactiveSubscriptionChanged` (and `SkillDisabled`) requests reach the ledger
//! named by `--db` only after every check Amazon requires; anything else gets 400.

use super::output::escape_control;
use super::store::StoreLocation;
use super::subscriptions::{Access, open_ledger};
use super::{exit, fail, print, read_file};
use alexa_proactive_events::skill_events::{
    DEFAULT_HEADER_READ_TIMEOUT, DEFAULT_MAX_BODY_BYTES, DEFAULT_MAX_CONNECTIONS, MAX_TIMEOUT,
    RouterOptions, ServeOptions, Verifier, VerifierOptions, router_with, serve,
};
use alexa_proactive_events::subscriptions::{AsyncLedger, DEFAULT_STORE_TIMEOUT};
use rustls::pki_types::pem::PemObject as _;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;
use tokio::net::TcpListener;

#[derive(Debug, clap::Args)]
#[command(after_help = "\
The first line of output is `listening on http://ADDR:PORT` (https with --tls-cert).
POST / takes Alexa's skill events; GET /healthz answers `ok` when the ledger answers
a probe within --store-timeout (at most 0.9 s), else 503, and never waits longer.

A request whose ledger call fails or takes longer than --store-timeout (2 s) gets
503 with Retry-After and changes nothing that Alexa's retry will not redo:
notices are applied concurrently, one transaction each, up to the pool's size.

Every request is checked as Amazon requires: the SignatureCertChainUrl and
Signature-256 headers, the certificate URL (https://s3.amazonaws.com/echo.api/...),
the chain (a trusted root, validity dates, SAN echo-api.amazon.com), the RSA SHA-256
signature of the raw body, request.timestamp within 150 s (one hour for the
lifecycle skill events), and the skill id. A request that fails gets 400 and
changes nothing. ProactiveSubscriptionChanged goes to the ledger; SkillDisabled
unsubscribes the user from every event until a newer subscription notice.

Alexa calls HTTPS on port 443 with a certificate from a trusted authority: run this
behind a load balancer or reverse proxy that terminates TLS, or give --tls-cert and
--tls-key. SIGTERM or Ctrl-C stops accepting and finishes the requests in flight.

Slow or idle clients cannot hold the server: at most --max-connections (1024)
connections are served at once, and when all are taken a new client gets the slot
of the connection idle the longest (no complete request headers yet, or between
keep-alive requests), which is closed; a request in progress keeps its slot, and a
new client waits only while every slot has one. A client that has not sent a
request's headers within --header-read-timeout (30 s) is disconnected, as is a
keep-alive connection idle that long, a TLS handshake must finish within 10 s, and
a body within 30 s (400 BODY-SIZE).

--trust-root and --cert-url-prefix are FOR TESTS ONLY: they replace Amazon's roots and
certificate-URL rule, so that a test can sign requests with its own certificate.

Examples:
  proactive-events serve --listen 127.0.0.1:8080 --db subs.db --skill-id amzn1.ask.skill.1234
  proactive-events serve --listen 0.0.0.0:443 --db postgres://skill@db/skill \\
      --skill-id amzn1.ask.skill.1234 --tls-cert fullchain.pem --tls-key key.pem")]
pub struct ServeArgs {
    /// Address and port to listen on (port 0: any free port).
    #[arg(long, value_name = "ADDR", default_value = "127.0.0.1:8080")]
    listen: SocketAddr,
    /// The ledger: a SQLite file (created if missing), or a PostgreSQL database
    /// as a postgres:// URL or libpq key=value pairs (see `proactive-events
    /// subscriptions --help`).
    #[arg(long, value_name = "PATH|URL")]
    db: StoreLocation,
    /// A skill id (`amzn1.ask.skill.…`) whose requests are accepted; repeat for more.
    #[arg(long = "skill-id", value_name = "ID", required = true)]
    skill_ids: Vec<String>,
    /// Serve HTTPS with this certificate chain (PEM), with --tls-key.
    #[arg(long, value_name = "PEM", requires = "tls_key")]
    tls_cert: Option<PathBuf>,
    /// The private key (PEM) of --tls-cert.
    #[arg(long, value_name = "PEM", requires = "tls_cert")]
    tls_key: Option<PathBuf>,
    /// The largest request body read; a larger one gets 400.
    #[arg(
        long,
        value_name = "BYTES",
        default_value_t = DEFAULT_MAX_BODY_BYTES,
        value_parser = parse_max_body_bytes
    )]
    max_body_bytes: usize,
    /// Seconds a client may take to send a request's headers (also how long an
    /// idle keep-alive connection stays open); then it is disconnected.
    #[arg(
        long,
        value_name = "SECS",
        default_value_t = DEFAULT_HEADER_READ_TIMEOUT.as_secs(),
        value_parser = parse_header_read_timeout
    )]
    header_read_timeout: u64,
    /// Seconds a request waits for the ledger (a connection, a lock, the answer);
    /// then it gets 503 with Retry-After, and Alexa retries. Also the most a
    /// health check waits (at most 0.9 s).
    #[arg(
        long,
        value_name = "SECS",
        default_value_t = DEFAULT_STORE_TIMEOUT.as_secs_f64(),
        value_parser = parse_store_timeout
    )]
    store_timeout: f64,
    /// Connections served at once. When all are taken, the one idle the longest
    /// (no request yet, or between requests) is closed for a new client, which
    /// waits only while every connection has a request in progress.
    #[arg(
        long,
        value_name = "N",
        default_value_t = DEFAULT_MAX_CONNECTIONS,
        value_parser = parse_max_connections
    )]
    max_connections: usize,
    /// FOR TESTS ONLY: trust the root certificate(s) in this PEM file instead of
    /// Mozilla's roots. Never use it in production.
    #[arg(long, value_name = "FILE.pem")]
    trust_root: Option<PathBuf>,
    /// FOR TESTS ONLY: accept certificate URLs starting with this prefix (e.g.
    /// http://127.0.0.1:PORT/echo.api/) instead of Amazon's rule. Never use it in
    /// production.
    #[arg(long, value_name = "URL")]
    cert_url_prefix: Option<String>,
}

fn parse_header_read_timeout(s: &str) -> Result<u64, String> {
    let max = MAX_TIMEOUT.as_secs();
    match s.parse::<u64>() {
        Ok(secs) if (1..=max).contains(&secs) => Ok(secs),
        _ => Err(format!(
            "give a whole number of seconds from 1 to {max} (one day)"
        )),
    }
}

pub(crate) fn parse_store_timeout(s: &str) -> Result<f64, String> {
    let max = MAX_TIMEOUT.as_secs_f64();
    match s.parse::<f64>() {
        Ok(secs) if (0.001..=max).contains(&secs) => Ok(secs),
        _ => Err(format!(
            "give a number of seconds from 0.001 to {max} (one day)"
        )),
    }
}

/// At least 1: a limit of 0 would refuse every request, Alexa's included.
fn parse_max_body_bytes(s: &str) -> Result<usize, String> {
    match s.parse::<usize>() {
        Ok(n) if n >= 1 => Ok(n),
        _ => Err(format!(
            "give a whole number of bytes, at least 1 (0 would refuse every request; \
             the default is {DEFAULT_MAX_BODY_BYTES})"
        )),
    }
}

fn parse_max_connections(s: &str) -> Result<usize, String> {
    match s.parse::<usize>() {
        Ok(n) if n >= 1 => Ok(n),
        _ => Err("give a whole number of connections, at least 1".to_owned()),
    }
}

pub fn run(args: ServeArgs) -> ExitCode {
    if args.skill_ids.iter().any(|s| s.trim().is_empty()) {
        return fail("--skill-id: give a non-empty skill id");
    }
    let mut options = VerifierOptions::new(args.skill_ids.iter().cloned());
    if let Some(path) = &args.trust_root {
        let pem = match read_file(path) {
            Ok(p) => p,
            Err(e) => return fail(format!("--trust-root {}: {e}", path.display())),
        };
        options = match options.trust_roots_for_tests(&pem) {
            Ok(o) => o,
            Err(e) => return fail(format!("--trust-root {}: {e}", path.display())),
        };
    }
    if let Some(prefix) = &args.cert_url_prefix {
        options = options.cert_url_prefix_for_tests(prefix.clone());
    }
    let tls = match (&args.tls_cert, &args.tls_key) {
        (Some(cert), Some(key)) => match tls_config(cert, key) {
            Ok(t) => Some(t),
            Err(message) => return fail(message),
        },
        _ => None,
    };
    let verifier = match Verifier::new(options) {
        Ok(v) => v,
        Err(e) => return fail(e),
    };
    let store_timeout = Duration::from_secs_f64(args.store_timeout);
    let ledger: Arc<dyn AsyncLedger> =
        match open_ledger(&args.db, Access::Write, Some(store_timeout)) {
            Ok(l) => l,
            Err(e) => return fail(e),
        };
    let runtime = match tokio::runtime::Runtime::new() {
        Ok(r) => r,
        Err(e) => return fail(format!("cannot start the async runtime: {e}")),
    };
    let _ = tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .with_ansi(false)
        .with_target(false)
        .try_init();
    let test_options = args.trust_root.is_some() || args.cert_url_prefix.is_some();
    let code = runtime.block_on(async {
        let listener = match TcpListener::bind(args.listen).await {
            Ok(l) => l,
            Err(e) => return fail(format!("cannot listen on {}: {e}", args.listen)),
        };
        let addr = match listener.local_addr() {
            Ok(a) => a,
            Err(e) => return fail(format!("cannot listen on {}: {e}", args.listen)),
        };
        let app = router_with(
            verifier,
            ledger,
            RouterOptions::default()
                .max_body_bytes(args.max_body_bytes)
                .store_timeout(store_timeout),
        );
        let scheme = if tls.is_some() { "https" } else { "http" };
        print(&format!("listening on {scheme}://{addr}"));
        if test_options {
            eprintln!(
                "warning: --trust-root/--cert-url-prefix are set: Amazon's certificate rules are replaced (tests only)"
            );
        }
        let mut options = ServeOptions::default()
            .max_connections(args.max_connections)
            .header_read_timeout(Duration::from_secs(args.header_read_timeout));
        if let Some(config) = tls {
            options = options.tls(config);
        }
        match serve(listener, app, options, shutdown_signal()).await {
            Ok(()) => ExitCode::from(exit::OK),
            Err(e) => fail(format!("server error: {e}")),
        }
    });
    // Every handler has returned (graceful shutdown waited for them); applies
    // still running on the blocking pool finish before the runtime is gone.
    drop(runtime);
    eprintln!("stopped");
    code
}

/// SIGTERM (what service managers send) or Ctrl-C.
async fn shutdown_signal() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        match signal(SignalKind::terminate()) {
            Ok(mut term) => {
                tokio::select! {
                    _ = term.recv() => {}
                    _ = tokio::signal::ctrl_c() => {}
                }
            }
            Err(_) => {
                let _ = tokio::signal::ctrl_c().await;
            }
        }
    }
    #[cfg(not(unix))]
    {
        let _ = tokio::signal::ctrl_c().await;
    }
    eprintln!("shutting down: finishing the requests in flight");
}

fn tls_config(cert: &Path, key: &Path) -> Result<Arc<rustls::ServerConfig>, String> {
    let cert_shown = escape_control(&cert.display().to_string()).into_owned();
    let key_shown = escape_control(&key.display().to_string()).into_owned();
    // Read through the capped reader, then parsed from memory: rustls' file
    // readers go line by line with no bound (`/dev/zero` has no line end).
    let cert_pem = read_file(cert).map_err(|e| format!("--tls-cert {cert_shown}: {e}"))?;
    let certs = CertificateDer::pem_slice_iter(&cert_pem)
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| format!("--tls-cert {cert_shown}: {e}"))?;
    if certs.is_empty() {
        return Err(format!(
            "--tls-cert {cert_shown}: no CERTIFICATE in the file"
        ));
    }
    let key_pem = read_file(key).map_err(|e| format!("--tls-key {key_shown}: {e}"))?;
    // The error names the file, never the key.
    let key_der = PrivateKeyDer::from_pem_slice(&key_pem)
        .map_err(|_| format!("--tls-key {key_shown}: not a PEM private key (unreadable PEM)"))?;
    // ring, like the runtime: deprecated since rustls 0.23.48 (no post-quantum key
    // exchange), allowed on purpose (runtime/src/ring_provider.rs says why).
    #[allow(deprecated)]
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let config = rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| format!("TLS: {e}"))?
        .with_no_client_auth()
        .with_single_cert(certs, key_der)
        .map_err(|e| format!("--tls-cert/--tls-key: {e}"))?;
    Ok(Arc::new(config))
}
