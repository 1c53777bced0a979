//! [`serve`]: the endpoint's router (or any axum `Router`) on a listener, with
//! bounds that `axum::serve` lacks: a connection cap, a header-read timeout
//! that also closes idle keep-alive connections, a TLS handshake timeout, and a
//! graceful shutdown that answers every request in progress.

use crate::server::{self, Limits, Shutdown};
use axum::Router;
use std::future::Future;
use std::io;
use std::sync::Arc;
use std::time::Duration;
use tokio::net::TcpListener;

/// Connections served at once by default.
pub const DEFAULT_MAX_CONNECTIONS: usize = 1024;
/// How long a client may take to send a request's headers by default.
pub const DEFAULT_HEADER_READ_TIMEOUT: Duration = Duration::from_secs(30);
/// How long a TLS handshake may take by default.
pub const DEFAULT_TLS_HANDSHAKE_TIMEOUT: Duration = Duration::from_secs(10);
/// The longest timeout [`serve`] accepts: one day.
pub const MAX_TIMEOUT: Duration = Duration::from_secs(24 * 3600);

/// How [`serve`] bounds its connections.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct ServeOptions {
    /// Connections served at once (default [`DEFAULT_MAX_CONNECTIONS`], at
    /// least 1). When all are taken, the one idle the longest (no complete
    /// request head yet, a TLS handshake included, or between keep-alive
    /// requests) is closed for a new client; a new client waits only while
    /// every connection has a request in progress.
    pub max_connections: usize,
    /// How long a client may take to send a request's headers, counted from
    /// when the server is ready for the request; this is also how long an idle
    /// keep-alive connection stays open (default
    /// [`DEFAULT_HEADER_READ_TIMEOUT`], more than zero, at most
    /// [`MAX_TIMEOUT`]). The connection is then closed. The body has its own
    /// timeout, [`RouterOptions::body_timeout`](super::RouterOptions::body_timeout).
    pub header_read_timeout: Duration,
    /// Serve HTTPS with this rustls configuration (default `None`: plain
    /// HTTP). `serve` speaks HTTP/1.1 only: the configuration's ALPN
    /// protocols must be empty or `http/1.1`.
    pub tls: Option<Arc<rustls::ServerConfig>>,
    /// How long a TLS handshake may take before the connection is closed
    /// (default [`DEFAULT_TLS_HANDSHAKE_TIMEOUT`], more than zero, at most
    /// [`MAX_TIMEOUT`]).
    pub tls_handshake_timeout: Duration,
}

impl Default for ServeOptions {
    fn default() -> Self {
        Self {
            max_connections: DEFAULT_MAX_CONNECTIONS,
            header_read_timeout: DEFAULT_HEADER_READ_TIMEOUT,
            tls: None,
            tls_handshake_timeout: DEFAULT_TLS_HANDSHAKE_TIMEOUT,
        }
    }
}

impl ServeOptions {
    /// Connections served at once.
    pub fn max_connections(mut self, connections: usize) -> Self {
        self.max_connections = connections;
        self
    }

    /// How long a client may take to send a request's headers (and how long
    /// an idle keep-alive connection stays open).
    pub fn header_read_timeout(mut self, timeout: Duration) -> Self {
        self.header_read_timeout = timeout;
        self
    }

    /// Serve HTTPS with this rustls configuration.
    pub fn tls(mut self, config: Arc<rustls::ServerConfig>) -> Self {
        self.tls = Some(config);
        self
    }

    /// How long a TLS handshake may take.
    pub fn tls_handshake_timeout(mut self, timeout: Duration) -> Self {
        self.tls_handshake_timeout = timeout;
        self
    }

    /// The limits, or an error naming the option that breaks its rule.
    fn limits(&self) -> io::Result<Limits> {
        let invalid = |message: String| Err(io::Error::new(io::ErrorKind::InvalidInput, message));
        if self.max_connections == 0 {
            return invalid("ServeOptions::max_connections: must be at least 1".to_owned());
        }
        for (name, timeout) in [
            ("header_read_timeout", self.header_read_timeout),
            ("tls_handshake_timeout", self.tls_handshake_timeout),
        ] {
            if timeout.is_zero() || timeout > MAX_TIMEOUT {
                return invalid(format!(
                    "ServeOptions::{name}: must be more than zero and at most {} s, not {} s",
                    MAX_TIMEOUT.as_secs(),
                    timeout.as_secs_f64()
                ));
            }
        }
        if let Some(tls) = &self.tls
            && tls.alpn_protocols.iter().any(|p| p != b"http/1.1")
        {
            return invalid(
                "ServeOptions::tls: the ALPN protocols must be empty or `http/1.1` (serve speaks HTTP/1.1 only)"
                    .to_owned(),
            );
        }
        Ok(Limits {
            max_connections: self.max_connections,
            header_read_timeout: self.header_read_timeout,
            handshake_timeout: self.tls_handshake_timeout,
        })
    }
}

/// Serves `app` (e.g. [`router`](super::router)) on `listener` over HTTP/1.1
/// until `shutdown` completes, within the bounds of `options`:
///
/// * at most [`ServeOptions::max_connections`] connections are served at
///   once; when all are taken, the connection idle the longest (no complete
///   request head yet, or between keep-alive requests) is closed to make room
///   for a new client, so idle sockets cannot keep clients out; a request in
///   progress is never cut off, and a new client waits only while every
///   connection has one;
/// * a client that does not send a request's headers within
///   [`ServeOptions::header_read_timeout`] (a slowloris) is disconnected, and
///   so is a keep-alive connection idle that long;
/// * with [`ServeOptions::tls`], each TLS handshake runs on its own task (a
///   slow one never holds up the others) within
///   [`ServeOptions::tls_handshake_timeout`];
/// * running out of file descriptors closes the connection idle the longest
///   too, and makes the accept loop back off (10 ms, doubling up to 1 s)
///   instead of spinning.
///
/// Handlers can extract the client's address as
/// `axum::extract::ConnectInfo<std::net::SocketAddr>`, as under
/// `into_make_service_with_connect_info`.
///
/// Once `shutdown` completes, no connection is accepted (the listener is
/// closed); every request in progress runs to completion and is answered,
/// idle connections are closed; `serve` returns when the last connection has
/// closed. Pass `std::future::pending()` to serve forever.
///
/// # Errors
///
/// Only before anything is served: [`io::ErrorKind::InvalidInput`] when an
/// option breaks its rule (the message names it). Errors of single
/// connections (a reset, a failed handshake, a timeout) close that connection
/// only.
pub async fn serve(
    listener: TcpListener,
    app: Router,
    options: ServeOptions,
    shutdown: impl Future<Output = ()>,
) -> io::Result<()> {
    let limits = options.limits()?;
    let tls = options.tls.map(tokio_rustls::TlsAcceptor::from);
    server::serve(listener, tls, app, shutdown, limits, Shutdown::Graceful).await;
    Ok(())
}
