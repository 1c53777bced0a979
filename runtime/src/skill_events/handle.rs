//! What a skill event does to the subscriptions ledger.
//!
//! * `AlexaSkillEvent.ProactiveSubscriptionChanged`: the user's full current set
//!   of events, applied by [`Ledger::apply`] (newest wins).
//! * `AlexaSkillEvent.SkillDisabled`: an unsubscribe-all notice at the request's
//!   timestamp (docs/decisions.md, D21): no further event goes to the user, an
//!   older subscription notice arriving late cannot revive them, and a newer one
//!   (the user enabled the skill again) subscribes them as usual.
//! * [`ACKNOWLEDGED_TYPES`]: acknowledged, nothing stored.
//! * Anything else: ignored (an empty 200 from the router).
//!
//! On AWS Lambda, Alexa invokes the function directly and there is no signature to
//! check: call [`handle_json`] with the event's bytes.

use crate::DateTime;
use crate::subscriptions::{
    AsyncLedger, Change, Ledger, REQUEST_TYPE, Region, StoreError, SubscriptionChanged,
};
use serde_json::Value;
use std::collections::BTreeSet;
use std::fmt;
use std::sync::Arc;

/// The `request.type` of the event that unsubscribes a user from everything.
pub const SKILL_DISABLED: &str = "AlexaSkillEvent.SkillDisabled";

/// Skill events that are acknowledged (and logged by the router) but change nothing.
pub const ACKNOWLEDGED_TYPES: [&str; 4] = [
    "AlexaSkillEvent.SkillEnabled",
    "AlexaSkillEvent.SkillAccountLinked",
    "AlexaSkillEvent.SkillPermissionAccepted",
    "AlexaSkillEvent.SkillPermissionChanged",
];

/// A skill request, sorted by what it does.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum SkillEvent {
    /// `ProactiveSubscriptionChanged`: the user's current subscriptions.
    SubscriptionChanged(SubscriptionChanged),
    /// `SkillDisabled`, as the unsubscribe-all notice it amounts to.
    SkillDisabled(SubscriptionChanged),
    /// One of [`ACKNOWLEDGED_TYPES`].
    Acknowledged {
        /// `request.type`.
        request_type: String,
        /// `request.requestId`, when present.
        request_id: Option<String>,
    },
    /// Any other request type.
    Other {
        /// `request.type`.
        request_type: String,
    },
}

impl SkillEvent {
    /// Reads a skill request body.
    pub fn from_json(bytes: &[u8]) -> Result<Self, HandleError> {
        // A repeated key (two `userId`s) is refused, not read as the last one.
        let value = crate::validate::parse_unique_keys(bytes)
            .map_err(|e| HandleError::Body(e.message()))?;
        Self::from_value(&value)
    }

    /// Reads a skill request already decoded as JSON.
    pub fn from_value(value: &Value) -> Result<Self, HandleError> {
        let request_type = value
            .pointer("/request/type")
            .and_then(Value::as_str)
            .ok_or_else(|| HandleError::Body("request.type: missing or not a string".into()))?;
        match request_type {
            REQUEST_TYPE => SubscriptionChanged::from_value(value)
                .map(SkillEvent::SubscriptionChanged)
                .map_err(|e| HandleError::Body(e.to_string())),
            SKILL_DISABLED => disabled(value).map(SkillEvent::SkillDisabled),
            t if ACKNOWLEDGED_TYPES.contains(&t) => Ok(SkillEvent::Acknowledged {
                request_type: t.to_owned(),
                request_id: text(value, "/request/requestId").map(str::to_owned),
            }),
            t => Ok(SkillEvent::Other {
                request_type: t.to_owned(),
            }),
        }
    }

    /// `request.type`.
    pub fn request_type(&self) -> &str {
        match self {
            SkillEvent::SubscriptionChanged(_) => REQUEST_TYPE,
            SkillEvent::SkillDisabled(_) => SKILL_DISABLED,
            SkillEvent::Acknowledged { request_type, .. } | SkillEvent::Other { request_type } => {
                request_type
            }
        }
    }
}

/// `SkillDisabled` as a notice with no events, at the request's timestamp.
fn disabled(value: &Value) -> Result<SubscriptionChanged, HandleError> {
    let need = |pointer: &str, field: &str| {
        text(value, pointer)
            .filter(|s| !s.is_empty())
            .map(str::to_owned)
            .ok_or_else(|| HandleError::Body(format!("{field}: missing or not a non-empty string")))
    };
    let skill_id = need(
        "/context/System/application/applicationId",
        "context.System.application.applicationId",
    )?;
    let user_id = need("/context/System/user/userId", "context.System.user.userId")?;
    let request_id = need("/request/requestId", "request.requestId")?;
    let stamp = need("/request/timestamp", "request.timestamp")?;
    let timestamp: DateTime = stamp.parse().map_err(|e| {
        HandleError::Body(format!(
            "request.timestamp {stamp:?}: not an ISO 8601 date-time: {e}"
        ))
    })?;
    // Skill events carry the endpoint; it does not matter for a user with no events.
    let api_endpoint = text(value, "/context/System/apiEndpoint")
        .unwrap_or("")
        .to_owned();
    Ok(SubscriptionChanged {
        region: Region::from_api_endpoint(&api_endpoint),
        skill_id,
        user_id,
        person_id: None,
        api_endpoint,
        request_id,
        timestamp,
        locale: text(value, "/request/locale").map(str::to_owned),
        events: BTreeSet::new(),
    })
}

fn text<'a>(value: &'a Value, pointer: &str) -> Option<&'a str> {
    value.pointer(pointer).and_then(Value::as_str)
}

/// What [`handle`] did.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Handled {
    /// A subscription notice went to the ledger.
    Subscription(Change),
    /// `SkillDisabled` went to the ledger as an unsubscribe-all notice.
    Disabled(Change),
    /// One of [`ACKNOWLEDGED_TYPES`]: nothing stored.
    Acknowledged {
        /// `request.type`.
        request_type: String,
    },
    /// Another request type: nothing done.
    Ignored {
        /// `request.type`.
        request_type: String,
    },
}

/// Why a skill event was not handled.
#[derive(Debug)]
#[non_exhaustive]
pub enum HandleError {
    /// The body is not a readable skill request; nothing changed.
    Body(String),
    /// The ledger failed.
    Store(StoreError),
}

impl fmt::Display for HandleError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            HandleError::Body(m) => write!(f, "skill event: {m}"),
            HandleError::Store(e) => e.fmt(f),
        }
    }
}

impl std::error::Error for HandleError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            HandleError::Body(_) => None,
            HandleError::Store(e) => Some(e),
        }
    }
}

/// Applies `event` to `ledger`. Idempotent: the same request again is a
/// `Duplicate`, an older one `Stale`.
pub fn handle<L: Ledger + ?Sized>(ledger: &L, event: &SkillEvent) -> Result<Handled, StoreError> {
    Ok(match event {
        SkillEvent::SubscriptionChanged(n) => Handled::Subscription(ledger.apply(n)?),
        SkillEvent::SkillDisabled(n) => Handled::Disabled(ledger.apply(n)?),
        SkillEvent::Acknowledged { request_type, .. } => Handled::Acknowledged {
            request_type: request_type.clone(),
        },
        SkillEvent::Other { request_type } => Handled::Ignored {
            request_type: request_type.clone(),
        },
    })
}

/// [`handle`] for async code: the ledger's [`AsyncLedger`] calls never hold up a
/// runtime thread, and the apply runs to its end even if this future is dropped.
pub async fn handle_async<L: AsyncLedger + ?Sized>(
    ledger: Arc<L>,
    event: &SkillEvent,
) -> Result<Handled, StoreError> {
    Ok(match event {
        SkillEvent::SubscriptionChanged(n) => {
            Handled::Subscription(ledger.apply_async(n.clone()).await?)
        }
        SkillEvent::SkillDisabled(n) => Handled::Disabled(ledger.apply_async(n.clone()).await?),
        SkillEvent::Acknowledged { request_type, .. } => Handled::Acknowledged {
            request_type: request_type.clone(),
        },
        SkillEvent::Other { request_type } => Handled::Ignored {
            request_type: request_type.clone(),
        },
    })
}

/// Reads and applies one skill request body **without verifying it**: for AWS
/// Lambda, where Alexa invokes the function directly, or after [`Verifier`](super::Verifier).
pub fn handle_json<L: Ledger + ?Sized>(ledger: &L, body: &[u8]) -> Result<Handled, HandleError> {
    let event = SkillEvent::from_json(body)?;
    handle(ledger, &event).map_err(HandleError::Store)
}
