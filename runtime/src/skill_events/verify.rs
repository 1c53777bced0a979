//! The [`Verifier`]: every check Amazon requires of a skill's web service, on the
//! headers, the raw body bytes and the current time.

use super::cert_url::{CertUrlRule, check_cert_url};
use crate::DateTime;
use crate::subscriptions::SkillRequest;
use base64::Engine as _;
use rustls_pki_types::pem::PemObject as _;
use rustls_pki_types::{CertificateDer, TrustAnchor, UnixTime};
use serde_json::Value;
use std::collections::{BTreeSet, HashMap, VecDeque};
use std::fmt;
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// The header naming the URL of the signing certificate chain.
pub const HEADER_CERT_URL: &str = "SignatureCertChainUrl";
/// The header holding the base64 RSA SHA-256 signature of the raw body.
pub const HEADER_SIGNATURE: &str = "Signature-256";
/// The name the signing certificate must carry among its Subject Alternative Names.
pub const CERT_SAN: &str = "echo-api.amazon.com";
/// How far `request.timestamp` may be from now, either way (Amazon: 150 s).
pub const TIMESTAMP_TOLERANCE: Duration = Duration::from_secs(150);
/// The tolerance for the [`LIFECYCLE_TYPES`], which Alexa may deliver late: one
/// hour, as in Amazon's own SDK verifiers (docs/decisions.md, D20).
pub const LIFECYCLE_TIMESTAMP_TOLERANCE: Duration = Duration::from_secs(3600);
/// The skill events that get [`LIFECYCLE_TIMESTAMP_TOLERANCE`]
/// (`ProactiveSubscriptionChanged` is not one of them: 150 s).
pub const LIFECYCLE_TYPES: [&str; 5] = [
    "AlexaSkillEvent.SkillEnabled",
    "AlexaSkillEvent.SkillDisabled",
    "AlexaSkillEvent.SkillPermissionChanged",
    "AlexaSkillEvent.SkillPermissionAccepted",
    "AlexaSkillEvent.SkillAccountLinked",
];
/// The whole certificate-chain download may take this long (connect included).
pub const DEFAULT_DOWNLOAD_TIMEOUT: Duration = Duration::from_secs(10);
/// The largest certificate chain downloaded, in bytes (Amazon's is about 6 KiB).
pub const DEFAULT_MAX_CHAIN_BYTES: usize = 64 * 1024;
/// Chains kept in the cache at once; the least recently added goes first.
const MAX_CACHED_CHAINS: usize = 32;
/// The longest connect phase of the download.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(5);

/// Which check a request failed. Codes are stable (`as_str`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[non_exhaustive]
pub enum Rule {
    /// `SignatureCertChainUrl` or `Signature-256` is missing (or not text).
    MissingHeader,
    /// The certificate URL is not Amazon's (rule 1).
    CertUrl,
    /// The chain could not be downloaded, was too big, or is not PEM certificates.
    CertDownload,
    /// The chain does not lead to a trusted root (or a certificate is malformed).
    CertChain,
    /// A certificate of the chain is expired or not yet valid.
    CertDates,
    /// The signing certificate does not name `echo-api.amazon.com`.
    CertSan,
    /// `Signature-256` is not base64, or not the signature of the body.
    Signature,
    /// The body is not JSON, or lacks `request.type`.
    Body,
    /// `request.timestamp` is missing, unreadable or too far from now.
    Timestamp,
    /// The application id is missing or not one the endpoint serves.
    ApplicationId,
    /// The body is larger than the endpoint accepts, or too slow to arrive (checked by the router).
    BodySize,
}

impl Rule {
    /// The rule's code, e.g. `CERT-URL`.
    pub fn as_str(self) -> &'static str {
        match self {
            Rule::MissingHeader => "MISSING-HEADER",
            Rule::CertUrl => "CERT-URL",
            Rule::CertDownload => "CERT-DOWNLOAD",
            Rule::CertChain => "CERT-CHAIN",
            Rule::CertDates => "CERT-DATES",
            Rule::CertSan => "CERT-SAN",
            Rule::Signature => "SIGNATURE",
            Rule::Body => "BODY",
            Rule::Timestamp => "TIMESTAMP",
            Rule::ApplicationId => "APPLICATION-ID",
            Rule::BodySize => "BODY-SIZE",
        }
    }
}

impl fmt::Display for Rule {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A request that failed a check: the [`Rule`] and what was found. The message
/// quotes the request's own values (escaped by `{:?}`), never a secret.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VerifyError {
    rule: Rule,
    message: String,
}

impl VerifyError {
    pub(crate) fn new(rule: Rule, message: impl Into<String>) -> Self {
        Self {
            rule,
            message: message.into(),
        }
    }

    /// The failed rule.
    pub fn rule(&self) -> Rule {
        self.rule
    }

    /// What was wrong.
    pub fn message(&self) -> &str {
        &self.message
    }
}

impl fmt::Display for VerifyError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.rule, self.message)
    }
}

impl std::error::Error for VerifyError {}

/// Where the verifier reads request headers from: `http::HeaderMap` (axum,
/// hyper, lambda_http) or a list or map of name/value pairs. Names are
/// case-insensitive.
pub trait RequestHeaders {
    /// The first value of the header `name`, if present and text.
    fn header(&self, name: &str) -> Option<&str>;
}

impl RequestHeaders for axum::http::HeaderMap {
    fn header(&self, name: &str) -> Option<&str> {
        self.get(name).and_then(|v| v.to_str().ok())
    }
}

impl<K: AsRef<str>, V: AsRef<str>> RequestHeaders for [(K, V)] {
    fn header(&self, name: &str) -> Option<&str> {
        self.iter()
            .find(|(k, _)| k.as_ref().eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_ref())
    }
}

impl<K: AsRef<str>, V: AsRef<str>> RequestHeaders for Vec<(K, V)> {
    fn header(&self, name: &str) -> Option<&str> {
        self.as_slice().header(name)
    }
}

impl<K: AsRef<str>, V: AsRef<str>, S> RequestHeaders for HashMap<K, V, S> {
    fn header(&self, name: &str) -> Option<&str> {
        self.iter()
            .find(|(k, _)| k.as_ref().eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_ref())
    }
}

impl<K: AsRef<str>, V: AsRef<str>> RequestHeaders for std::collections::BTreeMap<K, V> {
    fn header(&self, name: &str) -> Option<&str> {
        self.iter()
            .find(|(k, _)| k.as_ref().eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_ref())
    }
}

/// How a [`Verifier`] is set up. [`VerifierOptions::new`] gives Amazon's rules;
/// the `*_for_tests` options replace parts of them and must never be used in
/// production.
#[derive(Debug, Clone)]
pub struct VerifierOptions {
    skill_ids: BTreeSet<String>,
    cert_url_rule: CertUrlRule,
    test_trust_roots: Option<Vec<CertificateDer<'static>>>,
    test_download_rewrite: Option<(String, String)>,
    download_timeout: Duration,
    max_chain_bytes: usize,
}

impl VerifierOptions {
    /// Amazon's rules, accepting requests for these skills
    /// (`amzn1.ask.skill.…`), trusting Mozilla's roots (`webpki-roots`).
    pub fn new<I, S>(skill_ids: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        Self {
            skill_ids: skill_ids.into_iter().map(Into::into).collect(),
            cert_url_rule: CertUrlRule::Amazon,
            test_trust_roots: None,
            test_download_rewrite: None,
            download_timeout: DEFAULT_DOWNLOAD_TIMEOUT,
            max_chain_bytes: DEFAULT_MAX_CHAIN_BYTES,
        }
    }

    /// The timeout of one chain download, connect included (default 10 s).
    pub fn download_timeout(mut self, timeout: Duration) -> Self {
        self.download_timeout = timeout;
        self
    }

    /// The largest chain downloaded, in bytes (default 64 KiB).
    pub fn max_chain_bytes(mut self, bytes: usize) -> Self {
        self.max_chain_bytes = bytes;
        self
    }

    /// **For tests only.** Trusts the root certificates in `pem` *instead of*
    /// Mozilla's roots, e.g. a test CA made with rcgen.
    pub fn trust_roots_for_tests(mut self, pem: &[u8]) -> Result<Self, VerifierBuildError> {
        let roots = CertificateDer::pem_slice_iter(pem)
            .collect::<Result<Vec<_>, _>>()
            .map_err(|e| VerifierBuildError(format!("trust root: not PEM certificates: {e}")))?;
        if roots.is_empty() {
            return Err(VerifierBuildError(
                "trust root: no CERTIFICATE in the PEM".to_owned(),
            ));
        }
        self.test_trust_roots = Some(roots);
        Ok(self)
    }

    /// **For tests only.** Replaces Amazon's certificate-URL rule by "starts with
    /// `prefix`" (after normalization), e.g. `http://127.0.0.1:PORT/echo.api/`.
    pub fn cert_url_prefix_for_tests(mut self, prefix: impl Into<String>) -> Self {
        self.cert_url_rule = CertUrlRule::PrefixForTests(prefix.into());
        self
    }

    /// **For tests only.** After a URL has passed the certificate-URL rule, downloads
    /// it from `to` + the rest when it starts with `from` (e.g. Amazon's
    /// `https://s3.amazonaws.com/` to a loopback server): Amazon's rule is still
    /// applied to the header, only the download goes elsewhere.
    pub fn rewrite_download_for_tests(
        mut self,
        from: impl Into<String>,
        to: impl Into<String>,
    ) -> Self {
        self.test_download_rewrite = Some((from.into(), to.into()));
        self
    }

    /// The skill ids accepted.
    pub fn skill_ids(&self) -> &BTreeSet<String> {
        &self.skill_ids
    }

    /// True when any `*_for_tests` option is set.
    pub fn has_test_options(&self) -> bool {
        self.test_trust_roots.is_some()
            || self.test_download_rewrite.is_some()
            || self.cert_url_rule != CertUrlRule::Amazon
    }
}

/// A [`Verifier`] could not be set up (bad test root, HTTP client error).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VerifierBuildError(String);

impl fmt::Display for VerifierBuildError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "skill-events verifier: {}", self.0)
    }
}

impl std::error::Error for VerifierBuildError {}

/// A request that passed every check, with its body decoded.
#[derive(Debug, Clone, PartialEq)]
pub struct VerifiedRequest {
    /// `request.type`, e.g. `AlexaSkillEvent.ProactiveSubscriptionChanged`.
    pub request_type: String,
    /// `context.System.application.applicationId` (one of the accepted skills).
    pub skill_id: String,
    /// `request.timestamp`.
    pub timestamp: DateTime,
    /// The body, decoded once: what [`SkillEvent::from_request`](super::SkillEvent::from_request) reads.
    pub request: SkillRequest,
}

/// Validated chains by normalized URL, and the order they were added in.
#[derive(Debug, Default)]
struct ChainCache {
    chains: HashMap<String, Arc<Chain>>,
    order: VecDeque<String>,
}

/// A downloaded chain: the signing certificate first, then intermediates.
#[derive(Debug)]
struct Chain {
    certs: Vec<CertificateDer<'static>>,
    /// Times at which the whole chain is known to validate: validity is an
    /// interval (every certificate's dates), so a chain that validates at two
    /// times validates at every time between them. `None` until validated.
    known_valid: Mutex<Option<(u64, u64)>>,
}

/// How far ahead a validated chain is checked once more, so that requests
/// within that span skip the signature checks of the chain (they cost more than
/// the rest of a request). Exact: nothing is accepted that would not validate.
const VALIDATE_AHEAD: Duration = Duration::from_secs(3600);

impl Chain {
    fn new(certs: Vec<CertificateDer<'static>>) -> Self {
        Self {
            certs,
            known_valid: Mutex::new(None),
        }
    }

    /// Validates the chain at `at`, at once when `at` lies between two times it
    /// validated at; else in full, and once more at `at + VALIDATE_AHEAD`.
    fn validate(&self, anchors: &[TrustAnchor<'static>], at: UnixTime) -> Result<(), VerifyError> {
        let now = at.as_secs();
        let mut known = self.known_valid.lock().unwrap_or_else(|e| e.into_inner());
        if known.is_some_and(|(from, until)| (from..=until).contains(&now)) {
            return Ok(());
        }
        validate_chain(self, anchors, at)?;
        let ahead = now.saturating_add(VALIDATE_AHEAD.as_secs());
        let until = if validate_chain(
            self,
            anchors,
            UnixTime::since_unix_epoch(Duration::from_secs(ahead)),
        )
        .is_ok()
        {
            ahead
        } else {
            now
        };
        *known = Some((now, until));
        Ok(())
    }
}

/// Checks skill requests as Amazon requires (see the [module](super) docs).
/// Share one verifier (it caches chains by URL); it is `Send + Sync`.
#[derive(Debug)]
pub struct Verifier {
    skill_ids: BTreeSet<String>,
    cert_url_rule: CertUrlRule,
    anchors: Vec<TrustAnchor<'static>>,
    download_rewrite: Option<(String, String)>,
    max_chain_bytes: usize,
    http: reqwest::Client,
    /// Validated chains by normalized URL, with their insertion order. An entry
    /// stays while it validates; when it stops (expired), it is downloaded again.
    cache: Mutex<ChainCache>,
}

impl Verifier {
    /// A verifier with these options.
    pub fn new(options: VerifierOptions) -> Result<Self, VerifierBuildError> {
        let anchors = match &options.test_trust_roots {
            None => webpki_roots::TLS_SERVER_ROOTS.to_vec(),
            Some(roots) => roots
                .iter()
                .map(|der| {
                    webpki::anchor_from_trusted_cert(der)
                        .map(|a| a.to_owned())
                        .map_err(|e| VerifierBuildError(format!("trust root: {e}")))
                })
                .collect::<Result<_, _>>()?,
        };
        // reqwest is built without a default crypto provider; use ring unless
        // the application installed one.
        crate::ring_provider::install_unless_installed();
        let http = reqwest::Client::builder()
            .timeout(options.download_timeout)
            .connect_timeout(CONNECT_TIMEOUT.min(options.download_timeout))
            // Only the URL that passed the rule is fetched: no redirect elsewhere.
            .redirect(reqwest::redirect::Policy::none())
            .user_agent(concat!(
                "alexa-proactive-events/",
                env!("CARGO_PKG_VERSION")
            ))
            .build()
            .map_err(|e| VerifierBuildError(format!("HTTP client: {e}")))?;
        Ok(Self {
            skill_ids: options.skill_ids,
            cert_url_rule: options.cert_url_rule,
            anchors,
            download_rewrite: options.test_download_rewrite,
            max_chain_bytes: options.max_chain_bytes,
            http,
            cache: Mutex::new(ChainCache::default()),
        })
    }

    /// Checks one request: `headers`, the raw `body` bytes exactly as received,
    /// at time `now`. Returns the decoded body, or the first rule it breaks.
    pub async fn verify<H: RequestHeaders + ?Sized>(
        &self,
        headers: &H,
        body: &[u8],
        now: DateTime,
    ) -> Result<VerifiedRequest, VerifyError> {
        let cert_url = headers
            .header(HEADER_CERT_URL)
            .ok_or_else(|| missing(HEADER_CERT_URL))?;
        let signature = headers
            .header(HEADER_SIGNATURE)
            .ok_or_else(|| missing(HEADER_SIGNATURE))?;
        let url = check_cert_url(cert_url, &self.cert_url_rule)?;
        let at = unix_time(now)?;

        let chain = self.chain(&url, at).await?;
        verify_signature(&chain, signature, body)?;
        self.check_body(body, now)
    }

    /// The validated chain of `url`: from the cache while it still validates at
    /// `at`, else downloaded (and cached once it validates).
    async fn chain(&self, url: &reqwest::Url, at: UnixTime) -> Result<Arc<Chain>, VerifyError> {
        let key = url.as_str().to_owned();
        let cached = self.lock_cache().chains.get(&key).cloned();
        if let Some(chain) = cached {
            if chain.validate(&self.anchors, at).is_ok() {
                return Ok(chain);
            }
            // Expired (or otherwise no longer valid): fetch it again.
            let mut cache = self.lock_cache();
            cache.chains.remove(&key);
            cache.order.retain(|k| *k != key);
        }
        let chain = Arc::new(self.download(url).await?);
        chain.validate(&self.anchors, at)?;
        let mut cache = self.lock_cache();
        if !cache.chains.contains_key(&key) {
            if cache.order.len() >= MAX_CACHED_CHAINS
                && let Some(oldest) = cache.order.pop_front()
            {
                cache.chains.remove(&oldest);
            }
            cache.order.push_back(key.clone());
        }
        cache.chains.insert(key, chain.clone());
        Ok(chain)
    }

    fn lock_cache(&self) -> std::sync::MutexGuard<'_, ChainCache> {
        // A panic while holding the lock cannot leave the map inconsistent.
        self.cache.lock().unwrap_or_else(|e| e.into_inner())
    }

    async fn download(&self, url: &reqwest::Url) -> Result<Chain, VerifyError> {
        let shown = url.as_str().to_owned();
        let target = match &self.download_rewrite {
            Some((from, to)) if shown.starts_with(from.as_str()) => {
                let rewritten = format!("{to}{}", &shown[from.len()..]);
                reqwest::Url::parse(&rewritten).map_err(|e| {
                    VerifyError::new(
                        Rule::CertDownload,
                        format!("test download rewrite gave {rewritten:?}: {e}"),
                    )
                })?
            }
            _ => url.clone(),
        };
        let fail = |what: String| {
            VerifyError::new(
                Rule::CertDownload,
                format!("certificate chain {shown:?}: {what}"),
            )
        };
        let mut response = self
            .http
            .get(target)
            .send()
            .await
            .map_err(|e| fail(describe_reqwest(&e)))?;
        if !response.status().is_success() {
            return Err(fail(format!("HTTP status {}", response.status())));
        }
        let cap = self.max_chain_bytes;
        if response.content_length().is_some_and(|n| n > cap as u64) {
            return Err(fail(format!("larger than {cap} bytes")));
        }
        let mut bytes = Vec::new();
        while let Some(chunk) = response
            .chunk()
            .await
            .map_err(|e| fail(describe_reqwest(&e)))?
        {
            if bytes.len() + chunk.len() > cap {
                return Err(fail(format!("larger than {cap} bytes")));
            }
            bytes.extend_from_slice(&chunk);
        }
        let certs = CertificateDer::pem_slice_iter(&bytes)
            .collect::<Result<Vec<_>, _>>()
            .map_err(|e| fail(format!("not PEM certificates: {e}")))?;
        if certs.is_empty() {
            return Err(fail("holds no CERTIFICATE".to_owned()));
        }
        Ok(Chain::new(certs))
    }

    /// Rules 4 and 5 on the (already authenticated) body.
    fn check_body(&self, body: &[u8], now: DateTime) -> Result<VerifiedRequest, VerifyError> {
        let request = SkillRequest::from_json(body)
            .map_err(|e| VerifyError::new(Rule::Body, e.to_string()))?;
        let request_type = request
            .request_type()
            .map_err(|e| VerifyError::new(Rule::Body, e.to_string()))?
            .to_owned();
        let timestamp = request
            .timestamp()
            .map_err(|e| VerifyError::new(Rule::Timestamp, e.to_string()))?;
        let tolerance = if LIFECYCLE_TYPES.contains(&request_type.as_str()) {
            LIFECYCLE_TIMESTAMP_TOLERANCE
        } else {
            TIMESTAMP_TOLERANCE
        };
        let skew = now.duration_since(timestamp).unsigned_abs();
        if skew > tolerance {
            return Err(VerifyError::new(
                Rule::Timestamp,
                format!(
                    "request.timestamp {timestamp} is {:.3} s from now ({now}); at most {} s is allowed for {request_type:?}",
                    skew.as_secs_f64(),
                    tolerance.as_secs()
                ),
            ));
        }
        let skill_id = request
            .application_id()
            .map_err(|e| VerifyError::new(Rule::ApplicationId, e.to_string()))?;
        if !self.skill_ids.contains(skill_id) {
            return Err(VerifyError::new(
                Rule::ApplicationId,
                format!(
                    "context.System.application.applicationId {skill_id:?} is not a skill this endpoint serves"
                ),
            ));
        }
        match request.session_application_id() {
            None => {}
            Some(Value::String(id)) if self.skill_ids.contains(id.as_str()) => {}
            Some(other) => {
                return Err(VerifyError::new(
                    Rule::ApplicationId,
                    format!(
                        "session.application.applicationId {other} is not a skill this endpoint serves"
                    ),
                ));
            }
        }
        Ok(VerifiedRequest {
            request_type,
            skill_id: skill_id.to_owned(),
            timestamp,
            request,
        })
    }
}

fn missing(header: &str) -> VerifyError {
    VerifyError::new(
        Rule::MissingHeader,
        format!("the {header} header is missing (or not text)"),
    )
}

fn unix_time(now: DateTime) -> Result<UnixTime, VerifyError> {
    let since = u64::try_from(now.as_second())
        .map_err(|_| VerifyError::new(Rule::CertDates, format!("the time {now} is before 1970")))?;
    Ok(UnixTime::since_unix_epoch(Duration::from_secs(since)))
}

/// Rules 2: the chain leads to a trusted root, every certificate within its
/// dates at `at`, and the signing certificate names [`CERT_SAN`].
fn validate_chain(
    chain: &Chain,
    anchors: &[TrustAnchor<'static>],
    at: UnixTime,
) -> Result<(), VerifyError> {
    let (leaf, intermediates) = chain
        .certs
        .split_first()
        .ok_or_else(|| VerifyError::new(Rule::CertChain, "the chain is empty"))?;
    let end_entity = webpki::EndEntityCert::try_from(leaf).map_err(|e| {
        VerifyError::new(
            Rule::CertChain,
            format!("the signing certificate cannot be read: {e}"),
        )
    })?;
    end_entity
        .verify_for_usage(
            webpki::ALL_VERIFICATION_ALGS,
            anchors,
            intermediates,
            at,
            webpki::KeyUsage::server_auth(),
            None,
            None,
        )
        .map_err(|e| match e {
            webpki::Error::CertExpired { .. } | webpki::Error::CertNotValidYet { .. } => {
                VerifyError::new(
                    Rule::CertDates,
                    format!("a certificate of the chain is outside its validity dates: {e}"),
                )
            }
            _ => VerifyError::new(
                Rule::CertChain,
                format!("the chain does not lead to a trusted root: {e}"),
            ),
        })?;
    // Amazon's rule, and its SDKs' verifiers: `echo-api.amazon.com` itself among
    // the SAN's DNS names, compared as text. webpki's subject-name check matches
    // as a TLS client does, so `*.amazon.com` (or `ECHO-API.amazon.com`) would
    // pass it, which Amazon's verifiers refuse.
    if end_entity.valid_dns_names().any(|name| name == CERT_SAN) {
        return Ok(());
    }
    // Valid DNS names are printable ASCII (letters, digits, `-`, `.`, `*`).
    let mut names: Vec<&str> = end_entity
        .valid_dns_names()
        .take(MAX_NAMES_SHOWN + 1)
        .collect();
    let named = match names.len() {
        0 => "it names no DNS name".to_owned(),
        n if n > MAX_NAMES_SHOWN => {
            names.truncate(MAX_NAMES_SHOWN);
            format!("it names {}, …", names.join(", "))
        }
        _ => format!("it names {}", names.join(", ")),
    };
    Err(VerifyError::new(
        Rule::CertSan,
        format!(
            "the signing certificate's Subject Alternative Names do not include {CERT_SAN} \
             exactly ({named})"
        ),
    ))
}

/// The most SAN names a [`Rule::CertSan`] message lists.
const MAX_NAMES_SHOWN: usize = 5;

/// Rule 3: `Signature-256` (base64) is the RSA PKCS#1 v1.5 SHA-256 signature of
/// `body`, made with the signing certificate's key.
fn verify_signature(chain: &Chain, signature: &str, body: &[u8]) -> Result<(), VerifyError> {
    let sig = base64::engine::general_purpose::STANDARD
        .decode(signature.trim())
        .map_err(|e| {
            VerifyError::new(
                Rule::Signature,
                format!("{HEADER_SIGNATURE} is not base64: {e}"),
            )
        })?;
    let leaf = chain
        .certs
        .first()
        .ok_or_else(|| VerifyError::new(Rule::CertChain, "the chain is empty"))?;
    let end_entity = webpki::EndEntityCert::try_from(leaf).map_err(|e| {
        VerifyError::new(
            Rule::CertChain,
            format!("the signing certificate cannot be read: {e}"),
        )
    })?;
    end_entity
        .verify_signature(webpki::ring::RSA_PKCS1_2048_8192_SHA256, body, &sig)
        .map_err(|e| {
            VerifyError::new(
                Rule::Signature,
                format!(
                    "{HEADER_SIGNATURE} is not an RSA SHA-256 signature of the body by the signing certificate: {e}"
                ),
            )
        })
}

/// A download error without the URL (the message names it already).
fn describe_reqwest(e: &reqwest::Error) -> String {
    let kind = if e.is_timeout() {
        "timed out"
    } else if e.is_connect() {
        "cannot connect"
    } else if e.is_body() || e.is_decode() {
        "cannot read the body"
    } else {
        "request failed"
    };
    let mut text = kind.to_owned();
    let mut source = std::error::Error::source(e);
    while let Some(s) = source {
        text.push_str(": ");
        text.push_str(&s.to_string());
        source = s.source();
    }
    text
}
