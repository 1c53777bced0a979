//! `proactive-events serve` as a user runs it: a signed notice shows up in
//! `subscriptions list`, a forged one changes nothing; SIGTERM finishes the
//! requests in flight; TLS with a given certificate.

use crate::cli_support::{binary, run_guarded, run_in, wait_guarded};
use crate::skill_events_support::*;
use alexa_proactive_events::jiff::Timestamp;
use std::io::Read;
use std::path::Path;
use std::process::{Child, Command, Stdio};

/// A running `serve`, killed on drop if a test fails before stopping it.
pub(crate) struct Serve {
    child: Child,
    pub(crate) url: String,
}

impl Drop for Serve {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Serve {
    fn start(dir: &Path, prefix: &str, extra: &[&str]) -> Self {
        Self::start_with_db(dir, prefix, "subs.db", extra)
    }

    /// `serve --db db` in `dir`, trusting `dir/root.pem` and certificates under `prefix`.
    pub(crate) fn start_with_db(dir: &Path, prefix: &str, db: &str, extra: &[&str]) -> Self {
        let mut child = Command::new(binary())
            .current_dir(dir)
            .args([
                "serve",
                "--listen",
                "127.0.0.1:0",
                "--db",
                db,
                "--skill-id",
                SKILL,
            ])
            .args(["--skill-id", "amzn1.ask.skill.another-one"])
            .args(["--trust-root", "root.pem", "--cert-url-prefix", prefix])
            .args(extra)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("serve starts");
        let url = crate::cli_support::listening_url(&mut child);
        Self { child, url }
    }

    /// SIGTERM, then the exit status and stderr.
    pub(crate) fn terminate(mut self) -> (i32, String) {
        let pid = self.child.id().to_string();
        let killed = Command::new("kill")
            .args(["-TERM", &pid])
            .status()
            .expect("kill runs");
        assert!(killed.success());
        let status = wait_guarded(&mut self.child, 30, "serve after SIGTERM");
        let mut stderr = String::new();
        if let Some(mut e) = self.child.stderr.take() {
            let _ = e.read_to_string(&mut stderr);
        }
        (status.code().unwrap_or(-1), stderr)
    }
}

pub(crate) async fn post(
    http: &reqwest::Client,
    url: &str,
    server: &ChainServer,
    body: Vec<u8>,
    key: &str,
) -> u16 {
    let mut req = http.post(format!("{url}/")).body(body.clone());
    for (k, v) in headers(&server.url("good.pem"), &sign(&body, key)) {
        req = req.header(k, v);
    }
    req.send().await.expect("POST").status().as_u16()
}

fn list(dir: &Path) -> serde_json::Value {
    let out = run_in(
        dir,
        &[
            "subscriptions",
            "list",
            "--db",
            "subs.db",
            "--format",
            "json",
        ],
        None,
    );
    assert_eq!(out.code, 0, "{}", out.stderr);
    serde_json::from_str(&out.stdout).expect("JSON list")
}

#[tokio::test(flavor = "multi_thread")]
async fn a_signed_notice_is_listed_and_a_forged_one_changes_nothing() {
    let pki = Pki::new();
    let server = ChainServer::for_pki(&pki).await;
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::write(dir.path().join("root.pem"), &pki.root_pem).expect("write");
    let serve = Serve::start(dir.path(), &server.prefix(), &[]);
    assert!(serve.url.starts_with("http://127.0.0.1:"), "{}", serve.url);
    let http = http_client();
    let now = Timestamp::now();

    let health = http
        .get(format!("{}/healthz", serve.url))
        .send()
        .await
        .expect("GET");
    assert_eq!(health.status().as_u16(), 200);

    let signed = subscription_body(SKILL, USER, &[EVENT], ago(now, 20), "req-1");
    assert_eq!(
        post(&http, &serve.url, &server, signed, SIGNING_KEY_1).await,
        200
    );
    // Forged: a newer unsubscribe-all signed with a key that is not the certificate's.
    let forged = subscription_body(SKILL, USER, &[], now, "forged-1");
    assert_eq!(
        post(&http, &serve.url, &server, forged, SIGNING_KEY_2).await,
        400
    );
    // Forged: a subscription for a user who never asked, tampered after signing.
    let mut req = http.post(format!("{}/", serve.url)).body(subscription_body(
        SKILL,
        "amzn1.ask.account.INTRUDER",
        &[EVENT],
        now,
        "forged-2",
    ));
    let genuine = subscription_body(SKILL, USER, &[EVENT], now, "forged-2");
    for (k, v) in headers(&server.url("good.pem"), &sign(&genuine, SIGNING_KEY_1)) {
        req = req.header(k, v);
    }
    assert_eq!(req.send().await.expect("POST").status().as_u16(), 400);

    let (code, stderr) = serve.terminate();
    assert_eq!(code, 0, "{stderr}");
    assert!(stderr.contains("skill request refused"), "{stderr}");
    assert!(stderr.contains("SIGNATURE"), "{stderr}");
    assert!(stderr.trim_end().ends_with("stopped"), "{stderr}");

    let listed = list(dir.path());
    let users = listed.as_array().expect("array");
    assert_eq!(users.len(), 1, "{listed}");
    assert_eq!(users[0]["userId"], USER, "{listed}");
    assert_eq!(users[0]["events"], serde_json::json!([EVENT]), "{listed}");
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn sigterm_finishes_the_applies_in_flight() {
    let pki = Pki::new();
    let server = ChainServer::for_pki(&pki).await;
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::write(dir.path().join("root.pem"), &pki.root_pem).expect("write");
    let serve = Serve::start(dir.path(), &server.prefix(), &[]);
    let http = http_client();
    let now = Timestamp::now();
    // Warm the chain cache, so that the burst below is all applies.
    let first = subscription_body(SKILL, "amzn1.ask.account.U000", &[EVENT], now, "r0");
    assert_eq!(
        post(&http, &serve.url, &server, first, SIGNING_KEY_1).await,
        200
    );

    let mut burst = tokio::task::JoinSet::new();
    for i in 1..=40 {
        let (http, url, cert) = (http.clone(), serve.url.clone(), server.url("good.pem"));
        let user = format!("amzn1.ask.account.U{i:03}");
        burst.spawn(async move {
            let body = subscription_body(SKILL, &user, &[EVENT], now, &format!("r{i}"));
            let mut req = http.post(format!("{url}/")).body(body.clone());
            for (k, v) in headers(&cert, &sign(&body, SIGNING_KEY_1)) {
                req = req.header(k, v);
            }
            let status = req.send().await.map(|r| r.status().as_u16()).ok();
            (user, status)
        });
    }
    tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    let (code, stderr) = tokio::task::spawn_blocking(move || serve.terminate())
        .await
        .expect("join");
    assert_eq!(code, 0, "{stderr}");
    assert!(
        stderr.contains("finishing the requests in flight"),
        "{stderr}"
    );

    let mut answered = Vec::new();
    while let Some(done) = burst.join_next().await {
        let (user, status) = done.expect("task");
        match status {
            Some(200) => answered.push(user),
            // Not accepted before the listener closed: never answered, never applied.
            None => {}
            Some(other) => panic!("{user}: status {other}"),
        }
    }
    let listed = list(dir.path());
    let stored: Vec<&str> = listed
        .as_array()
        .expect("array")
        .iter()
        .filter_map(|u| u["userId"].as_str())
        .collect();
    for user in &answered {
        assert!(
            stored.contains(&user.as_str()),
            "{user} was answered 200 but is not stored"
        );
    }
    assert!(stored.contains(&"amzn1.ask.account.U000"));
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn serves_https_with_a_given_certificate() {
    let pki = Pki::new();
    let server = ChainServer::for_pki(&pki).await;
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::write(dir.path().join("root.pem"), &pki.root_pem).expect("write");
    // The HTTPS certificate of the endpoint itself (any key will do).
    let key = rcgen::KeyPair::generate().expect("key");
    let mut params = rcgen::CertificateParams::new(vec!["localhost".to_owned()]).expect("params");
    params
        .subject_alt_names
        .push(rcgen::SanType::IpAddress("127.0.0.1".parse().expect("ip")));
    let cert = params.self_signed(&key).expect("cert");
    std::fs::write(dir.path().join("tls.pem"), cert.pem()).expect("write");
    std::fs::write(dir.path().join("tls.key"), key.serialize_pem()).expect("write");
    let serve = Serve::start(
        dir.path(),
        &server.prefix(),
        &["--tls-cert", "tls.pem", "--tls-key", "tls.key"],
    );
    assert!(serve.url.starts_with("https://127.0.0.1:"), "{}", serve.url);

    crate::tls_support::install_ring();
    let http = reqwest::Client::builder()
        .tls_certs_only([reqwest::Certificate::from_pem(cert.pem().as_bytes()).expect("PEM")])
        .build()
        .expect("client");
    let health = http
        .get(format!("{}/healthz", serve.url))
        .send()
        .await
        .expect("GET over TLS");
    assert_eq!(health.status().as_u16(), 200);
    let body = subscription_body(SKILL, USER, &[EVENT], Timestamp::now(), "tls-1");
    assert_eq!(
        post(&http, &serve.url, &server, body, SIGNING_KEY_1).await,
        200
    );
    let (code, stderr) = serve.terminate();
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(list(dir.path()).as_array().map(Vec::len), Some(1));
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_stalled_client_is_dropped_after_the_header_read_timeout() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let pki = Pki::new();
    let server = ChainServer::for_pki(&pki).await;
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::write(dir.path().join("root.pem"), &pki.root_pem).expect("write");
    let serve = Serve::start(
        dir.path(),
        &server.prefix(),
        &["--header-read-timeout", "1", "--max-connections", "8"],
    );
    let addr = serve.url.trim_start_matches("http://").to_owned();
    let started = std::time::Instant::now();
    let mut stalled = tokio::net::TcpStream::connect(&addr)
        .await
        .expect("connects");
    stalled
        .write_all(b"POST / HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ")
        .await
        .expect("first bytes");
    // Another client is served meanwhile.
    let health = http_client()
        .get(format!("{}/healthz", serve.url))
        .send()
        .await
        .expect("GET");
    assert_eq!(health.status().as_u16(), 200);
    let mut rest = Vec::new();
    let _ = tokio::time::timeout(
        std::time::Duration::from_secs(30),
        stalled.read_to_end(&mut rest),
    )
    .await
    .expect("the stalled client is dropped");
    let elapsed = started.elapsed();
    assert!(elapsed >= std::time::Duration::from_secs(1), "{elapsed:?}");
    assert!(elapsed < std::time::Duration::from_secs(10), "{elapsed:?}");
    let (code, stderr) = serve.terminate();
    assert_eq!(code, 0, "{stderr}");
    server.stop().await;
}

#[test]
fn usage_errors_name_the_flag() {
    let dir = tempfile::tempdir().expect("tempdir");
    const BASE: [&str; 5] = ["serve", "--db", "subs.db", "--skill-id", "s"];
    // (arguments after BASE, or the whole command line; what stderr must name)
    let cases: [(&[&str], &str); 3] = [
        (&["serve", "--db", "subs.db"], "--skill-id"),
        (
            &[BASE.as_slice(), &["--tls-cert", "x.pem"]].concat(),
            "--tls-key",
        ),
        (
            &[BASE.as_slice(), &["--trust-root", "missing.pem"]].concat(),
            "--trust-root missing.pem",
        ),
    ];
    for (args, named) in cases {
        let out = run_in(dir.path(), args, None);
        assert_eq!(out.code, 2, "{args:?}: {}", out.stderr);
        assert!(out.stderr.contains(named), "{args:?}: {}", out.stderr);
    }
    for (flag, value) in [
        ("--header-read-timeout", "0"),
        ("--header-read-timeout", "1.5"),
        ("--header-read-timeout", "86401"),
        ("--max-connections", "0"),
        ("--max-connections", "many"),
    ] {
        let out = run_in(
            dir.path(),
            &[BASE.as_slice(), &[flag, value]].concat(),
            None,
        );
        assert_eq!(out.code, 2, "{flag} {value}: {}", out.stderr);
        assert!(out.stderr.contains(flag), "{}", out.stderr);
        assert!(out.stderr.contains("give a whole number"), "{}", out.stderr);
    }
    // A body limit of 0 would answer 400 to every request, Alexa's included.
    for value in ["0", "lots"] {
        let out = run_in(
            dir.path(),
            &[BASE.as_slice(), &["--max-body-bytes", value]].concat(),
            None,
        );
        assert_eq!(out.code, 2, "--max-body-bytes {value}: {}", out.stderr);
        assert!(out.stderr.contains("--max-body-bytes"), "{}", out.stderr);
        assert!(
            out.stderr
                .contains("give a whole number of bytes, at least 1 (0 would refuse every request"),
            "{}",
            out.stderr
        );
    }
    let help = run_in(dir.path(), &["serve", "--help"], None);
    assert!(help.stdout.contains("FOR TESTS ONLY"), "{}", help.stdout);
    assert!(
        help.stdout.contains("--header-read-timeout <SECS>"),
        "{}",
        help.stdout
    );
    assert!(
        help.stdout.contains("--max-connections <N>"),
        "{}",
        help.stdout
    );
}

/// `--trust-root`, `--tls-cert` and `--tls-key` are read through the CLI's
/// capped reader: a file past `--max-input-bytes` is refused naming the limit
/// (rustls' readers had no bound: `/dev/zero` grew memory until killed).
#[test]
fn every_file_serve_reads_is_capped_by_max_input_bytes() {
    let dir = tempfile::tempdir().expect("tempdir");
    let big = dir.path().join("big.pem");
    // Sparse: 8 MiB on disk costs nothing, and reads as zeros without a line end.
    std::fs::File::create(&big)
        .and_then(|f| f.set_len(8 << 20))
        .expect("big file");
    let pki = Pki::new();
    let good = dir.path().join("root.pem");
    std::fs::write(&good, &pki.root_pem).expect("write");
    let db = dir.path().join("subs.db");
    let (big, good, db) = (
        big.to_str().expect("UTF-8"),
        good.to_str().expect("UTF-8"),
        db.to_str().expect("UTF-8"),
    );
    let base = [
        "serve",
        "--db",
        db,
        "--skill-id",
        "s",
        "--max-input-bytes",
        "1000",
    ];
    let cases: [(&[&str], &str); 5] = [
        (&["--trust-root", big], "--trust-root"),
        (&["--tls-cert", big, "--tls-key", good], "--tls-cert"),
        (&["--tls-cert", good, "--tls-key", big], "--tls-key"),
        (&["--trust-root", "/dev/zero"], "--trust-root /dev/zero"),
        (
            &["--tls-cert", good, "--tls-key", "/dev/zero"],
            "--tls-key /dev/zero",
        ),
    ];
    for (extra, named) in cases {
        let out = run_guarded(&[base.as_slice(), extra].concat(), b"");
        assert_eq!(out.code, 2, "{extra:?}: {out:?}");
        assert!(out.stderr.contains(named), "{extra:?}: {}", out.stderr);
        assert!(
            out.stderr.contains(
                "larger than the input limit of 1000 bytes (raise it with --max-input-bytes)"
            ),
            "{extra:?}: {}",
            out.stderr
        );
        assert!(
            !out.stdout.contains("listening"),
            "{extra:?}: {}",
            out.stdout
        );
    }
}
