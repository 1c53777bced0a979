//! Unit tests of the shared accept loop: the backoff after accept errors,
//! what each shutdown mode does to a request in progress, and which connection
//! is evicted at capacity. End-to-end tests are in
//! `tests/it/hardening_emulator.rs`, `tests/it/skill_events_server.rs` and
//! `cli/tests/it/connection_flood.rs`.

use super::{Accept, Backoff, Connection, Limits, Shutdown, accept_loop};
use std::collections::VecDeque;
use std::io;
use std::io::{Read, Write};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::net::TcpStream;
use tokio::sync::{Notify, watch};

/// Only guards against a hang; no assertion depends on it.
const HANG_GUARD: Duration = Duration::from_secs(60);

/// Accept results played in order; when they run out, asks the loop to stop.
struct Scripted {
    results: VecDeque<io::Result<TcpStream>>,
    attempts: Arc<AtomicUsize>,
    stop: watch::Sender<bool>,
}

impl Accept for Scripted {
    type Io = TcpStream;
    // Consumed when polled, not when called: cancel-safe like TcpListener.
    async fn accept(&mut self) -> io::Result<TcpStream> {
        match self.results.pop_front() {
            Some(result) => {
                self.attempts.fetch_add(1, Ordering::SeqCst);
                result
            }
            None => {
                let _ = self.stop.send(true);
                std::future::pending().await
            }
        }
    }
}

fn emfile() -> io::Error {
    io::Error::from_raw_os_error(24)
}

fn enfile() -> io::Error {
    io::Error::from_raw_os_error(23)
}

fn limits(header_read_timeout: Duration) -> Limits {
    Limits {
        max_connections: 4,
        header_read_timeout,
        handshake_timeout: header_read_timeout,
    }
}

#[tokio::test]
async fn accept_errors_back_off_instead_of_spinning() {
    let (stop, mut stopped) = watch::channel(false);
    let local = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("binds");
    let _client = TcpStream::connect(local.local_addr().expect("addr"))
        .await
        .expect("connects");
    let (connected, _) = local.accept().await.expect("accepts");
    let attempts = Arc::new(AtomicUsize::new(0));
    let listener = Scripted {
        results: VecDeque::from([
            Err(emfile()),
            Err(emfile()),
            Err(emfile()),
            Err(enfile()),
            Ok(connected),
            Err(emfile()),
            Err(io::Error::from(io::ErrorKind::ConnectionAborted)),
            Err(emfile()),
        ]),
        attempts: attempts.clone(),
        stop,
    };
    let sleeps = Arc::new(Mutex::new(Vec::new()));
    let recorded = sleeps.clone();
    let run = accept_loop(
        listener,
        axum::Router::new(),
        async move {
            let _ = stopped.changed().await;
        },
        limits(HANG_GUARD),
        Shutdown::Abort,
        move |d| {
            recorded.lock().expect("not poisoned").push(d);
            std::future::ready(())
        },
    );
    tokio::time::timeout(HANG_GUARD, run)
        .await
        .expect("the loop stops when asked");
    assert_eq!(
        attempts.load(Ordering::SeqCst),
        8,
        "every scripted result was accepted once"
    );
    let ms = |n| Duration::from_millis(n);
    assert_eq!(
        *sleeps.lock().expect("not poisoned"),
        // Doubling while EMFILE/ENFILE continue, reset by a success; an aborted
        // connection is retried at once.
        [ms(10), ms(20), ms(40), ms(80), ms(10), ms(20)]
    );
}

#[test]
fn the_accept_backoff_is_capped_at_one_second() {
    let mut backoff = Backoff::default();
    let pauses: Vec<_> = (0..12).map(|_| backoff.on_error(&emfile())).collect();
    assert_eq!(pauses[0], Some(Backoff::FIRST));
    assert!(pauses.iter().all(|p| p.is_some_and(|d| d <= Backoff::MAX)));
    assert_eq!(pauses[11], Some(Backoff::MAX));
    for kind in [
        io::ErrorKind::ConnectionAborted,
        io::ErrorKind::ConnectionReset,
    ] {
        assert_eq!(backoff.on_error(&io::Error::from(kind)), None, "{kind:?}");
    }
    backoff.on_success();
    assert_eq!(backoff.on_error(&enfile()), Some(Backoff::FIRST));
}

/// Starts the loop with a handler that blocks until `release`, sends one
/// request, and stops the loop once the handler has begun. Returns what the
/// client read and whether the loop had returned before the handler was
/// released.
async fn stop_during_a_request(shutdown: Shutdown) -> (String, bool) {
    let entered = Arc::new(Notify::new());
    let release = Arc::new(Notify::new());
    let (in_handler, gate) = (entered.clone(), release.clone());
    let app = axum::Router::new().route(
        "/",
        axum::routing::get(move || async move {
            in_handler.notify_one();
            gate.notified().await;
            "done"
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("binds");
    let addr = listener.local_addr().expect("addr");
    let (stop, mut stopped) = watch::channel(false);
    let mut server = tokio::spawn(accept_loop(
        listener,
        app,
        async move {
            let _ = stopped.changed().await;
        },
        limits(HANG_GUARD),
        shutdown,
        tokio::time::sleep,
    ));
    let client = std::thread::spawn(move || {
        let mut stream = std::net::TcpStream::connect(addr).expect("connects");
        stream.set_read_timeout(Some(HANG_GUARD)).expect("timeout");
        stream
            .write_all(b"GET / HTTP/1.1\r\nHost: test\r\n\r\n")
            .expect("request sent");
        let mut answer = Vec::new();
        let _ = stream.read_to_end(&mut answer);
        String::from_utf8_lossy(&answer).into_owned()
    });
    tokio::time::timeout(HANG_GUARD, entered.notified())
        .await
        .expect("the request reaches its handler");
    stop.send(true).expect("the loop listens");
    let returned_early = tokio::time::timeout(Duration::from_millis(300), &mut server)
        .await
        .is_ok();
    release.notify_one();
    if !returned_early {
        tokio::time::timeout(HANG_GUARD, server)
            .await
            .expect("the loop returns once the request is answered")
            .expect("no panic");
    }
    let answer = tokio::task::spawn_blocking(move || client.join().expect("client"))
        .await
        .expect("join");
    (answer, returned_early)
}

#[tokio::test]
async fn a_graceful_stop_answers_the_request_in_progress_first() {
    let (answer, returned_early) = stop_during_a_request(Shutdown::Graceful).await;
    assert!(
        !returned_early,
        "the loop returned while a request was in progress"
    );
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
    assert!(answer.ends_with("done"), "{answer}");
    // The connection was closed after the answer, not kept alive.
    assert!(
        answer.to_ascii_lowercase().contains("connection: close"),
        "{answer}"
    );
}

#[tokio::test]
async fn an_abort_closes_the_request_in_progress() {
    let (answer, returned_early) = stop_during_a_request(Shutdown::Abort).await;
    assert!(
        returned_early,
        "the loop waited for the request in progress"
    );
    assert_eq!(answer, "", "no answer is sent");
}

// --- Eviction at capacity ----------------------------------------------------

/// What the test hands the loop: a TCP connection, or one stuck in its TLS
/// handshake (its sender is dropped when the server closes it).
enum TestIo {
    Tcp(TcpStream),
    Handshaking(tokio::sync::oneshot::Sender<()>),
}

impl Connection for TestIo {
    type Ready = TcpStream;
    async fn ready(self, _timeout: Duration) -> Option<TcpStream> {
        match self {
            Self::Tcp(stream) => Some(stream),
            Self::Handshaking(held) => {
                let _held = held;
                std::future::pending().await
            }
        }
    }
    fn peer_addr(&self) -> Option<std::net::SocketAddr> {
        None
    }
}

/// Connections and errors handed to the loop by the test, in order.
struct Fed {
    queue: tokio::sync::mpsc::UnboundedReceiver<io::Result<TestIo>>,
    taken: watch::Sender<usize>,
}

impl Accept for Fed {
    type Io = TestIo;
    // `recv` is cancel-safe.
    async fn accept(&mut self) -> io::Result<TestIo> {
        match self.queue.recv().await {
            Some(next) => {
                // The loop handles it (claims or evicts) before it next yields.
                self.taken.send_modify(|n| *n += 1);
                next
            }
            None => std::future::pending().await,
        }
    }
}

/// An accept loop fed by the test. `GET /` answers `done`; `GET /slow`
/// reports on `entered` and answers `slow` once `release` is set; `GET
/// /stream` streams what the test sends on `chunks`.
struct Fixture {
    feed: tokio::sync::mpsc::UnboundedSender<io::Result<TestIo>>,
    taken: watch::Receiver<usize>,
    fed: usize,
    pairs: tokio::net::TcpListener,
    entered: tokio::sync::mpsc::UnboundedReceiver<()>,
    release: watch::Sender<bool>,
    chunks: tokio::sync::mpsc::UnboundedSender<axum::body::Bytes>,
    _server: AbortOnDrop,
}

/// Stops the loop even when an assertion fails.
struct AbortOnDrop(tokio::task::JoinHandle<()>);

impl Drop for AbortOnDrop {
    fn drop(&mut self) {
        self.0.abort();
    }
}

/// A streamed response body: the chunks the test sends, until it drops the sender.
struct Chunks(tokio::sync::mpsc::UnboundedReceiver<axum::body::Bytes>);

impl hyper::body::Body for Chunks {
    type Data = axum::body::Bytes;
    type Error = std::convert::Infallible;
    fn poll_frame(
        mut self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<Option<Result<hyper::body::Frame<Self::Data>, Self::Error>>> {
        self.0
            .poll_recv(cx)
            .map(|chunk| chunk.map(|c| Ok(hyper::body::Frame::data(c))))
    }
}

impl Fixture {
    fn start(max_connections: usize, sleep: fn(Duration) -> PauseFuture) -> Self {
        let (entered_tx, entered) = tokio::sync::mpsc::unbounded_channel();
        let (release, released) = watch::channel(false);
        let (chunks, stream) = tokio::sync::mpsc::unbounded_channel();
        let stream = Arc::new(Mutex::new(Some(stream)));
        let app = axum::Router::new()
            .route("/", axum::routing::get(|| async { "done" }))
            .route(
                "/slow",
                axum::routing::get(move || {
                    let entered = entered_tx.clone();
                    let mut released = released.clone();
                    async move {
                        let _ = entered.send(());
                        let _ = released.wait_for(|r| *r).await;
                        "slow"
                    }
                }),
            )
            .route(
                "/stream",
                axum::routing::get(move || {
                    let body = stream.lock().expect("not poisoned").take();
                    async move { axum::body::Body::new(Chunks(body.expect("one stream"))) }
                }),
            );
        let (feed, queue) = tokio::sync::mpsc::unbounded_channel();
        let (taken_tx, taken) = watch::channel(0);
        let listener = Fed {
            queue,
            taken: taken_tx,
        };
        let server = tokio::spawn(accept_loop(
            listener,
            app,
            std::future::pending(),
            Limits {
                max_connections,
                ..limits(HANG_GUARD)
            },
            Shutdown::Abort,
            sleep,
        ));
        let pairs = std::net::TcpListener::bind("127.0.0.1:0").expect("binds");
        pairs.set_nonblocking(true).expect("non-blocking");
        Self {
            feed,
            taken,
            fed: 0,
            pairs: tokio::net::TcpListener::from_std(pairs).expect("tokio listener"),
            entered,
            release,
            chunks,
            _server: AbortOnDrop(server),
        }
    }

    /// Hands the loop `next` and waits until it has handled it.
    async fn feed(&mut self, next: io::Result<TestIo>) {
        self.feed.send(next).expect("the loop runs");
        self.fed += 1;
        let fed = self.fed;
        tokio::time::timeout(HANG_GUARD, self.taken.wait_for(|n| *n >= fed))
            .await
            .expect("the loop takes what it is fed")
            .expect("the loop runs");
    }

    /// A new client connection, handed to the loop.
    async fn connect(&mut self) -> Client {
        let addr = self.pairs.local_addr().expect("addr");
        let (client, server) = tokio::join!(TcpStream::connect(addr), self.pairs.accept());
        self.feed(Ok(TestIo::Tcp(server.expect("accepts").0))).await;
        Client(client.expect("connects"))
    }

    /// Waits until a request to `/slow` has reached its handler.
    async fn entered(&mut self) {
        tokio::time::timeout(HANG_GUARD, self.entered.recv())
            .await
            .expect("the request reaches its handler")
            .expect("the app lives");
    }
}

type PauseFuture = std::pin::Pin<Box<dyn std::future::Future<Output = ()> + Send>>;

fn real_sleep(d: Duration) -> PauseFuture {
    Box::pin(tokio::time::sleep(d))
}

/// The client side of a connection, non-blocking (the server shares the thread).
struct Client(TcpStream);

impl Client {
    async fn send(&self, mut text: &[u8]) {
        while !text.is_empty() {
            self.0.writable().await.expect("writable");
            match self.0.try_write(text) {
                Ok(n) => text = &text[n..],
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => {}
                Err(e) => panic!("write: {e}"),
            }
        }
    }

    async fn get(&self, path: &str) {
        self.send(format!("GET {path} HTTP/1.1\r\nHost: test\r\n\r\n").as_bytes())
            .await;
    }

    /// Reads into `bytes`; `Ok(0)` at the end of the stream.
    async fn read(&self, bytes: &mut Vec<u8>) -> io::Result<usize> {
        let mut buffer = [0u8; 4096];
        loop {
            self.0.readable().await?;
            match self.0.try_read(&mut buffer) {
                Ok(n) => {
                    bytes.extend_from_slice(&buffer[..n]);
                    return Ok(n);
                }
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => {}
                Err(e) => return Err(e),
            }
        }
    }

    /// One whole response (a `Content-Length` or chunked body); panics when
    /// the connection closes first.
    async fn answer(&self) -> String {
        let read = async {
            let mut bytes = Vec::new();
            loop {
                let text = String::from_utf8_lossy(&bytes).into_owned();
                if let Some((head, body)) = text.split_once("\r\n\r\n") {
                    let length = head.lines().find_map(|l| {
                        l.to_ascii_lowercase()
                            .strip_prefix("content-length:")
                            .and_then(|v| v.trim().parse::<usize>().ok())
                    });
                    let complete = match length {
                        Some(length) => body.len() >= length,
                        None => body.ends_with("0\r\n\r\n"),
                    };
                    if complete {
                        return text;
                    }
                }
                match self.read(&mut bytes).await {
                    Ok(0) | Err(_) => panic!("closed before a whole answer: {text:?}"),
                    Ok(_) => {}
                }
            }
        };
        tokio::time::timeout(HANG_GUARD, read)
            .await
            .expect("answered")
    }

    /// Waits until the server has closed the connection (EOF or reset);
    /// returns what arrived before.
    async fn closed(&self) -> String {
        let read = async {
            let mut bytes = Vec::new();
            while let Ok(n) = self.read(&mut bytes).await
                && n > 0
            {}
            String::from_utf8_lossy(&bytes).into_owned()
        };
        tokio::time::timeout(HANG_GUARD, read)
            .await
            .expect("closed by the server")
    }
}

fn body(answer: &str) -> &str {
    answer.split_once("\r\n\r\n").map_or("", |(_, body)| body)
}

#[tokio::test]
async fn at_capacity_the_oldest_silent_connection_makes_room() {
    let mut fixture = Fixture::start(2, real_sleep);
    let oldest = fixture.connect().await;
    let older = fixture.connect().await;
    let newcomer = fixture.connect().await;
    newcomer.get("/").await;
    assert_eq!(body(&newcomer.answer().await), "done");
    assert_eq!(oldest.closed().await, "", "evicted unanswered");
    // The other silent connection kept its slot.
    older.get("/").await;
    assert_eq!(body(&older.answer().await), "done");
}

#[tokio::test]
async fn an_idle_keep_alive_connection_is_evicted_after_longer_idle_ones() {
    let mut fixture = Fixture::start(2, real_sleep);
    let used = fixture.connect().await;
    let silent = fixture.connect().await;
    // Older than `silent`, but idle for less time: it has just been answered.
    used.get("/").await;
    assert_eq!(body(&used.answer().await), "done");
    let third = fixture.connect().await;
    assert_eq!(silent.closed().await, "", "the longest idle goes first");
    third.get("/").await;
    assert_eq!(body(&third.answer().await), "done");
    // Now `used`, idle between keep-alive requests, has been idle the longest.
    let fourth = fixture.connect().await;
    assert_eq!(used.closed().await, "", "evicted between requests");
    fourth.get("/").await;
    assert_eq!(body(&fourth.answer().await), "done");
    third.get("/").await;
    assert_eq!(body(&third.answer().await), "done");
}

#[tokio::test]
async fn a_connection_with_a_request_in_progress_is_never_evicted() {
    let mut fixture = Fixture::start(2, real_sleep);
    let busy = fixture.connect().await;
    busy.get("/slow").await;
    fixture.entered().await;
    let silent = fixture.connect().await;
    // The busy connection is older: the silent one goes.
    let second = fixture.connect().await;
    assert_eq!(silent.closed().await, "");
    second.get("/slow").await;
    fixture.entered().await;
    // Every slot is busy: the newcomer is taken but waits.
    let waiting = fixture.connect().await;
    waiting.get("/").await;
    // (This wait can only make the test pass wrongly on a slow machine, never
    // fail it.)
    let mut early = Vec::new();
    let answered_early =
        tokio::time::timeout(Duration::from_millis(200), waiting.read(&mut early)).await;
    assert!(
        answered_early.is_err(),
        "served beyond the cap: {answered_early:?} {:?}",
        String::from_utf8_lossy(&early)
    );
    fixture.release.send_replace(true);
    assert_eq!(body(&busy.answer().await), "slow");
    assert_eq!(body(&second.answer().await), "slow");
    assert_eq!(body(&waiting.answer().await), "done");
}

#[tokio::test]
async fn a_streamed_response_keeps_its_connection_busy_until_written() {
    let mut fixture = Fixture::start(1, real_sleep);
    let streaming = fixture.connect().await;
    streaming.get("/stream").await;
    fixture.chunks.send("first ".into()).expect("streaming");
    let mut started = Vec::new();
    while !String::from_utf8_lossy(&started).contains("first ") {
        let n = tokio::time::timeout(HANG_GUARD, streaming.read(&mut started))
            .await
            .expect("the stream starts")
            .expect("read");
        assert!(n > 0, "closed: {:?}", String::from_utf8_lossy(&started));
    }
    // The handler has returned, the body is still being written: busy.
    let newcomer = fixture.connect().await;
    newcomer.get("/").await;
    fixture.chunks.send("last".into()).expect("streaming");
    drop(std::mem::replace(
        &mut fixture.chunks,
        tokio::sync::mpsc::unbounded_channel().0,
    ));
    let mut whole = started;
    while !whole.ends_with(b"0\r\n\r\n") {
        let n = tokio::time::timeout(HANG_GUARD, streaming.read(&mut whole))
            .await
            .expect("the stream goes on")
            .expect("read");
        assert!(n > 0, "cut off: {:?}", String::from_utf8_lossy(&whole));
    }
    assert!(String::from_utf8_lossy(&whole).contains("4\r\nlast\r\n"));
    // Written: idle, so the waiting newcomer takes its slot.
    assert_eq!(body(&newcomer.answer().await), "done");
    assert_eq!(streaming.closed().await, "");
}

#[tokio::test]
async fn a_connection_in_its_tls_handshake_can_be_evicted() {
    let mut fixture = Fixture::start(1, real_sleep);
    let (held, dropped) = tokio::sync::oneshot::channel::<()>();
    fixture.feed(Ok(TestIo::Handshaking(held))).await;
    let newcomer = fixture.connect().await;
    newcomer.get("/").await;
    assert_eq!(body(&newcomer.answer().await), "done");
    let abandoned = tokio::time::timeout(HANG_GUARD, dropped)
        .await
        .expect("the handshake was abandoned");
    assert!(abandoned.is_err(), "closed, not completed");
}

#[tokio::test]
async fn out_of_descriptors_the_longest_idle_connection_is_closed() {
    // A pause that never ends: only a connection's end lets the loop go on.
    let mut fixture = Fixture::start(4, |_| Box::pin(std::future::pending()));
    let oldest = fixture.connect().await;
    let other = fixture.connect().await;
    fixture.feed(Err(emfile())).await;
    assert_eq!(oldest.closed().await, "", "closed to free a descriptor");
    // Once it has closed, accepting resumes.
    let next = fixture.connect().await;
    next.get("/").await;
    assert_eq!(body(&next.answer().await), "done");
    other.get("/").await;
    assert_eq!(body(&other.answer().await), "done");
}
