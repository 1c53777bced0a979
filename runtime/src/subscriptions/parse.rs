//! Parsing `AlexaSkillEvent.ProactiveSubscriptionChanged` skill requests (docs/decisions.md §6.1).
//!
//! The parser walks a `serde_json::Value` by hand rather than deriving, so that every
//! error names the JSON path of the field (`request.timestamp: ...`) and so that
//! everything Alexa may omit or add (body, locale, person, extra fields) is tolerated.

use crate::DateTime;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use std::collections::BTreeSet;
use std::fmt;

/// The `request.type` of the skill request this module reads.
pub const REQUEST_TYPE: &str = "AlexaSkillEvent.ProactiveSubscriptionChanged";

/// The longest skill id, user id, person id, request id, event name and locale
/// accepted, in bytes of UTF-8. Alexa's ids are a few hundred bytes at most;
/// PostgreSQL cannot index a value much over 2,700 bytes, so a longer one would
/// be refused there and stored by SQLite (see [`SubscriptionChanged::check`]).
pub const MAX_ID_BYTES: usize = 1024;

/// The longest `apiEndpoint` accepted, in bytes: the length of URL that browsers
/// and proxies commonly support (Alexa's are about 30).
pub const MAX_API_ENDPOINT_BYTES: usize = 2048;

/// One subscription notice: the user's **full current** set of subscribed events
/// (not a diff) as of `timestamp`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SubscriptionChanged {
    /// `context.System.application.applicationId`: the skill.
    pub skill_id: String,
    /// `context.System.user.userId`: the value for `Audience::unicast`.
    pub user_id: String,
    /// `context.System.person.personId`, when Alexa recognised the speaker.
    pub person_id: Option<String>,
    /// `context.System.apiEndpoint`, as sent.
    pub api_endpoint: String,
    /// The region of `api_endpoint`; `None` for an endpoint this crate does not know.
    pub region: Option<Region>,
    /// `request.requestId`.
    pub request_id: String,
    /// `request.timestamp`: orders notices that arrive out of order.
    pub timestamp: DateTime,
    /// `request.locale`, when present (Alexa often omits it here).
    pub locale: Option<String>,
    /// `request.body.subscriptions[].eventName`, sorted and without duplicates.
    /// Empty when the body is absent: the user is subscribed to nothing.
    /// Names this crate does not know are kept.
    pub events: BTreeSet<String>,
}

impl SubscriptionChanged {
    /// Parses the JSON body of the skill request.
    pub fn from_json(bytes: impl AsRef<[u8]>) -> Result<Self, ParseError> {
        let value: Value = serde_json::from_slice(bytes.as_ref()).map_err(|e| ParseError {
            field: String::new(),
            message: format!("not JSON: {e}"),
            syntax: true,
        })?;
        Self::from_value(&value)
    }

    /// Parses a request already decoded as JSON (e.g. by a skill framework).
    pub fn from_value(value: &Value) -> Result<Self, ParseError> {
        let root = object(value, "")?;
        let request = object(required(root, "", "request")?, "request")?;
        let kind = string(required(request, "request", "type")?, "request.type")?;
        if kind != REQUEST_TYPE {
            return Err(ParseError::new(
                "request.type",
                format!("expected `{REQUEST_TYPE}`, found `{kind}`"),
            ));
        }
        let request_id = non_empty(
            required(request, "request", "requestId")?,
            "request.requestId",
            MAX_ID_BYTES,
        )?;
        let timestamp_text = string(
            required(request, "request", "timestamp")?,
            "request.timestamp",
        )?;
        let timestamp: DateTime = timestamp_text.parse().map_err(|e| {
            ParseError::new(
                "request.timestamp",
                format!("not an ISO 8601 date-time with an offset (`{timestamp_text}`: {e})"),
            )
        })?;
        let locale = optional_string(request, "request", "locale", MAX_ID_BYTES)?;
        let events = events(request.get("body"))?;

        let context = object(required(root, "", "context")?, "context")?;
        let system = object(required(context, "context", "System")?, "context.System")?;
        let application = object(
            required(system, "context.System", "application")?,
            "context.System.application",
        )?;
        let skill_id = non_empty(
            required(application, "context.System.application", "applicationId")?,
            "context.System.application.applicationId",
            MAX_ID_BYTES,
        )?;
        let user = object(
            required(system, "context.System", "user")?,
            "context.System.user",
        )?;
        let user_id = non_empty(
            required(user, "context.System.user", "userId")?,
            "context.System.user.userId",
            MAX_ID_BYTES,
        )?;
        let person_id = match system.get("person") {
            None | Some(Value::Null) => None,
            Some(person) => optional_string(
                object(person, "context.System.person")?,
                "context.System.person",
                "personId",
                MAX_ID_BYTES,
            )?,
        };
        let api_endpoint = non_empty(
            required(system, "context.System", "apiEndpoint")?,
            "context.System.apiEndpoint",
            MAX_API_ENDPOINT_BYTES,
        )?;
        let region = Region::from_api_endpoint(&api_endpoint);

        Ok(Self {
            skill_id,
            user_id,
            person_id,
            api_endpoint,
            region,
            request_id,
            timestamp,
            locale,
            events,
        })
    }

    /// Whether every stored text field can be stored by every store: no NUL
    /// (U+0000), which PostgreSQL's `text` cannot hold, and ids, event names and
    /// the locale at most [`MAX_ID_BYTES`], `api_endpoint` at most
    /// [`MAX_API_ENDPOINT_BYTES`]. The error names the field. The parser applies
    /// the same rule to each field as it reads it, and every store applies this
    /// check before writing, so memory, SQLite and PostgreSQL give one verdict
    /// whether a notice was parsed or built by hand.
    pub fn check(&self) -> Result<(), ParseError> {
        let single = [
            (
                "context.System.application.applicationId",
                Some(&self.skill_id),
                MAX_ID_BYTES,
            ),
            (
                "context.System.user.userId",
                Some(&self.user_id),
                MAX_ID_BYTES,
            ),
            (
                "context.System.person.personId",
                self.person_id.as_ref(),
                MAX_ID_BYTES,
            ),
            (
                "context.System.apiEndpoint",
                Some(&self.api_endpoint),
                MAX_API_ENDPOINT_BYTES,
            ),
            ("request.requestId", Some(&self.request_id), MAX_ID_BYTES),
            ("request.locale", self.locale.as_ref(), MAX_ID_BYTES),
        ];
        for (field, text, max) in single {
            if let Some(text) = text {
                storable(text, field, max)?;
            }
        }
        for name in &self.events {
            storable(name, "request.body.subscriptions[].eventName", MAX_ID_BYTES)?;
        }
        Ok(())
    }

    /// The position of this notice in the user's history (timestamp, then request id).
    pub fn version(&self) -> Version {
        Version {
            timestamp: self.timestamp,
            request_id: self.request_id.clone(),
        }
    }
}

/// `request.body.subscriptions[].eventName`; an absent or null body or list is empty.
fn events(body: Option<&Value>) -> Result<BTreeSet<String>, ParseError> {
    let body = match body {
        None | Some(Value::Null) => return Ok(BTreeSet::new()),
        Some(b) => object(b, "request.body")?,
    };
    let list = match body.get("subscriptions") {
        None | Some(Value::Null) => return Ok(BTreeSet::new()),
        Some(Value::Array(list)) => list,
        Some(other) => {
            return Err(ParseError::new(
                "request.body.subscriptions",
                format!("expected an array, found {}", kind_of(other)),
            ));
        }
    };
    let mut events = BTreeSet::new();
    for (i, item) in list.iter().enumerate() {
        let place = format!("request.body.subscriptions[{i}]");
        let entry = object(item, &place)?;
        let name = non_empty(
            required(entry, &place, "eventName")?,
            &format!("{place}.eventName"),
            MAX_ID_BYTES,
        )?;
        events.insert(name);
    }
    Ok(events)
}

/// The order of notices for one user: by `timestamp`, and for equal timestamps by
/// `request_id` compared byte by byte. The greater version is the current one, so the
/// result does not depend on the order in which notices arrive.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct Version {
    /// The notice's `request.timestamp`.
    pub timestamp: DateTime,
    /// The notice's `request.requestId`; breaks ties between equal timestamps.
    pub request_id: String,
}

pub use crate::region::Region;

/// Why a skill request is not a readable subscription notice.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParseError {
    /// The dotted JSON path of the field (`request.timestamp`); empty for the whole body.
    pub field: String,
    /// What is wrong with it.
    pub message: String,
    syntax: bool,
}

impl ParseError {
    fn new(field: &str, message: String) -> Self {
        Self {
            field: field.to_owned(),
            message,
            syntax: false,
        }
    }

    /// True when the bytes are not JSON at all (rather than JSON of the wrong shape).
    pub fn is_syntax(&self) -> bool {
        self.syntax
    }
}

impl fmt::Display for ParseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.field.is_empty() {
            write!(f, "subscription request: {}", self.message)
        } else {
            write!(f, "{}: {}", self.field, self.message)
        }
    }
}

impl std::error::Error for ParseError {}

fn join(parent: &str, key: &str) -> String {
    if parent.is_empty() {
        key.to_owned()
    } else {
        format!("{parent}.{key}")
    }
}

fn kind_of(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

fn object<'a>(v: &'a Value, place: &str) -> Result<&'a Map<String, Value>, ParseError> {
    v.as_object().ok_or_else(|| {
        let what = if place.is_empty() { "the body" } else { place };
        ParseError::new(
            place,
            format!("expected {what} to be an object, found {}", kind_of(v)),
        )
    })
}

fn required<'a>(
    map: &'a Map<String, Value>,
    parent: &str,
    key: &str,
) -> Result<&'a Value, ParseError> {
    match map.get(key) {
        None | Some(Value::Null) => Err(ParseError::new(&join(parent, key), "missing".into())),
        Some(v) => Ok(v),
    }
}

fn string<'a>(v: &'a Value, place: &str) -> Result<&'a str, ParseError> {
    v.as_str()
        .ok_or_else(|| ParseError::new(place, format!("expected a string, found {}", kind_of(v))))
}

fn non_empty(v: &Value, place: &str, max: usize) -> Result<String, ParseError> {
    let s = string(v, place)?;
    if s.is_empty() {
        return Err(ParseError::new(place, "must not be empty".into()));
    }
    storable(s, place, max)?;
    Ok(s.to_owned())
}

fn optional_string(
    map: &Map<String, Value>,
    parent: &str,
    key: &str,
    max: usize,
) -> Result<Option<String>, ParseError> {
    match map.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(v) => {
            let place = join(parent, key);
            let s = string(v, &place)?;
            storable(s, &place, max)?;
            Ok(Some(s.to_owned()))
        }
    }
}

/// The one rule for text a store keeps (see [`SubscriptionChanged::check`]): no
/// NUL, at most `max` bytes. The message quotes neither: the value may be huge.
fn storable(text: &str, place: &str, max: usize) -> Result<(), ParseError> {
    if let Some(at) = text.find('\0') {
        return Err(ParseError::new(
            place,
            format!("contains U+0000 (NUL) at byte {at}; no store keeps it"),
        ));
    }
    if text.len() > max {
        return Err(ParseError::new(
            place,
            format!("is {} bytes long; at most {max} are accepted", text.len()),
        ));
    }
    Ok(())
}

/// Whether a lookup key could have been stored: one that could not matches
/// nothing, so a store answers "nobody" without asking its database (PostgreSQL
/// would refuse a NUL with an error that names no field).
#[cfg(feature = "postgres")]
pub(crate) fn could_be_stored(text: &str) -> bool {
    !text.contains('\0') && text.len() <= MAX_ID_BYTES
}
