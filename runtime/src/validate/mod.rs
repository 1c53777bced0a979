//! Validation: every rule Amazon applies to a request body, reported all at once,
//! each violation with a stable rule id, the JSON pointer of the value and a message.
//!
//! Rule ids follow `docs/decisions.md` §9 (`ENV-*`, `LOC-*`)
//! and name payload rules generically (`PAYLOAD-*`); see [`rules`].
//!
//! Two paths give one verdict. The fast path parses into the generated types
//! (serde enforces the structure exactly like the JSON Schemas) and then checks
//! the cross-field rules, allocating nothing unless something is wrong (the
//! generated visitor's paths are built on the stack). Locales are checked past
//! their syntax against the IANA registry and Alexa's list (D25), date-times
//! component by component (D26), and integers exactly from their text (D27).
//! Only when that parse fails does the slow path walk the JSON with the schema
//! metadata ([`walk_json`] is that walk) to report every violation with its
//! pointer. Tests check that both paths agree on the body bank and its mutations.
//!
//! Every check is linear in the body, whatever it holds: repeated items are
//! found by hashing, repeated locales and keys through maps, and an array
//! longer than its maximum is one `PAYLOAD-MAX-ITEMS` violation with only the
//! allowed items checked (both paths stop there), so a 2 MB body of 200,000
//! items validates in milliseconds. The [`Report`] is not capped: it holds every
//! violation, one per faulty value at most (200,000 unknown fields are 200,000
//! violations); a display should cap what it shows, as the CLI's
//! `validate --max-violations` does.
//!
//! Every entry point is generic over the event set `E`; the facade crate
//! `alexa-proactive-events` fixes it, so users call `validate_json(bytes)`.

mod cross;
mod json;
pub(crate) use json::{StrictError, duplicate_key_message, parse_unique_keys};
mod locale;
pub mod rules;
mod walk;

pub use rules::{Rule, UnknownRule};

use crate::schema::EventSchema;
use crate::text::Text;
use crate::{DateTime, EventSet, ProactiveEventRequest};
use std::fmt;

/// An error makes the request invalid; a warning does not (e.g. an undocumented locale).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Severity {
    /// Amazon rejects the request.
    Error,
    /// Amazon accepts the request, but it may not reach everyone (an undocumented locale, say).
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
    /// Stable id, e.g. [`Rule::EnvExpiryMax`] (`ENV-EXPIRY-MAX`).
    pub rule: Rule,
    /// JSON pointer of the offending value (RFC 6901), e.g. `/expiryTime`.
    pub pointer: String,
    /// What is wrong and, where it helps, how to fix it; wording may change in a patch release.
    pub message: String,
    /// Whether the violation makes the request invalid.
    pub severity: Severity,
}

impl Violation {
    /// A violation of `rule` at `pointer`.
    pub fn new(
        severity: Severity,
        rule: Rule,
        pointer: impl Into<String>,
        message: impl Into<String>,
    ) -> Self {
        Self {
            rule,
            pointer: pointer.into(),
            message: message.into(),
            severity,
        }
    }
    /// An error: the request is invalid.
    pub fn error(rule: Rule, pointer: impl Into<String>, message: impl Into<String>) -> Self {
        Self::new(Severity::Error, rule, pointer, message)
    }
    /// A warning: the request stays valid.
    pub fn warning(rule: Rule, pointer: impl Into<String>, message: impl Into<String>) -> Self {
        Self::new(Severity::Warning, rule, pointer, message)
    }
}

/// `error[ENV-EXPIRY-MAX] /expiryTime: …`; with an empty pointer (the whole
/// body) no pointer is written: `error[JSON-SYNTAX]: …`.
impl fmt::Display for Violation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}[{}]", self.severity, self.rule)?;
        if !self.pointer.is_empty() {
            write!(f, " {}", self.pointer)?;
        }
        write!(f, ": {}", self.message)
    }
}

/// Every violation found, errors and warnings.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Report {
    /// In the order they were found.
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
    /// The violations that make the request invalid.
    pub fn errors(&self) -> impl Iterator<Item = &Violation> {
        self.violations
            .iter()
            .filter(|v| v.severity == Severity::Error)
    }
    /// The violations that do not.
    pub fn warnings(&self) -> impl Iterator<Item = &Violation> {
        self.violations
            .iter()
            .filter(|v| v.severity == Severity::Warning)
    }
    /// Whether some violation has this rule.
    pub fn has(&self, rule: Rule) -> bool {
        self.violations.iter().any(|v| v.rule == rule)
    }
}

/// One violation per line, as [`Violation`]'s `Display`.
impl fmt::Display for Report {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, v) in self.violations.iter().enumerate() {
            if i > 0 {
                f.write_str("\n")?;
            }
            write!(f, "{v}")?;
        }
        Ok(())
    }
}

/// The event set as the walk needs it: plain data, so that the walk is compiled
/// once rather than once per event set.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Catalog {
    names: &'static [&'static str],
    schema: fn(&str) -> Option<&'static EventSchema>,
    alexa_locales: &'static [&'static str],
}

impl Catalog {
    /// No events (for walking a lone payload).
    const EMPTY: Self = Self {
        names: &[],
        schema: |_| None,
        alexa_locales: &[],
    };

    fn of<E: EventSet>() -> Self {
        Self {
            names: E::NAMES,
            schema: E::schema_named,
            alexa_locales: E::ALEXA_LOCALES,
        }
    }
}

/// Checks a caller may add to the deterministic ones.
#[derive(Debug, Clone, Default)]
pub struct Options {
    /// Also check the expiry window against this clock (a sender's "now"), rule
    /// `ENV-EXPIRY-CLOCK`. Off by default: stored bodies carry fixed past dates.
    pub now: Option<DateTime>,
}

/// Validates a typed request: the rules its types cannot hold by construction
/// (expiry window, locales, `localizedattribute:` keys, unbuilt per-locale text).
///
/// A request parsed from JSON holds every structural rule already. One assembled
/// in code can still carry values the constructors let through (an empty
/// `Text::Literal`, six garbage types); check those with
/// `validate_json(&serde_json::to_vec(&request)?)`, as the builder does.
pub fn validate<E: EventSet>(request: &ProactiveEventRequest<E>) -> Report {
    validate_with(request, &Options::default())
}

/// [`validate`] with extra checks.
pub fn validate_with<E: EventSet>(request: &ProactiveEventRequest<E>, options: &Options) -> Report {
    let mut out = Vec::new();
    cross_field(request, options, &mut out);
    Report { violations: out }
}

/// Validates raw JSON bytes: every rule, every violation.
pub fn validate_json<E: EventSet>(bytes: &[u8]) -> Report {
    parse::<E>(bytes, &Options::default()).1
}

/// Parses and validates; the request is returned when it parses (even with
/// cross-field errors, which the report lists).
pub fn parse<E: EventSet>(
    bytes: &[u8],
    options: &Options,
) -> (Option<ProactiveEventRequest<E>>, Report) {
    // UTF-8 is checked once here, so that neither parse checks every string
    // again (serde_json's `from_str` trusts its input); invalid UTF-8 goes
    // through `from_slice` for its error.
    let typed = match std::str::from_utf8(bytes) {
        Ok(text) => serde_json::from_str::<ProactiveEventRequest<E>>(text),
        Err(_) => serde_json::from_slice::<ProactiveEventRequest<E>>(bytes),
    };
    match typed {
        Ok(request) => {
            let report = validate_with(&request, options);
            (Some(request), report)
        }
        Err(typed) => {
            let mut request = None;
            let report = slow_path(bytes, options, &typed, Catalog::of::<E>(), &mut |value| {
                request = serde_json::from_value::<ProactiveEventRequest<E>>(value).ok();
                request.is_some()
            });
            (request, report)
        }
    }
}

/// The typed parse failed: find out everything that is wrong.
fn slow_path(
    bytes: &[u8],
    options: &Options,
    typed: &serde_json::Error,
    catalog: Catalog,
    retry: &mut dyn FnMut(serde_json::Value) -> bool,
) -> Report {
    json::forget_floats();
    let parsed = match std::str::from_utf8(bytes) {
        Ok(text) => serde_json::from_str::<json::Node<'_>>(text),
        Err(_) => serde_json::from_slice::<json::Node<'_>>(bytes),
    };
    let mut tree = match parsed {
        Ok(tree) => tree,
        Err(e) => {
            return Report {
                violations: vec![Violation::error(
                    Rule::JsonSyntax,
                    "",
                    json_error_message(bytes, &e),
                )],
            };
        }
    };
    json::attach_number_texts(&mut tree, bytes);
    let mut report = Report {
        violations: walk::walk(&tree, options, catalog),
    };
    // The walk reads `2.0` as the integer 2 (D27), which the generated integer
    // types do not: read the body again with such numbers as integers.
    if report.is_valid() && !retry(json::to_value(&tree)) {
        // A safety net: the tests check that the walk always finds the reason.
        report
            .violations
            .push(Violation::error(Rule::Structure, "", typed.to_string()));
    }
    report
}

/// `not JSON: <serde_json's message>`, the message of `JSON-SYNTAX` and of
/// every reader of JSON in this crate; a text that starts with a byte order
/// mark is told so (serde_json says only "expected value at line 1 column 1").
/// A JSON text is UTF-8 without one (RFC 8259 §8.1): an editor's UTF-8 BOM,
/// or a UTF-16 file, is refused with what to do rather than accepted, so that
/// a file that passes here is one any JSON reader takes.
pub fn json_error_message(bytes: &[u8], error: &serde_json::Error) -> String {
    const SAVE: &str = "save the file as UTF-8 without a byte order mark";
    if bytes.starts_with(b"\xEF\xBB\xBF") {
        format!(
            "not JSON: the text starts with a UTF-8 byte order mark (bytes EF BB BF), which \
             JSON does not allow; {SAVE}"
        )
    } else if bytes.starts_with(b"\xFF\xFE") || bytes.starts_with(b"\xFE\xFF") {
        format!("not JSON: the text is UTF-16 (it starts with a byte order mark); {SAVE}")
    } else {
        format!("not JSON: {error}")
    }
}

/// The slow path on its own: validates a JSON value by walking it with the
/// schema metadata. Gives the same verdict as [`validate_json`] on the value's
/// bytes. ([`validate_json`] runs the same walk over a lighter tree that borrows
/// strings, sees repeated keys and keeps each number's text, and only when the
/// typed parse fails. A `Value` holds an integer beyond 64 bits as a float, so
/// messages here quote it as serde_json writes it.)
pub fn walk_json<E: EventSet>(value: &serde_json::Value) -> Report {
    walk_json_with::<E>(value, &Options::default())
}

/// [`walk_json`] with extra checks.
pub fn walk_json_with<E: EventSet>(value: &serde_json::Value, options: &Options) -> Report {
    Report {
        violations: walk::walk(value, options, Catalog::of::<E>()),
    }
}

/// The payload rules alone, for one shape (tests use hand-made shapes to reach
/// rules no current schema has, such as an integer maximum).
#[doc(hidden)]
pub fn walk_payload(
    shape: &'static crate::schema::ObjectShape,
    payload: &serde_json::Value,
) -> Report {
    Report {
        violations: walk::walk_payload(shape, payload),
    }
}

/// What the locale rules say of one `locale` value past its syntax: an
/// unregistered tag (`LOC-LOCALE-UNREGISTERED`), a tag not in canonical case
/// (`LOC-LOCALE-CASE`, naming the canonical form) and a tag that is none of
/// `alexa_locales` (`LOC-LOCALE-NOT-ALEXA`), compared case-insensitively.
/// Empty for a tag that is not well-formed (that is `LOC-LOCALE-BCP47`, which
/// [`crate::Locale::new`] reports). Pointers are empty.
pub fn locale_findings(tag: &str, alexa_locales: &[&str]) -> Vec<Violation> {
    let mut out = Vec::new();
    locale::check(tag, alexa_locales, &String::new, &mut out);
    out
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

/// The fast path's checks on a typed request; the slow path runs the same
/// functions on the JSON (see `cross`).
fn cross_field<E: EventSet>(
    request: &ProactiveEventRequest<E>,
    options: &Options,
    out: &mut Vec<Violation>,
) {
    cross::expiry_window(request.timestamp, request.expiry_time, options, out);
    let entries = &request.localized_attributes;
    let locale = |i: usize| Some(entries[i].locale.as_str());
    let schema = request.event.schema();
    cross::locales(entries.len(), locale, Some(schema), E::ALEXA_LOCALES, out);
    if schema.localizable_paths.is_empty() {
        // No field can hold a reference or per-locale text: nothing to visit.
        return;
    }
    let has_key = |i: usize, key: &str| entries[i].values.contains_key(key);
    let mut checked = std::collections::HashSet::new();
    request
        .event
        .for_each_text("", &mut |path, text| match text {
            Text::Reference(key) => cross::key_defined(
                key,
                &|| payload_pointer(path),
                entries.len(),
                &has_key,
                &locale,
                &mut checked,
                out,
            ),
            Text::PerLocale(_) => out.push(Violation::error(
                Rule::LocUnbuilt,
                payload_pointer(path),
                "per-locale text must be resolved by the builder before sending",
            )),
            Text::Literal(_) => {}
        });
}
