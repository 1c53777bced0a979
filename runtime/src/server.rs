//! The accept loop shared by the emulator and the skill-events endpoint: hyper
//! directly (not `axum::serve`), so that connections are bounded and so that a
//! handler can close its connection without answering (the emulator's faults).
//!
//! Hostile clients cannot exhaust it: at most `max_connections` connections are
//! served at once (the next client waits in the listen backlog), each has a
//! header-read timeout that also closes idle keep-alive connections, a TLS
//! handshake must finish within its own timeout, and an accept error such as
//! running out of file descriptors (EMFILE, ENFILE) makes the loop sleep with a
//! growing backoff instead of spinning.
//!
//! When the stop future completes, the listener is closed at once; then either
//! every connection is closed ([`Shutdown::Abort`], the emulator) or each one
//! finishes the request in progress and closes, idle ones at once, and the loop
//! returns when the last one has ([`Shutdown::Graceful`], the skill-events
//! endpoint).

use axum::Router;
use axum::extract::ConnectInfo;
use hyper::body::Incoming;
use hyper::service::Service;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::service::TowerToHyperService;
use std::future::Future;
use std::io;
use std::net::SocketAddr;
use std::pin::{Pin, pin};
use std::sync::Arc;
use std::time::Duration;
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{Notify, OwnedSemaphorePermit, Semaphore, watch};
use tokio::task::JoinSet;
use tokio_rustls::TlsAcceptor;

#[cfg(test)]
mod tests;

/// Given to handlers (as a request extension): closes the connection.
#[derive(Debug, Clone)]
#[cfg_attr(not(feature = "emulator"), allow(dead_code))]
pub(crate) struct DropConnection(Arc<Notify>);

impl DropConnection {
    /// Closes the connection; never returns (the handler is dropped with it).
    #[cfg(feature = "emulator")]
    pub(crate) async fn now(self) -> axum::response::Response {
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
    /// How long a TLS handshake may take (unused without TLS).
    pub(crate) handshake_timeout: Duration,
}

/// What happens to open connections once the loop is asked to stop.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Shutdown {
    /// Every connection is closed at once, requests in progress included.
    #[cfg_attr(not(feature = "emulator"), allow(dead_code))]
    Abort,
    /// Every request in progress runs to completion (its answer is sent), idle
    /// connections and unfinished TLS handshakes are closed; the loop returns
    /// when the last connection has closed.
    #[cfg_attr(not(feature = "skill-events"), allow(dead_code))]
    Graceful,
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

/// Serves `app` on `listener` until `stop` completes: plain HTTP, or HTTPS
/// when given an acceptor (each connection's TLS handshake runs on its own
/// task, so one slow client never holds up the accept loop, and must finish
/// within `limits.handshake_timeout`).
pub(crate) async fn serve(
    listener: TcpListener,
    tls: Option<TlsAcceptor>,
    app: Router,
    stop: impl Future<Output = ()>,
    limits: Limits,
    shutdown: Shutdown,
) {
    match tls {
        None => accept_loop(listener, app, stop, limits, shutdown, tokio::time::sleep).await,
        Some(acceptor) => {
            let listener = TlsListener { listener, acceptor };
            accept_loop(listener, app, stop, limits, shutdown, tokio::time::sleep).await;
        }
    }
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
    /// The client's address, given to handlers as axum's `ConnectInfo`.
    fn peer_addr(&self) -> Option<SocketAddr>;
}

impl Connection for TcpStream {
    type Ready = TcpStream;
    async fn ready(self, _timeout: Duration) -> Option<TcpStream> {
        Some(self)
    }
    fn peer_addr(&self) -> Option<SocketAddr> {
        TcpStream::peer_addr(self).ok()
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
    fn peer_addr(&self) -> Option<SocketAddr> {
        self.stream.peer_addr().ok()
    }
}

/// Accepts until `stop` completes, then closes the listener and ends the
/// connections as `shutdown` says. `sleep` makes the backoff pauses (unit
/// tests record them).
pub(crate) async fn accept_loop<L, S, F>(
    mut listener: L,
    app: Router,
    stop: impl Future<Output = ()>,
    limits: Limits,
    shutdown: Shutdown,
    mut sleep: S,
) where
    L: Accept,
    S: FnMut(Duration) -> F,
    F: Future<Output = ()>,
{
    let mut stop = pin!(stop);
    // More permits than the semaphore can count would panic: cap them (no
    // machine has that many descriptors anyway).
    let max = limits.max_connections.clamp(1, Semaphore::MAX_PERMITS);
    let permits = Arc::new(Semaphore::new(max));
    // Flipped to `true` once the loop stops: connections then finish gracefully.
    let (closing, _) = watch::channel(false);
    let mut connections = JoinSet::new();
    let mut backoff = Backoff::default();
    let mut permit: Option<OwnedSemaphorePermit> = None;
    let mut pause: Option<Pin<Box<F>>> = None;
    loop {
        tokio::select! {
            biased;
            () = stop.as_mut() => break,
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
                        let closing = closing.subscribe();
                        connections.spawn(async move {
                            serve_connection(io, app, limits, closing).await;
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
    // No connection is accepted from now on; those in the backlog are refused.
    drop(listener);
    match shutdown {
        Shutdown::Abort => connections.shutdown().await,
        Shutdown::Graceful => {
            closing.send_replace(true);
            while connections.join_next().await.is_some() {}
        }
    }
}

/// Waits until the loop has stopped (or is gone).
async fn closed(closing: &mut watch::Receiver<bool>) {
    let _ = closing.wait_for(|closing| *closing).await;
}

/// One connection: its TLS handshake if any, then HTTP/1.1 until the client
/// or a timeout closes it, a handler drops it, or the loop stops.
async fn serve_connection<C: Connection>(
    io: C,
    app: Router,
    limits: Limits,
    mut closing: watch::Receiver<bool>,
) {
    let peer = io.peer_addr().map(ConnectInfo);
    // A handshake still running when the loop stops carries no request yet.
    let io = tokio::select! {
        io = io.ready(limits.handshake_timeout) => io,
        () = closed(&mut closing) => None,
    };
    let Some(io) = io else { return };
    let kill = Arc::new(Notify::new());
    let handle = DropConnection(kill.clone());
    let service = TowerToHyperService::new(app);
    let service = hyper::service::service_fn(move |mut request: hyper::Request<Incoming>| {
        request.extensions_mut().insert(handle.clone());
        if let Some(peer) = peer {
            request.extensions_mut().insert(peer);
        }
        service.call(request)
    });
    let mut conn = pin!(
        hyper::server::conn::http1::Builder::new()
            .timer(TokioTimer::new())
            .header_read_timeout(limits.header_read_timeout)
            .serve_connection(TokioIo::new(io), service)
    );
    tokio::select! {
        _ = conn.as_mut() => return,
        () = kill.notified() => return,
        () = closed(&mut closing) => {}
    }
    // The request in progress, if any, is answered; then the connection closes
    // (at once when idle or when no request has begun).
    conn.as_mut().graceful_shutdown();
    tokio::select! {
        _ = conn => {}
        () = kill.notified() => {}
    }
}
