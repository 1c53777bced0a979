//! `proactive-events emulate` under hostile input (issue 8): the secret kept out
//! of `ps` and of what the command prints, and a bounded token lifetime. Shares
//! the raw-socket helpers of the root package's `hardening_emulator` tests.

// Not every shared helper is used by the process tests below.
#![allow(dead_code, unused_imports)]

use alexa_proactive_events::emulator::{
    Emulator, EmulatorConfig, EmulatorHandle, Faults, MAX_TOKEN_TTL,
};
use serde_json::{Value, json};
use std::io::{ErrorKind, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::time::Duration;

const HANG_GUARD: Duration = Duration::from_secs(60);
const DEV: &str = "/v1/proactiveEvents/stages/development";
const ID: &str = "amzn1.application-oa2-client.hardening";
const SECRET: &str = "hardening-SENTINEL-secret-7f3a";

/// An emulator on its own runtime, stopped on drop.
struct Running {
    emu: Option<EmulatorHandle>,
    runtime: tokio::runtime::Runtime,
}

impl Running {
    fn addr(&self) -> SocketAddr {
        self.handle().addr()
    }
    fn handle(&self) -> &EmulatorHandle {
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

fn start(config: EmulatorConfig) -> Running {
    let runtime = tokio::runtime::Runtime::new().expect("runtime");
    let emu = runtime
        .block_on(Emulator::start(config))
        .expect("the emulator starts on loopback");
    Running {
        emu: Some(emu),
        runtime,
    }
}

fn config() -> EmulatorConfig {
    EmulatorConfig {
        client_id: ID.to_owned(),
        client_secret: SECRET.to_owned(),
        rate_limit: None,
        ..EmulatorConfig::default()
    }
}

fn connect(addr: SocketAddr) -> TcpStream {
    let stream = TcpStream::connect(addr).expect("connects");
    stream
        .set_read_timeout(Some(HANG_GUARD))
        .expect("timeout set");
    stream
}

#[derive(Debug)]
struct Answer {
    status: u16,
    head: String,
    body: String,
}

impl Answer {
    fn json(&self) -> Value {
        serde_json::from_str(&self.body).unwrap_or(Value::Null)
    }
}

/// Reads one response (its `Content-Length` body, or up to EOF without one).
fn read_answer(stream: &mut TcpStream) -> Answer {
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
fn closed_by_server(stream: &mut TcpStream) -> bool {
    let mut rest = Vec::new();
    match stream.read_to_end(&mut rest) {
        Ok(_) => true,
        Err(e) => matches!(
            e.kind(),
            ErrorKind::ConnectionReset | ErrorKind::ConnectionAborted
        ),
    }
}

fn request(path: &str, content_type: &str, token: Option<&str>, body: &str, close: bool) -> String {
    let auth = token.map_or(String::new(), |t| format!("Authorization: Bearer {t}\r\n"));
    let connection = if close { "close" } else { "keep-alive" };
    format!(
        "POST {path} HTTP/1.1\r\nHost: emulator\r\nConnection: {connection}\r\n{auth}\
         Content-Type: {content_type}\r\nContent-Length: {}\r\n\r\n{body}",
        body.len()
    )
}

fn exchange(addr: SocketAddr, text: &str) -> Answer {
    let mut stream = connect(addr);
    stream.write_all(text.as_bytes()).expect("request sent");
    read_answer(&mut stream)
}

fn token_form(id: &str, secret: &str) -> String {
    format!(
        "grant_type=client_credentials&client_id={id}&client_secret={secret}&scope=alexa%3A%3Aproactive_events"
    )
}

fn token_request(id: &str, secret: &str, close: bool) -> String {
    request(
        "/auth/o2/token",
        "application/x-www-form-urlencoded",
        None,
        &token_form(id, secret),
        close,
    )
}

fn token_answer(addr: SocketAddr, id: &str, secret: &str) -> Answer {
    exchange(addr, &token_request(id, secret, true))
}

fn token(addr: SocketAddr, id: &str, secret: &str) -> String {
    let answer = token_answer(addr, id, secret);
    assert_eq!(answer.status, 200, "{answer:?}");
    answer.json()["access_token"]
        .as_str()
        .expect("a token")
        .to_owned()
}

/// A valid MessageAlert body, timestamp now, expiry in 1 h.
fn event(reference_id: &str) -> String {
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

fn send_event(addr: SocketAddr, token: &str, body: &str) -> Answer {
    exchange(
        addr,
        &request(DEV, "application/json", Some(token), body, true),
    )
}

mod cli {
    use super::*;
    use alexa_proactive_events::emulator::{DEFAULT_CLIENT_ID, DEFAULT_CLIENT_SECRET};
    use std::io::{BufRead, BufReader};
    use std::process::{Child, Command, Stdio};

    const BIN: &str = env!("CARGO_BIN_EXE_proactive-events");

    /// A running `proactive-events emulate`, killed on drop.
    struct Emulate {
        child: Child,
        addr: SocketAddr,
        banner: String,
    }

    impl Drop for Emulate {
        fn drop(&mut self) {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }

    fn command(args: &[&str]) -> Command {
        let mut cmd = Command::new(BIN);
        cmd.arg("emulate")
            .args(args)
            .env_remove("ALEXA_CLIENT_ID")
            .env_remove("ALEXA_CLIENT_SECRET");
        cmd
    }

    /// Starts `cmd` and reads its three banner lines.
    fn emulate(mut cmd: Command) -> Emulate {
        let mut child = cmd
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("emulate starts");
        let mut stdout = BufReader::new(child.stdout.take().expect("stdout"));
        let mut banner = String::new();
        for _ in 0..3 {
            stdout.read_line(&mut banner).expect("a banner line");
        }
        let url = banner
            .lines()
            .next()
            .and_then(|l| l.strip_prefix("listening on http://"))
            .unwrap_or_else(|| panic!("banner: {banner:?}"));
        let addr = url.parse().expect("an address");
        Emulate {
            child,
            addr,
            banner,
        }
    }

    /// Exit code and stderr of a command that should stop by itself.
    fn finished(mut cmd: Command) -> (Option<i32>, String) {
        let mut child = cmd
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .expect("runs");
        let start = std::time::Instant::now();
        while child.try_wait().expect("status").is_none() {
            if start.elapsed() > HANG_GUARD {
                let _ = child.kill();
                panic!("still running: it should have refused its arguments");
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        let out = child.wait_with_output().expect("output");
        (
            out.status.code(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    }

    #[test]
    fn emulate_takes_the_secret_from_the_environment_and_never_prints_it() {
        let mut cmd = command(&["--client-id", ID]);
        cmd.env("ALEXA_CLIENT_SECRET", SECRET);
        let emu = emulate(cmd);
        assert!(!emu.banner.contains(SECRET), "{}", emu.banner);
        assert!(emu.banner.contains(ID), "{}", emu.banner);
        assert!(
            emu.banner.contains("ALEXA_CLIENT_SECRET (not shown)"),
            "{}",
            emu.banner
        );
        token(emu.addr, ID, SECRET);
        assert_eq!(token_answer(emu.addr, ID, "emulator-secret").status, 401);
    }

    #[test]
    fn emulate_takes_the_secret_from_a_file_before_the_environment() {
        let dir = tempfile::tempdir().expect("temp dir");
        let file = dir.path().join("secret.txt");
        std::fs::write(&file, format!("{SECRET}\n")).expect("written");
        let mut cmd = command(&[
            "--client-id",
            ID,
            "--client-secret-file",
            file.to_str().expect("path"),
        ]);
        cmd.env("ALEXA_CLIENT_SECRET", "from-the-environment");
        let emu = emulate(cmd);
        assert!(!emu.banner.contains(SECRET), "{}", emu.banner);
        token(emu.addr, ID, SECRET);
        assert_eq!(
            token_answer(emu.addr, ID, "from-the-environment").status,
            401
        );
    }

    #[test]
    fn emulate_refuses_a_bad_secret_file_without_showing_it() {
        let dir = tempfile::tempdir().expect("temp dir");
        let file = dir.path().join("secret.txt");
        std::fs::write(&file, format!("{SECRET}\n").repeat(400)).expect("written");
        let (code, stderr) = finished(command(&[
            "--client-id",
            ID,
            "--client-secret-file",
            file.to_str().expect("path"),
        ]));
        assert_eq!(code, Some(2), "{stderr}");
        assert!(stderr.contains("4096 bytes"), "{stderr}");
        assert!(!stderr.contains(SECRET), "{stderr}");
        // Without any secret, --client-id says where to put it.
        let (code, stderr) = finished(command(&["--client-id", ID]));
        assert_eq!(code, Some(2), "{stderr}");
        assert!(
            stderr.contains("ALEXA_CLIENT_SECRET") && stderr.contains("--client-secret-file"),
            "{stderr}"
        );
    }

    #[test]
    fn emulate_does_not_print_a_secret_given_on_the_command_line() {
        let emu = emulate(command(&["--client-id", ID, "--client-secret", SECRET]));
        assert!(!emu.banner.contains(SECRET), "{}", emu.banner);
        token(emu.addr, ID, SECRET);
    }

    #[test]
    fn emulate_help_warns_that_client_secret_shows_in_ps() {
        let out = Command::new(BIN)
            .args(["emulate", "--help"])
            .output()
            .expect("runs");
        let help = String::from_utf8_lossy(&out.stdout);
        assert!(help.contains("ALEXA_CLIENT_SECRET"), "{help}");
        assert!(help.contains("--client-secret-file"), "{help}");
        assert!(help.contains("`ps`"), "{help}");
    }

    #[test]
    fn emulate_refuses_a_token_ttl_beyond_the_maximum() {
        let (code, stderr) = finished(command(&["--token-ttl", "18446744073709551615"]));
        assert_eq!(code, Some(2), "{stderr}");
        assert!(
            stderr.contains("--token-ttl") && stderr.contains("31536000"),
            "{stderr}"
        );
    }

    #[test]
    fn emulate_defaults_still_print_the_default_credentials() {
        let emu = emulate(command(&[]));
        assert!(
            emu.banner.contains(DEFAULT_CLIENT_ID) && emu.banner.contains(DEFAULT_CLIENT_SECRET),
            "{}",
            emu.banner
        );
        token(emu.addr, DEFAULT_CLIENT_ID, DEFAULT_CLIENT_SECRET);
    }
}
