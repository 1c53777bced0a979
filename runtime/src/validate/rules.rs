//! Stable rule ids. Envelope (`ENV-*`) and localization (`LOC-*`) ids follow the
//! `docs/decisions.md` §9; payload rules are named generically (`PAYLOAD-*`) because the
//! per-event facts (required fields, enums, bounds) come from the generated schema
//! metadata. An id never changes meaning; new rules get new ids.
//!
//! What each rule checks is said once, on its [`Rule`] variant, which also says when
//! it is a warning rather than an error (the README's table is checked against
//! [`Rule::ALL`] by a test).
//!
//! Pointers are RFC 6901. A missing field points where the field would be
//! (`/event/payload/order/seller`), so the pointer always names the field at fault.

use std::fmt;
use std::str::FromStr;

/// Defines [`Rule`] and [`Rule::ALL`] from one list, so no rule can be left out of
/// `ALL` and no id string can drift from its variant.
macro_rules! rules {
    ($($(#[$doc:meta])* $variant:ident = $id:literal,)*) => {
        /// A stable rule id. [`Rule::as_str`] (and `Display`) give the id string,
        /// e.g. `ENV-EXPIRY-MAX`; each variant's doc says what it checks.
        ///
        /// New rules may be added in minor versions, hence `#[non_exhaustive]`.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        #[non_exhaustive]
        pub enum Rule {
            $($(#[$doc])* $variant,)*
        }

        impl Rule {
            /// Every rule, in declaration order.
            pub const ALL: &'static [Rule] = &[$(Rule::$variant,)*];

            /// The stable id string, e.g. `"ENV-EXPIRY-MAX"`.
            pub const fn as_str(self) -> &'static str {
                match self {
                    $(Rule::$variant => $id,)*
                }
            }
        }
    };
}

rules! {
    /// `JSON-SYNTAX`: the body is not JSON (message has line and column).
    JsonSyntax = "JSON-SYNTAX",
    /// `JSON-DUPLICATE-KEY`: a key repeated in any one object, `localizedAttributes` entries included.
    JsonDuplicateKey = "JSON-DUPLICATE-KEY",
    /// `STRUCTURE`: the typed parse failed and no finer rule says why (a safety net).
    Structure = "STRUCTURE",
    /// `ENV-TYPE`: an envelope value has the wrong JSON type.
    EnvType = "ENV-TYPE",
    /// `ENV-REQUIRED`: an envelope field is missing.
    EnvRequired = "ENV-REQUIRED",
    /// `ENV-NULL`: an envelope value is `null` (D12).
    EnvNull = "ENV-NULL",
    /// `ENV-UNKNOWN-FIELD`: a field the envelope does not define.
    EnvUnknownField = "ENV-UNKNOWN-FIELD",
    /// `ENV-TIMESTAMP-ISO8601`: `timestamp` is not RFC 3339 with a zone.
    EnvTimestampIso8601 = "ENV-TIMESTAMP-ISO8601",
    /// `ENV-EXPIRY-ISO8601`: `expiryTime` is not RFC 3339 with a zone.
    EnvExpiryIso8601 = "ENV-EXPIRY-ISO8601",
    /// `ENV-REFID-CHARSET`: `referenceId` has a character outside `A-Za-z0-9~` (D7).
    EnvRefidCharset = "ENV-REFID-CHARSET",
    /// `ENV-REFID-LENGTH`: `referenceId` is empty or longer than 100.
    EnvRefidLength = "ENV-REFID-LENGTH",
    /// `ENV-EXPIRY-MIN`: `expiryTime` < `timestamp` + 5 min (D8).
    EnvExpiryMin = "ENV-EXPIRY-MIN",
    /// `ENV-EXPIRY-MAX`: `expiryTime` > `timestamp` + 24 h (D8).
    EnvExpiryMax = "ENV-EXPIRY-MAX",
    /// `ENV-EXPIRY-CLOCK`: with `Options::now`: `expiryTime` not within 5 min..=24 h of now.
    EnvExpiryClock = "ENV-EXPIRY-CLOCK",
    /// `ENV-EVENT-NAME`: `event.name` is not one of the 8 schemas.
    EnvEventName = "ENV-EVENT-NAME",
    /// `ENV-AUDIENCE-TYPE`: `relevantAudience.type` is not `Unicast` or `Multicast`.
    EnvAudienceType = "ENV-AUDIENCE-TYPE",
    /// `ENV-UNICAST-USER`: Unicast without a non-empty `payload.user` (D13).
    EnvUnicastUser = "ENV-UNICAST-USER",
    /// `ENV-MULTICAST-EMPTY-PAYLOAD`: Multicast `payload` is not `{}` (D13).
    EnvMulticastEmptyPayload = "ENV-MULTICAST-EMPTY-PAYLOAD",
    /// `LOC-EMPTY`: `localizedAttributes` has no entry (D9).
    LocEmpty = "LOC-EMPTY",
    /// `LOC-LOCALE-BCP47`: a `locale` is not a BCP 47 tag.
    LocLocaleBcp47 = "LOC-LOCALE-BCP47",
    /// `LOC-LOCALE-DUPLICATE`: two entries for one locale (D9).
    LocLocaleDuplicate = "LOC-LOCALE-DUPLICATE",
    /// `LOC-LOCALE-UNSUPPORTED`: the event is documented for other locales only, a warning (D11).
    LocLocaleUnsupported = "LOC-LOCALE-UNSUPPORTED",
    /// `LOC-LOCALE-UNREGISTERED`: a well-formed tag whose subtags are not in the IANA registry (D25).
    LocLocaleUnregistered = "LOC-LOCALE-UNREGISTERED",
    /// `LOC-LOCALE-NOT-ALEXA`: a valid tag that is none of Alexa's locales, a warning (D25).
    LocLocaleNotAlexa = "LOC-LOCALE-NOT-ALEXA",
    /// `LOC-LOCALE-CASE`: a tag not in canonical case (`en-us`), a warning naming the canonical form (D25).
    LocLocaleCase = "LOC-LOCALE-CASE",
    /// `LOC-VALUE-EMPTY`: a localized text is `""`.
    LocValueEmpty = "LOC-VALUE-EMPTY",
    /// `LOC-KEY-DEFINED`: a referenced `<key>` is missing from an entry (D9).
    LocKeyDefined = "LOC-KEY-DEFINED",
    /// `LOC-NOT-LOCALIZABLE`: `localizedattribute:` in a field that is not localizable (D10).
    LocNotLocalizable = "LOC-NOT-LOCALIZABLE",
    /// `LOC-REFERENCE-KEY`: `localizedattribute:` with nothing after the colon.
    LocReferenceKey = "LOC-REFERENCE-KEY",
    /// `LOC-UNBUILT`: a typed request still holds `Text::PerLocale`.
    LocUnbuilt = "LOC-UNBUILT",
    /// `PAYLOAD-TYPE`: a payload value has the wrong JSON type.
    PayloadType = "PAYLOAD-TYPE",
    /// `PAYLOAD-REQUIRED`: a required payload field is missing.
    PayloadRequired = "PAYLOAD-REQUIRED",
    /// `PAYLOAD-NULL`: a payload value is `null` (D12).
    PayloadNull = "PAYLOAD-NULL",
    /// `PAYLOAD-UNKNOWN-FIELD`: a field the event's schema does not define.
    PayloadUnknownField = "PAYLOAD-UNKNOWN-FIELD",
    /// `PAYLOAD-EMPTY-STRING`: a payload string is `""`.
    PayloadEmptyString = "PAYLOAD-EMPTY-STRING",
    /// `PAYLOAD-ENUM`: not one of the field's values (the message lists them).
    PayloadEnum = "PAYLOAD-ENUM",
    /// `PAYLOAD-MINIMUM`: an integer out of bounds.
    PayloadMinimum = "PAYLOAD-MINIMUM",
    /// `PAYLOAD-MAXIMUM`: an integer out of bounds.
    PayloadMaximum = "PAYLOAD-MAXIMUM",
    /// `PAYLOAD-MIN-ITEMS`: too few / too many array items.
    PayloadMinItems = "PAYLOAD-MIN-ITEMS",
    /// `PAYLOAD-MAX-ITEMS`: too few / too many array items.
    PayloadMaxItems = "PAYLOAD-MAX-ITEMS",
    /// `PAYLOAD-UNIQUE-ITEMS`: an array item repeats an earlier one.
    PayloadUniqueItems = "PAYLOAD-UNIQUE-ITEMS",
    /// `PAYLOAD-DATETIME`: a payload date-time is not RFC 3339 with a zone.
    PayloadDatetime = "PAYLOAD-DATETIME",
}

impl fmt::Display for Rule {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Ordered by id string, so sorted lists read alphabetically.
impl PartialOrd for Rule {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Rule {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        self.as_str().cmp(other.as_str())
    }
}

impl PartialEq<str> for Rule {
    fn eq(&self, other: &str) -> bool {
        self.as_str() == other
    }
}

impl PartialEq<&str> for Rule {
    fn eq(&self, other: &&str) -> bool {
        self.as_str() == *other
    }
}

impl serde::Serialize for Rule {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

/// The id string is not a known rule (see [`Rule::from_str`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnknownRule(String);

impl fmt::Display for UnknownRule {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "unknown rule id `{}`", self.0)
    }
}

impl std::error::Error for UnknownRule {}

/// Parses an id string such as `ENV-EXPIRY-MAX` (exact, case-sensitive).
impl FromStr for Rule {
    type Err = UnknownRule;
    fn from_str(s: &str) -> Result<Self, UnknownRule> {
        Rule::ALL
            .iter()
            .copied()
            .find(|r| r.as_str() == s)
            .ok_or_else(|| UnknownRule(s.to_owned()))
    }
}

#[cfg(test)]
mod tests {
    use super::Rule;

    #[test]
    fn ids_are_unique_and_round_trip() {
        let mut ids: Vec<&str> = Rule::ALL.iter().map(|r| r.as_str()).collect();
        ids.sort_unstable();
        ids.dedup();
        assert_eq!(ids.len(), Rule::ALL.len());
        for &r in Rule::ALL {
            assert_eq!(r.as_str().parse::<Rule>(), Ok(r));
            assert_eq!(r.to_string(), r.as_str());
        }
        assert!("env-expiry-max".parse::<Rule>().is_err());
    }
}
