//! The request envelope's wire contract, in one place: the Rust types and the
//! validator here use these constants, and the schema compiler (codegen, which
//! depends on this crate) reads them to write the JSON Schemas' envelope, so
//! the three cannot drift apart (`docs/decisions.md` D7, D8, D9).

use jiff::SignedDuration;

/// `referenceId`: at most this many characters (D7).
pub const REFERENCE_ID_MAX_LEN: usize = 100;

/// `referenceId`: the characters allowed, as a regular-expression class (D7).
pub const REFERENCE_ID_CLASS: &str = "A-Za-z0-9~";

/// Whether `c` may appear in a `referenceId` ([`REFERENCE_ID_CLASS`]).
pub fn is_reference_id_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '~'
}

/// `referenceId` as a JSON Schema pattern: the class, 1 to the maximum.
pub fn reference_id_pattern() -> String {
    format!("^[{REFERENCE_ID_CLASS}]{{1,{REFERENCE_ID_MAX_LEN}}}$")
}

/// The least `expiryTime - timestamp` Amazon accepts (D8, inclusive).
pub const EXPIRY_MIN: SignedDuration = SignedDuration::from_secs(5 * 60);

/// The most `expiryTime - timestamp` Amazon accepts (D8, inclusive).
pub const EXPIRY_MAX: SignedDuration = SignedDuration::from_secs(24 * 3600);

/// `localizedAttributes` holds at least this many entries (D9).
pub const LOCALIZED_ATTRIBUTES_MIN: usize = 1;

/// Date-times on the wire: RFC 3339 with upper-case `T` and `Z` and a zone, the
/// profile that the Rust types (`__private::datetime`), Python's and Ajv's
/// `date-time` formats all agree on.
pub const DATE_TIME_PATTERN: &str = "^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-5][0-9]:[0-5][0-9](\\.[0-9]+)?(Z|[+-][0-9]{2}:[0-9]{2})$";

/// The loose BCP 47 shape the JSON Schemas check; this crate's validator
/// checks tags with a language-tag parser (`oxilangtag`).
pub const LOCALE_PATTERN: &str = "^[A-Za-z]{2,8}(-[A-Za-z0-9]{1,8})*$";

/// `5 min` / `24 h`: a window bound as the validator's messages write it.
pub fn human_bound(d: SignedDuration) -> String {
    let secs = d.as_secs();
    if secs % 3600 == 0 {
        format!("{} h", secs / 3600)
    } else {
        format!("{} min", secs / 60)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_reference_id_pattern_is_built_from_the_class_and_the_length() {
        assert_eq!(reference_id_pattern(), "^[A-Za-z0-9~]{1,100}$");
        for c in ['a', 'Z', '0', '~'] {
            assert!(is_reference_id_char(c));
        }
        for c in ['-', '_', ' ', 'é'] {
            assert!(!is_reference_id_char(c));
        }
    }

    #[test]
    fn window_bounds_read_as_amazon_states_them() {
        assert_eq!(human_bound(EXPIRY_MIN), "5 min");
        assert_eq!(human_bound(EXPIRY_MAX), "24 h");
    }
}
