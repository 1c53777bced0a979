//! Building a request: the valid event is the easy one to write.
//!
//! Per-locale texts ([`Text::per_locale`]) become `localizedattribute:<key>`
//! references with a key derived from the field's path, and their values are
//! pivoted into `localizedAttributes`, one entry per locale, so every reference
//! resolves in every locale by construction.

use crate::request::{Audience, Locale, LocalizedAttributes, ProactiveEventRequest, ReferenceId};
use crate::validate::{self, Rule, Violation, payload_pointer};
use crate::{DateTime, EventSet, Text};
use jiff::SignedDuration;
use std::collections::BTreeMap;
use std::fmt;
use std::time::Duration;

/// The expiry when none is given: inside Amazon's window of 5 min to 24 h.
pub const DEFAULT_EXPIRY: Duration = Duration::from_secs(12 * 3600);

/// Locale used when no text names one.
pub const DEFAULT_LOCALE: &str = "en-US";

#[derive(Debug, Clone)]
enum Expiry {
    In(Duration),
    At(DateTime),
}

/// Builds a [`ProactiveEventRequest`]; see [`ProactiveEventRequest::builder`].
#[derive(Debug, Clone)]
#[must_use]
pub struct Builder<E> {
    event: E,
    timestamp: Option<DateTime>,
    reference_id: Option<String>,
    expiry: Expiry,
    audience: Option<Audience>,
    locales: Vec<String>,
    attributes: Vec<(String, String, String)>,
}

impl<E: EventSet> ProactiveEventRequest<E> {
    /// Starts a request for `event` (any generated payload type). The README's
    /// "build, validate and preview" example shows it end to end.
    pub fn builder(event: impl Into<E>) -> Builder<E> {
        Builder {
            event: event.into(),
            timestamp: None,
            reference_id: None,
            expiry: Expiry::In(DEFAULT_EXPIRY),
            audience: None,
            locales: Vec::new(),
            attributes: Vec::new(),
        }
    }

    /// Starts an update of this event (decision D14): the same `referenceId` and
    /// audience, and a timestamp later than this one's.
    pub fn update(&self, event: impl Into<E>) -> Builder<E> {
        let now = now_millis();
        let later = self
            .timestamp
            .checked_add(SignedDuration::from_millis(1))
            .unwrap_or(self.timestamp);
        Self::builder(event)
            .reference_id(self.reference_id.as_str())
            .audience(self.relevant_audience.clone())
            .timestamp(if now > self.timestamp { now } else { later })
    }
}

impl<E: EventSet> Builder<E> {
    /// When the event happened; default: now.
    pub fn timestamp(mut self, at: DateTime) -> Self {
        self.timestamp = Some(at);
        self
    }

    /// Your id of the event (`[A-Za-z0-9~]{1,100}`); default: a new unique id.
    pub fn reference_id(mut self, id: impl Into<String>) -> Self {
        self.reference_id = Some(id.into());
        self
    }

    /// Expiry relative to the timestamp (5 min ..= 24 h); default 12 h.
    pub fn expires_in(mut self, after: Duration) -> Self {
        self.expiry = Expiry::In(after);
        self
    }

    /// Expiry as an instant.
    pub fn expires_at(mut self, at: DateTime) -> Self {
        self.expiry = Expiry::At(at);
        self
    }

    /// Who receives the event. Required.
    pub fn audience(mut self, audience: Audience) -> Self {
        self.audience = Some(audience);
        self
    }

    /// Locales to send when no field is per-locale (an event of literal texts only);
    /// default `en-US`. Per-locale texts must cover these too.
    pub fn locales<L: Into<String>>(mut self, locales: impl IntoIterator<Item = L>) -> Self {
        self.locales.extend(locales.into_iter().map(Into::into));
        self
    }

    /// A value for a `localizedattribute:<key>` you wrote yourself with [`Text::reference`].
    pub fn attribute(
        mut self,
        locale: impl Into<String>,
        key: impl Into<String>,
        text: impl Into<String>,
    ) -> Self {
        self.attributes
            .push((locale.into(), key.into(), text.into()));
        self
    }

    /// Resolves per-locale texts, fills the defaults and validates the result.
    pub fn build(self) -> Result<ProactiveEventRequest<E>, BuildError> {
        let mut errors = Vec::new();
        let mut event = self.event;

        // Per-locale texts -> references; remember each field's texts.
        let mut per_field: Vec<(String, String, BTreeMap<String, String>)> = Vec::new();
        event.for_each_text_mut("", &mut |path, text| {
            if let Text::PerLocale(texts) = text {
                let key = attribute_key(path);
                per_field.push((path.to_owned(), key.clone(), std::mem::take(texts)));
                *text = Text::Reference(key);
            }
        });

        // The locale set: explicit ones, then every locale a text names.
        let mut locales: Vec<String> = Vec::new();
        let named = self
            .locales
            .iter()
            .chain(per_field.iter().flat_map(|(_, _, t)| t.keys()));
        for l in named.chain(self.attributes.iter().map(|(l, _, _)| l)) {
            if !locales.contains(l) {
                locales.push(l.clone());
            }
        }
        if locales.is_empty() {
            locales.push(DEFAULT_LOCALE.to_owned());
        }

        let mut entries = Vec::new();
        for (i, tag) in locales.iter().enumerate() {
            match Locale::new(tag.as_str()) {
                Ok(locale) => entries.push(LocalizedAttributes::new(locale)),
                Err(e) => errors.push(Violation::error(
                    Rule::LocLocaleBcp47,
                    format!("/localizedAttributes/{i}/locale"),
                    e.to_string(),
                )),
            }
        }
        for (path, key, texts) in &per_field {
            for entry in &mut entries {
                match texts.get(entry.locale.as_str()) {
                    Some(text) => {
                        entry.values.insert(key.clone(), text.clone());
                    }
                    None => errors.push(Violation::error(
                        Rule::LocKeyDefined,
                        payload_pointer(path),
                        format!(
                            "`{path}` has no text for locale {} (it has {}; other fields use {})",
                            entry.locale,
                            texts.keys().cloned().collect::<Vec<_>>().join(", "),
                            locales.join(", ")
                        ),
                    )),
                }
            }
        }
        for (locale, key, text) in self.attributes {
            if let Some(entry) = entries.iter_mut().find(|e| e.locale.as_str() == locale) {
                entry.values.insert(key, text);
            }
        }

        let timestamp = self.timestamp.unwrap_or_else(now_millis);
        let expiry_time = match self.expiry {
            Expiry::At(at) => at,
            Expiry::In(after) => match SignedDuration::try_from(after)
                .ok()
                .and_then(|d| timestamp.checked_add(d).ok())
            {
                Some(at) => at,
                None => {
                    errors.push(Violation::error(
                        Rule::EnvExpiryMax,
                        "/expiryTime",
                        "the expiry duration is out of range",
                    ));
                    timestamp
                }
            },
        };
        let reference_id = match self.reference_id {
            None => Some(ReferenceId::generate()),
            Some(id) => match ReferenceId::new(id) {
                Ok(id) => Some(id),
                Err(e) => {
                    errors.push(Violation::error(e.rule(), "/referenceId", e.to_string()));
                    None
                }
            },
        };
        let audience = self.audience.unwrap_or_else(|| {
            errors.push(Violation::error(
                Rule::EnvAudienceType,
                "/relevantAudience",
                "no audience: call .audience(Audience::unicast(user_id)) or .audience(Audience::multicast())",
            ));
            Audience::multicast()
        });
        if let Audience::Unicast(p) = &audience
            && p.user.is_empty()
        {
            errors.push(Violation::error(
                Rule::EnvUnicastUser,
                "/relevantAudience/payload/user",
                "Unicast needs a user id",
            ));
        }
        let Some(reference_id) = reference_id.filter(|_| errors.is_empty()) else {
            return Err(BuildError { violations: errors });
        };
        let request = ProactiveEventRequest {
            timestamp,
            reference_id,
            expiry_time,
            event,
            localized_attributes: entries,
            relevant_audience: audience,
        };
        // Everything the types cannot guarantee (expiry window, empty texts, …).
        let violations = full_check(&request);
        if violations.is_empty() {
            Ok(request)
        } else {
            Err(BuildError { violations })
        }
    }
}

/// Validates the serialized request exactly as a received body: the cross-field
/// rules, and values the constructors let through (an empty literal text).
fn full_check<E: EventSet>(request: &ProactiveEventRequest<E>) -> Vec<Violation> {
    let bytes = match serde_json::to_vec(request) {
        Ok(b) => b,
        Err(e) => return vec![Violation::error(Rule::Structure, "", e.to_string())],
    };
    let report = validate::validate_json::<E>(&bytes);
    report
        .violations
        .into_iter()
        .filter(|v| v.severity == validate::Severity::Error)
        .collect()
}

/// Now, to the millisecond (the precision of Amazon's samples).
fn now_millis() -> DateTime {
    let now = DateTime::now();
    now.round(jiff::Unit::Millisecond).unwrap_or(now)
}

/// `order.seller.name` -> `orderSellerName`; `items[2].name` -> `items2Name`.
pub fn attribute_key(path: &str) -> String {
    let mut key = String::new();
    for (i, word) in path
        .split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|w| !w.is_empty())
        .enumerate()
    {
        let mut chars = word.chars();
        if let Some(first) = chars.next() {
            if i == 0 {
                key.push(first);
            } else {
                key.push(first.to_ascii_uppercase());
            }
            key.extend(chars);
        }
    }
    key
}

/// Why a request could not be built: every violation at once.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BuildError {
    /// Every violation the checks found, in the order found.
    pub violations: Vec<Violation>,
}

impl fmt::Display for BuildError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "the event is not valid:")?;
        for v in &self.violations {
            write!(f, "\n  {v}")?;
        }
        Ok(())
    }
}

impl std::error::Error for BuildError {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn attribute_keys_are_camel_case_paths() {
        assert_eq!(attribute_key("order.seller.name"), "orderSellerName");
        assert_eq!(attribute_key("items[2].name"), "items2Name");
        assert_eq!(attribute_key("weatherAlert.source"), "weatherAlertSource");
    }
}
