//! Parsing `AlexaSkillEvent.ProactiveSubscriptionChanged` skill requests (docs/decisions.md §6.1).
//!
//! The parser walks a `serde_json::Value` by hand rather than deriving, so that every
//! error names the JSON path of the field (`request.timestamp: ...`) and so that
//! everything Alexa may omit or add (body, locale, person, extra fields) is tolerated.

use crate::DateTime;
use crate::validate::{StrictError, duplicate_key_message, parse_unique_keys};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use std::collections::BTreeSet;
use std::fmt;

/// The `request.type` of the skill request this module reads.
pub const REQUEST_TYPE: &str = "AlexaSkillEvent.ProactiveSubscriptionChanged";

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
    /// Parses the JSON body of the skill request. A key repeated in any object
    /// (two `userId`s) is an error naming it, as in `validate`: which one Alexa
    /// meant cannot be told, and the ledger must not guess.
    pub fn from_json(bytes: impl AsRef<[u8]>) -> Result<Self, ParseError> {
        let value = parse_unique_keys(bytes.as_ref()).map_err(|e| match e {
            StrictError::Syntax(message) => ParseError {
                field: String::new(),
                message,
                syntax: true,
            },
            StrictError::DuplicateKey { path, key } => {
                ParseError::new(&join(&path, &key), duplicate_key_message(&key))
            }
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
        let locale = optional_string(request, "request", "locale")?;
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
        )?;
        let user = object(
            required(system, "context.System", "user")?,
            "context.System.user",
        )?;
        let user_id = non_empty(
            required(user, "context.System.user", "userId")?,
            "context.System.user.userId",
        )?;
        let person_id = match system.get("person") {
            None | Some(Value::Null) => None,
            Some(person) => optional_string(
                object(person, "context.System.person")?,
                "context.System.person",
                "personId",
            )?,
        };
        let api_endpoint = non_empty(
            required(system, "context.System", "apiEndpoint")?,
            "context.System.apiEndpoint",
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

fn non_empty(v: &Value, place: &str) -> Result<String, ParseError> {
    let s = string(v, place)?;
    if s.is_empty() {
        return Err(ParseError::new(place, "must not be empty".into()));
    }
    Ok(s.to_owned())
}

fn optional_string(
    map: &Map<String, Value>,
    parent: &str,
    key: &str,
) -> Result<Option<String>, ParseError> {
    match map.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(v) => string(v, &join(parent, key)).map(|s| Some(s.to_owned())),
    }
}
