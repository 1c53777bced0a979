//! The accept loop: hyper directly (not `axum::serve`) so that a handler can
//! close its connection without answering, as a fault.
//!
//! Hostile clients cannot exhaust it: at most `max_connections` connections are
//! served at once (the next client waits in the listen backlog), each has a
//! header-read timeout that also closes idle keep-alive connections, and an
//! accept error such as running out of file descriptors (EMFILE, ENFILE) makes
//! the loop sleep with a growing backoff instead of spinning.

use axum::Router;
use axum::response::Response;
use hyper::body::Incoming;
use hyper::service::Service;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::service::TowerToHyperService;
use std::future::Future;
use std::io;
use std::pin::Pin;
use std::sync::Arc;
use std::time::Duration;
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{Notify, OwnedSemaphorePermit, Semaphore, watch};
use tokio::task::JoinSet;
use tokio_rustls::TlsAcceptor;

/// Given to handlers (as a request extension): closes the connection.
#[derive(Debug, Clone)]
pub(crate) struct DropConnection(Arc<Notify>);

impl DropConnection {
    /// Closes the connection; never returns (the handler is dropped with it).
    pub(crate) async fn now(self) -> Response {
        self.0.notify_one();
        std::future::pending().await
    }
}

/// What bounds the server's connections.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Limits {
    /// Connections served at once (at least 1).
    pub(crate) max_connections: usize,
    /// Per request, from when the server is ready for it until its headers
    /// have arrived; also the idle keep-alive timeout.
    pub(crate) header_read_timeout: Duration,
}

/// Where connections come from: a TCP listener, or a fake in unit tests.
pub(crate) trait Accept {
    type Io: Connection;
    /// The next connection; must be cancel-safe (it is raced against others).
    fn accept(&mut self) -> impl Future<Output = io::Result<Self::Io>> + Send;
}

impl Accept for TcpListener {
    type Io = TcpStream;
    async fn accept(&mut self) -> io::Result<TcpStream> {
        let (stream, _) = TcpListener::accept(self).await?;
        let _ = stream.set_nodelay(true);
        Ok(stream)
    }
}

/// The pause after an accept error. An error about one connection (aborted or
/// reset before it was accepted) is retried at once; any other error, such as
/// EMFILE or ENFILE (out of file descriptors) or ENOMEM, would fail again
/// straight away, so the loop sleeps: 10 ms, doubling up to 1 s while errors
/// continue, back to 10 ms after a success.
#[derive(Debug, Default)]
pub(crate) struct Backoff {
    next: Option<Duration>,
}

impl Backoff {
    pub(crate) const FIRST: Duration = Duration::from_millis(10);
    pub(crate) const MAX: Duration = Duration::from_secs(1);

    /// How long to sleep after this error (`None`: retry at once).
    pub(crate) fn on_error(&mut self, error: &io::Error) -> Option<Duration> {
        if is_connection_error(error) {
            return None;
        }
        let pause = self.next.unwrap_or(Self::FIRST);
        self.next = Some((pause * 2).min(Self::MAX));
        Some(pause)
    }

    pub(crate) fn on_success(&mut self) {
        self.next = None;
    }
}

/// Errors that concern one incoming connection only, not the listener.
fn is_connection_error(error: &io::Error) -> bool {
    matches!(
        error.kind(),
        io::ErrorKind::ConnectionAborted
            | io::ErrorKind::ConnectionReset
            | io::ErrorKind::ConnectionRefused
            | io::ErrorKind::Interrupted
    )
}

pub(crate) async fn serve(
    listener: TcpListener,
    app: Router,
    stop: watch::Receiver<bool>,
    limits: Limits,
) {
    accept_loop(listener, app, stop, limits, tokio::time::sleep).await;
}

/// Serves HTTPS: each connection's TLS handshake runs on its own task (one
/// slow client never holds up the accept loop) and must finish within the
/// header-read timeout.
pub(crate) async fn serve_tls(
    listener: TcpListener,
    acceptor: TlsAcceptor,
    app: Router,
    stop: watch::Receiver<bool>,
    limits: Limits,
) {
    let listener = TlsListener { listener, acceptor };
    accept_loop(listener, app, stop, limits, tokio::time::sleep).await;
}

/// A TCP listener whose connections still need their TLS handshake.
struct TlsListener {
    listener: TcpListener,
    acceptor: TlsAcceptor,
}

/// A TCP connection and the acceptor that will shake hands on it.
pub(crate) struct PendingTls {
    stream: TcpStream,
    acceptor: TlsAcceptor,
}

impl Accept for TlsListener {
    type Io = PendingTls;
    async fn accept(&mut self) -> io::Result<PendingTls> {
        let stream = Accept::accept(&mut self.listener).await?;
        Ok(PendingTls {
            stream,
            acceptor: self.acceptor.clone(),
        })
    }
}

/// What a connection task gets from the accept loop: a stream ready for HTTP,
/// or one that needs its TLS handshake first.
pub(crate) trait Connection: Send + 'static {
    type Ready: AsyncRead + AsyncWrite + Unpin + Send + 'static;
    /// The stream to speak HTTP on; `None` when the handshake failed or took
    /// longer than `timeout`.
    fn ready(self, timeout: Duration) -> impl Future<Output = Option<Self::Ready>> + Send;
}

impl Connection for TcpStream {
    type Ready = TcpStream;
    async fn ready(self, _timeout: Duration) -> Option<TcpStream> {
        Some(self)
    }
}

impl Connection for PendingTls {
    type Ready = tokio_rustls::server::TlsStream<TcpStream>;
    async fn ready(self, timeout: Duration) -> Option<Self::Ready> {
        tokio::time::timeout(timeout, self.acceptor.accept(self.stream))
            .await
            .ok()?
            .ok()
    }
}

/// Accepts until `stop` changes (or its sender is gone), then closes every
/// connection. `sleep` makes the backoff pauses (unit tests record them).
pub(crate) async fn accept_loop<L, S, F>(
    mut listener: L,
    app: Router,
    mut stop: watch::Receiver<bool>,
    limits: Limits,
    mut sleep: S,
) where
    L: Accept,
    S: FnMut(Duration) -> F,
    F: Future<Output = ()>,
{
    let permits = Arc::new(Semaphore::new(limits.max_connections.max(1)));
    let mut connections = JoinSet::new();
    let mut backoff = Backoff::default();
    let mut permit: Option<OwnedSemaphorePermit> = None;
    let mut pause: Option<Pin<Box<F>>> = None;
    loop {
        tokio::select! {
            biased;
            _ = stop.changed() => break,
            Some(_) = connections.join_next(), if !connections.is_empty() => {}
            () = async { pause.as_mut().expect("guarded by the condition").await },
                if pause.is_some() => pause = None,
            acquired = permits.clone().acquire_owned(), if permit.is_none() => {
                // The semaphore is never closed.
                permit = acquired.ok();
            }
            accepted = listener.accept(), if permit.is_some() && pause.is_none() => {
                match accepted {
                    Ok(io) => {
                        backoff.on_success();
                        let held = permit.take();
                        let app = app.clone();
                        connections.spawn(async move {
                            if let Some(io) = io.ready(limits.header_read_timeout).await {
                                connection(io, app, limits.header_read_timeout).await;
                            }
                            drop(held);
                        });
                    }
                    Err(e) => {
                        if let Some(d) = backoff.on_error(&e) {
                            pause = Some(Box::pin(sleep(d)));
                        }
                    }
                }
            }
        }
    }
    drop(listener);
    connections.shutdown().await;
}

async fn connection<I>(io: I, app: Router, header_read_timeout: Duration)
where
    I: AsyncRead + AsyncWrite + Unpin + Send + 'static,
{
    let kill = Arc::new(Notify::new());
    let handle = DropConnection(kill.clone());
    let service = TowerToHyperService::new(app);
    let service = hyper::service::service_fn(move |mut request: hyper::Request<Incoming>| {
        request.extensions_mut().insert(handle.clone());
        service.call(request)
    });
    let conn = hyper::server::conn::http1::Builder::new()
        .timer(TokioTimer::new())
        .header_read_timeout(header_read_timeout)
        .serve_connection(TokioIo::new(io), service);
    tokio::select! {
        _ = conn => {}
        _ = kill.notified() => {}
    }
}
