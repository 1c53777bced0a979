//! Rule 1: where the signing certificate chain may be downloaded from.

use super::verify::{Rule, VerifyError};
use reqwest::Url;

/// The only host Amazon serves signing certificate chains from (case-insensitive).
pub const AMAZON_CERT_URL_HOST: &str = "s3.amazonaws.com";
/// The path every chain URL starts with, after `..` segments are resolved
/// (case-sensitive).
pub const AMAZON_CERT_URL_PATH_PREFIX: &str = "/echo.api/";

/// Which certificate URLs the verifier downloads. Only [`CertUrlRule::Amazon`]
/// is fit for production; it is the default.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum CertUrlRule {
    /// Amazon's rule: scheme `https`, host `s3.amazonaws.com` (both
    /// case-insensitive), path starting with `/echo.api/` (case-sensitive) once
    /// `..` segments are resolved, and port 443 if a port is given.
    #[default]
    Amazon,
    /// **For tests only**: any URL whose normalized form starts with this text,
    /// e.g. `http://127.0.0.1:PORT/echo.api/` for a chain served on loopback.
    /// Set with [`VerifierOptions::cert_url_prefix_for_tests`](super::VerifierOptions::cert_url_prefix_for_tests).
    PrefixForTests(String),
}

/// Checks `url` against `rule` and returns it normalized (scheme and host in lower
/// case, default port dropped, `.` and `..` segments resolved): the URL to
/// download. The error ([`Rule::CertUrl`]) says which part is wrong.
pub fn check_cert_url(url: &str, rule: &CertUrlRule) -> Result<Url, VerifyError> {
    let parsed = Url::parse(url.trim()).map_err(|e| {
        VerifyError::new(
            Rule::CertUrl,
            format!("SignatureCertChainUrl {url:?} is not a URL: {e}"),
        )
    })?;
    match rule {
        CertUrlRule::Amazon => {
            if parsed.scheme() != "https" {
                return Err(VerifyError::new(
                    Rule::CertUrl,
                    format!(
                        "SignatureCertChainUrl {url:?}: the scheme must be https, found {:?}",
                        parsed.scheme()
                    ),
                ));
            }
            // `Url` lower-cases the host of an https URL.
            if parsed.host_str() != Some(AMAZON_CERT_URL_HOST) {
                return Err(VerifyError::new(
                    Rule::CertUrl,
                    format!(
                        "SignatureCertChainUrl {url:?}: the host must be {AMAZON_CERT_URL_HOST}, found {:?}",
                        parsed.host_str().unwrap_or("")
                    ),
                ));
            }
            // `Url` drops the default port (443 for https): any port left is another one.
            if let Some(port) = parsed.port() {
                return Err(VerifyError::new(
                    Rule::CertUrl,
                    format!("SignatureCertChainUrl {url:?}: the port must be 443, found {port}"),
                ));
            }
            // `Url` has resolved `.` and `..` segments (and their %2e spellings).
            if !parsed.path().starts_with(AMAZON_CERT_URL_PATH_PREFIX) {
                return Err(VerifyError::new(
                    Rule::CertUrl,
                    format!(
                        "SignatureCertChainUrl {url:?}: the path must start with {AMAZON_CERT_URL_PATH_PREFIX} (case-sensitive), found {:?}",
                        parsed.path()
                    ),
                ));
            }
        }
        CertUrlRule::PrefixForTests(prefix) => {
            if !parsed.as_str().starts_with(prefix.as_str()) {
                return Err(VerifyError::new(
                    Rule::CertUrl,
                    format!(
                        "SignatureCertChainUrl {url:?}: does not start with the test prefix {prefix:?}"
                    ),
                ));
            }
        }
    }
    Ok(parsed)
}
