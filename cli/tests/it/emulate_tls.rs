//! `proactive-events emulate --tls --tls-cert PATH` with `send --ca-cert PATH`,
//! `--subscriptions-db`, and a clean stop on SIGINT and SIGTERM.

use crate::delivery_support::body;
use crate::subscriptions_support::notice;
use alexa_proactive_events::emulator::{DEFAULT_CLIENT_ID, DEFAULT_CLIENT_SECRET};
use alexa_proactive_events::subscriptions::{Ledger, PostgresLedger, SqliteLedger};
use std::io::{BufRead, BufReader, Read};
use std::net::{SocketAddr, TcpStream};
use std::path::Path;
use std::process::{Child, ChildStdout, Command, Stdio};
use std::time::{Duration, Instant};

const BIN: &str = env!("CARGO_BIN_EXE_proactive-events");
/// Only guards against a hang; no assertion depends on it.
const HANG_GUARD: Duration = Duration::from_secs(60);

/// A running `proactive-events emulate`, killed on drop if still running.
struct Emulate {
    child: Child,
    stdout: BufReader<ChildStdout>,
    url: String,
}

impl Drop for Emulate {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Emulate {
    fn addr(&self) -> SocketAddr {
        self.url
            .split("://")
            .nth(1)
            .and_then(|a| a.parse().ok())
            .unwrap_or_else(|| panic!("{}", self.url))
    }

    /// Sends `signal` with kill(1) and waits for the exit: its code and the
    /// rest of standard output.
    fn stop_with(mut self, signal: &str) -> (Option<i32>, String) {
        let pid = self.child.id().to_string();
        let sent = Command::new("kill")
            .args([&format!("-{signal}"), &pid])
            .status()
            .expect("kill runs");
        assert!(sent.success(), "kill -{signal} {pid}");
        let start = Instant::now();
        let status = loop {
            if let Some(status) = self.child.try_wait().expect("status") {
                break status;
            }
            assert!(
                start.elapsed() < HANG_GUARD,
                "still running after SIG{signal}"
            );
            std::thread::sleep(Duration::from_millis(20));
        };
        let mut rest = String::new();
        self.stdout.read_to_string(&mut rest).expect("stdout");
        (status.code(), rest)
    }
}

fn emulate(args: &[&str]) -> Emulate {
    let mut child = Command::new(BIN)
        .arg("emulate")
        .args(args)
        .env_remove("ALEXA_CLIENT_ID")
        .env_remove("ALEXA_CLIENT_SECRET")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("emulate starts");
    let mut stdout = BufReader::new(child.stdout.take().expect("stdout"));
    let mut first = String::new();
    stdout.read_line(&mut first).expect("first line");
    let url = first
        .trim()
        .strip_prefix("listening on ")
        .unwrap_or_else(|| panic!("first line: {first:?}"))
        .to_owned();
    Emulate { child, stdout, url }
}

/// Reads banner lines until one starts with `prefix`.
fn banner_line(emu: &mut Emulate, prefix: &str) -> String {
    for _ in 0..10 {
        let mut line = String::new();
        emu.stdout.read_line(&mut line).expect("a banner line");
        if line.starts_with(prefix) {
            return line;
        }
    }
    panic!("no banner line starting with {prefix:?}");
}

fn send(url: &str, file: &Path, extra: &[&str]) -> (i32, String) {
    let out = Command::new(BIN)
        .arg("send")
        .args(["--region", "NA", "--stage", "development"])
        .args(["--api-base", url])
        .args(["--token-url", &format!("{url}/auth/o2/token")])
        .args(extra)
        .arg(file)
        .env("ALEXA_CLIENT_ID", DEFAULT_CLIENT_ID)
        .env("ALEXA_CLIENT_SECRET", DEFAULT_CLIENT_SECRET)
        .output()
        .expect("send runs");
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    (out.status.code().expect("exit code"), text)
}

fn event_file(dir: &Path, name: &str, user: Option<&str>) -> std::path::PathBuf {
    let path = dir.join(format!("{name}.json"));
    std::fs::write(&path, body(name, user, 0).to_string()).expect("written");
    path
}

#[test]
fn send_trusts_the_certificate_emulate_writes() {
    let dir = tempfile::tempdir().expect("temp dir");
    let cert = dir.path().join("emulator.pem");
    let mut emu = emulate(&["--tls", "--tls-cert", cert.to_str().expect("path")]);
    assert!(emu.url.starts_with("https://127.0.0.1:"), "{}", emu.url);
    let written = banner_line(&mut emu, "certificate to trust written to ");
    assert!(written.contains("emulator.pem"), "{written}");
    let pem = std::fs::read_to_string(&cert).expect("the certificate file");
    assert!(pem.starts_with("-----BEGIN CERTIFICATE-----"), "{pem}");

    let file = event_file(dir.path(), "tls1", Some("amzn1.ask.account.T"));
    let (code, output) = send(
        &emu.url,
        &file,
        &["--ca-cert", cert.to_str().expect("path")],
    );
    assert_eq!(code, 0, "{output}");

    // Without the certificate the server is not trusted: nothing is sent.
    let other = event_file(dir.path(), "tls2", Some("amzn1.ask.account.T"));
    // It is named at once, with the fix, not retried and called unreachable.
    let started = Instant::now();
    let (code, output) = send(&emu.url, &other, &[]);
    assert_eq!(code, 1, "{output}");
    assert!(
        output.contains("the token endpoint's TLS certificate was refused (not retried)"),
        "{output}"
    );
    assert!(output.contains("send --ca-cert PEM"), "{output}");
    assert!(!output.contains("unreachable"), "{output}");
    // Six attempts took at least 0.2 + 0.4 + 0.8 + 1.6 + 3.2 s of backoff.
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "{:?}",
        started.elapsed()
    );

    // A --ca-cert that cannot be read is a usage error naming it.
    let missing = dir.path().join("missing.pem");
    let (code, output) = send(
        &emu.url,
        &other,
        &["--ca-cert", missing.to_str().expect("path")],
    );
    assert_eq!(code, 2, "{output}");
    assert!(output.contains("--ca-cert"), "{output}");
    let (code, rest) = emu.stop_with("TERM");
    assert_eq!(code, Some(0), "{rest}");
}

#[test]
fn tls_cert_needs_tls() {
    let out = Command::new(BIN)
        .args(["emulate", "--tls-cert", "x.pem"])
        .output()
        .expect("runs");
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("--tls"));
}

#[test]
fn sigterm_and_sigint_stop_the_emulator_cleanly() {
    for signal in ["TERM", "INT"] {
        let emu = emulate(&[]);
        let addr = emu.addr();
        TcpStream::connect(addr).expect("listening");
        let (code, rest) = emu.stop_with(signal);
        assert_eq!(code, Some(0), "SIG{signal}: {rest}");
        assert!(rest.contains(&format!("stopped by SIG{signal}")), "{rest}");
        assert!(
            TcpStream::connect_timeout(&addr, Duration::from_secs(2)).is_err(),
            "SIG{signal}: the port is closed"
        );
    }
}

const SKILL: &str = "amzn1.ask.skill.cli";

/// Subscribes `amzn1.ask.account.IN` to MessageAlert in `ledger`.
fn subscribe_one(ledger: &dyn Ledger) {
    ledger
        .apply(&notice(
            SKILL,
            "amzn1.ask.account.IN",
            "https://api.amazonalexa.com",
            "req-1",
            1,
            &["AMAZON.MessageAlert.Activated"],
        ))
        .expect("applied");
}

#[test]
fn a_subscriptions_ledger_decides_who_is_reached() {
    let dir = tempfile::tempdir().expect("temp dir");
    let db = dir.path().join("subs.db");
    subscribe_one(&SqliteLedger::open(&db).expect("ledger"));
    reaches_only_subscribers(dir.path(), db.to_str().expect("path"));

    // A ledger that does not exist is refused at start, naming the flag.
    let out = Command::new(BIN)
        .args(["emulate", "--subscriptions-db"])
        .arg(dir.path().join("missing.db"))
        .output()
        .expect("runs");
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("--subscriptions-db"));
}

/// `--subscriptions-db postgres://...` reads the same ledger `serve --db` writes there.
#[test]
#[cfg_attr(skip_postgres_tests, ignore = "ALEXA_PE_TEST_POSTGRES=skip")]
fn a_postgres_subscriptions_ledger_decides_who_is_reached() {
    let pg = crate::subscriptions_support::pg::TestDatabase::create();
    // Read only: a database that holds no ledger yet is refused, and not created;
    // the error names the database but never echoes the URL's password.
    let (scheme, rest) = pg.url().split_once("://").expect("a URL");
    let with_password = match rest.split_once('@') {
        Some((user, host)) => {
            let user = user.split(':').next().unwrap_or(user);
            format!("{scheme}://{user}:s3cr3t-pw@{host}")
        }
        None => format!("{scheme}://tester:s3cr3t-pw@{rest}"),
    };
    let out = Command::new(BIN)
        .args(["emulate", "--subscriptions-db", &with_password])
        .output()
        .expect("runs");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("--subscriptions-db"), "{stderr}");
    assert!(!stderr.contains("s3cr3t-pw"), "{stderr}");

    let ledger = PostgresLedger::connect(pg.url()).expect("ledger");
    subscribe_one(&ledger);
    drop(ledger);
    let dir = tempfile::tempdir().expect("temp dir");
    reaches_only_subscribers(dir.path(), pg.url());
}

/// With `db` holding [`subscribe_one`]'s subscription: the subscriber is reached, a
/// stranger gets 403, and a Multicast reaches the one subscriber.
fn reaches_only_subscribers(dir: &Path, db: &str) {
    let emu = emulate(&["--subscriptions-db", db, "--skill-id", SKILL]);
    let subscribed = event_file(dir, "sub1", Some("amzn1.ask.account.IN"));
    let (code, output) = send(&emu.url, &subscribed, &[]);
    assert_eq!(code, 0, "{output}");
    let stranger = event_file(dir, "sub2", Some("amzn1.ask.account.OUT"));
    let (code, output) = send(&emu.url, &stranger, &[]);
    assert_eq!(code, 1, "{output}");
    assert!(output.contains("403"), "{output}");
    assert!(output.contains("not subscribed"), "{output}");
    let multicast = event_file(dir, "sub3", None);
    assert_eq!(send(&emu.url, &multicast, &[]).0, 0);

    let mut listed = String::new();
    let mut stream = TcpStream::connect(emu.addr()).expect("connects");
    std::io::Write::write_all(
        &mut stream,
        format!(
            "GET /emulator/events HTTP/1.1\r\nHost: {}\r\nConnection: close\r\n\r\n",
            emu.addr()
        )
        .as_bytes(),
    )
    .expect("sent");
    stream.read_to_string(&mut listed).expect("read");
    assert!(listed.contains("\"reached\":1"), "{listed}");
}
