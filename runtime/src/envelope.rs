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

/// The last year a date-time may be written in (D26). The Rust types (jiff's
/// `Timestamp`) hold instants up to 9999-12-30T22:00:00.999999999Z; a pattern
/// cannot compare an instant across offsets, so the whole year 9999 is refused,
/// in Rust and in the JSON Schemas alike.
pub const MAX_YEAR: u32 = 9998;

/// Date-times on the wire: RFC 3339 with upper-case `T` and `Z` and a zone,
/// every component bounded (D26): a year up to [`MAX_YEAR`], a real calendar
/// date (month lengths and leap years: `02-29` only in leap years), hours 00–23 (no `24:00`), minutes and
/// seconds 00–59 (no leap second `:60`), at most 9 fractional digits, and an
/// offset of at most ±23:59. The JSON Schemas carry this pattern, so that a
/// validator without a format checker (the default in most: `format` is an
/// annotation in 2020-12) gives the verdict of [`is_date_time`], of the Rust
/// types (`__private::datetime`), and of Python's and Ajv's `date-time` formats.
pub const DATE_TIME_PATTERN: &str = concat!(
    "^(?:",
    // Years 0000 to 9998 (see [`MAX_YEAR`]): months of 31, of 30 days, and
    // February up to the 28th.
    "(?:[0-8][0-9]{3}|9[0-8][0-9]{2}|99[0-8][0-9]|999[0-8])-(?:(?:0[13578]|1[02])-(?:0[1-9]|[12][0-9]|3[01])",
    "|(?:0[469]|11)-(?:0[1-9]|[12][0-9]|30)",
    "|02-(?:0[1-9]|1[0-9]|2[0-8]))",
    // Leap years (divisible by 4, centuries only when divisible by 400): the 29th
    // (9999 is not one, so this needs no year bound).
    "|(?:[0-9]{2}(?:0[48]|[2468][048]|[13579][26])|(?:[02468][048]|[13579][26])00)-02-29",
    ")T(?:[01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9](?:\\.[0-9]{1,9})?",
    "(?:Z|[+-](?:[01][0-9]|2[0-3]):[0-5][0-9])$"
);

/// Whether `s` matches [`DATE_TIME_PATTERN`] ([`date_time_problem`] is `None`).
pub fn is_date_time(s: &str) -> bool {
    date_time_problem(s).is_none()
}

/// What keeps `s` from matching [`DATE_TIME_PATTERN`], checked without a
/// regular-expression engine (the same bounds, with the calendar's month
/// lengths), or `None` when it matches.
pub fn date_time_problem(s: &str) -> Option<&'static str> {
    const SHAPE: &str = "the shape must be YYYY-MM-DDTHH:MM:SS[.fraction] and a zone (Z or ±HH:MM), with upper-case T and Z";
    let b = s.as_bytes();
    let num = |r: std::ops::Range<usize>| -> Option<u32> {
        let digits = b.get(r)?;
        digits.iter().try_fold(0u32, |n, d| {
            d.is_ascii_digit().then(|| n * 10 + u32::from(d - b'0'))
        })
    };
    let at = |i: usize, c: u8| b.get(i) == Some(&c);
    let (Some(year), Some(month), Some(day), Some(hour), Some(minute), Some(second)) = (
        num(0..4),
        num(5..7),
        num(8..10),
        num(11..13),
        num(14..16),
        num(17..19),
    ) else {
        return Some(SHAPE);
    };
    if !(at(4, b'-') && at(7, b'-') && at(10, b'T') && at(13, b':') && at(16, b':')) {
        return Some(SHAPE);
    }
    if year > MAX_YEAR {
        return Some("the year must be 0000 to 9998 (the Rust types end in 9999)");
    }
    let leap = year % 4 == 0 && (year % 100 != 0 || year % 400 == 0);
    let days = match month {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if leap => 29,
        2 => 28,
        _ => return Some("the month must be 01 to 12"),
    };
    if day == 0 || day > days {
        return Some("the day does not exist in that month");
    }
    if hour > 23 {
        return Some("the hour must be 00 to 23 (no 24:00)");
    }
    if minute > 59 {
        return Some("the minute must be 00 to 59");
    }
    if second > 59 {
        return Some("the second must be 00 to 59 (no leap second)");
    }
    let mut i = 19;
    if at(i, b'.') {
        let start = i + 1;
        i = start;
        while b.get(i).is_some_and(u8::is_ascii_digit) {
            i += 1;
        }
        if i == start || i - start > 9 {
            return Some("a fraction of a second has 1 to 9 digits");
        }
    }
    match &b[i..] {
        [b'Z'] => None,
        [b'+' | b'-', _, _, b':', _, _] => match (num(i + 1..i + 3), num(i + 4..i + 6)) {
            (Some(h), Some(m)) if h <= 23 && m <= 59 => None,
            (Some(_), Some(_)) => Some("the offset must be at most ±23:59"),
            _ => Some(SHAPE),
        },
        _ => Some(SHAPE),
    }
}

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
