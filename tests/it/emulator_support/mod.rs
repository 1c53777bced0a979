//! Raw-socket helpers for the emulator's hostile-input tests: an emulator on its
//! own runtime, plain blocking sockets that see exactly the bytes on the wire.
//! Shared by `hardening_emulator` here and the CLI crate's `emulate_secrets`.

// Each user of this module needs only some of it.
#![allow(dead_code)]

use alexa_proactive_events::emulator::{Emulator, EmulatorConfig, EmulatorHandle};
use serde_json::{Value, json};
use std::io::{ErrorKind, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::time::Duration;

pub const HANG_GUARD: Duration = Duration::from_secs(60);
pub const DEV: &str = "/v1/proactiveEvents/stages/development";
pub const ID: &str = "amzn1.application-oa2-client.hardening";
pub const SECRET: &str = "hardening-SENTINEL-secret-7f3a";

/// An emulator on its own runtime, stopped on drop.
pub struct Running {
    pub emu: Option<EmulatorHandle>,
    pub runtime: tokio::runtime::Runtime,
}

impl Running {
    pub fn addr(&self) -> SocketAddr {
        self.handle().addr()
    }
    pub fn handle(&self) -> &EmulatorHandle {
        self.emu.as_ref().expect("running")
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        if let Some(emu) = self.emu.take() {
            self.runtime.block_on(emu.shutdown());
        }
    }
}

pub fn start(config: EmulatorConfig) -> Running {
    let runtime = tokio::runtime::Runtime::new().expect("runtime");
    let emu = runtime
        .block_on(Emulator::start(config))
        .expect("the emulator starts on loopback");
    Running {
        emu: Some(emu),
        runtime,
    }
}

pub fn config() -> EmulatorConfig {
    EmulatorConfig {
        client_id: ID.to_owned(),
        client_secret: SECRET.to_owned(),
        rate_limit: None,
        ..EmulatorConfig::default()
    }
}

pub fn connect(addr: SocketAddr) -> TcpStream {
    let stream = TcpStream::connect(addr).expect("connects");
    stream
        .set_read_timeout(Some(HANG_GUARD))
        .expect("timeout set");
    stream
}

#[derive(Debug)]
pub struct Answer {
    pub status: u16,
    pub head: String,
    pub body: String,
}

impl Answer {
    pub fn json(&self) -> Value {
        serde_json::from_str(&self.body).unwrap_or(Value::Null)
    }
}

/// Reads one response (its `Content-Length` body, or up to EOF without one).
pub fn read_answer(stream: &mut TcpStream) -> Answer {
    let mut bytes = Vec::new();
    let mut byte = [0u8; 1];
    while !bytes.ends_with(b"\r\n\r\n") {
        match stream.read(&mut byte) {
            Ok(0) => panic!(
                "the connection closed before a full answer: {:?}",
                String::from_utf8_lossy(&bytes)
            ),
            Ok(_) => bytes.push(byte[0]),
            Err(e) => panic!("no answer: {e}"),
        }
    }
    let head = String::from_utf8_lossy(&bytes).into_owned();
    let status = head
        .split(' ')
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| panic!("status line: {head}"));
    let length = head
        .lines()
        .find_map(|l| {
            let (name, value) = l.split_once(':')?;
            name.eq_ignore_ascii_case("content-length")
                .then(|| value.trim().parse::<usize>().ok())?
        })
        .unwrap_or(0);
    let mut body = vec![0u8; length];
    stream.read_exact(&mut body).expect("the whole body");
    Answer {
        status,
        head,
        body: String::from_utf8_lossy(&body).into_owned(),
    }
}

/// The server closed the connection (EOF or reset) rather than leaving it open.
pub fn closed_by_server(stream: &mut TcpStream) -> bool {
    let mut rest = Vec::new();
    match stream.read_to_end(&mut rest) {
        Ok(_) => true,
        Err(e) => matches!(
            e.kind(),
            ErrorKind::ConnectionReset | ErrorKind::ConnectionAborted
        ),
    }
}

/// A request to the emulator at `addr`, with the `Host` it answers.
pub fn request(
    addr: SocketAddr,
    path: &str,
    content_type: &str,
    token: Option<&str>,
    body: &str,
    close: bool,
) -> String {
    let auth = token.map_or(String::new(), |t| format!("Authorization: Bearer {t}\r\n"));
    let connection = if close { "close" } else { "keep-alive" };
    format!(
        "POST {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: {connection}\r\n{auth}\
         Content-Type: {content_type}\r\nContent-Length: {}\r\n\r\n{body}",
        body.len()
    )
}

pub fn exchange(addr: SocketAddr, text: &str) -> Answer {
    let mut stream = connect(addr);
    stream.write_all(text.as_bytes()).expect("request sent");
    read_answer(&mut stream)
}

pub fn token_form(id: &str, secret: &str) -> String {
    format!(
        "grant_type=client_credentials&client_id={id}&client_secret={secret}&scope=alexa%3A%3Aproactive_events"
    )
}

pub fn token_request(addr: SocketAddr, id: &str, secret: &str, close: bool) -> String {
    request(
        addr,
        "/auth/o2/token",
        "application/x-www-form-urlencoded",
        None,
        &token_form(id, secret),
        close,
    )
}

pub fn token_answer(addr: SocketAddr, id: &str, secret: &str) -> Answer {
    exchange(addr, &token_request(addr, id, secret, true))
}

pub fn token(addr: SocketAddr, id: &str, secret: &str) -> String {
    let answer = token_answer(addr, id, secret);
    assert_eq!(answer.status, 200, "{answer:?}");
    answer.json()["access_token"]
        .as_str()
        .expect("a token")
        .to_owned()
}

/// A valid MessageAlert body, timestamp now, expiry in 1 h.
pub fn event(reference_id: &str) -> String {
    let now = alexa_proactive_events::jiff::Timestamp::now();
    json!({
        "timestamp": now.to_string(),
        "referenceId": reference_id,
        "expiryTime": (now + alexa_proactive_events::jiff::SignedDuration::from_hours(1)).to_string(),
        "event": {"name": "AMAZON.MessageAlert.Activated", "payload": {
            "state": {"status": "UNREAD", "freshness": "NEW"},
            "messageGroup": {"creator": {"name": "Jane Doe"}, "count": 3, "urgency": "URGENT"}}},
        "localizedAttributes": [{"locale": "en-US"}],
        "relevantAudience": {"type": "Unicast", "payload": {"user": "amzn1.ask.account.H"}},
    })
    .to_string()
}

pub fn send_event(addr: SocketAddr, token: &str, body: &str) -> Answer {
    exchange(
        addr,
        &request(addr, DEV, "application/json", Some(token), body, true),
    )
}
