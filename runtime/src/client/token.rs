//! Login with Amazon (LWA) access tokens: `client_credentials` with scope
//! `alexa::proactive_events` (docs/decisions.md §5), cached and shared by every send.

use super::Secret;
use super::outcome::one_line;
use crate::redact::redact;
use serde::Deserialize;
use std::fmt;
use std::time::{Duration, Instant};

pub use crate::wire::SCOPE;

/// The token endpoint's answer (Jovo's `sendAuthRequest`).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct TokenResponse {
    /// The bearer token for the Proactive Events API, never printed.
    #[serde(deserialize_with = "secret")]
    pub access_token: Secret,
    /// Lifetime in seconds (3600 in practice).
    pub expires_in: u64,
    /// The scope granted (`alexa::proactive_events`); empty when not sent.
    #[serde(default)]
    pub scope: String,
    /// `bearer` (some samples show `Bearer`).
    #[serde(default)]
    pub token_type: String,
}

fn secret<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Secret, D::Error> {
    String::deserialize(d).map(Secret::new)
}

/// The OAuth 2.0 error code of a refused token request.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum TokenErrorKind {
    /// `invalid_client`: wrong client id or secret.
    InvalidClient,
    /// `invalid_scope`: the skill may not use the scope.
    InvalidScope,
    /// `invalid_request`: a malformed token request.
    InvalidRequest,
    /// `unauthorized_client`: the grant is not allowed for these credentials.
    UnauthorizedClient,
    /// `unsupported_grant_type`.
    UnsupportedGrantType,
    /// `invalid_grant`.
    InvalidGrant,
    /// `server_error`: trouble at Login with Amazon.
    ServerError,
    /// `temporarily_unavailable`: try again later.
    TemporarilyUnavailable,
    /// Any other code, as sent.
    Other(String),
}

impl TokenErrorKind {
    /// The kind of an OAuth `error` code; unknown codes are kept as [`TokenErrorKind::Other`].
    pub fn from_code(code: &str) -> Self {
        match code {
            "invalid_client" => Self::InvalidClient,
            "invalid_scope" => Self::InvalidScope,
            "invalid_request" => Self::InvalidRequest,
            "unauthorized_client" => Self::UnauthorizedClient,
            "unsupported_grant_type" => Self::UnsupportedGrantType,
            "invalid_grant" => Self::InvalidGrant,
            "server_error" => Self::ServerError,
            "temporarily_unavailable" => Self::TemporarilyUnavailable,
            other => Self::Other(other.to_owned()),
        }
    }

    /// The OAuth code, as sent.
    pub fn code(&self) -> &str {
        match self {
            Self::InvalidClient => "invalid_client",
            Self::InvalidScope => "invalid_scope",
            Self::InvalidRequest => "invalid_request",
            Self::UnauthorizedClient => "unauthorized_client",
            Self::UnsupportedGrantType => "unsupported_grant_type",
            Self::InvalidGrant => "invalid_grant",
            Self::ServerError => "server_error",
            Self::TemporarilyUnavailable => "temporarily_unavailable",
            Self::Other(code) => code,
        }
    }

    /// What usually causes it.
    pub fn hint(&self) -> &'static str {
        match self {
            Self::InvalidClient => {
                "the client id or secret is wrong: use the skill's Alexa Client Id and Secret \
                 (developer console > Build > Permissions), not an LWA security profile's"
            }
            Self::InvalidScope => {
                "the skill cannot use alexa::proactive_events: its manifest declares no \
                 proactive events publications, or the credentials belong to another skill"
            }
            Self::UnauthorizedClient => {
                "these credentials may not use the client_credentials grant"
            }
            Self::UnsupportedGrantType | Self::InvalidRequest | Self::InvalidGrant => {
                "the token request was malformed (a bug in the sender or a proxy)"
            }
            Self::ServerError | Self::TemporarilyUnavailable => {
                "Login with Amazon is having trouble; try again later"
            }
            Self::Other(_) => "unexpected error from Login with Amazon",
        }
    }
}

/// Why no token was obtained. Never contains the secret or a token: the client
/// redacts what the endpoint sent before it is stored here, and `Display`
/// hides credential shapes again (for errors built elsewhere).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum TokenError {
    /// The endpoint refused the request with an OAuth error body.
    Refused {
        /// The OAuth error code.
        kind: TokenErrorKind,
        /// The HTTP status.
        status: u16,
        /// The `error_description`, redacted, when sent.
        description: Option<String>,
    },
    /// An HTTP error without an OAuth body (e.g. 503 after the retries).
    Http {
        /// The HTTP status.
        status: u16,
        /// The response body, redacted.
        body: String,
        /// HTTP requests made.
        attempts: u32,
    },
    /// No HTTP answer (connection refused, reset, timeout), after the retries.
    Transport {
        /// What went wrong, redacted.
        message: String,
        /// HTTP requests made.
        attempts: u32,
    },
    /// A 200 whose body is not a token response.
    InvalidResponse(String),
    /// The endpoint's TLS certificate was refused (an authority the client does
    /// not trust, another name, expired). Not retried: the same certificate
    /// would be refused again; trusting its authority is the fix.
    Certificate {
        /// What rustls said, redacted.
        message: String,
    },
}

impl TokenError {
    /// The OAuth code, when the endpoint gave one.
    pub fn kind(&self) -> Option<&TokenErrorKind> {
        match self {
            Self::Refused { kind, .. } => Some(kind),
            _ => None,
        }
    }
}

impl fmt::Display for TokenError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Refused {
                kind,
                status,
                description,
            } => {
                write!(
                    f,
                    "token request refused: {} (HTTP {status})",
                    redact(kind.code())
                )?;
                if let Some(d) = description {
                    write!(f, ": {}", one_line(&redact(d)))?;
                }
                write!(f, "; {}", kind.hint())
            }
            Self::Http {
                status,
                body,
                attempts,
            } => write!(
                f,
                "token request failed with HTTP {status} after {attempts} attempt(s): {}",
                one_line(&redact(body))
            ),
            Self::Transport { message, attempts } => write!(
                f,
                "token endpoint unreachable after {attempts} attempt(s): {}",
                one_line(&redact(message))
            ),
            Self::InvalidResponse(why) => {
                write!(
                    f,
                    "token endpoint sent an invalid answer: {}",
                    one_line(&redact(why))
                )
            }
            Self::Certificate { message } => write!(
                f,
                "the token endpoint's TLS certificate was refused (not retried): {}; {CERTIFICATE_HINT}",
                one_line(&redact(message))
            ),
        }
    }
}

impl std::error::Error for TokenError {}

/// What to do about a refused certificate, for [`TokenError::Certificate`] and
/// `SendError::Certificate`.
pub(crate) const CERTIFICATE_HINT: &str = "if the server is the emulator \
     (`proactive-events emulate --tls --tls-cert PEM`) or uses a private authority, trust \
     that certificate: `ClientBuilder::add_root_certificate`, or `proactive-events send \
     --ca-cert PEM`";

/// OAuth error body: `{"error": "...", "error_description": "..."}`.
#[derive(Debug, Deserialize)]
pub(crate) struct OAuthError {
    pub(crate) error: String,
    #[serde(default)]
    pub(crate) error_description: Option<String>,
}

/// The longest a token is kept, whatever `expires_in` says (LWA tokens last
/// 3600 s): an absurd lifetime (`u64::MAX` seconds) must neither overflow the
/// clock arithmetic nor pin a token that the server will stop accepting.
pub const MAX_TOKEN_LIFETIME: Duration = Duration::from_secs(24 * 3600);

/// A token and when to stop using it.
#[derive(Debug, Clone)]
pub(crate) struct CachedToken {
    pub(crate) token: Secret,
    pub(crate) refresh_at: Instant,
}

impl CachedToken {
    /// Refresh `margin` before expiry, but never later than half the lifetime,
    /// so that a short-lived token is still reused and still refreshed early.
    /// The lifetime is clamped to [`MAX_TOKEN_LIFETIME`].
    pub(crate) fn new(token: Secret, expires_in: u64, margin: Duration, now: Instant) -> Self {
        let life = Duration::from_secs(expires_in.min(MAX_TOKEN_LIFETIME.as_secs()));
        let margin = margin.min(life / 2);
        Self {
            token,
            // Cannot fail for a day; if the clock is at its end, refresh at once.
            refresh_at: now.checked_add(life - margin).unwrap_or(now),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_huge_expires_in_is_clamped_without_overflow() {
        let now = Instant::now();
        for expires_in in [u64::MAX, u64::MAX / 2, 10 * 365 * 24 * 3600] {
            let cached =
                CachedToken::new(Secret::new("t"), expires_in, Duration::from_secs(60), now);
            assert_eq!(
                cached.refresh_at,
                now + MAX_TOKEN_LIFETIME - Duration::from_secs(60)
            );
        }
        let cached = CachedToken::new(Secret::new("t"), 0, Duration::MAX, now);
        assert_eq!(cached.refresh_at, now);
    }
}
