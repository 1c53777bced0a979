//! Unit tests of the emulator's internals: the validation thread. The accept
//! loop's are in `crate::server`; end-to-end tests are in
//! `tests/it/hardening_emulator.rs`.

use super::{Emulator, EmulatorConfig};
use std::io::{Read, Write};
use std::net::SocketAddr;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// Only guards against a hang; no assertion depends on it.
const HANG_GUARD: Duration = Duration::from_secs(60);

/// One request on its own connection (blocking, off any runtime); the whole
/// answer as text.
fn exchange(addr: SocketAddr, request: String) -> String {
    let mut stream = std::net::TcpStream::connect(addr).expect("connects");
    stream
        .set_read_timeout(Some(2 * HANG_GUARD))
        .expect("timeout set");
    stream.write_all(request.as_bytes()).expect("request sent");
    let mut answer = Vec::new();
    stream.read_to_end(&mut answer).expect("answer read");
    String::from_utf8_lossy(&answer).into_owned()
}

fn post(
    addr: SocketAddr,
    path: &str,
    content_type: &str,
    token: Option<&str>,
    body: &str,
) -> String {
    let auth = token.map_or(String::new(), |t| format!("Authorization: Bearer {t}\r\n"));
    format!(
        "POST {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n{auth}\
         Content-Type: {content_type}\r\nContent-Length: {}\r\n\r\n{body}",
        body.len()
    )
}

fn token(addr: SocketAddr) -> String {
    let form = format!(
        "grant_type=client_credentials&client_id={}&client_secret={}&scope=alexa%3A%3Aproactive_events",
        super::DEFAULT_CLIENT_ID,
        super::DEFAULT_CLIENT_SECRET
    );
    let answer = exchange(
        addr,
        post(
            addr,
            "/auth/o2/token",
            "application/x-www-form-urlencoded",
            None,
            &form,
        ),
    );
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
    let body = &answer[answer.find("\r\n\r\n").expect("a body") + 4..];
    let value: serde_json::Value = serde_json::from_str(body).expect("JSON");
    value["access_token"].as_str().expect("a token").to_owned()
}

fn event_body() -> String {
    let now = jiff::Timestamp::now();
    serde_json::json!({
        "timestamp": now.to_string(),
        "referenceId": "slow1",
        "expiryTime": (now + jiff::SignedDuration::from_hours(1)).to_string(),
        "event": {"name": "AMAZON.MessageAlert.Activated", "payload": {
            "state": {"status": "UNREAD", "freshness": "NEW"},
            "messageGroup": {"creator": {"name": "Jane Doe"}, "count": 3, "urgency": "URGENT"}}},
        "localizedAttributes": [{"locale": "en-US"}],
        "relevantAudience": {"type": "Multicast", "payload": {}},
    })
    .to_string()
}

/// The emulator runs on a runtime with a single worker thread: if validation
/// ran on it, the blocked validation would hold up the token request until the
/// gate gave up.
#[test]
fn a_slow_validation_does_not_hold_up_token_requests() {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .expect("runtime");
    let emu = runtime
        .block_on(Emulator::<crate::catalog::NoEvents>::start(
            EmulatorConfig {
                rate_limit: None,
                ..EmulatorConfig::default()
            },
        ))
        .expect("starts");
    let addr = emu.addr();
    let bearer = token(addr);

    let (entered, validating) = std::sync::mpsc::channel::<()>();
    let (release, gate) = std::sync::mpsc::channel::<()>();
    let gate = Mutex::new(gate);
    let entered = Mutex::new(entered);
    let gave_up = Arc::new(AtomicBool::new(false));
    let gave_up_in_hook = gave_up.clone();
    *emu.shared.validation_hook.lock().expect("not poisoned") = Some(Arc::new(move || {
        let _ = entered.lock().expect("not poisoned").send(());
        let gate = gate.lock().expect("not poisoned");
        if gate.recv_timeout(HANG_GUARD).is_err() {
            gave_up_in_hook.store(true, Ordering::SeqCst);
        }
    }));

    let request = post(
        addr,
        "/v1/proactiveEvents/stages/development",
        "application/json",
        Some(&bearer),
        &event_body(),
    );
    let slow = std::thread::spawn(move || exchange(addr, request));
    validating
        .recv_timeout(2 * HANG_GUARD)
        .expect("the event reaches validation");
    // The event's validation is blocked now; a token request still answers.
    token(addr);
    assert!(
        !gave_up.load(Ordering::SeqCst),
        "the token request was answered only after the blocked validation gave up"
    );
    release.send(()).expect("the hook waits");
    let answer = slow.join().expect("the event is answered");
    // The runtime's own tests know no event, so validation refuses the body:
    // it ran to the end and answered, which is what this test needs.
    assert!(answer.starts_with("HTTP/1.1 400"), "{answer}");
    assert!(answer.contains("ENV-EVENT-NAME"), "{answer}");
    runtime.block_on(emu.shutdown());
}
