//! Alexa's skill requests (docs/decisions.md §6.1): the envelope, decoded once from
//! the raw body ([`SkillRequest`]), and the `AlexaSkillEvent.ProactiveSubscriptionChanged`
//! notice in it ([`SubscriptionChanged`]).
//!
//! Every field of the envelope has one reader here, which the skill-events verifier
//! (timestamp, skill id), the handler (request type, the notice) and the ledger's
//! parser all use. The readers walk a `serde_json::Value` by hand rather than deriving,
//! so that every error names the JSON path of the field (`request.timestamp: ...`) and
//! so that everything Alexa may omit or add (body, locale, person, extra fields) is
//! tolerated.

use crate::DateTime;
use crate::validate::{StrictError, duplicate_key_message, parse_unique_keys};
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

/// A skill request's envelope, decoded once from the raw body: each accessor reads
/// one field and names its JSON path when it is missing or malformed.
#[derive(Debug, Clone, PartialEq)]
pub struct SkillRequest {
    value: Value,
}

impl SkillRequest {
    /// Decodes the raw body; it must be a JSON object. A key repeated in any object
    /// (two `userId`s) is an error naming it, as in `validate`: which one Alexa
    /// meant cannot be told, and neither the verifier nor the ledger may guess.
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
        Self::from_value(value)
    }

    /// A request already decoded as JSON (e.g. by a skill framework).
    pub fn from_value(value: Value) -> Result<Self, ParseError> {
        object(&value, "")?;
        Ok(Self { value })
    }

    /// The whole body.
    pub fn as_value(&self) -> &Value {
        &self.value
    }

    /// The value at `path`, `None` when a step is missing or null; a step that is
    /// not an object is an error naming it.
    fn at(&self, path: &[&str]) -> Result<Option<&Value>, ParseError> {
        let mut here = &self.value;
        for (i, key) in path.iter().enumerate() {
            here = match object(here, &path[..i].join("."))?.get(*key) {
                None | Some(Value::Null) => return Ok(None),
                Some(v) => v,
            };
        }
        Ok(Some(here))
    }

    /// The value at `path`; a missing step is named, with the field it would hold.
    fn need(&self, path: &[&str]) -> Result<&Value, ParseError> {
        if let Some(v) = self.at(path)? {
            return Ok(v);
        }
        let mut missing = path.len();
        for depth in 1..path.len() {
            if self.at(&path[..depth])?.is_none() {
                missing = depth;
                break;
            }
        }
        let message = if missing == path.len() {
            "missing".to_owned()
        } else {
            format!("missing (it holds {})", path.join("."))
        };
        Err(ParseError::new(&path[..missing].join("."), message))
    }

    fn text(&self, path: &[&str]) -> Result<&str, ParseError> {
        string(self.need(path)?, &path.join("."))
    }

    fn non_empty_text(&self, path: &[&str]) -> Result<&str, ParseError> {
        non_empty(self.need(path)?, &path.join("."))
    }

    fn optional_text(&self, path: &[&str]) -> Result<Option<&str>, ParseError> {
        match self.at(path)? {
            Some(v) => string(v, &path.join(".")).map(Some),
            None => Ok(None),
        }
    }

    /// `request.type`.
    pub fn request_type(&self) -> Result<&str, ParseError> {
        self.text(&["request", "type"])
    }

    /// `request.requestId`, not empty.
    pub fn request_id(&self) -> Result<&str, ParseError> {
        self.non_empty_text(&["request", "requestId"])
    }

    /// `request.timestamp`, an ISO 8601 date-time with an offset.
    pub fn timestamp(&self) -> Result<DateTime, ParseError> {
        let text = self.text(&["request", "timestamp"])?;
        text.parse().map_err(|e| {
            ParseError::new(
                "request.timestamp",
                format!("not an ISO 8601 date-time with an offset (`{text}`: {e})"),
            )
        })
    }

    /// `request.locale`, when present.
    pub fn locale(&self) -> Result<Option<&str>, ParseError> {
        self.optional_text(&["request", "locale"])
    }

    /// `request.body`, when present and not null.
    pub fn body(&self) -> Result<Option<&Value>, ParseError> {
        self.at(&["request", "body"])
    }

    /// `context.System.application.applicationId`, not empty: the skill.
    pub fn application_id(&self) -> Result<&str, ParseError> {
        self.non_empty_text(&["context", "System", "application", "applicationId"])
    }

    /// `session.application.applicationId`, when the request has a session.
    pub fn session_application_id(&self) -> Option<&Value> {
        self.at(&["session", "application", "applicationId"])
            .ok()
            .flatten()
    }

    /// `context.System.user.userId`, not empty.
    pub fn user_id(&self) -> Result<&str, ParseError> {
        self.non_empty_text(&["context", "System", "user", "userId"])
    }

    /// `context.System.person.personId`, when Alexa recognised the speaker.
    pub fn person_id(&self) -> Result<Option<&str>, ParseError> {
        self.optional_text(&["context", "System", "person", "personId"])
    }

    /// `context.System.apiEndpoint`, not empty: where the user's events go.
    pub fn api_endpoint(&self) -> Result<&str, ParseError> {
        self.non_empty_text(&["context", "System", "apiEndpoint"])
    }
}

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
    /// Parses the JSON body of the skill request (see [`SkillRequest::from_json`]).
    pub fn from_json(bytes: impl AsRef<[u8]>) -> Result<Self, ParseError> {
        Self::from_request(&SkillRequest::from_json(bytes)?)
    }

    /// Parses a request already decoded as JSON (e.g. by a skill framework).
    pub fn from_value(value: &Value) -> Result<Self, ParseError> {
        Self::from_request(&SkillRequest::from_value(value.clone())?)
    }

    /// The notice in a decoded skill request.
    pub fn from_request(request: &SkillRequest) -> Result<Self, ParseError> {
        let kind = request.request_type()?;
        if kind != REQUEST_TYPE {
            return Err(ParseError::new(
                "request.type",
                format!("expected `{REQUEST_TYPE}`, found `{kind}`"),
            ));
        }
        // The request's fields first, then the context's: the first error is the
        // first wrong field in the body's usual order.
        let request_id = request.request_id()?.to_owned();
        let timestamp = request.timestamp()?;
        let locale = request.locale()?.map(str::to_owned);
        let events = events(request.body()?)?;
        let skill_id = request.application_id()?.to_owned();
        let user_id = request.user_id()?.to_owned();
        let person_id = request.person_id()?.map(str::to_owned);
        let api_endpoint = request.api_endpoint()?.to_owned();
        let notice = Self {
            region: Region::from_api_endpoint(&api_endpoint),
            skill_id,
            user_id,
            person_id,
            api_endpoint,
            request_id,
            timestamp,
            locale,
            events,
        };
        notice.check()?;
        Ok(notice)
    }

    /// Whether every stored text field can be stored by every store: no NUL
    /// (U+0000), which PostgreSQL's `text` cannot hold, and ids, event names and
    /// the locale at most [`MAX_ID_BYTES`], `api_endpoint` at most
    /// [`MAX_API_ENDPOINT_BYTES`]. The error names the field. The parser applies
    /// it to what it reads, and every store applies this
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
        None => return Ok(BTreeSet::new()),
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
        // Here rather than in `check`, which cannot name the item's index.
        storable(name, &format!("{place}.eventName"), MAX_ID_BYTES)?;
        events.insert(name.to_owned());
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

fn non_empty<'a>(v: &'a Value, place: &str) -> Result<&'a str, ParseError> {
    let s = string(v, place)?;
    if s.is_empty() {
        return Err(ParseError::new(place, "must not be empty".into()));
    }
    Ok(s)
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
