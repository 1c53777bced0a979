//! Unit tests of the shared accept loop: the backoff after accept errors, and
//! what each shutdown mode does to a request in progress. End-to-end tests are
//! in `tests/it/hardening_emulator.rs` and `tests/it/skill_events_server.rs`.

use super::{Accept, Backoff, Limits, Shutdown, accept_loop};
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
