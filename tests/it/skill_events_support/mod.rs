//! Shared by the skill-events tests: a test PKI made with rcgen (an ECDSA root,
//! RSA signing certificates), a loopback HTTP server for certificate chains,
//! signed skill requests.
//!
//! The two RSA keys (`test-signing-key-*.pem`, PKCS#8) are test fixtures, made
//! once with `openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048`:
//! ring cannot generate RSA keys, and generating them in the test would take
//! seconds. They sign nothing but test requests.

#![allow(dead_code)]

use crate::loopback_support::Loopback;
use alexa_proactive_events::jiff::{SignedDuration, Timestamp};
use alexa_proactive_events::skill_events::{HEADER_CERT_URL, HEADER_SIGNATURE, VerifierOptions};
use axum::extract::{Path, State};
use axum::http::StatusCode;
use base64::Engine as _;
use rcgen::{
    BasicConstraints, CertificateParams, DnType, ExtendedKeyUsagePurpose, IsCa, Issuer, KeyPair,
    KeyUsagePurpose, PKCS_RSA_SHA256, date_time_ymd,
};
use rustls::pki_types::PrivatePkcs8KeyDer;
use rustls::pki_types::pem::PemObject as _;
use serde_json::json;
use std::collections::HashMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

pub const SIGNING_KEY_1: &str = include_str!("test-signing-key-1.pem");
pub const SIGNING_KEY_2: &str = include_str!("test-signing-key-2.pem");
pub const SKILL: &str = "amzn1.ask.skill.test-0001";
pub const OTHER_SKILL: &str = "amzn1.ask.skill.someone-else";
pub const USER: &str = "amzn1.ask.account.TESTUSER1";
pub const EVENT: &str = "AMAZON.WeatherAlert.Activated";

/// Certificates and keys for every case.
pub struct Pki {
    /// The trusted test root, PEM.
    pub root_pem: String,
    /// Chains (leaf first, PEM) by file name: `good.pem`, `expired.pem`,
    /// `other-san.pem`, `no-san.pem`, `untrusted.pem`, `wildcard-san.pem`
    /// (`*.amazon.com` alone), `upper-case-san.pem` (`ECHO-API.AMAZON.COM`),
    /// `wildcard-and-exact-san.pem` (both `*.amazon.com` and the exact name).
    pub chains: HashMap<&'static str, String>,
}

fn ca(name: &str) -> (String, Issuer<'static, KeyPair>) {
    let key = KeyPair::generate().expect("ECDSA key");
    let mut params = CertificateParams::new(Vec::<String>::new()).expect("params");
    params.distinguished_name.push(DnType::CommonName, name);
    params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    params.key_usages = vec![
        KeyUsagePurpose::KeyCertSign,
        KeyUsagePurpose::CrlSign,
        KeyUsagePurpose::DigitalSignature,
    ];
    params.not_before = date_time_ymd(2020, 1, 1);
    params.not_after = date_time_ymd(2099, 1, 1);
    let cert = params.self_signed(&key).expect("root");
    (cert.pem(), Issuer::new(params, key))
}

fn leaf(
    issuer: &Issuer<'static, KeyPair>,
    sans: &[&str],
    not_before: (i32, u8, u8),
    not_after: (i32, u8, u8),
) -> String {
    let key = KeyPair::from_pkcs8_pem_and_sign_algo(SIGNING_KEY_1, &PKCS_RSA_SHA256)
        .expect("RSA test key");
    let sans: Vec<String> = sans.iter().map(|s| (*s).to_owned()).collect();
    let mut params = CertificateParams::new(sans).expect("params");
    params
        .distinguished_name
        .push(DnType::CommonName, "echo-api.amazon.com (test)");
    params.key_usages = vec![
        KeyUsagePurpose::DigitalSignature,
        KeyUsagePurpose::KeyEncipherment,
    ];
    params.extended_key_usages = vec![ExtendedKeyUsagePurpose::ServerAuth];
    params.not_before = date_time_ymd(not_before.0, not_before.1, not_before.2);
    params.not_after = date_time_ymd(not_after.0, not_after.1, not_after.2);
    params.signed_by(&key, issuer).expect("leaf").pem()
}

impl Pki {
    pub fn new() -> Self {
        let (root_pem, root) = ca("Skill Events Test Root");
        let (untrusted_pem, untrusted) = ca("Untrusted Test Root");
        let good = leaf(&root, &["echo-api.amazon.com"], (2020, 1, 1), (2099, 1, 1));
        let expired = leaf(&root, &["echo-api.amazon.com"], (2020, 1, 1), (2021, 1, 1));
        let other_san = leaf(&root, &["example.com"], (2020, 1, 1), (2099, 1, 1));
        let no_san = leaf(&root, &[], (2020, 1, 1), (2099, 1, 1));
        // Names a TLS client would accept for echo-api.amazon.com, Amazon's rule not.
        let wildcard = leaf(&root, &["*.amazon.com"], (2020, 1, 1), (2099, 1, 1));
        let upper = leaf(&root, &["ECHO-API.AMAZON.COM"], (2020, 1, 1), (2099, 1, 1));
        let both = leaf(
            &root,
            &["*.amazon.com", "echo-api.amazon.com"],
            (2020, 1, 1),
            (2099, 1, 1),
        );
        let from_untrusted = leaf(
            &untrusted,
            &["echo-api.amazon.com"],
            (2020, 1, 1),
            (2099, 1, 1),
        );
        let mut chains = HashMap::new();
        chains.insert("good.pem", format!("{good}{root_pem}"));
        chains.insert("echo-api-cert.pem", format!("{good}{root_pem}"));
        chains.insert("expired.pem", format!("{expired}{root_pem}"));
        chains.insert("other-san.pem", format!("{other_san}{root_pem}"));
        chains.insert("no-san.pem", format!("{no_san}{root_pem}"));
        chains.insert("wildcard-san.pem", format!("{wildcard}{root_pem}"));
        chains.insert("upper-case-san.pem", format!("{upper}{root_pem}"));
        chains.insert("wildcard-and-exact-san.pem", format!("{both}{root_pem}"));
        chains.insert("untrusted.pem", format!("{from_untrusted}{untrusted_pem}"));
        Self { root_pem, chains }
    }
}

/// A loopback HTTP server of chains at `/echo.api/<name>`; counts downloads.
pub struct ChainServer {
    pub hits: Arc<AtomicUsize>,
    server: Loopback,
}

#[derive(Clone)]
struct ChainState {
    files: Arc<Mutex<HashMap<String, Vec<u8>>>>,
    hits: Arc<AtomicUsize>,
}

async fn serve_chain(
    State(s): State<ChainState>,
    Path(name): Path<String>,
) -> (StatusCode, Vec<u8>) {
    s.hits.fetch_add(1, Ordering::SeqCst);
    let files = s.files.lock().expect("lock");
    match files.get(&name) {
        Some(b) => (StatusCode::OK, b.clone()),
        None => (StatusCode::NOT_FOUND, Vec::new()),
    }
}

impl ChainServer {
    pub async fn start(files: HashMap<String, Vec<u8>>) -> Self {
        let hits = Arc::new(AtomicUsize::new(0));
        let state = ChainState {
            files: Arc::new(Mutex::new(files)),
            hits: hits.clone(),
        };
        let app = axum::Router::new()
            .route("/echo.api/{name}", axum::routing::get(serve_chain))
            .with_state(state);
        Self {
            hits,
            server: Loopback::serve(app).await,
        }
    }

    pub async fn for_pki(pki: &Pki) -> Self {
        let files = pki
            .chains
            .iter()
            .map(|(k, v)| ((*k).to_owned(), v.clone().into_bytes()))
            .collect();
        Self::start(files).await
    }

    /// `http://127.0.0.1:PORT`
    pub fn base(&self) -> String {
        self.server.base()
    }

    /// `http://127.0.0.1:PORT/echo.api/`
    pub fn prefix(&self) -> String {
        format!("{}/echo.api/", self.base())
    }

    pub fn url(&self, name: &str) -> String {
        format!("{}{name}", self.prefix())
    }

    pub async fn stop(self) {
        self.server.stop().await;
    }
}

/// Verifier options for the test PKI and chain server.
pub fn options(pki: &Pki, server: &ChainServer) -> VerifierOptions {
    VerifierOptions::new([SKILL])
        .trust_roots_for_tests(pki.root_pem.as_bytes())
        .expect("test root")
        .cert_url_prefix_for_tests(server.prefix())
}

/// Base64 RSA PKCS#1 v1.5 SHA-256 signature of `body` with a PKCS#8 PEM key.
pub fn sign(body: &[u8], key_pem: &str) -> String {
    let der = PrivatePkcs8KeyDer::from_pem_slice(key_pem.as_bytes()).expect("PKCS#8 PEM");
    let key = ring::signature::RsaKeyPair::from_pkcs8(der.secret_pkcs8_der()).expect("RSA key");
    let mut sig = vec![0; key.public().modulus_len()];
    key.sign(
        &ring::signature::RSA_PKCS1_SHA256,
        &ring::rand::SystemRandom::new(),
        body,
        &mut sig,
    )
    .expect("sign");
    base64::engine::general_purpose::STANDARD.encode(sig)
}

pub fn headers(cert_url: &str, signature: &str) -> Vec<(String, String)> {
    vec![
        (HEADER_CERT_URL.to_owned(), cert_url.to_owned()),
        (HEADER_SIGNATURE.to_owned(), signature.to_owned()),
    ]
}

pub fn stamp(t: Timestamp) -> String {
    t.strftime("%Y-%m-%dT%H:%M:%SZ").to_string()
}

pub fn ago(now: Timestamp, seconds: i64) -> Timestamp {
    now - SignedDuration::from_secs(seconds)
}

/// A `ProactiveSubscriptionChanged` body (pretty-printed: the signature is over
/// these exact bytes, whitespace included).
pub fn subscription_body(
    skill: &str,
    user: &str,
    events: &[&str],
    at: Timestamp,
    request_id: &str,
) -> Vec<u8> {
    let subs: Vec<_> = events.iter().map(|e| json!({"eventName": e})).collect();
    let body = json!({
        "version": "1.0",
        "context": {"System": {
            "application": {"applicationId": skill},
            "user": {"userId": user},
            "apiEndpoint": "https://api.eu.amazonalexa.com"
        }},
        "request": {
            "type": "AlexaSkillEvent.ProactiveSubscriptionChanged",
            "requestId": request_id,
            "timestamp": stamp(at),
            "body": {"subscriptions": subs}
        }
    });
    serde_json::to_vec_pretty(&body).expect("JSON")
}

/// A skill lifecycle event body (`AlexaSkillEvent.<kind>`).
pub fn lifecycle_body(
    kind: &str,
    skill: &str,
    user: &str,
    at: Timestamp,
    request_id: &str,
) -> Vec<u8> {
    let mut request = json!({
        "type": format!("AlexaSkillEvent.{kind}"),
        "requestId": request_id,
        "timestamp": stamp(at),
        "eventCreationTime": stamp(at),
        "eventPublishingTime": stamp(at)
    });
    if kind == "SkillDisabled" {
        request["body"] = json!({"userInformationPersistenceStatus": "PERSISTED"});
    }
    let body = json!({
        "version": "1.0",
        "context": {"System": {
            "application": {"applicationId": skill},
            "user": {"userId": user},
            "apiEndpoint": "https://api.eu.amazonalexa.com"
        }},
        "request": request
    });
    serde_json::to_vec_pretty(&body).expect("JSON")
}

/// A plain HTTP client (reqwest is built without a default crypto provider).
pub fn http_client() -> reqwest::Client {
    crate::tls_support::install_ring();
    reqwest::Client::new()
}
