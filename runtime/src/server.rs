//! The accept loop shared by the emulator and the skill-events endpoint: hyper
//! directly (not `axum::serve`), so that connections are bounded and so that a
//! handler can close its connection without answering (the emulator's faults).
//!
//! Hostile clients cannot exhaust it. At most `max_connections` connections
//! hold a slot at once, and a slot held without being used is given up to a
//! newcomer: when every slot is taken, the connection idle the longest is
//! closed to make room (slow clients are shed, as nginx does). Idle means
//! waiting for a complete request head: a connection that has not sent one
//! yet (its TLS handshake included) or one between keep-alive requests. A
//! connection whose request is in progress, from the handler's start until
//! the response body has been written, is never evicted; when every slot is
//! busy, the newcomer waits until one is free or idle. Each connection also
//! has a header-read timeout that closes idle keep-alive connections, a TLS
//! handshake must finish within its own timeout, and an accept error such as
//! running out of file descriptors (EMFILE, ENFILE) makes the loop sleep with a
//! growing backoff instead of spinning; out of descriptors, it also evicts the
//! connection idle the longest, so that a flood cannot starve new clients
//! below the connection cap either.
//!
//! When the stop future completes, the listener is closed at once; then either
//! every connection is closed ([`Shutdown::Abort`], the emulator) or each one
//! finishes the request in progress and closes, idle ones at once, and the loop
//! returns when the last one has ([`Shutdown::Graceful`], the skill-events
//! endpoint).

use axum::Router;
use axum::body::{Body, Bytes};
use axum::extract::ConnectInfo;
use hyper::body::{Body as HttpBody, Frame, Incoming, SizeHint};
use hyper::service::Service;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::service::TowerToHyperService;
use std::collections::{BTreeMap, HashMap};
use std::convert::Infallible;
use std::future::Future;
use std::io;
use std::net::SocketAddr;
use std::pin::{Pin, pin};
use std::sync::{Arc, Mutex, MutexGuard};
use std::task::{Context, Poll};
use std::time::Duration;
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{Notify, watch};
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
    /// Connections served at once (at least 1); idle ones are evicted to make
    /// room for a newcomer.
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

/// The process or the system is out of file descriptors (EMFILE, ENFILE):
/// closing one of the server's own idle connections frees one.
fn is_out_of_descriptors(error: &io::Error) -> bool {
    match error.raw_os_error() {
        Some(23 | 24) => cfg!(unix),
        Some(10024) => cfg!(windows), // WSAEMFILE
        _ => false,
    }
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
    let slots = Slots::new(limits.max_connections);
    // Flipped to `true` once the loop stops: connections then finish gracefully.
    let (closing, _) = watch::channel(false);
    let mut connections = JoinSet::new();
    let mut backoff = Backoff::default();
    // Accepted while every slot was busy: served once a slot is free or idle.
    // Nothing more is accepted meanwhile (later clients wait in the backlog).
    let mut waiting: Option<L::Io> = None;
    let mut pause: Option<Pin<Box<F>>> = None;
    // The pause follows an eviction for want of descriptors: it ends as soon
    // as a connection task has ended (its descriptor is closed by then).
    let mut freeing = false;
    loop {
        tokio::select! {
            biased;
            () = stop.as_mut() => break,
            Some(_) = connections.join_next(), if !connections.is_empty() => {
                if freeing {
                    pause = None;
                    freeing = false;
                }
                admit(&mut waiting, &slots, &mut connections, &app, limits, &closing);
            }
            () = slots.went_idle.notified(), if waiting.is_some() => {
                admit(&mut waiting, &slots, &mut connections, &app, limits, &closing);
            }
            () = async { pause.as_mut().expect("guarded by the condition").await },
                if pause.is_some() => {
                pause = None;
                freeing = false;
            }
            accepted = listener.accept(), if waiting.is_none() && pause.is_none() => {
                match accepted {
                    Ok(io) => {
                        backoff.on_success();
                        waiting = Some(io);
                        admit(&mut waiting, &slots, &mut connections, &app, limits, &closing);
                    }
                    Err(e) => {
                        if let Some(d) = backoff.on_error(&e) {
                            pause = Some(Box::pin(sleep(d)));
                            freeing = is_out_of_descriptors(&e) && slots.evict_longest_idle();
                        }
                    }
                }
            }
        }
    }
    // No connection is accepted from now on; those in the backlog are refused,
    // and so is the one waiting for a slot.
    drop(listener);
    drop(waiting);
    match shutdown {
        Shutdown::Abort => connections.shutdown().await,
        Shutdown::Graceful => {
            closing.send_replace(true);
            while connections.join_next().await.is_some() {}
        }
    }
}

/// Serves the waiting connection if it can have a slot (a free one, or an
/// idle connection's, which is evicted); else leaves it waiting.
fn admit<C: Connection>(
    waiting: &mut Option<C>,
    slots: &Arc<Slots>,
    connections: &mut JoinSet<()>,
    app: &Router,
    limits: Limits,
    closing: &watch::Sender<bool>,
) {
    if waiting.is_none() {
        return;
    }
    let Some(slot) = slots.claim() else { return };
    let Some(io) = waiting.take() else { return };
    let app = app.clone();
    let closing = closing.subscribe();
    connections.spawn(async move {
        serve_connection(io, app, limits, closing, &slot).await;
        // Only now, with the stream closed: the slot is free.
        drop(slot);
    });
}

/// The connections holding a slot, and which of them are idle (waiting for a
/// request head), by how long they have been.
#[derive(Debug)]
struct Slots {
    max: usize,
    state: Mutex<SlotsState>,
    /// A connection finished a request: a newcomer waiting for a slot may now
    /// evict it.
    went_idle: Notify,
}

#[derive(Debug, Default)]
struct SlotsState {
    /// Orders connections and idle periods: each new one takes the next value.
    tick: u64,
    /// Every connection task still running, evicted ones included.
    entries: HashMap<u64, Entry>,
    /// The idle connections that hold a slot, by when they became idle: the
    /// first has been idle the longest.
    idle: BTreeMap<u64, u64>,
    /// Entries that hold a slot (not evicted).
    held: usize,
}

#[derive(Debug)]
struct Entry {
    /// Requests in progress: from the service call until the response body
    /// has been written (or dropped).
    busy: usize,
    /// When it became idle, its key in `SlotsState::idle`; `None` when busy
    /// or evicted.
    idle_since: Option<u64>,
    evicted: bool,
    evict: Arc<Notify>,
}

impl Slots {
    fn new(max: usize) -> Arc<Self> {
        Arc::new(Self {
            max: max.max(1),
            state: Mutex::new(SlotsState::default()),
            went_idle: Notify::new(),
        })
    }

    fn lock(&self) -> MutexGuard<'_, SlotsState> {
        // Nothing that can panic runs under the lock: were it poisoned
        // anyway, the state would still be whole.
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// A slot for a new connection (idle until its first request): a free
    /// one, or the slot of the connection idle the longest, which is evicted;
    /// `None` when every slot is busy.
    fn claim(self: &Arc<Self>) -> Option<Slot> {
        let mut state = self.lock();
        if state.held >= self.max && !evict(&mut state) {
            return None;
        }
        state.tick += 1;
        let id = state.tick;
        let evict = Arc::new(Notify::new());
        state.entries.insert(
            id,
            Entry {
                busy: 0,
                idle_since: Some(id),
                evicted: false,
                evict: evict.clone(),
            },
        );
        state.idle.insert(id, id);
        state.held += 1;
        Some(Slot {
            slots: self.clone(),
            id,
            evict,
        })
    }

    /// Evicts the connection idle the longest, if any.
    fn evict_longest_idle(&self) -> bool {
        evict(&mut self.lock())
    }
}

/// Evicts the connection idle the longest: its slot is free at once, and its
/// task is told to close it.
fn evict(state: &mut SlotsState) -> bool {
    let Some((_, id)) = state.idle.pop_first() else {
        return false;
    };
    if let Some(entry) = state.entries.get_mut(&id) {
        entry.idle_since = None;
        entry.evicted = true;
        // Stored if the task is not listening yet: it is not lost.
        entry.evict.notify_one();
    }
    state.held -= 1;
    true
}

/// One connection's slot; freed when dropped.
#[derive(Debug)]
struct Slot {
    slots: Arc<Slots>,
    id: u64,
    evict: Arc<Notify>,
}

impl Slot {
    /// Completes when the connection has been evicted.
    async fn evicted(&self) {
        self.evict.notified().await;
    }

    /// Whether a request is in progress.
    fn in_progress(&self) -> bool {
        self.slots
            .lock()
            .entries
            .get(&self.id)
            .is_some_and(|e| e.busy > 0)
    }

    /// What the service marks its requests with.
    fn tracker(&self) -> Tracker {
        Tracker {
            slots: self.slots.clone(),
            id: self.id,
        }
    }
}

impl Drop for Slot {
    fn drop(&mut self) {
        let mut state = self.slots.lock();
        if let Some(entry) = state.entries.remove(&self.id) {
            if let Some(since) = entry.idle_since {
                state.idle.remove(&since);
            }
            if !entry.evicted {
                state.held -= 1;
            }
        }
    }
}

/// Marks a connection's requests as in progress.
#[derive(Debug, Clone)]
struct Tracker {
    slots: Arc<Slots>,
    id: u64,
}

impl Tracker {
    /// The connection is busy until the returned guard is dropped.
    fn begin(&self) -> Busy {
        let mut state = self.slots.lock();
        let state = &mut *state;
        if let Some(entry) = state.entries.get_mut(&self.id) {
            entry.busy += 1;
            if let Some(since) = entry.idle_since.take() {
                state.idle.remove(&since);
            }
        }
        Busy(self.clone())
    }
}

/// A request in progress; dropped once its response body has been written.
#[derive(Debug)]
struct Busy(Tracker);

impl Drop for Busy {
    fn drop(&mut self) {
        let slots = &self.0.slots;
        let mut state = slots.lock();
        let state = &mut *state;
        state.tick += 1;
        let tick = state.tick;
        let Some(entry) = state.entries.get_mut(&self.0.id) else {
            return;
        };
        entry.busy = entry.busy.saturating_sub(1);
        if entry.busy == 0 && !entry.evicted {
            entry.idle_since = Some(tick);
            state.idle.insert(tick, self.0.id);
            slots.went_idle.notify_one();
        }
    }
}

/// A response body that keeps its connection busy until hyper has written it
/// and dropped it (a streamed answer included).
#[derive(Debug)]
struct Tracked {
    body: Body,
    _busy: Busy,
}

impl HttpBody for Tracked {
    type Data = Bytes;
    type Error = axum::Error;

    fn poll_frame(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, axum::Error>>> {
        Pin::new(&mut self.get_mut().body).poll_frame(cx)
    }

    fn is_end_stream(&self) -> bool {
        self.body.is_end_stream()
    }

    fn size_hint(&self) -> SizeHint {
        self.body.size_hint()
    }
}

/// Waits until the loop has stopped (or is gone).
async fn closed(closing: &mut watch::Receiver<bool>) {
    let _ = closing.wait_for(|closing| *closing).await;
}

/// One connection: its TLS handshake if any, then HTTP/1.1 until the client
/// or a timeout closes it, a handler drops it, it is evicted while idle, or
/// the loop stops.
async fn serve_connection<C: Connection>(
    io: C,
    app: Router,
    limits: Limits,
    mut closing: watch::Receiver<bool>,
    slot: &Slot,
) {
    let peer = io.peer_addr().map(ConnectInfo);
    // A handshake carries no request yet: it ends when the loop stops or the
    // connection is evicted.
    let io = tokio::select! {
        io = io.ready(limits.handshake_timeout) => io,
        () = closed(&mut closing) => None,
        () = slot.evicted() => None,
    };
    let Some(io) = io else { return };
    let kill = Arc::new(Notify::new());
    let handle = DropConnection(kill.clone());
    let tracker = slot.tracker();
    let service = TowerToHyperService::new(app);
    let service = hyper::service::service_fn(move |mut request: hyper::Request<Incoming>| {
        let busy = tracker.begin();
        request.extensions_mut().insert(handle.clone());
        if let Some(peer) = peer {
            request.extensions_mut().insert(peer);
        }
        let answer = service.call(request);
        async move {
            let response = answer.await?;
            Ok::<_, Infallible>(response.map(|body| Tracked { body, _busy: busy }))
        }
    });
    let mut conn = pin!(
        hyper::server::conn::http1::Builder::new()
            .timer(TokioTimer::new())
            .header_read_timeout(limits.header_read_timeout)
            .serve_connection(TokioIo::new(io), service)
    );
    tokio::select! {
        // The connection first: a request head already received starts its
        // request before an eviction is looked at.
        biased;
        _ = conn.as_mut() => return,
        () = kill.notified() => return,
        () = closed(&mut closing) => {}
        () = slot.evicted() => {
            // Idle when chosen; still idle: close it now. A request that
            // began since (its head was already on its way) is answered first.
            if !slot.in_progress() {
                return;
            }
        }
    }
    // The request in progress, if any, is answered; then the connection closes
    // (at once when idle or when no request has begun).
    conn.as_mut().graceful_shutdown();
    tokio::select! {
        _ = conn => {}
        () = kill.notified() => {}
    }
}
