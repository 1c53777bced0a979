//! `skill_events::serve` under hostile clients, on loopback: a client that
//! trickles its headers is disconnected after the header-read timeout while
//! others are served; more stalled clients than the connection cap cannot keep
//! a new client out (the oldest are evicted); a graceful shutdown answers the request
//! in flight before `serve` returns; HTTPS with a rustls configuration, and a
//! client that never finishes its handshake is dropped.

use crate::skill_events_support::*;
use alexa_proactive_events::jiff::Timestamp;
use alexa_proactive_events::skill_events::{ServeOptions, Verifier, router, serve};
use alexa_proactive_events::subscriptions::{Ledger, MemoryLedger};
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

/// The header-read (and TLS handshake) timeout of these tests.
const SHORT: Duration = Duration::from_millis(300);
/// Only guards against a hang; no assertion depends on it.
const HANG_GUARD: Duration = Duration::from_secs(30);

/// `serve` on 127.0.0.1:0 with the test PKI's verifier and a memory ledger.
struct Server {
    addr: std::net::SocketAddr,
    ledger: Arc<MemoryLedger>,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    task: tokio::task::JoinHandle<std::io::Result<()>>,
}

impl Server {
    async fn start(chains: &ChainServer, pki: &Pki, serve_options: ServeOptions) -> Self {
        let verifier = Verifier::new(options(pki, chains)).expect("verifier");
        let ledger = Arc::new(MemoryLedger::new());
        let app = router(verifier, ledger.clone());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let addr = listener.local_addr().expect("addr");
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let task = tokio::spawn(serve(listener, app, serve_options, async {
            let _ = stopped.await;
        }));
        Self {
            addr,
            ledger,
            stop: Some(stop),
            task,
        }
    }

    fn url(&self, scheme: &str) -> String {
        format!("{scheme}://{}/", self.addr)
    }

    fn subscribed(&self, user: &str) -> bool {
        self.ledger
            .user(SKILL, user)
            .expect("read")
            .is_some_and(|r| r.events.contains(EVENT))
    }

    /// Asks `serve` to stop and waits until it has returned.
    async fn stop(mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        tokio::time::timeout(HANG_GUARD, self.task)
            .await
            .expect("serve returns after shutdown")
            .expect("no panic")
            .expect("serve succeeded");
    }
}

/// A rustls configuration with a fresh self-signed certificate for
/// 127.0.0.1, and that certificate (PEM) for clients to trust.
fn tls_config() -> (rustls::ServerConfig, String) {
    let key = rcgen::KeyPair::generate().expect("key");
    let mut params = rcgen::CertificateParams::new(vec!["localhost".to_owned()]).expect("params");
    params
        .subject_alt_names
        .push(rcgen::SanType::IpAddress("127.0.0.1".parse().expect("ip")));
    let cert = params.self_signed(&key).expect("cert");
    let config =
        rustls::ServerConfig::builder_with_provider(Arc::new(crate::tls_support::ring_provider()))
            .with_safe_default_protocol_versions()
            .expect("protocols")
            .with_no_client_auth()
            .with_single_cert(
                vec![cert.der().clone()],
                rustls::pki_types::PrivateKeyDer::Pkcs8(key.serialize_der().into()),
            )
            .expect("config");
    (config, cert.pem())
}

/// A signed subscription notice for `user`, as (body, headers).
fn signed_notice(chains: &ChainServer, user: &str, id: &str) -> (Vec<u8>, Vec<(String, String)>) {
    let body = subscription_body(SKILL, user, &[EVENT], Timestamp::now(), id);
    let headers = headers(&chains.url("good.pem"), &sign(&body, SIGNING_KEY_1));
    (body, headers)
}

async fn post_notice(http: &reqwest::Client, url: &str, chains: &ChainServer, user: &str) -> u16 {
    let (body, headers) = signed_notice(chains, user, &format!("req-{user}"));
    let mut req = http.post(url).body(body);
    for (k, v) in headers {
        req = req.header(k, v);
    }
    req.send().await.expect("POST").status().as_u16()
}

/// Connects and sends the start of a request, then one more header byte every
/// 50 ms (never the end of the headers) until the server closes. Returns how
/// long after connecting the server closed, and what it sent.
async fn trickle_headers(addr: std::net::SocketAddr) -> (Duration, String) {
    let started = Instant::now();
    let stream = TcpStream::connect(addr).await.expect("connects");
    let (mut read, mut write) = stream.into_split();
    write
        .write_all(b"POST / HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ")
        .await
        .expect("first bytes");
    let trickle = tokio::spawn(async move {
        loop {
            tokio::time::sleep(Duration::from_millis(50)).await;
            if write.write_all(b"a").await.is_err() {
                break;
            }
        }
    });
    let mut answer = Vec::new();
    // EOF or a reset: either way the server closed the connection.
    let _ = tokio::time::timeout(HANG_GUARD, read.read_to_end(&mut answer))
        .await
        .expect("the server closes the stalled connection");
    let elapsed = started.elapsed();
    trickle.abort();
    (elapsed, String::from_utf8_lossy(&answer).into_owned())
}

/// Holds a connection that sent part of a request line; returns it so that
/// the caller keeps it open.
async fn stall(addr: std::net::SocketAddr) -> TcpStream {
    let mut stream = TcpStream::connect(addr).await.expect("connects");
    stream.write_all(b"POST / HT").await.expect("first bytes");
    stream
}

#[tokio::test(flavor = "multi_thread")]
async fn a_trickling_client_is_dropped_after_the_header_read_timeout_while_others_are_served() {
    let pki = Pki::new();
    let chains = ChainServer::for_pki(&pki).await;
    let server = Server::start(
        &chains,
        &pki,
        ServeOptions::default().header_read_timeout(SHORT),
    )
    .await;
    let slow = tokio::spawn(trickle_headers(server.addr));
    // Served meanwhile, on another connection.
    let http = http_client();
    assert_eq!(
        post_notice(&http, &server.url("http"), &chains, USER).await,
        200
    );
    assert!(server.subscribed(USER));

    let (elapsed, answer) = slow.await.expect("join");
    // It kept sending bytes: only a deadline for the whole header drops it.
    assert!(elapsed >= SHORT, "dropped after {elapsed:?}");
    assert!(elapsed < SHORT * 10, "dropped only after {elapsed:?}");
    assert!(
        answer.is_empty() || answer.starts_with("HTTP/1.1 408"),
        "{answer:?}"
    );
    println!(
        "trickling client dropped after {} ms, answered {:?}",
        elapsed.as_millis(),
        answer.lines().next()
    );
    server.stop().await;
    chains.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn more_stalled_clients_than_connections_cannot_keep_a_new_client_out() {
    let pki = Pki::new();
    let chains = ChainServer::for_pki(&pki).await;
    let server = Server::start(
        &chains,
        &pki,
        ServeOptions::default()
            .max_connections(2)
            // Far longer than the test: only evictions can make room.
            .header_read_timeout(Duration::from_secs(3600)),
    )
    .await;
    // Five stalled clients (half a request line each) for two slots: each new
    // one takes the slot of the one stalled the longest.
    let mut stalled = Vec::new();
    for _ in 0..5 {
        stalled.push(stall(server.addr).await);
    }
    let started = Instant::now();
    let http = http_client();
    let status = tokio::time::timeout(
        HANG_GUARD,
        post_notice(&http, &server.url("http"), &chains, USER),
    )
    .await
    .expect("the new client is served while the stalled ones hold the slots");
    assert_eq!(status, 200);
    assert!(server.subscribed(USER));
    println!(
        "new client served after {} ms behind 5 stalled clients (cap 2)",
        started.elapsed().as_millis()
    );
    // The four oldest were disconnected: three by the later stalled clients,
    // one by the new client.
    for mut s in stalled.drain(..4) {
        let mut rest = Vec::new();
        let _ = tokio::time::timeout(HANG_GUARD, s.read_to_end(&mut rest))
            .await
            .expect("closed by the server");
        assert!(rest.is_empty(), "{rest:?}");
    }
    drop(stalled);
    server.stop().await;
    chains.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn shutdown_answers_the_request_in_flight_then_refuses_new_connections() {
    let pki = Pki::new();
    let chains = ChainServer::for_pki(&pki).await;
    let mut server = Server::start(&chains, &pki, ServeOptions::default()).await;
    let (body, headers) = signed_notice(&chains, USER, "in-flight");
    let mut head = format!(
        "POST / HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: {}\r\nExpect: 100-continue\r\n",
        body.len()
    );
    for (k, v) in &headers {
        head.push_str(&format!("{k}: {v}\r\n"));
    }
    head.push_str("\r\n");
    let mut stream = TcpStream::connect(server.addr).await.expect("connects");
    stream.write_all(head.as_bytes()).await.expect("headers");
    // `100 Continue` is sent when the handler starts reading the body: the
    // request is in flight.
    let mut interim = Vec::new();
    while !interim.ends_with(b"\r\n\r\n") {
        let mut byte = [0u8];
        let n = tokio::time::timeout(HANG_GUARD, stream.read(&mut byte))
            .await
            .expect("100 Continue")
            .expect("read");
        assert_eq!(
            n,
            1,
            "closed early: {:?}",
            String::from_utf8_lossy(&interim)
        );
        interim.push(byte[0]);
    }
    assert!(interim.starts_with(b"HTTP/1.1 100"), "{interim:?}");

    let _ = server.stop.take().expect("running").send(());
    // No new connection is accepted once the listener is closed.
    let mut refused = false;
    for _ in 0..100 {
        if TcpStream::connect(server.addr).await.is_err() {
            refused = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    assert!(refused, "new connections are still accepted after shutdown");
    tokio::time::sleep(SHORT).await;
    assert!(
        !server.task.is_finished(),
        "serve returned with a request in flight"
    );

    stream.write_all(&body).await.expect("body");
    let mut answer = Vec::new();
    tokio::time::timeout(HANG_GUARD, stream.read_to_end(&mut answer))
        .await
        .expect("answered, then closed")
        .expect("read");
    let answer = String::from_utf8_lossy(&answer);
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
    assert!(server.subscribed(USER), "answered 200 but not stored");
    server.stop().await;
    chains.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn serves_https_and_drops_a_client_that_never_finishes_its_handshake() {
    let pki = Pki::new();
    let chains = ChainServer::for_pki(&pki).await;
    let (config, cert_pem) = tls_config();
    let server = Server::start(
        &chains,
        &pki,
        ServeOptions::default()
            .tls(Arc::new(config))
            .tls_handshake_timeout(SHORT),
    )
    .await;

    // Connects and sends nothing: no handshake.
    let started = Instant::now();
    let mut silent = TcpStream::connect(server.addr).await.expect("connects");

    crate::tls_support::install_ring();
    let https = reqwest::Client::builder()
        .tls_certs_only([reqwest::Certificate::from_pem(cert_pem.as_bytes()).expect("PEM")])
        .build()
        .expect("client");
    assert_eq!(
        post_notice(&https, &server.url("https"), &chains, USER).await,
        200
    );
    assert!(server.subscribed(USER));
    // Plain HTTP on the HTTPS port is not served.
    assert!(
        http_client()
            .get(format!("{}healthz", server.url("http")))
            .send()
            .await
            .is_err()
    );

    let mut rest = Vec::new();
    let _ = tokio::time::timeout(HANG_GUARD, silent.read_to_end(&mut rest))
        .await
        .expect("the silent client is dropped");
    let elapsed = started.elapsed();
    assert!(elapsed >= SHORT, "dropped after {elapsed:?}");
    assert!(elapsed < SHORT * 10, "dropped only after {elapsed:?}");
    assert!(rest.is_empty(), "{rest:?}");
    println!(
        "client without a TLS handshake dropped after {} ms",
        elapsed.as_millis()
    );
    server.stop().await;
    chains.stop().await;
}

#[tokio::test]
async fn options_that_break_a_rule_are_refused_by_name() {
    let verifier = Verifier::new(alexa_proactive_events::skill_events::VerifierOptions::new(
        [SKILL],
    ))
    .expect("verifier");
    let app = router(verifier, Arc::new(MemoryLedger::new()));
    let (mut h2, _) = tls_config();
    h2.alpn_protocols = vec![b"h2".to_vec(), b"http/1.1".to_vec()];
    let cases = [
        (
            ServeOptions::default().max_connections(0),
            "ServeOptions::max_connections",
        ),
        (
            ServeOptions::default().header_read_timeout(Duration::ZERO),
            "ServeOptions::header_read_timeout",
        ),
        (
            ServeOptions::default().header_read_timeout(Duration::MAX),
            "ServeOptions::header_read_timeout",
        ),
        (
            ServeOptions::default().tls_handshake_timeout(Duration::ZERO),
            "ServeOptions::tls_handshake_timeout",
        ),
        (
            ServeOptions::default().tls(Arc::new(h2)),
            "ServeOptions::tls",
        ),
    ];
    for (options, name) in cases {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        // Serving would never return (the shutdown future never completes).
        let e = tokio::time::timeout(
            HANG_GUARD,
            serve(listener, app.clone(), options, std::future::pending()),
        )
        .await
        .expect("refused at once")
        .expect_err("refused");
        assert_eq!(e.kind(), std::io::ErrorKind::InvalidInput, "{e}");
        assert!(e.to_string().starts_with(name), "{e}");
    }
}

/// Handlers see the client's address as axum's `ConnectInfo`, as under
/// `into_make_service_with_connect_info` (for logs or per-client limits).
#[tokio::test]
async fn handlers_see_the_client_address_as_connect_info() {
    use axum::extract::ConnectInfo;
    let app = axum::Router::new().route(
        "/",
        axum::routing::get(
            |ConnectInfo(peer): ConnectInfo<std::net::SocketAddr>| async move { peer.to_string() },
        ),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let addr = listener.local_addr().expect("addr");
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let task = tokio::spawn(serve(listener, app, ServeOptions::default(), async {
        let _ = stopped.await;
    }));
    let mut client = TcpStream::connect(addr).await.expect("connects");
    let me = client.local_addr().expect("local addr");
    client
        .write_all(b"GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        .await
        .expect("sent");
    let mut answer = String::new();
    tokio::time::timeout(HANG_GUARD, client.read_to_string(&mut answer))
        .await
        .expect("answered in time")
        .expect("read");
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
    assert!(answer.ends_with(&me.to_string()), "{answer} (client {me})");
    let _ = stop.send(());
    tokio::time::timeout(HANG_GUARD, task)
        .await
        .expect("serve returns")
        .expect("no panic")
        .expect("serve succeeded");
}
