//! The skill-events endpoint (feature `skill-events`): Amazon's request checks, each
//! on its own and through the axum router, with a test CA (rcgen), a loopback
//! chain server and requests signed in the test. Every refused request must leave
//! the ledger exactly as it was.

use crate::loopback_support::Loopback;
use crate::skill_events_support::*;
use alexa_proactive_events::jiff::Timestamp;
use alexa_proactive_events::skill_events::{
    CertUrlRule, HEADER_CERT_URL, HEADER_SIGNATURE, RouterOptions, Rule, SkillEvent, Verifier,
    VerifierOptions, check_cert_url, handle_json, router_with,
};
use alexa_proactive_events::subscriptions::{Ledger, MemoryLedger, UserRecord};
use std::sync::Arc;
use std::sync::atomic::Ordering;

/// Amazon's own examples of certificate URLs, with their verdicts.
pub const AMAZON_URL_EXAMPLES: [(&str, bool); 8] = [
    ("https://s3.amazonaws.com/echo.api/echo-api-cert.pem", true),
    (
        "https://s3.amazonaws.com:443/echo.api/echo-api-cert.pem",
        true,
    ),
    (
        "https://s3.amazonaws.com/echo.api/../echo.api/echo-api-cert.pem",
        true,
    ),
    ("http://s3.amazonaws.com/echo.api/echo-api-cert.pem", false),
    ("https://notamazon.com/echo.api/echo-api-cert.pem", false),
    ("https://s3.amazonaws.com/EcHo.aPi/echo-api-cert.pem", false),
    (
        "https://s3.amazonaws.com/invalid.path/echo-api-cert.pem",
        false,
    ),
    (
        "https://s3.amazonaws.com:563/echo.api/echo-api-cert.pem",
        false,
    ),
];

#[test]
fn amazon_cert_url_examples_get_amazons_verdicts() {
    for (url, valid) in AMAZON_URL_EXAMPLES {
        let got = check_cert_url(url, &CertUrlRule::Amazon);
        assert_eq!(got.is_ok(), valid, "{url}: {got:?}");
        if let Err(e) = got {
            assert_eq!(e.rule(), Rule::CertUrl, "{url}");
            assert!(e.to_string().starts_with("CERT-URL: "), "{e}");
        }
    }
    // Case-insensitive scheme and host; the normalized URL is what is fetched.
    let url = check_cert_url(
        "HTTPS://S3.AmazonAWS.com:443/echo.api/./x/../echo-api-cert.pem",
        &CertUrlRule::Amazon,
    )
    .expect("valid");
    assert_eq!(
        url.as_str(),
        "https://s3.amazonaws.com/echo.api/echo-api-cert.pem"
    );
    // Percent-encoded dot segments cannot climb out of /echo.api/ either.
    assert!(
        check_cert_url(
            "https://s3.amazonaws.com/echo.api/%2e%2e/x.pem",
            &CertUrlRule::Amazon
        )
        .is_err()
    );
    assert!(check_cert_url("not a url", &CertUrlRule::Amazon).is_err());
}

#[test]
fn test_options_are_never_the_default() {
    let options = VerifierOptions::new([SKILL]);
    assert!(!options.has_test_options());
    assert!(
        options
            .clone()
            .cert_url_prefix_for_tests("http://127.0.0.1:1/")
            .has_test_options()
    );
    assert!(
        options
            .rewrite_download_for_tests("https://a/", "http://b/")
            .has_test_options()
    );
    // The default rule refuses the loopback URLs the tests use.
    assert!(
        check_cert_url(
            "http://127.0.0.1:8080/echo.api/good.pem",
            &CertUrlRule::default()
        )
        .is_err()
    );
}

/// One request: a body and its headers.
struct Req {
    body: Vec<u8>,
    headers: Vec<(String, String)>,
}

fn signed(server: &ChainServer, chain: &str, body: Vec<u8>, key: &str) -> Req {
    let headers = headers(&server.url(chain), &sign(&body, key));
    Req { body, headers }
}

#[tokio::test]
async fn verifier_names_the_failed_rule() {
    let pki = Pki::new();
    let server = ChainServer::for_pki(&pki).await;
    let verifier = Verifier::new(options(&pki, &server)).expect("verifier");
    // Whole seconds, as the bodies carry them: the window edges are exact.
    let now = Timestamp::from_second(Timestamp::now().as_second()).expect("time");
    let body = || subscription_body(SKILL, USER, &[EVENT], now, "req-1");

    let good = signed(&server, "good.pem", body(), SIGNING_KEY_1);
    let ok = verifier
        .verify(good.headers.as_slice(), &good.body, now)
        .await
        .expect("valid");
    assert_eq!(ok.skill_id, SKILL);
    assert_eq!(
        ok.request_type,
        "AlexaSkillEvent.ProactiveSubscriptionChanged"
    );

    let mut tampered = signed(&server, "good.pem", body(), SIGNING_KEY_1);
    tampered.body = subscription_body(SKILL, USER, &[], now, "req-1");
    let mut one_byte = signed(&server, "good.pem", body(), SIGNING_KEY_1);
    one_byte.body.push(b' ');
    // Signed as it stands, but with a second `userId`: refused naming it, not
    // read as the last one (the ledger's input is as strict as `validate`'s).
    let two_users = String::from_utf8(body())
        .expect("UTF-8")
        .replace(
            "\"userId\": ",
            "\"userId\": \"amzn1.ask.account.OTHER\", \"userId\": ",
        )
        .into_bytes();
    assert_ne!(two_users, body());
    let two_users = signed(&server, "good.pem", two_users, SIGNING_KEY_1);
    let cases: Vec<(&str, Req, Timestamp, Rule)> = vec![
        ("tampered body", tampered, now, Rule::Signature),
        ("one byte appended", one_byte, now, Rule::Signature),
        ("two userIds", two_users, now, Rule::Body),
        (
            "another key",
            signed(&server, "good.pem", body(), SIGNING_KEY_2),
            now,
            Rule::Signature,
        ),
        (
            "expired certificate",
            signed(&server, "expired.pem", body(), SIGNING_KEY_1),
            now,
            Rule::CertDates,
        ),
        (
            "SAN of another name",
            signed(&server, "other-san.pem", body(), SIGNING_KEY_1),
            now,
            Rule::CertSan,
        ),
        (
            "no SAN at all",
            signed(&server, "no-san.pem", body(), SIGNING_KEY_1),
            now,
            Rule::CertSan,
        ),
        (
            "a wildcard SAN alone (*.amazon.com)",
            signed(&server, "wildcard-san.pem", body(), SIGNING_KEY_1),
            now,
            Rule::CertSan,
        ),
        (
            "the SAN in another case",
            signed(&server, "upper-case-san.pem", body(), SIGNING_KEY_1),
            now,
            Rule::CertSan,
        ),
        (
            "chain not reaching the root",
            signed(&server, "untrusted.pem", body(), SIGNING_KEY_1),
            now,
            Rule::CertChain,
        ),
        (
            "chain not found",
            signed(&server, "missing.pem", body(), SIGNING_KEY_1),
            now,
            Rule::CertDownload,
        ),
        (
            "151 s old",
            signed(
                &server,
                "good.pem",
                subscription_body(SKILL, USER, &[EVENT], ago(now, 151), "r"),
                SIGNING_KEY_1,
            ),
            now,
            Rule::Timestamp,
        ),
        (
            "151 s ahead",
            signed(
                &server,
                "good.pem",
                subscription_body(SKILL, USER, &[EVENT], ago(now, -151), "r"),
                SIGNING_KEY_1,
            ),
            now,
            Rule::Timestamp,
        ),
        (
            "wrong skill id",
            signed(
                &server,
                "good.pem",
                subscription_body(OTHER_SKILL, USER, &[EVENT], now, "r"),
                SIGNING_KEY_1,
            ),
            now,
            Rule::ApplicationId,
        ),
        (
            "SkillDisabled 3601 s old",
            signed(
                &server,
                "good.pem",
                lifecycle_body("SkillDisabled", SKILL, USER, ago(now, 3601), "r"),
                SIGNING_KEY_1,
            ),
            now,
            Rule::Timestamp,
        ),
        (
            "signature not base64",
            Req {
                body: body(),
                headers: headers(&server.url("good.pem"), "%%%not base64"),
            },
            now,
            Rule::Signature,
        ),
        (
            "no signature header",
            Req {
                body: body(),
                headers: vec![(HEADER_CERT_URL.to_owned(), server.url("good.pem"))],
            },
            now,
            Rule::MissingHeader,
        ),
        (
            "no certificate URL header",
            Req {
                body: body(),
                headers: vec![(HEADER_SIGNATURE.to_owned(), sign(&body(), SIGNING_KEY_1))],
            },
            now,
            Rule::MissingHeader,
        ),
        (
            "Amazon URL under the test prefix rule",
            Req {
                body: body(),
                headers: headers(
                    "https://s3.amazonaws.com/echo.api/echo-api-cert.pem",
                    &sign(&body(), SIGNING_KEY_1),
                ),
            },
            now,
            Rule::CertUrl,
        ),
    ];
    for (name, req, at, rule) in cases {
        let got = verifier.verify(req.headers.as_slice(), &req.body, at).await;
        match got {
            Ok(_) => panic!("{name}: accepted"),
            Err(e) => {
                assert_eq!(e.rule(), rule, "{name}: {e}");
                assert!(e.to_string().starts_with(rule.as_str()), "{name}: {e}");
            }
        }
    }

    let two_users = String::from_utf8(body())
        .expect("UTF-8")
        .replace("\"userId\": ", "\"userId\": \"x\", \"userId\": ")
        .into_bytes();
    let two_users = signed(&server, "good.pem", two_users, SIGNING_KEY_1);
    let refused = verifier
        .verify(two_users.headers.as_slice(), &two_users.body, now)
        .await
        .expect_err("two userIds");
    assert!(
        refused
            .to_string()
            .contains("context.System.user.userId: `userId` appears more than once"),
        "{refused}"
    );

    // Amazon's rule is the exact name among the SAN's DNS names: a wildcard
    // beside it is no obstacle, and a refusal says what the certificate names.
    let both = signed(&server, "wildcard-and-exact-san.pem", body(), SIGNING_KEY_1);
    verifier
        .verify(both.headers.as_slice(), &both.body, now)
        .await
        .expect("the exact name beside a wildcard");
    let wildcard = signed(&server, "wildcard-san.pem", body(), SIGNING_KEY_1);
    let refused = verifier
        .verify(wildcard.headers.as_slice(), &wildcard.body, now)
        .await
        .expect_err("a wildcard alone");
    assert!(
        refused
            .to_string()
            .contains("echo-api.amazon.com exactly (it names *.amazon.com)"),
        "{refused}"
    );

    // The edges of the window: exactly 150 s either way is inside it.
    for offset in [150, -150] {
        let req = signed(
            &server,
            "good.pem",
            subscription_body(SKILL, USER, &[EVENT], ago(now, offset), "r"),
            SIGNING_KEY_1,
        );
        verifier
            .verify(req.headers.as_slice(), &req.body, now)
            .await
            .unwrap_or_else(|e| panic!("{offset}: {e}"));
    }
    // Lifecycle skill events may be late by up to an hour, as in Amazon's SDKs.
    let late = signed(
        &server,
        "good.pem",
        lifecycle_body("SkillDisabled", SKILL, USER, ago(now, 3599), "r"),
        SIGNING_KEY_1,
    );
    verifier
        .verify(late.headers.as_slice(), &late.body, now)
        .await
        .expect("late SkillDisabled");
    server.stop().await;
}

#[tokio::test]
async fn chains_are_cached_by_url_and_downloads_are_capped() {
    let pki = Pki::new();
    let mut files: std::collections::HashMap<String, Vec<u8>> = pki
        .chains
        .iter()
        .map(|(k, v)| ((*k).to_owned(), v.clone().into_bytes()))
        .collect();
    // A chain padded past the cap (PEM allows text around the blocks).
    let mut big = pki.chains["good.pem"].clone().into_bytes();
    big.extend(std::iter::repeat_n(b'#', 70 * 1024));
    files.insert("big.pem".to_owned(), big);
    let server = ChainServer::start(files).await;
    let verifier = Verifier::new(options(&pki, &server)).expect("verifier");
    let now = Timestamp::now();
    for i in 0..3 {
        let req = signed(
            &server,
            "good.pem",
            subscription_body(SKILL, USER, &[EVENT], now, &format!("r{i}")),
            SIGNING_KEY_1,
        );
        verifier
            .verify(req.headers.as_slice(), &req.body, now)
            .await
            .expect("valid");
    }
    assert_eq!(
        server.hits.load(Ordering::SeqCst),
        1,
        "one download for three requests"
    );

    let req = signed(
        &server,
        "big.pem",
        subscription_body(SKILL, USER, &[EVENT], now, "r"),
        SIGNING_KEY_1,
    );
    let e = verifier
        .verify(req.headers.as_slice(), &req.body, now)
        .await
        .expect_err("too big");
    assert_eq!(e.rule(), Rule::CertDownload);
    assert!(e.message().contains("larger than 65536 bytes"), "{e}");

    // The cached chain is re-checked at every request's time: once the
    // certificate has expired, the cached copy no longer passes.
    let later: Timestamp = "2099-06-01T00:00:00Z".parse().expect("time");
    let req = signed(
        &server,
        "good.pem",
        subscription_body(SKILL, USER, &[EVENT], later, "r"),
        SIGNING_KEY_1,
    );
    let e = verifier
        .verify(req.headers.as_slice(), &req.body, later)
        .await
        .expect_err("expired");
    assert_eq!(e.rule(), Rule::CertDates, "{e}");
    server.stop().await;
}

#[tokio::test]
async fn the_download_times_out() {
    // A listener that accepts and never answers.
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let addr = listener.local_addr().expect("addr");
    let hold = tokio::spawn(async move {
        let mut open = Vec::new();
        while let Ok((s, _)) = listener.accept().await {
            open.push(s);
        }
    });
    let pki = Pki::new();
    let options = VerifierOptions::new([SKILL])
        .trust_roots_for_tests(pki.root_pem.as_bytes())
        .expect("root")
        .cert_url_prefix_for_tests(format!("http://{addr}/echo.api/"))
        .download_timeout(std::time::Duration::from_millis(300));
    let verifier = Verifier::new(options).expect("verifier");
    let now = Timestamp::now();
    let body = subscription_body(SKILL, USER, &[EVENT], now, "r");
    let h = headers(
        &format!("http://{addr}/echo.api/good.pem"),
        &sign(&body, SIGNING_KEY_1),
    );
    let started = std::time::Instant::now();
    let e = verifier
        .verify(h.as_slice(), &body, now)
        .await
        .expect_err("timeout");
    assert_eq!(e.rule(), Rule::CertDownload);
    assert!(e.message().contains("timed out"), "{e}");
    assert!(started.elapsed() < std::time::Duration::from_secs(5));
    hold.abort();
}

/// The router on loopback with a ledger that already holds one subscription.
struct Endpoint {
    server: Loopback,
    ledger: Arc<MemoryLedger>,
    http: reqwest::Client,
}

impl Endpoint {
    async fn start(verifier: Verifier, options: RouterOptions) -> Self {
        let ledger = Arc::new(MemoryLedger::new());
        let app = router_with(verifier, ledger.clone(), options);
        Self {
            server: Loopback::serve(app).await,
            ledger,
            http: http_client(),
        }
    }

    fn base(&self) -> String {
        self.server.base()
    }

    async fn post(&self, req: &Req) -> (u16, String) {
        let mut r = self
            .http
            .post(format!("{}/", self.base()))
            .body(req.body.clone());
        for (k, v) in &req.headers {
            r = r.header(k, v);
        }
        let resp = r.send().await.expect("POST");
        let status = resp.status().as_u16();
        (status, resp.text().await.expect("body"))
    }

    fn snapshot(&self) -> Vec<UserRecord> {
        self.ledger.users(None, 1000).expect("users").items
    }

    fn events(&self) -> Vec<String> {
        self.ledger
            .user(SKILL, USER)
            .expect("read")
            .map(|r| r.events.into_iter().collect())
            .unwrap_or_default()
    }

    async fn stop(self) {
        self.server.stop().await;
    }
}

#[tokio::test]
async fn router_applies_verified_notices_and_refuses_everything_else_unchanged() {
    let pki = Pki::new();
    let server = ChainServer::for_pki(&pki).await;
    let verifier = Verifier::new(options(&pki, &server)).expect("verifier");
    let ep = Endpoint::start(verifier, RouterOptions::default()).await;
    let now = Timestamp::now();

    // A valid notice is applied.
    let first = signed(
        &server,
        "good.pem",
        subscription_body(SKILL, USER, &[EVENT], ago(now, 30), "req-a"),
        SIGNING_KEY_1,
    );
    assert_eq!(ep.post(&first).await, (200, String::new()));
    assert_eq!(ep.events(), [EVENT]);
    let before = ep.snapshot();

    // A replay inside the window is harmless: the same request is a duplicate.
    assert_eq!(ep.post(&first).await.0, 200);
    assert_eq!(ep.snapshot(), before);

    // Forged unsubscribe-alls, newer than the stored state: each refused with 400
    // and its rule, and the ledger unchanged.
    let forged = || subscription_body(SKILL, USER, &[], now, "forged");
    let mut tampered = signed(
        &server,
        "good.pem",
        subscription_body(SKILL, USER, &[EVENT], now, "forged"),
        SIGNING_KEY_1,
    );
    tampered.body = forged();
    let mut big = forged();
    // Valid JSON, validly signed, but over the 128 KiB cap.
    let pad = format!(",\"pad\":\"{}\"}}", "x".repeat(130 * 1024));
    big.truncate(big.len() - 1);
    big.extend_from_slice(pad.as_bytes());
    let cases: Vec<(&str, Req, &str)> = vec![
        ("tampered body", tampered, "SIGNATURE"),
        (
            "another key",
            signed(&server, "good.pem", forged(), SIGNING_KEY_2),
            "SIGNATURE",
        ),
        (
            "expired certificate",
            signed(&server, "expired.pem", forged(), SIGNING_KEY_1),
            "CERT-DATES",
        ),
        (
            "certificate without the SAN",
            signed(&server, "other-san.pem", forged(), SIGNING_KEY_1),
            "CERT-SAN",
        ),
        (
            "certificate without any SAN",
            signed(&server, "no-san.pem", forged(), SIGNING_KEY_1),
            "CERT-SAN",
        ),
        (
            "chain not reaching the root",
            signed(&server, "untrusted.pem", forged(), SIGNING_KEY_1),
            "CERT-CHAIN",
        ),
        (
            "timestamp 151 s old",
            signed(
                &server,
                "good.pem",
                subscription_body(SKILL, USER, &[], ago(now, 151), "forged"),
                SIGNING_KEY_1,
            ),
            "TIMESTAMP",
        ),
        (
            "wrong skill id",
            signed(
                &server,
                "good.pem",
                subscription_body(OTHER_SKILL, USER, &[], now, "forged"),
                SIGNING_KEY_1,
            ),
            "APPLICATION-ID",
        ),
        (
            "missing signature header",
            Req {
                body: forged(),
                headers: vec![(HEADER_CERT_URL.to_owned(), server.url("good.pem"))],
            },
            "MISSING-HEADER",
        ),
        (
            "missing certificate URL header",
            Req {
                body: forged(),
                headers: vec![(HEADER_SIGNATURE.to_owned(), sign(&forged(), SIGNING_KEY_1))],
            },
            "MISSING-HEADER",
        ),
        (
            "body over the cap",
            signed(&server, "good.pem", big, SIGNING_KEY_1),
            "BODY-SIZE",
        ),
        (
            "Amazon URL under the test rule",
            Req {
                body: forged(),
                headers: headers(
                    "http://s3.amazonaws.com/echo.api/echo-api-cert.pem",
                    &sign(&forged(), SIGNING_KEY_1),
                ),
            },
            "CERT-URL",
        ),
    ];
    for (name, req, rule) in &cases {
        assert_eq!(ep.post(req).await, (400, format!("{rule}\n")), "{name}");
        assert_eq!(ep.snapshot(), before, "{name} changed the ledger");
    }
    // Control: the same forged body, signed properly, would have changed it.
    let real = signed(&server, "good.pem", forged(), SIGNING_KEY_1);
    assert_eq!(ep.post(&real).await.0, 200);
    assert!(ep.events().is_empty());
    ep.stop().await;
    server.stop().await;
}

#[tokio::test]
async fn skill_disabled_unsubscribes_until_a_newer_subscription() {
    let pki = Pki::new();
    let server = ChainServer::for_pki(&pki).await;
    let verifier = Verifier::new(options(&pki, &server)).expect("verifier");
    let ep = Endpoint::start(verifier, RouterOptions::default()).await;
    let now = Timestamp::now();
    let post = |body: Vec<u8>| {
        let req = signed(&server, "good.pem", body, SIGNING_KEY_1);
        let ep = &ep;
        async move { ep.post(&req).await.0 }
    };
    assert_eq!(
        post(subscription_body(SKILL, USER, &[EVENT], ago(now, 60), "s1")).await,
        200
    );
    assert_eq!(ep.events(), [EVENT]);
    assert_eq!(
        post(lifecycle_body(
            "SkillDisabled",
            SKILL,
            USER,
            ago(now, 40),
            "d1"
        ))
        .await,
        200
    );
    assert!(ep.events().is_empty(), "disabled: no further event");
    let record = ep.ledger.user(SKILL, USER).expect("read").expect("record");
    assert_eq!(record.version.request_id, "d1");
    // An older subscription notice arriving late does not revive the user.
    assert_eq!(
        post(subscription_body(SKILL, USER, &[EVENT], ago(now, 50), "s0")).await,
        200
    );
    assert!(ep.events().is_empty());
    // A newer one (the user enabled the skill again) subscribes them.
    assert_eq!(
        post(subscription_body(SKILL, USER, &[EVENT], ago(now, 10), "s2")).await,
        200
    );
    assert_eq!(ep.events(), [EVENT]);

    // Acknowledged lifecycle events and other verified requests: 200, nothing changes.
    let before = ep.snapshot();
    for kind in [
        "SkillEnabled",
        "SkillAccountLinked",
        "SkillPermissionAccepted",
        "SkillPermissionChanged",
        "SomethingNew",
    ] {
        assert_eq!(
            post(lifecycle_body(kind, SKILL, USER, now, &format!("k-{kind}"))).await,
            200,
            "{kind}"
        );
    }
    assert_eq!(ep.snapshot(), before);

    // Health.
    let health = ep
        .http
        .get(format!("{}/healthz", ep.base()))
        .send()
        .await
        .expect("GET");
    assert_eq!(health.status().as_u16(), 200);
    assert_eq!(health.text().await.expect("text"), "ok\n");
    ep.stop().await;
    server.stop().await;
}

#[test]
fn lambda_handler_applies_without_verification() {
    // On Lambda, Alexa invokes the function directly: the handler is used alone.
    let ledger = MemoryLedger::new();
    let now = Timestamp::now();
    handle_json(
        &ledger,
        &subscription_body(SKILL, USER, &[EVENT], ago(now, 5), "a"),
    )
    .expect("applied");
    assert!(
        ledger
            .user(SKILL, USER)
            .expect("read")
            .expect("record")
            .events
            .contains(EVENT)
    );
    handle_json(
        &ledger,
        &lifecycle_body("SkillDisabled", SKILL, USER, now, "b"),
    )
    .expect("applied");
    assert!(
        ledger
            .user(SKILL, USER)
            .expect("read")
            .expect("record")
            .events
            .is_empty()
    );
    // A malformed notice changes nothing and says where it is wrong.
    let e = handle_json(
        &ledger,
        br#"{"request": {"type": "AlexaSkillEvent.SkillDisabled"}}"#,
    )
    .expect_err("bad");
    assert!(
        e.to_string()
            .contains("context.System.application.applicationId"),
        "{e}"
    );
    let event = SkillEvent::from_json(&lifecycle_body("SkillEnabled", SKILL, USER, now, "c"))
        .expect("event");
    assert_eq!(event.request_type(), "AlexaSkillEvent.SkillEnabled");
}

#[tokio::test]
async fn a_trickling_body_is_cut_off() {
    use tokio::io::AsyncWriteExt;
    let pki = Pki::new();
    let server = ChainServer::for_pki(&pki).await;
    let verifier = Verifier::new(options(&pki, &server)).expect("verifier");
    let options = RouterOptions::default().body_timeout(std::time::Duration::from_millis(300));
    let ep = Endpoint::start(verifier, options).await;
    let mut tcp = tokio::net::TcpStream::connect(ep.server.addr)
        .await
        .expect("connect");
    // Promises 100 bytes, sends 10, then waits.
    tcp.write_all(b"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n{\"version\"")
        .await
        .expect("write");
    let mut answer = Vec::new();
    let read = tokio::time::timeout(std::time::Duration::from_secs(10), async {
        use tokio::io::AsyncReadExt;
        let mut buf = [0u8; 1024];
        loop {
            let n = tcp.read(&mut buf).await.expect("read");
            answer.extend_from_slice(&buf[..n]);
            if n == 0 || answer.windows(9).any(|w| w == b"BODY-SIZE") {
                break;
            }
        }
    })
    .await;
    assert!(read.is_ok(), "no answer");
    let text = String::from_utf8_lossy(&answer);
    assert!(text.starts_with("HTTP/1.1 400"), "{text}");
    assert!(ep.snapshot().is_empty());
    ep.stop().await;
    server.stop().await;
}
