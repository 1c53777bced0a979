//! Cross-field rules, written once and fed by both paths: the typed request
//! (fast path) and the JSON walk (slow path). They allocate only to report.

use super::json::SMALL;
use super::{Options, Rule, Violation};
use crate::DateTime;
use crate::envelope::{EXPIRY_MAX, EXPIRY_MIN, human_bound};
use crate::schema::EventSchema;
use jiff::SignedDuration;
use std::collections::HashSet;
use std::collections::hash_map::{Entry, HashMap};

/// D8: `timestamp + 5 min <= expiryTime <= timestamp + 24 h`, and optionally the clock.
pub(super) fn expiry_window(
    timestamp: DateTime,
    expiry: DateTime,
    options: &Options,
    out: &mut Vec<Violation>,
) {
    let span = expiry.duration_since(timestamp);
    if span < EXPIRY_MIN {
        out.push(Violation::error(
            Rule::EnvExpiryMin,
            "/expiryTime",
            format!(
                "expiryTime is {} after timestamp; the least Alexa accepts is {}",
                human(span, Round::Down),
                human_bound(EXPIRY_MIN)
            ),
        ));
    }
    if span > EXPIRY_MAX {
        out.push(Violation::error(
            Rule::EnvExpiryMax,
            "/expiryTime",
            format!(
                "expiryTime is {} after timestamp; the most Alexa accepts is {}",
                human(span, Round::Up),
                human_bound(EXPIRY_MAX)
            ),
        ));
    }
    if let Some(now) = options.now {
        let left = expiry.duration_since(now);
        if left < EXPIRY_MIN || left > EXPIRY_MAX {
            out.push(Violation::error(
                Rule::EnvExpiryClock,
                "/expiryTime",
                format!(
                    "expiryTime is {} from now ({now}); it must be between {} and {} from now",
                    human(
                        left,
                        if left < EXPIRY_MIN {
                            Round::Down
                        } else {
                            Round::Up
                        }
                    ),
                    human_bound(EXPIRY_MIN),
                    human_bound(EXPIRY_MAX)
                ),
            ));
        }
    }
}

/// Which way [`human`] rounds a fraction of a second: away from the bound a
/// value broke, so that a rounded value never reads as allowed
/// (`4 min 59.5 s` is `4 min 59 s`, not `5 min`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Round {
    /// Toward negative infinity (below a lower bound).
    Down,
    /// Toward positive infinity (above an upper bound).
    Up,
}

/// Past this, whole minutes (rounded to the nearest) are precise enough: the
/// bounds are 5 min and 24 h.
const MINUTES_FROM: i128 = 25 * 3600;

/// `24 h 1 s`, `-3 min`, `4 min 59 s`: whole seconds, rounded as `round` says,
/// or whole minutes from 25 h on (`-23335 h 1 min`).
pub(crate) fn human(d: SignedDuration, round: Round) -> String {
    const NANOS: i128 = 1_000_000_000;
    let nanos = d.as_nanos();
    let mut secs = match round {
        Round::Down => nanos.div_euclid(NANOS),
        Round::Up => -(-nanos).div_euclid(NANOS),
    };
    let minutes_only = secs.abs() >= MINUTES_FROM;
    if minutes_only {
        // Nearest minute, half away from zero.
        secs = (secs.abs() + 30) / 60 * 60 * secs.signum();
    }
    let sign = if secs < 0 { "-" } else { "" };
    let total = secs.unsigned_abs();
    let (h, m, s) = (total / 3600, (total % 3600) / 60, total % 60);
    let mut parts = Vec::new();
    if h > 0 {
        parts.push(format!("{h} h"));
    }
    if m > 0 {
        parts.push(format!("{m} min"));
    }
    if !minutes_only && (s > 0 || parts.is_empty()) {
        parts.push(format!("{s} s"));
    }
    format!("{sign}{}", parts.join(" "))
}

/// D9, D11 and D18 over the entries' locales: one entry per locale, compared
/// case-insensitively; a warning for a locale the event is not documented for;
/// the registry, canonical case and Alexa's locales ([`super::locale`]).
/// `locale(i)` is `None` when entry `i` has no usable locale (the slow path
/// reports that itself).
pub(super) fn locales<'a>(
    count: usize,
    locale: impl Fn(usize) -> Option<&'a str>,
    schema: Option<&EventSchema>,
    alexa: &[&str],
    out: &mut Vec<Violation>,
) {
    // The first entry of each locale: scanned when few, else a map keyed by the
    // lower-case tag (a hostile body can hold 100,000 entries).
    let mut firsts: HashMap<String, usize> = HashMap::new();
    for i in 0..count {
        let Some(tag) = locale(i) else { continue };
        let first = if count <= SMALL {
            (0..i).find(|&j| locale(j).is_some_and(|t| t.eq_ignore_ascii_case(tag)))
        } else {
            match firsts.entry(tag.to_ascii_lowercase()) {
                Entry::Occupied(e) => Some(*e.get()),
                Entry::Vacant(e) => {
                    e.insert(i);
                    None
                }
            }
        };
        let pointer = || format!("/localizedAttributes/{i}/locale");
        if let Some(first) = first {
            let earlier = locale(first).unwrap_or(tag);
            out.push(Violation::error(
                Rule::LocLocaleDuplicate,
                pointer(),
                if earlier == tag {
                    format!("locale {tag} already has entry {first}; send one entry per locale")
                } else {
                    format!(
                        "locale {tag} already has entry {first} (as {earlier}; tags compare case-insensitively); send one entry per locale"
                    )
                },
            ));
        }
        if let Some(schema) = schema
            && let Some(supported) = schema.locales
            && !supported.iter().any(|s| s.eq_ignore_ascii_case(tag))
        {
            out.push(Violation::warning(
                Rule::LocLocaleUnsupported,
                pointer(),
                format!(
                    "{} is documented for {} only; {tag} may not be delivered",
                    schema.name,
                    supported.join(", ")
                ),
            ));
        }
        super::locale::check(tag, alexa, &pointer, out);
    }
}

/// One `localizedattribute:<key>` reference against every entry (D9).
/// `checked` remembers the keys already reported, so that a key used twice is
/// reported once per entry, at its first use.
#[allow(clippy::too_many_arguments)]
pub(super) fn key_defined<'a>(
    key: &str,
    used_at: &dyn Fn() -> String,
    count: usize,
    has_key: &dyn Fn(usize, &str) -> bool,
    locale: &dyn Fn(usize) -> Option<&'a str>,
    checked: &mut HashSet<String>,
    out: &mut Vec<Violation>,
) {
    if checked.contains(key) {
        return;
    }
    let mut missing = false;
    for i in 0..count {
        if has_key(i, key) {
            continue;
        }
        missing = true;
        let tag = locale(i).unwrap_or("(no locale)");
        out.push(Violation::error(
            Rule::LocKeyDefined,
            format!("/localizedAttributes/{i}"),
            format!(
                "no value for `{key}` (used at {}) in the entry for locale {tag}",
                used_at()
            ),
        ));
    }
    // A key found in every entry is found again: remember only missing ones
    // (so a valid request allocates nothing here).
    if missing {
        checked.insert(key.to_owned());
    }
}

#[cfg(test)]
mod tests {
    use super::{Round, human};
    use jiff::SignedDuration;

    #[test]
    fn durations_read_in_whole_seconds_or_minutes() {
        let d = |secs: i64, nanos: i32| SignedDuration::new(secs, nanos);
        assert_eq!(human(d(24 * 3600 + 1, 0), Round::Up), "24 h 1 s");
        assert_eq!(human(d(24 * 3600, 200_000_000), Round::Up), "24 h 1 s");
        assert_eq!(human(d(299, 500_000_000), Round::Down), "4 min 59 s");
        assert_eq!(human(d(-180, 0), Round::Down), "-3 min");
        assert_eq!(human(d(0, -500_000_000), Round::Down), "-1 s");
        assert_eq!(human(d(0, 0), Round::Down), "0 s");
        // The clock check on a body from years ago: minutes, no fraction.
        assert_eq!(
            human(d(-(23335 * 3600 + 47), -647_098_977), Round::Down),
            "-23335 h 1 min"
        );
        assert_eq!(human(d(30 * 3600 + 29, 0), Round::Up), "30 h");
    }
}
