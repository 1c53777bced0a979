//! Validation: every rule Amazon applies to a request body, reported all at once,
//! each violation with a stable rule id, the JSON pointer of the value and a message.
//!
//! Rule ids follow `../shared/reference/proactive-events-facts.md` §9 (`ENV-*`, `LOC-*`)
//! and name payload rules generically (`PAYLOAD-*`); see [`rules`].

pub mod rules;

use crate::schema::EventSchema;
use crate::text::Text;
use crate::{DateTime, Localizable, ProactiveEventRequest};
use std::collections::{BTreeMap, BTreeSet};
use std::fmt;

/// An error makes the request invalid; a warning does not (e.g. an undocumented locale).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Severity {
    Error,
    Warning,
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Error => "error",
            Self::Warning => "warning",
        })
    }
}

/// One broken rule.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Violation {
    /// Stable id, e.g. `ENV-EXPIRY-MAX`.
    pub rule: &'static str,
    /// JSON pointer of the offending value (RFC 6901), e.g. `/expiryTime`.
    pub pointer: String,
    pub message: String,
    pub severity: Severity,
}

impl Violation {
    pub fn error(
        rule: &'static str,
        pointer: impl Into<String>,
        message: impl Into<String>,
    ) -> Self {
        Self {
            rule,
            pointer: pointer.into(),
            message: message.into(),
            severity: Severity::Error,
        }
    }
    pub fn warning(
        rule: &'static str,
        pointer: impl Into<String>,
        message: impl Into<String>,
    ) -> Self {
        Self {
            rule,
            pointer: pointer.into(),
            message: message.into(),
            severity: Severity::Warning,
        }
    }
}

/// `error[ENV-EXPIRY-MAX] /expiryTime: …`
impl fmt::Display for Violation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}[{}] {}: {}",
            self.severity, self.rule, self.pointer, self.message
        )
    }
}

/// Every violation found, errors and warnings.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Report {
    pub violations: Vec<Violation>,
}

impl Report {
    /// No errors (warnings allowed).
    pub fn is_valid(&self) -> bool {
        !self
            .violations
            .iter()
            .any(|v| v.severity == Severity::Error)
    }
    pub fn errors(&self) -> impl Iterator<Item = &Violation> {
        self.violations
            .iter()
            .filter(|v| v.severity == Severity::Error)
    }
    pub fn warnings(&self) -> impl Iterator<Item = &Violation> {
        self.violations
            .iter()
            .filter(|v| v.severity == Severity::Warning)
    }
}

/// Checks a caller may add to the deterministic ones.
#[derive(Debug, Clone, Default)]
pub struct Options {
    /// Also check the expiry window against this clock (a sender's "now"), rule
    /// `ENV-EXPIRY-CLOCK`. Off by default: stored bodies carry fixed past dates.
    pub now: Option<DateTime>,
}

/// Validates a typed request: the rules its types cannot hold by construction.
pub fn validate(request: &ProactiveEventRequest) -> Report {
    validate_with(request, &Options::default())
}

/// [`validate`] with extra checks.
pub fn validate_with(request: &ProactiveEventRequest, options: &Options) -> Report {
    let mut out = Vec::new();
    cross_field(request, options, &mut out);
    Report { violations: out }
}

/// Validates raw JSON bytes: structure first, then the cross-field rules.
pub fn validate_json(bytes: &[u8]) -> Report {
    parse(bytes, &Options::default()).1
}

/// Parses and validates; the request is returned when it parses (even with
/// cross-field errors, which the report lists).
pub fn parse(bytes: &[u8], options: &Options) -> (Option<ProactiveEventRequest>, Report) {
    match serde_json::from_slice::<ProactiveEventRequest>(bytes) {
        Ok(request) => {
            let report = validate_with(&request, options);
            (Some(request), report)
        }
        Err(e) => (
            None,
            Report {
                violations: vec![Violation::error(rules::STRUCTURE, "", e.to_string())],
            },
        ),
    }
}

/// `/event/payload/<path>` from a dotted path with `[i]` indexes.
pub(crate) fn payload_pointer(path: &str) -> String {
    let mut out = String::from("/event/payload");
    for step in path.split('.') {
        match step.split_once('[') {
            Some((name, index)) => {
                out.push('/');
                out.push_str(&escape_pointer(name));
                out.push('/');
                out.push_str(index.trim_end_matches(']'));
            }
            None => {
                out.push('/');
                out.push_str(&escape_pointer(step));
            }
        }
    }
    out
}

pub(crate) fn escape_pointer(s: &str) -> String {
    s.replace('~', "~0").replace('/', "~1")
}

fn cross_field(request: &ProactiveEventRequest, options: &Options, out: &mut Vec<Violation>) {
    expiry_window(request, options, out);
    let schema = request.event.schema();
    locales(request, schema, out);
    localized_references(request, out);
}

fn expiry_window(request: &ProactiveEventRequest, options: &Options, out: &mut Vec<Violation>) {
    use jiff::SignedDuration;
    let span = request.expiry_time.duration_since(request.timestamp);
    if span < SignedDuration::from_mins(5) {
        out.push(Violation::error(
            rules::ENV_EXPIRY_MIN,
            "/expiryTime",
            format!(
                "expiryTime is {} after timestamp; the least Alexa accepts is 5 min",
                human(span)
            ),
        ));
    }
    if span > SignedDuration::from_hours(24) {
        out.push(Violation::error(
            rules::ENV_EXPIRY_MAX,
            "/expiryTime",
            format!(
                "expiryTime is {} after timestamp; the most Alexa accepts is 24 h",
                human(span)
            ),
        ));
    }
    if let Some(now) = options.now {
        let left = request.expiry_time.duration_since(now);
        if left < SignedDuration::from_mins(5) || left > SignedDuration::from_hours(24) {
            out.push(Violation::error(
                rules::ENV_EXPIRY_CLOCK,
                "/expiryTime",
                format!(
                    "expiryTime is {} from now ({now}); it must be between 5 min and 24 h from now",
                    human(left)
                ),
            ));
        }
    }
}

/// `24 h 1 s`, `-3 min`.
pub(crate) fn human(d: jiff::SignedDuration) -> String {
    let total = d.as_secs();
    let sign = if total < 0 { "-" } else { "" };
    let t = total.unsigned_abs();
    let (h, m, s) = (t / 3600, (t % 3600) / 60, t % 60);
    let mut parts = Vec::new();
    if h > 0 {
        parts.push(format!("{h} h"));
    }
    if m > 0 {
        parts.push(format!("{m} min"));
    }
    if s > 0 || parts.is_empty() {
        parts.push(format!("{s} s"));
    }
    format!("{sign}{}", parts.join(" "))
}

fn locales(request: &ProactiveEventRequest, schema: &EventSchema, out: &mut Vec<Violation>) {
    let mut seen = BTreeSet::new();
    for (i, entry) in request.localized_attributes.iter().enumerate() {
        let locale = entry.locale.as_str();
        if !seen.insert(locale) {
            out.push(Violation::error(
                rules::LOC_LOCALE_DUPLICATE,
                format!("/localizedAttributes/{i}/locale"),
                format!("locale {locale} has more than one entry; send one entry per locale"),
            ));
        }
        if let Some(supported) = schema.locales
            && !supported.contains(&locale)
        {
            out.push(Violation::warning(
                rules::LOC_LOCALE_UNSUPPORTED,
                format!("/localizedAttributes/{i}/locale"),
                format!(
                    "{} is documented for {} only; {locale} may not be delivered",
                    schema.name,
                    supported.join(", ")
                ),
            ));
        }
    }
}

fn localized_references(request: &ProactiveEventRequest, out: &mut Vec<Violation>) {
    let mut referenced: BTreeMap<String, String> = BTreeMap::new();
    request
        .event
        .for_each_text("", &mut |path, text| match text {
            Text::Reference(key) => {
                referenced
                    .entry(key.clone())
                    .or_insert_with(|| path.to_owned());
            }
            Text::PerLocale(_) => out.push(Violation::error(
                rules::LOC_UNBUILT,
                payload_pointer(path),
                "per-locale text must be resolved by the builder before sending",
            )),
            Text::Literal(_) => {}
        });
    for (key, path) in &referenced {
        for (i, entry) in request.localized_attributes.iter().enumerate() {
            if !entry.values.contains_key(key) {
                out.push(Violation::error(
                    rules::LOC_KEY_DEFINED,
                    format!("/localizedAttributes/{i}"),
                    format!(
                        "no value for `{key}` (used at {}) in locale {}",
                        payload_pointer(path),
                        entry.locale
                    ),
                ));
            }
        }
    }
}
