//! What became of an event: typed outcomes and errors naming the likely cause.

use super::TokenError;
use crate::redact::redact;
use crate::terminal;
use crate::validate::Report;
use std::borrow::Cow;
use std::fmt;

/// The most violations of one body that an error message lists; the rest are
/// counted (`… and 120 more`). The report itself keeps them all.
pub const MAX_LISTED_VIOLATIONS: usize = 10;

/// `text` on one line: each line break, with the blanks around it, becomes one
/// space, so that a server's pretty-printed JSON reads as it was written. The
/// messages of this module put a line break only before each listed violation
/// of an invalid event; text they quote must not add one.
pub(crate) fn one_line(text: &str) -> Cow<'_, str> {
    if !text.contains(['\n', '\r']) {
        return Cow::Borrowed(text);
    }
    let lines: Vec<&str> = text
        .split(['\n', '\r'])
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .collect();
    Cow::Owned(lines.join(" "))
}

/// A delivered event. `AlreadyAccepted` (409) is a success: the `referenceId`
/// and user are Amazon's idempotency key, so a retried event lands here.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Outcome {
    /// 202.
    Accepted,
    /// 409: the same `referenceId` was already accepted for this user.
    AlreadyAccepted,
}

/// An outcome with the details of its delivery.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Delivered {
    /// Accepted now, or earlier.
    pub outcome: Outcome,
    /// Amazon's `x-amzn-RequestId` of the last response.
    pub request_id: Option<String>,
    /// HTTP requests made for this event (1 when nothing was retried).
    pub attempts: u32,
}

/// Whom the event was addressed to; it changes what a 403 most likely means.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AudienceKind {
    /// To one user.
    Unicast,
    /// To every subscribed user.
    Multicast,
}

/// An HTTP error answer from the Proactive Events API.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rejection {
    /// The HTTP status (400, 403, 429, …).
    pub status: u16,
    /// Amazon's response body (usually `{"code": ..., "message": ...}`),
    /// redacted and cut to 2,000 characters; [`Rejection::error`] parses it.
    pub body: String,
    /// Amazon's `x-amzn-RequestId`, for a support case.
    pub request_id: Option<String>,
    /// HTTP requests made for this event.
    pub attempts: u32,
    /// Whom the event was addressed to.
    pub audience: AudienceKind,
}

/// The `code` of an error body: an integer in Amazon's published model (the
/// SDKs' `Error`: `code?: number`), but a string in some answers; both are kept.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum ErrorCode {
    /// `"code": 409`.
    Number(i64),
    /// `"code": "DUPLICATE_EVENT"`.
    Text(String),
}

impl fmt::Display for ErrorCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Number(n) => write!(f, "{n}"),
            Self::Text(t) => f.write_str(t),
        }
    }
}

/// An error body of the Proactive Events API: `{"code": ..., "message": ...}`.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct ApiError {
    /// `code`, integer or string; `None` when absent or of another JSON type.
    pub code: Option<ErrorCode>,
    /// `message`; `None` when absent or not a string.
    pub message: Option<String>,
}

impl ApiError {
    /// Parses an error body; `None` unless it is a JSON object with a `code`
    /// (integer or string) or a string `message`.
    pub fn parse(body: &str) -> Option<Self> {
        let value: serde_json::Value = serde_json::from_str(body).ok()?;
        let object = value.as_object()?;
        let code = match object.get("code") {
            Some(serde_json::Value::Number(n)) => n.as_i64().map(ErrorCode::Number),
            Some(serde_json::Value::String(t)) => Some(ErrorCode::Text(t.clone())),
            _ => None,
        };
        let message = object
            .get("message")
            .and_then(serde_json::Value::as_str)
            .map(str::to_owned);
        (code.is_some() || message.is_some()).then_some(Self { code, message })
    }
}

impl Rejection {
    /// The parsed error body (integer or string `code`, `message`), when the
    /// body is one.
    pub fn error(&self) -> Option<ApiError> {
        ApiError::parse(&self.body)
    }

    /// What a status usually means here.
    pub fn hint(&self) -> &'static str {
        match (self.status, self.audience) {
            (400, _) => {
                "Amazon found the request malformed (a field, an enum value or the expiry \
                 window), or an earlier request already created it"
            }
            (403, AudienceKind::Unicast) => {
                "the user is not subscribed to this event (or unsubscribed; the emulator answers \
                 403 for this too, decision D23), the skill is not enabled for them on this \
                 stage, or the token belongs to another skill"
            }
            (403, AudienceKind::Multicast) => {
                "the access token is invalid or belongs to another skill, or the skill has no \
                 proactive events permission on this stage"
            }
            (429, _) => {
                "too many requests: Amazon allows about 25 per second per skill; lower the rate"
            }
            (432, _) => {
                "the skill exceeded Alexa's notification limits (live skills only); send fewer \
                 notifications to these users"
            }
            (500, _) => "Amazon had an internal error; it persisted through the retries",
            (503, _) => "the service is unavailable; it persisted through the retries",
            _ => "unexpected status from the Proactive Events API",
        }
    }

    /// 429, 500, 503: worth trying again later (the retries were used up).
    pub fn is_transient(&self) -> bool {
        matches!(self.status, 429 | 500 | 503)
    }
}

impl fmt::Display for Rejection {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "HTTP {}: {}", self.status, self.hint())?;
        if self.attempts > 1 {
            write!(f, " ({} attempts)", self.attempts)?;
        }
        if let Some(id) = &self.request_id {
            write!(f, "; request id {id}")?;
        }
        let body = self.body.trim();
        if !body.is_empty() {
            write!(f, "; body: {}", one_line(&redact(body)))?;
        }
        Ok(())
    }
}

/// Why an event was not delivered. Never contains a secret or a token: server
/// text is redacted before it is stored, and `Display` hides credential shapes
/// again.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum SendError {
    /// Invalid: not sent. The report lists every violation.
    Invalid(Report),
    /// Amazon answered with an error status.
    Rejected(Rejection),
    /// No access token.
    Token(TokenError),
    /// No HTTP answer after the retries.
    Transport {
        /// What went wrong (connection refused, reset, timeout), redacted.
        message: String,
        /// HTTP requests made for this event.
        attempts: u32,
    },
    /// The API's TLS certificate was refused; not retried (see
    /// [`TokenError::Certificate`]).
    Certificate {
        /// What rustls said, redacted.
        message: String,
    },
}

impl SendError {
    /// The HTTP status, when Amazon answered.
    pub fn status(&self) -> Option<u16> {
        match self {
            Self::Rejected(r) => Some(r.status),
            _ => None,
        }
    }

    /// A definitive "no" about the event itself (invalid, 400, 403, 432), as opposed
    /// to a failure that may pass on a later run (token, transport, 429, 5xx).
    pub fn is_rejection(&self) -> bool {
        match self {
            Self::Invalid(_) => true,
            Self::Rejected(r) => !r.is_transient(),
            Self::Token(_) | Self::Transport { .. } | Self::Certificate { .. } => false,
        }
    }
}

impl fmt::Display for SendError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Invalid(report) => {
                f.write_str("invalid event, not sent:")?;
                // A hostile body can break a rule thousands of times: list a few.
                let mut errors = report.errors();
                // One line each: a line break quoted from the body is escaped,
                // so that only these breaks start a line.
                for v in errors.by_ref().take(MAX_LISTED_VIOLATIONS) {
                    write!(f, "\n  {}", terminal::escape(&v.to_string()))?;
                }
                let more = errors.count();
                if more > 0 {
                    write!(f, "\n  … and {more} more")?;
                }
                Ok(())
            }
            Self::Rejected(r) => r.fmt(f),
            Self::Token(e) => e.fmt(f),
            Self::Transport { message, attempts } => write!(
                f,
                "no answer from the Proactive Events API after {attempts} attempt(s): {}",
                one_line(&redact(message))
            ),
            Self::Certificate { message } => write!(
                f,
                "the Proactive Events API's TLS certificate was refused (not retried): {}; {}",
                one_line(&redact(message)),
                super::token::CERTIFICATE_HINT
            ),
        }
    }
}

impl std::error::Error for SendError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Self::Token(e) => Some(e),
            _ => None,
        }
    }
}

impl From<TokenError> for SendError {
    fn from(e: TokenError) -> Self {
        Self::Token(e)
    }
}
