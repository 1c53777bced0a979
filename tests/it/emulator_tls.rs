//! The emulator over HTTPS (`EmulatorConfig::tls`): the generated certificate
//! authority, trusted through the client's root-certificate option, and what
//! happens without it.

use crate::delivery_support::*;
use alexa_proactive_events::client::{
    ClientBuildError, Outcome, RetryPolicy, SendError, TokenError,
};
use alexa_proactive_events::emulator::EmulatorConfig;
use std::io::Read;
use std::time::{Duration, Instant};

fn tls_config() -> EmulatorConfig {
    EmulatorConfig {
        tls: true,
        ..config()
    }
}

#[tokio::test]
async fn https_with_the_written_certificate_trusted() {
    let emu = emulator(tls_config()).await;
    let base = emu.base_url();
    assert!(base.starts_with("https://127.0.0.1:"), "{base}");
    assert!(emu.token_url().starts_with("https://127.0.0.1:"));
    let pem = emu.ca_certificate_pem().expect("a certificate with TLS");
    assert!(pem.starts_with("-----BEGIN CERTIFICATE-----"), "{pem}");

    let client = builder(&emu)
        .add_root_certificate(pem)
        .build()
        .expect("client");
    let first = event(1);
    let sent = client.send(&first).await.expect("sent over HTTPS");
    assert_eq!(sent, Outcome::Accepted);
    assert_eq!(
        client.send(&first).await.expect("resent"),
        Outcome::AlreadyAccepted
    );

    // The certificate names localhost too.
    let port = emu.addr().port();
    let by_name = builder(&emu)
        .api_base(format!("https://localhost:{port}"))
        .token_url(format!("https://localhost:{port}/auth/o2/token"))
        .add_root_certificate(pem)
        .build()
        .expect("client");
    assert_eq!(
        by_name.send(&event(2)).await.expect("sent to localhost"),
        Outcome::Accepted
    );
    assert_eq!(emu.events().len(), 2);
    emu.shutdown().await;
}

#[tokio::test]
async fn without_the_certificate_the_client_refuses_the_server() {
    let emu = emulator(tls_config()).await;
    let client = builder(&emu).retry(fast_retry(1)).build().expect("client");
    let error = client.send(&event(1)).await.expect_err("untrusted server");
    match &error {
        SendError::Token(e) => {
            let text = e.to_string();
            assert!(
                text.to_lowercase().contains("certificate"),
                "the error names the certificate: {text}"
            );
        }
        other => panic!("expected a token transport error, got {other:?}"),
    }
    assert_eq!(emu.stats().tokens_issued, 0);
    assert!(emu.events().is_empty());

    // Another emulator's authority does not vouch for this one.
    let other = emulator(tls_config()).await;
    let wrong = builder(&emu)
        .retry(fast_retry(1))
        .add_root_certificate(other.ca_certificate_pem().expect("pem"))
        .build()
        .expect("client");
    assert!(matches!(
        wrong.send(&event(2)).await,
        Err(SendError::Token(_))
    ));
    assert_ne!(emu.ca_certificate_pem(), other.ca_certificate_pem());
    other.shutdown().await;
    emu.shutdown().await;
}

/// A refused certificate is a setup problem, not a passing network one: it is
/// named at once (one attempt, whatever the retry policy allows), with the
/// fix, for the token endpoint and for the events API alike; it was retried
/// six times and reported as "token endpoint unreachable".
#[tokio::test]
async fn a_refused_certificate_is_named_at_once_with_the_fix_not_retried() {
    let tls = emulator(tls_config()).await;
    // Retries that would show: 2 s before the second attempt.
    let slow_retry = RetryPolicy {
        max_attempts: 6,
        initial_backoff: Duration::from_secs(2),
        max_backoff: Duration::from_secs(2),
        max_elapsed: Duration::from_secs(60),
    };
    let client = builder(&tls).retry(slow_retry).build().expect("client");
    let started = Instant::now();
    let error = client.send(&event(1)).await.expect_err("untrusted server");
    let text = error.to_string();
    assert!(
        matches!(&error, SendError::Token(TokenError::Certificate { .. })),
        "{error:?}"
    );
    assert!(!text.contains("unreachable"), "{text}");
    for named in [
        "TLS certificate was refused (not retried)",
        "UnknownIssuer",
        "--ca-cert",
    ] {
        assert!(text.contains(named), "{named}: {text}");
    }
    // A hang guard, far below one backoff of the policy.
    assert!(
        started.elapsed() < Duration::from_secs(2),
        "{:?}",
        started.elapsed()
    );

    // The token from a plain-HTTP emulator, the events to the HTTPS one.
    let plain = emulator(config()).await;
    let client = builder(&plain)
        .api_base(tls.base_url())
        .retry(slow_retry)
        .build()
        .expect("client");
    let started = Instant::now();
    let error = client.send(&event(2)).await.expect_err("untrusted API");
    let text = error.to_string();
    assert!(matches!(&error, SendError::Certificate { .. }), "{error:?}");
    assert!(!error.is_rejection(), "{error:?}");
    assert!(
        text.contains("Proactive Events API's TLS certificate was refused (not retried)"),
        "{text}"
    );
    assert!(text.contains("--ca-cert"), "{text}");
    assert!(
        started.elapsed() < Duration::from_secs(2),
        "{:?}",
        started.elapsed()
    );
    assert!(tls.events().is_empty());
    plain.shutdown().await;
    tls.shutdown().await;
}

#[test]
fn a_root_certificate_that_is_not_pem_fails_the_build() {
    for (pem, needle) in [
        (&b"not a certificate"[..], "no PEM"),
        (
            &b"-----BEGIN CERTIFICATE-----\n!!!!\n-----END CERTIFICATE-----\n"[..],
            "root certificate 1",
        ),
    ] {
        let error = alexa_proactive_events::client::Client::builder(
            alexa_proactive_events::client::Credentials::new(CLIENT_ID, SECRET),
            alexa_proactive_events::client::Region::NorthAmerica,
            alexa_proactive_events::client::Stage::Development,
        )
        .add_root_certificate(pem)
        .build()
        .expect_err("an unreadable certificate");
        assert!(
            matches!(error, ClientBuildError::Certificate(_)),
            "{error:?}"
        );
        assert!(error.to_string().contains(needle), "{error}");
    }
}

/// A client that opens a connection and never starts the handshake is
/// dropped after the header-read timeout; the emulator keeps serving.
#[test]
fn a_stalled_handshake_is_dropped() {
    let running = crate::emulator_support::start(EmulatorConfig {
        tls: true,
        header_read_timeout: Duration::from_millis(300),
        ..crate::emulator_support::config()
    });
    let mut stalled = crate::emulator_support::connect(running.addr());
    let started = Instant::now();
    let mut buffer = [0u8; 16];
    let read = stalled.read(&mut buffer);
    assert!(
        matches!(read, Ok(0)) || read.is_err(),
        "the server closed the connection: {read:?}"
    );
    assert!(
        started.elapsed() < crate::emulator_support::HANG_GUARD,
        "closed by the timeout, not the guard"
    );
    // Plain HTTP to the TLS port gets no HTTP answer either.
    let mut plain = crate::emulator_support::connect(running.addr());
    std::io::Write::write_all(
        &mut plain,
        format!(
            "GET /emulator/stats HTTP/1.1\r\nHost: {}\r\nConnection: close\r\n\r\n",
            running.addr()
        )
        .as_bytes(),
    )
    .expect("sent");
    let mut answer = Vec::new();
    let _ = plain.read_to_end(&mut answer);
    assert!(
        !answer.starts_with(b"HTTP/1.1 200"),
        "{}",
        String::from_utf8_lossy(&answer)
    );
}
